//! Consistency checks of the kernel's memory bookkeeping: the page tables,
//! the frame table, the TLB, the swap slots and the page-table pool must
//! all tell the same story.
//!
//! A normal run never calls these checks. Tests and the scenario tester
//! call [`Kernel::check_invariants`] between instructions (see
//! [`Kernel::run_until`]) and after the run; it reads the state and changes
//! nothing. docs/invariants.md lists the invariants in prose.

use super::process::Process;
use super::Kernel;
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
    /// A frame mapped by several PTEs is writable through one of them. Only
    /// copy-on-write sharing after `fork` and read-only sharing exist, so
    /// every sharer must be read-only.
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
        /// Frames of the pool still handed out.
        in_use: u32,
    },
}

impl InvariantViolation {
    /// Returns the name of the invariant this violation breaks, as
    /// docs/invariants.md lists them.
    pub fn invariant(&self) -> &'static str {
        use InvariantViolation::*;
        match self {
            TableOutsidePool { .. }
            | TableFrameFree { .. }
            | TableShared { .. }
            | TableNotRecorded { .. }
            | TableUnreachable { .. }
            | TablePoolMismatch { .. }
            | DeadProcessHoldsTables { .. } => "page-table frames are accounted for",
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
        }
    }
}

impl std::error::Error for InvariantViolation {}

/// The leaf PTEs of one process that are not empty, by VPN, with their addresses.
type Leaves = BTreeMap<u32, (PhysAddr, Pte)>;

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

        let leaves = self.check_page_tables()?;
        let mut slot_references: BTreeMap<u32, u32> = BTreeMap::new();
        self.check_present_ptes(&leaves, &mut slot_references)?;
        self.check_frames(&leaves, &mut slot_references)?;
        self.check_tlb(&leaves)?;
        self.check_swap_slots(&slot_references)
    }

    /// Returns the live process with `asid`.
    fn live_process_with_asid(&self, asid: Asid) -> Option<&Process> {
        self.processes
            .iter()
            .find(|p| p.exit.is_none() && p.asid == asid)
    }

    /// Checks the tables of every live process against the pool and the
    /// process's record of its tables, and returns each live process's
    /// leaf PTEs by pid.
    fn check_page_tables(&self) -> Result<BTreeMap<u32, Leaves>, InvariantViolation> {
        let sys = &self.sys;
        let pool_frames = sys.config.page_table_frames as u32;
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
                // NOTE: page tables come from the reserved pool only. When
                // an option lets them use user frames, this range check must
                // accept those frames too.
                if table_pfn >= pool_frames {
                    return Err(InvariantViolation::TableOutsidePool {
                        pid,
                        pfn: table_pfn,
                        level,
                    });
                }
                if sys.tables.is_free(table_pfn) {
                    return Err(InvariantViolation::TableFrameFree {
                        pid,
                        pfn: table_pfn,
                    });
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
                for index in 0..count {
                    let pte_addr = sys.memory.frame_addr(table_pfn, index * PTE_BYTES);
                    let pte = Pte(sys.memory.read_u32(pte_addr));
                    if pte == Pte::EMPTY {
                        continue;
                    }
                    let vpn = (prefix << bits) | index;
                    if level + 1 == geometry.levels {
                        leaves.insert(vpn, (pte_addr, pte));
                    } else if pte.present() {
                        stack.push((pte.pfn(), level + 1, vpn));
                    }
                }
            }

            let listed: BTreeSet<(u32, u32)> = process.space.tables.iter().copied().collect();
            if let Some(&(pfn, level)) = reachable.difference(&listed).next() {
                return Err(InvariantViolation::TableNotRecorded { pid, pfn, level });
            }
            if let Some(&(pfn, level)) = listed.difference(&reachable).next() {
                return Err(InvariantViolation::TableUnreachable { pid, pfn, level });
            }
            recorded += process.space.tables.len() as u32;
            all_leaves.insert(pid, leaves);
        }

        let in_use = sys.tables.in_use();
        if in_use != recorded {
            return Err(InvariantViolation::TablePoolMismatch { in_use, recorded });
        }
        Ok(all_leaves)
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
        slot_references: &mut BTreeMap<u32, u32>,
    ) -> Result<(), InvariantViolation> {
        let sys = &self.sys;
        for frame in 0..sys.frames.len() {
            let pfn = sys.pfn_of(frame);
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
                // NOTE: only fork's copy-on-write and read-only sharing
                // exist. Writable shared mappings (shared memory-mapped
                // files) will need an exception here.
                if owner.mappings.len() > 1 && pte.writable() {
                    return Err(InvariantViolation::WritableSharedFrame {
                        pfn,
                        pid,
                        vpn,
                        sharers: owner.mappings.len(),
                    });
                }
            }

            if let Some(slot) = owner.swap_slot {
                *slot_references.entry(slot).or_default() += 1;
            }
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
        let in_use = sys.tables.in_use();
        if in_use > 0 {
            return Err(InvariantViolation::TablesLeaked { in_use });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
