//! The swap device: numbered slots of one page each, with a read and a
//! write latency in ticks.
//!
//! The device stores pages and reports what each transfer costs; which slot
//! is free is the kernel's bookkeeping (`kernel::vmm`). One request runs at a
//! time, so with a single process the faulting thread simply pays the
//! latency.

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
}

impl SwapDevice {
    /// Creates an empty device of `n_slots` slots.
    pub fn new(n_slots: usize, read_latency: u64, write_latency: u64) -> SwapDevice {
        SwapDevice {
            slots: Vec::new(),
            n_slots,
            read_latency,
            write_latency,
        }
    }

    /// Returns the number of slots.
    pub fn n_slots(&self) -> usize {
        self.n_slots
    }

    /// Writes one page into `slot` and returns the latency in ticks.
    ///
    /// # Panics
    ///
    /// Panics if `slot` is not below [`SwapDevice::n_slots`]; the kernel
    /// allocates only valid slots.
    pub fn write(&mut self, slot: u32, page: &[u8]) -> u64 {
        let index = slot as usize;
        assert!(index < self.n_slots, "swap slot {slot} is out of range");
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        self.slots[index] = Some(page.into());
        self.write_latency
    }

    /// Reads `slot` into `page` and returns the latency in ticks. A slot that
    /// was never written reads as zeros.
    pub fn read(&self, slot: u32, page: &mut [u8]) -> u64 {
        match self.slots.get(slot as usize).and_then(Option::as_ref) {
            Some(stored) => page.copy_from_slice(stored),
            None => page.fill(0),
        }
        self.read_latency
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
    fn pages_round_trip_with_latency() {
        let mut swap = SwapDevice::new(4, 7, 9);
        assert_eq!(swap.write(2, &[1, 2, 3, 4]), 9);
        let mut page = [0; 4];
        assert_eq!(swap.read(2, &mut page), 7);
        assert_eq!(page, [1, 2, 3, 4]);
        swap.discard(2);
        swap.read(2, &mut page);
        assert_eq!(page, [0; 4]);
    }
}
