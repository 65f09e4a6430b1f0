//! An eviction that fails for want of a swap slot kills the faulting
//! process but leaves its victim resident, so the policy must still hold
//! that page and be able to choose it later.

mod common;

use common::*;
use pagelab_vm::isa::{BranchCond, Instruction};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::Kernel;

/// Stores to each of 6 bss pages in turn, then halts.
fn page_writer() -> pagelab_vm::object::Object {
    let text = [
        li(1, 0),
        li(2, DATA as i32),
        li(3, 6),
        sw(1, 2, 0), // 3: one store per page
        addi(2, 2, 4096),
        addi(1, 1, 1),
        branch(BranchCond::Lt, 1, 3, 3),
        Instruction::Halt,
    ];
    object("page_writer.asm", &text, &[], 6 * 4096)
}

#[test]
fn failed_eviction_keeps_victim_with_policy() {
    for policy in ["arc", "lru", "fifo", "clock"] {
        let mut config = config(policy, 1);
        config.swap_slots = 4;
        config.scheduler = "rr".into();
        config.quantum = 37;
        let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
        kernel.spawn(page_writer()).unwrap();
        kernel.spawn(page_writer()).unwrap();
        kernel.run().unwrap();

        let out_of_swap = kernel.processes().iter().any(|process| {
            matches!(&process.exit, Some(ExitStatus::Killed(reason)) if reason.contains("out of swap"))
        });
        assert!(out_of_swap, "{policy}: a process runs out of swap");
        for process in kernel.processes() {
            let exit = process.exit.as_ref().expect("every process ended");
            if let ExitStatus::Killed(reason) = exit {
                assert!(
                    !reason.contains("internal error"),
                    "{policy}: pid {}: {reason}",
                    process.pid
                );
            }
        }
        assert_eq!(kernel.check_invariants(), Ok(()), "{policy}");
    }
}
