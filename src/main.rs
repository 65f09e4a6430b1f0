//! The `pagelab` command-line tool. Each subcommand lives in its own module
//! and holds no emulator logic: it validates options, calls the library
//! crates and prints.

mod asm;
mod config;
mod disasm;
mod dumps;
mod inspect;
mod load;
mod machine_args;
mod mounts;
mod output;
mod replay;
mod run;
mod sched;
mod sweep;
mod trace_input;
mod translate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A memory-management laboratory: assemble toy programs, run them on a
/// paging VM, and replay their page references through replacement policies.
#[derive(Parser, Debug)]
#[command(name = "pagelab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program (.asm or .pbc) on the paging VM.
    // Boxed because its many options make it far larger than the others.
    Run(Box<run::Args>),
    /// Assemble a .asm file into a .pbc object file.
    Asm(asm::Args),
    /// Print a .pbc (or .asm) file as assembly with labels.
    Disasm(disasm::Args),
    /// Replay a page reference string through replacement policies.
    Replay(replay::Args),
    /// Print each policy's faults over a range of frame counts, and plot
    /// the fault-rate curves.
    Sweep(sweep::Args),
    /// Run a job list through a CPU scheduler and print the Gantt chart and
    /// per-job times.
    Sched(sched::Args),
    /// Print the effective machine configuration.
    Config(config::Args),
    /// Print parts of a dump file: page tables, frames, TLB, swap, frame bytes.
    Inspect(inspect::Args),
    /// Translate a virtual address step by step, from a dump or a run.
    Translate(translate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::execute(*args),
        Command::Asm(args) => asm::execute(args),
        Command::Disasm(args) => disasm::execute(args),
        Command::Replay(args) => replay::execute(args),
        Command::Sweep(args) => sweep::execute(args),
        Command::Sched(args) => sched::execute(args),
        Command::Config(args) => config::execute(args),
        Command::Inspect(args) => inspect::execute(args),
        Command::Translate(args) => translate::execute(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => output::report_error(&error),
    }
}
