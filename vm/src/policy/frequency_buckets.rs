//! Frequency buckets: the occupied frames grouped by use count, for LFU
//! and MFU with in-cache counts and the `lru` tie-break, after Shah, Mitra
//! and Matani, "An O(1) algorithm for implementing the LFU cache eviction
//! scheme" (2010).
//!
//! A doubly linked list of buckets runs in increasing count order, and each
//! bucket contains a doubly linked list of its frames. A frame enters a bucket
//! only at the reference that gives it that count, so appending it at the
//! tail keeps every bucket ordered from least to most recently referenced.
//! The LFU victim is the first frame of the first bucket, and the MFU
//! victim the first frame of the last bucket. Every operation is O(1).
//!
//! A page loaded with count 1 belongs in the first bucket, which makes
//! loads O(1). Counts kept across evictions (`keep=1`) would need a search
//! for the bucket of an arbitrary count, so they use `frame_tree.rs`.

use super::FrameIdx;

/// Marks the end of a list.
const NONE: u32 = u32::MAX;

/// The occupied frames in buckets by use count.
#[derive(Debug, Clone)]
pub(crate) struct FrequencyBuckets {
    /// The use count of each bucket.
    count: Vec<u64>,
    /// The first and last frame of each bucket.
    first_frame: Vec<u32>,
    last_frame: Vec<u32>,
    /// The neighbour buckets in count order, or `NONE`. In a bucket on the
    /// free list, `next_bucket` links the next free bucket.
    prev_bucket: Vec<u32>,
    next_bucket: Vec<u32>,
    /// The buckets with the smallest and largest count, or `NONE`.
    lowest: u32,
    highest: u32,
    /// The first unused bucket, or `NONE`.
    free_buckets: u32,
    /// The bucket of each occupied frame.
    bucket: Vec<u32>,
    /// The neighbour frames in their bucket, or `NONE`.
    prev_frame: Vec<u32>,
    next_frame: Vec<u32>,
}

impl FrequencyBuckets {
    /// Creates empty buckets for `n_frames` frames.
    pub fn new(n_frames: usize) -> FrequencyBuckets {
        assert!(
            n_frames < NONE as usize,
            "frame numbers fit in u32 below the NONE marker"
        );
        // A hit may create a bucket before it empties another, so one
        // bucket more than frames is enough.
        let n_buckets = n_frames + 1;
        let next_bucket = (1..=n_buckets)
            .map(|next| if next == n_buckets { NONE } else { next as u32 })
            .collect();
        FrequencyBuckets {
            count: vec![0; n_buckets],
            first_frame: vec![NONE; n_buckets],
            last_frame: vec![NONE; n_buckets],
            prev_bucket: vec![NONE; n_buckets],
            next_bucket,
            lowest: NONE,
            highest: NONE,
            free_buckets: 0,
            bucket: vec![NONE; n_frames],
            prev_frame: vec![NONE; n_frames],
            next_frame: vec![NONE; n_frames],
        }
    }

    /// Returns the least recently referenced frame with the smallest count.
    #[inline]
    pub fn least_frequent(&self) -> Option<FrameIdx> {
        self.first_of(self.lowest)
    }

    /// Returns the least recently referenced frame with the largest count.
    #[inline]
    pub fn most_frequent(&self) -> Option<FrameIdx> {
        self.first_of(self.highest)
    }

    fn first_of(&self, bucket: u32) -> Option<FrameIdx> {
        (bucket != NONE).then(|| self.first_frame[bucket as usize] as FrameIdx)
    }

    /// Adds the free `frame` with count 1, as the most recently referenced.
    #[inline]
    pub fn insert(&mut self, frame: FrameIdx) {
        let target = if self.lowest != NONE && self.count[self.lowest as usize] == 1 {
            self.lowest
        } else {
            self.new_bucket(1, NONE)
        };
        self.append(target, frame);
    }

    /// Adds one to the count of the occupied `frame` and makes it the most
    /// recently referenced.
    #[inline]
    pub fn increment(&mut self, frame: FrameIdx) {
        let bucket = self.bucket[frame];
        let count = self.count[bucket as usize] + 1;
        let next = self.next_bucket[bucket as usize];
        let target = if next != NONE && self.count[next as usize] == count {
            next
        } else {
            self.new_bucket(count, bucket)
        };
        self.unlink(frame);
        self.append(target, frame);
    }

    /// Removes the occupied `frame`.
    #[inline]
    pub fn remove(&mut self, frame: FrameIdx) {
        self.unlink(frame);
        self.bucket[frame] = NONE;
    }

    /// Takes a bucket from the free list and links it after `after`, or
    /// first when `after` is `NONE`.
    fn new_bucket(&mut self, count: u64, after: u32) -> u32 {
        let bucket = self.free_buckets;
        assert_ne!(
            bucket, NONE,
            "there are never more nonempty buckets than frames, plus one being filled"
        );
        let index = bucket as usize;
        self.free_buckets = self.next_bucket[index];
        self.count[index] = count;
        self.first_frame[index] = NONE;
        self.last_frame[index] = NONE;

        let next = if after == NONE {
            self.lowest
        } else {
            self.next_bucket[after as usize]
        };
        self.prev_bucket[index] = after;
        self.next_bucket[index] = next;
        if after == NONE {
            self.lowest = bucket;
        } else {
            self.next_bucket[after as usize] = bucket;
        }
        if next == NONE {
            self.highest = bucket;
        } else {
            self.prev_bucket[next as usize] = bucket;
        }
        bucket
    }

    /// Unlinks the empty `bucket` and returns it to the free list.
    fn free_bucket(&mut self, bucket: u32) {
        let index = bucket as usize;
        let (prev, next) = (self.prev_bucket[index], self.next_bucket[index]);
        if prev == NONE {
            self.lowest = next;
        } else {
            self.next_bucket[prev as usize] = next;
        }
        if next == NONE {
            self.highest = prev;
        } else {
            self.prev_bucket[next as usize] = prev;
        }
        self.next_bucket[index] = self.free_buckets;
        self.free_buckets = bucket;
    }

    /// Appends `frame` at the tail of `bucket`.
    fn append(&mut self, bucket: u32, frame: FrameIdx) {
        let index = bucket as usize;
        let last = self.last_frame[index];
        self.bucket[frame] = bucket;
        self.prev_frame[frame] = last;
        self.next_frame[frame] = NONE;
        if last == NONE {
            self.first_frame[index] = frame as u32;
        } else {
            self.next_frame[last as usize] = frame as u32;
        }
        self.last_frame[index] = frame as u32;
    }

    /// Unlinks `frame` from its bucket, and frees the bucket if it empties.
    fn unlink(&mut self, frame: FrameIdx) {
        let bucket = self.bucket[frame];
        let index = bucket as usize;
        let (prev, next) = (self.prev_frame[frame], self.next_frame[frame]);
        if prev == NONE {
            self.first_frame[index] = next;
        } else {
            self.next_frame[prev as usize] = next;
        }
        if next == NONE {
            self.last_frame[index] = prev;
        } else {
            self.prev_frame[next as usize] = prev;
        }
        if self.first_frame[index] == NONE {
            self.free_bucket(bucket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the frames by (count, last use) from a plain model.
    fn model_order(model: &[Option<(u64, u64)>]) -> Vec<FrameIdx> {
        let mut frames: Vec<FrameIdx> = (0..model.len()).filter(|&f| model[f].is_some()).collect();
        frames.sort_by_key(|&frame| model[frame]);
        frames
    }

    #[test]
    fn empty_buckets_have_no_victim() {
        let buckets = FrequencyBuckets::new(3);
        assert_eq!(buckets.least_frequent(), None);
        assert_eq!(buckets.most_frequent(), None);
    }

    #[test]
    fn equal_counts_go_least_recent_first() {
        let mut buckets = FrequencyBuckets::new(4);
        for frame in [2, 0, 3] {
            buckets.insert(frame);
        }
        buckets.increment(0);
        buckets.increment(2);
        // Frames 0 and 2 have count 2 and frame 3 has 1. Frame 0 reached
        // count 2 first.
        assert_eq!(buckets.least_frequent(), Some(3));
        assert_eq!(buckets.most_frequent(), Some(0));
        buckets.remove(3);
        assert_eq!(buckets.least_frequent(), Some(0));
        buckets.remove(0);
        buckets.remove(2);
        assert_eq!(buckets.least_frequent(), None);
        assert_eq!(buckets.most_frequent(), None);
    }

    /// Random loads, hits and removals on 23 frames, checked against a
    /// sort by (count, last use) after every step.
    #[test]
    fn matches_model_under_random_updates() {
        let n_frames = 23;
        let mut buckets = FrequencyBuckets::new(n_frames);
        // (count, last use) of each occupied frame.
        let mut model: Vec<Option<(u64, u64)>> = vec![None; n_frames];
        // A fixed 64-bit linear congruential sequence.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for now in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let frame = (state >> 33) as usize % n_frames;
            match model[frame] {
                None => {
                    model[frame] = Some((1, now));
                    buckets.insert(frame);
                }
                Some(_) if (state >> 20).is_multiple_of(4) => {
                    model[frame] = None;
                    buckets.remove(frame);
                }
                Some((count, _)) => {
                    model[frame] = Some((count + 1, now));
                    buckets.increment(frame);
                }
            }
            let order = model_order(&model);
            assert_eq!(buckets.least_frequent(), order.first().copied());
            // The least recent of the frames with the largest count.
            let largest = order
                .last()
                .and_then(|&frame| model[frame])
                .map(|(count, _)| count);
            let most = order
                .iter()
                .copied()
                .find(|&frame| model[frame].map(|(count, _)| count) == largest);
            assert_eq!(buckets.most_frequent(), most);
        }
    }
}
