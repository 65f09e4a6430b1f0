//! Run statistics: the counters kept per process and their sum, printed as
//! a text table or as one JSON object.
//!
//! Counters are kept per process only; totals are summed when a run ends.

use crate::eat::{AccessCosts, EffectiveAccessTime};
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
    /// Stores to copy-on-write pages: each copied the page, or made the
    /// last sharer's mapping writable. Not counted in `page_faults`.
    pub cow_faults: u64,
    /// Pages of mounted files read from their file (major faults).
    pub file_page_ins: u64,
    /// Dirty pages of mounted files written back to their file: on
    /// eviction, `munmap` and process exit.
    pub file_page_outs: u64,
    /// Page-table entries the MMU read during walks: one per level reached,
    /// including walks that ended in a fault and the walks that retried them.
    pub pte_reads: u64,
    /// Segmentation faults in the unmapped gap just below the stack: a
    /// stack that outgrew `--stack-limit`. Also counted in `segfaults`.
    pub stack_overflows: u64,
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
        self.cow_faults += other.cow_faults;
        self.file_page_ins += other.file_page_ins;
        self.file_page_outs += other.file_page_outs;
        self.pte_reads += other.pte_reads;
        self.stack_overflows += other.stack_overflows;
    }

    /// Returns `(name, value)` pairs in key order.
    pub fn rows(&self) -> [(&'static str, u64); 17] {
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
            ("cow_faults", self.cow_faults),
            ("file_page_ins", self.file_page_ins),
            ("file_page_outs", self.file_page_outs),
            ("pte_reads", self.pte_reads),
            ("stack_overflows", self.stack_overflows),
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// The process's scheduling times.
    #[serde(flatten)]
    pub timing: Timing,
    /// Effective access time, present when access costs were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eat: Option<EffectiveAccessTime>,
}

/// Scheduling times of one process, in ticks, as textbooks define them.
/// A time that has not happened (a process that never ran or never
/// finished) is null.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Timing {
    /// Clock value when the process was created.
    pub arrival: u64,
    /// Clock value when it first got the CPU.
    pub first_run: Option<u64>,
    /// Clock value when it terminated.
    pub finish: Option<u64>,
    /// `finish - arrival`.
    pub turnaround: Option<u64>,
    /// Ticks its threads spent ready but not running.
    pub waiting: u64,
    /// `first_run - arrival`.
    pub response: Option<u64>,
    /// Ticks its threads spent on the CPU (instructions, walks, fault handling).
    pub cpu_ticks: u64,
    /// Times one of its threads got the CPU after a different thread had it.
    pub context_switches: u64,
}

impl Timing {
    /// Returns `(name, value)` pairs in key order; `None` is a time that did not happen.
    pub fn rows(&self) -> [(&'static str, Option<u64>); 8] {
        [
            ("arrival", Some(self.arrival)),
            ("first_run", self.first_run),
            ("finish", self.finish),
            ("turnaround", self.turnaround),
            ("waiting", Some(self.waiting)),
            ("response", self.response),
            ("cpu_ticks", Some(self.cpu_ticks)),
            ("context_switches", Some(self.context_switches)),
        ]
    }
}

/// Breakdown of the clock's ticks, for [`RunStats::from_processes`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockTotals {
    /// The clock at the end of the run.
    pub elapsed_ticks: u64,
    /// Ticks spent on context switches.
    pub switch_ticks: u64,
    /// Ticks with no thread ready.
    pub idle_ticks: u64,
}

/// Statistics of a whole run: totals, the CPU's use, and every process.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunStats {
    /// Sum over the processes.
    #[serde(flatten)]
    pub totals: Counters,
    /// The clock at the end of the run.
    pub elapsed_ticks: u64,
    /// Ticks spent switching between threads (`--switch-cost` each).
    pub switch_ticks: u64,
    /// Ticks with no thread ready, the CPU waiting for a device or a timer.
    pub idle_ticks: u64,
    /// Ticks a thread was on the CPU ÷ `elapsed_ticks` (0 for an empty run).
    /// Idle ticks and context-switch ticks are the rest.
    pub cpu_utilization: f64,
    /// Every process, in pid order.
    pub processes: Vec<ProcessStats>,
    /// Effective access time over all processes, present when access
    /// costs were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eat: Option<EffectiveAccessTime>,
}

impl RunStats {
    /// Builds the statistics from per-process figures and the clock's
    /// totals, summing the counters.
    pub fn from_processes(processes: Vec<ProcessStats>, clock: ClockTotals) -> RunStats {
        let ClockTotals {
            elapsed_ticks,
            switch_ticks,
            idle_ticks,
        } = clock;
        let mut totals = Counters::default();
        let mut busy = 0;
        for process in &processes {
            totals.add(&process.counters);
            busy += process.timing.cpu_ticks;
        }
        let cpu_utilization = if elapsed_ticks == 0 {
            0.0
        } else {
            // Rounded to 4 decimals so the JSON is the same on every platform.
            (busy as f64 / elapsed_ticks as f64 * 1e4).round() / 1e4
        };
        RunStats {
            totals,
            elapsed_ticks,
            switch_ticks,
            idle_ticks,
            cpu_utilization,
            processes,
            eat: None,
        }
    }

    /// Adds the effective access time, rounded to 4 decimals, to the
    /// totals and to every process. `levels` is the machine's number of
    /// page-table levels.
    pub fn add_access_time(&mut self, costs: AccessCosts, levels: u32, tlb_enabled: bool) {
        let compute = |counters: &Counters| {
            EffectiveAccessTime::compute(costs, levels, tlb_enabled, counters).rounded()
        };
        self.eat = Some(compute(&self.totals));
        for process in &mut self.processes {
            process.eat = Some(compute(&process.counters));
        }
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
            let mut line = label_column(name, &total.to_string());
            for process in &self.processes {
                line.push_str(&format!(" {:>12}", process.counters.rows()[index].1));
            }
            writeln!(out, "{line}")?;
        }
        for (index, (name, _)) in Timing::default().rows().iter().enumerate() {
            let mut line = format!("{name:<16} {:>10}", "");
            for process in &self.processes {
                let value = match process.timing.rows()[index].1 {
                    Some(value) => value.to_string(),
                    None => "-".to_string(),
                };
                line.push_str(&format!(" {value:>12}"));
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out, "{:<14} {:>12}", "elapsed_ticks", self.elapsed_ticks)?;
        writeln!(out, "{:<14} {:>12}", "switch_ticks", self.switch_ticks)?;
        writeln!(out, "{:<14} {:>12}", "idle_ticks", self.idle_ticks)?;
        writeln!(
            out,
            "{:<15} {:>11.4}",
            "cpu_utilization", self.cpu_utilization
        )?;
        if let Some(eat) = &self.eat {
            self.write_access_time(out, eat)?;
        }
        Ok(())
    }

    /// Writes the inputs of the effective access time and one row per
    /// ratio and figure, with the same columns as the counters.
    fn write_access_time(&self, out: &mut dyn Write, eat: &EffectiveAccessTime) -> io::Result<()> {
        let costs = eat.costs;
        let tlb = if eat.tlb_enabled {
            format!("T={}", costs.tlb_cost)
        } else {
            format!("T=0 (no TLB, --tlb-cost {} unused)", costs.tlb_cost)
        };
        writeln!(
            out,
            "effective access time in ticks per access: {tlb} M={} D={} L={}",
            costs.mem_cost, costs.disk_cost, eat.levels
        )?;
        writeln!(out, "  formula  h(T+M) + (1-h)(T+(L+1)M) + pD")?;
        writeln!(
            out,
            "  measured (T*accesses + M*(accesses+pte_reads) + D*page_faults) / accesses"
        )?;
        let format_value = |value: Option<f64>| match value {
            Some(value) => format!("{value:.4}"),
            None => "-".to_string(),
        };
        for (index, (name, total)) in eat.rows().iter().enumerate() {
            let mut line = label_column(name, &format_value(*total));
            for process in &self.processes {
                let value = process.eat.and_then(|eat| eat.rows()[index].1);
                line.push_str(&format!(" {:>12}", format_value(value)));
            }
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// Formats a row's name and its total column, 27 characters wide, so a
/// name longer than 14 characters narrows the total's field.
fn label_column(name: &str, total: &str) -> String {
    let width = 26usize.saturating_sub(name.len()).max(total.len());
    format!("{name} {total:>width$}")
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
        RunStats::from_processes(
            vec![ProcessStats {
                pid: 1,
                name: "a.asm".into(),
                exit_code: Some(0),
                status: EndKind::Exited,
                reason: None,
                counters,
                timing: Timing {
                    arrival: 0,
                    first_run: Some(0),
                    finish: Some(40),
                    turnaround: Some(40),
                    waiting: 0,
                    response: Some(0),
                    cpu_ticks: 30,
                    context_switches: 0,
                },
                eat: None,
            }],
            ClockTotals {
                elapsed_ticks: 40,
                switch_ticks: 4,
                idle_ticks: 6,
            },
        )
    }

    #[test]
    fn json_keys_are_in_fixed_order() {
        assert_eq!(
            sample().to_json(),
            concat!(
                r#"{"instructions":3,"ticks":40,"accesses":5,"tlb_hits":2,"tlb_misses":3,"#,
                r#""page_faults":2,"major_faults":1,"minor_faults":1,"segfaults":0,"#,
                r#""evictions":0,"swap_ins":0,"swap_outs":0,"cow_faults":0,"file_page_ins":0,"#,
                r#""file_page_outs":0,"pte_reads":0,"stack_overflows":0,"#,
                r#""elapsed_ticks":40,"switch_ticks":4,"#,
                r#""idle_ticks":6,"#,
                r#""cpu_utilization":0.75,"processes":[{"pid":1,"#,
                r#""name":"a.asm","exit_code":0,"status":"exited","reason":null,"#,
                r#""instructions":3,"ticks":40,"accesses":5,"tlb_hits":2,"tlb_misses":3,"#,
                r#""page_faults":2,"major_faults":1,"minor_faults":1,"segfaults":0,"#,
                r#""evictions":0,"swap_ins":0,"swap_outs":0,"cow_faults":0,"file_page_ins":0,"#,
                r#""file_page_outs":0,"pte_reads":0,"stack_overflows":0,"#,
                r#""arrival":0,"first_run":0,"#,
                r#""finish":40,"turnaround":40,"waiting":0,"response":0,"cpu_ticks":30,"#,
                r#""context_switches":0}]}"#
            )
        );
    }

    #[test]
    fn table_has_a_row_per_counter() {
        let mut out = Vec::new();
        sample().write_table(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 30);
        assert_eq!(lines[0], "counter               total        pid 1");
        assert_eq!(lines[1], "instructions              3            3");
        assert_eq!(lines[14], "file_page_ins             0            0");
        assert_eq!(lines[15], "file_page_outs            0            0");
        assert_eq!(lines[17], "stack_overflows           0            0");
        assert_eq!(lines[19], "first_run                              0");
        assert_eq!(lines[26], "elapsed_ticks            40");
        assert_eq!(lines[27], "switch_ticks              4");
        assert_eq!(lines[29], "cpu_utilization      0.7500");
    }

    #[test]
    fn table_shows_access_time() {
        let mut stats = sample();
        let costs = AccessCosts {
            tlb_cost: 1,
            mem_cost: 10,
            disk_cost: 100,
        };
        stats.add_access_time(costs, 2, true);
        let mut out = Vec::new();
        stats.write_table(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 37);
        assert_eq!(
            lines[30],
            "effective access time in ticks per access: T=1 M=10 D=100 L=2"
        );
        // h = 2/5, p = 2/5: 0.4·11 + 0.6·31 + 0.4·100 = 63.
        assert_eq!(lines[33], "tlb_hit_ratio        0.4000       0.4000");
        assert_eq!(lines[35], "eat_formula         63.0000      63.0000");
        // No page-table read was counted, so measured is (5 + 50 + 200) / 5.
        assert_eq!(lines[36], "eat_measured        51.0000      51.0000");
    }

    #[test]
    fn json_access_time_needs_costs() {
        let mut stats = sample();
        assert!(!stats.to_json().contains("\"eat\""));
        let costs = AccessCosts {
            tlb_cost: 1,
            mem_cost: 10,
            disk_cost: 100,
        };
        stats.add_access_time(costs, 2, true);
        let json: serde_json::Value = serde_json::from_str(&stats.to_json()).unwrap();
        assert_eq!(json["eat"]["formula"], 63.0);
        assert_eq!(json["eat"]["levels"], 2);
        assert_eq!(json["processes"][0]["eat"]["measured"], 51.0);
    }
}
