//! The test oracle: the straightforward integrator, kept only to test the lazy one against.
//!
//! At every instant where anything happens it integrates every entity of the whole scenario,
//! with no pools, no islands, no deferred books and no laziness: the whole tree is solved in
//! one set of global phases (rates from the root down every phase, a phase ending when any
//! queue anywhere empties), and every workload and node is booked every segment. It is slow
//! by design and obviously right by construction; `run` must agree with it (the property test
//! in tests/oracle.rs). It shares with `run` only what is not integration: the demand
//! streams, the workload managers' decisions, Serviceguard's, the books of licensing, and the
//! distributions' arithmetic.

use super::demand::{Stream, build_streams};
use super::manage::{self, Allocations, CompartmentMeter, DomainState, WlmState};
use super::metrics::{DEMAND_RANGE, Held, Limits, Meters, share_of, utilization};
use super::{Ev, Outcome, Timeseries};
use crate::Error;
use crate::engine::{self, Handler, Queue, RunStats, TimeMs};
use crate::ha::failover::{Failover, Step};
use crate::licensing::PPU_SAMPLE_MS;
use crate::licensing::settle::Settlement;
use crate::model::{Model, NodeId, OnShortfall, Share, share::weighted_fair_share, vcpu};
use crate::world::Scenario;

const MS_PER_HOUR: f64 = 3_600_000.0;

struct Oracle<'a> {
    model: &'a Model,
    scenario: &'a Scenario,
    limits: Limits,
    horizon: TimeMs,
    streams: Vec<Stream>,
    alloc: Allocations,
    failover: Failover<'a>,
    settlement: Settlement<'a>,
    dom_state: Vec<DomainState>,
    wlm_state: Vec<WlmState>,
    // Workloads.
    demand: Vec<f64>,
    held: Vec<Held>,
    backlog: Vec<f64>,
    drop: Vec<bool>,
    run_ms: Vec<f64>,
    up_ms: Vec<f64>,
    outage_work: Vec<f64>,
    w_iv: Iv,
    w_row: Row,
    wm: Meters,
    // Nodes.
    n_iv: Iv,
    n_row: Row,
    n_run_ms: Vec<f64>,
    capacity: Vec<Held>,
    nm: Meters,
    interval_ms: u64,
    interval_start: TimeMs,
    row_step: u64,
    row_start: TimeMs,
    timeseries: Option<Timeseries>,
    violation: Option<String>,
}

/// Per-entity sums over the open report interval.
#[derive(Default)]
struct Iv {
    served: Vec<f64>,
    capacity: Vec<f64>,
    demand: Vec<f64>,
    held: Vec<Held>,
}

/// Per-entity sums over the open time-series row.
#[derive(Default)]
struct Row {
    demand: Vec<f64>,
    served: Vec<f64>,
    granted: Vec<f64>,
    capacity: Vec<f64>,
}

fn zeros(n: usize) -> Vec<f64> {
    vec![0.0; n]
}

/// Run the scenario's replica `replica` with every distribution and the time series as the
/// scenario asks.
pub fn run(scenario: &Scenario, replica: u64) -> Result<Outcome, Error> {
    match super::migrate::extend(scenario) {
        Some(x) => Ok(x.fold(scenario, run_as_is(&x.scenario, replica)?)),
        None => run_as_is(scenario, replica),
    }
}

/// Run a scenario whose guest moves, if any, name their stand-ins (`super::migrate`).
fn run_as_is(scenario: &Scenario, replica: u64) -> Result<Outcome, Error> {
    let model = &scenario.model;
    let (nw, nn) = (model.workloads.len(), model.nodes.len());
    let (mut fixed, mut max, mut weight) = (zeros(nn), zeros(nn), zeros(nn));
    for (i, node) in model.nodes.iter().enumerate() {
        match node.share {
            Share::Root { capacity } | Share::Fixed { capacity } => {
                fixed[i] = capacity;
                max[i] = capacity;
            }
            Share::Elastic { weight: w, max: m } => {
                max[i] = m;
                weight[i] = w;
            }
        }
    }
    let mut alloc = Allocations {
        fixed,
        weight,
        max,
        obs_served: zeros(nn),
        obs_granted: zeros(nn),
        meters: vec![CompartmentMeter::default(); nn],
    };
    for d in &scenario.domains {
        manage::deploy(d, model, &mut alloc);
    }
    for w in &scenario.wlm {
        manage::wlm_deploy(w, &mut alloc);
    }
    let mut spare = vec![0u32; nn];
    for p in &scenario.pricing {
        let root = p.server.0 as usize;
        spare[root] = p.installed.saturating_sub(model.nodes[root].cores);
    }
    let active = scenario
        .pricing
        .iter()
        .map(|p| alloc.fixed[p.server.0 as usize] / model.nodes[p.server.0 as usize].speed)
        .collect();
    let capacity: Vec<Held> = model
        .nodes
        .iter()
        .map(|n| Held {
            memory_gb: n.memory_gb,
            disk_mbps: n.disk_mbps,
            network_mbps: n.network_mbps,
        })
        .collect();
    let disk = capacity.iter().any(|c| c.disk_mbps > 0.0);
    let network = capacity.iter().any(|c| c.network_mbps > 0.0);
    let r = &scenario.report;
    let iv = |n: usize| Iv {
        served: zeros(n),
        capacity: zeros(n),
        demand: zeros(n),
        held: vec![Held::default(); n],
    };
    let row = |n: usize| Row {
        demand: zeros(n),
        served: zeros(n),
        granted: zeros(n),
        capacity: zeros(n),
    };
    let mut o = Oracle {
        model,
        scenario,
        limits: Limits {
            cpu: r.util_limit,
            memory: r.memory_limit,
            disk: r.disk_limit,
            network: r.network_limit,
        },
        horizon: scenario.horizon_ms,
        streams: build_streams(&scenario.demand).map_err(Error::Internal)?,
        failover: Failover::new(
            &scenario.ha,
            model,
            scenario.horizon_ms,
            super::outages(scenario, replica),
            spare,
        ),
        settlement: Settlement::new(&scenario.pricing, &scenario.gicap, active),
        dom_state: scenario
            .domains
            .iter()
            .map(|d| DomainState::new(d, model))
            .collect(),
        wlm_state: scenario.wlm.iter().map(WlmState::new).collect(),
        alloc,
        demand: zeros(nw),
        held: vec![Held::default(); nw],
        backlog: zeros(nw),
        drop: model
            .workloads
            .iter()
            .map(|w| w.on_shortfall == OnShortfall::Drop)
            .collect(),
        run_ms: zeros(nw),
        up_ms: zeros(nw),
        outage_work: zeros(nw),
        w_iv: iv(nw),
        w_row: row(nw),
        wm: Meters::new(nw, true, disk, network, false),
        n_iv: iv(nn),
        n_row: row(nn),
        n_run_ms: zeros(nn),
        capacity,
        nm: Meters::new(nn, true, disk, network, true),
        interval_ms: r.interval_ms,
        interval_start: 0,
        row_step: r.step_ms,
        row_start: 0,
        timeseries: r.timeseries.then(Timeseries::default),
        violation: None,
    };
    let mut queue = Queue::with_capacity(64);
    if o.settlement.metered() && PPU_SAMPLE_MS <= o.horizon {
        queue.schedule(PPU_SAMPLE_MS, Ev::Meter);
    }
    for s in 0..o.streams.len() {
        queue.schedule(0, Ev::Sample { stream: s as u32 });
    }
    for (k, (_, outage)) in o.failover.outages.iter().enumerate() {
        queue.schedule(outage.start_ms, Ev::Fail { outage: k as u32 });
        if outage.end_ms < o.horizon {
            queue.schedule(outage.end_ms, Ev::Repair { outage: k as u32 });
        }
    }
    super::moves::schedule(&o.scenario.mobility, o.horizon, &mut queue);
    if o.timeseries.is_some() {
        queue.schedule(o.row_step.min(o.horizon), Ev::Report);
    }
    queue.schedule(o.interval_ms.min(o.horizon), Ev::Interval);
    // One event per domain, in scenario order (the run groups them; the order is the same).
    for (i, d) in scenario.domains.iter().enumerate() {
        if d.interval_ms < o.horizon {
            queue.schedule(d.interval_ms, Ev::Policy { group: i as u32 });
        }
    }
    for (i, w) in scenario.wlm.iter().enumerate() {
        if w.interval_ms < o.horizon {
            queue.schedule(w.interval_ms, Ev::Wlm { instance: i as u32 });
        }
    }
    queue.schedule(o.horizon, Ev::Horizon);
    let horizon = o.horizon;
    let stats = engine::run(&mut queue, &mut o, horizon);
    if let Some(v) = o.violation.take() {
        return Err(Error::Internal(v));
    }
    Ok(o.finish(stats))
}

impl Oracle<'_> {
    /// Integrate `[from, to)` over the whole tree in global phases.
    fn integrate(&mut self, from: TimeMs, to: TimeMs) {
        let model = self.model;
        let (nw, nn) = (model.workloads.len(), model.nodes.len());
        let dt = (to - from) as f64;
        let leaf = self.failover.leaf.clone();
        let running = self.failover.running.clone();
        let down = self.failover.down.clone();
        let mut b = self.backlog.clone();
        let (mut served, mut dropped, mut delayed) = (zeros(nw), zeros(nw), zeros(nw));
        let (mut busy, mut unmet) = (zeros(nw), zeros(nw));
        let mut offered = zeros(nn);
        let mut t = 0.0;
        loop {
            if t >= dt {
                break;
            }
            // Wants, bottom-up over every node.
            let want: Vec<f64> = (0..nw)
                .map(|w| {
                    if !running[w] {
                        0.0
                    } else if !self.drop[w] && b[w] > 0.0 {
                        f64::INFINITY
                    } else {
                        self.demand[w]
                    }
                })
                .collect();
            let mut need = zeros(nn);
            for w in 0..nw {
                need[leaf[w] as usize] += want[w];
            }
            for i in (1..nn).rev() {
                if let Some(p) = model.nodes[i].parent
                    && !down[i]
                {
                    need[p.0 as usize] += need[i].min(self.alloc.max[i]);
                }
            }
            // Rates, top-down over every node.
            let mut rate = zeros(nn);
            let mut offer = zeros(nn);
            for i in 0..nn {
                if model.nodes[i].parent.is_none() {
                    rate[i] = if down[i] {
                        0.0
                    } else {
                        (self.alloc.fixed[i] - self.failover.lost_cores[i] * model.nodes[i].speed)
                            .max(0.0)
                    };
                    offer[i] = rate[i];
                }
                let kids = model.children(NodeId(i as u32));
                if kids.is_empty() {
                    continue;
                }
                let reserved: f64 = kids
                    .iter()
                    .filter(|c| self.alloc.weight[c.0 as usize] <= 0.0)
                    .map(|c| self.alloc.fixed[c.0 as usize])
                    .sum();
                let r = vcpu::guests_rate(model, i, rate[i]);
                let squeeze = if reserved > r { r / reserved } else { 1.0 };
                let mut left = r;
                let (mut caps, mut weights, mut ids) = (Vec::new(), Vec::new(), Vec::new());
                for c in kids {
                    let c = c.0 as usize;
                    if self.alloc.weight[c] <= 0.0 {
                        left -= self.alloc.fixed[c] * squeeze;
                        rate[c] = if down[c] {
                            0.0
                        } else {
                            self.alloc.fixed[c] * squeeze
                        };
                        offer[c] = rate[c];
                    } else if down[c] {
                        rate[c] = 0.0;
                        offer[c] = 0.0;
                    } else {
                        caps.push(need[c].min(self.alloc.max[c]));
                        weights.push(self.alloc.weight[c]);
                        ids.push(c);
                    }
                }
                if !ids.is_empty() {
                    let left = left.max(0.0);
                    let mut grants = zeros(ids.len());
                    let left = vcpu::host_share(
                        model,
                        i,
                        left,
                        |x| ids[x],
                        &mut caps,
                        &weights,
                        &mut grants,
                    );
                    let level = weighted_fair_share(left, &caps, &weights, &mut grants);
                    let spare = (left - grants.iter().sum::<f64>()).max(0.0);
                    for (x, &c) in ids.iter().enumerate() {
                        rate[c] = grants[x];
                        let could = if level.is_finite() {
                            level * self.alloc.weight[c]
                        } else {
                            grants[x] + spare
                        };
                        offer[c] = could.min(self.alloc.max[c]).max(grants[x]);
                    }
                }
            }
            // Each leaf's workloads: equal max-min shares of its rate.
            let mut r = zeros(nw);
            let mut by_leaf: Vec<Vec<usize>> = vec![Vec::new(); nn];
            for w in 0..nw {
                by_leaf[leaf[w] as usize].push(w);
            }
            for (l, ws) in by_leaf.iter().enumerate() {
                if ws.is_empty() {
                    continue;
                }
                let caps: Vec<f64> = ws.iter().map(|&w| want[w].min(rate[l])).collect();
                let mut g = zeros(ws.len());
                weighted_fair_share(rate[l], &caps, &vec![1.0; ws.len()], &mut g);
                for (x, &w) in ws.iter().enumerate() {
                    r[w] = g[x];
                }
            }
            // The phase ends when the first draining queue empties.
            let mut tau = dt - t;
            for w in 0..nw {
                if b[w] > 0.0 && r[w] > self.demand[w] {
                    tau = tau.min(b[w] / (r[w] - self.demand[w]));
                }
            }
            for w in 0..nw {
                let d = self.demand[w];
                served[w] += r[w] * tau;
                if self.drop[w] {
                    let lost = (d - r[w]).max(0.0) * tau;
                    dropped[w] += lost;
                    if lost > 0.0 {
                        unmet[w] += tau;
                    }
                } else {
                    let before = b[w];
                    let after = before + (d - r[w]) * tau;
                    let after = if before > 0.0 && r[w] > d && after <= before * 1e-12 {
                        0.0
                    } else {
                        after.max(0.0)
                    };
                    if before > 0.0 || after > 0.0 {
                        delayed[w] += r[w] * tau;
                        busy[w] += tau;
                        unmet[w] += tau;
                    }
                    b[w] = after;
                }
            }
            for i in 0..nn {
                offered[i] += offer[i] * tau;
            }
            t += tau;
            if tau <= 0.0 {
                break;
            }
        }
        self.book(
            dt,
            &leaf,
            &running,
            &down,
            [&served, &dropped, &delayed, &busy, &unmet],
            &b,
            &offered,
            from,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn book(
        &mut self,
        dt: f64,
        leaf: &[u32],
        running: &[bool],
        down: &[bool],
        [served, dropped, delayed, busy, unmet]: [&Vec<f64>; 5],
        backlog: &[f64],
        offered: &[f64],
        from: TimeMs,
    ) {
        let model = self.model;
        let (nw, nn) = (model.workloads.len(), model.nodes.len());
        let held_of = |a: &Allocations, i: usize| a.held(i);
        let (mut n_served, mut n_dropped, mut n_delayed, mut n_unmet) =
            (zeros(nn), zeros(nn), zeros(nn), zeros(nn));
        let (mut n_demand, mut n_held) = (zeros(nn), vec![Held::default(); nn]);
        let (mut arrived, mut accounted) = (0.0, 0.0);
        for w in 0..nw {
            let l = leaf[w] as usize;
            let d = self.demand[w];
            let cap = held_of(&self.alloc, l);
            arrived += d * dt;
            accounted += served[w] + dropped[w] + backlog[w] - self.backlog[w];
            let m = &mut self.wm;
            m.demand_cms[w] += d * dt;
            m.served_cms[w] += served[w];
            m.dropped_cms[w] += dropped[w];
            m.delayed_cms[w] += delayed[w];
            m.cpu.sum_ms[w] += share_of(served[w], cap);
            m.met_ms[w] += dt - unmet[w];
            if dt > 0.0 && d > m.peak_demand[w] {
                m.peak_demand[w] = d;
            }
            m.peak_held[w] = m.peak_held[w].max(&self.held[w]);
            m.held_ms[w] += self.held[w] * dt;
            self.run_ms[w] += busy[w];
            if self.run_ms[w] > m.longest_backlog_ms[w] {
                m.longest_backlog_ms[w] = self.run_ms[w];
            }
            if backlog[w] <= 0.0 {
                self.run_ms[w] = 0.0;
            }
            if running[w] && !down[l] {
                self.up_ms[w] += dt;
            } else {
                self.outage_work[w] += d * dt;
            }
            self.w_iv.served[w] += served[w];
            self.w_iv.capacity[w] += cap * dt;
            self.w_iv.demand[w] += d * dt;
            self.w_iv.held[w] += self.held[w].share_of(&self.capacity[l]) * dt;
            if self.timeseries.is_some() {
                self.w_row.demand[w] += d * dt;
                self.w_row.served[w] += served[w];
                self.w_row.capacity[w] += cap * dt;
            }
            n_served[l] += served[w];
            n_dropped[l] += dropped[w];
            n_delayed[l] += delayed[w];
            n_unmet[l] = n_unmet[l].max(unmet[w]);
            n_demand[l] += d;
            if running[w] {
                n_held[l] += self.held[w];
            }
        }
        let queued: f64 = self.backlog.iter().sum();
        if (arrived - accounted).abs() > 1e-9 * (arrived + queued).max(1.0) {
            self.violation.get_or_insert_with(|| {
                format!("oracle: conservation broken at t = {from} ms: {arrived} arrived, {accounted} accounted")
            });
        }
        self.backlog.copy_from_slice(backlog);
        for i in (1..nn).rev() {
            if let Some(p) = model.nodes[i].parent {
                let p = p.0 as usize;
                n_served[p] += n_served[i];
                n_dropped[p] += n_dropped[i];
                n_delayed[p] += n_delayed[i];
                n_unmet[p] = n_unmet[p].max(n_unmet[i]);
                n_demand[p] += n_demand[i];
                let h = n_held[i];
                n_held[p] += h;
                n_held[p].memory_gb += model.nodes[i].memory_overhead_gb;
            }
        }
        for i in 0..nn {
            let cap = held_of(&self.alloc, i);
            let m = &mut self.nm;
            m.demand_cms[i] += n_demand[i] * dt;
            m.served_cms[i] += n_served[i];
            m.dropped_cms[i] += n_dropped[i];
            m.delayed_cms[i] += n_delayed[i];
            m.granted_cms[i] += offered[i];
            m.cpu.sum_ms[i] += share_of(n_served[i], cap);
            m.met_ms[i] += dt - n_unmet[i];
            if n_demand[i] > m.peak_demand[i] {
                m.peak_demand[i] = n_demand[i];
            }
            m.peak_held[i] = m.peak_held[i].max(&n_held[i]);
            m.held_ms[i] += n_held[i] * dt;
            // A node's unmet time in a segment is a prefix: a run goes on only through a
            // segment unmet to its end.
            self.n_run_ms[i] += n_unmet[i];
            if self.n_run_ms[i] > m.longest_backlog_ms[i] {
                m.longest_backlog_ms[i] = self.n_run_ms[i];
            }
            if n_unmet[i] < dt {
                self.n_run_ms[i] = 0.0;
            }
            self.alloc.obs_served[i] += n_served[i];
            self.alloc.obs_granted[i] += offered[i];
            self.n_iv.served[i] += n_served[i];
            self.n_iv.capacity[i] += cap * dt;
            self.n_iv.demand[i] += n_demand[i] * dt;
            self.n_iv.held[i] += n_held[i].share_of(&self.capacity[i]) * dt;
            if self.timeseries.is_some() {
                self.n_row.demand[i] += n_demand[i] * dt;
                self.n_row.served[i] += n_served[i];
                self.n_row.granted[i] += offered[i];
                self.n_row.capacity[i] += cap * dt;
            }
        }
        for (k, p) in self.scenario.pricing.iter().enumerate() {
            self.settlement.add_served(k, n_served[p.server.0 as usize]);
        }
    }

    fn close_interval(&mut self, now: TimeMs) {
        let span = now - self.interval_start;
        if span == 0 {
            return;
        }
        let dt = span as f64;
        let l = self.limits;
        for (m, iv, nodes) in [
            (&mut self.wm, &self.w_iv, false),
            (&mut self.nm, &self.n_iv, true),
        ] {
            m.cpu
                .record_interval(span, l.cpu, |i| utilization(iv.served[i], iv.capacity[i]));
            if nodes {
                let model = self.model;
                m.demand.record_interval(span, f64::INFINITY, |i| {
                    share_of(iv.demand[i] / dt, model.nodes[i].nominal * DEMAND_RANGE)
                });
            }
            for i in 0..m.memory.len() {
                m.memory.sum_ms[i] += iv.held[i].memory_gb;
            }
            m.memory
                .record_interval(span, l.memory, |i| iv.held[i].memory_gb / dt);
            for i in 0..m.disk.len() {
                m.disk.sum_ms[i] += iv.held[i].disk_mbps;
            }
            m.disk
                .record_interval(span, l.disk, |i| iv.held[i].disk_mbps / dt);
            for i in 0..m.network.len() {
                m.network.sum_ms[i] += iv.held[i].network_mbps;
            }
            m.network
                .record_interval(span, l.network, |i| iv.held[i].network_mbps / dt);
        }
        for iv in [&mut self.w_iv, &mut self.n_iv] {
            iv.served.fill(0.0);
            iv.capacity.fill(0.0);
            iv.demand.fill(0.0);
            iv.held.fill(Held::default());
        }
        self.interval_start = now;
    }

    fn close_row(&mut self, now: TimeMs) {
        let span = (now - self.row_start) as f64;
        let Some(ts) = &mut self.timeseries else {
            return;
        };
        if span <= 0.0 {
            return;
        }
        let model = self.model;
        let (nw, nn) = (model.workloads.len(), model.nodes.len());
        let mut backlog = zeros(nn);
        for w in 0..nw {
            backlog[self.failover.leaf[w] as usize] += self.backlog[w];
        }
        for i in (1..nn).rev() {
            if let Some(p) = model.nodes[i].parent {
                backlog[p.0 as usize] += backlog[i];
            }
        }
        for e in 0..nw + nn {
            ts.time_ms.push(self.row_start);
            ts.entity.push(e as u32);
            let (row, i) = if e < nw {
                (&self.w_row, e)
            } else {
                (&self.n_row, e - nw)
            };
            ts.demand.push(row.demand[i] / span);
            ts.served.push(row.served[i] / span);
            ts.allocation.push(if e < nw {
                f64::NAN
            } else {
                row.granted[i] / span
            });
            let b = if e < nw { self.backlog[i] } else { backlog[i] };
            ts.backlog_core_hours.push(b / MS_PER_HOUR);
            ts.utilization
                .push(share_of(row.served[i], row.capacity[i]));
        }
        for row in [&mut self.w_row, &mut self.n_row] {
            row.demand.fill(0.0);
            row.served.fill(0.0);
            row.granted.fill(0.0);
            row.capacity.fill(0.0);
        }
        self.row_start = now;
    }

    fn finish(mut self, stats: RunStats) -> Outcome {
        let model = self.model;
        let (nw, nn) = (model.workloads.len(), model.nodes.len());
        let mut backlog = zeros(nn);
        for w in 0..nw {
            self.wm.backlog_cms[w] = self.backlog[w];
            backlog[self.failover.leaf[w] as usize] += self.backlog[w];
        }
        for i in (1..nn).rev() {
            if let Some(p) = model.nodes[i].parent {
                backlog[p.0 as usize] += backlog[i];
            }
        }
        self.nm.backlog_cms.copy_from_slice(&backlog);
        self.wm.flush();
        self.nm.flush();
        let books = self.settlement.finish(self.horizon);
        Outcome {
            stats,
            workloads: self.wm,
            nodes: self.nm,
            timeseries: self.timeseries,
            compartments: self.alloc.meters,
            domains: self.dom_state.iter().map(DomainState::record).collect(),
            wlm: self.wlm_state.iter().map(WlmState::record).collect(),
            ticap: books.ticap,
            group_ticap: books.group_ticap,
            ppu: books.ppu,
            active_core_ms: books.active_core_ms,
            ha: self.failover.into_record(self.up_ms, self.outage_work),
        }
    }

    fn apply(&mut self, d: usize, now: TimeMs) {
        let domain = &self.scenario.domains[d];
        if let Err(e) = manage::apply(domain, &self.dom_state[d], self.model, &mut self.alloc) {
            self.violation
                .get_or_insert(format!("at t = {now} ms: {e}"));
        }
        let state = &mut self.dom_state[d];
        if let Some(t) = domain.ticap
            && state.pending_extra != state.extra
        {
            state.extra = state.pending_extra;
            let root = self.scenario.pricing[t.server].server.0 as usize;
            let node = &self.model.nodes[root];
            self.alloc.fixed[root] = (node.cores as f64 + state.extra) * node.speed;
            self.settlement
                .set_active(t.server, self.alloc.fixed[root] / node.speed, now);
        }
    }
}

impl Handler<Ev> for Oracle<'_> {
    fn advance(&mut self, from: TimeMs, to: TimeMs) {
        self.integrate(from, to);
    }

    fn handle(&mut self, now: TimeMs, event: Ev, queue: &mut Queue<Ev>) {
        let mut steps: Vec<Step> = Vec::new();
        match event {
            Ev::Sample { stream } => {
                let s = &mut self.streams[stream as usize];
                s.apply(now / s.step_ms, &mut self.demand, &mut self.held);
                let next = now + s.step_ms;
                if next < self.horizon {
                    queue.schedule(next, event);
                }
            }
            Ev::Report => {
                self.close_row(now);
                if now < self.horizon {
                    queue.schedule((now + self.row_step).min(self.horizon), Ev::Report);
                }
            }
            Ev::Interval => {
                self.close_interval(now);
                if now < self.horizon {
                    queue.schedule((now + self.interval_ms).min(self.horizon), Ev::Interval);
                }
            }
            Ev::Policy { group } => {
                let d = group as usize;
                let domain = &self.scenario.domains[d];
                let view = manage::Surroundings::of(
                    domain,
                    self.dom_state[d].extra,
                    &self.settlement,
                    &self.failover.package_nodes,
                );
                let changed = manage::tick(
                    domain,
                    &mut self.dom_state[d],
                    self.model,
                    &mut self.alloc,
                    &self.wlm_state,
                    &view,
                    now,
                );
                if changed && now + domain.latency_ms < self.horizon {
                    if domain.latency_ms == 0 {
                        self.apply(d, now);
                    } else {
                        queue.schedule(now + domain.latency_ms, Ev::Realloc { group });
                    }
                }
                let next = now + domain.interval_ms;
                if next < self.horizon {
                    queue.schedule(next, event);
                }
            }
            Ev::Realloc { group } => self.apply(group as usize, now),
            Ev::Wlm { instance } => {
                let w = &self.scenario.wlm[instance as usize];
                manage::wlm_tick(
                    w,
                    &mut self.wlm_state[instance as usize],
                    self.model,
                    &mut self.alloc,
                    &self.failover.package_nodes,
                    now,
                );
                let next = now + w.interval_ms;
                if next < self.horizon {
                    queue.schedule(next, event);
                }
            }
            Ev::Meter => {
                let model = self.model;
                let pricing = &self.scenario.pricing;
                self.settlement
                    .read_meters(now, |k| model.nodes[pricing[k].server.0 as usize].speed);
                if now + PPU_SAMPLE_MS <= self.horizon {
                    queue.schedule(now + PPU_SAMPLE_MS, Ev::Meter);
                }
            }
            Ev::Fail { outage } => self.failover.fail(outage as usize, true, now, &mut steps),
            Ev::Repair { outage } => self.failover.fail(outage as usize, false, now, &mut steps),
            Ev::Package(step) => {
                self.failover.step(step, now, &mut steps);
            }
            Ev::Move { index, phase } => {
                let s = self.scenario;
                super::moves::apply(&s.mobility, &s.model, index, phase, &mut self.failover)
            }
            Ev::Horizon => {}
        }
        for s in steps {
            queue.schedule(s.at_ms, Ev::Package(s));
        }
    }
}
