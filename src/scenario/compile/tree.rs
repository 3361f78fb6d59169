//! The partition tree: server models, `[[servers]]` and `[[partitions]]` placed under their
//! parents and checked against DOMAIN.md §1 (kinds that may nest, cores, memory, I/O).

use super::*;

/// A partition being placed in the tree.
struct Pending<'r> {
    raw: &'r RawPartition,
    index: usize,
}

impl Compiler<'_> {
    /// `[[server_models]]`: names unique, indexes positive.
    pub(super) fn compile_models(&mut self, raw: &RawScenario) -> Result<(), Error> {
        for (k, rm) in raw.server_models.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let m = rm.get_ref();
                let name = m.name.get_ref().trim().to_string();
                let field = |f: &str| format!("server_models[{k}] ({name}).{f}");
                let speed = *m.core_speed.get_ref();
                if !(speed.is_finite() && speed > 0.0 && speed <= 1000.0) {
                    return Err(self.err(
                    m.core_speed.span(),
                    field("core_speed"),
                    format!("{speed}; expected a positive performance index per core relative to the reference core, e.g. 1.6"),
                ));
                }
                if self.models.insert(name.clone(), speed).is_some() {
                    return Err(self.err(
                        m.name.span(),
                        field("name"),
                        "a second model with this name; expected unique names",
                    ));
                }
                Ok(())
            })();
            self.keep(result);
        }
        Ok(())
    }

    /// A model's core speed, or an error pointing at the name.
    pub(super) fn model_speed(
        &self,
        name: &str,
        span: Range<usize>,
        field: String,
    ) -> Result<f64, Error> {
        self.models.get(name).copied().ok_or_else(|| {
            let mut known: Vec<&str> = self.models.keys().map(String::as_str).collect();
            known.sort_unstable();
            self.err(
                span,
                field,
                format!(
                    "no server model is named `{name}`; expected one of the [[server_models]] ({})",
                    if known.is_empty() {
                        "none given".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })
    }

    /// Servers and partitions into preorder nodes, with every limit of DOMAIN.md §1 checked.
    pub(super) fn compile_tree(
        &self,
        raw: &RawScenario,
    ) -> Result<(Vec<Node>, HashMap<String, NodeId>), Error> {
        // Names are unique across servers and partitions: a parent is named without its kind.
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        let names = raw
            .servers
            .iter()
            .map(|s| (&s.get_ref().name, "servers"))
            .chain(
                raw.partitions
                    .iter()
                    .map(|p| (&p.get_ref().name, "partitions")),
            );
        for (name, table) in names {
            let n = name.get_ref().as_str();
            let result = (|| -> Result<(), Error> {
                if n.trim().is_empty() {
                    return Err(self.err(
                        name.span(),
                        format!("{table}.name"),
                        "expected a non-empty name",
                    ));
                }
                self.check_name(name, || format!("{table}.name"))?;
                Ok(())
            })();
            if self.keep(result).is_none() {
                continue;
            }
            if let Some(first) = seen.insert(n, name.span()) {
                let (line, _) = line_col(self.text, first.start);
                self.keep::<()>(Err(self.err(
                    name.span(),
                    format!("{table}.name"),
                    format!("`{n}` is already used on line {line}; server and partition names must be unique"),
                )));
            }
        }

        // Cycles and unknown parents first, so the kind checks below meet only real trees.
        let server_names: HashMap<&str, usize> = raw
            .servers
            .iter()
            .enumerate()
            .map(|(i, s)| (s.get_ref().name.get_ref().as_str(), i))
            .collect();
        let part_names: HashMap<&str, usize> = raw
            .partitions
            .iter()
            .enumerate()
            .map(|(i, p)| (p.get_ref().name.get_ref().as_str(), i))
            .collect();
        for (i, p) in raw.partitions.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let p = p.get_ref();
                let mut chain = vec![p.name.get_ref().as_str()];
                let mut current = i;
                loop {
                    let parent = raw.partitions[current].get_ref().parent.get_ref().as_str();
                    if server_names.contains_key(parent) {
                        break;
                    }
                    let Some(&next) = part_names.get(parent) else {
                        let field = format!(
                            "partitions[{current}] ({}).parent",
                            raw.partitions[current].get_ref().name.get_ref()
                        );
                        return Err(self.err(
                        raw.partitions[current].get_ref().parent.span(),
                        field,
                        format!("unknown parent `{parent}`; expected the name of a server or of another partition"),
                    ));
                    };
                    chain.push(parent);
                    if next == i {
                        return Err(self.err(
                        p.parent.span(),
                        format!("partitions[{i}] ({}).parent", p.name.get_ref()),
                        format!("the partition tree has a cycle: {}; expected every chain of parents to end at a server", chain.join(" → ")),
                    ));
                    }
                    if chain.len() > raw.partitions.len() + 1 {
                        break; // a cycle not through `i`; it is reported for one of its members
                    }
                    current = next;
                }
                Ok(())
            })();
            self.keep(result);
        }
        // The tree below is built only from names that are unique and chains that end.
        self.checkpoint()?;

        // Children lists in scenario order.
        let mut server_children: Vec<Vec<usize>> = vec![Vec::new(); raw.servers.len()];
        let mut part_children: Vec<Vec<usize>> = vec![Vec::new(); raw.partitions.len()];
        for (i, p) in raw.partitions.iter().enumerate() {
            let parent = p.get_ref().parent.get_ref().as_str();
            if let Some(&s) = server_names.get(parent) {
                server_children[s].push(i);
            } else if let Some(&q) = part_names.get(parent) {
                part_children[q].push(i);
            }
        }

        let mut nodes = Vec::with_capacity(raw.servers.len() + raw.partitions.len());
        // The raw partition behind each node (servers: unused), for error spans.
        let mut raw_of: Vec<usize> = Vec::with_capacity(nodes.capacity());
        let mut index = HashMap::new();
        for (s, server) in raw.servers.iter().enumerate() {
            let server_id = NodeId(nodes.len() as u32);
            // A server or partition that fails is passed over with its subtree.
            let Some(mut root) = self.keep(self.compile_server(s, server)) else {
                continue;
            };
            root.server = server_id;
            index.insert(root.name.clone(), server_id);
            let cells_total = *server.get_ref().cells.get_ref();
            let speed = root.nominal / root.cores.max(1) as f64;
            nodes.push(root);
            raw_of.push(usize::MAX);
            let mut used_cells: Vec<Option<usize>> = vec![None; cells_total as usize];
            // Depth-first in scenario order gives preorder.
            let mut stack: Vec<(usize, NodeId)> = server_children[s]
                .iter()
                .rev()
                .map(|&c| (c, server_id))
                .collect();
            while let Some((pi, parent_id)) = stack.pop() {
                let pending = Pending {
                    raw: raw.partitions[pi].get_ref(),
                    index: pi,
                };
                let Some(node) = self.keep(self.compile_partition(
                    raw,
                    &pending,
                    &nodes,
                    parent_id,
                    server_id,
                    speed,
                    server.get_ref(),
                    &mut used_cells,
                )) else {
                    continue;
                };
                let id = NodeId(nodes.len() as u32);
                index.insert(node.name.clone(), id);
                nodes.push(node);
                raw_of.push(pi);
                stack.extend(part_children[pi].iter().rev().map(|&c| (c, id)));
            }
        }
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if let Some(p) = n.parent {
                kids[p.0 as usize].push(i);
            }
        }
        for (i, k) in kids.iter().enumerate() {
            self.keep(self.check_siblings(raw, &nodes, &raw_of, i, k));
        }
        self.vm_overheads(raw, &mut nodes, &raw_of, &kids);
        Ok((nodes, index))
    }

    pub(super) fn compile_server(
        &self,
        s: usize,
        server: &Spanned<RawServer>,
    ) -> Result<Node, Error> {
        let r = server.get_ref();
        let name = r.name.get_ref();
        let field = |f: &str| format!("servers[{s}] ({name}).{f}");
        let cells = *r.cells.get_ref();
        let per_cell = *r.cores_per_cell.get_ref();
        if cells == 0 || cells > 64 {
            return Err(self.err(
                r.cells.span(),
                field("cells"),
                format!("{cells} cells; expected 1 to 64"),
            ));
        }
        if per_cell == 0 || per_cell > 256 {
            return Err(self.err(
                r.cores_per_cell.span(),
                field("cores_per_cell"),
                format!("{per_cell}; expected 1 to 256"),
            ));
        }
        let total = cells * per_cell;
        let memory = *r.memory_gb_per_cell.get_ref();
        if !(memory.is_finite() && (0.0..=MAX_GIB).contains(&memory)) {
            return Err(self.err(
                r.memory_gb_per_cell.span(),
                field("memory_gb_per_cell"),
                format!(
                    "{}; expected a number of GiB ≥ 0 and at most 1,048,576 (1 PiB) per cell",
                    num(memory)
                ),
            ));
        }
        let model_speed = match &r.model {
            Some(m) if self.models.contains_key(m) => {
                Some(self.model_speed(m, r.name.span(), field("model"))?)
            }
            _ => None,
        };
        let speed = match (&r.core_speed, model_speed) {
            (Some(v), Some(_)) => {
                return Err(self.err(v.span(), field("core_speed"), format!("the model `{}` gives the core speed; expected `core_speed` or a model from [[server_models]], not both", r.model.as_deref().unwrap_or_default())));
            }
            (Some(v), None) => {
                let x = *v.get_ref();
                if !(x.is_finite() && x > 0.0 && x <= 1000.0) {
                    return Err(self.err(v.span(), field("core_speed"), format!("{x}; expected a positive speed relative to the reference core, e.g. 1.0")));
                }
                x
            }
            (None, Some(x)) => x,
            (None, None) => 1.0,
        };
        let active = match &r.active_cores {
            Some(v) => {
                let a = *v.get_ref();
                if a < cells || a > total {
                    return Err(self.err(v.span(), field("active_cores"), format!("{a} active cores; expected {cells} to {total} (at least one per cell, at most cells × cores_per_cell)")));
                }
                a
            }
            None => total,
        };
        // A Pay per use cap limits the active cores (`ppuconfig -rc`, at least one per cell)
        // [PPU3].
        let active = match r
            .ppu
            .as_ref()
            .and_then(|p| p.get_ref().cap_cores.map(|c| (c, p.span())))
        {
            Some((cap, span)) if cap < cells || cap > total => {
                return Err(self.err(
                    span,
                    field("ppu.cap_cores"),
                    format!("{cap}; expected {cells} to {total} (at least one per cell)"),
                ));
            }
            Some((cap, span)) if r.active_cores.is_some() && active > cap => {
                return Err(self.err(span, field("ppu.cap_cores"), format!("active_cores = {active} is above the cap of {cap}; the cap limits the active cores")));
            }
            Some((cap, _)) if r.active_cores.is_none() => cap,
            _ => active,
        };
        Ok(Node {
            name: name.clone(),
            kind: NodeKind::Server,
            parent: None,
            server: NodeId(0), // set by the caller, which knows the server's index
            share: Share::Root {
                capacity: active as f64 * speed,
            },
            nominal: active as f64 * speed,
            cores: active,
            speed,
            min_cores: active as f64,
            max_cores: active as f64,
            memory_gb: memory * cells as f64,
            disk_mbps: self
                .mbps(&r.disk_mbps, || field("disk_mbps"))?
                .unwrap_or(0.0),
            network_mbps: self
                .mbps(&r.network_mbps, || field("network_mbps"))?
                .unwrap_or(0.0),
            // Set with the guests, by `vm_overheads`.
            vm_cpu_overhead: 0.0,
            memory_overhead_gb: 0.0,
        })
    }

    /// Checks that concern a parent and all its children at once, on the compiled nodes: one
    /// kind of child per parent, reserved cores fit (summed in u64), the vPars' minimums fit,
    /// the VM guests' entitlements fit, and FSS groups have cores left.
    pub(super) fn check_siblings(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        raw_of: &[usize],
        parent: usize,
        kids: &[usize],
    ) -> Result<(), Error> {
        let Some(&first) = kids.first() else {
            return Ok(());
        };
        let p = &nodes[parent];
        let class = |k: NodeKind| match k {
            NodeKind::Pset | NodeKind::Fss => "srp",
            other => other.as_str(),
        };
        let rawp = |i: usize| raw.partitions[raw_of[i]].get_ref();
        let field =
            |i: usize, f: &str| format!("partitions[{}] ({}).{f}", raw_of[i], nodes[i].name);
        let mut reserved = 0u64;
        let mut minimums = 0u64;
        let mut entitled = 0.0;
        for &k in kids {
            let n = &nodes[k];
            let r = rawp(k);
            if class(n.kind) != class(nodes[first].kind) {
                return Err(self.err(r.kind.span(), field(k, "kind"), format!("`{}` already holds {} partitions; a parent holds one kind: nPars (a split server), vPars, VM guests, or PRM groups (inside one OS)", p.name, class(nodes[first].kind))));
            }
            if n.kind == NodeKind::Pset && p.kind == NodeKind::Vm {
                return Err(self.err(r.cores.as_ref().map(|c| c.span()).unwrap_or(r.name.span()), field(k, "cores"), "PSET groups inside a VM guest are not modelled; use an FSS group (`shares`) there"));
            }
            if n.kind == NodeKind::Vpar {
                minimums += n.min_cores as u64;
                if minimums > p.cores as u64 {
                    let span = r
                        .min_cores
                        .as_ref()
                        .map(|v| v.span())
                        .unwrap_or(r.name.span());
                    return Err(self.err(span, field(k, "min_cores"), format!("the vPars' minimums add up to {minimums} cores but `{}` has {}; expected the sum of min_cores ≤ the parent's cores", p.name, p.cores)));
                }
            }
            if let Share::Fixed { .. } = n.share {
                reserved += n.cores as u64;
                if reserved > p.cores as u64 {
                    let span = r
                        .cores
                        .as_ref()
                        .map(|c| c.span())
                        .or(r.cells.as_ref().map(|c| c.span()))
                        .unwrap_or(r.name.span());
                    return Err(self.err(span, field(k, "cores"), format!("the partitions in `{}` reserve {reserved} cores but it has {}; expected the reserved cores to fit", p.name, p.cores)));
                }
            }
            if let (NodeKind::Vm, Share::Elastic { weight, .. }) = (n.kind, n.share) {
                entitled += weight / n.speed;
                // A guest does not start when the host cannot honour its entitlement [IV6].
                if entitled > p.cores as f64 + 1e-9 {
                    let span = r
                        .entitlement
                        .as_ref()
                        .map(|v| v.span())
                        .unwrap_or(r.name.span());
                    return Err(self.err(span, field(k, "entitlement"), format!("the VMs on `{}` are entitled to {entitled:.2} cores but it has {}; expected Σ vcpus × entitlement ≤ host cores", p.name, p.cores)));
                }
            }
        }
        // Each vCPU of a guest runs on a distinct core [IV6][IV7]: a guest with as many vCPUs
        // as the host has cores holds its entitlement on every core, so a narrower guest
        // finds at most what those leave on any one core for each of its vCPUs (a 4-vCPU
        // guest at 25 % on 4 cores leaves 75 %: a 1-vCPU guest at 80 % cannot start). A
        // necessary condition: it never refuses a set that can be placed.
        let per_vcpu = |k: usize| match nodes[k].share {
            Share::Elastic { weight, .. } if nodes[k].kind == NodeKind::Vm => {
                Some(weight / nodes[k].speed / f64::from(nodes[k].cores.max(1)))
            }
            _ => None,
        };
        let wide: Vec<usize> = kids
            .iter()
            .copied()
            .filter(|&k| per_vcpu(k).is_some() && nodes[k].cores >= p.cores)
            .collect();
        let held: f64 = wide.iter().filter_map(|&k| per_vcpu(k)).sum();
        for &k in kids {
            if let Some(e) = per_vcpu(k)
                && nodes[k].cores < p.cores
                && e > 1.0 - held + 1e-9
            {
                let names: Vec<String> = wide
                    .iter()
                    .map(|&w| format!("`{}`", nodes[w].name))
                    .collect();
                let r = rawp(k);
                let span = r
                    .entitlement
                    .as_ref()
                    .map(|v| v.span())
                    .unwrap_or(r.name.span());
                return Err(self.err(
                    span,
                    field(k, "entitlement"),
                    format!(
                        "`{}` needs {:.0} % of a core for each vCPU, but {} on `{}` span all its {} cores and hold {:.0} % of each, leaving {:.0} %; each vCPU runs on a distinct core [IV6][IV7]: lower the entitlements or give the wide guests fewer vCPUs",
                        nodes[k].name,
                        e * 100.0,
                        names.join(", "),
                        p.name,
                        p.cores,
                        held * 100.0,
                        ((1.0 - held) * 100.0).max(0.0)
                    ),
                ));
            }
        }
        let elastic = kids
            .iter()
            .find(|&&k| matches!(nodes[k].share, Share::Elastic { .. }));
        if let Some(&k) = elastic
            && reserved >= p.cores as u64
        {
            return Err(self.err(
                rawp(k).name.span(),
                field(k, "parent"),
                format!(
                    "`{}` has no cores left after its PSET groups for its FSS groups",
                    p.name
                ),
            ));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn compile_partition(
        &self,
        raw: &RawScenario,
        pending: &Pending,
        nodes: &[Node],
        parent_id: NodeId,
        server_id: NodeId,
        speed: f64,
        server: &RawServer,
        used_cells: &mut [Option<usize>],
    ) -> Result<Node, Error> {
        let p = pending.raw;
        let i = pending.index;
        let name = p.name.get_ref();
        let field = |f: &str| format!("partitions[{i}] ({name}).{f}");
        let parent = &nodes[parent_id.0 as usize];
        let kind = *p.kind.get_ref();
        let allowed: &[NodeKind] = match kind {
            RawKind::Npar => &[NodeKind::Server],
            RawKind::Vpar => &[NodeKind::Server, NodeKind::Npar],
            RawKind::Vm => &[NodeKind::Server, NodeKind::Npar, NodeKind::Vpar],
            RawKind::Srp => &[
                NodeKind::Server,
                NodeKind::Npar,
                NodeKind::Vpar,
                NodeKind::Vm,
            ],
        };
        if !allowed.contains(&parent.kind) {
            let list: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
            return Err(self.err(
                p.parent.span(),
                field("parent"),
                format!(
                    "a {} cannot sit in a {} (`{}`); expected a parent of kind {}",
                    kind_name(kind),
                    parent.kind.as_str(),
                    parent.name,
                    list.join(" or ")
                ),
            ));
        }
        // Fields that belong to another kind are errors, not silently ignored settings.
        let stray: &[(&str, bool)] = &[
            ("cells", p.cells.is_some() && kind != RawKind::Npar),
            ("min_cores", p.min_cores.is_some() && kind != RawKind::Vpar),
            ("max_cores", p.max_cores.is_some() && kind != RawKind::Vpar),
            ("vcpus", p.vcpus.is_some() && kind != RawKind::Vm),
            (
                "entitlement",
                p.entitlement.is_some() && kind != RawKind::Vm,
            ),
            ("shares", p.shares.is_some() && kind != RawKind::Srp),
            ("cores", p.cores.is_some() && kind == RawKind::Vm),
            (
                "cap",
                p.cap.is_some()
                    && !(kind == RawKind::Vm || (kind == RawKind::Srp && p.shares.is_some())),
            ),
        ];
        if let Some((f, _)) = stray.iter().find(|(_, bad)| *bad) {
            return Err(self.err(
                p.name.span(),
                field(f),
                format!(
                    "`{f}` does not apply to a partition of kind {}",
                    kind_name(kind)
                ),
            ));
        }
        let host_cores = parent.cores;
        let memory_gb = self.gib(&p.memory_gb, || field("memory_gb"))?;
        let disk_mbps = self
            .mbps(&p.disk_mbps, || field("disk_mbps"))?
            .unwrap_or(parent.disk_mbps);
        let network_mbps = self
            .mbps(&p.network_mbps, || field("network_mbps"))?
            .unwrap_or(parent.network_mbps);
        let node =
            |kind, share, nominal: f64, cores, (min_cores, max_cores): (f64, f64), memory_gb| {
                Node {
                    name: name.clone(),
                    kind,
                    parent: Some(parent_id),
                    server: server_id,
                    share,
                    nominal,
                    cores,
                    speed,
                    min_cores,
                    max_cores,
                    memory_gb,
                    disk_mbps,
                    network_mbps,
                    vm_cpu_overhead: 0.0,
                    memory_overhead_gb: 0.0,
                }
            };
        match kind {
            RawKind::Npar => {
                let Some(cells) = &p.cells else {
                    return Err(self.err(p.name.span(), field("cells"), "an npar needs `cells`: a count (cells = 2) or a list of cell indexes (cells = [0, 1])"));
                };
                let total = *server.cells.get_ref() as usize;
                let per_cell = *server.cores_per_cell.get_ref();
                let mut mine = Vec::new();
                match cells.get_ref() {
                    RawCells::List(list) => {
                        if list.is_empty() {
                            return Err(self.err(
                                cells.span(),
                                field("cells"),
                                "expected at least one cell",
                            ));
                        }
                        for &c in list {
                            let c = c as usize;
                            if c >= total {
                                return Err(self.err(
                                    cells.span(),
                                    field("cells"),
                                    format!(
                                        "cell {c} does not exist; `{}` has cells 0 to {}",
                                        parent.name,
                                        total - 1
                                    ),
                                ));
                            }
                            if let Some(owner) = used_cells[c] {
                                let other = if owner == i {
                                    name.as_str()
                                } else {
                                    raw.partitions[owner].get_ref().name.get_ref().as_str()
                                };
                                return Err(self.err(cells.span(), field("cells"), format!("cell {c} of `{}` is already used by `{other}`; expected each cell in one nPar", parent.name)));
                            }
                            used_cells[c] = Some(i);
                            mine.push(c);
                        }
                    }
                    RawCells::Count(n) => {
                        let free: Vec<usize> = (0..total)
                            .filter(|&c| used_cells[c].is_none())
                            .take(*n as usize)
                            .collect();
                        if *n == 0 || free.len() < *n as usize {
                            return Err(self.err(
                                cells.span(),
                                field("cells"),
                                format!(
                                    "{n} cells asked, {} free in `{}`; expected 1 to {}",
                                    free.len(),
                                    parent.name,
                                    free.len()
                                ),
                            ));
                        }
                        for &c in &free {
                            used_cells[c] = Some(i);
                        }
                        mine = free;
                    }
                }
                let ncells = mine.len() as u32;
                let installed = ncells * per_cell;
                let all_active = parent.cores == *server.cells.get_ref() * per_cell;
                let cores = match &p.cores {
                    Some(v) => *v.get_ref(),
                    None if all_active => installed,
                    None => {
                        return Err(self.err(p.name.span(), field("cores"), format!("`{}` has inactive Instant Capacity cores, so say how many of this nPar's {installed} cores are active: cores = N", parent.name)));
                    }
                };
                // At least one active core per active cell [I8b].
                if cores < ncells || cores > installed {
                    let span = p.cores.as_ref().map(|v| v.span()).unwrap_or(cells.span());
                    return Err(self.err(span, field("cores"), format!("{cores} active cores in {ncells} cells; expected {ncells} to {installed} (at least one per cell)")));
                }
                let mem = if p.memory_gb.is_some() {
                    memory_gb
                } else {
                    ncells as f64 * server.memory_gb_per_cell.get_ref()
                };
                Ok(node(
                    NodeKind::Npar,
                    Share::Fixed {
                        capacity: cores as f64 * speed,
                    },
                    cores as f64 * speed,
                    cores,
                    (ncells as f64, installed as f64),
                    mem,
                ))
            }
            RawKind::Vpar => {
                let Some(cores) = &p.cores else {
                    return Err(self.err(
                        p.name.span(),
                        field("cores"),
                        "a vpar needs `cores`: its whole-core count",
                    ));
                };
                let n = *cores.get_ref();
                let min = p.min_cores.as_ref().map(|v| *v.get_ref()).unwrap_or(1);
                let max = p
                    .max_cores
                    .as_ref()
                    .map(|v| *v.get_ref())
                    .unwrap_or(host_cores);
                // min ≤ total ≤ max, at least one core [VP2][VP6].
                if min == 0 {
                    return Err(self.err(
                        p.min_cores
                            .as_ref()
                            .map(|v| v.span())
                            .unwrap_or(p.name.span()),
                        field("min_cores"),
                        "expected at least 1 core",
                    ));
                }
                if !(min <= n && n <= max) {
                    return Err(self.err(cores.span(), field("cores"), format!("cores = {n} with min_cores = {min} and max_cores = {max}; expected min_cores ≤ cores ≤ max_cores")));
                }
                // A vPar may grow past its nPar's present cores when a manager grows the nPar,
                // never past what the nPar could ever hold.
                let most = parent.max_cores as u32;
                if max > most {
                    return Err(self.err(
                        p.max_cores
                            .as_ref()
                            .map(|v| v.span())
                            .unwrap_or(cores.span()),
                        field("max_cores"),
                        format!(
                            "{max} cores but `{}` can hold at most {most}; expected at most that",
                            parent.name
                        ),
                    ));
                }
                Ok(node(
                    NodeKind::Vpar,
                    Share::Fixed {
                        capacity: n as f64 * speed,
                    },
                    n as f64 * speed,
                    n,
                    (min as f64, max as f64),
                    memory_gb,
                ))
            }
            RawKind::Vm => {
                let Some(vcpus) = &p.vcpus else {
                    return Err(self.err(
                        p.name.span(),
                        field("vcpus"),
                        "a vm needs `vcpus` (1 to 32)",
                    ));
                };
                let v = *vcpus.get_ref();
                if v == 0 || v > MAX_VCPUS {
                    return Err(self.err(
                        vcpus.span(),
                        field("vcpus"),
                        format!("{v} vCPUs; expected 1 to {MAX_VCPUS}"),
                    ));
                }
                // A guest's vCPUs sit on distinct physical cores [IV2][IV7].
                if v > host_cores {
                    return Err(self.err(vcpus.span(), field("vcpus"), format!("{v} vCPUs but the host `{}` has {host_cores} cores; expected vcpus ≤ host cores", parent.name)));
                }
                let pct = |s: &Option<Spanned<f64>>, f: &str, default: f64| -> Result<f64, Error> {
                    match s {
                        Some(x) => {
                            let val = *x.get_ref();
                            if !(val.is_finite() && (MIN_ENTITLEMENT_PCT..=100.0).contains(&val)) {
                                return Err(self.err(x.span(), field(f), format!("{val} %; expected a percent of one core per vCPU from 5 to 100")));
                            }
                            Ok(val)
                        }
                        None => Ok(default),
                    }
                };
                let ent = pct(&p.entitlement, "entitlement", DEFAULT_ENTITLEMENT_PCT)?;
                let cap = pct(&p.cap, "cap", 100.0)?;
                if cap < ent {
                    return Err(self.err(p.cap.as_ref().map(|c| c.span()).unwrap_or(p.name.span()), field("cap"), format!("cap {cap} % is below the entitlement {ent} %; expected cap ≥ entitlement")));
                }
                let weight = v as f64 * ent / 100.0 * speed;
                let max = v as f64 * cap / 100.0 * speed;
                Ok(node(
                    NodeKind::Vm,
                    Share::Elastic { weight, max },
                    max,
                    v,
                    (
                        v as f64 * MIN_ENTITLEMENT_PCT / 100.0,
                        v as f64 * cap / 100.0,
                    ),
                    memory_gb,
                ))
            }
            RawKind::Srp => match (&p.cores, &p.shares) {
                (Some(cores), None) => {
                    let n = *cores.get_ref();
                    if n == 0 {
                        return Err(self.err(
                            cores.span(),
                            field("cores"),
                            "a PSET group needs at least 1 core",
                        ));
                    }
                    Ok(node(
                        NodeKind::Pset,
                        Share::Fixed {
                            capacity: n as f64 * speed,
                        },
                        n as f64 * speed,
                        n,
                        (1.0, host_cores as f64),
                        memory_gb,
                    ))
                }
                (None, Some(shares)) => {
                    let s = *shares.get_ref();
                    if !(s.is_finite() && s > 0.0) {
                        return Err(self.err(shares.span(), field("shares"), format!("{s}; expected a positive number of shares (100 per core by WLM's default)")));
                    }
                    let cap = match &p.cap {
                        Some(c) => {
                            let v = *c.get_ref();
                            if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                                return Err(self.err(
                                    c.span(),
                                    field("cap"),
                                    format!(
                                        "{v} %; expected a percent of the parent from 0 to 100"
                                    ),
                                ));
                            }
                            v / 100.0
                        }
                        None => 1.0,
                    };
                    let max = parent.nominal * cap;
                    Ok(node(
                        NodeKind::Fss,
                        Share::Elastic { weight: s, max },
                        max,
                        host_cores,
                        (FSS_STEP_CORES, max / speed),
                        memory_gb,
                    ))
                }
                _ => Err(self.err(
                    p.name.span(),
                    field("shares"),
                    "an srp needs exactly one of `shares` (an FSS group) or `cores` (a PSET group)",
                )),
            },
        }
    }

    /// An I/O bandwidth or demand [MB/s], if given.
    /// `field` names the value only in an error: a scenario of thousands of entities would
    /// otherwise format the names of thousands of fields that are right.
    pub(super) fn mbps(
        &self,
        v: &Option<Spanned<f64>>,
        field: impl FnOnce() -> String,
    ) -> Result<Option<f64>, Error> {
        match v {
            Some(m) if !(m.get_ref().is_finite() && (0.0..=MAX_MBPS).contains(m.get_ref())) => {
                Err(self.err(
                    m.span(),
                    field(),
                    format!(
                        "{}; expected a bandwidth in MB/s ≥ 0 and at most 10,000,000 (10 TB/s), e.g. 400",
                        num(*m.get_ref())
                    ),
                ))
            }
            Some(m) => Ok(Some(*m.get_ref())),
            None => Ok(None),
        }
    }

    /// `field` is formatted only for an error, as in [`Compiler::mbps`].
    pub(super) fn gib(
        &self,
        v: &Option<Spanned<f64>>,
        field: impl FnOnce() -> String,
    ) -> Result<f64, Error> {
        match v {
            Some(m) if !(m.get_ref().is_finite() && (0.0..=MAX_GIB).contains(m.get_ref())) => {
                Err(self.err(
                    m.span(),
                    field(),
                    format!(
                        "{}; expected a number of GiB ≥ 0 and at most 1,048,576 (1 PiB)",
                        num(*m.get_ref())
                    ),
                ))
            }
            Some(m) => Ok(*m.get_ref()),
            None => Ok(0.0),
        }
    }
}

pub(super) fn kind_name(kind: RawKind) -> &'static str {
    match kind {
        RawKind::Npar => "npar",
        RawKind::Vpar => "vpar",
        RawKind::Vm => "vm",
        RawKind::Srp => "srp",
    }
}
