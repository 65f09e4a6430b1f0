//! Loading a program from a `.pbc` object file or a `.asm` source file.

use anyhow::{bail, Context};
use pagelab_vm::object::{Object, MAGIC};
use std::io::{IsTerminal, Read};
use std::path::Path;

/// The largest program file, source or object, that pagelab reads: 256 MiB.
const MAX_PROGRAM_BYTES: u64 = 256 << 20;

/// Reads a program file of at most [`MAX_PROGRAM_BYTES`], so that a
/// device such as `/dev/zero` is an error instead of filling memory.
///
/// # Errors
///
/// Fails when the file cannot be read or is larger than the limit.
pub fn read_program_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    let context = || format!("cannot read {}", path.display());
    let file = std::fs::File::open(path).with_context(context)?;
    let mut bytes = Vec::new();
    file.take(MAX_PROGRAM_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(context)?;
    if bytes.len() as u64 > MAX_PROGRAM_BYTES {
        bail!(
            "{} is larger than {} MiB, the largest program file pagelab reads; is it the right file?",
            path.display(),
            MAX_PROGRAM_BYTES >> 20
        );
    }
    Ok(bytes)
}

/// Loads `path` as an object file when it starts with the object magic
/// number or its name ends in `.pbc`, and otherwise assembles it as source.
/// Going by the name as well means a `.pbc` file truncated or corrupted
/// inside its magic number is reported as a bad object file, not as
/// assembly errors.
///
/// # Errors
///
/// Fails when the file cannot be read, the object file is invalid, or the
/// source has assembly errors (all of them are rendered into the error).
pub fn load_program(path: &Path) -> anyhow::Result<Object> {
    let bytes = read_program_file(path)?;
    let pbc_name = path.extension().is_some_and(|extension| extension == "pbc");
    if pbc_name || has_object_magic(&bytes) {
        // One line names the file and what is wrong with it.
        return Object::from_bytes(&bytes).map_err(|error| {
            anyhow::anyhow!("{} is not a valid object file: {error}", path.display())
        });
    }

    let Ok(source) = String::from_utf8(bytes) else {
        bail!(
            "{} is neither a pagelab object file (it does not start with \"PLBC\") nor UTF-8 assembly source",
            path.display()
        );
    };
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    pagelab_asm::assemble(&file_name, &source).map_err(|errors| assembly_error(path, &errors))
}

/// Returns whether `bytes` start with the object-file magic number.
pub fn has_object_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Turns assembly errors into one error whose message is a summary line
/// followed by every rendered diagnostic, coloured when stderr is a terminal.
pub fn assembly_error(path: &Path, errors: &pagelab_asm::AsmErrors) -> anyhow::Error {
    let color = std::io::stderr().is_terminal();
    let count = errors.len();
    anyhow::anyhow!(
        "cannot assemble {}: {count} error{}\n\n{}",
        path.display(),
        if count == 1 { "" } else { "s" },
        errors.render(color).trim_end()
    )
}
