//! The consolidation walkthrough on the PlanetLab day: import → plan → run → compare.

use crate::common::*;

/// Every VM of the PlanetLab day (1,052, each on a 1-core source) planned onto 16-core VM
/// hosts at p99 within 85 %, as the README's tour step 11 says: its import command, then a
/// copy of scenarios/plan-planetlab.toml whose `trace` names the import and whose hosts have
/// 16 cores. The plan needs no more servers than sum-of-peaks sizing (and at least the lower
/// bound), both are stated, the README's figures are the plan's, and `vsesim run` of the
/// plan's own scenario finds every server within its limit at that percentile — the planner
/// never hands over a placement the simulator finds over the limit. The run also conserves
/// the traces' work.
#[test]
fn planetlab_day_import_plan_run() {
    let Some(traces) = shared_traces("planetlab/20110303") else {
        return;
    };
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let step11 = &readme[readme.find("11. **Real data.**").expect("tour step 11")..];
    let step11 = step11[..step11.find("\n\n").unwrap()].replace("\n    ", " ");
    assert!(step11.contains(
        "`vsesim import planetlab ../shared/traces/planetlab/20110303 -o output/planetlab-real.parquet`"
    ));
    let dir = scratch("plan");
    std::fs::create_dir(dir.join("output")).unwrap();
    let out = vsesim(
        &[
            "import",
            "planetlab",
            traces.to_str().unwrap(),
            "-o",
            "output/planetlab-real.parquet",
            "-q",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join("output/planetlab-real.sources.csv").is_file());
    // The copy: `trace` relative to the plan file, 16-core hosts.
    let bundled =
        std::fs::read_to_string(project_root().join("scenarios/plan-planetlab.toml")).unwrap();
    let copy = bundled
        .replace(
            "trace = \"../traces/planetlab.parquet\"",
            "trace = \"output/planetlab-real.parquet\"",
        )
        .replace("\ncores = 8\n", "\ncores = 16\n");
    assert_eq!(copy.matches("output/planetlab-real.parquet").count(), 1);
    assert!(copy.contains("\ncores = 16\n"));
    std::fs::write(dir.join("plan.toml"), copy).unwrap();
    let out = vsesim(&["plan", "plan.toml", "-o", "out"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("time-aligned") && said.contains("sum of peaks"),
        "{said}"
    );
    let plan = read_json(&dir.join("out/plan.json"));
    let servers = plan["totals"]["servers"].as_u64().unwrap();
    let baseline = plan["baseline"]["totals"]["servers"].as_u64().unwrap();
    assert!(servers <= baseline, "{servers} > {baseline}");
    assert!(servers >= plan["lower_bound_servers"].as_u64().unwrap());
    let figures = format!("{servers} servers where sum-of-peaks sizing needs {baseline}");
    assert!(
        step11.contains(&figures),
        "README step 11 should say: {figures}"
    );
    // Every VM placed exactly once.
    let placed: usize = plan["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["workloads"].as_array().unwrap().len())
        .sum();
    assert_eq!(placed, 1052);

    let out = vsesim(&["run", "out/planetlab-plan.toml", "-o", "run", "-q"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = read_json(&dir.join("run/summary.json"));
    assert_eq!(s["servers"].as_array().unwrap().len() as u64, servers);
    for server in s["servers"].as_array().unwrap() {
        assert_eq!(server["verdict"]["status"], "meets", "{}", server["name"]);
    }
    // The mean of all samples of the day is 12.31 % of a core (tests/runs/planetlab.rs
    // computes it from the raw files): 1,052 VMs × 24 h × 0.1231 ≈ 3,108 core-h arrive, and
    // the run serves them all or keeps them waiting, none lost.
    let t = &s["totals"];
    let demand = f(&t["demand_core_hours"]);
    assert!(
        (demand - 1052.0 * 24.0 * 0.1231).abs() < 0.001 * demand,
        "{demand}"
    );
    assert!(f(&t["dropped_core_hours"]).abs() < 1e-9);
}

/// A plan file's mistakes are answered like a scenario's: file, line, field.
#[test]
fn bad_plan_files_name_the_field() {
    let dir = scratch("plan-bad");
    std::fs::write(dir.join("t.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(
        dir.join("plan.toml"),
        "[plan]\nname = \"x\"\ntrace = \"t.csv\"\nunits = \"cores\"\nobjective = \"speed\"\n\n[[targets]]\nname = \"t\"\ncores = 4\nmemory_gb = 8\nprice = 1\n",
    )
    .unwrap();
    let out = vsesim(&["plan", "plan.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("plan.toml:5:") && e.contains("plan.objective"),
        "{e}"
    );
    // A workload bigger than any target alone: named, with why.
    std::fs::write(dir.join("t.csv"), "time_s,a,b\n0,1,20\n300,1,2\n").unwrap();
    std::fs::write(
        dir.join("plan.toml"),
        "[plan]\nname = \"x\"\ntrace = \"t.csv\"\nunits = \"cores\"\n\n[[targets]]\nname = \"t\"\ncores = 4\nmemory_gb = 8\nprice = 1\n",
    )
    .unwrap();
    let out = vsesim(&["plan", "plan.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'b'"), "{}", stderr(&out));
}
