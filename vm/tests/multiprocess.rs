//! Several processes on one machine: the run loop, context switches, the
//! TLB across switches, and the reference string of a multi-process run.

mod common;

use common::*;
use pagelab_vm::config::MachineConfig;
use pagelab_vm::isa::{BranchCond, Instruction, SYS_EXIT, SYS_PRINT_CHAR};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::Kernel;
use pagelab_vm::object::Object;
use pagelab_vm::refs;
use pagelab_vm::replay;
use pagelab_vm::stats::RunStats;
use pagelab_vm::trace::{Filter, JsonlSink, Tracer};
use serde_json::Value;

const PAGE: i32 = 4096;

/// Prints `letter` `rounds` times, touching bss page `i % pages` in round
/// i, then exits with `status`.
fn printer(letter: char, rounds: i32, pages: i32, status: i32) -> Object {
    printer_with_tail(letter, rounds, pages, status, 0)
}

/// Like [`printer`], but before exiting spins `tail` times through a
/// loop on its one text page.
fn printer_with_tail(letter: char, rounds: i32, pages: i32, status: i32, tail: i32) -> Object {
    let program = vec![
        li(1, letter as i32),                      // 0
        li(2, 0),                                  // 1: round counter
        li(3, rounds),                             // 2
        li(5, 0),                                  // 3: page index
        li(6, pages),                              // 4
        sys(SYS_PRINT_CHAR),                       // 5: loop
        li(7, DATA as i32),                        // 6
        addi(8, 5, 0),                             // 7
        li(9, 12),                                 // 8
        alu(pagelab_vm::isa::AluOp::Shl, 8, 8, 9), // 9: page index * 4096
        alu(pagelab_vm::isa::AluOp::Add, 7, 7, 8), // 10
        sw(2, 7, 0),                               // 11
        addi(5, 5, 1),                             // 12
        branch(BranchCond::Lt, 5, 6, 15),          // 13
        li(5, 0),                                  // 14
        addi(2, 2, 1),                             // 15
        branch(BranchCond::Lt, 2, 3, 5),           // 16
        li(10, 0),                                 // 17
        li(11, tail),                              // 18
        addi(10, 10, 1),                           // 19: tail
        branch(BranchCond::Lt, 10, 11, 19),        // 20
        li(1, status),                             // 21
        sys(SYS_EXIT),                             // 22
    ];
    object(
        &format!("{letter}.asm"),
        &program,
        &[],
        (pages * PAGE) as u32,
    )
}

struct MultiRun {
    stats: RunStats,
    /// The JSONL trace, every kind.
    trace: String,
    exits: Vec<Option<ExitStatus>>,
    console: String,
    refs: String,
    dispatches: Vec<u32>,
}

/// Runs `objects` as processes, with a test round robin of `quantum`
/// ticks when given (FCFS otherwise).
fn run_many(config: MachineConfig, objects: Vec<Object>, quantum: Option<u64>) -> MultiRun {
    let console = Capture::default();
    let refs = Capture::default();
    let trace = Capture::default();
    let mut kernel = Kernel::new(config, Box::new(console.clone())).unwrap();
    kernel.set_tracer(Tracer::new(
        Box::new(JsonlSink::new(trace.clone())),
        Filter::ALL,
    ));
    let mut log = None;
    if let Some(quantum) = quantum {
        let (scheduler, dispatches) = TestRoundRobin::new(quantum);
        kernel.set_scheduler(Box::new(scheduler));
        log = Some(dispatches);
    }
    kernel.set_refs_out(Box::new(refs.clone()));
    for object in objects {
        kernel.spawn(object).unwrap();
    }
    kernel.run().unwrap();
    MultiRun {
        stats: kernel.stats(),
        trace: trace.text(),
        exits: kernel.processes().iter().map(|p| p.exit.clone()).collect(),
        console: console.text(),
        refs: refs.text(),
        dispatches: log
            .map(|log| log.lock().unwrap().clone())
            .unwrap_or_default(),
    }
}

/// Checks that every tick of the run is a CPU tick of some process, a
/// switch tick or an idle tick.
fn assert_ticks_add_up(stats: &RunStats) {
    let busy: u64 = stats.processes.iter().map(|p| p.timing.cpu_ticks).sum();
    assert_eq!(
        stats.elapsed_ticks,
        busy + stats.switch_ticks + stats.idle_ticks,
        "{stats:?}"
    );
}

#[test]
fn fcfs_overlaps_device_waits() {
    let both = run_many(
        config("fifo", 8),
        vec![printer('a', 3, 1, 0), printer('b', 2, 1, 7)],
        None,
    );
    assert_eq!(
        both.exits,
        vec![Some(ExitStatus::Exited(0)), Some(ExitStatus::Exited(7))]
    );
    assert_eq!(both.console, "aaabb");
    assert_ticks_add_up(&both.stats);

    let (first, second) = (&both.stats.processes[0], &both.stats.processes[1]);
    assert_eq!(first.timing.first_run, Some(0));
    assert!(
        second.timing.first_run < first.timing.finish,
        "the second process runs while the first waits for its text page"
    );
    assert!(second.timing.context_switches >= 1);

    let alone_a = run_many(config("fifo", 8), vec![printer('a', 3, 1, 0)], None);
    let alone_b = run_many(config("fifo", 8), vec![printer('b', 2, 1, 7)], None);
    assert!(
        both.stats.elapsed_ticks < alone_a.stats.elapsed_ticks + alone_b.stats.elapsed_ticks,
        "overlapping I/O with computation saves time"
    );
}

#[test]
fn round_robin_interleaves() {
    let run = run_many(
        config("fifo", 8),
        vec![printer('a', 40, 1, 0), printer('b', 40, 1, 0)],
        Some(30),
    );
    assert!(
        run.console.contains("aabb") && run.console.contains("bbaa"),
        "output interleaves: {}",
        run.console
    );
    assert_eq!(run.console.matches('a').count(), 40);
    assert_eq!(run.console.matches('b').count(), 40);
    assert_eq!(&run.dispatches[..2], &[1, 2]);
    assert!(run.dispatches.len() > 10, "{:?}", run.dispatches);
    assert_ticks_add_up(&run.stats);
}

#[test]
fn switch_cost_is_charged_per_switch() {
    let objects = || vec![printer('a', 40, 1, 0), printer('b', 40, 1, 0)];
    let free = run_many(
        MachineConfig {
            switch_cost: 0,
            ..config("fifo", 8)
        },
        objects(),
        Some(30),
    );
    let costly = run_many(
        MachineConfig {
            switch_cost: 10,
            ..config("fifo", 8)
        },
        objects(),
        Some(30),
    );
    assert_eq!(free.stats.switch_ticks, 0);
    let switches: u64 = costly
        .stats
        .processes
        .iter()
        .map(|p| p.timing.context_switches)
        .sum();
    assert!(switches > 10, "{switches}");
    assert_eq!(costly.stats.switch_ticks, 10 * switches);
    assert_ticks_add_up(&costly.stats);
    assert!(costly.stats.cpu_utilization < free.stats.cpu_utilization);
}

#[test]
fn tlb_flush_on_switch_costs_misses() {
    let objects = || vec![printer('a', 40, 2, 0), printer('b', 40, 2, 0)];
    let tagged = run_many(config("fifo", 8), objects(), Some(30));
    let flushed = run_many(
        MachineConfig {
            tlb_flush_on_switch: true,
            ..config("fifo", 8)
        },
        objects(),
        Some(30),
    );
    assert_eq!(
        tagged.stats.totals.page_faults,
        flushed.stats.totals.page_faults
    );
    assert!(
        flushed.stats.totals.tlb_misses > tagged.stats.totals.tlb_misses,
        "{} flushed vs {} tagged",
        flushed.stats.totals.tlb_misses,
        tagged.stats.totals.tlb_misses
    );
}

#[test]
fn max_ticks_stops_every_process() {
    let forever = [Instruction::Jmp { target: at(0) }];
    let run = run_many(
        MachineConfig {
            max_ticks: 500,
            ..config("fifo", 8)
        },
        vec![
            object("x.asm", &forever, &[], 0),
            object("y.asm", &forever, &[], 0),
        ],
        Some(20),
    );
    for exit in &run.exits {
        let Some(ExitStatus::Stopped(reason)) = exit else {
            panic!("expected a stop, got {exit:?}");
        };
        assert!(reason.contains("--max-ticks"), "{reason}");
    }
    assert_eq!(run.stats.elapsed_ticks, 500);
}

/// Replay does not see the frames a process frees when it exits, so the
/// programs spin on their text page at the end, long enough that every
/// process has finished touching its data before the first one exits.
#[test]
fn multiprocess_refs_replay_exactly() {
    for policy in ["fifo", "lru", "clock", "random"] {
        for frames in [3, 5] {
            let run = run_many(
                config(policy, frames),
                vec![
                    printer_with_tail('a', 6, 4, 0, 2000),
                    printer_with_tail('b', 6, 3, 0, 2000),
                    printer_with_tail('c', 4, 5, 0, 2000),
                ],
                Some(25),
            );
            assert!(run.refs.lines().all(|line| line.contains(':')));
            let references = refs::parse(&run.refs).unwrap();
            let outcome = replay::replay_named(policy, frames, 0, &references, false).unwrap();
            assert_eq!(
                outcome.faults as u64, run.stats.totals.page_faults,
                "{policy} with {frames} frames"
            );
            assert_eq!(
                outcome.write_backs as u64, run.stats.totals.swap_outs,
                "{policy} with {frames} frames"
            );
        }
    }
}

/// Returns the trace events of kind `event`, parsed.
fn events(trace: &str, event: &str) -> Vec<Value> {
    trace
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|value| value["event"] == event)
        .collect()
}

#[test]
fn device_serves_requests_in_fifo_order() {
    let run = run_many(
        config("fifo", 8),
        vec![printer('a', 2, 1, 0), printer('b', 2, 1, 0)],
        None,
    );
    let queued: Vec<Value> = events(&run.trace, "device")
        .into_iter()
        .filter(|event| event["phase"] == "queued")
        .collect();
    assert!(queued.len() >= 2);
    // Both processes fault on their text page before the first read is
    // done, so the second request starts when the first completes.
    assert_eq!(queued[0]["tid"], 1);
    assert_eq!(queued[1]["tid"], 2);
    assert_eq!(queued[1]["start"], queued[0]["done"]);
    assert_eq!(queued[1]["queue"], 2);
    for pair in queued.windows(2) {
        assert!(pair[1]["start"].as_u64() >= pair[0]["done"].as_u64());
    }
    let latency = MachineConfig::default().swap_read_latency;
    for event in &queued {
        assert_eq!(
            event["done"].as_u64().unwrap() - event["start"].as_u64().unwrap(),
            latency
        );
    }
}

#[test]
fn faulting_thread_waits_for_the_device() {
    let run = run_many(config("fifo", 8), vec![printer('a', 2, 1, 0)], None);
    let states = events(&run.trace, "state");
    let waiting = states
        .iter()
        .position(|event| event["state"] == "waiting")
        .expect("the text fault blocks the thread");
    assert_eq!(states[waiting]["reason"], "the swap device");
    let woken = &states[waiting + 1];
    assert_eq!(woken["state"], "ready");
    assert_eq!(woken["reason"], "woken");
    let done = &events(&run.trace, "device")[1];
    assert_eq!(done["phase"], "done");
    assert_eq!(woken["tick"], done["done"]);
    assert!(run.stats.idle_ticks > 0, "nothing else could run");
    assert_ticks_add_up(&run.stats);
}

#[test]
fn dirty_eviction_writes_before_the_read() {
    // Two frames, four dirty pages per round: every fault after the first
    // rounds evicts a dirty page, and the faulting thread's read queues
    // behind the write.
    let run = run_many(config("fifo", 2), vec![printer('a', 3, 4, 0)], None);
    assert_eq!(run.exits, vec![Some(ExitStatus::Exited(0))]);
    assert!(run.stats.totals.swap_outs > 0);
    let queued: Vec<Value> = events(&run.trace, "device")
        .into_iter()
        .filter(|event| event["phase"] == "queued")
        .collect();
    let write = queued
        .iter()
        .position(|event| event["transfer"] == "write")
        .expect("a dirty page is written");
    let read = &queued[write + 1];
    assert_eq!(read["transfer"], "read");
    assert_eq!(read["start"], queued[write]["done"]);
    assert_eq!(
        queued.iter().filter(|e| e["transfer"] == "write").count() as u64,
        run.stats.totals.swap_outs
    );
}

#[test]
fn one_frame_shared_by_waiting_processes() {
    // Each process evicts the other's page while that one waits for the
    // device; every access still completes once, so both finish.
    let run = run_many(
        config("fifo", 1),
        vec![printer('a', 3, 2, 0), printer('b', 3, 2, 0)],
        Some(20),
    );
    assert_eq!(
        run.exits,
        vec![Some(ExitStatus::Exited(0)), Some(ExitStatus::Exited(0))]
    );
    assert_eq!(run.console.matches('a').count(), 3);
    assert_eq!(run.console.matches('b').count(), 3);
    assert_ticks_add_up(&run.stats);
}

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

#[test]
fn zero_latency_cpu_bound_dispatch_like_a_job_list() {
    let config = || MachineConfig {
        swap_read_latency: 0,
        swap_write_latency: 0,
        ..config("fifo", 8)
    };
    let jobs = || {
        vec![
            spinner("a.asm", 100),
            spinner("b.asm", 20),
            spinner("c.asm", 20),
        ]
    };

    // Without device waits nothing blocks: first come, first served is
    // one dispatch per process, in pid order.
    let fcfs = run_many(config(), jobs(), Some(u64::MAX));
    assert_eq!(fcfs.dispatches, vec![1, 2, 3]);
    assert_eq!(fcfs.stats.idle_ticks, 0);

    // Round robin takes turns until each process is done, as a job list
    // with bursts of these lengths would.
    let rr = run_many(config(), jobs(), Some(60));
    assert_eq!(&rr.dispatches[..6], &[1, 2, 3, 1, 2, 3]);
    assert_eq!(
        *rr.dispatches.last().unwrap(),
        1,
        "the longest job ends last"
    );
    assert_eq!(rr.stats.idle_ticks, 0);
}

/// FCFS that records the parameters of every task it is given.
struct RecordingFcfs {
    ready: std::collections::VecDeque<u32>,
    params: std::sync::Arc<std::sync::Mutex<Vec<(u32, u32)>>>,
}

impl pagelab_vm::kernel::scheduler::Scheduler for RecordingFcfs {
    fn name(&self) -> &str {
        "recording-fcfs"
    }

    fn add_task(&mut self, task: u32, params: pagelab_vm::kernel::scheduler::TaskParams) {
        self.params.lock().unwrap().push((task, params.priority));
    }

    fn make_ready(
        &mut self,
        task: u32,
        _now: u64,
        _reason: pagelab_vm::kernel::scheduler::ReadyReason,
    ) {
        self.ready.push_back(task);
    }

    fn pick_next(&mut self, _now: u64) -> Option<u32> {
        self.ready.pop_front()
    }

    fn should_preempt(&mut self, _task: u32, _slice_used: u64, _now: u64) -> bool {
        false
    }

    fn on_stop(
        &mut self,
        _task: u32,
        _ran: u64,
        _reason: pagelab_vm::kernel::scheduler::StopReason,
        _now: u64,
    ) {
    }
}

#[test]
fn priorities_reach_the_scheduler() {
    let params = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut kernel = Kernel::new(config("fifo", 8), Box::new(std::io::sink())).unwrap();
    kernel.set_scheduler(Box::new(RecordingFcfs {
        ready: Default::default(),
        params: params.clone(),
    }));
    kernel.spawn_with_priority(spinner("a.asm", 5), 3).unwrap();
    kernel.spawn(spinner("b.asm", 5)).unwrap();
    kernel.run().unwrap();
    assert_eq!(*params.lock().unwrap(), vec![(1, 3), (2, 0)]);
    assert_eq!(kernel.processes()[0].priority, 3);
}

#[test]
fn per_process_tlb_counts_add_up() {
    let objects = || vec![printer('a', 40, 2, 0), printer('b', 40, 3, 0)];
    for tlb_ways in [None, Some(1), Some(4)] {
        let config = MachineConfig {
            tlb_entries: 16,
            tlb_ways,
            ..config("fifo", 16)
        };
        let run = run_many(config, objects(), Some(30));
        let label = format!("{tlb_ways:?} ways");
        let mut hits = 0;
        let mut misses = 0;
        for process in &run.stats.processes {
            let counters = &process.counters;
            assert_eq!(
                counters.tlb_hits + counters.tlb_misses,
                counters.accesses,
                "{label}, pid {}",
                process.pid
            );
            hits += counters.tlb_hits;
            misses += counters.tlb_misses;
        }
        assert_eq!(hits, run.stats.totals.tlb_hits, "{label}");
        assert_eq!(misses, run.stats.totals.tlb_misses, "{label}");
    }
}

#[test]
fn roomy_tagged_tlb_isolates_processes() {
    // With ASID tags, enough frames and a TLB that holds both working sets,
    // each process misses exactly as often as when it runs alone.
    let config = || MachineConfig {
        tlb_entries: 64,
        ..config("fifo", 32)
    };
    let together = run_many(
        config(),
        vec![printer('a', 40, 2, 0), printer('b', 40, 3, 0)],
        Some(30),
    );
    let alone_a = run_many(config(), vec![printer('a', 40, 2, 0)], Some(30));
    let alone_b = run_many(config(), vec![printer('b', 40, 3, 0)], Some(30));
    let misses = |run: &MultiRun, index: usize| run.stats.processes[index].counters.tlb_misses;
    assert_eq!(misses(&together, 0), misses(&alone_a, 0));
    assert_eq!(misses(&together, 1), misses(&alone_b, 0));
    assert!(misses(&together, 1) > misses(&together, 0));
}
