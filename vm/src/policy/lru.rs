//! LRU: evict the page whose most recent reference is the oldest.
//!
//! Source: Mattson, Gecsei, Slutz and Traiger, "Evaluation techniques for
//! storage hierarchies", IBM Systems Journal 9(2), 1970. A stack algorithm:
//! the pages resident with k frames are always resident with k + 1 frames,
//! so more frames never mean more faults.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// Marks the end of the recency list in `prev` and `next`.
const NIL: FrameIdx = FrameIdx::MAX;

/// Exact least-recently-used replacement, O(1) per reference.
///
/// The occupied frames form a doubly linked list in recency order, stored
/// in two arrays indexed by frame (no hashing, no allocation after
/// construction). The head is the most recently referenced frame and the
/// tail is the victim.
#[derive(Debug, Clone)]
pub struct Lru {
    /// The next more recently referenced frame, or `NIL` at the head.
    prev: Vec<FrameIdx>,
    /// The next less recently referenced frame, or `NIL` at the tail.
    next: Vec<FrameIdx>,
    /// Whether each frame is in the list (occupied).
    linked: Vec<bool>,
    /// The most recently referenced frame, or `NIL` when no frame is occupied.
    head: FrameIdx,
    /// The least recently referenced frame, or `NIL` when no frame is occupied.
    tail: FrameIdx,
}

impl Lru {
    /// Creates the policy for `n_frames` frames, all free.
    pub fn new(n_frames: usize) -> Lru {
        Lru {
            prev: vec![NIL; n_frames],
            next: vec![NIL; n_frames],
            linked: vec![false; n_frames],
            head: NIL,
            tail: NIL,
        }
    }

    /// Removes `frame` from the list; does nothing if it is not in it.
    fn unlink(&mut self, frame: FrameIdx) {
        if !self.linked[frame] {
            return;
        }
        let (before, after) = (self.prev[frame], self.next[frame]);
        if before == NIL {
            self.head = after;
        } else {
            self.next[before] = after;
        }
        if after == NIL {
            self.tail = before;
        } else {
            self.prev[after] = before;
        }
        self.prev[frame] = NIL;
        self.next[frame] = NIL;
        self.linked[frame] = false;
    }

    /// Inserts the unlinked `frame` at the head, as the most recent.
    fn push_front(&mut self, frame: FrameIdx) {
        self.prev[frame] = NIL;
        self.next[frame] = self.head;
        if self.head == NIL {
            self.tail = frame;
        } else {
            self.prev[self.head] = frame;
        }
        self.head = frame;
        self.linked[frame] = true;
    }

    /// Returns the occupied frames from most to least recently referenced.
    #[cfg(test)]
    fn recency_order(&self) -> Vec<FrameIdx> {
        let mut order = Vec::new();
        let mut frame = self.head;
        while frame != NIL {
            order.push(frame);
            frame = self.next[frame];
        }
        order
    }
}

impl ReplacementPolicy for Lru {
    fn name(&self) -> &str {
        "lru"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        // Repeated references to one page are common (a loop over one
        // page), and need no list surgery.
        if frame == self.head {
            return;
        }
        self.unlink(frame);
        self.push_front(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        // A contract-following caller loads only free frames; unlinking
        // first keeps the list consistent even if it does not.
        self.unlink(frame);
        self.push_front(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.unlink(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.tail != NIL,
            "choose_victim is called only when every frame is occupied"
        );
        self.tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::policy::test_support::NoBits;

    fn filled(n_frames: usize) -> Lru {
        let mut lru = Lru::new(n_frames);
        for frame in 0..n_frames {
            lru.on_load(frame, frame as PageKey, false);
        }
        lru
    }

    #[test]
    fn victim_is_least_recent() {
        let mut lru = filled(3);
        assert_eq!(lru.choose_victim(&mut NoBits), 0);
        lru.on_hit(0, false);
        assert_eq!(lru.choose_victim(&mut NoBits), 1);
        assert_eq!(lru.recency_order(), vec![0, 2, 1]);
    }

    #[test]
    fn hit_on_head_changes_nothing() {
        let mut lru = filled(3);
        lru.on_hit(2, true);
        assert_eq!(lru.recency_order(), vec![2, 1, 0]);
    }

    #[test]
    fn hit_on_tail_moves_it_to_head() {
        let mut lru = filled(3);
        lru.on_hit(0, false);
        assert_eq!(lru.recency_order(), vec![0, 2, 1]);
        assert_eq!(lru.tail, 1);
    }

    #[test]
    fn freeing_middle_frame_relinks_neighbours() {
        let mut lru = filled(3);
        lru.on_free(1);
        assert_eq!(lru.recency_order(), vec![2, 0]);
        lru.on_load(1, 9, false);
        assert_eq!(lru.recency_order(), vec![1, 2, 0]);
        assert_eq!(lru.choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn freeing_head_and_tail() {
        let mut lru = filled(3);
        lru.on_free(2);
        assert_eq!(lru.recency_order(), vec![1, 0]);
        lru.on_free(0);
        assert_eq!(lru.recency_order(), vec![1]);
        lru.on_free(1);
        assert_eq!(lru.recency_order(), Vec::<FrameIdx>::new());
        assert_eq!((lru.head, lru.tail), (NIL, NIL));
    }

    #[test]
    fn freeing_free_frame_is_harmless() {
        let mut lru = filled(2);
        lru.on_free(1);
        lru.on_free(1);
        assert_eq!(lru.recency_order(), vec![0]);
    }

    #[test]
    fn one_frame() {
        let mut lru = filled(1);
        lru.on_hit(0, false);
        assert_eq!(lru.choose_victim(&mut NoBits), 0);
        lru.on_free(0);
        lru.on_load(0, 5, true);
        assert_eq!(lru.choose_victim(&mut NoBits), 0);
    }
}
