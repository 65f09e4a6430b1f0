//! Bitsets over frames, and searches that visit the frames in ring order
//! from a clock hand one 64-bit word at a time, for the clock policies that
//! look for the first frame of a class (NRU, WSClock).
//!
//! A search takes a function that returns one word of the class for a word
//! index, so a class such as "occupied, unreferenced and clean" is built
//! from several bitsets with `&` and `!` and never stored.

/// The number of frames in one word.
const WORD_BITS: usize = 64;

/// One bit per frame. Bits past the last frame stay clear.
#[derive(Debug, Clone)]
pub(crate) struct FrameSet {
    words: Vec<u64>,
}

impl FrameSet {
    /// Creates a set over frames `0..len` with every bit clear.
    pub(crate) fn new(len: usize) -> FrameSet {
        FrameSet {
            words: vec![0; len.div_ceil(WORD_BITS)],
        }
    }

    /// Returns the word of frames `64 * index .. 64 * index + 64`.
    #[inline]
    pub(crate) fn word(&self, index: usize) -> u64 {
        self.words[index]
    }

    #[inline]
    pub(crate) fn contains(&self, frame: usize) -> bool {
        self.words[frame / WORD_BITS] & bit(frame) != 0
    }

    #[inline]
    pub(crate) fn insert(&mut self, frame: usize) {
        self.words[frame / WORD_BITS] |= bit(frame);
    }

    #[inline]
    pub(crate) fn remove(&mut self, frame: usize) {
        self.words[frame / WORD_BITS] &= !bit(frame);
    }

    /// Sets the bit of `frame` to `value`.
    #[inline]
    pub(crate) fn assign(&mut self, frame: usize, value: bool) {
        if value {
            self.insert(frame);
        } else {
            self.remove(frame);
        }
    }

    /// Clears the bits that are set in `mask` within word `index`.
    #[inline]
    pub(crate) fn remove_word(&mut self, index: usize, mask: u64) {
        self.words[index] &= !mask;
    }

    /// Sets the bits that are set in `mask` within word `index`; `mask`
    /// must have no bit past the last frame.
    #[inline]
    pub(crate) fn insert_word(&mut self, index: usize, mask: u64) {
        self.words[index] |= mask;
    }

    /// Clears every bit.
    pub(crate) fn clear(&mut self) {
        self.words.fill(0);
    }

    /// Returns the number of words.
    pub(crate) fn word_count(&self) -> usize {
        self.words.len()
    }
}

#[inline]
fn bit(frame: usize) -> u64 {
    1 << (frame % WORD_BITS)
}

/// Returns the mask of the bits of word `index` that lie in `lo..hi`.
#[inline]
pub(crate) fn range_mask(index: usize, lo: usize, hi: usize) -> u64 {
    let first = index * WORD_BITS;
    let start = lo.saturating_sub(first).min(WORD_BITS);
    let end = hi.saturating_sub(first).min(WORD_BITS);
    if start >= end {
        return 0;
    }
    let upper = if end == WORD_BITS {
        u64::MAX
    } else {
        (1u64 << end) - 1
    };
    upper & !((1u64 << start) - 1)
}

/// Returns the first frame in `lo..hi` whose bit is set in `class`, a
/// function from a word index to that word of the class.
#[inline]
pub(crate) fn find_in_range(lo: usize, hi: usize, class: impl Fn(usize) -> u64) -> Option<usize> {
    if lo >= hi {
        return None;
    }
    let last = (hi - 1) / WORD_BITS;
    let mut index = lo / WORD_BITS;
    let mut word = class(index) & (u64::MAX << (lo % WORD_BITS));
    // Only the last word needs a mask at the top; the words between need none.
    while index < last {
        if word != 0 {
            return Some(index * WORD_BITS + word.trailing_zeros() as usize);
        }
        index += 1;
        word = class(index);
    }
    word &= range_mask(last, 0, hi);
    (word != 0).then(|| index * WORD_BITS + word.trailing_zeros() as usize)
}

/// Returns the first frame in ring order from `start` over `0..n_frames`
/// whose bit is set in `class`.
#[inline]
pub(crate) fn find_in_ring(
    n_frames: usize,
    start: usize,
    class: impl Fn(usize) -> u64,
) -> Option<usize> {
    find_in_range(start, n_frames, &class).or_else(|| find_in_range(0, start, &class))
}

/// Calls `action` with each word index and the mask of the bits of that
/// word that lie in the ring segment of `count` frames (at most
/// `n_frames`) that starts at `start`.
pub(crate) fn for_each_ring_word(
    n_frames: usize,
    start: usize,
    count: usize,
    mut action: impl FnMut(usize, u64),
) {
    let mut visit = |lo: usize, hi: usize| {
        if lo < hi {
            for index in lo / WORD_BITS..hi.div_ceil(WORD_BITS) {
                action(index, range_mask(index, lo, hi));
            }
        }
    };
    let end = start + count.min(n_frames);
    if end <= n_frames {
        visit(start, end);
    } else {
        visit(start, n_frames);
        visit(0, end - n_frames);
    }
}

/// Returns the number of frames from `start` up to, not including, `end`
/// in ring order over `0..n_frames`.
#[inline]
pub(crate) fn ring_distance(n_frames: usize, start: usize, end: usize) -> usize {
    (end + n_frames - start) % n_frames
}

/// Calls `action` with every frame whose bit is set in `word`, the word of
/// index `index`, in increasing order.
#[inline]
pub(crate) fn for_each_frame(index: usize, mut word: u64, mut action: impl FnMut(usize)) {
    while word != 0 {
        action(index * WORD_BITS + word.trailing_zeros() as usize);
        word &= word - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(len: usize, frames: &[usize]) -> FrameSet {
        let mut set = FrameSet::new(len);
        for &frame in frames {
            set.insert(frame);
        }
        set
    }

    #[test]
    fn range_mask_covers_partial_words() {
        assert_eq!(range_mask(0, 0, 64), u64::MAX);
        assert_eq!(range_mask(0, 3, 5), 0b11000);
        assert_eq!(range_mask(1, 3, 70), 0b11_1111);
        assert_eq!(range_mask(1, 100, 200), !((1u64 << 36) - 1));
        assert_eq!(range_mask(2, 0, 64), 0);
    }

    #[test]
    fn ring_search_wraps_after_last_frame() {
        let set = set_of(200, &[5, 130]);
        let word = |index| set.word(index);
        assert_eq!(find_in_ring(200, 0, word), Some(5));
        assert_eq!(find_in_ring(200, 6, word), Some(130));
        assert_eq!(find_in_ring(200, 131, word), Some(5));
        assert_eq!(find_in_ring(200, 130, word), Some(130));
        assert_eq!(find_in_ring(200, 0, |_| 0), None);
    }

    #[test]
    fn ring_search_ignores_bits_past_the_end() {
        // A complemented word has bits set above the last frame.
        let set = set_of(70, &[]);
        assert_eq!(find_in_ring(70, 69, |index| !set.word(index)), Some(69));
        assert_eq!(find_in_range(0, 70, |_| 1 << 6), Some(6));
    }

    #[test]
    fn ring_segment_words_visit_each_frame_once() {
        let mut seen = Vec::new();
        let count = ring_distance(130, 120, 3);
        assert_eq!(count, 13);
        for_each_ring_word(130, 120, count, |index, mask| {
            for_each_frame(index, mask, |frame| seen.push(frame));
        });
        let expected: Vec<usize> = (120..130).chain(0..3).collect();
        assert_eq!(seen, expected);

        let mut whole = 0;
        for_each_ring_word(130, 7, 130, |_, mask| whole += mask.count_ones());
        assert_eq!(whole, 130);
        let mut none = 0;
        for_each_ring_word(130, 7, 0, |_, mask| none += mask.count_ones());
        assert_eq!(none, 0);
    }

    #[test]
    fn set_operations() {
        let mut set = FrameSet::new(100);
        set.insert(99);
        set.assign(3, true);
        assert!(set.contains(99));
        assert!(set.contains(3));
        set.assign(3, false);
        assert!(!set.contains(3));
        set.insert_word(0, 0b110);
        set.remove_word(0, 0b10);
        assert!(set.contains(2));
        assert!(!set.contains(1));
        set.clear();
        assert!(!set.contains(99));
        assert_eq!(set.word_count(), 2);
    }
}
