//! End-to-end checks of every program in `programs/`. Each exits 0 under the
//! default options, except the ones in [`KILLED_BY_DESIGN`], and snapshots
//! pin its statistics and the start of its trace. Its recorded reference
//! string replays to the same number of page faults under the same policy.

mod common;

use common::{pagelab, program_args, programs, scratch_dir, stem, Run, KILLED_BY_DESIGN};

/// Number of trace lines kept in each program's trace snapshot.
const TRACE_LINES: usize = 40;

/// Asserts that `run` of `program` ended as the program intends: status 0,
/// or status 1 with its kill message when it is in [`KILLED_BY_DESIGN`].
fn assert_ends_as_designed(program: &str, run: &Run) {
    let name = stem(std::path::Path::new(program));
    match KILLED_BY_DESIGN.iter().find(|(stem, _)| *stem == name) {
        Some((_, message)) => {
            assert_eq!(run.status, Some(1), "{program}:\n{}", run.stderr);
            assert!(
                run.stderr.lines().any(|line| line.starts_with(message)),
                "{program} did not print {message:?}:\n{}",
                run.stderr
            );
        }
        None => assert_eq!(run.status, Some(0), "{program} failed:\n{}", run.stderr),
    }
}

#[test]
fn every_program_ends_as_designed() {
    for program in programs() {
        let path = program.to_string_lossy();
        let mut args = vec!["run", &path];
        args.extend(program_args(&program));
        let run = pagelab(&args);
        assert_ends_as_designed(&path, &run);
    }
}

#[test]
fn killed_programs_exist() {
    // Every program listed as killed by design is in programs/, so the list
    // cannot exempt a program that was renamed or deleted.
    let stems: Vec<String> = programs().iter().map(|path| stem(path)).collect();
    for (name, _) in KILLED_BY_DESIGN {
        assert!(
            stems.iter().any(|stem| stem == name),
            "{name}.asm is missing"
        );
    }
}

#[test]
fn program_stats_snapshots() {
    for program in programs() {
        let path = format!("programs/{}.asm", stem(&program));
        let mut args = vec!["run", &path, "--stats", "json"];
        args.extend(program_args(&program));
        let run = pagelab(&args);
        assert_ends_as_designed(&path, &run);
        let stats: serde_json::Value =
            serde_json::from_str(&run.stdout).expect("--stats json prints one JSON object");
        let pretty = serde_json::to_string_pretty(&stats).expect("a JSON value serialises");
        insta::assert_snapshot!(format!("stats_{}", stem(&program)), pretty);
    }
}

#[test]
fn program_trace_snapshots() {
    for program in programs() {
        let path = format!("programs/{}.asm", stem(&program));
        // The snapshot keeps only the start, so the trace can stop early.
        let limit = (TRACE_LINES * 10).to_string();
        let mut args = vec![
            "run",
            &path,
            "--trace",
            "-",
            "--trace-format",
            "text",
            "--trace-limit",
            &limit,
        ];
        args.extend(program_args(&program));
        let run = pagelab(&args);
        assert_ends_as_designed(&path, &run);
        let head: Vec<&str> = run.stdout.lines().take(TRACE_LINES).collect();
        insta::assert_snapshot!(format!("trace_{}", stem(&program)), head.join("\n"));
    }
}

#[test]
fn killed_program_trace_ends_with_the_fault() {
    for (name, _) in KILLED_BY_DESIGN {
        let path = format!("programs/{name}.asm");
        let run = pagelab(&["run", &path, "--trace", "-", "--trace-format", "text"]);
        assert_ends_as_designed(&path, &run);
        let lines: Vec<&str> = run.stdout.lines().collect();
        let tail = &lines[lines.len().saturating_sub(4)..];
        insta::assert_snapshot!(format!("trace_end_{name}"), tail.join("\n"));
    }
}

#[test]
fn stats_keys_are_complete() {
    let run = pagelab(&["run", "programs/hello.asm", "--stats", "json"]);
    let stats: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let counters = [
        "instructions",
        "ticks",
        "accesses",
        "tlb_hits",
        "tlb_misses",
        "page_faults",
        "major_faults",
        "minor_faults",
        "evictions",
        "swap_ins",
        "swap_outs",
        "file_page_ins",
        "file_page_outs",
    ];
    for key in counters {
        assert!(
            stats[key].is_u64(),
            "top-level {key} is missing or not a count"
        );
    }
    let processes = stats["processes"]
        .as_array()
        .expect("processes is an array");
    assert_eq!(processes.len(), 1);
    for key in ["pid", "name", "exit_code"].iter().chain(counters.iter()) {
        assert!(
            processes[0].get(*key).is_some(),
            "process key {key} is missing"
        );
    }
    assert_eq!(processes[0]["exit_code"], 0);
}

/// Runs `program` with `policy` and `frames`, records its references, and
/// checks that replaying them gives the run's page-fault count.
fn check_replay_matches_run(program: &str, policy: &str, frames: &str, dir: &std::path::Path) {
    let refs = dir.join(format!(
        "{}-{policy}-{frames}.refs",
        stem(std::path::Path::new(program))
    ));
    let refs = refs.to_string_lossy();
    let mut args = vec![
        "run",
        program,
        "--policy",
        policy,
        "--frames",
        frames,
        "--refs-out",
        &refs,
        "--stats",
        "json",
    ];
    args.extend(program_args(std::path::Path::new(program)));
    let run = pagelab(&args);
    assert_ends_as_designed(program, &run);
    let stats: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");

    let replay = pagelab(&[
        "replay",
        "--policy",
        policy,
        "--frames",
        frames,
        "--refs-file",
        &refs,
        "--json",
    ]);
    assert_eq!(replay.status, Some(0), "replay failed:\n{}", replay.stderr);
    let result: serde_json::Value = serde_json::from_str(replay.stdout.trim()).expect("valid JSON");

    assert_eq!(
        result["faults"], stats["page_faults"],
        "{program} with {policy} and {frames} frames: replay and run disagree"
    );
    assert_eq!(
        result["references"], stats["accesses"],
        "{program}: every access is one reference"
    );
    assert_eq!(
        result["write_backs"], stats["swap_outs"],
        "{program} with {policy} and {frames} frames: dirty evictions and swap writes disagree"
    );
}

#[test]
fn replay_reproduces_run_faults() {
    let dir = scratch_dir("replay_reproduces_run_faults");
    for program in programs() {
        let path = format!("programs/{}.asm", stem(&program));
        for policy in ["fifo", "lru", "clock"] {
            check_replay_matches_run(&path, policy, "8", &dir);
        }
    }
}

#[test]
fn replay_reproduces_run_faults_at_other_frame_counts() {
    let dir = scratch_dir("replay_reproduces_run_faults_at_other_frame_counts");
    for frames in ["1", "3", "5", "16"] {
        for policy in ["fifo", "lru", "clock", "random"] {
            check_replay_matches_run("programs/random_access.asm", policy, frames, &dir);
        }
    }
}

#[test]
fn runs_are_deterministic() {
    let args = [
        "run",
        "programs/random_access.asm",
        "--policy",
        "random",
        "--seed",
        "7",
        "--trace",
        "-",
        "--trace-format",
        "jsonl",
    ];
    let first = pagelab(&args);
    let second = pagelab(&args);
    assert_eq!(first.status, Some(0));
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.stderr, second.stderr);
}

#[test]
fn geometry_and_tlb_layout_keep_fault_counts() {
    // Deeper tables and another TLB layout change walks and TLB misses,
    // never which pages fault.
    let faults = |extra: &[&str]| {
        let mut args = vec!["run", "programs/random_access.asm", "--stats", "json"];
        args.extend_from_slice(extra);
        let run = pagelab(&args);
        assert_eq!(run.status, Some(0), "{extra:?}: {}", run.stderr);
        let stats: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
        (stats["page_faults"].clone(), stats["tlb_misses"].clone())
    };
    let (default_faults, _) = faults(&[]);
    for extra in [
        &["--levels", "3"][..],
        &["--split", "4,8,8"],
        &["--tlb-ways", "1"],
        &["--tlb-ways", "4", "--tlb-policy", "fifo"],
    ] {
        let (page_faults, _) = faults(extra);
        assert_eq!(page_faults, default_faults, "{extra:?}");
    }
    let (_, fully_associative) = faults(&["--tlb-entries", "8"]);
    let (_, direct_mapped) = faults(&["--tlb-entries", "8", "--tlb-ways", "1"]);
    assert!(
        direct_mapped.as_u64() >= fully_associative.as_u64(),
        "direct-mapped {direct_mapped} misses, fully associative {fully_associative}"
    );
}
