//! Hostile inputs to `run`, `inspect` and `translate`: options, mounts and
//! files that a careless or malicious user could give. Each case must end
//! with a message and exit status 2, or run correctly, and never touch a
//! host file that the user did not ask the run to write.

mod common;

use common::{assert_clean_failure, pagelab, scratch_dir};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `name` in `dir` and returns the path.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the scratch file can be written");
    path
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("the scratch file can be read")
}

#[test]
fn dump_out_onto_mount_is_rejected() {
    let dir = scratch_dir("dump_out_onto_mount_is_rejected");
    let text = b"mounted bytes that no dump may overwrite\n".to_vec();
    let path = write_file(&dir, "data.txt", &text);
    let path_text = path.to_string_lossy();
    let mount = format!("data={path_text}");

    let run = pagelab(&[
        "run",
        "programs/mmap_file.asm",
        "--mount",
        &mount,
        "--dump-at",
        "exit",
        "--dump-out",
        &path_text,
    ]);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "is also the --dump-out file");
    assert_eq!(read(&path), text, "the mounted file is untouched");
}

#[cfg(unix)]
#[test]
fn hard_link_to_trace_is_rejected() {
    let dir = scratch_dir("hard_link_to_trace_is_rejected");
    let text = b"mounted bytes that no trace may overwrite\n".to_vec();
    let path = write_file(&dir, "data.txt", &text);
    let link = dir.join("link.txt");
    std::fs::hard_link(&path, &link).expect("the scratch directory allows hard links");
    let mount = format!("data={}", link.display());

    let run = pagelab(&[
        "run",
        "programs/mmap_file.asm",
        "--mount",
        &mount,
        "--trace",
        &path.to_string_lossy(),
    ]);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "is also the --trace file");
    assert_eq!(read(&path), text, "the mounted file is untouched");
}

#[cfg(unix)]
#[test]
fn hard_link_mounted_twice_is_rejected() {
    let dir = scratch_dir("hard_link_mounted_twice_is_rejected");
    let path = write_file(&dir, "data.txt", b"one file under two names\n");
    let link = dir.join("link.txt");
    std::fs::hard_link(&path, &link).expect("the scratch directory allows hard links");
    let first = format!("data={}", path.display());
    let second = format!("other={}:rw", link.display());

    let run = pagelab(&[
        "run",
        "programs/mmap_file.asm",
        "--mount",
        &first,
        "--mount",
        &second,
    ]);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "both mount");
}

/// Writes a JSON dump of `programs/hello.asm` at tick 150, which has two
/// TLB entries (the text page and the data page), and returns it parsed.
fn hello_dump(dir: &Path) -> serde_json::Value {
    let path = dir.join("hello.json");
    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--dump-at",
        "150",
        "--dump-json",
        "--dump-out",
        &path.to_string_lossy(),
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(&path).expect("the dump file was written");
    serde_json::from_str(&text).expect("the dump file is JSON")
}

#[test]
fn contradictory_tlb_dump_is_rejected() {
    let dir = scratch_dir("contradictory_tlb_dump_is_rejected");
    let dump = hello_dump(&dir);
    let tlb = &dump["dumps"][0]["tlb"];
    assert_eq!(
        tlb.as_array().map(Vec::len),
        Some(2),
        "the unedited dump has two TLB entries: {tlb}"
    );

    // Each edit breaks one rule of the TLB, with the expected message part.
    let edits: [(&str, &str, serde_json::Value, &str); 9] = [
        ("/machine/tlb_ways", "0 ways", 0.into(), "tlb_ways"),
        ("/machine/tlb_ways", "3 ways", 3.into(), "tlb_ways"),
        (
            "/machine/tlb_entries",
            "TLB off",
            0.into(),
            "the TLB is off",
        ),
        (
            "/tlb/0/pfn",
            "PFN outside memory",
            99_999.into(),
            "PFN 99999",
        ),
        ("/tlb/0/set", "set above the sets", 3.into(), "set 3"),
        ("/tlb/1/way", "slot given twice", 0.into(), "set 0, way 0"),
        (
            "/tlb/0/vpn",
            "VPN above the address space",
            0xffff_ffffu32.into(),
            "vpn",
        ),
        (
            "/tlb/0/pfn",
            "PFN other than the PTE's",
            1.into(),
            "but its page table maps it to PFN",
        ),
        ("/tlb/0/asid", "ASID of no process", 99.into(), "ASID 99"),
    ];
    for (pointer, case, value, expected) in edits {
        let mut edited = dump.clone();
        *edited["dumps"][0]
            .pointer_mut(pointer)
            .expect("the dump has every edited field") = value;
        let path = dir.join("edited.json");
        std::fs::write(&path, edited.to_string()).expect("the scratch file can be written");

        let run = pagelab(&["inspect", &path.to_string_lossy()]);

        assert_eq!(run.status, Some(2), "{case}: {}", run.stderr);
        assert_clean_failure(&run, expected);
    }
}

#[test]
fn repeated_dump_entries_are_rejected() {
    let dir = scratch_dir("repeated_dump_entries_are_rejected");
    let path = dir.join("scan.json");
    // At tick 2000 seq_scan.asm has swap slots in use and a full frame table.
    let run = pagelab(&[
        "run",
        "programs/seq_scan.asm",
        "--dump-at",
        "2000",
        "--dump-frame",
        "64",
        "--dump-json",
        "--dump-out",
        &path.to_string_lossy(),
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(&path).expect("the dump file was written");
    let dump: serde_json::Value = serde_json::from_str(&text).expect("the dump file is JSON");

    for (list, expected) in [
        ("frames", "PFN 0 is listed twice"),
        ("swap", "slot 0 is listed twice"),
        ("frame_bytes", "PFN 64 are listed twice"),
    ] {
        let mut edited = dump.clone();
        let entries = edited["dumps"][0][list]
            .as_array_mut()
            .expect("the dump has every edited list");
        assert!(!entries.is_empty(), "{list} is empty in the unedited dump");
        let first = entries[0].clone();
        entries.push(first);
        let edited_path = dir.join("edited.json");
        std::fs::write(&edited_path, edited.to_string()).expect("the scratch file can be written");

        let run = pagelab(&["inspect", &edited_path.to_string_lossy()]);

        assert_eq!(run.status, Some(2), "{list}: {}", run.stderr);
        assert_clean_failure(&run, expected);
    }
}

#[test]
fn description_swap_above_leaf_is_rejected() {
    let dir = scratch_dir("description_swap_above_leaf_is_rejected");
    // A two-level machine whose root entry 0 names a swap slot: only a
    // last-level entry can, because the kernel swaps pages, not tables.
    let description = r#"{
        "format": "pagelab-machine",
        "va_bits": 16,
        "page_size": 256,
        "split": [4, 4],
        "frames": 32,
        "processes": [
            { "pid": 1, "root": 1, "tables": [ { "pfn": 1, "entries": [ { "index": 0, "swap": 3 } ] } ] }
        ]
    }"#;
    let path = write_file(&dir, "machine.json", description.as_bytes());

    let run = pagelab(&["inspect", &path.to_string_lossy()]);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "only a last-level entry");
}

#[test]
fn outputs_never_overwrite_inputs() {
    let dir = scratch_dir("outputs_never_overwrite_inputs");
    let source = std::fs::read(common::repo_root().join("programs/hello.asm"))
        .expect("programs/hello.asm can be read");
    let input = b"bytes for the console\n".to_vec();

    for option in ["--trace", "--refs-out", "--gantt-svg", "--dump-out"] {
        let program = write_file(&dir, "hello.asm", &source);
        let stdin = write_file(&dir, "input.txt", &input);
        for (target, original, expected) in [
            (&program, &source, "would overwrite the program"),
            (&stdin, &input, "would overwrite the --stdin file"),
        ] {
            let run = pagelab(&[
                "run",
                &program.to_string_lossy(),
                "--stdin",
                &stdin.to_string_lossy(),
                "--dump-at",
                "exit",
                option,
                &target.to_string_lossy(),
            ]);

            assert_eq!(run.status, Some(2), "{option} {expected}: {}", run.stderr);
            assert_clean_failure(&run, expected);
            assert_eq!(
                &read(target),
                original,
                "{option}: {} is untouched",
                target.display()
            );
        }
    }
}

#[test]
fn two_outputs_sharing_a_file_are_rejected() {
    let dir = scratch_dir("two_outputs_sharing_a_file_are_rejected");
    let path = dir.join("out.txt");
    let path_text = path.to_string_lossy();
    let options = ["--trace", "--refs-out", "--gantt-svg", "--dump-out"];

    for (position, first) in options.iter().enumerate() {
        for second in &options[position + 1..] {
            let run = pagelab(&[
                "run",
                "programs/hello.asm",
                "--dump-at",
                "exit",
                first,
                &path_text,
                second,
                &path_text,
            ]);

            assert_eq!(run.status, Some(2), "{first} and {second}: {}", run.stderr);
            assert_clean_failure(&run, "give each its own file");
        }
    }
}

#[test]
fn dump_at_final_tick_is_not_past() {
    // hello.asm finishes at tick 247, the tick of its `exit`.
    let run = pagelab(&["run", "programs/hello.asm", "--dump-at", "247"]);
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "--dump-at 247 is at or past the end of the run");

    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--dump-at",
        "5000",
        "--dump-at",
        "6000",
    ]);
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "--dump-at 5000, 6000 are past the end of the run");

    let run = pagelab(&[
        "translate",
        "programs/hello.asm",
        "--at",
        "247",
        "--va",
        "0x10000",
    ]);
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "--at 247 is at or past the end of the run");
}

#[test]
fn partial_frame_policies_never_panic() {
    // Under --page-tables-in-pool or --scope local the kernel requests a
    // victim while some frames are free. These four once panicked or
    // returned a free frame there.
    for policy in ["arc", "clock-pro", "nru", "wsclock"] {
        for options in [
            // Five frames: two processes' root tables, a lower table and
            // room for pages; with four, fork fails by design.
            &["--frames", "5", "--page-tables-in-pool"][..],
            &["--frames", "4", "--scope", "local"][..],
        ] {
            let mut args = vec!["run", "programs/fork_cow.asm", "--policy", policy];
            args.extend_from_slice(options);

            let run = pagelab(&args);

            let case = format!("{policy} {options:?}");
            assert_eq!(run.status, Some(0), "{case}: {}", run.stderr);
        }
    }
}

#[test]
fn oversized_json_dump_is_refused() {
    let dir = scratch_dir("oversized_json_dump_is_refused");
    let path = dir.join("dumps.json");
    let path_text = path.to_string_lossy().into_owned();
    // 72 frames of 64 KiB in 8 dumps are 576 copies of 128 KiB of hex
    // digits, 72 MiB in all: more than `inspect` reads.
    let mut args: Vec<String> = ["run", "programs/hello.asm", "--page-size", "65536"]
        .into_iter()
        .map(String::from)
        .collect();
    for pfn in 0..72 {
        args.extend(["--dump-frame".to_string(), pfn.to_string()]);
    }
    for tick in [10, 20, 30, 40, 50, 60, 70, 80] {
        args.extend(["--dump-at".to_string(), tick.to_string()]);
    }
    args.extend(["--dump-json", "--dump-out", &path_text].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let run = pagelab(&args);

    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_clean_failure(&run, "above the 67108864 bytes");
    let written = std::fs::metadata(&path).map_or(0, |metadata| metadata.len());
    assert!(
        written <= 64 << 20,
        "run wrote a {written}-byte dump file that inspect cannot read"
    );
}

#[cfg(unix)]
#[test]
fn outputs_may_share_dev_null() {
    // Writing to a device overwrites no file, so every output and the
    // input may name /dev/null together.
    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--stdin",
        "/dev/null",
        "--trace",
        "/dev/null",
        "--refs-out",
        "/dev/null",
        "--gantt-svg",
        "/dev/null",
        "--dump-at",
        "exit",
        "--dump-out",
        "/dev/null",
    ]);

    assert_eq!(run.status, Some(0), "{}", run.stderr);
}
