//! The points of a sweep and the replicas' seeds: a grid, random draws or a Latin hypercube.
//!
//! Everything here is a function of the sweep's seed and the point's index (and, for the Latin
//! hypercube, the number of samples, which it stratifies): never of the thread count, the
//! shard, or what ran before. The random streams are PCG (`Pcg64Mcg`, as the synthetic demand
//! uses) seeded through SplitMix64, and the uniform draws and shuffles are written out here
//! rather than taken from `rand`'s helpers, whose algorithms may change between versions.

use super::spec::{Domain, Param, Sampling, Spec};
use rand::Rng;
use rand_pcg::Pcg64Mcg;

/// One point: the value of each axis, in the sweep file's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub index: u64,
    pub values: Vec<Param>,
}

/// Every point of the sweep, in index order. A grid runs through the axes' values like nested
/// loops, the first axis outermost (the last axis changes fastest).
pub fn all(spec: &Spec) -> Vec<Point> {
    let n = spec.point_count();
    let domains: Vec<&Domain> = spec.axes.iter().map(|a| &a.domain).collect();
    match spec.sampling {
        Sampling::Grid => (0..n).map(|i| grid_point(&domains, i)).collect(),
        Sampling::Random => (0..n)
            .map(|i| Point {
                index: i,
                values: domains
                    .iter()
                    .enumerate()
                    .map(|(a, d)| d.at(unit(&mut stream(spec.seed, RANDOM, i, a as u64))))
                    .collect(),
            })
            .collect(),
        Sampling::LatinHypercube => {
            let u = latin_hypercube(n as usize, domains.len(), spec.seed);
            (0..n)
                .map(|i| Point {
                    index: i,
                    values: domains
                        .iter()
                        .enumerate()
                        .map(|(a, d)| d.at(u[i as usize][a]))
                        .collect(),
                })
                .collect()
        }
    }
}

fn grid_point(domains: &[&Domain], index: u64) -> Point {
    let mut rest = index;
    let mut values = vec![Param::Int(0); domains.len()];
    for (a, d) in domains.iter().enumerate().rev() {
        let Domain::Values(v) = d else {
            unreachable!("a grid axis has a list of values (checked with the sweep file)")
        };
        let len = v.len() as u64;
        values[a] = v[(rest % len) as usize].clone();
        rest /= len;
    }
    Point { index, values }
}

/// `n` points in the unit cube of `dims` dimensions, one in each of the `n` equal strata of
/// every dimension: for each dimension a seeded permutation assigns the strata to the points,
/// and a seeded draw places each point within its stratum [McKay, Beckman & Conover 1979].
pub fn latin_hypercube(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut u = vec![vec![0.0; dims]; n];
    for d in 0..dims {
        let mut strata: Vec<usize> = (0..n).collect();
        shuffle(&mut strata, &mut stream(seed, LHS_PERMUTATION, d as u64, 0));
        for (i, row) in u.iter_mut().enumerate() {
            let jitter = unit(&mut stream(seed, LHS_JITTER, i as u64, d as u64));
            let (s, nf) = (strata[i] as f64, n as f64);
            // Rounding may carry (s + jitter) / n onto a stratum's edge: step back inside, so
            // that ⌊u·n⌋ = s holds in floating point as it does in exact arithmetic.
            let mut x = (s + jitter) / nf;
            while x * nf >= s + 1.0 {
                x = x.next_down();
            }
            while x * nf < s {
                x = x.next_up();
            }
            row[d] = x;
        }
    }
    u
}

/// The scenario seed of replica `r`: the same for every point, so points are compared on the
/// same demand (common random numbers) and their differences have less noise than their
/// levels. Below 2⁶³, because a TOML integer is signed.
pub fn replica_seed(sweep_seed: u64, replica: u64) -> u64 {
    mix64(mix64(sweep_seed ^ REPLICA).wrapping_add(replica.wrapping_add(1).wrapping_mul(GAMMA)))
        >> 1
}

// Domain separation: each use of the sweep's seed has its own tag, so no two streams coincide.
const RANDOM: u64 = 0x5241_4E44_4F4D_0001;
const LHS_PERMUTATION: u64 = 0x4C48_5350_4552_0002;
const LHS_JITTER: u64 = 0x4C48_534A_4954_0003;
const REPLICA: u64 = 0x5245_504C_4943_0004;
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function (Steele, Lea & Flood 2014), a bijection on `u64`.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent PCG stream for (seed, tag, a, b).
fn stream(seed: u64, tag: u64, a: u64, b: u64) -> Pcg64Mcg {
    let mut s = mix64(seed ^ tag);
    s = mix64(s.wrapping_add(a.wrapping_add(1).wrapping_mul(GAMMA)));
    s = mix64(s.wrapping_add(b.wrapping_add(1).wrapping_mul(GAMMA)));
    let hi = mix64(s.wrapping_add(GAMMA));
    let lo = mix64(s.wrapping_add(GAMMA.wrapping_mul(2)));
    Pcg64Mcg::new((u128::from(hi) << 64) | u128::from(lo) | 1)
}

/// A uniform draw in [0, 1) with 53 random bits.
fn unit(rng: &mut Pcg64Mcg) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Fisher–Yates, with a draw below `k` by multiplying a 53-bit uniform (its bias, below 2⁻³³
/// for `k` under a million, does not matter for choosing strata).
fn shuffle<T>(items: &mut [T], rng: &mut Pcg64Mcg) {
    for i in (1..items.len()).rev() {
        let j = ((unit(rng) * (i + 1) as f64) as usize).min(i);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defining property: in every dimension, each of the n strata [k/n, (k+1)/n) holds
    /// exactly one point.
    #[test]
    fn latin_hypercube_has_one_point_per_stratum_per_axis() {
        for (n, dims, seed) in [(1, 1, 0), (7, 3, 1), (50, 4, 42), (1000, 2, 7)] {
            let u = latin_hypercube(n, dims, seed);
            assert_eq!(u.len(), n);
            for d in 0..dims {
                let mut seen = vec![0u32; n];
                for row in &u {
                    assert!((0.0..1.0).contains(&row[d]));
                    seen[(row[d] * n as f64) as usize] += 1;
                }
                assert!(seen.iter().all(|&c| c == 1), "n={n} d={d}: {seen:?}");
            }
        }
    }

    /// Also after mapping to an axis: an integer axis of as many values as samples gets each
    /// value once.
    #[test]
    fn latin_hypercube_covers_an_integer_axis() {
        let u = latin_hypercube(6, 1, 3);
        let d = Domain::UniformInt { low: 1, high: 6 };
        let mut got: Vec<i64> = u
            .iter()
            .map(|r| match d.at(r[0]) {
                Param::Int(i) => i,
                _ => unreachable!(),
            })
            .collect();
        got.sort();
        assert_eq!(got, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn draws_depend_on_seed_and_index_only() {
        let a = latin_hypercube(20, 2, 5);
        assert_eq!(a, latin_hypercube(20, 2, 5));
        assert_ne!(a, latin_hypercube(20, 2, 6));
        assert_eq!(
            unit(&mut stream(1, RANDOM, 3, 0)),
            unit(&mut stream(1, RANDOM, 3, 0))
        );
        assert_ne!(
            unit(&mut stream(1, RANDOM, 3, 0)),
            unit(&mut stream(1, RANDOM, 4, 0))
        );
        let seeds: Vec<u64> = (0..5).map(|r| replica_seed(7, r)).collect();
        assert!(seeds.iter().all(|&s| s < 1 << 63));
        let mut distinct = seeds.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 5);
    }

    #[test]
    fn grid_runs_the_last_axis_fastest() {
        let a = Domain::Values(vec![Param::Int(1), Param::Int(2)]);
        let b = Domain::Values(vec![Param::Int(10), Param::Int(20), Param::Int(30)]);
        let pts: Vec<Vec<Param>> = (0..6).map(|i| grid_point(&[&a, &b], i).values).collect();
        assert_eq!(pts[0], [Param::Int(1), Param::Int(10)]);
        assert_eq!(pts[1], [Param::Int(1), Param::Int(20)]);
        assert_eq!(pts[3], [Param::Int(2), Param::Int(10)]);
        assert_eq!(pts[5], [Param::Int(2), Param::Int(30)]);
    }
}
