//! What failures did, as the charts show it: outages shaded behind a node's demand, and a
//! failed-over package's workloads drawn on the node that ran them. Read from summary.json's
//! `ha.outages`, `ha.placements` and `ha.packages[].workloads`; a summary without them (no
//! failures, or from before them) draws as before.

use super::{CORE_DOWN, DOWN, LegendEntry, Run, Shade, Swatch, TimeAxis, entry};
use crate::report::ha::HaReport;
use std::collections::BTreeMap;
#[cfg(test)]
use {super::text_of, serde_json::Value};

#[derive(Debug, Clone, Default)]
pub(super) struct Events {
    outages: Vec<Outage>,
    /// Workload → its package.
    package_of: BTreeMap<String, String>,
    /// Package → where it ran: (node, from ms, to ms), in time order.
    stints: BTreeMap<String, Vec<(String, u64, u64)>>,
}

#[derive(Debug, Clone)]
struct Outage {
    target: String,
    core: bool,
    replaced: bool,
    from_ms: u64,
    to_ms: u64,
}

#[cfg(test)]
fn ms_of(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

impl Events {
    pub(super) fn of(ha: Option<&HaReport>) -> Events {
        let Some(ha) = ha else {
            return Events::default();
        };
        let outages = ha
            .outages
            .iter()
            .map(|o| Outage {
                target: o.target.clone(),
                core: o.kind == "core",
                replaced: o.replaced_by_icap,
                from_ms: o.start_ms,
                to_ms: o.end_ms,
            })
            .collect();
        let mut package_of = BTreeMap::new();
        for p in &ha.packages {
            for w in &p.workloads {
                package_of.insert(w.clone(), p.name.clone());
            }
        }
        let mut stints: BTreeMap<String, Vec<(String, u64, u64)>> = BTreeMap::new();
        for s in &ha.placements {
            stints
                .entry(s.package.clone())
                .or_default()
                .push((s.node.clone(), s.from_ms, s.to_ms));
        }
        for v in stints.values_mut() {
            v.sort_by_key(|s| s.1);
        }
        Events {
            outages,
            package_of,
            stints,
        }
    }

    /// A partial `ha` tree, read leniently (the charts' tests).
    #[cfg(test)]
    pub(super) fn parse(ha: &Value) -> Events {
        let list = |key: &str| ha.get(key).and_then(Value::as_array).cloned();
        let outages = list("outages")
            .unwrap_or_default()
            .iter()
            .filter_map(|o| {
                Some(Outage {
                    target: text_of(o, "target"),
                    core: text_of(o, "kind") == "core",
                    replaced: o.get("replaced_by_icap").and_then(Value::as_bool) == Some(true),
                    from_ms: ms_of(o, "start_ms")?,
                    to_ms: ms_of(o, "end_ms")?,
                })
            })
            .collect();
        let mut package_of = BTreeMap::new();
        for p in list("packages").unwrap_or_default() {
            let name = text_of(&p, "name");
            for w in p
                .get("workloads")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(w) = w.as_str() {
                    package_of.insert(w.to_string(), name.clone());
                }
            }
        }
        let mut stints: BTreeMap<String, Vec<(String, u64, u64)>> = BTreeMap::new();
        for s in list("placements").unwrap_or_default() {
            if let (Some(from), Some(to)) = (ms_of(&s, "from_ms"), ms_of(&s, "to_ms")) {
                stints.entry(text_of(&s, "package")).or_default().push((
                    text_of(&s, "node"),
                    from,
                    to,
                ));
            }
        }
        for v in stints.values_mut() {
            v.sort_by_key(|s| s.1);
        }
        Events {
            outages,
            package_of,
            stints,
        }
    }

    /// Where the package of workload `w` ran on a node of `server`, as (from, to) [ms]; None
    /// when `w` is in no package (it runs where it is placed).
    pub(super) fn stints_on(&self, run: &Run, w: &str, server: &str) -> Option<Vec<(u64, u64)>> {
        let package = self.package_of.get(w)?;
        Some(
            self.stints
                .get(package)
                .into_iter()
                .flatten()
                .filter(|(node, _, _)| run.server_of(node) == Some(server))
                .map(|&(_, from, to)| (from, to))
                .collect(),
        )
    }

    /// Whether workload `w`'s package ran on a node of `server` at some time.
    pub(super) fn ran_on_server(&self, run: &Run, w: &str, server: &str) -> bool {
        self.stints_on(run, w, server)
            .is_some_and(|s| !s.is_empty())
    }

    /// The stretches to shade on the charts of node `name`, and their legend entries: outages
    /// of the node and of what holds it, of the nodes it holds, and failed cores of its own
    /// server (for a server's charts).
    pub(super) fn shades(
        &self,
        run: &Run,
        name: &str,
        axis: &TimeAxis,
    ) -> (Vec<Shade>, Vec<LegendEntry>) {
        let above = run.ancestry(name);
        let x = |ms: u64| (ms as f64 / axis.unit_ms).clamp(0.0, axis.end);
        let mut shades = Vec::new();
        let mut legend: Vec<LegendEntry> = Vec::new();
        for o in &self.outages {
            let related = if o.core {
                o.target == name
            } else {
                above.contains(&o.target.as_str()) || run.ancestry(&o.target).contains(&name)
            };
            if !related || o.to_ms <= o.from_ms {
                continue;
            }
            let colour = if o.core { CORE_DOWN } else { DOWN };
            shades.push(Shade {
                colour,
                from: x(o.from_ms),
                to: x(o.to_ms),
            });
            let label = match (o.core, o.replaced) {
                (false, _) => format!("{} down", o.target),
                (true, true) => format!("{} core failed; spare in", o.target),
                (true, false) => format!("{} core failed", o.target),
            };
            if !legend.iter().any(|e| e.label == label) {
                legend.push(entry(label, Swatch::Fill(colour)));
            }
        }
        (shades, legend)
    }
}

/// The share of `[t, t + step)` covered by `stints`.
pub(super) fn covered(stints: &[(u64, u64)], t: u64, step: u64) -> f64 {
    let end = t.saturating_add(step.max(1));
    let ran: u64 = stints
        .iter()
        .map(|&(from, to)| to.min(end).saturating_sub(from.max(t)))
        .sum();
    ran as f64 / (end - t) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_of_a_row() {
        let stints = [(0, 100), (250, 1000)];
        assert_eq!(covered(&stints, 0, 100), 1.0);
        assert_eq!(covered(&stints, 100, 100), 0.0);
        assert_eq!(covered(&stints, 200, 100), 0.5);
        assert_eq!(covered(&[], 0, 100), 0.0);
    }
}
