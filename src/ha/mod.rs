//! High availability: failures of partitions and cores, and Serviceguard packages that fail
//! over between the nodes of a cluster (DOMAIN.md §5).
//!
//! This module holds the compiled configuration and the decisions that do not depend on the
//! simulation's state: when failures happen (a seeded renewal process per failure source) and
//! where a package goes (its failover policy over the nodes that are up). The simulation
//! applies them (`sim`), the report counts what they cost (`report`).

pub mod failover;

use crate::model::NodeId;
use rand::SeedableRng;
use rand_distr::{Distribution, Exp, Weibull};
use rand_pcg::Pcg64Mcg;

/// Serviceguard's default `MEMBER_TIMEOUT` (A.11.19 and later) [SG1].
pub const DEFAULT_MEMBER_TIMEOUT_MS: u64 = 14_000;
/// Reformation after the member timeout: with a 14 s timeout, failover takes 18–22 s with a
/// quorum server, a Fibre Channel lock or none [SG8]; the middle of that range.
pub const DEFAULT_LOCK_MS: u64 = 6_000;

/// Everything about failures and clusters a scenario configures.
#[derive(Debug, Clone, Default)]
pub struct Ha {
    pub clusters: Vec<Cluster>,
    pub packages: Vec<Package>,
    pub failures: Vec<FailureSpec>,
    /// A package placed on a node in standby starts once the node is up: how long it waits
    /// [ms], by (node, time of the placement). Empty in a compiled scenario; `sim::power`
    /// fills it before the run from its replay of the same decisions.
    pub wake_waits: std::collections::HashMap<(u32, u64), u64>,
}

impl Ha {
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.failures.is_empty()
    }

    /// Whether any failure is drawn at random, so replicas differ.
    pub fn is_random(&self) -> bool {
        self.failures
            .iter()
            .any(|f| matches!(f.timing, Timing::Random { .. }))
    }
}

/// A Serviceguard cluster: the nodes that watch each other's heartbeats.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub name: String,
    pub nodes: Vec<NodeId>,
    pub member_timeout_ms: u64,
    /// Cluster lock and reformation beyond the member timeout.
    pub lock_ms: u64,
}

impl Cluster {
    /// From a member's failure to the moment its packages may start elsewhere.
    pub fn reformation_ms(&self) -> u64 {
        self.member_timeout_ms + self.lock_ms
    }
}

/// A failover package: workloads that run together on one node of its list at a time.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    pub cluster: usize,
    /// Workload indexes; they all start in the package's primary node.
    pub workloads: Vec<u32>,
    /// Ordered by preference; the first is the primary.
    pub nodes: Vec<NodeId>,
    pub failover: FailoverPolicy,
    pub failback: Failback,
    /// Application start-up on the adoptive node (excluded from Serviceguard's failover
    /// times [SG8]).
    pub start_ms: u64,
    /// A package that is a VM guest needs a node with at least this many cores.
    pub vcpus: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverPolicy {
    /// The next node of the list that is up [SG3].
    ConfiguredNode,
    /// The node that runs the fewest packages; ties go to the list order [SG3].
    MinPackageNode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failback {
    /// Stay on the adoptive node [SG3].
    Manual,
    /// Return to the primary as soon as it is up again [SG3].
    Automatic,
}

/// One source of failures: a node that goes down, or a core of a server that fails.
#[derive(Debug, Clone)]
pub struct FailureSpec {
    pub target: NodeId,
    pub kind: FailureKind,
    pub timing: Timing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The node and everything under it serve nothing until repaired.
    Node,
    /// One core of a server fails; Dynamic Processor Resiliency replaces it with an inactive
    /// iCAP core when the server has one, else the server runs a core short until repaired.
    Core,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    /// Once, at a time, for a duration (`None`: until the horizon).
    At {
        at_ms: u64,
        duration_ms: Option<u64>,
    },
    /// Alternating up and down times drawn from the two distributions, from the start.
    Random { to_failure: Dist, to_repair: Dist },
}

/// A distribution of a duration [ms].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    Exponential { mean_ms: f64 },
    Weibull { shape: f64, scale_ms: f64 },
}

impl Dist {
    pub fn mean_ms(&self) -> f64 {
        match *self {
            Dist::Exponential { mean_ms } => mean_ms,
            Dist::Weibull { shape, scale_ms } => {
                scale_ms * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
        }
    }

    /// A draw, rounded to whole milliseconds and at least 1 ms so that time moves on.
    fn sample(&self, rng: &mut Pcg64Mcg) -> u64 {
        let x = match *self {
            Dist::Exponential { mean_ms } => {
                Exp::new(1.0 / mean_ms).map_or(mean_ms, |d| d.sample(rng))
            }
            Dist::Weibull { shape, scale_ms } => {
                Weibull::new(scale_ms, shape).map_or(scale_ms, |d| d.sample(rng))
            }
        };
        // Beyond 2^53 ms (285,000 years) nothing happens within any horizon.
        x.round().clamp(1.0, 9.0e15) as u64
    }
}

/// A time interval `[start, end)` during which a failure holds [ms].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub start_ms: u64,
    pub end_ms: u64,
}

/// The seed of one failure source in one replica: independent of the other sources and of the
/// demand's seeds, so adding a failure leaves the others' draws unchanged.
pub fn failure_seed(scenario_seed: u64, replica: u64, index: usize) -> u64 {
    // SplitMix64's finalizer over the three inputs.
    let mut z = scenario_seed
        ^ replica.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)
        ^ 0x4841_5F66_6169_6C73; // "HA_fails"
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The outages of one failure source before the horizon, in time order; the last may end at
/// the horizon. A random source is a renewal process: up for a time-to-failure draw, down for
/// a time-to-repair draw, again and again.
pub fn outages(timing: &Timing, seed: u64, horizon_ms: u64) -> Vec<Outage> {
    match *timing {
        Timing::At { at_ms, duration_ms } => {
            if at_ms >= horizon_ms {
                return Vec::new();
            }
            let end = duration_ms.map_or(horizon_ms, |d| at_ms.saturating_add(d));
            vec![Outage {
                start_ms: at_ms,
                end_ms: end.min(horizon_ms),
            }]
        }
        Timing::Random {
            to_failure,
            to_repair,
        } => {
            let mut rng = Pcg64Mcg::seed_from_u64(seed);
            let mut out = Vec::new();
            let mut t = 0u64;
            loop {
                t = t.saturating_add(to_failure.sample(&mut rng));
                if t >= horizon_ms {
                    return out;
                }
                let end = t.saturating_add(to_repair.sample(&mut rng));
                out.push(Outage {
                    start_ms: t,
                    end_ms: end.min(horizon_ms),
                });
                t = end;
            }
        }
    }
}

/// Where a package goes: among its nodes that are `up` and big enough, the first in its list
/// (configured_node) or the one running the fewest packages (min_package_node), ties to the
/// list order. `running[n]` counts the packages on node `n`; `cores[n]` its cores.
pub fn adoptive_node(
    package: &Package,
    up: impl Fn(NodeId) -> bool,
    running: impl Fn(NodeId) -> u32,
    cores: impl Fn(NodeId) -> u32,
) -> Option<NodeId> {
    let mut candidates = package
        .nodes
        .iter()
        .copied()
        .filter(|&n| up(n) && package.vcpus.is_none_or(|v| cores(n) >= v));
    match package.failover {
        FailoverPolicy::ConfiguredNode => candidates.next(),
        // min_by_key keeps the first of equal keys: the list order breaks ties.
        FailoverPolicy::MinPackageNode => candidates.min_by_key(|&n| running(n)),
    }
}

/// The mean and the half-width of a 95 % confidence interval of the mean (Student's t), over
/// replicas. With one replica the interval is unknown (NaN half-width).
pub fn mean_ci95(xs: &[f64]) -> (f64, f64) {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    use statrs::statistics::Statistics;
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = xs.iter().mean();
    if n < 2 {
        return (mean, f64::NAN);
    }
    let sd = xs.iter().std_dev();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
    (mean, t * sd / (n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(nodes: &[u32], failover: FailoverPolicy) -> Package {
        Package {
            name: "p".into(),
            cluster: 0,
            workloads: vec![0],
            nodes: nodes.iter().map(|&n| NodeId(n)).collect(),
            failover,
            failback: Failback::Manual,
            start_ms: 0,
            vcpus: None,
        }
    }

    #[test]
    fn configured_node_takes_the_next_node_up_in_list_order() {
        let p = pkg(&[1, 2, 3], FailoverPolicy::ConfiguredNode);
        let up = |n: NodeId| n.0 != 1;
        assert_eq!(adoptive_node(&p, up, |_| 0, |_| 8), Some(NodeId(2)));
        assert_eq!(adoptive_node(&p, |_| false, |_| 0, |_| 8), None);
    }

    #[test]
    fn min_package_node_takes_the_least_loaded_and_breaks_ties_by_list_order() {
        let p = pkg(&[1, 2, 3, 4], FailoverPolicy::MinPackageNode);
        let up = |n: NodeId| n.0 != 1;
        let running = |n: NodeId| [0, 0, 2, 1, 1][n.0 as usize];
        assert_eq!(adoptive_node(&p, up, running, |_| 8), Some(NodeId(3)));
    }

    #[test]
    fn a_vm_package_never_lands_on_a_node_with_fewer_cores_than_its_vcpus() {
        let mut p = pkg(&[1, 2, 3], FailoverPolicy::ConfiguredNode);
        p.vcpus = Some(4);
        let cores = |n: NodeId| [0, 8, 2, 4][n.0 as usize];
        assert_eq!(
            adoptive_node(&p, |n| n.0 != 1, |_| 0, cores),
            Some(NodeId(3))
        );
    }

    #[test]
    fn a_scheduled_failure_is_clipped_to_the_horizon() {
        let t = Timing::At {
            at_ms: 100,
            duration_ms: Some(1_000),
        };
        assert_eq!(
            outages(&t, 0, 500),
            vec![Outage {
                start_ms: 100,
                end_ms: 500
            }]
        );
        assert!(outages(&t, 0, 100).is_empty());
        let forever = Timing::At {
            at_ms: 100,
            duration_ms: None,
        };
        assert_eq!(outages(&forever, 0, 900)[0].end_ms, 900);
    }

    /// Over a long horizon the renewal process's share of downtime converges to
    /// MTTR / (MTBF + MTTR), and the same seed draws the same outages.
    #[test]
    fn random_outages_follow_their_distributions_and_their_seed() {
        let timing = Timing::Random {
            to_failure: Dist::Exponential { mean_ms: 900.0 },
            to_repair: Dist::Weibull {
                shape: 2.0,
                scale_ms: 100.0 / statrs::function::gamma::gamma(1.5),
            },
        };
        let horizon = 100_000_000;
        let a = outages(&timing, 42, horizon);
        assert_eq!(a, outages(&timing, 42, horizon));
        assert_ne!(a, outages(&timing, 43, horizon));
        let down: u64 = a.iter().map(|o| o.end_ms - o.start_ms).sum();
        let share = down as f64 / horizon as f64;
        // About 100,000 cycles: the share's standard error is below 0.001.
        assert!((share - 0.1).abs() < 0.005, "down share {share}");
        assert!(a.windows(2).all(|w| w[0].end_ms <= w[1].start_ms));
    }

    #[test]
    fn weibull_mean_is_scale_times_gamma() {
        let d = Dist::Weibull {
            shape: 1.0,
            scale_ms: 5.0,
        };
        assert!((d.mean_ms() - 5.0).abs() < 1e-12);
    }

    /// t(0.975, 4) = 2.776 (any table of Student's t).
    #[test]
    fn confidence_interval_uses_students_t() {
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((m - 3.0).abs() < 1e-12);
        let expected = 2.776_445 * (2.5f64).sqrt() / 5f64.sqrt();
        assert!((h - expected).abs() < 1e-5, "{h} vs {expected}");
        assert!(mean_ci95(&[1.0]).1.is_nan());
    }
}
