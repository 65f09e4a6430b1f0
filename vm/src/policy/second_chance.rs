//! Second chance in its list form: the resident pages in load order; a
//! referenced page at the front loses its reference bit and moves to the
//! back as if just loaded, and the first unreferenced page is evicted.
//!
//! Source: Tanenbaum, Modern Operating Systems, section 3.4.4. Not a stack
//! algorithm. When every resident page is referenced, the sweep clears
//! them all and evicts the page that was at the front, so second chance
//! degenerates to FIFO. Clock (`clock.rs`) is the same algorithm over a
//! ring of frames: with the same `new_ref` both choose the same victims.
//! Cost: O(1) per hit, O(k) worst case per fault with k frames.
//!
//! Parameter `new_ref` (default 1), as for clock: 1 takes the reference
//! bit as the MMU leaves it after the faulting access (set), 0 treats a
//! newly loaded page as unreferenced until its first hit.

use super::frame_list::FrameList;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// Second chance over a load-order list of frames.
#[derive(Debug, Clone)]
pub struct SecondChance {
    /// Occupied frames, oldest load (or oldest second chance) at the front.
    queue: FrameList,
    /// Whether a newly loaded page counts as referenced (`new_ref=1`).
    new_ref: bool,
    /// Per frame: loaded and not hit since. Only set when `new_ref` is false.
    unreferenced_since_load: Vec<bool>,
}

impl SecondChance {
    /// Creates the policy for `n_frames` frames, all free. `new_ref` is the
    /// reference bit a newly loaded page starts with.
    pub fn new(n_frames: usize, new_ref: bool) -> SecondChance {
        SecondChance {
            queue: FrameList::new(n_frames),
            new_ref,
            unreferenced_since_load: vec![false; n_frames],
        }
    }
}

impl ReplacementPolicy for SecondChance {
    fn name(&self) -> &str {
        "second-chance"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.unreferenced_since_load[frame] = false;
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.queue.push_back(frame);
        self.unreferenced_since_load[frame] = !self.new_ref;
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.queue.unlink(frame);
        self.unreferenced_since_load[frame] = false;
    }

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        let n_frames = self.unreferenced_since_load.len();
        // After one pass every page has lost its bit, so n_frames moves
        // suffice. The bound also ends the loop if clearing a bit has no effect.
        for _ in 0..n_frames {
            let front = self
                .queue
                .front()
                .expect("choose_victim is called only when every frame is occupied");
            let referenced = !self.unreferenced_since_load[front] && bits.is_referenced(front);
            if !referenced {
                return front;
            }
            bits.clear_referenced(front);
            self.queue.push_back(front);
        }
        self.queue
            .front()
            .expect("choose_victim is called only when every frame is occupied")
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

    fn loaded(n_frames: usize, new_ref: bool) -> SecondChance {
        let mut policy = SecondChance::new(n_frames, new_ref);
        for frame in 0..n_frames {
            policy.on_load(frame, frame as PageKey, false);
        }
        policy
    }

    #[test]
    fn referenced_front_moves_to_back() {
        let mut policy = loaded(3, true);
        let mut bits = Bits(vec![true, false, true]);
        assert_eq!(policy.choose_victim(&mut bits), 1);
        assert_eq!(bits.0, vec![false, false, true]);
        assert_eq!(policy.queue.to_vec(), vec![1, 2, 0]);
    }

    #[test]
    fn all_referenced_degenerates_to_fifo() {
        let mut policy = loaded(3, true);
        let mut bits = Bits(vec![true; 3]);
        assert_eq!(policy.choose_victim(&mut bits), 0);
        assert_eq!(bits.0, vec![false; 3]);
    }

    #[test]
    fn new_ref_zero_ignores_bit_until_hit() {
        let mut policy = loaded(3, false);
        policy.on_hit(0, false);
        let mut bits = Bits(vec![true; 3]);
        assert_eq!(policy.choose_victim(&mut bits), 1);
        assert_eq!(policy.queue.to_vec(), vec![1, 2, 0]);
    }

    #[test]
    fn reload_goes_to_back() {
        let mut policy = loaded(3, true);
        policy.on_free(0);
        policy.on_load(0, 9, false);
        assert_eq!(policy.queue.to_vec(), vec![1, 2, 0]);
    }
}
