//! The sweep's charts, as PNG and SVG under `charts/`: each figure that varies across the
//! points against each axis (the mean over replicas with its 95 % confidence interval), and
//! the cost-versus-SLA Pareto front. Drawn from the summary only; the same summary gives the
//! same files (the font is the report's embedded one). Axes and figures carry human labels
//! and units ([`super::labels`]); the file names keep the columns' names.

use super::labels;
use super::pareto::{self, Front};
use super::run::SweepInfo;
use super::spec::{Kind, Param};
use super::table::PointSummary;
use crate::report::charts::{
    ChartError, Drawable, Drawn, ensure_font, fmt_tick, font, palette, write_drawn,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const SIZE: (u32, u32) = (1000, 560);
/// Beyond this many values of the colouring axis, points are drawn in one colour: more
/// colours cannot be told apart.
const MAX_GROUPS: usize = 12;
const GREY: RGBColor = RGBColor(170, 170, 170);
const FRONT: RGBColor = RGBColor(214, 39, 40);

/// One mean with its interval, at x.
#[derive(Debug, Clone)]
struct Mark {
    x: f64,
    mean: f64,
    ci: Option<(f64, f64)>,
    label: Option<String>,
}

#[derive(Debug, Clone)]
struct Series {
    label: Option<String>,
    colour: RGBColor,
    marks: Vec<Mark>,
    /// Join the marks by a line, in x order.
    line: bool,
}

#[derive(Debug, Clone)]
struct Scatter {
    title: String,
    x_desc: String,
    y_desc: String,
    /// Category names when x is a text or true/false axis (x = 0, 1, …).
    categories: Option<Vec<String>>,
    series: Vec<Series>,
}

/// One chart written, for report.html.
#[derive(Debug, Clone)]
pub struct SweepChart {
    pub stem: String,
    pub title: String,
    /// The figure and the axis it is drawn against (column names); None for the front.
    pub figure: Option<String>,
    pub axis: Option<String>,
    pub png: PathBuf,
    pub svg: PathBuf,
}

/// Draw every chart into `out_dir`; returns them in order (the front first).
pub fn draw(
    info: &SweepInfo,
    sums: &[PointSummary],
    front: &Front,
    out_dir: &Path,
) -> Result<Vec<SweepChart>, ChartError> {
    ensure_font()?;
    std::fs::create_dir_all(out_dir).map_err(|e| ChartError::Io {
        path: out_dir.to_path_buf(),
        source: e,
    })?;
    type Planned = (String, Option<(String, String)>, Scatter);
    let mut charts: Vec<Planned> = Vec::new();
    if !sums.is_empty() {
        charts.push(("pareto".into(), None, pareto_chart(info, sums, front)));
        if let Some(c) = co2_front_chart(info, sums, front) {
            charts.push((
                "pareto_co2".into(),
                Some((pareto::CO2.into(), String::new())),
                c,
            ));
        }
    }
    let figures = varying_figures(sums);
    for (a, axis) in info.axes.iter().enumerate() {
        let xs: Vec<Option<&Param>> = sums.iter().map(|s| s.params.get(&axis.name)).collect();
        if distinct(&xs).len() < 2 {
            continue;
        }
        for fig in &figures {
            charts.push((
                format!("{fig}_by_{}", axis.name),
                Some((fig.clone(), axis.name.clone())),
                figure_chart(info, sums, a, fig),
            ));
        }
    }
    // Charts are independent: draw them on rayon's threads (each to its own files), and
    // list the files in chart order.
    use rayon::prelude::*;
    charts
        .par_iter()
        .map(|(stem, what, chart)| {
            let stem: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let (png, svg) = write_drawn(out_dir, &stem, chart)?;
            Ok(SweepChart {
                stem,
                title: chart.title.clone(),
                figure: what.as_ref().map(|w| w.0.clone()),
                axis: what.as_ref().map(|w| w.1.clone()),
                png,
                svg,
            })
        })
        .collect()
}

/// Summary figures whose mean is not the same at every point (a constant says nothing
/// against an axis), with `verdict_meets_share`.
fn varying_figures(sums: &[PointSummary]) -> Vec<String> {
    let Some(first) = sums.first() else {
        return Vec::new();
    };
    let mut names: Vec<String> = first.stats.iter().map(|(n, _)| n.clone()).collect();
    names.push("verdict_meets_share".into());
    names
        .into_iter()
        .filter(|n| {
            let vals: Vec<f64> = sums.iter().filter_map(|s| mean_of(s, n)).collect();
            let (lo, hi) = vals
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            vals.len() >= 2 && hi - lo > 1e-12 * hi.abs().max(lo.abs()).max(1.0)
        })
        .collect()
}

fn mean_of(s: &PointSummary, name: &str) -> Option<f64> {
    if name == "verdict_meets_share" {
        return Some(s.verdict_meets_share);
    }
    s.stat(name)
        .and_then(|st| st.mean)
        .filter(|v| v.is_finite())
}

fn ci_of(s: &PointSummary, name: &str) -> Option<(f64, f64)> {
    let st = s.stat(name)?;
    match (st.ci95_low, st.ci95_high) {
        (Some(l), Some(h)) if l.is_finite() && h.is_finite() => Some((l, h)),
        _ => None,
    }
}

fn distinct<'a>(xs: &[Option<&'a Param>]) -> Vec<&'a Param> {
    let mut out: Vec<&Param> = Vec::new();
    for p in xs.iter().flatten() {
        if !out.contains(p) {
            out.push(p);
        }
    }
    out
}

fn sort_params(v: &mut [&Param]) {
    v.sort_by(|a, b| match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.to_string().cmp(&b.to_string()),
    });
}

fn plain(p: &Param) -> String {
    match p {
        Param::Text(s) => s.clone(),
        Param::Float(x) => fmt_tick(*x),
        other => other.to_string(),
    }
}

/// `fig` against axis `a`: one series per value of the first other axis (when it has few
/// values), joined by lines when the sweep is a grid of at most two axes.
fn figure_chart(info: &SweepInfo, sums: &[PointSummary], a: usize, fig: &str) -> Scatter {
    let axis = &info.axes[a];
    let (ax, fl) = (
        labels::axis(axis),
        labels::figure(fig, info.currency.as_deref()),
    );
    let xs: Vec<Option<&Param>> = sums.iter().map(|s| s.params.get(&axis.name)).collect();
    let categories = match axis.kind {
        Kind::Int | Kind::Float => None,
        Kind::Bool | Kind::Text => {
            let mut d = distinct(&xs);
            sort_params(&mut d);
            Some(d.into_iter().cloned().collect::<Vec<Param>>())
        }
    };
    let x_of = |p: &Param| -> f64 {
        match &categories {
            Some(c) => c.iter().position(|q| q == p).unwrap_or(0) as f64,
            None => p.as_f64().unwrap_or(f64::NAN) * ax.scale,
        }
    };
    let other = info
        .axes
        .iter()
        .enumerate()
        .find(|(b, _)| *b != a)
        .map(|(_, o)| o);
    let groups: Option<Vec<&Param>> = other.and_then(|o| {
        let mut d = distinct(
            &sums
                .iter()
                .map(|s| s.params.get(&o.name))
                .collect::<Vec<_>>(),
        );
        sort_params(&mut d);
        (d.len() >= 2 && d.len() <= MAX_GROUPS).then_some(d)
    });
    let line = info.sampling == super::spec::Sampling::Grid && info.axes.len() <= 2;
    let k = fl.scale;
    let mark = |s: &PointSummary| -> Option<Mark> {
        Some(Mark {
            x: x_of(s.params.get(&axis.name)?),
            mean: mean_of(s, fig)? * k,
            ci: ci_of(s, fig).map(|(l, h)| (l * k, h * k)),
            label: None,
        })
    };
    let series = match (&groups, other) {
        (Some(g), Some(o)) => g
            .iter()
            .enumerate()
            .map(|(k, v)| Series {
                label: Some(format!("{} = {}", labels::axis(o).text, plain(v))),
                colour: palette(k),
                marks: sums
                    .iter()
                    .filter(|s| s.params.get(&o.name) == Some(*v))
                    .filter_map(mark)
                    .collect(),
                line,
            })
            .collect(),
        _ => vec![Series {
            label: None,
            colour: palette(0),
            marks: sums.iter().filter_map(mark).collect(),
            line: line && info.axes.len() == 1,
        }],
    };
    let interval = if sums.iter().any(|s| s.replicas > 1) {
        " (mean, 95 % CI)"
    } else {
        ""
    };
    Scatter {
        title: format!("{} by {}{interval}", fl.text, ax.text),
        x_desc: ax.with_unit(),
        y_desc: fl.with_unit(),
        categories: categories.map(|c| c.iter().map(plain).collect()),
        series,
    }
}

fn pareto_chart(info: &SweepInfo, sums: &[PointSummary], front: &Front) -> Scatter {
    let on_front: Vec<u64> = front.points.iter().map(|p| p.point).collect();
    let (cost, sla) = (
        labels::figure(pareto::COST, info.currency.as_deref()),
        labels::figure(pareto::SLA, None),
    );
    let mark = |s: &PointSummary, label: bool| -> Option<Mark> {
        Some(Mark {
            x: mean_of(s, pareto::COST)? * cost.scale,
            mean: mean_of(s, pareto::SLA)? * sla.scale,
            ci: ci_of(s, pareto::SLA).map(|(l, h)| (l * sla.scale, h * sla.scale)),
            label: label.then(|| format!("#{}", s.point)),
        })
    };
    let others: Vec<Mark> = sums
        .iter()
        .filter(|s| !on_front.contains(&s.point))
        .filter_map(|s| mark(s, false))
        .collect();
    let best: Vec<Mark> = front
        .points
        .iter()
        .filter_map(|p| sums.iter().find(|s| s.point == p.point))
        .filter_map(|s| mark(s, true))
        .collect();
    Scatter {
        title: format!(
            "Pareto front: {} of {} points beat the rest on cost and SLA",
            best.len(),
            sums.len()
        ),
        x_desc: format!("{} (mean over replicas)", cost.with_unit()),
        y_desc: format!("{} (mean)", sla.with_unit()),
        categories: None,
        series: vec![
            Series {
                label: Some("dominated".into()),
                colour: GREY,
                marks: others,
                line: false,
            },
            Series {
                label: Some("Pareto-optimal (point number)".into()),
                colour: FRONT,
                marks: best,
                line: true,
            },
        ],
    }
}

/// The third face of a front that also minimizes CO2 (`[sweep] objectives` with `co2_kg`):
/// cost against CO2, the front's points marked. On the cost-SLA chart a point can look
/// beaten and still be on the front for emitting less; here is where it wins. `None` when CO2
/// is not an objective: the sweep's charts are then what they were.
fn co2_front_chart(info: &SweepInfo, sums: &[PointSummary], front: &Front) -> Option<Scatter> {
    if !front.also_minimize.iter().any(|f| f == pareto::CO2) {
        return None;
    }
    let on_front: Vec<u64> = front.points.iter().map(|p| p.point).collect();
    let (cost, co2) = (
        labels::figure(pareto::COST, info.currency.as_deref()),
        labels::figure(pareto::CO2, None),
    );
    let mark = |s: &PointSummary, label: bool| -> Option<Mark> {
        Some(Mark {
            x: mean_of(s, pareto::COST)? * cost.scale,
            mean: mean_of(s, pareto::CO2)? * co2.scale,
            ci: ci_of(s, pareto::CO2).map(|(l, h)| (l * co2.scale, h * co2.scale)),
            label: label.then(|| format!("#{}", s.point)),
        })
    };
    let (best, others): (Vec<&PointSummary>, Vec<&PointSummary>) =
        sums.iter().partition(|s| on_front.contains(&s.point));
    Some(Scatter {
        title: format!(
            "Pareto front on cost, SLA and CO2: {} of {} points, cost against CO2",
            best.len(),
            sums.len()
        ),
        x_desc: format!("{} (mean over replicas)", cost.with_unit()),
        y_desc: format!("{} (mean)", co2.with_unit()),
        categories: None,
        series: vec![
            Series {
                label: Some("dominated".into()),
                colour: GREY,
                marks: others.iter().filter_map(|s| mark(s, false)).collect(),
                line: false,
            },
            Series {
                label: Some("Pareto-optimal (point number)".into()),
                colour: FRONT,
                marks: best.iter().filter_map(|s| mark(s, true)).collect(),
                line: false,
            },
        ],
    })
}

/// A tick at `v` on an axis `span` wide, with the rounding of the tick's own arithmetic
/// removed: a tick meant to be 0 comes as −5.55e-17 on an axis from −0.1 to 0.4, and would
/// print so.
fn snap(v: f64, span: f64) -> f64 {
    if v.abs() < span.abs() * 1e-9 { 0.0 } else { v }
}

/// A label's box in pixels: left, top, right, bottom.
pub(crate) type Rect = (i32, i32, i32, i32);

fn overlaps(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Where to put each label (the top-left corner of its box), or None where no place is
/// free: beside its mark (right, left, above, below, then the diagonals, a little further
/// each round), inside `area`, clear of every label already placed and of every mark
/// (`marks`, their centres, drawn `radius` wide). Greedy in the order given (the front by
/// increasing cost), so the same input always gives the same picture.
pub(crate) fn place_labels(
    anchors: &[(i32, i32)],
    sizes: &[(u32, u32)],
    area: Rect,
    marks: &[(i32, i32)],
    radius: i32,
) -> Vec<Option<(i32, i32)>> {
    let dots: Vec<Rect> = marks
        .iter()
        .map(|&(x, y)| (x - radius, y - radius, x + radius + 1, y + radius + 1))
        .collect();
    let mut placed: Vec<Rect> = Vec::new();
    anchors
        .iter()
        .zip(sizes)
        .map(|(&(x, y), &(w, h))| {
            let (w, h) = (w as i32, h as i32);
            for gap in [radius + 2, radius + 8, radius + 16] {
                let candidates = [
                    (x + gap, y - h / 2),
                    (x - gap - w, y - h / 2),
                    (x - w / 2, y - gap - h),
                    (x - w / 2, y + gap),
                    (x + gap, y - gap - h),
                    (x - gap - w, y - gap - h),
                    (x + gap, y + gap),
                    (x - gap - w, y + gap),
                ];
                for (left, top) in candidates {
                    let r = (left, top, left + w, top + h);
                    let inside = r.0 >= area.0 && r.1 >= area.1 && r.2 <= area.2 && r.3 <= area.3;
                    if inside
                        && !placed.iter().any(|p| overlaps(*p, r))
                        && !dots.iter().any(|d| overlaps(*d, r))
                    {
                        placed.push(r);
                        return Some((left, top));
                    }
                }
            }
            None
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Drawing and writing

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.08
    } else {
        (lo.abs() * 0.05).max(0.5)
    };
    (lo - pad, hi + pad)
}

fn render<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Scatter) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let marks = || c.series.iter().flat_map(|s| s.marks.iter());
    let (x0, x1) = match &c.categories {
        Some(cats) => (-0.5, cats.len() as f64 - 0.5),
        None => range(marks().map(|m| m.x)),
    };
    let (y0, y1) = range(marks().flat_map(|m| {
        let (l, h) = m.ci.unwrap_or((m.mean, m.mean));
        [m.mean, l, h]
    }));
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, font(20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let cats = c.categories.clone();
    let x_fmt = move |v: &f64| match &cats {
        Some(names) => {
            let i = v.round();
            if (v - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        }
        None => fmt_tick(snap(*v, x1 - x0)),
    };
    let y_span = y1 - y0;
    let y_fmt = move |v: &f64| fmt_tick(snap(*v, y_span));
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(&c.x_desc)
        .y_desc(&c.y_desc)
        .label_style(font(13))
        .axis_desc_style(font(15))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215));
    if let Some(names) = &c.categories {
        mesh.x_labels(names.len().max(2) * 2 + 1);
    }
    mesh.draw()?;
    let cap = (x1 - x0) * 0.006;
    for s in &c.series {
        let colour = s.colour;
        for m in &s.marks {
            if let Some((l, h)) = m.ci {
                chart.draw_series([
                    PathElement::new(vec![(m.x, l), (m.x, h)], colour.stroke_width(1)),
                    PathElement::new(vec![(m.x - cap, l), (m.x + cap, l)], colour.stroke_width(1)),
                    PathElement::new(vec![(m.x - cap, h), (m.x + cap, h)], colour.stroke_width(1)),
                ])?;
            }
        }
        if s.line && s.marks.len() > 1 {
            let mut pts: Vec<(f64, f64)> = s.marks.iter().map(|m| (m.x, m.mean)).collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
            chart.draw_series(LineSeries::new(pts, colour.stroke_width(2)))?;
        }
        let drawn = chart.draw_series(
            s.marks
                .iter()
                .map(|m| Circle::new((m.x, m.mean), 4, colour.filled())),
        )?;
        if let Some(label) = &s.label {
            drawn
                .label(label.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, colour.filled()));
        }
    }
    // Labels where they overlap nothing: another label, a mark, the plot's edge.
    let labelled: Vec<&Mark> = c
        .series
        .iter()
        .flat_map(|s| s.marks.iter())
        .filter(|m| m.label.is_some())
        .collect();
    if !labelled.is_empty() {
        let style = font(12).color(&BLACK);
        let anchors: Vec<(i32, i32)> = labelled
            .iter()
            .map(|m| chart.backend_coord(&(m.x, m.mean)))
            .collect();
        let mut sizes = Vec::with_capacity(labelled.len());
        for m in &labelled {
            sizes.push(root.estimate_text_size(m.label.as_deref().unwrap_or(""), &style)?);
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let area = (xr.start, yr.start, xr.end, yr.end);
        let all: Vec<(i32, i32)> = c
            .series
            .iter()
            .flat_map(|s| s.marks.iter())
            .map(|m| chart.backend_coord(&(m.x, m.mean)))
            .collect();
        let spots = place_labels(&anchors, &sizes, area, &all, 4);
        for (m, spot) in labelled.iter().zip(spots) {
            if let (Some(label), Some(at)) = (&m.label, spot) {
                root.draw(&Text::new(label.clone(), at, style.clone()))?;
            }
        }
    }
    if c.series.iter().any(|s| s.label.is_some()) {
        chart
            .configure_series_labels()
            .label_font(font(13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
    }
    Ok(())
}

/// The scatter plots go through the report's one chart writer, at their own size.
impl Drawable for Scatter {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        render(root, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// −5.55e-17 on an axis half a unit wide is the tick at 0; 1e-12 on one of 1e-11 is not.
    #[test]
    fn ticks_at_zero_lose_their_rounding() {
        assert_eq!(fmt_tick(snap(-5.55e-17, 0.5)), "0");
        assert_eq!(snap(1e-12, 1e-11), 1e-12);
        assert_eq!(snap(0.1, 0.5), 0.1);
    }

    /// Twenty front points crowded into a corner: whatever is placed overlaps no other
    /// label, no mark, and stays inside the plot.
    #[test]
    fn labels_never_overlap() {
        let anchors: Vec<(i32, i32)> = (0..20).map(|i| (100 + 3 * i, 200 - 2 * i)).collect();
        let sizes = vec![(28u32, 12u32); 20];
        let area = (50, 20, 900, 500);
        let spots = place_labels(&anchors, &sizes, area, &anchors, 4);
        let boxes: Vec<Rect> = spots
            .iter()
            .zip(&sizes)
            .filter_map(|(s, &(w, h))| s.map(|(x, y)| (x, y, x + w as i32, y + h as i32)))
            .collect();
        assert!(boxes.len() >= 10, "most find a place: {}", boxes.len());
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.0 >= area.0 && a.1 >= area.1 && a.2 <= area.2 && a.3 <= area.3);
            for b in &boxes[i + 1..] {
                assert!(!overlaps(*a, *b), "{a:?} and {b:?} overlap");
            }
            for &(x, y) in &anchors {
                assert!(
                    !overlaps(*a, (x - 4, y - 4, x + 5, y + 5)),
                    "{a:?} covers a mark"
                );
            }
        }
        // A lone point gets its label just right of it.
        assert_eq!(
            place_labels(&[(100, 100)], &[(20, 10)], area, &[(100, 100)], 4),
            [Some((106, 95))]
        );
    }
}
