//! Where each Serviceguard package ran, and when, over a run: the timeline the charts need to
//! draw a failed-over workload on its adoptive node, and the fitted trends need to count its
//! demand where it ran.
//!
//! The run records only what it measured (the outages, each package's state at the end), not
//! the path between. Serviceguard's decisions depend on the outages alone — which nodes are
//! up, the packages' lists and policies, their start-up times — never on demand, so the same
//! state machine the run used ([`crate::ha::failover::Failover`]) is driven again here over
//! the recorded outages, with the engine's queue and the run's order of events (failures and
//! repairs before package steps at one instant, then insertion order). No demand is
//! simulated.

use crate::engine::{Event, Queue};
use crate::ha::Outage;
use crate::ha::failover::{Failover, Step};
use crate::model::NodeId;
use crate::world::Scenario;

/// One stretch of a package running on a node [ms from the start].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stint {
    pub package: usize,
    pub node: NodeId,
    pub from_ms: u64,
    pub to_ms: u64,
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Fail(u32),
    Repair(u32),
    Package(Step),
}

impl Event for Ev {
    /// As the run orders them: failures and repairs, then package steps.
    fn rank(&self) -> u8 {
        match self {
            Ev::Fail(_) | Ev::Repair(_) => 1,
            Ev::Package(_) => 2,
        }
    }
}

/// Every stretch each package ran on a node, by package then time; a package that was not
/// running (reforming, starting, halted) has a gap there.
pub fn stints(scenario: &Scenario, outages: &[(u32, Outage)]) -> Vec<Stint> {
    let ha = &scenario.ha;
    if ha.packages.is_empty() {
        return Vec::new();
    }
    let h = scenario.horizon_ms;
    // Spare cores only decide whether a failed core is replaced, never where a package goes.
    let spare = vec![0; scenario.model.nodes.len()];
    let mut f = Failover::new(ha, &scenario.model, h, outages.to_vec(), spare);
    // A package placed on a node in standby waits for it to wake, as in the run.
    if !scenario.mobility.power.is_empty()
        && let Ok(Some(power)) = crate::sim::power::schedule(scenario, outages)
    {
        f.wake_waits = power.wake_waits().clone();
    }
    let mut queue = Queue::with_capacity(2 * outages.len() + 8);
    for (o, (_, outage)) in outages.iter().enumerate() {
        queue.schedule(outage.start_ms, Ev::Fail(o as u32));
        if outage.end_ms < h {
            queue.schedule(outage.end_ms, Ev::Repair(o as u32));
        }
    }
    let mut since: Vec<u64> = vec![0; ha.packages.len()];
    let mut current: Vec<Option<NodeId>> = f.package_nodes.clone();
    let mut out = Vec::new();
    let mut steps = Vec::new();
    while let Some((now, ev)) = queue.pop() {
        if now >= h {
            break;
        }
        match ev {
            Ev::Fail(o) => f.fail(o as usize, true, now, &mut steps),
            Ev::Repair(o) => f.fail(o as usize, false, now, &mut steps),
            Ev::Package(s) => {
                f.step(s, now, &mut steps);
            }
        }
        for s in steps.drain(..) {
            queue.schedule(s.at_ms, Ev::Package(s));
        }
        for (k, now_on) in f.package_nodes.iter().enumerate() {
            if *now_on != current[k] {
                if let Some(node) = current[k]
                    && now > since[k]
                {
                    out.push(Stint {
                        package: k,
                        node,
                        from_ms: since[k],
                        to_ms: now,
                    });
                }
                current[k] = *now_on;
                since[k] = now;
            }
        }
    }
    for (k, node) in current.iter().enumerate() {
        if let Some(node) = node
            && h > since[k]
        {
            out.push(Stint {
                package: k,
                node: *node,
                from_ms: since[k],
                to_ms: h,
            });
        }
    }
    out.sort_by_key(|s| (s.package, s.from_ms));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two vPars in a cluster, a package on the first; the first fails from 10 s to 100 s.
    /// With a 20 s reformation (14 s timeout + 6 s lock) and a 30 s start, the package runs
    /// on `a` until 10 s, on `b` from 60 s on (manual failback: it stays).
    #[test]
    fn a_failover_moves_the_package_after_reformation_and_start() {
        let text = r#"
[scenario]
name = "t"
horizon = "1h"
seed = 1
[[servers]]
name = "s"
cells = 1
cores_per_cell = 4
memory_gb_per_cell = 8
[[partitions]]
name = "a"
kind = "vpar"
parent = "s"
cores = 2
[[partitions]]
name = "b"
kind = "vpar"
parent = "s"
cores = 2
[[workloads]]
name = "w"
partition = "a"
units = "cores"
synth = { pattern = "flat", mean = 1 }
[[clusters]]
name = "c"
nodes = ["a", "b"]
member_timeout = "14s"
lock_time = "6s"
[[packages]]
name = "p"
cluster = "c"
workloads = ["w"]
nodes = ["a", "b"]
start_time = "30s"
[[failures]]
target = "a"
at = "10s"
duration = "90s"
"#;
        let s = crate::scenario::load_str(std::path::Path::new("t.toml"), text).unwrap();
        let outages = crate::sim::outages(&s, 0);
        let id =
            |name: &str| NodeId(s.model.nodes.iter().position(|n| n.name == name).unwrap() as u32);
        let (a, b) = (id("a"), id("b"));
        let got = stints(&s, &outages);
        assert_eq!(
            got,
            [
                Stint {
                    package: 0,
                    node: a,
                    from_ms: 0,
                    to_ms: 10_000
                },
                Stint {
                    package: 0,
                    node: b,
                    from_ms: 60_000,
                    to_ms: 3_600_000
                },
            ]
        );
    }
}
