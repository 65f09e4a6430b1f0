//! Builds programs from `Instruction`s and runs them on a kernel, capturing
//! the console, the trace and the reference string.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{AluOp, BranchCond, Instruction, LoadWidth, MemAddr, Reg, StoreWidth};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::scheduler::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use pagelab_vm::kernel::Kernel;
use pagelab_vm::object::{Bss, LineEntry, Object, Section, SECTION_ALIGN, TEXT_BASE};
use pagelab_vm::stats::RunStats;
use pagelab_vm::trace::{Filter, JsonlSink, Tracer};
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// Address of the data section of objects built by [`object`].
pub const DATA: u32 = TEXT_BASE + SECTION_ALIGN;

/// Returns the address of instruction `index`.
pub fn at(index: u32) -> u32 {
    TEXT_BASE + 8 * index
}

pub fn r(index: u8) -> Reg {
    Reg::new(index).unwrap()
}

pub fn li(rd: u8, imm: i32) -> Instruction {
    Instruction::Li { rd: r(rd), imm }
}

pub fn addi(rd: u8, rs1: u8, imm: i32) -> Instruction {
    Instruction::AluImm {
        op: AluOp::Add,
        rd: r(rd),
        rs1: r(rs1),
        imm,
    }
}

pub fn alu(op: AluOp, rd: u8, rs1: u8, rs2: u8) -> Instruction {
    Instruction::Alu {
        op,
        rd: r(rd),
        rs1: r(rs1),
        rs2: r(rs2),
    }
}

pub fn lw(rd: u8, base: u8, offset: i32) -> Instruction {
    Instruction::Load {
        width: LoadWidth::Word,
        rd: r(rd),
        addr: MemAddr::Based {
            base: r(base),
            offset,
        },
    }
}

pub fn sw(rs: u8, base: u8, offset: i32) -> Instruction {
    Instruction::Store {
        width: StoreWidth::Word,
        rs: r(rs),
        addr: MemAddr::Based {
            base: r(base),
            offset,
        },
    }
}

pub fn branch(cond: BranchCond, rs1: u8, rs2: u8, index: u32) -> Instruction {
    Instruction::Branch {
        cond,
        rs1: r(rs1),
        rs2: r(rs2),
        target: at(index),
    }
}

pub fn sys(number: u32) -> Instruction {
    Instruction::Sys { number }
}

/// Builds an object: text at `TEXT_BASE` (instruction i on source line
/// i + 1), data at [`DATA`], bss right after data.
pub fn object(name: &str, text: &[Instruction], data: &[u8], bss_len: u32) -> Object {
    Object {
        source_name: name.into(),
        entry: TEXT_BASE,
        text: Section {
            addr: TEXT_BASE,
            bytes: text.iter().flat_map(|i| i.encode()).collect(),
        },
        data: Section {
            addr: DATA,
            bytes: data.to_vec(),
        },
        bss: Bss {
            addr: DATA + data.len() as u32,
            len: bss_len,
        },
        symbols: Vec::new(),
        lines: (0..text.len() as u32)
            .map(|i| LineEntry {
                pc: at(i),
                line: i + 1,
            })
            .collect(),
    }
}

/// Returns the default configuration with `policy` and `frames` set.
pub fn config(policy: &str, frames: usize) -> MachineConfig {
    MachineConfig {
        frames,
        ..MachineConfig::default()
    }
    .with_policy(policy)
}

/// A `Write` whose bytes stay readable after it is boxed away.
#[derive(Clone, Default)]
pub struct Capture(Rc<RefCell<Vec<u8>>>);

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What one run produced.
pub struct Outcome {
    pub stats: RunStats,
    pub exit: Option<ExitStatus>,
    pub message: String,
    pub console: String,
    pub trace: String,
    pub refs: String,
}

/// Runs `object` on a machine built from `config`, with a JSONL trace of every kind.
pub fn run(config: MachineConfig, object: Object) -> Outcome {
    let console = Capture::default();
    let trace = Capture::default();
    let refs = Capture::default();
    let mut kernel = Kernel::new(config, Box::new(console.clone())).unwrap();
    kernel.set_tracer(Tracer::new(
        Box::new(JsonlSink::new(trace.clone())),
        Filter::ALL,
    ));
    kernel.set_refs_out(Box::new(refs.clone()));
    kernel.spawn(object).unwrap();
    kernel.run().unwrap();
    let process = &kernel.processes()[0];
    Outcome {
        stats: kernel.stats(),
        exit: process.exit.clone(),
        message: process.describe_exit(),
        console: console.text(),
        trace: trace.text(),
        refs: refs.text(),
    }
}

/// Runs `object` without trace or reference string.
pub fn run_quiet(config: MachineConfig, object: Object) -> (RunStats, Option<ExitStatus>, String) {
    let mut kernel = Kernel::new(config, Box::new(io::sink())).unwrap();
    kernel.spawn(object).unwrap();
    kernel.run().unwrap();
    let process = &kernel.processes()[0];
    (
        kernel.stats(),
        process.exit.clone(),
        process.describe_exit(),
    )
}

/// Round robin with a fixed quantum, written here so that kernel tests can
/// preempt without depending on the library's schedulers.
pub struct TestRoundRobin {
    pub quantum: u64,
    pub ready: std::collections::VecDeque<u32>,
    /// Every dispatch, in order.
    pub log: Arc<Mutex<Vec<u32>>>,
}

impl TestRoundRobin {
    pub fn new(quantum: u64) -> (TestRoundRobin, Arc<Mutex<Vec<u32>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let scheduler = TestRoundRobin {
            quantum,
            ready: Default::default(),
            log: log.clone(),
        };
        (scheduler, log)
    }
}

impl Scheduler for TestRoundRobin {
    fn name(&self) -> &str {
        "test-rr"
    }

    fn add_task(&mut self, _task: TaskId, _params: TaskParams) {}

    fn make_ready(&mut self, task: TaskId, _now: u64, _reason: ReadyReason) {
        self.ready.push_back(task);
    }

    fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
        let task = self.ready.pop_front()?;
        self.log.lock().unwrap().push(task);
        Some(task)
    }

    fn should_preempt(&mut self, _task: TaskId, slice_used: u64, _now: u64) -> bool {
        slice_used >= self.quantum
    }

    fn on_stop(&mut self, _task: TaskId, _ran: u64, _reason: StopReason, _now: u64) {}
}
