//! Helpers shared by the end-to-end tests: run the real `pagelab` binary.

#![allow(dead_code)] // Each test file uses a different subset.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The result of one `pagelab` invocation.
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `pagelab` with `args` from the repository root.
pub fn pagelab(args: &[&str]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("the pagelab binary can be started");
    Run {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Returns the repository root (where `programs/` is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns a fresh scratch directory for one test.
pub fn scratch_dir(test_name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test_name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

/// Returns the paths of `programs/*.asm`, sorted by name.
pub fn programs() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo_root().join("programs"))
        .expect("programs/ exists")
        .map(|entry| entry.expect("programs/ is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "asm"))
        .collect();
    paths.sort();
    paths
}

/// Returns the options that the program at `path` needs besides the
/// defaults: the mounts of the programs that map a file. Every test that
/// runs all of `programs/` passes them.
pub fn program_args(path: &Path) -> Vec<&'static str> {
    match stem(path).as_str() {
        "mmap_file" => vec!["--mount", "data=tests/fixtures/mmap_input.txt"],
        _ => Vec::new(),
    }
}

/// Programs whose process the kernel kills on purpose, by file stem, with
/// the start of the kill message. `pagelab run` exits 1 for them.
pub const KILLED_BY_DESIGN: &[(&str, &str)] = &[(
    "stack_overflow",
    "process 1 (stack_overflow.asm) killed: stack overflow: store at 0xbfeffffc",
)];

/// Returns the exit status `pagelab run` gives for the program at `path`:
/// 1 for a program in [`KILLED_BY_DESIGN`], 0 for the others.
pub fn designed_status(path: &Path) -> i32 {
    let name = stem(path);
    if KILLED_BY_DESIGN.iter().any(|(killed, _)| *killed == name) {
        1
    } else {
        0
    }
}

/// Returns the file stem of `path`, for snapshot names.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("program paths have a name")
        .to_string_lossy()
        .into_owned()
}

/// Asserts that the process ended with a message and a non-zero status, without a panic.
pub fn assert_clean_failure(run: &Run, expected_in_stderr: &str) {
    assert_ne!(
        run.status,
        Some(0),
        "expected a failure; stderr:\n{}",
        run.stderr
    );
    assert!(
        run.status.is_some(),
        "killed by a signal; stderr:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "panicked:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(expected_in_stderr),
        "stderr does not mention {expected_in_stderr:?}:\n{}",
        run.stderr
    );
}
