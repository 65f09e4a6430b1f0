//! `pagelab replay`: runs a page reference string through replacement
//! policies and prints their hit and fault counts. The replay itself is
//! `pagelab_vm::replay`; this file reads options and formats output.

use crate::output::NamedWriter;
use crate::trace_input::{read_references, TraceArgs};
use anyhow::anyhow;
use pagelab_vm::policy::{PageKey, PolicySpec};
use pagelab_vm::replay::{self, ReplayOutcome, Step, MAX_FRAMES};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// The largest step table `--steps` records, in cells (references × frames
/// used). Each cell costs 16 bytes while the table is built, so this caps
/// that memory at 64 MiB, and tables this large are unreadable anyway.
const MAX_STEP_CELLS: usize = 1 << 22;

/// Returns the help text of `--policy`, listing every policy.
fn policy_help() -> String {
    format!(
        "Replacement policies to run, separated by commas: {}. Parameters follow a colon, as in `clock:new_ref=0,lru` (see docs/policies.md)",
        pagelab_vm::policy::NAMES.join(", ")
    )
}

/// Options of `pagelab replay`.
#[derive(clap::Args, Debug)]
#[command(group(
    clap::ArgGroup::new("input")
        .required(true)
        .args(["refs", "refs_file"])
))]
pub struct Args {
    #[arg(
        long,
        value_name = "NAME[:KEY=VALUE,...][,NAME...]",
        required = true,
        help = policy_help()
    )]
    policy: String,

    /// Number of physical frames, from 1 to 16777216 (2^24).
    #[arg(long, value_name = "N")]
    frames: usize,

    /// The reference string itself: page numbers separated by spaces or
    /// commas, each optionally followed by `w` for a write (as in "7 0w 1").
    #[arg(long, value_name = "REFS")]
    refs: Option<String>,

    /// A trace file: pagelab refs (one page per line, ` w` after a write,
    /// as `pagelab run --refs-out` writes it), plain numbers, valgrind
    /// lackey, Dinero din, CSV or oracleGeneral, optionally gzip- or
    /// zstd-compressed (see docs/trace-formats-input.md).
    #[arg(long, value_name = "FILE")]
    refs_file: Option<PathBuf>,

    #[command(flatten)]
    trace: TraceArgs,

    /// Seed of the random policy's generator.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,

    /// Also print, for each policy, the frame contents after every
    /// reference, with faults and evicted pages marked.
    #[arg(long)]
    steps: bool,

    /// Print one JSON object per policy and line instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    if args.frames == 0 {
        return Err(anyhow!(
            "--frames 0 is invalid: replay needs at least one frame"
        ));
    }
    if args.frames > MAX_FRAMES {
        return Err(anyhow!(
            "--frames {} is too large: replay supports at most {MAX_FRAMES} (2^24) frames",
            args.frames
        ));
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
    if args.steps {
        let frames_used = args.frames.min(replay::distinct_pages(&references));
        let cells = references.len().saturating_mul(frames_used);
        if cells > MAX_STEP_CELLS {
            return Err(anyhow!(
                "--steps is limited to {MAX_STEP_CELLS} table cells, but {} references over {frames_used} frames need {cells}; replay a shorter reference string or leave out --steps",
                references.len()
            ));
        }
    }

    // Replay every policy before printing anything, so a bad policy name
    // produces an error and no partial output.
    let specs = PolicySpec::parse_list(&args.policy)?;
    let mut outcomes = Vec::with_capacity(specs.len());
    for spec in &specs {
        let outcome = replay::replay_named(
            &spec.to_string(),
            args.frames,
            args.seed,
            &references,
            args.steps,
        )?;
        outcomes.push(outcome);
    }

    let mut out = BufWriter::new(NamedWriter::new(io::stdout().lock(), "stdout"));
    if args.json {
        for outcome in &outcomes {
            let line = serde_json::to_string(outcome)?;
            writeln!(out, "{line}")?;
        }
    } else {
        if args.steps {
            let distinct = replay::distinct_pages(&references);
            for outcome in &outcomes {
                write_steps(&mut out, outcome, distinct)?;
                writeln!(out)?;
            }
        }
        write_summary(&mut out, &outcomes)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the table with one row per policy.
fn write_summary(out: &mut impl Write, outcomes: &[ReplayOutcome]) -> io::Result<()> {
    let header = [
        "policy",
        "frames",
        "references",
        "hits",
        "faults",
        "fault rate",
    ];
    let rows: Vec<[String; 6]> = outcomes
        .iter()
        .map(|outcome| {
            [
                outcome.policy.clone(),
                outcome.frames.to_string(),
                outcome.references.to_string(),
                outcome.hits.to_string(),
                outcome.faults.to_string(),
                fault_rate(outcome),
            ]
        })
        .collect();

    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }

    // The policy name is left-aligned and the numbers right-aligned.
    let header = header.map(str::to_string);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = format!("{:<width$}", row[0], width = widths[0]);
        for (cell, &width) in row.iter().zip(&widths).skip(1) {
            line.push_str(&format!("  {cell:>width$}"));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Formats faults per reference as a percentage, or `-` for no references.
fn fault_rate(outcome: &ReplayOutcome) -> String {
    if outcome.references == 0 {
        return "-".to_string();
    }
    let percent = outcome.faults as f64 * 100.0 / outcome.references as f64;
    format!("{percent:.1}%")
}

/// Writes the textbook step table of one policy: a column per reference,
/// a row per frame with its page after the reference, then a row marking
/// faults with `*` and a row naming each evicted page.
fn write_steps(out: &mut impl Write, outcome: &ReplayOutcome, distinct: usize) -> io::Result<()> {
    let steps: &[Step] = outcome.steps.as_deref().unwrap_or_default();
    let frames_used = steps.first().map_or(0, |step| step.frames.len());
    writeln!(
        out,
        "{}, {} frames: {} faults in {} references",
        outcome.policy, outcome.frames, outcome.faults, outcome.references
    )?;

    let reference_cells: Vec<String> = steps
        .iter()
        .map(|step| format!("{}{}", step.page, if step.write { "w" } else { "" }))
        .collect();
    let page_cell = |page: Option<PageKey>| page.map(|page| page.to_string()).unwrap_or_default();

    // One width for every column, so that the columns line up as in a
    // textbook figure; it fits the widest page number (with its `w`).
    let column_width = reference_cells.iter().map(String::len).max().unwrap_or(1);
    let label_width = "frame ".len() + frames_used.saturating_sub(1).to_string().len();
    let label_width = label_width.max("reference".len());

    let mut write_row = |label: &str, cells: &mut dyn Iterator<Item = String>| -> io::Result<()> {
        let mut line = format!("{label:<label_width$}");
        for cell in cells {
            line.push_str(&format!(" {cell:>column_width$}"));
        }
        writeln!(out, "{}", line.trim_end())
    };

    write_row("reference", &mut reference_cells.iter().cloned())?;
    for frame in 0..frames_used {
        write_row(
            &format!("frame {frame}"),
            &mut steps.iter().map(|step| page_cell(step.frames[frame])),
        )?;
    }
    write_row(
        "fault",
        &mut steps.iter().map(|step| {
            if step.fault {
                "*".to_string()
            } else {
                String::new()
            }
        }),
    )?;
    write_row(
        "evicted",
        &mut steps.iter().map(|step| page_cell(step.victim)),
    )?;

    if outcome.frames > frames_used {
        let first_free = frames_used;
        let last = outcome.frames - 1;
        let range = if first_free == last {
            format!("frame {first_free} is")
        } else {
            format!("frames {first_free} to {last} are")
        };
        writeln!(
            out,
            "({range} never used: the reference string has {distinct} distinct pages)"
        )?;
    }
    Ok(())
}
