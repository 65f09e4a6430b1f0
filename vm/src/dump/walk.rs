//! The page walk done by hand on a dump: the same steps as the MMU's walk
//! (`hw::mmu`), read from the dump's page-table tree instead of physical
//! memory, and recorded so that `pagelab translate` can print each one.
//!
//! The walk only reads. It does not set accessed or dirty bits and does
//! not look in the TLB, so it shows what a TLB miss would read.

use super::{Dump, EntryDump, TableDump};
use crate::hw::mmu::AccessKind;
use crate::hw::page_table::{Geometry, Pte, PTE_BYTES};
use serde::Serialize;

/// One level of the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Table level, 0 being the root.
    pub level: u32,
    /// Bits of the virtual address that index this level.
    pub index_bits: u32,
    /// Index into the table.
    pub index: u32,
    /// The frame that contains the table.
    pub table_pfn: u32,
    /// Physical address of the PTE read.
    pub pte_addr: u32,
    /// The PTE's value (0 for an entry the dump leaves out).
    pub pte: u32,
}

/// Cause of a failed translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WalkFault {
    /// The address has a bit set at or above `va_bits`.
    OutOfRange {
        /// Width of the address space.
        va_bits: u32,
    },
    /// The PTE at `level` is empty: the page (or its table) was never mapped,
    /// or it lies outside every region.
    NotPresent {
        /// Level of the PTE.
        level: u32,
    },
    /// The leaf PTE is not present and names the swap slot that contains the page.
    SwappedOut {
        /// The swap slot.
        slot: u32,
    },
    /// A store to a read-only page.
    ReadOnly,
    /// A store to a page shared copy-on-write; the kernel copies the page.
    CopyOnWrite,
}

impl WalkFault {
    /// Describes the fault in one line.
    pub fn describe(&self) -> String {
        match self {
            WalkFault::OutOfRange { va_bits } => {
                format!("out of range: the address does not fit in the {va_bits}-bit address space")
            }
            WalkFault::NotPresent { level } => {
                format!("page fault: the level-{level} PTE is not present")
            }
            WalkFault::SwappedOut { slot } => {
                format!("page fault: the page is swapped out to slot {slot}")
            }
            WalkFault::ReadOnly => "protection fault: store to a read-only page".to_string(),
            WalkFault::CopyOnWrite => {
                "protection fault: store to a copy-on-write page (the kernel copies it)".to_string()
            }
        }
    }
}

/// A finished walk: its steps and the physical address or the fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Walk {
    /// The translated virtual address.
    pub va: u32,
    /// Kind of access.
    pub access: AccessKind,
    /// The PTEs read, root first.
    pub steps: Vec<Step>,
    /// The frame of the page, when the walk reached a present leaf.
    pub pfn: Option<u32>,
    /// The physical address, or the reason there is none.
    pub result: Result<u32, WalkFault>,
}

/// Walks the page table of `table` (a process's root) in `dump` for an
/// access of kind `access` to `va`, in the MMU's order: the range check,
/// then one PTE per level, then the leaf's write permission.
pub fn walk(
    dump: &Dump,
    geometry: &Geometry,
    root: &TableDump,
    va: u32,
    access: AccessKind,
) -> Walk {
    let mut walk = Walk {
        va,
        access,
        steps: Vec::new(),
        pfn: None,
        result: Err(WalkFault::OutOfRange {
            va_bits: geometry.va_bits,
        }),
    };
    if !geometry.contains(va) {
        return walk;
    }
    let page_size = dump.machine.page_size;
    let vpn = geometry.vpn(va);
    let mut table = root;
    for level in 0..geometry.levels {
        let index = geometry.index(vpn, level);
        let entry = find_entry(table, index);
        let pte = Pte(entry.map_or(0, |entry| entry.pte));
        walk.steps.push(Step {
            level,
            index_bits: geometry.level_bits(level),
            index,
            table_pfn: table.pfn,
            pte_addr: table.pfn * page_size + index * PTE_BYTES,
            pte: pte.0,
        });

        if !pte.present() {
            let last = level + 1 == geometry.levels;
            walk.result = Err(match pte.swap_slot() {
                Some(slot) if last => WalkFault::SwappedOut { slot },
                _ => WalkFault::NotPresent { level },
            });
            return walk;
        }
        if level + 1 == geometry.levels {
            walk.pfn = Some(pte.pfn());
            walk.result = if access == AccessKind::Store && !pte.writable() {
                Err(if pte.copy_on_write() {
                    WalkFault::CopyOnWrite
                } else {
                    WalkFault::ReadOnly
                })
            } else {
                Ok(pte.pfn() * page_size + geometry.offset(va))
            };
            return walk;
        }

        // Validation guarantees that a present upper entry carries its table.
        match entry.and_then(|entry| entry.table.as_deref()) {
            Some(child) => table = child,
            None => {
                walk.result = Err(WalkFault::NotPresent { level: level + 1 });
                return walk;
            }
        }
    }
    walk
}

fn find_entry(table: &TableDump, index: u32) -> Option<&EntryDump> {
    table
        .entries
        .binary_search_by_key(&index, |entry| entry.index)
        .ok()
        .map(|position| &table.entries[position])
}
