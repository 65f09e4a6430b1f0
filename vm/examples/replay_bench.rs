//! Measures replay throughput in references per second for every policy.
//!
//! Generates a seeded Zipf-like trace (exponent 1.0 over 100,000 pages, a
//! quarter of the references writes) and replays it through
//! `replay_named` at 100, 1,000 and 10,000 frames. Each case runs several
//! times, and the median rate is printed with the fault count. The time
//! covers the whole `replay_named` call, including building the policy.
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
        "{:<14} {:>7} {:>12} {:>12}",
        "policy", "frames", "M refs/s", "faults"
    );
    for name in &options.policies {
        for &n_frames in &options.frames {
            let mut rates = Vec::with_capacity(options.runs);
            let mut faults = 0;
            for _ in 0..options.runs {
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
                faults = outcome.faults;
            }
            rates.sort_by(f64::total_cmp);
            let median = rates[rates.len() / 2];
            println!("{name:<14} {n_frames:>7} {median:>12.1} {faults:>12}");
        }
    }
    ExitCode::SUCCESS
}
