//! Property test: no input makes the assembler panic, and every rejected
//! input renders.

use pagelab_asm::assemble;
use proptest::prelude::*;

/// Fragments that make up assembly, so random lines come near valid syntax.
const FRAGMENTS: &[&str] = &[
    "main:",
    "x:",
    "add",
    "li",
    "lw",
    "sw",
    "beq",
    "jmp",
    "sys",
    "halt",
    ".data",
    ".text",
    ".bss",
    ".word",
    ".byte",
    ".half",
    ".space",
    ".align",
    ".asciz",
    ".equ",
    ".entry",
    "r1",
    "sp",
    "r16",
    "x",
    "main",
    "exit",
    ",",
    "(",
    ")",
    "+",
    "-",
    "*",
    "0",
    "7",
    "0x",
    "0xffffffff",
    "99999999999999999999",
    "'a'",
    "'\\x4",
    "\"s\"",
    "\"\\q\"",
    "\"open",
    ";c",
    "#c",
    "\n",
    " ",
    "@",
    "\u{e9}",
    "65536",
    "-2147483649",
    "4294967296",
    "3",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn assembling_fragments_never_panics(indexes in prop::collection::vec(0..FRAGMENTS.len(), 0..60)) {
        let source: String = indexes.iter().map(|&index| format!("{} ", FRAGMENTS[index])).collect();
        if let Err(errors) = assemble("fuzz.asm", &source) {
            prop_assert!(!errors.is_empty());
            prop_assert!(errors.render(false).contains("fuzz.asm"));
        }
    }

    #[test]
    fn assembling_any_text_never_panics(source in "\\PC{0,200}") {
        if let Err(errors) = assemble("fuzz.asm", &source) {
            prop_assert!(!errors.is_empty());
            let _ = errors.render(true);
        }
    }
}

/// Assembles `operand` as the immediate of `li` and returns the rendered
/// errors, which must exist.
fn rejected_operand(operand: &str) -> String {
    let source = format!("main: li r1, {operand}\n halt\n");
    match assemble("deep.asm", &source) {
        Ok(_) => panic!("an operand of {} bytes should be rejected", operand.len()),
        Err(errors) => errors.render(false),
    }
}

// Each of these shapes once overflowed the host stack (the parser and the
// evaluator recurse once per level), aborting the process instead of
// reporting an error.

#[test]
fn deeply_nested_parentheses_are_rejected() {
    let depth = 100_000;
    let operand = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let rendered = rejected_operand(&operand);
    assert!(rendered.contains("expression is too complex"), "{rendered}");
}

#[test]
fn long_operator_chain_is_rejected() {
    let operand = vec!["1"; 100_000].join("+");
    let rendered = rejected_operand(&operand);
    assert!(rendered.contains("expression is too complex"), "{rendered}");
}

#[test]
fn deep_unary_minus_is_rejected() {
    let operand = format!("{}1", "-".repeat(100_000));
    let rendered = rejected_operand(&operand);
    assert!(rendered.contains("expression is too complex"), "{rendered}");
}

#[test]
fn expression_at_the_limit_assembles() {
    // 100 parentheses and 100 operators stay within the limit of 256.
    let operand = format!("{}1{}", "(".repeat(100), "+1)".repeat(100));
    let source = format!("main: li r1, {operand}\n halt\n");
    assert!(assemble("deep.asm", &source).is_ok());
}

#[test]
fn control_character_is_named_escaped() {
    let rendered = match assemble("nul.asm", "main: halt\u{0}\n") {
        Ok(_) => panic!("a NUL byte should be rejected"),
        Err(errors) => errors.render(false),
    };
    assert!(
        rendered.contains("unexpected character `\\0`"),
        "{rendered}"
    );
}

#[test]
fn byte_order_mark_source_assembles() {
    // Editors on Windows often start UTF-8 files with U+FEFF.
    let with_mark = assemble("bom.asm", "\u{feff}main: li r1, 1\n halt\n");
    let without = assemble("bom.asm", "main: li r1, 1\n halt\n");
    match (with_mark, without) {
        (Ok(with_mark), Ok(without)) => assert_eq!(with_mark.text, without.text),
        (Err(errors), _) | (_, Err(errors)) => panic!("{}", errors.render(false)),
    }
}
