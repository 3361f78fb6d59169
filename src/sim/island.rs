//! Islands: the independent parts of a scenario, run in parallel and merged in a fixed order.
//!
//! Servers are joined into one island by whatever couples their runs: a Global Instant
//! Capacity group (shared rights and balance), a Serviceguard cluster or package (workloads
//! move between its nodes), a policy or SLO conditioned on where a package runs, a domain
//! drawing on another server's Temporary Instant Capacity. Every island becomes a scenario of
//! its own (ids renumbered, everything else shared or cloned), runs alone on one of rayon's
//! threads, and its records are placed back at their global indexes. Islands are found and
//! ordered the same way whatever the thread count, and nothing crosses between them during a
//! run, so the merged outcome is byte-for-byte the same on 1 thread or 64.

use super::metrics::{Dist, Meters, Recording};
use super::{Outcome, Progress, RunOptions, Timeseries};
use crate::Error;
use crate::engine::RunStats;
use crate::model::{Model, NodeId, Workload};
use crate::policy::When;
use crate::world::Scenario;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// One island: its own scenario and the global index of each of its parts.
pub struct Island {
    pub scenario: Scenario,
    pub nodes: Vec<u32>,
    pub workloads: Vec<u32>,
    pub domains: Vec<u32>,
    pub wlm: Vec<u32>,
    pub pricing: Vec<u32>,
    pub gicap: Vec<u32>,
    pub packages: Vec<u32>,
    pub failures: Vec<u32>,
}

/// The servers of each island, each list ascending, islands ordered by their first server.
pub fn partition(scenario: &Scenario) -> Vec<Vec<u32>> {
    let model = &scenario.model;
    let nn = model.nodes.len();
    let mut parent: Vec<u32> = (0..nn as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    let server = |n: NodeId| model.nodes[n.0 as usize].server.0;
    let mut join = |a: u32, b: u32| {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        // The smaller root wins, so the result does not depend on the order of joins.
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        parent[hi as usize] = lo;
    };
    let pricing_server = |k: usize| scenario.pricing[k].server.0;
    for g in &scenario.gicap {
        for w in g.members.windows(2) {
            join(pricing_server(w[0]), pricing_server(w[1]));
        }
    }
    for c in &scenario.ha.clusters {
        for w in c.nodes.windows(2) {
            join(server(w[0]), server(w[1]));
        }
    }
    let package_servers = |k: u32| {
        scenario.ha.packages[k as usize]
            .nodes
            .iter()
            .map(|&n| server(n))
            .collect::<Vec<_>>()
    };
    for p in &scenario.ha.packages {
        for w in p.nodes.windows(2) {
            join(server(w[0]), server(w[1]));
        }
        for &w in &p.workloads {
            join(server(p.nodes[0]), server(model.workloads[w as usize].node));
        }
    }
    for (a, b) in scenario.mobility.joins() {
        join(server(a), server(b));
    }
    for d in &scenario.domains {
        let home = server(d.node);
        for m in &d.members {
            join(home, server(*m));
        }
        if let Some(t) = d.ticap {
            join(home, pricing_server(t.server));
        }
        for c in d.conditions.iter().flatten() {
            if let When::Package(k) = c.when {
                for s in package_servers(k) {
                    join(home, s);
                }
            }
        }
    }
    for w in &scenario.wlm {
        let home = server(w.host);
        for when in w.slo_windows.iter().flatten() {
            if let When::Package(k) = when {
                for s in package_servers(*k) {
                    join(home, s);
                }
            }
        }
    }
    let mut islands: Vec<Vec<u32>> = Vec::new();
    let mut index = vec![u32::MAX; nn];
    for (i, node) in model.nodes.iter().enumerate() {
        if node.parent.is_some() {
            continue;
        }
        let root = find(&mut parent, i as u32) as usize;
        if index[root] == u32::MAX {
            index[root] = islands.len() as u32;
            islands.push(Vec::new());
        }
        islands[index[root] as usize].push(i as u32);
    }
    islands
}

/// Islands run in at most this many chunks: enough for the threads of any machine here, few
/// enough that one event still serves many domains (an event per island and tick would cost
/// more than the tick). Fixed, so that the chunks, and the events counted, never depend on
/// the thread count.
pub const CHUNKS: usize = 16;

/// Islands grouped into at most [`CHUNKS`] chunks of about equal size (nodes and workloads):
/// the largest first, each to the smallest chunk so far (ties to the first); each chunk's
/// servers ascending, chunks ordered by their first server.
pub fn chunks(scenario: &Scenario, islands: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
    if islands.len() <= CHUNKS {
        return islands;
    }
    let model = &scenario.model;
    let mut size = vec![0usize; model.nodes.len()];
    for n in &model.nodes {
        size[n.server.0 as usize] += 1;
    }
    for w in &model.workloads {
        size[model.nodes[w.node.0 as usize].server.0 as usize] += 1;
    }
    let weight = |i: &Vec<u32>| i.iter().map(|&s| size[s as usize]).sum::<usize>();
    let mut order: Vec<usize> = (0..islands.len()).collect();
    order.sort_by_key(|&k| (std::cmp::Reverse(weight(&islands[k])), k));
    let mut bins: Vec<(usize, Vec<u32>)> = vec![(0, Vec::new()); CHUNKS];
    for k in order {
        let (_, smallest) = bins
            .iter()
            .enumerate()
            .map(|(b, (load, _))| (*load, b))
            .min()
            .unwrap_or((0, 0));
        bins[smallest].0 += weight(&islands[k]);
        bins[smallest].1.extend_from_slice(&islands[k]);
    }
    let mut out: Vec<Vec<u32>> = bins
        .into_iter()
        .map(|(_, mut servers)| {
            servers.sort_unstable();
            servers
        })
        .filter(|s| !s.is_empty())
        .collect();
    out.sort_by_key(|s| s[0]);
    out
}

/// The island holding `servers` as a scenario of its own.
pub fn carve(scenario: &Scenario, servers: &[u32]) -> Island {
    let model = &scenario.model;
    let nn = model.nodes.len();
    let mut local = vec![u32::MAX; nn];
    let mut nodes = Vec::new();
    for (i, n) in model.nodes.iter().enumerate() {
        if servers.binary_search(&n.server.0).is_ok() {
            local[i] = nodes.len() as u32;
            nodes.push(i as u32);
        }
    }
    let map = |n: NodeId| NodeId(local[n.0 as usize]);
    let mut wlocal = vec![u32::MAX; model.workloads.len()];
    let mut workloads = Vec::new();
    for (w, wl) in model.workloads.iter().enumerate() {
        if local[wl.node.0 as usize] != u32::MAX {
            wlocal[w] = workloads.len() as u32;
            workloads.push(w as u32);
        }
    }
    let new_nodes = nodes
        .iter()
        .map(|&i| {
            let mut n = model.nodes[i as usize].clone();
            n.parent = n.parent.map(map);
            n.server = map(n.server);
            n
        })
        .collect();
    let new_workloads: Vec<Workload> = workloads
        .iter()
        .map(|&w| {
            let mut wl = model.workloads[w as usize].clone();
            wl.node = map(wl.node);
            wl
        })
        .collect();
    let pick = |keep: &dyn Fn(usize) -> bool, n: usize| -> (Vec<u32>, Vec<u32>) {
        let mut to_local = vec![u32::MAX; n];
        let mut global = Vec::new();
        for (i, slot) in to_local.iter_mut().enumerate() {
            if keep(i) {
                *slot = global.len() as u32;
                global.push(i as u32);
            }
        }
        (global, to_local)
    };
    let inside = |n: NodeId| local[n.0 as usize] != u32::MAX;
    let (pricing, pricing_local) = pick(
        &|k| inside(scenario.pricing[k].server),
        scenario.pricing.len(),
    );
    let (gicap, gicap_local) = pick(
        &|g| {
            scenario.gicap[g]
                .members
                .first()
                .is_some_and(|&k| pricing_local[k] != u32::MAX)
        },
        scenario.gicap.len(),
    );
    let (packages, package_local) = pick(
        &|k| inside(scenario.ha.packages[k].nodes[0]),
        scenario.ha.packages.len(),
    );
    let (clusters, cluster_local) = pick(
        &|c| {
            scenario.ha.clusters[c]
                .nodes
                .first()
                .is_some_and(|&n| inside(n))
        },
        scenario.ha.clusters.len(),
    );
    let (failures, _) = pick(
        &|f| inside(scenario.ha.failures[f].target),
        scenario.ha.failures.len(),
    );
    let (wlm, wlm_local) = pick(&|k| inside(scenario.wlm[k].host), scenario.wlm.len());
    let (domains, _) = pick(
        &|d| inside(scenario.domains[d].node),
        scenario.domains.len(),
    );
    let when = |w: When| match w {
        When::Package(k) => When::Package(package_local[k as usize]),
        other => other,
    };

    let mut report = scenario.report.clone();
    report.target_server = scenario.report.target_server.and_then(|n| {
        let l = local[n.0 as usize];
        (l != u32::MAX).then_some(NodeId(l))
    });
    report.workload_growth = if scenario.report.workload_growth.is_empty() {
        Vec::new()
    } else {
        workloads
            .iter()
            .map(|&w| scenario.report.workload_growth[w as usize])
            .collect()
    };
    let island_domains = domains
        .iter()
        .map(|&d| {
            let mut d = scenario.domains[d as usize].clone();
            d.node = map(d.node);
            for m in &mut d.members {
                *m = map(*m);
            }
            if let Some(t) = &mut d.ticap {
                t.server = pricing_local[t.server] as usize;
            }
            for c in d.conditions.iter_mut().flatten() {
                c.when = when(c.when);
            }
            for k in d.wlm_sources.iter_mut().flatten() {
                *k = wlm_local[*k] as usize;
            }
            d
        })
        .collect();
    let island_wlm = wlm
        .iter()
        .map(|&k| {
            let mut w = scenario.wlm[k as usize].clone();
            w.host = map(w.host);
            for m in &mut w.members {
                *m = map(*m);
            }
            for x in w.slo_windows.iter_mut().flatten() {
                *x = when(*x);
            }
            w
        })
        .collect();
    let island_pricing = pricing
        .iter()
        .map(|&k| {
            let mut p = scenario.pricing[k as usize].clone();
            p.server = map(p.server);
            p.group = p.group.map(|g| gicap_local[g] as usize);
            p
        })
        .collect();
    let island_gicap = gicap
        .iter()
        .map(|&g| {
            let mut g = scenario.gicap[g as usize].clone();
            for k in &mut g.members {
                *k = pricing_local[*k] as usize;
            }
            g
        })
        .collect();
    let mut costs = scenario.costs.clone();
    for sw in &mut costs.software {
        sw.servers = sw
            .servers
            .iter()
            .filter(|n| inside(**n))
            .map(|n| map(*n))
            .collect();
    }
    let ha = crate::ha::Ha {
        clusters: clusters
            .iter()
            .map(|&c| {
                let mut c = scenario.ha.clusters[c as usize].clone();
                for n in &mut c.nodes {
                    *n = map(*n);
                }
                c
            })
            .collect(),
        packages: packages
            .iter()
            .map(|&k| {
                let mut p = scenario.ha.packages[k as usize].clone();
                p.cluster = cluster_local[p.cluster] as usize;
                for n in &mut p.nodes {
                    *n = map(*n);
                }
                for w in &mut p.workloads {
                    *w = wlocal[*w as usize];
                }
                p
            })
            .collect(),
        failures: failures
            .iter()
            .map(|&f| {
                let mut f = scenario.ha.failures[f as usize].clone();
                f.target = map(f.target);
                f
            })
            .collect(),
        // Filled per island by `sim::power`, after carving.
        wake_waits: Default::default(),
    };
    let s = Scenario {
        file: scenario.file.clone(),
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        seed: scenario.seed,
        horizon_ms: scenario.horizon_ms,
        model: Model::new(new_nodes, new_workloads),
        demand: workloads
            .iter()
            .map(|&w| scenario.demand[w as usize].clone())
            .collect(),
        report,
        domains: island_domains,
        wlm: island_wlm,
        pricing: island_pricing,
        gicap: island_gicap,
        costs,
        ha,
        mobility: scenario.mobility.localize(
            &|n| {
                Some(local[n.0 as usize])
                    .filter(|&l| l != u32::MAX)
                    .map(NodeId)
            },
            &|w| {
                Some(wlocal[w.0 as usize])
                    .filter(|&l| l != u32::MAX)
                    .map(crate::model::WorkloadId)
            },
        ),
    };
    Island {
        scenario: s,
        nodes,
        workloads,
        domains,
        wlm,
        pricing,
        gicap,
        packages,
        failures,
    }
}

/// Run every island (in parallel on the caller's rayon pool) and merge.
pub fn run(scenario: &Scenario, options: RunOptions, progress: Progress) -> Result<Outcome, Error> {
    let outages = super::outages(scenario, options.replica);
    let servers = chunks(scenario, partition(scenario));
    let horizon = scenario.horizon_ms;
    if servers.len() <= 1 {
        let mut report = |now| progress(now, horizon);
        return super::run_alone(scenario, options.recording, outages, &mut report);
    }
    let total = horizon.saturating_mul(servers.len() as u64);
    let done = AtomicU64::new(0);
    let results: Vec<(Island, Outcome)> = servers
        .par_iter()
        .map(|s| {
            let island = carve(scenario, s);
            let mut local = vec![u32::MAX; scenario.ha.failures.len()];
            for (l, &g) in island.failures.iter().enumerate() {
                local[g as usize] = l as u32;
            }
            let mine = outages
                .iter()
                .filter(|(k, _)| local[*k as usize] != u32::MAX)
                .map(|&(k, o)| (local[k as usize], o))
                .collect();
            let mut last = 0;
            let mut report = |now: u64| {
                let sum = done.fetch_add(now - last, Ordering::Relaxed) + (now - last);
                last = now;
                progress(sum, total);
            };
            let out = super::run_alone(&island.scenario, options.recording, mine, &mut report)?;
            Ok((island, out))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(merge(scenario, options.recording, results))
}

/// Place every island's records at their global indexes.
pub fn merge(scenario: &Scenario, recording: Recording, parts: Vec<(Island, Outcome)>) -> Outcome {
    let model = &scenario.model;
    let (nw, nn) = (model.workloads.len(), model.nodes.len());
    let any = |f: &dyn Fn(&Meters) -> bool| parts.iter().any(|(_, o)| f(&o.nodes));
    let disk = any(&|m| !m.disk.is_empty());
    let network = any(&|m| !m.network.is_empty());
    let full = recording == Recording::Full;
    let mut out = Outcome {
        stats: RunStats::default(),
        workloads: Meters::new(nw, full, disk, network, false),
        nodes: Meters::new(nn, true, disk, network, true),
        timeseries: None,
        compartments: vec![Default::default(); nn],
        domains: vec![Default::default(); scenario.domains.len()],
        wlm: vec![Default::default(); scenario.wlm.len()],
        ticap: vec![None; scenario.pricing.len()],
        group_ticap: vec![None; scenario.gicap.len()],
        ppu: vec![None; scenario.pricing.len()],
        active_core_ms: vec![0.0; scenario.pricing.len()],
        ha: super::HaRun {
            up_ms: vec![0.0; nw],
            outage_work: vec![0.0; nw],
            ..Default::default()
        },
    };
    let mut packages: Vec<Option<super::PackageState>> = vec![None; scenario.ha.packages.len()];
    let mut outages = Vec::new();
    let mut rows: Vec<Timeseries> = Vec::new();
    for (island, o) in parts {
        out.stats.events += o.stats.events;
        out.stats.segments += o.stats.segments;
        place_meters(&mut out.workloads, o.workloads, &island.workloads);
        place_meters(&mut out.nodes, o.nodes, &island.nodes);
        for (l, c) in o.compartments.into_iter().enumerate() {
            out.compartments[island.nodes[l] as usize] = c;
        }
        for (l, d) in o.domains.into_iter().enumerate() {
            out.domains[island.domains[l] as usize] = d;
        }
        for (l, w) in o.wlm.into_iter().enumerate() {
            out.wlm[island.wlm[l] as usize] = w;
        }
        for (l, ((t, p), a)) in o
            .ticap
            .into_iter()
            .zip(o.ppu)
            .zip(o.active_core_ms)
            .enumerate()
        {
            let k = island.pricing[l] as usize;
            out.ticap[k] = t;
            out.ppu[k] = p;
            out.active_core_ms[k] = a;
        }
        for (l, g) in o.group_ticap.into_iter().enumerate() {
            out.group_ticap[island.gicap[l] as usize] = g;
        }
        for (l, w) in island.workloads.iter().enumerate() {
            out.ha.up_ms[*w as usize] = o.ha.up_ms[l];
            out.ha.outage_work[*w as usize] = o.ha.outage_work[l];
        }
        for (l, mut p) in o.ha.packages.into_iter().enumerate() {
            p.node = NodeId(island.nodes[p.node.0 as usize]);
            p.last_node = NodeId(island.nodes[p.last_node.0 as usize]);
            packages[island.packages[l] as usize] = Some(p);
        }
        for ((k, outage), replaced) in o.ha.outages.into_iter().zip(o.ha.replaced) {
            outages.push((island.failures[k as usize], outage, replaced));
        }
        if let Some(mut ts) = o.timeseries {
            let nwl = island.workloads.len();
            for e in &mut ts.entity {
                let l = *e as usize;
                *e = if l < nwl {
                    island.workloads[l]
                } else {
                    nw as u32 + island.nodes[l - nwl]
                };
            }
            rows.push(ts);
        }
    }
    // Source order, then time order within a source, as one run lists them.
    outages.sort_by_key(|&(k, o, _)| (k, o.start_ms, o.end_ms));
    out.ha.outages = outages.iter().map(|&(k, o, _)| (k, o)).collect();
    out.ha.replaced = outages.iter().map(|&(_, _, r)| r).collect();
    out.ha.packages = packages.into_iter().flatten().collect();
    if !rows.is_empty() {
        out.timeseries = Some(merge_rows(rows));
    }
    out
}

/// Rows of every island, ordered by time and then by entity as one run writes them.
fn merge_rows(parts: Vec<Timeseries>) -> Timeseries {
    let mut order: Vec<(u64, u32, usize, usize)> = Vec::new();
    for (k, ts) in parts.iter().enumerate() {
        for r in 0..ts.time_ms.len() {
            order.push((ts.time_ms[r], ts.entity[r], k, r));
        }
    }
    order.sort_unstable();
    let mut out = Timeseries::default();
    for (t, e, k, r) in order {
        let ts = &parts[k];
        out.time_ms.push(t);
        out.entity.push(e);
        out.demand.push(ts.demand[r]);
        out.allocation.push(ts.allocation[r]);
        out.served.push(ts.served[r]);
        out.backlog_core_hours.push(ts.backlog_core_hours[r]);
        out.utilization.push(ts.utilization[r]);
    }
    out
}

fn place_meters(to: &mut Meters, from: Meters, map: &[u32]) {
    for (l, &g) in map.iter().enumerate() {
        let g = g as usize;
        to.demand_cms[g] = from.demand_cms[l];
        to.served_cms[g] = from.served_cms[l];
        to.dropped_cms[g] = from.dropped_cms[l];
        to.delayed_cms[g] = from.delayed_cms[l];
        to.granted_cms[g] = from.granted_cms[l];
        to.met_ms[g] = from.met_ms[l];
        to.peak_demand[g] = from.peak_demand[l];
        to.peak_held[g] = from.peak_held[l];
        to.held_ms[g] = from.held_ms[l];
        to.backlog_cms[g] = from.backlog_cms[l];
        to.longest_backlog_ms[g] = from.longest_backlog_ms[l];
    }
    Dist::place(&mut to.cpu, from.cpu, map);
    Dist::place(&mut to.memory, from.memory, map);
    Dist::place(&mut to.disk, from.disk, map);
    Dist::place(&mut to.network, from.network, map);
    Dist::place(&mut to.demand, from.demand, map);
}
