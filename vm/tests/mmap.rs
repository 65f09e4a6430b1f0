//! Mapped files inside the kernel: one frame per file page however many
//! processes map it, the page cache and frame table agreeing with the
//! page tables, write-back into a mount, and nothing left after exit.

mod common;

use common::*;
use pagelab_vm::hw::page_table::{Pte, PTE_BYTES};
use pagelab_vm::isa::{SYS_EXIT, SYS_MMAP, SYS_MUNMAP, SYS_SLEEP};
use pagelab_vm::kernel::mount::{FilePage, Mount};
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::vmm::MMAP_BASE;
use pagelab_vm::kernel::{Kernel, RunProgress};
use pagelab_vm::object::Object;

/// Maps one writable page of mount `m`, stores `value` at its byte
/// `offset`, sleeps `sleep` ticks, unmaps it when `unmap` is set, and exits.
fn mapper(value: i32, offset: i32, sleep: i32, unmap: bool) -> Object {
    let mut text = vec![
        li(1, DATA as i32),
        li(2, 4096),
        li(3, 1),
        sys(SYS_MMAP),
        addi(10, 0, 0),
        li(4, value),
        sw(4, 10, offset),
        li(1, sleep),
        sys(SYS_SLEEP),
    ];
    if unmap {
        text.extend([addi(1, 10, 0), li(2, 4096), sys(SYS_MUNMAP)]);
    }
    text.extend([li(1, 0), sys(SYS_EXIT)]);
    object("mapper.asm", &text, b"m\0", 0)
}

fn kernel_with_mount(bytes: &[u8], writable: bool) -> Kernel {
    let mut kernel = Kernel::new(config("fifo", 8), Box::new(Vec::new())).unwrap();
    let mount = Mount::in_memory("m", bytes.to_vec(), writable).unwrap();
    kernel.add_mount(mount).unwrap();
    kernel
}

/// Returns the leaf PTE that maps `va` in process `pid`.
fn leaf_pte(kernel: &Kernel, pid: u32, va: u32) -> Pte {
    let sys = kernel.system();
    let mut table = kernel.processes()[pid as usize - 1].space.root_pfn;
    let vpn = sys.geometry.vpn(va);
    for level in 0..sys.geometry.levels {
        let index = sys.geometry.index(vpn, level);
        let pte = Pte(sys
            .memory
            .read_u32(sys.memory.frame_addr(table, index * PTE_BYTES)));
        if level + 1 == sys.geometry.levels {
            return pte;
        }
        assert!(pte.present(), "pid {pid}: no table for 0x{va:08x}");
        table = pte.pfn();
    }
    unreachable!("a geometry has at least one level")
}

#[test]
fn two_processes_share_one_file_frame() {
    let mut kernel = kernel_with_mount(&[0; 16], true);
    kernel.spawn(mapper(0x11, 0, 2000, false)).unwrap();
    kernel.spawn(mapper(0x22, 4, 2000, false)).unwrap();
    assert_eq!(kernel.run_until(1000).unwrap(), RunProgress::Paused);

    let sys = kernel.system();
    let cached: Vec<(FilePage, usize)> = sys.resident_file_pages().collect();
    assert_eq!(cached.len(), 1, "one frame for the file page");
    let (page, frame) = cached[0];
    assert_eq!(page, FilePage { mount: 0, page: 0 });
    assert_eq!(sys.file_page_of(frame), Some(page));
    let owner = sys
        .frames
        .owner(frame)
        .expect("the cached frame is occupied");
    let pids: Vec<u32> = owner.mappings.iter().map(|mapping| mapping.pid).collect();
    assert_eq!(pids, [1, 2], "both processes are sharers");
    for pid in [1, 2] {
        let pte = leaf_pte(&kernel, pid, MMAP_BASE);
        assert!(pte.present(), "pid {pid}");
        assert_eq!(pte.pfn(), sys.pfn_of(frame), "pid {pid}");
        assert!(pte.writable(), "pid {pid}: {pte:?}");
        assert!(!pte.copy_on_write(), "pid {pid}: {pte:?}");
    }
    let word = |offset: u32| {
        let pa = sys.memory.frame_addr(sys.pfn_of(frame), offset);
        sys.memory.read_u32(pa)
    };
    assert_eq!((word(0), word(4)), (0x11, 0x22), "both stores in one frame");

    assert_eq!(kernel.run_until(u64::MAX).unwrap(), RunProgress::Finished);
    let sys = kernel.system();
    assert_eq!(
        sys.resident_file_pages().count(),
        0,
        "the page cache is empty"
    );
    assert!(
        (0..8).all(|frame| sys.frames.owner(frame).is_none()),
        "no frame leaks"
    );
    let mut expected = [0u8; 16];
    expected[0] = 0x11;
    expected[4] = 0x22;
    assert_eq!(
        kernel.mounts().get(0).unwrap().memory_bytes(),
        Some(&expected[..])
    );
}

#[test]
fn munmap_writes_back_before_exit() {
    let mut kernel = kernel_with_mount(b"abcdefgh", true);
    kernel.spawn(mapper(0x5a5a_5a5a, 0, 2000, true)).unwrap();
    // Paused after the munmap (the sleep ends near tick 2200) and before
    // the exit, which would write back as well.
    let mut progress = kernel.run_until(2300).unwrap();
    while progress == RunProgress::Paused && kernel.stats().totals.file_page_outs == 0 {
        let tick = kernel.system().clock + 1;
        progress = kernel.run_until(tick).unwrap();
    }
    assert_eq!(kernel.processes()[0].exit, None, "still running");
    assert_eq!(
        kernel.mounts().get(0).unwrap().memory_bytes(),
        Some(&b"ZZZZefgh"[..])
    );
    assert_eq!(kernel.system().resident_file_pages().count(), 0);

    kernel.run().unwrap();
    assert_eq!(kernel.processes()[0].exit, Some(ExitStatus::Exited(0)));
    assert_eq!(
        kernel.stats().totals.file_page_outs,
        1,
        "exit had nothing left to write"
    );
}

#[test]
fn read_only_mount_stays_unchanged() {
    let mut kernel = kernel_with_mount(b"abcdefgh", false);
    kernel.spawn(mapper(0x5a5a_5a5a, 0, 10, false)).unwrap();
    kernel.run().unwrap();
    // The writable mapping is rejected, so the store hits address -2 and
    // the process dies; the mount is never written.
    assert!(matches!(
        kernel.processes()[0].exit,
        Some(ExitStatus::Killed(_))
    ));
    assert_eq!(
        kernel.mounts().get(0).unwrap().memory_bytes(),
        Some(&b"abcdefgh"[..])
    );
    assert_eq!(kernel.stats().totals.file_page_outs, 0);
}

#[test]
fn store_past_end_is_not_written() {
    let mut kernel = kernel_with_mount(b"abcdefgh", true);
    kernel.spawn(mapper(0x5a5a_5a5a, 100, 10, true)).unwrap();
    kernel.run().unwrap();
    assert_eq!(kernel.processes()[0].exit, Some(ExitStatus::Exited(0)));
    // The page is dirty and written back, but only its first 8 bytes,
    // which lie inside the file.
    assert_eq!(kernel.stats().totals.file_page_outs, 1);
    assert_eq!(
        kernel.mounts().get(0).unwrap().memory_bytes(),
        Some(&b"abcdefgh"[..])
    );
}
