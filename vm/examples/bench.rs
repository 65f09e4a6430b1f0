//! Measures guest instructions per second with tracing off.
//!
//! Three loops, each built from `Instruction`s and run 5 times; the median
//! is printed:
//! - `compute`: a register-only loop (add, xor, shift, branch), so every
//!   access is an instruction fetch that hits the TLB;
//! - `memory-tlb`: loads and stores over a 64 KiB array (16 pages): more
//!   pages than the 8-entry TLB covers, but all resident in 32 frames;
//! - `memory-swap`: loads and stores over a 256 KiB array (64 pages), more
//!   than the 32 frames of physical memory, so the run pages to swap.
//!
//! Run with `cargo run --release -p pagelab-vm --example bench`.

use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{AluOp, BranchCond, Instruction, LoadWidth, MemAddr, Reg, StoreWidth};
use pagelab_vm::kernel::Kernel;
use pagelab_vm::object::{Bss, Object, Section, SECTION_ALIGN, TEXT_BASE};
use std::time::Instant;

const RUNS: usize = 5;
const DATA: u32 = TEXT_BASE + SECTION_ALIGN;

fn r(index: u8) -> Reg {
    Reg::new(index).expect("benchmark registers are below 16")
}

fn alu_imm(op: AluOp, rd: u8, rs1: u8, imm: i32) -> Instruction {
    Instruction::AluImm {
        op,
        rd: r(rd),
        rs1: r(rs1),
        imm,
    }
}

fn at(index: u32) -> u32 {
    TEXT_BASE + 8 * index
}

/// Builds a register-only loop of `iterations` rounds of 5 instructions.
fn compute_loop(iterations: i32) -> Vec<Instruction> {
    vec![
        Instruction::Li { rd: r(1), imm: 0 },
        Instruction::Li {
            rd: r(2),
            imm: iterations,
        },
        Instruction::Li { rd: r(3), imm: 1 },
        alu_imm(AluOp::Add, 1, 1, 1), // 3: loop
        Instruction::Alu {
            op: AluOp::Xor,
            rd: r(3),
            rs1: r(3),
            rs2: r(1),
        },
        alu_imm(AluOp::Shl, 4, 3, 3),
        alu_imm(AluOp::Add, 3, 4, 7),
        Instruction::Branch {
            cond: BranchCond::Lt,
            rs1: r(1),
            rs2: r(2),
            target: at(3),
        },
        Instruction::Halt,
    ]
}

/// Builds `passes` sweeps over `bytes` bytes of bss with a 256-byte
/// stride. Each step loads a word, adds one and stores it back.
fn memory_loop(bytes: i32, passes: i32) -> Vec<Instruction> {
    let based = |offset| MemAddr::Based { base: r(2), offset };
    vec![
        Instruction::Li { rd: r(5), imm: 0 }, // 0: pass
        Instruction::Li {
            rd: r(6),
            imm: passes,
        }, // 1
        Instruction::Li {
            rd: r(2),
            imm: DATA as i32,
        }, // 2: sweep start
        Instruction::Li {
            rd: r(3),
            imm: DATA as i32 + bytes,
        }, // 3
        Instruction::Load {
            // 4: inner loop
            width: LoadWidth::Word,
            rd: r(4),
            addr: based(0),
        },
        alu_imm(AluOp::Add, 4, 4, 1), // 5
        Instruction::Store {
            // 6
            width: StoreWidth::Word,
            rs: r(4),
            addr: based(0),
        },
        alu_imm(AluOp::Add, 2, 2, 256), // 7
        Instruction::Branch {
            // 8
            cond: BranchCond::Ltu,
            rs1: r(2),
            rs2: r(3),
            target: at(4),
        },
        alu_imm(AluOp::Add, 5, 5, 1), // 9
        Instruction::Branch {
            // 10
            cond: BranchCond::Lt,
            rs1: r(5),
            rs2: r(6),
            target: at(2),
        },
        Instruction::Halt, // 11
    ]
}

fn object(program: &[Instruction], bss_len: u32) -> Object {
    Object {
        source_name: "bench".into(),
        entry: TEXT_BASE,
        text: Section {
            addr: TEXT_BASE,
            bytes: program.iter().flat_map(|i| i.encode()).collect(),
        },
        data: Section {
            addr: DATA,
            bytes: Vec::new(),
        },
        bss: Bss {
            addr: DATA,
            len: bss_len,
        },
        ..Object::default()
    }
}

/// Runs `object` `RUNS` times; returns the median instructions per second,
/// the instruction count and the page faults of one run.
fn measure(config: &MachineConfig, object: &Object) -> (f64, u64, u64) {
    let mut rates = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let mut kernel = Kernel::new(config.clone(), Box::new(std::io::sink()))
            .expect("the benchmark configuration is valid");
        kernel
            .spawn(object.clone())
            .expect("the benchmark program fits");
        let start = Instant::now();
        kernel.run().expect("a sink console cannot fail");
        let seconds = start.elapsed().as_secs_f64();
        let stats = kernel.stats();
        assert_eq!(
            stats.processes[0].exit_code,
            Some(0),
            "the benchmark program must exit 0"
        );
        rates.push(stats.totals.instructions as f64 / seconds);
        last = Some(stats.totals);
    }
    rates.sort_by(f64::total_cmp);
    let totals = last.expect("RUNS is positive");
    (rates[RUNS / 2], totals.instructions, totals.page_faults)
}

fn main() {
    let config = MachineConfig {
        frames: 32,
        tlb_entries: 8,
        max_ticks: u64::MAX,
        swap_slots: 4096,
        ..MachineConfig::default()
    }
    .with_policy("fifo");

    let cases = [
        ("compute", object(&compute_loop(20_000_000), 0)),
        (
            "memory-tlb",
            object(&memory_loop(64 << 10, 10_000), 64 << 10),
        ),
        (
            "memory-swap",
            object(&memory_loop(256 << 10, 1000), 256 << 10),
        ),
    ];
    println!(
        "policy {}, {} frames of {} bytes, {} TLB entries; median of {RUNS} runs",
        config.policy, config.frames, config.page_size, config.tlb_entries
    );
    for (name, object) in &cases {
        let (rate, instructions, faults) = measure(&config, object);
        println!(
            "{name:<12} {:>8.1} M instructions/s  ({instructions} instructions, {faults} page faults)",
            rate / 1e6
        );
    }
}
