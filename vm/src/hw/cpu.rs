//! The interpreter: registers, the program counter and one `match` over
//! [`Instruction`].
//!
//! The CPU reaches memory only through a [`Bus`], which translates through
//! the MMU and handles faults (the kernel implements it). A bus error ends
//! the current step: the CPU does not know why, it only stops. System calls
//! and `halt` are returned to the caller as [`Step`] values.

use crate::isa::{
    AluOp, BranchCond, DecodeError, Instruction, LoadWidth, MemAddr, Reg, StoreWidth,
    INSTRUCTION_BYTES, REGISTER_COUNT,
};

/// Memory from the CPU's side: virtual addresses, with faults handled behind it.
pub trait Bus {
    /// Error of an access that could not complete. The kernel has already recorded the details.
    type Error;

    /// Fetches the 8 instruction bytes at `pc`, which is 8-aligned.
    fn fetch(&mut self, pc: u32) -> Result<[u8; INSTRUCTION_BYTES as usize], Self::Error>;

    /// Loads `size` bytes (1, 2 or 4) at `va`, zero-extended.
    fn load(&mut self, va: u32, size: u32) -> Result<u32, Self::Error>;

    /// Stores the low `size` bytes of `value` at `va`.
    fn store(&mut self, va: u32, size: u32, value: u32) -> Result<(), Self::Error>;
}

/// Request of a completed instruction to the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing: go on with the next instruction.
    Continue,
    /// `halt`: the process exits with status 0.
    Halt,
    /// `sys number`; the pc already points past the instruction.
    Syscall(u32),
}

/// Reason an instruction could not execute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception<E> {
    /// A memory access failed, and the bus recorded the details.
    Bus(E),
    /// `div` or `rem` by zero.
    DivideByZero,
    /// The fetched bytes are not an instruction.
    IllegalInstruction {
        bytes: [u8; INSTRUCTION_BYTES as usize],
        error: DecodeError,
    },
    /// The pc is not a multiple of the instruction size.
    MisalignedPc,
}

impl<E> From<E> for Exception<E> {
    fn from(error: E) -> Exception<E> {
        Exception::Bus(error)
    }
}

/// Registers and program counter of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// General-purpose registers; `r15` is the stack pointer.
    pub regs: [u32; REGISTER_COUNT],
    /// Address of the next instruction.
    pub pc: u32,
}

impl Cpu {
    /// Creates a CPU that starts at `entry` with the stack pointer at `sp`.
    pub fn new(entry: u32, sp: u32) -> Cpu {
        let mut regs = [0; REGISTER_COUNT];
        regs[Reg::SP.index()] = sp;
        Cpu { regs, pc: entry }
    }

    /// Returns the value of `reg`.
    #[inline]
    pub fn reg(&self, reg: Reg) -> u32 {
        self.regs[reg.index()]
    }

    /// Sets `reg` to `value`.
    #[inline]
    pub fn set_reg(&mut self, reg: Reg, value: u32) {
        self.regs[reg.index()] = value;
    }

    /// Fetches, decodes and executes one instruction.
    ///
    /// A data access that faults is retried behind the bus, so an
    /// instruction is fetched once however many faults its access needs.
    /// Registers and the pc change only after every access of the
    /// instruction has completed.
    ///
    /// # Errors
    ///
    /// Returns an [`Exception`] when the instruction cannot complete; the pc
    /// then still points at it.
    #[inline]
    pub fn step<B: Bus>(&mut self, bus: &mut B) -> Result<Step, Exception<B::Error>> {
        if !self.pc.is_multiple_of(INSTRUCTION_BYTES) {
            return Err(Exception::MisalignedPc);
        }
        let bytes = bus.fetch(self.pc)?;
        let instruction = Instruction::decode(bytes)
            .map_err(|error| Exception::IllegalInstruction { bytes, error })?;
        self.execute(instruction, bus)
    }

    /// Executes one decoded instruction located at the pc.
    fn execute<B: Bus>(
        &mut self,
        instruction: Instruction,
        bus: &mut B,
    ) -> Result<Step, Exception<B::Error>> {
        let next = self.pc.wrapping_add(INSTRUCTION_BYTES);
        match instruction {
            Instruction::Nop => {}
            Instruction::Halt => {
                self.pc = next;
                return Ok(Step::Halt);
            }
            Instruction::Li { rd, imm } => self.set_reg(rd, imm as u32),
            Instruction::Mov { rd, rs } => self.set_reg(rd, self.reg(rs)),
            Instruction::Alu { op, rd, rs1, rs2 } => self.op_alu(op, rd, rs1, self.reg(rs2))?,
            Instruction::AluImm { op, rd, rs1, imm } => self.op_alu(op, rd, rs1, imm as u32)?,
            Instruction::Load { width, rd, addr } => self.op_load(bus, width, rd, addr)?,
            Instruction::Store { width, rs, addr } => self.op_store(bus, width, rs, addr)?,
            Instruction::Branch {
                cond,
                rs1,
                rs2,
                target,
            } => {
                self.pc = self.op_branch(cond, rs1, rs2, target, next);
                return Ok(Step::Continue);
            }
            Instruction::Jmp { target } => {
                self.pc = target;
                return Ok(Step::Continue);
            }
            Instruction::Call { target } => {
                self.op_push(bus, next)?;
                self.pc = target;
                return Ok(Step::Continue);
            }
            Instruction::Ret => {
                self.pc = self.op_pop(bus)?;
                return Ok(Step::Continue);
            }
            Instruction::Push { rs } => self.op_push(bus, self.reg(rs))?,
            Instruction::Pop { rd } => {
                let value = self.op_pop(bus)?;
                self.set_reg(rd, value);
            }
            Instruction::Sys { number } => {
                self.pc = next;
                return Ok(Step::Syscall(number));
            }
            Instruction::Xchg { rd, addr } => self.op_xchg(bus, rd, addr)?,
        }
        self.pc = next;
        Ok(Step::Continue)
    }

    fn op_alu<E>(&mut self, op: AluOp, rd: Reg, rs1: Reg, b: u32) -> Result<(), Exception<E>> {
        let value = op.apply(self.reg(rs1), b).ok_or(Exception::DivideByZero)?;
        self.set_reg(rd, value);
        Ok(())
    }

    fn effective_address(&self, addr: MemAddr) -> u32 {
        match addr {
            MemAddr::Based { base, offset } => self.reg(base).wrapping_add(offset as u32),
            MemAddr::Absolute(va) => va,
        }
    }

    fn op_load<B: Bus>(
        &mut self,
        bus: &mut B,
        width: LoadWidth,
        rd: Reg,
        addr: MemAddr,
    ) -> Result<(), Exception<B::Error>> {
        let raw = bus.load(self.effective_address(addr), width.bytes())?;
        let value = match width {
            LoadWidth::Word | LoadWidth::HalfUnsigned | LoadWidth::ByteUnsigned => raw,
            LoadWidth::Half => raw as u16 as i16 as i32 as u32,
            LoadWidth::Byte => raw as u8 as i8 as i32 as u32,
        };
        self.set_reg(rd, value);
        Ok(())
    }

    fn op_store<B: Bus>(
        &mut self,
        bus: &mut B,
        width: StoreWidth,
        rs: Reg,
        addr: MemAddr,
    ) -> Result<(), Exception<B::Error>> {
        bus.store(self.effective_address(addr), width.bytes(), self.reg(rs))?;
        Ok(())
    }

    /// Swaps `rd` with the word at `addr`. The CPU runs one instruction at a
    /// time, so nothing can touch the word between the load and the store.
    fn op_xchg<B: Bus>(
        &mut self,
        bus: &mut B,
        rd: Reg,
        addr: MemAddr,
    ) -> Result<(), Exception<B::Error>> {
        let va = self.effective_address(addr);
        let old = bus.load(va, 4)?;
        bus.store(va, 4, self.reg(rd))?;
        self.set_reg(rd, old);
        Ok(())
    }

    fn op_branch(&self, cond: BranchCond, rs1: Reg, rs2: Reg, target: u32, next: u32) -> u32 {
        if cond.holds(self.reg(rs1), self.reg(rs2)) {
            target
        } else {
            next
        }
    }

    /// Stores `value` at `sp - 4`, then lowers sp; a fault leaves sp unchanged.
    fn op_push<B: Bus>(&mut self, bus: &mut B, value: u32) -> Result<(), Exception<B::Error>> {
        let sp = self.reg(Reg::SP).wrapping_sub(4);
        bus.store(sp, 4, value)?;
        self.set_reg(Reg::SP, sp);
        Ok(())
    }

    /// Loads the word at sp, then raises sp; a fault leaves sp unchanged.
    fn op_pop<B: Bus>(&mut self, bus: &mut B) -> Result<u32, Exception<B::Error>> {
        let sp = self.reg(Reg::SP);
        let value = bus.load(sp, 4)?;
        self.set_reg(Reg::SP, sp.wrapping_add(4));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A flat bus over a byte map: no paging, every address valid unless listed as bad.
    struct FlatBus {
        bytes: BTreeMap<u32, u8>,
        bad: Option<u32>,
    }

    impl FlatBus {
        fn new(program: &[Instruction]) -> FlatBus {
            let mut bytes = BTreeMap::new();
            for (i, instruction) in program.iter().enumerate() {
                for (j, byte) in instruction.encode().iter().enumerate() {
                    bytes.insert(0x1000 + 8 * i as u32 + j as u32, *byte);
                }
            }
            FlatBus { bytes, bad: None }
        }
    }

    impl Bus for FlatBus {
        type Error = u32;

        fn fetch(&mut self, pc: u32) -> Result<[u8; 8], u32> {
            let mut out = [0; 8];
            for (i, byte) in out.iter_mut().enumerate() {
                *byte = *self.bytes.get(&(pc + i as u32)).unwrap_or(&0);
            }
            Ok(out)
        }

        fn load(&mut self, va: u32, size: u32) -> Result<u32, u32> {
            if self.bad == Some(va) {
                return Err(va);
            }
            let mut value = 0;
            for i in (0..size).rev() {
                value = (value << 8) | *self.bytes.get(&(va + i)).unwrap_or(&0) as u32;
            }
            Ok(value)
        }

        fn store(&mut self, va: u32, size: u32, value: u32) -> Result<(), u32> {
            if self.bad == Some(va) {
                return Err(va);
            }
            for i in 0..size {
                self.bytes.insert(va + i, (value >> (8 * i)) as u8);
            }
            Ok(())
        }
    }

    fn r(index: u8) -> Reg {
        Reg::new(index).unwrap()
    }

    fn run(program: &[Instruction], steps: usize) -> (Cpu, FlatBus) {
        let mut bus = FlatBus::new(program);
        let mut cpu = Cpu::new(0x1000, 0x9000);
        for _ in 0..steps {
            cpu.step(&mut bus).unwrap();
        }
        (cpu, bus)
    }

    #[test]
    fn arithmetic_wraps() {
        let program = [
            Instruction::Li { rd: r(1), imm: -1 },
            Instruction::AluImm {
                op: AluOp::Add,
                rd: r(2),
                rs1: r(1),
                imm: 2,
            },
        ];
        let (cpu, _) = run(&program, 2);
        assert_eq!(cpu.reg(r(2)), 1);
        assert_eq!(cpu.pc, 0x1010);
    }

    #[test]
    fn loads_extend_per_width() {
        let store = Instruction::Store {
            width: StoreWidth::Word,
            rs: r(1),
            addr: MemAddr::Absolute(0x8000),
        };
        let load = |width, rd| Instruction::Load {
            width,
            rd: r(rd),
            addr: MemAddr::Absolute(0x8000),
        };
        let program = [
            Instruction::Li {
                rd: r(1),
                imm: 0x0000_8081,
            },
            store,
            load(LoadWidth::Byte, 2),
            load(LoadWidth::ByteUnsigned, 3),
            load(LoadWidth::Half, 4),
            load(LoadWidth::HalfUnsigned, 5),
        ];
        let (cpu, _) = run(&program, 6);
        assert_eq!(cpu.reg(r(2)), 0xffff_ff81);
        assert_eq!(cpu.reg(r(3)), 0x81);
        assert_eq!(cpu.reg(r(4)), 0xffff_8081);
        assert_eq!(cpu.reg(r(5)), 0x8081);
    }

    #[test]
    fn call_and_ret_use_the_stack() {
        let program = [
            Instruction::Call { target: 0x1010 },
            Instruction::Halt,
            Instruction::Ret,
        ];
        let mut bus = FlatBus::new(&program);
        let mut cpu = Cpu::new(0x1000, 0x9000);
        assert_eq!(cpu.step(&mut bus), Ok(Step::Continue));
        assert_eq!((cpu.pc, cpu.reg(Reg::SP)), (0x1010, 0x8ffc));
        assert_eq!(bus.load(0x8ffc, 4), Ok(0x1008));
        assert_eq!(cpu.step(&mut bus), Ok(Step::Continue));
        assert_eq!((cpu.pc, cpu.reg(Reg::SP)), (0x1008, 0x9000));
        assert_eq!(cpu.step(&mut bus), Ok(Step::Halt));
    }

    #[test]
    fn xchg_swaps_register_and_word() {
        let addr = MemAddr::Based {
            base: r(2),
            offset: 4,
        };
        let program = [
            Instruction::Li {
                rd: r(2),
                imm: 0x8000,
            },
            Instruction::Li { rd: r(1), imm: 5 },
            Instruction::Xchg { rd: r(1), addr },
            Instruction::Li { rd: r(3), imm: 9 },
            Instruction::Xchg { rd: r(3), addr },
        ];
        let (cpu, mut bus) = run(&program, 5);
        assert_eq!(cpu.reg(r(1)), 0, "the word was 0");
        assert_eq!(cpu.reg(r(3)), 5, "the first exchange stored 5");
        assert_eq!(bus.load(0x8004, 4), Ok(9));
    }

    #[test]
    fn faulting_xchg_keeps_rd() {
        let mut bus = FlatBus::new(&[Instruction::Xchg {
            rd: r(1),
            addr: MemAddr::Absolute(0x8000),
        }]);
        bus.bad = Some(0x8000);
        let mut cpu = Cpu::new(0x1000, 0x9000);
        cpu.set_reg(r(1), 3);
        assert_eq!(cpu.step(&mut bus), Err(Exception::Bus(0x8000)));
        assert_eq!((cpu.pc, cpu.reg(r(1))), (0x1000, 3));
    }

    #[test]
    fn faulting_push_keeps_sp() {
        let mut bus = FlatBus::new(&[Instruction::Push { rs: r(1) }]);
        bus.bad = Some(0x8ffc);
        let mut cpu = Cpu::new(0x1000, 0x9000);
        assert_eq!(cpu.step(&mut bus), Err(Exception::Bus(0x8ffc)));
        assert_eq!((cpu.pc, cpu.reg(Reg::SP)), (0x1000, 0x9000));
    }

    #[test]
    fn exceptions_are_reported() {
        let divide = [Instruction::Alu {
            op: AluOp::Div,
            rd: r(1),
            rs1: r(1),
            rs2: r(0),
        }];
        let mut bus = FlatBus::new(&divide);
        let mut cpu = Cpu::new(0x1000, 0x9000);
        assert_eq!(cpu.step(&mut bus), Err(Exception::DivideByZero));

        let mut cpu = Cpu::new(0x1008, 0x9000);
        assert_eq!(
            cpu.step(&mut bus),
            Err(Exception::IllegalInstruction {
                bytes: [0; 8],
                error: DecodeError::UnknownOpcode(0)
            })
        );

        let mut cpu = Cpu::new(0x1004, 0x9000);
        assert_eq!(cpu.step(&mut bus), Err(Exception::MisalignedPc));
    }
}
