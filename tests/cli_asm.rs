//! End-to-end tests of `pagelab asm` and `pagelab disasm`, running the
//! real binary on files in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PROGRAM: &str = "\
; prints 3 2 1
        .equ COUNT, 3
        .data
msg:    .asciz \"done\\n\"
        .bss
slot:   .space 4
        .text
main:   li r2, COUNT
loop:   mov r1, r2
        sys print_int
        sw r2, slot
        sub r2, r2, 1
        bne r2, r0, loop
        la r1, msg
        sys print_str
        halt
";

/// Returns a fresh directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli_asm")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("can create a directory under CARGO_TARGET_TMPDIR");
    dir
}

fn pagelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(args)
        .output()
        .expect("the pagelab binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Checks that `args` fail with exit status 2 and a one-line message that
/// contains every fragment in `expected`, and returns the message.
fn check_one_line_error(args: &[&str], expected: &[&str]) -> String {
    let output = pagelab(args);
    let message = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "args {args:?}, stderr: {message}"
    );
    assert_eq!(message.lines().count(), 1, "not one line: {message}");
    assert!(!message.contains("panicked"), "{message}");
    for fragment in expected {
        assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
    }
    message
}

#[test]
fn asm_writes_pbc_next_to_source() {
    let dir = temp_dir("asm_default_output");
    let source = dir.join("count.asm");
    std::fs::write(&source, PROGRAM).unwrap();

    let output = pagelab(&["asm", path_str(&source)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let object = dir.join("count.pbc");
    let bytes = std::fs::read(&object).expect("asm wrote count.pbc");
    assert!(bytes.starts_with(b"PLBC"));
    assert!(stderr(&output).contains("count.pbc"), "{}", stderr(&output));
}

#[test]
fn asm_honours_output_option() {
    let dir = temp_dir("asm_output_option");
    let source = dir.join("count.asm");
    let object = dir.join("elsewhere.bin");
    std::fs::write(&source, PROGRAM).unwrap();

    let output = pagelab(&["asm", path_str(&source), "-o", path_str(&object)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(object.exists());
    assert!(!dir.join("count.pbc").exists());
}

#[test]
fn disasm_of_pbc_and_asm_agree() {
    let dir = temp_dir("disasm_agree");
    let source = dir.join("count.asm");
    std::fs::write(&source, PROGRAM).unwrap();
    assert!(pagelab(&["asm", path_str(&source)]).status.success());

    let from_object = pagelab(&["disasm", path_str(&dir.join("count.pbc"))]);
    let from_source = pagelab(&["disasm", path_str(&source)]);
    assert!(from_object.status.success(), "{}", stderr(&from_object));
    assert!(from_source.status.success(), "{}", stderr(&from_source));
    let listing = stdout(&from_object);
    assert_eq!(listing, stdout(&from_source));
    for expected in [
        ".equ COUNT, 3",
        "main:",
        "loop:",
        "bne r2, r0, loop",
        "sw r2, slot",
        "la r1, msg",
        ".bss",
    ] {
        assert!(
            listing.contains(expected),
            "listing lacks {expected:?}:\n{listing}"
        );
    }
}

#[test]
fn disasm_output_reassembles_to_same_object() {
    let dir = temp_dir("disasm_reassembles");
    let source = dir.join("count.asm");
    std::fs::write(&source, PROGRAM).unwrap();
    assert!(pagelab(&["asm", path_str(&source)]).status.success());
    let listing = stdout(&pagelab(&["disasm", path_str(&dir.join("count.pbc"))]));

    let copy = dir.join("copy.asm");
    std::fs::write(&copy, listing).unwrap();
    let output = pagelab(&["asm", path_str(&copy)]);
    assert!(output.status.success(), "{}", stderr(&output));

    // The objects differ only in the source name and line table, so compare
    // the disassemblies, which print neither line numbers nor, past the
    // header, the source name.
    let first = stdout(&pagelab(&["disasm", path_str(&dir.join("count.pbc"))]));
    let second = stdout(&pagelab(&["disasm", path_str(&dir.join("copy.pbc"))]));
    let body = |listing: &str| listing.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&first), body(&second));
}

#[test]
fn bad_source_reports_every_error_once() {
    let dir = temp_dir("bad_source");
    let source = dir.join("bad.asm");
    std::fs::write(&source, "main: frob r1\n    li r16, 2\n    jmp nowhere\n").unwrap();

    let output = pagelab(&["asm", path_str(&source)]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        !dir.join("bad.pbc").exists(),
        "an object was written despite errors"
    );
    assert!(message.starts_with("error: cannot assemble"), "{message}");
    assert!(message.contains("3 errors"), "{message}");
    for location in ["bad.asm:1:7", "bad.asm:2:8", "bad.asm:3:9"] {
        assert_eq!(
            message.matches(location).count(),
            1,
            "{location} in {message}"
        );
    }
    assert_eq!(message.matches("help:").count(), 3, "{message}");
    assert!(
        !message.contains('\u{1b}'),
        "colour codes on a non-terminal: {message}"
    );
}

#[test]
fn asm_rejects_object_and_binary_input() {
    let dir = temp_dir("asm_rejects");
    let source = dir.join("count.asm");
    std::fs::write(&source, PROGRAM).unwrap();
    assert!(pagelab(&["asm", path_str(&source)]).status.success());
    let object = dir.join("count.pbc");
    check_one_line_error(
        &["asm", path_str(&object), "-o", path_str(&dir.join("x.pbc"))],
        &["already an object file"],
    );
    check_one_line_error(&["asm", path_str(&object)], &["would overwrite the input"]);

    let binary = dir.join("binary.asm");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    check_one_line_error(&["asm", path_str(&binary)], &["not UTF-8"]);
}

#[test]
fn missing_file_is_an_error() {
    let dir = temp_dir("missing");
    let output = pagelab(&["asm", path_str(&dir.join("absent.asm"))]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn truncated_pbc_is_a_one_line_error() {
    let dir = temp_dir("truncated");
    let source = dir.join("count.asm");
    std::fs::write(&source, PROGRAM).unwrap();
    assert!(pagelab(&["asm", path_str(&source)]).status.success());
    let bytes = std::fs::read(dir.join("count.pbc")).unwrap();

    let cut = dir.join("cut.pbc");
    for len in [
        0,
        2,
        4,
        6,
        8,
        20,
        47,
        48,
        51,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let message = check_one_line_error(
            &["disasm", path_str(&cut)],
            &["cut.pbc is not a valid object file"],
        );
        let names_problem = [
            "truncated",
            "checksum",
            "magic",
            "not a pagelab object file",
        ]
        .iter()
        .any(|word| message.contains(word));
        assert!(names_problem, "prefix of {len} bytes: {message}");
    }
}

#[test]
fn corrupted_pbc_is_a_one_line_error() {
    let dir = temp_dir("corrupted");
    let source = dir.join("count.asm");
    std::fs::write(&source, PROGRAM).unwrap();
    assert!(pagelab(&["asm", path_str(&source)]).status.success());
    let bytes = std::fs::read(dir.join("count.pbc")).unwrap();

    let flipped = dir.join("flipped.pbc");
    for index in [0, 3, 4, 6, 8, 12, 40, bytes.len() / 2, bytes.len() - 1] {
        let mut corrupted = bytes.clone();
        corrupted[index] ^= 0x10;
        std::fs::write(&flipped, &corrupted).unwrap();
        check_one_line_error(
            &["disasm", path_str(&flipped)],
            &["flipped.pbc is not a valid object file"],
        );
    }

    let mut extended = bytes.clone();
    extended.push(0);
    std::fs::write(&flipped, &extended).unwrap();
    check_one_line_error(
        &["disasm", path_str(&flipped)],
        &["not a valid object file"],
    );
}
