//! What an Integrity VM host costs its guests beyond their own demand, and what the
//! distinct-pCPU rule lets a guest take: pure arithmetic the scenario compiler and both
//! integrators (the lazy core and the eager oracle) share, so they cannot disagree.
//!
//! - **Memory** [IV4]: each guest costs its host `vCPUs × guest memory × 0.4 % + 64 MB`
//!   beyond the guest's own memory (V6.3 administrator guide, §5.5.2).
//! - **CPU**: the hypervisor consumes a fraction of every core of the host (HP publishes no
//!   figure: DOMAIN.md §1 table, "CPU overhead % not published"), so the guests share
//!   `cores × (1 − overhead)`.
//! - **Distinct pCPUs** [IV6][IV7]: each vCPU of one guest runs on its own physical core,
//!   so a guest cannot pack two of its vCPUs on one core, and a narrow guest's vCPUs share
//!   their cores with whatever wider guests must place there.
//!
//! Must not know: time, events, records, files.

use super::{Model, Node, NodeId, NodeKind, Share};

/// HP's worked example counts 0.4 % of a GB as 4 MB (16 GB × 4 vCPUs × 0.4 % = 256 MB, +64 MB
/// = 320 MB); kept so the documented figure is what the model computes (0.4 % of 1024 MB
/// would add 2 %, well inside a formula the guide calls "a rough estimation").
const OVERHEAD_MB_PER_GB_VCPU: f64 = 4.0;
/// The fixed part of each guest's overhead [MB].
const OVERHEAD_BASE_MB: f64 = 64.0;
/// Binary megabytes per GiB: the overhead is added to memory held in GiB.
const MB_PER_GIB: f64 = 1024.0;

/// The fraction of each core an Integrity VM host's hypervisor consumes when a scenario gives
/// none. Zero: HP publishes no figure, and its sizing guide says the FSS-based scheduler "adds
/// very little overhead to CPU-intensive workloads" while I/O virtualization costs more
/// (System Sizing Guidelines for Integrity VM, p. 10). A planner who measured their hosts
/// (host CPU not attributed to any guest) states it per host with `vm_cpu_overhead`.
pub const DEFAULT_CPU_OVERHEAD: f64 = 0.0;

/// The largest `vm_cpu_overhead` accepted: a hypervisor eating half of every core is a typo.
pub const MAX_CPU_OVERHEAD: f64 = 0.5;

/// The memory a host holds for one guest beyond the guest's own [MB] (IV4): 4 vCPUs and
/// 16 GB → 320 MB. A guest without memory configured is not memory-modelled: 0.
pub fn memory_overhead_mb(vcpus: u32, guest_memory_gb: f64) -> f64 {
    if guest_memory_gb <= 0.0 {
        return 0.0;
    }
    f64::from(vcpus) * guest_memory_gb * OVERHEAD_MB_PER_GB_VCPU + OVERHEAD_BASE_MB
}

/// [`memory_overhead_mb`] in GiB, the unit held memory is summed in.
pub fn memory_overhead_gb(vcpus: u32, guest_memory_gb: f64) -> f64 {
    memory_overhead_mb(vcpus, guest_memory_gb) / MB_PER_GIB
}

/// The most guest `g` can run [physical cores] when the other guests on its host hold
/// `held[y]` of a core on each of their vCPUs, by the distinct-pCPU rule (DOMAIN.md IV6/IV7):
///
/// `cap_g = v_g × (1 − f) − Σ_{y ≠ g} max(0, v_y + v_g − P) × held_y`
///
/// with `P` the host's cores, `v` vCPU counts and `f` the hypervisor's fraction of each core.
/// Why: g's vCPUs sit on `v_g` distinct cores, and a guest y can put at most `P − v_g` of its
/// own vCPUs on the other cores, so at least `v_y + v_g − P` of them share cores with g; on
/// each of those y holds what it is guaranteed and uses. A guest as wide as the host
/// (`v_y = P`) is on every one of g's cores: a 4-vCPU guest at 25 % on 4 cores leaves a
/// 1-vCPU guest 1 − 0.25 = 0.75 of a core. The bound is per guest y and adds up, since each
/// y's forced overlap is independent of the others'; guests whose vCPUs fit beside g's
/// (`v_y + v_g ≤ P`) take nothing from it.
pub fn distinct_pcpu_cap(
    host_cores: u32,
    overhead: f64,
    vcpus: &[u32],
    held: &[f64],
    g: usize,
) -> f64 {
    let others = (0..vcpus.len())
        .filter(|&y| y != g)
        .map(|y| (vcpus[y], held[y]));
    cap_of(host_cores, overhead, vcpus[g], others)
}

/// [`distinct_pcpu_cap`] over the other guests' `(vCPUs, held per vCPU)`, without a buffer.
fn cap_of(
    host_cores: u32,
    overhead: f64,
    vg: u32,
    others: impl Iterator<Item = (u32, f64)>,
) -> f64 {
    let p = f64::from(host_cores);
    let vg = f64::from(vg);
    let forced: f64 = others
        .map(|(vy, h)| (f64::from(vy) + vg - p).max(0.0) * h)
        .sum();
    (vg * (1.0 - overhead) - forced).max(0.0)
}

/// What a host's children share of its `rate`: all of it, but on an Integrity VM host
/// `rate × (1 − vm_cpu_overhead)`, the hypervisor's fraction of every core taken first, so
/// guests held at a gWLM allocation (fixed shares) are squeezed by it as entitled guests
/// (weighted shares) are. A multiplication by 1 for every other node: no branch, same bits.
#[inline]
pub fn guests_rate(model: &Model, host: usize, rate: f64) -> f64 {
    rate * (1.0 - model.nodes[host].vm_cpu_overhead)
}

/// Prepare one VM host's split among its guests, in place, before the weighted fair share:
/// returns the capacity the guests share (`left`, already net of the hypervisor's fraction
/// by [`guests_rate`]) and caps
/// each guest's claim `caps[x]` [reference cores] by [`distinct_pcpu_cap`]. `guest(x)` is the
/// node of claim `x`, `weights[x]` its entitlement [reference cores]; `scratch` (as long as
/// `caps`) is overwritten. A guest with work holds its entitlement on each vCPU; an idle one
/// nothing (its cores are the others'). Not "its claim if less": a queued guest claims
/// everything, an unqueued one its demand, so that choice would change with where a run is
/// cut, and the lazy core and the oracle cut differently; whether a guest has work changes
/// only where both re-solve.
/// Parents that host no VM guests are returned unchanged, at the cost of one comparison.
pub fn host_share(
    model: &Model,
    host: usize,
    left: f64,
    guest: impl Fn(usize) -> usize,
    caps: &mut [f64],
    weights: &[f64],
    scratch: &mut [f64],
) -> f64 {
    if caps.is_empty() || model.nodes[guest(0)].kind != NodeKind::Vm {
        return left;
    }
    let h = model.node(NodeId(host as u32));
    let f = h.vm_cpu_overhead;
    let p = h.cores;
    let speed = h.speed;
    // Per-vCPU held fraction of a core, and the widest guest: when no two guests' vCPUs must
    // meet (every pair fits side by side) and there is no overhead, nothing is capped.
    let mut widest = (0u32, 0u32);
    for x in 0..caps.len() {
        let n = &model.nodes[guest(x)];
        let v = f64::from(n.cores.max(1));
        scratch[x] = if caps[x] > 0.0 {
            weights[x] / speed / v
        } else {
            0.0
        };
        let c = n.cores;
        if c > widest.0 {
            widest = (c, widest.0);
        } else if c > widest.1 {
            widest.1 = c;
        }
    }
    if f <= 0.0 && widest.0 + widest.1 <= p {
        return left;
    }
    for x in 0..caps.len() {
        let others = (0..caps.len())
            .filter(|&y| y != x)
            .map(|y| (model.nodes[guest(y)].cores, scratch[y]));
        let cap = cap_of(p, f, model.nodes[guest(x)].cores, others) * speed;
        if caps[x] > cap {
            caps[x] = cap;
        }
    }
    left
}

/// Whether a host's guests can all start, by the distinct-pCPU rule (DOMAIN.md IV6/IV7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A placement exists: every vCPU on its own core of its guest, no core entitled past 100 %.
    Fits,
    /// No placement exists: the search covered every distinct one.
    Cannot,
    /// The search gave up within its budget (a host far larger and more crowded than Integrity
    /// VM's 32-vCPU guests make likely); the set is let through, as before this rule.
    Unknown,
}

/// The VM guests a gWLM domain allocates to, seen as the distinct-pCPU rule sees them: the
/// host's cores, each compartment's vCPUs and least allocation, and the host's other guests
/// (they keep their entitlements). What `policy::gwlm::placeable` needs to keep an
/// allocation set startable [IV6][IV7].
#[derive(Debug, Clone)]
pub struct DomainGuests {
    pub cores: u32,
    /// Per compartment: its vCPUs, and the least it may be allocated by its partition
    /// (`min_cores`) [cores].
    pub vcpus: Vec<u32>,
    pub floor: Vec<f64>,
    /// Guests of the host outside the domain: (vCPUs, entitled fraction of a core per vCPU).
    pub others: Vec<(u32, f64)>,
    /// The set handed to [`placement`], rebuilt at each test.
    pub rows: Vec<(u32, f64)>,
}

impl DomainGuests {
    /// `None` unless every member of the domain on `host` is a VM guest: a domain of vPars,
    /// nPars or PRM groups never pays for the rule.
    pub fn of(model: &Model, host: NodeId, members: &[NodeId]) -> Option<Self> {
        Self::among(&model.nodes, host, model.children(host), members)
    }

    /// [`DomainGuests::of`] from the nodes and the host's children, before a [`Model`] is
    /// built (validation).
    pub fn among(
        nodes: &[Node],
        host: NodeId,
        kids: &[NodeId],
        members: &[NodeId],
    ) -> Option<Self> {
        let node = |k: NodeId| &nodes[k.0 as usize];
        let vm = |k: NodeId| node(k).kind == NodeKind::Vm;
        if members.is_empty() || !members.iter().all(|&m| vm(m)) {
            return None;
        }
        let per_vcpu = |k: NodeId, cores: f64| {
            let n = node(k);
            (n.cores.max(1), cores / n.speed / f64::from(n.cores.max(1)))
        };
        let others = kids
            .iter()
            .filter(|&&k| vm(k) && !members.contains(&k))
            .map(|&k| match node(k).share {
                Share::Elastic { weight, .. } => per_vcpu(k, weight),
                Share::Fixed { capacity } | Share::Root { capacity } => per_vcpu(k, capacity),
            })
            .collect();
        Some(DomainGuests {
            cores: node(host).cores,
            vcpus: members.iter().map(|&m| node(m).cores.max(1)).collect(),
            floor: members.iter().map(|&m| node(m).min_cores).collect(),
            others,
            rows: Vec::new(),
        })
    }

    /// Whether the compartments allocated `alloc(j)` cores each, beside the other guests,
    /// can all start ([`Placement::Unknown`] counts as yes, as at validation).
    pub fn places(&mut self, alloc: impl Fn(usize) -> f64) -> bool {
        self.rows.clear();
        self.rows.extend_from_slice(&self.others);
        for (j, &v) in self.vcpus.iter().enumerate() {
            self.rows.push((v, alloc(j) / f64::from(v)));
        }
        placement(self.cores, &self.rows) != Placement::Cannot
    }
}

/// Entitlement units per core: fractions are compared as integers, so cores holding equal
/// loads are recognised as interchangeable (the search's symmetry reduction).
const UNITS: f64 = 1_000_000.0;
/// Search steps before [`placement`] answers [`Placement::Unknown`]: the search is exact
/// and exponential in the worst case; real hosts (a few guests of a few vCPUs) take tens.
const BUDGET: u32 = 50_000;

/// Can guests `(vCPUs, entitled fraction of a core per vCPU)` all start on a host of `cores`?
///
/// The rule [IV6][IV7]: Integrity VM guarantees each vCPU its entitlement on one physical
/// core, and the vCPUs of one guest sit on distinct cores, so the set starts iff its vCPUs
/// can be assigned to cores with each guest's on distinct cores and each core's entitled
/// fractions summing to at most 1. That is bin packing with conflicts (NP-hard in general,
/// Jansen 1999), so this decides it exactly by a depth-first search: guests largest
/// per-vCPU entitlement first, each taking `v` distinct cores among those with room, cores of
/// equal load treated as one class (which of them a guest takes is immaterial), least-loaded
/// first, with states already shown to fail remembered. Neither Σ entitlement ≤ cores nor any
/// pairwise test is enough: 2 vCPUs at 47 % and 3 at 95.6 % on 4 cores sum to 3.81 cores, yet
/// the 3 wide vCPUs leave one core with more than 4.4 % free, and the small guest needs two.
pub fn placement(cores: u32, guests: &[(u32, f64)]) -> Placement {
    let cap = UNITS as u64;
    let mut g: Vec<(u32, u64)> = guests
        .iter()
        .map(|&(v, e)| (v, (e.max(0.0) * UNITS).round() as u64))
        .collect();
    if g.iter().any(|&(v, e)| v > cores || e > cap) {
        return Placement::Cannot;
    }
    g.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    // Rounding each fraction to a unit is off by at most half a unit per vCPU on a core.
    let cap = cap + g.len() as u64;
    let mut suffix = vec![0u64; g.len() + 1];
    for i in (0..g.len()).rev() {
        suffix[i] = suffix[i + 1] + u64::from(g[i].0) * g[i].1;
    }
    let mut s = Search {
        cap,
        guests: g,
        suffix,
        failed: std::collections::HashSet::new(),
        steps: 0,
    };
    // A placement uses at most Σ vCPUs cores, and empty cores are interchangeable: a host of
    // 2^32 cores (a hostile or generated file) searches the few its guests can reach.
    let reach = s
        .guests
        .iter()
        .map(|&(v, _)| u64::from(v))
        .sum::<u64>()
        .min(u64::from(cores));
    match s.place(0, &vec![0; reach as usize]) {
        Some(true) => Placement::Fits,
        Some(false) => Placement::Cannot,
        None => Placement::Unknown,
    }
}

/// The state of [`placement`]'s search; `None` from its methods means over budget.
struct Search {
    cap: u64,
    guests: Vec<(u32, u64)>,
    /// Entitlement still to place from guest `i` on [units].
    suffix: Vec<u64>,
    failed: std::collections::HashSet<(usize, Vec<u64>)>,
    steps: u32,
}

impl Search {
    /// Place guests `i..` on cores holding `loads` (sorted, largest first).
    fn place(&mut self, i: usize, loads: &[u64]) -> Option<bool> {
        if i == self.guests.len() {
            return Some(true);
        }
        self.steps += 1;
        if self.steps > BUDGET {
            return None;
        }
        let free: u64 = loads.iter().map(|&l| self.cap.saturating_sub(l)).sum();
        if free < self.suffix[i] || self.failed.contains(&(i, loads.to_vec())) {
            return Some(false);
        }
        let (v, e) = self.guests[i];
        // Classes of equal load with room for one more vCPU, least loaded first.
        let mut classes: Vec<(u64, u32)> = Vec::new();
        for &l in loads.iter().rev() {
            if l + e > self.cap {
                break;
            }
            match classes.last_mut() {
                Some(c) if c.0 == l => c.1 += 1,
                _ => classes.push((l, 1)),
            }
        }
        let mut take = vec![0u32; classes.len()];
        let r = self.choose(i, loads, &classes, &mut take, 0, v);
        if r == Some(false) {
            self.failed.insert((i, loads.to_vec()));
        }
        r
    }

    /// Choose how many of guest `i`'s `left` vCPUs go to each class from `j` on.
    fn choose(
        &mut self,
        i: usize,
        loads: &[u64],
        classes: &[(u64, u32)],
        take: &mut [u32],
        j: usize,
        left: u32,
    ) -> Option<bool> {
        if left == 0 {
            let e = self.guests[i].1;
            let mut rest = take.to_vec();
            let next_of = |l: u64, rest: &mut [u32]| match classes.iter().position(|c| c.0 == l) {
                Some(c) if rest[c] > 0 => {
                    rest[c] -= 1;
                    l + e
                }
                _ => l,
            };
            let mut next: Vec<u64> = loads.iter().map(|&l| next_of(l, &mut rest)).collect();
            next.sort_unstable_by(|a, b| b.cmp(a));
            return self.place(i + 1, &next);
        }
        if j == classes.len() {
            return Some(false);
        }
        let after: u32 = classes[j + 1..].iter().map(|c| c.1).sum();
        let hi = left.min(classes[j].1);
        let lo = left.saturating_sub(after);
        for t in (lo..=hi).rev() {
            take[j] = t;
            match self.choose(i, loads, classes, take, j + 1, left - t) {
                None => return None,
                Some(true) => return Some(true),
                Some(false) => {}
            }
        }
        take[j] = 0;
        Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IV4's worked example: 4 vCPUs, 16 GB → 4 × 16 × 4 MB + 64 MB = 256 + 64 = 320 MB;
    /// the same guest with 1 vCPU: 64 + 64 = 128 MB (the guide says "~128M").
    #[test]
    fn memory_overhead_is_the_guides_example() {
        assert_eq!(memory_overhead_mb(4, 16.0), 320.0);
        assert_eq!(memory_overhead_mb(1, 16.0), 128.0);
        assert_eq!(memory_overhead_gb(4, 16.0), 320.0 / 1024.0);
        assert_eq!(memory_overhead_mb(4, 0.0), 0.0);
    }

    /// IV6/IV7: a 4-vCPU guest at 25 % beside a 1-vCPU guest on 4 cores: the narrow guest's
    /// core also carries one of the wide guest's vCPUs (4 + 1 − 4 = 1 forced), so it gets at
    /// most 1 − 0.25 = 0.75 of a core; the wide guest, held back by nothing wider, its 4.
    #[test]
    fn a_narrow_guest_beside_a_host_wide_one_gets_what_its_entitlement_leaves() {
        assert_eq!(distinct_pcpu_cap(4, 0.0, &[4, 1], &[0.25, 0.8], 1), 0.75);
        // The wide guest shares one core with the narrow one: 4 − 1 × 0.8 = 3.2.
        assert!((distinct_pcpu_cap(4, 0.0, &[4, 1], &[0.25, 0.8], 0) - 3.2).abs() < 1e-12);
        // Two 2-vCPU guests on 4 cores fit side by side: nothing forced.
        assert_eq!(distinct_pcpu_cap(4, 0.0, &[2, 2], &[0.5, 0.5], 0), 2.0);
        // A 3-vCPU guest at 50 % and a 2-vCPU guest on 4 cores: 3 + 2 − 4 = 1 shared core,
        // so the 2-vCPU guest gets at most 2 − 0.5 = 1.5.
        assert_eq!(distinct_pcpu_cap(4, 0.0, &[3, 2], &[0.5, 0.5], 1), 1.5);
        // With 5 % hypervisor overhead a 4-vCPU guest alone gets 4 × 0.95 = 3.8.
        assert!((distinct_pcpu_cap(4, 0.05, &[4], &[0.25], 0) - 3.8).abs() < 1e-12);
    }

    /// The case (IV6/IV7): a 4-vCPU guest at 25 % on a 4-core host has a vCPU on every
    /// core, so each core has 100 − 25 = 75 % left; a 1-vCPU guest at 80 % cannot start, one
    /// at 75 % can (25 + 75 = 100 % on its core). Σ = 1.00 + 0.80 = 1.80 of 4 cores either way.
    #[test]
    fn a_narrow_guest_cannot_start_beside_a_host_wide_one_that_leaves_it_too_little() {
        assert_eq!(placement(4, &[(4, 0.25), (1, 0.80)]), Placement::Cannot);
        assert_eq!(placement(4, &[(4, 0.25), (1, 0.75)]), Placement::Fits);
    }

    /// 3 vCPUs at 95.6 % take 3 cores, leaving 4.4 % on each; a 2-vCPU guest at 47 % needs 2
    /// distinct cores with 47 % free and finds only the fourth: unplaceable, though Σ = 2.868 +
    /// 0.94 = 3.808 ≤ 4 and neither guest spans the host. At 53 % still only the fourth core
    /// has room: unplaceable too; at 4.4 % it fits exactly (95.6 + 4.4 = 100 %).
    #[test]
    fn neither_the_sum_nor_the_widest_guest_decides_placeability() {
        assert_eq!(placement(4, &[(2, 0.47), (3, 0.956)]), Placement::Cannot);
        assert_eq!(placement(4, &[(2, 0.53), (3, 0.956)]), Placement::Cannot);
        assert_eq!(placement(4, &[(2, 0.044), (3, 0.956)]), Placement::Fits);
        // On 5 cores the small guest has two empty cores: fits.
        assert_eq!(placement(5, &[(2, 0.47), (3, 0.956)]), Placement::Fits);
        // Three 1-vCPU guests at 60 % on 2 cores: Σ = 1.8 ≤ 2, but two share a core (120 %).
        assert_eq!(
            placement(2, &[(1, 0.6), (1, 0.6), (1, 0.6)]),
            Placement::Cannot
        );
        // More entitled than the host has: 2 × 1.0 + 1 × 0.5 on 2 cores.
        assert_eq!(placement(2, &[(2, 1.0), (1, 0.5)]), Placement::Cannot);
        // More vCPUs than cores.
        assert_eq!(placement(2, &[(3, 0.1)]), Placement::Cannot);
    }

    /// Placing each guest on its least-loaded cores (worst fit, largest first) refuses 60, 40,
    /// 40, 30 and 30 % on 2 cores: 60 | 40, 60 | 80, 90 | 80, and the last 30 finds 10 and 20
    /// free. {60, 40} and {40, 30, 30} fit, and the search finds them.
    #[test]
    fn the_search_finds_a_packing_greedy_placement_misses() {
        assert_eq!(
            placement(2, &[(1, 0.6), (1, 0.4), (1, 0.4), (1, 0.3), (1, 0.3)]),
            Placement::Fits
        );
    }

    /// Every small case against brute force: each guest tries every set of `v` distinct cores.
    #[test]
    fn the_search_agrees_with_brute_force_on_small_hosts() {
        fn brute(p: u32, g: &[(u32, u64)], loads: &mut Vec<u64>) -> bool {
            let Some((&(v, e), rest)) = g.split_first() else {
                return true;
            };
            for mask in 0u32..(1 << p) {
                if mask.count_ones() != v {
                    continue;
                }
                let cores: Vec<usize> = (0..p as usize).filter(|c| mask >> c & 1 == 1).collect();
                if cores.iter().any(|&c| loads[c] + e > 100) {
                    continue;
                }
                cores.iter().for_each(|&c| loads[c] += e);
                let ok = brute(p, rest, loads);
                cores.iter().for_each(|&c| loads[c] -= e);
                if ok {
                    return true;
                }
            }
            false
        }
        // A fixed linear congruential stream: the cases are the same on every run.
        let mut x: u64 = 2026;
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let (mut fits, mut cannot) = (0, 0);
        for _ in 0..3000 {
            let p = 1 + next(5) as u32;
            let g: Vec<(u32, u64)> = (0..1 + next(5))
                .map(|_| (1 + next(u64::from(p)) as u32, 5 + next(19) * 5))
                .collect();
            let want = brute(p, &g, &mut vec![0; p as usize]);
            let frac: Vec<(u32, f64)> = g.iter().map(|&(v, e)| (v, e as f64 / 100.0)).collect();
            let got = placement(p, &frac);
            assert_eq!(got == Placement::Fits, want, "{p} cores, {g:?}");
            assert_ne!(got, Placement::Unknown);
            if want { fits += 1 } else { cannot += 1 }
        }
        // Both answers are exercised, not one.
        assert!(fits > 300 && cannot > 300, "{fits} fit, {cannot} cannot");
    }
}
