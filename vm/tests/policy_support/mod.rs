//! Helpers shared by the policy property tests: random reference strings,
//! the per-reference decisions of a replay, and the case count.

#![allow(dead_code)] // Each test file uses a different subset.

use pagelab_vm::refs::Reference;
use pagelab_vm::replay::ReplayOutcome;
use proptest::prelude::*;
use std::collections::HashSet;
use std::ops::Range;

/// Reference strings with a length in `lengths` over pages `0..pages`,
/// about a third of them writes. Few pages make hits and evictions frequent.
pub fn strings(pages: u64, lengths: Range<usize>) -> impl Strategy<Value = Vec<Reference>> {
    prop::collection::vec(
        (0..pages, prop::bool::weighted(0.3)).prop_map(|(page, write)| Reference { page, write }),
        lengths,
    )
}

/// Returns the number of distinct pages in `references`.
pub fn distinct(references: &[Reference]) -> u64 {
    references
        .iter()
        .map(|reference| reference.page)
        .collect::<HashSet<_>>()
        .len() as u64
}

/// For each reference: whether it faulted and the page it evicted.
pub type Decisions = Vec<(bool, Option<u64>)>;

/// Returns the decisions of a replay made with `record_steps`.
pub fn decisions(outcome: &ReplayOutcome) -> Decisions {
    outcome
        .steps
        .as_ref()
        .expect("steps were recorded")
        .iter()
        .map(|step| (step.fault, step.victim))
        .collect()
}

/// Random strings per property: `default`, or the number in the
/// environment variable `PROPTEST_CASES` for a longer run.
pub fn case_count(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}
