//! Each check of `check_invariants` catches the corruption it exists for.
//! Every test runs a small program to a pause (or to its end), confirms the
//! state is consistent, breaks one record and expects the named violation.

use super::InvariantViolation as V;
use crate::config::{Allocation, MachineConfig, Scope};
use crate::hw::page_table::Pte;
use crate::hw::tlb::TlbEntry;
use crate::hw::{Asid, PhysAddr};
use crate::isa::{
    AluOp, BranchCond, Instruction, LoadWidth, MemAddr, Reg, StoreWidth, SYS_FORK, SYS_MMAP,
};
use crate::kernel::mount::{FilePage, Mount};
use crate::kernel::vmm::{self, FrameOwner, Mapping};
use crate::kernel::{Kernel, RunProgress};
use crate::object::{Bss, Object, Section, SECTION_ALIGN, TEXT_BASE};

const PAGE: i32 = 4096;
const DATA: u32 = TEXT_BASE + SECTION_ALIGN;
/// The W bit of a PTE (see the layout in `hw::page_table`).
const PTE_WRITABLE_BIT: u32 = 1 << 1;

fn reg(index: u8) -> Reg {
    Reg::new(index).expect("test registers are below 16")
}

fn li(rd: u8, imm: i32) -> Instruction {
    Instruction::Li { rd: reg(rd), imm }
}

fn addi(rd: u8, rs1: u8, imm: i32) -> Instruction {
    Instruction::AluImm {
        op: AluOp::Add,
        rd: reg(rd),
        rs1: reg(rs1),
        imm,
    }
}

fn sw(rs: u8, base: u8, offset: i32) -> Instruction {
    Instruction::Store {
        width: StoreWidth::Word,
        rs: reg(rs),
        addr: MemAddr::Based {
            base: reg(base),
            offset,
        },
    }
}

fn lw(rd: u8, base: u8) -> Instruction {
    Instruction::Load {
        width: LoadWidth::Word,
        rd: reg(rd),
        addr: MemAddr::Based {
            base: reg(base),
            offset: 0,
        },
    }
}

fn blt(rs1: u8, rs2: u8, index: u32) -> Instruction {
    Instruction::Branch {
        cond: BranchCond::Lt,
        rs1: reg(rs1),
        rs2: reg(rs2),
        target: TEXT_BASE + 8 * index,
    }
}

fn object(text: &[Instruction], bss_len: u32) -> Object {
    Object {
        source_name: "invariants.asm".into(),
        entry: TEXT_BASE,
        text: Section {
            addr: TEXT_BASE,
            bytes: text.iter().flat_map(|i| i.encode()).collect(),
        },
        data: Section {
            addr: DATA,
            bytes: Vec::new(),
        },
        bss: Bss {
            addr: DATA,
            len: bss_len,
        },
        ..Object::default()
    }
}

/// Writes page i of a 6-page bss, reads every page back, then runs `last`
/// (a jump to itself keeps the process alive; `halt` ends it).
fn paging_program(last: Instruction) -> Object {
    let text = [
        li(1, 0),
        li(2, DATA as i32),
        li(3, 6),
        sw(1, 2, 0), // 3: write loop
        addi(2, 2, PAGE),
        addi(1, 1, 1),
        blt(1, 3, 3),
        li(1, 0),
        li(2, DATA as i32),
        lw(4, 2), // 9: read loop
        addi(2, 2, PAGE),
        addi(1, 1, 1),
        blt(1, 3, 9),
        last, // 13
    ];
    object(&text, 6 * PAGE as u32)
}

/// Builds a kernel paused in a loop after the paging program filled 3
/// frames, evicted dirty pages to swap and read some back (swap-cached frames).
fn paging_kernel() -> Kernel {
    let config = MachineConfig {
        frames: 3,
        ..MachineConfig::default()
    };
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
    let looping = Instruction::Jmp {
        target: TEXT_BASE + 8 * 13,
    };
    kernel.spawn(paging_program(looping)).unwrap();
    assert_eq!(kernel.run_until(50_000).unwrap(), RunProgress::Paused);
    assert!(
        kernel.sys.slots.held_slots().count() > 0,
        "the program swaps pages"
    );
    assert_eq!(kernel.check_invariants(), Ok(()));
    kernel
}

/// Builds a kernel paused after a fork: parent and child share two data
/// pages copy-on-write and the text page read-only, and 5 of 8 frames are free.
fn fork_kernel() -> Kernel {
    let text = [
        li(2, DATA as i32),
        li(1, 7),
        sw(1, 2, 0),
        sw(1, 2, PAGE),
        Instruction::Sys { number: SYS_FORK },
        Instruction::Jmp {
            target: TEXT_BASE + 8 * 5,
        },
    ];
    let mut kernel = Kernel::new(MachineConfig::default(), Box::new(std::io::sink())).unwrap();
    kernel.spawn(object(&text, 2 * PAGE as u32)).unwrap();
    assert_eq!(kernel.run_until(5_000).unwrap(), RunProgress::Paused);
    assert_eq!(kernel.processes.len(), 2, "the fork succeeded");
    assert_eq!(kernel.check_invariants(), Ok(()));
    kernel
}

/// Builds a kernel whose only process ran the paging program to its end.
fn finished_kernel() -> Kernel {
    let config = MachineConfig {
        frames: 3,
        ..MachineConfig::default()
    };
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
    kernel.spawn(paging_program(Instruction::Halt)).unwrap();
    kernel.run().unwrap();
    assert_eq!(kernel.check_invariants(), Ok(()));
    kernel
}

/// Returns the leaf PTEs of process `pid` as `(vpn, pte_addr, pte)`.
fn leaves(kernel: &Kernel, pid: u32) -> Vec<(u32, PhysAddr, Pte)> {
    let root = kernel.processes[pid as usize - 1].space.root_pfn;
    vmm::leaf_entries(&kernel.sys.memory, &kernel.sys.geometry, root)
}

/// Returns the first present leaf of `pid` whose PTE passes `test`.
fn present_leaf(kernel: &Kernel, pid: u32, test: impl Fn(Pte) -> bool) -> (u32, PhysAddr, Pte) {
    leaves(kernel, pid)
        .into_iter()
        .find(|&(_, _, pte)| pte.present() && test(pte))
        .expect("the program has such a page")
}

/// Returns the PFN of the level-1 table that the root entry of `vpn` names.
fn second_level_table(kernel: &Kernel, pid: u32, vpn: u32) -> (PhysAddr, u32) {
    let root = kernel.processes[pid as usize - 1].space.root_pfn;
    let index = kernel.sys.geometry.index(vpn, 0);
    let entry_addr = kernel.sys.memory.frame_addr(root, index * 4);
    let pte = Pte(kernel.sys.memory.read_u32(entry_addr));
    assert!(pte.present(), "the root entry of VPN 0x{vpn:x} is present");
    (entry_addr, pte.pfn())
}

fn data_vpn(kernel: &Kernel) -> u32 {
    kernel.sys.geometry.vpn(DATA)
}

fn text_vpn(kernel: &Kernel) -> u32 {
    kernel.sys.geometry.vpn(TEXT_BASE)
}

/// Builds a kernel paused in the paging program's final loop with its page
/// tables in user frames (`--page-tables-in-pool`). With 5 frames, the
/// program's 8 pages and its tables cannot all be resident, so pages are
/// evicted. With 16, frames are left free.
fn pool_kernel(frames: usize) -> Kernel {
    let config = MachineConfig {
        frames,
        page_table_frames: 0,
        page_tables_in_pool: true,
        ..MachineConfig::default()
    };
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
    let looping = Instruction::Jmp {
        target: TEXT_BASE + 8 * 13,
    };
    kernel.spawn(paging_program(looping)).unwrap();
    assert_eq!(kernel.run_until(50_000).unwrap(), RunProgress::Paused);
    assert!(
        kernel.sys.frames.tables_of(1) >= 2,
        "the process has a root and a lower table in user frames"
    );
    assert_eq!(kernel.check_invariants(), Ok(()));
    kernel
}

/// Returns the user frame of the root table of process 1 in a pool kernel.
fn root_frame(kernel: &Kernel) -> usize {
    let root = kernel.processes[0].space.root_pfn;
    kernel.sys.frame_index(root)
}

/// Returns the lowest free user frame without taking it.
fn free_frame(kernel: &Kernel) -> usize {
    (0..kernel.sys.frames.len())
        .find(|&frame| kernel.sys.frames.is_free(frame))
        .expect("the kernel has a free frame")
}

/// Builds a kernel paused with two processes of the paging program under
/// local scope with equal allocation, each paging within its 3 frames.
fn local_kernel() -> Kernel {
    let config = MachineConfig {
        frames: 6,
        scope: Scope::Local,
        allocation: Some(Allocation::Equal),
        ..MachineConfig::default()
    };
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
    for _ in 0..2 {
        let looping = Instruction::Jmp {
            target: TEXT_BASE + 8 * 13,
        };
        kernel.spawn(paging_program(looping)).unwrap();
    }
    assert_eq!(kernel.run_until(100_000).unwrap(), RunProgress::Paused);
    assert_eq!(kernel.sys.replacement.limit(1), Some(3));
    assert_eq!(kernel.sys.replacement.limit(2), Some(3));
    assert_eq!(kernel.check_invariants(), Ok(()));
    kernel
}

/// Builds a kernel paused while two processes map page 0 of the writable
/// mount `m` and have both stored to it, so one frame is shared writable.
fn mmap_kernel() -> Kernel {
    let text = [
        li(1, DATA as i32),
        li(2, PAGE),
        li(3, 1),
        Instruction::Sys { number: SYS_MMAP },
        addi(10, 0, 0),
        li(4, 0x11),
        sw(4, 10, 0),
        Instruction::Jmp {
            target: TEXT_BASE + 8 * 7,
        },
    ];
    let mut mapper = object(&text, 0);
    mapper.data.bytes = b"m\0".to_vec();
    let mut kernel = Kernel::new(MachineConfig::default(), Box::new(std::io::sink())).unwrap();
    let mount = Mount::in_memory("m", vec![0; 64], true).unwrap();
    kernel.add_mount(mount).unwrap();
    kernel.spawn(mapper.clone()).unwrap();
    kernel.spawn(mapper).unwrap();
    assert_eq!(kernel.run_until(5_000).unwrap(), RunProgress::Paused);
    let (_, frame) = file_frame(&kernel);
    let owner = kernel.sys.frames.owner(frame).unwrap();
    assert_eq!(owner.mappings.len(), 2, "both processes map the file page");
    assert_eq!(kernel.check_invariants(), Ok(()));
    kernel
}

/// Returns the one resident file page and its frame.
fn file_frame(kernel: &Kernel) -> (FilePage, usize) {
    let cached: Vec<_> = kernel.sys.resident_file_pages().collect();
    assert_eq!(cached.len(), 1, "one file page is resident");
    cached[0]
}

#[test]
fn healthy_states_pass() {
    paging_kernel();
    fork_kernel();
    finished_kernel();
    pool_kernel(5);
    pool_kernel(16);
    local_kernel();
}

#[test]
fn shared_writable_file_frame_passes() {
    let kernel = mmap_kernel();
    let (_, frame) = file_frame(&kernel);
    let pfn = kernel.sys.pfn_of(frame);
    for pid in [1, 2] {
        let (_, _, pte) = present_leaf(&kernel, pid, |pte| pte.pfn() == pfn);
        assert!(pte.writable(), "pid {pid} maps the file page writable");
    }
}

#[test]
fn pool_table_recorded_for_other_pid_is_caught() {
    let mut kernel = pool_kernel(5);
    let frame = root_frame(&kernel);
    kernel.sys.frames.reassign_table(frame, 7);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableFrameNotRecorded {
            pid: 1,
            pfn: kernel.sys.pfn_of(frame),
            recorded_for: Some(7)
        })
    );
}

#[test]
fn pool_table_on_free_list_is_caught() {
    let mut kernel = pool_kernel(5);
    let frame = root_frame(&kernel);
    // `release` frees the frame but keeps the table record.
    kernel.sys.frames.release(frame);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableFrameFree {
            pid: 1,
            pfn: kernel.sys.pfn_of(frame)
        })
    );
}

#[test]
fn pool_table_holding_page_is_caught() {
    let mut kernel = pool_kernel(5);
    let frame = root_frame(&kernel);
    let mapping = Mapping {
        pid: 1,
        asid: Asid(1),
        vpn: 0x20,
        pte_addr: PhysAddr(0),
    };
    kernel.sys.frames.set(
        frame,
        FrameOwner {
            mappings: vec![mapping],
            swap_slot: None,
            file: None,
        },
    );
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableFrameHoldsPage {
            pid: 1,
            pfn: kernel.sys.pfn_of(frame)
        })
    );
}

#[test]
fn pool_table_held_by_policy_is_caught() {
    let mut kernel = pool_kernel(5);
    let frame = root_frame(&kernel);
    let page = crate::refs::page_key(1, 0x20);
    kernel.sys.replacement.on_load(1, frame, page, false);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::UnoccupiedFrameHeld {
            pfn: kernel.sys.pfn_of(frame),
            key: 0
        })
    );
}

#[test]
fn pool_table_count_mismatch_is_caught() {
    let mut kernel = pool_kernel(16);
    let recorded = kernel.processes[0].space.tables.len();
    let frame = free_frame(&kernel);
    kernel.sys.frames.set_table(frame, 1);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableCountMismatch {
            pid: 1,
            in_frame_table: recorded + 1,
            recorded
        })
    );
}

#[test]
fn orphan_pool_table_is_caught() {
    let mut kernel = pool_kernel(16);
    let frame = free_frame(&kernel);
    kernel.sys.frames.set_table(frame, 9);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::OrphanTableFrame {
            pfn: kernel.sys.pfn_of(frame),
            pid: 9
        })
    );
}

#[test]
fn reserved_pool_used_in_pool_mode_is_caught() {
    let mut kernel = pool_kernel(5);
    kernel.sys.tables.give_back(kernel.sys.pfn_of(0));
    assert_eq!(
        kernel.check_invariants(),
        Err(V::ReservedPoolInUse {
            in_use: 0,
            staged: 1
        })
    );
}

#[test]
fn leaked_pool_table_is_caught() {
    let config = MachineConfig {
        frames: 5,
        page_table_frames: 0,
        page_tables_in_pool: true,
        ..MachineConfig::default()
    };
    let mut kernel = Kernel::new(config, Box::new(std::io::sink())).unwrap();
    kernel.spawn(paging_program(Instruction::Halt)).unwrap();
    kernel.run().unwrap();
    assert_eq!(kernel.check_invariants(), Ok(()));
    let frame = free_frame(&kernel);
    kernel.sys.frames.set_table(frame, 1);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TablesLeaked { in_use: 1 })
    );
}

#[test]
fn uncached_file_frame_is_caught() {
    let mut kernel = mmap_kernel();
    let (page, frame) = file_frame(&kernel);
    kernel.sys.page_cache.remove(&page);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::FilePageNotCached {
            pfn: kernel.sys.pfn_of(frame),
            mount: page.mount,
            page: page.page
        })
    );
}

#[test]
fn cache_entry_for_wrong_frame_is_caught() {
    let mut kernel = mmap_kernel();
    let (_, _, pte) = present_leaf(&kernel, 1, |pte| !pte.writable());
    let text_frame = kernel.sys.frame_index(pte.pfn());
    let page = FilePage { mount: 0, page: 5 };
    kernel.sys.page_cache.insert(page, text_frame);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::CachedFrameMismatch {
            mount: 0,
            page: 5,
            pfn: pte.pfn()
        })
    );
}

#[test]
fn file_frame_with_swap_slot_is_caught() {
    let mut kernel = mmap_kernel();
    let (_, frame) = file_frame(&kernel);
    let slot = kernel.sys.slots.take().unwrap();
    let mut owner = kernel.sys.frames.owner(frame).unwrap().clone();
    owner.swap_slot = Some(slot);
    kernel.sys.frames.set(frame, owner);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::FileFrameHoldsSlot {
            pfn: kernel.sys.pfn_of(frame),
            slot
        })
    );
}

#[test]
fn page_frame_without_holder_is_caught() {
    let mut kernel = paging_kernel();
    let (_, _, pte) = present_leaf(&kernel, 1, |_| true);
    let frame = kernel.sys.frame_index(pte.pfn());
    kernel.sys.replacement.on_free(frame);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::PageFrameNotHeld { pfn: pte.pfn() })
    );
}

#[test]
fn frame_held_by_non_mapper_is_caught() {
    let mut kernel = local_kernel();
    let (vpn, _, pte) = present_leaf(&kernel, 1, |_| true);
    let frame = kernel.sys.frame_index(pte.pfn());
    let owner = kernel.sys.frames.owner(frame).unwrap();
    assert!(
        owner.mappings.iter().all(|mapping| mapping.pid == 1),
        "only pid 1 maps the frame"
    );
    kernel.sys.replacement.on_free(frame);
    let page = crate::refs::page_key(2, vpn);
    kernel.sys.replacement.on_load(2, frame, page, false);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::FrameHeldByWrongInstance {
            pfn: pte.pfn(),
            key: 2
        })
    );
}

#[test]
fn free_frame_held_by_policy_is_caught() {
    let mut kernel = fork_kernel();
    let frame = free_frame(&kernel);
    let page = crate::refs::page_key(1, 0x20);
    kernel.sys.replacement.on_load(1, frame, page, false);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::UnoccupiedFrameHeld {
            pfn: kernel.sys.pfn_of(frame),
            key: 0
        })
    );
}

#[test]
fn held_count_mismatch_is_caught() {
    let mut kernel = paging_kernel();
    let frames = kernel.sys.replacement.held_by(0);
    let (vpn, _, pte) = present_leaf(&kernel, 1, |_| true);
    let frame = kernel.sys.frame_index(pte.pfn());
    // Loading an already held frame again counts it twice.
    let page = crate::refs::page_key(1, vpn);
    kernel.sys.replacement.on_load(1, frame, page, false);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::HeldCountMismatch {
            key: 0,
            held: frames + 1,
            frames
        })
    );
}

#[test]
fn missing_frame_limit_is_caught() {
    let mut kernel = local_kernel();
    kernel.sys.replacement.set_limits(&[]);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::MissingFrameLimit { pid: 1 })
    );
}

#[test]
fn frame_limit_of_dead_pid_is_caught() {
    let mut kernel = local_kernel();
    kernel
        .sys
        .replacement
        .set_limits(&[(1, 10), (2, 10), (9, 10)]);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::UnexpectedFrameLimit { pid: 9 })
    );
}

#[test]
fn fresh_kernel_passes() {
    let kernel = Kernel::new(MachineConfig::default(), Box::new(std::io::sink())).unwrap();
    assert_eq!(kernel.check_invariants(), Ok(()));
}

#[test]
fn table_in_user_frame_is_caught() {
    let mut kernel = paging_kernel();
    let vpn = data_vpn(&kernel);
    let (entry_addr, _) = second_level_table(&kernel, 1, vpn);
    let user_pfn = kernel.sys.pfn_of(0);
    kernel
        .sys
        .memory
        .write_u32(entry_addr, Pte::mapped(user_pfn, true).0);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableOutsidePool {
            pid: 1,
            pfn: user_pfn,
            level: 1
        })
    );
}

#[test]
fn free_table_frame_is_caught() {
    let mut kernel = paging_kernel();
    let vpn = data_vpn(&kernel);
    let (_, table) = second_level_table(&kernel, 1, vpn);
    kernel.sys.tables.give_back(table);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableFrameFree { pid: 1, pfn: table })
    );
}

#[test]
fn table_shared_by_two_processes_is_caught() {
    let mut kernel = fork_kernel();
    let vpn = data_vpn(&kernel);
    let (_, parent_table) = second_level_table(&kernel, 1, vpn);
    let (child_entry, _) = second_level_table(&kernel, 2, vpn);
    kernel
        .sys
        .memory
        .write_u32(child_entry, Pte::mapped(parent_table, true).0);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableShared {
            pfn: parent_table,
            first_pid: 1,
            second_pid: 2
        })
    );
}

#[test]
fn unrecorded_table_is_caught() {
    let mut kernel = paging_kernel();
    let (pfn, level) = kernel.processes[0]
        .space
        .tables
        .pop()
        .expect("the process has lower tables");
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableNotRecorded { pid: 1, pfn, level })
    );
}

#[test]
fn unreachable_table_is_caught() {
    let mut kernel = paging_kernel();
    let pfn = kernel.sys.tables.take().unwrap();
    kernel.processes[0].space.tables.push((pfn, 1));
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TableUnreachable {
            pid: 1,
            pfn,
            level: 1
        })
    );
}

#[test]
fn pool_count_mismatch_is_caught() {
    let mut kernel = paging_kernel();
    let recorded = kernel.processes[0].space.tables.len() as u32;
    kernel.sys.tables.take().unwrap();
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TablePoolMismatch {
            in_use: recorded + 1,
            recorded
        })
    );
}

#[test]
fn dead_process_with_tables_is_caught() {
    let mut kernel = finished_kernel();
    kernel.processes[0].space.tables.push((0, 0));
    assert_eq!(
        kernel.check_invariants(),
        Err(V::DeadProcessHoldsTables { pid: 1, tables: 1 })
    );
}

#[test]
fn pte_to_table_frame_is_caught() {
    let mut kernel = paging_kernel();
    let (vpn, pte_addr, _) = present_leaf(&kernel, 1, |_| true);
    kernel
        .sys
        .memory
        .write_u32(pte_addr, Pte::mapped(0, true).0);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::PteFrameNotUser {
            pid: 1,
            vpn,
            pfn: 0
        })
    );
}

#[test]
fn pte_to_free_frame_is_caught() {
    let mut kernel = fork_kernel();
    let (vpn, pte_addr, pte) = present_leaf(&kernel, 1, Pte::copy_on_write);
    let free_pfn = kernel.sys.pfn_of(7);
    assert!(kernel.sys.frames.is_free(7));
    let moved = Pte((pte.0 & 0xfff) | (free_pfn << 12));
    kernel.sys.memory.write_u32(pte_addr, moved.0);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::PteFrameUnowned {
            pid: 1,
            vpn,
            pfn: free_pfn
        })
    );
}

#[test]
fn pte_to_frame_of_another_page_is_caught() {
    let mut kernel = paging_kernel();
    let present: Vec<_> = leaves(&kernel, 1)
        .into_iter()
        .filter(|(_, _, pte)| pte.present())
        .collect();
    let (vpn, pte_addr, _) = present[0];
    let other_pfn = present[1].2.pfn();
    kernel
        .sys
        .memory
        .write_u32(pte_addr, Pte::mapped(other_pfn, true).0);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::PteMappingMissing {
            pid: 1,
            vpn,
            pfn: other_pfn
        })
    );
}

#[test]
fn writable_copy_on_write_pte_is_caught() {
    let mut kernel = fork_kernel();
    let (vpn, pte_addr, pte) = present_leaf(&kernel, 2, Pte::copy_on_write);
    kernel
        .sys
        .memory
        .write_u32(pte_addr, pte.0 | PTE_WRITABLE_BIT);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::CowPteWritable {
            pid: 2,
            vpn,
            pfn: pte.pfn()
        })
    );
}

#[test]
fn frame_neither_free_nor_owned_is_caught() {
    let mut kernel = fork_kernel();
    let frame = kernel.sys.frames.take_free().unwrap();
    assert_eq!(
        kernel.check_invariants(),
        Err(V::FrameListMismatch {
            pfn: kernel.sys.pfn_of(frame),
            owned: false,
            free: false
        })
    );
}

#[test]
fn frame_without_mapping_is_caught() {
    let mut kernel = fork_kernel();
    let frame = kernel.sys.frames.take_free().unwrap();
    kernel.sys.frames.set(
        frame,
        FrameOwner {
            mappings: Vec::new(),
            swap_slot: None,
            file: None,
        },
    );
    assert_eq!(
        kernel.check_invariants(),
        Err(V::FrameWithoutMapping {
            pfn: kernel.sys.pfn_of(frame)
        })
    );
}

/// Adds `mapping` to the frame that maps the text page of process 1 and
/// returns that frame's PFN.
fn add_mapping_to_text_frame(kernel: &mut Kernel, mapping: Mapping) -> u32 {
    let (_, _, pte) = present_leaf(kernel, 1, |pte| !pte.writable() && !pte.copy_on_write());
    let frame = kernel.sys.frame_index(pte.pfn());
    kernel.sys.frames.add_mapping(frame, mapping);
    pte.pfn()
}

#[test]
fn mapping_of_dead_process_is_caught() {
    let mut kernel = paging_kernel();
    let mapping = Mapping {
        pid: 9,
        asid: Asid(9),
        vpn: 0x10,
        pte_addr: PhysAddr(0),
    };
    let pfn = add_mapping_to_text_frame(&mut kernel, mapping);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::MappingOfDeadProcess {
            pfn,
            pid: 9,
            vpn: 0x10
        })
    );
}

#[test]
fn duplicate_mapping_is_caught() {
    let mut kernel = paging_kernel();
    let (vpn, pte_addr, _) = present_leaf(&kernel, 1, |pte| !pte.writable());
    let mapping = Mapping {
        pid: 1,
        asid: Asid(1),
        vpn,
        pte_addr,
    };
    let pfn = add_mapping_to_text_frame(&mut kernel, mapping);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::DuplicateMapping { pfn, pid: 1, vpn })
    );
}

#[test]
fn mapping_without_pte_is_caught() {
    let mut kernel = paging_kernel();
    let mapping = Mapping {
        pid: 1,
        asid: Asid(1),
        vpn: 0,
        pte_addr: PhysAddr(0),
    };
    let pfn = add_mapping_to_text_frame(&mut kernel, mapping);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::MappingWithoutPte {
            pfn,
            pid: 1,
            vpn: 0
        })
    );
}

#[test]
fn writable_shared_frame_is_caught() {
    let mut kernel = fork_kernel();
    let vpn = text_vpn(&kernel);
    let (_, pte_addr, pte) = leaves(&kernel, 2)
        .into_iter()
        .find(|&(leaf_vpn, _, _)| leaf_vpn == vpn)
        .expect("the child shares the text page");
    kernel
        .sys
        .memory
        .write_u32(pte_addr, pte.0 | PTE_WRITABLE_BIT);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::WritableSharedFrame {
            pfn: pte.pfn(),
            pid: 2,
            vpn,
            sharers: 2
        })
    );
}

/// Returns the TLB entry that agrees with the text page of process 1.
fn text_tlb_entry(kernel: &Kernel) -> TlbEntry {
    let vpn = text_vpn(kernel);
    let (_, pte_addr, pte) = leaves(kernel, 1)
        .into_iter()
        .find(|&(leaf_vpn, _, _)| leaf_vpn == vpn)
        .expect("the text page is resident");
    TlbEntry {
        asid: Asid(1),
        vpn,
        pfn: pte.pfn(),
        writable: false,
        dirty: false,
        pte_addr,
    }
}

#[test]
fn tlb_entry_of_dead_asid_is_caught() {
    let mut kernel = paging_kernel();
    let entry = TlbEntry {
        asid: Asid(9),
        ..text_tlb_entry(&kernel)
    };
    kernel.sys.mmu.tlb_mut().insert(entry);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TlbEntryOfDeadAsid {
            asid: 9,
            vpn: entry.vpn
        })
    );
}

#[test]
fn stale_tlb_entry_is_caught() {
    let mut kernel = paging_kernel();
    let correct = text_tlb_entry(&kernel);
    let entry = TlbEntry {
        pfn: correct.pfn + 1,
        ..correct
    };
    kernel.sys.mmu.tlb_mut().insert(entry);
    let pte = Pte(kernel.sys.memory.read_u32(correct.pte_addr));
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TlbEntryStale {
            pid: 1,
            vpn: entry.vpn,
            tlb_pfn: entry.pfn,
            pte: Some(pte)
        })
    );
}

#[test]
fn tlb_entry_of_evicted_page_is_caught() {
    let mut kernel = paging_kernel();
    let (vpn, pte_addr, pte) = leaves(&kernel, 1)
        .into_iter()
        .find(|&(_, _, pte)| pte.swap_slot().is_some())
        .expect("a page is in swap");
    let entry = TlbEntry {
        asid: Asid(1),
        vpn,
        pfn: kernel.sys.pfn_of(0),
        writable: true,
        dirty: false,
        pte_addr,
    };
    kernel.sys.mmu.tlb_mut().insert(entry);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TlbEntryStale {
            pid: 1,
            vpn,
            tlb_pfn: entry.pfn,
            pte: Some(pte)
        })
    );
}

#[test]
fn tlb_writable_mismatch_is_caught() {
    let mut kernel = paging_kernel();
    let entry = TlbEntry {
        writable: true,
        ..text_tlb_entry(&kernel)
    };
    kernel.sys.mmu.tlb_mut().insert(entry);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TlbWritableMismatch {
            pid: 1,
            vpn: entry.vpn,
            tlb_writable: true
        })
    );
}

#[test]
fn dirty_tlb_entry_of_clean_page_is_caught() {
    let mut kernel = paging_kernel();
    let entry = TlbEntry {
        dirty: true,
        ..text_tlb_entry(&kernel)
    };
    kernel.sys.mmu.tlb_mut().insert(entry);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TlbDirtyLost {
            pid: 1,
            vpn: entry.vpn
        })
    );
}

#[test]
fn extra_slot_holder_is_caught() {
    let mut kernel = paging_kernel();
    let (slot, holders) = kernel.sys.slots.held_slots().next().unwrap();
    kernel.sys.slots.hold(slot);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::SlotHoldersMismatch {
            slot,
            holders: holders + 1,
            references: holders
        })
    );
}

#[test]
fn slot_without_holder_reference_is_caught() {
    let mut kernel = paging_kernel();
    let slot = kernel.sys.slots.take().unwrap();
    assert_eq!(
        kernel.check_invariants(),
        Err(V::SlotHoldersMismatch {
            slot,
            holders: 1,
            references: 0
        })
    );
}

#[test]
fn swap_cached_frame_counts_as_holder() {
    let mut kernel = paging_kernel();
    let frame = (0..kernel.sys.frames.len())
        .find(|&frame| {
            kernel
                .sys
                .frames
                .owner(frame)
                .is_some_and(|owner| owner.swap_slot.is_some())
        })
        .expect("a page was read back from swap and keeps its slot");
    let owner = kernel.sys.frames.owner(frame).unwrap().clone();
    let slot = owner.swap_slot.unwrap();
    let holders = kernel.sys.slots.holders(slot);
    kernel.sys.frames.set(
        frame,
        FrameOwner {
            swap_slot: None,
            ..owner
        },
    );
    assert_eq!(
        kernel.check_invariants(),
        Err(V::SlotHoldersMismatch {
            slot,
            holders,
            references: holders - 1
        })
    );
}

#[test]
fn held_slot_on_free_list_is_caught() {
    let mut kernel = paging_kernel();
    let (slot, holders) = kernel.sys.slots.held_slots().next().unwrap();
    kernel.sys.slots.free_keeping_holders(slot);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::SlotFreeButHeld { slot, holders })
    );
}

#[test]
fn held_slot_without_contents_is_caught() {
    let mut kernel = paging_kernel();
    let (slot, holders) = kernel.sys.slots.held_slots().next().unwrap();
    kernel.sys.swap.discard(slot);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::SlotNotStored { slot, holders })
    );
}

#[test]
fn free_slot_with_contents_is_caught() {
    let mut kernel = paging_kernel();
    let never_used = kernel.sys.slots.size() - 1;
    let page = vec![0; kernel.sys.config.page_size as usize];
    kernel.sys.swap.write(never_used, &page);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::FreeSlotStored { slot: never_used })
    );
}

#[test]
fn slot_count_mismatch_is_caught() {
    let mut kernel = paging_kernel();
    let held = kernel.sys.slots.held_slots().count() as u32;
    // Giving back a slot that was never handed out lowers the in-use
    // count below the number of held slots.
    let never_used = kernel.sys.slots.size() - 1;
    kernel.sys.slots.free_keeping_holders(never_used);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::SlotsInUseMismatch {
            in_use: held - 1,
            held
        })
    );
}

#[test]
fn leaked_frame_is_caught() {
    let mut kernel = finished_kernel();
    let frame = kernel.sys.frames.take_free().unwrap();
    let mapping = Mapping {
        pid: 1,
        asid: Asid(1),
        vpn: 0x20,
        pte_addr: PhysAddr(0),
    };
    kernel.sys.frames.set(
        frame,
        FrameOwner {
            mappings: vec![mapping],
            swap_slot: None,
            file: None,
        },
    );
    assert_eq!(
        kernel.check_invariants(),
        Err(V::FrameLeaked {
            pfn: kernel.sys.pfn_of(frame),
            pid: Some(1),
            vpn: Some(0x20)
        })
    );
}

#[test]
fn leaked_slot_is_caught() {
    let mut kernel = finished_kernel();
    let slot = kernel.sys.slots.take().unwrap();
    assert_eq!(
        kernel.check_invariants(),
        Err(V::SlotLeaked { slot, holders: 1 })
    );
}

#[test]
fn leaked_table_is_caught() {
    let mut kernel = finished_kernel();
    kernel.sys.tables.take().unwrap();
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TablesLeaked { in_use: 1 })
    );
}

#[test]
fn tlb_entry_after_exit_is_caught() {
    let mut kernel = finished_kernel();
    let entry = TlbEntry {
        asid: Asid(1),
        vpn: 0x10,
        pfn: kernel.sys.pfn_of(0),
        writable: false,
        dirty: false,
        pte_addr: PhysAddr(0),
    };
    kernel.sys.mmu.tlb_mut().insert(entry);
    assert_eq!(
        kernel.check_invariants(),
        Err(V::TlbEntryOfDeadAsid { asid: 1, vpn: 0x10 })
    );
}

#[test]
fn message_names_invariant_and_values() {
    let violation = V::SlotHoldersMismatch {
        slot: 4,
        holders: 2,
        references: 1,
    };
    assert_eq!(
        violation.to_string(),
        "invariant \"swap slots in use equal their holders\" violated: swap slot 4 counts 2 holders, but 1 PTEs and frames hold it"
    );
    let violation = V::TlbEntryStale {
        pid: 1,
        vpn: 0x10,
        tlb_pfn: 70,
        pte: Some(Pte::swapped(3)),
    };
    assert_eq!(
        violation.to_string(),
        "invariant \"every TLB entry agrees with its PTE\" violated: the TLB maps pid 1 VPN 0x10 to PFN 70, but its PTE is Pte { swapped to slot 3 }"
    );
}

#[test]
fn empty_lower_table_is_caught() {
    let mut kernel = paging_kernel();
    let root = kernel.processes[0].space.root_pfn;
    let free_index = (0..1024)
        .find(|&index| {
            let pte_addr = kernel.sys.memory.frame_addr(root, index * 4);
            Pte(kernel.sys.memory.read_u32(pte_addr)) == Pte::EMPTY
        })
        .expect("the root table has an unused entry");
    let pfn = kernel.sys.tables.take().unwrap();
    kernel.sys.memory.frame_mut(pfn).fill(0);
    let pte_addr = kernel.sys.memory.frame_addr(root, free_index * 4);
    kernel
        .sys
        .memory
        .write_u32(pte_addr, Pte::mapped(pfn, true).0);
    kernel.processes[0].space.tables.push((pfn, 1));
    assert_eq!(
        kernel.check_invariants(),
        Err(V::EmptyLowerTable {
            pid: 1,
            pfn,
            level: 1
        })
    );
}
