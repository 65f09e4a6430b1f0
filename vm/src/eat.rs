//! Effective memory-access time (EAT): the textbook formula evaluated with a
//! run's measured ratios, next to the same costs applied to the events the
//! run counted.
//!
//! The costs are a price list for reporting only. They never change the
//! clock, so a run gives the same trace and counters with or without them.
//!
//! With TLB lookup cost `T`, memory access cost `M`, page-fault service
//! cost `D`, `L` page-table levels, TLB hit ratio `h = tlb_hits / accesses`
//! and fault rate `p = page_faults / accesses`:
//!
//! ```text
//! formula  = h·(T + M) + (1 − h)·(T + (L + 1)·M) + p·D
//! measured = (T·accesses + M·(accesses + pte_reads) + D·page_faults) / accesses
//! ```
//!
//! The formula is the usual hit/miss form with one memory access per table
//! level on a miss (worked for one and two levels in
//! <http://www.ecst.csuchico.edu/~hilzer/csci152/htm/EAT-TLB.htm>), plus a
//! page-fault term `p·D` for the fault service time. `T` is 0 when the TLB
//! is off, because no lookup happens. Both figures count `T` and `D`
//! alike, so they differ only in the page-table reads. The formula assumes
//! that a miss reads all `L` levels once. The run also reads entries on
//! each walk that ends in a fault, before the retried access walks again,
//! and on the walk of an access that killed its process. So
//! `measured >= formula`, and the two are equal exactly when
//! `pte_reads == L · tlb_misses`, which holds when no fault was handled.

use crate::stats::Counters;
use serde::Serialize;

/// Costs in ticks of the three steps of an access, set by `--tlb-cost`,
/// `--mem-cost` and `--disk-cost`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AccessCosts {
    /// `T`: one TLB lookup.
    pub tlb_cost: u64,
    /// `M`: one memory access, either a page-table entry or the data.
    pub mem_cost: u64,
    /// `D`: servicing one page fault.
    pub disk_cost: u64,
}

/// The effective access time of one process or of a whole run, with its
/// inputs. The ratios and figures are null when nothing was accessed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EffectiveAccessTime {
    /// The costs, as given.
    #[serde(flatten)]
    pub costs: AccessCosts,
    /// `L`: page-table levels of the machine.
    pub levels: u32,
    /// Whether the machine has a TLB. Without one, `T` counts as 0.
    pub tlb_enabled: bool,
    /// `h`: completed accesses that hit in the TLB, divided by accesses.
    pub tlb_hit_ratio: Option<f64>,
    /// `p`: page faults divided by accesses.
    pub fault_rate: Option<f64>,
    /// The textbook formula with `h` and `p`, in ticks per access.
    pub formula: Option<f64>,
    /// The costs applied to the run's completed accesses, page-table
    /// entry reads and page faults, in ticks per access.
    pub measured: Option<f64>,
}

impl EffectiveAccessTime {
    /// Computes both figures from `counters`, unrounded.
    pub fn compute(
        costs: AccessCosts,
        levels: u32,
        tlb_enabled: bool,
        counters: &Counters,
    ) -> EffectiveAccessTime {
        let mut eat = EffectiveAccessTime {
            costs,
            levels,
            tlb_enabled,
            tlb_hit_ratio: None,
            fault_rate: None,
            formula: None,
            measured: None,
        };
        if counters.accesses == 0 {
            return eat;
        }
        let accesses = counters.accesses as f64;
        let lookup = if tlb_enabled { costs.tlb_cost } else { 0 };
        let (t, m, d) = (lookup as f64, costs.mem_cost as f64, costs.disk_cost as f64);
        let h = counters.tlb_hits as f64 / accesses;
        let p = counters.page_faults as f64 / accesses;
        let miss_cost = t + (levels as f64 + 1.0) * m;
        eat.tlb_hit_ratio = Some(h);
        eat.fault_rate = Some(p);
        eat.formula = Some(h * (t + m) + (1.0 - h) * miss_cost + p * d);

        // Summed in integers, so only the final division rounds.
        let charged = u128::from(lookup) * u128::from(counters.accesses)
            + u128::from(costs.mem_cost)
                * (u128::from(counters.accesses) + u128::from(counters.pte_reads))
            + u128::from(costs.disk_cost) * u128::from(counters.page_faults);
        eat.measured = Some(charged as f64 / accesses);
        eat
    }

    /// Returns a copy with the ratios and figures rounded to 4 decimals,
    /// the form printed in the summary and the JSON.
    pub fn rounded(self) -> EffectiveAccessTime {
        let round = |value: Option<f64>| value.map(|v| (v * 1e4).round() / 1e4);
        EffectiveAccessTime {
            tlb_hit_ratio: round(self.tlb_hit_ratio),
            fault_rate: round(self.fault_rate),
            formula: round(self.formula),
            measured: round(self.measured),
            ..self
        }
    }

    /// Returns `(name, value)` pairs for the summary table's rows.
    pub fn rows(&self) -> [(&'static str, Option<f64>); 4] {
        [
            ("tlb_hit_ratio", self.tlb_hit_ratio),
            ("fault_rate", self.fault_rate),
            ("eat_formula", self.formula),
            ("eat_measured", self.measured),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COSTS: AccessCosts = AccessCosts {
        tlb_cost: 1,
        mem_cost: 10,
        disk_cost: 1000,
    };

    #[test]
    fn no_access_gives_null_figures() {
        let eat = EffectiveAccessTime::compute(COSTS, 2, true, &Counters::default());
        assert_eq!(eat.formula, None);
        assert_eq!(eat.measured, None);
        assert_eq!(eat.tlb_hit_ratio, None);
    }

    #[test]
    fn full_walks_without_faults_agree() {
        // 8 hits and 2 misses of 2 levels each: 8·11 + 2·31 = 150 ticks.
        let counters = Counters {
            accesses: 10,
            tlb_hits: 8,
            tlb_misses: 2,
            pte_reads: 4,
            ..Counters::default()
        };
        let eat = EffectiveAccessTime::compute(COSTS, 2, true, &counters);
        assert_eq!(eat.measured, Some(15.0));
        assert!((eat.formula.unwrap() - 15.0).abs() < 1e-12);
    }

    #[test]
    fn disabled_tlb_costs_no_lookup() {
        let counters = Counters {
            accesses: 4,
            tlb_misses: 4,
            pte_reads: 8,
            ..Counters::default()
        };
        let eat = EffectiveAccessTime::compute(COSTS, 2, false, &counters);
        assert_eq!(eat.measured, Some(30.0));
        assert_eq!(eat.formula, Some(30.0));
    }

    #[test]
    fn rounding_keeps_four_decimals() {
        let counters = Counters {
            accesses: 3,
            tlb_hits: 1,
            tlb_misses: 2,
            pte_reads: 4,
            ..Counters::default()
        };
        let eat = EffectiveAccessTime::compute(COSTS, 2, true, &counters).rounded();
        assert_eq!(eat.tlb_hit_ratio, Some(0.3333));
        assert_eq!(eat.measured, Some(24.3333));
    }
}
