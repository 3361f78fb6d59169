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

use super::{Model, NodeId, NodeKind};

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

/// Prepare one VM host's split among its guests, in place, before the weighted fair share:
/// returns the capacity the guests share (the host's less its hypervisor's fraction) and caps
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
    left * (1.0 - f)
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
}
