//! Random: evict a page chosen uniformly among the resident pages.
//!
//! Folklore rather than a paper; OSTEP's `paging-policy.py` calls it RAND.
//! Not a stack algorithm. The choices come from the seeded
//! [`SplitMix64`](crate::rng::SplitMix64) generator, so the same seed and
//! the same reference string always give the same victims.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};
use crate::rng::SplitMix64;

/// Uniform random replacement, O(1) per reference.
///
/// Victims are chosen only when every frame is occupied, so a uniform frame
/// index in `0..n_frames` is a uniform resident page. Each victim takes
/// exactly one `below(n_frames)` draw from the generator (which may consume
/// more than one raw output when it rejects a biased value).
#[derive(Debug, Clone)]
pub struct Random {
    n_frames: usize,
    rng: SplitMix64,
}

impl Random {
    /// Creates the policy for `n_frames` frames, all free, drawing from a
    /// generator seeded with `seed`.
    pub fn new(n_frames: usize, seed: u64) -> Random {
        Random {
            n_frames,
            rng: SplitMix64::new(seed),
        }
    }
}

impl ReplacementPolicy for Random {
    fn name(&self) -> &str {
        "random"
    }

    fn on_hit(&mut self, _frame: FrameIdx, _write: bool) {}

    fn on_load(&mut self, _frame: FrameIdx, _page: PageKey, _write: bool) {}

    fn on_free(&mut self, _frame: FrameIdx) {}

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.n_frames > 0,
            "choose_victim is called only when every frame is occupied, so at least one exists"
        );
        // A frame index is below n_frames, which is a usize, so it fits.
        self.rng.below(self.n_frames as u64) as FrameIdx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::policy::test_support::NoBits;

    fn victims(n_frames: usize, seed: u64, count: usize) -> Vec<FrameIdx> {
        let mut random = Random::new(n_frames, seed);
        (0..count)
            .map(|_| random.choose_victim(&mut NoBits))
            .collect()
    }

    #[test]
    fn victims_follow_the_generator() {
        let mut rng = SplitMix64::new(11);
        let expected: Vec<FrameIdx> = (0..20).map(|_| rng.below(5) as FrameIdx).collect();
        assert_eq!(victims(5, 11, 20), expected);
    }

    #[test]
    fn same_seed_same_victims() {
        assert_eq!(victims(7, 3, 50), victims(7, 3, 50));
        assert_ne!(victims(7, 3, 50), victims(7, 4, 50));
    }

    #[test]
    fn victims_cover_every_frame() {
        let chosen = victims(4, 0, 200);
        for frame in 0..4 {
            assert!(chosen.contains(&frame), "frame {frame} never chosen");
        }
        assert!(chosen.iter().all(|&frame| frame < 4));
    }

    #[test]
    fn one_frame() {
        assert_eq!(victims(1, 9, 5), vec![0; 5]);
    }
}
