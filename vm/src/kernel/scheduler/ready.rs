//! The ready set of the schedulers that choose by a key (priority, burst
//! length, pass): tasks in the order they became ready, with the tick each
//! one became ready.

use super::TaskId;

/// One ready task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReadyEntry {
    pub task: TaskId,
    /// The tick at which the task became ready.
    pub since: u64,
}

/// Ready tasks, earliest first. Each choice scans the set, O(n) for n ready
/// tasks, which is fast enough for the task counts of a teaching machine.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadySet {
    entries: Vec<ReadyEntry>,
}

impl ReadySet {
    /// Appends `task`, ready since `now`.
    pub fn push(&mut self, task: TaskId, now: u64) {
        self.entries.push(ReadyEntry { task, since: now });
    }

    /// Returns whether no task is ready.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Returns the ready tasks, earliest first.
    pub fn iter(&self) -> impl Iterator<Item = &ReadyEntry> {
        self.entries.iter()
    }

    /// Removes and returns the task with the smallest `key`. Among equal
    /// keys the task that became ready first wins; entries are kept in
    /// ready order, so the first minimum found is that task.
    pub fn take_min_by_key<K: PartialOrd>(
        &mut self,
        key: impl Fn(&ReadyEntry) -> K,
    ) -> Option<TaskId> {
        let mut best: Option<(usize, K)> = None;
        for (index, entry) in self.entries.iter().enumerate() {
            let candidate = key(entry);
            let better = match &best {
                None => true,
                Some((_, best_key)) => candidate < *best_key,
            };
            if better {
                best = Some((index, candidate));
            }
        }
        best.map(|(index, _)| self.entries.remove(index).task)
    }
}
