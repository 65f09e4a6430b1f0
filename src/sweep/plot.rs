//! Draws a sweep's fault-rate curves as SVG with plotters: frames on the
//! x axis, fault rate on the y axis, one line per policy and a legend.
//!
//! Only plotters' SVG backend is built, without font libraries, so text
//! is written as SVG `<text>` elements and the viewer picks the font.

use anyhow::anyhow;
use pagelab_vm::sweep::SweepOutcome;
use plotters::prelude::*;

/// The size of the drawing in pixels.
const SIZE: (u32, u32) = (800, 500);

/// Renders `outcome` as an SVG document.
///
/// # Errors
///
/// Returns plotters' drawing error, naming what failed.
pub fn render(outcome: &SweepOutcome) -> anyhow::Result<String> {
    let mut svg = String::new();
    draw(outcome, &mut svg).map_err(|error| anyhow!("failed to draw the plot: {error}"))?;
    Ok(svg)
}

fn draw(outcome: &SweepOutcome, svg: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;

    // A single frame count still gets an axis one frame wide on each side.
    let first = outcome.frames.first().copied().unwrap_or(1) as i64;
    let last = outcome.frames.last().copied().unwrap_or(1) as i64;
    let x_range = if first == last {
        (first - 1)..(last + 1)
    } else {
        first..last
    };

    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Fault rate over {} references", outcome.references),
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("frames")
        .y_desc("fault rate")
        .y_label_formatter(&|rate| format!("{:.0}%", rate * 100.0))
        .draw()?;

    for (index, curve) in outcome.curves.iter().enumerate() {
        let color = Palette99::pick(index);
        let points = curve
            .points
            .iter()
            .filter_map(|point| Some((point.frames as i64, point.fault_rate?)));
        // The legend marks each policy with a filled box rather than a line,
        // so the document has exactly one line (a `<polyline>`) per policy.
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(curve.policy.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
