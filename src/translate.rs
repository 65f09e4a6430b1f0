//! `pagelab translate`: translate one virtual address step by step, from a
//! dump file (or a hand-written machine description) or from a run of
//! programs paused at a tick.

use crate::dumps::{parse_point, read_dump_file, select_dump, DumpPlan, Point};
use crate::load::load_program;
use crate::machine_args::MachineArgs;
use crate::output::NamedWriter;
use anyhow::{bail, Context};
use pagelab_vm::dump::exercise::parse_u32;
use pagelab_vm::dump::walk::{walk, Walk, WalkFault};
use pagelab_vm::dump::{self, flag_letters, Dump, DumpPoint, ProcessDump};
use pagelab_vm::hw::mmu::AccessKind;
use pagelab_vm::hw::page_table::Geometry;
use pagelab_vm::kernel::{Kernel, RunProgress};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `pagelab translate`.
///
/// The walk reads the page tables as a TLB miss would, and sets no bit.
/// A fault is a result, not an error: it prints and exits with status 0.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Give either --dump FILE (a dump written by `pagelab run --dump-json`, or a \
hand-written machine description) or PROGRAM files with --at, which run on the machine the \
machine options describe until the clock reaches the tick. A fault is a result: it prints \
and the exit status is 0. Exit status 2: bad options or files."
)]
pub struct Args {
    /// Programs to run, one process each, until --at (instead of --dump).
    #[arg(value_name = "PROGRAM", conflicts_with = "dump")]
    programs: Vec<PathBuf>,

    /// The virtual address, in hex (0x…) or decimal.
    #[arg(long, value_name = "ADDRESS")]
    va: String,

    /// The process whose page table to walk. Default: the only process of
    /// the dump, or the process of an exit dump.
    #[arg(long, value_name = "N")]
    pid: Option<u32>,

    /// Translate a store (checks the write permission) instead of a load.
    #[arg(long, conflicts_with = "fetch")]
    write: bool,

    /// Translate an instruction fetch instead of a load.
    #[arg(long)]
    fetch: bool,

    /// Dump file or machine description to translate against. The machine
    /// options are ignored with it, because the file describes the machine.
    #[arg(long, value_name = "DUMP.json")]
    dump: Option<PathBuf>,

    /// The dump point: a tick, or `exit` for the moment --pid ends, before
    /// its memory is released. Required with PROGRAM; with --dump, needed
    /// only when the file contains several dumps.
    #[arg(long, value_name = "TICK|exit")]
    at: Option<String>,

    /// Print the walk as one JSON object.
    #[arg(long)]
    json: bool,

    /// Make the host file HOSTPATH visible to the programs under NAME, as
    /// `pagelab run --mount` does. The run works on a copy, so even a `:rw`
    /// mount's file is never written. Repeatable; only with PROGRAM.
    #[arg(long = "mount", value_name = "NAME=HOSTPATH[:rw]", value_parser = crate::mounts::parse_mount, conflicts_with = "dump")]
    mounts: Vec<crate::mounts::MountSpec>,

    /// Deliver the bytes of FILE as the programs' standard input, as
    /// `pagelab run --stdin` does. Only with PROGRAM.
    #[arg(long, value_name = "FILE", conflicts_with = "dump")]
    stdin: Option<PathBuf>,

    #[command(flatten)]
    machine: MachineArgs,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let va = parse_va(&args.va)?;
    let access = if args.write {
        AccessKind::Store
    } else if args.fetch {
        AccessKind::Fetch
    } else {
        AccessKind::Load
    };
    let at = args
        .at
        .as_deref()
        .map(|value| parse_point(value, "--at"))
        .transpose()?;

    let owned;
    let file;
    let dump: &Dump = match (&args.dump, args.programs.is_empty()) {
        (Some(path), _) => {
            file = read_dump_file(path)?;
            select_dump(&file, at, args.pid)?
        }
        (None, false) => {
            let Some(at) = at else {
                bail!("translating on a run needs --at TICK (or --at exit): the tick at which to pause");
            };
            owned = run_to_point(&args, at)?;
            &owned
        }
        (None, true) => {
            bail!("give a dump with --dump FILE, or programs to run with --at TICK");
        }
    };

    let process = choose_process(dump, args.pid)?;
    let geometry = dump
        .machine
        .geometry()
        .map_err(|message| anyhow::anyhow!("invalid machine geometry: {message}"))?;
    let result = walk(dump, &geometry, &process.page_table, va, access);

    let mut out = NamedWriter::new(io::stdout().lock(), "stdout");
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report(dump, process, &result))?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render(dump, &geometry, process, &result))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Parses `--va`: hex with `0x`, or decimal, at most 32 bits.
fn parse_va(text: &str) -> anyhow::Result<u32> {
    match parse_u32(text) {
        Some(va) => Ok(va),
        None => {
            bail!("invalid --va {text:?}: give a 32-bit address in hex (0x00401000) or decimal")
        }
    }
}

/// Runs the programs until `at` and takes the dump there.
fn run_to_point(args: &Args, at: Point) -> anyhow::Result<Dump> {
    if pagelab_vm::policy::needs_future(&args.machine.policy) {
        bail!(
            "translate cannot run policy {:?}, which needs the run's future; choose an online policy such as lru",
            args.machine.policy
        );
    }
    let config = args.machine.to_config()?;
    if !config.page_tables_in_pool && args.programs.len() > config.page_table_frames {
        bail!(
            "{} processes need a page-table frame each, but the pool has {}; start fewer processes or raise --page-table-frames",
            args.programs.len(),
            config.page_table_frames
        );
    }
    let mut kernel = Kernel::new(config, Box::new(io::sink()))?;
    kernel.set_errors(Box::new(io::sink()));
    let mut mounts = crate::mounts::open_mounts(&args.mounts, &[])?;
    crate::run::add_mount_copies(&mut kernel, &mut mounts)?;
    if let Some(path) = &args.stdin {
        kernel.set_stdin(crate::run::read_stdin_file(path)?);
    }
    for path in &args.programs {
        let object = load_program(path)?;
        kernel
            .spawn(object)
            .with_context(|| format!("cannot start {}", path.display()))?;
    }

    match at {
        Point::Tick(tick) => match kernel.run_until(tick)? {
            RunProgress::Paused => Ok(dump::capture(&kernel, DumpPoint::Tick { tick }, &[])),
            RunProgress::Finished => {
                let end = kernel.system().clock;
                bail!(
                    "--at {tick} is {} the end of the run, which finished at tick {end}; choose a tick below {end}",
                    crate::dumps::past_or_at(tick == end)
                )
            }
        },
        Point::Exit => {
            let plan = DumpPlan {
                at_exit: true,
                ..DumpPlan::default()
            };
            let dumps = crate::dumps::run_with_dumps(&mut kernel, &plan)?.dumps;
            let pid = args.pid.unwrap_or(1);
            dumps
                .into_iter()
                .find(|dump| dump.point == DumpPoint::Exit { pid })
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "pid {pid} never ran; the run started pids 1 to {}",
                        kernel.processes().len()
                    )
                })
        }
    }
}

/// Picks the process to translate for: `--pid`, the process of an exit
/// dump, or the dump's only process.
fn choose_process(dump: &Dump, pid: Option<u32>) -> anyhow::Result<&ProcessDump> {
    let pids = || {
        let list: Vec<String> = dump
            .processes
            .iter()
            .map(|process| process.pid.to_string())
            .collect();
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    };
    let requested = match (pid, dump.point) {
        (Some(pid), _) => Some(pid),
        (None, DumpPoint::Exit { pid }) => Some(pid),
        (None, _) => None,
    };
    match requested {
        Some(pid) => dump.process(pid).ok_or_else(|| {
            anyhow::anyhow!(
                "pid {pid} has no page table in {}; it contains pids {}",
                dump.point.describe_dump(),
                pids()
            )
        }),
        None => match dump.processes.as_slice() {
            [process] => Ok(process),
            [] => bail!(
                "{} contains no process with memory",
                dump.point.describe_dump()
            ),
            _ => bail!(
                "{} contains pids {}; choose one with --pid",
                dump.point.describe_dump(),
                pids()
            ),
        },
    }
}

/// The JSON form of a walk.
#[derive(Serialize)]
struct Report<'a> {
    point: DumpPoint,
    pid: u32,
    va: u32,
    access: AccessKind,
    split: &'a [u32],
    offset: u32,
    steps: &'a [pagelab_vm::dump::walk::Step],
    physical_address: Option<u32>,
    fault: Option<FaultReport>,
}

#[derive(Serialize)]
struct FaultReport {
    #[serde(flatten)]
    fault: WalkFault,
    message: String,
}

fn report<'a>(dump: &'a Dump, process: &ProcessDump, walk: &'a Walk) -> Report<'a> {
    Report {
        point: dump.point,
        pid: process.pid,
        va: walk.va,
        access: walk.access,
        split: &dump.machine.split,
        offset: walk.va & (dump.machine.page_size - 1),
        steps: &walk.steps,
        physical_address: walk.result.ok(),
        fault: walk.result.err().map(|fault| FaultReport {
            fault,
            message: fault.describe(),
        }),
    }
}

/// Renders the walk as text, in the layout `docs/inspection.md` documents.
fn render(dump: &Dump, geometry: &Geometry, process: &ProcessDump, walk: &Walk) -> String {
    let mut out = String::new();
    let va = walk.va;
    let _ = writeln!(
        out,
        "translate 0x{va:08x} ({}) for pid {} in {}",
        walk.access,
        process.pid,
        dump.point.describe_dump()
    );
    if !geometry.contains(va) {
        let fault = walk.result.err().map(|fault| fault.describe());
        let _ = writeln!(out, "fault: {}", fault.unwrap_or_default());
        return out;
    }

    // The address in binary, one group per level and one for the offset.
    let (indices, offset) = geometry.split(va);
    let mut groups = Vec::new();
    let mut names = Vec::new();
    for (level, index) in indices.iter().enumerate() {
        let bits = geometry.level_bits(level as u32) as usize;
        groups.push(format!("{index:0bits$b}"));
        names.push(format!("level {level} index {index}"));
    }
    let offset_bits = geometry.offset_bits as usize;
    groups.push(format!("{offset:0offset_bits$b}"));
    names.push(format!("offset 0x{offset:x}"));
    let _ = writeln!(
        out,
        "split {}: {} = {}",
        geometry.describe_split(),
        groups.join(" "),
        names.join(", ")
    );

    for step in &walk.steps {
        let pte = step.pte;
        let last = step.level + 1 == geometry.levels;
        let target = match (pte & 1 != 0, last) {
            (true, false) => format!("table at PFN {}", pte >> 12),
            (true, true) => format!("page at PFN {}", pte >> 12),
            (false, _) => "not present".to_string(),
        };
        let _ = writeln!(
            out,
            "level {}: index {:0width$b} = {}, table at PFN {} -> pte@0x{:08x} = 0x{pte:08x} {} -> {target}",
            step.level,
            step.index,
            step.index,
            step.table_pfn,
            step.pte_addr,
            flag_letters(pte),
            width = step.index_bits as usize
        );
    }

    match (walk.result, walk.pfn) {
        (Ok(pa), Some(pfn)) => {
            let _ = writeln!(
                out,
                "physical address: PFN {pfn} * {} + 0x{offset:x} = 0x{pa:08x}",
                geometry.page_size
            );
        }
        (Err(fault), _) => {
            let _ = writeln!(out, "fault: {}", fault.describe());
        }
        (Ok(pa), None) => {
            let _ = writeln!(out, "physical address: 0x{pa:08x}");
        }
    }
    out
}
