; random_access.asm: pseudo-random reads and writes over an array larger
; than physical memory.
;
; What it provokes: a working set bigger than the frames, with no locality
; for the policy to exploit. A linear congruential generator
; (x = x * 1103515245 + 12345 mod 2^32, the constants of the C standard's
; example rand) picks a word among the 32 pages (128 KiB) of the array for
; each of ACCESSES read-modify-write steps. With the default 8 frames most
; steps fault, and dirty victims go to swap. Compare policies on the same
; reference string:
;
; Run it:
;   cargo run --release -- run programs/random_access.asm --refs-out random.refs
;   cargo run --release -- replay --policy fifo,lru,clock,random,opt --frames 8 --refs-file random.refs
;
; It prints a checksum of the final array, which depends only on the
; generator, so it is the same under every policy and frame count.

        .equ    PAGE, 4096
        .equ    PAGES, 32
        .equ    WORDS, PAGES*1024       ; 4-byte words in PAGES pages
        .equ    ACCESSES, 2000

        .bss
array:  .space  PAGES*PAGE

        .text
main:
        li      r2, 2026                ; x, the generator state
        li      r3, 0                   ; step
        li      r4, ACCESSES
        li      r7, 1103515245
step:
        ; x = x * 1103515245 + 12345; index = (x >> 8) mod WORDS
        mul     r2, r2, r7
        add     r2, r2, 12345
        shr     r5, r2, 8
        rem     r5, r5, WORDS
        shl     r5, r5, 2
        la      r6, array
        add     r6, r6, r5
        ; array[index] += step + 1
        lw      r8, (r6)
        add     r8, r8, r3
        add     r8, r8, 1
        sw      r8, (r6)
        add     r3, r3, 1
        blt     r3, r4, step

        ; Checksum: the sum of the words the steps wrote, read back by
        ; replaying the generator (so the check touches the same pages again).
        li      r2, 2026
        li      r3, 0
        li      r9, 0
check:
        mul     r2, r2, r7
        add     r2, r2, 12345
        shr     r5, r2, 8
        rem     r5, r5, WORDS
        shl     r5, r5, 2
        la      r6, array
        add     r6, r6, r5
        lw      r8, (r6)
        add     r9, r9, r8
        add     r3, r3, 1
        blt     r3, r4, check

        mov     r1, r9
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, 0
        sys     exit
