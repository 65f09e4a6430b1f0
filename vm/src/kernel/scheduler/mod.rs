//! CPU schedulers behind one trait, shared by the VM's run loop and by
//! job-list mode (`pagelab sched`).
//!
//! A scheduler sees tasks (threads in the VM, jobs in job-list mode) and
//! time in ticks; it never sees registers or memory. The driver owns the
//! clock and each task's state, and calls the scheduler in this pattern:
//!
//! 1. [`Scheduler::add_task`] once per task, before its first `make_ready`.
//! 2. [`Scheduler::make_ready`] whenever a task becomes ready: it arrived,
//!    woke from waiting, was preempted or yielded.
//! 3. [`Scheduler::pick_next`] when the CPU is free; the chosen task leaves
//!    the ready set and runs.
//! 4. [`Scheduler::should_preempt`] after each tick the running task used.
//! 5. [`Scheduler::on_stop`] when the running task leaves the CPU, with the
//!    reason; a preempted or yielding task is then passed to `make_ready`.
//!
//! Because both drivers make the same calls in the same order, the same
//! task set gives the same dispatch order in the VM and in job-list mode.
//! Decisions are deterministic: ties go to the task that became ready
//! first, then to the lower task id.

mod fcfs;

pub use fcfs::Fcfs;

use std::fmt;

/// Identity of a task: a thread id in the VM, a job's index in job-list mode.
pub type TaskId = u32;

/// Static parameters of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TaskParams {
    /// Priority; a lower number is a higher priority, as in most textbooks.
    pub priority: u32,
    /// The known length of the task's CPU bursts, in ticks, where the driver
    /// knows it (job-list mode); `None` makes SJF-like schedulers predict it.
    pub burst_hint: Option<u64>,
}

/// Why a task became ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadyReason {
    /// It arrived (was created).
    Arrived,
    /// It finished waiting (for a device, a lock, a child, a timer).
    Woken,
    /// The scheduler preempted it.
    Preempted,
    /// It gave up the CPU voluntarily.
    Yielded,
}

/// Why the running task left the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// [`Scheduler::should_preempt`] returned true.
    Preempted,
    /// It gave up the CPU voluntarily and is still ready.
    Yielded,
    /// It waits for something and is not ready.
    Blocked,
    /// It terminated.
    Exited,
}

/// A CPU scheduling algorithm.
///
/// See the module documentation for the calling contract.
pub trait Scheduler: Send {
    /// The algorithm's name as `--sched` accepts it.
    fn name(&self) -> &str;

    /// Registers `task` with its parameters. Called once, before the task is first ready.
    fn add_task(&mut self, task: TaskId, params: TaskParams);

    /// Adds `task` to the ready set at tick `now`.
    fn make_ready(&mut self, task: TaskId, now: u64, reason: ReadyReason);

    /// Removes and returns the task to run next, or `None` when no task is ready.
    fn pick_next(&mut self, now: u64) -> Option<TaskId>;

    /// Returns whether the running `task` must leave the CPU now, after it
    /// has used `slice_used` ticks since it was dispatched.
    fn should_preempt(&mut self, task: TaskId, slice_used: u64, now: u64) -> bool;

    /// Records that the running `task` left the CPU after `ran` ticks in
    /// this dispatch.
    fn on_stop(&mut self, task: TaskId, ran: u64, reason: StopReason, now: u64);
}

/// Why a scheduler could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchedulerError {
    /// No scheduler has this name.
    Unknown { name: String },
}

impl fmt::Display for SchedulerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchedulerError::Unknown { name } => write!(
                f,
                "unknown scheduler {name:?}; known schedulers: {}",
                NAMES.join(", ")
            ),
        }
    }
}

impl std::error::Error for SchedulerError {}

/// Names of every scheduler [`new`] builds.
pub const NAMES: &[&str] = &["fcfs"];

/// Builds the scheduler called `name`.
///
/// # Errors
///
/// Returns [`SchedulerError::Unknown`] for an unknown name.
pub fn new(name: &str) -> Result<Box<dyn Scheduler>, SchedulerError> {
    match name {
        "fcfs" => Ok(Box::new(Fcfs::default())),
        _ => Err(SchedulerError::Unknown {
            name: name.to_string(),
        }),
    }
}
