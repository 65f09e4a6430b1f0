//! `--page-tables-in-pool`, `--scope`, `--allocation` and `--frame-limit`
//! end to end: every program runs in the new modes, `pagelab config`
//! shows them, and every bad combination gets one clear message.

mod common;

use common::{assert_clean_failure, designed_status, pagelab, program_args, programs, stem};

/// The mode combinations every program must run under.
const MODES: &[&[&str]] = &[
    &["--page-tables-in-pool"],
    &["--scope", "local"],
    &["--scope", "local", "--page-tables-in-pool"],
    &[
        "--scope",
        "local",
        "--allocation",
        "proportional",
        "--page-tables-in-pool",
    ],
];

#[test]
fn every_program_runs_in_every_mode() {
    for path in programs() {
        let path_text = path.to_string_lossy();
        // sparse_heap needs 33 page tables, which fill 8 frames in the pool
        // (sparse_heap_runs_out_of_frames_for_tables shows that).
        let frames = if stem(&path) == "sparse_heap" {
            "40"
        } else {
            "8"
        };
        for mode in MODES {
            let mut args = vec![
                "run",
                path_text.as_ref(),
                "--frames",
                frames,
                "--stats",
                "json",
            ];
            args.extend_from_slice(mode);
            args.extend(program_args(&path));
            let run = pagelab(&args);
            assert_eq!(
                run.status,
                Some(designed_status(&path)),
                "{} {mode:?}:\n{}",
                stem(&path),
                run.stderr
            );
        }
    }
}

#[test]
fn sparse_heap_runs_out_of_frames_for_tables() {
    let reserved = pagelab(&["run", "programs/sparse_heap.asm", "--frames", "8"]);
    assert_eq!(reserved.status, Some(0), "{}", reserved.stderr);

    let pooled = pagelab(&[
        "run",
        "programs/sparse_heap.asm",
        "--frames",
        "8",
        "--page-tables-in-pool",
    ]);
    assert_clean_failure(&pooled, "out of frames: all 8 frames contain page tables");

    let one = pagelab(&[
        "run",
        "programs/hello.asm",
        "--frames",
        "1",
        "--page-tables-in-pool",
    ]);
    assert_clean_failure(&one, "out of frames: the only frame contains a page table");
    assert!(one.stderr.contains("machine: 1 frame of"), "{}", one.stderr);

    let enough = pagelab(&[
        "run",
        "programs/sparse_heap.asm",
        "--frames",
        "40",
        "--page-tables-in-pool",
    ]);
    assert_eq!(enough.status, Some(0), "{}", enough.stderr);
}

#[test]
fn fork_and_threads_under_local_scope() {
    for (program, expected) in [
        ("programs/fork_cow.asm", "parent ok, child status 0"),
        ("programs/threads_lock.asm", "0 updates lost"),
    ] {
        for mode in MODES {
            let mut args = vec!["run", program, "--frames", "8"];
            args.extend_from_slice(mode);
            let run = pagelab(&args);
            assert_eq!(run.status, Some(0), "{program} {mode:?}:\n{}", run.stderr);
            assert!(
                run.stdout.contains(expected),
                "{program} {mode:?}:\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn summary_names_the_modes() {
    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--scope",
        "local",
        "--page-tables-in-pool",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(", page tables in the frames, local scope (equal allocation)"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_shows_the_modes() {
    let run = pagelab(&[
        "config",
        "--scope",
        "local",
        "--allocation",
        "proportional",
        "--frame-limit",
        "2=3",
        "--page-tables-in-pool",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    insta::assert_snapshot!("config_local_pool", run.stdout);

    let run = pagelab(&[
        "config",
        "--scope",
        "local",
        "--frame-limit",
        "1=2",
        "--json",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["scope"], "local");
    assert_eq!(value["allocation"], "equal");
    assert_eq!(value["frame_limits"]["1"], 2);
    assert_eq!(value["page_tables_in_pool"], false);
    assert_eq!(value["page_table_frames"], 64);

    let run = pagelab(&["config", "--json", "--page-tables-in-pool", "--frames", "4"]);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["scope"], "global");
    assert_eq!(value["allocation"], serde_json::Value::Null);
    assert_eq!(value["page_tables_in_pool"], true);
    assert_eq!(value["page_table_frames"], 0);
    assert_eq!(value["physical_bytes"], 4 * 4096);
}

#[test]
fn bad_combinations_are_rejected() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "allocation_without_local",
            &["--allocation", "equal"],
            "add --scope local",
        ),
        (
            "limit_without_local",
            &["--frame-limit", "1=2"],
            "add --scope local",
        ),
        (
            "limit_zero",
            &["--scope", "local", "--frame-limit", "1=0"],
            "at least 1",
        ),
        (
            "limit_above_frames",
            &["--scope", "local", "--frame-limit", "1=9"],
            "raise --frames",
        ),
        (
            "limits_add_up_above_frames",
            &[
                "--scope",
                "local",
                "--frame-limit",
                "1=5",
                "--frame-limit",
                "2=5",
            ],
            "add up to 10",
        ),
        (
            "limit_for_missing_pid",
            &["--scope", "local", "--frame-limit", "2=2"],
            "names no process",
        ),
        (
            "limit_malformed",
            &["--scope", "local", "--frame-limit", "1:2"],
            "PID=N",
        ),
        (
            "limit_repeated",
            &[
                "--scope",
                "local",
                "--frame-limit",
                "1=2",
                "--frame-limit",
                "1=3",
            ],
            "more than once",
        ),
        ("scope_unknown", &["--scope", "regional"], "global or local"),
        (
            "allocation_unknown",
            &["--scope", "local", "--allocation", "fair"],
            "equal or proportional",
        ),
        (
            "opt_under_local",
            &["--scope", "local", "--policy", "opt"],
            "--scope global",
        ),
        (
            "pool_with_reserved_frames",
            &["--page-tables-in-pool", "--page-table-frames", "8"],
            "--page-table-frames",
        ),
    ];
    for (name, options, expected) in cases {
        let mut args = vec!["run", "programs/hello.asm"];
        args.extend_from_slice(options);
        let run = pagelab(&args);
        assert_clean_failure(&run, expected);
        assert_eq!(run.status, Some(2), "{name}: {}", run.stderr);
        insta::assert_snapshot!(*name, run.stderr);
    }
}

#[test]
fn too_many_processes_for_root_tables() {
    let run = pagelab(&[
        "run",
        "programs/hello.asm*3",
        "--page-tables-in-pool",
        "--frames",
        "2",
    ]);
    assert_clean_failure(
        &run,
        "3 processes need a frame each for their root page tables",
    );
    assert_eq!(run.status, Some(2));
}

#[test]
fn sparse_tables_kill_with_advice() {
    // Three root tables fill the 3 frames, so the first fault finds no
    // frame for a leaf table and no page to evict.
    let run = pagelab(&[
        "run",
        "programs/hello.asm*3",
        "--page-tables-in-pool",
        "--frames",
        "3",
    ]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("contain page tables, which are pinned"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("raise --frames"), "{}", run.stderr);
}

/// Returns the page faults of each process of a `--stats json` run.
fn faults_per_process(options: &[&str]) -> Vec<u64> {
    let mut args = vec![
        "run",
        "programs/thrash.asm*2",
        "programs/cpu_bound.asm",
        "--sched",
        "rr",
        "--frames",
        "9",
        "--stats",
        "json",
    ];
    args.extend_from_slice(options);
    let run = pagelab(&args);
    assert_eq!(run.status, Some(0), "{options:?}: {}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    value["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|process| process["page_faults"].as_u64().unwrap())
        .collect()
}

#[test]
fn frame_limit_protects_a_working_set() {
    // The counts docs/machine.md shows.
    assert_eq!(faults_per_process(&[]), vec![59, 57, 1]);
    assert_eq!(faults_per_process(&["--scope", "local"]), vec![45, 58, 1]);
    let limited = [
        "--scope",
        "local",
        "--frame-limit",
        "1=5",
        "--frame-limit",
        "2=2",
    ];
    assert_eq!(faults_per_process(&limited), vec![5, 121, 1]);
}
