//! End-to-end tests of `pagelab replay`, run through the real binary.

use std::process::{Command, Output, Stdio};

const SILBERSCHATZ: &str = "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1";
const BELADY: &str = "1 2 3 4 1 2 5 1 2 3 4 5";

fn pagelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(args)
        .output()
        .expect("the pagelab binary built by cargo can be started")
}

/// Runs `pagelab replay` with `args`, checks that it succeeded, and returns stdout.
fn replay_ok(args: &[&str]) -> String {
    let output = pagelab(&[&["replay"], args].concat());
    assert!(
        output.status.success(),
        "pagelab replay {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty());
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// Runs `pagelab replay` with `args`, checks that it failed with status 2
/// and one line on stderr, and returns that line.
fn replay_err(args: &[&str]) -> String {
    let output = pagelab(&[&["replay"], args].concat());
    assert_eq!(output.status.code(), Some(2), "pagelab replay {args:?}");
    assert!(output.stdout.is_empty(), "no partial output");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(stderr.lines().count(), 1, "one-line error, got {stderr:?}");
    stderr.trim_end().to_string()
}

/// Returns the `faults` value of each JSON line, in order.
fn faults_per_line(json_lines: &str) -> Vec<u64> {
    json_lines
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
            value["faults"].as_u64().expect("faults is a number")
        })
        .collect()
}

#[test]
fn silberschatz_json_faults() {
    let stdout = replay_ok(&[
        "--policy",
        "fifo,lru,opt",
        "--frames",
        "3",
        "--refs",
        SILBERSCHATZ,
        "--json",
    ]);
    assert_eq!(faults_per_line(&stdout), vec![15, 12, 9]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_keys_in_documented_order() {
    let stdout = replay_ok(&[
        "--policy", "lru", "--frames", "2", "--refs", "1 2w 3", "--json",
    ]);
    let keys: Vec<&str> = stdout
        .trim_end()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(',')
        .map(|field| field.split(':').next().unwrap().trim_matches('"'))
        .collect();
    assert_eq!(
        keys,
        [
            "policy",
            "frames",
            "references",
            "hits",
            "faults",
            "evictions",
            "write_backs"
        ]
    );
}

#[test]
fn belady_anomaly_in_fifo() {
    let three = replay_ok(&[
        "--policy", "fifo", "--frames", "3", "--refs", BELADY, "--json",
    ]);
    let four = replay_ok(&[
        "--policy", "fifo", "--frames", "4", "--refs", BELADY, "--json",
    ]);
    assert_eq!(faults_per_line(&three), vec![9]);
    assert_eq!(faults_per_line(&four), vec![10]);
}

#[test]
fn silberschatz_table() {
    let stdout = replay_ok(&[
        "--policy",
        "fifo,lru,clock,random,opt",
        "--frames",
        "3",
        "--refs",
        SILBERSCHATZ,
    ]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn silberschatz_steps() {
    let stdout = replay_ok(&[
        "--policy",
        "fifo,lru,opt",
        "--frames",
        "3",
        "--refs",
        SILBERSCHATZ,
        "--steps",
    ]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn steps_with_writes_and_unused_frames() {
    let stdout = replay_ok(&[
        "--policy",
        "clock",
        "--frames",
        "5",
        "--refs",
        "10 2w 10 333w",
        "--steps",
    ]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn refs_file_matches_inline_refs() {
    let directory = std::env::temp_dir().join(format!("pagelab-replay-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("refs.txt");
    std::fs::write(&path, "# written by hand\n1\n2 w\n\n3\n1\n4 w\n2\n").unwrap();

    let from_file = replay_ok(&[
        "--policy",
        "fifo,lru,clock,opt",
        "--frames",
        "3",
        "--refs-file",
        path.to_str().unwrap(),
        "--json",
    ]);
    let inline = replay_ok(&[
        "--policy",
        "fifo,lru,clock,opt",
        "--frames",
        "3",
        "--refs",
        "1 2w 3 1 4w 2",
        "--json",
    ]);
    std::fs::remove_dir_all(&directory).unwrap();
    assert_eq!(from_file, inline);
}

#[test]
fn same_seed_same_random_result() {
    let args = |seed: &'static str| {
        [
            "--policy",
            "random",
            "--frames",
            "3",
            "--refs",
            SILBERSCHATZ,
            "--seed",
            seed,
            "--steps",
        ]
    };
    assert_eq!(replay_ok(&args("7")), replay_ok(&args("7")));
}

#[test]
fn errors_are_one_line() {
    let unknown = format!(
        "error: unknown replacement policy \"nosuch\"; known policies: {}",
        pagelab_vm::policy::NAMES.join(", ")
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["--policy", "fifo,nosuch", "--frames", "3", "--refs", "1"],
            &unknown,
        ),
        (
            &["--policy", "fifo", "--frames", "0", "--refs", "1"],
            "error: --frames 0 is invalid: replay needs at least one frame",
        ),
        (
            &["--policy", "fifo", "--frames", "16777217", "--refs", "1"],
            "error: --frames 16777217 is too large: replay supports at most 16777216 (2^24) frames",
        ),
        (
            &["--policy", "fifo", "--frames", "3", "--refs", "1 2\n3 x"],
            "error: invalid reference string in --refs: line 2: \"x\" is not a page reference; \
             expected a decimal page number or PID:VPN, optionally followed by `w` for a write \
             (as in `7`, `7 w` or `2:7 w`)",
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(replay_err(args), *expected, "{args:?}");
    }
}

#[test]
fn steps_table_size_is_limited() {
    // 2^21 references with 3 frames used need 3 · 2^21 cells, above the
    // 2^22 limit. The string goes through a file because it is too long
    // for one command-line argument.
    let directory = std::env::temp_dir().join(format!("pagelab-steps-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("refs.txt");
    std::fs::write(&path, "1\n2\n3\n4\n".repeat(1 << 19)).unwrap();

    let message = replay_err(&[
        "--policy",
        "fifo",
        "--frames",
        "3",
        "--refs-file",
        path.to_str().unwrap(),
        "--steps",
    ]);
    std::fs::remove_dir_all(&directory).unwrap();
    assert_eq!(
        message,
        "error: --steps is limited to 4194304 table cells, but 2097152 references over 3 frames \
         need 6291456; replay a shorter reference string or leave out --steps"
    );
}

#[test]
fn unreadable_refs_file() {
    let message = replay_err(&[
        "--policy",
        "fifo",
        "--frames",
        "3",
        "--refs-file",
        "/nonexistent/pagelab/refs.txt",
    ]);
    assert!(
        message.starts_with("error: failed to read reference file /nonexistent/pagelab/refs.txt: "),
        "{message}"
    );
}

#[test]
fn exactly_one_refs_source() {
    let neither = pagelab(&["replay", "--policy", "fifo", "--frames", "3"]);
    assert_eq!(neither.status.code(), Some(2));
    let both = pagelab(&[
        "replay",
        "--policy",
        "fifo",
        "--frames",
        "3",
        "--refs",
        "1",
        "--refs-file",
        "x",
    ]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn closed_stdout_ends_quietly() {
    // A step table of about 10 MB cannot fit in a pipe buffer, so the
    // writes fail once the reader is gone.
    let directory = std::env::temp_dir().join(format!("pagelab-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("refs.txt");
    std::fs::write(&path, "1\n2\n3\n4\n".repeat(250_000)).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args([
            "replay",
            "--policy",
            "fifo",
            "--frames",
            "3",
            "--steps",
            "--refs-file",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pagelab binary built by cargo can be started");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    std::fs::remove_dir_all(&directory).unwrap();

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn empty_reference_string_is_rejected() {
    for refs in ["", "   ", ",,"] {
        let message = replay_err(&["--policy", "fifo", "--frames", "3", "--refs", refs]);
        assert!(message.contains("--refs"), "{message}");
        assert!(message.contains("no page references"), "{message}");
    }

    let dir = std::env::temp_dir().join(format!("pagelab-empty-refs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    let path = dir.join("empty.refs");
    std::fs::write(&path, "\n\n").expect("the scratch file can be written");
    let path = path.to_string_lossy();
    let message = replay_err(&["--policy", "fifo", "--frames", "3", "--refs-file", &path]);
    assert!(message.contains(&*path), "{message}");
    assert!(message.contains("no page references"), "{message}");
}

#[test]
fn policy_list_may_contain_spaces() {
    let spaced = replay_ok(&[
        "--policy",
        "fifo, lru",
        "--frames",
        "3",
        "--refs",
        BELADY,
        "--json",
    ]);
    let plain = replay_ok(&[
        "--policy", "fifo,lru", "--frames", "3", "--refs", BELADY, "--json",
    ]);
    assert_eq!(spaced, plain);
}
