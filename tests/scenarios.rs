//! The scenario tester: every program in `programs/` runs under a matrix of
//! machine configurations, and the kernel's invariants are checked at
//! regular pauses during each run and once more after it, when nothing may
//! be left allocated (`Kernel::check_invariants`).
//!
//! The matrix is [`matrix`]: one list of dimensions, each a list of
//! settings. By default a fixed-seed sample of its cross product runs,
//! chosen so that every setting of every dimension runs with every
//! program. `SCENARIOS=N` runs N combinations per program (the extra ones
//! drawn at random with the same seed), and `SCENARIOS=all` runs the whole
//! cross product, which takes far longer (build with `--release`):
//!
//! ```text
//! SCENARIOS=all cargo test --release --test scenarios -- --nocapture
//! ```
//!
//! Besides the programs one by one, the matrix runs multi-process sets
//! (see [`multi_process_sets`]): several programs in one kernel, as when
//! `pagelab run` gets several files, including one file mapped by two
//! processes at once.
//!
//! Besides the invariants, a run under plentiful swap with page tables in
//! the reserved pool must end as the program's run under the default
//! machine does. The exit statuses must be the same, and so must the
//! console output unless it depends on timing. Paging must be invisible
//! to the program.

mod common;

use common::{programs, stem};
use pagelab_vm::config::{Allocation, MachineConfig, Scope};
use pagelab_vm::hw::tlb::TlbPolicy;
use pagelab_vm::kernel::mount::Mount;
use pagelab_vm::kernel::process::ExitStatus;
use pagelab_vm::kernel::{Kernel, RunProgress};
use pagelab_vm::object::Object;
use pagelab_vm::rng::SplitMix64;
use std::cell::RefCell;
use std::io::{self, Write};
use std::path::Path;
use std::rc::Rc;

/// Ticks between the first invariant checks of a run. A prime, so that
/// the pauses do not line up with the programs' loops.
const FIRST_CHECK_INTERVAL: u64 = 997;

/// Checks made at one interval before it doubles. Doubling bounds the
/// checks of a long run (a thrashing one runs millions of ticks) to about
/// this many per doubling of its length.
const CHECKS_PER_INTERVAL: u32 = 64;

/// Tick budget of one run: far above what any program needs on the
/// smallest machine of the matrix, so reaching it means a hang.
const MAX_TICKS: u64 = 50_000_000;

/// Seed of the sample of the cross product.
const SAMPLE_SEED: u64 = 0x5ce_2a21;

/// Page sizes of the geometry dimension, in bytes.
const PAGE_SIZES: [u32; 7] = [16, 64, 256, 1024, 4096, 16384, 65536];

/// Page-table levels of the geometry dimension, besides each page size's
/// default of one-page tables.
const LEVELS: [u32; 4] = [1, 2, 3, 4];

/// The read-only mount `data` of programs/mmap_file.asm, as
/// tests/common/mod.rs `program_args` passes it to `pagelab run`.
const MMAP_MOUNTS: &[(&str, &str)] = &[("data", "tests/fixtures/mmap_input.txt")];

/// Stack limit of programs/stack_overflow.asm in every run, in bytes. The
/// default 1 MiB costs 65536 stack faults on 16-byte pages. 64 KiB is a
/// multiple of every page size of the matrix, so the overflow (and the kill
/// message, which names the limit) is the same on every machine.
const STACK_OVERFLOW_LIMIT: u32 = 64 << 10;

/// How a program is run: its standard input, its mounts, changes to the
/// machine it needs, and whether its console output is the same on every
/// machine.
#[derive(Clone, Copy)]
struct ProgramSetup {
    /// Bytes the console delivers as standard input.
    stdin: &'static [u8],
    /// Whether the output depends on how the threads interleave, which
    /// the TLB, the page size and the scheduler all change.
    output_depends_on_timing: bool,
    /// Read-only mounts, as `(name, path from the repository root)`.
    mounts: &'static [(&'static str, &'static str)],
    /// Change to every configuration the program runs on, the default
    /// machine included, applied after the matrix's settings.
    configure: Option<fn(&mut MachineConfig)>,
}

impl ProgramSetup {
    /// The setup of a program that reads no input, maps no file, runs on
    /// any machine and prints the same on every one.
    const PLAIN: ProgramSetup = ProgramSetup {
        stdin: b"",
        output_depends_on_timing: false,
        mounts: &[],
        configure: None,
    };
}

/// Returns the setup of the program named `name` (the file stem). A
/// program not listed gets [`ProgramSetup::PLAIN`].
fn setup_of(name: &str) -> ProgramSetup {
    match name {
        "io_bound" => ProgramSetup {
            stdin: b"paging makes memory look larger than it is\n",
            ..ProgramSetup::PLAIN
        },
        // NOTE: only the row-major pass runs. The column-major pass on
        // 16-byte pages and one frame takes longer than the whole sample
        // should.
        "matrix_rows_cols" => ProgramSetup {
            stdin: b"r",
            ..ProgramSetup::PLAIN
        },
        "mmap_file" => ProgramSetup {
            mounts: MMAP_MOUNTS,
            ..ProgramSetup::PLAIN
        },
        "stack_overflow" => ProgramSetup {
            configure: Some(|config| config.stack_limit = STACK_OVERFLOW_LIMIT),
            ..ProgramSetup::PLAIN
        },
        // The unsynchronised counter loses a different number of updates
        // whenever preemption points move.
        "threads_race" => ProgramSetup {
            output_depends_on_timing: true,
            ..ProgramSetup::PLAIN
        },
        _ => ProgramSetup::PLAIN,
    }
}

/// One entry of [`multi_process_sets`]: a label and the programs (file
/// stems) started in one kernel, in pid order.
struct MultiProcessSet {
    label: &'static str,
    programs: &'static [&'static str],
}

/// Program sets that run several processes in one kernel, besides
/// programs/fork_cow.asm, which forks, and the threaded programs. Their
/// console output interleaves by timing, so only their exit statuses are
/// compared with the default machine. The members' mounts are added once
/// for the whole kernel. A member may not read standard input or change
/// the machine, which [`load_programs`] checks.
fn multi_process_sets() -> Vec<MultiProcessSet> {
    vec![
        // Two unrelated programs compete for the frames: under local
        // scope each gets its limit, under global scope one may take the
        // other's frames.
        MultiProcessSet {
            label: "seq_scan + random_access",
            programs: &["seq_scan", "random_access"],
        },
        // Both map the same mount, so its pages are shared file frames.
        MultiProcessSet {
            label: "mmap_file twice",
            programs: &["mmap_file", "mmap_file"],
        },
    ]
}

/// One value of a dimension: a label for reports and its change to the
/// configuration.
struct Setting {
    label: String,
    apply: Box<dyn Fn(&mut MachineConfig) + Send + Sync>,
}

impl Setting {
    fn new(
        label: impl Into<String>,
        apply: impl Fn(&mut MachineConfig) + Send + Sync + 'static,
    ) -> Setting {
        Setting {
            label: label.into(),
            apply: Box::new(apply),
        }
    }
}

/// One axis of the matrix.
struct Dimension {
    name: &'static str,
    settings: Vec<Setting>,
}

/// A setting left out of the matrix, with the reason.
struct Skip {
    dimension: &'static str,
    label: String,
    reason: String,
}

/// Returns the dimensions of the matrix and the settings left out of
/// them. To add a dimension, add a function like [`tlb_tags`] and list it
/// here.
fn matrix() -> (Vec<Dimension>, Vec<Skip>) {
    let (geometry, skipped) = geometry();
    let dimensions = vec![
        geometry,
        tlb_organisation(),
        tlb_tags(),
        policy(),
        frames(),
        resources(),
        scope(),
        page_tables(),
        scheduler(),
    ];
    (dimensions, skipped)
}

/// Returns the split that `--levels n` gives: the page-number bits divided
/// as evenly as possible, lower levels taking the extra bits.
fn even_split(page_size: u32, levels: u32) -> Vec<u32> {
    let vpn_bits = 32 - page_size.trailing_zeros();
    let base = vpn_bits / levels;
    let extra = vpn_bits % levels;
    (0..levels)
        .map(|level| base + u32::from(level >= levels - extra))
        .collect()
}

/// Page sizes from 16 B to 64 KiB, each with its default tables and with
/// 1 to 4 levels. The page-table pool grows as pages shrink, because a
/// program then needs many more (smaller) tables.
fn geometry() -> (Dimension, Vec<Skip>) {
    let mut settings = Vec::new();
    let mut skipped = Vec::new();
    for page_size in PAGE_SIZES {
        let page_table_frames = ((4 << 20) / page_size as usize).max(64);
        let base = MachineConfig {
            page_size,
            page_table_frames,
            ..MachineConfig::default()
        };
        let default_levels = base.geometry().levels;
        settings.push(Setting::new(
            format!("{page_size} B pages, {default_levels} levels"),
            move |config| {
                config.page_size = page_size;
                config.page_table_frames = page_table_frames;
                config.split = None;
            },
        ));
        for levels in LEVELS {
            let label = format!("{page_size} B pages, --levels {levels}");
            let split = even_split(page_size, levels);
            let config = MachineConfig {
                split: Some(split.clone()),
                ..base.clone()
            };
            if let Err(error) = config.validate() {
                skipped.push(Skip {
                    dimension: "geometry",
                    label,
                    reason: error.to_string(),
                });
                continue;
            }
            if config.geometry() == base.geometry() {
                skipped.push(Skip {
                    dimension: "geometry",
                    label,
                    reason: format!("split {split:?} is the default, which runs already"),
                });
                continue;
            }
            settings.push(Setting::new(label, move |config| {
                config.page_size = page_size;
                config.page_table_frames = page_table_frames;
                config.split = Some(split.clone());
            }));
        }
    }
    let dimension = Dimension {
        name: "geometry",
        settings,
    };
    (dimension, skipped)
}

fn tlb_organisation() -> Dimension {
    let tlb = |label: &str, entries: usize, ways: Option<usize>, policy: TlbPolicy| {
        Setting::new(label, move |config| {
            config.tlb_entries = entries;
            config.tlb_ways = ways;
            config.tlb_policy = policy;
        })
    };
    Dimension {
        name: "TLB",
        settings: vec![
            tlb("no TLB", 0, None, TlbPolicy::Lru),
            tlb("8-entry direct-mapped", 8, Some(1), TlbPolicy::Lru),
            tlb("8-entry 2-way lru", 8, Some(2), TlbPolicy::Lru),
            tlb("8-entry 4-way fifo", 8, Some(4), TlbPolicy::Fifo),
            tlb("8-entry fully associative lru", 8, None, TlbPolicy::Lru),
            tlb(
                "16-entry fully associative random",
                16,
                None,
                TlbPolicy::Random,
            ),
        ],
    }
}

fn tlb_tags() -> Dimension {
    Dimension {
        name: "TLB tags",
        settings: vec![
            Setting::new("ASID tags", |config| config.tlb_flush_on_switch = false),
            Setting::new("flush on switch", |config| {
                config.tlb_flush_on_switch = true
            }),
        ],
    }
}

fn policy() -> Dimension {
    let settings = ["fifo", "lru", "clock", "random", "arc", "lirs"]
        .into_iter()
        .map(|name| Setting::new(name, move |config| config.policy = name.to_string()))
        .collect();
    Dimension {
        name: "policy",
        settings,
    }
}

/// Frame counts small enough that every program evicts pages.
fn frames() -> Dimension {
    let settings = [1, 3, 6]
        .into_iter()
        .map(|frames| {
            Setting::new(format!("{frames} frames"), move |config| {
                config.frames = frames
            })
        })
        .collect();
    Dimension {
        name: "frames",
        settings,
    }
}

/// Swap slots of the scarce machine.
const SCARCE_SWAP_SLOTS: usize = 4;

/// Returns whether a run on `config` that ended with `exits` may
/// legitimately end differently from the default machine, which ended with
/// `expected_exits`. Runs on the scarce machine of [`resources`] always
/// may. Runs with page tables in the user frames (see [`page_tables`]) may
/// when a process was killed "out of frames" or when fewer processes ran,
/// because a `fork` failed for want of frames for the child's tables.
fn ran_out(config: &MachineConfig, exits: &[ExitStatus], expected_exits: &[ExitStatus]) -> bool {
    if config.swap_slots == SCARCE_SWAP_SLOTS {
        return true;
    }
    if !config.page_tables_in_pool {
        return false;
    }
    let killed_out_of_frames = exits
        .iter()
        .any(|exit| matches!(exit, ExitStatus::Killed(reason) if reason.contains("out of frames")));
    killed_out_of_frames || exits.len() < expected_exits.len()
}

/// Plentiful swap, or so little swap and so few page-table frames that
/// processes are killed (or `fork` fails) and the kernel's clean-up paths
/// run. The scarce pool depends on the number of levels, so [`matrix`]
/// lists this dimension after the geometry.
fn resources() -> Dimension {
    Dimension {
        name: "resources",
        settings: vec![
            Setting::new("plentiful swap", |config| {
                config.swap_slots = 1 << 16;
            }),
            Setting::new("scarce swap and tables", |config| {
                config.swap_slots = SCARCE_SWAP_SLOTS;
                config.page_table_frames = config.geometry().levels as usize + 2;
            }),
        ],
    }
}

/// Global replacement, or local with each allocation rule.
fn scope() -> Dimension {
    let local = |label: &str, allocation: Allocation| {
        Setting::new(label, move |config| {
            config.scope = Scope::Local;
            config.allocation = Some(allocation);
        })
    };
    Dimension {
        name: "scope",
        settings: vec![
            Setting::new("global scope", |config| {
                config.scope = Scope::Global;
                config.allocation = None;
            }),
            local("local scope, equal allocation", Allocation::Equal),
            local(
                "local scope, proportional allocation",
                Allocation::Proportional,
            ),
        ],
    }
}

/// Page tables in the reserved pool, or in the user frames
/// (`--page-tables-in-pool`). Listed after [`frames`] and [`resources`],
/// because the pool setting replaces their page-table pool.
///
/// In the user frames, page tables take frames that pages would use, so
/// with the few frames of [`frames`] a process may be killed "out of
/// frames" or `fork` may fail. Such runs count like the scarce machine
/// (see [`ran_out`]), and the others are compared with the default
/// machine. To let most of them run to their end, pool runs get as many
/// extra frames as a walk has levels, plus 2.
fn page_tables() -> Dimension {
    Dimension {
        name: "page tables",
        settings: vec![
            Setting::new("page tables reserved", |config| {
                config.page_tables_in_pool = false;
            }),
            Setting::new("page tables in the frames", |config| {
                config.page_tables_in_pool = true;
                config.page_table_frames = 0;
                config.frames += config.geometry().levels as usize + 2;
            }),
        ],
    }
}

fn scheduler() -> Dimension {
    Dimension {
        name: "scheduler",
        settings: vec![
            Setting::new("fcfs", |config| config.scheduler = "fcfs".into()),
            Setting::new("rr, quantum 37", |config| {
                config.scheduler = "rr".into();
                config.quantum = 37;
            }),
        ],
    }
}

/// One run: a program and one setting index per dimension.
#[derive(Clone)]
struct Scenario {
    program: usize,
    choice: Vec<usize>,
}

/// Returns every combination of settings, in order.
fn cross_product(dimensions: &[Dimension]) -> Vec<Vec<usize>> {
    let mut combinations = vec![Vec::new()];
    for dimension in dimensions {
        let mut next = Vec::new();
        for combination in &combinations {
            for index in 0..dimension.settings.len() {
                let mut extended = combination.clone();
                extended.push(index);
                next.push(extended);
            }
        }
        combinations = next;
    }
    combinations
}

/// Returns `runs_per_program` combinations for each program, and at least
/// as many as the largest dimension has settings. Run i of a program takes
/// setting `(i + offset) mod n` of each dimension of n settings, in an
/// order shuffled once with [`SAMPLE_SEED`], so every setting runs with
/// every program and the pairings differ between programs. Runs beyond
/// that first round draw every setting at random.
fn sample(dimensions: &[Dimension], n_programs: usize, runs_per_program: usize) -> Vec<Scenario> {
    let mut rng = SplitMix64::new(SAMPLE_SEED);
    let orders: Vec<Vec<usize>> = dimensions
        .iter()
        .map(|dimension| {
            let mut order: Vec<usize> = (0..dimension.settings.len()).collect();
            for i in (1..order.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                order.swap(i, j);
            }
            order
        })
        .collect();
    let round = dimensions
        .iter()
        .map(|dimension| dimension.settings.len())
        .max()
        .unwrap_or(1);
    let mut scenarios = Vec::new();
    for program in 0..n_programs {
        let offsets: Vec<usize> = orders
            .iter()
            .map(|order| rng.below(order.len() as u64) as usize)
            .collect();
        for run in 0..runs_per_program.max(round) {
            let choice = if run < round {
                orders
                    .iter()
                    .zip(&offsets)
                    .map(|(order, offset)| order[(run + offset) % order.len()])
                    .collect()
            } else {
                orders
                    .iter()
                    .map(|order| rng.below(order.len() as u64) as usize)
                    .collect()
            };
            scenarios.push(Scenario { program, choice });
        }
    }
    scenarios
}

/// A `Write` whose bytes stay readable after the kernel owns it.
#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A program, or a multi-process set of programs, ready to run.
struct Program {
    name: String,
    /// One object per process started, in pid order.
    objects: Vec<Object>,
    setup: ProgramSetup,
    /// The mounts the processes may map, read from the host once.
    mounts: Vec<(String, Vec<u8>)>,
    /// How its processes end on the default machine, in pid order.
    expected_exits: Vec<ExitStatus>,
    /// Its console output on the default machine.
    expected_output: Vec<u8>,
}

/// Why a run did not pass.
enum Problem {
    /// It could not start on this machine; the message gives the reason.
    Skip(String),
    /// A check failed; the message names the failure.
    Fail(String),
}

/// What a passing run was checked for.
enum Checked {
    /// The invariants, and its ends and output against the default machine.
    Outcome,
    /// Only the invariants and the absence of internal errors and
    /// tick-limit stops, because it ran out of swap, page-table frames or
    /// frames (see [`ran_out`]).
    InvariantsOnly,
}

/// How one run ended: `Ok` when it ran to the end with every check passing.
type RunResult = Result<Checked, Problem>;

/// Runs the objects of `program` on `config`, with its input and mounts,
/// checking the invariants at pauses (see [`FIRST_CHECK_INTERVAL`]) and at
/// the end. Returns the processes' ends and the console output, or the
/// first failure.
fn run_checked(
    config: MachineConfig,
    program: &Program,
) -> Result<(Vec<ExitStatus>, Vec<u8>), Problem> {
    let console = Capture::default();
    // Some settings do not combine, such as a policy that needs more
    // frames than the frame count gives it.
    let mut kernel = Kernel::new(config, Box::new(console.clone()))
        .map_err(|error| Problem::Skip(error.to_string()))?;
    kernel.set_errors(Box::new(io::sink()));
    kernel.set_stdin(program.setup.stdin.to_vec());
    for (name, bytes) in &program.mounts {
        let mount = Mount::in_memory(name, bytes.clone(), false)
            .map_err(|error| Problem::Fail(format!("mount {name}: {error}")))?;
        kernel
            .add_mount(mount)
            .map_err(|error| Problem::Fail(format!("mount {name}: {error}")))?;
    }
    for object in &program.objects {
        if let Err(error) = kernel.spawn(object.clone()) {
            return Err(Problem::Skip(error.to_string()));
        }
    }
    if let Err(violation) = kernel.check_invariants() {
        return Err(Problem::Fail(format!("before the run: {violation}")));
    }

    let mut interval = FIRST_CHECK_INTERVAL;
    for check in 1.. {
        if check % CHECKS_PER_INTERVAL == 0 {
            interval *= 2;
        }
        let pause_at = kernel.system().clock + interval;
        let progress = kernel
            .run_until(pause_at)
            .map_err(|error| Problem::Fail(format!("output failed: {error}")))?;
        if let Err(violation) = kernel.check_invariants() {
            let when = match progress {
                RunProgress::Paused => "paused",
                RunProgress::Finished => "after the run",
            };
            let tick = kernel.system().clock;
            return Err(Problem::Fail(format!("{when} at tick {tick}: {violation}")));
        }
        if progress == RunProgress::Finished {
            break;
        }
    }

    let mut exits = Vec::new();
    for process in kernel.processes() {
        match &process.exit {
            Some(exit) => exits.push(exit.clone()),
            None => {
                return Err(Problem::Fail(format!(
                    "{} is still alive after the run finished",
                    process.describe_exit()
                )))
            }
        }
    }
    let output = console.0.borrow().clone();
    Ok((exits, output))
}

/// Runs `program` under one combination of settings and checks it.
fn run_scenario(program: &Program, dimensions: &[Dimension], choice: &[usize]) -> RunResult {
    let mut config = MachineConfig {
        max_ticks: MAX_TICKS,
        ..MachineConfig::default()
    };
    let mut labels = Vec::new();
    for (dimension, &index) in dimensions.iter().zip(choice) {
        let setting = &dimension.settings[index];
        (setting.apply)(&mut config);
        labels.push(setting.label.as_str());
    }
    if let Some(configure) = program.setup.configure {
        configure(&mut config);
    }
    let describe = || format!("{} with {}", program.name, labels.join(", "));

    let (exits, output) = match run_checked(config.clone(), program) {
        Ok(outcome) => outcome,
        Err(Problem::Fail(message)) => {
            return Err(Problem::Fail(format!("{}: {message}", describe())))
        }
        Err(Problem::Skip(reason)) => {
            return Err(Problem::Skip(format!("{}: {reason}", describe())))
        }
    };

    for (pid, exit) in (1..).zip(&exits) {
        if let ExitStatus::Killed(reason) | ExitStatus::Stopped(reason) = exit {
            if reason.contains("internal error") || reason.contains("--max-ticks") {
                return Err(Problem::Fail(format!(
                    "{}: pid {pid} ended: {reason}",
                    describe()
                )));
            }
        }
    }
    // A scarce machine, or page tables in a few user frames, may kill
    // processes or make fork fail, which changes what the program does.
    // Only the invariants count there.
    if ran_out(&config, &exits, &program.expected_exits) {
        return Ok(Checked::InvariantsOnly);
    }
    if exits != program.expected_exits {
        return Err(Problem::Fail(format!(
            "{}: processes ended {exits:?}, but on the default machine {:?}",
            describe(),
            program.expected_exits
        )));
    }
    if !program.setup.output_depends_on_timing && output != program.expected_output {
        return Err(Problem::Fail(format!(
            "{}: console output {:?} differs from the default machine's {:?}",
            describe(),
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&program.expected_output)
        )));
    }
    Ok(Checked::Outcome)
}

/// Assembles the program at `path`.
fn assemble(path: &Path) -> Object {
    let name = stem(path);
    let source = std::fs::read_to_string(path).expect("programs/ files are readable");
    let file_name = Path::new("programs").join(path.file_name().expect("a file name"));
    pagelab_asm::assemble(&file_name.to_string_lossy(), &source)
        .unwrap_or_else(|errors| panic!("{name} does not assemble:\n{}", errors.render(false)))
}

/// Reads the host files of `mounts` once, for every run to share.
fn read_mounts(mounts: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    mounts
        .iter()
        .map(|&(name, path)| {
            let bytes = std::fs::read(common::repo_root().join(path))
                .unwrap_or_else(|error| panic!("cannot read the mount file {path}: {error}"));
            (name.to_string(), bytes)
        })
        .collect()
}

/// Builds a [`Program`] with `mounts` and runs it on the default machine
/// (with its `configure` change) for its expected ends and output.
fn prepare(
    name: String,
    objects: Vec<Object>,
    setup: ProgramSetup,
    mounts: &[(&str, &str)],
) -> Program {
    let mut program = Program {
        name,
        objects,
        setup,
        mounts: read_mounts(mounts),
        expected_exits: Vec::new(),
        expected_output: Vec::new(),
    };
    let mut config = MachineConfig {
        max_ticks: MAX_TICKS,
        ..MachineConfig::default()
    };
    if let Some(configure) = setup.configure {
        configure(&mut config);
    }
    let (exits, output) = match run_checked(config, &program) {
        Ok(outcome) => outcome,
        Err(Problem::Fail(message) | Problem::Skip(message)) => {
            panic!("{} on the default machine: {message}", program.name)
        }
    };
    program.expected_exits = exits;
    program.expected_output = output;
    program
}

/// Assembles every program in `programs/`, then builds the sets of
/// [`multi_process_sets`], and runs each on the default machine for its
/// expected ends and output.
fn load_programs() -> Vec<Program> {
    let paths = programs();
    let mut loaded: Vec<Program> = paths
        .iter()
        .map(|path| {
            let name = stem(path);
            let setup = setup_of(&name);
            prepare(name, vec![assemble(path)], setup, setup.mounts)
        })
        .collect();

    for set in multi_process_sets() {
        let mut objects = Vec::new();
        let mut mounts: Vec<(&str, &str)> = Vec::new();
        for &member in set.programs {
            let path = paths
                .iter()
                .find(|path| stem(path) == member)
                .unwrap_or_else(|| panic!("{member}.asm of set {} is in programs/", set.label));
            objects.push(assemble(path));
            let member_setup = setup_of(member);
            assert!(
                member_setup.stdin.is_empty(),
                "{member} reads standard input, which the processes of set {} would share",
                set.label
            );
            assert!(
                member_setup.configure.is_none(),
                "{member} changes the machine, which the members of set {} would have to agree on",
                set.label
            );
            // One mount for the whole kernel, so every member maps the same file pages.
            for &mount in member_setup.mounts {
                if !mounts.contains(&mount) {
                    mounts.push(mount);
                }
            }
        }
        let setup = ProgramSetup {
            output_depends_on_timing: true,
            ..ProgramSetup::PLAIN
        };
        loaded.push(prepare(set.label.to_string(), objects, setup, &mounts));
    }
    loaded
}

/// Runs one scenario as [`run_scenario`] does, and turns a panic inside
/// the emulator into a failure that names the scenario, so the other
/// scenarios still run and the report shows the configuration.
fn run_guarded(program: &Program, dimensions: &[Dimension], choice: &[usize]) -> RunResult {
    let run = std::panic::AssertUnwindSafe(|| run_scenario(program, dimensions, choice));
    std::panic::catch_unwind(run).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        let labels: Vec<&str> = dimensions
            .iter()
            .zip(choice)
            .map(|(dimension, &index)| dimension.settings[index].label.as_str())
            .collect();
        Err(Problem::Fail(format!(
            "{} with {}: the emulator panicked: {message}",
            program.name,
            labels.join(", ")
        )))
    })
}

/// Runs `scenarios` on up to 4 threads and returns their results in order.
fn run_all(
    programs: &[Program],
    dimensions: &[Dimension],
    scenarios: &[Scenario],
) -> Vec<RunResult> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4);
    let mut results: Vec<(usize, RunResult)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                scope.spawn(move || {
                    scenarios
                        .iter()
                        .enumerate()
                        .skip(worker)
                        .step_by(threads)
                        .map(|(index, scenario)| {
                            let program = &programs[scenario.program];
                            (index, run_guarded(program, dimensions, &scenario.choice))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a scenario worker does not panic"))
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[test]
fn programs_keep_invariants_under_the_matrix() {
    let (dimensions, skipped) = matrix();
    for skip in &skipped {
        println!(
            "skipped {} setting {}: {}",
            skip.dimension, skip.label, skip.reason
        );
    }
    let programs = load_programs();
    let request = std::env::var("SCENARIOS").unwrap_or_default();
    let full = request == "all";
    let scenarios: Vec<Scenario> = if full {
        let combinations = cross_product(&dimensions);
        (0..programs.len())
            .flat_map(|program| {
                combinations.iter().map(move |choice| Scenario {
                    program,
                    choice: choice.clone(),
                })
            })
            .collect()
    } else {
        let runs_per_program = match request.as_str() {
            "" => 0,
            number => number.parse().unwrap_or_else(|_| {
                panic!("SCENARIOS={number:?} is neither \"all\" nor a number of runs per program")
            }),
        };
        sample(&dimensions, programs.len(), runs_per_program)
    };

    let results = run_all(&programs, &dimensions, &scenarios);
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut invariants_only = 0;
    let mut skipped_runs = 0;
    for result in results {
        match result {
            Ok(Checked::Outcome) => passed += 1,
            Ok(Checked::InvariantsOnly) => {
                passed += 1;
                invariants_only += 1;
            }
            Err(Problem::Skip(reason)) => {
                skipped_runs += 1;
                println!("skipped {reason}");
            }
            Err(Problem::Fail(message)) => failures.push(message),
        }
    }
    println!(
        "{} scenarios of {} programs and sets ({}): {passed} passed ({invariants_only} of them ran out of swap, tables or frames and were checked for invariants only), {skipped_runs} skipped, {} failed",
        scenarios.len(),
        programs.len(),
        if full { "full cross product" } else { "sample" },
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
}

#[test]
fn checks_leave_the_run_unchanged() {
    let source = std::fs::read_to_string(common::repo_root().join("programs/random_access.asm"))
        .expect("programs/random_access.asm is readable");
    let object =
        pagelab_asm::assemble("programs/random_access.asm", &source).unwrap_or_else(|errors| {
            panic!("random_access does not assemble:\n{}", errors.render(false))
        });
    let config = MachineConfig {
        frames: 3,
        policy: "lru".into(),
        ..MachineConfig::default()
    };

    let mut plain = Kernel::new(config.clone(), Box::new(io::sink())).unwrap();
    plain.spawn(object.clone()).unwrap();
    plain.run().unwrap();

    let mut paused = Kernel::new(config, Box::new(io::sink())).unwrap();
    paused.spawn(object).unwrap();
    let mut checks = 0;
    while paused.run_until(paused.system().clock + 101).unwrap() == RunProgress::Paused {
        assert_eq!(paused.check_invariants(), Ok(()));
        checks += 1;
    }
    assert!(checks > 100, "the run paused only {checks} times");
    assert_eq!(paused.check_invariants(), Ok(()));
    assert_eq!(paused.stats().to_json(), plain.stats().to_json());
}

#[test]
fn sample_covers_every_setting_with_every_program() {
    let (dimensions, _) = matrix();
    let n_programs = 3;
    let scenarios = sample(&dimensions, n_programs, 0);
    for program in 0..n_programs {
        for (position, dimension) in dimensions.iter().enumerate() {
            for index in 0..dimension.settings.len() {
                let covered = scenarios
                    .iter()
                    .any(|s| s.program == program && s.choice[position] == index);
                assert!(
                    covered,
                    "program {program} never runs with {} setting {}",
                    dimension.name, dimension.settings[index].label
                );
            }
        }
    }
}

#[test]
fn skipped_geometries_say_why() {
    let (_, skipped) = matrix();
    let labels: Vec<&str> = skipped.iter().map(|skip| skip.label.as_str()).collect();
    assert!(
        labels.contains(&"4096 B pages, --levels 1"),
        "one level cannot index 20 page-number bits: {labels:?}"
    );
    for skip in &skipped {
        assert!(!skip.reason.is_empty(), "{} has no reason", skip.label);
    }
}

#[test]
fn mmap_file_reads_its_mount() {
    let path = common::repo_root().join("programs/mmap_file.asm");
    let setup = setup_of("mmap_file");
    let program = prepare(
        "mmap_file".into(),
        vec![assemble(&path)],
        setup,
        setup.mounts,
    );
    let output = String::from_utf8_lossy(&program.expected_output);
    assert!(
        output.contains("lines ") && output.contains("bytes "),
        "mmap_file counts the mounted file: {output:?}"
    );
    assert!(!output.contains("mmap failed"), "{output:?}");
}

#[test]
fn mmap_set_shares_a_file_frame() {
    let path = common::repo_root().join("programs/mmap_file.asm");
    let object = assemble(&path);
    let mut kernel = Kernel::new(MachineConfig::default(), Box::new(io::sink())).unwrap();
    for (name, bytes) in read_mounts(MMAP_MOUNTS) {
        kernel
            .add_mount(Mount::in_memory(&name, bytes, false).unwrap())
            .unwrap();
    }
    kernel.spawn(object.clone()).unwrap();
    kernel.spawn(object).unwrap();
    let mut shared_seen = false;
    while kernel.run_until(kernel.system().clock + 101).unwrap() == RunProgress::Paused {
        assert_eq!(kernel.check_invariants(), Ok(()));
        let sys = kernel.system();
        shared_seen |= sys.resident_file_pages().any(|(_, frame)| {
            sys.frames
                .owner(frame)
                .is_some_and(|owner| owner.mappings.len() == 2)
        });
    }
    assert!(
        shared_seen,
        "both processes map one file frame at some pause"
    );
}
