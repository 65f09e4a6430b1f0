//! pagelab's assembler and disassembler.
//!
//! TODO: the lexer, parser and disassembler are being written; these are the
//! entry points the command-line tool calls.

use pagelab_vm::object::Object;

/// Every error found in one source file, ready to render.
#[derive(Debug)]
pub struct AsmErrors {
    rendered: String,
    count: usize,
}

impl AsmErrors {
    /// Returns the number of errors.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Returns whether there are no errors.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Renders every error compiler-style (file:line:column, the source line,
    /// a caret under the span, the message and a help line), with ANSI colours
    /// when `color` is true.
    pub fn render(&self, color: bool) -> String {
        let _ = color;
        self.rendered.clone()
    }
}

/// Assembles `source`, read from `file_name`, into an object.
///
/// # Errors
///
/// Returns every error in the file.
pub fn assemble(file_name: &str, source: &str) -> Result<Object, AsmErrors> {
    let _ = source;
    Err(AsmErrors {
        rendered: format!("{file_name}: the assembler is not built yet\n"),
        count: 1,
    })
}

/// Prints `object` as assembly source with labels that [`assemble`] turns
/// back into the same bytes.
pub fn disassemble(object: &Object) -> String {
    let _ = object;
    String::new()
}
