//! The per-frame software counters that NFU and aging keep, sampled from
//! the reference bits every `interval` references. The two policies differ
//! only in how a sample updates a counter.

use super::{FrameIdx, ReferenceBits};

/// A counter per frame, sampled periodically; the victim is the occupied
/// frame with the smallest counter, the lowest-numbered one on a tie.
#[derive(Debug, Clone)]
pub(super) struct SampledCounters {
    /// References between samples, at least 1.
    pub interval: u64,
    /// The counter of each frame's page.
    pub counter: Vec<u64>,
    /// Whether each frame is occupied.
    pub occupied: Vec<bool>,
}

impl SampledCounters {
    /// Creates counters for `n_frames` free frames, sampled every
    /// `interval` references (at least 1).
    pub fn new(n_frames: usize, interval: u64) -> SampledCounters {
        SampledCounters {
            interval: interval.max(1),
            counter: vec![0; n_frames],
            occupied: vec![false; n_frames],
        }
    }

    /// Starts the counter of a page just loaded into `frame` at 0.
    pub fn load(&mut self, frame: FrameIdx) {
        self.counter[frame] = 0;
        self.occupied[frame] = true;
    }

    /// Marks `frame` free.
    pub fn free(&mut self, frame: FrameIdx) {
        self.occupied[frame] = false;
    }

    /// Returns the frame with the smallest counter, the lowest on a tie.
    pub fn victim(&self) -> FrameIdx {
        (0..self.counter.len())
            .min_by_key(|&frame| (self.counter[frame], frame))
            .expect("choose_victim is called only when every frame is occupied")
    }

    /// Samples every occupied frame: replaces its counter with
    /// `update(counter, referenced)` and clears its reference bit.
    pub fn sample(&mut self, bits: &mut dyn ReferenceBits, update: impl Fn(u64, bool) -> u64) {
        for frame in 0..self.counter.len() {
            if !self.occupied[frame] {
                continue;
            }
            let referenced = bits.is_referenced(frame);
            self.counter[frame] = update(self.counter[frame], referenced);
            if referenced {
                bits.clear_referenced(frame);
            }
        }
    }
}
