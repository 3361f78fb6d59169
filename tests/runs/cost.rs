//! Utility pricing and cost, checked against bills worked out by hand (DOMAIN.md §4).

use crate::common::*;

fn run_text(name: &str, text: &str) -> serde_json::Value {
    scratch_run_summary(name, text, &[])
}

/// The complex of the TiCAP bills: 6 of 8 cores active for 10 days on 4 usage rights (2 cores
/// above them all the time) with `server` lines added, and a flat 3-core workload `w`.
fn above_rights(name: &str, server: &str) -> Scenario {
    Scenario::new(name, "10d", 1)
        .server(
            "sd",
            2,
            4,
            8,
            &format!("active_cores = 6\nrights = 4\n{server}"),
        )
        .flat("w", "sd", 3.0, "")
}

/// An 8-core complex with 4 usage rights runs 6 active cores for 10 days: 2 cores above its
/// rights on Temporary Instant Capacity all the time, a 3-core workload (50 % of the active
/// cores).
/// - TiCAP: 2 cores × 14,400 min = 28,800 core-minutes of the 43,200 (one 30-core-day block);
///   14,400 left, 5 days at 2 cores; 28,800 / 1,440 = 20 core-days × 250 = 5,000. The very first
///   settlement (30 min) already projects under 15 days: a warning every day.
/// - Hardware: 400,000 over 4 years, 10 days of it: 400,000 × 10 / 1,460 = 2,739.73.
/// - Energy: 1 kW idle + 1 kW × 50 % = 1.5 kW × 240 h = 360 kWh × PUE 1.5 × 0.10 = 54.00.
/// - Software at 36,500 per core-year = 100 per core-day: 6 cores × 10 days × 100 = 6,000.
#[test]
fn icap_ticap_energy_software_and_hardware_by_hand() {
    let bill = above_rights(
        "bill",
        "capex = { price = 400000, years = 4 }\npower = { idle_w = 1000, max_w = 2000 }\nticap = { balance_core_minutes = 43200, price_per_core_day = 250 }\n",
    )
    .toml(
        r#"
[costs]
currency = "EUR"
price_per_kwh = 0.10
pue = 1.5

[[costs.software]]
name = "db"
per_core_year = 36500

[report]
timeseries = false
"#,
    );
    let s = run_text("icap", bill.text());
    let c = &s["cost"];
    assert_eq!(c["currency"], "EUR");
    assert!(
        (f(&c["ticap"]) - 5000.0).abs() < 1e-6,
        "ticap {}",
        c["ticap"]
    );
    assert!((f(&c["hardware"]) - 400_000.0 * 10.0 / 1460.0).abs() < 1e-6);
    assert!(
        (f(&c["energy"]) - 54.0).abs() < 1e-6,
        "energy {}",
        c["energy"]
    );
    assert!(
        (f(&c["software"]) - 6000.0).abs() < 1e-6,
        "software {}",
        c["software"]
    );
    let total = 5000.0 + 400_000.0 * 10.0 / 1460.0 + 54.0 + 6000.0;
    assert!((f(&c["total"]) - total).abs() < 1e-6);
    let t = &s["licensing"][0]["ticap"];
    assert_eq!(f(&t["used_core_minutes"]), 28_800.0);
    assert_eq!(f(&t["left_core_minutes"]), 14_400.0);
    assert!((f(&t["days_left_at_end"]) - 5.0).abs() < 1e-9);
    let warnings = t["warnings"].as_array().unwrap();
    assert!(warnings.len() >= 10, "{warnings:?}");
    assert_eq!(warnings[0]["at_ms"], 1_800_000);
    assert_eq!(s["licensing"][0]["rights"], 4);
    assert!((f(&s["licensing"][0]["active_core_hours"]) - 6.0 * 240.0).abs() < 1e-6);
}

/// Pay per use over one 30-day month, 10 active cores, a workload of 5 busy cores, 100 per
/// core-month and 500 fixed: percent-core bills 5 busy cores → 500 + 500 = 1,000; active-core
/// bills 10 → 500 + 1,000 = 1,500 [PPU3].
#[test]
fn pay_per_use_bills_by_hand() {
    for (metric, want) in [("percent", 1000.0), ("active", 1500.0)] {
        let s = run_text(
            "ppu",
            &format!(
                r#"
[scenario]
name = "ppu"
horizon = "30d"
seed = 1

[[servers]]
name = "sd"
cells = 1
cores_per_cell = 10
memory_gb_per_cell = 8
ppu = {{ metric = "{metric}", price_per_core_month = 100, fixed_per_month = 500 }}

[[workloads]]
name = "w"
partition = "sd"
units = "cores"
synth = {{ pattern = "flat", mean = 5 }}

[report]
timeseries = false
"#
            ),
        );
        let bills = s["licensing"][0]["ppu"]["bills"].as_array().unwrap();
        assert_eq!(bills.len(), 1, "{metric}");
        assert!(
            (f(&bills[0]["total"]) - want).abs() < 1e-6,
            "{metric}: {}",
            bills[0]["total"]
        );
        assert!((f(&s["cost"]["ppu"]) - want).abs() < 1e-6);
        assert_eq!(s["licensing"][0]["pricing"], "ppu");
    }
}

/// A Pay per use cap limits the active cores [PPU3]: capped at 6 of 10, the active-core
/// metric bills 6 cores: 500 + 600 = 1,100 for the month.
#[test]
fn pay_per_use_cap_limits_the_active_cores() {
    let s = run_text(
        "ppu-cap",
        r#"
[scenario]
name = "ppu-cap"
horizon = "30d"
seed = 1

[[servers]]
name = "sd"
cells = 1
cores_per_cell = 10
memory_gb_per_cell = 8
ppu = { metric = "active", price_per_core_month = 100, fixed_per_month = 500, cap_cores = 6 }

[[workloads]]
name = "w"
partition = "sd"
units = "cores"
synth = { pattern = "flat", mean = 5 }

[report]
timeseries = false
"#,
    );
    assert!(
        (f(&s["cost"]["ppu"]) - 1100.0).abs() < 1e-6,
        "{}",
        s["cost"]
    );
    assert_eq!(f(&s["servers"][0]["capacity_cores"]), 6.0);
}

/// PPU and iCAP are mutually exclusive on one server [PPU6]; active cores beyond the rights
/// need a TiCAP balance.
#[test]
fn impossible_pricing_is_bad_input() {
    let base = "[scenario]\nname = \"x\"\nhorizon = \"1d\"\nseed = 1\n\n[[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 8\nmemory_gb_per_cell = 8\n";
    for (extra, words) in [
        (
            "rights = 4\nppu = { metric = \"percent\", price_per_core_month = 1 }\n",
            "mutually exclusive",
        ),
        ("rights = 4\n", "8 active cores but 4 usage rights"),
        ("rights = 9\n", "9 rights for 8 installed cores"),
    ] {
        let dir = scratch("badprice");
        std::fs::write(dir.join("s.toml"), format!("{base}{extra}")).unwrap();
        let out = vsesim(&["validate", "s.toml"], &dir);
        assert_eq!(out.status.code(), Some(2), "{extra}");
        assert!(stderr(&out).contains(words), "{extra}: {}", stderr(&out));
        assert!(stderr(&out).contains("servers[0] (sd)"), "{}", stderr(&out));
    }
}

/// `vsesim compare` sets runs side by side: the columns carry each run's own summary figures,
/// and the OwnBorrow consolidation on 8 cores costs half the hardware and half the per-core
/// database licences of the fixed vPars on 16 (all cores active in both): 320,000 vs 640,000
/// over 4 years and 8 vs 16 cores at 12,000 per core-year, for 14 days each.
#[test]
fn compare_sets_the_runs_side_by_side() {
    let dir = scratch("compare");
    let out = in_project(
        &[
            "compare",
            "scenarios/consolidation-fixed.toml",
            "scenarios/consolidation-ownborrow.toml",
        ],
        &dir,
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("cost: total"));
    let c = read_json(&dir.join("compare.json"));
    let cols = c["scenarios"].as_array().unwrap();
    assert_eq!(cols.len(), 2);
    for col in cols {
        let name = col["name"].as_str().unwrap();
        let s = read_json(&dir.join(name).join("summary.json"));
        assert_eq!(col["cost"]["total"], s["cost"]["total"]);
        assert_eq!(col["unmet_core_hours"], s["totals"]["unmet_core_hours"]);
    }
    let days = 14.0 / 365.0;
    let (fixed, managed) = (&cols[0]["cost"], &cols[1]["cost"]);
    assert!((f(&fixed["hardware"]) - 640_000.0 * 14.0 / 1460.0).abs() < 1e-6);
    assert!((f(&managed["hardware"]) - 320_000.0 * 14.0 / 1460.0).abs() < 1e-6);
    assert!((f(&fixed["software"]) - 16.0 * 12_000.0 * days).abs() < 1e-6);
    assert!((f(&managed["software"]) - 8.0 * 12_000.0 * days).abs() < 1e-6);
    assert!(f(&managed["total"]) < f(&fixed["total"]));
}

#[test]
fn compare_refuses_one_scenario_and_duplicate_names() {
    let root = project_root();
    let out = vsesim(&["compare", "scenarios/demo.toml"], &root);
    assert_eq!(out.status.code(), Some(2));
    let out = vsesim(
        &[
            "compare",
            "scenarios/demo.toml",
            "scenarios/demo.toml",
            "-o",
            scratch("dup").to_str().unwrap(),
        ],
        &root,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("both named `demo`"),
        "{}",
        stderr(&out)
    );
}

fn ticap_domain(utilitypri: u32, priority: u32) -> String {
    let own_borrow = "{ type = \"own_borrow\", owned = 3, min = 1, max = 4 }";
    Scenario::new("ticap-gwlm", "1d", 1)
        .server(
            "sd",
            2,
            4,
            8,
            "active_cores = 6\nticap = { balance_core_minutes = 43200, price_per_core_day = 250 }\n",
        )
        .npar("np1", "sd", 1, Some(3))
        .npar("np2", "sd", 1, Some(3))
        .dropping("w1", "np1", 4.0)
        .dropping("w2", "np2", 4.0)
        .toml(&format!(
            r#"
[[policies]]
domain = "sd"
interval = "60s"
ticap = {{ utilitypri = {utilitypri} }}

[[policies.compartments]]
partition = "np1"
priority = {priority}
policy = {own_borrow}

[[policies.compartments]]
partition = "np2"
priority = {priority}
policy = {own_borrow}

[report]
timeseries = false
"#
        ))
        .into()
}

/// gWLM activates Temporary Instant Capacity when its nPars are short [GV14][GV15]: 6 of 8
/// cores active with 6 rights, two nPars owning 3 each and needing 4. At the 60 s tick both
/// are saturated and ask ⌈3/0.75⌉ = 4: 2 cores short, so 2 inactive cores are activated on
/// TiCAP and each nPar gets 4 from 65 s (nPar latency 5 s). From then on 2 cores above the
/// rights are charged every 30 minutes: 48 periods × 2 × 30 = 2,880 core-minutes, 2 core-days ×
/// 250 = 500. Each workload serves 3 × 65 + 4 × 86,335 = 345,535 core-s of its 345,600.
/// With utilitypri = 1 and the compartments at priority 2, no TiCAP is used at all.
#[test]
fn gwlm_activates_temporary_capacity_within_utilitypri() {
    let s = run_text("ticap-gwlm", &ticap_domain(1, 1));
    let t = &s["licensing"][0]["ticap"];
    assert_eq!(f(&t["used_core_minutes"]), 2880.0, "{t}");
    assert!((f(&s["cost"]["ticap"]) - 500.0).abs() < 1e-9);
    let served = f(&entity(&s, "workloads", "w1")["served_core_hours"]) * 3600.0;
    assert!((served - 345_535.0).abs() < 1e-6, "w1 served {served}");
    assert!(
        (f(&s["licensing"][0]["active_core_hours"])
            - (6.0 * 24.0 + 2.0 * (86_400.0 - 65.0) / 3600.0))
            .abs()
            < 1e-9
    );

    let s = run_text("ticap-gwlm-pri", &ticap_domain(1, 2));
    assert_eq!(f(&s["licensing"][0]["ticap"]["used_core_minutes"]), 0.0);
    let served = f(&entity(&s, "workloads", "w1")["served_core_hours"]);
    assert!(
        (served - 3.0 * 24.0).abs() < 1e-9,
        "w1 served {served} core-h on its 3 cores"
    );
}

/// Two complexes in a GiCAP group [I13]: sd-a holds 4 usage rights and sd-b 6; sharing
/// rights cover the 4 + 2 cores without rights. sd-a's gWLM domain of nPars (3 + 3 active,
/// both needing 4, as in the TiCAP test above) asks for 2 more cores at the 60 s tick.
/// - With sd-b running 2 active cores, the group has 10 rights for 8 active cores: the 2
///   spare rights are lent to sd-a, so sd-a runs 8 cores on 4 rights of its own and the shared
///   balance is not touched.
/// - With sd-b running 4, no right is spare: the 2 cores come from the group's balance,
///   charged as before: 2,880 core-minutes (500) in the day.
///
/// Either way sd-a's workloads serve 345,535 core-s each.
#[test]
fn gicap_members_lend_spare_rights_and_share_a_balance() {
    let group = |b_active: u32, sharing: u32| {
        let sd_a = ticap_domain(1, 1)
            .replace(
                "ticap = { balance_core_minutes = 43200, price_per_core_day = 250 }\n",
                "rights = 4\n",
            )
            .replace("name = \"sd\"", "name = \"sd-a\"")
            .replace("parent = \"sd\"", "parent = \"sd-a\"")
            .replace("domain = \"sd\"", "domain = \"sd-a\"");
        format!(
            r#"{sd_a}
[[servers]]
name = "sd-b"
cells = 2
cores_per_cell = 4
memory_gb_per_cell = 8
active_cores = {b_active}
rights = 6

[[gicap]]
name = "pool"
members = ["sd-a", "sd-b"]
sharing_rights = {sharing}
ticap = {{ balance_core_minutes = 43200, price_per_core_day = 250 }}
"#
        )
    };
    let s = run_text("gicap-loan", &group(2, 6));
    assert_eq!(
        f(&s["gicap"][0]["ticap"]["used_core_minutes"]),
        0.0,
        "{}",
        s["gicap"]
    );
    assert_eq!(s["gicap"][0]["rights"], 10);
    assert_eq!(s["licensing"][0]["gicap_group"], "pool");
    let served = f(&entity(&s, "workloads", "w1")["served_core_hours"]) * 3600.0;
    assert!((served - 345_535.0).abs() < 1e-6, "w1 served {served}");

    let s = run_text("gicap-paid", &group(4, 6));
    assert_eq!(
        f(&s["gicap"][0]["ticap"]["used_core_minutes"]),
        2880.0,
        "{}",
        s["gicap"]
    );
    assert!((f(&s["cost"]["ticap"]) - 500.0).abs() < 1e-9);
    let served = f(&entity(&s, "workloads", "w1")["served_core_hours"]) * 3600.0;
    assert!((served - 345_535.0).abs() < 1e-6, "w1 served {served}");

    // Sharing rights must cover every core without a usage right: 4 + 2 = 6, not 5.
    let dir = scratch("gicap-bad");
    std::fs::write(dir.join("s.toml"), group(2, 5)).unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("5 sharing rights for 6 cores"),
        "{}",
        stderr(&out)
    );
}

/// WLM's global arbiter activates Temporary Instant Capacity for nPars whose SLOs are within
/// utilitypri [W274]: np1 and np2 hold 3 active cores each of 8 installed; each runs a WLM
/// whose web SLO asks cpushares 3.99 (+0.01 for OTHERS: 4.00). web starts at half its nPar
/// (1.5 cores); the WLM ticks at 60 s and 120 s give it 2.99 (OTHERS keeps 0.01); the arbiter
/// at 120 s reads 4 + 4 on 6 active cores, activates 2 TiCAP cores and gives [4, 4] from
/// 125 s (nPar latency 5 s); the WLM tick at 180 s gives web 3.99. So np1's web serves
/// 1.5 × 60 + 2.99 × 120 + 3.99 × 86,220 = 344,466.6 core-s, and the 2 temporary cores cost
/// 48 periods × 60 = 2,880 core-minutes.
#[test]
fn wlm_arbiter_activates_temporary_capacity() {
    let mut text = String::from(
        r#"
[scenario]
name = "wlm-ticap"
horizon = "1d"
seed = 1

[[servers]]
name = "sd"
cells = 2
cores_per_cell = 4
memory_gb_per_cell = 8
active_cores = 6
ticap = { balance_core_minutes = 43200, price_per_core_day = 250 }

[[wlm_arbiters]]
domain = "sd"
ticap = { utilitypri = 1 }

[report]
timeseries = false
"#,
    );
    for (k, cell) in [(1, 0), (2, 1)] {
        text.push_str(&format!(
            r#"
[[partitions]]
name = "np{k}"
kind = "npar"
parent = "sd"
cells = [{cell}]
cores = 3

[[partitions]]
name = "web{k}"
kind = "srp"
parent = "np{k}"
shares = 50

[[partitions]]
name = "others{k}"
kind = "srp"
parent = "np{k}"
shares = 50

[[workloads]]
name = "w{k}"
partition = "web{k}"
units = "cores"
on_shortfall = "drop"
synth = {{ pattern = "flat", mean = 4 }}

[[wlm]]
host = "np{k}"
others = "others{k}"

[[wlm.slo]]
name = "s{k}"
group = "web{k}"
cpushares = {{ cores = 3.99 }}
"#
        ));
    }
    let s = run_text("wlm-ticap", &text);
    assert_eq!(
        f(&s["licensing"][0]["ticap"]["used_core_minutes"]),
        2880.0,
        "{}",
        s["licensing"][0]
    );
    let served = f(&entity(&s, "workloads", "w1")["served_core_hours"]) * 3600.0;
    assert!((served - 344_466.6).abs() < 1e-6, "w1 served {served}");
}

/// Issue #20: TiCAP bought in blocks, paid at purchase, with an expiry. The complex of the
/// first test (2 cores above its 4 rights for 10 days) holds one block bought for 6,000 that
/// expires after 7 days and a balance of 2,880 core-minutes paid at 300 a core-day when used.
/// - days 0–7: 2 × 7 × 1,440 = 20,160 core-minutes from the block (blocks are drawn first);
///   at day 7 the other 43,200 − 20,160 = 23,040 lapse, worth 23,040 ÷ 43,200 × 6,000 = 3,200;
/// - day 7–8: the held 2,880, exhausted at day 8; days 8–10: 5,760 overdrawn;
/// - cost = 6,000 at purchase + (2,880 + 5,760) ÷ 1,440 × 300 = 6,000 + 1,800 = 7,800.
#[test]
fn ticap_blocks_paid_at_purchase_lapse_at_their_expiry() {
    let s = run_text(
        "ticap-blocks",
        above_rights(
            "blocks",
            "ticap = { blocks = 1, price_per_block = 6000, expires = \"7d\", balance_core_minutes = 2880, price_per_core_day = 300 }\n",
        )
        .toml("\n[report]\ntimeseries = false\n")
        .text(),
    );
    let t = &s["licensing"][0]["ticap"];
    assert_eq!(f(&t["initial_core_minutes"]), 43_200.0 + 2_880.0);
    assert_eq!(f(&t["used_core_minutes"]), 28_800.0);
    assert_eq!(f(&t["used_from_blocks_core_minutes"]), 20_160.0);
    assert_eq!(f(&t["lapsed_core_minutes"]), 23_040.0);
    assert!((f(&t["lapsed_value"]) - 3_200.0).abs() < 1e-9);
    assert_eq!(f(&t["left_core_minutes"]), -5_760.0);
    assert_eq!(f(&t["left_value"]), 0.0);
    assert_eq!(t["exhausted_at_ms"], 8 * 86_400_000u64);
    assert_eq!(t["expires_at_ms"], 7 * 86_400_000u64);
    assert_eq!(t["blocks"], 1);
    assert_eq!(f(&t["purchase_cost"]), 6_000.0);
    assert!((f(&t["usage_cost"]) - 1_800.0).abs() < 1e-9);
    assert!((f(&s["cost"]["ticap"]) - 7_800.0).abs() < 1e-9);
}

/// Unused blocks cost the same as used ones, so more TiCAP than the peaks need costs more for
/// the same service: 1 and 3 blocks serve the 2 cores above rights for 10 days (28,800
/// core-minutes) alike; 3 blocks cost 2 × 7,500 more and leave 2 blocks' worth (15,000) plus
/// the 14,400 left of the first (2,500).
#[test]
fn more_blocks_than_needed_cost_more_and_are_left_with_their_value() {
    let text = |blocks: u32| {
        above_rights(
            "blocks",
            &format!("ticap = {{ blocks = {blocks}, price_per_block = 7500 }}\n"),
        )
        .toml("\n[report]\ntimeseries = false\n")
        .to_string()
    };
    let one = run_text("blocks-1", &text(1));
    let three = run_text("blocks-3", &text(3));
    assert_eq!(f(&one["cost"]["ticap"]), 7_500.0);
    assert_eq!(f(&three["cost"]["ticap"]), 22_500.0);
    assert_eq!(one["totals"], three["totals"]);
    let left = |s: &serde_json::Value| f(&s["licensing"][0]["ticap"]["left_value"]);
    assert!((left(&one) - 2_500.0).abs() < 1e-9);
    assert!((left(&three) - 17_500.0).abs() < 1e-9);
}

/// Issue #20, carbon by hand: a 4-core server (1 kW idle, 2 kW at full use) idle for 12 h,
/// then busy on all 4 cores for 12 h: 12 kWh + 24 kWh = 36 kWh at the wall, × PUE 1.5 = 54 kWh.
/// - a constant 400 g/kWh: 54 × 0.4 = 21.6 kg;
/// - a grid at 500 g while idle and 100 g while busy: (12 × 500 + 24 × 100) g × 1.5 = 12.6 kg,
///   where the mean intensity (300 g) × 54 kWh would say 16.2 kg.
#[test]
fn carbon_from_a_constant_and_from_a_trace_by_hand() {
    let dir = scratch("carbon");
    std::fs::write(dir.join("w.csv"), "time_s,w\n0,0\n43200,4\n").unwrap();
    std::fs::write(
        dir.join("grid.csv"),
        "time_s,carbon_intensity\n0,500\n43200,100\n",
    )
    .unwrap();
    let scenario = |intensity: &str| {
        format!(
            r#"
[scenario]
name = "carbon"
horizon = "24h"
seed = 1

[[servers]]
name = "sd"
cells = 1
cores_per_cell = 4
memory_gb_per_cell = 8
power = {{ idle_w = 1000, max_w = 2000 }}

[[workloads]]
name = "w"
partition = "sd"
units = "cores"
trace = "w.csv"

[energy]
pue = 1.5
carbon_intensity = {intensity}
"#
        )
    };
    let run = |name: &str, intensity: &str| {
        std::fs::write(dir.join(format!("{name}.toml")), scenario(intensity)).unwrap();
        let out = vsesim(
            &["run", &format!("{name}.toml"), "-o", name, "--quiet"],
            &dir,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        read_json(&dir.join(name).join("summary.json"))
    };
    let constant = run("constant", "400");
    let e = &constant["energy"];
    assert!((f(&e["it_kwh"]) - 36.0).abs() < 1e-9, "{e}");
    assert!((f(&e["facility_kwh"]) - 54.0).abs() < 1e-9);
    assert!((f(&e["co2_kg"]) - 21.6).abs() < 1e-9, "{e}");
    assert!((f(&e["servers"][0]["co2_kg"]) - 21.6).abs() < 1e-9);
    assert_eq!(e["carbon_intensity_source"], "constant");

    let traced = run("traced", r#"{ trace = "grid.csv" }"#);
    let e = &traced["energy"];
    assert_eq!(e["carbon_intensity_source"], "trace");
    assert!((f(&e["carbon_intensity_mean_g_per_kwh"]) - 300.0).abs() < 1e-9);
    assert!((f(&e["it_kwh"]) - 36.0).abs() < 1e-9);
    assert!((f(&e["co2_kg"]) - 12.6).abs() < 1e-9, "{e}");

    // A trace shorter than the horizon is refused unless it repeats; so is a trace without
    // the time series, and a PUE given twice.
    std::fs::write(
        dir.join("short.csv"),
        "time_s,carbon_intensity\n0,500\n3600,100\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("short.toml"),
        scenario(r#"{ trace = "short.csv" }"#),
    )
    .unwrap();
    let out = vsesim(&["validate", "short.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("energy.carbon_intensity.trace"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("repeat = true"), "{}", stderr(&out));
    std::fs::write(
        dir.join("repeat.toml"),
        scenario(r#"{ trace = "short.csv", repeat = true }"#),
    )
    .unwrap();
    assert!(vsesim(&["validate", "repeat.toml"], &dir).status.success());
    std::fs::write(
        dir.join("nots.toml"),
        scenario(r#"{ trace = "grid.csv" }"#) + "\n[report]\ntimeseries = false\n",
    )
    .unwrap();
    let out = vsesim(&["validate", "nots.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("time series"), "{}", stderr(&out));
    std::fs::write(
        dir.join("twice.toml"),
        scenario("400") + "\n[costs]\npue = 1.2\n",
    )
    .unwrap();
    let out = vsesim(&["validate", "twice.toml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("energy.pue"), "{}", stderr(&out));
}

/// Issue #20, the bundled licence comparison: the same two databases licensed at 10,000 a
/// core-year for 7 days, by the rule their ISV applies to each kind of partition:
/// - vPars of 6 cores each (partition_cores): 12 × 10,000 × 7 / 365 = 2,301.37;
/// - 4-vCPU VM guests (vcpus): 8 × 10,000 × 7 / 365 = 1,534.25;
/// - FSS groups in one OS on the 16-core server (os_instance): 16 × … = 3,068.49.
#[test]
fn the_licence_bill_follows_the_partitioning_by_hand() {
    let root = project_root();
    let dir = scratch("licences");
    for (file, cores, rule, kinds) in [
        ("licence-vpars", 12.0, "partition_cores", ["vpar", "vpar"]),
        ("licence-vms", 8.0, "vcpus", ["vm", "vm"]),
        ("licence-fss", 16.0, "os_instance", ["server", "server"]),
    ] {
        let out_dir = dir.join(file);
        let out = vsesim(
            &[
                "run",
                &format!("scenarios/{file}.toml"),
                "-o",
                out_dir.to_str().unwrap(),
                "--quiet",
            ],
            &root,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let s = read_json(&out_dir.join("summary.json"));
        let want = cores * 10_000.0 * 7.0 / 365.0;
        assert!((f(&s["cost"]["software"]) - want).abs() < 1e-6, "{file}");
        let l = &s["licences"][0];
        assert_eq!(l["rule"], rule);
        assert!((f(&l["cost"]) - want).abs() < 1e-6);
        assert!((f(&l["core_years"]) - cores * 7.0 / 365.0).abs() < 1e-12);
        let inst = l["instances"].as_array().unwrap();
        // Two databases in one OS are one instance.
        let n = if rule == "os_instance" { 1 } else { 2 };
        assert_eq!(inst.len(), n, "{file}");
        assert_eq!(inst[0]["kind"], kinds[0]);
    }
}

/// Core factors and peak counting: a vPar of 2 cores under a gWLM domain that may grow it to
/// 6, licensed at 36,500 a core-year (100 a core-day) for 10 days, on a server of a model with
/// core factor 0.5. Average: it holds 2 cores all the time (nothing to borrow for) → 2 × 0.5 ×
/// 10 × 100 = 1,000; peak: its max, 6 → 6 × 0.5 × 10 × 100 = 3,000.
#[test]
fn core_factor_and_peak_count_by_hand() {
    let text = |count: &str| {
        let fixed = "{ type = \"fixed\", cores = 2 }";
        Scenario::new("peak", "10d", 1)
            .server("sd", 2, 4, 8, "model = \"rx8640\"\n")
            .partition("vp1", "vpar", "sd", "cores = 2\nmax_cores = 6\n")
            .partition("vp2", "vpar", "sd", "cores = 2\nmax_cores = 6\n")
            .domain("sd", "", &[("vp1", fixed), ("vp2", fixed)])
            .flat("db", "vp1", 1.0, "")
            .toml(&format!(
                r#"
[[costs.software]]
name = "db"
per_core_year = 36500
rule = "partition_cores"
count = "{count}"
partitions = ["vp1"]
core_factor = {{ rx8640 = 0.5 }}

[report]
timeseries = false
"#
            ))
            .to_string()
    };
    let avg = run_text("lic-average", &text("average"));
    let peak = run_text("lic-peak", &text("peak"));
    let inst = &avg["licences"][0]["instances"][0];
    assert_eq!(f(&inst["core_factor"]), 0.5);
    assert!((f(&inst["cores_mean"]) - 2.0).abs() < 1e-9, "{inst}");
    assert_eq!(f(&inst["cores_peak"]), 6.0);
    assert!((f(&avg["cost"]["software"]) - 1_000.0).abs() < 1e-6);
    assert!((f(&peak["cost"]["software"]) - 3_000.0).abs() < 1e-6);
}

/// IV6/IV7, the other side: beside a 4-vCPU guest at 25 % on 4 cores, a 1-vCPU guest at
/// exactly the 75 % left is accepted (the refused 80 % case is tests/bad_input
/// vm_distinct_pcpu), and so is any entitlement when the wide guest has fewer vCPUs than cores.
#[test]
fn distinct_pcpu_rule_accepts_what_fits() {
    let dir = scratch("distinct-pcpu");
    for (wide, small) in [(4, 75.0), (3, 100.0)] {
        let text = Scenario::new("fits", "1h", 1)
            .server("host", 1, 4, 16, "")
            .vm("wide", "host", wide, 25.0)
            .vm("small", "host", 1, small)
            .flat("w", "small", 0.5, "");
        std::fs::write(dir.join("s.toml"), text.text()).unwrap();
        let out = vsesim(&["validate", "s.toml"], &dir);
        assert!(out.status.success(), "{wide}/{small}: {}", stderr(&out));
    }
}
