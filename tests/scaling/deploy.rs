//! docs/SCALING.md's scripts, kept honest without a cluster: the files under deploy/ are the
//! ones the page shows; the Slurm array script runs as Slurm would run it (each task with its
//! own SLURM_ARRAY_* variables, a failed task resubmitted alone) and the merge script combines
//! the shards into the tables of the sweep run whole; the Kubernetes manifests agree with
//! themselves and pass the Kubernetes API's schema. tests/slurm.rs runs the same scripts on a
//! real one-node Slurm.

use crate::common::*;
use std::path::Path;
use std::process::Command;

fn doc() -> String {
    std::fs::read_to_string(project_root().join("docs/SCALING.md")).unwrap()
}

fn file(rel: &str) -> String {
    std::fs::read_to_string(project_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Run a script with bash, the built vsesim first on PATH, and the given environment; its
/// exit code and stderr.
fn bash(script: &str, cwd: &Path, env: &[(&str, String)]) -> (Option<i32>, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env("PATH", path_with_vsesim())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("bash runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bash_ok(script: &str, cwd: &Path, env: &[(&str, String)]) -> String {
    let (code, err) = bash(script, cwd, env);
    assert_eq!(code, Some(0), "script failed: {err}\n{script}");
    err
}

const BASE: &str = "[scenario]\nname = \"b\"\nhorizon = \"2d\"\nseed = 3\n\n[[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n\n[[workloads]]\nname = \"w\"\npartition = \"sd\"\nunits = \"cores\"\nsynth = { pattern = \"diurnal\", mean = 1.5, peak = 4.5, noise = 0.3 }\n";
const SWEEP: &str = "[sweep]\nbase = \"base.toml\"\nreplicas = 2\n\n[[axes]]\npath = \"servers[0].cores_per_cell\"\nvalues = [2, 3, 4, 5, 6, 7, 8]\n";

const TABLES: [&str; 4] = [
    "results.parquet",
    "results.csv",
    "summary.csv",
    "pareto.json",
];

fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        assert_eq!(
            std::fs::read(a.join(t)).unwrap_or_else(|e| panic!("{}: {e}", a.join(t).display())),
            std::fs::read(b.join(t)).unwrap(),
            "{t}"
        );
    }
}

/// The environment of Slurm array task `id` of an array of tasks `min..=max` (`count` of them).
fn slurm_env(id: u64, count: u64, min: u64, max: u64) -> Vec<(&'static str, String)> {
    vec![
        ("SWEEP", "sweep.toml".into()),
        ("OUT", "out".into()),
        ("SLURM_ARRAY_TASK_ID", id.to_string()),
        ("SLURM_ARRAY_TASK_COUNT", count.to_string()),
        ("SLURM_ARRAY_TASK_MIN", min.to_string()),
        ("SLURM_ARRAY_TASK_MAX", max.to_string()),
        ("SLURM_CPUS_PER_TASK", "1".into()),
    ]
}

/// The page shows the files under deploy/ as they are, so what a user copies from the page
/// is what the tests (here and tests/slurm.rs) run.
#[test]
fn the_page_shows_the_deploy_files_as_they_are() {
    let doc = doc();
    let scripts = fenced_blocks(&doc, "bash");
    assert_eq!(scripts.len(), 3, "sweep.sbatch, merge.sbatch, run.sbatch");
    assert_eq!(scripts[0], file("deploy/slurm/sweep.sbatch"));
    assert_eq!(scripts[1], file("deploy/slurm/merge.sbatch"));
    assert_eq!(scripts[2], file("deploy/slurm/run.sbatch"));
    let yaml = fenced_blocks(&doc, "yaml");
    assert_eq!(yaml.len(), 2, "sweep-job.yaml and merge-job.yaml");
    assert_eq!(yaml[0], file("deploy/kubernetes/sweep-job.yaml"));
    assert_eq!(yaml[1], file("deploy/kubernetes/merge-job.yaml"));
    // The issue #24 points: the logs folder is made in the submit block itself, the merge
    // asks for its memory, the early stop is the form Slurm delivers to a running batch step,
    // and the held merge is released.
    let sh = fenced_blocks(&doc, "sh");
    let submit = sh
        .iter()
        .find(|b| b.contains("sbatch --parsable deploy/slurm/sweep.sbatch"))
        .expect("the submit block");
    assert!(submit.starts_with("mkdir -p logs\n"), "{submit}");
    assert!(scripts[1].contains("#SBATCH --mem="));
    assert!(
        sh.iter()
            .any(|b| b.contains("scancel --batch --signal=TERM \"${jobid}_$K\""))
    );
    assert!(
        sh.iter()
            .any(|b| b.contains("scontrol update JobId=\"$merge\" Dependency=afterok:\"$rerun\""))
    );
    for s in &scripts {
        assert!(s.starts_with("#!/bin/bash\n"));
    }
}

/// Each task of a 3-task array runs the script with its own variables; the merge script then
/// gives the whole sweep's tables. Then shard 2 loses points (a task killed) and is resubmitted
/// alone, as `sbatch --array=2` would run it (an array of one task: COUNT = 1, MIN = MAX = 2):
/// it resumes into shard-2-of-3, not a one-shard sweep, and the merge gives the same tables.
#[test]
fn the_slurm_array_script_and_the_merge_script_work_as_documented() {
    let sweep = file("deploy/slurm/sweep.sbatch");
    let merge = file("deploy/slurm/merge.sbatch");
    let dir = scratch("scaling-slurm");
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    std::fs::write(dir.join("sweep.toml"), SWEEP).unwrap();
    let n = 3;
    for k in 1..=n {
        let err = bash_ok(&sweep, &dir, &slurm_env(k, n, 1, n));
        assert!(
            err.contains(&format!("shard {k}/{n} (Slurm array task {k}")),
            "{err}"
        );
    }
    bash_ok(&merge, &dir, &[("OUT", "out".into())]);
    let out = vsesim(&["sweep", "sweep.toml", "-o", "whole", "-q"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_tables(&dir.join("out"), &dir.join("whole"));

    // Shard 2 holds points 1 and 4; one is lost.
    let lost = dir.join("out/shard-2-of-3/points/p000004.json");
    std::fs::remove_file(&lost).unwrap();
    std::fs::remove_file(dir.join("out/results.csv")).unwrap();
    let err = bash_ok(&sweep, &dir, &slurm_env(2, 1, 2, 2));
    assert!(err.contains("shard 2/3"), "{err}");
    assert!(err.contains("N from the shard folders"), "{err}");
    assert!(lost.is_file(), "the resubmitted task ran its lost point");
    assert!(!dir.join("out/shard-2-of-1").exists());
    assert!(!dir.join("out/shard-1-of-1").exists());
    bash_ok(&merge, &dir, &[("OUT", "out".into())]);
    assert_same_tables(&dir.join("out"), &dir.join("whole"));

    // Task 1 resubmitted alone (the case that once ran the whole sweep into shard-1-of-1).
    bash_ok(&sweep, &dir, &slurm_env(1, 1, 1, 1));
    assert!(!dir.join("out/shard-1-of-1").exists());

    // Resubmitted alone into a folder with no shards, N is unknown: refused, saying so.
    let (code, err) = bash(
        &sweep,
        &dir,
        &[
            slurm_env(2, 1, 2, 2),
            vec![("OUT", "elsewhere".to_string())],
        ]
        .concat(),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("one-task array (task 2)"), "{err}");
    assert!(err.contains("--shard 2/N -o elsewhere"), "{err}");
}

/// The manifests name the same N in `completions` and `--shard-count`, and merge the folder
/// the shards write; and both pass the Kubernetes API's own schema (kubernetes-validate, from
/// PyPI, installed when absent as the browser test installs Chromium; a validator that cannot
/// be had fails the test rather than skipping it).
#[test]
fn the_kubernetes_manifests_agree_with_themselves_and_the_schema() {
    let job = file("deploy/kubernetes/sweep-job.yaml");
    let merge = file("deploy/kubernetes/merge-job.yaml");
    let field = |name: &str| -> String {
        job.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}:")))
            .map(|v| v.split('#').next().unwrap().trim().to_string())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(field("completionMode"), "Indexed");
    let n = field("completions");
    let command: Vec<&str> = job
        .lines()
        .skip_while(|l| l.trim() != "command:")
        .skip(1)
        .map_while(|l| l.trim().strip_prefix("- "))
        .map(|a| a.trim_matches('"'))
        .collect();
    let after = |flag: &str| {
        command
            .iter()
            .position(|a| *a == flag)
            .map(|i| command[i + 1])
            .unwrap_or_else(|| panic!("no {flag} in {command:?}"))
    };
    assert_eq!(after("--shard"), "auto");
    assert_eq!(after("--shard-count"), n);
    assert_eq!(after("-o"), "/results/sweep-ownborrow");
    assert!(merge.contains("\"merge\", \"/results/sweep-ownborrow\""));
    for y in [&job, &merge] {
        assert!(!y.contains('\t'), "YAML takes no tabs");
    }

    // The command line the manifest runs, as a pod would run it (index 7 of 8): shard 8/8.
    let dir = scratch("scaling-k8s");
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    std::fs::write(dir.join("sweep.toml"), SWEEP).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args([
            "sweep",
            "sweep.toml",
            "--shard",
            "auto",
            "--shard-count",
            &n,
        ])
        .args(["-o", "results", "-q"])
        .current_dir(&dir)
        .env("JOB_COMPLETION_INDEX", "7")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        dir.join(format!("results/shard-8-of-{n}/sweep.json"))
            .is_file()
    );

    let validator = kubernetes_validate();
    for f in ["sweep-job.yaml", "merge-job.yaml"] {
        let path = project_root().join("deploy/kubernetes").join(f);
        // 1.29: the oldest Kubernetes with backoffLimitPerIndex (docs/SCALING.md).
        for version in ["1.29.0", "1.33.0"] {
            let out = Command::new(&validator)
                .args(["--strict", "-k", version])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{f} against Kubernetes {version}:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            );
        }
    }
    // The validator does reject a broken manifest: an unknown field, a count as text.
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        job.replace("completions: 8", "completions: eight")
            .replace("parallelism:", "paralelism:"),
    )
    .unwrap();
    let out = Command::new(&validator)
        .args(["--strict"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken manifest passed");
}

/// The `kubernetes-validate` command, installed with pip when absent; panics with the reason
/// when it cannot be had.
fn kubernetes_validate() -> std::path::PathBuf {
    let find = || {
        Command::new("sh")
            .args(["-c", "command -v kubernetes-validate"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
    };
    if let Some(p) = find() {
        return p;
    }
    let mut log = String::new();
    for pip in [
        &["pip", "install", "kubernetes-validate"][..],
        &["python3", "-m", "pip", "install", "kubernetes-validate"][..],
    ] {
        match Command::new(pip[0]).args(&pip[1..]).output() {
            Ok(o) => {
                log += &format!(
                    "$ {}: {}\n{}\n",
                    pip.join(" "),
                    o.status,
                    String::from_utf8_lossy(&o.stderr)
                );
                if o.status.success() {
                    break;
                }
            }
            Err(e) => log += &format!("$ {}: {e}\n", pip.join(" ")),
        }
    }
    find().unwrap_or_else(|| {
        panic!(
            "kubernetes-validate is absent and could not be installed; install it with \
             `pip install kubernetes-validate`.\n{log}"
        )
    })
}
