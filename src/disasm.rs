//! `pagelab disasm`: prints an object file (or a source file, assembled
//! first) as assembly with labels.

use crate::load::load_program;
use crate::output::NamedWriter;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `pagelab disasm`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The object file (.pbc) or assembly source (.asm) to print.
    pub file: PathBuf,
}

/// Loads the program and prints its disassembly on stdout.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let object = load_program(&args.file)?;
    let text = pagelab_asm::disassemble(&object);
    let mut stdout = NamedWriter::new(std::io::stdout().lock(), "stdout");
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
