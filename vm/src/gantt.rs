//! A run's CPU timeline and its text Gantt chart.
//!
//! The timeline lists who had the CPU from which tick to which: a thread,
//! a context switch, or nobody (idle). The chart prints it the way
//! textbooks draw it, one cell per slice with the start ticks below:
//!
//! ```text
//! | P1 | cs | P2 | idle | P1 |
//! 0    24   29   53     122  150
//! ```

/// One stretch of CPU time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slice {
    /// First tick.
    pub start: u64,
    /// Tick after the last.
    pub end: u64,
    /// Who had the CPU: `P<pid>` for a process's first thread,
    /// `P<pid>.T<tid>` for its other threads, `cs` for a context switch,
    /// `idle` for nobody.
    pub label: String,
}

/// Columns of one chart row before it wraps.
pub const ROW_WIDTH: usize = 100;

/// Renders `slices` as a text Gantt chart: rows of cells no wider than
/// [`ROW_WIDTH`] columns, each row followed by its tick line. Empty slices
/// are left out and neighbours with the same label are merged.
pub fn render(slices: &[Slice]) -> String {
    let mut merged: Vec<Slice> = Vec::new();
    for slice in slices.iter().filter(|slice| slice.end > slice.start) {
        match merged.last_mut() {
            Some(last) if last.label == slice.label && last.end == slice.start => {
                last.end = slice.end;
            }
            _ => merged.push(slice.clone()),
        }
    }
    let Some(last) = merged.last() else {
        return "(the CPU never ran)\n".to_string();
    };
    let final_tick = last.end;

    let mut out = String::new();
    let mut bar = String::new();
    let mut ticks = String::new();
    for slice in &merged {
        let cell = format!(" {} ", slice.label);
        let start = slice.start.to_string();
        let width = cell.len().max(start.len() + 1);
        // The cell needs its opening bar, and the row its closing one.
        if !bar.is_empty() && bar.len() + width + 2 > ROW_WIDTH {
            out.push_str(&format!("{bar}|\n{}\n", ticks.trim_end()));
            bar.clear();
            ticks.clear();
        }
        bar.push_str(&format!("|{cell:<width$}"));
        ticks.push_str(&format!("{start:<w$}", w = width + 1));
    }
    out.push_str(&format!("{bar}|\n{ticks}{final_tick}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(start: u64, end: u64, label: &str) -> Slice {
        Slice {
            start,
            end,
            label: label.to_string(),
        }
    }

    #[test]
    fn textbook_fcfs_chart() {
        let chart = render(&[slice(0, 24, "A"), slice(24, 27, "B"), slice(27, 30, "C")]);
        assert_eq!(chart, "| A | B | C |\n0   24  27  30\n");
    }

    #[test]
    fn neighbours_merge_and_empty_slices_vanish() {
        let chart = render(&[
            slice(0, 4, "P1"),
            slice(4, 9, "P1"),
            slice(9, 9, "cs"),
            slice(9, 20, "idle"),
        ]);
        assert_eq!(chart, "| P1 | idle |\n0    9      20\n");
    }

    #[test]
    fn long_charts_wrap() {
        let slices: Vec<Slice> = (0..40)
            .map(|i| slice(i * 10, i * 10 + 10, if i % 2 == 0 { "P1" } else { "P2" }))
            .collect();
        let chart = render(&slices);
        let lines: Vec<&str> = chart.lines().collect();
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|line| line.len() <= ROW_WIDTH), "{chart}");
        assert!(chart.ends_with("400\n"));
    }

    #[test]
    fn empty_timeline_says_so() {
        assert_eq!(render(&[]), "(the CPU never ran)\n");
    }
}
