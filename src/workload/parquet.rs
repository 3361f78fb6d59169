//! The native trace format in Parquet: the same wide and long layouts as the CSV form, read
//! with polars and handed to the same layout logic, so both give the same series and errors.
//! Errors name the 1-based row ("line" in [`TraceError`]) and the column.

use super::TraceError;
use super::native::{self, Cell, NativeTrace};
use polars::prelude::*;
use std::path::Path;

pub fn read(path: &Path, step_ms: Option<u64>) -> Result<NativeTrace, TraceError> {
    let file = std::fs::File::open(path)
        .map_err(|e| TraceError::new(path, format!("cannot open: {e}")))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| TraceError::new(path, format!("not a readable Parquet file: {e}")))?;
    let header: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let mut columns = Vec::with_capacity(header.len());
    for (name, column) in header.iter().zip(df.columns()) {
        let series = column.as_materialized_series();
        let cells: Vec<Cell> = match series.dtype() {
            DataType::String => series
                .str()
                .map_err(|e| TraceError::new(path, e.to_string()).field(name.as_str()))?
                .iter()
                .map(|v| v.map_or(Cell::Missing, |s| Cell::Text(s.to_string())))
                .collect(),
            dt if dt.is_primitive_numeric() => series
                .cast(&DataType::Float64)
                .and_then(|s| s.f64().cloned())
                .map_err(|e| TraceError::new(path, e.to_string()).field(name.as_str()))?
                .iter()
                .map(|v| v.map_or(Cell::Missing, Cell::Num))
                .collect(),
            other => {
                return Err(TraceError::new(
                    path,
                    format!("column type {other} is not supported; expected numbers (or text for `workload`)"),
                )
                .field(name.as_str()));
            }
        };
        columns.push(cells);
    }
    let height = df.height();
    let mut columns: Vec<std::vec::IntoIter<Cell>> =
        columns.into_iter().map(|c| c.into_iter()).collect();
    let rows = (0..height).map(move |r| {
        let cells: Vec<Cell> = columns
            .iter_mut()
            .map(|c| c.next().unwrap_or(Cell::Missing))
            .collect();
        Ok((r as u64 + 1, cells))
    });
    native::from_rows(path, &header, rows, step_ms)
}
