//! A tournament tree over frames: every internal node stores the winner of
//! its two subtrees, so the root is the occupied frame that goes first.
//!
//! The policy owns the keys and passes `before(a, b)`, "the key of frame
//! `a` is strictly smaller than the key of frame `b`", to every update.
//! Equal keys go to the lower-numbered frame, because a left subtree holds
//! only frames numbered below those of its right sibling. A key change
//! costs O(log k) with k frames, and often less: an update stops at the
//! first node whose winner it cannot change. Memory is two `u32` per leaf,
//! with the leaf count rounded up to a power of two.

use super::FrameIdx;

/// Marks a node with no occupied frame below it.
const NONE: u32 = u32::MAX;

/// A tournament tree over `n_frames` frames.
#[derive(Debug, Clone)]
pub(crate) struct FrameTree {
    /// The number of leaves, a power of two at least `n_frames`.
    leaves: usize,
    /// Node `i` has children `2i` and `2i + 1`; node 1 is the root and
    /// leaf `f` is node `leaves + f`. Each node stores its winning frame,
    /// or `NONE`.
    winner: Vec<u32>,
}

impl FrameTree {
    /// Creates the tree for `n_frames` frames, all free.
    pub fn new(n_frames: usize) -> FrameTree {
        assert!(
            n_frames < NONE as usize,
            "frame numbers fit in u32 below the NONE marker"
        );
        let leaves = n_frames.max(1).next_power_of_two();
        FrameTree {
            leaves,
            winner: vec![NONE; 2 * leaves],
        }
    }

    /// Returns the first occupied frame in key order, the lowest-numbered
    /// one among equal keys, or `None` when no frame is occupied.
    #[inline]
    pub fn first(&self) -> Option<FrameIdx> {
        let root = self.winner[1];
        (root != NONE).then_some(root as FrameIdx)
    }

    /// Adds the free `frame` with its key already set.
    #[inline]
    pub fn insert(&mut self, frame: FrameIdx, before: impl Fn(FrameIdx, FrameIdx) -> bool) {
        let leaf = self.leaves + frame;
        self.winner[leaf] = frame as u32;
        self.climb_smaller(leaf, frame, before);
    }

    /// Removes the occupied `frame`.
    #[inline]
    pub fn remove(&mut self, frame: FrameIdx, before: impl Fn(FrameIdx, FrameIdx) -> bool) {
        let leaf = self.leaves + frame;
        self.winner[leaf] = NONE;
        self.climb_larger(leaf, frame, before);
    }

    /// Records that the key of the occupied `frame` grew (or stayed).
    #[inline]
    pub fn key_increased(&mut self, frame: FrameIdx, before: impl Fn(FrameIdx, FrameIdx) -> bool) {
        self.climb_larger(self.leaves + frame, frame, before);
    }

    /// Records that the key of the occupied `frame` shrank (or stayed).
    #[inline]
    pub fn key_decreased(&mut self, frame: FrameIdx, before: impl Fn(FrameIdx, FrameIdx) -> bool) {
        self.climb_smaller(self.leaves + frame, frame, before);
    }

    /// Replays the matches above `leaf` after `frame` got a larger key or
    /// left. Only nodes that `frame` used to win can change, and they form
    /// a path from the leaf, so the walk stops at the first other winner.
    fn climb_larger(
        &mut self,
        leaf: usize,
        frame: FrameIdx,
        before: impl Fn(FrameIdx, FrameIdx) -> bool,
    ) {
        let mut node = leaf >> 1;
        while node >= 1 && self.winner[node] == frame as u32 {
            let left = self.winner[2 * node];
            let right = self.winner[2 * node + 1];
            self.winner[node] = play(left, right, &before);
            node >>= 1;
        }
    }

    /// Carries `frame` up after it got a smaller key or arrived. Where it
    /// loses to another winner, every node above keeps its winner too.
    fn climb_smaller(
        &mut self,
        leaf: usize,
        frame: FrameIdx,
        before: impl Fn(FrameIdx, FrameIdx) -> bool,
    ) {
        let mut node = leaf >> 1;
        while node >= 1 {
            let current = self.winner[node];
            if current != frame as u32 {
                let wins = current == NONE
                    || before(frame, current as FrameIdx)
                    || (frame < current as FrameIdx && !before(current as FrameIdx, frame));
                if !wins {
                    return;
                }
                self.winner[node] = frame as u32;
            }
            node >>= 1;
        }
    }
}

/// Returns the winner of a match between the winners of two sibling
/// subtrees; `left` has the lower frame number, so it wins ties.
#[inline]
fn play(left: u32, right: u32, before: impl Fn(FrameIdx, FrameIdx) -> bool) -> u32 {
    if right != NONE && (left == NONE || before(right as FrameIdx, left as FrameIdx)) {
        right
    } else {
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the first occupied frame by (key, frame), by a full scan.
    fn scan(keys: &[Option<u64>]) -> Option<FrameIdx> {
        (0..keys.len())
            .filter(|&frame| keys[frame].is_some())
            .min_by_key(|&frame| (keys[frame], frame))
    }

    #[test]
    fn empty_tree_has_no_first() {
        assert_eq!(FrameTree::new(5).first(), None);
        assert_eq!(FrameTree::new(1).first(), None);
    }

    #[test]
    fn single_frame_tree() {
        let keys = [7u64];
        let before = |a: FrameIdx, b: FrameIdx| keys[a] < keys[b];
        let mut tree = FrameTree::new(1);
        tree.insert(0, before);
        assert_eq!(tree.first(), Some(0));
        tree.remove(0, before);
        assert_eq!(tree.first(), None);
    }

    #[test]
    fn equal_keys_go_to_lowest_frame() {
        let keys = [3u64; 6];
        let before = |a: FrameIdx, b: FrameIdx| keys[a] < keys[b];
        let mut tree = FrameTree::new(6);
        for frame in [4, 2, 5, 3] {
            tree.insert(frame, before);
        }
        assert_eq!(tree.first(), Some(2));
        tree.remove(2, before);
        assert_eq!(tree.first(), Some(3));
    }

    /// Random inserts, removals and key changes on 37 frames (not a power
    /// of two), checked against a scan after every step.
    #[test]
    fn matches_scan_under_random_updates() {
        let n_frames = 37;
        let mut keys: Vec<Option<u64>> = vec![None; n_frames];
        let mut tree = FrameTree::new(n_frames);
        // A fixed 64-bit linear congruential sequence.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let frame = (state >> 33) as usize % n_frames;
            let value = (state >> 20) % 8;
            let snapshot = keys.clone();
            let before_old = |a: FrameIdx, b: FrameIdx| snapshot[a] < snapshot[b];
            match keys[frame] {
                None => {
                    keys[frame] = Some(value);
                    let current = keys.clone();
                    tree.insert(frame, |a, b| current[a] < current[b]);
                }
                Some(_) if value == 0 => {
                    keys[frame] = None;
                    tree.remove(frame, before_old);
                }
                Some(old) => {
                    keys[frame] = Some(value);
                    let current = keys.clone();
                    let before = |a: FrameIdx, b: FrameIdx| current[a] < current[b];
                    if value >= old {
                        tree.key_increased(frame, before);
                    } else {
                        tree.key_decreased(frame, before);
                    }
                }
            }
            assert_eq!(tree.first(), scan(&keys), "keys {keys:?}");
        }
    }
}
