//! A set of frame numbers as a hierarchy of bitmaps, for the policies that
//! need the lowest-numbered frame of a changing set.
//!
//! Level 0 has one bit per frame, and each bit of level `i + 1` is set when
//! the matching 64-bit word of level `i` has any bit set. The top level is
//! one word, so insert, remove and `first` cost O(log_64 k) word
//! operations with k frames: two levels up to 4,096 frames, three up to
//! 262,144.

use super::FrameIdx;

/// A set of frames `0..n_frames`.
#[derive(Debug, Clone)]
pub(crate) struct FrameSet {
    /// The bitmaps, from one bit per frame in `levels[0]` up to a single
    /// word in the last level.
    levels: Vec<Vec<u64>>,
}

impl FrameSet {
    /// Creates an empty set for frames `0..n_frames`.
    pub fn new(n_frames: usize) -> FrameSet {
        let mut levels = Vec::new();
        let mut bits = n_frames.max(1);
        loop {
            let words = bits.div_ceil(64);
            levels.push(vec![0; words]);
            if words == 1 {
                break;
            }
            bits = words;
        }
        FrameSet { levels }
    }

    /// Returns whether `frame` is in the set.
    #[inline]
    pub fn contains(&self, frame: FrameIdx) -> bool {
        self.levels[0][frame / 64] & (1 << (frame % 64)) != 0
    }

    /// Adds `frame`.
    #[inline]
    pub fn insert(&mut self, frame: FrameIdx) {
        let mut index = frame;
        for level in &mut self.levels {
            let word = &mut level[index / 64];
            let was_empty = *word == 0;
            *word |= 1 << (index % 64);
            if !was_empty {
                return;
            }
            index /= 64;
        }
    }

    /// Removes `frame`.
    #[inline]
    pub fn remove(&mut self, frame: FrameIdx) {
        let mut index = frame;
        for level in &mut self.levels {
            let word = &mut level[index / 64];
            *word &= !(1 << (index % 64));
            if *word != 0 {
                return;
            }
            index /= 64;
        }
    }

    /// Returns the lowest frame in the set, or `None` when it is empty.
    #[inline]
    pub fn first(&self) -> Option<FrameIdx> {
        let mut index = 0;
        for level in self.levels.iter().rev() {
            let word = level[index];
            if word == 0 {
                return None;
            }
            index = index * 64 + word.trailing_zeros() as usize;
        }
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn empty_set_has_no_first() {
        assert_eq!(FrameSet::new(1).first(), None);
        assert_eq!(FrameSet::new(5000).first(), None);
    }

    #[test]
    fn first_is_lowest_member() {
        let mut set = FrameSet::new(300_000);
        for frame in [299_999, 4096, 70_000, 64] {
            set.insert(frame);
        }
        assert_eq!(set.first(), Some(64));
        set.remove(64);
        assert_eq!(set.first(), Some(4096));
        set.remove(4096);
        set.remove(70_000);
        assert_eq!(set.first(), Some(299_999));
        assert!(set.contains(299_999));
        assert!(!set.contains(70_000));
        set.remove(299_999);
        assert_eq!(set.first(), None);
    }

    /// Random inserts and removals over 5,000 frames (three levels),
    /// checked against a `BTreeSet` after every step.
    #[test]
    fn matches_ordered_set() {
        let n_frames = 5000;
        let mut set = FrameSet::new(n_frames);
        let mut model = BTreeSet::new();
        // A fixed 64-bit linear congruential sequence.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // Small frame numbers are drawn more often, so the low words
            // fill and empty again.
            let frame = ((state >> 33) as usize % n_frames) >> ((state >> 13) % 8);
            if model.contains(&frame) {
                model.remove(&frame);
                set.remove(frame);
            } else {
                model.insert(frame);
                set.insert(frame);
            }
            assert_eq!(set.first(), model.first().copied());
            assert_eq!(set.contains(frame), model.contains(&frame));
        }
    }
}
