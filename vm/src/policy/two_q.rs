//! 2Q, full version: a resident FIFO queue A1in for pages referenced once,
//! a ghost FIFO queue A1out of pages recently paged out of A1in, and a
//! resident LRU list Am for pages referenced again after leaving A1in.
//!
//! Source: Johnson and Shasha, "2Q: a low overhead high performance buffer
//! management replacement algorithm", VLDB 1994, the full version of the
//! algorithm. Not a stack algorithm.
//!
//! Definition, for a reference to page X:
//! - X in Am: move X to the head of Am;
//! - X in A1in: nothing (A1in is a FIFO queue);
//! - X in A1out: remove X from A1out, reclaim a frame, put X at the head
//!   of Am;
//! - otherwise: reclaim a frame and put X at the head of A1in.
//!
//! Reclaiming takes a free frame if there is one. Otherwise, if
//! |A1in| > Kin or Am is empty, the tail page of A1in is paged out and its
//! page goes to the head of A1out, which then drops its tail pages beyond
//! Kout; else the tail page of Am (its LRU page) is paged out and
//! forgotten.
//!
//! Choices the paper leaves open:
//! - Kin = ⌊`kin`·c⌋ and Kout = ⌊`kout`·c⌋ pages, with no minimum: with
//!   few frames Kin can be 0 (A1in gives up a page whenever it has one)
//!   and Kout can be 0 (A1out stays empty).
//! - X is removed from A1out when its reference misses, before the
//!   reclaim, so the reclaim's trim of A1out cannot drop X first.
//! - When Am is empty, A1in gives up its tail page even if it is within
//!   Kin, and the page is remembered in A1out like any page leaving A1in.
//!
//! libCacheSim's `TwoQ` is a different, static-partition variant, so its
//! counts differ from these.
//!
//! Parameters: `kin`, A1in's share of the frames, from 0 to 1, default
//! 0.25; `kout`, A1out's size as a multiple of the frames, from 0 to 4,
//! default 0.5 (both the paper's recommendation).
//!
//! Cost: O(1) per reference, amortised for A1out.

use super::list::{GhostQueue, Links, List};
use super::{FrameIdx, PageKey, Params, PolicyError, ReferenceBits, ReplacementPolicy};

/// The queue that holds a frame's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Free,
    A1in,
    Am,
}

/// 2Q over frame indices.
#[derive(Debug, Clone)]
pub struct TwoQ {
    kin: usize,
    kout: usize,
    links: Links,
    a1in: List,
    am: List,
    a1out: GhostQueue,
    place: Vec<Place>,
    page: Vec<PageKey>,
    /// The page whose miss is being served and whether it was in A1out then.
    pending: Option<(PageKey, bool)>,
}

impl TwoQ {
    /// Creates the policy for `n_frames` frames with Kin = ⌊`kin`·c⌋ and Kout = ⌊`kout`·c⌋.
    pub fn new(n_frames: usize, kin: f64, kout: f64) -> TwoQ {
        TwoQ {
            kin: (kin * n_frames as f64).floor() as usize,
            kout: (kout * n_frames as f64).floor() as usize,
            links: Links::new(n_frames),
            a1in: List::new(),
            am: List::new(),
            a1out: GhostQueue::new(),
            place: vec![Place::Free; n_frames],
            page: vec![0; n_frames],
            pending: None,
        }
    }

    /// Builds the policy from `kin` and `kout` in `params`.
    pub(crate) fn from_params(n_frames: usize, params: &mut Params) -> Result<TwoQ, PolicyError> {
        let kin = params.f64("kin", 0.25, 0.0..=1.0)?;
        let kout = params.f64("kout", 0.5, 0.0..=4.0)?;
        Ok(TwoQ::new(n_frames, kin, kout))
    }

    fn unlink(&mut self, frame: FrameIdx) {
        match self.place[frame] {
            Place::A1in => self.a1in.remove(&mut self.links, frame),
            Place::Am => self.am.remove(&mut self.links, frame),
            Place::Free => {}
        }
        self.place[frame] = Place::Free;
    }

    fn push_am(&mut self, frame: FrameIdx) {
        self.am.push_front(&mut self.links, frame);
        self.place[frame] = Place::Am;
    }
}

impl ReplacementPolicy for TwoQ {
    fn name(&self) -> &str {
        "2q"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        if self.place[frame] == Place::Am {
            self.unlink(frame);
            self.push_am(frame);
        }
    }

    fn on_miss(&mut self, page: PageKey) {
        let was_ghost = self.a1out.remove(page);
        self.pending = Some((page, was_ghost));
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        self.unlink(frame);
        let was_ghost = match self.pending.take() {
            Some((pending, was_ghost)) if pending == page => was_ghost,
            // A caller that skipped `on_miss`: look the page up now.
            _ => self.a1out.remove(page),
        };
        self.page[frame] = page;
        if was_ghost {
            self.push_am(frame);
        } else {
            self.a1in.push_front(&mut self.links, frame);
            self.place[frame] = Place::A1in;
        }
    }

    fn on_free(&mut self, frame: FrameIdx) {
        // A victim has left its list already; any other frame (freed by a
        // process exit in the VM) leaves without entering A1out.
        self.unlink(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        if self.a1in.len() > self.kin || self.am.is_empty() {
            let victim = self
                .a1in
                .back()
                .expect("choose_victim is called only when every frame is occupied");
            self.unlink(victim);
            self.a1out.push_front(self.page[victim]);
            while self.a1out.len() > self.kout {
                self.a1out.pop_back();
            }
            victim
        } else {
            let victim = self.am.back().expect("Am is not empty");
            self.unlink(victim);
            victim
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    /// Serves a miss on `page` as a caller would; returns the victim's page, if any.
    fn miss(two_q: &mut TwoQ, page: PageKey) -> Option<PageKey> {
        two_q.on_miss(page);
        let free = two_q.place.iter().position(|&place| place == Place::Free);
        let (frame, victim) = match free {
            Some(frame) => (frame, None),
            None => {
                let victim = two_q.choose_victim(&mut NoBits);
                two_q.on_free(victim);
                (victim, Some(two_q.page[victim]))
            }
        };
        two_q.on_load(frame, page, false);
        victim
    }

    #[test]
    fn pages_referenced_once_leave_through_a1in() {
        let mut two_q = TwoQ::new(4, 0.25, 0.5);
        for page in 1..=4 {
            miss(&mut two_q, page);
        }
        // Am is empty, so A1in's tail goes and is remembered.
        assert_eq!(miss(&mut two_q, 5), Some(1));
        assert_eq!(miss(&mut two_q, 6), Some(2));
        // Kout = 2: A1out keeps the two newest.
        assert_eq!(miss(&mut two_q, 7), Some(3));
        assert_eq!(two_q.a1out.to_vec(), vec![3, 2]);
    }

    #[test]
    fn a1out_hit_enters_am() {
        let mut two_q = TwoQ::new(2, 0.25, 0.5);
        miss(&mut two_q, 1);
        miss(&mut two_q, 2);
        assert_eq!(miss(&mut two_q, 3), Some(1));
        // 1 is in A1out (Kout = 1): it comes back into Am.
        assert_eq!(miss(&mut two_q, 1), Some(2));
        assert_eq!(two_q.am.len(), 1);
        assert_eq!(two_q.a1out.to_vec(), vec![2]);
        // |A1in| = 1 > Kin = 0, so A1in gives up 3 rather than Am its 1.
        assert_eq!(miss(&mut two_q, 4), Some(3));
    }

    #[test]
    fn am_evicts_its_lru_page_when_a1in_is_within_kin() {
        let mut two_q = TwoQ::new(4, 0.5, 1.0);
        for page in [1, 2, 3, 4, 5, 6, 1, 2] {
            miss(&mut two_q, page);
        }
        // Am = [2, 1] and A1in = [6, 5], which is not above Kin = 2.
        let frame_of_1 = two_q.page.iter().position(|&page| page == 1).unwrap();
        two_q.on_hit(frame_of_1, false);
        assert_eq!(miss(&mut two_q, 7), Some(2));
        assert!(!two_q.a1out.contains(2));
        assert_eq!(two_q.a1out.to_vec(), vec![4, 3]);
    }

    #[test]
    fn hits_in_a1in_change_nothing() {
        let mut two_q = TwoQ::new(3, 0.25, 0.5);
        for page in 1..=3 {
            miss(&mut two_q, page);
        }
        two_q.on_hit(0, false);
        assert_eq!(miss(&mut two_q, 4), Some(1));
    }

    #[test]
    fn one_frame() {
        let mut two_q = TwoQ::new(1, 0.25, 0.5);
        miss(&mut two_q, 1);
        assert_eq!(miss(&mut two_q, 2), Some(1));
        assert_eq!(two_q.a1out.len(), 0);
    }
}
