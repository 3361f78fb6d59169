//! The fluid model of DESIGN.md, driven by the engine: demand arrives as step functions,
//! capacity flows down the partition tree, work is served, delayed or dropped, and every
//! segment is recorded.
//!
//! State is struct-of-arrays indexed by workload and node ids; the per-segment loop allocates
//! nothing. Within one partition, workloads share its capacity in proportion to their
//! outstanding work (processor sharing: a time-sharing OS serves runnable work at equal
//! rates, so each workload's share follows its share of the runnable work).

mod demand;
pub mod metrics;

use crate::Error;
use crate::engine::{self, Event, Handler, Queue, RunStats, TimeMs};
use crate::model::{Model, OnShortfall, Share, share::weighted_fair_share};
use crate::scenario::Scenario;
use demand::{Stream, build_streams};
use metrics::{Meters, Segment};

/// Relative tolerance of the conservation check (floating-point sums over a segment).
const CONSERVATION_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ev {
    /// New demand samples for every workload of one stream.
    Sample { stream: u32 },
    /// Close a time-series row for every entity.
    Report,
    /// The end of the simulated horizon.
    Horizon,
}

impl Event for Ev {
    /// Demand changes first, then the report closes its row, then the horizon: at a shared
    /// instant the segment before it has already been integrated, so this order only fixes
    /// what the handler sees, and it is the same on every run.
    fn rank(&self) -> u8 {
        match self {
            Ev::Sample { .. } => 0,
            Ev::Report => 1,
            Ev::Horizon => 2,
        }
    }
}

/// A time-series row per entity per report step, kept in columns.
#[derive(Debug, Default, Clone)]
pub struct Timeseries {
    pub time_ms: Vec<u64>,
    /// Index into the run's entities: workloads first, then nodes.
    pub entity: Vec<u32>,
    /// Mean demand over the row [reference cores].
    pub demand: Vec<f64>,
    /// Mean capacity granted [reference cores]; NaN for workloads (they share their
    /// partition's).
    pub allocation: Vec<f64>,
    pub served: Vec<f64>,
    /// Backlog at the row's end [core-hours].
    pub backlog_core_hours: Vec<f64>,
    pub utilization: Vec<f64>,
}

/// Everything the run recorded, for the report.
pub struct Outcome {
    pub stats: RunStats,
    pub workloads: Meters,
    pub nodes: Meters,
    pub timeseries: Option<Timeseries>,
}

struct Sim<'a> {
    model: &'a Model,
    util_limit: f64,
    streams: Vec<Stream>,
    // Workload state [reference cores, GiB, core-ms].
    w_demand: Vec<f64>,
    w_memory: Vec<f64>,
    w_backlog: Vec<f64>,
    w_drop: Vec<bool>,
    w_node: Vec<u32>,
    // Node per-segment scratch [core-ms unless noted].
    n_need: Vec<f64>,
    n_grant: Vec<f64>,
    n_ratio: Vec<f64>,
    n_served: Vec<f64>,
    n_demand_rate: Vec<f64>,
    n_dropped: Vec<f64>,
    n_delayed: Vec<f64>,
    n_backlog: Vec<f64>,
    n_short: Vec<f64>,
    n_memory: Vec<f64>,
    n_fixed: Vec<f64>,
    n_max: Vec<f64>,
    n_weight: Vec<f64>,
    // Fair-share scratch, sized to the widest parent.
    scratch_demand: Vec<f64>,
    scratch_weight: Vec<f64>,
    scratch_grant: Vec<f64>,
    meters_w: Meters,
    meters_n: Meters,
    // Time series accumulators for the open row.
    timeseries: Option<Timeseries>,
    row_start: TimeMs,
    row_demand: Vec<f64>,
    row_granted: Vec<f64>,
    row_served: Vec<f64>,
    report_step: u64,
    horizon: TimeMs,
    violation: Option<String>,
}

/// Run a scenario to its horizon. `progress(now, horizon)` is called a few hundred times.
pub fn run(
    scenario: &Scenario,
    progress: &mut dyn FnMut(TimeMs, TimeMs),
) -> Result<Outcome, Error> {
    let model = &scenario.model;
    let nw = model.workloads.len();
    let nn = model.nodes.len();
    let streams = build_streams(&scenario.demand).map_err(Error::Internal)?;
    let (mut n_fixed, mut n_max, mut n_weight) = (vec![0.0; nn], vec![0.0; nn], vec![0.0; nn]);
    for (i, node) in model.nodes.iter().enumerate() {
        match node.share {
            Share::Root { capacity } | Share::Fixed { capacity } => {
                n_fixed[i] = capacity;
                n_max[i] = capacity;
            }
            Share::Elastic { weight, max } => {
                n_max[i] = max;
                n_weight[i] = weight;
            }
        }
    }
    let widest = model.max_children();
    let entities = nw + nn;
    let report = &scenario.report;
    let mut sim = Sim {
        model,
        util_limit: report.util_limit,
        w_demand: vec![0.0; nw],
        w_memory: vec![0.0; nw],
        w_backlog: vec![0.0; nw],
        w_drop: model
            .workloads
            .iter()
            .map(|w| w.on_shortfall == OnShortfall::Drop)
            .collect(),
        w_node: model.workloads.iter().map(|w| w.node.0).collect(),
        n_need: vec![0.0; nn],
        n_grant: vec![0.0; nn],
        n_ratio: vec![0.0; nn],
        n_served: vec![0.0; nn],
        n_demand_rate: vec![0.0; nn],
        n_dropped: vec![0.0; nn],
        n_delayed: vec![0.0; nn],
        n_backlog: vec![0.0; nn],
        n_short: vec![0.0; nn],
        n_memory: vec![0.0; nn],
        n_fixed,
        n_max,
        n_weight,
        scratch_demand: vec![0.0; widest],
        scratch_weight: vec![0.0; widest],
        scratch_grant: vec![0.0; widest],
        meters_w: Meters::new(nw),
        meters_n: Meters::new(nn),
        timeseries: report.timeseries.then(Timeseries::default),
        row_start: 0,
        row_demand: vec![0.0; entities],
        row_granted: vec![0.0; entities],
        row_served: vec![0.0; entities],
        report_step: report.step_ms,
        horizon: scenario.horizon_ms,
        violation: None,
        streams,
    };
    let mut queue = Queue::with_capacity(sim.streams.len() + 4);
    for s in 0..sim.streams.len() {
        queue.schedule(0, Ev::Sample { stream: s as u32 });
    }
    if sim.timeseries.is_some() {
        queue.schedule(sim.report_step.min(sim.horizon), Ev::Report);
    }
    queue.schedule(sim.horizon, Ev::Horizon);

    let mut stats = RunStats::default();
    const SLICES: u64 = 200;
    for slice in 1..=SLICES {
        let until = if slice == SLICES {
            sim.horizon
        } else {
            sim.horizon / SLICES * slice
        };
        let s = engine::run(&mut queue, &mut sim, until);
        stats.events += s.events;
        stats.segments += s.segments;
        if let Some(v) = sim.violation.take() {
            return Err(Error::Internal(v));
        }
        progress(until, sim.horizon);
    }
    Ok(Outcome {
        stats,
        workloads: sim.meters_w,
        nodes: sim.meters_n,
        timeseries: sim.timeseries,
    })
}

impl Handler<Ev> for Sim<'_> {
    fn handle(&mut self, now: TimeMs, event: Ev, queue: &mut Queue<Ev>) {
        match event {
            Ev::Sample { stream } => {
                let s = &mut self.streams[stream as usize];
                s.apply(now / s.step_ms, &mut self.w_demand, &mut self.w_memory);
                let next = now + s.step_ms;
                if next < self.horizon {
                    queue.schedule(next, event);
                }
            }
            Ev::Report => {
                self.close_row(now);
                if now < self.horizon {
                    queue.schedule((now + self.report_step).min(self.horizon), Ev::Report);
                }
            }
            Ev::Horizon => {}
        }
    }

    fn advance(&mut self, from: TimeMs, to: TimeMs) {
        self.integrate(from, to);
    }
}

impl Sim<'_> {
    /// Integrate `[from, to)`, over which demand and capacities are constant.
    fn integrate(&mut self, from: TimeMs, to: TimeMs) {
        let dt_ms = to - from;
        let dt = dt_ms as f64;
        let model = self.model;
        let nn = model.nodes.len();
        for v in [
            &mut self.n_need,
            &mut self.n_served,
            &mut self.n_demand_rate,
            &mut self.n_dropped,
            &mut self.n_delayed,
            &mut self.n_backlog,
            &mut self.n_short,
            &mut self.n_memory,
        ] {
            v.fill(0.0);
        }

        // 1. Outstanding work per leaf.
        for w in 0..self.w_demand.len() {
            let leaf = self.w_node[w] as usize;
            self.n_need[leaf] += self.w_demand[w] * dt + self.w_backlog[w];
            self.n_demand_rate[leaf] += self.w_demand[w];
            self.n_memory[leaf] += self.w_memory[w];
        }
        // 2. Upward: what each child could use, capped at its maximum.
        for i in (1..nn).rev() {
            if let Some(p) = model.nodes[i].parent {
                let p = p.0 as usize;
                self.n_need[p] += self.n_need[i].min(self.n_max[i] * dt);
                self.n_demand_rate[p] += self.n_demand_rate[i];
                self.n_memory[p] += self.n_memory[i];
            }
        }
        // 3. Downward: reserved capacity to fixed children, the rest shared by weight.
        for i in 0..nn {
            if model.nodes[i].parent.is_none() {
                self.n_grant[i] = self.n_fixed[i] * dt;
            }
            let children = model.children(crate::model::NodeId(i as u32));
            if children.is_empty() {
                continue;
            }
            let mut left = self.n_grant[i];
            let mut k = 0;
            for &c in children {
                let c = c.0 as usize;
                if self.n_weight[c] > 0.0 {
                    self.scratch_demand[k] = self.n_need[c].min(self.n_max[c] * dt);
                    self.scratch_weight[k] = self.n_weight[c];
                    k += 1;
                } else {
                    self.n_grant[c] = self.n_fixed[c] * dt;
                    left -= self.n_grant[c];
                }
            }
            if k > 0 {
                weighted_fair_share(
                    left.max(0.0),
                    &self.scratch_demand[..k],
                    &self.scratch_weight[..k],
                    &mut self.scratch_grant[..k],
                );
                let mut j = 0;
                for &c in children {
                    let c = c.0 as usize;
                    if self.n_weight[c] > 0.0 {
                        self.n_grant[c] = self.scratch_grant[j];
                        j += 1;
                    }
                }
            }
            // Capacity is never created on the way down, checked every segment.
            let handed: f64 = children.iter().map(|c| self.n_grant[c.0 as usize]).sum();
            if handed > self.n_grant[i] * (1.0 + 1e-12) + 1e-9 {
                let name = &model.nodes[i].name;
                let had = self.n_grant[i];
                self.violation.get_or_insert_with(|| {
                    format!("`{name}` handed {handed} core-ms to its children but had {had} at t = {from} ms")
                });
            }
        }
        for i in 0..nn {
            let need = self.n_need[i];
            self.n_ratio[i] = if need > self.n_grant[i] {
                self.n_grant[i] / need
            } else {
                1.0
            };
        }

        // 4. Serve each workload its share of its leaf's grant.
        let mut arrived = 0.0;
        let mut accounted = 0.0;
        for w in 0..self.w_demand.len() {
            let leaf = self.w_node[w] as usize;
            let new_work = self.w_demand[w] * dt;
            let old_backlog = self.w_backlog[w];
            let need = new_work + old_backlog;
            let served = need * self.n_ratio[leaf];
            let short = need - served;
            // Oldest work first: what is served comes out of the backlog before new demand.
            let delayed = served.min(old_backlog);
            let (dropped, backlog) = if self.w_drop[w] {
                (short, 0.0)
            } else {
                (0.0, short)
            };
            self.w_backlog[w] = backlog;
            arrived += new_work;
            accounted += served + dropped + backlog - old_backlog;
            let util = served / (dt * model.nodes[leaf].nominal);
            self.meters_w.record(
                w,
                dt_ms,
                self.util_limit,
                Segment {
                    demand: new_work,
                    served,
                    dropped,
                    delayed,
                    granted: 0.0,
                    backlog,
                    utilization: util,
                    demand_rate: self.w_demand[w],
                    memory_gb: self.w_memory[w],
                    met: short <= 0.0,
                },
            );
            self.n_served[leaf] += served;
            self.n_dropped[leaf] += dropped;
            self.n_delayed[leaf] += delayed;
            self.n_backlog[leaf] += backlog;
            self.n_short[leaf] += short;
            if self.timeseries.is_some() {
                self.row_demand[w] += new_work;
                self.row_served[w] += served;
            }
        }
        // Conservation, every segment: demand = served + dropped + Δbacklog.
        if (arrived - accounted).abs() > CONSERVATION_TOLERANCE * arrived.max(1.0) {
            self.violation.get_or_insert_with(|| {
                format!("conservation of work broken at t = {from} ms: {arrived} core-ms arrived, {accounted} accounted for")
            });
        }

        // 5. Upward sums of what was served, then record every node.
        for i in (1..nn).rev() {
            if let Some(p) = model.nodes[i].parent {
                let p = p.0 as usize;
                self.n_served[p] += self.n_served[i];
                self.n_dropped[p] += self.n_dropped[i];
                self.n_delayed[p] += self.n_delayed[i];
                self.n_backlog[p] += self.n_backlog[i];
                self.n_short[p] += self.n_short[i];
            }
        }
        let nw = self.w_demand.len();
        for i in 0..nn {
            let node = &model.nodes[i];
            let served = self.n_served[i];
            if served > self.n_grant[i] * (1.0 + 1e-12) + 1e-9 {
                self.violation.get_or_insert_with(|| {
                    format!(
                        "`{}` served {served} core-ms with {} granted at t = {from} ms",
                        node.name, self.n_grant[i]
                    )
                });
            }
            self.meters_n.record(
                i,
                dt_ms,
                self.util_limit,
                Segment {
                    demand: self.n_demand_rate[i] * dt,
                    served,
                    dropped: self.n_dropped[i],
                    delayed: self.n_delayed[i],
                    granted: self.n_grant[i],
                    backlog: self.n_backlog[i],
                    utilization: served / (dt * node.nominal),
                    demand_rate: self.n_demand_rate[i],
                    memory_gb: self.n_memory[i],
                    met: self.n_short[i] <= 0.0,
                },
            );
            if self.timeseries.is_some() {
                self.row_demand[nw + i] += self.n_demand_rate[i] * dt;
                self.row_served[nw + i] += served;
                self.row_granted[nw + i] += self.n_grant[i];
            }
        }
    }

    /// Append one row per entity for `[row_start, now)` and start the next row.
    fn close_row(&mut self, now: TimeMs) {
        let Some(ts) = &mut self.timeseries else {
            return;
        };
        let span = (now - self.row_start) as f64;
        if span <= 0.0 {
            return;
        }
        let nw = self.w_demand.len();
        const MS_PER_HOUR: f64 = 3_600_000.0;
        for e in 0..self.row_demand.len() {
            ts.time_ms.push(self.row_start);
            ts.entity.push(e as u32);
            ts.demand.push(self.row_demand[e] / span);
            ts.served.push(self.row_served[e] / span);
            let (allocation, backlog, nominal) = if e < nw {
                let leaf = self.w_node[e] as usize;
                (f64::NAN, self.w_backlog[e], self.model.nodes[leaf].nominal)
            } else {
                let i = e - nw;
                (
                    self.row_granted[e] / span,
                    self.n_backlog[i],
                    self.model.nodes[i].nominal,
                )
            };
            ts.allocation.push(allocation);
            ts.backlog_core_hours.push(backlog / MS_PER_HOUR);
            ts.utilization.push(self.row_served[e] / span / nominal);
        }
        self.row_demand.fill(0.0);
        self.row_served.fill(0.0);
        self.row_granted.fill(0.0);
        self.row_start = now;
    }
}
