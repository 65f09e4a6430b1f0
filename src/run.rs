//! `pagelab run`: load programs, run them as processes on the paging VM,
//! report.

use crate::load::load_program;
use crate::machine_args::MachineArgs;
use crate::output::EXIT_GUEST_FAILED;
use anyhow::{bail, Context};
use pagelab_vm::gantt;
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
    /// Programs to run, one process each: assembly source (.asm) or object
    /// files (.pbc). `FILE*N` starts N processes of FILE, and `@P` after
    /// either gives them scheduling priority P (lower is higher; default 0).
    #[arg(required = true, value_name = "FILE[*N][@P]")]
    files: Vec<String>,

    /// Start this many processes of every FILE (multiplies `*N`).
    #[arg(long, value_name = "N", default_value_t = 1)]
    copies: u32,

    #[command(flatten)]
    machine: MachineArgs,

    /// Write trace events to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,

    /// Trace format: `text` (one aligned line per event) or `jsonl` (one JSON object per line).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "jsonl"])]
    trace_format: String,

    /// Trace only these event kinds, comma-separated: access, walk, fault,
    /// eviction, swap_out, swap_in, exit, stop, device, state, cow, lock, io,
    /// switch, syscall.
    #[arg(long, value_name = "KIND,...")]
    trace_filter: Option<String>,

    /// Statistics format: `text` (a table on stderr) or `json` (one object on stdout).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    stats: String,

    /// Print a text Gantt chart of the CPU (threads, context switches, idle
    /// time) to stderr after the run.
    #[arg(long)]
    gantt: bool,

    /// Draw the Gantt chart as an SVG image into FILE.
    #[arg(long, value_name = "FILE")]
    gantt_svg: Option<PathBuf>,

    /// Guest standard input (file descriptor 0): the bytes of FILE, delivered
    /// one per --console-latency ticks. Without it, reads find the end of input.
    #[arg(long, value_name = "FILE")]
    stdin: Option<PathBuf>,

    /// Write the page reference string to FILE: one page per completed
    /// access, in order, with ` w` after a store. Pages are VPNs for one
    /// process and PID:VPN for several.
    #[arg(long, value_name = "FILE")]
    refs_out: Option<PathBuf>,
}

/// A buffered stdout shared by the guest console and the trace, so their
/// lines stay in the order they were produced.
#[derive(Clone)]
struct SharedStdout(Rc<RefCell<BufWriter<io::Stdout>>>);

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
        Some(text) => Filter::parse(text)?,
        None => Filter::ALL,
    };
    let mut programs = Vec::new();
    for spec in &args.files {
        let ProgramSpec {
            path,
            count,
            priority,
        } = parse_program_spec(spec)?;
        let object = load_program(&path)?;
        for _ in 0..count.saturating_mul(args.copies) {
            programs.push((path.clone(), object.clone(), priority));
        }
    }
    if programs.is_empty() {
        bail!("--copies 0 starts no process; use --copies 1 or more");
    }

    let stdout = SharedStdout(Rc::new(RefCell::new(BufWriter::new(io::stdout()))));
    let console: Box<dyn Write> = if json_stats {
        Box::new(io::stderr())
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
            Box::new(BufWriter::new(file))
        };
        let sink: Box<dyn Sink> = if args.trace_format == "jsonl" {
            Box::new(JsonlSink::new(out))
        } else {
            Box::new(TextSink::new(out))
        };
        kernel.set_tracer(Tracer::new(sink, filter));
    }
    // Created before the run, so a bad path fails at once.
    let gantt_svg = match &args.gantt_svg {
        Some(path) => Some(
            File::create(path)
                .with_context(|| format!("cannot write the Gantt chart to {}", path.display()))?,
        ),
        None => None,
    };
    if let Some(path) = &args.stdin {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read --stdin file {}", path.display()))?;
        kernel.set_stdin(bytes);
    }
    if let Some(path) = &args.refs_out {
        let file = File::create(path)
            .with_context(|| format!("cannot create reference file {}", path.display()))?;
        kernel.set_refs_out(Box::new(BufWriter::new(file)));
    }

    for (path, object, priority) in programs {
        kernel
            .spawn_with_priority(object, priority)
            .with_context(|| format!("cannot start {}", path.display()))?;
    }
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
    if args.gantt {
        write!(stderr, "{}", gantt::render(kernel.timeline()))?;
    }
    if let (Some(mut file), Some(path)) = (gantt_svg, &args.gantt_svg) {
        file.write_all(gantt::render_svg(kernel.timeline()).as_bytes())
            .with_context(|| format!("cannot write the Gantt chart to {}", path.display()))?;
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

/// One program argument: `FILE[*N][@P]`.
struct ProgramSpec {
    path: PathBuf,
    /// Processes to start.
    count: u32,
    /// Their scheduling priority.
    priority: u32,
}

/// Splits `FILE[*N][@P]` into the file, the number of processes (1 without
/// `*N`) and their priority (0 without `@P`).
fn parse_program_spec(spec: &str) -> anyhow::Result<ProgramSpec> {
    let (rest, priority) = match spec.rsplit_once('@') {
        Some((rest, priority)) => match priority.parse::<u32>() {
            Ok(priority) => (rest, priority),
            Err(_) => bail!(
                "invalid priority {priority:?} in {spec:?}; write FILE@P with P a whole number (0 is the highest)"
            ),
        },
        None => (spec, 0),
    };
    let Some((path, count)) = rest.rsplit_once('*') else {
        return Ok(ProgramSpec {
            path: PathBuf::from(rest),
            count: 1,
            priority,
        });
    };
    match count.parse::<u32>() {
        Ok(count) if count >= 1 => Ok(ProgramSpec {
            path: PathBuf::from(path),
            count,
            priority,
        }),
        _ => bail!(
            "invalid process count {count:?} in {spec:?}; write FILE*N with N a whole number of at least 1"
        ),
    }
}
