; stack_recursion.asm: a recursive sum, deep enough to grow the stack over
; several pages.
;
; What it provokes: stack growth. Each call pushes the return address, the
; caller's frame pointer and the argument (12 bytes), so a depth of DEPTH
; calls touches DEPTH*12 bytes, about 9 pages of 4 KiB. Every new stack page
; is a demand-zero (minor) fault. With the default 8 frames the deepest
; frames push the oldest dirty stack pages out to swap, and the returns
; read them back in (major faults).
;
; It prints sum(1..DEPTH) = DEPTH*(DEPTH+1)/2 = 4501500.
;
; Run it:
;   cargo run --release -- run programs/stack_recursion.asm
;   cargo run --release -- run programs/stack_recursion.asm --frames 16

        .equ    DEPTH, 3000

        .text
main:
        li      r1, DEPTH
        call    sum
        mov     r1, r0
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, 0
        sys     exit

; sum(r1 = n) returns n + sum(n - 1) in r0, with sum(0) = 0.
sum:
        push    fp
        mov     fp, sp
        push    r1
        li      r2, 0
        bne     r1, r2, recurse
        li      r0, 0
        jmp     sum_return
recurse:
        sub     r1, r1, 1
        call    sum
        lw      r1, -4(fp)              ; reload n, saved at the top of this frame
        add     r0, r0, r1
sum_return:
        mov     sp, fp
        pop     fp
        ret
