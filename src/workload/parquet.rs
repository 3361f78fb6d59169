//! The native trace format in Parquet: the same wide and long layouts as the CSV form, read
//! with polars and handed to the same layout logic, so both give the same series and errors.
//! Errors name the 1-based row ("line" in [`TraceError`]) and the column.

use super::TraceError;
use super::native::{self, Cell, NativeTrace};
use polars::prelude::*;
use std::path::Path;

pub fn read(path: &Path, step_ms: Option<u64>) -> Result<NativeTrace, TraceError> {
    let file = crate::input::open(path).map_err(|e| super::open_error(path, &e))?;
    read_from(path, file, step_ms)
}

/// Rows decoded at a time: the row groups `vsesim import` writes, so each is decoded once.
/// Memory holds the series and one chunk, never the whole file.
const CHUNK_ROWS: usize = 1 << 20;

/// [`read`] on any reader polars can read Parquet from (a file, or a `Cursor` over bytes):
/// `path` only names the trace in errors. For tests and fuzzing, which have the bytes in
/// memory. A corrupt file is an error, also where polars panics on it.
///
/// The file is read in chunks of [`CHUNK_ROWS`] rows, handed row by row to the layout logic,
/// so a multi-GB trace costs its series (f32 per sample), not its decoded table.
pub fn read_from(
    path: &Path,
    reader: impl polars::io::mmap::MmapBytesReader,
    step_ms: Option<u64>,
) -> Result<NativeTrace, TraceError> {
    read_in_chunks(path, reader, step_ms, CHUNK_ROWS)
}

fn read_in_chunks(
    path: &Path,
    reader: impl polars::io::mmap::MmapBytesReader,
    step_ms: Option<u64>,
    chunk_rows: usize,
) -> Result<NativeTrace, TraceError> {
    let mut reader = reader;
    check_footer(&mut reader)
        .map_err(|e| TraceError::new(path, format!("not a readable Parquet file: {e}")))?;
    check_types(path, &mut reader)?;
    let total = unpanicked(path, || ParquetReader::new(&mut reader).num_rows())?;
    let first = chunk(path, &mut reader, 0, total.min(chunk_rows))?;
    let header: Vec<String> = first
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let mut current = columns(path, &header, &first)?;
    let mut left = first.height();
    drop(first);
    let columns_of = header.as_slice();
    let mut done = total.min(chunk_rows);
    let mut row = 0u64;
    let mut failed = false;
    let rows = std::iter::from_fn(move || {
        if failed {
            return None;
        }
        loop {
            if left > 0 {
                left -= 1;
                row += 1;
                let cells = current
                    .iter_mut()
                    .map(|c| c.next().unwrap_or(Cell::Missing))
                    .collect();
                return Some(Ok((row, cells)));
            }
            if done >= total {
                return None;
            }
            let n = (total - done).min(chunk_rows);
            let next = chunk(path, &mut reader, done, n)
                .and_then(|df| Ok((columns(path, columns_of, &df)?, df.height())));
            match next {
                Ok((columns, height)) => (current, left) = (columns, height),
                Err(e) => {
                    failed = true;
                    return Some(Err(e));
                }
            }
            done += n;
        }
    });
    native::from_rows(path, &header, rows, step_ms)
}

/// Refuses, from the schema alone, a column of a type this build of polars cannot decode:
/// reading a decimal column without polars' `dtype-decimal` feature panics inside a polars
/// thread, and the panic's message and backtrace reach the terminal before any error can be
/// returned. Types that decode are numbers (integer, floating point), text and nulls.
fn check_types(
    path: &Path,
    reader: &mut impl polars::io::mmap::MmapBytesReader,
) -> Result<(), TraceError> {
    use polars::prelude::ArrowDataType as A;
    let schema = unpanicked(path, || ParquetReader::new(&mut *reader).schema())?;
    for (name, field) in schema.iter() {
        let what = match field.dtype() {
            A::Null
            | A::Int8
            | A::Int16
            | A::Int32
            | A::Int64
            | A::UInt8
            | A::UInt16
            | A::UInt32
            | A::UInt64
            | A::Float32
            | A::Float64
            | A::Utf8
            | A::LargeUtf8
            | A::Utf8View => continue,
            A::Decimal(..) | A::Decimal32(..) | A::Decimal64(..) | A::Decimal256(..) => {
                "decimal numbers".to_string()
            }
            other => format!("{other:?}"),
        };
        return Err(TraceError::new(
            path,
            format!(
                "the column holds {what}, which vsesim does not read; expected floating-point or integer numbers (cast it to double), or text for `workload`"
            ),
        )
        .field(name.as_str()));
    }
    Ok(())
}

/// Rows `offset..offset + n` as a table; a panic inside polars is the error a corrupt file
/// deserves.
fn chunk(
    path: &Path,
    reader: &mut impl polars::io::mmap::MmapBytesReader,
    offset: usize,
    n: usize,
) -> Result<DataFrame, TraceError> {
    unpanicked(path, || {
        ParquetReader::new(&mut *reader)
            .with_slice(Some((offset, n)))
            .finish()
    })
}

/// polars 0.55 panics, rather than returning an error, on some corrupt files: a column chunk
/// whose offsets point past the end of the file (found by fuzzing; the file is
/// `fuzz/regressions/native_parquet/column_chunk_past_the_end.parquet`). Bad input must never
/// panic, so a panic inside the reader becomes an error.
fn unpanicked<T>(path: &Path, read: impl FnOnce() -> PolarsResult<T>) -> Result<T, TraceError> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    match result {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(panic) => {
            let why = (panic.downcast_ref::<&str>().copied())
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic");
            Err(format!("corrupt file (the reader stopped: {why})"))
        }
    }
    .map_err(|e| TraceError::new(path, format!("not a readable Parquet file: {e}")))
}

/// A chunk's columns as cells, to be taken row by row. The columns are the first chunk's.
fn columns(
    path: &Path,
    header: &[String],
    df: &DataFrame,
) -> Result<Vec<std::vec::IntoIter<Cell>>, TraceError> {
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
        columns.push(cells.into_iter());
    }
    Ok(columns)
}

/// Rejects a footer that polars would read as declaring more than it holds.
///
/// polars 0.55 reads the footer's fields by number, whatever type the file declares for them,
/// and sizes its vectors by the counts it reads, before reading the elements: a 1 kB file
/// whose field 4 (the row groups) was declared a string made it read a list of two billion
/// row groups and ask for 136 GB, and the allocation failure aborts the process (it is no
/// panic, so it cannot be caught). Fuzzing found it (`fuzz/regressions/native_parquet/`).
/// So the footer is walked here first, and rejected if a field polars reads has another type
/// than `parquet.thrift` gives it (then polars and this walk would read different things),
/// or if a count or length is larger than the bytes left (every element and every byte takes
/// at least one). Anything else that is wrong is left for polars to report.
fn check_footer(reader: &mut impl polars::io::mmap::MmapBytesReader) -> Result<(), String> {
    use std::io::SeekFrom;
    let io = |e: std::io::Error| format!("cannot read: {e}");
    let len = reader.seek(SeekFrom::End(0)).map_err(io)?;
    let mut tail = [0u8; 8];
    if len >= 12 {
        reader.seek(SeekFrom::End(-8)).map_err(io)?;
        reader.read_exact(&mut tail).map_err(io)?;
        let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
        if &tail[4..] == b"PAR1" && footer_len <= len - 12 {
            reader
                .seek(SeekFrom::Start(len - 8 - footer_len))
                .map_err(io)?;
            let mut footer = vec![0u8; footer_len as usize];
            reader.read_exact(&mut footer).map_err(io)?;
            let mut input = thrift::Input(&footer);
            thrift::check_struct(&mut input, thrift::Of::FileMetaData, 0)?;
        }
    }
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}

/// Just enough of Thrift's compact protocol (the encoding of Parquet's footer) to walk the
/// footer as polars reads it; see [`check_footer`]. Every walk returns `Ok(false)` where it
/// cannot go on (truncated or unknown bytes: left for polars to report) and `Err` for what
/// polars would misread.
mod thrift {
    /// Deeper nesting than Parquet's footer has: the walk stops there, leaving it to polars.
    const MAX_DEPTH: usize = 32;

    // Compact protocol type codes.
    const BOOL_TRUE: u8 = 1;
    const BOOL_FALSE: u8 = 2;
    const BYTE: u8 = 3;
    const I16: u8 = 4;
    const I32: u8 = 5;
    const I64: u8 = 6;
    const BINARY: u8 = 8;
    const LIST: u8 = 9;
    const STRUCT: u8 = 12;

    pub struct Input<'a>(pub &'a [u8]);

    /// The structs of the footer that polars reads field by field (`parquet.thrift`); `Any`
    /// is one it skips by the declared types, as this walk does.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum Of {
        Any,
        FileMetaData,
        SchemaElement,
        LogicalType,
        DecimalType,
        TimeType,
        TimeUnit,
        IntType,
        RowGroup,
        ColumnChunk,
        ColumnMetaData,
        Statistics,
        KeyValue,
        SortingColumn,
        ColumnOrder,
    }

    /// What `parquet.thrift` gives a field: a scalar's type, a list's element type (and the
    /// struct, for a list of structs), or a struct.
    #[derive(Debug, Clone, Copy)]
    enum Field {
        Scalar(u8),
        List(u8, Of),
        Struct(Of),
    }

    fn field(of: Of, id: i64) -> Option<Field> {
        use Field::{List, Scalar, Struct};
        Some(match (of, id) {
            (Of::FileMetaData, 1) => Scalar(I32),
            (Of::FileMetaData, 2) => List(STRUCT, Of::SchemaElement),
            (Of::FileMetaData, 3) => Scalar(I64),
            (Of::FileMetaData, 4) => List(STRUCT, Of::RowGroup),
            (Of::FileMetaData, 5) => List(STRUCT, Of::KeyValue),
            (Of::FileMetaData, 6) => Scalar(BINARY),
            (Of::FileMetaData, 7) => List(STRUCT, Of::ColumnOrder),
            (Of::SchemaElement, 4) => Scalar(BINARY),
            (Of::SchemaElement, 10) => Struct(Of::LogicalType),
            (Of::SchemaElement, 1..=9) => Scalar(I32),
            (Of::LogicalType, 5) => Struct(Of::DecimalType),
            (Of::LogicalType, 7 | 8) => Struct(Of::TimeType),
            (Of::LogicalType, 10) => Struct(Of::IntType),
            (Of::LogicalType, 1..=15) => Struct(Of::Any),
            (Of::DecimalType, 1 | 2) => Scalar(I32),
            (Of::TimeType, 1) => Scalar(BOOL_TRUE),
            (Of::TimeType, 2) => Struct(Of::TimeUnit),
            (Of::TimeUnit, 1..=3) => Struct(Of::Any),
            (Of::IntType, 1) => Scalar(BYTE),
            (Of::IntType, 2) => Scalar(BOOL_TRUE),
            (Of::RowGroup, 1) => List(STRUCT, Of::ColumnChunk),
            (Of::RowGroup, 2 | 3 | 5 | 6) => Scalar(I64),
            (Of::RowGroup, 4) => List(STRUCT, Of::SortingColumn),
            (Of::RowGroup, 7) => Scalar(I16),
            (Of::ColumnChunk, 1) => Scalar(BINARY),
            (Of::ColumnChunk, 2 | 4 | 6) => Scalar(I64),
            (Of::ColumnChunk, 3) => Struct(Of::ColumnMetaData),
            (Of::ColumnChunk, 5 | 7) => Scalar(I32),
            (Of::ColumnMetaData, 1 | 4 | 15) => Scalar(I32),
            (Of::ColumnMetaData, 2) => List(I32, Of::Any),
            (Of::ColumnMetaData, 3) => List(BINARY, Of::Any),
            (Of::ColumnMetaData, 5..=7 | 9..=11 | 14) => Scalar(I64),
            (Of::ColumnMetaData, 12) => Struct(Of::Statistics),
            (Of::Statistics, 1 | 2 | 5 | 6) => Scalar(BINARY),
            (Of::Statistics, 3 | 4) => Scalar(I64),
            (Of::Statistics, 7 | 8) => Scalar(BOOL_TRUE),
            (Of::KeyValue, 1 | 2) => Scalar(BINARY),
            (Of::SortingColumn, 1) => Scalar(I32),
            (Of::SortingColumn, 2 | 3) => Scalar(BOOL_TRUE),
            (Of::ColumnOrder, 1 | 2) => Struct(Of::Any),
            _ => return None,
        })
    }

    /// Bools come as either type code.
    fn same_type(declared: u8, expected: u8) -> bool {
        let bool_code = |t: u8| if t == BOOL_FALSE { BOOL_TRUE } else { t };
        bool_code(declared) == bool_code(expected)
    }

    impl Input<'_> {
        fn byte(&mut self) -> Option<u8> {
            let (&b, rest) = self.0.split_first()?;
            self.0 = rest;
            Some(b)
        }

        fn varint(&mut self) -> Option<u64> {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = self.byte()?;
                v |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    return Some(v);
                }
            }
            None
        }

        fn skip(&mut self, n: usize) -> Option<()> {
            self.0 = self.0.get(n..)?;
            Some(())
        }

        /// A declared count or length: at most the bytes left, each element taking one.
        fn size(&self, n: u64, what: &str) -> Result<usize, String> {
            match usize::try_from(n) {
                Ok(n) if n <= self.0.len() => Ok(n),
                _ => Err(format!(
                    "corrupt footer (a {what} of {n} in {} bytes)",
                    self.0.len()
                )),
            }
        }
    }

    /// Walks the fields of a struct up to its stop field.
    pub fn check_struct(input: &mut Input<'_>, of: Of, depth: usize) -> Result<bool, String> {
        if depth > MAX_DEPTH {
            return Ok(false);
        }
        let mut id = 0i64;
        loop {
            let Some(header) = input.byte() else {
                return Ok(false);
            };
            let kind = header & 0x0f;
            if kind == 0 {
                return Ok(true); // stop
            }
            id = match header >> 4 {
                0 => match input.varint() {
                    Some(z) => (z >> 1) as i64 ^ -((z & 1) as i64), // zigzag
                    None => return Ok(false),
                },
                delta => id + i64::from(delta),
            };
            let going = match field(of, id) {
                None => check_value(input, kind, Of::Any, depth)?,
                Some(expected) => {
                    let expected_kind = match expected {
                        Field::Scalar(t) => t,
                        Field::List(..) => LIST,
                        Field::Struct(_) => STRUCT,
                    };
                    if !same_type(kind, expected_kind) {
                        return Err(format!(
                            "corrupt footer (field {id} of {of:?} has type {kind}; expected {expected_kind})"
                        ));
                    }
                    match expected {
                        Field::Scalar(_) => check_value(input, kind, Of::Any, depth)?,
                        Field::Struct(inner) => check_struct(input, inner, depth + 1)?,
                        Field::List(element, inner) => {
                            check_list(input, Some(element), inner, depth)?
                        }
                    }
                }
            };
            if !going {
                return Ok(false);
            }
        }
    }

    /// Walks a list whose elements must be of type `element` (if known), structs `inner`.
    fn check_list(
        input: &mut Input<'_>,
        element: Option<u8>,
        inner: Of,
        depth: usize,
    ) -> Result<bool, String> {
        let Some(header) = input.byte() else {
            return Ok(false);
        };
        let n = match header >> 4 {
            15 => match input.varint() {
                Some(n) => n,
                None => return Ok(false),
            },
            n => u64::from(n),
        };
        let n = input.size(n, "list of elements")?;
        let declared = header & 0x0f;
        if let Some(expected) = element
            && !same_type(declared, expected)
        {
            return Err(format!(
                "corrupt footer (a list of type {declared}; expected {expected})"
            ));
        }
        // Bools in a list take a byte each.
        let declared = if same_type(declared, BOOL_TRUE) {
            BYTE
        } else {
            declared
        };
        for _ in 0..n {
            if !check_value(input, declared, inner, depth + 1)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Walks one value of type `kind` (`inner`: the struct it is, if it is one).
    fn check_value(
        input: &mut Input<'_>,
        kind: u8,
        inner: Of,
        depth: usize,
    ) -> Result<bool, String> {
        Ok(match kind {
            BOOL_TRUE | BOOL_FALSE => true, // a bool field: the value is in the type
            BYTE => input.byte().is_some(),
            I16 | I32 | I64 => input.varint().is_some(),
            7 => input.skip(8).is_some(), // double
            BINARY => match input.varint() {
                Some(n) => {
                    let n = input.size(n, "string length")?;
                    input.skip(n).is_some()
                }
                None => false,
            },
            LIST | 10 => check_list(input, None, Of::Any, depth)?, // list, set
            11 => {
                // map
                let Some(n) = input.varint() else {
                    return Ok(false);
                };
                let n = input.size(n, "map of entries")?;
                if n == 0 {
                    return Ok(true);
                }
                let Some(kinds) = input.byte() else {
                    return Ok(false);
                };
                let fix = |k: u8| if same_type(k, BOOL_TRUE) { BYTE } else { k };
                for _ in 0..n {
                    if !check_value(input, fix(kinds >> 4), Of::Any, depth + 1)?
                        || !check_value(input, fix(kinds & 0x0f), Of::Any, depth + 1)?
                    {
                        return Ok(false);
                    }
                }
                true
            }
            STRUCT => check_struct(input, inner, depth + 1)?,
            _ => false,
        })
    }
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

    /// Read in chunks (here 3 rows, with row groups of 4 so chunks cut through them), a
    /// long-layout trace of two workloads gives the series of the whole table, and an error in
    /// a later chunk names its row of the file.
    #[test]
    fn chunks_give_the_whole_series_and_the_right_rows() {
        let n = 11usize;
        let time: Vec<i64> = (0..n as i64).flat_map(|t| [t * 60, t * 60]).collect();
        let workload: Vec<&str> = (0..n).flat_map(|_| ["a", "b"]).collect();
        let cpu: Vec<f64> = (0..2 * n).map(|k| k as f64 / 4.0).collect();
        let table = |cpu: Vec<f64>| {
            let mut df = DataFrame::new(
                2 * n,
                vec![
                    Column::new("time_s".into(), time.clone()),
                    Column::new("workload".into(), workload.clone()),
                    Column::new("cpu".into(), cpu),
                ],
            )
            .unwrap();
            let mut bytes = Vec::new();
            ParquetWriter::new(&mut bytes)
                .with_row_group_size(Some(4))
                .finish(&mut df)
                .unwrap();
            bytes
        };
        let bytes = table(cpu.clone());
        let path = Path::new("t.parquet");
        let whole = read_in_chunks(path, std::io::Cursor::new(bytes.clone()), None, 1 << 20);
        let chunked = read_in_chunks(path, std::io::Cursor::new(bytes), None, 3).unwrap();
        assert_eq!(chunked, whole.unwrap());
        let a: Vec<f32> = (0..n).map(|t| (2 * t) as f32 / 4.0).collect();
        assert_eq!(chunked.get("a").unwrap().cpu, a);
        assert_eq!(chunked.get("b").unwrap().step_ms, 60_000);
        // Row 17 (in the sixth chunk of 3) is negative.
        let mut bad = cpu;
        bad[16] = -1.0;
        let e = read_in_chunks(path, std::io::Cursor::new(table(bad)), None, 3).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(17), Some("cpu")), "{e}");
    }

    /// Found by fuzzing: polars asked for 136 GB for this file (its 740-byte footer declares
    /// the row groups a string, which polars reads as a list of two billion), and a failed
    /// allocation aborts the process. It must be an error naming the file.
    #[test]
    fn footer_declaring_more_than_it_holds_is_an_error_not_an_abort() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/regressions/native_parquet/row_group_list_of_2_billion.parquet"
        ));
        let path = Path::new("t.parquet");
        let err = read_from(path, std::io::Cursor::new(bytes), None).unwrap_err();
        assert_eq!(err.file, path);
        assert_eq!(
            err.message,
            "not a readable Parquet file: corrupt footer (field 4 of FileMetaData has type 8; expected 9)"
        );
    }

    /// The footer check accepts what pyarrow writes (with statistics, dictionaries, key-value
    /// metadata, several compressions); tests/runs/traces.rs and tests/checks/bad_input.rs
    /// read files polars wrote.
    #[test]
    fn footer_check_passes_valid_files() {
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/native_parquet");
        let mut valid = 0;
        for entry in std::fs::read_dir(seeds).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let mut cursor = std::io::Cursor::new(&bytes);
            let checked = check_footer(&mut cursor);
            let readable = ParquetReader::new(std::io::Cursor::new(&bytes))
                .finish()
                .is_ok();
            if readable {
                assert_eq!(checked, Ok(()));
                valid += 1;
            }
        }
        assert!(valid >= 4, "{valid} valid seeds");
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
