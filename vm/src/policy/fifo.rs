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

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference bits that FIFO must ignore: every page looks referenced.
    struct AllReferenced;

    impl ReferenceBits for AllReferenced {
        fn is_referenced(&self, _frame: FrameIdx) -> bool {
            true
        }
        fn clear_referenced(&mut self, _frame: FrameIdx) {}
        fn is_dirty(&self, _frame: FrameIdx) -> bool {
            false
        }
    }

    fn filled(n_frames: usize) -> Fifo {
        let mut fifo = Fifo::new(n_frames);
        for frame in 0..n_frames {
            fifo.on_load(frame, frame as PageKey, false);
        }
        fifo
    }

    #[test]
    fn victim_is_oldest_load() {
        let mut fifo = filled(3);
        fifo.on_hit(0, true);
        assert_eq!(fifo.choose_victim(&mut AllReferenced), 0);
        fifo.on_free(0);
        fifo.on_load(0, 7, false);
        assert_eq!(fifo.choose_victim(&mut AllReferenced), 1);
    }

    #[test]
    fn freeing_non_head_frame() {
        let mut fifo = filled(3);
        fifo.on_free(1);
        assert_eq!(fifo.queue, [0, 2]);
        fifo.on_load(1, 9, false);
        assert_eq!(fifo.queue, [0, 2, 1]);
        assert_eq!(fifo.choose_victim(&mut AllReferenced), 0);
    }

    #[test]
    fn freeing_free_frame_is_harmless() {
        let mut fifo = filled(2);
        fifo.on_free(1);
        fifo.on_free(1);
        assert_eq!(fifo.queue, [0]);
    }

    #[test]
    fn one_frame() {
        let mut fifo = filled(1);
        assert_eq!(fifo.choose_victim(&mut AllReferenced), 0);
        fifo.on_free(0);
        fifo.on_load(0, 3, true);
        assert_eq!(fifo.choose_victim(&mut AllReferenced), 0);
    }
}
