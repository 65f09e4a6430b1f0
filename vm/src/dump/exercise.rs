//! Hand-written machine descriptions for translation exercises: a geometry
//! and page-table contents, short enough for a teacher to type, converted
//! into a [`Dump`] that `pagelab translate` and `pagelab inspect` read.
//!
//! The layout is documented in `docs/inspection.md`. Unknown fields are
//! rejected, so a misspelt key fails instead of being ignored.

use super::{
    Dump, DumpPoint, EntryDump, FrameDump, FrameMapping, FrameUse, MachineDump, PteBits,
    SwapHolder, SwapSlotDump, TableDump,
};
use crate::hw::page_table::{Geometry, Pte, PTE_BYTES, PTE_FIELD_LIMIT};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Value of [`Description::format`].
pub const FORMAT: &str = "pagelab-machine";

/// Most physical frames a description may declare, so that the frame
/// table of the converted dump stays small (2^16 rows).
pub const MAX_FRAMES: u32 = 1 << 16;

/// A hand-written machine description.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Description {
    /// Always [`FORMAT`].
    pub format: String,
    /// Virtual address width in bits, 8 to 32.
    pub va_bits: u32,
    /// Page size in bytes, a power of two from 16 to 65536.
    pub page_size: u32,
    /// Index bits per level, root first; the default geometry without it.
    #[serde(default)]
    pub split: Option<Vec<u32>>,
    /// Physical frames: PFNs `0..frames`.
    pub frames: u32,
    /// The processes and their page tables.
    pub processes: Vec<ProcessDescription>,
}

/// One process of a description.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessDescription {
    /// Process id.
    pub pid: u32,
    /// PFN of the root table.
    pub root: u32,
    /// Every table of the process, in any order.
    pub tables: Vec<TableDescription>,
}

/// One page table of a description.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDescription {
    /// The frame that contains the table.
    pub pfn: u32,
    /// Its non-empty entries.
    pub entries: Vec<EntryDescription>,
}

/// One PTE of a description: exactly one of `pfn` (with `flags`), `swap`
/// or `pte`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryDescription {
    /// Index in the table.
    pub index: u32,
    /// A present entry: the frame of the page or of the lower table.
    #[serde(default)]
    pub pfn: Option<u32>,
    /// Flag letters of a present entry among P, W, A, D and C; P is implied.
    #[serde(default)]
    pub flags: Option<String>,
    /// A swapped-out leaf: its swap slot.
    #[serde(default)]
    pub swap: Option<u32>,
    /// A raw PTE value, as a number or a hex string such as "0x00005003".
    #[serde(default)]
    pub pte: Option<RawPte>,
}

/// A raw PTE written as a number or as a string.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum RawPte {
    /// A JSON number.
    Number(u32),
    /// A decimal or `0x` hex string.
    Text(String),
}

impl EntryDescription {
    /// Encodes the entry as a PTE value.
    fn encode(&self) -> Result<u32, String> {
        let index = self.index;
        match (self.pfn, self.swap, &self.pte) {
            (Some(pfn), None, None) => {
                if pfn as usize >= PTE_FIELD_LIMIT {
                    return Err(format!(
                        "entry {index}: pfn {pfn} does not fit the 20-bit frame field"
                    ));
                }
                let flags = self.flags.as_deref().unwrap_or("P");
                let writable = flags.contains('W');
                let mut pte = Pte::mapped(pfn, writable);
                for letter in flags.chars() {
                    match letter {
                        'P' | 'W' | 'C' => {}
                        'A' => pte = pte.with_accessed(),
                        'D' => pte = pte.with_dirty(),
                        other => {
                            return Err(format!(
                                "entry {index}: flag {other:?} is not one of P, W, A, D, C"
                            ))
                        }
                    }
                }
                if flags.contains('C') {
                    if writable {
                        return Err(format!(
                            "entry {index}: flags {flags:?} combine C and W, but a copy-on-write page is read-only; drop W"
                        ));
                    }
                    pte = pte.as_copy_on_write();
                }
                Ok(pte.0)
            }
            (None, Some(slot), None) if self.flags.is_none() => {
                if slot as usize >= PTE_FIELD_LIMIT {
                    return Err(format!(
                        "entry {index}: swap slot {slot} does not fit the 20-bit slot field"
                    ));
                }
                Ok(Pte::swapped(slot).0)
            }
            (None, None, Some(raw)) if self.flags.is_none() => match raw {
                RawPte::Number(value) => Ok(*value),
                RawPte::Text(text) => parse_u32(text).ok_or_else(|| {
                    format!("entry {index}: pte {text:?} is not a 32-bit number such as \"0x00005003\"")
                }),
            },
            _ => Err(format!(
                "entry {index}: give exactly one of \"pfn\" (with optional \"flags\"), \"swap\" or \"pte\""
            )),
        }
    }
}

/// Parses a decimal or `0x` hex number.
pub fn parse_u32(text: &str) -> Option<u32> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => text.parse().ok(),
    }
}

impl Description {
    /// Converts the description into a validated dump.
    ///
    /// # Errors
    ///
    /// Returns a message naming the broken value: an invalid geometry, a
    /// frame out of range, an entry that is not exactly one kind, a table
    /// listed twice, missing, or not reachable from its root.
    pub fn to_dump(&self) -> Result<Dump, String> {
        if self.format != FORMAT {
            return Err(format!(
                "the \"format\" field is {:?}, but a machine description has {FORMAT:?}",
                self.format
            ));
        }
        let geometry = match &self.split {
            Some(split) => Geometry::with_split(self.page_size, self.va_bits, split)?,
            None => Geometry::new(self.page_size, self.va_bits).ok_or_else(|| {
                format!(
                    "page size {} with {} address bits is not a valid geometry; the page size must be a power of two from 16 to 65536 and the width 8 to 32 bits, wider than the page offset",
                    self.page_size, self.va_bits
                )
            })?,
        };
        if self.frames == 0 || self.frames > MAX_FRAMES {
            return Err(format!(
                "frames is {}, but a description has 1 to {MAX_FRAMES} frames",
                self.frames
            ));
        }
        if self.frames as u64 * self.page_size as u64 > u32::MAX as u64 {
            return Err(format!(
                "{} frames of {} bytes exceed the 4 GiB of 32-bit physical addresses",
                self.frames, self.page_size
            ));
        }

        let mut processes = Vec::new();
        let mut pids = BTreeSet::new();
        for process in &self.processes {
            if !pids.insert(process.pid) {
                return Err(format!("pid {} appears twice", process.pid));
            }
            let tree = build_tree(&geometry, process)
                .map_err(|message| format!("pid {}: {message}", process.pid))?;
            processes.push(super::ProcessDump {
                pid: process.pid,
                name: format!("process {}", process.pid),
                state: "described".to_string(),
                asid: process.pid,
                page_table: tree,
            });
        }

        let mut dump = Dump {
            point: DumpPoint::Description,
            clock: 0,
            machine: MachineDump {
                va_bits: geometry.va_bits,
                page_size: geometry.page_size,
                split: (0..geometry.levels)
                    .map(|level| geometry.level_bits(level))
                    .collect(),
                page_table_frames: 0,
                user_frames: self.frames,
                tlb_entries: 0,
                tlb_ways: 0,
                swap_slots: 0,
                config: serde_json::Value::Null,
            },
            processes,
            frames: Vec::new(),
            tlb: Vec::new(),
            swap: Vec::new(),
            frame_bytes: Vec::new(),
        };
        dump.frames = frame_table(&dump)?;
        dump.swap = swap_table(&dump);
        dump.validate()?;
        Ok(dump)
    }
}

/// Builds the page-table tree of `process` from its root, taking each
/// table from the list by PFN.
fn build_tree(geometry: &Geometry, process: &ProcessDescription) -> Result<TableDump, String> {
    let mut by_pfn = BTreeMap::new();
    for table in &process.tables {
        if by_pfn.insert(table.pfn, table).is_some() {
            return Err(format!("the table at PFN {} is listed twice", table.pfn));
        }
    }
    let mut reached = BTreeSet::new();
    let tree = build_table(geometry, &by_pfn, process.root, 0, 0, &mut reached)?;
    if let Some(pfn) = by_pfn.keys().find(|pfn| !reached.contains(*pfn)) {
        return Err(format!(
            "the table at PFN {pfn} is not reachable from the root at PFN {}",
            process.root
        ));
    }
    Ok(tree)
}

fn build_table(
    geometry: &Geometry,
    by_pfn: &BTreeMap<u32, &TableDescription>,
    pfn: u32,
    level: u32,
    prefix: u32,
    reached: &mut BTreeSet<u32>,
) -> Result<TableDump, String> {
    let Some(description) = by_pfn.get(&pfn) else {
        return Err(format!(
            "the level-{level} table at PFN {pfn} is not listed in \"tables\""
        ));
    };
    if !reached.insert(pfn) {
        return Err(format!(
            "the table at PFN {pfn} is reached twice; every table needs its own frame"
        ));
    }
    let bits = geometry.level_bits(level);
    let last = level + 1 == geometry.levels;
    let mut values = BTreeMap::new();
    for entry in &description.entries {
        if entry.index >= 1 << bits {
            return Err(format!(
                "table at PFN {pfn}: index {} is above {}, the last index of a {bits}-bit level",
                entry.index,
                (1u32 << bits) - 1
            ));
        }
        if !last && entry.swap.is_some() {
            return Err(format!(
                "table at PFN {pfn} (level {level}): entry {} gives a swap slot, but only a last-level entry can name one; point it at a table with \"pfn\"",
                entry.index
            ));
        }
        let pte = entry
            .encode()
            .map_err(|message| format!("table at PFN {pfn}: {message}"))?;
        if values.insert(entry.index, pte).is_some() {
            return Err(format!(
                "table at PFN {pfn}: index {} is listed twice",
                entry.index
            ));
        }
    }
    let mut entries = Vec::new();
    for (index, pte) in values {
        if pte == 0 {
            continue;
        }
        let vpn = (prefix << bits) | index;
        let table = if !last && Pte(pte).present() {
            Some(Box::new(build_table(
                geometry,
                by_pfn,
                Pte(pte).pfn(),
                level + 1,
                vpn,
                reached,
            )?))
        } else {
            None
        };
        entries.push(EntryDump {
            index,
            pte_addr: pfn * geometry.page_size + index * PTE_BYTES,
            pte,
            bits: PteBits::decode(pte),
            vpn: last.then_some(vpn),
            table,
        });
    }
    Ok(TableDump {
        level,
        pfn,
        entries,
    })
}

/// Derives the frame table of a description: page tables, pages mapped
/// by present leaves, and free frames.
///
/// # Errors
///
/// Fails when a page is mapped to a frame that contains a page table.
fn frame_table(dump: &Dump) -> Result<Vec<FrameDump>, String> {
    let mut uses: BTreeMap<u32, FrameUse> = BTreeMap::new();
    for process in &dump.processes {
        let mut stack = vec![&process.page_table];
        while let Some(table) = stack.pop() {
            uses.insert(
                table.pfn,
                FrameUse::PageTable {
                    pid: process.pid,
                    level: table.level,
                },
            );
            stack.extend(
                table
                    .entries
                    .iter()
                    .filter_map(|entry| entry.table.as_deref()),
            );
        }
    }
    for process in &dump.processes {
        for (vpn, entry) in super::leaves(&process.page_table) {
            let Some(pfn) = entry.bits.pfn else { continue };
            let mapping = FrameMapping {
                pid: process.pid,
                vpn,
                pte: entry.pte,
            };
            let content = uses.entry(pfn).or_insert(FrameUse::Page {
                mappings: Vec::new(),
                references: 0,
                swap_copy: None,
            });
            match content {
                FrameUse::Page {
                    mappings,
                    references,
                    ..
                } => {
                    mappings.push(mapping);
                    *references += 1;
                }
                FrameUse::PageTable { pid, .. } => {
                    return Err(format!(
                        "pid {}: vpn 0x{vpn:x} maps PFN {pfn}, which contains a page table of pid {pid}; map the page to another frame",
                        process.pid
                    ));
                }
                FrameUse::Free => unreachable!("free frames are not in the map"),
            }
        }
    }
    Ok((0..dump.machine.user_frames)
        .map(|pfn| FrameDump {
            pfn,
            content: uses.remove(&pfn).unwrap_or(FrameUse::Free),
        })
        .collect())
}

/// Derives the swap slots of a description from its swapped leaves.
fn swap_table(dump: &Dump) -> Vec<SwapSlotDump> {
    let mut slots: BTreeMap<u32, Vec<SwapHolder>> = BTreeMap::new();
    for process in &dump.processes {
        for (vpn, entry) in super::leaves(&process.page_table) {
            if let Some(slot) = entry.bits.swap_slot {
                slots.entry(slot).or_default().push(SwapHolder {
                    pid: process.pid,
                    vpn,
                    resident: false,
                });
            }
        }
    }
    slots
        .into_iter()
        .map(|(slot, pages)| SwapSlotDump {
            slot,
            holders: pages.len() as u32,
            pages,
        })
        .collect()
}
