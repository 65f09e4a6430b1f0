//! One-pass fault curves for stack algorithms (Mattson, Gecsei, Slutz and
//! Traiger, "Evaluation techniques for storage hierarchies", IBM Systems
//! Journal 9(2), 1970).
//!
//! A stack algorithm keeps, after every reference, a priority order of the
//! pages such that the resident set with k frames is the top k pages of
//! that order, for every k at once. The depth of each referenced page in
//! that order before the reference is its stack distance. A reference
//! faults with k frames exactly when its distance is greater than k, or
//! when it is the page's first reference, so the distances give every
//! frame count's faults. This module computes those distances for LRU and OPT. It
//! does not replay policies; `crate::replay` does.

use crate::policy::PageKey;
use std::collections::HashMap;

/// Returns the LRU stack distance of every reference in `pages`: the
/// 1-based depth of the page in the LRU stack (most recent first) just
/// before the reference, or `None` for a page's first reference.
///
/// The depth is 1 plus the number of distinct other pages referenced
/// since the page's previous reference. Counting them with a Fenwick tree
/// over reference times, in which only each page's latest reference is
/// marked, takes O(n log n) time and O(n) memory for n references.
pub fn lru_stack_distances(pages: &[PageKey]) -> Vec<Option<usize>> {
    let mut distances = Vec::with_capacity(pages.len());
    for_each_lru_distance(pages, |distance| distances.push(distance));
    distances
}

/// Calls `visit` with the LRU stack distance of each reference in order;
/// see [`lru_stack_distances`].
fn for_each_lru_distance(pages: &[PageKey], mut visit: impl FnMut(Option<usize>)) {
    let mut latest = Fenwick::new(pages.len());
    let mut last_time: HashMap<PageKey, usize> = HashMap::new();

    for (time, &page) in pages.iter().enumerate() {
        let distance = match last_time.insert(page, time) {
            Some(previous) => {
                // Marks in (previous, time) are the distinct pages
                // referenced since; the page itself adds one.
                let between = latest.prefix_sum(time) - latest.prefix_sum(previous + 1);
                latest.add(previous, -1);
                Some(between as usize + 1)
            }
            None => None,
        };
        latest.add(time, 1);
        visit(distance);
    }
}

/// Returns LRU's fault count for each frame count in `frame_counts`, in
/// the same order, from the stack distances of [`lru_stack_distances`].
/// Memory use is O(n) for n references.
pub fn lru_fault_curve(pages: &[PageKey], frame_counts: &[usize]) -> Vec<u64> {
    let mut histogram = DistanceHistogram::new(frame_counts, pages.len());
    for_each_lru_distance(pages, |distance| histogram.add(distance));
    histogram.faults(frame_counts)
}

/// Returns OPT's fault count for each frame count in `frame_counts`, in
/// the same order, in one pass over `pages`.
///
/// OPT (Belady's MIN) with k frames evicts the resident page whose next
/// reference is furthest away. Its stack keeps pages ordered so that the
/// top k are OPT's resident set with k frames. On a reference to page x
/// at depth d (or a first reference), x moves to the top. The page pushed
/// down from the top is carried through depths 2 to d − 1. At each depth,
/// the page referenced sooner stays and the other one is carried on. The carried page ends at depth d, the slot x left, or below the
/// stack on a first reference. The carried page at depth i is OPT's victim
/// with i frames, so every prefix of the stack is OPT's resident set.
///
/// Only depths up to the largest frame count matter for the result, and a
/// page below that depth never moves back above it without being
/// referenced, so the stack is cut at that depth. The cost is O(n × K)
/// for n references and a largest frame count K.
///
/// Pages that are never referenced again tie. Which of them is resident
/// changes no later hit, so the fault counts do not depend on the tie-break
/// (here: the carried page moves on).
pub fn opt_fault_curve(pages: &[PageKey], frame_counts: &[usize]) -> Vec<u64> {
    let depth_limit = frame_counts.iter().copied().max().unwrap_or(0);
    let next_use = next_uses(pages);

    // Each entry is (page, time of its next reference), most urgent first
    // in OPT's priority order; `usize::MAX` means never again.
    let mut stack: Vec<(PageKey, usize)> = Vec::new();
    let mut seen: std::collections::HashSet<PageKey> = std::collections::HashSet::new();
    let mut histogram = DistanceHistogram::new(frame_counts, pages.len());

    for (time, &page) in pages.iter().enumerate() {
        let first_reference = seen.insert(page);
        let position = stack.iter().position(|&(resident, _)| resident == page);
        histogram.add(match (first_reference, position) {
            (true, _) => None,
            // A page below the cut has a depth greater than every frame
            // count asked for, which counts as a fault for each of them.
            (false, None) => Some(usize::MAX),
            (false, Some(index)) => Some(index + 1),
        });

        let entry = (page, next_use[time]);
        if stack.is_empty() {
            stack.push(entry);
            continue;
        }
        let mut carried = std::mem::replace(&mut stack[0], entry);
        let end = position.unwrap_or(stack.len());
        for slot in stack.iter_mut().take(end).skip(1) {
            // The page referenced sooner keeps the slot.
            if slot.1 > carried.1 {
                std::mem::swap(slot, &mut carried);
            }
        }
        match position {
            Some(index) if index > 0 => stack[index] = carried,
            Some(_) => {}
            None if stack.len() < depth_limit => stack.push(carried),
            None => {}
        }
    }
    histogram.faults(frame_counts)
}

/// Returns, for each reference, the index of the next reference to the same
/// page, or `usize::MAX` when there is none.
fn next_uses(pages: &[PageKey]) -> Vec<usize> {
    let mut next_use = vec![usize::MAX; pages.len()];
    let mut upcoming: HashMap<PageKey, usize> = HashMap::new();
    for (time, &page) in pages.iter().enumerate().rev() {
        if let Some(next) = upcoming.insert(page, time) {
            next_use[time] = next;
        }
    }
    next_use
}

/// Counts of references by stack distance, from which the faults at
/// every frame count follow.
struct DistanceHistogram {
    /// `counts[d]` counts references at distance d, for d up to `depth`;
    /// `counts[depth + 1]` counts first references and deeper ones.
    counts: Vec<u64>,
    depth: usize,
}

impl DistanceHistogram {
    /// Creates an empty histogram for `frame_counts` over `n_references`
    /// references. No distance exceeds the number of references, so the
    /// histogram is never longer than that, whatever the frame counts.
    fn new(frame_counts: &[usize], n_references: usize) -> DistanceHistogram {
        let max_frames = frame_counts.iter().copied().max().unwrap_or(0);
        let depth = max_frames.min(n_references);
        DistanceHistogram {
            counts: vec![0; depth + 2],
            depth,
        }
    }

    /// Counts one reference at `distance`, `None` for a first reference.
    fn add(&mut self, distance: Option<usize>) {
        let bucket = distance.map_or(self.depth + 1, |d| d.min(self.depth + 1));
        self.counts[bucket] += 1;
    }

    /// Returns, for each frame count k, the references with a distance
    /// greater than k, first references included.
    fn faults(&self, frame_counts: &[usize]) -> Vec<u64> {
        let mut faults_above = vec![0u64; self.depth + 2];
        for depth in (0..=self.depth).rev() {
            faults_above[depth] = faults_above[depth + 1] + self.counts[depth + 1];
        }
        frame_counts
            .iter()
            .map(|&k| faults_above[k.min(self.depth)])
            .collect()
    }
}

/// A Fenwick (binary indexed) tree of counts over positions `0..len`.
struct Fenwick {
    tree: Vec<i64>,
}

impl Fenwick {
    fn new(len: usize) -> Fenwick {
        Fenwick {
            tree: vec![0; len + 1],
        }
    }

    /// Adds `delta` at `position`.
    fn add(&mut self, position: usize, delta: i64) {
        let mut index = position + 1;
        while index < self.tree.len() {
            self.tree[index] += delta;
            index += index & index.wrapping_neg();
        }
    }

    /// Returns the sum over positions `0..end`.
    fn prefix_sum(&self, end: usize) -> i64 {
        let mut index = end;
        let mut sum = 0;
        while index > 0 {
            sum += self.tree[index];
            index -= index & index.wrapping_neg();
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs;
    use crate::replay::replay_named;
    use proptest::prelude::*;

    const SILBERSCHATZ: &str = "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1";

    fn pages(text: &str) -> Vec<PageKey> {
        refs::parse(text)
            .unwrap()
            .iter()
            .map(|reference| reference.page)
            .collect()
    }

    /// Replays every frame count separately through the named policy.
    fn replayed_curve(name: &str, pages: &[PageKey], frame_counts: &[usize]) -> Vec<u64> {
        let references: Vec<refs::Reference> = pages
            .iter()
            .map(|&page| refs::Reference { page, write: false })
            .collect();
        frame_counts
            .iter()
            .map(|&k| replay_named(name, k, 0, &references, false).unwrap().faults)
            .collect()
    }

    #[test]
    fn lru_distances_of_short_string() {
        assert_eq!(
            lru_stack_distances(&pages("1 2 1 3 2 2 1")),
            vec![None, None, Some(2), None, Some(3), Some(1), Some(3)]
        );
    }

    #[test]
    fn silberschatz_curves_match_textbook() {
        let pages = pages(SILBERSCHATZ);
        let frames: Vec<usize> = (1..=7).collect();
        assert_eq!(lru_fault_curve(&pages, &frames), [20, 17, 12, 8, 7, 6, 6]);
        assert_eq!(opt_fault_curve(&pages, &frames), [20, 13, 9, 8, 7, 6, 6]);
    }

    #[test]
    fn frame_counts_keep_their_order() {
        let pages = pages(SILBERSCHATZ);
        assert_eq!(lru_fault_curve(&pages, &[7, 1, 3]), [6, 20, 12]);
        assert_eq!(opt_fault_curve(&pages, &[7, 1, 3]), [6, 20, 9]);
    }

    #[test]
    fn empty_string_has_no_faults() {
        assert_eq!(lru_fault_curve(&[], &[1, 2]), [0, 0]);
        assert_eq!(opt_fault_curve(&[], &[1, 2]), [0, 0]);
    }

    #[test]
    fn opt_cut_below_largest_frame_count() {
        // With only 2 frames asked for, pages pushed below depth 2 leave the
        // stack; the counts must still equal separate replays.
        let pages = pages("1 2 3 4 1 2 5 1 2 3 4 5 3 3 1 6 2");
        let frames = [2];
        assert_eq!(
            opt_fault_curve(&pages, &frames),
            replayed_curve("opt", &pages, &frames)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn lru_curve_equals_replays(
            pages in prop::collection::vec(0u64..10, 0..60),
            max_frames in 1usize..12,
        ) {
            let frames: Vec<usize> = (1..=max_frames).collect();
            prop_assert_eq!(
                lru_fault_curve(&pages, &frames),
                replayed_curve("lru", &pages, &frames)
            );
        }

        #[test]
        fn opt_curve_equals_replays(
            pages in prop::collection::vec(0u64..10, 0..60),
            max_frames in 1usize..12,
        ) {
            let frames: Vec<usize> = (1..=max_frames).collect();
            prop_assert_eq!(
                opt_fault_curve(&pages, &frames),
                replayed_curve("opt", &pages, &frames)
            );
        }

        #[test]
        fn opt_curve_with_sparse_frame_counts(
            pages in prop::collection::vec(0u64..16, 0..80),
            frames in prop::collection::vec(1usize..20, 1..5),
        ) {
            prop_assert_eq!(
                opt_fault_curve(&pages, &frames),
                replayed_curve("opt", &pages, &frames)
            );
        }
    }
}
