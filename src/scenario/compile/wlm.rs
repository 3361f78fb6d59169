//! HP-UX WLM: `[[wlm]]` instances, their groups and SLOs, and the wlmpard arbiters above them.

use super::domains::shared_capacity;
use super::*;

impl Compiler<'_> {
    /// wlmpard: a domain over the partitions of `domain` that run WLM instances, each asking
    /// for the total its WLM requested at its last interval, at the priority of its most
    /// important SLO. (WLM's own arbiter splits a partition's request by priority; here the
    /// whole request competes at its best priority.)
    pub(super) fn compile_arbiters(
        &self,
        raw: &RawScenario,
        nodes: &mut [Node],
        index: &HashMap<String, NodeId>,
        wlm: &[policy::WlmInstance],
        domains: &mut Vec<Domain>,
    ) -> Result<(), Error> {
        let latencies = self.latencies(raw)?;
        for (k, ra) in raw.wlm_arbiters.iter().enumerate() {
            let r = ra.get_ref();
            let dname = r.domain.get_ref();
            let field = |f: &str| format!("wlm_arbiters[{k}] ({dname}).{f}");
            let Some(&dnode) = index.get(dname.as_str()) else {
                return Err(self.err(r.domain.span(), field("domain"), format!("unknown domain `{dname}`; expected the nPar or server whose partitions run WLM")));
            };
            if domains.iter().any(|d| d.node == dnode) {
                return Err(self.err(
                    r.domain.span(),
                    field("domain"),
                    format!(
                        "`{dname}` is already a gWLM domain; one manager per set of compartments"
                    ),
                ));
            }
            let mut members = Vec::new();
            let mut sources = Vec::new();
            let mut comps = Vec::new();
            for (wi, w) in wlm.iter().enumerate() {
                if nodes[w.host.0 as usize].parent == Some(dnode) {
                    let n = &nodes[w.host.0 as usize];
                    if !matches!(n.kind, NodeKind::Vpar | NodeKind::Npar) {
                        return Err(self.err(r.domain.span(), field("domain"), format!("WLM's arbiter moves whole cores between vPars or nPars; `{}` is a {}", n.name, n.kind.as_str())));
                    }
                    let priority = w.slos.iter().map(|s| s.priority).min().unwrap_or(1);
                    members.push(w.host);
                    sources.push(Some(wi));
                    comps.push(gwlm::Compartment {
                        policy: gwlm::Policy::Custom {
                            min: n.min_cores,
                            max: n.max_cores,
                        },
                        priority,
                        weight: 1.0,
                    });
                }
            }
            if members.is_empty() {
                return Err(self.err(
                    r.domain.span(),
                    field("domain"),
                    format!("no partition of `{dname}` runs a WLM ([[wlm]] host)"),
                ));
            }
            let interval_ms = match &r.interval {
                Some(i) if i.get_ref().ms() == 0 => {
                    return Err(self.err(
                        i.span(),
                        field("interval"),
                        "expected a positive duration",
                    ));
                }
                Some(i) => i.get_ref().ms(),
                None => policy::DEFAULT_ARBITER_INTERVAL_MS,
            };
            let slowest = sources
                .iter()
                .flatten()
                .map(|&w| wlm[w].interval_ms)
                .max()
                .unwrap_or(0);
            if interval_ms <= slowest {
                let span = r
                    .interval
                    .as_ref()
                    .map(|i| i.span())
                    .unwrap_or(r.domain.span());
                return Err(self.err(
                    span,
                    field("interval"),
                    format!(
                        "{} must exceed the largest wlm_interval under it ({}) [W384]",
                        crate::world::Duration(interval_ms),
                        crate::world::Duration(slowest)
                    ),
                ));
            }
            let class = nodes[members[0].0 as usize].kind;
            if members.iter().any(|m| nodes[m.0 as usize].kind != class) {
                return Err(self.err(
                    r.domain.span(),
                    field("domain"),
                    "the partitions under one arbiter are all vPars or all nPars",
                ));
            }
            let (capacity, available) = shared_capacity(nodes, dnode, &members, class);
            gwlm::check_deploy(available, &comps, gwlm::Granularity::WholeCores).map_err(|m| {
                self.err(
                    r.domain.span(),
                    field("domain"),
                    format!("cannot deploy on {available} cores: {m}"),
                )
            })?;
            let latency_ms = if class == NodeKind::Npar {
                latencies.npar_ms
            } else {
                latencies.vpar_ms
            };
            if latency_ms >= interval_ms {
                return Err(self.err(
                    r.domain.span(),
                    field("interval"),
                    "the interval must exceed the reallocation latency",
                ));
            }
            // Managed partitions can hold up to their own maximum.
            for m in &members {
                let node = &mut nodes[m.0 as usize];
                node.nominal = node.max_cores * node.speed;
            }
            let n = members.len();
            domains.push(Domain {
                node: dnode,
                members,
                compartments: comps,
                policy_names: vec!["wlm"; n],
                interval_ms,
                latency_ms,
                advisory: false,
                granularity: gwlm::Granularity::WholeCores,
                capacity,
                metrics: vec![None; n],
                conditions: vec![None; n],
                wlm_sources: sources,
                ticap: None,
            });
        }
        domains.sort_by_key(|d| d.node);
        Ok(())
    }

    /// WLM instances: the host's children are all PRM groups and all managed; SLOs name
    /// groups; the configuration passes WLM's own checks against the host's cores.
    pub(super) fn compile_wlm(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        index: &HashMap<String, NodeId>,
        domains: &[Domain],
    ) -> Result<Vec<policy::WlmInstance>, Error> {
        use policy::wlm;
        let mut out = Vec::with_capacity(raw.wlm.len());
        let mut hosts: HashMap<NodeId, usize> = HashMap::new();
        for (k, rw) in raw.wlm.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let r = rw.get_ref();
                let hname = r.host.get_ref();
                let field = |f: &str| format!("wlm[{k}] ({hname}).{f}");
                let Some(&host) = index.get(hname.as_str()) else {
                    return Err(self.err(r.host.span(), field("host"), format!("unknown host `{hname}`; expected the server or partition whose OS runs the PRM groups")));
                };
                if let Some(prev) = hosts.insert(host, k) {
                    return Err(self.err(
                        r.host.span(),
                        field("host"),
                        format!("`{hname}` already has a WLM (wlm[{prev}]); one WLM runs per OS"),
                    ));
                }
                let members: Vec<NodeId> = (0..nodes.len())
                    .filter(|&i| nodes[i].parent == Some(host))
                    .map(|i| NodeId(i as u32))
                    .collect();
                if members.is_empty()
                    || members.iter().any(|m| {
                        !matches!(nodes[m.0 as usize].kind, NodeKind::Fss | NodeKind::Pset)
                    })
                {
                    return Err(self.err(
                    r.host.span(),
                    field("host"),
                    format!(
                        "`{hname}` has no PRM groups; a WLM manages the `srp` children of its host"
                    ),
                ));
                }
                if domains.iter().any(|d| d.node == host) {
                    return Err(self.err(
                    r.host.span(),
                    field("host"),
                    format!(
                        "`{hname}` is already a gWLM domain; one manager per set of compartments"
                    ),
                ));
                }
                let interval_ms = match &r.interval {
                    Some(i) if !(1000..=86_400_000).contains(&i.get_ref().ms()) => {
                        return Err(self.err(
                            i.span(),
                            field("interval"),
                            "expected 1 s to 1 day (wlm_interval)",
                        ));
                    }
                    Some(i) => i.get_ref().ms(),
                    None => policy::DEFAULT_WLM_INTERVAL_MS,
                };
                let group_of = |name: &Spanned<String>, f: String| -> Result<usize, Error> {
                    members
                        .iter()
                        .position(|m| nodes[m.0 as usize].name == *name.get_ref())
                        .ok_or_else(|| {
                            self.err(
                                name.span(),
                                f,
                                format!("`{}` is not a PRM group of `{hname}`", name.get_ref()),
                            )
                        })
                };
                let mut groups: Vec<wlm::Group> = members
                    .iter()
                    .map(|m| {
                        let n = &nodes[m.0 as usize];
                        let pset = n.kind == NodeKind::Pset;
                        wlm::Group {
                            gmincpu: if pset { 1.0 } else { wlm::IDLE_MIN },
                            gmaxcpu: None,
                            weight: 1.0,
                            pset,
                        }
                    })
                    .collect();
                for (gi, rg) in r.groups.iter().enumerate() {
                    let rg = rg.get_ref();
                    let g = group_of(&rg.group, format!("wlm[{k}] ({hname}).groups[{gi}].group"))?;
                    let num = |v: &Option<Spanned<f64>>, f: &str| -> Result<Option<f64>, Error> {
                        match v {
                            Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
                                Err(self.err(
                                    x.span(),
                                    format!("wlm[{k}] ({hname}).groups[{gi}].{f}"),
                                    "expected a number of cores ≥ 0",
                                ))
                            }
                            Some(x) => Ok(Some(*x.get_ref())),
                            None => Ok(None),
                        }
                    };
                    if let Some(v) = num(&rg.gmincpu, "gmincpu")? {
                        groups[g].gmincpu = v;
                    }
                    groups[g].gmaxcpu = num(&rg.gmaxcpu, "gmaxcpu")?;
                    if let Some(w) = num(&rg.weight, "weight")? {
                        groups[g].weight = w;
                    }
                    if let (Some(lo), Some(hi)) = (&rg.gmincpu, groups[g].gmaxcpu)
                        && *lo.get_ref() > hi
                    {
                        return Err(self.err(
                            lo.span(),
                            format!("wlm[{k}] ({hname}).groups[{gi}].gmincpu"),
                            format!(
                                "gmincpu {} is above gmaxcpu {hi}; expected gmincpu ≤ gmaxcpu",
                                lo.get_ref()
                            ),
                        ));
                    }
                }
                let mut slos = Vec::new();
                let mut names = Vec::new();
                let mut metrics = Vec::new();
                let mut windows = Vec::new();
                for (si, rs) in r.slo.iter().enumerate() {
                    let rs = rs.get_ref();
                    let sname = rs.name.get_ref();
                    let sfield = |f: &str| format!("wlm[{k}] ({hname}).slo[{si}] ({sname}).{f}");
                    let g = group_of(&rs.group, sfield("group"))?;
                    let opt = |v: &Option<Spanned<f64>>, f: &str| -> Result<Option<f64>, Error> {
                        match v {
                            Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
                                Err(self.err(x.span(), sfield(f), "expected a number ≥ 0"))
                            }
                            Some(x) => Ok(Some(*x.get_ref())),
                            None => Ok(None),
                        }
                    };
                    let (goal, metric) = match (&rs.goal, &rs.cpushares) {
                        (Some(_), Some(c)) => {
                            return Err(self.err(
                                c.span(),
                                sfield("cpushares"),
                                "an SLO has a goal or cpushares, not both [W204]",
                            ));
                        }
                        (None, Some(c)) => {
                            let c = c.get_ref();
                            (
                                wlm::Goal::Shares {
                                    cores: c.cores,
                                    additive: c.mode == RawSharesMode::More,
                                },
                                policy::SloMetric::None,
                            )
                        }
                        (None, None) => (wlm::Goal::None, policy::SloMetric::None),
                        (Some(goal), None) => match goal.get_ref() {
                            RawGoal::Usage { low, high } => {
                                (wlm::Goal::usage(*low, *high), policy::SloMetric::None)
                            }
                            RawGoal::Metric {
                                below,
                                above,
                                trace,
                                column,
                                step,
                            } => {
                                let (below, value) = match (below, above) {
                                    (Some(v), None) => (true, *v),
                                    (None, Some(v)) => (false, *v),
                                    _ => {
                                        return Err(self.err(
                                            goal.span(),
                                            sfield("goal"),
                                            "a metric goal has exactly one of `below` and `above`",
                                        ));
                                    }
                                };
                                let series = self.metric_series(
                                    trace,
                                    column.as_deref().unwrap_or(sname),
                                    *step,
                                    goal.span(),
                                    sfield("goal.column"),
                                    sname,
                                )?;
                                (
                                    wlm::Goal::Metric { below, value },
                                    policy::SloMetric::Trace(series),
                                )
                            }
                            RawGoal::ResponseTime {
                                below,
                                service_time,
                            } => {
                                if !(below.is_finite() && *below > 0.0) || service_time.ms() == 0 {
                                    return Err(self.err(
                                        goal.span(),
                                        sfield("goal"),
                                        "expected a positive `below` [s] and `service_time`",
                                    ));
                                }
                                (
                                    wlm::Goal::Metric {
                                        below: true,
                                        value: *below,
                                    },
                                    policy::SloMetric::ResponseTime {
                                        service_s: service_time.ms() as f64 / 1000.0,
                                    },
                                )
                            }
                        },
                    };
                    let priority = match &rs.priority {
                        Some(p) if *p.get_ref() == 0 => {
                            return Err(self.err(
                                p.span(),
                                sfield("priority"),
                                "expected 1 (highest) or more",
                            ));
                        }
                        Some(p) => *p.get_ref(),
                        None => 1,
                    };
                    let margin = opt(&rs.margin, "margin")?.unwrap_or(wlm::DEFAULT_MARGIN);
                    if margin > 1.0 {
                        return Err(self.err(
                            rs.margin
                                .as_ref()
                                .map(|m| m.span())
                                .unwrap_or(rs.name.span()),
                            sfield("margin"),
                            "expected cntl_margin from 0 to 1",
                        ));
                    }
                    if let Some(w) = &rs.weight {
                        // WLM's weight belongs to the group [W179]; an SLO's weight sets its group's.
                        let v = *w.get_ref();
                        if !(v.is_finite() && v > 0.0) {
                            return Err(self.err(
                                w.span(),
                                sfield("weight"),
                                "expected a positive weight",
                            ));
                        }
                        groups[g].weight = v;
                    }
                    let (mincpu, maxcpu) = (opt(&rs.mincpu, "mincpu")?, opt(&rs.maxcpu, "maxcpu")?);
                    if let (Some(lo), Some(hi), Some(at)) = (mincpu, maxcpu, &rs.mincpu)
                        && lo > hi
                    {
                        return Err(self.err(
                            at.span(),
                            sfield("mincpu"),
                            format!("mincpu {lo} is above maxcpu {hi}; expected mincpu ≤ maxcpu"),
                        ));
                    }
                    slos.push(wlm::Slo {
                        group: g,
                        priority,
                        goal,
                        mincpu,
                        maxcpu,
                        margin,
                    });
                    names.push(sname.clone());
                    metrics.push(metric);
                    windows.push(match (&rs.condition, &rs.package) {
                    (Some(_), Some(p)) => {
                        return Err(self.err(
                            p.span(),
                            sfield("package"),
                            "an SLO has one condition: a window (`condition`) or a package (`package`), not both",
                        ));
                    }
                    (Some(w), None) => Some(policy::When::Window(self.window(
                        w.get_ref(),
                        w.span(),
                        &sfield("condition"),
                    )?)),
                    (None, Some(p)) => match self.packages.iter().position(|n| n == p.get_ref()) {
                        Some(k) => Some(policy::When::Package(k as u32)),
                        None => {
                            return Err(self.err(
                                p.span(),
                                sfield("package"),
                                format!("no package is named `{}`; expected one of the [[packages]]", p.get_ref()),
                            ));
                        }
                    },
                    (None, None) => None,
                });
                }
                let controller = match (&r.kp, &r.convergence_rate) {
                    (Some(_), Some(c)) if *c.get_ref() != 0.0 => {
                        wlm::Controller::ConvergenceRate(*c.get_ref())
                    }
                    (_, Some(c)) if *c.get_ref() != 0.0 => {
                        wlm::Controller::ConvergenceRate(*c.get_ref())
                    }
                    (Some(kp), _) => wlm::Controller::Kp(*kp.get_ref()),
                    _ => wlm::Controller::Kp(wlm::DEFAULT_KP),
                };
                let others = match &r.others {
                    Some(o) => Some(group_of(o, field("others"))?),
                    None => None,
                };
                let mut config = wlm::Config {
                    controller,
                    distribute_excess: r.distribute_excess,
                    others,
                    ..wlm::Config::default()
                };
                if r.extended_shares {
                    config = config.extended_shares();
                }
                let capacity = nodes[host.0 as usize].cores as f64;
                wlm::check(&groups, &slos, capacity, &config)
                    .map_err(|m| self.err(r.host.span(), field("slo"), m))?;
                out.push(policy::WlmInstance {
                    host,
                    members,
                    groups,
                    slos,
                    slo_names: names,
                    slo_metrics: metrics,
                    slo_windows: windows,
                    interval_ms,
                    config,
                });
                Ok(())
            })();
            self.keep(result);
        }
        Ok(out)
    }

    pub(super) fn latencies(&self, raw: &RawScenario) -> Result<Latencies, Error> {
        let mut l = Latencies::default();
        let Some(m) = &raw.managers else { return Ok(l) };
        let Some(lat) = &m.get_ref().latency else {
            return Ok(l);
        };
        let lat = lat.get_ref();
        for (v, slot) in [
            (&lat.npar, &mut l.npar_ms),
            (&lat.vpar, &mut l.vpar_ms),
            (&lat.vm, &mut l.vm_ms),
            (&lat.srp, &mut l.srp_ms),
        ] {
            if let Some(v) = v {
                *slot = v.get_ref().ms();
            }
        }
        Ok(l)
    }
}
