//! Console I/O through `--stdin`: blocking and non-blocking reads, writes
//! to fds 1 and 2, and the console device's pace.

mod common;

use common::{pagelab, scratch_dir};

fn input_file(test: &str, bytes: &[u8]) -> String {
    let path = scratch_dir(test).join("input.txt");
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn io_bound_echoes_its_input() {
    let input = input_file("io_bound_echoes_its_input", b"hello, pagelab\n");
    let run = pagelab(&["run", "programs/io_bound.asm", "--stdin", &input]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "hello, pagelab\n");
    assert_eq!(run.stderr.lines().next(), Some("15"), "{}", run.stderr);
}

#[test]
fn reads_wait_for_the_console() {
    let input = input_file("reads_wait_for_the_console", &[b'x'; 20]);
    let stats = |latency: &str| {
        let run = pagelab(&[
            "run",
            "programs/io_bound.asm",
            "--stdin",
            &input,
            "--console-latency",
            latency,
            "--stats",
            "json",
        ]);
        assert_eq!(run.status, Some(0), "{}", run.stderr);
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()
    };
    let slow = stats("1000");
    let fast = stats("0");
    // The 20th byte arrives at tick 20 000.
    assert!(slow["elapsed_ticks"].as_u64().unwrap() >= 20_000);
    assert!(slow["idle_ticks"].as_u64().unwrap() > 15_000);
    // A read that waits runs its `sys read` again when it wakes: once per byte here.
    assert_eq!(
        slow["instructions"].as_u64().unwrap(),
        fast["instructions"].as_u64().unwrap() + 20
    );
    assert!(fast["elapsed_ticks"].as_u64().unwrap() < 2_000);
}

#[test]
fn nonblocking_read_reports_no_input() {
    let input = input_file("nonblocking_read_reports_no_input", b"abc");
    let polled = pagelab(&[
        "run",
        "tests/fixtures/read_nb.asm",
        "--stdin",
        &input,
        "--console-latency",
        "500",
    ]);
    assert_eq!(polled.status, Some(0), "{}", polled.stderr);
    assert_eq!(polled.stdout, "abc 1 -1 -1 0\n");

    let ready = pagelab(&[
        "run",
        "tests/fixtures/read_nb.asm",
        "--stdin",
        &input,
        "--console-latency",
        "0",
    ]);
    assert_eq!(ready.stdout, "abc 0 -1 -1 0\n", "input is there at once");
}

#[test]
fn missing_stdin_file_is_reported() {
    let run = pagelab(&["run", "programs/io_bound.asm", "--stdin", "no/such/file"]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr
            .starts_with("error: cannot read --stdin file no/such/file"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn endless_stdin_file_is_rejected() {
    // /dev/zero never ends: reading all of it would exhaust host memory.
    let run = pagelab(&["run", "programs/io_bound.asm", "--stdin", "/dev/zero"]);
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: --stdin file /dev/zero is larger than 67108864 bytes"),
        "{}",
        run.stderr
    );
}
