//! Virtual-memory bookkeeping: address-space regions, the frame table, the
//! page-table pool, swap-slot allocation, and the kernel's own walks of the
//! page tables (to map and unmap pages).
//!
//! The fault handler (`kernel::fault`) decides what to do; this module
//! keeps the records it needs.

use super::mount::{FilePage, MountId};
use crate::hw::memory::PhysicalMemory;
use crate::hw::page_table::{Geometry, Pte, PTE_BYTES};
use crate::hw::{Asid, PhysAddr};
use crate::object::{Object, STACK_TOP};
use std::collections::BTreeSet;

/// Bytes kept unmapped between the highest heap address and the lowest
/// stack address, so a runaway heap and a deep stack never meet.
pub const HEAP_STACK_GAP: u32 = 1 << 16;

/// First address of the mmap area, where `sys mmap` places mappings.
pub const MMAP_BASE: u32 = 0x4000_0000;

/// One past the last address of the mmap area.
pub const MMAP_END: u32 = 0x8000_0000;

/// Region and access rights of a page, which decide how a fault fills it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Region the page belongs to.
    pub kind: RegionKind,
    /// Whether stores are allowed.
    pub writable: bool,
}

/// The regions of an address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// Program text: read-only, paged in from the image.
    Text,
    /// Data and bss: writable; image bytes where data lies, zeros elsewhere.
    Data,
    /// The heap between the end of the image and the break: demand-zero.
    Heap,
    /// The stack below `STACK_TOP`: demand-zero.
    Stack,
    /// An anonymous `mmap` mapping: private and demand-zero, copy-on-write
    /// after `fork` like the heap.
    Anonymous,
    /// A page of a mapped file, shared by every process that maps it.
    File(FilePage),
}

/// One process's address space: the program image, the heap break and the
/// page-table root.
#[derive(Debug)]
pub struct AddressSpace {
    /// The program image, from which text and data pages are read.
    pub object: Object,
    /// Frame of the root page table.
    pub root_pfn: u32,
    /// Every page-table frame of this space with its level (root included).
    pub tables: Vec<(u32, u32)>,
    /// First heap address: the page-aligned end of the image.
    pub heap_start: u32,
    /// Current break: one past the last heap byte.
    pub brk: u32,
    /// The break may not rise above this address.
    pub heap_limit: u32,
    /// Lowest stack address: the bottom of the main stack, or of the
    /// lowest thread stack.
    pub stack_bottom: u32,
    /// Number of thread stacks below the main stack.
    pub thread_stacks: u32,
    page_size: u32,
    text: (u64, u64),
    writable: Option<(u64, u64)>,
    /// The `mmap` mappings, sorted by address and never overlapping.
    pub maps: Vec<MmapRegion>,
}

/// One `mmap` mapping: whole pages from `start` to `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmapRegion {
    /// First address, page-aligned.
    pub start: u32,
    /// One past the last address, page-aligned.
    pub end: u32,
    /// Whether stores are allowed (changed by `mprotect`).
    pub writable: bool,
    /// The mapped file and the file page at `start`, or `None` for
    /// anonymous memory.
    pub file: Option<(MountId, u32)>,
}

impl MmapRegion {
    /// Returns the file page mapped at `page_va`, which must lie in the region.
    pub fn file_page(&self, page_va: u32, page_size: u32) -> Option<FilePage> {
        self.file.map(|(mount, first_page)| FilePage {
            mount,
            page: first_page + (page_va - self.start) / page_size,
        })
    }
}

/// Error laying out an address space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutError {
    /// Description of the problem and the fix.
    pub message: String,
}

impl AddressSpace {
    /// Lays out the address space of `object`.
    ///
    /// # Errors
    ///
    /// Fails when the image reaches into the stack region or leaves no room
    /// for the heap gap.
    pub fn new(
        object: Object,
        root_pfn: u32,
        page_size: u32,
        stack_limit: u32,
    ) -> Result<AddressSpace, LayoutError> {
        let text = (object.text.addr as u64, object.text.end());
        let mut writable: Option<(u64, u64)> = None;
        for (start, end) in [
            (object.data.addr as u64, object.data.end()),
            (object.bss.addr as u64, object.bss.end()),
        ] {
            if end > start {
                writable = Some(match writable {
                    None => (start, end),
                    Some((s, e)) => (s.min(start), e.max(end)),
                });
            }
        }
        let image_end = writable.map_or(text.1, |(_, end)| end.max(text.1));
        let heap_start = image_end.next_multiple_of(page_size as u64);
        let stack_bottom = STACK_TOP - stack_limit;
        let heap_limit = stack_bottom as u64 - HEAP_STACK_GAP as u64;
        if heap_start > heap_limit {
            return Err(LayoutError {
                message: format!(
                    "the program image ends at 0x{image_end:x}, too close to the stack at 0x{stack_bottom:08x}; lower --stack-limit"
                ),
            });
        }
        Ok(AddressSpace {
            object,
            root_pfn,
            tables: vec![(root_pfn, 0)],
            heap_start: heap_start as u32,
            brk: heap_start as u32,
            heap_limit: heap_limit as u32,
            stack_bottom,
            thread_stacks: 0,
            page_size,
            text,
            writable,
            maps: Vec::new(),
        })
    }

    /// Returns a copy of this layout (image, heap break, stack) with its own
    /// root table `root_pfn` and no other table, for a forked child.
    pub fn fork_layout(&self, root_pfn: u32) -> AddressSpace {
        AddressSpace {
            object: self.object.clone(),
            root_pfn,
            tables: vec![(root_pfn, 0)],
            maps: self.maps.clone(),
            ..*self
        }
    }

    /// Adds a stack of `stack_limit` bytes below the lowest one and returns
    /// its top, the new thread's initial sp. Returns `None` when the new
    /// stack would come within [`HEAP_STACK_GAP`] of the heap break.
    pub fn add_thread_stack(&mut self, stack_limit: u32) -> Option<u32> {
        let top = self.stack_bottom;
        let bottom = top.checked_sub(stack_limit)?;
        let heap_limit = bottom.checked_sub(HEAP_STACK_GAP)?;
        let brk_page_end = (self.brk as u64).next_multiple_of(self.page_size as u64);
        if (heap_limit as u64) < brk_page_end.max(self.heap_start as u64) {
            return None;
        }
        // The new stack and the gap below it must not cover a mapping.
        if self
            .maps
            .iter()
            .any(|map| map.start < top && heap_limit < map.end)
        {
            return None;
        }
        self.stack_bottom = bottom;
        self.heap_limit = heap_limit;
        self.thread_stacks += 1;
        Some(top)
    }

    /// Returns the region of the page starting at `page_va`, or `None` when
    /// the page is unmapped.
    ///
    /// A page that contains any data or bss byte is writable, even if it
    /// also contains text (possible only when bss directly follows text).
    pub fn region_of(&self, page_va: u32) -> Option<Region> {
        let start = page_va as u64;
        let end = start + self.page_size as u64;
        let overlaps = |(s, e): (u64, u64)| s < end && start < e;

        if self.writable.is_some_and(overlaps) {
            return Some(Region {
                kind: RegionKind::Data,
                writable: true,
            });
        }
        if overlaps(self.text) {
            return Some(Region {
                kind: RegionKind::Text,
                writable: false,
            });
        }
        let heap_end = (self.brk as u64).next_multiple_of(self.page_size as u64);
        if start >= self.heap_start as u64 && start < heap_end {
            return Some(Region {
                kind: RegionKind::Heap,
                writable: true,
            });
        }
        if start >= self.stack_bottom as u64 && start < STACK_TOP as u64 {
            return Some(Region {
                kind: RegionKind::Stack,
                writable: true,
            });
        }
        let map = self.map_at(page_va)?;
        Some(Region {
            kind: match map.file_page(page_va, self.page_size) {
                Some(file_page) => RegionKind::File(file_page),
                None => RegionKind::Anonymous,
            },
            writable: map.writable,
        })
    }

    /// Returns the highest address the break may reach: the heap limit, or
    /// the lowest mapping when one lies below it.
    pub fn break_limit(&self) -> u32 {
        self.maps
            .first()
            .map_or(self.heap_limit, |map| map.start.min(self.heap_limit))
    }

    /// Returns the lowest address of the mmap area where `len` bytes (a
    /// multiple of the page size) fit: above the heap's break and every
    /// mapping below, and below the gap under the lowest stack. Returns
    /// `None` when no hole is large enough.
    pub fn find_map_room(&self, len: u32) -> Option<u32> {
        let brk_page_end = (self.brk as u64).next_multiple_of(self.page_size as u64);
        let stack_gap = (self.stack_bottom as u64).saturating_sub(HEAP_STACK_GAP as u64);
        let upper = (MMAP_END as u64).min(stack_gap);
        let mut candidate = (MMAP_BASE as u64).max(brk_page_end);
        for map in &self.maps {
            if candidate + len as u64 <= map.start as u64 {
                break;
            }
            candidate = candidate.max(map.end as u64);
        }
        (candidate + len as u64 <= upper).then_some(candidate as u32)
    }

    /// Adds `map`, which must not overlap another mapping.
    pub fn insert_map(&mut self, map: MmapRegion) {
        let index = self.maps.partition_point(|other| other.end <= map.start);
        self.maps.insert(index, map);
    }

    /// Cuts the page-aligned range `start..end` out of the mappings,
    /// splitting a mapping that extends past either end. Returns the pieces
    /// removed, in address order.
    pub fn remove_maps(&mut self, start: u32, end: u32) -> Vec<MmapRegion> {
        let mut kept = Vec::with_capacity(self.maps.len() + 1);
        let mut removed = Vec::new();
        for map in self.maps.drain(..) {
            if map.end <= start || end <= map.start {
                kept.push(map);
                continue;
            }
            let cut_start = map.start.max(start);
            let cut_end = map.end.min(end);
            if map.start < cut_start {
                kept.push(MmapRegion {
                    end: cut_start,
                    ..map
                });
            }
            removed.push(slice_map(map, cut_start, cut_end, self.page_size));
            if cut_end < map.end {
                kept.push(slice_map(map, cut_end, map.end, self.page_size));
            }
        }
        self.maps = kept;
        removed
    }

    /// Returns the `mmap` mapping that contains `va`.
    pub fn map_at(&self, va: u32) -> Option<&MmapRegion> {
        let index = self.maps.partition_point(|map| map.end <= va);
        self.maps.get(index).filter(|map| map.start <= va)
    }

    /// Returns whether any text or data byte of the image lies in the page at `page_va`.
    pub fn has_image_bytes(&self, page_va: u32) -> bool {
        let start = page_va as u64;
        let end = start + self.page_size as u64;
        [&self.object.text, &self.object.data]
            .iter()
            .any(|section| {
                !section.bytes.is_empty() && (section.addr as u64) < end && start < section.end()
            })
    }

    /// Fills `page` (the bytes of the page at `page_va`) with the image
    /// bytes that lie in it and zeros elsewhere. Returns whether any image
    /// byte was copied.
    pub fn fill_from_image(&self, page_va: u32, page: &mut [u8]) -> bool {
        page.fill(0);
        let mut copied = false;
        for section in [&self.object.text, &self.object.data] {
            let page_start = page_va as u64;
            let page_end = page_start + page.len() as u64;
            let start = page_start.max(section.addr as u64);
            let end = page_end.min(section.end());
            if start < end {
                let from = (start - section.addr as u64) as usize;
                let to = (start - page_start) as usize;
                let len = (end - start) as usize;
                page[to..to + len].copy_from_slice(&section.bytes[from..from + len]);
                copied = true;
            }
        }
        copied
    }
}

/// Returns the part `start..end` of `map`, with its file page advanced to `start`.
fn slice_map(map: MmapRegion, start: u32, end: u32, page_size: u32) -> MmapRegion {
    MmapRegion {
        start,
        end,
        writable: map.writable,
        file: map
            .file
            .map(|(mount, first)| (mount, first + (start - map.start) / page_size)),
    }
}

/// One page-table mapping of a user frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The process that maps the frame.
    pub pid: u32,
    /// Its address space.
    pub asid: Asid,
    /// The page in that space.
    pub vpn: u32,
    /// Physical address of the page's leaf PTE.
    pub pte_addr: PhysAddr,
}

/// Owners of a user frame: every mapping of it, and its swap copy.
///
/// A frame has one mapping unless `fork` shares it copy-on-write between
/// processes. The replacement policy sees the frame once, whatever the
/// number of mappings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameOwner {
    /// The mappings, first loader first; never empty while the frame is occupied.
    pub mappings: Vec<Mapping>,
    /// The swap slot the page was read from. The slot keeps its copy while
    /// the page is resident, so evicting the page while it is still clean
    /// writes nothing; a dirty page is written back to this slot unless
    /// another holder shares the slot.
    pub swap_slot: Option<u32>,
    /// The file page this frame caches, for a page of a mapped file. Such
    /// a frame is shared (not copy-on-write) by every mapping of the page,
    /// never goes to swap, and is written back to its mount when dirty.
    pub file: Option<FilePage>,
}

impl FrameOwner {
    /// Returns the first mapping, whose process loaded the page.
    pub fn first(&self) -> &Mapping {
        self.mappings
            .first()
            .expect("an occupied frame has at least one mapping")
    }
}

/// The user frames: who owns each, and which are free.
///
/// A frame is in one of three states: free, holding a page (with an
/// owner), or holding a page table of one process. The last happens only
/// with `--page-tables-in-pool`, and such a frame is pinned: it is never a
/// victim.
#[derive(Clone, Debug)]
pub struct FrameTable {
    owners: Vec<Option<FrameOwner>>,
    free: BTreeSet<usize>,
    /// Per frame: the pid whose page table the frame contains.
    table_owners: Vec<Option<u32>>,
    /// Number of page-table frames per pid, for processes that have any.
    tables_per_pid: std::collections::BTreeMap<u32, usize>,
    /// The largest number of page-table frames each pid had at once.
    peak_tables_per_pid: std::collections::BTreeMap<u32, usize>,
    /// The largest number of page-table frames in use at once, all processes together.
    peak_tables: usize,
}

impl FrameTable {
    /// Creates a table of `n_frames` free frames.
    pub fn new(n_frames: usize) -> FrameTable {
        FrameTable {
            owners: vec![None; n_frames],
            free: (0..n_frames).collect(),
            table_owners: vec![None; n_frames],
            tables_per_pid: std::collections::BTreeMap::new(),
            peak_tables_per_pid: std::collections::BTreeMap::new(),
            peak_tables: 0,
        }
    }

    /// Returns the number of frames.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Returns whether the table has no frames.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// Returns the number of free frames.
    pub fn free_count(&self) -> usize {
        self.free.len()
    }

    /// Marks the taken `frame` as holding a page table of process `pid`.
    pub fn set_table(&mut self, frame: usize, pid: u32) {
        self.free.remove(&frame);
        self.owners[frame] = None;
        self.table_owners[frame] = Some(pid);
        let count = self.tables_per_pid.entry(pid).or_default();
        *count += 1;
        let count = *count;
        let peak = self.peak_tables_per_pid.entry(pid).or_default();
        *peak = (*peak).max(count);
        self.peak_tables = self.peak_tables.max(self.table_count());
    }

    /// Returns the largest number of frames that contained page tables of
    /// `pid` at once.
    pub fn peak_tables_of(&self, pid: u32) -> usize {
        self.peak_tables_per_pid.get(&pid).copied().unwrap_or(0)
    }

    /// Returns the largest number of frames that contained page tables at
    /// once, all processes together.
    pub fn peak_table_count(&self) -> usize {
        self.peak_tables
    }

    /// Frees `frame`, which held a page table.
    pub fn release_table(&mut self, frame: usize) {
        self.forget_table(frame);
        self.free.insert(frame);
    }

    /// Makes the page-table frame `frame` a page-table frame of `pid`.
    pub fn reassign_table(&mut self, frame: usize, pid: u32) {
        self.forget_table(frame);
        self.set_table(frame, pid);
    }

    fn forget_table(&mut self, frame: usize) {
        if let Some(pid) = self.table_owners[frame].take() {
            if let Some(count) = self.tables_per_pid.get_mut(&pid) {
                *count -= 1;
                if *count == 0 {
                    self.tables_per_pid.remove(&pid);
                }
            }
        }
    }

    /// Returns the pid whose page table `frame` contains, if it contains one.
    pub fn table_owner(&self, frame: usize) -> Option<u32> {
        self.table_owners.get(frame).copied().flatten()
    }

    /// Returns the number of frames that contain page tables of `pid`.
    pub fn tables_of(&self, pid: u32) -> usize {
        self.tables_per_pid.get(&pid).copied().unwrap_or(0)
    }

    /// Returns the number of frames that contain page tables.
    pub fn table_count(&self) -> usize {
        self.tables_per_pid.values().sum()
    }

    /// Marks the occupied `frame` empty without freeing it, because the
    /// caller loads another page into it at once.
    pub fn vacate(&mut self, frame: usize) {
        self.owners[frame] = None;
    }

    /// Takes the lowest-numbered free frame.
    pub fn take_free(&mut self) -> Option<usize> {
        self.free.pop_first()
    }

    /// Records the owner of `frame`.
    pub fn set(&mut self, frame: usize, owner: FrameOwner) {
        self.free.remove(&frame);
        self.owners[frame] = Some(owner);
    }

    /// Returns the owner of `frame`, if occupied.
    pub fn owner(&self, frame: usize) -> Option<&FrameOwner> {
        self.owners.get(frame).and_then(Option::as_ref)
    }

    /// Adds a mapping to the occupied `frame`.
    pub fn add_mapping(&mut self, frame: usize, mapping: Mapping) {
        if let Some(owner) = self.owners.get_mut(frame).and_then(Option::as_mut) {
            owner.mappings.push(mapping);
        }
    }

    /// Removes the mapping of `vpn` in `asid` from `frame` and returns the
    /// number of mappings left.
    pub fn remove_mapping(&mut self, frame: usize, asid: Asid, vpn: u32) -> usize {
        match self.owners.get_mut(frame).and_then(Option::as_mut) {
            Some(owner) => {
                owner
                    .mappings
                    .retain(|mapping| mapping.asid != asid || mapping.vpn != vpn);
                owner.mappings.len()
            }
            None => 0,
        }
    }

    /// Returns whether `frame` is on the free list.
    pub fn is_free(&self, frame: usize) -> bool {
        self.free.contains(&frame)
    }

    /// Marks `frame` free.
    pub fn release(&mut self, frame: usize) {
        self.owners[frame] = None;
        self.free.insert(frame);
    }
}

/// Swap slots with reference counts, because `fork` shares the slot of a
/// swapped-out page between parent and child.
///
/// A slot's holders are the non-present PTEs that name it plus the
/// resident frame whose swap copy it is (one per frame, however many
/// processes map the frame). The slot is free again when its last holder
/// lets go.
#[derive(Clone, Debug)]
pub struct SlotTable {
    pool: Pool,
    refs: Vec<u32>,
}

impl SlotTable {
    /// Creates a table of `n_slots` free slots.
    pub fn new(n_slots: u32) -> SlotTable {
        SlotTable {
            pool: Pool::new(n_slots),
            refs: Vec::new(),
        }
    }

    /// Returns the number of slots.
    pub fn size(&self) -> u32 {
        self.pool.size()
    }

    /// Takes the lowest free slot, with one holder.
    pub fn take(&mut self) -> Option<u32> {
        let slot = self.pool.take()?;
        let index = slot as usize;
        if self.refs.len() <= index {
            self.refs.resize(index + 1, 0);
        }
        self.refs[index] = 1;
        Some(slot)
    }

    /// Adds a holder to the taken `slot`.
    pub fn hold(&mut self, slot: u32) {
        self.refs[slot as usize] += 1;
    }

    /// Returns the number of holders of `slot`.
    pub fn holders(&self, slot: u32) -> u32 {
        self.refs.get(slot as usize).copied().unwrap_or(0)
    }

    /// Returns whether `slot` is free in the allocator.
    pub fn is_free(&self, slot: u32) -> bool {
        self.pool.is_free(slot)
    }

    /// Returns the number of slots the allocator has handed out and not
    /// taken back.
    pub fn in_use(&self) -> u32 {
        self.pool.in_use()
    }

    /// Returns every slot with at least one holder, as `(slot, holders)`
    /// in slot order.
    pub fn held_slots(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.refs
            .iter()
            .enumerate()
            .filter(|(_, &holders)| holders > 0)
            .map(|(slot, &holders)| (slot as u32, holders))
    }

    /// Returns `slot` to the allocator without touching its holder count,
    /// which breaks the table's bookkeeping on purpose for invariant tests.
    #[cfg(test)]
    pub(crate) fn free_keeping_holders(&mut self, slot: u32) {
        self.pool.give_back(slot);
    }

    /// Removes a holder from `slot`. Returns true when that was the last
    /// one and the slot is free again.
    pub fn release(&mut self, slot: u32) -> bool {
        let refs = &mut self.refs[slot as usize];
        *refs -= 1;
        if *refs == 0 {
            self.pool.give_back(slot);
            true
        } else {
            false
        }
    }
}

/// A pool of numbered resources handed out lowest-free-first: page-table
/// frames and swap slots.
#[derive(Clone, Debug)]
pub struct Pool {
    free: BTreeSet<u32>,
    next_unused: u32,
    size: u32,
}

impl Pool {
    /// Creates a pool of `size` free numbers, `0..size`.
    pub fn new(size: u32) -> Pool {
        Pool {
            free: BTreeSet::new(),
            next_unused: 0,
            size,
        }
    }

    /// Returns the pool size.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Takes the lowest free number.
    pub fn take(&mut self) -> Option<u32> {
        if let Some(number) = self.free.pop_first() {
            return Some(number);
        }
        if self.next_unused < self.size {
            self.next_unused += 1;
            return Some(self.next_unused - 1);
        }
        None
    }

    /// Returns `number` to the pool.
    pub fn give_back(&mut self, number: u32) {
        self.free.insert(number);
    }

    /// Removes and returns every number given back and not taken again.
    pub fn drain_given_back(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.free).into_iter().collect()
    }

    /// Returns how many numbers were given back and not taken again.
    pub fn given_back_count(&self) -> usize {
        self.free.len()
    }

    /// Returns whether `number` is free: never handed out, or given back.
    pub fn is_free(&self, number: u32) -> bool {
        number >= self.next_unused || self.free.contains(&number)
    }

    /// Returns how many numbers are handed out and not given back.
    pub fn in_use(&self) -> u32 {
        // Saturating, because a number given back twice is a bookkeeping
        // error that the invariant checks report rather than a reason to panic.
        self.next_unused.saturating_sub(self.free.len() as u32)
    }
}

/// The page tables were full: no frame of the pool is left for a new table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfTables;

/// Returns the physical address of the leaf PTE of `vpn`, allocating (zeroed)
/// lower tables from `pool` on the way when `allocate` is true. Returns
/// `Ok(None)` when a table is missing and `allocate` is false.
///
/// # Errors
///
/// Returns [`OutOfTables`] when a table is needed and the pool is empty.
pub fn leaf_pte_addr(
    memory: &mut PhysicalMemory,
    geometry: &Geometry,
    pool: &mut Pool,
    space: &mut AddressSpace,
    vpn: u32,
    allocate: bool,
) -> Result<Option<PhysAddr>, OutOfTables> {
    let mut table_pfn = space.root_pfn;
    for level in 0..geometry.levels {
        let index = geometry.index(vpn, level);
        let pte_addr = memory.frame_addr(table_pfn, index * PTE_BYTES);
        if level + 1 == geometry.levels {
            return Ok(Some(pte_addr));
        }

        let pte = Pte(memory.read_u32(pte_addr));
        if pte.present() {
            table_pfn = pte.pfn();
            continue;
        }
        if !allocate {
            return Ok(None);
        }
        let new_table = pool.take().ok_or(OutOfTables)?;
        memory.frame_mut(new_table).fill(0);
        memory.write_u32(pte_addr, Pte::mapped(new_table, true).0);
        space.tables.push((new_table, level + 1));
        table_pfn = new_table;
    }
    unreachable!("a geometry has at least one level")
}

/// Returns the number of tables a walk to the leaf PTE of `vpn` still
/// needs, 0 when every table on the way exists.
pub fn missing_tables(
    memory: &PhysicalMemory,
    geometry: &Geometry,
    root_pfn: u32,
    vpn: u32,
) -> u32 {
    let mut table_pfn = root_pfn;
    for level in 0..geometry.levels - 1 {
        let index = geometry.index(vpn, level);
        let pte = Pte(memory.read_u32(memory.frame_addr(table_pfn, index * PTE_BYTES)));
        if !pte.present() {
            return geometry.levels - 1 - level;
        }
        table_pfn = pte.pfn();
    }
    0
}

/// Frees the lower page tables of `space` whose entries are all empty
/// (no present page, no swapped page, no lower table), bottom-up, and
/// clears the entries that pointed to them. The root table stays. Returns
/// the PFNs freed, which the caller gives back to where tables come from.
pub fn prune_empty_tables(
    memory: &mut PhysicalMemory,
    geometry: &Geometry,
    space: &mut AddressSpace,
) -> Vec<u32> {
    let mut freed = Vec::new();
    prune_below(memory, geometry, space.root_pfn, 0, &mut freed);
    space.tables.retain(|(pfn, _)| !freed.contains(pfn));
    freed
}

/// Prunes the tables below `table_pfn` at `level` and returns whether that
/// table is empty afterwards.
fn prune_below(
    memory: &mut PhysicalMemory,
    geometry: &Geometry,
    table_pfn: u32,
    level: u32,
    freed: &mut Vec<u32>,
) -> bool {
    let entries_per_table = geometry.page_size / PTE_BYTES;
    let count = entries_per_table.min(1 << geometry.level_bits(level));
    let mut empty = true;
    for index in 0..count {
        let pte_addr = memory.frame_addr(table_pfn, index * PTE_BYTES);
        let pte = Pte(memory.read_u32(pte_addr));
        if pte == Pte::EMPTY {
            continue;
        }
        let is_table = level + 1 < geometry.levels && pte.present();
        if is_table && prune_below(memory, geometry, pte.pfn(), level + 1, freed) {
            memory.write_u32(pte_addr, Pte::EMPTY.0);
            freed.push(pte.pfn());
        } else {
            empty = false;
        }
    }
    empty
}

/// Returns every leaf PTE under the root table `root_pfn` that is not
/// empty, as `(vpn, pte_addr, pte)` in VPN order.
pub fn leaf_entries(
    memory: &PhysicalMemory,
    geometry: &Geometry,
    root_pfn: u32,
) -> Vec<(u32, PhysAddr, Pte)> {
    let mut entries = Vec::new();
    let entries_per_table = geometry.page_size / PTE_BYTES;
    // Depth-first, lowest index first, so VPNs come out in order. Each
    // stack item is a table, its level and the VPN bits of its indices so far.
    let mut stack = vec![(root_pfn, 0u32, 0u32)];
    while let Some((table_pfn, level, prefix)) = stack.pop() {
        let bits = geometry.level_bits(level);
        let count = entries_per_table.min(1 << bits);
        let mut children = Vec::new();
        for index in 0..count {
            let pte_addr = memory.frame_addr(table_pfn, index * PTE_BYTES);
            let pte = Pte(memory.read_u32(pte_addr));
            if pte == Pte::EMPTY {
                continue;
            }
            let vpn = (prefix << bits) | index;
            if level + 1 == geometry.levels {
                entries.push((vpn, pte_addr, pte));
            } else if pte.present() {
                children.push((pte.pfn(), level + 1, vpn));
            }
        }
        stack.extend(children.into_iter().rev());
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::Instruction;
    use crate::object::{Bss, Section, TEXT_BASE};

    fn object(data: Vec<u8>, bss_len: u32) -> Object {
        let data_addr = TEXT_BASE + 0x10000;
        Object {
            source_name: "t.asm".into(),
            entry: TEXT_BASE,
            text: Section {
                addr: TEXT_BASE,
                bytes: Instruction::Halt.encode().to_vec(),
            },
            bss: Bss {
                addr: data_addr + data.len() as u32,
                len: bss_len,
            },
            data: Section {
                addr: data_addr,
                bytes: data,
            },
            ..Object::default()
        }
    }

    #[test]
    fn regions_follow_the_layout() {
        let space = AddressSpace::new(object(vec![7; 10], 5000), 0, 4096, 1 << 20).unwrap();
        let text = space.region_of(0x10000).unwrap();
        assert_eq!((text.kind, text.writable), (RegionKind::Text, false));
        assert_eq!(space.region_of(0x20000).unwrap().kind, RegionKind::Data);
        assert_eq!(space.region_of(0x21000).unwrap().kind, RegionKind::Data);
        assert_eq!(space.heap_start, 0x22000);
        assert_eq!(space.region_of(0x22000), None, "empty heap");
        assert_eq!(space.region_of(0), None);
        assert_eq!(
            space.region_of(STACK_TOP - 4096).unwrap().kind,
            RegionKind::Stack
        );
        assert_eq!(space.region_of(STACK_TOP - (1 << 20) - 4096), None);
        assert_eq!(space.region_of(STACK_TOP), None);
    }

    #[test]
    fn data_page_mixes_image_and_zeros() {
        let space = AddressSpace::new(object(vec![7; 10], 5000), 0, 4096, 1 << 20).unwrap();
        let mut page = vec![0xaa; 4096];
        assert!(space.fill_from_image(0x20000, &mut page));
        assert_eq!(&page[..11], &[7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0]);
        assert!(page[11..].iter().all(|&b| b == 0));
        assert!(!space.fill_from_image(0x21000, &mut page));
    }

    #[test]
    fn pool_hands_out_lowest_first() {
        let mut pool = Pool::new(3);
        assert_eq!((pool.take(), pool.take()), (Some(0), Some(1)));
        pool.give_back(0);
        assert_eq!(
            (pool.take(), pool.take(), pool.take()),
            (Some(0), Some(2), None)
        );
    }

    #[test]
    fn shared_slots_are_freed_by_the_last_holder() {
        let mut slots = SlotTable::new(2);
        let slot = slots.take().unwrap();
        slots.hold(slot);
        assert_eq!(slots.holders(slot), 2);
        assert!(!slots.release(slot));
        assert_eq!(slots.take(), Some(1), "slot 0 is still held");
        assert!(slots.release(slot));
        assert_eq!(slots.take(), Some(0));
        assert_eq!(slots.take(), None);
    }

    #[test]
    fn frame_mappings_are_counted() {
        let mut frames = FrameTable::new(2);
        let frame = frames.take_free().unwrap();
        let mapping = |pid: u32| Mapping {
            pid,
            asid: Asid(pid),
            vpn: 7,
            pte_addr: PhysAddr(4 * pid),
        };
        frames.set(
            frame,
            FrameOwner {
                mappings: vec![mapping(1)],
                swap_slot: None,
                file: None,
            },
        );
        frames.add_mapping(frame, mapping(2));
        assert_eq!(frames.owner(frame).unwrap().mappings.len(), 2);
        assert_eq!(frames.remove_mapping(frame, Asid(1), 7), 1);
        assert_eq!(frames.owner(frame).unwrap().first().pid, 2);
        assert_eq!(frames.remove_mapping(frame, Asid(2), 7), 0);
    }

    #[test]
    fn frame_table_takes_lowest_free() {
        let mut frames = FrameTable::new(3);
        assert_eq!(frames.take_free(), Some(0));
        assert_eq!(frames.take_free(), Some(1));
        frames.release(0);
        assert_eq!(frames.take_free(), Some(0));
        assert_eq!(frames.take_free(), Some(2));
        assert_eq!(frames.take_free(), None);
    }
}
