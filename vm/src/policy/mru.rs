//! MRU: evict the page whose most recent reference is the newest.
//!
//! Source: Mattson, Gecsei, Slutz and Traiger, "Evaluation techniques for
//! storage hierarchies", IBM Systems Journal 9(2), 1970, where MRU is one
//! of the priority (stack) algorithms; Arpaci-Dusseau, Operating Systems:
//! Three Easy Pieces, whose `paging-policy.py` simulator implements it. MRU
//! suits cyclic scans longer than memory and little else.
//!
//! A stack algorithm: the priority (recency) does not depend on the frame
//! count, so the pages resident with k frames are resident with k + 1.
//! Cost: O(1) per reference. No parameters and no ties: every resident
//! page has a distinct time of last reference.

use super::frame_list::FrameList;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// Most-recently-used replacement over a recency list of frames.
#[derive(Debug, Clone)]
pub struct Mru {
    /// Occupied frames, least recently referenced at the front.
    recency: FrameList,
}

impl Mru {
    /// Creates the policy for `n_frames` frames, all free.
    pub fn new(n_frames: usize) -> Mru {
        Mru {
            recency: FrameList::new(n_frames),
        }
    }
}

impl ReplacementPolicy for Mru {
    fn name(&self) -> &str {
        "mru"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.recency.push_back(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.recency.push_back(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.recency.unlink(frame);
    }

    // The page being loaded is not resident yet, so the most recent
    // resident page is the one referenced just before the fault.
    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        self.recency
            .back()
            .expect("choose_victim is called only when every frame is occupied")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    #[test]
    fn victim_is_most_recent() {
        let mut mru = Mru::new(3);
        mru.on_load(0, 10, false);
        mru.on_load(1, 11, false);
        mru.on_load(2, 12, false);
        assert_eq!(mru.choose_victim(&mut NoBits), 2);
        mru.on_hit(0, false);
        assert_eq!(mru.choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn reloaded_frame_becomes_most_recent() {
        let mut mru = Mru::new(2);
        mru.on_load(0, 10, false);
        mru.on_load(1, 11, false);
        mru.on_free(1);
        mru.on_load(1, 12, false);
        mru.on_hit(0, true);
        assert_eq!(mru.choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn one_frame() {
        let mut mru = Mru::new(1);
        mru.on_load(0, 10, false);
        assert_eq!(mru.choose_victim(&mut NoBits), 0);
    }
}
