//! Power states of nPars, and standby that follows planned moves and Serviceguard failovers
//! (issue #20 item 5), each through a run against figures worked out by hand.

use crate::common::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn server_energy<'a>(s: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    entity(&s["energy"], "servers", name)
}

/// A 4-cell server of 2 cores a cell (400 W idle, 800 W busy), two nPars of 2 cells: `w1`
/// in np1 runs 1 core all day, `w2` in np2 1 core but nothing 7 h–17 h (`t.csv`, [`hourly`]);
/// both drop what they cannot serve.
fn npars() -> Scenario {
    Scenario::new("np", "24h", 1)
        .server("s", 4, 2, 16, &power(400, 800))
        .npar("np1", "s", 2, None)
        .npar("np2", "s", 2, None)
        .vpar("vp", "np2", 2)
        .dropping("w1", "np1", 1.0)
        .trace(
            "w2",
            "vp",
            "t.csv",
            "step = \"1h\"\non_shortfall = \"drop\"\n",
        )
}

/// np2 sleeps after an idle hour at 10 W; its wake-up takes 5 minutes and 20 Wh.
fn npar_states(s: Scenario) -> Scenario {
    s.power_states("npars", &["np2"], "1h", 10, &wake("5m", 20))
}

/// np2 holds 2 of the server's 4 cells: its idle share is 400 W × 2/4 = 200 W. Idle from 7 h,
/// standby from 8 h to 17 h (9 h), one wake-up at 17 h: saved (200 − 10) W × 9 h − 20 Wh =
/// 1,690 Wh. Only np2 goes dark while it wakes (its cells are its own): w2 loses its 1 core
/// for 5 minutes (1/12 core-h), w1 in np1 loses nothing. Energy: 400 W × 24 h + (800 − 400) W
/// × ∫u, with 24 + 14 − 1/12 core-h served on 8 cores, less the saving: 9,600 + 50 × (38 −
/// 1/12) − 1,690 = 9,805.833 Wh.
#[test]
fn an_npar_sleeps_on_its_cells_share_of_idle_power() {
    let trace = hourly("w2", 7..17);
    let s = scratch_run_summary(
        "power_npar",
        npar_states(npars()).text(),
        &[("t.csv", &trace)],
    );
    let e = &s["energy"]["servers"][0];
    assert_eq!(e["name"], "s", "{e}");
    let np = &e["npars"][0];
    assert_eq!(np["name"], "np2", "{np}");
    assert!(close(f(&np["idle_share"]), 0.5), "{np}");
    assert!(close(f(&np["standby_hours"]), 9.0), "{np}");
    assert_eq!(np["wakeups"].as_u64(), Some(1), "{np}");
    assert!(close(f(&np["waking_hours"]), 5.0 / 60.0), "{np}");
    assert!(close(f(&np["standby_saved_kwh"]), 1.69), "{np}");
    assert!(close(f(&e["standby_hours"]), 9.0), "{e}");
    assert!(close(f(&e["standby_saved_kwh"]), 1.69), "{e}");
    let expected_wh = 9_600.0 + 50.0 * (38.0 - 1.0 / 12.0) - 1_690.0;
    assert!(close(f(&e["it_kwh"]), expected_wh / 1000.0), "{e}");
    let w2 = entity(&s, "workloads", "w2");
    assert!(close(f(&w2["dropped_core_hours"]), 1.0 / 12.0), "{w2}");
    let w1 = entity(&s, "workloads", "w1");
    assert_eq!(f(&w1["dropped_core_hours"]), 0.0, "{w1}");
    // Without power states the server has no `npars` entry, and none is written.
    let off = scratch_run_summary("power_npar_off", npars().text(), &[("t.csv", &trace)]);
    assert!(off["energy"]["servers"][0].get("npars").is_none());
}

#[test]
fn npar_power_states_refusals() {
    let trace = hourly("w2", 7..17);
    let bad = |name: &str, scenario: Scenario, field: &str, words: &[&str]| {
        assert_refused(name, scenario.text(), &[("t.csv", &trace)], field, words);
    };
    // Power states of the named nPars (or servers: `of`), standby after 1 h at `standby_w`.
    let sleeping = |s: Scenario, of: &str, names: &[&str], standby_w: u32| {
        s.power_states(of, names, "1h", standby_w, "")
    };
    let np2 = |standby_w: u32| sleeping(npars(), "npars", &["np2"], standby_w);
    bad(
        "pw_npar_and_server",
        sleeping(np2(10), "servers", &["s"], 10),
        "power_states[1].servers",
        &["`s`", "`np2`", "not both"],
    );
    bad(
        "pw_npar_unknown",
        sleeping(npars(), "npars", &["np9"], 10),
        "power_states[0].npars",
        &["`np9`"],
    );
    bad(
        "pw_npar_is_vpar",
        sleeping(npars(), "npars", &["vp"], 10),
        "power_states[0].npars",
        &["`vp` is a vpar", "expected an nPar"],
    );
    bad(
        "pw_npar_twice",
        sleeping(np2(10), "npars", &["np2"], 10),
        "power_states[1].npars",
        &["already has power states"],
    );
    // np2's share of idle power is 200 W.
    bad(
        "pw_npar_above_share",
        np2(250),
        "power_states[0].standby_w",
        &["200 W"],
    );
    bad(
        "pw_empty",
        sleeping(npars(), "npars", &[], 10),
        "power_states[0].servers",
        &["`npars`"],
    );
}

/// Two servers of 2 cores (200 W idle, 400 W busy), a vPar on each; `w` (1 core, flat, drop)
/// runs in va and moves to vb at 10 h with a reboot of `reboot`. Both servers have power
/// states: standby after 1 h, 20 W, 5-minute wake-up of 50 Wh.
fn move_text(reboot: &str) -> String {
    Scenario::new("mv", "24h", 1)
        .server("a", 1, 2, 16, &power(200, 400))
        .server("b", 1, 2, 16, &power(200, 400))
        .vpar("va", "a", 2)
        .vpar("vb", "b", 2)
        .dropping("w", "va", 1.0)
        .move_workload("w", "vb", "10h", reboot)
        .power_states("servers", &["a", "b"], "1h", 20, &wake("5m", 50))
        .into()
}

/// b has no work until the move: standby from 1 h. The move begins at 10 h and wakes b then
/// (9 h of standby, one wake-up); w lands in vb at 10 h 1 min but b serves from 10 h 5 min,
/// so w loses 1 core × 5 minutes (the 1-minute reboot inside it) = 1/12 core-h. a has no work
/// from 10 h: standby from 11 h to the horizon, 13 h, no wake-up. Saved: b 180 W × 9 h −
/// 50 Wh = 1,570 Wh; a 180 W × 13 h = 2,340 Wh.
#[test]
fn a_move_onto_a_sleeping_server_wakes_it_and_waits() {
    let s = scratch_run_summary("power_move", &move_text("1m"), &[]);
    let a = server_energy(&s, "a");
    let b = server_energy(&s, "b");
    assert!(close(f(&b["standby_hours"]), 9.0), "{b}");
    assert_eq!(b["wakeups"].as_u64(), Some(1), "{b}");
    assert!(close(f(&b["standby_saved_kwh"]), 1.57), "{b}");
    assert!(close(f(&a["standby_hours"]), 13.0), "{a}");
    assert_eq!(a["wakeups"].as_u64(), Some(0), "{a}");
    assert!(close(f(&a["standby_saved_kwh"]), 2.34), "{a}");
    let w = entity(&s, "workloads", "w");
    assert!(close(f(&w["dropped_core_hours"]), 5.0 / 60.0), "{w}");
}

/// A reboot longer than the wake-up hides it: b wakes from 10 h to 10 h 5 min while w
/// reinstalls until 10 h 30 min, so w loses only its reboot's half hour (0.5 core-h).
#[test]
fn a_reboot_longer_than_the_wake_up_hides_it() {
    let s = scratch_run_summary("power_move_long", &move_text("30m"), &[]);
    let b = server_energy(&s, "b");
    assert!(close(f(&b["standby_hours"]), 9.0), "{b}");
    assert_eq!(b["wakeups"].as_u64(), Some(1), "{b}");
    let w = entity(&s, "workloads", "w");
    assert!(close(f(&w["dropped_core_hours"]), 0.5), "{w}");
}

/// Serviceguard: `db` (1 core, flat, drop) is a package on vp-a that fails over to vp-b;
/// sd-a fails at 10 h for good. sd-b has a power model and no work of its own.
fn failover() -> Scenario {
    Scenario::new("sg", "24h", 1)
        .server("sd-a", 1, 4, 16, "")
        .server("sd-b", 1, 4, 16, &power(200, 400))
        .vpar("vp-a", "sd-a", 4)
        .vpar("vp-b", "sd-b", 4)
        .dropping("db", "vp-a", 1.0)
        .cluster(
            "sgc",
            &["vp-a", "vp-b"],
            "member_timeout = \"14s\"\nlock_time = \"6s\"\n",
        )
        .package(
            "pkg",
            "sgc",
            &["db"],
            &["vp-a", "vp-b"],
            "start_time = \"30s\"\n",
        )
        .failure("sd-a", "10h")
}

/// sd-b sleeps from 1 h. sd-a fails at 10 h; after the 14 s member timeout and the 6 s lock
/// Serviceguard picks vp-b (10 h 0 min 20 s), which wakes then (standby 9 h 0 min 20 s, one
/// wake-up), is up 5 minutes later, and the package's 30 s start-up follows: it runs from
/// 10 h 5 min 50 s. Down 20 + 300 + 30 = 350 s, so with `drop` 350 core-s are lost; without
/// power states 20 + 30 = 50 s.
#[test]
fn a_failover_onto_a_sleeping_node_waits_for_its_wake_up() {
    let off = scratch_run_summary("power_sg_off", failover().text(), &[]);
    let p = off["ha"]["packages"][0].clone();
    assert_eq!(p["downtime_ms"], 50_000, "{p}");
    let states = failover().power_states("servers", &["sd-b"], "1h", 20, &wake("5m", 50));
    let s = scratch_run_summary("power_sg", states.text(), &[]);
    let p = &s["ha"]["packages"][0];
    assert_eq!(p["downtime_ms"], 350_000, "{p}");
    assert_eq!(p["failovers"], 1, "{p}");
    assert_eq!(p["node_at_end"], "vp-b", "{p}");
    let w = entity(&s, "workloads", "db");
    assert!(close(f(&w["dropped_core_hours"]), 350.0 / 3600.0), "{w}");
    let b = server_energy(&s, "sd-b");
    assert!(close(f(&b["standby_hours"]), 9.0 + 20.0 / 3600.0), "{b}");
    assert_eq!(b["wakeups"].as_u64(), Some(1), "{b}");
    // 180 W × (9 h + 20 s) − 50 Wh.
    assert!(
        close(
            f(&b["standby_saved_kwh"]),
            (180.0 * (9.0 + 20.0 / 3600.0) - 50.0) / 1000.0
        ),
        "{b}"
    );
    // The placement the summary shows is the run's: on vp-b from 10 h 5 min 50 s.
    let placed = s["ha"]["placements"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["node"] == "vp-b"))
        .unwrap_or_else(|| panic!("{}", s["ha"]));
    assert_eq!(placed["from_ms"], 36_350_000, "{placed}");
}

/// The failover above beside an unrelated server `x` (its own island) that sleeps through
/// its workload's idle 7 h–17 h: the islands decide their power states apart, the summary
/// decides them for the whole scenario, and both must agree at any thread count. x: 9 h of
/// standby, one wake-up (as the single-server case of tests/mobility.rs); sd-b as above.
#[test]
fn power_states_are_the_same_in_islands_and_at_any_thread_count() {
    let text = failover()
        .server("x", 1, 2, 16, &power(200, 400))
        .trace(
            "xw",
            "x",
            "t.csv",
            "step = \"1h\"\non_shortfall = \"drop\"\n",
        )
        .power_states("servers", &["sd-b", "x"], "1h", 20, &wake("5m", 50));
    let run = |threads: &str| {
        let dir = scratch(&format!("power_islands_t{threads}"));
        std::fs::write(dir.join("s.toml"), text.text()).unwrap();
        std::fs::write(dir.join("t.csv"), hourly("xw", 7..17)).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vsesim"))
            .args(["run", "s.toml", "-o", "out", "-q"])
            .current_dir(&dir)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read(dir.join("out/summary.json")).unwrap()
    };
    let one = run("1");
    assert!(
        one == run("2"),
        "summary.json differs between 1 and 2 threads"
    );
    let s: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(s["ha"]["packages"][0]["downtime_ms"], 350_000);
    let x = server_energy(&s, "x");
    assert!(close(f(&x["standby_hours"]), 9.0), "{x}");
    assert_eq!(x["wakeups"].as_u64(), Some(1), "{x}");
    let b = server_energy(&s, "sd-b");
    assert!(close(f(&b["standby_hours"]), 9.0 + 20.0 / 3600.0), "{b}");
}

/// Two VM hosts of 2 cores (200 W idle, 400 W busy), both with power states (standby after
/// 1 h, 20 W, a 10-minute wake-up); `g1` (2 vCPUs, 1.25 GiB) on `a` runs 1 core flat (drop),
/// `b` is empty. At 10 h `g1` migrates to `b` over 128 MB/s while dirtying 256 MB/s: 300 s of
/// pre-copy, a 10 s pause, 310 s in all (tests/mobility.rs works these out).
fn guest_move() -> Scenario {
    Scenario::new("gm", "24h", 1)
        .server("a", 1, 2, 16, &power(200, 400))
        .server("b", 1, 2, 16, &power(200, 400))
        .guest("g1", "a", 2, 50.0, 1.25)
        .dropping("w1", "g1", 1.0)
        .migrate("g1", "b", "10h", 128, 256)
        .power_states("servers", &["a", "b"], "1h", 20, "wake_up = \"10m\"\n")
}

/// b sleeps from 1 h; the copy needs it up, so the migration's start at 10 h wakes it (9 h
/// of standby, one wake-up) and it serves from 10 h 10 min. g1 resumes on b at 10 h 5 min
/// 10 s, on cores still waking: w1 loses the 10 s pause and the 290 s to 10 h 10 min, 300
/// core-s. a holds on while the copy runs, is empty from the resume, and sleeps from 11 h
/// 5 min 10 s to the horizon: 24 h − 11 h 5 min 10 s.
#[test]
fn a_guest_migration_wakes_its_sleeping_target_when_the_copy_begins() {
    let s = scratch_run_summary("power_guest", guest_move().text(), &[]);
    let b = server_energy(&s, "b");
    assert!(close(f(&b["standby_hours"]), 9.0), "{b}");
    assert_eq!(b["wakeups"].as_u64(), Some(1), "{b}");
    assert!(close(f(&b["waking_hours"]), 10.0 / 60.0), "{b}");
    let a = server_energy(&s, "a");
    let a_sleeps = 24.0 - (11.0 + 5.0 / 60.0 + 10.0 / 3600.0);
    assert!(close(f(&a["standby_hours"]), a_sleeps), "{a}");
    assert_eq!(a["wakeups"].as_u64(), Some(0), "{a}");
    let w = entity(&s, "workloads", "w1");
    assert!(close(f(&w["dropped_core_hours"]), 300.0 / 3600.0), "{w}");
}
