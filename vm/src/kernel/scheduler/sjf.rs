//! Shortest job first (`sjf`, non-preemptive) and shortest remaining time
//! first (`srtf`, its preemptive variant), with burst prediction by
//! exponential averaging.

use super::ready::ReadySet;
use super::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use std::collections::BTreeMap;

/// The scheduler's record of one task's CPU bursts.
#[derive(Clone, Copy, Debug)]
struct Burst {
    /// The known length of the current burst, from the driver.
    hint: Option<u64>,
    /// The predicted length τ of the current burst, used without a hint.
    estimate: f64,
    /// Ticks the task has run in the current burst, over earlier dispatches.
    used: u64,
}

impl Burst {
    /// Returns the predicted ticks left in the current burst, not below 0.
    fn remaining(&self) -> f64 {
        let predicted = self.hint.map_or(self.estimate, |hint| hint as f64);
        (predicted - self.used as f64).max(0.0)
    }
}

/// SJF and SRTF scheduling. O(n) per choice for n ready tasks.
///
/// Each task's next CPU burst has a predicted length: the driver's burst
/// hint when it gives one, otherwise the exponential average
/// τ(n+1) = α·t(n) + (1 − α)·τ(n) of its past bursts (Silberschatz,
/// Galvin and Gagne, "Operating System Concepts", CPU scheduling chapter),
/// starting from τ(0). A burst ends when the task blocks, yields or exits;
/// a preemption does not end it. `sjf` runs the ready task with the
/// shortest predicted burst until it leaves the CPU. `srtf` compares
/// predicted remaining times (the prediction minus the ticks already run
/// in this burst) and preempts the running task as soon as a ready task's
/// remaining time is strictly shorter. Equal predictions run in ready order.
#[derive(Debug, Clone)]
pub struct Sjf {
    preemptive: bool,
    alpha: f64,
    initial_estimate: f64,
    bursts: BTreeMap<TaskId, Burst>,
    /// Ready tasks keyed by their predicted remaining time.
    ready: ReadySet<f64>,
    /// The smallest remaining time in the ready set, or `None` when it must
    /// be recomputed. A ready task's remaining time does not change while
    /// it waits, so `should_preempt` scans the set only after a change.
    min_ready: Option<f64>,
}

impl Sjf {
    /// Creates an SJF (`preemptive = false`) or SRTF scheduler with weight
    /// `alpha` in 0..=1 and first prediction `initial_estimate` ticks.
    pub fn new(preemptive: bool, alpha: f64, initial_estimate: u64) -> Sjf {
        Sjf {
            preemptive,
            alpha: alpha.clamp(0.0, 1.0),
            initial_estimate: initial_estimate as f64,
            bursts: BTreeMap::new(),
            ready: ReadySet::default(),
            min_ready: None,
        }
    }

    fn remaining(&self, task: TaskId) -> f64 {
        self.bursts
            .get(&task)
            .map_or(self.initial_estimate, Burst::remaining)
    }

    fn burst_mut(&mut self, task: TaskId) -> &mut Burst {
        let estimate = self.initial_estimate;
        self.bursts.entry(task).or_insert(Burst {
            hint: None,
            estimate,
            used: 0,
        })
    }
}

impl Scheduler for Sjf {
    fn name(&self) -> &str {
        if self.preemptive {
            "srtf"
        } else {
            "sjf"
        }
    }

    fn add_task(&mut self, task: TaskId, params: TaskParams) {
        self.burst_mut(task).hint = params.burst_hint;
    }

    fn make_ready(&mut self, task: TaskId, now: u64, _reason: ReadyReason) {
        let remaining = self.remaining(task);
        self.min_ready = self.min_ready.map(|min| min.min(remaining));
        self.ready.push(task, now, remaining);
    }

    fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
        self.min_ready = None;
        self.ready.take_min_by(|entry| entry.key)
    }

    fn should_preempt(&mut self, task: TaskId, slice_used: u64, _now: u64) -> bool {
        if !self.preemptive {
            return false;
        }
        let running = (self.remaining(task) - slice_used as f64).max(0.0);
        let min_ready = match self.min_ready {
            Some(min) => min,
            None => {
                let min = self
                    .ready
                    .iter()
                    .map(|entry| entry.key)
                    .fold(f64::INFINITY, f64::min);
                self.min_ready = Some(min);
                min
            }
        };
        min_ready < running
    }

    fn on_stop(&mut self, task: TaskId, ran: u64, reason: StopReason, _now: u64) {
        let alpha = self.alpha;
        let burst = self.burst_mut(task);
        burst.used = burst.used.saturating_add(ran);
        match reason {
            StopReason::Preempted => {}
            StopReason::Yielded | StopReason::Blocked => {
                burst.estimate = alpha * burst.used as f64 + (1.0 - alpha) * burst.estimate;
                burst.used = 0;
            }
            StopReason::Exited => {
                self.bursts.remove(&task);
            }
        }
    }

    fn set_burst_hint(&mut self, task: TaskId, hint: Option<u64>) {
        self.min_ready = None;
        self.burst_mut(task).hint = hint;
        let remaining = self.remaining(task);
        self.ready.set_key(task, remaining);
    }
}
