//! The frames that NFU and aging must sample at their next timer tick.
//!
//! A sample reads and clears the reference bit of every occupied frame, but
//! it can skip a frame whose page was not referenced since the last sample.
//! That bit is clear, because the last sample cleared it (or the page was
//! loaded since, and `on_load` lists the frame). So the policies list each
//! frame the first time `on_hit` or `on_load` reports it after a sample,
//! and a sample visits the list instead of every frame. This relies on the
//! caller's contract that every reference is reported and that the
//! reference bit is set only by a reference: the replay driver and the
//! VM's MMU both keep it. A sample then reads the same bits and changes
//! the same counters as a visit of every frame, in a different frame order,
//! which does not matter because reading or clearing one frame's bit does
//! not change another's.

use super::FrameIdx;

/// The frames referenced since the last sample, each listed once.
#[derive(Debug, Clone)]
pub(super) struct TouchedFrames {
    /// The listed frames, in the order of their first reference.
    frames: Vec<u32>,
    /// Whether each frame is in `frames`.
    listed: Vec<bool>,
}

impl TouchedFrames {
    /// Creates an empty list for `n_frames` frames.
    pub fn new(n_frames: usize) -> TouchedFrames {
        TouchedFrames {
            frames: Vec::new(),
            listed: vec![false; n_frames],
        }
    }

    /// Lists `frame` unless it is already listed.
    #[inline]
    pub fn touch(&mut self, frame: FrameIdx) {
        if !self.listed[frame] {
            self.listed[frame] = true;
            self.frames.push(frame as u32);
        }
    }

    /// Calls `visit` for every listed frame and empties the list. A frame
    /// may have been freed since it was listed, so `visit` must check that
    /// the frame is still occupied.
    #[inline]
    pub fn drain(&mut self, mut visit: impl FnMut(FrameIdx)) {
        for &frame in &self.frames {
            self.listed[frame as usize] = false;
            visit(frame as FrameIdx);
        }
        self.frames.clear();
    }
}
