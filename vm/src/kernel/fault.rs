//! The page-fault handler: classify the fault, find a frame (evicting
//! through the replacement policy when none is free), fill it, map it.
//!
//! Every page fault ends in one of two ways. Either the page is mapped and
//! the caller retries the faulting access, or the process is killed. The
//! kill message names the address, the access kind, the pc and the source line.

use super::vmm::{self, FrameOwner, OutOfTables, RegionKind};
use super::{describe_location, KernelBus, Killed};
use crate::hw::mmu::{AccessKind, Fault, FaultCause};
use crate::hw::page_table::Pte;
use crate::hw::PhysAddr;
use crate::object::STACK_TOP;
use crate::policy::{FrameIdx, ReferenceBits};
use crate::trace::{self, EventKind, FaultKind, PageSource};

/// Handles `fault` for the process behind `bus`.
///
/// # Errors
///
/// Returns [`Killed`] (with the reason recorded in the bus) for a
/// segmentation fault, a misaligned access, an exhausted page-table pool or
/// an exhausted swap device.
pub fn handle(bus: &mut KernelBus<'_>, fault: Fault) -> Result<(), Killed> {
    let page_size = bus.sys.config.page_size;
    let vpn = bus.sys.geometry.vpn(fault.va);
    let page_va = fault.va & !(page_size - 1);

    // Step 1: classify. Misaligned accesses and forbidden or unmapped
    // addresses end the process; anything else is a page to bring in.
    let location = describe_location(bus.pc, &bus.space.object);
    if let FaultCause::Misaligned { size } = fault.cause {
        return Err(bus.die(format!(
            "misaligned {} of {size} bytes at 0x{:08x} {location}: the address must be a multiple of {size}",
            fault.access, fault.va
        )));
    }
    let region = match (fault.cause, bus.space.region_of(page_va)) {
        (FaultCause::Protection, _) => return Err(segfault(bus, fault, vpn, "read-only page")),
        (_, None) => return Err(segfault(bus, fault, vpn, "not mapped")),
        (_, Some(region)) if fault.access == AccessKind::Store && !region.writable => {
            return Err(segfault(bus, fault, vpn, "read-only page"))
        }
        (_, Some(region)) => region,
    };
    bus.sys.advance(bus.sys.config.fault_cost);

    // Step 2: make sure the page tables down to the leaf exist.
    let pte_addr = match vmm::leaf_pte_addr(
        &mut bus.sys.memory,
        &bus.sys.geometry,
        &mut bus.sys.tables,
        bus.space,
        vpn,
        true,
    ) {
        Ok(Some(pte_addr)) => pte_addr,
        Ok(None) | Err(OutOfTables) => {
            let pool = bus.sys.tables.size();
            return Err(bus.die(format!(
                "out of page-table frames: all {pool} frames of the pool are in use at the {} of 0x{:08x} {location}; raise --page-table-frames",
                fault.access, fault.va
            )));
        }
    };
    let old_pte = Pte(bus.sys.memory.read_u32(pte_addr));
    let source = match old_pte.swap_slot() {
        Some(_) => PageSource::Swap,
        None if matches!(region.kind, RegionKind::Text | RegionKind::Data)
            && bus.space.has_image_bytes(page_va) =>
        {
            PageSource::Image
        }
        None => PageSource::Zero,
    };
    let kind = if source == PageSource::Zero {
        FaultKind::Minor
    } else {
        FaultKind::Major
    };
    if bus.sys.tracer.wants(trace::kind::FAULT) {
        bus.sys.emit(
            bus.pid,
            EventKind::Fault {
                kind,
                access: fault.access,
                va: fault.va,
                vpn,
                source: Some(source),
                cause: None,
            },
        );
    }

    // Step 3: find a frame: the lowest free one, or a victim the policy
    // chooses. Some policies choose by the page to be loaded, so tell them
    // which page it is first.
    let key = ((bus.asid.0 as u64) << 32) | vpn as u64;
    bus.sys.policy.on_miss(key);
    let frame = match bus.sys.frames.take_free() {
        Some(frame) => frame,
        None => evict(bus, &location)?,
    };
    let pfn = bus.sys.pfn_of(frame);

    // Step 4: fill the frame from swap, the image, or with zeros.
    let swap_slot = old_pte.swap_slot();
    match swap_slot {
        Some(slot) => {
            let sys = &mut *bus.sys;
            let latency = sys.swap.read(slot, sys.memory.frame_mut(pfn));
            sys.advance(latency);
            bus.stats.swap_ins += 1;
            if bus.sys.tracer.wants(trace::kind::SWAP_IN) {
                bus.sys.emit(bus.pid, EventKind::SwapIn { slot, pfn, vpn });
            }
        }
        None => {
            let page = bus.sys.memory.frame_mut(pfn);
            if matches!(region.kind, RegionKind::Text | RegionKind::Data) {
                bus.space.fill_from_image(page_va, page);
            } else {
                page.fill(0);
            }
            // The program image sits on the same disk as swap, so reading
            // a page of it costs a swap read.
            if source == PageSource::Image {
                let latency = bus.sys.config.swap_read_latency;
                bus.sys.advance(latency);
            }
        }
    }

    // Step 5: map the page with A and D clear; the retried access sets them.
    bus.sys
        .memory
        .write_u32(pte_addr, Pte::mapped(pfn, region.writable).0);
    bus.sys.frames.set(
        frame,
        FrameOwner {
            pid: bus.pid,
            asid: bus.asid,
            vpn,
            pte_addr,
            swap_slot,
        },
    );

    // Step 6: tell the policy about the load, which is this access's reference.
    bus.sys
        .policy
        .on_load(frame, key, fault.access == AccessKind::Store);

    bus.stats.page_faults += 1;
    match kind {
        FaultKind::Major => bus.stats.major_faults += 1,
        _ => bus.stats.minor_faults += 1,
    }
    Ok(())
}

/// Counts and traces a segmentation fault and kills the process.
fn segfault(bus: &mut KernelBus<'_>, fault: Fault, vpn: u32, cause: &str) -> Killed {
    bus.stats.segfaults += 1;
    if bus.sys.tracer.wants(trace::kind::FAULT) {
        bus.sys.emit(
            bus.pid,
            EventKind::Fault {
                kind: FaultKind::Segfault,
                access: fault.access,
                va: fault.va,
                vpn,
                source: None,
                cause: Some(cause.to_string()),
            },
        );
    }
    let location = describe_location(bus.pc, &bus.space.object);

    // An access in the unmapped gap just below the stack is almost always
    // a stack that outgrew its limit, such as runaway recursion.
    let stack_bottom = bus.space.stack_bottom;
    let gap_start = stack_bottom.saturating_sub(vmm::HEAP_STACK_GAP);
    let hint = if (gap_start..stack_bottom).contains(&fault.va) {
        format!(
            "; the address is just below the stack, which reached its limit of {} bytes: raise --stack-limit or recurse less deeply",
            STACK_TOP - stack_bottom
        )
    } else {
        String::new()
    };
    bus.die(format!(
        "segmentation fault: {} at 0x{:08x} ({cause}) {location}{hint}",
        fault.access, fault.va
    ))
}

/// Evicts the page the policy chooses and returns its now free frame.
///
/// A dirty page is written to swap: to the slot it was read from, or to a
/// newly allocated one. A clean page is dropped, because a copy exists
/// already: in its swap slot, in the program image, or as zeros.
fn evict(bus: &mut KernelBus<'_>, location: &str) -> Result<FrameIdx, Killed> {
    let sys = &mut *bus.sys;
    let mut bits = PteBits {
        sys_frames: &sys.frames,
        memory: &mut sys.memory,
        tlb: sys.mmu.tlb_mut(),
    };
    let frame = sys.policy.choose_victim(&mut bits);
    let Some(owner) = sys.frames.owner(frame).copied() else {
        *bus.kill = Some(format!(
            "internal error: policy {} chose frame {frame}, which holds no page",
            sys.policy.name()
        ));
        return Err(Killed);
    };
    let pfn = sys.pfn_of(frame);
    let pte = Pte(sys.memory.read_u32(owner.pte_addr));
    let dirty = pte.dirty();
    if sys.tracer.wants(trace::kind::EVICTION) {
        sys.emit(
            bus.pid,
            EventKind::Eviction {
                owner: owner.pid,
                vpn: owner.vpn,
                pfn,
                dirty,
            },
        );
    }

    let new_pte = match (dirty, owner.swap_slot) {
        (false, Some(slot)) => Pte::swapped(slot),
        (false, None) => Pte::EMPTY,
        (true, existing) => {
            let Some(slot) = existing.or_else(|| sys.slots.take()) else {
                let n_slots = sys.slots.size();
                *bus.kill = Some(format!(
                    "out of swap: all {n_slots} slots are in use when evicting a page {location}; raise --swap-slots"
                ));
                return Err(Killed);
            };
            let latency = sys.swap.write(slot, sys.memory.frame(pfn));
            sys.advance(latency);
            bus.stats.swap_outs += 1;
            if sys.tracer.wants(trace::kind::SWAP_OUT) {
                sys.emit(
                    owner.pid,
                    EventKind::SwapOut {
                        slot,
                        pfn,
                        vpn: owner.vpn,
                    },
                );
            }
            Pte::swapped(slot)
        }
    };

    sys.memory.write_u32(owner.pte_addr, new_pte.0);
    sys.mmu.tlb_mut().invalidate(owner.asid, owner.vpn);
    sys.policy.on_free(frame);
    sys.frames.release(frame);
    let taken = sys.frames.take_free();
    debug_assert_eq!(
        taken,
        Some(frame),
        "the released frame is the only free one"
    );
    bus.stats.evictions += 1;
    Ok(frame)
}

/// The accessed and dirty bits of the occupied frames, read from and
/// written to their leaf PTEs in physical memory.
struct PteBits<'a> {
    sys_frames: &'a vmm::FrameTable,
    memory: &'a mut crate::hw::memory::PhysicalMemory,
    tlb: &'a mut crate::hw::tlb::Tlb,
}

impl PteBits<'_> {
    fn pte(&self, frame: FrameIdx) -> Option<(PhysAddr, Pte)> {
        let owner = self.sys_frames.owner(frame)?;
        Some((owner.pte_addr, Pte(self.memory.read_u32(owner.pte_addr))))
    }
}

impl ReferenceBits for PteBits<'_> {
    fn is_referenced(&self, frame: FrameIdx) -> bool {
        self.pte(frame).is_some_and(|(_, pte)| pte.accessed())
    }

    /// Clears the accessed bit and drops the TLB entry, so the next access
    /// walks the table and sets the bit again.
    fn clear_referenced(&mut self, frame: FrameIdx) {
        if let Some((pte_addr, pte)) = self.pte(frame) {
            self.memory.write_u32(pte_addr, pte.without_accessed().0);
            let owner = self.sys_frames.owner(frame).expect("pte found the owner");
            self.tlb.invalidate(owner.asid, owner.vpn);
        }
    }

    fn is_dirty(&self, frame: FrameIdx) -> bool {
        self.pte(frame).is_some_and(|(_, pte)| pte.dirty())
    }
}

/// Unmaps the pages of `vpns` in the current address space: frees their
/// frames (telling the policy) and swap slots. Used when the heap shrinks.
pub fn unmap_pages(bus: &mut KernelBus<'_>, vpns: std::ops::Range<u32>) {
    for vpn in vpns {
        let Ok(Some(pte_addr)) = vmm::leaf_pte_addr(
            &mut bus.sys.memory,
            &bus.sys.geometry,
            &mut bus.sys.tables,
            bus.space,
            vpn,
            false,
        ) else {
            continue;
        };
        let pte = Pte(bus.sys.memory.read_u32(pte_addr));
        if pte.present() {
            let frame = bus.sys.frame_index(pte.pfn());
            if let Some(slot) = bus
                .sys
                .frames
                .owner(frame)
                .and_then(|owner| owner.swap_slot)
            {
                bus.sys.swap.discard(slot);
                bus.sys.slots.give_back(slot);
            }
            bus.sys.policy.on_free(frame);
            bus.sys.frames.release(frame);
            bus.sys.mmu.tlb_mut().invalidate(bus.asid, vpn);
        } else if let Some(slot) = pte.swap_slot() {
            bus.sys.swap.discard(slot);
            bus.sys.slots.give_back(slot);
        }
        bus.sys.memory.write_u32(pte_addr, Pte::EMPTY.0);
    }
}
