//! Consistency checks of the kernel's memory bookkeeping: the page tables,
//! the frame table, the TLB, the swap slots and the page-table pool must
//! all tell the same story.
//!
//! A normal run never calls these checks. Tests and the scenario tester
//! call [`Kernel::check_invariants`] between instructions (see
//! [`Kernel::run_until`]) and after the run; it reads the state and changes
//! nothing. docs/invariants.md lists the invariants in prose.

use super::process::Process;
use super::replacement::GLOBAL_KEY;
use super::Kernel;
use crate::config::Scope;
use crate::hw::page_table::{Pte, PTE_BYTES};
use crate::hw::{Asid, PhysAddr};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A broken invariant, with the process, page, frame or slot involved.
/// VPNs and PFNs are numbers, not addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvariantViolation {
    /// A page-table frame of a live process lies outside the page-table
    /// pool, so a walk would read a user frame as a table.
    TableOutsidePool {
        /// The process whose tables reach it.
        pid: u32,
        /// The frame.
        pfn: u32,
        /// Its level, 0 being the root.
        level: u32,
    },
    /// A lower page table reachable from a live root has no present,
    /// swapped or table entry left between two instructions: it should
    /// have been freed when its last entry went.
    EmptyLowerTable {
        /// The process whose tables reach it.
        pid: u32,
        /// The table's frame.
        pfn: u32,
        /// Its level, 1 or more (the root may be empty).
        level: u32,
    },
    /// A table frame reachable from a live root is free in the pool, so
    /// the next allocation would hand it out a second time.
    TableFrameFree {
        /// The process whose tables reach it.
        pid: u32,
        /// The frame.
        pfn: u32,
    },
    /// One table frame is reachable twice: from two processes, or twice
    /// from one (a cycle or two parents).
    TableShared {
        /// The frame.
        pfn: u32,
        /// The process that reached it first.
        first_pid: u32,
        /// The process that reached it again.
        second_pid: u32,
    },
    /// A table reachable from the root is missing from the process's
    /// `space.tables`, so exit would not free it.
    TableNotRecorded {
        /// The process.
        pid: u32,
        /// The frame.
        pfn: u32,
        /// Its level.
        level: u32,
    },
    /// `space.tables` lists a table that the root does not reach.
    TableUnreachable {
        /// The process.
        pid: u32,
        /// The frame.
        pfn: u32,
        /// The recorded level.
        level: u32,
    },
    /// The pool has a different number of frames in use than the live
    /// processes record as their tables.
    TablePoolMismatch {
        /// Frames the pool has handed out and not taken back.
        in_use: u32,
        /// Tables recorded by every process.
        recorded: u32,
    },
    /// A terminated process still records page tables.
    DeadProcessHoldsTables {
        /// The process.
        pid: u32,
        /// How many it records.
        tables: usize,
    },
    /// A present leaf PTE names a frame that is not a user frame.
    PteFrameNotUser {
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
        /// The frame number in the PTE.
        pfn: u32,
    },
    /// A present leaf PTE names a user frame that has no owner.
    PteFrameUnowned {
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
        /// The frame.
        pfn: u32,
    },
    /// A present leaf PTE names an owned frame whose record does not list
    /// this process, page and PTE address among its mappings.
    PteMappingMissing {
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
        /// The frame.
        pfn: u32,
    },
    /// A PTE is copy-on-write and writable at once, so a store would
    /// change a frame that another process still shares.
    CowPteWritable {
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
        /// The frame.
        pfn: u32,
    },
    /// The frame table's free list and owner records disagree about a frame.
    FrameListMismatch {
        /// The frame.
        pfn: u32,
        /// Whether it has an owner record.
        owned: bool,
        /// Whether it is on the free list.
        free: bool,
    },
    /// An owned frame lists no mapping.
    FrameWithoutMapping {
        /// The frame.
        pfn: u32,
    },
    /// A frame lists a mapping of a process that is not alive, or whose
    /// ASID is not the one recorded.
    MappingOfDeadProcess {
        /// The frame.
        pfn: u32,
        /// The pid in the mapping.
        pid: u32,
        /// The page in the mapping.
        vpn: u32,
    },
    /// A frame lists the same process and page twice.
    DuplicateMapping {
        /// The frame.
        pfn: u32,
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
    },
    /// A frame lists a mapping whose leaf PTE is not present at the recorded
    /// address with this frame number.
    MappingWithoutPte {
        /// The frame.
        pfn: u32,
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
    },
    /// A frame mapped by several PTEs is writable through one of them,
    /// although it caches no file page. Other frames are shared only
    /// copy-on-write after `fork` or read-only, so every sharer must be
    /// read-only.
    WritableSharedFrame {
        /// The frame.
        pfn: u32,
        /// The process with the writable PTE.
        pid: u32,
        /// Its page.
        vpn: u32,
        /// Number of mappings of the frame.
        sharers: usize,
    },
    /// A valid TLB entry belongs to an ASID with no live process.
    TlbEntryOfDeadAsid {
        /// The entry's ASID.
        asid: u32,
        /// The entry's page.
        vpn: u32,
    },
    /// A valid TLB entry does not match its PTE: the page is not present,
    /// is in another frame, or its PTE is at another address.
    TlbEntryStale {
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
        /// The frame in the entry.
        tlb_pfn: u32,
        /// The current leaf PTE, or `None` when no table reaches it.
        pte: Option<Pte>,
    },
    /// A valid TLB entry's writable bit differs from its PTE's.
    TlbWritableMismatch {
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
        /// The entry's writable bit.
        tlb_writable: bool,
    },
    /// A valid TLB entry is dirty while its PTE is clean, so the next store
    /// through it would not mark the page dirty and eviction would drop it.
    TlbDirtyLost {
        /// The process.
        pid: u32,
        /// The page.
        vpn: u32,
    },
    /// A swap slot's holder count differs from the number of its holders:
    /// non-present PTEs that name it plus resident frames that keep it as
    /// their swap copy.
    SlotHoldersMismatch {
        /// The slot.
        slot: u32,
        /// The count in the slot table.
        holders: u32,
        /// The holders found.
        references: u32,
    },
    /// A slot with holders is free in the allocator.
    SlotFreeButHeld {
        /// The slot.
        slot: u32,
        /// Its holder count.
        holders: u32,
    },
    /// A slot with holders stores no page on the swap device, so a swap-in
    /// would read zeros. Every slot is written when it is allocated.
    SlotNotStored {
        /// The slot.
        slot: u32,
        /// Its holder count.
        holders: u32,
    },
    /// A slot without holders still stores a page: it was freed without
    /// discarding its contents.
    FreeSlotStored {
        /// The slot.
        slot: u32,
    },
    /// The allocator has a different number of slots in use than there are
    /// slots with holders.
    SlotsInUseMismatch {
        /// Slots handed out and not taken back.
        in_use: u32,
        /// Slots with at least one holder.
        held: u32,
    },
    /// Every process has terminated, but a user frame is still owned.
    FrameLeaked {
        /// The frame.
        pfn: u32,
        /// The process of its first mapping, if any.
        pid: Option<u32>,
        /// The page of its first mapping, if any.
        vpn: Option<u32>,
    },
    /// Every process has terminated, but a swap slot is still in use.
    SlotLeaked {
        /// The slot.
        slot: u32,
        /// Its holder count.
        holders: u32,
    },
    /// Every process has terminated, but page-table frames are still in use.
    TablesLeaked {
        /// Frames of the pool (or, under `--page-tables-in-pool`, user
        /// frames) still containing page tables.
        in_use: u32,
    },
    /// Under `--page-tables-in-pool`, a table frame reachable from a live
    /// root is not a user frame recorded as a page table of that process,
    /// so eviction or another process could take it.
    TableFrameNotRecorded {
        /// The process whose tables reach it.
        pid: u32,
        /// The frame.
        pfn: u32,
        /// The process the frame table records it for, if any.
        recorded_for: Option<u32>,
    },
    /// Under `--page-tables-in-pool`, the frame table also lists a page
    /// mapping for a table frame.
    TableFrameHoldsPage {
        /// The process whose tables reach it.
        pid: u32,
        /// The frame.
        pfn: u32,
    },
    /// Under `--page-tables-in-pool`, the frame table counts a different
    /// number of table frames for a live process than its address space
    /// records.
    TableCountMismatch {
        /// The process.
        pid: u32,
        /// Table frames the frame table counts for it.
        in_frame_table: usize,
        /// Tables its `space.tables` lists.
        recorded: usize,
    },
    /// Under `--page-tables-in-pool`, the frame table records a frame as a
    /// page table that no live root reaches.
    OrphanTableFrame {
        /// The frame.
        pfn: u32,
        /// The process it is recorded for.
        pid: u32,
    },
    /// Under `--page-tables-in-pool`, the reserved pool hands out frames
    /// or keeps staged ones between instructions, although every table
    /// lives in a user frame.
    ReservedPoolInUse {
        /// Frames handed out by the pool and not given back.
        in_use: u32,
        /// Frames staged for a walk and not taken.
        staged: usize,
    },
    /// A frame that caches a file page is not the page cache's frame of
    /// that page.
    FilePageNotCached {
        /// The frame.
        pfn: u32,
        /// The mount of the page.
        mount: u32,
        /// The page number in the file.
        page: u32,
    },
    /// The page cache lists a frame for a file page, but that frame does
    /// not record the page.
    CachedFrameMismatch {
        /// The mount of the page.
        mount: u32,
        /// The page number in the file.
        page: u32,
        /// The frame the cache lists.
        pfn: u32,
    },
    /// A frame that caches a file page keeps a swap slot, although file
    /// pages are written back to their mount and never to swap.
    FileFrameHoldsSlot {
        /// The frame.
        pfn: u32,
        /// The slot.
        slot: u32,
    },
    /// A frame containing a page is held by no policy instance, so it can
    /// never be chosen as a victim.
    PageFrameNotHeld {
        /// The frame.
        pfn: u32,
    },
    /// A frame containing a page is held by the wrong policy instance: not
    /// the global one (key 0) under global scope, or under local scope not
    /// the instance of a live process that maps it.
    FrameHeldByWrongInstance {
        /// The frame.
        pfn: u32,
        /// The key of the holding instance.
        key: u32,
    },
    /// A free frame or a page-table frame is held by a policy instance,
    /// which could choose it as a victim.
    UnoccupiedFrameHeld {
        /// The frame.
        pfn: u32,
        /// The key of the holding instance.
        key: u32,
    },
    /// A policy instance's count of the frames it holds differs from the
    /// frames recorded as held by it.
    HeldCountMismatch {
        /// The key of the instance: 0 for the global one, else a pid.
        key: u32,
        /// The instance's count.
        held: usize,
        /// Frames whose holder is this key.
        frames: usize,
    },
    /// Under local scope, a live process has no frame limit.
    MissingFrameLimit {
        /// The process.
        pid: u32,
    },
    /// A frame limit exists for a process that is not live, or under
    /// global scope, where no limits apply.
    UnexpectedFrameLimit {
        /// The process.
        pid: u32,
    },
}

impl InvariantViolation {
    /// Returns the name of the invariant this violation breaks, as
    /// docs/invariants.md lists them.
    pub fn invariant(&self) -> &'static str {
        use InvariantViolation::*;
        match self {
            TableOutsidePool { .. }
            | EmptyLowerTable { .. }
            | TableFrameFree { .. }
            | TableShared { .. }
            | TableNotRecorded { .. }
            | TableUnreachable { .. }
            | TablePoolMismatch { .. }
            | DeadProcessHoldsTables { .. }
            | TableFrameNotRecorded { .. }
            | TableFrameHoldsPage { .. }
            | TableCountMismatch { .. }
            | OrphanTableFrame { .. }
            | ReservedPoolInUse { .. } => "page-table frames are accounted for",
            PteFrameNotUser { .. }
            | PteFrameUnowned { .. }
            | PteMappingMissing { .. }
            | CowPteWritable { .. } => "every present PTE points at a frame owned by its page",
            FrameListMismatch { .. }
            | FrameWithoutMapping { .. }
            | MappingOfDeadProcess { .. }
            | DuplicateMapping { .. }
            | MappingWithoutPte { .. } => "every frame mapping is backed by its PTE",
            WritableSharedFrame { .. } => "shared frames are shared legitimately",
            TlbEntryOfDeadAsid { .. }
            | TlbEntryStale { .. }
            | TlbWritableMismatch { .. }
            | TlbDirtyLost { .. } => "every TLB entry agrees with its PTE",
            SlotHoldersMismatch { .. }
            | SlotFreeButHeld { .. }
            | SlotNotStored { .. }
            | FreeSlotStored { .. }
            | SlotsInUseMismatch { .. } => "swap slots in use equal their holders",
            FrameLeaked { .. } | SlotLeaked { .. } | TablesLeaked { .. } => {
                "nothing leaks after every process exits"
            }
            FilePageNotCached { .. } | CachedFrameMismatch { .. } | FileFrameHoldsSlot { .. } => {
                "each resident file page has one frame in the page cache"
            }
            PageFrameNotHeld { .. }
            | FrameHeldByWrongInstance { .. }
            | UnoccupiedFrameHeld { .. }
            | HeldCountMismatch { .. }
            | MissingFrameLimit { .. }
            | UnexpectedFrameLimit { .. } => "every page frame is held by one policy instance",
        }
    }
}

impl fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use InvariantViolation::*;
        write!(f, "invariant \"{}\" violated: ", self.invariant())?;
        match self {
            TableOutsidePool { pid, pfn, level } => write!(
                f,
                "pid {pid} has a level-{level} page table in PFN {pfn}, outside the page-table pool"
            ),
            EmptyLowerTable { pid, pfn, level } => write!(
                f,
                "pid {pid} keeps an empty level-{level} page table in PFN {pfn}; a table is freed when its last entry goes"
            ),
            TableFrameFree { pid, pfn } => write!(
                f,
                "pid {pid} uses PFN {pfn} as a page table, but the pool lists it as free"
            ),
            TableShared {
                pfn,
                first_pid,
                second_pid,
            } => write!(
                f,
                "page-table PFN {pfn} is reached from pid {first_pid} and again from pid {second_pid}"
            ),
            TableNotRecorded { pid, pfn, level } => write!(
                f,
                "pid {pid} reaches a level-{level} table in PFN {pfn} that its address space does not record"
            ),
            TableUnreachable { pid, pfn, level } => write!(
                f,
                "pid {pid} records a level-{level} table in PFN {pfn} that its root does not reach"
            ),
            TablePoolMismatch { in_use, recorded } => write!(
                f,
                "the page-table pool has {in_use} frames in use, but processes record {recorded} tables"
            ),
            DeadProcessHoldsTables { pid, tables } => write!(
                f,
                "pid {pid} has terminated but still records {tables} page tables"
            ),
            PteFrameNotUser { pid, vpn, pfn } => write!(
                f,
                "pid {pid} VPN 0x{vpn:x} maps PFN {pfn}, which is not a user frame"
            ),
            PteFrameUnowned { pid, vpn, pfn } => write!(
                f,
                "pid {pid} VPN 0x{vpn:x} maps PFN {pfn}, which the frame table lists as unowned"
            ),
            PteMappingMissing { pid, vpn, pfn } => write!(
                f,
                "pid {pid} VPN 0x{vpn:x} maps PFN {pfn}, but the frame's record does not list that mapping"
            ),
            CowPteWritable { pid, vpn, pfn } => write!(
                f,
                "pid {pid} VPN 0x{vpn:x} (PFN {pfn}) is copy-on-write and writable at once"
            ),
            FrameListMismatch { pfn, owned, free } => write!(
                f,
                "PFN {pfn} is {} and {} the free list",
                if *owned { "owned" } else { "unowned" },
                if *free { "on" } else { "not on" }
            ),
            FrameWithoutMapping { pfn } => write!(f, "PFN {pfn} is owned but lists no mapping"),
            MappingOfDeadProcess { pfn, pid, vpn } => write!(
                f,
                "PFN {pfn} lists a mapping of VPN 0x{vpn:x} by pid {pid}, which is not a live process with that ASID"
            ),
            DuplicateMapping { pfn, pid, vpn } => write!(
                f,
                "PFN {pfn} lists the mapping of pid {pid} VPN 0x{vpn:x} twice"
            ),
            MappingWithoutPte { pfn, pid, vpn } => write!(
                f,
                "PFN {pfn} lists a mapping of pid {pid} VPN 0x{vpn:x}, but that PTE does not map PFN {pfn}"
            ),
            WritableSharedFrame {
                pfn,
                pid,
                vpn,
                sharers,
            } => write!(
                f,
                "PFN {pfn} has {sharers} mappings, and pid {pid} VPN 0x{vpn:x} can write it"
            ),
            TlbEntryOfDeadAsid { asid, vpn } => write!(
                f,
                "the TLB caches VPN 0x{vpn:x} of ASID {asid}, which belongs to no live process"
            ),
            TlbEntryStale {
                pid,
                vpn,
                tlb_pfn,
                pte,
            } => match pte {
                Some(pte) => write!(
                    f,
                    "the TLB maps pid {pid} VPN 0x{vpn:x} to PFN {tlb_pfn}, but its PTE is {pte:?}"
                ),
                None => write!(
                    f,
                    "the TLB maps pid {pid} VPN 0x{vpn:x} to PFN {tlb_pfn}, but no page table reaches that page"
                ),
            },
            TlbWritableMismatch {
                pid,
                vpn,
                tlb_writable,
            } => write!(
                f,
                "the TLB entry of pid {pid} VPN 0x{vpn:x} is {} but its PTE is {}",
                if *tlb_writable { "writable" } else { "read-only" },
                if *tlb_writable { "read-only" } else { "writable" }
            ),
            TlbDirtyLost { pid, vpn } => write!(
                f,
                "the TLB entry of pid {pid} VPN 0x{vpn:x} is dirty but its PTE is clean"
            ),
            SlotHoldersMismatch {
                slot,
                holders,
                references,
            } => write!(
                f,
                "swap slot {slot} counts {holders} holders, but {references} PTEs and frames hold it"
            ),
            SlotFreeButHeld { slot, holders } => write!(
                f,
                "swap slot {slot} has {holders} holders but the allocator lists it as free"
            ),
            SlotNotStored { slot, holders } => write!(
                f,
                "swap slot {slot} has {holders} holders but stores no page on the swap device"
            ),
            FreeSlotStored { slot } => write!(
                f,
                "swap slot {slot} has no holders but still stores a page on the swap device"
            ),
            SlotsInUseMismatch { in_use, held } => write!(
                f,
                "the swap allocator has {in_use} slots in use, but {held} slots have holders"
            ),
            FrameLeaked { pfn, pid, vpn } => match (pid, vpn) {
                (Some(pid), Some(vpn)) => write!(
                    f,
                    "every process has exited, but PFN {pfn} is still owned by pid {pid} VPN 0x{vpn:x}"
                ),
                _ => write!(
                    f,
                    "every process has exited, but PFN {pfn} is still owned"
                ),
            },
            SlotLeaked { slot, holders } => write!(
                f,
                "every process has exited, but swap slot {slot} still has {holders} holders"
            ),
            TablesLeaked { in_use } => write!(
                f,
                "every process has exited, but {in_use} page-table frames are still in use"
            ),
            TableFrameNotRecorded {
                pid,
                pfn,
                recorded_for,
            } => match recorded_for {
                Some(owner) => write!(
                    f,
                    "pid {pid} uses PFN {pfn} as a page table, but the frame table records it as a table of pid {owner}"
                ),
                None => write!(
                    f,
                    "pid {pid} uses PFN {pfn} as a page table, but the frame table does not record it as a page-table frame"
                ),
            },
            TableFrameHoldsPage { pid, pfn } => write!(
                f,
                "pid {pid} uses PFN {pfn} as a page table, but the frame table also lists page mappings in it"
            ),
            TableCountMismatch {
                pid,
                in_frame_table,
                recorded,
            } => write!(
                f,
                "the frame table counts {in_frame_table} page-table frames of pid {pid}, but its address space records {recorded}"
            ),
            OrphanTableFrame { pfn, pid } => write!(
                f,
                "PFN {pfn} is recorded as a page table of pid {pid}, but no live root reaches it"
            ),
            ReservedPoolInUse { in_use, staged } => write!(
                f,
                "page tables are in the user frames, but the reserved pool has {in_use} frames in use and {staged} staged"
            ),
            FilePageNotCached { pfn, mount, page } => write!(
                f,
                "PFN {pfn} caches page {page} of mount {mount}, but the page cache does not list PFN {pfn} for it"
            ),
            CachedFrameMismatch { mount, page, pfn } => write!(
                f,
                "the page cache lists PFN {pfn} for page {page} of mount {mount}, but that frame does not cache the page"
            ),
            FileFrameHoldsSlot { pfn, slot } => write!(
                f,
                "PFN {pfn} caches a file page but keeps swap slot {slot}"
            ),
            PageFrameNotHeld { pfn } => write!(
                f,
                "PFN {pfn} contains a page, but no replacement policy instance holds it"
            ),
            FrameHeldByWrongInstance { pfn, key } => write!(
                f,
                "PFN {pfn} is held by the policy instance under key {key}, which is not the global instance or the instance of a live process that maps it"
            ),
            UnoccupiedFrameHeld { pfn, key } => write!(
                f,
                "PFN {pfn} is free or contains a page table, but the policy instance under key {key} holds it"
            ),
            HeldCountMismatch { key, held, frames } => write!(
                f,
                "the policy instance under key {key} counts {held} frames, but {frames} frames record it as their holder"
            ),
            MissingFrameLimit { pid } => write!(
                f,
                "pid {pid} is live under local scope but has no frame limit"
            ),
            UnexpectedFrameLimit { pid } => write!(
                f,
                "pid {pid} has a frame limit, but it is not a live process under local scope"
            ),
        }
    }
}

impl std::error::Error for InvariantViolation {}

/// The leaf PTEs of one process that are not empty, by VPN, with their addresses.
type Leaves = BTreeMap<u32, (PhysAddr, Pte)>;

/// Every table frame reachable from a live root, by PFN, with the pid
/// whose root reaches it.
type TableFrames = BTreeMap<u32, u32>;

impl Kernel {
    /// Checks that the page tables, the frame table, the TLB, the swap slots
    /// and the page-table pool agree, and, once every process has
    /// terminated, that nothing is left allocated. Call it between
    /// instructions: after [`Kernel::run_until`] returns, or before the
    /// first run.
    ///
    /// # Errors
    ///
    /// Returns the first violation found. When every process has
    /// terminated, leaks are checked first.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        for process in self.processes.iter().filter(|p| p.exit.is_some()) {
            if !process.space.tables.is_empty() {
                return Err(InvariantViolation::DeadProcessHoldsTables {
                    pid: process.pid,
                    tables: process.space.tables.len(),
                });
            }
        }
        if self.processes.iter().all(|p| p.exit.is_some()) {
            self.check_nothing_leaks()?;
        }

        let (leaves, table_frames) = self.check_page_tables()?;
        let mut slot_references: BTreeMap<u32, u32> = BTreeMap::new();
        self.check_present_ptes(&leaves, &mut slot_references)?;
        self.check_frames(&leaves, &table_frames, &mut slot_references)?;
        self.check_page_cache()?;
        self.check_tlb(&leaves)?;
        self.check_swap_slots(&slot_references)?;
        self.check_replacement()
    }

    /// Returns the live process with `asid`.
    fn live_process_with_asid(&self, asid: Asid) -> Option<&Process> {
        self.processes
            .iter()
            .find(|p| p.exit.is_none() && p.asid == asid)
    }

    /// Checks the tables of every live process against the pool (or, under
    /// `--page-tables-in-pool`, the frame table) and the process's record
    /// of its tables. Returns each live process's leaf PTEs by pid, and
    /// every reachable table frame with the pid that reaches it.
    fn check_page_tables(
        &self,
    ) -> Result<(BTreeMap<u32, Leaves>, TableFrames), InvariantViolation> {
        let sys = &self.sys;
        let in_frames = sys.config.page_tables_in_pool;
        let geometry = &sys.geometry;
        let entries_per_table = geometry.page_size / PTE_BYTES;
        // Every table frame reached so far, with the pid that reached it.
        let mut reached_by: BTreeMap<u32, u32> = BTreeMap::new();
        let mut all_leaves = BTreeMap::new();
        let mut recorded = 0u32;

        for process in self.processes.iter().filter(|p| p.exit.is_none()) {
            let pid = process.pid;
            let mut reachable: BTreeSet<(u32, u32)> = BTreeSet::new();
            let mut leaves = Leaves::new();
            // Each stack item is a table, its level and the VPN bits of its
            // indices so far, as in `vmm::leaf_entries`.
            let mut stack = vec![(process.space.root_pfn, 0u32, 0u32)];
            while let Some((table_pfn, level, prefix)) = stack.pop() {
                if in_frames {
                    self.check_table_in_frames(pid, table_pfn)?;
                } else {
                    self.check_table_in_pool(pid, table_pfn, level)?;
                }
                if let Some(&first_pid) = reached_by.get(&table_pfn) {
                    return Err(InvariantViolation::TableShared {
                        pfn: table_pfn,
                        first_pid,
                        second_pid: pid,
                    });
                }
                reached_by.insert(table_pfn, pid);
                reachable.insert((table_pfn, level));

                let bits = geometry.level_bits(level);
                let count = entries_per_table.min(1 << bits);
                let mut in_use = 0;
                for index in 0..count {
                    let pte_addr = sys.memory.frame_addr(table_pfn, index * PTE_BYTES);
                    let pte = Pte(sys.memory.read_u32(pte_addr));
                    if pte == Pte::EMPTY {
                        continue;
                    }
                    in_use += 1;
                    let vpn = (prefix << bits) | index;
                    if level + 1 == geometry.levels {
                        leaves.insert(vpn, (pte_addr, pte));
                    } else if pte.present() {
                        stack.push((pte.pfn(), level + 1, vpn));
                    }
                }
                if level > 0 && in_use == 0 {
                    return Err(InvariantViolation::EmptyLowerTable {
                        pid,
                        pfn: table_pfn,
                        level,
                    });
                }
            }

            let listed: BTreeSet<(u32, u32)> = process.space.tables.iter().copied().collect();
            if let Some(&(pfn, level)) = reachable.difference(&listed).next() {
                return Err(InvariantViolation::TableNotRecorded { pid, pfn, level });
            }
            if let Some(&(pfn, level)) = listed.difference(&reachable).next() {
                return Err(InvariantViolation::TableUnreachable { pid, pfn, level });
            }
            if in_frames {
                let in_frame_table = sys.frames.tables_of(pid);
                if in_frame_table != listed.len() {
                    return Err(InvariantViolation::TableCountMismatch {
                        pid,
                        in_frame_table,
                        recorded: listed.len(),
                    });
                }
            }
            recorded += process.space.tables.len() as u32;
            all_leaves.insert(pid, leaves);
        }

        let in_use = sys.tables.in_use();
        if in_frames {
            let staged = sys.tables.given_back_count();
            if in_use != 0 || staged != 0 {
                return Err(InvariantViolation::ReservedPoolInUse { in_use, staged });
            }
        } else if in_use != recorded {
            return Err(InvariantViolation::TablePoolMismatch { in_use, recorded });
        }
        Ok((all_leaves, reached_by))
    }

    /// Checks that the table frame `pfn` of `pid` lies in the reserved pool,
    /// which has it in use.
    fn check_table_in_pool(
        &self,
        pid: u32,
        pfn: u32,
        level: u32,
    ) -> Result<(), InvariantViolation> {
        if pfn >= self.sys.config.page_table_frames as u32 {
            return Err(InvariantViolation::TableOutsidePool { pid, pfn, level });
        }
        if self.sys.tables.is_free(pfn) {
            return Err(InvariantViolation::TableFrameFree { pid, pfn });
        }
        Ok(())
    }

    /// Checks that the table frame `pfn` of `pid` is a user frame recorded
    /// as a table of `pid`: not free, without page mappings, and held by no
    /// policy instance, so it stays pinned. Applies under
    /// `--page-tables-in-pool`.
    fn check_table_in_frames(&self, pid: u32, pfn: u32) -> Result<(), InvariantViolation> {
        let sys = &self.sys;
        let first_user_pfn = sys.config.page_table_frames as u32;
        let frame = pfn.wrapping_sub(first_user_pfn) as usize;
        let recorded_for = sys.frames.table_owner(frame);
        if pfn < first_user_pfn || recorded_for != Some(pid) {
            return Err(InvariantViolation::TableFrameNotRecorded {
                pid,
                pfn,
                recorded_for,
            });
        }
        if sys.frames.is_free(frame) {
            return Err(InvariantViolation::TableFrameFree { pid, pfn });
        }
        if sys.frames.owner(frame).is_some() {
            return Err(InvariantViolation::TableFrameHoldsPage { pid, pfn });
        }
        if let Some(key) = sys.replacement.holder(frame) {
            return Err(InvariantViolation::UnoccupiedFrameHeld { pfn, key });
        }
        Ok(())
    }

    /// Checks that every present leaf PTE maps an owned user frame whose
    /// record lists it, and counts the swap slots named by non-present PTEs.
    fn check_present_ptes(
        &self,
        leaves: &BTreeMap<u32, Leaves>,
        slot_references: &mut BTreeMap<u32, u32>,
    ) -> Result<(), InvariantViolation> {
        let sys = &self.sys;
        let first_user_pfn = sys.config.page_table_frames as u32;
        let user_frames = sys.frames.len() as u32;
        for (&pid, process_leaves) in leaves {
            let asid = self.processes[pid as usize - 1].asid;
            for (&vpn, &(pte_addr, pte)) in process_leaves {
                if !pte.present() {
                    if let Some(slot) = pte.swap_slot() {
                        *slot_references.entry(slot).or_default() += 1;
                    }
                    continue;
                }
                let pfn = pte.pfn();
                if !(first_user_pfn..first_user_pfn + user_frames).contains(&pfn) {
                    return Err(InvariantViolation::PteFrameNotUser { pid, vpn, pfn });
                }
                let Some(owner) = sys.frames.owner(sys.frame_index(pfn)) else {
                    return Err(InvariantViolation::PteFrameUnowned { pid, vpn, pfn });
                };
                let listed = owner.mappings.iter().any(|mapping| {
                    mapping.pid == pid
                        && mapping.asid == asid
                        && mapping.vpn == vpn
                        && mapping.pte_addr == pte_addr
                });
                if !listed {
                    return Err(InvariantViolation::PteMappingMissing { pid, vpn, pfn });
                }
                if pte.copy_on_write() && pte.writable() {
                    return Err(InvariantViolation::CowPteWritable { pid, vpn, pfn });
                }
            }
        }
        Ok(())
    }

    /// Checks every user frame's record: free list, mappings backed by
    /// present PTEs, legitimate sharing. Counts each frame's swap copy as
    /// a holder of its slot.
    ///
    /// A frame's reference count is the length of its mapping list. Together
    /// with [`Kernel::check_present_ptes`], which finds every present PTE
    /// in that list, the distinct mappings each backed by their PTE make the
    /// count equal to the number of PTEs that map the frame.
    fn check_frames(
        &self,
        leaves: &BTreeMap<u32, Leaves>,
        table_frames: &TableFrames,
        slot_references: &mut BTreeMap<u32, u32>,
    ) -> Result<(), InvariantViolation> {
        let sys = &self.sys;
        for frame in 0..sys.frames.len() {
            let pfn = sys.pfn_of(frame);
            // A page-table frame under `--page-tables-in-pool` has neither
            // an owner nor a place on the free list. Reachable ones were
            // checked with their tables.
            if let Some(pid) = sys.frames.table_owner(frame) {
                if table_frames.get(&pfn) != Some(&pid) {
                    return Err(InvariantViolation::OrphanTableFrame { pfn, pid });
                }
                continue;
            }
            let owner = sys.frames.owner(frame);
            let free = sys.frames.is_free(frame);
            if owner.is_some() == free {
                return Err(InvariantViolation::FrameListMismatch {
                    pfn,
                    owned: owner.is_some(),
                    free,
                });
            }
            let Some(owner) = owner else {
                continue;
            };
            if owner.mappings.is_empty() {
                return Err(InvariantViolation::FrameWithoutMapping { pfn });
            }

            let mut seen = BTreeSet::new();
            for mapping in &owner.mappings {
                let (pid, vpn) = (mapping.pid, mapping.vpn);
                let live = self
                    .processes
                    .get((pid as usize).wrapping_sub(1))
                    .is_some_and(|p| p.exit.is_none() && p.asid == mapping.asid);
                if !live {
                    return Err(InvariantViolation::MappingOfDeadProcess { pfn, pid, vpn });
                }
                if !seen.insert((pid, vpn)) {
                    return Err(InvariantViolation::DuplicateMapping { pfn, pid, vpn });
                }
                let pte = leaves
                    .get(&pid)
                    .and_then(|process_leaves| process_leaves.get(&vpn))
                    .filter(|(pte_addr, _)| *pte_addr == mapping.pte_addr)
                    .map(|&(_, pte)| pte);
                let Some(pte) = pte.filter(|pte| pte.present() && pte.pfn() == pfn) else {
                    return Err(InvariantViolation::MappingWithoutPte { pfn, pid, vpn });
                };
                // A file page is shared writable on purpose: every process
                // that maps it reads the others' stores. Any other frame is
                // shared only read-only or copy-on-write after `fork`.
                if owner.mappings.len() > 1 && pte.writable() && owner.file.is_none() {
                    return Err(InvariantViolation::WritableSharedFrame {
                        pfn,
                        pid,
                        vpn,
                        sharers: owner.mappings.len(),
                    });
                }
            }

            if let Some(slot) = owner.swap_slot {
                if owner.file.is_some() {
                    return Err(InvariantViolation::FileFrameHoldsSlot { pfn, slot });
                }
                *slot_references.entry(slot).or_default() += 1;
            }
        }
        Ok(())
    }

    /// Checks that the page cache and the frames' file pages agree both
    /// ways, so each resident file page has exactly one frame.
    fn check_page_cache(&self) -> Result<(), InvariantViolation> {
        let sys = &self.sys;
        for frame in 0..sys.frames.len() {
            if let Some(page) = sys.file_page_of(frame) {
                if sys.page_cache.get(&page) != Some(&frame) {
                    return Err(InvariantViolation::FilePageNotCached {
                        pfn: sys.pfn_of(frame),
                        mount: page.mount,
                        page: page.page,
                    });
                }
            }
        }
        for (page, frame) in sys.resident_file_pages() {
            if frame >= sys.frames.len() || sys.file_page_of(frame) != Some(page) {
                return Err(InvariantViolation::CachedFrameMismatch {
                    mount: page.mount,
                    page: page.page,
                    pfn: sys.pfn_of(frame),
                });
            }
        }
        Ok(())
    }

    /// Checks the policy instances' holdings. Every frame containing a page
    /// is held by exactly one instance: the global one, or under local scope
    /// the instance of a live process that maps it. Free and page-table
    /// frames are held by none, and each instance counts its frames right.
    /// Under local scope exactly the live processes have frame limits.
    fn check_replacement(&self) -> Result<(), InvariantViolation> {
        let sys = &self.sys;
        let replacement = &sys.replacement;
        let local = replacement.scope() == Scope::Local;
        let is_live = |pid: u32| {
            self.processes
                .get((pid as usize).wrapping_sub(1))
                .is_some_and(|process| process.exit.is_none())
        };
        let mut frames_per_key: BTreeMap<u32, usize> = BTreeMap::new();
        for frame in 0..sys.frames.len() {
            let pfn = sys.pfn_of(frame);
            let holder = replacement.holder(frame);
            let Some(owner) = sys.frames.owner(frame) else {
                if let Some(key) = holder {
                    return Err(InvariantViolation::UnoccupiedFrameHeld { pfn, key });
                }
                continue;
            };
            let Some(key) = holder else {
                return Err(InvariantViolation::PageFrameNotHeld { pfn });
            };
            let rightful = if local {
                is_live(key) && owner.mappings.iter().any(|mapping| mapping.pid == key)
            } else {
                key == GLOBAL_KEY
            };
            if !rightful {
                return Err(InvariantViolation::FrameHeldByWrongInstance { pfn, key });
            }
            *frames_per_key.entry(key).or_default() += 1;
        }

        let mut keys: BTreeSet<u32> = frames_per_key.keys().copied().collect();
        if local {
            keys.extend(
                self.processes
                    .iter()
                    .filter(|process| process.exit.is_none())
                    .map(|process| process.pid),
            );
        } else {
            keys.insert(GLOBAL_KEY);
        }
        for key in keys {
            let held = replacement.held_by(key);
            let frames = frames_per_key.get(&key).copied().unwrap_or(0);
            if held != frames {
                return Err(InvariantViolation::HeldCountMismatch { key, held, frames });
            }
        }

        if local {
            for process in self.processes.iter().filter(|p| p.exit.is_none()) {
                if replacement.limit(process.pid).is_none() {
                    return Err(InvariantViolation::MissingFrameLimit { pid: process.pid });
                }
            }
        }
        if let Some(&pid) = replacement
            .limits()
            .keys()
            .find(|&&pid| !local || !is_live(pid))
        {
            return Err(InvariantViolation::UnexpectedFrameLimit { pid });
        }
        Ok(())
    }

    /// Checks that every valid TLB entry belongs to a live process and
    /// matches its leaf PTE: frame, PTE address and writable bit, and that
    /// the entry is not dirty over a clean PTE.
    fn check_tlb(&self, leaves: &BTreeMap<u32, Leaves>) -> Result<(), InvariantViolation> {
        for entry in self.sys.mmu.tlb().entries() {
            let vpn = entry.vpn;
            let Some(process) = self.live_process_with_asid(entry.asid) else {
                return Err(InvariantViolation::TlbEntryOfDeadAsid {
                    asid: entry.asid.0,
                    vpn,
                });
            };
            let pid = process.pid;
            let leaf = leaves.get(&pid).and_then(|l| l.get(&vpn)).copied();
            let matches = leaf.is_some_and(|(pte_addr, pte)| {
                pte.present() && pte.pfn() == entry.pfn && pte_addr == entry.pte_addr
            });
            let Some((_, pte)) = leaf.filter(|_| matches) else {
                return Err(InvariantViolation::TlbEntryStale {
                    pid,
                    vpn,
                    tlb_pfn: entry.pfn,
                    pte: leaf.map(|(_, pte)| pte),
                });
            };
            if entry.writable != pte.writable() {
                return Err(InvariantViolation::TlbWritableMismatch {
                    pid,
                    vpn,
                    tlb_writable: entry.writable,
                });
            }
            if entry.dirty && !pte.dirty() {
                return Err(InvariantViolation::TlbDirtyLost { pid, vpn });
            }
        }
        Ok(())
    }

    /// Checks every slot's holder count against its holders, the allocator
    /// against the slots that have holders, and the swap device's stored
    /// pages against the slots in use.
    ///
    /// The holders of a slot are the non-present leaf PTEs of live
    /// processes that name it, plus each resident frame that records it as
    /// its swap copy. A page read back from swap keeps its slot for as long
    /// as it stays resident, clean or dirty. Its frame counts as one
    /// holder, however many processes map it.
    fn check_swap_slots(
        &self,
        slot_references: &BTreeMap<u32, u32>,
    ) -> Result<(), InvariantViolation> {
        let slots = &self.sys.slots;
        for (&slot, &references) in slot_references {
            let holders = slots.holders(slot);
            if holders != references {
                return Err(InvariantViolation::SlotHoldersMismatch {
                    slot,
                    holders,
                    references,
                });
            }
        }
        let mut held = 0;
        for (slot, holders) in slots.held_slots() {
            let references = slot_references.get(&slot).copied().unwrap_or(0);
            if holders != references {
                return Err(InvariantViolation::SlotHoldersMismatch {
                    slot,
                    holders,
                    references,
                });
            }
            if slots.is_free(slot) {
                return Err(InvariantViolation::SlotFreeButHeld { slot, holders });
            }
            if !self.sys.swap.is_stored(slot) {
                return Err(InvariantViolation::SlotNotStored { slot, holders });
            }
            held += 1;
        }
        if let Some(slot) = self
            .sys
            .swap
            .stored_slots()
            .find(|&slot| slots.holders(slot) == 0)
        {
            return Err(InvariantViolation::FreeSlotStored { slot });
        }
        let in_use = slots.in_use();
        if in_use != held {
            return Err(InvariantViolation::SlotsInUseMismatch { in_use, held });
        }
        Ok(())
    }

    /// Checks that no user frame, swap slot or page-table frame is still
    /// allocated. Valid only once every process has terminated.
    fn check_nothing_leaks(&self) -> Result<(), InvariantViolation> {
        let sys = &self.sys;
        for frame in 0..sys.frames.len() {
            if let Some(owner) = sys.frames.owner(frame) {
                let first = owner.mappings.first();
                return Err(InvariantViolation::FrameLeaked {
                    pfn: sys.pfn_of(frame),
                    pid: first.map(|mapping| mapping.pid),
                    vpn: first.map(|mapping| mapping.vpn),
                });
            }
        }
        if let Some((slot, holders)) = sys.slots.held_slots().next() {
            return Err(InvariantViolation::SlotLeaked { slot, holders });
        }
        let in_use = sys.tables.in_use() + sys.frames.table_count() as u32;
        if in_use > 0 {
            return Err(InvariantViolation::TablesLeaked { in_use });
        }
        if let Some((page, frame)) = sys.resident_file_pages().next() {
            return Err(InvariantViolation::CachedFrameMismatch {
                mount: page.mount,
                page: page.page,
                pfn: sys.pfn_of(frame),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
