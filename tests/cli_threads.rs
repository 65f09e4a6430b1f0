//! Threads, joins and locks through the CLI: the race and lock programs,
//! deadlock detection, and the documented results of each call.

mod common;

use common::pagelab;

#[test]
fn race_program_loses_updates() {
    let run = pagelab(&["run", "programs/threads_race.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().next(), Some("50 50 updates lost"));
}

#[test]
fn race_depends_on_the_quantum_deterministically() {
    // With YIELD 1 the yield forces the loss under any scheduler; the
    // count under round robin depends on the quantum, and repeats exactly.
    for quantum in ["1", "2", "3", "100"] {
        let args = [
            "run",
            "programs/threads_race.asm",
            "--sched",
            "rr",
            "--quantum",
            quantum,
        ];
        let first = pagelab(&args);
        let second = pagelab(&args);
        assert_eq!(first.status, Some(0), "{}", first.stderr);
        assert_eq!(first.stdout, second.stdout, "quantum {quantum}");
        let lost = first.stdout.lines().next().unwrap_or_default();
        assert!(lost.ends_with("updates lost"), "quantum {quantum}: {lost}");
        assert!(
            !lost.ends_with(" 0 updates lost"),
            "quantum {quantum} lost nothing"
        );
    }
}

#[test]
fn lock_program_is_exact_under_every_scheduler() {
    for scheduler in pagelab_vm::kernel::scheduler::NAMES {
        for quantum in ["1", "3", "100"] {
            let run = pagelab(&[
                "run",
                "programs/threads_lock.asm",
                "--sched",
                scheduler,
                "--quantum",
                quantum,
            ]);
            assert_eq!(run.status, Some(0), "{scheduler} {quantum}: {}", run.stderr);
            assert_eq!(
                run.stdout.lines().next(),
                Some("100 0 updates lost"),
                "{scheduler} with quantum {quantum}"
            );
        }
    }
}

#[test]
fn lock_program_loses_nothing() {
    let run = pagelab(&["run", "programs/threads_lock.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().next(), Some("100 0 updates lost"));

    let traced = pagelab(&[
        "run",
        "programs/threads_lock.asm",
        "--trace",
        "-",
        "--trace-filter",
        "lock",
    ]);
    assert!(
        traced.stdout.contains("lock      contend "),
        "{}",
        traced.stdout
    );
    assert!(
        traced.stdout.contains("  handed to tid "),
        "{}",
        traced.stdout
    );
}

#[test]
fn deadlock_names_each_waiter() {
    let run = pagelab(&["run", "tests/fixtures/threads_deadlock.asm"]);
    assert_eq!(run.status, Some(1));
    let first = run.stderr.lines().next().unwrap();
    assert_eq!(
        first,
        "process 1 (threads_deadlock.asm) stopped by deadlock: no thread can run and nothing will wake one; \
         thread 1 of process 1 (threads_deadlock.asm) waits for the lock at 0x00020004 (held by thread 2); \
         thread 2 of process 1 (threads_deadlock.asm) waits for the lock at 0x00020000 (held by thread 1)"
    );
}

#[test]
fn join_returns_exit_values() {
    let run = pagelab(&["run", "tests/fixtures/threads_join.asm"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().next(), Some("14 10 -1 -1 -1"));
}

#[test]
fn unlock_by_non_owner_kills() {
    let run = pagelab(&["run", "tests/fixtures/unlock_not_owner.asm"]);
    assert_eq!(run.status, Some(1));
    assert_eq!(
        run.stderr.lines().next(),
        Some(
            "process 1 (unlock_not_owner.asm) killed: unlock of the lock at 0x00020000 by thread 1, \
             but nobody holds it at pc 0x00010008 (unlock_not_owner.asm:9); only the thread that locked it may unlock it"
        )
    );
}

#[test]
fn spawn_fails_when_stacks_reach_the_heap() {
    // 256 MiB stacks: the main stack and 10 thread stacks fill the space
    // between the heap gap and 0xc0000000.
    let run = pagelab(&[
        "run",
        "tests/fixtures/spawn_many.asm",
        "--stack-limit",
        "268435456",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().next(), Some("10"));
}

#[test]
fn many_threads_cost_linear_time() {
    // 100000 threads spawn, each runs once to thread_exit, then the main
    // thread exits. Each spawn and each thread exit must cost the same
    // however many threads the process has: with a scan of every thread
    // per call the run takes over a minute in a debug build.
    let dir = common::scratch_dir("many_threads_cost_linear_time");
    let program = dir.join("many.asm");
    std::fs::write(
        &program,
        "        .text
main:   li r5, 0
        li r6, 100000
loop:   la r1, worker
        li r2, 0
        sys spawn
        add r5, r5, 1
        blt r5, r6, loop
        sys yield
        mov r1, r0
        sys print_int
        li r1, 0
        sys exit
worker: sys thread_exit
",
    )
    .expect("the scratch program can be written");

    let started = std::time::Instant::now();
    let run = pagelab(&[
        "run",
        program.to_str().expect("scratch paths are UTF-8"),
        "--stack-limit",
        "4096",
    ]);
    let elapsed = started.elapsed();

    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.lines().next(), Some("0"));
    assert!(
        elapsed < std::time::Duration::from_secs(20),
        "100000 threads took {elapsed:?}"
    );
}

#[test]
fn thread_stack_overflow_names_the_per_thread_limit() {
    // Two threads push forever; the lower stack overflows first. The hint
    // must give the --stack-limit the user set, not the whole region.
    let dir = common::scratch_dir("thread_stack_overflow_names_the_per_thread_limit");
    let program = dir.join("overflow.asm");
    std::fs::write(
        &program,
        "        .text
main:   la r1, worker
        li r2, 0
        sys spawn
        la r1, worker
        li r2, 0
        sys spawn
        mov r1, r0
        sys join
        li r1, 0
        sys exit
worker: push r1
        jmp worker
",
    )
    .expect("the scratch program can be written");

    let run = pagelab(&[
        "run",
        program.to_str().expect("scratch paths are UTF-8"),
        "--stack-limit",
        "4096",
        "--sched",
        "rr",
    ]);

    assert_eq!(run.status, Some(1), "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("killed: stack overflow: store at"),
        "{first}"
    );
    assert!(
        first.ends_with(
            "the address is just below the lowest of 3 thread stacks, each limited to 4096 bytes (the stacks span 0xbfffd000..0xc0000000); raise --stack-limit or recurse less deeply"
        ),
        "{first}"
    );
}

#[test]
fn deadlock_names_an_exited_holder() {
    let run = pagelab(&["run", "tests/fixtures/lock_held_by_exited.asm"]);
    assert_eq!(run.status, Some(1));
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.ends_with(
            "thread 1 of process 1 (lock_held_by_exited.asm) waits for the lock at 0x00020000 \
             (held by thread 2, which has exited)"
        ),
        "{first}"
    );
}
