//! What a sweep keeps of each run: the summary's headline figures (docs/SWEEP.md, "results"),
//! and the point files that hold them, one per point, written when the point is done.

use super::spec::Param;
use crate::report::summary::Summary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when a field of a point file changes meaning or disappears.
pub const POINT_FORMAT_VERSION: u32 = 1;

/// `OUT/points/pNNNNNN.json`: every replica of one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointFile {
    pub format_version: u32,
    /// The sweep's identity (sweep.json `id`) when the point ran.
    pub sweep_id: String,
    pub point: u64,
    /// Axis name → value.
    pub params: BTreeMap<String, Param>,
    pub replicas: Vec<ReplicaRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaRecord {
    pub replica: u64,
    /// The scenario seed this replica ran with (demand synthesis and failure draws).
    pub seed: u64,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// One run's figures. Names are the tables' column names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub cost_total: f64,
    pub cost_hardware: f64,
    pub cost_core_rights: f64,
    pub cost_ticap: f64,
    pub cost_ppu: f64,
    pub cost_software: f64,
    pub cost_energy: f64,
    pub demand_core_hours: f64,
    pub served_core_hours: f64,
    pub delayed_core_hours: f64,
    pub dropped_core_hours: f64,
    pub backlog_core_hours: f64,
    pub unmet_core_hours: f64,
    /// The lowest `sla_met_share` of any workload, and which (ties: the first by name).
    pub sla_worst_met_share: f64,
    pub sla_worst_workload: Option<String>,
    /// Mean over workloads of `sla_met_share`.
    pub sla_mean_met_share: f64,
    /// Longest continuous backlog of any workload [ms].
    pub longest_backlog_ms: u64,
    /// Σ servers' capacity [reference cores].
    pub capacity_cores: f64,
    /// Σ servers' peak of time-aligned demand [reference cores].
    pub peak_demand_cores: f64,
    /// Capacity-weighted mean of the servers' mean CPU utilization.
    pub util_mean: f64,
    /// Highest p95 and highest max CPU utilization of any server.
    pub util_p95: f64,
    pub util_max: f64,
    /// Highest share of the horizon any server spent above `util_limit`.
    pub time_above_limit_share: f64,
    /// The scenario's verdict (the worst over its servers and partitions): `meets`, `exceeds`
    /// or `no_data`.
    pub verdict_status: String,
    pub verdict_stars: Option<u8>,
    /// Σ Temporary Instant Capacity used, over servers and GiCAP groups [core-minutes].
    pub ticap_used_core_minutes: f64,
    /// Σ active cores × hours over servers.
    pub active_core_hours: f64,
    /// Mean workload availability and Σ package failovers; null without clusters or failures.
    pub ha_availability: Option<f64>,
    pub ha_failovers: Option<u64>,
    /// `energy.facility_kwh` and `energy.co2_kg` (null without a carbon intensity); absent in
    /// point files written before issue #20.
    #[serde(default)]
    pub facility_kwh: Option<f64>,
    #[serde(default)]
    pub co2_kg: Option<f64>,
    /// Σ `ticap.left_value` over servers and GiCAP groups: what the TiCAP left at the end is
    /// worth.
    #[serde(default)]
    pub ticap_left_value: Option<f64>,
    /// Per server, in scenario order.
    pub servers: Vec<ServerUtil>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerUtil {
    pub name: String,
    pub util_mean: f64,
    pub util_p95: f64,
    pub util_max: f64,
}

/// A table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    F64(Option<f64>),
    U64(Option<u64>),
    Text(Option<String>),
}

impl Cell {
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::F64(x) => *x,
            Cell::U64(x) => x.map(|v| v as f64),
            Cell::Text(_) => None,
        }
    }
}

/// The columns of [`Metrics::cells`], in order: (name, summarized over replicas).
pub const COLUMNS: [(&str, bool); 33] = [
    ("cost_total", true),
    ("cost_hardware", true),
    ("cost_core_rights", true),
    ("cost_ticap", true),
    ("cost_ppu", true),
    ("cost_software", true),
    ("cost_energy", true),
    ("demand_core_hours", true),
    ("served_core_hours", true),
    ("delayed_core_hours", true),
    ("dropped_core_hours", true),
    ("backlog_core_hours", true),
    ("unmet_core_hours", true),
    ("sla_worst_met_share", true),
    ("sla_worst_workload", false),
    ("sla_mean_met_share", true),
    ("longest_backlog_ms", true),
    ("capacity_cores", true),
    ("peak_demand_cores", true),
    ("util_mean", true),
    ("util_p95", true),
    ("util_max", true),
    ("time_above_limit_share", true),
    ("verdict_status", false),
    ("verdict_stars", false),
    ("ticap_used_core_minutes", true),
    ("active_core_hours", true),
    ("ha_availability", true),
    ("ha_failovers", true),
    ("facility_kwh", true),
    ("co2_kg", true),
    ("ticap_left_value", true),
    ("servers", false),
];

/// True for the name of a results column an axis must not take.
pub fn is_metric(name: &str) -> bool {
    name == "verdict_meets_share"
        || COLUMNS.iter().any(|(c, summarized)| {
            *c == name
                || (*summarized
                    && ["_mean", "_ci95_low", "_ci95_high"]
                        .iter()
                        .any(|suffix| name.strip_suffix(suffix) == Some(c)))
        })
}

impl Metrics {
    /// The figures of one run, from its summary.json.
    pub fn of(s: &Summary) -> Metrics {
        let c = &s.cost.items;
        let worst = s.worst_served();
        let max_of = |f: &dyn Fn(&crate::report::summary::NodeReport) -> f64| {
            s.servers.iter().map(f).fold(0.0, f64::max)
        };
        let n_workloads = s.workloads.len();
        Metrics {
            cost_total: c.total,
            cost_hardware: c.hardware,
            cost_core_rights: c.core_rights,
            cost_ticap: c.ticap,
            cost_ppu: c.ppu,
            cost_software: c.software,
            cost_energy: c.energy,
            demand_core_hours: s.totals.demand_core_hours,
            served_core_hours: s.totals.served_core_hours,
            delayed_core_hours: s.totals.delayed_core_hours,
            dropped_core_hours: s.totals.dropped_core_hours,
            backlog_core_hours: s.totals.backlog_core_hours,
            unmet_core_hours: s.totals.unmet_core_hours,
            sla_worst_met_share: worst.map_or(1.0, |w| w.usage.sla_met_share),
            sla_worst_workload: worst.map(|w| w.name.clone()),
            sla_mean_met_share: if n_workloads == 0 {
                1.0
            } else {
                s.workloads
                    .iter()
                    .map(|w| w.usage.sla_met_share)
                    .sum::<f64>()
                    / n_workloads as f64
            },
            longest_backlog_ms: s
                .workloads
                .iter()
                .map(|w| w.usage.longest_backlog_ms)
                .max()
                .unwrap_or(0),
            capacity_cores: s.capacity_cores(),
            peak_demand_cores: s.servers.iter().map(|n| n.usage.peak_demand_cores).sum(),
            util_mean: s.mean_utilization(),
            util_p95: max_of(&|n| n.usage.cpu_utilization.p95),
            util_max: max_of(&|n| n.usage.cpu_utilization.max),
            time_above_limit_share: max_of(&|n| n.usage.time_above_limit_share),
            verdict_status: s.verdict.status.to_string(),
            verdict_stars: s.verdict.stars,
            ticap_used_core_minutes: s
                .licensing
                .iter()
                .filter_map(|l| l.ticap.as_ref())
                .chain(s.gicap.iter().filter_map(|g| g.ticap.as_ref()))
                .map(|t| t.used_core_minutes)
                .fold(0.0, |a, b| a + b),
            active_core_hours: s
                .licensing
                .iter()
                .map(|l| l.active_core_hours)
                .fold(0.0, |a, b| a + b),
            ha_availability: s.ha.as_ref().map(|h| h.availability),
            ha_failovers: s
                .ha
                .as_ref()
                .map(|h| h.packages.iter().map(|p| u64::from(p.failovers)).sum()),
            facility_kwh: Some(s.energy.facility_kwh),
            co2_kg: s.energy.co2_kg,
            ticap_left_value: Some(
                s.licensing
                    .iter()
                    .filter_map(|l| l.ticap.as_ref())
                    .chain(s.gicap.iter().filter_map(|g| g.ticap.as_ref()))
                    .map(|t| t.left_value)
                    .fold(0.0, |a, b| a + b),
            ),
            servers: s
                .servers
                .iter()
                .map(|n| ServerUtil {
                    name: n.name.clone(),
                    util_mean: n.usage.cpu_utilization.mean,
                    util_p95: n.usage.cpu_utilization.p95,
                    util_max: n.usage.cpu_utilization.max,
                })
                .collect(),
        }
    }

    /// The cells of [`COLUMNS`] but `servers`, in order.
    pub fn cells(&self) -> Vec<(&'static str, Cell)> {
        let f = |x: f64| Cell::F64(Some(x));
        vec![
            ("cost_total", f(self.cost_total)),
            ("cost_hardware", f(self.cost_hardware)),
            ("cost_core_rights", f(self.cost_core_rights)),
            ("cost_ticap", f(self.cost_ticap)),
            ("cost_ppu", f(self.cost_ppu)),
            ("cost_software", f(self.cost_software)),
            ("cost_energy", f(self.cost_energy)),
            ("demand_core_hours", f(self.demand_core_hours)),
            ("served_core_hours", f(self.served_core_hours)),
            ("delayed_core_hours", f(self.delayed_core_hours)),
            ("dropped_core_hours", f(self.dropped_core_hours)),
            ("backlog_core_hours", f(self.backlog_core_hours)),
            ("unmet_core_hours", f(self.unmet_core_hours)),
            ("sla_worst_met_share", f(self.sla_worst_met_share)),
            (
                "sla_worst_workload",
                Cell::Text(self.sla_worst_workload.clone()),
            ),
            ("sla_mean_met_share", f(self.sla_mean_met_share)),
            (
                "longest_backlog_ms",
                Cell::U64(Some(self.longest_backlog_ms)),
            ),
            ("capacity_cores", f(self.capacity_cores)),
            ("peak_demand_cores", f(self.peak_demand_cores)),
            ("util_mean", f(self.util_mean)),
            ("util_p95", f(self.util_p95)),
            ("util_max", f(self.util_max)),
            ("time_above_limit_share", f(self.time_above_limit_share)),
            (
                "verdict_status",
                Cell::Text(Some(self.verdict_status.clone())),
            ),
            (
                "verdict_stars",
                Cell::U64(self.verdict_stars.map(u64::from)),
            ),
            ("ticap_used_core_minutes", f(self.ticap_used_core_minutes)),
            ("active_core_hours", f(self.active_core_hours)),
            ("ha_availability", Cell::F64(self.ha_availability)),
            ("ha_failovers", Cell::U64(self.ha_failovers)),
            ("facility_kwh", Cell::F64(self.facility_kwh)),
            ("co2_kg", Cell::F64(self.co2_kg)),
            ("ticap_left_value", Cell::F64(self.ticap_left_value)),
        ]
    }

    /// `<server>.util_mean` … for the servers named (NaN where this run has no such server).
    pub fn server_cells(&self, servers: &[String]) -> Vec<(String, Cell)> {
        let mut out = Vec::new();
        for name in servers {
            let s = self.servers.iter().find(|s| &s.name == name);
            for (suffix, get) in [
                (
                    "util_mean",
                    (|s: &ServerUtil| s.util_mean) as fn(&ServerUtil) -> f64,
                ),
                ("util_p95", |s| s.util_p95),
                ("util_max", |s| s.util_max),
            ] {
                out.push((format!("{name}.{suffix}"), Cell::F64(s.map(get))));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cells` lists the columns of `COLUMNS` but `servers`, in the same order.
    #[test]
    fn cells_follow_the_column_list() {
        let m = Metrics {
            cost_total: 0.0,
            cost_hardware: 0.0,
            cost_core_rights: 0.0,
            cost_ticap: 0.0,
            cost_ppu: 0.0,
            cost_software: 0.0,
            cost_energy: 0.0,
            demand_core_hours: 0.0,
            served_core_hours: 0.0,
            delayed_core_hours: 0.0,
            dropped_core_hours: 0.0,
            backlog_core_hours: 0.0,
            unmet_core_hours: 0.0,
            sla_worst_met_share: 1.0,
            sla_worst_workload: None,
            sla_mean_met_share: 1.0,
            longest_backlog_ms: 0,
            capacity_cores: 0.0,
            peak_demand_cores: 0.0,
            util_mean: 0.0,
            util_p95: 0.0,
            util_max: 0.0,
            time_above_limit_share: 0.0,
            verdict_status: "no_data".into(),
            verdict_stars: None,
            ticap_used_core_minutes: 0.0,
            active_core_hours: 0.0,
            ha_availability: None,
            ha_failovers: None,
            facility_kwh: None,
            co2_kg: None,
            ticap_left_value: None,
            servers: vec![],
        };
        let names: Vec<&str> = m.cells().iter().map(|c| c.0).collect();
        let listed: Vec<&str> = COLUMNS
            .iter()
            .map(|c| c.0)
            .filter(|c| *c != "servers")
            .collect();
        assert_eq!(names, listed);
        // The JSON field names are the column names too.
        let json = serde_json::to_value(&m).unwrap();
        for n in listed {
            assert!(json.get(n).is_some(), "{n} missing from the point file");
        }
    }
}
