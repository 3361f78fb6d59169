//! Workload managers: the compiled description of each gWLM shared resource domain (SRD) and
//! the arbitration that decides its compartments' allocations every interval.
//!
//! The arbitration itself ([`gwlm`]) is a pure function of policies and observations: it knows
//! no partitions, files or time. This module binds it to the model: which node's capacity a
//! domain shares, in which granularity, how often and with what latency.

pub mod gwlm;

use crate::model::NodeId;

/// One gWLM shared resource domain, compiled.
#[derive(Debug, Clone)]
pub struct Domain {
    /// The node whose capacity the compartments share (an nPar for vPars, a server for nPars,
    /// a VM host for guests, an OS instance for PRM groups).
    pub node: NodeId,
    /// The compartments, children of `node`, in scenario order.
    pub members: Vec<NodeId>,
    pub compartments: Vec<gwlm::Compartment>,
    /// The policy type of each member, for reports.
    pub policy_names: Vec<&'static str>,
    pub interval_ms: u64,
    /// From a decision to the new allocation taking effect.
    pub latency_ms: u64,
    /// Advisory mode records what it would do and changes nothing [G70b].
    pub advisory: bool,
    pub granularity: gwlm::Granularity,
    /// What the domain shares [physical cores]: for nPars of a complex, the cores active in
    /// them (moved by deactivating in one nPar and activating in another, total unchanged);
    /// otherwise the domain node's cores less those reserved by non-member children.
    pub capacity: Capacity,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Capacity {
    /// A fixed number of cores (nPars of a complex: their total active cores).
    Pooled(f64),
    /// The domain node's current allocation less `reserved` cores of other children: nested
    /// domains follow their parent's allocation.
    OfNode { reserved: f64 },
}

/// gWLM's nominal interval is UNCONFIRMED (DOMAIN.md §3: commonly quoted 15 s).
pub const DEFAULT_INTERVAL_MS: u64 = 15_000;
/// OwnBorrow's utilization target is not documented; it judges need like a utilization policy
/// with this target (UNCONFIRMED).
pub const DEFAULT_OWN_BORROW_TARGET: f64 = 0.75;

/// Reallocation latencies by partition kind [ms] (DOMAIN.md §1, all UNCONFIRMED): vPar core
/// moves take seconds (1–5 s suggested), iCAP moves between nPars are "instant" but slower than
/// a vPar move, VM entitlements and PRM shares act at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latencies {
    pub npar_ms: u64,
    pub vpar_ms: u64,
    pub vm_ms: u64,
    pub srp_ms: u64,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            npar_ms: 5_000,
            vpar_ms: 2_000,
            vm_ms: 0,
            srp_ms: 0,
        }
    }
}
