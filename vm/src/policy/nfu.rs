//! NFU (not frequently used): a software counter per page, to which every
//! periodic sample adds the page's reference bit; the victim is the page
//! with the smallest counter.
//!
//! Source: Tanenbaum, Modern Operating Systems, section 3.4.7. At each
//! sample, for each resident page, the counter grows by R and R is
//! cleared. A newly loaded page starts with counter 0. Ties go to the
//! lowest-numbered frame. Not a stack algorithm. Counters never decay, so
//! a page used heavily long ago stays resident: aging (`aging.rs`) fixes that.
//!
//! Parameter `interval` (default 4): references between samples. Samples
//! count references, not clock ticks, so that the VM and replay sample at
//! the same points; a sample follows the reference that completes the
//! interval, after its reference bit is set. With `interval=1` every
//! reference is sampled and NFU evicts exactly as in-cache LFU with the
//! `lowest` tie-break.
//!
//! Cost: O(k) per sample and O(k) per fault with k frames, as Tanenbaum
//! describes it; O(1) per hit.

use super::counters::SampledCounters;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The default number of references between samples.
pub const DEFAULT_INTERVAL: u64 = 4;

/// Not-frequently-used replacement.
#[derive(Debug, Clone)]
pub struct Nfu {
    /// The sample count of each frame's page.
    counters: SampledCounters,
}

impl Nfu {
    /// Creates the policy for `n_frames` frames, all free, sampling every
    /// `interval` references (at least 1).
    pub fn new(n_frames: usize, interval: u64) -> Nfu {
        Nfu {
            counters: SampledCounters::new(n_frames, interval),
        }
    }
}

impl ReplacementPolicy for Nfu {
    fn name(&self) -> &str {
        "nfu"
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
        self.counters.sample(bits, |counter, referenced| {
            counter.saturating_add(u64::from(referenced))
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

    #[test]
    fn samples_add_reference_bits() {
        let mut nfu = Nfu::new(3, 1);
        for frame in 0..3 {
            nfu.on_load(frame, frame as PageKey, false);
        }
        nfu.on_timer(&mut Bits(vec![true, false, true]));
        let mut bits = Bits(vec![true, false, false]);
        nfu.on_timer(&mut bits);
        assert_eq!(nfu.counters.counter, vec![2, 0, 1]);
        assert_eq!(bits.0, vec![false; 3]);
        assert_eq!(nfu.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn ties_go_to_lowest_frame() {
        let mut nfu = Nfu::new(3, 1);
        for frame in 0..3 {
            nfu.on_load(frame, frame as PageKey, false);
        }
        nfu.on_timer(&mut Bits(vec![true, false, false]));
        assert_eq!(nfu.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn free_frames_are_not_sampled() {
        let mut nfu = Nfu::new(2, 1);
        nfu.on_load(0, 5, false);
        let mut bits = Bits(vec![true, true]);
        nfu.on_timer(&mut bits);
        assert_eq!(nfu.counters.counter, vec![1, 0]);
        assert_eq!(bits.0, vec![false, true]);
    }

    #[test]
    fn reload_restarts_counter() {
        let mut nfu = Nfu::new(1, 1);
        nfu.on_load(0, 5, false);
        nfu.on_timer(&mut Bits(vec![true]));
        nfu.on_free(0);
        nfu.on_load(0, 6, false);
        assert_eq!(nfu.counters.counter, vec![0]);
        assert_eq!(nfu.timer_interval(), Some(1));
    }
}
