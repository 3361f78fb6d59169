//! Host overload detection: Beloglazov & Buyya, "Optimal online deterministic algorithms and
//! adaptive heuristics for energy and performance efficient dynamic consolidation of virtual
//! machines in Cloud data centers", CCPE 24(13), 2012, §6, as CloudSim implements them
//! (CloudSim Plus `PowerVmAllocationPolicyMigration{StaticThreshold, MedianAbsoluteDeviation,
//! InterQuartileRange, LocalRegression}` and `util/MathUtil`, read for this module).
//!
//! A host's history is its CPU utilization (a fraction of its capacity) once per
//! consolidation interval, oldest first, the last value being now; the caller keeps at most
//! [`HISTORY_LEN`] of them, as CloudSim's `PowerVm.HISTORY_LENGTH`.
//!
//! - THR: overloaded when `u > limit`.
//! - MAD: overloaded when `u > 1 − s × MAD`, MAD the median of the absolute deviations from
//!   the median (unscaled, as `MathUtil.mad`); needs [`MIN_HISTORY`] values.
//! - IQR: overloaded when `u > 1 − s × IQR`, with CloudSim's quartiles: the sorted values at
//!   1-based ranks `round(0.25 (n + 1))` and `round(0.75 (n + 1))` (`MathUtil.iqr`), not an
//!   interpolated quantile; needs [`MIN_HISTORY`] values.
//! - LR: a line fitted to the last [`LR_WINDOW`] values at x = 1..10 predicts the
//!   utilization `k` intervals after now, `k = ⌈longest migration / interval⌉`; overloaded
//!   when `s × prediction ≥ 1`; needs [`LR_WINDOW`] values. The paper weights the fit with a
//!   tricube kernel; CloudSim's `createWeightedLinearRegression` applies the weights only
//!   when 40 % of them are zero, which tricube weights never are, so the published CloudSim
//!   figures come from an ordinary least-squares line. This follows CloudSim.
//!
//! Each dynamic detector falls back to THR at `fallback_limit` while the history is too short
//! (CloudSim's `getFallbackVmAllocationPolicy`; its power examples pass 0.7, recalled and not
//! checked in this session, hence [`DEFAULT_FALLBACK_LIMIT`]).

use statrs::statistics::{Data, Median};

/// Utilization values a host keeps (CloudSim's `PowerVm.HISTORY_LENGTH`).
pub const HISTORY_LEN: usize = 30;
/// Values MAD and IQR need before they decide ("12 has been suggested as a safe value").
pub const MIN_HISTORY: usize = 12;
/// Values local regression fits ("10 to make the regression responsive enough").
pub const LR_WINDOW: usize = 10;
/// THR's limit while a dynamic detector lacks history.
pub const DEFAULT_FALLBACK_LIMIT: f64 = 0.7;

/// An overload detector and its parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detector {
    /// Static threshold: the utilization limit, e.g. 0.8.
    Threshold { limit: f64 },
    /// Median absolute deviation with safety parameter `s` (the paper's best: 2.5).
    Mad { safety: f64 },
    /// Interquartile range with safety parameter `s` (1.5).
    Iqr { safety: f64 },
    /// Local regression with safety parameter `s` (1.2).
    LocalRegression { safety: f64 },
}

/// What decided and with which threshold, so a run can report how often the fallback spoke.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub overloaded: bool,
    /// The THR fallback decided: the history was too short for the detector.
    pub fallback: bool,
    /// The limit the utilization was held against (THR, MAD, IQR: `u >` it; LR: the
    /// predicted utilization × s, held against 1).
    pub value: f64,
}

/// What a detector sees of a host.
#[derive(Debug, Clone, Copy)]
pub struct HostHistory<'a> {
    /// Utilization per interval, oldest first, the last being now; empty: never overloaded.
    pub utilization: &'a [f64],
    /// The longest migration time of the host's guests [s] (LR looks that far ahead).
    pub longest_migration_s: f64,
    /// The consolidation interval [s].
    pub interval_s: f64,
}

/// Whether a host is overloaded now.
pub fn decide(detector: Detector, fallback_limit: f64, host: &HostHistory) -> Decision {
    let h = host.utilization;
    let Some(&now) = h.last() else {
        return Decision {
            overloaded: false,
            fallback: false,
            value: f64::NAN,
        };
    };
    let threshold = |limit: f64, fallback: bool| Decision {
        overloaded: now > limit,
        fallback,
        value: limit,
    };
    match detector {
        Detector::Threshold { limit } => threshold(limit, false),
        Detector::Mad { safety } => match mad(h) {
            Some(m) if h.len() >= MIN_HISTORY => threshold(1.0 - safety * m, false),
            _ => threshold(fallback_limit, true),
        },
        Detector::Iqr { safety } => match iqr(h) {
            Some(q) if h.len() >= MIN_HISTORY => threshold(1.0 - safety * q, false),
            _ => threshold(fallback_limit, true),
        },
        Detector::LocalRegression { safety } => {
            if h.len() < LR_WINDOW {
                return threshold(fallback_limit, true);
            }
            let (a, b) = least_squares(&h[h.len() - LR_WINDOW..]);
            let ahead = if host.interval_s > 0.0 {
                (host.longest_migration_s / host.interval_s).ceil()
            } else {
                0.0
            };
            let predicted = safety * (a + b * (LR_WINDOW as f64 + ahead));
            if !predicted.is_finite() {
                return threshold(fallback_limit, true);
            }
            Decision {
                overloaded: predicted >= 1.0,
                fallback: false,
                value: predicted,
            }
        }
    }
}

/// The median (the mean of the middle two for an even count), as Apache Commons'
/// `getPercentile(50)` that CloudSim calls.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(Data::new(values.to_vec()).median())
}

/// Median absolute deviation from the median, unscaled (`MathUtil.mad`).
pub fn mad(values: &[f64]) -> Option<f64> {
    let m = median(values)?;
    let dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    median(&dev)
}

/// [`mad`] of `sorted` (ascending, at most [`HISTORY_LEN`] values) with `u` added, without
/// allocating: one insertion, the median from the middle, and the median deviation by merging
/// the deviations left of it (ascending leftwards) and right of it (ascending rightwards).
/// The same order statistics of the same values as [`mad`], so the same number.
pub fn mad_with(sorted: &[f64], u: f64) -> f64 {
    let mut c = [0.0f64; HISTORY_LEN + 1];
    let n = sorted.len() + 1;
    let at = sorted.partition_point(|&x| x.total_cmp(&u).is_lt());
    c[..at].copy_from_slice(&sorted[..at]);
    c[at] = u;
    c[at + 1..n].copy_from_slice(&sorted[at..]);
    let c = &c[..n];
    let middle = |v: &[f64]| {
        let k = v.len() / 2;
        if v.len() % 2 == 1 {
            v[k]
        } else {
            (v[k - 1] + v[k]) / 2.0
        }
    };
    let m = middle(c);
    // Deviations in ascending order: walk outwards from the median.
    let split = c.partition_point(|&x| x < m);
    let (mut l, mut r) = (split, split);
    let mut dev = [0.0f64; HISTORY_LEN + 1];
    for d in dev.iter_mut().take(n) {
        let take_left = match (l > 0, r < n) {
            (true, true) => (c[l - 1] - m).abs() <= (c[r] - m).abs(),
            (true, false) => true,
            _ => false,
        };
        if take_left {
            l -= 1;
            *d = (c[l] - m).abs();
        } else {
            *d = (c[r] - m).abs();
            r += 1;
        }
    }
    middle(&dev[..n])
}

/// A lower bound on [`mad_with`]`(sorted, u)` over every `u`, so that a placement can tell
/// in advance which hosts MAD must refuse whatever they take ([`ceiling`]).
///
/// Why it holds: with `n = sorted.len() + 1` values, MAD is the median of `n` deviations, at
/// least the one of 0-based rank `r = ⌈n/2⌉ − 1`; dropping `u`'s deviation lowers that rank by
/// at most one, so at least `r` of the fixed values lie within MAD of the median, inside an
/// interval of width 2 × MAD, and some `r` consecutive sorted values span no more than that.
/// Half the narrowest span of `r` consecutive values is the bound, less a margin far above
/// the rounding of the deviations and their median.
pub fn mad_floor(sorted: &[f64]) -> f64 {
    let r = (sorted.len() + 1).div_ceil(2).saturating_sub(1);
    if r < 2 || r > sorted.len() {
        return 0.0;
    }
    let span = sorted
        .windows(r)
        .map(|w| w[r - 1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let scale = sorted.iter().fold(1.0f64, |a, &x| a.max(x.abs()));
    (span / 2.0 - 1e-12 * scale).max(0.0)
}

/// An upper bound on the utilization at which the detector, on `history` with its last value
/// replaced (`sorted_prefix`: the history but its last value, ascending, for MAD), may find a
/// host not overloaded: a host nearer its ceiling than a guest's share is refused whatever
/// the detector says on the details, so a placement need not ask. Infinite where no cheap
/// bound is known (IQR, LR on a long history).
pub fn ceiling(
    detector: Detector,
    fallback_limit: f64,
    history_len: usize,
    sorted_prefix: &[f64],
) -> f64 {
    match detector {
        Detector::Threshold { limit } => limit,
        Detector::Mad { safety } if history_len.max(1) >= MIN_HISTORY && safety >= 0.0 => {
            // `u > 1 − s × MAD` with MAD ≥ the floor; the margin covers the rounding of
            // `1 − s × MAD` (a few units in the last place of 1 + s × MAD).
            let f = mad_floor(sorted_prefix);
            1.0 - safety * f + 1e-12 * (1.0 + safety * f)
        }
        Detector::Mad { .. } if history_len.max(1) >= MIN_HISTORY => f64::INFINITY,
        Detector::Mad { .. } => fallback_limit,
        Detector::Iqr { .. } if history_len.max(1) < MIN_HISTORY => fallback_limit,
        Detector::LocalRegression { .. } if history_len.max(1) < LR_WINDOW => fallback_limit,
        _ => f64::INFINITY,
    }
}

/// A bound as [`ceiling`]'s, tightened for MAD by [`mad_ceiling`]: dearer, so a placement
/// asks for it only about a host the detector has refused.
pub fn tighter_ceiling(
    detector: Detector,
    fallback_limit: f64,
    history_len: usize,
    sorted_prefix: &[f64],
) -> f64 {
    let c = ceiling(detector, fallback_limit, history_len, sorted_prefix);
    match detector {
        Detector::Mad { safety } if history_len.max(1) >= MIN_HISTORY && safety >= 0.0 => {
            c.min(mad_ceiling(sorted_prefix, safety))
        }
        _ => c,
    }
}

/// An upper bound on the utilization `u` that MAD with safety `s ≥ 0` accepts
/// (`u ≤ 1 − s × MAD`) on a history whose other values are `sorted` (ascending), close to
/// the largest such `u`: where [`mad_floor`] bounds MAD alone, this follows MAD as `u` moves.
///
/// Why it holds: with `n = sorted.len() + 1` values, `u`'s rank decides the median `m`.
/// - At or above `P` (the value at rank `n / 2`), `m` no longer depends on `u`, nor do the
///   other values' deviations, and `u`'s own, `u − m`, grows with `u`: MAD, a median of
///   deviations, is a nondecreasing piecewise affine function of it, breaking where `u − m`
///   meets a middle deviation, so `f(u) = u + s × MAD` rises and the accepted `u ≥ P` are
///   those up to the root of `f = 1` on its piece.
/// - At or below `Q` (the value at the rank below the middle ones), `m` is fixed again and
///   `u`'s deviation `m − u` shrinks as `u` rises: `f` is piecewise affine with the same
///   breaks; on each piece `{f ≤ 1}` is an interval, and the pieces are walked from `Q` down
///   to the first that holds an accepted `u`.
/// - Between them the median lies between its values at `Q` and at `P`, so each other value's
///   deviation is at least its distance to that span, and MAD at least the median of those
///   distances and 0 (order statistics are monotone): no accepted `u` there exceeds
///   `1 − s ×` that.
///
/// The bound is the largest of the three, plus a margin far above the rounding of the
/// detector's figures.
pub fn mad_ceiling(sorted: &[f64], safety: f64) -> f64 {
    let n = sorted.len() + 1;
    let k = n / 2;
    if n < 5 || k >= sorted.len() || safety.is_nan() || safety < 0.0 {
        return f64::INFINITY;
    }
    let odd = n % 2 == 1;
    let p = sorted[k];
    let m_hi = if odd { p } else { (sorted[k - 1] + p) / 2.0 };
    let q = if odd { sorted[k - 1] } else { sorted[k - 2] };
    let m_lo = if odd { q } else { (q + sorted[k - 1]) / 2.0 };
    let deviations = |dev: &mut [f64], of: &dyn Fn(f64) -> f64| {
        for (d, &x) in dev.iter_mut().zip(sorted) {
            *d = of(x);
        }
        dev.sort_unstable_by(f64::total_cmp);
    };
    // The middle of `dev` (ascending) with `d` among them: MAD when `u`'s deviation is `d`.
    let mid = |dev: &[f64], d: f64| {
        let at = dev.partition_point(|&x| x < d);
        let rank = |r: usize| match r.cmp(&at) {
            std::cmp::Ordering::Less => dev[r],
            std::cmp::Ordering::Equal => d,
            std::cmp::Ordering::Greater => dev[r - 1],
        };
        if odd {
            rank(k)
        } else {
            (rank(k - 1) + rank(k)) / 2.0
        }
    };
    let len = sorted.len();
    let breaks = k.saturating_sub(2)..=(k + 1).min(len - 1);
    let mut buf = [0.0f64; HISTORY_LEN];
    let dev = &mut buf[..len];

    // At or above P.
    deviations(dev, &|x| (x - m_hi).abs());
    let f = |u: f64| u + safety * mid(dev, u - m_hi);
    let fp = f(p);
    let above = if fp.is_nan() || fp > 1.0 {
        None
    } else {
        let mut a = p;
        let mut found = None;
        for r in breaks.clone() {
            let b = m_hi + dev[r];
            if b <= a {
                continue;
            }
            let (fa, fb) = (f(a), f(b));
            if fb > 1.0 {
                found = Some((a + (1.0 - fa) * (b - a) / (fb - fa)).max(a));
                break;
            }
            a = b;
        }
        // Past the last break MAD stands still: f(u) = u + s × MAD.
        Some(found.unwrap_or_else(|| (1.0 - safety * mid(dev, f64::INFINITY)).max(a)))
    };

    // At or below Q, from Q down.
    deviations(dev, &|x| (x - m_lo).abs());
    let f = |u: f64| u + safety * mid(dev, m_lo - u);
    let mut below = None;
    let mut b = q;
    let mut ends = [f64::NEG_INFINITY; 4];
    let mut count = 0;
    for r in breaks {
        let a = m_lo - dev[r];
        if a < b && count < ends.len() {
            ends[count] = a;
            count += 1;
        }
    }
    ends[..count].sort_unstable_by(|x, y| y.total_cmp(x));
    for &a in &ends[..count] {
        if a >= b {
            continue;
        }
        let (fa, fb) = (f(a), f(b));
        if fb <= 1.0 {
            below = Some(b);
            break;
        }
        if fa <= 1.0 {
            below = Some((a + (1.0 - fa) * (b - a) / (fb - fa)).clamp(a, b));
            break;
        }
        b = a;
    }
    if below.is_none() {
        // Below the last break MAD stands still: f(u) = u + s × MAD.
        below = Some(if f(b) <= 1.0 {
            b
        } else {
            (1.0 - safety * mid(dev, f64::INFINITY)).min(b)
        });
    }

    // Between Q and P: the median moves with `u` (`m = u`, or `(u + S[k−1]) / 2` for an even
    // count), bounded on a span of `u` as said above, the span halved towards the top.
    let pivot = sorted[k - 1];
    let median = |u: f64| if odd { u } else { (u + pivot) / 2.0 };
    let mut top = |a: f64, b: f64| {
        let (lo, hi) = (median(a), median(b));
        deviations(dev, &|x| (lo - x).max(x - hi).max(0.0));
        let own = if odd {
            0.0
        } else {
            (a - pivot).max(pivot - b).max(0.0) / 2.0
        };
        b.min(1.0 - safety * mid(dev, own))
    };
    let between = if q < p {
        let mut spans = vec![(q, p, 0u32)];
        let mut found = None;
        while let Some((a, b, depth)) = spans.pop() {
            let u = top(a, b);
            if u.is_nan() || u < a {
                continue;
            }
            if depth == 8 {
                found = Some(u);
                break;
            }
            let half = (a + u) / 2.0;
            // The lower half comes off the stack after the upper.
            spans.push((a, half, depth + 1));
            spans.push((half, u, depth + 1));
        }
        found
    } else {
        None
    };

    let scale = sorted.iter().fold(1.0f64, |a, &x| a.max(x.abs()));
    let margin = 1e-9 * (1.0 + safety) * scale;
    [above, below, between]
        .into_iter()
        .flatten()
        .fold(f64::NEG_INFINITY, f64::max)
        + margin
}

/// CloudSim's interquartile range (`MathUtil.iqr`): sorted values at 1-based ranks
/// `round(0.25 (n + 1))` and `round(0.75 (n + 1))`, Java's `Math.round` rounding halves up.
pub fn iqr(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = |p: f64| ((p * (n as f64 + 1.0) + 0.5).floor() as usize).clamp(1, n) - 1;
    Some(v[rank(0.75)] - v[rank(0.25)])
}

/// Intercept and slope of the least-squares line through `(i + 1, y_i)`.
pub fn least_squares(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let xm = (n + 1.0) / 2.0;
    let ym = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &v) in y.iter().enumerate() {
        let dx = i as f64 + 1.0 - xm;
        sxy += dx * (v - ym);
        sxx += dx * dx;
    }
    let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (ym - b * xm, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The merge gives `mad`'s number exactly, for every position of the inserted value,
    /// odd and even counts, ties and repeated values.
    #[test]
    fn mad_with_is_mad_of_the_history_with_the_value() {
        let base: Vec<f64> = (0..29)
            .map(|i| ((i * 37 % 29) as f64 * 0.031).fract())
            .collect();
        for n in [0usize, 1, 2, 11, 12, 28, 29] {
            let mut prefix = base[..n].to_vec();
            prefix.push(0.5);
            prefix.truncate(n);
            let mut sorted = prefix.clone();
            sorted.sort_by(f64::total_cmp);
            for u in [0.0, 0.031, 0.2, 0.5, 0.62, 0.899, 1.3] {
                let mut all = prefix.clone();
                all.push(u);
                assert_eq!(
                    mad_with(&sorted, u).to_bits(),
                    mad(&all).unwrap().to_bits(),
                    "n {n} u {u}"
                );
            }
        }
    }

    /// Twelve intervals of one host, oldest first; now: 0.80.
    const U: [f64; 12] = [
        0.50, 0.55, 0.60, 0.52, 0.58, 0.62, 0.65, 0.60, 0.70, 0.68, 0.72, 0.80,
    ];

    fn host(u: &[f64], longest_migration_s: f64) -> HostHistory<'_> {
        HostHistory {
            utilization: u,
            longest_migration_s,
            interval_s: 300.0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// THR: 0.80 > 0.8 is false (the comparison is strict, as CloudSim's); 0.80 > 0.75.
    #[test]
    fn threshold_by_hand() {
        let d = decide(Detector::Threshold { limit: 0.8 }, 0.7, &host(&U, 0.0));
        assert!(!d.overloaded && !d.fallback);
        let d = decide(Detector::Threshold { limit: 0.75 }, 0.7, &host(&U, 0.0));
        assert!(d.overloaded);
    }

    /// Sorted: 0.50 0.52 0.55 0.58 0.60 0.60 | 0.62 0.65 0.68 0.70 0.72 0.80; median
    /// (0.60 + 0.62) / 2 = 0.61. Absolute deviations, sorted: 0.01 0.01 0.01 0.03 0.04 0.06 |
    /// 0.07 0.09 0.09 0.11 0.11 0.19; MAD = (0.06 + 0.07) / 2 = 0.065.
    /// s = 2.5: limit 1 − 0.1625 = 0.8375, 0.80 is below: not overloaded.
    /// s = 3.5: limit 1 − 0.2275 = 0.7725, 0.80 is above: overloaded.
    #[test]
    fn mad_by_hand() {
        assert!(close(median(&U).unwrap(), 0.61));
        assert!(close(mad(&U).unwrap(), 0.065));
        let d = decide(Detector::Mad { safety: 2.5 }, 0.7, &host(&U, 0.0));
        assert!(!d.overloaded && !d.fallback);
        assert!(close(d.value, 0.8375));
        let d = decide(Detector::Mad { safety: 3.5 }, 0.7, &host(&U, 0.0));
        assert!(d.overloaded && close(d.value, 0.7725));
    }

    /// n = 12: Q1 at rank round(0.25 × 13) = round(3.25) = 3 → 0.55; Q3 at rank
    /// round(0.75 × 13) = round(9.75) = 10 → 0.70; IQR = 0.15. s = 1.5: limit 1 − 0.225 =
    /// 0.775 < 0.80: overloaded (where MAD at 2.5 was not). statrs' interpolated quartiles
    /// would differ, hence CloudSim's ranks by hand.
    #[test]
    fn iqr_by_hand() {
        assert!(close(iqr(&U).unwrap(), 0.15));
        let d = decide(Detector::Iqr { safety: 1.5 }, 0.7, &host(&U, 0.0));
        assert!(d.overloaded && !d.fallback);
        assert!(close(d.value, 0.775));
        // Rank rounding of a half: n = 13 gives 0.25 × 14 = 3.5 → rank 4 (Java rounds up).
        let v: Vec<f64> = (1..=13).map(f64::from).collect();
        assert_eq!(iqr(&v), Some(11.0 - 4.0));
    }

    /// The last ten: 0.60 0.52 0.58 0.62 0.65 0.60 0.70 0.68 0.72 0.80 at x = 1..10.
    /// x̄ = 5.5, Σy = 6.47, ȳ = 0.647; Sxx = Σ(x − 5.5)² = 82.5;
    /// Sxy = Σ(x − 5.5) y = −2.70 − 1.82 − 1.45 − 0.93 − 0.325 + 0.30 + 1.05 + 1.70 + 2.52 +
    /// 3.60 = 1.945; b = 1.945 / 82.5 = 0.0235758; a = 0.647 − 5.5 b = 0.5173333.
    /// Longest migration 40 s, interval 300 s: k = 1, x = 11: a + 11 b = 0.7766667;
    /// × 1.2 = 0.932 < 1: not overloaded.
    /// Longest migration 1000 s: k = ⌈3.33⌉ = 4, x = 14: a + 14 b = 0.8473939; × 1.2 =
    /// 1.0168727 ≥ 1: overloaded.
    #[test]
    fn local_regression_by_hand() {
        let (a, b) = least_squares(&U[2..]);
        assert!(close(b, 1.945 / 82.5));
        assert!(close(a, 0.647 - 5.5 * 1.945 / 82.5));
        let s = Detector::LocalRegression { safety: 1.2 };
        let d = decide(s, 0.7, &host(&U, 40.0));
        assert!(!d.overloaded && !d.fallback);
        assert!(close(d.value, 1.2 * (a + 11.0 * b)));
        assert!((d.value - 0.932).abs() < 1e-6, "{}", d.value);
        let d = decide(s, 0.7, &host(&U, 1000.0));
        assert!(d.overloaded);
        assert!((d.value - 1.0168727).abs() < 1e-6, "{}", d.value);
    }

    /// Nine values: too few for MAD, IQR (12) and LR (10); THR at 0.7 decides, and now (0.70)
    /// is not above it; a tenth value of 0.72 is, for MAD and IQR still by the fallback.
    #[test]
    fn short_histories_fall_back_to_the_threshold() {
        let nine = &U[..9];
        for det in [
            Detector::Mad { safety: 2.5 },
            Detector::Iqr { safety: 1.5 },
            Detector::LocalRegression { safety: 1.2 },
        ] {
            let d = decide(det, 0.7, &host(nine, 0.0));
            assert!(d.fallback && !d.overloaded && d.value == 0.7, "{det:?}");
        }
        let mut ten = U[..9].to_vec();
        ten.push(0.72);
        for det in [Detector::Mad { safety: 2.5 }, Detector::Iqr { safety: 1.5 }] {
            let d = decide(det, 0.7, &host(&ten, 0.0));
            assert!(d.fallback && d.overloaded, "{det:?}");
        }
        let d = decide(
            Detector::LocalRegression { safety: 1.2 },
            0.7,
            &host(&ten, 0.0),
        );
        assert!(!d.fallback);
        let empty = decide(Detector::Threshold { limit: 0.0 }, 0.7, &host(&[], 0.0));
        assert!(!empty.overloaded);
    }
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The ceiling is an upper bound: wherever the detector, on the history with its last
        /// value replaced by `u`, finds the host not overloaded, `u` is at most the ceiling;
        /// and the MAD floor is at most the MAD itself.
        #[test]
        fn nothing_above_the_ceiling_is_accepted(
            history in prop::collection::vec(
                prop_oneof![(0u32..20).prop_map(|k| f64::from(k) / 20.0), 0.0f64..1.5],
                0..=HISTORY_LEN,
            ),
            u in prop_oneof![(0u32..30).prop_map(|k| f64::from(k) / 20.0), 0.0f64..1.5],
            safety in prop_oneof![Just(2.5), Just(0.0), 0.0f64..4.0],
            limit in 0.0f64..1.2,
        ) {
            let mut sorted = history[..history.len().saturating_sub(1)].to_vec();
            sorted.sort_by(f64::total_cmp);
            let mut what_if = history.clone();
            match what_if.last_mut() {
                Some(last) => *last = u,
                None => what_if.push(u),
            }
            if what_if.len() >= 2 {
                prop_assert!(mad_floor(&sorted) <= mad_with(&sorted, u));
            }
            for det in [
                Detector::Threshold { limit },
                Detector::Mad { safety },
                Detector::Iqr { safety },
                Detector::LocalRegression { safety },
            ] {
                let d = decide(det, 0.7, &host(&what_if, 600.0));
                let c = ceiling(det, 0.7, history.len(), &sorted);
                prop_assert!(d.overloaded || u <= c, "{:?}: {} accepted above {}", det, u, c);
                let t = tighter_ceiling(det, 0.7, history.len(), &sorted);
                prop_assert!(t <= c, "{:?}: tighter {} above {}", det, t, c);
                prop_assert!(d.overloaded || u <= t, "{:?}: {} accepted above {}", det, u, t);
            }
        }
    }

    /// The floor by hand: 1, 2, 4, 7, 11 (n = 6 with the value added): r = ⌈6/2⌉ − 1 = 2, the
    /// narrowest two consecutive values are 1 and 2, so MAD ≥ 0.5. With u = 1.5 the six are
    /// 1 1.5 2 4 7 11, median 3, deviations 2 1.5 1 1 4 8 → sorted 1 1 1.5 2 4 8, MAD 1.75.
    #[test]
    fn mad_floor_by_hand() {
        let sorted = [1.0, 2.0, 4.0, 7.0, 11.0];
        assert!((mad_floor(&sorted) - 0.5).abs() < 1e-9);
        assert_eq!(mad_with(&sorted, 1.5), 1.75);
        assert_eq!(mad_floor(&[0.3]), 0.0);
    }

    /// The tight MAD ceiling by hand, on `U`'s first eleven values (the history but now),
    /// sorted: 0.50 0.52 0.55 0.58 0.60 0.60 0.62 0.65 0.68 0.70 0.72. With `u` the twelve
    /// have P = 0.62 and, for u ≥ P, median m = (0.60 + 0.62) / 2 = 0.61; the others'
    /// deviations, sorted: 0.01 0.01 0.01 0.03 0.04 0.06 0.07 0.09 0.09 0.11 0.11. MAD is the
    /// mean of ranks 5 and 6 with d = u − 0.61 among them: 0.05 for u ≤ 0.65, (u − 0.55) / 2
    /// for 0.65 ≤ u ≤ 0.68, 0.065 above.
    /// - s = 2.5: u + 0.1625 = 1 at u* = 0.8375 (above 0.68), `mad_by_hand`'s limit;
    /// - s = 6: f(0.65) = 0.95, then 4u − 1.65 = 1 at u* = 0.6625 (MAD 0.05625);
    /// - s = 10: f(0.62) = 1.12 > 1, nothing at or above P is accepted. Below Q = 0.60 the
    ///   median is 0.60, the others' deviations 0 0 0.02 0.02 0.05 0.05 0.08 0.08 0.10 0.10
    ///   0.12: MAD is 0.05 for u ≥ 0.55 (f ≥ 1.05), (0.05 + 0.60 − u) / 2 on [0.52, 0.55]
    ///   (f = 3.25 − 4u ≥ 1.05), 0.065 below 0.52 (f = u + 0.65): the bound is 0.35. Between
    ///   0.60 and 0.62 the median is in [0.60, 0.61], MAD at least 0.045, u at most 0.55:
    ///   nothing.
    ///
    /// The floor's bound for s = 2.5 was 1 − 2.5 × 0.035 = 0.9125 (the narrowest five
    /// consecutive values span 0.07).
    #[test]
    fn mad_ceiling_by_hand() {
        let mut sorted = U[..11].to_vec();
        sorted.sort_by(f64::total_cmp);
        // Within the margin (10⁻⁹ × (1 + s)) the bound keeps above the rounding.
        let near = |a: f64, b: f64| (a - b).abs() < 1e-7;
        assert!(near(mad_ceiling(&sorted, 2.5), 0.8375));
        assert!(near(mad_ceiling(&sorted, 6.0), 0.6625));
        let c = mad_ceiling(&sorted, 10.0);
        assert!(near(c, 0.35), "{c}");
        assert!(0.35 <= 1.0 - 10.0 * mad_with(&sorted, 0.35));
        assert!(0.36 > 1.0 - 10.0 * mad_with(&sorted, 0.36));
        assert!(near(
            ceiling(Detector::Mad { safety: 2.5 }, 0.7, 12, &sorted),
            0.9125
        ));
        // Either side of 0.6625 at s = 6, as the detector decides it.
        assert!(0.66 <= 1.0 - 6.0 * mad_with(&sorted, 0.66));
        assert!(0.665 > 1.0 - 6.0 * mad_with(&sorted, 0.665));
    }
}
