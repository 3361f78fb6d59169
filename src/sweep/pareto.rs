//! The cost-versus-SLA Pareto front over a sweep's points: the points no other point beats on
//! both the mean total cost (lower is better) and the mean SLA met share of the worst workload
//! (higher is better). Each is a plan worth considering; every other point is beaten by one.

use super::spec::Param;
use super::table::{PointSummary, Stat};
use serde::Serialize;
use std::collections::BTreeMap;

/// The figures the front trades off (summary means over replicas).
pub const COST: &str = "cost_total";
pub const SLA: &str = "sla_worst_met_share";
/// Minimized too when `[sweep] objectives` lists it: the front is then three-dimensional.
pub const CO2: &str = "co2_kg";

/// One Pareto-optimal point, as pareto.json and pareto.csv list it.
#[derive(Debug, Clone, Serialize)]
pub struct ParetoPoint {
    pub point: u64,
    pub params: BTreeMap<String, Param>,
    pub cost_total: Stat,
    pub sla_worst_met_share: Stat,
    /// Present when the front minimizes CO2 as well.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co2_kg: Option<Stat>,
}

/// `pareto.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Front {
    /// What is minimized and what is maximized (column names of the summary, as means).
    pub minimize: &'static str,
    pub maximize: &'static str,
    /// Further figures minimized (`[sweep] objectives`): absent for the cost-SLA front.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_minimize: Vec<String>,
    /// The optimal points, by increasing cost (then decreasing SLA, then point).
    pub points: Vec<ParetoPoint>,
}

/// Two figures closer than this, relative to the larger, are the same figure. A mean over
/// replicas is a sum of floats: two points whose runs cost the same can differ in the last
/// bits (2e-12 in 1e4), and a point 2e-12 cheaper but worse must not "beat" one that
/// dominates it. A part in a billion is far below any cost or SLA difference a plan turns on.
pub const EPSILON: f64 = 1e-9;

/// `a` and `b` are equal within [`EPSILON`] of the larger.
pub fn same(a: f64, b: f64) -> bool {
    if !(a.is_finite() && b.is_finite()) {
        return a == b;
    }
    (a - b).abs() <= EPSILON * a.abs().max(b.abs())
}

/// `a` is below `b` by more than [`EPSILON`]: clearly less.
fn clearly_less(a: f64, b: f64) -> bool {
    a < b && !same(a, b)
}

/// The indexes (into `xy`) of the points not ε-dominated by any other, ordered by increasing
/// x, then decreasing y, then index. (x, y) dominates (x', y') when x is not clearly above
/// x', y not clearly below y', and one of them is clearly better (beyond [`EPSILON`]); points
/// equal within ε do not dominate each other, so both are kept. Points with a NaN are left
/// out.
///
/// O(n log n): sorted by x, a point is dominated when some clearly cheaper point is at least
/// as good (the best y of a prefix), or some equally cheap point is clearly better (the best y
/// of a window around it; both ends of the window only move forward, so a monotone queue
/// gives its maximum).
pub fn optimal(xy: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..xy.len())
        .filter(|&i| !xy[i].0.is_nan() && !xy[i].1.is_nan())
        .collect();
    order.sort_by(|&a, &b| {
        xy[a]
            .0
            .total_cmp(&xy[b].0)
            .then(xy[b].1.total_cmp(&xy[a].1))
            .then(a.cmp(&b))
    });
    let n = order.len();
    let x = |k: usize| xy[order[k]].0;
    let y = |k: usize| xy[order[k]].1;
    // prefix_best[k]: the highest y among sorted positions 0..k.
    let mut prefix_best = vec![f64::NEG_INFINITY; n + 1];
    for (k, &i) in order.iter().enumerate() {
        prefix_best[k + 1] = prefix_best[k].max(xy[i].1);
    }
    let (mut lo, mut hi) = (0usize, 0usize);
    // Positions in lo..hi by decreasing y: the front of the queue is the window's best.
    let mut window: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut front = Vec::new();
    for (k, &point) in order.iter().enumerate() {
        // The window: every position whose x is the same as x(k) within ε.
        while hi < n && !clearly_less(x(k), x(hi)) {
            while window.back().is_some_and(|&b| y(b) <= y(hi)) {
                window.pop_back();
            }
            window.push_back(hi);
            hi += 1;
        }
        while clearly_less(x(lo), x(k)) {
            lo += 1;
        }
        while window.front().is_some_and(|&f| f < lo) {
            window.pop_front();
        }
        let cheaper_as_good = lo > 0 && !clearly_less(prefix_best[lo], y(k));
        let same_cost_better = window.front().is_some_and(|&f| clearly_less(y(k), y(f)));
        if !cheaper_as_good && !same_cost_better {
            front.push(point);
        }
    }
    front
}

/// The indexes of the points no other ε-dominates when each point has figures `f[i]`, all
/// lower-is-better, ordered by the first figure, then the second, then index. Points with a
/// NaN are left out. The obvious O(n²) definition, for fronts of three figures or more
/// ([`optimal`] is the fast two-figure case, with its second figure higher-is-better).
pub fn optimal_all(f: &[Vec<f64>]) -> Vec<usize> {
    let ok = |i: usize| f[i].iter().all(|x| !x.is_nan());
    let dominates = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).all(|(x, y)| !clearly_less(*y, *x))
            && a.iter().zip(b).any(|(x, y)| clearly_less(*x, *y))
    };
    let mut out: Vec<usize> = (0..f.len())
        .filter(|&i| ok(i))
        .filter(|&i| !(0..f.len()).any(|j| j != i && ok(j) && dominates(&f[j], &f[i])))
        .collect();
    out.sort_by(|&a, &b| {
        f[a].iter()
            .zip(&f[b])
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    out
}

/// The front over `sums`: mean cost against the worst workload's mean SLA, and against each
/// figure of `also_minimize` too.
pub fn front(sums: &[PointSummary], also_minimize: &[String]) -> Front {
    let empty = Stat {
        mean: None,
        ci95_low: None,
        ci95_high: None,
    };
    let m = |s: &PointSummary, n: &str| s.stat(n).and_then(|st| st.mean).unwrap_or(f64::NAN);
    let chosen = if also_minimize.is_empty() {
        let xy: Vec<(f64, f64)> = sums.iter().map(|s| (m(s, COST), m(s, SLA))).collect();
        optimal(&xy)
    } else {
        let f: Vec<Vec<f64>> = sums
            .iter()
            .map(|s| {
                let mut v = vec![m(s, COST), -m(s, SLA)];
                v.extend(also_minimize.iter().map(|n| m(s, n)));
                v
            })
            .collect();
        optimal_all(&f)
    };
    let co2 = also_minimize.iter().any(|n| n == CO2);
    Front {
        minimize: COST,
        maximize: SLA,
        also_minimize: also_minimize.to_vec(),
        points: chosen
            .into_iter()
            .map(|i| ParetoPoint {
                point: sums[i].point,
                params: sums[i].params.clone(),
                cost_total: sums[i].stat(COST).unwrap_or(empty),
                sla_worst_met_share: sums[i].stat(SLA).unwrap_or(empty),
                co2_kg: co2.then(|| sums[i].stat(CO2).unwrap_or(empty)),
            })
            .collect(),
    }
}

/// Two means that are both absent, or the same within ε.
fn same_figure(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// Rows the terminal shows; pareto.csv has them all.
const MAX_ROWS: usize = 30;

/// The front as a terminal table: point, the axes, mean cost and mean SLA with their
/// intervals.
pub fn render(front: &Front, axes: &[String]) -> String {
    let fmt = |st: &Stat, digits: usize| -> String {
        match (st.mean, st.ci95_low, st.ci95_high) {
            (Some(m), Some(l), Some(h)) => format!("{m:.digits$} ± {:.digits$}", (h - l) / 2.0),
            (Some(m), _, _) => format!("{m:.digits$}"),
            _ => "n/a".into(),
        }
    };
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(axes.iter().cloned());
    header.push(COST.into());
    header.push(SLA.into());
    let co2 = front.points.iter().any(|p| p.co2_kg.is_some());
    if co2 {
        header.push(CO2.into());
    }
    // Points with the same figures (common when an axis stops mattering) share one row.
    let mut groups: Vec<Vec<&ParetoPoint>> = Vec::new();
    for p in &front.points {
        match groups.last_mut() {
            Some(g)
                if same_figure(g[0].cost_total.mean, p.cost_total.mean)
                    && same_figure(g[0].sla_worst_met_share.mean, p.sla_worst_met_share.mean)
                    && same_figure(
                        g[0].co2_kg.and_then(|c| c.mean),
                        p.co2_kg.and_then(|c| c.mean),
                    ) =>
            {
                g.push(p)
            }
            _ => groups.push(vec![p]),
        }
    }
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let p = g[0];
            let mut r = vec![if g.len() > 1 {
                format!("{} (+{})", p.point, g.len() - 1)
            } else {
                p.point.to_string()
            }];
            r.extend(axes.iter().map(|a| {
                p.params.get(a).map_or(String::new(), |v| match v {
                    Param::Text(s) => s.clone(),
                    // Sampled floats in full are noise on a terminal; pareto.csv has them.
                    Param::Float(x) => crate::report::charts::fmt_tick(*x),
                    v => v.to_string(),
                })
            }));
            r.push(fmt(&p.cost_total, 0));
            r.push(fmt(&p.sla_worst_met_share, 4));
            if co2 {
                r.push(p.co2_kg.map_or("n/a".into(), |c| fmt(&c, 1)));
            }
            r
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|k| {
            rows.iter()
                .map(|r| r[k].chars().count())
                .chain([header[k].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (k, c) in cells.iter().enumerate() {
            let pad = widths[k] - c.chars().count();
            if k > 0 {
                s.push_str("  ");
            }
            s.push_str(&" ".repeat(pad));
            s.push_str(c);
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header);
    for r in rows.iter().take(MAX_ROWS) {
        out.push_str(&line(r));
    }
    if rows.len() > MAX_ROWS {
        out.push_str(&format!(
            "… and {} more rows: pareto.csv lists every point\n",
            rows.len() - MAX_ROWS
        ));
    }
    let alike: Vec<String> = groups
        .iter()
        .take(MAX_ROWS)
        .filter(|g| g.len() > 1)
        .map(|g| {
            let rest: Vec<String> = g[1..].iter().map(|p| p.point.to_string()).collect();
            format!(
                "point {} has the same figures as {}",
                g[0].point,
                rest.join(", ")
            )
        })
        .collect();
    if !alike.is_empty() {
        out.push_str(&format!(
            "\n(+N): {} (pareto.csv lists them all)\n",
            alike.join("; ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious O(n²) definition, ε included.
    fn brute(xy: &[(f64, f64)]) -> Vec<usize> {
        let dominates = |a: (f64, f64), b: (f64, f64)| {
            !clearly_less(b.0, a.0)
                && !clearly_less(a.1, b.1)
                && (clearly_less(a.0, b.0) || clearly_less(b.1, a.1))
        };
        let mut out: Vec<usize> = (0..xy.len())
            .filter(|&i| !xy[i].0.is_nan() && !xy[i].1.is_nan())
            .filter(|&i| {
                !(0..xy.len())
                    .filter(|&j| !xy[j].0.is_nan() && !xy[j].1.is_nan())
                    .any(|j| dominates(xy[j], xy[i]))
            })
            .collect();
        out.sort_by(|&a, &b| {
            xy[a]
                .0
                .total_cmp(&xy[b].0)
                .then(xy[b].1.total_cmp(&xy[a].1))
                .then(a.cmp(&b))
        });
        out
    }

    #[test]
    fn a_hand_made_front() {
        // (cost, sla): 1 beats 3 (cheaper and better); 0 and 2 tie exactly; 4 is the
        // dearest but the best.
        let xy = [
            (10.0, 0.9),
            (12.0, 0.95),
            (10.0, 0.9),
            (13.0, 0.94),
            (20.0, 0.99),
            (10.0, 0.8),
        ];
        assert_eq!(optimal(&xy), [0, 2, 1, 4]);
        assert_eq!(optimal(&xy), brute(&xy));
    }

    /// Three figures (cost, −SLA, CO2), all minimized: (10, −0.9, 50) is beaten on cost and
    /// SLA by nothing but is beaten by (10, −0.9, 40) on CO2 alone; (12, −0.95, 30) is dearer
    /// but better on SLA and CO2, so it stays; (11, −0.9, 60) is beaten by the first
    /// survivor on cost and CO2 with the same SLA. Two-figure ordering: by cost, then SLA.
    #[test]
    fn a_hand_made_three_figure_front() {
        let f = vec![
            vec![10.0, -0.9, 50.0],
            vec![12.0, -0.95, 30.0],
            vec![10.0, -0.9, 40.0],
            vec![11.0, -0.9, 60.0],
        ];
        assert_eq!(optimal_all(&f), [2, 1]);
        // Without the third figure 0 and 2 tie and both stay, 3 goes, 1 stays.
        let two: Vec<(f64, f64)> = f.iter().map(|v| (v[0], -v[1])).collect();
        assert_eq!(optimal(&two), [0, 2, 1]);
        let f2: Vec<Vec<f64>> = f.iter().map(|v| v[..2].to_vec()).collect();
        assert_eq!(optimal_all(&f2), optimal(&two));
    }

    /// The sorted sweep equals the definition on many small grids with ties (values drawn
    /// from few levels, so ties are common).
    #[test]
    fn fast_front_equals_the_definition() {
        let mut state = 1u64;
        let mut next = |k: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % k) as f64
        };
        for n in 0..60 {
            let xy: Vec<(f64, f64)> = (0..n % 13).map(|_| (next(5), next(4))).collect();
            assert_eq!(optimal(&xy), brute(&xy), "{xy:?}");
        }
        assert_eq!(optimal(&[(f64::NAN, 1.0), (1.0, 0.5)]), [1]);
    }

    /// Issue #19: point 21 costs 2e-12 less than point 7 (the same replicas' costs summed in
    /// another order) and has a worse SLA; point 7 dominates it, not the other way round.
    /// Costs 2e-6 apart (a part in 5e9 of 1e4) are the same cost too; 1e-3 apart they are not.
    #[test]
    fn a_cost_lower_by_rounding_noise_is_not_cheaper() {
        let xy = [(12_000.0, 0.995), (12_000.0 - 2e-12, 0.990)];
        assert_eq!(optimal(&xy), [0]);
        let xy = [(10_000.0, 0.995), (10_000.0 - 2e-6, 0.990)];
        assert_eq!(optimal(&xy), [0]);
        let xy = [(10_000.0, 0.995), (10_000.0 - 1e-3, 0.990)];
        assert_eq!(optimal(&xy), [1, 0], "a thousandth cheaper is cheaper");
        // SLA shares equal within ε, one cheaper: the cheaper one alone.
        let xy = [(100.0, 0.9), (90.0, 0.9 - 1e-12)];
        assert_eq!(optimal(&xy), [1]);
        // Equal within ε in both: both kept.
        let xy = [(100.0, 0.9), (100.0 + 1e-8, 0.9 - 1e-12)];
        assert_eq!(optimal(&xy), [0, 1]);
    }

    /// The fast front equals the definition when figures differ by noise: levels a little
    /// apart, each copied with perturbations below and above ε.
    #[test]
    fn fast_front_equals_the_definition_near_epsilon() {
        let mut state = 7u64;
        let mut next = |k: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % k
        };
        let noise = [0.0, 1e-13, -1e-13, 5e-10, -5e-10, 3e-9, -3e-9, 1e-6];
        for n in 0..300 {
            let xy: Vec<(f64, f64)> = (0..n % 17)
                .map(|_| {
                    let x = 1000.0 * (1.0 + next(4) as f64) * (1.0 + noise[next(8) as usize]);
                    let y = 0.9 + 0.01 * next(3) as f64 * (1.0 + noise[next(8) as usize]);
                    (x, y)
                })
                .collect();
            assert_eq!(optimal(&xy), brute(&xy), "{xy:?}");
        }
    }
}
