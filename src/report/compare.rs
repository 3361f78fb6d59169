//! `vsesim compare`: several runs side by side, as Capacity Advisor's scenario comparison
//! shows them — what each scenario holds, how loaded it is, what it leaves unserved and what
//! it costs. Built from the runs' summaries only.

use super::summary::{CostItems, Summary};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub scenarios: Vec<Column>,
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
    /// The scenario's star rating (its worst server's).
    pub verdict: super::summary::Verdict,
    /// Servers like its target server the study's grown demand needs (`planning`).
    pub servers_needed: u32,
    /// The soonest any server crosses any resource's limit under the forecast [days after
    /// the run]: 0 when one already does, null when none does within the horizon.
    pub time_remaining_days: Option<f64>,
    /// The lowest SLA met share of any workload, and which.
    pub worst_sla_met_share: f64,
    pub worst_workload: Option<String>,
    pub cost: Cost,
}

#[derive(Debug, Serialize)]
pub struct Cost {
    pub currency: Option<String>,
    #[serde(flatten)]
    pub items: CostItems,
}

pub fn build(summaries: &[Summary]) -> Comparison {
    let scenarios = summaries
        .iter()
        .map(|s| {
            let worst = s.worst_served();
            Column {
                name: s.scenario.name.clone(),
                servers: s.servers.len(),
                capacity_cores: s.capacity_cores(),
                peak_demand_cores: s.servers.iter().map(|n| n.usage.peak_demand_cores).sum(),
                mean_utilization: s.mean_utilization(),
                demand_core_hours: s.totals.demand_core_hours,
                unmet_core_hours: s.totals.unmet_core_hours,
                delayed_core_hours: s.totals.delayed_core_hours,
                verdict: s.verdict,
                servers_needed: s.planning.servers_needed,
                time_remaining_days: soonest_crossing(s),
                worst_sla_met_share: worst.map_or(1.0, |w| w.usage.sla_met_share),
                worst_workload: worst.map(|w| w.name.clone()),
                cost: Cost {
                    currency: s.cost.currency.clone(),
                    items: s.cost.items,
                },
            }
        })
        .collect();
    Comparison { scenarios }
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

/// Rows of figures, one column per scenario.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    let width = c
        .scenarios
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(10, 28);
    let _ = write!(out, "{:<26}", "");
    for s in &c.scenarios {
        let _ = write!(out, " {:>width$}", s.name);
    }
    out.push('\n');
    type Row = (&'static str, fn(&Column) -> String);
    let rows: &[Row] = &[
        ("verdict", |s| super::table::verdict(&s.verdict)),
        ("servers", |s| s.servers.to_string()),
        ("capacity [cores]", |s| format!("{:.2}", s.capacity_cores)),
        ("peak demand [cores]", |s| {
            format!("{:.2}", s.peak_demand_cores)
        }),
        ("mean utilization", |s| {
            format!("{:.1}%", s.mean_utilization * 100.0)
        }),
        ("servers needed", |s| s.servers_needed.to_string()),
        ("limit crossed in [days]", |s| match s.time_remaining_days {
            Some(d) => format!("{d:.0}"),
            None => "beyond".to_string(),
        }),
        ("demand [core-h]", |s| format!("{:.1}", s.demand_core_hours)),
        ("delayed [core-h]", |s| {
            format!("{:.2}", s.delayed_core_hours)
        }),
        ("unmet [core-h]", |s| format!("{:.2}", s.unmet_core_hours)),
        ("worst SLA met", |s| {
            format!("{:.1}%", s.worst_sla_met_share * 100.0)
        }),
        ("cost: hardware", |s| {
            format!("{:.2}", s.cost.items.hardware)
        }),
        ("cost: core rights", |s| {
            format!("{:.2}", s.cost.items.core_rights)
        }),
        ("cost: TiCAP", |s| format!("{:.2}", s.cost.items.ticap)),
        ("cost: pay per use", |s| format!("{:.2}", s.cost.items.ppu)),
        ("cost: software", |s| {
            format!("{:.2}", s.cost.items.software)
        }),
        ("cost: energy", |s| format!("{:.2}", s.cost.items.energy)),
        ("cost: total", |s| format!("{:.2}", s.cost.items.total)),
    ];
    for (label, value) in rows {
        let _ = write!(out, "{label:<26}");
        for s in &c.scenarios {
            let _ = write!(out, " {:>width$}", value(s));
        }
        out.push('\n');
    }
    out
}
