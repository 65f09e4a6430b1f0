//! System calls that act on processes and the scheduler: `fork`, `wait`,
//! `getpid`, `getppid`, `yield` and `sleep`, and what a process's end means
//! for its parent and children.
//!
//! A terminated process is a zombie until its parent waits for it: its
//! memory is freed at once, and its exit status stays for `wait`. A process
//! without a live parent is reaped when it terminates. Command-line
//! processes have no parent, and the children of a terminated process lose
//! theirs (they are reaped, not adopted).

use super::cow;
use super::process::{ExitStatus, Process, ProcessTiming};
use super::scheduler::{ReadyReason, StopReason};
use super::syscall::ProcessCall;
use super::thread::WaitFor;
use super::{describe_location, frames, release_address_space, Kernel, KernelBus};
use crate::hw::cpu::Cpu;
use crate::hw::Asid;
use crate::isa::Reg;
use crate::stats::Counters;

/// Status that `wait` returns for a child that was killed or stopped
/// rather than exiting.
pub const KILLED_STATUS: i32 = -2;

const R0: Reg = match Reg::new(0) {
    Some(reg) => reg,
    None => unreachable!(),
};
const R1: Reg = match Reg::new(1) {
    Some(reg) => reg,
    None => unreachable!(),
};

/// Whether the calling thread keeps the CPU after a process call.
pub(super) enum AfterCall {
    /// It goes on running.
    Continue,
    /// It left the CPU (blocked or yielded).
    LeftCpu,
}

impl Kernel {
    /// Sets the priority of process `pid` and of every one of its threads
    /// in the scheduler. Returns the previous priority, or -1 for a
    /// negative priority, which changes nothing.
    fn set_priority(&mut self, pid: u32, priority: i32) -> i32 {
        let Ok(priority) = u32::try_from(priority) else {
            return -1;
        };
        let process = &mut self.processes[pid as usize - 1];
        let previous = process.priority;
        process.priority = priority;
        for (index, thread) in self.threads.iter().enumerate() {
            if thread.pid == pid {
                self.scheduler.set_priority(index as u32 + 1, priority);
            }
        }
        i32::try_from(previous).unwrap_or(i32::MAX)
    }

    /// Finishes system call `call` of the running thread `tid`.
    pub(super) fn process_call(&mut self, tid: u32, call: ProcessCall) -> AfterCall {
        let pid = self.threads[tid as usize - 1].pid;
        match call {
            ProcessCall::Fork => {
                let result = self.fork(tid).map_or(-1, |child| child as i32);
                self.set_result(tid, result);
            }
            ProcessCall::GetPid => self.set_result(tid, pid as i32),
            ProcessCall::SetPriority(priority) => {
                let result = self.set_priority(pid, priority);
                self.set_result(tid, result);
            }
            ProcessCall::GetPpid => {
                let parent = self.processes[pid as usize - 1].parent.unwrap_or(0);
                self.set_result(tid, parent as i32);
            }
            ProcessCall::Yield => {
                self.set_result(tid, 0);
                self.leave_cpu(tid, StopReason::Yielded);
                self.make_ready(tid, ReadyReason::Yielded);
                return AfterCall::LeftCpu;
            }
            ProcessCall::Sleep(ticks) => {
                self.set_result(tid, 0);
                if ticks > 0 {
                    let until = self.sys.clock.saturating_add(ticks as u64);
                    self.block(tid, WaitFor::Timer { until });
                    return AfterCall::LeftCpu;
                }
            }
            ProcessCall::Wait(target) => return self.wait(tid, target),
            ProcessCall::Spawn { entry, arg } => return self.spawn_thread(tid, entry, arg),
            ProcessCall::Join(target) => return self.join_thread(tid, target),
            ProcessCall::ThreadExit(value) => return self.exit_thread(tid, value),
            ProcessCall::Lock(addr) => return self.lock_mutex(tid, addr),
            ProcessCall::Unlock(addr) => return self.unlock_mutex(tid, addr),
        }
        AfterCall::Continue
    }

    fn set_result(&mut self, tid: u32, value: i32) {
        self.threads[tid as usize - 1].cpu.set_reg(R0, value as u32);
    }

    /// Creates a child of thread `tid`'s process that shares its pages
    /// copy-on-write and runs a copy of the thread with r0 = 0. Returns
    /// the child's pid, or `None` when the page-table pool is too small
    /// (or, under `--page-tables-in-pool`, no frame can be found for the
    /// child's tables).
    fn fork(&mut self, tid: u32) -> Option<u32> {
        let parent_pid = self.threads[tid as usize - 1].pid;
        let child_pid = self.processes.len() as u32 + 1;
        let child_asid = Asid(child_pid);
        if self.sys.config.page_tables_in_pool && !self.stage_fork_tables(tid, child_pid) {
            return None;
        }
        let Some(root_pfn) = self.sys.tables.take() else {
            frames::release_staged(&mut self.sys);
            return None;
        };
        self.sys.memory.frame_mut(root_pfn).fill(0);

        let parent = &self.processes[parent_pid as usize - 1];
        let mut space = parent.space.fork_layout(root_pfn);
        let shared = cow::share_address_space(
            &mut self.sys,
            &parent.space,
            parent.asid,
            &mut space,
            child_pid,
            child_asid,
        );
        frames::release_staged(&mut self.sys);
        if shared.is_err() {
            release_address_space(&mut self.sys, &mut space, child_asid);
            return None;
        }
        self.sys.replacement.add_process(child_pid);

        let name = parent.name.clone();
        let priority = parent.priority;
        self.processes.push(Process {
            pid: child_pid,
            parent: Some(parent_pid),
            name,
            priority,
            state: super::thread::ThreadState::New,
            threads: Vec::new(),
            thread_counts: Default::default(),
            asid: child_asid,
            space,
            stats: Counters::default(),
            timing: ProcessTiming {
                arrival: self.sys.clock,
                ..ProcessTiming::default()
            },
            exit: None,
            reaped: false,
        });
        self.recompute_frame_limits();
        let mut cpu: Cpu = self.threads[tid as usize - 1].cpu.clone();
        cpu.set_reg(R0, 0);
        self.create_thread(child_pid, cpu);
        Some(child_pid)
    }

    /// Under `--page-tables-in-pool`, stages frames for the page tables of
    /// the child `child_pid` that thread `tid`'s process is forking: as
    /// many as the parent has tables, the most the child can need. Frames
    /// are found as for a fault of the parent, so pages may be evicted.
    /// They are recorded as the child's page-table frames. Returns false,
    /// with nothing staged, when they cannot all be found.
    fn stage_fork_tables(&mut self, tid: u32, child_pid: u32) -> bool {
        let parent_pid = self.threads[tid as usize - 1].pid;
        let pc = self.threads[tid as usize - 1].cpu.pc;
        let process = &mut self.processes[parent_pid as usize - 1];
        let count = process.space.tables.len() as u32;
        let location = format!("for fork {}", describe_location(pc, &process.space.object));
        let mut kill = None;
        let mut bus = KernelBus {
            sys: &mut self.sys,
            pid: parent_pid,
            tid,
            asid: process.asid,
            pc,
            space: &mut process.space,
            stats: &mut process.stats,
            kill: &mut kill,
        };
        if frames::stage_tables(&mut bus, count, &location).is_err() {
            return false;
        }

        // Staged as the parent's tables; they become the child's.
        let staged = self.sys.tables.drain_given_back();
        for &pfn in &staged {
            let frame = self.sys.frame_index(pfn);
            self.sys.frames.reassign_table(frame, child_pid);
            self.sys.tables.give_back(pfn);
        }
        true
    }

    /// Runs `wait(target)` for thread `tid`: reaps a terminated child at
    /// once, returns -1 when there is no such child, and blocks otherwise.
    fn wait(&mut self, tid: u32, target: i32) -> AfterCall {
        let pid = self.threads[tid as usize - 1].pid;
        let matches = |process: &Process| {
            process.parent == Some(pid) && (target == -1 || process.pid as i32 == target)
        };
        if !self.processes.iter().any(matches) {
            self.set_result(tid, -1);
            return AfterCall::Continue;
        }
        let zombie = self
            .processes
            .iter()
            .find(|process| matches(process) && process.exit.is_some() && !process.reaped)
            .map(|process| process.pid);
        if let Some(child) = zombie {
            self.reap_into(child, tid);
            return AfterCall::Continue;
        }
        self.block(tid, WaitFor::Child(target));
        AfterCall::LeftCpu
    }

    /// Reaps the zombie `child` and puts its status in thread `tid`'s r0
    /// and its pid in r1.
    fn reap_into(&mut self, child: u32, tid: u32) {
        let process = &mut self.processes[child as usize - 1];
        process.reaped = true;
        process.parent = None;
        let status = match process.exit {
            Some(ExitStatus::Exited(code)) => code,
            _ => KILLED_STATUS,
        };
        let cpu = &mut self.threads[tid as usize - 1].cpu;
        cpu.set_reg(R0, status as u32);
        cpu.set_reg(R1, child);
    }

    /// Settles the family of the just terminated process `pid`: its
    /// children lose their parent (and terminated ones are reaped), and
    /// its parent, if alive, may be waiting for it.
    pub(super) fn settle_family(&mut self, pid: u32) {
        for process in &mut self.processes {
            if process.parent == Some(pid) {
                process.parent = None;
                if process.exit.is_some() {
                    process.reaped = true;
                }
            }
        }

        let parent = self.processes[pid as usize - 1].parent;
        let Some(parent) = parent.filter(|&ppid| self.processes[ppid as usize - 1].exit.is_none())
        else {
            let process = &mut self.processes[pid as usize - 1];
            process.reaped = true;
            process.parent = None;
            return;
        };
        let waiter = self.processes[parent as usize - 1]
            .threads
            .iter()
            .copied()
            .find(|&tid| match self.threads[tid as usize - 1].wait {
                Some(WaitFor::Child(target)) => target == -1 || target == pid as i32,
                _ => false,
            });
        if let Some(tid) = waiter {
            self.reap_into(pid, tid);
            self.wake(tid);
        }
    }

    /// Wakes every thread whose timer is due: sleepers, and readers
    /// waiting for the console's next byte.
    pub(super) fn wake_due_timers(&mut self) {
        while let Some(&(until, tid)) = self.timers.first() {
            if until > self.sys.clock {
                break;
            }
            self.timers.pop_first();
            match self.threads[tid as usize - 1].wait {
                Some(WaitFor::Timer { until: due } | WaitFor::Console { until: due })
                    if due == until =>
                {
                    self.wake(tid)
                }
                _ => {}
            }
        }
    }
}
