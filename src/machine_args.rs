//! The machine options shared by `pagelab run` and `pagelab config`, turned
//! into a validated [`MachineConfig`].

use pagelab_vm::config::{defaults, MachineConfig};

/// Options that define the emulated machine.
#[derive(clap::Args, Debug, Clone)]
pub struct MachineArgs {
    /// Physical frames for process pages (page tables use a separate pool).
    #[arg(long, value_name = "N", default_value_t = defaults::FRAMES)]
    pub frames: usize,

    /// Page size in bytes: a power of two from 16 to 65536.
    #[arg(long, value_name = "BYTES", default_value_t = defaults::PAGE_SIZE)]
    pub page_size: u32,

    /// Replacement policy as NAME or NAME:KEY=VALUE,...: any policy in
    /// docs/policies.md except opt, which needs the future.
    #[arg(long, value_name = "NAME", default_value = defaults::POLICY)]
    pub policy: String,

    /// TLB entries (fully associative, LRU); 0 disables the TLB.
    #[arg(long, value_name = "N", default_value_t = defaults::TLB_ENTRIES)]
    pub tlb_entries: usize,

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
}

impl MachineArgs {
    /// Builds the configuration and validates it.
    ///
    /// # Errors
    ///
    /// Returns the first invalid value, naming the option and its limit.
    pub fn to_config(&self) -> anyhow::Result<MachineConfig> {
        let config = MachineConfig {
            frames: self.frames,
            page_size: self.page_size,
            va_bits: defaults::VA_BITS,
            page_table_frames: self.page_table_frames,
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
        };
        config.validate()?;
        Ok(config)
    }
}
