; sparse_heap.asm: grow the heap by 128 MiB and write one word every 4 MiB.
;
; What it provokes: page tables that cost more memory than the data they
; map. With 4 KiB pages (the default) an address splits 10 + 10 + 12, so
; one second-level table maps 4 MiB. The program writes one word in each of
; TOUCHES pages spaced SPACING bytes apart, so every page needs its own
; second-level table: 32 data pages (128 KiB) need 32 second-level tables
; plus the root, 33 page-table frames (132 KiB). Only 8 of the data pages
; fit in the default 8 frames, so the rest go to swap, but the tables stay:
; page-table frames are reserved (--page-table-frames, 64 by default) and
; never evicted.
;
; To see the tables: `--page-table-frames 33` is just enough, and
; `--page-table-frames 32` kills the process at its last write with "out of
; page-table frames". `--trace - --trace-filter walk` shows each walk's
; table frames (PTE addresses below 64 * 4096 lie in the reserved pool).
;
; At the end it shrinks the heap back with a negative sbrk, which frees the
; data pages' frames and swap slots, and prints the number of words
; written (32).
;
; Run it:
;   cargo run --release -- run programs/sparse_heap.asm
;   cargo run --release -- run programs/sparse_heap.asm --page-table-frames 32
;   cargo run --release -- run programs/sparse_heap.asm --trace - --trace-filter walk,fault
;
; With --page-tables-in-pool, where the build has it, the tables take their
; frames from --frames like the data pages, so the 33 tables and the data
; compete for the same 8 frames. docs/machine.md ("Physical memory") has
; more.

        .equ    SPACING, 4*1024*1024    ; the span of one second-level table
        .equ    TOUCHES, 32

        .text
main:
        li      r1, TOUCHES*SPACING
        sys     sbrk                    ; r0 = the old break, the heap's start
        li      r8, -1
        beq     r0, r8, no_heap
        mov     r2, r0
        li      r3, 0                   ; words written
        li      r4, TOUCHES
touch:
        sw      r3, (r2)
        add     r2, r2, SPACING
        add     r3, r3, 1
        blt     r3, r4, touch

        li      r1, -TOUCHES*SPACING
        sys     sbrk
        mov     r1, r3
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, 0
        sys     exit

no_heap:
        la      r1, no_heap_message
        sys     print_str
        li      r1, 1
        sys     exit

        .data
no_heap_message:
        .asciz  "sbrk failed: lower --stack-limit to leave room for a 128 MiB heap\n"
