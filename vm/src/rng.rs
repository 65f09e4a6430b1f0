//! The seeded pseudo-random generator behind every random choice in
//! pagelab: SplitMix64, written out here so that its stream never changes
//! with a dependency upgrade.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014; the 64-bit constants are those of Vigna's
//! public-domain `splitmix64.c`) keeps one 64-bit counter. Each call adds
//! the odd constant 0x9E37_79B9_7F4A_7C15 to it and returns the counter
//! scrambled by three xor-shift and multiply rounds:
//!
//! ```text
//! state = state + 0x9E3779B97F4A7C15          (wrapping)
//! z = state
//! z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9    (wrapping)
//! z = (z ^ (z >> 27)) * 0x94D049BB133111EB    (wrapping)
//! return z ^ (z >> 31)
//! ```
//!
//! Every seed, including 0, gives a full-period stream of 2^64 outputs.
//! This is not a cryptographic generator.

/// A SplitMix64 generator. The same seed always gives the same stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// Creates a generator whose stream is determined by `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// Returns the next 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a uniformly distributed integer in `0..bound`.
    ///
    /// Taking `next_u64() % bound` directly would favour small results
    /// whenever `bound` does not divide 2^64. This rejects the lowest
    /// `2^64 mod bound` outputs instead, so the accepted range is a whole
    /// multiple of `bound`. Fewer than half of all outputs are rejected for
    /// any bound, so the loop takes fewer than two draws on average.
    ///
    /// # Panics
    ///
    /// Panics if `bound` is 0, because `0..0` has no element to return.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "below(0) has no value to return");
        // `bound.wrapping_neg() % bound` is (2^64 - bound) mod bound, which
        // equals 2^64 mod bound.
        let rejected_below = bound.wrapping_neg() % bound;
        loop {
            let x = self.next_u64();
            if x >= rejected_below {
                return x % bound;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_zero_matches_reference_output() {
        // First output of Vigna's splitmix64.c with the state set to 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn seed_1234567_matches_reference_stream() {
        // The first five outputs of Vigna's splitmix64.c for seed 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        let expected = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for value in expected {
            assert_eq!(rng.next_u64(), value);
        }
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(7);
        for bound in [1, 2, 3, 7, 1000, u64::MAX / 2 + 2, u64::MAX] {
            for _ in 0..100 {
                assert!(rng.below(bound) < bound);
            }
        }
    }

    #[test]
    fn below_one_is_zero() {
        let mut rng = SplitMix64::new(3);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn below_covers_small_range_evenly() {
        // 6000 draws over 6 values: each count stays far from 0 and 6000,
        // and near the mean of 1000.
        let mut rng = SplitMix64::new(42);
        let mut counts = [0u32; 6];
        for _ in 0..6000 {
            counts[rng.below(6) as usize] += 1;
        }
        for count in counts {
            assert!((850..1150).contains(&count), "counts {counts:?}");
        }
    }

    #[test]
    fn same_seed_same_stream() {
        let mut first = SplitMix64::new(99);
        let mut second = SplitMix64::new(99);
        for _ in 0..50 {
            assert_eq!(first.below(10), second.below(10));
        }
    }
}
