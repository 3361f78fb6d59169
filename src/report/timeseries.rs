//! `timeseries.parquet` and `timeseries.csv`: one row per entity per report step.
//!
//! Columns (docs/OUTPUT.md): `time` [ms from the start, the row's start], `entity`, `kind`
//! (`workload`, `server`, `npar`, `vpar`, `vm`, `pset`, `fss`), `demand`, `allocation`,
//! `served` [mean reference cores over the row], `backlog` [core-hours at the row's end],
//! `utilization` [served ÷ capacity]. `allocation` is null for workloads, which share their
//! partition's.

use super::write_atomic;
use crate::Error;
use crate::scenario::Scenario;
use crate::sim::Timeseries;
use polars::prelude::*;
use std::path::Path;

fn names(scenario: &Scenario) -> (Vec<&str>, Vec<&'static str>) {
    let model = &scenario.model;
    let mut entity: Vec<&str> = model.workloads.iter().map(|w| w.name.as_str()).collect();
    let mut kind: Vec<&'static str> = vec!["workload"; model.workloads.len()];
    entity.extend(model.nodes.iter().map(|n| n.name.as_str()));
    kind.extend(model.nodes.iter().map(|n| n.kind.as_str()));
    (entity, kind)
}

pub fn write_parquet(path: &Path, scenario: &Scenario, ts: &Timeseries) -> Result<(), Error> {
    let (entity, kind) = names(scenario);
    let pick = |v: &[&str]| -> Vec<String> {
        ts.entity
            .iter()
            .map(|&e| v[e as usize].to_string())
            .collect()
    };
    let allocation: Vec<Option<f64>> = ts
        .allocation
        .iter()
        .map(|&a| if a.is_nan() { None } else { Some(a) })
        .collect();
    let columns = vec![
        Column::new("time".into(), ts.time_ms.clone()),
        Column::new("entity".into(), pick(&entity)),
        Column::new("kind".into(), pick(&kind)),
        Column::new("demand".into(), ts.demand.clone()),
        Column::new("allocation".into(), allocation),
        Column::new("served".into(), ts.served.clone()),
        Column::new("backlog".into(), ts.backlog_core_hours.clone()),
        Column::new("utilization".into(), ts.utilization.clone()),
    ];
    let mut df = DataFrame::new(ts.time_ms.len(), columns)
        .map_err(|e| Error::Internal(format!("building the time series table: {e}")))?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut df)
        .map_err(|e| Error::Internal(format!("encoding {}: {e}", path.display())))?;
    write_atomic(path, &bytes)
}

pub fn write_csv(path: &Path, scenario: &Scenario, ts: &Timeseries) -> Result<(), Error> {
    let (entity, kind) = names(scenario);
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(format!("encoding {}: {e}", path.display()));
    out.write_record([
        "time",
        "entity",
        "kind",
        "demand",
        "allocation",
        "served",
        "backlog",
        "utilization",
    ])
    .map_err(fail)?;
    for r in 0..ts.time_ms.len() {
        let e = ts.entity[r] as usize;
        let allocation = if ts.allocation[r].is_nan() {
            String::new()
        } else {
            ts.allocation[r].to_string()
        };
        out.write_record([
            ts.time_ms[r].to_string().as_str(),
            entity[e],
            kind[e],
            &ts.demand[r].to_string(),
            &allocation,
            &ts.served[r].to_string(),
            &ts.backlog_core_hours[r].to_string(),
            &ts.utilization[r].to_string(),
        ])
        .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Internal(format!("encoding {}: {e}", path.display())))?;
    write_atomic(path, &bytes)
}
