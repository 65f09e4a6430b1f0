//! The machine options shared by `pagelab run` and `pagelab config`, turned
//! into a validated [`MachineConfig`].

use pagelab_vm::config::{defaults, Allocation, MachineConfig, Scope};
use pagelab_vm::hw::tlb::TlbPolicy;
use std::collections::BTreeMap;

/// Returns the help text of `--policy`, listing every policy.
fn policy_help() -> String {
    format!(
        "Replacement policy: {}; `pagelab run` runs opt in two passes, and `pagelab config` cannot show it. Parameters follow a colon, as in `clock:new_ref=0` (see docs/policies.md)",
        pagelab_vm::policy::NAMES.join(", ")
    )
}

/// Options that define the emulated machine.
#[derive(clap::Args, Debug, Clone)]
pub struct MachineArgs {
    /// Physical frames for process pages (page tables use a separate pool
    /// unless --page-tables-in-pool is given).
    #[arg(long, value_name = "N", default_value_t = defaults::FRAMES)]
    pub frames: usize,

    /// Page size in bytes: a power of two from 16 to 65536.
    #[arg(long, value_name = "BYTES", default_value_t = defaults::PAGE_SIZE)]
    pub page_size: u32,

    /// Virtual address width in bits, 8 to 32. Programs need 32 (their
    /// stack ends at 0xC0000000); narrower machines are for translation
    /// exercises.
    #[arg(long, value_name = "N", default_value_t = defaults::VA_BITS)]
    pub va_bits: u32,

    /// Number of page-table levels. The page-number bits are divided as
    /// evenly as possible, lower levels taking the extra bits. Default: as
    /// many levels as one-page tables of 4-byte entries need.
    #[arg(long = "levels", value_name = "N", conflicts_with = "split")]
    pub table_levels: Option<u32>,

    /// Index bits of each page-table level, root first, separated by
    /// commas (as in "5,5"). They must add up to --va-bits minus the page
    /// offset bits, and each level's table must fit in one page.
    #[arg(long, value_name = "BITS,...", value_delimiter = ',')]
    pub split: Option<Vec<u32>>,

    #[arg(
        long,
        value_name = "NAME[:KEY=VALUE,...]",
        default_value = defaults::POLICY,
        help = policy_help()
    )]
    pub policy: String,

    /// TLB entries; 0 disables the TLB.
    #[arg(long, value_name = "N", default_value_t = defaults::TLB_ENTRIES)]
    pub tlb_entries: usize,

    /// TLB entries per set (1 is direct-mapped); the entries must split into
    /// a power-of-two number of sets. Default: one set (fully associative).
    #[arg(long, value_name = "N")]
    pub tlb_ways: Option<usize>,

    /// Replacement within a TLB set: lru, fifo or random (seeded by --seed).
    #[arg(long, value_name = "NAME", default_value = "lru")]
    pub tlb_policy: String,

    /// Seed of the random policy.
    #[arg(long, value_name = "N", default_value_t = defaults::SEED)]
    pub seed: u64,

    /// Stop the run when the clock reaches this many ticks.
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_TICKS)]
    pub max_ticks: u64,

    /// Swap slots, one page each.
    #[arg(long, value_name = "N", default_value_t = defaults::SWAP_SLOTS)]
    pub swap_slots: usize,

    /// Ticks to read one page from swap.
    #[arg(long, value_name = "TICKS", default_value_t = defaults::SWAP_READ_LATENCY)]
    pub swap_read_latency: u64,

    /// Ticks to write one page to swap.
    #[arg(long, value_name = "TICKS", default_value_t = defaults::SWAP_WRITE_LATENCY)]
    pub swap_write_latency: u64,

    /// Frames reserved for page tables, in addition to --frames.
    #[arg(long, value_name = "N", default_value_t = defaults::PAGE_TABLE_FRAMES)]
    pub page_table_frames: usize,

    /// Ticks per page-table level read on a TLB miss.
    #[arg(long, value_name = "TICKS", default_value_t = defaults::WALK_COST_PER_LEVEL)]
    pub walk_cost: u64,

    /// Ticks the kernel spends per page fault, device latency excluded.
    #[arg(long, value_name = "TICKS", default_value_t = defaults::FAULT_COST)]
    pub fault_cost: u64,

    /// Maximum stack size in bytes, a multiple of the page size.
    #[arg(long, value_name = "BYTES", default_value_t = defaults::STACK_LIMIT)]
    pub stack_limit: u32,

    /// CPU scheduler: fcfs, rr, priority, priority-np, mlfq, sjf, srtf,
    /// lottery or stride.
    #[arg(long = "sched", value_name = "NAME", default_value = defaults::SCHEDULER)]
    pub scheduler: String,

    /// Time slice in ticks of rr, lottery and stride, and the quantum of the
    /// top mlfq level (doubled at each level below).
    #[arg(long, value_name = "TICKS", default_value_t = defaults::QUANTUM)]
    pub quantum: u64,

    /// priority and priority-np: raise a waiting thread's priority by one
    /// for every TICKS ticks it waits. Default: no aging.
    #[arg(long, value_name = "TICKS")]
    pub aging: Option<u64>,

    /// mlfq: number of levels, from 1 to 64.
    #[arg(long = "mlfq-levels", value_name = "N", default_value_t = defaults::MLFQ_LEVELS)]
    pub levels: usize,

    /// mlfq: quantum of each level in ticks, top level first, separated by
    /// commas (as in "50,100,200"). Sets the number of levels.
    #[arg(long = "mlfq-quanta", value_name = "TICKS,...", value_delimiter = ',')]
    pub quanta: Option<Vec<u64>>,

    /// mlfq: move every thread to the top level every TICKS ticks. Default: no boost.
    #[arg(long = "mlfq-boost", value_name = "TICKS")]
    pub boost: Option<u64>,

    /// lottery and stride: tickets of a priority-0 thread; priority p holds
    /// tickets / (p + 1), at least 1.
    #[arg(long, value_name = "N", default_value_t = defaults::TICKETS)]
    pub tickets: u64,

    /// sjf and srtf: predicted length of a thread's first CPU burst, in ticks.
    #[arg(long, value_name = "TICKS", default_value_t = defaults::INITIAL_ESTIMATE)]
    pub initial_estimate: u64,

    /// Ticks one context switch costs.
    #[arg(long, value_name = "TICKS", default_value_t = defaults::SWITCH_COST)]
    pub switch_cost: u64,

    /// Flush the whole TLB at every context switch, as on hardware without ASID tags.
    #[arg(long)]
    pub tlb_flush_on_switch: bool,

    /// Ticks between two bytes of standard input from the console device.
    #[arg(long, value_name = "TICKS", default_value_t = defaults::CONSOLE_LATENCY)]
    pub console_latency: u64,

    /// Take page tables from --frames, pinned while they hold a table,
    /// instead of the reserved pool of --page-table-frames.
    #[arg(long, conflicts_with = "page_table_frames")]
    pub page_tables_in_pool: bool,

    /// Replacement scope: global (a fault may evict any process's page) or
    /// local (each process replaces among its own frames, with its own
    /// policy).
    #[arg(long, value_name = "SCOPE", default_value = "global")]
    pub scope: String,

    /// Local scope: how frames are divided among processes, equal or
    /// proportional (to each process's virtual size). Default: equal.
    #[arg(long, value_name = "RULE")]
    pub allocation: Option<String>,

    /// Local scope: at most N frames for process PID; repeat for several
    /// processes. Others follow --allocation.
    #[arg(long = "frame-limit", value_name = "PID=N")]
    pub frame_limits: Vec<String>,
}

/// Parses the `--frame-limit PID=N` options into a map, rejecting
/// malformed and repeated pids.
fn parse_frame_limits(texts: &[String]) -> anyhow::Result<BTreeMap<u32, usize>> {
    let mut limits = BTreeMap::new();
    for text in texts {
        let parsed = text.split_once('=').and_then(|(pid, limit)| {
            Some((
                pid.trim().parse::<u32>().ok()?,
                limit.trim().parse::<usize>().ok()?,
            ))
        });
        let Some((pid, limit)) = parsed else {
            anyhow::bail!(
                "invalid --frame-limit: {text:?} is not PID=N with two numbers, as in 1=4"
            );
        };
        if limits.insert(pid, limit).is_some() {
            anyhow::bail!("invalid --frame-limit: pid {pid} is given more than once; keep one limit per process");
        }
    }
    Ok(limits)
}

impl MachineArgs {
    /// Returns the split that `--split` or `--levels` requests.
    fn split_bits(&self) -> anyhow::Result<Option<Vec<u32>>> {
        let Some(levels) = self.table_levels else {
            return Ok(self.split.clone());
        };
        let offset_bits = self.page_size.trailing_zeros();
        let vpn_bits = self.va_bits.saturating_sub(offset_bits);
        if levels == 0 || levels > vpn_bits {
            anyhow::bail!(
                "invalid --levels: {levels} is not from 1 to the {vpn_bits} page-number bits of {}-bit addresses with {}-byte pages",
                self.va_bits,
                self.page_size
            );
        }
        let base = vpn_bits / levels;
        let extra = vpn_bits % levels;
        let split = (0..levels)
            .map(|level| base + u32::from(level >= levels - extra))
            .collect();
        Ok(Some(split))
    }

    /// Builds the configuration and validates it.
    ///
    /// # Errors
    ///
    /// Returns the first invalid value, naming the option and its limit.
    pub fn to_config(&self) -> anyhow::Result<MachineConfig> {
        let scope = self
            .scope
            .parse::<Scope>()
            .map_err(|message| anyhow::anyhow!("invalid --scope: {message}"))?;
        let allocation = match &self.allocation {
            Some(text) => Some(
                text.parse::<Allocation>()
                    .map_err(|message| anyhow::anyhow!("invalid --allocation: {message}"))?,
            ),
            None if scope == Scope::Local => Some(Allocation::Equal),
            None => None,
        };
        let config = MachineConfig {
            frames: self.frames,
            page_size: self.page_size,
            va_bits: self.va_bits,
            split: self.split_bits()?,
            page_table_frames: if self.page_tables_in_pool {
                0
            } else {
                self.page_table_frames
            },
            tlb_entries: self.tlb_entries,
            policy: self.policy.clone(),
            seed: self.seed,
            max_ticks: self.max_ticks,
            swap_slots: self.swap_slots,
            swap_read_latency: self.swap_read_latency,
            swap_write_latency: self.swap_write_latency,
            walk_cost_per_level: self.walk_cost,
            fault_cost: self.fault_cost,
            stack_limit: self.stack_limit,
            scheduler: self.scheduler.clone(),
            quantum: self.quantum,
            aging: self.aging,
            mlfq_levels: self.quanta.as_ref().map_or(self.levels, Vec::len),
            mlfq_quanta: self.quanta.clone(),
            mlfq_boost: self.boost,
            tickets: self.tickets,
            initial_estimate: self.initial_estimate,
            switch_cost: self.switch_cost,
            tlb_flush_on_switch: self.tlb_flush_on_switch,
            console_latency: self.console_latency,
            tlb_ways: self.tlb_ways,
            tlb_policy: self
                .tlb_policy
                .parse::<TlbPolicy>()
                .map_err(|message| anyhow::anyhow!("invalid --tlb-policy: {message}"))?,
            page_tables_in_pool: self.page_tables_in_pool,
            scope,
            allocation,
            frame_limits: parse_frame_limits(&self.frame_limits)?,
        };
        config.validate()?;
        Ok(config)
    }
}
