//! `pagelab run` and `pagelab config` on object files built from
//! `Instruction`s: output streams, exit statuses and error messages.

use pagelab_vm::isa::{Instruction, LoadWidth, MemAddr, Reg, SYS_PRINT_STR};
use pagelab_vm::object::{Bss, LineEntry, Object, Section, SECTION_ALIGN, TEXT_BASE};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DATA: u32 = TEXT_BASE + SECTION_ALIGN;

fn r(index: u8) -> Reg {
    Reg::new(index).unwrap()
}

/// Writes a `.pbc` of `program` with `data` into `dir` and returns its path.
fn write_pbc(dir: &Path, name: &str, program: &[Instruction], data: &[u8]) -> PathBuf {
    let object = Object {
        source_name: name.replace(".pbc", ".asm"),
        entry: TEXT_BASE,
        text: Section {
            addr: TEXT_BASE,
            bytes: program.iter().flat_map(|i| i.encode()).collect(),
        },
        data: Section {
            addr: DATA,
            bytes: data.to_vec(),
        },
        bss: Bss {
            addr: DATA + data.len() as u32,
            len: 0,
        },
        symbols: Vec::new(),
        lines: (0..program.len() as u32)
            .map(|i| LineEntry {
                pc: TEXT_BASE + 8 * i,
                line: i + 1,
            })
            .collect(),
    };
    let path = dir.join(name);
    std::fs::write(&path, object.to_bytes()).unwrap();
    path
}

fn hello(dir: &Path) -> PathBuf {
    let program = [
        Instruction::Li {
            rd: r(1),
            imm: DATA as i32,
        },
        Instruction::Sys {
            number: SYS_PRINT_STR,
        },
        Instruction::Halt,
    ];
    write_pbc(dir, "hello.pbc", &program, b"hi\n\0")
}

fn null(dir: &Path) -> PathBuf {
    let program = [
        Instruction::Load {
            width: LoadWidth::Word,
            rd: r(1),
            addr: MemAddr::Absolute(0),
        },
        Instruction::Halt,
    ];
    write_pbc(dir, "null.pbc", &program, &[])
}

fn pagelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn run_prints_console_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = hello(dir.path());
    let output = pagelab(&["run", path.to_str().unwrap(), "--policy", "fifo"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "hi\n");
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("process 1 (hello.asm) exited with status 0\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nmachine: 8 frames of 4096 bytes, policy fifo,"),
        "{stderr}"
    );
    assert!(stderr.contains("\ncounter "), "{stderr}");
    assert!(stderr.contains("\npage_faults "), "{stderr}");
}

#[test]
fn stats_json_owns_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = hello(dir.path());
    let output = pagelab(&[
        "run",
        path.to_str().unwrap(),
        "--policy",
        "fifo",
        "--stats",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stderr), "hi\n");
    let stdout = text(&output.stdout);
    assert_eq!(stdout.lines().count(), 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["instructions"], 3);
    assert_eq!(value["page_faults"], 2);
    assert_eq!(value["processes"][0]["exit_code"], 0);
    assert_eq!(value["processes"][0]["name"], "hello.asm");
}

#[test]
fn trace_to_stdout_conflicts_with_json_stats() {
    let dir = tempfile::tempdir().unwrap();
    let path = hello(dir.path());
    let output = pagelab(&[
        "run",
        path.to_str().unwrap(),
        "--policy",
        "fifo",
        "--stats",
        "json",
        "--trace",
        "-",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("send the trace to a file"));
    assert!(output.stdout.is_empty());
}

#[test]
fn trace_and_refs_go_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = hello(dir.path());
    let trace = dir.path().join("trace.jsonl");
    let refs = dir.path().join("refs.txt");
    let output = pagelab(&[
        "run",
        path.to_str().unwrap(),
        "--policy",
        "fifo",
        "--trace",
        trace.to_str().unwrap(),
        "--trace-format",
        "jsonl",
        "--trace-filter",
        "fault,exit",
        "--refs-out",
        refs.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let trace = std::fs::read_to_string(trace).unwrap();
    let kinds: Vec<String> = trace
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["event"].to_string())
        .collect();
    assert_eq!(kinds, ["\"fault\"", "\"fault\"", "\"exit\""]);
    // Three fetches and four byte loads of "hi\n\0".
    assert_eq!(
        std::fs::read_to_string(refs).unwrap(),
        "16\n16\n32\n32\n32\n32\n16\n"
    );
}

#[test]
fn text_trace_to_stdout_keeps_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = hello(dir.path());
    let output = pagelab(&[
        "run",
        path.to_str().unwrap(),
        "--policy",
        "fifo",
        "--trace",
        "-",
        "--trace-filter",
        "exit",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "hi");
    assert!(
        lines[1].ends_with("exit      exited with status 0"),
        "{stdout}"
    );
}

#[test]
fn segfault_exits_1_with_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = null(dir.path());
    let output = pagelab(&["run", path.to_str().unwrap(), "--policy", "fifo"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).starts_with(
        "process 1 (null.asm) killed: segmentation fault: load at 0x00000000 (not mapped) at pc 0x00010000 (null.asm:1)\n"
    ));
}

#[test]
fn bad_options_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = hello(dir.path());
    let path = path.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--frames", "0"],
            "invalid --frames: 0 frames cannot hold any page",
        ),
        (
            &["--trace-filter", "tlb", "--trace", "-"],
            "unknown trace event kind \"tlb\"; valid kinds: access, walk",
        ),
        (
            &["--policy", "nope"],
            "invalid --policy: unknown replacement policy \"nope\"",
        ),
        (
            &["--page-size", "1000"],
            "invalid --page-size: 1000 is not a power of two from 16 to 65536",
        ),
    ];
    for (options, expected) in cases {
        let mut args = vec!["run", path];
        args.extend_from_slice(options);
        if !options.contains(&"--policy") {
            args.extend_from_slice(&["--policy", "fifo"]);
        }
        let output = pagelab(&args);
        assert_eq!(output.status.code(), Some(2), "{options:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(expected), "{options:?}: {stderr}");
    }
}

#[test]
fn truncated_object_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = hello(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let output = pagelab(&["run", path.to_str().unwrap(), "--policy", "fifo"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("is not a valid object file"));
}

#[test]
fn config_prints_the_machine() {
    let output = pagelab(&["config", "--policy", "fifo", "--frames", "4", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["frames"], 4);
    assert_eq!(value["page_table_frames"], 64);
    assert_eq!(value["address_split"], "10+10+12");
    assert_eq!(value["physical_bytes"], (4 + 64) * 4096);

    let output = pagelab(&["config", "--policy", "fifo"]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("address split        10+10+12 (2 levels)"),
        "{stdout}"
    );
}

#[test]
fn closed_stdout_ends_quietly() {
    use std::process::Stdio;

    // Prints 1 forever; the reader goes away at once.
    let dir = tempfile::tempdir().unwrap();
    let program = [
        Instruction::Li { rd: r(1), imm: 1 },
        Instruction::Sys {
            number: pagelab_vm::isa::SYS_PRINT_INT,
        },
        Instruction::Jmp {
            target: TEXT_BASE + 8,
        },
    ];
    let path = write_pbc(dir.path(), "forever.pbc", &program, &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_pagelab"))
        .args(["run", path.to_str().unwrap(), "--policy", "fifo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stderr), "");
}
