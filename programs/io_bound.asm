; io_bound.asm: copy standard input to standard output, byte by byte.
;
; What it provokes: a process that spends its time waiting for a device.
; Each `sys read` of one byte waits for the console, which delivers one
; byte every --console-latency ticks, so the thread is mostly in the
; waiting state and the CPU idles unless another process can run. Run it
; beside cpu_bound.asm to see the scheduler fill the gaps, and compare
; cpu_utilization with the run of either alone. It echoes what it reads,
; prints the byte count to standard error (fd 2) and exits 0; without
; --stdin the input is empty and it prints 0.
;
; Run it:
;   cargo run --release -- run programs/io_bound.asm --stdin README.md
;   cargo run --release -- run programs/io_bound.asm programs/cpu_bound.asm --stdin README.md --trace - --trace-filter io,state

        .bss
byte:   .space  4
digits: .space  16

        .text
main:
        li      r8, 0                   ; bytes copied
copy:
        li      r1, 0                   ; fd 0
        la      r2, byte
        li      r3, 1
        sys     read
        beq     r0, r12, done           ; 0 bytes: end of input
        li      r1, 1                   ; fd 1
        la      r2, byte
        li      r3, 1
        sys     write
        add     r8, r8, 1
        jmp     copy
done:
        ; Write the count in decimal to fd 2: digits are stored backwards.
        la      r2, digits
        add     r2, r2, 15
        li      r4, '\n'
        sb      r4, (r2)
        li      r3, 1                   ; length so far
        mov     r5, r8
        li      r6, 10
digit:
        rem     r7, r5, r6
        add     r7, r7, '0'
        sub     r2, r2, 1
        sb      r7, (r2)
        add     r3, r3, 1
        div     r5, r5, r6
        bne     r5, r12, digit
        li      r1, 2                   ; fd 2
        sys     write
        li      r1, 0
        sys     exit
