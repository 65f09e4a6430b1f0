//! The lexer: source text to tokens with byte spans.
//!
//! Tokens carry no values: the parser reads a token's text back from the
//! source through its span, so numbers, names and string escapes are decoded
//! (and their errors reported) in one place. Comments and horizontal
//! whitespace are skipped; newlines are tokens because a statement ends at
//! the end of its line.

use logos::Logos;
use std::ops::Range;

/// A byte range in the source file.
pub type Span = Range<usize>;

/// One token kind. A character no pattern matches is a lexer error, which
/// [`tokenize`] turns into [`Token::Unexpected`].
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r\f]+")]
// A comment runs to the end of its line, so the greedy repetition stops at the newline.
#[logos(skip(r"[;#][^\n]*", allow_greedy = true))]
pub enum Token {
    /// The end of a line.
    #[token("\n")]
    Newline,
    /// A name: a mnemonic, register, label, constant or system call.
    #[regex(r"[A-Za-z_][A-Za-z0-9_.$]*")]
    Ident,
    /// A directive name such as `.word`, including the dot.
    #[regex(r"\.[A-Za-z_][A-Za-z0-9_]*")]
    Directive,
    /// A number in decimal, `0x` hex or `0b` binary; the parser checks its digits.
    #[regex(r"[0-9][0-9A-Za-z_]*")]
    Number,
    /// A character literal with its quotes, such as `'a'` or `'\n'`.
    #[regex(r"'([^'\\\n]|\\[^\n])*'")]
    Char,
    /// A character literal without its closing quote on the same line.
    #[regex(r"'([^'\\\n]|\\[^\n])*", priority = 0)]
    UnterminatedChar,
    /// A string literal with its quotes.
    #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
    Str,
    /// A string literal without its closing quote on the same line.
    #[regex(r#""([^"\\\n]|\\[^\n])*"#, priority = 0)]
    UnterminatedStr,
    /// `,`
    #[token(",")]
    Comma,
    /// `:`
    #[token(":")]
    Colon,
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// A character that starts no token.
    Unexpected,
}

/// Splits `source` into tokens. Every byte of the source is either skipped
/// (whitespace, comments) or covered by exactly one token, and characters
/// that start no token become [`Token::Unexpected`] so the parser can report
/// them in context. A byte order mark (U+FEFF) at the very start, which
/// some editors write, is skipped too.
pub fn tokenize(source: &str) -> Vec<(Token, Span)> {
    let start = if source.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    Token::lexer(&source[start..])
        .spanned()
        .map(|(token, span)| {
            let span = span.start + start..span.end + start;
            (token.unwrap_or(Token::Unexpected), span)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Token> {
        tokenize(source)
            .into_iter()
            .map(|(token, _)| token)
            .collect()
    }

    #[test]
    fn instruction_line() {
        assert_eq!(
            kinds("loop: lw r1, -4(sp) ; comment\n"),
            [
                Token::Ident,
                Token::Colon,
                Token::Ident,
                Token::Ident,
                Token::Comma,
                Token::Minus,
                Token::Number,
                Token::LParen,
                Token::Ident,
                Token::RParen,
                Token::Newline,
            ]
        );
    }

    #[test]
    fn literals_and_directives() {
        assert_eq!(
            kinds(r#".asciz "a\"b" 'x' '\'' # hash comment"#),
            [Token::Directive, Token::Str, Token::Char, Token::Char]
        );
    }

    #[test]
    fn unterminated_literals() {
        assert_eq!(
            kinds("\"abc\n'x"),
            [
                Token::UnterminatedStr,
                Token::Newline,
                Token::UnterminatedChar
            ]
        );
    }

    #[test]
    fn leading_byte_order_mark_is_skipped() {
        let tokens = tokenize("\u{feff}main: halt");
        assert_eq!(tokens.first(), Some(&(Token::Ident, 3..7)));
        assert_eq!(tokens.len(), 3);
    }

    #[test]
    fn byte_order_mark_inside_is_unexpected() {
        assert_eq!(kinds("halt \u{feff}"), [Token::Ident, Token::Unexpected]);
    }

    #[test]
    fn unexpected_character_keeps_its_span() {
        let tokens = tokenize("li r1, @");
        assert_eq!(tokens.last(), Some(&(Token::Unexpected, 7..8)));
    }
}
