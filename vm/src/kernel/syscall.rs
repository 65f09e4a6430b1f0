//! System calls: decoding, and the calls that need only the calling
//! process (`exit`, `print_int`, `print_char`, `print_str`, `sbrk`, the
//! console I/O of `kernel::io`, and the mappings of `kernel::mmap`).
//!
//! Calls that create, wait for or schedule processes and threads return a
//! [`ProcessCall`] for the kernel (`kernel::lifecycle`). Arguments are in
//! r1..r3 and the result goes to r0. Guest memory is read through the bus,
//! so a string argument page-faults and counts as references like any load.

use super::io::{self, ReadOutcome};
use super::process::ExitStatus;
use super::thread::WaitFor;
use super::{describe_location, fault, mmap, KernelBus};
use crate::hw::cpu::{Bus, Cpu};
use crate::isa::{
    Reg, SYSCALLS, SYS_EXIT, SYS_FORK, SYS_GETPID, SYS_GETPPID, SYS_JOIN, SYS_LOCK, SYS_PRINT_CHAR,
    SYS_PRINT_INT, SYS_PRINT_STR, SYS_READ, SYS_READ_NB, SYS_SBRK, SYS_SETPRIORITY, SYS_SLEEP,
    SYS_SPAWN, SYS_THREAD_EXIT, SYS_UNLOCK, SYS_WAIT, SYS_WRITE, SYS_YIELD,
};
use crate::isa::{SYS_MMAP, SYS_MPROTECT, SYS_MUNMAP};
use std::io::Write as _;

/// Maximum number of bytes `print_str` reads while looking for the 0 byte.
pub const MAX_STRING_BYTES: u32 = 1 << 16;

const R0: Reg = match Reg::new(0) {
    Some(reg) => reg,
    None => unreachable!(),
};
const R1: Reg = match Reg::new(1) {
    Some(reg) => reg,
    None => unreachable!(),
};
const R2: Reg = match Reg::new(2) {
    Some(reg) => reg,
    None => unreachable!(),
};
const R3: Reg = match Reg::new(3) {
    Some(reg) => reg,
    None => unreachable!(),
};

/// A system call that the kernel must finish, because it acts on
/// processes, threads or the scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessCall {
    /// `fork`.
    Fork,
    /// `wait` for child `pid`, or any child when -1.
    Wait(i32),
    /// `getpid`.
    GetPid,
    /// `getppid`.
    GetPpid,
    /// `setpriority` of the calling process to this value.
    SetPriority(i32),
    /// `yield`.
    Yield,
    /// `sleep` for this many ticks.
    Sleep(u32),
    /// `spawn` a thread at `entry` with `arg` in its r1.
    Spawn {
        /// Address of the first instruction.
        entry: u32,
        /// Value of the new thread's r1.
        arg: u32,
    },
    /// `join` thread `tid`.
    Join(u32),
    /// `thread_exit` with this value.
    ThreadExit(u32),
    /// `lock` the mutex at this address.
    Lock(u32),
    /// `unlock` the mutex at this address.
    Unlock(u32),
}

/// Result of [`handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The call is done; the thread goes on.
    Done,
    /// The process ends.
    Exit(ExitStatus),
    /// The kernel must finish the call.
    Process(ProcessCall),
    /// The thread waits; its pc points at the `sys` again, so the call
    /// runs once more when the thread wakes.
    Block(WaitFor),
}

/// Runs system call `number` for the thread whose registers are `cpu`.
pub fn handle(number: u32, cpu: &mut Cpu, bus: &mut KernelBus<'_>) -> Action {
    let arg = cpu.reg(R1);
    let call = match number {
        SYS_FORK => ProcessCall::Fork,
        SYS_WAIT => ProcessCall::Wait(arg as i32),
        SYS_GETPID => ProcessCall::GetPid,
        SYS_GETPPID => ProcessCall::GetPpid,
        SYS_SETPRIORITY => ProcessCall::SetPriority(arg as i32),
        SYS_YIELD => ProcessCall::Yield,
        SYS_SLEEP => ProcessCall::Sleep(arg),
        SYS_SPAWN => ProcessCall::Spawn {
            entry: arg,
            arg: cpu.reg(R2),
        },
        SYS_JOIN => ProcessCall::Join(arg),
        SYS_THREAD_EXIT => ProcessCall::ThreadExit(arg),
        SYS_LOCK => ProcessCall::Lock(arg),
        SYS_UNLOCK => ProcessCall::Unlock(arg),
        SYS_READ | SYS_READ_NB => {
            let (buf, len) = (cpu.reg(R2), cpu.reg(R3));
            return match io::read(bus, arg, buf, len, number == SYS_READ_NB) {
                Ok(ReadOutcome::Done(result)) => {
                    cpu.set_reg(R0, result as u32);
                    Action::Done
                }
                Ok(ReadOutcome::Wait(wait)) => {
                    cpu.pc = io::rewound_pc(cpu.pc);
                    Action::Block(wait)
                }
                Err(_) => Action::Exit(ExitStatus::Killed(killed_reason(bus, "read"))),
            };
        }
        SYS_WRITE => {
            let (buf, len) = (cpu.reg(R2), cpu.reg(R3));
            return match io::write(bus, arg, buf, len) {
                Ok(result) => {
                    cpu.set_reg(R0, result as u32);
                    Action::Done
                }
                Err(_) => Action::Exit(ExitStatus::Killed(killed_reason(bus, "write"))),
            };
        }
        _ => {
            return match handle_local(number, cpu, bus) {
                Some(status) => Action::Exit(status),
                None => Action::Done,
            }
        }
    };
    Action::Process(call)
}

/// Runs the calls that need only the calling process. Returns the exit
/// status when the call ends the process.
fn handle_local(number: u32, cpu: &mut Cpu, bus: &mut KernelBus<'_>) -> Option<ExitStatus> {
    let arg = cpu.reg(R1);
    match number {
        SYS_EXIT => Some(ExitStatus::Exited(arg as i32)),
        SYS_PRINT_INT => {
            let text = (arg as i32).to_string();
            write_console(bus, text.as_bytes());
            cpu.set_reg(R0, 0);
            None
        }
        SYS_PRINT_CHAR => {
            write_console(bus, &[arg as u8]);
            cpu.set_reg(R0, 0);
            None
        }
        SYS_PRINT_STR => match read_string(bus, arg) {
            Ok(bytes) => {
                write_console(bus, &bytes);
                cpu.set_reg(R0, 0);
                None
            }
            Err(reason) => Some(ExitStatus::Killed(reason)),
        },
        SYS_SBRK => {
            let result = sbrk(bus, arg as i32);
            cpu.set_reg(R0, result);
            None
        }
        SYS_MMAP => match mmap::sys_mmap(bus, arg, cpu.reg(R2), cpu.reg(R3)) {
            Ok(result) => {
                cpu.set_reg(R0, result as u32);
                None
            }
            Err(reason) => Some(ExitStatus::Killed(reason)),
        },
        SYS_MUNMAP => {
            let result = mmap::sys_munmap(bus, arg, cpu.reg(R2));
            cpu.set_reg(R0, result as u32);
            None
        }
        SYS_MPROTECT => {
            let result = mmap::sys_mprotect(bus, arg, cpu.reg(R2), cpu.reg(R3));
            cpu.set_reg(R0, result as u32);
            None
        }
        _ => {
            let location = describe_location(bus.pc, &bus.space.object);
            let known: Vec<String> = SYSCALLS
                .iter()
                .map(|(number, name)| format!("{name} ({number})"))
                .collect();
            Some(ExitStatus::Killed(format!(
                "unknown system call {number} {location}; known calls: {}",
                known.join(", ")
            )))
        }
    }
}

/// Returns the kill reason recorded by a failed access of system call `name`.
fn killed_reason(bus: &mut KernelBus<'_>, name: &str) -> String {
    bus.kill
        .take()
        .unwrap_or_else(|| format!("{name}: the buffer is not accessible"))
}

fn write_console(bus: &mut KernelBus<'_>, bytes: &[u8]) {
    if let Err(error) = bus.sys.console.write_all(bytes) {
        bus.sys.output_failed(error);
    }
}

/// Reads the NUL-terminated string at `va`, one guest byte load at a time.
fn read_string(bus: &mut KernelBus<'_>, va: u32) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    for offset in 0..MAX_STRING_BYTES {
        let Ok(byte) = bus.load(va.wrapping_add(offset), 1) else {
            let reason = bus.kill.take();
            return Err(reason.unwrap_or_else(|| "print_str: the string is unreadable".into()));
        };
        if byte == 0 {
            return Ok(bytes);
        }
        bytes.push(byte as u8);
    }
    let location = describe_location(bus.pc, &bus.space.object);
    Err(format!(
        "print_str: no NUL byte within {MAX_STRING_BYTES} bytes of 0x{va:08x} {location}; end the string with a 0 byte (.asciz)"
    ))
}

/// Moves the break by `increment` bytes. Returns the old break, or
/// `0xFFFF_FFFF` when the new break would fall below the heap start or rise
/// above the heap limit or into the lowest `mmap` mapping. Pages above a
/// lowered break are freed.
fn sbrk(bus: &mut KernelBus<'_>, increment: i32) -> u32 {
    let old = bus.space.brk;
    let new = old as i64 + increment as i64;
    if new < bus.space.heap_start as i64 || new > bus.space.break_limit() as i64 {
        return u32::MAX;
    }
    let new = new as u32;
    if new < old {
        let page_size = bus.sys.config.page_size as u64;
        let first = (new as u64).div_ceil(page_size);
        let end = (old as u64).div_ceil(page_size);
        fault::unmap_pages(bus, first as u32..end as u32);
    }
    bus.space.brk = new;
    old
}
