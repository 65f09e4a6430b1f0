; threads_race.asm: two threads increment a shared counter without a lock.
;
; What it provokes: a race condition. Each thread adds 1 to `counter`
; ROUNDS times with a load, an add and a store. When the other thread runs
; between one thread's load and its store, one of the two increments is
; lost, so the final count is below 2*ROUNDS. The program prints the count
; and how many updates were lost, and exits 0 either way.
;
; With YIELD set to 1 (the default), each thread gives up the CPU between
; its load and its store, which forces the bad interleaving under any
; scheduler, FCFS included: every round loses an update, so the count is
; ROUNDS. With YIELD 0 the race depends on preemption: run it under a
; preemptive scheduler with a small quantum, for example `--sched rr
; --quantum 3`, and the count changes with the quantum, deterministically
; for a given quantum and seed. threads_lock.asm is the same with a lock.
;
; Run it:
;   cargo run --release -- run programs/threads_race.asm
;   cargo run --release -- run programs/threads_race.asm --trace - --trace-filter state

        .equ    ROUNDS, 50
        .equ    YIELD, 1

        .data
counter: .word  0
lost_msg: .asciz " updates lost\n"

        .text
main:
        la      r1, worker
        li      r2, 0
        sys     spawn
        mov     r8, r0                  ; the other thread's tid
        call    increment
        mov     r1, r8
        sys     join

        la      r2, counter
        lw      r1, (r2)
        mov     r9, r1
        sys     print_int
        li      r1, ' '
        sys     print_char
        li      r1, 2*ROUNDS
        sub     r1, r1, r9
        sys     print_int
        la      r1, lost_msg
        sys     print_str
        li      r1, 0
        sys     exit

worker:
        call    increment
        li      r1, 0
        sys     thread_exit

; Adds 1 to counter ROUNDS times; clobbers r2..r7.
increment:
        la      r2, counter
        li      r3, 0
        li      r4, ROUNDS
        li      r6, YIELD
        li      r7, 0
increment_loop:
        lw      r5, (r2)
        beq     r6, r7, no_yield
        sys     yield
no_yield:
        add     r5, r5, 1
        sw      r5, (r2)
        add     r3, r3, 1
        blt     r3, r4, increment_loop
        ret
