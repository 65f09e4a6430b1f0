; seq_scan.asm: touch PAGES pages in order, twice.
;
; What it provokes: a sequential scan over more pages than there are frames.
; The first pass writes one word in each page, so every page is a
; demand-zero (minor) fault and, once the frames are full, every eviction
; writes a dirty page to swap. The second pass reads the pages back in the
; same order: under FIFO and LRU each page has been evicted again before it
; is needed, so every reference faults and is read back from swap (major
; faults). The program prints the sum of the words it read (0+1+...+11 = 66).
;
; Assumes 4 KiB pages (the default). With the default 8 frames the scan does
; not fit; try --frames 16 to watch the second pass hit.
;
; Run it:
;   cargo run --release -- run programs/seq_scan.asm
;   cargo run --release -- run programs/seq_scan.asm --policy lru --refs-out seq.refs
;   cargo run --release -- replay --policy lru --frames 8 --refs-file seq.refs

        .equ    PAGE, 4096
        .equ    PAGES, 12

        .bss
array:  .space  PAGES*PAGE

        .text
main:
        ; First pass: array[i * PAGE] = i for i in 0..PAGES.
        la      r2, array
        li      r3, 0                   ; i
        li      r4, PAGES
write_loop:
        sw      r3, (r2)
        add     r2, r2, PAGE
        add     r3, r3, 1
        blt     r3, r4, write_loop

        ; Second pass: sum the same words in the same order.
        la      r2, array
        li      r3, 0
        li      r5, 0                   ; sum
read_loop:
        lw      r6, (r2)
        add     r5, r5, r6
        add     r2, r2, PAGE
        add     r3, r3, 1
        blt     r3, r4, read_loop

        mov     r1, r5
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, 0
        sys     exit
