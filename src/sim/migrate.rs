//! Online VM migration in the run (issue #21): a guest changes VM host while the run goes on.
//!
//! The run's pools and subtrees are preorder ranges fixed when it starts (`fluid::Tree`), so a
//! guest cannot change parent in place. Instead, before the run starts, every guest a planned
//! move takes to a host gets a **stand-in** there: a copy of the guest node (same share, vCPUs,
//! memory) under the target host, holding no workload. An elastic share is work-conserving,
//! so a stand-in with nothing to run takes nothing from its host's other guests. At the end of
//! the stop-and-copy pause the guest's workloads switch to the stand-in, as a Serviceguard
//! package changes node (`ha::failover`'s leaf), and the tree never changes shape. Rebuilding
//! the pools at each move was the other way; it would have to carry every pool's lazy state
//! and books across a renumbering in the middle of the run, where the stand-ins cost one
//! renumbering before it and nothing during it.
//!
//! Zero cost without mobility: a scenario with no guest move is run as compiled, untouched
//! ([`extend`] returns `None`). With guest moves, the extended scenario adds one node per
//! (guest, target host) pair, and the outcome is folded back onto the scenario's own nodes
//! ([`Extended::fold`]): a guest's node figures are the sums over its stays.
//!
//! A migration in the run, from the plan's [`Migration`](crate::mobility::migration::Migration):
//! - from its start for `precopy_s` (rounded to the ms), the guest runs on the source, and the
//!   copy busies `overhead_cores` on the source's and on the target's server (taken from the
//!   server's capacity, as a failed core's is: the guests there get less);
//! - then for the pause, the guest runs nowhere: its workloads' arriving work waits or is lost
//!   by their `on_shortfall`, and counts as work arrived while not running;
//! - at `start + ceil(total_s)` its workloads run in the stand-in on the target, and the
//!   overhead ends.

use super::metrics::{Dist, Held, Meters, Recording};
use super::{Outcome, Timeseries};
use crate::Error;
use crate::engine::TimeMs;
use crate::mobility::plan::MoveKind;
use crate::model::{Model, Node, NodeId};
use crate::scenario::Scenario;

/// A scenario with stand-ins, and the way back to the scenario's own nodes.
pub(crate) struct Extended {
    pub scenario: Scenario,
    /// Per extended node: the scenario's node it stands for (a stand-in: its guest).
    back: Vec<u32>,
    /// Per extended node: whether it is a stand-in.
    stand_in: Vec<bool>,
}

/// The scenario with a stand-in for every (guest, target host) pair its planned moves name,
/// renumbered into preorder; `None` when no guest moves (the run takes the scenario as is).
pub(crate) fn extend(scenario: &Scenario) -> Option<Extended> {
    let model = &scenario.model;
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for m in &scenario.mobility.moves {
        if let MoveKind::Guest { guest, to, .. } = m.kind
            && model.nodes[guest.0 as usize].parent != Some(to)
            && !pairs.contains(&(guest.0, to.0))
        {
            pairs.push((guest.0, to.0));
        }
    }
    if !scenario
        .mobility
        .moves
        .iter()
        .any(|m| matches!(m.kind, MoveKind::Guest { .. }))
    {
        return None;
    }
    let nn = model.nodes.len();
    // Preorder again, each host's stand-ins after its own subtree: `order` lists old nodes,
    // a stand-in as `nn + k` for pair k.
    let mut order: Vec<usize> = Vec::with_capacity(nn + pairs.len());
    fn emit(model: &Model, pairs: &[(u32, u32)], n: usize, order: &mut Vec<usize>) {
        order.push(n);
        for c in model.children(NodeId(n as u32)) {
            emit(model, pairs, c.0 as usize, order);
        }
        let nn = model.nodes.len();
        for (k, &(_, host)) in pairs.iter().enumerate() {
            if host as usize == n {
                order.push(nn + k);
            }
        }
    }
    for n in 0..nn {
        if model.nodes[n].parent.is_none() {
            emit(model, &pairs, n, &mut order);
        }
    }
    let mut new_of = vec![u32::MAX; nn + pairs.len()];
    for (i, &o) in order.iter().enumerate() {
        new_of[o] = i as u32;
    }
    let map = |n: NodeId| NodeId(new_of[n.0 as usize]);
    let nodes: Vec<Node> = order
        .iter()
        .map(|&o| {
            if o < nn {
                let mut n = model.nodes[o].clone();
                n.parent = n.parent.map(map);
                n.server = map(n.server);
                n
            } else {
                let (guest, host) = pairs[o - nn];
                let mut n = model.nodes[guest as usize].clone();
                n.name = format!("{}@{}", n.name, model.nodes[host as usize].name);
                n.parent = Some(map(NodeId(host)));
                n.server = map(model.nodes[host as usize].server);
                n
            }
        })
        .collect();
    let workloads = model
        .workloads
        .iter()
        .map(|w| {
            let mut w = w.clone();
            w.node = map(w.node);
            w
        })
        .collect();
    let mut s = scenario.clone();
    s.model = Model::new(nodes, workloads);
    s.report.target_server = s.report.target_server.map(map);
    for d in &mut s.domains {
        d.node = map(d.node);
        for m in &mut d.members {
            *m = map(*m);
        }
    }
    for w in &mut s.wlm {
        w.host = map(w.host);
        for m in &mut w.members {
            *m = map(*m);
        }
    }
    for p in &mut s.pricing {
        p.server = map(p.server);
    }
    for sw in &mut s.costs.software {
        for n in &mut sw.servers {
            *n = map(*n);
        }
    }
    for c in &mut s.ha.clusters {
        for n in &mut c.nodes {
            *n = map(*n);
        }
    }
    for p in &mut s.ha.packages {
        for n in &mut p.nodes {
            *n = map(*n);
        }
    }
    for f in &mut s.ha.failures {
        f.target = map(f.target);
    }
    s.ha.wake_waits = (scenario.ha.wake_waits.iter())
        .map(|(&(n, t), &wait)| ((map(NodeId(n)).0, t), wait))
        .collect();
    s.mobility = scenario.mobility.localize(&|n| Some(map(n)), &|w| Some(w));
    // A guest move's `to` becomes the node the guest runs in there: its stand-in, or the
    // guest itself when it returns to the host it started on.
    for m in &mut s.mobility.moves {
        if let MoveKind::Guest { guest, to, .. } = &mut m.kind {
            let old_guest = back_of(&order, guest.0);
            let old_to = back_of(&order, to.0);
            *to = match pairs.iter().position(|&p| p == (old_guest, old_to)) {
                Some(k) => NodeId(new_of[nn + k]),
                None => *guest,
            };
        }
    }
    let back = order
        .iter()
        .map(|&o| if o < nn { o as u32 } else { pairs[o - nn].0 })
        .collect();
    let stand_in = order.iter().map(|&o| o >= nn).collect();
    Some(Extended {
        scenario: s,
        back,
        stand_in,
    })
}

fn back_of(order: &[usize], new: u32) -> u32 {
    order[new as usize] as u32
}

impl Extended {
    /// Run the extended scenario and fold its outcome back onto the scenario's nodes.
    pub fn run(
        &self,
        original: &Scenario,
        recording: Recording,
        outages: Vec<(u32, crate::ha::Outage)>,
        progress: &mut dyn FnMut(TimeMs),
    ) -> Result<Outcome, Error> {
        let out = super::core::Sim::new(&self.scenario, recording, outages)?.run(progress)?;
        Ok(self.fold(original, out))
    }

    /// The outcome on the scenario's own nodes: a stand-in's work figures are added to its
    /// guest's, its peaks taken with the guest's; its distributions (utilization, memory)
    /// are left out, so a migrated guest's distributions are those of its first host.
    pub fn fold(&self, original: &Scenario, mut o: Outcome) -> Outcome {
        let nn = original.model.nodes.len();
        let nw = original.model.workloads.len();
        let horizon = original.horizon_ms as f64;
        let placed: Vec<u32> = self
            .back
            .iter()
            .zip(&self.stand_in)
            .map(|(&b, &s)| if s { u32::MAX } else { b })
            .collect();
        let from = std::mem::replace(&mut o.nodes, Meters::new(0, false, false, false, false));
        let mut to = Meters::new(
            nn,
            true,
            !from.disk.is_empty(),
            !from.network.is_empty(),
            true,
        );
        for (l, &g) in self.back.iter().enumerate() {
            let g = g as usize;
            to.demand_cms[g] += from.demand_cms[l];
            to.served_cms[g] += from.served_cms[l];
            to.dropped_cms[g] += from.dropped_cms[l];
            to.delayed_cms[g] += from.delayed_cms[l];
            to.granted_cms[g] += from.granted_cms[l];
            to.backlog_cms[g] += from.backlog_cms[l];
            to.held_ms[g] += from.held_ms[l];
            to.peak_demand[g] = to.peak_demand[g].max(from.peak_demand[l]);
            to.longest_backlog_ms[g] = to.longest_backlog_ms[g].max(from.longest_backlog_ms[l]);
            let (a, b) = (to.peak_held[g], from.peak_held[l]);
            to.peak_held[g] = Held {
                memory_gb: a.memory_gb.max(b.memory_gb),
                disk_mbps: a.disk_mbps.max(b.disk_mbps),
                network_mbps: a.network_mbps.max(b.network_mbps),
            };
            // Met while either node had nothing to run: the guest's time met is its first
            // node's, less the time it spent elsewhere, plus what it met there.
            to.met_ms[g] = if self.stand_in[l] {
                to.met_ms[g] - (horizon - from.met_ms[l])
            } else {
                to.met_ms[g] + from.met_ms[l]
            };
        }
        Dist::place(&mut to.cpu, from.cpu, &placed);
        Dist::place(&mut to.memory, from.memory, &placed);
        Dist::place(&mut to.disk, from.disk, &placed);
        Dist::place(&mut to.network, from.network, &placed);
        Dist::place(&mut to.demand, from.demand, &placed);
        o.nodes = to;
        let compartments = std::mem::take(&mut o.compartments);
        o.compartments = vec![Default::default(); nn];
        for (l, c) in compartments.into_iter().enumerate() {
            if !self.stand_in[l] {
                o.compartments[self.back[l] as usize] = c;
            }
        }
        for p in &mut o.ha.packages {
            p.node = NodeId(self.back[p.node.0 as usize]);
            p.last_node = NodeId(self.back[p.last_node.0 as usize]);
        }
        if let Some(ts) = o.timeseries.take() {
            o.timeseries = Some(self.fold_rows(ts, nw));
        }
        o
    }

    /// Rows on the scenario's entities: a stand-in's row is added to its guest's row of the
    /// same time (demand, allocation, served, backlog; utilization from the sums).
    fn fold_rows(&self, ts: Timeseries, nw: usize) -> Timeseries {
        let entity = |e: u32| -> u32 {
            let e = e as usize;
            if e < nw {
                e as u32
            } else {
                nw as u32 + self.back[e - nw]
            }
        };
        let mut order: Vec<(u64, u32, usize)> = (0..ts.time_ms.len())
            .map(|r| (ts.time_ms[r], entity(ts.entity[r]), r))
            .collect();
        order.sort_unstable();
        let mut out = Timeseries::default();
        for (t, e, r) in order {
            let same = out.time_ms.last() == Some(&t) && out.entity.last() == Some(&e);
            if same {
                let k = out.time_ms.len() - 1;
                let add = |a: f64, b: f64| {
                    if a.is_nan() {
                        b
                    } else if b.is_nan() {
                        a
                    } else {
                        a + b
                    }
                };
                out.demand[k] = add(out.demand[k], ts.demand[r]);
                out.allocation[k] = add(out.allocation[k], ts.allocation[r]);
                out.served[k] = add(out.served[k], ts.served[r]);
                out.backlog_core_hours[k] += ts.backlog_core_hours[r];
                out.utilization[k] = if out.allocation[k] > 0.0 {
                    out.served[k] / out.allocation[k]
                } else {
                    0.0
                };
                continue;
            }
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
}
