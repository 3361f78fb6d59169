//! Monte Carlo replicas of random failures: the same demand, failures drawn per replica.

use crate::Error;
use crate::report::replicas::{Interval, PackageInterval, ReplicaReport, ReplicaRow};
use crate::report::summary;
use crate::sim;
use crate::world::Scenario;
use rayon::prelude::*;

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
