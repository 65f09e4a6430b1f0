//! OPT (Belady's MIN): evict the page whose next reference is farthest in
//! the future. No policy has fewer faults on the same reference string, so
//! OPT is the yardstick for the others.
//!
//! Source: Belady, "A study of replacement algorithms for a virtual-storage
//! computer", IBM Systems Journal 5(2), 1966; its optimality and stack
//! property are in Mattson, Gecsei, Slutz and Traiger, IBM Systems Journal
//! 9(2), 1970. OPT is offline: it is built from the whole reference string,
//! so only replay can run it, never the VM.

use super::page_map::PageMap;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};
use std::collections::BTreeSet;

/// Next-use index of a page that is never referenced again.
const NEVER: usize = usize::MAX;

/// Belady's optimal offline replacement, O(log n_frames) per reference.
///
/// The policy counts the references reported to it (`on_hit` and
/// `on_load`, one per reference) to know its position in the future
/// string, so the caller must report every reference of that string, in
/// order. References beyond the end of the string count as never used
/// again.
///
/// Tie-break: only pages never referenced again can share a next-use
/// index, and among those the page in the lowest-numbered frame is evicted.
/// The choice does not change the fault count (every such page is dead),
/// only which frame the next page lands in.
#[derive(Debug, Clone)]
pub struct Opt {
    /// For each position of the future string, the position of the next
    /// reference to the same page, or `NEVER`.
    next_use: Vec<usize>,
    /// The position of the next reference to be reported.
    position: usize,
    /// For each frame, the next use of its page, or `None` when free.
    frame_next_use: Vec<Option<usize>>,
    /// The occupied frames ordered by (next use, frame).
    by_next_use: BTreeSet<(usize, FrameIdx)>,
}

impl Opt {
    /// Creates the policy for `n_frames` frames, all free, for a run over
    /// the reference string `future` (page keys in reference order).
    ///
    /// Precomputes each position's next use in one backward pass over
    /// `future`, in O(len) time and memory.
    pub fn new(n_frames: usize, future: &[PageKey]) -> Opt {
        let mut next_use = vec![NEVER; future.len()];
        let mut seen_at: PageMap<usize> = PageMap::default();
        for (position, &page) in future.iter().enumerate().rev() {
            if let Some(later) = seen_at.insert(page, position) {
                next_use[position] = later;
            }
        }
        Opt {
            next_use,
            position: 0,
            frame_next_use: vec![None; n_frames],
            by_next_use: BTreeSet::new(),
        }
    }

    /// Records the reference at the current position to the page in `frame`.
    fn reference(&mut self, frame: FrameIdx) {
        let next = self.next_use.get(self.position).copied().unwrap_or(NEVER);
        self.position += 1;
        self.forget(frame);
        self.frame_next_use[frame] = Some(next);
        self.by_next_use.insert((next, frame));
    }

    /// Removes `frame` from the order; does nothing if it is free.
    fn forget(&mut self, frame: FrameIdx) {
        if let Some(old) = self.frame_next_use[frame].take() {
            self.by_next_use.remove(&(old, frame));
        }
    }
}

impl ReplacementPolicy for Opt {
    fn name(&self) -> &str {
        "opt"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.reference(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.reference(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.forget(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        // The lowest frame among the pages never used again, if there is one.
        if let Some(&(_, frame)) = self.by_next_use.range((NEVER, 0)..).next() {
            return frame;
        }
        // Otherwise next uses are distinct positions, so the maximum is unique.
        let &(_, frame) = self
            .by_next_use
            .last()
            .expect("choose_victim is called only when every frame is occupied");
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::policy::test_support::NoBits;

    #[test]
    fn next_use_indices() {
        let opt = Opt::new(2, &[1, 2, 1, 3, 2, 1]);
        assert_eq!(opt.next_use, vec![2, 4, 5, NEVER, NEVER, NEVER]);
    }

    #[test]
    fn farthest_next_use_is_victim() {
        // Pages 1, 2, 3 in frames 0, 1, 2; page 4 faults; then 2, 1, 3 follow.
        let mut opt = Opt::new(3, &[1, 2, 3, 4, 2, 1, 3]);
        opt.on_load(0, 1, false);
        opt.on_load(1, 2, false);
        opt.on_load(2, 3, false);
        assert_eq!(opt.choose_victim(&mut NoBits), 2);
    }

    #[test]
    fn hit_updates_next_use() {
        // After the hit on page 1 at position 2, page 1 is next used at 5
        // and page 2 at 4, so page 1 (frame 0) becomes the victim.
        let mut opt = Opt::new(2, &[1, 2, 1, 3, 2, 1]);
        opt.on_load(0, 1, false);
        opt.on_load(1, 2, false);
        opt.on_hit(0, false);
        assert_eq!(opt.choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn dead_pages_tie_to_lowest_frame() {
        let mut opt = Opt::new(3, &[5, 6, 7, 8, 7]);
        opt.on_load(0, 5, false);
        opt.on_load(1, 6, false);
        opt.on_load(2, 7, false);
        assert_eq!(opt.choose_victim(&mut NoBits), 0);
        opt.on_free(0);
        opt.on_load(0, 8, false);
        // Frames 0 (page 8) and 1 (page 6) are dead; page 7 is used next.
        assert_eq!(opt.choose_victim(&mut NoBits), 0);
        opt.on_free(0);
        assert_eq!(opt.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn freeing_non_victim_frame() {
        let mut opt = Opt::new(3, &[1, 2, 3, 1, 2, 3]);
        opt.on_load(0, 1, false);
        opt.on_load(1, 2, false);
        opt.on_load(2, 3, false);
        opt.on_free(2);
        assert_eq!(opt.by_next_use.len(), 2);
        assert_eq!(opt.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn references_past_future_never_recur() {
        let mut opt = Opt::new(2, &[1]);
        opt.on_load(0, 1, false);
        opt.on_load(1, 2, false);
        assert_eq!(opt.frame_next_use, vec![Some(NEVER), Some(NEVER)]);
        assert_eq!(opt.choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn one_frame() {
        let mut opt = Opt::new(1, &[1, 1, 2]);
        opt.on_load(0, 1, false);
        opt.on_hit(0, false);
        assert_eq!(opt.choose_victim(&mut NoBits), 0);
    }
}
