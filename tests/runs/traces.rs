//! The native trace format end to end: the same demand written as wide CSV, long CSV and
//! Parquet gives the same result; bad traces are bad input (exit 2) naming file, line, field.

use crate::common::*;
use polars::prelude::*;

/// Two workloads `a` and `b` replaying `trace` (with `extra` lines each) on one 4-core server
/// for 20 minutes.
fn scenario(trace: &str, extra: &str) -> String {
    Scenario::new("traces", "20m", 1)
        .server("sd", 1, 4, 8, "")
        .trace("a", "sd", trace, extra)
        .trace("b", "sd", trace, extra)
        .into()
}

/// a: 1, 2, 3, 6 cores; b: 0.5 each step; 5-minute steps. 20 minutes on 4 cores: a + b is
/// over 4 only in the last step (6.5 → served 4, 2.5 core × 5 min backlog at the end).
const WIDE: &str = "time_s,a,b\n0,1,0.5\n300,2,0.5\n600,3,0.5\n900,6,0.5\n";
const LONG: &str = "time_s,workload,cpu\n0,a,1\n0,b,0.5\n300,a,2\n300,b,0.5\n600,a,3\n600,b,0.5\n900,a,6\n900,b,0.5\n";

fn check(s: &serde_json::Value) {
    let a = entity(s, "workloads", "a");
    let b = entity(s, "workloads", "b");
    // Demand: a = (1+2+3+6) × 5 min = 1 core-h; b = 0.5 × 20 min = 1/6 core-h.
    assert!((f(&a["demand_core_hours"]) - 1.0).abs() < 1e-9);
    assert!((f(&b["demand_core_hours"]) - 1.0 / 6.0).abs() < 1e-9);
    // Last step: 6.5 cores of need on 4 → 2.5 × 5 min = 0.2083 core-h left waiting.
    let sd = entity(s, "servers", "sd");
    assert!((f(&sd["backlog_core_hours"]) - 2.5 * 5.0 / 60.0).abs() < 1e-9);
    assert!((f(&sd["peak_demand_cores"]) - 6.5).abs() < 1e-9);
}

#[test]
fn wide_long_and_parquet_give_the_same_result() {
    let s_wide = scratch_run_summary("wide", &scenario("t.csv", ""), &[("t.csv", WIDE)]);
    check(&s_wide);

    let s_long = scratch_run_summary("long", &scenario("t.csv", ""), &[("t.csv", LONG)]);

    let pq = scratch("parquet");
    let mut df = DataFrame::new(
        4,
        vec![
            Column::new("time_s".into(), [0i64, 300, 600, 900]),
            Column::new("a".into(), [1.0f64, 2.0, 3.0, 6.0]),
            Column::new("b".into(), [0.5f64, 0.5, 0.5, 0.5]),
        ],
    )
    .unwrap();
    let file = std::fs::File::create(pq.join("t.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    let s_pq = write_run_summary(&pq, &scenario("t.parquet", ""), &[], &[]);

    assert_eq!(s_wide["workloads"], s_long["workloads"]);
    assert_eq!(s_wide["workloads"], s_pq["workloads"]);
    assert_eq!(s_wide["servers"], s_pq["servers"]);
}

/// Without a time column the scenario gives the step.
#[test]
fn a_fixed_step_replaces_the_time_column() {
    let trace = "a,b\n1,0.5\n2,0.5\n3,0.5\n6,0.5\n";
    let text = scenario("t.csv", "step = \"5m\"\n");
    check(&scratch_run_summary("nostep", &text, &[("t.csv", trace)]));
}

fn bad(trace: &str, extra: &str) -> String {
    let dir = scratch("badtrace");
    std::fs::write(dir.join("t.csv"), trace).unwrap();
    std::fs::write(dir.join("s.toml"), scenario("t.csv", extra)).unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn bad_traces_name_file_line_and_field() {
    let err = bad(
        "time_s,a,b\n0,1,0.5\n300,-2,0.5\n600,3,0.5\n900,6,0.5\n",
        "",
    );
    assert!(err.contains("t.csv:3") && err.contains("`a`"), "{err}");
    let err = bad(
        "time_s,a,b\n0,1,0.5\n300,2,0.5\n900,3,0.5\n1200,6,0.5\n",
        "",
    );
    assert!(err.contains("t.csv:4") && err.contains("gap"), "{err}");
    let err = bad("time_s,a,b\n0,1,0.5\n300,2,NaN\n600,3,0.5\n900,6,0.5\n", "");
    assert!(err.contains("t.csv:3") && err.contains("`b`"), "{err}");
    // The error also says which workload of which scenario line named the trace.
    assert!(
        err.contains("workload `a`") && err.contains("s.toml:"),
        "{err}"
    );
    // Too short for the horizon: 2 samples of 5 min for 20 minutes.
    let err = bad("time_s,a,b\n0,1,0.5\n300,2,0.5\n", "");
    assert!(err.contains("covers 10m but the horizon is 20m"), "{err}");
}
