//! Threads and locks from the guest's side: `spawn`, `join`,
//! `thread_exit`, `lock` and `unlock`.
//!
//! Threads of a process share its address space; each gets its own stack
//! of `--stack-limit` bytes below the lowest existing one. A thread ends
//! with `thread_exit`; returning from its entry pops a return address that
//! was never pushed, which faults and kills the process. When the last
//! thread of a process exits, the process exits with status 0. `exit` ends
//! the whole process at once.

use super::lifecycle::AfterCall;
use super::process::ExitStatus;
use super::scheduler::StopReason;
use super::sync::{LockResult, UnlockResult};
use super::thread::{ThreadState, WaitFor};
use super::{describe_location, Kernel};
use crate::hw::cpu::Cpu;
use crate::isa::Reg;
use crate::trace::{self, EventKind, LockAction};

const R0: Reg = match Reg::new(0) {
    Some(reg) => reg,
    None => unreachable!(),
};
const R1: Reg = match Reg::new(1) {
    Some(reg) => reg,
    None => unreachable!(),
};

impl Kernel {
    fn set_r0(&mut self, tid: u32, value: i32) {
        self.threads[tid as usize - 1].cpu.set_reg(R0, value as u32);
    }

    /// Starts a thread of `tid`'s process at `entry` with `arg` in r1, and
    /// returns its tid in the caller's r0 (-1 when no stack fits).
    pub(super) fn spawn_thread(&mut self, tid: u32, entry: u32, arg: u32) -> AfterCall {
        let pid = self.threads[tid as usize - 1].pid;
        let stack_limit = self.sys.config.stack_limit;
        let Some(sp) = self.processes[pid as usize - 1]
            .space
            .add_thread_stack(stack_limit)
        else {
            self.set_r0(tid, -1);
            return AfterCall::Continue;
        };
        let mut cpu = Cpu::new(entry, sp);
        cpu.set_reg(R1, arg);
        let new_tid = self.create_thread(pid, cpu);
        self.set_r0(tid, new_tid as i32);
        AfterCall::Continue
    }

    /// Joins thread `target`: returns its exit value at once when it has
    /// exited, blocks until it does otherwise, and returns -1 for a thread
    /// of another process, the caller itself, or one already joined.
    pub(super) fn join_thread(&mut self, tid: u32, target: u32) -> AfterCall {
        let pid = self.threads[tid as usize - 1].pid;
        let valid = target != tid
            && target >= 1
            && (target as usize) <= self.threads.len()
            && self.threads[target as usize - 1].pid == pid
            && !self.threads[target as usize - 1].joined;
        if !valid {
            self.set_r0(tid, -1);
            return AfterCall::Continue;
        }
        self.threads[target as usize - 1].joined = true;
        match self.threads[target as usize - 1].exit_value {
            Some(value) => {
                self.set_r0(tid, value as i32);
                AfterCall::Continue
            }
            None => {
                self.threads[target as usize - 1].joiner = Some(tid);
                self.block(tid, WaitFor::Join(target));
                AfterCall::LeftCpu
            }
        }
    }

    /// Ends the running thread `tid` with `value`, waking its joiner; the
    /// last thread's exit ends the process with status 0.
    pub(super) fn exit_thread(&mut self, tid: u32, value: u32) -> AfterCall {
        self.leave_cpu(tid, StopReason::Exited);
        let pid = self.threads[tid as usize - 1].pid;
        self.set_thread_state(tid, ThreadState::Terminated);
        let thread = &mut self.threads[tid as usize - 1];
        thread.exit_value = Some(value);
        let joiner = thread.joiner.take();
        self.trace_state(tid, None);

        if !self.processes[pid as usize - 1].thread_counts.any_live() {
            self.terminate_process(pid, ExitStatus::Exited(0));
            return AfterCall::LeftCpu;
        }
        if let Some(joiner) = joiner {
            self.set_r0(joiner, value as i32);
            self.wake(joiner);
        }
        self.update_process_state(pid);
        AfterCall::LeftCpu
    }

    /// Locks the mutex at `addr` for thread `tid`, blocking while another
    /// thread holds it.
    pub(super) fn lock_mutex(&mut self, tid: u32, addr: u32) -> AfterCall {
        let pid = self.threads[tid as usize - 1].pid;
        match self.mutexes.lock(pid, addr, tid) {
            LockResult::Acquired => {
                self.trace_lock(pid, tid, addr, LockAction::Acquire, None);
                self.set_r0(tid, 0);
                AfterCall::Continue
            }
            LockResult::AlreadyHeld => {
                self.set_r0(tid, -1);
                AfterCall::Continue
            }
            LockResult::Contended { owner } => {
                self.trace_lock(pid, tid, addr, LockAction::Contend, Some(owner));
                self.set_r0(tid, 0);
                self.block(tid, WaitFor::Lock(addr));
                AfterCall::LeftCpu
            }
        }
    }

    /// Unlocks the mutex at `addr` for thread `tid`. The first waiter gets
    /// it and wakes. Unlocking a mutex the thread does not hold kills the
    /// process.
    pub(super) fn unlock_mutex(&mut self, tid: u32, addr: u32) -> AfterCall {
        let pid = self.threads[tid as usize - 1].pid;
        match self.mutexes.unlock(pid, addr, tid) {
            UnlockResult::Released => {
                self.trace_lock(pid, tid, addr, LockAction::Release, None);
            }
            UnlockResult::HandedTo(next) => {
                self.trace_lock(pid, tid, addr, LockAction::Release, Some(next));
                self.trace_lock(pid, next, addr, LockAction::Acquire, None);
                self.wake(next);
            }
            UnlockResult::NotOwner { owner } => {
                let thread = &self.threads[tid as usize - 1];
                let pc = thread.cpu.pc.wrapping_sub(crate::isa::INSTRUCTION_BYTES);
                let location =
                    describe_location(pc, &self.processes[pid as usize - 1].space.object);
                let holder = match owner {
                    Some(owner) => format!("thread {owner} holds it"),
                    None => "nobody holds it".to_string(),
                };
                let reason = format!(
                    "unlock of the lock at 0x{addr:08x} by thread {tid}, but {holder} {location}; only the thread that locked it may unlock it"
                );
                self.leave_cpu(tid, StopReason::Exited);
                self.terminate_process(pid, ExitStatus::Killed(reason));
                return AfterCall::LeftCpu;
            }
        }
        self.set_r0(tid, 0);
        AfterCall::Continue
    }

    fn trace_lock(
        &mut self,
        pid: u32,
        tid: u32,
        addr: u32,
        action: LockAction,
        other: Option<u32>,
    ) {
        if self.sys.tracer.wants(trace::kind::LOCK) {
            self.sys.emit(
                pid,
                EventKind::Lock {
                    tid,
                    addr,
                    action,
                    other,
                },
            );
        }
    }
}
