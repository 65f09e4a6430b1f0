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
//! Cost: O(1) per hit; O(log k) per fault with k frames, and O(log k) per
//! page referenced since the previous sample, so O(log k) amortized per
//! reference. A tournament tree (`frame_tree.rs`) keeps the occupied frames
//! ordered by (counter, frame), and a sample visits only the frames
//! referenced since the previous one (`counters.rs`), because the bits of
//! the others are clear and their counters do not change.

use super::counters::TouchedFrames;
use super::frame_tree::FrameTree;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The default number of references between samples.
pub const DEFAULT_INTERVAL: u64 = 4;

/// Not-frequently-used replacement.
#[derive(Debug, Clone)]
pub struct Nfu {
    /// References between samples, at least 1.
    interval: u64,
    /// The sample count of each frame's page.
    counter: Vec<u64>,
    /// Whether each frame is occupied.
    occupied: Vec<bool>,
    /// The occupied frames by (counter, frame): the first is the victim.
    order: FrameTree,
    /// The frames the next sample visits.
    touched: TouchedFrames,
}

impl Nfu {
    /// Creates the policy for `n_frames` frames, all free, sampling every
    /// `interval` references (at least 1).
    pub fn new(n_frames: usize, interval: u64) -> Nfu {
        Nfu {
            interval: interval.max(1),
            counter: vec![0; n_frames],
            occupied: vec![false; n_frames],
            order: FrameTree::new(n_frames),
            touched: TouchedFrames::new(n_frames),
        }
    }
}

impl ReplacementPolicy for Nfu {
    fn name(&self) -> &str {
        "nfu"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.touched.touch(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.counter[frame] = 0;
        self.occupied[frame] = true;
        self.order.insert(frame, 0);
        self.touched.touch(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.occupied[frame] = false;
        self.order.remove(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        self.order
            .first()
            .expect("choose_victim is called only while some frame is occupied")
    }

    fn timer_interval(&self) -> Option<u64> {
        Some(self.interval)
    }

    fn on_timer(&mut self, bits: &mut dyn ReferenceBits) {
        let Nfu {
            counter,
            occupied,
            order,
            touched,
            ..
        } = self;
        touched.drain(|frame| {
            if !occupied[frame] || !bits.is_referenced(frame) {
                return;
            }
            counter[frame] = counter[frame].saturating_add(1);
            order.update(frame, u128::from(counter[frame]));
            bits.clear_referenced(frame);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    /// Reference bits as a plain array, set by the references that
    /// `load` and `hit` make, as the replay driver sets them.
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

    fn load(nfu: &mut Nfu, bits: &mut Bits, frame: FrameIdx) {
        nfu.on_load(frame, 100 + frame as PageKey, false);
        bits.0[frame] = true;
    }

    fn hit(nfu: &mut Nfu, bits: &mut Bits, frame: FrameIdx) {
        nfu.on_hit(frame, false);
        bits.0[frame] = true;
    }

    #[test]
    fn samples_add_reference_bits() {
        let mut nfu = Nfu::new(3, 1);
        let mut bits = Bits(vec![false; 3]);
        for frame in 0..3 {
            load(&mut nfu, &mut bits, frame);
        }
        bits.0[1] = false;
        nfu.on_timer(&mut bits);
        assert_eq!(nfu.counter, vec![1, 0, 1]);
        hit(&mut nfu, &mut bits, 0);
        nfu.on_timer(&mut bits);
        assert_eq!(nfu.counter, vec![2, 0, 1]);
        assert_eq!(bits.0, vec![false; 3]);
        assert_eq!(nfu.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn ties_go_to_lowest_frame() {
        let mut nfu = Nfu::new(3, 1);
        let mut bits = Bits(vec![false; 3]);
        for frame in 0..3 {
            load(&mut nfu, &mut bits, frame);
        }
        nfu.on_timer(&mut bits);
        assert_eq!(nfu.choose_victim(&mut NoBits), 0);
        hit(&mut nfu, &mut bits, 0);
        nfu.on_timer(&mut bits);
        assert_eq!(nfu.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn free_frames_are_not_sampled() {
        let mut nfu = Nfu::new(2, 1);
        let mut bits = Bits(vec![false; 2]);
        load(&mut nfu, &mut bits, 0);
        load(&mut nfu, &mut bits, 1);
        nfu.on_free(1);
        nfu.on_timer(&mut bits);
        assert_eq!(nfu.counter[0], 1);
        assert_eq!(bits.0, vec![false, true]);
    }

    #[test]
    fn reload_restarts_counter() {
        let mut nfu = Nfu::new(1, 1);
        let mut bits = Bits(vec![false]);
        load(&mut nfu, &mut bits, 0);
        nfu.on_timer(&mut bits);
        nfu.on_free(0);
        nfu.on_load(0, 6, false);
        assert_eq!(nfu.counter, vec![0]);
        assert_eq!(nfu.timer_interval(), Some(1));
    }

    #[test]
    fn victim_is_occupied_when_some_frames_are_free() {
        let mut nfu = Nfu::new(8, 2);
        let mut bits = Bits(vec![false; 8]);
        // Frames 0, 1, 2 and 6 never hold a page; frame 5 is freed.
        for frame in [3, 4, 5, 7] {
            load(&mut nfu, &mut bits, frame);
        }
        nfu.on_timer(&mut bits);
        hit(&mut nfu, &mut bits, 3);
        nfu.on_timer(&mut bits);
        nfu.on_free(5);
        // Counters: frame 3 has 2, frames 4 and 7 have 1.
        assert_eq!(nfu.choose_victim(&mut NoBits), 4);
        nfu.on_free(4);
        assert_eq!(nfu.choose_victim(&mut NoBits), 7);
        nfu.on_free(7);
        assert_eq!(nfu.choose_victim(&mut NoBits), 3);
    }
}
