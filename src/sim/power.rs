//! Power states and consolidation managers in the run (issue #20 item 5, issue #21 item 3).
//!
//! Both are decided before the run starts, from the demand alone, and then played by the run
//! as planned moves and wake-ups. That is exact here because what they read does not depend
//! on what the run does:
//! - a server or nPar with `[[power_states]]` is idle when no workload running in it has
//!   demand and nothing is landing in it (`super::standby`): demand is an input, a trace or
//!   a generator, never an outcome; planned moves have their times; Serviceguard's failovers
//!   follow from the outages, drawn from the seed before the run. So its standby stretches
//!   and wake-ups follow from the inputs;
//! - a consolidation manager reads each host's utilization as the sum of its guests' demand
//!   over the interval ÷ the host's capacity, CloudSim's host model, which is what SLATAH,
//!   PDM and SLAV are defined on and what published figures use. Its decisions change where
//!   guests run, never what they ask, so the whole sequence of decisions is known before the
//!   run. Deciding inside the run loop would give the same decisions and would need a
//!   stand-in under every managed host for every managed guest (guests × hosts nodes: 40,000
//!   for 1,052 guests on 40 hosts); played as planned moves, a stand-in exists only for the
//!   (guest, host) pairs the manager actually uses.
//!
//! What the run then does (`sim::moves`, `sim::migrate`): each migration runs the pre-copy
//! model (overhead on both servers, the pause with the guest's work waiting or lost by its
//! `on_shortfall`, the switch to the stand-in); a waking server's cores serve nothing for
//! `wake_up`, so work that returns to a server in standby waits (or is lost) that long. Energy
//! is the run's (linear power model on the run's utilization) less `(idle − standby) ×` the
//! standby time, plus each wake-up's energy ([`PowerLedger::saved_wh`]).
//!
//! Zero cost when neither is configured: [`extend`] returns `None` and the run takes the
//! scenario as compiled.

use super::demand::{Stream, build_streams};
use super::metrics::Held;
use super::standby::Units;
use crate::Error;
use crate::mobility::detect::Detector;
use crate::mobility::manager::{GuestSpec, HostSpec, Manager, Rules, Tally};
use crate::mobility::migration::{PreCopy, migrate};
use crate::mobility::place::memory_with_overhead_gb;
use crate::mobility::plan::{Consolidation, MoveKind, PlannedMove, Wake};
use crate::model::NodeId;
use crate::model::power::{PowerLedger, PowerState, PowerStates, State};
use crate::world::Scenario;

/// What power states and managers do over a run, decided from the demand.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Per unit with power states: `[[power_states]]` units in file order (each entry's
    /// servers, then its nPars), then each manager's hosts in its `hosts` order.
    pub units: Vec<UnitLedger>,
    /// Per `[[consolidation]]`, in file order.
    pub managers: Vec<ManagerRun>,
    moves: Vec<PlannedMove>,
    wakes: Vec<Wake>,
    /// How long a package placed on a sleeping node waits for it (`Ha::wake_waits`).
    wake_waits: std::collections::HashMap<(u32, u64), u64>,
}

#[derive(Debug, Clone)]
pub struct UnitLedger {
    pub server: NodeId,
    /// The server itself, or the nPar that powers down.
    pub unit: NodeId,
    /// Its part of the server's idle power (1 for a server, an nPar's cells ÷ the server's).
    pub share: f64,
    pub states: PowerStates,
    pub ledger: PowerLedger,
}

impl UnitLedger {
    /// Energy saved against staying on at idle [Wh], on its share of the server's idle power.
    pub fn saved_wh(&self, server_idle_w: f64) -> f64 {
        self.ledger
            .saved_wh(server_idle_w * self.share, &self.states)
    }
}

/// One manager's decisions and the literature's figures on them (CloudSim's host model).
#[derive(Debug, Clone)]
pub struct ManagerRun {
    pub name: String,
    pub detector: Detector,
    pub hosts: Vec<NodeId>,
    pub tally: Tally,
    /// Migrations the run plays (those that start before the horizon).
    pub migrations_played: u64,
}

/// The scenario the run plays: the managers' migrations added to the planned moves, the
/// wake-ups, and what a package placed on a sleeping node waits; `None` when the scenario has
/// no power states and no manager. `outages` are the run's (`super::outages`).
pub(crate) fn extend(
    scenario: &Scenario,
    outages: &[(u32, crate::ha::Outage)],
) -> Result<Option<Scenario>, Error> {
    let Some(schedule) = schedule(scenario, outages)? else {
        return Ok(None);
    };
    let mut s = scenario.clone();
    s.mobility.moves.extend(schedule.moves);
    // Stable: file order among equal starts, the managers' after the file's.
    s.mobility.moves.sort_by_key(|m| m.start_ms);
    s.mobility.wakes = schedule.wakes;
    s.ha.wake_waits = schedule.wake_waits;
    Ok(Some(s))
}

impl Schedule {
    /// How long a package placed on a sleeping node waits for it, by (node, time) [ms].
    pub fn wake_waits(&self) -> &std::collections::HashMap<(u32, u64), u64> {
        &self.wake_waits
    }
}

/// Decide power states and managers over the horizon from the scenario's demand, its
/// planned moves and the failovers that `outages` cause.
pub fn schedule(
    scenario: &Scenario,
    outages: &[(u32, crate::ha::Outage)],
) -> Result<Option<Schedule>, Error> {
    let plan = &scenario.mobility;
    if plan.power.is_empty() && plan.consolidations.is_empty() {
        return Ok(None);
    }
    let horizon = scenario.horizon_ms;
    let mut walker = Walker::new(scenario)?;
    // Units with power states, fed where the run will place work.
    let mut units = Units::new(scenario, &plan.power, outages);
    let mut managers: Vec<Managed> = plan
        .consolidations
        .iter()
        .map(|c| Managed::new(scenario, c))
        .collect();
    let mut moves: Vec<PlannedMove> = Vec::new();
    loop {
        let ts = walker.next_time().filter(|&t| t < horizon);
        let tu = units.next_time().filter(|&t| t < horizon);
        let td = managers
            .iter()
            .map(|m| m.next_ms)
            .min()
            .filter(|&t| t < horizon);
        let t = match (ts, td, tu) {
            (None, None, None) => break,
            (a, b, c) => [a, b, c].into_iter().flatten().min().unwrap_or(u64::MAX),
        };
        walker.integrate_to(t);
        // Decisions at `t` read the interval that ends there, before the samples of `t`.
        for m in managers.iter_mut().filter(|m| m.next_ms == t) {
            m.decide(t, horizon, &walker.integral, &mut moves);
        }
        if ts == Some(t) {
            walker.apply_samples(t);
        }
        if ts == Some(t) || tu == Some(t) {
            units.at(t, &walker.demand);
        }
    }
    let (ledgers, wake_waits) = units.finish(horizon);
    let mut out = Schedule {
        units: Vec::new(),
        managers: Vec::new(),
        moves,
        wakes: Vec::new(),
        wake_waits,
    };
    for (u, ledger) in plan.power.iter().zip(ledgers) {
        if u.states.wake_ms > 0 {
            for &(_, to) in ledger.standby.iter().filter(|s| s.1 < horizon) {
                out.wakes.push(Wake {
                    server: u.server,
                    unit: u.unit,
                    from_ms: to,
                    to_ms: to.saturating_add(u.states.wake_ms).min(horizon),
                });
            }
        }
        out.units.push(UnitLedger {
            server: u.server,
            unit: u.unit,
            share: u.share,
            states: u.states,
            ledger,
        });
    }
    for (c, mut m) in plan.consolidations.iter().zip(managers) {
        for (h, state) in m.states.iter_mut().enumerate() {
            out.units.push(UnitLedger {
                server: c.hosts[h],
                unit: c.hosts[h],
                share: 1.0,
                states: m.cfg[h],
                ledger: state.finish(horizon),
            });
        }
        out.managers.push(ManagerRun {
            name: c.name.clone(),
            detector: c.detector,
            hosts: c.hosts.clone(),
            tally: m.manager.tally.clone(),
            migrations_played: m.played,
        });
    }
    out.wakes.sort_by_key(|w| (w.from_ms, w.server.0, w.unit.0));
    Ok(Some(out))
}

/// One manager between its intervals.
struct Managed {
    manager: Manager,
    /// Per guest (in `Consolidation::guests` order): its node and its workloads.
    guests: Vec<(NodeId, Vec<usize>)>,
    hosts: Vec<NodeId>,
    copy: PreCopy,
    interval_ms: u64,
    wake_ms: u64,
    next_ms: u64,
    /// Each workload's demand integral at the interval's start [core-ms].
    since: Vec<f64>,
    states: Vec<PowerState>,
    cfg: Vec<PowerStates>,
    played: u64,
    first_index: usize,
}

impl Managed {
    fn new(scenario: &Scenario, c: &Consolidation) -> Managed {
        let model = &scenario.model;
        let copy_of = |memory_mb: f64| PreCopy {
            memory_mb,
            dirty_mb_s: c.dirty_mb_s,
            bandwidth_mb_s: c.link_mb_s,
            stop_below_mb: c.stop_below_mb,
            max_rounds: c.max_rounds,
            overhead_cores: c.overhead_cores,
        };
        let hosts: Vec<HostSpec> = c
            .hosts
            .iter()
            .zip(&c.power)
            .map(|(&h, &power)| {
                let n = model.node(h);
                HostSpec {
                    capacity: f64::from(n.cores) * n.speed,
                    // A host without memory_gb is not limited by memory.
                    memory_gb: if n.memory_gb > 0.0 {
                        n.memory_gb
                    } else {
                        f64::INFINITY
                    },
                    power,
                }
            })
            .collect();
        let guests: Vec<GuestSpec> = c
            .guests
            .iter()
            .map(|&g| {
                let n = model.node(g);
                let parent = n.parent.expect("a managed guest sits on a host");
                GuestSpec {
                    memory_gb: memory_with_overhead_gb(n.cores, n.memory_gb),
                    memory_mb: n.memory_gb * 1024.0,
                    host: c
                        .hosts
                        .iter()
                        .position(|&h| h == parent)
                        .expect("on a managed host"),
                }
            })
            .collect();
        let longest_migration_s = guests
            .iter()
            .map(|g| migrate(&copy_of(g.memory_mb)).total_s)
            .fold(0.0, f64::max);
        let rules = Rules {
            interval_s: c.interval_ms as f64 / 1000.0,
            detector: c.detector,
            fallback_limit: c.fallback_limit,
            selection: c.selection,
            underload_threshold: c.underload_threshold,
            link_mb_s: c.link_mb_s,
            dirty_mb_s: c.dirty_mb_s,
            stop_below_mb: c.stop_below_mb,
            max_rounds: c.max_rounds,
            overhead_cores: c.overhead_cores,
            wake_s: c.wake_ms as f64 / 1000.0,
            seed: c.seed,
            longest_migration_s,
        };
        let cfg: Vec<PowerStates> = c
            .power
            .iter()
            .map(|p| PowerStates {
                // Never by itself: the manager powers its hosts down.
                standby_after_ms: u64::MAX,
                standby_w: p.standby_w,
                wake_ms: c.wake_ms,
                wake_wh: c.wake_wh,
            })
            .collect();
        Managed {
            manager: Manager::new(rules, &hosts, &guests),
            guests: c
                .guests
                .iter()
                .map(|&g| {
                    let ws = (0..model.workloads.len())
                        .filter(|&w| model.workloads[w].node == g)
                        .collect();
                    (g, ws)
                })
                .collect(),
            hosts: c.hosts.clone(),
            copy: copy_of(0.0),
            interval_ms: c.interval_ms,
            wake_ms: c.wake_ms,
            next_ms: c.interval_ms,
            since: vec![0.0; model.workloads.len()],
            states: cfg.iter().map(|&s| PowerState::new(s)).collect(),
            cfg,
            played: 0,
            first_index: usize::MAX / 2,
        }
    }

    /// The interval ending at `t`: each guest's mean demand over it, the manager's step, its
    /// migrations as planned moves (to a host in standby, once the host is up), and its hosts
    /// powered down once their last guest has left, or woken.
    fn decide(&mut self, t: u64, horizon: u64, integral: &[f64], moves: &mut Vec<PlannedMove>) {
        let dt = self.interval_ms as f64;
        let demand: Vec<f64> = self
            .guests
            .iter()
            .map(|(_, ws)| {
                ws.iter()
                    .map(|&w| (integral[w] - self.since[w]) / dt)
                    .fold(0.0, |a, b| a + b)
            })
            .collect();
        for (_, ws) in &self.guests {
            for &w in ws {
                self.since[w] = integral[w];
            }
        }
        let nh = self.hosts.len();
        let was: Vec<bool> = (0..nh).map(|h| self.manager.standby(h)).collect();
        let decided = self.manager.step(&demand);
        let mut last_out = vec![t; nh];
        for (g, from, to) in decided {
            let start = if was[to] { t + self.wake_ms } else { t };
            if start >= horizon {
                continue;
            }
            let copy = PreCopy {
                memory_mb: self.manager_memory_mb(g),
                ..self.copy
            };
            let migration = migrate(&copy);
            let m = PlannedMove {
                index: self.first_index + moves.len(),
                start_ms: start,
                window_end_ms: None,
                kind: MoveKind::Guest {
                    guest: self.guests[g].0,
                    from: self.hosts[from],
                    to: self.hosts[to],
                    copy,
                    migration,
                },
            };
            last_out[from] = last_out[from].max(start.saturating_add(m.duration_ms()));
            moves.push(m);
            self.played += 1;
        }
        for h in 0..nh {
            let now = self.manager.standby(h);
            let state = &mut self.states[h];
            if !was[h] && now && last_out[h] < horizon {
                state.power_down(last_out[h]);
            } else if was[h] && !now {
                // A host powered down after a migration longer than an interval wakes from
                // then.
                let at = match state.state() {
                    State::Standby { since_ms } => since_ms.max(t),
                    _ => t,
                };
                state.wake(at);
            }
        }
        self.next_ms = t + self.interval_ms;
    }

    fn manager_memory_mb(&self, g: usize) -> f64 {
        self.manager.memory_mb(g)
    }
}

/// The demand streams walked sample by sample, with each workload's demand integral.
struct Walker {
    streams: Vec<Stream>,
    next: Vec<u64>,
    demand: Vec<f64>,
    integral: Vec<f64>,
    at: u64,
    d: Vec<f64>,
    h: Vec<Held>,
}

impl Walker {
    fn new(scenario: &Scenario) -> Result<Walker, Error> {
        let streams = build_streams(&scenario.demand).map_err(Error::Internal)?;
        let nw = scenario.model.workloads.len();
        Ok(Walker {
            next: vec![0; streams.len()],
            streams,
            demand: vec![0.0; nw],
            integral: vec![0.0; nw],
            at: 0,
            d: Vec::new(),
            h: Vec::new(),
        })
    }

    fn next_time(&self) -> Option<u64> {
        self.streams
            .iter()
            .zip(&self.next)
            .map(|(s, &k)| k * s.step_ms)
            .min()
    }

    fn integrate_to(&mut self, t: u64) {
        let dt = (t - self.at) as f64;
        if dt > 0.0 {
            for (i, d) in self.integral.iter_mut().zip(&self.demand) {
                *i += d * dt;
            }
        }
        self.at = t;
    }

    fn apply_samples(&mut self, t: u64) {
        for (s, k) in self.streams.iter_mut().zip(&mut self.next) {
            if *k * s.step_ms == t {
                s.sample(*k, &mut self.d, &mut self.h);
                for j in 0..s.len() {
                    self.demand[s.workload(j)] = self.d[j];
                }
                *k += 1;
            }
        }
    }
}
