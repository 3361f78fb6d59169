//! Studies that run the scenario more than once: the N-1 check (each cluster node lost) and
//! Monte Carlo replicas of random failures.

use super::{FailureKind, FailureSpec, Timing, mean_ci95};
use crate::Error;
use crate::report::ha::{MovedPackage, NMinus1Report};
use crate::report::summary;
use crate::scenario::Scenario;
use crate::sim::{self, Phase};
use rayon::prelude::*;
use serde::Serialize;

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

/// A mean and its 95 % confidence interval over replicas (Student's t).
#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

impl Interval {
    fn of(xs: &[f64]) -> Interval {
        let (mean, half) = mean_ci95(xs);
        Interval {
            mean,
            ci95_low: mean - half,
            ci95_high: mean + half,
        }
    }
}

/// `replicas.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicaReport {
    pub scenario: String,
    pub seed: u64,
    pub replicas: u64,
    pub availability: Interval,
    pub unmet_core_hours: Interval,
    pub packages: Vec<PackageInterval>,
    pub runs: Vec<ReplicaRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageInterval {
    pub name: String,
    pub availability: Interval,
    pub failovers: Interval,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicaRow {
    pub replica: u64,
    pub availability: f64,
    pub unmet_core_hours: f64,
    pub outages: usize,
    /// Per package, in scenario order.
    pub package_availability: Vec<f64>,
    pub package_failovers: Vec<u32>,
}

/// Run replicas 0..n (in parallel; each is the same whatever the thread count) and summarize.
pub fn replicas(
    scenario: &Scenario,
    n: u64,
    done: &(dyn Fn() + Sync),
) -> Result<ReplicaReport, Error> {
    let runs = (0..n)
        .into_par_iter()
        .map(|r| {
            let outcome = sim::run_replica(scenario, r, &|_, _| {})?;
            let s = summary::build(scenario, &outcome);
            done();
            let ha = s.ha.as_ref();
            Ok(ReplicaRow {
                replica: r,
                availability: ha.map_or(1.0, |h| h.availability),
                unmet_core_hours: s.totals.unmet_core_hours,
                outages: outcome.ha.outages.len(),
                package_availability: ha
                    .map(|h| h.packages.iter().map(|p| p.availability).collect())
                    .unwrap_or_default(),
                package_failovers: ha
                    .map(|h| h.packages.iter().map(|p| p.failovers).collect())
                    .unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let column = |f: &dyn Fn(&ReplicaRow) -> f64| runs.iter().map(f).collect::<Vec<_>>();
    let packages = scenario
        .ha
        .packages
        .iter()
        .enumerate()
        .map(|(k, p)| PackageInterval {
            name: p.name.clone(),
            availability: Interval::of(&column(&|r| r.package_availability[k])),
            failovers: Interval::of(&column(&|r| r.package_failovers[k] as f64)),
        })
        .collect();
    Ok(ReplicaReport {
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        replicas: n,
        availability: Interval::of(&column(&|r| r.availability)),
        unmet_core_hours: Interval::of(&column(&|r| r.unmet_core_hours)),
        packages,
        runs,
    })
}
