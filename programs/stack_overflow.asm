; stack_overflow.asm: recursion without a base case, until the stack
; overflows.
;
; What it provokes: the stack-overflow fault. The stack grows on demand,
; one demand-zero (minor) page fault per new page, down to --stack-limit
; (1 MiB by default). Each call here takes FRAME bytes: the return address,
; the caller's frame pointer and a local buffer, so the 1 MiB fills after
; about 16384 calls. The next push lands in the unmapped gap kept between
; the stack and the heap, and the kernel kills the process:
;
;   process 1 (stack_overflow.asm) killed: stack overflow: store at 0xbfeffffc ...
;   the address is just below the stack, which reached its limit of 1048576 bytes ...
;
; The summary counts it in both `segfaults` and `stack_overflows`, and
; the fault trace event has the cause `stack overflow`. `pagelab run` exits
; with status 1, as for every killed guest. With the default 8 frames the
; older stack pages are written to swap as the stack grows. A smaller
; limit overflows sooner.
;
; Run it:
;   cargo run --release -- run programs/stack_overflow.asm
;   cargo run --release -- run programs/stack_overflow.asm --stack-limit 65536 --trace - --trace-filter fault

        .equ    LOCALS, 56              ; bytes of the local buffer
        .equ    FRAME, LOCALS+8         ; plus the return address and fp

        .text
main:
        li      r1, 0
        call    descend
        ; Not reached: descend never returns.
        li      r1, 0
        sys     exit

; descend(r1 = depth) stores its depth in its frame and calls itself with
; depth + 1.
descend:
        push    fp
        mov     fp, sp
        sub     sp, sp, LOCALS
        sw      r1, (sp)                ; touch the new frame
        add     r1, r1, 1
        call    descend
        mov     sp, fp
        pop     fp
        ret
