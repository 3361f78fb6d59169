//! Importers of public trace formats into vsesim's native long layout (`docs/TRACES.md`):
//! `vsesim import FORMAT SRC -o OUT.parquet`. This module reads; the caller writes.
//!
//! [`import`] streams [`Sample`]s to a sink, one workload after another, each workload's
//! samples in time order on one grid shared by all workloads, which is what the long layout
//! needs (`time_s`, `workload`, `cpu`, `memory_gb`). It returns an [`ImportReport`] with the
//! grid, one [`Source`] per workload (its capacity, for normalization) and every quirk it
//! tolerated, counted, for the command line to print.
//!
//! # Units
//! `cpu_cores` is demand in **cores of the source machine** (percent × cores / 100), not
//! reference cores: a Bitbrains VM on 2.6 GHz cores and one on 2.9 GHz cores both report
//! "cores". [`Source`] keeps what normalization needs (cores, MHz per core, memory size), so
//! the caller can either write `cpu_cores` with `units = "cores"` (source core = reference
//! core), scale by [`Source::speed`] first, or write `cpu_cores / cores × 100` and use
//! `units = "percent"` with `source = { cores, speed }`. Cores rather than percent because
//! cores survive a resize (a Bitbrains VM's core count may change between rows) and add up
//! across workloads. Where the trace has no core count (Alibaba without its meta table, Azure
//! without a vmtable), [`Options::default_cores`] is used and the source says so
//! ([`Basis::Assumed`]); with the default of 1 the values are then fractions of the source.
//!
//! # Alignment
//! Time is cut into steps of `step_s` (default [`DEFAULT_STEP_S`], the native 5 minutes of
//! all three traces) counted from the source's own clock: Unix time for Bitbrains (so steps
//! fall on wall-clock 5-minute marks, the same ones in separate imports of one trace), the
//! trace's "seconds from start" for Alibaba and Azure. A step's value is the **mean of the
//! rows that fall in it** (`merged` counts rows averaged into a step that already had one).
//! `time_s` is the step's start: for Bitbrains counted from the first step ([`ImportReport::origin_s`]
//! is its Unix time), for Alibaba and Azure the trace's own seconds (not rebased, so the
//! machine and container tables of one trace stay aligned).
//!
//! # Filling
//! Every workload gets a sample at every step from the first step of any workload to the last
//! one. A step with no row **inside** a workload's span (between its first and last row)
//! carries the last value (`gaps_filled`, and `longest_gap`); before its first row and after
//! its last it is **zero** (`padded`): the VM or container was not running, or the slice does
//! not cover it, and either way the trace shows no demand. The same holds for memory, disk and
//! network, and a cell missing in one row (Alibaba's empty cells) carries that column's last
//! value (its first, before there is one).
//!
//! # Memory
//! Bitbrains is one sorted file per VM: it streams with O(1) state per file (a first pass
//! reads only each file's first and last line, to know the common grid). Alibaba and Azure
//! are neither grouped nor sorted by workload (Azure's repair file and batch boundaries mix
//! times), so they keep one dense grid per workload, over that workload's own span only: f32
//! sums and u16 counts, 6 bytes per step per column (up to twice that while a grid grows),
//! i.e. memory bounded by the output, never by the input: 2,000 Alibaba machines over 8 days
//! (4.6 M samples, from 23 M rows) peak at 180 MB. That O(workloads × steps) is unavoidable
//! for an unsorted source whose output must be grouped by workload; [`Options::select`]
//! narrows it.

pub mod alibaba;
pub mod azure;
pub mod bitbrains;
pub mod writer;

use crate::workload::TraceError;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The output step when [`Options::step_s`] is unset: 5 minutes, the native interval of
/// Bitbrains and Azure, and the Capacity Advisor convention Alibaba's irregular samples are
/// averaged into.
pub const DEFAULT_STEP_S: u32 = 300;

/// Longest span, in steps, one workload may cover (about 40 years at 5 minutes). A larger one
/// is a time in the wrong unit, and would otherwise allocate without bound.
const MAX_SPAN_STEPS: i64 = 1 << 22;

/// Latest source time accepted, in seconds: 2100-01-01 in Unix time (Bitbrains), and about
/// 130 years for traces timed from their start. Later is a wrong unit, and would make step
/// arithmetic overflow.
const LATEST_S: f64 = 4_102_444_800.0;

/// Most rows averaged into one step of one workload (the per-step counter is a u16).
const MAX_ROWS_PER_STEP: u16 = u16::MAX;

/// The largest value the native format accepts (it stores f32).
const MAX_VALUE: f64 = f32::MAX as f64;

/// A trace format `vsesim import` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Bitbrains GWA-T-12: a folder of per-VM CSV files (`;`-separated).
    Bitbrains,
    /// Alibaba cluster-trace-v2018 `machine_usage` or `container_usage`.
    Alibaba(AlibabaTable),
    /// Azure Public Dataset V1 (2017) or V2 (2019) `vm_cpu_readings`, with `vmtable` if present.
    Azure(AzureCpu),
}

/// Which Alibaba usage table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlibabaTable {
    Machine,
    Container,
}

/// Which of Azure's per-interval CPU figures becomes the demand: the mean (what the other
/// traces give) or the peak or trough within each 5-minute interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AzureCpu {
    Avg,
    Max,
    Min,
}

impl Format {
    /// The names [`Format::from_str`] accepts, for the command line's help.
    pub const NAMES: [&'static str; 6] = [
        "bitbrains",
        "alibaba-machine",
        "alibaba-container",
        "azure",
        "azure-max",
        "azure-min",
    ];
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Bitbrains => "bitbrains",
            Format::Alibaba(AlibabaTable::Machine) => "alibaba-machine",
            Format::Alibaba(AlibabaTable::Container) => "alibaba-container",
            Format::Azure(AzureCpu::Avg) => "azure",
            Format::Azure(AzureCpu::Max) => "azure-max",
            Format::Azure(AzureCpu::Min) => "azure-min",
        })
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "bitbrains" => Format::Bitbrains,
            "alibaba-machine" => Format::Alibaba(AlibabaTable::Machine),
            "alibaba-container" => Format::Alibaba(AlibabaTable::Container),
            "azure" | "azure-avg" => Format::Azure(AzureCpu::Avg),
            "azure-max" => Format::Azure(AzureCpu::Max),
            "azure-min" => Format::Azure(AzureCpu::Min),
            _ => {
                return Err(format!(
                    "unknown trace format `{s}`; expected one of: {}",
                    Format::NAMES.join(", ")
                ));
            }
        })
    }
}

impl Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Choices the caller makes; [`Options::default`] suits all formats.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Output step in seconds (default [`DEFAULT_STEP_S`]).
    pub step_s: Option<u32>,
    /// Cores assumed for a workload whose trace gives none (default 1: the values are then
    /// fractions of the source, to be scaled by the caller).
    pub default_cores: f64,
    /// Memory size in GiB assumed where the trace gives memory only as a percent of an
    /// unknown size (Alibaba). Unset: no memory for those workloads.
    pub default_memory_gb: Option<f64>,
    /// Import only these workloads (file names without `.csv` for Bitbrains, machine or
    /// container ids, Azure VM ids). Rows of others are skipped and counted (Bitbrains files
    /// of others are not even opened); a name that is not in the trace is an error, before
    /// anything is emitted. Useful on Azure's millions of VMs.
    pub select: Option<BTreeSet<String>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            step_s: None,
            default_cores: 1.0,
            default_memory_gb: None,
            select: None,
        }
    }
}

impl Options {
    fn selects(&self, workload: &str) -> bool {
        self.select.as_ref().is_none_or(|s| s.contains(workload))
    }
}

/// One sample of one workload, as the long layout wants it. `workload` is borrowed: an import
/// can emit hundreds of millions of rows, and the writer copies the name into its own column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample<'a> {
    pub workload: &'a str,
    /// Start of the step, in seconds (see the module docs for the origin); a whole multiple
    /// of [`ImportReport::step_s`].
    pub time_s: f64,
    /// Mean demand over the step in cores of the source machine; finite, ≥ 0.
    pub cpu_cores: f64,
    /// Memory in use, GiB. For one workload either always or never present; it may differ
    /// between workloads (Alibaba without [`Options::default_memory_gb`], Azure: never), and
    /// the native layout's `memory_gb` column then needs a value for those: the caller's
    /// choice (0, or leave the column out).
    pub memory_gb: Option<f64>,
    /// Disk activity in the source's own unit: KB/s read + written (Bitbrains), the
    /// normalized `disk_io_percent` 0–100 (Alibaba); Azure has none. Not in the native layout.
    pub disk: Option<f64>,
    /// Network activity in the source's own unit: KB/s received + sent (Bitbrains), the
    /// normalized `net_in + net_out` (Alibaba); Azure has none. Not in the native layout.
    pub net: Option<f64>,
}

/// Where a capacity figure comes from, so the caller can say how much to trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// From the usage rows themselves (Bitbrains' `CPU cores` column).
    Trace,
    /// From a metadata table (Alibaba `machine_meta`/`container_meta`, Azure `vmtable`).
    Metadata,
    /// From a metadata bucket such as Azure V2's `>24`: the bound, not the exact size.
    Bucket,
    /// Not in the trace: [`Options::default_cores`] or [`Options::default_memory_gb`].
    Assumed,
}

/// A capacity and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Capacity {
    pub value: f64,
    pub from: Basis,
}

/// The machine a workload was measured on: what normalizing its demand needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub workload: String,
    /// Cores of the source machine (`cpu_cores` is in these). Bitbrains: the largest
    /// `CPU cores` of the VM's rows (rows of a powered-off VM have 0).
    pub cores: Capacity,
    /// Clock of one source core, where the trace gives it (Bitbrains: provisioned MHz ÷ cores,
    /// averaged over the rows with cores).
    pub mhz_per_core: Option<f64>,
    /// Memory size of the source, GiB, where known.
    pub memory_gb: Option<Capacity>,
    /// Rows of this workload that were used.
    pub rows: u64,
    /// `time_s` of the first and last step that had a row (the rest is padding).
    pub first_s: f64,
    pub last_s: f64,
}

impl Source {
    /// The scenario's `speed` of this source relative to a reference core of `reference_mhz`,
    /// where the trace gives a clock.
    pub fn speed(&self, reference_mhz: f64) -> Option<f64> {
        self.mhz_per_core.map(|mhz| mhz / reference_mhz)
    }
}

/// Why a row was left out. Only quirks the source's documentation describes are skipped;
/// anything else malformed is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// Alibaba `container_usage` rows with an empty `container_id` (usage not attributed to
    /// a container; merging them would invent a container).
    NoWorkloadId,
    /// An empty or NULL time (Alibaba).
    NoTime,
    /// An empty or NULL CPU value (Alibaba).
    NoCpu,
    /// Not in [`Options::select`].
    NotSelected,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Skip::NoWorkloadId => "no workload id",
            Skip::NoTime => "no time",
            Skip::NoCpu => "no CPU value",
            Skip::NotSelected => "not selected",
        })
    }
}

/// A run of steps filled by carrying the last value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub workload: String,
    /// `time_s` of the first filled step.
    pub from_s: f64,
    pub steps: u64,
}

/// What an import produced and what it tolerated on the way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub format: Format,
    pub step_s: u32,
    /// Source-clock time of `time_s = 0`: Unix seconds for Bitbrains, 0 for Alibaba and Azure
    /// (whose `time_s` is the trace's own seconds from its start).
    pub origin_s: f64,
    /// `time_s` of the first sample of every workload.
    pub start_s: f64,
    /// Samples per workload (every workload has the same times).
    pub samples_per_workload: u64,
    /// Samples emitted in all.
    pub samples: u64,
    /// One per workload, in output order.
    pub sources: Vec<Source>,
    /// Usage files read.
    pub files: u64,
    /// Metadata files read for capacities.
    pub metadata: Vec<PathBuf>,
    /// Data rows read from usage files (headers not counted).
    pub rows_read: u64,
    pub rows_used: u64,
    pub skipped: BTreeMap<Skip, u64>,
    /// Cells of used rows treated as missing, by column: empty or NULL, and Alibaba's
    /// abnormal `disk_io_percent` markers (-1, 101). Their column carries its last value.
    pub missing_cells: BTreeMap<String, u64>,
    /// Rows with the same time as the workload's previous row (Bitbrains `20.csv`). They
    /// are averaged; also counted in `merged`.
    pub duplicates: u64,
    /// Rows earlier than a row already read for the same workload: tolerated where the
    /// source is unsorted (Azure's repair file fills holes after the batches), an error for
    /// Bitbrains.
    pub out_of_order: u64,
    /// Rows averaged into a step that already had a row of the same workload: duplicates,
    /// clock drift (Bitbrains' 299–301 s intervals), or aggregation (Alibaba's 10 s samples).
    pub merged: u64,
    /// Steps inside a workload's span with no row, filled with its last value.
    pub gaps_filled: u64,
    pub longest_gap: Option<Gap>,
    /// Steps before a workload's first row or after its last, filled with zero.
    pub padded: u64,
}

impl ImportReport {
    fn new(format: Format, step_s: u32) -> Self {
        ImportReport {
            format,
            step_s,
            origin_s: 0.0,
            start_s: 0.0,
            samples_per_workload: 0,
            samples: 0,
            sources: Vec::new(),
            files: 0,
            metadata: Vec::new(),
            rows_read: 0,
            rows_used: 0,
            skipped: BTreeMap::new(),
            missing_cells: BTreeMap::new(),
            duplicates: 0,
            out_of_order: 0,
            merged: 0,
            gaps_filled: 0,
            longest_gap: None,
            padded: 0,
        }
    }

    pub fn workloads(&self) -> usize {
        self.sources.len()
    }

    /// Rows skipped for any reason.
    pub fn rows_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    fn skip(&mut self, why: Skip) {
        *self.skipped.entry(why).or_default() += 1;
    }

    fn missing(&mut self, column: &str) {
        match self.missing_cells.get_mut(column) {
            Some(n) => *n += 1,
            None => {
                self.missing_cells.insert(column.to_owned(), 1);
            }
        }
    }
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bad or unreadable input: file, 1-based line, column and what was expected (exit 2).
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// Bad options (a step of 0, a negative default), or values that overflow the native
    /// format (percent × cores beyond f32): exit 2.
    #[error("{0}")]
    Usage(String),
    /// The sink failed, e.g. the Parquet writer (exit 1).
    #[error("cannot write the output: {0}")]
    Sink(Box<dyn std::error::Error + Send + Sync>),
}

impl ImportError {
    /// Wraps a writer's error, for sinks.
    pub fn sink(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ImportError::Sink(e.into())
    }
}

/// Where the samples go: a closure that writes them (or a test that collects them).
pub type Sink<'s> = dyn FnMut(Sample<'_>) -> Result<(), ImportError> + 's;

/// Reads `src` (a file or a folder, as the format expects) and hands every sample to `sink`,
/// workload by workload, each in time order, all on one grid.
pub fn import(
    format: Format,
    src: &Path,
    options: &Options,
    sink: &mut Sink<'_>,
) -> Result<ImportReport, ImportError> {
    let step = check_options(options)?;
    let mut report = ImportReport::new(format, step);
    let mut out = Out {
        sink,
        report: &mut report,
    };
    match format {
        Format::Bitbrains => bitbrains::import(src, options, &mut out)?,
        Format::Alibaba(table) => alibaba::import(src, table, options, &mut out)?,
        Format::Azure(stat) => azure::import(src, stat, options, &mut out)?,
    }
    Ok(report)
}

fn check_options(options: &Options) -> Result<u32, ImportError> {
    let step = options.step_s.unwrap_or(DEFAULT_STEP_S);
    if step == 0 {
        return Err(ImportError::Usage(
            "the step must be at least 1 s".to_owned(),
        ));
    }
    let c = options.default_cores;
    if !(c.is_finite() && c > 0.0 && c <= MAX_VALUE) {
        return Err(ImportError::Usage(format!(
            "default cores {c}: expected a finite number > 0"
        )));
    }
    if let Some(m) = options.default_memory_gb
        && !(m.is_finite() && m > 0.0 && m <= MAX_VALUE)
    {
        return Err(ImportError::Usage(format!(
            "default memory {m} GiB: expected a finite number > 0"
        )));
    }
    Ok(step)
}

/// A selected workload that is not in the trace is a typo, not an empty result. Checked
/// before anything is emitted, with `present` telling which names the trace has.
fn check_selection(
    src: &Path,
    options: &Options,
    present: impl Fn(&str) -> bool,
) -> Result<(), TraceError> {
    let Some(select) = &options.select else {
        return Ok(());
    };
    let missing: Vec<&str> = select
        .iter()
        .map(String::as_str)
        .filter(|w| !present(w))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(TraceError::new(
        src,
        format!(
            "selected workload{} not in the trace: {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ),
    ))
}

// ---------------------------------------------------------------------------------------
// Reading rows

/// A CSV reader that hands out raw rows: no header handling (each format knows its own),
/// fields trimmed (Bitbrains pads with a TAB), ragged rows allowed (checked per format, to
/// name the line), and only `\n` ending a record, so line numbers count CRLF files right.
fn csv_reader(path: &Path, delimiter: u8) -> Result<csv::Reader<Input>, TraceError> {
    if is_compressed(path) {
        return Err(TraceError::new(
            path,
            "compressed file; expected plain CSV (decompress it first)",
        ));
    }
    let file = crate::input::open(path).map_err(|e| super::open_error(path, &e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 16)
        .from_reader(crate::input::Capped::new(file)))
}

/// A trace file as the importers read it: a regular file, lines capped at 1 MiB.
type Input = crate::input::Capped<std::fs::File>;

fn is_compressed(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    [".gz", ".zip", ".bz2", ".xz", ".zst", ".tgz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Reads the next row into `record`; `Some(line)` with its 1-based line, `None` at the end.
fn next_row(
    reader: &mut csv::Reader<Input>,
    record: &mut csv::ByteRecord,
    path: &Path,
) -> Result<Option<u64>, TraceError> {
    match reader.read_byte_record(record) {
        Ok(false) => Ok(None),
        Ok(true) => Ok(Some(record.position().map_or(0, |p| p.line()))),
        Err(e) => {
            if let csv::ErrorKind::Io(io) = e.kind()
                && crate::input::cause(io).is_some()
            {
                return Err(super::read_error(path, io));
            }
            let line = e.position().map(|p| p.line());
            let err = TraceError::new(path, format!("cannot read: {e}"));
            Err(match line {
                Some(l) => err.at(l),
                None => err,
            })
        }
    }
}

/// One row being parsed: knows where it is, so every error names file, line and column.
struct Row<'a> {
    path: &'a Path,
    line: u64,
    record: &'a csv::ByteRecord,
    columns: &'a [&'a str],
}

impl<'a> Row<'a> {
    fn new(path: &'a Path, line: u64, record: &'a csv::ByteRecord, columns: &'a [&'a str]) -> Self {
        Row {
            path,
            line,
            record,
            columns,
        }
    }

    fn error(&self, message: impl Into<String>) -> TraceError {
        TraceError::new(self.path, message).at(self.line)
    }

    fn field_error(&self, col: usize, message: impl Into<String>) -> TraceError {
        let name = self.columns.get(col).copied().unwrap_or("?");
        self.error(message).field(name)
    }

    /// The row must have exactly the format's columns (`at_least`: extra trailing columns
    /// allowed, as in pandas-written Azure metadata).
    fn expect_fields(&self, format: &str, at_least: bool) -> Result<(), TraceError> {
        let (n, want) = (self.record.len(), self.columns.len());
        if n == want || (at_least && n > want) {
            return Ok(());
        }
        Err(self.error(format!(
            "this row has {n} field{} but {format} has {}{want}: {}",
            if n == 1 { "" } else { "s" },
            if at_least { "at least " } else { "" },
            self.columns.join(", ")
        )))
    }

    fn text(&self, col: usize) -> Result<&'a str, TraceError> {
        let bytes = self.record.get(col).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|_| self.field_error(col, "not valid UTF-8"))
    }

    /// The cell's text, or `None` when it is empty or `NULL` (how Alibaba marks no value).
    fn cell(&self, col: usize) -> Result<Option<&'a str>, TraceError> {
        let text = self.text(col)?;
        Ok((!text.is_empty() && !text.eq_ignore_ascii_case("null")).then_some(text))
    }

    /// A required number: finite, ≥ 0, small enough for the native format's f32.
    fn number(&self, col: usize, expected: &str) -> Result<f64, TraceError> {
        match self.cell(col)? {
            Some(text) => self.parse(col, text, expected),
            None => Err(self.field_error(col, format!("empty cell; expected {expected}"))),
        }
    }

    /// A time in seconds, at most [`LATEST_S`]; `None` for an empty or NULL cell.
    fn time(&self, col: usize, expected: &str) -> Result<Option<f64>, TraceError> {
        let Some(t) = self.optional(col, expected)? else {
            return Ok(None);
        };
        if t > LATEST_S {
            return Err(self.field_error(
                col,
                format!("{t} is too late (after {LATEST_S}); expected {expected}"),
            ));
        }
        Ok(Some(t))
    }

    /// An optional number: `None` for an empty or NULL cell.
    fn optional(&self, col: usize, expected: &str) -> Result<Option<f64>, TraceError> {
        match self.cell(col)? {
            Some(text) => self.parse(col, text, expected).map(Some),
            None => Ok(None),
        }
    }

    /// Any number, negatives included (for fields whose negatives mean "abnormal").
    fn signed(&self, col: usize, expected: &str) -> Result<Option<f64>, TraceError> {
        let Some(text) = self.cell(col)? else {
            return Ok(None);
        };
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.field_error(col, not_a_number(text, expected))),
        }
    }

    fn parse(&self, col: usize, text: &str, expected: &str) -> Result<f64, TraceError> {
        demand_value(text)
            .map_err(|problem| self.field_error(col, format!("{problem}; expected {expected}")))
    }
}

/// A demand value as text: a finite number ≥ 0 that fits the native format's f32, else what
/// is wrong with it (the caller says what was expected). Shared by every importer.
pub(crate) fn demand_value(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    let problem = if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        "infinite".to_owned()
    } else if v < 0.0 {
        format!("{text} is negative")
    } else if v > MAX_VALUE {
        format!("{text} is too large")
    } else {
        return Ok(v + 0.0); // no negative zeros in the output
    };
    Err(problem)
}

fn not_a_number(text: &str, expected: &str) -> String {
    format!("`{text}` is not a number; expected {expected}")
}

// ---------------------------------------------------------------------------------------
// Grids for unsorted sources

/// Sums and counts of one column over a workload's steps.
#[derive(Debug, Default)]
struct Column {
    sum: VecDeque<f32>,
    count: VecDeque<u16>,
}

/// One workload's steps, `first` being the step index of element 0. Spans exactly its first
/// to its last row: a container seen for an hour costs an hour, not the whole trace.
#[derive(Debug)]
struct Grid {
    first: i64,
    columns: Vec<Column>,
    rows: u64,
    /// Time of the workload's previous row, and the latest time so far.
    previous_t: f64,
    latest_t: f64,
}

impl Grid {
    fn len(&self) -> usize {
        self.columns.first().map_or(0, |c| c.sum.len())
    }

    fn last(&self) -> i64 {
        self.first + self.len() as i64 - 1
    }

    /// Grows the grid to hold step `k`; `Err` with the span it would need if that is absurd.
    fn reach(&mut self, k: i64) -> Result<usize, i64> {
        if self.len() == 0 {
            self.first = k;
        }
        let (lo, hi) = (self.first.min(k), self.last().max(k));
        let span = hi.saturating_sub(lo).saturating_add(1);
        if span > MAX_SPAN_STEPS {
            return Err(span);
        }
        let front = (self.first - lo) as usize;
        let back = (hi - self.last()) as usize;
        for c in &mut self.columns {
            for _ in 0..front {
                c.sum.push_front(0.0);
                c.count.push_front(0);
            }
            c.sum.extend(std::iter::repeat_n(0.0, back));
            c.count.extend(std::iter::repeat_n(0, back));
        }
        self.first = lo;
        Ok((k - lo) as usize)
    }

    /// The mean of column `c` at index `i`, if any row gave it.
    fn mean(&self, c: usize, i: usize) -> Option<f64> {
        let col = self.columns.get(c)?;
        let (n, sum) = (*col.count.get(i)?, *col.sum.get(i)?);
        (n > 0).then(|| f64::from(sum) / f64::from(n))
    }
}

/// The grids of all workloads of an unsorted source. Column 0 is CPU and is in every row
/// that is added; other columns may be missing.
#[derive(Debug)]
struct Grids {
    columns: usize,
    index: HashMap<String, usize>,
    grids: Vec<(String, Grid)>,
}

impl Grids {
    fn new(columns: usize) -> Self {
        Grids {
            columns,
            index: HashMap::new(),
            grids: Vec::new(),
        }
    }

    fn contains(&self, workload: &str) -> bool {
        self.index.contains_key(workload)
    }

    /// Adds one row at time `t` (step `k`) and counts its quirks. `values[0]` is the CPU
    /// value; `values.len()` must be the grids' column count. The error is a message for
    /// the caller to place on the row.
    fn add(
        &mut self,
        workload: &str,
        t: f64,
        k: i64,
        values: &[Option<f64>],
        report: &mut ImportReport,
    ) -> Result<(), String> {
        let g = match self.index.get(workload) {
            Some(&g) => g,
            None => {
                self.index.insert(workload.to_owned(), self.grids.len());
                let grid = Grid {
                    first: k,
                    columns: (0..self.columns).map(|_| Column::default()).collect(),
                    rows: 0,
                    previous_t: t,
                    latest_t: t,
                };
                self.grids.push((workload.to_owned(), grid));
                self.grids.len() - 1
            }
        };
        let (_, grid) = &mut self.grids[g];
        let i = grid.reach(k).map_err(|span| {
            format!(
                "time {t} s would stretch `{workload}` over {span} steps (at most {MAX_SPAN_STEPS}); \
                 expected seconds from the trace start"
            )
        })?;
        if grid.rows > 0 {
            if t == grid.previous_t {
                report.duplicates += 1;
            } else if t < grid.latest_t {
                report.out_of_order += 1;
            }
        }
        grid.previous_t = t;
        grid.latest_t = grid.latest_t.max(t);
        if grid.columns[0].count[i] > 0 {
            report.merged += 1;
        }
        for (col, value) in grid.columns.iter_mut().zip(values) {
            if let Some(v) = value {
                if col.count[i] == MAX_ROWS_PER_STEP {
                    return Err(format!(
                        "more than {MAX_ROWS_PER_STEP} rows of `{workload}` in one step; choose a shorter step"
                    ));
                }
                col.sum[i] += *v as f32;
                col.count[i] += 1;
            }
        }
        grid.rows += 1;
        Ok(())
    }

    /// The first and last step of any workload, if there is a row at all.
    fn range(&self) -> Option<(i64, i64)> {
        let first = self.grids.iter().map(|(_, g)| g.first).min()?;
        let last = self.grids.iter().map(|(_, g)| g.last()).max()?;
        Some((first, last))
    }

    /// The common grid of all workloads: `time_s` is the trace's own clock.
    fn spec(&self, src: &Path, step_s: u32) -> Result<Option<Spec>, TraceError> {
        self.range()
            .map(|(first, last)| Spec::covering(src, step_s, 0, first, last))
            .transpose()
    }

    /// The grids in output order: workload names in natural order (`c_2` before `c_10`),
    /// so the output does not depend on the input's order.
    fn into_sorted(self) -> Vec<(String, Grid)> {
        let mut grids = self.grids;
        grids.sort_by(|a, b| natural_cmp(&a.0, &b.0));
        grids
    }
}

/// Emits one workload from its grid. `convert` turns the column means of one step (CPU
/// always present; others carried forward, or back-filled from their first value) into a
/// sample's values.
fn emit_grid(
    name: &str,
    grid: &Grid,
    spec: Spec,
    convert: &dyn Fn(&[Option<f64>]) -> Values,
    out: &mut Out<'_, '_>,
) -> Result<(), ImportError> {
    let columns = grid.columns.len();
    // Before a column's first value, use that first value: a leading empty cell is as
    // unknown as a later one, and a column is then present for the whole span or not at all.
    let mut carried: Vec<Option<f64>> = (0..columns)
        .map(|c| (0..grid.len()).find_map(|i| grid.mean(c, i)))
        .collect();
    let mut filler: Option<Filler<'_>> = None;
    for i in 0..grid.len() {
        if grid.mean(0, i).is_none() {
            continue; // no row in this step: the filler carries the last value
        }
        for (c, slot) in carried.iter_mut().enumerate() {
            if let Some(v) = grid.mean(c, i) {
                *slot = Some(v);
            }
        }
        let values = convert(&carried);
        let f = filler.get_or_insert_with(|| Filler::new(name, spec, values.zero()));
        f.push(grid.first + i as i64, values, out)?;
    }
    if let Some(f) = filler {
        f.finish(out)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Filling and emitting

/// The common grid: steps `first..=last` (indexes of `step_s` from the source clock's zero),
/// and the step whose start is `time_s = 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spec {
    step_s: u32,
    origin: i64,
    first: i64,
    last: i64,
}

impl Spec {
    #[cfg(test)]
    fn new(step_s: u32, origin: i64, first: i64, last: i64) -> Self {
        Spec {
            step_s,
            origin,
            first,
            last,
        }
    }

    /// The grid from step `first` to `last`, unless that is too many steps for every
    /// workload to have (each workload's own span is checked as it grows; this checks them
    /// together: a container at 0 s and one at 10⁹ s would pad both over 30 years).
    fn covering(
        src: &Path,
        step_s: u32,
        origin: i64,
        first: i64,
        last: i64,
    ) -> Result<Spec, TraceError> {
        let span = last.saturating_sub(first).saturating_add(1);
        if span > MAX_SPAN_STEPS {
            return Err(TraceError::new(
                src,
                format!(
                    "the workloads' times span {span} steps of {step_s} s (from {} s to {} s), more than \
                     the {MAX_SPAN_STEPS} allowed; import fewer files or a longer step",
                    first as f64 * f64::from(step_s),
                    last as f64 * f64::from(step_s)
                ),
            ));
        }
        Ok(Spec {
            step_s,
            origin,
            first,
            last,
        })
    }

    /// The step holding source time `t` (seconds on the source clock, 0 to [`LATEST_S`]).
    fn step_of(step_s: u32, t: f64) -> i64 {
        (t.clamp(0.0, LATEST_S) / f64::from(step_s)).floor() as i64
    }

    fn time_s(&self, k: i64) -> f64 {
        (k - self.origin) as f64 * f64::from(self.step_s)
    }

    fn samples(&self) -> u64 {
        (self.last - self.first + 1).max(0) as u64
    }

    /// Records the grid in the report.
    fn describe(&self, report: &mut ImportReport) {
        report.origin_s = self.origin as f64 * f64::from(self.step_s);
        report.start_s = self.time_s(self.first);
        report.samples_per_workload = self.samples();
    }
}

/// The values of one step, in output units.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Values {
    cpu: f64,
    memory: Option<f64>,
    disk: Option<f64>,
    net: Option<f64>,
}

impl Values {
    /// The padding for a workload with these columns: zero demand.
    fn zero(&self) -> Values {
        Values {
            cpu: 0.0,
            memory: self.memory.map(|_| 0.0),
            disk: self.disk.map(|_| 0.0),
            net: self.net.map(|_| 0.0),
        }
    }
}

/// The sink and the report, passed down together.
struct Out<'s, 'r> {
    sink: &'s mut Sink<'r>,
    report: &'s mut ImportReport,
}

/// Turns one workload's steps, pushed in increasing order with gaps, into a sample at every
/// step of the grid: carries the last value over gaps, pads with zero outside its span.
struct Filler<'w> {
    workload: &'w str,
    spec: Spec,
    next: i64,
    zero: Values,
    last: Option<Values>,
}

impl<'w> Filler<'w> {
    fn new(workload: &'w str, spec: Spec, zero: Values) -> Self {
        Filler {
            workload,
            spec,
            next: spec.first,
            zero,
            last: None,
        }
    }

    /// Emits step `k` with `values`, after filling the steps since the last one. Steps must
    /// come in increasing order within the grid; callers guarantee it (and an out-of-range
    /// step is dropped rather than emitted off the grid).
    fn push(&mut self, k: i64, values: Values, out: &mut Out<'_, '_>) -> Result<(), ImportError> {
        debug_assert!(
            k >= self.next && k <= self.spec.last,
            "step {k} out of order"
        );
        if k < self.next || k > self.spec.last {
            return Ok(());
        }
        let gap = (k - self.next) as u64;
        match self.last {
            Some(last) => {
                if gap > 0 {
                    self.record_gap(gap, out.report);
                }
                for j in self.next..k {
                    self.emit(j, last, out)?;
                }
            }
            None => {
                out.report.padded += gap;
                for j in self.next..k {
                    self.emit(j, self.zero, out)?;
                }
            }
        }
        self.emit(k, values, out)?;
        self.last = Some(values);
        self.next = k + 1;
        Ok(())
    }

    /// Pads the steps after the last row with zero.
    fn finish(mut self, out: &mut Out<'_, '_>) -> Result<(), ImportError> {
        let end = self.spec.last;
        out.report.padded += (end - self.next + 1).max(0) as u64;
        for j in self.next..=end {
            self.emit(j, self.zero, out)?;
        }
        self.next = end + 1;
        Ok(())
    }

    fn record_gap(&self, steps: u64, report: &mut ImportReport) {
        report.gaps_filled += steps;
        if report.longest_gap.as_ref().is_none_or(|g| steps > g.steps) {
            report.longest_gap = Some(Gap {
                workload: self.workload.to_owned(),
                from_s: self.spec.time_s(self.next),
                steps,
            });
        }
    }

    fn emit(&self, k: i64, v: Values, out: &mut Out<'_, '_>) -> Result<(), ImportError> {
        // Inputs are checked to be finite, ≥ 0 and within f32; only a product of two huge
        // figures (percent × cores) could still overflow the native format.
        for (what, x) in [("cpu", Some(v.cpu)), ("memory", v.memory)] {
            if let Some(x) = x
                && !(x.is_finite() && (0.0..=MAX_VALUE).contains(&x))
            {
                return Err(ImportError::Usage(format!(
                    "workload `{}` at {} s: {what} {x} is out of the native format's range",
                    self.workload,
                    self.spec.time_s(k)
                )));
            }
        }
        out.report.samples += 1;
        (out.sink)(Sample {
            workload: self.workload,
            time_s: self.spec.time_s(k),
            cpu_cores: v.cpu,
            memory_gb: v.memory,
            disk: v.disk,
            net: v.net,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Files and names

/// The `.csv` files of `src`: the file itself, or every one under the folder (recursively,
/// hidden entries skipped), in natural order of their path below `src`.
fn csv_files(src: &Path) -> Result<Vec<PathBuf>, TraceError> {
    let meta =
        std::fs::metadata(src).map_err(|e| TraceError::new(src, format!("cannot open: {e}")))?;
    // Anything but a folder is read as one file: the reader refuses what is not a regular
    // file (a FIFO, a device), naming it.
    if !meta.is_dir() {
        return Ok(vec![src.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut compressed = 0usize;
    walk(src, &mut files, &mut compressed)?;
    if files.is_empty() {
        let hint = if compressed > 0 {
            format!(" ({compressed} compressed ones: decompress them first)")
        } else {
            String::new()
        };
        return Err(TraceError::new(
            src,
            format!("no .csv files in this folder{hint}"),
        ));
    }
    files.sort_by(|a, b| natural_cmp(&relative_name(src, a), &relative_name(src, b)));
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, compressed: &mut usize) -> Result<(), TraceError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| TraceError::new(dir, format!("cannot read: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| TraceError::new(dir, format!("cannot read: {e}")))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // `metadata` follows symbolic links to files; folders are entered only when real,
        // so a link cannot make the walk loop.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            walk(&path, files, compressed)?;
        } else if has_extension(&path, "csv") {
            // A `.csv` that is not a regular file (a FIFO, a device) is kept, so that the
            // reader refuses it by name rather than the walk passing over it in silence.
            files.push(path);
        } else if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) && is_compressed(&path) {
            *compressed += 1;
        }
    }
    Ok(())
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
}

/// `path` below `src`, with `/` separators and without `.csv`: a Bitbrains VM's name is its
/// file name (`12`), or `2013-7/12` when importing several months at once.
fn relative_name(src: &Path, path: &Path) -> String {
    let rel = path
        .strip_prefix(src)
        .ok()
        .filter(|r| !r.as_os_str().is_empty());
    let rel = rel.unwrap_or_else(|| Path::new(path.file_name().unwrap_or(path.as_os_str())));
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut name = parts.join("/");
    if has_extension(rel, "csv") {
        name.truncate(name.len() - 4);
    }
    name
}

/// Orders names with digit runs compared as numbers: `2` < `10`, `c_9` < `c_10`.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, ra) = split_digits(a);
                let (db, rb) = split_digits(b);
                let (ta, tb) = (trim_zeros(da), trim_zeros(db));
                let ord = ta
                    .len()
                    .cmp(&tb.len())
                    .then_with(|| ta.cmp(tb))
                    .then_with(|| da.len().cmp(&db.len()));
                if ord != Ordering::Equal {
                    return ord;
                }
                (a, b) = (ra, rb);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

// ---------------------------------------------------------------------------------------

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers shared by the importers' tests.

    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The real traces beside the project (`../shared/traces`), and nowhere else: a clone
    /// with nothing beside it skips these tests (a note says so), as a user's would. `None`
    /// (test skipped) only outside CI.
    pub fn traces(sub: &str) -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/traces")
            .join(sub);
        if dir.exists() {
            return Some(dir);
        }
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing; CI must have the shared traces",
            dir.display()
        );
        eprintln!("note: {} is missing; skipping", dir.display());
        None
    }

    /// A temporary folder, removed when the test ends.
    pub struct Scratch(pub PathBuf);

    impl Scratch {
        pub fn new() -> Scratch {
            static N: AtomicU64 = AtomicU64::new(0);
            let path = std::env::temp_dir().join(format!(
                "vsesim-import-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&path).unwrap();
            Scratch(path)
        }

        /// Writes `content` to `name` (subfolders created) and returns its path.
        pub fn file(&self, name: &str, content: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// An owned copy of a sample, for collecting.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Owned {
        pub workload: String,
        pub time_s: f64,
        pub cpu: f64,
        pub memory_gb: Option<f64>,
        pub disk: Option<f64>,
        pub net: Option<f64>,
    }

    /// Runs an import and collects what it emits.
    pub fn run(
        format: Format,
        src: &Path,
        options: &Options,
    ) -> Result<(ImportReport, Vec<Owned>), ImportError> {
        let mut samples = Vec::new();
        let report = import(format, src, options, &mut |s: Sample<'_>| {
            samples.push(Owned {
                workload: s.workload.to_owned(),
                time_s: s.time_s,
                cpu: s.cpu_cores,
                memory_gb: s.memory_gb,
                disk: s.disk,
                net: s.net,
            });
            Ok(())
        })?;
        Ok((report, samples))
    }

    /// The samples of one workload.
    pub fn of<'a>(samples: &'a [Owned], workload: &str) -> Vec<&'a Owned> {
        samples.iter().filter(|s| s.workload == workload).collect()
    }

    /// Checks what the native long layout requires of the output: per workload, evenly
    /// spaced times in order; the same times for all; values finite and ≥ 0; memory either
    /// always or never present per workload.
    pub fn assert_native(report: &ImportReport, samples: &[Owned]) {
        assert_eq!(report.samples, samples.len() as u64);
        assert_eq!(
            report.samples,
            report.samples_per_workload * report.workloads() as u64
        );
        let step = f64::from(report.step_s);
        let mut i = 0;
        for source in &report.sources {
            let rows = &samples[i..i + report.samples_per_workload as usize];
            i += rows.len();
            let memory = rows[0].memory_gb.is_some();
            for (j, s) in rows.iter().enumerate() {
                assert_eq!(s.workload, source.workload);
                assert_eq!(s.time_s, report.start_s + j as f64 * step, "{s:?}");
                assert!(s.cpu.is_finite() && s.cpu >= 0.0, "{s:?}");
                assert_eq!(s.memory_gb.is_some(), memory, "{s:?}");
                if let Some(m) = s.memory_gb {
                    assert!(m.is_finite() && m >= 0.0, "{s:?}");
                }
            }
        }
        assert_eq!(i, samples.len());
    }

    /// Asserts an error names the file, line and field and says `says`.
    pub fn assert_error(
        err: &ImportError,
        file: &Path,
        line: Option<u64>,
        field: Option<&str>,
        says: &str,
    ) {
        let ImportError::Trace(e) = err else {
            panic!("not a trace error: {err}");
        };
        assert_eq!(e.file, file, "{e}");
        assert_eq!(e.line, line, "{e}");
        assert_eq!(e.field.as_deref(), field, "{e}");
        assert!(e.message.contains(says), "`{says}` not in: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn formats_round_trip_their_names() {
        for name in Format::NAMES {
            let f: Format = name.parse().unwrap();
            assert_eq!(f.to_string(), name);
        }
        assert_eq!("Azure-Avg".parse(), Ok(Format::Azure(AzureCpu::Avg)));
        let err = "google".parse::<Format>().unwrap_err();
        assert!(err.contains("bitbrains, alibaba-machine"), "{err}");
    }

    #[test]
    fn natural_order_compares_numbers_as_numbers() {
        let mut names = vec![
            "c_10", "c_9", "10", "2", "1", "c_1000", "c_100", "a", "02", "m_2/3",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "1", "2", "02", "10", "a", "c_9", "c_10", "c_100", "c_1000", "m_2/3"
            ]
        );
    }

    #[test]
    fn relative_names_drop_the_extension_and_keep_folders() {
        let src = Path::new("/t/rnd");
        assert_eq!(
            relative_name(src, Path::new("/t/rnd/2013-7/12.csv")),
            "2013-7/12"
        );
        assert_eq!(relative_name(src, Path::new("/t/rnd/9.CSV")), "9");
        let file = Path::new("/t/rnd/9.csv");
        assert_eq!(relative_name(file, file), "9");
    }

    fn values(cpu: f64) -> Values {
        Values {
            cpu,
            memory: Some(cpu * 2.0),
            disk: None,
            net: None,
        }
    }

    /// Gaps inside the span carry the last value; outside it, zeros; the report counts both.
    #[test]
    fn filler_carries_inside_and_pads_outside() {
        let spec = Spec::new(300, 10, 10, 19);
        let mut report = ImportReport::new(Format::Bitbrains, 300);
        let mut got = Vec::new();
        let mut sink = |s: Sample<'_>| {
            got.push((s.time_s, s.cpu_cores, s.memory_gb));
            Ok(())
        };
        let mut out = Out {
            sink: &mut sink,
            report: &mut report,
        };
        let mut f = Filler::new("w", spec, values(1.0).zero());
        f.push(12, values(1.0), &mut out).unwrap();
        f.push(13, values(3.0), &mut out).unwrap();
        f.push(17, values(5.0), &mut out).unwrap();
        f.finish(&mut out).unwrap();
        let cpu: Vec<f64> = got.iter().map(|g| g.1).collect();
        assert_eq!(cpu, [0., 0., 1., 3., 3., 3., 3., 5., 0., 0.]);
        assert_eq!(got[0].0, 0.0);
        assert_eq!(got[9].0, 2700.0);
        assert_eq!(got[5].2, Some(6.0));
        assert_eq!(got[0].2, Some(0.0));
        assert_eq!(
            (report.padded, report.gaps_filled, report.samples),
            (4, 3, 10)
        );
        assert_eq!(
            report.longest_gap,
            Some(Gap {
                workload: "w".into(),
                from_s: 1200.0,
                steps: 3
            })
        );
    }

    #[test]
    fn grids_grow_both_ways_and_average_each_step() {
        let mut grids = Grids::new(2);
        let mut report = ImportReport::new(Format::Bitbrains, 300);
        let add = |grids: &mut Grids, report: &mut ImportReport, t: f64, v: [Option<f64>; 2]| {
            grids
                .add("m", t, Spec::step_of(300, t), &v, report)
                .unwrap()
        };
        add(&mut grids, &mut report, 900.0, [Some(10.0), Some(1.0)]);
        add(&mut grids, &mut report, 910.0, [Some(20.0), None]);
        add(&mut grids, &mut report, 0.0, [Some(4.0), None]);
        add(&mut grids, &mut report, 0.0, [Some(6.0), Some(3.0)]);
        let (_, g) = &grids.grids[0];
        assert_eq!((g.first, g.len()), (0, 4));
        assert_eq!(g.mean(0, 3), Some(15.0));
        assert_eq!(g.mean(1, 3), Some(1.0));
        assert_eq!(g.mean(0, 0), Some(5.0));
        assert_eq!(g.mean(0, 1), None);
        assert_eq!(
            (report.merged, report.out_of_order, report.duplicates),
            (2, 1, 1)
        );
        assert_eq!(grids.range(), Some((0, 3)));
        let err = grids
            .add(
                "m",
                1e12,
                Spec::step_of(300, 1e12),
                &[Some(1.0), None],
                &mut report,
            )
            .unwrap_err();
        assert!(
            err.contains("expected seconds from the trace start"),
            "{err}"
        );
    }

    #[test]
    fn bad_options_are_usage_errors() {
        let dir = Scratch::new();
        for options in [
            Options {
                step_s: Some(0),
                ..Options::default()
            },
            Options {
                default_cores: -1.0,
                ..Options::default()
            },
            Options {
                default_memory_gb: Some(f64::NAN),
                ..Options::default()
            },
        ] {
            let err = run(Format::Bitbrains, &dir.0, &options).unwrap_err();
            assert!(matches!(err, ImportError::Usage(_)), "{err}");
        }
    }

    #[test]
    fn a_missing_source_is_named() {
        let path = Path::new("/nonexistent/vsesim-trace");
        for format in [
            Format::Bitbrains,
            Format::Alibaba(AlibabaTable::Machine),
            Format::Azure(AzureCpu::Avg),
        ] {
            let err = run(format, path, &Options::default()).unwrap_err();
            assert_error(&err, path, None, None, "cannot open");
        }
    }

    #[test]
    fn an_empty_folder_says_so() {
        let dir = Scratch::new();
        dir.file("a.csv.gz", "x");
        let err = run(Format::Bitbrains, &dir.0, &Options::default()).unwrap_err();
        assert_error(
            &err,
            &dir.0,
            None,
            None,
            "no .csv files in this folder (1 compressed",
        );
    }
}
