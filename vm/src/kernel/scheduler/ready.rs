//! The ready set of the schedulers that choose by a key (priority, burst
//! length): tasks in the order they became ready, each with the tick it
//! became ready and its key.

use super::TaskId;

/// One ready task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ReadyEntry<K> {
    pub task: TaskId,
    /// The tick at which the task became ready.
    pub since: u64,
    /// The scheduler's key for the task, stored so that a choice needs no
    /// lookup per task.
    pub key: K,
}

/// Ready tasks, earliest first. Each choice scans the set, O(n) for n ready
/// tasks, which is fast enough for the task counts of a teaching machine.
#[derive(Clone, Debug)]
pub(crate) struct ReadySet<K> {
    entries: Vec<ReadyEntry<K>>,
}

impl<K> Default for ReadySet<K> {
    fn default() -> Self {
        ReadySet {
            entries: Vec::new(),
        }
    }
}

impl<K: Copy> ReadySet<K> {
    /// Appends `task` with `key`, ready since `now`.
    pub fn push(&mut self, task: TaskId, now: u64, key: K) {
        self.entries.push(ReadyEntry {
            task,
            since: now,
            key,
        });
    }

    /// Returns the ready tasks, earliest first.
    pub fn iter(&self) -> impl Iterator<Item = &ReadyEntry<K>> {
        self.entries.iter()
    }

    /// Replaces the key of `task` if it is ready.
    pub fn set_key(&mut self, task: TaskId, key: K) {
        for entry in &mut self.entries {
            if entry.task == task {
                entry.key = key;
            }
        }
    }

    /// Removes and returns the task with the smallest `rank`. Among equal
    /// ranks the task that became ready first wins; entries are kept in
    /// ready order, so the first minimum found is that task.
    pub fn take_min_by<R: PartialOrd>(
        &mut self,
        rank: impl Fn(&ReadyEntry<K>) -> R,
    ) -> Option<TaskId> {
        let mut best: Option<(usize, R)> = None;
        for (index, entry) in self.entries.iter().enumerate() {
            let candidate = rank(entry);
            let better = match &best {
                None => true,
                Some((_, best_rank)) => candidate < *best_rank,
            };
            if better {
                best = Some((index, candidate));
            }
        }
        best.map(|(index, _)| self.entries.remove(index).task)
    }
}
