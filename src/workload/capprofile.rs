//! HP Capacity Advisor profiles (`capprofile(4)`): the text files `capprofile -x` exports and
//! `capprofile -i` imports, one per system. This module parses them, turns several into the
//! native long layout on one grid ([`plan`] then [`Plan::emit`]), and writes them
//! ([`Profile::write`]). It is pure: bytes in, samples or text out; the command line opens
//! and writes the files.
//!
//! # The format as read (docs/TRACES.md has the user's version)
//! The Capacity Advisor 7.2 user guide (capprofile(4), p. 203) gives nine header lines and a
//! column header:
//!
//! ```text
//! #Profile: name
//! #Host: hostname
//! #CPU: CPU_count@CPU_speedGHz
//! #Memory: MEM_sizeMB
//! #OS: platform
//! #Model: model
//! #ProcessorString: processor_string
//! #ProcessorFamily: processor_family
//! #Version: version_number
//! [YYYYMMDDhhmm,] UTIS, metric [, metric, ...]
//! ```
//!
//! then one line per 5-minute sample, stamped at the **end** of its interval. What the guide
//! leaves open is read tolerantly:
//! - The column header may start with `#` or not, may be a `#Metrics: …` line (the metrics
//!   alone, `YYYYMMDDhhmm, UTIS` implied), and may name the time column `YYYYMMDDhhmm`,
//!   `Timestamp`, `Time` or `Date`. Its delimiter (`,`, else `;`, TAB or `|`: `capprofile -y`
//!   chooses one) is the data lines' delimiter; spaces around fields are ignored.
//! - `UTIS` is read as Unix time in seconds (UTC): the guide makes the date column optional
//!   and `UTIS` mandatory, so `UTIS` must carry the time. With a date column the date gives
//!   the time (read as UTC) and `UTIS` need only be present; without one `UTIS` must be Unix
//!   seconds.
//! - An empty cell, `NA` or `N/A` is "no data" for that metric at that sample; a missing
//!   sample (a step with no line) is "no data" for all. Duplicate times keep the last line, as
//!   `capprofile -i` does; a time before the previous one is an error.
//! - Unknown `#` lines and blank lines are skipped.
//!
//! Units: `CPU_UTIL` percent of the host's `#CPU` cores (may exceed 100, as Capacity Advisor's
//! VM figures do), `CPU_ALLOC` cores allocated, `MEM_UTIL` percent of `#Memory`, `MEM_ALLOC`
//! GiB, `DISK_UTIL` and `NET_UTIL` MB/s (an assumption: the guide names no unit).
//! `#Memory` takes a unit (`16384MB`, `16 GB`; KB, MB, GB, TB, binary); a bare number is GiB.
//!
//! # Into the native layout
//! `cpu` = `CPU_UTIL` / 100 × `#CPU` count, in cores of the source host (as every importer);
//! `memory_gb` = `MEM_UTIL` / 100 × `#Memory`; `disk_mbps`, `network_mbps` as given.
//! `CPU_ALLOC` and `MEM_ALLOC` are checked but not kept: the native layout holds demand.
//! The step is the most common difference between consecutive times; every time must lie on
//! that grid. No-data samples carry the last value (counted, like the other importers'
//! `gaps_filled`); no-data cells carry their metric's last value (its first, before one).
//! Profiles covering different times are aligned on one grid from the earliest sample to the
//! latest, padded with zero outside each profile's span (counted), as the Alibaba and Azure
//! importers do; `time_s = 0` is the start of the earliest sample's interval.

use super::import::writer::Columns;
use super::import::{Basis, Capacity, Gap, ImportError, Sample, Sink, Source};
use super::{Series, TraceError};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Capacity Advisor's sample interval, used when a profile has a single sample.
pub const DEFAULT_STEP_S: u32 = 300;

/// Years a `YYYYMMDDhhmm` time may have: Unix time from 1970, and the other importers' limit
/// of 2100 (a later year is a typo, and would overflow step arithmetic).
const FIRST_YEAR: i64 = 1970;
const LAST_YEAR: i64 = 2099;

/// Most steps one profile, or the grid of all, may span: about 40 years at 5 minutes, as the
/// other importers allow. More is a wrong time, and would allocate without bound.
const MAX_STEPS: i64 = 1 << 22;

/// Most cores a `#CPU` line may give: more is a typo, and would overflow percent × cores.
const MAX_CORES: f64 = 1_000_000.0;

/// The largest value the native format stores (f32).
const MAX_VALUE: f64 = f32::MAX as f64;

/// Significant digits of the values written: `CPU_UTIL` 12.3457 for 12.345678. Export then
/// import returns every value within 5 parts in 10⁶ (f32, the native format, keeps about 7).
pub const SIGNIFICANT_DIGITS: usize = 6;

/// Names the time column may have in the column header.
const TIME_NAMES: [&str; 4] = ["YYYYMMDDhhmm", "Timestamp", "Time", "Date"];
const TIME: &str = "YYYYMMDDhhmm";
const UTIS: &str = "UTIS";

const EXPECT_TIME: &str = "a time as YYYYMMDDhhmm (12 digits, UTC)";
const EXPECT_UTIS: &str = "UTIS, Unix time in seconds";
const EXPECT_COLUMNS: &str =
    "a column header such as `YYYYMMDDhhmm, UTIS, CPU_UTIL, MEM_UTIL` (or `#Metrics: CPU_UTIL, …`)";

/// A Capacity Advisor metric (a column after the time and `UTIS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Cores allocated to the system.
    CpuAlloc,
    /// CPU used, percent of the host's `#CPU` cores.
    CpuUtil,
    /// Disk I/O, MB/s.
    DiskUtil,
    /// Memory allocated, GiB.
    MemAlloc,
    /// Memory used, percent of `#Memory`.
    MemUtil,
    /// Network I/O, MB/s.
    NetUtil,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::CpuAlloc,
        Metric::CpuUtil,
        Metric::DiskUtil,
        Metric::MemAlloc,
        Metric::MemUtil,
        Metric::NetUtil,
    ];

    /// The column name, as Capacity Advisor writes it.
    pub fn name(self) -> &'static str {
        match self {
            Metric::CpuAlloc => "CPU_ALLOC",
            Metric::CpuUtil => "CPU_UTIL",
            Metric::DiskUtil => "DISK_UTIL",
            Metric::MemAlloc => "MEM_ALLOC",
            Metric::MemUtil => "MEM_UTIL",
            Metric::NetUtil => "NET_UTIL",
        }
    }

    fn parse(name: &str) -> Option<Metric> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }

    /// What a value of this metric is, for error messages.
    fn expected(self) -> &'static str {
        match self {
            Metric::CpuAlloc => "cores allocated, a number ≥ 0",
            Metric::CpuUtil => "a percent of the host's cores, ≥ 0",
            Metric::DiskUtil | Metric::NetUtil => "MB/s, a number ≥ 0",
            Metric::MemAlloc => "GiB allocated, a number ≥ 0",
            Metric::MemUtil => "a percent of the host's memory, ≥ 0",
        }
    }
}

/// The host's processors: `#CPU: count@GHz`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostCpu {
    /// Cores, inactive iCAP cores included; a whole number ≥ 1.
    pub count: f64,
    /// Clock of one core, GHz.
    pub ghz: f64,
}

/// The `#` header lines. Empty values are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub profile: Option<String>,
    pub host: Option<String>,
    pub cpu: Option<HostCpu>,
    /// `#Memory`, GiB.
    pub memory_gb: Option<f64>,
    pub os: Option<String>,
    pub model: Option<String>,
    pub processor_string: Option<String>,
    pub processor_family: Option<String>,
    pub version: Option<String>,
}

/// The header keys, in the order Capacity Advisor writes them.
const KEYS: [&str; 9] = [
    "Profile",
    "Host",
    "CPU",
    "Memory",
    "OS",
    "Model",
    "ProcessorString",
    "ProcessorFamily",
    "Version",
];

/// One profile on its own regular grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub header: Header,
    /// The metric columns, in file order.
    pub metrics: Vec<Metric>,
    pub step_s: u32,
    /// Time of the first sample, Unix seconds: the **end** of its interval, as Capacity
    /// Advisor stamps samples. Sample `k` is stamped `first_s + k × step_s`.
    pub first_s: i64,
    /// Per metric (in `metrics` order), one value per step: `None` is no data.
    pub values: Vec<Vec<Option<f64>>>,
    /// Per step: whether a line gave it. `false` is a missing sample (no data for all
    /// metrics); the writer leaves its line out.
    pub present: Vec<bool>,
}

/// A parsed profile and what the parser tolerated.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub profile: Profile,
    /// Sample lines read (duplicates included).
    pub lines: u64,
    /// Lines whose time repeats the previous line's: the later one is kept.
    pub duplicates: u64,
    /// Cells with no data (empty, `NA`, `N/A`), by metric.
    pub no_data_cells: BTreeMap<Metric, u64>,
    /// Lines of the `#Profile` line and the column header, for errors found later.
    pub profile_line: Option<u64>,
    pub columns_line: u64,
}

// ---------------------------------------------------------------------------------------
// Reading

/// The layout the column header gives.
#[derive(Debug)]
struct Layout {
    line: u64,
    delimiter: Delimiter,
    /// Column names as the header spells them (for messages), in file order.
    names: Vec<String>,
    time: Option<usize>,
    utis: usize,
    /// (metric, column), in file order.
    metrics: Vec<(Metric, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Delimiter {
    Byte(u8),
    Whitespace,
}

impl Delimiter {
    /// The first of `,` `;` TAB `|` the column header has; else spaces if it has several
    /// names; else (one name, as in `#Metrics: CPU_UTIL`) a comma.
    fn of(text: &str) -> Delimiter {
        let found = [b',', b';', b'\t', b'|']
            .into_iter()
            .find(|&d| text.as_bytes().contains(&d));
        match found {
            Some(d) => Delimiter::Byte(d),
            None if text.trim().contains(' ') => Delimiter::Whitespace,
            None => Delimiter::Byte(b','),
        }
    }

    fn split(self, line: &[u8]) -> Vec<&[u8]> {
        match self {
            Delimiter::Byte(d) => line.split(|&b| b == d).map(<[u8]>::trim_ascii).collect(),
            Delimiter::Whitespace => line
                .split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty())
                .collect(),
        }
    }
}

/// Where the parser is, so every error names file, line and field.
struct At<'a> {
    path: &'a Path,
    line: u64,
}

impl At<'_> {
    fn error(&self, message: impl Into<String>) -> TraceError {
        TraceError::new(self.path, message).at(self.line)
    }
    fn field(&self, field: &str, message: impl Into<String>) -> TraceError {
        self.error(message).field(field)
    }
}

/// Parses one profile. `path` names the file in errors.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, TraceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.trim_ascii().is_empty() {
        return Err(TraceError::new(
            path,
            "empty file; expected a Capacity Advisor profile: `#Profile: …` header lines, a column header and samples",
        ));
    }
    let mut header = Header::default();
    let mut seen: HashMap<&'static str, u64> = HashMap::new();
    let mut layout: Option<Layout> = None;
    let mut raw = Raw::default();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let at = At {
            path,
            line: i as u64 + 1,
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line).trim_ascii();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix(b"#") {
            let text = std::str::from_utf8(rest).map_err(|_| {
                let key = rest.split(|&b| b == b':').next().unwrap_or_default();
                let key = String::from_utf8_lossy(key);
                match KEYS
                    .into_iter()
                    .find(|k| k.eq_ignore_ascii_case(key.trim()))
                {
                    Some(k) => at.field(&format!("#{k}"), "not valid UTF-8; expected text"),
                    None => at.error("not valid UTF-8; expected a `#` line in text"),
                }
            })?;
            header_line(&at, text, &mut header, &mut seen, &mut layout)?;
            continue;
        }
        match &layout {
            None => {
                // A line that is not a sample (its first field is not a number) is the column
                // header without its `#`.
                let first = line
                    .split(|b| matches!(b, b',' | b';' | b'\t' | b'|' | b' '))
                    .next()
                    .unwrap_or_default();
                if first.first().is_some_and(u8::is_ascii_digit) {
                    return Err(at.error(format!(
                        "a sample before the column header; expected {EXPECT_COLUMNS} above the samples"
                    )));
                }
                let text = std::str::from_utf8(line)
                    .map_err(|_| at.error("not valid UTF-8; expected the column header"))?;
                layout = Some(columns(&at, text, None)?);
            }
            Some(layout) => raw.push(&at, layout, line)?,
        }
    }
    let Some(layout) = layout else {
        return Err(TraceError::new(
            path,
            format!(
                "no column header and no samples; expected {EXPECT_COLUMNS}, then one line per sample"
            ),
        ));
    };
    if raw.times.is_empty() {
        return Err(TraceError::new(
            path,
            "the profile has a header but no samples; expected one line per 5-minute sample",
        )
        .at(layout.line));
    }
    // Counted on the lines kept: a no-data cell a duplicate replaced is not missing.
    let width = layout.metrics.len();
    let mut no_data_cells = BTreeMap::new();
    for (m, &(metric, _)) in layout.metrics.iter().enumerate() {
        let n = raw
            .values
            .iter()
            .skip(m)
            .step_by(width)
            .filter(|v| v.is_none())
            .count();
        if n > 0 {
            no_data_cells.insert(metric, n as u64);
        }
    }
    let (lines, duplicates) = (raw.lines, raw.duplicates);
    let profile = raw.into_profile(path, &layout, header)?;
    Ok(Parsed {
        profile,
        lines,
        duplicates,
        no_data_cells,
        profile_line: seen.get("Profile").copied(),
        columns_line: layout.line,
    })
}

/// A `#` line (without the `#`): a header field, the column header, or a comment.
fn header_line(
    at: &At<'_>,
    text: &str,
    header: &mut Header,
    seen: &mut HashMap<&'static str, u64>,
    layout: &mut Option<Layout>,
) -> Result<(), TraceError> {
    let text = text.trim();
    if let Some((key, value)) = text.split_once(':') {
        let (key, value) = (key.trim(), value.trim());
        if key.eq_ignore_ascii_case("Metrics") {
            return set_columns(at, value, Some(key), layout);
        }
        if let Some(key) = KEYS.into_iter().find(|k| k.eq_ignore_ascii_case(key)) {
            let field = format!("#{key}");
            if let Some(first) = seen.insert(key, at.line) {
                return Err(at.field(
                    &field,
                    format!("a second `#{key}` line (the first is line {first}); expected one"),
                ));
            }
            let value = (!value.is_empty()).then(|| value.to_owned());
            match key {
                "Profile" => header.profile = value,
                "Host" => header.host = value,
                "CPU" => header.cpu = value.map(|v| host_cpu(at, &v)).transpose()?,
                "Memory" => header.memory_gb = value.map(|v| memory_gb(at, &v)).transpose()?,
                "OS" => header.os = value,
                "Model" => header.model = value,
                "ProcessorString" => header.processor_string = value,
                "ProcessorFamily" => header.processor_family = value,
                _ => header.version = value,
            }
            return Ok(());
        }
    }
    // The column header with a `#`: its first field names the time or is UTIS.
    let first = text
        .split([',', ';', '\t', '|', ' '])
        .next()
        .unwrap_or_default()
        .trim();
    if TIME_NAMES.iter().any(|n| n.eq_ignore_ascii_case(first)) || first.eq_ignore_ascii_case(UTIS)
    {
        return set_columns(at, text, None, layout);
    }
    Ok(()) // an unknown `#` line: a comment
}

fn set_columns(
    at: &At<'_>,
    text: &str,
    metrics_key: Option<&str>,
    layout: &mut Option<Layout>,
) -> Result<(), TraceError> {
    if let Some(first) = layout {
        return Err(at.error(format!(
            "a second column header (the first is line {}); expected one",
            first.line
        )));
    }
    *layout = Some(columns(at, text, metrics_key)?);
    Ok(())
}

/// The column header. With `#Metrics:` (`metrics_key`) a list without UTIS is the metrics
/// alone, after the implied `YYYYMMDDhhmm, UTIS`.
fn columns(at: &At<'_>, text: &str, metrics_key: Option<&str>) -> Result<Layout, TraceError> {
    let delimiter = Delimiter::of(text);
    let mut names: Vec<String> = delimiter
        .split(text.as_bytes())
        .into_iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    if names.last().is_some_and(String::is_empty) && names.len() > 1 {
        names.pop(); // a trailing delimiter
    }
    // Errors name the `#Metrics` line, or else the column at fault.
    let key = metrics_key.map(|k| format!("#{k}"));
    let field = |column: &str| key.clone().unwrap_or_else(|| column.to_owned());
    if metrics_key.is_some() && !names.iter().any(|n| n.eq_ignore_ascii_case(UTIS)) {
        names.splice(0..0, [TIME.to_owned(), UTIS.to_owned()]);
    }
    let (mut time, mut utis, mut metrics) = (None, None, Vec::<(Metric, usize)>::new());
    for (i, name) in names.iter().enumerate() {
        let slot = if TIME_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            time.replace(i).map(|j| (j, "the time"))
        } else if name.eq_ignore_ascii_case(UTIS) {
            utis.replace(i).map(|j| (j, UTIS))
        } else if let Some(m) = Metric::parse(name) {
            let before = metrics.iter().find(|(n, _)| *n == m).map(|&(_, j)| j);
            metrics.push((m, i));
            before.map(|j| (j, m.name()))
        } else {
            let (column, what) = if name.is_empty() {
                (
                    format!("column {}", i + 1),
                    format!("column {} has no name", i + 1),
                )
            } else {
                (name.clone(), format!("unknown column `{name}`"))
            };
            return Err(at.field(
                &field(&column),
                format!(
                    "{what}; expected {TIME}, {UTIS} and metrics among {}",
                    metric_names()
                ),
            ));
        };
        if let Some((j, what)) = slot {
            return Err(at.field(
                &field(name),
                format!(
                    "{what} is named twice (columns {} and {}); expected each column once",
                    j + 1,
                    i + 1
                ),
            ));
        }
    }
    let Some(utis) = utis else {
        return Err(at.field(
            UTIS,
            format!("the column header has no {UTIS}; expected {EXPECT_COLUMNS}"),
        ));
    };
    if metrics.is_empty() {
        return Err(at.field(
            &field("CPU_UTIL"),
            format!(
                "the column header has no metric; expected some of {}",
                metric_names()
            ),
        ));
    }
    Ok(Layout {
        line: at.line,
        delimiter,
        names,
        time,
        utis,
        metrics,
    })
}

fn metric_names() -> String {
    Metric::ALL.map(Metric::name).join(", ")
}

/// `#CPU: count@GHz`: `8@1.6GHz`, `8 @ 1.6`, `8@1600MHz`.
fn host_cpu(at: &At<'_>, value: &str) -> Result<HostCpu, TraceError> {
    let expected = "expected `count@speed`, e.g. `8@1.6GHz` (a whole number of cores, the clock in GHz or MHz)";
    let bad = |what: String| at.field("#CPU", format!("{what}; {expected}"));
    let Some((count, speed)) = value.split_once('@') else {
        return Err(bad(format!("`{value}` has no `@`")));
    };
    let count = count.trim();
    let n: f64 = count
        .parse()
        .map_err(|_| bad(format!("`{count}` is not a core count")))?;
    if !(n.is_finite() && n >= 1.0 && n.fract() == 0.0 && n <= MAX_CORES) {
        return Err(bad(format!(
            "`{count}` is not a whole number of cores from 1 to {MAX_CORES}"
        )));
    }
    let (number, unit) = split_unit(speed.trim());
    let per_ghz = match unit.to_ascii_lowercase().as_str() {
        "" | "ghz" => 1.0,
        "mhz" => 1e-3,
        _ => return Err(bad(format!("unknown unit `{unit}`"))),
    };
    let ghz = number
        .parse::<f64>()
        .ok()
        .map(|v| v * per_ghz)
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= 1000.0)
        .ok_or_else(|| bad(format!("`{}` is not a clock speed", speed.trim())))?;
    Ok(HostCpu { count: n, ghz })
}

/// `#Memory`: a size with a unit (KB, MB, GB, TB, binary: 1024 MB = 1 GB); a bare number is
/// GiB. Capacity Advisor writes MB (`#Memory: 16384MB`).
fn memory_gb(at: &At<'_>, value: &str) -> Result<f64, TraceError> {
    let expected = "expected a memory size such as `16384MB` or `16 GB` (a bare number is GB)";
    let (number, unit) = split_unit(value);
    let per_gb = match unit.to_ascii_lowercase().as_str() {
        "kb" | "kib" => 1.0 / (1024.0 * 1024.0),
        "mb" | "mib" => 1.0 / 1024.0,
        "" | "gb" | "gib" => 1.0,
        "tb" | "tib" => 1024.0,
        _ => {
            return Err(at.field("#Memory", format!("unknown unit `{unit}`; {expected}")));
        }
    };
    number
        .parse::<f64>()
        .ok()
        .map(|v| v * per_gb)
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= MAX_VALUE)
        .ok_or_else(|| {
            at.field(
                "#Memory",
                format!("`{value}` is not a size > 0; {expected}"),
            )
        })
}

/// `"16 GB"` → (`"16"`, `"GB"`).
fn split_unit(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(text.len());
    (text[..end].trim(), text[end..].trim())
}

/// The samples as read, before they are put on a grid.
#[derive(Debug, Default)]
struct Raw {
    /// Distinct times (Unix seconds), increasing, with the line of the one kept.
    times: Vec<i64>,
    line_of: Vec<u64>,
    /// Row-major: one value per metric per time.
    values: Vec<Option<f64>>,
    lines: u64,
    duplicates: u64,
}

impl Raw {
    fn push(&mut self, at: &At<'_>, layout: &Layout, line: &[u8]) -> Result<(), TraceError> {
        let mut fields = layout.delimiter.split(line);
        let n = layout.names.len();
        if fields.len() == n + 1 && fields.last().is_some_and(|f| f.is_empty()) {
            fields.pop(); // a trailing delimiter
        }
        if fields.len() != n {
            let message = format!(
                "this line has {} field{} but the column header (line {}) has {n}: {}",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" },
                layout.line,
                layout.names.join(", ")
            );
            return Err(match layout.names.get(fields.len()) {
                Some(missing) => at.field(missing, format!("{message}; `{missing}` is missing")),
                None => at.field(
                    &format!("column {}", n + 1),
                    format!("{message}; the column header names no column {}", n + 1),
                ),
            });
        }
        let text = |i: usize| -> Result<&str, TraceError> {
            std::str::from_utf8(fields[i])
                .map_err(|_| at.field(&layout.names[i], "not valid UTF-8"))
        };
        let utis = text(layout.utis)?;
        let t = match layout.time {
            Some(c) => {
                let t = stamp(text(c)?).map_err(|e| at.field(&layout.names[c], e))?;
                if utis.is_empty() {
                    return Err(at.field(
                        &layout.names[layout.utis],
                        format!("empty cell; expected {EXPECT_UTIS}"),
                    ));
                }
                t
            }
            None => unix_seconds(utis).map_err(|e| at.field(&layout.names[layout.utis], e))?,
        };
        let mut row = Vec::with_capacity(layout.metrics.len());
        for &(metric, c) in &layout.metrics {
            let cell = text(c)?;
            if cell.is_empty()
                || cell.eq_ignore_ascii_case("NA")
                || cell.eq_ignore_ascii_case("N/A")
            {
                row.push(None);
                continue;
            }
            row.push(Some(
                value(cell, metric.expected()).map_err(|e| at.field(&layout.names[c], e))?,
            ));
        }
        self.lines += 1;
        let width = layout.metrics.len();
        match self.times.last() {
            Some(&last) if t == last => {
                // The same time again: the later line wins, as in `capprofile -i`.
                self.duplicates += 1;
                let k = self.times.len() - 1;
                self.values[k * width..].copy_from_slice(&row);
                self.line_of[k] = at.line;
                return Ok(());
            }
            Some(&last) if t < last => {
                let previous = self.line_of[self.line_of.len() - 1];
                let field = layout.time.map_or(UTIS, |c| layout.names[c].as_str());
                return Err(at.field(
                    field,
                    format!(
                        "time goes backwards: {} after {} on line {previous}; expected samples in time order",
                        format_stamp(t),
                        format_stamp(last)
                    ),
                ));
            }
            _ => {}
        }
        self.times.push(t);
        self.line_of.push(at.line);
        self.values.extend(row);
        Ok(())
    }

    /// Puts the samples on their grid: the step is the most common difference between
    /// consecutive times (the smallest of equally common ones); every time must be on it.
    fn into_profile(
        self,
        path: &Path,
        layout: &Layout,
        header: Header,
    ) -> Result<Profile, TraceError> {
        let field = layout.time.map_or(UTIS, |c| layout.names[c].as_str());
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        for w in self.times.windows(2) {
            *counts.entry(w[1] - w[0]).or_default() += 1;
        }
        let step = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or(i64::from(DEFAULT_STEP_S), |(&d, _)| d);
        let first = self.times[0];
        let at = |k: usize| At {
            path,
            line: self.line_of[k],
        };
        let step_s = u32::try_from(step).map_err(|_| {
            at(1).field(
                field,
                format!(
                    "samples {step} s apart; expected a step of at most {} s",
                    u32::MAX
                ),
            )
        })?;
        for (k, &t) in self.times.iter().enumerate() {
            if (t - first) % step != 0 {
                return Err(at(k).field(
                    field,
                    format!(
                        "{} is off the profile's grid (samples every {step} s from {}); expected times on one grid",
                        format_stamp(t),
                        format_stamp(first)
                    ),
                ));
            }
        }
        let last = self.times[self.times.len() - 1];
        let steps = (last - first) / step + 1;
        if steps > MAX_STEPS {
            return Err(at(self.times.len() - 1).field(
                field,
                format!(
                    "{} is {steps} steps of {step} s after the first sample, more than the {MAX_STEPS} allowed; expected a profile of at most about 40 years",
                    format_stamp(last)
                ),
            ));
        }
        let width = layout.metrics.len();
        let steps = steps as usize;
        let mut values = vec![vec![None; steps]; width];
        let mut present = vec![false; steps];
        for (k, &t) in self.times.iter().enumerate() {
            let i = ((t - first) / step) as usize;
            present[i] = true;
            for (m, column) in values.iter_mut().enumerate() {
                column[i] = self.values[k * width + m];
            }
        }
        Ok(Profile {
            header,
            metrics: layout.metrics.iter().map(|&(m, _)| m).collect(),
            step_s,
            first_s: first,
            values,
            present,
        })
    }
}

/// A metric's value: finite, ≥ 0, within the native format's f32.
fn value(text: &str, expected: &str) -> Result<f64, String> {
    super::import::demand_value(text)
        .map_err(|problem| format!("{problem}; expected {expected} (or NA for no data)"))
}

/// `YYYYMMDDhhmm` as Unix seconds (UTC).
pub fn stamp(text: &str) -> Result<i64, String> {
    let digits = text.as_bytes();
    if digits.len() != 12 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(format!("`{text}` is not a time; expected {EXPECT_TIME}"));
    }
    let num = |a: usize, b: usize| text[a..b].parse::<i64>().unwrap_or(0);
    civil(num(0, 4), num(4, 6), num(6, 8), num(8, 10), num(10, 12))
        .map_err(|why| format!("`{text}`: {why}; expected {EXPECT_TIME}"))
}

/// A UTC date and time as Unix seconds, checked: month 1–12, a day the month has, hour
/// 0–23, minute 0–59, year [`FIRST_YEAR`]–[`LAST_YEAR`].
fn civil(year: i64, month: i64, day: i64, hour: i64, minute: i64) -> Result<i64, String> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(format!("year {year} is outside {FIRST_YEAR}–{LAST_YEAR}"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} does not exist"));
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=days[month as usize - 1]).contains(&day) {
        return Err(format!("{year}-{month:02} has no day {day}"));
    }
    if !(0..=23).contains(&hour) {
        return Err(format!("hour {hour} does not exist"));
    }
    if !(0..=59).contains(&minute) {
        return Err(format!("minute {minute} does not exist"));
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Unix seconds as `YYYYMMDDhhmm` (UTC; seconds dropped).
pub fn format_stamp(t: i64) -> String {
    let (y, mo, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}{mo:02}{d:02}{:02}{:02}", s / 3600, s % 3600 / 60)
}

/// Unix seconds as `YYYY-MM-DD hh:mm UTC`, for people.
pub fn format_utc(t: i64) -> String {
    let s = format_stamp(t);
    format!(
        "{}-{}-{} {}:{} UTC",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[8..10],
        &s[10..12]
    )
}

/// `UTIS` read as the time: whole Unix seconds, 1970 to 2100.
fn unix_seconds(text: &str) -> Result<i64, String> {
    let latest = days_from_civil(LAST_YEAR + 1, 1, 1) * 86_400;
    match text.parse::<i64>() {
        Ok(t) if (0..latest).contains(&t) => Ok(t),
        _ => Err(format!(
            "`{text}` is not a time; expected {EXPECT_UTIS} (whole seconds, 1970–{LAST_YEAR}), as the profile has no {TIME} column"
        )),
    }
}

/// A start date for export: `YYYY-MM-DD`, `YYYY-MM-DD hh:mm`, `YYYY-MM-DDThh:mm` or
/// `YYYYMMDDhhmm`, UTC; Unix seconds.
pub fn parse_start(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let expected = "expected a UTC date `YYYY-MM-DD`, `YYYY-MM-DD hh:mm` or `YYYYMMDDhhmm`";
    if t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) {
        return stamp(t);
    }
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, h)) => (d, Some(h.trim())),
        None => (t, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let hm: Vec<&str> = time.map_or(vec!["0", "0"], |h| h.split(':').collect());
    let num = |s: &str| -> Result<i64, String> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{text}` is not a date; {expected}"));
        }
        Ok(s.parse().unwrap_or(0))
    };
    if parts.len() != 3 || hm.len() != 2 {
        return Err(format!("`{text}` is not a date; {expected}"));
    }
    civil(
        num(parts[0])?,
        num(parts[1])?,
        num(parts[2])?,
        num(hm[0])?,
        num(hm[1])?,
    )
    .map_err(|why| format!("`{text}`: {why}; {expected}"))
}

// ---------------------------------------------------------------------------------------
// Writing

impl Profile {
    /// A profile with a value at every step.
    pub fn regular(
        header: Header,
        step_s: u32,
        first_s: i64,
        columns: Vec<(Metric, Vec<f64>)>,
    ) -> Profile {
        let steps = columns.first().map_or(0, |(_, v)| v.len());
        Profile {
            header,
            metrics: columns.iter().map(|(m, _)| *m).collect(),
            step_s,
            first_s,
            values: columns
                .into_iter()
                .map(|(_, v)| v.into_iter().map(Some).collect())
                .collect(),
            present: vec![true; steps],
        }
    }

    /// The profile as Capacity Advisor's import reads it: the nine header lines (empty where
    /// unknown), the column header `YYYYMMDDhhmm,UTIS,…` (as capprofile(4) prints it, without
    /// `#`), then one line per present step: the time, `UTIS` (the same time in Unix seconds)
    /// and the values to [`SIGNIFICANT_DIGITS`]; a cell without data is left empty.
    pub fn write(&self) -> String {
        let h = &self.header;
        let mut out = String::new();
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").replace(['\n', '\r'], " ");
        let cpu = h.cpu.map_or(String::new(), |c| {
            format!("{}@{}GHz", c.count, significant(c.ghz, 9))
        });
        let memory = h.memory_gb.map_or(String::new(), |m| {
            format!("{}MB", significant(m * 1024.0, 9))
        });
        let values = [
            text(&h.profile),
            text(&h.host),
            cpu,
            memory,
            text(&h.os),
            text(&h.model),
            text(&h.processor_string),
            text(&h.processor_family),
            text(&h.version),
        ];
        for (key, value) in KEYS.iter().zip(values) {
            let _ = writeln!(out, "#{key}: {value}");
        }
        out.push_str(TIME);
        out.push(',');
        out.push_str(UTIS);
        for m in &self.metrics {
            out.push(',');
            out.push_str(m.name());
        }
        out.push('\n');
        for (k, &present) in self.present.iter().enumerate() {
            if !present {
                continue;
            }
            let t = self.first_s + k as i64 * i64::from(self.step_s);
            let _ = write!(out, "{},{t}", format_stamp(t));
            for column in &self.values {
                out.push(',');
                if let Some(v) = column[k] {
                    out.push_str(&significant(v, SIGNIFICANT_DIGITS));
                }
            }
            out.push('\n');
        }
        out
    }

    /// Time of the last sample, Unix seconds.
    pub fn last_s(&self) -> i64 {
        self.first_s + (self.present.len() as i64 - 1).max(0) * i64::from(self.step_s)
    }
}

/// `v` to `digits` significant digits, without trailing zeros: 12.3457, 0.000123457, 1234570.
pub fn significant(v: f64, digits: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".to_owned()
        } else {
            v.to_string()
        };
    }
    let magnitude = v.abs().log10().floor() as i64;
    let decimals = (digits as i64 - 1 - magnitude).clamp(0, 60) as usize;
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    s
}

/// The host a native series was measured on, for its profile's header.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub name: Option<String>,
    /// Cores: `CPU_UTIL` = cpu ÷ cores × 100. A whole number ≥ 1.
    pub cores: f64,
    pub ghz: f64,
    /// Needed when the series has memory: `MEM_UTIL` = memory ÷ this × 100.
    pub memory_gb: Option<f64>,
}

/// A native series (cpu in cores of `host`, memory GiB, disk and network MB/s) as a profile.
/// `epoch_s` is the Unix time of the series' `time_s = 0`; sample `k`, which covers
/// `[start + k·step, start + (k+1)·step)`, is stamped at the end of that interval, as
/// Capacity Advisor stamps its samples. The error says what is wrong, for the caller to place.
pub fn from_series(
    name: &str,
    host: &Host,
    series: &Series,
    epoch_s: i64,
) -> Result<Profile, String> {
    if !(host.cores.is_finite() && host.cores >= 1.0 && host.cores.fract() == 0.0) {
        return Err(format!(
            "{} cores: Capacity Advisor takes a whole number of cores ≥ 1",
            host.cores
        ));
    }
    if !(host.ghz.is_finite() && host.ghz > 0.0) {
        return Err(format!("{} GHz: expected a clock > 0", host.ghz));
    }
    if series.step_ms == 0
        || !series.step_ms.is_multiple_of(60_000)
        || !series.start_ms.is_multiple_of(60_000)
    {
        return Err(format!(
            "the trace starts at {} s and steps by {} s; capprofile times are whole minutes",
            series.start_ms as f64 / 1000.0,
            series.step_ms as f64 / 1000.0
        ));
    }
    let step_s = u32::try_from(series.step_ms / 1000)
        .map_err(|_| format!("a step of {} s is too long", series.step_ms / 1000))?;
    let first_s = i64::try_from(series.start_ms / 1000)
        .ok()
        .and_then(|s| epoch_s.checked_add(s)?.checked_add(i64::from(step_s)))
        .ok_or("the trace starts too late")?;
    let percent =
        |v: &[f32], of: f64| -> Vec<f64> { v.iter().map(|&x| f64::from(x) / of * 100.0).collect() };
    let mut columns = vec![(Metric::CpuUtil, percent(&series.cpu, host.cores))];
    if let Some(memory) = &series.memory_gb {
        let size = host
            .memory_gb
            .filter(|m| m.is_finite() && *m > 0.0)
            .ok_or("the trace has memory, so MEM_UTIL needs the host's memory size > 0")?;
        columns.push((Metric::MemUtil, percent(memory, size)));
    }
    let plain = |v: &[f32]| -> Vec<f64> { v.iter().map(|&x| f64::from(x)).collect() };
    if let Some(disk) = &series.disk_mbps {
        columns.push((Metric::DiskUtil, plain(disk)));
    }
    if let Some(network) = &series.network_mbps {
        columns.push((Metric::NetUtil, plain(network)));
    }
    let header = Header {
        profile: Some(name.to_owned()),
        host: host.name.clone(),
        cpu: Some(HostCpu {
            count: host.cores,
            ghz: host.ghz,
        }),
        memory_gb: host.memory_gb.filter(|m| *m > 0.0),
        ..Header::default()
    };
    let profile = Profile::regular(header, step_s, first_s, columns);
    check_years(&profile)?;
    Ok(profile)
}

/// The profile's times must be writable as `YYYYMMDDhhmm` the reader accepts.
pub fn check_years(profile: &Profile) -> Result<(), String> {
    let latest = days_from_civil(LAST_YEAR + 1, 1, 1) * 86_400;
    if profile.first_s < 0 || profile.last_s() >= latest {
        return Err(format!(
            "its samples would be stamped before {FIRST_YEAR} or after {LAST_YEAR}, which capprofile times cannot say; choose another --start"
        ));
    }
    Ok(())
}

/// A name made safe as a file name: characters outside `A–Z a–z 0–9 . _ -` become `_`, and
/// a name of dots only gets a `_` in front (the charts' rule).
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        format!("_{s}")
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// Into the native layout

/// Choices the command line gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Cores for a profile without `#CPU` (else that is an error).
    pub default_cores: Option<f64>,
    /// Memory (GiB) for a profile with `MEM_UTIL` but no `#Memory` (else an error).
    pub default_memory_gb: Option<f64>,
    /// Import only these profiles (by name); a name not found is an error.
    pub select: Option<BTreeSet<String>>,
}

/// One profile to emit.
#[derive(Debug)]
struct Input {
    name: String,
    parsed: Parsed,
    cores: Capacity,
    mhz_per_core: Option<f64>,
    memory_gb: Option<Capacity>,
    /// Grid steps before this profile's first sample.
    offset: usize,
}

/// Profiles checked and placed on one grid, ready to emit.
#[derive(Debug)]
pub struct Plan {
    inputs: Vec<Input>,
    step_s: u32,
    /// Time of the grid's first sample (Unix seconds, the end of its interval).
    first_s: i64,
    steps: usize,
}

/// What an import produced and tolerated.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub step_s: u32,
    /// Unix time of `time_s = 0`: the start of the earliest sample's interval.
    pub origin_s: i64,
    pub samples_per_workload: u64,
    pub samples: u64,
    pub sources: Vec<Source>,
    /// Sample lines read, duplicates included.
    pub lines: u64,
    /// Lines repeating the previous line's time (the later kept).
    pub duplicates: u64,
    /// Missing samples (steps inside a profile's span without a line): no data, filled with
    /// the last value.
    pub no_data_samples: u64,
    pub longest_gap: Option<Gap>,
    /// Cells without data (empty, NA), by metric; filled with the metric's last value.
    pub no_data_cells: BTreeMap<&'static str, u64>,
    /// Steps before a profile's first sample or after its last, filled with zero.
    pub padded: u64,
    /// Metrics read and checked but not kept (allocations: the native layout holds demand).
    pub not_kept: BTreeSet<&'static str>,
}

/// Checks the parsed profiles (`(file, profile)`, in output order) and puts them on one
/// grid: names unique, each with `CPU_UTIL` and the header its metrics need, one step.
pub fn plan(files: Vec<(PathBuf, Parsed)>, options: &Options) -> Result<Plan, ImportError> {
    for (flag, v) in [
        ("--cores", options.default_cores),
        ("--memory-gb", options.default_memory_gb),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v > 0.0 && v <= MAX_VALUE)
        {
            return Err(ImportError::Usage(format!(
                "{flag} {v}: expected a number > 0"
            )));
        }
    }
    let mut names: HashMap<String, PathBuf> = HashMap::new();
    let mut inputs = Vec::new();
    let mut grid: Option<(PathBuf, u32, i64, i64)> = None;
    let present: BTreeSet<String> = files.iter().map(|(p, f)| name_of(p, f)).collect();
    if let Some(select) = &options.select {
        let missing: Vec<&str> = select
            .iter()
            .filter(|s| !present.contains(*s))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::Usage(format!(
                "--select: no profile named {}; the profiles are: {}",
                missing.join(", "),
                present.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    for (path, parsed) in files {
        let name = name_of(&path, &parsed);
        if options.select.as_ref().is_some_and(|s| !s.contains(&name)) {
            continue;
        }
        let at = |line: u64| At { path: &path, line };
        if let Some(first) = names.insert(name.clone(), path.clone()) {
            let message = format!(
                "profile `{name}` is also in {}; expected one profile per name (they name the workloads)",
                first.display()
            );
            return Err(match parsed.profile_line {
                Some(line) => at(line).field("#Profile", message),
                None => TraceError::new(&path, message).field("#Profile"),
            }
            .into());
        }
        let profile = &parsed.profile;
        let columns = at(parsed.columns_line);
        if !profile.metrics.contains(&Metric::CpuUtil) {
            return Err(columns
                .field(
                    "CPU_UTIL",
                    "the column header has no CPU_UTIL; expected it: CPU demand is what vsesim simulates",
                )
                .into());
        }
        let cores = match (profile.header.cpu, options.default_cores) {
            (Some(cpu), _) => Capacity {
                value: cpu.count,
                from: Basis::Metadata,
            },
            (None, Some(c)) => Capacity {
                value: c,
                from: Basis::Assumed,
            },
            (None, None) => {
                return Err(columns
                    .field(
                        "#CPU",
                        "no `#CPU: count@GHz` line, so CPU_UTIL (percent of the host) has no core count; add it, or give --cores",
                    )
                    .into());
            }
        };
        let memory_gb = match (profile.header.memory_gb, options.default_memory_gb) {
            (Some(m), _) => Some(Capacity {
                value: m,
                from: Basis::Metadata,
            }),
            (None, Some(m)) => Some(Capacity {
                value: m,
                from: Basis::Assumed,
            }),
            (None, None) if profile.metrics.contains(&Metric::MemUtil) => {
                return Err(columns
                    .field(
                        "#Memory",
                        "no `#Memory` line, so MEM_UTIL (percent of the host's memory) has no size; add it (e.g. `#Memory: 16384MB`), or give --memory-gb",
                    )
                    .into());
            }
            (None, None) => None,
        };
        let (step, first, last) = (profile.step_s, profile.first_s, profile.last_s());
        let (lo, hi) = match &grid {
            None => (first, last),
            Some((other, other_step, lo, hi)) => {
                if step != *other_step {
                    return Err(TraceError::new(
                        &path,
                        format!(
                            "samples every {step} s, but {} has them every {other_step} s; expected profiles with one step",
                            other.display()
                        ),
                    )
                    .into());
                }
                if (first - lo).rem_euclid(i64::from(step)) != 0 {
                    return Err(TraceError::new(
                        &path,
                        format!(
                            "its samples ({} …) fall between those of {} ({} …); expected profiles on one {step}-s grid",
                            format_stamp(first),
                            other.display(),
                            format_stamp(*lo)
                        ),
                    )
                    .into());
                }
                ((*lo).min(first), (*hi).max(last))
            }
        };
        if (hi - lo) / i64::from(step) + 1 > MAX_STEPS {
            return Err(TraceError::new(
                &path,
                format!(
                    "the profiles together span {} to {}, more than {MAX_STEPS} steps of {step} s; import fewer at once",
                    format_stamp(lo),
                    format_stamp(hi)
                ),
            )
            .into());
        }
        let first_path = grid.map_or(path.clone(), |g| g.0);
        grid = Some((first_path, step, lo, hi));
        inputs.push(Input {
            name,
            cores,
            mhz_per_core: profile.header.cpu.map(|c| c.ghz * 1000.0),
            memory_gb,
            parsed,
            offset: 0,
        });
    }
    let Some((_, step_s, first_s, last_s)) = grid else {
        return Err(ImportError::Usage("no profiles to import".to_owned()));
    };
    for input in &mut inputs {
        input.offset = ((input.parsed.profile.first_s - first_s) / i64::from(step_s)) as usize;
    }
    Ok(Plan {
        inputs,
        step_s,
        first_s,
        steps: ((last_s - first_s) / i64::from(step_s) + 1) as usize,
    })
}

/// A profile's workload name: `#Profile`, else the file name without its extension.
fn name_of(path: &Path, parsed: &Parsed) -> String {
    parsed.profile.header.profile.clone().unwrap_or_else(|| {
        path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    })
}

impl Plan {
    /// The native columns the import fills: memory, disk and network where any profile has
    /// `MEM_UTIL`, `DISK_UTIL`, `NET_UTIL` (MB/s already: factor 1). A profile without one
    /// gets 0 in that column.
    pub fn columns(&self) -> Columns {
        let has = |m: Metric| {
            self.inputs
                .iter()
                .any(|i| i.parsed.profile.metrics.contains(&m))
        };
        Columns {
            memory: has(Metric::MemUtil),
            disk_mbps_per_unit: has(Metric::DiskUtil).then_some(1.0),
            network_mbps_per_unit: has(Metric::NetUtil).then_some(1.0),
        }
    }

    /// Hands every sample to `sink`, profile after profile, each on the common grid.
    pub fn emit(self, sink: &mut Sink<'_>) -> Result<Report, ImportError> {
        let step = i64::from(self.step_s);
        let mut report = Report {
            step_s: self.step_s,
            origin_s: self.first_s - step,
            samples_per_workload: self.steps as u64,
            samples: 0,
            sources: Vec::with_capacity(self.inputs.len()),
            lines: 0,
            duplicates: 0,
            no_data_samples: 0,
            longest_gap: None,
            no_data_cells: BTreeMap::new(),
            padded: 0,
            not_kept: BTreeSet::new(),
        };
        for input in &self.inputs {
            emit_one(input, self.steps, step, sink, &mut report)?;
        }
        Ok(report)
    }
}

fn emit_one(
    input: &Input,
    steps: usize,
    step: i64,
    sink: &mut Sink<'_>,
    report: &mut Report,
) -> Result<(), ImportError> {
    let p = &input.parsed.profile;
    let column = |m: Metric| p.metrics.iter().position(|&x| x == m);
    let (cpu, memory, disk, net) = (
        column(Metric::CpuUtil),
        column(Metric::MemUtil),
        column(Metric::DiskUtil),
        column(Metric::NetUtil),
    );
    for m in [Metric::CpuAlloc, Metric::MemAlloc] {
        if column(m).is_some() {
            report.not_kept.insert(m.name());
        }
    }
    report.lines += input.parsed.lines;
    report.duplicates += input.parsed.duplicates;
    for (m, n) in &input.parsed.no_data_cells {
        *report.no_data_cells.entry(m.name()).or_default() += n;
    }
    // Before a metric's first value, its first value (a leading no-data cell is as unknown
    // as a later one); a metric with no value at all is 0.
    let mut carried: Vec<f64> = p
        .values
        .iter()
        .map(|v| v.iter().flatten().next().copied().unwrap_or(0.0))
        .collect();
    let own = p.present.len();
    let mut gap: Option<(usize, u64)> = None;
    let mut rows = 0u64;
    for g in 0..steps {
        let inside = g >= input.offset && g < input.offset + own;
        let values = if inside {
            let i = g - input.offset;
            if p.present[i] {
                rows += 1;
                if let Some((from, n)) = gap.take() {
                    record_gap(report, &input.name, from, n, step);
                }
                for (slot, column) in carried.iter_mut().zip(&p.values) {
                    if let Some(v) = column[i] {
                        *slot = v;
                    }
                }
            } else {
                gap.get_or_insert((g, 0)).1 += 1;
            }
            Some(&carried)
        } else {
            report.padded += 1;
            None
        };
        let get = |c: Option<usize>| c.map(|c| values.map_or(0.0, |v| v[c]));
        let cpu_cores = get(cpu).unwrap_or(0.0) / 100.0 * input.cores.value;
        let memory_gb = get(memory).map(|u| u / 100.0 * input.memory_gb.map_or(0.0, |m| m.value));
        let time_s = g as f64 * step as f64;
        for (what, x) in [("cpu", Some(cpu_cores)), ("memory", memory_gb)] {
            if let Some(x) = x
                && !(x.is_finite() && x <= MAX_VALUE)
            {
                return Err(ImportError::Usage(format!(
                    "profile `{}` at {time_s} s: {what} {x} is out of the native format's range",
                    input.name
                )));
            }
        }
        report.samples += 1;
        sink(Sample {
            workload: &input.name,
            time_s,
            cpu_cores,
            memory_gb,
            disk: get(disk),
            net: get(net),
        })?;
    }
    let first_s = input.offset as f64 * step as f64;
    report.sources.push(Source {
        workload: input.name.clone(),
        cores: input.cores,
        mhz_per_core: input.mhz_per_core,
        memory_gb: input.memory_gb,
        rows,
        first_s,
        last_s: first_s + (own as f64 - 1.0) * step as f64,
    });
    Ok(())
}

fn record_gap(report: &mut Report, workload: &str, from: usize, steps: u64, step: i64) {
    report.no_data_samples += steps;
    if report.longest_gap.as_ref().is_none_or(|g| steps > g.steps) {
        report.longest_gap = Some(Gap {
            workload: workload.to_owned(),
            from_s: from as f64 * step as f64,
            steps,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Parsed, TraceError> {
        parse(Path::new("p.txt"), text.as_bytes())
    }

    const SAMPLE: &str = "\
#Profile: db01
#Host: db01.example.com
#CPU: 8@1.6GHz
#Memory: 16384MB
#OS: HP-UX
#Model: ia64 hp server rx8640
#ProcessorString: Itanium 2
#ProcessorFamily: ia64
#Version: 7.2
#Collector note: ignored
YYYYMMDDhhmm, UTIS, CPU_UTIL, MEM_UTIL, CPU_ALLOC
202401010005, 1704067500, 50, 25, 8
202401010010, 1704067800, 75, NA, 8
202401010010, 1704067800, 12.5, 50, 8
202401010025, 1704068700, 100, 50,
";

    #[test]
    fn parses_the_header_gaps_and_duplicates() {
        let p = parse_str(SAMPLE).unwrap();
        let h = &p.profile.header;
        assert_eq!(h.profile.as_deref(), Some("db01"));
        assert_eq!(
            h.cpu,
            Some(HostCpu {
                count: 8.0,
                ghz: 1.6
            })
        );
        assert_eq!(h.memory_gb, Some(16.0));
        assert_eq!(h.version.as_deref(), Some("7.2"));
        let prof = &p.profile;
        assert_eq!(prof.step_s, 300);
        assert_eq!(prof.first_s, 1_704_067_500);
        assert_eq!(prof.present, [true, true, false, false, true]);
        assert_eq!(
            prof.values[0],
            [Some(50.0), Some(12.5), None, None, Some(100.0)]
        );
        assert_eq!(prof.values[2][4], None);
        assert_eq!((p.lines, p.duplicates), (4, 1));
        // NA on the replaced line does not count; the empty CPU_ALLOC on the last does.
        assert_eq!(p.no_data_cells.get(&Metric::MemUtil), None);
        assert_eq!(p.no_data_cells.get(&Metric::CpuAlloc), Some(&1));
        assert_eq!(p.columns_line, 11);
    }

    #[test]
    fn dates_are_checked_and_round_trip() {
        assert_eq!(stamp("197001010000"), Ok(0));
        assert_eq!(stamp("200001010000"), Ok(946_684_800));
        assert_eq!(stamp("202402290000"), Ok(1_709_164_800));
        for bad in [
            "202313010000",
            "202302290000",
            "202302300000",
            "202401012400",
            "202401010060",
            "20240101000",
            "2024010100a0",
            "196912312359",
            "210001010000",
        ] {
            assert!(stamp(bad).is_err(), "{bad}");
        }
        for t in [0, 946_684_800, 1_709_164_800, 4_102_444_740] {
            assert_eq!(stamp(&format_stamp(t)), Ok(t));
        }
        assert_eq!(parse_start("2000-01-01"), Ok(946_684_800));
        assert_eq!(parse_start("2000-01-01 00:05"), Ok(946_685_100));
        assert_eq!(parse_start("2000-01-01T00:05"), Ok(946_685_100));
        assert_eq!(parse_start("200001010005"), Ok(946_685_100));
        assert!(parse_start("2000-02-30").is_err());
        assert!(parse_start("yesterday").is_err());
        assert_eq!(format_utc(946_685_100), "2000-01-01 00:05 UTC");
    }

    #[test]
    fn units_of_the_header() {
        let at = At {
            path: Path::new("p"),
            line: 1,
        };
        assert_eq!(memory_gb(&at, "16384MB"), Ok(16.0));
        assert_eq!(memory_gb(&at, "16 GB"), Ok(16.0));
        assert_eq!(memory_gb(&at, "16"), Ok(16.0));
        assert_eq!(memory_gb(&at, "1 TB"), Ok(1024.0));
        assert_eq!(memory_gb(&at, "1.5e3 MiB"), Ok(1500.0 / 1024.0));
        assert!(memory_gb(&at, "16 parsecs").is_err());
        assert!(memory_gb(&at, "0 GB").is_err());
        assert_eq!(
            host_cpu(&at, "8 @ 1600 MHz"),
            Ok(HostCpu {
                count: 8.0,
                ghz: 1.6
            })
        );
        assert_eq!(
            host_cpu(&at, "4@2.6"),
            Ok(HostCpu {
                count: 4.0,
                ghz: 2.6
            })
        );
        for bad in ["8", "8.5@1.6", "0@1", "8@", "8@-1", "8@1.6 THz"] {
            assert!(host_cpu(&at, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn column_headers_in_every_accepted_form() {
        for columns in [
            "#YYYYMMDDhhmm, UTIS, CPU_UTIL",
            "Timestamp;UTIS;CPU_UTIL",
            "#Metrics: CPU_UTIL",
            "#Metrics: YYYYMMDDhhmm, UTIS, CPU_UTIL",
            "time\tutis\tcpu_util",
        ] {
            let delimiter = if columns.contains(';') {
                ";"
            } else if columns.contains('\t') {
                "\t"
            } else {
                ", "
            };
            let text = format!(
                "#CPU: 2@1\n{columns}\n202401010005{d}1704067500{d}50\n",
                d = delimiter
            );
            let p = parse_str(&text).unwrap_or_else(|e| panic!("{columns}: {e}"));
            assert_eq!(p.profile.metrics, [Metric::CpuUtil], "{columns}");
            assert_eq!(p.profile.values[0], [Some(50.0)], "{columns}");
        }
        // Without a date column, UTIS is the time.
        let p = parse_str("UTIS, CPU_UTIL\n1704067500, 1\n1704067800, 2\n").unwrap();
        assert_eq!((p.profile.first_s, p.profile.step_s), (1_704_067_500, 300));
    }

    #[test]
    fn the_step_is_the_most_common_difference() {
        let text = "YYYYMMDDhhmm,UTIS,CPU_UTIL\n\
            202401010000,x,1\n202401010010,x,1\n202401010020,x,1\n202401010025,x,1\n\
            202401010030,x,1\n202401010035,x,1\n";
        let p = parse_str(text).unwrap();
        assert_eq!(p.profile.step_s, 300);
        assert_eq!(p.profile.present.len(), 8);
        let err = parse_str("YYYYMMDDhhmm,UTIS,CPU_UTIL\n202401010000,x,1\n202401010005,x,1\n202401010010,x,1\n202401010012,x,1\n202401010015,x,1\n")
            .unwrap_err();
        assert_eq!(
            (err.line, err.field.as_deref()),
            (Some(5), Some("YYYYMMDDhhmm"))
        );
        assert!(err.message.contains("off the profile's grid"), "{err}");
    }

    #[test]
    fn write_then_parse_gives_the_profile_back() {
        let p = parse_str(SAMPLE).unwrap().profile;
        let again = parse_str(&p.write()).unwrap().profile;
        assert_eq!(again, p);
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(12.345678, 6), "12.3457");
        assert_eq!(significant(0.000123456789, 6), "0.000123457");
        assert_eq!(significant(1234567.0, 6), "1234567");
        assert_eq!(significant(50.0, 6), "50");
        assert_eq!(significant(0.0, 6), "0");
        assert_eq!(significant(2.5999999, 9), "2.5999999");
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("rnd/2013-7/12"), "rnd_2013-7_12");
        assert_eq!(file_stem(".."), "_..");
        assert_eq!(file_stem(""), "_");
        assert_eq!(file_stem("db 01:é"), "db_01__");
    }

    /// One emitted sample: workload, time_s, cpu, memory.
    type Got = (String, f64, f64, Option<f64>);

    fn collect(plan: Plan) -> (Report, Vec<Got>) {
        let mut got = Vec::new();
        let report = plan
            .emit(&mut |s: Sample<'_>| {
                got.push((s.workload.to_owned(), s.time_s, s.cpu_cores, s.memory_gb));
                Ok(())
            })
            .unwrap();
        (report, got)
    }

    #[test]
    fn emits_on_one_grid_filling_gaps_and_padding() {
        let a = parse_str(SAMPLE).unwrap();
        let b = parse_str("#Profile: b\n#CPU: 2@1\nYYYYMMDDhhmm,UTIS,CPU_UTIL\n202401010015,x,50\n202401010020,x,50\n202401010030,x,100\n").unwrap();
        let plan = plan(
            vec![(PathBuf::from("a.txt"), a), (PathBuf::from("b.txt"), b)],
            &Options::default(),
        )
        .unwrap();
        assert!(plan.columns().memory);
        let (report, got) = collect(plan);
        // Grid 00:05 … 00:30: six steps. db01: 50 % of 8 = 4 cores, then the duplicate's
        // 12.5 % = 1 core carried over 00:15 and 00:20, then 8 cores; one padded step.
        let cpu: Vec<f64> = got.iter().map(|g| g.2).collect();
        assert_eq!(cpu[..6], [4.0, 1.0, 1.0, 1.0, 8.0, 0.0]);
        // Memory: 25 % of 16 GiB = 4, then 50 % = 8.
        assert_eq!(got[0].3, Some(4.0));
        assert_eq!(got[1].3, Some(8.0));
        // b: padded for two steps, 1 core, a gap (carried), 2 cores; no memory column.
        assert_eq!(cpu[6..], [0.0, 0.0, 1.0, 1.0, 1.0, 2.0]);
        assert_eq!(got[6].3, None);
        assert_eq!(got[11].1, 1500.0);
        assert_eq!(report.origin_s, 1_704_067_200);
        assert_eq!((report.no_data_samples, report.padded), (3, 3));
        assert_eq!(report.longest_gap.as_ref().map(|g| g.steps), Some(2));
        assert_eq!(report.duplicates, 1);
        assert_eq!(
            report.not_kept.iter().copied().collect::<Vec<_>>(),
            ["CPU_ALLOC"]
        );
        assert_eq!(report.sources[0].cores.value, 8.0);
        assert_eq!(report.sources[0].mhz_per_core, Some(1600.0));
        assert_eq!(report.sources[1].first_s, 600.0);
    }

    #[test]
    fn duplicate_names_and_other_steps_are_refused() {
        let one = || {
            parse_str("#Profile: x\n#CPU: 1@1\nYYYYMMDDhhmm,UTIS,CPU_UTIL\n202401010005,x,1\n")
                .unwrap()
        };
        let err = plan(
            vec![
                (PathBuf::from("a.txt"), one()),
                (PathBuf::from("b.txt"), one()),
            ],
            &Options::default(),
        )
        .unwrap_err();
        let ImportError::Trace(e) = err else {
            panic!("{err}")
        };
        assert_eq!(e.file, Path::new("b.txt"));
        assert!(e.message.contains("a.txt"), "{e}");
        let ten = parse_str("#Profile: y\n#CPU: 1@1\nYYYYMMDDhhmm,UTIS,CPU_UTIL\n202401010000,x,1\n202401010010,x,1\n").unwrap();
        let five = parse_str("#Profile: z\n#CPU: 1@1\nYYYYMMDDhhmm,UTIS,CPU_UTIL\n202401010000,x,1\n202401010005,x,1\n").unwrap();
        let err = plan(
            vec![(PathBuf::from("y"), ten), (PathBuf::from("z"), five)],
            &Options::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("every 300 s"), "{err}");
    }
}
