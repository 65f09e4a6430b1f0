//! Tests of the classic replacement policies through the replay driver:
//! textbook golden counts, agreement with naive list-based models written
//! here from the textbook definitions, and the general fault-count
//! properties over random reference strings.

mod common;

mod policy_support;

use common::{addi, alu, branch, li, lw, sw, DATA};
use pagelab_vm::isa::{AluOp, BranchCond, Instruction};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::refs::{self, Reference};
use pagelab_vm::replay::{replay_named, ReplayOutcome};
use policy_support::{case_count, decisions, distinct, strings, Decisions};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};

const SILBERSCHATZ: &str = "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1";

/// Frame counts tried for each random string.
const MAX_FRAMES_TRIED: usize = 7;

fn run(spec: &str, n_frames: usize, references: &[Reference]) -> ReplayOutcome {
    replay_named(spec, n_frames, 0, references, true).expect("valid policy and frame count")
}

fn faults(spec: &str, n_frames: usize, text: &str) -> u64 {
    let references = refs::parse(text).expect("valid reference string");
    run(spec, n_frames, &references).faults
}

/// Clock model over a ring of frames: the hand skips and clears referenced
/// frames and evicts the first unreferenced one, then moves past it. A new
/// page starts with reference bit `new_ref`; every hit sets the bit.
fn clock_model(n_frames: usize, references: &[Reference], new_ref: bool) -> Decisions {
    let mut ring: Vec<(u64, bool)> = Vec::new();
    let mut hand = 0;
    let mut decisions = Vec::new();
    for reference in references {
        if let Some(entry) = ring.iter_mut().find(|(page, _)| *page == reference.page) {
            entry.1 = true;
            decisions.push((false, None));
            continue;
        }
        if ring.len() < n_frames {
            ring.push((reference.page, new_ref));
            decisions.push((true, None));
            continue;
        }
        while ring[hand].1 {
            ring[hand].1 = false;
            hand = (hand + 1) % n_frames;
        }
        let victim = ring[hand].0;
        ring[hand] = (reference.page, new_ref);
        hand = (hand + 1) % n_frames;
        decisions.push((true, Some(victim)));
    }
    decisions
}

/// Second-chance model: a queue of (page, referenced) in load order. A
/// referenced head loses its bit and moves to the tail; an unreferenced
/// head is evicted. A new page starts with reference bit `new_ref`.
fn second_chance_model(n_frames: usize, references: &[Reference], new_ref: bool) -> Decisions {
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
        queue.push((reference.page, new_ref));
        decisions.push((true, victim));
    }
    decisions
}

/// NRU model (Stallings' enhanced clock): a ring of (page, referenced,
/// dirty). Up to twice: one turn from the hand for (0,0) changing nothing,
/// then one turn for (0,1) clearing the reference bit of each page passed.
fn nru_model(n_frames: usize, references: &[Reference]) -> Decisions {
    let mut ring: Vec<(u64, bool, bool)> = Vec::new();
    let mut hand = 0;
    let mut decisions = Vec::new();
    for reference in references {
        if let Some(entry) = ring.iter_mut().find(|entry| entry.0 == reference.page) {
            entry.1 = true;
            entry.2 |= reference.write;
            decisions.push((false, None));
            continue;
        }
        if ring.len() < n_frames {
            ring.push((reference.page, true, reference.write));
            decisions.push((true, None));
            continue;
        }
        let mut found = None;
        'search: for _ in 0..2 {
            for want_dirty in [false, true] {
                for _ in 0..n_frames {
                    let position = hand;
                    hand = (hand + 1) % n_frames;
                    let (_, referenced, dirty) = ring[position];
                    if !referenced && dirty == want_dirty {
                        found = Some(position);
                        break 'search;
                    }
                    if want_dirty {
                        ring[position].1 = false;
                    }
                }
            }
        }
        let position = found.expect("the second round finds a victim");
        let victim = ring[position].0;
        ring[position] = (reference.page, true, reference.write);
        decisions.push((true, Some(victim)));
    }
    decisions
}

/// MRU model: a list from least to most recently referenced; the victim
/// is its last page.
fn mru_model(n_frames: usize, references: &[Reference]) -> Decisions {
    let mut recency: Vec<u64> = Vec::new();
    let mut decisions = Vec::new();
    for reference in references {
        if let Some(position) = recency.iter().position(|&page| page == reference.page) {
            recency.remove(position);
            recency.push(reference.page);
            decisions.push((false, None));
            continue;
        }
        let victim = (recency.len() == n_frames).then(|| recency.pop().expect("memory is full"));
        recency.push(reference.page);
        decisions.push((true, victim));
    }
    decisions
}

#[test]
fn mru_silberschatz_three_frames() {
    assert_eq!(faults("mru", 3, SILBERSCHATZ), 16);
}

/// LFU and MFU model: resident entries (page, count, last use, load time)
/// in a list, counts of evicted pages in a map when `keep` is set. The
/// victim is the entry with the smallest (LFU) or largest (MFU) count,
/// ties broken by `tie`. With `lowest` the entry's position is its frame,
/// because a new page takes its victim's place.
fn count_model(
    n_frames: usize,
    references: &[Reference],
    most: bool,
    tie: &str,
    keep: bool,
) -> Decisions {
    // (page, count, last use, loaded at), indexed by frame.
    let mut frames: Vec<(u64, u64, usize, usize)> = Vec::new();
    let mut evicted_counts: HashMap<u64, u64> = HashMap::new();
    let mut decisions = Vec::new();
    for (now, reference) in references.iter().enumerate() {
        if let Some(entry) = frames.iter_mut().find(|entry| entry.0 == reference.page) {
            entry.1 += 1;
            entry.2 = now;
            decisions.push((false, None));
            continue;
        }
        let count = if keep {
            evicted_counts.remove(&reference.page).unwrap_or(0)
        } else {
            0
        } + 1;
        let entry = (reference.page, count, now, now);
        if frames.len() < n_frames {
            frames.push(entry);
            decisions.push((true, None));
            continue;
        }
        let mut best = 0;
        for frame in 1..frames.len() {
            let (_, count, last_use, loaded_at) = frames[frame];
            let (_, best_count, best_last_use, best_loaded_at) = frames[best];
            let better_count = if most {
                count > best_count
            } else {
                count < best_count
            };
            let better_tie = match tie {
                "lru" => last_use < best_last_use,
                "fifo" => loaded_at < best_loaded_at,
                _ => false,
            };
            if better_count || (count == best_count && better_tie) {
                best = frame;
            }
        }
        let (victim, victim_count, _, _) = std::mem::replace(&mut frames[best], entry);
        if keep {
            evicted_counts.insert(victim, victim_count);
        }
        decisions.push((true, Some(victim)));
    }
    decisions
}

/// NFU and aging model: entries (page, counter, referenced) indexed by
/// frame. After every `interval`-th reference each entry's counter takes
/// its bit and the bit is cleared. NFU adds the bit, and aging shifts
/// right and puts it at bit `bits - 1`. The victim has the smallest counter, the lowest
/// frame among equals.
fn sampling_model(
    n_frames: usize,
    references: &[Reference],
    aging_bits: Option<u32>,
    interval: usize,
) -> Decisions {
    let mut frames: Vec<(u64, u64, bool)> = Vec::new();
    let mut decisions = Vec::new();
    for (index, reference) in references.iter().enumerate() {
        if let Some(entry) = frames.iter_mut().find(|entry| entry.0 == reference.page) {
            entry.2 = true;
            decisions.push((false, None));
        } else if frames.len() < n_frames {
            frames.push((reference.page, 0, true));
            decisions.push((true, None));
        } else {
            let mut best = 0;
            for frame in 1..frames.len() {
                if frames[frame].1 < frames[best].1 {
                    best = frame;
                }
            }
            let victim = std::mem::replace(&mut frames[best], (reference.page, 0, true)).0;
            decisions.push((true, Some(victim)));
        }

        if (index + 1) % interval == 0 {
            for entry in &mut frames {
                let bit = entry.2 as u64;
                entry.1 = match aging_bits {
                    None => entry.1 + bit,
                    Some(bits) => (entry.1 >> 1) | (bit << (bits - 1)),
                };
                entry.2 = false;
            }
        }
    }
    decisions
}

/// Working-set model: entries (page, position of last reference) indexed
/// by frame. At a fault at position t, the first entry whose last
/// reference is before t − τ goes; if none, the least recently used.
fn working_set_model(n_frames: usize, references: &[Reference], tau: usize) -> Decisions {
    let mut frames: Vec<(u64, usize)> = Vec::new();
    let mut decisions = Vec::new();
    for (now, reference) in references.iter().enumerate() {
        if let Some(entry) = frames.iter_mut().find(|entry| entry.0 == reference.page) {
            entry.1 = now;
            decisions.push((false, None));
            continue;
        }
        if frames.len() < n_frames {
            frames.push((reference.page, now));
            decisions.push((true, None));
            continue;
        }
        // The window is positions now − τ ..= now − 1.
        let outside = frames.iter().position(|&(_, last)| last + tau < now);
        let frame = outside.unwrap_or_else(|| {
            (0..frames.len())
                .min_by_key(|&frame| frames[frame].1)
                .expect("memory is full")
        });
        let victim = std::mem::replace(&mut frames[frame], (reference.page, now)).0;
        decisions.push((true, Some(victim)));
    }
    decisions
}

/// One frame of the WSClock model.
#[derive(Clone, Copy)]
struct WsFrame {
    page: u64,
    referenced: bool,
    dirty: bool,
    last_use: usize,
    written_back: bool,
}

impl WsFrame {
    fn clean(&self) -> bool {
        !self.dirty || self.written_back
    }
}

/// WSClock model: a ring of frames and a hand. Time counts references.
/// At a fault the hand clears and renews referenced frames, takes an old
/// (age > τ) clean frame, and schedules old dirty ones. Scheduled writes
/// complete when the victim is found or after one turn. After a turn with
/// writes the hand goes on by the same rules. After a turn without, the
/// first clean frame seen goes, or the start frame if none was clean.
fn wsclock_model(n_frames: usize, references: &[Reference], tau: usize) -> Decisions {
    let mut ring: Vec<WsFrame> = Vec::new();
    let mut hand = 0;
    let mut decisions = Vec::new();
    for (now, reference) in references.iter().enumerate() {
        if let Some(frame) = ring.iter_mut().find(|frame| frame.page == reference.page) {
            frame.referenced = true;
            frame.dirty |= reference.write;
            frame.written_back &= !reference.write;
            decisions.push((false, None));
            continue;
        }
        let loaded = WsFrame {
            page: reference.page,
            referenced: true,
            dirty: reference.write,
            last_use: now + 1,
            written_back: false,
        };
        if ring.len() < n_frames {
            ring.push(loaded);
            decisions.push((true, None));
            continue;
        }

        let start = hand;
        let mut first_clean = None;
        let mut scheduled: Vec<usize> = Vec::new();
        let mut found = None;
        for turn in 0..2 {
            for _ in 0..n_frames {
                let position = hand;
                hand = (hand + 1) % n_frames;
                let frame = &mut ring[position];
                if turn == 0 && first_clean.is_none() && frame.clean() {
                    first_clean = Some(position);
                }
                if frame.referenced {
                    frame.referenced = false;
                    frame.last_use = now;
                } else if now - frame.last_use > tau {
                    if frame.clean() {
                        found = Some(position);
                        break;
                    }
                    scheduled.push(position);
                }
            }
            let any_scheduled = !scheduled.is_empty();
            for position in scheduled.drain(..) {
                ring[position].written_back = true;
            }
            if found.is_some() || !any_scheduled {
                break;
            }
        }
        let position = found.unwrap_or_else(|| {
            let position = first_clean.unwrap_or(start);
            hand = (position + 1) % n_frames;
            position
        });
        let victim = std::mem::replace(&mut ring[position], loaded).page;
        decisions.push((true, Some(victim)));
    }
    decisions
}

#[test]
fn clock_new_ref_golden_cases() {
    let cases = [
        ("1 2 3 1 4 1", 4, 5),
        ("1 2 3 4 5 4", 5, 5),
        ("3 1 2 4 1", 4, 4),
        (SILBERSCHATZ, 11, 14),
    ];
    for (text, unreferenced, referenced) in cases {
        assert_eq!(
            faults("clock:new_ref=0", 3, text),
            unreferenced,
            "{text} new_ref=0"
        );
        assert_eq!(
            faults("clock:new_ref=1", 3, text),
            referenced,
            "{text} new_ref=1"
        );
        assert_eq!(faults("clock", 3, text), referenced, "{text} default");
        for (spec, expected) in [
            ("second-chance:new_ref=0", unreferenced),
            ("second-chance", referenced),
        ] {
            assert_eq!(faults(spec, 3, text), expected, "{text} {spec}");
        }
    }
}

/// Strings on which a policy faults more with one more frame (Belady's
/// anomaly), found by random search; each shows that the policy is not a
/// stack algorithm.
#[test]
fn anomaly_witnesses() {
    let cases = [
        ("lfu", "4 1 1 3 4 3 2 1 2 1", 2, 6, 7),
        ("lfu:keep=1,tie=fifo", "1 3 4 3 4 1 2 1 2", 2, 5, 6),
        ("lfu:keep=1,tie=lowest", "3 4 5 5 2 3 2 4 3", 2, 7, 8),
        ("mfu", "5 6 2 5 1 1 5 1", 2, 5, 6),
        ("mfu:keep=1,tie=fifo", "4 3 1 4 1 2 2 2 4 2", 2, 5, 6),
        ("second-chance", "5 2 6 1 4 2 3 5 2", 4, 7, 8),
        ("nru", "5 2 1 3 2 4 6 2", 3, 6, 7),
        ("nfu", "4 3 2 2 4 2 1 6 1 3", 3, 6, 7),
        ("aging:bits=2,interval=1", "1 6 4 3 5 1 1 2 5", 3, 7, 8),
        ("working-set:tau=2", "1 6 4 3 5 1 1 2 5", 3, 7, 8),
        ("wsclock", "5 4 1 3 5 4 2 2 5 4 1 3 2 1", 3, 9, 10),
    ];
    for (spec, text, n_frames, fewer_frames, more_frames) in cases {
        assert_eq!(
            faults(spec, n_frames, text),
            fewer_frames,
            "{spec} with {n_frames} frames"
        );
        assert_eq!(
            faults(spec, n_frames + 1, text),
            more_frames,
            "{spec} with {} frames",
            n_frames + 1
        );
    }
}

#[test]
fn invalid_parameters_are_rejected() {
    let cases = [
        (
            "aging:bits=65",
            "invalid value \"65\" for parameter `bits` of policy \"aging\": expected a whole number from 1 to 64",
        ),
        (
            "nfu:interval=0",
            "invalid value \"0\" for parameter `interval` of policy \"nfu\": expected a whole number from 1 to 4294967296",
        ),
        (
            "working-set:tau=0",
            "invalid value \"0\" for parameter `tau` of policy \"working-set\": expected a whole number from 1 to 4294967296",
        ),
        (
            "lfu:tie=mru",
            "invalid value \"mru\" for parameter `tie` of policy \"lfu\": expected one of: lru, fifo, lowest",
        ),
        (
            "mfu:keep=2",
            "invalid value \"2\" for parameter `keep` of policy \"mfu\": expected 0, 1, false or true",
        ),
        (
            "nfu:bits=4",
            "policy \"nfu\" has no parameter `bits`; its parameters are: interval",
        ),
        ("nru:new_ref=0", "policy \"nru\" takes no parameters, but `new_ref` was given"),
        (
            "wsclock:window=3",
            "policy \"wsclock\" has no parameter `window`; its parameters are: tau",
        ),
    ];
    for (spec, expected) in cases {
        let error = replay_named(spec, 3, 0, &[], false).unwrap_err();
        assert_eq!(error.to_string(), expected, "{spec}");
    }
}

#[test]
fn clock_new_ref_rejects_bad_value() {
    let error = replay_named("clock:new_ref=2", 3, 0, &[], false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid value \"2\" for parameter `new_ref` of policy \"clock\": expected 0, 1, false or true"
    );
}

/// Sweeps a 10-page bss with strides 1, 3 and 7 pages (modulo 10), storing
/// to even steps and loading from odd ones, so reuse distances vary.
fn stride_program() -> Vec<Instruction> {
    const PAGE: i32 = 4096;
    let imm = |op, rd, rs1, imm| Instruction::AluImm {
        op,
        rd: common::r(rd),
        rs1: common::r(rs1),
        imm,
    };
    vec![
        li(1, 0),                         // 0: step
        li(2, 90),                        // 1: steps
        li(9, DATA as i32),               // 2
        li(10, 10),                       // 3: pages
        imm(AluOp::Mul, 4, 1, 7),         // 4: loop: page = step * 7
        alu(AluOp::Add, 4, 4, 1),         // 5: + step
        imm(AluOp::Shr, 5, 1, 2),         // 6: + step / 4
        alu(AluOp::Add, 4, 4, 5),         // 7
        alu(AluOp::Rem, 4, 4, 10),        // 8: page mod 10
        imm(AluOp::Mul, 4, 4, PAGE),      // 9
        alu(AluOp::Add, 4, 4, 9),         // 10: address
        imm(AluOp::And, 6, 1, 1),         // 11: odd step?
        branch(BranchCond::Ne, 6, 0, 15), // 12
        sw(1, 4, 0),                      // 13
        Instruction::Jmp {
            target: common::at(16),
        }, // 14
        lw(7, 4, 0),                      // 15
        addi(1, 1, 1),                    // 16
        branch(BranchCond::Lt, 1, 2, 4),  // 17
        Instruction::Halt,                // 18
    ]
}

/// Parameter settings the VM must replay exactly, including the
/// periodic samples of nfu and aging.
#[test]
fn vm_matches_replay_with_parameters() {
    let specs = [
        "clock:new_ref=0",
        "second-chance:new_ref=0",
        "lfu:tie=fifo,keep=1",
        "mfu:tie=lowest",
        "nfu:interval=1",
        "aging:bits=2,interval=3",
        "working-set:tau=5",
        "wsclock:tau=4",
    ];
    for spec in specs {
        for frames in [2, 3, 5] {
            let config = common::config(spec, frames);
            let object = common::object("stride.asm", &stride_program(), &[], 10 * 4096);
            let outcome = common::run(config, object);
            assert_eq!(
                outcome.exit,
                Some(ExitStatus::Exited(0)),
                "{}",
                outcome.message
            );

            let references = refs::parse(&outcome.refs).expect("the VM writes valid references");
            let replayed = replay_named(spec, frames, 0, &references, false).unwrap();
            assert!(
                replayed.evictions > 0,
                "{spec} with {frames} frames evicted nothing"
            );
            assert!(
                replayed.write_backs > 0,
                "{spec} with {frames} frames wrote nothing back"
            );
            assert_eq!(
                replayed.faults, outcome.stats.totals.page_faults,
                "{spec} with {frames} frames: faults"
            );
            assert_eq!(
                replayed.write_backs, outcome.stats.totals.swap_outs,
                "{spec} with {frames} frames: dirty evictions"
            );
        }
    }
}

/// Checks the properties every policy here has: OPT has no more faults;
/// distinct pages ≤ faults ≤ references; with frames ≥ distinct pages,
/// faults = distinct pages; with one frame, a fault on every change.
fn check_general(spec: &str, references: &[Reference]) -> Result<(), TestCaseError> {
    let distinct = distinct(references);
    let n = references.len() as u64;
    for n_frames in 1..=MAX_FRAMES_TRIED {
        let outcome = run(spec, n_frames, references);
        let opt = run("opt", n_frames, references).faults;
        prop_assert!(
            opt <= outcome.faults,
            "{spec}, {n_frames} frames: below opt {opt}"
        );
        prop_assert!(distinct <= outcome.faults, "{spec}, {n_frames} frames");
        prop_assert!(outcome.faults <= n, "{spec}, {n_frames} frames");
        if n_frames as u64 >= distinct {
            prop_assert_eq!(
                outcome.faults,
                distinct,
                "{} with {} frames",
                spec,
                n_frames
            );
        }
    }
    if !references.is_empty() {
        let changes = references
            .windows(2)
            .filter(|pair| pair[0].page != pair[1].page)
            .count() as u64;
        prop_assert_eq!(
            run(spec, 1, references).faults,
            1 + changes,
            "{} with 1 frame",
            spec
        );
    }
    Ok(())
}

/// Checks that the frame set with k frames is a subset of the one with
/// k + 1 after every reference, so faults never rise with more frames.
fn check_stack(spec: &str, references: &[Reference]) -> Result<(), TestCaseError> {
    for n_frames in 1..MAX_FRAMES_TRIED {
        let smaller = run(spec, n_frames, references);
        let larger = run(spec, n_frames + 1, references);
        prop_assert!(larger.faults <= smaller.faults, "{spec}: {n_frames} frames");
        let steps = smaller
            .steps
            .unwrap()
            .into_iter()
            .zip(larger.steps.unwrap());
        for (position, (small, large)) in steps.enumerate() {
            let small: BTreeSet<u64> = small.frames.into_iter().flatten().collect();
            let large: BTreeSet<u64> = large.frames.into_iter().flatten().collect();
            prop_assert!(
                small.is_subset(&large),
                "{} after reference {}: {:?} with {} frames, {:?} with {}",
                spec,
                position,
                small,
                n_frames,
                large,
                n_frames + 1
            );
        }
    }
    Ok(())
}

/// Checks that the policy's faults and victims equal the model's.
fn check_model(
    spec: &str,
    references: &[Reference],
    model: impl Fn(usize, &[Reference]) -> Decisions,
) -> Result<(), TestCaseError> {
    for n_frames in 1..=MAX_FRAMES_TRIED {
        let actual = decisions(&run(spec, n_frames, references));
        prop_assert_eq!(
            actual,
            model(n_frames, references),
            "{} with {} frames",
            spec,
            n_frames
        );
    }
    Ok(())
}

/// Reference strings of up to 30 references over at most 8 pages.
fn reference_strings() -> impl Strategy<Value = Vec<Reference>> {
    strings(8, 0..30)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(case_count(200)))]

    #[test]
    fn clock_matches_model(references in reference_strings()) {
        check_model("clock:new_ref=0", &references, |k, s| clock_model(k, s, false))?;
        check_model("clock:new_ref=1", &references, |k, s| clock_model(k, s, true))?;
        check_general("clock:new_ref=0", &references)?;
    }

    #[test]
    fn second_chance_matches_model(references in reference_strings()) {
        check_model("second-chance:new_ref=0", &references, |k, s| second_chance_model(k, s, false))?;
        check_model("second-chance", &references, |k, s| second_chance_model(k, s, true))?;
        check_general("second-chance", &references)?;
        check_general("second-chance:new_ref=0", &references)?;
    }

    /// Tanenbaum: clock differs from second chance only in the data
    /// structure, so with the same new-page convention the victims agree.
    #[test]
    fn second_chance_victims_equal_clock(references in reference_strings()) {
        for new_ref in [0, 1] {
            for n_frames in 1..=MAX_FRAMES_TRIED {
                let list = run(&format!("second-chance:new_ref={new_ref}"), n_frames, &references);
                let ring = run(&format!("clock:new_ref={new_ref}"), n_frames, &references);
                prop_assert_eq!(decisions(&list), decisions(&ring), "new_ref={} with {} frames", new_ref, n_frames);
            }
        }
    }

    #[test]
    fn nru_matches_model(references in reference_strings()) {
        check_model("nru", &references, nru_model)?;
        check_general("nru", &references)?;
    }

    #[test]
    fn mru_matches_model(references in reference_strings()) {
        check_model("mru", &references, mru_model)?;
        check_general("mru", &references)?;
        check_stack("mru", &references)?;
    }

    #[test]
    fn lfu_and_mfu_match_model(references in reference_strings()) {
        for (name, most) in [("lfu", false), ("mfu", true)] {
            for tie in ["lru", "fifo", "lowest"] {
                for keep in [false, true] {
                    let spec = format!("{name}:tie={tie},keep={}", keep as u8);
                    check_model(&spec, &references, |k, s| count_model(k, s, most, tie, keep))?;
                    check_general(&spec, &references)?;
                }
            }
            check_model(name, &references, |k, s| count_model(k, s, most, "lru", false))?;
        }
    }

    /// Perfect LFU with a recency tie-break ranks pages by a priority that
    /// does not depend on the frame count, so it is a stack algorithm.
    #[test]
    fn perfect_lfu_is_a_stack_algorithm(references in reference_strings()) {
        check_stack("lfu:keep=1,tie=lru", &references)?;
        check_stack("mfu:keep=1,tie=lru", &references)?;
    }

    #[test]
    fn nfu_and_aging_match_model(references in reference_strings()) {
        for interval in [1, 2, 3, 4, 7] {
            let spec = format!("nfu:interval={interval}");
            check_model(&spec, &references, |k, s| sampling_model(k, s, None, interval))?;
            check_general(&spec, &references)?;
            for bits in [1, 2, 8, 64] {
                let spec = format!("aging:bits={bits},interval={interval}");
                check_model(&spec, &references, |k, s| sampling_model(k, s, Some(bits), interval))?;
                check_general(&spec, &references)?;
            }
        }
        check_model("nfu", &references, |k, s| sampling_model(k, s, None, 4))?;
        check_model("aging", &references, |k, s| sampling_model(k, s, Some(8), 4))?;
    }

    /// A sample after every reference with 64-bit counters orders pages by
    /// recency, so aging evicts as LRU; and NFU counts every reference, as
    /// in-cache LFU does.
    #[test]
    fn sampling_every_reference_limits(references in reference_strings()) {
        for n_frames in 1..=MAX_FRAMES_TRIED {
            let aging = run("aging:bits=64,interval=1", n_frames, &references);
            let lru = run("lru", n_frames, &references);
            prop_assert_eq!(decisions(&aging), decisions(&lru), "aging with {} frames", n_frames);
            let nfu = run("nfu:interval=1", n_frames, &references);
            let lfu = run("lfu:tie=lowest", n_frames, &references);
            prop_assert_eq!(decisions(&nfu), decisions(&lfu), "nfu with {} frames", n_frames);
        }
    }

    #[test]
    fn working_set_matches_model(references in reference_strings()) {
        for tau in [1, 2, 3, 5, 8, 16] {
            let spec = format!("working-set:tau={tau}");
            check_model(&spec, &references, |k, s| working_set_model(k, s, tau))?;
            check_general(&spec, &references)?;
        }
        check_model("working-set", &references, |k, s| working_set_model(k, s, 16))?;
    }

    /// With a window longer than the string no page ever leaves it, so the
    /// policy falls back to LRU at every fault.
    #[test]
    fn working_set_long_window_is_lru(references in reference_strings()) {
        for n_frames in 1..=MAX_FRAMES_TRIED {
            let ws = run("working-set:tau=1000", n_frames, &references);
            let lru = run("lru", n_frames, &references);
            prop_assert_eq!(decisions(&ws), decisions(&lru), "{} frames", n_frames);
        }
    }

    #[test]
    fn wsclock_matches_model(references in reference_strings()) {
        for tau in [1, 2, 3, 5, 8, 16] {
            let spec = format!("wsclock:tau={tau}");
            check_model(&spec, &references, |k, s| wsclock_model(k, s, tau))?;
            check_general(&spec, &references)?;
        }
        check_model("wsclock", &references, |k, s| wsclock_model(k, s, 16))?;
    }
}

/// Reference strings of 1,000 to 2,000 references over three times as many
/// pages as frames, with 150 to 300 frames. Pages are drawn as the square
/// of a uniform number, scaled, so low pages are referenced far more often
/// and a replay has both long runs of hits and many evictions.
fn large_cases() -> impl Strategy<Value = (usize, Vec<Reference>)> {
    (150usize..300).prop_flat_map(|n_frames| {
        let pages = 3 * n_frames as u64;
        let references = prop::collection::vec((0u64..1000, prop::bool::weighted(0.3)), 1000..2000)
            .prop_map(move |draws| {
                draws
                    .into_iter()
                    .map(|(draw, write)| Reference {
                        page: draw * draw * pages / 1_000_000,
                        write,
                    })
                    .collect::<Vec<_>>()
            });
        (Just(n_frames), references)
    })
}

/// Checks that the policy's faults and victims equal the model's at one
/// frame count.
fn check_model_at(
    spec: &str,
    n_frames: usize,
    references: &[Reference],
    model: impl Fn(usize, &[Reference]) -> Decisions,
) -> Result<(), TestCaseError> {
    let actual = decisions(&run(spec, n_frames, references));
    let expected = model(n_frames, references);
    prop_assert!(
        actual == expected,
        "{} with {} frames differs from the model at reference {:?}",
        spec,
        n_frames,
        actual.iter().zip(&expected).position(|(a, e)| a != e)
    );
    Ok(())
}

proptest! {
    // Each case replays long strings through naive O(frames) models, so
    // the default case count is small.
    #![proptest_config(ProptestConfig::with_cases(case_count(3)))]

    /// The counting and sampling policies at hundreds of frames, where
    /// their trees, lists and bitmaps span several levels and words.
    #[test]
    fn counting_policies_match_models_at_many_frames((n_frames, references) in large_cases()) {
        for (name, most) in [("lfu", false), ("mfu", true)] {
            for tie in ["lru", "fifo", "lowest"] {
                for keep in [false, true] {
                    let spec = format!("{name}:tie={tie},keep={}", keep as u8);
                    check_model_at(&spec, n_frames, &references, |k, s| count_model(k, s, most, tie, keep))?;
                }
            }
        }
        for interval in [1, 4] {
            let spec = format!("nfu:interval={interval}");
            check_model_at(&spec, n_frames, &references, |k, s| sampling_model(k, s, None, interval))?;
            for bits in [1, 8, 64] {
                let spec = format!("aging:bits={bits},interval={interval}");
                check_model_at(&spec, n_frames, &references, |k, s| sampling_model(k, s, Some(bits), interval))?;
            }
        }
    }
}

/// Long strings over 600 pages, skewed towards low page numbers (each page
/// is the smaller of two uniform draws), so that 200 and more frames see
/// hits, evictions and both classes of unreferenced pages.
fn large_reference_strings() -> impl Strategy<Value = Vec<Reference>> {
    let reference =
        (0..600u64, 0..600u64, prop::bool::weighted(0.3)).prop_map(|(first, second, write)| {
            Reference {
                page: first.min(second),
                write,
            }
        });
    prop::collection::vec(reference, 2000..4000)
}

proptest! {
    // A case costs about as much as 50 small ones, so it runs a fiftieth
    // of the count, and at least 4.
    #![proptest_config(ProptestConfig::with_cases((case_count(200) / 50).max(4)))]

    /// The bitset scans of NRU and WSClock cover several 64-frame words
    /// here, with frame counts on and off a word boundary.
    #[test]
    fn clock_classes_match_models_with_many_frames(references in large_reference_strings()) {
        for n_frames in [200, 256, 301] {
            let actual = decisions(&run("nru", n_frames, &references));
            prop_assert_eq!(actual, nru_model(n_frames, &references), "nru with {} frames", n_frames);
            for tau in [16, 400] {
                let spec = format!("wsclock:tau={tau}");
                let actual = decisions(&run(&spec, n_frames, &references));
                prop_assert_eq!(
                    actual,
                    wsclock_model(n_frames, &references, tau as usize),
                    "{} with {} frames",
                    spec,
                    n_frames
                );
            }
        }
    }
}
