; belady.asm: touch the pages of an array in Belady's reference order
;   1 2 3 4 1 2 5 1 2 3 4 5
; (Belady, Nelson and Shedler, "An anomaly in space-time characteristics of
; certain programs running in a paging machine", CACM 12(6), 1969).
;
; What it provokes: Belady's anomaly. On this string FIFO faults 9 times
; with 3 frames and 10 times with 4: more memory, more faults. The VM's own
; reference string adds text fetches and table reads, so compare the data
; pages through replay:
;
; Run it:
;   cargo run --release -- run programs/belady.asm --policy fifo --refs-out belady.refs
;   cargo run --release -- replay --policy fifo --frames 3 --refs "1 2 3 4 1 2 5 1 2 3 4 5" --steps
;   cargo run --release -- replay --policy fifo --frames 4 --refs "1 2 3 4 1 2 5 1 2 3 4 5" --steps
;
; Assumes 4 KiB pages (the default).

        .equ    PAGE, 4096
        .equ    COUNT, 12

        .data
order:  .byte   1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5

        .bss
        .align  4096
array:  .space  6*PAGE

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
