//! vsesim's own trace format (`docs/TRACES.md`): a table of CPU demand, wide (one column per
//! workload) or long (`workload`, `cpu` and optionally `memory_gb`, `disk_mbps`, `network_mbps`, one row per sample), with
//! an optional `time_s` column.
//!
//! The layout logic ([`from_rows`]) works on a header and rows of [`Cell`]s so that CSV (here)
//! and Parquet (`super::parquet`) give the same series and the same errors. Values keep the
//! units of the file; the scenario says what they are.

use super::{Series, TraceError};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Name of the optional time column: seconds from the trace start.
pub const TIME_COLUMN: &str = "time_s";
/// Long layout: the column naming the workload of each row.
pub const WORKLOAD_COLUMN: &str = "workload";
/// Long layout: the CPU demand column.
pub const CPU_COLUMN: &str = "cpu";
/// Long layout: the optional memory demand column, in GiB.
pub const MEMORY_COLUMN: &str = "memory_gb";
/// Long layout: the optional disk I/O demand column, in MB/s.
pub const DISK_COLUMN: &str = "disk_mbps";
/// Long layout: the optional network I/O demand column, in MB/s.
pub const NETWORK_COLUMN: &str = "network_mbps";
/// The long layout's optional demand columns besides CPU, in [`Series`] field order.
pub const OTHER_COLUMNS: [&str; 3] = [MEMORY_COLUMN, DISK_COLUMN, NETWORK_COLUMN];

/// Rounding times to whole milliseconds can make a step differ from the first one by 1 ms
/// (decimal seconds such as 0.1 are not exact in binary); more than that is a real gap.
const TOLERANCE_MS: u64 = 1;

/// Times beyond 2^53 ms (about 285,000 years) no longer convert exactly between f64 and u64.
const MAX_TIME_MS: f64 = 9_007_199_254_740_992.0;

/// Every series of one native trace file, in column order (wide layout) or in order of first
/// appearance (long layout). All series share `start_ms`, `step_ms` and length.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeTrace {
    pub series: Vec<(String, Series)>,
}

impl NativeTrace {
    /// The series of the workload named `workload`, if the trace has one.
    pub fn get(&self, workload: &str) -> Option<&Series> {
        self.series
            .iter()
            .find(|(name, _)| name == workload)
            .map(|(_, series)| series)
    }
}

/// One cell of a trace table, as the file format gives it. Text is parsed as a number where a
/// number is expected, so CSV can hand over its fields untouched.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Num(f64),
    Text(String),
    /// An empty cell (empty CSV field, Parquet null).
    Missing,
}

/// Reads a native trace: Parquet when the file name ends in `.parquet` (any case), else CSV.
pub fn read(path: &Path, step_ms: Option<u64>) -> Result<NativeTrace, TraceError> {
    let is_parquet = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if is_parquet {
        super::parquet::read(path, step_ms)
    } else {
        read_csv(path, step_ms)
    }
}

/// Reads a native trace in CSV: comma-separated, a header line of column names, whitespace
/// around fields ignored, LF or CRLF line ends, blank lines allowed only at the end.
///
/// `step_ms` is the scenario's `step`: required when the file has no `time_s` column, and
/// must agree with it (within 1 ms) when it has one.
pub fn read_csv(path: &Path, step_ms: Option<u64>) -> Result<NativeTrace, TraceError> {
    let file = crate::input::open(path).map_err(|e| super::open_error(path, &e))?;
    read_csv_from(path, file, step_ms)
}

/// [`read_csv`] on any reader: `path` only names the trace in errors. For tests and fuzzing,
/// which have the bytes in memory.
pub fn read_csv_from(
    path: &Path,
    reader: impl Read,
    step_ms: Option<u64>,
) -> Result<NativeTrace, TraceError> {
    // Only `\n` ends a record: with `\r` as a terminator too, csv counts the lines of CRLF
    // files one short. The `\r` left at the end of the last field is trimmed away.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(BlankLinesVisible::new(BufReader::new(
            crate::input::Capped::new(reader),
        )));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, &[], e))?
        .iter()
        .map(str::to_owned)
        .collect();
    if header.is_empty() {
        return Err(TraceError::new(
            path,
            "empty file; expected a header of column names",
        ));
    }
    if header.len() == 1
        && let Some((_, name)) = [('\t', "tabs"), (';', "semicolons"), ('|', "bars")]
            .into_iter()
            .find(|(c, _)| header[0].contains(*c))
    {
        return Err(TraceError::new(
            path,
            format!(
                "the header's columns are separated by {name}; expected commas (CSV), e.g. `time_s,web`"
            ),
        )
        .at(1));
    }
    if header.len() == 1 && header[0].is_empty() {
        return Err(TraceError::new(
            path,
            "the first line is blank; expected the header (column names)",
        )
        .at(1));
    }
    // Checked here as well as in `from_rows` so that header errors name line 1, which
    // `from_rows` cannot know (Parquet has no header line). Blank lines are never skipped
    // (see `BlankLinesVisible`), so the header is line 1.
    plan(path, &header, step_ms).map_err(|e| if e.line.is_none() { e.at(1) } else { e })?;

    let mut record = csv::StringRecord::new();
    let mut first_blank: Option<u64> = None;
    let mut failed = false;
    let header_ref = &header;
    let rows = std::iter::from_fn(move || {
        if failed {
            return None;
        }
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => return None,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    if record.len() == 1 && record.get(0).is_none_or(str::is_empty) {
                        // Only an error if a row follows: trailing blank lines are harmless.
                        first_blank.get_or_insert(line);
                        continue;
                    }
                    if let Some(blank) = first_blank {
                        failed = true;
                        return Some(Err(TraceError::new(
                            path,
                            "blank line; expected a row of values (blank lines are allowed only at the end)",
                        )
                        .at(blank)));
                    }
                    let cells = record
                        .iter()
                        .map(|f| {
                            if f.is_empty() {
                                Cell::Missing
                            } else {
                                Cell::Text(f.to_owned())
                            }
                        })
                        .collect();
                    return Some(Ok((line, cells)));
                }
                Err(e) => {
                    failed = true;
                    return Some(Err(csv_error(path, header_ref, e)));
                }
            }
        }
    });
    from_rows(path, &header, rows, step_ms)
}

/// Turns a table into series: the layout logic shared by CSV and Parquet.
///
/// `header` holds the column names; each row is its 1-based line (CSV) or row (Parquet) and
/// one cell per column. `step_ms` is the scenario's `step`, as for [`read_csv`]. Times become
/// whole milliseconds; `start_ms` is the first time (0 without a time column).
pub fn from_rows(
    path: &Path,
    header: &[String],
    rows: impl Iterator<Item = Result<(u64, Vec<Cell>), TraceError>>,
    step_ms: Option<u64>,
) -> Result<NativeTrace, TraceError> {
    let plan = plan(path, header, step_ms)?;
    let names: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut table = match &plan.layout {
        Layout::Wide { columns } => Table::Wide {
            clock: Clock::default(),
            cpu: vec![Vec::new(); columns.len()],
        },
        Layout::Long { .. } => Table::Long {
            workloads: Vec::new(),
            index: HashMap::new(),
        },
    };
    for row in rows {
        let (line, cells) = row?;
        if cells.len() != header.len() {
            return Err(TraceError::new(
                path,
                format!(
                    "this row has {} fields but the header has {}",
                    cells.len(),
                    header.len()
                ),
            )
            .at(line));
        }
        let at = |column: usize| Place {
            path,
            line,
            field: names[column],
        };
        match (&plan.layout, &mut table) {
            (Layout::Wide { columns }, Table::Wide { clock, cpu }) => {
                if let Some(t) = plan.time {
                    clock.push(&at(t), time_ms(&at(t), &cells[t])?)?;
                }
                for (series, &c) in cpu.iter_mut().zip(columns) {
                    series.push(demand(&at(c), &cells[c])?);
                }
            }
            (
                Layout::Long {
                    workload,
                    cpu,
                    other,
                },
                Table::Long { workloads, index },
            ) => {
                let name = workload_name(&at(*workload), &cells[*workload])?;
                let k = match index.get(&name) {
                    Some(&k) => k,
                    None => {
                        index.insert(name.clone(), workloads.len());
                        workloads.push(LongSeries {
                            name,
                            clock: Clock::default(),
                            cpu: Vec::new(),
                            other: Default::default(),
                            last_line: line,
                        });
                        workloads.len() - 1
                    }
                };
                let w = &mut workloads[k];
                if let Some(t) = plan.time {
                    w.clock.push(&at(t), time_ms(&at(t), &cells[t])?)?;
                }
                w.cpu.push(demand(&at(*cpu), &cells[*cpu])?);
                for (column, values) in other.iter().zip(&mut w.other) {
                    if let Some(c) = *column {
                        values.push(demand(&at(c), &cells[c])?);
                    }
                }
                w.last_line = line;
            }
            // `table` was built from `plan.layout` above.
            _ => return Err(TraceError::new(path, "internal error: layout mismatch")),
        }
    }

    match (plan.layout, table) {
        (Layout::Wide { columns }, Table::Wide { clock, cpu }) => {
            if cpu.first().is_none_or(Vec::is_empty) {
                return Err(no_rows(path));
            }
            let (start_ms, step_ms) = timing(path, plan.time.map(|_| &clock), step_ms)?;
            let series = columns
                .iter()
                .zip(cpu)
                .map(|(&c, cpu)| {
                    (
                        names[c].to_owned(),
                        Series::cpu_only(start_ms, step_ms, cpu),
                    )
                })
                .collect();
            Ok(NativeTrace { series })
        }
        (Layout::Long { other, .. }, Table::Long { workloads, .. }) => {
            let Some(first) = workloads.first() else {
                return Err(no_rows(path));
            };
            for w in &workloads[1..] {
                same_times(path, first, w, plan.time.is_some())?;
            }
            let (start_ms, step_ms) = timing(path, plan.time.map(|_| &first.clock), step_ms)?;
            let series = workloads
                .into_iter()
                .map(|w| {
                    let [memory, disk, network] = w.other;
                    let series = Series {
                        start_ms,
                        step_ms,
                        cpu: w.cpu,
                        memory_gb: other[0].map(|_| memory),
                        disk_mbps: other[1].map(|_| disk),
                        network_mbps: other[2].map(|_| network),
                    };
                    (w.name, series)
                })
                .collect();
            Ok(NativeTrace { series })
        }
        _ => Err(TraceError::new(path, "internal error: layout mismatch")),
    }
}

/// Which columns mean what, decided from the header alone.
struct Plan {
    time: Option<usize>,
    layout: Layout,
}

enum Layout {
    /// Column indexes of the workloads, in header order.
    Wide { columns: Vec<usize> },
    Long {
        workload: usize,
        cpu: usize,
        /// The columns of [`OTHER_COLUMNS`], where present.
        other: [Option<usize>; 3],
    },
}

enum Table {
    Wide {
        clock: Clock,
        cpu: Vec<Vec<f32>>,
    },
    Long {
        workloads: Vec<LongSeries>,
        index: HashMap<String, usize>,
    },
}

struct LongSeries {
    name: String,
    clock: Clock,
    cpu: Vec<f32>,
    other: [Vec<f32>; 3],
    last_line: u64,
}

/// Where a cell is, for error messages.
struct Place<'a> {
    path: &'a Path,
    line: u64,
    field: &'a str,
}

impl Place<'_> {
    fn err(&self, message: impl Into<String>) -> TraceError {
        TraceError::new(self.path, message)
            .at(self.line)
            .field(self.field)
    }
}

/// Header checks; errors carry the column as field but no line, since Parquet has no header
/// line ([`read_csv`] adds line 1).
fn plan(path: &Path, header: &[String], step_ms: Option<u64>) -> Result<Plan, TraceError> {
    if header.is_empty() {
        return Err(TraceError::new(
            path,
            "empty file; expected a header of column names",
        ));
    }
    let names: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, &name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(TraceError::new(
                path,
                format!("column {} has no name; expected a column name", i + 1),
            ));
        }
        if let Some(first) = seen.insert(name, i) {
            return Err(TraceError::new(
                path,
                format!(
                    "duplicate column name (columns {} and {}); expected unique names",
                    first + 1,
                    i + 1
                ),
            )
            .field(name));
        }
    }
    if step_ms == Some(0) {
        return Err(TraceError::new(
            path,
            "the scenario's `step` is 0; expected a positive step",
        ));
    }
    let time = seen.get(TIME_COLUMN).copied();
    if time.is_none() && step_ms.is_none() {
        return Err(TraceError::new(
            path,
            "no `time_s` column; set `step` in the scenario",
        ));
    }
    let layout = if let Some(&workload) = seen.get(WORKLOAD_COLUMN) {
        let Some(&cpu) = seen.get(CPU_COLUMN) else {
            return Err(TraceError::new(
                path,
                "a `workload` column makes this the long layout, which needs a `cpu` column",
            ));
        };
        let known = [TIME_COLUMN, WORKLOAD_COLUMN, CPU_COLUMN];
        if let Some(other) = names
            .iter()
            .find(|n| !known.contains(n) && !OTHER_COLUMNS.contains(n))
        {
            return Err(TraceError::new(
                path,
                "unknown column in the long layout; expected only `workload`, `cpu`, `time_s`, `memory_gb`, `disk_mbps` and `network_mbps`",
            )
            .field(*other));
        }
        Layout::Long {
            workload,
            cpu,
            other: OTHER_COLUMNS.map(|c| seen.get(c).copied()),
        }
    } else {
        if let Some(column) = OTHER_COLUMNS.iter().find(|c| seen.contains_key(*c)) {
            return Err(TraceError::new(
                path,
                "memory, disk and network are carried only in the long layout (columns `workload`, `cpu`, `memory_gb`, `disk_mbps`, `network_mbps`); in the wide layout every column but `time_s` is a workload",
            )
            .field(*column));
        }
        let columns: Vec<usize> = (0..names.len()).filter(|&i| Some(i) != time).collect();
        if columns.is_empty() {
            return Err(TraceError::new(
                path,
                "no workload columns; expected one column per workload besides `time_s`",
            ));
        }
        Layout::Wide { columns }
    };
    Ok(Plan { time, layout })
}

/// The times of one series so far, checked as they come: evenly spaced, step from the first
/// two times.
#[derive(Default)]
struct Clock {
    start_ms: u64,
    step_ms: Option<u64>,
    /// Line of the first and second sample: where start and step were set.
    first_line: u64,
    step_line: u64,
    last_ms: u64,
    last_line: u64,
    count: u64,
}

impl Clock {
    fn push(&mut self, at: &Place, t: u64) -> Result<(), TraceError> {
        if self.count == 0 {
            self.start_ms = t;
            self.first_line = at.line;
        } else if t == self.last_ms {
            return Err(at.err(format!(
                "duplicate time {} s (also on line {}); expected one row per time",
                secs(t),
                self.last_line
            )));
        } else if t < self.last_ms {
            return Err(at.err(format!(
                "time goes backwards: {} s after {} s on line {}; expected rows in time order",
                secs(t),
                secs(self.last_ms),
                self.last_line
            )));
        } else if let Some(step) = self.step_ms {
            let expected = self.last_ms.saturating_add(step);
            if t.abs_diff(expected) > TOLERANCE_MS {
                let what = if t > expected { "gap" } else { "uneven step" };
                return Err(at.err(format!(
                    "{what}: expected {} s, found {} s (the step is {} s, from the first two times)",
                    secs(expected),
                    secs(t),
                    secs(step)
                )));
            }
        } else {
            self.step_ms = Some(t - self.last_ms);
            self.step_line = at.line;
        }
        self.last_ms = t;
        self.last_line = at.line;
        self.count += 1;
        Ok(())
    }
}

/// Start and step of the finished table, from the time column or the scenario's step.
fn timing(
    path: &Path,
    clock: Option<&Clock>,
    scenario_step: Option<u64>,
) -> Result<(u64, u64), TraceError> {
    let Some(clock) = clock else {
        return scenario_step.map(|s| (0, s)).ok_or_else(|| {
            TraceError::new(path, "no `time_s` column; set `step` in the scenario")
        });
    };
    match (clock.step_ms, scenario_step) {
        (Some(file), Some(scenario)) if file.abs_diff(scenario) > TOLERANCE_MS => {
            Err(TraceError::new(
                path,
                format!(
                    "`time_s` steps by {} s but the scenario's `step` is {} s; remove `step` or make them agree",
                    secs(file),
                    secs(scenario)
                ),
            )
            .at(clock.step_line)
            .field(TIME_COLUMN))
        }
        (Some(file), _) => Ok((clock.start_ms, file)),
        (None, Some(scenario)) => Ok((clock.start_ms, scenario)),
        (None, None) => Err(TraceError::new(
            path,
            "only one time per workload, so `time_s` gives no step; set `step` in the scenario",
        )
        .at(clock.first_line)
        .field(TIME_COLUMN)),
    }
}

/// Long layout: every workload must have the same times as the first one.
fn same_times(
    path: &Path,
    first: &LongSeries,
    other: &LongSeries,
    timed: bool,
) -> Result<(), TraceError> {
    let mismatch = |what: String, line: u64, field: &str| {
        Err(
            TraceError::new(path, format!("{what}; every workload needs the same times"))
                .at(line)
                .field(field),
        )
    };
    if other.cpu.len() != first.cpu.len() {
        return mismatch(
            format!(
                "workload `{}` has {} but `{}` has {}",
                other.name,
                samples(other.cpu.len()),
                first.name,
                first.cpu.len()
            ),
            other.last_line,
            WORKLOAD_COLUMN,
        );
    }
    if !timed {
        return Ok(());
    }
    if other.clock.start_ms != first.clock.start_ms {
        return mismatch(
            format!(
                "workload `{}` starts at {} s but `{}` at {} s",
                other.name,
                secs(other.clock.start_ms),
                first.name,
                secs(first.clock.start_ms)
            ),
            other.clock.first_line,
            TIME_COLUMN,
        );
    }
    if let (Some(a), Some(b)) = (first.clock.step_ms, other.clock.step_ms)
        && a.abs_diff(b) > TOLERANCE_MS
    {
        return mismatch(
            format!(
                "workload `{}` steps by {} s but `{}` by {} s",
                other.name,
                secs(b),
                first.name,
                secs(a)
            ),
            other.clock.step_line,
            TIME_COLUMN,
        );
    }
    Ok(())
}

fn no_rows(path: &Path) -> TraceError {
    TraceError::new(
        path,
        "the file has a header but no rows; expected at least one sample",
    )
}

/// A cell that must be a finite number ≥ 0; errors say what was found and `expected`.
fn number(at: &Place, cell: &Cell, expected: &str) -> Result<f64, TraceError> {
    let v = match cell {
        Cell::Num(v) => *v,
        Cell::Text(s) => {
            let t = s.trim();
            let v = t.parse::<f64>().map_err(|_| {
                at.err(format!(
                    "`{}` is not a number; expected {expected}",
                    super::shown(t)
                ))
            })?;
            // A number written out with too many digits overflows to infinity: say so, not
            // "infinite", which the file never wrote.
            if v.is_infinite() && !t.trim_start_matches(['+', '-']).starts_with(['i', 'I']) {
                return Err(at.err(format!(
                    "`{}` ({} characters) is too large; expected {expected}",
                    super::shown(t),
                    t.chars().count()
                )));
            }
            v
        }
        Cell::Missing => return Err(at.err(format!("empty cell; expected {expected}"))),
    };
    if v.is_nan() {
        return Err(at.err(format!("NaN; expected {expected}")));
    }
    if v.is_infinite() {
        return Err(at.err(format!("infinite; expected {expected}")));
    }
    if v < 0.0 {
        return Err(at.err(format!("{v} is negative; expected {expected}")));
    }
    // -0 would survive `v < 0.0`; keep the series free of negative zeros.
    Ok(v + 0.0)
}

/// A demand value (CPU, memory, disk or network), in the file's units.
fn demand(at: &Place, cell: &Cell) -> Result<f32, TraceError> {
    const EXPECTED: &str = "a finite number ≥ 0";
    let v = number(at, cell, EXPECTED)?;
    if v > super::MAX_SAMPLE {
        return Err(at.err(format!(
            "{} is too large for a demand value; expected at most {} per sample (cores, percent, GiB or MB/s)",
            if v >= 1e15 { format!("{v:e}") } else { format!("{v}") },
            super::MAX_SAMPLE_TEXT
        )));
    }
    Ok(v as f32)
}

/// A time in seconds from the trace start, as whole milliseconds.
fn time_ms(at: &Place, cell: &Cell) -> Result<u64, TraceError> {
    const EXPECTED: &str = "seconds from the trace start (a finite number ≥ 0)";
    let ms = (number(at, cell, EXPECTED)? * 1000.0).round();
    if ms > MAX_TIME_MS {
        return Err(at.err(format!("too large; expected {EXPECTED}")));
    }
    Ok(ms as u64)
}

fn workload_name(at: &Place, cell: &Cell) -> Result<String, TraceError> {
    match cell {
        Cell::Text(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        // Parquet may store numeric workload ids; 7.0 names workload "7".
        Cell::Num(v) if v.is_finite() => Ok(format!("{v}")),
        Cell::Num(v) => Err(at.err(format!("{v}; expected a workload name"))),
        Cell::Text(_) | Cell::Missing => Err(at.err("empty cell; expected a workload name")),
    }
}

fn samples(n: usize) -> String {
    if n == 1 {
        "1 sample".to_owned()
    } else {
        format!("{n} samples")
    }
}

/// Milliseconds as seconds, without trailing zeros: 300000 → "300", 1500 → "1.5".
fn secs(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        let s = format!("{}.{:03}", ms / 1000, ms % 1000);
        s.trim_end_matches('0').to_owned()
    }
}

fn csv_error(path: &Path, header: &[String], e: csv::Error) -> TraceError {
    let line = e.position().map(|p| p.line());
    let err = match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            let e = TraceError::new(path, "not valid UTF-8; expected UTF-8 text");
            match header.get(err.field()) {
                Some(name) => e.field(name.trim()),
                None => e,
            }
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => TraceError::new(
            path,
            format!("this row has {len} fields but the header has {expected_len}"),
        ),
        csv::ErrorKind::Io(io) => match crate::input::cause(io) {
            Some((at, message)) => {
                let e = TraceError::new(path, message);
                return match at {
                    Some(l) => e.at(l),
                    None => e,
                };
            }
            None => TraceError::new(path, format!("cannot read: {io}")),
        },
        _ => TraceError::new(path, e.to_string()),
    };
    match line {
        Some(line) => err.at(line),
        None => err,
    }
}

/// Gives every empty line one space, so the CSV parser, which skips empty lines silently,
/// returns it as a record: line numbers then stay exact, and a blank line in the data is seen
/// (in a one-column file it would otherwise drop a sample unnoticed). Quoted text spanning an
/// empty line gains a space, which no trace needs.
struct BlankLinesVisible<R> {
    inner: R,
    at_line_start: bool,
    padded: bool,
}

impl<R> BlankLinesVisible<R> {
    fn new(inner: R) -> Self {
        BlankLinesVisible {
            inner,
            at_line_start: true,
            padded: false,
        }
    }
}

impl<R: BufRead> Read for BlankLinesVisible<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let src = self.inner.fill_buf()?;
        let (mut used, mut n) = (0, 0);
        while used < src.len() && n < buf.len() {
            let b = src[used];
            if b == b'\n' && self.at_line_start && !self.padded {
                buf[n] = b' ';
                self.padded = true;
            } else {
                buf[n] = b;
                used += 1;
                self.at_line_start = b == b'\n';
                self.padded = false;
            }
            n += 1;
        }
        self.inner.consume(used);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A temporary folder, removed when the test ends.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            static N: AtomicU64 = AtomicU64::new(0);
            let dir = std::env::temp_dir().join(format!(
                "vsesim-native-{}-{}-{name}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
        fn file(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, content).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn read(content: impl AsRef<[u8]>, step_ms: Option<u64>) -> Result<NativeTrace, TraceError> {
        let dir = Scratch::new("read");
        read_csv(&dir.file("t.csv", content), step_ms)
    }

    fn ok(content: &str, step_ms: Option<u64>) -> NativeTrace {
        match read(content, step_ms) {
            Ok(t) => t,
            Err(e) => panic!("{content:?}: {e}"),
        }
    }

    /// Reads a bad trace and checks the error's line, field and a piece of its message.
    #[track_caller]
    fn bad(
        content: impl AsRef<[u8]>,
        step_ms: Option<u64>,
        line: Option<u64>,
        field: Option<&str>,
        says: &str,
    ) {
        let err = match read(content.as_ref(), step_ms) {
            Ok(t) => panic!(
                "{:?} read as {t:?}",
                String::from_utf8_lossy(content.as_ref())
            ),
            Err(e) => e,
        };
        assert_eq!(err.line, line, "line of: {err}");
        assert_eq!(err.field.as_deref(), field, "field of: {err}");
        assert!(err.message.contains(says), "`{says}` not in: {err}");
        assert!(err.file.ends_with("t.csv"), "file of: {err}");
    }

    fn series(start_ms: u64, step_ms: u64, cpu: &[f32]) -> Series {
        Series::cpu_only(start_ms, step_ms, cpu.to_vec())
    }

    #[test]
    fn time_column_gives_start_and_step() {
        let t = ok("time_s,a,b\n600,1,0.5\n900,2,0.5\n1200,3,0.25\n", None);
        assert_eq!(
            t.get("a"),
            Some(&series(600_000, 300_000, &[1.0, 2.0, 3.0]))
        );
        assert_eq!(
            t.get("b"),
            Some(&series(600_000, 300_000, &[0.5, 0.5, 0.25]))
        );
        assert_eq!(t.get("time_s"), None);
        let names: Vec<&str> = t.series.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        // Decimal seconds, time column not first.
        let t = ok("a,time_s\n1,0.5\n2,0.75\n3,1.0\n", None);
        assert_eq!(t.get("a"), Some(&series(500, 250, &[1.0, 2.0, 3.0])));
    }

    #[test]
    fn rounding_to_milliseconds_is_tolerated_within_1_ms() {
        // Thirds of a second: steps of 333 and 334 ms after rounding.
        let t = ok("time_s,a\n0,1\n0.3333,1\n0.6667,1\n1.0,1\n", None);
        assert_eq!(t.get("a").map(|s| s.step_ms), Some(333));
        bad(
            "time_s,a\n0,1\n0.3333,1\n0.6687,1\n",
            None,
            Some(4),
            Some("time_s"),
            "gap",
        );
    }

    #[test]
    fn fixed_step_without_time_column() {
        let t = ok("a,b\n1,0.5\n2,0.5\n", Some(60_000));
        assert_eq!(t.get("a"), Some(&series(0, 60_000, &[1.0, 2.0])));
        assert_eq!(t.get("b"), Some(&series(0, 60_000, &[0.5, 0.5])));
        bad(
            "a,b\n1,0.5\n2,0.5\n",
            None,
            Some(1),
            None,
            "no `time_s` column; set `step` in the scenario",
        );
        bad("a\n1\n", Some(0), Some(1), None, "`step` is 0");
    }

    #[test]
    fn scenario_step_must_agree_with_time_column() {
        let t = ok("time_s,a\n0,1\n300,2\n", Some(300_000));
        assert_eq!(t.get("a"), Some(&series(0, 300_000, &[1.0, 2.0])));
        bad(
            "time_s,a\n0,1\n300,2\n600,2\n",
            Some(600_000),
            Some(3),
            Some("time_s"),
            "steps by 300 s but the scenario's `step` is 600 s",
        );
    }

    #[test]
    fn one_timed_sample_needs_the_scenario_step() {
        bad(
            "time_s,a\n60,1\n",
            None,
            Some(2),
            Some("time_s"),
            "set `step`",
        );
        let t = ok("time_s,a\n60,1\n", Some(300_000));
        assert_eq!(t.get("a"), Some(&series(60_000, 300_000, &[1.0])));
    }

    #[test]
    fn uneven_times_name_the_line() {
        bad(
            "time_s,a\n0,1\n300,2\n900,3\n",
            None,
            Some(4),
            Some("time_s"),
            "gap: expected 600 s, found 900 s",
        );
        bad(
            "time_s,a\n0,1\n300,2\n300,3\n",
            None,
            Some(4),
            Some("time_s"),
            "duplicate time 300 s (also on line 3)",
        );
        bad(
            "time_s,a\n0,1\n0,2\n",
            None,
            Some(3),
            Some("time_s"),
            "duplicate time 0 s (also on line 2)",
        );
        bad(
            "time_s,a\n0,1\n300,2\n200,3\n",
            None,
            Some(4),
            Some("time_s"),
            "time goes backwards",
        );
        bad(
            "time_s,a\n300,1\n0,2\n",
            None,
            Some(3),
            Some("time_s"),
            "time goes backwards",
        );
        bad(
            "time_s,a\n0,1\n300,2\n450,3\n",
            None,
            Some(4),
            Some("time_s"),
            "uneven step: expected 600 s, found 450 s",
        );
    }

    #[test]
    fn wide_and_long_give_the_same_series() {
        let wide = ok(
            "time_s,a,b\n0,1,0.5\n300,2,0.5\n600,3,0.5\n900,6,0.5\n",
            None,
        );
        // Interleaved, b first, rows not grouped by time.
        let long = ok(
            "time_s,workload,cpu\n0,b,0.5\n0,a,1\n300,a,2\n300,b,0.5\n600,b,0.5\n600,a,3\n900,a,6\n900,b,0.5\n",
            None,
        );
        for name in ["a", "b"] {
            assert!(wide.get(name).is_some());
            assert_eq!(wide.get(name), long.get(name), "{name}");
        }
        let order: Vec<&str> = long.series.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(order, ["b", "a"], "first-appearance order");
        // Without a time column too.
        let wide = ok("a,b\n1,0.5\n2,0.7\n", Some(1000));
        let long = ok("workload,cpu\na,1\nb,0.5\na,2\nb,0.7\n", Some(1000));
        assert_eq!(wide, long);
    }

    #[test]
    fn long_layout_carries_memory() {
        let t = ok("workload,time_s,cpu,memory_gb\na,0,1,4\na,60,2,5.5\n", None);
        let a = t.get("a").unwrap();
        assert_eq!(a.memory_gb.as_deref(), Some(&[4.0f32, 5.5][..]));
        assert_eq!((a.start_ms, a.step_ms), (0, 60_000));
        let t = ok("workload,time_s,cpu\na,0,1\na,60,2\n", None);
        assert_eq!(t.get("a").unwrap().memory_gb, None);
    }

    /// Disk and network ride beside CPU in any column order; a trace without them has none.
    #[test]
    fn long_layout_carries_disk_and_network() {
        let t = ok(
            "network_mbps,workload,disk_mbps,cpu\n3,a,10,1\n4.5,a,20,2\n",
            Some(1000),
        );
        let a = t.get("a").unwrap();
        assert_eq!(a.disk_mbps.as_deref(), Some(&[10.0f32, 20.0][..]));
        assert_eq!(a.network_mbps.as_deref(), Some(&[3.0f32, 4.5][..]));
        assert_eq!(a.memory_gb, None);
        assert_eq!(a.cpu, vec![1.0, 2.0]);
    }

    #[test]
    fn long_layout_needs_the_same_times_for_every_workload() {
        // b has one sample less.
        bad(
            "time_s,workload,cpu\n0,a,1\n0,b,1\n300,a,1\n",
            None,
            Some(3),
            Some("workload"),
            "workload `b` has 1 sample but `a` has 2",
        );
        bad(
            "workload,cpu\na,1\na,1\nb,1\n",
            Some(1000),
            Some(4),
            Some("workload"),
            "`b` has 1 sample but",
        );
        bad(
            "time_s,workload,cpu\n0,a,1\n300,b,1\n300,a,1\n600,b,1\n",
            None,
            Some(3),
            Some("time_s"),
            "workload `b` starts at 300 s but `a` at 0 s",
        );
        bad(
            "time_s,workload,cpu\n0,a,1\n0,b,1\n300,a,1\n600,b,1\n",
            None,
            Some(5),
            Some("time_s"),
            "workload `b` steps by 600 s but `a` by 300 s",
        );
        // Each workload's own previous line is named, whatever rows lie between.
        bad(
            "time_s,workload,cpu\n0,a,1\n0,b,1\n0,a,1\n",
            None,
            Some(4),
            Some("time_s"),
            "duplicate time 0 s (also on line 2)",
        );
        bad(
            "time_s,workload,cpu\n300,a,1\n0,b,1\n0,a,1\n",
            None,
            Some(4),
            Some("time_s"),
            "time goes backwards",
        );
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let wide = |v: &str| format!("time_s,a,b\n0,1,0.5\n300,2,{v}\n");
        for (v, says) in [
            ("", "empty cell; expected a finite number ≥ 0"),
            ("NaN", "NaN"),
            ("nan", "NaN"),
            ("inf", "infinite"),
            ("-infinity", "infinite"),
            ("-2", "-2 is negative"),
            ("abc", "`abc` is not a number; expected a finite number ≥ 0"),
            ("1e39", "too large"),
        ] {
            bad(wide(v), None, Some(3), Some("b"), says);
        }
        bad(
            "a,b\n1,0.5\n-1,0.5\n",
            Some(1000),
            Some(3),
            Some("a"),
            "negative",
        );
        let long = |cpu: &str, mem: &str| format!("workload,cpu,memory_gb\nx,1,2\nx,{cpu},{mem}\n");
        bad(
            long("", "2"),
            Some(1000),
            Some(3),
            Some("cpu"),
            "empty cell",
        );
        bad(
            long("1", "-3"),
            Some(1000),
            Some(3),
            Some("memory_gb"),
            "negative",
        );
        bad(
            long("1", "x"),
            Some(1000),
            Some(3),
            Some("memory_gb"),
            "not a number",
        );
        bad(
            "workload,cpu\nx,1\n,1\n",
            Some(1000),
            Some(3),
            Some("workload"),
            "expected a workload name",
        );
        for (t, says) in [
            ("", "empty cell"),
            ("-300", "negative"),
            ("NaN", "NaN"),
            ("soon", "not a number"),
            ("1e300", "too large"),
        ] {
            bad(
                format!("time_s,a\n0,1\n{t},2\n"),
                None,
                Some(3),
                Some("time_s"),
                says,
            );
        }
        // -0 is zero, not negative.
        let t = ok("a\n-0\n", Some(1000));
        assert!(t.get("a").unwrap().cpu[0].is_sign_positive());
    }

    #[test]
    fn bad_headers() {
        bad("", None, None, None, "empty file");
        bad(
            "\n\na\n1\n",
            Some(1000),
            Some(1),
            None,
            "first line is blank",
        );
        bad("time_s,a,b\n", None, None, None, "header but no rows");
        bad("workload,cpu\n", Some(1), None, None, "header but no rows");
        bad(
            "time_s,a,a\n0,1,1\n",
            None,
            Some(1),
            Some("a"),
            "duplicate column name (columns 2 and 3)",
        );
        bad(
            "time_s,a, a \n0,1,1\n",
            None,
            Some(1),
            Some("a"),
            "duplicate column name",
        );
        bad(
            "time_s\n0\n300\n",
            None,
            Some(1),
            None,
            "no workload columns",
        );
        bad(
            "time_s,a,,b\n0,1,1,1\n",
            None,
            Some(1),
            None,
            "column 3 has no name",
        );
        bad(
            "time_s,workload,memory_gb\n0,a,1\n",
            None,
            Some(1),
            None,
            "needs a `cpu` column",
        );
        bad(
            "time_s,workload,cpu,mem\n0,a,1,1\n",
            None,
            Some(1),
            Some("mem"),
            "unknown column",
        );
        bad(
            "time_s,a,memory_gb\n0,1,1\n",
            None,
            Some(1),
            Some("memory_gb"),
            "only in the long layout",
        );
    }

    #[test]
    fn wrong_field_count_names_the_line() {
        bad(
            "time_s,a,b\n0,1,1\n300,1\n",
            None,
            Some(3),
            None,
            "this row has 2 fields but the header has 3",
        );
        bad(
            "time_s,a,b\n0,1,1\n300,1,1,1\n",
            None,
            Some(3),
            None,
            "this row has 4 fields but the header has 3",
        );
        // A quoted field spanning lines keeps later line numbers exact.
        bad(
            "workload,cpu\n\"x\ny\",1\nz,2,3\n",
            Some(1000),
            Some(4),
            None,
            "3 fields",
        );
    }

    #[test]
    fn blank_lines_only_at_the_end() {
        bad(
            "time_s,a\n0,1\n\n300,2\n",
            None,
            Some(3),
            None,
            "blank line",
        );
        bad(
            "time_s,a\r\n0,1\r\n  \r\n300,2\r\n",
            None,
            Some(3),
            None,
            "blank line",
        );
        // One column: the blank line would otherwise drop a sample.
        bad("a\n1\n\n3\n", Some(1000), Some(3), None, "blank line");
        let t = ok("time_s,a\n0,1\n300,2\n\n\n", None);
        assert_eq!(t.get("a").unwrap().cpu, [1.0, 2.0]);
    }

    #[test]
    fn tolerates_crlf_whitespace_bom_and_missing_final_newline() {
        let expected = series(0, 300_000, &[1.0, 2.0]);
        for content in [
            "time_s,a\n0,1\n300,2",
            "time_s,a\r\n0,1\r\n300,2\r\n",
            " time_s , a \n 0 , 1 \n\t300,\t2\t\n",
            "\u{feff}time_s,a\n0,1\n300,2\n",
            "time_s,\"a\"\n\"0\",1\n300,\"2\"\n",
        ] {
            assert_eq!(ok(content, None).get("a"), Some(&expected), "{content:?}");
        }
        // CRLF keeps line numbers right.
        bad(
            "time_s,a\r\n0,1\r\n300,x\r\n",
            None,
            Some(3),
            Some("a"),
            "`x` is not a number",
        );
        // Names with commas, quoted.
        let t = ok("time_s,\"db, east\"\n0,1\n", Some(1000));
        assert!(t.get("db, east").is_some());
    }

    #[test]
    fn non_utf8_is_an_error_not_a_panic() {
        bad(
            b"time_s,a\n0,1\n300,\xff\n".as_slice(),
            None,
            Some(3),
            Some("a"),
            "not valid UTF-8",
        );
        bad(
            b"time_s,\xfe\n0,1\n".as_slice(),
            None,
            Some(1),
            None,
            "not valid UTF-8",
        );
    }

    #[test]
    fn missing_file_names_the_file() {
        let dir = Scratch::new("missing");
        let path = dir.0.join("nope.csv");
        let err = read_csv(&path, None).unwrap_err();
        assert_eq!(err.file, path);
        assert!(err.message.contains("cannot open"), "{err}");
    }

    #[test]
    fn bytes_read_as_the_file_does() {
        for (content, step_ms) in [
            ("time_s,a,b\n0,1,2\n300,3,4\n", None),
            ("a\n1\n\n2\n", Some(60_000)),
        ] {
            let from_bytes = read_csv_from(Path::new("t.csv"), content.as_bytes(), step_ms);
            let dir = Scratch::new("bytes");
            let from_file = read_csv(&dir.file("t.csv", content), step_ms);
            let strip =
                |r: Result<NativeTrace, TraceError>| r.map_err(|e| (e.line, e.field, e.message));
            assert_eq!(strip(from_bytes), strip(from_file), "{content:?}");
        }
    }

    #[test]
    fn from_rows_takes_numeric_cells_and_row_numbers() {
        let path = Path::new("t.parquet");
        let header: Vec<String> = ["time_s", "workload", "cpu"].map(String::from).to_vec();
        let rows = vec![
            (1, vec![Cell::Num(0.0), Cell::Num(7.0), Cell::Num(1.5)]),
            (2, vec![Cell::Num(60.0), Cell::Num(7.0), Cell::Num(2.5)]),
        ];
        let t = from_rows(path, &header, rows.into_iter().map(Ok), None).unwrap();
        assert_eq!(t.get("7"), Some(&series(0, 60_000, &[1.5, 2.5])));

        let rows = vec![
            (
                1,
                vec![Cell::Num(0.0), Cell::Text("a".into()), Cell::Num(1.5)],
            ),
            (
                2,
                vec![Cell::Num(60.0), Cell::Text("a".into()), Cell::Missing],
            ),
        ];
        let err = from_rows(path, &header, rows.into_iter().map(Ok), None).unwrap_err();
        assert_eq!(
            (err.line, err.field.as_deref()),
            (Some(2), Some("cpu")),
            "{err}"
        );
        let err = from_rows(path, &header, std::iter::empty(), None).unwrap_err();
        assert!(err.message.contains("no rows"), "{err}");
        // An error from the row source stops the read and is passed on as is.
        let rows = vec![Err(TraceError::new(path, "broken").at(9))];
        let err = from_rows(path, &header, rows.into_iter(), None).unwrap_err();
        assert_eq!((err.line, err.message.as_str()), (Some(9), "broken"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// Any table written wide and long (shuffled between workloads) reads back to the
            /// same values, exactly (f32 `Display` round-trips).
            #[test]
            fn wide_and_long_round_trip(
                columns in 1usize..4,
                rows in proptest::collection::vec(proptest::collection::vec(0.0f32..1e6, 3), 2..12),
                start_s in 0u64..100_000,
                step_s in 1u64..10_000,
                seed in any::<u64>(),
            ) {
                let mut wide = String::from("time_s");
                for c in 0..columns { wide += &format!(",w{c}"); }
                wide.push('\n');
                let mut long_rows = Vec::new();
                for (k, row) in rows.iter().enumerate() {
                    let t = start_s + k as u64 * step_s;
                    wide += &t.to_string();
                    for (c, v) in row.iter().take(columns).enumerate() {
                        wide += &format!(",{v}");
                        long_rows.push((k, c, format!("{t},w{c},{v}\n")));
                    }
                    wide.push('\n');
                }
                // Interleave workloads in a seed-given order while keeping each one's rows in
                // time order: sort by (time, a seed-dependent key of the workload).
                long_rows.sort_by_key(|&(k, c, _)| (k, (c as u64).wrapping_mul(seed | 1).rotate_left(7)));
                let long: String = std::iter::once("time_s,workload,cpu\n".to_string())
                    .chain(long_rows.into_iter().map(|r| r.2))
                    .collect();
                let w = read(&wide, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let l = read(&long, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
                for c in 0..columns {
                    let name = format!("w{c}");
                    let expected: Vec<f32> = rows.iter().map(|r| r[c]).collect();
                    let ws = w.get(&name).ok_or_else(|| TestCaseError::fail("missing"))?;
                    prop_assert_eq!(&ws.cpu, &expected);
                    prop_assert_eq!(ws.start_ms, start_s * 1000);
                    prop_assert_eq!(ws.step_ms, step_s * 1000);
                    prop_assert_eq!(Some(ws), l.get(&name));
                }
            }
        }
    }
}
