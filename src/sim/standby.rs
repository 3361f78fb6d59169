//! When each unit with power states (`[[power_states]]`: a server or an nPar) has work,
//! followed ahead of the run as the run will place it (issue #20 item 5).
//!
//! A unit is busy when a workload running in it has demand, or when something must land in
//! it: a planned move in progress to or from it (the copy of a migration needs both ends up,
//! a reinstalled workload its new partition), or a Serviceguard package starting on it. All
//! three are known before the run:
//! - demand is an input (a trace or a generator), never an outcome;
//! - planned moves have their times in the scenario;
//! - Serviceguard's decisions depend on the outages alone (which nodes are up, the packages'
//!   lists and policies), and the outages are drawn from the scenario's seed and the replica
//!   before the run (`sim::outages`). The same state machine the run uses
//!   ([`Failover`]) is driven here over them, in the run's order of events, so where each
//!   package runs and when is the run's.
//!
//! What the replay adds: a package placed on a node whose unit is in standby (or still
//! waking) starts once the unit is up — Serviceguard picks the node, the node powers on
//! (`wake_up`), then the package's start-up runs. The wait is recorded by (node, time) in
//! [`Failover::wake_waits`], and the run's state machine reads the same table
//! (`Ha::wake_waits`), so it makes the same decision at the same instant. Placing the package
//! claims the unit, which wakes it then; the wake-up is played in the run as any other
//! (`sim::moves`): cores that serve nothing, `wake_wh` in the energy.

use crate::engine::{Event, Queue};
use crate::ha::Outage;
use crate::ha::failover::{Failover, Phase, Step};
use crate::mobility::plan::{MoveKind, PowerUnit};
use crate::model::NodeId;
use crate::model::power::{PowerLedger, PowerState, State};
use crate::world::Scenario;
use std::collections::HashMap;

/// The units' power states, fed as the run will place work.
pub(crate) struct Units<'a> {
    states: Vec<PowerState>,
    /// Per node: the unit it lies in, if any.
    unit_of: Vec<Option<u32>>,
    /// Per workload: the node it runs in now (`None` while a move or a failover holds it).
    at: Vec<Option<NodeId>>,
    /// Per unit: moves in progress to or from it.
    claims: Vec<u32>,
    /// Planned moves' effects, by time (stable: the moves' order at one instant).
    steps: Vec<(u64, Action)>,
    next_step: usize,
    replay: Option<Replay<'a>>,
    busy: Vec<bool>,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Claim(u32),
    Release(u32),
    Place { workload: u32, at: Option<NodeId> },
}

impl<'a> Units<'a> {
    /// The units of `power` in `scenario`, whose failures drew `outages`.
    pub fn new(scenario: &'a Scenario, power: &[PowerUnit], outages: &[(u32, Outage)]) -> Self {
        let model = &scenario.model;
        let nn = model.nodes.len();
        let mut unit_of: Vec<Option<u32>> = vec![None; nn];
        for (u, p) in power.iter().enumerate() {
            unit_of[p.unit.0 as usize] = Some(u as u32);
        }
        // Preorder: a node's parent is settled before it.
        for i in 0..nn {
            if unit_of[i].is_none()
                && let Some(p) = model.nodes[i].parent
            {
                unit_of[i] = unit_of[p.0 as usize];
            }
        }
        let mut steps = Vec::new();
        if !power.is_empty() {
            for m in &scenario.mobility.moves {
                let start = m.start_ms;
                let unit = |n: NodeId| unit_of[n.0 as usize];
                match m.kind {
                    MoveKind::Guest {
                        guest,
                        from,
                        to,
                        migration,
                        ..
                    } => {
                        let (pause, resume) = super::moves::guest_steps(start, &migration);
                        let mut ends = vec![unit(from), unit(to)];
                        ends.dedup();
                        for u in ends.into_iter().flatten() {
                            steps.push((start, Action::Claim(u)));
                            steps.push((resume, Action::Release(u)));
                        }
                        for (w, wl) in model.workloads.iter().enumerate() {
                            if wl.node == guest {
                                let workload = w as u32;
                                steps.push((pause, Action::Place { workload, at: None }));
                                let at = Some(to);
                                steps.push((resume, Action::Place { workload, at }));
                            }
                        }
                    }
                    MoveKind::Workload {
                        workload,
                        to,
                        reboot_ms,
                        ..
                    } => {
                        let workload = workload.0;
                        let end = start.saturating_add(reboot_ms);
                        steps.push((start, Action::Place { workload, at: None }));
                        if let Some(u) = unit(to) {
                            steps.push((start, Action::Claim(u)));
                            steps.push((end, Action::Release(u)));
                        }
                        let at = Some(to);
                        steps.push((end, Action::Place { workload, at }));
                    }
                }
            }
        }
        steps.sort_by_key(|s| s.0);
        let replay = (!power.is_empty() && !scenario.ha.packages.is_empty())
            .then(|| Replay::new(scenario, outages));
        Units {
            states: power.iter().map(|p| PowerState::new(p.states)).collect(),
            unit_of,
            at: model.workloads.iter().map(|w| Some(w.node)).collect(),
            claims: vec![0; power.len()],
            steps,
            next_step: 0,
            replay,
            busy: vec![false; power.len()],
        }
    }

    /// When a move or Serviceguard next changes where work runs.
    pub fn next_time(&self) -> Option<u64> {
        let m = self.steps.get(self.next_step).map(|s| s.0);
        let r = self.replay.as_ref().and_then(|r| r.next_time());
        match (m, r) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Everything at `t`: the moves' steps, Serviceguard's events, then each unit observes
    /// whether it has work (`demand` per workload, as of `t`).
    pub fn at(&mut self, t: u64, demand: &[f64]) {
        if self.states.is_empty() {
            return;
        }
        while let Some(&(at, action)) = self.steps.get(self.next_step)
            && at == t
        {
            self.next_step += 1;
            match action {
                Action::Claim(u) => self.claims[u as usize] += 1,
                Action::Release(u) => self.claims[u as usize] -= 1,
                Action::Place { workload, at } => self.at[workload as usize] = at,
            }
        }
        self.busy.iter_mut().for_each(|b| *b = false);
        for (u, c) in self.claims.iter().enumerate() {
            self.busy[u] |= *c > 0;
        }
        if let Some(r) = &mut self.replay {
            if r.next_time() == Some(t) {
                // A node placed on now waits for its unit as it stands before the events.
                for &n in &r.nodes {
                    let Some(u) = self.unit_of[n.0 as usize] else {
                        continue;
                    };
                    let state = &mut self.states[u as usize];
                    state.advance_to(t);
                    let wait = match state.state() {
                        State::Standby { .. } => state.wake_ms(),
                        State::Waking { until_ms } => until_ms - t,
                        State::On => 0,
                    };
                    if wait > 0 {
                        r.f.wake_waits.insert((n.0, t), wait);
                    }
                }
                r.run_at(t);
                for &w in &r.workloads {
                    let w = w as usize;
                    self.at[w] = r.f.running[w].then_some(NodeId(r.f.leaf[w]));
                }
            }
            for s in r.f.packages.iter().filter(|s| s.phase == Phase::Starting) {
                if let Some(u) = self.unit_of[s.node.0 as usize] {
                    self.busy[u as usize] = true;
                }
            }
        }
        for (w, &d) in demand.iter().enumerate() {
            if d > 0.0
                && let Some(n) = self.at[w]
                && let Some(u) = self.unit_of[n.0 as usize]
            {
                self.busy[u as usize] = true;
            }
        }
        for (state, &busy) in self.states.iter_mut().zip(&self.busy) {
            state.observe(t, busy);
        }
    }

    /// Each unit's ledger at the horizon, and the waits the run's Serviceguard must read.
    pub fn finish(self, horizon_ms: u64) -> (Vec<PowerLedger>, HashMap<(u32, u64), u64>) {
        let ledgers = self
            .states
            .into_iter()
            .map(|mut s| s.finish(horizon_ms))
            .collect();
        let waits = self.replay.map(|r| r.f.wake_waits).unwrap_or_default();
        (ledgers, waits)
    }
}

/// Serviceguard's state machine over the outages, with the run's order of events.
struct Replay<'a> {
    f: Failover<'a>,
    queue: Queue<Ev>,
    /// The next event, taken off the queue to know its time.
    next: Option<(u64, Ev)>,
    /// Every node a package can run on, and every package's workloads.
    nodes: Vec<NodeId>,
    workloads: Vec<u32>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Fail(u32),
    Repair(u32),
    Package(Step),
}

impl Event for Ev {
    /// As the run orders them: failures and repairs, then package steps.
    fn rank(&self) -> u8 {
        match self {
            Ev::Fail(_) | Ev::Repair(_) => 1,
            Ev::Package(_) => 2,
        }
    }
}

impl<'a> Replay<'a> {
    fn new(scenario: &'a Scenario, outages: &[(u32, Outage)]) -> Self {
        let h = scenario.horizon_ms;
        // Spare cores only decide whether a failed core is replaced, never where a package
        // goes.
        let spare = vec![0; scenario.model.nodes.len()];
        let f = Failover::new(&scenario.ha, &scenario.model, h, outages.to_vec(), spare);
        let mut queue = Queue::with_capacity(2 * outages.len() + 8);
        for (o, (_, outage)) in outages.iter().enumerate() {
            queue.schedule(outage.start_ms, Ev::Fail(o as u32));
            if outage.end_ms < h {
                queue.schedule(outage.end_ms, Ev::Repair(o as u32));
            }
        }
        let mut nodes: Vec<NodeId> = scenario
            .ha
            .packages
            .iter()
            .flat_map(|p| p.nodes.iter().copied())
            .collect();
        nodes.sort();
        nodes.dedup();
        let next = queue.pop();
        Replay {
            f,
            queue,
            next,
            nodes,
            workloads: scenario
                .ha
                .packages
                .iter()
                .flat_map(|p| p.workloads.iter().copied())
                .collect(),
            steps: Vec::new(),
        }
    }

    fn next_time(&self) -> Option<u64> {
        self.next.map(|(t, _)| t)
    }

    /// Every event at `t`, including the package steps they schedule for `t`.
    fn run_at(&mut self, t: u64) {
        while let Some((at, ev)) = self.next
            && at == t
        {
            match ev {
                Ev::Fail(o) => self.f.fail(o as usize, true, t, &mut self.steps),
                Ev::Repair(o) => self.f.fail(o as usize, false, t, &mut self.steps),
                Ev::Package(s) => {
                    self.f.step(s, t, &mut self.steps);
                }
            }
            for s in self.steps.drain(..) {
                self.queue.schedule(s.at_ms, Ev::Package(s));
            }
            self.next = self.queue.pop();
        }
    }
}
