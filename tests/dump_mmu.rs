//! The walk over a dump must agree with the real MMU. For random programs,
//! geometries and pause ticks, every mapped page (and some unmapped
//! addresses) must translate to the same physical address or fault, through
//! the same PTE reads, as `hw::mmu::Mmu` reading physical memory.

use pagelab_vm::config::MachineConfig;
use pagelab_vm::dump::walk::{walk, WalkFault};
use pagelab_vm::dump::{self, leaves, DumpPoint, FrameUse};
use pagelab_vm::hw::mmu::{AccessKind, FaultCause, Mmu};
use pagelab_vm::hw::page_table::Geometry;
use pagelab_vm::hw::Asid;
use pagelab_vm::kernel::{Kernel, RunProgress};
use pagelab_vm::object::Object;
use proptest::prelude::*;
use std::path::Path;

/// Programs that leave varied PTEs behind: shared copy-on-write pages
/// (fork_cow), swapped-out pages (thrash, random_access with few frames),
/// stack pages (stack_recursion), read-only text everywhere.
const PROGRAMS: [&str; 5] = [
    "fork_cow.asm",
    "thrash.asm",
    "random_access.asm",
    "stack_recursion.asm",
    "textbook.asm",
];

fn assemble(name: &str) -> Object {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("programs")
        .join(name);
    let source = std::fs::read_to_string(&path).expect("the program exists");
    pagelab_asm::assemble(name, &source).expect("the sample programs assemble")
}

/// Splits the page-number bits of a 32-bit address over `extra` more
/// levels than the default geometry has, as evenly as possible.
fn split_for(page_size: u32, extra: u32) -> Vec<u32> {
    let default = Geometry::new(page_size, 32).expect("valid page size");
    let vpn_bits = 32 - default.offset_bits;
    let levels = (default.levels + extra).min(vpn_bits);
    let mut split = vec![vpn_bits / levels; levels as usize];
    for bits in split.iter_mut().rev().take((vpn_bits % levels) as usize) {
        *bits += 1;
    }
    split
}

fn config(page_size: u32, extra_levels: u32, frames: usize, tlb_entries: usize) -> MachineConfig {
    MachineConfig {
        frames,
        page_size,
        split: Some(split_for(page_size, extra_levels)),
        page_table_frames: (1 << 16) / page_size as usize + 64,
        tlb_entries,
        ..MachineConfig::default()
    }
    .with_policy("fifo")
}

/// Maps a fault of the walk to the MMU's cause.
fn expected_cause(fault: WalkFault, levels: u32) -> FaultCause {
    match fault {
        WalkFault::OutOfRange { va_bits } => FaultCause::OutOfRange { va_bits },
        WalkFault::NotPresent { level } => FaultCause::NotPresent { level },
        WalkFault::SwappedOut { .. } => FaultCause::NotPresent { level: levels - 1 },
        WalkFault::ReadOnly | WalkFault::CopyOnWrite => FaultCause::Protection,
    }
}

/// Pauses a run at `tick`, dumps it, and checks every translation of the
/// chosen addresses against a TLB-less MMU and the kernel's own MMU.
/// Returns the dump, or `None` when the run ended before `tick`.
fn check_run(
    program: &str,
    config: MachineConfig,
    tick: u64,
    extra_vas: &[u32],
) -> Option<dump::Dump> {
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).expect("valid configuration");
    kernel.set_errors(Box::new(std::io::sink()));
    kernel.spawn(assemble(program)).expect("the program starts");
    if kernel.run_until(tick).expect("no output error") == RunProgress::Finished {
        return None;
    }
    let snapshot = dump::capture(&kernel, DumpPoint::Tick { tick }, &[]);
    snapshot.validate().expect("a captured dump is valid");
    let sys = kernel.system();
    let geometry = sys.geometry;

    for process in &snapshot.processes {
        let live = &kernel.processes()[process.pid as usize - 1];
        assert_eq!(
            process.page_table.pfn, live.space.root_pfn,
            "root of pid {}",
            process.pid
        );

        let mut vas: Vec<u32> = extra_vas.to_vec();
        for (vpn, _) in leaves(&process.page_table) {
            let base = vpn << geometry.offset_bits;
            vas.extend([base, base + geometry.page_size - 4]);
            // The next page is often unmapped: a fault at the last level.
            vas.push(base.wrapping_add(geometry.page_size));
        }

        for &va in &vas {
            let va = va & !3;
            for access in [AccessKind::Load, AccessKind::Store, AccessKind::Fetch] {
                let by_hand = walk(&snapshot, &geometry, &process.page_table, va, access);

                // A fresh TLB-less MMU on a copy of memory, so that no
                // accessed or dirty bit set here changes a later check.
                let mut memory = sys.memory.clone();
                let mut mmu = Mmu::new(geometry, 0);
                mmu.tracing = true;
                mmu.switch_to(live.asid, live.space.root_pfn);
                let hardware = mmu.translate(&mut memory, va, access, 4);
                let context = format!("{program} pid {} va 0x{va:08x} {access}", process.pid);
                match (by_hand.result, hardware) {
                    (Ok(pa), Ok(translation)) => assert_eq!(pa, translation.pa.0, "{context}"),
                    (Err(fault), Err(hardware)) => {
                        assert_eq!(
                            expected_cause(fault, geometry.levels),
                            hardware.cause,
                            "{context}"
                        )
                    }
                    (by_hand, hardware) => {
                        panic!("{context}: the walk gives {by_hand:?}, the MMU {hardware:?}")
                    }
                }
                let hand_steps: Vec<(u32, u32, u32, u32)> = by_hand
                    .steps
                    .iter()
                    .map(|step| (step.level, step.index, step.pte_addr, step.pte))
                    .collect();
                let mmu_steps: Vec<(u32, u32, u32, u32)> = mmu
                    .walk_steps
                    .iter()
                    .map(|step| (step.level, step.index, step.pte_addr, step.pte))
                    .collect();
                assert_eq!(hand_steps, mmu_steps, "{context}: PTE reads");

                // The kernel's MMU with its TLB must find the same frame.
                let mut memory = sys.memory.clone();
                let mut cached = sys.mmu.clone();
                cached.switch_to(Asid(process.asid), live.space.root_pfn);
                if let (Ok(pa), Ok(translation)) =
                    (by_hand.result, cached.translate(&mut memory, va, access, 4))
                {
                    assert_eq!(pa, translation.pa.0, "{context}: through the TLB");
                }
            }
        }
    }
    check_frame_table(&snapshot);
    Some(snapshot)
}

/// Counts the leaves of every process for which `test` holds.
fn count_leaves(snapshot: &dump::Dump, test: impl Fn(&pagelab_vm::dump::PteBits) -> bool) -> usize {
    snapshot
        .processes
        .iter()
        .map(|process| {
            leaves(&process.page_table)
                .iter()
                .filter(|(_, entry)| test(&entry.bits))
                .count()
        })
        .sum()
}

/// Checks that every mapped leaf appears in the frame table with its PTE,
/// and that every page frame's reference count is its number of mappings.
fn check_frame_table(snapshot: &dump::Dump) {
    for process in &snapshot.processes {
        for (vpn, entry) in leaves(&process.page_table) {
            let Some(pfn) = entry.bits.pfn else { continue };
            let frame = &snapshot.frames[pfn as usize];
            let FrameUse::Page { mappings, .. } = &frame.content else {
                panic!(
                    "PFN {pfn} of pid {} vpn 0x{vpn:x} is not a page frame",
                    process.pid
                );
            };
            assert!(
                mappings
                    .iter()
                    .any(|m| m.pid == process.pid && m.vpn == vpn && m.pte == entry.pte),
                "PFN {pfn} lacks the mapping of pid {} vpn 0x{vpn:x}",
                process.pid
            );
        }
    }
    for frame in &snapshot.frames {
        if let FrameUse::Page {
            mappings,
            references,
            ..
        } = &frame.content
        {
            assert_eq!(*references as usize, mappings.len(), "PFN {}", frame.pfn);
        }
    }
}

fn case_count(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

#[test]
fn fork_cow_pages_match_the_mmu() {
    // After the fork, both processes share read-only copy-on-write pages.
    let snapshot = check_run("fork_cow.asm", config(4096, 0, 8, 16), 400, &[0, 0x10000])
        .expect("the run is still going at tick 400");
    assert_eq!(snapshot.processes.len(), 2, "parent and child are live");
    assert!(count_leaves(&snapshot, |bits| bits.copy_on_write) > 0);
}

#[test]
fn swapped_pages_match_the_mmu() {
    let snapshot = check_run("thrash.asm", config(256, 1, 3, 4), 20_000, &[])
        .expect("the run is still going at tick 20000");
    assert!(count_leaves(&snapshot, |bits| bits.swap_slot.is_some()) > 0);
    assert!(
        !snapshot.swap.is_empty(),
        "the swap section lists the slots"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(case_count(24)))]

    #[test]
    fn walk_matches_the_mmu(
        program in prop::sample::select(PROGRAMS.to_vec()),
        page_shift in prop::sample::select(vec![4u32, 5, 6, 8, 10, 12]),
        extra_levels in 0u32..3,
        frames in 3usize..10,
        tlb_entries in prop::sample::select(vec![0usize, 4, 16]),
        tick in 20u64..5000,
        extra_vas in prop::collection::vec(any::<u32>(), 0..8),
    ) {
        let config = config(1 << page_shift, extra_levels, frames, tlb_entries);
        // A run that ends before the tick is tried again at half the tick,
        // so every case checks a paused machine.
        let mut pause = tick;
        while check_run(program, config.clone(), pause, &extra_vas).is_none() {
            prop_assert!(pause > 1, "{} never paused", program);
            pause /= 2;
        }
    }
}
