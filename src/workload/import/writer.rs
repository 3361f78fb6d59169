//! The native long layout in Parquet, written as an import streams: row groups of a bounded
//! number of rows, so memory does not grow with the input; a temporary file renamed at the
//! end, so an interrupted import leaves no half-written trace under the final name.

use super::{ImportError, Sample, Source};
use polars::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows per Parquet row group.
const BATCH_ROWS: usize = 1 << 20;

/// Which optional columns the trace gets. Disk and network come in each source's own unit
/// ([`Sample::disk`], [`Sample::net`]); the factor turns that into MB/s, and a column without
/// a factor is not written (a percent of an unknown bandwidth is no MB/s).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Columns {
    /// Write a `memory_gb` column (0 for samples without memory).
    pub memory: bool,
    /// MB/s per unit of [`Sample::disk`]: write a `disk_mbps` column.
    pub disk_mbps_per_unit: Option<f64>,
    /// MB/s per unit of [`Sample::net`]: write a `network_mbps` column.
    pub network_mbps_per_unit: Option<f64>,
}

impl Columns {
    pub fn memory_only(memory: bool) -> Self {
        Columns {
            memory,
            ..Columns::default()
        }
    }
}

pub struct NativeWriter {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    tmp: crate::output::TempFile,
    path: PathBuf,
    columns: Columns,
    time: Vec<f64>,
    workload: Vec<String>,
    cpu: Vec<f64>,
    memory: Vec<f64>,
    disk: Vec<f64>,
    network: Vec<f64>,
}

impl NativeWriter {
    pub fn create(path: &Path, columns: Columns) -> Result<Self, ImportError> {
        let (tmp, file) = crate::output::create_temp(path)
            .map_err(|e| ImportError::Usage(format!("{}: cannot create: {e}", path.display())))?;
        let mut fields = vec![
            Field::new("time_s".into(), DataType::Float64),
            Field::new("workload".into(), DataType::String),
            Field::new("cpu".into(), DataType::Float64),
        ];
        if columns.memory {
            fields.push(Field::new("memory_gb".into(), DataType::Float64));
        }
        if columns.disk_mbps_per_unit.is_some() {
            fields.push(Field::new("disk_mbps".into(), DataType::Float64));
        }
        if columns.network_mbps_per_unit.is_some() {
            fields.push(Field::new("network_mbps".into(), DataType::Float64));
        }
        let schema = Schema::from_iter(fields);
        let writer = ParquetWriter::new(file)
            .batched(&schema)
            .map_err(ImportError::sink)?;
        Ok(NativeWriter {
            writer,
            tmp,
            path: path.to_path_buf(),
            columns,
            time: Vec::new(),
            workload: Vec::new(),
            cpu: Vec::new(),
            memory: Vec::new(),
            disk: Vec::new(),
            network: Vec::new(),
        })
    }

    pub fn push(&mut self, s: Sample<'_>) -> Result<(), ImportError> {
        self.time.push(s.time_s);
        self.workload.push(s.workload.to_string());
        self.cpu.push(s.cpu_cores);
        if self.columns.memory {
            self.memory.push(s.memory_gb.unwrap_or(0.0));
        }
        if let Some(k) = self.columns.disk_mbps_per_unit {
            self.disk.push(s.disk.unwrap_or(0.0) * k);
        }
        if let Some(k) = self.columns.network_mbps_per_unit {
            self.network.push(s.net.unwrap_or(0.0) * k);
        }
        if self.time.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if self.time.is_empty() {
            return Ok(());
        }
        let n = self.time.len();
        let mut columns = vec![
            Column::new("time_s".into(), std::mem::take(&mut self.time)),
            Column::new("workload".into(), std::mem::take(&mut self.workload)),
            Column::new("cpu".into(), std::mem::take(&mut self.cpu)),
        ];
        if self.columns.memory {
            columns.push(Column::new(
                "memory_gb".into(),
                std::mem::take(&mut self.memory),
            ));
        }
        if self.columns.disk_mbps_per_unit.is_some() {
            columns.push(Column::new(
                "disk_mbps".into(),
                std::mem::take(&mut self.disk),
            ));
        }
        if self.columns.network_mbps_per_unit.is_some() {
            columns.push(Column::new(
                "network_mbps".into(),
                std::mem::take(&mut self.network),
            ));
        }
        let df = DataFrame::new(n, columns).map_err(ImportError::sink)?;
        self.writer.write_batch(&df).map_err(ImportError::sink)
    }

    /// Write what is left, close the file and give it its name.
    pub fn finish(mut self) -> Result<(), ImportError> {
        self.flush()?;
        self.writer.finish().map_err(ImportError::sink)?;
        self.tmp.persist(&self.path).map_err(ImportError::sink)
    }
}

/// `OUT.sources.csv` beside the trace: the machine each workload was measured on, for
/// normalizing its demand (`cpu` is in cores of that machine).
pub fn write_sources(path: &Path, sources: &[Source]) -> Result<(), ImportError> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        workload: &'a str,
        cores: f64,
        cores_from: super::Basis,
        mhz_per_core: Option<f64>,
        memory_gb: Option<f64>,
        memory_from: Option<super::Basis>,
        rows: u64,
        first_s: f64,
        last_s: f64,
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    for s in sources {
        out.serialize(Row {
            workload: &s.workload,
            cores: s.cores.value,
            cores_from: s.cores.from,
            mhz_per_core: s.mhz_per_core,
            memory_gb: s.memory_gb.map(|m| m.value),
            memory_from: s.memory_gb.map(|m| m.from),
            rows: s.rows,
            first_s: s.first_s,
            last_s: s.last_s,
        })
        .map_err(ImportError::sink)?;
    }
    let bytes = out.into_inner().map_err(ImportError::sink)?;
    // Workload names come from public traces: spreadsheet-safe (`vsesim export` unescapes).
    let bytes =
        crate::output::csv_cells::escape_columns(&bytes, &[true]).map_err(ImportError::sink)?;
    crate::output::write_atomic(path, &bytes).map_err(ImportError::sink)
}
