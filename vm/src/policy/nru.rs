//! NRU as the enhanced second-chance (enhanced clock) algorithm: evict from
//! the lowest non-empty class of (referenced, modified) pages, scanning the
//! frames in ring order from a hand.
//!
//! Source: Stallings, Operating Systems: Internals and Design Principles,
//! the four-step clock with use and modify bits; Silberschatz, Operating
//! System Concepts, "enhanced second-chance algorithm", which ranks the
//! classes (0,0) < (0,1) < (1,0) < (1,1). This file implements the
//! Stallings steps, which make the choice deterministic:
//!
//! 1. From the hand, look at every frame once for a page with R = 0 and
//!    M = 0, changing no bit. The first one found is the victim.
//! 2. Otherwise look at every frame once more for R = 0 and M = 1,
//!    clearing the reference bit of each frame passed over. The first one
//!    found is the victim.
//! 3. Otherwise every reference bit is now clear: repeat step 1, then
//!    step 2, which is certain to find a victim.
//!
//! The hand then points to the frame after the victim. Tanenbaum's NRU
//! (Modern Operating Systems, section 3.4.2) differs: it picks a page at
//! random within the lowest class and clears R on every clock interrupt.
//! pagelab's variant clears R only while scanning, so the victim is the
//! first frame of the lowest non-empty class in ring order from the hand,
//! where the classes are those at the start of each step.
//!
//! The modified bit is the page's dirty bit; it stays set until the page
//! is evicted (and written back). A newly loaded page is referenced, as
//! the MMU sets the bit on the faulting access. Not a stack algorithm.
//! Cost: O(1) per hit, at most 4k frame checks per fault with k frames.
//! No parameters.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The enhanced clock over frames `0..n_frames` in ring order.
#[derive(Debug, Clone)]
pub struct Nru {
    /// The number of frames in the ring.
    n_frames: usize,
    /// The frame the next scan starts at.
    hand: FrameIdx,
}

impl Nru {
    /// Creates the policy for `n_frames` frames, all free, with the hand at frame 0.
    pub fn new(n_frames: usize) -> Nru {
        Nru { n_frames, hand: 0 }
    }

    /// Returns the frame the next scan starts at.
    pub fn hand(&self) -> FrameIdx {
        self.hand
    }

    /// Scans one full turn from the hand for an unreferenced page that is
    /// dirty (`dirty`) or clean, clearing the reference bits it passes
    /// when `clear` is set. Leaves the hand after the page found.
    fn scan(&mut self, bits: &mut dyn ReferenceBits, dirty: bool, clear: bool) -> Option<FrameIdx> {
        for _ in 0..self.n_frames {
            let frame = self.hand;
            self.hand = (self.hand + 1) % self.n_frames;
            if !bits.is_referenced(frame) && bits.is_dirty(frame) == dirty {
                return Some(frame);
            }
            if clear {
                bits.clear_referenced(frame);
            }
        }
        None
    }
}

impl ReplacementPolicy for Nru {
    fn name(&self) -> &str {
        "nru"
    }

    // The bits' owner sets R and M; the policy keeps no per-page state.
    fn on_hit(&mut self, _frame: FrameIdx, _write: bool) {}

    fn on_load(&mut self, _frame: FrameIdx, _page: PageKey, _write: bool) {}

    fn on_free(&mut self, _frame: FrameIdx) {}

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.n_frames > 0,
            "choose_victim is called only when every frame is occupied, so at least one exists"
        );
        for _ in 0..2 {
            if let Some(frame) = self.scan(bits, false, false) {
                return frame;
            }
            if let Some(frame) = self.scan(bits, true, true) {
                return frame;
            }
        }
        // Only reference bits whose clear has no effect get here: fall back
        // to the frame at the hand, as clock does.
        let victim = self.hand;
        self.hand = (self.hand + 1) % self.n_frames;
        victim
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference and dirty bits as plain arrays.
    struct Bits {
        referenced: Vec<bool>,
        dirty: Vec<bool>,
    }

    impl ReferenceBits for Bits {
        fn is_referenced(&self, frame: FrameIdx) -> bool {
            self.referenced[frame]
        }
        fn clear_referenced(&mut self, frame: FrameIdx) {
            self.referenced[frame] = false;
        }
        fn is_dirty(&self, frame: FrameIdx) -> bool {
            self.dirty[frame]
        }
    }

    fn bits(referenced: &[bool], dirty: &[bool]) -> Bits {
        Bits {
            referenced: referenced.to_vec(),
            dirty: dirty.to_vec(),
        }
    }

    #[test]
    fn clean_unreferenced_beats_earlier_dirty() {
        let mut nru = Nru::new(4);
        let mut bits = bits(&[false, true, false, true], &[true, false, false, false]);
        assert_eq!(nru.choose_victim(&mut bits), 2);
        assert_eq!(nru.hand(), 3);
        // Step 1 changes no bit.
        assert_eq!(bits.referenced, vec![false, true, false, true]);
    }

    #[test]
    fn dirty_unreferenced_clears_bits_passed() {
        let mut nru = Nru::new(4);
        nru.hand = 1;
        let mut bits = bits(&[true, true, false, true], &[true, false, true, false]);
        assert_eq!(nru.choose_victim(&mut bits), 2);
        assert_eq!(bits.referenced, vec![true, false, false, true]);
        assert_eq!(nru.hand(), 3);
    }

    #[test]
    fn all_referenced_takes_first_clean_after_clearing() {
        let mut nru = Nru::new(3);
        let mut bits = bits(&[true; 3], &[true, false, true]);
        assert_eq!(nru.choose_victim(&mut bits), 1);
        assert_eq!(bits.referenced, vec![false; 3]);
        assert_eq!(nru.hand(), 2);
    }

    #[test]
    fn all_referenced_and_dirty_takes_hand() {
        let mut nru = Nru::new(3);
        nru.hand = 2;
        let mut bits = bits(&[true; 3], &[true; 3]);
        assert_eq!(nru.choose_victim(&mut bits), 2);
        assert_eq!(nru.hand(), 0);
    }
}
