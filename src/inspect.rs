//! `pagelab inspect`: print parts of a saved dump file as text or JSON.

use crate::dumps::{parse_point, read_dump_file, select_dump, Point};
use crate::output::NamedWriter;
use anyhow::bail;
use pagelab_vm::dump::{Dump, DumpFile, FrameUse, Section, Selection};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `pagelab inspect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A dump file written by `pagelab run --dump-at … --dump-json`, or a
    /// hand-written machine description (see docs/inspection.md).
    #[arg(value_name = "DUMP.json")]
    file: PathBuf,

    /// Only the dump at this tick, or with `exit` the exit dumps (of --pid,
    /// when given). Default: every dump in the file.
    #[arg(long, value_name = "TICK|exit")]
    at: Option<String>,

    /// Only this process: its page table, frames, TLB entries and swap slots.
    #[arg(long, value_name = "N")]
    pid: Option<u32>,

    /// Only this frame in the frame table and the bytes section. Repeatable.
    #[arg(long, value_name = "PFN")]
    frame: Vec<u32>,

    /// Only this section: page-table, frames, tlb, swap or bytes. Repeatable.
    #[arg(long, value_name = "NAME", value_parser = Section::NAMES)]
    section: Vec<String>,

    /// Print the chosen parts as one JSON object in the dump-file layout.
    #[arg(long)]
    json: bool,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let file = read_dump_file(&args.file)?;
    let at = args
        .at
        .as_deref()
        .map(|value| parse_point(value, "--at"))
        .transpose()?;
    let dumps: Vec<&Dump> = match at {
        Some(Point::Tick(_)) => vec![select_dump(&file, at, args.pid)?],
        Some(Point::Exit) => {
            let exits = exit_dumps(&file, args.pid);
            if exits.is_empty() {
                // Reuse the selection's message, which lists the dumps.
                select_dump(&file, at, args.pid)?;
            }
            exits
        }
        None => file.dumps.iter().collect(),
    };

    let selection = Selection {
        pid: args.pid,
        sections: args
            .section
            .iter()
            .filter_map(|name| Section::from_name(name))
            .collect(),
        frames: args.frame.clone(),
    };
    check_selection(&dumps, &selection)?;

    let mut out = NamedWriter::new(io::stdout().lock(), "stdout");
    if args.json {
        let chosen = dumps.iter().map(|dump| filter(dump, &selection)).collect();
        serde_json::to_writer_pretty(&mut out, &DumpFile::new(chosen))?;
        writeln!(out)?;
    } else {
        let texts: Vec<String> = dumps.iter().map(|dump| dump.to_text(&selection)).collect();
        write!(out, "{}", texts.join("\n"))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Returns the exit dumps of `pid`, or every exit dump without a pid.
fn exit_dumps(file: &DumpFile, pid: Option<u32>) -> Vec<&Dump> {
    file.dumps
        .iter()
        .filter(|dump| match dump.point {
            pagelab_vm::dump::DumpPoint::Exit { pid: ended } => pid.is_none_or(|pid| pid == ended),
            _ => false,
        })
        .collect()
}

/// Rejects a pid missing from every chosen dump and a frame outside the machine.
fn check_selection(dumps: &[&Dump], selection: &Selection) -> anyhow::Result<()> {
    if let Some(pid) = selection.pid {
        if !dumps.iter().any(|dump| dump.process(pid).is_some()) {
            let mut pids: Vec<u32> = dumps
                .iter()
                .flat_map(|dump| dump.processes.iter().map(|process| process.pid))
                .collect();
            pids.sort_unstable();
            pids.dedup();
            let list: Vec<String> = pids.iter().map(u32::to_string).collect();
            bail!(
                "pid {pid} is not in the chosen dumps; they contain pids {}",
                if list.is_empty() {
                    "none".to_string()
                } else {
                    list.join(", ")
                }
            );
        }
    }
    for &pfn in &selection.frames {
        for dump in dumps {
            let total = dump.machine.total_frames();
            if pfn as u64 >= total {
                bail!(
                    "frame {pfn} is not in the machine of {}: its PFNs go from 0 to {}",
                    dump.point.describe_dump(),
                    total - 1
                );
            }
        }
    }
    Ok(())
}

/// Returns a copy of `dump` with only the parts `selection` chooses.
fn filter(dump: &Dump, selection: &Selection) -> Dump {
    let shows = |section| selection.sections.is_empty() || selection.sections.contains(&section);
    let shows_pid = |pid: u32| selection.pid.is_none_or(|wanted| wanted == pid);
    let shows_frame = |pfn: u32| selection.frames.is_empty() || selection.frames.contains(&pfn);
    let mut copy = dump.clone();
    copy.processes
        .retain(|process| shows(Section::PageTable) && shows_pid(process.pid));
    copy.frames.retain(|frame| {
        let owned = match &frame.content {
            FrameUse::Free => selection.pid.is_none(),
            FrameUse::PageTable { pid, .. } => shows_pid(*pid),
            FrameUse::Page { mappings, .. } => {
                mappings.iter().any(|mapping| shows_pid(mapping.pid))
            }
        };
        shows(Section::Frames) && shows_frame(frame.pfn) && owned
    });
    let asid = selection
        .pid
        .map(|pid| dump.process(pid).map_or(pid, |process| process.asid));
    copy.tlb
        .retain(|entry| shows(Section::Tlb) && asid.is_none_or(|asid| asid == entry.asid));
    copy.swap
        .retain(|slot| shows(Section::Swap) && slot.pages.iter().any(|page| shows_pid(page.pid)));
    copy.frame_bytes
        .retain(|stored| shows(Section::Bytes) && shows_frame(stored.pfn));
    copy
}
