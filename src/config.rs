//! `pagelab config`: print the effective machine configuration.

use crate::machine_args::MachineArgs;
use crate::output::NamedWriter;
use pagelab_vm::config::MachineConfig;
use serde::Serialize;
use std::io::{self, Write};
use std::process::ExitCode;

/// Options of `pagelab config`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    machine: MachineArgs,

    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// The configuration plus the values derived from it, in a fixed key order.
#[derive(Serialize)]
struct ConfigReport<'a> {
    #[serde(flatten)]
    config: &'a MachineConfig,
    levels: u32,
    address_split: String,
    physical_bytes: u64,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.machine.to_config()?;
    let geometry = config.geometry();
    let mut out = NamedWriter::new(io::stdout().lock(), "stdout");

    if args.json {
        let report = ConfigReport {
            config: &config,
            levels: geometry.levels,
            address_split: geometry.describe_split(),
            physical_bytes: config.physical_bytes(),
        };
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
        return Ok(ExitCode::SUCCESS);
    }

    let (frames_use, pool_use) = if config.page_tables_in_pool {
        (
            "for process pages and page tables".to_string(),
            "no reserved pool: page tables take frames from --frames".to_string(),
        )
    } else {
        (
            "for process pages".to_string(),
            format!(
                "reserved pool, PFNs 0 to {}",
                config.page_table_frames.saturating_sub(1)
            ),
        )
    };
    let rows: Vec<(&str, String)> = vec![
        ("frames", format!("{} ({frames_use})", config.frames)),
        (
            "page-table-frames",
            format!("{} ({pool_use})", config.page_table_frames),
        ),
        ("page-size", format!("{} bytes", config.page_size)),
        ("va-bits", config.va_bits.to_string()),
        (
            "address split",
            format!(
                "{} ({} level{})",
                geometry.describe_split(),
                geometry.levels,
                if geometry.levels == 1 { "" } else { "s" }
            ),
        ),
        (
            "physical memory",
            format!("{} bytes", config.physical_bytes()),
        ),
        ("tlb-entries", config.tlb_entries.to_string()),
        (
            "tlb-ways",
            config.tlb_ways.map_or_else(
                || format!("{} (fully associative)", config.tlb_entries),
                |ways| ways.to_string(),
            ),
        ),
        ("tlb-policy", config.tlb_policy.to_string()),
        ("policy", config.policy.clone()),
        ("seed", config.seed.to_string()),
        ("max-ticks", config.max_ticks.to_string()),
        ("swap-slots", config.swap_slots.to_string()),
        (
            "swap-read-latency",
            format!("{} ticks", config.swap_read_latency),
        ),
        (
            "swap-write-latency",
            format!("{} ticks", config.swap_write_latency),
        ),
        (
            "walk-cost",
            format!("{} ticks per level", config.walk_cost_per_level),
        ),
        ("fault-cost", format!("{} ticks", config.fault_cost)),
        ("stack-limit", format!("{} bytes", config.stack_limit)),
        ("sched", config.scheduler.clone()),
        ("quantum", format!("{} ticks", config.quantum)),
        (
            "aging",
            config
                .aging
                .map_or("off".to_string(), |ticks| format!("every {ticks} ticks")),
        ),
        (
            "mlfq-quanta",
            config
                .scheduler_params()
                .mlfq_quanta()
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        (
            "mlfq-boost",
            config
                .mlfq_boost
                .map_or("off".to_string(), |ticks| format!("every {ticks} ticks")),
        ),
        ("tickets", config.tickets.to_string()),
        (
            "initial-estimate",
            format!("{} ticks", config.initial_estimate),
        ),
        ("switch-cost", format!("{} ticks", config.switch_cost)),
        (
            "tlb-flush-on-switch",
            config.tlb_flush_on_switch.to_string(),
        ),
        (
            "console-latency",
            format!("{} ticks per input byte", config.console_latency),
        ),
        (
            "page-tables-in-pool",
            config.page_tables_in_pool.to_string(),
        ),
        ("scope", config.scope.to_string()),
        (
            "allocation",
            config
                .allocation
                .map_or("none (global scope)".to_string(), |rule| rule.to_string()),
        ),
        (
            "frame-limits",
            if config.frame_limits.is_empty() {
                "none".to_string()
            } else {
                config
                    .frame_limits
                    .iter()
                    .map(|(pid, limit)| format!("{pid}={limit}"))
                    .collect::<Vec<_>>()
                    .join(",")
            },
        ),
    ];
    for (name, value) in rows {
        writeln!(out, "{name:<20} {value}")?;
    }
    Ok(ExitCode::SUCCESS)
}
