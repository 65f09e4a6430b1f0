//! `pagelab run` with several programs: `FILE*N`, `--copies`, the
//! scheduling options and the per-process statistics.

mod common;

use common::{pagelab, scratch_dir};

fn stats_of(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--stats", "json"]);
    let run = pagelab(&all);
    assert_eq!(run.status, Some(0), "{args:?} failed:\n{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("--stats json prints one JSON object")
}

#[test]
fn star_count_starts_copies() {
    let stats = stats_of(&["programs/hello.asm*3"]);
    let processes = stats["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 3);
    for (index, process) in processes.iter().enumerate() {
        assert_eq!(process["pid"], index as u64 + 1);
        assert_eq!(process["name"], "hello.asm");
        assert_eq!(process["exit_code"], 0);
    }
}

#[test]
fn copies_multiplies_every_file() {
    let stats = stats_of(&[
        "programs/hello.asm",
        "programs/belady.asm*2",
        "--copies",
        "2",
    ]);
    let names: Vec<&str> = stats["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "hello.asm",
            "hello.asm",
            "belady.asm",
            "belady.asm",
            "belady.asm",
            "belady.asm"
        ]
    );
}

#[test]
fn bad_counts_are_rejected() {
    for (args, expected) in [
        (
            vec!["run", "programs/hello.asm*0"],
            "error: invalid process count \"0\" in \"programs/hello.asm*0\"; write FILE*N with N a whole number of at least 1",
        ),
        (
            vec!["run", "programs/hello.asm*x"],
            "error: invalid process count \"x\" in \"programs/hello.asm*x\"; write FILE*N with N a whole number of at least 1",
        ),
        (
            vec!["run", "programs/hello.asm", "--copies", "0"],
            "error: --copies 0 starts no process; use --copies 1 or more",
        ),
        (
            vec!["run", "programs/hello.asm", "--sched", "lifo"],
            "error: invalid --sched: unknown scheduler \"lifo\"; known schedulers: fcfs, rr, priority, priority-np, mlfq, sjf, srtf, lottery, stride",
        ),
    ] {
        let run = pagelab(&args);
        assert_eq!(run.status, Some(2), "{args:?}");
        assert_eq!(run.stderr.trim_end(), expected, "{args:?}");
    }
}

#[test]
fn timing_keys_are_reported() {
    let stats = stats_of(&["programs/hello.asm*2", "--switch-cost", "7"]);
    let processes = stats["processes"].as_array().unwrap();
    let keys = [
        "arrival",
        "first_run",
        "finish",
        "turnaround",
        "waiting",
        "response",
        "cpu_ticks",
        "context_switches",
    ];
    for process in processes {
        for key in keys {
            assert!(process[key].is_u64(), "{key} is missing");
        }
        assert_eq!(process["response"], process["first_run"], "arrival is 0");
        assert_eq!(process["turnaround"], process["finish"], "arrival is 0");
    }
    assert_eq!(processes[0]["first_run"], 0);
    assert!(processes[1]["context_switches"].as_u64().unwrap() >= 1);

    let busy: u64 = processes
        .iter()
        .map(|p| p["cpu_ticks"].as_u64().unwrap())
        .sum();
    let elapsed = stats["elapsed_ticks"].as_u64().unwrap();
    let switch_ticks = stats["switch_ticks"].as_u64().unwrap();
    let idle_ticks = stats["idle_ticks"].as_u64().unwrap();
    assert_eq!(switch_ticks % 7, 0);
    assert_eq!(elapsed, busy + switch_ticks + idle_ticks);
    let utilization = stats["cpu_utilization"].as_f64().unwrap();
    let expected = busy as f64 / elapsed as f64;
    assert!((utilization - expected).abs() < 1e-4, "{utilization}");
}

#[test]
fn multiprocess_refs_are_tagged_and_replay() {
    let dir = scratch_dir("multiprocess_refs_are_tagged_and_replay");
    let refs = dir.join("two.refs");
    let refs = refs.to_string_lossy();
    let stats = stats_of(&[
        "programs/seq_scan.asm",
        "programs/belady.asm",
        "--policy",
        "fifo",
        "--refs-out",
        &refs,
    ]);
    let text = std::fs::read_to_string(&*refs).unwrap();
    assert!(text.starts_with("1:"), "{}", &text[..20]);
    assert!(text.contains("\n2:"));

    let replay = pagelab(&[
        "replay",
        "--policy",
        "fifo",
        "--frames",
        "8",
        "--refs-file",
        &refs,
        "--json",
    ]);
    assert_eq!(replay.status, Some(0), "{}", replay.stderr);
    let result: serde_json::Value = serde_json::from_str(replay.stdout.trim()).unwrap();
    assert_eq!(result["references"], stats["accesses"]);
    // Under FCFS process 1 exits before process 2 starts. Replay keeps the
    // dead pages where the run freed their frames, but FIFO evicts them
    // first because they are the oldest, so the counts still agree.
    assert_eq!(result["faults"], stats["page_faults"]);
    assert_eq!(result["write_backs"], stats["swap_outs"]);
}

#[test]
fn gantt_chart_shows_threads_switches_and_idle() {
    let run = pagelab(&["run", "programs/hello.asm*2", "--gantt", "--stats", "json"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let bar = lines[lines.len() - 2];
    let ticks = lines[lines.len() - 1];
    assert!(bar.starts_with("| P1 | cs | P2 | idle |"), "{bar}");
    assert!(ticks.starts_with("0    24   29   53"), "{ticks}");
    let stats: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        ticks.ends_with(&stats["elapsed_ticks"].to_string()),
        "{ticks}"
    );
}

#[test]
fn switch_and_syscall_events_are_traced() {
    let run = pagelab(&[
        "run",
        "tests/fixtures/yielders.asm",
        "--trace",
        "-",
        "--trace-format",
        "jsonl",
        "--trace-filter",
        "switch,syscall",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .filter_map(|line| line.split_once('{').map(|(_, rest)| format!("{{{rest}")))
        .map(|line| serde_json::from_str(&line).unwrap())
        .collect();
    let fork = &events[0];
    assert_eq!(fork["event"], "syscall");
    assert_eq!(fork["name"], "fork");
    assert_eq!(fork["result"], 2);
    let switch = events
        .iter()
        .find(|event| event["event"] == "switch")
        .expect("the yield switches threads");
    assert_eq!(switch["from"], 1);
    assert_eq!(switch["to"], 2);
    assert_eq!(switch["reason"], "yielded");
    let yield_call = events
        .iter()
        .find(|event| event["name"] == "yield")
        .unwrap();
    assert_eq!(yield_call["result"], 0);
    assert_eq!(yield_call["args"][0], 1, "r1 held the printed pid");
}

#[test]
fn priority_suffix_is_parsed() {
    let stats = stats_of(&["programs/hello.asm*2@3", "programs/hello.asm@0"]);
    assert_eq!(stats["processes"].as_array().unwrap().len(), 3);
    let run = pagelab(&["run", "programs/hello.asm@high"]);
    assert_eq!(run.status, Some(2));
    assert_eq!(
        run.stderr.trim_end(),
        "error: invalid priority \"high\" in \"programs/hello.asm@high\"; write FILE@P with P a whole number (0 is the highest)"
    );
}

#[test]
fn gantt_svg_is_written() {
    let dir = scratch_dir("gantt_svg_is_written");
    let path = dir.join("chart.svg");
    let path = path.to_string_lossy();
    let run = pagelab(&["run", "programs/hello.asm*2", "--gantt-svg", &path]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let svg = std::fs::read_to_string(&*path).unwrap();
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.contains("<title>P1 0..24</title>"), "{svg}");
    assert!(svg.contains("<title>P2 29..53</title>"), "{svg}");

    let bad = pagelab(&[
        "run",
        "programs/hello.asm",
        "--gantt-svg",
        "no/such/dir/x.svg",
    ]);
    assert_eq!(bad.status, Some(2));
    assert!(
        bad.stderr
            .starts_with("error: cannot write the Gantt chart to no/such/dir/x.svg"),
        "{}",
        bad.stderr
    );
}

#[test]
fn quantum_sets_the_round_robin_slice() {
    let switches = |quantum: &str| -> u64 {
        let stats = stats_of(&[
            "programs/cpu_bound.asm*2",
            "--sched",
            "rr",
            "--quantum",
            quantum,
        ]);
        stats["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|process| process["context_switches"].as_u64().unwrap())
            .sum()
    };
    let fcfs = stats_of(&["programs/cpu_bound.asm*2", "--sched", "fcfs"]);
    let fcfs_switches: u64 = fcfs["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|process| process["context_switches"].as_u64().unwrap())
        .sum();

    // Two CPU-bound copies of about 8000 instructions each: a 500-tick slice
    // switches about 32 times, a 2000-tick slice about 8, FCFS only at faults.
    let short = switches("500");
    let long = switches("2000");
    assert!(short > long, "quantum 500: {short} switches, 2000: {long}");
    assert!(
        long > fcfs_switches,
        "quantum 2000: {long} switches, fcfs: {fcfs_switches}"
    );
}

#[test]
fn zero_quantum_is_rejected() {
    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--sched",
        "rr",
        "--quantum",
        "0",
    ]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr.starts_with("error: invalid --quantum:"),
        "{}",
        run.stderr
    );
}

#[test]
fn setpriority_returns_the_previous_priority() {
    let run = pagelab(&["run", "tests/fixtures/setpriority.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "0-1\n");
}

#[test]
fn setpriority_changes_who_runs() {
    // The first process lowers itself to priority 9 at once. Under the
    // preemptive priority scheduler the CPU-bound process (priority 0) then
    // runs to the end first; under FCFS the first process still finishes first.
    let finishes = |scheduler: &str| -> Vec<u64> {
        let stats = stats_of(&[
            "tests/fixtures/setpriority.asm",
            "programs/cpu_bound.asm",
            "--sched",
            scheduler,
            "--swap-read-latency",
            "0",
            "--swap-write-latency",
            "0",
        ]);
        stats["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|process| process["finish"].as_u64().unwrap())
            .collect()
    };
    let priority = finishes("priority");
    assert!(priority[1] < priority[0], "priority: {priority:?}");
    let fcfs = finishes("fcfs");
    assert!(fcfs[0] < fcfs[1], "fcfs: {fcfs:?}");
}

#[test]
fn mlfq_options_reach_the_scheduler() {
    let switches = |extra: &[&str]| -> u64 {
        let mut args = vec!["programs/cpu_bound.asm*2", "--sched", "mlfq"];
        args.extend_from_slice(extra);
        let stats = stats_of(&args);
        stats["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|process| process["context_switches"].as_u64().unwrap())
            .sum()
    };
    // Short quanta at every level switch more often than long ones.
    let short = switches(&["--mlfq-quanta", "50,50,50"]);
    let long = switches(&["--mlfq-quanta", "4000,4000,4000"]);
    assert!(short > long, "short quanta {short}, long {long}");

    let run = pagelab(&[
        "run",
        "programs/hello.asm",
        "--sched",
        "mlfq",
        "--mlfq-levels",
        "0",
    ]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr.starts_with("error: invalid --mlfq-levels:"),
        "{}",
        run.stderr
    );
}

#[test]
fn huge_process_count_is_rejected_before_loading() {
    // Billions of copies must be refused from the page-table pool size
    // alone, before one program object per process is allocated.
    let cases: [(&[&str], &str); 2] = [
        (&["run", "programs/hello.asm*4294967295"], "4294967295"),
        (
            &["run", "programs/hello.asm*65536", "--copies", "65536"],
            "4294967296",
        ),
    ];
    for (args, count) in cases {
        let run = pagelab(args);
        assert_eq!(run.status, Some(2), "{args:?}: {}", run.stderr);
        let expected =
            format!("error: {count} processes need a page-table frame each, but the pool has 64");
        assert!(
            run.stderr.starts_with(&expected),
            "{args:?}: {}",
            run.stderr
        );
    }
}
