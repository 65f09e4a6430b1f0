//! Priority scheduling: run the ready task with the best (lowest-numbered)
//! priority, preemptively or not, with optional aging.

use super::ready::{ReadyEntry, ReadySet};
use super::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use std::collections::BTreeMap;

/// Priority scheduling. O(n) per choice for n ready tasks.
///
/// Priority 0 is the highest. Equal priorities run in ready order (FCFS).
/// The preemptive variant (`priority`) takes the CPU from the running task
/// as soon as a ready task has a strictly better priority. The
/// non-preemptive variant (`priority-np`) waits until the running task
/// blocks, yields or exits.
///
/// Aging: with `aging = Some(n)`, a ready task's effective priority is its
/// priority minus one for every `n` ticks it has waited since it became
/// ready, down to 0. A task that runs is back at its own priority, and the
/// running task is compared by its own priority.
#[derive(Debug, Clone)]
pub struct Priority {
    preemptive: bool,
    aging: Option<u64>,
    priorities: BTreeMap<TaskId, u32>,
    ready: ReadySet,
}

impl Priority {
    /// Creates a priority scheduler; `aging` is the number of waiting ticks
    /// per priority step, or `None` for no aging.
    pub fn new(preemptive: bool, aging: Option<u64>) -> Priority {
        Priority {
            preemptive,
            aging: aging.filter(|&ticks| ticks > 0),
            priorities: BTreeMap::new(),
            ready: ReadySet::default(),
        }
    }

    fn priority(&self, task: TaskId) -> u32 {
        priority_of(&self.priorities, task)
    }
}

fn priority_of(priorities: &BTreeMap<TaskId, u32>, task: TaskId) -> u32 {
    priorities.get(&task).copied().unwrap_or(0)
}

/// Returns the priority of a ready task after aging, at tick `now`.
fn effective(
    priorities: &BTreeMap<TaskId, u32>,
    aging: Option<u64>,
    entry: &ReadyEntry,
    now: u64,
) -> u32 {
    let base = priority_of(priorities, entry.task);
    match aging {
        None => base,
        Some(ticks) => {
            let steps = now.saturating_sub(entry.since) / ticks;
            let steps = u32::try_from(steps).unwrap_or(u32::MAX);
            base.saturating_sub(steps)
        }
    }
}

impl Scheduler for Priority {
    fn name(&self) -> &str {
        if self.preemptive {
            "priority"
        } else {
            "priority-np"
        }
    }

    fn add_task(&mut self, task: TaskId, params: TaskParams) {
        self.priorities.insert(task, params.priority);
    }

    fn make_ready(&mut self, task: TaskId, now: u64, _reason: ReadyReason) {
        self.ready.push(task, now);
    }

    fn pick_next(&mut self, now: u64) -> Option<TaskId> {
        let (priorities, aging) = (&self.priorities, self.aging);
        self.ready
            .take_min_by_key(|entry| effective(priorities, aging, entry, now))
    }

    fn should_preempt(&mut self, task: TaskId, _slice_used: u64, now: u64) -> bool {
        if !self.preemptive {
            return false;
        }
        let running = self.priority(task);
        self.ready
            .iter()
            .any(|entry| effective(&self.priorities, self.aging, entry, now) < running)
    }

    fn on_stop(&mut self, task: TaskId, _ran: u64, reason: StopReason, _now: u64) {
        if reason == StopReason::Exited {
            self.priorities.remove(&task);
        }
    }

    fn set_priority(&mut self, task: TaskId, priority: u32) {
        self.priorities.insert(task, priority);
    }
}
