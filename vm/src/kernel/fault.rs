//! The page-fault handler: classify the fault, find a frame (evicting
//! through the replacement policy when none is free), fill it, map it.
//!
//! Every page fault ends in one of two ways. Either the page is mapped and
//! the caller retries the faulting access, or the process is killed. The
//! kill message names the address, the access kind, the pc and the source line.

use super::cow;
use super::frames;
use super::mmap;
use super::vmm::{self, FrameOwner, Mapping, OutOfTables, RegionKind};
use super::{describe_location, KernelBus, Killed};
use crate::hw::mmu::{AccessKind, Fault, FaultCause};
use crate::hw::page_table::Pte;
use crate::hw::swap::Transfer;
use crate::object::STACK_TOP;
use crate::policy::{FrameIdx, ReferenceBits};
use crate::trace::{self, DevicePhase, EventKind, FaultKind, PageSource};

/// Outcome of a handled fault for the faulting page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// A page was loaded into a frame, and the policy was notified through
    /// `on_load`, which counts as the access's reference.
    Loaded,
    /// The page stayed in its frame (a copy-on-write page whose last sharer
    /// writes it); the access's reference is still to be reported.
    Upgraded,
    /// The page of a mapped file was in a frame already, for another
    /// mapping, and is now mapped there too. The access's reference is
    /// still to be reported.
    Attached,
}

/// Handles `fault` for the process behind `bus`.
///
/// # Errors
///
/// Returns [`Killed`] (with the reason recorded in the bus) for a
/// segmentation fault, a misaligned access, an exhausted page-table pool or
/// an exhausted swap device.
pub fn handle(bus: &mut KernelBus<'_>, fault: Fault) -> Result<Resolution, Killed> {
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
    if let FaultCause::OutOfRange { va_bits } = fault.cause {
        let reason = format!("above the {va_bits}-bit address space");
        return Err(segfault(bus, fault, vpn, &reason));
    }
    let region = bus.space.region_of(page_va);
    // A copy-on-write page is copied only while its region is writable:
    // `mprotect` may have made an anonymous mapping read-only since the fork.
    if fault.cause == FaultCause::Protection && region.is_some_and(|region| region.writable) {
        if let Some((pte_addr, pte)) = cow::copy_on_write_pte(bus, vpn) {
            return cow::handle_write(bus, fault, vpn, pte_addr, pte);
        }
    }
    let region = match (fault.cause, region) {
        (FaultCause::Protection, _) => return Err(segfault(bus, fault, vpn, "read-only page")),
        (_, None) => return Err(segfault(bus, fault, vpn, "not mapped")),
        (_, Some(region)) if fault.access == AccessKind::Store && !region.writable => {
            return Err(segfault(bus, fault, vpn, "read-only page"))
        }
        (_, Some(region)) => region,
    };
    bus.sys.advance(bus.sys.config.fault_cost);

    // Step 2: make sure the page tables down to the leaf exist. Under
    // --page-tables-in-pool their frames come from the user frames first.
    let missing = vmm::missing_tables(&bus.sys.memory, &bus.sys.geometry, bus.space.root_pfn, vpn);
    let at_access = format!("at the {} of 0x{:08x} {location}", fault.access, fault.va);
    frames::stage_tables(bus, missing, &at_access)?;
    let walk = vmm::leaf_pte_addr(
        &mut bus.sys.memory,
        &bus.sys.geometry,
        &mut bus.sys.tables,
        bus.space,
        vpn,
        true,
    );
    frames::release_staged(bus.sys);
    let pte_addr = match walk {
        Ok(Some(pte_addr)) => pte_addr,
        Ok(None) | Err(OutOfTables) => {
            let pool = bus.sys.tables.size();
            return Err(bus.die(format!(
                "out of page-table frames: all {pool} frames of the pool are in use {at_access}; raise --page-table-frames"
            )));
        }
    };
    // A file page that another mapping keeps in a frame only needs a PTE.
    let file_page = match region.kind {
        RegionKind::File(file_page) => Some(file_page),
        _ => None,
    };
    if let Some(frame) = file_page.and_then(|page| bus.sys.page_cache.get(&page).copied()) {
        return Ok(mmap::map_shared_file_page(
            bus, fault, vpn, pte_addr, region, frame,
        ));
    }
    let old_pte = Pte(bus.sys.memory.read_u32(pte_addr));
    let source = match old_pte.swap_slot() {
        Some(_) => PageSource::Swap,
        None if file_page.is_some() => PageSource::File,
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

    // A file page is read before a frame is taken, so that a failed host
    // read kills the process without leaking the frame.
    let file_bytes = match file_page {
        Some(page) => Some(mmap::read_file_page(bus, page)?),
        None => None,
    };

    // Step 3: find a frame: the lowest free one, or a victim the policy
    // chooses. Some policies choose by the page to be loaded, so tell them
    // which page it is first.
    let key = ((bus.asid.0 as u64) << 32) | vpn as u64;
    bus.sys.replacement.on_miss(bus.pid, key);
    let frame = frames::obtain_frame(bus, &at_access)?;
    let pfn = bus.sys.pfn_of(frame);

    // Step 4: fill the frame from swap, the image, or with zeros.
    let swap_slot = old_pte.swap_slot();
    match swap_slot {
        Some(slot) => {
            let sys = &mut *bus.sys;
            sys.swap.read(slot, sys.memory.frame_mut(pfn));
            bus.stats.swap_ins += 1;
            if bus.sys.tracer.wants(trace::kind::SWAP_IN) {
                bus.sys.emit(bus.pid, EventKind::SwapIn { slot, pfn, vpn });
            }
            submit_io(bus, Transfer::Read, Some(slot));
        }
        None if file_bytes.is_some() => {
            if let (Some(bytes), Some(page)) = (&file_bytes, file_page) {
                bus.sys.memory.frame_mut(pfn).copy_from_slice(bytes);
                mmap::count_file_page_in(bus, page, pfn, vpn);
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
            // a page of it is a swap read.
            if source == PageSource::Image {
                submit_io(bus, Transfer::Read, None);
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
            mappings: vec![Mapping {
                pid: bus.pid,
                asid: bus.asid,
                vpn,
                pte_addr,
            }],
            swap_slot,
            file: file_page,
        },
    );
    if let Some(page) = file_page {
        bus.sys.page_cache.insert(page, frame);
    }

    // Step 6: tell the policy about the load, which is this access's reference.
    bus.sys
        .replacement
        .on_load(bus.pid, frame, key, fault.access == AccessKind::Store);

    bus.stats.page_faults += 1;
    match kind {
        FaultKind::Major => bus.stats.major_faults += 1,
        _ => bus.stats.minor_faults += 1,
    }
    Ok(Resolution::Loaded)
}

/// Queues a transfer on the swap device for the faulting thread, which
/// then waits until the device completes it.
///
/// The bytes have already moved, so the faulting access completes at once
/// and is the thread's one reference. The thread leaves the CPU after the
/// instruction and runs again only when the device is done. A page loaded
/// for a waiting thread may meanwhile be evicted by another process; its
/// access is complete already. Nothing is retried, so nothing can livelock.
pub(super) fn submit_io(bus: &mut KernelBus<'_>, transfer: Transfer, slot: Option<u32>) {
    let request = bus.sys.swap.submit(bus.sys.clock, bus.tid, transfer, slot);
    trace_queued(bus, request);
}

/// Makes the faulting thread wait for `request`, and traces it.
fn trace_queued(bus: &mut KernelBus<'_>, request: crate::hw::swap::Request) {
    bus.sys.device_wait = bus.sys.device_wait.max(request.done);
    if bus.sys.tracer.wants(trace::kind::DEVICE) {
        let queue = bus.sys.swap.queue_len();
        bus.sys.emit(
            bus.pid,
            EventKind::Device {
                phase: DevicePhase::Queued,
                tid: bus.tid,
                transfer: request.transfer,
                slot: request.slot,
                start: request.start,
                done: request.done,
                queue,
                file_page: request.file_page,
            },
        );
    }
}

/// Queues a transfer of page `file_page` of a mounted file for the
/// faulting thread, like [`submit_io`].
pub(super) fn submit_file_io(bus: &mut KernelBus<'_>, transfer: Transfer, file_page: u32) {
    let request = bus
        .sys
        .swap
        .submit_file(bus.sys.clock, bus.tid, transfer, file_page);
    trace_queued(bus, request);
}

/// Counts and traces a segmentation fault and kills the process. An
/// access in the unmapped gap just below the stack is reported as a stack
/// overflow instead.
fn segfault(bus: &mut KernelBus<'_>, fault: Fault, vpn: u32, cause: &str) -> Killed {
    let overflow = stack_overflow_detail(bus, fault.va);
    let cause = if overflow.is_some() {
        STACK_OVERFLOW_CAUSE
    } else {
        cause
    };
    bus.stats.segfaults += 1;
    if overflow.is_some() {
        bus.stats.stack_overflows += 1;
    }
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
    let message = match overflow {
        Some(detail) => format!(
            "stack overflow: {} at 0x{:08x} {location}: {detail}",
            fault.access, fault.va
        ),
        None => format!(
            "segmentation fault: {} at 0x{:08x} ({cause}) {location}",
            fault.access, fault.va
        ),
    };
    bus.die(message)
}

/// Cause of a segmentation fault in the gap below the stack, in the trace.
pub const STACK_OVERFLOW_CAUSE: &str = "stack overflow";

/// Returns the limit and the fix when `va` lies in the unmapped gap just
/// below the lowest stack, or `None` for any other address.
///
/// Stacks grow on demand down to their limit, and the heap's limit stays
/// [`vmm::HEAP_STACK_GAP`] bytes below them, so an access in that gap is
/// almost always a stack that outgrew its limit, such as runaway
/// recursion. With threads the stack region contains one stack of
/// `--stack-limit` bytes per thread, and only the lowest one can overflow
/// into the gap.
fn stack_overflow_detail(bus: &KernelBus<'_>, va: u32) -> Option<String> {
    let stack_bottom = bus.space.stack_bottom;
    let gap_start = stack_bottom.saturating_sub(vmm::HEAP_STACK_GAP);
    if !(gap_start..stack_bottom).contains(&va) {
        return None;
    }
    let n_stacks = bus.space.thread_stacks + 1;
    let detail = if n_stacks == 1 {
        format!(
            "the address is just below the stack, which reached its limit of {} bytes (0x{stack_bottom:08x}..0x{STACK_TOP:08x}); raise --stack-limit or recurse less deeply",
            STACK_TOP - stack_bottom
        )
    } else {
        format!(
            "the address is just below the lowest of {n_stacks} thread stacks, each limited to {} bytes (the stacks span 0x{stack_bottom:08x}..0x{STACK_TOP:08x}); raise --stack-limit or recurse less deeply",
            (STACK_TOP - stack_bottom) / n_stacks
        )
    };
    Some(detail)
}

/// Evicts the page that the policy instance under `key` chooses and
/// returns its frame, which is empty and not free afterwards.
///
/// Every mapping of the frame is unmapped, so a page shared after `fork`
/// leaves all its sharers at once. A dirty page (dirty in any mapping) is
/// written to swap: to the slot it was read from when no one else holds
/// that slot, or else to a newly allocated one. A clean page is dropped,
/// because a copy exists already: in its swap slot, in the program image,
/// or as zeros.
pub(super) fn evict(bus: &mut KernelBus<'_>, location: &str, key: u32) -> Result<FrameIdx, Killed> {
    let sys = &mut *bus.sys;
    let mut bits = PteBits {
        sys_frames: &sys.frames,
        memory: &mut sys.memory,
        tlb: sys.mmu.tlb_mut(),
    };
    let chosen = sys.replacement.choose_victim(key, &mut bits);
    let owner = chosen
        .filter(|&frame| sys.replacement.holder(frame) == Some(key))
        .and_then(|frame| sys.frames.owner(frame).cloned());
    let (Some(frame), Some(owner)) = (chosen, owner) else {
        let choice = chosen.map_or("no frame".to_string(), |frame| format!("frame {frame}"));
        *bus.kill = Some(format!(
            "internal error: policy {} chose {choice}, which contains no page it holds, {location}",
            sys.replacement.policy_name()
        ));
        return Err(Killed);
    };
    let first = *owner.first();
    let pfn = sys.pfn_of(frame);
    let dirty = owner
        .mappings
        .iter()
        .any(|mapping| Pte(sys.memory.read_u32(mapping.pte_addr)).dirty());
    if sys.tracer.wants(trace::kind::EVICTION) {
        sys.emit(
            bus.pid,
            EventKind::Eviction {
                owner: first.pid,
                vpn: first.vpn,
                pfn,
                dirty,
            },
        );
    }

    // A file page leaves every mapping empty: the next touch reads it from
    // the page cache or the file again. A dirty one is written back first.
    if let Some(file_page) = owner.file {
        if dirty {
            mmap::write_back_evicted(bus, frame, file_page);
        }
        bus.sys.page_cache.remove(&file_page);
    }

    // The frame's hold on its slot passes to the first mapping's PTE; every
    // further mapping adds a holder.
    let sys = &mut *bus.sys;
    let new_pte = match (dirty, owner.swap_slot) {
        _ if owner.file.is_some() => Pte::EMPTY,
        (false, Some(slot)) => Pte::swapped(slot),
        (false, None) => Pte::EMPTY,
        (true, existing) => {
            let private = existing.filter(|&slot| sys.slots.holders(slot) == 1);
            let Some(slot) = private.or_else(|| sys.slots.take()) else {
                // The victim stays resident. Policies such as ARC dropped
                // it from their lists when they chose it, so the holding
                // instance gets it back as a fresh load. Key 0 names the
                // global instance, and a pid its own, as `on_load` expects.
                let page = crate::refs::page_key(first.asid.0, first.vpn);
                sys.replacement.on_free(frame);
                sys.replacement.on_load(key, frame, page, false);
                let n_slots = sys.slots.size();
                *bus.kill = Some(format!(
                    "out of swap: all {n_slots} slots are in use when evicting a page {location}; raise --swap-slots"
                ));
                return Err(Killed);
            };
            if let Some(shared) = existing.filter(|&existing| existing != slot) {
                sys.release_slot(shared);
            }
            sys.swap.write(slot, sys.memory.frame(pfn));
            bus.stats.swap_outs += 1;
            if sys.tracer.wants(trace::kind::SWAP_OUT) {
                sys.emit(
                    first.pid,
                    EventKind::SwapOut {
                        slot,
                        pfn,
                        vpn: first.vpn,
                    },
                );
            }
            submit_io(bus, Transfer::Write, Some(slot));
            Pte::swapped(slot)
        }
    };
    let sys = &mut *bus.sys;

    for (index, mapping) in owner.mappings.iter().enumerate() {
        if index > 0 {
            if let Some(slot) = new_pte.swap_slot() {
                sys.slots.hold(slot);
            }
        }
        sys.memory.write_u32(mapping.pte_addr, new_pte.0);
        sys.mmu.tlb_mut().invalidate(mapping.asid, mapping.vpn);
        if new_pte == Pte::EMPTY {
            sys.tables_to_prune.push(mapping.pid);
        }
    }
    sys.replacement.on_free(frame);
    sys.frames.vacate(frame);
    bus.stats.evictions += 1;
    Ok(frame)
}

/// Counts a completed reference of process `pid` (a hit, or the retried
/// faulting access) and runs its policy instance's periodic sampling when
/// it is due.
pub(super) fn after_reference(sys: &mut super::System, pid: u32) {
    if !sys.replacement.count_reference(pid) {
        return;
    }
    let mut bits = PteBits {
        sys_frames: &sys.frames,
        memory: &mut sys.memory,
        tlb: sys.mmu.tlb_mut(),
    };
    sys.replacement.on_timer(pid, &mut bits);
}

/// The accessed and dirty bits of the occupied frames, read from and
/// written to their leaf PTEs in physical memory. A frame shared by several
/// mappings is referenced (or dirty) when any of its PTEs says so.
struct PteBits<'a> {
    sys_frames: &'a vmm::FrameTable,
    memory: &'a mut crate::hw::memory::PhysicalMemory,
    tlb: &'a mut crate::hw::tlb::Tlb,
}

impl PteBits<'_> {
    fn any_pte(&self, frame: FrameIdx, test: impl Fn(Pte) -> bool) -> bool {
        self.sys_frames.owner(frame).is_some_and(|owner| {
            owner
                .mappings
                .iter()
                .any(|mapping| test(Pte(self.memory.read_u32(mapping.pte_addr))))
        })
    }
}

impl ReferenceBits for PteBits<'_> {
    fn is_referenced(&self, frame: FrameIdx) -> bool {
        self.any_pte(frame, Pte::accessed)
    }

    /// Clears the accessed bits and drops the TLB entries, so the next
    /// access walks the table and sets a bit again.
    fn clear_referenced(&mut self, frame: FrameIdx) {
        let Some(owner) = self.sys_frames.owner(frame) else {
            return;
        };
        for mapping in &owner.mappings {
            let pte = Pte(self.memory.read_u32(mapping.pte_addr));
            self.memory
                .write_u32(mapping.pte_addr, pte.without_accessed().0);
            self.tlb.invalidate(mapping.asid, mapping.vpn);
        }
    }

    fn is_dirty(&self, frame: FrameIdx) -> bool {
        self.any_pte(frame, Pte::dirty)
    }
}

/// Unmaps the pages of `vpns` in the current address space: frees their
/// frames (telling the policy) and swap slots, then the page tables left
/// empty. Used when the heap shrinks.
pub fn unmap_pages(bus: &mut KernelBus<'_>, vpns: std::ops::Range<u32>) {
    for vpn in vpns {
        let Some(pte_addr) = bus.existing_leaf(vpn) else {
            continue;
        };
        bus.sys.drop_page(bus.asid, vpn, pte_addr);
    }
    super::free_empty_tables(bus.sys, bus.space);
}
