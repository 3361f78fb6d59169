//! The study layer: every way vsesim runs a compiled scenario and summarizes what it did —
//! one run, the N-1 check, Monte Carlo replicas, a sweep point's replica — in one place, which
//! `cli` and `sweep` call. It sits above `sim` (which runs) and `report` (which summarizes
//! and writes); neither of those knows it, so no folder imports one that imports it back.

pub mod n_minus_1;
pub mod replicas;

use crate::Error;
use crate::report::summary::{self, Summary};
use crate::sim::metrics::Recording;
use crate::sim::{self, Outcome, Progress, RunOptions};
use crate::world::Applied;
use crate::world::Scenario;

pub use n_minus_1::n_minus_1;
pub use replicas::replicas;

/// Run `scenario` once with every record kept (what a run's folder is written from).
pub fn run(scenario: &Scenario, progress: Progress) -> Result<Outcome, Error> {
    sim::run_with(scenario, RunOptions::default(), progress)
}

/// The summary of a run's outcome as its folder holds it: the `--set` overrides it was run
/// with and, for a scenario with clusters, the N-1 check (each node lost in turn, run here).
/// A run on one machine and a split run merged both come here.
pub fn summarize(
    scenario: &Scenario,
    outcome: &Outcome,
    overrides: &[Applied],
) -> Result<Summary, Error> {
    let mut summary = summary::build(scenario, outcome);
    summary.scenario.overrides = overrides.to_vec();
    if !scenario.ha.clusters.is_empty()
        && let Some(ha) = &mut summary.ha
    {
        ha.n_minus_1 = Some(n_minus_1(scenario)?);
    }
    Ok(summary)
}

/// One replica of a sweep point: the seed is already the replica's; the records are the lean
/// ones (a sweep writes no time series nor workload percentiles), except where a carbon
/// intensity trace needs each server's time series to weigh its energy.
pub fn sweep_replica(scenario: &Scenario, replica: u64) -> Result<Summary, Error> {
    let traced = matches!(
        scenario.costs.carbon,
        Some(crate::licensing::carbon::Intensity::Steps { .. })
    );
    let options = RunOptions {
        replica,
        recording: if traced {
            Recording::Full
        } else {
            Recording::Lean
        },
    };
    let outcome = sim::run_with(scenario, options, &|_, _| {})?;
    Ok(summary::build(scenario, &outcome))
}
