//! The modeled hardware and its partition continuum, in a compiled, index-based form.
//!
//! A server (complex) is the root of a tree: server ▸ nPar ▸ vPar ▸ VM ▸ SRP, any level of which
//! may be skipped. The model knows nothing of files or of how the tree was described; the
//! scenario compiler validates names and limits once, and the run never looks a name up again.
//!
//! Capacity is in reference cores (one core of speed 1.0). Each node gets its capacity from
//! its parent in one of two ways, which is the whole difference between the partition kinds
//! that matters to a fluid model:
//! - *fixed*: whole cores reserved for it whether it uses them or not (nPar, vPar, PSET group);
//! - *elastic*: a weighted, work-conserving share of what its parent has left after the fixed
//!   children (Integrity VM guests by entitlement, FSS groups by shares): a busy sibling takes
//!   an idle sibling's cycles in proportion to its weight, up to its own maximum.

pub mod power;
pub mod share;
pub mod vcpu;
pub mod waterfill;

/// Index of a node (server or partition) in [`Model::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// Index of a workload in [`Model::workloads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Server,
    Npar,
    Vpar,
    Vm,
    /// A PRM/SRP processor-set group: whole cores.
    Pset,
    /// A PRM/SRP fair-share-scheduler group: shares of what its OS has.
    Fss,
}

impl NodeKind {
    /// The name used in outputs (`summary.json`, time series).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Server => "server",
            NodeKind::Npar => "npar",
            NodeKind::Vpar => "vpar",
            NodeKind::Vm => "vm",
            NodeKind::Pset => "pset",
            NodeKind::Fss => "fss",
        }
    }
}

/// How a node obtains capacity from its parent each segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Share {
    /// A server: its active cores × speed [reference cores].
    Root { capacity: f64 },
    /// Reserved capacity [reference cores], used or not.
    Fixed { capacity: f64 },
    /// A work-conserving share: `weight` sets the split under contention (VM entitlement in
    /// reference cores, or FSS shares); `max` caps what it can use [reference cores].
    Elastic { weight: f64, max: f64 },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub kind: NodeKind,
    pub parent: Option<NodeId>,
    /// The server this node belongs to (itself for a server).
    pub server: NodeId,
    pub share: Share,
    /// The most it can ever hold [reference cores]: the denominator of its utilization and the
    /// base of its headroom.
    pub nominal: f64,
    /// Physical cores behind `nominal` (for VMs: vCPUs), for reports.
    pub cores: u32,
    /// Reference cores per physical core (the server's core speed).
    pub speed: f64,
    /// The allocation range its kind allows [physical cores]: a workload manager never goes
    /// outside it (vPar min..max cores, nPar one core per cell..its installed cores, VM 5 %
    /// per vCPU..its vCPUs at its cap, PSET 1..parent, FSS 0.01..parent).
    pub min_cores: f64,
    pub max_cores: f64,
    pub memory_gb: f64,
    /// Disk and network I/O capacity [MB/s]; 0 where not configured (then reported but not
    /// judged: Capacity Advisor's default capacity, the observed high-water mark [CA6], can
    /// never be exceeded). A partition without its own shares its parent's devices and
    /// figure.
    pub disk_mbps: f64,
    pub network_mbps: f64,
    /// On a host of VM guests, the fraction of each core its hypervisor consumes: the guests
    /// share `(1 − it)` of every core ([`vcpu::host_share`]); 0 elsewhere.
    pub vm_cpu_overhead: f64,
    /// On a VM guest, the memory its host holds for it beyond the guest's own [GiB] (IV4,
    /// [`vcpu::memory_overhead_gb`]), added where the host's held memory is summed; 0
    /// elsewhere.
    pub memory_overhead_gb: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnShortfall {
    /// Unserved work waits and is served later (a queue of batch work or requests).
    Delay,
    /// Unserved work is lost (interactive requests that time out).
    Drop,
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    /// The leaf node it runs in.
    pub node: NodeId,
    pub on_shortfall: OnShortfall,
}

/// The compiled tree. Nodes are in preorder: every parent comes before its children, so one
/// backward pass aggregates demand upward and one forward pass hands capacity downward.
#[derive(Debug, Clone)]
pub struct Model {
    pub nodes: Vec<Node>,
    pub workloads: Vec<Workload>,
    /// `children[child_start[i]..child_start[i + 1]]` are node `i`'s children, in scenario order.
    pub children: Vec<NodeId>,
    pub child_start: Vec<u32>,
}

impl Model {
    /// Whether `n` is `ancestor` or lies under it.
    pub fn is_within(&self, n: NodeId, ancestor: NodeId) -> bool {
        is_within(&self.nodes, n, ancestor)
    }

    /// Build the child index from the nodes' parent links. `nodes` must be in preorder.
    pub fn new(nodes: Vec<Node>, workloads: Vec<Workload>) -> Model {
        let n = nodes.len();
        let mut counts = vec![0u32; n + 1];
        for node in &nodes {
            if let Some(p) = node.parent {
                counts[p.0 as usize + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let child_start = counts.clone();
        let mut fill = counts;
        let mut children = vec![NodeId(0); n];
        for (i, node) in nodes.iter().enumerate() {
            if let Some(p) = node.parent {
                let slot = &mut fill[p.0 as usize];
                children[*slot as usize] = NodeId(i as u32);
                *slot += 1;
            }
        }
        children.truncate(child_start[n] as usize);
        Model {
            nodes,
            workloads,
            children,
            child_start,
        }
    }

    pub fn children(&self, node: NodeId) -> &[NodeId] {
        let i = node.0 as usize;
        &self.children[self.child_start[i] as usize..self.child_start[i + 1] as usize]
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    pub fn max_children(&self) -> usize {
        self.child_start
            .windows(2)
            .map(|w| (w[1] - w[0]) as usize)
            .max()
            .unwrap_or(0)
    }
}

/// Whether `n` is `ancestor` or lies under it, in a tree still being built.
pub fn is_within(nodes: &[Node], n: NodeId, ancestor: NodeId) -> bool {
    let mut at = Some(n);
    while let Some(x) = at {
        if x == ancestor {
            return true;
        }
        at = nodes[x.0 as usize].parent;
    }
    false
}
