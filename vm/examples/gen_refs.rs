//! Writes a seeded Zipf-like reference string in pagelab's refs format, one
//! reference per line, for `pagelab replay --refs-file`.
//!
//! Run with `cargo run --release -p pagelab-vm --example gen_refs -- [OPTIONS] > FILE`.
//! Options, each followed by a value: `--references N` (default 1,000,000),
//! `--pages N` (default 100,000), `--exponent S` (default 1.0),
//! `--writes F`, the fraction of references that are writes (default 0),
//! and `--seed N` (default 0).

use pagelab_vm::refs;
use pagelab_vm::zipf::{Zipf, ZipfParams};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

fn parse_number<T: std::str::FromStr>(option: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("invalid value {text:?} for {option}: expected a number"))
}

fn parse_options() -> Result<(usize, ZipfParams), String> {
    let mut n_references = 1_000_000;
    let mut params = ZipfParams::default();
    let mut args = std::env::args().skip(1);
    while let Some(option) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("missing value after {option}"))?;
        match option.as_str() {
            "--references" => n_references = parse_number(&option, &value)?,
            "--pages" => params.pages = parse_number(&option, &value)?,
            "--exponent" => params.exponent = parse_number(&option, &value)?,
            "--writes" => params.write_fraction = parse_number(&option, &value)?,
            "--seed" => params.seed = parse_number(&option, &value)?,
            _ => {
                return Err(format!(
                    "unknown option {option}; use --references, --pages, --exponent, --writes or --seed"
                ))
            }
        }
    }
    Ok((n_references, params))
}

fn write_references(n_references: usize, zipf: &mut Zipf) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    for _ in 0..n_references {
        refs::write_reference(&mut out, zipf.next_reference())?;
    }
    out.flush()
}

fn main() -> ExitCode {
    let generated = parse_options().and_then(|(n_references, params)| {
        let mut zipf = Zipf::new(params).map_err(|error| error.to_string())?;
        match write_references(n_references, &mut zipf) {
            // A closed pipe (`| head`) ends the output quietly.
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                Err(format!("cannot write the references: {error}"))
            }
            _ => Ok(()),
        }
    });
    match generated {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_refs: {message}");
            ExitCode::FAILURE
        }
    }
}
