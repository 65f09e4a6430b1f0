//! Dump options and files shared by `run`, `inspect` and `translate`:
//! parsing `--dump-at`, running a kernel with pauses for dumps, and
//! reading a dump file or a hand-written machine description.

use anyhow::{bail, Context};
use pagelab_vm::config::MachineConfig;
use pagelab_vm::dump::exercise::Description;
use pagelab_vm::dump::{self, Dump, DumpFile, DumpPoint};
use pagelab_vm::kernel::{Kernel, RunProgress};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

/// Largest dump file `inspect` and `translate` read (64 MiB), so that a
/// wrong file such as a disk image is rejected before it fills memory.
pub const MAX_DUMP_FILE_BYTES: u64 = 64 << 20;

/// When to take dumps during a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DumpPlan {
    /// Ticks at which the run pauses for a dump, without repeats.
    pub ticks: BTreeSet<u64>,
    /// Whether to take a dump when each process ends.
    pub at_exit: bool,
    /// Frames whose bytes every dump copies.
    pub frames: Vec<u32>,
}

impl DumpPlan {
    /// Builds the plan from `--dump-at` values and `--dump-frame` PFNs.
    ///
    /// # Errors
    ///
    /// Fails on a `--dump-at` value that is neither a tick nor `exit`.
    pub fn parse(values: &[String], frames: &[u32]) -> anyhow::Result<DumpPlan> {
        let mut plan = DumpPlan {
            frames: frames.to_vec(),
            ..DumpPlan::default()
        };
        for value in values {
            match parse_point(value, "--dump-at")? {
                Point::Tick(tick) => {
                    plan.ticks.insert(tick);
                }
                Point::Exit => plan.at_exit = true,
            }
        }
        Ok(plan)
    }

    /// Returns whether the plan takes any dump.
    pub fn is_empty(&self) -> bool {
        self.ticks.is_empty() && !self.at_exit
    }
}

/// A dump point named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// The first pause at or after this tick.
    Tick(u64),
    /// The end of a process.
    Exit,
}

/// Parses `TICK` or `exit` given to `option`.
///
/// # Errors
///
/// Fails on any other value.
pub fn parse_point(value: &str, option: &str) -> anyhow::Result<Point> {
    if value == "exit" {
        return Ok(Point::Exit);
    }
    match value.parse::<u64>() {
        Ok(tick) => Ok(Point::Tick(tick)),
        Err(_) => bail!(
            "invalid {option} value {value:?}: give a tick (a whole number such as 100) or `exit`"
        ),
    }
}

/// Rejects `--dump-frame` PFNs outside physical memory.
///
/// # Errors
///
/// Names the first such PFN and the valid range.
pub fn check_frames(config: &MachineConfig, frames: &[u32]) -> anyhow::Result<()> {
    let total = config.frames + config.page_table_frames;
    if let Some(pfn) = frames.iter().find(|&&pfn| pfn as usize >= total) {
        bail!(
            "--dump-frame {pfn} is not a frame of this machine: PFNs go from 0 to {} ({} page-table frames, then {} user frames)",
            total - 1,
            config.page_table_frames,
            config.frames
        );
    }
    Ok(())
}

/// The dumps of a run and the requested ticks it never reached.
pub struct RunDumps {
    /// The dumps, in the order they were taken.
    pub dumps: Vec<Dump>,
    /// Requested ticks at or after the end of the run.
    pub unreached: Vec<u64>,
}

/// Runs `kernel` to the end, pausing at each tick of `plan` for a dump and
/// collecting the exit dumps. The pauses do not change the run.
///
/// # Errors
///
/// Returns the kernel's output error.
pub fn run_with_dumps(kernel: &mut Kernel, plan: &DumpPlan) -> std::io::Result<RunDumps> {
    if plan.at_exit {
        kernel.dump_at_exits(plan.frames.clone());
    }
    let mut dumps = Vec::new();
    let mut unreached = Vec::new();
    let mut finished = false;
    for &tick in &plan.ticks {
        if finished {
            unreached.push(tick);
            continue;
        }
        let progress = kernel.run_until(tick)?;
        // Exit dumps taken before this pause come first, so the list stays in time order.
        dumps.extend(kernel.take_exit_dumps());
        match progress {
            RunProgress::Paused => {
                dumps.push(dump::capture(
                    kernel,
                    DumpPoint::Tick { tick },
                    &plan.frames,
                ));
            }
            RunProgress::Finished => {
                finished = true;
                unreached.push(tick);
            }
        }
    }
    if !finished {
        kernel.run()?;
    }
    dumps.extend(kernel.take_exit_dumps());
    Ok(RunDumps { dumps, unreached })
}

/// Returns the message for ticks a run never reached.
pub fn unreached_message(unreached: &[u64], end: u64) -> String {
    let ticks: Vec<String> = unreached.iter().map(u64::to_string).collect();
    let verb = if ticks.len() == 1 { "is" } else { "are" };
    format!(
        "--dump-at {} {verb} {} the end of the run, which finished at tick {end}; choose a tick below {end}",
        ticks.join(", "),
        past_or_at(unreached.contains(&end))
    )
}

/// Returns "at or past" for a requested tick equal to the run's last tick,
/// where the run has already ended and cannot pause, and "past" otherwise.
pub fn past_or_at(at_the_end: bool) -> &'static str {
    if at_the_end {
        "at or past"
    } else {
        "past"
    }
}

/// Reads a dump file, or a hand-written machine description converted
/// into a one-dump file, and validates it.
///
/// # Errors
///
/// Fails when the file cannot be read, is larger than
/// [`MAX_DUMP_FILE_BYTES`], is not JSON, is neither form, or breaks a
/// rule of the form. The message names the file and the broken value.
pub fn read_dump_file(path: &Path) -> anyhow::Result<DumpFile> {
    let context = || format!("cannot read dump file {}", path.display());
    let file = std::fs::File::open(path).with_context(context)?;
    let mut bytes = Vec::new();
    file.take(MAX_DUMP_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(context)?;
    if bytes.len() as u64 > MAX_DUMP_FILE_BYTES {
        bail!(
            "dump file {} is larger than {MAX_DUMP_FILE_BYTES} bytes (64 MiB), the largest that pagelab reads; `pagelab run --dump-json` never writes a larger one, so check that the file is a dump",
            path.display()
        );
    }
    let invalid =
        |message: String| anyhow::anyhow!("invalid dump file {}: {message}", path.display());

    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|error| invalid(format!("not JSON: {error}")))?;
    let format = value.get("format").and_then(serde_json::Value::as_str);
    match format {
        Some(dump::FORMAT) => {
            let file: DumpFile = serde_json::from_slice(&bytes).map_err(|error| invalid(error.to_string()))?;
            if file.version == dump::VERSION && file.dumps.is_empty() {
                return Err(invalid(
                    "it contains no dump, because the run that wrote it ended before every --dump-at point; run again with a tick the run reaches, or with --dump-at exit".to_string(),
                ));
            }
            file.validate().map_err(|message| {
                invalid(format!(
                    "{message}; the file was edited or damaged, so write it again with `pagelab run --dump-json`"
                ))
            })?;
            Ok(file)
        }
        Some(dump::exercise::FORMAT) => {
            let description: Description =
                serde_json::from_slice(&bytes).map_err(|error| invalid(error.to_string()))?;
            let dump = description.to_dump().map_err(invalid)?;
            Ok(DumpFile::new(vec![dump]))
        }
        _ => Err(invalid(format!(
            "the \"format\" field must be {:?} (written by `pagelab run --dump-json`) or {:?} (a hand-written machine description)",
            dump::FORMAT,
            dump::exercise::FORMAT
        ))),
    }
}

/// Chooses the dump at `at` (a tick, or `exit` of `pid`), or the only
/// dump of the file when `at` is `None`.
///
/// # Errors
///
/// Fails when no dump or more than one dump matches; the message lists
/// the dumps the file contains.
pub fn select_dump(file: &DumpFile, at: Option<Point>, pid: Option<u32>) -> anyhow::Result<&Dump> {
    let points = || {
        file.dumps
            .iter()
            .map(|dump| dump.point.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let matches: Vec<&Dump> = file
        .dumps
        .iter()
        .filter(|dump| match (at, dump.point) {
            (None, _) => true,
            (Some(Point::Tick(wanted)), DumpPoint::Tick { tick }) => wanted == tick,
            (Some(Point::Exit), DumpPoint::Exit { pid: ended }) => {
                pid.is_none_or(|pid| pid == ended)
            }
            _ => false,
        })
        .collect();
    match (matches.as_slice(), at) {
        ([dump], _) => Ok(dump),
        ([], Some(Point::Tick(tick))) => {
            bail!(
                "the file has no dump at tick {tick}; it contains: {}",
                points()
            )
        }
        ([], _) => bail!(
            "the file has no exit dump{}; it contains: {}",
            pid.map_or(String::new(), |pid| format!(" of pid {pid}")),
            points()
        ),
        (_, None) => bail!(
            "the file contains {} dumps ({}); choose one with --at TICK or --at exit",
            matches.len(),
            points()
        ),
        (_, _) => bail!(
            "the file contains several exit dumps ({}); choose one with --pid",
            points()
        ),
    }
}
