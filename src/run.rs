//! `pagelab run`: load programs, run them as processes on the paging VM,
//! report.

use crate::dumps::{
    check_frames, run_with_dumps, unreached_message, DumpPlan, MAX_DUMP_FILE_BYTES,
};
use crate::load::load_program;
use crate::machine_args::MachineArgs;
use crate::mounts::open_mounts;
use crate::output::{same_file, NamedWriter, EXIT_GUEST_FAILED};
use anyhow::{bail, Context};
use pagelab_vm::config::MachineConfig;
use pagelab_vm::dump::{Dump, DumpFile, Selection};
use pagelab_vm::eat::AccessCosts;
use pagelab_vm::gantt;
use pagelab_vm::kernel::mount::Mount;
use pagelab_vm::kernel::Kernel;
use pagelab_vm::object::Object;
use pagelab_vm::policy::{self, PageKey};
use pagelab_vm::trace::{Filter, JsonlSink, Sink, TextSink, Tracer};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
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
    /// switch, syscall, file_in, file_out.
    #[arg(long, value_name = "KIND,...", requires = "trace")]
    trace_filter: Option<String>,

    /// Stop writing the trace after this many events (the run goes on), so a
    /// looping program cannot fill the disk; 0 writes none.
    #[arg(long, value_name = "EVENTS", default_value_t = DEFAULT_TRACE_LIMIT)]
    trace_limit: u64,

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

    /// Write the page reference string to FILE (not stdout): one page per completed
    /// access, in order, with ` w` after a store. Pages are VPNs for one
    /// process and PID:VPN for several.
    #[arg(long, value_name = "FILE")]
    refs_out: Option<PathBuf>,

    /// Make the host file HOSTPATH visible to guests under NAME, for
    /// `sys mmap`; read-only unless `:rw` follows. Repeatable. NAME has 1 to
    /// 32 letters, digits, `_`, `-` or `.`; the file must be a regular file
    /// of at most 64 MiB. No other host file is reachable from a guest.
    #[arg(long = "mount", value_name = "NAME=HOSTPATH[:rw]", value_parser = crate::mounts::parse_mount)]
    mounts: Vec<crate::mounts::MountSpec>,

    /// Take a dump of page tables, frames, TLB and swap when the clock
    /// reaches TICK (between two instructions), or with `exit` each time a
    /// process ends, just before its memory is released. Repeatable.
    #[arg(long, value_name = "TICK|exit")]
    dump_at: Vec<String>,

    /// Write the dumps to FILE instead of stdout (where they follow the
    /// guest's output).
    #[arg(long, value_name = "FILE", requires = "dump_at")]
    dump_out: Option<PathBuf>,

    /// Write the dumps as one JSON object, the file `pagelab inspect` and
    /// `pagelab translate --dump` read.
    #[arg(long, requires = "dump_at")]
    dump_json: bool,

    /// Copy the bytes of physical frame PFN into every dump. Repeatable.
    #[arg(long, value_name = "PFN", requires = "dump_at")]
    dump_frame: Vec<u32>,
    /// Ticks of one TLB lookup (T) for the effective access time. Giving
    /// any of --tlb-cost, --mem-cost and --disk-cost adds the effective
    /// access time to the summary; the costs never change the run.
    /// Default: 0, because the machine charges nothing for a lookup.
    #[arg(long, value_name = "TICKS")]
    tlb_cost: Option<u64>,

    /// Ticks of one memory access (M), a page-table entry read or the
    /// data access, for the effective access time. Default: --walk-cost.
    #[arg(long, value_name = "TICKS")]
    mem_cost: Option<u64>,

    /// Ticks to service one page fault (D) for the effective access time.
    /// Default: --fault-cost plus --swap-read-latency.
    #[arg(long, value_name = "TICKS")]
    disk_cost: Option<u64>,
}

impl Args {
    /// Returns the costs of the effective access time when any was given,
    /// with the others taken from the machine's own costs.
    fn access_costs(&self, config: &MachineConfig) -> Option<AccessCosts> {
        if self.tlb_cost.is_none() && self.mem_cost.is_none() && self.disk_cost.is_none() {
            return None;
        }
        Some(AccessCosts {
            tlb_cost: self.tlb_cost.unwrap_or(0),
            mem_cost: self.mem_cost.unwrap_or(config.walk_cost_per_level),
            disk_cost: self
                .disk_cost
                .unwrap_or(config.fault_cost.saturating_add(config.swap_read_latency)),
        })
    }
}

/// Gives `kernel` an in-memory copy of each of `mounts`, so that the run
/// never writes a host file.
pub(crate) fn add_mount_copies(kernel: &mut Kernel, mounts: &mut [Mount]) -> anyhow::Result<()> {
    for mount in mounts {
        let copy = mount
            .snapshot()
            .with_context(|| format!("cannot read {}", mount.describe()))?;
        kernel.add_mount(copy)?;
    }
    Ok(())
}

/// The online policy of OPT's first pass. Any policy gives the same
/// reference string for one process, whose accesses do not depend on paging.
const FIRST_PASS_POLICY: &str = "lru";

/// Runs OPT's first pass: the same programs on the same machine under
/// [`FIRST_PASS_POLICY`], with no output, and returns its page keys.
fn record_references(
    config: &MachineConfig,
    programs: &[(PathBuf, Object, u32)],
    stdin: Option<&[u8]>,
    mounts: &mut [Mount],
) -> anyhow::Result<Vec<PageKey>> {
    let mut kernel = Kernel::new(config.clone(), Box::new(io::sink()))?;
    if let Some(bytes) = stdin {
        kernel.set_stdin(bytes.to_vec());
    }
    // The first pass maps copies, so that a writable mount is written once,
    // by the second pass.
    add_mount_copies(&mut kernel, mounts)?;
    kernel.record_references();
    for (path, object, priority) in programs {
        kernel
            .spawn_with_priority(object.clone(), *priority)
            .with_context(|| format!("cannot start {}", path.display()))?;
    }
    kernel.run()?;
    kernel.recorded_references().ok_or_else(|| {
        anyhow::anyhow!(
            "OPT's first pass made more than {} references, the most pagelab keeps in memory; run OPT on a shorter program, or replay its --refs-out file with `pagelab replay --policy opt`",
            pagelab_vm::kernel::reference_log::MAX_RECORDED
        )
    })
}

/// Default of `--trace-limit`: one million events, about 80 MB of text trace.
const DEFAULT_TRACE_LIMIT: u64 = 1_000_000;

/// Largest `--stdin` file, in bytes (64 MiB). The whole file is read before
/// the run, so without a limit a device such as /dev/zero or /dev/urandom
/// would fill host memory.
const MAX_STDIN_BYTES: u64 = 64 << 20;

/// Reads the `--stdin` file, rejecting one larger than [`MAX_STDIN_BYTES`].
pub(crate) fn read_stdin_file(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let context = || format!("cannot read --stdin file {}", path.display());
    let file = File::open(path).with_context(context)?;
    let mut bytes = Vec::new();
    io::Read::take(file, MAX_STDIN_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(context)?;
    if bytes.len() as u64 > MAX_STDIN_BYTES {
        bail!(
            "--stdin file {} is larger than {MAX_STDIN_BYTES} bytes (64 MiB); give a smaller file",
            path.display()
        );
    }
    Ok(bytes)
}

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
    // OPT needs the future, so the VM runs it in two passes: the first,
    // under an online policy, records the reference string; the second
    // gives it to OPT and checks that it sees the same references.
    let offline_policy = policy::needs_future(&args.machine.policy);
    if offline_policy && args.machine.scope == "local" {
        bail!("--policy {} needs each process's future reference string under --scope local, which one recorded run does not give; use --scope global, or replay each process's --refs-out file with `pagelab replay --policy opt`", args.machine.policy);
    }
    let config = if offline_policy {
        let mut first_pass = args.machine.clone();
        first_pass.policy = FIRST_PASS_POLICY.to_string();
        first_pass.to_config()?
    } else {
        args.machine.to_config()?
    };
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
    let dump_plan = DumpPlan::parse(&args.dump_at, &args.dump_frame)?;
    check_frames(&config, &dump_plan.frames)?;
    if json_stats && !dump_plan.is_empty() && args.dump_out.is_none() {
        bail!("--dump-at writes to stdout, which --stats json reserves for the statistics; send the dumps to a file with --dump-out FILE");
    }
    let mut specs = Vec::new();
    for text in &args.files {
        specs.push(parse_program_spec(text)?);
    }
    let program_paths: Vec<&std::path::Path> =
        specs.iter().map(|spec| spec.path.as_path()).collect();
    check_output_paths(&args, &program_paths)?;

    // Each process needs at least its root page table, so a count above the
    // pool size cannot start. Checking it first keeps a huge `*N` or
    // `--copies` from allocating one program object per process.
    let n_processes: u64 = specs
        .iter()
        .map(|spec| u64::from(spec.count) * u64::from(args.copies))
        .sum();
    if config.page_tables_in_pool && n_processes > config.frames as u64 {
        bail!(
            "{n_processes} processes need a frame each for their root page tables, but there are {} frames; start fewer processes or raise --frames",
            config.frames
        );
    }
    if !config.page_tables_in_pool && n_processes > config.page_table_frames as u64 {
        bail!(
            "{n_processes} processes need a page-table frame each, but the pool has {}; start fewer processes or raise --page-table-frames",
            config.page_table_frames
        );
    }
    // Forked children get pids only as they are created, so limits name
    // the processes started from the command line.
    if let Some((&pid, &limit)) = config
        .frame_limits
        .iter()
        .find(|(&pid, _)| u64::from(pid) > n_processes)
    {
        let started = if n_processes == 1 {
            "only process 1".to_string()
        } else {
            format!("processes 1 to {n_processes}")
        };
        bail!(
            "invalid --frame-limit: {pid}={limit} names no process; the command line starts {started}, and forked children follow --allocation"
        );
    }

    let mut programs = Vec::new();
    for ProgramSpec {
        path,
        count,
        priority,
    } in specs
    {
        let object = load_program(&path)?;
        for _ in 0..count * args.copies {
            programs.push((path.clone(), object.clone(), priority));
        }
    }
    if programs.is_empty() {
        bail!("--copies 0 starts no process; use --copies 1 or more");
    }

    let stdout = SharedStdout(Rc::new(RefCell::new(BufWriter::new(NamedWriter::new(
        io::stdout(),
        "stdout",
    )))));
    let console: Box<dyn Write> = if json_stats {
        Box::new(NamedWriter::new(io::stderr(), "stderr"))
    } else {
        Box::new(stdout.clone())
    };
    let stdin = match &args.stdin {
        Some(path) => Some(read_stdin_file(path)?),
        None => None,
    };
    let mut outputs = Vec::new();
    if let Some(path) = args.trace.as_deref().filter(|path| *path != Path::new("-")) {
        outputs.push(("--trace", path));
    }
    if let Some(path) = args.refs_out.as_deref() {
        outputs.push(("--refs-out", path));
    }
    if let Some(path) = args.gantt_svg.as_deref() {
        outputs.push(("--gantt-svg", path));
    }
    if let Some(path) = args.dump_out.as_deref() {
        outputs.push(("--dump-out", path));
    }
    let mut mounts = open_mounts(&args.mounts, &outputs)?;
    let future = if offline_policy {
        Some(record_references(
            &config,
            &programs,
            stdin.as_deref(),
            &mut mounts,
        )?)
    } else {
        None
    };

    let mut kernel = Kernel::new(config, console)?;
    for mount in mounts {
        kernel.add_mount(mount)?;
    }
    if let Some(future) = future {
        kernel.follow_references(&args.machine.policy, future)?;
    }

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
    // Created before the run, so a bad path fails at once.
    let gantt_svg = match &args.gantt_svg {
        Some(path) => Some(
            File::create(path)
                .with_context(|| format!("cannot write the Gantt chart to {}", path.display()))?,
        ),
        None => None,
    };
    if let Some(bytes) = stdin {
        kernel.set_stdin(bytes);
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

    for (path, object, priority) in programs {
        kernel
            .spawn_with_priority(object, priority)
            .with_context(|| format!("cannot start {}", path.display()))?;
    }
    // Created before the run, so a bad path fails at once.
    let dump_out = match &args.dump_out {
        Some(path) => Some(
            File::create(path)
                .with_context(|| format!("cannot create dump file {}", path.display()))?,
        ),
        None => None,
    };
    let run_dumps = run_with_dumps(&mut kernel, &dump_plan)?;

    // The guest's output comes before anything the run reports on stderr.
    stdout.clone().flush()?;
    let mut stats = kernel.stats();
    if let Some(costs) = args.access_costs(kernel.config()) {
        let levels = kernel.system().geometry.levels;
        stats.add_access_time(costs, levels, kernel.config().tlb_entries > 0);
    }
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
    if kernel.timeline_truncated() && (args.gantt || args.gantt_svg.is_some()) {
        writeln!(
            stderr,
            "warning: the Gantt chart shows only the first {} slices of the run",
            pagelab_vm::kernel::MAX_TIMELINE_SLICES
        )?;
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
    if !dump_plan.is_empty() {
        write_dumps(&args, run_dumps.dumps, dump_out, stdout.clone())?;
    }
    if !run_dumps.unreached.is_empty() {
        bail!(unreached_message(
            &run_dumps.unreached,
            kernel.system().clock
        ));
    }

    if kernel.processes().iter().all(|process| process.succeeded()) {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(EXIT_GUEST_FAILED))
    }
}

/// Rejects a JSON dump file of `bytes` bytes (or at least that many) when
/// `inspect` and `translate --dump` could not read it back.
fn check_dump_file_size(bytes: u64) -> anyhow::Result<()> {
    if bytes > MAX_DUMP_FILE_BYTES {
        bail!(
            "the JSON dumps take at least {bytes} bytes, above the {MAX_DUMP_FILE_BYTES} bytes (64 MiB) that `pagelab inspect` and `pagelab translate` read, so none was written; take fewer --dump-at dumps or fewer --dump-frame frames, or leave out --dump-json for text dumps"
        );
    }
    Ok(())
}

/// Writes the dumps as text or JSON to the `--dump-out` file, or else to stdout.
fn write_dumps(
    args: &Args,
    dumps: Vec<Dump>,
    file: Option<File>,
    stdout: SharedStdout,
) -> anyhow::Result<()> {
    let text = if args.dump_json {
        // The frames' hex digits alone give a lower bound of the size, which
        // rejects a huge file before it is serialised.
        let hex_digits: u64 = dumps
            .iter()
            .flat_map(|dump| &dump.frame_bytes)
            .map(|stored| stored.hex.len() as u64)
            .sum();
        check_dump_file_size(hex_digits)?;
        let mut json = serde_json::to_string_pretty(&DumpFile::new(dumps))?;
        json.push('\n');
        check_dump_file_size(json.len() as u64)?;
        json
    } else {
        let texts: Vec<String> = dumps
            .iter()
            .map(|dump| dump.to_text(&Selection::default()))
            .collect();
        texts.join("\n")
    };
    match (file, &args.dump_out) {
        (Some(file), Some(path)) => {
            let description = format!("dump file {}", path.display());
            let mut out = NamedWriter::new(file, description);
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        _ => {
            let mut out = stdout;
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Rejects `--refs-out -`, an output file (trace, reference file, Gantt
/// chart or dumps) that is a program or the `--stdin` file, and one file
/// given to two outputs. The run truncates or overwrites every output,
/// except a device such as `/dev/null`, which any of them may share.
fn check_output_paths(args: &Args, programs: &[&std::path::Path]) -> anyhow::Result<()> {
    if args.refs_out.as_deref() == Some(std::path::Path::new("-")) {
        bail!("--refs-out - is not supported, because stdout carries the guest's output; give a file name, as in --refs-out run.refs");
    }
    let trace = args
        .trace
        .as_deref()
        .filter(|path| *path != std::path::Path::new("-"));
    let outputs: Vec<(&str, &std::path::Path)> = [
        ("--trace", trace),
        ("--refs-out", args.refs_out.as_deref()),
        ("--gantt-svg", args.gantt_svg.as_deref()),
        ("--dump-out", args.dump_out.as_deref()),
    ]
    .into_iter()
    .filter_map(|(option, path)| path.map(|path| (option, path)))
    .filter(|(_, path)| !is_device(path))
    .collect();

    for (position, &(option, path)) in outputs.iter().enumerate() {
        if programs.iter().any(|program| same_file(path, program)) {
            bail!(
                "{option} {} would overwrite the program being run; choose another file name",
                path.display()
            );
        }
        if args
            .stdin
            .as_deref()
            .is_some_and(|stdin| same_file(path, stdin))
        {
            bail!(
                "{option} {} would overwrite the --stdin file; choose another file name",
                path.display()
            );
        }
        for &(earlier_option, earlier_path) in &outputs[..position] {
            if same_file(path, earlier_path) {
                bail!(
                    "{earlier_option} and {option} both name {}; give each its own file",
                    path.display()
                );
            }
        }
    }
    Ok(())
}

/// Returns whether `path` exists and is neither a regular file nor a
/// directory, such as `/dev/null`: writing to it overwrites no file.
fn is_device(path: &std::path::Path) -> bool {
    std::fs::metadata(path).is_ok_and(|metadata| !metadata.is_file() && !metadata.is_dir())
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
