//! OPT inside the VM: `pagelab run --policy opt` runs twice, recording the
//! reference string first, and must then fault exactly as often as
//! replaying that string through OPT does, and never more than an online
//! policy. When the second pass makes other references, the run stops
//! with a message instead of a wrong result.

mod common;

use common::{assert_clean_failure, pagelab, scratch_dir};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).expect("valid JSON")
}

#[test]
fn opt_in_the_vm_matches_opt_in_replay() {
    let dir = scratch_dir("opt_in_the_vm_matches_opt_in_replay");
    for program in ["seq_scan", "random_access", "stack_recursion", "textbook"] {
        for frames in ["3", "8"] {
            let path = format!("programs/{program}.asm");
            let refs = dir.join(format!("{program}-{frames}.refs"));
            let refs = refs.to_string_lossy();
            let run = pagelab(&[
                "run",
                &path,
                "--policy",
                "opt",
                "--frames",
                frames,
                "--refs-out",
                &refs,
                "--stats",
                "json",
            ]);
            assert_eq!(run.status, Some(0), "{program}: {}", run.stderr);
            let stats = json(&run.stdout);

            let replay = pagelab(&[
                "replay",
                "--policy",
                "opt,lru",
                "--frames",
                frames,
                "--refs-file",
                &refs,
                "--json",
            ]);
            assert_eq!(replay.status, Some(0), "{}", replay.stderr);
            let mut lines = replay.stdout.lines();
            let opt = json(lines.next().expect("an OPT line"));
            let lru = json(lines.next().expect("an LRU line"));

            assert_eq!(
                opt["faults"], stats["page_faults"],
                "{program} with {frames} frames"
            );
            assert!(
                opt["faults"].as_u64() <= lru["faults"].as_u64(),
                "{program} with {frames} frames: OPT {} and LRU {}",
                opt["faults"],
                lru["faults"]
            );
        }
    }
}

#[test]
fn opt_in_the_vm_beats_lru() {
    let faults = |policy: &str| {
        let run = pagelab(&[
            "run",
            "programs/random_access.asm",
            "--policy",
            policy,
            "--stats",
            "json",
        ]);
        assert_eq!(run.status, Some(0), "{policy}: {}", run.stderr);
        json(&run.stdout)["page_faults"].as_u64().expect("a count")
    };
    assert!(faults("opt") < faults("lru"));
}

#[test]
fn diverging_passes_stop_the_run() {
    let run = pagelab(&[
        "run",
        "programs/seq_scan.asm",
        "programs/random_access.asm",
        "--policy",
        "opt",
    ]);
    assert_clean_failure(
        &run,
        "OPT's second pass diverged from the first at reference",
    );
    assert_eq!(run.status, Some(1));
}

#[test]
fn opt_parameters_are_checked() {
    let run = pagelab(&["run", "programs/hello.asm", "--policy", "opt:depth=2"]);
    assert_clean_failure(
        &run,
        "policy \"opt\" takes no parameters, but `depth` was given",
    );
    assert_eq!(run.status, Some(2));
}
