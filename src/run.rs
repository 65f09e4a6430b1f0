//! `pagelab run`.

use std::process::ExitCode;

/// Options of `pagelab run`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the subcommand.
pub fn execute(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`pagelab run` is not built yet")
}
