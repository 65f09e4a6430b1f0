//! Processes that fork, wait, sleep and yield, run through the CLI, and
//! copy-on-write counted against the pages each process writes.

mod common;

use common::pagelab;
use serde_json::Value;
use std::collections::BTreeSet;

/// Runs `args` with `--stats json`; returns the exit status, the guest's
/// console output (stderr with JSON stats) and the statistics.
fn run_json(args: &[&str]) -> (Option<i32>, String, Value) {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--stats", "json"]);
    let run = pagelab(&all);
    let stats = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|_| panic!("{args:?} printed no JSON:\n{}", run.stderr));
    (run.status, run.stderr, stats)
}

fn exit_codes(stats: &Value) -> Vec<Value> {
    stats["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["exit_code"].clone())
        .collect()
}

#[test]
fn cow_faults_match_pages_written() {
    let run = pagelab(&[
        "run",
        "programs/fork_cow.asm",
        "--trace",
        "-",
        "--trace-format",
        "jsonl",
        "--trace-filter",
        "cow",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let mut written = BTreeSet::new();
    let mut events = 0;
    for line in run.stdout.lines().filter(|line| line.starts_with('{')) {
        let event: Value = serde_json::from_str(line).unwrap();
        written.insert((event["pid"].as_u64(), event["vpn"].as_u64()));
        events += 1;
    }
    // The parent writes pages 0 and 1 after the fork, the child 1 and 2.
    assert_eq!(written.len(), 4, "{written:?}");
    assert_eq!(events, 4);

    let (status, console, stats) = run_json(&["programs/fork_cow.asm"]);
    assert_eq!(status, Some(0));
    assert!(console.contains("child ok\n"), "{console}");
    assert!(console.contains("parent ok, child status 0\n"), "{console}");
    assert_eq!(stats["cow_faults"], 4);
    assert_eq!(stats["processes"][0]["cow_faults"], 2);
    assert_eq!(stats["processes"][1]["cow_faults"], 2);
}

#[test]
fn family_calls_return_documented_values() {
    let run = pagelab(&["run", "tests/fixtures/fork_family.asm"]);
    // -1 (no child), 0 (no parent), then the first child's ppid 1 and pid
    // 2, its status 3 reaped from a zombie, the second child's status 5,
    // and -1 once every child is reaped.
    assert!(
        run.stdout.starts_with("-1 0 1 2 3 5 -1\n"),
        "{}",
        run.stdout
    );
    assert!(run
        .stderr
        .contains("process 1 (fork_family.asm) exited with status 0"));
    assert!(run
        .stderr
        .contains("process 2 (fork_family.asm) exited with status 3"));
    assert_eq!(run.status, Some(1), "children exit non-zero on purpose");
}

#[test]
fn shared_pages_survive_eviction() {
    for frames in ["1", "2", "3", "8"] {
        for policy in ["fifo", "lru", "clock"] {
            let (status, _, stats) = run_json(&[
                "tests/fixtures/fork_evict.asm",
                "--frames",
                frames,
                "--policy",
                policy,
            ]);
            assert_eq!(status, Some(0), "{policy} with {frames} frames: {stats}");
            assert_eq!(exit_codes(&stats), vec![0, 0], "{policy}, {frames} frames");
        }
    }
    let (_, _, stats) = run_json(&["tests/fixtures/fork_evict.asm", "--frames", "2"]);
    assert!(stats["swap_outs"].as_u64().unwrap() > 0, "{stats}");
}

#[test]
fn sleep_orders_wakeups() {
    let run = pagelab(&["run", "tests/fixtures/sleepers.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().next(), Some("cp"));
    let (_, _, stats) = run_json(&["tests/fixtures/sleepers.asm"]);
    assert!(stats["elapsed_ticks"].as_u64().unwrap() >= 300);
    assert!(stats["idle_ticks"].as_u64().unwrap() > 0);
}

#[test]
fn yield_alternates_under_fcfs() {
    let run = pagelab(&["run", "tests/fixtures/yielders.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().next(), Some("121212"));
}

#[test]
fn fork_fails_when_tables_run_out() {
    let (status, console, stats) =
        run_json(&["tests/fixtures/fork_bomb.asm", "--page-table-frames", "12"]);
    assert_eq!(status, Some(0));
    // Each process needs a root and one lower table: 2 for the parent and
    // 2 per child fill 12 frames with 5 children.
    assert_eq!(console.lines().next(), Some("5"));
    assert_eq!(exit_codes(&stats).len(), 6);
}

#[test]
fn wait_reports_killed_child() {
    let run = pagelab(&["run", "tests/fixtures/fork_killed_child.asm"]);
    assert_eq!(run.stdout.lines().next(), Some("-2"));
    assert!(
        run.stderr
            .contains("process 2 (fork_killed_child.asm) killed: segmentation fault"),
        "{}",
        run.stderr
    );
    assert_eq!(run.status, Some(1));
}

#[test]
fn producer_consumer_sums_every_item() {
    for extra in [
        vec![],
        vec!["--frames", "2"],
        vec!["--switch-cost", "0", "--tlb-flush-on-switch"],
    ] {
        let mut args = vec!["run", "programs/producer_consumer.asm"];
        args.extend(extra.iter().copied());
        let run = pagelab(&args);
        assert_eq!(run.status, Some(0), "{extra:?}: {}", run.stderr);
        assert_eq!(run.stdout.lines().next(), Some("210"), "{extra:?}");
    }
}

#[test]
fn thrash_copies_collapse_utilization() {
    let utilization = |copies: &str| {
        let (status, _, stats) =
            run_json(&["programs/thrash.asm", "--copies", copies, "--frames", "16"]);
        assert_eq!(status, Some(0));
        stats["cpu_utilization"].as_f64().unwrap()
    };
    let (one, three, six) = (utilization("1"), utilization("3"), utilization("6"));
    assert!(
        three > one,
        "overlapping I/O raises utilisation: {one} -> {three}"
    );
    assert!(six < one, "thrashing collapses it: {three} -> {six}");
}
