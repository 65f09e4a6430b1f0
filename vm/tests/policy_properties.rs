//! Property tests of the replacement policies, through the replay driver,
//! over random reference strings: the known theorems about fault counts,
//! and agreement with naive list-based models written here from the
//! textbook definitions.

mod policy_support;

use pagelab_vm::policy::NAMES;
use pagelab_vm::refs::Reference;
use pagelab_vm::replay::{replay_named, ReplayOutcome};
use pagelab_vm::rng::SplitMix64;
use policy_support::{case_count, decisions, distinct, strings, Decisions};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// The policies that need no seed to be compared with their models.
const ONLINE: &[&str] = &["fifo", "lru", "clock", "random"];

/// Frame counts tried for each string.
const MAX_FRAMES_TRIED: usize = 7;

fn run(name: &str, n_frames: usize, references: &[Reference], seed: u64) -> ReplayOutcome {
    replay_named(name, n_frames, seed, references, true).expect("valid policy and frame count")
}

/// Returns whether `name` accepts `n_frames` frames (LIRS rejects one).
fn accepts(name: &str, n_frames: usize) -> bool {
    pagelab_vm::policy::new(name, n_frames, 0, Some(&[])).is_ok()
}

/// FIFO model: a list in load order; the victim is its first page.
fn fifo_model(n_frames: usize, references: &[Reference]) -> Decisions {
    let mut loaded: Vec<u64> = Vec::new();
    let mut decisions = Vec::new();
    for reference in references {
        if loaded.contains(&reference.page) {
            decisions.push((false, None));
            continue;
        }
        let victim = (loaded.len() == n_frames).then(|| loaded.remove(0));
        loaded.push(reference.page);
        decisions.push((true, victim));
    }
    decisions
}

/// LRU model: a list from least to most recently referenced.
fn lru_model(n_frames: usize, references: &[Reference]) -> Decisions {
    let mut recency: Vec<u64> = Vec::new();
    let mut decisions = Vec::new();
    for reference in references {
        if let Some(position) = recency.iter().position(|&page| page == reference.page) {
            recency.remove(position);
            recency.push(reference.page);
            decisions.push((false, None));
            continue;
        }
        let victim = (recency.len() == n_frames).then(|| recency.remove(0));
        recency.push(reference.page);
        decisions.push((true, victim));
    }
    decisions
}

/// Clock model in its list form, second chance: a queue of (page,
/// referenced) in load order. A referenced head loses its bit and moves to
/// the tail; an unreferenced head is evicted. A new page starts referenced.
fn clock_model(n_frames: usize, references: &[Reference]) -> Decisions {
    let mut queue: Vec<(u64, bool)> = Vec::new();
    let mut decisions = Vec::new();
    for reference in references {
        if let Some(entry) = queue.iter_mut().find(|(page, _)| *page == reference.page) {
            entry.1 = true;
            decisions.push((false, None));
            continue;
        }
        let mut victim = None;
        if queue.len() == n_frames {
            while queue[0].1 {
                let (page, _) = queue.remove(0);
                queue.push((page, false));
            }
            victim = Some(queue.remove(0).0);
        }
        queue.push((reference.page, true));
        decisions.push((true, victim));
    }
    decisions
}

/// OPT model over frames: each fault scans forward for each resident page's
/// next use and evicts the farthest. Among pages never used again, the one
/// in the lowest frame goes.
fn opt_model(n_frames: usize, references: &[Reference]) -> Decisions {
    let mut frames: Vec<u64> = Vec::new();
    let mut decisions = Vec::new();
    for (position, reference) in references.iter().enumerate() {
        if frames.contains(&reference.page) {
            decisions.push((false, None));
            continue;
        }
        if frames.len() < n_frames {
            frames.push(reference.page);
            decisions.push((true, None));
            continue;
        }
        let next_use = |page: u64| {
            references[position + 1..]
                .iter()
                .position(|later| later.page == page)
                .unwrap_or(usize::MAX)
        };
        let mut victim_frame = 0;
        for frame in 1..frames.len() {
            // Strictly farther, so that ties keep the lowest frame.
            if next_use(frames[frame]) > next_use(frames[victim_frame]) {
                victim_frame = frame;
            }
        }
        let victim = std::mem::replace(&mut frames[victim_frame], reference.page);
        decisions.push((true, Some(victim)));
    }
    decisions
}

/// Random model over frames: each eviction takes the frame `below(n_frames)`
/// from a SplitMix64 seeded like the policy.
fn random_model(n_frames: usize, references: &[Reference], seed: u64) -> Decisions {
    let mut rng = SplitMix64::new(seed);
    let mut frames: Vec<u64> = Vec::new();
    let mut decisions = Vec::new();
    for reference in references {
        if frames.contains(&reference.page) {
            decisions.push((false, None));
            continue;
        }
        if frames.len() < n_frames {
            frames.push(reference.page);
            decisions.push((true, None));
            continue;
        }
        let victim_frame = rng.below(n_frames as u64) as usize;
        let victim = std::mem::replace(&mut frames[victim_frame], reference.page);
        decisions.push((true, Some(victim)));
    }
    decisions
}

/// Counts evictions of pages written since they were loaded, from the
/// references and each step's fault and victim alone.
fn expected_write_backs(references: &[Reference], decisions: &Decisions) -> u64 {
    let mut dirty: std::collections::HashMap<u64, bool> = std::collections::HashMap::new();
    let mut write_backs = 0;
    for (reference, &(fault, victim)) in references.iter().zip(decisions) {
        if let Some(victim) = victim {
            if dirty.remove(&victim).expect("a victim is resident") {
                write_backs += 1;
            }
        }
        if fault {
            dirty.insert(reference.page, reference.write);
        } else {
            *dirty.get_mut(&reference.page).expect("a hit is resident") |= reference.write;
        }
    }
    write_backs
}

/// Reference strings of up to 30 references over at most 8 pages.
fn reference_strings() -> impl Strategy<Value = Vec<Reference>> {
    strings(8, 0..30)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(case_count(300)))]

    #[test]
    fn opt_has_fewest_faults(references in reference_strings(), seed in any::<u64>()) {
        for n_frames in 1..=MAX_FRAMES_TRIED {
            let opt = run("opt", n_frames, &references, 0).faults;
            for &name in ONLINE {
                let faults = run(name, n_frames, &references, seed).faults;
                prop_assert!(opt <= faults, "{name}, {n_frames} frames: {faults} < opt {opt}");
            }
        }
    }

    #[test]
    fn fault_count_bounds(references in reference_strings(), seed in any::<u64>()) {
        let distinct = distinct(&references);
        let n = references.len() as u64;
        for n_frames in 1..=MAX_FRAMES_TRIED {
            for &name in NAMES.iter().filter(|&&name| accepts(name, n_frames)) {
                let outcome = run(name, n_frames, &references, seed);
                prop_assert!(distinct <= outcome.faults, "{name}, {n_frames} frames");
                prop_assert!(outcome.faults <= n, "{name}, {n_frames} frames");
                prop_assert_eq!(outcome.hits + outcome.faults, n);
                let filling = distinct.min(n_frames as u64);
                prop_assert_eq!(outcome.evictions, outcome.faults - filling);
                if n_frames as u64 >= distinct {
                    prop_assert_eq!(outcome.faults, distinct, "{} with {} frames", name, n_frames);
                }
            }
        }
    }

    #[test]
    fn one_frame_faults_on_every_change(references in reference_strings(), seed in any::<u64>()) {
        prop_assume!(!references.is_empty());
        let changes = references
            .windows(2)
            .filter(|pair| pair[0].page != pair[1].page)
            .count() as u64;
        for &name in NAMES.iter().filter(|&&name| accepts(name, 1)) {
            prop_assert_eq!(run(name, 1, &references, seed).faults, 1 + changes, "{}", name);
        }
    }

    #[test]
    fn lru_is_a_stack_algorithm(references in reference_strings()) {
        for n_frames in 1..MAX_FRAMES_TRIED {
            let smaller = run("lru", n_frames, &references, 0);
            let larger = run("lru", n_frames + 1, &references, 0);
            prop_assert!(larger.faults <= smaller.faults);
            let steps = smaller.steps.unwrap().into_iter().zip(larger.steps.unwrap());
            for (position, (small, large)) in steps.enumerate() {
                let small: BTreeSet<u64> = small.frames.into_iter().flatten().collect();
                let large: BTreeSet<u64> = large.frames.into_iter().flatten().collect();
                prop_assert!(
                    small.is_subset(&large),
                    "after reference {}: {:?} with {} frames, {:?} with {}",
                    position, small, n_frames, large, n_frames + 1
                );
            }
        }
    }

    /// Sleator and Tarjan (CACM 28(2), 1985): with k frames, FIFO and LRU
    /// fault at most k/(k−h+1)·OPT(h) + h times, for every h ≤ k. The check
    /// multiplies through by k−h+1 to stay in integers.
    #[test]
    fn fifo_and_lru_are_competitive(references in reference_strings()) {
        for k in 1..=MAX_FRAMES_TRIED {
            for h in 1..=k {
                let opt = run("opt", h, &references, 0).faults;
                let slack = (k - h + 1) as u64;
                for name in ["fifo", "lru"] {
                    let faults = run(name, k, &references, 0).faults;
                    prop_assert!(
                        faults * slack <= k as u64 * opt + h as u64 * slack,
                        "{} with k={}: {} faults; opt with h={}: {}", name, k, faults, h, opt
                    );
                }
            }
        }
    }

    #[test]
    fn policies_match_their_models(references in reference_strings(), seed in any::<u64>()) {
        for n_frames in 1..=MAX_FRAMES_TRIED {
            let models = [
                ("fifo", fifo_model(n_frames, &references)),
                ("lru", lru_model(n_frames, &references)),
                ("clock", clock_model(n_frames, &references)),
                ("opt", opt_model(n_frames, &references)),
                ("random", random_model(n_frames, &references, seed)),
            ];
            for (name, expected) in models {
                let outcome = run(name, n_frames, &references, seed);
                let actual = decisions(&outcome);
                prop_assert_eq!(&actual, &expected, "{} with {} frames", name, n_frames);
                prop_assert_eq!(
                    outcome.write_backs,
                    expected_write_backs(&references, &expected),
                    "{} with {} frames", name, n_frames
                );
            }
        }
    }

    #[test]
    fn same_seed_same_random_run(references in reference_strings(), seed in any::<u64>()) {
        for n_frames in 1..=MAX_FRAMES_TRIED {
            prop_assert_eq!(
                run("random", n_frames, &references, seed),
                run("random", n_frames, &references, seed)
            );
        }
    }
}
