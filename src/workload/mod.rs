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
pub mod samples;
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

/// The largest value one sample of a trace may hold, whatever its unit (reference cores,
/// percent of a source machine, GiB, MB/s). No workload needs a million cores, a PiB of memory
/// or a TB/s; beyond that a value is a corrupt cell or a unit mistake, and sums of such values
/// lose the precision that the run's conservation check needs. docs/TRACES.md states it.
pub const MAX_SAMPLE: f64 = 1e6;
/// [`MAX_SAMPLE`] as messages write it.
pub const MAX_SAMPLE_TEXT: &str = "1,000,000";

/// A cell's text as a message shows it: at most 40 characters (a 5-million-digit cell is not
/// echoed whole), and characters a terminal would not show (a byte-order mark, control
/// characters) written as `U+FEFF` so that the reader sees why `12` is not a number.
pub fn shown(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 40 {
            out.push('…');
            break;
        }
        if c.is_control() || c == '\u{feff}' || c == '\u{200b}' || c == '\u{00a0}' {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Why a trace file could not be opened: not a regular file (a FIFO, a device, a folder), or
/// the OS's reason.
pub fn open_error(path: &Path, e: &std::io::Error) -> TraceError {
    match crate::input::cause(e) {
        Some((_, message)) => TraceError::new(path, message),
        None => TraceError::new(path, format!("cannot open: {e}")),
    }
}

/// A read error of a trace: a line over the cap (with its number), or the OS's reason.
pub fn read_error(path: &Path, e: &std::io::Error) -> TraceError {
    match crate::input::cause(e) {
        Some((Some(line), message)) => TraceError::new(path, message).at(line),
        Some((None, message)) => TraceError::new(path, message),
        None => TraceError::new(path, format!("cannot read: {e}")),
    }
}
