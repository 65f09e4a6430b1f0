//! Aging: an n-bit counter per page, shifted right at every periodic sample
//! with the page's reference bit entering at the top; the victim is the
//! page with the smallest counter.
//!
//! Source: Tanenbaum, Modern Operating Systems, section 3.4.7; the
//! "additional-reference-bits algorithm" of Silberschatz, Galvin and
//! Gagne, Operating System Concepts. At each sample, for each resident
//! page, `c = (c >> 1) | (R << (bits - 1))` and R is cleared. A newly
//! loaded page starts with counter 0. Ties go to the lowest-numbered frame.
//! Not a stack algorithm. With `interval=1` and at least as many bits as
//! references between two uses of a page, counters order pages by recency
//! and aging evicts exactly as LRU.
//!
//! Parameters: `bits` (1 to 64, default 8), the counter width; `interval`
//! (default 4), references between samples. Samples count references, not
//! clock ticks, so that the VM and replay sample at the same points; a
//! sample follows the reference that completes the interval, after its
//! reference bit is set.
//!
//! Cost: O(1) per hit, and O(1) per reference amortized over the samples.
//! A fault costs O(1) while some counter is 0, and otherwise at most
//! min(k, `interval`) steps with k frames.
//!
//! Counters are updated lazily: a page not referenced since its last
//! update at sample `t` has counter `c >> (now - t)`, so a sample visits
//! only the frames referenced since the previous one (`counters.rs`). The
//! counter of a page last referenced at sample `t`, fewer than `bits`
//! samples ago, has its highest set bit at `bits - 1 - (now - t)`, so the
//! pages with the oldest such `t` have the smallest nonzero counters. The
//! frames wait in one list per `t`, at most 64 lists. A list moves into a
//! bitmap of zero-counter frames when its `t` falls out of the counter
//! width. The victim is the lowest frame in that bitmap or, when it is
//! empty, the smallest counter in the oldest list, which contains only
//! frames referenced during one interval.

use super::counters::TouchedFrames;
use super::frame_set::FrameSet;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The default counter width in bits.
pub const DEFAULT_BITS: u64 = 8;

/// The default number of references between samples.
pub const DEFAULT_INTERVAL: u64 = 4;

/// Marks the end of a list.
const NONE: u32 = u32::MAX;

/// Aging replacement with `bits`-bit counters.
#[derive(Debug, Clone)]
pub struct Aging {
    /// The counter width, 1 to 64.
    bits: u64,
    /// The bit a referenced page's sample sets: `1 << (bits - 1)`.
    top_bit: u64,
    /// References between samples, at least 1.
    interval: u64,
    /// Samples taken so far.
    samples: u64,
    /// Each frame's counter as of sample `updated_at`, for frames in a
    /// list. Frames in `zero` have counter 0 whatever is stored here.
    counter: Vec<u64>,
    /// The sample that last found each frame's page referenced.
    updated_at: Vec<u64>,
    /// Whether each frame is occupied.
    occupied: Vec<bool>,
    /// The occupied frames whose counter is 0 now.
    zero: FrameSet,
    /// The other occupied frames, in one doubly linked list per
    /// `updated_at % 64`: the first frame of each list.
    head: [u32; 64],
    /// The next frame in its list, or `NONE`.
    next: Vec<u32>,
    /// The previous frame in its list, or `NONE`.
    prev: Vec<u32>,
    /// Bit `i` is set when list `i` is not empty.
    nonempty: u64,
    /// The frames the next sample visits.
    touched: TouchedFrames,
}

impl Aging {
    /// Creates the policy for `n_frames` frames, all free, with counters of
    /// `bits` bits (clamped to 1..=64) sampled every `interval` references
    /// (at least 1).
    pub fn new(n_frames: usize, bits: u64, interval: u64) -> Aging {
        let bits = bits.clamp(1, 64);
        assert!(
            n_frames < NONE as usize,
            "frame numbers fit in u32 below the NONE marker"
        );
        Aging {
            bits,
            top_bit: 1 << (bits - 1),
            interval: interval.max(1),
            samples: 0,
            counter: vec![0; n_frames],
            updated_at: vec![0; n_frames],
            occupied: vec![false; n_frames],
            zero: FrameSet::new(n_frames),
            head: [NONE; 64],
            next: vec![NONE; n_frames],
            prev: vec![NONE; n_frames],
            nonempty: 0,
            touched: TouchedFrames::new(n_frames),
        }
    }

    /// Returns the counter of the occupied `frame` after the latest sample.
    fn current_counter(&self, frame: FrameIdx) -> u64 {
        if self.zero.contains(frame) {
            0
        } else {
            // A listed frame was updated fewer than `bits` (at most 64)
            // samples ago, so the shift is below 64.
            self.counter[frame] >> (self.samples - self.updated_at[frame])
        }
    }

    /// Adds `frame` at the front of list `slot`.
    fn push(&mut self, slot: usize, frame: FrameIdx) {
        let first = self.head[slot];
        self.next[frame] = first;
        self.prev[frame] = NONE;
        if first != NONE {
            self.prev[first as usize] = frame as u32;
        }
        self.head[slot] = frame as u32;
        self.nonempty |= 1 << slot;
    }

    /// Removes `frame` from its list.
    fn unlink(&mut self, frame: FrameIdx) {
        let slot = (self.updated_at[frame] % 64) as usize;
        let (before, after) = (self.prev[frame], self.next[frame]);
        if before == NONE {
            self.head[slot] = after;
        } else {
            self.next[before as usize] = after;
        }
        if after != NONE {
            self.prev[after as usize] = before;
        }
        if self.head[slot] == NONE {
            self.nonempty &= !(1 << slot);
        }
    }

    /// Removes the occupied `frame` from `zero` or from its list.
    fn detach(&mut self, frame: FrameIdx) {
        if self.zero.contains(frame) {
            self.zero.remove(frame);
        } else {
            self.unlink(frame);
        }
    }

    /// Moves the frames last referenced `bits` samples ago into `zero`:
    /// their referenced bit has just shifted out of the counter.
    fn expire_oldest_list(&mut self) {
        let Some(expired) = self.samples.checked_sub(self.bits) else {
            return;
        };
        let slot = (expired % 64) as usize;
        let mut frame = self.head[slot];
        while frame != NONE {
            self.counter[frame as usize] = 0;
            self.zero.insert(frame as usize);
            frame = self.next[frame as usize];
        }
        self.head[slot] = NONE;
        self.nonempty &= !(1 << slot);
    }

    /// Returns the frame with the smallest nonzero counter, the lowest on
    /// a tie, or `None` when no frame is listed.
    fn smallest_listed(&self) -> Option<FrameIdx> {
        // Lists contain the samples `samples - bits + 1 ..= samples`, and
        // rotating the oldest one's slot to bit 0 puts them in age order.
        let oldest_slot = (self.samples + 65 - self.bits) % 64;
        let rotated = self.nonempty.rotate_right(oldest_slot as u32);
        if rotated == 0 {
            return None;
        }
        let slot = ((oldest_slot + u64::from(rotated.trailing_zeros())) % 64) as usize;

        // Every frame in the list was updated at the same sample, so one
        // shift applies to all. It may make different counters equal.
        let mut best = self.head[slot] as usize;
        let shift = self.samples - self.updated_at[best];
        let mut frame = self.next[best];
        while frame != NONE {
            let candidate = frame as usize;
            let (value, best_value) = (
                self.counter[candidate] >> shift,
                self.counter[best] >> shift,
            );
            if value < best_value || (value == best_value && candidate < best) {
                best = candidate;
            }
            frame = self.next[candidate];
        }
        Some(best)
    }
}

impl ReplacementPolicy for Aging {
    fn name(&self) -> &str {
        "aging"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.touched.touch(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, _page: PageKey, _write: bool) {
        self.occupied[frame] = true;
        self.counter[frame] = 0;
        self.zero.insert(frame);
        self.touched.touch(frame);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.occupied[frame] = false;
        self.detach(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        self.zero
            .first()
            .or_else(|| self.smallest_listed())
            .expect("choose_victim is called only while some frame is occupied")
    }

    fn timer_interval(&self) -> Option<u64> {
        Some(self.interval)
    }

    fn on_timer(&mut self, bits: &mut dyn ReferenceBits) {
        self.samples += 1;
        self.expire_oldest_list();
        let slot = (self.samples % 64) as usize;
        let mut touched = std::mem::replace(&mut self.touched, TouchedFrames::new(0));
        touched.drain(|frame| {
            if !self.occupied[frame] || !bits.is_referenced(frame) {
                return;
            }
            // `current_counter` already applies this sample's shift, so
            // only the reference bit is left to enter at the top.
            let counter = self.current_counter(frame) | self.top_bit;
            self.detach(frame);
            self.counter[frame] = counter;
            self.updated_at[frame] = self.samples;
            self.push(slot, frame);
            bits.clear_referenced(frame);
        });
        self.touched = touched;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

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

    /// Loads a page into each of the first `n_frames` frames, with the
    /// reference bits clear, as if a sample had just cleared them.
    fn loaded(n_frames: usize, bits: u64, interval: u64) -> Aging {
        let mut aging = Aging::new(n_frames, bits, interval);
        for frame in 0..n_frames {
            aging.on_load(frame, frame as PageKey, false);
        }
        aging
    }

    /// References the frames marked in `referenced`, then takes a sample.
    fn sample(aging: &mut Aging, referenced: &[bool]) {
        for (frame, &hit) in referenced.iter().enumerate() {
            if hit {
                aging.on_hit(frame, false);
            }
        }
        aging.on_timer(&mut Bits(referenced.to_vec()));
    }

    fn counters(aging: &Aging) -> Vec<u64> {
        (0..aging.counter.len())
            .map(|frame| aging.current_counter(frame))
            .collect()
    }

    /// Six pages over five samples: the first sample's bit ends at bit 3
    /// and the last one's at bit 7.
    #[test]
    fn six_pages_five_samples() {
        let samples = [
            [true, false, true, false, true, true],
            [true, true, false, false, true, false],
            [true, true, false, true, false, true],
            [true, false, false, false, true, false],
            [false, true, true, false, false, false],
        ];
        let mut aging = loaded(6, 8, 1);
        for referenced in samples {
            sample(&mut aging, &referenced);
        }
        assert_eq!(
            counters(&aging),
            vec![
                0b0111_1000,
                0b1011_0000,
                0b1000_1000,
                0b0010_0000,
                0b0101_1000,
                0b0010_1000
            ]
        );
        // Pages 3 and 5 are smallest in value; page 3 (0b0010_0000) goes.
        assert_eq!(aging.choose_victim(&mut NoBits), 3);
    }

    #[test]
    fn narrow_counters_forget() {
        let mut aging = loaded(2, 2, 1);
        sample(&mut aging, &[true, false]);
        sample(&mut aging, &[false, false]);
        sample(&mut aging, &[false, false]);
        // Two bits remember two samples only: both counters are 0 again.
        assert_eq!(counters(&aging), vec![0, 0]);
        assert_eq!(aging.choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn truncation_ties_go_to_lowest_frame() {
        // Frames 0 and 1 share their last reference, and only frame 0 was
        // referenced in the sample before, so frame 1 has the smaller
        // counter (0b10 against 0b11) until the lower bit shifts out and
        // both read 0b01.
        let mut aging = loaded(3, 2, 1);
        sample(&mut aging, &[true, false, true]);
        sample(&mut aging, &[true, true, true]);
        sample(&mut aging, &[false, false, true]);
        assert_eq!(counters(&aging), vec![0b01, 0b01, 0b11]);
        assert_eq!(aging.choose_victim(&mut NoBits), 0);
        aging.on_free(0);
        assert_eq!(aging.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn sixty_four_bits() {
        let mut aging = loaded(1, 64, 3);
        sample(&mut aging, &[true]);
        assert_eq!(counters(&aging), vec![1 << 63]);
        for _ in 0..63 {
            sample(&mut aging, &[false]);
        }
        assert_eq!(counters(&aging), vec![1]);
        sample(&mut aging, &[false]);
        assert_eq!(counters(&aging), vec![0]);
        assert_eq!(aging.timer_interval(), Some(3));
    }

    #[test]
    fn victim_is_occupied_when_some_frames_are_free() {
        let mut aging = Aging::new(8, 8, 2);
        // Frames 0, 1 and 6 never hold a page; frame 5 is freed.
        for frame in [2, 3, 4, 5, 7] {
            aging.on_load(frame, frame as PageKey, false);
        }
        sample(
            &mut aging,
            &[false, false, true, true, true, true, false, true],
        );
        sample(
            &mut aging,
            &[false, false, false, true, false, false, false, true],
        );
        aging.on_free(5);
        // Counters: frames 3 and 7 have 0b1100_0000, frames 2 and 4 have
        // 0b0100_0000, and no frame has 0.
        assert_eq!(aging.choose_victim(&mut NoBits), 2);
        aging.on_free(2);
        assert_eq!(aging.choose_victim(&mut NoBits), 4);
        aging.on_free(4);
        assert_eq!(aging.choose_victim(&mut NoBits), 3);
        aging.on_free(3);
        assert_eq!(aging.choose_victim(&mut NoBits), 7);
    }
}
