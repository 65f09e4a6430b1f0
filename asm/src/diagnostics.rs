//! Assembly errors: one [`Diagnostic`] per problem, collected into
//! [`AsmErrors`] and rendered with codespan-reporting.
//!
//! A diagnostic stores byte spans only; line and column numbers are computed
//! when it is rendered, from the source kept in [`AsmErrors`].

use crate::lexer::Span;
use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::Ansi, Config};

/// One assembly error: a message, the span it is about, optional secondary
/// spans (such as "first defined here") and a help line saying how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The error message, naming the offending value.
    pub message: String,
    /// The bytes the error is about.
    pub span: Span,
    /// Text printed under the caret.
    pub label: String,
    /// Related places, each with its own text.
    pub notes: Vec<(Span, String)>,
    /// How to fix the error.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Creates a diagnostic with `message` about `span` and an empty label.
    pub fn new(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span,
            label: String::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// Sets the text printed under the caret.
    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Adds a secondary span with its text.
    pub fn note(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.notes.push((span, text.into()));
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// Every error found in one source file, in source order, with the source
/// kept so they can be rendered.
#[derive(Debug, Clone)]
pub struct AsmErrors {
    file_name: String,
    source: String,
    diagnostics: Vec<Diagnostic>,
}

impl AsmErrors {
    /// Collects `diagnostics` about `source`, sorted by position so they
    /// print in the order a reader meets them.
    pub(crate) fn new(
        file_name: &str,
        source: &str,
        mut diagnostics: Vec<Diagnostic>,
    ) -> AsmErrors {
        diagnostics.sort_by_key(|diagnostic| (diagnostic.span.start, diagnostic.span.end));
        AsmErrors {
            file_name: file_name.to_owned(),
            source: source.to_owned(),
            diagnostics,
        }
    }

    /// Returns the number of errors.
    pub fn len(&self) -> usize {
        self.diagnostics.len()
    }

    /// Returns whether there are no errors.
    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// Returns the errors in source order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Renders every error compiler-style (`file:line:column`, the source
    /// line, a caret under the span, the message and a help line), with ANSI
    /// colours when `color` is true. Errors are separated by blank lines.
    pub fn render(&self, color: bool) -> String {
        let file = SimpleFile::new(self.file_name.as_str(), self.source.as_str());
        let config = Config::default();
        let mut out = Vec::new();
        for diagnostic in &self.diagnostics {
            let report = to_report(diagnostic);
            // Writing into a Vec cannot fail, and every span comes from this
            // source, so the only error codespan can return (a span outside
            // the file) would be an assembler bug.
            let result = if color {
                term::emit_to_write_style(&mut Ansi::new(&mut out), &config, &file, &report)
            } else {
                term::emit_to_io_write(&mut out, &config, &file, &report)
            };
            result.expect("diagnostic spans lie inside the source they were made from");
        }
        String::from_utf8(out).expect("codespan-reporting writes UTF-8")
    }
}

/// Converts a diagnostic to codespan-reporting's form.
fn to_report(diagnostic: &Diagnostic) -> Report<()> {
    let mut labels =
        vec![Label::primary((), diagnostic.span.clone()).with_message(&diagnostic.label)];
    for (span, text) in &diagnostic.notes {
        labels.push(Label::secondary((), span.clone()).with_message(text));
    }
    let mut report = Report::error()
        .with_message(&diagnostic.message)
        .with_labels(labels);
    if let Some(help) = &diagnostic.help {
        report = report.with_notes(vec![format!("help: {help}")]);
    }
    report
}
