//! End-to-end tests of `pagelab sweep`, run through the real binary.

use std::process::{Command, Output};

const SILBERSCHATZ: &str = "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1";
const BELADY: &str = "1 2 3 4 1 2 5 1 2 3 4 5";

fn pagelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(args)
        .output()
        .expect("the pagelab binary built by cargo can be started")
}

/// Runs `pagelab` with `args`, checks that it succeeded with nothing on
/// stderr, and returns stdout.
fn run_ok(args: &[&str]) -> String {
    let output = pagelab(args);
    assert!(
        output.status.success(),
        "pagelab {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty(), "no progress bar off a terminal");
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// Runs `pagelab sweep` with `args`, checks that it failed with status 2,
/// no stdout and one line on stderr, and returns that line.
fn sweep_err(args: &[&str]) -> String {
    let output = pagelab(&[&["sweep"], args].concat());
    assert_eq!(output.status.code(), Some(2), "pagelab sweep {args:?}");
    assert!(output.stdout.is_empty(), "no partial output");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(stderr.lines().count(), 1, "one-line error, got {stderr:?}");
    stderr.trim_end().to_string()
}

/// Returns the faults of `policy` at each frame count of a `--json` sweep.
fn json_faults(json: &serde_json::Value, policy: &str) -> Vec<u64> {
    json["results"][policy]
        .as_array()
        .unwrap_or_else(|| panic!("results has an array for {policy}"))
        .iter()
        .map(|point| point["faults"].as_u64().expect("faults is a number"))
        .collect()
}

#[test]
fn silberschatz_table() {
    let table = run_ok(&[
        "sweep",
        "--policy",
        "fifo,lru,opt",
        "--frames",
        "1..7",
        "--refs",
        SILBERSCHATZ,
    ]);
    insta::assert_snapshot!(table);
}

#[test]
fn belady_table_flags_anomaly() {
    let table = run_ok(&[
        "sweep", "--policy", "fifo,lru", "--frames", "1..5", "--refs", BELADY,
    ]);
    let row = table
        .lines()
        .find(|line| line.trim_start().starts_with("4 "))
        .expect("the table has a row for 4 frames");
    assert!(row.contains("10!"), "{row}");
    assert_eq!(table.matches('!').count(), 2, "one mark and the legend");
    insta::assert_snapshot!(table);
}

#[test]
fn csv_output() {
    let csv = run_ok(&[
        "sweep",
        "--policy",
        "fifo,clock:new_ref=0,lru",
        "--frames",
        "2..6:2",
        "--refs",
        BELADY,
        "--csv",
    ]);
    insta::assert_snapshot!(csv);
}

#[test]
fn json_output() {
    let json = run_ok(&[
        "sweep", "--policy", "fifo,opt", "--frames", "3..4", "--refs", BELADY, "--json",
    ]);
    insta::assert_snapshot!(json);
}

#[test]
fn golden_curves_match_replay() {
    let json = run_ok(&[
        "sweep",
        "--policy",
        "fifo,lru,opt",
        "--frames",
        "1..7",
        "--refs",
        SILBERSCHATZ,
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("--json prints JSON");
    let expected = [
        ("fifo", [20, 15, 15, 10, 9, 6, 6]),
        ("lru", [20, 17, 12, 8, 7, 6, 6]),
        ("opt", [20, 13, 9, 8, 7, 6, 6]),
    ];
    for (policy, counts) in expected {
        assert_eq!(json_faults(&json, policy), counts, "{policy}");
        for (index, &count) in counts.iter().enumerate() {
            let frames = (index + 1).to_string();
            let replayed = run_ok(&[
                "replay",
                "--policy",
                policy,
                "--frames",
                &frames,
                "--refs",
                SILBERSCHATZ,
                "--json",
            ]);
            let replayed: serde_json::Value = serde_json::from_str(&replayed).unwrap();
            assert_eq!(replayed["faults"], count, "{policy} replayed at {frames}");
        }
    }
}

#[test]
fn json_flags_belady_anomaly() {
    let json = run_ok(&[
        "sweep", "--policy", "fifo", "--frames", "1..5", "--refs", BELADY, "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let flagged: Vec<u64> = json["results"]["fifo"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|point| point["anomaly"] == true)
        .map(|point| point["frames"].as_u64().unwrap())
        .collect();
    assert_eq!(flagged, [4]);
}

#[test]
fn all_runs_every_policy() {
    let json = run_ok(&[
        "sweep",
        "--policy",
        "all",
        "--frames",
        "1..3",
        "--refs",
        SILBERSCHATZ,
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let policies = json["policies"].as_array().unwrap();
    assert_eq!(
        policies.len(),
        pagelab_vm::policy::NAMES.len(),
        "{policies:?}"
    );
    for policy in policies {
        let policy = policy.as_str().unwrap();
        let one_frame = &json["results"][policy][0]["faults"];
        if policy == "lirs" {
            // LIRS needs at least 2 frames, so its 1-frame cell is empty.
            assert!(one_frame.is_null(), "lirs with 1 frame: {one_frame}");
        } else {
            assert_eq!(one_frame, 20, "{policy} with 1 frame");
        }
    }
}

#[test]
fn refs_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("belady.refs");
    std::fs::write(&path, BELADY.replace(' ', "\n")).unwrap();
    let csv = run_ok(&[
        "sweep",
        "--policy",
        "fifo",
        "--frames",
        "3..4",
        "--refs-file",
        path.to_str().unwrap(),
        "--csv",
    ]);
    assert_eq!(
        csv,
        "policy,frames,faults,fault_rate,anomaly\nfifo,3,9,0.75,false\nfifo,4,10,0.8333333333333334,true\n"
    );
}

#[test]
fn plot_is_svg_with_one_curve_per_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curves.svg");
    run_ok(&[
        "sweep",
        "--policy",
        "fifo,lru,opt",
        "--frames",
        "1..7",
        "--refs",
        SILBERSCHATZ,
        "--plot",
        path.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(&path).unwrap();
    let document = roxmltree::Document::parse(&svg).expect("the plot is well-formed XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");

    // Axes and ticks are thin black lines; each curve is a 2-pixel line
    // through one point per frame count.
    let curves: Vec<roxmltree::Node> = document
        .descendants()
        .filter(|node| node.has_tag_name("polyline") && node.attribute("stroke-width") == Some("2"))
        .collect();
    assert_eq!(curves.len(), 3);
    for curve in &curves {
        let points = curve
            .attribute("points")
            .unwrap()
            .split_whitespace()
            .count();
        assert_eq!(points, 7);
    }

    let texts: Vec<String> = document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .map(|node| node.text().unwrap_or_default().trim().to_string())
        .collect();
    for label in ["fifo", "lru", "opt", "frames", "fault rate"] {
        assert!(
            texts.iter().any(|text| text == label),
            "{label} in {texts:?}"
        );
    }
}

#[test]
fn single_frame_count_plots() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.svg");
    run_ok(&[
        "sweep",
        "--policy",
        "lru",
        "--frames",
        "3",
        "--refs",
        BELADY,
        "--plot",
        path.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(&path).unwrap();
    roxmltree::Document::parse(&svg).expect("the plot is well-formed XML");
}

#[test]
fn bad_frame_ranges_are_rejected() {
    let cases = [
        ("0..4", "--frames: invalid frame range \"0..4\": frame counts start at 1"),
        ("6..2", "--frames: invalid frame range \"6..2\": the end 2 is below the start 6; write the smaller count first"),
        ("1..8:0", "--frames: invalid frame range \"1..8:0\": the step must be at least 1"),
        ("1..100000", "--frames: invalid frame range \"1..100000\": it holds 100000 frame counts, more than the limit of 4096; use a larger step"),
        ("many", "--frames: invalid frame range \"many\": the frame count \"many\" is not a whole number; write A..B, A..B:STEP or N, as in 1..64:4"),
    ];
    for (frames, message) in cases {
        let error = sweep_err(&["--policy", "fifo", "--frames", frames, "--refs", BELADY]);
        assert_eq!(error, format!("error: {message}"), "{frames}");
    }
}

#[test]
fn bad_inputs_are_rejected() {
    let error = sweep_err(&["--policy", "belady", "--frames", "1..3", "--refs", BELADY]);
    assert!(
        error.starts_with("error: unknown replacement policy \"belady\""),
        "{error}"
    );

    let error = sweep_err(&[
        "--policy",
        "fifo,lru,fifo",
        "--frames",
        "1..3",
        "--refs",
        BELADY,
    ]);
    assert_eq!(
        error,
        "error: --policy lists fifo twice; list each policy specification once"
    );

    let error = sweep_err(&["--policy", "fifo", "--frames", "1..3", "--refs", ""]);
    assert!(
        error.contains("--refs contains no page references"),
        "{error}"
    );

    let error = sweep_err(&["--policy", "fifo", "--frames", "1..3", "--refs", "1 x"]);
    assert!(
        error.starts_with("error: invalid reference string in --refs: line 1: \"x\""),
        "{error}"
    );

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.refs");
    let error = sweep_err(&[
        "--policy",
        "fifo",
        "--frames",
        "1..3",
        "--refs-file",
        missing.to_str().unwrap(),
    ]);
    assert!(
        error.starts_with("error: failed to read reference file"),
        "{error}"
    );

    let plot = dir.path().join("no-such-dir").join("plot.svg");
    let error = sweep_err(&[
        "--policy",
        "fifo",
        "--frames",
        "1..3",
        "--refs",
        BELADY,
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(error.starts_with("error: failed to write plot"), "{error}");
}

#[test]
fn csv_quotes_specs_with_commas() {
    let csv = run_ok(&[
        "sweep",
        "--policy",
        "lfu:tie=fifo,keep=true",
        "--frames",
        "3",
        "--refs",
        BELADY,
        "--csv",
    ]);
    let row = csv.lines().nth(1).expect("one data row");
    assert!(row.starts_with("\"lfu:tie=fifo,keep=true\",3,"), "{row}");
}

#[test]
fn trace_formats_are_read() {
    let csv = run_ok(&[
        "sweep",
        "--policy",
        "lru",
        "--frames",
        "4",
        "--refs-file",
        "tests/fixtures/traces/true.lackey",
        "--no-fetch",
        "--csv",
    ]);
    // The same numbers as `pagelab replay --frames 4 --no-fetch` on this trace.
    assert!(csv.contains("\nlru,4,9,"), "{csv}");
}
