; mmap_file.asm: count the lines and bytes of a mounted file through mmap,
; like `wc -lc`.
;
; What it provokes: file-backed page faults. The program maps the mount
; `data` read-only and reads it byte by byte. The first touch of each page
; is a major fault that reads that page of the host file (a `file_in`
; trace event, counted in `file_page_ins`); the rest of the page hits.
; Bytes past the end of the file read as zero, so the count stops at the
; first 0 byte: the file's length for a text file, or MAP_LEN bytes at most.
; On failure it prints the error that mmap returned (docs/isa.md lists them).
;
; Run it:
;   cargo run --release -- run programs/mmap_file.asm --mount data=tests/fixtures/mmap_input.txt
;   cargo run --release -- run programs/mmap_file.asm --mount data=tests/fixtures/mmap_input.txt --trace - --trace-filter fault,file_in

        .equ    MAP_LEN, 65536          ; bytes mapped: 16 pages of 4 KiB

        .data
name:   .asciz  "data"
lines_label:
        .asciz  "lines "
bytes_label:
        .asciz  "\nbytes "
failed_label:
        .asciz  "mmap failed: "

        .text
main:
        la      r1, name
        li      r2, MAP_LEN
        li      r3, 0                   ; flags: read-only
        sys     mmap
        li      r9, 0
        blt     r0, r9, failed

        mov     r10, r0                 ; the mapping's address
        mov     r2, r0                  ; cursor
        add     r3, r0, MAP_LEN         ; end of the mapping
        li      r4, 0                   ; bytes
        li      r5, 0                   ; lines
        li      r6, '\n'
count_loop:
        bgeu    r2, r3, done
        lbu     r7, (r2)
        beq     r7, r9, done
        add     r4, r4, 1
        bne     r7, r6, next_byte
        add     r5, r5, 1
next_byte:
        add     r2, r2, 1
        jmp     count_loop

done:
        la      r1, lines_label
        sys     print_str
        mov     r1, r5
        sys     print_int
        la      r1, bytes_label
        sys     print_str
        mov     r1, r4
        sys     print_int
        li      r1, '\n'
        sys     print_char

        mov     r1, r10
        li      r2, MAP_LEN
        sys     munmap
        li      r1, 0
        sys     exit

failed:
        mov     r11, r0
        la      r1, failed_label
        sys     print_str
        mov     r1, r11
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, 1
        sys     exit
