//! Readers for the memory-trace formats that `pagelab replay` accepts, and
//! the detection that picks one from a file's content.
//!
//! Each format has its own file: [`refs_text`] (pagelab's own format),
//! [`plain`] (one number per line), [`lackey`] (valgrind's lackey tool),
//! [`din`] (Dinero), [`csv`] (one chosen column) and [`oracle`]
//! (libCacheSim's oracleGeneral binary records). Gzip and zstd input is
//! decompressed on the fly, recognised by its magic bytes.
//!
//! The readers stream: they hold one line (or one record) at a time plus a
//! 64 KiB sample used for detection, so memory grows with the number of
//! references, not with the size of the file. This module turns bytes into
//! [`Reference`]s only; replaying them is [`crate::replay`]'s job.
//!
//! # Example
//!
//! ```
//! use pagelab_vm::traces::{read_references, Options};
//!
//! let lackey = "==1== Lackey\nI  00001ffe,4\n M 00003000,8\n";
//! let references = read_references(lackey.as_bytes(), &Options::default()).unwrap();
//! let pages: Vec<(u64, bool)> = references.iter().map(|r| (r.page, r.write)).collect();
//! // The fetch straddles pages 1 and 2; the modify is a load then a store.
//! assert_eq!(pages, [(1, false), (2, false), (3, false), (3, true)]);
//! ```

pub mod csv;
pub mod din;
pub mod lackey;
pub mod oracle;
pub mod plain;
pub mod refs_text;

use crate::refs::Reference;
use std::fmt;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::str::FromStr;

/// The number of bytes read ahead to detect the format.
const SAMPLE_BYTES: usize = 64 * 1024;

/// The page size used when none is given, in bytes.
pub const DEFAULT_PAGE_SIZE: u64 = 4096;

/// The largest page size accepted, in bytes (1 GiB).
pub const MAX_PAGE_SIZE: u64 = 1 << 30;

/// The maximum number of pages one access may touch. Real accesses touch one or two;
/// the cap keeps a corrupt size field from filling memory.
pub const MAX_PAGES_PER_ACCESS: u64 = 1 << 16;

/// A trace format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// pagelab's refs format: a page number (or `PID:VPN`) per line, ` w`
    /// after a write.
    Refs,
    /// One page number (or byte address) per line; `*` lines are skipped.
    Plain,
    /// valgrind `--tool=lackey --trace-mem=yes` output.
    Lackey,
    /// Dinero `.din`: `LABEL ADDRESS` per line.
    Din,
    /// Comma-separated (or other delimiter) values, one column chosen.
    Csv,
    /// libCacheSim oracleGeneral: 24-byte little-endian binary records.
    OracleGeneral,
}

impl Format {
    /// Every format, in the order help text lists them.
    pub const ALL: [Format; 6] = [
        Format::Refs,
        Format::Plain,
        Format::Lackey,
        Format::Din,
        Format::Csv,
        Format::OracleGeneral,
    ];

    /// Returns the name used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Refs => "refs",
            Format::Plain => "plain",
            Format::Lackey => "lackey",
            Format::Din => "din",
            Format::Csv => "csv",
            Format::OracleGeneral => "oracle-general",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown trace format {text:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A CSV column, chosen by 1-based position or by header name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// The 1-based position of the column.
    Index(usize),
    /// The header name of the column; needs a header line.
    Name(String),
}

impl FromStr for Column {
    type Err = String;

    /// Parses a positive number as a position and anything else as a name.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err("a column is a 1-based number or a header name, not empty".into());
        }
        match text.parse::<usize>() {
            Ok(0) => Err("column 0 is invalid: columns are numbered from 1".into()),
            Ok(index) => Ok(Column::Index(index)),
            Err(_) => Ok(Column::Name(text.to_string())),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Index(index) => write!(f, "{index}"),
            Column::Name(name) => write!(f, "{name:?}"),
        }
    }
}

/// How to read a CSV trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// The column holding the page number (or address).
    pub column: Column,
    /// The column whose value `w`, `W` or `write` (any letter case) marks a
    /// write; without it every reference is a read.
    pub op_column: Option<Column>,
    /// Whether the first non-blank line is a header to skip.
    pub has_header: bool,
    /// The field separator, an ASCII character.
    pub delimiter: u8,
}

impl CsvOptions {
    /// Returns options for `column` with no op column, no header and `,`.
    pub fn new(column: Column) -> Self {
        CsvOptions {
            column,
            op_column: None,
            has_header: false,
            delimiter: b',',
        }
    }
}

/// How to read a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The format; `None` detects it from the content.
    pub format: Option<Format>,
    /// Whether plain and CSV numbers are byte addresses, divided by the page
    /// size, rather than page numbers.
    pub addresses: bool,
    /// The page size in bytes, a power of two from 1 to [`MAX_PAGE_SIZE`];
    /// used by lackey, din and `addresses`.
    pub page_size: u64,
    /// Whether instruction fetches (lackey `I`, din label 2) are dropped.
    pub no_fetch: bool,
    /// The CSV settings; required by [`Format::Csv`].
    pub csv: Option<CsvOptions>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            addresses: false,
            page_size: DEFAULT_PAGE_SIZE,
            no_fetch: false,
            csv: None,
        }
    }
}

impl Options {
    /// Returns log2 of the page size.
    ///
    /// # Errors
    ///
    /// Returns [`TraceError::InvalidOption`] unless the page size is a power
    /// of two from 1 to [`MAX_PAGE_SIZE`].
    pub fn page_shift(&self) -> Result<u32, TraceError> {
        if !self.page_size.is_power_of_two() || self.page_size > MAX_PAGE_SIZE {
            return Err(TraceError::InvalidOption(format!(
                "page size {} is invalid: give a power of two from 1 to {MAX_PAGE_SIZE} bytes, as in 4096",
                self.page_size
            )));
        }
        Ok(self.page_size.trailing_zeros())
    }
}

/// An error reading a trace.
#[derive(Debug)]
pub enum TraceError {
    /// Reading or decompressing failed.
    Io(io::Error),
    /// A line of a text format is malformed.
    Line {
        /// The 1-based line number.
        line: u64,
        /// The line as written, without its line ending.
        text: String,
        /// The problem with the line.
        reason: String,
    },
    /// An oracleGeneral file ends inside a record.
    Truncated {
        /// The 0-based index of the incomplete record.
        record: u64,
        /// How many bytes of it are present.
        bytes: usize,
    },
    /// The content matches more than one format.
    Ambiguous {
        /// The formats it matches.
        candidates: Vec<Format>,
    },
    /// The content matches no format, or only CSV, which needs a column.
    Unrecognised {
        /// Why, naming the first line that fits no format.
        reason: String,
    },
    /// The options do not fit together or do not fit the format.
    InvalidOption(String),
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Io(error) => write!(f, "read failed: {error}"),
            TraceError::Line { line, text, reason } => {
                write!(f, "line {line}: {text:?}: {reason}")
            }
            TraceError::Truncated { record, bytes } => write!(
                f,
                "record {record}: the file ends {bytes} bytes into a 24-byte oracleGeneral record, so its length is not a multiple of 24; the file is truncated or not oracleGeneral"
            ),
            TraceError::Ambiguous { candidates } => {
                let names: Vec<&str> = candidates.iter().map(|f| f.name()).collect();
                write!(
                    f,
                    "the trace format is ambiguous: the content fits {}; choose one with --format",
                    names.join(" and ")
                )
            }
            TraceError::Unrecognised { reason } => {
                write!(f, "the trace format is not recognised: {reason}")
            }
            TraceError::InvalidOption(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for TraceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TraceError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for TraceError {
    fn from(error: io::Error) -> Self {
        TraceError::Io(error)
    }
}

/// The references of a trace and what was skipped while reading it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// The format that was read (given or detected).
    pub format: Option<Format>,
    /// The references, in trace order.
    pub references: Vec<Reference>,
    /// Dinero escape records (labels 3 and 4), skipped.
    pub escapes: u64,
    /// Checkpoint lines (`*`) of the plain format, skipped.
    pub checkpoints: u64,
    /// Instruction fetches dropped by `no_fetch`.
    pub dropped_fetches: u64,
}

/// The state a text-format parser updates for each line.
pub(crate) trait LineParser {
    /// Parses one line (without its line ending) into `trace`, or returns
    /// why the line is malformed.
    fn parse_line(&mut self, line: &str, trace: &mut Trace) -> Result<(), String>;
}

/// Reads a trace, possibly compressed, and returns its references.
///
/// # Errors
///
/// See [`read_trace`].
pub fn read_references(reader: impl Read, options: &Options) -> Result<Vec<Reference>, TraceError> {
    read_trace(reader, options).map(|trace| trace.references)
}

/// Reads a trace, possibly gzip- or zstd-compressed, detecting its format
/// unless `options.format` names one.
///
/// # Errors
///
/// Returns [`TraceError::Io`] when reading or decompressing fails,
/// [`TraceError::Ambiguous`] or [`TraceError::Unrecognised`] when detection
/// fails, [`TraceError::InvalidOption`] when an option does not fit the
/// format, and the format's own error for the first malformed line or
/// record.
pub fn read_trace(reader: impl Read, options: &Options) -> Result<Trace, TraceError> {
    let page_shift = options.page_shift()?;
    let mut decompressed = decompress(reader)?;

    // The sample is read once and then replayed in front of the rest of
    // the stream, so detection costs no second pass over the input.
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    (&mut decompressed)
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)?;
    let complete = sample.len() < SAMPLE_BYTES;
    let format = match options.format {
        Some(format) => format,
        None => detect(&sample, complete, options)?,
    };
    check_options(format, options)?;

    let input = BufReader::with_capacity(SAMPLE_BYTES, Cursor::new(sample).chain(decompressed));
    let mut trace = Trace {
        format: Some(format),
        ..Trace::default()
    };
    match format {
        Format::OracleGeneral => oracle::read(input, &mut trace)?,
        Format::Refs => read_lines(input, &mut refs_text::Parser, &mut trace)?,
        Format::Plain => read_lines(
            input,
            &mut plain::Parser::new(options.addresses.then_some(page_shift)),
            &mut trace,
        )?,
        Format::Lackey => read_lines(
            input,
            &mut lackey::Parser::new(page_shift, options.no_fetch),
            &mut trace,
        )?,
        Format::Din => read_lines(
            input,
            &mut din::Parser::new(page_shift, options.no_fetch),
            &mut trace,
        )?,
        Format::Csv => {
            let csv_options = options
                .csv
                .as_ref()
                .expect("check_options rejects the CSV format without CSV options");
            let mut parser = csv::Parser::new(csv_options, options.addresses.then_some(page_shift));
            read_lines(input, &mut parser, &mut trace)?
        }
    }
    Ok(trace)
}

/// Rejects options that the format would silently ignore.
fn check_options(format: Format, options: &Options) -> Result<(), TraceError> {
    let invalid = |message: String| Err(TraceError::InvalidOption(message));
    if options.no_fetch && !matches!(format, Format::Lackey | Format::Din) {
        return invalid(format!(
            "--no-fetch applies only to lackey and din traces, not to {format}"
        ));
    }
    if options.addresses && !matches!(format, Format::Plain | Format::Csv) {
        return invalid(format!(
            "--addresses applies only to plain and csv traces, not to {format}; lackey and din traces always hold addresses"
        ));
    }
    if options.page_size != DEFAULT_PAGE_SIZE
        && !options.addresses
        && !matches!(format, Format::Lackey | Format::Din)
    {
        return invalid(format!(
            "--page-size applies only to lackey and din traces and to --addresses, not to {format} page numbers"
        ));
    }
    if let Some(csv) = &options.csv {
        let columns = std::iter::once(&csv.column).chain(&csv.op_column);
        if columns
            .into_iter()
            .any(|column| *column == Column::Index(0))
        {
            return invalid("column 0 is invalid: columns are numbered from 1".into());
        }
        if !csv.delimiter.is_ascii() || matches!(csv.delimiter, b'\n' | b'\r') {
            return invalid(format!(
                "delimiter byte {:#04x} is invalid: give one ASCII character other than a line ending",
                csv.delimiter
            ));
        }
    }
    match (format, &options.csv) {
        (Format::Csv, None) => invalid(
            "a csv trace needs the column that holds the page: add --column N (1-based) or --column NAME with --has-header".into(),
        ),
        (Format::Csv, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => invalid(format!(
            "--column, --op-column, --has-header and --delimiter apply only to csv traces, not to {format}; add --format csv"
        )),
    }
}

/// Wraps `reader` in a gzip or zstd decoder when its first bytes are that
/// format's magic number.
fn decompress<'a>(mut reader: impl Read + 'a) -> Result<Box<dyn Read + 'a>, TraceError> {
    const GZIP: [u8; 2] = [0x1f, 0x8b];
    const ZSTD: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

    let mut magic = Vec::with_capacity(4);
    (&mut reader).take(4).read_to_end(&mut magic)?;
    let whole = Cursor::new(magic.clone()).chain(reader);
    if magic.starts_with(&GZIP) {
        // A multi-member decoder also reads files made by concatenating
        // gzip files, as `gzip` itself does.
        Ok(Box::new(flate2::read::MultiGzDecoder::new(whole)))
    } else if magic == ZSTD {
        Ok(Box::new(zstd::stream::read::Decoder::new(whole)?))
    } else {
        Ok(Box::new(whole))
    }
}

/// The most references a trace may have: 2^28, which take 4 GiB.
pub const MAX_REFERENCES: usize = 1 << 28;

/// The longest line a text trace may have, in bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Feeds each line of `input` to `parser`, turning its complaint into a
/// [`TraceError::Line`] with the line number and text.
fn read_lines(
    mut input: impl BufRead,
    parser: &mut dyn LineParser,
    trace: &mut Trace,
) -> Result<(), TraceError> {
    let mut buffer = Vec::new();
    let mut line_number = 0u64;
    loop {
        buffer.clear();
        // Read one byte past the cap, so an endless line (a binary file or
        // /dev/zero) is an error instead of a buffer that fills memory.
        let mut limited = (&mut input).take(MAX_LINE_BYTES as u64 + 1);
        if limited.read_until(b'\n', &mut buffer)? == 0 {
            return Ok(());
        }
        line_number += 1;
        if buffer.len() > MAX_LINE_BYTES && !buffer.ends_with(b"\n") {
            return Err(TraceError::Line {
                line: line_number,
                text: String::from_utf8_lossy(&buffer[..80]).into_owned() + "...",
                reason: format!(
                    "the line is longer than {MAX_LINE_BYTES} bytes, so this is not a text trace; a binary trace needs --format oracle-general"
                ),
            });
        }
        let bytes = trim_line_ending(&buffer);
        let line = std::str::from_utf8(bytes).map_err(|_| TraceError::Line {
            line: line_number,
            text: String::from_utf8_lossy(bytes).into_owned(),
            reason: "the line is not UTF-8 text; a binary trace needs --format oracle-general"
                .into(),
        })?;
        parser
            .parse_line(line, trace)
            .map_err(|reason| TraceError::Line {
                line: line_number,
                text: line.to_string(),
                reason,
            })?;
        check_reference_count(trace)?;
    }
}

/// Fails once a trace holds more than [`MAX_REFERENCES`] references, so an
/// endless input (such as `/dev/zero` read as oracleGeneral records) stops
/// with an error before it fills memory.
fn check_reference_count(trace: &Trace) -> Result<(), TraceError> {
    if trace.references.len() > MAX_REFERENCES {
        return Err(TraceError::InvalidOption(format!(
            "the trace has more than {MAX_REFERENCES} references, the most pagelab reads into memory (16 bytes each); cut it, for example with `head`"
        )));
    }
    Ok(())
}

/// Returns `line` without its trailing `\n` or `\r\n`.
fn trim_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Picks the format of a trace from its first bytes.
///
/// Binary content (a NUL byte, or bytes that are not UTF-8) is
/// oracleGeneral. Text is matched line by line against each text format.
/// Exactly one must fit: lackey (`I` in column 0 or a space and `L`,
/// `S` or `M`), din (a label from 0 to 4 and a hex address), refs, plain
/// (needed for `*` checkpoints or `0x` numbers) and CSV. A file of decimal
/// numbers alone fits both refs and plain, which read it identically; it is
/// refs, or plain under `--addresses`. Lackey lines also fit CSV and are
/// lackey.
///
/// # Errors
///
/// Returns [`TraceError::Ambiguous`] naming the formats that fit, or
/// [`TraceError::Unrecognised`] when none does or only CSV does (CSV needs
/// `--column`).
pub fn detect(sample: &[u8], complete: bool, options: &Options) -> Result<Format, TraceError> {
    // The last line of an incomplete sample may be cut short.
    let text_end = if complete {
        sample.len()
    } else {
        sample
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |newline| newline + 1)
    };
    if sample.contains(&0) {
        return Ok(Format::OracleGeneral);
    }
    let Ok(text) = std::str::from_utf8(&sample[..text_end]) else {
        return Ok(Format::OracleGeneral);
    };

    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return Ok(Format::Refs);
    }

    let delimiter = options.csv.as_ref().map_or(b',', |csv| csv.delimiter);
    let checks: [(Format, bool); 5] = [
        (Format::Lackey, lackey::looks_like(&lines)),
        (Format::Din, din::looks_like(&lines)),
        (Format::Refs, refs_text::looks_like(&lines)),
        (Format::Plain, plain::looks_like(&lines)),
        (Format::Csv, csv::looks_like(&lines, delimiter)),
    ];
    let mut candidates: Vec<Format> = checks
        .into_iter()
        .filter_map(|(format, fits)| fits.then_some(format))
        .collect();

    // Lackey lines also split into two comma-separated fields, but a file
    // of lackey lines is never meant as CSV.
    if candidates.contains(&Format::Lackey) {
        candidates.retain(|&format| format != Format::Csv);
    }

    // Refs and plain read decimal page numbers identically, so a file that
    // fits both is not ambiguous; the choice only decides whether
    // `--addresses` applies.
    if candidates.contains(&Format::Refs) && candidates.contains(&Format::Plain) {
        let dropped = if options.addresses {
            Format::Refs
        } else {
            Format::Plain
        };
        candidates.retain(|&format| format != dropped);
    }

    match candidates.as_slice() {
        [Format::Csv] => Err(TraceError::Unrecognised {
            reason: "the content looks like CSV; give --format csv and --column N or NAME".into(),
        }),
        [format] => Ok(*format),
        [] => Err(TraceError::Unrecognised {
            reason: format!(
                "line {:?} fits none of refs, plain, lackey, din and csv; check the file or give --format",
                lines[0]
            ),
        }),
        _ => Err(TraceError::Ambiguous { candidates }),
    }
}

/// Parses an unsigned number written in decimal or as `0x` hex.
pub(crate) fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => parse_hex(hex),
        None => {
            if text.starts_with('+') {
                return None;
            }
            text.parse().ok()
        }
    }
}

/// Parses hex digits (no prefix, no sign) into a number.
pub(crate) fn parse_hex(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

/// Pushes one reference for every page that the `size` bytes from
/// `address` touch, in address order.
///
/// # Errors
///
/// Returns a message when `size` is 0 or the access runs past 2^64.
pub(crate) fn push_access(
    trace: &mut Trace,
    address: u64,
    size: u64,
    page_shift: u32,
    write: bool,
) -> Result<(), String> {
    if size == 0 {
        return Err("the access size is 0; an access touches at least one byte".into());
    }
    let last_byte = address
        .checked_add(size - 1)
        .ok_or_else(|| format!("the access of {size} bytes at {address:#x} runs past 2^64"))?;
    let pages = (last_byte >> page_shift) - (address >> page_shift) + 1;
    if pages > MAX_PAGES_PER_ACCESS {
        return Err(format!(
            "the access of {size} bytes touches {pages} pages, more than the {MAX_PAGES_PER_ACCESS} one access may touch; check the size field or use a larger --page-size"
        ));
    }
    for page in (address >> page_shift)..=(last_byte >> page_shift) {
        trace.references.push(Reference { page, write });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
