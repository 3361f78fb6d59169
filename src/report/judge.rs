//! The judgement of one server or partition against what it can hold [CA14], and of the
//! scenario as the worst of them: which resource is over its limit, by how much, said in the
//! words a planner acts on ("vp-app: CPU demand at peak 5.30 cores > 2.55 (85 % of 3)").
//!
//! Works on figures the summary already holds (the CPU sizing demand and each resource's
//! planning answer), so the verdict, the table and the planning answers cannot disagree.
//! Only [`share_above`] reads the run, through the demand distribution's quantiles.

use super::planning::NodePlan;
use super::summary::{NodeReport, Verdict};
use crate::sim::metrics::Meters;
use serde::{Deserialize, Serialize};

/// The resource furthest over its limit in one entity: what the verdict line names.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Culprit {
    pub entity: String,
    /// `server`, `npar`, `vpar`, `vm`, `pset` or `fss`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub kind: crate::report::word::Word,
    /// `cpu`, `memory`, `disk` or `network`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub resource: crate::report::word::Word,
    /// The percentile the demand is taken at (`scenario.sizing_percentile`; 100 = the peak).
    pub percentile: f64,
    /// The demand at that percentile [`unit`]: the time-aligned sum of the entity's
    /// workloads.
    pub demand: f64,
    /// `reference cores`, `GiB` or `MB/s`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub unit: crate::report::word::Word,
    /// What the entity can hold [`unit`], and the scenario's limit for the resource.
    pub capacity: f64,
    pub limit: f64,
    /// limit × capacity: the most demand that meets the limit.
    pub ceiling: f64,
    /// "vp-app: CPU demand at peak 5.30 cores > 2.55 (85 % of 3)".
    pub text: String,
}

impl Culprit {
    /// How far over its ceiling: demand ÷ ceiling (infinite on a zero ceiling).
    pub fn ratio(&self) -> f64 {
        if self.ceiling > 0.0 {
            self.demand / self.ceiling
        } else {
            f64::INFINITY
        }
    }
}

/// "peak" at 100, else "p99", "p99.9", "p95".
pub fn percentile_label(percentile: f64) -> String {
    if percentile >= 100.0 {
        "peak".to_string()
    } else {
        format!("p{}", trim(percentile, 3))
    }
}

/// `x` with at most `decimals` decimals and no trailing zeros: 3 → "3", 1.5 → "1.5".
pub fn trim(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// What one entity is judged on: its CPU demand at the sizing percentile against its
/// capacity [reference cores], and the other resources' planning answers.
pub struct Figures<'a> {
    pub name: &'a str,
    pub kind: &'static str,
    pub percentile: f64,
    pub cpu_demand: f64,
    pub cpu_capacity: f64,
    pub cpu_limit: f64,
    pub plan: &'a NodePlan,
}

/// The resource furthest over its limit (demand ÷ limit × capacity), or None when every
/// resource meets its limit. CPU first among equals.
pub fn culprit(f: &Figures) -> Option<Culprit> {
    let at = percentile_label(f.percentile);
    let mut worst: Option<Culprit> = None;
    let cpu = (
        "cpu",
        "CPU",
        "reference cores",
        "cores",
        f.cpu_demand,
        f.cpu_capacity,
        f.cpu_limit,
        2,
    );
    let held = f.plan.resources()[1..]
        .iter()
        .filter_map(|(name, r)| r.map(|r| (*name, r)))
        .filter(|(_, r)| r.capacity > 0.0)
        .map(|(name, r)| {
            let (label, decimals) = match name {
                "memory" => ("memory", 1),
                "disk" => ("disk", 1),
                _ => ("network", 1),
            };
            (
                name,
                label,
                r.unit,
                r.unit,
                r.demand_now,
                r.capacity,
                r.limit,
                decimals,
            )
        })
        .collect::<Vec<_>>();
    for (resource, label, unit, short_unit, demand, capacity, limit, decimals) in
        std::iter::once(cpu).chain(held)
    {
        let ceiling = limit * capacity;
        if demand <= ceiling {
            continue;
        }
        let c = Culprit {
            entity: f.name.to_string(),
            kind: f.kind,
            resource,
            percentile: f.percentile,
            demand,
            unit,
            capacity,
            limit,
            ceiling,
            text: format!(
                "{}: {label} demand at {at} {demand:.decimals$} {short_unit} > {ceiling:.decimals$} ({} % of {})",
                f.name,
                trim(limit * 100.0, 1),
                trim(capacity, 2),
            ),
        };
        if worst.as_ref().is_none_or(|w| c.ratio() > w.ratio()) {
            worst = Some(c);
        }
    }
    worst
}

/// Share of the horizon in which node `i`'s time-aligned demand was above `x` [reference
/// cores], from its demand distribution (`capacity`: the node's, which scales it): exact to
/// the distribution's bins (0.2 % of the capacity wide). Found by bisection over the
/// quantile, the reading the run keeps for any node.
pub fn share_above(m: &Meters, i: usize, x: f64, capacity: f64) -> f64 {
    let q = |p: f64| m.demand_quantile(i, p, capacity);
    match q(1.0) {
        None => return 0.0,
        Some(top) if top <= x => return 0.0,
        _ => {}
    }
    if q(0.0).is_some_and(|bottom| bottom > x) {
        return 1.0;
    }
    // The quantile is a step function of p; its step over x is F(x).
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..48 {
        let mid = 0.5 * (lo + hi);
        if q(mid).is_some_and(|d| d <= x) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (1.0 - hi).clamp(0.0, 1.0)
}

/// How many entities of one kind were judged, and how many exceed.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KindCount {
    #[serde(deserialize_with = "crate::report::word::word")]
    pub kind: crate::report::word::Word,
    pub judged: u32,
    pub exceeding: u32,
    /// Judged `no_data`: no demand.
    pub no_data: u32,
}

/// The scenario's verdict: the worst over its servers and partitions.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScenarioVerdict {
    /// `exceeds` when any server or partition exceeds, `meets` when all with demand meet,
    /// `no_data` when none has demand.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub status: crate::report::word::Word,
    /// The worst server's stars when the scenario meets (Capacity Advisor's server rating);
    /// null otherwise.
    pub stars: Option<u8>,
    /// "server sd-new meets; 4 of 4 vPars exceed".
    pub line: String,
    /// The entity furthest over a limit (demand ÷ limit × capacity), null when none is.
    pub culprit: Option<Culprit>,
    /// Servers first, then partitions by kind (nPars, vPars, VMs, PSET groups, FSS groups),
    /// only kinds present.
    pub counts: Vec<KindCount>,
}

/// The order and plural names of the kinds in the verdict line.
const KINDS: [(&str, &str, &str); 6] = [
    ("server", "server", "servers"),
    ("npar", "nPar", "nPars"),
    ("vpar", "vPar", "vPars"),
    ("vm", "VM", "VMs"),
    ("pset", "PSET group", "PSET groups"),
    ("fss", "FSS group", "FSS groups"),
];

impl ScenarioVerdict {
    /// From every node's verdict and culprit, in preorder (a parent before its children, so
    /// among equally bad entities the one holding the cores is named).
    pub fn build(nodes: &[&NodeReport]) -> ScenarioVerdict {
        let verdicts: Vec<Verdict> = nodes.iter().filter_map(|n| n.verdict).collect();
        let status = if verdicts.iter().any(|v| v.status == "exceeds") {
            "exceeds"
        } else if verdicts.iter().any(|v| v.status == "meets") {
            "meets"
        } else {
            "no_data"
        };
        let stars = (status == "meets")
            .then(|| {
                nodes
                    .iter()
                    .filter(|n| n.kind == "server")
                    .filter_map(|n| n.verdict.and_then(|v| v.stars))
                    .min()
            })
            .flatten();
        let mut culprit: Option<&Culprit> = None;
        for c in nodes.iter().filter_map(|n| n.culprit.as_ref()) {
            if culprit.is_none_or(|w| c.ratio() > w.ratio()) {
                culprit = Some(c);
            }
        }
        let counts: Vec<KindCount> = KINDS
            .iter()
            .filter_map(|(kind, _, _)| {
                let of: Vec<Verdict> = nodes
                    .iter()
                    .filter(|n| n.kind == *kind)
                    .filter_map(|n| n.verdict)
                    .collect();
                (!of.is_empty()).then(|| KindCount {
                    kind,
                    judged: of.len() as u32,
                    exceeding: of.iter().filter(|v| v.status == "exceeds").count() as u32,
                    no_data: of.iter().filter(|v| v.status == "no_data").count() as u32,
                })
            })
            .collect();
        let line = line(nodes, &counts);
        ScenarioVerdict {
            status,
            stars,
            line,
            culprit: culprit.cloned(),
            counts,
        }
    }
}

/// "server sd-new exceeds; 2 of 2 nPars, 2 of 2 vPars and 2 of 2 VMs exceed",
/// "3 of 11 servers exceed; all 20 partitions meet".
fn line(nodes: &[&NodeReport], counts: &[KindCount]) -> String {
    let mut parts = Vec::new();
    if let Some(s) = counts.iter().find(|c| c.kind == "server") {
        let servers: Vec<&&NodeReport> = nodes.iter().filter(|n| n.kind == "server").collect();
        parts.push(match servers.as_slice() {
            [one] => format!(
                "server {} {}",
                one.name,
                match one.verdict.map(|v| v.status) {
                    Some("exceeds") => "exceeds",
                    Some("meets") => "meets",
                    _ => "has no demand",
                }
            ),
            _ if s.exceeding > 0 => format!("{} of {} servers exceed", s.exceeding, s.judged),
            _ if s.no_data == 0 => format!("{} servers meet", all(s.judged)),
            _ => format!(
                "no server exceeds ({} of {} without demand)",
                s.no_data, s.judged
            ),
        });
    }
    let partitions: Vec<&KindCount> = counts.iter().filter(|c| c.kind != "server").collect();
    let over: Vec<String> = partitions
        .iter()
        .filter(|c| c.exceeding > 0)
        .map(|c| format!("{} of {} {}", c.exceeding, c.judged, name(c.kind, c.judged)))
        .collect();
    let judged: u32 = partitions.iter().map(|c| c.judged).sum();
    let no_data: u32 = partitions.iter().map(|c| c.no_data).sum();
    if !over.is_empty() {
        let verb = if over.len() == 1 && partitions.iter().any(|c| c.exceeding == 1) {
            // "1 of 4 vPars exceeds" reads better than "exceed".
            "exceeds"
        } else {
            "exceed"
        };
        parts.push(format!("{} {verb}", join_and(&over)));
    } else if judged > 0 && no_data == 0 {
        parts.push(match judged {
            1 => "its partition meets".to_string(),
            n => format!("{} partitions meet", all(n)),
        });
    } else if judged > 0 {
        parts.push(format!(
            "no partition exceeds ({no_data} of {judged} without demand)"
        ));
    }
    parts.join("; ")
}

/// A kind's name in the line: "vPar" for one, "vPars" for more.
fn name(kind: &'static str, n: u32) -> &'static str {
    let (_, one, many) = KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .copied()
        .unwrap_or((kind, kind, kind));
    if n == 1 { one } else { many }
}

/// "both" for two, "all 5" for more.
fn all(n: u32) -> String {
    if n == 2 {
        "both".to_string()
    } else {
        format!("all {n}")
    }
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::planning::{GrowthUsed, resource};

    fn plan(memory: Option<(f64, f64)>) -> NodePlan {
        let flat = GrowthUsed::given(0.0, true);
        NodePlan {
            horizon_days: 365.0,
            cpu: resource("cores", 3.0, 0.85, 5.3, flat, 365.0, 1.0),
            memory: memory.map(|(cap, d)| resource("GiB", cap, 0.85, d, flat, 365.0, 0.0)),
            disk: None,
            network: None,
        }
    }

    /// Issue #17's example: 5.30 cores of demand on a 3-core vPar at 85 %: 0.85 × 3 = 2.55.
    #[test]
    fn the_culprit_names_entity_resource_figure_and_limit() {
        let p = plan(None);
        let f = Figures {
            name: "vp-app",
            kind: "vpar",
            percentile: 99.0,
            cpu_demand: 5.3,
            cpu_capacity: 3.0,
            cpu_limit: 0.85,
            plan: &p,
        };
        let c = culprit(&f).expect("over its limit");
        assert_eq!(
            c.text,
            "vp-app: CPU demand at p99 5.30 cores > 2.55 (85 % of 3)"
        );
        assert!((c.ceiling - 2.55).abs() < 1e-12);
        assert_eq!(c.resource, "cpu");
        let within = Figures {
            cpu_demand: 2.55,
            ..f
        };
        assert!(culprit(&within).is_none(), "at the ceiling it meets");
    }

    /// Memory 120 GiB on 128 at 85 % (108.8): 120/108.8 = 1.103 over; CPU 2.6 on 2.55: 1.02
    /// over. The worse one is named.
    #[test]
    fn the_worst_resource_is_named() {
        let p = plan(Some((128.0, 120.0)));
        let f = Figures {
            name: "np",
            kind: "npar",
            percentile: 100.0,
            cpu_demand: 2.6,
            cpu_capacity: 3.0,
            cpu_limit: 0.85,
            plan: &p,
        };
        let c = culprit(&f).unwrap();
        assert_eq!(c.resource, "memory");
        assert_eq!(
            c.text,
            "np: memory demand at peak 120.0 GiB > 108.8 (85 % of 128)"
        );
    }

    #[test]
    fn labels_and_lists_read_as_sentences() {
        assert_eq!(percentile_label(100.0), "peak");
        assert_eq!(percentile_label(99.9), "p99.9");
        assert_eq!(trim(87.5, 1), "87.5");
        assert_eq!(trim(2.0, 2), "2");
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
