//! The swap device: numbered slots of one page each, with a read and a
//! write latency in ticks, and a FIFO queue of requests served one at a time.
//!
//! The device stores pages and times each transfer; which slot is free is
//! the kernel's bookkeeping (`kernel::vmm`). The bytes move when a request is
//! submitted, but the request completes only after every earlier request
//! and its own latency, so processes that fault together queue. The kernel
//! polls [`SwapDevice::complete`] to learn which requests have finished.

use std::collections::VecDeque;

/// Direction of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transfer {
    /// A page read (from a swap slot, the program image or a mounted file).
    Read,
    /// A page written to a swap slot or back to a mounted file.
    Write,
}

/// One request to the device, with its schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Identity of the waiter; the kernel passes a thread id.
    pub requester: u32,
    /// Read or write.
    pub transfer: Transfer,
    /// The swap slot, or `None` for a read from the program image.
    pub slot: Option<u32>,
    /// Tick when the device starts the transfer: the submit time, or the
    /// completion of the request ahead of it.
    pub start: u64,
    /// Tick when the transfer completes.
    pub done: u64,
    /// The page number within a mounted file, for a transfer of a mapped
    /// file's page. The file sits on the same disk, and `slot` is `None`.
    pub file_page: Option<u32>,
}

/// A swap device of a fixed number of slots. Slot contents are allocated on
/// first write, so a large device costs nothing until it is used.
#[derive(Clone, Debug)]
pub struct SwapDevice {
    slots: Vec<Option<Box<[u8]>>>,
    n_slots: usize,
    /// Ticks one page read takes.
    pub read_latency: u64,
    /// Ticks one page write takes.
    pub write_latency: u64,
    /// Requests not yet completed, in submission order.
    queue: VecDeque<Request>,
}

impl SwapDevice {
    /// Creates an empty device of `n_slots` slots.
    pub fn new(n_slots: usize, read_latency: u64, write_latency: u64) -> SwapDevice {
        SwapDevice {
            slots: Vec::new(),
            n_slots,
            read_latency,
            write_latency,
            queue: VecDeque::new(),
        }
    }

    /// Queues a transfer for `requester` at tick `now` and returns it with
    /// its schedule. The device serves requests one at a time in FIFO
    /// order, so it starts when the previous request is done.
    pub fn submit(
        &mut self,
        now: u64,
        requester: u32,
        transfer: Transfer,
        slot: Option<u32>,
    ) -> Request {
        self.queue_request(now, requester, transfer, slot, None)
    }

    /// Queues a transfer of page `file_page` of a mounted file, like
    /// [`SwapDevice::submit`]: a mounted file lies on the same disk, so its
    /// transfers queue with swap traffic and take the same latencies.
    pub fn submit_file(
        &mut self,
        now: u64,
        requester: u32,
        transfer: Transfer,
        file_page: u32,
    ) -> Request {
        self.queue_request(now, requester, transfer, None, Some(file_page))
    }

    fn queue_request(
        &mut self,
        now: u64,
        requester: u32,
        transfer: Transfer,
        slot: Option<u32>,
        file_page: Option<u32>,
    ) -> Request {
        let free_at = self.queue.back().map_or(now, |last| last.done.max(now));
        let latency = match transfer {
            Transfer::Read => self.read_latency,
            Transfer::Write => self.write_latency,
        };
        let request = Request {
            requester,
            transfer,
            slot,
            start: free_at,
            done: free_at.saturating_add(latency),
            file_page,
        };
        self.queue.push_back(request);
        request
    }

    /// Returns the completion tick of the oldest pending request.
    #[inline]
    pub fn next_completion(&self) -> Option<u64> {
        self.queue.front().map(|request| request.done)
    }

    /// Removes and returns the oldest request if it has completed by `now`.
    pub fn complete(&mut self, now: u64) -> Option<Request> {
        if self.queue.front()?.done <= now {
            self.queue.pop_front()
        } else {
            None
        }
    }

    /// Returns whether a request of `requester` is still pending.
    pub fn is_pending(&self, requester: u32) -> bool {
        self.queue
            .iter()
            .any(|request| request.requester == requester)
    }

    /// Returns the number of pending requests, the one in progress included.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Returns the number of slots.
    pub fn n_slots(&self) -> usize {
        self.n_slots
    }

    /// Writes one page into `slot`. The transfer's time is [`SwapDevice::submit`]'s concern.
    ///
    /// # Panics
    ///
    /// Panics if `slot` is not below [`SwapDevice::n_slots`]; the kernel
    /// allocates only valid slots.
    pub fn write(&mut self, slot: u32, page: &[u8]) {
        let index = slot as usize;
        assert!(index < self.n_slots, "swap slot {slot} is out of range");
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        self.slots[index] = Some(page.into());
    }

    /// Reads `slot` into `page`. A slot that was never written reads as zeros.
    pub fn read(&self, slot: u32, page: &mut [u8]) {
        match self.slots.get(slot as usize).and_then(Option::as_ref) {
            Some(stored) => page.copy_from_slice(stored),
            None => page.fill(0),
        }
    }

    /// Returns the slots that store a page, in slot order.
    pub fn stored_slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, stored)| stored.is_some())
            .map(|(slot, _)| slot as u32)
    }

    /// Returns whether `slot` stores a page.
    pub fn is_stored(&self, slot: u32) -> bool {
        self.slots
            .get(slot as usize)
            .is_some_and(|stored| stored.is_some())
    }

    /// Drops the contents of `slot`.
    pub fn discard(&mut self, slot: u32) {
        if let Some(entry) = self.slots.get_mut(slot as usize) {
            *entry = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_trip() {
        let mut swap = SwapDevice::new(4, 7, 9);
        swap.write(2, &[1, 2, 3, 4]);
        let mut page = [0; 4];
        swap.read(2, &mut page);
        assert_eq!(page, [1, 2, 3, 4]);
        swap.discard(2);
        swap.read(2, &mut page);
        assert_eq!(page, [0; 4]);
    }

    #[test]
    fn requests_queue_in_fifo_order() {
        let mut swap = SwapDevice::new(4, 10, 30);
        let write = swap.submit(5, 1, Transfer::Write, Some(0));
        assert_eq!((write.start, write.done), (5, 35));
        let read = swap.submit(6, 1, Transfer::Read, Some(1));
        assert_eq!((read.start, read.done), (35, 45), "waits for the write");
        let other = swap.submit(7, 2, Transfer::Read, None);
        assert_eq!((other.start, other.done), (45, 55));
        assert_eq!(swap.queue_len(), 3);
        assert_eq!(swap.next_completion(), Some(35));

        assert_eq!(swap.complete(34), None);
        assert_eq!(swap.complete(50), Some(write));
        assert_eq!(swap.complete(50), Some(read));
        assert!(!swap.is_pending(1));
        assert!(swap.is_pending(2));
        assert_eq!(swap.complete(50), None);
        assert_eq!(swap.complete(55), Some(other));
        assert_eq!(swap.next_completion(), None);
    }

    #[test]
    fn idle_device_starts_at_once() {
        let mut swap = SwapDevice::new(4, 10, 30);
        let first = swap.submit(0, 1, Transfer::Read, None);
        swap.complete(first.done);
        let later = swap.submit(100, 1, Transfer::Read, None);
        assert_eq!((later.start, later.done), (100, 110));
    }
}
