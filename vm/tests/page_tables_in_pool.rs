//! Page tables taken from the user frames (`--page-tables-in-pool`). They
//! are pinned and recorded in the frame table. A page may be evicted, and
//! written back, to make room for one. A sparse address space runs out of
//! frames for them. They are freed when they empty and at exit.

mod common;

use common::*;
use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{BranchCond, SYS_EXIT, SYS_SBRK};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::{Kernel, RunProgress};
use pagelab_vm::object::Object;

/// Bytes one leaf table maps with 4 KiB pages and two levels: 4 MiB.
const TABLE_SPAN: i32 = 4 << 20;

fn pool_config(frames: usize) -> MachineConfig {
    MachineConfig {
        page_tables_in_pool: true,
        page_table_frames: 0,
        swap_read_latency: 0,
        swap_write_latency: 0,
        ..config("fifo", frames)
    }
}

/// Grows the heap by `regions` × 4 MiB, stores `i + 1` into the first word
/// of each 4 MiB step i, reads every word back, and exits with their sum.
/// So each step needs a leaf table of its own.
fn sparse_heap(regions: i32) -> Object {
    let program = vec![
        li(1, regions * TABLE_SPAN),               // 0
        sys(SYS_SBRK),                             // 1: r0 = old break
        addi(7, 0, 0),                             // 2: r7 = heap start
        li(2, 0),                                  // 3: i
        li(3, regions),                            // 4
        li(4, TABLE_SPAN),                         // 5
        addi(5, 7, 0),                             // 6: r5 = address of step i
        addi(6, 2, 1),                             // 7: store loop: r6 = i + 1
        sw(6, 5, 0),                               // 8
        alu(pagelab_vm::isa::AluOp::Add, 5, 5, 4), // 9
        addi(2, 2, 1),                             // 10
        branch(BranchCond::Lt, 2, 3, 7),           // 11
        li(2, 0),                                  // 12
        li(1, 0),                                  // 13: sum
        addi(5, 7, 0),                             // 14
        lw(6, 5, 0),                               // 15: load loop
        alu(pagelab_vm::isa::AluOp::Add, 1, 1, 6), // 16
        alu(pagelab_vm::isa::AluOp::Add, 5, 5, 4), // 17
        addi(2, 2, 1),                             // 18
        branch(BranchCond::Lt, 2, 3, 15),          // 19
        sys(SYS_EXIT),                             // 20
    ];
    object("sparse.asm", &program, &[], 0)
}

#[test]
fn root_table_takes_a_user_frame() {
    let mut kernel = Kernel::new(pool_config(4), Box::new(std::io::sink())).unwrap();
    kernel.spawn(sparse_heap(1)).unwrap();
    let sys = kernel.system();
    assert_eq!(sys.frames.table_owner(0), Some(1));
    assert_eq!(sys.frames.tables_of(1), 1);
    assert_eq!(sys.frames.free_count(), 3);
    assert_eq!(
        sys.replacement.holder(0),
        None,
        "a table frame is in no policy"
    );
}

#[test]
fn tables_compete_with_pages_and_come_back() {
    // Tables: root, region 0 (text and the first heap step), regions 1..3.
    // Pages: text and 4 heap pages. Eight frames force evictions of dirty
    // heap pages, so the values read back come from swap.
    let mut kernel = Kernel::new(pool_config(8), Box::new(std::io::sink())).unwrap();
    kernel.spawn(sparse_heap(4)).unwrap();
    kernel.run().unwrap();
    let process = &kernel.processes()[0];
    assert_eq!(process.exit, Some(ExitStatus::Exited(1 + 2 + 3 + 4)));
    assert!(process.stats.evictions > 0);
    assert!(process.stats.swap_outs > 0);
    assert_eq!(kernel.system().frames.table_count(), 0);
    assert_eq!(kernel.system().frames.free_count(), 8);
    // Root, region 0 and regions 1..3.
    assert_eq!(kernel.system().frames.peak_tables_of(1), 5);
    assert_eq!(kernel.system().frames.peak_table_count(), 5);
}

#[test]
fn reserved_pool_gives_the_same_values() {
    let (_, exit, _) = run_quiet(config("fifo", 8), sparse_heap(4));
    assert_eq!(exit, Some(ExitStatus::Exited(10)));
}

#[test]
fn sparse_heap_runs_out_of_frames() {
    // Root, region 0 and regions 1..4: six tables leave nothing for pages.
    let (_, exit, message) = run_quiet(pool_config(6), sparse_heap(6));
    assert!(matches!(exit, Some(ExitStatus::Killed(_))), "{message}");
    assert!(
        message.contains("all 6 frames contain page tables"),
        "{message}"
    );
    assert!(message.contains("raise --frames"), "{message}");
}

/// Grows the heap by 8 MiB, stores into its last page (a new leaf table),
/// shrinks the heap back when `shrink` is set, then spins `spin` rounds.
fn grow_touch_shrink(shrink: bool, spin: i32) -> Object {
    let program = vec![
        li(1, 2 * TABLE_SPAN),                           // 0
        sys(SYS_SBRK),                                   // 1
        li(2, 2 * TABLE_SPAN - 4),                       // 2
        alu(pagelab_vm::isa::AluOp::Add, 2, 2, 0),       // 3: last word of the heap
        sw(2, 2, 0),                                     // 4
        li(1, if shrink { -2 * TABLE_SPAN } else { 0 }), // 5
        sys(SYS_SBRK),                                   // 6
        li(3, 0),                                        // 7
        li(4, spin),                                     // 8
        addi(3, 3, 1),                                   // 9: spin
        branch(BranchCond::Lt, 3, 4, 9),                 // 10
        li(1, 0),                                        // 11
        sys(SYS_EXIT),                                   // 12
    ];
    object("shrink.asm", &program, &[], 0)
}

/// Runs `object` until tick 20000 (inside its spin loop) and returns the
/// page-table frames of pid 1 then: in the frame table under
/// `--page-tables-in-pool`, in the address space otherwise.
fn tables_while_spinning(config: MachineConfig, object: Object) -> usize {
    let in_pool = config.page_tables_in_pool;
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
    kernel.spawn(object).unwrap();
    assert_eq!(kernel.run_until(20_000).unwrap(), RunProgress::Paused);
    if in_pool {
        kernel.system().frames.tables_of(1)
    } else {
        kernel.processes()[0].space.tables.len()
    }
}

#[test]
fn shrinking_heap_frees_its_table() {
    for config in [pool_config(8), config("fifo", 8)] {
        let kept = tables_while_spinning(config.clone(), grow_touch_shrink(false, 100_000));
        let freed = tables_while_spinning(config.clone(), grow_touch_shrink(true, 100_000));
        // Root and region 0, plus the table of the heap's last page.
        assert_eq!(kept, 3, "{config:?}");
        assert_eq!(freed, 2, "{config:?}");
    }
}

#[test]
fn frames_count_tables_in_pool_mode() {
    // The root and one leaf table leave one of the 3 frames for pages, so
    // the text page and the heap page take turns, where the reserved mode
    // keeps both.
    let program = || sparse_heap(1);
    let (reserved, _, _) = run_quiet(config("fifo", 3), program());
    let (pool, exit, message) = run_quiet(pool_config(3), program());
    assert_eq!(exit, Some(ExitStatus::Exited(1)), "{message}");
    assert!(
        pool.totals.page_faults > reserved.totals.page_faults,
        "{} < {}",
        pool.totals.page_faults,
        reserved.totals.page_faults
    );
}
