//! A tournament tree over frames: every internal node stores the winner of
//! its two subtrees, so the root is the occupied frame that goes first.
//!
//! Each occupied frame has a `u128` key, and the smallest key goes first.
//! Equal keys go to the lower-numbered frame, because a left subtree holds
//! only frames numbered below those of its right sibling. A key change
//! costs O(log k) with k frames, and often less: an update stops at the
//! first node whose winner it cannot change. Memory is a `u128` key per
//! frame and two `u32` per leaf, with the leaf count rounded up to a power
//! of two.

use super::FrameIdx;

/// Marks a node with no occupied frame below it.
const NONE: u32 = u32::MAX;

/// A tournament tree over `n_frames` frames.
#[derive(Debug, Clone)]
pub(crate) struct FrameTree {
    /// The number of leaves, a power of two at least `n_frames`.
    leaves: usize,
    /// The winning frame of each node, or `NONE`. Node `i` has children
    /// `2i` and `2i + 1`, node 1 is the root, and leaf `f` is node
    /// `leaves + f`.
    winner: Vec<u32>,
    /// The key of each occupied frame.
    key: Vec<u128>,
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
            key: vec![0; n_frames],
        }
    }

    /// Returns the first occupied frame in key order, the lowest-numbered
    /// one among equal keys, or `None` when no frame is occupied.
    #[inline]
    pub fn first(&self) -> Option<FrameIdx> {
        let root = self.winner[1];
        (root != NONE).then_some(root as FrameIdx)
    }

    /// Adds the free `frame` with `key`.
    #[inline]
    pub fn insert(&mut self, frame: FrameIdx, key: u128) {
        self.key[frame] = key;
        let leaf = self.leaves + frame;
        self.winner[leaf] = frame as u32;
        self.climb_smaller(leaf, frame);
    }

    /// Removes the occupied `frame`.
    #[inline]
    pub fn remove(&mut self, frame: FrameIdx) {
        let leaf = self.leaves + frame;
        self.winner[leaf] = NONE;
        self.climb_larger(leaf, frame);
    }

    /// Gives the occupied `frame` a new key.
    #[inline]
    pub fn update(&mut self, frame: FrameIdx, key: u128) {
        let old = std::mem::replace(&mut self.key[frame], key);
        let leaf = self.leaves + frame;
        if key < old {
            self.climb_smaller(leaf, frame);
        } else if key > old {
            self.climb_larger(leaf, frame);
        }
    }

    /// Returns whether frame `a` goes before `b`, which is an occupied
    /// frame or `NONE`.
    #[inline]
    fn beats(&self, a: u32, b: u32) -> bool {
        b == NONE || {
            let (key_a, key_b) = (self.key[a as usize], self.key[b as usize]);
            key_a < key_b || (key_a == key_b && a < b)
        }
    }

    /// Replays the matches above `leaf` after `frame` got a larger key or
    /// left. Only nodes that `frame` used to win can change, and they form
    /// a path from the leaf, so the walk stops at the first other winner.
    #[inline]
    fn climb_larger(&mut self, leaf: usize, frame: FrameIdx) {
        let mut node = leaf >> 1;
        while node >= 1 && self.winner[node] == frame as u32 {
            let left = self.winner[2 * node];
            let right = self.winner[2 * node + 1];
            self.winner[node] = if right != NONE && self.beats(right, left) {
                right
            } else {
                left
            };
            node >>= 1;
        }
    }

    /// Carries `frame` up after it got a smaller key or arrived. Where it
    /// loses to another winner, every node above keeps its winner too.
    #[inline]
    fn climb_smaller(&mut self, leaf: usize, frame: FrameIdx) {
        let frame = frame as u32;
        let mut node = leaf >> 1;
        while node >= 1 {
            let current = self.winner[node];
            if current != frame {
                if !self.beats(frame, current) {
                    return;
                }
                self.winner[node] = frame;
            }
            node >>= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the first occupied frame by (key, frame), by a full scan.
    fn scan(keys: &[Option<u128>]) -> Option<FrameIdx> {
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
        let mut tree = FrameTree::new(1);
        tree.insert(0, 7);
        assert_eq!(tree.first(), Some(0));
        tree.update(0, 3);
        assert_eq!(tree.first(), Some(0));
        tree.remove(0);
        assert_eq!(tree.first(), None);
    }

    #[test]
    fn equal_keys_go_to_lowest_frame() {
        let mut tree = FrameTree::new(6);
        for frame in [4, 2, 5, 3] {
            tree.insert(frame, 3);
        }
        assert_eq!(tree.first(), Some(2));
        tree.remove(2);
        assert_eq!(tree.first(), Some(3));
        tree.update(5, 2);
        assert_eq!(tree.first(), Some(5));
        tree.update(5, 3);
        assert_eq!(tree.first(), Some(3));
    }

    /// Random inserts, removals and key changes on 37 frames (not a power
    /// of two), checked against a scan after every step.
    #[test]
    fn matches_scan_under_random_updates() {
        let n_frames = 37;
        let mut keys: Vec<Option<u128>> = vec![None; n_frames];
        let mut tree = FrameTree::new(n_frames);
        // A fixed 64-bit linear congruential sequence.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let frame = (state >> 33) as usize % n_frames;
            let value = u128::from((state >> 20) % 8) << 64 | u128::from((state >> 40) % 3);
            match keys[frame] {
                None => {
                    keys[frame] = Some(value);
                    tree.insert(frame, value);
                }
                Some(_) if value < 1 << 64 => {
                    keys[frame] = None;
                    tree.remove(frame);
                }
                Some(_) => {
                    keys[frame] = Some(value);
                    tree.update(frame, value);
                }
            }
            assert_eq!(tree.first(), scan(&keys), "keys {keys:?}");
        }
    }
}
