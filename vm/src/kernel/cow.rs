//! Copy-on-write: `fork` shares every page of the parent with the child,
//! and the first store to a shared page copies it.
//!
//! After `fork`, parent and child map the same frames. Writable pages are
//! mapped read-only with the C bit in both, so a store faults. The fault
//! copies the page into a new frame for the writer, or, when the writer is
//! the page's last sharer, only makes its PTE writable again. Pages in
//! swap share their slot, which `SlotTable` counts. Read-only pages (text)
//! are shared without the C bit, because no store can reach them.

use super::fault::Resolution;
use super::frames;
use super::vmm::{self, AddressSpace, FrameOwner, Mapping, OutOfTables};
use super::{describe_location, KernelBus, Killed, System};
use crate::hw::mmu::Fault;
use crate::hw::page_table::Pte;
use crate::hw::{Asid, PhysAddr};
use crate::trace::{self, EventKind};

/// Returns the leaf PTE of `vpn` in the bus's address space when it maps a
/// page present and copy-on-write.
pub(super) fn copy_on_write_pte(bus: &mut KernelBus<'_>, vpn: u32) -> Option<(PhysAddr, Pte)> {
    let pte_addr = bus.existing_leaf(vpn)?;
    let pte = Pte(bus.sys.memory.read_u32(pte_addr));
    (pte.present() && pte.copy_on_write()).then_some((pte_addr, pte))
}

/// Handles a store to the copy-on-write page `vpn`, whose PTE `pte` is at
/// `pte_addr`.
///
/// # Errors
///
/// Returns [`Killed`] when copying needs a frame and evicting one fails
/// (out of swap).
pub(super) fn handle_write(
    bus: &mut KernelBus<'_>,
    fault: Fault,
    vpn: u32,
    pte_addr: PhysAddr,
    pte: Pte,
) -> Result<Resolution, Killed> {
    bus.sys.advance(bus.sys.config.fault_cost);
    bus.stats.cow_faults += 1;
    let old_pfn = pte.pfn();
    let old_frame = bus.sys.frame_index(old_pfn);
    let sharers = bus
        .sys
        .frames
        .owner(old_frame)
        .map_or(0, |owner| owner.mappings.len());

    // The last sharer owns the page alone: it only needs write access back.
    if sharers <= 1 {
        bus.sys
            .memory
            .write_u32(pte_addr, pte.as_private_writable().0);
        bus.sys.mmu.tlb_mut().invalidate(bus.asid, vpn);
        trace_cow(bus, fault.va, vpn, old_pfn, old_pfn);
        return Ok(Resolution::Upgraded);
    }

    // Leave the shared frame first, so that finding a new frame may evict
    // the old one without touching this process's PTE. Under local scope a
    // frame this process's policy instance held goes to another sharer's.
    let contents = bus.sys.memory.frame(old_pfn).to_vec();
    bus.sys.frames.remove_mapping(old_frame, bus.asid, vpn);
    bus.sys.hand_over_shared(old_frame, bus.pid);
    bus.sys.memory.write_u32(pte_addr, Pte::EMPTY.0);
    bus.sys.mmu.tlb_mut().invalidate(bus.asid, vpn);

    let location = describe_location(bus.pc, &bus.space.object);
    let at_access = format!("at the {} of 0x{:08x} {location}", fault.access, fault.va);
    let frame = frames::obtain_frame(bus, &at_access)?;
    let pfn = bus.sys.pfn_of(frame);
    bus.sys.memory.frame_mut(pfn).copy_from_slice(&contents);
    bus.sys.memory.write_u32(pte_addr, Pte::mapped(pfn, true).0);
    bus.sys.frames.set(
        frame,
        FrameOwner {
            mappings: vec![Mapping {
                pid: bus.pid,
                asid: bus.asid,
                vpn,
                pte_addr,
            }],
            swap_slot: None,
            file: None,
        },
    );
    let key = ((bus.asid.0 as u64) << 32) | vpn as u64;
    bus.sys.replacement.on_load(bus.pid, frame, key, true);
    trace_cow(bus, fault.va, vpn, old_pfn, pfn);
    Ok(Resolution::Loaded)
}

fn trace_cow(bus: &mut KernelBus<'_>, va: u32, vpn: u32, from_pfn: u32, to_pfn: u32) {
    if bus.sys.tracer.wants(trace::kind::COW) {
        bus.sys.emit(
            bus.pid,
            EventKind::Cow {
                va,
                vpn,
                from_pfn,
                to_pfn,
            },
        );
    }
}

/// Makes `child` share every page of `parent`: present pages share their
/// frame (writable ones become read-only and copy-on-write in both), and
/// swapped pages share their slot. Builds the child's page tables from
/// the pool.
///
/// # Errors
///
/// Returns [`OutOfTables`] when the pool runs out; the child's space then
/// contains what was shared so far, and releasing it undoes the sharing.
pub(super) fn share_address_space(
    sys: &mut System,
    parent: &AddressSpace,
    parent_asid: Asid,
    child: &mut AddressSpace,
    child_pid: u32,
    child_asid: Asid,
) -> Result<(), OutOfTables> {
    let entries = vmm::leaf_entries(&sys.memory, &sys.geometry, parent.root_pfn);
    for (vpn, parent_pte_addr, pte) in entries {
        let child_pte_addr = vmm::leaf_pte_addr(
            &mut sys.memory,
            &sys.geometry,
            &mut sys.tables,
            child,
            vpn,
            true,
        )?
        .expect("allocating walks always reach the leaf");

        let shared = if pte.present() {
            let frame = sys.frame_index(pte.pfn());
            // A page of a mapped file stays shared as it is: stores by
            // either process reach the one frame. Anonymous mappings count
            // as writable even while `mprotect` has them read-only, so a
            // later `mprotect` cannot make the shared frame writable.
            let file_backed = sys
                .frames
                .owner(frame)
                .is_some_and(|owner| owner.file.is_some());
            let anonymous = parent
                .map_at(vpn << sys.geometry.offset_bits)
                .is_some_and(|map| map.file.is_none());
            let shared = if file_backed {
                pte
            } else if pte.writable() || pte.copy_on_write() || anonymous {
                pte.as_copy_on_write()
            } else {
                pte
            };
            sys.memory.write_u32(parent_pte_addr, shared.0);
            sys.mmu.tlb_mut().invalidate(parent_asid, vpn);
            sys.frames.add_mapping(
                frame,
                Mapping {
                    pid: child_pid,
                    asid: child_asid,
                    vpn,
                    pte_addr: child_pte_addr,
                },
            );
            shared
        } else if let Some(slot) = pte.swap_slot() {
            sys.slots.hold(slot);
            pte
        } else {
            continue;
        };
        sys.memory.write_u32(child_pte_addr, shared.0);
    }
    Ok(())
}
