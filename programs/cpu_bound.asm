; cpu_bound.asm: compute without touching memory.
;
; What it provokes: a process that never waits once its text page is in.
; The loop runs ITERATIONS rounds of register arithmetic (a linear
; congruential step), so the thread uses the CPU until it exits or is
; preempted. Several copies show how a scheduler shares the CPU: FCFS runs
; them one after another, a round robin interleaves them. Beside
; io_bound.asm it fills the time the other process waits for the console.
; It prints the final value, which is the same in every run.
;
; Run it:
;   cargo run --release -- run programs/cpu_bound.asm*3 --gantt
;   cargo run --release -- run programs/cpu_bound.asm programs/io_bound.asm --stdin README.md --gantt

        .equ    ITERATIONS, 2000

        .text
main:
        li      r2, 1                   ; x
        li      r3, 0                   ; i
        li      r4, ITERATIONS
        li      r5, 1103515245
loop:
        mul     r2, r2, r5
        add     r2, r2, 12345
        add     r3, r3, 1
        blt     r3, r4, loop
        shr     r1, r2, 16
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, 0
        sys     exit
