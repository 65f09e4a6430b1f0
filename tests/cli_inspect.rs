//! End-to-end tests of dumps (`run --dump-at`), `pagelab inspect` and
//! `pagelab translate`: outputs, the examples of docs/inspection.md, the
//! JSON round trip, runs unchanged by dumps, and every error message.

mod common;

use common::{assert_clean_failure, pagelab, repo_root, scratch_dir, Run};
use pagelab_vm::dump::DumpFile;
use std::path::Path;

const EXERCISE: &str = "docs/examples/translation-exercise.json";

/// Runs `pagelab` and returns stdout, failing with stderr on a non-zero exit.
fn stdout_of(args: &[&str]) -> String {
    let run = pagelab(args);
    assert_eq!(
        run.status,
        Some(0),
        "pagelab {args:?} failed:\n{}",
        run.stderr
    );
    run.stdout
}

/// Writes the JSON dumps of `program` at `ticks` into `dir` and returns the path.
fn json_dump(dir: &Path, program: &str, extra: &[&str]) -> String {
    let path = dir.join("dump.json").to_string_lossy().into_owned();
    let mut args = vec!["run", program, "--dump-json", "--dump-out", &path];
    args.extend_from_slice(extra);
    let run = pagelab(&args);
    assert_eq!(run.status, Some(0), "the run failed:\n{}", run.stderr);
    path
}

/// Splits a shell-like command line of the docs into arguments (no quoting).
fn words(command: &str) -> Vec<&str> {
    command.split_whitespace().skip(1).collect()
}

#[test]
fn doc_examples_match_output() {
    let doc = std::fs::read_to_string(repo_root().join("docs/inspection.md")).unwrap();
    let mut checked = 0;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let (command, on_stderr) = if let Some(rest) = line.strip_prefix("<!-- check: ") {
            (rest, false)
        } else if let Some(rest) = line.strip_prefix("<!-- check-stderr: ") {
            (rest, true)
        } else {
            continue;
        };
        let command = command.trim_end_matches("-->").trim();
        assert_eq!(lines.next(), Some("```text"), "block after {command}");
        let mut expected = String::new();
        for block_line in lines.by_ref() {
            if block_line == "```" {
                break;
            }
            expected.push_str(block_line);
            expected.push('\n');
        }

        let run = pagelab(&words(command));
        let actual = if on_stderr {
            // The error line comes after the run's summary.
            let last = run.stderr.lines().last().unwrap_or_default();
            format!("{last}\n")
        } else {
            assert_eq!(run.status, Some(0), "{command} failed:\n{}", run.stderr);
            run.stdout
        };
        assert_eq!(actual, expected, "output of {command}");
        checked += 1;
    }
    assert_eq!(checked, 6, "every check comment of docs/inspection.md ran");
}

#[test]
fn exercise_answer_key_matches() {
    let key =
        std::fs::read_to_string(repo_root().join("docs/examples/translation-exercise.expected"))
            .unwrap();
    let mut commands = 0;
    let mut current: Option<(&str, String)> = None;
    let mut check = |entry: Option<(&str, String)>| {
        if let Some((command, expected)) = entry {
            assert_eq!(stdout_of(&words(command)), expected, "output of {command}");
            commands += 1;
        }
    };
    for line in key.lines().filter(|line| !line.starts_with('#')) {
        if let Some(command) = line.strip_prefix("$ ") {
            check(current.take());
            current = Some((command, String::new()));
        } else if let Some((_, expected)) = current.as_mut() {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    check(current.take());
    assert_eq!(commands, 9);
}

#[test]
fn text_dump_of_fork_cow() {
    let stdout = stdout_of(&[
        "run",
        "programs/fork_cow.asm",
        "--dump-at",
        "400",
        "--dump-at",
        "exit",
    ]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn inspect_fork_cow_sections() {
    let dir = scratch_dir("inspect_fork_cow_sections");
    let path = json_dump(
        &dir,
        "programs/fork_cow.asm",
        &["--dump-at", "400", "--dump-frame", "65"],
    );
    let child = stdout_of(&["inspect", &path, "--pid", "2"]);
    insta::assert_snapshot!("inspect_fork_cow_child", child);
    let frames = stdout_of(&[
        "inspect",
        &path,
        "--section",
        "frames",
        "--section",
        "bytes",
        "--frame",
        "64",
        "--frame",
        "65",
    ]);
    insta::assert_snapshot!("inspect_fork_cow_frames", frames);
}

#[test]
fn inspect_swap_of_thrash() {
    let dir = scratch_dir("inspect_swap_of_thrash");
    let path = json_dump(
        &dir,
        "programs/thrash.asm",
        &["--frames", "3", "--page-size", "256", "--dump-at", "20000"],
    );
    let swap = stdout_of(&["inspect", &path, "--section", "swap", "--section", "tlb"]);
    insta::assert_snapshot!(swap);
    let walk = stdout_of(&["translate", "--dump", &path, "--va", "0x20000"]);
    insta::assert_snapshot!("translate_swapped_page", walk);
}

#[test]
fn translate_fork_cow_outputs() {
    let dir = scratch_dir("translate_fork_cow_outputs");
    let path = json_dump(&dir, "programs/fork_cow.asm", &["--dump-at", "400"]);
    let mut outputs = String::new();
    for (pid, va, write) in [
        ("1", "0x22000", true),
        ("2", "0x20010", false),
        ("2", "0x21010", true),
        ("1", "0x10000", true),
        ("1", "0x7fff0000", false),
    ] {
        let mut args = vec!["translate", "--dump", &path, "--pid", pid, "--va", va];
        if write {
            args.push("--write");
        }
        outputs.push_str(&stdout_of(&args));
    }
    insta::assert_snapshot!(outputs);
}

#[test]
fn translate_json_has_steps() {
    let stdout = stdout_of(&["translate", "--dump", EXERCISE, "--va", "0x0510", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["steps"].as_array().map(Vec::len), Some(2));
    assert_eq!(value["fault"]["kind"], "swapped_out");
    assert_eq!(value["fault"]["slot"], 7);
    assert_eq!(value["physical_address"], serde_json::Value::Null);
    let mapped = stdout_of(&["translate", "--dump", EXERCISE, "--va", "0x0123", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&mapped).unwrap();
    assert_eq!(value["physical_address"], 0xa23);
}

#[test]
fn translate_on_a_run_matches_the_dump() {
    let dir = scratch_dir("translate_on_a_run_matches_the_dump");
    let machine = ["--page-size", "1024", "--split", "6,8,8", "--frames", "5"];
    let mut run_args = vec!["--dump-at", "300"];
    run_args.extend_from_slice(&machine);
    let path = json_dump(&dir, "programs/textbook.asm", &run_args);
    for va in [
        "0x10000",
        "0x10008",
        "0x20000",
        "0x21000",
        "0xbffffffc",
        "0x5000",
    ] {
        let from_dump = stdout_of(&["translate", "--dump", &path, "--va", va]);
        let mut args = vec![
            "translate",
            "programs/textbook.asm",
            "--at",
            "300",
            "--va",
            va,
        ];
        args.extend_from_slice(&machine);
        assert_eq!(stdout_of(&args), from_dump, "va {va}");
    }
}

#[test]
fn json_dump_round_trips() {
    let dir = scratch_dir("json_dump_round_trips");
    let path = json_dump(
        &dir,
        "programs/fork_cow.asm",
        &[
            "--dump-at",
            "200",
            "--dump-at",
            "400",
            "--dump-at",
            "exit",
            "--dump-frame",
            "64",
        ],
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let file: DumpFile = serde_json::from_str(&text).unwrap();
    file.validate().unwrap();
    assert_eq!(file.dumps.len(), 4, "two ticks and two exits");
    let again = serde_json::to_string_pretty(&file).unwrap();
    assert_eq!(format!("{again}\n"), text);

    // inspect --json without a filter prints the same file.
    let printed = stdout_of(&["inspect", &path, "--json"]);
    let reread: DumpFile = serde_json::from_str(&printed).unwrap();
    assert_eq!(reread, file);
}

#[test]
fn dumps_leave_the_run_unchanged() {
    let cases: [(&str, &[&str]); 3] = [
        ("fork_cow", &["programs/fork_cow.asm"]),
        (
            "thrash",
            &["programs/thrash.asm", "--frames", "3", "--page-size", "256"],
        ),
        // Time slices and idle time, so pauses fall inside both.
        (
            "round_robin",
            &[
                "programs/fork_cow.asm",
                "programs/hello.asm",
                "--sched",
                "rr",
                "--quantum",
                "50",
            ],
        ),
    ];
    for (name, run_args) in cases {
        let dir = scratch_dir(&format!("dumps_unchanged_{name}"));
        let path = |file: &str| dir.join(file).to_string_lossy().into_owned();
        let outputs = |with_dumps: bool| {
            let trace = path(&format!("trace_{with_dumps}"));
            let refs = path(&format!("refs_{with_dumps}"));
            let gantt = path(&format!("gantt_{with_dumps}.svg"));
            let dumps = path("dumps");
            let mut args = vec!["run"];
            args.extend_from_slice(run_args);
            args.extend_from_slice(&[
                "--stats",
                "json",
                "--trace",
                &trace,
                "--refs-out",
                &refs,
                "--gantt-svg",
                &gantt,
            ]);
            if with_dumps {
                args.extend_from_slice(&[
                    "--dump-at",
                    "1",
                    "--dump-at",
                    "100",
                    "--dump-at",
                    "333",
                    "--dump-at",
                    "exit",
                    "--dump-out",
                    &dumps,
                    "--dump-frame",
                    "0",
                ]);
            }
            let stats = stdout_of(&args);
            let read = |file: &str| std::fs::read_to_string(file).unwrap();
            (stats, read(&trace), read(&refs), read(&gantt))
        };
        let (stats, trace, refs, gantt) = outputs(false);
        let (dumped_stats, dumped_trace, dumped_refs, dumped_gantt) = outputs(true);
        assert_eq!(dumped_stats, stats, "{name}: statistics");
        assert_eq!(dumped_trace, trace, "{name}: trace");
        assert_eq!(dumped_refs, refs, "{name}: reference string");
        assert_eq!(dumped_gantt, gantt, "{name}: Gantt chart");
        assert!(!trace.is_empty(), "{name}: the trace has events");
        assert!(!refs.is_empty(), "{name}: the reference string has pages");
    }
}

/// Runs a failing command and returns its stderr after checking for a
/// clean failure with exit status 2.
fn error_of(args: &[&str], expected: &str) -> String {
    let run: Run = pagelab(args);
    assert_clean_failure(&run, expected);
    assert_eq!(run.status, Some(2), "usage errors exit with 2");
    run.stderr
}

#[test]
fn error_messages() {
    let dir = scratch_dir("inspect_error_messages");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let good = std::fs::read_to_string(repo_root().join(EXERCISE)).unwrap();
    let dump_path = json_dump(&dir, "programs/hello.asm", &["--dump-at", "150"]);
    let dump_text = std::fs::read_to_string(&dump_path).unwrap();
    let broken_pte = write(
        "broken_pte.json",
        &dump_text.replacen("\"pte\": 266247", "\"pte\": 266251", 1),
    );
    assert_ne!(
        std::fs::read_to_string(&broken_pte).unwrap(),
        dump_text,
        "the edit applied"
    );

    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "bad_va",
            vec!["translate", "--dump", EXERCISE, "--va", "0xzz"]
                .into_iter()
                .map(String::from)
                .collect(),
            "invalid --va",
        ),
        (
            "va_above_32_bits",
            vec!["translate", "--dump", EXERCISE, "--va", "0x100000000"]
                .into_iter()
                .map(String::from)
                .collect(),
            "invalid --va",
        ),
        (
            "unknown_pid",
            vec![
                "translate",
                "--dump",
                EXERCISE,
                "--va",
                "0x10",
                "--pid",
                "7",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "pid 7",
        ),
        (
            "tick_past_the_end",
            vec![
                "translate",
                "programs/hello.asm",
                "--at",
                "100000",
                "--va",
                "0x10000",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "past the end",
        ),
        (
            "run_without_at",
            vec!["translate", "programs/hello.asm", "--va", "0x10000"]
                .into_iter()
                .map(String::from)
                .collect(),
            "--at",
        ),
        (
            "no_dump_at_tick",
            vec![
                "translate",
                "--dump",
                dump_path.as_str(),
                "--at",
                "99",
                "--va",
                "0x10000",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "no dump at tick 99",
        ),
        (
            "bad_at",
            vec![
                "translate",
                "--dump",
                EXERCISE,
                "--at",
                "soon",
                "--va",
                "0x10",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "invalid --at",
        ),
        (
            "not_json",
            vec![
                "inspect".to_string(),
                write("not_json.json", "{ this is not json"),
            ],
            "not JSON",
        ),
        (
            "wrong_format",
            vec![
                "inspect".to_string(),
                write("wrong_format.json", "{\"format\": \"other\"}"),
            ],
            "\"format\" field",
        ),
        (
            "truncated_dump",
            vec![
                "inspect".to_string(),
                write("truncated.json", &dump_text[..dump_text.len() / 2]),
            ],
            "invalid dump file",
        ),
        (
            "missing_field",
            vec![
                "inspect".to_string(),
                write(
                    "missing.json",
                    "{\"format\": \"pagelab-dump\", \"version\": 1, \"dumps\": [{\"clock\": 3}]}",
                ),
            ],
            "missing field",
        ),
        (
            "wrong_version",
            vec![
                "inspect".to_string(),
                write(
                    "version.json",
                    "{\"format\": \"pagelab-dump\", \"version\": 9, \"dumps\": []}",
                ),
            ],
            "version 9",
        ),
        (
            "pte_edited_by_hand",
            vec!["inspect".to_string(), broken_pte.clone()],
            "decoded bits disagree",
        ),
        (
            "missing_file",
            vec![
                "inspect".to_string(),
                dir.join("absent.json").to_string_lossy().into_owned(),
            ],
            "cannot read dump file",
        ),
        (
            "inspect_unknown_pid",
            vec!["inspect", dump_path.as_str(), "--pid", "4"]
                .into_iter()
                .map(String::from)
                .collect(),
            "pid 4",
        ),
        (
            "inspect_frame_out_of_range",
            vec!["inspect", dump_path.as_str(), "--frame", "500"]
                .into_iter()
                .map(String::from)
                .collect(),
            "frame 500",
        ),
        (
            "description_unknown_key",
            vec![
                "inspect".to_string(),
                write(
                    "typo.json",
                    &good.replacen("\"frames\": 32", "\"frame\": 32", 1),
                ),
            ],
            "unknown field",
        ),
        (
            "description_cow_and_writable",
            vec![
                "inspect".to_string(),
                write("cow.json", &good.replacen("\"PC\"", "\"PWC\"", 1)),
            ],
            "C and W",
        ),
        (
            "description_table_missing",
            vec![
                "inspect".to_string(),
                write(
                    "missing_table.json",
                    &good.replacen(
                        "\"pfn\": 3, \"flags\": \"PW\"",
                        "\"pfn\": 4, \"flags\": \"PW\"",
                        1,
                    ),
                ),
            ],
            "not listed",
        ),
        (
            "description_two_kinds",
            vec![
                "inspect".to_string(),
                write(
                    "two_kinds.json",
                    &good.replacen("\"swap\": 7", "\"swap\": 7, \"pfn\": 9", 1),
                ),
            ],
            "exactly one",
        ),
        (
            "description_page_outside_memory",
            vec![
                "inspect".to_string(),
                write(
                    "outside.json",
                    &good.replacen("\"pfn\": 20", "\"pfn\": 40", 1),
                ),
            ],
            "outside physical memory",
        ),
        (
            "dump_at_not_a_tick",
            vec!["run", "programs/hello.asm", "--dump-at", "later"]
                .into_iter()
                .map(String::from)
                .collect(),
            "invalid --dump-at",
        ),
        (
            "dump_frame_out_of_range",
            vec![
                "run",
                "programs/hello.asm",
                "--dump-at",
                "5",
                "--dump-frame",
                "9999",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "--dump-frame 9999",
        ),
        (
            "dump_with_json_stats",
            vec![
                "run",
                "programs/hello.asm",
                "--dump-at",
                "5",
                "--stats",
                "json",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "--dump-out",
        ),
        (
            "dump_at_past_the_end",
            vec!["run", "programs/hello.asm", "--dump-at", "5000"]
                .into_iter()
                .map(String::from)
                .collect(),
            "past the end",
        ),
    ];
    let mut report = String::new();
    for (name, args, expected) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let stderr = error_of(&args, expected);
        // Only the error line: a failed run prints its summary first, and
        // scratch paths differ between machines.
        let message = stderr
            .lines()
            .filter(|line| line.starts_with("error:") || line.starts_with("  caused by:"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace(&dir.to_string_lossy().into_owned(), "<dir>");
        report.push_str(&format!("{name}:\n{message}\n\n"));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn translate_runs_programs_with_mounts_and_input() {
    let dir = scratch_dir("translate_mounts");
    let data = dir.join("data.txt");
    std::fs::write(&data, b"one\ntwo\n").unwrap();
    let mount = format!("data={}:rw", data.display());

    // mmap_file maps the mount at the bottom of the mmap area.
    let mapped = pagelab(&[
        "translate",
        "programs/mmap_file.asm",
        "--mount",
        &mount,
        "--at",
        "350",
        "--va",
        "0x40000000",
    ]);
    assert_eq!(mapped.status, Some(0), "{}", mapped.stderr);
    assert!(
        mapped.stdout.contains("physical address:"),
        "{}",
        mapped.stdout
    );
    assert_eq!(std::fs::read(&data).unwrap(), b"one\ntwo\n");

    // io_bound reads its input byte by byte: without input it has ended
    // by tick 300, with these 8 bytes it is still running.
    let at_300 = ["--at", "300", "--va", "0x10000"];
    let mut args = vec!["translate", "programs/io_bound.asm"];
    args.extend(at_300);
    let without_input = pagelab(&args);
    assert_clean_failure(&without_input, "past the end of the run");
    let data_path = data.to_string_lossy();
    args.extend(["--stdin", data_path.as_ref()]);
    let with_input = pagelab(&args);
    assert_eq!(with_input.status, Some(0), "{}", with_input.stderr);

    let pooled = pagelab(&[
        "translate",
        "programs/hello.asm",
        "--page-tables-in-pool",
        "--at",
        "100",
        "--va",
        "0x10000",
    ]);
    assert_eq!(pooled.status, Some(0), "{}", pooled.stderr);
    assert!(
        pooled.stdout.contains("physical address:"),
        "{}",
        pooled.stdout
    );
}

#[test]
fn dump_file_without_dumps_says_why() {
    let dir = scratch_dir("dump_file_without_dumps");
    let path = dir.join("none.json");
    let path_text = path.to_string_lossy();
    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--dump-at",
        "999999",
        "--dump-json",
        "--dump-out",
        &path_text,
    ]);
    assert_clean_failure(&run, "999999");

    let inspect = pagelab(&["inspect", &path_text]);
    assert_clean_failure(
        &inspect,
        "contains no dump, because the run that wrote it ended",
    );
}
