//! The kernel: processes, the run loop, the page-fault handler and system
//! calls, on top of the emulated hardware.
//!
//! The kernel owns the machine ([`System`]) and the process table. The CPU
//! reaches memory through [`KernelBus`], which translates through the MMU,
//! hands faults to [`fault`], reports every completed access to the
//! replacement policy, and writes the trace and the reference string.
//!
//! Each process has one or more threads; the run loop (`dispatch`) hands
//! the CPU to them through a [`scheduler::Scheduler`].

mod bus;
mod cow;
mod dispatch;
pub mod fault;
pub mod frames;
pub mod invariants;
pub mod io;
pub mod lifecycle;
pub mod mmap;
pub mod mount;
pub mod process;
pub mod reference_log;
pub mod replacement;
pub mod scheduler;
pub mod sync;
pub mod syscall;
pub mod thread;
mod threads;
pub mod vmm;

use crate::config::{ConfigError, MachineConfig};
use crate::gantt::Slice;
use crate::hw::cpu::{Cpu, Exception};
use crate::hw::memory::PhysicalMemory;
use crate::hw::mmu::Mmu;
use crate::hw::page_table::{Geometry, Pte};
use crate::hw::swap::SwapDevice;
use crate::hw::{Asid, PhysAddr};
use crate::isa::INSTRUCTION_BYTES;
use crate::object::{Object, STACK_TOP};
use crate::policy::{self, PageKey, ReplacementPolicy};
use crate::stats::{ClockTotals, Counters, RunStats};
use crate::trace::{self, Event, EventKind, Tracer};
pub use bus::{KernelBus, Killed};
pub use invariants::InvariantViolation;
use process::{Process, ProcessState, ProcessTiming};
use scheduler::{ReadyReason, Scheduler, TaskParams};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write;
use thread::{Thread, ThreadState};
use vmm::{AddressSpace, FrameTable, Pool, SlotTable};

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
    /// Free frames of the page-table pool (numbers are PFNs). Under
    /// `--page-tables-in-pool` the pool is empty except while a walk runs,
    /// when it contains the user frames staged for the walk's new tables.
    pub tables: Pool,
    /// Swap slots and their holders.
    pub slots: SlotTable,
    /// The clock, in ticks.
    pub clock: u64,
    /// The run stops when the clock reaches this value: `max_ticks`, or 0
    /// after an output error so the run ends at once.
    pub tick_limit: u64,
    /// The trace.
    pub tracer: Tracer,
    /// Destination of the reference string, if any.
    pub refs_out: Option<Box<dyn Write>>,
    /// The guests' console: standard output, file descriptor 1.
    pub console: Box<dyn Write>,
    /// The guests' standard error, file descriptor 2.
    pub errors: Box<dyn Write>,
    /// The guests' standard input, file descriptor 0.
    pub stdin: io::Stdin,
    /// The first error writing the console or the reference string.
    pub output_error: Option<std::io::Error>,
    /// The reference string recorded or followed for OPT's two passes.
    pub reference_log: Option<reference_log::ReferenceLog>,
    /// Completion tick of the last transfer the running thread queued on
    /// the swap device during its current instruction, or 0. The run loop
    /// blocks the thread when it lies in the future.
    pub device_wait: u64,
    /// Processes whose page tables may hold an empty lower table since an
    /// eviction in the current instruction emptied one of their entries.
    /// The run loop frees those tables once the instruction is over.
    pub(crate) tables_to_prune: Vec<u32>,
    /// Whether reference-string lines carry the pid (`PID:VPN`), as they
    /// do when the run has more than one process.
    pub refs_tagged: bool,
    /// The host files guests may map, by name.
    pub mounts: mount::MountTable,
    /// The resident pages of mapped files: the user frame of each. A frame
    /// listed here has `FrameOwner::file` set to its key, and every process
    /// that maps the page shares that frame.
    pub page_cache: BTreeMap<mount::FilePage, usize>,
    /// The replacement policy instances over the user frames (one, or one
    /// per process under local scope) and the frames each holds.
    pub replacement: replacement::Replacement,
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

    /// Removes one holder of `slot`, and discards the slot's contents when
    /// that was the last.
    pub(crate) fn release_slot(&mut self, slot: u32) {
        if self.slots.release(slot) {
            self.swap.discard(slot);
        }
    }

    /// Unmaps page `vpn` of address space `asid`, whose leaf PTE is at
    /// `pte_addr`. A resident page loses this mapping, and its frame is
    /// freed (telling the policy) when no other process shares it. A
    /// swapped page lets go of its slot. The PTE becomes empty.
    pub(crate) fn drop_page(&mut self, asid: Asid, vpn: u32, pte_addr: PhysAddr) {
        let pte = Pte(self.memory.read_u32(pte_addr));
        if pte.present() {
            let frame = self.frame_index(pte.pfn());
            if self.frames.remove_mapping(frame, asid, vpn) == 0 {
                if let Some(slot) = self.frames.owner(frame).and_then(|owner| owner.swap_slot) {
                    self.release_slot(slot);
                }
                if let Some(page) = self.frames.owner(frame).and_then(|owner| owner.file) {
                    self.page_cache.remove(&page);
                }
                self.replacement.on_free(frame);
                self.frames.release(frame);
            } else {
                self.hand_over_shared(frame, asid.0);
            }
            self.mmu.tlb_mut().invalidate(asid, vpn);
        } else if let Some(slot) = pte.swap_slot() {
            self.release_slot(slot);
        }
        self.memory.write_u32(pte_addr, Pte::EMPTY.0);
    }

    /// Returns the page of a mapped file that user frame `frame` caches,
    /// or `None` for a free frame and for an anonymous or image page. The
    /// mappings of such a frame (`frames.owner(frame)`) are every PTE that
    /// shares it, in any process, and none of them has the C bit set.
    pub fn file_page_of(&self, frame: usize) -> Option<mount::FilePage> {
        self.frames.owner(frame).and_then(|owner| owner.file)
    }

    /// Returns the resident pages of mapped files with their user frames,
    /// in (mount, page) order: one frame per file page, however many
    /// processes map it.
    pub fn resident_file_pages(&self) -> impl Iterator<Item = (mount::FilePage, usize)> + '_ {
        self.page_cache.iter().map(|(&page, &frame)| (page, frame))
    }

    /// Hands the shared `frame` that process `pid` no longer maps over to
    /// the policy instance of its first remaining sharer, under local scope
    /// when `pid`'s instance held it.
    pub(crate) fn hand_over_shared(&mut self, frame: usize, pid: u32) {
        let Some(next) = self.frames.owner(frame).map(|owner| *owner.first()) else {
            return;
        };
        let page = crate::refs::page_key(next.asid.0, next.vpn);
        self.replacement.hand_over(frame, pid, next.pid, page);
    }

    /// Returns the frame limit of process `pid` under local scope, or
    /// `None` under global scope or for a process that is not live.
    pub fn frame_limit(&self, pid: u32) -> Option<u32> {
        self.replacement.limit(pid)
    }

    /// Returns the resident frames of process `pid`: under local scope the
    /// pages its policy instance holds, and in both scopes its page-table
    /// frames under `--page-tables-in-pool`.
    pub fn resident_frames(&self, pid: u32) -> usize {
        frames::resident_frames(self, pid)
    }

    /// Records an output error and stops the run.
    pub(crate) fn output_failed(&mut self, error: std::io::Error) {
        if self.output_error.is_none() {
            self.output_error = Some(error);
        }
        self.tick_limit = 0;
    }
}

/// The maximum number of slices the Gantt timeline keeps: a million, an
/// estimated 60 MB with their labels, so a long run of many short slices cannot fill memory.
pub const MAX_TIMELINE_SLICES: usize = 1_000_000;

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
    /// Under `--page-tables-in-pool`, no free frame is left for the root table.
    OutOfFrames {
        /// Number of user frames.
        frames: u32,
    },
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
            SpawnError::OutOfFrames { frames } => write!(
                f,
                "no free frame is left for a new process's root page table (all {frames} frames are taken); raise --frames, or leave out --page-tables-in-pool"
            ),
            SpawnError::Invalid(error) => write!(f, "invalid program: {error}"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// The operating system and its machine.
pub struct Kernel {
    sys: System,
    /// Every process, at index `pid - 1`; terminated ones stay for their statistics.
    processes: Vec<Process>,
    /// Every thread, at index `tid - 1`.
    threads: Vec<Thread>,
    scheduler: Box<dyn Scheduler>,
    /// The thread on the CPU.
    running: Option<u32>,
    /// The thread that ran last, to tell a context switch from a resumption.
    last_thread: Option<u32>,
    /// Clock value when the running thread was dispatched.
    dispatched_at: u64,
    /// Ticks spent on context switches.
    switch_ticks: u64,
    /// Ticks with no thread ready.
    idle_ticks: u64,
    /// Sleeping threads as `(wake tick, tid)`, earliest first.
    timers: BTreeSet<(u64, u32)>,
    /// The kernel mutexes.
    mutexes: sync::Mutexes,
    /// The CPU timeline (threads, switches, idle time) for the Gantt chart,
    /// at most [`MAX_TIMELINE_SLICES`] slices.
    timeline: Vec<Slice>,
    /// Whether slices were dropped because the timeline was full.
    timeline_truncated: bool,
    /// Reason the thread that ran last left the CPU.
    last_stop: Option<scheduler::StopReason>,
    /// Number and arguments of a process call in progress, for its trace event.
    pending_syscall: Option<(u32, [u32; 3])>,
    /// The tick at which [`Kernel::run_until`] pauses.
    pause_at: u64,
    /// Dumps taken when a process ends, just before its memory is
    /// released, with the frames whose bytes they copy; `None` when off.
    exit_dumps: Option<(Vec<u32>, Vec<crate::dump::Dump>)>,
}

/// The state in which [`Kernel::run_until`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunProgress {
    /// The clock reached the requested tick; the run can go on.
    Paused,
    /// Every process terminated, or the run stopped for good (tick limit,
    /// deadlock, output error).
    Finished,
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
        let sys = System {
            geometry,
            memory: PhysicalMemory::new(config.frames + config.page_table_frames, config.page_size),
            mmu: Mmu::with_tlb(geometry, config.build_tlb()),
            swap: SwapDevice::new(
                config.swap_slots,
                config.swap_read_latency,
                config.swap_write_latency,
            ),
            frames: FrameTable::new(config.frames),
            tables: Pool::new(config.page_table_frames as u32),
            slots: SlotTable::new(config.swap_slots as u32),
            clock: 0,
            tick_limit: config.max_ticks,
            tracer: Tracer::off(),
            refs_out: None,
            console,
            errors: Box::new(std::io::stderr()),
            stdin: io::Stdin::default(),
            output_error: None,
            reference_log: None,
            device_wait: 0,
            tables_to_prune: Vec::new(),
            refs_tagged: false,
            mounts: mount::MountTable::default(),
            page_cache: BTreeMap::new(),
            replacement: replacement::Replacement::new(&config),
            config,
        };
        let scheduler = scheduler::new_with(&sys.config.scheduler, &sys.config.scheduler_params())
            .expect("validate built this scheduler already");
        Ok(Kernel {
            sys,
            processes: Vec::new(),
            threads: Vec::new(),
            scheduler,
            running: None,
            last_thread: None,
            dispatched_at: 0,
            switch_ticks: 0,
            idle_ticks: 0,
            timers: BTreeSet::new(),
            mutexes: sync::Mutexes::default(),
            timeline: Vec::new(),
            timeline_truncated: false,
            last_stop: None,
            pending_syscall: None,
            pause_at: u64::MAX,
            exit_dumps: None,
        })
    }

    /// Sends trace events to `tracer`.
    pub fn set_tracer(&mut self, tracer: Tracer) {
        self.sys.mmu.tracing = tracer.wants(trace::kind::WALK);
        self.sys.tracer = tracer;
    }

    /// Makes this run the first pass of OPT in the VM: it records the page
    /// key of every completed reference, up to
    /// [`reference_log::MAX_RECORDED`].
    pub fn record_references(&mut self) {
        self.sys.reference_log = Some(reference_log::ReferenceLog::record());
    }

    /// Returns the page keys a first pass recorded, or `None` when the run
    /// did not record or its recording overflowed.
    pub fn recorded_references(&mut self) -> Option<Vec<PageKey>> {
        match self.sys.reference_log.take()? {
            reference_log::ReferenceLog::Record {
                keys,
                overflowed: false,
            } => Some(keys),
            _ => None,
        }
    }

    /// Makes this run the second pass of OPT in the VM: builds the offline
    /// policy `spec` with `future` (the first pass's page keys) and stops
    /// the run at the first reference that differs from it.
    ///
    /// # Errors
    ///
    /// Returns the policy's error for a bad specification.
    pub fn follow_references(
        &mut self,
        spec: &str,
        future: Vec<PageKey>,
    ) -> Result<(), policy::PolicyError> {
        // Each process's instance would need that process's own future,
        // which one recorded string does not give.
        if self.sys.config.scope == crate::config::Scope::Local {
            return Err(policy::PolicyError::NeedsFuture {
                name: spec.to_string(),
            });
        }
        let policy = policy::new(
            spec,
            self.sys.config.frames,
            self.sys.config.seed,
            Some(&future),
        )?;
        self.set_policy(policy);
        self.sys.config.policy = spec.to_string();
        self.sys.reference_log = Some(reference_log::ReferenceLog::follow(future));
        Ok(())
    }

    /// Replaces the replacement policy, for policies that [`policy::new`]
    /// does not build. Call it before [`Kernel::spawn`]: the policy must
    /// manage `config.frames` frames, all free.
    pub fn set_policy(&mut self, policy: Box<dyn ReplacementPolicy>) {
        self.sys.replacement.set_global_policy(policy);
    }

    /// Replaces the scheduler, for schedulers that [`scheduler::new`] does
    /// not build. Call it before [`Kernel::spawn`].
    pub fn set_scheduler(&mut self, scheduler: Box<dyn Scheduler>) {
        self.scheduler = scheduler;
    }

    /// Sends what guests write to file descriptor 2 to `errors` (standard
    /// error by default).
    pub fn set_errors(&mut self, errors: Box<dyn Write>) {
        self.sys.errors = errors;
    }

    /// Makes `bytes` the guests' standard input, delivered by the console
    /// device one byte per `console_latency` ticks.
    pub fn set_stdin(&mut self, bytes: Vec<u8>) {
        self.sys.stdin = io::Stdin::new(bytes);
    }

    /// Writes the reference string (one completed access per line) to `out`.
    pub fn set_refs_out(&mut self, out: Box<dyn Write>) {
        self.sys.refs_out = Some(out);
    }

    /// Makes `mount` visible to guests under its name, for `sys mmap`.
    /// Call it before the run.
    ///
    /// # Errors
    ///
    /// Fails when a mount of the same name exists.
    pub fn add_mount(&mut self, mount: mount::Mount) -> Result<mount::MountId, mount::MountError> {
        self.sys.mounts.add(mount)
    }

    /// Returns the mounts guests may map, in the order they were added.
    pub fn mounts(&self) -> &mount::MountTable {
        &self.sys.mounts
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

    /// Returns who had the CPU when: threads, context switches and idle time.
    pub fn timeline(&self) -> &[Slice] {
        &self.timeline
    }

    /// Returns whether the timeline stopped at [`MAX_TIMELINE_SLICES`]
    /// slices, so the Gantt chart shows only the start of the run.
    pub fn timeline_truncated(&self) -> bool {
        self.timeline_truncated
    }

    /// Makes the kernel take a dump each time a process ends, after its
    /// threads stopped and just before its memory is released, copying
    /// the bytes of the frames `byte_frames`. Collect them with
    /// [`Kernel::take_exit_dumps`]. Taking dumps does not change the run.
    pub fn dump_at_exits(&mut self, byte_frames: Vec<u32>) {
        self.exit_dumps = Some((byte_frames, Vec::new()));
    }

    /// Removes and returns the exit dumps taken so far, oldest first.
    pub fn take_exit_dumps(&mut self) -> Vec<crate::dump::Dump> {
        self.exit_dumps
            .as_mut()
            .map(|(_, dumps)| std::mem::take(dumps))
            .unwrap_or_default()
    }

    /// Takes the exit dump of `pid`, when exit dumps are on.
    pub(crate) fn capture_exit_dump(&mut self, pid: u32) {
        if let Some((frames, _)) = &self.exit_dumps {
            let dump = crate::dump::capture(self, crate::dump::DumpPoint::Exit { pid }, frames);
            if let Some((_, dumps)) = &mut self.exit_dumps {
                dumps.push(dump);
            }
        }
    }

    /// Returns the thread table, in tid order.
    pub fn threads(&self) -> &[Thread] {
        &self.threads
    }

    /// Creates a process for `object`: a root page table, the regions, and
    /// one thread with pc at the entry point and sp at [`STACK_TOP`], ready
    /// to run. No page is loaded until the process touches it. The process
    /// has no parent.
    ///
    /// # Errors
    ///
    /// Fails when the object is invalid, the page-table pool is empty or the
    /// image does not fit.
    pub fn spawn(&mut self, object: Object) -> Result<u32, SpawnError> {
        self.spawn_with_priority(object, 0)
    }

    /// Like [`Kernel::spawn`], with scheduling priority `priority` (lower
    /// is higher) for the process and the threads it will have.
    ///
    /// # Errors
    ///
    /// As for [`Kernel::spawn`].
    pub fn spawn_with_priority(
        &mut self,
        object: Object,
        priority: u32,
    ) -> Result<u32, SpawnError> {
        object.validate().map_err(SpawnError::Invalid)?;
        self.check_fits(&object)?;
        let pid = self.processes.len() as u32 + 1;
        let root_pfn = self.take_root_table(pid)?;
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
            frames::free_table(&mut self.sys, root_pfn);
            SpawnError::Layout(error.message)
        })?;
        self.processes.push(Process {
            pid,
            parent: None,
            name,
            state: ProcessState::New,
            threads: Vec::new(),
            thread_counts: Default::default(),
            priority,
            asid: Asid(pid),
            space,
            stats: Counters::default(),
            timing: ProcessTiming {
                arrival: self.sys.clock,
                ..ProcessTiming::default()
            },
            exit: None,
            reaped: false,
        });
        self.sys.replacement.add_process(pid);
        self.recompute_frame_limits();
        self.create_thread(pid, Cpu::new(entry, STACK_TOP));
        Ok(pid)
    }

    /// Takes a frame for the root table of the new process `pid`: from the
    /// reserved pool, or the lowest free user frame under
    /// `--page-tables-in-pool`. No page is evicted for it, because processes
    /// start before any page is loaded.
    fn take_root_table(&mut self, pid: u32) -> Result<u32, SpawnError> {
        if !self.sys.config.page_tables_in_pool {
            return self.sys.tables.take().ok_or(SpawnError::OutOfTables {
                pool: self.sys.tables.size(),
            });
        }
        let frame = self.sys.frames.take_free().ok_or(SpawnError::OutOfFrames {
            frames: self.sys.frames.len() as u32,
        })?;
        self.sys.frames.set_table(frame, pid);
        Ok(self.sys.pfn_of(frame))
    }

    /// Checks that the image and the stack of `object` lie inside the
    /// `va_bits`-bit address space.
    fn check_fits(&self, object: &Object) -> Result<(), SpawnError> {
        let geometry = &self.sys.geometry;
        let mut image_end = object.text.end();
        if !object.data.bytes.is_empty() {
            image_end = image_end.max(object.data.end());
        }
        if object.bss.len > 0 {
            image_end = image_end.max(object.bss.end());
        }
        let size = geometry.va_size();
        let va_bits = geometry.va_bits;
        if image_end > size {
            return Err(SpawnError::Layout(format!(
                "the program image ends at 0x{image_end:x}, above the {va_bits}-bit address space (0x0..0x{size:x}); programs need --va-bits 32"
            )));
        }
        if STACK_TOP as u64 > size {
            return Err(SpawnError::Layout(format!(
                "the stack ends at 0x{STACK_TOP:08x}, above the {va_bits}-bit address space (0x0..0x{size:x}); programs need --va-bits 32"
            )));
        }
        Ok(())
    }

    /// Creates a thread of process `pid` with registers `cpu` and makes it ready.
    pub(super) fn create_thread(&mut self, pid: u32, cpu: Cpu) -> u32 {
        let tid = self.threads.len() as u32 + 1;
        self.threads.push(Thread {
            tid,
            pid,
            cpu,
            state: ThreadState::New,
            wait: None,
            ready_since: self.sys.clock,
            blocked_at: 0,
            exit_value: None,
            joined: false,
            joiner: None,
        });
        let process = &mut self.processes[pid as usize - 1];
        process.threads.push(tid);
        process
            .thread_counts
            .shift(ThreadState::Terminated, ThreadState::New);
        let priority = self.processes[pid as usize - 1].priority;
        self.scheduler.add_task(
            tid,
            TaskParams {
                priority,
                burst_hint: None,
            },
        );
        self.make_ready(tid, ReadyReason::Arrived);
        tid
    }

    /// Returns whether the trace stopped early because it reached its event cap.
    pub fn trace_reached_max_events(&self) -> bool {
        self.sys.tracer.reached_max_events()
    }

    /// Returns the statistics of every process and their totals.
    pub fn stats(&self) -> RunStats {
        RunStats::from_processes(
            self.processes.iter().map(Process::statistics).collect(),
            ClockTotals {
                elapsed_ticks: self.sys.clock,
                switch_ticks: self.switch_ticks,
                idle_ticks: self.idle_ticks,
            },
        )
    }

    fn finish_output(&mut self) -> std::io::Result<()> {
        if let Some(error) = self.sys.output_error.take() {
            return Err(error);
        }
        self.sys.tracer.finish()?;
        if let Some(out) = &mut self.sys.refs_out {
            out.flush()?;
        }
        self.sys.errors.flush()?;
        self.sys.console.flush()
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

/// Frees everything a terminated process holds: its pages (frames it
/// shares with no other process, telling the policy), its swap slots, its
/// page tables and its TLB entries. Shared frames that its policy instance
/// held go to the instance of another sharer.
pub(crate) fn release_address_space(sys: &mut System, space: &mut AddressSpace, asid: Asid) {
    if space.tables.is_empty() {
        return;
    }
    for (vpn, pte_addr, _) in vmm::leaf_entries(&sys.memory, &sys.geometry, space.root_pfn) {
        sys.drop_page(asid, vpn, pte_addr);
    }
    for &(pfn, _) in &space.tables {
        frames::free_table(sys, pfn);
    }
    space.tables.clear();
    sys.mmu.tlb_mut().invalidate_asid(asid);
}

/// Frees the lower page tables of `space` that became empty, after pages
/// were unmapped.
pub(crate) fn free_empty_tables(sys: &mut System, space: &mut AddressSpace) {
    for pfn in vmm::prune_empty_tables(&mut sys.memory, &sys.geometry, space) {
        frames::free_table(sys, pfn);
    }
}
