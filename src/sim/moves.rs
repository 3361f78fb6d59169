//! Planned moves in the run (issue #21): what the run loop does when a `[[moves]]` entry
//! starts and ends. The plan is compiled and checked (`mobility::plan`); this only applies it.
//!
//! A workload's move is a stop, `reboot_ms` of downtime, and a start in its new partition,
//! applied as Serviceguard's package moves are (`ha::failover`): the workload is marked not
//! running (its arriving work waits or is lost by its `on_shortfall`), then its leaf changes
//! and it runs again; the core rebuilds what depends on where workloads run.
//!
//! A VM guest's online migration changes the partition tree itself (the guest's parent), which
//! the run's preorder pools cannot yet follow: guest moves and consolidation managers are
//! compiled and checked, not yet simulated.

use super::Ev;
use crate::engine::{Queue, TimeMs};
use crate::ha::failover::Failover;
use crate::mobility::plan::{MoveKind, Plan};

/// Which end of a move an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The workload stops where it ran.
    Stop,
    /// It starts in its new partition.
    Start,
}

/// Schedule each workload move's stop and start that fall before the horizon.
pub(crate) fn schedule(plan: &Plan, horizon: TimeMs, queue: &mut Queue<Ev>) {
    for (k, m) in plan.moves.iter().enumerate() {
        if let MoveKind::Workload { reboot_ms, .. } = m.kind {
            let index = k as u32;
            queue.schedule(
                m.start_ms,
                Ev::Move {
                    index,
                    phase: Phase::Stop,
                },
            );
            let start = m.start_ms.saturating_add(reboot_ms);
            if start < horizon {
                queue.schedule(
                    start,
                    Ev::Move {
                        index,
                        phase: Phase::Start,
                    },
                );
            }
        }
    }
}

/// Apply one end of move `index` to where workloads run.
pub(crate) fn apply(plan: &Plan, index: u32, phase: Phase, f: &mut Failover) {
    if let MoveKind::Workload { workload, to, .. } = plan.moves[index as usize].kind {
        let w = workload.0 as usize;
        match phase {
            Phase::Stop => f.running[w] = false,
            Phase::Start => {
                f.leaf[w] = to.0;
                f.running[w] = true;
            }
        }
    }
}
