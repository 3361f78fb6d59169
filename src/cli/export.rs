//! `vsesim export capprofile SRC -o DIR`: a native trace, or a run's time series, as HP
//! Capacity Advisor profiles (one text file per workload or entity). The format itself is
//! `workload::capprofile`; this module finds the hosts, reads the inputs and writes the files.

use crate::Error;
use crate::report::summary::Summary;
use crate::report::{self, charts::Row, timeseries};
use crate::workload::capprofile::{self, Header, Host, HostCpu, Metric, Profile};
use crate::workload::{TraceError, native};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// `time_s = 0` when `--start` is not given: 2000-01-01 00:00 UTC.
pub const DEFAULT_START_S: i64 = 946_684_800;

/// What the command line gives.
pub struct Args {
    pub format: String,
    pub src: PathBuf,
    pub output: PathBuf,
    pub cores: Option<f64>,
    pub ghz: Option<f64>,
    pub memory_gb: Option<f64>,
    pub step_s: Option<u32>,
    pub start: Option<String>,
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<(), Error> {
    if !args.format.trim().eq_ignore_ascii_case("capprofile") {
        return Err(Error::Usage(format!(
            "unknown export format `{}`; expected capprofile",
            args.format
        )));
    }
    if !args.src.exists() {
        return Err(Error::Usage(format!(
            "{}: no such file or folder",
            args.src.display()
        )));
    }
    let epoch_s = match &args.start {
        Some(s) => capprofile::parse_start(s).map_err(|e| Error::Usage(format!("--start {e}")))?,
        None => DEFAULT_START_S,
    };
    let profiles = if args.src.is_dir() {
        run_profiles(&args, epoch_s)?
    } else {
        trace_profiles(&args, epoch_s)?
    };
    let Some(first) = profiles.first() else {
        return Err(Error::Usage(format!(
            "{}: no workloads to export",
            args.src.display()
        )));
    };
    let files = write(&args.output, &profiles)?;
    if !args.quiet {
        println!(
            "{} profiles × {} samples every {} s, the first stamped {} (the end of its interval; time_s 0 = {})",
            profiles.len(),
            first.present.len(),
            first.step_s,
            capprofile::format_utc(first.first_s),
            capprofile::format_utc(epoch_s)
        );
        let renamed = profiles
            .iter()
            .zip(&files)
            .filter(|(p, f)| p.header.profile.as_deref() != f.file_stem().and_then(|s| s.to_str()))
            .count();
        print!("wrote {} files to {}", files.len(), args.output.display());
        if renamed > 0 {
            print!(" ({renamed} under a file-safe name; #Profile keeps the true one)");
        }
        println!();
    }
    Ok(())
}

fn trace_error(e: TraceError) -> Error {
    Error::Trace {
        source: Box::new(e),
        context: "vsesim export capprofile".into(),
    }
}

// ---------------------------------------------------------------------------------------
// A native trace

/// One profile per workload of a native trace.
fn trace_profiles(args: &Args, epoch_s: i64) -> Result<Vec<Profile>, Error> {
    check_flags(args)?;
    let step_ms = args.step_s.map(|s| u64::from(s) * 1000);
    let trace = native::read(&args.src, step_ms).map_err(trace_error)?;
    let sources_path = args.src.with_extension("sources.csv");
    let sources = if sources_path.is_file() {
        read_sources(&sources_path)?
    } else {
        HashMap::new()
    };
    let mut profiles = Vec::with_capacity(trace.series.len());
    for (name, series) in &trace.series {
        let known = sources.get(name);
        let missing = |what: &str, flag: &str| {
            Error::Usage(format!(
                "workload `{name}`: no {what} for its #CPU line; give {flag} (or keep the .sources.csv `vsesim import` wrote beside the trace)"
            ))
        };
        let host = Host {
            name: None,
            cores: known
                .map(|s| s.cores)
                .or(args.cores)
                .ok_or_else(|| missing("core count", "--cores N"))?,
            ghz: known
                .and_then(|s| s.mhz_per_core)
                .map(|mhz| mhz / 1000.0)
                .or(args.ghz)
                .ok_or_else(|| missing("clock", "--ghz G"))?,
            memory_gb: known.and_then(|s| s.memory_gb).or(args.memory_gb),
        };
        let profile = capprofile::from_series(name, &host, series, epoch_s).map_err(|e| {
            let hint = if series.memory_gb.is_some() && host.memory_gb.is_none() {
                " (give --memory-gb)"
            } else {
                ""
            };
            Error::Usage(format!("workload `{name}`: {e}{hint}"))
        })?;
        profiles.push(profile);
    }
    Ok(profiles)
}

fn check_flags(args: &Args) -> Result<(), Error> {
    if let Some(c) = args.cores
        && !(c.is_finite() && c >= 1.0 && c.fract() == 0.0)
    {
        return Err(Error::Usage(format!(
            "--cores {c}: expected a whole number ≥ 1 (Capacity Advisor counts whole cores)"
        )));
    }
    for (flag, v) in [("--ghz", args.ghz), ("--memory-gb", args.memory_gb)] {
        if let Some(v) = v
            && !(v.is_finite() && v > 0.0)
        {
            return Err(Error::Usage(format!("{flag} {v}: expected a number > 0")));
        }
    }
    if args.step_s == Some(0) {
        return Err(Error::Usage("--step 0: expected seconds ≥ 1".into()));
    }
    Ok(())
}

/// A workload's host as `vsesim import` recorded it in OUT.sources.csv.
struct Known {
    cores: f64,
    mhz_per_core: Option<f64>,
    memory_gb: Option<f64>,
}

fn read_sources(path: &Path) -> Result<HashMap<String, Known>, Error> {
    let bad = |line: Option<u64>, field: Option<&str>, message: String| {
        let mut e = TraceError::new(path, message);
        if let Some(l) = line {
            e = e.at(l);
        }
        if let Some(f) = field {
            e = e.field(f);
        }
        trace_error(e)
    };
    let file =
        crate::input::open(path).map_err(|e| trace_error(crate::workload::open_error(path, &e)))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(crate::input::Capped::new(file));
    let header = reader
        .headers()
        .map_err(|e| bad(Some(1), None, format!("cannot read: {e}")))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(workload), Some(cores)) = (column("workload"), column("cores")) else {
        return Err(bad(
            Some(1),
            None,
            "expected the sources table `vsesim import` writes (columns workload, cores, mhz_per_core, memory_gb, …)".into(),
        ));
    };
    let (mhz, memory) = (column("mhz_per_core"), column("memory_gb"));
    let mut known = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            bad(
                e.position().map(|p| p.line()),
                None,
                format!("cannot read: {e}"),
            )
        })?;
        let line = record.position().map(|p| p.line());
        let number = |c: usize, name: &str| -> Result<Option<f64>, Error> {
            let text = record.get(c).unwrap_or_default();
            if text.is_empty() {
                return Ok(None);
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                _ => Err(bad(
                    line,
                    Some(name),
                    format!("`{text}` is not a number ≥ 0"),
                )),
            }
        };
        let name =
            crate::report::csv_cells::unescape(record.get(workload).unwrap_or_default()).to_owned();
        let cores = number(cores, "cores")?
            .ok_or_else(|| bad(line, Some("cores"), "empty cell; expected cores".into()))?;
        let mhz_per_core = mhz
            .map(|c| number(c, "mhz_per_core"))
            .transpose()?
            .flatten();
        let memory_gb = memory
            .map(|c| number(c, "memory_gb"))
            .transpose()?
            .flatten();
        known.insert(
            name,
            Known {
                cores,
                mhz_per_core,
                memory_gb,
            },
        );
    }
    Ok(known)
}

// ---------------------------------------------------------------------------------------
// A run's output folder

/// A node of the run's partition tree, as summary.json gives it.
struct Node {
    /// Physical cores (a VM's vCPUs); the #CPU count.
    cores: f64,
    /// The most it can hold, reference cores: CPU_UTIL = demand ÷ this × 100.
    capacity: f64,
    memory_gb: f64,
    server: String,
}

/// One profile per (entity, kind) of the run's timeseries.parquet: CPU_UTIL from `demand`
/// as a percent of the host's capacity (a workload's host is the partition it starts in),
/// and for partitions and servers CPU_ALLOC from `allocation`, in the node's cores. `served`
/// is not written (a profile has one utilization): demand is what a what-if replays.
fn run_profiles(args: &Args, epoch_s: i64) -> Result<Vec<Profile>, Error> {
    let dir = &args.src;
    let summary_path = dir.join("summary.json");
    if !summary_path.is_file() {
        return Err(Error::Usage(format!(
            "{}: a folder without summary.json; expected a native trace file or a `vsesim run` output folder",
            dir.display()
        )));
    }
    if args.cores.is_some() || args.memory_gb.is_some() || args.step_s.is_some() {
        return Err(Error::Usage(
            "a run's summary.json gives every host and its time series the step; leave out --cores, --memory-gb and --step (--ghz sets a reference core's clock)".into(),
        ));
    }
    let reference_ghz = args.ghz.unwrap_or(1.0);
    if !(reference_ghz.is_finite() && reference_ghz > 0.0) {
        return Err(Error::Usage(format!(
            "--ghz {reference_ghz}: expected a number > 0"
        )));
    }
    let series_path = dir.join("timeseries.parquet");
    if !series_path.is_file() {
        return Err(Error::Usage(format!(
            "{}: no timeseries.parquet (the run had `[report] timeseries = false`); rerun with the time series on",
            dir.display()
        )));
    }
    let summary = report::summary::read(&summary_path)?;
    let (nodes, partition_of) = tree(&summary);
    let horizon_ms = Some(summary.scenario.horizon_ms);
    let rows = timeseries::read_parquet(&series_path)?;
    let mut order: Vec<(&str, &str)> = Vec::new();
    let mut groups: HashMap<(&str, &str), Vec<&Row>> = HashMap::new();
    for row in &rows {
        let key = (row.entity.as_str(), row.kind.as_str());
        groups
            .entry(key)
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(row);
    }
    // `(entity, kind)` is the key: a workload may share its name with a partition.
    let mut kinds: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (entity, kind) in &order {
        kinds.entry(entity).or_default().insert(kind);
    }
    let mut profiles = Vec::with_capacity(order.len());
    for key @ (entity, kind) in order {
        let rows = &groups[&key];
        let name = if kinds[entity].len() > 1 {
            format!("{entity} ({kind})")
        } else {
            entity.to_owned()
        };
        let unknown = || {
            Error::Usage(format!(
                "{}: `{entity}` ({kind}) is not in {}; expected the folder of one run",
                series_path.display(),
                summary_path.display()
            ))
        };
        let workload = kind == "workload";
        let (host_name, node) = if workload {
            let partition = partition_of.get(entity).ok_or_else(unknown)?;
            (partition.clone(), nodes.get(partition).ok_or_else(unknown)?)
        } else {
            let node = nodes.get(entity).ok_or_else(unknown)?;
            (node.server.clone(), node)
        };
        if !(node.cores >= 1.0 && node.cores.fract() == 0.0 && node.capacity > 0.0) {
            return Err(Error::Usage(format!(
                "`{host_name}` has {} cores and a capacity of {} reference cores; a profile needs a whole number ≥ 1 and a capacity > 0",
                node.cores, node.capacity
            )));
        }
        let step_ms = step_of(rows, horizon_ms).ok_or_else(|| {
            Error::Usage(format!(
                "{}: the rows of `{entity}` are not evenly spaced; expected a time series written by vsesim run",
                series_path.display()
            ))
        })?;
        if !step_ms.is_multiple_of(60_000) || !rows[0].time_ms.is_multiple_of(60_000) {
            return Err(Error::Usage(format!(
                "the run's report step is {} s; capprofile times are whole minutes: set `[report] step` to whole minutes",
                step_ms as f64 / 1000.0
            )));
        }
        let per_core = node.capacity / node.cores;
        let mut columns = vec![(
            Metric::CpuUtil,
            rows.iter()
                .map(|r| r.demand / node.capacity * 100.0)
                .collect(),
        )];
        if !workload {
            columns.push((
                Metric::CpuAlloc,
                rows.iter()
                    .map(|r| r.allocation.unwrap_or(0.0) / per_core)
                    .collect(),
            ));
        }
        let header = Header {
            profile: Some(name.clone()),
            host: Some(host_name),
            cpu: Some(HostCpu {
                count: node.cores,
                ghz: reference_ghz * per_core,
            }),
            memory_gb: (node.memory_gb > 0.0).then_some(node.memory_gb),
            ..Header::default()
        };
        let step_s = (step_ms / 1000) as i64;
        let first_s = epoch_s + (rows[0].time_ms / 1000) as i64 + step_s;
        let profile = Profile::regular(header, step_s as u32, first_s, columns);
        capprofile::check_years(&profile).map_err(|e| Error::Usage(format!("`{name}`: {e}")))?;
        profiles.push(profile);
    }
    if profiles.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no rows; nothing to export",
            series_path.display()
        )));
    }
    Ok(profiles)
}

/// The nodes by name, and each workload's partition, from summary.json.
fn tree(summary: &Summary) -> (HashMap<String, Node>, HashMap<String, String>) {
    let nodes = summary
        .servers
        .iter()
        .chain(&summary.partitions)
        .map(|n| {
            let node = Node {
                cores: f64::from(n.cores),
                capacity: n.capacity_cores,
                memory_gb: n.memory_gb,
                server: n.server.clone(),
            };
            (n.name.clone(), node)
        })
        .collect();
    let partition_of = summary
        .workloads
        .iter()
        .map(|w| (w.name.clone(), w.partition.clone()))
        .collect();
    (nodes, partition_of)
}

/// The rows' step in ms: the difference of the first two, which every later one must equal;
/// one row: the horizon.
fn step_of(rows: &[&Row], horizon_ms: Option<u64>) -> Option<u64> {
    let step = match rows {
        [only] => horizon_ms?.checked_sub(only.time_ms)?,
        _ => rows[1].time_ms.checked_sub(rows[0].time_ms)?,
    };
    let even = rows
        .windows(2)
        .all(|w| w[1].time_ms.checked_sub(w[0].time_ms) == Some(step));
    (even && step > 0).then_some(step)
}

// ---------------------------------------------------------------------------------------
// Writing

/// Writes each profile to DIR/NAME.txt (NAME file-safe, `-2`, `-3` … where two would
/// collide, also on a case-insensitive file system), each atomically. Returns the paths.
fn write(dir: &Path, profiles: &[Profile]) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut paths = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let stem = capprofile::file_stem(profile.header.profile.as_deref().unwrap_or(""));
        let mut name = stem.clone();
        let mut n = 1;
        while !taken.insert(name.to_ascii_lowercase()) {
            n += 1;
            name = format!("{stem}-{n}");
        }
        let path = dir.join(format!("{name}.txt"));
        report::write_atomic(&path, profile.write().as_bytes())?;
        paths.push(path);
    }
    Ok(paths)
}
