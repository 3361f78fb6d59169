//! What an Integrity VM host spends on its guests beyond their own demand: each guest's
//! memory overhead (IV4) and the hypervisor's fraction of every core (`vm_cpu_overhead`),
//! set on the compiled nodes once so the run adds them without looking anything up. The
//! arithmetic is [`crate::model::vcpu`]'s; this file only reads the scenario and checks it.

use super::{Compiler, num};
use crate::model::{Node, NodeKind, Share, vcpu};
use crate::scenario::raw::RawScenario;
use std::ops::Range;
use toml::Spanned;

impl Compiler<'_> {
    /// Sets `vm_cpu_overhead` on every host of VM guests and `memory_overhead_gb` on every
    /// guest, and checks that the guests' memory with its overhead fits a host whose memory
    /// is known. Errors are kept, so `validate` lists each host's.
    pub(super) fn vm_overheads(
        &self,
        raw: &RawScenario,
        nodes: &mut [Node],
        raw_of: &[usize],
        kids: &[Vec<usize>],
    ) {
        for (i, k) in kids.iter().enumerate() {
            let (given, field) = self.cpu_overhead_field(raw, nodes, raw_of, i);
            let hosts = k.iter().any(|&c| nodes[c].kind == NodeKind::Vm);
            let overhead = match given {
                None => vcpu::DEFAULT_CPU_OVERHEAD,
                Some(v) => {
                    let Some(v) = self.keep(self.check_cpu_overhead(v, &field, hosts, &nodes[i]))
                    else {
                        continue;
                    };
                    v
                }
            };
            if !hosts {
                continue;
            }
            nodes[i].vm_cpu_overhead = overhead;
            for &c in k {
                nodes[c].memory_overhead_gb =
                    vcpu::memory_overhead_gb(nodes[c].cores, nodes[c].memory_gb);
            }
            self.keep(self.check_guest_memory(raw, nodes, raw_of, i, k));
            self.keep(self.check_placement(raw, nodes, raw_of, i, k));
        }
    }

    /// The guests must be placeable by the distinct-pCPU rule [IV6][IV7]
    /// ([`vcpu::placement`]): Integrity VM does not start a guest whose entitlement it cannot
    /// guarantee. Sets the sibling checks already refuse (entitlements beyond the host's
    /// cores, or a narrow guest over what host-wide guests leave on every core) are left to
    /// their messages. On refusal, names a smallest set of guests that cannot start together
    /// (dropping any one of them lets the rest start) and where placing them runs out.
    fn check_placement(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        raw_of: &[usize],
        host: usize,
        kids: &[usize],
    ) -> Result<(), crate::Error> {
        let h = &nodes[host];
        let guests: Vec<(usize, u32, f64)> = kids
            .iter()
            .filter_map(|&k| match nodes[k].share {
                Share::Elastic { weight, .. } if nodes[k].kind == NodeKind::Vm => {
                    let v = nodes[k].cores.max(1);
                    Some((k, v, weight / nodes[k].speed / f64::from(v)))
                }
                _ => None,
            })
            .collect();
        let entitled: f64 = guests.iter().map(|g| f64::from(g.1) * g.2).sum();
        let wide: f64 = guests.iter().filter(|g| g.1 >= h.cores).map(|g| g.2).sum();
        let narrow_over = guests
            .iter()
            .any(|g| g.1 < h.cores && g.2 > 1.0 - wide + 1e-9);
        if guests.len() < 2 || entitled > f64::from(h.cores) + 1e-9 || narrow_over {
            return Ok(());
        }
        let fits = |set: &[(usize, u32, f64)]| {
            let vs: Vec<(u32, f64)> = set.iter().map(|g| (g.1, g.2)).collect();
            vcpu::placement(h.cores, &vs)
        };
        if fits(&guests) != vcpu::Placement::Cannot {
            return Ok(());
        }
        // Deletion filter: drop each guest whose absence leaves the rest still unplaceable.
        let mut core = guests.clone();
        let mut i = 0;
        while i < core.len() {
            let mut without = core.clone();
            without.remove(i);
            if fits(&without) == vcpu::Placement::Cannot {
                core = without;
            } else {
                i += 1;
            }
        }
        let listed: Vec<String> = core
            .iter()
            .map(|&(k, v, e)| {
                format!(
                    "`{}` ({v} vCPU{} at {} %)",
                    nodes[k].name,
                    if v == 1 { "" } else { "s" },
                    pct(e)
                )
            })
            .collect();
        let last = core.last().expect("an unplaceable set is not empty").0;
        let r = raw.partitions[raw_of[last]].get_ref();
        let span: Range<usize> = r
            .entitlement
            .as_ref()
            .map(|v| v.span())
            .unwrap_or(r.name.span());
        Err(self.err(
            span,
            format!("partitions[{}] ({}).entitlement", raw_of[last], nodes[last].name),
            format!(
                "the VM guests {} cannot all start on `{}`: each vCPU of a guest runs on a distinct one of its {} cores and no core can be entitled past 100 % [IV6][IV7]; {}. Lower the entitlements, give a guest fewer vCPUs, or move one to another host",
                listed.join(" and "),
                h.name,
                h.cores,
                shortfall(h.cores, &core, nodes)
            ),
        ))
    }

    /// The node's `vm_cpu_overhead`, if given, and its field path for messages.
    fn cpu_overhead_field<'r>(
        &self,
        raw: &'r RawScenario,
        nodes: &[Node],
        raw_of: &[usize],
        i: usize,
    ) -> (Option<&'r Spanned<f64>>, String) {
        let name = &nodes[i].name;
        if nodes[i].kind == NodeKind::Server {
            let s = raw
                .servers
                .iter()
                .position(|s| s.get_ref().name.get_ref() == name);
            match s {
                Some(s) => (
                    raw.servers[s].get_ref().vm_cpu_overhead.as_ref(),
                    format!("servers[{s}] ({name}).vm_cpu_overhead"),
                ),
                None => (None, String::new()),
            }
        } else {
            let r = raw_of[i];
            (
                raw.partitions[r].get_ref().vm_cpu_overhead.as_ref(),
                format!("partitions[{r}] ({name}).vm_cpu_overhead"),
            )
        }
    }

    fn check_cpu_overhead(
        &self,
        v: &Spanned<f64>,
        field: &str,
        hosts: bool,
        node: &Node,
    ) -> Result<f64, crate::Error> {
        let x = *v.get_ref();
        if !hosts {
            return Err(self.err(
                v.span(),
                field,
                format!(
                    "`{}` holds no VM guests; `vm_cpu_overhead` belongs on the server or partition the guests' `parent` names",
                    node.name
                ),
            ));
        }
        if !(x.is_finite() && (0.0..=vcpu::MAX_CPU_OVERHEAD).contains(&x)) {
            return Err(self.err(
                v.span(),
                field,
                format!(
                    "{}; expected a fraction of each core from 0 to {} (0.05 = the hypervisor uses 5 %)",
                    num(x),
                    vcpu::MAX_CPU_OVERHEAD
                ),
            ));
        }
        Ok(x)
    }

    /// The guests' memory and their IV4 overheads must fit the host's memory, when both are
    /// configured: Integrity VM does not start a guest its host cannot back [IV4].
    fn check_guest_memory(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        raw_of: &[usize],
        host: usize,
        guests: &[usize],
    ) -> Result<(), crate::Error> {
        let h = &nodes[host];
        let sized: Vec<usize> = guests
            .iter()
            .copied()
            .filter(|&g| nodes[g].memory_gb > 0.0)
            .collect();
        if h.memory_gb <= 0.0 || sized.is_empty() {
            return Ok(());
        }
        let own: f64 = sized.iter().map(|&g| nodes[g].memory_gb).sum();
        let overhead: f64 = sized.iter().map(|&g| nodes[g].memory_overhead_gb).sum();
        if own + overhead <= h.memory_gb + 1e-9 {
            return Ok(());
        }
        let listed: Vec<String> = sized
            .iter()
            .map(|&g| {
                format!(
                    "`{}` {} GiB + {} MB",
                    nodes[g].name,
                    num(nodes[g].memory_gb),
                    num(vcpu::memory_overhead_mb(nodes[g].cores, nodes[g].memory_gb))
                )
            })
            .collect();
        let last = *sized.last().expect("checked non-empty");
        let r = raw.partitions[raw_of[last]].get_ref();
        let span: Range<usize> = r
            .memory_gb
            .as_ref()
            .map(|m| m.span())
            .unwrap_or(r.name.span());
        Err(self.err(
            span,
            format!("partitions[{}] ({}).memory_gb", raw_of[last], nodes[last].name),
            format!(
                "the VM guests on `{}` need {:.0} MB ({}), guest memory plus each guest's overhead of vCPUs × memory × 0.4 % + 64 MB [IV4], but it has {:.0} MB; give the guests less memory or the host more",
                h.name,
                (own + overhead) * 1024.0,
                listed.join(", "),
                h.memory_gb * 1024.0
            ),
        ))
    }
}

/// Where placing an unplaceable set runs out, for the message: the guests placed largest
/// entitlement first, each on its least-loaded cores, until one finds fewer cores with room
/// than it has vCPUs. A witness, not the proof (the search is): the words a planner checks
/// by hand.
fn shortfall(cores: u32, set: &[(usize, u32, f64)], nodes: &[Node]) -> String {
    let mut order: Vec<&(usize, u32, f64)> = set.iter().collect();
    order.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.1.cmp(&a.1)));
    let mut load = vec![0.0f64; cores as usize];
    let mut placed: Vec<String> = Vec::new();
    for &&(k, v, e) in &order {
        let room = load.iter().filter(|&&l| l + e <= 1.0 + 1e-9).count();
        if room < v as usize {
            let before = if placed.is_empty() {
                String::new()
            } else {
                format!(" beside {}", placed.join(", "))
            };
            return format!(
                "`{}` needs {} % free on each of {v} distinct cores but only {room} {} that much{before}",
                nodes[k].name,
                pct(e),
                if room == 1 { "has" } else { "have" },
            );
        }
        let mut idx: Vec<usize> = (0..load.len()).collect();
        idx.sort_by(|&a, &b| load[a].total_cmp(&load[b]));
        for &c in idx.iter().take(v as usize) {
            load[c] += e;
        }
        placed.push(format!("`{}`", nodes[k].name));
    }
    // Greedy placed them all: the search's refusal is about packing, which no one guest shows.
    let most = load.iter().copied().fold(0.0, f64::max);
    format!(
        "no assignment keeps every core at or under 100 % (placing each on its least-loaded cores comes to {} % on the fullest)",
        num(most * 100.0)
    )
}

/// A per-vCPU fraction as the percent a scenario wrote (95.6, not 95.59999999999998).
fn pct(e: f64) -> String {
    num((e * 100.0 * 1e6).round() / 1e6)
}
