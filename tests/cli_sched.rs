//! End-to-end tests of `pagelab sched`, run through the real binary.

mod common;

use common::{assert_clean_failure, pagelab, Run};
use std::io::Read;
use std::process::{Command, Stdio};

const TEXTBOOK: &str = "A:0:24,B:0:3,C:0:3";

/// Runs `pagelab sched` with `args`, checks that it succeeded, and returns stdout.
fn sched_ok(args: &[&str]) -> String {
    let run = pagelab(&[&["sched"], args].concat());
    assert_eq!(
        run.status,
        Some(0),
        "pagelab sched {args:?}: {}",
        run.stderr
    );
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
    run.stdout
}

/// Runs `pagelab sched` with `args`, checks that it failed with status 2,
/// no output and one line on stderr, and returns that line.
fn sched_err(args: &[&str]) -> String {
    let run: Run = pagelab(&[&["sched"], args].concat());
    assert_eq!(run.status, Some(2), "pagelab sched {args:?}");
    assert!(run.stdout.is_empty(), "no partial output: {}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {:?}", run.stderr);
    run.stderr.trim_end().to_string()
}

#[test]
fn textbook_rr_text() {
    let stdout = sched_ok(&["--jobs", TEXTBOOK, "--sched", "rr", "--quantum", "4"]);
    assert!(
        stdout.contains("| A | B | C | A | A | A | A | A |\n0   4   7   10  14  18  22  26  30\n")
    );
    assert!(stdout.contains("average"));
    assert!(stdout.trim_end().ends_with("5.67"));
    insta::assert_snapshot!(stdout);
}

#[test]
fn textbook_fcfs_text() {
    let stdout = sched_ok(&["--jobs", TEXTBOOK]);
    assert!(stdout.trim_end().ends_with("17.00"));
    insta::assert_snapshot!(stdout);
}

#[test]
fn textbook_rr_json() {
    let stdout = sched_ok(&[
        "--jobs",
        TEXTBOOK,
        "--sched",
        "rr",
        "--quantum",
        "4",
        "--json",
    ]);
    let value: serde_json::Value =
        serde_json::from_str(&stdout).expect("stdout is one JSON object");
    let waiting: Vec<u64> = value["jobs"]
        .as_array()
        .expect("jobs is an array")
        .iter()
        .map(|job| job["waiting"].as_u64().expect("waiting is a number"))
        .collect();
    assert_eq!(waiting, [6, 4, 7]);
    assert_eq!(value["avg_waiting"].as_f64(), Some(17.0 / 3.0));
    for key in [
        "name",
        "arrival",
        "burst",
        "finish",
        "response",
        "turnaround",
        "waiting",
    ] {
        assert!(value["jobs"][0].get(key).is_some(), "jobs[0] lacks {key}");
    }
    insta::assert_snapshot!(stdout);
}

#[test]
fn io_and_priority_columns() {
    let stdout = sched_ok(&["--jobs", "A:0:2/3/2:1,B:0:4", "--sched", "priority"]);
    let header = stdout
        .lines()
        .find(|line| line.starts_with("job"))
        .expect("a table header");
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "job",
            "arrival",
            "burst",
            "io",
            "priority",
            "finish",
            "response",
            "turnaround",
            "waiting"
        ]
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn idle_time_in_chart() {
    let stdout = sched_ok(&["--jobs", "P1:0:4,P2:6:2", "--sched", "rr", "--quantum", "2"]);
    assert!(
        stdout.contains("| P1 | P1 | idle | P2 |\n0    2    4      6    8\n"),
        "{stdout}"
    );
}

#[test]
fn long_chart_wraps() {
    let jobs: Vec<String> = (0..30).map(|index| format!("J{index}:0:1")).collect();
    let stdout = sched_ok(&["--jobs", &jobs.join(",")]);
    let bars: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with('|'))
        .collect();
    assert!(bars.len() > 1, "{stdout}");
    for bar in bars {
        assert!(bar.len() <= 78, "{bar}");
    }
}

#[test]
fn every_scheduler_runs() {
    let names = [
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
    for name in names {
        let stdout = sched_ok(&["--jobs", "A:0:5/2/3:1,B:1:4,C:2:2:2", "--sched", name]);
        assert!(
            stdout.starts_with(&format!("scheduler: {name}")),
            "{stdout}"
        );
    }
}

#[test]
fn lottery_seed_is_deterministic() {
    let args = [
        "--jobs",
        "A:0:20,B:0:20:1",
        "--sched",
        "lottery",
        "--quantum",
        "1",
    ];
    let first = sched_ok(&[&args[..], &["--seed", "5"]].concat());
    let second = sched_ok(&[&args[..], &["--seed", "5"]].concat());
    assert_eq!(first, second);
}

#[test]
fn bad_input_is_rejected() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--jobs", "A:0:3", "--sched", "edf"],
            "unknown scheduler \"edf\"",
        ),
        (
            &["--jobs", "A:0:3", "--quantum", "2"],
            "--quantum does not apply to scheduler fcfs",
        ),
        (
            &["--jobs", "A:0:3", "--sched", "rr", "--quantum", "0"],
            "invalid --quantum 0",
        ),
        (&["--jobs", "A:0:0"], "has a burst of 0 ticks"),
        (&["--jobs", ""], "the job list is empty"),
        (&["--jobs", "A:0:3,A:1:1"], "appears more than once"),
        (&["--jobs", "A:0:3/1"], "ends with an I/O burst"),
        (&["--jobs", "A:zero:3"], "invalid arrival \"zero\""),
        (
            &[
                "--jobs", "A:0:3", "--sched", "mlfq", "--levels", "2", "--quanta", "1,2,3",
            ],
            "--levels 2 does not match",
        ),
        (
            &["--jobs", "A:0:3", "--sched", "mlfq", "--quanta", "1,0"],
            "invalid --quanta 1,0",
        ),
        (
            &["--jobs", "A:0:3", "--sched", "sjf", "--alpha", "0.3"],
            "apply only with --predict",
        ),
        (
            &[
                "--jobs",
                "A:0:3",
                "--sched",
                "srtf",
                "--predict",
                "--alpha",
                "1.5",
            ],
            "invalid --alpha 1.5",
        ),
        (
            &["--jobs", "A:0:3", "--sched", "lottery", "--tickets", "0"],
            "invalid --tickets 0",
        ),
        (
            &["--jobs", "A:0:3", "--sched", "priority", "--aging", "0"],
            "invalid --aging 0",
        ),
    ];
    for (args, expected) in cases {
        let message = sched_err(args);
        assert!(message.starts_with("error: "), "{message}");
        assert!(message.contains(expected), "{args:?}: {message}");
    }
}

#[test]
fn missing_jobs_option_is_usage_error() {
    let run = pagelab(&["sched", "--sched", "rr"]);
    assert_clean_failure(&run, "--jobs");
    assert_eq!(run.status, Some(2));
}

#[test]
fn closed_stdout_ends_quietly() {
    // 1000 one-tick jobs in JSON give about 300 KB, more than a pipe
    // buffers, so pagelab is still writing when the reader closes the pipe.
    let jobs: Vec<String> = (0..1000).map(|index| format!("J{index}:0:1")).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(["sched", "--json", "--jobs", &jobs.join(",")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pagelab starts");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("pagelab ends");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Splits a documented command line into arguments: words separated by
/// spaces, with double quotes around a word that contains spaces or commas.
fn split_command(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn documented_examples_match_output() {
    let docs = std::fs::read_to_string(common::repo_root().join("docs/scheduling.md"))
        .expect("docs/scheduling.md is readable");
    let mut checked = 0;
    for block in docs.split("```console\n").skip(1) {
        let block = block
            .split("```")
            .next()
            .expect("split yields a first part");
        let (command, expected) = block.split_once('\n').expect("a command line, then output");
        let words = split_command(command.trim_start_matches("$ "));
        assert_eq!(words[0], "pagelab", "{command}");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let run = pagelab(&args);
        assert_eq!(run.status, Some(0), "{command}: {}", run.stderr);
        assert_eq!(run.stdout, expected, "{command}");
        checked += 1;
    }
    assert_eq!(checked, 9, "every console example in docs/scheduling.md");
}
