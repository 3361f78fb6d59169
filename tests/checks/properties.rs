//! Invariants of the fluid model on random partition trees and demand: work is conserved
//! (demand = served + dropped + backlog), no node serves more than its capacity, a parent
//! never hands out more than it has, and delay and drop keep to their own books.

use proptest::prelude::*;
use std::fmt::Write;
use std::path::Path;
use vsesim::model::NodeKind;
use vsesim::scenario;
use vsesim::sim;

#[derive(Debug, Clone)]
struct Leaf {
    demand: Vec<(f64, f64, bool, bool)>, // (mean as a fraction of capacity, noise, bursts, drop)
}

/// A vPar's cores, its FSS groups (shares and workloads) if split, and its own workloads if not.
type Vpar = (u32, Option<Vec<(f64, Leaf)>>, Leaf);

#[derive(Debug, Clone)]
enum Layout {
    /// Workloads straight on the server.
    Bare(Leaf),
    /// vPars of the given cores, each either a leaf or split into FSS groups.
    Vpars(Vec<Vpar>),
    /// Integrity VM guests of (vcpus, entitlement %).
    Vms(Vec<(u32, f64, Leaf)>),
    /// An nPar of vPars under a gWLM domain: (policy kind 0 fixed / 1 utilization /
    /// 2 OwnBorrow, priority, workloads), the interval in seconds, and VM guests with FSS
    /// groups inside them in a second nPar.
    Managed(Vec<(u8, u32, Leaf)>, u32, Vec<(u32, Leaf)>),
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop::collection::vec(
        (
            0.0f64..2.0,
            prop_oneof![Just(0.0), Just(0.3)],
            any::<bool>(),
            any::<bool>(),
        ),
        1..3,
    )
    .prop_map(|demand| Leaf { demand })
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        leaf().prop_map(Layout::Bare),
        prop::collection::vec(
            (
                1u32..4,
                prop::option::of(prop::collection::vec((1.0f64..100.0, leaf()), 1..4)),
                leaf()
            ),
            1..4
        )
        .prop_map(Layout::Vpars),
        prop::collection::vec((1u32..4, 5.0f64..100.0, leaf()), 1..4).prop_map(Layout::Vms),
        (
            prop::collection::vec((0u8..3, 1u32..3, leaf()), 1..5),
            prop_oneof![Just(15u32), Just(60), Just(420)],
            prop::collection::vec((1u32..3, leaf()), 0..3),
        )
            .prop_map(|(v, i, g)| Layout::Managed(v, i, g)),
    ]
}

fn workloads(
    out: &mut String,
    partition: &str,
    capacity: f64,
    leaf: &Leaf,
    counter: &mut usize,
    step: &str,
) {
    for &(mean, noise, bursts, drop) in &leaf.demand {
        let i = *counter;
        *counter += 1;
        let mean = mean * capacity;
        let bursts = if bursts {
            format!(", bursts = {{ per_day = 24, size = {capacity}, minutes = 20 }}")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "[[workloads]]\nname = \"w{i}\"\npartition = \"{partition}\"\nunits = \"cores\"\nstep = \"{step}\"\n\
             on_shortfall = \"{}\"\nsynth = {{ pattern = \"flat\", mean = {mean}, noise = {noise}{bursts} }}\n\n",
            if drop { "drop" } else { "delay" }
        );
    }
}

/// A scenario text from a layout; parts that do not fit the server are left out, so every
/// generated scenario is valid.
fn scenario_text(cells: u32, per_cell: u32, layout: &Layout, seed: u64) -> String {
    let total = cells * per_cell;
    let mut s = format!(
        "[scenario]\nname = \"prop\"\nhorizon = \"6h\"\nseed = {seed}\n\n[report]\ntimeseries = false\n\n\
         [[servers]]\nname = \"sd\"\ncells = {cells}\ncores_per_cell = {per_cell}\nmemory_gb_per_cell = 8\n\n"
    );
    let mut counter = 0;
    // Two sample steps that do not divide each other, so segments are uneven.
    let steps = ["5m", "7m"];
    match layout {
        Layout::Bare(leaf) => workloads(&mut s, "sd", total as f64, leaf, &mut counter, steps[0]),
        Layout::Vpars(vpars) => {
            let mut used = 0;
            for (v, (cores, groups, leaf)) in vpars.iter().enumerate() {
                if used + cores > total {
                    break;
                }
                used += cores;
                let _ = write!(
                    s,
                    "[[partitions]]\nname = \"vp{v}\"\nkind = \"vpar\"\nparent = \"sd\"\ncores = {cores}\n\n"
                );
                match groups {
                    None => workloads(
                        &mut s,
                        &format!("vp{v}"),
                        *cores as f64,
                        leaf,
                        &mut counter,
                        steps[v % 2],
                    ),
                    Some(groups) => {
                        for (g, (shares, leaf)) in groups.iter().enumerate() {
                            let _ = write!(
                                s,
                                "[[partitions]]\nname = \"vp{v}g{g}\"\nkind = \"srp\"\nparent = \"vp{v}\"\nshares = {shares}\n\n"
                            );
                            workloads(
                                &mut s,
                                &format!("vp{v}g{g}"),
                                *cores as f64,
                                leaf,
                                &mut counter,
                                steps[g % 2],
                            );
                        }
                    }
                }
            }
            if used == 0 {
                workloads(
                    &mut s,
                    "sd",
                    total as f64,
                    &vpars[0].2,
                    &mut counter,
                    steps[0],
                );
            }
        }
        Layout::Vms(vms) => {
            // Each vCPU on a distinct core [IV6][IV7]: a guest is kept only if its vCPUs fit
            // on the least-loaded cores, so every set written can start (validate refuses
            // unplaceable ones); wide and narrow guests still share cores.
            let mut load = vec![0.0f64; total as usize];
            let mut placed = 0;
            for (v, (vcpus, ent, leaf)) in vms.iter().enumerate() {
                let vcpus = (*vcpus).min(total);
                let e = ent / 100.0;
                load.sort_by(f64::total_cmp);
                if !load[..vcpus as usize].iter().all(|l| l + e <= 1.0 - 1e-6) {
                    continue;
                }
                load[..vcpus as usize].iter_mut().for_each(|l| *l += e);
                placed += 1;
                let _ = write!(
                    s,
                    "[[partitions]]\nname = \"vm{v}\"\nkind = \"vm\"\nparent = \"sd\"\nvcpus = {vcpus}\nentitlement = {ent}\n\n"
                );
                workloads(
                    &mut s,
                    &format!("vm{v}"),
                    vcpus as f64,
                    leaf,
                    &mut counter,
                    steps[v % 2],
                );
            }
            if placed == 0 {
                workloads(
                    &mut s,
                    "sd",
                    total as f64,
                    &vms[0].2,
                    &mut counter,
                    steps[0],
                );
            }
        }
        Layout::Managed(vpars, interval, guests) => {
            // Two nPars: the first holds the managed vPars (one whole core each to start, so
            // they always fit), the second VM guests with two FSS groups each.
            let np_cells = cells.div_ceil(2);
            let np_cores = np_cells * per_cell;
            let n = (vpars.len() as u32).min(np_cores) as usize;
            let _ = write!(
                s,
                "[[partitions]]\nname = \"np\"\nkind = \"npar\"\nparent = \"sd\"\ncells = {np_cells}\n\n"
            );
            for (v, (_, _, leaf)) in vpars.iter().take(n).enumerate() {
                let _ = write!(
                    s,
                    "[[partitions]]\nname = \"vp{v}\"\nkind = \"vpar\"\nparent = \"np\"\ncores = 1\nmin_cores = 1\nmax_cores = {np_cores}\n\n"
                );
                workloads(
                    &mut s,
                    &format!("vp{v}"),
                    1.0,
                    leaf,
                    &mut counter,
                    steps[v % 2],
                );
            }
            if cells > np_cells && !guests.is_empty() {
                let host_cores = (cells - np_cells) * per_cell;
                let _ = write!(
                    s,
                    "[[partitions]]\nname = \"np2\"\nkind = \"npar\"\nparent = \"sd\"\ncells = {}\n\n",
                    cells - np_cells
                );
                let ent = 100.0 / guests.len() as f64 / 2.0;
                for (g, (vcpus, leaf)) in guests.iter().enumerate() {
                    let vcpus = (*vcpus).min(host_cores);
                    let _ = write!(
                        s,
                        "[[partitions]]\nname = \"g{g}\"\nkind = \"vm\"\nparent = \"np2\"\nvcpus = {vcpus}\nentitlement = {ent}\n\n"
                    );
                    for (k, step) in steps.iter().enumerate() {
                        let _ = write!(
                            s,
                            "[[partitions]]\nname = \"g{g}f{k}\"\nkind = \"srp\"\nparent = \"g{g}\"\nshares = {}\n\n",
                            30 + 40 * k
                        );
                        workloads(
                            &mut s,
                            &format!("g{g}f{k}"),
                            vcpus as f64,
                            leaf,
                            &mut counter,
                            step,
                        );
                    }
                }
            }
            // One owned core and a min of one each: Σ owned ≤ the nPar whatever is fixed (a
            // fixed policy holds one core too).
            let _ = write!(
                s,
                "[[policies]]\ndomain = \"np\"\ninterval = \"{interval}s\"\n\n"
            );
            for (v, (kind, prio, _)) in vpars.iter().take(n).enumerate() {
                let policy = match kind {
                    0 => "{ type = \"fixed\", cores = 1 }".to_string(),
                    1 => format!(
                        "{{ type = \"utilization\", target = 70, min = 1, max = {np_cores} }}"
                    ),
                    _ => {
                        format!("{{ type = \"own_borrow\", owned = 1, min = 1, max = {np_cores} }}")
                    }
                };
                let _ = write!(
                    s,
                    "[[policies.compartments]]\npartition = \"vp{v}\"\npolicy = {policy}\npriority = {prio}\n\n"
                );
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn work_is_conserved_and_capacity_never_exceeded(
        cells in 1u32..4, per_cell in 1u32..5, layout in layout(), seed in 0u64..1000,
        failures in prop::collection::vec((0usize..16, 0u32..360, 1u32..240, any::<bool>()), 0..3),
        package in any::<bool>(),
    ) {
        let text = with_failures(scenario_text(cells, per_cell, &layout, seed), &failures, package);
        let sc = scenario::load_str(Path::new("prop.toml"), &text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        // The run itself checks conservation and grants every segment and fails if broken.
        let out = sim::run(&sc, &|_, _| {}).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let h = sc.horizon_ms as f64;
        let m = &sc.model;
        for (i, w) in m.workloads.iter().enumerate() {
            let mw = &out.workloads;
            let demand = mw.demand_cms[i];
            let balance = demand - mw.served_cms[i] - mw.dropped_cms[i] - mw.backlog_cms[i];
            prop_assert!(balance.abs() <= 1e-9 * demand.max(1.0), "workload {} balance {balance}", w.name);
            match w.on_shortfall {
                vsesim::model::OnShortfall::Delay => prop_assert_eq!(mw.dropped_cms[i], 0.0),
                vsesim::model::OnShortfall::Drop => prop_assert_eq!(mw.backlog_cms[i], 0.0),
            }
            prop_assert!(mw.delayed_cms[i] <= mw.served_cms[i] + 1e-9);
        }
        for (i, node) in m.nodes.iter().enumerate() {
            let mn = &out.nodes;
            prop_assert!(mn.served_cms[i] <= node.nominal * h * (1.0 + 1e-12), "{} served over capacity", node.name);
            prop_assert!(mn.served_cms[i] <= mn.granted_cms[i] * (1.0 + 1e-12) + 1e-6);
            prop_assert!(mn.cpu.max[i] <= 1.0 + 1e-9);
            // Reserved children hold no more than their parent; everything the children
            // served fits what the parent was allocated.
            let kids = m.children(vsesim::model::NodeId(i as u32));
            let reserved: f64 = kids.iter().filter(|c| matches!(m.node(**c).share, vsesim::model::Share::Fixed { .. })).map(|c| mn.granted_cms[c.0 as usize]).sum();
            prop_assert!(reserved <= mn.granted_cms[i] * (1.0 + 1e-12) + 1e-6, "{} reserved more than it had", node.name);
            let served: f64 = kids.iter().map(|c| mn.served_cms[c.0 as usize]).sum();
            prop_assert!(served <= mn.granted_cms[i] * (1.0 + 1e-12) + 1e-6, "{} children served more than it had", node.name);
            if node.kind == NodeKind::Server {
                // A server serves exactly what its workloads were served.
                let served: f64 = (0..m.workloads.len()).map(|w| out.workloads.served_cms[w]).sum();
                prop_assert!((served - mn.served_cms[i]).abs() <= 1e-9 * served.max(1.0));
            }
        }
    }
}

/// Add failures of random nodes (scheduled at minute `at` for `minutes`, or random with means
/// of that many minutes) and, when vp0 and vp1 are plain vPars, a Serviceguard package of
/// vp0's workloads that may fail over to vp1.
fn with_failures(mut text: String, failures: &[(usize, u32, u32, bool)], package: bool) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut nodes = vec!["sd".to_string()];
    let mut vp0_workloads = Vec::new();
    let mut has_children = std::collections::HashSet::new();
    for (i, l) in lines.iter().enumerate() {
        let value = |l: &str| l.split('"').nth(1).unwrap_or_default().to_string();
        if *l == "[[partitions]]" {
            nodes.push(value(lines[i + 1]));
            if let Some(parent) = lines[i + 3].strip_prefix("parent = ") {
                has_children.insert(parent.trim_matches('"').to_string());
            }
        }
        if *l == "[[workloads]]" && lines[i + 2] == "partition = \"vp0\"" {
            vp0_workloads.push(format!("\"{}\"", value(lines[i + 1])));
        }
    }
    let mut extra = String::new();
    for &(pick, at, minutes, random) in failures {
        let target = &nodes[pick % nodes.len()];
        if random {
            let _ = write!(
                extra,
                "[[failures]]\ntarget = \"{target}\"\ntime_to_failure = {{ dist = \"exponential\", mean = \"{}m\" }}\ntime_to_repair = {{ dist = \"weibull\", shape = 1.5, scale = \"{minutes}m\" }}\n\n",
                at + 1
            );
        } else {
            let _ = write!(
                extra,
                "[[failures]]\ntarget = \"{target}\"\nat = \"{at}m\"\nduration = \"{minutes}m\"\n\n"
            );
        }
    }
    let plain = |n: &str| nodes.iter().any(|x| x == n) && !has_children.contains(n);
    if package && plain("vp0") && plain("vp1") && !vp0_workloads.is_empty() {
        let _ = write!(
            extra,
            "[[clusters]]\nname = \"c\"\nnodes = [\"vp0\", \"vp1\"]\n\n[[packages]]\nname = \"p\"\ncluster = \"c\"\nworkloads = [{}]\nnodes = [\"vp0\", \"vp1\"]\nstart_time = \"2m\"\nfailback = \"automatic\"\n\n",
            vp0_workloads.join(", ")
        );
    }
    text.push_str(&extra);
    text
}

/// Fragments of scenario text, so random combinations reach past the TOML parser into the
/// compiler's checks.
const FRAGMENTS: &[&str] = &[
    "[scenario]\nname = \"p\"\nhorizon = \"1h\"\nseed = 1\n",
    "[[servers]]\nname = \"sd\"\ncells = 2\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n",
    "active_cores = 3\n",
    "rights = 1\n",
    "[[partitions]]\nname = \"np\"\nkind = \"npar\"\nparent = \"sd\"\ncells = 1\n",
    "[[partitions]]\nname = \"vp\"\nkind = \"vpar\"\nparent = \"np\"\ncores = 2\n",
    "[[partitions]]\nname = \"g\"\nkind = \"vm\"\nparent = \"sd\"\nvcpus = 40\n",
    "[[partitions]]\nname = \"f\"\nkind = \"srp\"\nparent = \"vp\"\nshares = 10\n",
    "[[workloads]]\nname = \"w\"\npartition = \"vp\"\nunits = \"cores\"\nsynth = { pattern = \"flat\", mean = 1 }\n",
    "[[workloads]]\nname = \"w\"\npartition = \"nope\"\nunits = \"percent\"\n",
    "[[policies]]\ndomain = \"np\"\n[[policies.compartments]]\npartition = \"vp\"\npolicy = { type = \"own_borrow\", owned = 9, min = 1, max = 2 }\n",
    "[[wlm]]\nhost = \"vp\"\n[[wlm.slo]]\nname = \"s\"\ngroup = \"f\"\ngoal = { usage = {} }\n",
    "[[gicap]]\nname = \"g\"\nmembers = [\"sd\"]\nsharing_rights = 0\n",
    "[report]\nstep = \"7s\"\nutil_limit = 2\n",
    "horizon = \"-1d\"\n",
    "cores = 4294967295\n",
    "\u{fffd}\"\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Bad input is answered with an error, never a panic: random combinations of scenario
    /// fragments, and random bytes (not even UTF-8) read from a file.
    #[test]
    fn bad_scenarios_never_panic(picks in prop::collection::vec(0usize..FRAGMENTS.len(), 0..12), bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        if let Ok(sc) = scenario::load_str(Path::new("frag.toml"), &text) {
            // What compiles must also run.
            let ran = sim::run(&sc, &|_, _| {});
            prop_assert!(ran.is_ok(), "a compiled scenario failed to run: {:?}\n{}", ran.err(), text);
        }
        let dir = std::env::temp_dir().join(format!("vsesim-bytes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("b.toml");
        std::fs::write(&file, &bytes).unwrap();
        let _ = scenario::load(&file);
    }
}
