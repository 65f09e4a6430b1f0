//! Property tests of job-list mode over random job lists. The metric
//! identities hold under every scheduler, and round robin with a quantum
//! no job reaches is FCFS. SJF minimises average waiting among
//! non-preemptive orders, and SRTF and preemptive priority agree with a
//! naive model.

use pagelab_vm::jobs::{self, Job, Outcome};
use pagelab_vm::kernel::scheduler::{self, SchedulerParams, NAMES};
use proptest::prelude::*;

fn simulate(jobs: &[Job], name: &str, params: &SchedulerParams) -> Outcome {
    let mut scheduler = scheduler::new_with(name, params).expect("valid scheduler");
    jobs::simulate(jobs, scheduler.as_mut()).expect("every scheduler finishes")
}

/// Returns a strategy for one job: arrival 0..12, 1 to 3 CPU bursts of 1..9 ticks with I/O
/// bursts of 1..6 ticks between them, priority 0..5.
fn job_strategy() -> impl Strategy<Value = (u64, Vec<u64>, u32)> {
    (
        0u64..12,
        prop::collection::vec((1u64..9, 1u64..6), 1..4),
        0u32..5,
    )
        .prop_map(|(arrival, pairs, priority)| {
            let mut bursts = Vec::new();
            for (index, (cpu, io)) in pairs.iter().enumerate() {
                if index > 0 {
                    bursts.push(*io);
                }
                bursts.push(*cpu);
            }
            (arrival, bursts, priority)
        })
}

fn jobs_strategy() -> impl Strategy<Value = Vec<Job>> {
    prop::collection::vec(job_strategy(), 1..7).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(index, (arrival, bursts, priority))| Job {
                name: format!("J{index}"),
                arrival,
                bursts,
                priority,
            })
            .collect()
    })
}

fn params_strategy() -> impl Strategy<Value = SchedulerParams> {
    (
        1u64..6,
        prop::option::of(1u64..5),
        prop::option::of(3u64..30),
        any::<u64>(),
    )
        .prop_map(|(quantum, aging, boost, seed)| SchedulerParams {
            quantum,
            aging,
            mlfq_boost: boost,
            seed,
            ..SchedulerParams::default()
        })
}

/// Checks the metric identities and the Gantt chart of one outcome.
fn check_outcome(jobs: &[Job], outcome: &Outcome) -> Result<(), TestCaseError> {
    for (job, result) in jobs.iter().zip(&outcome.jobs) {
        let name = &job.name;
        prop_assert_eq!(result.burst, job.cpu_ticks(), "{}", name);
        prop_assert_eq!(result.turnaround, result.finish - job.arrival, "{}", name);
        prop_assert!(result.finish >= job.arrival + job.cpu_ticks() + job.io_ticks());
        prop_assert_eq!(
            result.waiting,
            result.turnaround - job.cpu_ticks() - job.io_ticks(),
            "{}",
            name
        );
        prop_assert!(result.response <= result.waiting, "{}", name);
    }

    // The segments tile the time line from 0 without gaps or overlaps.
    let mut expected_start = 0;
    for segment in &outcome.gantt {
        prop_assert_eq!(segment.start, expected_start);
        prop_assert!(segment.end > segment.start);
        expected_start = segment.end;
    }

    // No job runs before it arrives, and each gets exactly its CPU time.
    for job in jobs {
        let mine: Vec<_> = outcome
            .gantt
            .iter()
            .filter(|segment| segment.job.as_deref() == Some(job.name.as_str()))
            .collect();
        for segment in &mine {
            prop_assert!(segment.start >= job.arrival, "{} ran early", job.name);
        }
        let ran: u64 = mine.iter().map(|segment| segment.end - segment.start).sum();
        prop_assert_eq!(ran, job.cpu_ticks(), "{}", &job.name);
    }
    let busy: u64 = outcome
        .gantt
        .iter()
        .filter(|segment| segment.job.is_some())
        .map(|segment| segment.end - segment.start)
        .sum();
    prop_assert_eq!(busy, jobs.iter().map(Job::cpu_ticks).sum::<u64>());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn metrics_hold_for_every_scheduler(
        jobs in jobs_strategy(),
        params in params_strategy(),
    ) {
        for &name in NAMES {
            let outcome = simulate(&jobs, name, &params);
            check_outcome(&jobs, &outcome)?;
        }
    }

    #[test]
    fn rr_with_long_quantum_is_fcfs(jobs in jobs_strategy()) {
        let longest = jobs.iter().flat_map(|job| job.bursts.iter()).max().copied().unwrap_or(1);
        let params = SchedulerParams { quantum: longest, ..SchedulerParams::default() };
        let rr = simulate(&jobs, "rr", &params);
        let fcfs = simulate(&jobs, "fcfs", &params);
        prop_assert_eq!(rr.gantt, fcfs.gantt);
        prop_assert_eq!(rr.jobs, fcfs.jobs);
    }

    #[test]
    fn srtf_and_priority_match_model(jobs in jobs_strategy()) {
        // One CPU burst per job: the model has no I/O.
        let jobs: Vec<Job> = jobs
            .into_iter()
            .map(|job| Job { bursts: vec![job.bursts[0]], ..job })
            .collect();
        for (name, key) in [("srtf", Key::Remaining), ("priority", Key::Priority)] {
            let outcome = simulate(&jobs, name, &SchedulerParams::default());
            let got: Vec<(u64, u64)> = outcome
                .jobs
                .iter()
                .map(|job| (job.finish, job.arrival + job.response))
                .collect();
            prop_assert_eq!(got, preemptive_model(&jobs, key), "{}", name);
        }
    }

    #[test]
    fn sjf_minimises_average_waiting(bursts in prop::collection::vec(1u64..20, 1..6)) {
        let jobs: Vec<Job> = bursts
            .iter()
            .enumerate()
            .map(|(index, &burst)| Job {
                name: format!("J{index}"),
                arrival: 0,
                bursts: vec![burst],
                priority: 0,
            })
            .collect();
        let sjf = simulate(&jobs, "sjf", &SchedulerParams::default());
        let best = permutations(bursts.len())
            .into_iter()
            .map(|order| total_waiting(&order, &bursts))
            .min()
            .expect("at least one order");
        let sjf_total: u64 = sjf.jobs.iter().map(|job| job.waiting).sum();
        prop_assert_eq!(sjf_total, best);
    }
}

/// Which job a preemptive scheduler prefers, as in the naive model.
#[derive(Clone, Copy)]
enum Key {
    /// Shortest remaining time first.
    Remaining,
    /// Lowest priority number first.
    Priority,
}

/// Returns each job's (finish, first dispatch) under a naive model of SRTF
/// or preemptive priority scheduling, for jobs with one CPU burst each.
///
/// At each tick the running job keeps the CPU unless a ready job has a
/// strictly smaller key. A free CPU takes the ready job with the smallest
/// key, ties going to the job that became ready first. Jobs arriving at a
/// tick become ready, in list order, before a job preempted at that tick.
fn preemptive_model(jobs: &[Job], key: Key) -> Vec<(u64, u64)> {
    let n = jobs.len();
    let mut remaining: Vec<u64> = jobs.iter().map(|job| job.bursts[0]).collect();
    let mut ready_order: Vec<Option<u64>> = vec![None; n];
    let mut finish = vec![0; n];
    let mut first_run: Vec<Option<u64>> = vec![None; n];
    let mut next_order = 0;
    let mut running: Option<usize> = None;
    let mut done = 0;
    let key_of = |job: usize, remaining: &[u64]| match key {
        Key::Remaining => remaining[job],
        Key::Priority => u64::from(jobs[job].priority),
    };

    for now in 0.. {
        if let Some(job) = running.filter(|&job| remaining[job] == 0) {
            finish[job] = now;
            done += 1;
            running = None;
        }
        for (index, job) in jobs.iter().enumerate() {
            if job.arrival == now {
                ready_order[index] = Some(next_order);
                next_order += 1;
            }
        }
        if let Some(job) = running {
            let better_ready = (0..n).any(|other| {
                ready_order[other].is_some() && key_of(other, &remaining) < key_of(job, &remaining)
            });
            if better_ready {
                ready_order[job] = Some(next_order);
                next_order += 1;
                running = None;
            }
        }
        if running.is_none() {
            let chosen = (0..n)
                .filter_map(|job| {
                    ready_order[job].map(|order| (key_of(job, &remaining), order, job))
                })
                .min()
                .map(|(_, _, job)| job);
            if let Some(job) = chosen {
                ready_order[job] = None;
                first_run[job].get_or_insert(now);
                running = Some(job);
            }
        }
        if done == n {
            break;
        }
        if let Some(job) = running {
            remaining[job] -= 1;
        }
    }
    finish
        .into_iter()
        .zip(first_run)
        .map(|(finish, first)| (finish, first.expect("every job ran")))
        .collect()
}

/// Returns the total waiting time of jobs all arriving at 0 and run to
/// completion in `order`.
fn total_waiting(order: &[usize], bursts: &[u64]) -> u64 {
    let mut clock = 0;
    let mut total = 0;
    for &job in order {
        total += clock;
        clock += bursts[job];
    }
    total
}

/// Returns every order of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for shorter in permutations(n - 1) {
        for position in 0..=shorter.len() {
            let mut order = shorter.clone();
            order.insert(position, n - 1);
            all.push(order);
        }
    }
    all
}
