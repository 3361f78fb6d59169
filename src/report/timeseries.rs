//! `timeseries.parquet` and `timeseries.csv`: one row per entity per report step.
//!
//! Columns (docs/OUTPUT.md): `time` [ms from the start, the row's start], `entity`, `kind`
//! (`workload`, `server`, `npar`, `vpar`, `vm`, `pset`, `fss`), `demand`, `allocation`,
//! `served` [mean reference cores over the row], `backlog` [core-hours at the row's end],
//! `utilization` [served ÷ capacity]. `allocation` is null for workloads, which share their
//! partition's.

use super::write_atomic;
use crate::Error;
use crate::sim::Timeseries;
use crate::world::Scenario;
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
    use std::fmt::Write as _;
    let (entity, kind) = names(scenario);
    // Names as spreadsheet-safe fields once per entity, not once per row.
    let entity: Vec<String> = entity
        .iter()
        .map(|n| super::csv_cells::field(n).into_owned())
        .collect();
    let mut out = String::with_capacity(ts.time_ms.len() * 64 + 80);
    out.push_str("time,entity,kind,demand,allocation,served,backlog,utilization\n");
    for r in 0..ts.time_ms.len() {
        let e = ts.entity[r] as usize;
        let allocation = if ts.allocation[r].is_nan() {
            String::new()
        } else {
            ts.allocation[r].to_string()
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{},{},{},{},{allocation},{},{},{}",
            ts.time_ms[r],
            entity[e],
            kind[e],
            ts.demand[r],
            ts.served[r],
            ts.backlog_core_hours[r],
            ts.utilization[r],
        );
    }
    write_atomic(path, out.as_bytes())
}

/// Read a run's timeseries.parquet back, for `vsesim plot` and the charts of a run.
pub fn read_parquet(path: &Path) -> Result<Vec<super::charts::Row>, Error> {
    let bad = |what: String| {
        Error::Usage(format!(
            "{}: {what}; expected a timeseries.parquet written by vsesim run",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let column = |name: &str| {
        df.column(name)
            .map(|c| c.as_materialized_series().clone())
            .map_err(|_| bad(format!("no `{name}` column")))
    };
    let floats = |name: &str| -> Result<Vec<Option<f64>>, Error> {
        let s = column(name)?;
        let s = s
            .cast(&DataType::Float64)
            .map_err(|e| bad(format!("column `{name}`: {e}")))?;
        Ok(s.f64()
            .map_err(|e| bad(format!("column `{name}`: {e}")))?
            .iter()
            .collect())
    };
    let texts = |name: &str| -> Result<Vec<String>, Error> {
        let s = column(name)?;
        Ok(s.str()
            .map_err(|e| bad(format!("column `{name}`: {e}")))?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let time = column("time")?;
    let time: Vec<Option<u64>> = time
        .u64()
        .map_err(|e| bad(format!("column `time`: {e}")))?
        .iter()
        .collect();
    let (entity, kind) = (texts("entity")?, texts("kind")?);
    let (demand, allocation, served) =
        (floats("demand")?, floats("allocation")?, floats("served")?);
    let (backlog, utilization) = (floats("backlog")?, floats("utilization")?);
    Ok((0..df.height())
        .map(|i| super::charts::Row {
            time_ms: time[i].unwrap_or(0),
            entity: entity[i].clone(),
            kind: kind[i].clone(),
            demand: demand[i].unwrap_or(f64::NAN),
            allocation: allocation[i],
            served: served[i].unwrap_or(f64::NAN),
            backlog: backlog[i].unwrap_or(f64::NAN),
            utilization: utilization[i].unwrap_or(f64::NAN),
        })
        .collect())
}
