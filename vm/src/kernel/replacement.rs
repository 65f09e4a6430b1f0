//! Replacement scope: the policy instances that manage the user frames,
//! which instance holds each frame, and the frame limits of local scope.
//!
//! Under global scope one instance, under key 0, holds every occupied
//! frame. Under local scope each live process has its own instance under
//! its pid. Every instance is built for all `frames` frames and addressed
//! by the global frame index, so it can hold any frame. To an instance,
//! the frames of other instances, the free frames and the page-table
//! frames all look free, which the policy contract allows.
//!
//! This module keeps the books. Choosing where a faulting process gets its
//! frame is `kernel::frames`' job.

use super::vmm::AddressSpace;
use super::Kernel;
use crate::config::{Allocation, MachineConfig, Scope};
use crate::hw::page_table::Pte;
use crate::object::STACK_TOP;
use crate::policy::{self, FrameIdx, PageKey, ReferenceBits, ReplacementPolicy, TimerCount};
use std::collections::BTreeMap;

/// The key of the one instance under global scope.
pub const GLOBAL_KEY: u32 = 0;

/// One policy instance and its bookkeeping.
struct Instance {
    policy: Box<dyn ReplacementPolicy>,
    /// References counted for the policy's periodic sampling.
    timer: TimerCount,
    /// Number of frames the instance holds.
    held: usize,
}

/// The policy instances by key: index 0 is the global instance, index
/// `pid` a process's instance under local scope. A vector, not a map,
/// because every reference looks its instance up.
#[derive(Default)]
struct InstanceTable {
    slots: Vec<Option<Instance>>,
}

impl InstanceTable {
    #[inline]
    fn get(&self, key: &u32) -> Option<&Instance> {
        self.slots.get(*key as usize)?.as_ref()
    }

    #[inline]
    fn get_mut(&mut self, key: &u32) -> Option<&mut Instance> {
        self.slots.get_mut(*key as usize)?.as_mut()
    }

    fn insert(&mut self, key: u32, instance: Instance) {
        let index = key as usize;
        if self.slots.len() <= index {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index] = Some(instance);
    }

    fn remove(&mut self, key: &u32) -> Option<Instance> {
        self.slots.get_mut(*key as usize)?.take()
    }

    /// Returns the instances in key order.
    fn values(&self) -> impl Iterator<Item = &Instance> {
        self.slots.iter().flatten()
    }
}

impl Instance {
    fn new(policy: Box<dyn ReplacementPolicy>) -> Instance {
        Instance {
            timer: TimerCount::for_policy(policy.as_ref()),
            policy,
            held: 0,
        }
    }
}

/// The replacement policies of the machine and the frames they hold.
pub struct Replacement {
    scope: Scope,
    allocation: Allocation,
    explicit_limits: BTreeMap<u32, usize>,
    spec: String,
    n_frames: usize,
    seed: u64,
    /// Global scope: one instance under [`GLOBAL_KEY`]. Local scope: one
    /// per live process, under its pid.
    instances: InstanceTable,
    /// Per frame: the key of the instance holding it, `None` when the frame
    /// is free or contains a page table.
    holders: Vec<Option<u32>>,
    /// Local scope: the frame limit of each live process.
    limits: BTreeMap<u32, usize>,
}

impl Replacement {
    /// Creates the instances `config` requests: the global one, or none yet
    /// under local scope (each process gets its own when it starts).
    ///
    /// # Panics
    ///
    /// Panics if `config.policy` does not build, which
    /// [`MachineConfig::validate`] rejects.
    pub fn new(config: &MachineConfig) -> Replacement {
        let mut replacement = Replacement {
            scope: config.scope,
            allocation: config.allocation.unwrap_or_default(),
            explicit_limits: config.frame_limits.clone(),
            spec: config.policy.clone(),
            n_frames: config.frames,
            seed: config.seed,
            instances: InstanceTable::default(),
            holders: vec![None; config.frames],
            limits: BTreeMap::new(),
        };
        if config.scope == Scope::Global {
            let policy = replacement.build_policy();
            replacement
                .instances
                .insert(GLOBAL_KEY, Instance::new(policy));
        }
        replacement
    }

    fn build_policy(&self) -> Box<dyn ReplacementPolicy> {
        policy::new(&self.spec, self.n_frames, self.seed, None)
            .expect("validate built this policy already")
    }

    /// Returns the replacement scope.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Returns the name of the policy every instance runs.
    pub fn policy_name(&self) -> &str {
        self.instances
            .values()
            .next()
            .map_or(self.spec.as_str(), |instance| instance.policy.name())
    }

    /// Replaces the global instance with `policy`, which must manage every
    /// frame, all of them free.
    ///
    /// NOTE: under local scope the instances are built from the policy
    /// name, so a policy object given here only serves global scope.
    pub fn set_global_policy(&mut self, policy: Box<dyn ReplacementPolicy>) {
        self.instances.insert(GLOBAL_KEY, Instance::new(policy));
    }

    /// Returns the key of the instance that manages the pages of `pid`.
    #[inline]
    pub fn key_of(&self, pid: u32) -> u32 {
        match self.scope {
            Scope::Global => GLOBAL_KEY,
            Scope::Local => pid,
        }
    }

    /// Returns the key of the instance holding `frame`, or `None` when the
    /// frame is free or contains a page table.
    pub fn holder(&self, frame: FrameIdx) -> Option<u32> {
        self.holders.get(frame).copied().flatten()
    }

    /// Returns the number of frames the instance under `key` holds.
    pub fn held_by(&self, key: u32) -> usize {
        self.instances.get(&key).map_or(0, |instance| instance.held)
    }

    /// Returns the frame limit of `pid` under local scope, or `None` under
    /// global scope or for a process that is not live.
    pub fn limit(&self, pid: u32) -> Option<u32> {
        self.limits.get(&pid).map(|&limit| limit as u32)
    }

    /// Returns the frame limits of the live processes under local scope, by pid.
    pub fn limits(&self) -> &BTreeMap<u32, usize> {
        &self.limits
    }

    /// Gives a starting process `pid` its own instance under local scope.
    pub fn add_process(&mut self, pid: u32) {
        if self.scope == Scope::Local {
            let policy = self.build_policy();
            self.instances.insert(pid, Instance::new(policy));
        }
    }

    /// Drops the instance of the ended process `pid` under local scope.
    /// Its frames were freed or handed over already.
    pub fn remove_process(&mut self, pid: u32) {
        if self.scope == Scope::Local {
            let instance = self.instances.remove(&pid);
            debug_assert!(
                instance.is_none_or(|instance| instance.held == 0),
                "an ended process's frames are freed or handed over before its policy goes"
            );
            self.limits.remove(&pid);
        }
    }

    /// Records a reference to the resident page in `frame`.
    #[inline]
    pub fn on_hit(&mut self, frame: FrameIdx, write: bool) {
        if let Some(instance) = self.holder_instance(frame) {
            instance.policy.on_hit(frame, write);
        }
    }

    /// Tells the instance of `pid` that its reference to `page` missed.
    pub fn on_miss(&mut self, pid: u32, page: PageKey) {
        let key = self.key_of(pid);
        if let Some(instance) = self.instances.get_mut(&key) {
            instance.policy.on_miss(page);
        }
    }

    /// Records that `page` of `pid` was loaded into the free `frame`, which
    /// the instance of `pid` holds from now on.
    pub fn on_load(&mut self, pid: u32, frame: FrameIdx, page: PageKey, write: bool) {
        let key = self.key_of(pid);
        let Some(instance) = self.instances.get_mut(&key) else {
            return;
        };
        instance.held += 1;
        instance.policy.on_load(frame, page, write);
        self.holders[frame] = Some(key);
    }

    /// Records that the page in `frame` was removed, so that no instance
    /// holds the frame afterwards.
    pub fn on_free(&mut self, frame: FrameIdx) {
        let Some(key) = self.holders[frame].take() else {
            return;
        };
        if let Some(instance) = self.instances.get_mut(&key) {
            instance.held -= 1;
            instance.policy.on_free(frame);
        }
    }

    /// Moves the shared `frame` from the instance of `from_pid` to the
    /// instance of `to_pid`, under local scope, when `from_pid`'s instance
    /// holds it. The new holder receives the move as a load of `page` (its
    /// mapping of the frame) without a store.
    pub fn hand_over(&mut self, frame: FrameIdx, from_pid: u32, to_pid: u32, page: PageKey) {
        if self.scope != Scope::Local || self.holder(frame) != Some(from_pid) {
            return;
        }
        self.on_free(frame);
        self.on_load(to_pid, frame, page, false);
    }

    /// Returns the victim that the instance under `key` chooses, or `None`
    /// when that instance holds no frame.
    pub fn choose_victim(&mut self, key: u32, bits: &mut dyn ReferenceBits) -> Option<FrameIdx> {
        let instance = self.instances.get_mut(&key)?;
        if instance.held == 0 {
            return None;
        }
        Some(instance.policy.choose_victim(bits))
    }

    /// Counts one completed reference of `pid` and returns whether its
    /// instance's `on_timer` is due now.
    #[inline]
    pub fn count_reference(&mut self, pid: u32) -> bool {
        let key = self.key_of(pid);
        self.instances
            .get_mut(&key)
            .is_some_and(|instance| instance.timer.count_reference())
    }

    /// Runs the periodic sampling of the instance of `pid`.
    pub fn on_timer(&mut self, pid: u32, bits: &mut dyn ReferenceBits) {
        let key = self.key_of(pid);
        if let Some(instance) = self.instances.get_mut(&key) {
            instance.policy.on_timer(bits);
        }
    }

    fn holder_instance(&mut self, frame: FrameIdx) -> Option<&mut Instance> {
        let key = self.holders.get(frame).copied().flatten()?;
        self.instances.get_mut(&key)
    }

    /// Sets the frame limits of the live processes, given as `(pid,
    /// virtual size in pages)` in pid order, by [`compute_limits`].
    pub fn set_limits(&mut self, live: &[(u32, u64)]) {
        if self.scope == Scope::Local {
            self.limits =
                compute_limits(self.n_frames, self.allocation, &self.explicit_limits, live);
        }
    }

    /// Returns the live process furthest over its frame limit (resident
    /// frames minus limit) whose instance holds at least one frame. Ties go
    /// to the lowest pid. `resident` returns a process's resident frames.
    pub fn furthest_over_limit(&self, resident: impl Fn(u32) -> usize) -> Option<u32> {
        let mut best: Option<(i64, u32)> = None;
        for (&pid, &limit) in &self.limits {
            if self.held_by(pid) == 0 {
                continue;
            }
            let excess = resident(pid) as i64 - limit as i64;
            if best.is_none_or(|(best_excess, _)| excess > best_excess) {
                best = Some((excess, pid));
            }
        }
        best.map(|(_, pid)| pid)
    }
}

/// Returns the frame limit of each live process under local scope.
///
/// `live` lists `(pid, virtual size in pages)` in pid order. A process
/// with an explicit limit gets it. The other processes share the frames
/// left, `frames` minus the explicit limits of live processes: each gets 1
/// (while frames last, lowest pids first), and the rest is divided evenly
/// (`Equal`) or in proportion to virtual size, rounded down
/// (`Proportional`). Frames left over by the division go one each to the
/// lowest pids.
pub fn compute_limits(
    frames: usize,
    allocation: Allocation,
    explicit: &BTreeMap<u32, usize>,
    live: &[(u32, u64)],
) -> BTreeMap<u32, usize> {
    let mut limits = BTreeMap::new();
    let mut shared: Vec<(u32, u64)> = Vec::new();
    let mut remaining = frames;
    for &(pid, size) in live {
        match explicit.get(&pid) {
            Some(&limit) => {
                limits.insert(pid, limit);
                remaining = remaining.saturating_sub(limit);
            }
            None => shared.push((pid, size.max(1))),
        }
    }
    if shared.is_empty() {
        return limits;
    }

    // One frame each while they last, lowest pids first.
    let base = remaining.min(shared.len());
    for (index, &(pid, _)) in shared.iter().enumerate() {
        limits.insert(pid, usize::from(index < base));
    }
    let rest = remaining - base;

    // The rest: evenly or in proportion to size, rounded down.
    let total_size: u64 = shared.iter().map(|&(_, size)| size).sum();
    let mut given = 0;
    for &(pid, size) in &shared {
        let share = match allocation {
            Allocation::Equal => rest / shared.len(),
            Allocation::Proportional => (rest as u128 * size as u128 / total_size as u128) as usize,
        };
        *limits.get_mut(&pid).expect("inserted above") += share;
        given += share;
    }

    // What rounding left goes one each to the lowest pids.
    for &(pid, _) in shared.iter().take(rest - given) {
        *limits.get_mut(&pid).expect("inserted above") += 1;
    }
    limits
}

/// Returns the virtual size of `space` in pages, the measure proportional
/// allocation uses: the pages of its text, data and bss, the heap pages
/// below the break, and the stack pages that have a non-empty PTE (at
/// least one).
pub fn virtual_size(space: &AddressSpace, sys: &super::System) -> u64 {
    let page_size = sys.config.page_size as u64;
    let object = &space.object;
    let pages = |start: u64, end: u64| {
        if end <= start {
            0
        } else {
            end.div_ceil(page_size) - start / page_size
        }
    };
    let mut size = pages(object.text.addr as u64, object.text.end());
    size += pages(object.data.addr as u64, object.data.end());
    size += pages(object.bss.addr as u64, object.bss.end());
    size += pages(space.heap_start as u64, space.brk as u64);

    let stack_bottom_vpn = sys.geometry.vpn(space.stack_bottom);
    let stack_top_vpn = sys.geometry.vpn(STACK_TOP - 1);
    let stack_pages = super::vmm::leaf_entries(&sys.memory, &sys.geometry, space.root_pfn)
        .into_iter()
        .filter(|&(vpn, _, pte)| {
            pte != Pte::EMPTY && (stack_bottom_vpn..=stack_top_vpn).contains(&vpn)
        })
        .count() as u64;
    size + stack_pages.max(1)
}

impl Kernel {
    /// Recomputes the frame limits of the live processes under local
    /// scope, after a process started or ended.
    pub(super) fn recompute_frame_limits(&mut self) {
        if self.sys.replacement.scope() != Scope::Local {
            return;
        }
        let live: Vec<(u32, u64)> = self
            .processes
            .iter()
            .filter(|process| process.exit.is_none())
            .map(|process| (process.pid, virtual_size(&process.space, &self.sys)))
            .collect();
        self.sys.replacement.set_limits(&live);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(
        frames: usize,
        allocation: Allocation,
        explicit: &[(u32, usize)],
        live: &[(u32, u64)],
    ) -> Vec<(u32, usize)> {
        let explicit: BTreeMap<u32, usize> = explicit.iter().copied().collect();
        compute_limits(frames, allocation, &explicit, live)
            .into_iter()
            .collect()
    }

    #[test]
    fn equal_split_gives_remainder_to_lowest_pids() {
        let live = [(1, 5), (2, 50), (3, 500)];
        assert_eq!(
            limits(8, Allocation::Equal, &[], &live),
            vec![(1, 3), (2, 3), (3, 2)]
        );
        assert_eq!(
            limits(9, Allocation::Equal, &[], &live),
            vec![(1, 3), (2, 3), (3, 3)]
        );
    }

    #[test]
    fn fewer_frames_than_processes() {
        let live = [(1, 5), (2, 5), (3, 5)];
        assert_eq!(
            limits(2, Allocation::Equal, &[], &live),
            vec![(1, 1), (2, 1), (3, 0)]
        );
        assert_eq!(
            limits(2, Allocation::Proportional, &[], &live),
            vec![(1, 1), (2, 1), (3, 0)]
        );
    }

    #[test]
    fn proportional_split_follows_size() {
        // One frame each, then 7 frames in proportion 1:2:4.
        let live = [(1, 10), (2, 20), (3, 40)];
        assert_eq!(
            limits(10, Allocation::Proportional, &[], &live),
            vec![(1, 2), (2, 3), (3, 5)]
        );
        // 8 frames: 1 each, then 5 × 1/7 = 0, 5 × 2/7 = 1, 5 × 4/7 = 2; the
        // 2 left go to pids 1 and 2.
        assert_eq!(
            limits(8, Allocation::Proportional, &[], &live),
            vec![(1, 2), (2, 3), (3, 3)]
        );
    }

    #[test]
    fn explicit_limits_come_first() {
        let live = [(1, 10), (2, 10), (3, 10)];
        assert_eq!(
            limits(8, Allocation::Equal, &[(2, 5)], &live),
            vec![(1, 2), (2, 5), (3, 1)]
        );
        assert_eq!(
            limits(8, Allocation::Equal, &[(1, 4), (2, 4)], &live),
            vec![(1, 4), (2, 4), (3, 0)]
        );
    }

    #[test]
    fn limits_of_dead_processes_free_their_frames() {
        // pid 2 has an explicit limit but is not live, so it takes nothing.
        let live = [(1, 10), (3, 10)];
        assert_eq!(
            limits(8, Allocation::Equal, &[(2, 5)], &live),
            vec![(1, 4), (3, 4)]
        );
    }
}
