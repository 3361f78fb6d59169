//! Workload managers inside the run: every domain's interval tick observes what its
//! compartments consumed against what they held, arbitrates, and (after the kind's latency)
//! applies the new allocations; advisory domains only record what they would have done.
//!
//! Managers see consumption, not demand: a saturated compartment reads 100 % of its
//! allocation, so growth under saturation happens step by step, as with WLM and gWLM.

use crate::engine::TimeMs;
use crate::licensing::TicapLedger;
use crate::licensing::settle::Settlement;
use crate::model::{Model, NodeId, vcpu};
use crate::policy::{Capacity, Domain, SloMetric, When, WlmInstance, gwlm, queueing, wlm};
use crate::workload::Series;

/// What a domain sees beyond its compartments: what it may draw on to activate cores beyond
/// the active ones (usage rights not in use, its own complex's or its GiCAP group's, and the
/// Temporary Instant Capacity balance), and where Serviceguard packages run.
pub struct Surroundings<'a> {
    pub ledger: Option<&'a TicapLedger>,
    /// Usage rights not covering an active core, not counting this domain's own temporary
    /// cores [cores].
    pub spare_rights: f64,
    /// Per package, the node it runs on (None while it fails over).
    pub packages: &'a [Option<NodeId>],
}

impl<'a> Surroundings<'a> {
    /// What domain `d`, holding `extra` temporary cores, sees in the run's settlement and
    /// Serviceguard state.
    pub fn of(
        d: &Domain,
        extra: f64,
        settlement: &'a Settlement<'_>,
        packages: &'a [Option<NodeId>],
    ) -> Self {
        let (spare_rights, ledger) = match d.ticap {
            Some(t) => (
                settlement.spare_rights(t.server, extra),
                settlement.ledger(t.server),
            ),
            None => (0.0, None),
        };
        Surroundings {
            ledger,
            spare_rights,
            packages,
        }
    }
}

/// A metric's sample in force at `now`; a series shorter than the run repeats.
fn sample_at(series: &Series, now: TimeMs) -> f64 {
    let k = (now / series.step_ms) as usize;
    series
        .cpu
        .get(k)
        .or(series.cpu.get(k % series.cpu.len().max(1)))
        .copied()
        .unwrap_or(0.0) as f64
}

/// Per-domain working state and counters.
pub struct DomainState {
    /// Temporary cores active for this domain, and those its last decision wants [cores].
    pub extra: f64,
    pub pending_extra: f64,
    /// The compartments with the policy in force (conditional ones switch at ticks).
    comps: Vec<gwlm::Compartment>,
    obs: Vec<gwlm::Observation>,
    /// Scratch: the observations a predicted tick would make (`repeats_after_apply`).
    ahead: Vec<gwlm::Observation>,
    decided: Vec<f64>,
    /// This tick's rounded request of each compartment.
    requests: Vec<f64>,
    /// Each compartment's policy in force, sanitised once, and its min and max [cores].
    prepared: Vec<gwlm::Prepared>,
    range: Vec<(f64, f64)>,
    /// The inputs and result of the last arbitration within the rights: reused when a tick
    /// brings the same (most ticks of a steady domain do).
    memo: Memo,
    /// Bumped whenever a conditional policy switches (the memo's policies are then stale).
    epoch: u64,
    /// No conditional policy and no metric: nothing to look up at a tick but consumption.
    plain: bool,
    /// Per member: its node, its speed [reference cores per core], its metric this tick.
    node: Vec<usize>,
    speed: Vec<f64>,
    metric: Vec<f64>,
    pub pending: Vec<f64>,
    scratch: gwlm::Scratch,
    /// When the members are VM guests: what keeps their allocations placeable (IV6/IV7).
    guests: Option<vcpu::DomainGuests>,
    last_tick: TimeMs,
    /// The capacity within the rights the last tick arbitrated [cores].
    base: f64,
    /// Whether the last tick left a request unmet.
    short: bool,
    /// Counters for the report.
    pub arbitrations: u64,
    pub short_ms: u64,
    pub observed_ms: u64,
}

/// The last few arbitrations' inputs (the observations enter only through the requests)
/// and results, for one capacity and one set of policies. A steady domain's requests move
/// among a handful of vectors (a compartment asking 1, 2 or 3 cores as its demand wanders),
/// so most arbitrations that do not repeat the last one repeat one a little older.
struct Memo {
    capacity: f64,
    epoch: u64,
    /// Compartments per entry, entries held, the next to replace, the last found.
    n: usize,
    len: usize,
    next: usize,
    last: usize,
    /// Per entry a digest of its requests, compared before the requests themselves.
    digest: Vec<u64>,
    requests: Vec<f64>,
    decided: Vec<f64>,
    short: Vec<bool>,
}

/// A digest of a request vector (FNV-1a over the bits): equal vectors, equal digests.
fn digest(requests: &[f64]) -> u64 {
    requests.iter().fold(0xcbf2_9ce4_8422_2325, |h, r| {
        (h ^ r.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Memo {
    /// Entries kept: searching them all costs far less than one arbitration.
    const ENTRIES: usize = 64;

    fn new(n: usize) -> Self {
        Memo {
            capacity: f64::NAN,
            epoch: 0,
            n,
            len: 0,
            next: 0,
            last: 0,
            digest: vec![0; Self::ENTRIES],
            requests: vec![0.0; n * Self::ENTRIES],
            decided: vec![0.0; n * Self::ENTRIES],
            short: vec![false; Self::ENTRIES],
        }
    }

    /// The decision for `requests` under `capacity` and policies `epoch`, if made before.
    fn find(
        &mut self,
        capacity: f64,
        epoch: u64,
        requests: &[f64],
        out: &mut [f64],
    ) -> Option<bool> {
        if capacity != self.capacity || epoch != self.epoch {
            self.capacity = capacity;
            self.epoch = epoch;
            (self.len, self.next, self.last) = (0, 0, 0);
            return None;
        }
        let (n, h) = (self.n, digest(requests));
        let is = |e: usize| self.digest[e] == h && self.requests[e * n..(e + 1) * n] == *requests;
        // The last one found first (a steady domain repeats it), then all in order, each by
        // its digest first: a plain loop, where a chain of iterator adapters cost a sixth of
        // the tick.
        let hit = if self.len > 0 && is(self.last) {
            self.last
        } else {
            (0..self.len).find(|&e| is(e))?
        };
        self.last = hit;
        out.copy_from_slice(&self.decided[hit * n..(hit + 1) * n]);
        Some(self.short[hit])
    }

    fn insert(&mut self, requests: &[f64], decided: &[f64], short: bool) {
        let (n, e) = (self.n, self.next);
        self.requests[e * n..(e + 1) * n].copy_from_slice(requests);
        self.decided[e * n..(e + 1) * n].copy_from_slice(decided);
        self.short[e] = short;
        self.digest[e] = digest(requests);
        self.last = e;
        self.next = (e + 1) % Self::ENTRIES;
        self.len = (self.len + 1).min(Self::ENTRIES);
    }
}

/// What the report reads of a domain.
#[derive(Debug, Clone, Default)]
pub struct DomainRecord {
    pub arbitrations: u64,
    /// Time in which some request was not met [ms].
    pub short_ms: u64,
    pub observed_ms: u64,
}

impl DomainState {
    pub fn record(&self) -> DomainRecord {
        DomainRecord {
            arbitrations: self.arbitrations,
            short_ms: self.short_ms,
            observed_ms: self.observed_ms,
        }
    }
}

/// What the report reads of a WLM instance.
#[derive(Debug, Clone, Default)]
pub struct WlmRecord {
    pub intervals: u64,
    /// Per SLO: time it was active, and active with its request met [ms].
    pub slo_active_ms: Vec<u64>,
    pub slo_met_ms: Vec<u64>,
}

impl WlmState {
    pub fn record(&self) -> WlmRecord {
        WlmRecord {
            intervals: self.intervals,
            slo_active_ms: self.slo_active_ms.clone(),
            slo_met_ms: self.slo_met_ms.clone(),
        }
    }
}

/// What the report says of one compartment.
#[derive(Debug, Clone, Default)]
pub struct CompartmentMeter {
    pub reallocations: u64,
    /// Intervals whose decision differed from the allocation held: in advisory mode, the
    /// reallocations it would have made.
    pub changes_decided: u64,
    pub at_min_ms: u64,
    pub at_max_ms: u64,
    pub request_met_ms: u64,
    pub observed_ms: u64,
    /// Σ decided allocation × interval [core-ms, physical cores]: the mean of what the
    /// manager decided (for an advisory domain, what it would have set).
    pub decided_cms: f64,
}

impl DomainState {
    pub fn new(d: &Domain, model: &Model) -> Self {
        let n = d.members.len();
        DomainState {
            extra: 0.0,
            pending_extra: 0.0,
            comps: d.compartments.clone(),
            obs: vec![
                gwlm::Observation {
                    allocation: 0.0,
                    consumed: 0.0,
                    metric: 0.0
                };
                n
            ],
            ahead: Vec::with_capacity(n),
            decided: vec![0.0; n],
            requests: vec![0.0; n],
            prepared: d.compartments.iter().map(gwlm::Prepared::new).collect(),
            range: d
                .compartments
                .iter()
                .map(|c| policy_range(&c.policy))
                .collect(),
            memo: Memo::new(n),
            epoch: 0,
            plain: d.conditions.iter().all(Option::is_none)
                && d.metrics.iter().all(Option::is_none)
                && d.wlm_sources.iter().all(Option::is_none),
            node: d.members.iter().map(|m| m.0 as usize).collect(),
            speed: d
                .members
                .iter()
                .map(|m| model.nodes[m.0 as usize].speed)
                .collect(),
            metric: vec![0.0; n],
            pending: vec![0.0; n],
            scratch: gwlm::Scratch::new(n),
            guests: vcpu::DomainGuests::of(model, d.node, &d.members),
            last_tick: 0,
            base: f64::NAN,
            short: false,
            arbitrations: 0,
            short_ms: 0,
            observed_ms: 0,
        }
    }
}

/// The per-node state that workload managers read and write, owned by the simulation: what
/// each node holds, how it shares, and what it consumed since its manager's last tick.
pub struct Allocations {
    /// Reserved capacity of fixed-share nodes [reference cores].
    pub fixed: Vec<f64>,
    /// Share weight; 0 marks a fixed-share node.
    pub weight: Vec<f64>,
    /// The most a node can use [reference cores].
    pub max: Vec<f64>,
    /// Served and offered since the last tick of the node's manager [reference core-ms].
    pub obs_served: Vec<f64>,
    pub obs_granted: Vec<f64>,
    pub meters: Vec<CompartmentMeter>,
}

impl Allocations {
    /// What node `i` holds now [reference cores], the denominator of its utilization: its
    /// reservation when fixed (a managed compartment's current allocation), its most when
    /// elastic (a VM's vCPUs, an FSS group's parent).
    pub fn held(&self, i: usize) -> f64 {
        if self.weight[i] > 0.0 {
            self.max[i]
        } else {
            self.fixed[i]
        }
    }
}

/// Managed compartments hold exactly what the manager allocates (a VM's entitlement is capped
/// at its gWLM allocation [GV6]; a PRM group's share becomes its allocation): turn them into
/// fixed-share nodes at their current static allocation.
pub fn deploy(d: &Domain, model: &Model, nodes: &mut Allocations) {
    if d.advisory {
        return;
    }
    let total_weight: f64 = d.members.iter().map(|m| nodes.weight[m.0 as usize]).sum();
    let capacity = domain_capacity(d, model, nodes, 0.0);
    for m in &d.members {
        let i = m.0 as usize;
        if nodes.weight[i] > 0.0 {
            let speed = model.nodes[i].speed;
            let share = match model.nodes[i].kind {
                // A guest starts at its entitlement.
                crate::model::NodeKind::Vm => nodes.weight[i],
                // A PRM group starts at its share of the OS.
                _ => nodes.weight[i] / total_weight * capacity * speed,
            };
            nodes.fixed[i] = share;
            nodes.weight[i] = 0.0;
        }
    }
}

/// What the domain shares now [physical cores].
fn domain_capacity(d: &Domain, model: &Model, nodes: &Allocations, extra: f64) -> f64 {
    match d.capacity {
        Capacity::Pooled(cores) => cores + extra,
        Capacity::OfNode { reserved } => {
            let i = d.node.0 as usize;
            let node = &model.nodes[i];
            let held = nodes.held(i);
            (held / node.speed - reserved).max(0.0)
        }
    }
}

/// What a tick observes of a compartment that served `served` and was granted `granted`
/// [reference core-ms] over `dt` ms, in its own cores.
fn observation(served: f64, granted: f64, dt: f64, speed: f64, metric: f64) -> gwlm::Observation {
    gwlm::Observation {
        allocation: in_own_cores(granted / dt, speed),
        consumed: in_own_cores(served / dt, speed),
        metric,
    }
}

/// `rate / speed`: most compartments run at the reference speed, and a division by one gives
/// its dividend exactly, so it is skipped there. A tick's chain of divisions (per time, per
/// speed, per target, per step) is most of its latency.
#[inline]
fn in_own_cores(rate: f64, speed: f64) -> f64 {
    if speed == 1.0 { rate } else { rate / speed }
}

/// One interval tick at `now`. Returns true when allocations must change (managed domains
/// only); the new ones are in `state.pending`.
pub fn tick(
    d: &Domain,
    state: &mut DomainState,
    model: &Model,
    nodes: &mut Allocations,
    wlm: &[WlmState],
    around: &Surroundings,
    now: TimeMs,
) -> bool {
    let span = now.saturating_sub(state.last_tick);
    state.last_tick = now;
    if span == 0 {
        return false;
    }
    let dt = span as f64;
    if !state.plain {
        switch_policies(d, state, model, wlm, around, now);
    }
    let (n, step) = (state.node.len(), d.granularity.step());
    let (speed, metric) = (&state.speed[..n], &state.metric[..n]);
    let (obs, requests, prepared) = (
        &mut state.obs[..n],
        &mut state.requests[..n],
        &state.prepared[..n],
    );
    for (j, &i) in state.node.iter().enumerate() {
        let o = observation(
            nodes.obs_served[i],
            nodes.obs_granted[i],
            dt,
            speed[j],
            metric[j],
        );
        obs[j] = o;
        requests[j] = prepared[j].request_with(&o, step);
        nodes.obs_served[i] = 0.0;
        nodes.obs_granted[i] = 0.0;
    }
    // First within the cores the complex has rights for; then, if compartments of priority up
    // to utilitypri are still short and the TiCAP balance allows, with temporary cores too.
    let base = domain_capacity(d, model, nodes, 0.0);
    state.base = base;
    // Requests too fine to round are not what the arbitration reads: no memo then.
    let found = if gwlm::decides_by_requests(base, d.granularity) {
        state
            .memo
            .find(base, state.epoch, &state.requests, &mut state.decided)
    } else {
        None
    };
    let mut short = if let Some(short) = found {
        short
    } else {
        let short = gwlm::arbitrate_prepared(
            base,
            &state.comps,
            &state.prepared,
            &state.requests,
            &state.obs,
            d.granularity,
            &mut state.scratch,
            &mut state.decided,
        );
        state.memo.insert(&state.requests, &state.decided, short);
        short
    };
    state.pending_extra = 0.0;
    if let (true, Some(t)) = (short, d.ticap) {
        let shortfall: f64 = state
            .comps
            .iter()
            .enumerate()
            .filter(|(_, c)| t.utilitypri.is_none_or(|u| c.priority <= u))
            .map(|(j, _)| (state.requests[j] - state.decided[j]).max(0.0))
            .sum();
        let extra = shortfall.ceil().min(t.max_extra);
        // Cores covered by spare usage rights (a GiCAP loan) cost nothing; the rest must be
        // covered by the balance.
        let paid = (extra - around.spare_rights).max(0.0);
        let allowed = paid == 0.0
            || around.ledger.is_some_and(|l| {
                l.can_activate(paid as u32) && l.utility_reserve_ok(t.reserve_days)
            });
        if extra > 0.0 && allowed {
            state.pending_extra = extra;
            short = gwlm::arbitrate_prepared(
                base + extra,
                &state.comps,
                &state.prepared,
                &state.requests,
                &state.obs,
                d.granularity,
                &mut state.scratch,
                &mut state.decided,
            );
        }
    }
    if let Some(g) = &mut state.guests {
        short |= gwlm::placeable(
            g,
            &state.range,
            d.granularity,
            &state.requests,
            &mut state.decided,
        );
    }
    state.short = short;
    state.account(nodes, 1, span);
    let changed =
        state
            .node
            .iter()
            .zip(&state.decided)
            .zip(&state.speed)
            .any(|((&i, &decided), &speed)| {
                (decided - in_own_cores(nodes.fixed[i], speed)).abs() > 1e-9
            });
    state.pending.copy_from_slice(&state.decided);
    (changed || state.pending_extra != state.extra) && !d.advisory
}

impl DomainState {
    /// Book `ticks` ticks of `span` ms that observed `obs` and decided `decided`: the tick
    /// just run (one), or a resting domain's skipped ticks, identical to the last one. Sums
    /// of floats are added tick by tick, as the ticks themselves would have added them.
    pub fn account(&mut self, nodes: &mut Allocations, ticks: u64, span: u64) {
        let (dt, whole) = (span as f64, ticks * span);
        self.arbitrations += ticks;
        self.observed_ms += whole;
        if self.short {
            self.short_ms += whole;
        }
        let n = self.node.len();
        let (obs, range) = (&self.obs[..n], &self.range[..n]);
        let (decided, requests) = (&self.decided[..n], &self.requests[..n]);
        // The comparisons are data, not control: which way they go changes from tick to tick
        // and member to member, so they are counted without branches.
        for j in 0..n {
            let meter = &mut nodes.meters[self.node[j]];
            let ((lo, hi), decided, request) = (range[j], decided[j], requests[j]);
            let held = obs[j].allocation;
            meter.observed_ms += whole;
            meter.at_min_ms += whole * u64::from(held <= lo + 1e-9);
            meter.at_max_ms += whole * u64::from(held >= hi - 1e-9);
            meter.request_met_ms += whole * u64::from(decided >= request - 1e-9);
            let cms = decided * dt;
            for _ in 0..ticks {
                meter.decided_cms += cms;
            }
            meter.changes_decided += ticks * u64::from((decided - held).abs() > 1e-9);
        }
    }

    /// Whether the next tick, one `span` after a decision just applied, would repeat this one
    /// and change nothing: `ahead[j]` is what member j will have served and been granted over
    /// that window at the rates it now runs at [reference core-ms], summed as the tick would
    /// sum them. The same requests under the same capacity and policies give the same
    /// decision, and it is what the members now hold. If so, that tick's observations become
    /// the last ones, as if it had run, so that the domain can rest from now: after a sample
    /// moves a compartment's demand, most decisions are confirmed by exactly such a tick.
    pub fn repeats_after_apply(
        &mut self,
        d: &Domain,
        model: &Model,
        nodes: &Allocations,
        ahead: &[(f64, f64)],
        span: u64,
    ) -> bool {
        let base = domain_capacity(d, model, nodes, 0.0);
        if base != self.base
            || !gwlm::decides_by_requests(base, d.granularity)
            || self.pending_extra != self.extra
            || span == 0
        {
            return false;
        }
        let (dt, step) = (span as f64, d.granularity.step());
        self.ahead.clear();
        for (j, &(served, granted)) in ahead.iter().enumerate() {
            let (i, speed) = (self.node[j], self.speed[j]);
            let obs = observation(served, granted, dt, speed, self.metric[j]);
            let request = self.prepared[j].request_with(&obs, step);
            if request.to_bits() != self.requests[j].to_bits()
                || (self.decided[j] - in_own_cores(nodes.fixed[i], speed)).abs() > 1e-9
            {
                return false;
            }
            self.ahead.push(obs);
        }
        self.obs.copy_from_slice(&self.ahead);
        true
    }

    /// A domain may rest when a tick depends on nothing but what its compartments consume
    /// and hold: no conditional policy, no metric, no temporary capacity to buy.
    pub fn may_rest(&self, d: &Domain) -> bool {
        self.plain && d.ticap.is_none()
    }

    /// When the last tick was (or a resting domain's last skipped tick).
    pub fn last_tick(&self) -> TimeMs {
        self.last_tick
    }

    pub fn set_last_tick(&mut self, at: TimeMs) {
        self.last_tick = at;
    }

    /// What member `j` consumed and held over the last tick's window [reference cores].
    pub fn observed_rates(&self, j: usize) -> (f64, f64) {
        let o = &self.obs[j];
        (o.consumed * self.speed[j], o.allocation * self.speed[j])
    }
}

/// Conditional policies switched by their window or package, and the metrics custom policies
/// and WLM's global arbiter read, at `now`.
fn switch_policies(
    d: &Domain,
    state: &mut DomainState,
    model: &Model,
    wlm: &[WlmState],
    around: &Surroundings,
    now: TimeMs,
) {
    for (j, m) in d.members.iter().enumerate() {
        if let Some(c) = &d.conditions[j] {
            let holds = match c.when {
                When::Window(w) => w.contains(now),
                When::Package(k) => {
                    around.packages[k as usize].is_some_and(|n| model.is_within(n, *m))
                }
            };
            let policy = if holds { c.inside } else { c.outside };
            if policy != state.comps[j].policy {
                state.comps[j].policy = policy;
                state.prepared[j] = gwlm::Prepared::new(&state.comps[j]);
                state.range[j] = policy_range(&policy);
                state.epoch += 1;
            }
        }
        // A custom policy reads the metric's latest sample (the trace repeats if shorter).
        state.metric[j] = match (&d.metrics[j], d.wlm_sources[j]) {
            (_, Some(k)) => wlm[k].total_request,
            (Some(s), None) => sample_at(s, now),
            (None, None) => 0.0,
        };
    }
}

/// Apply a domain's pending allocations.
///
/// Every allocation applied is checked: within the partition's own limits and its policy's
/// min and max, a multiple of the domain's granularity, and all of them within what the
/// domain shares. A breach is a bug in the arbitration, reported as such.
pub fn apply(
    d: &Domain,
    state: &DomainState,
    model: &Model,
    nodes: &mut Allocations,
) -> Result<(), String> {
    let capacity = domain_capacity(d, model, nodes, state.pending_extra);
    let total: f64 = state.pending.iter().sum();
    if total > capacity + 1e-6 {
        return Err(format!(
            "domain `{}` allocated {total} cores of {capacity}",
            model.nodes[d.node.0 as usize].name
        ));
    }
    let step = match d.granularity {
        gwlm::Granularity::WholeCores => 1.0,
        gwlm::Granularity::Step(s) => s,
    };
    // Only what moves is checked: a member that keeps its cores holds what was checked when
    // it got them (or what the scenario gave it).
    for (j, m) in d.members.iter().enumerate() {
        let i = m.0 as usize;
        let cores = state.pending[j];
        let new = cores * state.speed[j];
        if (new - nodes.fixed[i]).abs() <= 1e-9 {
            continue;
        }
        let node = &model.nodes[i];
        let (lo, hi) = policy_range(&state.comps[j].policy);
        let units = cores / step;
        if cores < lo.max(node.min_cores) - 1e-6
            || cores > hi.min(node.max_cores) + 1e-6
            || (units - units.round()).abs() > 1e-6
        {
            return Err(format!(
                "`{}` allocated {cores} cores: outside {lo}..{hi} or not a multiple of {step}",
                node.name
            ));
        }
        nodes.fixed[i] = new;
        nodes.meters[i].reallocations += 1;
    }
    Ok(())
}

/// A policy's min and max [cores] (a fixed policy's are its cores).
fn policy_range(p: &gwlm::Policy) -> (f64, f64) {
    match *p {
        gwlm::Policy::Fixed { cores } => (cores, cores),
        gwlm::Policy::Utilization { min, max, .. }
        | gwlm::Policy::OwnBorrow { min, max, .. }
        | gwlm::Policy::Custom { min, max } => (min, max),
    }
}

/// Per-WLM-instance working state and counters.
pub struct WlmState {
    obs: Vec<wlm::Observed>,
    active: Vec<wlm::Slo>,
    active_index: Vec<usize>,
    requests: Vec<f64>,
    out: Vec<f64>,
    met: Vec<bool>,
    scratch: wlm::Scratch,
    last_tick: TimeMs,
    pub intervals: u64,
    /// What this WLM asked for at its last interval [cores]: each group's largest active SLO
    /// request, at least its floor, summed. WLM's global arbiter reads it.
    pub total_request: f64,
    /// Per SLO: time it was active, and active with its request met [ms].
    pub slo_active_ms: Vec<u64>,
    pub slo_met_ms: Vec<u64>,
}

impl WlmState {
    pub fn new(w: &WlmInstance) -> Self {
        let (g, s) = (w.groups.len(), w.slos.len());
        WlmState {
            obs: vec![
                wlm::Observed {
                    allocation: 0.0,
                    consumed: 0.0,
                    metric: 0.0
                };
                g
            ],
            active: Vec::with_capacity(s),
            active_index: Vec::with_capacity(s),
            requests: vec![0.0; s],
            out: vec![0.0; g],
            met: vec![false; s],
            scratch: wlm::Scratch::new(g, s),
            last_tick: 0,
            intervals: 0,
            total_request: 0.0,
            slo_active_ms: vec![0; s],
            slo_met_ms: vec![0; s],
        }
    }
}

/// A WLM takes over its host's PRM groups: each holds exactly its allocation from then on,
/// starting at its static share of the host.
pub fn wlm_deploy(w: &WlmInstance, nodes: &mut Allocations) {
    let host = w.host.0 as usize;
    let held = nodes.held(host);
    let reserved: f64 = w
        .members
        .iter()
        .map(|m| m.0 as usize)
        .filter(|&i| nodes.weight[i] <= 0.0)
        .map(|i| nodes.fixed[i])
        .sum();
    let total_weight: f64 = w.members.iter().map(|m| nodes.weight[m.0 as usize]).sum();
    for m in &w.members {
        let i = m.0 as usize;
        if nodes.weight[i] > 0.0 {
            nodes.fixed[i] = nodes.weight[i] / total_weight * (held - reserved).max(0.0);
            nodes.weight[i] = 0.0;
        }
    }
}

/// One wlm_interval: read what each group consumed, run each active SLO's controller,
/// arbitrate, and set the new allocations (PRM shares act at once).
pub fn wlm_tick(
    w: &WlmInstance,
    state: &mut WlmState,
    model: &Model,
    nodes: &mut Allocations,
    packages: &[Option<NodeId>],
    now: TimeMs,
) {
    let span = now.saturating_sub(state.last_tick);
    state.last_tick = now;
    if span == 0 {
        return;
    }
    let dt = span as f64;
    for (g, m) in w.members.iter().enumerate() {
        let i = m.0 as usize;
        let speed = model.nodes[i].speed;
        state.obs[g] = wlm::Observed {
            allocation: nodes.obs_granted[i] / dt / speed,
            consumed: nodes.obs_served[i] / dt / speed,
            metric: 0.0,
        };
        nodes.obs_served[i] = 0.0;
        nodes.obs_granted[i] = 0.0;
    }
    state.active.clear();
    state.active_index.clear();
    for (s, slo) in w.slos.iter().enumerate() {
        let holds = |when: When| match when {
            When::Window(win) => win.contains(now),
            When::Package(k) => packages[k as usize].is_some_and(|n| model.is_within(n, w.host)),
        };
        if w.slo_windows[s].is_some_and(|when| !holds(when)) {
            continue;
        }
        let mut obs = state.obs[slo.group];
        obs.metric = match &w.slo_metrics[s] {
            SloMetric::None => 0.0,
            SloMetric::Trace(series) => sample_at(series, now),
            SloMetric::ResponseTime { service_s } => {
                // The group as an M/M/c queue: c = its whole cores (at least one), loaded in
                // proportion to its utilization.
                let c = obs.allocation.round().max(1.0);
                let load = if obs.allocation > 0.0 {
                    obs.consumed / obs.allocation * c
                } else {
                    f64::INFINITY
                };
                queueing::response_time(c as u32, load, *service_s).min(1e12)
            }
        };
        state.requests[state.active.len()] =
            wlm::request(slo, &w.groups[slo.group], &obs, &w.config);
        state.active.push(*slo);
        state.active_index.push(s);
    }
    let host = w.host.0 as usize;
    let held = nodes.held(host);
    let capacity = held / model.nodes[host].speed;
    let n = state.active.len();
    wlm::arbitrate(
        capacity,
        &w.groups,
        &state.active,
        &state.requests[..n],
        &w.config,
        &mut state.scratch,
        &mut state.out,
        &mut state.met[..n],
    );
    state.intervals += 1;
    state.total_request = w
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let floor = if state.active.iter().any(|s| s.group == g) {
                group.gmincpu
            } else {
                group.gmincpu.max(w.config.idle_min)
            };
            state
                .active
                .iter()
                .zip(&state.requests[..n])
                .filter(|(s, _)| s.group == g)
                .fold(floor, |t, (_, r)| t.max(*r))
        })
        .sum();
    for (k, &s) in state.active_index.iter().enumerate() {
        state.slo_active_ms[s] += span;
        if state.met[k] {
            state.slo_met_ms[s] += span;
        }
    }
    for (g, m) in w.members.iter().enumerate() {
        let i = m.0 as usize;
        let meter = &mut nodes.meters[i];
        meter.observed_ms += span;
        meter.decided_cms += state.out[g] * dt;
        let new = state.out[g] * model.nodes[i].speed;
        if (new - nodes.fixed[i]).abs() > 1e-9 {
            nodes.fixed[i] = new;
            meter.reallocations += 1;
            meter.changes_decided += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_finds_what_it_holds_and_forgets_all_when_the_capacity_or_policies_change() {
        let mut m = Memo::new(2);
        let mut out = [0.0; 2];
        assert_eq!(m.find(4.0, 0, &[1.0, 1.0], &mut out), None);
        m.insert(&[1.0, 1.0], &[2.0, 2.0], false);
        m.insert(&[2.0, 1.0], &[3.0, 1.0], true);
        assert_eq!(m.find(4.0, 0, &[1.0, 1.0], &mut out), Some(false));
        assert_eq!(out, [2.0, 2.0]);
        assert_eq!(m.find(4.0, 0, &[2.0, 1.0], &mut out), Some(true));
        assert_eq!(out, [3.0, 1.0]);
        // Another capacity: what was decided for 4 cores is never handed out for 3.
        assert_eq!(m.find(3.0, 0, &[1.0, 1.0], &mut out), None);
        m.insert(&[1.0, 2.0], &[1.0, 2.0], false);
        assert_eq!(m.find(3.0, 0, &[2.0, 1.0], &mut out), None);
        assert_eq!(m.find(3.0, 0, &[1.0, 1.0], &mut out), None);
        assert_eq!(m.find(3.0, 0, &[1.0, 2.0], &mut out), Some(false));
        // Other policies (a new epoch): the same.
        assert_eq!(m.find(3.0, 1, &[1.0, 2.0], &mut out), None);
    }

    #[test]
    fn a_full_memo_replaces_its_oldest_entry() {
        let mut m = Memo::new(1);
        let mut out = [0.0];
        assert_eq!(m.find(8.0, 0, &[0.0], &mut out), None);
        for r in 0..=Memo::ENTRIES {
            m.insert(&[r as f64], &[r as f64 + 0.5], false);
        }
        // Entry 0 was the oldest and has gone; every later one is still there.
        assert_eq!(m.find(8.0, 0, &[0.0], &mut out), None);
        for r in 1..=Memo::ENTRIES {
            assert_eq!(m.find(8.0, 0, &[r as f64], &mut out), Some(false));
            assert_eq!(out, [r as f64 + 0.5]);
        }
    }
}
