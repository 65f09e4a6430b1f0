//! A run's CPU timeline, drawn as a text or SVG Gantt chart.
//!
//! The timeline lists who had the CPU from which tick to which: a thread,
//! a context switch, or nobody (idle). The chart prints it the way
//! textbooks draw it, one cell per slice with the start ticks below:
//!
//! ```text
//! | P1 | cs | P2 | idle | P1 |
//! 0    24   29   53     122  150
//! ```

use std::collections::BTreeMap;

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

/// Merges neighbouring slices with the same label and drops empty ones.
fn merge(slices: &[Slice]) -> Vec<Slice> {
    let mut merged: Vec<Slice> = Vec::new();
    for slice in slices.iter().filter(|slice| slice.end > slice.start) {
        match merged.last_mut() {
            Some(last) if last.label == slice.label && last.end == slice.start => {
                last.end = slice.end;
            }
            _ => merged.push(slice.clone()),
        }
    }
    merged
}

/// Width of the SVG chart's time axis, in pixels.
pub const SVG_WIDTH: u64 = 1000;

/// Fill colours of thread rows, picked by the label's position among the
/// distinct labels; idle and switch time are grey.
const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
];

/// Renders `slices` as an SVG Gantt chart: one row per label (threads
/// first, in order of appearance, then `cs` and `idle`), time on the x axis
/// scaled to [`SVG_WIDTH`] pixels, with the start and end ticks labelled.
pub fn render_svg(slices: &[Slice]) -> String {
    let merged = merge(slices);
    let end = merged.last().map_or(1, |slice| slice.end.max(1));
    // Rows in order of appearance, with a map from label to row index so
    // that placing a slice does not scan every row.
    let mut rows: Vec<&str> = Vec::new();
    let mut row_of: BTreeMap<&str, usize> = BTreeMap::new();
    for slice in &merged {
        let label = slice.label.as_str();
        if label != "cs" && label != "idle" && !row_of.contains_key(label) {
            row_of.insert(label, rows.len());
            rows.push(label);
        }
    }
    for special in ["cs", "idle"] {
        if merged.iter().any(|slice| slice.label == special) {
            row_of.insert(special, rows.len());
            rows.push(special);
        }
    }

    let (left, row_height, top) = (80u64, 24u64, 10u64);
    let height = top + row_height * rows.len() as u64 + 30;
    let x = |tick: u64| left + tick.saturating_mul(SVG_WIDTH) / end;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"monospace\" font-size=\"12\">\n",
        left + SVG_WIDTH + 40
    );
    for (index, row) in rows.iter().enumerate() {
        let y = top + row_height * index as u64;
        svg.push_str(&format!(
            "<text x=\"4\" y=\"{}\">{row}</text>\n",
            y + row_height / 2 + 4
        ));
    }
    for slice in &merged {
        let index = *row_of
            .get(slice.label.as_str())
            .expect("every label has a row");
        let colour = match slice.label.as_str() {
            "cs" => "#555555",
            "idle" => "#bbbbbb",
            _ => PALETTE[index % PALETTE.len()],
        };
        let (x0, x1) = (x(slice.start), x(slice.end));
        svg.push_str(&format!(
            "<rect x=\"{x0}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\"><title>{} {}..{}</title></rect>\n",
            top + row_height * index as u64 + 2,
            (x1 - x0).max(1),
            row_height - 4,
            slice.label,
            slice.start,
            slice.end
        ));
    }
    let axis_y = top + row_height * rows.len() as u64 + 16;
    svg.push_str(&format!(
        "<text x=\"{left}\" y=\"{axis_y}\">0</text>\n<text x=\"{}\" y=\"{axis_y}\" text-anchor=\"end\">{end} ticks</text>\n</svg>\n",
        left + SVG_WIDTH
    ));
    svg
}

/// Columns of one chart row before it wraps.
pub const ROW_WIDTH: usize = 100;

/// Renders `slices` as a text Gantt chart: rows of cells no wider than
/// [`ROW_WIDTH`] columns, each row followed by its tick line. Empty slices
/// are left out and neighbours with the same label are merged.
pub fn render(slices: &[Slice]) -> String {
    let merged = merge(slices);
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
    fn svg_has_a_row_per_label_and_a_rect_per_slice() {
        let svg = render_svg(&[
            slice(0, 10, "P1"),
            slice(10, 15, "cs"),
            slice(15, 40, "P2"),
            slice(40, 50, "idle"),
            slice(50, 100, "P1"),
        ]);
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<rect ").count(), 5);
        let labels: Vec<&str> = ["P1", "P2", "cs", "idle"].to_vec();
        for label in labels {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        }
        // Time 50 of 100 is half of the 1000-pixel axis after the 80-pixel margin.
        assert!(svg.contains("<rect x=\"580\""), "{svg}");
        assert!(svg.contains("100 ticks"));
    }

    #[test]
    fn svg_of_many_threads_is_linear() {
        // 20000 threads that each run 10 times in turn. Looking up a
        // label's row must not scan every row: that scan made the chart
        // of a spawn-and-yield guest take minutes.
        let n_threads = 20_000u64;
        let slices: Vec<Slice> = (0..10 * n_threads)
            .map(|i| slice(i, i + 1, &format!("P1.T{}", i % n_threads + 1)))
            .collect();

        let started = std::time::Instant::now();
        let svg = render_svg(&slices);
        let elapsed = started.elapsed();

        assert_eq!(svg.matches("<rect ").count(), slices.len());
        assert_eq!(svg.matches("</text>").count(), 20_000 + 2);
        assert!(
            elapsed < std::time::Duration::from_secs(10),
            "rendering took {elapsed:?}"
        );
    }

    #[test]
    fn empty_timeline_says_so() {
        assert_eq!(render(&[]), "(the CPU never ran)\n");
    }
}
