//! The translation lookaside buffer: fully associative, LRU replacement,
//! entries tagged with an ASID so a context switch needs no flush.
//!
//! The TLB only caches translations; the MMU fills it after a walk and the
//! kernel invalidates entries whose PTE it changes.

use super::{Asid, PhysAddr};

/// One cached translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbEntry {
    /// Address space of the translation.
    pub asid: Asid,
    /// Virtual page number.
    pub vpn: u32,
    /// Frame the page is in.
    pub pfn: u32,
    /// Copy of the PTE's writable bit.
    pub writable: bool,
    /// Copy of the PTE's dirty bit; a store through a clean entry sets the
    /// bit in the PTE too.
    pub dirty: bool,
    /// Physical address of the leaf PTE, so the dirty bit can be written back.
    pub pte_addr: PhysAddr,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    entry: TlbEntry,
    valid: bool,
    /// Value of the use counter at the last hit or fill; the smallest is least recently used.
    last_use: u64,
}

/// A fully associative TLB with LRU replacement.
#[derive(Clone, Debug)]
pub struct Tlb {
    slots: Vec<Slot>,
    /// Index of the most recently used slot, checked first. A hit there
    /// leaves the LRU order unchanged because that slot is already the newest.
    mru: usize,
    use_counter: u64,
}

impl Tlb {
    /// Creates an empty TLB of `n_entries` entries; 0 disables it.
    pub fn new(n_entries: usize) -> Tlb {
        let empty = Slot {
            entry: TlbEntry {
                asid: Asid(0),
                vpn: 0,
                pfn: 0,
                writable: false,
                dirty: false,
                pte_addr: PhysAddr(0),
            },
            valid: false,
            last_use: 0,
        };
        Tlb {
            slots: vec![empty; n_entries],
            mru: 0,
            use_counter: 0,
        }
    }

    /// Returns the number of entries.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Looks up `vpn` in address space `asid`. A hit makes the entry the most
    /// recently used; the returned reference allows updating its dirty bit.
    #[inline]
    pub fn lookup(&mut self, asid: Asid, vpn: u32) -> Option<&mut TlbEntry> {
        let matches = |slot: &Slot| slot.valid && slot.entry.vpn == vpn && slot.entry.asid == asid;
        let mru = self.mru;
        if self.slots.get(mru).is_some_and(matches) {
            return Some(&mut self.slots[mru].entry);
        }
        let index = self.slots.iter().position(matches)?;
        self.use_counter += 1;
        self.slots[index].last_use = self.use_counter;
        self.mru = index;
        Some(&mut self.slots[index].entry)
    }

    /// Inserts a translation, replacing an invalid entry or else the least
    /// recently used one. Does nothing when the TLB has no entries.
    pub fn insert(&mut self, entry: TlbEntry) {
        if self.slots.is_empty() {
            return;
        }
        let index = match self.slots.iter().position(|slot| !slot.valid) {
            Some(index) => index,
            None => self
                .slots
                .iter()
                .enumerate()
                .min_by_key(|(_, slot)| slot.last_use)
                .map(|(index, _)| index)
                .expect("the TLB has at least one entry"),
        };
        self.use_counter += 1;
        self.slots[index] = Slot {
            entry,
            valid: true,
            last_use: self.use_counter,
        };
        self.mru = index;
    }

    /// Removes the translation of `vpn` in `asid`, if cached.
    pub fn invalidate(&mut self, asid: Asid, vpn: u32) {
        for slot in &mut self.slots {
            if slot.valid && slot.entry.vpn == vpn && slot.entry.asid == asid {
                slot.valid = false;
            }
        }
    }

    /// Removes every translation of `asid`.
    pub fn invalidate_asid(&mut self, asid: Asid) {
        for slot in &mut self.slots {
            if slot.entry.asid == asid {
                slot.valid = false;
            }
        }
    }

    /// Removes every translation, as a context switch does on hardware
    /// without ASID tags.
    pub fn flush(&mut self) {
        for slot in &mut self.slots {
            slot.valid = false;
        }
    }

    /// Returns the cached VPNs of `asid` from least to most recently used.
    pub fn lru_order(&self, asid: Asid) -> Vec<u32> {
        let mut valid: Vec<&Slot> = self
            .slots
            .iter()
            .filter(|slot| slot.valid && slot.entry.asid == asid)
            .collect();
        valid.sort_by_key(|slot| slot.last_use);
        valid.iter().map(|slot| slot.entry.vpn).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(vpn: u32) -> TlbEntry {
        TlbEntry {
            asid: Asid(1),
            vpn,
            pfn: vpn + 100,
            writable: true,
            dirty: false,
            pte_addr: PhysAddr(4 * vpn),
        }
    }

    #[test]
    fn lru_entry_is_replaced() {
        let mut tlb = Tlb::new(3);
        for vpn in [1, 2, 3] {
            tlb.insert(entry(vpn));
        }
        assert!(tlb.lookup(Asid(1), 1).is_some());
        assert_eq!(tlb.lru_order(Asid(1)), vec![2, 3, 1]);
        tlb.insert(entry(4));
        assert_eq!(tlb.lru_order(Asid(1)), vec![3, 1, 4]);
        assert!(tlb.lookup(Asid(1), 2).is_none());
    }

    #[test]
    fn repeated_mru_hits_keep_order() {
        let mut tlb = Tlb::new(2);
        tlb.insert(entry(1));
        tlb.insert(entry(2));
        for _ in 0..3 {
            assert_eq!(tlb.lookup(Asid(1), 2).map(|e| e.pfn), Some(102));
        }
        assert_eq!(tlb.lru_order(Asid(1)), vec![1, 2]);
    }

    #[test]
    fn asids_do_not_match_each_other() {
        let mut tlb = Tlb::new(4);
        tlb.insert(entry(5));
        assert!(tlb.lookup(Asid(2), 5).is_none());
        tlb.invalidate(Asid(1), 5);
        assert!(tlb.lookup(Asid(1), 5).is_none());
    }

    proptest::proptest! {
        /// The TLB agrees with a naive LRU list: most recently used last,
        /// the front entry replaced when the list is full.
        #[test]
        fn matches_a_naive_lru_model(
            capacity in 1usize..6,
            operations in proptest::collection::vec((0u32..10, proptest::bool::ANY), 1..200),
        ) {
            let mut tlb = Tlb::new(capacity);
            let mut model: Vec<u32> = Vec::new();
            for (vpn, insert) in operations {
                let cached = model.contains(&vpn);
                if insert && !cached {
                    if model.len() == capacity {
                        model.remove(0);
                    }
                    model.push(vpn);
                    tlb.insert(entry(vpn));
                } else {
                    let hit = tlb.lookup(Asid(1), vpn).is_some();
                    proptest::prop_assert_eq!(hit, cached);
                    if cached {
                        model.retain(|&v| v != vpn);
                        model.push(vpn);
                    }
                }
                proptest::prop_assert_eq!(tlb.lru_order(Asid(1)), model.clone());
            }
        }
    }

    #[test]
    fn zero_entries_cache_nothing() {
        let mut tlb = Tlb::new(0);
        tlb.insert(entry(1));
        assert!(tlb.lookup(Asid(1), 1).is_none());
    }
}
