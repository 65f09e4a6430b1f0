//! The run loop: dispatch threads through the scheduler and run the chosen
//! thread instruction by instruction. It reacts when the thread stops
//! (preempted, blocked, exited), when a waiting thread wakes, when the CPU
//! is idle, and when nothing can ever run again (deadlock).
//!
//! The scheduler is called in the order its module documentation lists:
//! `make_ready` when a thread becomes ready, `pick_next` when the CPU is
//! free, `should_preempt` after each instruction (with the ticks the thread
//! used since it was dispatched, so an instruction that faults counts all
//! its ticks), and `on_stop` when the running thread leaves the CPU.

use super::lifecycle::AfterCall;
use super::process::{ExitStatus, Process};
use super::scheduler::{ReadyReason, StopReason};
use super::syscall::{self, Action, ProcessCall};
use super::thread::{ThreadState, WaitFor};
use super::{describe_exception, release_address_space, Kernel, KernelBus, RunProgress};
use crate::gantt::Slice;
use crate::hw::cpu::{Exception, Step};
use crate::stats::EndKind;
use crate::trace::{self, DevicePhase, EventKind};
use std::io;

/// The run loop's next action after an instruction of the running thread.
enum Outcome {
    /// Nothing: it keeps the CPU.
    Continue,
    /// It waits, and leaves the CPU.
    Block(WaitFor),
    /// It made a system call that the kernel finishes.
    Call(ProcessCall),
    /// Its process ends.
    Exit(ExitStatus),
}

impl Kernel {
    /// Runs every process until all have terminated, the clock reaches
    /// `max_ticks`, no thread can ever run again, or an output fails.
    ///
    /// # Errors
    ///
    /// Returns the first error writing the console, the trace or the
    /// reference string; the run stops at that point.
    pub fn run(&mut self) -> io::Result<()> {
        self.run_until(u64::MAX).map(|_| ())
    }

    /// Runs like [`Kernel::run`], but pauses once the clock reaches `tick`,
    /// between two instructions, and returns [`RunProgress::Paused`]; a
    /// later call goes on from there. The clock may pass `tick` by the cost
    /// of the instruction (a fault, a walk) that crossed it. Returns
    /// [`RunProgress::Finished`] when the run ended before `tick`; the
    /// outputs are flushed then.
    ///
    /// # Errors
    ///
    /// As for [`Kernel::run`].
    pub fn run_until(&mut self, tick: u64) -> io::Result<RunProgress> {
        // Decided once, from the processes started before the run: a
        // resumed run must keep the format even after a fork added one.
        // No instruction has run while the clock is 0, so no fork either.
        if self.sys.clock == 0 {
            self.sys.refs_tagged = self.processes.len() > 1;
        }
        loop {
            self.complete_device_requests();
            self.wake_due_timers();
            if self.processes.iter().all(|p| p.exit.is_some()) {
                break;
            }
            if self.sys.clock >= self.sys.tick_limit {
                let reason = self.stop_reason();
                self.stop_all(&reason);
                break;
            }
            if self.sys.clock >= tick {
                return Ok(RunProgress::Paused);
            }
            let tid = match self.running {
                Some(tid) => tid,
                None => match self.dispatch() {
                    Some(tid) => tid,
                    None => {
                        // Idle: nothing is ready, so time jumps to the next event.
                        match self.next_event() {
                            Some(event) => {
                                let until =
                                    self.sys.clock.max(event.min(self.sys.tick_limit).min(tick));
                                self.record_slice(self.sys.clock, until, "idle".to_string());
                                self.idle_ticks += until - self.sys.clock;
                                self.sys.clock = until;
                                continue;
                            }
                            None => {
                                let reason = self.describe_deadlock();
                                self.stop_all(&reason);
                                break;
                            }
                        }
                    }
                },
            };
            self.pause_at = tick;
            self.run_slice(tid);
        }
        self.finish_output()?;
        Ok(RunProgress::Finished)
    }

    /// Returns the tick of the next event that can wake a thread.
    fn next_event(&self) -> Option<u64> {
        let timer = self.timers.first().map(|&(until, _)| until);
        match (self.sys.swap.next_completion(), timer) {
            (Some(device), Some(timer)) => Some(device.min(timer)),
            (device, timer) => device.or(timer),
        }
    }

    /// Reacts to every device request completed by now: traces it, and
    /// wakes its thread when that was the thread's last pending request.
    fn complete_device_requests(&mut self) {
        while let Some(request) = self.sys.swap.complete(self.sys.clock) {
            let tid = request.requester;
            let pid = self.threads[tid as usize - 1].pid;
            if self.sys.tracer.wants(trace::kind::DEVICE) {
                let queue = self.sys.swap.queue_len();
                self.sys.emit(
                    pid,
                    EventKind::Device {
                        phase: DevicePhase::Done,
                        tid,
                        transfer: request.transfer,
                        slot: request.slot,
                        start: request.start,
                        done: request.done,
                        queue,
                        file_page: request.file_page,
                    },
                );
            }
            let thread = &self.threads[tid as usize - 1];
            if thread.wait == Some(WaitFor::Device) && !self.sys.swap.is_pending(tid) {
                self.wake(tid);
            }
        }
    }

    /// Makes the waiting thread `tid` ready. Its wait counts in its process's `ticks`.
    pub(super) fn wake(&mut self, tid: u32) {
        let thread = &mut self.threads[tid as usize - 1];
        thread.wait = None;
        let waited = self.sys.clock - thread.blocked_at;
        self.processes[thread.pid as usize - 1].stats.ticks += waited;
        self.make_ready(tid, ReadyReason::Woken);
    }

    /// Takes the running thread `tid` off the CPU to wait for `wait`.
    pub(super) fn block(&mut self, tid: u32, wait: WaitFor) {
        self.leave_cpu(tid, StopReason::Blocked);
        if let WaitFor::Timer { until } | WaitFor::Console { until } = wait {
            self.timers.insert((until, tid));
        }
        self.set_thread_state(tid, ThreadState::Waiting);
        let thread = &mut self.threads[tid as usize - 1];
        thread.wait = Some(wait);
        thread.blocked_at = self.sys.clock;
        let pid = thread.pid;
        self.trace_state(tid, Some(wait.to_string()));
        self.update_process_state(pid);
    }

    /// Traces the current state of thread `tid`.
    pub(super) fn trace_state(&mut self, tid: u32, reason: Option<String>) {
        if self.sys.tracer.wants(trace::kind::STATE) {
            let thread = &self.threads[tid as usize - 1];
            let (pid, state) = (thread.pid, thread.state);
            self.sys.emit(pid, EventKind::State { tid, state, reason });
        }
    }

    /// Returns the message for a run in which no thread is ready and no
    /// event will ever wake one: each waiting thread and what it waits for.
    fn describe_deadlock(&self) -> String {
        let waiting: Vec<String> = self
            .threads
            .iter()
            .filter(|thread| thread.state == ThreadState::Waiting)
            .map(|thread| {
                let process = &self.processes[thread.pid as usize - 1];
                let mut what = thread
                    .wait
                    .map_or_else(|| "nothing".to_string(), |wait| wait.to_string());
                if let Some(WaitFor::Lock(addr)) = thread.wait {
                    if let Some(owner) = self.mutexes.owner(process.pid, addr) {
                        // A mutex stays held when its holder exits, which
                        // is the likely cause of the deadlock then.
                        let exited =
                            self.threads[owner as usize - 1].state == ThreadState::Terminated;
                        let note = if exited { ", which has exited" } else { "" };
                        what.push_str(&format!(" (held by thread {owner}{note})"));
                    }
                }
                format!(
                    "thread {} of process {} ({}) waits for {what}",
                    thread.tid, process.pid, process.name
                )
            })
            .collect();
        format!(
            "stopped by deadlock: no thread can run and nothing will wake one; {}",
            waiting.join("; ")
        )
    }

    /// Returns the message for a run that reached its tick limit.
    fn stop_reason(&self) -> String {
        let log = self.sys.reference_log.as_ref();
        if let Some(divergence) = log.and_then(|log| log.divergence()) {
            let expected = match divergence.expected {
                Some(key) => format!("page {}:{}", key >> 32, key & 0xffff_ffff),
                None => "the end of the recorded string".to_string(),
            };
            return format!(
                "stopped: OPT's second pass diverged from the first at reference {}, which is page {}:{} where the first pass had {expected}; the interleaving of the processes depends on fault timing, so OPT's future is unknown for this run (run the programs separately, or replay the --refs-out file of one run with `pagelab replay --policy opt`)",
                divergence.index,
                divergence.found >> 32,
                divergence.found & 0xffff_ffff,
            );
        }
        if log.is_some_and(|log| log.overflowed()) {
            return format!(
                "stopped: OPT's first pass recorded {} references, the most it keeps in memory; run OPT on a shorter program or replay its --refs-out file with `pagelab replay --policy opt`",
                super::reference_log::MAX_RECORDED
            );
        }
        if self.sys.output_error.is_some() || self.sys.tracer.failed() {
            "stopped because writing the console, trace or reference string failed".into()
        } else {
            // One step can overshoot the limit by a device latency or an
            // idle stretch, so the message names the clock and the limit.
            format!(
                "stopped at tick {} by --max-ticks {}: the program may loop forever; raise --max-ticks to let it run longer",
                self.sys.clock, self.sys.config.max_ticks
            )
        }
    }

    /// Adds `tid` to the ready set.
    pub(super) fn make_ready(&mut self, tid: u32, reason: ReadyReason) {
        self.set_thread_state(tid, ThreadState::Ready);
        self.threads[tid as usize - 1].ready_since = self.sys.clock;
        self.scheduler.make_ready(tid, self.sys.clock, reason);
        self.update_process_state(self.threads[tid as usize - 1].pid);
        let why = match reason {
            ReadyReason::Arrived => "arrived",
            ReadyReason::Woken => "woken",
            ReadyReason::Preempted => "preempted",
            ReadyReason::Yielded => "yielded",
        };
        self.trace_state(tid, Some(why.to_string()));
    }

    /// Moves thread `tid` to `state`, keeping its process's thread counts.
    pub(super) fn set_thread_state(&mut self, tid: u32, state: ThreadState) {
        let thread = &mut self.threads[tid as usize - 1];
        let from = std::mem::replace(&mut thread.state, state);
        self.processes[thread.pid as usize - 1]
            .thread_counts
            .shift(from, state);
    }

    /// Recomputes a live process's state from its thread counts.
    pub(super) fn update_process_state(&mut self, pid: u32) {
        let process = &mut self.processes[pid as usize - 1];
        if process.exit.is_some() {
            return;
        }
        process.state = process.thread_counts.process_state();
    }

    /// Picks the next thread and gives it the CPU, charging a context
    /// switch when it is not the thread that ran last. Returns `None` when
    /// no thread is ready.
    fn dispatch(&mut self) -> Option<u32> {
        let tid = loop {
            let tid = self.scheduler.pick_next(self.sys.clock)?;
            // A thread whose process was ended while it was ready is still
            // in the scheduler's ready set; picking it removes it.
            if self.threads[tid as usize - 1].state == ThreadState::Ready {
                break tid;
            }
        };
        let pid = self.threads[tid as usize - 1].pid;
        let ready_since = self.threads[tid as usize - 1].ready_since;
        self.processes[pid as usize - 1].timing.waiting += self.sys.clock - ready_since;

        if let Some(last) = self.last_thread.filter(|&last| last != tid) {
            let before = self.sys.clock;
            self.sys.advance(self.sys.config.switch_cost);
            self.switch_ticks += self.sys.clock - before;
            let clock = self.sys.clock;
            self.record_slice(before, clock, "cs".to_string());
            if self.sys.tracer.wants(trace::kind::SWITCH) {
                let reason = match self.last_stop {
                    Some(StopReason::Preempted) => "preempted",
                    Some(StopReason::Yielded) => "yielded",
                    Some(StopReason::Blocked) => "blocked",
                    Some(StopReason::Exited) | None => "exited",
                };
                self.sys.emit(
                    pid,
                    EventKind::Switch {
                        from: Some(last),
                        to: tid,
                        reason: reason.to_string(),
                    },
                );
            }
            self.processes[pid as usize - 1].timing.context_switches += 1;
            if self.sys.config.tlb_flush_on_switch {
                self.sys.mmu.tlb_mut().flush();
            }
        }
        let process = &mut self.processes[pid as usize - 1];
        process.timing.first_run.get_or_insert(self.sys.clock);
        self.sys.mmu.switch_to(process.asid, process.space.root_pfn);
        self.set_thread_state(tid, ThreadState::Running);
        self.update_process_state(pid);
        self.trace_state(tid, None);
        self.running = Some(tid);
        self.last_thread = Some(tid);
        self.dispatched_at = self.sys.clock;
        Some(tid)
    }

    /// Runs thread `tid` until it leaves the CPU or the tick limit is reached.
    /// Also returns when an event is due, so that the caller handles it
    /// and calls again.
    fn run_slice(&mut self, tid: u32) {
        let pid = self.threads[tid as usize - 1].pid;
        let start = self.sys.clock;
        let exit = self.run_instructions(tid, pid);

        // Inside a slice only this thread's instructions move the clock.
        let used = self.sys.clock - start;
        let process = &mut self.processes[pid as usize - 1];
        process.timing.cpu_ticks += used;
        process.stats.ticks += used;
        if let Some(status) = exit {
            self.leave_cpu(tid, StopReason::Exited);
            self.terminate_process(pid, status);
        }
    }

    /// Executes instructions of thread `tid` of process `pid` for
    /// [`Kernel::run_slice`]. Returns the exit status when the process ends.
    fn run_instructions(&mut self, tid: u32, pid: u32) -> Option<ExitStatus> {
        // Only the running thread can queue new events, and it leaves the
        // CPU when it does, so the next event stays the same during a slice.
        let next_event = self.next_event().unwrap_or(u64::MAX).min(self.pause_at);
        loop {
            if self.sys.clock >= self.sys.tick_limit || self.sys.clock >= next_event {
                return None;
            }
            let outcome = self.step(tid);
            if !self.sys.tables_to_prune.is_empty() {
                self.free_tables_emptied_by_evictions();
            }

            match outcome {
                Outcome::Continue => {}
                Outcome::Block(wait) => {
                    self.block(tid, wait);
                    return None;
                }
                Outcome::Call(call) => {
                    let after = self.process_call(tid, call);
                    if let Some((number, args)) = self.pending_syscall.take() {
                        if self.sys.tracer.wants(trace::kind::SYSCALL) {
                            // A yielding thread has its result already;
                            // a blocked one gets it when it wakes.
                            let thread = &self.threads[tid as usize - 1];
                            let done = matches!(after, AfterCall::Continue)
                                || thread.state == ThreadState::Ready;
                            let result = done.then_some(thread.cpu.regs[0] as i32);
                            trace_syscall(&mut self.sys, pid, tid, number, args, result);
                        }
                    }
                    if let AfterCall::LeftCpu = after {
                        return None;
                    }
                }
                Outcome::Exit(status) => return Some(status),
            }
            let slice_used = self.sys.clock - self.dispatched_at;
            if self
                .scheduler
                .should_preempt(tid, slice_used, self.sys.clock)
            {
                self.leave_cpu(tid, StopReason::Preempted);
                self.make_ready(tid, ReadyReason::Preempted);
                return None;
            }
        }
    }

    /// Frees the lower page tables that evictions in the last instruction
    /// left without a present or swapped entry, in the processes that
    /// owned the evicted pages.
    fn free_tables_emptied_by_evictions(&mut self) {
        let mut pids = std::mem::take(&mut self.sys.tables_to_prune);
        pids.sort_unstable();
        pids.dedup();
        for pid in pids {
            let process = &mut self.processes[pid as usize - 1];
            if !process.space.tables.is_empty() {
                super::free_empty_tables(&mut self.sys, &mut process.space);
            }
        }
    }

    /// Tells the scheduler that the running thread `tid` left the CPU.
    pub(super) fn leave_cpu(&mut self, tid: u32, reason: StopReason) {
        let ran = self.sys.clock - self.dispatched_at;
        self.scheduler.on_stop(tid, ran, reason, self.sys.clock);
        self.running = None;
        self.last_stop = Some(reason);
        let label = self.thread_label(tid);
        self.record_slice(self.dispatched_at, self.sys.clock, label);
    }

    /// Appends a stretch of CPU time to the timeline.
    fn record_slice(&mut self, start: u64, end: u64, label: String) {
        if end <= start {
            return;
        }
        if self.timeline.len() >= super::MAX_TIMELINE_SLICES {
            self.timeline_truncated = true;
            return;
        }
        self.timeline.push(Slice { start, end, label });
    }

    /// Returns the Gantt-chart label of thread `tid`: `P<pid>` for its
    /// process's first thread, `P<pid>.T<tid>` for the others.
    fn thread_label(&self, tid: u32) -> String {
        let pid = self.threads[tid as usize - 1].pid;
        if self.processes[pid as usize - 1].threads.first() == Some(&tid) {
            format!("P{pid}")
        } else {
            format!("P{pid}.T{tid}")
        }
    }

    /// Executes one instruction of thread `tid`.
    #[inline]
    fn step(&mut self, tid: u32) -> Outcome {
        let sys = &mut self.sys;
        let thread = &mut self.threads[tid as usize - 1];
        let process = &mut self.processes[thread.pid as usize - 1];
        sys.clock += 1;

        let mut kill = None;
        let pc = thread.cpu.pc;
        let mut bus = KernelBus {
            sys,
            pid: process.pid,
            tid,
            asid: process.asid,
            pc,
            space: &mut process.space,
            stats: &mut process.stats,
            kill: &mut kill,
        };
        let outcome = match thread.cpu.step(&mut bus) {
            Ok(Step::Continue) => {
                bus.stats.instructions += 1;
                Outcome::Continue
            }
            Ok(Step::Halt) => {
                bus.stats.instructions += 1;
                Outcome::Exit(ExitStatus::Exited(0))
            }
            Ok(Step::Syscall(number)) => {
                bus.stats.instructions += 1;
                let args = [1, 2, 3].map(|index| thread.cpu.regs[index]);
                let action = syscall::handle(number, &mut thread.cpu, &mut bus);
                if bus.sys.tracer.wants(trace::kind::SYSCALL) {
                    let result = match action {
                        Action::Done => Some(thread.cpu.regs[0] as i32),
                        _ => None,
                    };
                    // Process calls are traced when the kernel finishes them.
                    if !matches!(action, Action::Process(_)) {
                        trace_syscall(bus.sys, process.pid, tid, number, args, result);
                    }
                }
                if let Action::Process(_) = action {
                    self.pending_syscall = Some((number, args));
                }
                match action {
                    Action::Done => Outcome::Continue,
                    Action::Exit(status) => Outcome::Exit(status),
                    Action::Process(call) => Outcome::Call(call),
                    Action::Block(wait) => Outcome::Block(wait),
                }
            }
            Err(Exception::Bus(_)) => {
                let reason = kill.take().unwrap_or_else(|| {
                    "internal error: a memory access failed without a reason".into()
                });
                Outcome::Exit(ExitStatus::Killed(reason))
            }
            Err(exception) => Outcome::Exit(ExitStatus::Killed(describe_exception(
                &exception,
                pc,
                &process.space.object,
            ))),
        };
        // A transfer that is already complete (zero latency) costs no wait.
        if std::mem::take(&mut sys.device_wait) > sys.clock {
            if let Outcome::Continue = outcome {
                return Outcome::Block(WaitFor::Device);
            }
        }
        outcome
    }

    /// Ends process `pid` and all its threads with `status`, frees its
    /// memory, and traces the end.
    pub(super) fn terminate_process(&mut self, pid: u32, status: ExitStatus) {
        let process = &mut self.processes[pid as usize - 1];
        if process.exit.is_some() {
            return;
        }
        let tids = process.threads.clone();
        for &tid in &tids {
            self.set_thread_state(tid, ThreadState::Terminated);
            let thread = &mut self.threads[tid as usize - 1];
            thread.wait = None;
            self.trace_state(tid, None);
        }
        let process = &mut self.processes[pid as usize - 1];
        if self
            .running
            .is_some_and(|tid| self.threads[tid as usize - 1].pid == pid)
        {
            self.running = None;
        }

        let sys = &mut self.sys;
        let (end, status_code, reason) = match &status {
            ExitStatus::Exited(code) => (EndKind::Exited, Some(*code), None),
            ExitStatus::Killed(reason) => (EndKind::Killed, None, Some(reason.clone())),
            ExitStatus::Stopped(reason) => (EndKind::Stopped, None, Some(reason.clone())),
        };
        if let ExitStatus::Stopped(reason) = &status {
            if sys.tracer.wants(trace::kind::STOP) {
                sys.emit(
                    pid,
                    EventKind::Stop {
                        reason: reason.clone(),
                    },
                );
            }
        }
        if sys.tracer.wants(trace::kind::EXIT) {
            sys.emit(
                pid,
                EventKind::Exit {
                    end,
                    status: status_code,
                    reason,
                },
            );
        }
        process.exit = Some(status);
        process.state = ThreadState::Terminated;
        process.timing.finish = Some(sys.clock);
        self.capture_exit_dump(pid);
        let sys = &mut self.sys;
        let process = &mut self.processes[pid as usize - 1];
        super::mmap::write_back_on_exit(sys, &process.space, pid, process.asid, &mut process.stats);
        release_address_space(sys, &mut process.space, process.asid);
        sys.replacement.remove_process(pid);
        self.recompute_frame_limits();
        self.mutexes.remove_process(pid);
        self.settle_family(pid);
    }

    /// Stops every live process with `reason`, in pid order.
    fn stop_all(&mut self, reason: &str) {
        let live: Vec<u32> = self
            .processes
            .iter()
            .filter(|p| p.exit.is_none())
            .map(|p: &Process| p.pid)
            .collect();
        for pid in live {
            self.terminate_process(pid, ExitStatus::Stopped(reason.to_string()));
        }
    }
}

/// Traces system call `number` of thread `tid` with its arguments and result.
fn trace_syscall(
    sys: &mut super::System,
    pid: u32,
    tid: u32,
    number: u32,
    args: [u32; 3],
    result: Option<i32>,
) {
    let name = match crate::isa::syscall_name(number) {
        Some(name) => name.to_string(),
        None => number.to_string(),
    };
    sys.emit(
        pid,
        EventKind::Syscall {
            tid,
            name,
            args,
            result,
        },
    );
}
