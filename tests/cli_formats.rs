//! End-to-end tests of `pagelab replay --refs-file` on every trace format,
//! run through the real binary.
//!
//! `tests/fixtures/traces/true.lackey` was made on the development machine
//! with `valgrind --tool=lackey --trace-mem=yes /bin/true` (valgrind
//! 3.19.0), keeping the first 3000 lines and valgrind's closing messages.
//! Its expected counts below were computed by a separate script that
//! expands each line into pages and replays FIFO and LRU with lists.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LACKEY_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/traces/true.lackey"
);

fn pagelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(args)
        .output()
        .expect("the pagelab binary built by cargo can be started")
}

/// Replays `file` with FIFO and LRU on `frames` frames plus `extra`
/// options, checks success, and returns (references, faults) per policy
/// and stderr.
fn replay_json(file: &Path, frames: &str, extra: &[&str]) -> (Vec<(u64, u64)>, String) {
    let path = file.to_str().expect("test paths are UTF-8");
    let mut args = vec![
        "replay",
        "--policy",
        "fifo,lru",
        "--frames",
        frames,
        "--json",
        "--refs-file",
        path,
    ];
    args.extend_from_slice(extra);
    let output = pagelab(&args);
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert!(output.status.success(), "pagelab {args:?} failed: {stderr}");
    let counts = String::from_utf8(output.stdout)
        .expect("stdout is UTF-8")
        .lines()
        .map(|line| {
            let outcome: Value = serde_json::from_str(line).expect("each line is JSON");
            (
                outcome["references"]
                    .as_u64()
                    .expect("references is a number"),
                outcome["faults"].as_u64().expect("faults is a number"),
            )
        })
        .collect();
    (counts, stderr)
}

/// Runs `pagelab replay` on `file` with `extra` options, checks that it
/// failed with status 2 and one line on stderr, and returns that line.
fn replay_err(file: &Path, extra: &[&str]) -> String {
    let path = file.to_str().expect("test paths are UTF-8");
    let mut args = vec![
        "replay",
        "--policy",
        "fifo",
        "--frames",
        "3",
        "--refs-file",
        path,
    ];
    args.extend_from_slice(extra);
    let output = pagelab(&args);
    assert_eq!(output.status.code(), Some(2), "pagelab {args:?}");
    assert!(output.stdout.is_empty(), "no partial output");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(stderr.lines().count(), 1, "one-line error, got {stderr:?}");
    stderr.trim_end().to_string()
}

/// Writes `bytes` to `name` in a fresh temporary directory.
fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().expect("a temporary directory can be made");
    let path = directory.path().join(name);
    std::fs::write(&path, bytes).expect("the temporary file can be written");
    (directory, path)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn lackey_trace_of_real_program() {
    let fixture = Path::new(LACKEY_FIXTURE);
    let expected = vec![(3015, 39), (3015, 31)];

    let (detected, stderr) = replay_json(fixture, "4", &[]);
    assert_eq!(detected, expected);
    assert!(stderr.is_empty(), "stderr: {stderr}");

    let (explicit, _) = replay_json(fixture, "4", &["--format", "lackey"]);
    assert_eq!(explicit, expected);

    let (data_only, _) = replay_json(fixture, "4", &["--no-fetch"]);
    assert_eq!(data_only, vec![(657, 14), (657, 9)]);
}

#[test]
fn compressed_lackey_matches_plain() {
    let text = std::fs::read(LACKEY_FIXTURE).unwrap();
    let (_gz_dir, gz_path) = temp_file("true.lackey.gz", &gzip(&text));
    let (_zst_dir, zst_path) = temp_file(
        "true.lackey.zst",
        &zstd::encode_all(text.as_slice(), 3).unwrap(),
    );
    for path in [gz_path, zst_path] {
        let (counts, _) = replay_json(&path, "4", &[]);
        assert_eq!(counts, vec![(3015, 39), (3015, 31)], "{}", path.display());
    }
}

#[test]
fn din_escapes_are_noted() {
    let (_dir, path) = temp_file("t.din", b"2 0\n0 1000\n3 ignored\n1 70f60890\n4\n");
    let (counts, stderr) = replay_json(&path, "2", &[]);
    assert_eq!(counts, vec![(3, 3), (3, 3)]);
    assert_eq!(
        stderr,
        "note: skipped 2 din escape records (labels 3 and 4)\n"
    );

    let (counts, _) = replay_json(&path, "2", &["--no-fetch"]);
    assert_eq!(counts, vec![(2, 2), (2, 2)]);
}

#[test]
fn plain_addresses_and_checkpoints() {
    let (_dir, path) = temp_file("t.txt", b"0\n100\n*\n200\n8192\n");
    let (pages, _) = replay_json(&path, "1", &["--format", "plain"]);
    assert_eq!(pages, vec![(4, 4), (4, 4)]);

    let (addresses, _) = replay_json(&path, "1", &["--addresses", "--page-size", "128"]);
    // Bytes 0 and 100 share page 0; 200 is page 1 and 8192 page 64.
    assert_eq!(addresses, vec![(4, 3), (4, 3)]);
}

#[test]
fn csv_column_and_op_column() {
    let text = b"time;op;page\n1;r;7\n2;W;7\n3;read;8\n";
    let (_dir, path) = temp_file("t.csv", text);
    let named = [
        "--column",
        "page",
        "--op-column",
        "op",
        "--has-header",
        "--delimiter",
        ";",
    ];
    let (counts, _) = replay_json(&path, "1", &named);
    assert_eq!(counts, vec![(3, 2), (3, 2)]);

    let output = pagelab(&[
        "replay",
        "--policy",
        "fifo",
        "--frames",
        "1",
        "--json",
        "--refs-file",
        path.to_str().unwrap(),
        "--format",
        "csv",
        "--column",
        "3",
        "--op-column",
        "2",
        "--has-header",
        "--delimiter",
        ";",
    ]);
    assert!(output.status.success());
    let outcome: Value = serde_json::from_slice(&output.stdout).unwrap();
    // The write to page 7 makes its eviction a write-back.
    assert_eq!(outcome["write_backs"], 1);
}

#[test]
fn oracle_general_binary() {
    let mut bytes = Vec::new();
    for (time, id) in [5u64, 6, 5, 7, 5].into_iter().enumerate() {
        bytes.extend_from_slice(&(time as u32).to_le_bytes());
        bytes.extend_from_slice(&id.to_le_bytes());
        bytes.extend_from_slice(&4096u32.to_le_bytes());
        bytes.extend_from_slice(&(-1i64).to_le_bytes());
    }
    let (_dir, path) = temp_file("t.oracleGeneral.bin", &bytes);
    let (counts, _) = replay_json(&path, "2", &[]);
    // FIFO evicts 5 for 7 and faults on it again; LRU evicts 6.
    assert_eq!(counts, vec![(5, 4), (5, 3)]);

    bytes.push(0);
    let (_short_dir, short) = temp_file("short.bin", &bytes);
    let message = replay_err(&short, &[]);
    assert!(
        message.ends_with("record 5: the file ends 1 bytes into a 24-byte oracleGeneral record, so its length is not a multiple of 24; the file is truncated or not oracleGeneral"),
        "{message}"
    );
}

#[test]
fn errors_name_file_line_and_text() {
    let (_dir, path) = temp_file("bad.lackey", b"I  1000,4\n L zz,4\n");
    let message = replay_err(&path, &[]);
    assert_eq!(
        message,
        format!(
            r#"error: invalid reference file {}: line 2: " L zz,4": "zz" is not a hex address (without 0x)"#,
            path.display()
        )
    );
}

#[test]
fn ambiguous_content_needs_format() {
    let (_dir, path) = temp_file("t.trace", b"0 1000\n1 2000\n");
    let message = replay_err(&path, &[]);
    assert!(
        message.ends_with("the trace format is ambiguous: the content fits din and refs; choose one with --format"),
        "{message}"
    );
    let (counts, _) = replay_json(&path, "4", &["--format", "din"]);
    assert_eq!(counts, vec![(2, 2), (2, 2)]);
    let (counts, _) = replay_json(&path, "4", &["--format", "refs"]);
    assert_eq!(counts, vec![(4, 4), (4, 4)]);
}

#[test]
fn option_mistakes_are_rejected() {
    let (_dir, path) = temp_file("t.csv", b"1,2\n");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--format", "csv"],
            "error: --format csv needs --column: give the 1-based number or header name of the column that contains the page",
        ),
        (
            &["--format", "lackey", "--addresses"],
            "error: invalid reference file",
        ),
        (
            &["--column", "2", "--delimiter", "ab"],
            "error: invalid value 'ab' for '--delimiter <CHAR>': \"ab\" is not a delimiter",
        ),
        (
            &["--format", "vscsi"],
            "error: invalid value 'vscsi' for '--format <FORMAT>': unknown trace format \"vscsi\"",
        ),
    ];
    for (extra, prefix) in cases {
        let path = path.to_str().unwrap();
        let args = [
            &[
                "replay",
                "--policy",
                "fifo",
                "--frames",
                "3",
                "--refs-file",
                path,
            ],
            extra,
        ]
        .concat();
        let output = pagelab(&args);
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(output.stdout.is_empty(), "{extra:?}: no partial output");
        // Errors that clap reports end with a hint line; the first line is the message.
        let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
        let message = stderr.lines().next().unwrap_or_default();
        assert!(message.starts_with(prefix), "{extra:?}: {message}");
    }

    let inline = pagelab(&[
        "replay", "--policy", "fifo", "--frames", "3", "--refs", "1 2", "--format", "din",
    ]);
    assert_eq!(inline.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&inline.stderr);
    assert!(
        stderr.contains("'--refs <REFS>' cannot be used with '--format <FORMAT>'"),
        "{stderr}"
    );
}
