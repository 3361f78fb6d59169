//! gWLM shared resource domains and their policies (fixed, OwnBorrow, utilization,
//! conditional).

use super::*;

impl Compiler<'_> {
    /// gWLM domains: members are children of the domain node, each in one domain, all of one
    /// kind; policies fit the members' own limits and the domain (deploy fails otherwise [G40]).
    pub(super) fn compile_domains(
        &self,
        raw: &RawScenario,
        nodes: &mut [Node],
        index: &HashMap<String, NodeId>,
    ) -> Result<Vec<Domain>, Error> {
        let latencies = self.latencies(raw)?;
        let mut owner: HashMap<NodeId, usize> = HashMap::new();
        let mut domains = Vec::with_capacity(raw.policies.len());
        for (d, rd) in raw.policies.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let r = rd.get_ref();
                let dname = r.domain.get_ref();
                let field = |f: &str| format!("policies[{d}] ({dname}).{f}");
                let Some(&dnode) = index.get(dname.as_str()) else {
                    return Err(self.err(r.domain.span(), field("domain"), format!("unknown domain `{dname}`; expected the server or partition whose children share its cores")));
                };
                let interval_ms = match &r.interval {
                    Some(i) if i.get_ref().ms() == 0 => {
                        return Err(self.err(
                            i.span(),
                            field("interval"),
                            "expected a positive duration",
                        ));
                    }
                    Some(i) => i.get_ref().ms(),
                    None => policy::DEFAULT_INTERVAL_MS,
                };
                if r.compartments.is_empty() {
                    return Err(self.err(
                        rd.span(),
                        field("compartments"),
                        "a domain needs at least one compartment",
                    ));
                }
                let mut members = Vec::new();
                let mut comps = Vec::new();
                let mut names = Vec::new();
                let mut metrics = Vec::new();
                let mut conditions: Vec<Option<policy::Condition>> = Vec::new();
                let mut policy_spans: Vec<(Range<usize>, String)> = Vec::new();
                let mut kind = None;
                for (c, rc) in r.compartments.iter().enumerate() {
                    let rc = rc.get_ref();
                    let pname = rc.partition.get_ref();
                    let cfield = |f: &str| {
                        format!("policies[{d}] ({dname}).compartments[{c}] ({pname}).{f}")
                    };
                    let Some(&id) = index.get(pname.as_str()) else {
                        return Err(self.err(
                            rc.partition.span(),
                            cfield("partition"),
                            format!("unknown partition `{pname}`"),
                        ));
                    };
                    let node = &nodes[id.0 as usize];
                    if node.parent != Some(dnode) {
                        return Err(self.err(rc.partition.span(), cfield("partition"), format!("`{pname}` is not a child of the domain `{dname}`; a domain shares its own capacity among its children")));
                    }
                    if let Some(prev) = owner.insert(id, d) {
                        return Err(self.err(rc.partition.span(), cfield("partition"), format!("`{pname}` is already a compartment of policies[{prev}]; a compartment belongs to one domain")));
                    }
                    let class = match node.kind {
                        NodeKind::Pset | NodeKind::Fss => NodeKind::Fss,
                        k => k,
                    };
                    if let Some(k) = kind
                        && k != class
                    {
                        return Err(self.err(rc.partition.span(), cfield("partition"), "the compartments of one domain are all nPars, all vPars, all VMs or all PRM groups"));
                    }
                    kind = Some(class);
                    let pspan = rc.policy.span();
                    policy_spans.push((pspan.clone(), pname.clone()));
                    let prefix =
                        format!("policies[{d}] ({dname}).compartments[{c}] ({pname}).policy");
                    let (policy, name, metric, condition) =
                        self.compile_policy(rc.policy.get_ref(), pspan, &prefix, node, 0)?;
                    let priority = match &rc.priority {
                        Some(p) if *p.get_ref() == 0 => {
                            return Err(self.err(
                                p.span(),
                                cfield("priority"),
                                "expected 1 (highest) or more",
                            ));
                        }
                        Some(p) => *p.get_ref(),
                        None => 1,
                    };
                    let weight = match &rc.weight {
                        Some(w) if !(w.get_ref().is_finite() && *w.get_ref() > 0.0) => {
                            return Err(self.err(
                                w.span(),
                                cfield("weight"),
                                "expected a positive weight",
                            ));
                        }
                        Some(w) => *w.get_ref(),
                        None => gwlm::default_weight(&policy),
                    };
                    members.push(id);
                    metrics.push(metric);
                    conditions.push(condition);
                    comps.push(gwlm::Compartment {
                        policy,
                        priority,
                        weight,
                    });
                    names.push(name);
                }
                let class = kind.unwrap_or(NodeKind::Vpar);
                let (capacity, available) = shared_capacity(nodes, dnode, &members, class);
                let granularity = match class {
                    NodeKind::Npar | NodeKind::Vpar => gwlm::Granularity::WholeCores,
                    _ if members
                        .iter()
                        .all(|m| nodes[m.0 as usize].kind == NodeKind::Pset) =>
                    {
                        gwlm::Granularity::WholeCores
                    }
                    _ => gwlm::Granularity::Step(FSS_STEP_CORES),
                };
                let deploy_err = |m: String, when: &str, branch: &str| {
                    // "compartment i: …" names a compartment by its index; say its name, and point
                    // at its policy when the fault is its own rather than the domain's sum.
                    let (i, rest) = m
                        .strip_prefix("compartment ")
                        .and_then(|r| r.split_once(": "))
                        .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)))
                        .unwrap_or((usize::MAX, m.as_str()));
                    let Some((span, name)) = policy_spans.get(i) else {
                        return self.err(
                            r.domain.span(),
                            field("compartments"),
                            format!("cannot deploy on {available} cores{when}: {m}"),
                        );
                    };
                    match rest.split_once(&format!("of compartments 0..={i}")) {
                        Some((head, tail)) => {
                            let names: Vec<String> = policy_spans[..=i]
                                .iter()
                                .map(|(_, n)| format!("`{n}`"))
                                .collect();
                            self.err(
                            r.domain.span(),
                            field("compartments"),
                            format!(
                                "cannot deploy on {available} cores{when}: {head}of {}{tail} (first exceeded at `{name}`)",
                                names.join(", ")
                            ),
                        )
                        }
                        None => self.err(
                            span.clone(),
                            format!(
                                "policies[{d}] ({dname}).compartments[{i}] ({name}).policy{}",
                                if conditions.get(i).is_some_and(Option::is_some) {
                                    branch
                                } else {
                                    ""
                                }
                            ),
                            format!("{rest}{when}"),
                        ),
                    }
                };
                gwlm::check_deploy(available, &comps, granularity)
                    .map_err(|m| deploy_err(m, "", ".policy"))?;
                // Conditional policies must deploy in either state of their conditions: `comps`
                // holds their `policy` (the state while the condition holds), so check the
                // `otherwise` branch too, which the run switches to when the condition ends.
                if conditions.iter().any(Option::is_some) {
                    let outside: Vec<gwlm::Compartment> = comps
                        .iter()
                        .zip(&conditions)
                        .map(|(c, cond)| gwlm::Compartment {
                            policy: cond.map_or(c.policy, |k| k.outside),
                            ..*c
                        })
                        .collect();
                    gwlm::check_deploy(available, &outside, granularity).map_err(|m| {
                    deploy_err(
                        m,
                        " in the `otherwise` branch of a conditional policy (while its condition does not hold)",
                        ".otherwise",
                    )
                })?;
                }
                if class == NodeKind::Vm {
                    self.check_guest_minimums(nodes, dnode, &members, &comps)
                        .map_err(|m| self.err(r.domain.span(), field("compartments"), m))?;
                }
                let latency_ms = match class {
                    NodeKind::Npar => latencies.npar_ms,
                    NodeKind::Vpar => latencies.vpar_ms,
                    NodeKind::Vm => latencies.vm_ms,
                    _ => latencies.srp_ms,
                };
                // gWLM's interval should be about twice a reallocation [GGI]; one decision must
                // take effect before the next is made.
                if latency_ms >= interval_ms {
                    let span = r
                        .interval
                        .as_ref()
                        .map(|i| i.span())
                        .unwrap_or(r.domain.span());
                    return Err(self.err(span, field("interval"), format!("the interval {} is not longer than the {} reallocation latency of these compartments; expected an interval above it (gWLM suggests about twice)", crate::world::Duration(interval_ms), crate::world::Duration(latency_ms))));
                }
                // A managed compartment can hold up to its policy's max: that is the capacity its
                // headroom is measured against.
                if r.mode == RawMode::Managed {
                    for (m, c) in members.iter().zip(&comps) {
                        let most = match c.policy {
                            gwlm::Policy::Fixed { cores } => cores,
                            gwlm::Policy::Utilization { max, .. }
                            | gwlm::Policy::OwnBorrow { max, .. }
                            | gwlm::Policy::Custom { max, .. } => max,
                        };
                        let node = &mut nodes[m.0 as usize];
                        node.nominal = most * node.speed;
                    }
                }
                domains.push(Domain {
                    node: dnode,
                    members,
                    compartments: comps,
                    policy_names: names,
                    wlm_sources: vec![None; metrics.len()],
                    ticap: None,
                    metrics,
                    conditions,
                    interval_ms,
                    latency_ms,
                    advisory: r.mode == RawMode::Advisory,
                    granularity,
                    capacity,
                });
                Ok(())
            })();
            self.keep(result);
        }
        // Outer domains first: an inner domain's capacity is its node's allocation, decided
        // by the outer one. Preorder of the domain node does that.
        domains.sort_by_key(|d| d.node);
        Ok(domains)
    }

    /// Managed VM guests are never allocated less than their minimums, so those must be
    /// placeable by the distinct-pCPU rule beside the host's other guests [IV6][IV7]: each
    /// vCPU on its own core, no core entitled past 100 %. Otherwise no allocation the manager
    /// could make would start (the run shrinks allocations to a placeable set, and cannot go
    /// below the minimums). The same test the run makes (`vcpu::DomainGuests`).
    fn check_guest_minimums(
        &self,
        nodes: &[Node],
        host: NodeId,
        members: &[NodeId],
        comps: &[gwlm::Compartment],
    ) -> Result<(), String> {
        let kids: Vec<NodeId> = (0..nodes.len() as u32)
            .map(NodeId)
            .filter(|&k| nodes[k.0 as usize].parent == Some(host))
            .collect();
        let Some(mut guests) = crate::model::vcpu::DomainGuests::among(nodes, host, &kids, members)
        else {
            return Ok(());
        };
        let mins: Vec<f64> = comps
            .iter()
            .zip(&guests.floor)
            .map(|(c, &floor)| gwlm::Prepared::new(c).floor().max(floor))
            .collect();
        if guests.places(|j| mins[j]) {
            return Ok(());
        }
        let mut listed: Vec<String> = members
            .iter()
            .zip(&mins)
            .zip(&guests.vcpus)
            .map(|((m, &min), &v)| {
                format!(
                    "`{}` ({v} vCPU{} at least {min} core{})",
                    nodes[m.0 as usize].name,
                    if v == 1 { "" } else { "s" },
                    if min == 1.0 { "" } else { "s" }
                )
            })
            .collect();
        for &k in kids.iter().filter(|k| !members.contains(k)) {
            let n = &nodes[k.0 as usize];
            if n.kind == NodeKind::Vm {
                listed.push(format!(
                    "`{}` (unmanaged, {} vCPUs)",
                    n.name,
                    n.cores.max(1)
                ));
            }
        }
        let h = &nodes[host.0 as usize];
        Err(format!(
            "the minimums of the managed VM guests cannot all be placed on `{}`: {} need each vCPU on a distinct one of its {} cores with no core entitled past 100 % [IV6][IV7]; lower a minimum, give a guest fewer vCPUs, or move one to another host",
            h.name,
            listed.join(", "),
            h.cores
        ))
    }

    /// One compartment's policy, within what its partition allows. A conditional policy holds
    /// two plain ones (one level deep); its `policy` counts as the compartment's default.
    #[allow(clippy::type_complexity)]
    pub(super) fn compile_policy(
        &self,
        raw: &RawPolicy,
        span: Range<usize>,
        prefix: &str,
        node: &Node,
        depth: u32,
    ) -> Result<
        (
            gwlm::Policy,
            &'static str,
            Option<Arc<Series>>,
            Option<policy::Condition>,
        ),
        Error,
    > {
        let (lo, hi) = (node.min_cores, node.max_cores);
        let field = |f: &str| format!("{prefix}.{f}");
        let in_range = |v: f64, f: &str| -> Result<f64, Error> {
            if !(v.is_finite() && v >= lo - 1e-9 && v <= hi + 1e-9) {
                return Err(self.err(
                    span.clone(),
                    field(f),
                    format!(
                        "{v} cores; `{}` ({}) can hold {lo} to {hi} cores",
                        node.name,
                        node.kind.as_str()
                    ),
                ));
            }
            Ok(v)
        };
        Ok(match raw {
            RawPolicy::Fixed { cores } => (
                gwlm::Policy::Fixed {
                    cores: in_range(*cores, "cores")?,
                },
                "fixed",
                None,
                None,
            ),
            RawPolicy::Utilization { target, min, max } => (
                gwlm::Policy::Utilization {
                    target: self.target(*target, span.clone(), field("target"))?,
                    min: in_range(*min, "min")?,
                    max: in_range(*max, "max")?,
                },
                "utilization",
                None,
                None,
            ),
            RawPolicy::OwnBorrow {
                owned,
                min,
                max,
                target,
            } => (
                gwlm::Policy::OwnBorrow {
                    owned: in_range(*owned, "owned")?,
                    min: in_range(*min, "min")?,
                    max: in_range(*max, "max")?,
                    target: match target {
                        Some(t) => self.target(*t, span.clone(), field("target"))?,
                        None => policy::DEFAULT_OWN_BORROW_TARGET,
                    },
                },
                "own_borrow",
                None,
                None,
            ),
            RawPolicy::Custom {
                min,
                max,
                trace,
                column,
                step,
            } => {
                let series = self.metric_series(
                    trace,
                    column.as_deref().unwrap_or(&node.name),
                    *step,
                    span.clone(),
                    field("column"),
                    &node.name,
                )?;
                (
                    gwlm::Policy::Custom {
                        min: in_range(*min, "min")?,
                        max: in_range(*max, "max")?,
                    },
                    "custom",
                    Some(series),
                    None,
                )
            }
            RawPolicy::Conditional {
                window,
                package,
                policy,
                otherwise,
            } => {
                if depth > 0 {
                    return Err(self.err(
                        span.clone(),
                        field("policy"),
                        "a conditional policy holds plain policies, not another conditional one",
                    ));
                }
                let when = match (window, package) {
                    (Some(w), None) => {
                        policy::When::Window(self.window(w, span.clone(), &field("window"))?)
                    }
                    (None, Some(p)) => {
                        match self.packages.iter().position(|n| n == p) {
                            Some(k) => policy::When::Package(k as u32),
                            None => {
                                return Err(self.err(
                                span.clone(),
                                field("package"),
                                format!("no package is named `{p}`; expected one of the [[packages]]"),
                            ));
                            }
                        }
                    }
                    _ => {
                        return Err(self.err(
                            span.clone(),
                            field("window"),
                            "a conditional policy needs `window` (a daily time window) or `package` (a Serviceguard package's presence), not both",
                        ));
                    }
                };
                let (inside, _, m1, _) =
                    self.compile_policy(policy, span.clone(), &field("policy"), node, 1)?;
                let (outside, _, m2, _) =
                    self.compile_policy(otherwise, span.clone(), &field("otherwise"), node, 1)?;
                (
                    inside,
                    "conditional",
                    m1.or(m2),
                    Some(policy::Condition {
                        when,
                        inside,
                        outside,
                    }),
                )
            }
        })
    }

    pub(super) fn window(
        &self,
        w: &RawWindow,
        span: Range<usize>,
        field: &str,
    ) -> Result<policy::Window, Error> {
        let minutes = |t: &str, f: &str| -> Result<u32, Error> {
            let parsed = t.split_once(':').and_then(|(h, m)| {
                Some((h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?))
            });
            match parsed {
                Some((h, m)) if h < 24 && m < 60 => Ok(h * 60 + m),
                Some((24, 0)) => Ok(1440),
                _ => Err(self.err(
                    span.clone(),
                    format!("{field}.{f}"),
                    format!("`{t}`; expected a time of day \"HH:MM\" from 00:00 to 24:00"),
                )),
            }
        };
        let from_min = minutes(&w.from, "from")?;
        let to_min = minutes(&w.to, "to")?;
        if from_min == to_min {
            return Err(self.err(
                span,
                format!("{field}.to"),
                "the window is empty; expected `to` different from `from`",
            ));
        }
        let days = match w.days {
            RawDays::All => policy::Days::All,
            RawDays::Weekdays => policy::Days::Weekdays,
            RawDays::Weekends => policy::Days::Weekends,
        };
        Ok(policy::Window {
            from_min,
            to_min,
            days,
        })
    }

    pub(super) fn target(
        &self,
        percent: f64,
        span: Range<usize>,
        field: String,
    ) -> Result<f64, Error> {
        if !(percent.is_finite() && percent > 0.0 && percent <= 100.0) {
            return Err(self.err(
                span,
                field,
                format!(
                    "{percent}; expected a utilization target in percent, above 0 and at most 100"
                ),
            ));
        }
        Ok(percent / 100.0)
    }
}

/// What a domain of `members` (children of `domain`, all of kind `class`) shares, and how many
/// cores that is at deploy time: nPars of a complex pool their active cores (iCAP moves keep
/// the total); other kinds share the domain node's cores less those reserved by children
/// outside the domain.
pub(super) fn shared_capacity(
    nodes: &[Node],
    domain: NodeId,
    members: &[NodeId],
    class: NodeKind,
) -> (Capacity, f64) {
    if class == NodeKind::Npar {
        let total: f64 = members
            .iter()
            .map(|m| nodes[m.0 as usize].cores as f64)
            .sum();
        return (Capacity::Pooled(total), total);
    }
    let reserved: f64 = nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.parent == Some(domain) && !members.contains(&NodeId(*i as u32)))
        .filter(|(_, n)| matches!(n.share, Share::Fixed { .. }))
        .map(|(_, n)| n.cores as f64)
        .sum();
    (
        Capacity::OfNode { reserved },
        nodes[domain.0 as usize].cores as f64 - reserved,
    )
}
