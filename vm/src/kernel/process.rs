//! The process control block: identity, state, registers, address space,
//! counters and exit status.
//!
//! Issue scope: one thread per process; threads and a scheduler come later.

use super::vmm::AddressSpace;
use crate::hw::cpu::Cpu;
use crate::hw::Asid;
use crate::stats::{Counters, EndKind, ProcessStats};

/// Life-cycle state of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    /// Created and waiting to run.
    Ready,
    /// On the CPU.
    Running,
    /// Ended; its resources are freed and its exit status is kept.
    Terminated,
}

/// End of a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// It called `exit` (or `halt`, status 0).
    Exited(i32),
    /// The kernel killed it, for the reason in the message.
    Killed(String),
    /// The run reached its tick budget, as the message explains.
    Stopped(String),
}

/// One process.
#[derive(Debug)]
pub struct Process {
    /// Process id, from 1.
    pub pid: u32,
    /// Program name, for messages.
    pub name: String,
    /// Life-cycle state.
    pub state: ProcessState,
    /// Registers and pc.
    pub cpu: Cpu,
    /// Address-space identifier that tags this process's TLB entries.
    pub asid: Asid,
    /// Regions, page-table root and heap break.
    pub space: AddressSpace,
    /// This process's counters.
    pub stats: Counters,
    /// The way it ended, once terminated.
    pub exit: Option<ExitStatus>,
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
        ProcessStats {
            pid: self.pid,
            name: self.name.clone(),
            exit_code,
            status,
            reason,
            counters: self.stats,
        }
    }
}
