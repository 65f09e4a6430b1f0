//! Reading a reference string for `replay` and `sweep`: inline with
//! `--refs`, or from a trace file with `--refs-file` in any format that
//! `pagelab_vm::traces` reads, with the options that choose the format.

use anyhow::anyhow;
use pagelab_vm::refs::{self, Reference};
use pagelab_vm::traces::{self, Column, CsvOptions, Format, TraceError};
use std::fs::File;
use std::path::Path;

/// Reads and parses the reference string from `--refs` or `--refs-file`.
///
/// # Errors
///
/// Returns one line naming where the bad input came from: the inline
/// string, or the file with its line or record.
pub fn read_references(
    refs: Option<&str>,
    refs_file: Option<&Path>,
    trace: &TraceArgs,
) -> anyhow::Result<Vec<Reference>> {
    match (refs, refs_file) {
        (Some(text), _) => refs::parse(text)
            .map_err(|error| anyhow!("invalid reference string in --refs: {error}")),
        (None, Some(path)) => read_trace_file(path, &trace.to_options()?),
        (None, None) => unreachable!("clap requires one of --refs and --refs-file"),
    }
}

/// Options of `--refs-file` that choose and tune the trace format.
#[derive(clap::Args, Debug)]
pub struct TraceArgs {
    /// Trace format: refs, plain, lackey, din, csv or oracle-general.
    /// Detected from the content when left out.
    #[arg(long, value_name = "FORMAT", conflicts_with = "refs")]
    format: Option<Format>,

    /// Read plain or csv numbers as byte addresses and divide them by
    /// --page-size, instead of reading them as page numbers.
    #[arg(long, conflicts_with = "refs")]
    addresses: bool,

    /// Page size in bytes for lackey, din and --addresses: a power of two.
    #[arg(long, value_name = "BYTES", default_value_t = traces::DEFAULT_PAGE_SIZE, conflicts_with = "refs")]
    page_size: u64,

    /// Drop instruction fetches (lackey `I` lines, din label 2).
    #[arg(long, conflicts_with = "refs")]
    no_fetch: bool,

    /// CSV column of the page: a 1-based number, or a header name with
    /// --has-header.
    #[arg(long, value_name = "N|NAME", conflicts_with = "refs")]
    column: Option<Column>,

    /// CSV column whose value `w`, `W` or `write` (any case) marks a write.
    #[arg(long, value_name = "N|NAME", requires = "column")]
    op_column: Option<Column>,

    /// The first CSV line is a header naming the columns.
    #[arg(long, requires = "column")]
    has_header: bool,

    /// CSV field separator: one ASCII character, or `tab`.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter, requires = "column")]
    delimiter: Option<u8>,
}

impl TraceArgs {
    /// Returns the reader options these arguments choose.
    pub fn to_options(&self) -> anyhow::Result<traces::Options> {
        if self.format == Some(Format::Csv) && self.column.is_none() {
            return Err(anyhow!(
                "--format csv needs --column: give the 1-based number or header name of the column that contains the page"
            ));
        }
        let csv = self.column.clone().map(|column| CsvOptions {
            column,
            op_column: self.op_column.clone(),
            has_header: self.has_header,
            delimiter: self.delimiter.unwrap_or(b','),
        });
        Ok(traces::Options {
            // A CSV column implies the CSV format, which detection would
            // otherwise only guess at.
            format: self.format.or(csv.as_ref().map(|_| Format::Csv)),
            addresses: self.addresses,
            page_size: self.page_size,
            no_fetch: self.no_fetch,
            csv,
        })
    }
}

/// Parses `--delimiter`: one ASCII character, or `tab`.
fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text.as_bytes() {
        b"tab" | b"\\t" => Ok(b'\t'),
        [byte] if byte.is_ascii() && *byte != b'\n' && *byte != b'\r' => Ok(*byte),
        _ => Err(format!(
            "{text:?} is not a delimiter: give one ASCII character such as `;`, or `tab`"
        )),
    }
}

/// Reads a trace file, printing on stderr what was skipped.
fn read_trace_file(path: &Path, options: &traces::Options) -> anyhow::Result<Vec<Reference>> {
    let file = File::open(path)
        .map_err(|error| anyhow!("failed to read reference file {}: {error}", path.display()))?;
    let trace = traces::read_trace(file, options).map_err(|error| match error {
        TraceError::Io(error) => {
            anyhow!("failed to read reference file {}: {error}", path.display())
        }
        error => anyhow!("invalid reference file {}: {error}", path.display()),
    })?;
    if trace.escapes > 0 {
        let noun = if trace.escapes == 1 {
            "record"
        } else {
            "records"
        };
        eprintln!(
            "note: skipped {} din escape {noun} (labels 3 and 4)",
            trace.escapes
        );
    }
    Ok(trace.references)
}
