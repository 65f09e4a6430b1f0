//! Table tests of the assembler: one source line to one instruction, and
//! the layout rules (section addresses, entry point, symbols, line table).

use pagelab_asm::assemble;
use pagelab_vm::isa::{AluOp, BranchCond, Instruction, LoadWidth, MemAddr, Reg, StoreWidth};
use pagelab_vm::object::{LineEntry, Object, SymbolKind, SECTION_ALIGN, TEXT_BASE};

fn r(index: u8) -> Reg {
    Reg::new(index).expect("test registers are below 16")
}

fn assemble_ok(source: &str) -> Object {
    assemble("test.asm", source)
        .unwrap_or_else(|errors| panic!("{source}\n{}", errors.render(false)))
}

/// Assembles `line` as the first instruction of a small program (with a
/// label `here` on it, `next` on the following `halt`, and a data word
/// `word`) and checks that it encodes `expected`.
fn check(line: &str, expected: Instruction) {
    let source = format!("here: {line}\nnext: halt\n.data\nword: .word 0\n");
    let object = assemble_ok(&source);
    let bytes: [u8; 8] = object.text.bytes[..8].try_into().unwrap();
    assert_eq!(Instruction::decode(bytes), Ok(expected), "{line}");
}

const DATA: u32 = TEXT_BASE + SECTION_ALIGN;

#[test]
fn instruction_forms() {
    let cases = [
        ("nop", Instruction::Nop),
        ("halt", Instruction::Halt),
        ("ret", Instruction::Ret),
        ("li r1, 42", Instruction::Li { rd: r(1), imm: 42 }),
        ("li r1, -42", Instruction::Li { rd: r(1), imm: -42 }),
        ("li r1, 0xffffffff", Instruction::Li { rd: r(1), imm: -1 }),
        (
            "li r1, -2147483648",
            Instruction::Li {
                rd: r(1),
                imm: i32::MIN,
            },
        ),
        ("li r1, '\\x41' + 1", Instruction::Li { rd: r(1), imm: 66 }),
        ("li r1, (2+3)*-4", Instruction::Li { rd: r(1), imm: -20 }),
        (
            "la r2, word",
            Instruction::Li {
                rd: r(2),
                imm: DATA as i32,
            },
        ),
        (
            "la r2, next",
            Instruction::Li {
                rd: r(2),
                imm: (TEXT_BASE + 8) as i32,
            },
        ),
        (
            "mov fp, sp",
            Instruction::Mov {
                rd: Reg::FP,
                rs: Reg::SP,
            },
        ),
        (
            "MOV R3, R15",
            Instruction::Mov {
                rd: r(3),
                rs: Reg::SP,
            },
        ),
        (
            "add r1, r2, r3",
            Instruction::Alu {
                op: AluOp::Add,
                rd: r(1),
                rs1: r(2),
                rs2: r(3),
            },
        ),
        (
            "sar r1, r2, r3",
            Instruction::Alu {
                op: AluOp::Sar,
                rd: r(1),
                rs1: r(2),
                rs2: r(3),
            },
        ),
        (
            "sub r1, r2, 7",
            Instruction::AluImm {
                op: AluOp::Sub,
                rd: r(1),
                rs1: r(2),
                imm: 7,
            },
        ),
        (
            "rem r1, r2, -1",
            Instruction::AluImm {
                op: AluOp::Rem,
                rd: r(1),
                rs1: r(2),
                imm: -1,
            },
        ),
        (
            "lw r1, 8(sp)",
            Instruction::Load {
                width: LoadWidth::Word,
                rd: r(1),
                addr: MemAddr::Based {
                    base: Reg::SP,
                    offset: 8,
                },
            },
        ),
        (
            "lhu r1, (r4)",
            Instruction::Load {
                width: LoadWidth::HalfUnsigned,
                rd: r(1),
                addr: MemAddr::Based {
                    base: r(4),
                    offset: 0,
                },
            },
        ),
        (
            "lb r1, -1(fp)",
            Instruction::Load {
                width: LoadWidth::Byte,
                rd: r(1),
                addr: MemAddr::Based {
                    base: Reg::FP,
                    offset: -1,
                },
            },
        ),
        (
            "lbu r1, word+3",
            Instruction::Load {
                width: LoadWidth::ByteUnsigned,
                rd: r(1),
                addr: MemAddr::Absolute(DATA + 3),
            },
        ),
        (
            "lw r1, 0x1000",
            Instruction::Load {
                width: LoadWidth::Word,
                rd: r(1),
                addr: MemAddr::Absolute(0x1000),
            },
        ),
        (
            "sw r1, word",
            Instruction::Store {
                width: StoreWidth::Word,
                rs: r(1),
                addr: MemAddr::Absolute(DATA),
            },
        ),
        (
            "sh r1, 2(r2)",
            Instruction::Store {
                width: StoreWidth::Half,
                rs: r(1),
                addr: MemAddr::Based {
                    base: r(2),
                    offset: 2,
                },
            },
        ),
        (
            "sb r1, (r2)",
            Instruction::Store {
                width: StoreWidth::Byte,
                rs: r(1),
                addr: MemAddr::Based {
                    base: r(2),
                    offset: 0,
                },
            },
        ),
        (
            "beq r1, r2, next",
            Instruction::Branch {
                cond: BranchCond::Eq,
                rs1: r(1),
                rs2: r(2),
                target: TEXT_BASE + 8,
            },
        ),
        (
            "bgeu r1, r2, here",
            Instruction::Branch {
                cond: BranchCond::Geu,
                rs1: r(1),
                rs2: r(2),
                target: TEXT_BASE,
            },
        ),
        (
            "jmp next",
            Instruction::Jmp {
                target: TEXT_BASE + 8,
            },
        ),
        (
            "call here+8",
            Instruction::Call {
                target: TEXT_BASE + 8,
            },
        ),
        ("push r9", Instruction::Push { rs: r(9) }),
        ("pop r10", Instruction::Pop { rd: r(10) }),
        ("sys exit", Instruction::Sys { number: 1 }),
        ("sys SBRK", Instruction::Sys { number: 5 }),
        ("sys 77", Instruction::Sys { number: 77 }),
        (
            "xchg r3, -4(r2)",
            Instruction::Xchg {
                rd: r(3),
                addr: MemAddr::Based {
                    base: r(2),
                    offset: -4,
                },
            },
        ),
    ];
    for (line, expected) in cases {
        check(line, expected);
    }
}

#[test]
fn sections_are_laid_out() {
    let object = assemble_ok(
        "
        .data
a:      .byte 1
        .bss
b:      .space 3
c:
        .text
        halt
",
    );
    assert_eq!(object.text.addr, TEXT_BASE);
    assert_eq!(object.data.addr, DATA);
    assert_eq!(object.data.bytes, [1]);
    assert_eq!(
        object.bss.addr,
        DATA + 8,
        "bss starts at the end of data rounded up to 8"
    );
    assert_eq!(object.bss.len, 3);
    let symbols: Vec<_> = object
        .symbols
        .iter()
        .map(|s| (s.name.as_str(), s.value, s.kind))
        .collect();
    assert_eq!(
        symbols,
        [
            ("a", DATA, SymbolKind::Data),
            ("b", DATA + 8, SymbolKind::Bss),
            ("c", DATA + 11, SymbolKind::Bss)
        ]
    );
}

#[test]
fn bss_start_follows_its_largest_align() {
    let object =
        assemble_ok(".data\n.byte 1\n.bss\n.space 1\n.align 256\nx: .space 1\n.text\nhalt\n");
    assert_eq!(object.bss.addr, DATA + 256);
    assert_eq!(object.bss.len, 257);
}

#[test]
fn empty_data_leaves_bss_on_its_own_page() {
    let object = assemble_ok("halt\n.bss\n.space 4\n");
    assert_eq!(object.data.addr, DATA);
    assert_eq!(object.bss.addr, DATA);
}

#[test]
fn data_starts_on_next_boundary_after_large_text() {
    let source = "nop\n".repeat(SECTION_ALIGN as usize / 8 + 1) + ".data\n.byte 1\n";
    let object = assemble_ok(&source);
    assert_eq!(object.data.addr, TEXT_BASE + 2 * SECTION_ALIGN);
}

#[test]
fn entry_point_choice() {
    assert_eq!(assemble_ok("nop\nhalt\n").entry, TEXT_BASE);
    assert_eq!(assemble_ok("nop\nmain: halt\n").entry, TEXT_BASE + 8);
    assert_eq!(
        assemble_ok(".entry go\nmain: nop\ngo: halt\n").entry,
        TEXT_BASE + 8
    );
}

#[test]
fn text_align_pads_with_nop_and_lines() {
    let object = assemble_ok("halt\n.align 32\nend: halt\n");
    assert_eq!(object.text.bytes.len(), 40);
    for pc in [8, 16, 24] {
        let bytes: [u8; 8] = object.text.bytes[pc..pc + 8].try_into().unwrap();
        assert_eq!(Instruction::decode(bytes), Ok(Instruction::Nop));
    }
    let lines: Vec<_> = object
        .lines
        .iter()
        .map(|entry| (entry.pc - TEXT_BASE, entry.line))
        .collect();
    assert_eq!(lines, [(0, 1), (8, 2), (16, 2), (24, 2), (32, 3)]);
}

#[test]
fn line_table_and_source_name() {
    let object = assemble_ok("; comment\n\nmain:\n  li r1, 1\n  halt\n");
    assert_eq!(object.source_name, "test.asm");
    assert_eq!(
        object.lines,
        [
            LineEntry {
                pc: TEXT_BASE,
                line: 4
            },
            LineEntry {
                pc: TEXT_BASE + 8,
                line: 5
            }
        ]
    );
}

#[test]
fn data_values_are_little_endian() {
    let object = assemble_ok(
        "halt\n.data\n.word 0x11223344, -1, end\n.half 0xabcd, -2\n.byte 'z', -1\n.asciz \"a\\tb\"\nend:\n",
    );
    let mut expected = vec![0x44, 0x33, 0x22, 0x11, 0xff, 0xff, 0xff, 0xff];
    expected.extend_from_slice(&(DATA + 22).to_le_bytes());
    expected.extend_from_slice(&[0xcd, 0xab, 0xfe, 0xff, b'z', 0xff, b'a', b'\t', b'b', 0]);
    assert_eq!(object.data.bytes, expected);
}

#[test]
fn constants_are_symbols() {
    let object = assemble_ok(".equ N, 4\n.equ M, N*N-1\n.equ NEG, -1\nli r1, M\nhalt\n");
    let symbols: Vec<_> = object
        .symbols
        .iter()
        .map(|s| (s.name.as_str(), s.value, s.kind))
        .collect();
    assert_eq!(
        symbols,
        [
            ("N", 4, SymbolKind::Constant),
            ("M", 15, SymbolKind::Constant),
            ("NEG", u32::MAX, SymbolKind::Constant)
        ]
    );
}

#[test]
fn constant_used_before_its_equ() {
    let object = assemble_ok("li r1, LATER\nhalt\n.equ LATER, 9\n");
    let bytes: [u8; 8] = object.text.bytes[..8].try_into().unwrap();
    assert_eq!(
        Instruction::decode(bytes),
        Ok(Instruction::Li { rd: r(1), imm: 9 })
    );
}

#[test]
fn error_count_covers_every_line() {
    let errors = assemble(
        "t.asm",
        "frob\nli r99, 1\njmp nowhere\n.word 1\nhalt\nhalt r1\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 5, "{}", errors.render(false));
    let lines: Vec<usize> = errors
        .diagnostics()
        .iter()
        .map(|diagnostic| diagnostic.span.start)
        .collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "diagnostics are in source order");
}

#[test]
fn render_with_colour_uses_ansi_codes() {
    let errors = assemble("t.asm", "frob\n").unwrap_err();
    assert!(errors.render(true).contains('\u{1b}'));
    assert!(!errors.render(false).contains('\u{1b}'));
}

#[test]
fn empty_source_has_no_instructions() {
    let errors = assemble("empty.asm", "").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors
        .render(false)
        .contains("the program has no instructions"));
}

#[test]
fn control_characters_in_the_file_name_become_question_marks() {
    let object = pagelab_asm::assemble("we\u{1b}ird.asm", "main: halt\n").unwrap();
    assert_eq!(object.source_name, "we?ird.asm");
    assert_eq!(object.validate(), Ok(()));
}
