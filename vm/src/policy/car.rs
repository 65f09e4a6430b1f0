//! CAR, clock with adaptive replacement: ARC's structure with its two LRU
//! lists of resident pages replaced by two clocks T1 and T2 that read the
//! hardware reference bits, plus ARC's ghost lists B1 and B2 and target p.
//!
//! Source: Bansal and Modha, "CAR: clock with adaptive replacement",
//! FAST 2004, figure 2. Not a stack algorithm.
//!
//! Definition, for a reference to page x with c frames (each clock's head
//! is the page under its hand, its tail the page just behind the hand):
//! - hit: the reference bit of x is set (by the MMU, or the replay driver);
//! - miss with every frame occupied: replace; then, if x is in neither B1
//!   nor B2, discard the LRU page of B1 if |T1| + |B1| = c, or else the LRU
//!   page of B2 if |T1| + |T2| + |B1| + |B2| = 2c;
//! - then x in no ghost list goes to the tail of T1; x in B1 sets
//!   p ← min(p + max(1, |B2|/|B1|), c) and goes to the tail of T2; x in B2
//!   sets p ← max(p − max(1, |B1|/|B2|), 0) and goes to the tail of T2.
//!   Either way x starts unreferenced (see `new_ref`);
//! - replace: repeat: if |T1| ≥ max(1, p), the head of T1 is demoted to the
//!   MRU end of B1 if unreferenced, else its bit is cleared and it moves to
//!   the tail of T2; otherwise the head of T2 is demoted to the MRU end of
//!   B2 if unreferenced, else its bit is cleared and it moves to the tail
//!   of T2; until a page is demoted.
//!
//! The reference bits come from [`ReferenceBits`]. The faulting reference
//! sets a newly loaded page's bit (as the MMU does when it retries the
//! access), whereas the paper inserts pages with the bit clear; with the
//! default `new_ref=0` the policy ignores that bit until the page's first
//! hit, and `new_ref=1` counts it.
//!
//! p is real. The paper's |B2|/|B1| is real division by default; libCacheSim's
//! `CAR` divides integers, which `ratio=integer` reproduces.
//!
//! Directory replacement runs only after a replacement (memory full), as
//! in the paper. A frame freed other than by eviction (a process exit in
//! the VM) leaves without a ghost.
//!
//! Parameters: `new_ref` (0 or 1, default 0), `ratio` (`real` or
//! `integer`, default `real`).
//!
//! Cost: O(1) per hit; O(1) amortised per fault (each bit the hands clear
//! was set by a hit), O(c) at worst.

use super::list::{GhostQueue, Links, List};
use super::{FrameIdx, PageKey, Params, PolicyError, ReferenceBits, ReplacementPolicy};

/// The clock that holds a frame's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Free,
    T1,
    T2,
}

/// CAR over frame indices.
#[derive(Debug, Clone)]
pub struct Car {
    n_frames: usize,
    new_ref: bool,
    integer_ratio: bool,
    /// The target size of T1, from 0 to c.
    p: f64,
    links: Links,
    /// Clock T1 as a list: its tail at the front, its head (the hand) at the back.
    t1: List,
    /// Clock T2, in the same order as T1.
    t2: List,
    b1: GhostQueue,
    b2: GhostQueue,
    place: Vec<Place>,
    page: Vec<PageKey>,
    /// Whether the frame's reference bit is still the one its faulting
    /// reference set (no hit since it was loaded).
    fresh: Vec<bool>,
    /// Whether a replacement ran since the last load.
    replaced: bool,
}

impl Car {
    /// Creates the policy for `n_frames` frames, all free, with p = 0.
    pub fn new(n_frames: usize, new_ref: bool, integer_ratio: bool) -> Car {
        Car {
            n_frames,
            new_ref,
            integer_ratio,
            p: 0.0,
            links: Links::new(n_frames),
            t1: List::new(),
            t2: List::new(),
            b1: GhostQueue::new(),
            b2: GhostQueue::new(),
            place: vec![Place::Free; n_frames],
            page: vec![0; n_frames],
            fresh: vec![false; n_frames],
            replaced: false,
        }
    }

    /// Builds the policy from `new_ref` and `ratio` in `params`.
    pub(crate) fn from_params(n_frames: usize, params: &mut Params) -> Result<Car, PolicyError> {
        let new_ref = params.bool("new_ref", false)?;
        let ratio = params.choice("ratio", &["real", "integer"], "real")?;
        Ok(Car::new(n_frames, new_ref, ratio == "integer"))
    }

    /// Returns the target size of T1.
    pub fn target(&self) -> f64 {
        self.p
    }

    /// Returns max(1, `numerator`/`denominator`) with the configured division.
    fn step(&self, numerator: usize, denominator: usize) -> f64 {
        let ratio = if self.integer_ratio {
            (numerator / denominator) as f64
        } else {
            numerator as f64 / denominator as f64
        };
        ratio.max(1.0)
    }

    fn is_referenced(&self, bits: &dyn ReferenceBits, frame: FrameIdx) -> bool {
        if self.fresh[frame] && !self.new_ref {
            return false;
        }
        bits.is_referenced(frame)
    }

    fn unlink(&mut self, frame: FrameIdx) {
        match self.place[frame] {
            Place::T1 => self.t1.remove(&mut self.links, frame),
            Place::T2 => self.t2.remove(&mut self.links, frame),
            Place::Free => {}
        }
        self.place[frame] = Place::Free;
    }

    fn push_t2_tail(&mut self, frame: FrameIdx) {
        self.t2.push_front(&mut self.links, frame);
        self.place[frame] = Place::T2;
    }
}

impl ReplacementPolicy for Car {
    fn name(&self) -> &str {
        "car"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        // The bit's owner sets the reference bit; from now on it is the
        // page's own.
        self.fresh[frame] = false;
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        self.unlink(frame);
        let in_b1 = self.b1.contains(page);
        let in_b2 = self.b2.contains(page);

        // Directory replacement, after a replacement only.
        if std::mem::take(&mut self.replaced) && !in_b1 && !in_b2 {
            let (t1, t2) = (self.t1.len(), self.t2.len());
            if t1 + self.b1.len() == self.n_frames {
                self.b1.pop_back();
            } else if t1 + t2 + self.b1.len() + self.b2.len() == 2 * self.n_frames {
                self.b2.pop_back();
            }
        }

        self.page[frame] = page;
        self.fresh[frame] = true;
        let c = self.n_frames as f64;
        if in_b1 {
            self.p = (self.p + self.step(self.b2.len(), self.b1.len())).min(c);
            self.b1.remove(page);
            self.push_t2_tail(frame);
        } else if in_b2 {
            self.p = (self.p - self.step(self.b1.len(), self.b2.len())).max(0.0);
            self.b2.remove(page);
            self.push_t2_tail(frame);
        } else {
            self.t1.push_front(&mut self.links, frame);
            self.place[frame] = Place::T1;
        }
    }

    fn on_free(&mut self, frame: FrameIdx) {
        // A victim has left its clock already; any other frame (freed by a
        // process exit in the VM) leaves without a ghost.
        self.unlink(frame);
        self.fresh[frame] = false;
    }

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.t1.len() + self.t2.len() > 0,
            "choose_victim is called only while at least one frame is occupied"
        );
        self.replaced = true;

        // Each pass either demotes a page or clears a bit, and a cleared
        // page is not passed again before every other page is, so the loop
        // ends within 2c + 1 passes.
        //
        // With every frame occupied, |T1| < max(1, p) ≤ c leaves pages in
        // T2. With free frames T2 can be empty, and then T1's hand moves.
        loop {
            let t1_is_due = self.t1.len() as f64 >= self.p.max(1.0);
            if t1_is_due || self.t2.is_empty() {
                let head = self.t1.back().expect(
                    "T1 is due only when |T1| ≥ 1, and with T2 empty the occupied frames are in T1",
                );
                self.t1.remove(&mut self.links, head);
                if self.is_referenced(bits, head) {
                    bits.clear_referenced(head);
                    self.fresh[head] = false;
                    self.push_t2_tail(head);
                } else {
                    self.place[head] = Place::Free;
                    self.b1.push_front(self.page[head]);
                    return head;
                }
            } else {
                let head = self
                    .t2
                    .back()
                    .expect("the branch above takes T1 whenever T2 is empty");
                self.t2.remove(&mut self.links, head);
                if self.is_referenced(bits, head) {
                    bits.clear_referenced(head);
                    self.fresh[head] = false;
                    self.push_t2_tail(head);
                } else {
                    self.place[head] = Place::Free;
                    self.b2.push_front(self.page[head]);
                    return head;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference bits as a plain array, set on every reference like the
    /// replay driver's.
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

    /// A CAR policy with its frames and bits, driven like the replay driver.
    struct Harness {
        car: Car,
        bits: Bits,
        frames: Vec<Option<PageKey>>,
    }

    impl Harness {
        fn new(n_frames: usize, new_ref: bool) -> Harness {
            Harness {
                car: Car::new(n_frames, new_ref, false),
                bits: Bits(vec![false; n_frames]),
                frames: vec![None; n_frames],
            }
        }

        /// Returns the victim's page, if the reference evicted one.
        fn access(&mut self, page: PageKey) -> Option<PageKey> {
            if let Some(frame) = self.frames.iter().position(|&p| p == Some(page)) {
                self.bits.0[frame] = true;
                self.car.on_hit(frame, false);
                return None;
            }
            self.car.on_miss(page);
            let (frame, victim) = match self.frames.iter().position(Option::is_none) {
                Some(frame) => (frame, None),
                None => {
                    let frame = self.car.choose_victim(&mut self.bits);
                    self.car.on_free(frame);
                    (frame, self.frames[frame])
                }
            };
            self.frames[frame] = Some(page);
            self.bits.0[frame] = false;
            self.car.on_load(frame, page, false);
            self.bits.0[frame] = true;
            victim
        }

        fn pages(&self, list: &List) -> Vec<PageKey> {
            list.to_vec(&self.car.links)
                .iter()
                .map(|&frame| self.car.page[frame])
                .collect()
        }
    }

    #[test]
    fn unreferenced_t1_head_goes_to_b1() {
        let mut car = Harness::new(3, false);
        for page in [1, 2, 3] {
            car.access(page);
        }
        // The faulting references' bits do not count with new_ref=0. 1
        // goes to B1, and then, since |T1| + |B1| = c and 4 is in no ghost
        // list, directory replacement discards it again.
        assert_eq!(car.access(4), Some(1));
        assert_eq!(car.car.b1.len(), 0);
    }

    #[test]
    fn referenced_t1_head_moves_to_t2() {
        let mut car = Harness::new(3, false);
        for page in [1, 2, 3, 1] {
            car.access(page);
        }
        assert_eq!(car.access(4), Some(2));
        assert_eq!(car.pages(&car.car.t2), vec![1]);
        assert_eq!(car.pages(&car.car.t1), vec![4, 3]);
        assert!(!car.bits.0[car.frames.iter().position(|&p| p == Some(1)).unwrap()]);
    }

    #[test]
    fn new_ref_counts_the_faulting_reference() {
        let mut car = Harness::new(3, true);
        for page in [1, 2, 3] {
            car.access(page);
        }
        // Every page is referenced: all move to T2, and T2's hand then
        // finds 1 with its bit cleared.
        assert_eq!(car.access(4), Some(1));
        assert_eq!(car.car.b2.to_vec(), vec![1]);
    }

    #[test]
    fn b1_hit_raises_target() {
        let mut car = Harness::new(2, false);
        for page in [1, 1, 2] {
            car.access(page);
        }
        // T1's referenced head 1 moves to T2, then 2 goes to B1.
        assert_eq!(car.access(3), Some(2));
        assert_eq!(car.car.b1.to_vec(), vec![2]);
        // 2 is in B1: replacing takes T1's head 3 into B1, then p rises
        // by max(1, |B2|/|B1|) = 1 and 2 joins T2.
        assert_eq!(car.access(2), Some(3));
        assert_eq!(car.car.target(), 1.0);
        assert_eq!(car.pages(&car.car.t2), vec![2, 1]);
        assert_eq!(car.car.b1.to_vec(), vec![3]);
    }

    #[test]
    fn integer_ratio_floors_the_step() {
        let mut car = Car::new(8, false, true);
        assert_eq!(car.step(3, 2), 1.0);
        car.integer_ratio = false;
        assert_eq!(car.step(3, 2), 1.5);
        assert_eq!(car.step(1, 4), 1.0);
    }

    #[test]
    fn one_frame() {
        let mut car = Harness::new(1, false);
        car.access(1);
        car.access(1);
        assert_eq!(car.access(2), Some(1));
        assert_eq!(car.access(3), Some(2));
    }
}
