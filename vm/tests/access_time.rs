//! The effective access time against runs of the kernel: a golden case
//! worked out by hand, and properties relating the measured figure to the
//! textbook formula.

mod common;
mod policy_support;

use common::*;
use pagelab_vm::config::MachineConfig;
use pagelab_vm::eat::{AccessCosts, EffectiveAccessTime};
use pagelab_vm::isa::{BranchCond, Instruction};
use pagelab_vm::stats::Counters;
use policy_support::case_count;
use proptest::prelude::*;

const COSTS: AccessCosts = AccessCosts {
    tlb_cost: 1,
    mem_cost: 10,
    disk_cost: 1000,
};

#[test]
fn golden_two_loads_of_one_data_page() {
    let program = [
        li(1, DATA as i32),
        lw(2, 1, 0),
        lw(3, 1, 4),
        Instruction::Halt,
    ];
    let outcome = run(
        config("fifo", 8),
        object("two_loads.asm", &program, &[1, 0, 0, 0, 2, 0, 0, 0], 0),
    );
    let totals = outcome.stats.totals;

    // Four fetches and two loads. The first fetch finds the root entry
    // empty (1 PTE read), faults, and its retry walks both levels (2). The
    // first load finds the leaf empty (2), faults, and walks again (2). The
    // other three fetches and the second load hit in the TLB.
    assert_eq!(totals.accesses, 6);
    assert_eq!(totals.tlb_hits, 4);
    assert_eq!(totals.tlb_misses, 2);
    assert_eq!(totals.page_faults, 2);
    assert_eq!(totals.pte_reads, 7);

    let eat = EffectiveAccessTime::compute(COSTS, 2, true, &totals).rounded();
    // h = 4/6, p = 2/6: 4/6 · 11 + 2/6 · 31 + 2/6 · 1000 = 2106/6 = 351.
    assert_eq!(eat.formula, Some(351.0));
    // 6 · 1 + 10 · (6 + 7) + 1000 · 2 = 2136, over 6 accesses.
    assert_eq!(eat.measured, Some(356.0));
}

#[test]
fn golden_on_a_single_level_table() {
    // A 16-bit machine cannot run assembled programs (their stack is at
    // 0xC0000000), so check the one-level figures on counters instead:
    // 10 accesses, 7 hits, 3 full walks of 1 level, 1 fault whose walk
    // read 1 level.
    let counters = Counters {
        accesses: 10,
        tlb_hits: 7,
        tlb_misses: 3,
        page_faults: 1,
        pte_reads: 4,
        ..Counters::default()
    };
    let eat = EffectiveAccessTime::compute(COSTS, 1, true, &counters).rounded();
    // 0.7 · 11 + 0.3 · 21 + 0.1 · 1000 = 114.
    assert_eq!(eat.formula, Some(114.0));
    // (10 + 10 · 14 + 1000) / 10 = 115: one PTE read more than the formula.
    assert_eq!(eat.measured, Some(115.0));
}

/// Builds a program that loads from `pages` (page indices into a bss of
/// 16 pages) in order, `rounds` times, then halts.
fn loads_program(pages: &[u32], rounds: u32) -> Vec<Instruction> {
    let mut program = vec![li(9, 0), li(10, rounds as i32)];
    let loop_start = program.len() as u32;
    for &page in pages {
        program.push(li(1, (DATA + page * PAGE) as i32));
        program.push(lw(2, 1, 0));
    }
    program.push(addi(9, 9, 1));
    program.push(branch(BranchCond::Lt, 9, 10, loop_start));
    program.push(Instruction::Halt);
    program
}

const PAGE: u32 = 4096;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(case_count(48)))]

    /// When every miss reads all levels and nothing faults, the measured
    /// figure is the formula.
    #[test]
    fn measured_equals_formula_for_full_walks(
        hits in 0u64..10_000,
        misses in 0u64..10_000,
        levels in 1u32..6,
        tlb_cost in 0u64..100,
        mem_cost in 0u64..1000,
        tlb_enabled in any::<bool>(),
    ) {
        prop_assume!(hits + misses > 0);
        let counters = Counters {
            accesses: hits + misses,
            tlb_hits: hits,
            tlb_misses: misses,
            pte_reads: misses * levels as u64,
            ..Counters::default()
        };
        let costs = AccessCosts { tlb_cost, mem_cost, disk_cost: 5000 };
        let eat = EffectiveAccessTime::compute(costs, levels, tlb_enabled, &counters);
        let (formula, measured) = (eat.formula.unwrap(), eat.measured.unwrap());
        prop_assert!((measured - formula).abs() <= 1e-9 * formula.max(1.0),
            "measured {measured}, formula {formula}");
    }

    /// On the machine, walks of faulting accesses add PTE reads that the
    /// formula does not see. So measured exceeds the formula by exactly
    /// M · (pte_reads − L · tlb_misses) / accesses, which is more than 0
    /// whenever a page fault was handled.
    #[test]
    fn machine_measured_exceeds_formula_by_extra_walks(
        pages in proptest::collection::vec(0u32..16, 1..12),
        rounds in 1u32..4,
        frames in 1usize..10,
        tlb_entries in 0usize..8,
        levels in 2u32..5,
    ) {
        let split = split_of(levels);
        let config = MachineConfig {
            tlb_entries,
            split: Some(split),
            ..config("lru", frames)
        };
        let object = object("loads.asm", &loads_program(&pages, rounds), &[], 16 * PAGE);
        let (stats, exit, message) = run_quiet(config, object);
        prop_assert_eq!(exit, Some(pagelab_vm::kernel::process::ExitStatus::Exited(0)), "{}", message);
        let totals = stats.totals;
        let full_walks = levels as u64 * totals.tlb_misses;
        prop_assert!(totals.pte_reads >= full_walks + totals.page_faults,
            "every fault's walk reads at least one entry: {:?}", totals);

        let eat = EffectiveAccessTime::compute(COSTS, levels, tlb_entries > 0, &totals);
        let (formula, measured) = (eat.formula.unwrap(), eat.measured.unwrap());
        let extra = COSTS.mem_cost as f64 * (totals.pte_reads - full_walks) as f64
            / totals.accesses as f64;
        prop_assert!((measured - formula - extra).abs() <= 1e-9 * measured,
            "measured {}, formula {}, extra {}", measured, formula, extra);
        prop_assert!(totals.page_faults > 0);
        prop_assert!(measured > formula);
    }
}

/// Splits the 20 page-number bits of 32-bit addresses with 4 KiB pages
/// over 2, 3 or 4 levels (4 for anything above 3). One level cannot work,
/// because a table has at most 10 index bits.
fn split_of(levels: u32) -> Vec<u32> {
    match levels {
        2 => vec![10, 10],
        3 => vec![6, 7, 7],
        _ => vec![5, 5, 5, 5],
    }
}
