//! Random programs of loads, stores, branches and every system call, with
//! random arguments, never panic the kernel and always end within the tick
//! budget, on machines small enough to evict, share and swap constantly.

mod common;

use common::*;
use pagelab_vm::config::{Allocation, MachineConfig, Scope};
use pagelab_vm::isa::{BranchCond, Instruction, MemAddr, SYSCALLS};
use pagelab_vm::kernel::mount::Mount;
use pagelab_vm::kernel::vmm::MMAP_BASE;
use pagelab_vm::kernel::Kernel;
use proptest::prelude::*;

const LENGTH: u32 = 24;

/// Interesting register values: small numbers, tids and pids, addresses
/// in data, bss, the stack and the text, and nonsense.
fn value() -> impl Strategy<Value = i32> {
    prop_oneof![
        -2i32..8,
        Just(DATA as i32),
        Just(DATA as i32 + 4096),
        Just(DATA as i32 + 8192 + 12),
        Just(at(0) as i32),
        Just(at(5) as i32),
        Just(0xbfff_fff0u32 as i32),
        Just(MMAP_BASE as i32),
        any::<i32>(),
    ]
}

fn instruction() -> impl Strategy<Value = Instruction> {
    let syscall = proptest::sample::select(SYSCALLS.iter().map(|(n, _)| *n).collect::<Vec<_>>());
    prop_oneof![
        (0u8..4, value()).prop_map(|(rd, imm)| li(rd, imm)),
        (0u8..4, 1u8..4, -8i32..8).prop_map(|(rd, rs, imm)| addi(rd, rs, imm * 4)),
        (4u8..8, 1u8..4, 0i32..4).prop_map(|(rd, base, off)| lw(rd, base, off * 4)),
        (1u8..8, 1u8..4, 0i32..4).prop_map(|(rs, base, off)| sw(rs, base, off * 4)),
        (1u8..4, 1u8..4).prop_map(|(rd, base)| Instruction::Xchg {
            rd: r(rd),
            addr: MemAddr::Based {
                base: r(base),
                offset: 0
            },
        }),
        (0u8..4, 0u8..4, 0..LENGTH).prop_map(|(a, b, t)| branch(BranchCond::Lt, a, b, t)),
        syscall.clone().prop_map(sys),
        syscall.prop_map(sys),
    ]
}

fn machine() -> impl Strategy<Value = MachineConfig> {
    (1usize..4, 0u64..3, prop::bool::ANY, 0usize..3, 0u64..60).prop_map(
        |(frames, switch_cost, flush, swap_slots, latency)| MachineConfig {
            frames,
            switch_cost,
            tlb_flush_on_switch: flush,
            swap_slots: [0, 4, 64][swap_slots],
            swap_read_latency: latency,
            swap_write_latency: latency,
            console_latency: latency,
            page_table_frames: 12,
            max_ticks: 20_000,
            ..config("fifo", 1)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_programs_end_cleanly(
        program in prop::collection::vec(instruction(), LENGTH as usize),
        machine in machine(),
        quantum in prop::option::of(1u64..40),
        copies in 1usize..3,
    ) {
        let mut kernel = Kernel::new(machine, Box::new(std::io::sink())).unwrap();
        kernel.set_errors(Box::new(std::io::sink()));
        kernel.set_stdin(b"input".to_vec());
        if let Some(quantum) = quantum {
            let (scheduler, _) = TestRoundRobin::new(quantum);
            kernel.set_scheduler(Box::new(scheduler));
        }
        // `mmap` with r1 = DATA maps the writable mount "m".
        let mount = Mount::in_memory("m", vec![7; 5000], true).unwrap();
        kernel.add_mount(mount).unwrap();
        let mut data = b"m\0".to_vec();
        data.resize(64, 1);
        for _ in 0..copies {
            kernel.spawn(object("random.asm", &program, &data, 3 * 4096)).unwrap();
        }
        kernel.run().unwrap();
        for process in kernel.processes() {
            prop_assert!(process.exit.is_some(), "{}", process.describe_exit());
        }
        prop_assert!(kernel.system().clock <= 20_000 + 200);
        prop_assert_eq!(kernel.system().resident_file_pages().count(), 0);
        prop_assert_eq!(kernel.mounts().get(0).unwrap().len(), 5000);
    }
}

/// Machines with page tables in the frames or local scope, or both, and
/// enough frames for a few tables.
fn machine_with_modes() -> impl Strategy<Value = MachineConfig> {
    (
        machine(),
        2usize..9,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(
            |(base, frames, in_pool, local, proportional)| MachineConfig {
                frames,
                page_tables_in_pool: in_pool,
                page_table_frames: if in_pool { 0 } else { 12 },
                scope: if local { Scope::Local } else { Scope::Global },
                allocation: local.then_some(if proportional {
                    Allocation::Proportional
                } else {
                    Allocation::Equal
                }),
                ..base
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn random_programs_end_cleanly_in_new_modes(
        program in prop::collection::vec(instruction(), LENGTH as usize),
        machine in machine_with_modes(),
        quantum in prop::option::of(1u64..40),
        copies in 1usize..3,
    ) {
        let n_frames = machine.frames;
        let mut kernel = Kernel::new(machine, Box::new(std::io::sink())).unwrap();
        kernel.set_errors(Box::new(std::io::sink()));
        if let Some(quantum) = quantum {
            let (scheduler, _) = TestRoundRobin::new(quantum);
            kernel.set_scheduler(Box::new(scheduler));
        }
        for _ in 0..copies {
            kernel.spawn(object("random.asm", &program, &[1; 64], 3 * 4096)).unwrap();
        }
        kernel.run().unwrap();
        for process in kernel.processes() {
            prop_assert!(process.exit.is_some(), "{}", process.describe_exit());
        }
        prop_assert!(kernel.system().clock <= 20_000 + 200);

        // Nothing leaks once every process has ended.
        let sys = kernel.system();
        prop_assert_eq!(sys.frames.free_count(), n_frames);
        prop_assert_eq!(sys.frames.table_count(), 0);
        for frame in 0..n_frames {
            prop_assert_eq!(sys.replacement.holder(frame), None);
        }
    }
}
