//! Round robin: first-come, first-served with a time slice. A task that
//! has used a whole quantum goes to the back of the ready queue.

use super::{ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use std::collections::VecDeque;

/// Round-robin scheduling with a fixed quantum. O(1) per call.
///
/// The quantum expires after every `quantum` ticks of a dispatch, and the
/// task is preempted even when no other task is ready: it is then picked
/// again at once, which starts a new quantum. Drivers charge no context
/// switch for re-dispatching the same task, so this only makes each
/// quantum visible, as textbook Gantt charts draw it (A 10–14, 14–18, ...).
#[derive(Debug, Clone)]
pub struct RoundRobin {
    quantum: u64,
    /// Ready tasks, front first.
    ready: VecDeque<TaskId>,
}

impl RoundRobin {
    /// Creates a round-robin scheduler with a time slice of `quantum` ticks (at least 1).
    pub fn new(quantum: u64) -> RoundRobin {
        RoundRobin {
            quantum: quantum.max(1),
            ready: VecDeque::new(),
        }
    }
}

impl Scheduler for RoundRobin {
    fn name(&self) -> &str {
        "rr"
    }

    fn add_task(&mut self, _task: TaskId, _params: TaskParams) {}

    fn make_ready(&mut self, task: TaskId, _now: u64, _reason: ReadyReason) {
        self.ready.push_back(task);
    }

    fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
        self.ready.pop_front()
    }

    fn should_preempt(&mut self, _task: TaskId, slice_used: u64, _now: u64) -> bool {
        slice_used > 0 && slice_used.is_multiple_of(self.quantum)
    }

    fn on_stop(&mut self, _task: TaskId, _ran: u64, _reason: StopReason, _now: u64) {}
}
