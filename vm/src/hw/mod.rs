//! The emulated hardware: CPU, MMU, TLB, page-table layout, physical memory
//! and the swap device.
//!
//! Hardware never calls into the kernel. The MMU returns faults as values,
//! and the CPU reaches memory only through the [`cpu::Bus`] trait, whose
//! implementation (the kernel's) decides what a fault means.

pub mod cpu;
pub mod memory;
pub mod mmu;
pub mod page_table;
pub mod swap;
pub mod tlb;

/// A physical address: an offset into emulated physical memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhysAddr(pub u32);

/// An address-space identifier that tags TLB entries. Invariant: non-zero
/// for a live process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Asid(pub u32);
