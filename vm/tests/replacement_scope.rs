//! Local replacement scope: each process replaces only among its own
//! frames, with its own policy instance and a frame limit, while global
//! scope lets a thrashing process take everyone's frames.

mod common;

use common::*;
use pagelab_vm::config::{Allocation, MachineConfig, Scope};
use pagelab_vm::isa::{AluOp, BranchCond, SYS_EXIT, SYS_FORK, SYS_SLEEP};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::{Kernel, RunProgress};
use pagelab_vm::object::Object;
use pagelab_vm::stats::RunStats;
use std::collections::BTreeMap;

const PAGE: i32 = 4096;

fn scoped(scope: Scope, allocation: Option<Allocation>, frames: usize) -> MachineConfig {
    MachineConfig {
        scope,
        allocation,
        scheduler: "rr".into(),
        quantum: 50,
        swap_read_latency: 0,
        swap_write_latency: 0,
        ..config("lru", frames)
    }
}

fn local(frames: usize) -> MachineConfig {
    scoped(Scope::Local, Some(Allocation::Equal), frames)
}

/// Stores to bss pages 0..`pages` in turn, `rounds` times, then exits 0.
fn looper(name: &str, pages: i32, rounds: i32) -> Object {
    let program = vec![
        li(2, 0),                        // 0: round
        li(3, rounds),                   // 1
        li(5, 0),                        // 2: page index
        li(6, pages),                    // 3
        li(7, DATA as i32),              // 4: loop
        li(8, PAGE),                     // 5
        alu(AluOp::Mul, 8, 8, 5),        // 6
        alu(AluOp::Add, 7, 7, 8),        // 7
        sw(2, 7, 0),                     // 8
        addi(5, 5, 1),                   // 9
        branch(BranchCond::Lt, 5, 6, 4), // 10
        li(5, 0),                        // 11
        addi(2, 2, 1),                   // 12
        branch(BranchCond::Lt, 2, 3, 4), // 13
        li(1, 0),                        // 14
        sys(SYS_EXIT),                   // 15
    ];
    object(name, &program, &[], (pages * PAGE) as u32)
}

fn run_all(config: MachineConfig, objects: Vec<Object>) -> (RunStats, Vec<Option<ExitStatus>>) {
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
    for object in objects {
        kernel.spawn(object).unwrap();
    }
    kernel.run().unwrap();
    let exits = kernel.processes().iter().map(|p| p.exit.clone()).collect();
    (kernel.stats(), exits)
}

/// Returns a thrashing process (12 pages in a loop) and a small one (2 pages).
fn thrasher_and_small() -> Vec<Object> {
    vec![looper("thrash.asm", 12, 40), looper("small.asm", 2, 400)]
}

#[test]
fn local_scope_protects_small_working_set() {
    let (global, global_exits) = run_all(scoped(Scope::Global, None, 8), thrasher_and_small());
    let (local, local_exits) = run_all(local(8), thrasher_and_small());
    assert!(global_exits
        .iter()
        .all(|exit| exit == &Some(ExitStatus::Exited(0))));
    assert!(local_exits
        .iter()
        .all(|exit| exit == &Some(ExitStatus::Exited(0))));

    // The small process needs its text page and 2 bss pages. Under local
    // scope it keeps them after its first faults; under global scope the
    // thrashing process keeps taking them.
    let small_global = global.processes[1].counters.page_faults;
    let small_local = local.processes[1].counters.page_faults;
    assert_eq!(small_local, 3);
    assert!(
        small_global > 3 * small_local,
        "global {small_global}, local {small_local}"
    );
}

#[test]
fn resident_frames_stay_within_limits() {
    let mut kernel = Kernel::new(local(8), Box::new(std::io::sink())).unwrap();
    for object in thrasher_and_small() {
        kernel.spawn(object).unwrap();
    }
    assert_eq!(kernel.system().frame_limit(1), Some(4));
    assert_eq!(kernel.system().frame_limit(2), Some(4));
    let mut tick = 0;
    loop {
        tick += 500;
        let progress = kernel.run_until(tick).unwrap();
        for pid in [1, 2] {
            if let Some(limit) = kernel.system().frame_limit(pid) {
                let resident = kernel.system().resident_frames(pid);
                assert!(
                    resident <= limit as usize,
                    "pid {pid} holds {resident} > {limit} at tick {tick}"
                );
            }
        }
        if progress == RunProgress::Finished {
            break;
        }
    }
    assert_eq!(kernel.system().frames.free_count(), 8);
}

#[test]
fn limits_follow_the_allocation_rule() {
    // Virtual sizes: text 1 page + bss pages + 1 stack page.
    let objects = || {
        vec![
            looper("a.asm", 2, 1),
            looper("b.asm", 6, 1),
            looper("c.asm", 14, 1),
        ]
    };
    let limits = |config: MachineConfig| {
        let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
        for object in objects() {
            kernel.spawn(object).unwrap();
        }
        (1..=3)
            .map(|pid| kernel.system().frame_limit(pid).unwrap())
            .collect::<Vec<u32>>()
    };
    // 10 frames: 4, 3, 3 equally.
    assert_eq!(limits(local(10)), vec![4, 3, 3]);
    // Sizes 4, 8 and 16: one frame each, then 7 frames in proportion
    // 1:2:4 (1, 2 and 4), nothing left over.
    let proportional = scoped(Scope::Local, Some(Allocation::Proportional), 10);
    assert_eq!(limits(proportional), vec![2, 3, 5]);
    // An explicit limit comes first; the rest share 6 frames.
    let explicit = MachineConfig {
        frame_limits: BTreeMap::from([(2, 4)]),
        ..local(10)
    };
    assert_eq!(limits(explicit), vec![3, 4, 3]);
}

#[test]
fn limits_are_recomputed_when_a_process_ends() {
    let mut kernel = Kernel::new(local(8), Box::new(std::io::sink())).unwrap();
    kernel.spawn(looper("short.asm", 1, 1)).unwrap();
    kernel.spawn(looper("long.asm", 2, 4000)).unwrap();
    assert_eq!(kernel.system().frame_limit(2), Some(4));
    loop {
        let tick = kernel.system().clock + 200;
        assert_eq!(kernel.run_until(tick).unwrap(), RunProgress::Paused);
        if kernel.processes()[0].exit.is_some() {
            break;
        }
    }
    assert_eq!(kernel.system().frame_limit(1), None);
    assert_eq!(kernel.system().frame_limit(2), Some(8));
}

/// Stores to 3 bss pages and forks. The parent exits at once. The child
/// sleeps, reads the pages in a long loop, and exits with the sum of the
/// first word of each.
fn fork_then_parent_exits() -> Object {
    let program = vec![
        li(7, DATA as i32),               // 0
        li(2, 5),                         // 1
        sw(2, 7, 0),                      // 2
        sw(2, 7, PAGE),                   // 3
        sw(2, 7, 2 * PAGE),               // 4
        sys(SYS_FORK),                    // 5
        li(9, 0),                         // 6
        branch(BranchCond::Eq, 0, 9, 10), // 7: child
        li(1, 0),                         // 8: parent
        sys(SYS_EXIT),                    // 9
        li(1, 100),                       // 10: child
        sys(SYS_SLEEP),                   // 11
        li(3, 0),                         // 12
        li(4, 20_000),                    // 13
        lw(1, 7, 0),                      // 14: loop
        lw(5, 7, PAGE),                   // 15
        alu(AluOp::Add, 1, 1, 5),         // 16
        lw(5, 7, 2 * PAGE),               // 17
        alu(AluOp::Add, 1, 1, 5),         // 18
        addi(3, 3, 1),                    // 19
        branch(BranchCond::Lt, 3, 4, 14), // 20
        sys(SYS_EXIT),                    // 21
    ];
    object("handover.asm", &program, &[], (3 * PAGE) as u32)
}

#[test]
fn shared_frames_go_to_the_surviving_sharer() {
    let mut kernel = Kernel::new(local(8), Box::new(std::io::sink())).unwrap();
    kernel.spawn(fork_then_parent_exits()).unwrap();
    loop {
        let tick = kernel.system().clock + 100;
        assert_eq!(kernel.run_until(tick).unwrap(), RunProgress::Paused);
        if kernel.processes()[0].exit.is_some() {
            break;
        }
    }
    let sys = kernel.system();
    let occupied: Vec<usize> = (0..8)
        .filter(|&frame| sys.frames.owner(frame).is_some())
        .collect();
    assert!(!occupied.is_empty());
    for frame in occupied {
        assert_eq!(sys.replacement.holder(frame), Some(2), "frame {frame}");
    }
    assert_eq!(sys.resident_frames(2), sys.replacement.held_by(2));

    kernel.run().unwrap();
    assert_eq!(kernel.processes()[1].exit, Some(ExitStatus::Exited(15)));
    assert_eq!(kernel.system().frames.free_count(), 8);
}

#[test]
fn local_scope_with_tables_in_pool() {
    let config = MachineConfig {
        page_tables_in_pool: true,
        page_table_frames: 0,
        ..local(12)
    };
    let (stats, exits) = run_all(config, thrasher_and_small());
    assert!(
        exits
            .iter()
            .all(|exit| exit == &Some(ExitStatus::Exited(0))),
        "{exits:?}"
    );
    // Each process has a root and one leaf table of its 6 frames, so the
    // small process keeps its 3 pages.
    assert_eq!(stats.processes[1].counters.page_faults, 3);
}
