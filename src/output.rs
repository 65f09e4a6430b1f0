//! Writing to stdout and reporting errors, shared by the subcommands.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status for a guest that exited non-zero, was killed, or ran out of ticks.
pub const EXIT_GUEST_FAILED: u8 = 1;

/// Exit status for bad options, unreadable files and assembly errors.
pub const EXIT_USAGE: u8 = 2;

/// Prints `error` and its causes on stderr and returns the exit status.
/// A broken pipe on stdout (`pagelab … | head`) ends quietly with status 0.
pub fn report_error(error: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(error) {
        return ExitCode::SUCCESS;
    }
    let mut message = format!("error: {error}");
    for cause in error.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {cause}"));
    }
    let _ = writeln!(io::stderr(), "{message}");
    ExitCode::from(EXIT_USAGE)
}

/// Returns whether the error is, or was caused by, writing to a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io_error| io_error.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// A writer that adds its destination to every I/O error, so that a failed
/// write says which of stdout, the trace and the reference file failed.
/// The error kind is kept, so a broken pipe is still recognised.
pub struct NamedWriter<W> {
    inner: W,
    description: String,
}

impl<W: Write> NamedWriter<W> {
    /// Wraps `inner`, whose errors will read "cannot write {description}: …".
    pub fn new(inner: W, description: impl Into<String>) -> NamedWriter<W> {
        NamedWriter {
            inner,
            description: description.into(),
        }
    }

    fn name_error(&self, error: io::Error) -> io::Error {
        io::Error::new(
            error.kind(),
            format!("cannot write {}: {error}", self.description),
        )
    }
}

impl<W: Write> Write for NamedWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.inner
            .write(bytes)
            .map_err(|error| self.name_error(error))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|error| self.name_error(error))
    }
}

/// Returns whether `first` and `second` name the same file, however each is
/// spelled (`x.asm`, `./x.asm`, a symbolic link or, on Unix, a hard link).
/// A file that does not exist yet is compared by its canonical directory
/// and its name.
pub fn same_file(first: &Path, second: &Path) -> bool {
    if first == second {
        return true;
    }
    if let Some(same) = same_inode(first, second) {
        return same;
    }
    match (canonical(first), canonical(second)) {
        (Some(first), Some(second)) => first == second,
        _ => false,
    }
}

/// Compares the device and inode numbers of two existing files, which
/// catches hard links that canonical paths miss. Returns `None` when either
/// file cannot be examined (it does not exist yet, or not on Unix).
#[cfg(unix)]
fn same_inode(first: &Path, second: &Path) -> Option<bool> {
    use std::os::unix::fs::MetadataExt;

    let first = std::fs::metadata(first).ok()?;
    let second = std::fs::metadata(second).ok()?;
    Some(first.dev() == second.dev() && first.ino() == second.ino())
}

#[cfg(not(unix))]
fn same_inode(_first: &Path, _second: &Path) -> Option<bool> {
    None
}

fn canonical(path: &Path) -> Option<PathBuf> {
    if let Ok(full) = std::fs::canonicalize(path) {
        return Some(full);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}
