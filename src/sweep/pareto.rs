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

/// One Pareto-optimal point, as pareto.json and pareto.csv list it.
#[derive(Debug, Clone, Serialize)]
pub struct ParetoPoint {
    pub point: u64,
    pub params: BTreeMap<String, Param>,
    pub cost_total: Stat,
    pub sla_worst_met_share: Stat,
}

/// `pareto.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Front {
    /// What is minimized and what is maximized (column names of the summary, as means).
    pub minimize: &'static str,
    pub maximize: &'static str,
    /// The optimal points, by increasing cost (then decreasing SLA, then point).
    pub points: Vec<ParetoPoint>,
}

/// The indexes (into `xy`) of the points not dominated by any other, ordered by increasing
/// x, then decreasing y, then index. (x, y) dominates (x', y') when x ≤ x', y ≥ y' and one of
/// them is strict; equal points do not dominate each other, so both are kept. Points with a
/// NaN are left out.
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
    let mut front: Vec<usize> = Vec::new();
    for i in order {
        let (x, y) = xy[i];
        match front.last() {
            // Sorted by x: every point on the front so far has x' ≤ x. The last has the highest
            // y so far; i survives if it beats that y, or ties the last point exactly.
            Some(&j) => {
                let (xj, yj) = xy[j];
                if y > yj || (x == xj && y == yj) {
                    front.push(i);
                }
            }
            None => front.push(i),
        }
    }
    front
}

pub fn front(sums: &[PointSummary]) -> Front {
    let empty = Stat {
        mean: None,
        ci95_low: None,
        ci95_high: None,
    };
    let xy: Vec<(f64, f64)> = sums
        .iter()
        .map(|s| {
            let m = |n: &str| s.stat(n).and_then(|st| st.mean).unwrap_or(f64::NAN);
            (m(COST), m(SLA))
        })
        .collect();
    Front {
        minimize: COST,
        maximize: SLA,
        points: optimal(&xy)
            .into_iter()
            .map(|i| ParetoPoint {
                point: sums[i].point,
                params: sums[i].params.clone(),
                cost_total: sums[i].stat(COST).unwrap_or(empty),
                sla_worst_met_share: sums[i].stat(SLA).unwrap_or(empty),
            })
            .collect(),
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
    // Points with the same figures (common when an axis stops mattering) share one row.
    let mut groups: Vec<Vec<&ParetoPoint>> = Vec::new();
    for p in &front.points {
        match groups.last_mut() {
            Some(g)
                if g[0].cost_total.mean == p.cost_total.mean
                    && g[0].sla_worst_met_share.mean == p.sla_worst_met_share.mean =>
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

    /// The obvious O(n²) definition.
    fn brute(xy: &[(f64, f64)]) -> Vec<usize> {
        let dominates =
            |a: (f64, f64), b: (f64, f64)| a.0 <= b.0 && a.1 >= b.1 && (a.0 < b.0 || a.1 > b.1);
        let mut out: Vec<usize> = (0..xy.len())
            .filter(|&i| !(0..xy.len()).any(|j| dominates(xy[j], xy[i])))
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
}
