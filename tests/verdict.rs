//! Capacity Advisor's figures (DOMAIN.md §6): headroom, the peak of time-aligned sums, and the
//! star rating, checked against the examples in its documentation.

mod common;
use common::*;

fn server_run(
    name: &str,
    cores: u32,
    limit: f64,
    workloads: &str,
    files: &[(&str, &str)],
) -> serde_json::Value {
    let dir = scratch(name);
    let text = format!(
        "[scenario]\nname = \"{name}\"\nhorizon = \"1d\"\nseed = 1\n\n[[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = {cores}\nmemory_gb_per_cell = 64\n\n[report]\nutil_limit = {limit}\ntimeseries = false\n{workloads}"
    );
    std::fs::write(dir.join("s.toml"), text).unwrap();
    for (f, t) in files {
        std::fs::write(dir.join(f), t).unwrap();
    }
    let out = vsesim(&["run", "s.toml", "-o", "out", "--quiet"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    read_json(&dir.join("out/summary.json"))
}

/// [CA14]: 4 cores at a 75 % limit with a 1.75-core peak leave 0.75 × 4 − 1.75 = 1.25 cores
/// of headroom. The one workload could grow by 1.25/1.75 = 71 %: at least 50 %, less than
/// 75 %: three stars.
#[test]
fn headroom_and_stars_of_the_capacity_advisor_example() {
    let s = server_run(
        "ca14",
        4,
        0.75,
        "\n[[workloads]]\nname = \"w\"\npartition = \"sd\"\nunits = \"cores\"\nsynth = { pattern = \"flat\", mean = 1.75 }\n",
        &[],
    );
    let sd = entity(&s, "servers", "sd");
    assert!((f(&sd["headroom_cores"]) - 1.25).abs() < 1e-9);
    assert_eq!(sd["verdict"]["status"], "meets");
    assert_eq!(sd["verdict"]["stars"], 3);
    assert_eq!(s["verdict"]["stars"], 3);
}

/// [CA4][CA6]: two systems peaking near 7 and 8 cores at different hours combine to 12 in a
/// time-aligned sum, not 15. Hourly samples: a = 4 but 7 at 10:00, b = 5 but 8 at 14:00, so
/// the sum is 9, 12 at 10:00 and 12 at 14:00. On 16 cores at 85 %: 13.6 − 12 = 1.6 cores of
/// headroom, 1.6/8 = 20 % for the larger workload: one star. On 12 cores: 10.2 < 12, exceeds.
#[test]
fn peak_of_time_aligned_sums_not_sum_of_peaks() {
    let mut trace = String::from("time_s,a,b\n");
    for h in 0..24 {
        let a = if h == 10 { 7 } else { 4 };
        let b = if h == 14 { 8 } else { 5 };
        trace.push_str(&format!("{},{a},{b}\n", h * 3600));
    }
    let workloads = "\n[[workloads]]\nname = \"a\"\npartition = \"sd\"\ntrace = \"t.csv\"\nunits = \"cores\"\non_shortfall = \"drop\"\n\n[[workloads]]\nname = \"b\"\npartition = \"sd\"\ntrace = \"t.csv\"\nunits = \"cores\"\non_shortfall = \"drop\"\n";
    let s = server_run("aligned", 16, 0.85, workloads, &[("t.csv", &trace)]);
    let sd = entity(&s, "servers", "sd");
    assert_eq!(f(&sd["peak_demand_cores"]), 12.0);
    assert!((f(&sd["headroom_cores"]) - 1.6).abs() < 1e-9);
    assert_eq!(sd["verdict"]["stars"], 1);
    let s = server_run("aligned-small", 12, 0.85, workloads, &[("t.csv", &trace)]);
    assert_eq!(entity(&s, "servers", "sd")["verdict"]["status"], "exceeds");
    assert_eq!(s["verdict"]["status"], "exceeds");
    assert!(s["verdict"]["stars"].is_null());
}

/// Memory is a resource of its own [CA14]: a 64 GiB server carrying workloads of 40 and 20
/// GiB is at 60/64 = 93.75 % of its memory; against an 85 % limit it exceeds (however idle its
/// CPU), against 95 % it meets. Memory is never normalized by core speed.
#[test]
fn memory_over_its_limit_makes_the_verdict_red() {
    let workloads = |limit: f64| {
        format!(
            "memory_limit = {limit}\n\n[[workloads]]\nname = \"a\"\npartition = \"sd\"\nunits = \"cores\"\nmemory_gb = 40\nsynth = {{ pattern = \"flat\", mean = 0.5 }}\n\n[[workloads]]\nname = \"b\"\npartition = \"sd\"\nunits = \"cores\"\nmemory_gb = 20\nsynth = {{ pattern = \"flat\", mean = 0.5 }}\n"
        )
    };
    // The [report] table is last in the text, so memory_limit lands in it.
    let s = server_run("mem-red", 8, 0.85, &workloads(0.85), &[]);
    let sd = entity(&s, "servers", "sd");
    assert!((f(&sd["memory"]["utilization"]["max"]) - 60.0 / 64.0).abs() < 1e-12);
    assert_eq!(f(&sd["memory"]["time_above_limit_share"]), 1.0);
    assert_eq!(sd["verdict"]["status"], "exceeds");
    let a = entity(&s, "workloads", "a");
    assert!((f(&a["memory"]["utilization"]["mean"]) - 40.0 / 64.0).abs() < 1e-12);
    let s = server_run("mem-ok", 8, 0.85, &workloads(0.95), &[]);
    assert_eq!(entity(&s, "servers", "sd")["verdict"]["status"], "meets");
}

/// The forecast [CA10][CA11]: the CA14 server (1.75-core peak, 3 cores at its 75 % limit)
/// growing 20 % a year, compound, crosses its limit after ln(3/1.75)/ln(1.2) years = 1,079.05
/// days, inside the default 3-year horizon; memory does not grow, so it never does.
#[test]
fn forecast_says_when_the_limit_is_crossed() {
    let s = server_run(
        "forecast",
        4,
        0.75,
        "growth = { cpu = 0.2 }\n\n[[workloads]]\nname = \"w\"\npartition = \"sd\"\nunits = \"cores\"\nmemory_gb = 10\nsynth = { pattern = \"flat\", mean = 1.75 }\n",
        &[],
    );
    let fc = &entity(&s, "servers", "sd")["forecast"];
    let want = (3.0f64 / 1.75).ln() / 1.2f64.ln() * 365.0;
    assert!((f(&fc["cpu_limit_in_days"]) - want).abs() < 1e-9, "{fc}");
    assert!(fc["memory_limit_in_days"].is_null());
    assert_eq!(f(&fc["horizon_days"]), 1095.0);
}

/// Sizing at a percentile rather than the peak [CA]: on 4 cores at an 85 % limit (3.4
/// cores), hourly demand of 2 cores but 5 cores for one hour of the day. The peak (5) is over
/// the limit: exceeds. At p95 the spike (1/24 = 4.2 % of the time) falls outside: the sizing
/// demand is 2 cores (within a histogram bin: 0.2 % of 2 × capacity = 0.008), headroom 1.4.
#[test]
fn a_sizing_percentile_lets_a_short_spike_pass() {
    let mut trace = String::from("w\n");
    for h in 0..24 {
        trace.push_str(if h == 10 { "5\n" } else { "2\n" });
    }
    let workload = "\n[[workloads]]\nname = \"w\"\npartition = \"sd\"\nunits = \"cores\"\ntrace = \"t.csv\"\nstep = \"1h\"\n";
    let peak = server_run("sizing-peak", 4, 0.85, workload, &[("t.csv", &trace)]);
    let sd = entity(&peak, "servers", "sd");
    assert_eq!(sd["verdict"]["status"], "exceeds");
    assert!((f(&sd["sizing_demand_cores"]) - 5.0).abs() < 1e-9);
    // `workloads` follows the [report] table: a leading key lands in it.
    let p95 = server_run(
        "sizing-p95",
        4,
        0.85,
        &format!("sizing_percentile = 95\n{workload}"),
        &[("t.csv", &trace)],
    );
    let sd = entity(&p95, "servers", "sd");
    assert_eq!(sd["verdict"]["status"], "meets");
    assert!(
        (f(&sd["sizing_demand_cores"]) - 2.0).abs() <= 0.008,
        "{}",
        sd["sizing_demand_cores"]
    );
    assert!((f(&sd["headroom_cores"]) - 1.4).abs() <= 0.008);
    assert_eq!(p95["scenario"]["sizing_percentile"], 95.0);
}

/// Growth per workload: two flat workloads of 1 core each on 4 cores at a 75 % limit, one
/// growing 50 % a year and one 10 % (linear). The server grows at the work-weighted 30 %:
/// 2 cores reach 3 after (3/2 − 1)/0.3 = 1.667 years = 608.33 days.
#[test]
fn per_workload_growth_overrides_weight_the_server_forecast() {
    let s = server_run(
        "growth",
        4,
        0.75,
        "growth = { cpu = 0.1, model = \"linear\" }\n\n[[workloads]]\nname = \"a\"\npartition = \"sd\"\nunits = \"cores\"\ngrowth = 0.5\nsynth = { pattern = \"flat\", mean = 1.0 }\n\n[[workloads]]\nname = \"b\"\npartition = \"sd\"\nunits = \"cores\"\nsynth = { pattern = \"flat\", mean = 1.0 }\n",
        &[],
    );
    let sd = entity(&s, "servers", "sd");
    let days = f(&sd["forecast"]["cpu_limit_in_days"]);
    assert!((days - 0.5 / 0.3 * 365.0).abs() < 1e-6, "{days}");
}
