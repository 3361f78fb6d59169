//! The fluid model's structure and arithmetic: which nodes share capacity with which, and the
//! exact solution of a constant-input span.
//!
//! A node's capacity either does not depend on what anything needs (*static*: a server's
//! active cores, a fixed reservation under a static parent) or does (*dynamic*: an elastic
//! share — a VM guest's entitlement-weighted share, an FSS group's — and a fixed reservation
//! under such a share, squeezed when its parent gets less than its children reserve). A
//! **pool** is a static node with the dynamic nodes below it: everything whose rates one
//! static grant decides. Pools are the unit of integration: between two changes of a pool's
//! inputs (demand, grant, members) its rates change only when a queue empties, so a span of
//! any length is solved exactly, piece by piece ([`solve_pool`]); integrating a pool more or
//! less often changes nothing but rounding. A *simple* pool is a static leaf and its
//! workloads: the common case, solved by [`solve_leaf`].
//!
//! Must not know: time, events, records, managers. Rates are in reference cores, amounts in
//! core-milliseconds, durations in milliseconds.

use crate::model::{Model, share::weighted_fair_share, vcpu};
use std::ops::Range;

/// No index.
pub const NONE: u32 = u32::MAX;

/// How a node obtains its capacity during the run (after workload managers deployed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// A server, or a fixed reservation under a static parent: known without solving.
    Static,
    /// A fixed reservation under a dynamic parent: squeezed with its parent.
    DynamicFixed,
    /// A weighted, work-conserving share of what its parent has left.
    Elastic,
}

/// A static node and the dynamic nodes under it.
#[derive(Debug, Clone)]
pub struct Pool {
    pub root: u32,
    /// Its nodes, root first, in preorder: `Tree::pool_nodes[nodes]`.
    pub nodes: Range<u32>,
    /// The pricing index of its server, for the meters (NONE without one).
    pub server: u32,
    /// Static compartments at or above the root, which observe what it serves:
    /// `Tree::observers[observers]`.
    pub observers: Range<u32>,
    /// Only the root, a leaf: its workloads share a static grant.
    pub simple: bool,
}

/// The run's view of the partition tree: feeds, pools and subtrees.
#[derive(Debug, Clone)]
pub struct Tree {
    pub parent: Vec<u32>,
    /// Node n's subtree is the preorder range `n..end[n]`.
    pub end: Vec<u32>,
    pub feed: Vec<Feed>,
    /// The pool a node belongs to (NONE for static nodes without one).
    pub pool_of: Vec<u32>,
    pub pools: Vec<Pool>,
    pub pool_nodes: Vec<u32>,
    pub observers: Vec<u32>,
    /// `pools_from[n]`: the first pool whose root is at or after node n in preorder (one more
    /// slot than nodes), so the pools rooted in a subtree are a range.
    pub pools_from: Vec<u32>,
    /// Compartments of a workload manager (gWLM domain member or WLM group).
    pub compartment: Vec<bool>,
    /// Whether a node has children (workloads only run in nodes without).
    pub inner: Vec<bool>,
    /// Each pool's root, apart from the rest of [`Pool`]: what a node's totals read, for
    /// every node at every interval.
    pub roots: Vec<u32>,
    /// Each node's [`Tree::region`], worked out once: the run asks it millions of times.
    regions: Vec<(u32, u32)>,
}

impl Tree {
    /// `weight[i] > 0` marks an elastic node (after managers turned their compartments into
    /// fixed ones); `server_pricing[n]` is the pricing index of server node n (NONE else).
    pub fn new(
        model: &Model,
        weight: &[f64],
        compartment: Vec<bool>,
        server_pricing: &[u32],
    ) -> Tree {
        let nn = model.nodes.len();
        let parent: Vec<u32> = model
            .nodes
            .iter()
            .map(|n| n.parent.map_or(NONE, |p| p.0))
            .collect();
        let mut end: Vec<u32> = (1..=nn as u32).collect();
        for i in (0..nn).rev() {
            if parent[i] != NONE {
                let p = parent[i] as usize;
                end[p] = end[p].max(end[i]);
            }
        }
        let mut feed = vec![Feed::Static; nn];
        for i in 0..nn {
            feed[i] = match parent[i] {
                NONE => Feed::Static,
                _ if weight[i] > 0.0 => Feed::Elastic,
                p if feed[p as usize] == Feed::Static => Feed::Static,
                _ => Feed::DynamicFixed,
            };
        }
        let inner: Vec<bool> = (0..nn).map(|i| end[i] as usize > i + 1).collect();
        // A static leaf holds (or may receive) workloads; a static node with a dynamic child
        // shares among them.
        let mut tree = Tree {
            parent,
            end,
            feed,
            pool_of: vec![NONE; nn],
            pools: Vec::new(),
            pool_nodes: Vec::new(),
            observers: Vec::new(),
            pools_from: vec![0; nn + 1],
            compartment,
            inner,
            roots: Vec::new(),
            regions: Vec::new(),
        };
        for s in 0..nn {
            tree.pools_from[s] = tree.pools.len() as u32;
            if tree.feed[s] != Feed::Static {
                continue;
            }
            let dynamic_child = model
                .children(crate::model::NodeId(s as u32))
                .iter()
                .any(|c| tree.feed[c.0 as usize] != Feed::Static);
            if tree.inner[s] && !dynamic_child {
                continue;
            }
            let p = tree.pools.len() as u32;
            let first = tree.pool_nodes.len() as u32;
            tree.pool_nodes.push(s as u32);
            tree.pool_of[s] = p;
            // The dynamic nodes whose nearest static ancestor is s: a dynamic node's parent is
            // in the same pool, so one preorder pass finds them.
            for m in s + 1..tree.end[s] as usize {
                if tree.feed[m] != Feed::Static && tree.pool_of[tree.parent[m] as usize] == p {
                    tree.pool_of[m] = p;
                    tree.pool_nodes.push(m as u32);
                }
            }
            let obs_first = tree.observers.len() as u32;
            let mut at = s as u32;
            while at != NONE {
                if tree.compartment[at as usize] {
                    tree.observers.push(at);
                }
                at = tree.parent[at as usize];
            }
            let server = model.nodes[s].server.0 as usize;
            tree.pools.push(Pool {
                root: s as u32,
                nodes: first..tree.pool_nodes.len() as u32,
                server: server_pricing[server],
                observers: obs_first..tree.observers.len() as u32,
                simple: !tree.inner[s],
            });
        }
        tree.pools_from[nn] = tree.pools.len() as u32;
        tree.roots = tree.pools.iter().map(|p| p.root).collect();
        tree.regions = (0..nn)
            .map(|n| {
                if tree.feed[n] == Feed::Static {
                    (tree.pools_from[n], tree.pools_from[tree.end[n] as usize])
                } else {
                    (tree.pool_of[n], tree.pool_of[n].saturating_add(1))
                }
            })
            .collect();
        tree
    }

    /// The roots of the pools whose integration brings node `n` up to date ([`Tree::region`]).
    pub fn roots_of(&self, n: usize) -> &[u32] {
        let r = self.region(n);
        &self.roots[r]
    }

    /// The pools whose integration brings everything at or under node `n` up to date: those
    /// rooted in its subtree, or (for a dynamic node) its own.
    #[inline]
    pub fn region(&self, n: usize) -> Range<usize> {
        let (first, end) = self.regions[n];
        first as usize..end as usize
    }

    pub fn nodes_of(&self, p: usize) -> &[u32] {
        let r = &self.pools[p].nodes;
        &self.pool_nodes[r.start as usize..r.end as usize]
    }

    pub fn observers_of(&self, p: usize) -> &[u32] {
        let r = &self.pools[p].observers;
        &self.observers[r.start as usize..r.end as usize]
    }
}

/// Static grants of the static nodes in the preorder range `nodes` [reference cores]:
/// a server's active cores less those lost to failures; a reservation, squeezed in
/// proportion when the parent holds less than its fixed children reserve (only while a
/// nested manager has not yet followed its parent's shrink); nothing while down.
/// `squeeze` is scratch indexed by node; parents outside the range must be up to date.
#[allow(clippy::too_many_arguments)]
pub fn static_grants(
    model: &Model,
    tree: &Tree,
    nodes: Range<usize>,
    fixed: &[f64],
    weight: &[f64],
    lost_cores: &[f64],
    down: &[bool],
    grant: &mut [f64],
    squeeze: &mut [f64],
) {
    for i in nodes {
        if tree.feed[i] != Feed::Static {
            continue;
        }
        grant[i] = if down[i] {
            0.0
        } else {
            match tree.parent[i] {
                NONE => (fixed[i] - lost_cores[i] * model.nodes[i].speed).max(0.0),
                p => fixed[i] * squeeze[p as usize],
            }
        };
        if tree.inner[i] {
            squeeze[i] = squeeze_of(model, i, grant[i], fixed, weight);
        }
    }
}

/// The factor a node's fixed children get of their reservations when it holds `rate` (less
/// a VM host's hypervisor overhead, [`vcpu::guests_rate`]).
pub fn squeeze_of(model: &Model, i: usize, rate: f64, fixed: &[f64], weight: &[f64]) -> f64 {
    let rate = vcpu::guests_rate(model, i, rate);
    let reserved: f64 = model
        .children(crate::model::NodeId(i as u32))
        .iter()
        .map(|c| c.0 as usize)
        .filter(|&c| weight[c] <= 0.0)
        .map(|c| fixed[c])
        .sum();
    if reserved > rate {
        rate / reserved
    } else {
        1.0
    }
}

/// What a span did to one workload.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Outcome {
    pub served: f64,
    pub dropped: f64,
    /// Backlog at the span's end [core-ms] (0 for `drop` workloads).
    pub backlog: f64,
    /// Work served out of a queue (later than it arrived).
    pub delayed: f64,
    /// Time with a non-empty queue [ms]: a prefix of the span.
    pub busy_ms: f64,
    /// Time not all of its demand was served as it arrived [ms]: a prefix of the span.
    pub unmet_ms: f64,
}

/// One workload's inputs for a span.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    /// Demand rate [reference cores].
    pub demand: f64,
    /// Backlog at the span's start [core-ms].
    pub backlog: f64,
    pub drop: bool,
    /// A package's workload that is failing over asks for nothing.
    pub running: bool,
}

/// Share a static leaf's `rate` [reference cores] among its `members` for `dt` ms, in equal
/// max-min shares (one scheduling entity each, like FSS groups of equal shares): a workload
/// that needs less than an equal share leaves the rest to the others, and a deep backlog
/// cannot crowd out a neighbour's current demand.
///
/// Within the span each queue is solved exactly: with arrival rate d and service rate r it
/// grows at d − r, or drains and empties at t* = b₀/(r − d), after which demand is served as
/// it arrives. With a queue at the start and company, shares change when a queue empties, so
/// the span is solved in phases (shares over whole-span amounts would credit a neighbour with
/// capacity that frees up only later). Results go to `out[j]`.
pub fn solve_leaf(members: &[Member], rate: f64, dt: f64, s: &mut Scratch, out: &mut [Outcome]) {
    let k = members.len();
    let phased = k > 1
        && members
            .iter()
            .any(|m| m.running && m.backlog > 0.0 && !m.drop);
    if phased {
        share_in_phases(members, rate, dt, s, out);
        return;
    }
    for (j, m) in members.iter().enumerate() {
        s.wants[j] = if m.running {
            m.demand * dt + m.backlog
        } else {
            0.0
        };
    }
    let grant = rate * dt;
    let level = weighted_fair_share(grant, &s.wants[..k], &s.ones[..k], &mut s.grants[..k]);
    let need_total: f64 = s.wants[..k].iter().sum();
    let spare = if level.is_finite() {
        0.0
    } else {
        (grant - need_total).max(0.0)
    };
    for (j, m) in members.iter().enumerate() {
        let d = m.demand;
        let b0 = m.backlog;
        let need = d * dt + b0;
        let served = s.grants[j].min(need);
        let short = need - served;
        // The service rate it was offered [cores·ms per ms]: its equal share when the leaf was
        // contended, else everything the others left.
        let offered = if level.is_finite() {
            level / dt
        } else {
            (need + spare) / dt
        };
        out[j] = if m.drop {
            // Rates are constant in the span: short means short throughout.
            Outcome {
                served,
                dropped: short,
                unmet_ms: if short > 0.0 { dt } else { 0.0 },
                ..Outcome::default()
            }
        } else if short > 0.0 {
            // The queue never empties: all work served waited.
            Outcome {
                served,
                backlog: short,
                delayed: served,
                busy_ms: dt,
                unmet_ms: dt,
                ..Outcome::default()
            }
        } else if b0 > 0.0 {
            // The queue empties at t*; work arriving before then waited too.
            let t_empty = (b0 / (offered - d)).min(dt);
            Outcome {
                served,
                delayed: b0 + d * t_empty,
                busy_ms: t_empty,
                unmet_ms: t_empty,
                ..Outcome::default()
            }
        } else {
            Outcome {
                served,
                ..Outcome::default()
            }
        };
    }
}

/// Buffers for the solvers, sized to the most workloads a pool may hold.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    pub wants: Vec<f64>,
    pub grants: Vec<f64>,
    pub ones: Vec<f64>,
    pub backlog: Vec<f64>,
    pub rates: Vec<f64>,
    pub weights: Vec<f64>,
    pub caps: Vec<f64>,
    pub slots: Vec<u32>,
}

impl Scratch {
    pub fn new(n: usize) -> Self {
        Scratch {
            wants: vec![0.0; n],
            grants: vec![0.0; n],
            ones: vec![1.0; n],
            backlog: vec![0.0; n],
            rates: vec![0.0; n],
            weights: vec![0.0; n],
            caps: vec![0.0; n],
            slots: vec![0; n],
        }
    }
}

/// [`solve_leaf`] in phases: within a phase every rate is constant; a queued `delay`
/// workload takes all the share it is offered (its want is unbounded), the others want their
/// demand; a phase ends when a queue empties.
fn share_in_phases(members: &[Member], rate: f64, dt: f64, s: &mut Scratch, out: &mut [Outcome]) {
    let k = members.len();
    for (j, m) in members.iter().enumerate() {
        out[j] = Outcome::default();
        s.backlog[j] = m.backlog;
    }
    let mut t = 0.0;
    // At most one phase per queue that empties, plus the last.
    for _ in 0..=k {
        if t >= dt {
            break;
        }
        for (j, m) in members.iter().enumerate() {
            s.wants[j] = if !m.running {
                0.0
            } else if !m.drop && s.backlog[j] > 0.0 {
                rate
            } else {
                m.demand
            };
        }
        weighted_fair_share(rate, &s.wants[..k], &s.ones[..k], &mut s.rates[..k]);
        let tau = phase_length(members, &s.rates[..k], &s.backlog[..k], dt - t);
        advance_phase(members, &s.rates[..k], &mut s.backlog[..k], tau, out);
        t += tau;
        if tau <= 0.0 {
            break;
        }
    }
    for (j, m) in members.iter().enumerate() {
        if !m.drop {
            out[j].backlog = s.backlog[j];
        }
    }
}

/// A phase lasts until the first queue that drains empties, or `left` ms.
fn phase_length(members: &[Member], rates: &[f64], backlog: &[f64], left: f64) -> f64 {
    let mut tau = left;
    for (j, m) in members.iter().enumerate() {
        let (r, d, b) = (rates[j], m.demand, backlog[j]);
        if b > 0.0 && r > d {
            tau = tau.min(b / (r - d));
        }
    }
    tau
}

/// Serve every member at its rate for `tau` ms.
fn advance_phase(
    members: &[Member],
    rates: &[f64],
    backlog: &mut [f64],
    tau: f64,
    out: &mut [Outcome],
) {
    for (j, m) in members.iter().enumerate() {
        let (r, d, b) = (rates[j], m.demand, backlog[j]);
        let o = &mut out[j];
        o.served += r * tau;
        if m.drop {
            let lost = (d - r).max(0.0) * tau;
            o.dropped += lost;
            if lost > 0.0 {
                o.unmet_ms += tau;
            }
        } else {
            let after = b + (d - r) * tau;
            // A queue that drains in this phase empties exactly at its end.
            let after = if b > 0.0 && r > d && after <= b * 1e-12 {
                0.0
            } else {
                after.max(0.0)
            };
            if b > 0.0 || after > 0.0 {
                o.delayed += r * tau;
                o.busy_ms += tau;
                o.unmet_ms += tau;
            }
            backlog[j] = after;
        }
    }
}

/// What a span did to one node of a pool besides its workloads: the capacity it was offered
/// (its weighted share under contention, or its share plus the spare when nobody was short)
/// [core-ms].
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeSpan {
    pub offered: f64,
}

/// The inputs of a pool's non-simple solution.
pub struct PoolView<'a> {
    pub model: &'a Model,
    pub tree: &'a Tree,
    pub pool: usize,
    /// The root's static grant [reference cores].
    pub root_rate: f64,
    pub fixed: &'a [f64],
    pub weight: &'a [f64],
    pub max: &'a [f64],
    pub down: &'a [bool],
    /// Per pool node (in `Tree::nodes_of` order): its workloads' slots in `members`.
    pub leaf_members: &'a [Range<usize>],
    pub members: &'a [Member],
}

/// Solve a pool with dynamic nodes for `dt` ms in phases: wants go up (a queued `delay`
/// workload wants all it can get, the others their demand; a node wants what its children
/// want, up to its maximum), rates go down (fixed children their reservation, squeezed when
/// the parent holds less than they reserve; elastic children a weighted max-min share of the
/// rest; a leaf's workloads equal max-min shares), and a phase ends when a queue empties.
/// Results: `out[slot]` per workload, `spans[k]` per pool node (its offered capacity).
pub fn solve_pool(
    v: &PoolView,
    dt: f64,
    s: &mut PoolScratch,
    out: &mut [Outcome],
    spans: &mut [NodeSpan],
) {
    let nodes = v.tree.nodes_of(v.pool);
    let nm = v.members.len();
    s.grow(nodes.len(), nm);
    for (j, m) in v.members.iter().enumerate() {
        out[j] = Outcome::default();
        s.backlog[j] = m.backlog;
    }
    for sp in spans.iter_mut().take(nodes.len()) {
        *sp = NodeSpan::default();
    }
    let mut t = 0.0;
    for _ in 0..=nm {
        if t >= dt {
            break;
        }
        // Wants, bottom-up. A queued workload's want is unbounded.
        for (j, m) in v.members.iter().enumerate() {
            s.member_want[j] = if !m.running {
                0.0
            } else if !m.drop && s.backlog[j] > 0.0 {
                f64::INFINITY
            } else {
                m.demand
            };
        }
        for k in 0..nodes.len() {
            s.need[k] = s.member_want[v.leaf_members[k].clone()].iter().sum();
        }
        for k in (1..nodes.len()).rev() {
            let n = nodes[k] as usize;
            // Children in the pool follow their parent in `nodes`; add each to its parent.
            if !v.down[n] {
                let p = v.tree.parent[n];
                let pk = nodes[..k].iter().rposition(|&x| x == p).unwrap_or(0);
                s.need[pk] += s.need[k].min(v.max[n]);
            }
        }
        // Rates, top-down.
        s.rate[0] = v.root_rate;
        for k in 0..nodes.len() {
            let n = nodes[k] as usize;
            let r = s.rate[k];
            let kids = v.model.children(crate::model::NodeId(n as u32));
            if !kids.is_empty() {
                let squeeze = squeeze_of(v.model, n, r, v.fixed, v.weight);
                let mut left = vcpu::guests_rate(v.model, n, r);
                let mut e = 0;
                for c in kids {
                    let c = c.0 as usize;
                    if v.weight[c] <= 0.0 {
                        left -= v.fixed[c] * squeeze;
                        if let Some(ck) = position(nodes, k, c) {
                            s.rate[ck] = if v.down[c] { 0.0 } else { v.fixed[c] * squeeze };
                        }
                    } else if let Some(ck) = position(nodes, k, c) {
                        if v.down[c] {
                            s.rate[ck] = 0.0;
                            s.offer[ck] = 0.0;
                        } else {
                            s.caps[e] = s.need[ck].min(v.max[c]);
                            s.weights[e] = v.weight[c];
                            s.slot[e] = ck as u32;
                            e += 1;
                        }
                    }
                }
                let left = left.max(0.0);
                if e > 0 {
                    let slot = &s.slot;
                    let left = vcpu::host_share(
                        v.model,
                        n,
                        left,
                        |x| nodes[slot[x] as usize] as usize,
                        &mut s.caps[..e],
                        &s.weights[..e],
                        &mut s.grants[..e],
                    );
                    let level = weighted_fair_share(
                        left,
                        &s.caps[..e],
                        &s.weights[..e],
                        &mut s.grants[..e],
                    );
                    let spare = (left - s.grants[..e].iter().sum::<f64>()).max(0.0);
                    for x in 0..e {
                        let ck = s.slot[x] as usize;
                        let c = nodes[ck] as usize;
                        s.rate[ck] = s.grants[x];
                        let could = if level.is_finite() {
                            level * v.weight[c]
                        } else {
                            s.grants[x] + spare
                        };
                        s.offer[ck] = could.min(v.max[c]).max(s.grants[x]);
                    }
                }
            }
            let range = v.leaf_members[k].clone();
            if !range.is_empty() {
                let w = range.len();
                for (x, j) in range.clone().enumerate() {
                    s.caps[x] = s.member_want[j].min(r);
                }
                weighted_fair_share(r, &s.caps[..w], &s.ones[..w], &mut s.grants[..w]);
                s.member_rate[range.clone()].copy_from_slice(&s.grants[..w]);
            }
        }
        let tau = phase_length(v.members, &s.member_rate[..nm], &s.backlog[..nm], dt - t);
        advance_phase(
            v.members,
            &s.member_rate[..nm],
            &mut s.backlog[..nm],
            tau,
            out,
        );
        for k in 1..nodes.len() {
            let n = nodes[k] as usize;
            let offered = if v.weight[n] > 0.0 {
                s.offer[k]
            } else {
                s.rate[k]
            };
            spans[k].offered += offered * tau;
        }
        t += tau;
        if tau <= 0.0 {
            break;
        }
    }
    for (j, m) in v.members.iter().enumerate() {
        if !m.drop {
            out[j].backlog = s.backlog[j];
        }
    }
}

/// The slot of node `c`, a child of `nodes[k]`, among the pool's nodes (after k).
fn position(nodes: &[u32], k: usize, c: usize) -> Option<usize> {
    nodes[k + 1..]
        .iter()
        .position(|&x| x as usize == c)
        .map(|p| p + k + 1)
}

/// Buffers for [`solve_pool`].
#[derive(Debug, Clone, Default)]
pub struct PoolScratch {
    need: Vec<f64>,
    rate: Vec<f64>,
    offer: Vec<f64>,
    caps: Vec<f64>,
    weights: Vec<f64>,
    grants: Vec<f64>,
    ones: Vec<f64>,
    slot: Vec<u32>,
    member_want: Vec<f64>,
    member_rate: Vec<f64>,
    backlog: Vec<f64>,
}

impl PoolScratch {
    fn grow(&mut self, nodes: usize, members: usize) {
        let n = nodes.max(members) + 1;
        if self.need.len() < n {
            for v in [
                &mut self.need,
                &mut self.rate,
                &mut self.offer,
                &mut self.caps,
                &mut self.weights,
                &mut self.grants,
                &mut self.member_want,
                &mut self.member_rate,
                &mut self.backlog,
            ] {
                v.resize(n, 0.0);
            }
            self.ones.resize(n, 1.0);
            self.slot.resize(n, 0);
        }
    }
}
