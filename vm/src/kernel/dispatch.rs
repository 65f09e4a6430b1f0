//! The run loop: dispatch threads through the scheduler, run the chosen
//! thread instruction by instruction, and react when it stops (preempted,
//! blocked, exited), when a waiting thread wakes, when the CPU is idle, and
//! when nothing can ever run again (deadlock).
//!
//! The scheduler is called exactly as its module documentation says:
//! `make_ready` when a thread becomes ready, `pick_next` when the CPU is
//! free, `should_preempt` after each instruction (with the ticks the thread
//! used since it was dispatched, so an instruction that faults counts all
//! its ticks), and `on_stop` when the running thread leaves the CPU.

use super::process::{ExitStatus, Process};
use super::scheduler::{ReadyReason, StopReason};
use super::thread::ThreadState;
use super::{describe_exception, release_address_space, syscall, Kernel, KernelBus};
use crate::hw::cpu::{Exception, Step};
use crate::trace::{self, EventKind};
use std::io;

/// What the running thread's last instruction asks of the run loop.
enum Outcome {
    /// Nothing: it keeps the CPU.
    Continue,
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
        self.sys.refs_tagged = self.processes.len() > 1;
        loop {
            if self.processes.iter().all(|p| p.exit.is_some()) {
                break;
            }
            if self.sys.clock >= self.sys.tick_limit {
                let reason = self.stop_reason();
                self.stop_all(&reason);
                break;
            }
            let tid = match self.running {
                Some(tid) => tid,
                None => match self.dispatch() {
                    Some(tid) => tid,
                    None => {
                        // NOTE: every thread is blocked for good only once
                        // waiting exists; until then a live thread is always
                        // ready, so this branch ends nothing but empty runs.
                        let reason =
                            "stopped: no thread can run and nothing will wake one".to_string();
                        self.stop_all(&reason);
                        break;
                    }
                },
            };
            self.run_slice(tid);
        }
        self.finish_output()
    }

    /// Returns the message for a run that reached its tick limit.
    fn stop_reason(&self) -> String {
        if self.sys.output_error.is_some() || self.sys.tracer.failed() {
            "stopped because writing the console, trace or reference string failed".into()
        } else {
            format!(
                "stopped after {} ticks (--max-ticks): the program may loop forever; raise --max-ticks to let it run longer",
                self.sys.config.max_ticks
            )
        }
    }

    /// Adds `tid` to the ready set.
    pub(super) fn make_ready(&mut self, tid: u32, reason: ReadyReason) {
        let thread = &mut self.threads[tid as usize - 1];
        thread.state = ThreadState::Ready;
        thread.ready_since = self.sys.clock;
        self.scheduler.make_ready(tid, self.sys.clock, reason);
        self.update_process_state(self.threads[tid as usize - 1].pid);
    }

    /// Recomputes a live process's state from its threads.
    fn update_process_state(&mut self, pid: u32) {
        let process = &self.processes[pid as usize - 1];
        if process.exit.is_some() {
            return;
        }
        let states = process
            .threads
            .iter()
            .map(|&tid| self.threads[tid as usize - 1].state);
        let mut state = ThreadState::Terminated;
        for thread_state in states {
            state = match (state, thread_state) {
                (ThreadState::Running, _) | (_, ThreadState::Running) => ThreadState::Running,
                (ThreadState::Ready, _) | (_, ThreadState::Ready) => ThreadState::Ready,
                (ThreadState::Waiting, _) | (_, ThreadState::Waiting) => ThreadState::Waiting,
                (ThreadState::New, _) | (_, ThreadState::New) => ThreadState::New,
                _ => ThreadState::Terminated,
            };
        }
        self.processes[pid as usize - 1].state = state;
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
        let process = &mut self.processes[pid as usize - 1];
        process.timing.waiting += self.sys.clock - ready_since;

        if self.last_thread.is_some_and(|last| last != tid) {
            self.sys.advance(self.sys.config.switch_cost);
            process.timing.context_switches += 1;
            if self.sys.config.tlb_flush_on_switch {
                self.sys.mmu.tlb_mut().flush();
            }
        }
        process.timing.first_run.get_or_insert(self.sys.clock);
        self.sys.mmu.switch_to(process.asid, process.space.root_pfn);
        self.threads[tid as usize - 1].state = ThreadState::Running;
        self.update_process_state(pid);
        self.running = Some(tid);
        self.last_thread = Some(tid);
        self.dispatched_at = self.sys.clock;
        Some(tid)
    }

    /// Runs thread `tid` until it leaves the CPU or the tick limit is reached.
    fn run_slice(&mut self, tid: u32) {
        loop {
            if self.sys.clock >= self.sys.tick_limit {
                return;
            }
            let before = self.sys.clock;
            let outcome = self.step(tid);
            let pid = self.threads[tid as usize - 1].pid;
            self.processes[pid as usize - 1].timing.cpu_ticks += self.sys.clock - before;
            self.processes[pid as usize - 1].stats.ticks += self.sys.clock - before;

            match outcome {
                Outcome::Continue => {}
                Outcome::Exit(status) => {
                    self.leave_cpu(tid, StopReason::Exited);
                    self.terminate_process(pid, status);
                    return;
                }
            }
            let slice_used = self.sys.clock - self.dispatched_at;
            if self
                .scheduler
                .should_preempt(tid, slice_used, self.sys.clock)
            {
                self.leave_cpu(tid, StopReason::Preempted);
                self.make_ready(tid, ReadyReason::Preempted);
                return;
            }
        }
    }

    /// Tells the scheduler that the running thread `tid` left the CPU.
    fn leave_cpu(&mut self, tid: u32, reason: StopReason) {
        let ran = self.sys.clock - self.dispatched_at;
        self.scheduler.on_stop(tid, ran, reason, self.sys.clock);
        self.running = None;
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
            asid: process.asid,
            pc,
            space: &mut process.space,
            stats: &mut process.stats,
            kill: &mut kill,
        };
        match thread.cpu.step(&mut bus) {
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
                match syscall::handle(number, &mut thread.cpu, &mut bus) {
                    Some(status) => Outcome::Exit(status),
                    None => Outcome::Continue,
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
        }
    }

    /// Ends process `pid` and all its threads with `status`, frees its
    /// memory, and traces the end.
    pub(super) fn terminate_process(&mut self, pid: u32, status: ExitStatus) {
        let process = &mut self.processes[pid as usize - 1];
        if process.exit.is_some() {
            return;
        }
        for &tid in &process.threads {
            let thread = &mut self.threads[tid as usize - 1];
            thread.state = ThreadState::Terminated;
            thread.wait = None;
        }
        if self
            .running
            .is_some_and(|tid| self.threads[tid as usize - 1].pid == pid)
        {
            self.running = None;
        }

        let sys = &mut self.sys;
        let (status_code, reason) = match &status {
            ExitStatus::Exited(code) => (Some(*code), None),
            ExitStatus::Killed(reason) | ExitStatus::Stopped(reason) => {
                (None, Some(reason.clone()))
            }
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
                    status: status_code,
                    reason,
                },
            );
        }
        process.exit = Some(status);
        process.state = ThreadState::Terminated;
        process.timing.finish = Some(sys.clock);
        release_address_space(sys, process);
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
