//! The user-facing trace: typed [`Event`]s and the sinks that write them
//! (aligned text or JSON Lines), with a filter by event kind.
//!
//! Emitting costs one flag test when no sink is attached: the kernel checks
//! [`Tracer::wants`] before it builds an event. This is not developer
//! logging; every event here is part of the documented trace format.

use crate::hw::mmu::{AccessKind, WalkStep};
use crate::hw::swap::Transfer;
use crate::kernel::thread::ThreadState;
use crate::stats::EndKind;
use serde::Serialize;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

/// One traced event: when, which process, what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Clock value when the event happened.
    pub tick: u64,
    /// Process the event belongs to.
    pub pid: u32,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Kind of a page fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Served without device I/O (a demand-zero page).
    Minor,
    /// Served by reading the program image or swap.
    Major,
    /// An unmapped or forbidden access; the process is killed.
    Segfault,
}

/// Origin of the contents of a faulted-in page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageSource {
    /// A zero-filled page (bss, heap, stack).
    Zero,
    /// Bytes of the program image (text or data), zeros elsewhere.
    Image,
    /// A swap slot.
    Swap,
    /// A page of a mounted file, read from the file.
    File,
    /// A page of a mounted file that another mapping keeps in a frame
    /// already, so the fault only maps that frame.
    Shared,
}

/// Stage of a swap-device request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DevicePhase {
    /// Submitted to the device's queue.
    Queued,
    /// Completed by the device.
    Done,
}

/// Action that a `lock` event reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockAction {
    /// The thread got the mutex.
    Acquire,
    /// The thread found the mutex held and blocks.
    Contend,
    /// The thread let go of the mutex.
    Release,
}

/// Operation that an `io` event reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IoOp {
    /// A read completed; `value` is the byte count (0 at the end of input).
    Read,
    /// A read found no input and waits; `value` is the tick of the next byte.
    Wait,
    /// A write completed; `value` is the byte count.
    Write,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A completed memory access (one reference).
    Access {
        /// Fetch, load or store.
        access: AccessKind,
        /// Virtual address.
        va: u32,
        /// Physical address.
        pa: u32,
        /// Whether the TLB held the translation.
        tlb_hit: bool,
    },
    /// A page walk after a TLB miss.
    Walk {
        /// Fetch, load or store.
        access: AccessKind,
        /// Virtual address being translated.
        va: u32,
        /// Each level read, root first.
        steps: Vec<WalkStep>,
        /// The frame found, or null when the walk faulted.
        pfn: Option<u32>,
    },
    /// A page fault, or a segmentation fault.
    Fault {
        /// Minor, major or segfault.
        kind: FaultKind,
        /// Fetch, load or store.
        access: AccessKind,
        /// Faulting virtual address.
        va: u32,
        /// Its page.
        vpn: u32,
        /// Origin of the page's contents (null for a segfault).
        source: Option<PageSource>,
        /// Why a segfault happened: `not mapped` or `read-only page` (null otherwise).
        cause: Option<String>,
    },
    /// A page removed from its frame to make room.
    Eviction {
        /// Process that owned the page.
        owner: u32,
        /// The page's VPN in the owner's address space.
        vpn: u32,
        /// The frame it occupied.
        pfn: u32,
        /// Whether it had to be written to swap.
        dirty: bool,
    },
    /// A page written to swap.
    SwapOut {
        /// Swap slot written.
        slot: u32,
        /// Frame the page came from.
        pfn: u32,
        /// The page's VPN.
        vpn: u32,
    },
    /// A page read back from swap.
    SwapIn {
        /// Swap slot read (freed afterwards).
        slot: u32,
        /// Frame the page goes to.
        pfn: u32,
        /// The page's VPN.
        vpn: u32,
    },
    /// A process ended.
    Exit {
        /// How the process ended: exited, killed or stopped.
        end: crate::stats::EndKind,
        /// Status passed to `exit`, or null when killed or stopped.
        status: Option<i32>,
        /// Reason the process was killed or stopped, or null.
        reason: Option<String>,
    },
    /// The run was stopped at the tick budget.
    Stop {
        /// The message shown to the user.
        reason: String,
    },
    /// A request to the swap device was queued or completed.
    Device {
        /// Queued or done.
        phase: DevicePhase,
        /// Thread that waits for the request.
        tid: u32,
        /// Read or write.
        transfer: Transfer,
        /// Swap slot, or null for a read from the program image.
        slot: Option<u32>,
        /// Tick when the device starts the transfer.
        start: u64,
        /// Tick when it completes.
        done: u64,
        /// Requests in the device's queue after this event, the one in progress included.
        queue: usize,
        /// Page number within a mounted file, for a transfer of a mapped
        /// file's page; left out otherwise.
        #[serde(skip_serializing_if = "Option::is_none")]
        file_page: Option<u32>,
    },
    /// A store to a copy-on-write page.
    Cow {
        /// The store's virtual address.
        va: u32,
        /// Its page.
        vpn: u32,
        /// The shared frame.
        from_pfn: u32,
        /// The writer's frame afterwards: a new copy, or `from_pfn` when the
        /// writer was the last sharer and the page only became writable.
        to_pfn: u32,
    },
    /// A kernel mutex was acquired, contended or released.
    Lock {
        /// The thread that acts.
        tid: u32,
        /// The mutex's address.
        addr: u32,
        /// Acquire, contend or release.
        action: LockAction,
        /// For contend, the holder; for a release, the waiter that gets the
        /// mutex; null otherwise.
        other: Option<u32>,
    },
    /// Console I/O by a thread.
    Io {
        /// The thread.
        tid: u32,
        /// Read, wait or write.
        op: IoOp,
        /// File descriptor.
        fd: u32,
        /// Bytes moved, or for a wait the tick the next input byte arrives.
        value: i64,
    },
    /// The CPU went from one thread to another.
    Switch {
        /// The thread that ran last, or null before the first switch.
        from: Option<u32>,
        /// The thread that runs now.
        to: u32,
        /// Why `from` left the CPU: `preempted`, `yielded`, `blocked` or `exited`.
        reason: String,
    },
    /// A system call.
    Syscall {
        /// The calling thread.
        tid: u32,
        /// The call's name, or its number when unknown.
        name: String,
        /// r1, r2 and r3 at the call.
        args: [u32; 3],
        /// r0 after the call, or null when the thread blocked or ended first.
        result: Option<i32>,
    },
    /// A thread changed state.
    State {
        /// The thread.
        tid: u32,
        /// Its new state.
        state: ThreadState,
        /// Why, for a waiting thread: what it waits for (null otherwise).
        reason: Option<String>,
    },
    /// A page of a mounted file read into a frame.
    FileIn {
        /// The mount's name.
        mount: String,
        /// Page number within the file.
        page: u32,
        /// Frame the page goes to.
        pfn: u32,
        /// The page's VPN in the faulting process.
        vpn: u32,
    },
    /// A dirty page of a mounted file written back to the file.
    FileOut {
        /// The mount's name.
        mount: String,
        /// Page number within the file.
        page: u32,
        /// Frame the page comes from.
        pfn: u32,
        /// Bytes written: the page size, or less for the page holding the
        /// end of the file.
        bytes: u32,
    },
}

/// Event kinds as `--trace-filter` names them.
pub const KINDS: &[&str] = &[
    "access", "walk", "fault", "eviction", "swap_out", "swap_in", "exit", "stop", "device",
    "state", "cow", "lock", "io", "switch", "syscall", "file_in", "file_out",
];

impl EventKind {
    /// Returns the kind's name, the `event` field of the JSON form.
    pub fn name(&self) -> &'static str {
        KINDS[self.index()]
    }

    fn index(&self) -> usize {
        match self {
            EventKind::Access { .. } => 0,
            EventKind::Walk { .. } => 1,
            EventKind::Fault { .. } => 2,
            EventKind::Eviction { .. } => 3,
            EventKind::SwapOut { .. } => 4,
            EventKind::SwapIn { .. } => 5,
            EventKind::Exit { .. } => 6,
            EventKind::Stop { .. } => 7,
            EventKind::Device { .. } => 8,
            EventKind::State { .. } => 9,
            EventKind::Cow { .. } => 10,
            EventKind::Lock { .. } => 11,
            EventKind::Io { .. } => 12,
            EventKind::Switch { .. } => 13,
            EventKind::Syscall { .. } => 14,
            EventKind::FileIn { .. } => 15,
            EventKind::FileOut { .. } => 16,
        }
    }
}

/// A set of event kinds to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filter(u32);

/// Bit of each kind in a [`Filter`], in [`KINDS`] order.
pub mod kind {
    /// `access`.
    pub const ACCESS: u32 = 1 << 0;
    /// `walk`.
    pub const WALK: u32 = 1 << 1;
    /// `fault`.
    pub const FAULT: u32 = 1 << 2;
    /// `eviction`.
    pub const EVICTION: u32 = 1 << 3;
    /// `swap_out`.
    pub const SWAP_OUT: u32 = 1 << 4;
    /// `swap_in`.
    pub const SWAP_IN: u32 = 1 << 5;
    /// `exit`.
    pub const EXIT: u32 = 1 << 6;
    /// `stop`.
    pub const STOP: u32 = 1 << 7;
    /// `device`.
    pub const DEVICE: u32 = 1 << 8;
    /// `state`.
    pub const STATE: u32 = 1 << 9;
    /// `cow`.
    pub const COW: u32 = 1 << 10;
    /// `lock`.
    pub const LOCK: u32 = 1 << 11;
    /// `io`.
    pub const IO: u32 = 1 << 12;
    /// `switch`.
    pub const SWITCH: u32 = 1 << 13;
    /// `syscall`.
    pub const SYSCALL: u32 = 1 << 14;
    /// `file_in`.
    pub const FILE_IN: u32 = 1 << 15;
    /// `file_out`.
    pub const FILE_OUT: u32 = 1 << 16;
}

/// An unknown name in `--trace-filter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// The name as written.
    pub name: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown trace event kind {:?}; valid kinds: {}",
            self.name,
            KINDS.join(", ")
        )
    }
}

impl std::error::Error for FilterError {}

impl Filter {
    /// Every kind.
    pub const ALL: Filter = Filter((1 << KINDS.len()) - 1);

    /// Parses a comma-separated list of kinds, such as `access,fault`.
    ///
    /// # Errors
    ///
    /// Returns the first name that is not in [`KINDS`].
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut bits = 0;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let index = KINDS
                .iter()
                .position(|known| *known == name)
                .ok_or_else(|| FilterError {
                    name: name.to_string(),
                })?;
            bits |= 1 << index;
        }
        Ok(Filter(bits))
    }

    /// Returns whether the filter keeps events of kind bit `kind`.
    #[inline]
    pub fn contains(self, kind: u32) -> bool {
        self.0 & kind != 0
    }
}

/// Destination of trace events.
pub trait Sink {
    /// Writes one event.
    ///
    /// # Errors
    ///
    /// Returns the underlying writer's I/O error.
    fn write(&mut self, event: &Event) -> io::Result<()>;

    /// Flushes buffered output.
    ///
    /// # Errors
    ///
    /// Returns the underlying writer's I/O error.
    fn flush(&mut self) -> io::Result<()>;
}

/// One aligned, human-readable line per event.
pub struct TextSink<W: Write> {
    out: W,
    line: String,
}

impl<W: Write> TextSink<W> {
    /// Creates a sink writing to `out` (buffer it: lines are written one at a time).
    pub fn new(out: W) -> TextSink<W> {
        TextSink {
            out,
            line: String::new(),
        }
    }
}

impl<W: Write> Sink for TextSink<W> {
    fn write(&mut self, event: &Event) -> io::Result<()> {
        self.line.clear();
        format_text(&mut self.line, event).expect("formatting into a String cannot fail");
        self.out.write_all(self.line.as_bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One JSON object per line, with an `event` field naming the kind.
pub struct JsonlSink<W: Write> {
    out: W,
}

impl<W: Write> JsonlSink<W> {
    /// Creates a sink writing to `out` (buffer it).
    pub fn new(out: W) -> JsonlSink<W> {
        JsonlSink { out }
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn write(&mut self, event: &Event) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Formats one event as a text line, ending in a newline.
///
/// The columns are the tick (right-aligned, 10 wide), the pid, the kind
/// (9 wide) and the kind's fields.
pub fn format_text(out: &mut String, event: &Event) -> fmt::Result {
    write!(
        out,
        "{:>10}  pid {:<3} {:<9} ",
        event.tick,
        event.pid,
        event.kind.name()
    )?;
    match &event.kind {
        EventKind::Access {
            access,
            va,
            pa,
            tlb_hit,
        } => write!(
            out,
            "{:<5} va 0x{va:08x} -> pa 0x{pa:08x}  tlb {}",
            access.name(),
            if *tlb_hit { "hit" } else { "miss" }
        )?,
        EventKind::Walk {
            access,
            va,
            steps,
            pfn,
        } => {
            write!(out, "{:<5} va 0x{va:08x}", access.name())?;
            for step in steps {
                write!(
                    out,
                    "  L{}[{}] @0x{:08x} = 0x{:08x}",
                    step.level, step.index, step.pte_addr, step.pte
                )?;
            }
            match pfn {
                Some(pfn) => write!(out, "  -> pfn {pfn}")?,
                None => write!(out, "  -> fault")?,
            }
        }
        EventKind::Fault {
            kind,
            access,
            va,
            vpn,
            source,
            cause,
        } => {
            let kind = match kind {
                FaultKind::Minor => "minor",
                FaultKind::Major => "major",
                FaultKind::Segfault => "segfault",
            };
            write!(
                out,
                "{kind:<8} {:<5} va 0x{va:08x} vpn 0x{vpn:05x}",
                access.name()
            )?;
            if let Some(source) = source {
                let source = match source {
                    PageSource::Zero => "zero",
                    PageSource::Image => "image",
                    PageSource::Swap => "swap",
                    PageSource::File => "file",
                    PageSource::Shared => "shared file page",
                };
                write!(out, "  from {source}")?;
            }
            if let Some(cause) = cause {
                write!(out, "  ({cause})")?;
            }
        }
        EventKind::Eviction {
            owner,
            vpn,
            pfn,
            dirty,
        } => write!(
            out,
            "owner {owner} vpn 0x{vpn:05x} pfn {pfn}  {}",
            if *dirty { "dirty" } else { "clean" }
        )?,
        EventKind::SwapOut { slot, pfn, vpn } => {
            write!(out, "pfn {pfn} -> slot {slot}  vpn 0x{vpn:05x}")?
        }
        EventKind::SwapIn { slot, pfn, vpn } => {
            write!(out, "slot {slot} -> pfn {pfn}  vpn 0x{vpn:05x}")?
        }
        EventKind::Exit {
            end,
            status,
            reason,
        } => match (end, status, reason) {
            (_, Some(status), _) => write!(out, "exited with status {status}")?,
            (EndKind::Killed, None, Some(reason)) => write!(out, "killed: {reason}")?,
            (_, None, Some(reason)) => write!(out, "{reason}")?,
            (_, None, None) => write!(out, "ended")?,
        },
        EventKind::Stop { reason } => write!(out, "{reason}")?,
        EventKind::Device {
            phase,
            tid,
            transfer,
            slot,
            start,
            done,
            queue,
            file_page,
        } => {
            let phase = match phase {
                DevicePhase::Queued => "queued",
                DevicePhase::Done => "done",
            };
            let transfer = match transfer {
                Transfer::Read => "read",
                Transfer::Write => "write",
            };
            let target = match (slot, file_page) {
                (Some(slot), _) => format!("slot {slot}"),
                (None, Some(page)) => format!("file page {page}"),
                (None, None) => "image".to_string(),
            };
            write!(
                out,
                "{phase:<6} {transfer:<5} {target} for tid {tid}  ticks {start}..{done}  queue {queue}"
            )?
        }
        EventKind::Cow {
            va,
            vpn,
            from_pfn,
            to_pfn,
        } => {
            if from_pfn == to_pfn {
                write!(
                    out,
                    "store va 0x{va:08x} vpn 0x{vpn:05x}  pfn {from_pfn} made writable (last sharer)"
                )?
            } else {
                write!(
                    out,
                    "store va 0x{va:08x} vpn 0x{vpn:05x}  copied pfn {from_pfn} -> pfn {to_pfn}"
                )?
            }
        }
        EventKind::Lock {
            tid,
            addr,
            action,
            other,
        } => {
            let action = match action {
                LockAction::Acquire => "acquire",
                LockAction::Contend => "contend",
                LockAction::Release => "release",
            };
            write!(out, "{action:<7} 0x{addr:08x} by tid {tid}")?;
            match (action, other) {
                ("contend", Some(owner)) => write!(out, "  held by tid {owner}")?,
                ("release", Some(next)) => write!(out, "  handed to tid {next}")?,
                _ => {}
            }
        }
        EventKind::Io { tid, op, fd, value } => match op {
            IoOp::Read => write!(out, "read  fd {fd} {value} bytes by tid {tid}")?,
            IoOp::Write => write!(out, "write fd {fd} {value} bytes by tid {tid}")?,
            IoOp::Wait => write!(out, "wait  fd {fd} until tick {value} by tid {tid}")?,
        },
        EventKind::Switch { from, to, reason } => match from {
            Some(from) => write!(out, "tid {from} -> tid {to}  ({reason})")?,
            None => write!(out, "-> tid {to}")?,
        },
        EventKind::Syscall {
            tid,
            name,
            args,
            result,
        } => {
            write!(
                out,
                "{name}(0x{:x}, 0x{:x}, 0x{:x}) by tid {tid}",
                args[0], args[1], args[2]
            )?;
            match result {
                Some(result) => write!(out, " = {result}")?,
                None => write!(out, " (no result yet)")?,
            }
        }
        EventKind::State { tid, state, reason } => {
            write!(out, "tid {tid} {state}")?;
            if let Some(reason) = reason {
                write!(out, " ({reason})")?;
            }
        }
        EventKind::FileIn {
            mount,
            page,
            pfn,
            vpn,
        } => write!(out, "{mount} page {page} -> pfn {pfn}  vpn 0x{vpn:05x}")?,
        EventKind::FileOut {
            mount,
            page,
            pfn,
            bytes,
        } => write!(out, "pfn {pfn} -> {mount} page {page}  {bytes} bytes")?,
    }
    out.push('\n');
    Ok(())
}

/// The kernel's handle on the trace: an optional sink, the filter and the
/// first write error.
pub struct Tracer {
    sink: Option<Box<dyn Sink>>,
    filter: Filter,
    error: Option<io::Error>,
    /// Events written so far.
    written: u64,
    /// Events after which the tracer turns itself off; `u64::MAX` for no limit.
    max_events: u64,
}

impl Default for Tracer {
    fn default() -> Tracer {
        Tracer::off()
    }
}

impl Tracer {
    /// Returns a tracer with no sink, for which [`Tracer::wants`] is always false.
    pub fn off() -> Tracer {
        Tracer {
            sink: None,
            filter: Filter(0),
            error: None,
            written: 0,
            max_events: u64::MAX,
        }
    }

    /// Returns a tracer that writes the kinds in `filter` to `sink`.
    pub fn new(sink: Box<dyn Sink>, filter: Filter) -> Tracer {
        Tracer {
            sink: Some(sink),
            filter,
            error: None,
            written: 0,
            max_events: u64::MAX,
        }
    }

    /// Returns the tracer with a cap of `max_events` events, after which it
    /// writes nothing more, so tracing a program that loops cannot fill the disk.
    pub fn with_max_events(mut self, max_events: u64) -> Tracer {
        self.max_events = max_events;
        if max_events == 0 {
            self.filter = Filter(0);
        }
        self
    }

    /// Returns whether the tracer stopped because it reached its event cap.
    pub fn reached_max_events(&self) -> bool {
        self.written >= self.max_events
    }

    /// Returns whether an event of kind bit `kind` would be written.
    #[inline]
    pub fn wants(&self, kind: u32) -> bool {
        self.filter.contains(kind)
    }

    /// Returns whether any event would be written.
    pub fn is_on(&self) -> bool {
        self.filter.0 != 0
    }

    /// Writes `event`. After the first I/O error the tracer turns itself
    /// off and keeps the error for [`Tracer::finish`].
    pub fn emit(&mut self, event: Event) {
        if let Some(sink) = &mut self.sink {
            if let Err(error) = sink.write(&event) {
                self.error = Some(error);
                self.sink = None;
                self.filter = Filter(0);
                return;
            }
            self.written += 1;
            if self.written >= self.max_events {
                self.filter = Filter(0);
            }
        }
    }

    /// Returns whether a write has failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Flushes the sink and returns the first I/O error, if any.
    ///
    /// # Errors
    ///
    /// Returns the first write or flush error.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        match &mut self.sink {
            Some(sink) => sink.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> Event {
        Event {
            tick: 12,
            pid: 1,
            kind: EventKind::Access {
                access: AccessKind::Load,
                va: 0x20004,
                pa: 0x41004,
                tlb_hit: false,
            },
        }
    }

    #[test]
    fn text_line_is_aligned() {
        let mut line = String::new();
        format_text(&mut line, &access()).unwrap();
        assert_eq!(
            line,
            "        12  pid 1   access    load  va 0x00020004 -> pa 0x00041004  tlb miss\n"
        );
    }

    fn check_text(kind: EventKind, expected: &str) {
        let mut line = String::new();
        format_text(
            &mut line,
            &Event {
                tick: 7,
                pid: 2,
                kind,
            },
        )
        .unwrap();
        assert_eq!(line, format!("{expected}\n"));
    }

    #[test]
    fn every_kind_has_a_text_form() {
        let step = WalkStep {
            level: 0,
            index: 1,
            pte_addr: 4,
            pte: 0x1003,
        };
        check_text(
            EventKind::Walk {
                access: AccessKind::Fetch,
                va: 0x10000,
                steps: vec![step],
                pfn: None,
            },
            "         7  pid 2   walk      fetch va 0x00010000  L0[1] @0x00000004 = 0x00001003  -> fault",
        );
        check_text(
            EventKind::Fault {
                kind: FaultKind::Segfault,
                access: AccessKind::Store,
                va: 0,
                vpn: 0,
                source: None,
                cause: Some("not mapped".into()),
            },
            "         7  pid 2   fault     segfault store va 0x00000000 vpn 0x00000  (not mapped)",
        );
        check_text(
            EventKind::Eviction {
                owner: 1,
                vpn: 0x20,
                pfn: 70,
                dirty: false,
            },
            "         7  pid 2   eviction  owner 1 vpn 0x00020 pfn 70  clean",
        );
        check_text(
            EventKind::SwapOut {
                slot: 3,
                pfn: 70,
                vpn: 0x20,
            },
            "         7  pid 2   swap_out  pfn 70 -> slot 3  vpn 0x00020",
        );
        check_text(
            EventKind::SwapIn {
                slot: 3,
                pfn: 71,
                vpn: 0x20,
            },
            "         7  pid 2   swap_in   slot 3 -> pfn 71  vpn 0x00020",
        );
        check_text(
            EventKind::Exit {
                end: EndKind::Killed,
                status: None,
                reason: Some("division by zero".into()),
            },
            "         7  pid 2   exit      killed: division by zero",
        );
        check_text(
            EventKind::Exit {
                end: EndKind::Stopped,
                status: None,
                reason: Some("stopped at tick 9 by --max-ticks 5".into()),
            },
            "         7  pid 2   exit      stopped at tick 9 by --max-ticks 5",
        );
        check_text(
            EventKind::Stop {
                reason: "stopped after 5 ticks".into(),
            },
            "         7  pid 2   stop      stopped after 5 ticks",
        );
        check_text(
            EventKind::Device {
                phase: DevicePhase::Queued,
                tid: 4,
                transfer: Transfer::Write,
                slot: Some(3),
                start: 9,
                done: 109,
                queue: 2,
                file_page: None,
            },
            "         7  pid 2   device    queued write slot 3 for tid 4  ticks 9..109  queue 2",
        );
        check_text(
            EventKind::Device {
                phase: DevicePhase::Done,
                tid: 4,
                transfer: Transfer::Read,
                slot: None,
                start: 9,
                done: 109,
                queue: 0,
                file_page: None,
            },
            "         7  pid 2   device    done   read  image for tid 4  ticks 9..109  queue 0",
        );
        check_text(
            EventKind::Device {
                phase: DevicePhase::Queued,
                tid: 4,
                transfer: Transfer::Write,
                slot: None,
                start: 9,
                done: 109,
                queue: 1,
                file_page: Some(5),
            },
            "         7  pid 2   device    queued write file page 5 for tid 4  ticks 9..109  queue 1",
        );
        check_text(
            EventKind::FileIn {
                mount: "data".into(),
                page: 5,
                pfn: 70,
                vpn: 0x40005,
            },
            "         7  pid 2   file_in   data page 5 -> pfn 70  vpn 0x40005",
        );
        check_text(
            EventKind::FileOut {
                mount: "data".into(),
                page: 5,
                pfn: 70,
                bytes: 100,
            },
            "         7  pid 2   file_out  pfn 70 -> data page 5  100 bytes",
        );
        check_text(
            EventKind::State {
                tid: 4,
                state: ThreadState::Waiting,
                reason: Some("the swap device".into()),
            },
            "         7  pid 2   state     tid 4 waiting (the swap device)",
        );
        check_text(
            EventKind::Cow {
                va: 0x20004,
                vpn: 0x20,
                from_pfn: 70,
                to_pfn: 71,
            },
            "         7  pid 2   cow       store va 0x00020004 vpn 0x00020  copied pfn 70 -> pfn 71",
        );
        check_text(
            EventKind::Cow {
                va: 0x20004,
                vpn: 0x20,
                from_pfn: 70,
                to_pfn: 70,
            },
            "         7  pid 2   cow       store va 0x00020004 vpn 0x00020  pfn 70 made writable (last sharer)",
        );
        check_text(
            EventKind::Lock {
                tid: 3,
                addr: 0x20000,
                action: LockAction::Contend,
                other: Some(2),
            },
            "         7  pid 2   lock      contend 0x00020000 by tid 3  held by tid 2",
        );
        check_text(
            EventKind::Lock {
                tid: 2,
                addr: 0x20000,
                action: LockAction::Release,
                other: Some(3),
            },
            "         7  pid 2   lock      release 0x00020000 by tid 2  handed to tid 3",
        );
        check_text(
            EventKind::Io {
                tid: 2,
                op: IoOp::Wait,
                fd: 0,
                value: 150,
            },
            "         7  pid 2   io        wait  fd 0 until tick 150 by tid 2",
        );
        check_text(
            EventKind::Switch {
                from: Some(1),
                to: 2,
                reason: "blocked".into(),
            },
            "         7  pid 2   switch    tid 1 -> tid 2  (blocked)",
        );
        check_text(
            EventKind::Syscall {
                tid: 2,
                name: "write".into(),
                args: [1, 0x20000, 5],
                result: Some(5),
            },
            "         7  pid 2   syscall   write(0x1, 0x20000, 0x5) by tid 2 = 5",
        );
    }

    #[test]
    fn jsonl_names_the_event() {
        let mut out = Vec::new();
        JsonlSink::new(&mut out).write(&access()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"tick\":12,\"pid\":1,\"event\":\"access\",\"access\":\"load\",\"va\":131076,\"pa\":266244,\"tlb_hit\":false}\n"
        );
    }

    #[test]
    fn filter_parses_known_kinds() {
        let filter = Filter::parse("access, fault").unwrap();
        assert!(filter.contains(kind::ACCESS));
        assert!(filter.contains(kind::FAULT));
        assert!(!filter.contains(kind::WALK));
        assert_eq!(Filter::parse(&KINDS.join(",")), Ok(Filter::ALL));
    }

    #[test]
    fn filter_rejects_unknown_kinds() {
        let error = Filter::parse("access,tlb").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown trace event kind \"tlb\"; valid kinds: access, walk, fault, eviction, swap_out, swap_in, exit, stop, device, state, cow, lock, io, switch, syscall, file_in, file_out"
        );
    }

    #[test]
    fn names_match_kind_bits() {
        let event = access();
        assert_eq!(event.kind.name(), "access");
        assert_eq!(1 << event.kind.index(), kind::ACCESS);
    }
}
