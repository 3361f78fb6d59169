//! The native long layout in Parquet, written as an import streams: row groups of a bounded
//! number of rows, so memory does not grow with the input; a temporary file renamed at the
//! end, so an interrupted import leaves no half-written trace under the final name.

use super::{ImportError, Sample, Source};
use polars::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows per Parquet row group.
const BATCH_ROWS: usize = 1 << 20;

pub struct NativeWriter {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
    with_memory: bool,
    time: Vec<f64>,
    workload: Vec<String>,
    cpu: Vec<f64>,
    memory: Vec<f64>,
}

impl NativeWriter {
    /// `with_memory`: write a `memory_gb` column (0 for samples without memory).
    pub fn create(path: &Path, with_memory: bool) -> Result<Self, ImportError> {
        let tmp = path.with_extension("parquet.tmp");
        let file = File::create(&tmp)
            .map_err(|e| ImportError::Usage(format!("{}: cannot create: {e}", tmp.display())))?;
        let mut fields = vec![
            Field::new("time_s".into(), DataType::Float64),
            Field::new("workload".into(), DataType::String),
            Field::new("cpu".into(), DataType::Float64),
        ];
        if with_memory {
            fields.push(Field::new("memory_gb".into(), DataType::Float64));
        }
        let schema = Schema::from_iter(fields);
        let writer = ParquetWriter::new(file)
            .batched(&schema)
            .map_err(ImportError::sink)?;
        Ok(NativeWriter {
            writer,
            tmp,
            path: path.to_path_buf(),
            with_memory,
            time: Vec::new(),
            workload: Vec::new(),
            cpu: Vec::new(),
            memory: Vec::new(),
        })
    }

    pub fn push(&mut self, s: Sample<'_>) -> Result<(), ImportError> {
        self.time.push(s.time_s);
        self.workload.push(s.workload.to_string());
        self.cpu.push(s.cpu_cores);
        if self.with_memory {
            self.memory.push(s.memory_gb.unwrap_or(0.0));
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
        if self.with_memory {
            columns.push(Column::new(
                "memory_gb".into(),
                std::mem::take(&mut self.memory),
            ));
        }
        let df = DataFrame::new(n, columns).map_err(ImportError::sink)?;
        self.writer.write_batch(&df).map_err(ImportError::sink)
    }

    /// Write what is left, close the file and give it its name.
    pub fn finish(mut self) -> Result<(), ImportError> {
        self.flush()?;
        self.writer.finish().map_err(ImportError::sink)?;
        std::fs::rename(&self.tmp, &self.path).map_err(ImportError::sink)
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
    crate::report::write_atomic(path, &bytes).map_err(ImportError::sink)
}
