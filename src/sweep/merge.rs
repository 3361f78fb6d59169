//! `vsesim merge`: the folders of a sharded sweep's shards combined into one, as if the sweep
//! had run on one machine. It checks that the shards come from the same sweep (the same id:
//! the same sweep file, base, traces and vsesim version), that each shard 1..N is there once,
//! and that every point's file is present; then it copies the point files and writes the tables,
//! the Pareto front and the charts with the same code as an unsharded sweep, so the tables are
//! byte for byte those of the sweep run whole.

use super::run::{self, Shard, SweepInfo};
use super::{Finished, write_outputs};
use crate::Error;
use std::path::{Path, PathBuf};

/// One shard's folder and what it says it holds.
struct ShardDir {
    dir: PathBuf,
    info: SweepInfo,
    shard: Shard,
}

/// Merge the shards in `dirs` (each a shard's folder, or a folder holding `shard-K-of-N`
/// folders) into `output` (default: the folder holding the shards).
pub fn merge(dirs: &[PathBuf], output: Option<PathBuf>) -> Result<Finished, Error> {
    let shards = expand(dirs)?;
    let first = &shards[0];
    for s in &shards[1..] {
        let diffs: Vec<String> = run::differences(&first.info, &s.info)
            .into_iter()
            .filter(|d| !d.starts_with("they are shard"))
            .collect();
        if !diffs.is_empty() || s.info.id != first.info.id {
            return Err(Error::Usage(format!(
                "{} and {} come from different sweeps ({}); merge only shards of one sweep",
                first.dir.display(),
                s.dir.display(),
                if diffs.is_empty() {
                    "their ids differ".to_string()
                } else {
                    diffs.join("; ")
                }
            )));
        }
        if s.shard.n != first.shard.n {
            return Err(Error::Usage(format!(
                "{} is shard {}/{} but {} is shard {}/{}; merge the shards of one split",
                first.dir.display(),
                first.shard.k,
                first.shard.n,
                s.dir.display(),
                s.shard.k,
                s.shard.n
            )));
        }
    }
    let n = first.shard.n;
    // The folder the shards write under: what `-o` must name to finish or redo one.
    let root = root_of(&first.dir);
    let mut by_k: Vec<Option<&ShardDir>> = vec![None; n as usize];
    for s in &shards {
        let slot = &mut by_k[(s.shard.k - 1) as usize];
        if let Some(other) = slot {
            return Err(Error::Usage(format!(
                "shard {}/{n} is given twice: {} and {}",
                s.shard.k,
                other.dir.display(),
                s.dir.display()
            )));
        }
        *slot = Some(s);
    }
    let missing: Vec<String> = by_k
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "shard{} {} of `{}` {} missing; run `vsesim sweep {} --shard K/{n} -o {root}` for each and merge all {n}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            first.info.name,
            if missing.len() == 1 { "is" } else { "are" },
            first.info.inputs.sweep_file
        )));
    }

    // Every point of each shard must be there.
    let mut files = Vec::with_capacity(first.info.points as usize);
    for s in by_k.into_iter().flatten() {
        let indices: Vec<u64> = (0..s.info.points).filter(|&i| s.shard.holds(i)).collect();
        let absent: Vec<u64> = indices
            .iter()
            .copied()
            .filter(|&i| !run::point_path(&s.dir.join("points"), i).is_file())
            .collect();
        if !absent.is_empty() {
            let shown: Vec<String> = absent.iter().take(10).map(u64::to_string).collect();
            return Err(Error::Usage(format!(
                "shard {}/{n} ({}) lacks {} of its {} points ({}{}); finish it with `vsesim sweep {} --shard {}/{n} -o {}` and merge again",
                s.shard.k,
                s.dir.display(),
                absent.len(),
                indices.len(),
                shown.join(", "),
                if absent.len() > 10 { ", …" } else { "" },
                s.info.inputs.sweep_file,
                s.shard.k,
                root_of(&s.dir)
            )));
        }
        files.extend(run::read_points(&s.dir, &s.info, &indices)?);
    }
    files.sort_by_key(|f| f.point);
    if let Some(w) = files.windows(2).find(|w| w[0].point == w[1].point) {
        return Err(Error::Internal(format!(
            "point {} is in two shards",
            w[0].point
        )));
    }
    if files.len() as u64 != first.info.points {
        return Err(Error::Internal(format!(
            "the shards hold {} points of {}",
            files.len(),
            first.info.points
        )));
    }

    let out = match output {
        Some(o) => o,
        None => common_parent(&shards).ok_or_else(|| {
            Error::Usage(
                "the shard folders are not all `shard-K-of-N` folders of one parent; name the merged folder with -o DIR".into(),
            )
        })?,
    };
    let mut info = first.info.clone();
    info.shard = None;
    info.complete = true;
    info.forced = shards.iter().any(|s| s.info.forced);
    info.merged_from = shards.iter().map(|s| s.dir.display().to_string()).collect();
    let json = out.join("sweep.json");
    if json.exists()
        && let Ok(old) = run::read_json::<SweepInfo>(&json)
        && (old.id != info.id)
    {
        return Err(Error::Usage(format!(
            "{} holds results of another sweep ({}); merge into another folder with -o",
            out.display(),
            run::differences(&old, &info).join("; ")
        )));
    }
    let points_dir = out.join("points");
    std::fs::create_dir_all(&points_dir).map_err(|e| Error::io(&points_dir, e))?;
    for s in &shards {
        for i in (0..s.info.points).filter(|&i| s.shard.holds(i)) {
            let from = run::point_path(&s.dir.join("points"), i);
            let bytes = std::fs::read(&from).map_err(|e| Error::io(&from, e))?;
            crate::report::write_atomic(&run::point_path(&points_dir, i), &bytes)?;
        }
    }
    write_outputs(&out, &info, &files)
}

/// The shard folders named, in the order given; a folder without sweep.json stands for the
/// `shard-*` folders inside it, in name order.
fn expand(dirs: &[PathBuf]) -> Result<Vec<ShardDir>, Error> {
    let mut out = Vec::new();
    for d in dirs {
        if d.join("sweep.json").is_file() && !has_shards(d) {
            out.push(shard_dir(d)?);
            continue;
        }
        let mut inner: Vec<PathBuf> = match std::fs::read_dir(d) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| is_shard_folder(p) && p.join("sweep.json").is_file())
                .collect(),
            Err(e) => {
                return Err(Error::Usage(format!(
                    "{}: {e}; expected a shard's folder (with sweep.json) or a folder holding shard-K-of-N folders",
                    d.display()
                )));
            }
        };
        if inner.is_empty() {
            return Err(Error::Usage(format!(
                "{}: no sweep.json and no shard-K-of-N folders; expected the output of `vsesim sweep … --shard K/N`",
                d.display()
            )));
        }
        inner.sort();
        for p in inner {
            out.push(shard_dir(&p)?);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage("name the shards' folders to merge".into()));
    }
    Ok(out)
}

/// The folder a shard folder sits in, as `-o` names it (`.` for a bare `shard-K-of-N`).
fn root_of(shard_dir: &Path) -> String {
    match shard_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ => ".".to_string(),
    }
}

fn has_shards(d: &Path) -> bool {
    std::fs::read_dir(d).is_ok_and(|rd| {
        rd.filter_map(|e| e.ok())
            .any(|e| is_shard_folder(&e.path()) && e.path().join("sweep.json").is_file())
    })
}

fn is_shard_folder(p: &Path) -> bool {
    p.is_dir()
        && p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("shard-") && n.contains("-of-"))
}

fn shard_dir(d: &Path) -> Result<ShardDir, Error> {
    let json = d.join("sweep.json");
    let info: SweepInfo = run::read_json(&json).map_err(|m| {
        Error::Usage(format!(
            "{}: {m}; not written by vsesim sweep",
            json.display()
        ))
    })?;
    let Some(shard) = info.shard else {
        return Err(Error::Usage(format!(
            "{} holds a whole sweep, not a shard; merge the folders `vsesim sweep … --shard K/N` wrote",
            d.display()
        )));
    };
    Ok(ShardDir {
        dir: d.to_path_buf(),
        info,
        shard,
    })
}

/// The folder holding every shard folder, when they are all `shard-K-of-N` siblings.
fn common_parent(shards: &[ShardDir]) -> Option<PathBuf> {
    let parent = shards[0].dir.parent()?.to_path_buf();
    shards
        .iter()
        .all(|s| is_shard_folder(&s.dir) && s.dir.parent() == Some(parent.as_path()))
        .then_some(parent)
}
