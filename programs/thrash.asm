; thrash.asm: loop over a working set of PAGES pages, ROUNDS times.
;
; What it provokes: thrashing. Each round writes one word in every page of
; the working set and computes WORK instructions between two pages. One
; copy fits in memory after its first round. Several copies share the
; frames; while their working sets together fit, one copy computes while
; another waits for the swap device, and CPU utilisation rises with the
; number of copies. Once the working sets exceed the frames, nearly every
; page touch evicts a page another copy needs soon: the swap device queue
; grows, every thread waits, and utilisation collapses. docs/thrashing.md
; measures this curve.
;
; Change PAGES to change the working set (with 4 KiB pages, the default).
; It prints nothing and exits 0.
;
; Run it:
;   cargo run --release -- run programs/thrash.asm
;   cargo run --release -- run programs/thrash.asm --copies 6 --frames 16 --stats json

        .equ    PAGE, 4096
        .equ    PAGES, 4
        .equ    ROUNDS, 20
        .equ    WORK, 40

        ; In .data, so that the first touch of a page reads it from the
        ; program image: a major fault, during which another copy runs.
        .data
pages:  .space  PAGES*PAGE

        .text
main:
        li      r3, 0                   ; round
        li      r4, ROUNDS
        li      r6, PAGES
        li      r8, WORK
round:
        la      r2, pages
        li      r5, 0                   ; page
page:
        sw      r3, (r2)
        li      r7, 0
work:
        add     r7, r7, 1
        blt     r7, r8, work
        add     r2, r2, PAGE
        add     r5, r5, 1
        blt     r5, r6, page
        add     r3, r3, 1
        blt     r3, r4, round
        li      r1, 0
        sys     exit
