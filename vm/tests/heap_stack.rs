//! The heap and the stack: `sbrk` shrinking frees frames and swap slots,
//! the heap cannot reach the gap below the stack, and a stack that
//! outgrows its limit ends in a stack-overflow fault.

mod common;

use common::*;
use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{BranchCond, Instruction, SYS_EXIT, SYS_SBRK};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::vmm::HEAP_STACK_GAP;
use pagelab_vm::kernel::{Kernel, RunProgress};
use pagelab_vm::object::STACK_TOP;

const PAGE: i32 = 4096;

/// Heap pages the shrink test writes, more than its 4 frames.
const HEAP_PAGES: i32 = 12;

/// Grows the heap by [`HEAP_PAGES`] pages, writes a word in each, shrinks
/// the heap back to its start and then loops forever, so the test can
/// look at the machine after the shrink.
fn grow_write_shrink() -> Vec<Instruction> {
    vec![
        li(1, HEAP_PAGES * PAGE),                // 0
        sys(SYS_SBRK),                           // 1: r0 = heap start
        Instruction::Mov { rd: r(2), rs: r(0) }, // 2
        li(3, 0),                                // 3
        li(4, HEAP_PAGES),                       // 4
        sw(3, 2, 0),                             // 5: touch
        addi(2, 2, PAGE),                        // 6
        addi(3, 3, 1),                           // 7
        branch(BranchCond::Lt, 3, 4, 5),         // 8
        li(1, -HEAP_PAGES * PAGE),               // 9
        sys(SYS_SBRK),                           // 10
        li(5, 1),                                // 11: shrunk
        Instruction::Jmp { target: at(12) },     // 12
    ]
}

/// Returns the number of occupied user frames and of swap slots in use.
fn frames_and_slots_in_use(kernel: &Kernel) -> (usize, u32) {
    let sys = kernel.system();
    let frames = (0..sys.config.frames)
        .filter(|&frame| sys.frames.owner(frame).is_some())
        .count();
    let slots = (0..sys.slots.size())
        .filter(|&slot| sys.slots.holders(slot) > 0)
        .count() as u32;
    (frames, slots)
}

#[test]
fn sbrk_shrink_frees_frames_and_swap_slots() {
    let mut kernel = Kernel::new(config("fifo", 4), Box::new(std::io::sink())).unwrap();
    kernel
        .spawn(object("shrink.asm", &grow_write_shrink(), &[], 0))
        .unwrap();

    // Step one tick at a time. r3 counts the pages written and r5 becomes
    // 1 after the shrink, so the state between the two is visible.
    let mut tick = 0;
    let mut before_shrink = None;
    loop {
        tick += 1;
        assert_eq!(kernel.run_until(tick).unwrap(), RunProgress::Paused);
        let cpu = &kernel.threads()[0].cpu;
        let (written, shrunk) = (cpu.reg(r(3)), cpu.reg(r(5)));
        if shrunk == 1 {
            break;
        }
        if written == HEAP_PAGES as u32 && before_shrink.is_none() {
            before_shrink = Some(frames_and_slots_in_use(&kernel));
        }
        assert!(tick < 1_000_000, "the program never shrank its heap");
    }

    let (frames, slots) = before_shrink.expect("the run paused between the writes and the shrink");
    assert_eq!(frames, 4, "all frames held heap or text pages");
    assert!(
        slots >= HEAP_PAGES as u32 - 4,
        "dirty heap pages went to swap"
    );

    // After the shrink only the text page may stay resident, and no heap
    // page keeps a swap slot.
    let (frames, slots) = frames_and_slots_in_use(&kernel);
    assert!(frames <= 1, "{frames} frames still in use");
    assert_eq!(slots, 0, "{slots} swap slots still in use");
    let space = &kernel.processes()[0].space;
    assert_eq!(space.brk, space.heap_start);
}

#[test]
fn heap_limit_stops_short_of_the_stack_gap() {
    // Grows the heap to its limit in two steps (an increment is a signed
    // 32-bit number), then requests one more byte and exits with that
    // result. It is -1 only if the two steps succeeded, because otherwise
    // one more byte would fit.
    let config = config("fifo", 4);
    let stack_bottom = STACK_TOP - config.stack_limit;
    let heap_start = DATA + PAGE as u32;
    let room = stack_bottom - HEAP_STACK_GAP - heap_start;
    let half = (room / 2) as i32;
    let rest = (room - room / 2) as i32;
    let grow_to_limit = [
        li(1, half),
        sys(SYS_SBRK),
        li(1, rest),
        sys(SYS_SBRK),
        li(1, 1),
        sys(SYS_SBRK),
        Instruction::Mov { rd: r(1), rs: r(0) },
        sys(SYS_EXIT),
    ];
    let (_, exit, message) =
        run_quiet(config.clone(), object("limit.asm", &grow_to_limit, &[1], 0));
    assert_eq!(exit, Some(ExitStatus::Exited(-1)), "{message}");

    // At the limit, the last heap byte is writable and the first byte of
    // the gap is not. Every address of the gap is reported as a stack
    // overflow, because a stack outgrowing its limit is what reaches it.
    let heap_end = stack_bottom - HEAP_STACK_GAP;
    let touch_ends = [
        li(1, half),
        sys(SYS_SBRK),
        li(1, rest),
        sys(SYS_SBRK),
        li(2, (heap_end - 4) as i32),
        sw(1, 2, 0),
        li(2, heap_end as i32),
        sw(1, 2, 0),
        Instruction::Halt,
    ];
    let outcome = run(config, object("ends.asm", &touch_ends, &[1], 0));
    assert_eq!(
        outcome.message,
        format!(
            "process 1 (ends.asm) killed: stack overflow: store at 0x{heap_end:08x} at pc 0x{:08x} (ends.asm:8): the address is just below the stack, which reached its limit of 1048576 bytes (0x{stack_bottom:08x}..0xc0000000); raise --stack-limit or recurse less deeply",
            at(7)
        ),
        "the gap starts where the heap limit is"
    );
    assert_eq!(outcome.stats.totals.minor_faults, 1, "the last heap page");
}

#[test]
fn stack_overflow_is_counted_and_traced() {
    let program = [
        Instruction::Push { rs: r(1) },
        Instruction::Jmp { target: at(0) },
    ];
    let config = MachineConfig {
        stack_limit: 2 * PAGE as u32,
        ..config("fifo", 8)
    };
    let outcome = run(config, object("deep.asm", &program, &[], 0));
    let below = STACK_TOP - 2 * PAGE as u32 - 4;
    assert_eq!(
        outcome.message,
        format!("process 1 (deep.asm) killed: stack overflow: store at 0x{below:08x} at pc 0x00010000 (deep.asm:1): the address is just below the stack, which reached its limit of 8192 bytes (0xbfffe000..0xc0000000); raise --stack-limit or recurse less deeply")
    );
    let totals = outcome.stats.totals;
    assert_eq!(totals.stack_overflows, 1);
    assert_eq!(totals.segfaults, 1, "a stack overflow is a segfault too");
    assert!(
        outcome
            .trace
            .contains(r#""kind":"segfault","access":"store","va":3221217276"#),
        "{}",
        outcome.trace
    );
    assert!(outcome.trace.contains(r#""cause":"stack overflow""#));
}

#[test]
fn other_segfaults_keep_their_message() {
    let program = [li(1, 0), lw(2, 1, 0), Instruction::Halt];
    let outcome = run(config("fifo", 8), object("null.asm", &program, &[], 0));
    assert_eq!(
        outcome.message,
        "process 1 (null.asm) killed: segmentation fault: load at 0x00000000 (not mapped) at pc 0x00010008 (null.asm:2)"
    );
    assert_eq!(outcome.stats.totals.stack_overflows, 0);
}
