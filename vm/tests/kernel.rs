//! End-to-end behaviour of the kernel on programs built from `Instruction`s.

mod common;

use common::*;
use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{
    AluOp, BranchCond, Instruction, SYS_EXIT, SYS_PRINT_CHAR, SYS_PRINT_INT, SYS_PRINT_STR,
    SYS_SBRK,
};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::{Kernel, RunProgress};
use pagelab_vm::object::STACK_TOP;
use pagelab_vm::trace::{Filter, JsonlSink, Tracer};

const PAGE: i32 = 4096;

/// Writes `i` into the first word of page `i` of a 12-page bss, then reads
/// every page back and exits 1 at the first mismatch.
fn pattern_program() -> Vec<Instruction> {
    vec![
        li(1, 0),                         // 0
        li(2, DATA as i32),               // 1
        li(3, 12),                        // 2
        sw(1, 2, 0),                      // 3: loop1
        addi(2, 2, PAGE),                 // 4
        addi(1, 1, 1),                    // 5
        branch(BranchCond::Lt, 1, 3, 3),  // 6
        li(1, 0),                         // 7
        li(2, DATA as i32),               // 8
        lw(4, 2, 0),                      // 9: loop2
        branch(BranchCond::Ne, 4, 1, 15), // 10
        addi(2, 2, PAGE),                 // 11
        addi(1, 1, 1),                    // 12
        branch(BranchCond::Lt, 1, 3, 9),  // 13
        Instruction::Halt,                // 14
        li(1, 1),                         // 15: fail
        sys(SYS_EXIT),                    // 16
    ]
}

#[test]
fn hello_prints_through_the_mmu() {
    let program = [
        li(1, DATA as i32),
        sys(SYS_PRINT_STR),
        li(1, -42),
        sys(SYS_PRINT_INT),
        li(1, '\n' as i32),
        sys(SYS_PRINT_CHAR),
        Instruction::Halt,
    ];
    let outcome = run(
        config("fifo", 8),
        object("hello.asm", &program, b"hi \0", 0),
    );
    assert_eq!(outcome.console, "hi -42\n");
    assert_eq!(outcome.exit, Some(ExitStatus::Exited(0)));
    let totals = outcome.stats.totals;
    assert_eq!(totals.instructions, 7);
    // 7 fetches plus 4 byte loads of "hi \0".
    assert_eq!(totals.accesses, 11);
    assert_eq!(totals.tlb_hits + totals.tlb_misses, totals.accesses);
    assert_eq!((totals.page_faults, totals.major_faults), (2, 2));
}

#[test]
fn pattern_survives_swap() {
    let outcome = run(
        config("fifo", 4),
        object("pattern.asm", &pattern_program(), &[], 12 * PAGE as u32),
    );
    assert_eq!(
        outcome.exit,
        Some(ExitStatus::Exited(0)),
        "{}",
        outcome.message
    );
    let totals = outcome.stats.totals;
    assert!(
        totals.swap_outs >= 12,
        "every dirty page was written: {totals:?}"
    );
    assert!(
        totals.swap_ins >= 12,
        "every page was read back: {totals:?}"
    );

    let dirty_evictions = outcome
        .trace
        .lines()
        .filter(|line| line.contains("\"event\":\"eviction\"") && line.contains("\"dirty\":true"))
        .count() as u64;
    let swap_outs = outcome.trace.matches("\"event\":\"swap_out\"").count() as u64;
    assert_eq!(swap_outs, dirty_evictions, "one write per dirty eviction");
    assert_eq!(swap_outs, totals.swap_outs);
    assert_eq!(
        totals.evictions,
        totals.page_faults - 4,
        "every fault after the first four evicts"
    );
}

#[test]
fn clean_pages_are_dropped_not_written() {
    // Reads of bss pages never dirty them, so eviction writes nothing.
    let program = [
        li(1, 0),
        li(2, DATA as i32),
        li(3, 12),
        lw(4, 2, 0),
        addi(2, 2, PAGE),
        addi(1, 1, 1),
        branch(BranchCond::Lt, 1, 3, 3),
        Instruction::Halt,
    ];
    let outcome = run(
        config("fifo", 2),
        object("read.asm", &program, &[], 12 * PAGE as u32),
    );
    assert_eq!(outcome.exit, Some(ExitStatus::Exited(0)));
    let totals = outcome.stats.totals;
    assert_eq!(totals.swap_outs, 0);
    assert!(totals.evictions > 0);
    assert_eq!(totals.minor_faults, 12);
}

#[test]
fn sbrk_grows_and_shrinks_the_heap() {
    let program = [
        li(1, 2 * PAGE),                         // 0
        sys(SYS_SBRK),                           // 1: r0 = old break
        Instruction::Mov { rd: r(5), rs: r(0) }, // 2
        li(6, 77),                               // 3
        sw(6, 5, PAGE),                          // 4: store in the second heap page
        lw(7, 5, PAGE),                          // 5
        li(1, -2 * PAGE),                        // 6
        sys(SYS_SBRK),                           // 7
        lw(7, 5, 0),                             // 8: the heap is gone: segfault
        Instruction::Halt,                       // 9
    ];
    let outcome = run(config("fifo", 8), object("heap.asm", &program, &[1], 0));
    let heap_start = DATA + PAGE as u32;
    assert_eq!(
        outcome.message,
        format!(
            "process 1 (heap.asm) killed: segmentation fault: load at 0x{heap_start:08x} (not mapped) at pc 0x{:08x} (heap.asm:9)",
            at(8)
        )
    );
    assert_eq!(outcome.stats.totals.segfaults, 1);
    assert_eq!(
        outcome.stats.totals.minor_faults, 1,
        "one heap page was touched"
    );
}

#[test]
fn sbrk_results_are_in_r0() {
    // Exit with the sbrk result so the test can read it: first the old break,
    // then -1 for a request below the heap start.
    let grow = [
        li(1, 100),
        sys(SYS_SBRK),
        li(1, 0),
        sys(SYS_SBRK),
        Instruction::Mov { rd: r(1), rs: r(0) },
        sys(SYS_EXIT),
    ];
    let (_, exit, _) = run_quiet(config("fifo", 4), object("brk.asm", &grow, &[1], 0));
    assert_eq!(
        exit,
        Some(ExitStatus::Exited((DATA + PAGE as u32 + 100) as i32))
    );

    let shrink = [
        li(1, -1),
        sys(SYS_SBRK),
        Instruction::Mov { rd: r(1), rs: r(0) },
        sys(SYS_EXIT),
    ];
    let (_, exit, _) = run_quiet(config("fifo", 4), object("brk.asm", &shrink, &[1], 0));
    assert_eq!(exit, Some(ExitStatus::Exited(-1)), "below the heap start");

    // Two increments of almost 2 GiB cross the heap limit below the stack.
    let huge = [
        li(1, 0x7fff_0000),
        sys(SYS_SBRK),
        li(1, 0x7fff_0000),
        sys(SYS_SBRK),
        Instruction::Mov { rd: r(1), rs: r(0) },
        sys(SYS_EXIT),
    ];
    let (_, exit, _) = run_quiet(config("fifo", 4), object("brk.asm", &huge, &[1], 0));
    assert_eq!(exit, Some(ExitStatus::Exited(-1)), "above the heap limit");
}

#[test]
fn stack_grows_on_demand() {
    // Push 3000 words (about 3 pages), then pop them all.
    let program = [
        li(1, 0),
        li(2, 3000),
        Instruction::Push { rs: r(1) }, // 2
        addi(1, 1, 1),
        branch(BranchCond::Lt, 1, 2, 2),
        Instruction::Pop { rd: r(3) }, // 5
        addi(1, 1, -1),
        branch(BranchCond::Ne, 1, 0, 5),
        Instruction::Halt,
    ];
    let outcome = run(config("fifo", 8), object("stack.asm", &program, &[], 0));
    assert_eq!(outcome.exit, Some(ExitStatus::Exited(0)));
    assert_eq!(outcome.stats.totals.minor_faults, 3);
}

#[test]
fn stack_limit_is_enforced() {
    let program = [
        Instruction::Push { rs: r(1) },
        Instruction::Jmp { target: at(0) },
    ];
    let config = MachineConfig {
        stack_limit: 2 * PAGE as u32,
        ..config("fifo", 8)
    };
    let (_, _, message) = run_quiet(config, object("deep.asm", &program, &[], 0));
    let below = STACK_TOP - 2 * PAGE as u32 - 4;
    assert_eq!(
        message,
        format!("process 1 (deep.asm) killed: stack overflow: store at 0x{below:08x} at pc 0x00010000 (deep.asm:1): the address is just below the stack, which reached its limit of 8192 bytes (0xbfffe000..0xc0000000); raise --stack-limit or recurse less deeply")
    );
}

#[test]
fn null_load_is_a_segfault() {
    let program = [li(1, 0), lw(2, 1, 0), Instruction::Halt];
    let outcome = run(config("fifo", 8), object("null.asm", &program, &[], 0));
    assert_eq!(
        outcome.message,
        "process 1 (null.asm) killed: segmentation fault: load at 0x00000000 (not mapped) at pc 0x00010008 (null.asm:2)"
    );
    assert_eq!(outcome.stats.totals.segfaults, 1);
    assert_eq!(outcome.stats.totals.page_faults, 1, "only the text page");
    assert_eq!(outcome.stats.processes[0].exit_code, None);
    assert!(outcome.trace.contains("\"kind\":\"segfault\""));
}

#[test]
fn store_to_text_is_a_segfault() {
    let program = [li(1, at(0) as i32), sw(1, 1, 0), Instruction::Halt];
    let (_, _, message) = run_quiet(config("fifo", 8), object("ro.asm", &program, &[], 0));
    assert_eq!(
        message,
        "process 1 (ro.asm) killed: segmentation fault: store at 0x00010000 (read-only page) at pc 0x00010008 (ro.asm:2)"
    );
}

#[test]
fn guest_faults_kill_with_messages() {
    let cases: Vec<(Vec<Instruction>, &str)> = vec![
        (
            vec![li(1, 5), alu(AluOp::Div, 2, 1, 0), Instruction::Halt],
            "process 1 (t.asm) killed: division by zero at pc 0x00010008 (t.asm:2)",
        ),
        (
            vec![li(1, DATA as i32 + 2), lw(2, 1, 0), Instruction::Halt],
            "process 1 (t.asm) killed: misaligned load of 4 bytes at 0x00020002 at pc 0x00010008 (t.asm:2): the address must be a multiple of 4",
        ),
        (
            vec![sys(99)],
            "process 1 (t.asm) killed: unknown system call 99 at pc 0x00010000 (t.asm:1); known calls: exit (1), print_int (2), print_char (3), print_str (4), sbrk (5), fork (6), wait (7), getpid (8), getppid (9), yield (10), sleep (11), spawn (12), join (13), thread_exit (14), lock (15), unlock (16), read (17), write (18), read_nb (19), setpriority (20), mmap (21), munmap (22), mprotect (23)",
        ),
        (
            vec![Instruction::Jmp { target: at(0) + 4 }],
            "process 1 (t.asm) killed: misaligned pc 0x00010004: instructions start at multiples of 8",
        ),
        (
            vec![li(1, 3), sys(SYS_EXIT)],
            "process 1 (t.asm) exited with status 3",
        ),
    ];
    for (program, expected) in cases {
        let (_, _, message) = run_quiet(config("fifo", 8), object("t.asm", &program, &[0; 8], 0));
        assert_eq!(message, expected);
    }
}

#[test]
fn illegal_instruction_names_the_bytes() {
    let mut object = object("bad.asm", &[Instruction::Nop, Instruction::Halt], &[], 0);
    object.text.bytes[8..16].copy_from_slice(&[0xff, 0, 0, 0, 0, 0, 0, 0]);
    let (_, _, message) = run_quiet(config("fifo", 8), object);
    assert_eq!(
        message,
        "process 1 (bad.asm) killed: illegal instruction [ff 00 00 00 00 00 00 00] at pc 0x00010008 (bad.asm:2): unknown opcode 0xff"
    );
}

#[test]
fn max_ticks_message_names_the_real_tick() {
    // The first fetch faults and pays the image read latency, so the clock
    // jumps well past the limit of 5 before the run loop checks it.
    let program = [Instruction::Nop, Instruction::Halt];
    let config = MachineConfig {
        max_ticks: 5,
        ..config("fifo", 8)
    };
    let outcome = run(config, object("slow.asm", &program, &[], 0));
    let ticks = outcome.stats.totals.ticks;
    assert!(
        ticks > 5,
        "the fault should overshoot the limit, ticks = {ticks}"
    );
    assert_eq!(
        outcome.message,
        format!("process 1 (slow.asm) stopped at tick {ticks} by --max-ticks 5: the program may loop forever; raise --max-ticks to let it run longer")
    );
}

#[test]
fn max_ticks_stops_a_loop() {
    let program = [Instruction::Jmp { target: at(0) }];
    let config = MachineConfig {
        max_ticks: 1000,
        ..config("fifo", 8)
    };
    let outcome = run(config, object("loop.asm", &program, &[], 0));
    assert_eq!(
        outcome.message,
        "process 1 (loop.asm) stopped at tick 1000 by --max-ticks 1000: the program may loop forever; raise --max-ticks to let it run longer"
    );
    assert!(matches!(outcome.exit, Some(ExitStatus::Stopped(_))));
    assert_eq!(outcome.stats.totals.ticks, 1000);
    assert!(outcome.trace.contains("\"event\":\"stop\""));
}

#[test]
fn out_of_swap_kills() {
    let config = MachineConfig {
        swap_slots: 1,
        ..config("fifo", 1)
    };
    let (stats, _, message) = run_quiet(
        config,
        object("swap.asm", &pattern_program(), &[], 12 * PAGE as u32),
    );
    assert!(
        message.starts_with("process 1 (swap.asm) killed: out of swap: all 1 slots are in use"),
        "{message}"
    );
    assert!(message.ends_with("; raise --swap-slots"), "{message}");
    assert_eq!(stats.totals.swap_outs, 1);
}

#[test]
fn out_of_page_tables_kills() {
    let config = MachineConfig {
        page_table_frames: 1,
        ..config("fifo", 8)
    };
    let (_, _, message) = run_quiet(config, object("pt.asm", &[Instruction::Halt], &[], 0));
    assert_eq!(
        message,
        "process 1 (pt.asm) killed: out of page-table frames: all 1 frames of the pool are in use at the fetch of 0x00010000 at pc 0x00010000 (pt.asm:1); raise --page-table-frames"
    );
}

#[test]
fn one_frame_runs_two_page_instructions() {
    // Each store needs the text page and a data page: with one frame, every
    // access faults once and still completes.
    let program = [
        li(1, DATA as i32),
        li(2, 9),
        sw(2, 1, 0),
        lw(3, 1, 0),
        Instruction::Mov { rd: r(1), rs: r(3) },
        sys(SYS_EXIT),
    ];
    let outcome = run(config("fifo", 1), object("one.asm", &program, &[0; 4], 0));
    assert_eq!(outcome.exit, Some(ExitStatus::Exited(9)));
    let totals = outcome.stats.totals;
    assert_eq!(totals.accesses, 8);
    // The faults are text, data (evicting text), text (evicting the dirty
    // data page, a swap-out), data (a swap-in) and text. The last eviction
    // writes nothing: the data page is clean since its swap-in, and its slot
    // still holds the copy. The last fetch hits.
    assert_eq!(totals.page_faults, 5);
    assert_eq!((totals.swap_outs, totals.swap_ins), (1, 1));
    assert_eq!(outcome.refs, "16\n16\n16\n32 w\n16\n32\n16\n16\n");
}

#[test]
fn tlb_can_be_disabled() {
    let config = MachineConfig {
        tlb_entries: 0,
        ..config("fifo", 4)
    };
    let (stats, exit, _) = run_quiet(
        config,
        object("p.asm", &pattern_program(), &[], 12 * PAGE as u32),
    );
    assert_eq!(exit, Some(ExitStatus::Exited(0)));
    assert_eq!(stats.totals.tlb_hits, 0);
    assert_eq!(stats.totals.tlb_misses, stats.totals.accesses);
}

#[test]
fn small_pages_use_deeper_tables() {
    let config = MachineConfig {
        page_size: 256,
        stack_limit: 4096,
        ..config("fifo", 4)
    };
    let program: Vec<Instruction> = pattern_program()
        .into_iter()
        .map(|instruction| match instruction {
            Instruction::AluImm { op, rd, rs1, imm } if imm == PAGE => Instruction::AluImm {
                op,
                rd,
                rs1,
                imm: 256,
            },
            other => other,
        })
        .collect();
    let (stats, exit, message) = run_quiet(config, object("small.asm", &program, &[], 12 * 256));
    assert_eq!(exit, Some(ExitStatus::Exited(0)), "{message}");
    assert!(stats.totals.swap_ins >= 12);
}

#[test]
fn runs_are_deterministic() {
    let first = run(
        config("fifo", 3),
        object("p.asm", &pattern_program(), &[], 12 * PAGE as u32),
    );
    let second = run(
        config("fifo", 3),
        object("p.asm", &pattern_program(), &[], 12 * PAGE as u32),
    );
    assert!(!first.trace.is_empty());
    assert_eq!(first.trace, second.trace);
    assert_eq!(first.stats.to_json(), second.stats.to_json());
    assert_eq!(first.refs, second.refs);
}

#[test]
fn print_str_is_bounded() {
    // 70,000 non-zero bytes: no NUL within the 64 KiB limit.
    let program = [li(1, DATA as i32), sys(SYS_PRINT_STR), Instruction::Halt];
    let data = vec![b'a'; 70_000];
    let (stats, _, message) = run_quiet(config("fifo", 8), object("long.asm", &program, &data, 0));
    assert_eq!(
        message,
        "process 1 (long.asm) killed: print_str: no NUL byte within 65536 bytes of 0x00020000 at pc 0x00010008 (long.asm:2); end the string with a 0 byte (.asciz)"
    );
    assert_eq!(
        stats.totals.accesses,
        2 + 65536,
        "two fetches and every byte read"
    );
}

#[test]
fn print_str_of_unmapped_address_segfaults() {
    let program = [li(1, 0x100), sys(SYS_PRINT_STR), Instruction::Halt];
    let (_, _, message) = run_quiet(config("fifo", 8), object("bad.asm", &program, &[], 0));
    assert_eq!(
        message,
        "process 1 (bad.asm) killed: segmentation fault: load at 0x00000100 (not mapped) at pc 0x00010008 (bad.asm:2)"
    );
}

#[test]
fn huge_latencies_stop_at_max_ticks() {
    let config = MachineConfig {
        swap_write_latency: u64::MAX,
        walk_cost_per_level: u64::MAX,
        ..config("fifo", 2)
    };
    let (stats, exit, _) = run_quiet(
        config,
        object("slow.asm", &pattern_program(), &[], 12 * PAGE as u32),
    );
    assert!(matches!(exit, Some(ExitStatus::Stopped(_))), "{exit:?}");
    assert_eq!(stats.totals.ticks, u64::MAX);
}

#[test]
fn pattern_runs_under_every_configuration() {
    for &policy_name in pagelab_vm::policy::NAMES {
        for tlb_entries in [0, 4, 16] {
            for page_size in [256u32, 4096] {
                let config = MachineConfig {
                    tlb_entries,
                    page_size,
                    stack_limit: 16 * page_size,
                    ..config(policy_name, 3)
                };
                if config.validate().is_err() {
                    continue; // An offline policy cannot run inside the VM.
                }
                let program: Vec<Instruction> = pattern_program()
                    .into_iter()
                    .map(|instruction| match instruction {
                        Instruction::AluImm { op, rd, rs1, imm } if imm == PAGE => {
                            Instruction::AluImm {
                                op,
                                rd,
                                rs1,
                                imm: page_size as i32,
                            }
                        }
                        other => other,
                    })
                    .collect();
                let label =
                    format!("{policy_name}, {tlb_entries} TLB entries, {page_size}-byte pages");
                let (stats, exit, message) =
                    run_quiet(config, object("p.asm", &program, &[], 12 * page_size));
                let totals = stats.totals;
                assert_eq!(exit, Some(ExitStatus::Exited(0)), "{label}: {message}");
                assert_eq!(
                    totals.tlb_hits + totals.tlb_misses,
                    totals.accesses,
                    "{label}"
                );
                assert_eq!(
                    totals.minor_faults + totals.major_faults,
                    totals.page_faults,
                    "{label}"
                );
                assert_eq!(totals.evictions, totals.page_faults - 3, "{label}");
                assert!(totals.swap_ins <= totals.swap_outs, "{label}");
                if tlb_entries == 0 {
                    assert_eq!(totals.tlb_hits, 0, "{label}");
                }
            }
        }
    }
}

#[test]
fn console_error_stops_the_run() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let program = [
        li(1, 7),
        sys(SYS_PRINT_INT),
        Instruction::Jmp { target: at(1) },
    ];
    let mut kernel = pagelab_vm::kernel::Kernel::new(config("fifo", 4), Box::new(Broken)).unwrap();
    kernel.spawn(object("loop.asm", &program, &[], 0)).unwrap();
    let error = kernel.run().unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    let process = &kernel.processes()[0];
    assert_eq!(
        process.describe_exit(),
        "process 1 (loop.asm) stopped because writing the console, trace or reference string failed"
    );
    assert_eq!(process.stats.instructions, 2);
}

/// A policy that records every frame's reference bit at each eviction,
/// clears them all, and evicts frame `victims[n]` at the n-th eviction.
struct Recorder {
    n_frames: usize,
    victims: Vec<usize>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Vec<bool>>>>,
}

impl pagelab_vm::policy::ReplacementPolicy for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }

    fn on_hit(&mut self, _frame: usize, _write: bool) {}

    fn on_load(&mut self, _frame: usize, _page: u64, _write: bool) {}

    fn on_free(&mut self, _frame: usize) {}

    fn choose_victim(&mut self, bits: &mut dyn pagelab_vm::policy::ReferenceBits) -> usize {
        let snapshot: Vec<bool> = (0..self.n_frames).map(|f| bits.is_referenced(f)).collect();
        for frame in 0..self.n_frames {
            bits.clear_referenced(frame);
        }
        let mut seen = self
            .seen
            .lock()
            .expect("no test thread panicked while holding the lock");
        seen.push(snapshot);
        self.victims[seen.len() - 1]
    }
}

#[test]
fn reference_bits_are_exact() {
    let program = [
        li(1, DATA as i32),
        lw(2, 1, 0),        // page D1, frame 1 (text is frame 0)
        lw(2, 1, PAGE),     // D2, frame 2
        lw(2, 1, 2 * PAGE), // D3: evicts frame 1 after clearing every bit
        lw(2, 1, 2 * PAGE), // D3 again; the fetches walk and set text's bit
        lw(2, 1, 3 * PAGE), // D4: D2 was not touched since the clear
        Instruction::Halt,
    ];
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut kernel =
        pagelab_vm::kernel::Kernel::new(config("fifo", 3), Box::new(std::io::sink())).unwrap();
    kernel.set_policy(Box::new(Recorder {
        n_frames: 3,
        victims: vec![1, 2],
        seen: seen.clone(),
    }));
    kernel
        .spawn(object("bits.asm", &program, &[], 4 * PAGE as u32))
        .unwrap();
    kernel.run().unwrap();
    assert_eq!(kernel.processes()[0].exit, Some(ExitStatus::Exited(0)));

    let seen = seen
        .lock()
        .expect("no test thread panicked while holding the lock");
    assert_eq!(seen[0], vec![true, true, true]);
    // Text was used only through its TLB entry before the clear; the clear
    // invalidated that entry, so the next fetch walked and set the bit again.
    assert_eq!(seen[1], vec![true, true, false]);
}

#[test]
fn running_off_the_end_of_text_is_explained() {
    let program = [li(1, 1), li(2, 2)];
    let (_, _, message) = run_quiet(config("fifo", 8), object("fall.asm", &program, &[], 0));
    assert_eq!(
        message,
        "process 1 (fall.asm) killed: illegal instruction [00 00 00 00 00 00 00 00] at pc 0x00010010: unknown opcode 0x00; the program ran past its last instruction: end it with `halt` or `sys exit`"
    );
}

#[test]
fn executing_outside_text_is_explained() {
    // `ret` pops the address of the data section and executes its zeros.
    let program = [
        li(1, DATA as i32),
        Instruction::Push { rs: r(1) },
        Instruction::Ret,
    ];
    let (_, _, message) = run_quiet(config("fifo", 8), object("wild.asm", &program, &[0; 8], 0));
    assert!(
        message.ends_with(&format!("; pc 0x{DATA:08x} is outside the text section 0x00010000..0x00010018: a jump or `ret` went to an address that holds no code")),
        "{message}"
    );
}

/// Reads one word from each of four pages 8 pages apart, 20 times over. The
/// four VPNs differ by 8, so in an 8-entry direct-mapped TLB (8 sets) they
/// share one set and evict each other on every access, while an 8-entry
/// fully associative TLB keeps them all together with the code and stack.
fn conflict_program() -> Vec<Instruction> {
    vec![
        li(5, 0),                        // 0: round
        li(6, 20),                       // 1
        li(1, 0),                        // 2: outer
        li(2, DATA as i32),              // 3
        li(3, 4),                        // 4
        li(7, 8 * PAGE),                 // 5
        lw(4, 2, 0),                     // 6: inner
        alu(AluOp::Add, 2, 2, 7),        // 7
        addi(1, 1, 1),                   // 8
        branch(BranchCond::Lt, 1, 3, 6), // 9
        addi(5, 5, 1),                   // 10
        branch(BranchCond::Lt, 5, 6, 2), // 11
        Instruction::Halt,               // 12
    ]
}

#[test]
fn direct_mapped_tlb_has_conflict_misses() {
    let run = |tlb_ways: Option<usize>| {
        let config = MachineConfig {
            tlb_entries: 8,
            tlb_ways,
            ..config("fifo", 8)
        };
        let (stats, exit, message) = run_quiet(
            config,
            object("conflict.asm", &conflict_program(), &[], 32 * PAGE as u32),
        );
        assert_eq!(exit, Some(ExitStatus::Exited(0)), "{message}");
        stats.totals
    };
    let direct = run(Some(1));
    let full = run(None);
    assert_eq!(direct.page_faults, full.page_faults);
    assert_eq!(direct.accesses, full.accesses);
    // 80 data reads all miss when direct-mapped; fully associative misses
    // only on the first touch of each page.
    assert!(direct.tlb_misses >= 80, "{}", direct.tlb_misses);
    assert!(full.tlb_misses < 10, "{}", full.tlb_misses);
    // Two ways still cannot hold four pages of one set.
    let two_way = run(Some(2));
    assert!(two_way.tlb_misses >= 80, "{}", two_way.tlb_misses);
}

#[test]
fn pausing_does_not_change_the_run() {
    let whole = run(
        config("clock", 3),
        object("p.asm", &pattern_program(), &[], 12 * PAGE as u32),
    );

    let console = Capture::default();
    let trace = Capture::default();
    let refs = Capture::default();
    let mut kernel = Kernel::new(config("clock", 3), Box::new(console.clone())).unwrap();
    kernel.set_tracer(Tracer::new(
        Box::new(JsonlSink::new(trace.clone())),
        Filter::ALL,
    ));
    kernel.set_refs_out(Box::new(refs.clone()));
    kernel
        .spawn(object("p.asm", &pattern_program(), &[], 12 * PAGE as u32))
        .unwrap();
    let mut pauses = 0;
    let mut tick = 0;
    loop {
        tick += 37;
        match kernel.run_until(tick).unwrap() {
            RunProgress::Paused => {
                assert!(kernel.system().clock >= tick);
                pauses += 1;
            }
            RunProgress::Finished => break,
        }
    }
    assert!(pauses > 10, "the run paused only {pauses} times");
    assert_eq!(kernel.stats().to_json(), whole.stats.to_json());
    assert_eq!(trace.text(), whole.trace);
    assert_eq!(refs.text(), whole.refs);
    assert_eq!(console.text(), whole.console);
}
