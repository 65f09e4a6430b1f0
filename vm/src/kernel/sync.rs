//! Kernel mutexes for `lock` and `unlock`.
//!
//! A mutex is identified by an address in its process's address space; the
//! kernel never reads the memory there. Nothing needs creating: the first
//! `lock` of an address creates the mutex. Waiters queue in FIFO order, and
//! `unlock` hands the mutex straight to the first waiter, so a thread that
//! unlocks and locks again cannot overtake a waiter.

use std::collections::{BTreeMap, VecDeque};

/// One mutex: its owner and the threads waiting for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mutex {
    /// The thread that holds it.
    pub owner: Option<u32>,
    /// Threads blocked in `lock`, first come first.
    pub waiters: VecDeque<u32>,
}

/// Result of a `lock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockResult {
    /// The mutex was free and the caller holds it now.
    Acquired,
    /// Another thread holds it; the caller was queued and must block.
    Contended {
        /// The holder.
        owner: u32,
    },
    /// The caller holds it already.
    AlreadyHeld,
}

/// Result of an `unlock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockResult {
    /// The mutex is free now.
    Released,
    /// The mutex passed to this waiting thread, which must be woken.
    HandedTo(u32),
    /// The caller does not hold the mutex.
    NotOwner {
        /// The holder, if any.
        owner: Option<u32>,
    },
}

/// Every mutex, keyed by `(pid, address)`.
#[derive(Clone, Debug, Default)]
pub struct Mutexes {
    by_key: BTreeMap<(u32, u32), Mutex>,
}

impl Mutexes {
    /// Locks the mutex at `addr` of process `pid` for thread `tid`.
    pub fn lock(&mut self, pid: u32, addr: u32, tid: u32) -> LockResult {
        let mutex = self.by_key.entry((pid, addr)).or_default();
        match mutex.owner {
            None => {
                mutex.owner = Some(tid);
                LockResult::Acquired
            }
            Some(owner) if owner == tid => LockResult::AlreadyHeld,
            Some(owner) => {
                mutex.waiters.push_back(tid);
                LockResult::Contended { owner }
            }
        }
    }

    /// Unlocks the mutex at `addr` of process `pid` for thread `tid`.
    pub fn unlock(&mut self, pid: u32, addr: u32, tid: u32) -> UnlockResult {
        let Some(mutex) = self.by_key.get_mut(&(pid, addr)) else {
            return UnlockResult::NotOwner { owner: None };
        };
        if mutex.owner != Some(tid) {
            return UnlockResult::NotOwner { owner: mutex.owner };
        }
        match mutex.waiters.pop_front() {
            Some(next) => {
                mutex.owner = Some(next);
                UnlockResult::HandedTo(next)
            }
            None => {
                mutex.owner = None;
                UnlockResult::Released
            }
        }
    }

    /// Returns the holder of the mutex at `addr` of process `pid`.
    pub fn owner(&self, pid: u32, addr: u32) -> Option<u32> {
        self.by_key.get(&(pid, addr)).and_then(|mutex| mutex.owner)
    }

    /// Forgets every mutex of process `pid`, which has terminated.
    pub fn remove_process(&mut self, pid: u32) {
        self.by_key.retain(|&(owner_pid, _), _| owner_pid != pid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_get_the_mutex_in_fifo_order() {
        let mut mutexes = Mutexes::default();
        assert_eq!(mutexes.lock(1, 0x100, 1), LockResult::Acquired);
        assert_eq!(
            mutexes.lock(1, 0x100, 2),
            LockResult::Contended { owner: 1 }
        );
        assert_eq!(
            mutexes.lock(1, 0x100, 3),
            LockResult::Contended { owner: 1 }
        );
        assert_eq!(mutexes.unlock(1, 0x100, 1), UnlockResult::HandedTo(2));
        assert_eq!(mutexes.owner(1, 0x100), Some(2));
        assert_eq!(mutexes.unlock(1, 0x100, 2), UnlockResult::HandedTo(3));
        assert_eq!(mutexes.unlock(1, 0x100, 3), UnlockResult::Released);
        assert_eq!(mutexes.owner(1, 0x100), None);
    }

    #[test]
    fn only_the_owner_unlocks() {
        let mut mutexes = Mutexes::default();
        assert_eq!(
            mutexes.unlock(1, 0x100, 1),
            UnlockResult::NotOwner { owner: None }
        );
        mutexes.lock(1, 0x100, 1);
        assert_eq!(mutexes.lock(1, 0x100, 1), LockResult::AlreadyHeld);
        assert_eq!(
            mutexes.unlock(1, 0x100, 2),
            UnlockResult::NotOwner { owner: Some(1) }
        );
    }

    #[test]
    fn processes_have_separate_mutexes() {
        let mut mutexes = Mutexes::default();
        assert_eq!(mutexes.lock(1, 0x100, 1), LockResult::Acquired);
        assert_eq!(mutexes.lock(2, 0x100, 5), LockResult::Acquired);
        mutexes.remove_process(1);
        assert_eq!(mutexes.owner(1, 0x100), None);
        assert_eq!(mutexes.owner(2, 0x100), Some(5));
    }
}
