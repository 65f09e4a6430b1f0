//! Shared test helpers, and tests of detection, decompression and option
//! checks.

use super::*;
use std::io::Write;

pub(crate) fn read(page: u64) -> Reference {
    Reference { page, write: false }
}

pub(crate) fn write(page: u64) -> Reference {
    Reference { page, write: true }
}

/// Checks that `text` reads to `expected` under `options`.
pub(crate) fn check(text: &str, options: &Options, expected: &[Reference]) {
    match read_references(text.as_bytes(), options) {
        Ok(references) => assert_eq!(references, expected, "reading {text:?}"),
        Err(error) => panic!("reading {text:?} failed: {error}"),
    }
}

/// Checks that reading `text` fails with a message starting with `prefix`.
pub(crate) fn check_err(text: &str, options: &Options, prefix: &str) {
    match read_references(text.as_bytes(), options) {
        Ok(references) => panic!("reading {text:?} gave {references:?}, expected an error"),
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.starts_with(prefix),
                "reading {text:?}: message {message:?} does not start with {prefix:?}"
            );
        }
    }
}

fn detected(text: &str) -> Result<Format, TraceError> {
    detect(text.as_bytes(), true, &Options::default())
}

#[test]
fn each_format_is_detected() {
    let cases = [
        ("7\n0\n1\n", Format::Refs),
        ("7 w\n0\n", Format::Refs),
        ("2:7\n", Format::Refs),
        ("7\n*\n1\n", Format::Plain),
        ("0x1000\n0x2000\n", Format::Plain),
        (
            "==12== Lackey\nI  0400d7d4,8\n M 04222cac,4\n",
            Format::Lackey,
        ),
        (" L 1000,4\n S 2000,4\n", Format::Lackey),
        ("2 0\n0 1000\n1 70f60890\n", Format::Din),
        ("2 400100 extra\n3\n", Format::Din),
        ("", Format::Refs),
        // Malformed operands still pick the format, so that its parser
        // reports the bad line.
        ("I  1000,4\n L zz,4\n", Format::Lackey),
        ("0 1000\n1 xyz\n", Format::Din),
    ];
    for (text, format) in cases {
        assert_eq!(detected(text).ok(), Some(format), "detecting {text:?}");
    }
}

#[test]
fn numbers_are_plain_under_addresses() {
    let options = Options {
        addresses: true,
        ..Options::default()
    };
    assert_eq!(
        detect(b"4096\n8192\n", true, &options).ok(),
        Some(Format::Plain)
    );
}

#[test]
fn ambiguous_content_names_candidates() {
    // Decimal din lines are also refs lines holding two pages each.
    let error = detected("0 1000\n1 2000\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the trace format is ambiguous: the content fits din and refs; choose one with --format"
    );
    let error = detected("1,2\n3,4\n").unwrap_err();
    assert!(matches!(
        &error,
        TraceError::Ambiguous { candidates } if candidates == &[Format::Refs, Format::Csv]
    ));
}

#[test]
fn unrecognised_content_is_rejected() {
    let error = detected("hello world\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"the trace format is not recognised: line "hello world" fits none of refs, plain, lackey, din and csv; check the file or give --format"#
    );
    let error = detected("time,page\nx,y\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the trace format is not recognised: the content looks like CSV; give --format csv and --column N or NAME"
    );
}

#[test]
fn explicit_format_wins() {
    let din = Options {
        format: Some(Format::Din),
        ..Options::default()
    };
    check("0 1000\n1 2000\n", &din, &[read(1), write(2)]);
    let refs = Options {
        format: Some(Format::Refs),
        ..Options::default()
    };
    check(
        "0 1000\n1 2000\n",
        &refs,
        &[read(0), read(1000), read(1), read(2000)],
    );
}

#[test]
fn long_input_is_detected_from_a_sample() {
    // The sample ends inside a line; the cut line must not spoil detection.
    let mut text = String::new();
    let mut page = 0u64;
    while text.len() < 3 * SAMPLE_BYTES {
        text.push_str(&format!(" L {:08x},8\n", page * 4096 + 4090));
        page += 1;
    }
    let trace = read_trace(text.as_bytes(), &Options::default()).unwrap();
    assert_eq!(trace.format, Some(Format::Lackey));
    assert_eq!(trace.references.len() as u64, 2 * page);
    assert_eq!(trace.references.last(), Some(&read(page)));
}

#[test]
fn options_that_do_not_apply_are_rejected() {
    let cases = [
        (
            Options {
                no_fetch: true,
                ..Options::default()
            },
            "--no-fetch applies only to lackey and din traces, not to refs",
        ),
        (
            Options {
                addresses: true,
                format: Some(Format::Lackey),
                ..Options::default()
            },
            "--addresses applies only to plain and csv traces, not to lackey",
        ),
        (
            Options {
                page_size: 512,
                ..Options::default()
            },
            "--page-size applies only to lackey and din traces and to --addresses, not to refs page numbers",
        ),
        (
            Options {
                format: Some(Format::Lackey),
                page_size: 1000,
                ..Options::default()
            },
            "page size 1000 is invalid: give a power of two from 1 to 1073741824 bytes, as in 4096",
        ),
        (
            Options {
                format: Some(Format::Plain),
                csv: Some(CsvOptions::new(Column::Index(1))),
                ..Options::default()
            },
            "--column, --op-column, --has-header and --delimiter apply only to csv traces, not to plain; add --format csv",
        ),
    ];
    for (options, message) in cases {
        check_err("1\n", &options, message);
    }
}

#[test]
fn non_utf8_line_is_rejected() {
    let options = Options {
        format: Some(Format::Plain),
        ..Options::default()
    };
    let error = read_references(&b"1\n\xff\xfe\n"[..], &options).unwrap_err();
    assert!(error.to_string().starts_with("line 2: "), "message {error}");
    assert!(error.to_string().contains("not UTF-8"), "message {error}");
}

const LACKEY: &str = "==7== Lackey\nI  00000ffe,4\n M 00003000,8\n L 00005000,4\n";

fn lackey_pages() -> Vec<Reference> {
    vec![read(0), read(1), read(3), write(3), read(5)]
}

#[test]
fn gzip_input_is_read() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(LACKEY.as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    let trace = read_trace(compressed.as_slice(), &Options::default()).unwrap();
    assert_eq!(trace.format, Some(Format::Lackey));
    assert_eq!(trace.references, lackey_pages());
}

#[test]
fn concatenated_gzip_members_are_read() {
    let mut bytes = Vec::new();
    for part in ["1\n2\n", "3\n"] {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(part.as_bytes()).unwrap();
        bytes.extend(encoder.finish().unwrap());
    }
    assert_eq!(
        read_references(bytes.as_slice(), &Options::default()).unwrap(),
        [read(1), read(2), read(3)]
    );
}

#[test]
fn zstd_input_is_read() {
    let compressed = zstd::encode_all(LACKEY.as_bytes(), 3).unwrap();
    let trace = read_trace(compressed.as_slice(), &Options::default()).unwrap();
    assert_eq!(trace.format, Some(Format::Lackey));
    assert_eq!(trace.references, lackey_pages());
}

#[test]
fn compressed_binary_is_read() {
    let bytes: Vec<u8> = [9u64, 8]
        .iter()
        .flat_map(|&id| oracle::encode_record(0, id, 1, -1))
        .collect();
    let compressed = zstd::encode_all(bytes.as_slice(), 1).unwrap();
    assert_eq!(
        read_references(compressed.as_slice(), &Options::default()).unwrap(),
        [read(9), read(8)]
    );
}

#[test]
fn corrupt_gzip_is_an_io_error() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(b"1\n2\n3\n").unwrap();
    let mut compressed = encoder.finish().unwrap();
    compressed.truncate(compressed.len() - 6);
    let error = read_references(compressed.as_slice(), &Options::default()).unwrap_err();
    assert!(matches!(error, TraceError::Io(_)), "got {error}");
    assert!(
        error.to_string().starts_with("read failed: "),
        "got {error}"
    );
}

#[test]
fn format_names_round_trip() {
    for format in Format::ALL {
        assert_eq!(format.name().parse::<Format>(), Ok(format));
    }
    assert_eq!(
        "vscsi".parse::<Format>().unwrap_err(),
        r#"unknown trace format "vscsi"; expected one of refs, plain, lackey, din, csv, oracle-general"#
    );
}

#[test]
fn columns_parse() {
    assert_eq!("3".parse::<Column>(), Ok(Column::Index(3)));
    assert_eq!("lbn".parse::<Column>(), Ok(Column::Name("lbn".into())));
    assert!("0".parse::<Column>().is_err());
    assert!("".parse::<Column>().is_err());
}
