//! pagelab's virtual machine: the ISA, the object format, the emulated
//! hardware (CPU, MMU, TLB, page tables, physical memory, swap), the kernel,
//! the replacement policies and the trace.
//!
//! # Example
//!
//! Build a three-instruction program by hand, run it on a machine with two
//! frames, and read the statistics:
//!
//! ```
//! use pagelab_vm::config::MachineConfig;
//! use pagelab_vm::isa::{Instruction, Reg, SYS_PRINT_INT};
//! use pagelab_vm::kernel::Kernel;
//! use pagelab_vm::object::{Object, Section, TEXT_BASE};
//!
//! let r1 = Reg::new(1).unwrap();
//! let program = [
//!     Instruction::Li { rd: r1, imm: 42 },
//!     Instruction::Sys { number: SYS_PRINT_INT },
//!     Instruction::Halt,
//! ];
//! let object = Object {
//!     source_name: "answer.asm".into(),
//!     entry: TEXT_BASE,
//!     text: Section {
//!         addr: TEXT_BASE,
//!         bytes: program.iter().flat_map(|i| i.encode()).collect(),
//!     },
//!     ..Object::default()
//! };
//!
//! let config = MachineConfig { frames: 2, ..MachineConfig::default() }.with_policy("fifo");
//! let mut kernel = Kernel::new(config, Box::new(Vec::new())).unwrap();
//! kernel.spawn(object).unwrap();
//! kernel.run().unwrap();
//!
//! let stats = kernel.stats();
//! assert_eq!(stats.totals.instructions, 3);
//! assert_eq!(stats.totals.page_faults, 1); // the text page, read from the image
//! assert_eq!(stats.processes[0].exit_code, Some(0));
//! ```
//!
//! # Modules
//!
//! - [`isa`] and [`object`]: the instruction set and the `.pbc` file format.
//! - [`hw`]: what hardware does (CPU, MMU, TLB, PTE layout, memory, swap).
//! - [`kernel`]: what the operating system does (processes, page faults,
//!   system calls, address spaces).
//! - [`policy`]: replacement policies, shared with `pagelab replay`.
//! - [`refs`] and [`replay`]: the page reference string format and the
//!   replay driver.
//! - [`sweep`]: fault curves over a range of frame counts, with one-pass
//!   stack-distance curves for LRU and OPT.
//! - [`jobs`]: job-list mode, synthetic jobs run through the schedulers.
//! - [`traces`]: readers for the trace formats `replay` accepts (lackey,
//!   din, CSV, oracleGeneral, plain numbers, refs; gzip and zstd).
//! - [`rng`]: the seeded random-number generator behind every random choice.
//! - [`trace`], [`stats`] and [`gantt`]: what a run reports.
//! - [`eat`]: the effective memory-access time, by formula and as measured.
//! - [`config`]: the machine configuration and its defaults.
//! - [`dump`]: snapshots of page tables, frames, TLB and swap, and the
//!   page walk done by hand on them.
//! - [`zipf`]: a seeded Zipf-like reference generator for benchmarks.

pub mod config;
pub mod dump;
pub mod eat;
pub mod gantt;
pub mod hw;
pub mod isa;
pub mod jobs;
pub mod kernel;
pub mod object;
pub mod policy;
pub mod refs;
pub mod replay;
pub mod rng;
pub mod stats;
pub mod sweep;
pub mod trace;
pub mod traces;
pub mod zipf;

/// The guide `docs/property-testing.md`, compiled here so that its example
/// runs as a doc test and cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../docs/property-testing.md")]
pub struct PropertyTestingGuide;
