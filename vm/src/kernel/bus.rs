//! The CPU's view of memory for one process: every access is translated
//! through the MMU, a fault goes to the handler and the access is retried,
//! and the completed access is reported to the policy, the trace and the
//! reference string.

use super::fault;
use super::vmm::AddressSpace;
use super::System;
use crate::hw::cpu::Bus;
use crate::hw::mmu::AccessKind;
use crate::hw::{Asid, PhysAddr};
use crate::isa::INSTRUCTION_BYTES;
use crate::refs::{self, Reference};
use crate::stats::Counters;
use crate::trace::{self, EventKind};

/// Error of an access that did not complete. The reason is in [`KernelBus::kill`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Killed;

/// The CPU's view of memory for one process: translation, fault handling,
/// policy notification, trace and reference string.
pub struct KernelBus<'a> {
    /// The machine.
    pub sys: &'a mut System,
    /// The running process.
    pub pid: u32,
    /// The running thread.
    pub tid: u32,
    /// Its address-space identifier.
    pub asid: Asid,
    /// Address of the instruction being executed, for messages.
    pub pc: u32,
    /// Its address space.
    pub space: &'a mut AddressSpace,
    /// Its counters.
    pub stats: &'a mut Counters,
    /// Set to the kill message when an access fails.
    pub kill: &'a mut Option<String>,
}

impl KernelBus<'_> {
    /// Returns the address of the leaf PTE of `vpn` in this address space,
    /// or `None` when a table on the way is missing. Allocates nothing.
    pub(super) fn existing_leaf(&mut self, vpn: u32) -> Option<PhysAddr> {
        super::vmm::leaf_pte_addr(
            &mut self.sys.memory,
            &self.sys.geometry,
            &mut self.sys.tables,
            self.space,
            vpn,
            false,
        )
        .ok()
        .flatten()
    }

    /// Records why the process dies and returns the error that unwinds the step.
    pub fn die(&mut self, reason: String) -> Killed {
        *self.kill = Some(reason);
        Killed
    }

    /// Translates one access, handling at most one page fault, and reports
    /// the completed access as a reference. Returns the physical address.
    #[inline]
    fn access(&mut self, va: u32, access: AccessKind, size: u32) -> Result<PhysAddr, Killed> {
        let first = self
            .sys
            .mmu
            .translate(&mut self.sys.memory, va, access, size);
        let (translation, faulted) = match first {
            Ok(translation) => (translation, false),
            Err(fault) => {
                self.sys.charge_walk(fault.levels_walked);
                self.stats.pte_reads += u64::from(fault.levels_walked);
                self.trace_walk(va, access, None);
                let resolution = fault::handle(self, fault)?;

                // The handler mapped the page, so the retry must succeed. A
                // second fault would be a kernel bug: report it, never loop.
                match self
                    .sys
                    .mmu
                    .translate(&mut self.sys.memory, va, access, size)
                {
                    Ok(translation) => (translation, resolution == fault::Resolution::Loaded),
                    Err(again) => {
                        return Err(self.die(format!(
                            "internal error: {access} at 0x{va:08x} faulted again after its page fault was handled ({:?})",
                            again.cause
                        )))
                    }
                }
            }
        };

        self.stats.accesses += 1;
        if translation.tlb_hit {
            self.stats.tlb_hits += 1;
        } else {
            self.stats.tlb_misses += 1;
            self.stats.pte_reads += u64::from(translation.levels_walked);
            self.sys.charge_walk(translation.levels_walked);
        }
        if self.sys.tracer.is_on() {
            self.trace_access(va, access, translation.pa, translation.tlb_hit);
        }

        let write = access == AccessKind::Store;
        let pfn = translation.pa.0 >> self.sys.geometry.offset_bits;
        if !faulted {
            let frame = self.sys.frame_index(pfn);
            self.sys.replacement.on_hit(frame, write);
        }
        fault::after_reference(self.sys, self.pid);
        if let Some(log) = &mut self.sys.reference_log {
            let key = refs::page_key(self.asid.0, self.sys.geometry.vpn(va));
            if !log.observe(key) {
                // The run stops at the next tick check; see `stop_reason`.
                self.sys.tick_limit = 0;
            }
        }
        if let Some(out) = &mut self.sys.refs_out {
            let vpn = self.sys.geometry.vpn(va) as u64;
            let page = if self.sys.refs_tagged {
                refs::page_key(self.asid.0, vpn as u32)
            } else {
                vpn
            };
            if let Err(error) = refs::write_reference(out, Reference { page, write }) {
                self.sys.output_failed(error);
            }
        }
        Ok(translation.pa)
    }

    fn trace_walk(&mut self, va: u32, access: AccessKind, pfn: Option<u32>) {
        if self.sys.mmu.walk_steps.is_empty() {
            return;
        }
        let steps = std::mem::take(&mut self.sys.mmu.walk_steps);
        if self.sys.tracer.wants(trace::kind::WALK) {
            self.sys.emit(
                self.pid,
                EventKind::Walk {
                    access,
                    va,
                    steps,
                    pfn,
                },
            );
        }
    }

    fn trace_access(&mut self, va: u32, access: AccessKind, pa: PhysAddr, tlb_hit: bool) {
        let pfn = pa.0 >> self.sys.geometry.offset_bits;
        self.trace_walk(va, access, Some(pfn));
        if self.sys.tracer.wants(trace::kind::ACCESS) {
            self.sys.emit(
                self.pid,
                EventKind::Access {
                    access,
                    va,
                    pa: pa.0,
                    tlb_hit,
                },
            );
        }
    }
}

impl Bus for KernelBus<'_> {
    type Error = Killed;

    #[inline]
    fn fetch(&mut self, pc: u32) -> Result<[u8; INSTRUCTION_BYTES as usize], Killed> {
        let pa = self.access(pc, AccessKind::Fetch, INSTRUCTION_BYTES)?;
        Ok(self.sys.memory.read(pa))
    }

    #[inline]
    fn load(&mut self, va: u32, size: u32) -> Result<u32, Killed> {
        let pa = self.access(va, AccessKind::Load, size)?;
        Ok(self.sys.memory.read_sized(pa, size))
    }

    #[inline]
    fn store(&mut self, va: u32, size: u32, value: u32) -> Result<(), Killed> {
        let pa = self.access(va, AccessKind::Store, size)?;
        self.sys.memory.write_sized(pa, size, value);
        Ok(())
    }
}
