//! `pagelab sched`: runs a job list through a CPU scheduler and prints the
//! Gantt chart and per-job times. The simulation is `pagelab_vm::jobs`;
//! this file reads options and formats output.

use anyhow::anyhow;
use pagelab_vm::jobs::{self, Bursts, Outcome, Segment};
use pagelab_vm::kernel::scheduler::{self, SchedulerError, SchedulerParams};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// The widest Gantt-chart row, in columns, before it wraps.
const GANTT_WIDTH: usize = 78;

/// Options of `pagelab sched`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Jobs separated by commas, each name:arrival:bursts[:priority]. Bursts
    /// alternate CPU and I/O ticks separated by '/', starting and ending
    /// with CPU (as in "A:0:5/3/4:2"); priority 0 is the highest.
    #[arg(long, value_name = "JOBS")]
    jobs: String,

    /// Scheduling algorithm: fcfs, rr, priority, priority-np, mlfq, sjf,
    /// srtf, lottery or stride.
    #[arg(long, value_name = "NAME", default_value = "fcfs")]
    sched: String,

    /// Time slice in ticks for rr, lottery and stride, and the top-level
    /// quantum of mlfq (doubled at each level below). Default 4.
    #[arg(long, value_name = "TICKS")]
    quantum: Option<u64>,

    /// priority and priority-np: raise a waiting job's priority by one for
    /// every TICKS ticks it waits. Default: no aging.
    #[arg(long, value_name = "TICKS")]
    aging: Option<u64>,

    /// mlfq: number of levels, from 1 to 64. Default 3.
    #[arg(long, value_name = "N")]
    levels: Option<usize>,

    /// mlfq: quantum of each level in ticks, top level first, separated by
    /// commas (as in "2,4,8"). Sets the number of levels.
    #[arg(long, value_name = "TICKS,...", value_delimiter = ',')]
    quanta: Option<Vec<u64>>,

    /// mlfq: move every job to the top level every TICKS ticks. Default: no boost.
    #[arg(long, value_name = "TICKS")]
    boost: Option<u64>,

    /// sjf and srtf: hide the burst lengths from the scheduler, so that it
    /// predicts each burst by exponential averaging of the job's past bursts.
    #[arg(long)]
    predict: bool,

    /// sjf and srtf with --predict: weight of the last burst in the
    /// prediction, from 0 to 1. Default 0.5.
    #[arg(long, value_name = "A")]
    alpha: Option<f64>,

    /// sjf and srtf with --predict: predicted length of a job's first
    /// burst, in ticks. Default 10.
    #[arg(long, value_name = "TICKS")]
    initial_estimate: Option<u64>,

    /// lottery and stride: tickets of a priority-0 job; a job of priority
    /// p holds tickets / (p + 1), at least 1. Default 100.
    #[arg(long, value_name = "N")]
    tickets: Option<u64>,

    /// Seed of the lottery draws; other schedulers ignore it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,

    /// Print one JSON object instead of the chart and the table.
    #[arg(long)]
    json: bool,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    if !scheduler::NAMES.contains(&args.sched.as_str()) {
        return Err(anyhow!(
            "unknown scheduler {:?} for --sched; known schedulers: {}",
            args.sched,
            scheduler::NAMES.join(", ")
        ));
    }
    let params = scheduler_params(&args)?;
    let jobs = jobs::parse(&args.jobs).map_err(|error| anyhow!("invalid --jobs: {error}"))?;
    let mut scheduler = scheduler::new_with(&args.sched, &params)?;
    let bursts = if args.predict {
        Bursts::Hidden
    } else {
        Bursts::Known
    };
    let outcome = jobs::simulate_with(&jobs, scheduler.as_mut(), bursts)?;

    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        let text = serde_json::to_string_pretty(&outcome)?;
        writeln!(out, "{text}")?;
    } else {
        writeln!(
            out,
            "scheduler: {}",
            describe(&args.sched, &params, args.predict)
        )?;
        writeln!(out)?;
        write_gantt(&mut out, &outcome.gantt)?;
        writeln!(out)?;
        write_table(&mut out, &outcome)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The schedulers each tuning option applies to, by option name.
const APPLIES_TO: &[(&str, &[&str])] = &[
    ("--quantum", &["rr", "mlfq", "lottery", "stride"]),
    ("--aging", &["priority", "priority-np"]),
    ("--levels", &["mlfq"]),
    ("--quanta", &["mlfq"]),
    ("--boost", &["mlfq"]),
    ("--predict", &["sjf", "srtf"]),
    ("--alpha", &["sjf", "srtf"]),
    ("--initial-estimate", &["sjf", "srtf"]),
    ("--tickets", &["lottery", "stride"]),
];

/// Turns the options into scheduler parameters, rejecting options that
/// the chosen scheduler would silently ignore.
fn scheduler_params(args: &Args) -> anyhow::Result<SchedulerParams> {
    let given = [
        args.quantum.is_some(),
        args.aging.is_some(),
        args.levels.is_some(),
        args.quanta.is_some(),
        args.boost.is_some(),
        args.predict,
        args.alpha.is_some(),
        args.initial_estimate.is_some(),
        args.tickets.is_some(),
    ];
    for (&(option, schedulers), given) in APPLIES_TO.iter().zip(given) {
        if given && !schedulers.contains(&args.sched.as_str()) {
            return Err(anyhow!(
                "{option} does not apply to scheduler {}; it applies to {}",
                args.sched,
                schedulers.join(", ")
            ));
        }
    }
    if !args.predict && (args.alpha.is_some() || args.initial_estimate.is_some()) {
        return Err(anyhow!(
            "--alpha and --initial-estimate apply only with --predict, because without it the scheduler reads every burst length from the job list"
        ));
    }
    if let (Some(levels), Some(quanta)) = (args.levels, &args.quanta) {
        if levels != quanta.len() {
            return Err(anyhow!(
                "--levels {levels} does not match the {} quanta of --quanta; give one quantum per level or leave out --levels",
                quanta.len()
            ));
        }
    }

    let defaults = SchedulerParams::default();
    let params = SchedulerParams {
        quantum: args.quantum.unwrap_or(defaults.quantum),
        aging: args.aging,
        mlfq_levels: args.levels.unwrap_or(defaults.mlfq_levels),
        mlfq_quanta: args.quanta.clone(),
        mlfq_boost: args.boost,
        alpha: args.alpha.unwrap_or(defaults.alpha),
        initial_estimate: args.initial_estimate.unwrap_or(defaults.initial_estimate),
        tickets: args.tickets.unwrap_or(defaults.tickets),
        seed: args.seed,
    };
    // Build once here, so that an invalid value is reported by its option
    // name before anything runs.
    match scheduler::new_with(&args.sched, &params) {
        Ok(_) => Ok(params),
        Err(SchedulerError::InvalidParameter {
            parameter,
            value,
            expected,
        }) => Err(anyhow!(
            "invalid {} {value}: expected {expected}",
            option_name(parameter)
        )),
        Err(error) => Err(error.into()),
    }
}

/// Returns the option that sets the [`SchedulerParams`] field `parameter`.
fn option_name(parameter: &str) -> &str {
    match parameter {
        "mlfq_levels" => "--levels",
        "mlfq_quanta" => "--quanta",
        "mlfq_boost" => "--boost",
        "initial_estimate" => "--initial-estimate",
        "quantum" => "--quantum",
        "aging" => "--aging",
        "alpha" => "--alpha",
        "tickets" => "--tickets",
        other => other,
    }
}

/// Returns the scheduler's name with the parameters it uses.
fn describe(name: &str, params: &SchedulerParams, predict: bool) -> String {
    let ticks_or_off = |value: Option<u64>| {
        value.map_or_else(|| "off".to_string(), |ticks| format!("every {ticks} ticks"))
    };
    let details = match name {
        "rr" => format!("quantum {}", params.quantum),
        "priority" | "priority-np" => format!("aging {}", ticks_or_off(params.aging)),
        "mlfq" => {
            let quanta: Vec<String> = params.mlfq_quanta().iter().map(u64::to_string).collect();
            format!(
                "quanta {}; boost {}",
                quanta.join(","),
                ticks_or_off(params.mlfq_boost)
            )
        }
        "sjf" | "srtf" if predict => format!(
            "predicted bursts, alpha {}, initial estimate {}",
            params.alpha, params.initial_estimate
        ),
        "sjf" | "srtf" => "burst lengths from the job list".to_string(),
        "lottery" => format!(
            "quantum {}, {} tickets at priority 0, seed {}",
            params.quantum, params.tickets, params.seed
        ),
        "stride" => format!(
            "quantum {}, {} tickets at priority 0",
            params.quantum, params.tickets
        ),
        _ => String::new(),
    };
    if details.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({details})")
    }
}

/// Writes the Gantt chart as a bar of cells, one per segment, with the
/// times under the cell borders. Idle time is a cell named `idle`. Long
/// charts wrap into several bars of at most [`GANTT_WIDTH`] columns.
fn write_gantt(out: &mut impl Write, gantt: &[Segment]) -> io::Result<()> {
    let mut row: Vec<(String, String)> = Vec::new();
    let mut row_width = 1;
    let mut row_end = 0;
    for segment in gantt {
        let label = segment.job.as_deref().unwrap_or("idle");
        let start = segment.start.to_string();
        // The cell contains the label with a space on each side, and is wide
        // enough that the start time and a space fit under it.
        let width = (label.len() + 2).max(start.len() + 1);
        if !row.is_empty() && row_width + width + 1 > GANTT_WIDTH {
            write_gantt_row(out, &row, row_end)?;
            row.clear();
            row_width = 1;
        }
        row.push((format!("{label:^width$}"), start));
        row_width += width + 1;
        row_end = segment.end;
    }
    if !row.is_empty() {
        write_gantt_row(out, &row, row_end)?;
    }
    Ok(())
}

/// Writes one bar of the Gantt chart: the cells, then the start time of
/// each cell and the end time of the last.
fn write_gantt_row(out: &mut impl Write, cells: &[(String, String)], end: u64) -> io::Result<()> {
    let mut bar = String::from("|");
    let mut times = String::new();
    for (cell, start) in cells {
        bar.push_str(cell);
        bar.push('|');
        times.push_str(&format!("{start:<width$}", width = cell.len() + 1));
    }
    times.push_str(&end.to_string());
    writeln!(out, "{bar}")?;
    writeln!(out, "{times}")
}

/// Writes the per-job table and the averages. The `io` and `priority`
/// columns appear only when some job has I/O or a non-zero priority.
fn write_table(out: &mut impl Write, outcome: &Outcome) -> io::Result<()> {
    let show_io = outcome.jobs.iter().any(|job| job.io > 0);
    let show_priority = outcome.jobs.iter().any(|job| job.priority > 0);

    let mut header = vec!["job", "arrival", "burst"];
    if show_io {
        header.push("io");
    }
    if show_priority {
        header.push("priority");
    }
    header.extend(["finish", "response", "turnaround", "waiting"]);

    let mut rows: Vec<Vec<String>> = Vec::with_capacity(outcome.jobs.len() + 1);
    for job in &outcome.jobs {
        let mut row = vec![
            job.name.clone(),
            job.arrival.to_string(),
            job.burst.to_string(),
        ];
        if show_io {
            row.push(job.io.to_string());
        }
        if show_priority {
            row.push(job.priority.to_string());
        }
        row.extend([
            job.finish.to_string(),
            job.response.to_string(),
            job.turnaround.to_string(),
            job.waiting.to_string(),
        ]);
        rows.push(row);
    }
    let mut average = vec![String::new(); header.len() - 3];
    average[0] = "average".to_string();
    average.extend([
        format!("{:.2}", outcome.avg_response),
        format!("{:.2}", outcome.avg_turnaround),
        format!("{:.2}", outcome.avg_waiting),
    ]);
    rows.push(average);

    let mut widths: Vec<usize> = header.iter().map(|title| title.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }

    // The job name is left-aligned and the numbers right-aligned.
    let header: Vec<String> = header.iter().map(|title| title.to_string()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = format!("{:<width$}", row[0], width = widths[0]);
        for (cell, &width) in row.iter().zip(&widths).skip(1) {
            line.push_str(&format!("  {cell:>width$}"));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
