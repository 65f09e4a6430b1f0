//! `pagelab run --mount` and the mapping calls end to end: a guest reaches
//! a host file only through a mount, never writes a read-only one, and a
//! writable one changes exactly the mapped bytes.

mod common;

use common::{assert_clean_failure, pagelab, scratch_dir, Run};
use std::path::{Path, PathBuf};

/// Returns a host file of several pages, in lowercase, for the upcase fixtures.
fn lowercase_text() -> Vec<u8> {
    (0..400)
        .flat_map(|line| format!("page text line {line:03} abc xyz\n").into_bytes())
        .collect()
}

/// Writes `bytes` to `name` in `dir` and returns the path.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the scratch file can be written");
    path
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("the scratch file can be read")
}

/// Returns `bytes` with the lowercase letters of its first `len` bytes in uppercase.
fn upcased_prefix(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut expected = bytes.to_vec();
    expected[..len].make_ascii_uppercase();
    expected
}

/// Runs `program` with `--mount NAME=PATH[:rw]` and `extra` options.
fn run_with_mount(program: &str, mount: &str, extra: &[&str]) -> Run {
    let mut args = vec!["run", program, "--mount", mount];
    args.extend_from_slice(extra);
    pagelab(&args)
}

#[test]
fn mmap_file_counts_lines_and_bytes() {
    let input = read(Path::new("tests/fixtures/mmap_input.txt"));
    let lines = input.iter().filter(|&&byte| byte == b'\n').count();
    let run = run_with_mount(
        "programs/mmap_file.asm",
        "data=tests/fixtures/mmap_input.txt",
        &[],
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!("lines {lines}\nbytes {}\n", input.len())
    );
}

#[test]
fn mmap_file_without_mount_fails() {
    let run = pagelab(&["run", "programs/mmap_file.asm"]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert_eq!(run.stdout, "mmap failed: -1\n");
}

#[test]
fn names_outside_the_mounts_are_rejected() {
    let dir = scratch_dir("names_outside_the_mounts_are_rejected");
    let data = write_file(&dir, "data.txt", b"host data\n");
    let sentinel = write_file(&dir, "sentinel.txt", b"do not touch\n");
    let mount = format!("data={}", data.display());

    let run = run_with_mount("tests/fixtures/mmap/names.asm", &mount, &[]);
    let results: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        results[..5],
        ["-1"; 5],
        "nosuch, ../etc/passwd, /etc/passwd, data/../data and a 39-byte name"
    );
    assert_eq!(results[5], "-2", "writable mapping of a read-only mount");
    assert_eq!(results[6], "-3", "zero length");
    assert_eq!(results[7], "-3", "unknown flag");
    assert_eq!(results[8], "h", "a read-only mapping can be read");
    assert_clean_failure(
        &run,
        "segmentation fault: store at 0x40000000 (read-only page)",
    );
    assert_eq!(read(&data), b"host data\n");
    assert_eq!(read(&sentinel), b"do not touch\n");
}

#[test]
fn read_only_mount_rejects_writable_map() {
    let dir = scratch_dir("read_only_mount_rejects_writable_map");
    let text = lowercase_text();
    let path = write_file(&dir, "out.txt", &text);
    let mount = format!("out={}", path.display());

    let run = run_with_mount("tests/fixtures/mmap/upcase.asm", &mount, &[]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert_eq!(run.stdout, "-2");
    assert_eq!(read(&path), text);
}

#[test]
fn writable_mount_is_written_on_munmap() {
    let dir = scratch_dir("writable_mount_is_written_on_munmap");
    let text = lowercase_text();
    let path = write_file(&dir, "out.txt", &text);
    let mount = format!("out={}:rw", path.display());

    let run = run_with_mount(
        "tests/fixtures/mmap/upcase.asm",
        &mount,
        &["--stats", "json"],
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    // With --stats json the guest's console goes to stderr.
    assert!(
        run.stderr.starts_with("2\n"),
        "munmap unmaps 2 pages:\n{}",
        run.stderr
    );
    let after = read(&path);
    assert_eq!(after.len(), text.len(), "the file keeps its size");
    assert_eq!(
        after,
        upcased_prefix(&text, 8192),
        "only the mapped bytes change"
    );
    let stats: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("--stats json prints one JSON object");
    assert_eq!(stats["file_page_ins"], 2);
    assert_eq!(stats["file_page_outs"], 2);
}

#[test]
fn writable_mount_is_written_on_exit() {
    let dir = scratch_dir("writable_mount_is_written_on_exit");
    let text = lowercase_text();
    let path = write_file(&dir, "out.txt", &text);
    let mount = format!("out={}:rw", path.display());

    let run = run_with_mount("tests/fixtures/mmap/upcase_exit.asm", &mount, &[]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(read(&path), upcased_prefix(&text, 8192));
}

#[test]
fn writable_mount_is_written_on_eviction() {
    let dir = scratch_dir("writable_mount_is_written_on_eviction");
    let text = lowercase_text();
    let path = write_file(&dir, "out.txt", &text);
    let trace = dir.join("run.trace");
    let mount = format!("out={}:rw", path.display());

    let run = run_with_mount(
        "tests/fixtures/mmap/upcase_exit.asm",
        &mount,
        &[
            "--frames",
            "2",
            "--trace",
            &trace.to_string_lossy(),
            "--trace-filter",
            "eviction,file_out,exit",
        ],
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(read(&path), upcased_prefix(&text, 8192));

    // With two frames both dirty file pages are evicted, and written back
    // then, before the process ends.
    let trace = String::from_utf8(read(&trace)).expect("the text trace is UTF-8");
    let events: Vec<&str> = trace
        .lines()
        .map(|line| line.split_whitespace().nth(3).unwrap_or(""))
        .collect();
    let writes = events.iter().filter(|&&kind| kind == "file_out").count();
    assert_eq!(writes, 2, "{trace}");
    assert_eq!(events.last(), Some(&"exit"), "{trace}");
    for (index, kind) in events.iter().enumerate() {
        if *kind == "file_out" {
            assert_eq!(events[index - 1], "eviction", "{trace}");
        }
    }
}

#[test]
fn fork_shares_only_file_pages() {
    let dir = scratch_dir("fork_shares_only_file_pages");
    let path = write_file(&dir, "out.txt", b"..........");
    let mount = format!("out={}:rw", path.display());

    let run = run_with_mount("tests/fixtures/mmap/fork.asm", &mount, &[]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout, "#\n1\n",
        "file page shared, anonymous page copied"
    );
    assert_eq!(read(&path), b"#.........");
}

#[test]
fn two_programs_share_one_frame() {
    let dir = scratch_dir("two_programs_share_one_frame");
    let path = write_file(&dir, "out.txt", b"..........");
    let mount = format!("out={}:rw", path.display());

    let run = run_with_mount(
        "tests/fixtures/mmap/pingpong.asm*2",
        &mount,
        &["--trace", "-", "--trace-filter", "fault,file_in"],
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let file_ins: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.contains("file_in"))
        .collect();
    assert_eq!(
        file_ins.len(),
        1,
        "one read of the file page:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "pid 2   fault     minor    load  va 0x40000000 vpn 0x40000  from shared file page"
        ),
        "process 2 maps the frame that process 1 loaded:\n{}",
        run.stdout
    );
    let printed: Vec<&str> = run.stdout.lines().filter(|line| line.len() == 1).collect();
    assert_eq!(printed, ["A", "B"], "each sees the other's store");
    assert_eq!(read(&path), b"AB........");
}

#[test]
fn munmap_and_mprotect_results() {
    let run = pagelab(&["run", "tests/fixtures/mmap/calls.asm"]);
    let results: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        results,
        [
            "1073741824",
            "1",
            "0",
            "-3",
            "-3",
            "-5",
            "-5",
            "0",
            "7",
            "0",
            "7"
        ]
    );
    assert_clean_failure(
        &run,
        "segmentation fault: store at 0x40000000 (read-only page)",
    );
}

#[test]
fn mmap_calls_disassemble_by_name() {
    let run = pagelab(&["disasm", "tests/fixtures/mmap/calls.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    for name in ["sys mmap", "sys munmap", "sys mprotect"] {
        assert!(run.stdout.contains(name), "{name} missing:\n{}", run.stdout);
    }
}

#[test]
fn bad_mount_values_are_rejected() {
    let cases: &[(&str, &[&str])] = &[
        ("no_equals", &["--mount", "data"]),
        ("empty_name", &["--mount", "=tests/fixtures/mmap_input.txt"]),
        (
            "path_as_name",
            &["--mount", "../etc=tests/fixtures/mmap_input.txt"],
        ),
        (
            "long_name",
            &[
                "--mount",
                "a_name_longer_than_thirty_two_bytes=tests/fixtures/mmap_input.txt",
            ],
        ),
        ("empty_path", &["--mount", "data=:rw"]),
        (
            "missing_file",
            &["--mount", "data=tests/fixtures/mmap/missing.txt"],
        ),
        ("directory", &["--mount", "data=tests/fixtures/mmap"]),
        (
            "duplicate_name",
            &[
                "--mount",
                "data=tests/fixtures/mmap_input.txt",
                "--mount",
                "data=tests/fixtures/mmap/names.asm",
            ],
        ),
        (
            "same_file_twice",
            &[
                "--mount",
                "data=tests/fixtures/mmap_input.txt",
                "--mount",
                "copy=./tests/fixtures/mmap_input.txt",
            ],
        ),
    ];
    for (case, options) in cases {
        let mut args = vec!["run", "programs/mmap_file.asm"];
        args.extend_from_slice(options);
        let run = pagelab(&args);
        assert_eq!(run.status, Some(2), "{case}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{case}: nothing runs");
        assert!(!run.stderr.contains("panicked"), "{case}: {}", run.stderr);
        insta::assert_snapshot!(format!("bad_mount_{case}"), run.stderr);
    }
}

#[test]
fn oversized_mount_is_rejected() {
    let dir = scratch_dir("oversized_mount_is_rejected");
    let path = dir.join("big.bin");
    let file = std::fs::File::create(&path).expect("the scratch file can be created");
    // A sparse file: no disk space is used.
    file.set_len((64 << 20) + 1)
        .expect("the scratch file can be extended");
    let mount = format!("data={}", path.display());

    let run = run_with_mount("programs/mmap_file.asm", &mount, &[]);
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(
        &run,
        "has 67108865 bytes, above the limit of 67108864 bytes",
    );
}

#[test]
fn mount_of_an_output_file_is_rejected() {
    let dir = scratch_dir("mount_of_an_output_file_is_rejected");
    let text = lowercase_text();
    let path = write_file(&dir, "out.txt", &text);
    let mount = format!("out={}:rw", path.display());

    for option in ["--trace", "--refs-out"] {
        let run = run_with_mount(
            "tests/fixtures/mmap/upcase.asm",
            &mount,
            &[option, &path.to_string_lossy()],
        );
        assert_eq!(run.status, Some(2), "{option}: {}", run.stderr);
        assert_clean_failure(&run, &format!("is also the {option} file"));
        assert_eq!(read(&path), text, "{option}: the file is untouched");
    }
}
