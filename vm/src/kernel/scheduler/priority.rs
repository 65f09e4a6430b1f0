//! Priority scheduling: run the ready task with the best (lowest-numbered)
//! priority, preemptively or not, with optional aging.

use super::ready::{ReadyEntry, ReadySet};
use super::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use std::collections::BTreeMap;

/// The running task's priority and the first tick at which a ready task
/// beats it.
#[derive(Clone, Copy, Debug)]
struct PreemptAt {
    running_priority: u32,
    tick: u64,
}

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
    /// Ready tasks keyed by their own (un-aged) priority.
    ready: ReadySet<u32>,
    /// The tick from which some ready task beats the running task, or
    /// `None` when it must be recomputed. A ready task's effective priority
    /// depends only on the tick, so the tick can be computed once per
    /// change of the ready set, and `should_preempt` costs O(1) per tick.
    preempt_at: Option<PreemptAt>,
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
            preempt_at: None,
        }
    }

    fn priority(&self, task: TaskId) -> u32 {
        priority_of(&self.priorities, task)
    }

    /// Returns the first tick at which the ready `entry` has a strictly
    /// better effective priority than `running`, or `u64::MAX` for never.
    fn beats_from(&self, entry: &ReadyEntry<u32>, running: u32) -> u64 {
        let priority = entry.key;
        if priority < running {
            return entry.since;
        }
        match self.aging {
            // Aging stops at priority 0, which cannot beat a running 0.
            Some(ticks) if running > 0 => {
                let steps = u64::from(priority - running) + 1;
                entry.since.saturating_add(ticks.saturating_mul(steps))
            }
            _ => u64::MAX,
        }
    }
}

fn priority_of(priorities: &BTreeMap<TaskId, u32>, task: TaskId) -> u32 {
    priorities.get(&task).copied().unwrap_or(0)
}

/// Returns the priority of a ready task after aging, at tick `now`.
fn effective(aging: Option<u64>, entry: &ReadyEntry<u32>, now: u64) -> u32 {
    let base = entry.key;
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
        let priority = self.priority(task);
        self.ready.push(task, now, priority);
        if let Some(cached) = self.preempt_at {
            let entry = ReadyEntry {
                task,
                since: now,
                key: priority,
            };
            let tick = self.beats_from(&entry, cached.running_priority);
            self.preempt_at = Some(PreemptAt {
                tick: cached.tick.min(tick),
                ..cached
            });
        }
    }

    fn pick_next(&mut self, now: u64) -> Option<TaskId> {
        self.preempt_at = None;
        let aging = self.aging;
        self.ready.take_min_by(|entry| effective(aging, entry, now))
    }

    fn should_preempt(&mut self, task: TaskId, _slice_used: u64, now: u64) -> bool {
        if !self.preemptive {
            return false;
        }
        let running = self.priority(task);
        let cached = match self.preempt_at {
            Some(cached) if cached.running_priority == running => cached,
            _ => {
                let tick = self
                    .ready
                    .iter()
                    .map(|entry| self.beats_from(entry, running))
                    .min()
                    .unwrap_or(u64::MAX);
                let cached = PreemptAt {
                    running_priority: running,
                    tick,
                };
                self.preempt_at = Some(cached);
                cached
            }
        };
        now >= cached.tick
    }

    fn on_stop(&mut self, task: TaskId, _ran: u64, reason: StopReason, _now: u64) {
        if reason == StopReason::Exited {
            self.priorities.remove(&task);
        }
    }

    fn set_priority(&mut self, task: TaskId, priority: u32) {
        self.preempt_at = None;
        self.priorities.insert(task, priority);
        self.ready.set_key(task, priority);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns whether a ready task of `waiting` priority, ready since 0,
    /// beats a running task of `running` priority at tick `now`, by the
    /// cached threshold and by direct comparison.
    fn both_ways(aging: Option<u64>, waiting: u32, running: u32, now: u64) -> (bool, bool) {
        let mut scheduler = Priority::new(true, aging);
        scheduler.add_task(
            0,
            TaskParams {
                priority: waiting,
                burst_hint: None,
            },
        );
        scheduler.add_task(
            1,
            TaskParams {
                priority: running,
                burst_hint: None,
            },
        );
        scheduler.make_ready(0, 0, ReadyReason::Arrived);
        let cached = scheduler.should_preempt(1, 1, now);
        let entry = ReadyEntry {
            task: 0,
            since: 0,
            key: waiting,
        };
        let direct = effective(aging, &entry, now) < running;
        (cached, direct)
    }

    #[test]
    fn preempt_threshold_matches_effective_priority() {
        for aging in [None, Some(1), Some(3)] {
            for waiting in 0..5 {
                for running in 0..5 {
                    for now in 0..20 {
                        let (cached, direct) = both_ways(aging, waiting, running, now);
                        assert_eq!(
                            cached, direct,
                            "aging {aging:?}, waiting {waiting}, running {running}, tick {now}"
                        );
                    }
                }
            }
        }
    }
}
