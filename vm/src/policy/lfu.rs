//! LFU: evict the page with the smallest use count. The same counting
//! drives MFU (`mfu.rs`), which evicts the largest count instead.
//!
//! Source: Silberschatz, Galvin and Gagne, Operating System Concepts,
//! "counting-based page replacement". The book leaves two choices open,
//! and both change fault counts, so both are parameters:
//!
//! - `keep` (default 0): with 0 a page's count starts again at each load
//!   ("in-cache" counts, as libCacheSim's LFU keeps them); with 1 counts
//!   survive eviction, so a count is the page's number of references since
//!   the start ("perfect" LFU). Counts include the faulting reference.
//! - `tie` (default `lru`): which page goes among equal counts: `lru` the
//!   least recently referenced, `fifo` the one loaded longest ago, `lowest`
//!   the one in the lowest-numbered frame.
//!
//! Stack algorithm: only `keep=1` with `tie=lru`, because then each page's
//! priority (count, then recency) does not depend on the frame count
//! (Mattson et al., IBM Systems Journal 9(2), 1970). In-cache counts and
//! the `fifo` and `lowest` tie-breaks depend on what was evicted, and show
//! Belady's anomaly. For MFU the same combination keeps set inclusion in
//! the random tests here, which is evidence, not a proof.
//!
//! Cost: O(1) per reference with the defaults (`keep=0`, `tie=lru`),
//! whose frames sit in frequency buckets (`frequency_buckets.rs`). The
//! other combinations cost O(log k) per reference with k frames, the cost
//! of the heap the literature gives: a tournament tree (`frame_tree.rs`)
//! keeps the occupied frames ordered by (count, tie-break key, frame). A
//! hit changes one key in one direction, so its update stops at the first
//! match the frame does not win. With `keep=1`, a hash map stores the
//! counts of evicted pages, so memory grows with the number of distinct
//! pages.

use super::frame_tree::FrameTree;
use super::frequency_buckets::FrequencyBuckets;
use super::page_map::PageMap;
use super::{FrameIdx, PageKey, ReferenceBits, ReplacementPolicy};

/// The order among pages with equal counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TieBreak {
    /// The least recently referenced page goes first.
    Lru,
    /// The page loaded longest ago goes first.
    Fifo,
    /// The page in the lowest-numbered frame goes first.
    Lowest,
}

impl TieBreak {
    /// The `tie` parameter's values, in the order of the variants.
    pub const CHOICES: &'static [&'static str] = &["lru", "fifo", "lowest"];

    /// Returns the tie-break a `tie` parameter value names.
    pub fn from_choice(choice: &str) -> Option<TieBreak> {
        match choice {
            "lru" => Some(TieBreak::Lru),
            "fifo" => Some(TieBreak::Fifo),
            "lowest" => Some(TieBreak::Lowest),
            _ => None,
        }
    }
}

/// Use counts per frame and the victim rule shared by LFU and MFU.
#[derive(Debug, Clone)]
pub(crate) struct UseCounts {
    /// Evict the largest count (MFU) instead of the smallest (LFU).
    evict_most: bool,
    tie: TieBreak,
    /// Whether counts survive eviction (`keep=1`).
    keep: bool,
    /// The page in each frame.
    page: Vec<PageKey>,
    /// The use count of the page in each frame.
    count: Vec<u64>,
    /// The reference number of the load of each frame's page.
    loaded_at: Vec<u64>,
    /// References so far.
    now: u64,
    /// Counts of evicted pages, when `keep` is set.
    evicted_counts: PageMap<u64>,
    /// The occupied frames in eviction order.
    order: EvictionOrder,
}

/// The structure that orders the occupied frames for eviction.
#[derive(Debug, Clone)]
enum EvictionOrder {
    /// For in-cache counts with the `lru` tie-break.
    Buckets(FrequencyBuckets),
    /// For every other combination, keyed by [`UseCounts::key`].
    Tree(FrameTree),
}

impl UseCounts {
    pub(crate) fn new(n_frames: usize, evict_most: bool, tie: TieBreak, keep: bool) -> UseCounts {
        UseCounts {
            evict_most,
            tie,
            keep,
            page: vec![0; n_frames],
            count: vec![0; n_frames],
            loaded_at: vec![0; n_frames],
            now: 0,
            evicted_counts: PageMap::default(),
            order: if tie == TieBreak::Lru && !keep {
                EvictionOrder::Buckets(FrequencyBuckets::new(n_frames))
            } else {
                EvictionOrder::Tree(FrameTree::new(n_frames))
            },
        }
    }

    /// Returns the eviction key of `frame`, just referenced: the count in
    /// the high 64 bits and the tie-break key in the low ones. The tree
    /// breaks the remaining ties by frame number.
    #[inline]
    fn key(&self, frame: FrameIdx) -> u128 {
        // MFU inverts the count so that the largest count comes first.
        let count = if self.evict_most {
            u64::MAX - self.count[frame]
        } else {
            self.count[frame]
        };
        let tie = match self.tie {
            TieBreak::Lru => self.now,
            TieBreak::Fifo => self.loaded_at[frame],
            TieBreak::Lowest => 0,
        };
        (u128::from(count) << 64) | u128::from(tie)
    }

    pub(crate) fn on_hit(&mut self, frame: FrameIdx) {
        self.now += 1;
        self.count[frame] += 1;
        if let EvictionOrder::Buckets(buckets) = &mut self.order {
            buckets.increment(frame);
            return;
        }
        let key = self.key(frame);
        if let EvictionOrder::Tree(tree) = &mut self.order {
            tree.update(frame, key);
        }
    }

    pub(crate) fn on_load(&mut self, frame: FrameIdx, page: PageKey) {
        self.now += 1;
        let earlier = if self.keep {
            self.evicted_counts.remove(&page).unwrap_or(0)
        } else {
            0
        };
        self.page[frame] = page;
        self.count[frame] = earlier + 1;
        self.loaded_at[frame] = self.now;
        let key = self.key(frame);
        match &mut self.order {
            EvictionOrder::Buckets(buckets) => buckets.insert(frame),
            EvictionOrder::Tree(tree) => tree.insert(frame, key),
        }
    }

    pub(crate) fn on_free(&mut self, frame: FrameIdx) {
        match &mut self.order {
            EvictionOrder::Buckets(buckets) => buckets.remove(frame),
            EvictionOrder::Tree(tree) => tree.remove(frame),
        }
        if self.keep {
            self.evicted_counts
                .insert(self.page[frame], self.count[frame]);
        }
    }

    /// Returns the occupied frame to evict.
    pub(crate) fn choose_victim(&self) -> FrameIdx {
        let victim = match &self.order {
            EvictionOrder::Buckets(buckets) if self.evict_most => buckets.most_frequent(),
            EvictionOrder::Buckets(buckets) => buckets.least_frequent(),
            EvictionOrder::Tree(tree) => tree.first(),
        };
        victim.expect("choose_victim is called only while some frame is occupied")
    }
}

/// Least-frequently-used replacement.
#[derive(Debug, Clone)]
pub struct Lfu {
    counts: UseCounts,
}

impl Lfu {
    /// Creates the policy for `n_frames` frames, all free, with the
    /// tie-break `tie` and, when `keep` is set, counts that survive eviction.
    pub fn new(n_frames: usize, tie: TieBreak, keep: bool) -> Lfu {
        Lfu {
            counts: UseCounts::new(n_frames, false, tie, keep),
        }
    }
}

impl ReplacementPolicy for Lfu {
    fn name(&self) -> &str {
        "lfu"
    }

    fn on_hit(&mut self, frame: FrameIdx, _write: bool) {
        self.counts.on_hit(frame);
    }

    fn on_load(&mut self, frame: FrameIdx, page: PageKey, _write: bool) {
        self.counts.on_load(frame, page);
    }

    fn on_free(&mut self, frame: FrameIdx) {
        self.counts.on_free(frame);
    }

    fn choose_victim(&mut self, _bits: &mut dyn ReferenceBits) -> FrameIdx {
        self.counts.choose_victim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::NoBits;

    /// Loads pages 10, 11, 12 into frames 0, 1, 2 and hits frame 1 twice
    /// and frame 2 once, then frame 0 once: counts 2, 3, 2.
    fn lfu(tie: TieBreak, keep: bool) -> Lfu {
        let mut lfu = Lfu::new(3, tie, keep);
        for frame in 0..3 {
            lfu.on_load(frame, 10 + frame as PageKey, false);
        }
        lfu.on_hit(1, false);
        lfu.on_hit(1, false);
        lfu.on_hit(2, false);
        lfu.on_hit(0, false);
        lfu
    }

    #[test]
    fn tie_breaks_order_equal_counts() {
        // Frames 0 and 2 both have count 2; 2 was referenced longer ago,
        // 0 was loaded earlier and has the lower number.
        assert_eq!(lfu(TieBreak::Lru, false).choose_victim(&mut NoBits), 2);
        assert_eq!(lfu(TieBreak::Fifo, false).choose_victim(&mut NoBits), 0);
        assert_eq!(lfu(TieBreak::Lowest, false).choose_victim(&mut NoBits), 0);
    }

    #[test]
    fn in_cache_counts_restart_at_load() {
        let mut lfu = lfu(TieBreak::Lowest, false);
        lfu.on_free(1);
        lfu.on_load(1, 11, false);
        // Page 11 is back with count 1, below the others' 2.
        assert_eq!(lfu.choose_victim(&mut NoBits), 1);
    }

    #[test]
    fn kept_counts_survive_eviction() {
        let mut lfu = lfu(TieBreak::Lowest, true);
        lfu.on_free(1);
        lfu.on_load(1, 11, false);
        // Page 11 is back with count 4, above the others' 2.
        assert_eq!(lfu.choose_victim(&mut NoBits), 0);
        assert_eq!(lfu.counts.count[1], 4);
    }

    #[test]
    fn victim_is_occupied_when_some_frames_are_free() {
        for tie in [TieBreak::Lru, TieBreak::Fifo, TieBreak::Lowest] {
            let mut lfu = Lfu::new(6, tie, false);
            // Frames 0, 2 and 5 never hold a page; frame 4 is freed.
            for frame in [1, 3, 4] {
                lfu.on_load(frame, frame as PageKey, false);
            }
            lfu.on_hit(1, false);
            lfu.on_free(4);
            assert_eq!(lfu.choose_victim(&mut NoBits), 3, "{tie:?}");
            lfu.on_free(3);
            assert_eq!(lfu.choose_victim(&mut NoBits), 1, "{tie:?}");
        }
    }

    #[test]
    fn tie_choices_parse() {
        for (choice, tie) in
            TieBreak::CHOICES
                .iter()
                .zip([TieBreak::Lru, TieBreak::Fifo, TieBreak::Lowest])
        {
            assert_eq!(TieBreak::from_choice(choice), Some(tie));
        }
        assert_eq!(TieBreak::from_choice("mru"), None);
    }
}
