//! Dinero `.din` traces: one `LABEL ADDRESS` per line, the rest of the line
//! ignored.
//!
//! LABEL 0 is a data read, 1 a data write, 2 an instruction fetch (a read,
//! dropped under `no_fetch`), 3 an escape for an unknown access type and 4
//! an escape for a cache flush. Escapes make no reference and are counted
//! in [`Trace::escapes`]. ADDRESS is hex, with or without `0x`. Blank lines
//! and `#` comments are ignored.

use super::{parse_hex, push_access, LineParser, Trace};

/// Parses din lines.
pub(crate) struct Parser {
    page_shift: u32,
    no_fetch: bool,
}

impl Parser {
    /// Returns a parser for pages of `1 << page_shift` bytes that drops
    /// instruction fetches when `no_fetch` is set.
    pub(crate) fn new(page_shift: u32, no_fetch: bool) -> Self {
        Parser {
            page_shift,
            no_fetch,
        }
    }
}

/// Parses a din address: hex digits, optionally after `0x`.
fn parse_address(text: &str) -> Option<u64> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    parse_hex(digits)
}

impl LineParser for Parser {
    fn parse_line(&mut self, line: &str, trace: &mut Trace) -> Result<(), String> {
        let mut fields = line.split_whitespace();
        let Some(label) = fields.next() else {
            return Ok(());
        };
        if label.starts_with('#') {
            return Ok(());
        }
        let write = match label {
            "0" | "2" => false,
            "1" => true,
            "3" | "4" => {
                trace.escapes += 1;
                return Ok(());
            }
            _ => {
                return Err(format!(
                    "{label:?} is not a din label; expected 0 (read), 1 (write), 2 (instruction fetch), 3 or 4 (escapes)"
                ))
            }
        };
        let address = fields
            .next()
            .ok_or_else(|| "the address is missing after the label".to_string())?;
        let address =
            parse_address(address).ok_or_else(|| format!("{address:?} is not a hex address"))?;
        if label == "2" && self.no_fetch {
            trace.dropped_fetches += 1;
            return Ok(());
        }
        push_access(trace, address, 1, self.page_shift, write)
    }
}

/// Returns whether every line starts with a din label (followed by a
/// field unless it is an escape) or is a comment. Addresses are not
/// checked, so a malformed address is reported by the parser with its line.
pub(crate) fn looks_like(lines: &[&str]) -> bool {
    lines.iter().all(|line| {
        let mut fields = line.split_whitespace();
        match (fields.next(), fields.next()) {
            (Some(comment), _) if comment.starts_with('#') => true,
            (Some("3" | "4"), _) => true,
            (Some("0" | "1" | "2"), Some(_)) => true,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::refs::Reference;
    use crate::traces::tests::{check, check_err, read, write};
    use crate::traces::{read_trace, Format, Options};

    fn options() -> Options {
        Options {
            format: Some(Format::Din),
            ..Options::default()
        }
    }

    #[test]
    fn good_lines_parse() {
        let cases: &[(&str, &[Reference])] = &[
            (
                "2 0\n0 1000\n1 70f60890\n",
                &[read(0), read(1), write(0x70f60)],
            ),
            ("0 0x2000 extra fields ignored\n", &[read(2)]),
            ("# comment\n\n1 fff\r\n", &[write(0)]),
        ];
        for &(text, expected) in cases {
            check(text, &options(), expected);
        }
    }

    #[test]
    fn escapes_are_skipped_and_counted() {
        let trace = read_trace("3 1000\n0 1000\n4\n4 anything\n".as_bytes(), &options()).unwrap();
        assert_eq!(trace.references, [read(1)]);
        assert_eq!(trace.escapes, 3);
    }

    #[test]
    fn no_fetch_drops_label_2() {
        let no_fetch = Options {
            no_fetch: true,
            ..options()
        };
        let trace = read_trace("2 1000\n1 2000\n".as_bytes(), &no_fetch).unwrap();
        assert_eq!(trace.references, [write(2)]);
        assert_eq!(trace.dropped_fetches, 1);
    }

    #[test]
    fn bad_lines_name_line_and_text() {
        let cases = [
            ("5 1000\n", r#"line 1: "5 1000": "5" is not a din label"#),
            (
                "0 1000\nr 1000\n",
                r#"line 2: "r 1000": "r" is not a din label"#,
            ),
            (
                "1\n",
                r#"line 1: "1": the address is missing after the label"#,
            ),
            ("0 xyz\n", r#"line 1: "0 xyz": "xyz" is not a hex address"#),
            (
                "0 10000000000000000\n",
                r#"line 1: "0 10000000000000000": "10000000000000000" is not a hex address"#,
            ),
        ];
        for (text, message) in cases {
            check_err(text, &options(), message);
        }
    }
}
