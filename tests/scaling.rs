//! docs/SCALING.md's scripts, kept honest: the Slurm array script runs as Slurm would run it
//! (each task with its own SLURM_ARRAY_TASK_ID) and the merge script combines the shards into
//! the tables of the sweep run whole; the Kubernetes manifests agree with themselves.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// The fenced blocks of `lang` in the doc, in order.
fn blocks(doc: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("a closed fence");
        out.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    out
}

fn doc() -> String {
    std::fs::read_to_string(project_root().join("docs/SCALING.md")).unwrap()
}

/// Run a doc script with bash, the built vsesim first on PATH, and the given environment.
fn bash(script: &str, cwd: &Path, env: &[(&str, String)]) {
    let bin = Path::new(env!("CARGO_BIN_EXE_vsesim")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env("PATH", path)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "script failed: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_slurm_array_script_and_the_merge_script_work_as_documented() {
    let scripts = blocks(&doc(), "bash");
    assert_eq!(scripts.len(), 2, "sweep.sbatch and merge.sbatch");
    assert!(scripts[0].contains("#SBATCH --array=1-8"));
    let dir = scratch("scaling-slurm");
    std::fs::write(
        dir.join("base.toml"),
        "[scenario]\nname = \"b\"\nhorizon = \"2d\"\nseed = 3\n\n[[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n\n[[workloads]]\nname = \"w\"\npartition = \"sd\"\nunits = \"cores\"\nsynth = { pattern = \"diurnal\", mean = 1.5, peak = 4.5, noise = 0.3 }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("sweep.toml"),
        "[sweep]\nbase = \"base.toml\"\nreplicas = 2\n\n[[axes]]\npath = \"servers[0].cores_per_cell\"\nvalues = [2, 3, 4, 5, 6]\n",
    )
    .unwrap();
    let n = 3;
    for k in 1..=n {
        bash(
            &scripts[0],
            &dir,
            &[
                ("SWEEP", "sweep.toml".into()),
                ("OUT", "out".into()),
                ("SLURM_ARRAY_TASK_COUNT", n.to_string()),
                ("SLURM_ARRAY_TASK_ID", k.to_string()),
                ("SLURM_CPUS_PER_TASK", "1".into()),
            ],
        );
    }
    bash(&scripts[1], &dir, &[("OUT", "out".into())]);
    let out = vsesim(&["sweep", "sweep.toml", "-o", "whole", "-q"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    for t in [
        "results.parquet",
        "results.csv",
        "summary.csv",
        "pareto.json",
    ] {
        assert_eq!(
            std::fs::read(dir.join("out").join(t)).unwrap(),
            std::fs::read(dir.join("whole").join(t)).unwrap(),
            "{t}"
        );
    }
}

/// The manifests name the same N in `completions` and in `--shard …/N`, run shard index + 1,
/// and merge the folder the shards write. (Validating them against a cluster's schema needs a
/// cluster: `kubectl apply --dry-run=client -f` asks the API server.)
#[test]
fn the_kubernetes_manifests_agree_with_themselves() {
    let yaml = blocks(&doc(), "yaml");
    assert_eq!(yaml.len(), 2, "sweep-job.yaml and merge-job.yaml");
    let job = &yaml[0];
    let field = |name: &str| -> String {
        job.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}:")))
            .map(|v| v.split('#').next().unwrap().trim().to_string())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(field("completionMode"), "Indexed");
    let n = field("completions");
    assert!(job.contains(&format!("--shard \"$((JOB_COMPLETION_INDEX + 1))/{n}\"")));
    assert!(job.contains("-o /results/sweep-ownborrow"));
    assert!(yaml[1].contains("\"merge\", \"/results/sweep-ownborrow\""));
    for y in &yaml {
        assert!(!y.contains('\t'), "YAML takes no tabs");
    }
}
