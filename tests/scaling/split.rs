//! One run split by islands (`vsesim run SCENARIO --shard K/N`, then `vsesim merge`): the
//! merged folder is byte for byte the run on one machine (summary.json, stats, report.html,
//! the time series and every chart), whatever the split and the thread count; and what cannot
//! be merged is refused with the reason and the command that fixes it.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// The bundled Serviceguard scenario (two servers coupled by a cluster, with fixed and
/// random failures and an N-1 study) and, beside it, islands of every other kind: a GiCAP
/// pair sharing rights and a balance, a Temporary Instant Capacity server, a Pay per use
/// server, plain servers, a workload with memory and one that drops its shortfall.
fn scenario() -> String {
    let ha = std::fs::read_to_string(project_root().join("scenarios/ha-cluster.toml")).unwrap();
    format!(
        r#"{ha}
[[servers]]
name = "g-a"
cells = 2
cores_per_cell = 4
memory_gb_per_cell = 8
active_cores = 6
rights = 4

[[servers]]
name = "g-b"
cells = 2
cores_per_cell = 4
memory_gb_per_cell = 8
active_cores = 2
rights = 6

[[gicap]]
name = "pool"
members = ["g-a", "g-b"]
sharing_rights = 6
ticap = {{ balance_core_minutes = 43200, price_per_core_day = 250 }}

[[servers]]
name = "t1"
cells = 1
cores_per_cell = 8
memory_gb_per_cell = 16
active_cores = 4
ticap = {{ blocks = 1, price_per_block = 1000, expires = "1d", balance_core_minutes = 20000, price_per_core_day = 40 }}

[[servers]]
name = "p1"
cells = 1
cores_per_cell = 8
memory_gb_per_cell = 16
ppu = {{ metric = "percent", price_per_core_month = 300, fixed_per_month = 1000, cap_cores = 8 }}

[[servers]]
name = "x1"
cells = 1
cores_per_cell = 4
memory_gb_per_cell = 8
disk_mbps = 200
network_mbps = 100

[[servers]]
name = "x2"
cells = 1
cores_per_cell = 2
memory_gb_per_cell = 8

[[workloads]]
name = "ga-w"
partition = "g-a"
units = "cores"
synth = {{ pattern = "diurnal", mean = 3.0, peak = 7.0, noise = 0.2 }}

[[workloads]]
name = "gb-w"
partition = "g-b"
units = "cores"
synth = {{ pattern = "diurnal", mean = 1.0, peak = 2.5, noise = 0.2 }}

[[workloads]]
name = "t1-w"
partition = "t1"
units = "cores"
synth = {{ pattern = "diurnal", mean = 3.0, peak = 6.0, noise = 0.3 }}

[[workloads]]
name = "p1-w"
partition = "p1"
units = "cores"
synth = {{ pattern = "diurnal", mean = 2.0, peak = 5.0, noise = 0.3 }}

[[workloads]]
name = "x1-w"
partition = "x1"
units = "cores"
synth = {{ pattern = "diurnal", mean = 2.0, peak = 5.0, noise = 0.4 }}
memory_gb = 3
disk_mbps = 50
network_mbps = 30

[[workloads]]
name = "x2-w"
partition = "x2"
units = "cores"
on_shortfall = "drop"
synth = {{ pattern = "diurnal", mean = 1.2, peak = 3.0, noise = 0.4 }}
"#
    )
}

/// `vsesim ARGS` in `dir` with `threads` rayon threads; exits 0 or fails with its stderr.
fn ok(dir: &Path, args: &[&str], threads: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(out.status.success(), "vsesim {args:?}: {}", stderr(&out));
}

/// Every file of `whole` but run.json (timings) is in `merged` with the same bytes.
fn assert_same_run(whole: &Path, merged: &Path) {
    let mut files = Vec::new();
    for sub in ["", "charts"] {
        for e in std::fs::read_dir(whole.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() && p.file_name().is_some_and(|n| n != "run.json") {
                files.push(p.strip_prefix(whole).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    for must in [
        "summary.json",
        "stats.csv",
        "stats.parquet",
        "report.html",
        "timeseries.parquet",
    ] {
        assert!(
            files.iter().any(|f| f == Path::new(must)),
            "{must} not written"
        );
    }
    assert!(files.iter().any(|f| f.starts_with("charts")), "no charts");
    for f in &files {
        let a = std::fs::read(whole.join(f)).unwrap();
        let b = std::fs::read(merged.join(f))
            .unwrap_or_else(|e| panic!("{}: {e}", merged.join(f).display()));
        assert!(a == b, "{} differs from the one-machine run", f.display());
    }
}

#[test]
fn a_run_split_by_islands_merges_to_the_one_machine_runs_bytes() {
    let dir = scratch("split");
    std::fs::write(dir.join("mix.toml"), scenario()).unwrap();
    ok(&dir, &["run", "mix.toml", "-o", "whole", "-q"], "2");
    let summary = read_json(&dir.join("whole/summary.json"));
    // The checks below mean something only if the run has what they cover.
    assert!(summary["ha"]["n_minus_1"].is_object() || summary["ha"]["n_minus_1"].is_array());
    assert_eq!(summary["gicap"].as_array().map(Vec::len), Some(1));
    // A workload with all four distributions: the merge keeps its quantiles, not its
    // histograms, and puts them back into each.
    let x1 = summary["workloads"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["name"] == "x1-w"))
        .unwrap();
    for resource in ["memory", "disk", "network"] {
        assert!(
            x1[resource]["utilization"]["p95"]
                .as_f64()
                .is_some_and(|p| p > 0.0),
            "{resource}: {x1}"
        );
    }
    assert!(
        x1["cpu_utilization"]["p95"]
            .as_f64()
            .is_some_and(|p| p > 0.0)
    );

    // 3 parts (one on one thread), 2 parts, and 8 parts: more than the scenario's 6 chunks
    // of islands, so some parts hold none.
    for (n, out) in [(3, "split3"), (2, "split2"), (8, "split8")] {
        for k in 1..=n {
            let shard = format!("{k}/{n}");
            let threads = if k == 1 { "1" } else { "2" };
            ok(
                &dir,
                &["run", "mix.toml", "--shard", &shard, "-o", out, "-q"],
                threads,
            );
        }
        ok(&dir, &["merge", out, "-q"], "2");
        assert_same_run(&dir.join("whole"), &dir.join(out));
    }
    let part = read_json(&dir.join("split3/part-2-of-3/part.json"));
    assert_eq!(part["chunks_total"], 6);
    assert_eq!(part["shard"]["k"], 2);
    let chunks: Vec<u64> = part["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["index"].as_u64().unwrap())
        .collect();
    assert_eq!(chunks, [1, 4], "chunk c belongs to part c mod 3 + 1");
    let empty = read_json(&dir.join("split8/part-8-of-8/part.json"));
    assert_eq!(empty["chunks"].as_array().map(Vec::len), Some(0));
}

/// A scenario whose islands make one chunk: the first part runs it whole.
#[test]
fn a_scenario_of_one_island_is_run_whole_by_the_first_part() {
    let dir = scratch("split-one");
    std::fs::copy(
        project_root().join("scenarios/demo.toml"),
        dir.join("demo.toml"),
    )
    .unwrap();
    ok(&dir, &["run", "demo.toml", "-o", "whole", "-q"], "2");
    let out = vsesim(&["run", "demo.toml", "--shard", "1/2", "-o", "split"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("one chunk: the first part runs it whole"),
        "{text}"
    );
    assert!(text.contains("vsesim merge split"), "{text}");
    ok(
        &dir,
        &["run", "demo.toml", "--shard", "2/2", "-o", "split", "-q"],
        "2",
    );
    ok(&dir, &["merge", "split", "-q"], "2");
    assert_same_run(&dir.join("whole"), &dir.join("split"));
}

/// deploy/slurm/run.sbatch as each task of a 2-task array would run it, then task 2
/// resubmitted alone (an array of one task): it keeps N = 2 from the part folders.
#[test]
fn the_run_script_finds_its_part_in_a_slurm_array() {
    let dir = scratch("split-slurm");
    std::fs::write(dir.join("mix.toml"), scenario()).unwrap();
    ok(&dir, &["run", "mix.toml", "-o", "whole", "-q"], "2");
    let script = std::fs::read_to_string(project_root().join("deploy/slurm/run.sbatch")).unwrap();
    let task = |id: u64, count: u64, min: u64, max: u64| {
        let out = Command::new("bash")
            .args(["-c", &script])
            .current_dir(&dir)
            .env("PATH", path_with_vsesim())
            .env("SCENARIO", "mix.toml")
            .env("OUT", "out")
            .env("SLURM_CPUS_PER_TASK", "2")
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", count.to_string())
            .env("SLURM_ARRAY_TASK_MIN", min.to_string())
            .env("SLURM_ARRAY_TASK_MAX", max.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    for k in 1..=2 {
        let err = task(k, 2, 1, 2);
        assert!(
            err.contains(&format!("part {k}/2 (Slurm array task {k}")),
            "{err}"
        );
    }
    std::fs::remove_dir_all(dir.join("out/part-2-of-2")).unwrap();
    std::fs::create_dir_all(dir.join("out/part-2-of-2")).unwrap();
    let err = task(2, 1, 2, 2);
    assert!(
        err.contains("part 2/2") && err.contains("N from the shard folders"),
        "{err}"
    );
    assert!(!dir.join("out/part-2-of-1").exists());
    ok(&dir, &["merge", "out", "-q"], "2");
    assert_same_run(&dir.join("whole"), &dir.join("out"));
}

#[test]
fn parts_that_cannot_be_merged_are_refused_with_the_fix() {
    let dir = scratch("split-bad");
    std::fs::write(dir.join("mix.toml"), scenario()).unwrap();
    for k in [1, 3] {
        ok(
            &dir,
            &[
                "run",
                "mix.toml",
                "--shard",
                &format!("{k}/3"),
                "-o",
                "split",
                "-q",
            ],
            "2",
        );
    }
    // A part missing: named, with the command that runs it (folder included).
    let out = vsesim(&["merge", "split"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("part 2/3 of `ha-cluster` is missing"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("`vsesim run mix.toml --shard K/3 -o split`"),
        "{}",
        stderr(&out)
    );
    // A part of another split.
    ok(
        &dir,
        &["run", "mix.toml", "--shard", "2/4", "-o", "other", "-q"],
        "2",
    );
    let out = vsesim(
        &[
            "merge",
            "split/part-1-of-3",
            "split/part-3-of-3",
            "other/part-2-of-4",
            "-o",
            "m",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("merge the parts of one split"),
        "{}",
        stderr(&out)
    );

    // A damaged record file: named, with what to do.
    ok(
        &dir,
        &["run", "mix.toml", "--shard", "2/3", "-o", "split", "-q"],
        "2",
    );
    let bin = dir.join("split/part-2-of-3/outcome.bin");
    let bytes = std::fs::read(&bin).unwrap();
    std::fs::write(&bin, &bytes[..bytes.len() / 2]).unwrap();
    let out = vsesim(&["merge", "split"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("part-2-of-3/outcome.bin: truncated"),
        "{}",
        stderr(&out)
    );
    // The command to run again names the scenario, the part and the folder.
    assert!(
        stderr(&out).contains("`vsesim run mix.toml --shard 2/3 -o split`"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&bin, &bytes).unwrap();
    ok(&dir, &["merge", "split", "-q"], "2");

    // The scenario changed after the parts ran.
    std::fs::write(
        dir.join("mix.toml"),
        scenario().replace("mean = 1.2, peak = 3.0", "mean = 1.3, peak = 3.0"),
    )
    .unwrap();
    let out = vsesim(&["merge", "split"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed since the parts ran"),
        "{}",
        stderr(&out)
    );

    // --shard runs one run's islands: not with replicas.
    let out = vsesim(
        &["run", "mix.toml", "--shard", "1/2", "--replicas", "3"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
