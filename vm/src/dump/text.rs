//! The text form of a dump, for people. `docs/inspection.md` documents the
//! layout line by line; change both together.

use super::{flag_letters, Dump, DumpPoint, FrameUse, TableDump};
use std::fmt::Write as _;

/// A part of a dump that the text output can be limited to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Each process's page-table tree.
    PageTable,
    /// The frame table.
    Frames,
    /// The TLB's valid entries.
    Tlb,
    /// Swap slots in use.
    Swap,
    /// The stored bytes of chosen frames.
    Bytes,
}

impl Section {
    /// The names `--section` accepts, in output order.
    pub const NAMES: [&'static str; 5] = ["page-table", "frames", "tlb", "swap", "bytes"];

    /// Parses a `--section` name.
    pub fn from_name(name: &str) -> Option<Section> {
        match name {
            "page-table" => Some(Section::PageTable),
            "frames" => Some(Section::Frames),
            "tlb" => Some(Section::Tlb),
            "swap" => Some(Section::Swap),
            "bytes" => Some(Section::Bytes),
            _ => None,
        }
    }
}

/// The parts of a dump to print.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only this process's page table, frames, TLB entries and swap slots.
    pub pid: Option<u32>,
    /// Only these sections; every section when empty.
    pub sections: Vec<Section>,
    /// Only these frames in the frame table and the bytes section.
    pub frames: Vec<u32>,
}

impl Selection {
    fn shows(&self, section: Section) -> bool {
        self.sections.is_empty() || self.sections.contains(&section)
    }

    fn shows_pid(&self, pid: u32) -> bool {
        self.pid.is_none_or(|wanted| wanted == pid)
    }

    fn shows_frame(&self, pfn: u32) -> bool {
        self.frames.is_empty() || self.frames.contains(&pfn)
    }
}

impl Dump {
    /// Renders the parts of the dump that `selection` chooses as text.
    pub fn to_text(&self, selection: &Selection) -> String {
        let mut out = String::new();
        self.write_header(&mut out);
        if selection.shows(Section::PageTable) {
            self.write_page_tables(&mut out, selection);
        }
        if selection.shows(Section::Frames) {
            self.write_frames(&mut out, selection);
        }
        if selection.shows(Section::Tlb) {
            self.write_tlb(&mut out, selection);
        }
        if selection.shows(Section::Swap) {
            self.write_swap(&mut out, selection);
        }
        if selection.shows(Section::Bytes) {
            self.write_bytes(&mut out, selection);
        }
        out
    }

    fn write_header(&self, out: &mut String) {
        let machine = &self.machine;
        let split: Vec<String> = machine.split.iter().map(u32::to_string).collect();
        let offset_bits = machine.page_size.trailing_zeros();
        match self.point {
            DumpPoint::Description => {
                let _ = writeln!(out, "machine description");
            }
            point => {
                let _ = writeln!(out, "dump at {point} (clock {})", self.clock);
            }
        }
        let _ = writeln!(
            out,
            "machine: {}-bit virtual addresses, {}-byte pages, split {}+{offset_bits} ({} levels)",
            machine.va_bits,
            machine.page_size,
            split.join("+"),
            machine.split.len()
        );
        let total = machine.total_frames();
        let mut memory = format!(
            "physical memory: {total} frames, {} bytes",
            total * machine.page_size as u64
        );
        if machine.page_table_frames > 0 {
            let _ = write!(
                memory,
                " (PFN 0-{} page-table pool, PFN {}-{} user frames)",
                machine.page_table_frames - 1,
                machine.page_table_frames,
                total - 1
            );
        }
        let _ = writeln!(out, "{memory}");
        if machine.tlb_entries == 0 {
            let _ = writeln!(out, "tlb: off");
        } else {
            let sets = machine.tlb_entries / machine.tlb_ways.max(1);
            let _ = writeln!(
                out,
                "tlb: {}, {} of {}",
                count(machine.tlb_entries as usize, "entry", "entries"),
                count(sets as usize, "set", "sets"),
                count(machine.tlb_ways as usize, "way", "ways")
            );
        }
        let _ = writeln!(
            out,
            "swap: {}",
            count(machine.swap_slots as usize, "slot", "slots")
        );
    }

    fn write_page_tables(&self, out: &mut String, selection: &Selection) {
        for process in &self.processes {
            if !selection.shows_pid(process.pid) {
                continue;
            }
            let _ = writeln!(
                out,
                "\npage table of pid {} ({}, {}), root at PFN {}",
                process.pid, process.name, process.state, process.page_table.pfn
            );
            write_table(out, &process.page_table, 1);
        }
    }

    fn write_frames(&self, out: &mut String, selection: &Selection) {
        let _ = writeln!(out, "\nframes");
        let mut free_run: Option<(u32, u32)> = None;
        for frame in &self.frames {
            if !selection.shows_frame(frame.pfn) {
                continue;
            }
            let line = match &frame.content {
                FrameUse::Free if selection.pid.is_some() => continue,
                FrameUse::Free => {
                    // Runs of free frames print as one range line.
                    free_run = match free_run {
                        Some((first, last)) if last + 1 == frame.pfn => Some((first, frame.pfn)),
                        Some(run) => {
                            write_free_run(out, run);
                            Some((frame.pfn, frame.pfn))
                        }
                        None => Some((frame.pfn, frame.pfn)),
                    };
                    continue;
                }
                FrameUse::PageTable { pid, level } => {
                    if !selection.shows_pid(*pid) {
                        continue;
                    }
                    format!("page table  pid {pid}, level {level}")
                }
                FrameUse::Page {
                    mappings,
                    references,
                    swap_copy,
                } => {
                    if !mappings
                        .iter()
                        .any(|mapping| selection.shows_pid(mapping.pid))
                    {
                        continue;
                    }
                    let owners: Vec<String> = mappings
                        .iter()
                        .map(|mapping| {
                            format!(
                                "pid {} vpn 0x{:x} {}",
                                mapping.pid,
                                mapping.vpn,
                                flag_letters(mapping.pte)
                            )
                        })
                        .collect();
                    let mut line = format!("page        {}, refs {references}", owners.join(", "));
                    if let Some(slot) = swap_copy {
                        let _ = write!(line, ", swap copy in slot {slot}");
                    }
                    line
                }
            };
            if let Some(run) = free_run.take() {
                write_free_run(out, run);
            }
            let _ = writeln!(out, "  PFN {:<7} {line}", frame.pfn);
        }
        if let Some(run) = free_run {
            write_free_run(out, run);
        }
    }

    fn write_tlb(&self, out: &mut String, selection: &Selection) {
        let asid = selection
            .pid
            .map(|pid| self.process(pid).map_or(pid, |process| process.asid));
        let entries: Vec<_> = self
            .tlb
            .iter()
            .filter(|entry| asid.is_none_or(|asid| asid == entry.asid))
            .collect();
        let _ = writeln!(
            out,
            "\ntlb: {}",
            count(entries.len(), "valid entry", "valid entries")
        );
        if entries.is_empty() {
            return;
        }
        let _ = writeln!(out, "  set   way   asid  vpn         pfn     flags");
        for entry in entries {
            let flags = format!(
                "{}{}",
                if entry.writable { 'W' } else { '-' },
                if entry.dirty { 'D' } else { '-' }
            );
            let _ = writeln!(
                out,
                "  {:<5} {:<5} {:<5} {:<11} {:<7} {flags}",
                entry.set,
                entry.way,
                entry.asid,
                format!("0x{:x}", entry.vpn),
                entry.pfn
            );
        }
    }

    fn write_swap(&self, out: &mut String, selection: &Selection) {
        let slots: Vec<_> = self
            .swap
            .iter()
            .filter(|slot| slot.pages.iter().any(|page| selection.shows_pid(page.pid)))
            .collect();
        let _ = writeln!(
            out,
            "\nswap: {} in use",
            count(slots.len(), "slot", "slots")
        );
        for slot in slots {
            let pages: Vec<String> = slot
                .pages
                .iter()
                .map(|page| {
                    let state = if page.resident {
                        "resident, clean copy"
                    } else {
                        "swapped out"
                    };
                    format!("pid {} vpn 0x{:x} ({state})", page.pid, page.vpn)
                })
                .collect();
            let _ = writeln!(
                out,
                "  slot {:<6} holders {}: {}",
                slot.slot,
                slot.holders,
                pages.join(", ")
            );
        }
    }

    fn write_bytes(&self, out: &mut String, selection: &Selection) {
        for &pfn in &selection.frames {
            if !self.frame_bytes.iter().any(|stored| stored.pfn == pfn) {
                let _ = writeln!(
                    out,
                    "\nbytes of PFN {pfn}: not in this dump; take the dump with --dump-frame {pfn}"
                );
            }
        }
        for stored in &self.frame_bytes {
            if !selection.shows_frame(stored.pfn) {
                continue;
            }
            // Validation decoded these bytes already; a dump built in
            // memory always has valid hex.
            let Ok(bytes) = stored.bytes() else { continue };
            let start = stored.pfn as u64 * self.machine.page_size as u64;
            let _ = writeln!(
                out,
                "\nbytes of PFN {} (physical 0x{start:08x}-0x{:08x})",
                stored.pfn,
                start + bytes.len() as u64 - 1
            );
            out.push_str(&hex_dump(start, &bytes));
        }
    }
}

/// Formats `n` with the singular or plural noun.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn write_free_run(out: &mut String, (first, last): (u32, u32)) {
    let range = if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    };
    let _ = writeln!(out, "  PFN {range:<7} free");
}

/// Writes `table` and the tables below it, one entry per line, indented
/// two spaces per level.
fn write_table(out: &mut String, table: &TableDump, depth: usize) {
    let indent = "  ".repeat(depth);
    for entry in &table.entries {
        let target = if let Some(child) = &entry.table {
            format!("-> table at PFN {}", child.pfn)
        } else if let Some(vpn) = entry.vpn {
            match (entry.bits.pfn, entry.bits.swap_slot) {
                (Some(pfn), _) => format!("vpn 0x{vpn:x} -> PFN {pfn}"),
                (None, Some(slot)) => format!("vpn 0x{vpn:x} swapped out to slot {slot}"),
                (None, None) => format!("vpn 0x{vpn:x} not present"),
            }
        } else {
            "not present".to_string()
        };
        let _ = writeln!(
            out,
            "{indent}L{}[{}] pte@0x{:08x} = 0x{:08x} {} {target}",
            table.level,
            entry.index,
            entry.pte_addr,
            entry.pte,
            flag_letters(entry.pte)
        );
        if let Some(child) = &entry.table {
            write_table(out, child, depth + 1);
        }
    }
}

/// Formats `bytes` 16 to a line: the physical address, the bytes in hex,
/// and the printable ones as ASCII. A line equal to the one before is
/// replaced by a single `*` line, as `hexdump -C` does.
pub fn hex_dump(start: u64, bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut previous: Option<&[u8]> = None;
    let mut starred = false;
    for (row, chunk) in bytes.chunks(16).enumerate() {
        if previous == Some(chunk) {
            if !starred {
                out.push_str("  *\n");
                starred = true;
            }
            continue;
        }
        previous = Some(chunk);
        starred = false;
        let mut hex = String::new();
        for (column, byte) in chunk.iter().enumerate() {
            if column == 8 {
                hex.push(' ');
            }
            let _ = write!(hex, "{byte:02x} ");
        }
        let ascii: String = chunk
            .iter()
            .map(|&byte| {
                if byte.is_ascii_graphic() || byte == b' ' {
                    byte as char
                } else {
                    '.'
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:08x}  {hex:<49} |{ascii}|",
            start + row as u64 * 16
        );
    }
    out
}
