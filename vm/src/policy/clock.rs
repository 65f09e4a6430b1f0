//! Clock (second chance): a hand sweeps the frames in ring order and evicts
//! the first page whose reference bit is clear, clearing the bits it passes.
//!
//! Source: Corbató, "A paging experiment with the Multics system", 1968;
//! described as the clock algorithm in Tanenbaum, Modern Operating Systems,
//! section 3.4.5. Not a stack
//! algorithm. When every resident page is referenced, the hand clears them
//! all and comes back to where it started, so clock degenerates to FIFO.
//! Cost: O(1) per hit, O(k) worst case per fault with k frames.
//!
//! The policy reads the reference bits but does not set them. Their owner
//! (the MMU in the VM, the replay driver in replay) sets them on every
//! reference, including the faulting reference after the page is loaded.
//!
//! Parameter `new_ref` (default 1) sets the reference bit a newly loaded
//! page starts with. With 1 the policy takes the bits as they are, which is
//! the hardware convention: the MMU sets the accessed bit when the faulting
//! access is retried. With 0 the policy remembers the frames loaded since
//! their last hit and treats them as unreferenced, as the worked examples
//! of several textbooks do. On the Silberschatz string
//! `7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1` with 3 frames, `new_ref=1`
//! gives 14 faults and `new_ref=0` gives 11.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The textbook clock over frames `0..n_frames` in ring order.
///
/// While memory fills, the caller uses frames in increasing order and the
/// hand stays at frame 0. At a fault with every frame occupied the hand
/// clears and passes referenced frames, stops at the first unreferenced
/// one, and moves one frame past it, so the next sweep starts after the
/// page just loaded.
#[derive(Debug, Clone)]
pub struct Clock {
    /// The number of frames in the ring.
    n_frames: usize,
    /// The frame the next sweep starts at.
    hand: FrameIdx,
    /// Whether a newly loaded page counts as referenced (`new_ref=1`).
    new_ref: bool,
    /// Per frame: loaded and not hit since, so its reference bit is
    /// ignored. Only set when `new_ref` is false.
    unreferenced_since_load: Vec<bool>,
    /// Per frame: whether it contains a page. The hand skips free frames.
    occupied: Vec<bool>,
    /// The number of occupied frames.
    occupied_count: usize,
}

impl Clock {
    /// Creates the policy for `n_frames` frames, all free, with the hand at
    /// frame 0. `new_ref` is the reference bit a newly loaded page starts with.
    pub fn new(n_frames: usize, new_ref: bool) -> Clock {
        Clock {
            n_frames,
            hand: 0,
            new_ref,
            unreferenced_since_load: vec![false; if new_ref { 0 } else { n_frames }],
            occupied: vec![false; n_frames],
            occupied_count: 0,
        }
    }

    /// Returns whether the page in `frame` counts as referenced.
    fn is_referenced(&self, bits: &dyn ReferenceBits, frame: FrameIdx) -> bool {
        let fresh = !self.new_ref && self.unreferenced_since_load[frame];
        !fresh && bits.is_referenced(frame)
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

    // The owner of the reference bit sets it; with `new_ref=0` a hit also
    // ends the page's unreferenced start.
    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        if !self.new_ref {
            self.unreferenced_since_load[frame] = false;
        }
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        if !self.new_ref {
            self.unreferenced_since_load[frame] = true;
        }
        if !self.occupied[frame] {
            self.occupied[frame] = true;
            self.occupied_count += 1;
        }
    }

    // A freed frame keeps its ring position, and the hand skips it until a
    // page is loaded into it again.
    fn on_free(&mut self, frame: FrameIdx) {
        if !self.new_ref {
            self.unreferenced_since_load[frame] = false;
        }
        if self.occupied[frame] {
            self.occupied[frame] = false;
            self.occupied_count -= 1;
        }
    }

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.occupied_count > 0,
            "choose_victim is called only while at least one frame is occupied"
        );

        // Give each referenced page a second chance, passing over free
        // frames. After one full turn every bit the hand passed is clear, so
        // the hand stops within n_frames + 1 checks of occupied frames. The
        // bound also stops a `ReferenceBits` whose clear has no effect from
        // looping forever, and clock then acts as FIFO.
        let mut passed = 0;
        loop {
            if !self.occupied[self.hand] {
                self.advance();
                continue;
            }
            if passed == self.n_frames || !self.is_referenced(bits, self.hand) {
                break;
            }
            bits.clear_referenced(self.hand);
            self.advance();
            passed += 1;
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

    /// Returns a clock with `n_frames` frames, all occupied.
    fn filled(n_frames: usize) -> Clock {
        let mut clock = Clock::new(n_frames, true);
        for frame in 0..n_frames {
            clock.on_load(frame, frame as PageKey, false);
        }
        clock
    }

    #[test]
    fn unreferenced_frame_at_hand_is_victim() {
        let mut clock = filled(3);
        let mut bits = Bits(vec![false, true, true]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(clock.hand(), 1);
        assert_eq!(bits.0, vec![false, true, true]);
    }

    #[test]
    fn referenced_frames_get_second_chance() {
        let mut clock = filled(4);
        let mut bits = Bits(vec![true, true, false, true]);
        assert_eq!(clock.choose_victim(&mut bits), 2);
        assert_eq!(bits.0, vec![false, false, false, true]);
        assert_eq!(clock.hand(), 3);
    }

    #[test]
    fn all_referenced_evicts_frame_at_hand() {
        let mut clock = filled(3);
        let mut bits = Bits(vec![true; 3]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![false; 3]);
        assert_eq!(clock.hand(), 1);
    }

    #[test]
    fn hand_wraps_past_last_frame() {
        let mut clock = filled(3);
        let mut bits = Bits(vec![false, false, false]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(clock.choose_victim(&mut bits), 1);
        assert_eq!(clock.choose_victim(&mut bits), 2);
        assert_eq!(clock.hand(), 0);

        // From frame 2 a sweep wraps around to find frame 0.
        let mut clock = filled(3);
        clock.hand = 2;
        let mut bits = Bits(vec![false, true, true]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![false, true, false]);
        assert_eq!(clock.hand(), 1);
    }

    #[test]
    fn one_frame() {
        let mut clock = filled(1);
        let mut bits = Bits(vec![true]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![false]);
        assert_eq!(clock.hand(), 0);
    }

    #[test]
    fn stuck_bits_fall_back_to_hand() {
        let mut clock = filled(3);
        clock.hand = 1;
        assert_eq!(clock.choose_victim(&mut StuckBits), 1);
        assert_eq!(clock.hand(), 2);
    }

    #[test]
    fn hand_skips_free_frames() {
        let mut clock = filled(4);
        clock.on_free(0);
        clock.on_free(2);
        // Frame 1 is referenced and gets its second chance; the free frames
        // are passed without a look at their bits.
        let mut bits = Bits(vec![false, true, false, false]);
        assert_eq!(clock.choose_victim(&mut bits), 3);
        assert_eq!(bits.0, vec![false, false, false, false]);
        assert_eq!(clock.hand(), 0);
        assert_eq!(clock.choose_victim(&mut bits), 1);
    }

    #[test]
    fn freeing_frame_keeps_hand() {
        let mut clock = filled(3);
        clock.hand = 2;
        clock.on_free(0);
        clock.on_load(0, 4, false);
        assert_eq!(clock.hand(), 2);
    }

    #[test]
    fn new_ref_zero_ignores_bit_until_hit() {
        let mut clock = Clock::new(3, false);
        for frame in 0..3 {
            clock.on_load(frame, frame as PageKey, false);
        }
        clock.on_hit(0, false);
        // Every bit is set, as the MMU leaves it, but only frame 0 was hit.
        let mut bits = Bits(vec![true; 3]);
        assert_eq!(clock.choose_victim(&mut bits), 1);
        assert_eq!(bits.0, vec![false, true, true]);
        assert_eq!(clock.hand(), 2);
    }

    #[test]
    fn new_ref_zero_restarts_on_reload() {
        let mut clock = Clock::new(2, false);
        clock.on_load(0, 1, false);
        clock.on_load(1, 2, false);
        clock.on_hit(0, false);
        clock.on_hit(1, false);
        clock.on_free(0);
        clock.on_load(0, 3, false);
        // Frame 0 contains a page loaded after its hit, so its set bit is ignored.
        let mut bits = Bits(vec![true, true]);
        assert_eq!(clock.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![true, true]);
    }
}
