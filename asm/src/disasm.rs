//! The disassembler: an [`Object`] back to assembly source.
//!
//! For any object this assembler wrote, assembling the output gives the same
//! text and data bytes, the same bss address and size, the same entry point
//! and the same symbol values (the property test checks it). Symbols come
//! out grouped by kind and sorted by address, so their order in the symbol
//! table can differ from the original's.
//!
//! Hand-made objects can break that promise, and the output notes each such
//! place in a comment. An instruction word that does not decode becomes a
//! `; invalid instruction` comment, because the assembler has no directive
//! for raw words in text. A symbol whose name the assembler cannot read back
//! becomes a comment too. Sections at addresses the assembler would not
//! choose are noted in the header.

use crate::parser::parse_register;
use pagelab_vm::isa::{Instruction, MemAddr, INSTRUCTION_BYTES};
use pagelab_vm::object::{Object, SymbolKind, SECTION_ALIGN, TEXT_BASE};
use std::collections::{BTreeMap, HashSet};

/// Column where the trailing `; address` comment of an instruction starts.
const COMMENT_COLUMN: usize = 36;

/// Number of bytes per `.byte` line.
const BYTES_PER_LINE: usize = 16;

/// Prints `object` as assembly source with labels that
/// [`assemble`](crate::assemble) turns back into the same bytes.
pub fn disassemble(object: &Object) -> String {
    Disassembler::new(object).run()
}

/// A printable symbol: a label or constant whose name reassembles.
struct Name<'o> {
    name: &'o str,
    value: u32,
    kind: SymbolKind,
}

struct Disassembler<'o> {
    object: &'o Object,
    out: String,
    /// Printable symbols in symbol-table order.
    names: Vec<Name<'o>>,
    /// Symbols that cannot be printed as labels, with the reason.
    unprintable: Vec<(String, &'static str)>,
}

impl<'o> Disassembler<'o> {
    fn new(object: &'o Object) -> Disassembler<'o> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        let mut unprintable = Vec::new();
        for symbol in &object.symbols {
            let reason = if !is_identifier(&symbol.name) {
                Some("the assembler cannot read this name back")
            } else if !seen.insert(symbol.name.as_str()) {
                Some("the name is defined more than once")
            } else {
                None
            };
            match reason {
                Some(reason) => unprintable.push((
                    format!("{:?} = 0x{:08x}", symbol.name, symbol.value),
                    reason,
                )),
                None => names.push(Name {
                    name: &symbol.name,
                    value: symbol.value,
                    kind: symbol.kind,
                }),
            }
        }
        Disassembler {
            object,
            out: String::new(),
            names,
            unprintable,
        }
    }

    fn run(mut self) -> String {
        self.header();
        self.constants();
        self.text();
        self.data();
        self.bss();
        self.entry();
        self.out
    }

    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn header(&mut self) {
        let object = self.object;
        let entry = object.entry;
        let entry_label = self
            .text_label(entry)
            .map(|name| format!(" ({name})"))
            .unwrap_or_default();
        self.line(&format!("; disassembly of {}", object.source_name));
        self.line(&format!("; entry: 0x{entry:08x}{entry_label}"));

        // The assembler always puts text at TEXT_BASE and data at the next
        // section boundary; an object that differs cannot round-trip.
        if object.text.addr != TEXT_BASE {
            self.line(&format!(
                "; NOTE: text starts at 0x{:08x}, but reassembly puts it at 0x{TEXT_BASE:08x}",
                object.text.addr
            ));
        }
        if object.data.addr as u64 != expected_data_addr(object) {
            self.line(&format!(
                "; NOTE: data starts at 0x{:08x}, but reassembly puts it at 0x{:08x}",
                object.data.addr,
                expected_data_addr(object)
            ));
        }
        for (symbol, reason) in std::mem::take(&mut self.unprintable) {
            self.line(&format!("; NOTE: symbol {symbol} is left out: {reason}"));
        }
    }

    fn constants(&mut self) {
        let constants: Vec<String> = self
            .names
            .iter()
            .filter(|name| name.kind == SymbolKind::Constant)
            .map(|name| format!(".equ {}, {}", name.name, constant_text(name.value)))
            .collect();
        if constants.is_empty() {
            return;
        }
        self.line("");
        for constant in constants {
            self.line(&constant);
        }
    }

    /// Returns the labels of `kind` grouped by address, in symbol-table order
    /// within one address.
    fn labels_of(&self, kind: SymbolKind) -> BTreeMap<u32, Vec<&'o str>> {
        let mut labels: BTreeMap<u32, Vec<&'o str>> = BTreeMap::new();
        for name in self.names.iter().filter(|name| name.kind == kind) {
            labels.entry(name.value).or_default().push(name.name);
        }
        labels
    }

    /// Returns the first text label at `addr`, for branch targets.
    fn text_label(&self, addr: u32) -> Option<&'o str> {
        self.names
            .iter()
            .find(|name| name.kind == SymbolKind::Text && name.value == addr)
            .map(|name| name.name)
    }

    /// Returns a label at `addr`, for addresses: the first data label there,
    /// else the first bss label, else the first text label. Choosing by kind
    /// first keeps the choice stable when the listing is reassembled, which
    /// reorders the symbol table by section.
    fn any_label(&self, addr: u32) -> Option<&'o str> {
        [SymbolKind::Data, SymbolKind::Bss, SymbolKind::Text]
            .into_iter()
            .find_map(|kind| {
                self.names
                    .iter()
                    .find(|name| name.kind == kind && name.value == addr)
            })
            .map(|name| name.name)
    }

    fn print_labels(
        &mut self,
        labels: &mut BTreeMap<u32, Vec<&'o str>>,
        up_to: u32,
        comment: &str,
    ) {
        while let Some(entry) = labels.first_entry() {
            if *entry.key() > up_to {
                break;
            }
            let (addr, names) = entry.remove_entry();
            for name in names {
                if addr == up_to {
                    self.line(&format!("{name}:"));
                } else {
                    self.line(&format!("; NOTE: label {name} = 0x{addr:08x} {comment}"));
                }
            }
        }
    }

    fn text(&mut self) {
        self.line("");
        self.line(".text");
        let object = self.object;
        let mut labels = self.labels_of(SymbolKind::Text);
        for (index, chunk) in object
            .text
            .bytes
            .chunks_exact(INSTRUCTION_BYTES as usize)
            .enumerate()
        {
            let pc = object
                .text
                .addr
                .wrapping_add(index as u32 * INSTRUCTION_BYTES);
            self.print_labels(
                &mut labels,
                pc,
                "sits inside an instruction and is left out",
            );
            let bytes: [u8; INSTRUCTION_BYTES as usize] =
                chunk.try_into().expect("chunks_exact yields 8 bytes");
            let text = match Instruction::decode(bytes) {
                Ok(instruction) => format!("    {}", self.instruction_text(&instruction)),
                Err(error) => {
                    format!("; invalid instruction {bytes:02x?}: {error}; reassembly will lack it")
                }
            };
            let padding = COMMENT_COLUMN.saturating_sub(text.len()).max(1);
            self.line(&format!("{text}{:padding$}; 0x{pc:08x}", ""));
        }
        let tail = object.text.bytes.len() % INSTRUCTION_BYTES as usize;
        if tail != 0 {
            self.line(&format!(
                "; NOTE: the text section ends with {tail} bytes that are not a whole instruction"
            ));
        }
        let end = object.text.end() as u32;
        self.print_labels(
            &mut labels,
            end,
            "sits inside an instruction and is left out",
        );
        self.print_leftover(labels, "lies outside the text section");
    }

    fn print_leftover(&mut self, labels: BTreeMap<u32, Vec<&'o str>>, reason: &str) {
        for (addr, names) in labels {
            for name in names {
                self.line(&format!(
                    "; NOTE: label {name} = 0x{addr:08x} {reason} and is left out"
                ));
            }
        }
    }

    fn instruction_text(&self, instruction: &Instruction) -> String {
        let address = |addr: u32| match self.any_label(addr) {
            Some(name) => name.to_owned(),
            None => format!("0x{addr:08x}"),
        };
        let target = |addr: u32| match self.text_label(addr) {
            Some(name) => name.to_owned(),
            None => format!("0x{addr:08x}"),
        };
        match *instruction {
            Instruction::Li { rd, imm } => match self.any_label(imm as u32) {
                Some(name) => format!("la {rd}, {name}"),
                None => format!("li {rd}, {imm}"),
            },
            Instruction::Load {
                width,
                rd,
                addr: MemAddr::Absolute(addr),
            } => format!("{} {rd}, {}", width.mnemonic(), address(addr)),
            Instruction::Store {
                width,
                rs,
                addr: MemAddr::Absolute(addr),
            } => format!("{} {rs}, {}", width.mnemonic(), address(addr)),
            Instruction::Xchg {
                rd,
                addr: MemAddr::Absolute(addr),
            } => format!("xchg {rd}, {}", address(addr)),
            Instruction::Branch {
                cond,
                rs1,
                rs2,
                target: addr,
            } => {
                format!("{} {rs1}, {rs2}, {}", cond.mnemonic(), target(addr))
            }
            Instruction::Jmp { target: addr } => format!("jmp {}", target(addr)),
            Instruction::Call { target: addr } => format!("call {}", target(addr)),
            other => other.to_string(),
        }
    }

    fn data(&mut self) {
        let object = self.object;
        let mut labels = self.labels_of(SymbolKind::Data);
        if object.data.bytes.is_empty() && labels.is_empty() {
            return;
        }
        self.line("");
        self.line(".data");
        let base = object.data.addr;
        let mut pending: Vec<u8> = Vec::new();
        for (offset, &byte) in object.data.bytes.iter().enumerate() {
            let addr = base.wrapping_add(offset as u32);
            if labels
                .first_key_value()
                .is_some_and(|(&label, _)| label <= addr)
            {
                self.flush_bytes(&mut pending);
                self.print_labels(&mut labels, addr, "lies before the data section");
            }
            pending.push(byte);
            if pending.len() == BYTES_PER_LINE {
                self.flush_bytes(&mut pending);
            }
        }
        self.flush_bytes(&mut pending);
        let end = object.data.end() as u32;
        self.print_labels(&mut labels, end, "lies before the data section");
        self.print_leftover(labels, "lies outside the data section");
    }

    fn flush_bytes(&mut self, pending: &mut Vec<u8>) {
        if pending.is_empty() {
            return;
        }
        let values: Vec<String> = pending.iter().map(|byte| byte.to_string()).collect();
        self.line(&format!("    .byte {}", values.join(", ")));
        pending.clear();
    }

    fn bss(&mut self) {
        let object = self.object;
        let mut labels = self.labels_of(SymbolKind::Bss);

        // The assembler starts bss at the end of data rounded up to 8, or to
        // the largest `.align` in bss. Find the alignment that gives this start.
        let data_end = expected_data_addr(object) + object.data.bytes.len() as u64;
        let bss_addr = object.bss.addr as u64;
        let align = (3..=16)
            .map(|shift| 1u64 << shift)
            .find(|&align| data_end.next_multiple_of(align) == bss_addr);
        if object.bss.len == 0 && labels.is_empty() && align == Some(8) {
            return;
        }
        self.line("");
        self.line(".bss");
        match align {
            Some(8) => {}
            Some(align) => self.line(&format!("    .align {align}")),
            None => self.line(&format!(
                "; NOTE: bss starts at 0x{bss_addr:08x}, which no `.align` after data ending at 0x{data_end:08x} gives"
            )),
        }

        let mut position = object.bss.addr as u64;
        let end = object.bss.end();
        while let Some(entry) = labels.first_entry() {
            let addr = *entry.key() as u64;
            if addr > end {
                break;
            }
            if addr > position {
                self.line(&format!("    .space {}", addr - position));
                position = addr;
            }
            self.print_labels(&mut labels, addr as u32, "lies before the bss section");
        }
        if end > position {
            self.line(&format!("    .space {}", end - position));
        }
        self.print_leftover(labels, "lies outside the bss section");
    }

    fn entry(&mut self) {
        let object = self.object;
        let main = self
            .names
            .iter()
            .find(|name| name.name == "main")
            .map(|name| name.value);
        let default = main.unwrap_or(object.text.addr);
        if object.entry == default {
            return;
        }
        let entry = match self.text_label(object.entry) {
            Some(name) => name.to_owned(),
            None => format!("0x{:08x}", object.entry),
        };
        self.line("");
        self.line(&format!(".entry {entry}"));
    }
}

/// Returns the data address the assembler chooses for this object's text.
fn expected_data_addr(object: &Object) -> u64 {
    (TEXT_BASE as u64 + object.text.bytes.len() as u64).next_multiple_of(SECTION_ALIGN as u64)
}

/// Prints a constant as signed when its top bit is set, so -1 reads as -1.
fn constant_text(value: u32) -> String {
    if value >= 0x8000_0000 {
        (value as i32).to_string()
    } else {
        value.to_string()
    }
}

/// Returns whether `name` reads back as a label: the lexer's identifier
/// pattern, and not a register name.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$'));
    let register_like = {
        let lower = name.to_ascii_lowercase();
        parse_register(&lower).is_some()
            || lower.strip_prefix('r').is_some_and(|digits| {
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            })
    };
    first_ok && rest_ok && !register_like
}

#[cfg(test)]
mod tests {
    use super::*;
    use pagelab_vm::object::{Bss, Section, Symbol};

    fn hand_made(text: Vec<u8>, symbols: Vec<Symbol>) -> Object {
        Object {
            source_name: "hand.asm".into(),
            entry: TEXT_BASE,
            text: Section {
                addr: TEXT_BASE,
                bytes: text,
            },
            data: Section {
                addr: TEXT_BASE + SECTION_ALIGN,
                bytes: Vec::new(),
            },
            bss: Bss {
                addr: TEXT_BASE + SECTION_ALIGN,
                len: 0,
            },
            symbols,
            lines: Vec::new(),
        }
    }

    #[test]
    fn invalid_instruction_becomes_comment() {
        let mut text = Instruction::Nop.encode().to_vec();
        text.extend_from_slice(&[0xee, 0, 0, 0, 0, 0, 0, 0]);
        let listing = disassemble(&hand_made(text, Vec::new()));
        assert!(listing.contains("    nop"), "{listing}");
        assert!(
            listing.contains(
                "; invalid instruction [ee, 00, 00, 00, 00, 00, 00, 00]: unknown opcode 0xee"
            ),
            "{listing}"
        );
    }

    #[test]
    fn unreadable_symbols_are_noted() {
        let symbol = |name: &str| Symbol {
            name: name.into(),
            value: TEXT_BASE,
            kind: SymbolKind::Text,
        };
        let symbols = vec![
            symbol("two words"),
            symbol("r3"),
            symbol("ok"),
            symbol("ok"),
        ];
        let listing = disassemble(&hand_made(Instruction::Halt.encode().to_vec(), symbols));
        assert!(
            listing.contains("symbol \"two words\" = 0x00010000 is left out"),
            "{listing}"
        );
        assert!(
            listing.contains("symbol \"r3\" = 0x00010000 is left out"),
            "{listing}"
        );
        assert!(
            listing.contains("the name is defined more than once"),
            "{listing}"
        );
        assert_eq!(listing.matches("\nok:\n").count(), 1, "{listing}");
    }

    #[test]
    fn identifiers_that_read_back() {
        assert!(is_identifier("loop.1"));
        assert!(!is_identifier("1abc"));
        assert!(!is_identifier("SP"));
        assert!(!is_identifier("r99"));
    }
}
