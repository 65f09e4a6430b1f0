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
//! At each tick boundary `now` the calls come in this order:
//!
//! 1. If the running task's last tick ended its CPU burst, `on_stop` with
//!    `Blocked`, `Yielded` or `Exited`. A yielding task is then passed to
//!    `make_ready` with `Yielded`. (Job-list jobs never yield.)
//! 2. `make_ready` for the tasks that arrive at `now`, in creation order,
//!    then for the tasks that wake at `now`, in task-id order. A driver
//!    that knows the length of a waking task's next burst calls
//!    `set_burst_hint` just before its `make_ready`.
//! 3. If a task is still running, `should_preempt`; on `true`, `on_stop`
//!    with `Preempted`, then `make_ready` with `Preempted`. So a task that
//!    arrives at the tick a quantum expires is queued before the preempted
//!    task, as in the usual textbook convention.
//! 4. If the CPU is free, `pick_next`.
//!
//! Because both drivers make the same calls in the same order, the same
//! task set gives the same dispatch order in the VM and in job-list mode.
//! Decisions are deterministic: ties go to the task that became ready
//! first, then to the lower task id.
//!
//! The algorithms, their parameters and their defaults are described in
//! `docs/scheduling.md`.

mod fcfs;
mod lottery;
mod mlfq;
mod priority;
mod ready;
mod rr;
mod sjf;
mod stride;

pub use fcfs::Fcfs;
pub use lottery::Lottery;
pub use mlfq::Mlfq;
pub use priority::Priority;
pub use rr::RoundRobin;
pub use sjf::Sjf;
pub use stride::Stride;

use std::fmt;

/// Identity of a task: a thread id in the VM, a job's index in job-list mode.
pub type TaskId = u32;

/// Static parameters of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TaskParams {
    /// Priority; a lower number is a higher priority, as in most textbooks.
    pub priority: u32,
    /// The length of the task's next CPU burst, in ticks, where the driver
    /// has it (job-list mode). `None` makes SJF-like schedulers predict it. [`Scheduler::set_burst_hint`] updates it before a later burst.
    pub burst_hint: Option<u64>,
}

/// The reason a task became ready.
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

/// The reason the running task left the CPU.
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

    /// Changes the priority of `task` (the `setpriority` system call). The
    /// task may be ready, running or waiting. Schedulers that ignore
    /// priorities keep this default, which does nothing.
    fn set_priority(&mut self, _task: TaskId, _priority: u32) {}

    /// Sets the known length of the next CPU burst of `task`, before the
    /// `make_ready` that starts it. Only SJF and SRTF read it; the others
    /// keep this default, which does nothing.
    fn set_burst_hint(&mut self, _task: TaskId, _hint: Option<u64>) {}
}

/// Tunable parameters of the schedulers. Each scheduler reads the fields
/// that apply to it and ignores the rest; [`Default`] gives the documented
/// defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerParams {
    /// Time slice in ticks of `rr`, `lottery` and `stride`, and the quantum
    /// of the top `mlfq` level when `mlfq_quanta` is `None`. Default 4.
    pub quantum: u64,
    /// `priority` and `priority-np`: raise a ready task's priority by one
    /// for every this many ticks it waits. `None` (the default) disables aging.
    pub aging: Option<u64>,
    /// Number of `mlfq` levels when `mlfq_quanta` is `None`. Default 3.
    pub mlfq_levels: usize,
    /// Quantum of each `mlfq` level, top level first. `None` (the default)
    /// doubles `quantum` at each level down: 4, 8, 16 with the defaults.
    pub mlfq_quanta: Option<Vec<u64>>,
    /// `mlfq`: move every task to the top level every this many ticks.
    /// `None` (the default) disables the boost.
    pub mlfq_boost: Option<u64>,
    /// `sjf` and `srtf`: weight α of the last burst in the exponential
    /// average τ(n+1) = α·t(n) + (1 − α)·τ(n). Default 0.5.
    pub alpha: f64,
    /// `sjf` and `srtf`: the prediction τ(0) for a task's first burst, in
    /// ticks, when no burst hint is given. Default 10.
    pub initial_estimate: u64,
    /// `lottery` and `stride`: tickets of a priority-0 task; a task of
    /// priority p holds `max(1, tickets / (p + 1))`. Default 100.
    pub tickets: u64,
    /// Seed of the `lottery` draws. Default 0.
    pub seed: u64,
}

impl Default for SchedulerParams {
    fn default() -> SchedulerParams {
        SchedulerParams {
            quantum: 4,
            aging: None,
            mlfq_levels: 3,
            mlfq_quanta: None,
            mlfq_boost: None,
            alpha: 0.5,
            initial_estimate: 10,
            tickets: 100,
            seed: 0,
        }
    }
}

impl SchedulerParams {
    /// Returns the quantum of each MLFQ level, top level first: `mlfq_quanta`
    /// if set, otherwise `quantum` doubled at each of `mlfq_levels` levels.
    pub fn mlfq_quanta(&self) -> Vec<u64> {
        match &self.mlfq_quanta {
            Some(quanta) => quanta.clone(),
            None => (0..self.mlfq_levels.min(MAX_MLFQ_LEVELS))
                .map(|level| self.quantum.saturating_mul(1 << level))
                .collect(),
        }
    }
}

/// The most `mlfq` levels a scheduler may have.
pub const MAX_MLFQ_LEVELS: usize = 64;

/// The maximum number of tickets of a priority-0 task. With at most 2^32 tasks the
/// ticket sum of a lottery stays below 2^62.
pub const MAX_TICKETS: u64 = 1_000_000_000;

/// The reason a scheduler could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchedulerError {
    /// No scheduler has this name.
    Unknown { name: String },
    /// A parameter is out of its valid range.
    InvalidParameter {
        /// The parameter's field name in [`SchedulerParams`].
        parameter: &'static str,
        /// The rejected value, as text.
        value: String,
        /// The valid range.
        expected: &'static str,
    },
}

impl fmt::Display for SchedulerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchedulerError::Unknown { name } => write!(
                f,
                "unknown scheduler {name:?}; known schedulers: {}",
                NAMES.join(", ")
            ),
            SchedulerError::InvalidParameter {
                parameter,
                value,
                expected,
            } => write!(
                f,
                "invalid scheduler parameter {parameter} = {value}: expected {expected}"
            ),
        }
    }
}

impl std::error::Error for SchedulerError {}

/// Names of every scheduler [`new`] builds, in documentation order.
pub const NAMES: &[&str] = &[
    "fcfs",
    "rr",
    "priority",
    "priority-np",
    "mlfq",
    "sjf",
    "srtf",
    "lottery",
    "stride",
];

/// Builds the scheduler called `name` with the default parameters.
///
/// # Errors
///
/// Returns [`SchedulerError::Unknown`] for an unknown name.
pub fn new(name: &str) -> Result<Box<dyn Scheduler>, SchedulerError> {
    new_with(name, &SchedulerParams::default())
}

/// Builds the scheduler called `name` with `params`.
///
/// # Errors
///
/// Returns [`SchedulerError::Unknown`] for an unknown name and
/// [`SchedulerError::InvalidParameter`] for a parameter out of range, such
/// as a zero quantum. Every parameter is checked, including those the named
/// scheduler ignores.
pub fn new_with(
    name: &str,
    params: &SchedulerParams,
) -> Result<Box<dyn Scheduler>, SchedulerError> {
    if !NAMES.contains(&name) {
        return Err(SchedulerError::Unknown {
            name: name.to_string(),
        });
    }
    validate(params)?;
    let scheduler: Box<dyn Scheduler> = match name {
        "fcfs" => Box::new(Fcfs::default()),
        "rr" => Box::new(RoundRobin::new(params.quantum)),
        "priority" => Box::new(Priority::new(true, params.aging)),
        "priority-np" => Box::new(Priority::new(false, params.aging)),
        "mlfq" => Box::new(Mlfq::new(params.mlfq_quanta(), params.mlfq_boost)),
        "sjf" => Box::new(Sjf::new(false, params.alpha, params.initial_estimate)),
        "srtf" => Box::new(Sjf::new(true, params.alpha, params.initial_estimate)),
        "lottery" => Box::new(Lottery::new(params.quantum, params.tickets, params.seed)),
        "stride" => Box::new(Stride::new(params.quantum, params.tickets)),
        _ => unreachable!("every name in NAMES has a match arm"),
    };
    Ok(scheduler)
}

/// Checks every parameter against its documented range.
fn validate(params: &SchedulerParams) -> Result<(), SchedulerError> {
    let invalid = |parameter, value: String, expected| {
        Err(SchedulerError::InvalidParameter {
            parameter,
            value,
            expected,
        })
    };
    if params.quantum == 0 {
        return invalid("quantum", "0".into(), "a whole number of ticks, at least 1");
    }
    if params.aging == Some(0) {
        return invalid("aging", "0".into(), "a whole number of ticks, at least 1");
    }
    if params.mlfq_levels == 0 || params.mlfq_levels > MAX_MLFQ_LEVELS {
        return invalid(
            "mlfq_levels",
            params.mlfq_levels.to_string(),
            "a number of levels from 1 to 64",
        );
    }
    if let Some(quanta) = &params.mlfq_quanta {
        if quanta.is_empty() || quanta.len() > MAX_MLFQ_LEVELS {
            return invalid(
                "mlfq_quanta",
                join(quanta),
                "from 1 to 64 quanta, one per level",
            );
        }
        if quanta.contains(&0) {
            return invalid(
                "mlfq_quanta",
                join(quanta),
                "quanta of at least 1 tick each",
            );
        }
    }
    if params.mlfq_boost == Some(0) {
        return invalid(
            "mlfq_boost",
            "0".into(),
            "a whole number of ticks, at least 1",
        );
    }
    if !(0.0..=1.0).contains(&params.alpha) {
        return invalid("alpha", params.alpha.to_string(), "a number from 0 to 1");
    }
    if params.tickets == 0 || params.tickets > MAX_TICKETS {
        return invalid(
            "tickets",
            params.tickets.to_string(),
            "a whole number from 1 to 1000000000",
        );
    }
    Ok(())
}

/// Formats `values` separated by commas, as `--quanta` takes them.
fn join(values: &[u64]) -> String {
    let texts: Vec<String> = values.iter().map(u64::to_string).collect();
    texts.join(",")
}

/// Returns the lottery and stride tickets of a task of `priority`, for
/// `base` tickets at priority 0.
pub(crate) fn tickets_for(base: u64, priority: u32) -> u64 {
    (base / (u64::from(priority) + 1)).max(1)
}

#[cfg(test)]
mod tests;
