//! A hash map keyed by page, with a fast hash for `u64` keys, for the
//! policies that must remember pages that are not resident (ghost lists,
//! LIRS and CLOCK-Pro metadata, LFU counts kept across evictions).
//!
//! The standard library's default hasher (SipHash 1-3) resists
//! hash-flooding by untrusted keys, which replay does not need, and costs
//! several times more than the rest of a ghost-list step. This hasher
//! multiplies the key by a 64-bit odd constant into a 128-bit product and
//! folds the two halves together with xor, so every key bit reaches the
//! low bits that pick a bucket. It is unkeyed, so the map's iteration order
//! is fixed for a given insertion sequence, but no caller may let that
//! order reach output.
//!
//! [`PageIndex`] maps pages to small numbers (node or slot indices) for
//! the hot paths of ARC and CLOCK-Pro. It keeps small keys in a plain
//! array, because page numbers in reference strings are often small and
//! dense: the replay benchmark's are `0..100,000`. It falls back to a
//! [`PageMap`] for the rest, such as the VM's keys, which carry the
//! address space above bit 32.

use super::PageKey;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map from page keys to `V` with [`PageHasher`].
pub(crate) type PageMap<V> = HashMap<PageKey, V, BuildHasherDefault<PageHasher>>;

/// The multiplier: 2^64 divided by the golden ratio, rounded to odd.
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hasher behind [`PageMap`], built for one `u64` key per hash.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PageHasher {
    hash: u64,
}

impl Hasher for PageHasher {
    fn finish(&self) -> u64 {
        self.hash
    }

    fn write_u64(&mut self, key: u64) {
        let product = u128::from(self.hash ^ key) * u128::from(MULTIPLIER);
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }

    /// Hashes other key types eight bytes at a time; pages are `u64`, so
    /// this path is for completeness only.
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
}

/// Keys below this always go to the array (256 KiB of slots at most).
const DENSE_MIN: u64 = 1 << 16;

/// A map from page keys to `u32` values.
///
/// A key goes to the array when it is below max(2^16, 4 × the number of
/// distinct keys the array has stored), so the array stays proportional
/// to the distinct keys stored. Other keys go to a hash map. When the
/// array grows, the hashed keys it now covers move into it, so each key
/// lives in exactly one place. Two bitsets, each 1/32 of the array's size,
/// mark the keys stored in the array now and those ever stored, so a
/// lookup of a missing key usually stays in cache and an insertion only
/// writes to the array.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageIndex {
    /// The last value stored for each key below `dense.len()`.
    dense: Vec<u32>,
    /// One bit per array slot: whether its key is stored now.
    present: Vec<u64>,
    /// One bit per array slot: whether its key was ever stored.
    ever_present: Vec<u64>,
    /// Keys at or above `dense.len()`.
    sparse: PageMap<u32>,
    /// Distinct keys ever stored in `dense`.
    dense_keys: u64,
}

impl PageIndex {
    pub(crate) fn new() -> PageIndex {
        PageIndex::default()
    }

    /// Returns the number of keys stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let dense: u32 = self.present.iter().map(|word| word.count_ones()).sum();
        dense as usize + self.sparse.len()
    }

    #[inline]
    fn is_present(&self, slot: usize) -> bool {
        self.present[slot / 64] & (1 << (slot % 64)) != 0
    }

    /// Returns the value stored for `key`.
    #[inline]
    pub(crate) fn get(&self, key: PageKey) -> Option<u32> {
        if key < self.dense.len() as u64 {
            let slot = key as usize;
            return self.is_present(slot).then(|| self.dense[slot]);
        }
        if self.sparse.is_empty() {
            return None;
        }
        self.sparse.get(&key).copied()
    }

    /// Stores `value` for `key`, replacing any value it had.
    #[inline]
    pub(crate) fn insert(&mut self, key: PageKey, value: u32) {
        if key >= self.dense.len() as u64 && !self.grow_to(key) {
            self.sparse.insert(key, value);
            return;
        }
        let slot = key as usize;
        self.dense[slot] = value;
        self.mark_stored(slot);
    }

    /// Marks the array slot `slot` as stored now, counting it if it is new.
    #[inline]
    fn mark_stored(&mut self, slot: usize) {
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if self.ever_present[word] & bit == 0 {
            self.ever_present[word] |= bit;
            self.dense_keys += 1;
        }
        self.present[word] |= bit;
    }

    /// Removes `key` and returns its value.
    #[inline]
    pub(crate) fn remove(&mut self, key: PageKey) -> Option<u32> {
        if key < self.dense.len() as u64 {
            let slot = key as usize;
            let value = self.get(key)?;
            self.present[slot / 64] &= !(1 << (slot % 64));
            Some(value)
        } else {
            self.sparse.remove(&key)
        }
    }

    /// Removes `key` without reading its value, which saves a memory
    /// access when the caller knows the value.
    #[inline]
    pub(crate) fn discard(&mut self, key: PageKey) {
        if key < self.dense.len() as u64 {
            let slot = key as usize;
            self.present[slot / 64] &= !(1 << (slot % 64));
        } else {
            self.sparse.remove(&key);
        }
    }

    /// Grows the array to cover `key` if the size rule allows it; returns
    /// whether it does.
    fn grow_to(&mut self, key: PageKey) -> bool {
        let limit = DENSE_MIN.max(self.dense_keys.saturating_mul(4));
        if key >= limit {
            return false;
        }
        let new_len = (key + 1).next_power_of_two().min(limit) as usize;
        self.dense.resize(new_len, 0);
        self.present.resize(new_len.div_ceil(64), 0);
        self.ever_present.resize(new_len.div_ceil(64), 0);
        let moved: Vec<(PageKey, u32)> = self
            .sparse
            .iter()
            .filter(|&(&key, _)| key < new_len as u64)
            .map(|(&key, &value)| (key, value))
            .collect();
        for (key, value) in moved {
            self.sparse.remove(&key);
            self.dense[key as usize] = value;
            self.mark_stored(key as usize);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(key: u64) -> u64 {
        BuildHasherDefault::<PageHasher>::default().hash_one(key)
    }

    #[test]
    fn sequential_pages_spread_over_low_bits() {
        // 4096 sequential pages must fill more than 2,400 of the 4096
        // buckets picked by the low 12 bits. A uniform random hash fills
        // about 2,590 on average, and one that drops the key's low bits
        // fills a handful.
        let buckets: std::collections::BTreeSet<u64> =
            (0..4096).map(|page| hash(page) & 0xFFF).collect();
        assert!(buckets.len() > 2_400, "{} buckets", buckets.len());
    }

    #[test]
    fn high_key_bits_reach_low_hash_bits() {
        // Pages of different processes differ only above bit 32.
        let buckets: std::collections::BTreeSet<u64> =
            (0..256u64).map(|pid| hash(pid << 32) & 0xFF).collect();
        assert!(buckets.len() > 128, "{} buckets", buckets.len());
    }

    #[test]
    fn map_finds_inserted_pages() {
        let mut map: PageMap<u64> = PageMap::default();
        for page in 0..1000 {
            map.insert(page * 7919, page);
        }
        for page in 0..1000 {
            assert_eq!(map.get(&(page * 7919)), Some(&page));
        }
        assert_eq!(map.get(&1), None);
    }

    #[test]
    fn index_stores_small_and_large_keys() {
        let mut index = PageIndex::new();
        index.insert(5, 50);
        index.insert(3 << 32, 30);
        index.insert(5, 51);
        assert_eq!(index.len(), 2);
        assert_eq!(index.get(5), Some(51));
        assert_eq!(index.get(3 << 32), Some(30));
        assert_eq!(index.get(6), None);
        assert_eq!(index.get(1 << 20), None);
        assert_eq!(index.remove(5), Some(51));
        assert_eq!(index.remove(5), None);
        index.insert(7, 70);
        index.discard(7);
        assert_eq!(index.get(7), None);
        assert_eq!(index.remove(3 << 32), Some(30));
        assert_eq!(index.len(), 0);
        assert!(index.dense.len() <= 8);
    }

    #[test]
    fn index_moves_hashed_keys_when_the_array_grows() {
        let mut index = PageIndex::new();
        // 2^17 is above the array's first limit, so it is hashed.
        index.insert(1 << 17, 7);
        assert!(index.sparse.contains_key(&(1 << 17)));
        // Enough distinct small keys raise the limit past 2^17.
        for key in 0..40_000 {
            index.insert(key, 1);
        }
        index.insert((1 << 17) + 1, 8);
        assert!(index.sparse.is_empty());
        assert_eq!(index.get(1 << 17), Some(7));
        assert_eq!(index.get((1 << 17) + 1), Some(8));
        assert_eq!(index.len(), 40_002);
    }

    #[test]
    fn index_array_stays_proportional_to_keys() {
        let mut index = PageIndex::new();
        for key in 0..100u64 {
            index.insert(key * 1_000_000, 0);
        }
        assert!(index.dense.len() <= 1 << 16);
        for key in 0..100u64 {
            assert_eq!(index.get(key * 1_000_000), Some(0));
        }
    }
}
