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
