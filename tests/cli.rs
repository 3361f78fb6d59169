//! The binary as a user meets it: the default scenario, the output contract, determinism,
//! exit codes and the messages of bad input.

mod common;
use common::*;

/// `vsesim run` with no argument runs scenarios/demo.toml and writes the output contract.
#[test]
fn default_run_writes_the_output_contract() {
    let root = project_root();
    let out_dir = scratch("default-run");
    let out = vsesim(&["run", "-o", out_dir.to_str().unwrap(), "--csv"], &root);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("sd-new") && table.contains("vp-app"),
        "table:\n{table}"
    );
    for file in [
        "summary.json",
        "run.json",
        "timeseries.parquet",
        "timeseries.csv",
        "stats.parquet",
        "stats.csv",
        "report.html",
        "charts/stack_sd-new.png",
        "charts/stack_sd-new.svg",
        "charts/heatmap_sd-new.png",
        "charts/demand_vp-db.svg",
    ] {
        assert!(out_dir.join(file).is_file(), "{file} missing");
    }
    // The demo prices nothing: no cost chart (an empty one says nothing; issue #19), and
    // the report's Cost section says so in words.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["cost"]["total"].as_f64(),
        Some(0.0),
        "the demo now has costs"
    );
    assert!(!out_dir.join("charts/cost.svg").exists());
    // stats.csv: a scenario row, then CPU and memory rows for 9 nodes and 6 workloads.
    let stats = std::fs::read_to_string(out_dir.join("stats.csv")).unwrap();
    assert_eq!(stats.lines().count(), 1 + 1 + 2 * (9 + 6));
    // The scenario row's percentiles are exact (statrs over the time-series rows, which are
    // the 5-minute segments here); the server's come from a 1,000-bin histogram, within
    // ±0.0005 of the exact value: with one server they must agree to that.
    let row = |prefix: &str| -> Vec<f64> {
        let line = stats.lines().find(|l| l.starts_with(prefix)).unwrap();
        line.split(',')
            .skip(3)
            .take(6)
            .map(|x| x.parse().unwrap())
            .collect()
    };
    let (scenario, server) = (row("demo,scenario,cpu,"), row("sd-new,server,cpu,"));
    for (a, b) in scenario.iter().zip(&server) {
        assert!(
            (a - b).abs() <= 0.0005 + 1e-12,
            "{scenario:?} vs {server:?}"
        );
    }
    // The charts name what they show.
    let stack = std::fs::read_to_string(out_dir.join("charts/stack_sd-new.svg")).unwrap();
    for name in ["oltp", "reporting", "web", "batch", "dev", "test", "sd-new"] {
        assert!(stack.contains(name), "stacked chart lacks {name}");
    }
    let s = read_json(&out_dir.join("summary.json"));
    assert_eq!(s["scenario"]["name"], "demo");
    assert_eq!(s["scenario"]["horizon_ms"], 14 * 86_400_000u64);
    // Conservation over the whole run: demand = served + dropped + backlog at the end.
    let t = &s["totals"];
    let balance = f(&t["demand_core_hours"])
        - f(&t["served_core_hours"])
        - f(&t["dropped_core_hours"])
        - f(&t["backlog_core_hours"]);
    assert!(
        balance.abs() < 1e-6 * f(&t["demand_core_hours"]),
        "balance {balance}"
    );
    // The server's totals are the sums of its workloads'.
    let wl_demand: f64 = s["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| f(&w["demand_core_hours"]))
        .sum();
    assert!((wl_demand - f(&t["demand_core_hours"])).abs() < 1e-6 * wl_demand);
    // Capacity is never exceeded: no partition's utilization above 100 %, and no partition
    // holds on average more than its capacity.
    for p in s["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .chain(s["servers"].as_array().unwrap())
    {
        assert!(
            f(&p["cpu_utilization"]["max"]) <= 1.0 + 1e-9,
            "{}",
            p["name"]
        );
        assert!(
            f(&p["mean_allocation_cores"]) <= f(&p["capacity_cores"]) + 1e-9,
            "{}",
            p["name"]
        );
    }
    // The time series has one row per entity per 5-minute step: 14 days × 288 × (6 workloads
    // + 9 nodes) rows, plus the header.
    let csv = std::fs::read_to_string(out_dir.join("timeseries.csv")).unwrap();
    assert_eq!(csv.lines().count(), 14 * 288 * 15 + 1);
    assert!(csv.starts_with("time,entity,kind,demand,allocation,served,backlog,utilization\n"));
    // An independent figure: oltp is 35 % of an 8-core machine at speed 0.5 (1.4 reference
    // cores) on average over whole weeks; the noise has mean zero. 14 days: 470.4 core-h.
    let oltp = entity(&s, "workloads", "oltp");
    assert!(
        (f(&oltp["demand_core_hours"]) - 470.4).abs() < 0.01 * 470.4,
        "{}",
        oltp["demand_core_hours"]
    );
    let run = read_json(&out_dir.join("run.json"));
    assert!(f(&run["events"]) > 0.0);
}

/// The bundled demo's summary.json is checked in (tests/golden/demo.summary.json): other
/// tools parse it, so any change to it must be deliberate. After an intended change, rerun
/// with VSESIM_UPDATE_GOLDEN=1 and review the diff.
#[test]
fn demo_summary_matches_the_golden_file() {
    let root = project_root();
    let out_dir = scratch("golden");
    let out = vsesim(&["run", "-o", out_dir.to_str().unwrap(), "--quiet"], &root);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
    check_golden("demo.summary.json", &got);
}

/// Every bundled scenario that `vsesim run` runs has its summary.json checked in too
/// (tests/golden/<name>.summary.json), so a change of any figure of any of them is a
/// deliberate, reviewed commit. Not here: demo.toml (the test above), sweep-ownborrow.toml (a
/// sweep file), plan-planetlab.toml (a plan file).
#[test]
fn bundled_scenarios_match_their_golden_summaries() {
    let root = project_root();
    for name in [
        "consolidation-fixed",
        "consolidation-ownborrow",
        "consolidation-ticap",
        "ha-cluster",
        "licence-fss",
        "licence-vms",
        "licence-vpars",
        "mobility/mobility-static",
        "mobility/mobility-mad",
        "mobility/mobility-thr",
        "mobility/mobility-vpars",
    ] {
        let out_dir = scratch("golden-bundled");
        let file = format!("scenarios/{name}.toml");
        let out = vsesim(
            &["run", &file, "-o", out_dir.to_str().unwrap(), "--quiet"],
            &root,
        );
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let got = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
        let stem = name.rsplit('/').next().unwrap();
        check_golden(&format!("{stem}.summary.json"), &got);
        let _ = std::fs::remove_dir_all(&out_dir);
    }
}

/// Same scenario, same seed: byte-identical summary.json and time series, whatever the
/// number of threads the libraries may use.
#[test]
fn runs_are_deterministic() {
    let root = project_root();
    let a = scratch("det-a");
    let b = scratch("det-b");
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vsesim"))
            .args([
                "run",
                "scenarios/demo.toml",
                "-o",
                dir.to_str().unwrap(),
                "--quiet",
                "--csv",
            ])
            .current_dir(&root)
            .env("POLARS_MAX_THREADS", threads)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    for file in [
        "summary.json",
        "timeseries.csv",
        "timeseries.parquet",
        "stats.csv",
        "stats.parquet",
        "report.html",
        "charts/stack_sd-new.png",
        "charts/heatmap_sd-new.svg",
    ] {
        let x = std::fs::read(a.join(file)).unwrap();
        let y = std::fs::read(b.join(file)).unwrap();
        assert!(x == y, "{file} differs between two runs");
    }
}

/// `vsesim plot DIR` redraws a run's charts and report.html from its files: the same bytes
/// as the run drew.
#[test]
fn plot_redraws_the_charts_of_a_run() {
    let root = project_root();
    let dir = scratch("plot");
    let out = vsesim(&["run", "-o", dir.to_str().unwrap(), "-q"], &root);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read(dir.join("charts/heatmap_sd-new.png")).unwrap();
    let html = std::fs::read(dir.join("report.html")).unwrap();
    std::fs::remove_dir_all(dir.join("charts")).unwrap();
    std::fs::remove_file(dir.join("report.html")).unwrap();
    let out = vsesim(&["plot", dir.to_str().unwrap()], &root);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        before,
        std::fs::read(dir.join("charts/heatmap_sd-new.png")).unwrap()
    );
    assert_eq!(html, std::fs::read(dir.join("report.html")).unwrap());
    // A folder that is not a run's is bad input.
    let out = vsesim(&["plot", scratch("empty").to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("summary.json"), "{}", stderr(&out));
}

/// `vsesim plot` reads summary.json typed: a field the report shows, renamed in the file
/// (as an old or hand-edited summary would have it), a word no vsesim writes, and a newer
/// format are each refused with exit 2, naming what is wrong, and no page is written; the
/// untouched file draws a page (so the refusals are the edits', not the folder's).
#[test]
fn plot_refuses_a_summary_whose_fields_or_words_it_does_not_know() {
    let root = project_root();
    let golden = std::fs::read_to_string(root.join("tests/golden/demo.summary.json")).unwrap();
    let plot = |name: &str, text: &str| {
        let dir = scratch(name);
        std::fs::write(dir.join("summary.json"), text).unwrap();
        let out = vsesim(&["plot", dir.to_str().unwrap()], &root);
        (out, dir.join("report.html").exists())
    };
    let (out, page) = plot("plot-golden", &golden);
    assert!(out.status.success() && page, "{}", stderr(&out));
    // The SLA met share is a column of every table of the page; renamed, it would have shown
    // "—" in each.
    let renamed = golden.replace("\"sla_met_share\"", "\"sla_share\"");
    let (out, page) = plot("plot-renamed", &renamed);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!page);
    let err = stderr(&out);
    assert!(
        err.contains("summary.json") && err.contains("missing field `sla_met_share`"),
        "{err}"
    );
    assert!(err.contains("servers[0]"), "{err}");
    // A node kind no vsesim writes: refused naming it and the words it knows.
    let odd = golden.replacen("\"kind\": \"npar\"", "\"kind\": \"lpar\"", 1);
    let (out, page) = plot("plot-word", &odd);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!page);
    let err = stderr(&out);
    assert!(err.contains("unknown word `lpar`"), "{err}");
    assert!(err.contains("`npar`") && err.contains("`vpar`"), "{err}");
    assert!(err.contains("verdict.counts[1].kind"), "{err}");
    // A newer format: said before any field.
    let newer = golden.replacen("\"format_version\": 2", "\"format_version\": 99", 1);
    let (out, _) = plot("plot-newer", &newer);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("format_version 99 is newer"),
        "{}",
        stderr(&out)
    );
}

/// `vsesim plot` reads replicas.json typed too: beside the golden demo's summary, a
/// replicas.json of two replicas (figures made up) draws the Monte Carlo section, its package
/// row with the mean 0.75 as 75.0 % and the interval 0.5–1.0 as 50.0 – 100.0; the same file
/// with a field renamed, as a foreign or hand-edited one would have it, is refused with exit
/// 2 naming the file and the field, and no page is written (the untyped read showed "—").
#[test]
fn plot_refuses_a_replicas_json_whose_fields_it_does_not_know() {
    let root = project_root();
    let golden = std::fs::read_to_string(root.join("tests/golden/demo.summary.json")).unwrap();
    let interval = |m: f64, l: f64, h: f64| {
        format!(r#"{{"mean": {m:?}, "ci95_low": {l:?}, "ci95_high": {h:?}}}"#)
    };
    let replicas = format!(
        r#"{{"scenario": "demo", "seed": 11, "replicas": 2,
            "availability": {}, "unmet_core_hours": {},
            "packages": [{{"name": "pkg-db", "availability": {}, "failovers": {}}}],
            "runs": [
              {{"replica": 0, "availability": 1.0, "unmet_core_hours": 1.0, "outages": 0,
                "package_availability": [1.0], "package_failovers": [0]}},
              {{"replica": 1, "availability": 0.98, "unmet_core_hours": 2.0, "outages": 1,
                "package_availability": [0.5], "package_failovers": [1]}}]}}"#,
        interval(0.99, 0.98, 1.0),
        interval(1.5, 0.5, 2.5),
        interval(0.75, 0.5, 1.0),
        interval(0.5, 0.0, 1.0),
    );
    let plot = |name: &str, text: &str| {
        let dir = scratch(name);
        std::fs::write(dir.join("summary.json"), &golden).unwrap();
        std::fs::write(dir.join("replicas.json"), text).unwrap();
        let out = vsesim(&["plot", dir.to_str().unwrap()], &root);
        let page = std::fs::read_to_string(dir.join("report.html")).ok();
        (out, page)
    };
    let (out, page) = plot("plot-replicas", &replicas);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = page.expect("report.html");
    assert!(page.contains("2 replicas of the random failures"), "{page}");
    assert!(
        page.contains("<th scope=\"row\">pkg-db: availability [%]</th><td class=\"num\">75.0</td><td class=\"num\">50.0 – 100.0</td>"),
        "{page}"
    );
    let renamed = replicas.replacen("\"package_failovers\"", "\"failovers_by_package\"", 1);
    let (out, page) = plot("plot-replicas-renamed", &renamed);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(page.is_none());
    let err = stderr(&out);
    assert!(err.contains("replicas.json"), "{err}");
    assert!(
        err.contains("unknown field `failovers_by_package`"),
        "{err}"
    );
    assert!(err.contains("runs[0]"), "{err}");
}

/// `vsesim compare` writes compare.json, one chart per metric and a report page naming every
/// scenario.
#[test]
fn compare_draws_its_charts_and_report() {
    let root = project_root();
    let dir = scratch("compare");
    let out = vsesim(
        &[
            "compare",
            "scenarios/consolidation-fixed.toml",
            "scenarios/consolidation-ownborrow.toml",
            "-o",
            dir.to_str().unwrap(),
            "-q",
        ],
        &root,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("consolidation-fixed") && html.contains("consolidation-ownborrow"));
    let charts: Vec<_> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        charts.iter().filter(|c| c.ends_with(".svg")).count() >= 5,
        "{charts:?}"
    );
    assert!(html.matches("<svg").count() >= 5, "charts not inlined");
}

#[test]
fn validate_accepts_the_demo() {
    let out = vsesim(&["validate", "scenarios/demo.toml"], &project_root());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("6 workloads"));
}

#[test]
fn missing_scenario_file_is_bad_input() {
    let dir = scratch("missing");
    let out = vsesim(&["run", "nope.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.toml: no such scenario file"));
}

const BASE: &str = r#"
[scenario]
name = "bad"
horizon = "1h"
seed = 1

[[servers]]
name = "sd"
cells = 2
cores_per_cell = 4
memory_gb_per_cell = 16
"#;

/// Run `validate` on BASE + `extra` and return (exit code, stderr).
fn validate(extra: &str) -> (Option<i32>, String) {
    let dir = scratch("bad");
    std::fs::write(dir.join("s.toml"), format!("{BASE}{extra}")).unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    (out.status.code(), stderr(&out))
}

/// The line of `needle` in BASE + extra, 1-based.
fn line_of(extra: &str, needle: &str) -> usize {
    let text = format!("{BASE}{extra}");
    let at = text.find(needle).expect("needle in text");
    text[..at].matches('\n').count() + 1
}

fn assert_bad(extra: &str, needle: &str, field: &str, words: &str) {
    let (code, err) = validate(extra);
    assert_eq!(code, Some(2), "stderr: {err}");
    let line = line_of(extra, needle);
    assert!(
        err.contains(&format!("s.toml:{line}:")),
        "expected line {line} in: {err}"
    );
    assert!(err.contains(field), "expected field `{field}` in: {err}");
    assert!(err.contains(words), "expected `{words}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn cells_used_twice_are_rejected() {
    let extra = r#"
[[partitions]]
name = "np1"
kind = "npar"
parent = "sd"
cells = [0, 1]

[[partitions]]
name = "np2"
kind = "npar"
parent = "sd"
cells = [1]
"#;
    assert_bad(
        extra,
        "cells = [1]",
        "partitions[1] (np2).cells",
        "already used by `np1`",
    );
}

#[test]
fn vpar_minimums_exceeding_their_npar_are_rejected() {
    let extra = r#"
[[partitions]]
name = "np1"
kind = "npar"
parent = "sd"
cells = 1

[[partitions]]
name = "vp1"
kind = "vpar"
parent = "np1"
cores = 2
min_cores = 2

[[partitions]]
name = "vp2"
kind = "vpar"
parent = "np1"
cores = 3
min_cores = 3
max_cores = 4
"#;
    assert_bad(
        extra,
        "min_cores = 3",
        "(vp2).min_cores",
        "add up to 5 cores",
    );
}

#[test]
fn vm_with_more_vcpus_than_host_cores_is_rejected() {
    let extra = r#"
[[partitions]]
name = "np1"
kind = "npar"
parent = "sd"
cells = 1

[[partitions]]
name = "guest"
kind = "vm"
parent = "np1"
vcpus = 6
"#;
    assert_bad(
        extra,
        "vcpus = 6",
        "(guest).vcpus",
        "host `np1` has 4 cores",
    );
}

#[test]
fn cycles_in_the_partition_tree_are_rejected() {
    let extra = r#"
[[partitions]]
name = "a"
kind = "vpar"
parent = "b"
cores = 1

[[partitions]]
name = "b"
kind = "vpar"
parent = "a"
cores = 1
"#;
    assert_bad(
        extra,
        "parent = \"b\"",
        "partitions[0] (a).parent",
        "cycle: a → b → a",
    );
}

#[test]
fn unknown_parents_are_rejected() {
    let extra = r#"
[[partitions]]
name = "vp1"
kind = "vpar"
parent = "np9"
cores = 1
"#;
    assert_bad(
        extra,
        "parent = \"np9\"",
        "(vp1).parent",
        "unknown parent `np9`",
    );
}

#[test]
fn unknown_fields_and_bad_durations_name_the_field() {
    let (code, err) = validate("\n[report]\nutil_limt = 0.8\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown field `util_limt`"), "{err}");
    assert!(
        err.contains(&format!(
            "s.toml:{}:",
            line_of("\n[report]\nutil_limt = 0.8\n", "util_limt")
        )),
        "{err}"
    );

    let dir = scratch("bad-duration");
    std::fs::write(
        dir.join("s.toml"),
        BASE.replace("\"1h\"", "\"1 fortnight\""),
    )
    .unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("s.toml:4:") && err.contains("scenario.horizon"),
        "{err}"
    );
    assert!(err.contains("expected a duration"), "{err}");
}

#[test]
fn workload_on_a_divided_partition_is_rejected() {
    let extra = r#"
[[partitions]]
name = "np1"
kind = "npar"
parent = "sd"
cells = 1

[[workloads]]
name = "w"
partition = "sd"
units = "cores"
synth = { pattern = "flat", mean = 1 }
"#;
    assert_bad(
        extra,
        "partition = \"sd\"",
        "(w).partition",
        "divided into partitions",
    );
}

/// An nPar with no `cores` on an all-active server holds all its cells' cores, so a vPar
/// beside it on the same server cannot also claim them; and a split server has no OS of its
/// own for vPars.
#[test]
fn a_server_holds_one_kind_of_partition() {
    let extra = r#"
[[partitions]]
name = "np"
kind = "npar"
parent = "sd"
cells = 2

[[partitions]]
name = "vp"
kind = "vpar"
parent = "sd"
cores = 8
"#;
    assert_bad(
        extra,
        "kind = \"vpar\"",
        "(vp).kind",
        "already holds npar partitions",
    );
}

#[test]
fn pset_groups_inside_a_vm_are_refused() {
    let extra = r#"
[[partitions]]
name = "g"
kind = "vm"
parent = "sd"
vcpus = 2
entitlement = 50

[[partitions]]
name = "ps"
kind = "srp"
parent = "g"
cores = 1
"#;
    assert_bad(extra, "cores = 1", "(ps).cores", "not modelled");
}

/// Core counts near u32::MAX must not wrap around when summed.
#[test]
fn huge_core_counts_do_not_wrap() {
    let extra = r#"
[[partitions]]
name = "vp"
kind = "vpar"
parent = "sd"
cores = 4

[[partitions]]
name = "a"
kind = "srp"
parent = "vp"
cores = 1

[[partitions]]
name = "b"
kind = "srp"
parent = "vp"
cores = 4294967295
"#;
    let (code, err) = validate(extra);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("(b).cores"), "{err}");
}

/// A scenario that is not UTF-8 is bad input named by line and column, not a crash
/// (regression: the caret under the bad byte once sliced inside its replacement character).
#[test]
fn non_utf8_scenarios_are_bad_input() {
    let dir = scratch("nonutf8");
    std::fs::write(
        dir.join("s.toml"),
        b"[scenario]\nname = \"x\xff\"\nhorizon = \"1d\"\nseed = 1\n",
    )
    .unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("s.toml:2:10") && err.contains("not valid UTF-8"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Three complexes joined by nothing are three islands, simulated in parallel under
/// `run -j N` and merged in a fixed order: every output is the same bytes on one thread as on
/// three, with TiCAP, pay per use, gWLM and a failure in play.
#[test]
fn islands_run_in_parallel_give_the_same_bytes() {
    let mut toml = String::from(
        "[scenario]\nname = \"islands\"\nhorizon = \"2d\"\nseed = 5\n\n\
         [report]\ninterval = \"10m\"\n\n",
    );
    for s in 0..3 {
        let licensing = match s {
            0 => {
                "active_cores = 6\nticap = { balance_core_minutes = 20000, price_per_core_day = 40 }"
            }
            1 => "ppu = { metric = \"percent\", price_per_core_month = 300 }",
            _ => "",
        };
        toml += &format!(
            "[[servers]]\nname = \"sd{s}\"\ncells = 1\ncores_per_cell = 8\nmemory_gb_per_cell = 64\n{licensing}\n\n\
             [[partitions]]\nname = \"sd{s}-np\"\nkind = \"npar\"\nparent = \"sd{s}\"\ncells = 1\ncores = {}\n\n",
            if s == 0 { 6 } else { 8 }
        );
        for v in 0..2 {
            toml += &format!(
                "[[partitions]]\nname = \"sd{s}-vp{v}\"\nkind = \"vpar\"\nparent = \"sd{s}-np\"\n\
                 cores = 2\nmin_cores = 1\nmax_cores = 6\n\n\
                 [[workloads]]\nname = \"sd{s}-w{v}\"\npartition = \"sd{s}-vp{v}\"\nunits = \"cores\"\n\
                 on_shortfall = \"{}\"\n\
                 synth = {{ pattern = \"diurnal\", mean = 2.5, peak = 5.5, peak_hour = {}, noise = 0.2 }}\n\n",
                if v == 0 { "delay" } else { "drop" },
                6 * v + s,
            );
        }
        toml += &format!(
            "[[policies]]\ndomain = \"sd{s}-np\"\ninterval = \"60s\"\n\n\
             [[policies.compartments]]\npartition = \"sd{s}-vp0\"\n\
             policy = {{ type = \"utilization\", target = 75, min = 1, max = 6 }}\n\n\
             [[policies.compartments]]\npartition = \"sd{s}-vp1\"\n\
             policy = {{ type = \"own_borrow\", owned = 3, min = 1, max = 6, target = 75 }}\n\n"
        );
    }
    toml += "[[failures]]\ntarget = \"sd2-vp1\"\nat = \"20h\"\nduration = \"3h\"\n";
    let dir = scratch("islands");
    let path = dir.join("islands.toml");
    std::fs::write(&path, &toml).unwrap();
    let run = |jobs: &str| {
        let out_dir = dir.join(format!("j{jobs}"));
        let out = vsesim(
            &[
                "run",
                path.to_str().unwrap(),
                "-o",
                out_dir.to_str().unwrap(),
                "-q",
                "-j",
                jobs,
            ],
            &dir,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        out_dir
    };
    let (one, three) = (run("1"), run("3"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("summary.json")).unwrap()).unwrap();
    // Three servers' worth of work, each with demand: the islands all ran.
    let servers = summary["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 3);
    for s in servers {
        assert!(s["demand_core_hours"].as_f64().unwrap() > 100.0, "{s}");
    }
    for file in [
        "summary.json",
        "stats.csv",
        "timeseries.parquet",
        "report.html",
    ] {
        let x = std::fs::read(one.join(file)).unwrap();
        let y = std::fs::read(three.join(file)).unwrap();
        assert!(x == y, "{file} differs between -j 1 and -j 3");
    }
}
