; producer_consumer.asm: a bounded buffer shared by two threads.
;
; What it provokes: coordination through a mutex. The main thread spawns a
; producer, which puts the numbers 1..ITEMS into a ring buffer of SLOTS
; words, while the main thread consumes them and adds them up. Every access
; to the buffer, its count and its indexes happens with the mutex at
; `buffer_lock` held. A producer that finds the buffer full (or a consumer
; that finds it empty) unlocks, yields and tries again, so the trace shows
; both lock contention and threads taking turns. The consumer prints the
; sum, SUM = 210, and exits 0 when it is right (1 otherwise).
;
; Run it:
;   cargo run --release -- run programs/producer_consumer.asm
;   cargo run --release -- run programs/producer_consumer.asm --trace - --trace-filter lock,switch --gantt

        .equ    SLOTS, 4
        .equ    ITEMS, 20
        .equ    SUM, 210                ; 1 + 2 + ... + ITEMS

        .data
buffer_lock: .word 0
count:  .word   0                       ; items in the buffer
head:   .word   0                       ; next slot to read
tail:   .word   0                       ; next slot to write
buffer: .space  4*SLOTS

        .text
main:
        la      r1, producer
        li      r2, 0
        sys     spawn
        mov     r10, r0                 ; the producer's tid
        li      r8, 0                   ; items consumed
        li      r9, 0                   ; sum
        li      r11, ITEMS
consume:
        la      r1, buffer_lock
        sys     lock
        lw      r3, count
        bne     r3, r12, take           ; r12 is 0
        la      r1, buffer_lock
        sys     unlock
        sys     yield
        jmp     consume
take:
        lw      r4, head
        la      r5, buffer
        shl     r6, r4, 2
        add     r5, r5, r6
        lw      r7, (r5)                ; the item
        add     r9, r9, r7
        add     r4, r4, 1
        rem     r4, r4, SLOTS
        sw      r4, head
        sub     r3, r3, 1
        sw      r3, count
        la      r1, buffer_lock
        sys     unlock
        add     r8, r8, 1
        blt     r8, r11, consume

        mov     r1, r10
        sys     join
        mov     r1, r9
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, SUM
        li      r2, 0
        beq     r9, r1, finish
        li      r2, 1
finish:
        mov     r1, r2
        sys     exit

producer:
        li      r8, 1                   ; next item
        li      r11, ITEMS+1
        li      r13, SLOTS
produce:
        la      r1, buffer_lock
        sys     lock
        lw      r3, count
        blt     r3, r13, put
        la      r1, buffer_lock
        sys     unlock
        sys     yield
        jmp     produce
put:
        lw      r4, tail
        la      r5, buffer
        shl     r6, r4, 2
        add     r5, r5, r6
        sw      r8, (r5)
        add     r4, r4, 1
        rem     r4, r4, SLOTS
        sw      r4, tail
        add     r3, r3, 1
        sw      r3, count
        la      r1, buffer_lock
        sys     unlock
        add     r8, r8, 1
        blt     r8, r11, produce
        li      r1, 0
        sys     thread_exit
