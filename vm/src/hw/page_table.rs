//! The page-table entry layout and the page-table geometry that the walker
//! reads. Pure values and functions: no memory access happens here.
//!
//! # PTE layout (32 bits)
//!
//! | bits | name | meaning |
//! |------|------|---------|
//! | 0 | P, present | the entry maps a frame (or, above the last level, a lower table) |
//! | 1 | W, writable | stores are allowed |
//! | 2 | A, accessed | set by the MMU on every walk that uses the entry |
//! | 3 | D, dirty | set by the MMU on the first store to the page |
//! | 4 | C, copy-on-write | reserved for `fork`; never set yet |
//! | 5 | S, swapped | P is clear and bits 12..31 hold a swap slot |
//! | 6..11 | | reserved, zero |
//! | 12..31 | frame | the PFN when P is set, the swap slot when S is set |
//!
//! The layout does not depend on the page size: the frame field always
//! starts at bit 12, so it stores numbers below 2^20 ([`PTE_FIELD_LIMIT`]).

use std::fmt;

/// Number of values the 20-bit frame field of a PTE can hold.
pub const PTE_FIELD_LIMIT: usize = 1 << 20;

/// Size of one PTE in bytes.
pub const PTE_BYTES: u32 = 4;

const PRESENT: u32 = 1 << 0;
const WRITABLE: u32 = 1 << 1;
const ACCESSED: u32 = 1 << 2;
const DIRTY: u32 = 1 << 3;
const COPY_ON_WRITE: u32 = 1 << 4;
const SWAPPED: u32 = 1 << 5;
const FIELD_SHIFT: u32 = 12;

/// A page-table entry. `Pte(0)` is the empty entry: nothing mapped, nothing in swap.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Pte(pub u32);

impl Pte {
    /// The empty entry.
    pub const EMPTY: Pte = Pte(0);

    /// Builds a present entry for `pfn`, with A and D clear.
    pub fn mapped(pfn: u32, writable: bool) -> Pte {
        debug_assert!((pfn as usize) < PTE_FIELD_LIMIT);
        let mut bits = PRESENT | (pfn << FIELD_SHIFT);
        if writable {
            bits |= WRITABLE;
        }
        Pte(bits)
    }

    /// Builds a non-present entry whose page is in swap `slot`.
    pub fn swapped(slot: u32) -> Pte {
        debug_assert!((slot as usize) < PTE_FIELD_LIMIT);
        Pte(SWAPPED | (slot << FIELD_SHIFT))
    }

    /// Returns whether the entry maps a frame or a lower table.
    pub fn present(self) -> bool {
        self.0 & PRESENT != 0
    }

    /// Returns whether stores through the entry are allowed.
    pub fn writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Returns whether the MMU used the entry since the kernel last cleared the bit.
    pub fn accessed(self) -> bool {
        self.0 & ACCESSED != 0
    }

    /// Returns whether the page was written since it was mapped.
    pub fn dirty(self) -> bool {
        self.0 & DIRTY != 0
    }

    /// Returns the copy-on-write bit (reserved; never set yet).
    pub fn copy_on_write(self) -> bool {
        self.0 & COPY_ON_WRITE != 0
    }

    /// Returns the swap slot of a non-present entry whose page is in swap.
    pub fn swap_slot(self) -> Option<u32> {
        (!self.present() && self.0 & SWAPPED != 0).then_some(self.0 >> FIELD_SHIFT)
    }

    /// Returns the frame number of a present entry.
    pub fn pfn(self) -> u32 {
        self.0 >> FIELD_SHIFT
    }

    /// Returns the entry with the accessed bit set.
    pub fn with_accessed(self) -> Pte {
        Pte(self.0 | ACCESSED)
    }

    /// Returns the entry with the accessed bit clear.
    pub fn without_accessed(self) -> Pte {
        Pte(self.0 & !ACCESSED)
    }

    /// Returns the entry with the dirty bit set.
    pub fn with_dirty(self) -> Pte {
        Pte(self.0 | DIRTY)
    }

    /// Returns the entry read-only and marked copy-on-write, as `fork`
    /// leaves a writable page shared by parent and child.
    pub fn as_copy_on_write(self) -> Pte {
        Pte((self.0 & !WRITABLE) | COPY_ON_WRITE)
    }

    /// Returns the entry writable with the copy-on-write mark cleared, for
    /// the last sharer of a copy-on-write page.
    pub fn as_private_writable(self) -> Pte {
        Pte((self.0 | WRITABLE) & !COPY_ON_WRITE)
    }

    /// Returns the entry with the writable bit set or clear, as `mprotect`
    /// changes it.
    pub fn with_writable(self, writable: bool) -> Pte {
        if writable {
            Pte(self.0 | WRITABLE)
        } else {
            Pte(self.0 & !WRITABLE)
        }
    }

    /// Returns the entry with the dirty bit clear, after its page was
    /// written back.
    pub fn without_dirty(self) -> Pte {
        Pte(self.0 & !DIRTY)
    }
}

impl fmt::Debug for Pte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.present() {
            let flag = |set: bool, c: char| if set { c } else { '-' };
            write!(
                f,
                "Pte {{ pfn: {}, flags: P{}{}{}{} }}",
                self.pfn(),
                flag(self.writable(), 'W'),
                flag(self.accessed(), 'A'),
                flag(self.dirty(), 'D'),
                flag(self.copy_on_write(), 'C'),
            )
        } else if let Some(slot) = self.swap_slot() {
            write!(f, "Pte {{ swapped to slot {slot} }}")
        } else {
            write!(f, "Pte {{ empty: 0x{:08x} }}", self.0)
        }
    }
}

/// Maximum number of table levels: one bit per level of a 32-bit address
/// with 16-byte pages.
pub const MAX_LEVELS: usize = 28;

/// Split of a virtual address into table indices and a page offset.
///
/// By default every table is one page of 4-byte PTEs, so each level
/// indexes `log2(page_size) - 2` bits and the root takes what remains of
/// the page number: a 32-bit address with 4 KiB pages splits 10 + 10 + 12.
/// [`Geometry::with_split`] takes the bits of each level instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Page size in bytes, a power of two.
    pub page_size: u32,
    /// Bits of the page offset, `log2(page_size)`.
    pub offset_bits: u32,
    /// Number of table levels, the root being level 0.
    pub levels: u32,
    /// Virtual address width in bits.
    pub va_bits: u32,
    /// Index bits of each level, root first; entries from `levels` on are 0.
    level_bits: [u32; MAX_LEVELS],
}

impl Geometry {
    /// Derives the default geometry; `None` unless `page_size` is a power
    /// of two of at least 16 bytes and `va_bits` is 8..=32 and wider than
    /// the offset.
    pub fn new(page_size: u32, va_bits: u32) -> Option<Geometry> {
        if !page_size.is_power_of_two() || page_size < 16 || !(8..=32).contains(&va_bits) {
            return None;
        }
        let offset_bits = page_size.trailing_zeros();
        if va_bits <= offset_bits {
            return None;
        }
        let index_bits = offset_bits - 2;
        let vpn_bits = va_bits - offset_bits;
        let levels = vpn_bits.div_ceil(index_bits);
        let mut split = vec![index_bits; levels as usize];
        split[0] = vpn_bits - (levels - 1) * index_bits;
        Geometry::with_split(page_size, va_bits, &split).ok()
    }

    /// Builds the geometry whose levels index `split[i]` bits, root first.
    ///
    /// # Errors
    ///
    /// Returns a message naming the values and the rule they break: the
    /// page size or width is invalid, a level has 0 bits or more than a
    /// one-page table of 4-byte PTEs can index, or the bits do not add up
    /// to `va_bits` minus the offset bits.
    pub fn with_split(page_size: u32, va_bits: u32, split: &[u32]) -> Result<Geometry, String> {
        if !page_size.is_power_of_two() || page_size < 16 {
            return Err(format!(
                "page size {page_size} is not a power of two of at least 16"
            ));
        }
        let offset_bits = page_size.trailing_zeros();
        if !(8..=32).contains(&va_bits) || va_bits <= offset_bits {
            return Err(format!(
                "{va_bits} address bits are not from 8 to 32 and more than the {offset_bits} offset bits"
            ));
        }
        let vpn_bits = va_bits - offset_bits;
        let index_bits = offset_bits - 2;
        let text = split
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // Summed as u64 so that huge values from the command line or a
        // dump file cannot overflow.
        let sum: u64 = split.iter().map(|&bits| u64::from(bits)).sum();
        if split.is_empty() || sum != u64::from(vpn_bits) {
            return Err(format!(
                "split {text} adds up to {sum} bits, but {va_bits} address bits minus {offset_bits} offset bits leave {vpn_bits}"
            ));
        }
        if let Some(&bits) = split.iter().find(|&&bits| bits == 0 || bits > index_bits) {
            return Err(format!(
                "split {text} has a level of {bits} bits, but every level needs 1 to {index_bits} bits so that its table fits in one {page_size}-byte page of 4-byte entries"
            ));
        }
        let mut level_bits = [0; MAX_LEVELS];
        level_bits[..split.len()].copy_from_slice(split);
        Ok(Geometry {
            page_size,
            offset_bits,
            levels: split.len() as u32,
            va_bits,
            level_bits,
        })
    }

    /// Returns the index bits of `level` (0 = root).
    #[inline]
    pub fn level_bits(&self, level: u32) -> u32 {
        self.level_bits[level as usize]
    }

    /// Returns whether `va` lies inside the `va_bits`-bit address space.
    #[inline]
    pub fn contains(&self, va: u32) -> bool {
        self.va_bits == 32 || va >> self.va_bits == 0
    }

    /// Returns the number of bytes of the address space, `2^va_bits`.
    pub fn va_size(&self) -> u64 {
        1u64 << self.va_bits
    }

    /// Returns the virtual page number of `va`.
    #[inline]
    pub fn vpn(&self, va: u32) -> u32 {
        va >> self.offset_bits
    }

    /// Returns the offset of `va` inside its page.
    #[inline]
    pub fn offset(&self, va: u32) -> u32 {
        va & (self.page_size - 1)
    }

    /// Returns the index into the table at `level` (0 = root) for page `vpn`.
    #[inline]
    pub fn index(&self, vpn: u32, level: u32) -> u32 {
        let below: u32 = self.level_bits[level as usize + 1..self.levels as usize]
            .iter()
            .sum();
        (vpn >> below) & ((1u32 << self.level_bits(level)) - 1)
    }

    /// Returns the indices of every level, root first, followed by the page offset.
    pub fn split(&self, va: u32) -> (Vec<u32>, u32) {
        let vpn = self.vpn(va);
        let indices = (0..self.levels)
            .map(|level| self.index(vpn, level))
            .collect();
        (indices, self.offset(va))
    }

    /// Rebuilds a virtual address from [`Geometry::split`]'s parts.
    pub fn join(&self, indices: &[u32], offset: u32) -> u32 {
        let mut vpn: u64 = 0;
        for (level, &index) in indices.iter().enumerate() {
            vpn = (vpn << self.level_bits(level as u32)) | index as u64;
        }
        ((vpn << self.offset_bits) | offset as u64) as u32
    }

    /// Returns the split as text, root first, such as `10+10+12`.
    pub fn describe_split(&self) -> String {
        let mut parts: Vec<String> = (0..self.levels)
            .map(|level| self.level_bits(level).to_string())
            .collect();
        parts.push(self.offset_bits.to_string());
        parts.join("+")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_split_is_10_10_12() {
        let geometry = Geometry::new(4096, 32).unwrap();
        assert_eq!(geometry.describe_split(), "10+10+12");
        assert_eq!(geometry.split(0x1234_5678), (vec![0x48, 0x345], 0x678));
    }

    #[test]
    fn other_page_sizes_split() {
        let cases = [
            (16, "2+2+2+2+2+2+2+2+2+2+2+2+2+2+4"),
            (256, "6+6+6+6+8"),
            (65536, "2+14+16"),
        ];
        for (page_size, expected) in cases {
            let geometry = Geometry::new(page_size, 32).unwrap();
            assert_eq!(geometry.describe_split(), expected, "page size {page_size}");
        }
    }

    #[test]
    fn invalid_geometries_are_rejected() {
        assert_eq!(Geometry::new(3000, 32), None);
        assert_eq!(Geometry::new(8, 32), None);
        assert_eq!(Geometry::new(4096, 12), None);
        assert_eq!(Geometry::new(4096, 33), None);
    }

    #[test]
    fn explicit_splits_are_checked() {
        let geometry = Geometry::with_split(256, 16, &[1, 3, 4]).unwrap();
        assert_eq!(geometry.describe_split(), "1+3+4+8");
        assert_eq!(geometry.split(0xabcd), (vec![0x1, 0x2, 0xb], 0xcd));
        assert_eq!(
            Geometry::with_split(4096, 32, &[10, 9]).unwrap_err(),
            "split 10,9 adds up to 19 bits, but 32 address bits minus 12 offset bits leave 20"
        );
        assert_eq!(
            Geometry::with_split(4096, 32, &[8, 12]).unwrap_err(),
            "split 8,12 has a level of 12 bits, but every level needs 1 to 10 bits so that its table fits in one 4096-byte page of 4-byte entries"
        );
        assert!(Geometry::with_split(4096, 32, &[0, 10, 10]).is_err());
        assert_eq!(
            Geometry::with_split(4096, 32, &[u32::MAX, 1]).unwrap_err(),
            "split 4294967295,1 adds up to 4294967296 bits, but 32 address bits minus 12 offset bits leave 20"
        );
    }

    #[test]
    fn pte_debug_prints_fields() {
        let pte = Pte::mapped(7, true).with_accessed();
        assert_eq!(format!("{pte:?}"), "Pte { pfn: 7, flags: PWA-- }");
        assert_eq!(
            format!("{:?}", Pte::swapped(3)),
            "Pte { swapped to slot 3 }"
        );
        assert_eq!(format!("{:?}", Pte::EMPTY), "Pte { empty: 0x00000000 }");
    }

    proptest! {
        #[test]
        fn pte_fields_round_trip(pfn in 0u32..(1 << 20), writable: bool, accessed: bool, dirty: bool) {
            let mut pte = Pte::mapped(pfn, writable);
            if accessed { pte = pte.with_accessed(); }
            if dirty { pte = pte.with_dirty(); }
            prop_assert!(pte.present());
            prop_assert_eq!(pte.pfn(), pfn);
            prop_assert_eq!(pte.writable(), writable);
            prop_assert_eq!(pte.accessed(), accessed);
            prop_assert_eq!(pte.dirty(), dirty);
            prop_assert!(!pte.copy_on_write());
            prop_assert_eq!(pte.swap_slot(), None);
            prop_assert!(!pte.without_accessed().accessed());
        }

        #[test]
        fn copy_on_write_round_trips(pfn in 0u32..(1 << 20), dirty: bool) {
            let pte = if dirty { Pte::mapped(pfn, true).with_dirty() } else { Pte::mapped(pfn, true) };
            let shared = pte.as_copy_on_write();
            prop_assert!(shared.present() && !shared.writable() && shared.copy_on_write());
            prop_assert_eq!((shared.pfn(), shared.dirty()), (pfn, dirty));
            prop_assert_eq!(shared.as_private_writable(), pte);
        }

        #[test]
        fn swap_slot_round_trips(slot in 0u32..(1 << 20)) {
            let pte = Pte::swapped(slot);
            prop_assert!(!pte.present());
            prop_assert_eq!(pte.swap_slot(), Some(slot));
        }

        #[test]
        fn split_then_join_is_identity(va: u32, shift in 4u32..=16) {
            let geometry = Geometry::new(1 << shift, 32).unwrap();
            let (indices, offset) = geometry.split(va);
            prop_assert_eq!(indices.len() as u32, geometry.levels);
            prop_assert!(offset < geometry.page_size);
            prop_assert_eq!(geometry.join(&indices, offset), va);
        }
    }
}
