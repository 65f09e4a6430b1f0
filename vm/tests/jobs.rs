//! Job-list mode against known answers. Each case runs a job list through
//! a scheduler and compares the dispatches (Gantt chart) and the per-job
//! times with a worked example of Silberschatz, Galvin and Gagne,
//! "Operating System Concepts", CPU scheduling chapter, or with a case
//! worked out by hand in its comments.

use pagelab_vm::jobs::{self, Outcome};
use pagelab_vm::kernel::scheduler::{self, SchedulerParams};

/// Runs `list` through the scheduler `name` built with `params`.
fn run_with(list: &str, name: &str, params: &SchedulerParams) -> Outcome {
    let jobs = jobs::parse(list).expect("the test's job list is valid");
    let mut scheduler = scheduler::new_with(name, params).expect("the test's scheduler is valid");
    jobs::simulate(&jobs, scheduler.as_mut()).expect("the simulation finishes")
}

fn run(list: &str, name: &str) -> Outcome {
    run_with(list, name, &SchedulerParams::default())
}

fn with_quantum(quantum: u64) -> SchedulerParams {
    SchedulerParams {
        quantum,
        ..SchedulerParams::default()
    }
}

/// Returns the Gantt chart as (job or "idle", start, end) triples.
fn gantt(outcome: &Outcome) -> Vec<(String, u64, u64)> {
    outcome
        .gantt
        .iter()
        .map(|segment| {
            let job = segment.job.clone().unwrap_or_else(|| "idle".into());
            (job, segment.start, segment.end)
        })
        .collect()
}

fn segments(expected: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    expected
        .iter()
        .map(|&(job, start, end)| (job.to_string(), start, end))
        .collect()
}

/// Returns each job's waiting time, in job-list order.
fn waiting(outcome: &Outcome) -> Vec<u64> {
    outcome.jobs.iter().map(|job| job.waiting).collect()
}

const TEXTBOOK: &str = "A:0:24,B:0:3,C:0:3";

#[test]
fn fcfs_textbook() {
    let outcome = run(TEXTBOOK, "fcfs");
    assert_eq!(
        gantt(&outcome),
        segments(&[("A", 0, 24), ("B", 24, 27), ("C", 27, 30)])
    );
    assert_eq!(waiting(&outcome), [0, 24, 27]);
    assert_eq!(outcome.avg_waiting, 17.0);
    assert_eq!(outcome.avg_turnaround, 27.0);
    assert_eq!(outcome.avg_response, 17.0);
}

#[test]
fn rr_textbook_quantum_4() {
    // A runs alone from 10 to 30, one quantum at a time, as the textbook's
    // chart draws it: each expiry re-dispatches A.
    let outcome = run_with(TEXTBOOK, "rr", &with_quantum(4));
    assert_eq!(
        gantt(&outcome),
        segments(&[
            ("A", 0, 4),
            ("B", 4, 7),
            ("C", 7, 10),
            ("A", 10, 14),
            ("A", 14, 18),
            ("A", 18, 22),
            ("A", 22, 26),
            ("A", 26, 30),
        ])
    );
    assert_eq!(waiting(&outcome), [6, 4, 7]);
    assert_eq!(outcome.avg_waiting, 17.0 / 3.0);
    assert_eq!(
        outcome
            .jobs
            .iter()
            .map(|job| job.response)
            .collect::<Vec<_>>(),
        [0, 4, 7]
    );
}

#[test]
fn rr_idle_gap() {
    let outcome = run_with("P1:0:4,P2:6:2", "rr", &with_quantum(2));
    assert_eq!(
        gantt(&outcome),
        segments(&[("P1", 0, 2), ("P1", 2, 4), ("idle", 4, 6), ("P2", 6, 8)])
    );
    assert_eq!(waiting(&outcome), [0, 0]);
}

#[test]
fn fcfs_runs_earlier_arrival_first() {
    let outcome = run("P1:2:3,P2:1:2", "fcfs");
    assert_eq!(
        gantt(&outcome),
        segments(&[("idle", 0, 1), ("P2", 1, 3), ("P1", 3, 6)])
    );
    assert_eq!(waiting(&outcome), [1, 0]);
}

#[test]
fn rr_arrival_during_quantum() {
    // B arrives at 2 while A's first quantum runs; A keeps the CPU to 4.
    let outcome = run_with("A:0:6,B:2:3", "rr", &with_quantum(4));
    assert_eq!(
        gantt(&outcome),
        segments(&[("A", 0, 4), ("B", 4, 7), ("A", 7, 9)])
    );
}

#[test]
fn rr_arrival_at_quantum_end_queues_first() {
    // B arrives at 4, the tick A's quantum expires: B is queued before A.
    let outcome = run_with("A:0:6,C:1:4,B:4:2", "rr", &with_quantum(4));
    assert_eq!(
        gantt(&outcome),
        segments(&[("A", 0, 4), ("C", 4, 8), ("B", 8, 10), ("A", 10, 12)])
    );
}

#[test]
fn srtf_textbook() {
    let outcome = run("P1:0:8,P2:1:4,P3:2:9,P4:3:5", "srtf");
    assert_eq!(
        gantt(&outcome),
        segments(&[
            ("P1", 0, 1),
            ("P2", 1, 5),
            ("P4", 5, 10),
            ("P1", 10, 17),
            ("P3", 17, 26)
        ])
    );
    assert_eq!(waiting(&outcome), [9, 0, 15, 2]);
    assert_eq!(outcome.avg_waiting, 6.5);
}

#[test]
fn sjf_textbook() {
    let outcome = run("P1:0:6,P2:0:8,P3:0:7,P4:0:3", "sjf");
    assert_eq!(
        gantt(&outcome),
        segments(&[("P4", 0, 3), ("P1", 3, 9), ("P3", 9, 16), ("P2", 16, 24)])
    );
    assert_eq!(outcome.avg_waiting, 7.0);
}

#[test]
fn sjf_does_not_preempt() {
    let outcome = run("P1:0:8,P2:1:4,P3:2:9,P4:3:5", "sjf");
    assert_eq!(
        gantt(&outcome),
        segments(&[("P1", 0, 8), ("P2", 8, 12), ("P4", 12, 17), ("P3", 17, 26)])
    );
    assert_eq!(outcome.avg_waiting, 7.75);
}

#[test]
fn priority_textbook() {
    let list = "P1:0:10:3,P2:0:1:1,P3:0:2:4,P4:0:1:5,P5:0:5:2";
    for name in ["priority", "priority-np"] {
        let outcome = run(list, name);
        assert_eq!(
            gantt(&outcome),
            segments(&[
                ("P2", 0, 1),
                ("P5", 1, 6),
                ("P1", 6, 16),
                ("P3", 16, 18),
                ("P4", 18, 19)
            ]),
            "{name}"
        );
        assert_eq!(waiting(&outcome), [6, 0, 16, 18, 1], "{name}");
        assert_eq!(outcome.avg_waiting, 8.2, "{name}");
    }
}

#[test]
fn priority_preempts_on_better_arrival() {
    let list = "LOW:0:5:3,HIGH:2:2:1";
    let preemptive = run(list, "priority");
    assert_eq!(
        gantt(&preemptive),
        segments(&[("LOW", 0, 2), ("HIGH", 2, 4), ("LOW", 4, 7)])
    );
    let non_preemptive = run(list, "priority-np");
    assert_eq!(
        gantt(&non_preemptive),
        segments(&[("LOW", 0, 5), ("HIGH", 5, 7)])
    );
}

#[test]
fn priority_aging_lifts_waiting_job() {
    // Without aging, H2 (arriving at 5) runs before L. With one step per
    // tick, L has aged from 5 to 0 by tick 5, ties with H2, and wins the
    // tie because it became ready first.
    let list = "H1:0:5:0,L:0:2:5,H2:5:2:0";
    let plain = run(list, "priority-np");
    assert_eq!(
        gantt(&plain),
        segments(&[("H1", 0, 5), ("H2", 5, 7), ("L", 7, 9)])
    );
    let params = SchedulerParams {
        aging: Some(1),
        ..SchedulerParams::default()
    };
    let aged = run_with(list, "priority-np", &params);
    assert_eq!(
        gantt(&aged),
        segments(&[("H1", 0, 5), ("L", 5, 7), ("H2", 7, 9)])
    );
}

fn mlfq_params(quanta: &[u64], boost: Option<u64>) -> SchedulerParams {
    SchedulerParams {
        mlfq_quanta: Some(quanta.to_vec()),
        mlfq_boost: boost,
        ..SchedulerParams::default()
    }
}

#[test]
fn mlfq_demotes_whole_quantum_users() {
    // Both jobs use their level-0 quantum of 2 and drop to level 1, where
    // the quantum is 4.
    let outcome = run_with("A:0:7,B:0:3", "mlfq", &mlfq_params(&[2, 4], None));
    assert_eq!(
        gantt(&outcome),
        segments(&[
            ("A", 0, 2),
            ("B", 2, 4),
            ("A", 4, 8),
            ("B", 8, 9),
            ("A", 9, 10)
        ])
    );
}

#[test]
fn mlfq_new_job_preempts_lower_level() {
    // C enters level 0 at 5 and preempts A (level 1) after one tick of A's
    // quantum; A stays on level 1 behind B.
    let outcome = run_with("A:0:7,B:0:3,C:5:1", "mlfq", &mlfq_params(&[2, 4], None));
    assert_eq!(
        gantt(&outcome),
        segments(&[
            ("A", 0, 2),
            ("B", 2, 4),
            ("A", 4, 5),
            ("C", 5, 6),
            ("B", 6, 7),
            ("A", 7, 11)
        ])
    );
}

#[test]
fn mlfq_blocking_job_stays_on_top() {
    // I runs 1 tick then does I/O, never using its quantum of 2, so it
    // stays on level 0 and preempts the demoted CPU-bound job each time it
    // wakes.
    let outcome = run_with("CPU:0:8,I:0:1/2/1/2/1", "mlfq", &mlfq_params(&[2, 8], None));
    assert_eq!(
        gantt(&outcome),
        segments(&[
            ("CPU", 0, 2),
            ("I", 2, 3),
            ("CPU", 3, 5),
            ("I", 5, 6),
            ("CPU", 6, 8),
            ("I", 8, 9),
            ("CPU", 9, 11)
        ])
    );
}

#[test]
fn mlfq_boost_returns_jobs_to_top() {
    let list = "A:0:20,B:0:20";
    let plain = run_with(list, "mlfq", &mlfq_params(&[2, 100], None));
    assert_eq!(
        gantt(&plain),
        segments(&[("A", 0, 2), ("B", 2, 4), ("A", 4, 22), ("B", 22, 40)])
    );

    // Boosts at 10, 20 and 30 move both jobs to level 0; the running job's
    // level-0 quantum of 2 counts from the boost.
    let boosted = run_with(list, "mlfq", &mlfq_params(&[2, 100], Some(10)));
    assert_eq!(
        gantt(&boosted),
        segments(&[
            ("A", 0, 2),
            ("B", 2, 4),
            ("A", 4, 12),
            ("B", 12, 14),
            ("A", 14, 22),
            ("B", 22, 24),
            ("A", 24, 26),
            ("B", 26, 32),
            ("B", 32, 40)
        ])
    );
}

#[test]
fn io_burst_blocks_job() {
    // A computes 2, waits for I/O 3 (ticks 2-5) while B runs, then
    // computes 2 more once B is done.
    let outcome = run("A:0:2/3/2,B:0:4", "fcfs");
    assert_eq!(
        gantt(&outcome),
        segments(&[("A", 0, 2), ("B", 2, 6), ("A", 6, 8)])
    );
    let a = &outcome.jobs[0];
    assert_eq!((a.burst, a.io, a.finish), (4, 3, 8));
    assert_eq!(a.waiting, 1);
    assert_eq!(outcome.jobs[1].waiting, 2);
}

#[test]
fn io_burst_with_idle_cpu() {
    let outcome = run("A:0:2/3/1", "rr");
    assert_eq!(
        gantt(&outcome),
        segments(&[("A", 0, 2), ("idle", 2, 5), ("A", 5, 6)])
    );
    assert_eq!(outcome.jobs[0].waiting, 0);
}

#[test]
fn sjf_uses_each_burst_length() {
    // After its I/O, A's second burst (1 tick) is shorter than B's 5.
    let outcome = run("A:0:1/1/1,B:0:5,C:1:2", "sjf");
    assert_eq!(
        gantt(&outcome),
        segments(&[("A", 0, 1), ("C", 1, 3), ("A", 3, 4), ("B", 4, 9)])
    );
}

#[test]
fn lottery_same_seed_same_schedule() {
    let list = "A:0:30,B:0:30:1,C:3:20:2";
    let params = SchedulerParams {
        quantum: 2,
        seed: 7,
        ..SchedulerParams::default()
    };
    let first = run_with(list, "lottery", &params);
    let second = run_with(list, "lottery", &params);
    assert_eq!(first, second);
}

/// Returns the CPU ticks each job got before tick `until`.
fn cpu_before(outcome: &Outcome, job: &str, until: u64) -> u64 {
    outcome
        .gantt
        .iter()
        .filter(|segment| segment.job.as_deref() == Some(job))
        .map(|segment| segment.end.min(until).saturating_sub(segment.start))
        .sum()
}

#[test]
fn lottery_shares_follow_tickets() {
    // 100 tickets against 50: A should get 2/3 of the first 3000 ticks,
    // 2000. The standard deviation of a binomial count over 3000 one-tick
    // draws is about 26, so 2000 ± 150 fails only for a broken lottery.
    let list = "A:0:5000,B:0:5000:1";
    let params = SchedulerParams {
        quantum: 1,
        seed: 12_345,
        ..SchedulerParams::default()
    };
    let outcome = run_with(list, "lottery", &params);
    let a = cpu_before(&outcome, "A", 3000);
    assert!((1850..=2150).contains(&a), "A got {a} of 3000 ticks");
}

#[test]
fn stride_shares_follow_tickets() {
    // Stride scheduling is exact up to one quantum per job.
    let list = "A:0:5000,B:0:5000:1,C:0:5000:3";
    let outcome = run_with(list, "stride", &with_quantum(1));
    // Tickets 100, 50 and 25: shares 4/7, 2/7 and 1/7 of 2800 ticks.
    let expected = [("A", 1600), ("B", 800), ("C", 400)];
    for (job, share) in expected {
        let got = cpu_before(&outcome, job, 2800);
        assert!(
            got.abs_diff(share) <= 2,
            "{job} got {got}, expected {share}"
        );
    }
}

#[test]
fn stride_newcomer_does_not_monopolise() {
    // B arrives at 100 with pass 0; it starts at A's pass instead, so the
    // two alternate at once.
    let outcome = run_with("A:0:200,B:100:10", "stride", &with_quantum(1));
    let b_start = outcome
        .gantt
        .iter()
        .find(|segment| segment.job.as_deref() == Some("B"))
        .map(|segment| segment.start);
    assert_eq!(b_start, Some(100));
    assert_eq!(cpu_before(&outcome, "B", 120), 10);
    assert_eq!(cpu_before(&outcome, "A", 120), 110);
}

#[test]
fn sjf_predicts_hidden_bursts() {
    // Every first prediction is τ(0) = 10, so A, B, C start in list order.
    // A's 6-tick burst gives τ = 0.5·6 + 0.5·10 = 8, B's 2-tick burst
    // gives τ = 6. At 8, A (8) beats C (10); at 14, B (6) beats C (10).
    let jobs = jobs::parse("A:0:6/1/6,B:0:2/5/2,C:0:9").unwrap();
    let mut sjf = scheduler::new("sjf").unwrap();
    let outcome = jobs::simulate_with(&jobs, sjf.as_mut(), jobs::Bursts::Hidden).unwrap();
    assert_eq!(
        gantt(&outcome),
        segments(&[
            ("A", 0, 6),
            ("B", 6, 8),
            ("A", 8, 14),
            ("B", 14, 16),
            ("C", 16, 25)
        ])
    );

    // Told the bursts, SJF runs B's 2-tick burst first.
    let known = run("A:0:6/1/6,B:0:2/5/2,C:0:9", "sjf");
    assert_eq!(known.gantt[0].job.as_deref(), Some("B"));
}
