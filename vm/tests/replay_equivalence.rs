//! The reference string a run writes (`--refs-out`), replayed through the
//! same policy with the same frame count, gives exactly the run's page
//! faults. Checked for every policy the VM can run.

mod common;

use common::*;
use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{AluOp, BranchCond, Instruction};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::policy;
use pagelab_vm::refs;
use pagelab_vm::replay::replay_named;

const PAGE: i32 = 4096;

/// Touches random pages of a 16-page bss, storing on odd LCG draws and loading on even ones.
fn random_access_program() -> Vec<Instruction> {
    let imm = |op, rd, rs1, imm| Instruction::AluImm {
        op,
        rd: r(rd),
        rs1: r(rs1),
        imm,
    };
    vec![
        li(1, 12345),                         // 0: x
        li(2, 0),                             // 1: i
        li(3, 400),                           // 2: n
        li(9, DATA as i32),                   // 3
        imm(AluOp::Mul, 1, 1, 1_103_515_245), // 4: loop
        addi(1, 1, 12345),                    // 5
        imm(AluOp::Shr, 4, 1, 16),            // 6
        imm(AluOp::And, 4, 4, 15),            // 7
        imm(AluOp::Shl, 4, 4, 12),            // 8
        alu(AluOp::Add, 4, 4, 9),             // 9
        imm(AluOp::And, 5, 1, 0x100),         // 10
        branch(BranchCond::Eq, 5, 0, 14),     // 11
        sw(2, 4, 0),                          // 12
        Instruction::Jmp { target: at(15) },  // 13
        lw(6, 4, 0),                          // 14
        addi(2, 2, 1),                        // 15
        branch(BranchCond::Lt, 2, 3, 4),      // 16
        Instruction::Halt,                    // 17
    ]
}

/// Writes then reads back the first word of 12 pages.
fn scan_program() -> Vec<Instruction> {
    vec![
        li(1, 0),
        li(2, DATA as i32),
        li(3, 12),
        sw(1, 2, 0),
        addi(2, 2, PAGE),
        addi(1, 1, 1),
        branch(BranchCond::Lt, 1, 3, 3),
        li(1, 0),
        li(2, DATA as i32),
        lw(4, 2, 0),
        addi(2, 2, PAGE),
        addi(1, 1, 1),
        branch(BranchCond::Lt, 1, 3, 9),
        Instruction::Halt,
    ]
}

fn check(name: &str, program: &[Instruction], bss_pages: u32) {
    let mut checked = 0;
    for &policy_name in policy::NAMES {
        for frames in [1, 2, 3, 5, 8] {
            let config = MachineConfig {
                seed: 7,
                ..config(policy_name, frames)
            };
            if config.validate().is_err() {
                // An offline policy (such as OPT) cannot run inside the VM.
                continue;
            }
            let object = object(name, program, &[], bss_pages * PAGE as u32);
            let outcome = run(config, object);
            assert_eq!(
                outcome.exit,
                Some(ExitStatus::Exited(0)),
                "{}",
                outcome.message
            );

            let references = refs::parse(&outcome.refs).unwrap();
            assert_eq!(references.len() as u64, outcome.stats.totals.accesses);
            let replayed = replay_named(policy_name, frames, 7, &references, false).unwrap();
            assert_eq!(
                replayed.faults, outcome.stats.totals.page_faults,
                "{name} with {policy_name} and {frames} frames: faults"
            );
            assert_eq!(
                replayed.write_backs, outcome.stats.totals.swap_outs,
                "{name} with {policy_name} and {frames} frames: dirty evictions"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no policy could run in the VM");
}

#[test]
fn random_access_replays_exactly() {
    check("random.asm", &random_access_program(), 16);
}

#[test]
fn scan_replays_exactly() {
    check("scan.asm", &scan_program(), 12);
}
