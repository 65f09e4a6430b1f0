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
}
