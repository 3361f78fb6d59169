//! Chart 5: "when do we run out?" for a node whose CPU growth was fitted (`growth = "fit"`):
//! its history (the day's demand at the sizing percentile, from the time series), the
//! fitted trend through it and on into the forecast, the band the rate's 95 % interval
//! spans, the limit and the capacity. In the plan's unit, the node's own cores.
//!
//! The trend comes from summary.json (`planning.cpu.growth`: its level at the end of the
//! history, rate, model and interval), so the chart draws what the forecast used; the
//! history is recomputed from the time series as report::history computes it from the
//! demand, one point a whole day.

use super::finite;
use super::{
    Band, CAPACITY, DAY_MS, DEMAND, LIMIT, Line, MAX_NODE_CHARTS, Node, Row, RowIndex, Run, Shade,
    Spec, Swatch, TimeAxis, TimeChart, busiest, entry, fmt_tick, level, line, round3, short_name,
    step_of,
};
#[cfg(test)]
use super::{number_of, text_of};
use crate::report::history::quantile;
use crate::report::planning::NodePlan;
use crate::report::trend::{Model, Trend};
use plotters::style::RGBColor;
#[cfg(test)]
use serde_json::Value;

const TREND: RGBColor = RGBColor(40, 40, 40);
const BAND: RGBColor = RGBColor(31, 119, 180);
const FUTURE: RGBColor = RGBColor(236, 238, 242);
/// Points the trend is drawn with: smooth at 1000 px.
const TREND_POINTS: usize = 240;

/// What the forecast chart of one node draws, before it is a chart: the data its test
/// checks.
#[derive(Debug, Clone)]
pub(super) struct Forecast {
    pub trend: Trend,
    /// Days of history (the end of the history is day `history_days`).
    pub history_days: f64,
    /// One value a whole day [the node's cores].
    pub daily: Vec<f64>,
    pub capacity: f64,
    pub limit: f64,
    /// Days after the history until the limit, and its interval.
    pub remaining: (Option<f64>, Option<f64>, Option<f64>),
    /// The end of the axis [days from the start].
    pub end: f64,
}

/// The forecast of every fitted server, and of the partitions the demand charts show.
pub(super) fn charts(run: &Run, index: &RowIndex) -> Vec<(String, Spec)> {
    let kept = busiest(&run.partitions, MAX_NODE_CHARTS);
    run.servers
        .iter()
        .chain(kept.iter().map(|&i| &run.partitions[i]))
        .filter_map(|node| {
            let f = forecast(run, node, index.get(&node.kind, &node.name))?;
            Some((
                format!("forecast_{}", node.name),
                Spec::Time(chart(run, node, &f)),
            ))
        })
        .collect()
}

/// What the forecast chart takes of a node's `planning`: its CPU's plan and growth, each
/// figure absent where not finite (null in summary.json).
#[derive(Debug, Clone)]
pub(super) struct Planned {
    horizon_days: Option<f64>,
    capacity: Option<f64>,
    limit: Option<f64>,
    /// `time_remaining_days` and its interval.
    remaining: (Option<f64>, Option<f64>, Option<f64>),
    /// The growth was fitted (`source` = `fit`): only then is there a chart.
    fitted: bool,
    /// `model` = `linear` (else compound).
    linear: bool,
    rate: Option<f64>,
    rate_ci95: (Option<f64>, Option<f64>),
    r_squared: Option<f64>,
    days: usize,
    level_at_end: Option<f64>,
}

impl Planned {
    pub(super) fn of(p: &NodePlan) -> Planned {
        let (cpu, g) = (&p.cpu, &p.cpu.growth);
        let opt = |x: Option<f64>| x.and_then(finite);
        Planned {
            horizon_days: finite(p.horizon_days),
            capacity: finite(cpu.capacity),
            limit: finite(cpu.limit),
            remaining: (
                opt(cpu.time_remaining_days),
                opt(cpu.time_remaining_days_ci95_low),
                opt(cpu.time_remaining_days_ci95_high),
            ),
            fitted: g.source == "fit",
            linear: g.model == "linear",
            rate: finite(g.rate),
            rate_ci95: (opt(g.rate_ci95_low), opt(g.rate_ci95_high)),
            r_squared: opt(g.r_squared),
            days: g.days.unwrap_or(0),
            level_at_end: opt(g.level_at_end),
        }
    }

    /// A partial `planning` tree, read leniently (the charts' tests): none without its
    /// `cpu.growth`.
    #[cfg(test)]
    pub(super) fn parse(planning: &Value) -> Option<Planned> {
        let cpu = planning.get("cpu")?;
        let g = cpu.get("growth")?;
        Some(Planned {
            horizon_days: number_of(planning, "horizon_days"),
            capacity: number_of(cpu, "capacity"),
            limit: number_of(cpu, "limit"),
            remaining: (
                number_of(cpu, "time_remaining_days"),
                number_of(cpu, "time_remaining_days_ci95_low"),
                number_of(cpu, "time_remaining_days_ci95_high"),
            ),
            fitted: text_of(g, "source") == "fit",
            linear: text_of(g, "model") == "linear",
            rate: number_of(g, "rate"),
            rate_ci95: (
                number_of(g, "rate_ci95_low"),
                number_of(g, "rate_ci95_high"),
            ),
            r_squared: number_of(g, "r_squared"),
            days: g.get("days").and_then(Value::as_u64).unwrap_or(0) as usize,
            level_at_end: number_of(g, "level_at_end"),
        })
    }
}

/// The forecast of `node` from its `planning.cpu` and rows; None unless its CPU growth was
/// fitted.
pub(super) fn forecast(run: &Run, node: &Node, rows: &[&Row]) -> Option<Forecast> {
    let p = node.planning.as_ref()?;
    if !p.fitted {
        return None;
    }
    let rate = p.rate?;
    let trend = Trend {
        model: if p.linear {
            Model::Linear
        } else {
            Model::Compound
        },
        rate,
        rate_ci95: (p.rate_ci95.0.unwrap_or(rate), p.rate_ci95.1.unwrap_or(rate)),
        r_squared: p.r_squared.unwrap_or(f64::NAN),
        days: p.days,
        level_at_end: p.level_at_end?,
    };
    let capacity = p.capacity?;
    // The plan is in the node's own cores; the rows in reference cores.
    let speed = match node.capacity {
        Some(c) if capacity > 0.0 && c > 0.0 => c / capacity,
        _ => 1.0,
    };
    let q = run.sizing_percentile.unwrap_or(100.0) / 100.0;
    let daily: Vec<f64> = daily_demand(rows, run.interval_ms, run.horizon_ms, q)
        .into_iter()
        .map(|d| d / speed)
        .collect();
    let history_days = trend.days.max(daily.len()) as f64;
    let remaining = p.remaining;
    let horizon = p.horizon_days.unwrap_or(3.0 * 365.0);
    // Far enough to see the limit crossed (its late end too), never past the planning
    // horizon, and at least as long again as the history.
    let ahead = match remaining.2.or(remaining.0) {
        Some(d) if d > 0.0 => d * 1.15,
        _ => 3.0 * history_days,
    };
    let end = history_days + ahead.max(history_days).min(horizon).max(1.0);
    Some(Forecast {
        trend,
        history_days,
        daily,
        capacity,
        limit: p.limit.unwrap_or(1.0),
        remaining,
        end,
    })
}

/// The day's demand at quantile `q` over the report interval's means, for every whole day
/// the rows cover (rows of a finer step are averaged into intervals first).
pub(super) fn daily_demand(
    rows: &[&Row],
    interval_ms: Option<u64>,
    horizon_ms: u64,
    q: f64,
) -> Vec<f64> {
    let times: Vec<u64> = rows.iter().map(|r| r.time_ms).collect();
    let Some(step) = step_of(&times) else {
        return Vec::new();
    };
    let per = match interval_ms {
        Some(i) if i > step && i % step == 0 => (i / step) as usize,
        _ => 1,
    };
    let days = (horizon_ms / DAY_MS) as usize;
    let mut per_day: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); days];
    for chunk in rows.chunks(per) {
        let t = chunk[0].time_ms;
        let d = (t / DAY_MS) as usize;
        if d >= days {
            break;
        }
        let finite: Vec<f64> = chunk
            .iter()
            .map(|r| r.demand)
            .filter(|v| v.is_finite())
            .collect();
        if finite.is_empty() {
            continue;
        }
        per_day[d]
            .0
            .push(finite.iter().sum::<f64>() / finite.len() as f64);
        per_day[d].1.push((step * chunk.len() as u64) as f64);
    }
    per_day.iter().map(|(v, w)| quantile(v, w, q)).collect()
}

fn chart(run: &Run, node: &Node, f: &Forecast) -> TimeChart {
    let axis = TimeAxis {
        unit_ms: DAY_MS as f64,
        unit: "days",
        end: f.end,
        start: run.start,
    };
    let t = &f.trend;
    let n = f.history_days;
    let at = |x: f64, rate: f64| t.level(x - n, rate);
    let xs: Vec<f64> = (0..=TREND_POINTS)
        .map(|i| f.end * i as f64 / TREND_POINTS as f64)
        .collect();
    let future: Vec<f64> = std::iter::once(n)
        .chain(xs.iter().copied().filter(|x| *x > n))
        .collect();
    let (lo, hi) = t.rate_ci95;
    let band = Band {
        colour: BAND,
        lower: future
            .iter()
            .map(|&x| (x, at(x, lo).min(at(x, hi))))
            .collect(),
        upper: future
            .iter()
            .map(|&x| (x, at(x, lo).max(at(x, hi))))
            .collect(),
    };
    let mut history = Vec::new();
    for (d, v) in f.daily.iter().enumerate() {
        history.push((d as f64, *v));
        history.push((d as f64 + 1.0, *v));
    }
    let ceiling = f.limit * f.capacity;
    let pct = |x: f64| format!("{:+.1} %", x * 100.0);
    let days = |d: Option<f64>| d.map_or("beyond".to_string(), |d| format!("{d:.0}"));
    let label = super::sizing_label(run.sizing_percentile);
    let mut lines = vec![
        line(DEMAND, 2, false, history),
        line(
            TREND,
            2,
            false,
            xs.iter().map(|&x| (x, at(x, t.rate))).collect(),
        ),
        level(LIMIT, ceiling, f.end),
        level(CAPACITY, f.capacity, f.end),
    ];
    let mut legend = vec![
        entry(
            format!("{label} a day ({} days)", f.daily.len()),
            Swatch::Line(DEMAND),
        ),
        entry(
            format!("fitted {} trend", t.model.as_str()),
            Swatch::Line(TREND),
        ),
        entry("95 % interval of the rate", Swatch::Tint(BAND)),
        entry(
            format!(
                "limit {} % = {} cores",
                fmt_tick(f.limit * 100.0),
                fmt_tick(round3(ceiling))
            ),
            Swatch::Dashed(LIMIT),
        ),
        entry(
            format!("capacity {} cores", fmt_tick(round3(f.capacity))),
            Swatch::Dashed(CAPACITY),
        ),
    ];
    if let (Some(d), low, high) = f.remaining {
        let x = n + d;
        if x <= f.end {
            lines.push(Line {
                colour: LIMIT,
                width: 1,
                dashed: false,
                points: vec![(x, 0.0), (x, f.capacity.max(ceiling))],
            });
        }
        legend.push(entry(
            if d <= 0.0 {
                "over the limit now".to_string()
            } else {
                format!("limit in {d:.0} days ({} to {})", days(low), days(high))
            },
            Swatch::Line(LIMIT),
        ));
    }
    TimeChart {
        title: format!(
            "{}: CPU forecast, fitted {} {}/year (95 % CI {} to {}), R² {:.2}",
            short_name(&node.name),
            t.model.as_str(),
            pct(t.rate),
            pct(lo),
            pct(hi),
            t.r_squared
        ),
        x_desc: format!("{}; forecast shaded", axis.desc(None)),
        y_desc: format!("CPU demand, {label} [cores]"),
        x_end: f.end,
        axis,
        shades: vec![Shade {
            colour: FUTURE,
            from: n,
            to: f.end,
        }],
        bands: vec![band],
        areas: Vec::new(),
        lines,
        legend,
    }
}
