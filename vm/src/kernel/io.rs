//! Console I/O for `read`, `read_nb` and `write` on file descriptors 0, 1
//! and 2.
//!
//! Standard input (`--stdin FILE`) arrives through a console device that
//! delivers one byte every `console_latency` ticks: byte i is available
//! from tick `(i + 1) * console_latency`, as if typed at a steady pace.
//! A blocking `read` returns the bytes that have arrived (up to its
//! length); when none has, the thread waits for the next byte and then
//! runs its `sys read` again. `read_nb` returns -2 at once instead of
//! waiting. At the end of input both return 0. Writes to fd 1 go to the
//! console (standard output) and writes to fd 2 to standard error, at once.

use super::thread::WaitFor;
use super::{KernelBus, Killed};
use crate::hw::cpu::Bus;
use crate::isa::INSTRUCTION_BYTES;
use crate::trace::{self, EventKind, IoOp};
use std::io::Write;

/// Result of `read_nb` when no input has arrived yet.
pub const WOULD_BLOCK: i32 = -2;

/// Maximum bytes one `read` or `write` moves; longer requests move this many.
pub const MAX_TRANSFER: u32 = 1 << 16;

/// Standard input and the console device's timing.
#[derive(Debug, Default)]
pub struct Stdin {
    bytes: Vec<u8>,
    position: usize,
}

impl Stdin {
    /// Creates an input of `bytes`.
    pub fn new(bytes: Vec<u8>) -> Stdin {
        Stdin { bytes, position: 0 }
    }

    /// Returns the tick at which byte `index` arrives.
    fn arrival(index: usize, latency: u64) -> u64 {
        (index as u64 + 1).saturating_mul(latency)
    }

    /// Returns how many unread bytes have arrived by `now`.
    fn arrived(&self, now: u64, latency: u64) -> usize {
        let delivered = match latency {
            0 => self.bytes.len(),
            _ => ((now / latency) as usize).min(self.bytes.len()),
        };
        delivered.saturating_sub(self.position)
    }
}

/// What a read asks of the run loop.
pub enum ReadOutcome {
    /// The call is done; r0 holds the result.
    Done(i32),
    /// Nothing has arrived yet: wait, then run the `sys` again.
    Wait(WaitFor),
}

/// Runs `read` (blocking unless `nonblocking`) of up to `len` bytes from
/// `fd` into `buf`.
///
/// # Errors
///
/// Returns [`Killed`] when a store into `buf` fails (for example a
/// segmentation fault); the reason is in the bus.
pub fn read(
    bus: &mut KernelBus<'_>,
    fd: u32,
    buf: u32,
    len: u32,
    nonblocking: bool,
) -> Result<ReadOutcome, Killed> {
    if fd != 0 {
        return Ok(ReadOutcome::Done(-1));
    }
    let latency = bus.sys.config.console_latency;
    let now = bus.sys.clock;
    let stdin = &bus.sys.stdin;
    let arrived = stdin.arrived(now, latency);
    if arrived == 0 {
        if stdin.position >= stdin.bytes.len() {
            trace_io(bus, IoOp::Read, 0, 0);
            return Ok(ReadOutcome::Done(0));
        }
        if nonblocking {
            return Ok(ReadOutcome::Done(WOULD_BLOCK));
        }
        let until = Stdin::arrival(stdin.position, latency);
        trace_io(bus, IoOp::Wait, 0, until as i64);
        return Ok(ReadOutcome::Wait(WaitFor::Console { until }));
    }

    let count = arrived.min(len.min(MAX_TRANSFER) as usize);
    let start = bus.sys.stdin.position;
    for offset in 0..count {
        let byte = bus.sys.stdin.bytes[start + offset];
        bus.store(buf.wrapping_add(offset as u32), 1, byte as u32)?;
    }
    bus.sys.stdin.position += count;
    trace_io(bus, IoOp::Read, 0, count as i64);
    Ok(ReadOutcome::Done(count as i32))
}

/// Runs `write` of `len` bytes at `buf` to `fd` (1 or 2). Returns the
/// number of bytes written, or -1 for another fd.
///
/// # Errors
///
/// Returns [`Killed`] when a load from `buf` fails.
pub fn write(bus: &mut KernelBus<'_>, fd: u32, buf: u32, len: u32) -> Result<i32, Killed> {
    if fd != 1 && fd != 2 {
        return Ok(-1);
    }
    let len = len.min(MAX_TRANSFER);
    let mut bytes = Vec::with_capacity(len as usize);
    for offset in 0..len {
        bytes.push(bus.load(buf.wrapping_add(offset), 1)? as u8);
    }
    let result = if fd == 1 {
        bus.sys.console.write_all(&bytes)
    } else {
        bus.sys.errors.write_all(&bytes)
    };
    if let Err(error) = result {
        bus.sys.output_failed(error);
    }
    trace_io(bus, IoOp::Write, fd, len as i64);
    Ok(len as i32)
}

/// Returns the pc of the `sys` instruction that just ran, so a waiting
/// read runs again when it wakes.
pub fn rewound_pc(pc_after: u32) -> u32 {
    pc_after.wrapping_sub(INSTRUCTION_BYTES)
}

fn trace_io(bus: &mut KernelBus<'_>, op: IoOp, fd: u32, value: i64) {
    if bus.sys.tracer.wants(trace::kind::IO) {
        bus.sys.emit(
            bus.pid,
            EventKind::Io {
                tid: bus.tid,
                op,
                fd,
                value,
            },
        );
    }
}
