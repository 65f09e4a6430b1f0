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
//! Free frames (never loaded, or freed and not reloaded) belong to no
//! class: the hand passes them and they are never the victim.
//!
//! Cost: O(1) per hit. The policy keeps the reference, dirty and occupied
//! bits as bitsets, so a fault costs at most four searches of k/64 words
//! with k frames. Each `clear_referenced` call on top clears a bit that a
//! reference set. When the bits' owner may change them on its own, as the
//! VM's PTEs can, the policy copies them at each fault, O(k). No parameters.

use super::ring_bits::{find_in_ring, for_each_frame, for_each_ring_word, ring_distance, FrameSet};
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The enhanced clock over frames `0..n_frames` in ring order.
#[derive(Debug, Clone)]
pub struct Nru {
    /// The number of frames in the ring.
    n_frames: usize,
    /// The frame the next scan starts at.
    hand: FrameIdx,
    /// Frames that hold a page.
    occupied: FrameSet,
    /// The reference bit of each occupied frame, as the policy last saw it.
    referenced: FrameSet,
    /// The dirty (modified) bit of each occupied frame.
    dirty: FrameSet,
    /// The number of occupied frames in class (R, M) = (0, 0) and in
    /// class (0, 1), so a step whose class is empty costs no search.
    unreferenced: [usize; 2],
}

impl Nru {
    /// Creates the policy for `n_frames` frames, all free, with the hand at frame 0.
    pub fn new(n_frames: usize) -> Nru {
        Nru {
            n_frames,
            hand: 0,
            occupied: FrameSet::new(n_frames),
            referenced: FrameSet::new(n_frames),
            dirty: FrameSet::new(n_frames),
            unreferenced: [0; 2],
        }
    }

    /// Returns the frame the next scan starts at.
    pub fn hand(&self) -> FrameIdx {
        self.hand
    }

    /// Copies the reference and dirty bits of every occupied frame from `bits`.
    fn read_bits(&mut self, bits: &dyn ReferenceBits) {
        self.referenced.clear();
        self.dirty.clear();
        for frame in 0..self.n_frames {
            if self.occupied.contains(frame) {
                self.referenced.assign(frame, bits.is_referenced(frame));
                self.dirty.assign(frame, bits.is_dirty(frame));
            }
        }
        self.unreferenced = self.count_unreferenced();
    }

    /// Counts the occupied frames in classes (0, 0) and (0, 1).
    fn count_unreferenced(&self) -> [usize; 2] {
        let mut counts = [0; 2];
        for word in 0..self.occupied.word_count() {
            let unreferenced = self.occupied.word(word) & !self.referenced.word(word);
            let dirty = self.dirty.word(word);
            counts[0] += (unreferenced & !dirty).count_ones() as usize;
            counts[1] += (unreferenced & dirty).count_ones() as usize;
        }
        counts
    }

    /// Takes `frame` out of the unreferenced counts if it is counted there,
    /// before its reference bit is set or it is freed.
    fn uncount(&mut self, frame: FrameIdx) {
        if self.occupied.contains(frame) && !self.referenced.contains(frame) {
            self.unreferenced[usize::from(self.dirty.contains(frame))] -= 1;
        }
    }

    /// Returns the first occupied frame from the hand whose reference bit
    /// is clear and whose dirty bit equals `dirty`.
    fn find_unreferenced(&self, dirty: bool) -> Option<FrameIdx> {
        if self.unreferenced[usize::from(dirty)] == 0 {
            return None;
        }
        let flip = if dirty { 0 } else { u64::MAX };
        find_in_ring(self.n_frames, self.hand, |word| {
            self.occupied.word(word) & !self.referenced.word(word) & (self.dirty.word(word) ^ flip)
        })
    }

    /// Clears the reference bits of the `count` frames from the hand on.
    fn clear_referenced(&mut self, bits: &mut dyn ReferenceBits, count: usize) {
        let referenced = &mut self.referenced;
        let dirty = &self.dirty;
        let unreferenced = &mut self.unreferenced;
        for_each_ring_word(self.n_frames, self.hand, count, |word, mask| {
            let set = referenced.word(word) & mask;
            if set == 0 {
                return;
            }
            for_each_frame(word, set, |frame| bits.clear_referenced(frame));
            referenced.remove_word(word, set);
            unreferenced[0] += (set & !dirty.word(word)).count_ones() as usize;
            unreferenced[1] += (set & dirty.word(word)).count_ones() as usize;
        });
    }

    /// Takes `frame` as the victim and leaves the hand after it.
    fn evict(&mut self, frame: FrameIdx) -> FrameIdx {
        self.hand = (frame + 1) % self.n_frames;
        frame
    }
}

impl ReplacementPolicy for Nru {
    fn name(&self) -> &str {
        "nru"
    }

    fn on_hit(&mut self, frame: FrameIdx, write: bool) {
        self.uncount(frame);
        self.referenced.insert(frame);
        if write {
            self.dirty.insert(frame);
        }
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, write: bool) {
        self.uncount(frame);
        self.occupied.insert(frame);
        self.referenced.insert(frame);
        self.dirty.assign(frame, write);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.uncount(frame);
        self.occupied.remove(frame);
        self.referenced.remove(frame);
        self.dirty.remove(frame);
    }

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.n_frames > 0,
            "choose_victim is called only when every frame is occupied, so at least one exists"
        );
        if !bits.follows_reported_references() {
            self.read_bits(bits);
        }
        debug_assert_eq!(self.unreferenced, self.count_unreferenced());

        // Steps 1 and 2, then step 3: the same two steps once more, with
        // every reference bit clear.
        for _ in 0..2 {
            if let Some(frame) = self.find_unreferenced(false) {
                return self.evict(frame);
            }
            match self.find_unreferenced(true) {
                Some(frame) => {
                    let passed = ring_distance(self.n_frames, self.hand, frame);
                    self.clear_referenced(bits, passed);
                    return self.evict(frame);
                }
                // A full turn: the hand is back where it started.
                None => self.clear_referenced(bits, self.n_frames),
            }
        }

        // Only a ring without an occupied frame gets here, which the
        // caller's contract rules out: return the frame at the hand, as
        // clock does, and let the caller report it.
        let victim = self.hand;
        self.evict(victim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference and dirty bits as plain arrays. `follows` makes them
    /// claim to change only with the reported references, as replay's do.
    struct Bits {
        referenced: Vec<bool>,
        dirty: Vec<bool>,
        follows: bool,
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
        fn follows_reported_references(&self) -> bool {
            self.follows
        }
    }

    fn bits(referenced: &[bool], dirty: &[bool]) -> Bits {
        Bits {
            referenced: referenced.to_vec(),
            dirty: dirty.to_vec(),
            follows: false,
        }
    }

    /// Returns the policy with a page loaded into each of `frames`.
    fn loaded(n_frames: usize, frames: impl IntoIterator<Item = FrameIdx>) -> Nru {
        let mut nru = Nru::new(n_frames);
        for frame in frames {
            nru.on_load(frame, frame as PageKey, false);
        }
        nru
    }

    #[test]
    fn clean_unreferenced_beats_earlier_dirty() {
        let mut nru = loaded(4, 0..4);
        let mut bits = bits(&[false, true, false, true], &[true, false, false, false]);
        assert_eq!(nru.choose_victim(&mut bits), 2);
        assert_eq!(nru.hand(), 3);
        // Step 1 changes no bit.
        assert_eq!(bits.referenced, vec![false, true, false, true]);
    }

    #[test]
    fn dirty_unreferenced_clears_bits_passed() {
        let mut nru = loaded(4, 0..4);
        nru.hand = 1;
        let mut bits = bits(&[true, true, false, true], &[true, false, true, false]);
        assert_eq!(nru.choose_victim(&mut bits), 2);
        assert_eq!(bits.referenced, vec![true, false, false, true]);
        assert_eq!(nru.hand(), 3);
    }

    #[test]
    fn all_referenced_takes_first_clean_after_clearing() {
        let mut nru = loaded(3, 0..3);
        let mut bits = bits(&[true; 3], &[true, false, true]);
        assert_eq!(nru.choose_victim(&mut bits), 1);
        assert_eq!(bits.referenced, vec![false; 3]);
        assert_eq!(nru.hand(), 2);
    }

    #[test]
    fn all_referenced_and_dirty_takes_hand() {
        let mut nru = loaded(3, 0..3);
        nru.hand = 2;
        let mut bits = bits(&[true; 3], &[true; 3]);
        assert_eq!(nru.choose_victim(&mut bits), 2);
        assert_eq!(nru.hand(), 0);
    }

    #[test]
    fn free_frames_are_never_victims() {
        // Frames 1 and 3 were never loaded; their bits read as clear.
        let mut nru = loaded(5, [0, 2, 4]);
        let mut bits = bits(
            &[true, false, true, false, true],
            &[true, false, true, false, false],
        );
        nru.hand = 1;
        assert_eq!(nru.choose_victim(&mut bits), 4);
        assert_eq!(nru.hand(), 0);

        // Freeing frame 4 leaves only dirty pages; all bits get cleared.
        nru.on_free(4);
        bits.referenced = vec![true; 5];
        assert_eq!(nru.choose_victim(&mut bits), 0);
        assert_eq!(bits.referenced, vec![false, true, false, true, true]);
    }

    #[test]
    fn copied_bits_follow_hits_and_loads() {
        // With bits that follow the reported references, the policy uses
        // its own copy: the arrays here are kept in step by hand.
        let mut nru = loaded(130, 0..130);
        let mut bits = Bits {
            referenced: vec![true; 130],
            dirty: vec![false; 130],
            follows: true,
        };
        for frame in 0..130 {
            if frame != 100 {
                nru.on_hit(frame, true);
                bits.dirty[frame] = true;
            }
        }
        nru.hand = 70;
        // Every page is referenced: the first turn clears all bits, and
        // the one clean page, in frame 100, goes.
        assert_eq!(nru.choose_victim(&mut bits), 100);
        assert_eq!(bits.referenced, vec![false; 130]);
        nru.on_free(100);
        nru.on_load(100, 1000, false);
        bits.referenced[100] = true;
        // No page is clean and unreferenced, because frame 100's load set
        // its bit, so the dirty page at the hand, in frame 101, goes.
        assert_eq!(nru.choose_victim(&mut bits), 101);
        assert!(bits.referenced[100]);
    }
}
