//! The machine configuration: one [`MachineConfig`] with documented defaults
//! and a [`MachineConfig::validate`] that names every bad value and its limit.
//!
//! This module only describes a machine; building one is the kernel's job.

use crate::hw::page_table::{Geometry, PTE_FIELD_LIMIT};
use crate::hw::tlb::{Tlb, TlbPolicy};
use crate::kernel::scheduler;
use crate::policy;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Default values, shared with the command-line options.
pub mod defaults {
    /// User frames: small enough that the sample programs fault visibly.
    pub const FRAMES: usize = 8;
    /// Page size in bytes.
    pub const PAGE_SIZE: u32 = 4096;
    /// Virtual address width in bits.
    pub const VA_BITS: u32 = 32;
    /// Frames reserved for page tables.
    pub const PAGE_TABLE_FRAMES: usize = 64;
    /// TLB entries.
    pub const TLB_ENTRIES: usize = 16;
    /// Replacement policy: the second-chance clock that real kernels approximate.
    pub const POLICY: &str = "clock";
    /// Seed of randomised policies.
    pub const SEED: u64 = 0;
    /// Tick budget of a run.
    pub const MAX_TICKS: u64 = 100_000_000;
    /// Swap slots (one page each).
    pub const SWAP_SLOTS: usize = 1024;
    /// Ticks to read one page from swap.
    pub const SWAP_READ_LATENCY: u64 = 100;
    /// Ticks to write one page to swap.
    pub const SWAP_WRITE_LATENCY: u64 = 100;
    /// Ticks per page-table level read during a walk (a TLB miss).
    pub const WALK_COST_PER_LEVEL: u64 = 1;
    /// Ticks the kernel spends handling one page fault, device time excluded.
    pub const FAULT_COST: u64 = 20;
    /// Maximum stack size in bytes.
    pub const STACK_LIMIT: u32 = 1 << 20;
    /// CPU scheduler. FCFS keeps single-program runs and the thrashing
    /// experiment in docs/thrashing.md free of time slicing; `--sched rr`
    /// gives the time-shared machine most textbooks describe.
    pub const SCHEDULER: &str = "fcfs";
    /// Ticks one context switch costs.
    pub const SWITCH_COST: u64 = 5;
    /// Time slice of `rr`, `lottery` and `stride`, and the top `mlfq` level,
    /// in ticks. Longer than job-list mode's textbook default of 4, because
    /// in the VM a tick is one instruction.
    pub const QUANTUM: u64 = 100;
    /// Number of `mlfq` levels.
    pub const MLFQ_LEVELS: usize = 3;
    /// `lottery` and `stride` tickets of a priority-0 thread.
    pub const TICKETS: u64 = 100;
    /// `sjf` and `srtf`: predicted first CPU burst, in ticks.
    pub const INITIAL_ESTIMATE: u64 = 10;
    /// Ticks between two input bytes from the console.
    pub const CONSOLE_LATENCY: u64 = 50;
}

/// Upper limits that keep a configuration within what the PTE fields and the
/// host's memory can hold.
pub mod limits {
    /// Maximum frames in total (user plus page-table pool): the PTE's PFN field is 20 bits.
    pub const MAX_TOTAL_FRAMES: usize = super::PTE_FIELD_LIMIT;
    /// Maximum bytes of emulated physical memory (1 GiB).
    pub const MAX_PHYSICAL_BYTES: u64 = 1 << 30;
    /// Maximum TLB entries: the TLB is searched linearly.
    pub const MAX_TLB_ENTRIES: usize = 4096;
    /// Maximum swap slots: a non-present PTE stores the slot in 20 bits.
    pub const MAX_SWAP_SLOTS: usize = super::PTE_FIELD_LIMIT;
    /// Smallest page size: a page must hold at least four PTEs.
    pub const MIN_PAGE_SIZE: u32 = 16;
    /// Largest page size, the object format's section alignment.
    pub const MAX_PAGE_SIZE: u32 = crate::object::SECTION_ALIGN;
    /// Narrowest virtual address.
    pub const MIN_VA_BITS: u32 = 8;
    /// Widest virtual address.
    pub const MAX_VA_BITS: u32 = 32;
    /// Largest stack (256 MiB); the heap lives below it.
    pub const MAX_STACK_LIMIT: u32 = 1 << 28;
}

/// Everything that defines the emulated machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MachineConfig {
    /// Physical frames for process pages (the replacement policy manages these).
    pub frames: usize,
    /// Page size in bytes, a power of two from 16 to 65536.
    pub page_size: u32,
    /// Virtual address width in bits, 8 to 32 and wider than the page offset.
    /// Programs need 32: their stack ends at `0xC0000000`.
    pub va_bits: u32,
    /// Index bits of each page-table level, root first; `None` derives
    /// them from one-page tables of 4-byte PTEs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<Vec<u32>>,
    /// Frames reserved for page tables, in addition to `frames`.
    pub page_table_frames: usize,
    /// TLB entries; 0 disables the TLB, so every access walks the page table.
    pub tlb_entries: usize,
    /// Replacement policy name, one of [`policy::NAMES`] except offline ones.
    pub policy: String,
    /// Seed of randomised policies.
    pub seed: u64,
    /// The run stops when the clock reaches this many ticks.
    pub max_ticks: u64,
    /// Swap slots, each holding one page.
    pub swap_slots: usize,
    /// Ticks to read one page from swap.
    pub swap_read_latency: u64,
    /// Ticks to write one page to swap.
    pub swap_write_latency: u64,
    /// Ticks per page-table level read on a TLB miss.
    pub walk_cost_per_level: u64,
    /// Ticks the kernel spends per page fault, device latency excluded.
    pub fault_cost: u64,
    /// Maximum stack size in bytes, a multiple of the page size.
    pub stack_limit: u32,
    /// CPU scheduler name, one of [`scheduler::NAMES`].
    pub scheduler: String,
    /// Time slice in ticks of `rr`, `lottery` and `stride`, and the quantum
    /// of the top `mlfq` level (doubled at each level below).
    pub quantum: u64,
    /// `priority` and `priority-np`: raise a ready thread's priority by one
    /// for every this many ticks it waits; `None` disables aging.
    pub aging: Option<u64>,
    /// Number of `mlfq` levels when `mlfq_quanta` is `None`.
    pub mlfq_levels: usize,
    /// Quantum of each `mlfq` level in ticks, top level first.
    pub mlfq_quanta: Option<Vec<u64>>,
    /// `mlfq`: move every thread to the top level every this many ticks;
    /// `None` disables the boost.
    pub mlfq_boost: Option<u64>,
    /// `lottery` and `stride`: tickets of a priority-0 thread.
    pub tickets: u64,
    /// `sjf` and `srtf`: predicted length in ticks of a thread's first CPU
    /// burst. Later bursts are predicted by exponential averaging with the
    /// scheduler's default weight (0.5).
    pub initial_estimate: u64,
    /// Ticks one context switch costs.
    pub switch_cost: u64,
    /// Whether every context switch flushes the TLB, as on hardware without
    /// ASID tags.
    pub tlb_flush_on_switch: bool,
    /// Ticks between two bytes of standard input from the console device.
    pub console_latency: u64,
    /// TLB entries per set; `None` puts every entry in one set (fully
    /// associative), 1 makes the TLB direct-mapped.
    pub tlb_ways: Option<usize>,
    /// Replacement within a TLB set.
    pub tlb_policy: TlbPolicy,
    /// Whether page tables take user frames (pinned while they hold a
    /// table) instead of the reserved pool; `page_table_frames` is then 0.
    pub page_tables_in_pool: bool,
    /// Replacement scope: the frames a faulting process may take a victim from.
    pub scope: Scope,
    /// Rule by which local scope divides the frames among processes.
    /// `None` under global scope, where it has no meaning.
    pub allocation: Option<Allocation>,
    /// Explicit frame limits of processes under local scope, by pid.
    pub frame_limits: BTreeMap<u32, usize>,
}

/// Replacement scope: whose pages a fault may evict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One policy over every frame; a fault may evict any process's page.
    #[default]
    Global,
    /// One policy per process; a process at its frame limit evicts only its own pages.
    Local,
}

/// Rule that sets the frame limit of a process without an explicit one, under local scope.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Allocation {
    /// The frames divided evenly among the live processes, the remainder
    /// going to the lowest pids.
    #[default]
    Equal,
    /// The frames divided in proportion to each process's virtual size.
    Proportional,
}

impl std::str::FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Scope, String> {
        match text {
            "global" => Ok(Scope::Global),
            "local" => Ok(Scope::Local),
            _ => Err(format!("{text:?} is not a scope; use global or local")),
        }
    }
}

impl std::str::FromStr for Allocation {
    type Err = String;

    fn from_str(text: &str) -> Result<Allocation, String> {
        match text {
            "equal" => Ok(Allocation::Equal),
            "proportional" => Ok(Allocation::Proportional),
            _ => Err(format!(
                "{text:?} is not an allocation rule; use equal or proportional"
            )),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Global => "global",
            Scope::Local => "local",
        })
    }
}

impl fmt::Display for Allocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Allocation::Equal => "equal",
            Allocation::Proportional => "proportional",
        })
    }
}

impl Default for MachineConfig {
    fn default() -> MachineConfig {
        MachineConfig {
            frames: defaults::FRAMES,
            page_size: defaults::PAGE_SIZE,
            va_bits: defaults::VA_BITS,
            split: None,
            page_table_frames: defaults::PAGE_TABLE_FRAMES,
            tlb_entries: defaults::TLB_ENTRIES,
            policy: defaults::POLICY.to_string(),
            seed: defaults::SEED,
            max_ticks: defaults::MAX_TICKS,
            swap_slots: defaults::SWAP_SLOTS,
            swap_read_latency: defaults::SWAP_READ_LATENCY,
            swap_write_latency: defaults::SWAP_WRITE_LATENCY,
            walk_cost_per_level: defaults::WALK_COST_PER_LEVEL,
            fault_cost: defaults::FAULT_COST,
            stack_limit: defaults::STACK_LIMIT,
            scheduler: defaults::SCHEDULER.to_string(),
            quantum: defaults::QUANTUM,
            aging: None,
            mlfq_levels: defaults::MLFQ_LEVELS,
            mlfq_quanta: None,
            mlfq_boost: None,
            tickets: defaults::TICKETS,
            initial_estimate: defaults::INITIAL_ESTIMATE,
            switch_cost: defaults::SWITCH_COST,
            tlb_flush_on_switch: false,
            console_latency: defaults::CONSOLE_LATENCY,
            tlb_ways: None,
            tlb_policy: TlbPolicy::Lru,
            page_tables_in_pool: false,
            scope: Scope::Global,
            allocation: None,
            frame_limits: BTreeMap::new(),
        }
    }
}

/// A configuration value outside its valid range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The option's name as the command line spells it (`frames`, `page-size`).
    pub field: &'static str,
    /// Description of the problem and the fix.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid --{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl MachineConfig {
    /// Returns a one-line summary of the settings that shape fault counts,
    /// printed above the statistics of a run.
    pub fn describe_briefly(&self) -> String {
        let mut summary = format!(
            "machine: {} {} of {} bytes, policy {}, {} TLB entries, seed {}",
            self.frames,
            if self.frames == 1 { "frame" } else { "frames" },
            self.page_size,
            self.policy,
            self.tlb_entries,
            self.seed
        );
        if self.page_tables_in_pool {
            summary.push_str(", page tables in the frames");
        }
        if let (Scope::Local, Some(allocation)) = (self.scope, self.allocation) {
            summary.push_str(&format!(", local scope ({allocation} allocation)"));
        }
        summary
    }

    /// Returns the parameters the scheduler is built with. The weight of
    /// SJF's exponential average keeps its default.
    pub fn scheduler_params(&self) -> scheduler::SchedulerParams {
        scheduler::SchedulerParams {
            quantum: self.quantum,
            aging: self.aging,
            mlfq_levels: self.mlfq_levels,
            mlfq_quanta: self.mlfq_quanta.clone(),
            mlfq_boost: self.mlfq_boost,
            tickets: self.tickets,
            initial_estimate: self.initial_estimate,
            seed: self.seed,
            ..scheduler::SchedulerParams::default()
        }
    }

    /// Builds the empty TLB this configuration describes.
    pub fn build_tlb(&self) -> Tlb {
        let ways = self.tlb_ways.unwrap_or(self.tlb_entries).max(1);
        Tlb::with_organisation(self.tlb_entries, ways, self.tlb_policy, self.seed)
    }

    /// Returns a copy with another replacement policy.
    pub fn with_policy(mut self, name: &str) -> MachineConfig {
        self.policy = name.to_string();
        self
    }

    /// Checks every field against its limit.
    ///
    /// # Errors
    ///
    /// Returns the first invalid field with its value and the valid range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let error = |field: &'static str, message: String| Err(ConfigError { field, message });

        if self.frames == 0 {
            return error(
                "frames",
                "0 frames cannot hold any page; use at least 1".into(),
            );
        }
        if !self.page_size.is_power_of_two()
            || !(limits::MIN_PAGE_SIZE..=limits::MAX_PAGE_SIZE).contains(&self.page_size)
        {
            return error(
                "page-size",
                format!(
                    "{} is not a power of two from {} to {}",
                    self.page_size,
                    limits::MIN_PAGE_SIZE,
                    limits::MAX_PAGE_SIZE
                ),
            );
        }
        if !(limits::MIN_VA_BITS..=limits::MAX_VA_BITS).contains(&self.va_bits) {
            return error(
                "va-bits",
                format!(
                    "{} is outside the range {} to {}",
                    self.va_bits,
                    limits::MIN_VA_BITS,
                    limits::MAX_VA_BITS
                ),
            );
        }
        let offset_bits = self.page_size.trailing_zeros();
        if self.va_bits <= offset_bits {
            return error(
                "va-bits",
                format!(
                    "{} leaves no page-number bit next to the {offset_bits} offset bits of {}-byte pages; use more than {offset_bits} bits or smaller pages",
                    self.va_bits, self.page_size
                ),
            );
        }
        if let Some(split) = &self.split {
            if let Err(message) = Geometry::with_split(self.page_size, self.va_bits, split) {
                return error("levels or --split", message);
            }
        }
        if self.page_table_frames == 0 && !self.page_tables_in_pool {
            return error(
                "page-table-frames",
                "0 leaves no frame for a process's root page table; use at least 1".into(),
            );
        }
        if self.page_table_frames != 0 && self.page_tables_in_pool {
            return error(
                "page-table-frames",
                format!(
                    "{} reserved frames would go unused, because --page-tables-in-pool takes page tables from --frames; leave out --page-table-frames",
                    self.page_table_frames
                ),
            );
        }
        self.validate_scope()?;
        let total = self.frames.saturating_add(self.page_table_frames);
        if total > limits::MAX_TOTAL_FRAMES {
            return error(
                "frames or --page-table-frames",
                format!(
                    "{} frames plus {} page-table frames is {total}, above the limit of {} frames (the PTE's frame field has 20 bits)",
                    self.frames,
                    self.page_table_frames,
                    limits::MAX_TOTAL_FRAMES
                ),
            );
        }
        let bytes = total as u64 * self.page_size as u64;
        if bytes > limits::MAX_PHYSICAL_BYTES {
            return error(
                "frames or --page-table-frames",
                format!(
                    "{total} frames of {} bytes need {bytes} bytes of physical memory, above the limit of {} bytes; use fewer frames or smaller pages",
                    self.page_size,
                    limits::MAX_PHYSICAL_BYTES
                ),
            );
        }
        if self.tlb_entries > limits::MAX_TLB_ENTRIES {
            return error(
                "tlb-entries",
                format!(
                    "{} is above the limit of {} entries",
                    self.tlb_entries,
                    limits::MAX_TLB_ENTRIES
                ),
            );
        }
        if let Some(ways) = self.tlb_ways {
            if ways == 0 {
                return error(
                    "tlb-ways",
                    "0 ways leave no room in a set; use at least 1".into(),
                );
            }
            let entries = self.tlb_entries;
            if entries == 0 && ways > 1 {
                return error(
                    "tlb-ways",
                    format!("{ways} ways need a TLB, but --tlb-entries 0 turns it off; leave out --tlb-ways or give --tlb-entries"),
                );
            }
            if entries > 0 && !entries.is_multiple_of(ways) {
                return error(
                    "tlb-ways",
                    format!("{entries} TLB entries are not a multiple of {ways} ways; choose ways that divide --tlb-entries"),
                );
            }
            let sets = entries / ways;
            if entries > 0 && !sets.is_power_of_two() {
                return error(
                    "tlb-ways",
                    format!("{entries} TLB entries in sets of {ways} ways give {sets} sets, which is not a power of two; the set index is the low bits of the VPN"),
                );
            }
        }
        if let Err(policy_error) = policy::new(&self.policy, self.frames, self.seed, None) {
            return error("policy", policy_error.to_string());
        }
        if let Err(scheduler_error) = scheduler::new_with(&self.scheduler, &self.scheduler_params())
        {
            let field = match scheduler_error {
                scheduler::SchedulerError::InvalidParameter { parameter, .. } => match parameter {
                    "aging" => "aging",
                    "mlfq_levels" => "mlfq-levels",
                    "mlfq_quanta" => "mlfq-quanta",
                    "mlfq_boost" => "mlfq-boost",
                    "tickets" => "tickets",
                    "initial_estimate" => "initial-estimate",
                    _ => "quantum",
                },
                _ => "sched",
            };
            return error(field, scheduler_error.to_string());
        }
        if self.swap_slots > limits::MAX_SWAP_SLOTS {
            return error(
                "swap-slots",
                format!(
                    "{} is above the limit of {} slots (a PTE stores the slot in 20 bits)",
                    self.swap_slots,
                    limits::MAX_SWAP_SLOTS
                ),
            );
        }
        if self.stack_limit == 0
            || !self.stack_limit.is_multiple_of(self.page_size)
            || self.stack_limit > limits::MAX_STACK_LIMIT
        {
            return error(
                "stack-limit",
                format!(
                    "{} is not a non-zero multiple of the page size {} of at most {} bytes",
                    self.stack_limit,
                    self.page_size,
                    limits::MAX_STACK_LIMIT
                ),
            );
        }
        Ok(())
    }

    /// Checks the local-scope settings: allocation and frame limits need
    /// local scope, and each limit lies from 1 to `frames`, as does their sum.
    fn validate_scope(&self) -> Result<(), ConfigError> {
        let error = |field: &'static str, message: String| Err(ConfigError { field, message });
        if self.scope == Scope::Global {
            if let Some(allocation) = self.allocation {
                return error(
                    "allocation",
                    format!("{allocation} has no effect under global scope; add --scope local"),
                );
            }
            if let Some((pid, limit)) = self.frame_limits.iter().next() {
                return error(
                    "frame-limit",
                    format!("{pid}={limit} has no effect under global scope; add --scope local"),
                );
            }
            return Ok(());
        }
        for (&pid, &limit) in &self.frame_limits {
            if pid == 0 {
                return error(
                    "frame-limit",
                    format!("0={limit} names pid 0, but pids start at 1"),
                );
            }
            if limit == 0 {
                return error(
                    "frame-limit",
                    format!("{pid}=0 leaves process {pid} no frame; give it at least 1"),
                );
            }
            if limit > self.frames {
                return error(
                    "frame-limit",
                    format!(
                        "{pid}={limit} is above the {} frames of the machine; lower the limit or raise --frames",
                        self.frames
                    ),
                );
            }
        }
        let total: usize = self.frame_limits.values().sum();
        if total > self.frames {
            return error(
                "frame-limit",
                format!(
                    "the limits add up to {total} frames, above the {} frames of the machine; lower them or raise --frames",
                    self.frames
                ),
            );
        }
        Ok(())
    }

    /// Returns the page-table geometry (levels and index widths).
    ///
    /// # Panics
    ///
    /// Panics if the page size, address width or split is invalid, which
    /// [`MachineConfig::validate`] rejects.
    pub fn geometry(&self) -> Geometry {
        match &self.split {
            Some(split) => Geometry::with_split(self.page_size, self.va_bits, split)
                .expect("a validated configuration has a valid split"),
            None => Geometry::new(self.page_size, self.va_bits)
                .expect("a validated configuration has a valid page size and address width"),
        }
    }

    /// Returns the size of emulated physical memory in bytes: page tables plus user frames.
    pub fn physical_bytes(&self) -> u64 {
        (self.frames as u64 + self.page_table_frames as u64) * self.page_size as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduler_defaults_match_the_schedulers() {
        let expected = scheduler::SchedulerParams {
            quantum: defaults::QUANTUM,
            ..scheduler::SchedulerParams::default()
        };
        assert_eq!(MachineConfig::default().scheduler_params(), expected);
    }

    fn fifo() -> MachineConfig {
        MachineConfig::default().with_policy("fifo")
    }

    fn field_of(config: MachineConfig) -> Option<&'static str> {
        config.validate().err().map(|error| error.field)
    }

    #[test]
    fn fifo_defaults_are_valid() {
        assert_eq!(fifo().validate(), Ok(()));
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases: Vec<(MachineConfig, &str)> = vec![
            (
                MachineConfig {
                    frames: 0,
                    ..fifo()
                },
                "frames",
            ),
            (
                MachineConfig {
                    frames: 1 << 21,
                    ..fifo()
                },
                "frames or --page-table-frames",
            ),
            (
                MachineConfig {
                    frames: 300_000,
                    ..fifo()
                },
                "frames or --page-table-frames",
            ),
            (
                MachineConfig {
                    page_table_frames: usize::MAX,
                    ..fifo()
                },
                "frames or --page-table-frames",
            ),
            (
                MachineConfig {
                    page_size: 3000,
                    ..fifo()
                },
                "page-size",
            ),
            (
                MachineConfig {
                    page_size: 8,
                    ..fifo()
                },
                "page-size",
            ),
            (
                MachineConfig {
                    page_size: 1 << 17,
                    ..fifo()
                },
                "page-size",
            ),
            (
                MachineConfig {
                    va_bits: 7,
                    ..fifo()
                },
                "va-bits",
            ),
            (
                MachineConfig {
                    va_bits: 33,
                    ..fifo()
                },
                "va-bits",
            ),
            (
                MachineConfig {
                    va_bits: 12,
                    ..fifo()
                },
                "va-bits",
            ),
            (
                MachineConfig {
                    page_table_frames: 0,
                    ..fifo()
                },
                "page-table-frames",
            ),
            (
                MachineConfig {
                    tlb_entries: 5000,
                    ..fifo()
                },
                "tlb-entries",
            ),
            (
                MachineConfig {
                    tlb_ways: Some(0),
                    ..fifo()
                },
                "tlb-ways",
            ),
            (
                MachineConfig {
                    tlb_entries: 16,
                    tlb_ways: Some(3),
                    ..fifo()
                },
                "tlb-ways",
            ),
            (
                MachineConfig {
                    tlb_entries: 24,
                    tlb_ways: Some(2),
                    ..fifo()
                },
                "tlb-ways",
            ),
            (
                MachineConfig {
                    tlb_entries: 0,
                    tlb_ways: Some(2),
                    ..fifo()
                },
                "tlb-ways",
            ),
            (fifo().with_policy("nope"), "policy"),
            (
                MachineConfig {
                    swap_slots: 1 << 21,
                    ..fifo()
                },
                "swap-slots",
            ),
            (
                MachineConfig {
                    stack_limit: 100,
                    ..fifo()
                },
                "stack-limit",
            ),
            (
                MachineConfig {
                    stack_limit: 0,
                    ..fifo()
                },
                "stack-limit",
            ),
        ];
        for (config, field) in cases {
            assert_eq!(field_of(config.clone()), Some(field), "{config:?}");
        }
    }

    #[test]
    fn message_names_value_and_limit() {
        let config = MachineConfig {
            tlb_entries: 5000,
            ..fifo()
        };
        let message = config.validate().unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid --tlb-entries: 5000 is above the limit of 4096 entries"
        );
    }

    #[test]
    fn narrow_addresses_are_valid() {
        let config = MachineConfig {
            va_bits: 13,
            ..fifo()
        };
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.geometry().describe_split(), "1+12");
        let message = MachineConfig {
            va_bits: 12,
            ..fifo()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert_eq!(
            message,
            "invalid --va-bits: 12 leaves no page-number bit next to the 12 offset bits of 4096-byte pages; use more than 12 bits or smaller pages"
        );
    }

    #[test]
    fn explicit_split_is_validated() {
        let config = MachineConfig {
            va_bits: 16,
            split: Some(vec![2, 2]),
            ..fifo()
        };
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.geometry().describe_split(), "2+2+12");
        let message = MachineConfig {
            split: Some(vec![10, 11]),
            ..fifo()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert_eq!(
            message,
            "invalid --levels or --split: split 10,11 adds up to 21 bits, but 32 address bits minus 12 offset bits leave 20"
        );
    }

    #[test]
    fn physical_size_counts_both_pools() {
        assert_eq!(fifo().physical_bytes(), (8 + 64) * 4096);
    }
}
