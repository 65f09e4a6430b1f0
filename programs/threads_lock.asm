; threads_lock.asm: threads_race.asm with a lock around the increment.
;
; What it provokes: mutual exclusion with a kernel mutex. Each thread adds 1
; to `counter` ROUNDS times, holding the mutex at `counter_lock` from before
; its load until after its store. With YIELD 1 (the default) a thread gives
; up the CPU inside the critical section; the other thread then blocks in
; `lock` (a `lock contend` trace event) and runs again only after the
; unlock hands it the mutex. No update is lost under any scheduler and
; quantum: the program prints 100 and 0 updates lost.
;
; Run it:
;   cargo run --release -- run programs/threads_lock.asm
;   cargo run --release -- run programs/threads_lock.asm --trace - --trace-filter lock

        .equ    ROUNDS, 50
        .equ    YIELD, 1

        .data
counter: .word  0
counter_lock: .word 0
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
        la      r1, counter_lock
        sys     lock
        lw      r5, (r2)
        beq     r6, r7, no_yield
        sys     yield
no_yield:
        add     r5, r5, 1
        sw      r5, (r2)
        la      r1, counter_lock
        sys     unlock
        add     r3, r3, 1
        blt     r3, r4, increment_loop
        ret
