//! Workload managers: the compiled description of each gWLM shared resource domain (SRD) and
//! the arbitration that decides its compartments' allocations every interval.
//!
//! The arbitration itself ([`gwlm`]) is a pure function of policies and observations: it knows
//! no partitions, files or time. This module binds it to the model: which node's capacity a
//! domain shares, in which granularity, how often and with what latency.

pub mod gwlm;
pub mod queueing;
pub mod wlm;

use crate::model::NodeId;
use crate::workload::Series;
use std::sync::Arc;

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
    /// Per member: the metric a custom policy reads [cores], sampled at each tick.
    pub metrics: Vec<Option<Arc<Series>>>,
    /// Per member: a conditional policy's window and its two policies.
    pub conditions: Vec<Option<Condition>>,
    /// Per member: the WLM instance (index into `Scenario::wlm`) running in it, whose total
    /// request is the member's metric when this domain is WLM's global arbiter.
    pub wlm_sources: Vec<Option<usize>>,
    /// Temporary Instant Capacity the domain may activate when it is short.
    pub ticap: Option<TicapUse>,
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

/// How a domain of nPars uses Temporary Instant Capacity: when compartments of priority up
/// to `utilitypri` are short, it activates inactive cores (up to `max_extra`) while the
/// complex's balance allows one 30-minute quantum per core and stays above `reserve_days`
/// [GV14][GV15][W274][W275].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TicapUse {
    /// Index of the complex in `Scenario::pricing`.
    pub server: usize,
    pub utilitypri: Option<u32>,
    pub reserve_days: f64,
    /// Inactive cores that can be activated [cores].
    pub max_extra: f64,
}

/// A conditional policy [G70c]: `inside` applies while the condition holds, `outside` else.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    pub when: When,
    pub inside: gwlm::Policy,
    pub outside: gwlm::Policy,
}

/// What a conditional policy waits for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// A daily time window is open.
    Window(Window),
    /// The Serviceguard package (index in `Ha::packages`) runs in the compartment [GSG]:
    /// when it fails over to an adoptive node, that node's policy changes.
    Package(u32),
}

/// A daily window in minutes of the day, `from` inclusive to `to` exclusive, wrapping midnight
/// when `to < from`; day 0 of a scenario is a Monday.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub from_min: u32,
    pub to_min: u32,
    pub days: Days,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    All,
    Weekdays,
    Weekends,
}

impl Window {
    /// Whether the window is open at `t_ms` from the scenario start.
    pub fn contains(&self, t_ms: u64) -> bool {
        let minute = t_ms / 60_000;
        let day = minute / 1440;
        let of_day = (minute % 1440) as u32;
        // A window that wraps midnight belongs to the day it opened on.
        let (open, weekday) = if self.from_min <= self.to_min {
            (of_day >= self.from_min && of_day < self.to_min, day % 7)
        } else if of_day >= self.from_min {
            (true, day % 7)
        } else {
            (of_day < self.to_min, (day + 6) % 7)
        };
        // 0 = Monday … 5 = Saturday, 6 = Sunday.
        let weekend = weekday >= 5;
        open && match self.days {
            Days::All => true,
            Days::Weekdays => !weekend,
            Days::Weekends => weekend,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u64, h: u64, m: u64) -> u64 {
        ((day * 24 + h) * 60 + m) * 60_000
    }

    #[test]
    fn office_hours_on_weekdays() {
        let w = Window {
            from_min: 8 * 60,
            to_min: 18 * 60,
            days: Days::Weekdays,
        };
        assert!(w.contains(at(0, 8, 0))); // Monday 08:00 opens
        assert!(!w.contains(at(0, 18, 0))); // 18:00 is outside
        assert!(!w.contains(at(5, 12, 0))); // Saturday
        assert!(w.contains(at(11, 9, 30))); // the second week's Friday
    }

    #[test]
    fn a_night_window_wraps_midnight_and_belongs_to_its_first_day() {
        let w = Window {
            from_min: 22 * 60,
            to_min: 6 * 60,
            days: Days::Weekdays,
        };
        assert!(w.contains(at(4, 23, 0))); // Friday night
        assert!(w.contains(at(5, 2, 0))); // Saturday 02:00 is still Friday's window
        assert!(!w.contains(at(6, 2, 0))); // Sunday 02:00 is Saturday's: not a weekday
        assert!(!w.contains(at(0, 2, 0))); // Monday 02:00 belongs to Sunday
    }
}

/// One HP-UX WLM instance (wlmd), compiled: it manages the PRM groups of one OS.
#[derive(Debug, Clone)]
pub struct WlmInstance {
    /// The OS instance whose capacity the groups share.
    pub host: NodeId,
    /// Every PRM group of the host, in scenario order; `groups[i]` describes `members[i]`.
    pub members: Vec<NodeId>,
    pub groups: Vec<wlm::Group>,
    pub slos: Vec<wlm::Slo>,
    pub slo_names: Vec<String>,
    /// Where each SLO's metric comes from (metric and response-time goals).
    pub slo_metrics: Vec<SloMetric>,
    /// An SLO is active only while its condition holds, when it has one: a time window
    /// [W96], or a Serviceguard package running in the host (pkg_active [WSG]).
    pub slo_windows: Vec<Option<When>>,
    pub interval_ms: u64,
    pub config: wlm::Config,
}

#[derive(Debug, Clone)]
pub enum SloMetric {
    None,
    /// A metric read from a trace at each interval.
    Trace(Arc<Series>),
    /// The group's mean response time [s] as an M/M/c queue with this service time [s].
    ResponseTime {
        service_s: f64,
    },
}

/// WLM's default interval, 60 s [W216].
pub const DEFAULT_WLM_INTERVAL_MS: u64 = 60_000;
/// wlmpard's default interval, 120 s [W384].
pub const DEFAULT_ARBITER_INTERVAL_MS: u64 = 120_000;

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
