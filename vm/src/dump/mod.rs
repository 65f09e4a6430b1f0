//! Snapshots ("dumps") of a paused or finished machine: geometry, page
//! tables, frame table, TLB, swap slots and chosen frame bytes, as plain
//! data that serialises to JSON and prints as text.
//!
//! A dump is read-only: taking one never changes the machine. The same
//! types describe a dump read back from a file, which [`DumpFile::validate`]
//! checks before anything uses it, and a hand-written machine description
//! ([`exercise`]), which converts into a dump.

pub mod exercise;
mod text;
pub mod walk;

#[cfg(test)]
mod tests;

use crate::hw::page_table::{Geometry, Pte, PTE_BYTES};
use crate::kernel::vmm::FrameOwner;
use crate::kernel::Kernel;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

pub use text::{Section, Selection};

/// Value of [`DumpFile::format`] in every dump file.
pub const FORMAT: &str = "pagelab-dump";

/// Version of the dump layout that this code writes and reads.
pub const VERSION: u32 = 1;

/// A dump file: one or more dumps of one run, in the order they were taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpFile {
    /// Always [`FORMAT`], so that another JSON file is rejected early.
    pub format: String,
    /// Layout version, [`VERSION`].
    pub version: u32,
    /// The dumps, in the order they were taken.
    pub dumps: Vec<Dump>,
}

impl DumpFile {
    /// Wraps `dumps` in a file of the current format and version.
    pub fn new(dumps: Vec<Dump>) -> DumpFile {
        DumpFile {
            format: FORMAT.to_string(),
            version: VERSION,
            dumps,
        }
    }

    /// Checks everything the text output and the walk rely on: the format
    /// and version, and for every dump the rules of [`Dump::validate`].
    ///
    /// # Errors
    ///
    /// Returns a message naming the first broken value and the dump it is in.
    pub fn validate(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "the \"format\" field is {:?}, but a dump file has {FORMAT:?}",
                self.format
            ));
        }
        if self.version != VERSION {
            return Err(format!(
                "dump version {} is not supported; this pagelab reads version {VERSION}",
                self.version
            ));
        }
        if self.dumps.is_empty() {
            return Err("the file contains no dump (\"dumps\" is empty)".to_string());
        }
        for (number, dump) in self.dumps.iter().enumerate() {
            dump.validate()
                .map_err(|message| format!("dump {number} ({}): {message}", dump.point))?;
        }
        Ok(())
    }
}

/// The moment a dump was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DumpPoint {
    /// The run paused between two instructions once the clock reached `tick`.
    Tick {
        /// The tick requested with `--dump-at`.
        tick: u64,
    },
    /// Process `pid` had terminated, and its memory was about to be released.
    Exit {
        /// The process that ended.
        pid: u32,
    },
    /// A machine description written by hand, not taken from a run.
    Description,
}

impl DumpPoint {
    /// Names the dump taken at this point, as in "the dump at tick 40".
    pub fn describe_dump(&self) -> String {
        match self {
            DumpPoint::Description => "the machine description".to_string(),
            point => format!("the dump at {point}"),
        }
    }
}

impl std::fmt::Display for DumpPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DumpPoint::Tick { tick } => write!(f, "tick {tick}"),
            DumpPoint::Exit { pid } => write!(f, "exit of pid {pid}"),
            DumpPoint::Description => f.write_str("machine description"),
        }
    }
}

/// The machine's geometry and the configuration values a dump reader needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineDump {
    /// Virtual address width in bits.
    pub va_bits: u32,
    /// Page (and frame) size in bytes.
    pub page_size: u32,
    /// Index bits of each page-table level, root first.
    pub split: Vec<u32>,
    /// Frames of the page-table pool: PFNs `0..page_table_frames`.
    pub page_table_frames: u32,
    /// Frames for process pages: the PFNs after the pool.
    pub user_frames: u32,
    /// TLB entries; 0 when the TLB is off.
    pub tlb_entries: u32,
    /// TLB entries per set.
    pub tlb_ways: u32,
    /// Swap slots.
    pub swap_slots: u32,
    /// The whole machine configuration as `pagelab config --json` prints
    /// it, or `null` in a hand-written description.
    #[serde(default)]
    pub config: serde_json::Value,
}

impl MachineDump {
    /// Returns the geometry of the split.
    ///
    /// # Errors
    ///
    /// Returns the geometry's message when the page size, width or split
    /// is invalid.
    pub fn geometry(&self) -> Result<Geometry, String> {
        Geometry::with_split(self.page_size, self.va_bits, &self.split)
    }

    /// Returns the number of physical frames, page-table pool included.
    pub fn total_frames(&self) -> u64 {
        self.page_table_frames as u64 + self.user_frames as u64
    }
}

/// The bits of a PTE, decoded, so that JSON readers need not know the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PteBits {
    /// P: the entry maps a frame or a lower table.
    pub present: bool,
    /// W: stores are allowed.
    pub writable: bool,
    /// A: the MMU used the entry since the kernel last cleared the bit.
    pub accessed: bool,
    /// D: the page was written.
    pub dirty: bool,
    /// C: the page is shared copy-on-write.
    pub copy_on_write: bool,
    /// The frame number of a present entry.
    pub pfn: Option<u32>,
    /// The swap slot of a non-present entry whose page is in swap.
    pub swap_slot: Option<u32>,
}

impl PteBits {
    /// Decodes `pte`.
    pub fn decode(pte: u32) -> PteBits {
        let pte = Pte(pte);
        PteBits {
            present: pte.present(),
            writable: pte.writable(),
            accessed: pte.accessed(),
            dirty: pte.dirty(),
            copy_on_write: pte.copy_on_write(),
            pfn: pte.present().then_some(pte.pfn()),
            swap_slot: pte.swap_slot(),
        }
    }
}

/// Returns the flag letters of `pte` in the order P W A D C S, with `-`
/// for a clear bit (S is the swapped bit).
pub fn flag_letters(pte: u32) -> String {
    let pte = Pte(pte);
    let letter = |set: bool, c: char| if set { c } else { '-' };
    [
        letter(pte.present(), 'P'),
        letter(pte.writable(), 'W'),
        letter(pte.accessed(), 'A'),
        letter(pte.dirty(), 'D'),
        letter(pte.copy_on_write(), 'C'),
        letter(pte.swap_slot().is_some(), 'S'),
    ]
    .iter()
    .collect()
}

/// One page table, with its non-empty entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDump {
    /// Level of the table, 0 being the root.
    pub level: u32,
    /// The frame that contains the table.
    pub pfn: u32,
    /// Every entry whose value is not 0, by index.
    pub entries: Vec<EntryDump>,
}

/// One non-empty entry of a page table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDump {
    /// Index of the entry in its table.
    pub index: u32,
    /// Physical address of the entry: the table's frame address plus 4 × index.
    pub pte_addr: u32,
    /// The raw 32-bit value.
    pub pte: u32,
    /// `pte` decoded.
    pub bits: PteBits,
    /// For a last-level entry, the virtual page number it translates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpn: Option<u32>,
    /// For a present entry above the last level, the table it points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<Box<TableDump>>,
}

/// One process with memory: its page-table tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessDump {
    /// Process id.
    pub pid: u32,
    /// Program name.
    pub name: String,
    /// Life-cycle state (`terminated` in the dump taken at its exit).
    pub state: String,
    /// The ASID that tags its TLB entries.
    pub asid: u32,
    /// The root table and, below it, every table reachable from it.
    pub page_table: TableDump,
}

/// One mapping of a user frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameMapping {
    /// The process that maps the frame.
    pub pid: u32,
    /// The page in that process.
    pub vpn: u32,
    /// The value of the mapping's leaf PTE.
    pub pte: u32,
}

/// Contents of a physical frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "use", rename_all = "snake_case")]
pub enum FrameUse {
    /// Nothing: a free user frame or an unused frame of the page-table pool.
    Free,
    /// A page table of `pid` at `level`.
    PageTable {
        /// The owning process.
        pid: u32,
        /// Level of the table, 0 being the root.
        level: u32,
    },
    /// A process page, mapped by one or more processes.
    Page {
        /// Every mapping, first loader first.
        mappings: Vec<FrameMapping>,
        /// Reference count: the number of mappings.
        references: u32,
        /// The swap slot that still contains a copy of the page, if any.
        swap_copy: Option<u32>,
    },
}

/// One physical frame and its use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameDump {
    /// Physical frame number.
    pub pfn: u32,
    /// Contents of the frame.
    #[serde(flatten)]
    pub content: FrameUse,
}

/// One valid TLB entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlbEntryDump {
    /// Set of the entry (`vpn mod sets`).
    pub set: u32,
    /// Way inside the set.
    pub way: u32,
    /// Address space the translation belongs to.
    pub asid: u32,
    /// Virtual page number.
    pub vpn: u32,
    /// Frame the page is in.
    pub pfn: u32,
    /// Copy of the PTE's writable bit.
    pub writable: bool,
    /// Copy of the PTE's dirty bit.
    pub dirty: bool,
}

/// One page that keeps a swap slot in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapHolder {
    /// The process of the page.
    pub pid: u32,
    /// The page.
    pub vpn: u32,
    /// True when the page is resident and the slot keeps a clean copy of
    /// it; false when the page's PTE names the slot.
    pub resident: bool,
}

/// One swap slot in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapSlotDump {
    /// Slot number.
    pub slot: u32,
    /// The kernel's holder count of the slot.
    pub holders: u32,
    /// The pages behind the holders, in pid and VPN order.
    pub pages: Vec<SwapHolder>,
}

/// The bytes of one frame, as lowercase hex, two digits per byte.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameBytes {
    /// Physical frame number.
    pub pfn: u32,
    /// The frame's bytes in hex.
    pub hex: String,
}

impl FrameBytes {
    /// Decodes the hex string.
    ///
    /// # Errors
    ///
    /// Returns a message when the string has an odd length or a character
    /// that is not a hex digit.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let text = self.hex.as_bytes();
        if !text.len().is_multiple_of(2) {
            return Err(format!(
                "the bytes of frame {} have an odd number of hex digits",
                self.pfn
            ));
        }
        let digit = |c: u8| (c as char).to_digit(16);
        text.chunks(2)
            .map(|pair| match (digit(pair[0]), digit(pair[1])) {
                (Some(high), Some(low)) => Ok((high * 16 + low) as u8),
                _ => Err(format!(
                    "the bytes of frame {} contain {:?}, which is not a hex byte",
                    self.pfn,
                    String::from_utf8_lossy(pair)
                )),
            })
            .collect()
    }
}

/// A snapshot of the whole machine at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dump {
    /// When the dump was taken.
    pub point: DumpPoint,
    /// The clock at that moment. A tick dump's clock may exceed its tick
    /// by the cost of the instruction that crossed it.
    pub clock: u64,
    /// Geometry and configuration.
    pub machine: MachineDump,
    /// Every process that still has memory, in pid order.
    pub processes: Vec<ProcessDump>,
    /// Every physical frame, in PFN order.
    pub frames: Vec<FrameDump>,
    /// The valid TLB entries, in set and way order.
    pub tlb: Vec<TlbEntryDump>,
    /// The swap slots in use, in slot order.
    pub swap: Vec<SwapSlotDump>,
    /// The bytes of the frames chosen with `--dump-frame`, in request order.
    pub frame_bytes: Vec<FrameBytes>,
}

/// Takes a dump of `kernel` at `point`, with the bytes of the frames
/// `byte_frames` (PFNs; those beyond physical memory are skipped).
pub fn capture(kernel: &Kernel, point: DumpPoint, byte_frames: &[u32]) -> Dump {
    let sys = kernel.system();
    let config = &sys.config;
    let geometry = sys.geometry;
    let total_frames = (config.frames + config.page_table_frames) as u64;
    let tlb = sys.mmu.tlb();
    let machine = MachineDump {
        va_bits: geometry.va_bits,
        page_size: geometry.page_size,
        split: (0..geometry.levels)
            .map(|level| geometry.level_bits(level))
            .collect(),
        page_table_frames: config.page_table_frames as u32,
        user_frames: config.frames as u32,
        tlb_entries: tlb.capacity() as u32,
        tlb_ways: tlb.ways() as u32,
        swap_slots: sys.slots.size(),
        config: serde_json::to_value(config).unwrap_or(serde_json::Value::Null),
    };

    // A process has memory until its address space is released, which
    // empties its list of tables.
    let live: Vec<_> = kernel
        .processes()
        .iter()
        .filter(|process| !process.space.tables.is_empty())
        .collect();
    let processes = live
        .iter()
        .map(|process| ProcessDump {
            pid: process.pid,
            name: process.name.clone(),
            state: process.state.name().to_string(),
            asid: process.asid.0,
            page_table: read_table(kernel, process.space.root_pfn, 0, 0),
        })
        .collect();

    let mut table_owners = BTreeMap::new();
    for process in &live {
        for &(pfn, level) in &process.space.tables {
            table_owners.insert(pfn, (process.pid, level));
        }
    }
    let mut frames = Vec::new();
    for pfn in 0..total_frames as u32 {
        let content = if let Some(&(pid, level)) = table_owners.get(&pfn) {
            FrameUse::PageTable { pid, level }
        } else if (pfn as usize) < config.page_table_frames {
            FrameUse::Free
        } else {
            match sys.frames.owner(sys.frame_index(pfn)) {
                Some(owner) => page_use(kernel, owner),
                None => FrameUse::Free,
            }
        };
        frames.push(FrameDump { pfn, content });
    }

    let tlb = tlb
        .valid_entries()
        .into_iter()
        .map(|(set, way, entry)| TlbEntryDump {
            set: set as u32,
            way: way as u32,
            asid: entry.asid.0,
            vpn: entry.vpn,
            pfn: entry.pfn,
            writable: entry.writable,
            dirty: entry.dirty,
        })
        .collect();

    let frame_bytes = byte_frames
        .iter()
        .filter(|&&pfn| (pfn as u64) < total_frames)
        .map(|&pfn| FrameBytes {
            pfn,
            hex: sys
                .memory
                .frame(pfn)
                .iter()
                .fold(String::new(), |mut hex, byte| {
                    let _ = write!(hex, "{byte:02x}");
                    hex
                }),
        })
        .collect();

    let mut dump = Dump {
        point,
        clock: sys.clock,
        machine,
        processes,
        frames,
        tlb,
        swap: Vec::new(),
        frame_bytes,
    };
    dump.swap = swap_usage(kernel, &dump);
    dump
}

/// Reads the table in frame `pfn` at `level`, whose entries translate the
/// VPNs that start with `prefix`, and every table below it.
fn read_table(kernel: &Kernel, pfn: u32, level: u32, prefix: u32) -> TableDump {
    let sys = kernel.system();
    let geometry = &sys.geometry;
    let bits = geometry.level_bits(level);
    let last = level + 1 == geometry.levels;
    let mut entries = Vec::new();
    for index in 0..(1u32 << bits) {
        let pte_addr = sys.memory.frame_addr(pfn, index * PTE_BYTES);
        let pte = Pte(sys.memory.read_u32(pte_addr));
        if pte == Pte::EMPTY {
            continue;
        }
        let vpn = (prefix << bits) | index;
        let table = (!last && pte.present())
            .then(|| Box::new(read_table(kernel, pte.pfn(), level + 1, vpn)));
        entries.push(EntryDump {
            index,
            pte_addr: pte_addr.0,
            pte: pte.0,
            bits: PteBits::decode(pte.0),
            vpn: last.then_some(vpn),
            table,
        });
    }
    TableDump {
        level,
        pfn,
        entries,
    }
}

/// Describes a user frame from its owner record and its mappings' PTEs.
fn page_use(kernel: &Kernel, owner: &FrameOwner) -> FrameUse {
    let memory = &kernel.system().memory;
    let mappings: Vec<FrameMapping> = owner
        .mappings
        .iter()
        .map(|mapping| FrameMapping {
            pid: mapping.pid,
            vpn: mapping.vpn,
            pte: memory.read_u32(mapping.pte_addr),
        })
        .collect();
    FrameUse::Page {
        references: mappings.len() as u32,
        mappings,
        swap_copy: owner.swap_slot,
    }
}

/// Lists the slots in use: the slots named by non-present leaf PTEs and
/// the swap copies of resident frames, with the kernel's holder counts.
fn swap_usage(kernel: &Kernel, dump: &Dump) -> Vec<SwapSlotDump> {
    let mut pages: BTreeMap<u32, BTreeSet<(u32, u32, bool)>> = BTreeMap::new();
    for process in &dump.processes {
        for (vpn, entry) in leaves(&process.page_table) {
            if let Some(slot) = entry.bits.swap_slot {
                pages
                    .entry(slot)
                    .or_default()
                    .insert((process.pid, vpn, false));
            }
        }
    }
    for frame in &dump.frames {
        if let FrameUse::Page {
            mappings,
            swap_copy: Some(slot),
            ..
        } = &frame.content
        {
            for mapping in mappings {
                pages
                    .entry(*slot)
                    .or_default()
                    .insert((mapping.pid, mapping.vpn, true));
            }
        }
    }
    let slots = &kernel.system().slots;
    pages
        .into_iter()
        .map(|(slot, holders)| SwapSlotDump {
            slot,
            holders: slots.holders(slot),
            pages: holders
                .into_iter()
                .map(|(pid, vpn, resident)| SwapHolder { pid, vpn, resident })
                .collect(),
        })
        .collect()
}

/// Returns every last-level entry under `table` with its VPN, in VPN order.
pub fn leaves(table: &TableDump) -> Vec<(u32, &EntryDump)> {
    let mut found = Vec::new();
    collect_leaves(table, &mut found);
    found
}

fn collect_leaves<'a>(table: &'a TableDump, found: &mut Vec<(u32, &'a EntryDump)>) {
    for entry in &table.entries {
        if let Some(child) = &entry.table {
            collect_leaves(child, found);
        } else if let Some(vpn) = entry.vpn {
            found.push((vpn, entry));
        }
    }
}

impl Dump {
    /// Returns the process `pid`, if the dump contains it.
    pub fn process(&self, pid: u32) -> Option<&ProcessDump> {
        self.processes.iter().find(|process| process.pid == pid)
    }

    /// Checks that the dump is self-consistent, so that the text output
    /// and the walk can trust it. The geometry must be valid and every
    /// frame number inside physical memory. Each page-table entry's level,
    /// index, address, decoded bits and VPN must agree with its raw value,
    /// and the TLB entries with the TLB's shape. No frame, swap slot or
    /// frame's bytes may be listed twice.
    ///
    /// # Errors
    ///
    /// Returns a message naming the first broken value.
    pub fn validate(&self) -> Result<(), String> {
        let geometry = self
            .machine
            .geometry()
            .map_err(|message| format!("invalid machine geometry: {message}"))?;
        let total_frames = self.machine.total_frames();
        if total_frames == 0 || total_frames > u32::MAX as u64 / self.machine.page_size as u64 {
            return Err(format!(
                "the machine has {total_frames} frames of {} bytes; physical memory must be 1 frame to 4 GiB",
                self.machine.page_size
            ));
        }

        let mut pids = BTreeSet::new();
        let mut used_tables = BTreeSet::new();
        for process in &self.processes {
            if !pids.insert(process.pid) {
                return Err(format!("pid {} appears twice", process.pid));
            }
            check_table(
                &geometry,
                total_frames,
                &process.page_table,
                0,
                0,
                &mut used_tables,
            )
            .map_err(|message| format!("page table of pid {}: {message}", process.pid))?;
        }

        let mut listed_frames = BTreeSet::new();
        for (position, frame) in self.frames.iter().enumerate() {
            if !listed_frames.insert(frame.pfn) {
                return Err(format!(
                    "frame table entry {position}: PFN {} is listed twice",
                    frame.pfn
                ));
            }
            if frame.pfn as u64 >= total_frames {
                return Err(format!(
                    "frame table entry {position} names PFN {}, but the machine has PFNs 0 to {}",
                    frame.pfn,
                    total_frames - 1
                ));
            }
        }

        self.check_tlb(&geometry, total_frames)?;

        let mut listed_slots = BTreeSet::new();
        for slot in &self.swap {
            if !listed_slots.insert(slot.slot) {
                return Err(format!("swap slot {} is listed twice", slot.slot));
            }
        }

        let mut listed_bytes = BTreeSet::new();
        for stored in &self.frame_bytes {
            if !listed_bytes.insert(stored.pfn) {
                return Err(format!("the bytes of PFN {} are listed twice", stored.pfn));
            }
            if stored.pfn as u64 >= total_frames {
                return Err(format!(
                    "stored bytes name PFN {}, but the machine has PFNs 0 to {}",
                    stored.pfn,
                    total_frames - 1
                ));
            }
            let bytes = stored.bytes()?;
            if bytes.len() != self.machine.page_size as usize {
                return Err(format!(
                    "frame {} has {} stored bytes, but a frame has {}",
                    stored.pfn,
                    bytes.len(),
                    self.machine.page_size
                ));
            }
        }
        Ok(())
    }
}

impl Dump {
    /// Checks the TLB's shape: ways that split the entries into a
    /// power-of-two number of sets, as `--tlb-ways` requires. Each entry must
    /// lie in its own slot of that shape, in set `vpn mod sets`, with a VPN
    /// of the address space, a PFN of physical memory and its PTE's frame.
    fn check_tlb(&self, geometry: &Geometry, total_frames: u64) -> Result<(), String> {
        let machine = &self.machine;
        if machine.tlb_entries == 0 {
            if let Some(entry) = self.tlb.first() {
                return Err(format!(
                    "tlb_entries is 0, so the TLB is off, but the dump lists a TLB entry for vpn {:#x}",
                    entry.vpn
                ));
            }
            return Ok(());
        }
        let ways = machine.tlb_ways;
        let valid_shape = ways >= 1
            && machine.tlb_entries.is_multiple_of(ways)
            && (machine.tlb_entries / ways).is_power_of_two();
        if !valid_shape {
            return Err(format!(
                "tlb_ways is {ways}, which does not split {} TLB entries into a power-of-two number of sets",
                machine.tlb_entries
            ));
        }
        let sets = machine.tlb_entries / ways;
        let page_bits = geometry.va_bits - geometry.offset_bits;
        let mut slots = BTreeSet::new();
        for entry in &self.tlb {
            let at = format!("TLB entry at set {}, way {}", entry.set, entry.way);
            if entry.set >= sets || entry.way >= ways {
                return Err(format!(
                    "{at} is outside the TLB, whose sets go from 0 to {} and ways from 0 to {}",
                    sets - 1,
                    ways - 1
                ));
            }
            if !slots.insert((entry.set, entry.way)) {
                return Err(format!("{at} is listed twice"));
            }
            if u64::from(entry.vpn) >> page_bits != 0 {
                return Err(format!(
                    "{at}: vpn {:#x} does not fit the {page_bits} page-number bits of the address space",
                    entry.vpn
                ));
            }
            if entry.vpn % sets != entry.set {
                return Err(format!(
                    "{at}: vpn {:#x} belongs in set {}, which is vpn mod {sets}",
                    entry.vpn,
                    entry.vpn % sets
                ));
            }
            if u64::from(entry.pfn) >= total_frames {
                return Err(format!(
                    "{at}: PFN {} is outside physical memory (PFNs 0 to {})",
                    entry.pfn,
                    total_frames - 1
                ));
            }
            self.check_tlb_entry_against_pte(geometry, entry, &at)?;
        }
        Ok(())
    }

    /// Checks that a TLB entry caches the translation in the page table of
    /// its address space: a present page in the same frame, as the MMU keeps it.
    fn check_tlb_entry_against_pte(
        &self,
        geometry: &Geometry,
        entry: &TlbEntryDump,
        at: &str,
    ) -> Result<(), String> {
        let Some(process) = self.processes.iter().find(|p| p.asid == entry.asid) else {
            return Err(format!(
                "{at}: ASID {} belongs to no process of the dump",
                entry.asid
            ));
        };
        let va = entry.vpn << geometry.offset_bits;
        let walk = walk::walk(
            self,
            geometry,
            &process.page_table,
            va,
            crate::hw::mmu::AccessKind::Load,
        );
        match walk.pfn {
            Some(pfn) if pfn == entry.pfn => Ok(()),
            Some(pfn) => Err(format!(
                "{at} maps vpn {:#x} of pid {} to PFN {}, but its page table maps it to PFN {pfn}",
                entry.vpn, process.pid, entry.pfn
            )),
            None => Err(format!(
                "{at} maps vpn {:#x} of pid {} to PFN {}, but its page table has no present page there",
                entry.vpn, process.pid, entry.pfn
            )),
        }
    }
}

/// Checks one table of the tree and the tables below it.
fn check_table(
    geometry: &Geometry,
    total_frames: u64,
    table: &TableDump,
    level: u32,
    prefix: u32,
    used_tables: &mut BTreeSet<u32>,
) -> Result<(), String> {
    let where_ = format!("table at PFN {} (level {level})", table.pfn);
    if table.level != level {
        return Err(format!("{where_} says it is at level {}", table.level));
    }
    if table.pfn as u64 >= total_frames {
        return Err(format!(
            "{where_} lies outside physical memory (PFNs 0 to {})",
            total_frames - 1
        ));
    }
    if !used_tables.insert(table.pfn) {
        return Err(format!("{where_} is used by more than one table entry"));
    }
    let bits = geometry.level_bits(level);
    let last = level + 1 == geometry.levels;
    let mut previous = None;
    for entry in &table.entries {
        let at = format!("{where_}, entry {}", entry.index);
        if entry.index >= 1 << bits {
            return Err(format!(
                "{at}: the index is above {}, the last index of a {bits}-bit level",
                (1u32 << bits) - 1
            ));
        }
        if previous.is_some_and(|index| index >= entry.index) {
            return Err(format!("{at}: entries are not in increasing index order"));
        }
        previous = Some(entry.index);
        let expected_addr =
            table.pfn as u64 * geometry.page_size as u64 + entry.index as u64 * PTE_BYTES as u64;
        if entry.pte_addr as u64 != expected_addr {
            return Err(format!(
                "{at}: pte_addr is 0x{:08x}, but PFN {} × {} + 4 × {} is 0x{expected_addr:08x}",
                entry.pte_addr, table.pfn, geometry.page_size, entry.index
            ));
        }
        if entry.pte == 0 {
            return Err(format!(
                "{at}: the entry is empty (0), so it must be left out"
            ));
        }
        if entry.bits != PteBits::decode(entry.pte) {
            return Err(format!(
                "{at}: the decoded bits disagree with the PTE value 0x{:08x}",
                entry.pte
            ));
        }
        let pte = Pte(entry.pte);
        let vpn = (prefix << bits) | entry.index;
        if last {
            if entry.table.is_some() {
                return Err(format!("{at}: a last-level entry cannot point to a table"));
            }
            if entry.vpn != Some(vpn) {
                return Err(format!(
                    "{at}: the entry translates VPN 0x{vpn:x}, but its vpn field is {:?}",
                    entry.vpn
                ));
            }
            if pte.present() && pte.pfn() as u64 >= total_frames {
                return Err(format!(
                    "{at}: the PTE maps PFN {}, outside physical memory (PFNs 0 to {})",
                    pte.pfn(),
                    total_frames - 1
                ));
            }
            continue;
        }
        if entry.vpn.is_some() {
            return Err(format!("{at}: only last-level entries have a vpn field"));
        }
        match (&entry.table, pte.present()) {
            (Some(child), true) => {
                if child.pfn != pte.pfn() {
                    return Err(format!(
                        "{at}: the PTE points to PFN {}, but the table below it is at PFN {}",
                        pte.pfn(),
                        child.pfn
                    ));
                }
                check_table(geometry, total_frames, child, level + 1, vpn, used_tables)?;
            }
            (None, true) => {
                return Err(format!(
                    "{at}: the PTE points to a table at PFN {} that the dump does not contain",
                    pte.pfn()
                ));
            }
            (Some(_), false) => {
                return Err(format!(
                    "{at}: a non-present entry cannot have a table below it"
                ));
            }
            (None, false) => {}
        }
    }
    Ok(())
}
