//! pagelab's assembler and disassembler for the toy ISA defined in
//! [`pagelab_vm::isa`], producing the object format of [`pagelab_vm::object`].
//!
//! ```
//! let source = "
//!     .data
//! msg: .asciz \"hi\\n\"
//!     .text
//! main:
//!     la r1, msg
//!     sys print_str
//!     halt
//! ";
//! let object = pagelab_asm::assemble("hi.asm", source).expect("valid program");
//! assert_eq!(object.text.bytes.len(), 3 * 8);
//! assert_eq!(object.data.bytes, b"hi\n\0");
//!
//! // The disassembly assembles back to the same bytes.
//! let again = pagelab_asm::assemble("hi.dis", &pagelab_asm::disassemble(&object)).unwrap();
//! assert_eq!(again.text, object.text);
//!
//! // Every error in a file is reported, with its line and column.
//! let errors = pagelab_asm::assemble("bad.asm", "frob r1\nli r16, 1\n").unwrap_err();
//! assert_eq!(errors.len(), 2);
//! assert!(errors.render(false).contains("bad.asm:2:4"));
//! ```
//!
//! # Pipeline
//!
//! `lexer` (logos tokens with byte spans) → `parser` (one line at a time,
//! keeping going after errors) → `assembler` (pass 1 sizes statements and
//! defines symbols, pass 2 evaluates operands and encodes) → [`Object`].
//! `disasm` goes the other way. `diagnostics` defines the error type,
//! rendered with codespan-reporting, and `expr` the operand expressions.
//!
//! # Syntax
//!
//! One statement per line: any number of `label:` definitions, then an
//! optional instruction or directive. Comments start with `;` or `#`.
//! Mnemonics, registers and directives are case-insensitive (`ADD R1, SP, 4`
//! works); labels and constants are case-sensitive. Register names (`r0` to
//! `r15`, `sp`, `fp`, and anything shaped like `r` plus digits) cannot be labels.
//!
//! Expressions combine numbers (`42`, `0x2a`, `0b101010`, with optional `_`
//! separators), character literals (`'a'`, `'\n'`, `'\x41'`), labels and
//! `.equ` constants with `+`, `-`, `*`, unary minus and parentheses. They
//! are evaluated in 64-bit arithmetic, and the result must fit the field it
//! goes into: 32-bit fields take -2^31 to 2^32-1. Instruction operands and data values may
//! use any label or constant, including ones defined further down.
//! `.equ`, `.space` and `.align` are evaluated in the first pass, so they
//! take only numbers and constants defined on earlier lines.
//!
//! Directives: `.text`, `.data`, `.bss` switch sections (each may appear
//! many times, and its pieces are joined in source order). `.word`, `.half`,
//! `.byte` and `.asciz` go in `.data`, and `.space N` in `.data` or `.bss`.
//! `.align N` (a power of two from 1 to 65536) works in every section and
//! pads text with `nop`. In text, values up to 8 change nothing, because
//! instructions are 8 bytes and text starts on a 64 KiB boundary. A label on the same line as `.align` gets the
//! address before the padding. `.equ NAME, value` defines a constant. `.entry LABEL` sets the
//! entry point; without it the entry is `main`, or else the first instruction.
//! `sys` takes a system call name from [`pagelab_vm::isa::SYSCALLS`] (names
//! take precedence over constants of the same name) or a number.
//!
//! Layout: text at [`TEXT_BASE`](pagelab_vm::object::TEXT_BASE); data at the
//! first [`SECTION_ALIGN`](pagelab_vm::object::SECTION_ALIGN) boundary at or
//! after the end of text; bss at the end of data rounded up to 8, or to the
//! largest `.align` used in bss.

mod assembler;
mod diagnostics;
mod disasm;
mod expr;
mod lexer;
mod parser;

pub use diagnostics::{AsmErrors, Diagnostic};
pub use disasm::disassemble;

use pagelab_vm::object::Object;

/// Assembles `source`, read from `file_name`, into an object. `file_name`
/// becomes the object's `source_name` and appears in error messages.
///
/// # Errors
///
/// Returns every error in the file: syntax errors, unknown mnemonics and
/// directives, bad operands, undefined or duplicate symbols, values out of
/// range and layout errors.
pub fn assemble(file_name: &str, source: &str) -> Result<Object, AsmErrors> {
    // The name goes into every fault message, and an object file may not
    // carry control characters in it, so they become `?`.
    let file_name: String = file_name
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let file_name = file_name.as_str();
    let (lines, errors) = parser::parse(source);
    assembler::assemble_lines(file_name, source.len(), &lines, errors)
        .map_err(|diagnostics| AsmErrors::new(file_name, source, diagnostics))
}
