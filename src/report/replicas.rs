//! `replicas.json` (`vsesim run --replicas N`): the Monte Carlo figures over replicas of
//! random failures. The study layer runs them; the types are here, with the rest of the
//! output contract, so the report reads them without knowing how they were run.

use crate::ha::mean_ci95;
use serde::Serialize;

/// A mean and its 95 % confidence interval over replicas (Student's t).
#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

impl Interval {
    pub fn of(xs: &[f64]) -> Interval {
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
