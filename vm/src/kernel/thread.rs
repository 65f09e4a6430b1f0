//! The thread control block: registers, scheduling state and what a
//! waiting thread waits for.
//!
//! A thread is the unit the scheduler sees (its tid is the scheduler's task
//! id). Memory, the exit status and the statistics belong to its process.

use crate::hw::cpu::Cpu;
use std::fmt;

/// Life-cycle state of a thread, and of a process (see
/// [`super::process::Process::state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadState {
    /// Created; not yet handed to the scheduler.
    New,
    /// In the scheduler's ready set.
    Ready,
    /// On the CPU.
    Running,
    /// Blocked until an event wakes it.
    Waiting,
    /// Ended.
    Terminated,
}

impl ThreadState {
    /// Returns the lowercase name used in traces and messages.
    pub fn name(self) -> &'static str {
        match self {
            ThreadState::New => "new",
            ThreadState::Ready => "ready",
            ThreadState::Running => "running",
            ThreadState::Waiting => "waiting",
            ThreadState::Terminated => "terminated",
        }
    }
}

impl fmt::Display for ThreadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Event that a waiting thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    /// Its requests to the swap device to complete.
    Device,
    /// The clock to reach `until` (`sleep`).
    Timer {
        /// Tick at which it wakes.
        until: u64,
    },
    /// A child to terminate: the child's pid, or -1 for any child (`wait`).
    Child(i32),
    /// The console's next input byte, due at tick `until` (`read`).
    Console {
        /// Tick at which the byte arrives.
        until: u64,
    },
    /// Thread `tid` to exit (`join`).
    Join(u32),
    /// The mutex at this address to be unlocked and handed over (`lock`).
    Lock(u32),
}

impl fmt::Display for WaitFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitFor::Device => f.write_str("the swap device"),
            WaitFor::Timer { until } => write!(f, "a timer (tick {until})"),
            WaitFor::Child(-1) => f.write_str("any child"),
            WaitFor::Child(pid) => write!(f, "child {pid}"),
            WaitFor::Console { until } => write!(f, "console input (tick {until})"),
            WaitFor::Join(tid) => write!(f, "thread {tid} to exit"),
            WaitFor::Lock(addr) => write!(f, "the lock at 0x{addr:08x}"),
        }
    }
}

/// One thread.
#[derive(Debug)]
pub struct Thread {
    /// Thread id, from 1, unique across processes; the scheduler's task id.
    pub tid: u32,
    /// The process the thread belongs to.
    pub pid: u32,
    /// Registers and pc.
    pub cpu: Cpu,
    /// Scheduling state.
    pub state: ThreadState,
    /// Event the thread waits for while [`ThreadState::Waiting`].
    pub wait: Option<WaitFor>,
    /// Clock value when the thread last became ready, for the waiting time.
    pub ready_since: u64,
    /// Clock value when the thread last blocked.
    pub blocked_at: u64,
    /// Value passed to `thread_exit`, once the thread has exited that way.
    pub exit_value: Option<u32>,
    /// Whether another thread has joined it.
    pub joined: bool,
    /// The thread blocked in `join` on this one, woken when it exits.
    pub joiner: Option<u32>,
}

/// Number of threads of one process in each live state, kept up to date
/// on every transition so that the process state costs O(1) to compute,
/// however many threads the process has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadCounts {
    new: u32,
    ready: u32,
    running: u32,
    waiting: u32,
}

impl ThreadCounts {
    fn slot(&mut self, state: ThreadState) -> Option<&mut u32> {
        match state {
            ThreadState::New => Some(&mut self.new),
            ThreadState::Ready => Some(&mut self.ready),
            ThreadState::Running => Some(&mut self.running),
            ThreadState::Waiting => Some(&mut self.waiting),
            ThreadState::Terminated => None,
        }
    }

    /// Counts one thread moving from state `from` to state `to`.
    pub fn shift(&mut self, from: ThreadState, to: ThreadState) {
        if let Some(count) = self.slot(from) {
            *count -= 1;
        }
        if let Some(count) = self.slot(to) {
            *count += 1;
        }
    }

    /// Returns whether any thread has not terminated.
    pub fn any_live(&self) -> bool {
        self.new + self.ready + self.running + self.waiting > 0
    }

    /// Returns the process state these threads give: Running when one
    /// runs, else Ready, else Waiting, else New, else Terminated.
    pub fn process_state(&self) -> ThreadState {
        if self.running > 0 {
            ThreadState::Running
        } else if self.ready > 0 {
            ThreadState::Ready
        } else if self.waiting > 0 {
            ThreadState::Waiting
        } else if self.new > 0 {
            ThreadState::New
        } else {
            ThreadState::Terminated
        }
    }
}
