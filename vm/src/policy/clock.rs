//! Clock (second chance): a hand sweeps the frames in ring order and evicts
//! the first page whose reference bit is clear, clearing the bits it passes.
//!
//! Source: Corbató, "A paging experiment with the Multics system", 1968;
//! described as the clock algorithm in Tanenbaum, Modern Operating Systems,
//! section 3.4.5. Not a stack
//! algorithm. When every resident page is referenced, the hand clears them
//! all and comes back to where it started, so clock degenerates to FIFO.
//!
//! The policy reads the reference bits but does not set them. Their owner
//! (the MMU in the VM, the replay driver in replay) sets them on every
//! reference, including the faulting reference after the page is loaded,
//! so a newly loaded page starts referenced. This
//! is the hardware convention (the MMU sets the accessed bit when the
//! faulting access is retried) and gives 14 faults on the Silberschatz
//! string `7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1` with 3 frames; worked
//! examples that start new pages unreferenced get 11.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The textbook clock over frames `0..n_frames` in ring order.
///
/// While memory fills, the caller uses frames in increasing order and the
/// hand stays at frame 0. At a fault with every frame occupied the hand
/// clears and passes referenced frames, stops at the first unreferenced
/// one, and moves one frame past it, so the next sweep starts after the
/// page just loaded.
// NOTE: parameters of the policy (such as the reference bit of a newly
// loaded page, which would need `on_load` to remember frames whose bit the
// faulting access set) belong in this struct and in `Clock::new`.
#[derive(Debug, Clone)]
pub struct Clock {
    /// The number of frames in the ring.
    n_frames: usize,
    /// The frame the next sweep starts at.
    hand: FrameIdx,
}

impl Clock {
    /// Creates the policy for `n_frames` frames, all free, with the hand at frame 0.
    pub fn new(n_frames: usize) -> Clock {
        Clock { n_frames, hand: 0 }
    }

    /// Returns the frame the next sweep starts at.
    pub fn hand(&self) -> FrameIdx {
        self.hand
    }

    fn advance(&mut self) {
        self.hand = (self.hand + 1) % self.n_frames;
    }
}

impl ReplacementPolicy for Clock {
    fn name(&self) -> &str {
        "clock"
    }

    // The reference bit is the only state a hit changes, and its owner sets it.
    fn on_hit(&mut self, _frame: FrameIdx, _write: bool) {}

    fn on_load(&mut self, _frame: FrameIdx, _page: PageKey, _write: bool) {}

    // A freed frame leaves the ring position where it is: the caller refills
    // it before any other victim is chosen, because victims are chosen only
    // when every frame is occupied.
    fn on_free(&mut self, _frame: FrameIdx) {}

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.n_frames > 0,
            "choose_victim is called only when every frame is occupied, so at least one exists"
        );

        // Give each referenced page a second chance. After one full turn
        // every bit the hand passed is clear, so the hand stops within
        // n_frames + 1 checks. The bound also stops a `ReferenceBits` whose
        // clear has no effect from looping forever, and clock then acts as FIFO.
        for _ in 0..self.n_frames {
            if !bits.is_referenced(self.hand) {
                break;
            }
            bits.clear_referenced(self.hand);
            self.advance();
        }

        let victim = self.hand;
        self.advance();
        victim
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference bits as a plain array.
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

    /// Bits whose clear does nothing, as a broken owner would behave.
    struct StuckBits;

    impl ReferenceBits for StuckBits {
        fn is_referenced(&self, _frame: FrameIdx) -> bool {
            true
        }
        fn clear_referenced(&mut self, _frame: FrameIdx) {}
        fn is_dirty(&self, _frame: FrameIdx) -> bool {
            false
        }
    }

    #[test]
    fn unreferenced_frame_at_hand_is_victim() {
        let mut clock = Clock::new(3);
        let mut bits = Bits(vec![false, true, true]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(clock.hand(), 1);
        assert_eq!(bits.0, vec![false, true, true]);
    }

    #[test]
    fn referenced_frames_get_second_chance() {
        let mut clock = Clock::new(4);
        let mut bits = Bits(vec![true, true, false, true]);
        assert_eq!(clock.choose_victim(&mut bits), 2);
        assert_eq!(bits.0, vec![false, false, false, true]);
        assert_eq!(clock.hand(), 3);
    }

    #[test]
    fn all_referenced_evicts_frame_at_hand() {
        let mut clock = Clock::new(3);
        let mut bits = Bits(vec![true; 3]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![false; 3]);
        assert_eq!(clock.hand(), 1);
    }

    #[test]
    fn hand_wraps_past_last_frame() {
        let mut clock = Clock::new(3);
        let mut bits = Bits(vec![false, false, false]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(clock.choose_victim(&mut bits), 1);
        assert_eq!(clock.choose_victim(&mut bits), 2);
        assert_eq!(clock.hand(), 0);

        // From frame 2 a sweep wraps around to find frame 0.
        let mut clock = Clock::new(3);
        clock.hand = 2;
        let mut bits = Bits(vec![false, true, true]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![false, true, false]);
        assert_eq!(clock.hand(), 1);
    }

    #[test]
    fn one_frame() {
        let mut clock = Clock::new(1);
        let mut bits = Bits(vec![true]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![false]);
        assert_eq!(clock.hand(), 0);
    }

    #[test]
    fn stuck_bits_fall_back_to_hand() {
        let mut clock = Clock::new(3);
        clock.hand = 1;
        assert_eq!(clock.choose_victim(&mut StuckBits), 1);
        assert_eq!(clock.hand(), 2);
    }

    #[test]
    fn freeing_frame_keeps_hand() {
        let mut clock = Clock::new(3);
        clock.hand = 2;
        clock.on_free(0);
        clock.on_load(0, 4, false);
        assert_eq!(clock.hand(), 2);
    }
}
