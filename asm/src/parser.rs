//! The parser: tokens to one [`Line`] per source line, with spans.
//!
//! It checks syntax only (the shape of labels, operands, numbers, strings
//! and expressions); whether a mnemonic exists or its operands fit is the
//! assembler's job. After an error the rest of the line is skipped, and
//! parsing goes on at the next line, so one run reports every line's error.

use crate::diagnostics::Diagnostic;
use crate::expr::{BinOp, Expr, ExprKind};
use crate::lexer::{tokenize, Span, Token};
use pagelab_vm::isa::Reg;

/// The maximum number of operators and parentheses in one expression. The
/// parser, the evaluator and `Drop` recurse once per nesting level, so an
/// unbounded expression could overflow the host stack; real operands need a
/// handful.
pub const MAX_EXPR_NODES: usize = 256;

/// Help text for a name that looks like a register but is not one.
pub const REGISTER_HELP: &str = "registers are r0..r15, sp and fp";

/// A name with its span: a label, mnemonic or directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// The text. Mnemonics and directives are lowercased; labels keep their case.
    pub text: String,
    /// The name's byte range in the source.
    pub span: Span,
}

/// One source line: its labels and its statement, both optional.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The 1-based line number.
    pub number: u32,
    /// Labels defined on this line, in order.
    pub labels: Vec<Name>,
    /// The instruction or directive after the labels, if any.
    pub statement: Option<Statement>,
}

/// Whether a statement is an instruction or a directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    /// A mnemonic such as `add`.
    Instruction,
    /// A directive such as `.word`.
    Directive,
}

/// An instruction or directive with its operands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Instruction or directive.
    pub kind: StatementKind,
    /// The lowercased mnemonic or directive name (with its dot).
    pub name: Name,
    /// The operands that parsed.
    pub operands: Vec<Operand>,
    /// False when an operand failed to parse: the statement still takes its
    /// place in the layout, but is not encoded, so one syntax error does not
    /// cause a cascade of "undefined label" errors.
    pub complete: bool,
    /// The statement from its name to its last operand.
    pub span: Span,
}

/// One operand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A register such as `r3` or `sp`.
    Reg(Reg, Span),
    /// An expression: an immediate, a label, an address.
    Expr(Expr),
    /// A memory operand `offset(base)`; `(base)` has no offset.
    Mem {
        /// The offset expression, if written.
        offset: Option<Expr>,
        /// The base register.
        base: Reg,
        /// The whole operand.
        span: Span,
    },
    /// A string literal, escapes decoded.
    Str(Vec<u8>, Span),
}

impl Operand {
    /// Returns the operand's span.
    pub fn span(&self) -> Span {
        match self {
            Operand::Reg(_, span) | Operand::Mem { span, .. } | Operand::Str(_, span) => {
                span.clone()
            }
            Operand::Expr(expr) => expr.span.clone(),
        }
    }

    /// Describes the operand's kind for messages: "register r1", "string".
    pub fn describe(&self) -> String {
        match self {
            Operand::Reg(reg, _) => format!("register {reg}"),
            Operand::Expr(_) => "an expression".into(),
            Operand::Mem { .. } => "a memory operand".into(),
            Operand::Str(..) => "a string".into(),
        }
    }
}

/// Parses `source` into lines. Returns every line that parsed, in order
/// (a line with a syntax error keeps its labels and, when the statement
/// name parsed, an incomplete statement), and every syntax error.
pub fn parse(source: &str) -> (Vec<Line>, Vec<Diagnostic>) {
    let tokens = tokenize(source);
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let source_lines = tokens.split(|(token, _)| *token == Token::Newline);
    for (line_number, line_tokens) in (1u32..).zip(source_lines) {
        let mut parser = LineParser {
            source,
            tokens: line_tokens,
            pos: 0,
            errors: &mut errors,
            expr_nodes: 0,
        };
        let (labels, statement) = parser.parse_line();
        if !labels.is_empty() || statement.is_some() {
            lines.push(Line {
                number: line_number,
                labels,
                statement,
            });
        }
    }
    (lines, errors)
}

/// Returns whether `text` names a register, ignoring case.
pub fn parse_register(text: &str) -> Option<Reg> {
    Reg::parse(&text.to_ascii_lowercase())
}

/// Returns whether `text` looks like a register (`r` followed by digits) even
/// if it names none, such as `r16`.
fn looks_like_register(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower
        .strip_prefix('r')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

struct LineParser<'a, 'e> {
    source: &'a str,
    tokens: &'a [(Token, Span)],
    pos: usize,
    errors: &'e mut Vec<Diagnostic>,
    /// Operators and parentheses in the expression being parsed.
    expr_nodes: usize,
}

/// A syntax error has been recorded; the rest of the line is skipped.
struct Skip;

impl<'a> LineParser<'a, '_> {
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.pos).map(|(token, _)| *token)
    }

    fn peek_at(&self, ahead: usize) -> Option<Token> {
        self.tokens.get(self.pos + ahead).map(|(token, _)| *token)
    }

    fn span(&self) -> Span {
        match self.tokens.get(self.pos) {
            Some((_, span)) => span.clone(),
            None => {
                let end = self.tokens.last().map_or(0, |(_, span)| span.end);
                end..end
            }
        }
    }

    fn text(&self) -> &'a str {
        let span = self.span();
        &self.source[span]
    }

    fn bump(&mut self) -> (Token, Span) {
        let token = self.tokens[self.pos].clone();
        self.pos += 1;
        token
    }

    fn error(&mut self, diagnostic: Diagnostic) -> Skip {
        self.errors.push(diagnostic);
        Skip
    }

    /// Reports the current token as unexpected, with `expected` saying what
    /// should be there and `help` how to write it.
    fn unexpected(&mut self, expected: &str, help: &str) -> Skip {
        let span = self.span();
        let diagnostic = match self.peek() {
            None => Diagnostic::new(
                span,
                format!("expected {expected}, found the end of the line"),
            )
            .label(format!("expected {expected}")),
            Some(Token::UnterminatedStr) => Diagnostic::new(span, "unterminated string")
                .label("this string has no closing quote")
                .help("end the string with `\"` on the same line"),
            Some(Token::UnterminatedChar) => {
                Diagnostic::new(span, "unterminated character literal")
                    .label("this character has no closing quote")
                    .help("end the character with `'` on the same line, as in 'a'")
            }
            Some(Token::Unexpected) => {
                // Escaped, so that a control character is visible.
                let text = self.text().escape_debug();
                Diagnostic::new(span, format!("unexpected character `{text}`"))
                    .label("no token starts with this character")
                    .help(format!(
                        "remove it, or start a comment with `;` or `#`; {help}"
                    ))
            }
            Some(_) => {
                let text = self.text();
                Diagnostic::new(span, format!("expected {expected}, found `{text}`"))
                    .label(format!("expected {expected}"))
                    .help(help)
            }
        };
        self.error(diagnostic)
    }

    fn parse_line(&mut self) -> (Vec<Name>, Option<Statement>) {
        let mut labels = Vec::new();
        while self.peek() == Some(Token::Ident) && self.peek_at(1) == Some(Token::Colon) {
            let (_, span) = self.bump();
            self.bump();
            let text = &self.source[span.clone()];
            if looks_like_register(text) || parse_register(text).is_some() {
                self.errors.push(
                    Diagnostic::new(span, format!("`{text}` is a register name, not a label"))
                        .label("register names cannot be labels")
                        .help(format!("rename the label, for example to `l_{text}`")),
                );
                continue;
            }
            labels.push(Name {
                text: text.to_owned(),
                span,
            });
        }

        let kind = match self.peek() {
            None => return (labels, None),
            Some(Token::Ident) => StatementKind::Instruction,
            Some(Token::Directive) => StatementKind::Directive,
            Some(_) => {
                self.unexpected("a label, mnemonic or directive", "a line is `label:`, then an instruction or directive such as `add r1, r2, r3` or `.word 1`");
                return (labels, None);
            }
        };
        let (_, name_span) = self.bump();
        let name = Name {
            text: self.source[name_span.clone()].to_ascii_lowercase(),
            span: name_span.clone(),
        };

        let mut operands = Vec::new();
        let mut complete = true;
        if self.peek().is_some() {
            loop {
                match self.parse_operand() {
                    Ok(operand) => operands.push(operand),
                    Err(Skip) => {
                        complete = false;
                        break;
                    }
                }
                match self.peek() {
                    None => break,
                    Some(Token::Comma) => {
                        self.bump();
                    }
                    Some(_) => {
                        self.unexpected(
                            "`,` or the end of the line",
                            "separate operands with commas, as in `add r1, r2, r3`",
                        );
                        complete = false;
                        break;
                    }
                }
            }
        }

        let end = operands
            .last()
            .map_or(name_span.end, |operand| operand.span().end);
        let statement = Statement {
            kind,
            name,
            operands,
            complete,
            span: name_span.start..end,
        };
        (labels, Some(statement))
    }

    fn parse_operand(&mut self) -> Result<Operand, Skip> {
        match self.peek() {
            Some(Token::Str) => {
                let (_, span) = self.bump();
                let bytes = self.unescape_literal(span.clone())?;
                return Ok(Operand::Str(bytes, span));
            }
            Some(Token::Ident) => {
                if let Some(reg) = self.register_here()? {
                    let (_, span) = self.bump();
                    return Ok(Operand::Reg(reg, span));
                }
            }
            Some(Token::LParen)
                if self.peek_at(1) == Some(Token::Ident)
                    && self.peek_at(2) == Some(Token::RParen) =>
            {
                let start = self.span().start;
                self.pos += 1;
                if let Some(base) = self.register_here()? {
                    self.pos += 2;
                    let end = self.tokens[self.pos - 1].1.end;
                    return Ok(Operand::Mem {
                        offset: None,
                        base,
                        span: start..end,
                    });
                }
                self.pos -= 1;
            }
            _ => {}
        }

        self.expr_nodes = 0;
        let expr = self.parse_expr()?;
        if self.peek() != Some(Token::LParen) {
            return Ok(Operand::Expr(expr));
        }
        self.bump();
        let base = match self.peek() {
            Some(Token::Ident) => self.register_here()?,
            _ => None,
        };
        let Some(base) = base else {
            return Err(self.unexpected(
                "a base register",
                "write a memory operand as `offset(register)`, as in `8(sp)`",
            ));
        };
        self.bump();
        if self.peek() != Some(Token::RParen) {
            return Err(self.unexpected(
                "`)` after the base register",
                "write a memory operand as `offset(register)`, as in `8(sp)`",
            ));
        }
        let (_, close) = self.bump();
        Ok(Operand::Mem {
            span: expr.span.start..close.end,
            offset: Some(expr),
            base,
        })
    }

    /// Returns the register the current identifier names, `None` when it is
    /// an ordinary name, and an error when it looks like a register but is
    /// not one (`r16`).
    fn register_here(&mut self) -> Result<Option<Reg>, Skip> {
        let text = self.text();
        if let Some(reg) = parse_register(text) {
            return Ok(Some(reg));
        }
        if looks_like_register(text) {
            let span = self.span();
            return Err(self.error(
                Diagnostic::new(span, format!("invalid register `{text}`"))
                    .label("no such register")
                    .help(REGISTER_HELP),
            ));
        }
        Ok(None)
    }

    /// Counts the operator or parenthesis at the current token against
    /// [`MAX_EXPR_NODES`], and reports it when the expression exceeds that.
    fn count_expr_node(&mut self) -> Result<(), Skip> {
        self.expr_nodes += 1;
        if self.expr_nodes <= MAX_EXPR_NODES {
            return Ok(());
        }
        let span = self.span();
        Err(self.error(
            Diagnostic::new(span, "expression is too complex")
                .label(format!(
                    "more than {MAX_EXPR_NODES} operators and parentheses up to here"
                ))
                .help("split the expression into `.equ` constants defined on earlier lines"),
        ))
    }

    fn parse_expr(&mut self) -> Result<Expr, Skip> {
        let mut left = self.parse_term()?;
        loop {
            let op = match self.peek() {
                Some(Token::Plus) => BinOp::Add,
                Some(Token::Minus) => BinOp::Sub,
                _ => return Ok(left),
            };
            self.count_expr_node()?;
            self.bump();
            let right = self.parse_term()?;
            left = binary(op, left, right);
        }
    }

    fn parse_term(&mut self) -> Result<Expr, Skip> {
        let mut left = self.parse_unary()?;
        while self.peek() == Some(Token::Star) {
            self.count_expr_node()?;
            self.bump();
            let right = self.parse_unary()?;
            left = binary(BinOp::Mul, left, right);
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Expr, Skip> {
        if self.peek() != Some(Token::Minus) {
            return self.parse_primary();
        }
        self.count_expr_node()?;
        let (_, minus) = self.bump();
        let inner = self.parse_unary()?;
        Ok(Expr {
            span: minus.start..inner.span.end,
            kind: ExprKind::Neg(Box::new(inner)),
        })
    }

    fn parse_primary(&mut self) -> Result<Expr, Skip> {
        let span = self.span();
        let kind = match self.peek() {
            Some(Token::Number) => {
                let value = self.parse_number()?;
                ExprKind::Number(value)
            }
            Some(Token::Char) => {
                let value = self.parse_char()?;
                ExprKind::Number(value)
            }
            Some(Token::Ident) => {
                if let Some(reg) = self.register_here()? {
                    return Err(self.error(
                        Diagnostic::new(span, format!("register {reg} cannot be part of an expression"))
                            .label("expected a number, label or constant")
                            .help("expressions combine numbers, character literals, labels and `.equ` constants"),
                    ));
                }
                self.bump();
                ExprKind::Symbol(self.source[span.clone()].to_owned())
            }
            Some(Token::LParen) => {
                self.count_expr_node()?;
                self.bump();
                let inner = self.parse_expr()?;
                if self.peek() != Some(Token::RParen) {
                    return Err(self.unexpected("`)` to close the parenthesis", "every `(` in an expression needs a matching `)`"));
                }
                let (_, close) = self.bump();
                return Ok(Expr {
                    kind: inner.kind,
                    span: span.start..close.end,
                });
            }
            _ => return Err(self.unexpected("an operand", "operands are registers, numbers, character literals, labels, constants, `offset(register)` or strings")),
        };
        Ok(Expr { kind, span })
    }

    fn parse_number(&mut self) -> Result<i64, Skip> {
        let (_, span) = self.bump();
        let text = &self.source[span.clone()];
        let digits: String = text.chars().filter(|&c| c != '_').collect();
        let lower = digits.to_ascii_lowercase();
        let (radix, body) = if let Some(hex) = lower.strip_prefix("0x") {
            (16, hex)
        } else if let Some(bin) = lower.strip_prefix("0b") {
            (2, bin)
        } else {
            (10, lower.as_str())
        };
        match u64::from_str_radix(body, radix).map(i64::try_from) {
            Ok(Ok(value)) => Ok(value),
            Ok(_) => Err(self.error(
                Diagnostic::new(span, format!("number `{text}` is too large"))
                    .label("does not fit in 64 bits")
                    .help("operands are 32-bit; use a value from -2147483648 to 4294967295"),
            )),
            Err(error) if *error.kind() == std::num::IntErrorKind::PosOverflow => Err(self.error(
                Diagnostic::new(span, format!("number `{text}` is too large"))
                    .label("does not fit in 64 bits")
                    .help("operands are 32-bit; use a value from -2147483648 to 4294967295"),
            )),
            Err(_) => Err(self.error(
                Diagnostic::new(span, format!("invalid number `{text}`"))
                    .label("not a decimal, hex or binary number")
                    .help("write numbers as 42, 0x2a or 0b101010; `_` may separate digits"),
            )),
        }
    }

    fn parse_char(&mut self) -> Result<i64, Skip> {
        let (_, span) = self.bump();
        let bytes = self.unescape_literal(span.clone())?;
        match bytes.as_slice() {
            [byte] => Ok(i64::from(*byte)),
            _ => {
                let text = &self.source[span.clone()];
                Err(self.error(
                    Diagnostic::new(span, format!("character literal {text} is not one byte"))
                        .label(format!("this is {} bytes", bytes.len()))
                        .help("a character literal holds one ASCII character or escape, as in 'a' or '\\n'; use .asciz for text"),
                ))
            }
        }
    }

    /// Decodes the escapes of the string or character literal at `span`
    /// (quotes included).
    fn unescape_literal(&mut self, span: Span) -> Result<Vec<u8>, Skip> {
        let inner_start = span.start + 1;
        let inner = &self.source[inner_start..span.end - 1];
        match unescape(inner) {
            Ok(bytes) => Ok(bytes),
            Err((range, message)) => {
                let span = inner_start + range.start..inner_start + range.end;
                Err(
                    self.error(Diagnostic::new(span, message).label("invalid escape").help(
                        "escapes are \\n \\t \\r \\0 \\\\ \\\" \\' and \\xNN with two hex digits",
                    )),
                )
            }
        }
    }
}

fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
    Expr {
        span: left.span.start..right.span.end,
        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
    }
}

/// Decodes the escapes in the body of a literal (without its quotes).
/// On error, returns the byte range of the bad escape within `text` and a message.
pub fn unescape(text: &str) -> Result<Vec<u8>, (Span, String)> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((start, c)) = chars.next() {
        if c != '\\' {
            let mut buffer = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        let Some((_, escape)) = chars.next() else {
            return Err((start..start + 1, "a backslash ends the literal".into()));
        };
        let byte = match escape {
            'n' => b'\n',
            't' => b'\t',
            'r' => b'\r',
            '0' => 0,
            '\\' => b'\\',
            '"' => b'"',
            '\'' => b'\'',
            'x' => {
                let hex: String = chars.clone().take(2).map(|(_, c)| c).collect();
                let valid = hex.len() == 2 && hex.chars().all(|c| c.is_ascii_hexdigit());
                if !valid {
                    let end = start + 2 + hex.len();
                    return Err((
                        start..end,
                        format!("invalid escape `\\x{hex}`: expected two hex digits"),
                    ));
                }
                chars.next();
                chars.next();
                u8::from_str_radix(&hex, 16).expect("two hex digits fit in a byte")
            }
            other => {
                let end = start + 1 + other.len_utf8();
                return Err((start..end, format!("unknown escape `\\{other}`")));
            }
        };
        bytes.push(byte);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(source: &str) -> Vec<Line> {
        let (lines, errors) = parse(source);
        assert!(errors.is_empty(), "unexpected errors: {errors:?}");
        lines
    }

    #[test]
    fn labels_and_statement() {
        let lines = parse_ok("a: b: add r1, r2, 3\n\n  ; only a comment\nc:\n");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].number, 1);
        let names: Vec<_> = lines[0].labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let statement = lines[0].statement.as_ref().unwrap();
        assert_eq!(statement.name.text, "add");
        assert_eq!(statement.operands.len(), 3);
        assert_eq!(lines[1].number, 4);
        assert!(lines[1].statement.is_none());
    }

    #[test]
    fn memory_operands() {
        let lines = parse_ok("lw r1, (sp)\nlw r2, -4(fp)\nlw r3, (N-1)*4(r2)\nlw r4, (N)\n");
        let operand = |i: usize| lines[i].statement.as_ref().unwrap().operands[1].clone();
        assert!(matches!(
            operand(0),
            Operand::Mem {
                offset: None,
                base: Reg::SP,
                ..
            }
        ));
        assert!(matches!(
            operand(1),
            Operand::Mem {
                offset: Some(_),
                base: Reg::FP,
                ..
            }
        ));
        assert!(matches!(
            operand(2),
            Operand::Mem {
                offset: Some(_),
                ..
            }
        ));
        assert!(matches!(operand(3), Operand::Expr(_)));
    }

    #[test]
    fn precedence_and_literals() {
        let lines = parse_ok("li r1, 1 + 2 * -3 - 'a' + 0x1_0 + 0b11\n");
        let Operand::Expr(expr) = &lines[0].statement.as_ref().unwrap().operands[1] else {
            panic!("expected an expression");
        };
        let value = expr.evaluate(&mut |_, _| unreachable!()).unwrap();
        assert_eq!(value, 1 + 2 * -3 - 97 + 16 + 3);
    }

    #[test]
    fn case_insensitive_names() {
        let lines = parse_ok("ADD R1, SP, Fp\n.WORD 1\n");
        let statement = lines[0].statement.as_ref().unwrap();
        assert_eq!(statement.name.text, "add");
        assert!(matches!(statement.operands[1], Operand::Reg(Reg::SP, _)));
        assert_eq!(lines[1].statement.as_ref().unwrap().name.text, ".word");
    }

    #[test]
    fn escapes() {
        assert_eq!(
            unescape(r#"a\n\t\r\0\\\"\'\x41"#).unwrap(),
            b"a\n\t\r\0\\\"'A"
        );
        assert_eq!(unescape(r"\q").unwrap_err().0, 0..2);
        assert_eq!(unescape(r"ab\x4").unwrap_err().0, 2..5);
    }

    #[test]
    fn every_bad_line_is_reported() {
        let (lines, errors) = parse("li r16, 1\nli r1, 0xZZ\nli r1, @\nadd r1 r2\n");
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(lines
            .iter()
            .all(|line| !line.statement.as_ref().unwrap().complete));
    }
}
