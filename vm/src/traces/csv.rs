//! CSV traces: one reference per row, its page in a chosen column.
//!
//! Fields are split on the delimiter (`,` unless set) and trimmed of
//! spaces; quotes have no special meaning, so a quoted field containing the
//! delimiter is not supported. The page column holds a decimal or `0x` hex
//! number, a page number or, under [`super::Options::addresses`], a byte
//! address. The optional op column marks a write when its value is `w`, `W`
//! or `write` in any letter case, and a read otherwise. Columns are chosen
//! by 1-based position or, with a header line, by header name. Blank lines
//! are skipped; every other row must have the chosen columns.

use super::{parse_number, Column, CsvOptions, LineParser, Trace};
use crate::refs::Reference;

/// Parses CSV rows.
pub(crate) struct Parser {
    options: CsvOptions,
    address_shift: Option<u32>,
    /// The 0-based positions of the page and op columns, known once the
    /// header (if any) has been read.
    positions: Option<(usize, Option<usize>)>,
}

impl Parser {
    /// Returns a parser; `address_shift` is log2 of the page size when the
    /// column contains byte addresses.
    pub(crate) fn new(options: &CsvOptions, address_shift: Option<u32>) -> Self {
        let positions = if options.has_header {
            None
        } else {
            let by_index = |column: &Column| match column {
                Column::Index(index) => Some(index - 1),
                Column::Name(_) => None,
            };
            // Names without a header are rejected on the first row.
            by_index(&options.column)
                .map(|page| (page, options.op_column.as_ref().and_then(by_index)))
        };
        Parser {
            options: options.clone(),
            address_shift,
            positions,
        }
    }

    /// Finds the page and op columns in the header row.
    fn read_header(&mut self, fields: &[&str]) -> Result<(), String> {
        let find = |column: &Column| -> Result<usize, String> {
            match column {
                Column::Index(index) => Ok(index - 1),
                Column::Name(name) => {
                    fields
                        .iter()
                        .position(|field| field == name)
                        .ok_or_else(|| {
                            format!(
                                "the header has no column named {name:?}; its columns are {}",
                                fields.join(", ")
                            )
                        })
                }
            }
        };
        let page = find(&self.options.column)?;
        let op = self.options.op_column.as_ref().map(find).transpose()?;
        self.positions = Some((page, op));
        Ok(())
    }
}

impl LineParser for Parser {
    fn parse_line(&mut self, line: &str, trace: &mut Trace) -> Result<(), String> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let delimiter = char::from(self.options.delimiter);
        let fields: Vec<&str> = line.split(delimiter).map(str::trim).collect();

        let Some((page_position, op_position)) = self.positions else {
            if self.options.has_header {
                return self.read_header(&fields);
            }
            return Err(format!(
                "column {} is a name, which needs a header line: add --has-header or give the column's 1-based number",
                self.options.column
            ));
        };

        let field = |position: usize| {
            fields.get(position).copied().ok_or_else(|| {
                format!(
                    "the row has {} fields but column {} is needed; check --column, --op-column and --delimiter",
                    fields.len(),
                    position + 1
                )
            })
        };
        let value = field(page_position)?;
        let number = parse_number(value).ok_or_else(|| {
            format!(
                "{value:?} in column {} is not a decimal or 0x hex number",
                page_position + 1
            )
        })?;
        let page = match self.address_shift {
            Some(shift) => number >> shift,
            None => number,
        };
        let write = match op_position {
            Some(position) => {
                let op = field(position)?;
                op == "w" || op == "W" || op.eq_ignore_ascii_case("write")
            }
            None => false,
        };
        trace.references.push(Reference { page, write });
        Ok(())
    }
}

/// Returns whether every line splits into the same number (at least two)
/// of fields.
pub(crate) fn looks_like(lines: &[&str], delimiter: u8) -> bool {
    let delimiter = char::from(delimiter);
    let count = |line: &str| line.split(delimiter).count();
    let first = count(lines[0]);
    first >= 2 && lines.iter().all(|line| count(line) == first)
}

#[cfg(test)]
mod tests {
    use crate::refs::Reference;
    use crate::traces::tests::{check, check_err, read, write};
    use crate::traces::{Column, CsvOptions, Format, Options};

    fn options(csv: CsvOptions) -> Options {
        Options {
            format: Some(Format::Csv),
            csv: Some(csv),
            ..Options::default()
        }
    }

    fn by_index(column: usize) -> CsvOptions {
        CsvOptions::new(Column::Index(column))
    }

    fn by_name(column: &str, op: Option<&str>) -> CsvOptions {
        CsvOptions {
            op_column: op.map(|name| Column::Name(name.into())),
            has_header: true,
            ..CsvOptions::new(Column::Name(column.into()))
        }
    }

    #[test]
    fn column_by_index_parses() {
        let cases: &[(&str, usize, &[Reference])] = &[
            ("1,7\n2,8\n", 2, &[read(7), read(8)]),
            ("7,x\n\n0x10 , y\r\n", 1, &[read(7), read(16)]),
        ];
        for &(text, column, expected) in cases {
            check(text, &options(by_index(column)), expected);
        }
    }

    #[test]
    fn header_and_names_parse() {
        let text = "version,time,op,size,lbn\n1,10,r,512,7\n1,11,W,512,8\n1,12,write,512,9\n1,13,wr,512,10\n";
        check(
            text,
            &options(by_name("lbn", Some("op"))),
            &[read(7), write(8), write(9), read(10)],
        );
        let skip_header = CsvOptions {
            has_header: true,
            op_column: Some(Column::Index(3)),
            ..by_index(5)
        };
        check(
            text,
            &options(skip_header),
            &[read(7), write(8), write(9), read(10)],
        );
    }

    #[test]
    fn delimiter_and_addresses_apply() {
        let tabs = CsvOptions {
            delimiter: b'\t',
            ..by_index(2)
        };
        let addresses = Options {
            addresses: true,
            page_size: 512,
            ..options(tabs)
        };
        check("a\t1024\nb\t1023\n", &addresses, &[read(2), read(1)]);
    }

    #[test]
    fn bad_rows_name_line_and_text() {
        check_err(
            "1,2\n3\n",
            &options(by_index(2)),
            r#"line 2: "3": the row has 1 fields but column 2 is needed"#,
        );
        check_err(
            "1,x\n",
            &options(by_index(2)),
            r#"line 1: "1,x": "x" in column 2 is not a decimal or 0x hex number"#,
        );
        check_err(
            "a,b\n1,2\n",
            &options(by_name("c", None)),
            r#"line 1: "a,b": the header has no column named "c"; its columns are a, b"#,
        );
        let name_without_header = CsvOptions {
            has_header: false,
            ..by_name("b", None)
        };
        check_err(
            "a,b\n",
            &options(name_without_header),
            r#"line 1: "a,b": column "b" is a name, which needs a header line"#,
        );
    }

    #[test]
    fn bad_csv_options_are_rejected() {
        let zero = CsvOptions {
            op_column: Some(Column::Index(0)),
            ..by_index(1)
        };
        check_err(
            "1\n",
            &options(zero),
            "column 0 is invalid: columns are numbered from 1",
        );
        let non_ascii = CsvOptions {
            delimiter: 0xe9,
            ..by_index(1)
        };
        check_err("1\n", &options(non_ascii), "delimiter byte 0xe9 is invalid");
    }

    #[test]
    fn csv_without_column_is_rejected() {
        let no_column = Options {
            format: Some(Format::Csv),
            ..Options::default()
        };
        check_err(
            "1,2\n",
            &no_column,
            "a csv trace needs the column that holds the page",
        );
    }
}
