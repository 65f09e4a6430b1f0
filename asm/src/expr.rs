//! Operand expressions (`label+4`, `(N-1)*4`, `'a'`) and their evaluation.
//!
//! Expressions are evaluated in `i64` with overflow checks. The caller
//! checks that the value fits the field it goes into.

use crate::diagnostics::Diagnostic;
use crate::lexer::Span;

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

/// An expression tree node with the span of the text it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// The node's value or operation.
    pub kind: ExprKind,
    /// The node's source text.
    pub span: Span,
}

/// The kinds of expression node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// A number or character literal.
    Number(i64),
    /// A label or `.equ` constant.
    Symbol(String),
    /// Unary minus.
    Neg(Box<Expr>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Returns the symbol name when the whole expression is one symbol.
    pub fn as_symbol(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Symbol(name) => Some(name),
            _ => None,
        }
    }

    /// Evaluates the expression, calling `lookup` for each symbol.
    ///
    /// # Errors
    ///
    /// Returns the diagnostic `lookup` returns for a symbol it cannot
    /// resolve, or an overflow diagnostic when an intermediate value leaves
    /// the `i64` range.
    pub fn evaluate(
        &self,
        lookup: &mut impl FnMut(&str, &Span) -> Result<i64, Diagnostic>,
    ) -> Result<i64, Diagnostic> {
        match &self.kind {
            ExprKind::Number(value) => Ok(*value),
            ExprKind::Symbol(name) => lookup(name, &self.span),
            ExprKind::Neg(inner) => {
                let value = inner.evaluate(lookup)?;
                value.checked_neg().ok_or_else(|| self.overflow())
            }
            ExprKind::Binary(op, left, right) => {
                let left = left.evaluate(lookup)?;
                let right = right.evaluate(lookup)?;
                let value = match op {
                    BinOp::Add => left.checked_add(right),
                    BinOp::Sub => left.checked_sub(right),
                    BinOp::Mul => left.checked_mul(right),
                };
                value.ok_or_else(|| self.overflow())
            }
        }
    }

    fn overflow(&self) -> Diagnostic {
        Diagnostic::new(self.span.clone(), "arithmetic overflow in expression")
            .label("this value does not fit in 64 bits")
            .help("use smaller values; operands end up in 32-bit fields anyway")
    }
}
