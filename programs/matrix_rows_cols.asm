; matrix_rows_cols.asm: add 1 to every element of a matrix, row by row
; and then column by column.
;
; What it provokes: TLB misses and page faults that depend only on the
; order of a loop. The matrix has ROWS rows of one 4 KiB page each
; (COLS = 1024 words), so it spans 32 pages: twice the reach of the default
; 16-entry TLB and four times the default 8 frames. The row-major pass
; walks each page from start to end, so it takes one TLB miss and at most
; one page fault per page. The column-major pass touches a different page
; at every element and cycles through all 32, so nearly every element
; misses in the TLB and, with 8 frames, faults too. docs/tlb.md lists the
; numbers.
;
; The first byte of standard input picks the passes: `r` runs only the
; row-major pass, `c` only the column-major pass, and anything else (or no
; input) runs both, rows first. It prints the sum of the values it wrote:
; 32768 for one pass, 98304 for both.
;
; Assumes 4 KiB pages (the default).
;
; Run it:
;   cargo run --release -- run programs/matrix_rows_cols.asm --tlb-cost 1 --mem-cost 10 --disk-cost 1000
;   printf r > rows.txt; cargo run --release -- run programs/matrix_rows_cols.asm --stdin rows.txt
;   printf c > cols.txt; cargo run --release -- run programs/matrix_rows_cols.asm --stdin cols.txt
;   cargo run --release -- run programs/matrix_rows_cols.asm --stdin cols.txt --frames 40

        .equ    ROWS, 32
        .equ    COLS, 1024              ; 4-byte words per row
        .equ    PAGE, COLS*4            ; one row per page

        .bss
matrix: .space  ROWS*PAGE               ; first in bss, so each row is one page
mode:   .space  4

        .text
main:
        li      r1, 0                   ; fd 0
        la      r2, mode
        li      r3, 1
        sys     read                    ; no input leaves mode at 0
        lbu     r7, mode
        li      r9, 0                   ; sum of the values written
        li      r8, 'c'
        beq     r7, r8, only_columns
        call    rows
        li      r8, 'r'
        beq     r7, r8, done
only_columns:
        call    columns
done:
        mov     r1, r9
        sys     print_int
        li      r1, '\n'
        sys     print_char
        li      r1, 0
        sys     exit

; rows: matrix[i][j] += 1 for i in 0..ROWS, then j in 0..COLS: consecutive
; addresses. Adds each new value to r9.
rows:
        la      r2, matrix
        li      r3, matrix+ROWS*PAGE    ; one past the last element
row_step:
        lw      r6, (r2)
        add     r6, r6, 1
        sw      r6, (r2)
        add     r9, r9, r6
        add     r2, r2, 4
        bltu    r2, r3, row_step
        ret

; columns: matrix[i][j] += 1 for j in 0..COLS, then i in 0..ROWS: each
; step moves one row (one page) down. Adds each new value to r9.
columns:
        la      r4, matrix              ; top of column j
        li      r5, matrix+PAGE         ; one past the top of the last column
column:
        mov     r2, r4
        add     r3, r4, ROWS*PAGE       ; one past the bottom of column j
column_step:
        lw      r6, (r2)
        add     r6, r6, 1
        sw      r6, (r2)
        add     r9, r9, r6
        add     r2, r2, PAGE
        bltu    r2, r3, column_step
        add     r4, r4, 4
        bltu    r4, r5, column
        ret
