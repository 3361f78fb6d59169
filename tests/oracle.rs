//! The lazy simulation core against its oracle: random datacenters (several servers and
//! islands; nPars, vPars, VM guests and FSS groups, nested; gWLM domains with fixed,
//! utilization and OwnBorrow policies, nested in one another; WLM on FSS groups; scheduled,
//! random and core failures; a Serviceguard package moving between servers; Temporary
//! Instant Capacity and Pay per use; drop and delay workloads) run through `sim::run` (pools
//! integrated lazily, islands in parallel) and through `sim::oracle::run` (every entity at
//! every instant). Every work figure must agree to 1e-9 relative, and every report interval's
//! mean too (checked through the time series, whose rows are the report intervals here).
//!
//! `PROPTEST_CASES=10000 cargo test --release --test oracle` for the long run.

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::fmt::Write;
use std::path::Path;
use vsesim::scenario;
use vsesim::sim::{self, Outcome};

/// A random scenario from `seed`; every part is sized so that it is valid.
fn scenario_text(seed: u64) -> String {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let r = &mut rng;
    let interval = ["5m", "7m", "10m", "1h"][r.random_range(0..4)];
    let horizon_h = r.random_range(2..10);
    let mut s = String::new();
    let _ = write!(
        s,
        "[scenario]\nname = \"oracle\"\nhorizon = \"{horizon_h}h\"\nseed = {seed}\n\n\
         [report]\ninterval = \"{interval}\"\n\n"
    );
    let steps = ["5m", "7m", "1m"];
    let mut n_workloads = 0;
    let mut workload = |s: &mut String, r: &mut Pcg64Mcg, part: &str, capacity: f64| {
        let k = n_workloads;
        n_workloads += 1;
        let mean = capacity * r.random_range(0.0..1.6);
        let noise = [0.0, 0.3][r.random_range(0..2)];
        let bursts = if r.random_bool(0.4) {
            format!(", bursts = {{ per_day = 24, size = {capacity}, minutes = 20 }}")
        } else {
            String::new()
        };
        let drop = if r.random_bool(0.35) { "drop" } else { "delay" };
        let step = steps[r.random_range(0..3)];
        let pattern = ["flat", "diurnal"][r.random_range(0..2)];
        let peak = if pattern == "diurnal" {
            format!(", peak = {}", mean * 1.5)
        } else {
            String::new()
        };
        let memory = if r.random_bool(0.3) {
            format!("memory_gb = {}\n", r.random_range(0.5..6.0))
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "[[workloads]]\nname = \"w{k}\"\npartition = \"{part}\"\nunits = \"cores\"\nstep = \"{step}\"\n\
             on_shortfall = \"{drop}\"\n{memory}synth = {{ pattern = \"{pattern}\", mean = {mean}{peak}, noise = {noise}{bursts} }}\n\n"
        );
        k
    };
    let servers = r.random_range(1..4);
    // Plain vPars that may carry a package: (server, vPar, cores).
    let mut plain: Vec<(usize, String, u32)> = Vec::new();
    let mut nodes: Vec<String> = Vec::new();
    let mut leaves_with_work: Vec<(String, Vec<usize>)> = Vec::new();
    for sv in 0..servers {
        let cells = r.random_range(2..5u32);
        let per_cell = r.random_range(2..5u32);
        let total = cells * per_cell;
        let name = format!("sd{sv}");
        nodes.push(name.clone());
        let layout = r.random_range(0..5);
        // TiCAP for a managed nPar layout; else maybe Pay per use.
        let licensing = if layout == 3 {
            let active = total - per_cell.min(2);
            format!(
                "active_cores = {active}\nticap = {{ balance_core_minutes = {}, price_per_core_day = 40 }}\n",
                r.random_range(0..3000)
            )
        } else if r.random_bool(0.4) {
            "ppu = { metric = \"percent\", price_per_core_month = 300 }\n".to_string()
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "[[servers]]\nname = \"{name}\"\ncells = {cells}\ncores_per_cell = {per_cell}\nmemory_gb_per_cell = 16\n{licensing}\n"
        );
        match layout {
            // Workloads straight on the server.
            0 => {
                let ws = (0..r.random_range(1..4))
                    .map(|_| workload(&mut s, r, &name, total as f64))
                    .collect();
                leaves_with_work.push((name.clone(), ws));
            }
            // vPars, some split into FSS groups (one under WLM), and plain ones.
            1 => {
                let mut used = 0;
                for v in 0..r.random_range(1..5) {
                    let cores = r.random_range(1..4u32);
                    if used + cores > total {
                        break;
                    }
                    used += cores;
                    let vp = format!("{name}v{v}");
                    nodes.push(vp.clone());
                    let _ = write!(
                        s,
                        "[[partitions]]\nname = \"{vp}\"\nkind = \"vpar\"\nparent = \"{name}\"\ncores = {cores}\n\n"
                    );
                    if r.random_bool(0.5) {
                        let groups = r.random_range(2..4);
                        for g in 0..groups {
                            let fg = format!("{vp}g{g}");
                            let _ = write!(
                                s,
                                "[[partitions]]\nname = \"{fg}\"\nkind = \"srp\"\nparent = \"{vp}\"\nshares = {}\n\n",
                                r.random_range(10..100)
                            );
                            for _ in 0..r.random_range(1..3) {
                                workload(&mut s, r, &fg, cores as f64);
                            }
                        }
                        if r.random_bool(0.5) {
                            let _ = write!(
                                s,
                                "[[wlm]]\nhost = \"{vp}\"\ninterval = \"{}s\"\nothers = \"{vp}g0\"\n\n\
                                 [[wlm.slo]]\nname = \"{vp}-u\"\ngroup = \"{vp}g1\"\npriority = 1\ngoal = {{ usage = {{ low = 50, high = 75 }} }}\n\n",
                                [30, 60, 90][r.random_range(0..3)]
                            );
                        }
                    } else {
                        let ws = (0..r.random_range(1..4))
                            .map(|_| workload(&mut s, r, &vp, cores as f64))
                            .collect();
                        plain.push((sv, vp.clone(), cores));
                        leaves_with_work.push((vp, ws));
                    }
                }
                if used == 0 {
                    workload(&mut s, r, &name, total as f64);
                }
            }
            // VM guests (some with FSS groups inside).
            2 => {
                // Each core's entitled fraction: a guest is kept only if its vCPUs fit on
                // distinct cores (the least loaded), so every set written can start (IV6/IV7,
                // refused by validate otherwise); wide and narrow guests still share cores.
                let mut load = vec![0.0f64; total as usize];
                let mut placed = 0;
                for v in 0..r.random_range(1..5) {
                    let vcpus = r.random_range(1..4u32).min(total);
                    let ent = r.random_range(5.0..100.0);
                    load.sort_by(f64::total_cmp);
                    let fits = load[..vcpus as usize]
                        .iter()
                        .all(|l| l + ent / 100.0 <= 1.0 - 1e-6);
                    if !fits {
                        continue;
                    }
                    load[..vcpus as usize]
                        .iter_mut()
                        .for_each(|l| *l += ent / 100.0);
                    placed += 1;
                    let vm = format!("{name}m{v}");
                    nodes.push(vm.clone());
                    let _ = write!(
                        s,
                        "[[partitions]]\nname = \"{vm}\"\nkind = \"vm\"\nparent = \"{name}\"\nvcpus = {vcpus}\nentitlement = {ent}\n\n"
                    );
                    if r.random_bool(0.3) {
                        for g in 0..2 {
                            let fg = format!("{vm}g{g}");
                            let _ = write!(
                                s,
                                "[[partitions]]\nname = \"{fg}\"\nkind = \"srp\"\nparent = \"{vm}\"\nshares = {}\n\n",
                                30 + 40 * g
                            );
                            workload(&mut s, r, &fg, vcpus as f64);
                        }
                    } else {
                        for _ in 0..r.random_range(1..3) {
                            workload(&mut s, r, &vm, vcpus as f64);
                        }
                    }
                }
                if placed == 0 {
                    workload(&mut s, r, &name, total as f64);
                }
            }
            // nPars under a server-level domain (iCAP moves, TiCAP), vPars under nested
            // domains inside them.
            3 => {
                let active = total - per_cell.min(2);
                let nps = cells.min(3);
                let np_cores = active / nps;
                // (name, the fewest cores its own domain needs)
                let mut np_names: Vec<(String, u32)> = Vec::new();
                for n in 0..nps {
                    let np = format!("{name}n{n}");
                    nodes.push(np.clone());
                    let _ = write!(
                        s,
                        "[[partitions]]\nname = \"{np}\"\nkind = \"npar\"\nparent = \"{name}\"\ncells = 1\ncores = {np_cores}\n\n"
                    );
                    let mut least = 1;
                    if np_cores >= 2 && r.random_bool(0.5) {
                        // vPars of one core to start, under their own domain.
                        let k = r.random_range(2..4u32).min(np_cores);
                        least = k;
                        for v in 0..k {
                            let vp = format!("{np}v{v}");
                            nodes.push(vp.clone());
                            let _ = write!(
                                s,
                                "[[partitions]]\nname = \"{vp}\"\nkind = \"vpar\"\nparent = \"{np}\"\ncores = 1\nmin_cores = 1\nmax_cores = {np_cores}\n\n"
                            );
                            for _ in 0..r.random_range(1..3) {
                                workload(&mut s, r, &vp, 1.0);
                            }
                        }
                        let _ = write!(
                            s,
                            "[[policies]]\ndomain = \"{np}\"\ninterval = \"{}s\"\n\n",
                            [15, 60, 420][r.random_range(0..3)]
                        );
                        for v in 0..k {
                            let policy = match r.random_range(0..3) {
                                0 => "{ type = \"fixed\", cores = 1 }".to_string(),
                                1 => format!(
                                    "{{ type = \"utilization\", target = 70, min = 1, max = {np_cores} }}"
                                ),
                                _ => format!(
                                    "{{ type = \"own_borrow\", owned = 1, min = 1, max = {np_cores} }}"
                                ),
                            };
                            let _ = write!(
                                s,
                                "[[policies.compartments]]\npartition = \"{np}v{v}\"\npolicy = {policy}\npriority = {}\n\n",
                                r.random_range(1..3)
                            );
                        }
                    } else {
                        for _ in 0..r.random_range(1..3) {
                            workload(&mut s, r, &np, np_cores as f64);
                        }
                    }
                    np_names.push((np, least));
                }
                let _ = write!(
                    s,
                    "[[policies]]\ndomain = \"{name}\"\ninterval = \"60s\"\nticap = {{ utilitypri = 2, reserve_days = 0 }}\n\n"
                );
                for (np, least) in &np_names {
                    let _ = write!(
                        s,
                        "[[policies.compartments]]\npartition = \"{np}\"\npolicy = {{ type = \"own_borrow\", owned = {}, min = {least}, max = {} }}\n\n",
                        (np_cores / 2).max(*least),
                        per_cell.max(*least)
                    );
                }
            }
            // Two vPars of one nPar under a domain with a short latency, and a plain vPar.
            _ => {
                let np = format!("{name}n");
                let _ = write!(
                    s,
                    "[[partitions]]\nname = \"{np}\"\nkind = \"npar\"\nparent = \"{name}\"\ncells = {cells}\n\n"
                );
                for v in 0..2 {
                    let vp = format!("{np}v{v}");
                    nodes.push(vp.clone());
                    let _ = write!(
                        s,
                        "[[partitions]]\nname = \"{vp}\"\nkind = \"vpar\"\nparent = \"{np}\"\ncores = 1\nmin_cores = 1\nmax_cores = {}\n\n",
                        total - 2
                    );
                    for _ in 0..r.random_range(1..3) {
                        workload(&mut s, r, &vp, 1.0);
                    }
                }
                let vp = format!("{np}p");
                let _ = write!(
                    s,
                    "[[partitions]]\nname = \"{vp}\"\nkind = \"vpar\"\nparent = \"{np}\"\ncores = 1\n\n"
                );
                let ws = (0..r.random_range(1..3))
                    .map(|_| workload(&mut s, r, &vp, 1.0))
                    .collect();
                plain.push((sv, vp.clone(), 1));
                leaves_with_work.push((vp, ws));
                let _ = write!(
                    s,
                    "[[policies]]\ndomain = \"{np}\"\ninterval = \"{}s\"\n\n",
                    [20, 60][r.random_range(0..2)]
                );
                for v in 0..2 {
                    let max = total - 2;
                    let policy = if r.random_bool(0.5) {
                        format!(
                            "{{ type = \"own_borrow\", owned = 1, min = 1, max = {max}, target = 70 }}"
                        )
                    } else {
                        format!("{{ type = \"utilization\", target = 60, min = 1, max = {max} }}")
                    };
                    let _ = write!(
                        s,
                        "[[policies.compartments]]\npartition = \"{np}v{v}\"\npolicy = {policy}\n\n"
                    );
                }
            }
        }
    }
    // Failures: scheduled node failures, core failures, random ones.
    for _ in 0..r.random_range(0..3) {
        let target = &nodes[r.random_range(0..nodes.len())];
        let at = r.random_range(0..horizon_h * 60);
        let minutes = r.random_range(1..180);
        if r.random_bool(0.3) {
            let _ = write!(
                s,
                "[[failures]]\ntarget = \"{target}\"\ntime_to_failure = {{ dist = \"exponential\", mean = \"{}m\" }}\n\
                 time_to_repair = {{ dist = \"exponential\", mean = \"{minutes}m\" }}\n\n",
                r.random_range(30..300)
            );
        } else {
            let _ = write!(
                s,
                "[[failures]]\ntarget = \"{target}\"\nat = \"{at}m\"\nduration = \"{minutes}m\"\n\n"
            );
        }
    }
    if r.random_bool(0.3) {
        let server = format!("sd{}", r.random_range(0..servers));
        let _ = write!(
            s,
            "[[failures]]\ntarget = \"{server}\"\nkind = \"core\"\nat = \"{}m\"\nduration = \"{}m\"\n\n",
            r.random_range(0..horizon_h * 60),
            r.random_range(1..120)
        );
    }
    // A package of a plain vPar's workloads, able to fail over to a plain vPar of another
    // server (which joins the two servers into one island).
    let a = plain.first().cloned();
    let b = plain
        .iter()
        .find(|p| a.as_ref().is_some_and(|a| p.0 != a.0))
        .cloned();
    if let (Some(a), Some(b)) = (a, b)
        && r.random_bool(0.7)
        && let Some((_, ws)) = leaves_with_work.iter().find(|(n, _)| *n == a.1)
    {
        let list: Vec<String> = ws.iter().map(|w| format!("\"w{w}\"")).collect();
        let _ = write!(
            s,
            "[[clusters]]\nname = \"c\"\nnodes = [\"{}\", \"{}\"]\n\n\
             [[packages]]\nname = \"pkg\"\ncluster = \"c\"\nworkloads = [{}]\nnodes = [\"{}\", \"{}\"]\nstart_time = \"{}s\"\nfailback = \"{}\"\n\n\
             [[failures]]\ntarget = \"{}\"\nat = \"{}m\"\nduration = \"{}m\"\n\n",
            a.1,
            b.1,
            list.join(", "),
            a.1,
            b.1,
            r.random_range(0..120),
            ["manual", "automatic"][r.random_range(0..2)],
            a.1,
            r.random_range(0..horizon_h * 60),
            r.random_range(1..120),
        );
    }
    s
}

/// `a` and `b` agree to `rel` relative (with an absolute floor of `rel` × `scale`).
fn close(a: f64, b: f64, rel: f64, scale: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(scale)
}

fn compare(text: &str, lazy: &Outcome, oracle: &Outcome, horizon: f64) -> Result<(), String> {
    const REL: f64 = 1e-9;
    let work =
        |what: &str, m1: &sim::metrics::Meters, m2: &sim::metrics::Meters| -> Result<(), String> {
            for i in 0..m1.len() {
                let scale = m2.demand_cms[i].max(m2.granted_cms[i]).max(1.0);
                let pairs = [
                    ("demand", m1.demand_cms[i], m2.demand_cms[i], scale),
                    ("served", m1.served_cms[i], m2.served_cms[i], scale),
                    ("dropped", m1.dropped_cms[i], m2.dropped_cms[i], scale),
                    ("delayed", m1.delayed_cms[i], m2.delayed_cms[i], scale),
                    ("granted", m1.granted_cms[i], m2.granted_cms[i], scale),
                    ("backlog", m1.backlog_cms[i], m2.backlog_cms[i], scale),
                    ("met_ms", m1.met_ms[i], m2.met_ms[i], horizon),
                    (
                        "longest_backlog_ms",
                        m1.longest_backlog_ms[i],
                        m2.longest_backlog_ms[i],
                        horizon,
                    ),
                    ("peak_demand", m1.peak_demand[i], m2.peak_demand[i], 1.0),
                    (
                        "memory_ms",
                        m1.held_ms[i].memory_gb,
                        m2.held_ms[i].memory_gb,
                        horizon,
                    ),
                    ("cpu.sum_ms", m1.cpu.sum_ms[i], m2.cpu.sum_ms[i], horizon),
                    ("cpu.max", m1.cpu.max[i], m2.cpu.max[i], 1.0),
                    (
                        "cpu.above_limit_ms",
                        m1.cpu.above_limit_ms[i] as f64,
                        m2.cpu.above_limit_ms[i] as f64,
                        horizon,
                    ),
                    ("memory.max", m1.memory.max[i], m2.memory.max[i], 1.0),
                ];
                for (name, a, b, s) in pairs {
                    if !close(a, b, REL, s) {
                        return Err(format!("{what} {i}: {name} {a} (lazy) vs {b} (oracle)"));
                    }
                }
                for q in [0.5, 0.95, 0.99] {
                    let (a, b) = (m1.cpu.quantile(i, q), m2.cpu.quantile(i, q));
                    // Interval means agree to 1e-9: a quantile can only move to the next bin.
                    if (a - b).abs() > 0.0011 {
                        return Err(format!("{what} {i}: cpu p{q} {a} (lazy) vs {b} (oracle)"));
                    }
                }
                if i < m1.demand.len()
                    && (m1.demand.max[i] - m2.demand.max[i]).abs() > REL * m2.demand.max[i].max(1.0)
                {
                    return Err(format!(
                        "{what} {i}: demand max {} vs {}",
                        m1.demand.max[i], m2.demand.max[i]
                    ));
                }
            }
            Ok(())
        };
    work("workload", &lazy.workloads, &oracle.workloads)?;
    work("node", &lazy.nodes, &oracle.nodes)?;
    let (t1, t2) = (
        lazy.timeseries.as_ref().unwrap(),
        oracle.timeseries.as_ref().unwrap(),
    );
    if t1.time_ms != t2.time_ms || t1.entity != t2.entity {
        return Err("time series rows differ in time or entity".into());
    }
    for r in 0..t1.time_ms.len() {
        for (name, a, b) in [
            ("demand", t1.demand[r], t2.demand[r]),
            ("allocation", t1.allocation[r], t2.allocation[r]),
            ("served", t1.served[r], t2.served[r]),
            (
                "backlog",
                t1.backlog_core_hours[r],
                t2.backlog_core_hours[r],
            ),
            ("utilization", t1.utilization[r], t2.utilization[r]),
        ] {
            if !close(a, b, REL, 1.0) {
                return Err(format!(
                    "row {r} (t = {} ms, entity {}): {name} {a} (lazy) vs {b} (oracle)",
                    t1.time_ms[r], t1.entity[r]
                ));
            }
        }
    }
    for (i, (a, b)) in lazy
        .compartments
        .iter()
        .zip(&oracle.compartments)
        .enumerate()
    {
        if (
            a.reallocations,
            a.changes_decided,
            a.at_min_ms,
            a.at_max_ms,
            a.request_met_ms,
            a.observed_ms,
        ) != (
            b.reallocations,
            b.changes_decided,
            b.at_min_ms,
            b.at_max_ms,
            b.request_met_ms,
            b.observed_ms,
        ) || !close(a.decided_cms, b.decided_cms, REL, 1.0)
        {
            return Err(format!("compartment {i}: {a:?} (lazy) vs {b:?} (oracle)"));
        }
    }
    for (i, (a, b)) in lazy.domains.iter().zip(&oracle.domains).enumerate() {
        if (a.arbitrations, a.short_ms, a.observed_ms)
            != (b.arbitrations, b.short_ms, b.observed_ms)
        {
            return Err(format!("domain {i}: {a:?} vs {b:?}"));
        }
    }
    for (i, (a, b)) in lazy.wlm.iter().zip(&oracle.wlm).enumerate() {
        if (a.intervals, &a.slo_active_ms, &a.slo_met_ms)
            != (b.intervals, &b.slo_active_ms, &b.slo_met_ms)
        {
            return Err(format!("wlm {i}: {a:?} vs {b:?}"));
        }
    }
    for (k, (a, b)) in lazy
        .active_core_ms
        .iter()
        .zip(&oracle.active_core_ms)
        .enumerate()
    {
        if !close(*a, *b, REL, 1.0) {
            return Err(format!("server {k}: active core-ms {a} vs {b}"));
        }
    }
    for (k, (a, b)) in lazy.ticap.iter().zip(&oracle.ticap).enumerate() {
        if a.as_ref().map(|l| l.used_core_min()) != b.as_ref().map(|l| l.used_core_min()) {
            return Err(format!("server {k}: TiCAP used differs"));
        }
    }
    for (k, (a, b)) in lazy.ppu.iter().zip(&oracle.ppu).enumerate() {
        let bill = |m: &Option<vsesim::licensing::PpuMeter>| {
            m.as_ref()
                .map(|m| m.bills(horizon as u64).iter().map(|b| b.total).sum::<f64>())
        };
        if let (Some(x), Some(y)) = (bill(a), bill(b))
            && !close(x, y, REL, 1.0)
        {
            return Err(format!("server {k}: PPU bill {x} vs {y}"));
        }
    }
    let (h1, h2) = (&lazy.ha, &oracle.ha);
    if h1.outages != h2.outages || h1.replaced != h2.replaced {
        return Err("outages differ".into());
    }
    for w in 0..h1.up_ms.len() {
        if !close(h1.up_ms[w], h2.up_ms[w], REL, horizon)
            || !close(h1.outage_work[w], h2.outage_work[w], REL, 1.0)
        {
            return Err(format!("workload {w}: availability differs"));
        }
    }
    for (a, b) in h1.packages.iter().zip(&h2.packages) {
        if (a.failovers, a.failbacks, a.halts, a.node)
            != (b.failovers, b.failbacks, b.halts, b.node)
        {
            return Err(format!("package differs: {a:?} vs {b:?}"));
        }
    }
    let _ = text;
    Ok(())
}

/// Run one seed through both and compare.
fn check(seed: u64) -> Result<(), TestCaseError> {
    let text = scenario_text(seed);
    let sc = scenario::load_str(Path::new("oracle.toml"), &text).map_err(|e| {
        TestCaseError::fail(format!(
            "the generator wrote an invalid scenario: {e}\n{text}"
        ))
    })?;
    // Rows at the report interval, so the time series checks every interval's means.
    let mut sc = sc;
    sc.report.timeseries = true;
    sc.report.step_ms = sc.report.interval_ms;
    let lazy =
        sim::run(&sc, &|_, _| {}).map_err(|e| TestCaseError::fail(format!("run: {e}\n{text}")))?;
    let oracle = sim::oracle::run(&sc, 0)
        .map_err(|e| TestCaseError::fail(format!("oracle: {e}\n{text}")))?;
    compare(&text, &lazy, &oracle, sc.horizon_ms as f64)
        .map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}\n{text}")))
}

proptest! {
    #[test]
    fn the_lazy_core_agrees_with_the_oracle(seed in any::<u64>()) {
        check(seed)?;
    }
}

/// The same seed gives byte-identical records on one thread and on four.
#[test]
fn islands_give_the_same_records_on_any_thread_count() {
    for seed in 0..40u64 {
        let text = scenario_text(seed);
        let sc = scenario::load_str(Path::new("oracle.toml"), &text).unwrap();
        let run_on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| sim::run(&sc, &|_, _| {}).unwrap())
        };
        let (a, b) = (run_on(1), run_on(4));
        for (x, y) in [(&a.workloads, &b.workloads), (&a.nodes, &b.nodes)] {
            assert_eq!(x.served_cms, y.served_cms, "seed {seed}");
            assert_eq!(x.met_ms, y.met_ms, "seed {seed}");
            assert_eq!(x.cpu.sum_ms, y.cpu.sum_ms, "seed {seed}");
            assert_eq!(x.cpu.max, y.cpu.max, "seed {seed}");
        }
    }
}
