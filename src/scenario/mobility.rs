//! `[[moves]]` and `[[consolidation]]` (issue #21): what a scenario moves, read, checked and
//! compiled into [`crate::mobility::plan::Plan`].
//!
//! Planned moves are checked in the order they happen, each against the tree as the moves
//! before it left it: a guest moved to a host is counted there when the next move looks at
//! that host. Every error names the file, the line, the field and what was expected.

use super::date::Date;
use super::duration::Duration;
use super::error::ScenarioError;
use crate::Error;
use crate::licensing::config::ServerPricing;
use crate::mobility::detect::{DEFAULT_FALLBACK_LIMIT, Detector};
use crate::mobility::migration::{
    DEFAULT_MAX_ROUNDS, DEFAULT_OVERHEAD_CORES, DEFAULT_STOP_BELOW_MB, PreCopy, migrate,
};
use crate::mobility::place::{Power, VmHostRoom, fits_vm_host, memory_with_overhead_gb};
use crate::mobility::plan::{Consolidation, MoveKind, Plan, PlannedMove, PowerUnit};
use crate::mobility::select::Policy;
use crate::model::power::PowerStates;
use crate::model::vcpu;
use crate::model::{Node, NodeId, NodeKind, Share, Workload, WorkloadId};
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The migration link when none is given [MB/s]: 1 GbE (125 MB/s), the network of the
/// Integrity servers' era.
pub const DEFAULT_LINK_MB_S: f64 = 125.0;
/// CloudSim's scheduling interval, the paper's consolidation period: 300 s.
pub const DEFAULT_INTERVAL_MS: u64 = 300_000;

/// One planned move: a VM guest to another VM host (online migration), or a workload to
/// another partition (with a reboot).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMove {
    /// A VM guest (a `[[partitions]]` entry of kind `vm`) …
    #[serde(default)]
    pub guest: Option<Spanned<String>>,
    /// … or a workload.
    #[serde(default)]
    pub workload: Option<Spanned<String>>,
    /// Where to: a VM host for a guest, a partition without sub-partitions for a workload.
    pub to: Spanned<String>,
    /// When: a duration from time 0 ("2d6h") or a date ("2011-03-05", with
    /// `[scenario] start`).
    #[serde(default)]
    pub at: Option<Spanned<toml::Value>>,
    /// Or a window `{ from, to }` the move starts at and must be over by.
    #[serde(default)]
    pub window: Option<Spanned<RawMoveWindow>>,
    /// A workload's downtime in its new partition (required for workloads).
    #[serde(default)]
    pub reboot: Option<Spanned<Duration>>,
    /// A guest's migration link [MB/s].
    #[serde(default)]
    pub link_mbps: Option<Spanned<f64>>,
    /// How fast the guest dirties memory while it runs [MB/s].
    #[serde(default)]
    pub dirty_mbps: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMoveWindow {
    pub from: Spanned<toml::Value>,
    pub to: Spanned<toml::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawDetector {
    Thr,
    Mad,
    Iqr,
    Lr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawSelection {
    Mmt,
    Mc,
    Random,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawPlacement {
    Pabfd,
}

/// A consolidation manager over a set of VM hosts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsolidation {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    pub hosts: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    pub detector: Spanned<RawDetector>,
    /// THR's limit.
    #[serde(default)]
    pub threshold: Option<Spanned<f64>>,
    /// MAD's, IQR's or LR's safety parameter.
    #[serde(default)]
    pub safety: Option<Spanned<f64>>,
    #[serde(default)]
    pub fallback_threshold: Option<Spanned<f64>>,
    #[serde(default)]
    pub selection: Option<Spanned<RawSelection>>,
    #[serde(default)]
    pub placement: Option<Spanned<RawPlacement>>,
    #[serde(default)]
    pub underload_threshold: Option<Spanned<f64>>,
    /// Per host in standby [W].
    #[serde(default)]
    pub standby_w: Option<Spanned<f64>>,
    #[serde(default)]
    pub wake_up: Option<Spanned<Duration>>,
    /// Energy of each wake-up beyond idle power [Wh], as `[[power_states]]`'s.
    #[serde(default)]
    pub wake_wh: Option<Spanned<f64>>,
    #[serde(default)]
    pub link_mbps: Option<Spanned<f64>>,
    #[serde(default)]
    pub dirty_mbps: Option<Spanned<f64>>,
    #[serde(default)]
    pub overhead_cores: Option<Spanned<f64>>,
    #[serde(default)]
    pub max_rounds: Option<Spanned<u32>>,
    #[serde(default)]
    pub stop_below_mb: Option<Spanned<f64>>,
}

/// Servers that drop from idle power to a standby figure when their cores have had no work
/// for `standby_after`, and pay `wake_up` (time) and `wake_wh` (energy) when work returns.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPowerStates {
    #[serde(default)]
    pub servers: Option<Spanned<Vec<Spanned<String>>>>,
    /// nPars that power down on their own, their cells' share of the server's idle power.
    #[serde(default)]
    pub npars: Option<Spanned<Vec<Spanned<String>>>>,
    pub standby_after: Spanned<Duration>,
    pub standby_w: Spanned<f64>,
    #[serde(default)]
    pub wake_up: Option<Spanned<Duration>>,
    #[serde(default)]
    pub wake_wh: Option<Spanned<f64>>,
}

/// What the compiler has settled before moves are read.
pub(crate) struct Context<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    pub nodes: &'a [Node],
    pub node_index: &'a HashMap<String, NodeId>,
    pub workloads: &'a [Workload],
    pub pricing: &'a [ServerPricing],
    /// Serviceguard's packages move their workloads themselves.
    pub ha: &'a crate::ha::Ha,
    pub horizon_ms: u64,
    pub start: Option<Date>,
    pub seed: u64,
}

impl Context<'_> {
    fn err(&self, span: Range<usize>, field: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::Input(Box::new(ScenarioError::at(
            self.file,
            self.text,
            Some(span),
            field,
            msg,
        )))
    }

    fn node(&self, name: &Spanned<String>, field: &str) -> Result<NodeId, Error> {
        self.node_index.get(name.get_ref()).copied().ok_or_else(|| {
            self.err(
                name.span(),
                field,
                format!(
                    "no server or partition is named `{}`; expected one of the [[servers]] or [[partitions]]",
                    name.get_ref()
                ),
            )
        })
    }

    fn name(&self, id: NodeId) -> &str {
        &self.nodes[id.0 as usize].name
    }

    /// A time of the run: a duration from time 0, or a date when the scenario has a start.
    /// `end_ok`: the end of the horizon itself is allowed (a window may close there).
    fn time(&self, v: &Spanned<toml::Value>, field: &str, end_ok: bool) -> Result<u64, Error> {
        let expected = "expected a time from the start as a duration (\"2d\", \"36h\") or, with [scenario] start, a date \"YYYY-MM-DD\"";
        let text = match v.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
            other => return Err(self.err(v.span(), field, format!("{other}; {expected}"))),
        };
        if let Ok(d) = Duration::parse(&text) {
            return self.within_horizon(d.ms(), v.span(), field, end_ok);
        }
        let Ok(date) = Date::parse(&text) else {
            return Err(self.err(v.span(), field, format!("`{text}`; {expected}")));
        };
        let Some(start) = self.start else {
            return Err(self.err(
                v.span(),
                field,
                format!(
                    "`{text}` is a date but the scenario has no [scenario] start; give `start = \"YYYY-MM-DD\"` or a duration from time 0"
                ),
            ));
        };
        let days = days_between(start, date);
        if days < 0 {
            return Err(self.err(
                v.span(),
                field,
                format!(
                    "{text} is before the horizon start ({start}); expected a time within the horizon"
                ),
            ));
        }
        self.within_horizon(days as u64 * 86_400_000, v.span(), field, end_ok)
    }

    fn within_horizon(
        &self,
        ms: u64,
        span: Range<usize>,
        field: &str,
        end_ok: bool,
    ) -> Result<u64, Error> {
        if ms > self.horizon_ms || (ms == self.horizon_ms && !end_ok) {
            return Err(self.err(
                span,
                field,
                format!(
                    "{} is at or after the end of the horizon ({}); expected a time within it",
                    show_ms(ms),
                    show_ms(self.horizon_ms)
                ),
            ));
        }
        Ok(ms)
    }

    /// An optional number that must satisfy `ok`, or its default.
    fn number(
        &self,
        v: &Option<Spanned<f64>>,
        field: &str,
        default: f64,
        ok: impl Fn(f64) -> bool,
        expected: &str,
    ) -> Result<f64, Error> {
        match v {
            Some(x) if !(x.get_ref().is_finite() && ok(*x.get_ref())) => Err(self.err(
                x.span(),
                field,
                format!("{}; expected {expected}", x.get_ref()),
            )),
            Some(x) => Ok(*x.get_ref()),
            None => Ok(default),
        }
    }
}

/// Days from `a` to `b` (negative when `b` is earlier), by calendar fields.
fn days_between(a: Date, b: Date) -> i64 {
    let days = |d: Date| {
        // Howard Hinnant's days_from_civil, as `date` uses.
        let (y, m, d) = d.ymd();
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe
    };
    days(b) - days(a)
}

fn show_ms(ms: u64) -> String {
    let s = ms as f64 / 1000.0;
    if ms.is_multiple_of(86_400_000) {
        format!("{}d", ms / 86_400_000)
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if s >= 60.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.3} s")
    }
}

/// A VM guest's entitlement [cores].
fn entitled(n: &Node) -> f64 {
    match n.share {
        Share::Elastic { weight, .. } if n.speed > 0.0 => weight / n.speed,
        _ => 0.0,
    }
}

/// The guests that cannot start together on `host` once `guest` joins those the moves have
/// left there, by the distinct-pCPU rule ([`vcpu::placement`], as validation applies it to a
/// host's starting guests): a smallest such set (dropping any one lets the rest start), each
/// named with its vCPUs and entitlement; `None` when they can (or the search gave up).
fn unplaceable(cx: &Context, at: &Placement, host: NodeId, guest: NodeId) -> Option<Vec<String>> {
    let per_vcpu = |n: &Node| entitled(n) / f64::from(n.cores.max(1));
    let mut set: Vec<usize> = (0..cx.nodes.len())
        .filter(|&i| {
            cx.nodes[i].kind == NodeKind::Vm && at.host[i] == Some(host) && i != guest.0 as usize
        })
        .collect();
    set.push(guest.0 as usize);
    let cores = cx.nodes[host.0 as usize].cores;
    let cannot = |s: &[usize]| {
        let vs: Vec<(u32, f64)> = s
            .iter()
            .map(|&i| (cx.nodes[i].cores.max(1), per_vcpu(&cx.nodes[i])))
            .collect();
        vcpu::placement(cores, &vs) == vcpu::Placement::Cannot
    };
    if !cannot(&set) {
        return None;
    }
    let mut i = 0;
    while i < set.len() {
        let mut without = set.clone();
        without.remove(i);
        if cannot(&without) {
            set = without;
        } else {
            i += 1;
        }
    }
    Some(
        set.iter()
            .map(|&i| {
                let n = &cx.nodes[i];
                format!(
                    "`{}` ({} vCPU{} at {:.1} %)",
                    n.name,
                    n.cores.max(1),
                    if n.cores > 1 { "s" } else { "" },
                    per_vcpu(n) * 100.0
                )
            })
            .collect(),
    )
}

/// Where each guest and workload is as the moves go by.
struct Placement {
    /// The host of each node (its parent; only VM guests ever change).
    host: Vec<Option<NodeId>>,
    workload_node: Vec<NodeId>,
}

impl Placement {
    fn room(&self, cx: &Context, host: NodeId) -> VmHostRoom {
        let mut entitled_cores = 0.0;
        let mut memory_used_gb = 0.0;
        for (i, n) in cx.nodes.iter().enumerate() {
            if n.kind == NodeKind::Vm && self.host[i] == Some(host) {
                entitled_cores += entitled(n);
                memory_used_gb += memory_with_overhead_gb(n.cores, n.memory_gb);
            }
        }
        let h = &cx.nodes[host.0 as usize];
        VmHostRoom {
            cores: h.cores,
            entitled_cores,
            memory_gb: h.memory_gb,
            memory_used_gb,
        }
    }
}

/// Compile the scenario's moves and consolidation managers; the errors found, each entity's
/// own, come back with whatever compiled.
pub(crate) fn compile(
    cx: &Context,
    moves: &[Spanned<RawMove>],
    consolidations: &[Spanned<RawConsolidation>],
    power_states: &[Spanned<RawPowerStates>],
) -> (Plan, Vec<Error>) {
    let mut errors = Vec::new();
    let mut plan = Plan::default();
    // Times first, so that moves are checked in the order they happen.
    let mut timed: Vec<(usize, u64, Option<u64>)> = Vec::new();
    for (k, rm) in moves.iter().enumerate() {
        match move_times(cx, k, rm.get_ref(), rm.span()) {
            Ok((start, end)) => timed.push((k, start, end)),
            Err(e) => errors.push(e),
        }
    }
    timed.sort_by_key(|&(k, start, _)| (start, k));
    let mut at = Placement {
        host: cx.nodes.iter().map(|n| n.parent).collect(),
        workload_node: cx.workloads.iter().map(|w| w.node).collect(),
    };
    // When each guest (by node) or workload is free to move again [ms].
    let mut busy_guest: HashMap<NodeId, (u64, usize)> = HashMap::new();
    let mut busy_workload: HashMap<usize, (u64, usize)> = HashMap::new();
    for (k, start, end) in timed {
        let rm = &moves[k];
        match compile_move(
            cx,
            k,
            rm,
            start,
            end,
            &mut at,
            &mut busy_guest,
            &mut busy_workload,
        ) {
            Ok(m) => plan.moves.push(m),
            Err(e) => errors.push(e),
        }
    }
    let mut managed: HashMap<NodeId, usize> = HashMap::new();
    for (k, rc) in consolidations.iter().enumerate() {
        match compile_consolidation(cx, k, rc, &plan.consolidations, &mut managed) {
            Ok(c) => plan.consolidations.push(c),
            Err(e) => errors.push(e),
        }
    }
    for (k, rp) in power_states.iter().enumerate() {
        match compile_power_states(cx, k, rp, &plan.power, &managed) {
            Ok(units) => plan.power.extend(units),
            Err(e) => errors.push(e),
        }
    }
    // A guest is moved by its manager or by the plan, never by both.
    for m in &plan.moves {
        if let MoveKind::Guest {
            guest, from, to, ..
        } = m.kind
            && let Some(c) = [from, to].iter().find_map(|h| managed.get(h))
        {
            let rm = moves[m.index].get_ref();
            let span = rm.guest.as_ref().map_or(rm.to.span(), |g| g.span());
            errors.push(cx.err(
                span,
                format!("moves[{}].guest", m.index),
                format!(
                    "`{}` would move to or from a host of consolidation[{c}] ({}), which moves its guests itself; expected a planned move between hosts no manager holds",
                    cx.name(guest),
                    plan.consolidations[*c].name
                ),
            ));
        }
    }
    (plan, errors)
}

/// A move's start and the end of its window.
fn move_times(
    cx: &Context,
    k: usize,
    m: &RawMove,
    span: Range<usize>,
) -> Result<(u64, Option<u64>), Error> {
    let field = |f: &str| format!("moves[{k}].{f}");
    match (&m.at, &m.window) {
        (Some(at), None) => Ok((cx.time(at, &field("at"), false)?, None)),
        (None, Some(w)) => {
            let from = cx.time(&w.get_ref().from, &field("window.from"), false)?;
            let to = cx.time(&w.get_ref().to, &field("window.to"), true)?;
            if to <= from {
                return Err(cx.err(
                    w.span(),
                    field("window"),
                    format!(
                        "the window closes ({}) before it opens ({}); expected from < to",
                        show_ms(to),
                        show_ms(from)
                    ),
                ));
            }
            Ok((from, Some(to)))
        }
        (Some(at), Some(_)) => Err(cx.err(
            at.span(),
            field("at"),
            "both `at` and `window`; expected one of them",
        )),
        (None, None) => Err(cx.err(
            span,
            format!("moves[{k}]"),
            "no time; expected `at = \"2d\"` (or a date) or `window = { from = …, to = … }`",
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn compile_move(
    cx: &Context,
    k: usize,
    rm: &Spanned<RawMove>,
    start: u64,
    window_end: Option<u64>,
    at: &mut Placement,
    busy_guest: &mut HashMap<NodeId, (u64, usize)>,
    busy_workload: &mut HashMap<usize, (u64, usize)>,
) -> Result<PlannedMove, Error> {
    let m = rm.get_ref();
    let field = |f: &str| format!("moves[{k}].{f}");
    let to = cx.node(&m.to, &field("to"))?;
    let kind = match (&m.guest, &m.workload) {
        (Some(g), None) => {
            if let Some(r) = &m.reboot {
                return Err(cx.err(r.span(), field("reboot"), "a guest moves online (its pause comes from the pre-copy model); `reboot` is for workloads moved to another partition"));
            }
            let guest = cx.node(g, &field("guest"))?;
            let gn = &cx.nodes[guest.0 as usize];
            if gn.kind != NodeKind::Vm {
                return Err(cx.err(
                    g.span(),
                    field("guest"),
                    format!(
                        "`{}` is a {}; expected a VM guest (to move a workload, write `workload = …`)",
                        gn.name,
                        gn.kind.as_str()
                    ),
                ));
            }
            let tn = &cx.nodes[to.0 as usize];
            if !matches!(tn.kind, NodeKind::Server | NodeKind::Npar | NodeKind::Vpar) {
                return Err(cx.err(
                    m.to.span(),
                    field("to"),
                    format!(
                        "`{}` is a {}; expected a VM host (a server, nPar or vPar running Integrity VM)",
                        tn.name,
                        tn.kind.as_str()
                    ),
                ));
            }
            if let Some(other) = cx
                .nodes
                .iter()
                .find(|n| n.parent == Some(to) && n.kind != NodeKind::Vm)
            {
                return Err(cx.err(
                    m.to.span(),
                    field("to"),
                    format!(
                        "`{}` holds the {} `{}`, and a parent holds one kind of partition; expected a VM host",
                        tn.name,
                        other.kind.as_str(),
                        other.name
                    ),
                ));
            }
            let from = at.host[guest.0 as usize].expect("a VM guest has a parent");
            if from == to {
                return Err(cx.err(
                    m.to.span(),
                    field("to"),
                    format!(
                        "`{}` is already on `{}` at {}; expected another host",
                        gn.name,
                        tn.name,
                        show_ms(start)
                    ),
                ));
            }
            if gn.memory_gb <= 0.0 {
                return Err(cx.err(g.span(), field("guest"), format!("`{}` has no `memory_gb`; an online migration copies the guest's memory, so give it", gn.name)));
            }
            if let Err(misfit) = fits_vm_host(
                &at.room(cx, to),
                gn.cores,
                entitled(gn) / f64::from(gn.cores.max(1)),
                gn.memory_gb,
            ) && !(tn.memory_gb <= 0.0
                && matches!(misfit, crate::mobility::place::Misfit::Memory { .. }))
            {
                return Err(cx.err(
                    m.to.span(),
                    field("to"),
                    format!(
                        "`{}` does not fit `{}` at {}: {misfit}",
                        gn.name,
                        tn.name,
                        show_ms(start)
                    ),
                ));
            }
            if let Some(set) = unplaceable(cx, at, to, guest) {
                return Err(cx.err(
                    m.to.span(),
                    field("to"),
                    format!(
                        "`{}` cannot start on `{}` at {}: {} cannot all be given their entitlement with each guest's vCPUs on distinct cores of its {} (Integrity VM's distinct-pCPU rule); expected a host with room for them",
                        gn.name,
                        tn.name,
                        show_ms(start),
                        set.join(", "),
                        tn.cores
                    ),
                ));
            }
            let link = cx.number(
                &m.link_mbps,
                &field("link_mbps"),
                DEFAULT_LINK_MB_S,
                |x| x > 0.0,
                "a positive bandwidth in MB/s",
            )?;
            let dirty = cx.number(
                &m.dirty_mbps,
                &field("dirty_mbps"),
                0.0,
                |x| x >= 0.0,
                "a dirty rate ≥ 0 in MB/s",
            )?;
            let copy = PreCopy {
                memory_mb: gn.memory_gb * 1024.0,
                dirty_mb_s: dirty,
                bandwidth_mb_s: link,
                stop_below_mb: DEFAULT_STOP_BELOW_MB,
                max_rounds: DEFAULT_MAX_ROUNDS,
                overhead_cores: DEFAULT_OVERHEAD_CORES,
            };
            let migration = migrate(&copy);
            if let Some(&(until, other)) = busy_guest.get(&guest)
                && start < until
            {
                return Err(cx.err(
                    g.span(),
                    field("guest"),
                    format!(
                        "`{}` is still moving (moves[{other}]) until {}; expected a start after it",
                        gn.name,
                        show_ms(until)
                    ),
                ));
            }
            at.host[guest.0 as usize] = Some(to);
            MoveKind::Guest {
                guest,
                from,
                to,
                copy,
                migration,
            }
        }
        (None, Some(w)) => {
            for (f, given) in [
                ("link_mbps", m.link_mbps.as_ref().map(|x| x.span())),
                ("dirty_mbps", m.dirty_mbps.as_ref().map(|x| x.span())),
            ] {
                if let Some(span) = given {
                    return Err(cx.err(span, field(f), format!("`{f}` is for a VM guest's online migration; a workload moves with a `reboot`")));
                }
            }
            let Some(wi) = cx.workloads.iter().position(|x| x.name == *w.get_ref()) else {
                return Err(cx.err(
                    w.span(),
                    field("workload"),
                    format!(
                        "no workload is named `{}`; expected one of the [[workloads]]",
                        w.get_ref()
                    ),
                ));
            };
            if let Some(p) = cx
                .ha
                .packages
                .iter()
                .find(|p| p.workloads.contains(&(wi as u32)))
            {
                return Err(cx.err(w.span(), field("workload"), format!("`{}` belongs to the Serviceguard package `{}`, which moves it on failures; expected a workload outside packages", w.get_ref(), p.name)));
            }
            if cx.nodes.iter().any(|n| n.parent == Some(to)) {
                return Err(cx.err(m.to.span(), field("to"), format!("`{}` is divided into partitions; expected one without (where a workload runs)", cx.name(to))));
            }
            let from = at.workload_node[wi];
            if from == to {
                return Err(cx.err(
                    m.to.span(),
                    field("to"),
                    format!(
                        "`{}` already runs in `{}` at {}; expected another partition",
                        w.get_ref(),
                        cx.name(to),
                        show_ms(start)
                    ),
                ));
            }
            let Some(reboot) = &m.reboot else {
                return Err(cx.err(rm.span(), field("reboot"), "a workload moved to another partition is down while it starts there; expected `reboot = \"10m\"` (\"0s\" for none)"));
            };
            if let Some(&(until, other)) = busy_workload.get(&wi)
                && start < until
            {
                return Err(cx.err(
                    w.span(),
                    field("workload"),
                    format!(
                        "`{}` is still moving (moves[{other}]) until {}; expected a start after it",
                        w.get_ref(),
                        show_ms(until)
                    ),
                ));
            }
            at.workload_node[wi] = to;
            MoveKind::Workload {
                workload: WorkloadId(wi as u32),
                from,
                to,
                reboot_ms: reboot.get_ref().ms(),
            }
        }
        (Some(g), Some(_)) => {
            return Err(cx.err(
                g.span(),
                field("guest"),
                "both `guest` and `workload`; expected one: a VM guest (moved online) or a workload (moved with a reboot)",
            ));
        }
        (None, None) => {
            return Err(cx.err(
                rm.span(),
                format!("moves[{k}]"),
                "nothing to move; expected `guest = \"VM\"` or `workload = \"NAME\"`",
            ));
        }
    };
    let planned = PlannedMove {
        index: k,
        start_ms: start,
        window_end_ms: window_end,
        kind,
    };
    let end = start.saturating_add(planned.duration_ms());
    if let Some(w) = window_end
        && end > w
    {
        let span = m.window.as_ref().map_or(rm.span(), |w| w.span());
        return Err(cx.err(
            span,
            field("window"),
            format!(
                "the move takes {} but the window is {}; expected a window at least as long as the move",
                show_ms(end - start),
                show_ms(w - start)
            ),
        ));
    }
    match planned.kind {
        MoveKind::Guest { guest, .. } => {
            busy_guest.insert(guest, (end, k));
        }
        MoveKind::Workload { workload, .. } => {
            busy_workload.insert(workload.0 as usize, (end, k));
        }
    }
    Ok(planned)
}

/// One `[[power_states]]` entry: a unit per server or nPar. A unit has one entry, none that
/// a consolidation manages (the manager powers its hosts down and up itself), and a server
/// is powered down whole or by its nPars, not both (an nPar's cells are part of the server).
fn compile_power_states(
    cx: &Context,
    k: usize,
    rp: &Spanned<RawPowerStates>,
    before: &[PowerUnit],
    managed: &HashMap<NodeId, usize>,
) -> Result<Vec<PowerUnit>, Error> {
    let p = rp.get_ref();
    let field = |f: &str| format!("power_states[{k}].{f}");
    let servers = p.servers.as_ref().map_or(&[][..], |s| s.get_ref());
    let npars = p.npars.as_ref().map_or(&[][..], |s| s.get_ref());
    if servers.is_empty() && npars.is_empty() {
        let span = p
            .servers
            .as_ref()
            .or(p.npars.as_ref())
            .map_or(rp.span(), |s| s.span());
        return Err(cx.err(
            span,
            field("servers"),
            "expected at least one server in `servers` or one nPar in `npars`",
        ));
    }
    let after = p.standby_after.get_ref().ms();
    if after == 0 {
        return Err(cx.err(
            p.standby_after.span(),
            field("standby_after"),
            "0 s; expected a positive time with no work before standby (\"30m\")",
        ));
    }
    let wake_ms = p.wake_up.as_ref().map_or(0, |w| w.get_ref().ms());
    let wake_wh = cx.number(
        &p.wake_wh,
        &field("wake_wh"),
        0.0,
        |x| x >= 0.0,
        "energy ≥ 0 Wh drawn by a wake-up beyond idle power",
    )?;
    let mut units: Vec<PowerUnit> = Vec::new();
    let named = servers
        .iter()
        .map(|s| (s, NodeKind::Server, "servers"))
        .chain(npars.iter().map(|s| (s, NodeKind::Npar, "npars")));
    for (s, kind, list) in named {
        let id = cx.node(s, &field(list))?;
        let n = &cx.nodes[id.0 as usize];
        if n.kind != kind {
            let expected = match kind {
                NodeKind::Server => {
                    "a server (standby powers a whole machine down; an nPar goes in `npars`)"
                }
                _ => "an nPar (standby powers whole cells down; a server goes in `servers`)",
            };
            return Err(cx.err(
                s.span(),
                field(list),
                format!("`{}` is a {}; expected {expected}", n.name, n.kind.as_str()),
            ));
        }
        let all = || before.iter().chain(&units);
        if all().any(|u| u.unit == id) {
            return Err(cx.err(
                s.span(),
                field(list),
                format!(
                    "`{}` already has power states; expected each server and nPar once",
                    n.name
                ),
            ));
        }
        let server = n.server;
        let server_name = &cx.nodes[server.0 as usize].name;
        if let Some(u) = all().find(|u| u.server == server && (u.unit == server || id == server)) {
            let other = &cx.nodes[u.unit.0 as usize].name;
            return Err(cx.err(
                s.span(),
                field(list),
                format!(
                    "`{}` and `{other}` both have power states, and `{server_name}` holds both; expected the server whole (`servers`) or its nPars (`npars`), not both",
                    n.name
                ),
            ));
        }
        if let Some(&c) = managed.get(&server) {
            return Err(cx.err(s.span(), field(list), format!("`{server_name}` is a host of consolidation[{c}], which powers it down and up itself (its `standby_w`, `wake_up`); expected a server no manager holds")));
        }
        let Some(pricing) = cx.pricing.iter().find(|x| x.server == server) else {
            return Err(cx.err(s.span(), field(list), format!("`{server_name}` has no `power = {{ idle_w, max_w }}`; standby saves energy against its idle power")));
        };
        let Some((idle_w, _)) = pricing.power else {
            return Err(cx.err(s.span(), field(list), format!("`{server_name}` has no `power = {{ idle_w, max_w }}`; standby saves energy against its idle power")));
        };
        // An nPar's cells ÷ the server's: its installed cores (one core per cell at least,
        // `cores_per_cell` each) ÷ the server's installed cores.
        let share = if id == server {
            1.0
        } else {
            n.max_cores / f64::from(pricing.installed.max(1))
        };
        let unit_idle_w = idle_w * share;
        let standby_w = *p.standby_w.get_ref();
        if !(standby_w.is_finite() && (0.0..=unit_idle_w).contains(&standby_w)) {
            let whose = if id == server {
                format!("`{}`'s idle power ({idle_w} W)", n.name)
            } else {
                format!(
                    "`{}`'s share of `{server_name}`'s idle power ({} W: its cells' share of {idle_w} W)",
                    n.name,
                    num(unit_idle_w)
                )
            };
            return Err(cx.err(
                p.standby_w.span(),
                field("standby_w"),
                format!("{standby_w}; expected watts ≥ 0 and at most {whose}"),
            ));
        }
        units.push(PowerUnit {
            server,
            unit: id,
            share,
            states: PowerStates {
                standby_after_ms: after,
                standby_w,
                wake_ms,
                wake_wh,
            },
        });
    }
    Ok(units)
}

/// A figure as a message shows it: at most three decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn compile_consolidation(
    cx: &Context,
    k: usize,
    rc: &Spanned<RawConsolidation>,
    before: &[Consolidation],
    managed: &mut HashMap<NodeId, usize>,
) -> Result<Consolidation, Error> {
    let c = rc.get_ref();
    let name = c.name.as_ref().map_or_else(
        || format!("consolidation[{k}]"),
        |n| n.get_ref().trim().to_string(),
    );
    let field = |f: &str| match &c.name {
        Some(_) => format!("consolidation[{k}] ({name}).{f}"),
        None => format!("consolidation[{k}].{f}"),
    };
    if let Some(n) = &c.name
        && (name.is_empty() || before.iter().any(|b| b.name == name))
    {
        return Err(cx.err(
            n.span(),
            field("name"),
            "expected a non-empty name no other [[consolidation]] has",
        ));
    }
    if c.hosts.get_ref().len() < 2 {
        return Err(cx.err(
            c.hosts.span(),
            field("hosts"),
            "a consolidation moves guests between hosts; expected at least two",
        ));
    }
    let mut hosts = Vec::new();
    let mut power = Vec::new();
    for h in c.hosts.get_ref() {
        let id = cx.node(h, &field("hosts"))?;
        let n = &cx.nodes[id.0 as usize];
        if n.kind != NodeKind::Server {
            return Err(cx.err(h.span(), field("hosts"), format!("`{}` is a {}; expected a server (standby powers a whole machine down; its VM guests sit directly on it)", n.name, n.kind.as_str())));
        }
        if hosts.contains(&id) {
            return Err(cx.err(
                h.span(),
                field("hosts"),
                format!("`{}` is listed twice", n.name),
            ));
        }
        if let Some(&other) = managed.get(&id) {
            return Err(cx.err(
                h.span(),
                field("hosts"),
                format!(
                    "`{}` is already managed by consolidation[{other}]; a host has one manager",
                    n.name
                ),
            ));
        }
        if let Some(other) = cx
            .nodes
            .iter()
            .find(|x| x.parent == Some(id) && x.kind != NodeKind::Vm)
        {
            return Err(cx.err(
                h.span(),
                field("hosts"),
                format!(
                    "`{}` holds the {} `{}`; expected a VM host, whose partitions are VM guests",
                    n.name,
                    other.kind.as_str(),
                    other.name
                ),
            ));
        }
        let Some((idle_w, max_w)) = cx
            .pricing
            .iter()
            .find(|p| p.server == id)
            .and_then(|p| p.power)
        else {
            return Err(cx.err(h.span(), field("hosts"), format!("`{}` has no `power = {{ idle_w, max_w }}`; the manager places guests by the power they add and reports energy", n.name)));
        };
        hosts.push(id);
        power.push(Power {
            idle_w,
            max_w,
            standby_w: 0.0,
        });
    }
    let guests: Vec<NodeId> = (0..cx.nodes.len())
        .map(|i| NodeId(i as u32))
        .filter(|&g| {
            let n = &cx.nodes[g.0 as usize];
            n.kind == NodeKind::Vm && n.parent.is_some_and(|p| hosts.contains(&p))
        })
        .collect();
    if guests.is_empty() {
        return Err(cx.err(
            c.hosts.span(),
            field("hosts"),
            "no VM guest runs on these hosts; expected [[partitions]] of kind vm on them",
        ));
    }
    if let Some(g) = guests
        .iter()
        .find(|g| cx.nodes[g.0 as usize].memory_gb <= 0.0)
    {
        return Err(cx.err(c.hosts.span(), field("hosts"), format!("the guest `{}` has no `memory_gb`; the manager migrates guests online, which copies their memory", cx.name(*g))));
    }
    let unit = |x: f64| x > 0.0 && x <= 1.0;
    let detector = match *c.detector.get_ref() {
        RawDetector::Thr => {
            if let Some(s) = &c.safety {
                return Err(cx.err(
                    s.span(),
                    field("safety"),
                    "`safety` is for mad, iqr and lr; THR takes `threshold`",
                ));
            }
            if let Some(s) = &c.fallback_threshold {
                return Err(cx.err(
                    s.span(),
                    field("fallback_threshold"),
                    "THR needs no fallback; `fallback_threshold` is for mad, iqr and lr",
                ));
            }
            Detector::Threshold {
                limit: cx.number(
                    &c.threshold,
                    &field("threshold"),
                    0.8,
                    unit,
                    "a utilization above 0 and at most 1",
                )?,
            }
        }
        d => {
            if let Some(t) = &c.threshold {
                return Err(cx.err(t.span(), field("threshold"), "`threshold` is THR's limit; a dynamic detector takes `safety` (and `fallback_threshold` while its history is short)"));
            }
            let (default, make): (f64, fn(f64) -> Detector) = match d {
                RawDetector::Mad => (2.5, |s| Detector::Mad { safety: s }),
                RawDetector::Iqr => (1.5, |s| Detector::Iqr { safety: s }),
                _ => (1.2, |s| Detector::LocalRegression { safety: s }),
            };
            make(cx.number(
                &c.safety,
                &field("safety"),
                default,
                |x| x > 0.0 && x <= 100.0,
                "a safety parameter above 0 (the paper's: MAD 2.5, IQR 1.5, LR 1.2)",
            )?)
        }
    };
    let fallback_limit = cx.number(
        &c.fallback_threshold,
        &field("fallback_threshold"),
        DEFAULT_FALLBACK_LIMIT,
        unit,
        "a utilization above 0 and at most 1",
    )?;
    let interval_ms = match &c.interval {
        Some(i) => {
            let ms = i.get_ref().ms();
            if ms == 0 || ms > cx.horizon_ms {
                return Err(cx.err(
                    i.span(),
                    field("interval"),
                    format!(
                        "{}; expected a positive interval no longer than the horizon ({})",
                        show_ms(ms),
                        show_ms(cx.horizon_ms)
                    ),
                ));
            }
            ms
        }
        None => DEFAULT_INTERVAL_MS.min(cx.horizon_ms),
    };
    let underload_threshold = cx.number(
        &c.underload_threshold,
        &field("underload_threshold"),
        1.0,
        |x| (0.0..=1.0).contains(&x),
        "a utilization from 0 (never evacuate) to 1 (any host with load, as CloudSim)",
    )?;
    let min_idle = power.iter().map(|p| p.idle_w).fold(f64::INFINITY, f64::min);
    let standby_w = cx.number(
        &c.standby_w,
        &field("standby_w"),
        0.0,
        |x| x >= 0.0 && x <= min_idle,
        &format!("watts ≥ 0 and at most the hosts' lowest idle power ({min_idle} W)"),
    )?;
    for p in &mut power {
        p.standby_w = standby_w;
    }
    let link_mb_s = cx.number(
        &c.link_mbps,
        &field("link_mbps"),
        DEFAULT_LINK_MB_S,
        |x| x > 0.0,
        "a positive bandwidth in MB/s",
    )?;
    let dirty_mb_s = cx.number(
        &c.dirty_mbps,
        &field("dirty_mbps"),
        0.0,
        |x| x >= 0.0,
        "a dirty rate ≥ 0 in MB/s",
    )?;
    let overhead_cores = cx.number(
        &c.overhead_cores,
        &field("overhead_cores"),
        DEFAULT_OVERHEAD_CORES,
        |x| x >= 0.0,
        "cores ≥ 0 busy on each side of a migration",
    )?;
    let stop_below_mb = cx.number(
        &c.stop_below_mb,
        &field("stop_below_mb"),
        DEFAULT_STOP_BELOW_MB,
        |x| x >= 0.0,
        "MB ≥ 0",
    )?;
    let max_rounds = match &c.max_rounds {
        Some(r) if *r.get_ref() == 0 || *r.get_ref() > 1000 => {
            return Err(cx.err(
                r.span(),
                field("max_rounds"),
                format!(
                    "{}; expected 1 to 1000 pre-copy rounds (the first full copy included)",
                    r.get_ref()
                ),
            ));
        }
        Some(r) => *r.get_ref(),
        None => DEFAULT_MAX_ROUNDS,
    };
    for &h in &hosts {
        managed.insert(h, k);
    }
    let wake_wh = cx.number(
        &c.wake_wh,
        &field("wake_wh"),
        0.0,
        |x| x >= 0.0,
        "energy ≥ 0 Wh drawn by a wake-up beyond idle power",
    )?;
    Ok(Consolidation {
        name,
        hosts,
        power,
        guests,
        interval_ms,
        detector,
        fallback_limit,
        selection: match c.selection.as_ref().map(|s| *s.get_ref()) {
            None | Some(RawSelection::Mmt) => Policy::MinMigrationTime,
            Some(RawSelection::Mc) => Policy::MaxCorrelation,
            Some(RawSelection::Random) => Policy::Random,
        },
        underload_threshold,
        wake_ms: c.wake_up.as_ref().map_or(0, |w| w.get_ref().ms()),
        wake_wh,
        link_mb_s,
        dirty_mb_s,
        stop_below_mb,
        max_rounds,
        overhead_cores,
        seed: cx.seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_between_dates() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(days_between(d("2011-03-01"), d("2011-03-05")), 4);
        assert_eq!(days_between(d("2012-02-28"), d("2012-03-01")), 2);
        assert_eq!(days_between(d("2011-03-05"), d("2011-03-01")), -4);
        assert_eq!(
            days_between(d("2011-03-01"), d("2011-03-01").plus_days(400)),
            400
        );
    }
}
