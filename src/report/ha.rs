//! The `ha` section of summary.json: what failures cost and how packages moved.

use super::core_hours;
use crate::ha::{FailureKind, Timing};
use crate::model::OnShortfall;
use crate::sim::{Outcome, Phase};
use crate::world::Scenario;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HaReport {
    /// Mean over workloads of the share of the horizon each ran on a node that was up.
    pub availability: f64,
    pub packages: Vec<PackageReport>,
    pub failures: Vec<FailureReport>,
    /// Every outage in time order (then by failure): what failed, when, and for how long;
    /// the charts shade them.
    pub outages: Vec<OutageReport>,
    /// Where each package ran, stretch by stretch (by package, then time); a gap between two
    /// is time it was not running (reformation, start-up, halted). The charts draw a
    /// failed-over workload on the node that ran it.
    pub placements: Vec<PlacementReport>,
    /// For each cluster node, the what-if of its loss for the whole horizon (null without
    /// clusters).
    pub n_minus_1: Option<Vec<NMinus1Report>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageReport {
    pub name: String,
    pub cluster: String,
    /// Its workloads, which move with it.
    pub workloads: Vec<String>,
    pub primary: String,
    /// Where it was at the horizon, and in what state (`running`, `reforming`, `starting`,
    /// `halted`).
    pub node_at_end: String,
    #[serde(deserialize_with = "crate::report::word::word")]
    pub state_at_end: crate::report::word::Word,
    pub failovers: u32,
    pub failbacks: u32,
    pub halts: u32,
    /// Time it was not running: failures, reformation, start-up, halts [ms].
    pub downtime_ms: u64,
    pub availability: f64,
    /// Work that arrived while it was not running: delayed for `delay` workloads, lost for
    /// `drop` ones [core-hours].
    pub outage_delayed_core_hours: f64,
    pub outage_lost_core_hours: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureReport {
    pub target: String,
    #[serde(deserialize_with = "crate::report::word::word")]
    pub kind: crate::report::word::Word,
    /// `scheduled` or `random`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub timing: crate::report::word::Word,
    pub outages: usize,
    pub down_ms: u64,
    /// Core failures Dynamic Processor Resiliency covered with an inactive iCAP core.
    pub replaced_by_icap: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageReport {
    pub target: String,
    /// `node` (it and everything under it serve nothing) or `core` (one core of a server).
    #[serde(deserialize_with = "crate::report::word::word")]
    pub kind: crate::report::word::Word,
    pub start_ms: u64,
    /// At most the horizon.
    pub end_ms: u64,
    /// A core failure Dynamic Processor Resiliency covered with an inactive iCAP core.
    pub replaced_by_icap: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementReport {
    pub package: String,
    pub node: String,
    pub from_ms: u64,
    pub to_ms: u64,
}

/// One node's loss, simulated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NMinus1Report {
    pub cluster: String,
    pub node: String,
    /// `meets` when every package it ran found a node and every server still up meets its
    /// limits over the whole horizon (its worst moment included); else `does_not_meet`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub verdict: crate::report::word::Word,
    pub moved: Vec<MovedPackage>,
    /// Servers (other than a lost server itself) whose verdict is `exceeds` after the loss.
    pub servers_exceeding: Vec<String>,
    /// The highest peak of time-aligned CPU demand ÷ capacity over the surviving servers, at
    /// the worst moment of the trace.
    pub worst_server: Option<String>,
    pub worst_peak_utilization: f64,
    pub unmet_core_hours: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovedPackage {
    pub package: String,
    /// The adoptive node, or null when none could take it.
    pub to: Option<String>,
}

/// The `ha` section, or None when the scenario has no clusters and no failures.
pub fn build(scenario: &Scenario, outcome: &Outcome) -> Option<HaReport> {
    let ha = &scenario.ha;
    if ha.is_empty() && ha.clusters.is_empty() {
        return None;
    }
    let model = &scenario.model;
    let h = scenario.horizon_ms as f64;
    let run = &outcome.ha;
    let nw = model.workloads.len();
    let availability = if nw == 0 {
        1.0
    } else {
        run.up_ms.iter().map(|u| u / h).sum::<f64>() / nw as f64
    };
    let packages = ha
        .packages
        .iter()
        .zip(&run.packages)
        .map(|(p, s)| {
            // Its workloads move together: the first tells its running time.
            let up = run.up_ms[p.workloads[0] as usize];
            let (mut delayed, mut lost) = (0.0, 0.0);
            for &w in &p.workloads {
                let work = core_hours(run.outage_work[w as usize]);
                match model.workloads[w as usize].on_shortfall {
                    OnShortfall::Delay => delayed += work,
                    OnShortfall::Drop => lost += work,
                }
            }
            PackageReport {
                name: p.name.clone(),
                cluster: ha.clusters[p.cluster].name.clone(),
                workloads: p
                    .workloads
                    .iter()
                    .map(|&w| model.workloads[w as usize].name.clone())
                    .collect(),
                primary: model.node(p.nodes[0]).name.clone(),
                node_at_end: model.node(s.node).name.clone(),
                state_at_end: match s.phase {
                    Phase::Running => "running",
                    Phase::Reforming => "reforming",
                    Phase::Starting => "starting",
                    Phase::Halted => "halted",
                },
                failovers: s.failovers,
                failbacks: s.failbacks,
                halts: s.halts,
                downtime_ms: (h - up).max(0.0).round() as u64,
                availability: up / h,
                outage_delayed_core_hours: delayed,
                outage_lost_core_hours: lost,
            }
        })
        .collect();
    let failures = ha
        .failures
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let mine = run
                .outages
                .iter()
                .zip(&run.replaced)
                .filter(|((src, _), _)| *src as usize == k);
            let (mut outages, mut down, mut replaced) = (0, 0, 0);
            for ((_, o), r) in mine {
                outages += 1;
                down += o.end_ms - o.start_ms;
                replaced += usize::from(*r);
            }
            FailureReport {
                target: model.node(f.target).name.clone(),
                kind: match f.kind {
                    FailureKind::Node => "node",
                    FailureKind::Core => "core",
                },
                timing: match f.timing {
                    Timing::At { .. } => "scheduled",
                    Timing::Random { .. } => "random",
                },
                outages,
                down_ms: down,
                replaced_by_icap: replaced,
            }
        })
        .collect();
    let mut outages: Vec<OutageReport> = run
        .outages
        .iter()
        .zip(&run.replaced)
        .map(|((src, o), replaced)| {
            let f = &ha.failures[*src as usize];
            OutageReport {
                target: model.node(f.target).name.clone(),
                kind: match f.kind {
                    FailureKind::Node => "node",
                    FailureKind::Core => "core",
                },
                start_ms: o.start_ms,
                end_ms: o.end_ms.min(scenario.horizon_ms),
                replaced_by_icap: *replaced,
            }
        })
        .collect();
    outages.sort_by_key(|o| o.start_ms);
    let placements = super::placement::stints(scenario, &run.outages)
        .into_iter()
        .map(|s| PlacementReport {
            package: ha.packages[s.package].name.clone(),
            node: model.node(s.node).name.clone(),
            from_ms: s.from_ms,
            to_ms: s.to_ms,
        })
        .collect();
    Some(HaReport {
        availability,
        packages,
        failures,
        outages,
        placements,
        n_minus_1: None,
    })
}
