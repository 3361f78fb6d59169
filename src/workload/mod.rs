//! Demand: reading traces, synthesizing them, and normalizing them to reference cores.
//!
//! This module knows files and units; it knows nothing of partitions or policies. What it hands
//! on is a [`Series`]: a regular step function of CPU demand (and optionally memory), which the
//! scenario compiler turns into reference cores with the source machine's size.

pub mod capprofile;
pub mod import;
pub mod native;
pub mod parquet;
pub mod planetlab;
pub mod synth;

use std::fmt;
use std::path::{Path, PathBuf};

/// A regularly sampled demand series, as read from one trace column or generated.
///
/// Sample `k` holds for `[start_ms + k·step_ms, start_ms + (k+1)·step_ms)`: demand is a step
/// function, as Capacity Advisor's 5-minute averages are. Units are those of the source
/// (percent of the source machine or reference cores); the caller knows which.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub start_ms: u64,
    pub step_ms: u64,
    pub cpu: Vec<f32>,
    /// Memory demand in GiB, where the source carries it.
    pub memory_gb: Option<Vec<f32>>,
    /// Disk I/O demand in MB/s (reads + writes), where the source carries it.
    pub disk_mbps: Option<Vec<f32>>,
    /// Network I/O demand in MB/s (received + sent), where the source carries it.
    pub network_mbps: Option<Vec<f32>>,
}

impl Series {
    /// A series of CPU demand alone (most trace formats carry nothing else).
    pub fn cpu_only(start_ms: u64, step_ms: u64, cpu: Vec<f32>) -> Self {
        Series {
            start_ms,
            step_ms,
            cpu,
            memory_gb: None,
            disk_mbps: None,
            network_mbps: None,
        }
    }
}

/// A bad or unreadable trace: where it is and what was expected.
///
/// `line` is the 1-based line of a text file, or the 1-based row of a Parquet file (the message
/// says which); `field` is the column name.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceError {
    pub file: PathBuf,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

impl TraceError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        TraceError {
            file: file.to_path_buf(),
            line: None,
            field: None,
            message: message.into(),
        }
    }
    pub fn at(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TraceError {}
