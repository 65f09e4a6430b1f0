//! FIFO: evict the page that was loaded longest ago; hits change nothing.
//!
//! Source: Belady, Nelson and Shedler, "An anomaly in space-time
//! characteristics of certain programs running in a paging machine",
//! CACM 12(6), 1969. Not a stack algorithm: more frames can mean more faults.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};
use std::collections::VecDeque;

/// First-in, first-out replacement. O(1) per reference; a freed frame is
/// removed from the queue in O(n_frames).
#[derive(Debug, Clone)]
pub struct Fifo {
    /// Occupied frames, oldest load first.
    queue: VecDeque<FrameIdx>,
}

impl Fifo {
    /// Creates the policy for `n_frames` frames, all free.
    pub fn new(n_frames: usize) -> Fifo {
        Fifo {
            queue: VecDeque::with_capacity(n_frames),
        }
    }
}

impl ReplacementPolicy for Fifo {
    fn name(&self) -> &str {
        "fifo"
    }

    fn on_hit(&mut self, _frame: FrameIdx, _write: bool) {}

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.queue.push_back(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        // The victim is nearly always the head, so check it first.
        if self.queue.front() == Some(&frame) {
            self.queue.pop_front();
        } else if let Some(position) = self.queue.iter().position(|&f| f == frame) {
            self.queue.remove(position);
        }
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        *self
            .queue
            .front()
            .expect("choose_victim is called only when every frame is occupied")
    }
}
