//! Which guest leaves an overloaded host: Beloglazov & Buyya (2012) §7, as CloudSim's
//! `PowerVmSelectionPolicy{MinimumMigrationTime, MaximumCorrelation, RandomSelection}`.
//!
//! A manager calls [`select`] again after each pick, with the picked guest gone, until the
//! detector no longer finds the host overloaded (CloudSim's `getVmsToMigrateFromHosts`).
//! Guests already migrating are never picked.

use rand::RngExt;
use rand::rngs::StdRng;

/// A selection policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Minimum migration time (MMT): the least memory over the same link.
    MinMigrationTime,
    /// Maximum correlation (MC): the guest whose CPU history the others' explain best (the
    /// multiple correlation R² of a linear regression on them), falling back to MMT when the
    /// regression cannot be solved (CloudSim falls back the same way).
    MaxCorrelation,
    /// A uniform draw from a generator seeded by the scenario, so runs repeat.
    Random,
}

/// What a policy sees of one guest.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Its memory, what a migration copies [MB].
    pub memory_mb: f64,
    /// Its CPU utilization per interval, oldest first (MC only).
    pub history: &'a [f64],
    /// Already on its way somewhere: not a candidate.
    pub migrating: bool,
}

/// The index of the guest to move, or `None` when every guest is migrating already.
pub fn select(policy: Policy, guests: &[Candidate], rng: &mut StdRng) -> Option<usize> {
    let free: Vec<usize> = (0..guests.len())
        .filter(|&i| !guests[i].migrating)
        .collect();
    if free.is_empty() {
        return None;
    }
    match policy {
        Policy::MinMigrationTime => min_migration_time(guests, &free),
        Policy::MaxCorrelation => {
            max_correlation(guests, &free).or_else(|| min_migration_time(guests, &free))
        }
        Policy::Random => Some(free[rng.random_range(0..free.len())]),
    }
}

/// The first guest of least memory: with one link for all, the shortest migration.
fn min_migration_time(guests: &[Candidate], free: &[usize]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for &i in free {
        if best.is_none_or(|b| guests[i].memory_mb < guests[b].memory_mb) {
            best = Some(i);
        }
    }
    best
}

/// The guest of highest R² against the others, over the most recent values all of them have
/// (CloudSim trims to the shortest history). `None` when there are fewer than two guests,
/// too few values for the regressors, or a singular regression.
fn max_correlation(guests: &[Candidate], free: &[usize]) -> Option<usize> {
    if free.len() < 2 {
        return None;
    }
    let m = free.iter().map(|&i| guests[i].history.len()).min()?;
    let cols: Vec<&[f64]> = free
        .iter()
        .map(|&i| {
            let h = guests[i].history;
            &h[h.len() - m..]
        })
        .collect();
    let mut best: Option<(usize, f64)> = None;
    for (k, &i) in free.iter().enumerate() {
        let others: Vec<&[f64]> = cols
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != k)
            .map(|(_, c)| *c)
            .collect();
        let r2 = r_squared(cols[k], &others)?;
        if best.is_none_or(|(_, b)| r2 > b) {
            best = Some((i, r2));
        }
    }
    best.map(|(i, _)| i)
}

/// R² of the ordinary least-squares regression of `y` on `xs` with an intercept, by the
/// normal equations and Gaussian elimination with partial pivoting. `None` when there are
/// not more observations than parameters, `y` is constant, or the system is singular.
pub fn r_squared(y: &[f64], xs: &[&[f64]]) -> Option<f64> {
    let n = y.len();
    let p = xs.len() + 1;
    if n <= p || xs.iter().any(|x| x.len() != n) {
        return None;
    }
    let row = |t: usize| std::iter::once(1.0).chain(xs.iter().map(move |x| x[t]));
    // [XᵀX | Xᵀy]
    let mut a = vec![vec![0.0; p + 1]; p];
    for (t, &yt) in y.iter().enumerate() {
        let r: Vec<f64> = row(t).collect();
        for (ai, &ri) in a.iter_mut().zip(&r) {
            for (aij, &rj) in ai.iter_mut().zip(&r) {
                *aij += ri * rj;
            }
            ai[p] += ri * yt;
        }
    }
    let scale = a
        .iter()
        .flat_map(|r| r[..p].iter())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    for c in 0..p {
        let piv = (c..p).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[piv][c].abs() <= 1e-12 * scale.max(1.0) {
            return None;
        }
        a.swap(c, piv);
        let pivot_row = a[c].clone();
        for (i, ai) in a.iter_mut().enumerate() {
            if i != c {
                let f = ai[c] / pivot_row[c];
                for (aij, &pj) in ai[c..].iter_mut().zip(&pivot_row[c..]) {
                    *aij -= f * pj;
                }
            }
        }
    }
    let beta: Vec<f64> = (0..p).map(|i| a[i][p] / a[i][i]).collect();
    let mean = y.iter().sum::<f64>() / n as f64;
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for (t, &yt) in y.iter().enumerate() {
        let fit: f64 = row(t).zip(&beta).map(|(x, b)| x * b).sum();
        ss_res += (yt - fit).powi(2);
        ss_tot += (yt - mean).powi(2);
    }
    if ss_tot <= 0.0 {
        return None;
    }
    Some((1.0 - ss_res / ss_tot).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn guest(memory_mb: f64, history: &[f64]) -> Candidate<'_> {
        Candidate {
            memory_mb,
            history,
            migrating: false,
        }
    }

    #[test]
    fn mmt_takes_the_least_memory_and_skips_migrating_guests() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut g = vec![guest(4096.0, &[]), guest(1024.0, &[]), guest(1024.0, &[])];
        // Ties go to the first, as CloudSim's strict `<`.
        assert_eq!(select(Policy::MinMigrationTime, &g, &mut rng), Some(1));
        g[1].migrating = true;
        assert_eq!(select(Policy::MinMigrationTime, &g, &mut rng), Some(2));
        g[0].migrating = true;
        g[2].migrating = true;
        assert_eq!(select(Policy::MinMigrationTime, &g, &mut rng), None);
    }

    /// One regressor: R² is Pearson's r². A = 1 2 3 4 5, B = 2 1 4 3 5: both means 3;
    /// deviations −2 −1 0 1 2 and −1 −2 1 0 2; Σ products 2 + 2 + 0 + 0 + 4 = 8; Σ squares
    /// 10 and 10; r = 8 / 10 = 0.8, r² = 0.64.
    #[test]
    fn r_squared_of_one_regressor_is_pearson_squared() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [2.0, 1.0, 4.0, 3.0, 5.0];
        assert!((r_squared(&a, &[&b]).unwrap() - 0.64).abs() < 1e-12);
        assert!((r_squared(&b, &[&a]).unwrap() - 0.64).abs() < 1e-12);
        // Two observations cannot fit two parameters and judge the fit.
        assert_eq!(r_squared(&a[..2], &[&b[..2]]), None);
        // A constant regressor is the intercept again: singular.
        assert_eq!(r_squared(&a, &[&[1.0; 5]]), None);
    }

    /// Guest 1 is 2 × guest 2 + 0.1 give or take 0.01, so each of them is nearly explained
    /// (R² near 1) by the others while guests 0 and 3, unrelated, are not: MC picks 1 or 2,
    /// MMT the least memory (guest 3). Exactly collinear, the regression of guest 0 on the
    /// others is singular and MC falls back to MMT, as CloudSim's does on its exception.
    #[test]
    fn mc_picks_a_guest_the_others_explain() {
        let h0 = [0.1, 0.5, 0.2, 0.4, 0.3, 0.6, 0.2, 0.1];
        let h2 = [0.2, 0.1, 0.3, 0.2, 0.4, 0.1, 0.3, 0.2];
        let noise = [0.01, -0.01, 0.0, 0.01, -0.01, 0.005, -0.005, 0.0];
        let h1: Vec<f64> = h2
            .iter()
            .zip(noise)
            .map(|(x, e)| 2.0 * x + 0.1 + e)
            .collect();
        let h3 = [0.3, 0.3, 0.1, 0.5, 0.2, 0.2, 0.4, 0.6];
        let g = [
            guest(2048.0, &h0),
            guest(2048.0, &h1),
            guest(2048.0, &h2),
            guest(512.0, &h3),
        ];
        let mut rng = StdRng::seed_from_u64(7);
        let pick = select(Policy::MaxCorrelation, &g, &mut rng).unwrap();
        assert!(pick == 1 || pick == 2, "{pick}");
        assert_eq!(select(Policy::MinMigrationTime, &g, &mut rng), Some(3));
        let exact: Vec<f64> = h2.iter().map(|x| 2.0 * x + 0.1).collect();
        let g = [g[0], guest(2048.0, &exact), g[2], g[3]];
        assert_eq!(select(Policy::MaxCorrelation, &g, &mut rng), Some(3));
        // Too short a history for three regressors: MC falls back to MMT.
        let short = [0.1, 0.2, 0.3];
        let g: Vec<_> = (0..4).map(|i| guest(100.0 + i as f64, &short)).collect();
        assert_eq!(select(Policy::MaxCorrelation, &g, &mut rng), Some(0));
    }

    #[test]
    fn random_repeats_with_its_seed_and_reaches_every_guest() {
        let g: Vec<_> = (0..5).map(|_| guest(1.0, &[])).collect();
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..200)
                .map(|_| select(Policy::Random, &g, &mut rng).unwrap())
                .collect::<Vec<_>>()
        };
        let a = draw(42);
        assert_eq!(a, draw(42));
        assert_ne!(a, draw(43));
        for i in 0..5 {
            assert!(a.contains(&i));
        }
    }
}
