//! `pagelab asm`.

use std::process::ExitCode;

/// Options of `pagelab asm`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the subcommand.
pub fn execute(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`pagelab asm` is not built yet")
}
