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
    read_from(path, file, step_ms)
}

/// [`read`] on any reader polars can read Parquet from (a file, or a `Cursor` over bytes):
/// `path` only names the trace in errors. For tests and fuzzing, which have the bytes in
/// memory. A corrupt file is an error, also where polars panics on it.
pub fn read_from(
    path: &Path,
    reader: impl polars::io::mmap::MmapBytesReader,
    step_ms: Option<u64>,
) -> Result<NativeTrace, TraceError> {
    // polars 0.55 panics, rather than returning an error, on some corrupt files: a column
    // chunk whose offsets point past the end of the file (found by fuzzing; the file is
    // `fuzz/regressions/native_parquet/column_chunk_past_the_end.parquet`). Bad input must
    // never panic, so a panic inside the reader becomes the error a corrupt file deserves.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ParquetReader::new(reader).finish()
    }));
    let df = match read {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(panic) => {
            let why = (panic.downcast_ref::<&str>().copied())
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic");
            Err(format!("corrupt file (the reader stopped: {why})"))
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The same Parquet bytes give the same series from a file and from memory.
    #[test]
    fn bytes_read_as_the_file_does() {
        let mut df = DataFrame::new(
            2,
            vec![
                Column::new("time_s".into(), [0i64, 300]),
                Column::new("workload".into(), ["a", "a"]),
                Column::new("cpu".into(), [1.5f64, 2.5]),
            ],
        )
        .unwrap();
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
        let path =
            std::env::temp_dir().join(format!("vsesim-parquet-{}.parquet", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let from_file = read(&path, None);
        let _ = std::fs::remove_file(&path);
        let from_bytes = read_from(Path::new("t.parquet"), std::io::Cursor::new(bytes), None);
        assert_eq!(from_bytes.unwrap(), from_file.unwrap());
    }

    /// Found by fuzzing: polars panicked on this file (a column chunk past the end of the
    /// file); it must be an error naming the file, as any corrupt Parquet file is.
    #[test]
    fn corrupt_column_chunk_is_an_error_not_a_panic() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/regressions/native_parquet/column_chunk_past_the_end.parquet"
        ));
        let path = Path::new("t.parquet");
        for step_ms in [None, Some(300_000)] {
            let err = read_from(path, std::io::Cursor::new(bytes), step_ms).unwrap_err();
            assert_eq!(err.file, path);
            assert!(
                err.message.starts_with("not a readable Parquet file: "),
                "{err}"
            );
        }
    }
}
