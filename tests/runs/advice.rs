//! Advice that knows the box (issue #17): before "buy N servers", what a server's own
//! licensing allows — inactive Instant Capacity cores, Temporary Instant Capacity, a Pay per
//! use cap — priced with the scenario's prices, the expected figures worked by hand.

use crate::common::*;
use serde_json::Value;

/// A one-server scenario (2 cells × 4 cores = 8 installed, no partitions) whose only workload
/// asks 2.0 cores for 23 hours of the day and 4.5 for one (hour 10), for one day, at an 85 %
/// limit; `pricing` is the server's licensing.
fn spike(name: &str, pricing: &str) -> Value {
    let dir = scratch(name);
    let mut trace = String::from("w\n");
    for h in 0..24 {
        trace.push_str(if h == 10 { "4.5\n" } else { "2.0\n" });
    }
    let text = Scenario::new(name, "1d", 1)
        .server("sd", 2, 4, 64, &format!("{pricing}\n"))
        .trace("w", "sd", "t.csv", "step = \"1h\"\n")
        .toml("\n[costs]\ncurrency = \"USD\"\n")
        .report("util_limit = 0.85\ntimeseries = false\n");
    write_run_summary(&dir, text.text(), &[("t.csv", &trace)], &[])
}

fn advice<'a>(s: &'a Value, server: &str) -> &'a Value {
    s["planning"]["advice"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["server"] == server))
        .unwrap_or_else(|| panic!("no advice for {server}"))
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// 4 of the 8 cores active, iCAP rights at 10,000 each and a TiCAP balance at 250 a
/// core-day. The peak of 4.5 cores needs 4.5 ÷ 0.85 = 5.29 → 6 cores: 2 more than the 4
/// active, 2 of the 4 inactive, with no spare right (rights = active cores): 2 × 10,000 =
/// 20,000 USD. TiCAP instead: with 4 cores the ceiling is 0.85 × 4 = 3.40 and with 5 it is
/// 4.25, both under 4.5, with 6 it is 5.10: 2 temporary cores for the one hour a day, 120
/// core-minutes a day, 43,800 a year; 43,800 ÷ 1,440 × 250 = 7,604.17 USD a year; the
/// balance of 43,200 core-minutes lasts 43,200 ÷ 120 = 360 days.
#[test]
fn icap_and_ticap_for_a_daily_hour_above_the_limit() {
    let s = spike(
        "spike-icap",
        "active_cores = 4\ncore_right_price = 10000\nticap = { balance_core_minutes = 43200, price_per_core_day = 250 }",
    );
    assert_eq!(
        s["verdict"]["culprit"]["text"],
        "sd: CPU demand at peak 4.50 cores > 3.40 (85 % of 4)"
    );
    let a = advice(&s, "sd");
    assert_eq!(a["pricing"], "icap");
    assert_eq!(a["installed_cores"], 8);
    assert_eq!(a["active_cores"], 4);
    assert_eq!(a["inactive_cores"], 4);
    assert_eq!(a["cores_needed"], 6);
    assert_eq!(a["cores_needed_pooled"], 6);
    assert_eq!(a["cores_short"], 2);
    assert_eq!(a["cores_short_after"], 0);
    let i = &a["icap"];
    assert_eq!(i["activate"], 2);
    assert_eq!(i["of_inactive"], 4);
    assert_eq!(i["rights_to_buy"], 2);
    assert_eq!(f(&i["cost"]), 20_000.0);
    assert_eq!(i["enough"], true);
    let t = &a["ticap"];
    assert!(close(f(&t["core_minutes_per_year"]), 43_800.0, 1e-6), "{t}");
    assert_eq!(t["peak_cores"], 2);
    assert!(close(
        f(&t["cost_per_year"]),
        43_800.0 / 1_440.0 * 250.0,
        1e-6
    ));
    assert!(close(f(&t["balance_covers_days"]), 360.0, 1e-6));
    // No workload manager here: the run itself drew nothing from the balance.
    assert!(t["run_core_minutes_per_year"].is_null());
    assert!(a["ppu"].is_null());
    let lines: Vec<&str> = a["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        lines.contains(
            &"iCAP: activate 2 of the 4 inactive cores: 2 usage rights × 10,000 = 20,000 USD"
        ),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "TiCAP: 43,800 core-minutes a year keep the peaks within the limit (up to 2 temporary cores at once): 7,604 USD a year"
        )),
        "{lines:?}"
    );
}

/// Rights already held cost nothing: with `rights = 6` (2 spare) the same activation buys
/// none. Without a price the cost is null, not 0.
#[test]
fn spare_rights_and_a_missing_price() {
    let s = spike(
        "spike-rights",
        "active_cores = 4\nrights = 6\ncore_right_price = 10000",
    );
    let i = &advice(&s, "sd")["icap"];
    assert_eq!(i["activate"], 2);
    assert_eq!(i["rights_to_buy"], 0);
    assert_eq!(f(&i["cost"]), 0.0);
    let s = spike("spike-noprice", "active_cores = 4");
    let i = &advice(&s, "sd")["icap"];
    assert_eq!(i["rights_to_buy"], 2);
    assert!(i["cost"].is_null() && i["right_price"].is_null());
    assert!(advice(&s, "sd")["ticap"].is_null(), "no balance configured");
}

/// Pay per use capped at 4 of the 8 cores: the cap rises to the 6 cores the peak needs. The
/// percent metric bills the busy cores: the mean demand, (23 × 2.0 + 4.5) ÷ 24 = 2.1042
/// cores, 500 + 100 × 2.1042 = 710.42 a month; the active metric bills the 6 cores: 500 +
/// 600 = 1,100.
#[test]
fn pay_per_use_at_the_raised_cap() {
    for (metric, billable) in [("percent", 50.5 / 24.0), ("active", 6.0)] {
        let s = spike(
            &format!("spike-ppu-{metric}"),
            &format!(
                "ppu = {{ metric = \"{metric}\", price_per_core_month = 100, fixed_per_month = 500, cap_cores = 4 }}"
            ),
        );
        let a = advice(&s, "sd");
        assert_eq!(a["pricing"], "ppu");
        assert!(a["icap"].is_null() && a["ticap"].is_null());
        let p = &a["ppu"];
        assert_eq!(p["metric"], metric);
        assert_eq!(p["cap_cores"], 6);
        assert!(close(f(&p["billable_cores"]), billable, 1e-9), "{p}");
        assert!(close(
            f(&p["cost_per_month"]),
            500.0 + 100.0 * billable,
            1e-6
        ));
    }
}

/// The README's demo (scenarios/demo.toml): 12 of 16 cores active, iCAP rights at 12,000.
/// The cores each partition needs follow from its demand at the peak and the 85 % limit, as
/// the planner works them by hand from the table: vp-db 4.09 ÷ 0.85 = 4.81 → 5 cores, vp-app
/// 5.30 ÷ 0.85 = 6.24 → 7; np-prod holds both vPars, 5 + 7 = 12 cores, more than its own
/// 8.49 ÷ 0.85 = 9.99 → 10 and more than its 2 cells' 8: none of the 4 inactive cores is in
/// its cells, so 4 cores stay short. np-devtest needs its own 4.63 ÷ 0.85 = 5.45 → 6 (its
/// VM guests, 2.24 ÷ 0.85 = 2.64 and 2.89 ÷ 0.85 = 3.40, share it): 2 more than its 4,
/// within its cells' 8: activate 2 of the 4 inactive cores, 2 rights × 12,000 = 24,000 USD.
/// The test recomputes this from the run's own demand figures, so a change in the
/// simulation core that moves a peak moves the expectation with it.
#[test]
fn the_demo_advice_activates_what_its_cells_can_hold() {
    let dir = scratch("demo-advice");
    in_project(&["run", "--quiet"], &dir);
    let s = read_json(&dir.join("summary.json"));
    let limit = f(&s["scenario"]["util_limit"]);
    let sized = |name: &str| f(&entity(&s, "partitions", name)["sizing_demand_cores"]);
    let whole = |x: f64| (x / limit - 1e-9).ceil();
    let hundredths = |x: f64| (x / limit * 100.0 - 1e-9).ceil() / 100.0;
    let np_prod = whole(sized("np-prod")).max(whole(sized("vp-db")) + whole(sized("vp-app")));
    let np_devtest = whole(sized("np-devtest"))
        .max(hundredths(sized("vm-dev")))
        .max(hundredths(sized("vm-test")));
    let cells = 8.0; // 2 cells × 4 cores each
    let activate = (np_prod.min(cells) - 8.0).max(0.0) + (np_devtest.min(cells) - 4.0).max(0.0);
    let after = (np_prod - cells).max(0.0) + (np_devtest - cells).max(0.0);
    let a = advice(&s, "sd-new");
    assert_eq!(f(&a["cores_needed"]), np_prod + np_devtest);
    assert_eq!(
        f(&a["cores_needed_pooled"]),
        f(&entity(&s, "servers", "sd-new")["planning"]["cpu"]["recommended"])
    );
    let i = &a["icap"];
    assert_eq!(f(&i["activate"]), activate);
    assert_eq!(i["of_inactive"], 4);
    assert_eq!(
        f(&i["rights_to_buy"]),
        activate,
        "12 rights for 12 active cores"
    );
    assert_eq!(f(&i["cost"]), activate * 12_000.0);
    assert_eq!(f(&a["cores_short_after"]), after);
    assert_eq!(i["enough"], after == 0.0);
    let np = a["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "np-prod")
        .expect("np-prod needs more than it holds");
    assert_eq!(f(&np["needs"]), np_prod);
    assert_eq!(np["cells_hold"], 8);
    let line = format!(
        "iCAP: activate {activate} of the 4 inactive cores: {activate} usage right{} × 12,000 = {} USD",
        if activate == 1.0 { "" } else { "s" },
        thousands(activate * 12_000.0)
    );
    assert!(
        a["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == &Value::from(line.clone())),
        "`{line}` not in {}",
        a["lines"]
    );
}

/// consolidation-ticap.toml: gWLM shares the complex's 12 active cores between four nPars
/// (one 8-core cell each) and buys TiCAP for the peaks. Cores move between the nPars, so the
/// server needs the larger of its own recommended size and the largest nPar's, and each
/// nPar can hold no more than its cell's 8; the TiCAP answer is priced at the scenario's 250
/// a core-day: cost a year = core-minutes a year ÷ 1,440 × 250.
#[test]
fn shared_npars_need_the_pool_and_each_cell_caps_its_npar() {
    let dir = scratch("ticap-advice");
    in_project(
        &["run", "scenarios/consolidation-ticap.toml", "--quiet"],
        &dir,
    );
    let s = read_json(&dir.join("summary.json"));
    let rec = |n: &Value| f(&n["planning"]["cpu"]["recommended"]);
    let npars: Vec<f64> = s["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(rec)
        .collect();
    let largest = npars.iter().copied().fold(0.0, f64::max);
    let pooled = rec(entity(&s, "servers", "sd"));
    let a = advice(&s, "sd");
    assert_eq!(f(&a["cores_needed"]), pooled.max(largest));
    assert_eq!(a["inactive_cores"], 20);
    let short = (pooled.max(largest) - 12.0).max(0.0);
    assert_eq!(f(&a["cores_short"]), short);
    assert_eq!(f(&a["icap"]["activate"]), short.min(20.0));
    let beyond_cells = npars.iter().map(|n| (n - 8.0).max(0.0)).fold(0.0, f64::max);
    assert_eq!(
        f(&a["cores_short_after"]),
        (short - short.min(20.0)).max(beyond_cells)
    );
    let t = &a["ticap"];
    assert_eq!(f(&t["price_per_core_day"]), 250.0);
    assert!(close(
        f(&t["cost_per_year"]),
        f(&t["core_minutes_per_year"]) / 1_440.0 * 250.0,
        1e-6
    ));
    assert!(f(&t["core_minutes_per_year"]) > 0.0);
    // What gWLM drew in the 14 days, scaled to 365.
    let used = f(&s["licensing"][0]["ticap"]["used_core_minutes"]);
    assert!(used > 0.0);
    assert!(close(
        f(&t["run_core_minutes_per_year"]),
        used * 365.0 / 14.0,
        1e-6
    ));
}

/// 24000 → "24,000".
fn thousands(x: f64) -> String {
    let digits = format!("{x:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
