//! `pagelab run`: load a program, run it on the paging VM, report.

use crate::load::load_program;
use crate::machine_args::MachineArgs;
use crate::output::{same_file, NamedWriter, EXIT_GUEST_FAILED};
use anyhow::{bail, Context};
use pagelab_vm::kernel::Kernel;
use pagelab_vm::trace::{Filter, JsonlSink, Sink, TextSink, Tracer};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

/// Options of `pagelab run`.
///
/// Output: the guest's console output goes to stdout and the summary table
/// to stderr after the run. With `--stats json`, stdout carries only the
/// JSON object and the guest's console output goes to stderr. Messages about
/// killed or stopped processes go to stderr. Exit status: 0 when every
/// process exited with status 0; 1 when a guest exited non-zero, was killed
/// or ran out of ticks; 2 for bad options and files that do not load.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Output: guest console output goes to stdout and the summary table to stderr. \
With --stats json, stdout carries only the JSON object and the guest console goes to stderr. \
Exit status: 0 when every process exited 0; 1 when a guest exited non-zero, was killed or ran \
out of ticks; 2 for bad options and files that do not load."
)]
pub struct Args {
    /// Program to run: assembly source (.asm) or an object file (.pbc).
    file: PathBuf,

    #[command(flatten)]
    machine: MachineArgs,

    /// Write trace events to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,

    /// Trace format: `text` (one aligned line per event) or `jsonl` (one JSON object per line).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "jsonl"])]
    trace_format: String,

    /// Trace only these event kinds, comma-separated: access, walk, fault,
    /// eviction, swap_out, swap_in, exit, stop.
    #[arg(long, value_name = "KIND,...", requires = "trace")]
    trace_filter: Option<String>,

    /// Stop writing the trace after this many events (the run goes on), so a
    /// looping program cannot fill the disk; 0 writes none.
    #[arg(long, value_name = "EVENTS", default_value_t = DEFAULT_TRACE_LIMIT)]
    trace_limit: u64,

    /// Statistics format: `text` (a table on stderr) or `json` (one object on stdout).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    stats: String,

    /// Write the page reference string to FILE (not stdout): one VPN per
    /// completed access, in order, with ` w` after a store.
    #[arg(long, value_name = "FILE")]
    refs_out: Option<PathBuf>,
}

/// Default of `--trace-limit`: one million events, about 80 MB of text trace.
const DEFAULT_TRACE_LIMIT: u64 = 1_000_000;

/// A buffered stdout shared by the guest console and the trace, so their
/// lines stay in the order they were produced.
#[derive(Clone)]
struct SharedStdout(Rc<RefCell<BufWriter<NamedWriter<io::Stdout>>>>);

impl Write for SharedStdout {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.machine.to_config()?;
    let json_stats = args.stats == "json";
    let trace_to_stdout = args.trace.as_deref() == Some(std::path::Path::new("-"));
    if json_stats && trace_to_stdout {
        bail!("--trace - and --stats json both write to stdout; send the trace to a file (--trace FILE) or use --stats text");
    }
    let filter = match &args.trace_filter {
        Some(text) if text.split(',').all(|name| name.trim().is_empty()) => {
            bail!("--trace-filter {text:?} names no event kind; list kinds such as `fault,eviction`, or leave out --trace-filter to trace every kind");
        }
        Some(text) => Filter::parse(text)?,
        None => Filter::ALL,
    };
    check_output_paths(&args)?;
    let object = load_program(&args.file)?;

    let stdout = SharedStdout(Rc::new(RefCell::new(BufWriter::new(NamedWriter::new(
        io::stdout(),
        "stdout",
    )))));
    let console: Box<dyn Write> = if json_stats {
        Box::new(NamedWriter::new(io::stderr(), "stderr"))
    } else {
        Box::new(stdout.clone())
    };
    let mut kernel = Kernel::new(config, console)?;

    if let Some(path) = &args.trace {
        let out: Box<dyn Write> = if trace_to_stdout {
            Box::new(stdout.clone())
        } else {
            let file = File::create(path)
                .with_context(|| format!("cannot create trace file {}", path.display()))?;
            let description = format!("trace file {}", path.display());
            Box::new(BufWriter::new(NamedWriter::new(file, description)))
        };
        let sink: Box<dyn Sink> = if args.trace_format == "jsonl" {
            Box::new(JsonlSink::new(out))
        } else {
            Box::new(TextSink::new(out))
        };
        kernel.set_tracer(Tracer::new(sink, filter).with_max_events(args.trace_limit));
    }
    if let Some(path) = &args.refs_out {
        let file = File::create(path)
            .with_context(|| format!("cannot create reference file {}", path.display()))?;
        let description = format!("reference file {}", path.display());
        kernel.set_refs_out(Box::new(BufWriter::new(NamedWriter::new(
            file,
            description,
        ))));
    }

    kernel
        .spawn(object)
        .with_context(|| format!("cannot start {}", args.file.display()))?;
    kernel.run()?;

    // The guest's output comes before anything the run reports on stderr.
    stdout.clone().flush()?;
    let stats = kernel.stats();
    let mut stderr = io::stderr().lock();
    for process in kernel.processes() {
        if !json_stats || !process.succeeded() {
            writeln!(stderr, "{}", process.describe_exit())?;
        }
    }
    if kernel.trace_reached_max_events() {
        writeln!(
            stderr,
            "warning: the trace stopped after {} events (--trace-limit); the run went on untraced; raise --trace-limit or narrow --trace-filter to see more",
            args.trace_limit
        )?;
    }
    if json_stats {
        let mut out = stdout.clone();
        writeln!(out, "{}", stats.to_json())?;
        out.flush()?;
    } else {
        writeln!(stderr, "{}", kernel.config().describe_briefly())?;
        stats.write_table(&mut stderr)?;
    }

    if kernel.processes().iter().all(|process| process.succeeded()) {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(EXIT_GUEST_FAILED))
    }
}

/// Rejects `--refs-out -`, a trace or reference file that would overwrite
/// the program, and one file given to both options, because the outputs
/// are created (and truncated) before the run starts.
fn check_output_paths(args: &Args) -> anyhow::Result<()> {
    let trace = args
        .trace
        .as_deref()
        .filter(|path| *path != std::path::Path::new("-"));
    let refs_out = args.refs_out.as_deref();
    if refs_out == Some(std::path::Path::new("-")) {
        bail!("--refs-out - is not supported, because stdout carries the guest's output; give a file name, as in --refs-out run.refs");
    }
    for (option, path) in [("--trace", trace), ("--refs-out", refs_out)] {
        if let Some(path) = path.filter(|path| same_file(path, &args.file)) {
            bail!(
                "{option} {} would overwrite the program being run; choose another file name",
                path.display()
            );
        }
    }
    if let (Some(trace), Some(refs_out)) = (trace, refs_out) {
        if same_file(trace, refs_out) {
            bail!(
                "--trace and --refs-out both name {}; give each its own file",
                refs_out.display()
            );
        }
    }
    Ok(())
}
