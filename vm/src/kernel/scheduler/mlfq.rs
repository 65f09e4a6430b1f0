//! Multi-level feedback queue: round robin on several levels, where a task
//! that uses a whole quantum moves down a level and a periodic boost moves
//! every task back to the top.

use super::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use std::collections::{BTreeMap, VecDeque};

/// The task on the CPU.
#[derive(Clone, Copy, Debug)]
struct Running {
    task: TaskId,
    /// The tick of a boost during this dispatch, from which the quantum at
    /// the new level counts.
    boosted_at: Option<u64>,
    /// Whether the task used its whole quantum, so that it moves down when
    /// it is preempted.
    quantum_used: bool,
}

/// MLFQ scheduling, following the rules of Arpaci-Dusseau and
/// Arpaci-Dusseau, "Operating Systems: Three Easy Pieces", chapter 8
/// ("Scheduling: The Multi-Level Feedback Queue"). O(levels) per call, and
/// O(tasks) for each boost.
///
/// - Rule 1 and 2: the highest non-empty level runs, round robin within a
///   level. A task that becomes ready on a higher level than the running
///   task's preempts it at the next tick. The preempted task stays on its
///   level and goes to the back of its queue.
/// - Rule 3: a new task enters the top level (level 0).
/// - Rule 4a: a task that uses its level's whole quantum moves down one
///   level (the bottom level keeps it), even when no other task is ready.
/// - Rule 4b: a task that blocks or yields before its quantum is used up
///   stays on its level, and its next dispatch gets a whole quantum.
/// - Rule 5: every `boost` ticks, every task moves to the top level. The
///   running task keeps the CPU, and its quantum at the top level counts
///   from the boost.
///
/// The book's later rule 4, which charges a task for its whole allotment
/// across dispatches so that it cannot stay on top by yielding just before
/// its quantum ends, is not implemented.
#[derive(Debug, Clone)]
pub struct Mlfq {
    quanta: Vec<u64>,
    boost: Option<u64>,
    next_boost: u64,
    levels: BTreeMap<TaskId, usize>,
    /// One ready queue per level, top level first.
    queues: Vec<VecDeque<TaskId>>,
    running: Option<Running>,
}

impl Mlfq {
    /// Creates an MLFQ scheduler with one level per entry of `quanta` (the
    /// quantum of that level in ticks, top level first) and a boost every
    /// `boost` ticks, or never for `None`.
    pub fn new(quanta: Vec<u64>, boost: Option<u64>) -> Mlfq {
        let mut quanta: Vec<u64> = quanta.into_iter().map(|quantum| quantum.max(1)).collect();
        if quanta.is_empty() {
            quanta.push(1);
        }
        let boost = boost.filter(|&ticks| ticks > 0);
        Mlfq {
            queues: vec![VecDeque::new(); quanta.len()],
            quanta,
            boost,
            next_boost: boost.unwrap_or(u64::MAX),
            levels: BTreeMap::new(),
            running: None,
        }
    }

    /// Returns the level of `task` (0 is the top).
    pub fn level(&self, task: TaskId) -> usize {
        self.levels.get(&task).copied().unwrap_or(0)
    }

    /// Moves every task to the top level if a boost is due at `now`. Missed
    /// boost times (while no call came) collapse into one boost.
    fn boost_if_due(&mut self, now: u64) {
        let Some(interval) = self.boost else {
            return;
        };
        if now < self.next_boost {
            return;
        }
        self.next_boost = (now / interval).saturating_add(1).saturating_mul(interval);
        for level in self.levels.values_mut() {
            *level = 0;
        }
        let mut merged = VecDeque::new();
        for queue in &mut self.queues {
            merged.append(queue);
        }
        self.queues[0] = merged;
        if let Some(running) = &mut self.running {
            running.boosted_at = Some(now);
        }
    }
}

impl Scheduler for Mlfq {
    fn name(&self) -> &str {
        "mlfq"
    }

    fn add_task(&mut self, task: TaskId, _params: TaskParams) {
        self.levels.insert(task, 0);
    }

    fn make_ready(&mut self, task: TaskId, now: u64, _reason: ReadyReason) {
        self.boost_if_due(now);
        let level = self.level(task);
        self.queues[level].push_back(task);
    }

    fn pick_next(&mut self, now: u64) -> Option<TaskId> {
        self.boost_if_due(now);
        let task = self.queues.iter_mut().find_map(VecDeque::pop_front)?;
        self.running = Some(Running {
            task,
            boosted_at: None,
            quantum_used: false,
        });
        Some(task)
    }

    fn should_preempt(&mut self, task: TaskId, slice_used: u64, now: u64) -> bool {
        self.boost_if_due(now);
        let level = self.level(task);
        let Some(running) = self.running.as_mut().filter(|running| running.task == task) else {
            return false;
        };
        let used = running
            .boosted_at
            .map_or(slice_used, |boost| now.saturating_sub(boost));
        if used >= self.quanta[level] {
            running.quantum_used = true;
            return true;
        }
        self.queues[..level].iter().any(|queue| !queue.is_empty())
    }

    fn on_stop(&mut self, task: TaskId, _ran: u64, reason: StopReason, _now: u64) {
        let running = self.running.take().filter(|running| running.task == task);
        match reason {
            StopReason::Preempted => {
                if running.is_some_and(|running| running.quantum_used) {
                    let bottom = self.quanta.len() - 1;
                    let level = (self.level(task) + 1).min(bottom);
                    self.levels.insert(task, level);
                }
            }
            StopReason::Yielded | StopReason::Blocked => {}
            StopReason::Exited => {
                self.levels.remove(&task);
            }
        }
    }
}
