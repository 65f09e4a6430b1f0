//! `pagelab disasm`.

use std::process::ExitCode;

/// Options of `pagelab disasm`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the subcommand.
pub fn execute(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`pagelab disasm` is not built yet")
}
