//! `pagelab replay`.

use std::process::ExitCode;

/// Options of `pagelab replay`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the subcommand.
pub fn execute(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`pagelab replay` is not built yet")
}
