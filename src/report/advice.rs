//! Advice that knows the box: before "buy N servers", what each server's own licensing
//! allows — activate inactive Instant Capacity cores (and the usage rights' price), cover the
//! peaks with Temporary Instant Capacity (core-minutes a year and their price), or raise a Pay
//! per use cap (and the monthly bill) — and where the cores would go.
//!
//! The cores a server needs follow how it is partitioned (DOMAIN.md §1): fixed partitions
//! (nPars, vPars, PSET groups) each need their own cores, so their needs add up; the
//! compartments of a workload manager's domain, and VM guests or FSS groups, share what their
//! parent has, so the parent needs the largest of theirs or its own time-aligned demand,
//! whichever is more. An nPar holds no more cores than its cells have: cores beyond that are
//! out of iCAP's reach (another cell, or another server). Each need is the partition's
//! recommended size from its planning answer, so the advice, the verdicts and the planning
//! table rest on the same figures.

use super::judge::share_above;
use super::planning::{WHOLE_CORES, round_up};
use super::summary::{GicapReport, LicensingReport, NodeReport};
use crate::model::{NodeId, NodeKind, Share};
use crate::sim::Outcome;
use crate::world::Scenario;
use serde::{Deserialize, Serialize};

/// One server's options, in the order a planner weighs them.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerAdvice {
    pub server: String,
    /// `icap` or `ppu`, as `licensing[].pricing`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub pricing: crate::report::word::Word,
    pub installed_cores: u32,
    pub active_cores: u32,
    /// Installed − active: cores iCAP (or a raised Pay per use cap) could turn on.
    pub inactive_cores: u32,
    /// Active cores for the server and every partition in it to meet the CPU limit over the
    /// forecast horizon, partitioned as it is.
    pub cores_needed: u32,
    /// The same if cores moved freely between its partitions (a workload manager over all of
    /// them): the server's own recommended CPU size, from its time-aligned demand.
    pub cores_needed_pooled: u32,
    /// Cores missing where they are needed: Σ over nPars of what each lacks (a spare core in
    /// one nPar does not help another), or for a server without nPars (or whose nPars a
    /// manager shares cores between) `cores_needed` − active.
    pub cores_short: u32,
    /// Partitions that need more cores than they can hold now, in preorder (FSS groups
    /// without a cap only through their parent, whose cores they hold).
    pub partitions: Vec<PartitionNeed>,
    /// Null unless the server is short and uses Instant Capacity with inactive cores.
    pub icap: Option<IcapOption>,
    /// Null unless the server is short and has a Temporary Instant Capacity balance (its own
    /// or its GiCAP group's).
    pub ticap: Option<TicapOption>,
    /// Null unless the server is short and is on Pay per use.
    pub ppu: Option<PpuOption>,
    /// Cores still short once every inactive core the partitions can reach is active: only
    /// more hardware (cells, a server) or moving work covers them.
    pub cores_short_after: u32,
    /// The advice in sentences, as the terminal and report.html print it.
    pub lines: Vec<String>,
}

/// A partition that needs more than it holds.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PartitionNeed {
    pub name: String,
    #[serde(deserialize_with = "crate::report::word::word")]
    pub kind: crate::report::word::Word,
    /// What it can hold now [its server's cores]: `capacity_cores` ÷ core speed.
    pub holds: f64,
    /// What it needs for itself and everything in it to meet the CPU limit over the horizon
    /// [cores]: whole cores but for VM guests and FSS groups.
    pub needs: f64,
    /// nPars: the installed cores of its cells, the most iCAP can give it; null otherwise.
    pub cells_hold: Option<u32>,
}

/// Activate inactive cores with usage rights.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IcapOption {
    /// Inactive cores to activate where the partitions that need them can reach them.
    pub activate: u32,
    pub of_inactive: u32,
    /// Usage rights to buy: the activations beyond the spare rights held (the server's, or
    /// its GiCAP group's).
    pub rights_to_buy: u32,
    /// `core_right_price` [currency]; null when the scenario gives none (or 0).
    pub right_price: Option<f64>,
    /// rights_to_buy × right_price; null without a price.
    pub cost: Option<f64>,
    /// The activation leaves no core short.
    pub enough: bool,
}

/// Temporary Instant Capacity for the time the demand is above the limit of the active cores.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TicapOption {
    /// Core-minutes a year: Σ over time of the cores needed above the active ones to keep the
    /// demand within the limit (up to the installed cores), at the run's demand, scaled from
    /// the horizon to 365 days. The ledger debits whole 30-minute quanta per core, so a real
    /// balance burns somewhat more.
    pub core_minutes_per_year: f64,
    /// Most temporary cores needed at once.
    pub peak_cores: u32,
    pub price_per_core_day: f64,
    /// core_minutes_per_year ÷ 1,440 × price_per_core_day.
    pub cost_per_year: f64,
    /// The balance the scenario holds, and the days of such use it covers.
    pub balance_core_minutes: f64,
    pub balance_covers_days: Option<f64>,
    /// What this run's workload managers actually drew from the balance (`licensing[].ticap`
    /// or the GiCAP group's `used_core_minutes`), scaled to a year; null when none. A
    /// manager that activates temporary cores to meet its own targets (gWLM's utilization
    /// target, say 75 %) draws more than the limit needs.
    pub run_core_minutes_per_year: Option<f64>,
    /// The temporary cores leave no core short at the peaks.
    pub enough: bool,
}

/// Raise a Pay per use server's cap.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PpuOption {
    /// `percent` or `active`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub metric: crate::report::word::Word,
    /// The cap that meets the need (at most the installed cores).
    pub cap_cores: u32,
    /// What a month bills at that cap: the percent metric the mean busy cores (the run's
    /// mean demand ÷ core speed, all of it served), the active metric the cap.
    pub billable_cores: f64,
    /// fixed_per_month + price_per_core_month × billable_cores, per 30-day month.
    pub cost_per_month: f64,
    pub enough: bool,
}

/// What the summary already holds that the advice reads: the nodes in model order
/// (preorder), the licensing per server (in server order) and per GiCAP group, and the
/// study's answer that the advice ends on.
pub struct Inputs<'a> {
    pub nodes: &'a [&'a NodeReport],
    pub licensing: &'a [LicensingReport],
    pub groups: &'a [GicapReport],
    pub servers_needed: u32,
    pub target: &'a str,
}

/// The advice for every server, in server order.
pub fn build(scenario: &Scenario, outcome: &Outcome, inputs: &Inputs) -> Vec<ServerAdvice> {
    let nodes = inputs.nodes;
    let model = &scenario.model;
    let need = needs(scenario, nodes);
    // A GiCAP group's spare rights, used up by its members in order.
    let mut group_spare: Vec<i64> = scenario
        .gicap
        .iter()
        .map(|g| {
            g.members
                .iter()
                .map(|&k| {
                    let p = &scenario.pricing[k];
                    p.rights as i64 - model.node(p.server).cores as i64
                })
                .sum::<i64>()
                .max(0)
        })
        .collect();
    let mut out = Vec::new();
    for (k, p) in scenario.pricing.iter().enumerate() {
        let s = p.server.0 as usize;
        let node = model.node(p.server);
        let report = nodes[s];
        let active = node.cores;
        let installed = p.installed.max(active);
        let inactive = installed - active;
        let npars: Vec<usize> = model
            .children(p.server)
            .iter()
            .map(|c| c.0 as usize)
            .filter(|&c| model.nodes[c].kind == NodeKind::Npar)
            .collect();
        let shared = npars.iter().any(|&c| is_compartment(nodes, s, c));
        let cores_needed = need[s].round() as u32;
        let (cores_short, activate, after) = if !npars.is_empty() && !shared {
            npars.iter().fold((0, 0, 0), |(short, act, after), &c| {
                let n = &model.nodes[c];
                let (needs, holds, reach) = (need[c].round() as u32, n.cores, n.max_cores as u32);
                (
                    short + needs.saturating_sub(holds),
                    act + needs.min(reach).saturating_sub(holds),
                    after + needs.saturating_sub(reach),
                )
            })
        } else {
            let short = cores_needed.saturating_sub(active);
            let act = short.min(inactive);
            // An nPar under the manager still holds no more than its cells.
            let cells = npars
                .iter()
                .map(|&c| (need[c].round() as u32).saturating_sub(model.nodes[c].max_cores as u32))
                .max()
                .unwrap_or(0);
            (short, act, (short - act).max(cells))
        };
        let partitions: Vec<PartitionNeed> = (s + 1..model.nodes.len())
            .take_while(|&i| model.nodes[i].server == p.server)
            .filter_map(|i| {
                let n = &model.nodes[i];
                let holds = n.nominal / n.speed;
                // An uncapped FSS group holds what its parent holds: its need is the parent's.
                let uncapped = n.kind == NodeKind::Fss
                    && n.parent
                        .is_some_and(|p| n.nominal >= model.node(p).nominal - 1e-9);
                (need[i] > holds + 1e-9 && !uncapped).then(|| PartitionNeed {
                    name: n.name.clone(),
                    kind: n.kind.as_str(),
                    holds,
                    needs: need[i],
                    cells_hold: (n.kind == NodeKind::Npar).then_some(n.max_cores as u32),
                })
            })
            .collect();
        let short = cores_short > 0;
        let icap = (short && p.ppu.is_none() && inactive > 0).then(|| {
            let spare = match p.group {
                Some(g) => {
                    let take = group_spare[g].min(activate as i64);
                    group_spare[g] -= take;
                    take as u32
                }
                None => p.rights.saturating_sub(active).min(activate),
            };
            let rights_to_buy = activate - spare;
            let right_price = (p.core_right_price > 0.0).then_some(p.core_right_price);
            IcapOption {
                activate,
                of_inactive: inactive,
                rights_to_buy,
                right_price,
                cost: right_price.map(|price| price * rights_to_buy as f64),
                enough: after == 0,
            }
        });
        let ticap_cfg = p
            .ticap
            .or_else(|| p.group.and_then(|g| scenario.gicap[g].ticap));
        let ticap = match ticap_cfg {
            Some(cfg) if short && p.ppu.is_none() => {
                let units: Vec<usize> = if npars.is_empty() || shared {
                    vec![s]
                } else {
                    npars.clone()
                };
                let (core_ms, peak_cores) =
                    temporary_core_ms(scenario, outcome, &units, installed, s);
                let per_year =
                    core_ms / 60_000.0 * 365.0 * 86_400_000.0 / scenario.horizon_ms.max(1) as f64;
                let per_day = per_year / 365.0;
                let ledger = match p.group {
                    Some(g) => inputs.groups.get(g).and_then(|r| r.ticap.as_ref()),
                    None => inputs.licensing.get(k).and_then(|r| r.ticap.as_ref()),
                };
                let to_year = 365.0 * 86_400_000.0 / scenario.horizon_ms.max(1) as f64;
                Some(TicapOption {
                    core_minutes_per_year: per_year,
                    peak_cores,
                    price_per_core_day: cfg.core_day_price(),
                    cost_per_year: crate::licensing::ticap_cost(per_year, cfg.core_day_price()),
                    balance_core_minutes: cfg.total_core_min(),
                    balance_covers_days: (per_day > 0.0).then(|| cfg.total_core_min() / per_day),
                    run_core_minutes_per_year: ledger
                        .map(|t| t.used_core_minutes * to_year)
                        .filter(|&m| m > 0.0),
                    enough: after == 0,
                })
            }
            _ => None,
        };
        let ppu = match p.ppu {
            Some(cfg) if short => {
                let cap = active + activate;
                let hours = scenario.horizon_ms as f64 / 3_600_000.0;
                let billable = match cfg.metric {
                    crate::licensing::config::PpuMetricKind::Percent => {
                        report.usage.work.demand_core_hours / hours.max(1e-9) / node.speed
                    }
                    crate::licensing::config::PpuMetricKind::Active => cap as f64,
                };
                Some(PpuOption {
                    metric: match cfg.metric {
                        crate::licensing::config::PpuMetricKind::Percent => "percent",
                        crate::licensing::config::PpuMetricKind::Active => "active",
                    },
                    cap_cores: cap,
                    billable_cores: billable,
                    cost_per_month: cfg.fixed_per_month + cfg.price_per_core_month * billable,
                    enough: after == 0,
                })
            }
            _ => None,
        };
        let mut advice = ServerAdvice {
            server: node.name.clone(),
            pricing: if p.ppu.is_some() { "ppu" } else { "icap" },
            installed_cores: installed,
            active_cores: active,
            inactive_cores: inactive,
            cores_needed,
            cores_needed_pooled: report
                .planning
                .as_ref()
                .map_or(cores_needed, |pl| pl.cpu.recommended.round() as u32),
            cores_short,
            partitions,
            icap,
            ticap,
            ppu,
            cores_short_after: after,
            lines: Vec::new(),
        };
        let horizon_days = report.planning.as_ref().map_or(0.0, |pl| pl.horizon_days);
        advice.lines = sentences(
            &advice,
            scenario.costs.currency.as_deref(),
            horizon_days,
            (inputs.servers_needed, inputs.target),
        );
        out.push(advice);
    }
    out
}

/// Whether node `c` is a compartment of a workload manager's domain over node `parent`.
fn is_compartment(nodes: &[&NodeReport], parent: usize, c: usize) -> bool {
    nodes[c]
        .policy
        .as_ref()
        .is_some_and(|p| p.domain == nodes[parent].name)
}

/// Each node's need [its server's cores], bottom up: its own recommended CPU size, or what
/// its children need together (fixed children each their own, shared children the largest),
/// whichever is more; whole cores where whole cores move.
fn needs(scenario: &Scenario, nodes: &[&NodeReport]) -> Vec<f64> {
    let model = &scenario.model;
    let mut need: Vec<f64> = nodes
        .iter()
        .map(|n| n.planning.as_ref().map_or(0.0, |p| p.cpu.recommended))
        .collect();
    for i in (0..model.nodes.len()).rev() {
        let (mut fixed, mut shared) = (0.0, 0.0f64);
        for c in model.children(NodeId(i as u32)) {
            let c = c.0 as usize;
            let elastic = matches!(model.nodes[c].share, Share::Elastic { .. });
            if elastic || is_compartment(nodes, i, c) {
                shared = shared.max(need[c]);
            } else {
                fixed += need[c];
            }
        }
        let n = need[i].max(fixed + shared);
        need[i] = match model.nodes[i].share {
            Share::Elastic { .. } => n,
            _ => round_up(n, WHOLE_CORES),
        };
    }
    need
}

/// Temporary core-milliseconds over the run in `units` (nodes whose active cores grow:
/// the server, or each nPar), and the most temporary cores at once: the j-th core above a
/// unit's active ones is needed while its demand is above (active + j − 1) × limit × speed.
fn temporary_core_ms(
    scenario: &Scenario,
    outcome: &Outcome,
    units: &[usize],
    installed: u32,
    server: usize,
) -> (f64, u32) {
    let limit = scenario.report.util_limit;
    let h = scenario.horizon_ms as f64;
    let (mut core_ms, mut peak) = (0.0, 0u32);
    for &u in units {
        let n = &scenario.model.nodes[u];
        let active = n.cores;
        let reach = if u == server {
            installed
        } else {
            n.max_cores as u32
        };
        for j in 1..=reach.saturating_sub(active) {
            let level = (active + j - 1) as f64 * limit * n.speed;
            let share = share_above(&outcome.nodes, u, level, n.nominal);
            if share <= 0.0 {
                break;
            }
            core_ms += share * h;
            peak += 1;
        }
    }
    (core_ms, peak)
}

/// "30,000" for money of 100 or more, "12.50" below.
fn money(x: f64) -> String {
    if x.abs() < 100.0 {
        return format!("{x:.2}");
    }
    whole(x)
}

/// "1,095": rounded, thousands grouped.
fn whole(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// A number of cores: "7" or "2.64".
fn cores(x: f64) -> String {
    super::judge::trim(x, 2)
}

/// The advice as sentences: what the server needs, where, each option with its price, and
/// what only more servers cover.
fn sentences(
    a: &ServerAdvice,
    currency: Option<&str>,
    horizon_days: f64,
    (servers_needed, target): (u32, &str),
) -> Vec<String> {
    let cur = |x: f64| match currency {
        Some(c) => format!("{} {c}", money(x)),
        None => money(x),
    };
    let mut lines = Vec::new();
    let pooled = if a.cores_needed_pooled != a.cores_needed {
        format!(
            " ({} if cores moved freely between its partitions)",
            a.cores_needed_pooled
        )
    } else {
        String::new()
    };
    if a.cores_short == 0 && a.partitions.is_empty() {
        lines.push(format!(
            "{}: fits: needs {} of its {} active cores over {} days{pooled}",
            a.server,
            a.cores_needed,
            a.active_cores,
            whole(horizon_days)
        ));
        return lines;
    }
    lines.push(format!(
        "{}: needs {} active cores over {} days as partitioned{pooled}; has {} active of {} installed",
        a.server,
        a.cores_needed,
        whole(horizon_days),
        a.active_cores,
        a.installed_cores
    ));
    if !a.partitions.is_empty() {
        let parts: Vec<String> = a
            .partitions
            .iter()
            .map(|p| {
                let cells = match p.cells_hold {
                    Some(c) if p.needs > c as f64 => format!(" (its cells hold {c})"),
                    _ => String::new(),
                };
                format!("{} {} → {}{cells}", p.name, cores(p.holds), cores(p.needs))
            })
            .collect();
        lines.push(format!("cores needed: {}", parts.join(", ")));
    }
    if a.cores_short == 0 {
        lines.push(format!(
            "no core to add: resize the partitions within the {} active cores",
            a.active_cores
        ));
        return lines;
    }
    if let Some(i) = &a.icap {
        let price = match (i.rights_to_buy, i.cost) {
            (0, _) => "with usage rights already held".to_string(),
            (n, Some(cost)) => format!(
                "{n} usage right{} × {} = {}",
                if n == 1 { "" } else { "s" },
                money(i.right_price.unwrap_or(0.0)),
                cur(cost)
            ),
            (n, None) => format!(
                "{n} usage right{} to buy (no core_right_price in the scenario)",
                if n == 1 { "" } else { "s" }
            ),
        };
        lines.push(format!(
            "iCAP: activate {} of the {} inactive cores: {price}",
            i.activate, i.of_inactive
        ));
    } else if a.pricing == "icap" && a.inactive_cores == 0 {
        lines.push("iCAP: no inactive cores to activate".to_string());
    }
    if let Some(t) = &a.ticap {
        let covers = match t.balance_covers_days {
            Some(d) => format!(
                "; the balance of {} core-minutes lasts {} days at that rate",
                whole(t.balance_core_minutes),
                whole(d)
            ),
            None => String::new(),
        };
        let run = match t.run_core_minutes_per_year {
            Some(m) => format!(
                "; this run's managers drew {} a year ({})",
                whole(m),
                cur(m / 1_440.0 * t.price_per_core_day)
            ),
            None => String::new(),
        };
        lines.push(format!(
            "TiCAP: {} core-minutes a year keep the peaks within the limit (up to {} temporary cores at once): {} a year at {} a core-day{covers}{run}",
            whole(t.core_minutes_per_year),
            t.peak_cores,
            cur(t.cost_per_year),
            money(t.price_per_core_day)
        ));
    }
    if let Some(p) = a.ppu.as_ref().filter(|p| p.cap_cores == a.active_cores) {
        lines.push(format!(
            "Pay per use: the cap already allows every core its partitions can reach ({})",
            p.cap_cores
        ));
    } else if let Some(p) = &a.ppu {
        lines.push(format!(
            "Pay per use: raise the cap from {} to {} cores; the {} metric bills {} cores, about {} a month",
            a.active_cores,
            p.cap_cores,
            p.metric,
            cores(p.billable_cores),
            cur(p.cost_per_month)
        ));
    }
    if a.cores_short_after > 0 {
        let full: Vec<String> = a
            .partitions
            .iter()
            .filter_map(|p| {
                let c = p.cells_hold?;
                (p.needs > c as f64)
                    .then(|| format!("{} needs {} but its cells hold {c}", p.name, cores(p.needs)))
            })
            .collect();
        let why = if full.is_empty() {
            format!("with all {} installed cores active", a.installed_cores)
        } else {
            full.join(", ")
        };
        lines.push(format!(
            "still {} core{} short ({why}): resize or move partitions, or another server (the study needs {servers_needed} like {target})",
            a.cores_short_after,
            if a.cores_short_after == 1 { "" } else { "s" }
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{money, whole};

    #[test]
    fn money_reads_as_a_planner_writes_it() {
        assert_eq!(money(30_000.0), "30,000");
        assert_eq!(money(7_604.166), "7,604");
        assert_eq!(money(12.5), "12.50");
        assert_eq!(money(-1_234_567.0), "-1,234,567");
        assert_eq!(whole(30.0), "30");
        assert_eq!(whole(1095.0), "1,095");
    }
}
