//! Intrusive doubly linked lists over dense indices (frames, or node slots),
//! and a queue of non-resident page keys, the building blocks of the
//! queue-based policies.
//!
//! Several lists share one [`Links`] table, because an index is in at most
//! one list at a time; each [`List`] keeps only its ends and length. Every
//! operation is O(1). The front is the newest end (head, MRU) and the back
//! the oldest (tail, LRU).

use super::page_map::PageMap;
use super::PageKey;
use std::collections::VecDeque;

/// Marks the end of a list in [`Links`].
pub(crate) const NIL: usize = usize::MAX;

/// The `prev` and `next` pointers of every index, shared by the lists.
#[derive(Debug, Clone)]
pub(crate) struct Links {
    /// The neighbour towards the front, or `NIL`.
    prev: Vec<usize>,
    /// The neighbour towards the back, or `NIL`.
    next: Vec<usize>,
}

impl Links {
    /// Creates links for indices `0..len`, all unlinked.
    pub(crate) fn new(len: usize) -> Links {
        Links {
            prev: vec![NIL; len],
            next: vec![NIL; len],
        }
    }

    /// Adds one unlinked index at the end and returns it.
    pub(crate) fn push_index(&mut self) -> usize {
        self.prev.push(NIL);
        self.next.push(NIL);
        self.prev.len() - 1
    }

    /// Returns the neighbour of `index` towards the front, or `NIL`.
    pub(crate) fn prev(&self, index: usize) -> usize {
        self.prev[index]
    }
}

/// One list threaded through a [`Links`] table.
#[derive(Debug, Clone)]
pub(crate) struct List {
    front: usize,
    back: usize,
    len: usize,
}

impl List {
    /// Creates an empty list.
    pub(crate) fn new() -> List {
        List {
            front: NIL,
            back: NIL,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns the oldest index, or `None` when the list is empty.
    pub(crate) fn back(&self) -> Option<usize> {
        (self.back != NIL).then_some(self.back)
    }

    /// Inserts the unlinked `index` at the front.
    pub(crate) fn push_front(&mut self, links: &mut Links, index: usize) {
        links.prev[index] = NIL;
        links.next[index] = self.front;
        if self.front == NIL {
            self.back = index;
        } else {
            links.prev[self.front] = index;
        }
        self.front = index;
        self.len += 1;
    }

    /// Removes `index`, which must be in this list.
    pub(crate) fn remove(&mut self, links: &mut Links, index: usize) {
        let (before, after) = (links.prev[index], links.next[index]);
        if before == NIL {
            self.front = after;
        } else {
            links.next[before] = after;
        }
        if after == NIL {
            self.back = before;
        } else {
            links.prev[after] = before;
        }
        links.prev[index] = NIL;
        links.next[index] = NIL;
        self.len -= 1;
    }

    /// Removes and returns the oldest index.
    pub(crate) fn pop_back(&mut self, links: &mut Links) -> Option<usize> {
        let back = self.back()?;
        self.remove(links, back);
        Some(back)
    }

    /// Returns the indices from front to back.
    #[cfg(test)]
    pub(crate) fn to_vec(&self, links: &Links) -> Vec<usize> {
        let mut order = Vec::new();
        let mut index = self.front;
        while index != NIL {
            order.push(index);
            index = links.next[index];
        }
        order
    }
}

/// An ordered set of non-resident page keys (a ghost list): insertion at
/// the front, removal of any key, and removal of the oldest, each O(1)
/// amortised.
///
/// The keys sit in a deque in insertion order with a stamp; the map holds
/// each live key's stamp, so an entry whose stamp no longer matches is
/// stale and is skipped. The deque is compacted once stale entries
/// outnumber live ones, which keeps memory proportional to the live keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct GhostQueue {
    /// `(key, stamp)`, oldest first.
    order: VecDeque<(PageKey, u64)>,
    /// The stamp of each live key.
    live: PageMap<u64>,
    next_stamp: u64,
}

impl GhostQueue {
    pub(crate) fn new() -> GhostQueue {
        GhostQueue::default()
    }

    pub(crate) fn len(&self) -> usize {
        self.live.len()
    }

    pub(crate) fn contains(&self, key: PageKey) -> bool {
        self.live.contains_key(&key)
    }

    /// Inserts `key` as the newest, moving it there if it is present.
    pub(crate) fn push_front(&mut self, key: PageKey) {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.live.insert(key, stamp);
        self.order.push_back((key, stamp));
        self.compact_if_sparse();
    }

    /// Removes `key`; returns whether it was present.
    pub(crate) fn remove(&mut self, key: PageKey) -> bool {
        let removed = self.live.remove(&key).is_some();
        if removed {
            self.compact_if_sparse();
        }
        removed
    }

    /// Removes and returns the oldest key.
    pub(crate) fn pop_back(&mut self) -> Option<PageKey> {
        while let Some((key, stamp)) = self.order.pop_front() {
            if self.live.get(&key) == Some(&stamp) {
                self.live.remove(&key);
                return Some(key);
            }
        }
        None
    }

    /// Returns the keys from newest to oldest.
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<PageKey> {
        self.order
            .iter()
            .rev()
            .filter(|(key, stamp)| self.live.get(key) == Some(stamp))
            .map(|&(key, _)| key)
            .collect()
    }

    fn compact_if_sparse(&mut self) {
        if self.order.len() > 2 * self.live.len() + 16 {
            let live = &self.live;
            self.order
                .retain(|(key, stamp)| live.get(key) == Some(stamp));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_push_remove_pop() {
        let mut links = Links::new(4);
        let mut list = List::new();
        list.push_front(&mut links, 2);
        list.push_front(&mut links, 0);
        list.push_front(&mut links, 1);
        assert_eq!(list.to_vec(&links), vec![1, 0, 2]);
        list.remove(&mut links, 0);
        assert_eq!(list.to_vec(&links), vec![1, 2]);
        assert_eq!(list.pop_back(&mut links), Some(2));
        assert_eq!(list.pop_back(&mut links), Some(1));
        assert_eq!(list.pop_back(&mut links), None);
        assert!(list.is_empty());
    }

    #[test]
    fn ghost_queue_order_and_removal() {
        let mut ghosts = GhostQueue::new();
        for key in [5, 6, 7] {
            ghosts.push_front(key);
        }
        ghosts.push_front(5);
        assert_eq!(ghosts.to_vec(), vec![5, 7, 6]);
        assert!(ghosts.remove(7));
        assert!(!ghosts.remove(7));
        assert_eq!(ghosts.pop_back(), Some(6));
        assert_eq!(ghosts.pop_back(), Some(5));
        assert_eq!(ghosts.pop_back(), None);
        assert_eq!(ghosts.len(), 0);
    }

    #[test]
    fn ghost_queue_compacts_stale_entries() {
        let mut ghosts = GhostQueue::new();
        for round in 0..1000 {
            ghosts.push_front(round % 3);
        }
        assert_eq!(ghosts.len(), 3);
        assert!(ghosts.order.len() <= 2 * 3 + 17);
        assert_eq!(ghosts.to_vec(), vec![0, 2, 1]);
    }
}
