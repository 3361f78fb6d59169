//! Running a sweep into its folder: which points are this shard's, which are done already,
//! running the rest on rayon's threads, and writing each point's file the moment it is done.
//!
//! The folder is the state. `sweep.json` names the sweep's inputs by their SHA-256, so a rerun
//! resumes only results of the same inputs; `points/pNNNNNN.json` are the finished points,
//! each written whole through a temporary name and a rename, so a point file is either
//! complete or absent however the process ends (Ctrl-C, `kill -9`, a node lost). The tables
//! are built from the point files only, so a resumed sweep gives the same bytes as one run
//! straight through.

use super::points::{self, Point, replica_seed};
use super::record::{Metrics, POINT_FORMAT_VERSION, PointFile, ReplicaRecord};
use super::spec::{Kind, Param, Sampling, Spec};
use crate::Error;
use crate::report;
use crate::scenario::inputs::{collect_traces, read_all, sha256_hex};
use crate::scenario::{self, Scenario, ScenarioError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Bumped when a field of sweep.json changes meaning or disappears.
pub const FORMAT_VERSION: u32 = 1;

/// `--shard K/N`: the points whose index i has i mod N = K − 1. Round-robin rather than
/// blocks, so every shard gets a similar mix of cheap and costly corners of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based, as Slurm array task ids usually are.
    pub k: u64,
    pub n: u64,
}

impl Shard {
    pub fn holds(&self, point: u64) -> bool {
        point % self.n == self.k - 1
    }

    /// The folder name of this shard's results under the sweep's folder.
    pub fn folder(&self) -> String {
        format!("shard-{}-of-{}", self.k, self.n)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}`: expected K/N with 1 ≤ K ≤ N, e.g. 3/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// What to do with results already in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resume {
    /// Keep the finished points of the same sweep; refuse results of other inputs.
    #[default]
    Continue,
    /// Keep finished points whose parameters and seeds are unchanged even though the inputs
    /// changed: the user vouches that the change does not alter them (a comment, a
    /// description). sweep.json records `forced`.
    Force,
    /// Discard every earlier result and start over.
    Restart,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Default: output/<sweep name>/ (with a shard, its shard-K-of-N/ folder inside).
    pub output: Option<PathBuf>,
    /// Threads; default: one per core.
    pub threads: Option<usize>,
    pub shard: Option<Shard>,
    /// `--shard auto`: K and N from the scheduler's environment (or the folder's record);
    /// used when `shard` is `None`.
    pub auto: Option<super::auto::AutoShard>,
    pub resume: Resume,
    /// Run at most this many points, then stop (the rest wait for the next run).
    pub limit: Option<u64>,
}

/// `sweep.json`: what the folder holds and which inputs it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    pub format_version: u32,
    pub name: String,
    /// SHA-256 over the inputs' hashes and the vsesim version: two folders with the same id
    /// hold results of the same sweep.
    pub id: String,
    pub inputs: Inputs,
    pub vsesim_version: String,
    pub sampling: Sampling,
    pub samples: Option<u64>,
    pub seed: u64,
    pub replicas: u64,
    /// Points in the whole sweep (a shard runs some of them).
    pub points: u64,
    pub axes: Vec<AxisInfo>,
    /// The base's servers; with two or more, the tables have per-server columns.
    pub servers: Vec<String>,
    /// The base's `[costs] currency`, for the costs' unit in the charts and report.html.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub shard: Option<Shard>,
    /// True once every point of this folder (this shard's, or all) is done and the tables
    /// are written.
    pub complete: bool,
    /// True when `--force` kept points computed from other inputs.
    pub forced: bool,
    /// `vsesim merge`: the shard folders combined here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// `[sweep] objectives`: figures the Pareto front minimizes beyond the cost (`co2_kg`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_minimize: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    pub sweep_file: String,
    pub sweep_sha256: String,
    pub base_file: String,
    pub base_sha256: String,
    /// Every trace file the base (or an axis) names, by its path as written.
    pub traces: Vec<TraceHash>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceHash {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AxisInfo {
    pub name: String,
    pub path: String,
    pub kind: Kind,
    /// The sweep file's `label` and `unit` for people; absent: made from the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// A sweep ready to run in its folder.
#[derive(Debug)]
pub struct Plan {
    pub spec: Spec,
    pub info: SweepInfo,
    pub points: Vec<Point>,
    pub dir: PathBuf,
    /// This folder's points (all, or the shard's), in index order.
    pub mine: Vec<u64>,
    /// Of those, finished before this run.
    pub done_before: u64,
    /// To run now, in index order (at most `--limit`).
    pub pending: Vec<u64>,
    pub threads: usize,
    /// With `--shard auto`: where K and N came from, in words.
    pub shard_source: Option<String>,
}

/// How a run of the pending points ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Executed {
    pub ran: u64,
    /// A stop was requested and points were left unstarted.
    pub stopped: bool,
}

impl Plan {
    /// Every point of this folder is done (or will be once `pending` has run).
    pub fn completes(&self) -> bool {
        self.done_before + self.pending.len() as u64 == self.mine.len() as u64
    }
}

/// Read and check the sweep, look at its folder, and decide what is left to run. Writes
/// sweep.json (marked incomplete) and removes tables that no longer describe the folder.
pub fn prepare(sweep_file: &Path, opts: &Options) -> Result<Plan, Error> {
    let spec = Spec::load(sweep_file)?;
    let points = points::all(&spec);
    let inputs = hash_inputs(&spec)?;
    let servers: Vec<String> = spec
        .base
        .model
        .nodes
        .iter()
        .filter(|n| n.parent.is_none())
        .map(|n| n.name.clone())
        .collect();
    let mut info = SweepInfo {
        format_version: FORMAT_VERSION,
        name: spec.name.clone(),
        id: identity(&inputs),
        inputs,
        vsesim_version: env!("CARGO_PKG_VERSION").to_string(),
        sampling: spec.sampling,
        samples: spec.samples,
        seed: spec.seed,
        replicas: spec.replicas,
        points: points.len() as u64,
        axes: spec
            .axes
            .iter()
            .map(|a| AxisInfo {
                name: a.name.clone(),
                path: a.path.to_string(),
                kind: a.kind,
                label: a.label.clone(),
                unit: a.unit.clone(),
            })
            .collect(),
        servers,
        currency: spec
            .base_table
            .get("costs")
            .and_then(|c| c.get("currency"))
            .and_then(|c| c.as_str())
            .map(str::to_string),
        shard: opts.shard,
        complete: false,
        forced: false,
        merged_from: Vec::new(),
        also_minimize: spec.also_minimize.clone(),
    };
    // The first point must make a valid scenario: a value the base rejects is reported now,
    // before anything runs.
    if let Some(p) = points.first() {
        let (table, trails) = apply(&spec, p)?;
        scenario_of(&spec, &table, p, &trails, replica_seed(spec.seed, 0))?;
    }

    let root = opts
        .output
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&spec.name));
    let (shard, shard_source) = match (opts.shard, &opts.auto) {
        (Some(s), _) => (Some(s), None),
        (None, Some(auto)) => {
            let (s, how) = super::auto::resolve(auto, &root)?;
            (Some(s), Some(how))
        }
        (None, None) => (None, None),
    };
    info.shard = shard;
    let dir = match shard {
        Some(s) => root.join(s.folder()),
        None => root,
    };
    let mine: Vec<u64> = (0..info.points)
        .filter(|&i| shard.is_none_or(|s| s.holds(i)))
        .collect();

    let (old, forced) = check_folder(&dir, &info, opts.resume)?;
    let was_complete = old.as_ref().is_some_and(|o| o.complete);
    info.forced = forced || old.is_some_and(|o| o.forced);
    let done = finished_points(&dir, &info, &spec, &points, &mine)?;
    // A folder with nothing left to run keeps its tables and stays complete.
    info.complete = was_complete && done.len() == mine.len();
    let mut pending: Vec<u64> = mine.iter().copied().filter(|i| !done.contains(i)).collect();
    if let Some(limit) = opts.limit {
        pending.truncate(limit.min(usize::MAX as u64) as usize);
    }
    if done.len() < mine.len() {
        remove_outputs(&dir)?;
    }
    std::fs::create_dir_all(dir.join("points")).map_err(|e| Error::io(&dir, e))?;
    write_json(&dir.join("sweep.json"), &info)?;
    let threads = opts
        .threads
        .unwrap_or_else(rayon::current_num_threads)
        .max(1);
    Ok(Plan {
        spec,
        info,
        points,
        dir,
        done_before: done.len() as u64,
        mine,
        pending,
        threads,
        shard_source,
    })
}

/// Run the pending points on `plan.threads` threads, writing each point's file when it is
/// done and calling `done` after. Once `stop` is set no point starts; those running finish
/// and are written. The results do not depend on the number of threads.
pub fn execute(
    plan: &Plan,
    stop: &AtomicBool,
    done: &(dyn Fn() + Sync),
) -> Result<Executed, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .map_err(|e| Error::Internal(format!("starting {} threads: {e}", plan.threads)))?;
    let ran = std::sync::atomic::AtomicU64::new(0);
    let points_dir = plan.dir.join("points");
    let result = pool.install(|| {
        plan.pending.par_iter().try_for_each(|&i| {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let file = run_point(&plan.spec, &plan.points[i as usize], &plan.info.id)?;
            write_json(&point_path(&points_dir, i), &file)?;
            ran.fetch_add(1, Ordering::SeqCst);
            done();
            Ok::<(), Error>(())
        })
    });
    result?;
    let ran = ran.load(Ordering::SeqCst);
    Ok(Executed {
        ran,
        stopped: ran < plan.pending.len() as u64,
    })
}

/// Run every replica of one point (replicas in parallel too, collected in order).
pub fn run_point(spec: &Spec, point: &Point, sweep_id: &str) -> Result<PointFile, Error> {
    let (table, trails) = apply(spec, point)?;
    let replicas = (0..spec.replicas)
        .into_par_iter()
        .map(|r| {
            let seed = replica_seed(spec.seed, r);
            let scenario = scenario_of(spec, &table, point, &trails, seed)?;
            let s = crate::study::sweep_replica(&scenario, r)?;
            Ok(ReplicaRecord {
                replica: r,
                seed,
                metrics: Metrics::of(&s),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(PointFile {
        format_version: POINT_FORMAT_VERSION,
        sweep_id: sweep_id.to_string(),
        point: point.index,
        params: params_of(spec, point),
        replicas,
    })
}

pub fn params_of(spec: &Spec, point: &Point) -> BTreeMap<String, Param> {
    spec.axes
        .iter()
        .zip(&point.values)
        .map(|(a, v)| (a.name.clone(), v.clone()))
        .collect()
}

/// The base's table with the point's values set; and per axis the concrete paths it set.
fn apply(spec: &Spec, point: &Point) -> Result<(toml::Table, Vec<Vec<String>>), Error> {
    let mut table = spec.base_table.clone();
    let mut trails = Vec::with_capacity(spec.axes.len());
    for (k, (axis, v)) in spec.axes.iter().zip(&point.values).enumerate() {
        let set = super::edit::set(&mut table, &axis.path, v).map_err(|m| {
            spec.axis_error(
                k,
                format!("point {} ({} = {v}): {m}", point.index, axis.name),
            )
        })?;
        trails.push(set);
    }
    Ok((table, trails))
}

/// Compile the point's scenario with the replica's seed, and without a time series: a sweep
/// writes none, and keeping one per running point would cost memory in proportion to the
/// horizon. An invalid scenario is reported at the sweep file's axis whose field the
/// scenario's error names (or at `base`).
fn scenario_of(
    spec: &Spec,
    table: &toml::Table,
    point: &Point,
    trails: &[Vec<String>],
    seed: u64,
) -> Result<Scenario, Error> {
    // Without a time series, but where a carbon intensity trace needs it (docs/SWEEP.md).
    let traced = table
        .get("energy")
        .and_then(|e| e.get("carbon_intensity"))
        .is_some_and(toml::Value::is_table);
    let options = scenario::Options {
        seed: Some(seed),
        recording: Some(scenario::Recording {
            timeseries: traced,
            timeseries_csv: false,
        }),
        traces: Some(&spec.traces),
    };
    let text = toml::to_string(table)
        .map_err(|e| Error::Internal(format!("writing point {}'s scenario: {e}", point.index)))?;
    scenario::load_str_with(&spec.base_file, &text, &options).map_err(|e| match e {
        Error::Input(se) => point_error(spec, point, trails, &se),
        other => other,
    })
}

fn point_error(spec: &Spec, point: &Point, trails: &[Vec<String>], se: &ScenarioError) -> Error {
    let field = without_names(&se.field);
    let axis = trails.iter().position(|ts| {
        ts.iter()
            .any(|t| field.starts_with(t.as_str()) || (!field.is_empty() && t.starts_with(&field)))
    });
    let params: Vec<String> = spec
        .axes
        .iter()
        .zip(&point.values)
        .map(|(a, v)| format!("{} = {v}", a.name))
        .collect();
    let msg = format!(
        "point {} ({}) makes an invalid scenario: {}{}: {}",
        point.index,
        params.join(", "),
        spec.base_name,
        if se.field.is_empty() {
            String::new()
        } else {
            format!(": {}", se.field)
        },
        se.message
    );
    match axis {
        Some(k) => spec.axis_error(k, msg),
        None => spec.base_error(msg),
    }
}

/// `policies[0] (sd).compartments[1] (vp).policy` → `policies[0].compartments[1].policy`.
fn without_names(field: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        if depth == 0 && c == ' ' && chars.peek() == Some(&'(') {
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Inputs and identity

/// Hash the sweep file, the base and every trace file named by a `trace` key in the base or
/// set by an axis whose field is `trace`.
fn hash_inputs(spec: &Spec) -> Result<Inputs, Error> {
    let base_dir = spec
        .base_file
        .parent()
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let mut named = BTreeMap::new();
    collect_traces(&toml::Value::Table(spec.base_table.clone()), &mut |p| {
        named.insert(p.to_string(), None);
    });
    for (k, a) in spec.axes.iter().enumerate() {
        if a.path.leaf() == "trace"
            && let super::spec::Domain::Values(vs) = &a.domain
        {
            for v in vs {
                if let Param::Text(p) = v {
                    named.insert(p.clone(), Some(k));
                }
            }
        }
    }
    let mut traces = Vec::new();
    for (path, axis) in named {
        let full = base_dir.join(&path);
        let bytes = read_all(&full).map_err(|e| match axis {
            Some(k) => spec.axis_error(k, format!("cannot read the trace {}: {e}", full.display())),
            None => Error::io(&full, e),
        })?;
        traces.push(TraceHash {
            path,
            sha256: sha256_hex(&bytes),
        });
    }
    Ok(Inputs {
        sweep_file: spec.file.display().to_string(),
        sweep_sha256: sha256_hex(spec.text.as_bytes()),
        base_file: spec.base_file.display().to_string(),
        base_sha256: sha256_hex(spec.base_text.as_bytes()),
        traces,
    })
}

/// The sweep's id: the hashes of its inputs (not their paths: a folder moved or a sweep
/// started from another directory is the same sweep) and the vsesim version.
fn identity(inputs: &Inputs) -> String {
    let mut text = format!(
        "vsesim sweep\nversion {}\nsweep {}\nbase {}\n",
        env!("CARGO_PKG_VERSION"),
        inputs.sweep_sha256,
        inputs.base_sha256
    );
    for t in &inputs.traces {
        text.push_str(&format!("trace {} {}\n", t.path, t.sha256));
    }
    sha256_hex(text.as_bytes())
}

/// What differs between two folders' inputs, in words.
pub fn differences(old: &SweepInfo, new: &SweepInfo) -> Vec<String> {
    let mut out = Vec::new();
    if old.inputs.sweep_sha256 != new.inputs.sweep_sha256 {
        out.push(format!("the sweep file {} changed", new.inputs.sweep_file));
    }
    if old.inputs.base_sha256 != new.inputs.base_sha256 {
        out.push(format!(
            "the base scenario {} changed",
            new.inputs.base_file
        ));
    }
    if old.inputs.traces != new.inputs.traces {
        let names = |i: &SweepInfo| {
            i.inputs
                .traces
                .iter()
                .map(|t| (t.path.clone(), t.sha256.clone()))
                .collect::<BTreeSet<_>>()
        };
        let (a, b) = (names(old), names(new));
        let changed: BTreeSet<&String> = a.symmetric_difference(&b).map(|t| &t.0).collect();
        out.push(format!(
            "trace files changed: {}",
            changed.into_iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if old.vsesim_version != new.vsesim_version {
        out.push(format!(
            "they came from vsesim {}, this is {}",
            old.vsesim_version, new.vsesim_version
        ));
    }
    if out.is_empty() && old.id != new.id {
        out.push("the sweep's id differs".into());
    }
    if old.shard != new.shard {
        let show = |s: Option<Shard>| {
            s.map_or("the whole sweep".to_string(), |s| {
                format!("shard {}/{}", s.k, s.n)
            })
        };
        out.push(format!(
            "they are {}, this run is {}",
            show(old.shard),
            show(new.shard)
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------
// The folder

pub fn point_path(points_dir: &Path, index: u64) -> PathBuf {
    points_dir.join(format!("p{index:06}.json"))
}

fn point_index(name: &str) -> Option<u64> {
    name.strip_prefix('p')?.strip_suffix(".json")?.parse().ok()
}

/// The earlier sweep.json, if any, and whether `--force` accepted other inputs. Refuses to
/// resume results of other inputs without `--force` or `--restart`.
fn check_folder(
    dir: &Path,
    info: &SweepInfo,
    resume: Resume,
) -> Result<(Option<SweepInfo>, bool), Error> {
    let json = dir.join("sweep.json");
    if resume == Resume::Restart {
        remove_all(dir)?;
        return Ok((None, false));
    }
    let has_points = list_points(&dir.join("points"))?.next().is_some();
    if !json.exists() {
        if has_points {
            return Err(Error::Usage(format!(
                "{}: holds point files but no sweep.json, so where they came from is unknown; rerun with --restart to discard them",
                dir.display()
            )));
        }
        return Ok((None, false));
    }
    let old: SweepInfo = read_json(&json).map_err(|m| {
        Error::Usage(format!(
            "{}: {m}; not a sweep folder of this vsesim: choose another -o, or rerun with --restart to replace it",
            json.display()
        ))
    })?;
    let diffs = differences(&old, info);
    if diffs.is_empty() {
        return Ok((Some(old), false));
    }
    match resume {
        Resume::Force => Ok((Some(old), true)),
        _ => Err(Error::Usage(format!(
            "{} holds results of another sweep: {}. Rerun with --restart to discard them, or with --force to keep the finished points whose parameters and seeds are unchanged (when you know the change does not alter results)",
            dir.display(),
            diffs.join("; ")
        ))),
    }
}

fn list_points(points_dir: &Path) -> Result<impl Iterator<Item = (u64, PathBuf)>, Error> {
    let entries: Vec<(u64, PathBuf)> = match std::fs::read_dir(points_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name();
                point_index(name.to_str()?).map(|i| (i, e.path()))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(points_dir, e)),
    };
    Ok(entries.into_iter())
}

/// The points of `mine` whose files are complete and belong to this sweep (or, forced, have
/// the same parameters and seeds). Leftover temporary files of a killed run are removed.
fn finished_points(
    dir: &Path,
    info: &SweepInfo,
    spec: &Spec,
    points: &[Point],
    mine: &[u64],
) -> Result<BTreeSet<u64>, Error> {
    let points_dir = dir.join("points");
    if let Ok(rd) = std::fs::read_dir(&points_dir) {
        for e in rd.filter_map(|e| e.ok()) {
            if e.file_name().to_string_lossy().ends_with(".tmp") {
                let p = e.path();
                std::fs::remove_file(&p).map_err(|err| Error::io(&p, err))?;
            }
        }
    }
    let mine: BTreeSet<u64> = mine.iter().copied().collect();
    let mut done = BTreeSet::new();
    for (i, path) in list_points(&points_dir)? {
        if !mine.contains(&i) {
            continue;
        }
        let Ok(file) = read_json::<PointFile>(&path) else {
            continue; // unreadable: run it again
        };
        let point = &points[i as usize];
        let same_run = file.point == i
            && file.params == params_of(spec, point)
            && file.replicas.len() as u64 == spec.replicas
            && file.replicas.iter().enumerate().all(|(r, rec)| {
                rec.replica == r as u64 && rec.seed == replica_seed(spec.seed, r as u64)
            });
        if same_run && (file.sweep_id == info.id || info.forced) {
            done.insert(i);
        }
    }
    Ok(done)
}

/// The tables, Pareto front and charts: removed when they no longer describe the folder.
const OUTPUTS: [&str; 9] = [
    "results.parquet",
    "results.csv",
    "summary.parquet",
    "summary.csv",
    "pareto.csv",
    "pareto.json",
    "report.txt",
    "report.html",
    "charts",
];

fn remove_outputs(dir: &Path) -> Result<(), Error> {
    for name in OUTPUTS {
        let p = dir.join(name);
        if name == "charts" {
            if p.is_dir() {
                for e in std::fs::read_dir(&p).map_err(|e| Error::io(&p, e))? {
                    let f = e.map_err(|e| Error::io(&p, e))?.path();
                    if f.extension().is_some_and(|x| x == "png" || x == "svg") {
                        std::fs::remove_file(&f).map_err(|e| Error::io(&f, e))?;
                    }
                }
            }
        } else if p.exists() {
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// `--restart`: remove what a sweep writes (and nothing else) from its folder.
fn remove_all(dir: &Path) -> Result<(), Error> {
    remove_outputs(dir)?;
    let points_dir = dir.join("points");
    if points_dir.is_dir() {
        for e in std::fs::read_dir(&points_dir).map_err(|e| Error::io(&points_dir, e))? {
            let p = e.map_err(|e| Error::io(&points_dir, e))?.path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if point_index(&name).is_some() || name.ends_with(".tmp") {
                std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
            }
        }
    }
    let json = dir.join("sweep.json");
    if json.exists() {
        std::fs::remove_file(&json).map_err(|e| Error::io(&json, e))?;
    }
    Ok(())
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("unreadable: {e}"))
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::Internal(format!("encoding {}: {e}", path.display())))?;
    bytes.push(b'\n');
    report::write_atomic(path, &bytes)
}

/// Read the point files of `indices` from `dir/points`, each checked against `info`.
pub fn read_points(dir: &Path, info: &SweepInfo, indices: &[u64]) -> Result<Vec<PointFile>, Error> {
    let points_dir = dir.join("points");
    indices
        .iter()
        .map(|&i| {
            let path = point_path(&points_dir, i);
            let file: PointFile = read_json(&path).map_err(|m| {
                Error::Usage(format!("{}: {m}; run the sweep again to redo this point", path.display()))
            })?;
            if file.point != i || file.replicas.len() as u64 != info.replicas {
                return Err(Error::Usage(format!(
                    "{}: holds point {} with {} replicas; expected point {i} with {}",
                    path.display(),
                    file.point,
                    file.replicas.len(),
                    info.replicas
                )));
            }
            if file.sweep_id != info.id && !info.forced {
                return Err(Error::Usage(format!(
                    "{}: comes from another sweep (id {}, expected {}); rerun the sweep with --restart or --force",
                    path.display(),
                    file.sweep_id,
                    info.id
                )));
            }
            Ok(file)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_points() {
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for i in 0..20u64 {
            assert_eq!(shards.iter().filter(|s| s.holds(i)).count(), 1);
        }
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { k: 2, n: 8 }));
        for bad in ["0/3", "4/3", "1/0", "x", "1-3", "1/3/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn field_names_are_dropped_to_match_paths() {
        assert_eq!(
            without_names("policies[0] (sd).compartments[1] (vp-a (x)).policy.owned"),
            "policies[0].compartments[1].policy.owned"
        );
        assert_eq!(without_names("scenario.horizon"), "scenario.horizon");
    }

    #[test]
    fn point_files_are_named_by_index() {
        assert_eq!(point_path(Path::new("p"), 42), Path::new("p/p000042.json"));
        assert_eq!(point_index("p000042.json"), Some(42));
        assert_eq!(point_index("p1234567.json"), Some(1_234_567));
        assert_eq!(point_index("p000042.json.tmp"), None);
        assert_eq!(point_index("sweep.json"), None);
    }

    /// A sweep of three points and two replicas compiles its scenario seven times (the base,
    /// then each replica of each point) against one trace file; the trace is read once, by
    /// the base. (The file must stay: the compiler checks it exists and knows it by its
    /// identity, so that a file rewritten during a sweep is read again.)
    #[test]
    fn a_sweep_reads_each_trace_once() {
        let dir = std::env::temp_dir().join(format!("vsesim-sweep-traces-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("t.csv"), "time_s,a\n0,1\n300,2\n600,3\n").unwrap();
        std::fs::write(
            dir.join("base.toml"),
            "[scenario]\nname = \"b\"\nhorizon = \"15m\"\nseed = 1\n\n\
             [[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n\n\
             [[workloads]]\nname = \"a\"\npartition = \"sd\"\ntrace = \"t.csv\"\nunits = \"cores\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("sweep.toml"),
            "[sweep]\nbase = \"base.toml\"\nreplicas = 2\nseed = 7\n\n\
             [[axes]]\nname = \"cells\"\npath = \"servers[name=sd].cells\"\nvalues = [1, 2, 3]\n",
        )
        .unwrap();
        let spec = Spec::load(&dir.join("sweep.toml")).unwrap();
        assert_eq!(spec.traces.reads(), 1);
        let points = points::all(&spec);
        assert_eq!(points.len(), 3);
        for p in &points {
            let file = run_point(&spec, p, "id").unwrap();
            assert_eq!(file.replicas.len(), 2);
        }
        assert_eq!(spec.traces.reads(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
