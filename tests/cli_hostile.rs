//! Hostile inputs to `run`, `inspect` and `translate`: options, mounts and
//! files that a careless or malicious user could give. Each case must end
//! with a message and exit status 2, or run correctly, and never touch a
//! host file that the user did not ask the run to write.

mod common;

use common::{assert_clean_failure, pagelab, scratch_dir};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `name` in `dir` and returns the path.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the scratch file can be written");
    path
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("the scratch file can be read")
}

#[test]
fn dump_out_onto_mount_is_rejected() {
    let dir = scratch_dir("dump_out_onto_mount_is_rejected");
    let text = b"mounted bytes that no dump may overwrite\n".to_vec();
    let path = write_file(&dir, "data.txt", &text);
    let path_text = path.to_string_lossy();
    let mount = format!("data={path_text}");

    let run = pagelab(&[
        "run",
        "programs/mmap_file.asm",
        "--mount",
        &mount,
        "--dump-at",
        "exit",
        "--dump-out",
        &path_text,
    ]);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "is also the --dump-out file");
    assert_eq!(read(&path), text, "the mounted file is untouched");
}

#[cfg(unix)]
#[test]
fn hard_link_to_trace_is_rejected() {
    let dir = scratch_dir("hard_link_to_trace_is_rejected");
    let text = b"mounted bytes that no trace may overwrite\n".to_vec();
    let path = write_file(&dir, "data.txt", &text);
    let link = dir.join("link.txt");
    std::fs::hard_link(&path, &link).expect("the scratch directory allows hard links");
    let mount = format!("data={}", link.display());

    let run = pagelab(&[
        "run",
        "programs/mmap_file.asm",
        "--mount",
        &mount,
        "--trace",
        &path.to_string_lossy(),
    ]);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "is also the --trace file");
    assert_eq!(read(&path), text, "the mounted file is untouched");
}

#[cfg(unix)]
#[test]
fn hard_link_mounted_twice_is_rejected() {
    let dir = scratch_dir("hard_link_mounted_twice_is_rejected");
    let path = write_file(&dir, "data.txt", b"one file under two names\n");
    let link = dir.join("link.txt");
    std::fs::hard_link(&path, &link).expect("the scratch directory allows hard links");
    let first = format!("data={}", path.display());
    let second = format!("other={}:rw", link.display());

    let run = pagelab(&[
        "run",
        "programs/mmap_file.asm",
        "--mount",
        &first,
        "--mount",
        &second,
    ]);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "both mount");
}
