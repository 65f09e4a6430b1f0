//! The MMU: TLB lookup, the page walk through tables in physical memory,
//! accessed and dirty bits, and faults returned as values.
//!
//! The MMU never handles a fault. It reports the address, the access kind
//! and the cause, and the kernel decides what happens next.

use super::memory::PhysicalMemory;
use super::page_table::{Geometry, Pte, PTE_BYTES};
use super::tlb::{Tlb, TlbEntry};
use super::{Asid, PhysAddr};
use serde::Serialize;
use std::fmt;

/// Kind of memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// Instruction fetch.
    Fetch,
    /// Data read.
    Load,
    /// Data write.
    Store,
}

impl AccessKind {
    /// Returns the lowercase name used in messages and traces.
    pub fn name(self) -> &'static str {
        match self {
            AccessKind::Fetch => "fetch",
            AccessKind::Load => "load",
            AccessKind::Store => "store",
        }
    }
}

impl fmt::Display for AccessKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Cause of a failed translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultCause {
    /// The PTE at `level` (0 = root) is not present.
    NotPresent { level: u32 },
    /// A store to a page whose PTE is not writable.
    Protection,
    /// The address is not a multiple of the access size.
    Misaligned { size: u32 },
    /// The address has a bit set at or above `va_bits`, outside the
    /// address space.
    OutOfRange { va_bits: u32 },
}

/// A failed translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The virtual address of the access.
    pub va: u32,
    /// Kind of access.
    pub access: AccessKind,
    /// Cause of the failure.
    pub cause: FaultCause,
    /// Page-table levels read before the fault, for the tick cost.
    pub levels_walked: u32,
}

/// A successful translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The physical address.
    pub pa: PhysAddr,
    /// Whether the TLB held the translation.
    pub tlb_hit: bool,
    /// Page-table levels read (0 on a TLB hit).
    pub levels_walked: u32,
}

/// One level of a page walk, recorded for the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WalkStep {
    /// Table level, 0 being the root.
    pub level: u32,
    /// Index into the table at this level.
    pub index: u32,
    /// Physical address of the PTE read.
    pub pte_addr: u32,
    /// The PTE's value as read, before the MMU set any bit.
    pub pte: u32,
}

/// The memory-management unit of one CPU.
#[derive(Clone, Debug)]
pub struct Mmu {
    geometry: Geometry,
    tlb: Tlb,
    asid: Asid,
    root_pfn: u32,
    /// When true, walks record their steps in `walk_steps`. Off by default so
    /// a run without tracing does no extra work.
    pub tracing: bool,
    /// Steps of walks since the caller last drained them (only while tracing).
    pub walk_steps: Vec<WalkStep>,
}

impl Mmu {
    /// Creates an MMU with an empty TLB and no address space.
    pub fn new(geometry: Geometry, tlb_entries: usize) -> Mmu {
        Mmu::with_tlb(geometry, Tlb::new(tlb_entries))
    }

    /// Creates an MMU with the given (empty) TLB and no address space.
    pub fn with_tlb(geometry: Geometry, tlb: Tlb) -> Mmu {
        Mmu {
            geometry,
            tlb,
            asid: Asid(0),
            root_pfn: 0,
            tracing: false,
            walk_steps: Vec::new(),
        }
    }

    /// Returns the geometry the walker uses.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Returns the TLB, for inspection.
    pub fn tlb(&self) -> &Tlb {
        &self.tlb
    }

    /// Returns the TLB, for the kernel's invalidations.
    pub fn tlb_mut(&mut self) -> &mut Tlb {
        &mut self.tlb
    }

    /// Switches to an address space: the page-table root register and the ASID.
    pub fn switch_to(&mut self, asid: Asid, root_pfn: u32) {
        self.asid = asid;
        self.root_pfn = root_pfn;
    }

    /// Translates `va` for an access of `size` bytes (1, 2, 4 or 8).
    ///
    /// On a TLB miss the walk reads one PTE per level from `memory`, sets
    /// the leaf's accessed bit (and dirty bit on a store), writes it back and
    /// fills the TLB. A store through a TLB entry whose dirty bit is clear
    /// sets the bit in the PTE and in the entry.
    ///
    /// # Errors
    ///
    /// Returns a [`Fault`] for a misaligned address, an address outside the
    /// `va_bits`-bit address space, a non-present PTE at any level, or a
    /// store to a read-only page.
    #[inline]
    pub fn translate(
        &mut self,
        memory: &mut PhysicalMemory,
        va: u32,
        access: AccessKind,
        size: u32,
    ) -> Result<Translation, Fault> {
        if va & (size - 1) != 0 {
            return Err(Fault {
                va,
                access,
                cause: FaultCause::Misaligned { size },
                levels_walked: 0,
            });
        }
        if !self.geometry.contains(va) {
            return Err(Fault {
                va,
                access,
                cause: FaultCause::OutOfRange {
                    va_bits: self.geometry.va_bits,
                },
                levels_walked: 0,
            });
        }
        let vpn = self.geometry.vpn(va);
        let offset = self.geometry.offset(va);

        if let Some(entry) = self.tlb.lookup(self.asid, vpn) {
            if access == AccessKind::Store {
                if !entry.writable {
                    return Err(Fault {
                        va,
                        access,
                        cause: FaultCause::Protection,
                        levels_walked: 0,
                    });
                }
                if !entry.dirty {
                    entry.dirty = true;
                    let pte = Pte(memory.read_u32(entry.pte_addr)).with_dirty();
                    memory.write_u32(entry.pte_addr, pte.0);
                }
            }
            let pa = memory.frame_addr(entry.pfn, offset);
            return Ok(Translation {
                pa,
                tlb_hit: true,
                levels_walked: 0,
            });
        }

        let (pte_addr, pte, levels_walked) = self.walk(memory, va, access, vpn)?;
        let leaf = self.set_leaf_bits(memory, va, access, pte_addr, pte, levels_walked)?;
        self.tlb.insert(TlbEntry {
            asid: self.asid,
            vpn,
            pfn: leaf.pfn(),
            writable: leaf.writable(),
            dirty: leaf.dirty(),
            pte_addr,
        });
        Ok(Translation {
            pa: memory.frame_addr(leaf.pfn(), offset),
            tlb_hit: false,
            levels_walked,
        })
    }

    /// Walks the tables from the root to the leaf PTE of `vpn`. Returns the
    /// leaf's physical address, its value and the number of levels read.
    fn walk(
        &mut self,
        memory: &PhysicalMemory,
        va: u32,
        access: AccessKind,
        vpn: u32,
    ) -> Result<(PhysAddr, Pte, u32), Fault> {
        let mut table_pfn = self.root_pfn;
        let mut level = 0;
        loop {
            let index = self.geometry.index(vpn, level);
            let pte_addr = memory.frame_addr(table_pfn, index * PTE_BYTES);
            let pte = Pte(memory.read_u32(pte_addr));
            if self.tracing {
                self.walk_steps.push(WalkStep {
                    level,
                    index,
                    pte_addr: pte_addr.0,
                    pte: pte.0,
                });
            }

            if !pte.present() {
                return Err(Fault {
                    va,
                    access,
                    cause: FaultCause::NotPresent { level },
                    levels_walked: level + 1,
                });
            }
            if level + 1 == self.geometry.levels {
                return Ok((pte_addr, pte, level + 1));
            }

            table_pfn = pte.pfn();
            level += 1;
        }
    }

    /// Checks the leaf's permission and sets its accessed bit, plus the
    /// dirty bit on a store, in physical memory.
    fn set_leaf_bits(
        &self,
        memory: &mut PhysicalMemory,
        va: u32,
        access: AccessKind,
        pte_addr: PhysAddr,
        pte: Pte,
        levels_walked: u32,
    ) -> Result<Pte, Fault> {
        if access == AccessKind::Store && !pte.writable() {
            return Err(Fault {
                va,
                access,
                cause: FaultCause::Protection,
                levels_walked,
            });
        }
        let mut updated = pte.with_accessed();
        if access == AccessKind::Store {
            updated = updated.with_dirty();
        }
        if updated != pte {
            memory.write_u32(pte_addr, updated.0);
        }
        Ok(updated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: u32 = 4096;

    /// Builds memory with a root table in frame 0, a second-level table in
    /// frame 1, and maps vpn 0x10 (va 0x10000) to frame 5, read-only, and
    /// vpn 0x11 to frame 6, writable.
    fn machine(tlb_entries: usize) -> (Mmu, PhysicalMemory) {
        let geometry = Geometry::new(PAGE, 32).unwrap();
        let mut memory = PhysicalMemory::new(8, PAGE);
        memory.write_u32(PhysAddr(0), Pte::mapped(1, true).0);
        memory.write_u32(PhysAddr(PAGE + 0x10 * 4), Pte::mapped(5, false).0);
        memory.write_u32(PhysAddr(PAGE + 0x11 * 4), Pte::mapped(6, true).0);
        let mut mmu = Mmu::new(geometry, tlb_entries);
        mmu.switch_to(Asid(1), 0);
        (mmu, memory)
    }

    fn leaf(memory: &PhysicalMemory, vpn: u32) -> Pte {
        Pte(memory.read_u32(PhysAddr(PAGE + vpn * 4)))
    }

    fn check(
        tlb_entries: usize,
        accesses: &[(u32, AccessKind)],
        expected: &[Result<(u32, bool), FaultCause>],
    ) {
        let (mut mmu, mut memory) = machine(tlb_entries);
        for (&(va, access), want) in accesses.iter().zip(expected) {
            let got = mmu
                .translate(&mut memory, va, access, 4)
                .map(|t| (t.pa.0, t.tlb_hit))
                .map_err(|fault| fault.cause);
            assert_eq!(&got, want, "{access} at 0x{va:08x}");
        }
    }

    #[test]
    fn translations_and_faults() {
        use AccessKind::*;
        check(
            4,
            &[
                (0x10004, Load),
                (0x10008, Fetch),
                (0x10000, Store),
                (0x11ffc, Store),
                (0x12000, Load),
                (0x400000, Load),
                (0x11002, Load),
            ],
            &[
                Ok((5 * PAGE + 4, false)),
                Ok((5 * PAGE + 8, true)),
                Err(FaultCause::Protection),
                Ok((6 * PAGE + 0xffc, false)),
                Err(FaultCause::NotPresent { level: 1 }),
                Err(FaultCause::NotPresent { level: 0 }),
                Err(FaultCause::Misaligned { size: 4 }),
            ],
        );
    }

    #[test]
    fn disabled_tlb_always_walks() {
        use AccessKind::*;
        check(
            0,
            &[(0x10004, Load), (0x10004, Load)],
            &[Ok((5 * PAGE + 4, false)), Ok((5 * PAGE + 4, false))],
        );
    }

    #[test]
    fn walk_sets_accessed_and_dirty() {
        let (mut mmu, mut memory) = machine(4);
        mmu.translate(&mut memory, 0x11000, AccessKind::Load, 4)
            .unwrap();
        assert!(leaf(&memory, 0x11).accessed());
        assert!(!leaf(&memory, 0x11).dirty());

        // A store through the cached clean entry writes the dirty bit back.
        let hit = mmu
            .translate(&mut memory, 0x11000, AccessKind::Store, 4)
            .unwrap();
        assert!(hit.tlb_hit);
        assert!(leaf(&memory, 0x11).dirty());
    }

    #[test]
    fn walk_steps_are_recorded_when_tracing() {
        let (mut mmu, mut memory) = machine(4);
        mmu.translate(&mut memory, 0x10000, AccessKind::Load, 4)
            .unwrap();
        assert!(mmu.walk_steps.is_empty());

        mmu.tracing = true;
        mmu.translate(&mut memory, 0x11000, AccessKind::Load, 4)
            .unwrap();
        let levels: Vec<(u32, u32, u32)> = mmu
            .walk_steps
            .iter()
            .map(|step| (step.level, step.index, step.pte_addr))
            .collect();
        assert_eq!(levels, vec![(0, 0, 0), (1, 0x11, PAGE + 0x44)]);
    }
}
