//! What an Integrity VM host spends on its guests beyond their own demand: each guest's
//! memory overhead (IV4) and the hypervisor's fraction of every core (`vm_cpu_overhead`),
//! set on the compiled nodes once so the run adds them without looking anything up. The
//! arithmetic is [`crate::model::vcpu`]'s; this file only reads the scenario and checks it.

use super::{Compiler, num};
use crate::model::{Node, NodeKind, vcpu};
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
        }
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
