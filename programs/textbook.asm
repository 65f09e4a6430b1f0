; textbook.asm: touch the pages of an array in the textbook's reference order
;   7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1
; (Silberschatz, Galvin and Gagne, Operating System Concepts, the FIFO, OPT
; and LRU examples of the page-replacement section).
;
; What it provokes: the classic exercise, run on a real machine. The array's
; page i is touched for each number i of the string. The VM's reference
; string also contains the fetches from the text page and the reads of the
; table below, so its fault counts differ from the textbook's table; the
; replay reproduces the textbook numbers from the string alone:
;
; Run it:
;   cargo run --release -- run programs/textbook.asm --frames 4 --refs-out textbook.refs
;   cargo run --release -- replay --policy fifo,lru,opt --frames 3 --refs "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1" --steps
;
; Assumes 4 KiB pages (the default).

        .equ    PAGE, 4096
        .equ    COUNT, 20

        .data
order:  .byte   7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1

        .bss
        .align  4096
array:  .space  8*PAGE

        .text
main:
        la      r2, order
        li      r3, 0                   ; position in the string
        li      r4, COUNT
next:
        lbu     r5, (r2)                ; page number
        mul     r5, r5, PAGE
        la      r6, array
        add     r6, r6, r5
        lw      r7, (r6)                ; touch the page
        add     r2, r2, 1
        add     r3, r3, 1
        blt     r3, r4, next

        li      r1, 0
        sys     exit
