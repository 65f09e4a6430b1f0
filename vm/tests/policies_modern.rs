//! Tests of the scan-resistant and adaptive policies (2Q, ARC, CAR,
//! CLOCK-Pro, LIRS, SIEVE, S3-FIFO) through the replay driver: naive
//! list-based models written here from the papers, whose faults and
//! victims each policy must reproduce, the general fault-count properties,
//! and small cases worked by hand.

mod policy_support;

use pagelab_vm::policy::{self, PolicyError};
use pagelab_vm::refs::{self, Reference};
use pagelab_vm::replay::{replay_named, ReplayOutcome};
use policy_support::{case_count, decisions, distinct, strings, Decisions};
use proptest::prelude::*;

/// The policies this file covers, some with parameters besides the defaults.
const MODERN: &[&str] = &[
    "sieve",
    "s3fifo",
    "s3fifo:small=0.3,threshold=1",
    "s3fifo:variant=libcachesim",
    "arc",
    "2q",
    "2q:kin=0.5,kout=1",
    "lirs",
    "lirs:hir=0.3,hir_min=2,skip_repeat=1",
    "car",
    "car:new_ref=1,ratio=integer",
    "clock-pro",
    "clock-pro:adaptive=0,new_ref=1",
    "clock-pro:cold=0.5,cold_min=1",
];

/// Frame counts tried for each string.
const MAX_FRAMES_TRIED: usize = 7;

fn run(spec: &str, n_frames: usize, references: &[Reference]) -> ReplayOutcome {
    replay_named(spec, n_frames, 0, references, true).expect("valid policy and frame count")
}

fn faults(spec: &str, n_frames: usize, text: &str) -> u64 {
    run(
        spec,
        n_frames,
        &refs::parse(text).expect("valid reference string"),
    )
    .faults
}

/// Returns the smallest frame count `name` accepts.
fn min_frames(name: &str) -> usize {
    (1..=2)
        .find(|&n_frames| policy::new(name, n_frames, 0, None).is_ok())
        .expect("every policy accepts two frames")
}

/// Reference strings of up to 40 references over at most 9 pages. Few
/// pages make hits, evictions and ghost hits frequent.
fn reference_strings() -> impl Strategy<Value = Vec<Reference>> {
    strings(9, 0..40)
}

/// Longer strings over more pages, whose ghost lists grow long enough for
/// ARC's and CAR's ratio adaptations to take fractional steps.
fn long_reference_strings() -> impl Strategy<Value = Vec<Reference>> {
    strings(20, 100..400)
}

/// A replacement model over page numbers: `access` returns `None` for a
/// hit, or `Some(victim)` for a fault, `victim` being `None` while memory
/// is not full.
trait Model {
    fn access(&mut self, page: u64) -> Option<Option<u64>>;
}

fn model_decisions(model: &mut dyn Model, references: &[Reference]) -> Decisions {
    references
        .iter()
        .map(|reference| match model.access(reference.page) {
            None => (false, None),
            Some(victim) => (true, victim),
        })
        .collect()
}

/// Removes `page` from `list`; returns whether it was there.
fn take(list: &mut Vec<u64>, page: u64) -> bool {
    match list.iter().position(|&p| p == page) {
        Some(position) => {
            list.remove(position);
            true
        }
        None => false,
    }
}

// SIEVE ---------------------------------------------------------------------

/// SIEVE model: `queue[0]` is the head (newest), the last entry the tail;
/// the hand names a page, or `None` for the tail.
struct SieveModel {
    capacity: usize,
    queue: Vec<(u64, bool)>,
    hand: Option<u64>,
}

impl SieveModel {
    fn new(capacity: usize) -> SieveModel {
        SieveModel {
            capacity,
            queue: Vec::new(),
            hand: None,
        }
    }
}

impl Model for SieveModel {
    fn access(&mut self, page: u64) -> Option<Option<u64>> {
        if let Some(entry) = self.queue.iter_mut().find(|(p, _)| *p == page) {
            entry.1 = true;
            return None;
        }
        let mut victim = None;
        if self.queue.len() == self.capacity {
            let mut at = match self.hand {
                Some(hand) => self.queue.iter().position(|(p, _)| *p == hand).unwrap(),
                None => self.queue.len() - 1,
            };
            while self.queue[at].1 {
                self.queue[at].1 = false;
                at = if at == 0 {
                    self.queue.len() - 1
                } else {
                    at - 1
                };
            }
            self.hand = if at == 0 {
                None
            } else {
                Some(self.queue[at - 1].0)
            };
            victim = Some(self.queue.remove(at).0);
        }
        self.queue.insert(0, (page, false));
        Some(victim)
    }
}

// S3-FIFO -------------------------------------------------------------------

/// S3-FIFO model: `small`, `main` and `ghost` are lists with the newest
/// entry first; resident entries are `(page, freq)`.
struct S3FifoModel {
    capacity: usize,
    small_share: f64,
    threshold: u8,
    /// libCacheSim's rules: fill M once S is full before any eviction, and
    /// evict from S only while M is within its capacity.
    libcachesim: bool,
    small_capacity: usize,
    has_evicted: bool,
    ghost_capacity: usize,
    small: Vec<(u64, u8)>,
    main: Vec<(u64, u8)>,
    ghost: Vec<u64>,
}

impl S3FifoModel {
    fn new(capacity: usize, small_share: f64, threshold: u8, libcachesim: bool) -> S3FifoModel {
        let small_capacity = ((small_share * capacity as f64) as usize).max(1);
        S3FifoModel {
            capacity,
            small_share,
            threshold,
            libcachesim,
            small_capacity,
            has_evicted: false,
            ghost_capacity: if libcachesim {
                capacity * 9 / 10
            } else {
                capacity - small_capacity
            },
            small: Vec::new(),
            main: Vec::new(),
            ghost: Vec::new(),
        }
    }

    fn evict(&mut self) -> u64 {
        self.has_evicted = true;
        let from_small = if self.libcachesim {
            self.main.len() <= self.capacity - self.small_capacity
        } else {
            self.small.len() as f64 >= self.small_share * self.capacity as f64
        };
        if !self.small.is_empty() && from_small {
            while let Some((page, freq)) = self.small.pop() {
                if freq >= self.threshold {
                    self.main.insert(0, (page, 0));
                } else {
                    self.ghost.insert(0, page);
                    self.ghost.truncate(self.ghost_capacity);
                    return page;
                }
            }
        }
        loop {
            let (page, freq) = self.main.pop().expect("M holds a page");
            if freq == 0 {
                return page;
            }
            self.main.insert(0, (page, freq - 1));
        }
    }
}

impl Model for S3FifoModel {
    fn access(&mut self, page: u64) -> Option<Option<u64>> {
        let resident = self.small.iter_mut().chain(self.main.iter_mut());
        if let Some(entry) = resident.into_iter().find(|(p, _)| *p == page) {
            entry.1 = (entry.1 + 1).min(3);
            return None;
        }
        let was_ghost = take(&mut self.ghost, page);
        let victim = (self.small.len() + self.main.len() == self.capacity).then(|| self.evict());
        let fills_main =
            self.libcachesim && !self.has_evicted && self.small.len() >= self.small_capacity;
        if was_ghost || fills_main {
            self.main.insert(0, (page, 0));
        } else {
            self.small.insert(0, (page, 0));
        }
        Some(victim)
    }
}

// ARC -----------------------------------------------------------------------

/// ARC model, the paper's cases I–IV with each list MRU first.
struct ArcModel {
    c: usize,
    p: f64,
    t1: Vec<u64>,
    t2: Vec<u64>,
    b1: Vec<u64>,
    b2: Vec<u64>,
}

impl ArcModel {
    fn new(c: usize) -> ArcModel {
        ArcModel {
            c,
            p: 0.0,
            t1: Vec::new(),
            t2: Vec::new(),
            b1: Vec::new(),
            b2: Vec::new(),
        }
    }

    fn replace(&mut self, in_b2: bool) -> u64 {
        let t1 = self.t1.len() as f64;
        if !self.t1.is_empty() && ((in_b2 && t1 == self.p) || t1 > self.p) {
            let page = self.t1.pop().unwrap();
            self.b1.insert(0, page);
            page
        } else {
            let page = self.t2.pop().unwrap();
            self.b2.insert(0, page);
            page
        }
    }
}

impl Model for ArcModel {
    fn access(&mut self, x: u64) -> Option<Option<u64>> {
        if take(&mut self.t1, x) || take(&mut self.t2, x) {
            self.t2.insert(0, x);
            return None;
        }
        let (b1, b2) = (self.b1.len() as f64, self.b2.len() as f64);
        let c = self.c as f64;
        let full = self.t1.len() + self.t2.len() == self.c;
        let victim;
        if self.b1.contains(&x) {
            self.p = (self.p + if b1 >= b2 { 1.0 } else { b2 / b1 }).min(c);
            victim = full.then(|| self.replace(false));
            take(&mut self.b1, x);
            self.t2.insert(0, x);
        } else if self.b2.contains(&x) {
            self.p = (self.p - if b2 >= b1 { 1.0 } else { b1 / b2 }).max(0.0);
            victim = full.then(|| self.replace(true));
            take(&mut self.b2, x);
            self.t2.insert(0, x);
        } else {
            if self.t1.len() + self.b1.len() == self.c {
                if self.t1.len() < self.c {
                    self.b1.pop();
                    victim = Some(self.replace(false));
                } else {
                    victim = self.t1.pop();
                }
            } else {
                let total = self.t1.len() + self.t2.len() + self.b1.len() + self.b2.len();
                if total >= self.c {
                    if total == 2 * self.c {
                        self.b2.pop();
                    }
                    victim = full.then(|| self.replace(false));
                } else {
                    victim = None;
                }
            }
            self.t1.insert(0, x);
        }
        Some(victim)
    }
}

// 2Q ------------------------------------------------------------------------

/// 2Q model (full version), each list newest first.
struct TwoQModel {
    capacity: usize,
    kin: usize,
    kout: usize,
    a1in: Vec<u64>,
    a1out: Vec<u64>,
    am: Vec<u64>,
}

impl TwoQModel {
    fn new(capacity: usize, kin: f64, kout: f64) -> TwoQModel {
        TwoQModel {
            capacity,
            kin: (kin * capacity as f64) as usize,
            kout: (kout * capacity as f64) as usize,
            a1in: Vec::new(),
            a1out: Vec::new(),
            am: Vec::new(),
        }
    }

    fn reclaim(&mut self) -> Option<u64> {
        if self.a1in.len() + self.am.len() < self.capacity {
            return None;
        }
        if self.a1in.len() > self.kin || self.am.is_empty() {
            let page = self.a1in.pop().unwrap();
            self.a1out.insert(0, page);
            self.a1out.truncate(self.kout);
            Some(page)
        } else {
            self.am.pop()
        }
    }
}

impl Model for TwoQModel {
    fn access(&mut self, x: u64) -> Option<Option<u64>> {
        if take(&mut self.am, x) {
            self.am.insert(0, x);
            return None;
        }
        if self.a1in.contains(&x) {
            return None;
        }
        if take(&mut self.a1out, x) {
            let victim = self.reclaim();
            self.am.insert(0, x);
            return Some(victim);
        }
        let victim = self.reclaim();
        self.a1in.insert(0, x);
        Some(victim)
    }
}

// LIRS ----------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LirsStatus {
    Lir,
    ResidentHir,
    NonResidentHir,
}

/// LIRS model: stack S top first, queue Q front (victim) first, and a
/// status for every page in S or Q.
struct LirsModel {
    llirs: usize,
    capacity: usize,
    skip_repeat: bool,
    stack: Vec<u64>,
    queue: Vec<u64>,
    status: std::collections::HashMap<u64, LirsStatus>,
    last: Option<u64>,
}

impl LirsModel {
    fn new(capacity: usize, hir: f64, hir_min: usize, skip_repeat: bool) -> LirsModel {
        let lhirs = ((hir * capacity as f64) as usize)
            .max(hir_min)
            .min(capacity - 1);
        LirsModel {
            llirs: capacity - lhirs,
            capacity,
            skip_repeat,
            stack: Vec::new(),
            queue: Vec::new(),
            status: std::collections::HashMap::new(),
            last: None,
        }
    }

    fn count(&self, wanted: LirsStatus) -> usize {
        self.status
            .values()
            .filter(|&&status| status == wanted)
            .count()
    }

    fn prune(&mut self) {
        while let Some(&bottom) = self.stack.last() {
            match self.status[&bottom] {
                LirsStatus::Lir => break,
                LirsStatus::ResidentHir => {
                    self.stack.pop();
                }
                LirsStatus::NonResidentHir => {
                    self.stack.pop();
                    self.status.remove(&bottom);
                }
            }
        }
    }

    /// Makes the page on top of S LIR, demoting the bottom LIR page if
    /// there are then more than Llirs.
    fn make_lir(&mut self, page: u64) {
        take(&mut self.queue, page);
        self.status.insert(page, LirsStatus::Lir);
        if self.count(LirsStatus::Lir) > self.llirs {
            let bottom = *self.stack.last().unwrap();
            self.status.insert(bottom, LirsStatus::ResidentHir);
            self.queue.push(bottom);
            self.prune();
        }
    }
}

impl Model for LirsModel {
    fn access(&mut self, x: u64) -> Option<Option<u64>> {
        let repeat = self.last == Some(x);
        self.last = Some(x);
        let in_stack = self.stack.contains(&x);
        match self.status.get(&x).copied() {
            Some(LirsStatus::Lir) => {
                if !(self.skip_repeat && repeat) {
                    take(&mut self.stack, x);
                    self.stack.insert(0, x);
                    self.prune();
                }
                None
            }
            Some(LirsStatus::ResidentHir) => {
                if !(self.skip_repeat && repeat) {
                    take(&mut self.stack, x);
                    self.stack.insert(0, x);
                    if in_stack {
                        self.make_lir(x);
                    } else {
                        take(&mut self.queue, x);
                        self.queue.push(x);
                    }
                }
                None
            }
            _ => {
                let resident = self.count(LirsStatus::Lir) + self.count(LirsStatus::ResidentHir);
                let mut victim = None;
                if resident == self.capacity {
                    let front = self.queue.remove(0);
                    if self.stack.contains(&front) {
                        self.status.insert(front, LirsStatus::NonResidentHir);
                    } else {
                        self.status.remove(&front);
                    }
                    victim = Some(front);
                }
                take(&mut self.stack, x);
                self.stack.insert(0, x);
                if self.count(LirsStatus::Lir) < self.llirs || in_stack {
                    self.make_lir(x);
                } else {
                    self.status.insert(x, LirsStatus::ResidentHir);
                    self.queue.push(x);
                }
                Some(victim)
            }
        }
    }
}

// CAR -----------------------------------------------------------------------

/// CAR model: clocks T1 and T2 as lists from head (under the hand) to
/// tail of `(page, referenced)`, ghosts B1 and B2 MRU first.
struct CarModel {
    c: usize,
    new_ref: bool,
    integer_ratio: bool,
    p: f64,
    t1: Vec<(u64, bool)>,
    t2: Vec<(u64, bool)>,
    b1: Vec<u64>,
    b2: Vec<u64>,
}

impl CarModel {
    fn new(c: usize, new_ref: bool, integer_ratio: bool) -> CarModel {
        CarModel {
            c,
            new_ref,
            integer_ratio,
            p: 0.0,
            t1: Vec::new(),
            t2: Vec::new(),
            b1: Vec::new(),
            b2: Vec::new(),
        }
    }

    fn ratio(&self, numerator: usize, denominator: usize) -> f64 {
        let ratio = if self.integer_ratio {
            (numerator / denominator) as f64
        } else {
            numerator as f64 / denominator as f64
        };
        ratio.max(1.0)
    }

    fn replace(&mut self) -> u64 {
        loop {
            if self.t1.len() as f64 >= self.p.max(1.0) {
                let (page, referenced) = self.t1.remove(0);
                if referenced {
                    self.t2.push((page, false));
                } else {
                    self.b1.insert(0, page);
                    return page;
                }
            } else {
                let (page, referenced) = self.t2.remove(0);
                if referenced {
                    self.t2.push((page, false));
                } else {
                    self.b2.insert(0, page);
                    return page;
                }
            }
        }
    }
}

impl Model for CarModel {
    fn access(&mut self, x: u64) -> Option<Option<u64>> {
        if let Some(entry) = self
            .t1
            .iter_mut()
            .chain(self.t2.iter_mut())
            .find(|(p, _)| *p == x)
        {
            entry.1 = true;
            return None;
        }
        let mut victim = None;
        if self.t1.len() + self.t2.len() == self.c {
            victim = Some(self.replace());
            let in_ghost = self.b1.contains(&x) || self.b2.contains(&x);
            if !in_ghost && self.t1.len() + self.b1.len() == self.c {
                self.b1.pop();
            } else if !in_ghost
                && self.t1.len() + self.t2.len() + self.b1.len() + self.b2.len() == 2 * self.c
            {
                self.b2.pop();
            }
        }
        let c = self.c as f64;
        if self.b1.contains(&x) {
            self.p = (self.p + self.ratio(self.b2.len(), self.b1.len())).min(c);
            take(&mut self.b1, x);
            self.t2.push((x, self.new_ref));
        } else if self.b2.contains(&x) {
            self.p = (self.p - self.ratio(self.b1.len(), self.b2.len())).max(0.0);
            take(&mut self.b2, x);
            self.t2.push((x, self.new_ref));
        } else {
            self.t1.push((x, self.new_ref));
        }
        Some(victim)
    }
}

// CLOCK-Pro -----------------------------------------------------------------

/// One entry of the CLOCK-Pro model's clock.
#[derive(Clone, Debug)]
struct ClockProEntry {
    page: u64,
    hot: bool,
    in_test: bool,
    resident: bool,
    /// The missing page, turned hot before it is loaded.
    loading: bool,
    referenced: bool,
}

/// CLOCK-Pro model: the clock as a list from the oldest entry (index 0) to
/// the head, and each hand as the page it points at (`None`: the oldest).
struct ClockProModel {
    c: usize,
    adaptive: bool,
    new_ref: bool,
    cold_target: usize,
    min_cold_target: usize,
    max_cold_target: usize,
    ring: Vec<ClockProEntry>,
    hands: [Option<u64>; 3],
}

const COLD: usize = 0;
const HOT: usize = 1;
const TEST: usize = 2;

impl ClockProModel {
    fn new(c: usize, cold: f64, cold_min: usize, adaptive: bool, new_ref: bool) -> ClockProModel {
        let max_cold_target = (c - 1).max(1);
        let start = ((cold * c as f64) as usize)
            .max(cold_min)
            .clamp(1, max_cold_target);
        ClockProModel {
            c,
            adaptive,
            new_ref,
            cold_target: start,
            min_cold_target: cold_min.clamp(1, max_cold_target),
            max_cold_target,
            ring: Vec::new(),
            hands: [None; 3],
        }
    }

    fn index(&self, page: u64) -> Option<usize> {
        self.ring.iter().position(|entry| entry.page == page)
    }

    /// Returns the index under `hand`.
    fn at(&self, hand: usize) -> usize {
        self.hands[hand].map_or(0, |page| self.index(page).unwrap())
    }

    /// Returns the page after index `at`, wrapping to the oldest.
    fn after(&self, at: usize) -> Option<u64> {
        (self.ring.len() > 1).then(|| self.ring[(at + 1) % self.ring.len()].page)
    }

    fn count(&self, predicate: impl Fn(&ClockProEntry) -> bool) -> usize {
        self.ring.iter().filter(|entry| predicate(entry)).count()
    }

    fn adapt(&mut self, grow: bool) {
        if self.adaptive {
            self.cold_target = if grow {
                (self.cold_target + 1).min(self.max_cold_target)
            } else {
                (self.cold_target - 1).max(self.min_cold_target)
            };
        }
    }

    fn take_out(&mut self, at: usize) -> ClockProEntry {
        let next = self.after(at);
        let page = self.ring[at].page;
        for hand in &mut self.hands {
            if *hand == Some(page) {
                *hand = next;
            }
        }
        self.ring.remove(at)
    }

    fn move_to_head(&mut self, at: usize) {
        let entry = self.take_out(at);
        self.ring.push(entry);
    }

    fn promote(&mut self, at: usize) {
        self.ring[at].hot = true;
        self.ring[at].in_test = false;
        self.adapt(true);
        self.move_to_head(at);
    }

    fn end_test(&mut self, at: usize) {
        if self.ring[at].in_test {
            self.ring[at].in_test = false;
            if Self::non_resident(&self.ring[at]) {
                self.adapt(false);
            }
        }
    }

    fn non_resident(entry: &ClockProEntry) -> bool {
        !entry.resident && !entry.loading
    }

    fn hand_hot(&mut self) {
        loop {
            let at = self.at(HOT);
            let next = self.after(at);
            if self.ring[at].hot {
                self.hands[HOT] = next;
                if self.ring[at].referenced {
                    self.ring[at].referenced = false;
                } else {
                    self.ring[at].hot = false;
                    return;
                }
            } else {
                self.end_test(at);
                self.hands[HOT] = next;
                if Self::non_resident(&self.ring[at]) {
                    self.take_out(at);
                }
            }
        }
    }

    fn hand_test(&mut self) {
        loop {
            let at = self.at(TEST);
            self.hands[TEST] = self.after(at);
            if !self.ring[at].hot {
                self.end_test(at);
                if Self::non_resident(&self.ring[at]) {
                    self.take_out(at);
                    return;
                }
            }
        }
    }

    fn balance(&mut self) {
        while self.count(|entry| entry.hot) > self.c - self.cold_target {
            self.hand_hot();
        }
    }

    fn hand_cold(&mut self) -> u64 {
        loop {
            let at = self.at(COLD);
            let entry = self.ring[at].clone();
            if entry.hot || !entry.resident {
                self.hands[COLD] = self.after(at);
                continue;
            }
            if entry.referenced {
                self.ring[at].referenced = false;
                if entry.in_test {
                    self.promote(at);
                    self.balance();
                } else {
                    self.ring[at].in_test = true;
                    self.move_to_head(at);
                }
                continue;
            }
            self.hands[COLD] = self.after(at);
            if entry.in_test {
                self.ring[at].resident = false;
            } else {
                self.take_out(at);
            }
            return entry.page;
        }
    }
}

impl Model for ClockProModel {
    fn access(&mut self, x: u64) -> Option<Option<u64>> {
        if let Some(entry) = self
            .ring
            .iter_mut()
            .find(|entry| entry.page == x && entry.resident)
        {
            entry.referenced = true;
            return None;
        }
        let mut victim = None;
        if self.count(|entry| entry.resident) == self.c {
            self.balance();
            victim = Some(self.hand_cold());
            while self.count(Self::non_resident) > self.c {
                self.hand_test();
            }
            if let Some(at) = self.index(x) {
                self.ring[at].loading = true;
                self.promote(at);
                self.balance();
            }
        }
        match self.index(x) {
            Some(at) => {
                self.ring[at].loading = false;
                self.ring[at].resident = true;
                self.ring[at].referenced = self.new_ref;
            }
            None => {
                let hot = self.count(|entry| entry.hot) < self.c - self.cold_target;
                self.ring.push(ClockProEntry {
                    page: x,
                    hot,
                    in_test: !hot,
                    resident: true,
                    loading: false,
                    referenced: self.new_ref,
                });
            }
        }
        Some(victim)
    }
}

/// A caller like the VM's fault handler, with reference bits, that can
/// also free any frame, as a process exit does.
struct Driver {
    policy: Box<dyn policy::ReplacementPolicy>,
    pages: Vec<Option<u64>>,
    bits: Bits,
}

/// Reference bits as plain arrays, set on every reference.
struct Bits(Vec<bool>);

impl policy::ReferenceBits for Bits {
    fn is_referenced(&self, frame: usize) -> bool {
        self.0[frame]
    }
    fn clear_referenced(&mut self, frame: usize) {
        self.0[frame] = false;
    }
    fn is_dirty(&self, _frame: usize) -> bool {
        false
    }
}

impl Driver {
    fn new(spec: &str, n_frames: usize) -> Driver {
        Driver {
            policy: policy::new(spec, n_frames, 0, None).expect("valid policy"),
            pages: vec![None; n_frames],
            bits: Bits(vec![false; n_frames]),
        }
    }

    fn access(&mut self, page: u64) {
        if let Some(frame) = self.pages.iter().position(|&p| p == Some(page)) {
            self.bits.0[frame] = true;
            self.policy.on_hit(frame, false);
            return;
        }
        self.policy.on_miss(page);
        let frame = match self.pages.iter().position(Option::is_none) {
            Some(frame) => frame,
            None => {
                let frame = self.policy.choose_victim(&mut self.bits);
                assert!(
                    self.pages[frame].is_some(),
                    "{} chose free frame {frame}",
                    self.policy.name()
                );
                self.policy.on_free(frame);
                frame
            }
        };
        self.pages[frame] = Some(page);
        self.bits.0[frame] = false;
        self.policy.on_load(frame, page, false);
        self.bits.0[frame] = true;
    }

    fn free(&mut self, frame: usize) {
        if self.pages[frame].take().is_some() {
            self.bits.0[frame] = false;
            self.policy.on_free(frame);
        }
    }
}

/// Builds the model of `spec` for `n_frames` frames.
fn model(spec: &str, n_frames: usize) -> Box<dyn Model> {
    match spec {
        "sieve" => Box::new(SieveModel::new(n_frames)),
        "s3fifo" => Box::new(S3FifoModel::new(n_frames, 0.1, 2, false)),
        "s3fifo:small=0.3,threshold=1" => Box::new(S3FifoModel::new(n_frames, 0.3, 1, false)),
        "s3fifo:variant=libcachesim" => Box::new(S3FifoModel::new(n_frames, 0.1, 2, true)),
        "arc" => Box::new(ArcModel::new(n_frames)),
        "2q" => Box::new(TwoQModel::new(n_frames, 0.25, 0.5)),
        "2q:kin=0.5,kout=1" => Box::new(TwoQModel::new(n_frames, 0.5, 1.0)),
        "lirs" => Box::new(LirsModel::new(n_frames, 0.01, 1, false)),
        "lirs:hir=0.3,hir_min=2,skip_repeat=1" => Box::new(LirsModel::new(n_frames, 0.3, 2, true)),
        "car" => Box::new(CarModel::new(n_frames, false, false)),
        "car:new_ref=1,ratio=integer" => Box::new(CarModel::new(n_frames, true, true)),
        "clock-pro" => Box::new(ClockProModel::new(n_frames, 0.05, 2, true, false)),
        "clock-pro:adaptive=0,new_ref=1" => {
            Box::new(ClockProModel::new(n_frames, 0.05, 2, false, true))
        }
        "clock-pro:cold=0.5,cold_min=1" => {
            Box::new(ClockProModel::new(n_frames, 0.5, 1, true, false))
        }
        _ => unreachable!("every policy in MODERN has a model"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(case_count(200)))]

    #[test]
    fn policies_match_their_models(references in reference_strings()) {
        for &name in MODERN {
            for n_frames in min_frames(name)..=MAX_FRAMES_TRIED {
                let expected = model_decisions(model(name, n_frames).as_mut(), &references);
                let actual = decisions(&run(name, n_frames, &references));
                prop_assert_eq!(&actual, &expected, "{} with {} frames", name, n_frames);
            }
        }
    }

    #[test]
    fn policies_match_models_on_long_strings(references in long_reference_strings()) {
        for &name in MODERN {
            for n_frames in [4, 6, 9, 13] {
                let expected = model_decisions(model(name, n_frames).as_mut(), &references);
                let actual = decisions(&run(name, n_frames, &references));
                prop_assert_eq!(&actual, &expected, "{} with {} frames", name, n_frames);
            }
        }
    }

    /// In the VM a process exit frees frames that were not victims, and
    /// later misses fill them while other frames stay occupied. Every
    /// policy must keep choosing occupied frames through that.
    #[test]
    fn frees_between_faults_keep_victims_valid(
        operations in prop::collection::vec((0u64..12, prop::bool::weighted(0.15)), 0..120),
    ) {
        for &name in MODERN {
            for n_frames in min_frames(name)..=5 {
                let mut driver = Driver::new(name, n_frames);
                for &(value, free) in &operations {
                    if free {
                        driver.free(value as usize % n_frames);
                    } else {
                        driver.access(value);
                    }
                }
            }
        }
    }

    /// No policy here compares page numbers, so renaming the pages
    /// (a bijection) changes no fault.
    #[test]
    fn relabeling_pages_keeps_faults(references in reference_strings(), offset in 1u64..1000) {
        let relabeled: Vec<Reference> = references
            .iter()
            .map(|reference| Reference { page: (8 - reference.page) * 1_000_003 + offset, ..*reference })
            .collect();
        for &name in MODERN {
            for n_frames in min_frames(name)..=MAX_FRAMES_TRIED {
                let original: Vec<bool> =
                    decisions(&run(name, n_frames, &references)).iter().map(|d| d.0).collect();
                let renamed: Vec<bool> =
                    decisions(&run(name, n_frames, &relabeled)).iter().map(|d| d.0).collect();
                prop_assert_eq!(original, renamed, "{} with {} frames", name, n_frames);
            }
        }
    }

    #[test]
    fn opt_has_fewest_faults(references in reference_strings()) {
        for &name in MODERN {
            for n_frames in min_frames(name)..=MAX_FRAMES_TRIED {
                let opt = run("opt", n_frames, &references).faults;
                let faults = run(name, n_frames, &references).faults;
                prop_assert!(opt <= faults, "{} with {} frames: {} < opt {}", name, n_frames, faults, opt);
            }
        }
    }

    #[test]
    fn fault_count_bounds(references in reference_strings()) {
        let distinct = distinct(&references);
        let n = references.len() as u64;
        for &name in MODERN {
            for n_frames in min_frames(name)..=MAX_FRAMES_TRIED {
                let outcome = run(name, n_frames, &references);
                prop_assert!(distinct <= outcome.faults, "{} with {} frames", name, n_frames);
                prop_assert!(outcome.faults <= n, "{} with {} frames", name, n_frames);
                prop_assert_eq!(outcome.hits + outcome.faults, n);
                prop_assert!(outcome.write_backs <= outcome.evictions);
                if n_frames as u64 >= distinct {
                    prop_assert_eq!(outcome.faults, distinct, "{} with {} frames", name, n_frames);
                }
            }
        }
    }

    #[test]
    fn one_frame_faults_on_every_change(references in reference_strings()) {
        prop_assume!(!references.is_empty());
        let changes = references
            .windows(2)
            .filter(|pair| pair[0].page != pair[1].page)
            .count() as u64;
        for &name in MODERN.iter().filter(|&&name| min_frames(name) == 1) {
            prop_assert_eq!(run(name, 1, &references).faults, 1 + changes, "{}", name);
        }
    }
}

#[test]
fn every_modern_policy_is_registered() {
    for &spec in MODERN {
        let name = spec.split(':').next().unwrap();
        assert!(policy::NAMES.contains(&name), "{spec}");
    }
}

#[test]
fn sieve_hand_cases() {
    // 1 is spared in place, so 2 goes; then the hand moves on to 3, not
    // back to the tail.
    assert_eq!(faults("sieve", 3, "1 2 3 1 4 5 1"), 5);
    // A scan that revisits no page evicts the oldest page, as FIFO does.
    assert_eq!(faults("sieve", 3, "1 2 3 4 1 2 3 4"), 8);
    // Worked by hand: the faults are 7 0 1 2 3 4 2 3 | 1 2 | 7, and at the
    // fault on 1 the hand clears 2, 3 and (after wrapping) 0 before it
    // evicts 2.
    assert_eq!(
        faults("sieve", 3, "7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1"),
        11
    );
}

#[test]
fn s3fifo_filters_one_time_pages() {
    // Worked by hand with 10 frames (S's share is 1 frame): 1 and 2 are
    // hit twice while in S, so the scan 3..12 pushes them into M instead
    // of out; the scan's own pages leave through S, and 1 and 2 still hit.
    let text = "1 2 1 2 1 2 3 4 5 6 7 8 9 10 11 12 1 2";
    assert_eq!(faults("s3fifo", 10, text), 12);
    assert_eq!(faults("fifo", 10, text), 14);
}

#[test]
fn s3fifo_ghost_hit_goes_to_main() {
    // 2 frames, G holds 1 page. 1 leaves S into G when 3 arrives; its
    // return is a fault that puts it in M, where the scan 4 5 cannot
    // reach it because S is never below its share.
    let outcome = run("s3fifo", 2, &refs::parse("1 2 3 1 4 5 1").unwrap());
    assert_eq!(outcome.faults, 6);
    let victims: Vec<_> = decisions(&outcome)
        .into_iter()
        .filter_map(|(_, v)| v)
        .collect();
    assert_eq!(victims, vec![1, 2, 3, 4]);
}

#[test]
fn bad_parameters_are_rejected() {
    let specs = [
        "s3fifo:small=1.5",
        "s3fifo:threshold=0",
        "s3fifo:threshold=4",
        "s3fifo:ghost=2",
        "s3fifo:variant=cachelib",
        "2q:kin=-0.1",
        "2q:kout=5",
        "lirs:hir=2",
        "lirs:hir_min=0",
        "lirs:skip_repeat=yes",
        "car:ratio=float",
        "car:new_ref=2",
        "arc:p=1",
        "sieve:hand=0",
    ];
    for spec in specs {
        let error = policy::new(spec, 4, 0, None).err();
        assert!(
            matches!(
                error,
                Some(PolicyError::BadParameter { .. } | PolicyError::UnknownParameter { .. })
            ),
            "{spec}: {error:?}"
        );
    }
}

/// Returns the evicted pages in order.
fn victims(spec: &str, n_frames: usize, text: &str) -> Vec<u64> {
    let outcome = run(
        spec,
        n_frames,
        &refs::parse(text).expect("valid reference string"),
    );
    decisions(&outcome)
        .into_iter()
        .filter_map(|(_, victim)| victim)
        .collect()
}

#[test]
fn arc_adapts_on_ghost_hits() {
    // Worked by hand with 2 frames: 3 pushes 2 from T1 into B1 (p = 0);
    // 2's return raises p to 1, so T2's 1 goes to B2; 1's return lowers p
    // to 0, so T1's 3 goes.
    assert_eq!(victims("arc", 2, "1 1 2 3 2 1"), vec![2, 1, 3]);
    // With T1 full and both ghosts empty, case IV(A) drops T1's LRU page.
    assert_eq!(victims("arc", 2, "1 2 3 4"), vec![1, 2]);
}

#[test]
fn two_q_keeps_pages_referenced_after_a1in() {
    // Worked by hand with 4 frames (Kin = 1, Kout = 2): 1 and 2 leave
    // A1in, come back from A1out into Am, and then survive the scan
    // 5..9, which passes through A1in alone.
    let text = "1 2 3 4 5 1 2 6 7 8 9 1 2";
    assert_eq!(faults("2q", 4, text), 11);
    assert_eq!(victims("2q", 4, text), vec![1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn lirs_keeps_lir_pages_through_a_scan() {
    // Worked by hand with 3 frames (Llirs = 2, Lhirs = 1): 1 and 2 become
    // LIR, and the scan 3 4 5 6 passes through the one HIR frame.
    let text = "1 2 1 2 3 4 5 6 1 2";
    assert_eq!(victims("lirs", 3, text), vec![3, 4, 5]);
    assert_eq!(faults("lru", 3, text), 8);
}

#[test]
fn lirs_rejects_one_frame() {
    let references = refs::parse("1 2 1").unwrap();
    let error = replay_named("lirs", 1, 0, &references, false).unwrap_err();
    assert!(matches!(
        error,
        PolicyError::BadFrameCount { n_frames: 1, .. }
    ));
    assert_eq!(
        error.to_string(),
        "policy \"lirs\" cannot manage 1 frames: LIRS needs at least 2 frames, one for LIR pages and one for resident HIR pages; use 2 or more frames"
    );
    // Two frames work even when the string has a single page.
    assert_eq!(faults("lirs", 2, "5 5 5"), 1);
}

#[test]
fn car_gives_referenced_pages_a_second_chance() {
    // Worked by hand with 3 frames: at 4, T1's head 1 is referenced and
    // moves to T2, so 2 goes; at 5, T1 = [3, 4] with p = 0, so 3 goes.
    assert_eq!(victims("car", 3, "1 2 3 1 4 5 1"), vec![2, 3]);
    // With the faulting reference counted, every page first moves to T2
    // and T2's hand then evicts in load order.
    assert_eq!(victims("car:new_ref=1", 3, "1 2 3 4"), vec![1]);
}

#[test]
fn clock_pro_refault_in_test_period() {
    // Worked by hand with 3 frames (m_c = 2, so 1 starts hot and 2, 3
    // cold in their test periods): 4 evicts 2, which stays as a
    // non-resident page in test; 2's refault evicts 3 and turns 2 hot.
    assert_eq!(victims("clock-pro", 3, "1 2 3 4 1 2"), vec![2, 3]);
    // A scan of pages seen once only ever evicts cold pages: the hot 1 stays.
    let outcome = run("clock-pro", 3, &refs::parse("1 1 2 3 4 5 6 1").unwrap());
    assert_eq!(outcome.faults, 6);
}

#[test]
fn lirs_demotes_bottom_lir_on_stack_hit() {
    // Worked by hand with 3 frames from the paper's rules: 1's return
    // while non-resident in S makes it LIR and demotes 5; 2's return does
    // the same to 0. libCacheSim's LIRS (libcachesim 0.3.5 for Python)
    // has 8 faults here.
    let text = "5 0 1 5 0 1 3 1 1 6 2 5 2";
    assert_eq!(faults("lirs", 3, text), 9);
    assert_eq!(victims("lirs", 3, text), vec![1, 3, 5, 6, 2, 5]);
}

#[test]
fn s3fifo_libcachesim_fills_main_first() {
    // Worked by hand with 20 frames, where S holds 2 pages. libCacheSim's
    // rules put 3..20 straight into M while memory fills, so 21, 22 and 23
    // each evict the oldest page of S (1, 2, then 21), and 3 still hits.
    // The paper's rules keep all 20 pages in S and evict 1 to 4.
    let fill: Vec<String> = (1..=20).map(|page| page.to_string()).collect();
    let text = format!("{} 21 22 23 3", fill.join(" "));
    assert_eq!(
        victims("s3fifo:variant=libcachesim", 20, &text),
        vec![1, 2, 21]
    );
    assert_eq!(victims("s3fifo", 20, &text), vec![1, 2, 3, 4]);
}

/// Long strings over 600 pages, skewed towards low page numbers (each page
/// is the smaller of two uniform draws), so that 200 and more frames see
/// hits, evictions and ghost hits.
fn large_reference_strings() -> impl Strategy<Value = Vec<Reference>> {
    let reference =
        (0..600u64, 0..600u64, prop::bool::weighted(0.3)).prop_map(|(first, second, write)| {
            Reference {
                page: first.min(second),
                write,
            }
        });
    prop::collection::vec(reference, 2000..4000)
}

proptest! {
    // A case costs about as much as 50 small ones, so it runs a fiftieth
    // of the count, and at least 4.
    #![proptest_config(ProptestConfig::with_cases((case_count(200) / 50).max(4)))]

    /// ARC's ghost index and CLOCK-Pro's index of cold pages hold hundreds
    /// of entries here.
    #[test]
    fn adaptive_policies_match_models_with_many_frames(references in large_reference_strings()) {
        for name in ["arc", "clock-pro", "clock-pro:cold=0.5,cold_min=1"] {
            for n_frames in [200, 301] {
                let expected = model_decisions(model(name, n_frames).as_mut(), &references);
                let actual = decisions(&run(name, n_frames, &references));
                prop_assert_eq!(&actual, &expected, "{} with {} frames", name, n_frames);
            }
        }
    }
}
