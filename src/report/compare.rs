//! `vsesim compare`: several runs side by side, as Capacity Advisor's scenario comparison
//! shows them — what each scenario holds, how loaded it is, whether it and its partitions
//! meet their limits, what it leaves unserved and what it costs — with each figure's change
//! against the first scenario and the better value marked, so the winner is picked on the
//! merits (less unmet work, lower cost, fewer servers) and not on a server's stars alone.
//! Built from the runs' summaries only.

use super::summary::{CostItems, Summary, Verdict};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub scenarios: Vec<Column>,
    /// The figures as rows against the first scenario, in the order shown.
    pub rows: Vec<Row>,
}

/// One scenario's figures.
#[derive(Debug, Serialize)]
pub struct Column {
    pub name: String,
    pub servers: usize,
    /// Active cores of all servers × their speed [reference cores].
    pub capacity_cores: f64,
    /// Highest time-aligned demand of any server, summed over servers [reference cores].
    pub peak_demand_cores: f64,
    /// Capacity-weighted mean utilization of the servers.
    pub mean_utilization: f64,
    pub demand_core_hours: f64,
    pub unmet_core_hours: f64,
    pub delayed_core_hours: f64,
    /// The scenario's verdict, the worst over its servers and partitions (stars: its worst
    /// server's, when everything meets).
    pub verdict: Verdict,
    /// "server sd meets; 4 of 4 vPars exceed".
    pub verdict_line: String,
    /// What decided an `exceeds`: "vp-app: CPU demand at peak 5.30 cores > 2.55 (85 % of
    /// 3)"; null when it meets.
    pub culprit: Option<String>,
    /// Partitions judged, and how many exceed.
    pub partitions: u32,
    pub partitions_exceeding: u32,
    /// Servers like its target server the study's grown demand needs (`planning`).
    pub servers_needed: u32,
    /// The soonest any server crosses any resource's limit under the forecast [days after
    /// the run]: 0 when one already does, null when none does within the horizon.
    pub time_remaining_days: Option<f64>,
    /// The lowest SLA met share of any workload, and which.
    pub worst_sla_met_share: f64,
    pub worst_workload: Option<String>,
    pub cost: Cost,
    /// `energy.facility_kwh` and `energy.co2_kg` (null without a carbon intensity).
    pub facility_kwh: f64,
    pub co2_kg: Option<f64>,
    /// Since issue #21: Σ over consolidation managers of migrations, pauses [s] and host
    /// standby [h] (0 without managers), and their SLATAH, PDM and SLAV (the worst manager's;
    /// null without managers).
    pub migrations: u64,
    pub migration_pause_s: f64,
    pub standby_hours: f64,
    pub slatah: Option<f64>,
    pub pdm: Option<f64>,
    pub slav: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Cost {
    pub currency: Option<String>,
    #[serde(flatten)]
    pub items: CostItems,
}

/// One figure across the scenarios.
#[derive(Debug, Serialize, PartialEq)]
pub struct Row {
    /// Where the figure is in `scenarios[]`: a field (`unmet_core_hours`) or a path
    /// (`cost/total`); `verdict` is scored 0 for exceeds and the stars when it meets.
    pub key: &'static str,
    pub label: &'static str,
    /// `lower` or `higher` when that value is better; null when neither is (a size, not a
    /// merit).
    pub better: Option<&'static str>,
    /// One per scenario; null where the scenario has no value (`time_remaining_days`: beyond
    /// the horizon, which counts as the best).
    pub values: Vec<Option<f64>>,
    /// value − the first scenario's value; null for the first, and where either is null.
    pub delta: Vec<Option<f64>>,
    /// delta ÷ |the first's value| × 100; null also when the first's value is 0.
    pub percent: Vec<Option<f64>>,
    /// The scenarios holding the better value (all that tie for it); none when every value
    /// is the same or the row has no better direction.
    pub best: Vec<bool>,
}

pub fn build(summaries: &[Summary]) -> Comparison {
    let scenarios: Vec<Column> = summaries
        .iter()
        .map(|s| {
            let worst = s.worst_served();
            let partitions = s.verdict.counts.iter().filter(|c| c.kind != "server");
            Column {
                name: s.scenario.name.clone(),
                servers: s.servers.len(),
                capacity_cores: s.capacity_cores(),
                peak_demand_cores: s.servers.iter().map(|n| n.usage.peak_demand_cores).sum(),
                mean_utilization: s.mean_utilization(),
                demand_core_hours: s.totals.demand_core_hours,
                unmet_core_hours: s.totals.unmet_core_hours,
                delayed_core_hours: s.totals.delayed_core_hours,
                verdict: Verdict {
                    status: s.verdict.status,
                    stars: s.verdict.stars,
                },
                verdict_line: s.verdict.line.clone(),
                culprit: s.verdict.culprit.as_ref().map(|c| c.text.clone()),
                partitions: partitions.clone().map(|c| c.judged).sum(),
                partitions_exceeding: partitions.map(|c| c.exceeding).sum(),
                servers_needed: s.planning.servers_needed,
                time_remaining_days: soonest_crossing(s),
                worst_sla_met_share: worst.map_or(1.0, |w| w.usage.sla_met_share),
                worst_workload: worst.map(|w| w.name.clone()),
                cost: Cost {
                    currency: s.cost.currency.clone(),
                    items: s.cost.items,
                },
                facility_kwh: s.energy.facility_kwh,
                co2_kg: s.energy.co2_kg,
                migrations: s.consolidation.iter().map(|c| c.migrations).sum(),
                migration_pause_s: s.consolidation.iter().fold(0.0, |a, c| a + c.pause_s),
                standby_hours: s
                    .energy
                    .servers
                    .iter()
                    .fold(0.0, |a, x| a + x.standby_hours.unwrap_or(0.0)),
                slatah: worst_manager(s, |c| c.slatah),
                pdm: worst_manager(s, |c| c.pdm),
                slav: worst_manager(s, |c| c.slav),
            }
        })
        .collect();
    let rows = FIGURES
        .iter()
        .map(|f| {
            row(
                f,
                &scenarios.iter().map(|c| (f.value)(c)).collect::<Vec<_>>(),
            )
        })
        .collect();
    Comparison { scenarios, rows }
}

/// The highest of a figure over the scenario's consolidation managers; null without one.
fn worst_manager(s: &Summary, f: fn(&super::summary::ConsolidationReport) -> f64) -> Option<f64> {
    s.consolidation.iter().map(f).reduce(f64::max)
}

/// A figure of a column: its key, label, better direction, value and how it is shown.
struct Figure {
    key: &'static str,
    label: &'static str,
    better: Option<&'static str>,
    value: fn(&Column) -> Option<f64>,
    shown: Shown,
}

/// How the terminal shows a figure's value and its change against the first scenario: one
/// choice per row, so that a row added to [`FIGURES`] is one line and cannot show its value
/// in one precision and its change in another by accident.
#[derive(Clone, Copy)]
enum Shown {
    /// A count: `12`, change `+1`.
    Count,
    /// A share of 1 in percent: `84.2%`, change in points `+1.5pt`.
    Share,
    /// `n` decimals: `3.14`; change in hundredths `+0.25` whatever `n` is (so the
    /// migrations, a count shown as `Fixed(0)`, keep the change in hundredths they had).
    Fixed(usize),
    /// `n` decimals in scientific notation: `1.23e-4`; change in hundredths.
    Sci(usize),
    /// Words of the column's own (`3 of 4`, `beyond`); change as a count.
    Text(fn(&Column) -> String),
}

impl Figure {
    const fn new(
        key: &'static str,
        label: &'static str,
        better: Option<&'static str>,
        value: fn(&Column) -> Option<f64>,
        shown: Shown,
    ) -> Self {
        Figure {
            key,
            label,
            better,
            value,
            shown,
        }
    }

    /// The column's value as the terminal shows it; "-" where it has none.
    fn show(&self, c: &Column) -> String {
        let v = (self.value)(c);
        match (self.shown, v) {
            (Shown::Text(text), _) => text(c),
            (_, None) => "-".to_string(),
            (Shown::Count, Some(v)) => format!("{v:.0}"),
            (Shown::Share, Some(v)) => format!("{:.1}%", v * 100.0),
            (Shown::Fixed(n), Some(v)) => format!("{v:.n$}"),
            (Shown::Sci(n), Some(v)) => format!("{v:.n$e}"),
        }
    }

    /// A change with its sign, in the row's precision.
    fn signed(&self, d: f64) -> String {
        match self.shown {
            Shown::Count | Shown::Text(_) => format!("{d:+.0}"),
            Shown::Share => format!("{:+.1}pt", d * 100.0),
            Shown::Fixed(_) | Shown::Sci(_) => format!("{d:+.2}"),
        }
    }
}

const LOWER: Option<&str> = Some("lower");
const HIGHER: Option<&str> = Some("higher");

use Shown::{Count, Fixed, Sci, Share, Text};

/// The rows, in the order shown: the verdict, size and load, work, cost, energy, mobility.
/// One line a row (rustfmt would spread each over seven), so a row reads as a table's row.
#[rustfmt::skip]
const FIGURES: &[Figure] = &[
    Figure::new("verdict", "verdict", HIGHER, verdict_score, Text(|s| super::table::verdict(&s.verdict))),
    Figure::new("partitions_exceeding", "partitions exceeding", LOWER, |s| Some(s.partitions_exceeding as f64), Text(exceeding_of)),
    Figure::new("servers", "servers", LOWER, |s| Some(s.servers as f64), Count),
    Figure::new("capacity_cores", "capacity [cores]", None, |s| Some(s.capacity_cores), Fixed(2)),
    Figure::new("peak_demand_cores", "peak demand [cores]", None, |s| Some(s.peak_demand_cores), Fixed(2)),
    Figure::new("mean_utilization", "served utilization", None, |s| Some(s.mean_utilization), Share),
    Figure::new("servers_needed", "servers needed", LOWER, |s| Some(s.servers_needed as f64), Count),
    Figure::new("time_remaining_days", "limit crossed in [days]", HIGHER, |s| s.time_remaining_days, Text(days_or_beyond)),
    Figure::new("demand_core_hours", "demand [core-h]", None, |s| Some(s.demand_core_hours), Fixed(1)),
    Figure::new("delayed_core_hours", "delayed [core-h]", LOWER, |s| Some(s.delayed_core_hours), Fixed(2)),
    Figure::new("unmet_core_hours", "unmet [core-h]", LOWER, |s| Some(s.unmet_core_hours), Fixed(2)),
    Figure::new("worst_sla_met_share", "worst SLA met", HIGHER, |s| Some(s.worst_sla_met_share), Share),
    Figure::new("cost/hardware", "cost: hardware", LOWER, |s| Some(s.cost.items.hardware), Fixed(2)),
    Figure::new("cost/core_rights", "cost: core rights", LOWER, |s| Some(s.cost.items.core_rights), Fixed(2)),
    Figure::new("cost/ticap", "cost: TiCAP", LOWER, |s| Some(s.cost.items.ticap), Fixed(2)),
    Figure::new("cost/ppu", "cost: pay per use", LOWER, |s| Some(s.cost.items.ppu), Fixed(2)),
    Figure::new("cost/software", "cost: software", LOWER, |s| Some(s.cost.items.software), Fixed(2)),
    Figure::new("cost/energy", "cost: energy", LOWER, |s| Some(s.cost.items.energy), Fixed(2)),
    Figure::new("cost/total", "cost: total", LOWER, |s| Some(s.cost.items.total), Fixed(2)),
    Figure::new("facility_kwh", "energy (kWh × PUE)", LOWER, |s| Some(s.facility_kwh), Fixed(1)),
    Figure::new("co2_kg", "CO2 (kg)", LOWER, |s| s.co2_kg, Fixed(1)),
    Figure::new("standby_hours", "server hours in standby", None, |s| Some(s.standby_hours), Fixed(1)),
    Figure::new("migrations", "VM migrations", LOWER, |s| Some(s.migrations as f64), Fixed(0)),
    Figure::new("migration_pause_s", "migration pauses (s)", LOWER, |s| Some(s.migration_pause_s), Fixed(1)),
    Figure::new("slatah", "SLATAH", LOWER, |s| s.slatah, Fixed(5)),
    Figure::new("pdm", "PDM", LOWER, |s| s.pdm, Sci(2)),
    Figure::new("slav", "SLAV (SLATAH × PDM)", LOWER, |s| s.slav, Sci(2)),
];

/// "3 of 4" partitions exceeding.
fn exceeding_of(s: &Column) -> String {
    format!("{} of {}", s.partitions_exceeding, s.partitions)
}

/// Days to the first limit crossed, or "beyond" the forecast's horizon.
fn days_or_beyond(s: &Column) -> String {
    s.time_remaining_days
        .map_or("beyond".into(), |d| format!("{d:.0}"))
}

/// The verdict as a score, higher better: 0 when it exceeds, the stars (1 without) when it
/// meets.
fn verdict_score(s: &Column) -> Option<f64> {
    match s.verdict.status {
        "exceeds" => Some(0.0),
        "meets" => Some(s.verdict.stars.map_or(1.0, f64::from)),
        _ => None,
    }
}

/// Two values this close are a tie: a cost summed in another order is the same cost.
fn same(a: f64, b: f64) -> bool {
    a == b
        || (a.is_finite() && b.is_finite() && (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0))
}

/// One row: deltas and percents against the first value, and the best marked.
fn row(f: &Figure, values: &[Option<f64>]) -> Row {
    let first = values.first().copied().flatten();
    let scored = f.key != "verdict";
    let delta: Vec<Option<f64>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| match (i, first, v) {
            (0, _, _) => None,
            (_, Some(a), Some(b)) if scored => Some(b - a),
            _ => None,
        })
        .collect();
    let percent = delta
        .iter()
        .map(|d| match (d, first) {
            (Some(d), Some(a)) if a != 0.0 => Some(d / a.abs() * 100.0),
            _ => None,
        })
        .collect();
    // Beyond the horizon (null) is the latest crossing: the best of `time_remaining_days`.
    let merit = |v: &Option<f64>| match (v, f.better) {
        (None, Some("higher")) if f.key == "time_remaining_days" => Some(f64::INFINITY),
        (Some(x), Some("higher")) => Some(*x),
        (Some(x), Some("lower")) => Some(-*x),
        _ => None,
    };
    let merits: Vec<Option<f64>> = values.iter().map(merit).collect();
    let top = merits
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let all_same = merits.iter().all(|m| match (m, merits[0]) {
        (Some(a), Some(b)) => a == &b || same(*a, b),
        (None, None) => true,
        _ => false,
    });
    let best = merits
        .iter()
        .map(|m| !all_same && m.is_some_and(|m| m == top || same(m, top)))
        .collect();
    Row {
        key: f.key,
        label: f.label,
        better: f.better,
        values: values.to_vec(),
        delta,
        percent,
        best,
    }
}

/// The smallest `time_remaining_days` of any server and resource.
fn soonest_crossing(s: &Summary) -> Option<f64> {
    s.servers
        .iter()
        .filter_map(|n| n.planning.as_ref())
        .flat_map(|p| p.resources())
        .filter_map(|(_, r)| r)
        .filter_map(|r| r.time_remaining_days)
        .min_by(f64::total_cmp)
}

/// Rows of figures, one column per scenario; after the first, each value's change against
/// the first (Δ and %), and ✓ on the better value of rows that have one. Then each
/// scenario's verdict in a sentence.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    let width = c
        .scenarios
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(12, 28);
    const DELTA: usize = 10;
    const PCT: usize = 8;
    let _ = write!(out, "{:<24}", "");
    for (i, s) in c.scenarios.iter().enumerate() {
        let span = if i == 0 {
            width + 2
        } else {
            width + 2 + DELTA + PCT + 2
        };
        let _ = write!(out, " {:>span$}", s.name);
    }
    out.push('\n');
    let _ = write!(out, "{:<24}", "");
    for i in 0..c.scenarios.len() {
        let _ = write!(out, " {:>w$}", "", w = width + 2);
        if i > 0 {
            let _ = write!(out, " {:>DELTA$} {:>PCT$}", "Δ first", "%");
        }
    }
    out.push('\n');
    for (f, row) in FIGURES.iter().zip(&c.rows) {
        let _ = write!(out, "{:<24}", f.label);
        for (i, s) in c.scenarios.iter().enumerate() {
            let mark = if row.best.get(i).copied().unwrap_or(false) {
                super::table::paint(" ✓", super::table::GOOD)
            } else {
                "  ".to_string()
            };
            let _ = write!(out, " {:>width$}{mark}", f.show(s));
            if i > 0 {
                let delta = row.delta.get(i).copied().flatten();
                let pct = row.percent.get(i).copied().flatten();
                let _ = write!(
                    out,
                    " {:>DELTA$} {:>PCT$}",
                    delta.map_or(String::new(), |d| f.signed(d)),
                    pct.map_or(String::new(), |p| format!("{p:+.1}%"))
                );
            }
        }
        out.push('\n');
    }
    out.push_str("\n✓ the better value (lower work unmet or delayed, cost, servers; higher SLA, later limit crossing, better verdict)\n");
    // Blank Δ and % cells of the last column leave trailing spaces.
    let mut out: String = out.lines().map(|l| format!("{}\n", l.trim_end())).collect();
    for s in &c.scenarios {
        let _ = writeln!(
            out,
            "{}: {}{}",
            s.name,
            super::table::verdict_painted(&s.verdict),
            match &s.culprit {
                Some(c) => format!(" — {c}\n    {}", s.verdict_line),
                None => format!(" — {}", s.verdict_line),
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(key: &'static str) -> &'static Figure {
        FIGURES.iter().find(|f| f.key == key).unwrap()
    }

    /// 12.7 core-hours delayed against 0.3: the second is better; Δ = 0.3 − 12.7 = −12.4,
    /// −12.4 / 12.7 = −97.6 %.
    #[test]
    fn deltas_and_the_better_value_against_the_first() {
        let r = row(figure("delayed_core_hours"), &[Some(12.7), Some(0.3)]);
        assert_eq!(r.best, vec![false, true]);
        assert!((r.delta[1].unwrap() + 12.4).abs() < 1e-12);
        assert!((r.percent[1].unwrap() + 12.4 / 12.7 * 100.0).abs() < 1e-9);
        assert_eq!(r.delta[0], None);
        // Higher is better for the SLA; equal values mark nothing.
        let r = row(figure("worst_sla_met_share"), &[Some(0.99), Some(1.0)]);
        assert_eq!(r.best, vec![false, true]);
        let r = row(figure("servers"), &[Some(1.0), Some(1.0)]);
        assert_eq!(r.best, vec![false, false]);
        assert_eq!(r.percent[1], Some(0.0));
        // A neutral figure marks nothing; a first value of 0 has no percent.
        let r = row(figure("capacity_cores"), &[Some(16.0), Some(8.0)]);
        assert_eq!(r.best, vec![false, false]);
        let r = row(figure("cost/ticap"), &[Some(0.0), Some(250.0)]);
        assert_eq!(r.percent[1], None);
        assert_eq!(r.best, vec![true, false]);
    }

    /// A limit never crossed (null) beats one crossed in 100 days; exceeds (0) loses to
    /// meets with 2 stars.
    #[test]
    fn beyond_the_horizon_and_meeting_are_better() {
        let r = row(figure("time_remaining_days"), &[Some(100.0), None]);
        assert_eq!(r.best, vec![false, true]);
        assert_eq!(r.delta[1], None);
        let r = row(figure("verdict"), &[Some(0.0), Some(2.0)]);
        assert_eq!(r.best, vec![false, true]);
        assert_eq!(r.delta[1], None, "a verdict has no difference");
    }

    /// A row's change is shown in its own kind: a share's 0.842 → 0.857 is +1.5 points, a
    /// server less is -1, 0.004 kWh more rounds to +0.00, and the migrations' 217 − 122 = 95
    /// keeps the hundredths it has always had.
    #[test]
    fn each_row_shows_its_change_in_its_own_kind() {
        assert_eq!(figure("mean_utilization").signed(0.857 - 0.842), "+1.5pt");
        assert_eq!(figure("servers").signed(-1.0), "-1");
        assert_eq!(figure("time_remaining_days").signed(12.4), "+12");
        assert_eq!(figure("facility_kwh").signed(0.004), "+0.00");
        assert_eq!(figure("migrations").signed(217.0 - 122.0), "+95.00");
    }
}
