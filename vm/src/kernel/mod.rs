//! The kernel: processes, the run loop, the page-fault handler and system
//! calls, on top of the emulated hardware.
//!
//! The kernel owns the machine ([`System`]) and the process table. The CPU
//! reaches memory through [`KernelBus`], which translates through the MMU,
//! hands faults to [`fault`], reports every completed access to the
//! replacement policy, and writes the trace and the reference string.
//!
//! Issue scope: processes run one after another in pid order, each to its
//! end. A scheduler that interleaves them is a later addition.

mod bus;
pub mod fault;
pub mod process;
pub mod scheduler;
pub mod syscall;
pub mod vmm;

use crate::config::{ConfigError, MachineConfig};
use crate::hw::cpu::{Exception, Step};
use crate::hw::memory::PhysicalMemory;
use crate::hw::mmu::Mmu;
use crate::hw::page_table::{Geometry, Pte};
use crate::hw::swap::SwapDevice;
use crate::hw::Asid;
use crate::isa::INSTRUCTION_BYTES;
use crate::object::{Object, STACK_TOP};
use crate::policy::{self, ReplacementPolicy};
use crate::stats::{Counters, RunStats};
use crate::trace::{self, Event, EventKind, Tracer};
pub use bus::{KernelBus, Killed};
use process::{ExitStatus, Process, ProcessState};
use std::fmt;
use std::io::{self, Write};
use vmm::{AddressSpace, FrameTable, Pool};

/// The machine the kernel runs on, and the kernel's global tables.
pub struct System {
    /// Machine configuration.
    pub config: MachineConfig,
    /// Page-table geometry.
    pub geometry: Geometry,
    /// Physical memory: the page-table pool, then the user frames.
    pub memory: PhysicalMemory,
    /// The MMU with its TLB.
    pub mmu: Mmu,
    /// The swap device.
    pub swap: SwapDevice,
    /// Owners of the user frames.
    pub frames: FrameTable,
    /// Free frames of the page-table pool (numbers are PFNs).
    pub tables: Pool,
    /// Free swap slots.
    pub slots: Pool,
    /// The replacement policy over the user frames.
    pub policy: Box<dyn ReplacementPolicy>,
    /// References counted for the policy's periodic sampling.
    pub policy_timer: policy::TimerCount,
    /// The clock, in ticks.
    pub clock: u64,
    /// The run stops when the clock reaches this value: `max_ticks`, or 0
    /// after an output error so the run ends at once.
    pub tick_limit: u64,
    /// The trace.
    pub tracer: Tracer,
    /// Destination of the reference string, if any.
    pub refs_out: Option<Box<dyn Write>>,
    /// The guests' console.
    pub console: Box<dyn Write>,
    /// The first error writing the console or the reference string.
    pub output_error: Option<io::Error>,
}

impl System {
    /// Returns the user-frame index (the policy's frame number) of `pfn`.
    #[inline]
    pub fn frame_index(&self, pfn: u32) -> usize {
        pfn as usize - self.config.page_table_frames
    }

    /// Returns the PFN of user frame `frame`.
    #[inline]
    pub fn pfn_of(&self, frame: usize) -> u32 {
        (frame + self.config.page_table_frames) as u32
    }

    /// Advances the clock by `ticks`, saturating so that large configured
    /// costs cannot overflow it (the run then stops at the tick limit).
    #[inline]
    pub fn advance(&mut self, ticks: u64) {
        self.clock = self.clock.saturating_add(ticks);
    }

    /// Charges the walk cost of `levels` page-table levels.
    #[inline]
    pub(crate) fn charge_walk(&mut self, levels: u32) {
        self.advance((levels as u64).saturating_mul(self.config.walk_cost_per_level));
    }

    /// Writes an event stamped with the clock and `pid`.
    pub fn emit(&mut self, pid: u32, kind: EventKind) {
        let event = Event {
            tick: self.clock,
            pid,
            kind,
        };
        self.tracer.emit(event);
        if self.tracer.failed() {
            self.tick_limit = 0;
        }
    }

    /// Records an output error and stops the run.
    pub(crate) fn output_failed(&mut self, error: io::Error) {
        if self.output_error.is_none() {
            self.output_error = Some(error);
        }
        self.tick_limit = 0;
    }
}

/// Error that prevents a program from starting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpawnError {
    /// No page-table frame is left for the root table.
    OutOfTables {
        /// Size of the page-table pool.
        pool: u32,
    },
    /// The image does not fit the address-space layout.
    Layout(String),
    /// The object breaks a layout rule of the object format.
    Invalid(crate::object::ObjectError),
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::OutOfTables { pool } => write!(
                f,
                "no page-table frame is left for a new process (the pool has {pool}); raise --page-table-frames"
            ),
            SpawnError::Layout(message) => f.write_str(message),
            SpawnError::Invalid(error) => write!(f, "invalid program: {error}"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// The operating system and its machine.
pub struct Kernel {
    sys: System,
    processes: Vec<Process>,
}

impl Kernel {
    /// Builds a machine from `config`. Guest console output goes to `console`.
    ///
    /// # Errors
    ///
    /// Returns the first invalid configuration value.
    pub fn new(config: MachineConfig, console: Box<dyn Write>) -> Result<Kernel, ConfigError> {
        config.validate()?;
        let geometry = config.geometry();
        let policy = policy::new(&config.policy, config.frames, config.seed, None)
            .expect("validate built this policy already");
        let sys = System {
            geometry,
            memory: PhysicalMemory::new(config.frames + config.page_table_frames, config.page_size),
            mmu: Mmu::new(geometry, config.tlb_entries),
            swap: SwapDevice::new(
                config.swap_slots,
                config.swap_read_latency,
                config.swap_write_latency,
            ),
            frames: FrameTable::new(config.frames),
            tables: Pool::new(config.page_table_frames as u32),
            slots: Pool::new(config.swap_slots as u32),
            policy_timer: policy::TimerCount::for_policy(policy.as_ref()),
            policy,
            clock: 0,
            tick_limit: config.max_ticks,
            tracer: Tracer::off(),
            refs_out: None,
            console,
            output_error: None,
            config,
        };
        Ok(Kernel {
            sys,
            processes: Vec::new(),
        })
    }

    /// Sends trace events to `tracer`.
    pub fn set_tracer(&mut self, tracer: Tracer) {
        self.sys.mmu.tracing = tracer.wants(trace::kind::WALK);
        self.sys.tracer = tracer;
    }

    /// Replaces the replacement policy, for policies that [`policy::new`]
    /// does not build. Call it before [`Kernel::spawn`]: the policy must
    /// manage `config.frames` frames, all free.
    pub fn set_policy(&mut self, policy: Box<dyn ReplacementPolicy>) {
        self.sys.policy_timer = policy::TimerCount::for_policy(policy.as_ref());
        self.sys.policy = policy;
    }

    /// Writes the reference string (one completed access per line) to `out`.
    pub fn set_refs_out(&mut self, out: Box<dyn Write>) {
        self.sys.refs_out = Some(out);
    }

    /// Returns the machine configuration.
    pub fn config(&self) -> &MachineConfig {
        &self.sys.config
    }

    /// Returns the machine, for inspection in tests and tools.
    pub fn system(&self) -> &System {
        &self.sys
    }

    /// Returns the process table, in pid order.
    pub fn processes(&self) -> &[Process] {
        &self.processes
    }

    /// Creates a process for `object`: a root page table, the regions, and
    /// registers with pc at the entry point and sp at [`STACK_TOP`]. No page
    /// is loaded until the process touches it.
    ///
    /// # Errors
    ///
    /// Fails when the object is invalid, the page-table pool is empty or the
    /// image does not fit.
    pub fn spawn(&mut self, object: Object) -> Result<u32, SpawnError> {
        object.validate().map_err(SpawnError::Invalid)?;
        let pid = self.processes.len() as u32 + 1;
        let root_pfn = self.sys.tables.take().ok_or(SpawnError::OutOfTables {
            pool: self.sys.tables.size(),
        })?;
        self.sys.memory.frame_mut(root_pfn).fill(0);
        let name = object.source_name.clone();
        let entry = object.entry;
        let space = AddressSpace::new(
            object,
            root_pfn,
            self.sys.config.page_size,
            self.sys.config.stack_limit,
        )
        .map_err(|error| {
            self.sys.tables.give_back(root_pfn);
            SpawnError::Layout(error.message)
        })?;
        self.processes.push(Process {
            pid,
            name,
            state: ProcessState::Ready,
            cpu: crate::hw::cpu::Cpu::new(entry, STACK_TOP),
            asid: Asid(pid),
            space,
            stats: Counters::default(),
            exit: None,
        });
        Ok(pid)
    }

    /// Runs every ready process to its end, in pid order.
    ///
    /// # Errors
    ///
    /// Returns the first error writing the console, the trace or the
    /// reference string; the run stops at that point.
    pub fn run(&mut self) -> io::Result<()> {
        for index in 0..self.processes.len() {
            if self.processes[index].state == ProcessState::Ready {
                self.run_process(index);
            }
            if self.sys.output_error.is_some() {
                break;
            }
        }
        self.finish_output()
    }

    /// Returns whether the trace stopped early because it reached its event cap.
    pub fn trace_reached_max_events(&self) -> bool {
        self.sys.tracer.reached_max_events()
    }

    /// Returns the statistics of every process and their totals.
    pub fn stats(&self) -> RunStats {
        RunStats::from_processes(self.processes.iter().map(Process::statistics).collect())
    }

    fn finish_output(&mut self) -> io::Result<()> {
        if let Some(error) = self.sys.output_error.take() {
            return Err(error);
        }
        self.sys.tracer.finish()?;
        if let Some(out) = &mut self.sys.refs_out {
            out.flush()?;
        }
        self.sys.console.flush()
    }

    /// Runs one process until it exits, is killed, or the clock reaches the limit.
    fn run_process(&mut self, index: usize) {
        let sys = &mut self.sys;
        let process = &mut self.processes[index];
        process.state = ProcessState::Running;
        sys.mmu.switch_to(process.asid, process.space.root_pfn);
        let start_clock = sys.clock;

        let status = loop {
            if sys.clock >= sys.tick_limit {
                if sys.output_error.is_some() || sys.tracer.failed() {
                    break ExitStatus::Stopped(
                        "stopped because writing the console, trace or reference string failed"
                            .into(),
                    );
                }
                // One step can overshoot the limit by a device latency,
                // so the message names the clock as well as the limit.
                break ExitStatus::Stopped(format!(
                    "stopped at tick {} by --max-ticks {}: the program may loop forever; raise --max-ticks to let it run longer",
                    sys.clock, sys.config.max_ticks
                ));
            }
            sys.clock += 1;

            let mut kill = None;
            let pc = process.cpu.pc;
            let mut bus = KernelBus {
                sys,
                pid: process.pid,
                asid: process.asid,
                pc,
                space: &mut process.space,
                stats: &mut process.stats,
                kill: &mut kill,
            };
            match process.cpu.step(&mut bus) {
                Ok(Step::Continue) => bus.stats.instructions += 1,
                Ok(Step::Halt) => {
                    bus.stats.instructions += 1;
                    break ExitStatus::Exited(0);
                }
                Ok(Step::Syscall(number)) => {
                    bus.stats.instructions += 1;
                    let outcome = syscall::handle(number, &mut process.cpu, &mut bus);
                    if let Some(status) = outcome {
                        break status;
                    }
                }
                Err(Exception::Bus(_)) => {
                    let reason = kill.take().unwrap_or_else(|| {
                        "internal error: a memory access failed without a reason".into()
                    });
                    break ExitStatus::Killed(reason);
                }
                Err(exception) => {
                    let object = &process.space.object;
                    break ExitStatus::Killed(describe_exception(&exception, pc, object));
                }
            }
        };

        process.stats.ticks += sys.clock - start_clock;
        let (status_code, reason) = match &status {
            ExitStatus::Exited(code) => (Some(*code), None),
            ExitStatus::Killed(reason) | ExitStatus::Stopped(reason) => {
                (None, Some(reason.clone()))
            }
        };
        if let ExitStatus::Stopped(reason) = &status {
            if sys.tracer.wants(trace::kind::STOP) {
                sys.emit(
                    process.pid,
                    EventKind::Stop {
                        reason: reason.clone(),
                    },
                );
            }
        }
        if sys.tracer.wants(trace::kind::EXIT) {
            sys.emit(
                process.pid,
                EventKind::Exit {
                    status: status_code,
                    reason,
                },
            );
        }
        process.exit = Some(status);
        process.state = ProcessState::Terminated;
        release_address_space(sys, process);
    }
}

/// Formats "at pc 0x… (file:line)", leaving out the line when unknown.
pub fn describe_location(pc: u32, object: &Object) -> String {
    match object.line_of(pc) {
        Some(line) => format!("at pc 0x{pc:08x} ({}:{line})", object.source_name),
        None => format!("at pc 0x{pc:08x}"),
    }
}

/// Formats the kill message of a CPU exception other than a bus error.
fn describe_exception<E>(exception: &Exception<E>, pc: u32, object: &Object) -> String {
    let location = describe_location(pc, object);
    match exception {
        Exception::Bus(_) => format!("memory access failed {location}"),
        Exception::DivideByZero => format!("division by zero {location}"),
        Exception::IllegalInstruction { bytes, error } => {
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            // Zero-filled memory past the text is the usual culprit, so say
            // how execution got there.
            let text = &object.text;
            let hint = if object.is_instruction_address(pc) {
                String::new()
            } else if pc as u64 == text.end() {
                "; the program ran past its last instruction: end it with `halt` or `sys exit`"
                    .to_string()
            } else {
                format!(
                    "; pc 0x{pc:08x} is outside the text section 0x{:08x}..0x{:08x}: a jump or `ret` went to an address that holds no code",
                    text.addr,
                    text.end()
                )
            };
            format!(
                "illegal instruction [{}] {location}: {error}{hint}",
                hex.join(" ")
            )
        }
        Exception::MisalignedPc => format!(
            "misaligned pc 0x{pc:08x}: instructions start at multiples of {INSTRUCTION_BYTES}"
        ),
    }
}

/// Frees everything a terminated process holds: its frames (telling the
/// policy), its swap slots, its page tables and its TLB entries.
fn release_address_space(sys: &mut System, process: &mut Process) {
    for frame in sys.frames.frames_of(process.pid) {
        if let Some(slot) = sys.frames.owner(frame).and_then(|owner| owner.swap_slot) {
            sys.swap.discard(slot);
            sys.slots.give_back(slot);
        }
        sys.policy.on_free(frame);
        sys.frames.release(frame);
    }

    let entries_per_table = sys.config.page_size / 4;
    let leaf_level = sys.geometry.levels - 1;
    for &(pfn, level) in &process.space.tables {
        if level == leaf_level {
            for index in 0..entries_per_table {
                let pte = Pte(sys.memory.read_u32(sys.memory.frame_addr(pfn, index * 4)));
                if let Some(slot) = pte.swap_slot() {
                    sys.swap.discard(slot);
                    sys.slots.give_back(slot);
                }
            }
        }
        sys.memory.frame_mut(pfn).fill(0);
        sys.tables.give_back(pfn);
    }
    process.space.tables.clear();
    sys.mmu.tlb_mut().invalidate_asid(process.asid);
}
