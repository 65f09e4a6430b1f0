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
//! Free frames (never loaded, or freed and not reloaded) are passed over
//! and never chosen.
//!
//! Cost: O(1) per hit. The policy keeps the reference, dirty, written-back
//! and in-window states as bitsets, so a fault costs at most three
//! searches of k/64 words with k frames. When the bits' owner may change
//! the first two on its own, as the VM's PTEs can, the policy copies them
//! at each fault, O(k). Each frame whose bit the hand clears costs O(1)
//! more and follows a reference. Each write-back scheduled costs O(1) more
//! and is followed by the page's eviction or by a write to it, which
//! makes the page dirty again.

use super::ring_bits::{find_in_ring, for_each_frame, for_each_ring_word, ring_distance, FrameSet};
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};
use std::collections::VecDeque;

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
    /// Frames that hold a page.
    occupied: FrameSet,
    /// The reference bit of each occupied frame, as the policy last saw it.
    referenced: FrameSet,
    /// The dirty bit of each occupied frame.
    dirty: FrameSet,
    /// Frames whose scheduled write-back completed and whose page was not
    /// written since, so it is clean although its dirty bit is set.
    written_back: FrameSet,
    /// Frames inside the window: age = now − time of last use ≤ τ.
    in_window: FrameSet,
    /// `(time, frame)` for each time of last use set, oldest first, so
    /// frames leave `in_window` as their times fall out of the window. An
    /// entry whose time no longer equals the frame's time of last use is
    /// stale and skipped.
    window_times: VecDeque<(u64, FrameIdx)>,
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
            occupied: FrameSet::new(n_frames),
            referenced: FrameSet::new(n_frames),
            dirty: FrameSet::new(n_frames),
            written_back: FrameSet::new(n_frames),
            in_window: FrameSet::new(n_frames),
            window_times: VecDeque::new(),
        }
    }

    /// Returns the frame the next sweep starts at.
    pub fn hand(&self) -> FrameIdx {
        self.hand
    }

    fn n_frames(&self) -> usize {
        self.last_use.len()
    }

    /// Sets the time of last use of `frame` to now.
    fn touch(&mut self, frame: FrameIdx) {
        if self.last_use[frame] == self.now && self.in_window.contains(frame) {
            return;
        }
        self.last_use[frame] = self.now;
        self.in_window.insert(frame);
        self.window_times.push_back((self.now, frame));
        // Keep the queue proportional to the frames: each frame has one
        // live entry at most.
        if self.window_times.len() > 2 * self.n_frames() + 64 {
            let last_use = &self.last_use;
            self.window_times
                .retain(|&(time, frame)| last_use[frame] == time);
        }
    }

    /// Takes the frames whose time of last use is more than τ ago out of
    /// the window.
    fn expire_window(&mut self) {
        while let Some(&(time, frame)) = self.window_times.front() {
            if self.now - time <= self.tau {
                break;
            }
            self.window_times.pop_front();
            if self.last_use[frame] == time {
                self.in_window.remove(frame);
            }
        }
    }

    /// Copies the reference and dirty bits of every occupied frame from `bits`.
    fn read_bits(&mut self, bits: &dyn ReferenceBits) {
        self.referenced.clear();
        self.dirty.clear();
        for frame in 0..self.n_frames() {
            if self.occupied.contains(frame) {
                self.referenced.assign(frame, bits.is_referenced(frame));
                self.dirty.assign(frame, bits.is_dirty(frame));
            }
        }
    }

    /// Returns word `index` of the clean frames: not dirty, or written back.
    fn clean_word(&self, index: usize) -> u64 {
        !self.dirty.word(index) | self.written_back.word(index)
    }

    /// Returns the first frame from the hand that rule 2 takes: occupied,
    /// unreferenced, outside the window and clean.
    fn find_victim(&self) -> Option<FrameIdx> {
        find_in_ring(self.n_frames(), self.hand, |index| {
            self.occupied.word(index)
                & !self.referenced.word(index)
                & !self.in_window.word(index)
                & self.clean_word(index)
        })
    }

    /// Applies rules 1, 3 and 4 to the `count` frames from the hand on;
    /// returns whether a write-back was scheduled. The writes complete at
    /// once: no frame is examined twice before they would.
    fn pass(&mut self, bits: &mut dyn ReferenceBits, count: usize) -> bool {
        let mut scheduled = false;
        for_each_ring_word(self.n_frames(), self.hand, count, |index, mask| {
            let occupied = self.occupied.word(index) & mask;
            let referenced = self.referenced.word(index) & occupied;
            let old_dirty =
                occupied & !referenced & !self.in_window.word(index) & !self.clean_word(index);
            if referenced != 0 {
                self.referenced.remove_word(index, referenced);
                for_each_frame(index, referenced, |frame| {
                    bits.clear_referenced(frame);
                    self.touch(frame);
                });
            }
            self.written_back.insert_word(index, old_dirty);
            scheduled |= old_dirty != 0;
        });
        scheduled
    }

    /// Takes `frame` as the victim and leaves the hand after it.
    fn evict(&mut self, frame: FrameIdx) -> FrameIdx {
        self.hand = (frame + 1) % self.n_frames();
        frame
    }
}

impl ReplacementPolicy for WsClock {
    fn name(&self) -> &str {
        "wsclock"
    }

    fn on_hit(&mut self, frame: FrameIdx, write: bool) {
        self.now += 1;
        self.referenced.insert(frame);
        if write {
            self.dirty.insert(frame);
            self.written_back.remove(frame);
        }
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, write: bool) {
        self.now += 1;
        self.occupied.insert(frame);
        self.referenced.insert(frame);
        self.dirty.assign(frame, write);
        self.written_back.remove(frame);
        self.touch(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.occupied.remove(frame);
        self.referenced.remove(frame);
        self.dirty.remove(frame);
        self.written_back.remove(frame);
        self.in_window.remove(frame);
    }

    fn choose_victim(&mut self, bits: &mut dyn ReferenceBits) -> FrameIdx {
        let n_frames = self.n_frames();
        assert!(
            n_frames > 0,
            "choose_victim is called only when every frame is occupied, so at least one exists"
        );
        if !bits.follows_reported_references() {
            self.read_bits(bits);
        }
        self.expire_window();
        let start = self.hand;

        // One turn of the hand, up to the first frame rule 2 takes.
        if let Some(victim) = self.find_victim() {
            let passed = ring_distance(n_frames, self.hand, victim);
            self.pass(bits, passed);
            return self.evict(victim);
        }
        let first_clean = find_in_ring(n_frames, start, |index| {
            self.occupied.word(index) & self.clean_word(index)
        });
        let scheduled = self.pass(bits, n_frames);

        // Back at the start: the writes scheduled during the turn have
        // completed, so a second turn takes the first of those pages
        // (every other page is now referenced or inside the window).
        if scheduled {
            if let Some(victim) = self.find_victim() {
                return self.evict(victim);
            }
        }

        // Every page is in the working set: take the first clean one, or
        // the first page from the start, which the caller writes back.
        let first_occupied = find_in_ring(n_frames, start, |index| self.occupied.word(index));
        let victim = first_clean.or(first_occupied).unwrap_or(start);
        self.evict(victim)
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
        assert!(ws.written_back.contains(1));
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
        assert!(ws.written_back.contains(1));
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
        ws.written_back.insert(1);
        ws.on_hit(1, true);
        assert!(!ws.written_back.contains(1));
    }

    #[test]
    fn free_frames_are_never_victims() {
        // Frames 0 and 2 hold pages; frames 1 and 3 were never loaded or
        // were freed, and their bits read as clear and clean.
        let mut ws = WsClock::new(4, 2);
        ws.on_load(0, 10, false);
        ws.on_load(1, 11, false);
        ws.on_load(2, 12, false);
        ws.on_free(1);
        let mut bits = Bits {
            referenced: vec![true, false, true, false],
            dirty: vec![true, false, true, false],
        };
        ws.hand = 1;
        // Both pages are referenced and dirty: the turn renews them, and
        // the first page from the start goes.
        assert_eq!(ws.choose_victim(&mut bits), 2);
        assert_eq!(ws.hand(), 3);

        for _ in 0..5 {
            ws.on_hit(0, false);
        }
        // Frame 2 is free again; frame 0 is old and dirty, so its write is
        // scheduled and it goes on the second turn.
        ws.on_free(2);
        assert_eq!(ws.choose_victim(&mut bits), 0);
    }

    #[test]
    fn window_queue_stays_bounded() {
        let mut ws = WsClock::new(3, u64::MAX / 2);
        for round in 0..1000 {
            let frame = round % 3;
            ws.on_free(frame);
            ws.on_load(frame, round as PageKey, false);
        }
        assert!(ws.window_times.len() <= 2 * 3 + 64 + 1);
        assert!((0..3).all(|frame| ws.in_window.contains(frame)));
    }
}
