//! End-to-end checks of the effective access time in `pagelab run`'s
//! summary, and of the TLB difference between the two traversals of
//! `programs/matrix_rows_cols.asm` that docs/tlb.md reports.

mod common;

use common::{pagelab, scratch_dir};
use serde_json::Value;

const MATRIX: &str = "programs/matrix_rows_cols.asm";

/// Runs `args` with `--stats json` and returns the statistics.
fn stats_json(args: &[&str]) -> Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--stats", "json"]);
    let run = pagelab(&all);
    assert_eq!(run.status, Some(0), "{args:?}:\n{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("--stats json prints one JSON object")
}

/// Writes `byte` to a file in `dir` and returns its path, as `--stdin` input.
fn stdin_file(dir: &std::path::Path, byte: &str) -> String {
    let path = dir.join(format!("{byte}.txt"));
    std::fs::write(&path, byte).expect("the scratch file can be written");
    path.to_string_lossy().into_owned()
}

#[test]
fn summary_shows_both_figures_with_costs() {
    let run = pagelab(&[
        "run",
        "programs/seq_scan.asm",
        "--tlb-cost",
        "1",
        "--mem-cost",
        "10",
        "--disk-cost",
        "1000",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("effective access time in ticks per access: T=1 M=10 D=1000 L=2"),
        "{}",
        run.stderr
    );
    // seq_scan: 144 accesses, 114 hits, 26 faults, 111 PTE reads.
    // Formula: (114·11 + 30·31 + 26·1000) / 144 = 28184 / 144.
    // Measured: (144 + 10·(144 + 111) + 26·1000) / 144 = 28694 / 144.
    assert!(
        run.stderr
            .contains("eat_formula        195.7222     195.7222"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("eat_measured       199.2639     199.2639"),
        "{}",
        run.stderr
    );
}

#[test]
fn summary_has_no_access_time_without_costs() {
    let run = pagelab(&["run", "programs/seq_scan.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains("eat_"), "{}", run.stderr);
    let stats = stats_json(&["programs/seq_scan.asm"]);
    assert!(stats.get("eat").is_none(), "{stats}");
    assert!(stats["processes"][0].get("eat").is_none(), "{stats}");
}

#[test]
fn json_gives_inputs_and_figures() {
    let stats = stats_json(&[
        "programs/seq_scan.asm",
        "--tlb-cost",
        "1",
        "--mem-cost",
        "10",
        "--disk-cost",
        "1000",
    ]);
    let eat = &stats["eat"];
    assert_eq!(eat["tlb_cost"], 1);
    assert_eq!(eat["mem_cost"], 10);
    assert_eq!(eat["disk_cost"], 1000);
    assert_eq!(eat["levels"], 2);
    assert_eq!(eat["tlb_enabled"], true);
    assert_eq!(eat["tlb_hit_ratio"], 0.7917);
    assert_eq!(eat["fault_rate"], 0.1806);
    assert_eq!(eat["formula"], 195.7222);
    assert_eq!(eat["measured"], 199.2639);
    assert_eq!(
        stats["processes"][0]["eat"], *eat,
        "one process: the same figures"
    );
}

#[test]
fn unset_costs_come_from_the_machine() {
    let stats = stats_json(&[
        "programs/hello.asm",
        "--mem-cost",
        "7",
        "--fault-cost",
        "30",
        "--swap-read-latency",
        "200",
    ]);
    assert_eq!(stats["eat"]["tlb_cost"], 0);
    assert_eq!(stats["eat"]["mem_cost"], 7);
    assert_eq!(
        stats["eat"]["disk_cost"], 230,
        "--fault-cost + --swap-read-latency"
    );

    let stats = stats_json(&["programs/hello.asm", "--tlb-cost", "2", "--walk-cost", "3"]);
    assert_eq!(stats["eat"]["mem_cost"], 3, "--walk-cost");
}

#[test]
fn costs_do_not_change_the_run() {
    let plain = stats_json(&["programs/random_access.asm"]);
    let mut priced = stats_json(&[
        "programs/random_access.asm",
        "--tlb-cost",
        "5",
        "--mem-cost",
        "50",
        "--disk-cost",
        "5000",
    ]);
    let object = priced.as_object_mut().expect("statistics are an object");
    object.remove("eat");
    for process in object["processes"].as_array_mut().expect("processes") {
        process
            .as_object_mut()
            .expect("a process is an object")
            .remove("eat");
    }
    assert_eq!(priced, plain);
}

#[test]
fn disabled_tlb_is_priced_without_lookups() {
    let stats = stats_json(&[
        "programs/hello.asm",
        "--tlb-entries",
        "0",
        "--tlb-cost",
        "1",
        "--mem-cost",
        "10",
        "--disk-cost",
        "1000",
    ]);
    assert_eq!(stats["eat"]["tlb_enabled"], false);
    assert_eq!(stats["eat"]["tlb_hit_ratio"], 0.0);
    let accesses = stats["accesses"].as_u64().unwrap() as f64;
    let pte_reads = stats["pte_reads"].as_u64().unwrap() as f64;
    let faults = stats["page_faults"].as_u64().unwrap() as f64;
    let measured = (10.0 * (accesses + pte_reads) + 1000.0 * faults) / accesses;
    let rounded = (measured * 1e4).round() / 1e4;
    assert_eq!(stats["eat"]["measured"], rounded);
}

#[test]
fn matrix_rows_miss_far_less_than_columns() {
    let dir = scratch_dir("matrix_rows_miss_far_less_than_columns");
    let rows = stats_json(&[MATRIX, "--stdin", &stdin_file(&dir, "r")]);
    let columns = stats_json(&[MATRIX, "--stdin", &stdin_file(&dir, "c")]);
    let count = |stats: &Value, key: &str| stats[key].as_u64().expect("a counter");

    // The same elements are read and written either way.
    let accesses = (count(&rows, "accesses"), count(&columns, "accesses"));
    assert!(
        accesses.0.abs_diff(accesses.1) * 50 < accesses.0,
        "{accesses:?}"
    );

    let misses = (count(&rows, "tlb_misses"), count(&columns, "tlb_misses"));
    assert!(
        misses.1 >= 4 * misses.0,
        "TLB misses rows, columns: {misses:?}"
    );
    assert!(
        misses.1 >= 32 * 1024,
        "every column step misses: {misses:?}"
    );
    let faults = (count(&rows, "page_faults"), count(&columns, "page_faults"));
    assert!(
        faults.1 >= 4 * faults.0,
        "page faults rows, columns: {faults:?}"
    );
}

#[test]
fn matrix_columns_miss_with_all_resident() {
    // With 40 frames the 32 rows stay resident, so the column pass faults
    // only once per page, yet it still misses the TLB at every step.
    let dir = scratch_dir("matrix_columns_miss_with_all_resident");
    let columns = stats_json(&[MATRIX, "--stdin", &stdin_file(&dir, "c"), "--frames", "40"]);
    assert!(columns["page_faults"].as_u64().unwrap() < 40, "{columns}");
    assert!(
        columns["tlb_misses"].as_u64().unwrap() >= 32 * 1024,
        "{columns}"
    );
}
