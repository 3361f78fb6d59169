//! The Serviceguard state machine inside a run: which nodes are down, which cores are lost,
//! where each package runs and when its next step is due.
//!
//! It decides; the simulation applies. Every call leaves the consequences in public fields the
//! simulation reads (`down`, `lost_cores`, `running`, `leaf`) and returns the package steps to
//! schedule, so this module knows no event queue and no fluid model. The decisions themselves
//! (the adoptive node, the outage times) are the pure functions of [`super`].

use super::{Failback, FailureKind, Ha, Outage};
use crate::model::{Model, NodeId};

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
    pub returning: bool,
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

/// What failures and packages did in one run: the record the report reads.
#[derive(Debug, Clone, Default)]
pub struct HaRun {
    /// Every outage of every failure source, by (source index in `Ha::failures`, outage), in
    /// source order then time order.
    pub outages: Vec<(u32, Outage)>,
    /// Per outage: a core failure that Dynamic Processor Resiliency covered with an inactive
    /// core.
    pub replaced: Vec<bool>,
    /// Per workload: time it was running on a node that was up [ms].
    pub up_ms: Vec<f64>,
    /// Per workload: work that arrived while it was not running [core-ms].
    pub outage_work: Vec<f64>,
    pub packages: Vec<PackageState>,
}

/// A package's next step, for the caller to schedule: after the cluster reformed, pick a
/// node (`start` false); after its start-up time, run there (`start` true). Stale when the
/// package's epoch has moved on by then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub at_ms: u64,
    pub package: u32,
    pub epoch: u32,
    pub start: bool,
}

/// Failures and packages during one run.
pub struct Failover<'a> {
    ha: &'a Ha,
    model: &'a Model,
    horizon_ms: u64,
    /// Outages by (source, outage), and per outage whether an inactive core replaced it.
    pub outages: Vec<(u32, Outage)>,
    pub replaced: Vec<bool>,
    pub packages: Vec<PackageState>,
    /// Failures in force on each node; several sources may hold one node down.
    failed: Vec<u32>,
    /// The node or an ancestor has failed, or is dark: it serves nothing.
    pub down: Vec<bool>,
    /// The node or an ancestor has failed: what Serviceguard sees (a dark node is a member
    /// that is still waking, never a failed one).
    failed_down: Vec<bool>,
    /// Per node: held dark by its power state (an nPar waking from standby, `sim::power`).
    pub dark: Vec<u32>,
    /// How long a package placed on a node now waits for the node to wake [ms], by (node,
    /// time): `Ha::wake_waits`, or filled as it goes by `sim::power`'s replay.
    pub wake_waits: std::collections::HashMap<(u32, u64), u64>,
    /// Cores each server runs short of: failed cores with no inactive core to replace them.
    pub lost_cores: Vec<f64>,
    /// Inactive iCAP cores each server still has for Dynamic Processor Resiliency.
    spare_cores: Vec<u32>,
    /// Per workload: not running while its package fails over.
    pub running: Vec<bool>,
    /// Per workload: the leaf node it runs in now.
    pub leaf: Vec<u32>,
    /// Per package, the node it runs on (None while it fails over), for conditional policies.
    pub package_nodes: Vec<Option<NodeId>>,
}

impl<'a> Failover<'a> {
    /// `spare_cores[n]`: inactive cores of server node n (0 elsewhere); `outages` as
    /// [`HaRun::outages`].
    pub fn new(
        ha: &'a Ha,
        model: &'a Model,
        horizon_ms: u64,
        outages: Vec<(u32, Outage)>,
        spare_cores: Vec<u32>,
    ) -> Self {
        let nn = model.nodes.len();
        let nw = model.workloads.len();
        Failover {
            ha,
            model,
            horizon_ms,
            replaced: vec![false; outages.len()],
            outages,
            packages: ha
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
            failed: vec![0; nn],
            down: vec![false; nn],
            failed_down: vec![false; nn],
            dark: vec![0; nn],
            wake_waits: ha.wake_waits.clone(),
            lost_cores: vec![0.0; nn],
            spare_cores,
            running: vec![true; nw],
            leaf: model.workloads.iter().map(|w| w.node.0).collect(),
            package_nodes: ha.packages.iter().map(|p| Some(p.nodes[0])).collect(),
        }
    }

    /// Outage `o` begins (`begins`) or ends. A node failure takes the node and everything
    /// under it down; a core failure takes an inactive iCAP core instead when the server has
    /// one (Dynamic Processor Resiliency), else the server runs a core short.
    pub fn fail(&mut self, o: usize, begins: bool, now: u64, steps: &mut Vec<Step>) {
        let spec = &self.ha.failures[self.outages[o].0 as usize];
        let t = spec.target.0 as usize;
        match spec.kind {
            FailureKind::Node => {
                if begins {
                    self.failed[t] += 1;
                } else {
                    self.failed[t] -= 1;
                }
                self.refresh_down(now, steps);
            }
            FailureKind::Core if begins => {
                if self.spare_cores[t] > 0 {
                    self.spare_cores[t] -= 1;
                    self.replaced[o] = true;
                } else {
                    self.lost_cores[t] += 1.0;
                }
            }
            // The repaired core returns as an inactive spare, or gives back the lost one.
            FailureKind::Core => {
                if self.replaced[o] {
                    self.spare_cores[t] += 1;
                } else {
                    self.lost_cores[t] -= 1.0;
                }
            }
        }
    }

    /// A package step is due; a stale one (its epoch moved on) does nothing. Returns whether
    /// anything changed.
    pub fn step(&mut self, s: Step, now: u64, steps: &mut Vec<Step>) -> bool {
        let k = s.package as usize;
        if self.packages[k].epoch != s.epoch {
            return false;
        }
        if s.start {
            self.start_package(k);
            // A primary that came back while the package was starting elsewhere takes it back
            // as soon as it runs, not at the next unrelated failure.
            self.failback(k, now, steps);
        } else {
            self.place_package(k, now, steps);
        }
        true
    }

    /// Recompute which nodes are down, then react as Serviceguard does: packages on a node
    /// that went down fail over once the cluster has reformed; halted packages start where a
    /// node came back; under automatic failback a package returns to its primary.
    fn refresh_down(&mut self, now: u64, steps: &mut Vec<Step>) {
        self.recompute_down();
        for k in 0..self.ha.packages.len() {
            let p = &self.ha.packages[k];
            let node = self.packages[k].node;
            match self.packages[k].phase {
                Phase::Running | Phase::Starting if self.failed_down[node.0 as usize] => {
                    self.stop_package(k);
                    self.packages[k].phase = Phase::Reforming;
                    let at = now + self.ha.clusters[p.cluster].reformation_ms();
                    self.schedule(k, at, false, steps);
                }
                Phase::Halted => self.place_package(k, now, steps),
                Phase::Running => self.failback(k, now, steps),
                _ => {}
            }
        }
    }

    fn recompute_down(&mut self) {
        for i in 0..self.model.nodes.len() {
            // Preorder: the parent's state is already known.
            let (parent_down, parent_failed) =
                self.model.nodes[i].parent.map_or((false, false), |p| {
                    (self.down[p.0 as usize], self.failed_down[p.0 as usize])
                });
            self.failed_down[i] = parent_failed || self.failed[i] > 0;
            self.down[i] = parent_down || self.failed_down[i] || self.dark[i] > 0;
        }
    }

    /// A node goes dark (`on`) or comes back: an nPar waking from standby serves nothing.
    /// Serviceguard does not react: the packages there stay, as on a node that is slow.
    pub fn set_dark(&mut self, node: NodeId, on: bool) {
        let d = &mut self.dark[node.0 as usize];
        *d = if on { *d + 1 } else { d.saturating_sub(1) };
        self.recompute_down();
    }

    /// How long a package placed on `n` at `now` waits for `n` to wake [ms].
    fn wake_wait(&self, n: NodeId, now: u64) -> u64 {
        self.wake_waits.get(&(n.0, now)).copied().unwrap_or(0)
    }

    /// Under automatic failback, a package running away from its primary while the primary
    /// is up returns to it: it halts and starts there.
    fn failback(&mut self, k: usize, now: u64, steps: &mut Vec<Step>) {
        let p = &self.ha.packages[k];
        let state = &self.packages[k];
        if state.phase != Phase::Running
            || p.failback != Failback::Automatic
            || state.node == p.nodes[0]
            || self.failed_down[p.nodes[0].0 as usize]
        {
            return;
        }
        self.stop_package(k);
        let state = &mut self.packages[k];
        state.phase = Phase::Starting;
        state.node = p.nodes[0];
        state.failbacks += 1;
        state.returning = true;
        let wait = self.wake_wait(p.nodes[0], now);
        self.schedule(k, now + wait + p.start_ms, true, steps);
    }

    /// Halt a package's workloads and make its pending steps stale.
    fn stop_package(&mut self, k: usize) {
        self.package_nodes[k] = None;
        for &w in &self.ha.packages[k].workloads {
            self.running[w as usize] = false;
        }
        self.packages[k].epoch += 1;
    }

    fn schedule(&mut self, k: usize, at: u64, start: bool, steps: &mut Vec<Step>) {
        // A step due at or after the horizon would change nothing reported.
        if at < self.horizon_ms {
            steps.push(Step {
                at_ms: at,
                package: k as u32,
                epoch: self.packages[k].epoch,
                start,
            });
        }
    }

    /// Pick the adoptive node by the package's failover policy and start the package there,
    /// or halt it until a node of its list is up.
    fn place_package(&mut self, k: usize, now: u64, steps: &mut Vec<Step>) {
        let p = &self.ha.packages[k];
        let states = &self.packages;
        let running = |n: NodeId| {
            states
                .iter()
                .filter(|s| s.node == n && matches!(s.phase, Phase::Running | Phase::Starting))
                .count() as u32
        };
        let target = super::adoptive_node(
            p,
            |n| !self.failed_down[n.0 as usize],
            running,
            |n| self.model.nodes[n.0 as usize].cores,
        );
        match target {
            Some(n) => {
                let state = &mut self.packages[k];
                state.phase = Phase::Starting;
                state.node = n;
                let wait = self.wake_wait(n, now);
                self.schedule(k, now + wait + p.start_ms, true, steps);
            }
            None => {
                let state = &mut self.packages[k];
                if state.phase != Phase::Halted {
                    state.halts += 1;
                }
                state.phase = Phase::Halted;
            }
        }
    }

    /// The package's start-up is over: its workloads run on its node from now on.
    fn start_package(&mut self, k: usize) {
        let state = &mut self.packages[k];
        let node = state.node;
        // A failback was counted when it was decided.
        if state.last_node != node && !std::mem::take(&mut state.returning) {
            state.failovers += 1;
        }
        state.last_node = node;
        state.phase = Phase::Running;
        self.package_nodes[k] = Some(node);
        for &w in &self.ha.packages[k].workloads {
            self.leaf[w as usize] = node.0;
            self.running[w as usize] = true;
        }
    }

    /// The record, with the per-workload time up and work lost the run measured.
    pub fn into_record(self, up_ms: Vec<f64>, outage_work: Vec<f64>) -> HaRun {
        HaRun {
            outages: self.outages,
            replaced: self.replaced,
            up_ms,
            outage_work,
            packages: self.packages,
        }
    }
}
