//! The fluid model of DESIGN.md, driven by the engine: demand arrives as step functions,
//! capacity flows down the partition tree, work is served, delayed or dropped, and every
//! segment is recorded.
//!
//! State is struct-of-arrays indexed by workload and node ids; the per-segment loop allocates
//! nothing. Within one partition, workloads share its capacity in equal max-min shares.

mod demand;
pub mod manage;
pub mod metrics;

use crate::Error;
use crate::engine::{self, Event, Handler, Queue, RunStats, TimeMs};
use crate::ha::{self, FailureKind, Ha};
use crate::licensing::config::{GicapGroup, PpuMetricKind, ServerPricing};
use crate::licensing::{PpuMeter, PpuMetric, TicapLedger};
use crate::model::{Model, NodeId, OnShortfall, Share, share::weighted_fair_share};
use crate::policy::Domain;
use crate::scenario::Scenario;
use demand::{Stream, build_streams};
use manage::{Allocations, CompartmentMeter, DomainState, WlmState};

/// Pay per use reads the meter every 5 minutes [VSE17][PPU4].
const METER_MS: u64 = 300_000;
use metrics::{Held, Limits, Meters, Segment};

/// `part ÷ whole`, 0 when there is no whole (an entity without memory configured).
fn share_of(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// Relative tolerance of the conservation check (floating-point sums over a segment).
const CONSERVATION_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ev {
    /// New demand samples for every workload of one stream.
    Sample { stream: u32 },
    /// An outage (`HaRun::outages`) begins.
    Fail { outage: u32 },
    /// An outage ends: the node is repaired and rebooted, or the core replaced.
    Repair { outage: u32 },
    /// A package's next step: after the cluster reformed, pick a node (`start` false); after
    /// its start-up time, run there (`start` true). Stale when the package's epoch moved on.
    Package {
        package: u32,
        epoch: u32,
        start: bool,
    },
    /// A workload manager's decisions take effect.
    Realloc { domain: u32 },
    /// A workload manager's interval: observe, arbitrate.
    Policy { domain: u32 },
    /// A WLM instance's interval: controllers, arbiter, new shares at once.
    Wlm { instance: u32 },
    /// A 5-minute utility-meter reading (Pay per use) and Temporary Instant Capacity
    /// settlement.
    Meter,
    /// Close a time-series row for every entity.
    Report,
    /// The end of the simulated horizon.
    Horizon,
}

impl Event for Ev {
    /// At one instant: demand changes, then failures and repairs, then packages move, then
    /// decisions due take effect, then managers observe
    /// and decide (seeing the new allocations), then the report closes its row, then the
    /// horizon. The segment before the instant is integrated before any of them, so the
    /// order only fixes what each handler sees, and it is the same on every run.
    fn rank(&self) -> u8 {
        match self {
            Ev::Sample { .. } => 0,
            Ev::Fail { .. } | Ev::Repair { .. } => 1,
            Ev::Package { .. } => 2,
            Ev::Realloc { .. } => 3,
            Ev::Policy { .. } | Ev::Wlm { .. } => 4,
            Ev::Meter => 5,
            Ev::Report => 6,
            Ev::Horizon => 7,
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
    /// Per node; meaningful for the members of a domain.
    pub compartments: Vec<CompartmentMeter>,
    /// Per domain, in `Scenario::domains` order.
    pub domains: Vec<DomainState>,
    /// Per WLM instance, in `Scenario::wlm` order.
    pub wlm: Vec<WlmState>,
    /// Per server (in `Scenario::pricing` order): the Temporary Instant Capacity ledger and the
    /// Pay per use meter where it has them, and Σ active cores × duration [core-ms].
    pub ticap: Vec<Option<TicapLedger>>,
    /// Per GiCAP group, the shared balance.
    pub group_ticap: Vec<Option<TicapLedger>>,
    pub ppu: Vec<Option<PpuMeter>>,
    pub active_core_ms: Vec<f64>,
    pub ha: HaRun,
}

/// What failures and packages did in one run.
#[derive(Debug, Clone, Default)]
pub struct HaRun {
    /// Every outage of every failure source, by (source index in `Ha::failures`, outage), in
    /// source order then time order.
    pub outages: Vec<(u32, ha::Outage)>,
    /// Per outage: a core failure that Dynamic Processor Resiliency covered with an inactive
    /// core.
    pub replaced: Vec<bool>,
    /// Per workload: time it was running on a node that was up [ms].
    pub up_ms: Vec<f64>,
    /// Per workload: work that arrived while it was not running [core-ms].
    pub outage_work: Vec<f64>,
    pub packages: Vec<PackageState>,
}

/// A package's state in the run.
#[derive(Debug, Clone)]
pub struct PackageState {
    pub phase: Phase,
    /// The node it runs on or is starting on.
    pub node: NodeId,
    /// The node it last ran on.
    pub last_node: NodeId,
    pub epoch: u32,
    /// Starts on another node than the one it last ran on, after a failure.
    pub failovers: u32,
    /// Returns to the primary under automatic failback.
    pub failbacks: u32,
    /// Times no node of its list could take it.
    pub halts: u32,
    /// Starting on its primary under automatic failback.
    returning: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Between a failure and the cluster's reformation.
    Reforming,
    /// Start-up on `node`.
    Starting,
    /// No node of its list is up; it waits for one.
    Halted,
}

struct Sim<'a> {
    model: &'a Model,
    limits: Limits,
    streams: Vec<Stream>,
    // Workload state [reference cores, GiB, core-ms].
    w_demand: Vec<f64>,
    /// Memory, disk and network demand of each workload.
    w_held: Vec<Held>,
    w_backlog: Vec<f64>,
    w_drop: Vec<bool>,
    w_node: Vec<u32>,
    // Node per-segment scratch [core-ms unless noted].
    n_need: Vec<f64>,
    n_grant: Vec<f64>,
    /// What each node could have used this segment: its grant when fixed, its weighted share
    /// (or the spare) when elastic. Reported as its allocation.
    n_offer: Vec<f64>,
    /// Time in the segment during which some queue under the node was not empty [ms].
    n_busy_ms: Vec<f64>,
    n_served: Vec<f64>,
    n_demand_rate: Vec<f64>,
    n_dropped: Vec<f64>,
    n_delayed: Vec<f64>,
    n_backlog: Vec<f64>,
    n_short: Vec<f64>,
    n_held: Vec<Held>,
    /// Each node's memory, disk and network capacity, the denominators of their utilization.
    n_capacity: Vec<Held>,
    /// What each node holds and how it shares; workload managers change it.
    alloc: Allocations,
    /// `leaf_workloads[leaf_start[n]..leaf_start[n + 1]]`: the workloads running in node n.
    leaf_start: Vec<u32>,
    leaf_workloads: Vec<u32>,
    /// Equal weights for sharing a leaf among its workloads.
    ones: Vec<f64>,
    // Fair-share scratch, sized to the widest parent or most populated leaf.
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
    /// Σ capacity × duration, the denominator of the row's utilization.
    row_capacity: Vec<f64>,
    report_step: u64,
    horizon: TimeMs,
    violation: Option<String>,
    domains: &'a [Domain],
    dom_state: Vec<DomainState>,
    wlm: &'a [crate::policy::WlmInstance],
    wlm_state: Vec<WlmState>,
    pricing: &'a [ServerPricing],
    gicap: &'a [GicapGroup],
    ticap: Vec<Option<TicapLedger>>,
    /// Per GiCAP group: the balance its members share.
    group_ticap: Vec<Option<TicapLedger>>,
    ppu: Vec<Option<PpuMeter>>,
    /// Served since the last meter reading, per server [reference core-ms].
    ppu_served: Vec<f64>,
    active_core_ms: Vec<f64>,
    ha: &'a Ha,
    ha_run: HaRun,
    /// Failures in force on each node; several sources may hold one node down.
    n_failed: Vec<u32>,
    /// The node or an ancestor has failed: it serves nothing.
    n_down: Vec<bool>,
    /// Cores each server runs short of: failed cores with no inactive core to replace them.
    n_lost_cores: Vec<f64>,
    /// Inactive iCAP cores each server still has for Dynamic Processor Resiliency.
    n_spare_cores: Vec<u32>,
    /// A workload of a package is not running while the package fails over.
    w_running: Vec<bool>,
    /// Per member of the leaf being solved in phases: served, dropped, backlog at the end,
    /// delayed [core-ms], time queued, time short without a queue (drop) [ms].
    phase: [Vec<f64>; 6],
    /// Backlog of each member as the phases advance [core-ms].
    phase_backlog: Vec<f64>,
    /// Per package, the node it runs on (None while it fails over), for conditional policies.
    package_nodes: Vec<Option<NodeId>>,
}

/// Run a scenario to its horizon. `progress(now, horizon)` is called a few hundred times.
pub fn run(
    scenario: &Scenario,
    progress: &mut dyn FnMut(TimeMs, TimeMs),
) -> Result<Outcome, Error> {
    run_replica(scenario, 0, progress)
}

/// Run one replica: random failures are drawn from the scenario's seed and `replica`; all
/// else (demand included) is the same in every replica.
pub fn run_replica(
    scenario: &Scenario,
    replica: u64,
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
    // Workloads by the node they run in, in scenario order.
    let w_node: Vec<u32> = model.workloads.iter().map(|w| w.node.0).collect();
    let (mut leaf_start, mut leaf_workloads) = (vec![0u32; nn + 1], vec![0u32; nw]);
    group_by_leaf(&w_node, &mut leaf_start, &mut leaf_workloads);
    let most_workloads = leaf_start
        .windows(2)
        .map(|p| (p[1] - p[0]) as usize)
        .max()
        .unwrap_or(0);
    // Packages bring their workloads to other leaves.
    let most_workloads = if scenario.ha.packages.is_empty() {
        most_workloads
    } else {
        nw
    };
    let widest = model.max_children().max(most_workloads);
    let ha_run = HaRun {
        outages: scenario
            .ha
            .failures
            .iter()
            .enumerate()
            .flat_map(|(k, f)| {
                let seed = ha::failure_seed(scenario.seed, replica, k);
                ha::outages(&f.timing, seed, scenario.horizon_ms)
                    .into_iter()
                    .map(move |o| (k as u32, o))
            })
            .collect(),
        replaced: Vec::new(),
        up_ms: vec![0.0; nw],
        outage_work: vec![0.0; nw],
        packages: scenario
            .ha
            .packages
            .iter()
            .map(|p| PackageState {
                phase: Phase::Running,
                node: p.nodes[0],
                last_node: p.nodes[0],
                epoch: 0,
                failovers: 0,
                failbacks: 0,
                halts: 0,
                returning: false,
            })
            .collect(),
    };
    let mut n_spare_cores = vec![0u32; nn];
    for p in &scenario.pricing {
        let root = p.server.0 as usize;
        n_spare_cores[root] = p.installed.saturating_sub(model.nodes[root].cores);
    }
    let entities = nw + nn;
    let report = &scenario.report;
    let n_capacity: Vec<Held> = model
        .nodes
        .iter()
        .map(|n| Held {
            memory_gb: n.memory_gb,
            disk_mbps: n.disk_mbps,
            network_mbps: n.network_mbps,
        })
        .collect();
    let any_disk = n_capacity.iter().any(|c| c.disk_mbps > 0.0);
    let any_network = n_capacity.iter().any(|c| c.network_mbps > 0.0);
    let mut sim = Sim {
        model,
        limits: Limits {
            cpu: report.util_limit,
            memory: report.memory_limit,
            disk: report.disk_limit,
            network: report.network_limit,
        },
        w_demand: vec![0.0; nw],
        w_held: vec![Held::default(); nw],
        w_backlog: vec![0.0; nw],
        w_drop: model
            .workloads
            .iter()
            .map(|w| w.on_shortfall == OnShortfall::Drop)
            .collect(),
        w_node,
        n_need: vec![0.0; nn],
        n_grant: vec![0.0; nn],
        n_offer: vec![0.0; nn],
        n_busy_ms: vec![0.0; nn],
        n_served: vec![0.0; nn],
        n_demand_rate: vec![0.0; nn],
        n_dropped: vec![0.0; nn],
        n_delayed: vec![0.0; nn],
        n_backlog: vec![0.0; nn],
        n_short: vec![0.0; nn],
        n_held: vec![Held::default(); nn],
        alloc: Allocations {
            fixed: n_fixed,
            weight: n_weight,
            max: n_max,
            obs_served: vec![0.0; nn],
            obs_granted: vec![0.0; nn],
            meters: vec![CompartmentMeter::default(); nn],
        },
        leaf_start,
        leaf_workloads,
        ones: vec![1.0; widest],
        scratch_demand: vec![0.0; widest],
        scratch_weight: vec![0.0; widest],
        scratch_grant: vec![0.0; widest],
        meters_w: Meters::new(nw).with_io(any_disk, any_network),
        meters_n: Meters::with_demand(nn).with_io(any_disk, any_network),
        n_capacity,
        timeseries: report.timeseries.then(Timeseries::default),
        row_start: 0,
        row_demand: vec![0.0; entities],
        row_granted: vec![0.0; entities],
        row_served: vec![0.0; entities],
        row_capacity: vec![0.0; entities],
        report_step: report.step_ms,
        horizon: scenario.horizon_ms,
        violation: None,
        streams,
        domains: &scenario.domains,
        dom_state: scenario.domains.iter().map(DomainState::new).collect(),
        wlm: &scenario.wlm,
        wlm_state: scenario.wlm.iter().map(WlmState::new).collect(),
        pricing: &scenario.pricing,
        gicap: &scenario.gicap,
        group_ticap: scenario
            .gicap
            .iter()
            .map(|g| {
                g.ticap
                    .map(|t| TicapLedger::new(t.balance_core_min, t.warn_days))
            })
            .collect(),
        ticap: scenario
            .pricing
            .iter()
            .map(|p| {
                p.ticap
                    .map(|t| TicapLedger::new(t.balance_core_min, t.warn_days))
            })
            .collect(),
        ppu: scenario
            .pricing
            .iter()
            .map(|p| {
                p.ppu.map(|c| {
                    let metric = match c.metric {
                        PpuMetricKind::Percent => PpuMetric::PercentCore,
                        PpuMetricKind::Active => PpuMetric::ActiveCore,
                    };
                    PpuMeter::new(metric, c.price_per_core_month, c.fixed_per_month)
                })
            })
            .collect(),
        ppu_served: vec![0.0; scenario.pricing.len()],
        active_core_ms: vec![0.0; scenario.pricing.len()],
        ha: &scenario.ha,
        ha_run,
        n_failed: vec![0; nn],
        n_down: vec![false; nn],
        n_lost_cores: vec![0.0; nn],
        n_spare_cores,
        w_running: vec![true; nw],
        phase: std::array::from_fn(|_| vec![0.0; widest]),
        phase_backlog: vec![0.0; widest],
        package_nodes: scenario
            .ha
            .packages
            .iter()
            .map(|p| Some(p.nodes[0]))
            .collect(),
    };
    sim.ha_run.replaced = vec![false; sim.ha_run.outages.len()];
    for d in &scenario.domains {
        manage::deploy(d, model, &mut sim.alloc);
    }
    for w in &scenario.wlm {
        manage::wlm_deploy(w, &mut sim.alloc);
    }
    // Active cores beyond the usage rights run on Temporary Instant Capacity from the start.
    for k in 0..scenario.pricing.len() {
        sim.settle_ticap(k, 0);
    }
    let mut queue = Queue::with_capacity(sim.streams.len() + 4);
    let metered = sim
        .ticap
        .iter()
        .chain(&sim.group_ticap)
        .any(Option::is_some)
        || sim.ppu.iter().any(Option::is_some);
    if metered && METER_MS <= sim.horizon {
        queue.schedule(METER_MS, Ev::Meter);
    }
    for s in 0..sim.streams.len() {
        queue.schedule(0, Ev::Sample { stream: s as u32 });
    }
    for (o, (_, outage)) in sim.ha_run.outages.iter().enumerate() {
        queue.schedule(outage.start_ms, Ev::Fail { outage: o as u32 });
        if outage.end_ms < sim.horizon {
            queue.schedule(outage.end_ms, Ev::Repair { outage: o as u32 });
        }
    }
    if sim.timeseries.is_some() {
        queue.schedule(sim.report_step.min(sim.horizon), Ev::Report);
    }
    for (i, d) in scenario.domains.iter().enumerate() {
        if d.interval_ms < sim.horizon {
            queue.schedule(d.interval_ms, Ev::Policy { domain: i as u32 });
        }
    }
    for (i, w) in scenario.wlm.iter().enumerate() {
        if w.interval_ms < sim.horizon {
            queue.schedule(w.interval_ms, Ev::Wlm { instance: i as u32 });
        }
    }
    queue.schedule(sim.horizon, Ev::Horizon);

    let mut stats = RunStats::default();
    let horizon = sim.horizon;
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
    for ledger in sim
        .ticap
        .iter_mut()
        .chain(sim.group_ticap.iter_mut())
        .flatten()
    {
        ledger.finish(horizon);
    }
    sim.meters_w.flush();
    sim.meters_n.flush();
    Ok(Outcome {
        stats,
        workloads: sim.meters_w,
        nodes: sim.meters_n,
        timeseries: sim.timeseries,
        compartments: sim.alloc.meters,
        domains: sim.dom_state,
        wlm: sim.wlm_state,
        ticap: sim.ticap,
        group_ticap: sim.group_ticap,
        ppu: sim.ppu,
        active_core_ms: sim.active_core_ms,
        ha: sim.ha_run,
    })
}

impl Handler<Ev> for Sim<'_> {
    fn handle(&mut self, now: TimeMs, event: Ev, queue: &mut Queue<Ev>) {
        match event {
            Ev::Sample { stream } => {
                let s = &mut self.streams[stream as usize];
                s.apply(now / s.step_ms, &mut self.w_demand, &mut self.w_held);
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
            Ev::Policy { domain } => {
                let d = &self.domains[domain as usize];
                let spare_rights = self.spare_rights(d, self.dom_state[domain as usize].extra);
                let ledger = d.ticap.and_then(|t| match self.pricing[t.server].group {
                    Some(g) => self.group_ticap[g].as_ref(),
                    None => self.ticap[t.server].as_ref(),
                });
                let view = manage::Surroundings {
                    packages: &self.package_nodes,
                    ledger,
                    spare_rights,
                };
                if manage::tick(
                    d,
                    &mut self.dom_state[domain as usize],
                    self.model,
                    &mut self.alloc,
                    &self.wlm_state,
                    &view,
                    now,
                ) && now + d.latency_ms < self.horizon
                {
                    // A move that would take effect at the horizon changes nothing reported.
                    queue.schedule(now + d.latency_ms, Ev::Realloc { domain });
                }
                let next = now + d.interval_ms;
                if next < self.horizon {
                    queue.schedule(next, event);
                }
            }
            Ev::Realloc { domain } => {
                let d = &self.domains[domain as usize];
                if let Err(e) = manage::apply(
                    d,
                    &self.dom_state[domain as usize],
                    self.model,
                    &mut self.alloc,
                ) {
                    self.violation
                        .get_or_insert(format!("at t = {now} ms: {e}"));
                }
                // Temporary cores activated or released: the complex's active cores change,
                // and the ledger charges those above the usage rights.
                let state = &mut self.dom_state[domain as usize];
                if let Some(t) = d.ticap
                    && state.pending_extra != state.extra
                {
                    state.extra = state.pending_extra;
                    let p = &self.pricing[t.server];
                    let root = p.server.0 as usize;
                    let node = &self.model.nodes[root];
                    self.alloc.fixed[root] = (node.cores as f64 + state.extra) * node.speed;
                    self.settle_ticap(t.server, now);
                }
            }
            Ev::Wlm { instance } => {
                let w = &self.wlm[instance as usize];
                manage::wlm_tick(
                    w,
                    &mut self.wlm_state[instance as usize],
                    self.model,
                    &mut self.alloc,
                    &self.package_nodes,
                    now,
                );
                let next = now + w.interval_ms;
                if next < self.horizon {
                    queue.schedule(next, event);
                }
            }
            Ev::Meter => {
                for (k, p) in self.pricing.iter().enumerate() {
                    let root = p.server.0 as usize;
                    let speed = self.model.nodes[root].speed;
                    if let Some(meter) = &mut self.ppu[k] {
                        let active = self.alloc.fixed[root] / speed;
                        let busy = self.ppu_served[k] / METER_MS as f64 / speed;
                        // The reading covers the 5 minutes just ended.
                        meter.sample(now - METER_MS, active, busy);
                    }
                    self.ppu_served[k] = 0.0;
                    if let Some(ledger) = &mut self.ticap[k] {
                        ledger.advance_to(now);
                    }
                }
                for ledger in self.group_ticap.iter_mut().flatten() {
                    ledger.advance_to(now);
                }
                if now + METER_MS <= self.horizon {
                    queue.schedule(now + METER_MS, Ev::Meter);
                }
            }
            Ev::Fail { outage } => self.fail(outage as usize, true, now, queue),
            Ev::Repair { outage } => self.fail(outage as usize, false, now, queue),
            Ev::Package {
                package,
                epoch,
                start,
            } => {
                if self.ha_run.packages[package as usize].epoch == epoch {
                    if start {
                        self.start_package(package as usize, now, queue);
                    } else {
                        self.place_package(package as usize, now, queue);
                    }
                }
            }
            Ev::Horizon => {}
        }
    }

    fn advance(&mut self, from: TimeMs, to: TimeMs) {
        self.integrate(from, to);
        self.meter_servers((to - from) as f64);
    }
}

impl Sim<'_> {
    /// Integrate `[from, to)`, over which demand rates and capacities are constant.
    ///
    /// Capacity is decided at the segment's start from the outstanding work (new demand plus
    /// backlog). Within the segment each workload's queue is solved exactly: with arrival
    /// rate d and service rate r it grows at d − r, or drains and empties at t* = b₀/(r − d),
    /// after which demand is served as it arrives. So splitting a segment where nothing
    /// changes leaves the delayed work, the backlog time and the SLA time unchanged.
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
            &mut self.n_busy_ms,
        ] {
            v.fill(0.0);
        }
        self.n_held.fill(Held::default());

        // 1. Outstanding work per leaf.
        for w in 0..self.w_demand.len() {
            let leaf = self.w_node[w] as usize;
            self.n_demand_rate[leaf] += self.w_demand[w];
            if self.w_running[w] {
                self.n_need[leaf] += self.w_demand[w] * dt + self.w_backlog[w];
                self.n_held[leaf] += self.w_held[w];
            }
        }
        // 2. Upward: what each child could use, capped at its maximum.
        for i in (1..nn).rev() {
            if let Some(p) = model.nodes[i].parent {
                let p = p.0 as usize;
                if !self.n_down[i] {
                    self.n_need[p] += self.n_need[i].min(self.alloc.max[i] * dt);
                }
                self.n_demand_rate[p] += self.n_demand_rate[i];
                let held = self.n_held[i];
                self.n_held[p] += held;
            }
        }
        // 3. Downward: reserved capacity to fixed children, the rest shared by weight.
        for i in 0..nn {
            if model.nodes[i].parent.is_none() {
                // Cores lost to failures that nothing replaced are lost to everything on it.
                let held = self.alloc.fixed[i] - self.n_lost_cores[i] * model.nodes[i].speed;
                self.n_grant[i] = if self.n_down[i] {
                    0.0
                } else {
                    held.max(0.0) * dt
                };
                self.n_offer[i] = self.n_grant[i];
            }
            let children = model.children(NodeId(i as u32));
            if children.is_empty() {
                continue;
            }
            // Reserved children can ask for more than the parent holds only transiently,
            // while a nested manager has not yet followed its parent's shrink: then they
            // are squeezed in proportion.
            let reserved: f64 = children
                .iter()
                .filter(|c| self.alloc.weight[c.0 as usize] <= 0.0)
                .map(|c| self.alloc.fixed[c.0 as usize] * dt)
                .sum();
            let squeeze = if reserved > self.n_grant[i] {
                self.n_grant[i] / reserved
            } else {
                1.0
            };
            let mut left = self.n_grant[i];
            let mut k = 0;
            for &c in children {
                let c = c.0 as usize;
                if self.n_down[c] {
                    // A failed partition serves nothing; a reservation stays with it.
                    self.n_grant[c] = 0.0;
                    self.n_offer[c] = 0.0;
                    if self.alloc.weight[c] <= 0.0 {
                        left -= self.alloc.fixed[c] * dt * squeeze;
                    }
                } else if self.alloc.weight[c] > 0.0 {
                    self.scratch_demand[k] = self.n_need[c].min(self.alloc.max[c] * dt);
                    self.scratch_weight[k] = self.alloc.weight[c];
                    k += 1;
                } else {
                    self.n_grant[c] = self.alloc.fixed[c] * dt * squeeze;
                    self.n_offer[c] = self.n_grant[c];
                    left -= self.n_grant[c];
                }
            }
            if k > 0 {
                let left = left.max(0.0);
                let level = weighted_fair_share(
                    left,
                    &self.scratch_demand[..k],
                    &self.scratch_weight[..k],
                    &mut self.scratch_grant[..k],
                );
                let spare = (left - self.scratch_grant[..k].iter().sum::<f64>()).max(0.0);
                let mut j = 0;
                for &c in children {
                    let c = c.0 as usize;
                    if self.alloc.weight[c] > 0.0 && !self.n_down[c] {
                        self.n_grant[c] = self.scratch_grant[j];
                        // What it could have had: its weighted share under contention, or
                        // its grant plus the spare when nobody was short.
                        let could = if level.is_finite() {
                            level * self.alloc.weight[c]
                        } else {
                            self.n_grant[c] + spare
                        };
                        self.n_offer[c] = could.min(self.alloc.max[c] * dt).max(self.n_grant[c]);
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

        // 4. Each leaf's grant is shared by its workloads in equal max-min shares (one
        //    scheduling entity each, like FSS groups of equal shares): a workload that needs
        //    less than an equal share leaves the rest to the others, and a deep backlog
        //    cannot crowd out a neighbour's current demand.
        let mut arrived = 0.0;
        let mut accounted = 0.0;
        for leaf in 0..nn {
            let members = &self.leaf_workloads
                [self.leaf_start[leaf] as usize..self.leaf_start[leaf + 1] as usize];
            if members.is_empty() {
                continue;
            }
            let k = members.len();
            for (j, &w) in members.iter().enumerate() {
                let w = w as usize;
                // A package's workload that is failing over asks for nothing.
                self.scratch_demand[j] = if self.w_running[w] {
                    self.w_demand[w] * dt + self.w_backlog[w]
                } else {
                    0.0
                };
            }
            let leaf_up = !self.n_down[leaf];
            let mut running_short = 0.0;
            let grant = self.n_grant[leaf];
            let level = weighted_fair_share(
                grant,
                &self.scratch_demand[..k],
                &self.ones[..k],
                &mut self.scratch_grant[..k],
            );
            let spare = if level.is_finite() {
                0.0
            } else {
                (grant - self.n_need[leaf]).max(0.0)
            };
            // With a queue at the start and company, shares change when a queue empties:
            // solve the segment in phases (shares over whole-segment amounts would credit a
            // neighbour with capacity that frees up only later; found by the SimPy peer).
            let phased = k > 1
                && members.iter().any(|&w| {
                    let w = w as usize;
                    self.w_running[w] && self.w_backlog[w] > 0.0 && !self.w_drop[w]
                });
            if phased {
                share_in_phases(
                    Leaf {
                        members,
                        running: &self.w_running,
                        drop: &self.w_drop,
                        demand: &self.w_demand,
                        backlog: &self.w_backlog,
                        ones: &self.ones,
                    },
                    grant / dt,
                    dt,
                    PhaseScratch {
                        wants: &mut self.scratch_demand,
                        rates: &mut self.scratch_grant,
                        out: &mut self.phase,
                        backlog: &mut self.phase_backlog,
                    },
                );
            }
            for (j, &w) in members.iter().enumerate() {
                let w = w as usize;
                let d = self.w_demand[w];
                let new_work = d * dt;
                let b0 = self.w_backlog[w];
                let need = new_work + b0;
                let served = if phased {
                    self.phase[0][j]
                } else {
                    self.scratch_grant[j].min(need)
                };
                let short = if phased {
                    self.phase[1][j] + self.phase[2][j]
                } else {
                    need - served
                };
                if self.w_running[w] {
                    running_short += short;
                    if leaf_up {
                        self.ha_run.up_ms[w] += dt;
                    } else {
                        self.ha_run.outage_work[w] += new_work;
                    }
                } else {
                    self.ha_run.outage_work[w] += new_work;
                }
                // The service rate it was offered [cores·ms per ms]: its equal share when the
                // leaf was contended, else everything the others left.
                let rate = if level.is_finite() {
                    level / dt
                } else {
                    (need + spare) / dt
                };
                let (dropped, backlog, delayed, busy_ms, met_ms) = if phased {
                    let p = &self.phase;
                    (p[1][j], p[2][j], p[3][j], p[4][j], dt - p[4][j] - p[5][j])
                } else if self.w_drop[w] {
                    // Rates are constant in the segment: short means short throughout.
                    let met = if short > 0.0 { 0.0 } else { dt };
                    (short, 0.0, 0.0, 0.0, met)
                } else if short > 0.0 {
                    // The queue never empties: all work served waited.
                    (0.0, short, served, dt, 0.0)
                } else if b0 > 0.0 {
                    // The queue empties at t*; work arriving before then waited too.
                    let t_empty = (b0 / (rate - d)).min(dt);
                    (0.0, 0.0, b0 + d * t_empty, t_empty, dt - t_empty)
                } else {
                    (0.0, 0.0, 0.0, 0.0, dt)
                };
                self.w_backlog[w] = backlog;
                arrived += new_work;
                accounted += served + dropped + backlog - b0;
                self.meters_w.record(
                    w,
                    dt_ms,
                    self.limits,
                    Segment {
                        demand: new_work,
                        served,
                        dropped,
                        delayed,
                        granted: 0.0,
                        backlog,
                        utilization: served / (dt * self.alloc.held(leaf)),
                        demand_rate: d,
                        held: self.w_held[w],
                        held_utilization: self.w_held[w].share_of(&self.n_capacity[leaf]),
                        demand_share: 0.0,
                        met_ms,
                        busy_ms,
                        short: short > 0.0,
                    },
                );
                self.n_served[leaf] += served;
                self.n_dropped[leaf] += dropped;
                self.n_delayed[leaf] += delayed;
                self.n_backlog[leaf] += backlog;
                self.n_short[leaf] += short;
                self.n_busy_ms[leaf] =
                    self.n_busy_ms[leaf].max(if short > 0.0 { dt } else { busy_ms });
                if self.timeseries.is_some() {
                    self.row_demand[w] += new_work;
                    self.row_served[w] += served;
                }
            }
            // Work conservation: a leaf with work left over used its whole grant.
            // (Solved in phases, a leaf may lose work while a queue drains and leave capacity
            // idle after: each phase is work-conserving, the segment need not be.)
            if !phased && running_short > 0.0 && self.n_served[leaf] < grant * (1.0 - 1e-9) - 1e-9 {
                let name = &model.nodes[leaf].name;
                let used = self.n_served[leaf];
                self.violation.get_or_insert_with(|| {
                    format!("`{name}` left work unserved but used {used} of {grant} core-ms at t = {from} ms")
                });
            }
        }
        // Conservation, every segment: demand = served + dropped + Δbacklog.
        if (arrived - accounted).abs() > CONSERVATION_TOLERANCE * arrived.max(1.0) {
            self.violation.get_or_insert_with(|| {
                format!("conservation of work broken at t = {from} ms: {arrived} core-ms arrived, {accounted} accounted for")
            });
        }

        // 5. Upward sums of what was served, then record every node. A node's demand is
        //    all served as it arrives only while every queue under it is empty.
        for i in (1..nn).rev() {
            if let Some(p) = model.nodes[i].parent {
                let p = p.0 as usize;
                self.n_served[p] += self.n_served[i];
                self.n_dropped[p] += self.n_dropped[i];
                self.n_delayed[p] += self.n_delayed[i];
                self.n_backlog[p] += self.n_backlog[i];
                self.n_short[p] += self.n_short[i];
                self.n_busy_ms[p] = self.n_busy_ms[p].max(self.n_busy_ms[i]);
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
            let short = self.n_short[i] > 0.0;
            self.meters_n.record(
                i,
                dt_ms,
                self.limits,
                Segment {
                    demand: self.n_demand_rate[i] * dt,
                    served,
                    dropped: self.n_dropped[i],
                    delayed: self.n_delayed[i],
                    granted: self.n_offer[i],
                    backlog: self.n_backlog[i],
                    utilization: served / (dt * self.alloc.held(i)),
                    demand_rate: self.n_demand_rate[i],
                    held: self.n_held[i],
                    held_utilization: self.n_held[i].share_of(&self.n_capacity[i]),
                    demand_share: share_of(self.n_demand_rate[i], node.nominal),
                    met_ms: if short { 0.0 } else { dt - self.n_busy_ms[i] },
                    busy_ms: self.n_busy_ms[i],
                    short,
                },
            );
            self.alloc.obs_served[i] += served;
            self.alloc.obs_granted[i] += self.n_offer[i];
            if self.timeseries.is_some() {
                self.row_demand[nw + i] += self.n_demand_rate[i] * dt;
                self.row_served[nw + i] += served;
                self.row_granted[nw + i] += self.n_offer[i];
                self.row_capacity[nw + i] += self.alloc.held(i) * dt;
            }
        }
    }

    /// An outage begins (`begins`) or ends. A node failure takes the node and everything
    /// under it down; a core failure takes an inactive iCAP core instead when the server has
    /// one (Dynamic Processor Resiliency), else the server runs a core short.
    fn fail(&mut self, o: usize, begins: bool, now: TimeMs, queue: &mut Queue<Ev>) {
        let spec = &self.ha.failures[self.ha_run.outages[o].0 as usize];
        let t = spec.target.0 as usize;
        match spec.kind {
            FailureKind::Node => {
                if begins {
                    self.n_failed[t] += 1;
                } else {
                    self.n_failed[t] -= 1;
                }
                self.refresh_down(now, queue);
            }
            FailureKind::Core if begins => {
                if self.n_spare_cores[t] > 0 {
                    self.n_spare_cores[t] -= 1;
                    self.ha_run.replaced[o] = true;
                } else {
                    self.n_lost_cores[t] += 1.0;
                }
            }
            // The repaired core returns as an inactive spare, or gives back the lost one.
            FailureKind::Core => {
                if self.ha_run.replaced[o] {
                    self.n_spare_cores[t] += 1;
                } else {
                    self.n_lost_cores[t] -= 1.0;
                }
            }
        }
    }

    /// Recompute which nodes are down, then react as Serviceguard does: packages on a node
    /// that went down fail over once the cluster has reformed; halted packages start where a
    /// node came back; under automatic failback a package returns to its primary.
    fn refresh_down(&mut self, now: TimeMs, queue: &mut Queue<Ev>) {
        for i in 0..self.model.nodes.len() {
            // Preorder: the parent's state is already known.
            let parent_down = self.model.nodes[i]
                .parent
                .is_some_and(|p| self.n_down[p.0 as usize]);
            self.n_down[i] = parent_down || self.n_failed[i] > 0;
        }
        for k in 0..self.ha.packages.len() {
            let p = &self.ha.packages[k];
            let state = &self.ha_run.packages[k];
            let node = state.node;
            match state.phase {
                Phase::Running | Phase::Starting if self.n_down[node.0 as usize] => {
                    self.stop_package(k);
                    self.ha_run.packages[k].phase = Phase::Reforming;
                    let at = now + self.ha.clusters[p.cluster].reformation_ms();
                    self.schedule_package(k, at, false, queue);
                }
                Phase::Halted => self.place_package(k, now, queue),
                Phase::Running
                    if p.failback == ha::Failback::Automatic
                        && node != p.nodes[0]
                        && !self.n_down[p.nodes[0].0 as usize] =>
                {
                    self.stop_package(k);
                    let state = &mut self.ha_run.packages[k];
                    state.phase = Phase::Starting;
                    state.node = p.nodes[0];
                    state.failbacks += 1;
                    state.returning = true;
                    self.schedule_package(k, now + p.start_ms, true, queue);
                }
                _ => {}
            }
        }
    }

    /// Halt a package's workloads and make its pending steps stale.
    fn stop_package(&mut self, k: usize) {
        self.package_nodes[k] = None;
        for &w in &self.ha.packages[k].workloads {
            self.w_running[w as usize] = false;
        }
        self.ha_run.packages[k].epoch += 1;
    }

    fn schedule_package(&mut self, k: usize, at: TimeMs, start: bool, queue: &mut Queue<Ev>) {
        // A step due after the horizon would change nothing reported.
        if at < self.horizon {
            queue.schedule(
                at,
                Ev::Package {
                    package: k as u32,
                    epoch: self.ha_run.packages[k].epoch,
                    start,
                },
            );
        }
    }

    /// Pick the adoptive node by the package's failover policy and start the package there,
    /// or halt it until a node of its list is up.
    fn place_package(&mut self, k: usize, now: TimeMs, queue: &mut Queue<Ev>) {
        let p = &self.ha.packages[k];
        let states = &self.ha_run.packages;
        let running = |n: NodeId| {
            states
                .iter()
                .filter(|s| s.node == n && matches!(s.phase, Phase::Running | Phase::Starting))
                .count() as u32
        };
        let target = ha::adoptive_node(
            p,
            |n| !self.n_down[n.0 as usize],
            running,
            |n| self.model.nodes[n.0 as usize].cores,
        );
        let state = &mut self.ha_run.packages[k];
        match target {
            Some(n) => {
                state.phase = Phase::Starting;
                state.node = n;
                self.schedule_package(k, now + p.start_ms, true, queue);
            }
            None => {
                if state.phase != Phase::Halted {
                    state.halts += 1;
                }
                state.phase = Phase::Halted;
            }
        }
    }

    /// The package's start-up is over: its workloads run on its node from now on.
    fn start_package(&mut self, k: usize, _now: TimeMs, _queue: &mut Queue<Ev>) {
        let state = &mut self.ha_run.packages[k];
        let node = state.node;
        // A failback was counted when it was decided.
        if state.last_node != node && !std::mem::take(&mut state.returning) {
            state.failovers += 1;
        }
        state.last_node = node;
        state.phase = Phase::Running;
        self.package_nodes[k] = Some(node);
        for &w in &self.ha.packages[k].workloads {
            self.w_node[w as usize] = node.0;
            self.w_running[w as usize] = true;
        }
        self.rebuild_leaves();
    }

    /// Workloads by the node they run in, after a package moved.
    fn rebuild_leaves(&mut self) {
        group_by_leaf(&self.w_node, &mut self.leaf_start, &mut self.leaf_workloads);
    }

    /// Active cores of server `k` (in pricing order) now.
    fn active_cores(&self, k: usize) -> f64 {
        let root = self.pricing[k].server.0 as usize;
        self.alloc.fixed[root] / self.model.nodes[root].speed
    }

    /// Usage rights and active cores of server `k`'s pool: its GiCAP group's members, or
    /// itself [cores].
    fn pool_rights_and_active(&self, k: usize) -> (f64, f64) {
        let one = [k];
        let pool: &[usize] = match self.pricing[k].group {
            Some(g) => &self.gicap[g].members,
            None => &one,
        };
        pool.iter().fold((0.0, 0.0), |(r, a), &m| {
            (r + self.pricing[m].rights as f64, a + self.active_cores(m))
        })
    }

    /// Usage rights of a domain's pool (its complex, or its GiCAP group) not covering an
    /// active core, not counting the domain's own `extra` temporary cores.
    fn spare_rights(&self, d: &Domain, extra: f64) -> f64 {
        let Some(t) = d.ticap else { return 0.0 };
        let (rights, active) = self.pool_rights_and_active(t.server);
        (rights - (active - extra)).max(0.0)
    }

    /// Tell the ledger of server `k`'s pool how many of its active cores run above its rights.
    fn settle_ticap(&mut self, k: usize, now: TimeMs) {
        let (rights, active) = self.pool_rights_and_active(k);
        let above = (active - rights).max(0.0).round() as u32;
        let ledger = match self.pricing[k].group {
            Some(g) => self.group_ticap[g].as_mut(),
            None => self.ticap[k].as_mut(),
        };
        if let Some(l) = ledger {
            l.set_temporary(now, above);
        }
    }

    /// Active cores and meter readings per server, after a segment was integrated.
    fn meter_servers(&mut self, dt: f64) {
        for (k, p) in self.pricing.iter().enumerate() {
            let root = p.server.0 as usize;
            self.active_core_ms[k] += self.alloc.fixed[root] / self.model.nodes[root].speed * dt;
            self.ppu_served[k] += self.n_served[root];
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
            let (allocation, backlog, capacity) = if e < nw {
                let leaf = self.w_node[e] as usize;
                (f64::NAN, self.w_backlog[e], self.row_capacity[nw + leaf])
            } else {
                let i = e - nw;
                (
                    self.row_granted[e] / span,
                    self.n_backlog[i],
                    self.row_capacity[e],
                )
            };
            ts.allocation.push(allocation);
            ts.backlog_core_hours.push(backlog / MS_PER_HOUR);
            ts.utilization.push(if capacity > 0.0 {
                self.row_served[e] / capacity
            } else {
                0.0
            });
        }
        self.row_demand.fill(0.0);
        self.row_served.fill(0.0);
        self.row_granted.fill(0.0);
        self.row_capacity.fill(0.0);
        self.row_start = now;
    }
}

/// Share a leaf's capacity `rate` [cores] among `members` over a segment of `dt` ms in
/// phases: within a phase every rate is constant; a queued `delay` workload takes all the
/// share it is offered (its want is unbounded), the others want their demand; equal max-min
/// shares. A phase ends when a queue empties. Results go to `s.out` by member.
fn share_in_phases(leaf: Leaf<'_>, rate: f64, dt: f64, s: PhaseScratch<'_>) {
    let members = leaf.members;
    let k = members.len();
    for p in s.out.iter_mut() {
        p[..k].fill(0.0);
    }
    for (j, &w) in members.iter().enumerate() {
        s.backlog[j] = leaf.backlog[w as usize];
    }
    let mut t = 0.0;
    // At most one phase per queue that empties, plus the last.
    for _ in 0..=k {
        if t >= dt {
            break;
        }
        for (j, &w) in members.iter().enumerate() {
            let w = w as usize;
            s.wants[j] = if !leaf.running[w] {
                0.0
            } else if !leaf.drop[w] && s.backlog[j] > 0.0 {
                rate
            } else {
                leaf.demand[w]
            };
        }
        weighted_fair_share(rate, &s.wants[..k], &leaf.ones[..k], &mut s.rates[..k]);
        // The phase lasts until the first queue that drains empties.
        let mut tau = dt - t;
        for (j, &w) in members.iter().enumerate() {
            let (r, d, b) = (s.rates[j], leaf.demand[w as usize], s.backlog[j]);
            if b > 0.0 && r > d {
                tau = tau.min(b / (r - d));
            }
        }
        for (j, &w) in members.iter().enumerate() {
            let w = w as usize;
            let (r, d, b) = (s.rates[j], leaf.demand[w], s.backlog[j]);
            s.out[0][j] += r * tau;
            if leaf.drop[w] {
                let lost = (d - r).max(0.0) * tau;
                s.out[1][j] += lost;
                if lost > 0.0 {
                    s.out[5][j] += tau;
                }
            } else {
                let after = b + (d - r) * tau;
                // A queue that drains in this phase empties exactly at its end.
                let after = if b > 0.0 && r > d && after <= b * 1e-12 {
                    0.0
                } else {
                    after.max(0.0)
                };
                if b > 0.0 || after > 0.0 {
                    s.out[3][j] += r * tau;
                    s.out[4][j] += tau;
                }
                s.backlog[j] = after;
            }
        }
        t += tau;
        if tau <= 0.0 {
            break;
        }
    }
    for (j, &w) in members.iter().enumerate() {
        if !leaf.drop[w as usize] {
            s.out[2][j] = s.backlog[j];
        }
    }
}

/// What [`share_in_phases`] reads of a leaf.
struct Leaf<'a> {
    members: &'a [u32],
    running: &'a [bool],
    drop: &'a [bool],
    demand: &'a [f64],
    backlog: &'a [f64],
    ones: &'a [f64],
}

/// Where [`share_in_phases`] works and writes.
struct PhaseScratch<'a> {
    wants: &'a mut [f64],
    rates: &'a mut [f64],
    out: &'a mut [Vec<f64>; 6],
    backlog: &'a mut [f64],
}

/// Workloads grouped by the node they run in, in workload order:
/// `workloads[start[n]..start[n + 1]]` run in node n (`start` has one more slot than nodes).
fn group_by_leaf(w_node: &[u32], start: &mut [u32], workloads: &mut [u32]) {
    start.fill(0);
    for &n in w_node {
        start[n as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.to_vec();
    for (w, &n) in w_node.iter().enumerate() {
        let slot = &mut fill[n as usize];
        workloads[*slot as usize] = w as u32;
        *slot += 1;
    }
}
