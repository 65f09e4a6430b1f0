//! Emulated physical memory: one byte array divided into frames.
//!
//! Frames `0..page_table_frames` form the page-table pool and the rest hold
//! process pages. This module only stores bytes; the kernel decides what
//! lives in each frame.

use super::PhysAddr;

/// Physical memory of `n_frames` frames of `page_size` bytes, little-endian.
#[derive(Clone, Debug)]
pub struct PhysicalMemory {
    bytes: Vec<u8>,
    page_size: u32,
}

impl PhysicalMemory {
    /// Allocates zeroed memory of `n_frames` frames.
    pub fn new(n_frames: usize, page_size: u32) -> PhysicalMemory {
        PhysicalMemory {
            bytes: vec![0; n_frames * page_size as usize],
            page_size,
        }
    }

    /// Returns the size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Returns whether the memory has no frames.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Returns the physical address of byte `offset` of frame `pfn`.
    #[inline]
    pub fn frame_addr(&self, pfn: u32, offset: u32) -> PhysAddr {
        PhysAddr(pfn * self.page_size + offset)
    }

    /// Returns the bytes of frame `pfn`.
    pub fn frame(&self, pfn: u32) -> &[u8] {
        let start = pfn as usize * self.page_size as usize;
        &self.bytes[start..start + self.page_size as usize]
    }

    /// Returns the bytes of frame `pfn` for writing.
    pub fn frame_mut(&mut self, pfn: u32) -> &mut [u8] {
        let start = pfn as usize * self.page_size as usize;
        &mut self.bytes[start..start + self.page_size as usize]
    }

    /// Reads `N` bytes at `pa`. Callers pass addresses the MMU produced,
    /// which lie inside one frame.
    #[inline]
    pub fn read<const N: usize>(&self, pa: PhysAddr) -> [u8; N] {
        let start = pa.0 as usize;
        self.bytes[start..start + N]
            .try_into()
            .expect("the slice has N bytes")
    }

    /// Reads a little-endian value of `size` bytes (1, 2 or 4) at `pa`, zero-extended.
    #[inline]
    pub fn read_sized(&self, pa: PhysAddr, size: u32) -> u32 {
        match size {
            1 => self.read::<1>(pa)[0] as u32,
            2 => u16::from_le_bytes(self.read(pa)) as u32,
            _ => u32::from_le_bytes(self.read(pa)),
        }
    }

    /// Writes the low `size` bytes (1, 2 or 4) of `value` at `pa`, little-endian.
    #[inline]
    pub fn write_sized(&mut self, pa: PhysAddr, size: u32, value: u32) {
        let start = pa.0 as usize;
        let bytes = value.to_le_bytes();
        self.bytes[start..start + size as usize].copy_from_slice(&bytes[..size as usize]);
    }

    /// Reads a 32-bit word at `pa` (page-table entries are read this way).
    #[inline]
    pub fn read_u32(&self, pa: PhysAddr) -> u32 {
        u32::from_le_bytes(self.read(pa))
    }

    /// Writes a 32-bit word at `pa`.
    #[inline]
    pub fn write_u32(&mut self, pa: PhysAddr, value: u32) {
        self.write_sized(pa, 4, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_little_endian() {
        let mut memory = PhysicalMemory::new(2, 16);
        memory.write_u32(PhysAddr(20), 0x1122_3344);
        assert_eq!(memory.frame(1)[4..8], [0x44, 0x33, 0x22, 0x11]);
        assert_eq!(memory.read_sized(PhysAddr(20), 2), 0x3344);
        assert_eq!(memory.read_sized(PhysAddr(23), 1), 0x11);
        memory.write_sized(PhysAddr(21), 1, 0xff);
        assert_eq!(memory.read_u32(PhysAddr(20)), 0x1122_ff44);
        assert_eq!(memory.frame_addr(1, 3), PhysAddr(19));
    }
}
