//! Threads sharing a counter under preemption: lost updates without a
//! lock, exact counts with a kernel mutex or an `xchg` spinlock.

mod common;

use common::*;
use pagelab_vm::isa::{
    BranchCond, Instruction, MemAddr, SYS_EXIT, SYS_JOIN, SYS_LOCK, SYS_SPAWN, SYS_THREAD_EXIT,
    SYS_UNLOCK, SYS_YIELD,
};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::Kernel;

const ROUNDS: i32 = 200;
const COUNTER: u32 = DATA;
const LOCK: u32 = DATA + 4;

/// How the increment is protected.
#[derive(Clone, Copy, Debug)]
enum Guard {
    None,
    Mutex,
    Spinlock,
}

/// Builds a program whose main thread spawns one worker; both add 1 to the
/// counter ROUNDS times, and main exits with the final count.
fn counter_program(guard: Guard) -> Vec<Instruction> {
    // Instruction indexes of the increment routine, which both threads run
    // through `jmp` and finish differently (r10 = 1 in the worker).
    const INCREMENT: u32 = 10;
    let mut program = vec![
        li(1, at(30) as i32), // 0: worker entry
        li(2, 0),             // 1
        sys(SYS_SPAWN),       // 2
        addi(8, 0, 0),        // 3: r8 = worker tid
        li(10, 0),            // 4: main
        Instruction::Jmp {
            target: at(INCREMENT),
        }, // 5
        addi(1, 8, 0),        // 6: main resumes here
        sys(SYS_JOIN),        // 7
        lw(1, 11, 0),         // 8: r1 = counter (r11 = COUNTER)
        sys(SYS_EXIT),        // 9
    ];
    // INCREMENT (10): r3 = i, r4 = ROUNDS, r11 = &counter, r12 = &lock.
    let mut increment = vec![
        li(3, 0),
        li(4, ROUNDS),
        li(11, COUNTER as i32),
        li(12, LOCK as i32),
    ];
    let loop_start = INCREMENT + increment.len() as u32;
    let mut body = Vec::new();
    match guard {
        Guard::None => {}
        Guard::Mutex => body.extend([li(1, LOCK as i32), sys(SYS_LOCK)]),
        Guard::Spinlock => {
            // spin: r6 = 1; xchg r6, (lock); if r6 != 0 { yield; retry }
            let spin = loop_start;
            body.extend([
                li(6, 1),
                Instruction::Xchg {
                    rd: r(6),
                    addr: MemAddr::Based {
                        base: r(12),
                        offset: 0,
                    },
                },
                branch(BranchCond::Eq, 6, 13, spin + 5), // r13 is 0
                sys(SYS_YIELD),
                Instruction::Jmp { target: at(spin) },
            ]);
        }
    }
    body.extend([lw(5, 11, 0), addi(5, 5, 1), sw(5, 11, 0)]);
    match guard {
        Guard::None => {}
        Guard::Mutex => body.extend([li(1, LOCK as i32), sys(SYS_UNLOCK)]),
        Guard::Spinlock => body.push(sw(13, 12, 0)),
    }
    body.extend([addi(3, 3, 1), branch(BranchCond::Lt, 3, 4, loop_start)]);
    increment.extend(body);
    // After the loop: the worker exits, main resumes at 6.
    increment.extend([
        branch(BranchCond::Ne, 10, 13, 0), // patched below
        Instruction::Jmp { target: at(6) },
    ]);
    let after = INCREMENT + increment.len() as u32;
    let len = increment.len();
    increment[len - 2] = branch(BranchCond::Ne, 10, 13, after);
    increment.extend([li(1, 0), sys(SYS_THREAD_EXIT)]);
    program.extend(increment);
    assert!(program.len() <= 30, "the worker entry is at 30");
    program.resize(30, Instruction::Nop);
    // 30: worker entry.
    program.extend([
        li(10, 1),
        Instruction::Jmp {
            target: at(INCREMENT),
        },
    ]);
    program
}

/// Runs the counter program under a test round robin of `quantum` ticks
/// and returns the final count.
fn count(guard: Guard, quantum: u64) -> i32 {
    let mut kernel = Kernel::new(config("fifo", 8), Box::new(std::io::sink())).unwrap();
    let (scheduler, _) = TestRoundRobin::new(quantum);
    kernel.set_scheduler(Box::new(scheduler));
    kernel
        .spawn(object("count.asm", &counter_program(guard), &[0; 8], 0))
        .unwrap();
    kernel.run().unwrap();
    let process = &kernel.processes()[0];
    match process.exit {
        Some(ExitStatus::Exited(count)) => count,
        ref other => panic!("{guard:?} with quantum {quantum}: {other:?}"),
    }
}

#[test]
fn unguarded_counter_loses_updates() {
    let lost: Vec<i32> = [3, 5, 7, 11]
        .iter()
        .map(|&quantum| 2 * ROUNDS - count(Guard::None, quantum))
        .collect();
    assert!(lost.iter().all(|&n| n >= 0), "{lost:?}");
    assert!(
        lost.iter().any(|&n| n > 0),
        "a small quantum loses updates: {lost:?}"
    );
    assert_eq!(
        count(Guard::None, 3),
        count(Guard::None, 3),
        "deterministic"
    );
    // Even without preemption the race shows: main's first load faults on
    // the data page and main waits for the device holding the old value in
    // r5, while the worker runs all its rounds; main's store then erases them.
    assert_eq!(count(Guard::None, 1_000_000), ROUNDS);
}

#[test]
fn mutex_keeps_every_update() {
    for quantum in [1, 2, 3, 5, 7, 11, 50] {
        assert_eq!(
            count(Guard::Mutex, quantum),
            2 * ROUNDS,
            "quantum {quantum}"
        );
    }
}

#[test]
fn spinlock_keeps_every_update() {
    for quantum in [1, 2, 3, 5, 7, 11, 50] {
        assert_eq!(
            count(Guard::Spinlock, quantum),
            2 * ROUNDS,
            "quantum {quantum}"
        );
    }
}
