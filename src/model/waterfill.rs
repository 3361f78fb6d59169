//! The weighted water-fill with floors, caps and weights: the one rule by which a hypervisor's
//! fair-share scheduler, gWLM's arbiter and WLM's arbiter all split what is left among those
//! who want more [WR][W179].
//!
//! Each claimant `i` starts at its floor `x[i]` and rises towards its cap `cap[i]`; with too
//! little to go round, every claimant ends at `clamp(L·w[i], x[i], cap[i])` for one water
//! level `L`, so those left short hold the same amount per unit of weight and nobody loses
//! what it had. PRM's documented example (30/20/50 shares, the 20 % group idle → 37.5 % and
//! 62.5 %) is the case of zero floors.
//!
//! One contract, two solvers for the level `L`, chosen by the caller's floors:
//! - [`rise_from_zero`], all floors zero (fluid sharing, every segment of every run): settle
//!   the claimants whose cap lies below the level and recompute it, O(k) when contention
//!   settles in one pass;
//! - [`rise`], any floors (gWLM's and WLM's arbitration steps): sort the breakpoints `xᵢ/wᵢ`
//!   and `capᵢ/wᵢ` of the piecewise linear `f(L) = Σ clamp(L·wᵢ, xᵢ, capᵢ)` and interpolate on
//!   the piece where `f` reaches its target, O(k log k).
//!
//! Both are on the run's hot path, so neither tests which case it is in; they agree to 1e-12
//! relative on zero floors (property-tested below, with the three implementations they
//! replaced as oracles).
//!
//! Must not know: what the claimants are (guests, compartments, groups), time, units.

/// Raises each `x[i] ≥ 0` towards `cap[i]` (claimants with `cap[i] ≤ x[i]` take no part) using
/// at most `extra`, and returns the water level `L`: infinity when every claimant reaches its
/// cap, 0 when `extra ≤ 0` (or NaN) and nothing is handed out.
///
/// With `Σ (cap[i] − x[i])⁺ ≤ extra + tolerance` everyone reaches their cap (so `tolerance`
/// lets a caller hand out float noise beyond `extra` rather than run the search for it); else
/// every rising claimant ends at `clamp(L·w[i], x[i], cap[i])` with the allocations summing to
/// `Σx + extra`. Weights are `≥ 0`; a claimant of weight 0 rises only when everyone fits.
/// Never lowers an `x[i]`; allocates nothing up to 32 rising claimants. Levels are summed
/// afresh at each breakpoint: a running slope would cancel catastrophically between weights
/// of 10⁻⁹ and 10⁹.
#[inline]
pub fn rise(extra: f64, x: &mut [f64], cap: &[f64], w: &[f64], tolerance: f64) -> f64 {
    debug_assert!(x.len() == cap.len() && x.len() == w.len());
    if extra.is_nan() || extra <= 0.0 {
        return 0.0;
    }
    let mut want = 0.0;
    let mut have = 0.0;
    let mut rising = 0;
    for (a, c) in x.iter().zip(cap) {
        if c > a {
            want += c - a;
            have += a;
            rising += 1;
        }
    }
    if want <= extra + tolerance {
        for (a, c) in x.iter_mut().zip(cap) {
            *a = a.max(*c);
        }
        return f64::INFINITY;
    }
    by_breakpoints(extra, have, rising, x, cap, w)
}

/// [`rise`] from floors of zero, caps `cap[i] ≥ 0`: writes each claimant's grant into `x`
/// (its value on entry is not read) and returns the level, or infinity when every cap is met
/// or only claimants of weight 0 are left short (they get 0). `extra` NaN or negative counts
/// as 0.
///
/// The level is what is left over the weight of those not yet settled; everyone whose cap
/// lies below it settles at its cap, and the level is recomputed until nobody settles. O(k²)
/// in the worst case, O(k) when contention settles in one pass, which is the common case;
/// allocates nothing.
pub fn rise_from_zero(extra: f64, x: &mut [f64], cap: &[f64], w: &[f64]) -> f64 {
    debug_assert!(x.len() == cap.len() && x.len() == w.len());
    let total: f64 = cap.iter().sum();
    if total <= extra {
        x.copy_from_slice(cap);
        return f64::INFINITY;
    }
    // A negative grant marks a claimant whose share is not settled yet.
    x.fill(-1.0);
    let mut remaining = extra.max(0.0);
    loop {
        let weight_open: f64 = w
            .iter()
            .zip(x.iter())
            .filter(|(_, a)| **a < 0.0)
            .map(|(w, _)| *w)
            .sum();
        if weight_open <= 0.0 {
            for a in x.iter_mut().filter(|a| **a < 0.0) {
                *a = 0.0;
            }
            return f64::INFINITY;
        }
        let level = remaining / weight_open;
        let mut settled_any = false;
        for i in 0..x.len() {
            if x[i] < 0.0 && cap[i] <= level * w[i] {
                x[i] = cap[i];
                remaining -= cap[i];
                settled_any = true;
            }
        }
        if !settled_any {
            for i in 0..x.len() {
                if x[i] < 0.0 {
                    x[i] = level * w[i];
                }
            }
            return level;
        }
    }
}

/// [`rise`] with floors: the level lies between the last breakpoint with `f < target` and the
/// first with `f ≥ target`, where `f` is linear; the breakpoints are sorted and that pair
/// found by bisection.
fn by_breakpoints(
    extra: f64,
    have: f64,
    rising: usize,
    x: &mut [f64],
    cap: &[f64],
    w: &[f64],
) -> f64 {
    // Nobody can take more than `extra`: keeps breakpoints finite for huge caps.
    let ceiling = |a: f64, c: f64| c.min(a + extra);
    let target = have + extra;
    let f = |level: f64| -> f64 {
        x.iter()
            .zip(cap)
            .zip(w)
            .filter(|((a, c), _)| c > a)
            .map(|((a, c), w)| clamp(level * w, *a, ceiling(*a, *c)))
            .sum()
    };
    let mut on_stack = [0.0; 64];
    let mut on_heap = Vec::new();
    let points: &mut [f64] = if 2 * rising <= on_stack.len() {
        &mut on_stack[..2 * rising]
    } else {
        on_heap.resize(2 * rising, 0.0);
        &mut on_heap
    };
    let mut k = 0;
    for ((a, c), wi) in x.iter().zip(cap).zip(w) {
        // A claimant of weight 0 stays at its floor: it has no breakpoint.
        if c > a && *wi > 0.0 {
            points[k] = a / wi;
            points[k + 1] = ceiling(*a, *c) / wi;
            k += 2;
        }
    }
    let points = &mut points[..k];
    points.sort_unstable_by(f64::total_cmp);
    // The first breakpoint where f reaches the target (f is non-decreasing).
    let first = points.partition_point(|&b| f(b) < target);
    let level = match points.get(first) {
        // Past the last breakpoint everyone of weight above 0 is at their ceiling.
        None => points.last().copied().unwrap_or(f64::INFINITY),
        Some(&hi) => {
            let (lo, f_lo) = match first {
                0 => (0.0, have),
                j => (points[j - 1], f(points[j - 1])),
            };
            let f_hi = f(hi);
            if f_hi > f_lo && f_hi > target {
                lo + (target - f_lo) / (f_hi - f_lo) * (hi - lo)
            } else {
                hi
            }
        }
    };
    for ((a, c), wi) in x.iter_mut().zip(cap).zip(w) {
        if *c > *a {
            *a = clamp(level * wi, *a, ceiling(*a, *c));
        }
    }
    level
}

/// `x` clamped to `[lo, hi]` (`lo ≤ hi`), NaN (as `∞ × 0`) going to `lo`.
#[inline]
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() { lo } else { x.max(lo).min(hi) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ---------------------------------------------------------------------------------
    // The three implementations this one replaced, verbatim but for names, as oracles.
    // ---------------------------------------------------------------------------------

    /// `model::share::weighted_fair_share` before the merge.
    fn old_share(capacity: f64, demand: &[f64], weight: &[f64], grant: &mut [f64]) -> f64 {
        let total_demand: f64 = demand.iter().sum();
        if total_demand <= capacity {
            grant.copy_from_slice(demand);
            return f64::INFINITY;
        }
        grant.fill(-1.0);
        let mut remaining = capacity.max(0.0);
        loop {
            let weight_open: f64 = weight
                .iter()
                .zip(grant.iter())
                .filter(|(_, g)| **g < 0.0)
                .map(|(w, _)| *w)
                .sum();
            if weight_open <= 0.0 {
                return f64::INFINITY;
            }
            let level = remaining / weight_open;
            let mut settled_any = false;
            for i in 0..demand.len() {
                if grant[i] < 0.0 && demand[i] <= level * weight[i] {
                    grant[i] = demand[i];
                    remaining -= demand[i];
                    settled_any = true;
                }
            }
            if !settled_any {
                for i in 0..demand.len() {
                    if grant[i] < 0.0 {
                        grant[i] = level * weight[i];
                    }
                }
                return level;
            }
        }
    }

    fn fine_slack(x: f64) -> f64 {
        1e-12 * (1.0 + x.abs())
    }

    /// `policy::gwlm::rise` before the merge.
    fn old_gwlm(extra: f64, alloc: &mut [f64], cap: &[f64], w: &[f64]) -> f64 {
        if extra.is_nan() || extra <= 0.0 {
            return 0.0;
        }
        let mut want = 0.0;
        let mut have = 0.0;
        let mut rising = 0;
        for (a, c) in alloc.iter().zip(cap) {
            if c > a {
                want += c - a;
                have += a;
                rising += 1;
            }
        }
        if want <= extra + fine_slack(extra) {
            for (a, c) in alloc.iter_mut().zip(cap) {
                *a = a.max(*c);
            }
            return want;
        }
        let ceiling = |a: f64, c: f64| c.min(a + extra);
        let target = have + extra;
        let f = |level: f64| -> f64 {
            alloc
                .iter()
                .zip(cap)
                .zip(w)
                .filter(|((a, c), _)| c > a)
                .map(|((a, c), w)| clamp(level * w, *a, ceiling(*a, *c)))
                .sum()
        };
        let mut points = vec![0.0; 2 * rising];
        let mut k = 0;
        for ((a, c), wi) in alloc.iter().zip(cap).zip(w) {
            if c > a {
                points[k] = a / wi;
                points[k + 1] = ceiling(*a, *c) / wi;
                k += 2;
            }
        }
        points.sort_unstable_by(f64::total_cmp);
        let first = points.partition_point(|&b| f(b) < target);
        let level = match points.get(first) {
            None => points.last().copied().unwrap_or(0.0),
            Some(&hi) => {
                let (lo, f_lo) = match first {
                    0 => (0.0, have),
                    j => (points[j - 1], f(points[j - 1])),
                };
                let f_hi = f(hi);
                if f_hi > f_lo && f_hi > target {
                    lo + (target - f_lo) / (f_hi - f_lo) * (hi - lo)
                } else {
                    hi
                }
            }
        };
        let mut given = 0.0;
        for ((a, c), wi) in alloc.iter_mut().zip(cap).zip(w) {
            if *c > *a {
                let new = clamp(level * wi, *a, ceiling(*a, *c));
                given += new - *a;
                *a = new;
            }
        }
        given
    }

    /// `policy::wlm::rise` before the merge.
    fn old_wlm(extra: f64, x: &mut [f64], lim: &[f64], w: &[f64]) {
        if extra.is_nan() || extra <= 0.0 {
            return;
        }
        let mut levels = vec![0.0; 2 * x.len()];
        let top = |a: f64, c: f64| c.min(a + extra);
        let (mut m, mut want, mut have) = (0, 0.0, 0.0);
        for ((a, c), wi) in x.iter().zip(lim).zip(w) {
            if c > a {
                want += c - a;
                have += a;
                levels[m] = a / wi;
                levels[m + 1] = top(*a, *c) / wi;
                m += 2;
            }
        }
        if want <= extra {
            for (a, c) in x.iter_mut().zip(lim) {
                *a = a.max(*c);
            }
            return;
        }
        let target = have + extra;
        let f = |level: f64| -> f64 {
            x.iter()
                .zip(lim)
                .zip(w)
                .filter(|((a, c), _)| c > a)
                .map(|((a, c), wi)| clamp(level * wi, *a, top(*a, *c)))
                .sum()
        };
        let levels = &mut levels[..m];
        levels.sort_unstable_by(f64::total_cmp);
        let j = levels.partition_point(|&b| f(b) < target);
        let (lo_b, f_lo) = match j {
            0 => (0.0, have),
            _ => (levels[j - 1], f(levels[j - 1])),
        };
        let level = match levels.get(j) {
            Some(&hi_b) => {
                let f_hi = f(hi_b);
                if f_hi > f_lo {
                    lo_b + (target - f_lo) / (f_hi - f_lo) * (hi_b - lo_b)
                } else {
                    hi_b
                }
            }
            None => lo_b,
        };
        for ((a, c), wi) in x.iter_mut().zip(lim).zip(w) {
            if *c > *a {
                *a = clamp(level * wi, *a, top(*a, *c));
            }
        }
    }

    /// Slow obvious tide: bisection on the level, defined for weights of 0 as well (which
    /// rise only when everyone fits).
    fn by_bisection(extra: f64, x: &[f64], cap: &[f64], w: &[f64]) -> Vec<f64> {
        let room: f64 = x.iter().zip(cap).map(|(a, c)| (c - a).max(0.0)).sum();
        if room <= extra {
            return x.iter().zip(cap).map(|(a, c)| a.max(*c)).collect();
        }
        let f = |l: f64| -> f64 {
            (0..x.len())
                .map(|i| clamp(l * w[i], x[i], cap[i].max(x[i])))
                .sum()
        };
        let target = x.iter().sum::<f64>() + extra;
        let (mut lo, mut hi) = (0.0, 1.0);
        while f(hi) < target && hi < 1e15 {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if f(mid) < target { lo = mid } else { hi = mid }
        }
        (0..x.len())
            .map(|i| clamp(hi * w[i], x[i], cap[i].max(x[i])))
            .collect()
    }

    /// Agreement to 1e-12 relative (of the larger magnitude, at least of 1).
    fn close(a: &[f64], b: &[f64]) -> bool {
        a.iter()
            .zip(b)
            .all(|(p, q)| (p - q).abs() <= 1e-12 * p.abs().max(q.abs()).max(1.0))
    }

    /// A value drawn with its ties and zeros: a few levels on a grid make equal breakpoints,
    /// equal floors and caps, and zero caps common.
    fn grid(top: u32) -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            (0..=top).prop_map(|k| f64::from(k) * 0.5),
            0.0f64..f64::from(top),
        ]
    }

    fn weight() -> impl Strategy<Value = f64> {
        prop_oneof![
            1 => Just(0.0),
            2 => (1u32..5).prop_map(f64::from),
            4 => 0.1f64..10.0,
        ]
    }

    fn positive_weight() -> impl Strategy<Value = f64> {
        prop_oneof![(1u32..5).prop_map(f64::from), 0.1f64..10.0]
    }

    fn extra() -> impl Strategy<Value = f64> {
        // Up to several times the largest total room (8 × 40): "more than everyone wants".
        prop_oneof![Just(0.0), grid(40), 0.0f64..1000.0]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Zero floors: [`rise_from_zero`] against the old fair share (grants and level,
        /// whenever it answered: it left grants at −1 when only weights of 0 stayed open), and
        /// against [`rise`] from zero floors and bisection.
        #[test]
        fn matches_the_old_fair_share(
            claims in prop::collection::vec((grid(40), weight()), 1..9),
            capacity in extra(),
        ) {
            let demand: Vec<f64> = claims.iter().map(|c| c.0).collect();
            let w: Vec<f64> = claims.iter().map(|c| c.1).collect();
            let mut old = vec![0.0; demand.len()];
            let old_level = old_share(capacity, &demand, &w, &mut old);
            let mut new = vec![7.0; demand.len()];
            let level = rise_from_zero(capacity, &mut new, &demand, &w);
            if old.iter().all(|g| *g >= 0.0) {
                prop_assert!(close(&old, &new), "old {old:?} new {new:?}");
                prop_assert!(
                    old_level == level || close(&[old_level], &[level]),
                    "level old {old_level} new {level}"
                );
            }
            let zeros = vec![0.0; demand.len()];
            prop_assert!(close(&new, &by_bisection(capacity, &zeros, &demand, &w)));
            let mut general = zeros.clone();
            let general_level = rise(capacity, &mut general, &demand, &w, 0.0);
            prop_assert!(close(&new, &general), "from zero {new:?}, general {general:?}");
            if w.iter().all(|w| *w > 0.0) && level.is_finite() && capacity > 0.0 {
                prop_assert!(close(&[level], &[general_level]), "level {level} vs {general_level}");
            }
        }

        /// Any floors, positive weights: the old gWLM and WLM tides (the oracles divide by the
        /// weight), and bisection; with weights of 0 as well, bisection.
        #[test]
        fn matches_the_old_tides(
            parts in prop::collection::vec((grid(20), grid(40), positive_weight()), 1..9),
            zero_weights in prop::collection::vec(any::<bool>(), 9),
            extra in extra(),
        ) {
            let x0: Vec<f64> = parts.iter().map(|p| p.0).collect();
            let cap: Vec<f64> = parts.iter().map(|p| p.1).collect();
            let w: Vec<f64> = parts.iter().map(|p| p.2).collect();

            let mut g_old = x0.clone();
            old_gwlm(extra, &mut g_old, &cap, &w);
            let mut g_new = x0.clone();
            rise(extra, &mut g_new, &cap, &w, fine_slack(extra));
            prop_assert!(close(&g_old, &g_new), "gwlm old {g_old:?} new {g_new:?}");

            let mut w_old = x0.clone();
            old_wlm(extra, &mut w_old, &cap, &w);
            let mut w_new = x0.clone();
            rise(extra, &mut w_new, &cap, &w, 0.0);
            prop_assert!(close(&w_old, &w_new), "wlm old {w_old:?} new {w_new:?}");
            prop_assert!(close(&w_new, &by_bisection(extra, &x0, &cap, &w)));

            let wz: Vec<f64> = w.iter().zip(&zero_weights).map(|(w, z)| if *z { 0.0 } else { *w }).collect();
            let mut z = x0.clone();
            rise(extra, &mut z, &cap, &wz, 0.0);
            let want = by_bisection(extra, &x0, &cap, &wz);
            prop_assert!(close(&z, &want), "zero weights {wz:?}: {z:?}, bisection {want:?}");
        }

        /// What any caller relies on: nobody lowered, nobody past its cap (unless it started
        /// there), at most `extra` handed out, and all of it unless every weighted claimant is
        /// at its cap.
        #[test]
        fn hands_out_extra_within_floors_and_caps(
            parts in prop::collection::vec((grid(20), grid(40), weight()), 1..40),
            extra in extra(),
        ) {
            let x0: Vec<f64> = parts.iter().map(|p| p.0).collect();
            let cap: Vec<f64> = parts.iter().map(|p| p.1).collect();
            let w: Vec<f64> = parts.iter().map(|p| p.2).collect();
            let mut x = x0.clone();
            let level = rise(extra, &mut x, &cap, &w, 0.0);
            let given = x.iter().sum::<f64>() - x0.iter().sum::<f64>();
            prop_assert!(given <= extra + 1e-9 * extra.max(1.0));
            for i in 0..x.len() {
                prop_assert!(x[i] >= x0[i] && x[i] <= cap[i].max(x0[i]));
            }
            let room_weighted: f64 = (0..x.len())
                .filter(|&i| w[i] > 0.0)
                .map(|i| (cap[i] - x[i]).max(0.0))
                .sum();
            prop_assert!((given - extra).abs() <= 1e-9 * extra.max(1.0) || room_weighted <= 1e-9 || extra <= 0.0);
            prop_assert!(level >= 0.0);
        }
    }

    /// PRM product overview [PRM1]: 30/20/50 shares, the 20 % group idle → 37.5 / 0 / 62.5.
    #[test]
    fn prm_idle_group_cycles_go_by_shares() {
        let mut x = [0.0; 3];
        let level = rise(
            100.0,
            &mut x,
            &[100.0, 0.0, 100.0],
            &[30.0, 20.0, 50.0],
            0.0,
        );
        assert!((x[0] - 37.5).abs() < 1e-12 && x[1] == 0.0 && (x[2] - 62.5).abs() < 1e-12);
        assert!((level - 1.25).abs() < 1e-12);
    }

    /// With floors: 10 spare over floors 4, 0, 0 with weights 1, 1, 2 and caps 10 each. The
    /// level L with max(4, L) + L + 2L = 14 is L = 10/3 < 4, so the first keeps 4 and the
    /// others share 10 at 1:2 → 10/3 and 20/3.
    #[test]
    fn a_floor_above_the_level_is_kept() {
        let mut x = [4.0, 0.0, 0.0];
        let level = rise(10.0, &mut x, &[10.0; 3], &[1.0, 1.0, 2.0], 0.0);
        assert_eq!(x[0], 4.0);
        assert!((x[1] - 10.0 / 3.0).abs() < 1e-12 && (x[2] - 20.0 / 3.0).abs() < 1e-12);
        assert!((level - 10.0 / 3.0).abs() < 1e-12);
    }

    /// A weight of 0 takes nothing under contention, everything it wants when all fit.
    #[test]
    fn weight_zero_rises_only_when_all_fit() {
        let mut x = [0.0, 0.0];
        rise(3.0, &mut x, &[2.0, 2.0], &[0.0, 1.0], 0.0);
        assert_eq!(x, [0.0, 2.0]);
        let mut x = [0.0, 0.0];
        assert_eq!(
            rise(4.0, &mut x, &[2.0, 2.0], &[0.0, 1.0], 0.0),
            f64::INFINITY
        );
        assert_eq!(x, [2.0, 2.0]);
        let mut x = [1.0, 0.0];
        rise(3.0, &mut x, &[3.0, 3.0], &[0.0, 1.0], 0.0);
        assert_eq!(x, [1.0, 3.0]);
    }
}
