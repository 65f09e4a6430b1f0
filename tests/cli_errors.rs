//! Bad programs and bad input: each ends with one clear message and a
//! non-zero exit status, never a panic or a hang.

mod common;

use common::{assert_clean_failure, pagelab, scratch_dir};

#[test]
fn malformed_source_reports_every_error() {
    let run = pagelab(&["run", "tests/fixtures/malformed.asm"]);
    assert_clean_failure(&run, "malformed.asm:5:");
    assert!(
        run.stderr.contains("malformed.asm:6:"),
        "second error missing:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("malformed.asm:7:"),
        "third error missing:\n{}",
        run.stderr
    );
    assert_eq!(run.status, Some(2));
    insta::assert_snapshot!("malformed_source", run.stderr);
}

#[test]
fn truncated_object_is_rejected() {
    let dir = scratch_dir("truncated_object_is_rejected");
    let object = dir.join("hello.pbc");
    let object = object.to_string_lossy();
    let assembled = pagelab(&["asm", "programs/hello.asm", "-o", &object]);
    assert_eq!(assembled.status, Some(0), "{}", assembled.stderr);

    let bytes = std::fs::read(&*object).expect("asm wrote the object");
    for len in [0, 3, 10, 47, bytes.len() / 2, bytes.len() - 1] {
        let truncated = dir.join(format!("truncated-{len}.pbc"));
        std::fs::write(&truncated, &bytes[..len]).expect("the scratch file can be written");
        let run = pagelab(&["run", &truncated.to_string_lossy()]);
        assert_eq!(
            run.status,
            Some(2),
            "truncated to {len} bytes:\n{}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(
            run.stderr.starts_with("error:"),
            "truncated to {len} bytes:\n{}",
            run.stderr
        );
    }

    let mut corrupted = bytes.clone();
    corrupted[60] ^= 0xff;
    let path = dir.join("corrupted.pbc");
    std::fs::write(&path, &corrupted).expect("the scratch file can be written");
    let run = pagelab(&["run", &path.to_string_lossy()]);
    assert_clean_failure(&run, "corrupted");
}

#[test]
fn null_load_is_a_segmentation_fault() {
    let run = pagelab(&["run", "tests/fixtures/null_load.asm"]);
    assert_clean_failure(&run, "segmentation fault");
    assert!(
        run.stderr.contains("0x00000000"),
        "address missing:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("null_load.asm:5"),
        "source line missing:\n{}",
        run.stderr
    );
    assert_eq!(run.status, Some(1));
}

#[test]
fn store_to_text_is_a_segmentation_fault() {
    let run = pagelab(&["run", "tests/fixtures/store_to_text.asm"]);
    assert_clean_failure(&run, "store_to_text.asm:5");
    assert_eq!(run.status, Some(1));
}

#[test]
fn division_by_zero_is_a_guest_fault() {
    let run = pagelab(&["run", "tests/fixtures/divide_by_zero.asm"]);
    assert_clean_failure(&run, "division by zero");
    assert!(
        run.stderr.contains("divide_by_zero.asm:6"),
        "source line missing:\n{}",
        run.stderr
    );
    assert_eq!(run.status, Some(1));
}

#[test]
fn infinite_loop_stops_at_max_ticks() {
    let run = pagelab(&[
        "run",
        "tests/fixtures/infinite_loop.asm",
        "--max-ticks",
        "100000",
    ]);
    assert_clean_failure(&run, "--max-ticks");
    assert_eq!(run.status, Some(1));
}

#[test]
fn nonzero_guest_exit_fails_the_run() {
    let run = pagelab(&["run", "tests/fixtures/exit_status.asm"]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
}

#[test]
fn missing_file_is_reported() {
    let run = pagelab(&["run", "tests/fixtures/no_such_file.asm"]);
    assert_clean_failure(&run, "no_such_file.asm");
    assert_eq!(run.status, Some(2));
}

#[test]
fn bad_options_are_rejected() {
    for args in [
        &["run", "programs/hello.asm", "--frames", "0"][..],
        &["run", "programs/hello.asm", "--policy", "nonsense"],
        &["config", "--policy", "opt"],
        &["run", "programs/hello.asm", "--split", "4,16"],
        &[
            "run",
            "programs/hello.asm",
            "--levels",
            "2",
            "--split",
            "10,10",
        ],
        &["run", "programs/hello.asm", "--va-bits", "16"],
        &["run", "programs/hello.asm", "--tlb-ways", "3"],
        &["run", "programs/hello.asm", "--tlb-policy", "plru"],
        &[
            "run",
            "programs/hello.asm",
            "--trace-filter",
            "nonsense",
            "--trace",
            "-",
        ],
        &[
            "replay", "--policy", "fifo", "--frames", "0", "--refs", "1 2",
        ],
        &[
            "replay", "--policy", "fifo", "--frames", "3", "--refs", "1 x 2",
        ],
    ] {
        let run = pagelab(args);
        assert_ne!(run.status, Some(0), "{args:?} was accepted");
        assert!(
            !run.stderr.contains("panicked"),
            "{args:?} panicked:\n{}",
            run.stderr
        );
        assert!(!run.stderr.trim().is_empty(), "{args:?} gave no message");
    }
}

#[test]
fn failed_write_names_the_destination() {
    // /dev/full accepts the open and fails every write with ENOSPC.
    for (option, expected) in [
        ("--trace", "cannot write trace file /dev/full"),
        ("--refs-out", "cannot write reference file /dev/full"),
    ] {
        let run = pagelab(&["run", "programs/hello.asm", option, "/dev/full"]);
        assert_clean_failure(&run, expected);
        assert_eq!(run.status, Some(2), "{option}: {}", run.stderr);
    }
}

#[test]
fn failed_stdout_write_is_named() {
    for args in [
        &["run", "programs/hello.asm"][..],
        &["disasm", "programs/hello.asm"],
        &["config"],
        &[
            "replay", "--policy", "fifo", "--frames", "3", "--refs", "1 2",
        ],
    ] {
        let full = std::fs::File::create("/dev/full").expect("/dev/full can be opened");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pagelab"))
            .args(args)
            .current_dir(common::repo_root())
            .stdout(full)
            .output()
            .expect("the pagelab binary can be started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write stdout: "),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn trace_filter_without_trace_is_rejected() {
    // Without --trace the filter would be ignored and the user would see
    // no trace and no message.
    let run = pagelab(&["run", "programs/hello.asm", "--trace-filter", "fault"]);
    assert_clean_failure(&run, "--trace");
    assert_eq!(run.status, Some(2));
}

#[test]
fn empty_trace_filter_is_rejected() {
    for filter in ["", " , "] {
        let run = pagelab(&[
            "run",
            "programs/hello.asm",
            "--trace",
            "-",
            "--trace-filter",
            filter,
        ]);
        assert_clean_failure(&run, "--trace-filter");
        assert_eq!(run.status, Some(2), "{filter:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn output_over_input_is_rejected() {
    let dir = scratch_dir("output_over_input_is_rejected");
    let program = dir.join("hello.asm");
    let source = std::fs::read(common::repo_root().join("programs/hello.asm"))
        .expect("programs/hello.asm is readable");
    std::fs::write(&program, &source).expect("the scratch file can be written");
    let program_path = program.to_string_lossy().into_owned();
    // The same file, spelled differently.
    let dotted = dir.join(".").join("hello.asm");
    let dotted_path = dotted.to_string_lossy().into_owned();

    for args in [
        vec!["run", &program_path, "--refs-out", &dotted_path],
        vec!["run", &program_path, "--trace", &dotted_path],
        vec!["asm", &program_path, "-o", &dotted_path],
    ] {
        let run = pagelab(&args);
        assert_clean_failure(&run, "would overwrite");
        assert_eq!(run.status, Some(2), "{args:?}: {}", run.stderr);
        let after = std::fs::read(&program).expect("the program is still readable");
        assert_eq!(after, source, "{args:?} overwrote the program");
    }
}

#[test]
fn trace_and_refs_to_one_file_are_rejected() {
    let dir = scratch_dir("trace_and_refs_to_one_file_are_rejected");
    let out = dir.join("out.txt").to_string_lossy().into_owned();
    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--trace",
        &out,
        "--refs-out",
        &out,
    ]);
    assert_clean_failure(&run, "--refs-out");
    assert_eq!(run.status, Some(2));
}

#[test]
fn refs_out_to_stdout_is_rejected() {
    // `--trace -` means stdout, so `--refs-out -` must not quietly create a
    // file named `-`.
    let dir = scratch_dir("refs_out_to_stdout_is_rejected");
    let program = common::repo_root().join("programs/hello.asm");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(["run", &program.to_string_lossy(), "--refs-out", "-"])
        .current_dir(&dir)
        .output()
        .expect("the pagelab binary can be started");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--refs-out -"), "{stderr}");
    assert!(!dir.join("-").exists(), "a file named - was created");
}

#[test]
fn trace_limit_caps_a_looping_trace() {
    let dir = scratch_dir("trace_limit_caps_a_looping_trace");
    let trace = dir.join("loop.trace");
    let trace = trace.to_string_lossy();
    let run = pagelab(&[
        "run",
        "tests/fixtures/infinite_loop.asm",
        "--max-ticks",
        "5000",
        "--trace",
        &trace,
        "--trace-limit",
        "100",
    ]);
    assert_clean_failure(&run, "the trace stopped after 100 events (--trace-limit)");

    let written = std::fs::read_to_string(&*trace).expect("the trace file was written");
    assert_eq!(written.lines().count(), 100);
}

#[test]
fn endless_program_file_is_rejected() {
    // /dev/zero never ends; the loader stops at its size limit.
    let run = pagelab(&["run", "/dev/zero"]);
    assert_clean_failure(&run, "is larger than 256 MiB");
    assert_eq!(run.status, Some(2));
}

#[test]
fn overlong_trace_line_is_rejected() {
    let dir = scratch_dir("overlong_trace_line_is_rejected");
    let path = dir.join("long.refs");
    std::fs::write(&path, "7".repeat(2 << 20)).expect("the scratch file can be written");
    let run = pagelab(&[
        "replay",
        "--policy",
        "lru",
        "--frames",
        "3",
        "--refs-file",
        &path.to_string_lossy(),
    ]);
    assert_clean_failure(&run, "the line is longer than 1048576 bytes");
    assert_eq!(run.status, Some(2));
}
