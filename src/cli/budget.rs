//! The memory a run will need, estimated from the compiled scenario before the run allocates
//! its state, and checked against what the machine has: a scenario too large for the machine
//! is refused with exit 2 and the estimate, instead of being killed by the OS (exit 134 or
//! 137) after minutes.
//!
//! The per-entity figures are measured, not derived: max RSS (`/usr/bin/time -v`) of
//! `vsesim run` on scenarios from `benches/scale/generate.py`, fitted by least squares
//! (docs/PERFORMANCE.md, "Memory estimate"). The simulation core's state per entity changes
//! as the core is rewritten: re-measure and change the constants here, in this one place.

use crate::Error;
use crate::world::{DemandSource, Scenario};

/// What a run needs whatever its size: the binary, polars' and rayon's pools, the report's
/// fonts and chart buffers [bytes].
pub const BASE_BYTES: u64 = 36 << 20;
/// Per workload: its demand state and generator, its books, its interval statistics (a day
/// of buffered interval means and 1,000-bin histograms for CPU and memory), its summary entry
/// and table rows [bytes].
pub const BYTES_PER_WORKLOAD: u64 = 22 << 10;
/// Per server or partition: as a workload, plus the node's allocation and sharing state
/// [bytes].
pub const BYTES_PER_NODE: u64 = 44 << 10;
/// Per row of the time series (one entity × one report step), when it is kept: eight
/// columns held until the run ends (56 bytes), then the Parquet table built from them (the
/// entity and kind strings per row) and its encoded bytes, and the CSV when asked for
/// [bytes].
pub const BYTES_PER_TIMESERIES_ROW: u64 = 512;
/// Per sample of a trace the scenario read: the series are in memory already when the
/// estimate is made, and the run reads them in place; counted so the estimate covers the
/// whole process [bytes: one f32, and the memory, disk and network columns where present].
pub const BYTES_PER_TRACE_SAMPLE: u64 = 4;

/// Reading a scenario: the TOML parsed with every position kept, the raw tables and the
/// compiled scenario at once, per byte of the file [bytes]. A 10 MB scenario of 50,000
/// workloads peaks at 339 MiB while it is read.
pub const BYTES_PER_SCENARIO_BYTE: u64 = 36;

/// Refuse, before reading it, a scenario file whose reading alone would exceed the limit
/// (see [`check`]): 10⁶ workloads are a 200 MB file and 7 GiB to read.
pub fn check_file(path: &std::path::Path, max_memory: Option<u64>) -> Result<(), Error> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(()); // the reader says why it cannot read it
    };
    if !meta.is_file() {
        return Ok(());
    }
    let bytes = BASE_BYTES.saturating_add(meta.len().saturating_mul(BYTES_PER_SCENARIO_BYTE));
    let (limit, from) = limit(max_memory);
    match limit {
        Some(limit) if bytes > limit => Err(Error::Usage(format!(
            "{}: reading this {} scenario would need about {} of memory but {from} is {}; split it, run it on a larger machine, or set --max-memory if the estimate is too cautious",
            path.display(),
            human(meta.len()),
            human(bytes),
            human(limit)
        ))),
        _ => Ok(()),
    }
}

/// The limit and where it comes from, for messages.
fn limit(max_memory: Option<u64>) -> (Option<u64>, &'static str) {
    match max_memory {
        Some(m) => (Some(m), "--max-memory"),
        None => (available(), "the memory available on this machine"),
    }
}

/// The estimate, in bytes, and what it is made of (for the message).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub bytes: u64,
    pub workloads: u64,
    pub nodes: u64,
    pub timeseries_rows: u64,
    pub trace_samples: u64,
}

/// The memory a run of `scenario` will need at its peak.
pub fn estimate(scenario: &Scenario) -> Estimate {
    let workloads = scenario.model.workloads.len() as u64;
    let nodes = scenario.model.nodes.len() as u64;
    let timeseries_rows = if scenario.report.timeseries {
        scenario
            .horizon_ms
            .div_ceil(scenario.report.step_ms.max(1))
            .saturating_mul(workloads + nodes)
    } else {
        0
    };
    // A trace shared by several workloads is held once.
    let mut seen = std::collections::HashSet::new();
    let trace_samples: u64 = scenario
        .demand
        .iter()
        .filter_map(|d| match &d.source {
            DemandSource::Trace(s) if seen.insert(std::sync::Arc::as_ptr(s)) => {
                let columns = 1
                    + s.memory_gb.is_some() as u64
                    + s.disk_mbps.is_some() as u64
                    + s.network_mbps.is_some() as u64;
                Some(s.cpu.len() as u64 * columns)
            }
            _ => None,
        })
        .sum();
    let bytes = BASE_BYTES
        .saturating_add(workloads.saturating_mul(BYTES_PER_WORKLOAD))
        .saturating_add(nodes.saturating_mul(BYTES_PER_NODE))
        .saturating_add(timeseries_rows.saturating_mul(BYTES_PER_TIMESERIES_ROW))
        .saturating_add(trace_samples.saturating_mul(BYTES_PER_TRACE_SAMPLE));
    Estimate {
        bytes,
        workloads,
        nodes,
        timeseries_rows,
        trace_samples,
    }
}

/// Refuse a run whose estimate exceeds `max_memory` (`--max-memory`), or, without it, the
/// memory the machine has available (`MemAvailable`, and the cgroup's limit where there is
/// one). Where neither can be read, nothing is refused.
pub fn check(scenario: &Scenario, max_memory: Option<u64>) -> Result<Estimate, Error> {
    let e = estimate(scenario);
    let (limit, from) = limit(max_memory);
    if let Some(limit) = limit
        && e.bytes > limit
    {
        let rows = if e.timeseries_rows > 0 {
            format!(
                ", {} time-series rows (set [report] step longer or timeseries = false)",
                e.timeseries_rows
            )
        } else {
            String::new()
        };
        return Err(Error::Usage(format!(
            "{}: `{}` would need about {} of memory ({} workloads, {} servers and partitions{rows}) but {from} is {}; run it on a larger machine, make it smaller, or set --max-memory if the estimate is too cautious",
            scenario.file.display(),
            scenario.name,
            human(e.bytes),
            e.workloads,
            e.nodes,
            human(limit)
        )));
    }
    Ok(e)
}

/// Bytes available to this process: `MemAvailable` from /proc/meminfo, lowered to the
/// cgroup v2 limit less its usage when the process runs in a limited cgroup.
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    let mut bytes = kib.saturating_mul(1024);
    let cgroup = |f: &str| -> Option<u64> {
        std::fs::read_to_string(format!("/sys/fs/cgroup/{f}"))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    if let (Some(max), Some(used)) = (cgroup("memory.max"), cgroup("memory.current")) {
        bytes = bytes.min(max.saturating_sub(used));
    }
    Some(bytes)
}

/// `--max-memory`: bytes, or a number with K, M, G or T (powers of 1024, an optional `iB`
/// or `B`): `512M`, `8GiB`, `1.5G`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_uppercase();
    let scale: u64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit; expected a size such as 512M, 8G or 8GiB"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; expected e.g. 512M, 8G or 8GiB"))?;
    let bytes = value * scale as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!(
            "`{text}`: expected a positive size below 16 EiB, e.g. 8G"
        ));
    }
    Ok(bytes as u64)
}

/// Bytes as a person reads them: `1.6 GiB`.
pub fn human(bytes: u64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_powers_of_1024() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("8GiB"), Ok(8 << 30));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("8 parsecs").is_err());
        assert!(parse_size("-1G").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn bytes_print_in_binary_units() {
        assert_eq!(human(1023), "1023 bytes");
        assert_eq!(human(3 << 29), "1.5 GiB");
    }

    /// The estimate grows by the documented constants: one more workload costs
    /// BYTES_PER_WORKLOAD plus its time-series rows.
    #[test]
    fn the_estimate_adds_the_documented_constants() {
        let toml = |n: usize| {
            let mut s = String::from(
                "[scenario]\nname = \"b\"\nhorizon = \"1h\"\nseed = 1\n[report]\nstep = \"5m\"\n\
                 [[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n",
            );
            for i in 0..n {
                s.push_str(&format!(
                    "[[workloads]]\nname = \"w{i}\"\npartition = \"sd\"\nunits = \"cores\"\nsynth = {{ pattern = \"flat\", mean = 0.1 }}\n"
                ));
            }
            crate::scenario::load_str(std::path::Path::new("b.toml"), &s).unwrap()
        };
        let (a, b) = (estimate(&toml(1)), estimate(&toml(2)));
        // 1 h at 5 minutes is 12 rows per entity.
        assert_eq!(b.timeseries_rows - a.timeseries_rows, 12);
        assert_eq!(
            b.bytes - a.bytes,
            BYTES_PER_WORKLOAD + 12 * BYTES_PER_TIMESERIES_ROW
        );
    }
}
