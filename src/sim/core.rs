//! The run loop: events in, lazy integration of pools, records out.
//!
//! Nothing is integrated because time passed. A pool (see [`super::fluid`]) is brought up to
//! an instant only when one of its inputs is about to change there (a demand sample, its
//! grant, its members) or when something reads it (a manager's observation, a report
//! interval, a meter reading, a time-series row). A manager's tick therefore costs what its
//! domain holds, and a part of the datacenter where nothing happens costs nothing between its
//! own samples. Between the instants a simple pool's inputs change or one of its queues
//! empties, every workload's rate is constant: integrating it then updates the partition's
//! books only, and the workloads' books catch up in one step (`settle`) when their inputs
//! change or a reader needs them.
//!
//! Piecewise-constant quantities (demand rates, held memory and I/O, static grants and
//! capacities) are accounted when they change and when a reader closes a period, not per
//! span.
//!
//! A workload alone in its partition, the usual layout of a consolidation study, has its own
//! straight-line path for what it does most, a new sample ([`Sim::sample_solo`]): the same
//! floating-point terms in the same order as the generic steps, from records fetched once.

use super::demand::{Stream, build_streams};
use super::fluid::{self, Feed, Member, NONE, Pool, PoolView, Tree};
use super::manage::{self, Allocations, CompartmentMeter, DomainState, WlmState};
use super::metrics::{DEMAND_RANGE, Held, Limits, Meters, Recording, share_of, utilization};
use super::rest::{self, Index, Rest};
use super::{Ev, Outcome, Timeseries};
use crate::Error;
use crate::engine::{self, Handler, Queue, RunStats, TimeMs};
use crate::ha::failover::{Failover, Step};
use crate::licensing::PPU_SAMPLE_MS;
use crate::licensing::settle::Settlement;
use crate::model::share::weighted_fair_share;
use crate::model::{Model, OnShortfall, Share};
use crate::world::Scenario;

/// Relative tolerance of the conservation check (floating-point sums over a span).
const CONSERVATION_TOLERANCE: f64 = 1e-9;

const MS_PER_HOUR: f64 = 3_600_000.0;

/// Domains ticking together: the same interval and latency, in scenario order.
struct DomainGroup {
    interval_ms: u64,
    latency_ms: u64,
    domains: Vec<usize>,
}

/// Per-workload working state and books.
struct Workloads {
    /// Demand rate [reference cores] and held resources: what the streams set.
    demand: Vec<f64>,
    held: Vec<Held>,
    /// Everything else a span touches, together (one workload's books are a few cache lines,
    /// not one line in each of twenty arrays).
    acc: Vec<Acc>,
    /// Σ held ÷ the partition's capacity × duration in the interval [ms].
    iv_held: HeldIv,
    row: Rows,
    /// Distributions and held-resource records; the dense work figures are copied from `acc`
    /// at the end.
    rec: Meters,
}

/// Σ held ÷ capacity × duration per entity in the open interval [ms], and whether anything
/// was added to it: most scenarios hold no memory or I/O, and their intervals then close
/// without a look at each entity.
struct HeldIv {
    sum: Vec<Held>,
    any: bool,
}

impl HeldIv {
    fn new(n: usize) -> HeldIv {
        HeldIv {
            sum: vec![Held::default(); n],
            any: false,
        }
    }

    #[inline]
    fn add(&mut self, i: usize, x: Held) {
        self.sum[i] += x;
        self.any = true;
    }

    fn clear(&mut self) {
        if std::mem::take(&mut self.any) {
            self.sum.fill(Held::default());
        }
    }
}

/// One workload's working state and books [core-ms, ms].
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    /// Service rate while its pool is linear [reference cores].
    rate: f64,
    backlog: f64,
    /// When demand and held were last accounted.
    since: TimeMs,
    drop: bool,
    iv_served: f64,
    /// Σ partition capacity × duration in the interval: the utilization's denominator.
    iv_capacity: f64,
    /// The backlog run in progress [ms].
    run_ms: f64,
    up_ms: f64,
    outage_work: f64,
    demand_cms: f64,
    served_cms: f64,
    dropped_cms: f64,
    delayed_cms: f64,
    met_ms: f64,
    /// Σ served ÷ capacity: the exact time-weighted utilization [ms].
    cpu_sum: f64,
    peak_demand: f64,
    longest_ms: f64,
}

/// Per-node working state and books.
struct Nodes {
    /// Static nodes' grant [reference cores]; scratch squeeze factors.
    grant: Vec<f64>,
    squeeze: Vec<f64>,
    /// What every span of the node reads and adds to, together (see [`NodeState`]).
    state: Vec<NodeState>,
    iv_held: HeldIv,
    /// Unmet stretches `[from, to)` in the open interval (pool roots and dynamic nodes).
    unmet: Vec<Vec<(f64, f64)>>,
    /// A backlog run still open at the last interval boundary [ms].
    run_open: Vec<f64>,
    /// Memory, disk and network capacity.
    held_capacity: Vec<Held>,
    row: Rows,
    rec: Meters,
}

/// One node's piecewise-constant quantities and what they add up to in the open interval:
/// read and written together by every flush, so kept together.
#[derive(Clone, Copy, Default)]
struct NodeState {
    /// When the piecewise-constant quantities were last accounted.
    since: TimeMs,
    /// When the grant was last accounted into what a manager observes.
    obs_since: TimeMs,
    /// The capacity in force (what the node holds: its utilization's denominator).
    capacity: f64,
    /// Time-aligned demand rate of the workloads beneath; held resources of those running.
    demand: f64,
    held: Held,
    /// Σ capacity × duration and Σ demand × duration in the interval [core-ms].
    iv_capacity: f64,
    iv_demand: f64,
    /// Served, dropped, delayed by the pool root or dynamic node itself [core-ms]: a static
    /// node's figures are the sums over the pools beneath (`Sim::total`); served in the open
    /// interval, and in it before the capacity last changed (for the exact mean).
    own_served: f64,
    own_dropped: f64,
    own_delayed: f64,
    own_iv: f64,
    iv_mark: f64,
    /// The books a flush adds to, copied into the records at the end: Σ grant × duration,
    /// Σ demand × duration [core-ms], the highest demand rate.
    granted_cms: f64,
    demand_cms: f64,
    peak_demand: f64,
}

/// Accumulators of the open time-series row (empty without a time series).
#[derive(Default)]
struct Rows {
    demand: Vec<f64>,
    served: Vec<f64>,
    granted: Vec<f64>,
    capacity: Vec<f64>,
}

impl Rows {
    fn new(n: usize, on: bool) -> Rows {
        let n = if on { n } else { 0 };
        Rows {
            demand: vec![0.0; n],
            served: vec![0.0; n],
            granted: vec![0.0; n],
            capacity: vec![0.0; n],
        }
    }

    fn clear(&mut self) {
        for v in [
            &mut self.demand,
            &mut self.served,
            &mut self.granted,
            &mut self.capacity,
        ] {
            v.fill(0.0);
        }
    }
}

/// Per-pool lazy state. A simple pool is *linear* between the instants its inputs change
/// and the instants a draining queue empties: every workload's rate is constant, so a span
/// that ends before `until` is booked at the partition only, and the workloads' books catch
/// up in one step ([`Sim::settle`]).
/// One pool's working state: read and written together by every span, so kept together
/// (one record, one bounds check, one cache line).
#[derive(Clone, Copy)]
struct PoolState {
    /// Integrated up to.
    at: TimeMs,
    /// Its workloads' rates (`Workloads::rate`) hold until `until`.
    linear: bool,
    /// When the first draining queue empties [ms, fractional], or infinity.
    until: f64,
    /// The partition's rates while linear: served, dropped, served out of a queue
    /// [reference cores]; and whether some workload is not served as it arrives.
    served_rate: f64,
    dropped_rate: f64,
    delayed_rate: f64,
    unmet: bool,
    /// Time since the books of the partition and its workloads were last brought up to
    /// date [ms]; its capacity has not changed meanwhile (a change settles first).
    lin_ms: f64,
}

impl Default for PoolState {
    fn default() -> Self {
        PoolState {
            at: 0,
            linear: false,
            until: f64::INFINITY,
            served_rate: 0.0,
            dropped_rate: 0.0,
            delayed_rate: 0.0,
            unmet: false,
            lin_ms: 0.0,
        }
    }
}

pub(super) struct Sim<'a> {
    model: &'a Model,
    scenario: &'a Scenario,
    limits: Limits,
    horizon: TimeMs,
    interval_ms: u64,
    interval_start: TimeMs,
    row_step: u64,
    row_start: TimeMs,
    timeseries: Option<Timeseries>,
    streams: Vec<Stream>,
    w: Workloads,
    n: Nodes,
    p: Vec<PoolState>,
    tree: Tree,
    alloc: Allocations,
    /// `leaf_workloads[leaf_start[n]..leaf_start[n + 1]]`: the workloads running in node n.
    leaf_start: Vec<u32>,
    leaf_workloads: Vec<u32>,
    members: Vec<Member>,
    outs: Vec<fluid::Outcome>,
    spans: Vec<fluid::NodeSpan>,
    slots: Vec<std::ops::Range<usize>>,
    scratch: fluid::Scratch,
    pool_scratch: fluid::PoolScratch,
    union: Vec<(f64, f64)>,
    /// An interval's means, gathered entity by entity before they are recorded: nodes' CPU
    /// and demand, workloads' CPU.
    means: [Vec<f64>; 3],
    dirty: Vec<bool>,
    /// Scratch: the members a decision moves; the pools a sample touches.
    moving: Vec<u32>,
    /// Per member of a domain: served and granted over its next window (`rest_ahead`).
    ahead: Vec<(f64, f64)>,
    touched: Vec<u32>,
    /// Scratch: a stream's next sample, by member.
    next_demand: Vec<f64>,
    next_held: Vec<Held>,
    groups: Vec<DomainGroup>,
    dom_state: Vec<DomainState>,
    /// Per domain: its last tick decided a change not yet applied.
    due: Vec<bool>,
    /// Resting domains (see [`super::rest`]): which may rest, which rest now, which wake
    /// when a pool's rates or a node's allocation change, and since when those held.
    rest: Vec<Rest>,
    restable: Vec<bool>,
    pool_domains: Index,
    node_domains: Index,
    /// Per node: the domain it is a member of and its place among the members (`NONE` for
    /// neither), so that applying a decision finds a child's pending cores without a search.
    member_slot: Vec<(u32, u32)>,
    wlm_state: Vec<WlmState>,
    settlement: Settlement<'a>,
    failover: Failover<'a>,
    steps: Vec<Step>,
    violation: Option<String>,
    integrations: u64,
}

impl<'a> Sim<'a> {
    pub(super) fn new(
        scenario: &'a Scenario,
        recording: Recording,
        outages: Vec<(u32, crate::ha::Outage)>,
    ) -> Result<Sim<'a>, Error> {
        let model = &scenario.model;
        let nw = model.workloads.len();
        let nn = model.nodes.len();
        let streams = build_streams(&scenario.demand).map_err(Error::Internal)?;
        let (mut fixed, mut max, mut weight) = (vec![0.0; nn], vec![0.0; nn], vec![0.0; nn]);
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
            obs_served: vec![0.0; nn],
            obs_granted: vec![0.0; nn],
            meters: vec![CompartmentMeter::default(); nn],
        };
        for d in &scenario.domains {
            manage::deploy(d, model, &mut alloc);
        }
        for w in &scenario.wlm {
            manage::wlm_deploy(w, &mut alloc);
        }
        let mut compartment = vec![false; nn];
        for m in scenario
            .domains
            .iter()
            .flat_map(|d| &d.members)
            .chain(scenario.wlm.iter().flat_map(|w| &w.members))
        {
            compartment[m.0 as usize] = true;
        }
        let mut server_pricing = vec![NONE; nn];
        for (k, p) in scenario.pricing.iter().enumerate() {
            server_pricing[p.server.0 as usize] = k as u32;
        }
        let tree = Tree::new(model, &alloc.weight, compartment, &server_pricing);

        let mut spare_cores = vec![0u32; nn];
        for p in &scenario.pricing {
            let root = p.server.0 as usize;
            spare_cores[root] = p.installed.saturating_sub(model.nodes[root].cores);
        }
        let failover = Failover::new(
            &scenario.ha,
            model,
            scenario.horizon_ms,
            outages,
            spare_cores,
        );
        let active = scenario
            .pricing
            .iter()
            .map(|p| {
                let root = p.server.0 as usize;
                alloc.fixed[root] / model.nodes[root].speed
            })
            .collect();
        let settlement = Settlement::new(&scenario.pricing, &scenario.gicap, active);

        let report = &scenario.report;
        let held_capacity: Vec<Held> = model
            .nodes
            .iter()
            .map(|n| Held {
                memory_gb: n.memory_gb,
                disk_mbps: n.disk_mbps,
                network_mbps: n.network_mbps,
            })
            .collect();
        let any_disk = held_capacity.iter().any(|c| c.disk_mbps > 0.0);
        let any_network = held_capacity.iter().any(|c| c.network_mbps > 0.0);
        let ts = report.timeseries && recording == Recording::Full;
        let full = recording == Recording::Full;
        // Packages bring workloads to other leaves: a pool may then hold any of them.
        let mut most = 0;
        let mut count = vec![0usize; nn];
        for w in &model.workloads {
            count[w.node.0 as usize] += 1;
        }
        for p in 0..tree.pools.len() {
            let total: usize = tree.nodes_of(p).iter().map(|&n| count[n as usize]).sum();
            most = most.max(total);
        }
        if !scenario.ha.packages.is_empty() {
            most = nw;
        }
        let most = most.max(1);
        let capacity: Vec<f64> = (0..nn).map(|i| alloc.held(i)).collect();

        let mut groups: Vec<DomainGroup> = Vec::new();
        for (i, d) in scenario.domains.iter().enumerate() {
            match groups
                .iter_mut()
                .find(|g| g.interval_ms == d.interval_ms && g.latency_ms == d.latency_ms)
            {
                Some(g) => g.domains.push(i),
                None => groups.push(DomainGroup {
                    interval_ms: d.interval_ms,
                    latency_ms: d.latency_ms,
                    domains: vec![i],
                }),
            }
        }

        let npools = tree.pools.len();
        let mut sim = Sim {
            model,
            scenario,
            limits: Limits {
                cpu: report.util_limit,
                memory: report.memory_limit,
                disk: report.disk_limit,
                network: report.network_limit,
            },
            horizon: scenario.horizon_ms,
            interval_ms: report.interval_ms,
            interval_start: 0,
            row_step: report.step_ms,
            row_start: 0,
            timeseries: ts.then(Timeseries::default),
            streams,
            w: Workloads {
                demand: vec![0.0; nw],
                held: vec![Held::default(); nw],
                acc: model
                    .workloads
                    .iter()
                    .map(|w| Acc {
                        drop: w.on_shortfall == OnShortfall::Drop,
                        ..Acc::default()
                    })
                    .collect(),
                iv_held: HeldIv::new(nw),
                row: Rows::new(nw, ts),
                rec: Meters::new(nw, full, any_disk, any_network, false),
            },
            n: Nodes {
                grant: vec![0.0; nn],
                squeeze: vec![1.0; nn],
                state: capacity
                    .iter()
                    .map(|&capacity| NodeState {
                        capacity,
                        ..NodeState::default()
                    })
                    .collect(),
                iv_held: HeldIv::new(nn),
                unmet: vec![Vec::new(); nn],
                run_open: vec![0.0; nn],
                held_capacity,
                row: Rows::new(nn, ts),
                rec: Meters::new(nn, true, any_disk, any_network, true),
            },
            p: vec![PoolState::default(); npools],
            tree,
            alloc,
            leaf_start: vec![0; nn + 1],
            leaf_workloads: vec![0; nw],
            members: Vec::with_capacity(most),
            outs: vec![fluid::Outcome::default(); most],
            spans: Vec::new(),
            slots: Vec::new(),
            scratch: fluid::Scratch::new(most),
            pool_scratch: fluid::PoolScratch::default(),
            union: Vec::new(),
            means: [vec![0.0; nn], vec![0.0; nn], vec![0.0; nw]],
            dirty: vec![false; nn],
            moving: Vec::new(),
            ahead: Vec::new(),
            touched: Vec::new(),
            next_demand: Vec::new(),
            next_held: Vec::new(),
            dom_state: scenario
                .domains
                .iter()
                .map(|d| DomainState::new(d, model))
                .collect(),
            due: vec![false; scenario.domains.len()],
            rest: scenario
                .domains
                .iter()
                .map(|d| Rest::new(d.members.len()))
                .collect(),
            restable: vec![false; scenario.domains.len()],
            pool_domains: Index::default(),
            node_domains: Index::default(),
            member_slot: vec![(NONE, NONE); nn],
            groups,
            wlm_state: scenario.wlm.iter().map(WlmState::new).collect(),
            settlement,
            failover,
            steps: Vec::new(),
            violation: None,
            integrations: 0,
        };
        sim.index_rests();
        sim.rebuild_leaves();
        sim.static_grants(0..nn);
        sim.refresh_rates_all();
        for p in 0..npools {
            sim.establish(p);
        }
        Ok(sim)
    }

    /// Which domains may rest, and what wakes them: a rest needs every pool of its members
    /// simple (its rates fixed by its inputs) and their grants static.
    fn index_rests(&mut self) {
        let (mut pools, mut nodes) = (Vec::new(), Vec::new());
        for (d, domain) in self.scenario.domains.iter().enumerate() {
            for (j, m) in domain.members.iter().enumerate() {
                self.member_slot[m.0 as usize] = (d as u32, j as u32);
            }
            let ok = self.dom_state[d].may_rest(domain)
                && domain.members.iter().all(|m| {
                    let m = m.0 as usize;
                    self.tree.feed[m] == Feed::Static
                        && self.tree.region(m).all(|p| self.tree.pools[p].simple)
                });
            self.restable[d] = ok;
            if !ok {
                continue;
            }
            nodes.push((domain.node.0 as usize, d as u32));
            for m in &domain.members {
                let m = m.0 as usize;
                nodes.push((m, d as u32));
                pools.extend(self.tree.region(m).map(|p| (p, d as u32)));
            }
        }
        self.pool_domains = Index::new(self.tree.pools.len(), pools);
        // Every pool starts unsteady (not yet established); `establish` counts them off.
        for p in 0..self.tree.pools.len() {
            for &d in self.pool_domains.of(p) {
                self.rest[d as usize].unsteady += 1;
            }
        }
        self.node_domains = Index::new(self.model.nodes.len(), nodes);
    }

    /// Whether domain `d`'s members' pools ran at constant rates, with no queue to empty, and
    /// their grants held, from `from` on ([`Rest::steady`], kept as things change).
    fn steady(&self, d: usize, from: TimeMs) -> bool {
        self.rest[d].steady(from)
    }

    /// Domain `d` stops resting at `now`, before anything it depends on changes: its skipped
    /// ticks are booked, its members brought up to now at their resting rates, and their
    /// observation windows restarted at its last tick.
    ///
    /// Most calls find the domain awake: that test is inline, the waking out of line.
    #[inline]
    fn wake(&mut self, d: usize, now: TimeMs) {
        if self.rest[d].on {
            self.wake_up(d, now);
        }
    }

    #[inline(never)]
    fn wake_up(&mut self, d: usize, now: TimeMs) {
        let interval = self.scenario.domains[d].interval_ms;
        let rest = &mut self.rest[d];
        rest.on = false;
        let mut ticks = std::mem::take(&mut rest.ticks);
        let state = &mut self.dom_state[d];
        let mut from = state.last_tick();
        // The tick due at this very instant has not run yet (whatever woke the domain came
        // first) and observes the rest alone: it is booked now and skipped when it comes.
        if from + interval == now && now < self.horizon {
            ticks += 1;
            rest.skip_at = now;
            from = now;
            state.set_last_tick(now);
        }
        state.account(&mut self.alloc, ticks, interval);
        let dt = (now - from) as f64;
        for j in 0..self.scenario.domains[d].members.len() {
            let m = self.scenario.domains[d].members[j].0 as usize;
            self.integrate_region(self.tree.region(m), now);
            let (served, granted) = self.rest[d].rates[j];
            self.alloc.obs_served[m] = served * dt;
            self.alloc.obs_granted[m] = granted * dt;
            self.n.state[m].obs_since = now;
        }
    }

    /// Domain `d` applied a decision at `now`: when its members' pools now run at constant
    /// rates and the tick one interval on would observe requests equal to this tick's, that
    /// tick would only confirm the decision, so the domain rests from now, as it would after
    /// that tick. Its window is predicted from the rates set now, in one piece, as a rest
    /// books it (`wake`).
    fn rest_ahead(&mut self, d: usize, now: TimeMs) {
        if !self.restable[d] || !self.steady(d, now) {
            return;
        }
        let domain = &self.scenario.domains[d];
        let span = domain.interval_ms;
        let dt = span as f64;
        self.ahead.clear();
        for m in &domain.members {
            let m = m.0 as usize;
            let mut served = 0.0;
            for p in self.tree.region(m) {
                served += self.p[p].served_rate * dt;
            }
            self.ahead.push((served, self.n.grant[m] * dt));
        }
        let state = &mut self.dom_state[d];
        if !state.repeats_after_apply(domain, self.model, &self.alloc, &self.ahead, span) {
            return;
        }
        self.begin_rest(d);
    }

    /// Domain `d` rests from its last tick's observations on.
    fn begin_rest(&mut self, d: usize) {
        let rest = &mut self.rest[d];
        rest.on = true;
        rest.ticks = 0;
        for j in 0..rest.rates.len() {
            rest.rates[j] = self.dom_state[d].observed_rates(j);
        }
    }

    fn wake_all(&mut self, now: TimeMs) {
        for d in 0..self.rest.len() {
            self.wake(d, now);
        }
    }

    /// Run to the horizon, reporting progress as the clock moves.
    pub(super) fn run(mut self, progress: &mut dyn FnMut(TimeMs)) -> Result<Outcome, Error> {
        let mut queue = Queue::with_capacity(self.streams.len() + self.groups.len() + 8);
        if self.settlement.metered() && PPU_SAMPLE_MS <= self.horizon {
            queue.schedule(PPU_SAMPLE_MS, Ev::Meter);
        }
        for s in 0..self.streams.len() {
            queue.schedule(0, Ev::Sample { stream: s as u32 });
        }
        for (o, (_, outage)) in self.failover.outages.iter().enumerate() {
            queue.schedule(outage.start_ms, Ev::Fail { outage: o as u32 });
            if outage.end_ms < self.horizon {
                queue.schedule(outage.end_ms, Ev::Repair { outage: o as u32 });
            }
        }
        super::moves::schedule(&self.scenario.mobility, self.horizon, &mut queue);
        if self.timeseries.is_some() {
            queue.schedule(self.row_step.min(self.horizon), Ev::Report);
        }
        queue.schedule(self.interval_ms.min(self.horizon), Ev::Interval);
        for (g, group) in self.groups.iter().enumerate() {
            if group.interval_ms < self.horizon {
                queue.schedule(group.interval_ms, Ev::Policy { group: g as u32 });
            }
        }
        for (i, w) in self.scenario.wlm.iter().enumerate() {
            if w.interval_ms < self.horizon {
                queue.schedule(w.interval_ms, Ev::Wlm { instance: i as u32 });
            }
        }
        queue.schedule(self.horizon, Ev::Horizon);

        let mut stats = RunStats::default();
        const SLICES: u64 = 200;
        for slice in 1..=SLICES {
            let until = if slice == SLICES {
                self.horizon
            } else {
                self.horizon / SLICES * slice
            };
            let s = engine::run(&mut queue, &mut self, until);
            stats.events += s.events;
            stats.segments += s.segments;
            if let Some(v) = self.violation.take() {
                return Err(Error::Internal(v));
            }
            progress(until);
        }
        Ok(self.finish(stats))
    }

    /// Workloads by the node they run in, in workload order.
    fn rebuild_leaves(&mut self) {
        let start = &mut self.leaf_start;
        start.fill(0);
        for &n in &self.failover.leaf {
            start[n as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        for (w, &n) in self.failover.leaf.iter().enumerate() {
            let slot = &mut fill[n as usize];
            self.leaf_workloads[*slot as usize] = w as u32;
            *slot += 1;
        }
    }

    fn members_of(&self, leaf: usize) -> std::ops::Range<usize> {
        self.leaf_start[leaf] as usize..self.leaf_start[leaf + 1] as usize
    }

    /// Recompute the static grants of the static nodes in a preorder range.
    fn static_grants(&mut self, nodes: std::ops::Range<usize>) {
        fluid::static_grants(
            self.model,
            &self.tree,
            nodes,
            &self.alloc.fixed,
            &self.alloc.weight,
            &self.failover.lost_cores,
            &self.failover.down,
            &mut self.n.grant,
            &mut self.n.squeeze,
        );
    }

    // -----------------------------------------------------------------------------------------
    // Piecewise-constant accounting
    // -----------------------------------------------------------------------------------------

    /// Account node `i`'s grant, capacity, demand and held resources up to `now`.
    /// Most calls find it accounted up to now already: that test is inline, the books out
    /// of line.
    #[inline(always)]
    fn flush_node(&mut self, i: usize, now: TimeMs) {
        self.observe_grant(i, now);
        let since = self.n.state[i].since;
        if now > since {
            self.flush_node_span(i, since, now);
        }
    }

    #[inline(never)]
    fn flush_node_span(&mut self, i: usize, since: TimeMs, now: TimeMs) {
        self.node_books(i, since, now);
    }

    /// Node `i`'s books from `since` to `now` (see [`Sim::flush_node`]), inline where a caller
    /// already knows they are due (`sample_solo`).
    #[inline(always)]
    fn node_books(&mut self, i: usize, since: TimeMs, now: TimeMs) {
        let dt = (now - since) as f64;
        let n = &mut self.n;
        if self.tree.feed[i] == Feed::Static {
            let g = n.grant[i] * dt;
            n.state[i].granted_cms += g;
            if !n.row.granted.is_empty() {
                n.row.granted[i] += g;
            }
        }
        let cap = n.state[i].capacity * dt;
        n.state[i].iv_capacity += cap;
        let d = n.state[i].demand;
        let state = &mut n.state[i];
        state.demand_cms += d * dt;
        state.iv_demand += d * dt;
        if d > state.peak_demand {
            state.peak_demand = d;
        }
        let h = n.state[i].held;
        // Most scenarios hold no memory or I/O: nothing to add then.
        if h != Held::default() {
            n.rec.held_ms[i] += h * dt;
            n.iv_held.add(i, h.share_of(&n.held_capacity[i]) * dt);
            n.rec.peak_held[i] = n.rec.peak_held[i].max(&h);
        }
        if !n.row.demand.is_empty() {
            n.row.demand[i] += d * dt;
            n.row.capacity[i] += cap;
        }
        n.state[i].since = now;
    }

    /// Account workload `w`'s demand and held resources up to `now`.
    #[inline]
    fn flush_workload(&mut self, w: usize, now: TimeMs) {
        if now > self.w.acc[w].since {
            self.flush_workload_span(w, now);
        }
    }

    #[inline(never)]
    fn flush_workload_span(&mut self, w: usize, now: TimeMs) {
        self.workload_books(w, now);
    }

    /// Workload `w`'s books up to `now` (see [`Sim::flush_workload`]), inline where a caller
    /// already knows they are due (`sample_solo`).
    #[inline(always)]
    fn workload_books(&mut self, w: usize, now: TimeMs) {
        let a = &mut self.w.acc[w];
        let since = a.since;
        a.since = now;
        let dt = (now - since) as f64;
        let d = self.w.demand[w];
        a.demand_cms += d * dt;
        if d > a.peak_demand {
            a.peak_demand = d;
        }
        let ws = &mut self.w;
        let h = ws.held[w];
        if h != Held::default() {
            ws.rec.held_ms[w] += h * dt;
            let leaf = self.failover.leaf[w] as usize;
            ws.iv_held
                .add(w, h.share_of(&self.n.held_capacity[leaf]) * dt);
            ws.rec.peak_held[w] = ws.rec.peak_held[w].max(&h);
        }
        if !ws.row.demand.is_empty() {
            ws.row.demand[w] += d * dt;
        }
    }

    /// What node `i` served in the open interval: its own when it is part of a pool, else
    /// the sum over the pools beneath.
    #[inline(always)]
    fn total(&self, i: usize, own: impl Fn(usize) -> f64) -> f64 {
        // A static leaf is its pool's root, alone in its region.
        if self.tree.feed[i] != Feed::Static || !self.tree.inner[i] {
            return own(i);
        }
        self.tree.roots_of(i).iter().map(|&r| own(r as usize)).sum()
    }

    /// Node `i`'s capacity changes now: the exact time-weighted utilization takes what it
    /// served at the old one. The pools beneath must be integrated to now.
    fn capacity_changes(&mut self, i: usize, now: TimeMs, new: f64) {
        if new == self.n.state[i].capacity {
            return;
        }
        self.flush_node(i, now);
        let served = self.total(i, |r| self.n.state[r].own_iv);
        let state = &mut self.n.state[i];
        self.n.rec.cpu.sum_ms[i] += share_of(served - state.iv_mark, state.capacity);
        state.iv_mark = served;
        state.capacity = new;
    }

    // -----------------------------------------------------------------------------------------
    // Demand and membership
    // -----------------------------------------------------------------------------------------

    /// New demand for every workload of one stream at `now`.
    fn sample(&mut self, stream: u32, now: TimeMs, queue: &mut Queue<Ev>) {
        let s = stream as usize;
        self.touched.clear();
        let st = &mut self.streams[s];
        st.sample(now / st.step_ms, &mut self.next_demand, &mut self.next_held);
        // A workload whose sample repeats the last changes nothing: its books and its pool's
        // rates run on untouched.
        for j in 0..self.streams[s].len() {
            let w = self.streams[s].workload(j);
            let (d, h) = (self.next_demand[j], self.next_held[j]);
            if d == self.w.demand[w] && h == self.w.held[w] {
                continue;
            }
            let leaf = self.failover.leaf[w] as usize;
            let p = self.tree.pool_of[leaf] as usize;
            // One workload in its partition (two loads, cheap to rule out for the others).
            let solo = self.leaf_start[leaf + 1] - self.leaf_start[leaf] == 1;
            if solo && self.sample_solo(w, leaf, p, d, h, now) {
                // Its parent's sums in the scan below. Its rates at once, while its records
                // are at hand: they read nothing the scan changes (its demand, its grant).
                let parent = self.tree.parent[leaf];
                if parent != NONE {
                    self.dirty[parent as usize] = true;
                }
                self.establish(p);
                continue;
            }
            self.integrate(p, now);
            self.settle(p);
            self.flush_workload(w, now);
            self.w.demand[w] = d;
            self.w.held[w] = h;
            if !self.dirty[leaf] {
                self.dirty[leaf] = true;
                self.touched.push(p as u32);
            }
        }
        let st = &self.streams[s];
        let next = now + st.step_ms;
        if next < self.horizon {
            queue.schedule(next, Ev::Sample { stream });
        }
        // New sums up the tree, then new rates for the pools touched.
        self.refresh_rates(now);
        for x in 0..self.touched.len() {
            let p = self.touched[x] as usize;
            self.establish(p);
        }
    }

    /// [`Sim::sample`]'s work for workload `w` taking demand `d` and holding `h`, when it runs
    /// alone in its partition (`leaf`, pool `p`), holds nothing after, its pool ran
    /// at constant rates up to now, and no time series is kept: the usual layout of a
    /// consolidation study. It does what `integrate`, `settle`, `flush_workload`, and the
    /// partition's `flush_node` and `recompute_rates` do, with the same books inline (the same
    /// bits), from records fetched once, where those generic steps look everything up again;
    /// some 1.7 million times in a week of the policy-heavy case. The caller has checked that `w` is
    /// alone in its partition; returns false, having done nothing, when the rest does not hold.
    #[inline(always)]
    fn sample_solo(
        &mut self,
        w: usize,
        leaf: usize,
        p: usize,
        d: f64,
        h: Held,
        now: TimeMs,
    ) -> bool {
        let q = self.p[p];
        let pool = &self.tree.pools[p];
        if self.timeseries.is_some()
            || !pool.simple
            || (now > q.at && (!q.linear || (now as f64) >= q.until))
            || h != Held::default()
            || self.tree.feed[leaf] != Feed::Static
        {
            return false;
        }
        // `integrate`, a linear span (none when its domain's waking brought it to now
        // already): what the observers read at once.
        let mut lin = q.lin_ms;
        if now > q.at {
            let dt = (now - q.at) as f64;
            lin += dt;
            let observed = q.served_rate * dt;
            let observers = &pool.observers;
            for &o in &self.tree.observers[observers.start as usize..observers.end as usize] {
                self.alloc.obs_served[o as usize] += observed;
            }
        }
        // `settle`: the partition's and the workload's books over the linear time.
        let server = pool.server;
        let pq = &mut self.p[p];
        pq.at = now;
        if lin > 0.0 {
            pq.lin_ms = 0.0;
            let q = PoolState { at: now, ..q };
            let (_, share, cap) = self.book_partition(leaf, q, server, lin);
            let up = !self.failover.down[leaf];
            self.settle_member(w, lin, share, cap, up);
        }
        // `flush_workload`, then the partition's `flush_node`, each inline.
        if now > self.w.acc[w].since {
            self.workload_books(w, now);
        }
        self.w.demand[w] = d;
        self.w.held[w] = h;
        self.observe_grant(leaf, now);
        let since = self.n.state[leaf].since;
        if now > since {
            self.node_books(leaf, since, now);
        }
        // Its new sums, as `recompute_rates` makes them from zero: it holds nothing now.
        let state = &mut self.n.state[leaf];
        state.demand = 0.0 + d;
        state.held = Held::default();
        true
    }

    /// Recompute the demand and held sums of every node marked dirty (and their ancestors),
    /// accounting the old values first.
    fn refresh_rates(&mut self, now: TimeMs) {
        for i in (0..self.model.nodes.len()).rev() {
            if !std::mem::take(&mut self.dirty[i]) {
                continue;
            }
            self.flush_node(i, now);
            self.recompute_rates(i);
            let p = self.tree.parent[i];
            if p != NONE {
                self.dirty[p as usize] = true;
            }
        }
    }

    fn refresh_rates_all(&mut self) {
        for i in (0..self.model.nodes.len()).rev() {
            self.dirty[i] = false;
            self.recompute_rates(i);
        }
    }

    fn recompute_rates(&mut self, i: usize) {
        let (mut d, mut h) = (0.0, Held::default());
        if self.tree.inner[i] {
            for c in self.model.children(crate::model::NodeId(i as u32)) {
                let c = c.0 as usize;
                d += self.n.state[c].demand;
                h += self.n.state[c].held;
                h.memory_gb += self.model.nodes[c].memory_overhead_gb;
            }
        } else {
            for k in self.members_of(i) {
                let w = self.leaf_workloads[k] as usize;
                d += self.w.demand[w];
                if self.failover.running[w] {
                    h += self.w.held[w];
                }
            }
        }
        self.n.state[i].demand = d;
        self.n.state[i].held = h;
    }

    /// A simple pool's workloads' rates under its current inputs, and until when they hold
    /// (its workloads' books must be up to its time). A queued `delay` workload takes all the
    /// equal share it is offered; the others want their demand.
    fn establish(&mut self, p: usize) {
        let before = (self.p[p].linear, self.p[p].until, self.p[p].served_rate);
        self.establish_rates(p);
        let q = &self.p[p];
        if before != (q.linear, q.until, q.served_rate) {
            let now = q.at;
            let was = before.0 && before.1 == f64::INFINITY;
            let is = q.linear && q.until == f64::INFINITY;
            for x in 0..self.pool_domains.of(p).len() {
                let d = self.pool_domains.of(p)[x] as usize;
                let rest = &mut self.rest[d];
                rest.changed(now);
                match (was, is) {
                    (true, false) => rest.unsteady += 1,
                    (false, true) => rest.unsteady -= 1,
                    _ => {}
                }
                self.wake(d, now);
            }
        }
    }

    #[inline(always)]
    fn establish_rates(&mut self, p: usize) {
        let pool = &self.tree.pools[p];
        if !pool.simple {
            self.p[p].linear = false;
            return;
        }
        let leaf = pool.root as usize;
        let rate = self.n.grant[leaf];
        let range = self.members_of(leaf);
        if range.len() == 1 {
            let w = self.leaf_workloads[range.start] as usize;
            self.establish_one(p, w, rate);
        } else {
            self.establish_many(p, range, rate);
        }
    }

    /// [`Sim::establish_rates`] for a pool of several workloads: the water-fill.
    #[inline(never)]
    fn establish_many(&mut self, p: usize, range: std::ops::Range<usize>, rate: f64) {
        let k = range.len();
        let s = &mut self.scratch;
        for (j, x) in range.clone().enumerate() {
            let w = self.leaf_workloads[x] as usize;
            s.wants[j] = if !self.failover.running[w] {
                0.0
            } else if !self.w.acc[w].drop && self.w.acc[w].backlog > 0.0 {
                rate
            } else {
                self.w.demand[w]
            };
        }
        weighted_fair_share(rate, &s.wants[..k], &s.ones[..k], &mut s.grants[..k]);
        let at = self.p[p].at as f64;
        let (mut served, mut dropped, mut delayed) = (0.0, 0.0, 0.0);
        let (mut until, mut unmet) = (f64::INFINITY, false);
        for (j, x) in range.enumerate() {
            let w = self.leaf_workloads[x] as usize;
            let (r, d) = (s.grants[j], self.w.demand[w]);
            let a = &mut self.w.acc[w];
            a.rate = r;
            served += r;
            let m = member_rates(a.drop, r, d, a.backlog, at);
            dropped += m.dropped;
            delayed += m.delayed;
            unmet |= m.unmet;
            until = until.min(m.until);
        }
        let q = &mut self.p[p];
        q.linear = true;
        q.until = until;
        q.served_rate = served;
        q.dropped_rate = dropped;
        q.delayed_rate = delayed;
        q.unmet = unmet;
    }

    /// [`Sim::establish_rates`] for a pool of one workload (a partition per VM, the usual
    /// layout): what the water-fill gives one claimant, and the sums of one term, without the
    /// scratch rows and loops. The same arithmetic, term for term (`0.0 + x` as the sums
    /// start), so the same bits.
    #[inline(always)]
    fn establish_one(&mut self, p: usize, w: usize, rate: f64) {
        let d = self.w.demand[w];
        let running = self.failover.running[w];
        let a = &mut self.w.acc[w];
        let want = if !running {
            0.0
        } else if !a.drop && a.backlog > 0.0 {
            rate
        } else {
            d
        };
        let r = if want <= rate { want } else { rate };
        a.rate = r;
        let m = member_rates(a.drop, r, d, a.backlog, self.p[p].at as f64);
        let q = &mut self.p[p];
        q.linear = true;
        q.until = m.until;
        q.served_rate = 0.0 + r;
        q.dropped_rate = 0.0 + m.dropped;
        q.delayed_rate = 0.0 + m.delayed;
        q.unmet = m.unmet;
    }

    /// Bring the books of every pool in a range up to its time, before its inputs change.
    fn settle_region(&mut self, pools: std::ops::Range<usize>) {
        for p in pools {
            self.settle(p);
        }
    }

    /// Rates anew for every pool in a range, after its inputs changed.
    fn establish_region(&mut self, pools: std::ops::Range<usize>) {
        for p in pools {
            self.establish(p);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Integration
    // -----------------------------------------------------------------------------------------

    /// Bring pool `p` up to `now`. A linear span (the common case) is a few adds inline;
    /// the rest is out of line.
    #[inline]
    fn integrate(&mut self, p: usize, now: TimeMs) {
        let from = self.p[p].at;
        if now <= from {
            return;
        }
        if self.p[p].linear && (now as f64) < self.p[p].until {
            self.integrate_linear(p, (now - from) as f64);
            self.p[p].at = now;
        } else {
            self.integrate_solved(p, from, now);
        }
    }

    /// A span solved in full: a simple pool in which a queue empties (in phases, then linear
    /// again), or a pool with elastic shares.
    #[inline(never)]
    fn integrate_solved(&mut self, p: usize, from: TimeMs, now: TimeMs) {
        self.integrations += 1;
        let dt = (now - from) as f64;
        if self.tree.pools[p].simple {
            self.settle(p);
            self.integrate_leaf(p, from, dt);
            self.p[p].at = now;
            self.establish(p);
        } else {
            self.integrate_pool(p, from, dt);
            self.p[p].at = now;
        }
    }

    fn integrate_region(&mut self, pools: std::ops::Range<usize>, now: TimeMs) {
        for p in pools {
            self.integrate(p, now);
        }
    }

    /// A linear span: only what its observers read at once (what it served); all other
    /// books catch up when it settles.
    #[inline]
    fn integrate_linear(&mut self, p: usize, dt: f64) {
        self.p[p].lin_ms += dt;
        let served = self.p[p].served_rate * dt;
        let r = &self.tree.pools[p].observers;
        for &o in &self.tree.observers[r.start as usize..r.end as usize] {
            self.alloc.obs_served[o as usize] += served;
        }
    }

    /// What a pool's root served: its own books, its observers', its server's meter, the row.
    #[inline]
    fn credit_root(&mut self, p: usize, root: usize, served: f64) {
        let state = &mut self.n.state[root];
        state.own_served += served;
        state.own_iv += served;
        let pool: &Pool = &self.tree.pools[p];
        for &o in &self.tree.observers[pool.observers.start as usize..pool.observers.end as usize] {
            self.alloc.obs_served[o as usize] += served;
        }
        if pool.server != NONE {
            self.settlement.add_served(pool.server as usize, served);
        }
        if !self.n.row.served.is_empty() {
            self.n.row.served[root] += served;
        }
    }

    /// Bring a linear pool's workloads' books up to the pool's time: each was served at its
    /// rate all along, its queue grew or drained linearly, and it was unmet throughout if
    /// it queued or dropped.
    ///
    /// Many calls find nothing to settle: that test is inline, the books out of line.
    #[inline]
    fn settle(&mut self, p: usize) {
        if self.p[p].lin_ms > 0.0 {
            self.settle_span(p);
        }
    }

    #[inline(never)]
    fn settle_span(&mut self, p: usize) {
        let dt = std::mem::take(&mut self.p[p].lin_ms);
        let pool = &self.tree.pools[p];
        let (leaf, server) = (pool.root as usize, pool.server);
        let q = self.p[p];
        let (served, h, cap) = self.book_partition(leaf, q, server, dt);
        if !self.n.row.served.is_empty() {
            self.n.row.served[leaf] += served;
        }
        let up = !self.failover.down[leaf];
        let members = self.members_of(leaf);
        // One workload per partition, the usual layout: no loop.
        if members.len() == 1 {
            let w = self.leaf_workloads[members.start] as usize;
            self.settle_member(w, dt, h, cap, up);
        } else {
            for k in members {
                let w = self.leaf_workloads[k] as usize;
                self.settle_member(w, dt, h, cap, up);
            }
        }
    }

    /// The partition's books for the last `dt` ms of linear pool `q` rooted at `leaf`: what it
    /// served, dropped and delayed, its unmet stretch, its server's meter. Gives what it
    /// served, and Σ duration ÷ capacity and Σ capacity × duration for its workloads' books.
    #[inline(always)]
    fn book_partition(
        &mut self,
        leaf: usize,
        q: PoolState,
        server: u32,
        dt: f64,
    ) -> (f64, f64, f64) {
        let end = q.at as f64;
        let served = q.served_rate * dt;
        let state = &mut self.n.state[leaf];
        let capacity = state.capacity;
        state.own_served += served;
        state.own_iv += served;
        state.own_dropped += q.dropped_rate * dt;
        state.own_delayed += q.delayed_rate * dt;
        if q.unmet {
            push_unmet(&mut self.n.unmet[leaf], end - dt, end);
        }
        if server != NONE {
            self.settlement.add_served(server as usize, served);
        }
        (served, share_of(dt, capacity), capacity * dt)
    }

    /// A workload's books for a linear span of `dt` ms of its pool (see [`Sim::settle`]).
    #[inline(always)]
    fn settle_member(&mut self, w: usize, dt: f64, h: f64, cap: f64, up: bool) {
        let d = self.w.demand[w];
        let Acc {
            rate: r,
            backlog: b,
            drop,
            ..
        } = self.w.acc[w];
        let served = r * dt;
        let o = if drop {
            let lost = (d - r).max(0.0) * dt;
            fluid::Outcome {
                served,
                dropped: lost,
                unmet_ms: if lost > 0.0 { dt } else { 0.0 },
                ..fluid::Outcome::default()
            }
        } else {
            let after = b + (d - r) * dt;
            // A queue draining to its last crumb empties (it cannot go below zero here:
            // `until` ends the span first).
            let after = if b > 0.0 && r > d && after <= b * 1e-12 {
                0.0
            } else {
                after.max(0.0)
            };
            if b > 0.0 || after > 0.0 {
                fluid::Outcome {
                    served,
                    backlog: after,
                    delayed: served,
                    busy_ms: dt,
                    unmet_ms: dt,
                    ..fluid::Outcome::default()
                }
            } else {
                fluid::Outcome {
                    served,
                    ..fluid::Outcome::default()
                }
            }
        };
        let m = Member {
            demand: d,
            backlog: b,
            drop,
            running: self.failover.running[w],
        };
        self.book_span(w, &o, m, dt, h, cap, up);
    }

    /// A simple pool with a queue, a shortage or a workload not running.
    fn integrate_leaf(&mut self, p: usize, from: TimeMs, dt: f64) {
        let leaf = self.tree.pools[p].root as usize;
        let range = self.members_of(leaf);
        self.members.clear();
        for k in range.clone() {
            let w = self.leaf_workloads[k] as usize;
            self.members.push(Member {
                demand: self.w.demand[w],
                backlog: self.w.acc[w].backlog,
                drop: self.w.acc[w].drop,
                running: self.failover.running[w],
            });
        }
        let rate = self.n.grant[leaf];
        fluid::solve_leaf(&self.members, rate, dt, &mut self.scratch, &mut self.outs);
        let up = !self.failover.down[leaf];
        let capacity = self.n.state[leaf].capacity;
        let (mut served, mut dropped, mut delayed, mut unmet) = (0.0, 0.0, 0.0, 0.0f64);
        let (mut arrived, mut accounted, mut queued) = (0.0, 0.0, 0.0);
        for (j, k) in range.enumerate() {
            let w = self.leaf_workloads[k] as usize;
            let o = self.outs[j];
            let m = self.members[j];
            self.book_workload(w, &o, m, dt, capacity, up);
            served += o.served;
            dropped += o.dropped;
            delayed += o.delayed;
            unmet = unmet.max(o.unmet_ms);
            arrived += m.demand * dt;
            queued += m.backlog;
            accounted += o.served + o.dropped + o.backlog - m.backlog;
        }
        let grant = rate * dt;
        if served > grant * (1.0 + 1e-12) + 1e-9 {
            let name = &self.model.nodes[leaf].name;
            self.violation.get_or_insert_with(|| {
                format!("`{name}` served {served} core-ms with {grant} granted at t = {from} ms")
            });
        }
        // Work conservation: a leaf with work left over used its whole grant (solved in
        // phases, a leaf may lose work while a queue drains and leave capacity idle after:
        // each phase is work-conserving, the span need not be).
        let phased = self.members.len() > 1
            && self
                .members
                .iter()
                .any(|m| m.running && m.backlog > 0.0 && !m.drop);
        let running_short = self
            .members
            .iter()
            .zip(&self.outs)
            .any(|(m, o)| m.running && (o.backlog > 0.0 || o.dropped > 0.0));
        if !phased && running_short && up && served < grant * (1.0 - 1e-9) - 1e-9 {
            let name = &self.model.nodes[leaf].name;
            self.violation.get_or_insert_with(|| {
                format!("`{name}` left work unserved but used {served} of {grant} core-ms at t = {from} ms")
            });
        }
        self.check_conservation(arrived, accounted, queued, from);
        self.n.state[leaf].own_dropped += dropped;
        self.n.state[leaf].own_delayed += delayed;
        if unmet > 0.0 {
            push_unmet(&mut self.n.unmet[leaf], from as f64, from as f64 + unmet);
        }
        self.credit_root(p, leaf, served);
    }

    /// Demand = served + dropped + Δbacklog over a span, to a relative tolerance of what was
    /// there to serve (what arrived and what was queued: a deep queue's sums carry its size's
    /// rounding).
    fn check_conservation(&mut self, arrived: f64, accounted: f64, queued: f64, from: TimeMs) {
        let scale = (arrived + queued).max(1.0);
        if (arrived - accounted).abs() > CONSERVATION_TOLERANCE * scale {
            self.violation.get_or_insert_with(|| {
                format!("conservation of work broken at t = {from} ms: {arrived} core-ms arrived, {accounted} accounted for")
            });
        }
    }

    /// One workload's books for a span it was solved over.
    #[inline]
    fn book_workload(
        &mut self,
        w: usize,
        o: &fluid::Outcome,
        m: Member,
        dt: f64,
        capacity: f64,
        leaf_up: bool,
    ) {
        self.book_span(w, o, m, dt, share_of(dt, capacity), capacity * dt, leaf_up);
    }

    /// One workload's books for `dt` ms at a rate it held throughout (`o.served` ÷ `dt`),
    /// with Σ duration ÷ capacity `h` and Σ capacity × duration `cap` over the span.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn book_span(
        &mut self,
        w: usize,
        o: &fluid::Outcome,
        m: Member,
        dt: f64,
        h: f64,
        cap: f64,
        leaf_up: bool,
    ) {
        let a = &mut self.w.acc[w];
        a.served_cms += o.served;
        a.dropped_cms += o.dropped;
        a.delayed_cms += o.delayed;
        a.iv_served += o.served;
        a.cpu_sum += if dt > 0.0 { o.served / dt * h } else { 0.0 };
        a.iv_capacity += cap;
        a.met_ms += dt - o.unmet_ms;
        // A backlog run goes on across spans while work is left over at their ends.
        a.run_ms += o.busy_ms;
        if a.run_ms > a.longest_ms {
            a.longest_ms = a.run_ms;
        }
        if o.backlog <= 0.0 {
            a.run_ms = 0.0;
        }
        a.backlog = o.backlog;
        if m.running && leaf_up {
            a.up_ms += dt;
        } else {
            a.outage_work += m.demand * dt;
        }
        let row = &mut self.w.row;
        if !row.served.is_empty() {
            row.served[w] += o.served;
            row.capacity[w] += cap;
        }
    }

    /// A pool with dynamic nodes (VM guests, FSS groups sharing by weight).
    fn integrate_pool(&mut self, p: usize, from: TimeMs, dt: f64) {
        let nodes: Vec<u32> = self.tree.nodes_of(p).to_vec();
        self.members.clear();
        self.slots.clear();
        for &n in &nodes {
            let start = self.members.len();
            for k in self.members_of(n as usize) {
                let w = self.leaf_workloads[k] as usize;
                self.members.push(Member {
                    demand: self.w.demand[w],
                    backlog: self.w.acc[w].backlog,
                    drop: self.w.acc[w].drop,
                    running: self.failover.running[w],
                });
            }
            self.slots.push(start..self.members.len());
        }
        if self.outs.len() < self.members.len() {
            self.outs
                .resize(self.members.len(), fluid::Outcome::default());
        }
        self.spans.clear();
        self.spans.resize(nodes.len(), fluid::NodeSpan::default());
        let root = nodes[0] as usize;
        let view = PoolView {
            model: self.model,
            tree: &self.tree,
            pool: p,
            root_rate: self.n.grant[root],
            fixed: &self.alloc.fixed,
            weight: &self.alloc.weight,
            max: &self.alloc.max,
            down: &self.failover.down,
            leaf_members: &self.slots,
            members: &self.members,
        };
        fluid::solve_pool(
            &view,
            dt,
            &mut self.pool_scratch,
            &mut self.outs,
            &mut self.spans,
        );
        // Workloads, then each node's sums over the workloads beneath it (children follow
        // their parent in `nodes`, so a backward pass adds each into its parent).
        let k = nodes.len();
        let mut sums = vec![(0.0f64, 0.0f64, 0.0f64, 0.0f64); k];
        let (mut arrived, mut accounted, mut queued) = (0.0, 0.0, 0.0);
        for (x, &n) in nodes.iter().enumerate() {
            let leaf = n as usize;
            let capacity = self.n.state[leaf].capacity;
            let up = !self.failover.down[leaf];
            for (j, kk) in self.slots[x].clone().zip(self.members_of(leaf)) {
                let w = self.leaf_workloads[kk] as usize;
                let o = self.outs[j];
                let m = self.members[j];
                self.book_workload(w, &o, m, dt, capacity, up);
                let s = &mut sums[x];
                s.0 += o.served;
                s.1 += o.dropped;
                s.2 += o.delayed;
                s.3 = s.3.max(o.unmet_ms);
                arrived += m.demand * dt;
                queued += m.backlog;
                accounted += o.served + o.dropped + o.backlog - m.backlog;
            }
        }
        self.check_conservation(arrived, accounted, queued, from);
        for x in (1..k).rev() {
            let parent = self.tree.parent[nodes[x] as usize];
            let px = nodes[..x].iter().rposition(|&y| y == parent).unwrap_or(0);
            let s = sums[x];
            let t = &mut sums[px];
            t.0 += s.0;
            t.1 += s.1;
            t.2 += s.2;
            t.3 = t.3.max(s.3);
        }
        for (x, &n) in nodes.iter().enumerate() {
            let i = n as usize;
            let (served, dropped, delayed, unmet) = sums[x];
            if x > 0 {
                let offered = self.spans[x].offered;
                self.n.state[i].granted_cms += offered;
                if !self.n.row.granted.is_empty() {
                    self.n.row.granted[i] += offered;
                }
                if self.tree.compartment[i] {
                    self.alloc.obs_served[i] += served;
                    self.alloc.obs_granted[i] += offered;
                }
                if served > offered.max(0.0) * (1.0 + 1e-12) + 1e-9 && offered > 0.0 {
                    // Offered is at least the grant, so serving more is a bug.
                    let name = &self.model.nodes[i].name;
                    self.violation.get_or_insert_with(|| {
                        format!("`{name}` served {served} core-ms with {offered} offered at t = {from} ms")
                    });
                }
                self.n.state[i].own_served += served;
                self.n.state[i].own_iv += served;
                if !self.n.row.served.is_empty() {
                    self.n.row.served[i] += served;
                }
            }
            self.n.state[i].own_dropped += dropped;
            self.n.state[i].own_delayed += delayed;
            if unmet > 0.0 {
                push_unmet(&mut self.n.unmet[i], from as f64, from as f64 + unmet);
            }
        }
        let (served, ..) = sums[0];
        let grant = self.n.grant[root] * dt;
        if served > grant * (1.0 + 1e-12) + 1e-9 {
            let name = &self.model.nodes[root].name;
            self.violation.get_or_insert_with(|| {
                format!("`{name}` served {served} core-ms with {grant} granted at t = {from} ms")
            });
        }
        self.credit_root(p, root, served);
    }

    /// Integrate every pool to `now` and bring every book up to it.
    fn bring_all(&mut self, now: TimeMs) {
        for p in 0..self.tree.pools.len() {
            self.integrate(p, now);
            self.settle(p);
        }
        for i in 0..self.model.nodes.len() {
            self.flush_node(i, now);
        }
        for w in 0..self.model.workloads.len() {
            self.flush_workload(w, now);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Readers
    // -----------------------------------------------------------------------------------------

    /// Close the statistics interval `[interval_start, now)`: each entity's books brought up
    /// to now and its means recorded in one pass over the nodes and one over the workloads.
    fn close_interval(&mut self, now: TimeMs) {
        let span = now.saturating_sub(self.interval_start);
        if span == 0 {
            return;
        }
        for p in 0..self.tree.pools.len() {
            self.integrate(p, now);
            self.settle(p);
        }
        let dt = span as f64;
        let limits = self.limits;
        let mut means = std::mem::take(&mut self.means);
        let [cpu, demand, wcpu] = &mut means;
        for i in 0..self.model.nodes.len() {
            self.flush_node(i, now);
            // Totals over the pools beneath, the exact mean's last piece, then the means.
            let served = self.total(i, |r| self.n.state[r].own_iv);
            let n = &mut self.n;
            let state = &mut n.state[i];
            n.rec.cpu.sum_ms[i] += share_of(served - state.iv_mark, state.capacity);
            cpu[i] = utilization(served, state.iv_capacity);
            let nominal = self.model.nodes[i].nominal;
            demand[i] = share_of(state.iv_demand / dt, nominal * DEMAND_RANGE);
            state.iv_capacity = 0.0;
            state.iv_demand = 0.0;
        }
        let n = &mut self.n;
        n.rec.cpu.record_means(span, limits.cpu, cpu);
        n.rec.demand.record_means(span, f64::INFINITY, demand);
        record_held(&mut n.rec, &n.iv_held, span, limits);
        for (w, mean) in wcpu.iter_mut().enumerate() {
            self.flush_workload(w, now);
            let a = &mut self.w.acc[w];
            *mean = utilization(a.iv_served, a.iv_capacity);
            a.iv_served = 0.0;
            a.iv_capacity = 0.0;
        }
        let ws = &mut self.w;
        ws.rec.cpu.record_means(span, limits.cpu, wcpu);
        record_held(&mut ws.rec, &ws.iv_held, span, limits);
        self.means = means;
        self.close_unmet(now);
        let n = &mut self.n;
        for state in &mut n.state {
            state.own_iv = 0.0;
            state.iv_mark = 0.0;
        }
        n.iv_held.clear();
        self.w.iv_held.clear();
        self.interval_start = now;
    }

    /// Each node's time with all demand met, and its backlog runs, from the union of the
    /// unmet stretches beneath it in the interval just closed.
    fn close_unmet(&mut self, now: TimeMs) {
        let start = self.interval_start as f64;
        let end = now as f64;
        let dt = end - start;
        for i in 0..self.model.nodes.len() {
            self.union.clear();
            if self.tree.feed[i] == Feed::Static && self.tree.inner[i] {
                let roots = self.tree.roots_of(i);
                if roots.iter().any(|&r| !self.n.unmet[r as usize].is_empty()) {
                    for &root in roots {
                        self.union.extend_from_slice(&self.n.unmet[root as usize]);
                    }
                }
            } else if !self.n.unmet[i].is_empty() {
                self.union.extend_from_slice(&self.n.unmet[i]);
            }
            if self.union.is_empty() {
                self.n.rec.met_ms[i] += dt;
                self.n.run_open[i] = 0.0;
                continue;
            }
            self.union.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            let (covered, longest, open) = union_runs(
                &self.union,
                start,
                end,
                self.n.run_open[i],
                self.n.rec.longest_backlog_ms[i],
            );
            self.n.rec.longest_backlog_ms[i] = longest;
            self.n.run_open[i] = open;
            self.n.rec.met_ms[i] += dt - covered;
        }
        for l in &mut self.n.unmet {
            l.clear();
        }
    }

    /// Append one time-series row per entity for `[row_start, now)`.
    fn close_row(&mut self, now: TimeMs) {
        if self.timeseries.is_none() {
            return;
        }
        let span = now.saturating_sub(self.row_start);
        if span == 0 {
            return;
        }
        self.bring_all(now);
        let span = span as f64;
        let nw = self.model.workloads.len();
        let nn = self.model.nodes.len();
        // Backlog at the row's end, summed up the tree.
        let mut backlog = vec![0.0; nn];
        for w in 0..nw {
            backlog[self.failover.leaf[w] as usize] += self.w.acc[w].backlog;
        }
        for i in (0..nn).rev() {
            let p = self.tree.parent[i];
            if p != NONE {
                backlog[p as usize] += backlog[i];
            }
        }
        let served: Vec<f64> = (0..nn)
            .map(|i| self.total(i, |r| self.n.row.served[r]))
            .collect();
        let Some(ts) = &mut self.timeseries else {
            return;
        };
        for w in 0..nw {
            let r = &self.w.row;
            ts.time_ms.push(self.row_start);
            ts.entity.push(w as u32);
            ts.demand.push(r.demand[w] / span);
            ts.served.push(r.served[w] / span);
            ts.allocation.push(f64::NAN);
            ts.backlog_core_hours
                .push(self.w.acc[w].backlog / MS_PER_HOUR);
            ts.utilization.push(share_of(r.served[w], r.capacity[w]));
        }
        for (i, &s) in served.iter().enumerate() {
            let r = &self.n.row;
            ts.time_ms.push(self.row_start);
            ts.entity.push((nw + i) as u32);
            ts.demand.push(r.demand[i] / span);
            ts.served.push(s / span);
            ts.allocation.push(r.granted[i] / span);
            ts.backlog_core_hours.push(backlog[i] / MS_PER_HOUR);
            ts.utilization.push(share_of(s, r.capacity[i]));
        }
        self.w.row.clear();
        self.n.row.clear();
        self.row_start = now;
    }

    // -----------------------------------------------------------------------------------------
    // Managers
    // -----------------------------------------------------------------------------------------

    /// Bring what compartment `m` is observed by up to `now`.
    fn observe(&mut self, m: usize, now: TimeMs) {
        self.integrate_region(self.tree.region(m), now);
        self.observe_grant(m, now);
    }

    /// Account a static node's grant into what its manager observes, up to `now`.
    #[inline]
    fn observe_grant(&mut self, i: usize, now: TimeMs) {
        let since = std::mem::replace(&mut self.n.state[i].obs_since, now);
        if self.tree.feed[i] == Feed::Static && now > since {
            self.alloc.obs_granted[i] += self.n.grant[i] * (now - since) as f64;
        }
    }

    fn policy_tick(&mut self, g: usize, now: TimeMs, queue: &mut Queue<Ev>) {
        let mut schedule = false;
        for x in 0..self.groups[g].domains.len() {
            let d = self.groups[g].domains[x];
            if self.rest[d].on {
                self.rest[d].ticks += 1;
                self.dom_state[d].set_last_tick(now);
                continue;
            }
            if self.rest[d].skip_at == now {
                self.rest[d].skip_at = rest::NEVER;
                continue;
            }
            let domain = &self.scenario.domains[d];
            for m in &domain.members {
                self.observe(m.0 as usize, now);
            }
            let span = now - self.dom_state[d].last_tick();
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
            if !changed {
                self.due[d] = false;
                let interval = self.groups[g].interval_ms;
                if self.restable[d] && span == interval && self.steady(d, now - span) {
                    self.begin_rest(d);
                }
                continue;
            }
            if domain.latency_ms == 0 {
                self.apply_domain(d, now);
                self.rest_ahead(d, now);
            } else if now + domain.latency_ms < self.horizon {
                // A move that would take effect at the horizon changes nothing reported.
                self.due[d] = true;
                schedule = true;
            }
        }
        let group = &self.groups[g];
        if schedule {
            queue.schedule(now + group.latency_ms, Ev::Realloc { group: g as u32 });
        }
        let next = now + group.interval_ms;
        if next < self.horizon {
            queue.schedule(next, Ev::Policy { group: g as u32 });
        }
    }

    fn realloc(&mut self, g: usize, now: TimeMs) {
        for x in 0..self.groups[g].domains.len() {
            let d = self.groups[g].domains[x];
            if std::mem::take(&mut self.due[d]) {
                self.apply_domain(d, now);
            }
        }
    }

    /// A domain's decisions take effect: the nodes whose allocation changes, and everything
    /// their grants feed, are integrated up to now first.
    fn apply_domain(&mut self, d: usize, now: TimeMs) {
        let domain = &self.scenario.domains[d];
        let state = &self.dom_state[d];
        let ticap = domain.ticap.filter(|_| state.pending_extra != state.extra);
        if ticap.is_none() && self.apply_members(d, now) {
            return;
        }
        // Temporary cores change the complex's active cores, and with them every grant in it.
        let top = match ticap {
            Some(t) => self.scenario.pricing[t.server].server.0 as usize,
            None => domain.node.0 as usize,
        };
        let nodes = top..self.tree.end[top] as usize;
        self.integrate_region(self.tree.region(top), now);
        for i in nodes.clone() {
            self.flush_node(i, now);
        }
        if let Err(e) = manage::apply(domain, &self.dom_state[d], self.model, &mut self.alloc) {
            self.violation
                .get_or_insert(format!("at t = {now} ms: {e}"));
        }
        if let Some(t) = ticap {
            let state = &mut self.dom_state[d];
            state.extra = state.pending_extra;
            let root = top;
            let node = &self.model.nodes[root];
            self.alloc.fixed[root] = (node.cores as f64 + state.extra) * node.speed;
            self.settlement
                .set_active(t.server, self.alloc.fixed[root] / node.speed, now);
        }
        self.after_allocation(nodes, now);
    }

    /// A domain's decisions that change only its members' reservations (no temporary
    /// cores, the parent's squeeze unchanged: the common case) touch only the members that
    /// move. Returns false, having changed nothing, when that does not hold.
    fn apply_members(&mut self, d: usize, now: TimeMs) -> bool {
        let domain = &self.scenario.domains[d];
        let parent = domain.node.0 as usize;
        let state = &self.dom_state[d];
        let (fixed, weight) = (&self.alloc.fixed, &self.alloc.weight);
        // The parent's squeeze before (as `fluid::squeeze_of` sums it) and after, with the
        // reservations the decision sets as `manage::apply` will: both sums in one pass over
        // the children, each in child order.
        let (mut before, mut after) = (0.0, 0.0);
        let kids = self.model.children(crate::model::NodeId(parent as u32));
        for c in kids {
            let c = c.0 as usize;
            if weight[c] <= 0.0 {
                before += fixed[c];
                after += match self.member_slot[c] {
                    (md, j) if md as usize == d => {
                        state.pending[j as usize] * self.model.nodes[c].speed
                    }
                    _ => fixed[c],
                };
            }
        }
        let grant = crate::model::vcpu::guests_rate(self.model, parent, self.n.grant[parent]);
        let squeeze = |reserved: f64| {
            if reserved > grant {
                grant / reserved
            } else {
                1.0
            }
        };
        let (before, after) = (squeeze(before), squeeze(after));
        if self.tree.feed[parent] != Feed::Static || before != 1.0 || after != 1.0 {
            return false;
        }
        self.moving.clear();
        for (j, m) in domain.members.iter().enumerate() {
            let i = m.0 as usize;
            if (state.pending[j] * self.model.nodes[i].speed - fixed[i]).abs() > 1e-9 {
                self.moving.push(i as u32);
            }
        }
        for x in 0..self.moving.len() {
            let m = self.moving[x] as usize;
            self.integrate_region(self.tree.region(m), now);
            for i in m..self.tree.end[m] as usize {
                self.flush_node(i, now);
            }
        }
        if let Err(e) = manage::apply(domain, &self.dom_state[d], self.model, &mut self.alloc) {
            self.violation
                .get_or_insert(format!("at t = {now} ms: {e}"));
        }
        for x in 0..self.moving.len() {
            let m = self.moving[x] as usize;
            self.after_allocation(m..self.tree.end[m] as usize, now);
        }
        true
    }

    /// Allocations in `nodes` (a subtree) changed at `now`: new capacities, grants and
    /// cleanliness.
    fn after_allocation(&mut self, nodes: std::ops::Range<usize>, now: TimeMs) {
        for i in nodes.clone() {
            let (md, _) = self.member_slot[i];
            if md != NONE {
                self.rest[md as usize].changed(now);
            }
            for x in 0..self.node_domains.of(i).len() {
                let d = self.node_domains.of(i)[x] as usize;
                self.wake(d, now);
            }
        }
        // Everything here is integrated to now: the books catch up at the old rates and
        // capacities, then capacities, grants and rates change.
        let region = self.tree.region(nodes.start);
        self.settle_region(region.clone());
        for i in nodes.clone() {
            let new = self.alloc.held(i);
            self.capacity_changes(i, now, new);
        }
        self.static_grants(nodes);
        self.establish_region(region);
    }

    fn wlm_tick(&mut self, k: usize, now: TimeMs, queue: &mut Queue<Ev>) {
        let w = &self.scenario.wlm[k];
        let host = w.host.0 as usize;
        let nodes = host..self.tree.end[host] as usize;
        self.integrate_region(self.tree.region(host), now);
        for i in nodes.clone() {
            self.flush_node(i, now);
        }
        manage::wlm_tick(
            w,
            &mut self.wlm_state[k],
            self.model,
            &mut self.alloc,
            &self.failover.package_nodes,
            now,
        );
        self.after_allocation(nodes, now);
        let next = now + w.interval_ms;
        if next < self.horizon {
            queue.schedule(next, Ev::Wlm { instance: k as u32 });
        }
    }

    // -----------------------------------------------------------------------------------------
    // Failures
    // -----------------------------------------------------------------------------------------

    /// Something Serviceguard decides changes now: bring everything up to now, let it
    /// decide, then rebuild what depends on where workloads run and what is down.
    fn ha_event(
        &mut self,
        now: TimeMs,
        queue: &mut Queue<Ev>,
        f: impl FnOnce(&mut Failover, &mut Vec<Step>),
    ) {
        self.wake_all(now);
        self.bring_all(now);
        f(&mut self.failover, &mut self.steps);
        for s in self.steps.drain(..) {
            queue.schedule(s.at_ms, Ev::Package(s));
        }
        self.rebuild_leaves();
        let nn = self.model.nodes.len();
        self.static_grants(0..nn);
        self.refresh_rates_all();
        self.establish_region(0..self.tree.pools.len());
        for rest in &mut self.rest {
            rest.changed(now);
        }
    }

    // -----------------------------------------------------------------------------------------
    // The end
    // -----------------------------------------------------------------------------------------

    fn finish(mut self, stats: RunStats) -> Outcome {
        let nn = self.model.nodes.len();
        let nw = self.model.workloads.len();
        // Records of static nodes are sums over the pools beneath.
        let mut backlog = vec![0.0; nn];
        for w in 0..nw {
            let a = self.w.acc[w];
            let rec = &mut self.w.rec;
            rec.backlog_cms[w] = a.backlog;
            rec.demand_cms[w] = a.demand_cms;
            rec.served_cms[w] = a.served_cms;
            rec.dropped_cms[w] = a.dropped_cms;
            rec.delayed_cms[w] = a.delayed_cms;
            rec.met_ms[w] = a.met_ms;
            rec.peak_demand[w] = a.peak_demand;
            rec.longest_backlog_ms[w] = a.longest_ms;
            rec.cpu.sum_ms[w] = a.cpu_sum;
            backlog[self.failover.leaf[w] as usize] += a.backlog;
        }
        for i in (0..nn).rev() {
            let p = self.tree.parent[i];
            if p != NONE {
                backlog[p as usize] += backlog[i];
            }
        }
        for (i, b) in backlog.into_iter().enumerate() {
            self.n.rec.served_cms[i] = self.total(i, |r| self.n.state[r].own_served);
            self.n.rec.dropped_cms[i] = self.total(i, |r| self.n.state[r].own_dropped);
            self.n.rec.delayed_cms[i] = self.total(i, |r| self.n.state[r].own_delayed);
            self.n.rec.backlog_cms[i] = b;
            let state = &self.n.state[i];
            self.n.rec.granted_cms[i] = state.granted_cms;
            self.n.rec.demand_cms[i] = state.demand_cms;
            self.n.rec.peak_demand[i] = state.peak_demand;
        }
        self.w.rec.compact();
        self.n.rec.compact();
        let books = self.settlement.finish(self.horizon);
        let stats = RunStats {
            events: stats.events,
            segments: stats.segments,
        };
        let _ = self.integrations;
        Outcome {
            stats,
            workloads: self.w.rec,
            nodes: self.n.rec,
            timeseries: self.timeseries,
            compartments: self.alloc.meters,
            domains: self.dom_state.iter().map(DomainState::record).collect(),
            wlm: self.wlm_state.iter().map(WlmState::record).collect(),
            ticap: books.ticap,
            group_ticap: books.group_ticap,
            ppu: books.ppu,
            active_core_ms: books.active_core_ms,
            ha: self.failover.into_record(
                self.w.acc.iter().map(|a| a.up_ms).collect(),
                self.w.acc.iter().map(|a| a.outage_work).collect(),
            ),
        }
    }
}

/// Held resources' interval means ÷ capacity (`iv` holds their integrals over the interval):
/// memory always, disk and network where kept. Their time-weighted means are exact from the
/// integrals, capacity being constant.
/// One workload's part of its pool's rates while it is served at `r` with demand `d` and
/// backlog `b`, the pool at time `at`: one rule for a pool of one workload and for the sums
/// over many (`Sim::establish_one`, `Sim::establish_rates`).
struct MemberRates {
    dropped: f64,
    /// Served out of a queue (all it is served while it queues).
    delayed: f64,
    unmet: bool,
    /// When its queue empties, or infinity.
    until: f64,
}

#[inline]
fn member_rates(drop: bool, r: f64, d: f64, b: f64, at: f64) -> MemberRates {
    let mut m = MemberRates {
        dropped: 0.0,
        delayed: 0.0,
        unmet: false,
        until: f64::INFINITY,
    };
    if drop {
        if d > r {
            m.dropped = d - r;
            m.unmet = true;
        }
    } else if b > 0.0 || d > r {
        m.delayed = r;
        m.unmet = true;
        if b > 0.0 && r > d {
            m.until = at + b / (r - d);
        }
    }
    m
}

fn record_held(rec: &mut Meters, held: &HeldIv, span: u64, limits: Limits) {
    let dt = span as f64;
    let iv = &held.sum[..];
    for (d, limit, of) in [
        (
            &mut rec.memory,
            limits.memory,
            (|h: &Held| h.memory_gb) as fn(&Held) -> f64,
        ),
        (&mut rec.disk, limits.disk, |h: &Held| h.disk_mbps),
        (&mut rec.network, limits.network, |h: &Held| h.network_mbps),
    ] {
        // Nothing held anywhere (the usual case for a resource the traces do not carry):
        // every mean is 0, which adds nothing to the sums, the max or the time above a limit.
        if limit >= 0.0 && (!held.any || iv.iter().all(|h| of(h) == 0.0)) {
            d.record_idle_interval(span);
            continue;
        }
        for (sum, h) in d.sum_ms.iter_mut().zip(iv) {
            *sum += of(h);
        }
        d.record_interval(span, limit, |i| of(&iv[i]) / dt);
    }
}

/// The union of sorted stretches within `[start, end)`: the time covered, the longest run
/// (a run open at `start` continues one that reached the previous boundary: `open` long),
/// and the length of the run still open at `end` (0 if none reaches it).
fn union_runs(
    sorted: &[(f64, f64)],
    start: f64,
    end: f64,
    open: f64,
    longest: f64,
) -> (f64, f64, f64) {
    let (mut covered, mut longest, mut carry) = (0.0, longest, 0.0);
    let mut close = |a: f64, b: f64, covered: &mut f64| {
        let run = if a <= start { open + (b - a) } else { b - a };
        longest = longest.max(run);
        *covered += b - a;
        if b >= end { run } else { 0.0 }
    };
    let mut cur: Option<(f64, f64)> = None;
    for &(a, b) in sorted {
        cur = match cur {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                carry = close(ca, cb, &mut covered);
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = cur {
        carry = close(ca, cb, &mut covered);
    }
    (covered, longest, carry)
}

/// Add `[a, b)` to a node's unmet stretches, joining it to the last when they touch.
fn push_unmet(list: &mut Vec<(f64, f64)>, a: f64, b: f64) {
    if b <= a {
        return;
    }
    if let Some(last) = list.last_mut()
        && last.1 == a
    {
        last.1 = b;
        return;
    }
    list.push((a, b));
}

impl Handler<Ev> for Sim<'_> {
    fn handle(&mut self, now: TimeMs, event: Ev, queue: &mut Queue<Ev>) {
        match event {
            Ev::Sample { stream } => self.sample(stream, now, queue),
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
            Ev::Policy { group } => self.policy_tick(group as usize, now, queue),
            Ev::Realloc { group } => self.realloc(group as usize, now),
            Ev::Wlm { instance } => self.wlm_tick(instance as usize, now, queue),
            Ev::Meter => {
                for p in 0..self.tree.pools.len() {
                    self.integrate(p, now);
                    self.settle(p);
                }
                let model = self.model;
                let pricing = &self.scenario.pricing;
                self.settlement
                    .read_meters(now, |k| model.nodes[pricing[k].server.0 as usize].speed);
                if now + PPU_SAMPLE_MS <= self.horizon {
                    queue.schedule(now + PPU_SAMPLE_MS, Ev::Meter);
                }
            }
            Ev::Fail { outage } => self.ha_event(now, queue, |f, steps| {
                f.fail(outage as usize, true, now, steps)
            }),
            Ev::Repair { outage } => self.ha_event(now, queue, |f, steps| {
                f.fail(outage as usize, false, now, steps)
            }),
            Ev::Package(step) => {
                if self.failover.packages[step.package as usize].epoch == step.epoch {
                    self.ha_event(now, queue, |f, steps| {
                        f.step(step, now, steps);
                    });
                }
            }
            Ev::Move { index, phase } => {
                let (plan, model) = (&self.scenario.mobility, self.model);
                self.ha_event(now, queue, |f, _| {
                    super::moves::apply(plan, model, index, phase, f)
                });
            }
            Ev::Horizon => {
                self.wake_all(now);
                self.bring_all(now);
            }
        }
    }

    fn advance(&mut self, _from: TimeMs, _to: TimeMs) {}
}
