//! valgrind lackey traces, as `valgrind --tool=lackey --trace-mem=yes`
//! writes them to stderr (and as the CS:APP cache-lab traces reuse them).
//!
//! Each access is one line: `I  ADDR,SIZE` (an instruction fetch, `I` in
//! column 0 and two spaces), ` L ADDR,SIZE` (a load), ` S ADDR,SIZE` (a
//! store) or ` M ADDR,SIZE` (a modify: a load then a store). ADDR is hex
//! without `0x`, SIZE decimal bytes. An access touches every page from the
//! one holding ADDR to the one holding its last byte, in address order, so
//! an access that straddles a page boundary makes two references. Lines
//! valgrind writes about itself (`==PID==`, `--PID--`, `**PID**`) and blank
//! lines are skipped; anything else is an error.

use super::{parse_hex, push_access, LineParser, Trace};

/// Parses lackey lines.
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

/// The kind of a lackey access line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Fetch,
    Load,
    Store,
    Modify,
}

/// Splits a lackey access line into its kind and `ADDR,SIZE` part, or
/// returns `None` when the line is not an access line.
fn split_access(line: &str) -> Option<(Kind, &str)> {
    let (kind, rest) = if let Some(rest) = line.strip_prefix("I ") {
        (Kind::Fetch, rest)
    } else {
        let rest = line.strip_prefix(' ')?;
        let kind = match rest.as_bytes().first()? {
            b'L' => Kind::Load,
            b'S' => Kind::Store,
            b'M' => Kind::Modify,
            _ => return None,
        };
        (kind, rest[1..].strip_prefix(' ')?)
    };
    Some((kind, rest.trim()))
}

/// Returns whether valgrind wrote `line` about itself (`==123== ...`).
fn is_valgrind_message(line: &str) -> bool {
    ["==", "--", "**"].iter().any(|marker| {
        line.strip_prefix(marker).is_some_and(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with(marker)
        })
    })
}

impl LineParser for Parser {
    fn parse_line(&mut self, line: &str, trace: &mut Trace) -> Result<(), String> {
        if line.trim().is_empty() || is_valgrind_message(line) {
            return Ok(());
        }
        let (kind, operand) = split_access(line).ok_or_else(|| {
            "expected a lackey access `I  ADDR,SIZE`, ` L ADDR,SIZE`, ` S ADDR,SIZE` or ` M ADDR,SIZE`, or a valgrind `==PID==` line".to_string()
        })?;
        let (address, size) = operand
            .split_once(',')
            .ok_or_else(|| "expected ADDR,SIZE after the access kind".to_string())?;
        let address = parse_hex(address.trim())
            .ok_or_else(|| format!("{:?} is not a hex address (without 0x)", address.trim()))?;
        let size: u64 = size
            .trim()
            .parse()
            .map_err(|_| format!("{:?} is not a decimal size in bytes", size.trim()))?;

        match kind {
            Kind::Fetch if self.no_fetch => {
                trace.dropped_fetches += 1;
                Ok(())
            }
            Kind::Fetch | Kind::Load => push_access(trace, address, size, self.page_shift, false),
            Kind::Store => push_access(trace, address, size, self.page_shift, true),
            Kind::Modify => {
                push_access(trace, address, size, self.page_shift, false)?;
                push_access(trace, address, size, self.page_shift, true)
            }
        }
    }
}

/// Returns whether every line starts like a lackey access or is a
/// valgrind message, and at least one is an access. The operands are not
/// checked, so a malformed operand is reported by the parser with its line.
pub(crate) fn looks_like(lines: &[&str]) -> bool {
    let mut accesses = 0;
    for line in lines {
        if split_access(line).is_some() {
            accesses += 1;
        } else if !is_valgrind_message(line) {
            return false;
        }
    }
    accesses > 0
}

#[cfg(test)]
mod tests {
    use crate::refs::Reference;
    use crate::traces::tests::{check, check_err, read, write};
    use crate::traces::{read_trace, Format, Options};

    fn options() -> Options {
        Options {
            format: Some(Format::Lackey),
            ..Options::default()
        }
    }

    #[test]
    fn good_lines_parse() {
        let cases: &[(&str, &[Reference])] = &[
            ("I  0400d7d4,8\n", &[read(0x400d)]),
            (" L 04222cac,8\n", &[read(0x4222)]),
            (" S 7ff000398,4\n", &[write(0x7ff000)]),
            (
                "==4321== Lackey, an example Valgrind tool\n\n L 1000,1\n",
                &[read(1)],
            ),
            ("--4321-- warning\n**4321** note\n S 0,1\r\n", &[write(0)]),
        ];
        for &(text, expected) in cases {
            check(text, &options(), expected);
        }
    }

    #[test]
    fn modify_is_load_then_store() {
        check(
            " M 0421c7f0,4\n",
            &options(),
            &[read(0x421c), write(0x421c)],
        );
    }

    #[test]
    fn straddling_access_touches_both_pages() {
        check(
            "I  00000ffe,4\n S 00001fff,2\n L 00002000,4096\n",
            &options(),
            &[read(0), read(1), write(1), write(2), read(2)],
        );
        check(
            " M 00000fff,2\n",
            &options(),
            &[read(0), read(1), write(0), write(1)],
        );
        let small_pages = Options {
            page_size: 16,
            ..options()
        };
        check(
            " L 0000000f,34\n",
            &small_pages,
            &[read(0), read(1), read(2), read(3)],
        );
    }

    #[test]
    fn no_fetch_drops_instruction_lines() {
        let no_fetch = Options {
            no_fetch: true,
            ..options()
        };
        let trace = read_trace("I  1000,4\n L 2000,4\nI  3000,4\n".as_bytes(), &no_fetch).unwrap();
        assert_eq!(trace.references, [read(2)]);
        assert_eq!(trace.dropped_fetches, 2);
    }

    #[test]
    fn bad_lines_name_line_and_text() {
        let cases = [
            (
                " X 1000,4\n",
                r#"line 1: " X 1000,4": expected a lackey access"#,
            ),
            (
                "L 1000,4\n",
                r#"line 1: "L 1000,4": expected a lackey access"#,
            ),
            (
                " L 1000\n",
                r#"line 1: " L 1000": expected ADDR,SIZE after the access kind"#,
            ),
            (
                " L 0x1000,4\n",
                r#"line 1: " L 0x1000,4": "0x1000" is not a hex address (without 0x)"#,
            ),
            (
                " L 1000,-4\n",
                r#"line 1: " L 1000,-4": "-4" is not a decimal size in bytes"#,
            ),
            (
                " L 1000,0\n",
                r#"line 1: " L 1000,0": the access size is 0"#,
            ),
            (
                " L ffffffffffffffff,2\n",
                r#"line 1: " L ffffffffffffffff,2": the access of 2 bytes at 0xffffffffffffffff runs past 2^64"#,
            ),
            (
                " L 0,99999999999\n",
                r#"line 1: " L 0,99999999999": the access of 99999999999 bytes touches 24414063 pages"#,
            ),
            (
                "I  1000,4\nhello from the program\n",
                r#"line 2: "hello from the program": expected a lackey access"#,
            ),
        ];
        for (text, message) in cases {
            check_err(text, &options(), message);
        }
    }
}
