//! `pagelab sweep`: prints each policy's faults and fault rate over a range
//! of frame counts, and optionally plots the curves as SVG. The sweep
//! itself is `pagelab_vm::sweep`; this file reads options, shows progress
//! and formats output.

mod plot;

use crate::output::NamedWriter;
use crate::trace_input::{read_references, TraceArgs};
use anyhow::anyhow;
use pagelab_vm::policy::PolicySpec;
use pagelab_vm::sweep::{self, CurvePoint, FrameRange, SweepOutcome};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The smallest sweep that shows a progress bar, in references ×
/// policies × frame counts (an upper bound of the references replayed,
/// since LRU and OPT take one pass for all frame counts).
const PROGRESS_MIN_WORK: usize = 2_000_000;

/// Options of `pagelab sweep`.
#[derive(clap::Args, Debug)]
#[command(group(
    clap::ArgGroup::new("input")
        .required(true)
        .args(["refs", "refs_file"])
))]
pub struct Args {
    /// Replacement policies, separated by commas, or `all` for every policy
    /// with its defaults. Parameters follow a colon, as in
    /// `clock:new_ref=0,lru` (see docs/policies.md).
    #[arg(long, value_name = "all|NAME[:KEY=VALUE,...][,NAME...]")]
    policy: String,

    /// Frame counts: `A..B` for A to B inclusive, `A..B:STEP` for every
    /// STEP-th count from A, or a single count N.
    #[arg(long, value_name = "A..B[:STEP]")]
    frames: String,

    /// The reference string itself: page numbers separated by spaces or
    /// commas, each optionally followed by `w` for a write (as in "7 0w 1").
    #[arg(long, value_name = "REFS")]
    refs: Option<String>,

    /// A trace file: pagelab's refs format (as `pagelab run --refs-out`
    /// writes it) or another format that `--format` names or detection
    /// finds; see docs/trace-formats-input.md.
    #[arg(long, value_name = "FILE")]
    refs_file: Option<PathBuf>,

    #[command(flatten)]
    trace: TraceArgs,

    /// Seed of the random policy's generator.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,

    /// Print CSV with one row per policy and frame count instead of a table.
    #[arg(long, conflicts_with = "json")]
    csv: bool,

    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,

    /// Also draw the fault-rate curves into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let range = FrameRange::parse(&args.frames).map_err(|error| anyhow!("--frames: {error}"))?;
    let specs = if args.policy.trim() == "all" {
        sweep::all_policies()
    } else {
        PolicySpec::parse_list(&args.policy)?
    };
    // Each policy names a column and a JSON key, so each may appear once.
    for (index, spec) in specs.iter().enumerate() {
        if specs[..index].contains(spec) {
            return Err(anyhow!(
                "--policy lists {spec} twice; list each policy specification once"
            ));
        }
    }
    let references = read_references(args.refs.as_deref(), args.refs_file.as_deref(), &args.trace)?;
    if references.is_empty() {
        let source = match &args.refs_file {
            Some(path) => format!("reference file {}", path.display()),
            None => "--refs".to_string(),
        };
        return Err(anyhow!(
            "{source} contains no page references; give page numbers, as in --refs \"7 0 1 2\""
        ));
    }

    let frames = range.counts();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let work = references.len().saturating_mul(specs.len() * frames.len());
    let progress = Progress::new(io::stderr().is_terminal() && work >= PROGRESS_MIN_WORK);
    let outcome = sweep::sweep(
        &specs,
        &frames,
        args.seed,
        &references,
        threads,
        &|done, total| progress.update(done, total),
    );
    progress.finish();
    let outcome = outcome?;

    // Write the plot before stdout, so a plot that cannot be written gives
    // an error and no partial output.
    if let Some(path) = &args.plot {
        let svg = plot::render(&outcome)?;
        std::fs::write(path, svg)
            .map_err(|error| anyhow!("failed to write plot {}: {error}", path.display()))?;
    }

    let mut out = BufWriter::new(NamedWriter::new(io::stdout().lock(), "stdout"));
    if args.json {
        serde_json::to_writer(&mut out, &outcome)?;
        writeln!(out)?;
    } else if args.csv {
        write_csv(&mut out, &outcome)?;
    } else {
        write_table(&mut out, &outcome)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Formats a table cell: the faults, `!` for a Belady anomaly, and the
/// fault rate as a percentage with one decimal; `-` where the policy cannot
/// run with that many frames.
fn cell(point: &CurvePoint) -> String {
    match (point.faults, point.fault_rate) {
        (Some(faults), Some(rate)) => {
            let mark = if point.anomaly { "!" } else { " " };
            format!("{faults}{mark} {:>6}", format!("{:.1}%", rate * 100.0))
        }
        _ => "-".to_string(),
    }
}

/// Writes the table: one row per frame count and one column per policy,
/// each cell the faults and the fault rate, with `!` after the faults of a
/// Belady anomaly and `-` where the policy cannot run.
fn write_table(out: &mut impl Write, outcome: &SweepOutcome) -> io::Result<()> {
    let mut header = vec!["frames".to_string()];
    header.extend(outcome.curves.iter().map(|curve| curve.policy.clone()));
    let rows: Vec<Vec<String>> = outcome
        .frames
        .iter()
        .enumerate()
        .map(|(index, frames)| {
            let mut row = vec![frames.to_string()];
            for curve in &outcome.curves {
                row.push(cell(&curve.points[index]));
            }
            row
        })
        .collect();

    let mut widths: Vec<usize> = header.iter().map(String::len).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }

    // Every column is right-aligned, so faults, marks and rates line up.
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = format!("{:>width$}", row[0], width = widths[0]);
        for (cell, &width) in row.iter().zip(&widths).skip(1) {
            line.push_str(&format!("  {cell:>width$}"));
        }
        writeln!(out, "{line}")?;
    }

    let anomalies = outcome
        .curves
        .iter()
        .flat_map(|curve| &curve.points)
        .any(|point| point.anomaly);
    if anomalies {
        writeln!(
            out,
            "! more faults than with the previous frame count (Belady's anomaly)"
        )?;
    }
    Ok(())
}

/// Writes CSV: a header, then one row per policy and frame count.
fn write_csv(out: &mut impl Write, outcome: &SweepOutcome) -> io::Result<()> {
    writeln!(out, "policy,frames,faults,fault_rate,anomaly")?;
    for curve in &outcome.curves {
        // A specification with two or more parameters contains commas, so it
        // is quoted.
        let policy = if curve.policy.contains([',', '"']) {
            format!("\"{}\"", curve.policy.replace('"', "\"\""))
        } else {
            curve.policy.clone()
        };
        for point in &curve.points {
            // A frame count the policy cannot run with leaves both counts empty.
            let faults = point
                .faults
                .map(|faults| faults.to_string())
                .unwrap_or_default();
            let rate = point
                .fault_rate
                .map(|rate| rate.to_string())
                .unwrap_or_default();
            writeln!(
                out,
                "{policy},{},{faults},{rate},{}",
                point.frames, point.anomaly
            )?;
        }
    }
    Ok(())
}

/// A one-line progress bar on stderr, redrawn at most ten times a second,
/// or nothing when disabled.
struct Progress {
    /// When the bar was last drawn; `None` when the bar is disabled.
    last_draw: Option<Mutex<Option<Instant>>>,
}

impl Progress {
    const WIDTH: usize = 30;
    const INTERVAL: Duration = Duration::from_millis(100);

    fn new(enabled: bool) -> Progress {
        Progress {
            last_draw: enabled.then(|| Mutex::new(None)),
        }
    }

    /// Redraws the bar for `done` of `total` units of work, unless it was
    /// drawn less than [`Progress::INTERVAL`] ago.
    fn update(&self, done: usize, total: usize) {
        let Some(last_draw) = &self.last_draw else {
            return;
        };
        let mut last_draw = last_draw
            .lock()
            .expect("no thread panics while drawing the progress bar");
        let now = Instant::now();
        if last_draw.is_some_and(|last| now - last < Self::INTERVAL) && done < total {
            return;
        }
        *last_draw = Some(now);
        let filled = Self::WIDTH * done / total.max(1);
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(Self::WIDTH - filled));
        // Progress is a courtesy: a failed write to stderr must not stop the sweep.
        let _ = write!(io::stderr(), "\rsweep [{bar}] {done}/{total}");
    }

    /// Erases the bar.
    fn finish(&self) {
        if self.last_draw.is_some() {
            let _ = write!(io::stderr(), "\r{}\r", " ".repeat(Self::WIDTH + 40));
        }
    }
}
