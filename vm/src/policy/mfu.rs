//! MFU: evict the page with the largest use count, on the rationale that
//! the page with the smallest count was probably just brought in and has
//! yet to be used.
//!
//! Source: Silberschatz, Galvin and Gagne, Operating System Concepts,
//! "counting-based page replacement". It takes the same parameters as LFU
//! (`lfu.rs`), with the same defaults: `keep` (0: counts restart at each
//! load; 1: counts survive eviction) and `tie` (`lru`, `fifo` or `lowest`,
//! default `lru`: among equal largest counts the least recently referenced
//! page goes).
//!
//! Not proven a stack algorithm in any combination. With `keep=1` and
//! `tie=lru` the random tests here find set inclusion holding, which is
//! evidence only; in-cache counts and the other tie-breaks depend on the
//! frame count. Cost: as for LFU, O(1) per reference with the defaults and
//! O(log k) with k frames otherwise.

use super::lfu::{TieBreak, UseCounts};
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// Most-frequently-used replacement.
#[derive(Debug, Clone)]
pub struct Mfu {
    counts: UseCounts,
}

impl Mfu {
    /// Creates the policy for `n_frames` frames, all free, with the
    /// tie-break `tie` and, when `keep` is set, counts that survive eviction.
    pub fn new(n_frames: usize, tie: TieBreak, keep: bool) -> Mfu {
        Mfu {
            counts: UseCounts::new(n_frames, true, tie, keep),
        }
    }
}

impl ReplacementPolicy for Mfu {
    fn name(&self) -> &str {
        "mfu"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.counts.on_hit(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        self.counts.on_load(frame, page);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.counts.on_free(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        self.counts.choose_victim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    #[test]
    fn largest_count_goes() {
        let mut mfu = Mfu::new(3, TieBreak::Lru, false);
        for frame in 0..3 {
            mfu.on_load(frame, frame as PageKey, false);
        }
        mfu.on_hit(1, false);
        assert_eq!(mfu.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn tie_breaks_order_equal_counts() {
        for (tie, expected) in [
            (TieBreak::Lru, 2),
            (TieBreak::Fifo, 0),
            (TieBreak::Lowest, 0),
        ] {
            let mut mfu = Mfu::new(3, tie, false);
            for frame in 0..3 {
                mfu.on_load(frame, frame as PageKey, false);
            }
            // Frames 0 and 2 reach count 2; 2 is referenced first.
            mfu.on_hit(2, false);
            mfu.on_hit(0, false);
            assert_eq!(mfu.choose_victim(&mut NoBits), expected, "{tie:?}");
        }
    }

    #[test]
    fn victim_is_occupied_when_some_frames_are_free() {
        for tie in [TieBreak::Lru, TieBreak::Fifo, TieBreak::Lowest] {
            let mut mfu = Mfu::new(6, tie, false);
            // Frames 0, 2 and 5 never hold a page; frame 4 is freed.
            for frame in [1, 3, 4] {
                mfu.on_load(frame, frame as PageKey, false);
            }
            mfu.on_hit(4, false);
            mfu.on_hit(3, false);
            mfu.on_free(4);
            assert_eq!(mfu.choose_victim(&mut NoBits), 3, "{tie:?}");
            mfu.on_free(3);
            assert_eq!(mfu.choose_victim(&mut NoBits), 1, "{tie:?}");
        }
    }

    #[test]
    fn kept_counts_survive_eviction() {
        let mut mfu = Mfu::new(2, TieBreak::Lowest, true);
        mfu.on_load(0, 7, false);
        mfu.on_hit(0, false);
        mfu.on_load(1, 8, false);
        mfu.on_free(0);
        mfu.on_load(0, 9, false);
        mfu.on_free(0);
        mfu.on_load(0, 7, false);
        // Page 7 returns with count 3, above page 8's 1.
        assert_eq!(mfu.choose_victim(&mut NoBits), 0);
    }
}
