//! One run split across machines by islands (`vsesim run SCENARIO --shard K/N`, then
//! `vsesim merge`).
//!
//! A run on one machine forms the scenario's islands into at most `sim::island::CHUNKS`
//! chunks, runs each chunk alone, and merges the chunks' records in chunk order
//! (`sim::island`). A shard runs the chunks c with c mod N = K − 1, exactly as the one-machine
//! run would run them, and writes their records (`sim::Outcome`, every float by its bits:
//! [`codec`]) into `DIR/part-K-of-N/`. The merge reads every part, checks they come from the
//! same scenario, traces and vsesim and cover every chunk once, merges the records with the
//! one-machine run's own merge, and writes the run folder from the merged records with the
//! one-machine run's own code. So nothing is summed or recomputed here: every figure, sums
//! over islands as well as the percentiles, the datacenter's totals and the study-level
//! planning answers, comes from the same records by the same code, and the folder is byte for
//! byte the one-machine run's (but run.json's timings).
//!
//! A scenario whose islands make one chunk (one island, or everything coupled) cannot be
//! split: shard 1 runs it whole and the other shards hold nothing.

pub mod codec;

use crate::Error;
use crate::sim::{self, Outcome, island, metrics::Recording};
use crate::sweep::Shard;
use crate::world::Scenario;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped when a field of part.json changes meaning.
pub const PART_FORMAT_VERSION: u32 = 1;

/// `part.json`: which scenario and which chunks a part folder holds. Written last, so a
/// folder with part.json holds a complete part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartInfo {
    pub format_version: u32,
    pub codec_version: u32,
    pub scenario_name: String,
    /// As given on the command line (the merge reads the scenario there).
    pub scenario_file: String,
    /// SHA-256 over the scenario file, every trace it names and the vsesim version.
    pub id: String,
    pub vsesim_version: String,
    pub shard: Shard,
    /// Chunks of the whole run.
    pub chunks_total: u64,
    /// This part's chunks, ascending, each with its servers (by name).
    pub chunks: Vec<ChunkInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkInfo {
    pub index: u64,
    pub servers: Vec<String>,
}

/// Chunks' records, each with its chunk's index.
pub type ChunkOutcomes = Vec<(u64, Outcome)>;

/// Part folders and what their part.json says.
pub type Parts = Vec<(PathBuf, PartInfo)>;

/// The chunks of `scenario` as the one-machine run forms them: each a list of servers.
pub fn chunks(scenario: &Scenario) -> Vec<Vec<u32>> {
    island::chunks(scenario, island::partition(scenario))
}

/// Run shard `shard`'s chunks (in parallel on the caller's rayon pool), as the one-machine run
/// runs them: the default options (every record, replica 0's failures).
pub fn run_part(
    scenario: &Scenario,
    shard: Shard,
) -> Result<(Vec<Vec<u32>>, ChunkOutcomes), Error> {
    let recording = Recording::Full;
    let outages = sim::outages(scenario, 0);
    let all = chunks(scenario);
    let mine: Vec<u64> = (0..all.len() as u64).filter(|&c| shard.holds(c)).collect();
    if all.len() <= 1 {
        // One chunk: the one-machine run runs the scenario whole, not a carved island.
        let out = if mine.is_empty() {
            Vec::new()
        } else {
            vec![(
                0,
                sim::run_alone(scenario, recording, outages, &mut |_| {})?,
            )]
        };
        return Ok((all, out));
    }
    let outcomes = mine
        .par_iter()
        .map(|&c| {
            let island = island::carve(scenario, &all[c as usize]);
            let mut local = vec![u32::MAX; scenario.ha.failures.len()];
            for (l, &g) in island.failures.iter().enumerate() {
                local[g as usize] = l as u32;
            }
            let theirs = outages
                .iter()
                .filter(|(k, _)| local[*k as usize] != u32::MAX)
                .map(|&(k, o)| (local[k as usize], o))
                .collect();
            let out = sim::run_alone(&island.scenario, recording, theirs, &mut |_| {})?;
            Ok((c, out))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok((all, outcomes))
}

/// The whole run's records from every chunk's (`parts` in any order, each chunk once).
pub fn assemble(scenario: &Scenario, parts: ChunkOutcomes) -> Result<Outcome, Error> {
    let all = chunks(scenario);
    let mut merger = Merger::new(scenario, &all, false);
    for (c, o) in parts {
        merger.add(c, o)?;
    }
    Ok(merger.finish()?.0)
}

/// The quantiles the summary reports of a workload's utilization distribution (CPU, memory,
/// disk, network): p50, p95, p99 and p99.9 (`report::summary`'s `usage`).
pub const QUANTILES: [f64; 4] = [0.50, 0.95, 0.99, 0.999];

/// Each workload's reported quantiles of its four distributions, kept by the lean merge in
/// place of their histograms: 16 numbers a workload against a histogram's 8,000 bytes, which
/// at 10⁶ workloads is the difference between 0.13 and 8 GB. NaN where the run kept no such
/// distribution (its figure is then not reported).
pub struct WorkloadQuantiles {
    values: Vec<f64>,
}

const PER_WORKLOAD: usize = 4 * QUANTILES.len();

impl WorkloadQuantiles {
    /// Put the kept quantiles into the summary the merged records gave: its workloads'
    /// figures were computed without histograms, and are replaced by the ones computed, by
    /// the same `Dist::quantile`, from the chunk's records before they were dropped.
    pub fn restore(&self, summary: &mut crate::report::summary::Summary) {
        use crate::report::summary::Utilization;
        let put = |u: &mut Utilization, q: &[f64]| {
            if q[0].is_nan() {
                return;
            }
            u.p50 = q[0];
            u.p95 = q[1];
            u.p99 = q[2];
            u.p99_9 = q[3];
        };
        for (g, w) in summary.workloads.iter_mut().enumerate() {
            let q = &self.values[g * PER_WORKLOAD..(g + 1) * PER_WORKLOAD];
            let n = QUANTILES.len();
            put(&mut w.usage.cpu_utilization, &q[..n]);
            put(&mut w.usage.memory.utilization, &q[n..2 * n]);
            if let Some(u) = &mut w.usage.disk.utilization {
                put(u, &q[2 * n..3 * n]);
            }
            if let Some(u) = &mut w.usage.network.utilization {
                put(u, &q[3 * n..]);
            }
        }
    }
}

/// The merge of chunks' records, one chunk at a time: a chunk's records are
/// placed as soon as they are read, and the carved island is kept only for its index maps,
/// so the merge never holds a second copy of the scenario nor every part's records at once.
/// Lean, it also drops the workloads' histograms once their quantiles are kept
/// ([`WorkloadQuantiles`]); the servers' and partitions' are kept whole (the planning
/// answers read them at the scenario's own percentiles).
pub struct Merger<'s> {
    scenario: &'s Scenario,
    all: &'s [Vec<u32>],
    lean: bool,
    islands: Vec<(u64, island::Island, Outcome)>,
    quantiles: Vec<f64>,
    /// An empty island's scenario, standing in for each carved one.
    empty: Scenario,
    whole: Option<Outcome>,
    seen: Vec<bool>,
}

impl<'s> Merger<'s> {
    pub fn new(scenario: &'s Scenario, all: &'s [Vec<u32>], lean: bool) -> Self {
        let nw = scenario.model.workloads.len();
        Merger {
            scenario,
            all,
            lean,
            islands: Vec::new(),
            quantiles: if lean {
                vec![f64::NAN; nw * PER_WORKLOAD]
            } else {
                Vec::new()
            },
            empty: island::carve(scenario, &[]).scenario,
            whole: None,
            seen: vec![false; all.len().max(1)],
        }
    }

    /// Chunk `c`'s records, chunks in any order, each once.
    pub fn add(&mut self, c: u64, mut o: Outcome) -> Result<(), Error> {
        let name = &self.scenario.name;
        match self.seen.get_mut(c as usize) {
            Some(seen @ false) => *seen = true,
            _ => {
                return Err(Error::Usage(format!(
                    "the parts hold chunk {c} of `{name}` twice or beyond its chunks; expected each of 0..{} once",
                    self.seen.len()
                )));
            }
        }
        if self.all.len() <= 1 {
            // One chunk: the one-machine run runs the scenario whole, not a carved island.
            let ids: Vec<u32> = (0..self.scenario.model.workloads.len() as u32).collect();
            self.keep(&mut o, &ids);
            self.whole = Some(o);
            return Ok(());
        }
        let mut island = island::carve(self.scenario, &self.all[c as usize]);
        island.scenario = self.empty.clone();
        // The island merge places records by index: sizes that do not match are refused
        // here rather than panicking there.
        if o.workloads.demand_cms.len() != island.workloads.len()
            || o.nodes.demand_cms.len() != island.nodes.len()
            || o.domains.len() != island.domains.len()
            || o.wlm.len() != island.wlm.len()
            || o.ticap.len() != island.pricing.len()
            || o.group_ticap.len() != island.gicap.len()
            || o.ha.packages.len() != island.packages.len()
        {
            return Err(Error::Usage(format!(
                "chunk {c} of `{name}`: its records do not fit its islands ({} workloads and {} nodes recorded, {} and {} expected); run its part again",
                o.workloads.demand_cms.len(),
                o.nodes.demand_cms.len(),
                island.workloads.len(),
                island.nodes.len()
            )));
        }
        self.keep(&mut o, &island.workloads);
        self.islands.push((c, island, o));
        Ok(())
    }

    /// Lean: keep the reported quantiles of the workloads of `o` (global ids `ids`) and drop
    /// their histograms.
    fn keep(&mut self, o: &mut Outcome, ids: &[u32]) {
        if !self.lean {
            return;
        }
        let m = &mut o.workloads;
        for (d, dist) in [&mut m.cpu, &mut m.memory, &mut m.disk, &mut m.network]
            .into_iter()
            .enumerate()
        {
            if dist.is_empty() {
                continue;
            }
            dist.flush();
            for (l, &g) in ids.iter().enumerate() {
                let at = g as usize * PER_WORKLOAD + d * QUANTILES.len();
                for (k, &q) in QUANTILES.iter().enumerate() {
                    self.quantiles[at + k] = dist.quantile(l, q);
                }
                dist.hist[l] = None;
            }
        }
    }

    /// The whole run's records, once every chunk is in; lean, with the workloads' quantiles.
    pub fn finish(self) -> Result<(Outcome, WorkloadQuantiles), Error> {
        let have: Vec<usize> = (0..self.seen.len()).filter(|&c| self.seen[c]).collect();
        if have.len() != self.seen.len() {
            return Err(Error::Usage(format!(
                "the parts hold chunks {have:?} of {}; expected each of 0..{} once",
                self.scenario.name,
                self.seen.len()
            )));
        }
        let quantiles = WorkloadQuantiles {
            values: self.quantiles,
        };
        let mut islands = self.islands;
        islands.sort_by_key(|i| i.0);
        let outcome = match self.whole {
            Some(o) => o,
            None => island::merge(
                self.scenario,
                Recording::Full,
                islands.into_iter().map(|(_, i, o)| (i, o)).collect(),
            ),
        };
        Ok((outcome, quantiles))
    }
}

/// The part's identity: the scenario's bytes, every trace file it names, and the version.
pub fn identity(scenario_file: &Path) -> Result<String, Error> {
    let text = std::fs::read(scenario_file).map_err(|e| Error::io(scenario_file, e))?;
    let mut id = format!(
        "vsesim run part\nversion {}\nscenario {}\n",
        env!("CARGO_PKG_VERSION"),
        crate::scenario::inputs::sha256_hex(&text)
    );
    let dir = scenario_file.parent().unwrap_or(Path::new(""));
    let mut traces = std::collections::BTreeSet::new();
    if let Ok(value) = String::from_utf8_lossy(&text).parse::<toml::Table>() {
        crate::scenario::inputs::collect_traces(&toml::Value::Table(value), &mut |p| {
            traces.insert(p.to_string());
        });
    }
    for t in traces {
        let full = dir.join(&t);
        let bytes = crate::scenario::inputs::read_all(&full).map_err(|e| Error::io(&full, e))?;
        id += &format!(
            "trace {t} {}\n",
            crate::scenario::inputs::sha256_hex(&bytes)
        );
    }
    Ok(crate::scenario::inputs::sha256_hex(id.as_bytes()))
}

/// Write a part folder: outcome.bin (each chunk's index and records), then part.json.
pub fn write_part(
    dir: &Path,
    scenario: &Scenario,
    scenario_file: &Path,
    shard: Shard,
    all: &[Vec<u32>],
    id: String,
    outcomes: ChunkOutcomes,
) -> Result<PartInfo, Error> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let json = dir.join("part.json");
    if json.exists() {
        std::fs::remove_file(&json).map_err(|e| Error::io(&json, e))?;
    }
    let held: Vec<u64> = outcomes.iter().map(|(c, _)| *c).collect();
    // Chunk by chunk, each chunk's records freed once written: the encoded part (2.3 GB for a
    // quarter of 10⁶ workloads) is never in memory whole beside the records it encodes.
    crate::report::write_atomic_with(&dir.join("outcome.bin"), |tmp| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(tmp)
            .map_err(|e| Error::io(tmp, e))?;
        let mut file = std::io::BufWriter::new(file);
        let mut w = codec::Writer::default();
        w.u32(codec::FORMAT_VERSION);
        w.len(outcomes.len());
        for (c, mut o) in outcomes {
            w.u64(c);
            codec::encode(&mut w, &mut o);
            drop(o);
            file.write_all(&w.bytes).map_err(|e| Error::io(tmp, e))?;
            w.bytes = Vec::new();
        }
        file.write_all(&w.bytes)
            .and_then(|()| file.flush())
            .map_err(|e| Error::io(tmp, e))
    })?;
    let name = |s: u32| scenario.model.nodes[s as usize].name.clone();
    let info = PartInfo {
        format_version: PART_FORMAT_VERSION,
        codec_version: codec::FORMAT_VERSION,
        scenario_name: scenario.name.clone(),
        scenario_file: scenario_file.display().to_string(),
        id,
        vsesim_version: env!("CARGO_PKG_VERSION").to_string(),
        shard,
        chunks_total: all.len() as u64,
        chunks: held
            .iter()
            .map(|&c| ChunkInfo {
                index: c,
                servers: all[c as usize].iter().map(|&s| name(s)).collect(),
            })
            .collect(),
    };
    crate::sweep::run::write_json(&json, &info)?;
    Ok(info)
}

/// The folder name of part K of N.
pub fn folder(shard: Shard) -> String {
    format!("part-{}-of-{}", shard.k, shard.n)
}

/// True when `dir` is a part folder or holds part folders: `vsesim merge` then merges a run.
pub fn is_parts(dir: &Path) -> bool {
    dir.join("part.json").is_file() || !part_dirs(dir).is_empty()
}

fn part_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("part-") && n.contains("-of-"))
                        && p.join("part.json").is_file()
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The parts named (a part folder, or a folder holding part folders), checked to be one
/// split of one scenario with every part once; and the folder holding them.
pub fn read_parts(dirs: &[PathBuf]) -> Result<(Parts, Option<PathBuf>), Error> {
    let mut found = Vec::new();
    for d in dirs {
        if d.join("part.json").is_file() {
            found.push(d.clone());
        } else {
            let inner = part_dirs(d);
            if inner.is_empty() {
                return Err(Error::Usage(format!(
                    "{}: no part.json and no part-K-of-N folders; expected the output of `vsesim run SCENARIO --shard K/N`",
                    d.display()
                )));
            }
            found.extend(inner);
        }
    }
    let mut parts = Vec::new();
    for d in found {
        let json = d.join("part.json");
        let info: PartInfo = crate::sweep::run::read_json(&json).map_err(|m| {
            Error::Usage(format!(
                "{}: {m}; not written by `vsesim run --shard`",
                json.display()
            ))
        })?;
        parts.push((d, info));
    }
    let (d0, first) = &parts[0];
    let root = |d: &Path| match d.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ => ".".to_string(),
    };
    for (d, p) in &parts[1..] {
        if p.id != first.id || p.vsesim_version != first.vsesim_version {
            return Err(Error::Usage(format!(
                "{} and {} come from different runs (scenario, traces or vsesim differ); merge only the parts of one run",
                d0.display(),
                d.display()
            )));
        }
        if p.shard.n != first.shard.n {
            return Err(Error::Usage(format!(
                "{} is part {}/{} but {} is part {}/{}; merge the parts of one split",
                d0.display(),
                first.shard.k,
                first.shard.n,
                d.display(),
                p.shard.k,
                p.shard.n
            )));
        }
    }
    let n = first.shard.n;
    let mut by_k: Vec<Option<&PathBuf>> = vec![None; n as usize];
    for (d, p) in &parts {
        let slot = &mut by_k[(p.shard.k - 1) as usize];
        if let Some(other) = slot {
            return Err(Error::Usage(format!(
                "part {}/{n} is given twice: {} and {}",
                p.shard.k,
                other.display(),
                d.display()
            )));
        }
        *slot = Some(d);
    }
    let missing: Vec<String> = by_k
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "part{} {} of `{}` {} missing; run `vsesim run {} --shard K/{n} -o {}` for each and merge all {n}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            first.scenario_name,
            if missing.len() == 1 { "is" } else { "are" },
            first.scenario_file,
            root(d0)
        )));
    }
    let parent = d0.parent().map(Path::to_path_buf);
    let common = parts.iter().all(|(d, _)| d.parent() == parent.as_deref());
    Ok((parts, if common { parent } else { None }))
}

/// Read the records of a part folder.
pub fn read_outcomes(dir: &Path) -> Result<ChunkOutcomes, Error> {
    let mut out = Vec::new();
    read_outcomes_each(dir, &mut |c, o| {
        out.push((c, o));
        Ok(())
    })?;
    Ok(out)
}

/// Read the records of a part folder chunk by chunk, each handed to `each` as soon as it is
/// decoded (the merge then holds one chunk's full records at a time).
pub fn read_outcomes_each(
    dir: &Path,
    each: &mut dyn FnMut(u64, Outcome) -> Result<(), Error>,
) -> Result<(), Error> {
    let path = dir.join("outcome.bin");
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    // What to run again, folder included: the part's own part.json says which scenario and
    // which part it is (a part.json that cannot be read leaves the command generic).
    let again = crate::sweep::run::read_json::<PartInfo>(&dir.join("part.json")).map_or_else(
        |_| "vsesim run … --shard K/N -o …".to_string(),
        |p| {
            let root = match dir.parent() {
                Some(r) if !r.as_os_str().is_empty() => r.display().to_string(),
                _ => ".".to_string(),
            };
            format!(
                "vsesim run {} --shard {}/{} -o {root}",
                p.scenario_file, p.shard.k, p.shard.n
            )
        },
    );
    let bad = |m: String| {
        Error::Usage(format!(
            "{}: {m}; run the part again (`{again}`) and merge again",
            path.display()
        ))
    };
    let mut r = codec::Reader::new(&bytes);
    let version = r.u32().map_err(bad)?;
    if version != codec::FORMAT_VERSION {
        return Err(bad(format!(
            "records in format {version}, this vsesim reads {}",
            codec::FORMAT_VERSION
        )));
    }
    let n = r.len(8).map_err(bad)?;
    for _ in 0..n {
        let c = r.u64().map_err(bad)?;
        each(c, codec::decode(&mut r).map_err(bad)?)?;
    }
    r.done().map_err(bad)
}
