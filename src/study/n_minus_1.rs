//! The N-1 check: each cluster node lost from the start, every package on its adoptive nodes.

use crate::Error;
use crate::ha::{FailureKind, FailureSpec, Timing};
use crate::report::ha::{MovedPackage, NMinus1Report};
use crate::report::summary;
use crate::sim::{self, Phase};
use crate::world::Scenario;
use rayon::prelude::*;

/// For each node of each cluster: the scenario with that node lost from the start to the
/// horizon, so its packages run on their adoptive nodes at every moment of the trace, the
/// worst one included. Other failures are left out: the check is about this one loss.
pub fn n_minus_1(scenario: &Scenario) -> Result<Vec<NMinus1Report>, Error> {
    let cases: Vec<(usize, crate::model::NodeId)> = scenario
        .ha
        .clusters
        .iter()
        .enumerate()
        .flat_map(|(c, cl)| cl.nodes.iter().map(move |&n| (c, n)))
        .collect();
    cases
        .par_iter()
        .map(|&(c, lost)| {
            let mut what_if = scenario.clone();
            what_if.ha.failures = vec![FailureSpec {
                target: lost,
                kind: FailureKind::Node,
                timing: Timing::At {
                    at_ms: 0,
                    duration_ms: None,
                },
            }];
            let outcome = sim::run(&what_if, &|_, _| {})?;
            let s = summary::build(&what_if, &outcome);
            let model = &scenario.model;
            let moved: Vec<MovedPackage> = scenario
                .ha
                .packages
                .iter()
                .zip(&outcome.ha.packages)
                .filter(|(p, _)| p.nodes[0] == lost)
                .map(|(p, st)| MovedPackage {
                    package: p.name.clone(),
                    to: (st.phase == Phase::Running).then(|| model.node(st.node).name.clone()),
                })
                .collect();
            // A lost server serves nothing; its own verdict says nothing about the others.
            let lost_name = &model.node(lost).name;
            let survivors = s.servers.iter().filter(|sv| sv.name != *lost_name);
            let servers_exceeding: Vec<String> = survivors
                .clone()
                .filter(|sv| sv.verdict.is_some_and(|v| v.status == "exceeds"))
                .map(|sv| sv.name.clone())
                .collect();
            let worst = survivors
                .filter(|sv| sv.capacity_cores > 0.0)
                .map(|sv| {
                    (
                        sv.name.clone(),
                        sv.usage.peak_demand_cores / sv.capacity_cores,
                    )
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let placed = moved.iter().all(|m| m.to.is_some());
            Ok(NMinus1Report {
                cluster: scenario.ha.clusters[c].name.clone(),
                node: lost_name.clone(),
                verdict: if placed && servers_exceeding.is_empty() {
                    "meets"
                } else {
                    "does_not_meet"
                },
                moved,
                servers_exceeding,
                worst_peak_utilization: worst.as_ref().map_or(0.0, |w| w.1),
                worst_server: worst.map(|w| w.0),
                unmet_core_hours: s.totals.unmet_core_hours,
            })
        })
        .collect()
}
