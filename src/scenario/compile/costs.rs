//! `[energy]` (the PUE, the grid's carbon intensity) and `[costs]` (the prices the run's money
//! figures use).

use super::*;

impl Compiler<'_> {
    /// `[energy]`: the PUE (here or in `[costs]`, not both) and the grid's carbon intensity.
    pub(super) fn compile_energy(
        &self,
        raw: &RawScenario,
        horizon_ms: u64,
        timeseries: bool,
        costs: &mut Costs,
    ) -> Result<(), Error> {
        use crate::licensing::carbon::Intensity;
        let Some(re) = &raw.energy else {
            return Ok(());
        };
        let r = re.get_ref();
        if let Some(p) = &r.pue {
            if raw
                .costs
                .as_ref()
                .is_some_and(|c| c.get_ref().pue.is_some())
            {
                return Err(self.err(
                    p.span(),
                    "energy.pue",
                    "the PUE is given in `[costs]` too; keep one (`[energy] pue`)",
                ));
            }
            let v = *p.get_ref();
            if !(v.is_finite() && (1.0..=10.0).contains(&v)) {
                return Err(self.err(
                    p.span(),
                    "energy.pue",
                    format!(
                        "{}; expected a power usage effectiveness from 1 to 10",
                        num(v)
                    ),
                ));
            }
            costs.pue = v;
        }
        let Some(ci) = &r.carbon_intensity else {
            return Ok(());
        };
        let check = |v: f64| v.is_finite() && (0.0..=10_000.0).contains(&v);
        costs.carbon = Some(match ci.get_ref() {
            RawIntensity::Constant(v) => {
                if !check(*v) {
                    return Err(self.err(
                        ci.span(),
                        "energy.carbon_intensity",
                        format!("{}; expected gCO2 per kWh from 0 to 10,000", num(*v)),
                    ));
                }
                Intensity::Constant(*v)
            }
            RawIntensity::Trace(t) => {
                let field = "energy.carbon_intensity";
                if !timeseries {
                    return Err(self.err(
                        ci.span(),
                        field,
                        "an intensity trace needs the time series (each server's energy hour by hour); remove `[report] timeseries = false` or give a constant",
                    ));
                }
                let column = t.column.as_deref().unwrap_or("carbon_intensity");
                let series = self.metric_series(
                    &t.trace,
                    column,
                    t.step,
                    ci.span(),
                    format!("{field}.column"),
                    "carbon_intensity",
                )?;
                let values: Vec<f64> = series.cpu.iter().map(|&v| f64::from(v)).collect();
                if let Some(v) = values.iter().find(|v| !check(**v)) {
                    return Err(self.err(
                        ci.span(),
                        format!("{field}.trace"),
                        format!(
                            "`{}` holds {}; expected gCO2 per kWh from 0 to 10,000",
                            t.trace,
                            num(*v)
                        ),
                    ));
                }
                let covers = (values.len() as u64).saturating_mul(series.step_ms);
                if !t.repeat && covers < horizon_ms {
                    return Err(self.err(
                        ci.span(),
                        format!("{field}.trace"),
                        format!(
                            "`{}` covers {} of the {} horizon; give a longer trace or `repeat = true`",
                            t.trace,
                            crate::world::Duration(covers),
                            crate::world::Duration(horizon_ms)
                        ),
                    ));
                }
                Intensity::Steps {
                    step_ms: series.step_ms,
                    values,
                    repeat: t.repeat,
                }
            }
        });
        Ok(())
    }

    pub(super) fn compile_costs(
        &self,
        raw: &RawScenario,
        index: &HashMap<String, NodeId>,
        nodes: &[Node],
    ) -> Result<Costs, Error> {
        let mut costs = Costs::default();
        let Some(rc) = &raw.costs else {
            return Ok(costs);
        };
        let r = rc.get_ref();
        costs.currency = r.currency.clone();
        if let Some(p) = &r.price_per_kwh {
            let v = *p.get_ref();
            if !(v.is_finite() && v >= 0.0) {
                return Err(self.err(p.span(), "costs.price_per_kwh", "expected an amount ≥ 0"));
            }
            costs.price_per_kwh = v;
        }
        if let Some(p) = &r.pue {
            let v = *p.get_ref();
            if !(v.is_finite() && (1.0..=10.0).contains(&v)) {
                return Err(self.err(
                    p.span(),
                    "costs.pue",
                    format!("{v}; expected a power usage effectiveness from 1 to 10"),
                ));
            }
            costs.pue = v;
        }
        for (k, sw) in r.software.iter().enumerate() {
            let sw = sw.get_ref();
            let price = *sw.per_core_year.get_ref();
            if !(price.is_finite() && price >= 0.0) {
                return Err(self.err(
                    sw.per_core_year.span(),
                    format!("costs.software[{k}] ({}).per_core_year", sw.name),
                    "expected an amount ≥ 0",
                ));
            }
            let servers = match &sw.servers {
                None => nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.parent.is_none())
                    .map(|(i, _)| NodeId(i as u32))
                    .collect(),
                Some(list) => {
                    let mut ids = Vec::new();
                    for s in list {
                        match index.get(s.get_ref().as_str()) {
                            Some(&id) if nodes[id.0 as usize].parent.is_none() => ids.push(id),
                            _ => {
                                return Err(self.err(
                                    s.span(),
                                    format!("costs.software[{k}] ({}).servers", sw.name),
                                    format!("`{}` is not a server", s.get_ref()),
                                ));
                            }
                        }
                    }
                    ids
                }
            };
            let field = |f: &str| format!("costs.software[{k}] ({}).{f}", sw.name);
            let rule = match sw.rule.as_ref().map(|r| *r.get_ref()) {
                None | Some(RawLicenceRule::ServerCores) => LicenceRule::ServerCores,
                Some(RawLicenceRule::PartitionCores) => LicenceRule::PartitionCores,
                Some(RawLicenceRule::Vcpus) => LicenceRule::Vcpus,
                Some(RawLicenceRule::OsInstance) => LicenceRule::OsInstance,
            };
            // Where it runs: named partitions, the partitions of named workloads, or servers.
            let mut places: Vec<NodeId> = Vec::new();
            for (list, what) in [(&sw.partitions, "partitions"), (&sw.workloads, "workloads")] {
                let Some(list) = list else { continue };
                if sw.servers.is_some() {
                    return Err(self.err(
                        list.first().map_or(rc.span(), |x| x.span()),
                        field(what),
                        "`servers` is given too; say where it runs one way (servers, partitions or workloads)",
                    ));
                }
                for x in list {
                    let name = x.get_ref().as_str();
                    let found = if what == "partitions" {
                        index.get(name).copied()
                    } else {
                        raw.workloads
                            .iter()
                            .find(|w| w.get_ref().name.get_ref() == name)
                            .and_then(|w| {
                                index.get(w.get_ref().partition.get_ref().as_str()).copied()
                            })
                    };
                    match found {
                        Some(id) => places.push(id),
                        None => {
                            return Err(self.err(
                                x.span(),
                                field(what),
                                format!("`{name}` is not one of the scenario's {what}"),
                            ));
                        }
                    }
                }
            }
            if places.is_empty() {
                places = servers.clone();
            }
            let up = |mut id: NodeId, ok: &dyn Fn(NodeKind) -> bool| -> Option<NodeId> {
                loop {
                    let n = &nodes[id.0 as usize];
                    if ok(n.kind) {
                        return Some(id);
                    }
                    id = n.parent?;
                }
            };
            let mut instances: Vec<NodeId> = Vec::new();
            for &p in &places {
                let inst = match rule {
                    LicenceRule::ServerCores => Some(nodes[p.0 as usize].server),
                    LicenceRule::PartitionCores => up(p, &|k| {
                        matches!(k, NodeKind::Npar | NodeKind::Vpar | NodeKind::Server)
                    }),
                    LicenceRule::Vcpus => up(p, &|k| k == NodeKind::Vm),
                    LicenceRule::OsInstance => {
                        up(p, &|k| !matches!(k, NodeKind::Fss | NodeKind::Pset))
                    }
                };
                let Some(inst) = inst else {
                    let span = sw.rule.as_ref().map_or(rc.span(), |r| r.span());
                    return Err(self.err(
                        span,
                        field("rule"),
                        format!(
                            "`vcpus` counts VM guests' vCPUs, but `{}` is not in a VM guest; use `partition_cores` or `os_instance`",
                            nodes[p.0 as usize].name
                        ),
                    ));
                };
                if !instances.contains(&inst) {
                    instances.push(inst);
                }
            }
            // Core factor per server model.
            let mut factor_of = std::collections::BTreeMap::new();
            if let Some(cf) = &sw.core_factor {
                for (model, &f) in cf.get_ref() {
                    if !(f.is_finite() && f > 0.0 && f <= 10.0) {
                        return Err(self.err(
                            cf.span(),
                            field(&format!("core_factor.{model}")),
                            format!("{}; expected a factor above 0, at most 10", num(f)),
                        ));
                    }
                    let known = raw
                        .servers
                        .iter()
                        .any(|s| s.get_ref().model.as_deref() == Some(model.as_str()))
                        || raw
                            .server_models
                            .iter()
                            .any(|m| m.get_ref().name.get_ref() == model);
                    if !known {
                        return Err(self.err(
                            cf.span(),
                            field(&format!("core_factor.{model}")),
                            format!(
                                "`{model}` is no server's `model` nor a [[server_models]] name"
                            ),
                        ));
                    }
                    factor_of.insert(model.clone(), f);
                }
            }
            let factors = instances
                .iter()
                .map(|i| {
                    let server = nodes[i.0 as usize].server;
                    let name = &nodes[server.0 as usize].name;
                    raw.servers
                        .iter()
                        .find(|s| s.get_ref().name.get_ref() == name)
                        .and_then(|s| s.get_ref().model.as_ref())
                        .and_then(|m| factor_of.get(m).copied())
                        .unwrap_or(1.0)
                })
                .collect();
            costs.software.push(Software {
                name: sw.name.clone(),
                per_core_year: price,
                servers,
                rule,
                count: match sw.count {
                    Some(RawLicenceCount::Peak) => LicenceCount::Peak,
                    _ => LicenceCount::Average,
                },
                instances,
                factors,
            });
        }
        Ok(costs)
    }
}
