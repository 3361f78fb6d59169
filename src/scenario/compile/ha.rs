//! `[[clusters]]`, `[[packages]]` and `[[failures]]`: names resolved, Serviceguard's ranges
//! checked.

use super::Compiler;
use crate::Error;
use crate::ha::{
    Cluster, DEFAULT_LOCK_MS, DEFAULT_MEMBER_TIMEOUT_MS, Dist, Failback, FailoverPolicy,
    FailureKind, FailureSpec, Ha, Package, Timing,
};
use crate::model::{Node, NodeId, NodeKind, Workload, is_within};
use crate::scenario::duration::Duration;
use crate::scenario::raw::*;
use std::collections::HashMap;
use toml::Spanned;

/// Weibull shapes that make sense for times to failure or repair: reliability data gives 0.5
/// to 5; below 0.1, `scale × (−ln U)^(1/shape)` overflows for ordinary draws.
const MIN_WEIBULL_SHAPE: f64 = 0.1;
const MAX_WEIBULL_SHAPE: f64 = 100.0;

/// MEMBER_TIMEOUT's range [SG1].
const MEMBER_TIMEOUT_MS: std::ops::RangeInclusive<u64> = 3_000..=300_000;

impl Compiler<'_> {
    pub(super) fn compile_ha(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        node_index: &HashMap<String, NodeId>,
        workloads: &[Workload],
        horizon_ms: u64,
    ) -> Result<Ha, Error> {
        let clusters = self.compile_clusters(raw, nodes, node_index)?;
        let packages = self.compile_packages(raw, nodes, node_index, workloads, &clusters)?;
        let failures = raw
            .failures
            .iter()
            .enumerate()
            .filter_map(|(k, rf)| {
                self.keep(self.compile_failure(k, rf, nodes, node_index, horizon_ms))
            })
            .collect();
        Ok(Ha {
            clusters,
            packages,
            failures,
            wake_waits: Default::default(),
        })
    }

    fn node_named(
        &self,
        name: &Spanned<String>,
        node_index: &HashMap<String, NodeId>,
        field: &str,
    ) -> Result<NodeId, Error> {
        node_index.get(name.get_ref()).copied().ok_or_else(|| {
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

    fn compile_clusters(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        node_index: &HashMap<String, NodeId>,
    ) -> Result<Vec<Cluster>, Error> {
        let mut out: Vec<Cluster> = Vec::new();
        let mut member_of: HashMap<NodeId, String> = HashMap::new();
        for (k, rc) in raw.clusters.iter().enumerate() {
            let c = rc.get_ref();
            let name = c.name.get_ref().trim().to_string();
            let field = |f: &str| format!("clusters[{k}] ({name}).{f}");
            if name.is_empty() {
                return Err(self.err(c.name.span(), field("name"), "expected a non-empty name"));
            }
            if out.iter().any(|o| o.name == name) {
                return Err(self.err(
                    c.name.span(),
                    field("name"),
                    "a second cluster with this name; expected unique cluster names",
                ));
            }
            if c.nodes.get_ref().len() < 2 {
                return Err(self.err(
                    c.nodes.span(),
                    field("nodes"),
                    "a cluster needs at least two nodes to fail over between",
                ));
            }
            let mut members = Vec::new();
            for n in c.nodes.get_ref() {
                let id = self.node_named(n, node_index, &field("nodes"))?;
                if members.contains(&id) {
                    return Err(self.err(
                        n.span(),
                        field("nodes"),
                        format!("`{}` is listed twice", n.get_ref()),
                    ));
                }
                if let Some(other) = member_of.get(&id) {
                    return Err(self.err(
                        n.span(),
                        field("nodes"),
                        format!(
                            "`{}` is already a member of cluster `{other}`; a node belongs to one cluster",
                            n.get_ref()
                        ),
                    ));
                }
                // A node is an OS instance: nested members would watch their own host.
                if let Some(&m) = members
                    .iter()
                    .find(|&&m| is_within(nodes, id, m) || is_within(nodes, m, id))
                {
                    return Err(self.err(
                        n.span(),
                        field("nodes"),
                        format!(
                            "`{}` and `{}` are nested; cluster members must be separate OS instances",
                            n.get_ref(),
                            nodes[m.0 as usize].name
                        ),
                    ));
                }
                if matches!(nodes[id.0 as usize].kind, NodeKind::Pset | NodeKind::Fss) {
                    return Err(self.err(
                        n.span(),
                        field("nodes"),
                        format!(
                            "`{}` is a resource partition inside an OS; expected a server, nPar, vPar or VM",
                            n.get_ref()
                        ),
                    ));
                }
                member_of.insert(id, name.clone());
                members.push(id);
            }
            let member_timeout_ms = match &c.member_timeout {
                Some(t) if !MEMBER_TIMEOUT_MS.contains(&t.get_ref().ms()) => {
                    return Err(self.err(
                        t.span(),
                        field("member_timeout"),
                        "expected 3s to 300s (Serviceguard's range; default 14s)",
                    ));
                }
                Some(t) => t.get_ref().ms(),
                None => DEFAULT_MEMBER_TIMEOUT_MS,
            };
            let lock_ms = c
                .lock_time
                .as_ref()
                .map_or(DEFAULT_LOCK_MS, |t| t.get_ref().ms());
            out.push(Cluster {
                name,
                nodes: members,
                member_timeout_ms,
                lock_ms,
            });
        }
        Ok(out)
    }

    fn compile_packages(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        node_index: &HashMap<String, NodeId>,
        workloads: &[Workload],
        clusters: &[Cluster],
    ) -> Result<Vec<Package>, Error> {
        let mut out: Vec<Package> = Vec::new();
        let mut owner: HashMap<u32, String> = HashMap::new();
        for (k, rp) in raw.packages.iter().enumerate() {
            let p = rp.get_ref();
            let name = p.name.get_ref().trim().to_string();
            let field = |f: &str| format!("packages[{k}] ({name}).{f}");
            if name.is_empty() {
                return Err(self.err(p.name.span(), field("name"), "expected a non-empty name"));
            }
            if out.iter().any(|o| o.name == name) {
                return Err(self.err(
                    p.name.span(),
                    field("name"),
                    "a second package with this name; expected unique package names",
                ));
            }
            let Some(cluster) = clusters.iter().position(|c| c.name == *p.cluster.get_ref()) else {
                return Err(self.err(
                    p.cluster.span(),
                    field("cluster"),
                    format!(
                        "no cluster is named `{}`; expected one of the [[clusters]]",
                        p.cluster.get_ref()
                    ),
                ));
            };
            if p.nodes.get_ref().is_empty() {
                return Err(self.err(
                    p.nodes.span(),
                    field("nodes"),
                    "expected at least one node; the first is the primary",
                ));
            }
            let mut list = Vec::new();
            for n in p.nodes.get_ref() {
                let id = self.node_named(n, node_index, &field("nodes"))?;
                if !clusters[cluster].nodes.contains(&id) {
                    return Err(self.err(
                        n.span(),
                        field("nodes"),
                        format!(
                            "`{}` is not a member of cluster `{}`",
                            n.get_ref(),
                            clusters[cluster].name
                        ),
                    ));
                }
                if list.contains(&id) {
                    return Err(self.err(
                        n.span(),
                        field("nodes"),
                        format!("`{}` is listed twice", n.get_ref()),
                    ));
                }
                list.push(id);
            }
            if p.workloads.get_ref().is_empty() {
                return Err(self.err(
                    p.workloads.span(),
                    field("workloads"),
                    "expected at least one workload",
                ));
            }
            let mut ws = Vec::new();
            for wname in p.workloads.get_ref() {
                let Some(w) = workloads.iter().position(|w| w.name == *wname.get_ref()) else {
                    return Err(self.err(
                        wname.span(),
                        field("workloads"),
                        format!("no workload is named `{}`", wname.get_ref()),
                    ));
                };
                if let Some(other) = owner.get(&(w as u32)) {
                    return Err(self.err(
                        wname.span(),
                        field("workloads"),
                        format!(
                            "`{}` already belongs to package `{other}`; a workload moves with one package",
                            wname.get_ref()
                        ),
                    ));
                }
                // The package starts on its primary: its workloads must be placed there, in
                // the node itself or in a resource partition of its OS.
                let at = workloads[w].node;
                if !is_within(nodes, at, list[0]) {
                    return Err(self.err(
                        wname.span(),
                        field("workloads"),
                        format!(
                            "`{}` runs in `{}`, not in the package's primary node `{}` (the first of `nodes`)",
                            wname.get_ref(),
                            nodes[at.0 as usize].name,
                            nodes[list[0].0 as usize].name
                        ),
                    ));
                }
                if at != list[0] {
                    return Err(self.err(
                        wname.span(),
                        field("workloads"),
                        format!(
                            "`{}` runs in the resource partition `{}`; a package's workloads must run in the node itself, so that they can move to another node",
                            wname.get_ref(),
                            nodes[at.0 as usize].name
                        ),
                    ));
                }
                owner.insert(w as u32, name.clone());
                ws.push(w as u32);
            }
            if let Some(v) = &p.vcpus {
                let v = *v.get_ref();
                let primary = &nodes[list[0].0 as usize];
                if v == 0 || v > primary.cores {
                    return Err(self.err(
                        p.vcpus.as_ref().map_or(rp.span(), |s| s.span()),
                        field("vcpus"),
                        format!(
                            "expected 1 to the primary's {} cores (`{}`)",
                            primary.cores, primary.name
                        ),
                    ));
                }
            }
            out.push(Package {
                name,
                cluster,
                workloads: ws,
                nodes: list,
                failover: match p.failover_policy.as_ref().map(|f| *f.get_ref()) {
                    None | Some(RawFailoverPolicy::ConfiguredNode) => {
                        FailoverPolicy::ConfiguredNode
                    }
                    Some(RawFailoverPolicy::MinPackageNode) => FailoverPolicy::MinPackageNode,
                },
                failback: match p.failback.as_ref().map(|f| *f.get_ref()) {
                    None | Some(RawFailback::Manual) => Failback::Manual,
                    Some(RawFailback::Automatic) => Failback::Automatic,
                },
                start_ms: p.start_time.as_ref().map_or(0, |t| t.get_ref().ms()),
                vcpus: p.vcpus.as_ref().map(|v| *v.get_ref()),
            });
        }
        Ok(out)
    }

    fn compile_failure(
        &self,
        k: usize,
        rf: &Spanned<RawFailure>,
        nodes: &[Node],
        node_index: &HashMap<String, NodeId>,
        horizon_ms: u64,
    ) -> Result<FailureSpec, Error> {
        let f = rf.get_ref();
        let field = |s: &str| format!("failures[{k}] ({}).{s}", f.target.get_ref());
        let target = self.node_named(&f.target, node_index, &field("target"))?;
        let kind = match f.kind.as_ref().map(|k| *k.get_ref()) {
            None | Some(RawFailureKind::Node) => FailureKind::Node,
            Some(RawFailureKind::Core) => {
                if nodes[target.0 as usize].kind != NodeKind::Server {
                    return Err(self.err(
                        f.target.span(),
                        field("target"),
                        "a core failure strikes a server's cores; expected a server",
                    ));
                }
                FailureKind::Core
            }
        };
        let timing = match (&f.at, &f.time_to_failure, &f.time_to_repair) {
            (Some(at), None, None) => {
                if let Some(d) = &f.duration
                    && d.get_ref().ms() == 0
                {
                    return Err(self.err(
                        d.span(),
                        field("duration"),
                        "expected a positive duration (leave it out for a failure to the horizon)",
                    ));
                }
                // A failure the run never reaches would be silently ignored.
                if at.get_ref().ms() >= horizon_ms {
                    return Err(self.err(
                        at.span(),
                        field("at"),
                        format!(
                            "the failure is scheduled at {} but the horizon is {}; expected `at` before the horizon",
                            at.get_ref(),
                            Duration(horizon_ms)
                        ),
                    ));
                }
                Timing::At {
                    at_ms: at.get_ref().ms(),
                    duration_ms: f.duration.as_ref().map(|d| d.get_ref().ms()),
                }
            }
            (None, Some(ttf), Some(ttr)) => {
                if let Some(d) = &f.duration {
                    return Err(self.err(
                        d.span(),
                        field("duration"),
                        "random failures last `time_to_repair`; expected no `duration`",
                    ));
                }
                Timing::Random {
                    to_failure: self.dist(ttf, &field("time_to_failure"))?,
                    to_repair: self.dist(ttr, &field("time_to_repair"))?,
                }
            }
            (Some(_), Some(d), _) | (Some(_), _, Some(d)) => {
                return Err(self.err(
                    d.span(),
                    field("at"),
                    "a failure is scheduled (`at`) or random (`time_to_failure` and `time_to_repair`), not both",
                ));
            }
            (None, Some(_), None) | (None, None, Some(_)) => {
                return Err(self.err(
                    rf.span(),
                    field("time_to_repair"),
                    "a random failure needs both `time_to_failure` and `time_to_repair`",
                ));
            }
            (None, None, None) => {
                return Err(self.err(
                    rf.span(),
                    field("at"),
                    "expected `at` (a scheduled failure) or `time_to_failure` and `time_to_repair` (random ones)",
                ));
            }
        };
        Ok(FailureSpec {
            target,
            kind,
            timing,
        })
    }

    fn dist(&self, d: &Spanned<RawDist>, field: &str) -> Result<Dist, Error> {
        let positive = |x: &Duration, what: &str| -> Result<f64, Error> {
            if x.ms() == 0 {
                return Err(self.err(
                    d.span(),
                    format!("{field}.{what}"),
                    "expected a positive duration",
                ));
            }
            Ok(x.ms() as f64)
        };
        match d.get_ref() {
            RawDist::Exponential { mean } => Ok(Dist::Exponential {
                mean_ms: positive(mean, "mean")?,
            }),
            RawDist::Weibull { shape, scale } => {
                if !(shape.is_finite() && (MIN_WEIBULL_SHAPE..=MAX_WEIBULL_SHAPE).contains(shape)) {
                    return Err(self.err(
                        d.span(),
                        format!("{field}.shape"),
                        format!(
                            "`{}`; expected a Weibull shape above 0, from {MIN_WEIBULL_SHAPE} to {MAX_WEIBULL_SHAPE} (below {MIN_WEIBULL_SHAPE} the draws span more than 10 orders of magnitude and overflow)",
                            if *shape != 0.0 && !(1e-4..1e15).contains(&shape.abs()) {
                                format!("{shape:e}")
                            } else {
                                format!("{shape}")
                            }
                        ),
                    ));
                }
                Ok(Dist::Weibull {
                    shape: *shape,
                    scale_ms: positive(scale, "scale")?,
                })
            }
        }
    }
}
