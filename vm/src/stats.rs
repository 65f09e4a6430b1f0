//! Run statistics: the counters kept per process and their sum, printed as
//! a text table or as one JSON object.
//!
//! Counters are kept per process only; totals are summed when a run ends.

use serde::Serialize;
use std::io::{self, Write};

/// Event counters. Field order is the order of the JSON keys and of the table rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Instructions executed to completion.
    pub instructions: u64,
    /// Ticks spent: one per instruction, plus walk, fault and device costs.
    pub ticks: u64,
    /// Completed memory accesses (fetches, loads, stores); each is one
    /// reference of the reference string.
    pub accesses: u64,
    /// Completed accesses whose translation the TLB held.
    pub tlb_hits: u64,
    /// Completed accesses that needed a page walk (`tlb_hits + tlb_misses == accesses`).
    pub tlb_misses: u64,
    /// Page faults handled: `minor_faults + major_faults`.
    pub page_faults: u64,
    /// Page faults that read from swap or from the program image.
    pub major_faults: u64,
    /// Page faults served without device I/O (demand-zero pages).
    pub minor_faults: u64,
    /// Accesses to unmapped or forbidden addresses; not page faults.
    pub segfaults: u64,
    /// Pages removed from a frame to make room.
    pub evictions: u64,
    /// Pages read back from swap.
    pub swap_ins: u64,
    /// Pages written to swap.
    pub swap_outs: u64,
}

impl Counters {
    /// Adds every counter of `other` to `self`.
    pub fn add(&mut self, other: &Counters) {
        self.instructions += other.instructions;
        self.ticks += other.ticks;
        self.accesses += other.accesses;
        self.tlb_hits += other.tlb_hits;
        self.tlb_misses += other.tlb_misses;
        self.page_faults += other.page_faults;
        self.major_faults += other.major_faults;
        self.minor_faults += other.minor_faults;
        self.segfaults += other.segfaults;
        self.evictions += other.evictions;
        self.swap_ins += other.swap_ins;
        self.swap_outs += other.swap_outs;
    }

    /// Returns `(name, value)` pairs in key order.
    pub fn rows(&self) -> [(&'static str, u64); 12] {
        [
            ("instructions", self.instructions),
            ("ticks", self.ticks),
            ("accesses", self.accesses),
            ("tlb_hits", self.tlb_hits),
            ("tlb_misses", self.tlb_misses),
            ("page_faults", self.page_faults),
            ("major_faults", self.major_faults),
            ("minor_faults", self.minor_faults),
            ("segfaults", self.segfaults),
            ("evictions", self.evictions),
            ("swap_ins", self.swap_ins),
            ("swap_outs", self.swap_outs),
        ]
    }
}

/// End of a process, as the statistics report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndKind {
    /// Still running (the run ended early, for example on an output error).
    Running,
    /// Exited through `exit` or `halt`.
    Exited,
    /// Killed by the kernel (a fault, out of swap, out of page-table frames).
    Killed,
    /// Stopped because the run reached `--max-ticks`.
    Stopped,
}

/// Statistics of one process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProcessStats {
    /// Process id.
    pub pid: u32,
    /// Program name (the source file's name).
    pub name: String,
    /// Exit status passed to `exit`, or null when the process did not exit.
    pub exit_code: Option<i32>,
    /// The way the process ended.
    pub status: EndKind,
    /// Reason the process was killed or stopped, or null.
    pub reason: Option<String>,
    /// The process's counters.
    #[serde(flatten)]
    pub counters: Counters,
}

/// Statistics of a whole run: totals and every process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Sum over the processes.
    #[serde(flatten)]
    pub totals: Counters,
    /// Every process, in pid order.
    pub processes: Vec<ProcessStats>,
}

impl RunStats {
    /// Builds the statistics from per-process figures, summing the totals.
    pub fn from_processes(processes: Vec<ProcessStats>) -> RunStats {
        let mut totals = Counters::default();
        for process in &processes {
            totals.add(&process.counters);
        }
        RunStats { totals, processes }
    }

    /// Returns the statistics as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("statistics contain only numbers and strings")
    }

    /// Writes the summary table: one row per counter, one column for the
    /// total and one per process.
    ///
    /// # Errors
    ///
    /// Returns the writer's I/O error.
    pub fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut header = format!("{:<14} {:>12}", "counter", "total");
        for process in &self.processes {
            header.push_str(&format!(" {:>12}", format!("pid {}", process.pid)));
        }
        writeln!(out, "{header}")?;
        for (index, (name, total)) in self.totals.rows().iter().enumerate() {
            let mut line = format!("{name:<14} {total:>12}");
            for process in &self.processes {
                line.push_str(&format!(" {:>12}", process.counters.rows()[index].1));
            }
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RunStats {
        let counters = Counters {
            instructions: 3,
            ticks: 40,
            accesses: 5,
            tlb_hits: 2,
            tlb_misses: 3,
            page_faults: 2,
            major_faults: 1,
            minor_faults: 1,
            ..Counters::default()
        };
        RunStats::from_processes(vec![ProcessStats {
            pid: 1,
            name: "a.asm".into(),
            exit_code: Some(0),
            status: EndKind::Exited,
            reason: None,
            counters,
        }])
    }

    #[test]
    fn json_keys_are_in_fixed_order() {
        assert_eq!(
            sample().to_json(),
            concat!(
                r#"{"instructions":3,"ticks":40,"accesses":5,"tlb_hits":2,"tlb_misses":3,"#,
                r#""page_faults":2,"major_faults":1,"minor_faults":1,"segfaults":0,"#,
                r#""evictions":0,"swap_ins":0,"swap_outs":0,"processes":[{"pid":1,"#,
                r#""name":"a.asm","exit_code":0,"status":"exited","reason":null,"#,
                r#""instructions":3,"ticks":40,"accesses":5,"tlb_hits":2,"tlb_misses":3,"#,
                r#""page_faults":2,"major_faults":1,"minor_faults":1,"segfaults":0,"#,
                r#""evictions":0,"swap_ins":0,"swap_outs":0}]}"#
            )
        );
    }

    #[test]
    fn table_has_a_row_per_counter() {
        let mut out = Vec::new();
        sample().write_table(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 13);
        assert_eq!(lines[0], "counter               total        pid 1");
        assert_eq!(lines[1], "instructions              3            3");
    }
}
