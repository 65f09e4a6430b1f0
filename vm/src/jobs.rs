//! Job-list mode: synthetic jobs run through a [`Scheduler`] without the VM,
//! for scheduling homework (`pagelab sched`).
//!
//! A job list is text such as `A:0:24,B:0:3,C:0:3`. Each job is
//! `name:arrival:bursts[:priority]`, and jobs are separated by commas:
//!
//! - `name`: 1 to 32 characters from `A-Z a-z 0-9 _ - .`, unique in the list;
//! - `arrival`: the tick at which the job arrives;
//! - `bursts`: CPU and I/O burst lengths in ticks, alternating and separated
//!   by `/`, starting and ending with a CPU burst: `5` is one CPU burst,
//!   `5/3/4` is CPU 5, then I/O 3, then CPU 4. Every burst is at least 1;
//! - `priority`: optional, default 0; a lower number is a higher priority.
//!
//! [`simulate`] drives the scheduler tick by tick with the calls, and the
//! call order, that the module documentation of
//! [`scheduler`](crate::kernel::scheduler) prescribes for the VM. Job i is
//! task i. During an I/O burst the job waits, without using the CPU, and
//! several jobs can do I/O at the same time (each has its own device).
//!
//! This module does not depend on the VM, only on the scheduler trait.

use crate::kernel::scheduler::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The maximum number of jobs in a list.
pub const MAX_JOBS: usize = 1000;

/// The maximum simulation length, in ticks: the latest arrival plus every
/// CPU and I/O burst of every job may not exceed it. The driver does O(1)
/// work per tick besides the scheduler calls, and a scheduler choice scans
/// at most [`MAX_JOBS`] ready jobs, so a run takes at most about 10^8 steps.
pub const MAX_TICKS: u64 = 100_000;

/// The maximum length of a job name, in bytes.
pub const MAX_NAME_LEN: usize = 32;

/// One job of a job list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The job's name, unique in its list.
    pub name: String,
    /// The tick at which the job arrives.
    pub arrival: u64,
    /// Burst lengths in ticks: CPU, I/O, CPU, ..., CPU (an odd number).
    pub bursts: Vec<u64>,
    /// Priority; 0 is the highest.
    pub priority: u32,
}

impl Job {
    /// Returns the job's total CPU time in ticks.
    pub fn cpu_ticks(&self) -> u64 {
        self.bursts.iter().step_by(2).sum()
    }

    /// Returns the job's total I/O time in ticks.
    pub fn io_ticks(&self) -> u64 {
        self.bursts.iter().skip(1).step_by(2).sum()
    }
}

/// The reason a job list is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobError {
    /// The list has no job.
    Empty,
    /// The list has more than [`MAX_JOBS`] jobs.
    TooManyJobs { count: usize },
    /// Entry `index` (1-based) is empty, as in `A:0:3,,B:0:2`.
    EmptyEntry { index: usize },
    /// An entry does not have 3 or 4 fields.
    FieldCount { entry: String, fields: usize },
    /// A name is empty, too long or has a character outside `A-Z a-z 0-9 _ - .`.
    InvalidName { entry: String, name: String },
    /// A number field is not a whole number in range.
    InvalidNumber {
        entry: String,
        field: &'static str,
        value: String,
    },
    /// A burst list has an even number of bursts, so it does not end with a CPU burst.
    EndsWithIo { entry: String },
    /// A burst is 0 ticks long.
    ZeroBurst { entry: String },
    /// Two jobs have the same name.
    DuplicateName { name: String },
    /// The latest arrival plus all bursts exceeds [`MAX_TICKS`].
    TooLong,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Empty => write!(
                f,
                "the job list is empty; give jobs as name:arrival:burst, separated by commas, as in A:0:24,B:0:3"
            ),
            JobError::TooManyJobs { count } => write!(
                f,
                "the job list has {count} jobs; at most {MAX_JOBS} are allowed"
            ),
            JobError::EmptyEntry { index } => write!(
                f,
                "job {index} of the list is empty; remove the extra comma"
            ),
            JobError::FieldCount { entry, fields } => write!(
                f,
                "job {entry:?} has {fields} fields separated by ':'; expected name:arrival:bursts or name:arrival:bursts:priority"
            ),
            JobError::InvalidName { entry, name } => write!(
                f,
                "job {entry:?} has an invalid name {name:?}; use 1 to {MAX_NAME_LEN} characters from A-Z, a-z, 0-9, '_', '-' and '.'"
            ),
            JobError::InvalidNumber {
                entry,
                field,
                value,
            } => write!(
                f,
                "job {entry:?} has an invalid {field} {value:?}; expected a whole number of at most {}",
                if *field == "priority" {
                    u64::from(u32::MAX)
                } else {
                    MAX_TICKS
                }
            ),
            JobError::EndsWithIo { entry } => write!(
                f,
                "job {entry:?} ends with an I/O burst; bursts alternate CPU/IO/CPU and must start and end with a CPU burst"
            ),
            JobError::ZeroBurst { entry } => write!(
                f,
                "job {entry:?} has a burst of 0 ticks; every burst must be at least 1 tick"
            ),
            JobError::DuplicateName { name } => write!(
                f,
                "the job name {name:?} appears more than once; give each job its own name"
            ),
            JobError::TooLong => write!(
                f,
                "the job list is too long to simulate: the latest arrival plus all bursts exceeds {MAX_TICKS} ticks"
            ),
        }
    }
}

impl std::error::Error for JobError {}

/// Parses a job list in the syntax of the module documentation.
///
/// # Errors
///
/// Returns a [`JobError`] naming the first invalid job. A job is invalid
/// for a wrong number of fields, a bad name or number, a zero burst, a
/// burst list that ends with I/O, or a duplicate name. A list is invalid
/// when it is empty or exceeds [`MAX_JOBS`] jobs or [`MAX_TICKS`] ticks.
pub fn parse(text: &str) -> Result<Vec<Job>, JobError> {
    if text.trim().is_empty() {
        return Err(JobError::Empty);
    }
    let entries: Vec<&str> = text.split(',').map(str::trim).collect();
    if entries.len() > MAX_JOBS {
        return Err(JobError::TooManyJobs {
            count: entries.len(),
        });
    }

    let mut jobs: Vec<Job> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        if entry.is_empty() {
            return Err(JobError::EmptyEntry { index: index + 1 });
        }
        let job = parse_job(entry)?;
        if jobs.iter().any(|other| other.name == job.name) {
            return Err(JobError::DuplicateName { name: job.name });
        }
        jobs.push(job);
    }

    // Every job fits MAX_TICKS on its own, so these sums cannot overflow
    // before the check (at most MAX_JOBS · MAX_TICKS).
    let latest_arrival = jobs.iter().map(|job| job.arrival).max().unwrap_or(0);
    let all_bursts: u64 = jobs.iter().map(|job| job.bursts.iter().sum::<u64>()).sum();
    if latest_arrival + all_bursts > MAX_TICKS {
        return Err(JobError::TooLong);
    }
    Ok(jobs)
}

/// Parses one `name:arrival:bursts[:priority]` entry.
fn parse_job(entry: &str) -> Result<Job, JobError> {
    let fields: Vec<&str> = entry.split(':').map(str::trim).collect();
    if !(3..=4).contains(&fields.len()) {
        return Err(JobError::FieldCount {
            entry: entry.to_string(),
            fields: fields.len(),
        });
    }

    let name = fields[0];
    let valid_name = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid_name {
        return Err(JobError::InvalidName {
            entry: entry.to_string(),
            name: name.to_string(),
        });
    }

    let number = |field: &'static str, value: &str, max: u64| -> Result<u64, JobError> {
        value
            .parse::<u64>()
            .ok()
            .filter(|&number| number <= max)
            .ok_or_else(|| JobError::InvalidNumber {
                entry: entry.to_string(),
                field,
                value: value.to_string(),
            })
    };
    let arrival = number("arrival", fields[1], MAX_TICKS)?;
    let bursts = fields[2]
        .split('/')
        .map(|burst| number("burst", burst.trim(), MAX_TICKS))
        .collect::<Result<Vec<u64>, JobError>>()?;
    if bursts.len() % 2 == 0 {
        return Err(JobError::EndsWithIo {
            entry: entry.to_string(),
        });
    }
    if bursts.contains(&0) {
        return Err(JobError::ZeroBurst {
            entry: entry.to_string(),
        });
    }
    let priority = match fields.get(3) {
        Some(value) => {
            let priority = number("priority", value, u64::from(u32::MAX))?;
            u32::try_from(priority).expect("the priority was checked against u32::MAX")
        }
        None => 0,
    };

    Ok(Job {
        name: name.to_string(),
        arrival,
        bursts,
        priority,
    })
}

/// A stretch of the Gantt chart: one dispatch of a job, or idle time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// The job's name, or `None` while the CPU is idle.
    pub job: Option<String>,
    /// The first tick of the segment.
    pub start: u64,
    /// The tick after the last one of the segment.
    pub end: u64,
}

/// Times of one job, in ticks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JobResult {
    pub name: String,
    pub arrival: u64,
    /// Total CPU time.
    pub burst: u64,
    /// The tick at which the job's last CPU burst ended.
    pub finish: u64,
    /// First dispatch − arrival.
    pub response: u64,
    /// Finish − arrival.
    pub turnaround: u64,
    /// Turnaround − CPU time − I/O time: the time spent ready but not running.
    pub waiting: u64,
    /// Total I/O time.
    pub io: u64,
    pub priority: u32,
}

/// The result of a simulation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The scheduler's name.
    pub scheduler: String,
    /// Per-job times, in job-list order.
    pub jobs: Vec<JobResult>,
    pub avg_response: f64,
    pub avg_turnaround: f64,
    pub avg_waiting: f64,
    /// Dispatches and idle stretches in time order. Two dispatches of the
    /// same job in a row are two segments; idle ticks form one segment.
    pub gantt: Vec<Segment>,
}

/// A scheduler that broke the calling contract. Each is a bug in the
/// scheduler, not in the job list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimulationError {
    /// `pick_next` returned `None` although tasks were ready.
    NothingPicked {
        scheduler: String,
        now: u64,
        ready: usize,
    },
    /// `pick_next` returned a task that was not ready.
    NotReady {
        scheduler: String,
        now: u64,
        task: TaskId,
    },
    /// The run passed its bound without every job finishing.
    TickLimit { scheduler: String, limit: u64 },
}

impl fmt::Display for SimulationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimulationError::NothingPicked {
                scheduler,
                now,
                ready,
            } => write!(
                f,
                "internal error: scheduler {scheduler} picked no task at tick {now} although {ready} were ready"
            ),
            SimulationError::NotReady {
                scheduler,
                now,
                task,
            } => write!(
                f,
                "internal error: scheduler {scheduler} picked task {task} at tick {now}, which was not ready"
            ),
            SimulationError::TickLimit { scheduler, limit } => write!(
                f,
                "internal error: scheduler {scheduler} did not finish every job within {limit} ticks"
            ),
        }
    }
}

impl std::error::Error for SimulationError {}

/// The state of a job in the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    NotArrived,
    Ready,
    Running,
    /// Doing I/O until the given tick.
    Waiting {
        until: u64,
    },
    Done,
}

/// The driver's record of one job.
#[derive(Clone, Debug)]
struct Progress {
    state: State,
    /// Index in `bursts` of the current or next CPU burst.
    burst_index: usize,
    /// Ticks left in the current CPU burst.
    remaining: u64,
    first_run: Option<u64>,
    finish: u64,
}

/// The job on the CPU.
#[derive(Clone, Copy, Debug)]
struct Dispatch {
    job: usize,
    since: u64,
}

/// Whether the scheduler receives the length of each CPU burst as a hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bursts {
    /// Pass each burst's length as the task's burst hint, as textbook SJF
    /// and SRTF examples assume.
    Known,
    /// Pass no hint, as in the VM, so SJF and SRTF predict bursts.
    Hidden,
}

/// Runs `jobs` on `scheduler` until every job has finished, with every
/// burst length known to the scheduler.
///
/// # Panics
///
/// Panics if a job has an even number of bursts or none, which [`parse`]
/// never returns.
///
/// # Errors
///
/// See [`simulate_with`].
pub fn simulate(jobs: &[Job], scheduler: &mut dyn Scheduler) -> Result<Outcome, SimulationError> {
    simulate_with(jobs, scheduler, Bursts::Known)
}

/// Runs `jobs` on `scheduler` until every job has finished. `bursts`
/// selects whether the scheduler receives the burst lengths as hints.
///
/// The scheduler should be fresh: the tasks are numbered from 0 in job-list
/// order. The run takes at most the latest arrival plus every burst in
/// ticks, because the CPU is idle only while no job is ready.
///
/// # Panics
///
/// Panics if a job has an even number of bursts or none, which [`parse`]
/// never returns.
///
/// # Errors
///
/// Returns a [`SimulationError`] when the scheduler breaks the contract of
/// the trait: it picks nothing while a job is ready, picks a job that is not
/// ready, or (a backstop for other bugs) the run passes its bound.
pub fn simulate_with(
    jobs: &[Job],
    scheduler: &mut dyn Scheduler,
    bursts: Bursts,
) -> Result<Outcome, SimulationError> {
    let hint = |length: u64| match bursts {
        Bursts::Known => Some(length),
        Bursts::Hidden => None,
    };
    let scheduler_name = scheduler.name().to_string();
    let limit = jobs.iter().map(|job| job.arrival).max().unwrap_or(0)
        + jobs
            .iter()
            .map(|job| job.bursts.iter().sum::<u64>())
            .sum::<u64>();
    let mut progress: Vec<Progress> = jobs
        .iter()
        .map(|job| Progress {
            state: State::NotArrived,
            burst_index: 0,
            remaining: job.bursts[0],
            first_run: None,
            finish: 0,
        })
        .collect();
    // Jobs by arrival, in job-list order among equal arrivals (the sort is
    // stable), and jobs doing I/O by the tick their I/O ends. With these,
    // and the count of ready jobs, each tick costs the driver O(1) work
    // outside the events at that tick.
    let mut arrivals: Vec<usize> = (0..jobs.len()).collect();
    arrivals.sort_by_key(|&index| jobs[index].arrival);
    let mut next_arrival = 0;
    let mut wakeups: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut ready = 0usize;

    let mut gantt: Vec<Segment> = Vec::new();
    let mut running: Option<Dispatch> = None;
    let mut finished = 0;
    let mut now: u64 = 0;

    loop {
        // 1. The running job's tick may have ended its CPU burst: it exits,
        //    or starts its next I/O burst.
        if let Some(dispatch) = running.filter(|dispatch| progress[dispatch.job].remaining == 0) {
            let job = &jobs[dispatch.job];
            let record = &mut progress[dispatch.job];
            let ran = now - dispatch.since;
            if record.burst_index + 1 == job.bursts.len() {
                record.state = State::Done;
                record.finish = now;
                finished += 1;
                scheduler.on_stop(task_id(dispatch.job), ran, StopReason::Exited, now);
            } else {
                let io = job.bursts[record.burst_index + 1];
                record.state = State::Waiting { until: now + io };
                wakeups.entry(now + io).or_default().push(dispatch.job);
                record.burst_index += 2;
                record.remaining = job.bursts[record.burst_index];
                scheduler.on_stop(task_id(dispatch.job), ran, StopReason::Blocked, now);
            }
            running = None;
        }

        // 2. Arrivals in job-list order, then the ends of I/O bursts.
        while let Some(&index) = arrivals.get(next_arrival) {
            let job = &jobs[index];
            if job.arrival != now {
                break;
            }
            next_arrival += 1;
            let params = TaskParams {
                priority: job.priority,
                burst_hint: hint(job.bursts[0]),
            };
            scheduler.add_task(task_id(index), params);
            progress[index].state = State::Ready;
            ready += 1;
            scheduler.make_ready(task_id(index), now, ReadyReason::Arrived);
        }
        if let Some(mut woken) = wakeups.remove(&now) {
            woken.sort_unstable();
            for index in woken {
                let record = &mut progress[index];
                debug_assert_eq!(record.state, State::Waiting { until: now });
                record.state = State::Ready;
                ready += 1;
                scheduler.set_burst_hint(task_id(index), hint(record.remaining));
                scheduler.make_ready(task_id(index), now, ReadyReason::Woken);
            }
        }

        // 3. The running job may be preempted.
        if let Some(dispatch) = running {
            let task = task_id(dispatch.job);
            let ran = now - dispatch.since;
            if scheduler.should_preempt(task, ran, now) {
                scheduler.on_stop(task, ran, StopReason::Preempted, now);
                progress[dispatch.job].state = State::Ready;
                ready += 1;
                scheduler.make_ready(task, now, ReadyReason::Preempted);
                running = None;
            }
        }

        // 4. A free CPU takes the scheduler's choice.
        if running.is_none() {
            match scheduler.pick_next(now) {
                Some(task) => {
                    let job = usize::try_from(task).unwrap_or(usize::MAX);
                    if progress.get(job).map(|record| record.state) != Some(State::Ready) {
                        return Err(SimulationError::NotReady {
                            scheduler: scheduler_name,
                            now,
                            task,
                        });
                    }
                    let record = &mut progress[job];
                    record.state = State::Running;
                    ready -= 1;
                    record.first_run.get_or_insert(now);
                    running = Some(Dispatch { job, since: now });
                    gantt.push(Segment {
                        job: Some(jobs[job].name.clone()),
                        start: now,
                        end: now,
                    });
                }
                None if ready > 0 => {
                    return Err(SimulationError::NothingPicked {
                        scheduler: scheduler_name,
                        now,
                        ready,
                    });
                }
                None => {}
            }
        }

        if finished == jobs.len() {
            break;
        }
        if now >= limit {
            return Err(SimulationError::TickLimit {
                scheduler: scheduler_name,
                limit,
            });
        }

        // 5. One tick passes.
        match running {
            Some(dispatch) => {
                progress[dispatch.job].remaining -= 1;
                if let Some(segment) = gantt.last_mut() {
                    segment.end = now + 1;
                }
            }
            None => match gantt.last_mut() {
                Some(segment) if segment.job.is_none() => segment.end = now + 1,
                _ => gantt.push(Segment {
                    job: None,
                    start: now,
                    end: now + 1,
                }),
            },
        }
        now += 1;
    }

    let results: Vec<JobResult> = jobs
        .iter()
        .zip(&progress)
        .map(|(job, record)| {
            let turnaround = record.finish - job.arrival;
            let first_run = record
                .first_run
                .expect("a finished job was dispatched at least once");
            JobResult {
                name: job.name.clone(),
                arrival: job.arrival,
                burst: job.cpu_ticks(),
                finish: record.finish,
                response: first_run - job.arrival,
                turnaround,
                waiting: turnaround - job.cpu_ticks() - job.io_ticks(),
                io: job.io_ticks(),
                priority: job.priority,
            }
        })
        .collect();
    let average = |metric: fn(&JobResult) -> u64| -> f64 {
        if results.is_empty() {
            return 0.0;
        }
        results.iter().map(metric).sum::<u64>() as f64 / results.len() as f64
    };
    Ok(Outcome {
        scheduler: scheduler_name,
        avg_response: average(|job| job.response),
        avg_turnaround: average(|job| job.turnaround),
        avg_waiting: average(|job| job.waiting),
        jobs: results,
        gantt,
    })
}

/// Returns the task id of the job at `index`. Lists have at most
/// [`MAX_JOBS`] jobs, far below `u32::MAX`.
fn task_id(index: usize) -> TaskId {
    TaskId::try_from(index).expect("job indices are below MAX_JOBS, so they fit a task id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_full_syntax() {
        let jobs = parse(" A:0:5/3/4:2 , b_1:7:1").unwrap();
        assert_eq!(
            jobs,
            [
                Job {
                    name: "A".into(),
                    arrival: 0,
                    bursts: vec![5, 3, 4],
                    priority: 2,
                },
                Job {
                    name: "b_1".into(),
                    arrival: 7,
                    bursts: vec![1],
                    priority: 0,
                },
            ]
        );
        assert_eq!(jobs[0].cpu_ticks(), 9);
        assert_eq!(jobs[0].io_ticks(), 3);
    }

    /// Parses `text`, which must be invalid, and returns the error message.
    fn error(text: &str) -> String {
        parse(text).expect_err(text).to_string()
    }

    #[test]
    fn parse_rejects_bad_lists() {
        let cases = [
            ("", "the job list is empty"),
            ("  ", "the job list is empty"),
            ("A:0:3,,B:0:2", "job 2 of the list is empty"),
            ("A:0", "job \"A:0\" has 2 fields"),
            ("A:0:3:1:9", "job \"A:0:3:1:9\" has 5 fields"),
            (":0:3", "invalid name \"\""),
            ("A B:0:3", "invalid name \"A B\""),
            ("A:x:3", "invalid arrival \"x\""),
            ("A:-1:3", "invalid arrival \"-1\""),
            ("A:0:3/", "invalid burst \"\""),
            ("A:0:3/2", "ends with an I/O burst"),
            ("A:0:0", "has a burst of 0 ticks"),
            ("A:0:3/0/1", "has a burst of 0 ticks"),
            ("A:0:3:4294967296", "invalid priority \"4294967296\""),
            ("A:0:3,A:1:2", "the job name \"A\" appears more than once"),
            ("A:0:99999999999999999999", "invalid burst"),
            ("A:0:60000,B:0:50000", "exceeds 100000 ticks"),
            ("A:100000:1", "exceeds 100000 ticks"),
        ];
        for (text, expected) in cases {
            let message = error(text);
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }

    #[test]
    fn parse_rejects_too_many_jobs() {
        let list: Vec<String> = (0..=MAX_JOBS)
            .map(|index| format!("J{index}:0:1"))
            .collect();
        assert_eq!(
            parse(&list.join(",")),
            Err(JobError::TooManyJobs {
                count: MAX_JOBS + 1
            })
        );
    }

    #[test]
    fn parse_rejects_long_name() {
        let name = "N".repeat(MAX_NAME_LEN + 1);
        assert!(error(&format!("{name}:0:1")).contains("invalid name"));
        assert!(parse(&format!("{}:0:1", &name[1..])).is_ok());
    }

    /// A scheduler that never picks anything.
    struct Stuck;

    impl Scheduler for Stuck {
        fn name(&self) -> &str {
            "stuck"
        }
        fn add_task(&mut self, _task: TaskId, _params: TaskParams) {}
        fn make_ready(&mut self, _task: TaskId, _now: u64, _reason: ReadyReason) {}
        fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
            None
        }
        fn should_preempt(&mut self, _task: TaskId, _slice_used: u64, _now: u64) -> bool {
            false
        }
        fn on_stop(&mut self, _task: TaskId, _ran: u64, _reason: StopReason, _now: u64) {}
    }

    /// A scheduler that always picks task 0, ready or not.
    struct AlwaysZero;

    impl Scheduler for AlwaysZero {
        fn name(&self) -> &str {
            "always-zero"
        }
        fn add_task(&mut self, _task: TaskId, _params: TaskParams) {}
        fn make_ready(&mut self, _task: TaskId, _now: u64, _reason: ReadyReason) {}
        fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
            Some(0)
        }
        fn should_preempt(&mut self, _task: TaskId, _slice_used: u64, _now: u64) -> bool {
            false
        }
        fn on_stop(&mut self, _task: TaskId, _ran: u64, _reason: StopReason, _now: u64) {}
    }

    #[test]
    fn scheduler_that_picks_nothing_is_reported() {
        let jobs = parse("A:2:3").unwrap();
        assert_eq!(
            simulate(&jobs, &mut Stuck),
            Err(SimulationError::NothingPicked {
                scheduler: "stuck".into(),
                now: 2,
                ready: 1,
            })
        );
    }

    #[test]
    fn scheduler_that_picks_unready_task_is_reported() {
        let jobs = parse("A:0:1,B:0:1").unwrap();
        assert_eq!(
            simulate(&jobs, &mut AlwaysZero),
            Err(SimulationError::NotReady {
                scheduler: "always-zero".into(),
                now: 1,
                task: 0,
            })
        );
    }
}
