//! `pagelab config`.

use std::process::ExitCode;

/// Options of `pagelab config`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the subcommand.
pub fn execute(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`pagelab config` is not built yet")
}
