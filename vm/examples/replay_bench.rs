//! Measures replay throughput in references per second for every policy.
//!
//! Generates a seeded Zipf-like trace (exponent 1.0 over 100,000 pages, a
//! quarter of the references writes) and replays it through
//! `replay_named` at 100, 1,000 and 10,000 frames. Each case runs several
//! times, and the median rate is printed with the fault count. The time
//! covers the whole `replay_named` call, including building the policy.
//! Two rates are printed. The first divides by wall-clock time, and the
//! second by the time the thread spent on a CPU, read from Linux's
//! `/proc/thread-self/schedstat` (`-` where that file is missing). On a
//! machine shared with other work, the second is the steadier measure.
//!
//! Run with `cargo run --release -p pagelab-vm --example replay_bench`.
//! Options: `--references N` (default 10,000,000), `--runs N` (default 3),
//! `--policy NAME,...` (default every policy) and `--frames N,...`
//! (default 100,1000,10000).

use pagelab_vm::policy;
use pagelab_vm::replay::replay_named;
use pagelab_vm::zipf::{self, ZipfParams};
use std::process::ExitCode;
use std::time::Instant;

struct Options {
    references: usize,
    runs: usize,
    policies: Vec<String>,
    frames: Vec<usize>,
}

fn parse_number<T: std::str::FromStr>(option: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("invalid value {text:?} for {option}: expected a number"))
}

fn parse_list<T: std::str::FromStr>(option: &str, text: &str) -> Result<Vec<T>, String> {
    text.split(',')
        .map(|item| parse_number(option, item))
        .collect()
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        references: 10_000_000,
        runs: 3,
        policies: policy::NAMES.iter().map(|name| name.to_string()).collect(),
        frames: vec![100, 1000, 10_000],
    };
    let mut args = std::env::args().skip(1);
    while let Some(option) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("missing value after {option}"))?;
        match option.as_str() {
            "--references" => options.references = parse_number(&option, &value)?,
            "--runs" => options.runs = parse_number(&option, &value)?,
            "--frames" => options.frames = parse_list(&option, &value)?,
            "--policy" => options.policies = value.split(',').map(str::to_string).collect(),
            _ => {
                return Err(format!(
                    "unknown option {option}; use --references, --runs, --policy or --frames"
                ))
            }
        }
    }
    if options.runs == 0 {
        return Err("invalid value 0 for --runs: use 1 or more".into());
    }
    Ok(options)
}

/// Returns the median of `values`, or `None` when there are none.
fn median_of(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Returns the nanoseconds this thread has spent on a CPU, the first field
/// of `/proc/thread-self/schedstat`, or `None` where that is unavailable.
fn thread_cpu_nanos() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("replay_bench: {message}");
            return ExitCode::FAILURE;
        }
    };
    let params = ZipfParams {
        write_fraction: 0.25,
        seed: 1,
        ..ZipfParams::default()
    };
    let references =
        zipf::generate(options.references, params).expect("the default Zipf parameters are valid");

    println!(
        "{:<14} {:>7} {:>12} {:>12} {:>12}",
        "policy", "frames", "M refs/s", "on-CPU", "faults"
    );
    for name in &options.policies {
        for &n_frames in &options.frames {
            let mut rates = Vec::with_capacity(options.runs);
            let mut cpu_rates = Vec::with_capacity(options.runs);
            let mut faults = 0;
            for _ in 0..options.runs {
                let cpu_start = thread_cpu_nanos();
                let start = Instant::now();
                let outcome = match replay_named(name, n_frames, 1, &references, false) {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        eprintln!("replay_bench: {error}");
                        return ExitCode::FAILURE;
                    }
                };
                let seconds = start.elapsed().as_secs_f64();
                rates.push(references.len() as f64 / seconds / 1e6);
                if let (Some(before), Some(after)) = (cpu_start, thread_cpu_nanos()) {
                    let cpu_seconds = after.saturating_sub(before).max(1) as f64 / 1e9;
                    cpu_rates.push(references.len() as f64 / cpu_seconds / 1e6);
                }
                faults = outcome.faults;
            }
            let median = median_of(&mut rates).map_or("-".into(), |rate| format!("{rate:.1}"));
            let cpu_median =
                median_of(&mut cpu_rates).map_or("-".into(), |rate| format!("{rate:.1}"));
            println!("{name:<14} {n_frames:>7} {median:>12} {cpu_median:>12} {faults:>12}");
        }
    }
    ExitCode::SUCCESS
}
