//! Hand-checkable cases of the fluid model: each comment derives the expected number.

use crate::common::*;

fn run(name: &str, scenario: &str, files: &[(&str, &str)]) -> serde_json::Value {
    scratch_run_summary(name, scenario, files)
}

/// 3 cores of demand for 30 min, then none for 30 min, on a 2-core vPar, in 5-minute samples.
const STEP_TRACE: &str = "time_s,w\n0,3\n300,3\n600,3\n900,3\n1200,3\n1500,3\n1800,0\n2100,0\n2400,0\n2700,0\n3000,0\n3300,0\n";

fn one_vpar(on_shortfall: &str) -> String {
    Scenario::new("step", "1h", 1)
        .server("sd", 1, 2, 8, "")
        .vpar("vp", "sd", 2)
        .toml(&format!(
            "\n[[workloads]]\nname = \"w\"\npartition = \"vp\"\ntrace = \"trace.csv\"\nunits = \"cores\"\non_shortfall = \"{on_shortfall}\"\n"
        ))
        .into()
}

/// Delay: 90 core-min arrive in the first half hour and only 60 can be served then; the queue
/// grows at 1 core from t = 0 to 30 min (30 core-min), then drains at 2 cores and is empty at
/// t = 45 min. In a fluid FIFO queue every unit of work that arrived while the queue was not
/// empty waited: all 90 core-min, 1.5 core-h, were delayed. Backlog lasted 45 min; demand was
/// served as it arrived only from 45 to 60 min: SLA met 15/60. Utilization 100 % for 45 min,
/// 0 after: mean 0.75.
#[test]
fn delayed_work_is_served_later() {
    let s = run("delay", &one_vpar("delay"), &[("trace.csv", STEP_TRACE)]);
    let w = entity(&s, "workloads", "w");
    assert!((f(&w["demand_core_hours"]) - 1.5).abs() < 1e-9);
    assert!((f(&w["served_core_hours"]) - 1.5).abs() < 1e-9);
    assert!((f(&w["delayed_core_hours"]) - 1.5).abs() < 1e-9);
    assert_eq!(f(&w["unmet_core_hours"]), 0.0);
    assert_eq!(w["longest_backlog_ms"], 2_700_000);
    assert!((f(&w["sla_met_share"]) - 15.0 / 60.0).abs() < 1e-9);
    let vp = entity(&s, "partitions", "vp");
    assert!((f(&vp["cpu_utilization"]["mean"]) - 0.75).abs() < 1e-9);
    assert!((f(&vp["cpu_utilization"]["max"]) - 1.0).abs() < 1e-12);
    assert!((f(&vp["time_above_limit_share"]) - 0.75).abs() < 1e-12);
    // Headroom = 0.85 × 2 cores − 3 cores of peak demand.
    assert!((f(&vp["headroom_cores"]) - (0.85 * 2.0 - 3.0)).abs() < 1e-12);
}

/// Drop: the extra core of the first half hour is lost: 0.5 core-h dropped, 1 served.
#[test]
fn dropped_work_is_lost() {
    let s = run("drop", &one_vpar("drop"), &[("trace.csv", STEP_TRACE)]);
    let w = entity(&s, "workloads", "w");
    assert!((f(&w["served_core_hours"]) - 1.0).abs() < 1e-9);
    assert!((f(&w["dropped_core_hours"]) - 0.5).abs() < 1e-9);
    assert!((f(&w["unmet_core_hours"]) - 0.5).abs() < 1e-9);
    assert_eq!(f(&w["backlog_core_hours"]), 0.0);
    assert!((f(&w["sla_met_share"]) - 0.5).abs() < 1e-12);
}

/// PRM [PRM1]: FSS groups with 30/20/50 shares; the 20 % group idle → the busy ones get
/// 37.5 % and 62.5 % of a 4-core vPar: 1.5 and 2.5 cores for 1 h.
#[test]
fn fss_groups_share_idle_cycles_by_shares() {
    let scenario = Scenario::new("fss", "1h", 1)
        .server("sd", 1, 4, 8, "")
        .vpar("os", "sd", 4)
        .srp("a", "os", 30)
        .srp("b", "os", 20)
        .srp("c", "os", 50)
        .dropping("wa", "a", 4.0)
        .flat("wb", "b", 0.0, "")
        .dropping("wc", "c", 4.0);
    let s = run("fss", scenario.text(), &[]);
    assert!((f(&entity(&s, "workloads", "wa")["served_core_hours"]) - 1.5).abs() < 1e-9);
    assert!((f(&entity(&s, "workloads", "wb")["served_core_hours"]) - 0.0).abs() < 1e-12);
    assert!((f(&entity(&s, "workloads", "wc")["served_core_hours"]) - 2.5).abs() < 1e-9);
    // The vPar is fully used; each busy group dropped the rest of its 4 cores.
    assert!((f(&entity(&s, "partitions", "os")["cpu_utilization"]["mean"]) - 1.0).abs() < 1e-9);
    assert!((f(&entity(&s, "workloads", "wa")["dropped_core_hours"]) - 2.5).abs() < 1e-9);
}

/// Integrity VM: a 3-core host, guest a (2 vCPUs at 50 % → weight 1 core) and guest b
/// (2 vCPUs at 25 % → weight 0.5), both wanting 4 cores but capped at their 2 vCPUs. Each
/// guest's vCPUs sit on distinct cores [IV6][IV7], so 2 + 2 − 3 = 1 core carries a vCPU of
/// each, and there each keeps its entitlement: a can have at most 2 − 0.25 = 1.75 cores, b
/// 2 − 0.5 = 1.5 (docs/SCENARIO.md, "Distinct pCPUs in sharing"). Water level 3 / 1.5 = 2
/// per unit weight: a is held at 1.75, b gets the 1.25 left. (Before the distinct-pCPU rule
/// a took 2 and b 1, which left b's vCPU on the shared core below its 25 %.)
#[test]
fn vm_guests_share_the_host_by_entitlement_up_to_their_vcpus() {
    let scenario = Scenario::new("vm", "2h", 1)
        .server("host", 1, 3, 8, "")
        .vm("a", "host", 2, 50.0)
        .vm("b", "host", 2, 25.0)
        .dropping("wa", "a", 4.0)
        .dropping("wb", "b", 4.0);
    let s = run("vm", scenario.text(), &[]);
    assert!((f(&entity(&s, "workloads", "wa")["served_core_hours"]) - 3.5).abs() < 1e-9);
    assert!((f(&entity(&s, "workloads", "wb")["served_core_hours"]) - 2.5).abs() < 1e-9);
    // A guest's utilization is against its vCPUs: a at 1.75 / 2, b at 1.25 / 2.
    assert!((f(&entity(&s, "partitions", "a")["cpu_utilization"]["mean"]) - 0.875).abs() < 1e-9);
    assert!((f(&entity(&s, "partitions", "b")["cpu_utilization"]["mean"]) - 0.625).abs() < 1e-9);
    assert!((f(&entity(&s, "servers", "host")["cpu_utilization"]["mean"]) - 1.0).abs() < 1e-9);
}

/// Two workloads in one partition get equal max-min shares of its 2 cores: the small one
/// (0.5) fits in its share and is served in full, the big one (3) gets the other 1.5.
#[test]
fn workloads_in_one_partition_share_equally_up_to_their_demand() {
    let scenario = Scenario::new("ps", "1h", 1)
        .server("sd", 1, 2, 8, "")
        .dropping("big", "sd", 3.0)
        .dropping("small", "sd", 0.5);
    let s = run("ps", scenario.text(), &[]);
    assert!((f(&entity(&s, "workloads", "big")["served_core_hours"]) - 1.5).abs() < 1e-9);
    assert!((f(&entity(&s, "workloads", "small")["served_core_hours"]) - 0.5).abs() < 1e-9);
    assert_eq!(f(&entity(&s, "workloads", "small")["sla_met_share"]), 1.0);
}

/// Percent traces become reference cores through the source machine: 50 % of an 8-core
/// machine at speed 0.5 is 2 reference cores.
#[test]
fn percent_demand_is_normalized_by_the_source_machine() {
    let scenario = Scenario::new("norm", "1h", 1)
        .server("sd", 1, 4, 8, "")
        .toml(
            r#"
[[workloads]]
name = "w"
partition = "sd"
units = "percent"
source = { cores = 8, speed = 0.5 }
synth = { pattern = "flat", mean = 50 }
"#,
        );
    let s = run("norm", scenario.text(), &[]);
    let w = entity(&s, "workloads", "w");
    assert!((f(&w["demand_core_hours"]) - 2.0).abs() < 1e-9);
    assert!((f(&w["peak_demand_cores"]) - 2.0).abs() < 1e-9);
    assert!((f(&w["cpu_utilization"]["mean"]) - 0.5).abs() < 1e-9);
}

/// Normalization across server types by a performance index per model: the old machine
/// (model `rp3440`, 0.5 per core) ran 8 cores at 50 %: 2 reference cores. The new server
/// (model `rx8640`, 1.6 per core) has 4 cores: 6.4 reference cores, so it runs at 2/6.4 =
/// 31.25 %. Memory is not normalized.
#[test]
fn server_models_carry_the_performance_index() {
    let scenario = r#"
[scenario]
name = "models"
horizon = "1h"
seed = 1

[[server_models]]
name = "rp3440"
core_speed = 0.5

[[server_models]]
name = "rx8640"
core_speed = 1.6
benchmark = "SPECint_rate2006 per core, relative to the reference"

[[servers]]
name = "sd"
model = "rx8640"
cells = 1
cores_per_cell = 4
memory_gb_per_cell = 8

[[workloads]]
name = "w"
partition = "sd"
units = "percent"
source = { cores = 8, model = "rp3440" }
memory_gb = 3
synth = { pattern = "flat", mean = 50 }
"#;
    let s = run("models", scenario, &[]);
    let sd = entity(&s, "servers", "sd");
    assert!((f(&sd["capacity_cores"]) - 6.4).abs() < 1e-9);
    assert!((f(&sd["cpu_utilization"]["mean"]) - 2.0 / 6.4).abs() < 1e-9);
    assert!((f(&sd["memory_peak_gb"]) - 3.0).abs() < 1e-9);
    // An unknown model for a source is an error naming the known ones.
    let dir = scratch("models-bad");
    std::fs::write(
        dir.join("s.toml"),
        scenario.replace("model = \"rp3440\"", "model = \"rp9999\""),
    )
    .unwrap();
    let out = vsesim(&["run", "s.toml", "-o", "out", "-q"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("rp9999") && stderr(&out).contains("rx8640"));
}

/// A `drop` workload beside a draining `delay` queue (found by the SimPy peer, which gives
/// the same): one 2-core vPar; `batch` (delay) asks 2.5 cores for 10 minutes, so 5
/// core-minutes queue up; `web` (drop) asks 1.5 cores from minute 10. While batch's queue
/// drains (minutes 10–15) each gets 1 core of the 2: web loses 0.5 × 5 = 2.5 core-minutes,
/// and batch's queue empties at minute 15 (it drains at 1 core). Whatever cuts the segment.
#[test]
fn a_drop_workload_beside_a_draining_queue_loses_its_share_meanwhile() {
    let scenario = |extra: &str| {
        Scenario::new("mixed", "30m", 1)
            .server("s", 1, 2, 8, "")
            .vpar("v", "s", 2)
            .toml(&format!(
                r#"
[[workloads]]
name = "batch"
partition = "v"
units = "cores"
trace = "mixed.csv"

[[workloads]]
name = "web"
partition = "v"
units = "cores"
trace = "mixed.csv"
on_shortfall = "drop"
{extra}"#
            ))
            .to_string()
    };
    let trace = "time_s,batch,web\n0,2.5,0\n600,0,1.5\n1200,0,0\n";
    // An unrelated 1-minute workload on another server cuts every segment into minutes.
    let cut = "\n[[servers]]\nname = \"t\"\ncells = 1\ncores_per_cell = 1\nmemory_gb_per_cell = 8\n\n[[workloads]]\nname = \"tick\"\npartition = \"t\"\nunits = \"cores\"\nstep = \"1m\"\nsynth = { pattern = \"flat\", mean = 0.1 }\n";
    for extra in ["", cut] {
        let s = run("mixed", &scenario(extra), &[("mixed.csv", trace)]);
        let web = entity(&s, "workloads", "web");
        assert!(
            (f(&web["dropped_core_hours"]) - 2.5 / 60.0).abs() < 1e-9,
            "{}",
            web["dropped_core_hours"]
        );
        let batch = entity(&s, "workloads", "batch");
        // Queued from 0 to 15 minutes: 25 core-min arrived in the first 10, all waited.
        assert_eq!(batch["longest_backlog_ms"], 900_000);
        assert!(f(&batch["unmet_core_hours"]).abs() < 1e-9);
    }
}

/// Cutting segments where nothing changes leaves the figures alone: an unrelated 1-minute
/// workload on another server splits every 5-minute segment of `w` in five, and `w`'s delayed
/// work, backlog time and SLA time stay those of the fluid solution above.
#[test]
fn figures_do_not_depend_on_how_time_is_cut() {
    let scenario = one_vpar("delay")
        + r#"
[[servers]]
name = "other"
cells = 1
cores_per_cell = 1
memory_gb_per_cell = 8

[[workloads]]
name = "ticker"
partition = "other"
units = "cores"
step = "1m"
synth = { pattern = "flat", mean = 0.5, noise = 0.3 }
"#;
    let s = run("cut", &scenario, &[("trace.csv", STEP_TRACE)]);
    let w = entity(&s, "workloads", "w");
    assert!((f(&w["delayed_core_hours"]) - 1.5).abs() < 1e-9);
    assert_eq!(w["longest_backlog_ms"], 2_700_000);
    assert!((f(&w["sla_met_share"]) - 15.0 / 60.0).abs() < 1e-9);
    assert!(s["segments"].as_u64().unwrap() >= 60);
}

/// The same drop-beside-a-draining-queue case one level up, where sharing is by weight:
/// `batch` and `web` in two FSS groups of equal shares in a 2-core vPar, or in two VM guests
/// of a 2-core host with equal entitlements (2 vCPUs at 45 %). Minutes 0–10: web is idle, so
/// batch's group takes both cores and 5 core-minutes queue up. Minutes 10–15: a group with a
/// queue wants all it can get, web's wants 1.5; equal weights give each 1 core, so web loses
/// 0.5 × 5 = 2.5 core-minutes while batch drains (at 1 core: empty at minute 15); after that
/// web gets its 1.5. A third, idle group or guest sampled every minute makes the run stop at
/// every minute: the figures must not move. (Shares decided once per span over whole-span
/// amounts, as vsesim did before, gave web 0 lost without the cuts and 2.5 with them.)
#[test]
fn weighted_shares_follow_a_draining_queue_whatever_cuts_time() {
    let trace = "time_s,batch,web,idle\n0,2.5,0,0\n600,0,1.5,0\n1200,0,0,0\n";
    for kind in ["fss", "vm"] {
        let parent = if kind == "fss" {
            "[[partitions]]\nname = \"os\"\nkind = \"vpar\"\nparent = \"s\"\ncores = 2\n"
        } else {
            ""
        };
        let child = |name: &str| {
            if kind == "fss" {
                format!(
                    "[[partitions]]\nname = \"{name}\"\nkind = \"srp\"\nparent = \"os\"\nshares = 50\n"
                )
            } else {
                format!(
                    "[[partitions]]\nname = \"{name}\"\nkind = \"vm\"\nparent = \"s\"\nvcpus = 2\nentitlement = 45\n"
                )
            }
        };
        for cut in [false, true] {
            let mut s = format!(
                "[scenario]\nname = \"shares\"\nhorizon = \"30m\"\nseed = 1\n\n[[servers]]\nname = \"s\"\ncells = 1\ncores_per_cell = 2\nmemory_gb_per_cell = 8\n\n{parent}\n{}\n{}\n",
                child("ga"),
                child("gb")
            );
            s += "[[workloads]]\nname = \"batch\"\npartition = \"ga\"\nunits = \"cores\"\ntrace = \"t.csv\"\n\n";
            s += "[[workloads]]\nname = \"web\"\npartition = \"gb\"\nunits = \"cores\"\ntrace = \"t.csv\"\non_shortfall = \"drop\"\n\n";
            if cut {
                // An idle neighbour in the same pool, sampled every minute.
                s += &child("gc")
                    .replace("shares = 50", "shares = 1")
                    .replace("vcpus = 2\nentitlement = 45", "vcpus = 1\nentitlement = 5");
                s += "\n[[workloads]]\nname = \"tick\"\npartition = \"gc\"\nunits = \"cores\"\nstep = \"1m\"\nsynth = { pattern = \"flat\", mean = 0 }\n";
            }
            let out = run("shares", &s, &[("t.csv", trace)]);
            let web = entity(&out, "workloads", "web");
            assert!(
                (f(&web["dropped_core_hours"]) - 2.5 / 60.0).abs() < 1e-9,
                "{kind}, cut {cut}: web dropped {}",
                web["dropped_core_hours"]
            );
            let batch = entity(&out, "workloads", "batch");
            assert_eq!(batch["longest_backlog_ms"], 900_000, "{kind}, cut {cut}");
            // 25 core-minutes arrived while batch's queue was not empty: all waited.
            assert!(
                (f(&batch["delayed_core_hours"]) - 25.0 / 60.0).abs() < 1e-9,
                "{kind}, cut {cut}"
            );
        }
    }
}
