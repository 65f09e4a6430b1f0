//! Working set with a fixed number of frames: evict a page that has left
//! the working set if there is one, else the least recently used page.
//!
//! Source: Denning, "The working set model for program behavior", CACM
//! 11(5), 1968, defines the working set W(t, τ) as the pages referenced in
//! the last τ references. Denning's policy keeps exactly W resident, so
//! the number of frames varies. pagelab gives every policy a fixed number
//! of frames, so this file implements the fixed-frame working-set
//! algorithm that Tanenbaum (Modern Operating Systems, section 3.4.8)
//! derives from it, with exact times of last use in place of sampled
//! reference bits:
//!
//! 1. Time is the number of references so far, counted by the policy
//!    through `on_hit` and `on_load`.
//! 2. At a fault, a page is outside the window when none of the τ
//!    references before the faulting one was to it.
//! 3. The victim is the lowest-numbered frame whose page is outside the
//!    window (Tanenbaum's scan in table order), or, when every page is in
//!    the window, the least recently used page.
//!
//! A page is never evicted because it left the window; only a fault evicts.
//! So with τ at least the length of the string, the policy is LRU.
//! Not a stack algorithm in the frame count (Denning's variable-allocation
//! policy is monotone in τ, which does not carry over to fixed frames).
//!
//! Parameter `tau` (default 16), the window in references. Reference bits
//! are not read. Cost: O(1) per hit, O(k) per fault with k frames.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The default window, in references.
pub const DEFAULT_TAU: u64 = 16;

/// The fixed-frame working-set policy.
#[derive(Debug, Clone)]
pub struct WorkingSet {
    /// The window, in references.
    tau: u64,
    /// References so far.
    now: u64,
    /// The reference number of the last reference to each frame's page,
    /// or `None` while the frame is free.
    last_use: Vec<Option<u64>>,
}

impl WorkingSet {
    /// Creates the policy for `n_frames` frames, all free, with a window of
    /// `tau` references.
    pub fn new(n_frames: usize, tau: u64) -> WorkingSet {
        WorkingSet {
            tau,
            now: 0,
            last_use: vec![None; n_frames],
        }
    }

    fn touch(&mut self, frame: FrameIdx) {
        self.now += 1;
        self.last_use[frame] = Some(self.now);
    }
}

impl ReplacementPolicy for WorkingSet {
    fn name(&self) -> &str {
        "working-set"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.touch(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.touch(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.last_use[frame] = None;
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        // The window is references now − τ + 1 ..= now; the faulting
        // reference is not counted yet. Free frames are skipped.
        let outside = |last_use: u64| last_use.saturating_add(self.tau) <= self.now;
        let occupied = || {
            self.last_use
                .iter()
                .enumerate()
                .filter_map(|(frame, last_use)| last_use.map(|last_use| (frame, last_use)))
        };
        if let Some((frame, _)) = occupied().find(|&(_, last_use)| outside(last_use)) {
            return frame;
        }
        occupied()
            .min_by_key(|&(_, last_use)| last_use)
            .map(|(frame, _)| frame)
            .expect("choose_victim is called only while at least one frame is occupied")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    #[test]
    fn lowest_frame_outside_window_goes() {
        let mut ws = WorkingSet::new(3, 2);
        ws.on_load(0, 10, false);
        ws.on_load(1, 11, false);
        ws.on_load(2, 12, false);
        ws.on_hit(0, false);
        // The window holds references 3 and 4, to frames 2 and 0.
        assert_eq!(ws.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn all_in_window_falls_back_to_lru() {
        let mut ws = WorkingSet::new(3, 10);
        ws.on_load(0, 10, false);
        ws.on_load(1, 11, false);
        ws.on_load(2, 12, false);
        ws.on_hit(0, false);
        assert_eq!(ws.choose_victim(&mut NoBits), 1);
        ws.on_hit(1, false);
        assert_eq!(ws.choose_victim(&mut NoBits), 2);
    }

    #[test]
    fn window_of_one_keeps_last_page() {
        let mut ws = WorkingSet::new(3, 1);
        ws.on_load(0, 10, false);
        ws.on_load(1, 11, false);
        ws.on_load(2, 12, false);
        ws.on_hit(0, false);
        assert_eq!(ws.choose_victim(&mut NoBits), 1);
        ws.on_hit(1, false);
        assert_eq!(ws.choose_victim(&mut NoBits), 0);
    }
}
