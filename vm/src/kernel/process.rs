//! The process control block: identity, parent, threads, address space,
//! counters, scheduling times and exit status.
//!
//! A process owns memory and statistics; its threads (`kernel::thread`)
//! hold the registers and are what the scheduler runs.

use super::thread::{ThreadCounts, ThreadState};
use super::vmm::AddressSpace;
use crate::hw::Asid;
use crate::stats::{Counters, EndKind, ProcessStats, Timing};

/// Life-cycle state of a process. It follows its threads: Running when one
/// runs, else Ready when one is ready, else Waiting, and Terminated once
/// the process ended.
pub type ProcessState = ThreadState;

/// End of a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// It called `exit` (or `halt`, status 0).
    Exited(i32),
    /// The kernel killed it, for the reason in the message.
    Killed(String),
    /// The run stopped it (tick budget, deadlock, output error), as the message explains.
    Stopped(String),
}

/// One process.
#[derive(Debug)]
pub struct Process {
    /// Process id, from 1.
    pub pid: u32,
    /// Parent's pid, or `None` for a process started from the command line.
    /// Such a process has no one to wait for it, so it is reaped when it
    /// terminates: its resources are freed and only its statistics remain.
    pub parent: Option<u32>,
    /// Program name, for messages.
    pub name: String,
    /// Life-cycle state.
    pub state: ProcessState,
    /// The process's threads (tids), in creation order.
    pub threads: Vec<u32>,
    /// How many of those threads are in each live state.
    pub thread_counts: ThreadCounts,
    /// Scheduling priority of its threads; a lower number is a higher
    /// priority. Schedulers without priorities ignore it.
    pub priority: u32,
    /// Address-space identifier that tags this process's TLB entries.
    pub asid: Asid,
    /// Regions, page-table root and heap break.
    pub space: AddressSpace,
    /// This process's counters.
    pub stats: Counters,
    /// Scheduling times and counts.
    pub timing: ProcessTiming,
    /// The way it ended, once terminated.
    pub exit: Option<ExitStatus>,
    /// Whether its exit status was collected: by its parent's `wait`, or
    /// at once for a process without a live parent. Terminated and not
    /// reaped is a zombie.
    pub reaped: bool,
}

/// Scheduling times of a process, in ticks of the clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcessTiming {
    /// When the process was created.
    pub arrival: u64,
    /// When one of its threads first got the CPU.
    pub first_run: Option<u64>,
    /// When it terminated.
    pub finish: Option<u64>,
    /// Ticks its threads spent in the ready set.
    pub waiting: u64,
    /// Ticks its threads spent on the CPU: instructions, walks, fault handling.
    pub cpu_ticks: u64,
    /// Times one of its threads got the CPU after another thread had it.
    pub context_switches: u64,
}

impl Process {
    /// Returns the one-line message about how the process ended, such as
    /// `process 1 (null.asm) killed: segmentation fault: …`.
    pub fn describe_exit(&self) -> String {
        let who = format!("process {} ({})", self.pid, self.name);
        match &self.exit {
            None => format!("{who} did not finish"),
            Some(ExitStatus::Exited(status)) => format!("{who} exited with status {status}"),
            Some(ExitStatus::Killed(reason)) => format!("{who} killed: {reason}"),
            Some(ExitStatus::Stopped(reason)) => format!("{who} {reason}"),
        }
    }

    /// Returns whether the process exited with status 0.
    pub fn succeeded(&self) -> bool {
        self.exit == Some(ExitStatus::Exited(0))
    }

    /// Returns the process's statistics.
    pub fn statistics(&self) -> ProcessStats {
        let (exit_code, status, reason) = match &self.exit {
            None => (None, EndKind::Running, None),
            Some(ExitStatus::Exited(code)) => (Some(*code), EndKind::Exited, None),
            Some(ExitStatus::Killed(reason)) => (None, EndKind::Killed, Some(reason.clone())),
            Some(ExitStatus::Stopped(reason)) => (None, EndKind::Stopped, Some(reason.clone())),
        };
        let t = &self.timing;
        ProcessStats {
            pid: self.pid,
            name: self.name.clone(),
            exit_code,
            status,
            reason,
            counters: self.stats,
            timing: Timing {
                arrival: t.arrival,
                first_run: t.first_run,
                finish: t.finish,
                turnaround: t.finish.map(|finish| finish - t.arrival),
                waiting: t.waiting,
                response: t.first_run.map(|first| first - t.arrival),
                cpu_ticks: t.cpu_ticks,
                context_switches: t.context_switches,
            },
            eat: None,
        }
    }
}
