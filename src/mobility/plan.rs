//! What a scenario asks to move, compiled: plain, index-based data that the run loop reads
//! without looking a name up or checking a limit again (`scenario::mobility` validated it).

use super::detect::Detector;
use super::migration::{Migration, PreCopy};
use super::place::Power;
use super::select::Policy;
use crate::model::{NodeId, WorkloadId};

/// Everything a scenario moves: planned moves and consolidation managers. Empty when the
/// scenario has neither (the default: nothing moves).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// `[[moves]]`, by start time (file order among equal times).
    pub moves: Vec<PlannedMove>,
    /// `[[consolidation]]`, in file order.
    pub consolidations: Vec<Consolidation>,
    /// `[[power_states]]`: servers and nPars that drop to standby when idle (issue #20 item
    /// 5), in file order (each entry's servers, then its nPars), one entry per unit.
    pub power: Vec<PowerUnit>,
    /// Wake-ups the run plays (`sim::power`): while a unit wakes its cores serve nothing,
    /// so the work arriving meanwhile waits or is lost by its workload's `on_shortfall`.
    /// Empty in a compiled scenario: the run fills it from `power` before it starts.
    pub wakes: Vec<Wake>,
}

/// A server or an nPar with power states.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerUnit {
    /// The server whose power model it draws on.
    pub server: NodeId,
    /// What powers down: the server itself, or one of its nPars.
    pub unit: NodeId,
    /// Its part of the server's idle power: 1 for a server, an nPar's cells ÷ the server's
    /// (electrically isolated cells, each drawing an equal share).
    pub share: f64,
    pub states: crate::model::power::PowerStates,
}

/// A unit's cores unable to serve over `[from_ms, to_ms)`: it is waking from standby.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wake {
    pub server: NodeId,
    /// The server itself or the nPar that wakes.
    pub unit: NodeId,
    pub from_ms: u64,
    pub to_ms: u64,
}

/// One `[[moves]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedMove {
    /// Its index in the file's `[[moves]]`, for outputs and messages.
    pub index: usize,
    /// When the move starts [ms from time 0].
    pub start_ms: u64,
    /// The end of its window, when given as one: the move is over by then [ms].
    pub window_end_ms: Option<u64>,
    pub kind: MoveKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MoveKind {
    /// Online VM migration of a guest to another VM host: the guest runs on `from` during
    /// the pre-copy rounds, nowhere during the pause, on `to` after.
    Guest {
        guest: NodeId,
        from: NodeId,
        to: NodeId,
        copy: PreCopy,
        /// The model's answer for `copy`, computed once.
        migration: Migration,
    },
    /// A workload reinstalled in another partition: it is served nowhere for `reboot_ms`
    /// from the start, then in `to`.
    Workload {
        workload: WorkloadId,
        from: NodeId,
        to: NodeId,
        reboot_ms: u64,
    },
}

impl PlannedMove {
    /// How long the move keeps what it moves from running in full: the migration's total
    /// time (its pause is the part with no service) or the reboot [ms].
    pub fn duration_ms(&self) -> u64 {
        match &self.kind {
            MoveKind::Guest { migration, .. } => (migration.total_s * 1000.0).ceil() as u64,
            MoveKind::Workload { reboot_ms, .. } => *reboot_ms,
        }
    }
}

/// One `[[consolidation]]` manager over a set of VM hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct Consolidation {
    pub name: String,
    /// The VM hosts it manages (servers whose guests it moves and which it powers down).
    pub hosts: Vec<NodeId>,
    /// Each host's power, in the order of `hosts`.
    pub power: Vec<Power>,
    /// The VM guests on those hosts at time 0, in node order.
    pub guests: Vec<NodeId>,
    /// How often it looks [ms].
    pub interval_ms: u64,
    pub detector: Detector,
    /// THR's limit while a dynamic detector lacks history.
    pub fallback_limit: f64,
    pub selection: Policy,
    /// Hosts below this utilization are evacuated (1: any host with load, as CloudSim).
    pub underload_threshold: f64,
    /// From standby to taking guests [ms].
    pub wake_ms: u64,
    /// Energy of each wake-up beyond idle power [Wh] (firmware, OS, disks).
    pub wake_wh: f64,
    /// The pre-copy model's inputs other than each guest's memory.
    pub link_mb_s: f64,
    pub dirty_mb_s: f64,
    pub stop_below_mb: f64,
    pub max_rounds: u32,
    pub overhead_cores: f64,
    /// The random selection's seed (the scenario's, mixed with the manager's index).
    pub seed: u64,
}

impl Plan {
    /// Node pairs whose runs a move or a manager couples: a run split into independent
    /// islands must keep each pair in one (`sim::island::partition`).
    pub fn joins(&self) -> Vec<(NodeId, NodeId)> {
        let mut out = Vec::new();
        for m in &self.moves {
            match m.kind {
                MoveKind::Guest { from, to, .. } | MoveKind::Workload { from, to, .. } => {
                    out.push((from, to))
                }
            }
        }
        for c in &self.consolidations {
            out.extend(c.hosts.windows(2).map(|w| (w[0], w[1])));
        }
        out
    }

    /// The part of the plan inside an island, renumbered: `node` and `workload` give an id's
    /// local index, `None` outside the island. [`Plan::joins`] keeps every move whole, so a
    /// move is in or out as a whole.
    pub fn localize(
        &self,
        node: &dyn Fn(NodeId) -> Option<NodeId>,
        workload: &dyn Fn(WorkloadId) -> Option<WorkloadId>,
    ) -> Plan {
        let moves = self
            .moves
            .iter()
            .filter_map(|m| {
                let kind = match m.kind {
                    MoveKind::Guest {
                        guest,
                        from,
                        to,
                        copy,
                        migration,
                    } => MoveKind::Guest {
                        guest: node(guest)?,
                        from: node(from)?,
                        to: node(to)?,
                        copy,
                        migration,
                    },
                    MoveKind::Workload {
                        workload: w,
                        from,
                        to,
                        reboot_ms,
                    } => MoveKind::Workload {
                        workload: workload(w)?,
                        from: node(from)?,
                        to: node(to)?,
                        reboot_ms,
                    },
                };
                Some(PlannedMove { kind, ..m.clone() })
            })
            .collect();
        let consolidations = self
            .consolidations
            .iter()
            .filter_map(|c| {
                Some(Consolidation {
                    hosts: c.hosts.iter().map(|&h| node(h)).collect::<Option<_>>()?,
                    guests: c.guests.iter().map(|&g| node(g)).collect::<Option<_>>()?,
                    ..c.clone()
                })
            })
            .collect();
        let power = self
            .power
            .iter()
            .filter_map(|u| {
                Some(PowerUnit {
                    server: node(u.server)?,
                    unit: node(u.unit)?,
                    ..*u
                })
            })
            .collect();
        let wakes = self
            .wakes
            .iter()
            .filter_map(|w| {
                Some(Wake {
                    server: node(w.server)?,
                    unit: node(w.unit)?,
                    ..*w
                })
            })
            .collect();
        Plan {
            moves,
            consolidations,
            power,
            wakes,
        }
    }
}
