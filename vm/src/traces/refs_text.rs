//! pagelab's own refs format, as `pagelab run --refs-out` writes it: a page
//! number or `PID:VPN` per line, ` w` after a write, `#` comments. The
//! grammar itself lives in [`crate::refs`]; this file feeds it line by line.

use super::{LineParser, Trace};
use crate::refs;

/// Parses refs lines.
pub(crate) struct Parser;

impl LineParser for Parser {
    fn parse_line(&mut self, line: &str, trace: &mut Trace) -> Result<(), String> {
        let references = refs::parse(line).map_err(|error| refs_reason(&error))?;
        trace.references.extend(references);
        Ok(())
    }
}

/// Returns the message of a refs parse error without its line prefix,
/// which the caller replaces with the line number in the whole file.
fn refs_reason(error: &refs::ParseError) -> String {
    format!(
        "{:?} is not a page reference; expected a decimal page number or PID:VPN, optionally followed by ` w` for a write",
        error.token
    )
}

/// Returns whether every line parses as refs.
pub(crate) fn looks_like(lines: &[&str]) -> bool {
    lines.iter().all(|line| refs::parse(line).is_ok())
}

#[cfg(test)]
mod tests {
    use crate::refs::Reference;
    use crate::traces::tests::{check, check_err, read, write};
    use crate::traces::{Format, Options};

    fn options() -> Options {
        Options {
            format: Some(Format::Refs),
            ..Options::default()
        }
    }

    #[test]
    fn good_lines_parse() {
        let cases: &[(&str, &[Reference])] = &[
            ("7\n", &[read(7)]),
            ("7 w\n8\n", &[write(7), read(8)]),
            ("# comment\n\n3\r\n", &[read(3)]),
            ("2:7 w\n", &[write((2 << 32) | 7)]),
            ("", &[]),
        ];
        for &(text, expected) in cases {
            check(text, &options(), expected);
        }
    }

    #[test]
    fn bad_lines_name_line_and_token() {
        check_err(
            "1\n2\nx7\n",
            &options(),
            r#"line 3: "x7": "x7" is not a page reference; expected a decimal page number or PID:VPN, optionally followed by ` w` for a write"#,
        );
        check_err(
            "w\n",
            &options(),
            r#"line 1: "w": "w" is not a page reference"#,
        );
    }
}
