//! The bytecode object file (`.pbc`): what the assembler writes and the
//! kernel loads.
//!
//! An [`Object`] contains the text, data and bss sections at fixed virtual
//! addresses, the entry point, the symbol table and a pc → source-line table.
//! [`Object::from_bytes`] validates every field, so a truncated or corrupted
//! file is an [`ObjectError`] and never a panic. This module does not decide
//! how pages are mapped: that is the kernel's job.
//!
//! # File layout
//!
//! All integers are little-endian.
//!
//! | offset | size | field |
//! |--------|------|-------|
//! | 0  | 4 | magic `PLBC` |
//! | 4  | 2 | format version, [`FORMAT_VERSION`] |
//! | 6  | 2 | flags, must be 0 |
//! | 8  | 4 | entry point |
//! | 12 | 4 | text address |
//! | 16 | 4 | text length in bytes |
//! | 20 | 4 | data address |
//! | 24 | 4 | data length in bytes |
//! | 28 | 4 | bss address |
//! | 32 | 4 | bss length in bytes |
//! | 36 | 4 | symbol count |
//! | 40 | 4 | line-table entry count |
//! | 44 | 4 | source-name length in bytes |
//! | 48 | … | source name (UTF-8), text bytes, data bytes |
//! | …  | … | symbols: value `u32`, kind `u8`, name length `u8`, name (UTF-8) |
//! | …  | … | line table: pc `u32`, line `u32`, in increasing pc order |
//! | end−4 | 4 | CRC-32 (IEEE) of every byte before it |

use std::fmt;

/// The four bytes every object file starts with.
pub const MAGIC: [u8; 4] = *b"PLBC";

/// The object format version this build reads and writes.
pub const FORMAT_VERSION: u16 = 1;

/// Virtual address of the first text byte, as the assembler lays programs out.
/// The pages below it stay unmapped, so null-pointer accesses fault.
pub const TEXT_BASE: u32 = 0x0001_0000;

/// Alignment of each section's start address: the largest supported page
/// size (64 KiB), so text never shares a page with writable data whatever
/// page size the machine uses.
pub const SECTION_ALIGN: u32 = 0x0001_0000;

/// Program images (text, data, bss) must end at or below this address; the
/// heap grows up from the end of bss and the stack down from [`STACK_TOP`].
pub const IMAGE_LIMIT: u32 = 0x8000_0000;

/// The initial stack pointer: one past the highest stack byte.
pub const STACK_TOP: u32 = 0xC000_0000;

const HEADER_BYTES: usize = 48;
const CHECKSUM_BYTES: usize = 4;
const MIN_SYMBOL_BYTES: usize = 6;
const LINE_ENTRY_BYTES: usize = 8;

/// A section with contents from the file (text or data).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Section {
    /// Virtual address of the first byte.
    pub addr: u32,
    /// The section's bytes.
    pub bytes: Vec<u8>,
}

impl Section {
    /// Returns one past the last address of the section.
    pub fn end(&self) -> u64 {
        self.addr as u64 + self.bytes.len() as u64
    }
}

/// The zero-filled section: only its place and size are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Bss {
    /// Virtual address of the first byte.
    pub addr: u32,
    /// Length in bytes.
    pub len: u32,
}

impl Bss {
    /// Returns one past the last address of the section.
    pub fn end(&self) -> u64 {
        self.addr as u64 + self.len as u64
    }
}

/// The kind of thing a symbol's value refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A label in the text section.
    Text,
    /// A label in the data section.
    Data,
    /// A label in the bss section.
    Bss,
    /// A constant from `.equ`; not an address.
    Constant,
}

impl SymbolKind {
    fn code(self) -> u8 {
        match self {
            SymbolKind::Text => 0,
            SymbolKind::Data => 1,
            SymbolKind::Bss => 2,
            SymbolKind::Constant => 3,
        }
    }

    fn from_code(code: u8) -> Option<SymbolKind> {
        match code {
            0 => Some(SymbolKind::Text),
            1 => Some(SymbolKind::Data),
            2 => Some(SymbolKind::Bss),
            3 => Some(SymbolKind::Constant),
            _ => None,
        }
    }
}

/// A named value from the assembly source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// The label or constant name: 1 to 255 bytes of UTF-8.
    pub name: String,
    /// The address (for labels) or the constant's value.
    pub value: u32,
    /// The kind of thing the value refers to.
    pub kind: SymbolKind,
}

/// One row of the pc → source-line table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineEntry {
    /// Address of an instruction.
    pub pc: u32,
    /// Its 1-based line in the source file.
    pub line: u32,
}

/// An assembled program.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Object {
    /// The source file's name, for messages (`hello.asm:12`).
    pub source_name: String,
    /// Address of the first instruction to run.
    pub entry: u32,
    /// Instructions, read-only and executable once loaded.
    pub text: Section,
    /// Initialised data, writable once loaded.
    pub data: Section,
    /// Zero-filled data, writable once loaded.
    pub bss: Bss,
    /// Labels and constants, in definition order.
    pub symbols: Vec<Symbol>,
    /// Source line of each instruction, in increasing pc order.
    pub lines: Vec<LineEntry>,
}

/// The reason bytes are not a valid object file, or an [`Object`] is inconsistent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectError {
    /// The file ends before a field it must contain.
    Truncated {
        field: &'static str,
        offset: usize,
        needed: usize,
        available: usize,
    },
    /// The file does not start with `PLBC`.
    BadMagic { found: [u8; 4] },
    /// The format version is not one this build reads.
    UnsupportedVersion { found: u16 },
    /// The flags field is not zero.
    UnknownFlags { found: u16 },
    /// The stored CRC-32 does not match the file's contents.
    ChecksumMismatch { stored: u32, computed: u32 },
    /// Bytes lie between the end of the line table and the checksum, so a
    /// count or length field is smaller than the data it describes.
    TrailingBytes { count: usize },
    /// The source name contains control characters.
    InvalidSourceName { name: String },
    /// A string field is not valid UTF-8.
    InvalidUtf8 { field: &'static str },
    /// A section breaks a layout rule.
    BadSection {
        section: &'static str,
        reason: String,
    },
    /// The entry point is not an instruction address in text.
    BadEntry { entry: u32 },
    /// A symbol breaks a rule.
    BadSymbol { name: String, reason: String },
    /// A line-table row breaks a rule.
    BadLineEntry { index: usize, reason: String },
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectError::Truncated { field, offset, needed, available } => write!(
                f,
                "file is truncated: {field} at byte {offset} needs {needed} bytes but {available} remain"
            ),
            ObjectError::BadMagic { found } => write!(
                f,
                "not a pagelab object file: it starts with {found:02x?} instead of \"PLBC\""
            ),
            ObjectError::UnsupportedVersion { found } => write!(
                f,
                "object format version {found} is not supported (this build reads version {FORMAT_VERSION}); reassemble the source"
            ),
            ObjectError::UnknownFlags { found } => {
                write!(f, "header flags are 0x{found:04x}, but no flags are defined (expected 0)")
            }
            ObjectError::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch (stored 0x{stored:08x}, computed 0x{computed:08x}): the file is corrupted; reassemble the source"
            ),
            ObjectError::TrailingBytes { count } => {
                write!(
                    f,
                    "{count} unexpected bytes lie between the line table and the checksum"
                )
            }
            ObjectError::InvalidSourceName { name } => write!(
                f,
                "the source name {name:?} contains control characters; reassemble the source"
            ),
            ObjectError::InvalidUtf8 { field } => write!(f, "{field} is not valid UTF-8"),
            ObjectError::BadSection { section, reason } => write!(f, "invalid {section} section: {reason}"),
            ObjectError::BadEntry { entry } => write!(
                f,
                "entry point 0x{entry:08x} is not an instruction address inside the text section"
            ),
            ObjectError::BadSymbol { name, reason } => write!(f, "invalid symbol {name:?}: {reason}"),
            ObjectError::BadLineEntry { index, reason } => {
                write!(f, "invalid line-table entry {index}: {reason}")
            }
        }
    }
}

impl std::error::Error for ObjectError {}

impl Object {
    /// Serialises the object in the file layout described in the module docs.
    ///
    /// # Panics
    ///
    /// Panics if a length does not fit in its field (a section or table of
    /// 4 GiB or more, a symbol name over 255 bytes), which
    /// [`Object::validate`] rejects.
    pub fn to_bytes(&self) -> Vec<u8> {
        let len32 = |len: usize| u32::try_from(len).expect("validated objects have 32-bit lengths");
        let mut out = Vec::with_capacity(
            HEADER_BYTES + self.text.bytes.len() + self.data.bytes.len() + 16 * self.symbols.len(),
        );

        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        for value in [
            self.entry,
            self.text.addr,
            len32(self.text.bytes.len()),
            self.data.addr,
            len32(self.data.bytes.len()),
            self.bss.addr,
            self.bss.len,
            len32(self.symbols.len()),
            len32(self.lines.len()),
            len32(self.source_name.len()),
        ] {
            out.extend_from_slice(&value.to_le_bytes());
        }

        out.extend_from_slice(self.source_name.as_bytes());
        out.extend_from_slice(&self.text.bytes);
        out.extend_from_slice(&self.data.bytes);
        for symbol in &self.symbols {
            out.extend_from_slice(&symbol.value.to_le_bytes());
            out.push(symbol.kind.code());
            out.push(
                u8::try_from(symbol.name.len()).expect("validated names are at most 255 bytes"),
            );
            out.extend_from_slice(symbol.name.as_bytes());
        }
        for entry in &self.lines {
            out.extend_from_slice(&entry.pc.to_le_bytes());
            out.extend_from_slice(&entry.line.to_le_bytes());
        }

        let checksum = crc32fast::hash(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        out
    }

    /// Parses and validates an object file.
    ///
    /// # Errors
    ///
    /// Returns an [`ObjectError`] naming the first field that is missing,
    /// malformed or inconsistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Object, ObjectError> {
        let mut reader = Reader { bytes, offset: 0 };

        let magic = reader.array::<4>("magic number")?;
        if magic != MAGIC {
            return Err(ObjectError::BadMagic { found: magic });
        }
        let version = reader.u16("format version")?;
        if version != FORMAT_VERSION {
            return Err(ObjectError::UnsupportedVersion { found: version });
        }
        let flags = reader.u16("flags")?;
        if flags != 0 {
            return Err(ObjectError::UnknownFlags { found: flags });
        }

        // The checksum comes before any count is trusted, so a corrupted count
        // is reported as corruption rather than as a confusing truncation.
        if bytes.len() < HEADER_BYTES + CHECKSUM_BYTES {
            return Err(ObjectError::Truncated {
                field: "header",
                offset: 0,
                needed: HEADER_BYTES + CHECKSUM_BYTES,
                available: bytes.len(),
            });
        }
        let body_len = bytes.len() - CHECKSUM_BYTES;
        let stored = u32::from_le_bytes(bytes[body_len..].try_into().expect("slice of 4 bytes"));
        let computed = crc32fast::hash(&bytes[..body_len]);
        if stored != computed {
            return Err(ObjectError::ChecksumMismatch { stored, computed });
        }
        let mut reader = Reader {
            bytes: &bytes[..body_len],
            offset: reader.offset,
        };

        let entry = reader.u32("entry point")?;
        let text_addr = reader.u32("text address")?;
        let text_len = reader.u32("text length")? as usize;
        let data_addr = reader.u32("data address")?;
        let data_len = reader.u32("data length")? as usize;
        let bss_addr = reader.u32("bss address")?;
        let bss_len = reader.u32("bss length")?;
        let symbol_count = reader.u32("symbol count")? as usize;
        let line_count = reader.u32("line-table count")? as usize;
        let name_len = reader.u32("source-name length")? as usize;

        let source_name = reader.string("source name", name_len)?;
        let text = reader.take("text section", text_len)?.to_vec();
        let data = reader.take("data section", data_len)?.to_vec();

        reader.ensure_records("symbol table", symbol_count, MIN_SYMBOL_BYTES)?;
        let mut symbols = Vec::with_capacity(symbol_count);
        for _ in 0..symbol_count {
            let value = reader.u32("symbol value")?;
            let kind_code = reader.u8("symbol kind")?;
            let len = reader.u8("symbol name length")? as usize;
            let name = reader.string("symbol name", len)?;
            let kind = SymbolKind::from_code(kind_code).ok_or_else(|| ObjectError::BadSymbol {
                name: name.clone(),
                reason: format!(
                    "kind code {kind_code} is not 0 (text), 1 (data), 2 (bss) or 3 (constant)"
                ),
            })?;
            symbols.push(Symbol { name, value, kind });
        }

        reader.ensure_records("line table", line_count, LINE_ENTRY_BYTES)?;
        let mut lines = Vec::with_capacity(line_count);
        for _ in 0..line_count {
            let pc = reader.u32("line-table pc")?;
            let line = reader.u32("line-table line")?;
            lines.push(LineEntry { pc, line });
        }

        if reader.offset != reader.bytes.len() {
            return Err(ObjectError::TrailingBytes {
                count: reader.bytes.len() - reader.offset,
            });
        }

        let object = Object {
            source_name,
            entry,
            text: Section {
                addr: text_addr,
                bytes: text,
            },
            data: Section {
                addr: data_addr,
                bytes: data,
            },
            bss: Bss {
                addr: bss_addr,
                len: bss_len,
            },
            symbols,
            lines,
        };
        object.validate()?;
        Ok(object)
    }

    /// Checks the layout rules every loadable object obeys.
    ///
    /// Text is non-empty, a whole number of instructions, and starts on a
    /// [`SECTION_ALIGN`] boundary; data starts on such a boundary at or after
    /// the end of text (when data is non-empty); bss starts at or after the
    /// end of data; everything ends at or below [`IMAGE_LIMIT`]. The entry
    /// point is an instruction address in text; label symbols lie inside
    /// (or at the end of) their section; line-table pcs are instruction
    /// addresses in strictly increasing order.
    ///
    /// # Errors
    ///
    /// Returns an [`ObjectError`] for the first rule broken.
    pub fn validate(&self) -> Result<(), ObjectError> {
        let bad =
            |section: &'static str, reason: String| ObjectError::BadSection { section, reason };
        let instruction = crate::isa::INSTRUCTION_BYTES;

        // The source name appears in every fault message, so it must not
        // carry terminal control sequences from a hand-made file.
        if self.source_name.chars().any(char::is_control) {
            return Err(ObjectError::InvalidSourceName {
                name: self.source_name.clone(),
            });
        }

        if self.text.bytes.is_empty() {
            return Err(bad(
                "text",
                "it is empty, but a program needs at least one instruction".into(),
            ));
        }
        if !self.text.bytes.len().is_multiple_of(instruction as usize) {
            return Err(bad(
                "text",
                format!(
                    "its length {} is not a multiple of the {instruction}-byte instruction size",
                    self.text.bytes.len()
                ),
            ));
        }
        for (name, addr) in [("text", self.text.addr), ("data", self.data.addr)] {
            if addr % SECTION_ALIGN != 0 {
                return Err(bad(
                    name,
                    format!("address 0x{addr:08x} is not a multiple of 0x{SECTION_ALIGN:x}"),
                ));
            }
        }
        if self.text.addr == 0 {
            return Err(bad(
                "text",
                "it starts at address 0, which must stay unmapped".into(),
            ));
        }
        if !self.data.bytes.is_empty() && (self.data.addr as u64) < self.text.end() {
            return Err(bad(
                "data",
                format!("address 0x{:08x} overlaps the text section", self.data.addr),
            ));
        }
        let data_end = if self.data.bytes.is_empty() {
            self.text.end()
        } else {
            self.data.end()
        };
        if self.bss.len > 0 && (self.bss.addr as u64) < data_end {
            return Err(bad(
                "bss",
                format!(
                    "address 0x{:08x} overlaps the text or data section",
                    self.bss.addr
                ),
            ));
        }
        for (name, end) in [
            ("text", self.text.end()),
            ("data", self.data.end()),
            ("bss", self.bss.end()),
        ] {
            if end > IMAGE_LIMIT as u64 {
                return Err(bad(
                    name,
                    format!("it ends at 0x{end:x}, above the image limit 0x{IMAGE_LIMIT:08x}"),
                ));
            }
        }

        if !self.is_instruction_address(self.entry) {
            return Err(ObjectError::BadEntry { entry: self.entry });
        }

        for symbol in &self.symbols {
            let reason = if symbol.name.is_empty() || symbol.name.len() > 255 {
                Some(format!(
                    "its name is {} bytes long; names are 1 to 255 bytes",
                    symbol.name.len()
                ))
            } else {
                let range = match symbol.kind {
                    SymbolKind::Text => Some((self.text.addr as u64, self.text.end())),
                    SymbolKind::Data => Some((self.data.addr as u64, self.data.end())),
                    SymbolKind::Bss => Some((self.bss.addr as u64, self.bss.end())),
                    SymbolKind::Constant => None,
                };
                range.and_then(|(start, end)| {
                    let value = symbol.value as u64;
                    (value < start || value > end).then(|| {
                        format!("address 0x{value:08x} lies outside its section 0x{start:08x}..0x{end:08x}")
                    })
                })
            };
            if let Some(reason) = reason {
                return Err(ObjectError::BadSymbol {
                    name: symbol.name.clone(),
                    reason,
                });
            }
        }

        let mut previous_pc = None;
        for (index, entry) in self.lines.iter().enumerate() {
            if !self.is_instruction_address(entry.pc) {
                return Err(ObjectError::BadLineEntry {
                    index,
                    reason: format!(
                        "pc 0x{:08x} is not an instruction address in text",
                        entry.pc
                    ),
                });
            }
            if previous_pc.is_some_and(|previous| entry.pc <= previous) {
                return Err(ObjectError::BadLineEntry {
                    index,
                    reason: format!("pc 0x{:08x} is not above the previous entry's", entry.pc),
                });
            }
            if entry.line == 0 {
                return Err(ObjectError::BadLineEntry {
                    index,
                    reason: "line 0 does not exist; lines start at 1".into(),
                });
            }
            previous_pc = Some(entry.pc);
        }
        Ok(())
    }

    /// Returns whether `pc` is the address of an instruction in text.
    pub fn is_instruction_address(&self, pc: u32) -> bool {
        let offset = pc.wrapping_sub(self.text.addr);
        pc >= self.text.addr
            && (offset as usize) < self.text.bytes.len()
            && offset.is_multiple_of(crate::isa::INSTRUCTION_BYTES)
    }

    /// Returns the source line of the instruction at `pc`, if the line table has it.
    pub fn line_of(&self, pc: u32) -> Option<u32> {
        self.lines
            .binary_search_by_key(&pc, |entry| entry.pc)
            .ok()
            .map(|index| self.lines[index].line)
    }

    /// Returns the first label (not constant) whose address is `addr`.
    pub fn label_at(&self, addr: u32) -> Option<&str> {
        self.symbols
            .iter()
            .find(|symbol| symbol.kind != SymbolKind::Constant && symbol.value == addr)
            .map(|symbol| symbol.name.as_str())
    }

    /// Formats `pc` for messages as `file:line`, or `pc 0x…` when the line is unknown.
    pub fn describe_pc(&self, pc: u32) -> String {
        match self.line_of(pc) {
            Some(line) => format!("{}:{line}", self.source_name),
            None => format!("pc 0x{pc:08x} (no source line)"),
        }
    }
}

/// A bounds-checked cursor over the file's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, field: &'static str, len: usize) -> Result<&'a [u8], ObjectError> {
        let available = self.bytes.len() - self.offset;
        if len > available {
            return Err(ObjectError::Truncated {
                field,
                offset: self.offset,
                needed: len,
                available,
            });
        }
        let slice = &self.bytes[self.offset..self.offset + len];
        self.offset += len;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ObjectError> {
        Ok(self
            .take(field, N)?
            .try_into()
            .expect("take returned N bytes"))
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, ObjectError> {
        Ok(self.array::<1>(field)?[0])
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, ObjectError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, ObjectError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    fn string(&mut self, field: &'static str, len: usize) -> Result<String, ObjectError> {
        let bytes = self.take(field, len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| ObjectError::InvalidUtf8 { field })
    }

    /// Fails early when `count` records of at least `record_bytes` each cannot
    /// fit in the rest of the file, so a corrupted count never drives a huge
    /// allocation.
    fn ensure_records(
        &self,
        field: &'static str,
        count: usize,
        record_bytes: usize,
    ) -> Result<(), ObjectError> {
        let available = self.bytes.len() - self.offset;
        let needed = count.saturating_mul(record_bytes);
        if needed > available {
            return Err(ObjectError::Truncated {
                field,
                offset: self.offset,
                needed,
                available,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::Instruction;

    fn sample() -> Object {
        let mut text = Vec::new();
        text.extend_from_slice(&Instruction::Nop.encode());
        text.extend_from_slice(&Instruction::Halt.encode());
        Object {
            source_name: "sample.asm".into(),
            entry: TEXT_BASE,
            text: Section {
                addr: TEXT_BASE,
                bytes: text,
            },
            data: Section {
                addr: TEXT_BASE + SECTION_ALIGN,
                bytes: vec![1, 2, 3],
            },
            bss: Bss {
                addr: TEXT_BASE + SECTION_ALIGN + 4,
                len: 100,
            },
            symbols: vec![
                Symbol {
                    name: "main".into(),
                    value: TEXT_BASE,
                    kind: SymbolKind::Text,
                },
                Symbol {
                    name: "N".into(),
                    value: 7,
                    kind: SymbolKind::Constant,
                },
            ],
            lines: vec![
                LineEntry {
                    pc: TEXT_BASE,
                    line: 3,
                },
                LineEntry {
                    pc: TEXT_BASE + 8,
                    line: 4,
                },
            ],
        }
    }

    #[test]
    fn control_characters_in_the_source_name_are_rejected() {
        let mut object = sample();
        object.source_name = "evil\u{1b}[2J.asm".into();
        assert!(matches!(
            Object::from_bytes(&object.to_bytes()),
            Err(ObjectError::InvalidSourceName { .. })
        ));
    }

    #[test]
    fn bytes_round_trip() {
        let object = sample();
        assert_eq!(Object::from_bytes(&object.to_bytes()), Ok(object));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().to_bytes();
        for len in 0..bytes.len() {
            assert!(
                Object::from_bytes(&bytes[..len]).is_err(),
                "prefix of {len} bytes was accepted"
            );
        }
    }

    #[test]
    fn every_single_byte_flip_is_an_error() {
        let bytes = sample().to_bytes();
        for index in 0..bytes.len() {
            let mut corrupted = bytes.clone();
            corrupted[index] ^= 0x40;
            assert!(
                Object::from_bytes(&corrupted).is_err(),
                "flip at byte {index} was accepted"
            );
        }
    }

    #[test]
    fn bytes_before_the_checksum_are_named() {
        let bytes = sample().to_bytes();
        let mut body = bytes[..bytes.len() - CHECKSUM_BYTES].to_vec();
        body.extend_from_slice(&[1, 2, 3]);
        let checksum = crc32fast::hash(&body);
        body.extend_from_slice(&checksum.to_le_bytes());

        let error = Object::from_bytes(&body).unwrap_err();
        assert_eq!(error, ObjectError::TrailingBytes { count: 3 });
        assert_eq!(
            error.to_string(),
            "3 unexpected bytes lie between the line table and the checksum"
        );
    }

    #[test]
    fn line_lookup() {
        let object = sample();
        assert_eq!(object.line_of(TEXT_BASE + 8), Some(4));
        assert_eq!(object.line_of(TEXT_BASE + 16), None);
        assert_eq!(object.describe_pc(TEXT_BASE), "sample.asm:3");
    }

    #[test]
    fn entry_outside_text_is_rejected() {
        let mut object = sample();
        object.entry = TEXT_BASE + 16;
        assert_eq!(
            object.validate(),
            Err(ObjectError::BadEntry {
                entry: TEXT_BASE + 16
            })
        );
    }
}
