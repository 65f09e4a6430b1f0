//! Lottery scheduling: at each decision, draw a ticket at random; the task
//! holding it runs.

use super::{tickets_for, ReadyReason, Scheduler, StopReason, TaskId, TaskParams};
use crate::rng::SplitMix64;
use std::collections::BTreeMap;

/// Lottery scheduling, as presented in Arpaci-Dusseau and Arpaci-Dusseau,
/// "Operating Systems: Three Easy Pieces", chapter 9 ("Scheduling:
/// Proportional Share"). O(n) per choice for n ready tasks.
///
/// A task of priority p holds `max(1, tickets / (p + 1))` tickets. Each
/// `pick_next` draws a number w uniformly in `0..T`, where T is the sum of
/// the ready tasks' tickets, with one [`SplitMix64::below`] call, and walks
/// the ready tasks in ready order until their running ticket sum exceeds
/// w. The running task is preempted after every `quantum` ticks while
/// another task is ready, and then takes part in the next draw.
#[derive(Debug, Clone)]
pub struct Lottery {
    quantum: u64,
    base_tickets: u64,
    rng: SplitMix64,
    tickets: BTreeMap<TaskId, u64>,
    /// Ready tasks with their tickets, earliest first.
    ready: Vec<(TaskId, u64)>,
    /// The sum of the ready tasks' tickets.
    ready_tickets: u64,
}

impl Lottery {
    /// Creates a lottery scheduler with a time slice of `quantum` ticks,
    /// `base_tickets` tickets at priority 0, and draws seeded by `seed`.
    pub fn new(quantum: u64, base_tickets: u64, seed: u64) -> Lottery {
        Lottery {
            quantum: quantum.max(1),
            base_tickets,
            rng: SplitMix64::new(seed),
            tickets: BTreeMap::new(),
            ready: Vec::new(),
            ready_tickets: 0,
        }
    }

    fn tickets(&self, task: TaskId) -> u64 {
        self.tickets.get(&task).copied().unwrap_or(1)
    }
}

impl Scheduler for Lottery {
    fn name(&self) -> &str {
        "lottery"
    }

    fn add_task(&mut self, task: TaskId, params: TaskParams) {
        self.tickets
            .insert(task, tickets_for(self.base_tickets, params.priority));
    }

    fn make_ready(&mut self, task: TaskId, _now: u64, _reason: ReadyReason) {
        let tickets = self.tickets(task);
        self.ready.push((task, tickets));
        self.ready_tickets += tickets;
    }

    fn pick_next(&mut self, _now: u64) -> Option<TaskId> {
        if self.ready.is_empty() {
            return None;
        }
        let mut winner = self.rng.below(self.ready_tickets);
        let mut index = self.ready.len() - 1;
        for (position, &(_, tickets)) in self.ready.iter().enumerate() {
            if winner < tickets {
                index = position;
                break;
            }
            winner -= tickets;
        }
        let (task, tickets) = self.ready.remove(index);
        self.ready_tickets -= tickets;
        Some(task)
    }

    fn should_preempt(&mut self, _task: TaskId, slice_used: u64, _now: u64) -> bool {
        slice_used > 0 && slice_used.is_multiple_of(self.quantum) && !self.ready.is_empty()
    }

    fn on_stop(&mut self, task: TaskId, _ran: u64, reason: StopReason, _now: u64) {
        if reason == StopReason::Exited {
            self.tickets.remove(&task);
        }
    }

    fn set_priority(&mut self, task: TaskId, priority: u32) {
        let tickets = tickets_for(self.base_tickets, priority);
        self.tickets.insert(task, tickets);
        for (ready_task, ready_tickets) in &mut self.ready {
            if *ready_task == task {
                self.ready_tickets = self.ready_tickets - *ready_tickets + tickets;
                *ready_tickets = tickets;
            }
        }
    }
}
