//! The fluid model of DESIGN.md, driven by the engine: demand arrives as step functions,
//! capacity flows down the partition tree, work is served, delayed or dropped, and the run
//! records what the report reads.
//!
//! - [`fluid`]: pools (a static grant and the elastic shares under it) and the exact solution
//!   of a span with constant inputs;
//! - `core`: the run loop — events, lazy integration (a pool is integrated only when an
//!   input changes or something reads it), books and report intervals;
//! - [`island`]: a scenario split into independent islands, run on rayon's threads and merged
//!   in a fixed order, so the outputs do not depend on the thread count;
//! - [`manage`]: workload managers bound to the model; [`metrics`]: the records;
//! - [`oracle`]: the straightforward integrator (every entity at every instant), kept only to
//!   test the lazy one against.
//!
//! Serviceguard's decisions live in [`crate::ha::failover`], the books of Instant Capacity
//! and Pay per use in [`crate::licensing::settle`].

mod core;
mod demand;
pub mod fluid;
pub mod island;
pub mod manage;
pub mod metrics;
mod migrate;
mod moves;
pub mod oracle;
pub mod power;
mod rest;
mod standby;

use crate::Error;
use crate::engine::{Event, RunStats, TimeMs};
use crate::ha::failover::Step;
pub use crate::ha::failover::{HaRun, PackageState, Phase};
use crate::licensing::{PpuMeter, TicapLedger};
use crate::world::Scenario;
use manage::{CompartmentMeter, DomainRecord, WlmRecord};
use metrics::{Meters, Recording};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Ev {
    /// New demand samples for every workload of one stream.
    Sample { stream: u32 },
    /// An outage (`HaRun::outages`) begins.
    Fail { outage: u32 },
    /// An outage ends: the node is repaired and rebooted, or the core replaced.
    Repair { outage: u32 },
    /// A package's next step (see [`Step`]).
    Package(Step),
    /// One end of a planned move (`[[moves]]`, [`moves`]).
    Move { index: u32, phase: moves::Phase },
    /// The decisions of a group of workload managers take effect.
    Realloc { group: u32 },
    /// A group of workload managers' interval: observe, arbitrate.
    Policy { group: u32 },
    /// A WLM instance's interval: controllers, arbiter, new shares at once.
    Wlm { instance: u32 },
    /// A 5-minute utility-meter reading (Pay per use) and Temporary Instant Capacity
    /// settlement.
    Meter,
    /// Close a time-series row for every entity.
    Report,
    /// Close a report interval for every entity.
    Interval,
    /// The end of the simulated horizon.
    Horizon,
}

impl Event for Ev {
    /// At one instant: demand changes, then failures and repairs, then packages move, then
    /// decisions due take effect, then managers observe and decide (seeing the new
    /// allocations), then meters read, then rows and intervals close, then the horizon.
    /// Integration is lazy, so the order only fixes what each handler sees, and it is the
    /// same on every run.
    fn rank(&self) -> u8 {
        match self {
            Ev::Sample { .. } => 0,
            Ev::Fail { .. } | Ev::Repair { .. } => 1,
            Ev::Package(_) | Ev::Move { .. } => 2,
            Ev::Realloc { .. } => 3,
            Ev::Policy { .. } | Ev::Wlm { .. } => 4,
            Ev::Meter => 5,
            Ev::Report | Ev::Interval => 6,
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
    /// Mean capacity offered [reference cores]; NaN for workloads (they share their
    /// partition's).
    pub allocation: Vec<f64>,
    pub served: Vec<f64>,
    /// Backlog at the row's end [core-hours].
    pub backlog_core_hours: Vec<f64>,
    pub utilization: Vec<f64>,
}

/// Everything the run recorded, for the report: records, not the simulator's working state.
pub struct Outcome {
    pub stats: RunStats,
    pub workloads: Meters,
    pub nodes: Meters,
    pub timeseries: Option<Timeseries>,
    /// Per node; meaningful for the members of a domain or WLM instance.
    pub compartments: Vec<CompartmentMeter>,
    /// Per domain, in `Scenario::domains` order.
    pub domains: Vec<DomainRecord>,
    /// Per WLM instance, in `Scenario::wlm` order.
    pub wlm: Vec<WlmRecord>,
    /// Per server (in `Scenario::pricing` order): the Temporary Instant Capacity ledger and the
    /// Pay per use meter where it has them, and Σ active cores × duration [core-ms].
    pub ticap: Vec<Option<TicapLedger>>,
    /// Per GiCAP group, the shared balance.
    pub group_ticap: Vec<Option<TicapLedger>>,
    pub ppu: Vec<Option<PpuMeter>>,
    pub active_core_ms: Vec<f64>,
    pub ha: HaRun,
}

/// How to run: which replica of the random failures, and what to record.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub replica: u64,
    pub recording: Recording,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            replica: 0,
            recording: Recording::Full,
        }
    }
}

/// Progress of a run: called with (simulated time done, total) summed over its islands, a few
/// hundred times, from any thread.
pub type Progress<'a> = &'a (dyn Fn(TimeMs, TimeMs) + Sync);

/// Run a scenario to its horizon.
pub fn run(scenario: &Scenario, progress: Progress) -> Result<Outcome, Error> {
    run_with(scenario, RunOptions::default(), progress)
}

/// Run one replica: random failures are drawn from the scenario's seed and `replica`; all
/// else (demand included) is the same in every replica.
pub fn run_replica(
    scenario: &Scenario,
    replica: u64,
    progress: Progress,
) -> Result<Outcome, Error> {
    run_with(
        scenario,
        RunOptions {
            replica,
            recording: Recording::Full,
        },
        progress,
    )
}

/// Run with options: the scenario's islands run on rayon's threads (the caller's pool), and
/// their records are merged in island order.
pub fn run_with(
    scenario: &Scenario,
    options: RunOptions,
    progress: Progress,
) -> Result<Outcome, Error> {
    island::run(scenario, options, progress)
}

/// Every outage of every failure source of the scenario, in source order then time order.
pub fn outages(scenario: &Scenario, replica: u64) -> Vec<(u32, crate::ha::Outage)> {
    scenario
        .ha
        .failures
        .iter()
        .enumerate()
        .flat_map(|(k, f)| {
            let seed = crate::ha::failure_seed(scenario.seed, replica, k);
            crate::ha::outages(&f.timing, seed, scenario.horizon_ms)
                .into_iter()
                .map(move |o| (k as u32, o))
        })
        .collect()
}

/// Run one self-contained scenario (an island, or the whole scenario) on this thread.
pub(crate) fn run_alone(
    scenario: &Scenario,
    recording: Recording,
    outages: Vec<(u32, crate::ha::Outage)>,
    progress: &mut dyn FnMut(TimeMs),
) -> Result<Outcome, Error> {
    // Power states and managers' decisions become planned moves and wake-ups (`power`).
    let powered = power::extend(scenario, &outages)?;
    let scenario = powered.as_ref().unwrap_or(scenario);
    if let Some(extended) = migrate::extend(scenario) {
        return extended.run(scenario, recording, outages, progress);
    }
    core::Sim::new(scenario, recording, outages)?.run(progress)
}
