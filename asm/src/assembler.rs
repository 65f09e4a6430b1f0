//! The two assembler passes: parsed lines to an [`Object`].
//!
//! Pass 1 walks the lines in order, defines every label (as a section and an
//! offset) and `.equ` constant, and sizes every statement. Sizing needs no
//! label values, because every instruction is 8 bytes and every data
//! directive's size follows from its operand count. The sections are then
//! laid out, which turns label offsets into addresses. Pass 2 evaluates the
//! operands, now that every label is known, and encodes them.
//!
//! Both passes keep going after an error, so one run reports them all.

use crate::diagnostics::Diagnostic;
use crate::expr::Expr;
use crate::lexer::Span;
use crate::parser::{Line, Operand, Statement, StatementKind};
use indexmap::IndexMap;
use pagelab_vm::isa::{
    syscall_number, AluOp, BranchCond, Instruction, LoadWidth, MemAddr, Reg, StoreWidth,
    INSTRUCTION_BYTES, SYSCALLS,
};
use pagelab_vm::object::{
    Bss, LineEntry, Object, Section as ObjSection, Symbol, SymbolKind, IMAGE_LIMIT, SECTION_ALIGN,
    TEXT_BASE,
};

/// The largest `.align` argument: the largest page size, so aligned data
/// can start a page whatever page size the machine uses.
pub const MAX_ALIGN: u64 = 65536;

/// Alignment of the bss start when no `.align` in bss requests more.
const BSS_MIN_ALIGN: u64 = 8;

/// The range a 32-bit field accepts: signed or unsigned values both fit.
const IMM32: (i64, i64) = (i32::MIN as i64, u32::MAX as i64);

/// One of the three sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Text,
    Data,
    Bss,
}

impl Section {
    fn index(self) -> usize {
        self as usize
    }

    fn directive(self) -> &'static str {
        match self {
            Section::Text => ".text",
            Section::Data => ".data",
            Section::Bss => ".bss",
        }
    }

    fn symbol_kind(self) -> SymbolKind {
        match self {
            Section::Text => SymbolKind::Text,
            Section::Data => SymbolKind::Data,
            Section::Bss => SymbolKind::Bss,
        }
    }
}

/// A symbol's value: a label's place or a constant.
#[derive(Clone, Copy, Debug)]
enum SymbolValue {
    /// A label: an offset in a section, an address once the sections are laid out.
    Label { section: Section, offset: u64 },
    /// A `.equ` constant, already range-checked to 32 bits.
    Constant(i64),
}

#[derive(Clone, Debug)]
struct SymbolDef {
    value: SymbolValue,
    span: Span,
}

/// The work pass 2 does at one place in a section.
#[derive(Clone, Copy, Debug)]
enum ItemKind<'a> {
    /// Encode this instruction statement.
    Instruction(&'a Statement),
    /// Write this `.word`, `.half`, `.byte` or `.asciz` statement.
    Data(&'a Statement),
    /// Padding from `.align` in text: `nop` instructions.
    TextPadding,
    /// Zeros from `.space` or `.align` outside text; already zero.
    Zeros,
}

/// A sized piece of a section, placed by pass 1.
#[derive(Clone, Copy, Debug)]
struct Item<'a> {
    section: Section,
    offset: u64,
    size: u64,
    line: u32,
    kind: ItemKind<'a>,
}

struct Assembler<'a> {
    symbols: IndexMap<String, SymbolDef>,
    items: Vec<(Item<'a>, Span)>,
    errors: Vec<Diagnostic>,
    section: Section,
    /// Current size of each section, indexed by [`Section::index`].
    sizes: [u64; 3],
    bss_align: u64,
    entry: Option<&'a Expr>,
    entry_span: Option<Span>,
    /// Address of each section, set by [`Assembler::lay_out`].
    bases: [u64; 3],
}

/// Assembles parsed lines into an object. `errors` contains the parser's
/// errors on entry, and the assembler adds its own.
pub fn assemble_lines(
    file_name: &str,
    source_len: usize,
    lines: &[Line],
    errors: Vec<Diagnostic>,
) -> Result<Object, Vec<Diagnostic>> {
    let mut assembler = Assembler {
        symbols: IndexMap::new(),
        items: Vec::new(),
        errors,
        section: Section::Text,
        sizes: [0; 3],
        bss_align: BSS_MIN_ALIGN,
        entry: None,
        entry_span: None,
        bases: [0; 3],
    };
    for line in lines {
        assembler.pass1_line(line);
    }
    if assembler.sizes[Section::Text.index()] == 0 {
        assembler.errors.push(
            Diagnostic::new(source_len..source_len, "the program has no instructions")
                .label("the file ends here without any instruction")
                .help("add at least `halt` in the .text section"),
        );
        return Err(assembler.errors);
    }
    if !assembler.lay_out() {
        return Err(assembler.errors);
    }
    let object = assembler.pass2(file_name);
    if assembler.errors.is_empty() {
        Ok(object)
    } else {
        Err(assembler.errors)
    }
}

impl<'a> Assembler<'a> {
    // ----- pass 1 -----

    fn pass1_line(&mut self, line: &'a Line) {
        for label in &line.labels {
            let offset = self.sizes[self.section.index()];
            self.define(
                &label.text,
                label.span.clone(),
                SymbolValue::Label {
                    section: self.section,
                    offset,
                },
            );
        }
        let Some(statement) = &line.statement else {
            return;
        };
        match statement.kind {
            StatementKind::Instruction => {
                if self.section != Section::Text {
                    let section = self.section.directive();
                    self.errors.push(
                        Diagnostic::new(
                            statement.name.span.clone(),
                            format!(
                                "instruction `{}` in the {section} section",
                                statement.name.text
                            ),
                        )
                        .label(format!("instructions cannot go in {section}"))
                        .help("instructions belong in .text; put `.text` on a line before it"),
                    );
                    return;
                }
                self.place(
                    line,
                    statement,
                    INSTRUCTION_BYTES as u64,
                    ItemKind::Instruction(statement),
                );
            }
            StatementKind::Directive => self.pass1_directive(line, statement),
        }
    }

    fn define(&mut self, name: &str, span: Span, value: SymbolValue) {
        if let Some(previous) = self.symbols.get(name) {
            let first = previous.span.clone();
            self.errors.push(
                Diagnostic::new(span, format!("`{name}` is defined twice"))
                    .label("defined again here")
                    .note(first, "first defined here")
                    .help("rename one of them; labels and constants share one namespace"),
            );
            return;
        }
        if name.len() > 255 {
            self.errors.push(
                Diagnostic::new(span, format!("name is {} bytes long", name.len()))
                    .label("too long for the symbol table")
                    .help("use a name of at most 255 bytes"),
            );
            return;
        }
        self.symbols
            .insert(name.to_owned(), SymbolDef { value, span });
    }

    fn place(&mut self, line: &Line, statement: &Statement, size: u64, kind: ItemKind<'a>) {
        let section = self.section;
        let offset = self.sizes[section.index()];
        self.items.push((
            Item {
                section,
                offset,
                size,
                line: line.number,
                kind,
            },
            statement.span.clone(),
        ));
        // Saturation keeps a huge `.space` from wrapping; the layout check
        // rejects the result anyway.
        self.sizes[section.index()] = offset.saturating_add(size);
    }

    fn pass1_directive(&mut self, line: &'a Line, statement: &'a Statement) {
        let name = statement.name.text.as_str();
        match name {
            ".text" | ".data" | ".bss" => {
                if self.operand_count(statement, 0, name) {
                    self.section = match name {
                        ".text" => Section::Text,
                        ".data" => Section::Data,
                        _ => Section::Bss,
                    };
                }
            }
            ".word" | ".half" | ".byte" => {
                if !self.require_data(statement, "holds initialised values") {
                    return;
                }
                if statement.complete && statement.operands.is_empty() {
                    self.errors.push(
                        Diagnostic::new(
                            statement.span.clone(),
                            format!("`{name}` needs at least one value"),
                        )
                        .label("no values")
                        .help(format!(
                            "write values separated by commas, as in `{name} 1, 2, 3`"
                        )),
                    );
                }
                let width = data_width(name);
                let size = width * statement.operands.len() as u64;
                self.place(line, statement, size, ItemKind::Data(statement));
            }
            ".asciz" => {
                if !self.require_data(statement, "holds initialised values") {
                    return;
                }
                let size = match statement.operands.as_slice() {
                    [Operand::Str(bytes, _)] => bytes.len() as u64 + 1,
                    _ => {
                        if statement.complete {
                            self.errors.push(
                                Diagnostic::new(
                                    statement.span.clone(),
                                    "`.asciz` takes one string",
                                )
                                .label("expected one string literal")
                                .help("write `.asciz \"text\"`; a NUL byte is appended"),
                            );
                        }
                        return;
                    }
                };
                self.place(line, statement, size, ItemKind::Data(statement));
            }
            ".space" => {
                if self.section == Section::Text {
                    self.errors.push(
                        Diagnostic::new(
                            statement.name.span.clone(),
                            "`.space` in the .text section",
                        )
                        .label(".text holds only instructions")
                        .help("reserve space in .data or .bss; put `.bss` on a line before it"),
                    );
                    return;
                }
                if !self.operand_count(statement, 1, "N") {
                    return;
                }
                let Some(size) =
                    self.const_operand(&statement.operands[0], (0, IMAGE_LIMIT as i64), "a size")
                else {
                    return;
                };
                self.place(line, statement, size as u64, ItemKind::Zeros);
            }
            ".align" => self.pass1_align(line, statement),
            ".equ" => self.pass1_equ(statement),
            ".entry" => {
                if !self.operand_count(statement, 1, "label") {
                    return;
                }
                if let Some(previous) = &self.entry_span {
                    self.errors.push(
                        Diagnostic::new(statement.span.clone(), "the entry point is set twice")
                            .label("second `.entry`")
                            .note(previous.clone(), "first set here")
                            .help("keep one `.entry`"),
                    );
                    return;
                }
                match &statement.operands[0] {
                    Operand::Expr(expr) => {
                        self.entry = Some(expr);
                        self.entry_span = Some(statement.span.clone());
                    }
                    other => self.errors.push(wrong_operand(other, "a label")),
                }
            }
            _ => {
                let known = ".text .data .bss .word .half .byte .space .asciz .align .equ .entry";
                let mut diagnostic = Diagnostic::new(
                    statement.name.span.clone(),
                    format!("unknown directive `{name}`"),
                )
                .label("not a directive");
                diagnostic = match closest(name, known.split(' ')) {
                    Some(guess) => {
                        diagnostic.help(format!("did you mean `{guess}`? directives are {known}"))
                    }
                    None => diagnostic.help(format!("directives are {known}")),
                };
                self.errors.push(diagnostic);
            }
        }
    }

    fn pass1_align(&mut self, line: &'a Line, statement: &'a Statement) {
        if !self.operand_count(statement, 1, "N") {
            return;
        }
        let Some(align) = self.const_operand(
            &statement.operands[0],
            (1, MAX_ALIGN as i64),
            "an alignment",
        ) else {
            return;
        };
        let align = align as u64;
        if !align.is_power_of_two() {
            self.errors.push(
                Diagnostic::new(
                    statement.operands[0].span(),
                    format!("alignment {align} is not a power of two"),
                )
                .label("not a power of two")
                .help(format!("use 1, 2, 4, 8, ... up to {MAX_ALIGN}")),
            );
            return;
        }
        let offset = self.sizes[self.section.index()];
        let padding = offset.next_multiple_of(align) - offset;
        let kind = match self.section {
            Section::Text => ItemKind::TextPadding,
            Section::Data => ItemKind::Zeros,
            Section::Bss => {
                self.bss_align = self.bss_align.max(align);
                ItemKind::Zeros
            }
        };
        if padding > 0 {
            self.place(line, statement, padding, kind);
        }
    }

    fn pass1_equ(&mut self, statement: &'a Statement) {
        if !self.operand_count(statement, 2, "NAME, value") {
            return;
        }
        let name = match &statement.operands[0] {
            Operand::Expr(expr) if expr.as_symbol().is_some() => expr,
            other => {
                self.errors.push(
                    Diagnostic::new(other.span(), "`.equ` needs a name first")
                        .label("expected a name")
                        .help("write `.equ NAME, value`"),
                );
                return;
            }
        };
        // A constant whose value is in error is still defined (as 0), so
        // its uses do not add "undefined symbol" errors to the report.
        let value = self
            .const_operand(&statement.operands[1], IMM32, "a constant")
            .unwrap_or(0);
        let text = name.as_symbol().expect("checked above");
        self.define(text, name.span.clone(), SymbolValue::Constant(value));
    }

    /// Checks that a data directive is in .data; reports it otherwise.
    fn require_data(&mut self, statement: &Statement, purpose: &str) -> bool {
        if self.section == Section::Data {
            return true;
        }
        let name = &statement.name.text;
        let section = self.section.directive();
        let help = match self.section {
            Section::Bss => format!(
                "`{name}` {purpose}, but .bss is zero-filled: move it to .data, or reserve zeros here with `.space N`"
            ),
            _ => format!("`{name}` {purpose} and belongs in .data; put `.data` on a line before it"),
        };
        self.errors.push(
            Diagnostic::new(
                statement.name.span.clone(),
                format!("`{name}` in the {section} section"),
            )
            .label(format!("not allowed in {section}"))
            .help(help),
        );
        false
    }

    /// Checks a directive's operand count; `usage` shows its operands.
    fn operand_count(&mut self, statement: &Statement, count: usize, usage: &str) -> bool {
        if !statement.complete {
            return false;
        }
        if statement.operands.len() == count {
            return true;
        }
        let name = &statement.name.text;
        let usage = if usage.is_empty() || count == 0 {
            format!("write `{name}` alone")
        } else {
            format!("write `{name} {usage}`")
        };
        self.errors.push(count_error(statement, count, usage));
        false
    }

    /// Evaluates an operand that pass 1 needs: numbers and constants defined
    /// on earlier lines only, because label addresses are not known yet.
    fn const_operand(
        &mut self,
        operand: &Operand,
        range: (i64, i64),
        expected: &str,
    ) -> Option<i64> {
        let Operand::Expr(expr) = operand else {
            self.errors.push(wrong_operand(operand, expected));
            return None;
        };
        let symbols = &self.symbols;
        let result = expr.evaluate(&mut |name, span| match symbols.get(name) {
            Some(SymbolDef {
                value: SymbolValue::Constant(value),
                ..
            }) => Ok(*value),
            Some(_) => Err(Diagnostic::new(span.clone(), format!("label `{name}` used where a constant is needed"))
                .label("label addresses are not known yet")
                .help("`.equ`, `.space` and `.align` take numbers and `.equ` constants defined on earlier lines")),
            None => Err(Diagnostic::new(span.clone(), format!("`{name}` is not defined above this line"))
                .label("not a constant defined earlier")
                .help("`.equ`, `.space` and `.align` take numbers and `.equ` constants defined on earlier lines")),
        });
        match result.and_then(|value| check_range(value, range, &expr.span, expected)) {
            Ok(value) => Some(value),
            Err(diagnostic) => {
                self.errors.push(diagnostic);
                None
            }
        }
    }

    // ----- layout -----

    /// Places the sections: text at [`TEXT_BASE`], data at the next
    /// [`SECTION_ALIGN`] boundary (so text never shares a page with writable
    /// data), bss right after data rounded up to 8 or to its largest
    /// `.align`. Returns false after reporting an image that passes
    /// [`IMAGE_LIMIT`].
    fn lay_out(&mut self) -> bool {
        // Sizes saturate rather than wrap, so an absurd `.space` lands past
        // the limit check below instead of overflowing.
        let round_up =
            |value: u64, align: u64| value.checked_next_multiple_of(align).unwrap_or(u64::MAX);
        let text_base = TEXT_BASE as u64;
        let text_end = text_base.saturating_add(self.sizes[Section::Text.index()]);
        let data_base = round_up(text_end, SECTION_ALIGN as u64);
        let data_end = data_base.saturating_add(self.sizes[Section::Data.index()]);
        let bss_base = round_up(data_end, self.bss_align);
        self.bases = [text_base, data_base, bss_base];

        let limit = IMAGE_LIMIT as u64;
        let item_end = |item: &Item| {
            self.bases[item.section.index()].saturating_add(item.offset.saturating_add(item.size))
        };
        let overflow = self.items.iter().find(|(item, _)| item_end(item) > limit);
        if let Some((item, span)) = overflow {
            let end = item_end(item);
            self.errors.push(
                Diagnostic::new(
                    span.clone(),
                    format!("the program image ends at 0x{end:x}, above 0x{limit:08x}"),
                )
                .label(format!(
                    "{} reaches past the image limit here",
                    item.section.directive()
                ))
                .help(
                    "make the sections smaller; allocate large buffers at run time with `sys sbrk`",
                ),
            );
            return false;
        }
        true
    }

    // ----- pass 2 -----

    fn pass2(&mut self, file_name: &str) -> Object {
        let mut text = Vec::with_capacity(self.sizes[Section::Text.index()] as usize);
        // NOTE: `.space` in .data is materialised here, so a data section
        // near the image limit allocates up to 2 GiB; large buffers belong in
        // .bss, which costs nothing.
        let mut data = vec![0u8; self.sizes[Section::Data.index()] as usize];
        let mut lines = Vec::new();

        let items = std::mem::take(&mut self.items);
        for (item, _) in &items {
            match item.kind {
                ItemKind::Instruction(statement) => {
                    let pc = (self.bases[0] + item.offset) as u32;
                    lines.push(LineEntry {
                        pc,
                        line: item.line,
                    });
                    let instruction = if statement.complete {
                        self.encode(statement)
                    } else {
                        None
                    };
                    text.extend_from_slice(&instruction.unwrap_or(Instruction::Nop).encode());
                }
                ItemKind::TextPadding => {
                    for index in 0..item.size / INSTRUCTION_BYTES as u64 {
                        let pc =
                            (self.bases[0] + item.offset + index * INSTRUCTION_BYTES as u64) as u32;
                        lines.push(LineEntry {
                            pc,
                            line: item.line,
                        });
                        text.extend_from_slice(&Instruction::Nop.encode());
                    }
                }
                ItemKind::Data(statement) => {
                    let start = item.offset as usize;
                    let bytes = &mut data[start..start + item.size as usize];
                    self.write_data(statement, bytes);
                }
                ItemKind::Zeros => {}
            }
        }

        let entry = self.entry_point();
        let symbols = self
            .symbols
            .iter()
            .map(|(name, def)| {
                let (value, kind) = match def.value {
                    SymbolValue::Label { section, offset } => (
                        (self.bases[section.index()] + offset) as u32,
                        section.symbol_kind(),
                    ),
                    SymbolValue::Constant(value) => (value as u32, SymbolKind::Constant),
                };
                Symbol {
                    name: name.clone(),
                    value,
                    kind,
                }
            })
            .collect();

        Object {
            source_name: file_name.to_owned(),
            entry,
            text: ObjSection {
                addr: self.bases[0] as u32,
                bytes: text,
            },
            data: ObjSection {
                addr: self.bases[1] as u32,
                bytes: data,
            },
            bss: Bss {
                addr: self.bases[2] as u32,
                len: self.sizes[Section::Bss.index()] as u32,
            },
            symbols,
            lines,
        }
    }

    /// Chooses the entry point: the `.entry` operand, else `main`, else the
    /// first instruction.
    fn entry_point(&mut self) -> u32 {
        if let Some(expr) = self.entry {
            let operand = Operand::Expr(expr.clone());
            let help = "name a label defined in .text before an instruction";
            return self
                .instruction_address(&operand, "entry point", help)
                .unwrap_or(TEXT_BASE);
        }
        if let Some(def) = self.symbols.get("main") {
            let span = def.span.clone();
            let address = self.symbol_value("main").unwrap_or(0);
            if self.is_instruction_address(address) {
                return address as u32;
            }
            self.errors.push(
                Diagnostic::new(span, format!("`main` is 0x{address:x}, not an instruction address"))
                    .label("the entry point would be here")
                    .help("define `main:` in .text before an instruction, or set the entry with `.entry LABEL`"),
            );
        }
        TEXT_BASE
    }

    fn symbol_value(&self, name: &str) -> Option<i64> {
        self.symbols.get(name).map(|def| match def.value {
            SymbolValue::Label { section, offset } => (self.bases[section.index()] + offset) as i64,
            SymbolValue::Constant(value) => value,
        })
    }

    fn is_instruction_address(&self, address: i64) -> bool {
        let start = self.bases[0] as i64;
        let end = start + self.sizes[0] as i64;
        address >= start && address < end && (address - start) % INSTRUCTION_BYTES as i64 == 0
    }

    /// Evaluates an expression with every symbol visible.
    fn eval(&self, expr: &Expr) -> Result<i64, Diagnostic> {
        expr.evaluate(&mut |name, span| {
            self.symbol_value(name).ok_or_else(|| {
                let diagnostic = Diagnostic::new(span.clone(), format!("undefined symbol `{name}`")).label("not defined");
                let guess = closest(name, self.symbols.keys().map(String::as_str));
                match guess {
                    Some(guess) => diagnostic.help(format!("did you mean `{guess}`? otherwise define `{name}:` as a label or with `.equ {name}, value`")),
                    None => diagnostic.help(format!("define `{name}:` as a label or with `.equ {name}, value`")),
                }
            })
        })
    }

    fn value(&mut self, operand: &Operand, range: (i64, i64), expected: &str) -> Option<i64> {
        let result = match operand {
            Operand::Expr(expr) => self
                .eval(expr)
                .and_then(|value| check_range(value, range, &expr.span, expected)),
            other => Err(wrong_operand(other, expected)),
        };
        self.report(result)
    }

    fn report<T>(&mut self, result: Result<T, Diagnostic>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(diagnostic) => {
                self.errors.push(diagnostic);
                None
            }
        }
    }

    fn write_data(&mut self, statement: &Statement, bytes: &mut [u8]) {
        if !statement.complete {
            return;
        }
        let name = statement.name.text.as_str();
        if name == ".asciz" {
            if let [Operand::Str(string, _)] = statement.operands.as_slice() {
                bytes[..string.len()].copy_from_slice(string);
            }
            return;
        }
        let width = data_width(name) as usize;
        let (range, expected) = match width {
            1 => ((-128, 255), "a byte"),
            2 => ((-32768, 65535), "a half-word"),
            _ => (IMM32, "a word"),
        };
        for (index, operand) in statement.operands.iter().enumerate() {
            if let Some(value) = self.value(operand, range, expected) {
                let le = (value as u32).to_le_bytes();
                bytes[index * width..(index + 1) * width].copy_from_slice(&le[..width]);
            }
        }
    }

    fn reg(&mut self, operand: &Operand) -> Option<Reg> {
        match operand {
            Operand::Reg(reg, _) => Some(*reg),
            other => {
                self.errors.push(wrong_operand(other, "a register"));
                None
            }
        }
    }

    fn imm(&mut self, operand: &Operand) -> Option<i32> {
        self.value(operand, IMM32, "an immediate")
            .map(|value| value as u32 as i32)
    }

    fn target(&mut self, operand: &Operand) -> Option<u32> {
        self.instruction_address(
            operand,
            "target",
            "jump to a label defined in .text before an instruction",
        )
    }

    /// Evaluates an operand that must be the address of an instruction;
    /// `role` names it in the message ("target", "entry point").
    fn instruction_address(&mut self, operand: &Operand, role: &str, help: &str) -> Option<u32> {
        let value = self.value(operand, IMM32, &format!("a {role}"))?;
        if self.is_instruction_address(value) {
            return Some(value as u32);
        }
        let start = self.bases[0];
        let end = start + self.sizes[0];
        self.errors.push(
            Diagnostic::new(
                operand.span(),
                format!("{role} 0x{value:x} is not an instruction address"),
            )
            .label(format!(
                "outside the instructions 0x{start:x}..0x{end:x}, or not a multiple of 8"
            ))
            .help(help),
        );
        None
    }

    fn mem(&mut self, operand: &Operand) -> Option<MemAddr> {
        match operand {
            Operand::Mem { offset, base, .. } => {
                let offset = match offset {
                    Some(expr) => self.imm(&Operand::Expr(expr.clone()))?,
                    None => 0,
                };
                Some(MemAddr::Based {
                    base: *base,
                    offset,
                })
            }
            Operand::Expr(_) => self
                .value(operand, IMM32, "an address")
                .map(|value| MemAddr::Absolute(value as u32)),
            other => {
                self.errors.push(wrong_operand(
                    other,
                    "a memory operand such as `8(sp)` or a label",
                ));
                None
            }
        }
    }

    fn sys_number(&mut self, operand: &Operand) -> Option<u32> {
        if let Operand::Expr(expr) = operand {
            if let Some(name) = expr.as_symbol() {
                if let Some(number) = syscall_number(&name.to_ascii_lowercase()) {
                    return Some(number);
                }
                if !self.symbols.contains_key(name) {
                    let names: Vec<&str> = SYSCALLS.iter().map(|(_, name)| *name).collect();
                    let guess = closest(name, names.iter().copied())
                        .map(|guess| format!("did you mean `{guess}`? "))
                        .unwrap_or_default();
                    self.errors.push(
                        Diagnostic::new(expr.span.clone(), format!("unknown system call `{name}`"))
                            .label("not a system call name")
                            .help(format!(
                                "{guess}system calls are {}; a number also works",
                                names.join(", ")
                            )),
                    );
                    return None;
                }
            }
        }
        self.value(operand, (0, u32::MAX as i64), "a system call number")
            .map(|value| value as u32)
    }

    /// Encodes one instruction statement, reporting what is wrong with it.
    fn encode(&mut self, statement: &Statement) -> Option<Instruction> {
        let mnemonic = statement.name.text.as_str();
        let Some(form) = Form::of(mnemonic) else {
            self.errors.push(unknown_mnemonic(statement));
            return None;
        };
        let ops = &statement.operands;
        if ops.len() != form.operand_count() {
            let usage = format!("write `{}`", form.usage(mnemonic));
            self.errors
                .push(count_error(statement, form.operand_count(), usage));
            return None;
        }

        let instruction = match form {
            Form::Nop => Instruction::Nop,
            Form::Halt => Instruction::Halt,
            Form::Ret => Instruction::Ret,
            Form::Li => {
                let rd = self.reg(&ops[0]);
                let imm = self.imm(&ops[1]);
                Instruction::Li { rd: rd?, imm: imm? }
            }
            Form::Mov => {
                let rd = self.reg(&ops[0]);
                let rs = self.reg(&ops[1]);
                Instruction::Mov { rd: rd?, rs: rs? }
            }
            Form::Alu(op) => {
                let rd = self.reg(&ops[0]);
                let rs1 = self.reg(&ops[1]);
                match &ops[2] {
                    Operand::Reg(rs2, _) => Instruction::Alu {
                        op,
                        rd: rd?,
                        rs1: rs1?,
                        rs2: *rs2,
                    },
                    other => {
                        let imm = self.imm(other);
                        Instruction::AluImm {
                            op,
                            rd: rd?,
                            rs1: rs1?,
                            imm: imm?,
                        }
                    }
                }
            }
            Form::Load(width) => {
                let rd = self.reg(&ops[0]);
                let addr = self.mem(&ops[1]);
                Instruction::Load {
                    width,
                    rd: rd?,
                    addr: addr?,
                }
            }
            Form::Store(width) => {
                let rs = self.reg(&ops[0]);
                let addr = self.mem(&ops[1]);
                Instruction::Store {
                    width,
                    rs: rs?,
                    addr: addr?,
                }
            }
            Form::Branch(cond) => {
                let rs1 = self.reg(&ops[0]);
                let rs2 = self.reg(&ops[1]);
                let target = self.target(&ops[2]);
                Instruction::Branch {
                    cond,
                    rs1: rs1?,
                    rs2: rs2?,
                    target: target?,
                }
            }
            Form::Jmp => Instruction::Jmp {
                target: self.target(&ops[0])?,
            },
            Form::Call => Instruction::Call {
                target: self.target(&ops[0])?,
            },
            Form::Push => Instruction::Push {
                rs: self.reg(&ops[0])?,
            },
            Form::Pop => Instruction::Pop {
                rd: self.reg(&ops[0])?,
            },
            Form::Sys => Instruction::Sys {
                number: self.sys_number(&ops[0])?,
            },
            Form::Xchg => {
                let rd = self.reg(&ops[0]);
                let addr = self.mem(&ops[1]);
                Instruction::Xchg {
                    rd: rd?,
                    addr: addr?,
                }
            }
        };
        Some(instruction)
    }
}

/// The operand shape of each mnemonic.
#[derive(Clone, Copy, Debug)]
enum Form {
    Nop,
    Halt,
    Ret,
    /// `li` and `la`: both load a 32-bit value.
    Li,
    Mov,
    Alu(AluOp),
    Load(LoadWidth),
    Store(StoreWidth),
    Branch(BranchCond),
    Jmp,
    Call,
    Push,
    Pop,
    Sys,
    /// `xchg`: a register and a memory operand, like `lw`.
    Xchg,
}

/// Mnemonics that are not in one of the ISA's mnemonic tables.
const OTHER_MNEMONICS: &[&str] = &[
    "li", "la", "mov", "jmp", "call", "ret", "push", "pop", "sys", "halt", "nop", "xchg",
];

impl Form {
    fn of(mnemonic: &str) -> Option<Form> {
        let form = match mnemonic {
            "nop" => Form::Nop,
            "halt" => Form::Halt,
            "ret" => Form::Ret,
            "li" | "la" => Form::Li,
            "mov" => Form::Mov,
            "jmp" => Form::Jmp,
            "call" => Form::Call,
            "push" => Form::Push,
            "pop" => Form::Pop,
            "sys" => Form::Sys,
            "xchg" => Form::Xchg,
            _ => {
                return AluOp::from_mnemonic(mnemonic)
                    .map(Form::Alu)
                    .or_else(|| LoadWidth::from_mnemonic(mnemonic).map(Form::Load))
                    .or_else(|| StoreWidth::from_mnemonic(mnemonic).map(Form::Store))
                    .or_else(|| BranchCond::from_mnemonic(mnemonic).map(Form::Branch));
            }
        };
        Some(form)
    }

    fn operand_count(self) -> usize {
        match self {
            Form::Nop | Form::Halt | Form::Ret => 0,
            Form::Jmp | Form::Call | Form::Push | Form::Pop | Form::Sys => 1,
            Form::Li | Form::Mov | Form::Load(_) | Form::Store(_) | Form::Xchg => 2,
            Form::Alu(_) | Form::Branch(_) => 3,
        }
    }

    fn usage(self, mnemonic: &str) -> String {
        let operands = match self {
            Form::Nop | Form::Halt | Form::Ret => "",
            Form::Li if mnemonic == "la" => " rd, label",
            Form::Li => " rd, imm",
            Form::Mov => " rd, rs",
            Form::Alu(_) => " rd, rs1, rs2` or `{m} rd, rs1, imm",
            Form::Load(_) | Form::Xchg => " rd, offset(rs)` or `{m} rd, label",
            Form::Store(_) => " rs, offset(rb)` or `{m} rs, label",
            Form::Branch(_) => " rs1, rs2, label",
            Form::Jmp | Form::Call => " label",
            Form::Push => " rs",
            Form::Pop => " rd",
            Form::Sys => " NAME",
        };
        format!("{mnemonic}{}", operands.replace("{m}", mnemonic))
    }
}

/// Returns every mnemonic the assembler accepts.
pub fn mnemonics() -> impl Iterator<Item = &'static str> {
    OTHER_MNEMONICS
        .iter()
        .copied()
        .chain(AluOp::ALL.iter().map(|op| op.mnemonic()))
        .chain(LoadWidth::ALL.iter().map(|width| width.mnemonic()))
        .chain(StoreWidth::ALL.iter().map(|width| width.mnemonic()))
        .chain(BranchCond::ALL.iter().map(|cond| cond.mnemonic()))
}

fn unknown_mnemonic(statement: &Statement) -> Diagnostic {
    let mnemonic = &statement.name.text;
    let diagnostic = Diagnostic::new(
        statement.name.span.clone(),
        format!("unknown mnemonic `{mnemonic}`"),
    )
    .label("not an instruction");
    let guess = closest(mnemonic, mnemonics());
    match (guess, statement.operands.is_empty()) {
        (Some(guess), false) => return diagnostic.help(format!("did you mean `{guess}`?")),
        (Some(guess), true) => {
            return diagnostic.help(format!(
                "did you mean `{guess}`? to define a label, write `{mnemonic}:`"
            ))
        }
        (None, true) => return diagnostic.help(format!("to define a label, write `{mnemonic}:`")),
        (None, false) => {}
    }
    let all: Vec<&str> = mnemonics().collect();
    diagnostic.help(format!("instructions are {}", all.join(" ")))
}

fn count_error(statement: &Statement, expected: usize, usage: String) -> Diagnostic {
    let name = &statement.name.text;
    let found = statement.operands.len();
    let plural = if expected == 1 { "" } else { "s" };
    Diagnostic::new(
        statement.span.clone(),
        format!("`{name}` takes {expected} operand{plural}, found {found}"),
    )
    .label(format!(
        "{found} operand{}",
        if found == 1 { "" } else { "s" }
    ))
    .help(usage)
}

fn wrong_operand(operand: &Operand, expected: &str) -> Diagnostic {
    let found = operand.describe();
    Diagnostic::new(
        operand.span(),
        format!("expected {expected}, found {found}"),
    )
    .label(format!("expected {expected}"))
    .help(match operand {
        Operand::Reg(..) => "registers go only where the instruction takes a register".to_owned(),
        Operand::Mem { .. } => "`offset(register)` goes only in loads and stores".to_owned(),
        Operand::Str(..) => "strings go only in `.asciz`".to_owned(),
        Operand::Expr(_) => "put a register such as `r1` here".to_owned(),
    })
}

fn check_range(
    value: i64,
    (min, max): (i64, i64),
    span: &Span,
    expected: &str,
) -> Result<i64, Diagnostic> {
    if (min..=max).contains(&value) {
        return Ok(value);
    }
    Err(Diagnostic::new(
        span.clone(),
        format!("value {value} is out of range for {expected}"),
    )
    .label(format!("evaluates to {value}"))
    .help(format!("{expected} must be from {min} to {max}")))
}

fn data_width(directive: &str) -> u64 {
    match directive {
        ".byte" => 1,
        ".half" => 2,
        _ => 4,
    }
}

/// Returns the candidate closest to `name` by edit distance, if one is close
/// enough to be a likely typo (at most 2 edits, and fewer than the name's length).
fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = 2.min(name.len().saturating_sub(1));
    candidates
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("add", "add"), 0);
        assert_eq!(edit_distance("ad", "add"), 1);
        assert_eq!(edit_distance("mvo", "mov"), 2);
        assert_eq!(closest("addd", mnemonics()), Some("add"));
        assert_eq!(closest("xyzzy", mnemonics()), None);
    }

    #[test]
    fn every_mnemonic_has_a_form() {
        for mnemonic in mnemonics() {
            assert!(Form::of(mnemonic).is_some(), "{mnemonic} has no form");
        }
    }
}
