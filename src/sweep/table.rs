//! The sweep's tables (docs/SWEEP.md): `results` with a row per point and replica, and
//! `summary` with a row per point: each figure's mean over the replicas and its 95 %
//! confidence interval. Both as Parquet and CSV, through polars, rows sorted by point then
//! replica, floats at full precision.

use super::record::{COLUMNS, Cell, PointFile};
use super::run::SweepInfo;
use super::spec::{Kind, Param};
use crate::Error;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A figure's mean over a point's replicas and the 95 % confidence interval of the mean
/// (Student's t with n − 1 degrees of freedom; null with one replica).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

impl Stat {
    pub fn of(xs: &[f64]) -> Stat {
        if xs.is_empty() {
            return Stat {
                mean: None,
                ci95_low: None,
                ci95_high: None,
            };
        }
        let (mean, half) = crate::ha::mean_ci95(xs);
        let half = half.is_finite().then_some(half);
        Stat {
            mean: Some(mean),
            ci95_low: half.map(|h| mean - h),
            ci95_high: half.map(|h| mean + h),
        }
    }
}

/// One point over its replicas.
#[derive(Debug, Clone)]
pub struct PointSummary {
    pub point: u64,
    pub params: BTreeMap<String, Param>,
    pub replicas: u64,
    /// Share of replicas whose verdict is `meets`.
    pub verdict_meets_share: f64,
    /// Per summarized figure, in column order.
    pub stats: Vec<(String, Stat)>,
}

impl PointSummary {
    pub fn stat(&self, name: &str) -> Option<Stat> {
        self.stats.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }
}

/// The servers that get their own columns: all of the base's when it has two or more.
fn server_columns(info: &SweepInfo) -> &[String] {
    if info.servers.len() >= 2 {
        &info.servers
    } else {
        &[]
    }
}

/// The summary of each point, in point order.
pub fn summarize(info: &SweepInfo, files: &[PointFile]) -> Vec<PointSummary> {
    files
        .iter()
        .map(|f| {
            let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
            for rec in &f.replicas {
                let cells = rec
                    .metrics
                    .cells()
                    .into_iter()
                    .filter(|(n, _)| summarized(n))
                    .map(|(n, c)| (n.to_string(), c))
                    .chain(rec.metrics.server_cells(server_columns(info)));
                for (k, (name, cell)) in cells.enumerate() {
                    if columns.len() <= k {
                        columns.push((name, Vec::new()));
                    }
                    if let Some(x) = cell.number() {
                        columns[k].1.push(x);
                    }
                }
            }
            let meets = f
                .replicas
                .iter()
                .filter(|r| r.metrics.verdict_status == "meets")
                .count();
            PointSummary {
                point: f.point,
                params: f.params.clone(),
                replicas: f.replicas.len() as u64,
                verdict_meets_share: meets as f64 / f.replicas.len().max(1) as f64,
                stats: columns
                    .into_iter()
                    .map(|(n, xs)| (n, Stat::of(&xs)))
                    .collect(),
            }
        })
        .collect()
}

fn summarized(name: &str) -> bool {
    COLUMNS.iter().any(|(c, s)| *c == name && *s)
}

/// One column of params, typed by the axis.
pub fn param_column(name: &str, kind: Kind, values: Vec<Option<&Param>>) -> Column {
    let name: PlSmallStr = name.into();
    match kind {
        Kind::Int => Column::new(
            name,
            values
                .into_iter()
                .map(|v| match v {
                    Some(Param::Int(i)) => Some(*i),
                    _ => None,
                })
                .collect::<Vec<Option<i64>>>(),
        ),
        Kind::Float => Column::new(
            name,
            values
                .into_iter()
                .map(|v| v.and_then(Param::as_f64))
                .collect::<Vec<Option<f64>>>(),
        ),
        Kind::Bool => Column::new(
            name,
            values
                .into_iter()
                .map(|v| match v {
                    Some(Param::Bool(b)) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<Option<bool>>>(),
        ),
        Kind::Text => Column::new(
            name,
            values
                .into_iter()
                .map(|v| match v {
                    Some(Param::Text(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Vec<Option<String>>>(),
        ),
    }
}

fn cell_column(name: &str, cells: Vec<Cell>) -> Column {
    let name: PlSmallStr = name.into();
    match cells.first() {
        Some(Cell::U64(_)) => Column::new(
            name,
            cells
                .into_iter()
                .map(|c| match c {
                    Cell::U64(x) => x,
                    _ => None,
                })
                .collect::<Vec<Option<u64>>>(),
        ),
        Some(Cell::Text(_)) => Column::new(
            name,
            cells
                .into_iter()
                .map(|c| match c {
                    Cell::Text(x) => x,
                    _ => None,
                })
                .collect::<Vec<Option<String>>>(),
        ),
        _ => Column::new(
            name,
            cells
                .into_iter()
                .map(|c| match c {
                    Cell::F64(x) => x,
                    _ => None,
                })
                .collect::<Vec<Option<f64>>>(),
        ),
    }
}

/// `results`: point, replica, seed, the axes, then every figure (docs/SWEEP.md).
pub fn results_frame(info: &SweepInfo, files: &[PointFile]) -> Result<DataFrame, Error> {
    let rows: Vec<(&PointFile, &super::record::ReplicaRecord)> = files
        .iter()
        .flat_map(|f| f.replicas.iter().map(move |r| (f, r)))
        .collect();
    let mut columns = vec![
        Column::new(
            "point".into(),
            rows.iter().map(|(f, _)| f.point).collect::<Vec<u64>>(),
        ),
        Column::new(
            "replica".into(),
            rows.iter().map(|(_, r)| r.replica).collect::<Vec<u64>>(),
        ),
        Column::new(
            "seed".into(),
            rows.iter().map(|(_, r)| r.seed).collect::<Vec<u64>>(),
        ),
    ];
    for a in &info.axes {
        columns.push(param_column(
            &a.name,
            a.kind,
            rows.iter().map(|(f, _)| f.params.get(&a.name)).collect(),
        ));
    }
    let servers = server_columns(info);
    let mut cells: Vec<(String, Vec<Cell>)> = Vec::new();
    for (_, rec) in &rows {
        let row = rec
            .metrics
            .cells()
            .into_iter()
            .map(|(n, c)| (n.to_string(), c))
            .chain(rec.metrics.server_cells(servers));
        for (k, (name, cell)) in row.enumerate() {
            if cells.len() <= k {
                cells.push((name, Vec::with_capacity(rows.len())));
            }
            cells[k].1.push(cell);
        }
    }
    if rows.is_empty() {
        // No rows: still the full header, so a reader finds every column.
        cells = COLUMNS
            .iter()
            .filter(|(n, _)| *n != "servers")
            .map(|(n, _)| (n.to_string(), Vec::new()))
            .collect();
    }
    columns.extend(cells.into_iter().map(|(n, c)| cell_column(&n, c)));
    DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::Internal(format!("building the results table: {e}")))
}

/// `summary`: point, the axes, replicas, verdict_meets_share, then for each figure its
/// `_mean`, `_ci95_low` and `_ci95_high`.
pub fn summary_frame(info: &SweepInfo, sums: &[PointSummary]) -> Result<DataFrame, Error> {
    let mut columns = vec![Column::new(
        "point".into(),
        sums.iter().map(|s| s.point).collect::<Vec<u64>>(),
    )];
    for a in &info.axes {
        columns.push(param_column(
            &a.name,
            a.kind,
            sums.iter().map(|s| s.params.get(&a.name)).collect(),
        ));
    }
    columns.push(Column::new(
        "replicas".into(),
        sums.iter().map(|s| s.replicas).collect::<Vec<u64>>(),
    ));
    columns.push(Column::new(
        "verdict_meets_share".into(),
        sums.iter()
            .map(|s| s.verdict_meets_share)
            .collect::<Vec<f64>>(),
    ));
    let names: Vec<String> = match sums.first() {
        Some(s) => s.stats.iter().map(|(n, _)| n.clone()).collect(),
        None => Vec::new(),
    };
    for (k, name) in names.iter().enumerate() {
        for (suffix, get) in [
            ("mean", (|s: &Stat| s.mean) as fn(&Stat) -> Option<f64>),
            ("ci95_low", |s| s.ci95_low),
            ("ci95_high", |s| s.ci95_high),
        ] {
            columns.push(Column::new(
                format!("{name}_{suffix}").into(),
                sums.iter()
                    .map(|s| s.stats.get(k).and_then(|(_, st)| get(st)))
                    .collect::<Vec<Option<f64>>>(),
            ));
        }
    }
    DataFrame::new(sums.len(), columns)
        .map_err(|e| Error::Internal(format!("building the summary table: {e}")))
}

/// Write `<stem>.parquet` and `<stem>.csv` into `dir`, each atomically.
pub fn write_frame(dir: &Path, stem: &str, df: &mut DataFrame) -> Result<(), Error> {
    let mut parquet = Vec::new();
    ParquetWriter::new(&mut parquet)
        .finish(df)
        .map_err(|e| Error::Internal(format!("encoding {stem}.parquet: {e}")))?;
    crate::report::write_atomic(&dir.join(format!("{stem}.parquet")), &parquet)?;
    write_csv(dir, stem, df)
}

pub fn write_csv(dir: &Path, stem: &str, df: &mut DataFrame) -> Result<(), Error> {
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv)
        .include_header(true)
        .finish(df)
        .map_err(|e| Error::Internal(format!("encoding {stem}.csv: {e}")))?;
    let cells = crate::report::csv_cells::text_columns(df);
    let csv = crate::report::csv_cells::escape_columns(&csv, &cells)
        .map_err(|e| Error::Internal(format!("encoding {stem}.csv: {e}")))?;
    crate::report::write_atomic(&dir.join(format!("{stem}.csv")), &csv)
}
