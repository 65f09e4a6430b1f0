; hello.asm: the smallest complete program. It prints a greeting and exits.
;
; What it provokes: the first page faults of every process. The first fetch
; faults in the text page (a major fault: read from the program image), and
; print_str reads the string through the MMU, faulting in the data page.
;
; Run it:
;   cargo run --release -- run programs/hello.asm
;   cargo run --release -- run programs/hello.asm --trace - --trace-filter fault

        .data
greeting:
        .asciz  "Hello from pagelab!\n"

        .text
main:
        la      r1, greeting
        sys     print_str
        li      r1, 0
        sys     exit
