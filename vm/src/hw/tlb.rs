//! The translation lookaside buffer: set-associative with a choice of
//! replacement within a set (LRU, FIFO or random), entries tagged with an
//! ASID so a context switch needs no flush.
//!
//! The entries form `sets` groups of `ways` slots; a VPN can only live in
//! set `vpn mod sets` (the low bits of the VPN). One set is the fully
//! associative TLB, one way per set the direct-mapped one.
//!
//! The TLB only caches translations; the MMU fills it after a walk and the
//! kernel invalidates entries whose PTE it changes.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::{Asid, PhysAddr};
use crate::rng::SplitMix64;

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

/// The rule that picks the entry a fill replaces in a full set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlbPolicy {
    /// The entry used least recently (a hit counts as a use).
    #[default]
    Lru,
    /// The entry filled earliest; hits do not change the order.
    Fifo,
    /// An entry drawn uniformly from the set with the machine's seed.
    Random,
}

impl TlbPolicy {
    /// The names `--tlb-policy` accepts.
    pub const NAMES: [&'static str; 3] = ["lru", "fifo", "random"];
}

impl fmt::Display for TlbPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            TlbPolicy::Lru => "lru",
            TlbPolicy::Fifo => "fifo",
            TlbPolicy::Random => "random",
        };
        f.write_str(name)
    }
}

impl FromStr for TlbPolicy {
    type Err = String;

    fn from_str(name: &str) -> Result<TlbPolicy, String> {
        match name {
            "lru" => Ok(TlbPolicy::Lru),
            "fifo" => Ok(TlbPolicy::Fifo),
            "random" => Ok(TlbPolicy::Random),
            _ => Err(format!(
                "{name:?} is not a TLB policy; use one of {}",
                TlbPolicy::NAMES.join(", ")
            )),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    entry: TlbEntry,
    valid: bool,
    /// Value of the use counter at the last fill, and under LRU at the last
    /// hit too. The smallest in a set is the next victim of LRU and FIFO.
    last_use: u64,
}

/// A set-associative TLB.
#[derive(Clone, Debug)]
pub struct Tlb {
    /// Set `s` occupies `slots[s * ways..(s + 1) * ways]`.
    slots: Vec<Slot>,
    ways: usize,
    /// `sets - 1`; the number of sets is a power of two.
    set_mask: u32,
    policy: TlbPolicy,
    rng: SplitMix64,
    /// Index of the most recently used slot, checked first. A hit there
    /// leaves the order unchanged because that slot is already the newest.
    mru: usize,
    use_counter: u64,
}

impl Tlb {
    /// Creates an empty fully associative LRU TLB of `n_entries` entries;
    /// 0 disables it.
    pub fn new(n_entries: usize) -> Tlb {
        Tlb::with_organisation(n_entries, n_entries.max(1), TlbPolicy::Lru, 0)
    }

    /// Creates an empty TLB of `n_entries` entries in sets of `ways`,
    /// replacing within a set by `policy`; `seed` drives the random policy.
    /// 0 entries disables it.
    ///
    /// # Panics
    ///
    /// Panics unless `ways` is at least 1 and, for a non-empty TLB, divides
    /// `n_entries` into a power-of-two number of sets. The configuration is
    /// validated before a TLB is built.
    pub fn with_organisation(n_entries: usize, ways: usize, policy: TlbPolicy, seed: u64) -> Tlb {
        assert!(ways >= 1, "validated configurations have at least one way");
        let sets = n_entries / ways;
        assert!(
            n_entries == 0 || (n_entries.is_multiple_of(ways) && sets.is_power_of_two()),
            "validated configurations split the entries into a power-of-two number of sets"
        );
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
            ways,
            set_mask: (sets.max(1) - 1) as u32,
            policy,
            rng: SplitMix64::new(seed),
            mru: 0,
            use_counter: 0,
        }
    }

    /// Returns the number of entries.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Returns the index range in `slots` of the set `vpn` maps to.
    #[inline]
    fn set_of(&self, vpn: u32) -> std::ops::Range<usize> {
        let start = (vpn & self.set_mask) as usize * self.ways;
        start..start + self.ways
    }

    /// Looks up `vpn` in address space `asid`. Under LRU a hit makes the
    /// entry the most recently used; the returned reference allows updating
    /// its dirty bit.
    #[inline]
    pub fn lookup(&mut self, asid: Asid, vpn: u32) -> Option<&mut TlbEntry> {
        let matches = |slot: &Slot| slot.valid && slot.entry.vpn == vpn && slot.entry.asid == asid;
        let mru = self.mru;
        if self.slots.get(mru).is_some_and(matches) {
            return Some(&mut self.slots[mru].entry);
        }
        if self.slots.is_empty() {
            return None;
        }
        let set = self.set_of(vpn);
        let index = set.start + self.slots[set].iter().position(matches)?;
        if self.policy == TlbPolicy::Lru {
            self.use_counter += 1;
            self.slots[index].last_use = self.use_counter;
            self.mru = index;
        }
        Some(&mut self.slots[index].entry)
    }

    /// Inserts a translation into its set, replacing an invalid entry or
    /// else the policy's victim. Does nothing when the TLB has no entries.
    pub fn insert(&mut self, entry: TlbEntry) {
        if self.slots.is_empty() {
            return;
        }
        let set = self.set_of(entry.vpn);
        let start = set.start;
        let in_set = &self.slots[set];
        let offset = match in_set.iter().position(|slot| !slot.valid) {
            Some(offset) => offset,
            None => match self.policy {
                TlbPolicy::Lru | TlbPolicy::Fifo => in_set
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, slot)| slot.last_use)
                    .map(|(offset, _)| offset)
                    .expect("a set has at least one way"),
                TlbPolicy::Random => self.rng.below(self.ways as u64) as usize,
            },
        };
        let index = start + offset;
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

    /// Returns the cached VPNs of `asid` ordered by their stamp: under LRU
    /// from least to most recently used, under FIFO from oldest to newest
    /// fill.
    pub fn lru_order(&self, asid: Asid) -> Vec<u32> {
        let mut valid: Vec<&Slot> = self
            .slots
            .iter()
            .filter(|slot| slot.valid && slot.entry.asid == asid)
            .collect();
        valid.sort_by_key(|slot| slot.last_use);
        valid.iter().map(|slot| slot.entry.vpn).collect()
    }

    /// Returns the number of entries per set.
    pub fn ways(&self) -> usize {
        self.ways
    }

    /// Returns every valid entry as `(set, way, entry)`, in slot order.
    pub fn valid_entries(&self) -> Vec<(usize, usize, TlbEntry)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.valid)
            .map(|(index, slot)| (index / self.ways, index % self.ways, slot.entry))
            .collect()
    }

    /// Returns the valid entries in slot order, for inspection and checks.
    pub fn entries(&self) -> impl Iterator<Item = &TlbEntry> {
        self.slots
            .iter()
            .filter(|slot| slot.valid)
            .map(|slot| &slot.entry)
    }

    /// Returns the cached VPNs of `asid` in slot order.
    pub fn cached_vpns(&self, asid: Asid) -> Vec<u32> {
        self.slots
            .iter()
            .filter(|slot| slot.valid && slot.entry.asid == asid)
            .map(|slot| slot.entry.vpn)
            .collect()
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

    /// Runs `accesses` (look up, fill on a miss) and returns the hit count.
    fn run(tlb: &mut Tlb, accesses: &[u32]) -> usize {
        let mut hits = 0;
        for &vpn in accesses {
            if tlb.lookup(Asid(1), vpn).is_some() {
                hits += 1;
            } else {
                tlb.insert(entry(vpn));
            }
        }
        hits
    }

    #[test]
    fn organisations_hit_as_worked_out_by_hand() {
        /// Entries, ways, policy, accesses, expected hits, cached VPNs at the end.
        type Case = (
            usize,
            usize,
            TlbPolicy,
            &'static [u32],
            usize,
            &'static [u32],
        );
        let cases: [Case; 6] = [
            // Direct-mapped, 4 sets: 0 and 4 share set 0 and evict each other.
            (4, 1, TlbPolicy::Lru, &[0, 4, 0, 4], 0, &[4]),
            // The same four entries fully associative keep both.
            (4, 4, TlbPolicy::Lru, &[0, 4, 0, 4], 2, &[0, 4]),
            // Two sets of two: 0, 2, 4 share set 0; the hit on 0 makes 2 the
            // LRU victim of 4.
            (4, 2, TlbPolicy::Lru, &[0, 2, 0, 4, 0, 2], 2, &[0, 2]),
            // FIFO ignores the hit on 0, so 4 replaces 0, 0 replaces 2 and
            // 2 replaces 4.
            (4, 2, TlbPolicy::Fifo, &[0, 2, 0, 4, 0, 2], 1, &[0, 2]),
            // Odd VPNs go to set 1 and never disturb set 0.
            (
                4,
                2,
                TlbPolicy::Lru,
                &[0, 2, 1, 3, 5, 0, 2],
                2,
                &[0, 2, 3, 5],
            ),
            // No entries: nothing ever hits.
            (0, 1, TlbPolicy::Lru, &[1, 1, 1], 0, &[]),
        ];
        for (entries, ways, policy, accesses, hits, cached) in cases {
            let mut tlb = Tlb::with_organisation(entries, ways, policy, 7);
            let label = format!("{entries} entries, {ways} ways, {policy}, {accesses:?}");
            assert_eq!(run(&mut tlb, accesses), hits, "{label}");
            let mut vpns = tlb.cached_vpns(Asid(1));
            vpns.sort_unstable();
            assert_eq!(vpns, cached, "{label}");
        }
    }

    #[test]
    fn order_within_a_set_follows_the_policy() {
        let accesses = [0, 2, 4, 0];
        let mut lru = Tlb::with_organisation(8, 4, TlbPolicy::Lru, 0);
        run(&mut lru, &accesses);
        assert_eq!(lru.lru_order(Asid(1)), vec![2, 4, 0]);
        let mut fifo = Tlb::with_organisation(8, 4, TlbPolicy::Fifo, 0);
        run(&mut fifo, &accesses);
        assert_eq!(fifo.lru_order(Asid(1)), vec![0, 2, 4]);
    }

    #[test]
    fn random_replacement_repeats_for_a_seed() {
        let accesses: Vec<u32> = (0..200).map(|i| (i * 7 + i / 3) % 24).collect();
        let outcome = |seed: u64| {
            let mut tlb = Tlb::with_organisation(8, 8, TlbPolicy::Random, seed);
            let hits = run(&mut tlb, &accesses);
            (hits, tlb.cached_vpns(Asid(1)))
        };
        assert_eq!(outcome(3), outcome(3));
        let differs = (4..20).any(|seed| outcome(seed) != outcome(3));
        assert!(
            differs,
            "16 other seeds all replaced the same entries as seed 3"
        );
    }

    #[test]
    fn policy_names_round_trip() {
        for name in TlbPolicy::NAMES {
            let policy: TlbPolicy = name.parse().unwrap();
            assert_eq!(policy.to_string(), name);
        }
        let message = "plru".parse::<TlbPolicy>().unwrap_err();
        assert_eq!(
            message,
            "\"plru\" is not a TLB policy; use one of lru, fifo, random"
        );
    }
}
