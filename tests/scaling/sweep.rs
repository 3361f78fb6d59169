//! `vsesim sweep` and `vsesim merge` through the built binary: the same tables however the
//! sweep is split, threaded, stopped or killed; refusing to mix results of other inputs;
//! errors that name the sweep file's line; and a sweep checked against numbers worked out by
//! hand.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Two vPars with noisy diurnal demand, three days: cheap, and varied enough across points,
/// seeds and replicas that a mix-up would show in the tables.
const NOISY_BASE: &str = r#"
[scenario]
name = "noisy"
horizon = "3d"
seed = 11

[report]
timeseries = false

[[servers]]
name = "sd"
cells = 1
cores_per_cell = 8
memory_gb_per_cell = 16

[[partitions]]
name = "vp1"
kind = "vpar"
parent = "sd"
cores = 2

[[partitions]]
name = "vp2"
kind = "vpar"
parent = "sd"
cores = 3

[[workloads]]
name = "a"
partition = "vp1"
units = "cores"
synth = { pattern = "diurnal", mean = 1.2, peak = 3.0, noise = 0.2 }

[[workloads]]
name = "b"
partition = "vp2"
units = "cores"
on_shortfall = "drop"
synth = { pattern = "diurnal", mean = 1.5, peak = 3.5, peak_hour = 20, noise = 0.2 }
"#;

const NOISY_SWEEP: &str = r#"[sweep]
base = "base.toml"
replicas = 3
seed = 5

[[axes]]
name = "vp1_cores"
path = "partitions[name=vp1].cores"
values = [1, 2, 3]

[[axes]]
path = "workloads[*].synth.noise"
values = [0.1, 0.3]
"#;

/// The files that must be byte-identical between two runs of the same sweep (report.html
/// inlines every chart's SVG, so it covers them too).
const TABLES: [&str; 7] = [
    "results.parquet",
    "results.csv",
    "summary.parquet",
    "summary.csv",
    "pareto.csv",
    "pareto.json",
    "report.html",
];

fn setup(name: &str, base: &str, sweep: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("base.toml"), base).unwrap();
    std::fs::write(dir.join("sweep.toml"), sweep).unwrap();
    dir
}

fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        let (x, y) = (std::fs::read(a.join(t)), std::fs::read(b.join(t)));
        let (x, y) = (
            x.unwrap_or_else(|e| panic!("{}: {e}", a.join(t).display())),
            y.unwrap_or_else(|e| panic!("{}: {e}", b.join(t).display())),
        );
        assert!(
            x == y,
            "{t} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// The tour's sweep (42 points over scenarios/consolidation-ticap.toml) at two replicas, in
/// `dir`: long enough at -j 1 (about 2 s) to be interrupted part-way.
fn tour_sweep(dir: &Path) -> PathBuf {
    let root = project_root();
    let text = std::fs::read_to_string(root.join("scenarios/sweep-ownborrow.toml"))
        .unwrap()
        .replace(
            "base = \"consolidation-ticap.toml\"",
            &format!(
                "base = {:?}",
                root.join("scenarios/consolidation-ticap.toml")
                    .to_str()
                    .unwrap()
            ),
        )
        .replace("replicas = 5", "replicas = 2");
    let file = dir.join("tour.toml");
    std::fs::write(&file, text).unwrap();
    file
}

fn point_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("points"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

/// Shards 1..3 run apart and merged give the tables of the sweep run whole, byte for byte;
/// and one thread gives the same tables as two.
#[test]
fn shards_merged_and_thread_counts_give_the_whole_sweeps_tables() {
    let dir = setup("sweep-shards", NOISY_BASE, NOISY_SWEEP);
    let out = vsesim_ok(&["sweep", "sweep.toml", "-o", "whole", "-j", "2"], &dir);
    assert!(out.contains("6 points × 3 replicas"), "{out}");
    assert!(out.contains("Pareto front"), "{out}");
    vsesim_ok(&["sweep", "sweep.toml", "-o", "one", "-j", "1", "-q"], &dir);
    assert_same_tables(&dir.join("whole"), &dir.join("one"));

    for k in 1..=3 {
        let shard = format!("{k}/3");
        vsesim_ok(
            &[
                "sweep",
                "sweep.toml",
                "-o",
                "split",
                "--shard",
                &shard,
                "-q",
            ],
            &dir,
        );
    }
    // A shard holds its own points only: i mod 3 = K − 1.
    assert_eq!(point_files(&dir.join("split/shard-2-of-3")), 2);
    assert!(dir.join("split/shard-2-of-3/points/p000004.json").is_file());

    // Merging with a shard missing is refused, naming it.
    let out = vsesim(
        &[
            "merge",
            "split/shard-1-of-3",
            "split/shard-3-of-3",
            "-o",
            "bad",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("shard 2/3 of `sweep` is missing"),
        "{}",
        stderr(&out)
    );
    // And the command it suggests writes where the merge reads (issue #24: `-o` was left out).
    assert!(
        stderr(&out).contains("--shard K/3 -o split`"),
        "{}",
        stderr(&out)
    );
    // So is a shard given twice.
    let out = vsesim(&["merge", "split", "split/shard-1-of-3", "-o", "bad"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("given twice"), "{}", stderr(&out));

    vsesim_ok(&["merge", "split"], &dir);
    assert_same_tables(&dir.join("whole"), &dir.join("split"));
    let info = read_json(&dir.join("split/sweep.json"));
    assert_eq!(info["complete"], true);
    assert_eq!(info["shard"], serde_json::Value::Null);
    assert_eq!(info["merged_from"].as_array().unwrap().len(), 3);

    // The tables: a row per point and replica, sorted; the axes as columns, typed.
    let csv = std::fs::read_to_string(dir.join("whole/results.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..5],
        ["point", "replica", "seed", "vp1_cores", "noise"]
    );
    let keys: Vec<(u64, u64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[1].parse().unwrap())
        })
        .collect();
    let expected: Vec<(u64, u64)> = (0..6).flat_map(|p| (0..3).map(move |r| (p, r))).collect();
    assert_eq!(keys, expected);
    assert!(dir.join("whole/charts/pareto.svg").is_file());
    assert!(
        dir.join("whole/charts/unmet_core_hours_by_vp1_cores.png")
            .is_file()
    );
}

/// Stopped after two points (--limit), then resumed; and with point files deleted, then
/// resumed: both give the tables of a sweep run straight through.
#[test]
fn a_stopped_or_damaged_sweep_resumes_to_the_same_tables() {
    let dir = setup("sweep-resume", NOISY_BASE, NOISY_SWEEP);
    vsesim_ok(&["sweep", "sweep.toml", "-o", "straight", "-q"], &dir);

    let out = vsesim_ok(
        &["sweep", "sweep.toml", "-o", "limited", "--limit", "2"],
        &dir,
    );
    assert!(out.contains("2 of 6 done"), "{out}");
    assert_eq!(point_files(&dir.join("limited")), 2);
    assert!(
        !dir.join("limited/results.csv").exists(),
        "no tables before the end"
    );
    let out = vsesim_ok(&["sweep", "sweep.toml", "-o", "limited"], &dir);
    assert!(out.contains("2 done before, 4 to run"), "{out}");
    assert_same_tables(&dir.join("straight"), &dir.join("limited"));

    // Lose two points and leave a temporary file behind, as a killed writer would.
    for p in ["p000001.json", "p000004.json"] {
        std::fs::remove_file(dir.join("limited/points").join(p)).unwrap();
    }
    std::fs::write(dir.join("limited/points/p000004.json.tmp"), "{\"trunc").unwrap();
    let out = vsesim_ok(&["sweep", "sweep.toml", "-o", "limited"], &dir);
    assert!(out.contains("4 done before, 2 to run"), "{out}");
    assert!(!dir.join("limited/points/p000004.json.tmp").exists());
    assert_same_tables(&dir.join("straight"), &dir.join("limited"));
}

/// The tour's sweep killed with SIGKILL part-way (-j 1, so points finish one at a time), then
/// resumed: the same tables as a run that was never interrupted.
#[test]
fn a_sweep_killed_with_sigkill_resumes_to_the_same_tables() {
    let dir = scratch("sweep-kill");
    let sweep = tour_sweep(&dir);
    let sweep = sweep.to_str().unwrap();
    let killed = dir.join("killed");

    let mut child = Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args([
            "sweep",
            sweep,
            "-j",
            "1",
            "-q",
            "-o",
            killed.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while point_files(&killed) < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no points after 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no handler runs
    child.wait().unwrap();
    let done = point_files(&killed);
    assert!(
        done < 42,
        "the sweep finished before it was killed; nothing was tested"
    );
    assert!(!killed.join("results.csv").exists());

    let out = vsesim_ok(&["sweep", sweep, "-q", "-o", "killed"], &dir);
    assert!(out.is_empty(), "{out}");
    vsesim_ok(&["sweep", sweep, "-q", "-o", "straight"], &dir);
    assert_same_tables(&dir.join("straight"), &killed);
}

/// Ctrl-C (SIGINT): no new point starts, the running one is written, exit 130; the same
/// command resumes.
#[test]
fn ctrl_c_stops_between_points_and_the_sweep_resumes() {
    let dir = scratch("sweep-sigint");
    let sweep = tour_sweep(&dir);
    let out_dir = dir.join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args([
            "sweep",
            sweep.to_str().unwrap(),
            "-j",
            "1",
            "-o",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while point_files(&out_dir) < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no points after 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("run the same command to resume"), "{err}");
    let done = point_files(&out_dir);
    assert!(done < 42, "it ran on after Ctrl-C");
    // Every point file left is whole: the resumed run keeps them all.
    let out = vsesim_ok(&["sweep", sweep.to_str().unwrap(), "-o", "out", "-q"], &dir);
    assert!(out.is_empty());
    assert!(out_dir.join("results.parquet").is_file());
}

/// Results of other inputs are never mixed in: a changed base is refused (exit 2) until
/// --restart (or --force, which keeps the finished points and says so).
#[test]
fn a_changed_base_is_refused() {
    let dir = setup("sweep-changed", NOISY_BASE, NOISY_SWEEP);
    vsesim_ok(&["sweep", "sweep.toml", "-o", "out", "-q"], &dir);
    let base = format!("{NOISY_BASE}\n# edited\n");
    std::fs::write(
        dir.join("base.toml"),
        base.replace("seed = 11", "seed = 12"),
    )
    .unwrap();
    let out = vsesim(&["sweep", "sweep.toml", "-o", "out"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("base scenario") && err.contains("changed"),
        "{err}"
    );
    assert!(
        err.contains("--restart") && err.contains("--force"),
        "{err}"
    );

    let out = vsesim_ok(&["sweep", "sweep.toml", "-o", "out", "--force"], &dir);
    assert!(
        out.contains("6 done before, 0 to run") && out.contains("forced"),
        "{out}"
    );
    assert_eq!(read_json(&dir.join("out/sweep.json"))["forced"], true);
    let out = vsesim_ok(&["sweep", "sweep.toml", "-o", "out", "--restart"], &dir);
    assert!(out.contains("0 done before, 6 to run"), "{out}");
    assert_eq!(read_json(&dir.join("out/sweep.json"))["forced"], false);

    // Shards of different inputs are not merged either.
    vsesim_ok(
        &["sweep", "sweep.toml", "-o", "split", "--shard", "1/2", "-q"],
        &dir,
    );
    std::fs::write(dir.join("base.toml"), NOISY_BASE).unwrap();
    vsesim_ok(
        &["sweep", "sweep.toml", "-o", "split", "--shard", "2/2", "-q"],
        &dir,
    );
    let out = vsesim(&["merge", "split"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("different sweeps"),
        "{}",
        stderr(&out)
    );
}

/// A path that is not in the base: exit 2, naming the sweep file, the line and the path.
#[test]
fn a_bad_axis_path_names_file_line_and_path() {
    let sweep = NOISY_SWEEP.replace("partitions[name=vp1].cores", "partitions[name=vp9].cores");
    let dir = setup("sweep-bad-path", NOISY_BASE, &sweep);
    let out = vsesim(&["sweep", "sweep.toml", "-o", "out"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("sweep.toml:8:8: axes[0].path"), "{err}");
    assert!(err.contains("partitions[name=vp9].cores"), "{err}");
    assert!(err.contains("found: vp1, vp2"), "{err}");
    assert!(
        !dir.join("out").exists(),
        "nothing is written for bad input"
    );

    // A value the base rejects names the axis and the point.
    let sweep = NOISY_SWEEP.replace("values = [1, 2, 3]", "values = [1, 2, 9]");
    std::fs::write(dir.join("sweep.toml"), sweep).unwrap();
    let out = vsesim(&["sweep", "sweep.toml", "-o", "out"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("sweep.toml:8:8: axes[0].path"), "{err}");
    assert!(err.contains("vp1_cores = 9"), "{err}");

    // An unknown key in the sweep file.
    std::fs::write(
        dir.join("sweep.toml"),
        "[sweep]\nbase = \"base.toml\"\nreplica = 3\n",
    )
    .unwrap();
    let out = vsesim(&["sweep", "sweep.toml", "-o", "out"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("sweep.toml:3:1"), "{}", stderr(&out));
}

/// Against hand-worked numbers: one workload of a flat 2.5 reference cores, work dropped
/// when short, on a vPar of c cores (speed 1) for 2 days. The unmet work is
/// (2.5 − c)⁺ × 48 h: 72 core-hours at c = 1, 24 at c = 2, 0 at c = 3 and 4. The demand has
/// no noise, so both replicas agree and the confidence interval has zero width.
#[test]
fn unmet_work_of_a_fixed_vpar_matches_the_hand_computation() {
    let base = r#"
[scenario]
name = "flat"
horizon = "2d"
seed = 1

[report]
timeseries = false

[[servers]]
name = "sd"
cells = 1
cores_per_cell = 8
memory_gb_per_cell = 16

[[partitions]]
name = "vp"
kind = "vpar"
parent = "sd"
cores = 2

[[workloads]]
name = "w"
partition = "vp"
units = "cores"
on_shortfall = "drop"
synth = { pattern = "flat", mean = 2.5 }
"#;
    let sweep = "[sweep]\nbase = \"base.toml\"\nreplicas = 2\n\n[[axes]]\nname = \"cores\"\npath = \"partitions[0].cores\"\nrange = { from = 1, to = 4, step = 1 }\n";
    let dir = setup("sweep-by-hand", base, sweep);
    vsesim_ok(&["sweep", "sweep.toml", "-o", "out", "-q"], &dir);
    let csv = std::fs::read_to_string(dir.join("out/summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (cores, unmet, low, high, dropped, demand) = (
        col("cores"),
        col("unmet_core_hours_mean"),
        col("unmet_core_hours_ci95_low"),
        col("unmet_core_hours_ci95_high"),
        col("dropped_core_hours_mean"),
        col("demand_core_hours_mean"),
    );
    let mut seen = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let num = |k: usize| f[k].parse::<f64>().unwrap();
        let c = num(cores);
        let expected = (2.5 - c).max(0.0) * 48.0;
        assert!(
            (num(unmet) - expected).abs() < 1e-9,
            "cores {c}: unmet {}",
            f[unmet]
        );
        assert!((num(dropped) - expected).abs() < 1e-9);
        assert_eq!(num(low), num(high), "no spread without noise");
        assert!((num(demand) - 120.0).abs() < 1e-9, "2.5 × 48 h");
        seen += 1;
    }
    assert_eq!(seen, 4);
    // The cheapest plan that serves everything is on the Pareto front: every plan costs 0
    // here, so the front is the best SLA (3 or 4 cores: all work served as it arrived).
    let pareto = read_json(&dir.join("out/pareto.json"));
    let best: Vec<i64> = pareto["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["params"]["cores"].as_i64().unwrap())
        .collect();
    assert_eq!(best, [3, 4]);
}

/// Latin-hypercube sampling through the command line: 4 samples of an integer axis 1..=4 take
/// each value once, whatever the seed.
#[test]
fn latin_hypercube_samples_each_stratum_once() {
    let sweep = "[sweep]\nbase = \"base.toml\"\nsampling = \"latin_hypercube\"\nsamples = 4\nseed = 99\n\n[[axes]]\nname = \"vp2_cores\"\npath = \"partitions[name=vp2].cores\"\nuniform = { low = 1, high = 4 }\n\n[[axes]]\npath = \"workloads[0].synth.noise\"\nuniform = { low = 0.0, high = 0.4 }\n";
    let dir = setup("sweep-lhs", NOISY_BASE, sweep);
    vsesim_ok(&["sweep", "sweep.toml", "-o", "out", "-q"], &dir);
    let csv = std::fs::read_to_string(dir.join("out/summary.csv")).unwrap();
    let mut cores: Vec<i64> = Vec::new();
    let mut noise: Vec<f64> = Vec::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        cores.push(f[1].parse().unwrap());
        noise.push(f[2].parse().unwrap());
    }
    cores.sort();
    assert_eq!(cores, [1, 2, 3, 4]);
    let mut strata: Vec<usize> = noise.iter().map(|x| (x / 0.1) as usize).collect();
    strata.sort();
    assert_eq!(strata, [0, 1, 2, 3]);
}

/// Malformed sweep files: each is exit 2 with the file, line and field, never a panic.
#[test]
fn malformed_sweep_files_name_file_line_and_field() {
    let dir = setup("sweep-malformed", NOISY_BASE, "");
    let head = "[sweep]\nbase = \"base.toml\"\n";
    let cases: [(&str, &str, &str); 12] = [
        (
            "[sweep]\n",
            "sweep.toml:1:1: sweep: missing field `base`",
            "",
        ),
        (
            "[sweep]\nbase = \"nope.toml\"\n",
            "sweep.toml:2:8: sweep.base",
            "cannot read",
        ),
        (
            "replicas = 0\n",
            "sweep.toml:3:12: sweep.replicas",
            "1 to 100000",
        ),
        (
            "sampling = \"sobol\"\n",
            "sweep.toml:3:12: sweep.sampling",
            "latin_hypercube",
        ),
        ("samples = 3\n", "sweep.toml:3:11: sweep.samples", "grid"),
        (
            "[[axes]]\npath = \"partitions[0].cores\"\nuniform = { low = 1, high = 3 }\n",
            "sweep.toml:5:11: axes[0].uniform",
            "a grid needs a list",
        ),
        (
            "[[axes]]\npath = \"partitions[0].cores\"\nvalues = [1, \"x\"]\n",
            "sweep.toml:5:10: axes[0].values",
            "mix kinds",
        ),
        (
            "[[axes]]\npath = \"partitions[0].cores\"\nrange = { from = 0, to = 1e300, step = 1e-300 }\n",
            "sweep.toml:5:",
            "more than 1000000 values",
        ),
        (
            "[[axes]]\npath = \"partitions[0].cores\"\nvalues = [1.5]\n",
            "sweep.toml:4:8: axes[0].path",
            "whole number",
        ),
        (
            "[[axes]]\npath = \"scenario.seed\"\nvalues = [1]\n",
            "sweep.toml:4:8: axes[0].path",
            "replicas",
        ),
        (
            "[[axes]]\npath = \"partitions[0]\"\nvalues = [1]\n",
            "sweep.toml:4:8: axes[0].path",
            "is a table",
        ),
        (
            "[[axes]]\nname = \"cost_total\"\npath = \"partitions[0].cores\"\nvalues = [1]\n",
            "sweep.toml:4:8: axes[0].name",
            "column of the results",
        ),
    ];
    for (text, location, words) in cases {
        let text = if text.starts_with("[sweep]") {
            text.to_string()
        } else {
            format!("{head}{text}")
        };
        std::fs::write(dir.join("sweep.toml"), &text).unwrap();
        let out = vsesim(&["sweep", "sweep.toml", "-o", "out"], &dir);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}\n{err}");
        assert!(
            err.contains(location) && err.contains(words),
            "{text}\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!dir.join("out").exists(), "bad input writes nothing");
}
