//! `pagelab asm`: assembles a source file into a `.pbc` object file.

use crate::load::{assembly_error, has_object_magic};
use crate::output::same_file;
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `pagelab asm`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The assembly source file.
    #[arg(value_name = "FILE.asm")]
    pub file: PathBuf,
    /// The object file to write [default: FILE with the extension .pbc].
    #[arg(short, long, value_name = "FILE.pbc")]
    pub output: Option<PathBuf>,
}

/// Assembles the file and writes the object file. Prints a one-line summary
/// on stderr; assembly errors are returned, all of them rendered.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let path = &args.file;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| path.with_extension("pbc"));
    if same_file(&output, path) {
        bail!(
            "the output {} would overwrite the input; choose another name with -o",
            output.display()
        );
    }

    let bytes = crate::load::read_program_file(path)?;
    if has_object_magic(&bytes) {
        bail!(
            "{} is already an object file; print it with `pagelab disasm {}`",
            path.display(),
            path.display()
        );
    }
    let Ok(source) = String::from_utf8(bytes) else {
        bail!(
            "{} is not UTF-8 text, so it is not assembly source",
            path.display()
        );
    };

    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let object = pagelab_asm::assemble(&file_name, &source)
        .map_err(|errors| assembly_error(path, &errors))?;

    std::fs::write(&output, object.to_bytes())
        .with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "wrote {}: {} instructions, {} data bytes, {} bss bytes, {} symbols",
        output.display(),
        object.lines.len(),
        object.data.bytes.len(),
        object.bss.len,
        object.symbols.len()
    );
    Ok(ExitCode::SUCCESS)
}
