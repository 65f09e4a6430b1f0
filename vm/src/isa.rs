//! The instruction set: registers, the typed [`Instruction`] enum and its fixed
//! 8-byte encoding.
//!
//! This module is the single definition of the ISA. The assembler, the
//! disassembler ([`Instruction`]'s `Display`) and the interpreter all build on
//! the tables and functions here, so they cannot drift apart. It does not
//! execute anything: semantics live in `hw::cpu`.
//!
//! # Encoding
//!
//! Every instruction is [`INSTRUCTION_BYTES`] bytes, little-endian:
//!
//! | byte | 0      | 1       | 2       | 3       | 4..8               |
//! |------|--------|---------|---------|---------|--------------------|
//! | use  | opcode | field a | field b | field c | `imm` (i32/u32 LE) |
//!
//! Which fields an opcode uses is fixed per instruction form (see
//! [`Instruction::encode`]); unused fields must be zero, so every byte string
//! decodes to at most one instruction and `encode(decode(b)) == b`.

use std::fmt;

/// Size of one encoded instruction in bytes. Instruction addresses are multiples of it.
pub const INSTRUCTION_BYTES: u32 = 8;

/// Number of general-purpose registers.
pub const REGISTER_COUNT: usize = 16;

/// A general-purpose register `r0`..`r15`. Invariant: the index is below [`REGISTER_COUNT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(u8);

impl Reg {
    /// The stack pointer, `r15`.
    pub const SP: Reg = Reg(15);
    /// The frame pointer, `r14`.
    pub const FP: Reg = Reg(14);

    /// Returns the register with this index, or `None` when `index >= 16`.
    pub const fn new(index: u8) -> Option<Reg> {
        if (index as usize) < REGISTER_COUNT {
            Some(Reg(index))
        } else {
            None
        }
    }

    /// Returns the register index, 0..16.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// Parses `r0`..`r15`, `sp` or `fp` (lowercase, as the assembler lexes them).
    pub fn parse(name: &str) -> Option<Reg> {
        match name {
            "sp" => Some(Reg::SP),
            "fp" => Some(Reg::FP),
            _ => {
                let digits = name.strip_prefix('r')?;
                if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                    return None;
                }
                Reg::new(digits.parse().ok()?)
            }
        }
    }
}

impl fmt::Display for Reg {
    /// Prints `sp` and `fp` by alias and the others as `rN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reg::SP => f.write_str("sp"),
            Reg::FP => f.write_str("fp"),
            Reg(n) => write!(f, "r{n}"),
        }
    }
}

/// Declares a field-less enum together with its mnemonic table, so the name
/// of each operation is written exactly once.
macro_rules! mnemonic_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every value, in encoding order (the position is the sub-opcode).
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// Returns the assembler mnemonic.
            pub const fn mnemonic(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Looks a mnemonic up; `None` when it names no value of this enum.
            pub fn from_mnemonic(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// Returns the position in [`Self::ALL`], used as the sub-opcode.
            const fn code(self) -> u8 {
                self as u8
            }

            fn from_code(code: u8) -> Option<$name> {
                Self::ALL.get(code as usize).copied()
            }
        }
    };
}

mnemonic_enum! {
    /// A two-operand arithmetic or logic operation. All arithmetic wraps at 32 bits.
    AluOp {
        /// `a + b`
        Add = "add",
        /// `a - b`
        Sub = "sub",
        /// `a * b` (low 32 bits)
        Mul = "mul",
        /// Signed `a / b`, rounding toward zero; `b == 0` is a divide-by-zero
        /// fault and `i32::MIN / -1` wraps to `i32::MIN`.
        Div = "div",
        /// Signed remainder with the sign of `a`; `b == 0` is a divide-by-zero
        /// fault and `i32::MIN % -1` is 0.
        Rem = "rem",
        /// Bitwise and.
        And = "and",
        /// Bitwise or.
        Or = "or",
        /// Bitwise exclusive or.
        Xor = "xor",
        /// Shift left by `b & 31`.
        Shl = "shl",
        /// Logical shift right by `b & 31`.
        Shr = "shr",
        /// Arithmetic shift right by `b & 31`.
        Sar = "sar",
    }
}

mnemonic_enum! {
    /// Width and extension of a load.
    LoadWidth {
        /// 32-bit word.
        Word = "lw",
        /// 16-bit half-word, sign-extended.
        Half = "lh",
        /// 16-bit half-word, zero-extended.
        HalfUnsigned = "lhu",
        /// Byte, sign-extended.
        Byte = "lb",
        /// Byte, zero-extended.
        ByteUnsigned = "lbu",
    }
}

mnemonic_enum! {
    /// Width of a store; the low bytes of the source register are written.
    StoreWidth {
        /// 32-bit word.
        Word = "sw",
        /// 16-bit half-word.
        Half = "sh",
        /// Byte.
        Byte = "sb",
    }
}

mnemonic_enum! {
    /// Comparison of a conditional branch.
    BranchCond {
        /// Equal.
        Eq = "beq",
        /// Not equal.
        Ne = "bne",
        /// Signed less than.
        Lt = "blt",
        /// Signed greater or equal.
        Ge = "bge",
        /// Unsigned less than.
        Ltu = "bltu",
        /// Unsigned greater or equal.
        Geu = "bgeu",
    }
}

impl LoadWidth {
    /// Returns the access size in bytes (1, 2 or 4).
    pub const fn bytes(self) -> u32 {
        match self {
            LoadWidth::Word => 4,
            LoadWidth::Half | LoadWidth::HalfUnsigned => 2,
            LoadWidth::Byte | LoadWidth::ByteUnsigned => 1,
        }
    }
}

impl StoreWidth {
    /// Returns the access size in bytes (1, 2 or 4).
    pub const fn bytes(self) -> u32 {
        match self {
            StoreWidth::Word => 4,
            StoreWidth::Half => 2,
            StoreWidth::Byte => 1,
        }
    }
}

impl AluOp {
    /// Applies the operation. Returns `None` for a division or remainder by zero,
    /// which the CPU raises as a divide-by-zero fault.
    pub fn apply(self, a: u32, b: u32) -> Option<u32> {
        let value = match self {
            AluOp::Add => a.wrapping_add(b),
            AluOp::Sub => a.wrapping_sub(b),
            AluOp::Mul => a.wrapping_mul(b),
            AluOp::Div => {
                if b == 0 {
                    return None;
                }
                (a as i32).wrapping_div(b as i32) as u32
            }
            AluOp::Rem => {
                if b == 0 {
                    return None;
                }
                (a as i32).wrapping_rem(b as i32) as u32
            }
            AluOp::And => a & b,
            AluOp::Or => a | b,
            AluOp::Xor => a ^ b,
            AluOp::Shl => a.wrapping_shl(b & 31),
            AluOp::Shr => a.wrapping_shr(b & 31),
            AluOp::Sar => ((a as i32).wrapping_shr(b & 31)) as u32,
        };
        Some(value)
    }
}

impl BranchCond {
    /// Returns whether the branch is taken for operands `a` and `b`.
    pub fn holds(self, a: u32, b: u32) -> bool {
        match self {
            BranchCond::Eq => a == b,
            BranchCond::Ne => a != b,
            BranchCond::Lt => (a as i32) < (b as i32),
            BranchCond::Ge => (a as i32) >= (b as i32),
            BranchCond::Ltu => a < b,
            BranchCond::Geu => a >= b,
        }
    }
}

/// The address operand of a load or store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemAddr {
    /// `offset(base)`: the base register plus a signed offset, wrapping at 32 bits.
    Based { base: Reg, offset: i32 },
    /// A fixed virtual address, as in `lw r1, counter`.
    Absolute(u32),
}

/// One decoded instruction. `Display` prints it in assembler syntax with
/// numeric addresses; the disassembler substitutes labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Instruction {
    /// Does nothing. (Opcode 0 is no instruction, so zero-filled memory
    /// raises an illegal-instruction fault instead of running.)
    Nop,
    /// Ends the process with exit status 0.
    Halt,
    /// `rd = imm`. Also the encoding of `la rd, label`.
    Li { rd: Reg, imm: i32 },
    /// `rd = rs`.
    Mov { rd: Reg, rs: Reg },
    /// `rd = rs1 op rs2`. May raise a divide-by-zero fault.
    Alu {
        op: AluOp,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
    },
    /// `rd = rs1 op imm`. May raise a divide-by-zero fault.
    AluImm {
        op: AluOp,
        rd: Reg,
        rs1: Reg,
        imm: i32,
    },
    /// `rd = memory[addr]`, extended per `width`. The address must be aligned to
    /// the access size; may raise a page fault, a segmentation fault or a
    /// misaligned-access fault.
    Load {
        width: LoadWidth,
        rd: Reg,
        addr: MemAddr,
    },
    /// `memory[addr] = rs` (its low `width` bytes). Faults as for loads, and a
    /// store to a read-only page is a protection fault.
    Store {
        width: StoreWidth,
        rs: Reg,
        addr: MemAddr,
    },
    /// `if rs1 cond rs2 { pc = target }`.
    Branch {
        cond: BranchCond,
        rs1: Reg,
        rs2: Reg,
        target: u32,
    },
    /// `pc = target`.
    Jmp { target: u32 },
    /// Pushes the address of the next instruction, then `pc = target`.
    Call { target: u32 },
    /// Pops the return address into `pc`.
    Ret,
    /// `sp -= 4; memory[sp] = rs` (32-bit).
    Push { rs: Reg },
    /// `rd = memory[sp]; sp += 4` (32-bit).
    Pop { rd: Reg },
    /// System call `number`; arguments in r1..r3, result in r0.
    Sys { number: u32 },
    /// Atomic exchange: `old = memory[addr]; memory[addr] = rd; rd = old`
    /// (32-bit). No other thread runs between the load and the store, so
    /// spinlocks can be built on it. Faults as for a word load, then as for
    /// a word store; `rd` changes only when both complete.
    Xchg { rd: Reg, addr: MemAddr },
}

/// System calls as `(number, name)`. Arguments are in r1..r3 and the result in r0.
///
/// | name | arguments | result |
/// |------|-----------|--------|
/// | `exit` | r1 = exit status | does not return |
/// | `print_int` | r1 = value, printed as signed decimal | 0 |
/// | `print_char` | r1 = byte to print (low 8 bits) | 0 |
/// | `print_str` | r1 = address of a NUL-terminated string | 0 |
/// | `sbrk` | r1 = signed heap increment in bytes | previous break, or -1 |
/// | `fork` | none | child's pid in the parent, 0 in the child, -1 on failure |
/// | `wait` | r1 = child pid, or -1 for any child | the child's exit status (r1 = its pid), or -1 without such a child |
/// | `getpid` | none | the process id |
/// | `getppid` | none | the parent's pid, or 0 without a parent |
/// | `yield` | none | 0 |
/// | `sleep` | r1 = ticks | 0 |
/// | `spawn` | r1 = entry address, r2 = argument (the new thread's r1) | thread id, or -1 |
/// | `join` | r1 = thread id | the thread's exit value, or -1 |
/// | `thread_exit` | r1 = exit value | does not return |
/// | `lock` | r1 = mutex address | 0, or -1 when the thread holds it already |
/// | `unlock` | r1 = mutex address | 0; a thread that does not hold it is killed |
/// | `read` | r1 = fd (0), r2 = buffer, r3 = length | bytes read (0 at end of input), or -1 |
/// | `write` | r1 = fd (1 or 2), r2 = buffer, r3 = length | bytes written, or -1 |
/// | `read_nb` | as `read` | as `read`, or -2 at once when no input has arrived |
/// | `setpriority` | r1 = new priority | the previous priority, or -1 |
/// | `mmap` | r1 = mount name address or 0, r2 = length, r3 = flags | the mapping's address, or a negative error |
/// | `munmap` | r1 = address, r2 = length | pages unmapped, or -3 |
/// | `mprotect` | r1 = address, r2 = length, r3 = flags | 0, or a negative error |
pub const SYSCALLS: &[(u32, &str)] = &[
    (1, "exit"),
    (2, "print_int"),
    (3, "print_char"),
    (4, "print_str"),
    (5, "sbrk"),
    (6, "fork"),
    (7, "wait"),
    (8, "getpid"),
    (9, "getppid"),
    (10, "yield"),
    (11, "sleep"),
    (12, "spawn"),
    (13, "join"),
    (14, "thread_exit"),
    (15, "lock"),
    (16, "unlock"),
    (17, "read"),
    (18, "write"),
    (19, "read_nb"),
    (20, "setpriority"),
    (21, "mmap"),
    (22, "munmap"),
    (23, "mprotect"),
];

/// Number of the `exit` system call.
pub const SYS_EXIT: u32 = 1;
/// Number of the `print_int` system call.
pub const SYS_PRINT_INT: u32 = 2;
/// Number of the `print_char` system call.
pub const SYS_PRINT_CHAR: u32 = 3;
/// Number of the `print_str` system call.
pub const SYS_PRINT_STR: u32 = 4;
/// Number of the `sbrk` system call.
pub const SYS_SBRK: u32 = 5;
/// Number of the `fork` system call.
pub const SYS_FORK: u32 = 6;
/// Number of the `wait` system call.
pub const SYS_WAIT: u32 = 7;
/// Number of the `getpid` system call.
pub const SYS_GETPID: u32 = 8;
/// Number of the `getppid` system call.
pub const SYS_GETPPID: u32 = 9;
/// Number of the `yield` system call.
pub const SYS_YIELD: u32 = 10;
/// Number of the `sleep` system call.
pub const SYS_SLEEP: u32 = 11;
/// Number of the `spawn` system call.
pub const SYS_SPAWN: u32 = 12;
/// Number of the `join` system call.
pub const SYS_JOIN: u32 = 13;
/// Number of the `thread_exit` system call.
pub const SYS_THREAD_EXIT: u32 = 14;
/// Number of the `lock` system call.
pub const SYS_LOCK: u32 = 15;
/// Number of the `unlock` system call.
pub const SYS_UNLOCK: u32 = 16;
/// Number of the `read` system call.
pub const SYS_READ: u32 = 17;
/// Number of the `write` system call.
pub const SYS_WRITE: u32 = 18;
/// Number of the `read_nb` (non-blocking read) system call.
pub const SYS_READ_NB: u32 = 19;
/// Number of the `setpriority` system call.
pub const SYS_SETPRIORITY: u32 = 20;
/// Number of the `mmap` system call.
pub const SYS_MMAP: u32 = 21;
/// Number of the `munmap` system call.
pub const SYS_MUNMAP: u32 = 22;
/// Number of the `mprotect` system call.
pub const SYS_MPROTECT: u32 = 23;

/// Returns the number of the system call called `name`.
pub fn syscall_number(name: &str) -> Option<u32> {
    SYSCALLS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(number, _)| *number)
}

/// Returns the name of system call `number`, if it has one.
pub fn syscall_name(number: u32) -> Option<&'static str> {
    SYSCALLS
        .iter()
        .find(|(n, _)| *n == number)
        .map(|(_, name)| *name)
}

/// Opcode bytes. Each family takes a base plus its sub-opcode
/// (the position of the operation in its `ALL` table).
pub mod opcode {
    /// Halt.
    pub const HALT: u8 = 0x01;
    /// Nop.
    pub const NOP: u8 = 0x02;
    /// Load immediate.
    pub const LI: u8 = 0x03;
    /// Register move.
    pub const MOV: u8 = 0x04;
    /// ALU, register-register; plus the `AluOp` code.
    pub const ALU: u8 = 0x10;
    /// ALU, register-immediate; plus the `AluOp` code.
    pub const ALU_IMM: u8 = 0x20;
    /// Load from `offset(base)`; plus the `LoadWidth` code.
    pub const LOAD: u8 = 0x30;
    /// Load from an absolute address; plus the `LoadWidth` code.
    pub const LOAD_ABS: u8 = 0x38;
    /// Store to `offset(base)`; plus the `StoreWidth` code.
    pub const STORE: u8 = 0x40;
    /// Store to an absolute address; plus the `StoreWidth` code.
    pub const STORE_ABS: u8 = 0x48;
    /// Conditional branch; plus the `BranchCond` code.
    pub const BRANCH: u8 = 0x50;
    /// Unconditional jump.
    pub const JMP: u8 = 0x60;
    /// Call.
    pub const CALL: u8 = 0x61;
    /// Return.
    pub const RET: u8 = 0x62;
    /// Push.
    pub const PUSH: u8 = 0x63;
    /// Pop.
    pub const POP: u8 = 0x64;
    /// System call.
    pub const SYS: u8 = 0x70;
    /// Atomic exchange with `offset(base)`.
    pub const XCHG: u8 = 0x65;
    /// Atomic exchange with an absolute address.
    pub const XCHG_ABS: u8 = 0x66;
}

/// The reason a byte string is not a valid instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The opcode byte names no instruction.
    UnknownOpcode(u8),
    /// A register field is 16 or more.
    BadRegister { opcode: u8, field: u8 },
    /// A field the opcode does not use is not zero.
    NonZeroUnusedField { opcode: u8 },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnknownOpcode(op) => write!(f, "unknown opcode 0x{op:02x}"),
            DecodeError::BadRegister { opcode, field } => {
                write!(
                    f,
                    "opcode 0x{opcode:02x} names register {field}, but registers are r0..r15"
                )
            }
            DecodeError::NonZeroUnusedField { opcode } => {
                write!(f, "opcode 0x{opcode:02x} has a non-zero unused field")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

impl Instruction {
    /// Encodes the instruction into its 8 bytes.
    pub fn encode(&self) -> [u8; INSTRUCTION_BYTES as usize] {
        let r = |reg: Reg| reg.0;
        let (opcode, a, b, c, imm): (u8, u8, u8, u8, u32) = match *self {
            Instruction::Halt => (opcode::HALT, 0, 0, 0, 0),
            Instruction::Nop => (opcode::NOP, 0, 0, 0, 0),
            Instruction::Li { rd, imm } => (opcode::LI, r(rd), 0, 0, imm as u32),
            Instruction::Mov { rd, rs } => (opcode::MOV, r(rd), r(rs), 0, 0),
            Instruction::Alu { op, rd, rs1, rs2 } => {
                (opcode::ALU + op.code(), r(rd), r(rs1), r(rs2), 0)
            }
            Instruction::AluImm { op, rd, rs1, imm } => {
                (opcode::ALU_IMM + op.code(), r(rd), r(rs1), 0, imm as u32)
            }
            Instruction::Load { width, rd, addr } => match addr {
                MemAddr::Based { base, offset } => (
                    opcode::LOAD + width.code(),
                    r(rd),
                    r(base),
                    0,
                    offset as u32,
                ),
                MemAddr::Absolute(va) => (opcode::LOAD_ABS + width.code(), r(rd), 0, 0, va),
            },
            Instruction::Store { width, rs, addr } => match addr {
                MemAddr::Based { base, offset } => (
                    opcode::STORE + width.code(),
                    r(rs),
                    r(base),
                    0,
                    offset as u32,
                ),
                MemAddr::Absolute(va) => (opcode::STORE_ABS + width.code(), r(rs), 0, 0, va),
            },
            Instruction::Branch {
                cond,
                rs1,
                rs2,
                target,
            } => (opcode::BRANCH + cond.code(), r(rs1), r(rs2), 0, target),
            Instruction::Jmp { target } => (opcode::JMP, 0, 0, 0, target),
            Instruction::Call { target } => (opcode::CALL, 0, 0, 0, target),
            Instruction::Ret => (opcode::RET, 0, 0, 0, 0),
            Instruction::Push { rs } => (opcode::PUSH, r(rs), 0, 0, 0),
            Instruction::Pop { rd } => (opcode::POP, r(rd), 0, 0, 0),
            Instruction::Sys { number } => (opcode::SYS, 0, 0, 0, number),
            Instruction::Xchg { rd, addr } => match addr {
                MemAddr::Based { base, offset } => (opcode::XCHG, r(rd), r(base), 0, offset as u32),
                MemAddr::Absolute(va) => (opcode::XCHG_ABS, r(rd), 0, 0, va),
            },
        };
        let imm = imm.to_le_bytes();
        [opcode, a, b, c, imm[0], imm[1], imm[2], imm[3]]
    }

    /// Decodes 8 bytes.
    ///
    /// # Errors
    ///
    /// Returns a [`DecodeError`] for an unknown opcode, a register field of 16
    /// or more, or a non-zero field the opcode does not use.
    #[inline]
    pub fn decode(bytes: [u8; INSTRUCTION_BYTES as usize]) -> Result<Instruction, DecodeError> {
        let [opcode, a, b, c, i0, i1, i2, i3] = bytes;
        let imm = u32::from_le_bytes([i0, i1, i2, i3]);
        let reg = |field: u8| Reg::new(field).ok_or(DecodeError::BadRegister { opcode, field });
        let unused = |fields: &[u8]| {
            if fields.iter().all(|&f| f == 0) {
                Ok(())
            } else {
                Err(DecodeError::NonZeroUnusedField { opcode })
            }
        };

        let instruction = match opcode {
            opcode::HALT => {
                unused(&[a, b, c, i0, i1, i2, i3])?;
                Instruction::Halt
            }
            opcode::NOP => {
                unused(&[a, b, c, i0, i1, i2, i3])?;
                Instruction::Nop
            }
            opcode::LI => {
                unused(&[b, c])?;
                Instruction::Li {
                    rd: reg(a)?,
                    imm: imm as i32,
                }
            }
            opcode::MOV => {
                unused(&[c, i0, i1, i2, i3])?;
                Instruction::Mov {
                    rd: reg(a)?,
                    rs: reg(b)?,
                }
            }
            op if family(op, opcode::ALU, AluOp::ALL.len()) => {
                unused(&[i0, i1, i2, i3])?;
                let op = AluOp::from_code(op - opcode::ALU).expect("family checked the range");
                Instruction::Alu {
                    op,
                    rd: reg(a)?,
                    rs1: reg(b)?,
                    rs2: reg(c)?,
                }
            }
            op if family(op, opcode::ALU_IMM, AluOp::ALL.len()) => {
                unused(&[c])?;
                let op = AluOp::from_code(op - opcode::ALU_IMM).expect("family checked the range");
                Instruction::AluImm {
                    op,
                    rd: reg(a)?,
                    rs1: reg(b)?,
                    imm: imm as i32,
                }
            }
            op if family(op, opcode::LOAD, LoadWidth::ALL.len()) => {
                unused(&[c])?;
                let width =
                    LoadWidth::from_code(op - opcode::LOAD).expect("family checked the range");
                let addr = MemAddr::Based {
                    base: reg(b)?,
                    offset: imm as i32,
                };
                Instruction::Load {
                    width,
                    rd: reg(a)?,
                    addr,
                }
            }
            op if family(op, opcode::LOAD_ABS, LoadWidth::ALL.len()) => {
                unused(&[b, c])?;
                let width =
                    LoadWidth::from_code(op - opcode::LOAD_ABS).expect("family checked the range");
                Instruction::Load {
                    width,
                    rd: reg(a)?,
                    addr: MemAddr::Absolute(imm),
                }
            }
            op if family(op, opcode::STORE, StoreWidth::ALL.len()) => {
                unused(&[c])?;
                let width =
                    StoreWidth::from_code(op - opcode::STORE).expect("family checked the range");
                let addr = MemAddr::Based {
                    base: reg(b)?,
                    offset: imm as i32,
                };
                Instruction::Store {
                    width,
                    rs: reg(a)?,
                    addr,
                }
            }
            op if family(op, opcode::STORE_ABS, StoreWidth::ALL.len()) => {
                unused(&[b, c])?;
                let width = StoreWidth::from_code(op - opcode::STORE_ABS)
                    .expect("family checked the range");
                Instruction::Store {
                    width,
                    rs: reg(a)?,
                    addr: MemAddr::Absolute(imm),
                }
            }
            op if family(op, opcode::BRANCH, BranchCond::ALL.len()) => {
                unused(&[c])?;
                let cond =
                    BranchCond::from_code(op - opcode::BRANCH).expect("family checked the range");
                Instruction::Branch {
                    cond,
                    rs1: reg(a)?,
                    rs2: reg(b)?,
                    target: imm,
                }
            }
            opcode::XCHG => {
                unused(&[c])?;
                Instruction::Xchg {
                    rd: reg(a)?,
                    addr: MemAddr::Based {
                        base: reg(b)?,
                        offset: imm as i32,
                    },
                }
            }
            opcode::XCHG_ABS => {
                unused(&[b, c])?;
                Instruction::Xchg {
                    rd: reg(a)?,
                    addr: MemAddr::Absolute(imm),
                }
            }
            opcode::JMP => {
                unused(&[a, b, c])?;
                Instruction::Jmp { target: imm }
            }
            opcode::CALL => {
                unused(&[a, b, c])?;
                Instruction::Call { target: imm }
            }
            opcode::RET => {
                unused(&[a, b, c, i0, i1, i2, i3])?;
                Instruction::Ret
            }
            opcode::PUSH => {
                unused(&[b, c, i0, i1, i2, i3])?;
                Instruction::Push { rs: reg(a)? }
            }
            opcode::POP => {
                unused(&[b, c, i0, i1, i2, i3])?;
                Instruction::Pop { rd: reg(a)? }
            }
            opcode::SYS => {
                unused(&[a, b, c])?;
                Instruction::Sys { number: imm }
            }
            other => return Err(DecodeError::UnknownOpcode(other)),
        };
        Ok(instruction)
    }

    /// Returns the branch, jump or call target, if the instruction has one.
    pub fn target(&self) -> Option<u32> {
        match *self {
            Instruction::Branch { target, .. }
            | Instruction::Jmp { target }
            | Instruction::Call { target } => Some(target),
            _ => None,
        }
    }
}

/// Returns whether `op` lies in the family starting at `base` with `len` members.
#[inline]
fn family(op: u8, base: u8, len: usize) -> bool {
    op >= base && ((op - base) as usize) < len
}

impl fmt::Display for MemAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MemAddr::Based { base, offset } => write!(f, "{offset}({base})"),
            MemAddr::Absolute(va) => write!(f, "0x{va:08x}"),
        }
    }
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Instruction::Halt => f.write_str("halt"),
            Instruction::Nop => f.write_str("nop"),
            Instruction::Li { rd, imm } => write!(f, "li {rd}, {imm}"),
            Instruction::Mov { rd, rs } => write!(f, "mov {rd}, {rs}"),
            Instruction::Alu { op, rd, rs1, rs2 } => {
                write!(f, "{} {rd}, {rs1}, {rs2}", op.mnemonic())
            }
            Instruction::AluImm { op, rd, rs1, imm } => {
                write!(f, "{} {rd}, {rs1}, {imm}", op.mnemonic())
            }
            Instruction::Load { width, rd, addr } => write!(f, "{} {rd}, {addr}", width.mnemonic()),
            Instruction::Store { width, rs, addr } => {
                write!(f, "{} {rs}, {addr}", width.mnemonic())
            }
            Instruction::Branch {
                cond,
                rs1,
                rs2,
                target,
            } => {
                write!(f, "{} {rs1}, {rs2}, 0x{target:08x}", cond.mnemonic())
            }
            Instruction::Jmp { target } => write!(f, "jmp 0x{target:08x}"),
            Instruction::Call { target } => write!(f, "call 0x{target:08x}"),
            Instruction::Ret => f.write_str("ret"),
            Instruction::Push { rs } => write!(f, "push {rs}"),
            Instruction::Pop { rd } => write!(f, "pop {rd}"),
            Instruction::Sys { number } => match syscall_name(number) {
                Some(name) => write!(f, "sys {name}"),
                None => write!(f, "sys {number}"),
            },
            Instruction::Xchg { rd, addr } => write!(f, "xchg {rd}, {addr}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_reg() -> impl Strategy<Value = Reg> {
        (0u8..16).prop_map(|i| Reg::new(i).unwrap())
    }

    fn any_addr() -> impl Strategy<Value = MemAddr> {
        prop_oneof![
            (any_reg(), any::<i32>()).prop_map(|(base, offset)| MemAddr::Based { base, offset }),
            any::<u32>().prop_map(MemAddr::Absolute),
        ]
    }

    fn any_instruction() -> impl Strategy<Value = Instruction> {
        let alu = proptest::sample::select(AluOp::ALL.to_vec());
        let load = proptest::sample::select(LoadWidth::ALL.to_vec());
        let store = proptest::sample::select(StoreWidth::ALL.to_vec());
        let cond = proptest::sample::select(BranchCond::ALL.to_vec());
        prop_oneof![
            Just(Instruction::Halt),
            Just(Instruction::Nop),
            Just(Instruction::Ret),
            (any_reg(), any::<i32>()).prop_map(|(rd, imm)| Instruction::Li { rd, imm }),
            (any_reg(), any_reg()).prop_map(|(rd, rs)| Instruction::Mov { rd, rs }),
            (alu.clone(), any_reg(), any_reg(), any_reg())
                .prop_map(|(op, rd, rs1, rs2)| Instruction::Alu { op, rd, rs1, rs2 }),
            (alu, any_reg(), any_reg(), any::<i32>())
                .prop_map(|(op, rd, rs1, imm)| Instruction::AluImm { op, rd, rs1, imm }),
            (load, any_reg(), any_addr()).prop_map(|(width, rd, addr)| Instruction::Load {
                width,
                rd,
                addr
            }),
            (store, any_reg(), any_addr()).prop_map(|(width, rs, addr)| Instruction::Store {
                width,
                rs,
                addr
            }),
            (cond, any_reg(), any_reg(), any::<u32>()).prop_map(|(cond, rs1, rs2, target)| {
                Instruction::Branch {
                    cond,
                    rs1,
                    rs2,
                    target,
                }
            }),
            any::<u32>().prop_map(|target| Instruction::Jmp { target }),
            any::<u32>().prop_map(|target| Instruction::Call { target }),
            any_reg().prop_map(|rs| Instruction::Push { rs }),
            any_reg().prop_map(|rd| Instruction::Pop { rd }),
            any::<u32>().prop_map(|number| Instruction::Sys { number }),
            (any_reg(), any_addr()).prop_map(|(rd, addr)| Instruction::Xchg { rd, addr }),
        ]
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(instruction in any_instruction()) {
            prop_assert_eq!(Instruction::decode(instruction.encode()), Ok(instruction));
        }

        #[test]
        fn encode_inverts_successful_decode(bytes in any::<[u8; 8]>()) {
            if let Ok(instruction) = Instruction::decode(bytes) {
                prop_assert_eq!(instruction.encode(), bytes);
            }
        }
    }

    #[test]
    fn zero_bytes_are_illegal() {
        assert_eq!(
            Instruction::decode([0; 8]),
            Err(DecodeError::UnknownOpcode(0))
        );
    }

    #[test]
    fn register_names_parse() {
        assert_eq!(Reg::parse("r0"), Reg::new(0));
        assert_eq!(Reg::parse("r15"), Some(Reg::SP));
        assert_eq!(Reg::parse("sp"), Some(Reg::SP));
        assert_eq!(Reg::parse("fp"), Some(Reg::FP));
        assert_eq!(Reg::parse("r16"), None);
        assert_eq!(Reg::parse("r01"), None);
        assert_eq!(Reg::parse("r"), None);
    }

    #[test]
    fn division_by_zero_is_reported() {
        assert_eq!(AluOp::Div.apply(7, 0), None);
        assert_eq!(AluOp::Rem.apply(7, 0), None);
        assert_eq!(
            AluOp::Div.apply(i32::MIN as u32, -1i32 as u32),
            Some(i32::MIN as u32)
        );
        assert_eq!(AluOp::Rem.apply(i32::MIN as u32, -1i32 as u32), Some(0));
        assert_eq!(AluOp::Div.apply(-7i32 as u32, 2), Some(-3i32 as u32));
        assert_eq!(AluOp::Rem.apply(-7i32 as u32, 2), Some(-1i32 as u32));
    }

    #[test]
    fn shifts_mask_the_amount() {
        assert_eq!(AluOp::Shl.apply(1, 33), Some(2));
        assert_eq!(AluOp::Shr.apply(0x8000_0000, 31), Some(1));
        assert_eq!(AluOp::Sar.apply(0x8000_0000, 31), Some(u32::MAX));
    }
}
