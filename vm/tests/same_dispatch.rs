//! The VM's run loop and job-list mode drive the same scheduler objects
//! through the same calls, so a set of CPU-bound processes is dispatched in
//! the same order as a job list with the same CPU bursts.

mod common;

use common::*;
use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{BranchCond, SYS_EXIT};
use pagelab_vm::jobs::{self, Bursts};
use pagelab_vm::kernel::scheduler::{self, SchedulerParams};
use pagelab_vm::kernel::Kernel;
use pagelab_vm::object::Object;

/// Counts to `rounds` in registers only, then exits 0.
fn spinner(name: &str, rounds: i32) -> Object {
    let program = [
        li(1, 0),
        li(2, rounds),
        addi(1, 1, 1),
        branch(BranchCond::Lt, 1, 2, 2),
        li(1, 0),
        sys(SYS_EXIT),
    ];
    object(name, &program, &[], 0)
}

/// Returns a machine on which every instruction costs exactly one tick (no
/// device latency, no walk, fault or switch cost), so CPU time equals the
/// instruction count.
fn tick_exact(scheduler_name: &str, quantum: u64) -> MachineConfig {
    MachineConfig {
        swap_read_latency: 0,
        swap_write_latency: 0,
        walk_cost_per_level: 0,
        fault_cost: 0,
        switch_cost: 0,
        scheduler: scheduler_name.to_string(),
        quantum,
        ..config("fifo", 8)
    }
}

/// Removes repeats, so that a task re-dispatched with no other task in
/// between counts as one turn in both drivers.
fn turns(labels: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut turns: Vec<String> = Vec::new();
    for label in labels {
        if turns.last() != Some(&label) {
            turns.push(label);
        }
    }
    turns
}

/// Runs the spinners in the VM and as a job list and returns both
/// dispatch orders, as process labels `P1`, `P2`, ...
fn both_orders(scheduler_name: &str, quantum: u64, rounds: &[i32]) -> (Vec<String>, Vec<String>) {
    let mut kernel = Kernel::new(
        tick_exact(scheduler_name, quantum),
        Box::new(std::io::sink()),
    )
    .unwrap();
    for (index, &count) in rounds.iter().enumerate() {
        kernel
            .spawn(spinner(&format!("s{index}.asm"), count))
            .unwrap();
    }
    kernel.run().unwrap();
    let stats = kernel.stats();
    assert_eq!(
        stats.idle_ticks, 0,
        "nothing may block on a tick-exact machine"
    );
    let vm_order = turns(
        kernel
            .timeline()
            .iter()
            .filter(|slice| slice.label.starts_with('P'))
            .map(|slice| slice.label.clone()),
    );

    let list: Vec<String> = stats
        .processes
        .iter()
        .map(|process| format!("P{}:0:{}", process.pid, process.timing.cpu_ticks))
        .collect();
    let job_list = jobs::parse(&list.join(",")).unwrap();
    let params = SchedulerParams {
        quantum,
        ..SchedulerParams::default()
    };
    let mut scheduler = scheduler::new_with(scheduler_name, &params).unwrap();
    // The VM cannot know a burst in advance, so SJF and SRTF predict there;
    // the job list hides its burst lengths to match.
    let outcome = jobs::simulate_with(&job_list, scheduler.as_mut(), Bursts::Hidden).unwrap();
    let job_order = turns(
        outcome
            .gantt
            .iter()
            .filter_map(|segment| segment.job.clone()),
    );

    (vm_order, job_order)
}

#[test]
fn fcfs_dispatches_like_a_job_list() {
    let (vm, jobs) = both_orders("fcfs", 4, &[100, 20, 20]);
    assert_eq!(vm, ["P1", "P2", "P3"]);
    assert_eq!(vm, jobs);
}

#[test]
fn round_robin_dispatches_like_a_job_list() {
    for quantum in [3, 10, 25, 1000] {
        let (vm, jobs) = both_orders("rr", quantum, &[100, 20, 20]);
        assert_eq!(vm, jobs, "quantum {quantum}");
        assert!(vm.len() >= 3, "quantum {quantum}: {vm:?}");
    }
}

#[test]
fn every_scheduler_dispatches_like_a_job_list() {
    for &name in scheduler::NAMES {
        let (vm, jobs) = both_orders(name, 7, &[60, 15, 30]);
        assert_eq!(vm, jobs, "scheduler {name}");
    }
}

#[test]
fn instructions_are_the_cpu_time() {
    let mut kernel = Kernel::new(tick_exact("fcfs", 4), Box::new(std::io::sink())).unwrap();
    kernel.spawn(spinner("one.asm", 10)).unwrap();
    kernel.run().unwrap();
    let stats = kernel.stats();
    let process = &stats.processes[0];
    assert_eq!(process.timing.cpu_ticks, process.counters.instructions);
    // li, li, then 10 rounds of addi and branch, then li and sys exit.
    assert_eq!(process.counters.instructions, 2 + 2 * 10 + 2);
}
