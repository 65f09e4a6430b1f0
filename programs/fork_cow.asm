; fork_cow.asm: a parent and its child write different parts of shared data.
;
; What it provokes: copy-on-write after fork. Before forking, the program
; writes a marker into each of three pages, so all three are resident and
; shared with the child afterwards, read-only and copy-on-write. Then the
; parent writes pages 0 and 1 and the child writes pages 1 and 2. Each
; store to a shared page is a COW fault: the writer gets a private copy, or,
; when it is the last sharer, its mapping becomes writable again. So the run
; has 4 COW faults, one per page written by each process (cow_faults in the
; statistics, `cow` events in the trace). Each process then checks that it
; still sees the pre-fork marker in the page only the other one wrote.
;
; The child prints "child ok", the parent waits for it and prints "parent
; ok" and the child's exit status. The program touches no stack after the
; fork, so the stack causes no COW fault of its own.
;
; Assumes 4 KiB pages (the default) and at least 7 frames, so no shared page
; is evicted before it is written.
;
; Run it:
;   cargo run --release -- run programs/fork_cow.asm
;   cargo run --release -- run programs/fork_cow.asm --trace - --trace-filter cow,state

        .equ    PAGE, 4096
        .equ    MARK, 7

        .bss
pages:  .space  3*PAGE

        .data
child_ok:  .asciz "child ok\n"
parent_ok: .asciz "parent ok, child status "
failed:    .asciz "wrong value after fork\n"

        .text
main:
        ; Before the fork: pages[i] = MARK in each of the three pages.
        la      r2, pages
        li      r3, MARK
        sw      r3, (r2)
        sw      r3, PAGE(r2)
        sw      r3, 2*PAGE(r2)

        sys     fork
        beq     r0, r12, child          ; r12 is 0: fork returned 0 here
        blt     r0, r12, fail

parent:
        li      r3, 100
        sw      r3, (r2)                ; COW fault: page 0
        sw      r3, PAGE(r2)            ; COW fault: page 1
        lw      r4, 2*PAGE(r2)          ; page 2 is the child's to write
        li      r5, MARK
        bne     r4, r5, fail
        lw      r4, (r2)
        li      r5, 100
        bne     r4, r5, fail

        li      r1, -1
        sys     wait                    ; r0 = the child's exit status
        mov     r6, r0
        la      r1, parent_ok
        sys     print_str
        mov     r1, r6
        sys     print_int
        li      r1, '\n'
        sys     print_char
        mov     r1, r6
        sys     exit

child:
        li      r3, 200
        sw      r3, PAGE(r2)            ; COW fault: page 1
        sw      r3, 2*PAGE(r2)          ; COW fault: page 2
        lw      r4, (r2)                ; page 0 still holds the marker
        li      r5, MARK
        bne     r4, r5, fail
        lw      r4, PAGE(r2)
        li      r5, 200
        bne     r4, r5, fail
        la      r1, child_ok
        sys     print_str
        li      r1, 0
        sys     exit

fail:
        la      r1, failed
        sys     print_str
        li      r1, 1
        sys     exit
