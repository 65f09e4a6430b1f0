//! WSClock: a clock over the frames that evicts a clean page outside the
//! working-set window and schedules write-backs of dirty ones.
//!
//! Source: Carr and Hennessy, "WSCLOCK—a simple and effective algorithm
//! for virtual memory management", SOSP 1981; Tanenbaum, Modern Operating
//! Systems, section 3.4.9. Not a stack algorithm.
//!
//! Each frame has a time of last use, in references counted by the policy
//! through `on_hit` and `on_load`: set when the page is loaded and when the
//! hand finds its reference bit set. The age of a page is the number of
//! references since then, and τ (`tau`, default 16 references) bounds the
//! working set. At a fault, starting at the hand, each frame is examined:
//!
//! 1. R = 1: clear R, set the time of last use to now, move on.
//! 2. R = 0, age > τ, clean: this is the victim.
//! 3. R = 0, age > τ, dirty: schedule a write-back, move on.
//! 4. Otherwise (R = 0 and inside the window) move on.
//!
//! A page counts as clean when its dirty bit is clear or a write-back
//! scheduled for it has completed and it was not written since.
//!
//! Write-back completion model: every write scheduled during a fault
//! completes when the hand is back where the fault's sweep started, or
//! when the victim is found, whichever comes first. At the end of a full
//! turn without a victim, if any write was scheduled, the hand goes on
//! with the same rules, so it
//! evicts the first page outside the window that is now clean. If none
//! was scheduled, every page is in the working set, and the victim is the
//! first clean page the turn passed (in ring order from the start), or,
//! if every page is dirty, the page at the start. The hand then moves one
//! frame past the victim. There is no limit on the writes scheduled per turn.
//!
//! Accounting: the caller (the VM or replay) writes a page back only when
//! it evicts a dirty page, so a write-back counts when a page whose write
//! was scheduled is evicted, and scheduled writes of pages that stay
//! resident are not counted.
//!
//! Cost: O(1) per hit, at most 2k frame checks per fault with k frames.

use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The default working-set window, in references.
pub const DEFAULT_TAU: u64 = 16;

/// WSClock over frames `0..n_frames` in ring order.
#[derive(Debug, Clone)]
pub struct WsClock {
    /// The working-set window, in references.
    tau: u64,
    /// References so far.
    now: u64,
    /// The frame the next sweep starts at.
    hand: FrameIdx,
    /// The time of last use of each frame's page.
    last_use: Vec<u64>,
    /// Per frame: a scheduled write-back completed and the page was not
    /// written since, so it is clean although its dirty bit is set.
    written_back: Vec<bool>,
    /// Per frame: a write-back was scheduled during the current sweep.
    scheduled: Vec<bool>,
}

impl WsClock {
    /// Creates the policy for `n_frames` frames, all free, with the hand
    /// at frame 0 and a window of `tau` references.
    pub fn new(n_frames: usize, tau: u64) -> WsClock {
        WsClock {
            tau,
            now: 0,
            hand: 0,
            last_use: vec![0; n_frames],
            written_back: vec![false; n_frames],
            scheduled: vec![false; n_frames],
        }
    }

    /// Returns the frame the next sweep starts at.
    pub fn hand(&self) -> FrameIdx {
        self.hand
    }

    fn n_frames(&self) -> usize {
        self.last_use.len()
    }

    fn advance(&mut self) {
        self.hand = (self.hand + 1) % self.n_frames();
    }

    fn is_clean(&self, bits: &dyn ReferenceBits, frame: FrameIdx) -> bool {
        !bits.is_dirty(frame) || self.written_back[frame]
    }

    fn is_old(&self, frame: FrameIdx) -> bool {
        self.now - self.last_use[frame] > self.tau
    }

    /// Completes every scheduled write-back; returns whether there was one.
    fn complete_writes(&mut self) -> bool {
        let mut any = false;
        for frame in 0..self.n_frames() {
            if std::mem::take(&mut self.scheduled[frame]) {
                self.written_back[frame] = true;
                any = true;
            }
        }
        any
    }

    /// Applies rules 1 to 4 to the frame at the hand, returning it if it is
    /// the victim; otherwise moves the hand on.
    fn examine(&mut self, bits: &mut dyn ReferenceBits) -> Option<FrameIdx> {
        let frame = self.hand;
        self.advance();
        if bits.is_referenced(frame) {
            bits.clear_referenced(frame);
            self.last_use[frame] = self.now;
            return None;
        }
        if !self.is_old(frame) {
            return None;
        }
        if self.is_clean(bits, frame) {
            return Some(frame);
        }
        self.scheduled[frame] = true;
        None
    }
}

impl ReplacementPolicy for WsClock {
    fn name(&self) -> &str {
        "wsclock"
    }

    fn on_hit(&mut self, frame: FrameIdx, write: bool) {
        self.now += 1;
        if write {
            self.written_back[frame] = false;
        }
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.now += 1;
        self.last_use[frame] = self.now;
        self.written_back[frame] = false;
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.written_back[frame] = false;
        self.scheduled[frame] = false;
    }

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        let n_frames = self.n_frames();
        assert!(
            n_frames > 0,
            "choose_victim is called only when every frame is occupied, so at least one exists"
        );
        let start = self.hand;

        // One turn of the hand, noting the first clean page in ring order.
        let mut first_clean = None;
        for _ in 0..n_frames {
            let frame = self.hand;
            if first_clean.is_none() && self.is_clean(bits, frame) {
                first_clean = Some(frame);
            }
            if let Some(victim) = self.examine(bits) {
                self.complete_writes();
                return victim;
            }
        }

        // Back at the start: the writes scheduled during the turn complete.
        if self.complete_writes() {
            // A page whose write completed is old and clean now, so this
            // second turn finds a victim unless the bits misbehave.
            for _ in 0..n_frames {
                if let Some(victim) = self.examine(bits) {
                    return victim;
                }
            }
        }

        // Every page is in the working set: take the first clean one, or
        // the page at the start, which the caller writes back.
        let victim = first_clean.unwrap_or(start);
        self.hand = (victim + 1) % n_frames;
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

    /// Loads frames 0..n_frames at times 1..=n_frames, then counts
    /// `idle` more references (hits on frame 0 that leave its time alone).
    fn loaded(n_frames: usize, tau: u64, idle: u64) -> WsClock {
        let mut ws = WsClock::new(n_frames, tau);
        for frame in 0..n_frames {
            ws.on_load(frame, frame as PageKey, false);
        }
        for _ in 0..idle {
            ws.on_hit(0, false);
        }
        ws
    }

    #[test]
    fn old_clean_page_goes() {
        let mut ws = loaded(3, 2, 5);
        let mut bits = Bits {
            referenced: vec![true, false, false],
            dirty: vec![false, true, false],
        };
        // Frame 0 is referenced, frame 1 old but dirty, frame 2 old and clean.
        assert_eq!(ws.choose_victim(&mut bits), 2);
        assert_eq!(ws.hand(), 0);
        assert_eq!(ws.last_use[0], 8);
        // The write scheduled for frame 1 completed with the choice.
        assert!(ws.written_back[1]);
    }

    #[test]
    fn scheduled_write_completes_after_turn() {
        let mut ws = loaded(2, 2, 5);
        let mut bits = Bits {
            referenced: vec![true, false],
            dirty: vec![false, true],
        };
        // Frame 0 gets its time renewed; frame 1 is scheduled, then evicted
        // on the second turn once its write completed.
        assert_eq!(ws.choose_victim(&mut bits), 1);
        assert!(ws.written_back[1]);
        assert_eq!(ws.hand(), 0);
    }

    #[test]
    fn all_in_window_takes_first_clean() {
        let mut ws = loaded(3, 100, 0);
        ws.hand = 1;
        let mut bits = Bits {
            referenced: vec![false; 3],
            dirty: vec![false, true, true],
        };
        assert_eq!(ws.choose_victim(&mut bits), 0);
        assert_eq!(ws.hand(), 1);
    }

    #[test]
    fn all_in_window_and_dirty_takes_start() {
        let mut ws = loaded(3, 100, 0);
        ws.hand = 2;
        let mut bits = Bits {
            referenced: vec![true; 3],
            dirty: vec![true; 3],
        };
        assert_eq!(ws.choose_victim(&mut bits), 2);
        assert_eq!(ws.hand(), 0);
        assert_eq!(bits.referenced, vec![false; 3]);
    }

    #[test]
    fn write_hit_makes_written_page_dirty_again() {
        let mut ws = loaded(2, 1, 0);
        ws.written_back[1] = true;
        ws.on_hit(1, true);
        assert!(!ws.written_back[1]);
    }
}
