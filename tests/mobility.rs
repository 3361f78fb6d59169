//! `[[moves]]` and `[[consolidation]]` (issue #21): every refusal exits 2 from `vsesim
//! validate` with a message naming the file, the line of the offending value, the field and
//! what was expected; good plans compile into the numbers the pre-copy model gives by hand;
//! the bundled PlanetLab pair validates.

mod common;
use common::*;
use std::path::Path;
use vsesim::mobility::detect::Detector;
use vsesim::mobility::plan::MoveKind;
use vsesim::mobility::select::Policy;

/// Three VM hosts and a partitioned server:
/// - `a` (4 cores, 16 GiB, power) holds `g1` (2 vCPUs at 50 %: 1 core entitled, 4 GiB);
/// - `b` (4 cores, 16 GiB, power) holds `g2` (4 vCPUs at 50 %: 2 cores, 8 GiB);
/// - `small` (2 cores, 16 GiB, no power) holds `g3` (2 vCPUs at 75 %: 1.5 cores, 2 GiB) and
///   `g4` (1 vCPU, no memory);
/// - `c` holds the nPar `np` with the vPars `vp1` and `vp2`.
fn base() -> String {
    Scenario::new("m", "2d", 1)
        .toml("start = \"2011-03-03\"\n")
        .server("a", 1, 4, 16, &power(100, 200))
        .server("b", 1, 4, 16, &power(150, 300))
        .server("small", 1, 2, 16, "")
        .server("c", 1, 4, 16, "")
        .npar("np", "c", 1, None)
        .vpar("vp1", "np", 2)
        .vpar("vp2", "np", 2)
        .guest("g1", "a", 2, 50.0, 4.0)
        .guest("g2", "b", 4, 50.0, 8.0)
        .guest("g3", "small", 2, 75.0, 2.0)
        .partition("g4", "vm", "small", "vcpus = 1\n")
        .flat("w1", "g1", 0.5, "")
        .flat("w2", "vp1", 0.5, "")
        .into()
}

/// `vsesim validate` of [`base`] + `extra`: exit 2, and the first message names the file, the line
/// of `marker` in the whole text, the field and every word.
fn refused(name: &str, extra: &str, marker: &str, field: &str, words: &[&str]) {
    let text = format!("{}{extra}", base());
    let dir = scratch(name);
    std::fs::write(dir.join("s.toml"), &text).unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
    let head = err.lines().next().unwrap_or("");
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{name}: marker `{marker}` not in the text"));
    let line = text[..at].matches('\n').count() + 1;
    assert!(
        head.contains(&format!("s.toml:{line}:")),
        "{name}: expected line {line}: {head}"
    );
    assert!(
        head.contains(field),
        "{name}: expected field `{field}`: {head}"
    );
    for w in words {
        assert!(head.contains(w), "{name}: expected `{w}`: {head}");
    }
}

fn load(extra: &str) -> vsesim::scenario::Scenario {
    let text = format!("{}{extra}", base());
    vsesim::scenario::load_str(Path::new("s.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

// --- What moves, and where to ---

#[test]
fn unknown_guest() {
    refused(
        "unknown_guest",
        "\n[[moves]]\nguest = \"nope\"\nto = \"b\"\nat = \"1d\"\n",
        "\"nope\"",
        "moves[0].guest",
        &["no server or partition is named `nope`"],
    );
}

#[test]
fn guest_that_is_not_a_vm() {
    refused(
        "guest_not_vm",
        "\n[[moves]]\nguest = \"vp1\"\nto = \"b\"\nat = \"1d\"\n",
        "\"vp1\"\nto",
        "moves[0].guest",
        &["`vp1` is a vpar", "expected a VM guest", "workload = "],
    );
}

#[test]
fn target_that_is_not_a_vm_host() {
    refused(
        "target_is_vm",
        "\n[[moves]]\nguest = \"g1\"\nto = \"g2\"\nat = \"1d\"\n",
        "\"g2\"\nat",
        "moves[0].to",
        &["`g2` is a vm", "expected a VM host"],
    );
}

#[test]
fn target_divided_into_vpars() {
    refused(
        "target_holds_vpars",
        "\n[[moves]]\nguest = \"g1\"\nto = \"np\"\nat = \"1d\"\n",
        "\"np\"\nat",
        "moves[0].to",
        &["holds the vpar `vp1`", "expected a VM host"],
    );
}

#[test]
fn target_does_not_exist() {
    refused(
        "target_missing",
        "\n[[moves]]\nguest = \"g1\"\nto = \"zz\"\nat = \"1d\"\n",
        "\"zz\"",
        "moves[0].to",
        &["no server or partition is named `zz`"],
    );
}

#[test]
fn guest_with_more_vcpus_than_the_target_has_cores() {
    refused(
        "too_many_vcpus",
        "\n[[moves]]\nguest = \"g2\"\nto = \"small\"\nat = \"1d\"\n",
        "\"small\"\nat",
        "moves[0].to",
        &[
            "`g2` does not fit `small` at 1d",
            "4 vCPUs but the host has 2 cores",
        ],
    );
}

/// Issue #20 item 3 for moves: `d` (4 cores) holds `wide` (3 vCPUs at 95.6 %); `g1` (2 vCPUs
/// at 50 %) fits the entitlement sum (2.868 + 1 = 3.868 ≤ 4) but not the distinct-pCPU rule:
/// wide's 3 cores keep 4.4 % each, so only the fourth core has room for a g1 vCPU, and g1
/// needs two distinct ones.
#[test]
fn a_move_that_breaks_the_distinct_pcpu_rule() {
    let extra = "\n[[servers]]\nname = \"d\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 16\n\n\
                 [[partitions]]\nname = \"wide\"\nkind = \"vm\"\nparent = \"d\"\nvcpus = 3\nentitlement = 95.6\nmemory_gb = 1\n\n\
                 [[moves]]\nguest = \"g1\"\nto = \"d\"\nat = \"1d\"\n";
    refused(
        "distinct_pcpu_move",
        extra,
        "\"d\"\nat",
        "moves[0].to",
        &[
            "`g1` cannot start on `d` at 1d",
            "`wide` (3 vCPUs at 95.6 %)",
            "`g1` (2 vCPUs at 50.0 %)",
            "distinct cores of its 4",
        ],
    );
    // With `wide` at 50 % each of its cores keeps half a core: g1 starts.
    let ok = extra.replace("entitlement = 95.6", "entitlement = 50");
    let s = load(&ok);
    assert_eq!(s.mobility.moves.len(), 1);
}

/// `b` has 4 cores; g2 holds 2 of them, g1 (moved first, at 12h) 1 more; g3 then needs 1.5
/// where 1 is left: refused because of the earlier move, and at its time.
#[test]
fn entitlement_counted_after_earlier_moves() {
    let extra = "\n[[moves]]\nguest = \"g3\"\nto = \"b\"\nat = \"1d\"\n\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"12h\"\n";
    refused(
        "entitlement_after_moves",
        extra,
        "\"b\"\nat = \"1d\"",
        "moves[0].to",
        &[
            "`g3` does not fit `b` at 1d",
            "needs 1.50 cores",
            "1.00 not yet guaranteed",
        ],
    );
    // Alone, g3 passes the entitlement sum (2 + 1.5 ≤ 4) but not the distinct-pCPU rule:
    // g2's 4 vCPUs hold half of every core, and a 75 % vCPU of g3 fits on none.
    refused(
        "entitlement_alone_distinct_pcpu",
        "\n[[moves]]\nguest = \"g3\"\nto = \"b\"\nat = \"1d\"\n",
        "\"b\"\nat = \"1d\"",
        "moves[0].to",
        &["`g2` (4 vCPUs at 50.0 %), `g3` (2 vCPUs at 75.0 %)"],
    );
    // g1 (2 vCPUs at 50 %) fits beside g2: half of every core is left for it.
    let s = load("\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"1d\"\n");
    assert_eq!(s.mobility.moves.len(), 1);
}

/// `a` has 16 GiB; g1 holds 4 + 2 × 4 × 0.004 + 0.0625 = 4.0945; g2 needs 8 + 4 × 8 × 0.004
/// + 0.0625 = 8.1905: fits (12.285). A second guest of 8 GiB would not: see the memory case.
#[test]
fn memory_with_overhead_must_fit() {
    let extra = "\n[[partitions]]\nname = \"big\"\nkind = \"vm\"\nparent = \"small\"\nvcpus = 1\nmemory_gb = 12\n\n[[moves]]\nguest = \"big\"\nto = \"a\"\nat = \"1d\"\n";
    // `big` starts on `small` (2 + 0.08 + 12.11 ≤ 16 GiB there: the host's own check passes).
    // 12 + 0.048 + 0.0625 = 12.11 GiB needed; a has 16 − 4.0945 = 11.9055 free.
    refused(
        "memory_misfit",
        extra,
        "\"a\"\nat",
        "moves[0].to",
        &["needs 12.11 GiB", "11.91 GiB free"],
    );
}

#[test]
fn guest_already_on_the_target() {
    refused(
        "same_host",
        "\n[[moves]]\nguest = \"g1\"\nto = \"a\"\nat = \"1d\"\n",
        "\"a\"\nat",
        "moves[0].to",
        &["already on `a`", "expected another host"],
    );
}

#[test]
fn guest_without_memory() {
    refused(
        "no_memory",
        "\n[[moves]]\nguest = \"g4\"\nto = \"b\"\nat = \"1d\"\n",
        "guest = \"g4\"",
        "moves[0].guest",
        &["`g4` has no `memory_gb`"],
    );
}

#[test]
fn guest_moved_with_a_reboot() {
    refused(
        "guest_reboot",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"1d\"\nreboot = \"5m\"\n",
        "\"5m\"",
        "moves[0].reboot",
        &["`reboot` is for workloads"],
    );
}

#[test]
fn both_guest_and_workload_or_neither() {
    refused(
        "guest_and_workload",
        "\n[[moves]]\nguest = \"g1\"\nworkload = \"w1\"\nto = \"b\"\nat = \"1d\"\n",
        "\"g1\"\nworkload",
        "moves[0].guest",
        &["both `guest` and `workload`"],
    );
    refused(
        "nothing_to_move",
        "\n[[moves]]\nto = \"b\"\nat = \"1d\"\n",
        "[[moves]]",
        "moves[0]",
        &["nothing to move", "guest = "],
    );
}

#[test]
fn the_same_guest_moved_while_it_moves() {
    // g1: 4 GiB = 4096 MB over 1 MB/s takes 4096 s; the second move starts 1 s after.
    let extra = "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"1h\"\nlink_mbps = 1\n\n[[moves]]\nguest = \"g1\"\nto = \"a\"\nat = \"3601s\"\n";
    refused(
        "overlap",
        extra,
        "\"g1\"\nto = \"a\"",
        "moves[1].guest",
        &["still moving (moves[0]) until 128.3 min"],
    );
}

#[test]
fn bad_link_and_dirty_rate() {
    refused(
        "link_zero",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"1d\"\nlink_mbps = 0\n",
        "link_mbps = 0",
        "moves[0].link_mbps",
        &["expected a positive bandwidth in MB/s"],
    );
    refused(
        "dirty_negative",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"1d\"\ndirty_mbps = -3\n",
        "dirty_mbps = -3",
        "moves[0].dirty_mbps",
        &["-3", "expected a dirty rate ≥ 0"],
    );
}

// --- Workloads ---

#[test]
fn workload_moved_without_a_reboot() {
    refused(
        "no_reboot",
        "\n[[moves]]\nworkload = \"w2\"\nto = \"vp2\"\nat = \"1d\"\n",
        "[[moves]]",
        "moves[0].reboot",
        &["expected `reboot = "],
    );
}

#[test]
fn workload_to_a_divided_partition_or_an_unknown_workload() {
    refused(
        "workload_to_npar",
        "\n[[moves]]\nworkload = \"w2\"\nto = \"np\"\nat = \"1d\"\nreboot = \"10m\"\n",
        "\"np\"\nat",
        "moves[0].to",
        &["`np` is divided into partitions"],
    );
    refused(
        "unknown_workload",
        "\n[[moves]]\nworkload = \"w9\"\nto = \"vp2\"\nat = \"1d\"\nreboot = \"10m\"\n",
        "\"w9\"",
        "moves[0].workload",
        &["no workload is named `w9`"],
    );
    refused(
        "workload_link",
        "\n[[moves]]\nworkload = \"w2\"\nto = \"vp2\"\nat = \"1d\"\nreboot = \"10m\"\nlink_mbps = 10\n",
        "link_mbps",
        "moves[0].link_mbps",
        &["a workload moves with a `reboot`"],
    );
}

#[test]
fn workload_of_a_package() {
    let extra = "\n[[clusters]]\nname = \"cl\"\nnodes = [\"vp1\", \"vp2\"]\n\n[[packages]]\nname = \"pk\"\ncluster = \"cl\"\nworkloads = [\"w2\"]\nnodes = [\"vp1\", \"vp2\"]\n\n[[moves]]\nworkload = \"w2\"\nto = \"vp2\"\nat = \"1d\"\nreboot = \"10m\"\n";
    refused(
        "packaged_workload",
        extra,
        "workload = \"w2\"",
        "moves[0].workload",
        &["belongs to the Serviceguard package `pk`"],
    );
}

// --- When ---

#[test]
fn move_before_the_horizon_start() {
    refused(
        "before_start",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"2011-03-01\"\n",
        "\"2011-03-01\"",
        "moves[0].at",
        &["before the horizon start (2011-03-03)"],
    );
}

#[test]
fn move_after_the_horizon_or_badly_timed() {
    refused(
        "after_end",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"2011-03-05\"\n",
        "\"2011-03-05\"",
        "moves[0].at",
        &["2d is at or after the end of the horizon (2d)"],
    );
    refused(
        "not_a_time",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"soon\"\n",
        "\"soon\"",
        "moves[0].at",
        &["`soon`", "expected a time from the start"],
    );
    refused(
        "no_time",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\n",
        "[[moves]]",
        "moves[0]",
        &["no time", "window = "],
    );
    refused(
        "at_and_window",
        "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"1d\"\nwindow = { from = \"1d\", to = \"2d\" }\n",
        "\"1d\"\nwindow",
        "moves[0].at",
        &["both `at` and `window`"],
    );
}

#[test]
fn a_date_needs_a_start() {
    let text = base().replace("start = \"2011-03-03\"\n", "")
        + "\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"2011-03-04\"\n";
    let dir = scratch("date_no_start");
    std::fs::write(dir.join("s.toml"), &text).unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("moves[0].at"), "{err}");
    assert!(err.contains("has no [scenario] start"), "{err}");
}

/// A reboot of 2 h in a 1 h window cannot be over by its end; a window that closes before it
/// opens is refused too.
#[test]
fn windows_too_short_or_reversed() {
    refused(
        "window_short",
        "\n[[moves]]\nworkload = \"w2\"\nto = \"vp2\"\nwindow = { from = \"1d\", to = \"25h\" }\nreboot = \"2h\"\n",
        "{ from",
        "moves[0].window",
        &["the move takes 2h but the window is 1h"],
    );
    refused(
        "window_reversed",
        "\n[[moves]]\nworkload = \"w2\"\nto = \"vp2\"\nwindow = { from = \"1d\", to = \"12h\" }\nreboot = \"2h\"\n",
        "{ from",
        "moves[0].window",
        &["closes (12h) before it opens (1d)"],
    );
}

// --- Consolidation managers ---

const MANAGER: &str = "\n[[consolidation]]\nname = \"m1\"\nhosts = [\"a\", \"b\"]\n";

#[test]
fn consolidation_host_refusals() {
    refused(
        "one_host",
        "\n[[consolidation]]\nhosts = [\"a\"]\ndetector = \"thr\"\n",
        "[\"a\"]",
        "consolidation[0].hosts",
        &["expected at least two"],
    );
    refused(
        "host_not_server",
        "\n[[consolidation]]\nhosts = [\"a\", \"np\"]\ndetector = \"thr\"\n",
        "\"np\"]",
        ".hosts",
        &["`np` is a npar", "expected a server"],
    );
    refused(
        "host_without_power",
        "\n[[consolidation]]\nhosts = [\"a\", \"small\"]\ndetector = \"thr\"\n",
        "\"small\"]",
        ".hosts",
        &["`small` has no `power = { idle_w, max_w }`"],
    );
    refused(
        "host_holds_npar",
        "\n[[consolidation]]\nhosts = [\"a\", \"c\"]\ndetector = \"thr\"\n",
        "\"c\"]",
        ".hosts",
        &["holds the npar `np`"],
    );
    refused(
        "host_twice",
        "\n[[consolidation]]\nhosts = [\"a\", \"a\"]\ndetector = \"thr\"\n",
        "\"a\"]",
        ".hosts",
        &["listed twice"],
    );
    refused(
        "two_managers",
        &format!(
            "{MANAGER}detector = \"thr\"\n\n[[consolidation]]\nhosts = [\"b\", \"a\"]\ndetector = \"mad\"\n"
        ),
        "\"b\", \"a\"",
        "consolidation[1].hosts",
        &["already managed by consolidation[0]"],
    );
}

#[test]
fn consolidation_parameter_refusals() {
    refused(
        "thr_with_safety",
        &format!("{MANAGER}detector = \"thr\"\nsafety = 2.5\n"),
        "safety = 2.5",
        "consolidation[0] (m1).safety",
        &["`safety` is for mad, iqr and lr"],
    );
    refused(
        "mad_with_threshold",
        &format!("{MANAGER}detector = \"mad\"\nthreshold = 0.8\n"),
        "threshold = 0.8",
        "consolidation[0] (m1).threshold",
        &["a dynamic detector takes `safety`"],
    );
    refused(
        "zero_safety",
        &format!("{MANAGER}detector = \"lr\"\nsafety = 0\n"),
        "safety = 0",
        "consolidation[0] (m1).safety",
        &["expected a safety parameter above 0"],
    );
    refused(
        "threshold_above_one",
        &format!("{MANAGER}detector = \"thr\"\nthreshold = 1.5\n"),
        "threshold = 1.5",
        "consolidation[0] (m1).threshold",
        &["1.5", "at most 1"],
    );
    refused(
        "unknown_detector",
        &format!("{MANAGER}detector = \"ewma\"\n"),
        "\"ewma\"",
        "detector",
        &["ewma", "thr", "mad", "iqr", "lr"],
    );
    refused(
        "standby_above_idle",
        &format!("{MANAGER}detector = \"iqr\"\nstandby_w = 120\n"),
        "standby_w = 120",
        "consolidation[0] (m1).standby_w",
        &["at most the hosts' lowest idle power (100 W)"],
    );
    refused(
        "zero_interval",
        &format!("{MANAGER}detector = \"mad\"\ninterval = \"0s\"\n"),
        "\"0s\"",
        "consolidation[0] (m1).interval",
        &["expected a positive interval"],
    );
    refused(
        "underload_above_one",
        &format!("{MANAGER}detector = \"mad\"\nunderload_threshold = 2\n"),
        "underload_threshold = 2",
        "consolidation[0] (m1).underload_threshold",
        &["from 0 (never evacuate) to 1"],
    );
    refused(
        "zero_rounds",
        &format!("{MANAGER}detector = \"mad\"\nmax_rounds = 0\n"),
        "max_rounds = 0",
        "consolidation[0] (m1).max_rounds",
        &["expected 1 to 1000"],
    );
}

#[test]
fn a_planned_move_of_a_managed_guest() {
    refused(
        "managed_and_planned",
        &format!(
            "{MANAGER}detector = \"mad\"\n\n[[moves]]\nguest = \"g1\"\nto = \"b\"\nat = \"1d\"\n"
        ),
        "guest = \"g1\"",
        "moves[0].guest",
        &["consolidation[0] (m1)", "moves its guests itself"],
    );
}

// --- What compiles ---

/// g2 (8 GiB = 8192 MB) to `a` over 125 MB/s while it dirties 25 MB/s (D/B = 0.2), stopping
/// below 1 MB: rounds of 65.536 s, 13.1072 s, 2.62144 s, 0.524288 s, 0.1048576 s,
/// 0.02097152 s (sending 8192 × 0.2^k MB), after which 25 × 0.02097152 = 0.524288 MB ≤ 1
/// remain: 6 rounds, pause 0.524288 / 125 = 0.004194304 s, pre-copy 8192/125 × (1 − 0.2⁶) /
/// 0.8 = 81.91475 s. The workload w2 moves to vp2 at 12h with a 10-minute reboot.
#[test]
fn moves_compile_to_the_hand_computed_migration() {
    let s = load(
        "\n[[moves]]\nguest = \"g2\"\nto = \"a\"\nat = \"1d\"\nlink_mbps = 125\ndirty_mbps = 25\n\n[[moves]]\nworkload = \"w2\"\nto = \"vp2\"\nwindow = { from = \"2011-03-03\", to = \"1h\" }\nreboot = \"10m\"\n",
    );
    let p = &s.mobility;
    assert_eq!(p.moves.len(), 2);
    // In time order: the workload's window opens at 0.
    assert_eq!((p.moves[0].index, p.moves[0].start_ms), (1, 0));
    assert_eq!(p.moves[0].window_end_ms, Some(3_600_000));
    match &p.moves[0].kind {
        MoveKind::Workload { reboot_ms, .. } => assert_eq!(*reboot_ms, 600_000),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.moves[1].start_ms, 86_400_000);
    let MoveKind::Guest {
        guest,
        from,
        to,
        migration,
        ..
    } = &p.moves[1].kind
    else {
        panic!("{:?}", p.moves[1].kind)
    };
    let name = |n: &vsesim::model::NodeId| s.model.nodes[n.0 as usize].name.as_str();
    assert_eq!((name(guest), name(from), name(to)), ("g2", "b", "a"));
    assert_eq!(migration.rounds, 6);
    assert!(migration.converged);
    let precopy = 8192.0 / 125.0 * (1.0 - 0.2f64.powi(6)) / 0.8;
    assert!(
        (migration.precopy_s - precopy).abs() < 1e-9,
        "{migration:?}"
    );
    assert!((precopy - 81.91475).abs() < 1e-5);
    assert!(
        (migration.pause_s - 0.004194304).abs() < 1e-12,
        "{migration:?}"
    );
    assert_eq!(
        p.moves[1].duration_ms(),
        (migration.total_s * 1000.0).ceil() as u64
    );
}

#[test]
fn a_manager_compiles_with_the_papers_defaults() {
    let s = load(&format!("{MANAGER}detector = \"lr\"\nselection = \"mc\"\n"));
    let c = &s.mobility.consolidations[0];
    assert_eq!(c.name, "m1");
    assert_eq!(c.detector, Detector::LocalRegression { safety: 1.2 });
    assert_eq!(c.selection, Policy::MaxCorrelation);
    assert_eq!((c.interval_ms, c.fallback_limit), (300_000, 0.7));
    assert_eq!(c.underload_threshold, 1.0);
    assert_eq!(c.guests.len(), 2);
    assert_eq!(c.power[1].idle_w, 150.0);
    let none = load("");
    assert!(none.mobility.moves.is_empty() && none.mobility.consolidations.is_empty());
}

// --- The bundled pairs ---

/// Validate a bundled pair and check what it compiles to: `hosts` VM hosts, 8 guests each,
/// all managed in the `mad` scenario (MAD, safety 2.5), none in the `static` one.
fn bundled_pair(dir: &str, prefix: &str, guests: usize, hosts: usize) {
    let root = project_root();
    for kind in ["static", "mad"] {
        let path = format!("{dir}/mobility-{kind}.toml");
        let out = vsesim(&["validate", &path], &root);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", stderr(&out));
        let s = vsesim::scenario::load(&root.join(&path)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, format!("{prefix}{kind}"));
        assert_eq!(s.model.workloads.len(), guests);
        let c = &s.mobility.consolidations;
        if kind == "mad" {
            assert_eq!(c.len(), 1);
            assert_eq!(c[0].hosts.len(), hosts);
            assert_eq!(c[0].guests.len(), guests);
            assert_eq!(c[0].detector, Detector::Mad { safety: 2.5 });
            assert_eq!((c[0].power[0].standby_w, c[0].wake_ms), (20.0, 120_000));
        } else {
            assert!(c.is_empty());
        }
    }
}

/// The sample day of traces/planetlab: 80 VMs on 10 hosts, in every clone.
#[test]
fn the_bundled_sample_pair_validates() {
    bundled_pair("scenarios/mobility", "mobility-", 80, 10);
}

// --- Planned workload moves in the run ---

/// `w` (a flat 1 core, `on_shortfall` as given) runs in `vp1` (2 cores, server `c`) and moves
/// at 1h to `vp2` (2 cores, another server `d`) with `reboot`; horizon 4h.
fn move_text(on_shortfall: &str, reboot: &str) -> String {
    Scenario::new("mv", "4h", 1)
        .server("c", 1, 4, 16, "")
        .server("d", 1, 4, 16, "")
        .npar("np1", "c", 1, None)
        .vpar("vp1", "np1", 2)
        .npar("np2", "d", 1, None)
        .vpar("vp2", "np2", 2)
        .flat("w", "vp1", 1.0, &shortfall(on_shortfall))
        .move_workload("w", "vp2", "1h", reboot)
        .into()
}

/// A workload's `on_shortfall` line, for the builder's `extra`.
fn shortfall(on_shortfall: &str) -> String {
    format!("on_shortfall = \"{on_shortfall}\"\n")
}

fn run_move(name: &str, on_shortfall: &str, reboot: &str) -> serde_json::Value {
    scratch_run_summary(name, &move_text(on_shortfall, reboot), &[])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Drop, a 30-minute reboot: 4 core-h arrive; the 1 core of the reboot's half hour is lost
/// (0.5 core-h); 1 core-h is served in vp1 (0–1h) and 2.5 in vp2 (1.5h–4h): vp1's mean
/// utilization 1 / (2 cores × 4 h) = 0.125, vp2's 2.5 / 8 = 0.3125.
#[test]
fn a_moved_workload_drops_exactly_its_reboot() {
    let s = run_move("move_drop", "drop", "30m");
    let w = entity(&s, "workloads", "w");
    assert!(close(f(&w["demand_core_hours"]), 4.0), "{w}");
    assert!(close(f(&w["dropped_core_hours"]), 0.5), "{w}");
    assert!(close(f(&w["served_core_hours"]), 3.5), "{w}");
    assert_eq!(f(&w["backlog_core_hours"]), 0.0);
    let mean = |p| f(&entity(&s, "partitions", p)["cpu_utilization"]["mean"]);
    assert!(close(mean("vp1"), 0.125), "{}", mean("vp1"));
    assert!(close(mean("vp2"), 0.3125), "{}", mean("vp2"));
}

/// Delay, a 2h30m reboot: the work of 1h–3.5h waits (2.5 core-h); from 3.5h vp2's 2 cores
/// serve the 1 core arriving and drain the queue at 1 core, so 0.5 core-h of it is done by 4h:
/// served 1 (vp1) + 2 × 0.5 (vp2) = 2, backlog 2, demand 4 = 2 + 0 + 2.
#[test]
fn a_moved_workload_queues_exactly_its_reboot() {
    let s = run_move("move_delay", "delay", "150m");
    let w = entity(&s, "workloads", "w");
    assert!(close(f(&w["demand_core_hours"]), 4.0), "{w}");
    assert!(close(f(&w["served_core_hours"]), 2.0), "{w}");
    assert!(close(f(&w["backlog_core_hours"]), 2.0), "{w}");
    assert_eq!(f(&w["dropped_core_hours"]), 0.0);
    let d = |k: &str| f(&w[k]);
    assert!(close(
        d("demand_core_hours"),
        d("served_core_hours") + d("dropped_core_hours") + d("backlog_core_hours")
    ));
    let mean = |p| f(&entity(&s, "partitions", p)["cpu_utilization"]["mean"]);
    assert!(close(mean("vp1"), 0.125), "{}", mean("vp1"));
    assert!(close(mean("vp2"), 0.125), "{}", mean("vp2"));
}

/// The lazy core and the oracle (every entity at every instant) agree on a move across
/// servers, and the islands give the same bits on one thread and four: the move joined the
/// two servers into one island.
#[test]
fn the_oracle_and_any_thread_count_agree_on_a_move() {
    for (shortfall, reboot) in [("drop", "30m"), ("delay", "150m"), ("delay", "0s")] {
        let sc =
            vsesim::scenario::load_str(Path::new("s.toml"), &move_text(shortfall, reboot)).unwrap();
        assert_eq!(vsesim::sim::island::partition(&sc), vec![vec![0, 3]]);
        threads_and_oracle_agree(&sc, &format!("{shortfall} {reboot}"));
    }
}

/// The lazy core on one thread and on four give the same bits, and the oracle (every
/// entity at every instant) the same work to 1e-9, per workload and per node.
fn threads_and_oracle_agree(sc: &vsesim::scenario::Scenario, case: &str) {
    use vsesim::sim;
    let run_on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sim::run(sc, &|_, _| {}).unwrap())
    };
    let (lazy, four) = (run_on(1), run_on(4));
    let oracle = sim::oracle::run(sc, 0).unwrap();
    for (a, b, o) in [
        (&lazy.workloads, &four.workloads, &oracle.workloads),
        (&lazy.nodes, &four.nodes, &oracle.nodes),
    ] {
        assert_eq!(a.served_cms, b.served_cms, "{case}");
        assert_eq!(a.dropped_cms, b.dropped_cms, "{case}");
        assert_eq!(a.backlog_cms, b.backlog_cms, "{case}");
        for (x, y) in [
            (&a.served_cms, &o.served_cms),
            (&a.dropped_cms, &o.dropped_cms),
            (&a.backlog_cms, &o.backlog_cms),
            (&a.demand_cms, &o.demand_cms),
        ] {
            for (p, q) in x.iter().zip(y) {
                assert!(
                    (p - q).abs() <= 1e-9 * p.abs().max(1.0),
                    "{case}: {x:?} {y:?}"
                );
            }
        }
    }
}

// --- The consolidation manager in the run ---

/// The managed pair's demand per 5 minutes [cores]: 1 each, then 1.75 each for 10 minutes.
const MANAGED_TRACE: &str = "w1,w2\n1,1\n1.75,1.75\n1.75,1.75\n";

/// Two VM hosts `a`, `b` of 4 cores (100 W idle, 200 W busy, 10 W standby), guest `g1` on `a`
/// and `g2` on `b` (4 vCPUs at 25 %, 1 GiB: a 1024 MB/s link copies one in 1 s with no pause),
/// each running one workload; THR 0.8 every 5 minutes, no copy overhead, a 1-minute wake-up;
/// demand per 5 minutes: 1 core each, then 1.75 each for 10 minutes.
fn managed_text() -> String {
    let delay = "step = \"5m\"\non_shortfall = \"delay\"\n";
    Scenario::new("managed", "15m", 1)
        .server("a", 1, 4, 16, &power(100, 200))
        .server("b", 1, 4, 16, &power(100, 200))
        .guest("g1", "a", 4, 25.0, 1.0)
        .guest("g2", "b", 4, 25.0, 1.0)
        .trace("w1", "g1", "t.csv", delay)
        .trace("w2", "g2", "t.csv", delay)
        .toml(
            "\n[[consolidation]]\nname = \"thr\"\nhosts = [\"a\", \"b\"]\ndetector = \"thr\"\nthreshold = 0.8\n\
             standby_w = 10\nwake_up = \"1m\"\nlink_mbps = 1024\noverhead_cores = 0\n",
        )
        .into()
}

fn run_managed(name: &str, threads: &str) -> (serde_json::Value, Vec<u8>) {
    let dir = scratch(name);
    std::fs::write(dir.join("t.csv"), MANAGED_TRACE).unwrap();
    std::fs::write(dir.join("s.toml"), managed_text()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args(["run", "s.toml", "-o", "out", "-q"])
        .current_dir(&dir)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
    let bytes = std::fs::read(dir.join("out/summary.json")).unwrap();
    (read_json(&dir.join("out/summary.json")), bytes)
}

/// By hand. At 5m (both hosts at 0.25) nothing is overloaded and `a`, least utilized, is
/// emptied into `b`: g1 migrates 5m–5m1s and `a` sleeps from 5m1s. At 10m `b` is at
/// 3.5 / 4 = 0.875 > 0.8 and sheds g1 (MMT: equal memory, the first in its list); the only
/// host not overloaded is `a`, woken at 10m, so g1 migrates at 11m (after the wake-up) and
/// resumes at 11m1s. Two migrations, no pause.
/// Energy: `a` draws 100 W × 15 min = 25 Wh idle, + 100 W × ∫u with ∫u = 0.25 × 5 min +
/// 0.4375 × 4 min = 3 min (5 Wh), − 90 W × 299 s of standby (7.475 Wh): 22.525 Wh; `b` 25 Wh +
/// 100 W × (0.25 × 5 + 0.4375 × 1 s + 0.875 × 6 min + 0.4375 × 3m59s = 8.25 min): 38.75 Wh.
/// SLATAH 0 (`b` at most 0.875); PDM = mean over guests of 0.1 × (demand when decided × 1 s)
/// ÷ 825 core-s asked: (0.1 × 1 + 0.1 × 1.75) / 2 / 825.
#[test]
fn a_managed_pair_of_hosts_by_hand() {
    let (s, _) = run_managed("managed_hand", "1");
    let c = &s["consolidation"][0];
    assert_eq!(c["name"], "thr");
    assert_eq!(c["detector"], "thr");
    assert_eq!(c["intervals"].as_u64(), Some(2), "{c}");
    assert_eq!(c["migrations"].as_u64(), Some(2), "{c}");
    assert_eq!(f(&c["pause_s"]), 0.0);
    assert_eq!(c["wakeups"].as_u64(), Some(1), "{c}");
    assert!(close(f(&c["standby_hours"]), 299.0 / 3600.0), "{c}");
    assert_eq!(f(&c["slatah"]), 0.0);
    assert!((f(&c["pdm"]) - 0.275 / 2.0 / 825.0).abs() < 1e-15, "{c}");
    assert_eq!(f(&c["slav"]), 0.0);
    let e = |n: &str| {
        s["energy"]["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == n)
            .map(|x| f(&x["it_kwh"]))
            .unwrap()
    };
    assert!((e("a") - 0.022525).abs() < 1e-9, "{}", e("a"));
    assert!((e("b") - 0.03875).abs() < 1e-9, "{}", e("b"));
    assert!((f(&c["energy_kwh"]) - 0.061275).abs() < 1e-9, "{c}");
    // Nothing waits: the hosts never run short; 2 × (1 core × 5 min + 1.75 × 10 min) served.
    let served = f(&s["totals"]["served_core_hours"]);
    assert!(close(served, 2.0 * (5.0 + 1.75 * 10.0) / 60.0), "{served}");
    assert_eq!(f(&s["totals"]["delayed_core_hours"]), 0.0);
}

/// `wake_wh` charges each wake-up of a managed host, as `[[power_states]]`'s does: the pair
/// above with `wake_wh = 3`, where `a` wakes once (at 10m), draws 22.525 + 3 = 25.525 Wh and
/// `b` its 38.75 Wh unchanged; the manager's energy is their sum, 64.275 Wh. Nothing else
/// moves: the same migrations and standby time.
#[test]
fn a_managed_wake_up_costs_its_wake_wh() {
    let dir = scratch("managed_wake_wh");
    std::fs::write(dir.join("t.csv"), MANAGED_TRACE).unwrap();
    std::fs::write(dir.join("s.toml"), managed_text() + "wake_wh = 3\n").unwrap();
    let out = vsesim(&["run", "s.toml", "-o", "out", "-q"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = read_json(&dir.join("out/summary.json"));
    let c = &s["consolidation"][0];
    assert_eq!(c["migrations"].as_u64(), Some(2), "{c}");
    assert_eq!(c["wakeups"].as_u64(), Some(1), "{c}");
    assert!(close(f(&c["standby_hours"]), 299.0 / 3600.0), "{c}");
    let server = |n: &str| {
        s["energy"]["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == n)
            .cloned()
            .unwrap()
    };
    assert!(
        (f(&server("a")["it_kwh"]) - 0.025525).abs() < 1e-9,
        "{}",
        server("a")
    );
    assert!(
        (f(&server("b")["it_kwh"]) - 0.03875).abs() < 1e-9,
        "{}",
        server("b")
    );
    assert!((f(&c["energy_kwh"]) - 0.064275).abs() < 1e-9, "{c}");
}

/// A negative or non-finite `wake_wh` is refused, naming the field.
#[test]
fn a_managed_wake_wh_must_be_energy() {
    let dir = scratch("managed_wake_wh_bad");
    std::fs::write(dir.join("t.csv"), MANAGED_TRACE).unwrap();
    std::fs::write(dir.join("s.toml"), managed_text() + "wake_wh = -1\n").unwrap();
    let out = vsesim(&["validate", "s.toml"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("s.toml") && err.contains("wake_wh") && err.contains("≥ 0 Wh"),
        "{err}"
    );
}

/// The same bytes at 1 and 2 threads, on the managed pair and on the bundled MAD day.
#[test]
fn a_managed_run_is_the_same_at_any_thread_count() {
    let (_, one) = run_managed("managed_t1", "1");
    let (_, two) = run_managed("managed_t2", "2");
    assert!(one == two, "summary.json differs between 1 and 2 threads");
    let root = project_root();
    let run = |threads: &str| {
        let dir = scratch(&format!("mad_t{threads}"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vsesim"))
            .args(["run", "scenarios/mobility/mobility-mad.toml", "-o"])
            .arg(dir.join("out"))
            .arg("-q")
            .current_dir(&root)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read(dir.join("out/summary.json")).unwrap()
    };
    assert!(
        run("1") == run("2"),
        "mobility-mad summary.json differs between 1 and 2 threads"
    );
}

// --- Guest migration in the run ---

/// Two VM hosts of 2 cores, `a` with `g1` and `b` with `g2` (2 vCPUs at 50 % each, 1.25 GiB =
/// 1280 MB), each running a flat 2 cores (`on_shortfall` as given); horizon 1h. At 10m `g1`
/// migrates to `b` over a 128 MB/s link while it dirties 256 MB/s: the copy never converges,
/// so 30 rounds of 1280 / 128 = 10 s (300 s) run, then a 10 s pause copies it all again.
fn guest_move_text(on_shortfall: &str) -> String {
    Scenario::new("gm", "1h", 1)
        .server("a", 1, 2, 16, "")
        .server("b", 1, 2, 16, "")
        .guest("g1", "a", 2, 50.0, 1.25)
        .guest("g2", "b", 2, 50.0, 1.25)
        .flat("w1", "g1", 2.0, &shortfall(on_shortfall))
        .flat("w2", "g2", 2.0, &shortfall(on_shortfall))
        .migrate("g1", "b", "10m", 128, 256)
        .into()
}

fn run_guest_move(name: &str, on_shortfall: &str) -> serde_json::Value {
    scratch_run_summary(name, &guest_move_text(on_shortfall), &[])
}

/// The migration compiles to the hand figures: 30 rounds, 300 s of pre-copy, a 10 s pause,
/// 310 s in all, 0.25 × 310 = 77.5 core-s of overhead on each side.
#[test]
fn a_guest_migration_compiles_to_the_hand_figures() {
    let sc = vsesim::scenario::load_str(Path::new("s.toml"), &guest_move_text("drop")).unwrap();
    let MoveKind::Guest { migration: m, .. } = sc.mobility.moves[0].kind else {
        panic!("not a guest move");
    };
    assert_eq!(m.rounds, 30);
    assert!(!m.converged);
    assert!((m.precopy_s - 300.0).abs() < 1e-9, "{m:?}");
    assert!((m.pause_s - 10.0).abs() < 1e-9, "{m:?}");
    assert!((m.total_s - 310.0).abs() < 1e-9, "{m:?}");
    assert!((m.overhead_core_s - 77.5).abs() < 1e-9, "{m:?}");
}

/// Through a real run, by hand [core-s, of 3600 s]:
/// - `w1`: 2 cores on `a` to 600 s (1200); `a` less the copy's 0.25 cores, 1.75, from 600 to
///   900 s (525); nothing in the pause, 900–910 s; from 910 s it shares `b` with `w2` at equal
///   entitlements, 1 core (2690): served 4415 of 7200;
/// - `w2`: 2 cores to 600 s (1200, the stand-in of `g1` on `b` taking nothing); 1.75 from 600
///   to 910 s, the copy's overhead on `b` lasting to the resume (542.5); 1 core after (2690):
///   served 4432.5.
///
/// Drop loses the rest; delay queues it (every host is saturated, so none of it is served by
/// the horizon): per workload demand = served + dropped + backlog.
#[test]
fn a_guest_migration_through_a_run_by_hand() {
    let h = 3600.0;
    for shortfall in ["drop", "delay"] {
        let s = run_guest_move(&format!("guest_move_{shortfall}"), shortfall);
        for (w, served) in [("w1", 4415.0), ("w2", 4432.5)] {
            let e = entity(&s, "workloads", w);
            let d = |k: &str| f(&e[k]) * h;
            let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
            assert!(near(d("demand_core_hours"), 7200.0), "{w} {shortfall}: {e}");
            assert!(near(d("served_core_hours"), served), "{w} {shortfall}: {e}");
            let lost = 7200.0 - served;
            let (dropped, backlog) = if shortfall == "drop" {
                (lost, 0.0)
            } else {
                (0.0, lost)
            };
            assert!(
                near(d("dropped_core_hours"), dropped),
                "{w} {shortfall}: {e}"
            );
            assert!(
                near(d("backlog_core_hours"), backlog),
                "{w} {shortfall}: {e}"
            );
            assert!(near(
                d("demand_core_hours"),
                d("served_core_hours") + d("dropped_core_hours") + d("backlog_core_hours")
            ));
        }
        // The guest's node figures follow it: its served work is the sum over its stays.
        let g1 = entity(&s, "partitions", "g1");
        assert!(
            (f(&g1["served_core_hours"]) * h - 4415.0).abs() < 1e-6,
            "{g1}"
        );
    }
}

/// The lazy core and the oracle agree on a guest migration, and 1 and 4 threads give the
/// same bits.
#[test]
fn the_oracle_and_any_thread_count_agree_on_a_guest_migration() {
    for shortfall in ["drop", "delay"] {
        let sc =
            vsesim::scenario::load_str(Path::new("s.toml"), &guest_move_text(shortfall)).unwrap();
        threads_and_oracle_agree(&sc, shortfall);
    }
}

// --- Power states in the run (issue #20 item 5) ---

/// One server of 2 cores (200 W idle, 400 W busy) running one workload of 1 core, hourly
/// samples (`t.csv`): busy 0–7 h and 17–24 h, nothing the 10 h between.
fn one_server(on_shortfall: &str) -> Scenario {
    let trace = format!("step = \"1h\"\n{}", shortfall(on_shortfall));
    Scenario::new("pw", "24h", 1)
        .server("s", 1, 2, 16, &power(200, 400))
        .trace("w", "s", "t.csv", &trace)
}

/// `s` sleeps after an idle hour at 20 W; a wake-up takes 5 minutes and 50 Wh.
fn sleeping(s: Scenario) -> Scenario {
    s.power_states("servers", &["s"], "1h", 20, &wake("5m", 50))
}

fn run_power(name: &str, scenario: Scenario) -> serde_json::Value {
    let trace = hourly("w", 7..17);
    scratch_run_summary(name, scenario.text(), &[("t.csv", &trace)])
}

/// The figure through a run. Without power states: 200 W × 24 h + 200 W × ∫u, with
/// 14 core-h served on 2 cores (∫u = 7 h): 6,200 Wh. With them: idle from 7 h, standby from
/// 8 h to 17 h (9 h), one wake-up at 17 h whose 5 minutes serve nothing, so with `drop` the
/// 1 core of those 5 minutes is lost (1/12 core-h) and ∫u = (14 − 1/12) / 2 h; energy =
/// 4,800 + 200 × (14 − 1/12) / 2 − (180 W × 9 h − 50 Wh) = 4,621.667 Wh.
#[test]
fn standby_saves_the_hand_computed_energy_in_a_run() {
    let off = run_power("power_off", one_server("drop"));
    let e = &off["energy"]["servers"][0];
    assert!(close(f(&e["it_kwh"]), 6.2), "{e}");
    assert!(
        e["standby_hours"].is_null() && e["wakeups"].is_null(),
        "{e}"
    );

    let on = run_power("power_on", sleeping(one_server("drop")));
    let e = &on["energy"]["servers"][0];
    assert!(close(f(&e["standby_hours"]), 9.0), "{e}");
    assert_eq!(e["wakeups"].as_u64(), Some(1), "{e}");
    assert!(close(f(&e["waking_hours"]), 5.0 / 60.0), "{e}");
    assert!(close(f(&e["standby_saved_kwh"]), 1.57), "{e}");
    let expected_wh = 4_800.0 + 200.0 * (14.0 - 1.0 / 12.0) / 2.0 - 1_570.0;
    assert!(close(f(&e["it_kwh"]), expected_wh / 1000.0), "{e}");
    let w = entity(&on, "workloads", "w");
    assert!(close(f(&w["dropped_core_hours"]), 1.0 / 12.0), "{w}");
    // The cost's energy line follows the same kWh.
    let c = &on["cost"]["servers"][0];
    assert!(close(f(&c["energy_kwh"]), expected_wh / 1000.0), "{c}");
}

/// With `delay` the wake-up's 5 minutes of work wait and are served after it (1 spare core
/// drains 1/12 core-h in 5 minutes): nothing lost, all 14 core-h served.
#[test]
fn work_returning_to_a_sleeping_server_waits_for_the_wake_up() {
    let on = run_power("power_delay", sleeping(one_server("delay")));
    let w = entity(&on, "workloads", "w");
    assert_eq!(f(&w["dropped_core_hours"]), 0.0, "{w}");
    assert!(close(f(&w["served_core_hours"]), 14.0), "{w}");
    assert!(f(&w["delayed_core_hours"]) > 0.0, "{w}");
}

#[test]
fn power_states_refusals() {
    // One sample repeated: a trace long enough for the day, whatever it holds.
    let bad = |name: &str, servers: &[&str], after: &str, standby_w: u32, field, words| {
        let text = one_server("drop")
            .power_states("servers", servers, after, standby_w, "")
            .text()
            .replace("step = \"1h\"", "step = \"1h\"\nrepeat = true");
        assert_refused(name, &text, &[("t.csv", "w\n1\n")], field, words);
    };
    bad(
        "pw_standby_above_idle",
        &["s"],
        "1h",
        250,
        "power_states[0].standby_w",
        &["idle power (200 W)"],
    );
    bad(
        "pw_unknown_server",
        &["t"],
        "1h",
        20,
        "power_states[0].servers",
        &["`t`"],
    );
    bad(
        "pw_zero_after",
        &["s"],
        "0s",
        20,
        "power_states[0].standby_after",
        &["positive"],
    );
}
