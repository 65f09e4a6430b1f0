//! Aging: an n-bit counter per page, shifted right at every periodic sample
//! with the page's reference bit entering at the top; the victim is the
//! page with the smallest counter.
//!
//! Source: Tanenbaum, Modern Operating Systems, section 3.4.7; the
//! "additional-reference-bits algorithm" of Silberschatz, Galvin and
//! Gagne, Operating System Concepts. At each sample, for each resident
//! page, `c = (c >> 1) | (R << (bits - 1))` and R is cleared. A newly
//! loaded page starts with counter 0. Ties go to the lowest-numbered frame.
//! Not a stack algorithm. With `interval=1` and at least as many bits as
//! references between two uses of a page, counters order pages by recency
//! and aging evicts exactly as LRU.
//!
//! Parameters: `bits` (1 to 64, default 8), the counter width; `interval`
//! (default 4), references between samples. Samples count references, not
//! clock ticks, so that the VM and replay sample at the same points; a
//! sample follows the reference that completes the interval, after its
//! reference bit is set.
//!
//! Cost: O(k) per sample and O(k) per fault with k frames, as Tanenbaum
//! describes it; O(1) per hit.

use super::counters::SampledCounters;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The default counter width in bits.
pub const DEFAULT_BITS: u64 = 8;

/// The default number of references between samples.
pub const DEFAULT_INTERVAL: u64 = 4;

/// Aging replacement with `bits`-bit counters.
#[derive(Debug, Clone)]
pub struct Aging {
    /// The bit a referenced page's sample sets: `1 << (bits - 1)`.
    top_bit: u64,
    /// The counter of each frame's page.
    counters: SampledCounters,
}

impl Aging {
    /// Creates the policy for `n_frames` frames, all free, with counters of
    /// `bits` bits (clamped to 1..=64) sampled every `interval` references
    /// (at least 1).
    pub fn new(n_frames: usize, bits: u64, interval: u64) -> Aging {
        let bits = bits.clamp(1, 64);
        Aging {
            top_bit: 1 << (bits - 1),
            counters: SampledCounters::new(n_frames, interval),
        }
    }
}

impl ReplacementPolicy for Aging {
    fn name(&self) -> &str {
        "aging"
    }

    fn on_hit(&mut self, _frame: FrameIdx, _write: bool) {}

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.counters.load(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.counters.free(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        self.counters.victim()
    }

    fn timer_interval(&self) -> Option<u64> {
        Some(self.counters.interval)
    }

    fn on_timer(&mut self, bits: &mut dyn ReferenceBits) {
        let top_bit = self.top_bit;
        self.counters.sample(bits, |counter, referenced| {
            (counter >> 1) | if referenced { top_bit } else { 0 }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    /// Reference bits as a plain array.
    struct Bits(Vec<bool>);

    impl ReferenceBits for Bits {
        fn is_referenced(&self, frame: FrameIdx) -> bool {
            self.0[frame]
        }
        fn clear_referenced(&mut self, frame: FrameIdx) {
            self.0[frame] = false;
        }
        fn is_dirty(&self, _frame: FrameIdx) -> bool {
            false
        }
    }

    /// Six pages over five samples: the first sample's bit ends at bit 3
    /// and the last one's at bit 7.
    #[test]
    fn six_pages_five_samples() {
        let samples = [
            [true, false, true, false, true, true],
            [true, true, false, false, true, false],
            [true, true, false, true, false, true],
            [true, false, false, false, true, false],
            [false, true, true, false, false, false],
        ];
        let mut aging = Aging::new(6, 8, 1);
        for frame in 0..6 {
            aging.on_load(frame, frame as PageKey, false);
        }
        for sample in samples {
            aging.on_timer(&mut Bits(sample.to_vec()));
        }
        assert_eq!(
            aging.counters.counter,
            vec![
                0b0111_1000,
                0b1011_0000,
                0b1000_1000,
                0b0010_0000,
                0b0101_1000,
                0b0010_1000
            ]
        );
        // Pages 3 and 5 are smallest in value; page 3 (0b0010_0000) goes.
        assert_eq!(aging.choose_victim(&mut NoBits), 3);
    }

    #[test]
    fn narrow_counters_forget() {
        let mut aging = Aging::new(2, 2, 1);
        aging.on_load(0, 1, false);
        aging.on_load(1, 2, false);
        aging.on_timer(&mut Bits(vec![true, false]));
        aging.on_timer(&mut Bits(vec![false, false]));
        aging.on_timer(&mut Bits(vec![false, false]));
        // Two bits remember two samples only: both counters are 0 again.
        assert_eq!(aging.counters.counter, vec![0, 0]);
        assert_eq!(aging.choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn sixty_four_bits() {
        let mut aging = Aging::new(1, 64, 3);
        aging.on_load(0, 1, false);
        aging.on_timer(&mut Bits(vec![true]));
        assert_eq!(aging.counters.counter, vec![1 << 63]);
        assert_eq!(aging.timer_interval(), Some(3));
    }
}
