//! Plain traces: one number per line, as the LIRS traces, OSTEP's
//! `paging-policy.py -f` and libCacheSim's `txt` format write them.
//!
//! A number is decimal or `0x` hex. It is a page number, or a byte address
//! divided by the page size when [`super::Options::addresses`] is set. A
//! line `*` is a checkpoint marker, not a reference, and is skipped and
//! counted. Blank lines and `#` comments are ignored. Every reference is a
//! read: the format has no writes.

use super::{parse_number, LineParser, Trace};
use crate::refs::Reference;

/// Parses plain lines.
pub(crate) struct Parser {
    /// log2 of the page size when numbers are addresses.
    address_shift: Option<u32>,
}

impl Parser {
    /// Returns a parser; `address_shift` is log2 of the page size when the
    /// numbers are byte addresses, `None` when they are page numbers.
    pub(crate) fn new(address_shift: Option<u32>) -> Self {
        Parser { address_shift }
    }
}

impl LineParser for Parser {
    fn parse_line(&mut self, line: &str, trace: &mut Trace) -> Result<(), String> {
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            return Ok(());
        }
        if content == "*" {
            trace.checkpoints += 1;
            return Ok(());
        }
        let number = parse_number(content).ok_or_else(|| {
            let number_kind = if self.address_shift.is_some() {
                "byte address"
            } else {
                "page number"
            };
            format!(
                "expected one {number_kind} per line, in decimal or as 0x hex, or `*` for a checkpoint"
            )
        })?;
        let page = match self.address_shift {
            Some(shift) => number >> shift,
            None => number,
        };
        trace.references.push(Reference { page, write: false });
        Ok(())
    }
}

/// Returns whether every line is one number, `*` or a comment.
pub(crate) fn looks_like(lines: &[&str]) -> bool {
    lines.iter().all(|line| {
        let content = line.trim();
        content == "*" || content.starts_with('#') || parse_number(content).is_some()
    })
}

#[cfg(test)]
mod tests {
    use crate::refs::Reference;
    use crate::traces::tests::{check, check_err, read};
    use crate::traces::{read_trace, Format, Options};

    fn options() -> Options {
        Options {
            format: Some(Format::Plain),
            ..Options::default()
        }
    }

    fn addresses(page_size: u64) -> Options {
        Options {
            addresses: true,
            page_size,
            ..options()
        }
    }

    #[test]
    fn good_lines_parse() {
        let cases: &[(&str, &[Reference])] = &[
            ("7\n0\n1\n", &[read(7), read(0), read(1)]),
            ("  12  \r\n0x1f\n", &[read(12), read(31)]),
            ("*\n5\n*\n", &[read(5)]),
            ("# LIRS-style\n\n18446744073709551615\n", &[read(u64::MAX)]),
        ];
        for &(text, expected) in cases {
            check(text, &options(), expected);
        }
    }

    #[test]
    fn addresses_divide_by_page_size() {
        check(
            "4095\n4096\n0x2000\n",
            &addresses(4096),
            &[read(0), read(1), read(2)],
        );
        check("100\n31\n", &addresses(32), &[read(3), read(0)]);
    }

    #[test]
    fn checkpoints_are_counted() {
        let trace = read_trace("*\n1\n*\n*\n".as_bytes(), &options()).unwrap();
        assert_eq!(trace.checkpoints, 3);
        assert_eq!(trace.references, [read(1)]);
    }

    #[test]
    fn bad_lines_name_line_and_text() {
        let expected_number =
            "expected one page number per line, in decimal or as 0x hex, or `*` for a checkpoint";
        for (text, message) in [
            ("1\n2 w\n", format!(r#"line 2: "2 w": {expected_number}"#)),
            ("-3\n", format!(r#"line 1: "-3": {expected_number}"#)),
            (
                "1\n\n0xZZ\n",
                format!(r#"line 3: "0xZZ": {expected_number}"#),
            ),
            (
                "99999999999999999999\n",
                format!(r#"line 1: "99999999999999999999": {expected_number}"#),
            ),
            ("1 2\n", format!(r#"line 1: "1 2": {expected_number}"#)),
        ] {
            check_err(text, &options(), &message);
        }
        check_err(
            "abc\n",
            &addresses(4096),
            r#"line 1: "abc": expected one byte address per line"#,
        );
    }
}
