//! Random: evict a page chosen uniformly among the resident pages.
//!
//! Folklore rather than a paper; OSTEP's `paging-policy.py` calls it RAND.
//! Not a stack algorithm. The choices come from the seeded
//! [`SplitMix64`](crate::rng::SplitMix64) generator, so the same seed and
//! the same reference string always give the same victims.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};
use crate::rng::SplitMix64;

/// Uniform random replacement, O(1) per reference and per victim while
/// every frame is occupied.
///
/// Each victim takes exactly one `below(k)` draw from the generator, k
/// being the number of occupied frames. The draw may consume more than one
/// raw output when it rejects a biased value. The victim is the occupied
/// frame of that rank in frame order, which is the frame index itself while
/// every frame is occupied. With some frames free, finding the frame of a
/// rank costs O(n_frames).
#[derive(Debug, Clone)]
pub struct Random {
    n_frames: usize,
    rng: SplitMix64,
    /// Per frame: whether it contains a page.
    occupied: Vec<bool>,
    /// The number of occupied frames.
    occupied_count: usize,
}

impl Random {
    /// Creates the policy for `n_frames` frames, all free, drawing from a
    /// generator seeded with `seed`.
    pub fn new(n_frames: usize, seed: u64) -> Random {
        Random {
            n_frames,
            rng: SplitMix64::new(seed),
            occupied: vec![false; n_frames],
            occupied_count: 0,
        }
    }
}

impl ReplacementPolicy for Random {
    fn name(&self) -> &str {
        "random"
    }

    fn on_hit(&mut self, _frame: FrameIdx, _write: bool) {}

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        if !self.occupied[frame] {
            self.occupied[frame] = true;
            self.occupied_count += 1;
        }
    }

    fn on_free(&mut self, frame: FrameIdx) {
        if self.occupied[frame] {
            self.occupied[frame] = false;
            self.occupied_count -= 1;
        }
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.occupied_count > 0,
            "choose_victim is called only while at least one frame is occupied"
        );
        let rank = self.rng.below(self.occupied_count as u64) as usize;
        if self.occupied_count == self.n_frames {
            return rank;
        }
        (0..self.n_frames)
            .filter(|&frame| self.occupied[frame])
            .nth(rank)
            .expect("rank is below the number of occupied frames")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::policy::test_support::NoBits;

    /// Returns `count` victims chosen with every frame occupied.
    fn victims(n_frames: usize, seed: u64, count: usize) -> Vec<FrameIdx> {
        let mut random = Random::new(n_frames, seed);
        for frame in 0..n_frames {
            random.on_load(frame, frame as PageKey, false);
        }
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
    fn victims_skip_free_frames() {
        let mut random = Random::new(6, 5);
        for frame in [1, 4] {
            random.on_load(frame, frame as PageKey, false);
        }
        let chosen: Vec<FrameIdx> = (0..50).map(|_| random.choose_victim(&mut NoBits)).collect();
        assert!(chosen.iter().all(|&frame| frame == 1 || frame == 4));
        assert!(chosen.contains(&1));
        assert!(chosen.contains(&4));
    }

    #[test]
    fn one_frame() {
        assert_eq!(victims(1, 9, 5), vec![0; 5]);
    }
}
