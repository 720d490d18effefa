//! Charts written to files (SVG, drawn with `plotters`): the precision–recall sweep of `eval`
//! and one pair's match weights — the waterfall — of `explain`. Owns their drawing only; the
//! figures are the registry's (`Registry::evaluate`, `Registry::explain`).

use anyhow::{anyhow, Result};
use athar_link::Explanation;
use athar_registry::eval::{f1, SweepPoint};
use plotters::coord::Shift;
use plotters::prelude::*;

const BLUE: RGBColor = RGBColor(0x1f, 0x6f, 0xeb);
const GREEN: RGBColor = RGBColor(0x1a, 0x7f, 0x37);
const RED: RGBColor = RGBColor(0xcf, 0x22, 0x2e);
const GREY: RGBColor = RGBColor(0x6e, 0x77, 0x81);

fn drawing_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("cannot draw the chart: {e:?}")
}

/// Precision against recall at each threshold of `sweep`, the threshold `link` merges at by
/// default (`link_threshold`) and the best F1 marked; each point labelled with its threshold
/// where the label does not cover another.
pub fn precision_recall(sweep: &[SweepPoint], link_threshold: f64) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        draw_precision_recall(&root, sweep, link_threshold)?;
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

fn draw_precision_recall(
    root: &DrawingArea<SVGBackend, Shift>,
    sweep: &[SweepPoint],
    link_threshold: f64,
) -> Result<()> {
    // The axes from a round tenth below the lowest value to 1: the differences that matter
    // are in the last tenths.
    let low = |v: f64| ((v - 0.02) * 10.0).floor().clamp(0.0, 9.0) / 10.0;
    let x_low = sweep.iter().map(|p| low(p.2)).fold(0.9, f64::min);
    let y_low = sweep.iter().map(|p| low(p.1)).fold(0.9, f64::min);
    let mut chart = ChartBuilder::on(root)
        .caption("Links against the truth: precision and recall by merge threshold", ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(56)
        // A little room above 1 for the labels of points at 1.
        .build_cartesian_2d(x_low..1.0, y_low..1.0 + (1.0 - y_low) * 0.05)
        .map_err(drawing_error)?;
    chart
        .configure_mesh()
        .x_desc("recall (share of true pairs linked)")
        .y_desc("precision (share of links that are true)")
        .x_labels(11)
        .y_labels(11)
        .x_label_formatter(&|v| format!("{v:.2}"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(drawing_error)?;
    let points: Vec<(f64, f64)> = sweep.iter().map(|&(_, p, r)| (r, p)).collect();
    chart
        .draw_series(LineSeries::new(points.iter().copied(), BLUE.stroke_width(2)))
        .map_err(drawing_error)?
        .label("a merge threshold (its value beside the point)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart.draw_series(points.iter().map(|&(r, p)| Circle::new((r, p), 3, BLUE.filled()))).map_err(drawing_error)?;
    // Marked points: the link's default threshold and the best F1.
    // The link's threshold is marked only where the sweep has it: a neighbour would be named wrongly.
    let at = |t: f64| sweep.iter().find(|p| (p.0 - t).abs() < 1e-9).copied();
    let best = sweep.iter().max_by(|a, b| f1(a.1, a.2).total_cmp(&f1(b.1, b.2))).copied();
    let mut placed: Vec<(i32, i32)> = Vec::new();
    if let Some((t, p, r)) = at(link_threshold) {
        chart
            .draw_series(std::iter::once(Circle::new((r, p), 7, RED.stroke_width(2))))
            .map_err(drawing_error)?
            .label(format!("link's default threshold {t:.2}: precision {p:.3}, recall {r:.3}"))
            .legend(|(x, y)| Circle::new((x + 10, y), 6, RED.stroke_width(2)));
    }
    if let Some((t, p, r)) = best {
        chart
            .draw_series(std::iter::once(TriangleMarker::new((r, p), 8, GREEN.filled())))
            .map_err(drawing_error)?
            .label(format!("best F1 {:.3} at threshold {t:.2}", f1(p, r)))
            .legend(|(x, y)| TriangleMarker::new((x + 10, y), 6, GREEN.filled()));
    }
    // Thresholds beside their points, each where it covers no label already placed.
    for &(t, p, r) in sweep {
        let (x, y) = chart.backend_coord(&(r, p));
        let at = (x + 8, y - 16);
        if placed.iter().any(|&(px, py)| (px - at.0).abs() < 34 && (py - at.1).abs() < 14) {
            continue;
        }
        placed.push(at);
        root.draw(&Text::new(format!("{t:.2}"), at, ("sans-serif", 12).into_font().color(&GREY)))
            .map_err(drawing_error)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()
        .map_err(drawing_error)?;
    Ok(())
}

/// One pair's match weights as a waterfall, as Splink draws it: the prior, then each
/// comparison's bits from where the last one ended (green for, red against), then the total
/// and the probability. `title` names the pair (and a judgement, when there is one).
pub fn waterfall(e: &Explanation, title: &str) -> Result<String> {
    // Rows from the top: prior, each line, total.
    let mut rows: Vec<(String, f64, f64)> = Vec::with_capacity(e.lines.len() + 2);
    rows.push(("prior".to_string(), 0.0, e.prior_weight));
    let mut running = e.prior_weight;
    for l in &e.lines {
        let label = format!("{}: {}", l.comparison, l.level);
        rows.push((label, running, running + l.weight));
        running += l.weight;
    }
    rows.push((format!("total → probability {:.4}", e.probability), 0.0, e.total));
    let ends = rows.iter().flat_map(|r| [r.1, r.2]);
    let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.08).max(1.0);
    let n = rows.len() as u32;
    let height = 120 + 28 * n;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(330)
            .build_cartesian_2d((lo - pad)..(hi + pad), (0..n - 1).into_segmented())
            .map_err(drawing_error)?;
        let label_of = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) if *i < n => {
                rows.get((n - 1 - *i) as usize).map(|r| shorten(&r.0, 52)).unwrap_or_default()
            }
            SegmentValue::CenterOf(_) | SegmentValue::Exact(_) => String::new(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .x_desc("match weight (bits of evidence; each bit doubles the odds)")
            .y_labels(n as usize)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|v| format!("{v:+.0}"))
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(drawing_error)?;
        // The line of no evidence.
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
                GREY.stroke_width(1),
            )))
            .map_err(drawing_error)?;
        for (k, (_, from, to)) in rows.iter().enumerate() {
            let row = n - 1 - k as u32;
            let last = k + 1 == rows.len();
            let colour = if last {
                BLUE
            } else if to >= from {
                GREEN
            } else {
                RED
            };
            let (a, b) = (from.min(*to), from.max(*to));
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, SegmentValue::Exact(row)), (b.max(a + 0.02), SegmentValue::Exact(row + 1))],
                    colour.mix(0.8).filled(),
                )))
                .map_err(drawing_error)?;
            let value = if k == 0 || last { *to } else { to - from };
            let (x, y) = chart.backend_coord(&(b, SegmentValue::CenterOf(row)));
            root.draw(&Text::new(format!("{value:+.2}"), (x + 6, y - 6), ("sans-serif", 12).into_font().color(&BLACK)))
                .map_err(drawing_error)?;
        }
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

/// A label cut to `most` characters, with an ellipsis.
fn shorten(s: &str, most: usize) -> String {
    if s.chars().count() <= most {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(most - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use athar_link::model::WeightLine;
    use athar_link::LineKind;

    #[test]
    fn the_precision_recall_chart_has_axes_a_legend_and_the_thresholds() {
        let sweep =
            vec![(0.3, 0.80, 0.97), (0.5, 0.90, 0.95), (0.9, 0.97, 0.90), (0.95, 0.985, 0.86), (0.99, 0.995, 0.70)];
        let svg = precision_recall(&sweep, 0.95).unwrap();
        assert!(svg.starts_with("<svg"), "an SVG document");
        for text in ["recall (share of true pairs linked)", "precision (share of links that are true)", "0.95", "0.30"]
        {
            assert!(svg.contains(text), "{text} is drawn");
        }
        assert!(svg.contains("link&apos;s default threshold 0.95") || svg.contains("link's default threshold 0.95"));
        // The best F1 of these points is at 0.9 (2 · 0.97 · 0.90 / 1.87 = 0.9337).
        assert!(svg.contains("best F1 0.934 at threshold 0.90"), "{svg}");
        // A sweep without the link's threshold marks none (its neighbour is not it).
        let svg = precision_recall(&sweep[..3], 0.95).unwrap();
        assert!(!svg.contains("default threshold"), "no point is named the link's threshold");
    }

    #[test]
    fn the_waterfall_shows_each_comparison_and_its_weight_from_where_the_last_ended() {
        let line = |comparison: &str, level: &str, weight: f64| WeightLine {
            kind: LineKind::Level,
            field: None,
            comparison: comparison.into(),
            level: level.into(),
            weight,
            m: None,
            u: None,
            a: None,
            b: None,
            reason: None,
        };
        let e = Explanation {
            prior_weight: -10.0,
            lines: vec![line("given_name", "same name", 6.5), line("birth_date", "different", -3.25)],
            total: -6.75,
            probability: 0.0093,
        };
        let svg = waterfall(&e, "records 1 and 2").unwrap();
        for text in [
            "given_name: same name",
            "birth_date: different",
            "+6.50",
            "-3.25",
            "-10.00",
            "-6.75",
            "probability 0.0093",
        ] {
            assert!(svg.contains(text), "{text} is drawn");
        }
    }
}
