//! The page reference string format that `pagelab run --refs-out` writes and
//! `pagelab replay` reads.
//!
//! One reference per line: the page number in decimal, followed by ` w` when
//! the reference is a write. A run of several processes writes each page as
//! `PID:VPN`, which parses to the page key `(pid << 32) | vpn`, the key the
//! kernel gives the replacement policy, so pages of different processes
//! stay distinct. Blank lines and lines starting with `#` are
//! ignored. For inline use (`--refs "7 0 1"`), [`parse`] also accepts
//! references separated by spaces or commas, and `7w` without the space.

use std::fmt;
use std::io::{self, Write};

/// One page reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The page number (VPN).
    pub page: u64,
    /// Whether the reference writes the page.
    pub write: bool,
}

/// Why a reference string could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the bad token.
    pub line: usize,
    /// The token as written.
    pub token: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {:?} is not a page reference; expected a decimal page number or PID:VPN, optionally followed by `w` for a write (as in `7`, `7 w` or `2:7 w`)",
            self.line, self.token
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses a reference string.
///
/// # Errors
///
/// Returns the first token that is neither a page number (0 to 2^64 − 1)
/// nor a `w` directly after one.
pub fn parse(text: &str) -> Result<Vec<Reference>, ParseError> {
    let mut references: Vec<Reference> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }

        // `w` marks the reference just before it, on the same line.
        let mut previous_on_line: Option<usize> = None;
        for token in content
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
        {
            let error = || ParseError {
                line: line_number,
                token: token.to_string(),
            };
            if token == "w" || token == "W" {
                let position = previous_on_line.take().ok_or_else(error)?;
                references[position].write = true;
                continue;
            }
            let (digits, write) = match token.strip_suffix(['w', 'W']) {
                Some(digits) => (digits, true),
                None => (token, false),
            };
            let page = parse_page(digits).ok_or_else(error)?;
            references.push(Reference { page, write });
            previous_on_line = (!write).then_some(references.len() - 1);
        }
    }
    Ok(references)
}

/// Returns the page key of page `vpn` of process `pid`: `(pid << 32) | vpn`.
#[inline]
pub fn page_key(pid: u32, vpn: u32) -> u64 {
    ((pid as u64) << 32) | vpn as u64
}

/// Parses `VPN` or `PID:VPN` (each part decimal, `PID:VPN` with both parts
/// below 2^32) into a page key.
fn parse_page(text: &str) -> Option<u64> {
    match text.split_once(':') {
        Some((pid, vpn)) => Some(page_key(pid.parse().ok()?, vpn.parse().ok()?)),
        None => text.parse().ok(),
    }
}

/// Writes one reference as a line of the format: a page key of 2^32 or
/// more as `PID:VPN`, a smaller one as a plain number.
///
/// # Errors
///
/// Returns the writer's I/O error.
pub fn write_reference(out: &mut impl Write, reference: Reference) -> io::Result<()> {
    let page = reference.page;
    if page >> 32 != 0 {
        write!(out, "{}:{}", page >> 32, page & 0xFFFF_FFFF)?;
    } else {
        write!(out, "{page}")?;
    }
    if reference.write {
        writeln!(out, " w")
    } else {
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(page: u64) -> Reference {
        Reference { page, write: false }
    }

    fn write(page: u64) -> Reference {
        Reference { page, write: true }
    }

    #[test]
    fn file_format_parses() {
        let text = "# refs\n16\n17 w\n\n3\n";
        assert_eq!(parse(text), Ok(vec![read(16), write(17), read(3)]));
    }

    #[test]
    fn inline_forms_parse() {
        assert_eq!(
            parse("7 0,1 2w 3 W"),
            Ok(vec![read(7), read(0), read(1), write(2), write(3)])
        );
    }

    #[test]
    fn stray_write_marks_are_rejected() {
        assert_eq!(
            parse("w 1"),
            Err(ParseError {
                line: 1,
                token: "w".into()
            })
        );
        assert_eq!(
            parse("1w w"),
            Err(ParseError {
                line: 1,
                token: "w".into()
            })
        );
        assert_eq!(
            parse("1\nw"),
            Err(ParseError {
                line: 2,
                token: "w".into()
            })
        );
    }

    #[test]
    fn bad_numbers_are_rejected() {
        assert_eq!(
            parse("1 -2"),
            Err(ParseError {
                line: 1,
                token: "-2".into()
            })
        );
        assert_eq!(
            parse("0x10"),
            Err(ParseError {
                line: 1,
                token: "0x10".into()
            })
        );
        assert_eq!(parse("99999999999999999999").unwrap_err().line, 1);
    }

    #[test]
    fn tagged_pages_parse_to_keys() {
        assert_eq!(
            parse("2:7 3:0w\n1:4294967295 w"),
            Ok(vec![
                read(page_key(2, 7)),
                write(page_key(3, 0)),
                write(page_key(1, u32::MAX))
            ])
        );
        for bad in ["2:", ":7", "1:2:3", "4294967296:1", "1:4294967296", "-1:2"] {
            assert_eq!(parse(bad).unwrap_err().token, bad, "{bad} is rejected");
        }
    }

    #[test]
    fn written_lines_parse_back() {
        let references = vec![read(5), write(6), read(u64::MAX), write(page_key(2, 9))];
        let mut out = Vec::new();
        for &reference in &references {
            write_reference(&mut out, reference).unwrap();
        }
        assert_eq!(parse(std::str::from_utf8(&out).unwrap()), Ok(references));
    }
}
