//! pagelab's virtual machine: the ISA, the object format, the emulated
//! hardware (CPU, MMU, TLB, page tables, physical memory, swap), the kernel,
//! the replacement policies and the trace.

pub mod isa;
pub mod object;
pub mod policy;
pub mod refs;
pub mod replay;
pub mod rng;
