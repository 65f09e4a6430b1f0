//! Stride scheduling: the deterministic counterpart of lottery scheduling.
//! Each task advances a pass value in inverse proportion to its tickets,
//! and the ready task with the smallest pass runs.

use super::{tickets_for, ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use std::collections::BTreeMap;

/// The numerator of every stride: a task with t tickets has stride
/// `STRIDE1 / t`. It is lcm(1, ..., 32), so the division is exact for
/// every ticket count that divides it: 1 to 32, and the default counts
/// 100, 50, 33 and 25 of priorities 0 to 3. Exact strides make equal
/// shares give equal passes, so ties fall to ready order as documented.
/// For the largest count the parameters allow (10^9) the rounding error
/// is below one part in 10^5.
pub(super) const STRIDE1: u128 = 144_403_552_893_600;

/// Stride state of one task.
#[derive(Clone, Copy, Debug)]
struct Pass {
    stride: u128,
    pass: u128,
}

/// Stride scheduling, as presented in Arpaci-Dusseau and Arpaci-Dusseau,
/// "Operating Systems: Three Easy Pieces", chapter 9 ("Scheduling:
/// Proportional Share"). O(n) per choice for n ready tasks.
///
/// Tickets come from priority as in lottery scheduling. A task's pass
/// grows by its stride for every tick it runs, so a partial quantum is
/// charged in proportion. The smallest pass runs; equal passes run in
/// ready order. The scheduler keeps a virtual time, the pass of the task
/// it dispatched last. A task that arrives or wakes starts at that virtual
/// time if its own pass is smaller, so that it cannot monopolise the CPU
/// to catch up. The running task is preempted after every `quantum` ticks
/// while another task is ready. The seed is not used, because the
/// algorithm makes no random choice.
#[derive(Debug, Clone)]
pub struct Stride {
    quantum: u64,
    base_tickets: u64,
    tasks: BTreeMap<TaskId, Pass>,
    virtual_time: u128,
    /// Ready tasks with their passes, earliest first. A ready task's pass
    /// does not change until it runs, so the copy here stays exact.
    ready: Vec<(TaskId, u128)>,
}

impl Stride {
    /// Creates a stride scheduler with a time slice of `quantum` ticks and
    /// `base_tickets` tickets at priority 0.
    pub fn new(quantum: u64, base_tickets: u64) -> Stride {
        Stride {
            quantum: quantum.max(1),
            base_tickets,
            tasks: BTreeMap::new(),
            virtual_time: 0,
            ready: Vec::new(),
        }
    }

    fn stride_for(&self, priority: u32) -> u128 {
        STRIDE1 / u128::from(tickets_for(self.base_tickets, priority))
    }
}

impl Scheduler for Stride {
    fn name(&self) -> &str {
        "stride"
    }

    fn add_task(&mut self, task: TaskId, params: TaskParams) {
        let stride = self.stride_for(params.priority);
        self.tasks.insert(task, Pass { stride, pass: 0 });
    }

    fn make_ready(&mut self, task: TaskId, _now: u64, reason: ReadyReason) {
        let virtual_time = self.virtual_time;
        let mut pass = 0;
        if let Some(state) = self.tasks.get_mut(&task) {
            if matches!(reason, ReadyReason::Arrived | ReadyReason::Woken) {
                state.pass = state.pass.max(virtual_time);
            }
            pass = state.pass;
        }
        self.ready.push((task, pass));
    }

    fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
        // The first smallest pass is the earliest ready among equal passes.
        let mut best: Option<(usize, u128)> = None;
        for (index, &(_, pass)) in self.ready.iter().enumerate() {
            if best.is_none_or(|(_, best_pass)| pass < best_pass) {
                best = Some((index, pass));
            }
        }
        let (index, pass) = best?;
        self.virtual_time = pass;
        Some(self.ready.remove(index).0)
    }

    fn should_preempt(&mut self, _task: TaskId, slice_used: u64, _now: u64) -> bool {
        slice_used > 0 && slice_used.is_multiple_of(self.quantum) && !self.ready.is_empty()
    }

    fn on_stop(&mut self, task: TaskId, ran: u64, reason: StopReason, _now: u64) {
        if reason == StopReason::Exited {
            self.tasks.remove(&task);
            return;
        }
        if let Some(state) = self.tasks.get_mut(&task) {
            state.pass = state
                .pass
                .saturating_add(state.stride.saturating_mul(u128::from(ran)));
        }
    }

    fn set_priority(&mut self, task: TaskId, priority: u32) {
        let stride = self.stride_for(priority);
        if let Some(state) = self.tasks.get_mut(&task) {
            state.stride = stride;
        }
    }
}
