//! Translation table for each page-table geometry: (virtual address,
//! access) goes to a physical address or a fault. Every machine maps a few
//! pages by writing PTEs straight into emulated physical memory, with the
//! walker's TLB off so that every check walks the tables.

use pagelab_vm::config::MachineConfig;
use pagelab_vm::hw::memory::PhysicalMemory;
use pagelab_vm::hw::mmu::{AccessKind, FaultCause, Mmu};
use pagelab_vm::hw::page_table::{Geometry, Pte, PTE_BYTES};
use pagelab_vm::hw::{Asid, PhysAddr};
use pagelab_vm::kernel::Kernel;
use pagelab_vm::object::{Bss, Object, Section, SECTION_ALIGN, TEXT_BASE};
use proptest::prelude::*;

use AccessKind::{Fetch, Load, Store};
use FaultCause::{NotPresent, OutOfRange, Protection};

/// Frames of every test machine. Tables come from frame 1 upward (the root
/// is frame 0); mapped pages use frames 40 and above.
const FRAMES: usize = 64;

/// A page to map: its virtual address, frame and writability.
struct Map {
    va: u32,
    pfn: u32,
    writable: bool,
}

fn map(va: u32, pfn: u32, writable: bool) -> Map {
    Map { va, pfn, writable }
}

/// A geometry with the pages mapped in it.
struct Machine {
    page_size: u32,
    va_bits: u32,
    split: &'static str,
    /// Index bits per level for `--split`, or empty for the default split.
    bits: &'static [u32],
    maps: Vec<Map>,
}

/// Builds the tables for `maps`, allocating each missing table from the
/// next free low frame.
fn build(geometry: &Geometry, maps: &[Map]) -> PhysicalMemory {
    let mut memory = PhysicalMemory::new(FRAMES, geometry.page_size);
    let mut next_table = 1;
    for page in maps {
        let vpn = geometry.vpn(page.va);
        let mut table = 0;
        for level in 0..geometry.levels {
            let index = geometry.index(vpn, level);
            let pte_addr = memory.frame_addr(table, index * PTE_BYTES);
            if level + 1 == geometry.levels {
                memory.write_u32(pte_addr, Pte::mapped(page.pfn, page.writable).0);
                break;
            }
            let pte = Pte(memory.read_u32(pte_addr));
            table = if pte.present() {
                pte.pfn()
            } else {
                let fresh = next_table;
                next_table += 1;
                assert!(fresh < 40, "table frames run into the page frames");
                memory.write_u32(pte_addr, Pte::mapped(fresh, true).0);
                fresh
            };
        }
    }
    memory
}

/// Translates `va` for `access` on a fresh machine and compares the
/// physical address or fault cause with `expected`.
fn check(machine: &Machine, va: u32, access: AccessKind, expected: Result<u32, FaultCause>) {
    let geometry = if machine.bits.is_empty() {
        Geometry::new(machine.page_size, machine.va_bits)
            .ok_or_else(|| "no default geometry".to_string())
    } else {
        Geometry::with_split(machine.page_size, machine.va_bits, machine.bits)
    }
    .unwrap_or_else(|message| panic!("test machine {}: {message}", machine.split));
    assert_eq!(geometry.describe_split(), machine.split);
    let mut memory = build(&geometry, &machine.maps);
    let mut mmu = Mmu::new(geometry, 0);
    mmu.switch_to(Asid(1), 0);
    let got = mmu
        .translate(&mut memory, va, access, 4)
        .map(|translation| translation.pa.0)
        .map_err(|fault| fault.cause);
    assert_eq!(
        got, expected,
        "{access} at 0x{va:08x} with {}-byte pages and {} address bits",
        machine.page_size, machine.va_bits
    );
}

/// Physical address of `offset` in frame `pfn` of `machine`.
fn pa(machine: &Machine, pfn: u32, offset: u32) -> Result<u32, FaultCause> {
    Ok(PhysAddr(pfn * machine.page_size + offset).0)
}

#[test]
fn one_level_4k_pages_16_bit_addresses() {
    let m = Machine {
        page_size: 4096,
        va_bits: 16,
        split: "4+12",
        bits: &[],
        maps: vec![map(0x0000, 40, false), map(0xf000, 41, true)],
    };
    check(&m, 0x0000, Load, pa(&m, 40, 0));
    check(&m, 0x0ffc, Fetch, pa(&m, 40, 0xffc));
    check(&m, 0x0000, Store, Err(Protection));
    check(&m, 0x1000, Load, Err(NotPresent { level: 0 }));
    check(&m, 0xeffc, Load, Err(NotPresent { level: 0 }));
    check(&m, 0xf000, Store, pa(&m, 41, 0));
    check(&m, 0xfffc, Store, pa(&m, 41, 0xffc));
    check(&m, 0x1_0000, Load, Err(OutOfRange { va_bits: 16 }));
    check(&m, 0xffff_fffc, Fetch, Err(OutOfRange { va_bits: 16 }));
}

#[test]
fn two_levels_64k_pages_32_bit_addresses() {
    // A leaf table contains 2^14 entries, so it covers 1 GiB.
    let m = Machine {
        page_size: 65536,
        va_bits: 32,
        split: "2+14+16",
        bits: &[],
        maps: vec![map(0x3fff_0000, 42, true), map(0x4000_0000, 43, false)],
    };
    check(&m, 0x3fff_0000, Store, pa(&m, 42, 0));
    check(&m, 0x3fff_fffc, Load, pa(&m, 42, 0xfffc));
    check(&m, 0x3ffe_fffc, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x4000_0000, Fetch, pa(&m, 43, 0));
    check(&m, 0x4000_0000, Store, Err(Protection));
    check(&m, 0x4001_0000, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x8000_0000, Load, Err(NotPresent { level: 0 }));
    check(&m, 0xffff_fffc, Load, Err(NotPresent { level: 0 }));
}

#[test]
fn three_levels_256_byte_pages_24_bit_addresses() {
    // A leaf table covers 0x4000 bytes, a middle table 0x10_0000.
    let m = Machine {
        page_size: 256,
        va_bits: 24,
        split: "4+6+6+8",
        bits: &[],
        maps: vec![map(0x0f_ff00, 44, true), map(0x10_0000, 45, true)],
    };
    check(&m, 0x0f_ff00, Load, pa(&m, 44, 0));
    check(&m, 0x0f_fffc, Store, pa(&m, 44, 0xfc));
    check(&m, 0x0f_fefc, Load, Err(NotPresent { level: 2 }));
    check(&m, 0x0f_bffc, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x10_0000, Load, pa(&m, 45, 0));
    check(&m, 0x10_0100, Load, Err(NotPresent { level: 2 }));
    check(&m, 0x10_4000, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x20_0000, Load, Err(NotPresent { level: 0 }));
    check(&m, 0xff_fffc, Load, Err(NotPresent { level: 0 }));
    check(&m, 0x100_0000, Load, Err(OutOfRange { va_bits: 24 }));
}

#[test]
fn four_levels_256_byte_pages_32_bit_addresses() {
    // Leaf 0x4000 bytes, level 2 0x10_0000, level 1 0x400_0000.
    let m = Machine {
        page_size: 256,
        va_bits: 32,
        split: "6+6+6+6+8",
        bits: &[],
        maps: vec![
            map(0x03ff_ff00, 46, false),
            map(0x0400_0000, 47, true),
            map(0xffff_ff00, 48, true),
        ],
    };
    check(&m, 0x03ff_fffc, Load, pa(&m, 46, 0xfc));
    check(&m, 0x03ff_fffc, Store, Err(Protection));
    check(&m, 0x0400_0000, Store, pa(&m, 47, 0));
    check(&m, 0x0400_0100, Load, Err(NotPresent { level: 3 }));
    check(&m, 0x0400_4000, Load, Err(NotPresent { level: 2 }));
    check(&m, 0x0410_0000, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x0800_0000, Load, Err(NotPresent { level: 0 }));
    check(&m, 0xffff_fffc, Fetch, pa(&m, 48, 0xfc));
    check(&m, 0xffff_fefc, Fetch, Err(NotPresent { level: 3 }));
}

#[test]
fn six_levels_16_byte_pages_15_bit_addresses() {
    // Tables of four entries: a leaf covers 0x40 bytes, and each level up
    // four times more; the two-entry root splits the space at 0x4000.
    let m = Machine {
        page_size: 16,
        va_bits: 15,
        split: "1+2+2+2+2+2+4",
        bits: &[],
        maps: vec![map(0x3ff0, 49, true), map(0x4000, 50, false)],
    };
    check(&m, 0x3ffc, Load, pa(&m, 49, 0xc));
    check(&m, 0x3ff0, Store, pa(&m, 49, 0));
    check(&m, 0x3fec, Load, Err(NotPresent { level: 5 }));
    check(&m, 0x4000, Load, pa(&m, 50, 0));
    check(&m, 0x4004, Store, Err(Protection));
    check(&m, 0x4010, Load, Err(NotPresent { level: 5 }));
    check(&m, 0x4040, Load, Err(NotPresent { level: 4 }));
    check(&m, 0x4100, Load, Err(NotPresent { level: 3 }));
    check(&m, 0x4400, Load, Err(NotPresent { level: 2 }));
    check(&m, 0x5000, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x7ffc, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x8000, Load, Err(OutOfRange { va_bits: 15 }));
}

#[test]
fn explicit_split_with_small_root() {
    // A 16-entry root and 16-entry leaf tables, each smaller than the
    // 64-entry page; a leaf covers 0x1000 bytes.
    let m = Machine {
        page_size: 256,
        va_bits: 16,
        split: "4+4+8",
        bits: &[4, 4],
        maps: vec![map(0x0f00, 40, true), map(0x1000, 41, false)],
    };
    check(&m, 0x0ffc, Store, pa(&m, 40, 0xfc));
    check(&m, 0x0efc, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x1000, Fetch, pa(&m, 41, 0));
    check(&m, 0x1000, Store, Err(Protection));
    check(&m, 0x1100, Load, Err(NotPresent { level: 1 }));
    check(&m, 0x2000, Load, Err(NotPresent { level: 0 }));
    check(&m, 0xfffc, Load, Err(NotPresent { level: 0 }));
    check(&m, 0x1_0000, Load, Err(OutOfRange { va_bits: 16 }));
}

#[test]
fn explicit_one_level_64k_pages() {
    let m = Machine {
        page_size: 65536,
        va_bits: 24,
        split: "8+16",
        bits: &[8],
        maps: vec![map(0xff_0000, 42, true)],
    };
    check(&m, 0xff_fffc, Load, pa(&m, 42, 0xfffc));
    check(&m, 0xfe_fffc, Load, Err(NotPresent { level: 0 }));
    check(&m, 0x100_0000, Load, Err(OutOfRange { va_bits: 24 }));
}

/// An object of one instruction at `text`, with empty data and bss one
/// section further.
fn object_at(text: u32) -> Object {
    let data = text + SECTION_ALIGN;
    Object {
        source_name: "tiny.asm".into(),
        entry: text,
        text: Section {
            addr: text,
            bytes: vec![0; 8],
        },
        data: Section {
            addr: data,
            bytes: Vec::new(),
        },
        bss: Bss { addr: data, len: 0 },
        symbols: Vec::new(),
        lines: Vec::new(),
    }
}

fn spawn_error(va_bits: u32, object: Object) -> Option<String> {
    let config = MachineConfig {
        va_bits,
        ..MachineConfig::default()
    };
    let mut kernel =
        Kernel::new(config, Box::new(std::io::sink())).expect("the configuration is valid");
    kernel.spawn(object).err().map(|error| error.to_string())
}

#[test]
fn spawn_rejects_programs_outside_the_address_space() {
    assert_eq!(spawn_error(32, object_at(TEXT_BASE)), None);
    assert_eq!(
        spawn_error(16, object_at(TEXT_BASE)).as_deref(),
        Some("the program image ends at 0x10008, above the 16-bit address space (0x0..0x10000); programs need --va-bits 32")
    );
    assert_eq!(
        spawn_error(24, object_at(TEXT_BASE)).as_deref(),
        Some("the stack ends at 0xc0000000, above the 24-bit address space (0x0..0x1000000); programs need --va-bits 32")
    );
}

/// Returns a strategy for valid (page size, address width) pairs, as
/// (log2 page size, va bits).
fn valid_geometry() -> impl Strategy<Value = (u32, u32)> {
    (4u32..=16).prop_flat_map(|shift| (Just(shift), (shift + 1).max(8)..=32))
}

/// Returns a strategy for valid explicit splits: a page-size shift, an
/// address width and index bits per level that add up to the page-number bits.
fn valid_split() -> impl Strategy<Value = (u32, u32, Vec<u32>)> {
    valid_geometry().prop_flat_map(|(shift, va_bits)| {
        let vpn_bits = va_bits - shift;
        let widest = shift - 2;
        prop::collection::vec(1..=widest, 1..=vpn_bits as usize).prop_map(move |mut bits| {
            // Clamp the drawn widths to the page-number bits, then add
            // full-width levels until the bits add up.
            let mut remaining = vpn_bits;
            for width in bits.iter_mut() {
                *width = (*width).min(remaining);
                remaining -= *width;
            }
            bits.retain(|&width| width > 0);
            while remaining > 0 {
                let width = remaining.min(widest);
                bits.push(width);
                remaining -= width;
            }
            (shift, va_bits, bits)
        })
    })
}

proptest! {
    #[test]
    fn explicit_split_then_join_is_identity((shift, va_bits, bits) in valid_split(), raw: u32) {
        let geometry = Geometry::with_split(1 << shift, va_bits, &bits).expect("the strategy yields valid splits");
        let va = if va_bits == 32 { raw } else { raw & ((1 << va_bits) - 1) };
        let (indices, offset) = geometry.split(va);
        prop_assert_eq!(indices.len(), bits.len());
        for (level, &index) in indices.iter().enumerate() {
            prop_assert!(index < 1 << bits[level]);
        }
        prop_assert_eq!(geometry.join(&indices, offset), va);
    }

    #[test]
    fn split_then_join_is_identity((shift, va_bits) in valid_geometry(), raw: u32) {
        let geometry = Geometry::new(1 << shift, va_bits).expect("the strategy yields valid pairs");
        let va = if va_bits == 32 { raw } else { raw & ((1 << va_bits) - 1) };
        let (indices, offset) = geometry.split(va);
        prop_assert_eq!(indices.len() as u32, geometry.levels);
        prop_assert!(offset < geometry.page_size);
        prop_assert_eq!(geometry.join(&indices, offset), va);
        let widths: u32 = geometry
            .describe_split()
            .split('+')
            .map(|part| part.parse::<u32>().expect("split parts are numbers"))
            .sum();
        prop_assert_eq!(widths, va_bits);
    }
}
