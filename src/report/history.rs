//! The history a trend is fitted to: per workload and per server or partition, one value a
//! day — the day's demand at the sizing percentile, over the report interval's means (the
//! same kind of figure the verdict sizes for, one day at a time).
//!
//! It is read from the demand as the run received it — each workload's trace or synthetic
//! profile, after its `scale` and `shift` — summed time-aligned over the workloads a node
//! runs, a package's where Serviceguard ran it ([`super::placement`]). Reading the inputs
//! again, rather than the time series, makes a fit possible for memory, disk and network
//! (which the time series does not carry) and for runs that keep no time series (sweeps).
//! Reading mirrors the run's own demand streams (`sim::demand`): sample `k` of a trace (modulo
//! its length when it repeats; zero CPU and the workload's constants once it has ended), or the
//! next sample of the workload's generator; CPU × the workload's scale. A test holds the two
//! to the same numbers.
//!
//! Only whole days count (time 0 is midnight of day 1). The cost is one pass over every
//! workload's samples, paid only when some rate is `"fit"`.

use crate::Error;
use crate::model::NodeId;
use crate::sim::metrics::Held;
use crate::workload::synth::SynthGen;
use crate::world::{Demand, DemandSource, Scenario};

const DAY_MS: u64 = 86_400_000;

/// Resources in the order of the planning answers.
pub const RESOURCES: [&str; 4] = ["cpu", "memory", "disk", "network"];

/// Daily demand at the sizing percentile: `[resource][entity][day]`, entities being the
/// workloads then the nodes (the time series' order); empty for resources not asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Daily {
    pub series: [Vec<Vec<f64>>; 4],
}

impl Daily {
    /// Resource `r`'s daily values of workload `w`, if computed.
    pub fn workload(&self, r: usize, w: usize) -> Option<&[f64]> {
        self.series[r].get(w).map(Vec::as_slice)
    }

    /// Resource `r`'s daily values of node `n` (`workloads` workloads come first).
    pub fn node(&self, r: usize, workloads: usize, n: usize) -> Option<&[f64]> {
        self.series[r].get(workloads + n).map(Vec::as_slice)
    }
}

/// Where a workload runs over time: its partition, or a package's stretches.
enum Home {
    Fixed(NodeId),
    /// (from, to, node), in time order; not running between them.
    Moves(Vec<(u64, u64, NodeId)>),
}

/// Every workload's and node's daily demand at the sizing percentile, for the resources in
/// `want` (`RESOURCES` order).
pub fn daily(
    scenario: &Scenario,
    stints: &[super::placement::Stint],
    want: [bool; 4],
) -> Result<Daily, Error> {
    let model = &scenario.model;
    let (nw, nn) = (model.workloads.len(), model.nodes.len());
    let days = (scenario.horizon_ms / DAY_MS) as usize;
    let interval = scenario.report.interval_ms.clamp(1, DAY_MS);
    let per_day = DAY_MS.div_ceil(interval) as usize;
    let q = scenario.report.sizing_quantile;
    let mut homes: Vec<Home> = model
        .workloads
        .iter()
        .map(|w| Home::Fixed(w.node))
        .collect();
    for (k, p) in scenario.ha.packages.iter().enumerate() {
        let moves: Vec<(u64, u64, NodeId)> = stints
            .iter()
            .filter(|s| s.package == k)
            .map(|s| (s.from_ms, s.to_ms, s.node))
            .collect();
        for &w in &p.workloads {
            homes[w as usize] = Home::Moves(moves.clone());
        }
    }
    // Each node and its ancestors, where a workload's demand adds up.
    let chains: Vec<Vec<usize>> = (0..nn)
        .map(|i| {
            let mut chain = vec![i];
            let mut at = model.nodes[i].parent;
            while let Some(p) = at {
                chain.push(p.0 as usize);
                at = model.nodes[p.0 as usize].parent;
            }
            chain
        })
        .collect();
    let mut readers = scenario
        .demand
        .iter()
        .map(Reader::new)
        .collect::<Result<Vec<_>, String>>()
        .map_err(|m| Error::Internal(format!("reading demand for the history: {m}")))?;
    let mut out = Daily::default();
    for (r, on) in want.iter().enumerate() {
        if *on {
            out.series[r] = vec![Vec::with_capacity(days); nw + nn];
        }
    }
    // One day's interval means of the resources asked for: [resource][entity][interval].
    let wanted: Vec<usize> = (0..4).filter(|&r| want[r]).collect();
    let mut day_buf: Vec<Vec<f64>> = vec![vec![0.0; per_day]; wanted.len() * (nw + nn)];
    let slot = |k: usize, e: usize| k * (nw + nn) + e;
    for d in 0..days {
        for b in day_buf.iter_mut() {
            b.iter_mut().for_each(|v| *v = 0.0);
        }
        let start = d as u64 * DAY_MS;
        let weights: Vec<f64> = (0..per_day)
            .map(|j| {
                let a = start + j as u64 * interval;
                ((a + interval).min(start + DAY_MS) - a) as f64
            })
            .collect();
        for (w, reader) in readers.iter_mut().enumerate() {
            // j is the interval's place in the day: its time, and its slot in every buffer.
            #[allow(clippy::needless_range_loop)]
            for j in 0..per_day {
                let a = start + j as u64 * interval;
                let b = (a + interval).min(start + DAY_MS);
                let (cpu, held) = reader.mean(a, b);
                let values = [cpu, held.memory_gb, held.disk_mbps, held.network_mbps];
                for (k, &r) in wanted.iter().enumerate() {
                    day_buf[slot(k, w)][j] = values[r];
                }
                let mut place = |node: NodeId, share: f64| {
                    for &n in &chains[node.0 as usize] {
                        for (k, &r) in wanted.iter().enumerate() {
                            day_buf[slot(k, nw + n)][j] += values[r] * share;
                        }
                    }
                };
                match &homes[w] {
                    Home::Fixed(node) => place(*node, 1.0),
                    Home::Moves(moves) => {
                        for &(from, to, node) in moves {
                            let overlap = to.min(b).saturating_sub(from.max(a));
                            if overlap > 0 {
                                place(node, overlap as f64 / (b - a) as f64);
                            }
                        }
                    }
                }
            }
        }
        for (k, &r) in wanted.iter().enumerate() {
            for e in 0..nw + nn {
                let v = quantile(&day_buf[slot(k, e)], &weights, q);
                out.series[r][e].push(v);
            }
        }
    }
    Ok(out)
}

/// The `q` quantile of `values` weighted by `weights`: the smallest value whose cumulative
/// weight reaches `q` of the total (nearest rank for equal weights; the maximum at q = 1),
/// as the run takes its percentiles.
pub fn quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .filter(|(v, w)| v.is_finite() && *w > 0.0)
        .collect();
    if pairs.is_empty() {
        return 0.0;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let target = q * total;
    let mut cumulative = 0.0;
    for &(v, w) in &pairs {
        cumulative += w;
        // A relative tolerance, so that q · total summed in another order still lands.
        if cumulative >= target * (1.0 - 1e-12) {
            return v;
        }
    }
    pairs[pairs.len() - 1].0
}

/// One workload's demand read sample by sample, as the run's demand stream reads it.
struct Reader<'a> {
    demand: &'a Demand,
    generator: Option<SynthGen>,
    /// The sample held now, its index and value.
    k: u64,
    value: (f64, Held),
}

impl<'a> Reader<'a> {
    fn new(demand: &'a Demand) -> Result<Self, String> {
        let generator = match &demand.source {
            DemandSource::Synth { spec, seed } => {
                Some(SynthGen::new(spec, *seed, 0, demand.step_ms)?)
            }
            DemandSource::Trace(_) => None,
        };
        let mut r = Reader {
            demand,
            generator,
            k: 0,
            value: (0.0, Held::default()),
        };
        r.value = r.sample(0);
        Ok(r)
    }

    fn constants(&self) -> Held {
        Held {
            memory_gb: self.demand.memory_gb,
            disk_mbps: self.demand.disk_mbps,
            network_mbps: self.demand.network_mbps,
        }
    }

    /// Sample `k`'s CPU [reference cores] and held resources; a generator's samples must be
    /// asked for in order.
    fn sample(&mut self, k: u64) -> (f64, Held) {
        let d = self.demand;
        if let Some(g) = &mut self.generator {
            return (g.next_sample() as f64 * d.scale, self.constants());
        }
        let DemandSource::Trace(s) = &d.source else {
            return (0.0, self.constants());
        };
        let len = s.cpu.len() as u64;
        let i = if d.repeat && len > 0 { k % len } else { k };
        if i >= len {
            return (0.0, self.constants());
        }
        let i = i as usize;
        let fallback = self.constants();
        let at = |v: &Option<Vec<f32>>, default: f64| v.as_ref().map_or(default, |v| v[i] as f64);
        (
            s.cpu[i] as f64 * d.scale,
            Held {
                memory_gb: at(&s.memory_gb, fallback.memory_gb),
                disk_mbps: at(&s.disk_mbps, fallback.disk_mbps),
                network_mbps: at(&s.network_mbps, fallback.network_mbps),
            },
        )
    }

    /// The time-weighted mean over `[a, b)`; `a` never before the previous call's `b`.
    fn mean(&mut self, a: u64, b: u64) -> (f64, Held) {
        let step = self.demand.step_ms;
        let (mut cpu, mut held) = (0.0, Held::default());
        let mut t = a;
        while t < b {
            let k = t / step;
            while self.k < k {
                self.k += 1;
                let k = self.k;
                self.value = self.sample(k);
            }
            let end = ((k + 1) * step).min(b);
            let share = (end - t) as f64;
            cpu += self.value.0 * share;
            held += self.value.1 * share;
            t = end;
        }
        let span = (b - a) as f64;
        (cpu / span, held * (1.0 / span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantiles_are_nearest_rank() {
        let v = [3.0, 1.0, 2.0, 4.0];
        let w = [1.0; 4];
        assert_eq!(quantile(&v, &w, 1.0), 4.0);
        assert_eq!(quantile(&v, &w, 0.5), 2.0);
        assert_eq!(quantile(&v, &w, 0.75), 3.0);
        assert_eq!(quantile(&v, &w, 0.76), 4.0);
        // A value held three times as long weighs three times.
        assert_eq!(quantile(&[1.0, 2.0], &[3.0, 1.0], 0.75), 1.0);
        assert_eq!(quantile(&[], &[], 0.5), 0.0);
    }
}
