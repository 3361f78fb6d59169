//! Planned moves in the run (issue #21): what the run loop does when a `[[moves]]` entry
//! starts and ends. The plan is compiled and checked (`mobility::plan`); this only applies it.
//!
//! A workload's move is a stop, `reboot_ms` of downtime, and a start in its new partition,
//! applied as Serviceguard's package moves are (`ha::failover`): the workload is marked not
//! running (its arriving work waits or is lost by its `on_shortfall`), then its leaf changes
//! and it runs again; the core rebuilds what depends on where workloads run.
//!
//! A VM guest's online migration (`super::migrate`) runs in three steps: the pre-copy starts
//! (the copy's overhead busies both servers), the stop-and-copy pause begins (the guest's
//! workloads stop running), and the guest resumes on the target (its workloads run in the
//! node that stands for it there, the overhead ends). The run's scenario has a stand-in for
//! every such target, and the move's `to` names it.

use super::Ev;
use crate::engine::{Queue, TimeMs};
use crate::ha::failover::Failover;
use crate::mobility::migration::Migration;
use crate::mobility::plan::{MoveKind, Plan};
use crate::model::Model;

/// Which end of a move an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The workload stops where it ran.
    Stop,
    /// It starts in its new partition.
    Start,
    /// A guest's pre-copy begins: the copy's CPU overhead starts on both servers.
    Copy,
    /// A guest's stop-and-copy pause begins: it runs nowhere.
    Pause,
    /// A guest resumes on the target; the overhead ends.
    Resume,
    /// A server begins waking from standby (`Plan::wakes[index]`): its cores serve nothing.
    WakeBegin,
    /// It is up.
    WakeEnd,
}

/// Schedule each move's steps that fall before the horizon, and each wake-up's ends.
pub(crate) fn schedule(plan: &Plan, horizon: TimeMs, queue: &mut Queue<Ev>) {
    for (k, w) in plan.wakes.iter().enumerate() {
        let index = k as u32;
        queue.schedule(
            w.from_ms,
            Ev::Move {
                index,
                phase: Phase::WakeBegin,
            },
        );
        if w.to_ms < horizon {
            queue.schedule(
                w.to_ms,
                Ev::Move {
                    index,
                    phase: Phase::WakeEnd,
                },
            );
        }
    }
    for (k, m) in plan.moves.iter().enumerate() {
        if let MoveKind::Guest { migration, .. } = m.kind {
            let index = k as u32;
            let (pause, resume) = guest_steps(m.start_ms, &migration);
            for (at, phase) in [
                (m.start_ms, Phase::Copy),
                (pause, Phase::Pause),
                (resume, Phase::Resume),
            ] {
                if at < horizon {
                    queue.schedule(at, Ev::Move { index, phase });
                }
            }
        }
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

/// When a guest migration starting at `start` pauses and resumes [ms]: the pre-copy rounded
/// to the ms, the whole migration rounded up (as `PlannedMove::duration_ms`), so a pause is
/// never shorter than the model's.
pub(crate) fn guest_steps(start: TimeMs, m: &Migration) -> (TimeMs, TimeMs) {
    let total = (m.total_s * 1000.0).ceil();
    let precopy = (m.precopy_s * 1000.0).round().min(total);
    (
        start.saturating_add(precopy as u64),
        start.saturating_add(total as u64),
    )
}

/// Apply one step of move `index` to where workloads run and what servers hold.
pub(crate) fn apply(plan: &Plan, model: &Model, index: u32, phase: Phase, f: &mut Failover) {
    if matches!(phase, Phase::WakeBegin | Phase::WakeEnd) {
        let wake = plan.wakes[index as usize];
        if wake.unit != wake.server {
            // An nPar's cells are its own (electrically isolated): it goes dark, as a failed
            // nPar does, while its siblings serve on; Serviceguard does not see it as failed.
            f.set_dark(wake.unit, phase == Phase::WakeBegin);
            return;
        }
        // Every core lost while waking, as a failed core's capacity is (the grant is clamped
        // at zero): the work arriving meanwhile waits or is lost by its `on_shortfall`.
        let s = wake.server.0 as usize;
        let cores = f64::from(model.nodes[s].cores);
        f.lost_cores[s] += if phase == Phase::WakeBegin {
            cores
        } else {
            -cores
        };
        return;
    }
    match plan.moves[index as usize].kind {
        MoveKind::Workload { workload, to, .. } => {
            let w = workload.0 as usize;
            match phase {
                Phase::Stop => f.running[w] = false,
                Phase::Start => {
                    f.leaf[w] = to.0;
                    f.running[w] = true;
                }
                _ => {}
            }
        }
        MoveKind::Guest {
            guest,
            from,
            to,
            copy,
            ..
        } => {
            // The servers whose capacity the copy busies: the source host's and the target's
            // (`to` is the guest's node under the target host).
            let target = model.nodes[to.0 as usize].parent.unwrap_or(to);
            let overhead = |f: &mut Failover, sign: f64| {
                for host in [from, target] {
                    let server = model.nodes[host.0 as usize].server;
                    let speed = model.nodes[server.0 as usize].speed;
                    f.lost_cores[server.0 as usize] += sign * copy.overhead_cores / speed;
                }
            };
            // The guest's workloads: those the scenario places in it, wherever it runs now.
            let of_guest = |w: usize| model.workloads[w].node == guest;
            match phase {
                Phase::Copy => overhead(f, 1.0),
                Phase::Pause => {
                    for w in 0..f.leaf.len() {
                        if of_guest(w) {
                            f.running[w] = false;
                        }
                    }
                }
                Phase::Resume => {
                    for w in 0..f.leaf.len() {
                        if of_guest(w) {
                            f.leaf[w] = to.0;
                            f.running[w] = true;
                        }
                    }
                    overhead(f, -1.0);
                }
                _ => {}
            }
        }
    }
}
