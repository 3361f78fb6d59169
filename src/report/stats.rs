//! stats.parquet and stats.csv: the statistics of summary.json as one long table, a row per
//! entity and resource, for tools that want a data frame rather than nested JSON; and a
//! scenario row computed from the time series.

use super::summary::{Io, NodeReport, Summary, Usage, Utilization, Verdict};
use crate::Error;
use crate::model::Model;
use crate::sim::Timeseries;
use polars::prelude::*;
use std::path::Path;

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    pub entity: String,
    /// `scenario`, `server`, `npar`, `vpar`, `vm`, `pset`, `fss` or `workload`.
    pub kind: String,
    /// `cpu` [reference cores], `memory` [GiB], `disk` or `network` [MB/s].
    pub resource: &'static str,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub p99_9: f64,
    pub max: f64,
    pub time_above_limit_share: f64,
    pub peak: f64,
    pub capacity: f64,
    pub limit: f64,
    pub headroom: f64,
    pub verdict: Option<&'static str>,
    pub stars: Option<u8>,
}

/// The rows: per server, partition and workload, CPU, memory, then disk and network where a
/// capacity judges them; first a scenario row for CPU when there is a time series.
pub fn rows(summary: &Summary, timeseries: Option<&Timeseries>, model: &Model) -> Vec<StatRow> {
    let s = &summary.scenario;
    let mut out = Vec::new();
    if let Some(ts) = timeseries
        && let Some(row) = scenario_row(summary, ts, model)
    {
        out.push(row);
    }
    let node =
        |n: &NodeReport, out: &mut Vec<StatRow>| {
            let (verdict, stars) = split(n.verdict);
            out.push(stat(
                &n.name,
                n.kind,
                "cpu",
                &n.usage.cpu_utilization,
                &n.usage,
                n.capacity_cores,
                s.util_limit,
                (verdict, stars),
            ));
            let memory = &n.usage.memory;
            out.push(StatRow {
                time_above_limit_share: memory.time_above_limit_share,
                ..stat(
                    &n.name,
                    n.kind,
                    "memory",
                    &memory.utilization,
                    &n.usage,
                    n.memory_gb,
                    s.memory_limit,
                    (verdict, stars),
                )
            });
            let ios = [
                ("disk", &n.usage.disk, s.disk_limit),
                ("network", &n.usage.network, s.network_limit),
            ];
            out.extend(ios.into_iter().filter_map(|(r, io, limit)| {
                io_row(&n.name, n.kind, r, io, limit, (verdict, stars))
            }));
        };
    for n in summary.servers.iter().chain(&summary.partitions) {
        node(n, &mut out);
    }
    // A workload's capacity is its partition's: looked up by name, the first node of that
    // name (partitions before servers) as a linear search would find it, but in a map — a
    // search per workload is 10⁶ × 70,000 comparisons for a scenario of 10⁶ workloads.
    let mut by_name: std::collections::HashMap<&str, &NodeReport> =
        std::collections::HashMap::new();
    for p in summary.partitions.iter().chain(&summary.servers) {
        by_name.entry(p.name.as_str()).or_insert(p);
    }
    for w in &summary.workloads {
        let p = by_name.get(w.partition.as_str());
        let (cap, mem) = p.map_or((0.0, 0.0), |p| (p.capacity_cores, p.memory_gb));
        out.push(stat(
            &w.name,
            "workload",
            "cpu",
            &w.usage.cpu_utilization,
            &w.usage,
            cap,
            s.util_limit,
            (None, None),
        ));
        out.push(StatRow {
            time_above_limit_share: w.usage.memory.time_above_limit_share,
            ..stat(
                &w.name,
                "workload",
                "memory",
                &w.usage.memory.utilization,
                &w.usage,
                mem,
                s.memory_limit,
                (None, None),
            )
        });
        let ios = [
            ("disk", &w.usage.disk, s.disk_limit),
            ("network", &w.usage.network, s.network_limit),
        ];
        out.extend(
            ios.into_iter().filter_map(|(r, io, limit)| {
                io_row(&w.name, "workload", r, io, limit, (None, None))
            }),
        );
    }
    out
}

/// A disk or network row, where a configured capacity judges it.
fn io_row(
    entity: &str,
    kind: &str,
    resource: &'static str,
    io: &Io,
    limit: f64,
    (verdict, stars): (Option<&'static str>, Option<u8>),
) -> Option<StatRow> {
    let (Some(u), Some(capacity)) = (&io.utilization, io.capacity_mbps) else {
        return None;
    };
    Some(StatRow {
        time_above_limit_share: io.time_above_limit_share.unwrap_or(0.0),
        peak: io.peak_mbps,
        headroom: limit * capacity - io.peak_mbps,
        ..base(entity, kind, resource, u, capacity, limit, (verdict, stars))
    })
}

fn split(v: Option<Verdict>) -> (Option<&'static str>, Option<u8>) {
    v.map_or((None, None), |v| (Some(v.status), v.stars))
}

#[allow(clippy::too_many_arguments)]
fn stat(
    entity: &str,
    kind: &str,
    resource: &'static str,
    u: &Utilization,
    usage: &Usage,
    capacity: f64,
    limit: f64,
    (verdict, stars): (Option<&'static str>, Option<u8>),
) -> StatRow {
    let peak = if resource == "cpu" {
        usage.peak_demand_cores
    } else {
        usage.memory_peak_gb
    };
    StatRow {
        time_above_limit_share: usage.time_above_limit_share,
        peak,
        headroom: limit * capacity - peak,
        ..base(entity, kind, resource, u, capacity, limit, (verdict, stars))
    }
}

/// The fields every row fills the same way; peak, headroom and time above the limit are the
/// caller's.
fn base(
    entity: &str,
    kind: &str,
    resource: &'static str,
    u: &Utilization,
    capacity: f64,
    limit: f64,
    (verdict, stars): (Option<&'static str>, Option<u8>),
) -> StatRow {
    StatRow {
        entity: entity.to_string(),
        kind: kind.to_string(),
        resource,
        mean: u.mean,
        p50: u.p50,
        p95: u.p95,
        p99: u.p99,
        p99_9: u.p99_9,
        max: u.max,
        time_above_limit_share: 0.0,
        peak: 0.0,
        capacity,
        limit,
        headroom: 0.0,
        verdict,
        stars,
    }
}

/// The whole scenario as one machine: per time-series row, the servers' served work over their
/// capacity; percentiles by polars over the rows (report-step means, so coarser than the
/// per-segment figures of the servers).
fn scenario_row(summary: &Summary, ts: &Timeseries, model: &Model) -> Option<StatRow> {
    // Time-series entities are the workloads, then the nodes in model order.
    let nw = model.workloads.len();
    let is_server: Vec<bool> = (0..nw)
        .map(|_| false)
        .chain(model.nodes.iter().map(|n| n.parent.is_none()))
        .collect();
    let capacity: f64 = summary.servers.iter().map(|s| s.capacity_cores).sum();
    if capacity <= 0.0 || ts.time_ms.is_empty() {
        return None;
    }
    // Rows come per step, every entity in a row of steps: sum the servers' rows per time.
    let mut util = Vec::new();
    let mut demand = Vec::new();
    let mut at = None;
    let (mut d, mut s) = (0.0, 0.0);
    for i in 0..ts.time_ms.len() {
        if at != Some(ts.time_ms[i]) {
            if at.is_some() {
                demand.push(d);
                util.push(s / capacity);
            }
            at = Some(ts.time_ms[i]);
            (d, s) = (0.0, 0.0);
        }
        if is_server[ts.entity[i] as usize] {
            d += ts.demand[i];
            s += ts.served[i];
        }
    }
    demand.push(d);
    util.push(s / capacity);
    let n = util.len() as f64;
    let mean = util.iter().sum::<f64>() / n;
    let peak = demand.iter().copied().fold(0.0, f64::max);
    let limit = summary.scenario.util_limit;
    let above = util.iter().filter(|&&u| u > limit).count() as f64 / n;
    let max = util.iter().copied().fold(0.0, f64::max);
    // The inverse of the empirical distribution (R's type 2): the definition the servers'
    // histograms approximate, so the two agree on one server.
    let series = Series::new("utilization".into(), util);
    let q = |p: f64| {
        series
            .quantile_reduce(p, QuantileMethod::Equiprobable)
            .ok()
            .and_then(|s| s.value().extract::<f64>())
            .unwrap_or(f64::NAN)
    };
    Some(StatRow {
        entity: summary.scenario.name.clone(),
        kind: "scenario".into(),
        resource: "cpu",
        mean,
        p50: q(0.50),
        p95: q(0.95),
        p99: q(0.99),
        p99_9: q(0.999),
        max,
        time_above_limit_share: above,
        peak,
        capacity,
        limit,
        headroom: limit * capacity - peak,
        verdict: Some(summary.verdict.status),
        stars: summary.verdict.stars,
    })
}

fn frame(rows: &[StatRow]) -> Result<DataFrame, Error> {
    let text = |f: &dyn Fn(&StatRow) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let num = |f: &dyn Fn(&StatRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let columns = vec![
        Column::new("entity".into(), text(&|r| r.entity.clone())),
        Column::new("kind".into(), text(&|r| r.kind.clone())),
        Column::new("resource".into(), text(&|r| r.resource.to_string())),
        Column::new("mean".into(), num(&|r| r.mean)),
        Column::new("p50".into(), num(&|r| r.p50)),
        Column::new("p95".into(), num(&|r| r.p95)),
        Column::new("p99".into(), num(&|r| r.p99)),
        Column::new("p99_9".into(), num(&|r| r.p99_9)),
        Column::new("max".into(), num(&|r| r.max)),
        Column::new(
            "time_above_limit_share".into(),
            num(&|r| r.time_above_limit_share),
        ),
        Column::new("peak".into(), num(&|r| r.peak)),
        Column::new("capacity".into(), num(&|r| r.capacity)),
        Column::new("limit".into(), num(&|r| r.limit)),
        Column::new("headroom".into(), num(&|r| r.headroom)),
        Column::new(
            "verdict".into(),
            rows.iter()
                .map(|r| r.verdict.map(str::to_string))
                .collect::<Vec<Option<String>>>(),
        ),
        Column::new(
            "stars".into(),
            rows.iter()
                .map(|r| r.stars.map(u32::from))
                .collect::<Vec<Option<u32>>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::Internal(format!("building the stats table: {e}")))
}

/// Write stats.parquet and stats.csv (atomically, like every output).
pub fn write(dir: &Path, rows: &[StatRow]) -> Result<(), Error> {
    let mut df = frame(rows)?;
    let mut parquet = Vec::new();
    ParquetWriter::new(&mut parquet)
        .finish(&mut df)
        .map_err(|e| Error::Internal(format!("encoding stats.parquet: {e}")))?;
    super::write_atomic(&dir.join("stats.parquet"), &parquet)?;
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv)
        .include_header(true)
        .finish(&mut df)
        .map_err(|e| Error::Internal(format!("encoding stats.csv: {e}")))?;
    let csv = super::csv_cells::escape_columns(&csv, &super::csv_cells::text_columns(&df))
        .map_err(|e| Error::Internal(format!("encoding stats.csv: {e}")))?;
    super::write_atomic(&dir.join("stats.csv"), &csv)
}
