//! S3-FIFO: a small FIFO queue S that filters pages referenced only once,
//! a main FIFO queue M with a 2-bit frequency per page (reinsertion as in
//! clock), and a ghost FIFO queue G of pages recently evicted from S.
//!
//! Source: Yang, Zhang, Qiu, Yue and Rashmi, "FIFO queues are all you need
//! for cache eviction", SOSP 2023, Algorithm 1. Not a stack algorithm.
//!
//! Definition (c frames):
//! - hit: freq ← min(freq + 1, 3); the faulting reference does not count;
//! - miss: evict while memory is full, then insert the page at the head of
//!   M if it was in G (and remove it from G), else at the head of S, with
//!   freq 0;
//! - evict: from S if S is not empty and |S| ≥ `small`·c (a real-valued
//!   test), else from M;
//! - evict from S: take the tail t; if t.freq ≥ `threshold`, move t to the
//!   head of M with freq 0 and repeat, else evict t, insert its page at the
//!   head of G and stop; when S empties without a victim, evict from M;
//! - evict from M: take the tail t; if t.freq > 0, reinsert it at the head
//!   with freq − 1 and repeat, else evict t.
//!
//! G keeps the c − max(1, ⌊`small`·c⌋) most recently inserted pages (the
//! capacity of M), dropping the oldest.
//!
//! Choices the paper leaves open, or that this frame-based interface fixes:
//! - A page is looked up in G when its reference misses, before anything
//!   is evicted for it, so the eviction that makes room cannot push it out
//!   of G first.
//! - Algorithm 1 also evicts from M when a page promoted from S finds M
//!   full. Here exactly one page leaves per fault, so M is bounded by the
//!   total c only and the promotion never evicts by itself.
//! - The frequency is the policy's own state, counted by `on_hit`; the
//!   hardware reference bit is not read.
//!
//! `variant=libcachesim` reproduces libCacheSim's `S3FIFO` instead (its
//! source read side by side, and its counts compared through its Python
//! bindings). Three rules change. Until the first eviction, a new page
//! that finds S holding max(1, ⌊`small`·c⌋) pages goes to M. M evicts when
//! it holds more than c − max(1, ⌊`small`·c⌋) pages or S is empty, and S
//! evicts otherwise. G keeps ⌊0.9·c⌋ pages.
//!
//! Parameters: `small`, the share of frames for S, from 0 to 1, default
//! 0.1; `threshold`, the frequency at which a page in S is promoted
//! instead of evicted, from 1 to 3, default 2 (the paper's freq > 1;
//! `threshold=1` promotes every page referenced again while in S);
//! `variant`, `paper` (default) or `libcachesim`.
//!
//! Cost: O(1) per hit; O(1) amortised per fault, since each reinsertion
//! spends one unit of frequency that a hit paid for.

use super::list::{GhostQueue, Links, List};
use super::{FrameIdx, PageKey, Params, PolicyError, ReferenceBits, ReplacementPolicy};

/// The queue that holds a frame's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Free,
    Small,
    Main,
}

/// S3-FIFO over frame indices.
#[derive(Debug, Clone)]
pub struct S3Fifo {
    n_frames: usize,
    /// |S| ≥ `small_share` · c selects S for eviction.
    small_share: f64,
    /// Frequency at which a page leaving S goes to M instead.
    threshold: u8,
    /// Whether libCacheSim's rules replace the paper's.
    libcachesim: bool,
    /// S's capacity, max(1, ⌊`small_share`·c⌋), for the libCacheSim rules.
    small_capacity: usize,
    /// Whether any page was evicted yet, for the libCacheSim fill rule.
    has_evicted: bool,
    links: Links,
    small: List,
    main: List,
    ghost: GhostQueue,
    ghost_capacity: usize,
    queue: Vec<Queue>,
    freq: Vec<u8>,
    page: Vec<PageKey>,
    /// The page whose miss is being served and whether it was in G then.
    pending: Option<(PageKey, bool)>,
}

impl S3Fifo {
    /// Creates the policy for `n_frames` frames with the paper's defaults.
    pub fn new(n_frames: usize) -> S3Fifo {
        S3Fifo::with_params(n_frames, 0.1, 2, false)
    }

    /// Creates the policy for `n_frames` frames with S's share `small`,
    /// promotion `threshold`, and libCacheSim's rules if `libcachesim`.
    pub fn with_params(n_frames: usize, small: f64, threshold: u8, libcachesim: bool) -> S3Fifo {
        let small_capacity = ((small * n_frames as f64).floor() as usize).max(1);
        let ghost_capacity = if libcachesim {
            (0.9 * n_frames as f64).floor() as usize
        } else {
            n_frames.saturating_sub(small_capacity)
        };
        S3Fifo {
            n_frames,
            small_share: small,
            threshold,
            libcachesim,
            small_capacity,
            has_evicted: false,
            links: Links::new(n_frames),
            small: List::new(),
            main: List::new(),
            ghost: GhostQueue::new(),
            ghost_capacity,
            queue: vec![Queue::Free; n_frames],
            freq: vec![0; n_frames],
            page: vec![0; n_frames],
            pending: None,
        }
    }

    /// Builds the policy from `small` and `threshold` in `params`.
    pub(crate) fn from_params(n_frames: usize, params: &mut Params) -> Result<S3Fifo, PolicyError> {
        let small = params.f64("small", 0.1, 0.0..=1.0)?;
        let threshold = params.u64("threshold", 2, 1..=3)?;
        let threshold = u8::try_from(threshold).expect("the range check keeps threshold ≤ 3");
        let variant = params.choice("variant", &["paper", "libcachesim"], "paper")?;
        Ok(S3Fifo::with_params(
            n_frames,
            small,
            threshold,
            variant == "libcachesim",
        ))
    }

    fn unlink(&mut self, frame: FrameIdx) {
        match self.queue[frame] {
            Queue::Small => self.small.remove(&mut self.links, frame),
            Queue::Main => self.main.remove(&mut self.links, frame),
            Queue::Free => {}
        }
        self.queue[frame] = Queue::Free;
    }

    fn push_main(&mut self, frame: FrameIdx) {
        self.main.push_front(&mut self.links, frame);
        self.queue[frame] = Queue::Main;
    }

    /// Evicts from S: returns the victim, or `None` when S emptied by promotion.
    fn evict_small(&mut self) -> Option<FrameIdx> {
        while let Some(tail) = self.small.pop_back(&mut self.links) {
            if self.freq[tail] >= self.threshold {
                self.freq[tail] = 0;
                self.push_main(tail);
            } else {
                self.queue[tail] = Queue::Free;
                self.ghost.push_front(self.page[tail]);
                while self.ghost.len() > self.ghost_capacity {
                    self.ghost.pop_back();
                }
                return Some(tail);
            }
        }
        None
    }

    fn evict_main(&mut self) -> FrameIdx {
        loop {
            let tail = self
                .main
                .pop_back(&mut self.links)
                .expect("M is not empty when S is below its share or emptied by promotion");
            if self.freq[tail] > 0 {
                self.freq[tail] -= 1;
                self.main.push_front(&mut self.links, tail);
            } else {
                self.queue[tail] = Queue::Free;
                return tail;
            }
        }
    }
}

impl ReplacementPolicy for S3Fifo {
    fn name(&self) -> &str {
        "s3fifo"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.freq[frame] = (self.freq[frame] + 1).min(3);
    }

    fn on_miss(&mut self, page: PageKey) {
        let was_ghost = self.ghost.remove(page);
        self.pending = Some((page, was_ghost));
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        self.unlink(frame);
        let was_ghost = match self.pending.take() {
            Some((pending, was_ghost)) if pending == page => was_ghost,
            // A caller that skipped `on_miss`: look the page up now.
            _ => self.ghost.remove(page),
        };
        self.page[frame] = page;
        self.freq[frame] = 0;
        let fills_main =
            self.libcachesim && !self.has_evicted && self.small.len() >= self.small_capacity;
        if was_ghost || fills_main {
            self.push_main(frame);
        } else {
            self.small.push_front(&mut self.links, frame);
            self.queue[frame] = Queue::Small;
        }
    }

    fn on_free(&mut self, frame: FrameIdx) {
        // A victim has left its queue already; any other frame (freed by a
        // process exit in the VM) leaves without entering G.
        self.unlink(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        assert!(
            self.small.len() + self.main.len() > 0,
            "choose_victim is called only while at least one frame is occupied"
        );
        self.has_evicted = true;
        let small_is_due = if self.libcachesim {
            !self.small.is_empty() && self.main.len() <= self.n_frames - self.small_capacity
        } else {
            !self.small.is_empty()
                && self.small.len() as f64 >= self.small_share * self.n_frames as f64
        };
        // With every frame occupied, an empty M makes S due anyway. With
        // free frames S may be below its share while M is empty, and then S
        // still gives the victim.
        if small_is_due || self.main.is_empty() {
            if let Some(victim) = self.evict_small() {
                return victim;
            }
        }
        self.evict_main()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    /// Serves a miss on `page` as a caller would; returns the victim frame, if any.
    fn miss(policy: &mut S3Fifo, page: PageKey) -> Option<FrameIdx> {
        policy.on_miss(page);
        let free = policy.queue.iter().position(|&queue| queue == Queue::Free);
        let (frame, victim) = match free {
            Some(frame) => (frame, None),
            None => {
                let victim = policy.choose_victim(&mut NoBits);
                policy.on_free(victim);
                (victim, Some(victim))
            }
        };
        policy.on_load(frame, page, false);
        victim
    }

    #[test]
    fn one_time_pages_leave_through_small_into_ghost() {
        let mut policy = S3Fifo::new(10);
        for page in 0..10 {
            miss(&mut policy, page);
        }
        assert_eq!(policy.small.len(), 10);
        // |S| = 10 ≥ 1: the oldest page in S goes, into G.
        assert_eq!(miss(&mut policy, 10), Some(0));
        assert_eq!(policy.ghost.to_vec(), vec![0]);
        // A miss on a page in G goes to M.
        let victim = miss(&mut policy, 0).unwrap();
        assert_eq!(policy.queue[victim], Queue::Main);
        assert_eq!(policy.page[victim], 0);
        assert!(policy.ghost.to_vec().iter().all(|&page| page != 0));
    }

    #[test]
    fn twice_hit_page_is_promoted() {
        let mut policy = S3Fifo::new(3);
        for page in 0..3 {
            miss(&mut policy, page);
        }
        policy.on_hit(0, false);
        assert_eq!(miss(&mut policy, 3), Some(0), "freq 1 is not enough");
        policy.on_hit(1, false);
        policy.on_hit(1, false);
        // Frame 1 (freq 2) moves to M with freq 0, and frame 2 goes.
        assert_eq!(miss(&mut policy, 4), Some(2));
        assert_eq!(policy.queue[1], Queue::Main);
        assert_eq!(policy.freq[1], 0);
    }

    #[test]
    fn threshold_one_promotes_after_one_hit() {
        let mut policy = S3Fifo::with_params(3, 0.1, 1, false);
        for page in 0..3 {
            miss(&mut policy, page);
        }
        policy.on_hit(0, false);
        assert_eq!(miss(&mut policy, 3), Some(1));
        assert_eq!(policy.queue[0], Queue::Main);
    }

    #[test]
    fn main_reinserts_while_frequency_lasts() {
        let mut policy = S3Fifo::new(2);
        // Fill M through G: 0 and 1 pass through S into G, then come back.
        for page in [0, 1, 2, 0, 1] {
            miss(&mut policy, page);
        }
        let main = policy.main.to_vec(&policy.links);
        assert_eq!(main.len(), 2);
        let (newer, older) = (main[0], main[1]);
        policy.on_hit(older, false);
        // S is empty, so M evicts: the older page is spared once.
        assert_eq!(miss(&mut policy, 3), Some(newer));
        assert_eq!(policy.freq[older], 0);
    }

    #[test]
    fn ghost_keeps_main_capacity() {
        let mut policy = S3Fifo::new(10);
        for page in 0..30 {
            miss(&mut policy, page);
        }
        // S = max(1, ⌊0.1·10⌋) = 1, so G keeps 9 pages.
        assert_eq!(policy.ghost.len(), 9);
        assert_eq!(policy.ghost.to_vec()[0], 19);
    }

    #[test]
    fn freed_frame_leaves_no_ghost() {
        let mut policy = S3Fifo::new(3);
        for page in 0..3 {
            miss(&mut policy, page);
        }
        policy.on_free(1);
        assert_eq!(policy.ghost.len(), 0);
        assert_eq!(policy.small.len(), 2);
        miss(&mut policy, 7);
        assert_eq!(policy.small.len(), 3);
    }

    #[test]
    fn one_frame() {
        let mut policy = S3Fifo::new(1);
        miss(&mut policy, 0);
        policy.on_hit(0, false);
        policy.on_hit(0, false);
        // Promoted to M, then evicted from M with its frequency spent.
        assert_eq!(miss(&mut policy, 1), Some(0));
        assert_eq!(miss(&mut policy, 2), Some(0));
    }
}
