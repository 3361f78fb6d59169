//! Charts of one run ([`draw_run`]) and of a comparison of runs ([`draw_compare`]), as PNG
//! and SVG, for people reviewing a capacity plan. They are drawn from `summary.json`,
//! `compare.json` and the time series rows only (docs/OUTPUT.md); they never change a run.
//!
//! Every chart is first described as plain data (a [`Spec`]), then drawn twice by the same
//! code, once per backend, so the PNG and the SVG always show the same thing. Colours are
//! fixed per meaning (demand is always blue, the capacity always a dark dashed line, a cost
//! category always the same colour) and per entity (a workload keeps its colour, a scenario
//! keeps its colour across the comparison charts), so charts can be read side by side.
//!
//! Output is deterministic: the same input gives byte-identical files, because nothing here
//! depends on hash order, the clock or the machine's fonts (text is measured with the
//! embedded DejaVu Sans).

mod events;
mod forecast;
pub mod png;

use super::summary::{CostItems, NodeReport, Summary};
use crate::world::date::Date;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform, register_font};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One row of the time series (docs/OUTPUT.md, "timeseries.parquet").
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Start of the row [ms from the scenario start].
    pub time_ms: u64,
    pub entity: String,
    /// `workload`, `server`, `npar`, `vpar`, `vm`, `pset` or `fss`.
    pub kind: String,
    /// Mean demand over the row [reference cores].
    pub demand: f64,
    /// Mean capacity granted [reference cores]; `None` for workloads.
    pub allocation: Option<f64>,
    /// Mean work served [reference cores].
    pub served: f64,
    /// Work waiting at the end of the row [core-hours].
    pub backlog: f64,
    /// Served ÷ capacity, as a fraction.
    pub utilization: f64,
}

/// One chart written as `<stem>.png` and `<stem>.svg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    /// The title, entity names cut to 60 characters (the drawn one may be cut further, with
    /// an ellipsis, to fit the width).
    pub title: String,
    /// File stem, unique within one call and safe on any file system, e.g. `demand_sd-new`.
    pub stem: String,
    pub png: PathBuf,
    pub svg: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// Creating the folder or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Plotters failed to draw or encode a chart.
    #[error("drawing {}: {source}", path.display())]
    Draw {
        path: PathBuf,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The embedded font is not a font (a broken build, never bad input).
    #[error("the embedded chart font could not be loaded")]
    Font,
}

/// Draws the charts of one run into `out_dir`: per node (servers, then partitions) its
/// demand, allocation and served over time against its capacity, limit and sizing demand,
/// outages shaded; per server the stacked demand of the workloads it ran (a failed-over
/// package on its adoptive node) and a heat map of its utilization by hour and day; per node
/// whose CPU growth was fitted, its forecast; and the cost per server. A chart with nothing
/// to show is not drawn. With no `rows` (time series turned off) only the cost chart.
pub fn draw_run(
    summary: &Summary,
    rows: &[Row],
    out_dir: &Path,
) -> Result<Vec<ChartFile>, ChartError> {
    draw(&Run::of(summary), rows, out_dir)
}

/// [`draw_run`] from what the charts take of a summary; the charts' tests build it from
/// partial JSON trees.
fn draw(run: &Run, rows: &[Row], out_dir: &Path) -> Result<Vec<ChartFile>, ChartError> {
    ensure_font()?;
    let mut charts = Vec::new();
    if !rows.is_empty() {
        let index = RowIndex::new(rows);
        let axis = TimeAxis::new(run.horizon_ms, rows).dated(run.start);
        charts.extend(demand_charts(run, &index, &axis));
        charts.extend(stack_charts(run, &index, &axis));
        charts.extend(heat_charts(run, &index, &axis));
        charts.extend(forecast::charts(run, &index));
    }
    charts.extend(cost_chart(run));
    write_all(out_dir, charts)
}

/// Draws one bar chart per figure of `compare.json` across its scenarios, in the order
/// given, and one chart of the cost breakdown. Figures this module does not know (added to
/// the format later) are drawn too, titled by their field name.
pub fn draw_compare(compare: &Value, out_dir: &Path) -> Result<Vec<ChartFile>, ChartError> {
    ensure_font()?;
    let scenarios = array_of(compare, "scenarios");
    let mut charts = Vec::new();
    if !scenarios.is_empty() {
        charts.extend(metric_charts(scenarios));
        charts.push(compare_cost_chart(scenarios));
    }
    write_all(out_dir, charts)
}

// ---------------------------------------------------------------------------------------
// Fixed sizes and colours

/// Pixel size of every chart: wide enough for two weeks of 5-minute steps to stay legible.
const SIZE: (u32, u32) = (1000, 500);
/// The right-hand panel holding the legend or the colour bar, so neither hides data.
const SIDE_WIDTH: u32 = 210;
/// Beyond this many partitions only the busiest get a chart: a review cannot read more.
const MAX_NODE_CHARTS: usize = 40;
/// Beyond this many workloads on a server the smallest are stacked as one "others" layer,
/// because more colours cannot be told apart.
const MAX_LAYERS: usize = 12;
/// Beyond this many steps a series is averaged over consecutive steps: more points than
/// about five per pixel column add nothing visible and only bloat the SVG.
const MAX_POINTS: usize = 5000;
/// Up to this many steps a series is drawn as stairs (about the plot's width in pixels).
const STAIRS_UP_TO: usize = 700;
/// The heat map gives up beyond this many days (an odd horizon must not allocate without
/// bound); later points are left out.
const MAX_HEAT_DAYS: usize = 1000;
const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 20;
const DESC_PX: u32 = 15;
const LABEL_PX: u32 = 13;

const DEMAND: RGBColor = RGBColor(31, 119, 180);
const SERVED: RGBColor = RGBColor(44, 160, 44);
const ALLOCATION: RGBColor = RGBColor(255, 127, 14);
const CAPACITY: RGBColor = RGBColor(40, 40, 40);
const LIMIT: RGBColor = RGBColor(214, 39, 40);
/// The sizing percentile's demand (what the verdict judges).
const SIZING: RGBColor = RGBColor(148, 103, 189);
/// A node (or what holds it) down, and a failed core.
const DOWN: RGBColor = RGBColor(240, 170, 170);
const CORE_DOWN: RGBColor = RGBColor(250, 215, 160);
const OTHERS: RGBColor = RGBColor(190, 190, 190);
const NO_DATA: RGBColor = RGBColor(225, 225, 225);
const GRID: RGBColor = RGBColor(225, 225, 225);
/// Opacity of the demand area, light enough for the lines over it to stay visible.
const TINT: f64 = 0.3;

/// Distinct colours for workloads on one server and for scenarios (Tableau's, without its
/// grey, which means "others" here).
const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
];

/// The cost items of docs/OUTPUT.md, in its order, with a label and a fixed colour.
const COST_ITEMS: [(&str, &str, RGBColor); 6] = [
    ("hardware", "hardware", RGBColor(31, 119, 180)),
    ("core_rights", "core rights", RGBColor(148, 103, 189)),
    ("ticap", "TiCAP", RGBColor(255, 127, 14)),
    ("ppu", "pay per use", RGBColor(227, 119, 194)),
    ("software", "software", RGBColor(44, 160, 44)),
    ("energy", "energy", RGBColor(188, 189, 34)),
];

pub(crate) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

// ---------------------------------------------------------------------------------------
// The font

/// The only font: plotters' `ab_glyph` text needs a registered font, and embedding one
/// keeps the output independent of the machine's fonts.
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Registers the font once per process; every draw call needs it for measuring text.
pub(crate) fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

pub(crate) fn font(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font())
}

// ---------------------------------------------------------------------------------------
// Reading summary.json leniently: a missing or odd field gives an empty or absent value,
// never a panic, so a chart of a partial summary still shows what is there.

fn array_of<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A finite number, or `None`.
fn number_of(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64).filter(|x| x.is_finite())
}

/// A node of the partition tree (`servers[]` or `partitions[]`).
#[derive(Debug, Clone)]
struct Node {
    name: String,
    kind: String,
    server: String,
    /// Empty for a server.
    parent: String,
    capacity: Option<f64>,
    peak: f64,
    /// The time-aligned demand at the sizing percentile [reference cores].
    sizing: Option<f64>,
    /// What the forecast chart takes of `planning`.
    planning: Option<forecast::Planned>,
}

/// A figure as the charts take it: a non-finite one (null in summary.json) is absent.
fn finite(x: f64) -> Option<f64> {
    Some(x).filter(|x| x.is_finite())
}

impl Node {
    fn of(n: &NodeReport) -> Node {
        Node {
            name: n.name.clone(),
            kind: n.kind.to_string(),
            server: n.server.clone(),
            parent: n.parent.clone().unwrap_or_default(),
            capacity: finite(n.capacity_cores),
            peak: finite(n.usage.peak_demand_cores).unwrap_or(f64::NEG_INFINITY),
            sizing: finite(n.sizing_demand_cores),
            planning: n.planning.as_ref().map(forecast::Planned::of),
        }
    }
}

/// One column of cost bars: a server of a run or a scenario of a comparison.
#[derive(Debug, Clone)]
struct CostColumn {
    name: String,
    items: [f64; 6],
}

impl CostColumn {
    fn of(name: String, c: &CostItems) -> CostColumn {
        CostColumn {
            name,
            items: COST_ITEMS.map(|(key, _, _)| {
                let x = match key {
                    "hardware" => c.hardware,
                    "core_rights" => c.core_rights,
                    "ticap" => c.ticap,
                    "ppu" => c.ppu,
                    "software" => c.software,
                    _ => c.energy,
                };
                finite(x).unwrap_or(0.0)
            }),
        }
    }

    /// A scenario's column of `compare.json`, which is read as a JSON tree.
    fn parse(name: String, v: &Value) -> CostColumn {
        CostColumn {
            name,
            items: COST_ITEMS.map(|(key, _, _)| number_of(v, key).unwrap_or(0.0)),
        }
    }
}

/// What the run charts need from summary.json.
struct Run {
    horizon_ms: u64,
    util_limit: Option<f64>,
    /// `scenario.sizing_percentile` (100: the peak).
    sizing_percentile: Option<f64>,
    /// `scenario.interval_ms`: the report interval the sizing percentile is taken over.
    interval_ms: Option<u64>,
    /// `scenario.start`: dates on the time axes.
    start: Option<Date>,
    /// `ha.outages` and where packages ran.
    events: events::Events,
    servers: Vec<Node>,
    partitions: Vec<Node>,
    /// (workload, partition), in scenario order.
    workloads: Vec<(String, String)>,
    currency: Option<String>,
    costs: Vec<CostColumn>,
}

impl Run {
    fn of(s: &Summary) -> Run {
        let scenario = &s.scenario;
        Run {
            horizon_ms: scenario.horizon_ms,
            util_limit: finite(scenario.util_limit),
            sizing_percentile: finite(scenario.sizing_percentile),
            interval_ms: Some(scenario.interval_ms),
            start: scenario.start.as_deref().and_then(|d| Date::parse(d).ok()),
            events: events::Events::of(s.ha.as_ref()),
            servers: s.servers.iter().map(Node::of).collect(),
            partitions: s.partitions.iter().map(Node::of).collect(),
            workloads: s
                .workloads
                .iter()
                .map(|w| (w.name.clone(), w.partition.clone()))
                .collect(),
            currency: s.cost.currency.clone(),
            costs: s
                .cost
                .servers
                .iter()
                .map(|c| CostColumn::of(c.name.clone(), &c.items))
                .collect(),
        }
    }

    /// The server a node (server or partition) belongs to.
    fn server_of(&self, node: &str) -> Option<&str> {
        self.node(node).map(|n| n.server.as_str())
    }

    fn node(&self, name: &str) -> Option<&Node> {
        self.servers
            .iter()
            .chain(&self.partitions)
            .find(|n| n.name == name)
    }

    /// `node` itself and the nodes above it, nearest first (a broken chain stops).
    fn ancestry(&self, node: &str) -> Vec<&str> {
        let mut out = vec![];
        let mut at = self.node(node);
        while let Some(n) = at {
            if out.contains(&n.name.as_str()) {
                break;
            }
            out.push(n.name.as_str());
            at = (!n.parent.is_empty())
                .then(|| self.node(&n.parent))
                .flatten();
        }
        out
    }
}

/// The rows of each (kind, entity), in time order: `(entity, kind)` is the key, since a
/// workload may share its name with a partition.
struct RowIndex<'a> {
    /// kind → entity → rows.
    rows: BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a Row>>>,
}

impl<'a> RowIndex<'a> {
    fn new(rows: &'a [Row]) -> Self {
        let mut map: BTreeMap<&str, BTreeMap<&str, Vec<&Row>>> = BTreeMap::new();
        for r in rows {
            map.entry(r.kind.as_str())
                .or_default()
                .entry(r.entity.as_str())
                .or_default()
                .push(r);
        }
        for list in map.values_mut().flat_map(BTreeMap::values_mut) {
            list.sort_by_key(|r| r.time_ms);
        }
        RowIndex { rows: map }
    }

    fn get(&self, kind: &str, entity: &str) -> &[&'a Row] {
        self.rows
            .get(kind)
            .and_then(|m| m.get(entity))
            .map_or(&[], Vec::as_slice)
    }
}

// ---------------------------------------------------------------------------------------
// Time

/// The x axis of the time charts: hours for a horizon up to two days, days beyond, so the
/// labels stay few and round.
#[derive(Debug, Clone, PartialEq)]
struct TimeAxis {
    unit_ms: f64,
    unit: &'static str,
    /// The end of the axis [unit]; positive.
    end: f64,
    /// The day of time 0 (`[scenario] start`): ticks are dates then.
    start: Option<Date>,
}

impl TimeAxis {
    /// From the horizon; from the rows when the summary has none, so a zero horizon still
    /// gives a drawable, non-empty axis. Rows past a known horizon are left off rather than
    /// squeezing the chart.
    fn new(horizon_ms: u64, rows: &[Row]) -> TimeAxis {
        let span_ms = if horizon_ms > 0 {
            horizon_ms
        } else {
            let times: Vec<u64> = rows.iter().map(|r| r.time_ms).collect();
            let last = times.iter().copied().max().unwrap_or(0);
            last.saturating_add(step_of(&times).unwrap_or(HOUR_MS))
        };
        let (unit_ms, unit) = if span_ms <= 2 * DAY_MS {
            (HOUR_MS as f64, "h")
        } else {
            (DAY_MS as f64, "days")
        };
        TimeAxis {
            unit_ms,
            unit,
            end: span_ms.max(1) as f64 / unit_ms,
            start: None,
        }
    }

    /// The same axis with dates from `start`.
    fn dated(self, start: Option<Date>) -> TimeAxis {
        TimeAxis { start, ..self }
    }

    /// The axis description, with the averaging step when there is one.
    fn desc(&self, step_ms: Option<u64>) -> String {
        let what = match self.start {
            Some(d) => format!("date (time 0 = {} 00:00)", d.long()),
            None => format!("time since start [{}]", self.unit),
        };
        match step_ms {
            Some(s) => format!("{what}; means over {}", fmt_duration(s)),
            None => what,
        }
    }

    /// A tick's text: the value in the axis's unit, or its date ("Mar 3"; with hours,
    /// "Mar 3 14h"; a tick between two midnights on a day axis keeps its hour).
    fn tick(&self, v: f64) -> String {
        let Some(start) = self.start else {
            return fmt_tick(v);
        };
        if !v.is_finite() {
            return String::new();
        }
        let ms = v * self.unit_ms;
        let day = (ms / DAY_MS as f64).floor();
        let hour = ((ms - day * DAY_MS as f64) / HOUR_MS as f64).round() as i64;
        let date = start.plus_days(day as i64).month_day();
        if self.unit == "h" || hour % 24 != 0 {
            format!("{date} {}h", hour % 24)
        } else {
            date
        }
    }

    /// Ticks to ask plotters for: dates are wider than numbers.
    fn labels(&self) -> usize {
        if self.start.is_some() { 8 } else { 12 }
    }
}

/// The report step: the smallest gap between distinct times (the last row may be shorter,
/// but it starts on the grid).
fn step_of(times: &[u64]) -> Option<u64> {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.windows(2).map(|w| w[1] - w[0]).min()
}

/// "5 min", "1 h", "2 d", "500 ms": the largest unit that divides the duration.
fn fmt_duration(ms: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (DAY_MS, "d"),
        (HOUR_MS, "h"),
        (60_000, "min"),
        (1000, "s"),
        (1, "ms"),
    ];
    let (size, name) = UNITS
        .into_iter()
        .find(|(size, _)| ms.is_multiple_of(*size) && ms >= *size)
        .unwrap_or((1, "ms"));
    format!("{} {name}", ms / size)
}

/// How many consecutive steps to average so that a series keeps at most `MAX_POINTS`.
fn coarsen_factor(points: usize) -> usize {
    points.div_ceil(MAX_POINTS).max(1)
}

/// Means of `k` consecutive points, stamped with the first one's time: the same meaning as
/// a report step `k` times longer. Non-finite values are missing data and left out of a
/// mean; a group with none is NaN (drawn as a gap).
fn coarsen(points: &[(u64, f64)], k: usize) -> Vec<(u64, f64)> {
    points
        .chunks(k.max(1))
        .map(|chunk| {
            let finite: Vec<f64> = chunk
                .iter()
                .map(|p| p.1)
                .filter(|v| v.is_finite())
                .collect();
            let mean = if finite.is_empty() {
                f64::NAN
            } else {
                finite.iter().sum::<f64>() / finite.len() as f64
            };
            (chunk[0].0, mean)
        })
        .collect()
}

/// Each value held from its time until the next one's (the last for one `step_ms`, or to
/// the end without one), because a row is a mean over its whole step: drawn as points at
/// the step starts, the last step would be lost. With more steps than `STAIRS_UP_TO` a
/// step is under a pixel wide and the stairs would only double the SVG, so then the points
/// are joined directly and only the last step is held. Times past the axis end are cut to
/// it.
fn staircase(points: &[(u64, f64)], step_ms: Option<u64>, axis: &TimeAxis) -> Vec<(f64, f64)> {
    let end_ms = axis.end * axis.unit_ms;
    let x = |t: u64| (t as f64).min(end_ms) / axis.unit_ms;
    let stairs = points.len() <= STAIRS_UP_TO;
    let mut out = Vec::with_capacity(if stairs { 2 } else { 1 } * points.len() + 1);
    for (i, &(t, v)) in points.iter().enumerate() {
        out.push((x(t), v));
        let next = match (points.get(i + 1), step_ms) {
            (Some(p), _) if stairs => x(p.0),
            (Some(_), _) => continue,
            (None, Some(step)) => x(t.saturating_add(step)),
            (None, None) => axis.end,
        };
        out.push((next, v));
    }
    out
}

/// The stretches of finite points, so a NaN draws as a gap instead of a spike to pixel 0.
fn finite_runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|(x, y)| !x.is_finite() || !y.is_finite())
        .filter(|run| !run.is_empty())
        .map(<[_]>::to_vec)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Text

/// Printable text: control characters would make the SVG invalid XML.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// An entity's name as shown in a title: printable and at most 60 characters, so the rest
/// of the title stays readable.
fn short_name(name: &str) -> String {
    ellipsize(&clean(name), 60)
}

/// At most `max` characters, the last replaced by an ellipsis when cut.
fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// The longest ellipsized form of `text` that fits `max_px` in `style`, measured with the
/// embedded font; long names must not run into the next label or off the image.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_px: u32,
) -> Result<String, DrawingAreaErrorKind<DB::ErrorType>> {
    let text = clean(text);
    let chars = text.chars().count();
    // A rough start: nothing narrower than 3 px a character fits more than this.
    let mut n = chars.min(max_px as usize / 3 + 1);
    loop {
        let candidate = ellipsize(&text, n);
        if n <= 1 || area.estimate_text_size(&candidate, style)?.0 <= max_px {
            return Ok(candidate);
        }
        n -= 1;
    }
}

/// Axis tick: a round number printed without float noise ("0.3", not "0.30000000000000004"),
/// and huge or tiny ones in exponent form ("2.5e9") so they fit the label area.
pub(crate) fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e7 || (a > 0.0 && a < 1e-3) {
        let s = format!("{v:.2e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A figure on a bar: three significant digits or more, thousands grouped by a space (a
/// comma or a point would read as a decimal sign to someone).
fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    if a >= 100.0 || (v.fract() == 0.0 && a < 1e15) {
        let digits = format!("{a:.0}");
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(c);
        }
        let sign = if v < 0.0 { "-" } else { "" };
        format!("{sign}{grouped}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

// ---------------------------------------------------------------------------------------
// File names

/// A file stem from any name: characters outside `[A-Za-z0-9._-]` become `_`, and it is cut
/// to 120 bytes so that with the temporary prefix and suffix it stays under the usual
/// 255-byte limit of a file name.
fn safe_stem(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect()
}

/// Safe stems, unique even on case-insensitive file systems: a stem already taken gets
/// `-2`, `-3`, … in input order, so the same input always gives the same names.
fn unique_stems(raw: &[String]) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::new();
    raw.iter()
        .map(|r| {
            let mut base = safe_stem(r);
            if base.is_empty() {
                base = "chart".into();
            }
            let mut stem = base.clone();
            let mut n = 2;
            while !taken.insert(stem.to_ascii_lowercase()) {
                stem = format!("{base}-{n}");
                n += 1;
            }
            stem
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Chart descriptions: plain data, drawn by `Spec::draw` on either backend.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Swatch {
    Fill(RGBColor),
    /// A see-through fill with its border, as the demand area is drawn.
    Tint(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
}

#[derive(Debug, Clone, PartialEq)]
struct LegendEntry {
    label: String,
    swatch: Swatch,
}

fn entry(label: impl Into<String>, swatch: Swatch) -> LegendEntry {
    LegendEntry {
        label: label.into(),
        swatch,
    }
}

/// A filled area from 0 up to `points`; stacked layers are drawn as their cumulative tops,
/// highest first, each covering the part of the previous one below it.
#[derive(Debug, Clone)]
struct Area {
    colour: RGBColor,
    opacity: f64,
    points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
struct Line {
    colour: RGBColor,
    width: u32,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

/// A stretch of time shaded behind the data (an outage, the forecast).
#[derive(Debug, Clone, PartialEq)]
struct Shade {
    colour: RGBColor,
    from: f64,
    to: f64,
}

/// The area between two curves (a forecast's interval).
#[derive(Debug, Clone)]
struct Band {
    colour: RGBColor,
    lower: Vec<(f64, f64)>,
    upper: Vec<(f64, f64)>,
}

/// Areas and lines over time.
#[derive(Debug, Clone)]
struct TimeChart {
    title: String,
    x_desc: String,
    y_desc: String,
    x_end: f64,
    /// How x values read on the axis.
    axis: TimeAxis,
    shades: Vec<Shade>,
    bands: Vec<Band>,
    areas: Vec<Area>,
    lines: Vec<Line>,
    legend: Vec<LegendEntry>,
}

/// Mean utilization per (day, hour of day) cell.
#[derive(Debug, Clone)]
struct HeatMap {
    title: String,
    cells: Vec<[Option<f64>; 24]>,
    /// Rows labelled with dates from this day.
    start: Option<Date>,
}

/// Stacked bars, one column per server or scenario.
#[derive(Debug, Clone)]
struct BarChart {
    title: String,
    x_desc: String,
    y_desc: String,
    columns: Vec<String>,
    /// One colour per column, one value per column.
    layers: Vec<(Vec<RGBColor>, Vec<f64>)>,
    /// Printed above each column when it fits.
    value_labels: Vec<String>,
    legend: Vec<LegendEntry>,
}

#[derive(Debug, Clone)]
enum Spec {
    Time(TimeChart),
    Heat(HeatMap),
    Bars(BarChart),
}

impl Spec {
    fn title(&self) -> &str {
        match self {
            Spec::Time(c) => &c.title,
            Spec::Heat(c) => &c.title,
            Spec::Bars(c) => &c.title,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        match self {
            Spec::Time(c) => draw_time(root, c),
            Spec::Heat(c) => draw_heat(root, c),
            Spec::Bars(c) => draw_bars(root, c),
        }
    }
}

pub(crate) type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

// ---------------------------------------------------------------------------------------
// Run charts

/// Chart 1: per node, demand (filled), allocation and served over time, against its
/// capacity, its utilization limit and its demand at the sizing percentile, outages shaded.
/// Only the `MAX_NODE_CHARTS` partitions with the highest peak demand when there are more,
/// kept in summary order; a node that never had demand gets none.
fn demand_charts(run: &Run, index: &RowIndex, axis: &TimeAxis) -> Vec<(String, Spec)> {
    let kept = busiest(&run.partitions, MAX_NODE_CHARTS);
    let note = if kept.len() < run.partitions.len() {
        format!(
            " — one of the {} partitions of highest peak demand, of {}",
            kept.len(),
            run.partitions.len()
        )
    } else {
        String::new()
    };
    let servers = run.servers.iter().map(|n| (n, String::new()));
    let partitions = kept.iter().map(|&i| (&run.partitions[i], note.clone()));
    servers
        .chain(partitions)
        .filter_map(|(node, note)| {
            let rows = index.get(&node.kind, &node.name);
            let busy = rows
                .iter()
                .any(|r| r.demand.is_finite() && r.demand > 0.0 || r.served > 0.0);
            busy.then(|| {
                let spec = demand_chart(run, node, rows, axis, &note);
                (format!("demand_{}", node.name), Spec::Time(spec))
            })
        })
        .collect()
}

/// The indices of the `limit` nodes of highest peak demand (ties by order), in order.
fn busiest(nodes: &[Node], limit: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|&a, &b| nodes[b].peak.total_cmp(&nodes[a].peak).then(a.cmp(&b)));
    order.truncate(limit);
    order.sort_unstable();
    order
}

/// "peak demand" at 100, else "p99 demand": what the verdict sizes for.
fn sizing_label(percentile: Option<f64>) -> String {
    format!(
        "{} demand",
        super::judge::percentile_label(percentile.unwrap_or(100.0))
    )
}

fn demand_chart(run: &Run, node: &Node, rows: &[&Row], axis: &TimeAxis, note: &str) -> TimeChart {
    let k = coarsen_factor(rows.len());
    let step = step_desc(rows, k);
    let series = |pick: &dyn Fn(&Row) -> f64| -> Vec<(f64, f64)> {
        let raw: Vec<(u64, f64)> = rows.iter().map(|r| (r.time_ms, pick(r))).collect();
        staircase(&coarsen(&raw, k), step, axis)
    };
    // The allocation where it equals the capacity says nothing the capacity line does not:
    // it is left out there (a gap), and the legend says so.
    let at_capacity = |a: f64| {
        node.capacity
            .is_some_and(|c| (a - c).abs() <= 1e-9 * c.abs().max(1.0))
    };
    let allocation = series(&|r| match r.allocation {
        Some(a) if !at_capacity(a) => a,
        _ => f64::NAN,
    });
    let mut lines = Vec::new();
    let mut legend = vec![entry("demand", Swatch::Tint(DEMAND))];
    if allocation.iter().any(|p| p.1.is_finite()) {
        let full = rows.iter().any(|r| r.allocation.is_some_and(at_capacity));
        lines.push(line(ALLOCATION, 1, false, allocation));
        legend.push(entry(
            if full {
                "allocation (below capacity)"
            } else {
                "allocation"
            },
            Swatch::Line(ALLOCATION),
        ));
    }
    lines.push(line(SERVED, 1, false, series(&|r| r.served)));
    legend.push(entry("served", Swatch::Line(SERVED)));
    if let Some(c) = node.capacity {
        lines.push(level(CAPACITY, c, axis.end));
        legend.push(entry(
            format!("capacity {} cores", fmt_tick(c)),
            Swatch::Dashed(CAPACITY),
        ));
        if let Some(u) = run.util_limit {
            lines.push(level(LIMIT, u * c, axis.end));
            legend.push(entry(
                format!(
                    "limit {} % = {} cores",
                    fmt_tick(u * 100.0),
                    fmt_tick(round3(u * c))
                ),
                Swatch::Dashed(LIMIT),
            ));
        }
    }
    if let Some(d) = node.sizing {
        lines.push(level(SIZING, d, axis.end));
        // Sized over the report interval's means, which a coarser drawn step flattens.
        let over = run
            .interval_ms
            .map(|i| format!(" ({} means)", fmt_duration(i)))
            .unwrap_or_default();
        legend.push(entry(
            format!(
                "{} {} cores{over}",
                sizing_label(run.sizing_percentile),
                fmt_tick(round2(d))
            ),
            Swatch::Dashed(SIZING),
        ));
    }
    let (shades, shade_legend) = run.events.shades(run, &node.name, axis);
    legend.extend(shade_legend);
    let kind = if node.kind.is_empty() {
        "node"
    } else {
        &node.kind
    };
    TimeChart {
        title: format!(
            "{} ({kind}): demand, allocation and served{note}",
            short_name(&node.name)
        ),
        x_desc: axis.desc(step),
        y_desc: "CPU [reference cores]".into(),
        x_end: axis.end,
        axis: axis.clone(),
        shades,
        bands: Vec::new(),
        areas: vec![Area {
            colour: DEMAND,
            opacity: TINT,
            points: series(&|r| r.demand),
        }],
        lines,
        legend,
    }
}

/// Three decimals at most, for legend figures (2.55, not 2.5500000000000003).
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Two decimals, as the tables print demand.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The step the drawn points stand for: the report step times the averaging factor.
fn step_desc(rows: &[&Row], k: usize) -> Option<u64> {
    let times: Vec<u64> = rows.iter().map(|r| r.time_ms).collect();
    step_of(&times).map(|s| s.saturating_mul(k as u64))
}

fn line(colour: RGBColor, width: u32, dashed: bool, points: Vec<(f64, f64)>) -> Line {
    Line {
        colour,
        width,
        dashed,
        points,
    }
}

/// A horizontal dashed line across the whole axis (a capacity or a limit).
fn level(colour: RGBColor, y: f64, end: f64) -> Line {
    line(colour, 2, true, vec![(0.0, y), (end, y)])
}

/// One workload's demand over time, on its server's common time grid.
#[derive(Debug, Clone, PartialEq)]
struct Layer {
    name: String,
    colour: RGBColor,
    values: Vec<f64>,
}

/// Chart 2: per server, the demand of the workloads it ran stacked, with the utilization
/// limit and the capacity, outages shaded. A package's workloads count where Serviceguard
/// ran them (`ha.placements`): after a failover on the adoptive node, not on the failed one,
/// and on neither while it restarts.
fn stack_charts(run: &Run, index: &RowIndex, axis: &TimeAxis) -> Vec<(String, Spec)> {
    run.servers
        .iter()
        .filter_map(|server| {
            let workloads: Vec<&str> = run
                .workloads
                .iter()
                .filter(|(w, p)| {
                    run.server_of(p) == Some(server.name.as_str())
                        || run.events.ran_on_server(run, w, &server.name)
                })
                .map(|(w, _)| w.as_str())
                .collect();
            let spec = stack_chart(run, server, &workloads, index, axis)?;
            Some((format!("stack_{}", server.name), Spec::Time(spec)))
        })
        .collect()
}

fn stack_chart(
    run: &Run,
    server: &Node,
    workloads: &[&str],
    index: &RowIndex,
    axis: &TimeAxis,
) -> Option<TimeChart> {
    let series: Vec<&[&Row]> = workloads.iter().map(|w| index.get("workload", w)).collect();
    let mut times: Vec<u64> = series
        .iter()
        .flat_map(|rows| rows.iter().map(|r| r.time_ms))
        .collect();
    times.sort_unstable();
    times.dedup();
    if times.is_empty() {
        return None;
    }
    let row_step = step_of(&times).unwrap_or(HOUR_MS);
    let k = coarsen_factor(times.len());
    let layers: Vec<Layer> = workloads
        .iter()
        .zip(&series)
        .map(|(name, rows)| {
            // A package's share of each row on this server; a workload in none is at home.
            let stints = run.events.stints_on(run, name, &server.name);
            let share = |t: u64| {
                stints
                    .as_ref()
                    .map_or(1.0, |s| events::covered(s, t, row_step))
            };
            Layer {
                name: name.to_string(),
                colour: OTHERS,
                values: aligned(rows, &times, k, &share),
            }
        })
        .collect();
    if layers.iter().all(|l| l.values.iter().all(|v| *v <= 0.0)) {
        return None;
    }
    let total = layers.len();
    let mut layers = group_small(layers, MAX_LAYERS);
    // Colours by place among the layers shown, so no two of them share one; a workload is
    // on one server only, so this is still one colour per workload.
    let named = if layers.len() < total {
        layers.len() - 1
    } else {
        layers.len()
    };
    for (i, layer) in layers[..named].iter_mut().enumerate() {
        layer.colour = palette(i);
    }
    let coarse_times: Vec<u64> = times.chunks(k).map(|c| c[0]).collect();
    let step = step_of(&times).map(|s| s.saturating_mul(k as u64));
    let tops = cumulative(&layers);
    let mut areas = Vec::new();
    let mut legend = Vec::new();
    let mut lines = Vec::new();
    if let Some(c) = server.capacity {
        lines.push(level(CAPACITY, c, axis.end));
        legend.push(entry(
            format!("capacity {} cores", fmt_tick(c)),
            Swatch::Dashed(CAPACITY),
        ));
        if let Some(u) = run.util_limit {
            lines.push(level(LIMIT, u * c, axis.end));
            legend.push(entry(
                format!(
                    "util limit {} % ({} cores)",
                    fmt_tick(u * 100.0),
                    fmt_tick(round3(u * c))
                ),
                Swatch::Dashed(LIMIT),
            ));
        }
    }
    for (layer, top) in layers.iter().zip(&tops).rev() {
        areas.push(Area {
            colour: layer.colour,
            opacity: 1.0,
            points: staircase(
                &coarse_times
                    .iter()
                    .copied()
                    .zip(top.iter().copied())
                    .collect::<Vec<_>>(),
                step,
                axis,
            ),
        });
        legend.push(entry(layer.name.clone(), Swatch::Fill(layer.colour)));
    }
    let (shades, shade_legend) = run.events.shades(run, &server.name, axis);
    legend.extend(shade_legend);
    let note = if layers.len() < total {
        format!(
            " ({} largest of {total}, the rest as others)",
            layers.len() - 1
        )
    } else {
        String::new()
    };
    Some(TimeChart {
        title: format!(
            "{}: demand by workload, stacked where it ran{note}",
            short_name(&server.name)
        ),
        x_desc: axis.desc(step),
        y_desc: "CPU demand [reference cores]".into(),
        x_end: axis.end,
        axis: axis.clone(),
        shades,
        bands: Vec::new(),
        areas,
        lines,
        legend,
    })
}

/// A workload's demand on the common time grid, × the share of each row it ran on the
/// chart's server, averaged over `k` steps. A missing or non-finite value counts as 0: a
/// stack cannot have a hole in one layer.
fn aligned(rows: &[&Row], times: &[u64], k: usize, share: &dyn Fn(u64) -> f64) -> Vec<f64> {
    let by_time: BTreeMap<u64, f64> = rows.iter().map(|r| (r.time_ms, r.demand)).collect();
    let points: Vec<(u64, f64)> = times
        .iter()
        .map(|t| {
            let v = by_time.get(t).copied().unwrap_or(0.0) * share(*t);
            (*t, if v.is_finite() { v } else { 0.0 })
        })
        .collect();
    coarsen(&points, k).into_iter().map(|p| p.1).collect()
}

/// At most `max` layers: the `max - 1` of largest total demand, in their order, and the
/// rest summed into a grey "others" layer on top.
fn group_small(layers: Vec<Layer>, max: usize) -> Vec<Layer> {
    if layers.len() <= max || max < 2 {
        return layers;
    }
    let total = |l: &Layer| l.values.iter().sum::<f64>();
    let mut order: Vec<usize> = (0..layers.len()).collect();
    order.sort_by(|&a, &b| {
        total(&layers[b])
            .total_cmp(&total(&layers[a]))
            .then(a.cmp(&b))
    });
    let keep: std::collections::BTreeSet<usize> = order[..max - 1].iter().copied().collect();
    let len = layers.first().map_or(0, |l| l.values.len());
    let rest = layers.len() - keep.len();
    let mut others = Layer {
        name: format!("others ({rest} workloads)"),
        colour: OTHERS,
        values: vec![0.0; len],
    };
    let mut kept = Vec::new();
    for (i, layer) in layers.into_iter().enumerate() {
        if keep.contains(&i) {
            kept.push(layer);
        } else {
            for (o, v) in others.values.iter_mut().zip(&layer.values) {
                *o += v;
            }
        }
    }
    kept.push(others);
    kept
}

/// The top of each layer when stacked in order: running sums.
fn cumulative(layers: &[Layer]) -> Vec<Vec<f64>> {
    let mut sum = vec![0.0; layers.first().map_or(0, |l| l.values.len())];
    layers
        .iter()
        .map(|l| {
            for (s, v) in sum.iter_mut().zip(&l.values) {
                *s += v;
            }
            sum.clone()
        })
        .collect()
}

/// Chart 3: per server, its mean utilization per hour of day and day.
fn heat_charts(run: &Run, index: &RowIndex, axis: &TimeAxis) -> Vec<(String, Spec)> {
    let horizon_days = (axis.end * axis.unit_ms / DAY_MS as f64).ceil();
    let days = (horizon_days as usize).clamp(1, MAX_HEAT_DAYS);
    run.servers
        .iter()
        .filter_map(|server| {
            let kind = if server.kind.is_empty() {
                "server"
            } else {
                &server.kind
            };
            let rows = index.get(kind, &server.name);
            if rows.is_empty() {
                return None;
            }
            let points: Vec<(u64, f64)> = rows.iter().map(|r| (r.time_ms, r.utilization)).collect();
            let times: Vec<u64> = points.iter().map(|p| p.0).collect();
            // A lone row stands for the hour it starts in.
            let step = step_of(&times).unwrap_or(HOUR_MS);
            let cells = hour_day_means(&points, step, days);
            if !cells.iter().flatten().any(|c| c.is_some_and(|v| v > 0.0)) {
                return None;
            }
            let spec = HeatMap {
                title: format!(
                    "{}: mean CPU utilization by hour of day",
                    short_name(&server.name)
                ),
                cells,
                start: run.start,
            };
            Some((format!("heatmap_{}", server.name), Spec::Heat(spec)))
        })
        .collect()
}

/// The time-weighted mean of the values in each (day, hour of day) cell, `days` rows of
/// 24, time 0 being midnight of day 1. A value holds from its time for `step_ms` (a row is
/// a mean over its step), so a row longer than an hour fills every hour it covers and one
/// that straddles an hour counts in both, by the time it spends in each. Non-finite values
/// and time past the last day are left out; a cell without any value is `None` (no data).
fn hour_day_means(points: &[(u64, f64)], step_ms: u64, days: usize) -> Vec<[Option<f64>; 24]> {
    let end_ms = (days as u64).saturating_mul(DAY_MS);
    // Per cell: Σ value × ms, Σ ms.
    let mut sums = vec![[(0.0, 0.0); 24]; days];
    for &(t, v) in points.iter().filter(|p| p.1.is_finite()) {
        let stop = t.saturating_add(step_ms.max(1)).min(end_ms);
        let mut from = t;
        while from < stop {
            let to = ((from / HOUR_MS + 1) * HOUR_MS).min(stop);
            let (day, hour) = (
                (from / DAY_MS) as usize,
                ((from % DAY_MS) / HOUR_MS) as usize,
            );
            let weight = (to - from) as f64;
            sums[day][hour].0 += v * weight;
            sums[day][hour].1 += weight;
            from = to;
        }
    }
    sums.iter()
        .map(|row| row.map(|(s, w)| (w > 0.0).then(|| s / w)))
        .collect()
}

/// Chart 4: the cost per server, stacked by item; none when nothing costs anything (the
/// report's Cost section says so in words: an empty chart says nothing).
fn cost_chart(run: &Run) -> Option<(String, Spec)> {
    let nothing = run
        .costs
        .iter()
        .all(|c| c.items.iter().all(|v| *v == 0.0 || !v.is_finite()));
    if nothing {
        return None;
    }
    let columns: Vec<String> = run.costs.iter().map(|c| c.name.clone()).collect();
    let spec = cost_bars(
        "Cost per server over the horizon",
        "server",
        run.currency.as_deref(),
        &run.costs,
        columns.len(),
    );
    Some(("cost".into(), Spec::Bars(spec)))
}

/// Stacked bars of the cost items, one column per entry of `costs`, the total above each.
fn cost_bars(
    title: &str,
    x_desc: &str,
    currency: Option<&str>,
    costs: &[CostColumn],
    colours: usize,
) -> BarChart {
    let nothing = costs
        .iter()
        .all(|c| c.items.iter().all(|v| *v == 0.0 || !v.is_finite()));
    let title = if nothing {
        format!("{title} — no costs configured")
    } else {
        title.to_string()
    };
    let layers = COST_ITEMS
        .iter()
        .enumerate()
        .map(|(i, (_, _, colour))| {
            (
                vec![*colour; colours],
                costs.iter().map(|c| c.items[i]).collect(),
            )
        })
        .collect();
    let value_labels = costs
        .iter()
        .map(|c| fmt_value(c.items.iter().filter(|v| v.is_finite()).sum()))
        .collect();
    BarChart {
        title,
        x_desc: x_desc.into(),
        y_desc: match currency {
            Some(c) if !c.is_empty() => format!("cost [{}]", clean(c)),
            _ => "cost [no currency configured]".into(),
        },
        columns: costs.iter().map(|c| c.name.clone()).collect(),
        layers,
        value_labels,
        legend: COST_ITEMS
            .iter()
            .map(|(_, label, colour)| entry(*label, Swatch::Fill(*colour)))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// Comparison charts

/// A figure of compare.json drawn as bars: its field, title, unit and scale to the unit.
struct Metric {
    key: &'static str,
    title: &'static str,
    unit: &'static str,
    scale: f64,
}

/// The figures of compare.json (docs/OUTPUT.md) in a reading order: size, load, shortfall.
const METRICS: [Metric; 9] = [
    Metric {
        key: "servers",
        title: "Servers",
        unit: "count",
        scale: 1.0,
    },
    Metric {
        key: "capacity_cores",
        title: "Capacity (all servers)",
        unit: "reference cores",
        scale: 1.0,
    },
    Metric {
        key: "peak_demand_cores",
        title: "Peak demand (sum of each server's time-aligned peak)",
        unit: "reference cores",
        scale: 1.0,
    },
    Metric {
        key: "mean_utilization",
        title: "Mean served CPU utilization (capacity-weighted)",
        unit: "%",
        scale: 100.0,
    },
    Metric {
        key: "demand_core_hours",
        title: "Work demanded",
        unit: "core-hours",
        scale: 1.0,
    },
    Metric {
        key: "delayed_core_hours",
        title: "Work delayed",
        unit: "core-hours",
        scale: 1.0,
    },
    Metric {
        key: "unmet_core_hours",
        title: "Work unmet (dropped + backlog at the horizon)",
        unit: "core-hours",
        scale: 1.0,
    },
    Metric {
        key: "worst_sla_met_share",
        title: "Worst workload's SLA met share",
        unit: "%",
        scale: 100.0,
    },
    Metric {
        key: "partitions_exceeding",
        title: "Partitions exceeding a limit",
        unit: "count",
        scale: 1.0,
    },
];

/// One chart per known figure, the verdict's stars, then any other numeric figure.
fn metric_charts(scenarios: &[Value]) -> Vec<(String, Spec)> {
    let names: Vec<String> = scenarios.iter().map(|s| text_of(s, "name")).collect();
    let mut charts: Vec<(String, Spec)> = METRICS
        .iter()
        .filter(|m| scenarios.iter().any(|s| number_of(s, m.key).is_some()))
        .map(|m| {
            let values: Vec<f64> = scenarios
                .iter()
                .map(|s| number_of(s, m.key).map_or(f64::NAN, |v| v * m.scale))
                .collect();
            let mut labels = value_labels(&values, m.unit);
            if m.key == "worst_sla_met_share" {
                for (label, s) in labels.iter_mut().zip(scenarios) {
                    let w = text_of(s, "worst_workload");
                    if !w.is_empty() {
                        label.push_str(&format!(" ({})", clean(&w)));
                    }
                }
            }
            let spec = metric_bars(m.title, m.unit, &names, values, labels);
            (format!("compare_{}", m.key), Spec::Bars(spec))
        })
        .collect();
    if scenarios.iter().any(|s| s.get("verdict").is_some()) {
        charts.push(verdict_chart(scenarios, &names));
    }
    charts.extend(other_metrics(scenarios, &names));
    charts
}

fn value_labels(values: &[f64], unit: &str) -> Vec<String> {
    values
        .iter()
        .map(|v| match unit {
            "%" if v.is_finite() => format!("{} %", fmt_percent(*v)),
            _ => fmt_value(*v),
        })
        .collect()
}

/// A percentage with one decimal, or more when one would round a share short of 100 % up
/// to "100.0" (or one above 0 down to "0.0"): 99.99 % of SLA met is not 100 %.
fn fmt_percent(v: f64) -> String {
    let on_edge = |s: &str| {
        let shown: f64 = s.parse().unwrap_or(v);
        (shown == 100.0 && v != 100.0) || (shown == 0.0 && v != 0.0)
    };
    (1..=4)
        .map(|d| format!("{v:.d$}"))
        .find(|s| !on_edge(s))
        .unwrap_or_else(|| format!("{v:.4}"))
}

/// One bar per scenario, each in its scenario's colour.
fn metric_bars(
    title: &str,
    unit: &str,
    names: &[String],
    values: Vec<f64>,
    value_labels: Vec<String>,
) -> BarChart {
    BarChart {
        title: title.to_string(),
        x_desc: "scenario".into(),
        y_desc: format!("{} [{unit}]", title_case_free(title)),
        columns: names.to_vec(),
        layers: vec![((0..names.len()).map(palette).collect(), values)],
        value_labels,
        legend: Vec::new(),
    }
}

/// The first words of a title as an axis name ("Work delayed (…)" → "work delayed").
fn title_case_free(title: &str) -> String {
    let head = title.split(" (").next().unwrap_or(title);
    let mut chars = head.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The star rating: the bar is the stars (0 when the scenario exceeds its limits or has no
/// data), the label says which.
fn verdict_chart(scenarios: &[Value], names: &[String]) -> (String, Spec) {
    let (values, labels): (Vec<f64>, Vec<String>) = scenarios
        .iter()
        .map(|s| {
            let v = s.get("verdict").unwrap_or(&Value::Null);
            match (number_of(v, "stars"), text_of(v, "status").as_str()) {
                (Some(n), _) => (n, format!("{} ★", fmt_tick(n))),
                (None, "") => (0.0, "n/a".into()),
                (None, status) => (0.0, clean(status)),
            }
        })
        .unzip();
    let mut spec = metric_bars("Verdict (star rating)", "stars", names, values, labels);
    spec.y_desc = "stars (0 = exceeds or no data)".into();
    ("compare_verdict".into(), Spec::Bars(spec))
}

/// Numeric figures added to compare.json after this module was written, in name order.
fn other_metrics(scenarios: &[Value], names: &[String]) -> Vec<(String, Spec)> {
    // `partitions` only counts what `partitions_exceeding` is out of.
    let known = |k: &str| METRICS.iter().any(|m| m.key == k) || k == "cost" || k == "partitions";
    let mut keys = std::collections::BTreeSet::new();
    for s in scenarios {
        if let Some(obj) = s.as_object() {
            keys.extend(
                obj.iter()
                    .filter(|(k, v)| v.is_number() && !known(k))
                    .map(|(k, _)| k.clone()),
            );
        }
    }
    keys.into_iter()
        .map(|key| {
            let values: Vec<f64> = scenarios
                .iter()
                .map(|s| number_of(s, &key).unwrap_or(f64::NAN))
                .collect();
            let labels = value_labels(&values, "");
            let mut spec = metric_bars(&clean(&key), "", names, values, labels);
            spec.y_desc = clean(&key);
            (format!("compare_{key}"), Spec::Bars(spec))
        })
        .collect()
}

/// The cost of each scenario, stacked by item.
fn compare_cost_chart(scenarios: &[Value]) -> (String, Spec) {
    let costs: Vec<CostColumn> = scenarios
        .iter()
        .map(|s| CostColumn::parse(text_of(s, "name"), s.get("cost").unwrap_or(&Value::Null)))
        .collect();
    let mut currencies: Vec<String> = scenarios
        .iter()
        .filter_map(|s| s.get("cost")?.get("currency")?.as_str().map(str::to_string))
        .collect();
    currencies.dedup();
    let currency = currencies.join(" / ");
    let currency = (!currency.is_empty()).then_some(currency.as_str());
    let spec = cost_bars(
        "Cost over the horizon by scenario",
        "scenario",
        currency,
        &costs,
        costs.len(),
    );
    ("compare_cost".into(), Spec::Bars(spec))
}

// ---------------------------------------------------------------------------------------
// Writing

fn write_all(out_dir: &Path, charts: Vec<(String, Spec)>) -> Result<Vec<ChartFile>, ChartError> {
    std::fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;
    let raw: Vec<String> = charts.iter().map(|(stem, _)| stem.clone()).collect();
    charts
        .iter()
        .zip(unique_stems(&raw))
        .map(|((_, spec), stem)| write_chart(out_dir, &stem, spec))
        .collect()
}

fn io_error(path: &Path, source: std::io::Error) -> ChartError {
    ChartError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn draw_error<E: std::error::Error + Send + Sync + 'static>(path: &Path, e: E) -> ChartError {
    ChartError::Draw {
        path: path.to_path_buf(),
        source: Box::new(e),
    }
}

/// Draws one chart as SVG and PNG through [`write_drawn`].
fn write_chart(dir: &Path, stem: &str, spec: &Spec) -> Result<ChartFile, ChartError> {
    let (png, svg) = write_drawn(dir, stem, spec)?;
    Ok(ChartFile {
        title: spec.title().to_string(),
        stem: stem.to_string(),
        png,
        svg,
    })
}

/// A chart that can be drawn on any plotters backend: the run's and comparison's
/// ([`Spec`]) and the sweep's scatter plots, so one writer draws them all the same way.
pub(crate) trait Drawable {
    /// Pixel size of the PNG and of the SVG's canvas.
    fn size(&self) -> (u32, u32);
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB>;
}

impl Drawable for Spec {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        self.draw(root)
    }
}

/// The one chart renderer: draws `chart` as `dir/stem.svg` and `dir/stem.png` (the same
/// drawing code on both backends, so they show the same thing), each written atomically by
/// [`crate::report::write_atomic_with`]. Returns (png, svg).
pub(crate) fn write_drawn(
    dir: &Path,
    stem: &str,
    chart: &impl Drawable,
) -> Result<(PathBuf, PathBuf), ChartError> {
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    let text = render_svg(chart).map_err(|e| draw_error(&svg, e))?;
    crate::report::write_atomic(&svg, text.as_bytes())?;
    crate::report::write_atomic_with(&png, |tmp| {
        render_png(chart, tmp).map_err(|e| draw_error(&png, e))
    })?;
    Ok((png, svg))
}

impl From<crate::Error> for ChartError {
    fn from(e: crate::Error) -> ChartError {
        match e {
            crate::Error::Io { path, source } => ChartError::Io { path, source },
            // The atomic writer gives only I/O errors; anything else is still said.
            other => ChartError::Io {
                path: PathBuf::new(),
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}

fn render_svg(chart: &impl Drawable) -> Result<String, DrawingAreaErrorKind<std::io::Error>> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, chart.size()).into_drawing_area();
        chart.draw_on(&root)?;
        root.present()?;
    }
    Ok(text)
}

fn render_png(
    chart: &impl Drawable,
    path: &Path,
) -> Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>> {
    let root = png::Png(BitMapBackend::new(path, chart.size())).into_drawing_area();
    chart.draw_on(&root)?;
    root.present()
}

// ---------------------------------------------------------------------------------------
// Drawing

/// The white page with the title on top; returns the area for the plot and, when there is
/// a legend, the right-hand panel for it.
#[allow(clippy::type_complexity)]
fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    side: bool,
) -> Result<
    (DrawingArea<DB, Shift>, Option<DrawingArea<DB, Shift>>),
    DrawingAreaErrorKind<DB::ErrorType>,
> {
    root.fill(&WHITE)?;
    let style = font(TITLE_PX);
    let shown = fit(root, title, &style, SIZE.0 - 30)?;
    let body = root.titled(&shown, style)?;
    if side {
        let (plot, panel) = body.split_horizontally(SIZE.0 - SIDE_WIDTH);
        Ok((plot, Some(panel)))
    } else {
        Ok((body, None))
    }
}

/// The legend as a list in the side panel. A label too wide for the panel goes on to a second
/// line, broken at a space (the limit's and the sizing demand's figures are what a reader
/// looks for, so they are not cut off); what still does not fit is cut with an ellipsis.
/// Entries beyond the panel's height are summarized as "… N more".
fn draw_legend<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> Drawn<DB> {
    const ROW: i32 = 22;
    /// A label's second line sits closer than the next entry.
    const WRAP: i32 = 16;
    const TOP: i32 = 24;
    let style = font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
    let (width, height) = panel.dim_in_pixel();
    let max_px = width.saturating_sub(50);
    let mut lines = Vec::with_capacity(entries.len());
    for e in entries {
        lines.push(wrap_label(panel, &e.label, &style, max_px)?);
    }
    let bottom = height as i32 - 30;
    let mut y = TOP;
    for (i, (e, text)) in entries.iter().zip(&lines).enumerate() {
        let needed = ROW + if text.1.is_some() { WRAP } else { 0 };
        // Room for this entry, and for the "… more" line unless it is the last.
        let last = i + 1 == entries.len();
        if y + needed - ROW > bottom || (!last && y + needed > bottom) {
            let more = format!("… {} more", entries.len() - i);
            panel.draw(&Text::new(more, (42, y), style.clone()))?;
            return Ok(());
        }
        draw_swatch(panel, e.swatch, 8, y)?;
        panel.draw(&Text::new(text.0.clone(), (42, y), style.clone()))?;
        if let Some(rest) = &text.1 {
            panel.draw(&Text::new(rest.clone(), (42, y + WRAP), style.clone()))?;
        }
        y += needed;
    }
    Ok(())
}

/// A legend label in one line, or two broken at the last space that lets the first fit (the
/// second cut with an ellipsis if it must be); a label without a usable space is cut.
fn wrap_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    style: &TextStyle,
    max_px: u32,
) -> Result<(String, Option<String>), DrawingAreaErrorKind<DB::ErrorType>> {
    let text = clean(label);
    if area.estimate_text_size(&text, style)?.0 <= max_px {
        return Ok((text, None));
    }
    let spaces: Vec<usize> = text.match_indices(' ').map(|(i, _)| i).collect();
    for &at in spaces.iter().rev() {
        let head = &text[..at];
        if area.estimate_text_size(head, style)?.0 <= max_px {
            let rest = fit(area, text[at + 1..].trim_start(), style, max_px)?;
            return Ok((head.to_string(), Some(rest)));
        }
    }
    Ok((fit(area, &text, style, max_px)?, None))
}

/// A 26 × 12 px sample of a fill, a line or a dashed line, centred on `y`.
fn draw_swatch<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    y: i32,
) -> Drawn<DB> {
    match swatch {
        Swatch::Fill(c) => panel.draw(&Rectangle::new([(x, y - 6), (x + 26, y + 6)], c.filled())),
        Swatch::Tint(c) => {
            let corners = [(x, y - 6), (x + 26, y + 6)];
            panel.draw(&Rectangle::new(corners, c.mix(TINT).filled()))?;
            panel.draw(&PathElement::new(
                vec![(x, y - 6), (x + 26, y - 6)],
                c.stroke_width(1),
            ))
        }
        Swatch::Line(c) => panel.draw(&PathElement::new(
            vec![(x, y), (x + 26, y)],
            c.stroke_width(2),
        )),
        Swatch::Dashed(c) => {
            for dx in [0, 10, 20] {
                panel.draw(&PathElement::new(
                    vec![(x + dx, y), (x + dx + 6, y)],
                    c.stroke_width(2),
                ))?;
            }
            Ok(())
        }
    }
}

/// The lower and upper end of a value axis: covering every finite value and 0, with 8 %
/// room above, never empty.
fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = |v: f64| {
        let p = v * 1.08;
        if p.is_finite() { p } else { v }
    };
    let (lo, hi) = (pad(lo), pad(hi));
    if hi - lo > 0.0 && (hi - lo).is_finite() {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}

fn draw_time<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &TimeChart) -> Drawn<DB> {
    let (plot, panel) = page(root, &c.title, true)?;
    let values = c
        .areas
        .iter()
        .flat_map(|a| a.points.iter())
        .chain(c.lines.iter().flat_map(|l| l.points.iter()))
        .chain(c.bands.iter().flat_map(|b| b.upper.iter()))
        .map(|p| p.1);
    let (lo, hi) = value_range(values);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..c.x_end, lo..hi)?;
    let axis = &c.axis;
    chart
        .configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .x_labels(axis.labels())
        .y_labels(8)
        .x_label_formatter(&|v| axis.tick(*v))
        .y_label_formatter(&|v| fmt_tick(*v))
        .label_style(font(LABEL_PX))
        .axis_desc_style(font(DESC_PX))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .draw()?;
    for shade in &c.shades {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(shade.from, lo), (shade.to, hi)],
            shade.colour.mix(0.55).filled(),
        )))?;
    }
    for band in &c.bands {
        let mut outline = band.lower.clone();
        outline.extend(band.upper.iter().rev());
        if outline.iter().all(|p| p.0.is_finite() && p.1.is_finite()) {
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                band.colour.mix(0.25).filled(),
            )))?;
        }
    }
    for area in &c.areas {
        let fill = area.colour.mix(area.opacity).filled();
        for run in finite_runs(&area.points) {
            let series = AreaSeries::new(run, 0.0, fill);
            chart.draw_series(series.border_style(area.colour.stroke_width(1)))?;
        }
    }
    for l in &c.lines {
        let style = l.colour.stroke_width(l.width);
        for run in finite_runs(&l.points) {
            if l.dashed {
                chart.draw_series(DashedLineSeries::new(run, 8, 5, style))?;
            } else {
                chart.draw_series(LineSeries::new(run, style))?;
            }
        }
    }
    if let Some(panel) = panel {
        draw_legend(&panel, &c.legend)?;
    }
    Ok(())
}

/// Viridis, from a few of its stops: perceptually even and readable in grey.
fn heat_colour(share: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (68, 1, 84),
        (59, 82, 139),
        (33, 145, 140),
        (94, 201, 98),
        (253, 231, 37),
    ];
    let s = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = s * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn draw_heat<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &HeatMap) -> Drawn<DB> {
    let (plot, panel) = page(root, &c.title, true)?;
    let days = c.cells.len().max(1);
    // Day 1 at the top, as in a calendar: day d is drawn at y = days + 1 - d.
    let y_of = |d: usize| (days + 1 - d) as f64;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(if c.start.is_some() { 84 } else { 64 })
        .build_cartesian_2d(-0.5f64..23.5, 0.5f64..days as f64 + 0.5)?;
    let (x_desc, y_desc) = match c.start {
        Some(d) => (
            format!("hour of day (0 = midnight; day 1 = {})", d.long()),
            "date",
        ),
        None => ("hour of day (0 = midnight of day 1)".to_string(), "day"),
    };
    let day_label = |day: i64| match c.start {
        Some(d) => {
            let date = d.plus_days(day - 1);
            format!("{} {}", date.weekday(), date.month_day())
        }
        None => day.to_string(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(24)
        .y_labels(days.min(16))
        .x_label_formatter(&|v| integer_label(*v).map_or(String::new(), |h| h.to_string()))
        .y_label_formatter(&|v| {
            integer_label(*v)
                .filter(|y| (1..=days as i64).contains(y))
                .map_or(String::new(), |y| day_label(days as i64 + 1 - y))
        })
        .label_style(font(LABEL_PX))
        .axis_desc_style(font(DESC_PX))
        .draw()?;
    chart.draw_series(c.cells.iter().enumerate().flat_map(|(d, hours)| {
        let y = y_of(d + 1);
        hours.iter().enumerate().map(move |(h, v)| {
            let colour = v.map_or(NO_DATA, heat_colour);
            let h = h as f64;
            Rectangle::new([(h - 0.5, y - 0.5), (h + 0.5, y + 0.5)], colour.filled())
        })
    }))?;
    let missing = c.cells.iter().flatten().any(Option::is_none);
    if let Some(panel) = panel {
        draw_colour_bar(&panel, missing)?;
    }
    Ok(())
}

/// The integer a tick stands on, or `None` between integers (plotters may pick half steps).
fn integer_label(v: f64) -> Option<i64> {
    ((v - v.round()).abs() < 1e-6).then(|| v.round() as i64)
}

/// The colour scale 0–100 % beside the heat map, and the "no data" swatch when needed.
fn draw_colour_bar<DB: DrawingBackend>(panel: &DrawingArea<DB, Shift>, missing: bool) -> Drawn<DB> {
    let area = panel.margin(44, 60 + 48, 16, 100);
    let mut bar = ChartBuilder::on(&area)
        .right_y_label_area_size(44)
        .build_cartesian_2d(0f64..1.0, 0f64..100.0)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format!("{} %", fmt_tick(*v)))
        .label_style(font(LABEL_PX))
        .draw()?;
    bar.draw_series((0..100).map(|i| {
        let y = f64::from(i);
        Rectangle::new(
            [(0.0, y), (1.0, y + 1.0)],
            heat_colour((y + 0.5) / 100.0).filled(),
        )
    }))?;
    let style = font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
    panel.draw(&Text::new("CPU utilization", (16, 20), style.clone()))?;
    if missing {
        let (_, h) = panel.dim_in_pixel();
        let y = h as i32 - 60 - 30;
        draw_swatch(panel, Swatch::Fill(NO_DATA), 16, y)?;
        panel.draw(&Text::new("no data", (50, y), style))?;
    }
    Ok(())
}

/// How category names go under the bars: across when the widest fits its slot; otherwise
/// turned a quarter and, when even that overlaps, only every n-th.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CategoryLabels {
    Across { max_px: u32 },
    Turned { max_px: u32, every: usize },
}

/// The band under the plot for turned labels (labels and the axis description).
const TURNED_BAND: u32 = 150;

fn category_labels(slot_px: f64, widest_px: u32, line_px: u32) -> CategoryLabels {
    let max_across = (slot_px - 8.0).max(0.0) as u32;
    if widest_px <= max_across {
        CategoryLabels::Across { max_px: max_across }
    } else {
        let every = ((f64::from(line_px) * 1.4) / slot_px.max(1.0))
            .ceil()
            .max(1.0) as usize;
        CategoryLabels::Turned {
            max_px: TURNED_BAND - 40,
            every,
        }
    }
}

fn draw_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &BarChart) -> Drawn<DB> {
    let (plot, panel) = page(root, &c.title, !c.legend.is_empty())?;
    let n = c.columns.len().max(1);
    let label_style = font(LABEL_PX);
    let mut widest = 0;
    for name in &c.columns {
        widest = widest.max(plot.estimate_text_size(&clean(name), &label_style)?.0);
    }
    const MARGIN: u32 = 12;
    const Y_AREA: u32 = 72;
    let plot_px = plot.dim_in_pixel().0.saturating_sub(2 * MARGIN + Y_AREA);
    let layout = category_labels(f64::from(plot_px) / n as f64, widest, LABEL_PX);
    let band = match layout {
        CategoryLabels::Across { .. } => 48,
        CategoryLabels::Turned { .. } => TURNED_BAND,
    };
    let (lo, hi) = stack_range(&c.layers, n);
    // Room above the tallest bar for its figure.
    let hi = hi + (hi - lo) * 0.08;
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .x_label_area_size(band)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(0f64..n as f64, lo..hi)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .y_labels(8)
        .y_label_formatter(&|v| fmt_tick(*v))
        .label_style(font(LABEL_PX))
        .axis_desc_style(font(DESC_PX))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .draw()?;
    let slot_px = f64::from(plot_px) / n as f64;
    // Bars at most 120 px wide: one column must not fill the whole chart.
    let half = (60.0 / slot_px.max(1.0)).min(0.35);
    let mut tops = vec![0.0f64; n];
    let mut bottoms = vec![0.0f64; n];
    for (colours, values) in &c.layers {
        for (i, v) in values.iter().enumerate().take(n) {
            let v = if v.is_finite() { *v } else { 0.0 };
            let x = i as f64;
            let (from, to) = if v >= 0.0 {
                tops[i] += v;
                (tops[i] - v, tops[i])
            } else {
                bottoms[i] += v;
                (bottoms[i], bottoms[i] - v)
            };
            if to > from {
                let colour = colours.get(i).copied().unwrap_or(OTHERS);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.5 - half, from), (x + 0.5 + half, to)],
                    colour.filled(),
                )))?;
            }
        }
    }
    for (i, label) in c.value_labels.iter().enumerate().take(c.columns.len()) {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, tops[i]));
        let style = font(LABEL_PX).pos(Pos::new(HPos::Center, VPos::Bottom));
        let text = clean(label);
        if f64::from(root.estimate_text_size(&text, &style)?.0) <= slot_px - 4.0 {
            root.draw(&Text::new(text, (x, y - 4), style))?;
        }
    }
    draw_category_labels(root, &chart, &c.columns, layout, lo)?;
    if let Some(panel) = panel {
        draw_legend(&panel, &c.legend)?;
    }
    Ok(())
}

/// Lower and upper end of the value axis of stacked bars: positives stack up, negatives down.
fn stack_range(layers: &[(Vec<RGBColor>, Vec<f64>)], n: usize) -> (f64, f64) {
    let mut up = vec![0.0f64; n];
    let mut down = vec![0.0f64; n];
    for (_, values) in layers {
        for (i, v) in values.iter().enumerate().take(n) {
            if v.is_finite() {
                if *v >= 0.0 { up[i] += v } else { down[i] += v }
            }
        }
    }
    value_range(up.into_iter().chain(down))
}

fn draw_category_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    columns: &[String],
    layout: CategoryLabels,
    lo: f64,
) -> Drawn<DB> {
    for (i, name) in columns.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, lo));
        match layout {
            CategoryLabels::Across { max_px } => {
                let style = font(LABEL_PX).pos(Pos::new(HPos::Center, VPos::Top));
                let text = fit(root, name, &style, max_px)?;
                root.draw(&Text::new(text, (x, y + 8), style))?;
            }
            CategoryLabels::Turned { max_px, every } => {
                if i % every != 0 {
                    continue;
                }
                let style = font(LABEL_PX)
                    .transform(FontTransform::Rotate90)
                    .pos(Pos::new(HPos::Left, VPos::Center));
                let text = fit(root, name, &style, max_px)?;
                root.draw(&Text::new(text, (x, y + 8), style))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The charts of a partial summary tree, read leniently (a missing field is absent).
    fn draw_run(
        summary: &Value,
        rows: &[Row],
        out_dir: &Path,
    ) -> Result<Vec<ChartFile>, ChartError> {
        draw(&Run::parse(summary), rows, out_dir)
    }

    impl Node {
        fn parse(v: &Value) -> Node {
            Node {
                name: text_of(v, "name"),
                kind: text_of(v, "kind"),
                server: text_of(v, "server"),
                parent: text_of(v, "parent"),
                capacity: number_of(v, "capacity_cores"),
                peak: number_of(v, "peak_demand_cores").unwrap_or(f64::NEG_INFINITY),
                sizing: number_of(v, "sizing_demand_cores"),
                planning: v.get("planning").and_then(forecast::Planned::parse),
            }
        }
    }

    impl Run {
        /// A partial summary tree as the charts take it.
        fn parse(summary: &Value) -> Run {
            let scenario = summary.get("scenario").unwrap_or(&Value::Null);
            let cost = summary.get("cost").unwrap_or(&Value::Null);
            Run {
                horizon_ms: scenario
                    .get("horizon_ms")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                util_limit: number_of(scenario, "util_limit"),
                sizing_percentile: number_of(scenario, "sizing_percentile"),
                interval_ms: scenario.get("interval_ms").and_then(Value::as_u64),
                start: scenario
                    .get("start")
                    .and_then(Value::as_str)
                    .and_then(|d| Date::parse(d).ok()),
                events: events::Events::parse(summary.get("ha").unwrap_or(&Value::Null)),
                servers: array_of(summary, "servers")
                    .iter()
                    .map(Node::parse)
                    .collect(),
                partitions: array_of(summary, "partitions")
                    .iter()
                    .map(Node::parse)
                    .collect(),
                workloads: array_of(summary, "workloads")
                    .iter()
                    .map(|w| (text_of(w, "name"), text_of(w, "partition")))
                    .collect(),
                currency: cost
                    .get("currency")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                costs: array_of(cost, "servers")
                    .iter()
                    .map(|s| CostColumn::parse(text_of(s, "name"), s))
                    .collect(),
            }
        }
    }

    /// A fresh folder under the system's temporary folder, kept after the test so the
    /// charts can be looked at.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join("vsesim-charts-test").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// A summary with one server `srv` (8 cores) holding partitions `p1` (4 cores) and `p2`
    /// (4 cores), workloads `alpha` and `beta` on `p1` and `gamma` on `p2`.
    fn summary(horizon_ms: u64) -> Value {
        json!({
            "scenario": {"name": "t", "horizon_ms": horizon_ms, "util_limit": 0.8},
            "servers": [{"name": "srv", "kind": "server", "server": "srv",
                         "capacity_cores": 8.0, "peak_demand_cores": 6.0}],
            "partitions": [
                {"name": "p1", "kind": "vpar", "server": "srv", "capacity_cores": 4.0,
                 "peak_demand_cores": 4.0},
                {"name": "p2", "kind": "vpar", "server": "srv", "capacity_cores": 4.0,
                 "peak_demand_cores": 2.0}
            ],
            "workloads": [
                {"name": "alpha", "partition": "p1"},
                {"name": "beta", "partition": "p1"},
                {"name": "gamma", "partition": "p2"}
            ],
            "cost": {"currency": "EUR", "servers": [
                {"name": "srv", "hardware": 100.0, "software": 50.0, "energy": 5.0}
            ]}
        })
    }

    fn row(time_ms: u64, entity: &str, kind: &str, demand: f64) -> Row {
        Row {
            time_ms,
            entity: entity.into(),
            kind: kind.into(),
            demand,
            allocation: (kind != "workload").then_some(4.0),
            served: demand.min(4.0),
            backlog: 0.0,
            utilization: demand / 8.0,
        }
    }

    /// Hourly rows over `hours` for every entity of [`summary`].
    fn rows(hours: u64) -> Vec<Row> {
        let mut out = Vec::new();
        for h in 0..hours {
            let t = h * HOUR_MS;
            let wave = (h % 24) as f64 / 8.0;
            out.push(row(t, "alpha", "workload", 1.0 + wave));
            out.push(row(t, "beta", "workload", 0.5));
            out.push(row(t, "gamma", "workload", 0.25 + wave / 2.0));
            out.push(row(t, "srv", "server", 1.75 + 1.5 * wave));
            out.push(row(t, "p1", "vpar", 1.5 + wave));
            out.push(row(t, "p2", "vpar", 0.25 + wave / 2.0));
        }
        out
    }

    fn stems(files: &[ChartFile]) -> Vec<&str> {
        files.iter().map(|f| f.stem.as_str()).collect()
    }

    #[test]
    fn a_run_draws_every_chart_in_a_stable_order() {
        let files = draw_run(&summary(3 * DAY_MS), &rows(72), &scratch("run")).unwrap();
        assert_eq!(
            stems(&files),
            [
                "demand_srv",
                "demand_p1",
                "demand_p2",
                "stack_srv",
                "heatmap_srv",
                "cost"
            ]
        );
        for f in &files {
            let png = std::fs::read(&f.png).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", f.png.display());
            assert!(png.len() > 1000);
            let svg = std::fs::read_to_string(&f.svg).unwrap();
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
            assert_eq!(
                f.png.file_name().unwrap(),
                format!("{}.png", f.stem).as_str()
            );
        }
        // No temporary file is left behind.
        let dir = files[0].png.parent().unwrap();
        let names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
        assert_eq!(names.len(), 2 * files.len());
    }

    #[test]
    fn the_stacked_chart_names_its_workloads_and_limits() {
        let files = draw_run(&summary(3 * DAY_MS), &rows(72), &scratch("stack")).unwrap();
        let stack = files.iter().find(|f| f.stem == "stack_srv").unwrap();
        let svg = std::fs::read_to_string(&stack.svg).unwrap();
        for text in [
            "srv: demand by workload, stacked",
            ">\nalpha\n<",
            ">\nbeta\n<",
            ">\ngamma\n<",
            "capacity 8 cores",
            "util limit 80 % (6.4 cores)",
            "CPU demand [reference cores]",
            "time since start [days]; means over 1 h",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn drawing_twice_gives_identical_bytes() {
        let (a, b) = (scratch("same-a"), scratch("same-b"));
        let first = draw_run(&summary(3 * DAY_MS), &rows(72), &a).unwrap();
        let second = draw_run(&summary(3 * DAY_MS), &rows(72), &b).unwrap();
        assert_eq!(stems(&first), stems(&second));
        for (x, y) in first.iter().zip(&second) {
            assert_eq!(
                std::fs::read(&x.svg).unwrap(),
                std::fs::read(&y.svg).unwrap()
            );
            assert_eq!(
                std::fs::read(&x.png).unwrap(),
                std::fs::read(&y.png).unwrap()
            );
        }
    }

    #[test]
    fn without_rows_only_the_cost_chart() {
        let files = draw_run(&summary(DAY_MS), &[], &scratch("no-rows")).unwrap();
        assert_eq!(stems(&files), ["cost"]);
        let svg = std::fs::read_to_string(&files[0].svg).unwrap();
        assert!(svg.contains("cost [EUR]"));
        assert!(svg.contains(">\n155\n<"), "the total above the bar");
        assert!(!files[0].title.contains("no costs"));
    }

    /// No chart says nothing: without any cost there is no cost chart (the report's Cost
    /// section says so in words).
    #[test]
    fn zero_costs_draw_no_chart() {
        let mut s = summary(DAY_MS);
        s["cost"] = json!({"currency": null, "servers": [{"name": "srv"}]});
        let files = draw_run(&s, &[], &scratch("zero-cost")).unwrap();
        assert!(files.is_empty(), "{files:?}");
        // The bars of a comparison with nothing configured still say so.
        let spec = cost_bars(
            "t",
            "x",
            None,
            &[CostColumn::parse("a".into(), &json!({}))],
            1,
        );
        assert!(spec.title.ends_with("no costs configured"));
        assert_eq!(spec.y_desc, "cost [no currency configured]");
    }

    /// The time chart of a node, from its rows: the spec before it is drawn.
    fn node_chart(s: &Value, rows: &[Row], name: &str) -> TimeChart {
        let run = Run::parse(s);
        let index = RowIndex::new(rows);
        let axis = TimeAxis::new(run.horizon_ms, rows).dated(run.start);
        let charts = demand_charts(&run, &index, &axis);
        let (_, spec) = charts
            .into_iter()
            .find(|(stem, _)| stem == &format!("demand_{name}"))
            .unwrap_or_else(|| panic!("no chart of {name}"));
        match spec {
            Spec::Time(c) => c,
            _ => panic!("a time chart"),
        }
    }

    /// A horizontal line's y, found by its colour.
    fn level_of(c: &TimeChart, colour: RGBColor) -> Option<f64> {
        c.lines
            .iter()
            .find(|l| l.colour == colour && l.dashed && l.points.len() == 2)
            .map(|l| l.points[0].1)
    }

    fn labels(c: &TimeChart) -> Vec<&str> {
        c.legend.iter().map(|e| e.label.as_str()).collect()
    }

    /// Every node's chart draws its limit (util_limit × capacity: 0.8 × 4 = 3.2 cores for
    /// p1) and its demand at the sizing percentile (the summary's sizing_demand_cores),
    /// labelled with their values.
    #[test]
    fn node_charts_draw_the_limit_and_the_sizing_demand() {
        let mut s = summary(3 * DAY_MS);
        s["partitions"][0]["sizing_demand_cores"] = json!(3.5);
        s["scenario"]["sizing_percentile"] = json!(99.0);
        let c = node_chart(&s, &rows(72), "p1");
        assert_eq!(level_of(&c, LIMIT), Some(0.8 * 4.0));
        assert_eq!(level_of(&c, SIZING), Some(3.5));
        assert_eq!(level_of(&c, CAPACITY), Some(4.0));
        let l = labels(&c);
        assert!(l.contains(&"limit 80 % = 3.2 cores"), "{l:?}");
        assert!(l.contains(&"p99 demand 3.5 cores"), "{l:?}");
        // With the report interval known, the legend says what the percentile is over.
        s["scenario"]["interval_ms"] = json!(300_000);
        let c = node_chart(&s, &rows(72), "p1");
        assert!(labels(&c).contains(&"p99 demand 3.5 cores (5 min means)"));
        // The server's limit: 0.8 × 8.
        let srv = node_chart(&s, &rows(72), "srv");
        assert_eq!(level_of(&srv, LIMIT), Some(6.4));
        assert_eq!(
            level_of(&srv, SIZING),
            None,
            "no sizing demand in its summary"
        );
    }

    /// Allocation equal to the capacity (a fixed partition) is not drawn; below it, it is.
    #[test]
    fn allocation_is_hidden_where_it_equals_capacity() {
        let s = summary(3 * DAY_MS);
        // rows() give every node an allocation of 4: p1's and p2's capacity, half srv's.
        let p1 = node_chart(&s, &rows(72), "p1");
        assert!(!p1.lines.iter().any(|l| l.colour == ALLOCATION));
        assert!(!labels(&p1).iter().any(|l| l.starts_with("allocation")));
        let srv = node_chart(&s, &rows(72), "srv");
        let alloc = srv.lines.iter().find(|l| l.colour == ALLOCATION).unwrap();
        assert!(alloc.points.iter().all(|p| p.1 == 4.0));
        // Allocation at capacity part of the time: drawn where below, and said so.
        let mut rs = rows(72);
        for r in rs
            .iter_mut()
            .filter(|r| r.entity == "p1" && r.time_ms < DAY_MS)
        {
            r.allocation = Some(2.0);
        }
        let p1 = node_chart(&s, &rs, "p1");
        let alloc = p1.lines.iter().find(|l| l.colour == ALLOCATION).unwrap();
        let drawn: Vec<f64> = alloc
            .points
            .iter()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .collect();
        assert!(!drawn.is_empty() && drawn.iter().all(|v| *v == 2.0));
        assert!(labels(&p1).contains(&"allocation (below capacity)"));
    }

    /// A node without demand gets no chart: an empty chart is noise in a review.
    #[test]
    fn a_node_without_demand_gets_no_chart() {
        let mut rs = rows(24);
        for r in rs.iter_mut().filter(|r| r.entity == "p2") {
            r.demand = 0.0;
            r.served = 0.0;
        }
        let files = draw_run(&summary(DAY_MS), &rs, &scratch("idle")).unwrap();
        assert!(!stems(&files).contains(&"demand_p2"), "{:?}", stems(&files));
        assert!(stems(&files).contains(&"demand_p1"));
    }

    /// With `[scenario] start`, ticks are dates: day 2 of a run from 2011-03-03 is Mar 5
    /// (time 0 is midnight of Mar 3); an hour axis gives the hour too.
    #[test]
    fn dates_on_the_axis() {
        let start = Date::parse("2011-03-03").ok();
        let days = TimeAxis::new(14 * DAY_MS, &[]).dated(start);
        assert_eq!(days.tick(2.0), "Mar 5");
        assert_eq!(days.tick(29.0), "Apr 1");
        assert_eq!(days.tick(0.5), "Mar 3 12h");
        assert!(
            days.desc(Some(300_000))
                .starts_with("date (time 0 = Thu Mar 3 2011 00:00)")
        );
        let hours = TimeAxis::new(DAY_MS, &[]).dated(start);
        assert_eq!(hours.tick(14.0), "Mar 3 14h");
        assert_eq!(hours.tick(26.0), "Mar 4 2h");
        let plain = TimeAxis::new(14 * DAY_MS, &[]);
        assert_eq!(plain.tick(2.0), "2");
        // The summary's start reaches the charts.
        let mut s = summary(3 * DAY_MS);
        s["scenario"]["start"] = json!("2011-03-03");
        let c = node_chart(&s, &rows(72), "p1");
        assert_eq!(c.axis.tick(1.0), "Mar 4");
    }

    /// Two servers, a package moving from `a` (on s1) to `b` (on s2) at 12:00 after `a`
    /// went down at 11:00 (an hour of reformation and start-up): s1's stack has the
    /// workload until 11:00 and never after, s2's from 12:00 on; both charts shade the
    /// outage of `a`, only s1's as its own node's.
    fn failover_summary() -> Value {
        json!({
            "scenario": {"name": "f", "horizon_ms": DAY_MS, "util_limit": 0.8},
            "servers": [
                {"name": "s1", "kind": "server", "server": "s1", "capacity_cores": 4.0, "peak_demand_cores": 2.0},
                {"name": "s2", "kind": "server", "server": "s2", "capacity_cores": 4.0, "peak_demand_cores": 2.0}
            ],
            "partitions": [
                {"name": "a", "kind": "vpar", "parent": "s1", "server": "s1", "capacity_cores": 2.0, "peak_demand_cores": 1.0},
                {"name": "b", "kind": "vpar", "parent": "s2", "server": "s2", "capacity_cores": 2.0, "peak_demand_cores": 1.0}
            ],
            "workloads": [{"name": "db", "partition": "a"}, {"name": "web", "partition": "b"}],
            "ha": {
                "packages": [{"name": "pkg", "workloads": ["db"]}],
                "outages": [{"target": "a", "kind": "node", "start_ms": 11 * HOUR_MS, "end_ms": 15 * HOUR_MS, "replaced_by_icap": false}],
                "placements": [
                    {"package": "pkg", "node": "a", "from_ms": 0, "to_ms": 11 * HOUR_MS},
                    {"package": "pkg", "node": "b", "from_ms": 12 * HOUR_MS, "to_ms": DAY_MS}
                ]
            },
            "cost": {"servers": []}
        })
    }

    fn stack_of(s: &Value, rs: &[Row], server: &str) -> TimeChart {
        let run = Run::parse(s);
        let index = RowIndex::new(rs);
        let axis = TimeAxis::new(run.horizon_ms, rs);
        match stack_charts(&run, &index, &axis)
            .into_iter()
            .find(|(stem, _)| stem == &format!("stack_{server}"))
            .map(|(_, spec)| spec)
        {
            Some(Spec::Time(c)) => c,
            _ => panic!("no stack of {server}"),
        }
    }

    #[test]
    fn a_failed_over_workload_is_drawn_where_it_ran() {
        let s = failover_summary();
        let rs: Vec<Row> = (0..24)
            .flat_map(|h| {
                [
                    row(h * HOUR_MS, "db", "workload", 1.0),
                    row(h * HOUR_MS, "web", "workload", 0.5),
                ]
            })
            .collect();
        // Stacks are drawn top layer first: the last area is the first layer's top.
        let s1 = stack_of(&s, &rs, "s1");
        assert_eq!(labels(&s1)[2..3], ["db"], "{:?}", labels(&s1));
        let db_on_s1 = &s1.areas.last().unwrap().points;
        // A step drawn from h: the last point at h (the one before ends the previous step).
        let at =
            |pts: &[(f64, f64)], h: f64| pts.iter().rev().find(|p| p.0 == h).map(|p| p.1).unwrap();
        assert_eq!(at(db_on_s1, 10.0), 1.0);
        assert_eq!(at(db_on_s1, 11.0), 0.0, "failed at 11:00");
        assert_eq!(at(db_on_s1, 20.0), 0.0, "manual failback: it stays on b");
        let s2 = stack_of(&s, &rs, "s2");
        assert!(labels(&s2).contains(&"db") && labels(&s2).contains(&"web"));
        // s2's stack: web (0.5) below, db on top of it from 12:00 on.
        let top = &s2.areas[0].points;
        assert_eq!(at(top, 11.0), 0.5);
        assert_eq!(at(top, 12.0), 1.5);
        // The outage of a: 11:00 to 15:00, shaded on s1 (it holds a) and on a's chart.
        assert_eq!(
            s1.shades,
            [Shade {
                colour: DOWN,
                from: 11.0,
                to: 15.0
            }]
        );
        assert!(labels(&s1).contains(&"a down"));
        assert!(s2.shades.is_empty(), "s2 did not fail");
    }

    /// The forecast chart draws what the forecast used: the trend through its level at the
    /// end of the history at its rate (a year on: level × 1.4 for 40 % compound), the band
    /// between the rate's interval ends, and the limit × capacity.
    #[test]
    fn the_forecast_chart_draws_the_fitted_trend_and_the_limit() {
        let mut s = summary(30 * DAY_MS);
        s["partitions"][0]["planning"] = json!({
            "horizon_days": 1095.0,
            "cpu": {"unit": "cores", "capacity": 4.0, "limit": 0.8, "demand_now": 2.0,
                    "time_remaining_days": 300.0, "time_remaining_days_ci95_low": 250.0,
                    "time_remaining_days_ci95_high": 400.0,
                    "growth": {"source": "fit", "model": "compound", "rate": 0.4,
                               "rate_ci95_low": 0.3, "rate_ci95_high": 0.5, "r_squared": 0.9,
                               "days": 30, "level_at_end": 2.0}}
        });
        let rs = rows(30 * 24);
        let run = Run::parse(&s);
        let index = RowIndex::new(&rs);
        let charts = forecast::charts(&run, &index);
        assert_eq!(charts.len(), 1, "only p1 is fitted");
        let Spec::Time(c) = &charts[0].1 else {
            panic!()
        };
        assert_eq!(charts[0].0, "forecast_p1");
        assert_eq!(level_of(c, LIMIT), Some(0.8 * 4.0));
        let trend = c
            .lines
            .iter()
            .find(|l| l.colour == RGBColor(40, 40, 40))
            .unwrap();
        let at = |x: f64| {
            trend
                .points
                .iter()
                .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
                .map(|p| (p.0, p.1))
                .unwrap()
        };
        let (x, y) = at(30.0 + 365.0);
        let want = 2.0 * 1.4f64.powf((x - 30.0) / 365.0);
        assert!((y - want).abs() < 1e-9, "{y} vs {want}");
        let (x0, y0) = at(30.0);
        assert!((y0 - 2.0 * 1.4f64.powf((x0 - 30.0) / 365.0)).abs() < 1e-9);
        // The axis reaches past the late end of the crossing: 400 × 1.15 days on.
        assert!((c.x_end - (30.0 + 460.0)).abs() < 1e-9);
        let band = &c.bands[0];
        for (lo, hi) in band.lower.iter().zip(&band.upper) {
            let x = lo.0;
            assert!((lo.1 - 2.0 * 1.3f64.powf((x - 30.0) / 365.0)).abs() < 1e-9);
            assert!((hi.1 - 2.0 * 1.5f64.powf((x - 30.0) / 365.0)).abs() < 1e-9);
        }
        assert!(labels(c).contains(&"limit in 300 days (250 to 400)"));
        // The history: one point a day, the day's peak of p1's rows (1.5 + 23/8).
        let f = forecast::forecast(&run, &run.partitions[0], index.get("vpar", "p1")).unwrap();
        assert_eq!(f.daily.len(), 30);
        assert!(
            f.daily
                .iter()
                .all(|d| (d - (1.5 + 23.0 / 8.0)).abs() < 1e-12)
        );
    }

    #[test]
    fn heat_map_cells_are_the_means_of_their_hour() {
        let m = 60_000;
        let points = [
            (0, 0.2),
            (30 * m, 0.4),                // day 1, 00:00: (0.2 + 0.4) / 2
            (HOUR_MS, 0.5),               // day 1, 01:00: 0.5 for its first half only
            (2 * HOUR_MS, f64::NAN),      // left out: 02:00 has no data
            (DAY_MS + 23 * HOUR_MS, 1.0), // day 2, 23:00: (1.0 + 0.0) / 2
            (DAY_MS + 23 * HOUR_MS + 30 * m, 0.0),
            (2 * DAY_MS, 0.9), // past the last day: left out
        ];
        let cells = hour_day_means(&points, 30 * m, 2);
        assert_eq!(cells.len(), 2);
        assert!((cells[0][0].unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(cells[0][1], Some(0.5));
        assert_eq!(cells[0][2], None);
        assert_eq!(cells[1][23], Some(0.5));
        let filled = cells.iter().flatten().filter(|c| c.is_some()).count();
        assert_eq!(filled, 3);
    }

    #[test]
    fn heat_map_rows_fill_the_hours_they_cover() {
        let m = 60_000;
        // Hourly rows starting at half past: each hour gets half of two rows.
        let cells = hour_day_means(&[(30 * m, 1.0), (90 * m, 0.0), (150 * m, 0.6)], HOUR_MS, 1);
        assert_eq!(cells[0][0], Some(1.0), "00:30–01:00 only");
        assert_eq!(cells[0][1], Some(0.5), "(1.0 × 30 + 0.0 × 30) / 60");
        assert!((cells[0][2].unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(cells[0][3], Some(0.6), "the last row holds its step");
        assert_eq!(cells[0][4], None);
        // A 3-hour row fills three hours; one past the end is cut there.
        let cells = hour_day_means(&[(22 * HOUR_MS, 0.7)], 3 * HOUR_MS, 1);
        assert_eq!(cells[0][22..], [Some(0.7), Some(0.7)]);
        assert_eq!(cells[0][21], None);
    }

    #[test]
    fn stems_are_safe_and_unique_for_hostile_names() {
        let long = "x".repeat(300);
        let raw: Vec<String> = [
            "demand_a/b",
            "demand_a:b",
            "demand_A/B",
            "demand_../../etc/passwd",
            "demand_ünï cødé",
            "demand_a_b",
            "",
            &format!("demand_{long}"),
            &format!("demand_{long}y"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let stems = unique_stems(&raw);
        let lower: std::collections::BTreeSet<String> =
            stems.iter().map(|s| s.to_ascii_lowercase()).collect();
        assert_eq!(lower.len(), raw.len(), "{stems:?}");
        for s in &stems {
            assert!(!s.is_empty() && s.len() <= 124, "{s}");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
                "{s}"
            );
            assert!(!s.contains('/'));
        }
        assert_eq!(stems[0], "demand_a_b");
        assert_eq!(stems[1], "demand_a_b-2");
        assert_eq!(stems[2], "demand_A_B-3");
        assert_eq!(stems[5], "demand_a_b-4");
    }

    #[test]
    fn hostile_names_draw_into_distinct_files() {
        let long = format!("{}<&\"'\u{0}\n{}", "n".repeat(100), "m".repeat(100));
        let mut s = summary(DAY_MS);
        s["servers"][0]["name"] = json!(long);
        s["partitions"][0]["server"] = json!(long);
        s["partitions"][1]["server"] = json!(long);
        s["partitions"][0]["name"] = json!("a/b");
        s["partitions"][1]["name"] = json!("a:b");
        s["workloads"][0]["name"] = json!(format!("w{}", "é".repeat(199)));
        s["workloads"][0]["partition"] = json!("a/b");
        s["workloads"][1]["partition"] = json!("a/b");
        s["workloads"][2]["partition"] = json!("a:b");
        let mut rs = rows(24);
        for r in &mut rs {
            match r.entity.as_str() {
                "srv" => r.entity = long.clone(),
                "p1" => r.entity = "a/b".into(),
                "p2" => r.entity = "a:b".into(),
                "alpha" => r.entity = format!("w{}", "é".repeat(199)),
                _ => {}
            }
        }
        let files = draw_run(&s, &rs, &scratch("hostile")).unwrap();
        assert_eq!(files.len(), 6);
        assert_eq!(files[1].stem, "demand_a_b");
        assert_eq!(files[2].stem, "demand_a_b-2");
        for f in &files {
            let svg = std::fs::read_to_string(&f.svg).unwrap();
            assert!(
                !svg.contains('\u{0}'),
                "control characters make invalid XML"
            );
            assert!(!svg.contains("<&"), "text is escaped");
            assert!(f.png.exists());
        }
        let stack = std::fs::read_to_string(&files[3].svg).unwrap();
        assert!(stack.contains('…'), "long names are cut with an ellipsis");
    }

    #[test]
    fn odd_data_draws_without_panicking() {
        // NaN everywhere, zero capacity, a zero horizon and a single row.
        let mut s = summary(0);
        s["servers"][0]["capacity_cores"] = json!(0.0);
        s["scenario"]["util_limit"] = json!(null);
        let mut one = row(0, "srv", "server", f64::NAN);
        one.allocation = Some(f64::NAN);
        one.utilization = f64::NAN;
        let files = draw_run(&s, &[one], &scratch("odd-single")).unwrap();
        // The heat map of a NaN utilization would be empty: not drawn.
        assert_eq!(stems(&files), ["demand_srv", "cost"]);

        let mut rs = rows(5);
        for (i, r) in rs.iter_mut().enumerate() {
            if i % 3 == 0 {
                r.demand = f64::NAN;
                r.served = f64::INFINITY;
                r.utilization = -f64::INFINITY;
            }
        }
        rs.push(row(u64::MAX, "srv", "server", 1e300));
        draw_run(&s, &rs, &scratch("odd-nan")).unwrap();
        draw_run(&json!(null), &rs, &scratch("odd-null")).unwrap();
        draw_run(
            &json!({"servers": 7, "cost": "x"}),
            &rs,
            &scratch("odd-types"),
        )
        .unwrap();
    }

    #[test]
    fn many_workloads_are_grouped_as_others() {
        let mut s = summary(DAY_MS);
        let workloads: Vec<Value> = (0..20)
            .map(|i| json!({"name": format!("w{i:02}"), "partition": "p1"}))
            .collect();
        s["workloads"] = json!(workloads);
        let rs: Vec<Row> = (0..24)
            .flat_map(|h| {
                (0..20)
                    .map(move |i| row(h * HOUR_MS, &format!("w{i:02}"), "workload", f64::from(i)))
            })
            .collect();
        let files = draw_run(&s, &rs, &scratch("others")).unwrap();
        let stack = files.iter().find(|f| f.stem == "stack_srv").unwrap();
        assert!(stack.title.contains("11 largest of 20"), "{}", stack.title);
        let svg = std::fs::read_to_string(&stack.svg).unwrap();
        assert!(svg.contains("others (9 workloads)"));
        assert!(svg.contains(">\nw19\n<") && svg.contains(">\nw09\n<"));
        assert!(!svg.contains(">\nw08\n<"), "the smallest are in others");
    }

    #[test]
    fn layers_group_the_smallest_and_stack_in_order() {
        let layer = |name: &str, v: f64| Layer {
            name: name.into(),
            colour: OTHERS,
            values: vec![v, v],
        };
        let layers = vec![
            layer("a", 1.0),
            layer("b", 5.0),
            layer("c", 2.0),
            layer("d", 0.5),
        ];
        let grouped = group_small(layers, 3);
        let names: Vec<&str> = grouped.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "others (2 workloads)"]);
        assert_eq!(grouped[2].values, [1.5, 1.5]);
        assert_eq!(
            cumulative(&grouped),
            [vec![5.0, 5.0], vec![7.0, 7.0], vec![8.5, 8.5]]
        );
    }

    #[test]
    fn only_the_busiest_partitions_get_a_chart() {
        let mut s = summary(DAY_MS);
        let parts: Vec<Value> = (0..45)
            .map(|i| {
                json!({"name": format!("p{i:02}"), "kind": "vpar", "server": "srv",
                       "capacity_cores": 1.0, "peak_demand_cores": f64::from(i % 10)})
            })
            .collect();
        s["partitions"] = json!(parts);
        s["workloads"] = json!([]);
        let mut rs: Vec<Row> = (0..45)
            .flat_map(|i| (0..3).map(move |h| row(h * HOUR_MS, &format!("p{i:02}"), "vpar", 1.0)))
            .collect();
        rs.push(row(0, "srv", "server", 1.0));
        // Drawing 41 charts would be slow: their descriptions tell the same.
        let axis = TimeAxis::new(DAY_MS, &rs);
        let charts = demand_charts(&Run::parse(&s), &RowIndex::new(&rs), &axis);
        let stems: Vec<&str> = charts.iter().map(|(stem, _)| stem.as_str()).collect();
        assert_eq!(stems.len(), 41, "the server and 40 partitions");
        assert_eq!(stems[..3], ["demand_srv", "demand_p01", "demand_p02"]);
        // p00, p10, p20, p30 and p40 have the lowest peak (0).
        for left_out in ["demand_p00", "demand_p10", "demand_p40"] {
            assert!(!stems.contains(&left_out));
        }
        assert!(!charts[0].1.title().contains("one of the 40"));
        assert!(
            charts[1]
                .1
                .title()
                .ends_with("one of the 40 partitions of highest peak demand, of 45")
        );
    }

    #[test]
    fn busiest_breaks_ties_by_order() {
        let node = |peak: f64| Node {
            name: String::new(),
            kind: String::new(),
            server: String::new(),
            parent: String::new(),
            capacity: None,
            peak,
            sizing: None,
            planning: None,
        };
        // A missing peak is parsed as -inf: never among the busiest.
        let nodes = [
            node(1.0),
            node(3.0),
            node(f64::NEG_INFINITY),
            node(3.0),
            node(2.0),
        ];
        assert_eq!(busiest(&nodes, 3), [1, 3, 4]);
        assert_eq!(busiest(&nodes, 9), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn coarsening_averages_and_keeps_gaps() {
        let points = [
            (0, 1.0),
            (5, 3.0),
            (10, f64::NAN),
            (15, 5.0),
            (20, f64::NAN),
        ];
        let c = coarsen(&points, 2);
        assert_eq!(c[0], (0, 2.0));
        assert_eq!(c[1], (10, 5.0));
        assert_eq!(c[2].0, 20);
        assert!(c[2].1.is_nan());
        assert_eq!(coarsen_factor(MAX_POINTS), 1);
        assert_eq!(coarsen_factor(MAX_POINTS + 1), 2);
        let runs = finite_runs(&[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)]);
        assert_eq!(runs, [vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }

    #[test]
    fn rows_are_drawn_as_steps_to_the_end() {
        let axis = TimeAxis::new(4 * HOUR_MS, &[]);
        let points = [(0, 1.0), (HOUR_MS, 2.0), (3 * HOUR_MS, 3.0)];
        let drawn = staircase(&points, Some(2 * HOUR_MS), &axis);
        assert_eq!(
            drawn,
            [
                (0.0, 1.0),
                (1.0, 1.0),
                (1.0, 2.0),
                (3.0, 2.0),
                (3.0, 3.0),
                (4.0, 3.0)
            ],
            "the last step is cut at the horizon"
        );
        let single = staircase(&[(HOUR_MS, 5.0)], None, &axis);
        assert_eq!(single, [(1.0, 5.0), (4.0, 5.0)]);
        // Steps narrower than a pixel: joined directly, only the last one held.
        let axis = TimeAxis::new(1000, &[]);
        let many: Vec<(u64, f64)> = (0..1000).map(|t| (t, t as f64)).collect();
        let drawn = staircase(&many, Some(1), &axis);
        assert_eq!(drawn.len(), 1001);
        assert_eq!(drawn[1], (1.0 / axis.unit_ms, 1.0));
        assert_eq!(drawn[1000], (axis.end, 999.0));
    }

    #[test]
    fn figures_read_right() {
        assert_eq!(fmt_percent(99.99005), "99.99");
        assert_eq!(fmt_percent(25.006), "25.0");
        assert_eq!(fmt_percent(100.0), "100.0");
        assert_eq!(fmt_percent(0.001), "0.001");
        assert_eq!(fmt_value(13785.24), "13 785");
        assert_eq!(fmt_value(-1234.0), "-1 234");
        assert_eq!(fmt_value(5.265), "5.26");
        assert_eq!(fmt_value(3.0), "3", "a count is not 3.00");
        assert_eq!(fmt_value(f64::NAN), "n/a");
        assert_eq!(fmt_tick(0.30000000000000004), "0.3");
        assert_eq!(fmt_tick(-0.0), "0");
        assert_eq!(fmt_tick(2_500_000_000.0), "2.5e9");
        assert_eq!(fmt_tick(1e300), "1e300");
        assert_eq!(fmt_tick(0.0001), "1e-4");
        assert_eq!(fmt_tick(1_234_567.0), "1234567");
        assert_eq!(fmt_duration(300_000), "5 min");
        assert_eq!(fmt_duration(DAY_MS), "1 d");
        assert_eq!(fmt_duration(90_000), "90 s");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
        assert_eq!(clean("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn the_axis_unit_follows_the_horizon() {
        assert_eq!(TimeAxis::new(2 * DAY_MS, &[]).unit, "h");
        assert_eq!(TimeAxis::new(2 * DAY_MS + 1, &[]).unit, "days");
        let zero = TimeAxis::new(0, &[]);
        assert!(zero.end > 0.0);
        let from_rows = TimeAxis::new(0, &rows(3));
        assert_eq!((from_rows.unit, from_rows.end), ("h", 3.0));
    }

    fn compare() -> Value {
        json!({"scenarios": [
            {"name": "fixed", "servers": 1, "capacity_cores": 16.0, "peak_demand_cores": 5.2,
             "mean_utilization": 0.25, "worst_sla_met_share": 0.9966, "worst_workload": "etl",
             "verdict": {"status": "meets", "stars": 5}, "new_figure": 3.5,
             "cost": {"currency": "USD", "hardware": 10.0, "software": 5.0, "total": 15.0}},
            {"name": "ownborrow", "servers": 1, "capacity_cores": 8.0, "peak_demand_cores": 5.2,
             "mean_utilization": 0.5, "worst_sla_met_share": 0.99990, "worst_workload": "etl",
             "verdict": {"status": "exceeds", "stars": null}, "new_figure": 1.0,
             "cost": {"currency": "USD", "hardware": 5.0, "software": 2.5, "total": 7.5}}
        ]})
    }

    #[test]
    fn a_comparison_draws_one_chart_per_figure() {
        let files = draw_compare(&compare(), &scratch("compare")).unwrap();
        assert_eq!(
            stems(&files),
            [
                "compare_servers",
                "compare_capacity_cores",
                "compare_peak_demand_cores",
                "compare_mean_utilization",
                "compare_worst_sla_met_share",
                "compare_verdict",
                "compare_new_figure",
                "compare_cost"
            ]
        );
        let sla = std::fs::read_to_string(&files[4].svg).unwrap();
        assert!(sla.contains("99.99 % (etl)") && sla.contains(">\nfixed\n<"));
        let verdict = std::fs::read_to_string(&files[5].svg).unwrap();
        assert!(verdict.contains("5 ★") && verdict.contains(">\nexceeds\n<"));
        let cost = std::fs::read_to_string(&files[7].svg).unwrap();
        assert!(cost.contains("cost [USD]") && cost.contains(">\n15\n<"));
        assert!(
            draw_compare(&json!({}), &scratch("compare-empty"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn many_long_scenario_names_are_turned_and_cut() {
        let scenarios: Vec<Value> = (0..30)
            .map(|i| {
                let name = format!("scenario {i} {}", "z".repeat(200));
                json!({"name": name, "capacity_cores": f64::from(i)})
            })
            .collect();
        let files =
            draw_compare(&json!({"scenarios": scenarios}), &scratch("compare-many")).unwrap();
        let svg = std::fs::read_to_string(&files[0].svg).unwrap();
        assert!(svg.contains("rotate(90"), "labels turned");
        assert!(svg.contains("scenario 0 z") && svg.contains('…'));
    }

    #[test]
    fn an_unwritable_folder_is_an_io_error_naming_it() {
        let dir = scratch("not-a-dir");
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        std::fs::write(&dir, b"a file").unwrap();
        match draw_run(&summary(DAY_MS), &[], &dir) {
            Err(ChartError::Io { path, .. }) => assert_eq!(path, dir),
            other => panic!("{other:?}"),
        }
    }
}
