//! SIEVE: a FIFO queue with a visited bit per page and a hand that moves
//! from the oldest page towards the newest, evicting the first unvisited
//! page and clearing the visited bits it passes.
//!
//! Source: Zhang, Yang, Yue, Vigfusson and Rashmi, "SIEVE is simpler than
//! LRU: an efficient turn-key eviction algorithm for web caches",
//! NSDI 2024, Algorithm 1. Not a stack algorithm.
//!
//! Unlike clock, a page the hand spares stays where it is in the queue, and
//! a new page always goes to the head; only the hand moves. The visited bit
//! is the policy's own state, set by `on_hit`, not the hardware reference
//! bit, so the faulting reference does not set it: a new page starts
//! unvisited, as in the paper. No parameters.
//!
//! Cost: O(1) per hit; O(1) amortised per fault (the hand clears at most
//! one bit per hit since it last passed), O(n_frames) at worst.

use super::list::{Links, List, NIL};
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// SIEVE over frame indices.
#[derive(Debug, Clone)]
pub struct Sieve {
    links: Links,
    /// The queue, newest page at the front (head), oldest at the back (tail).
    queue: List,
    /// Whether each frame is in the queue.
    queued: Vec<bool>,
    visited: Vec<bool>,
    /// The frame the next sweep starts at, or `NIL` to start at the tail.
    hand: usize,
}

impl Sieve {
    /// Creates the policy for `n_frames` frames, all free, with no hand.
    pub fn new(n_frames: usize) -> Sieve {
        Sieve {
            links: Links::new(n_frames),
            queue: List::new(),
            queued: vec![false; n_frames],
            visited: vec![false; n_frames],
            hand: NIL,
        }
    }

    /// Returns the frame before `frame` (towards the head), wrapping from
    /// the head to the tail.
    fn towards_head(&self, frame: FrameIdx) -> FrameIdx {
        match self.links.prev(frame) {
            NIL => self.queue.back().expect("the queue holds `frame`"),
            before => before,
        }
    }
}

impl ReplacementPolicy for Sieve {
    fn name(&self) -> &str {
        "sieve"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.visited[frame] = true;
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        if self.queued[frame] {
            self.on_free(frame);
        }
        self.queue.push_front(&mut self.links, frame);
        self.queued[frame] = true;
        self.visited[frame] = false;
    }

    fn on_free(&mut self, frame: FrameIdx) {
        if !self.queued[frame] {
            return;
        }
        // A frame freed under the hand (the VM frees frames when a process
        // exits) hands over to its neighbour, as an eviction would.
        if self.hand == frame {
            self.hand = self.links.prev(frame);
        }
        self.queue.remove(&mut self.links, frame);
        self.queued[frame] = false;
        self.visited[frame] = false;
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        let tail = self
            .queue
            .back()
            .expect("choose_victim is called only when every frame is occupied");
        let mut frame = if self.hand == NIL { tail } else { self.hand };

        // Every bit the hand passes is cleared, so it stops within one turn.
        while self.visited[frame] {
            self.visited[frame] = false;
            frame = self.towards_head(frame);
        }
        self.hand = self.links.prev(frame);
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    /// Loads frames 0..n in order, so frame 0 is the tail and n−1 the head.
    fn filled(n_frames: usize) -> Sieve {
        let mut sieve = Sieve::new(n_frames);
        for frame in 0..n_frames {
            sieve.on_load(frame, frame as PageKey, false);
        }
        sieve
    }

    /// Evicts the chosen frame and loads a new page into it, as a caller would.
    fn replace(sieve: &mut Sieve) -> FrameIdx {
        let victim = sieve.choose_victim(&mut NoBits);
        sieve.on_free(victim);
        sieve.on_load(victim, 100, false);
        victim
    }

    #[test]
    fn unvisited_tail_is_victim() {
        let mut sieve = filled(3);
        assert_eq!(replace(&mut sieve), 0);
        assert_eq!(sieve.queue.to_vec(&sieve.links), vec![0, 2, 1]);
        assert_eq!(sieve.hand, 1);
    }

    #[test]
    fn visited_pages_stay_in_place() {
        let mut sieve = filled(4);
        sieve.on_hit(0, false);
        sieve.on_hit(1, false);
        assert_eq!(replace(&mut sieve), 2);
        // Frames 0 and 1 keep their positions with their bits cleared, and
        // the hand rests at frame 3, just before the victim.
        assert_eq!(sieve.queue.to_vec(&sieve.links), vec![2, 3, 1, 0]);
        assert_eq!(sieve.visited, vec![false; 4]);
        assert_eq!(sieve.hand, 3);
        assert_eq!(replace(&mut sieve), 3);
        assert_eq!(sieve.hand, 2);
    }

    #[test]
    fn all_visited_wraps_to_tail() {
        let mut sieve = filled(3);
        for frame in 0..3 {
            sieve.on_hit(frame, false);
        }
        assert_eq!(replace(&mut sieve), 0);
        assert_eq!(sieve.visited, vec![false; 3]);
        assert_eq!(sieve.hand, 1);
    }

    #[test]
    fn hand_at_head_wraps_to_tail() {
        let mut sieve = filled(3);
        sieve.on_hit(0, false);
        sieve.on_hit(1, false);
        // Frame 2, the head, goes; the hand then starts over at the tail.
        assert_eq!(replace(&mut sieve), 2);
        assert_eq!(sieve.hand, NIL);
        assert_eq!(replace(&mut sieve), 0);
    }

    #[test]
    fn freeing_frame_under_hand_moves_hand() {
        let mut sieve = filled(4);
        sieve.on_hit(0, false);
        assert_eq!(replace(&mut sieve), 1);
        assert_eq!(sieve.hand, 2);
        sieve.on_free(2);
        assert_eq!(sieve.hand, 3);
        sieve.on_load(2, 7, false);
        assert_eq!(sieve.choose_victim(&mut NoBits), 3);
    }

    #[test]
    fn one_frame() {
        let mut sieve = filled(1);
        sieve.on_hit(0, false);
        assert_eq!(replace(&mut sieve), 0);
        assert_eq!(replace(&mut sieve), 0);
    }
}
