//! Memory mappings: the `mmap`, `munmap` and `mprotect` system calls, the
//! fault path of mapped-file pages, and the write-back of dirty file pages.
//!
//! A mapping covers whole pages of the mmap area
//! ([`MMAP_BASE`]..[`MMAP_END`]), placed by the kernel at the lowest free
//! address. An anonymous mapping is private demand-zero memory, like the
//! heap. A file mapping shows a mount from its first byte: page `i` of
//! the mapping is page `i` of the file. Every mapping of the same file page,
//! in any process, shares one frame, listed in `System::page_cache`. A
//! dirty file page is written back to its mount when it is evicted, when
//! the process that dirtied it unmaps it, and when that process ends.

use super::fault::{self, Resolution};
use super::mount::{FilePage, MAX_NAME_LEN};
use super::vmm::{self, MmapRegion, Region, MMAP_BASE, MMAP_END};
use super::{describe_location, KernelBus, Killed, System};
use crate::hw::cpu::Bus;
use crate::hw::mmu::Fault;
use crate::hw::page_table::Pte;
use crate::hw::swap::Transfer;
use crate::hw::{Asid, PhysAddr};
use crate::stats::Counters;
use crate::trace::{self, EventKind, FaultKind, PageSource};

/// `mmap` and `mprotect` flag: stores are allowed.
pub const PROT_WRITE: u32 = 1;

/// Result of `mmap` for a name that no `--mount` gave (or no valid name).
pub const ERR_NO_MOUNT: i32 = -1;
/// Result of a writable `mmap` or `mprotect` of a read-only mount.
pub const ERR_READ_ONLY: i32 = -2;
/// Result for a zero or too large length, a misaligned address, a range
/// outside the mmap area, or unknown flag bits.
pub const ERR_INVALID: i32 = -3;
/// Result of `mmap` when no free range of the mmap area is large enough.
pub const ERR_NO_ROOM: i32 = -4;
/// Result of `mprotect` when a page of the range is not mapped.
pub const ERR_NOT_MAPPED: i32 = -5;

/// Runs `mmap(name, len, flags)`: maps `len` bytes (rounded up to whole
/// pages) of the mount called by the NUL-terminated string at `name`, or
/// of anonymous memory when `name` is 0. Returns the mapping's address or
/// a negative error; nothing is mapped before the first touch.
///
/// # Errors
///
/// Returns the kill reason when reading the name faults.
pub fn sys_mmap(bus: &mut KernelBus<'_>, name: u32, len: u32, flags: u32) -> Result<i32, String> {
    let page_size = bus.sys.config.page_size;
    if flags & !PROT_WRITE != 0 || len == 0 {
        return Ok(ERR_INVALID);
    }
    let len = (len as u64).next_multiple_of(page_size as u64);
    if len > (MMAP_END - MMAP_BASE) as u64 {
        return Ok(ERR_INVALID);
    }
    let writable = flags & PROT_WRITE != 0;

    let file = if name == 0 {
        None
    } else {
        let Some(name) = read_mount_name(bus, name)? else {
            return Ok(ERR_NO_MOUNT);
        };
        let Some(mount) = bus.sys.mounts.find(&name) else {
            return Ok(ERR_NO_MOUNT);
        };
        let read_only = bus.sys.mounts.get(mount).is_some_and(|m| !m.writable());
        if writable && read_only {
            return Ok(ERR_READ_ONLY);
        }
        Some((mount, 0))
    };

    let Some(start) = bus.space.find_map_room(len as u32) else {
        return Ok(ERR_NO_ROOM);
    };
    bus.space.insert_map(MmapRegion {
        start,
        end: start + len as u32,
        writable,
        file,
    });
    Ok(start as i32)
}

/// Reads the mount name at `va`, one guest byte load at a time. Returns
/// `None` when no NUL byte ends it within [`MAX_NAME_LEN`] bytes or it is
/// not UTF-8: no mount has such a name.
fn read_mount_name(bus: &mut KernelBus<'_>, va: u32) -> Result<Option<String>, String> {
    let mut bytes = Vec::new();
    for offset in 0..=MAX_NAME_LEN as u32 {
        let Ok(byte) = bus.load(va.wrapping_add(offset), 1) else {
            let reason = bus.kill.take();
            return Err(reason.unwrap_or_else(|| "mmap: the mount name is unreadable".into()));
        };
        if byte == 0 {
            return Ok(String::from_utf8(bytes).ok());
        }
        bytes.push(byte as u8);
    }
    Ok(None)
}

/// Checks that `addr..addr + len` is a non-empty page-aligned range inside
/// the mmap area, and returns its end with `len` rounded up to whole pages.
fn area_range(addr: u32, len: u32, page_size: u32) -> Option<u32> {
    if len == 0 || !addr.is_multiple_of(page_size) || addr < MMAP_BASE {
        return None;
    }
    let end = addr as u64 + (len as u64).next_multiple_of(page_size as u64);
    (end <= MMAP_END as u64).then_some(end as u32)
}

/// Runs `munmap(addr, len)`: unmaps every mapped page of the range
/// (rounded up to whole pages), writing dirty file pages back first, and
/// returns the number of pages unmapped: 0 when none was mapped. Returns
/// [`ERR_INVALID`] for a misaligned address, a zero length or a range
/// outside the mmap area.
pub fn sys_munmap(bus: &mut KernelBus<'_>, addr: u32, len: u32) -> i32 {
    let page_size = bus.sys.config.page_size;
    let Some(end) = area_range(addr, len, page_size) else {
        return ERR_INVALID;
    };
    let removed = bus.space.remove_maps(addr, end);
    let mut pages = 0;
    for map in removed {
        let first = bus.sys.geometry.vpn(map.start);
        let vpns = first..first + (map.end - map.start) / page_size;
        pages += vpns.len() as i32;
        if map.file.is_some() {
            for vpn in vpns.clone() {
                write_back_mapped(bus, vpn);
            }
        }
        fault::unmap_pages(bus, vpns);
    }
    pages
}

/// Runs `mprotect(addr, len, flags)`: sets whether stores are allowed in
/// every page of the range (rounded up to whole pages), which must all be
/// mapped. Returns 0, or [`ERR_INVALID`], [`ERR_NOT_MAPPED`] or
/// [`ERR_READ_ONLY`] without changing anything.
pub fn sys_mprotect(bus: &mut KernelBus<'_>, addr: u32, len: u32, flags: u32) -> i32 {
    let page_size = bus.sys.config.page_size;
    if flags & !PROT_WRITE != 0 {
        return ERR_INVALID;
    }
    let Some(end) = area_range(addr, len, page_size) else {
        return ERR_INVALID;
    };
    let writable = flags & PROT_WRITE != 0;

    // Check first, so that a rejected call changes nothing.
    let covered: u64 = bus
        .space
        .maps
        .iter()
        .filter(|map| map.start < end && addr < map.end)
        .map(|map| (map.end.min(end) - map.start.max(addr)) as u64)
        .sum();
    if covered != (end - addr) as u64 {
        return ERR_NOT_MAPPED;
    }
    let mounts = &bus.sys.mounts;
    let read_only_file = bus
        .space
        .maps
        .iter()
        .filter(|map| map.start < end && addr < map.end)
        .filter_map(|map| map.file)
        .any(|(mount, _)| mounts.get(mount).is_some_and(|m| !m.writable()));
    if writable && read_only_file {
        return ERR_READ_ONLY;
    }

    for map in bus.space.remove_maps(addr, end) {
        bus.space.insert_map(MmapRegion { writable, ..map });
    }
    let first = bus.sys.geometry.vpn(addr);
    for vpn in first..first + (end - addr) / page_size {
        let Some(pte_addr) = bus.existing_leaf(vpn) else {
            continue;
        };
        let pte = Pte(bus.sys.memory.read_u32(pte_addr));
        if !pte.present() {
            continue;
        }
        // A copy-on-write page keeps W clear: its first store still copies it.
        let new_pte = if writable && pte.copy_on_write() {
            pte
        } else {
            pte.with_writable(writable)
        };
        bus.sys.memory.write_u32(pte_addr, new_pte.0);
        bus.sys.mmu.tlb_mut().invalidate(bus.asid, vpn);
    }
    0
}

/// Maps the file page that another mapping keeps in `frame` at `vpn`,
/// whose leaf PTE is at `pte_addr`: a minor fault, with no device I/O and
/// no new frame. The replacement policy counts the access as a hit.
pub(super) fn map_shared_file_page(
    bus: &mut KernelBus<'_>,
    fault: Fault,
    vpn: u32,
    pte_addr: PhysAddr,
    region: Region,
    frame: usize,
) -> Resolution {
    let pfn = bus.sys.pfn_of(frame);
    if bus.sys.tracer.wants(trace::kind::FAULT) {
        bus.sys.emit(
            bus.pid,
            EventKind::Fault {
                kind: FaultKind::Minor,
                access: fault.access,
                va: fault.va,
                vpn,
                source: Some(PageSource::Shared),
                cause: None,
            },
        );
    }
    bus.sys
        .memory
        .write_u32(pte_addr, Pte::mapped(pfn, region.writable).0);
    bus.sys.frames.add_mapping(
        frame,
        vmm::Mapping {
            pid: bus.pid,
            asid: bus.asid,
            vpn,
            pte_addr,
        },
    );
    bus.stats.page_faults += 1;
    bus.stats.minor_faults += 1;
    Resolution::Attached
}

/// Reads file page `page` from its mount into a new buffer of one page.
///
/// # Errors
///
/// Kills the process when the host read fails.
pub(super) fn read_file_page(bus: &mut KernelBus<'_>, page: FilePage) -> Result<Vec<u8>, Killed> {
    let mut bytes = vec![0; bus.sys.config.page_size as usize];
    let Some(mount) = bus.sys.mounts.get_mut(page.mount) else {
        return Err(bus.die(format!(
            "internal error: mount {} of a mapping does not exist",
            page.mount
        )));
    };
    if let Err(error) = mount.read_page(page.page, &mut bytes) {
        let what = mount.describe();
        let location = describe_location(bus.pc, &bus.space.object);
        return Err(bus.die(format!(
            "reading page {} of {what} failed {location}: {error}",
            page.page
        )));
    }
    Ok(bytes)
}

/// Counts and traces the read of file page `page` into `pfn` for `vpn`,
/// and queues the read on the device for the faulting thread.
pub(super) fn count_file_page_in(bus: &mut KernelBus<'_>, page: FilePage, pfn: u32, vpn: u32) {
    bus.stats.file_page_ins += 1;
    if bus.sys.tracer.wants(trace::kind::FILE_IN) {
        let mount = mount_name(bus.sys, page);
        bus.sys.emit(
            bus.pid,
            EventKind::FileIn {
                mount,
                page: page.page,
                pfn,
                vpn,
            },
        );
    }
    fault::submit_file_io(bus, Transfer::Read, page.page);
}

/// Writes the dirty file page in `frame` back during an eviction, and
/// queues the write on the device for the faulting thread.
pub(super) fn write_back_evicted(bus: &mut KernelBus<'_>, frame: usize, page: FilePage) {
    if write_back(bus.sys, frame, page, bus.pid, bus.stats) {
        fault::submit_file_io(bus, Transfer::Write, page.page);
    }
}

/// Writes the page at `vpn` of the bus's address space back when it is a
/// resident, dirty file page, and clears its dirty bit. The write queues
/// on the device, and the calling thread waits for it.
fn write_back_mapped(bus: &mut KernelBus<'_>, vpn: u32) {
    let Some(pte_addr) = bus.existing_leaf(vpn) else {
        return;
    };
    if let Some(page) = clean_dirty_file_pte(bus.sys, bus.asid, vpn, pte_addr) {
        let frame = bus
            .sys
            .frame_index(Pte(bus.sys.memory.read_u32(pte_addr)).pfn());
        if write_back(bus.sys, frame, page, bus.pid, bus.stats) {
            fault::submit_file_io(bus, Transfer::Write, page.page);
        }
    }
}

/// Writes back every dirty file page that the ending process `pid` maps,
/// before its address space is released. These writes take no device
/// time, because no thread of the process is left to wait for them.
pub(crate) fn write_back_on_exit(
    sys: &mut System,
    space: &vmm::AddressSpace,
    pid: u32,
    asid: Asid,
    stats: &mut Counters,
) {
    if space.maps.iter().all(|map| map.file.is_none()) || space.tables.is_empty() {
        return;
    }
    for (vpn, pte_addr, _) in vmm::leaf_entries(&sys.memory, &sys.geometry, space.root_pfn) {
        if let Some(page) = clean_dirty_file_pte(sys, asid, vpn, pte_addr) {
            let frame = sys.frame_index(Pte(sys.memory.read_u32(pte_addr)).pfn());
            write_back(sys, frame, page, pid, stats);
        }
    }
}

/// Clears the dirty bit of the PTE at `pte_addr` (page `vpn` of `asid`)
/// when it maps a file page, and returns that page when the bit was set.
fn clean_dirty_file_pte(
    sys: &mut System,
    asid: Asid,
    vpn: u32,
    pte_addr: PhysAddr,
) -> Option<FilePage> {
    let pte = Pte(sys.memory.read_u32(pte_addr));
    if !pte.present() || !pte.dirty() {
        return None;
    }
    let frame = sys.frame_index(pte.pfn());
    let page = sys.frames.owner(frame)?.file?;
    sys.memory.write_u32(pte_addr, pte.without_dirty().0);
    // The TLB entry caches D, so it must go, or the next store would not
    // set D again.
    sys.mmu.tlb_mut().invalidate(asid, vpn);
    Some(page)
}

/// Writes the file page in `frame` back to its mount, up to the end of
/// the file, and counts and traces it for process `pid`. Returns whether
/// anything was written: never to a read-only mount. A host write error
/// stops the run, which then reports it.
fn write_back(
    sys: &mut System,
    frame: usize,
    page: FilePage,
    pid: u32,
    stats: &mut Counters,
) -> bool {
    let pfn = sys.pfn_of(frame);
    let Some(mount) = sys.mounts.get_mut(page.mount) else {
        return false;
    };
    if !mount.writable() {
        return false;
    }
    let bytes = match mount.write_page(page.page, sys.memory.frame(pfn)) {
        Ok(bytes) => bytes,
        Err(error) => {
            let message = format!(
                "cannot write page {} back to {}: {error}",
                page.page,
                mount.describe()
            );
            sys.output_failed(std::io::Error::new(error.kind(), message));
            return false;
        }
    };
    stats.file_page_outs += 1;
    if sys.tracer.wants(trace::kind::FILE_OUT) {
        let mount = mount_name(sys, page);
        sys.emit(
            pid,
            EventKind::FileOut {
                mount,
                page: page.page,
                pfn,
                bytes: bytes as u32,
            },
        );
    }
    true
}

fn mount_name(sys: &System, page: FilePage) -> String {
    sys.mounts
        .get(page.mount)
        .map_or_else(|| page.mount.to_string(), |mount| mount.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_ranges_are_checked() {
        assert_eq!(area_range(MMAP_BASE, 1, 4096), Some(MMAP_BASE + 4096));
        assert_eq!(area_range(MMAP_BASE, 0, 4096), None);
        assert_eq!(area_range(MMAP_BASE + 1, 4, 4096), None);
        assert_eq!(area_range(MMAP_BASE - 4096, 4096, 4096), None);
        assert_eq!(area_range(MMAP_END - 4096, 4096, 4096), Some(MMAP_END));
        assert_eq!(area_range(MMAP_END - 4096, 4097, 4096), None);
        assert_eq!(area_range(MMAP_END - 4096, u32::MAX, 4096), None);
    }
}
