//! First-come, first-served: run tasks in the order they became ready, each
//! until it blocks, yields or exits. Never preempts.

use super::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use std::collections::VecDeque;

/// First-come, first-served scheduling. O(1) per call.
#[derive(Debug, Clone, Default)]
pub struct Fcfs {
    /// Ready tasks, earliest first.
    ready: VecDeque<TaskId>,
}

impl Scheduler for Fcfs {
    fn name(&self) -> &str {
        "fcfs"
    }

    fn add_task(&mut self, _task: TaskId, _params: TaskParams) {}

    fn make_ready(&mut self, task: TaskId, _now: u64, _reason: ReadyReason) {
        self.ready.push_back(task);
    }

    fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
        self.ready.pop_front()
    }

    fn should_preempt(&mut self, _task: TaskId, _slice_used: u64, _now: u64) -> bool {
        false
    }

    fn on_stop(&mut self, _task: TaskId, _ran: u64, _reason: StopReason, _now: u64) {}
}
