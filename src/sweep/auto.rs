//! `--shard auto`: a shard that finds its K and N in the batch scheduler's environment.
//!
//! - Slurm job arrays: K is `SLURM_ARRAY_TASK_ID`; N is `SLURM_ARRAY_TASK_COUNT` when the
//!   array is whole (tasks 1..N: `SLURM_ARRAY_TASK_MIN` = 1 and `SLURM_ARRAY_TASK_MAX` = the
//!   count, more than one task). A partial array (`sbatch --array=3 …` resubmitting one
//!   failed task, or `--array=2,5`) says nothing of the sweep's N, so N comes from the sweep
//!   folder's own record: the `shard-K-of-N` folders the first submission wrote.
//! - Kubernetes Indexed Jobs: K is `JOB_COMPLETION_INDEX` + 1; the pod is not told the Job's
//!   `completions`, so N comes from `--shard-count` (or `VSESIM_SHARD_COUNT`), else from the
//!   folder's record.
//!
//! The environment is read once, by the command line, into [`AutoShard`]; resolving it is a
//! pure function of that snapshot and the folder, tested without a scheduler.

use super::run::Shard;
use crate::Error;
use std::collections::BTreeSet;
use std::path::Path;

/// The variables `--shard auto` reads.
pub const VARIABLES: [&str; 6] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "JOB_COMPLETION_INDEX",
    "VSESIM_SHARD_COUNT",
];

/// What the scheduler told this process, and `--shard-count`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoShard {
    /// (name, value) of the [`VARIABLES`] that are set.
    pub env: Vec<(String, String)>,
    /// `--shard-count N`: the number of shards, for Kubernetes (its `completions`).
    pub count: Option<u64>,
}

impl AutoShard {
    /// The [`VARIABLES`] from this process's environment.
    pub fn from_env(count: Option<u64>) -> AutoShard {
        AutoShard {
            env: VARIABLES
                .iter()
                .filter_map(|v| std::env::var(v).ok().map(|x| (v.to_string(), x)))
                .collect(),
            count,
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    }

    /// A variable as a number, or an error naming it and its value.
    fn number(&self, name: &str) -> Result<Option<u64>, Error> {
        self.get(name)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    Error::Usage(format!(
                        "--shard auto: {name}={v:?} is not a whole number; expected the scheduler's task index"
                    ))
                })
            })
            .transpose()
    }
}

/// The shard this process runs, and in words where K and N came from (for the first line of
/// output and the logs). `root` is the sweep's folder (the shard folders' parent).
pub fn resolve(auto: &AutoShard, root: &Path) -> Result<(Shard, String), Error> {
    let count = match auto.count {
        Some(c) => Some((c, "--shard-count".to_string())),
        None => auto
            .number("VSESIM_SHARD_COUNT")?
            .map(|c| (c, "VSESIM_SHARD_COUNT".to_string())),
    };
    if let Some((0, from)) = &count {
        return Err(Error::Usage(format!(
            "--shard auto: {from} is 0; expected the number of shards (1 or more)"
        )));
    }
    let recorded = recorded_counts(root)?;
    let from_record = |k: u64, why: &str| -> Result<(u64, String), Error> {
        match recorded.len() {
            1 => {
                let n = *recorded.iter().next().unwrap_or(&1);
                Ok((n, format!("N from the shard folders in {}", root.display())))
            }
            0 => Err(Error::Usage(format!(
                "--shard auto: {why}, and {} holds no shard-K-of-N or part-K-of-N folder to take N from; run with --shard {k}/N -o {} and the first submission's N, or add --shard-count N",
                root.display(),
                root.display()
            ))),
            _ => Err(Error::Usage(format!(
                "--shard auto: {why}, and {} holds shards of {} splits (N = {}); remove the folders of the split you abandoned, or run with --shard {k}/N -o {}",
                root.display(),
                recorded.len(),
                recorded
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                root.display()
            ))),
        }
    };

    let (k, n, how) = if let Some(id) = auto.number("SLURM_ARRAY_TASK_ID")? {
        if id == 0 {
            return Err(Error::Usage(
                "--shard auto: SLURM_ARRAY_TASK_ID is 0, but shards count from 1; submit the array as --array=1-N".into(),
            ));
        }
        let task_count = auto.number("SLURM_ARRAY_TASK_COUNT")?;
        let min = auto.number("SLURM_ARRAY_TASK_MIN")?;
        let max = auto.number("SLURM_ARRAY_TASK_MAX")?;
        let whole = match (task_count, min, max) {
            (Some(c), Some(lo), Some(hi)) => c > 1 && lo == 1 && hi == c,
            // Without MIN/MAX (an old Slurm), a count above one is taken as the whole array.
            (Some(c), None, None) => c > 1,
            _ => false,
        };
        let array = match (min, max) {
            (Some(lo), Some(hi)) if lo == hi => format!("a one-task array (task {lo})"),
            (Some(lo), Some(hi)) => format!(
                "array tasks {lo}–{hi}{}",
                task_count.map_or(String::new(), |c| format!(", {c} of them"))
            ),
            _ => format!(
                "an array of {} task(s)",
                task_count.map_or("?".into(), |c| c.to_string())
            ),
        };
        let (n, how_n) = if let Some((c, from)) = count {
            (c, format!("N from {from}"))
        } else if whole {
            let c = task_count.unwrap_or(1);
            if let Some(&other) = recorded.iter().find(|&&r| r != c) {
                return Err(Error::Usage(format!(
                    "--shard auto: the Slurm array has {c} tasks, but {} holds shards of a {other}-way split; resubmit only the tasks that failed (`sbatch --array=K …`, which keeps N = {other}), or remove the old shard folders to split anew",
                    root.display()
                )));
            }
            (c, "N = SLURM_ARRAY_TASK_COUNT".to_string())
        } else {
            from_record(
                id,
                &format!("Slurm runs {array}, which does not tell the sweep's N"),
            )?
        };
        (id, n, format!("Slurm array task {id}; {how_n}"))
    } else if let Some(index) = auto.number("JOB_COMPLETION_INDEX")? {
        let k = index + 1;
        let (n, how_n) = match count {
            Some((c, from)) => (c, format!("N from {from}")),
            None => from_record(
                k,
                "Kubernetes gives no completions count (add --shard-count N, the Job's completions, or set VSESIM_SHARD_COUNT)",
            )?,
        };
        (
            k,
            n,
            format!("Kubernetes completion index {index} (K = index + 1); {how_n}"),
        )
    } else {
        return Err(Error::Usage(
            "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard K/N".into(),
        ));
    };
    if k > n {
        return Err(Error::Usage(format!(
            "--shard auto: {how} gives shard {k} of {n}; K must be at most N (an array runs 1..N without gaps)"
        )));
    }
    Ok((Shard { k, n }, how))
}

/// The N of every `shard-K-of-N` folder (a sweep's, with sweep.json) and every
/// `part-K-of-N` folder (a split run's, with part.json) directly under `root`.
pub fn recorded_counts(root: &Path) -> Result<BTreeSet<u64>, Error> {
    let mut out = BTreeSet::new();
    let rd = match std::fs::read_dir(root) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(root, e)),
    };
    for e in rd.filter_map(|e| e.ok()) {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let (rest, marker) = if let Some(r) = name.strip_prefix("shard-") {
            (r, "sweep.json")
        } else if let Some(r) = name.strip_prefix("part-") {
            (r, "part.json")
        } else {
            continue;
        };
        let n = rest
            .split_once("-of-")
            .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)))
            .map(|(_, n)| n);
        if let Some(n) = n
            && e.path().join(marker).is_file()
        {
            out.insert(n);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(vars: &[(&str, &str)], count: Option<u64>) -> AutoShard {
        AutoShard {
            env: vars
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            count,
        }
    }

    fn slurm(id: u64, count: u64, min: u64, max: u64) -> AutoShard {
        let (id, count, min, max) = (
            id.to_string(),
            count.to_string(),
            min.to_string(),
            max.to_string(),
        );
        auto(
            &[
                ("SLURM_ARRAY_TASK_ID", &id),
                ("SLURM_ARRAY_TASK_COUNT", &count),
                ("SLURM_ARRAY_TASK_MIN", &min),
                ("SLURM_ARRAY_TASK_MAX", &max),
            ],
            None,
        )
    }

    fn folder_with_shards(name: &str, splits: &[(u64, u64)]) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("vsesim-unit-auto-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for &(k, n) in splits {
            let d = dir.join(format!("shard-{k}-of-{n}"));
            std::fs::create_dir_all(&d).unwrap();
            // Only `shard` is read; the rest is a minimal valid sweep.json.
            let json = serde_json::json!({
                "format_version": 1, "name": "s", "id": "x",
                "inputs": {"sweep_file": "s.toml", "sweep_sha256": "", "base_file": "b.toml", "base_sha256": "", "traces": []},
                "vsesim_version": "0", "sampling": "grid", "samples": null, "seed": 0,
                "replicas": 1, "points": 4, "axes": [], "servers": [],
                "shard": {"k": k, "n": n}, "complete": false, "forced": false
            });
            std::fs::write(d.join("sweep.json"), json.to_string()).unwrap();
        }
        dir
    }

    #[test]
    fn a_whole_slurm_array_gives_k_and_n() {
        let empty = folder_with_shards("whole", &[]);
        let (s, how) = resolve(&slurm(3, 8, 1, 8), &empty).unwrap();
        assert_eq!(s, Shard { k: 3, n: 8 });
        assert!(how.contains("SLURM_ARRAY_TASK_COUNT"), "{how}");
    }

    /// `sbatch --array=3 sweep.sbatch` after a 4-way split: N is the folder's 4, not 1.
    #[test]
    fn a_resubmitted_task_keeps_the_folders_n() {
        let dir = folder_with_shards("resubmit", &[(1, 4), (2, 4), (4, 4)]);
        let (s, how) = resolve(&slurm(3, 1, 3, 3), &dir).unwrap();
        assert_eq!(s, Shard { k: 3, n: 4 });
        assert!(how.contains("shard folders"), "{how}");
        // Task 1 alone, the case that once ran the whole sweep into shard-1-of-1.
        let (s, _) = resolve(&slurm(1, 1, 1, 1), &dir).unwrap();
        assert_eq!(s, Shard { k: 1, n: 4 });
        // Two tasks of the four, `--array=2,4`.
        let (s, _) = resolve(&slurm(4, 2, 2, 4), &dir).unwrap();
        assert_eq!(s, Shard { k: 4, n: 4 });
    }

    #[test]
    fn a_lone_task_without_a_record_is_refused() {
        let empty = folder_with_shards("lone", &[]);
        let e = resolve(&slurm(1, 1, 1, 1), &empty).unwrap_err().to_string();
        assert!(e.contains("one-task array (task 1)"), "{e}");
        assert!(e.contains("--shard 1/N -o"), "{e}");
        let mixed = folder_with_shards("mixed", &[(1, 4), (1, 8)]);
        let e = resolve(&slurm(2, 1, 2, 2), &mixed).unwrap_err().to_string();
        assert!(e.contains("N = 4, 8"), "{e}");
    }

    #[test]
    fn a_whole_array_of_another_size_than_the_folders_is_refused() {
        let dir = folder_with_shards("resize", &[(1, 8)]);
        let e = resolve(&slurm(1, 4, 1, 4), &dir).unwrap_err().to_string();
        assert!(e.contains("8-way split"), "{e}");
    }

    #[test]
    fn kubernetes_needs_a_count() {
        let empty = folder_with_shards("k8s", &[]);
        let a = auto(&[("JOB_COMPLETION_INDEX", "0")], Some(8));
        assert_eq!(resolve(&a, &empty).unwrap().0, Shard { k: 1, n: 8 });
        let a = auto(
            &[("JOB_COMPLETION_INDEX", "7"), ("VSESIM_SHARD_COUNT", "8")],
            None,
        );
        assert_eq!(resolve(&a, &empty).unwrap().0, Shard { k: 8, n: 8 });
        let a = auto(&[("JOB_COMPLETION_INDEX", "7")], None);
        let e = resolve(&a, &empty).unwrap_err().to_string();
        assert!(e.contains("--shard-count"), "{e}");
        let a = auto(&[("JOB_COMPLETION_INDEX", "8")], Some(8));
        let e = resolve(&a, &empty).unwrap_err().to_string();
        assert!(e.contains("shard 9 of 8"), "{e}");
    }

    #[test]
    fn bad_or_missing_variables_are_named() {
        let empty = folder_with_shards("bad", &[]);
        let e = resolve(&auto(&[], None), &empty).unwrap_err().to_string();
        assert!(e.contains("SLURM_ARRAY_TASK_ID") && e.contains("JOB_COMPLETION_INDEX"));
        let e = resolve(&auto(&[("SLURM_ARRAY_TASK_ID", "x3")], None), &empty)
            .unwrap_err()
            .to_string();
        assert!(e.contains("SLURM_ARRAY_TASK_ID=\"x3\""), "{e}");
        let e = resolve(&slurm(0, 8, 0, 7), &empty).unwrap_err().to_string();
        assert!(e.contains("--array=1-N"), "{e}");
    }
}
