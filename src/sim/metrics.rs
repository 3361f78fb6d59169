//! What a run records about each entity (workload or node): the records the report reads.
//!
//! Work (demand, served, delayed, dropped, backlog), SLA time and availability are exact
//! integrals over the run. Utilization *distributions* (percentiles, maximum, time above a
//! limit, the sizing percentile of demand) are taken over the means of the report intervals
//! (`[report] interval`, 5 minutes by default), as Capacity Advisor's own data are 5-minute
//! averages [CA1][GH2]: they do not depend on how the run happened to cut time, and an
//! entity's histogram is written once per interval, in blocks, not once per constant-rate
//! piece. Internal quantities are in core-milliseconds (reference cores × ms) and
//! milliseconds; the report converts to core-hours.
//!
//! Memory per entity and distribution: 40 bytes of dense counters, 2 bytes per buffered
//! interval (a block of [`BLOCK`] intervals), and an 8,000-byte histogram allocated only once
//! the entity shows a value above zero (an idle resource costs no histogram). A run that ends
//! within one block (a day of 5-minute intervals) never builds the histograms: each entity's
//! intervals become a sorted list of its distinct bins, 8 bytes each ([`Dist::compact`]), so a
//! day's replay of a thousand partitions does not touch a fresh page per entity.

pub const BINS: usize = 1000;

/// Intervals buffered before they are written into the histograms together: a day of
/// 5-minute intervals. Writing one entity's histogram many times in a row keeps its hot bins
/// in cache, where one write per entity per interval missed it every time.
pub const BLOCK: usize = 288;

/// The demand distribution covers up to twice the capacity (bins of 0.2 % of it): demand
/// beyond capacity is what a sizing percentile must see.
pub const DEMAND_RANGE: f64 = 2.0;

/// A buffered interval mean of exactly zero (kept apart from bin 0, as the histogram does).
const ZERO: u16 = u16::MAX;

/// A compact bin: the bin in the top 16 bits, its time [ms] in the low 48.
const BIN_SHIFT: u32 = 48;
const MS_MASK: u64 = (1 << BIN_SHIFT) - 1;

/// Demand besides CPU, which is held rather than served: it never queues, and a node's is the
/// sum of what runs under it. Memory in GiB, disk and network I/O in MB/s.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Held {
    pub memory_gb: f64,
    pub disk_mbps: f64,
    pub network_mbps: f64,
}

impl std::ops::AddAssign for Held {
    fn add_assign(&mut self, o: Held) {
        self.memory_gb += o.memory_gb;
        self.disk_mbps += o.disk_mbps;
        self.network_mbps += o.network_mbps;
    }
}

impl std::ops::Mul<f64> for Held {
    type Output = Held;
    fn mul(self, k: f64) -> Held {
        Held {
            memory_gb: self.memory_gb * k,
            disk_mbps: self.disk_mbps * k,
            network_mbps: self.network_mbps * k,
        }
    }
}

/// `part ÷ whole`, 0 when there is no whole (an entity without memory configured).
pub fn share_of(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// Served ÷ capacity, with the floating-point noise of summing pieces removed at full
/// use: a partition that served exactly its capacity reads 1, not 1.0000000000000002.
pub fn utilization(served: f64, capacity: f64) -> f64 {
    let u = share_of(served, capacity);
    if u > 1.0 && u < 1.0 + 1e-9 { 1.0 } else { u }
}

impl Held {
    /// Each resource ÷ its capacity (0 where there is none).
    pub fn share_of(&self, capacity: &Held) -> Held {
        Held {
            memory_gb: share_of(self.memory_gb, capacity.memory_gb),
            disk_mbps: share_of(self.disk_mbps, capacity.disk_mbps),
            network_mbps: share_of(self.network_mbps, capacity.network_mbps),
        }
    }

    pub fn max(&self, o: &Held) -> Held {
        Held {
            memory_gb: self.memory_gb.max(o.memory_gb),
            disk_mbps: self.disk_mbps.max(o.disk_mbps),
            network_mbps: self.network_mbps.max(o.network_mbps),
        }
    }
}

/// A distribution of one utilization per entity, over interval means: the time-weighted
/// mean (Σ value × duration, set by the run: CPU's is exact over constant-rate pieces), the
/// largest interval mean, the time in intervals above a limit, and a 1,000-bin histogram over
/// [0, 1] for percentiles (exact to ±0.05 percentage points; values above 1 count in the top
/// bin and in the max).
#[derive(Debug, Clone)]
pub struct Dist {
    /// Σ utilization × duration [ms], for the time-weighted mean.
    pub sum_ms: Vec<f64>,
    pub max: Vec<f64>,
    pub above_limit_ms: Vec<u64>,
    /// Time in intervals whose mean was exactly 0 (an idle entity, memory where none is
    /// configured), kept apart from the histogram so that it needs none.
    pub zero_ms: Vec<u64>,
    pub hist: Vec<Option<Box<[u64; BINS]>>>,
    /// Instead of `hist` for a run that ended within one block: the entity's distinct bins in
    /// ascending order with their time, packed (see [`BIN_SHIFT`]). [`Dist::flush`] turns
    /// them into histograms for whoever reads `hist`.
    short: Vec<Option<Box<[u64]>>>,
    /// The bins of the buffered intervals, interval-major: `pending[k * n + i]`.
    pending: Vec<u16>,
    /// Duration of each buffered interval [ms].
    pending_ms: Vec<u64>,
    /// Time in intervals where every entity's mean was zero, not yet added to each `zero_ms`:
    /// memory, disk and network of a trace that carries only CPU are zero everywhere, all run
    /// long, and booking them entity by entity was a sixth of a replay's time.
    idle_ms: u64,
    /// False for a distribution kept only for its dense figures' sake (a lean run): intervals
    /// are not recorded, every figure reads 0.
    recorded: bool,
}

impl Dist {
    pub fn new(n: usize) -> Self {
        Dist {
            sum_ms: vec![0.0; n],
            max: vec![0.0; n],
            above_limit_ms: vec![0; n],
            zero_ms: vec![0; n],
            hist: (0..n).map(|_| None).collect(),
            short: (0..n).map(|_| None).collect(),
            pending: Vec::new(),
            pending_ms: Vec::new(),
            idle_ms: 0,
            recorded: true,
        }
    }

    /// A distribution that records nothing but answers for `n` entities (all zero).
    pub fn unrecorded(n: usize) -> Self {
        Dist {
            recorded: false,
            ..Dist::new(n)
        }
    }

    pub fn len(&self) -> usize {
        self.max.len()
    }

    pub fn is_empty(&self) -> bool {
        self.max.is_empty()
    }

    /// Record one interval of `dt` ms for every entity: `value(i)` is entity i's mean over it.
    /// The max and the time above `limit` are kept at once; the histogram bins are buffered.
    pub fn record_interval(&mut self, dt: u64, limit: f64, value: impl FnMut(usize) -> f64) {
        let n = self.len();
        self.record_each(dt, limit, (0..n).map(value));
    }

    /// [`Dist::record_interval`] with the means given in entity order, as the run gathers
    /// them in its one pass over the entities that also brings their books up to date.
    pub fn record_means(&mut self, dt: u64, limit: f64, means: &[f64]) {
        debug_assert_eq!(means.len(), self.len());
        self.record_each(dt, limit, means.iter().copied());
    }

    fn record_each(&mut self, dt: u64, limit: f64, means: impl Iterator<Item = f64>) {
        let n = self.len();
        if n == 0 || dt == 0 || !self.recorded {
            return;
        }
        // A full block is written only when a further interval comes: a run that ends within
        // one block keeps it for `compact`.
        if self.pending_ms.len() >= BLOCK {
            self.flush();
        }
        let start = self.pending.len();
        // A mean within a part in a billion of the limit is at it: a partition saturated
        // exactly at the limit must not count as above by floating-point noise.
        let above = limit * (1.0 + 1e-9);
        let rows = self.max.iter_mut().zip(self.above_limit_ms.iter_mut());
        self.pending
            .extend(rows.zip(means).map(|((max, above_ms), u)| {
                if u > *max {
                    *max = u;
                }
                if u > above {
                    *above_ms += dt;
                }
                // Zero (and, never produced by the run, a negative or NaN mean) counts as
                // idle; the bin is the mean's thousandths, the top one taking everything from
                // 0.999 up.
                if u > 0.0 {
                    (u * BINS as f64).min((BINS - 1) as f64) as u16
                } else {
                    ZERO
                }
            }));
        // An entity given no mean (never, from the run) is idle in this interval.
        self.pending.resize(start + n, ZERO);
        self.pending_ms.push(dt);
    }

    /// Record one interval of `dt` ms in which every entity's mean was zero: the same figures
    /// as [`Dist::record_interval`] with every value 0, booked for all entities at the next
    /// flush.
    pub fn record_idle_interval(&mut self, dt: u64) {
        if self.recorded && !self.is_empty() {
            self.idle_ms += dt;
        }
    }

    /// Write the buffered intervals into the histograms, a cache line of entities at a time
    /// (and any compact lists, see [`Dist::compact`]).
    pub fn flush(&mut self) {
        let n = self.len();
        for (h, short) in self.hist.iter_mut().zip(&mut self.short) {
            if let Some(bins) = short.take() {
                let h = h.get_or_insert_with(|| Box::new([0; BINS]));
                for &e in bins.iter() {
                    h[(e >> BIN_SHIFT) as usize] += e & MS_MASK;
                }
            }
        }
        if self.idle_ms > 0 {
            for z in &mut self.zero_ms {
                *z += self.idle_ms;
            }
            self.idle_ms = 0;
        }
        let k = self.pending_ms.len();
        if k == 0 {
            return;
        }
        // Entity by entity, so that one histogram is written at a time; the block (a day of
        // five-minute intervals is 576 bytes per entity) is read down its columns.
        for i in 0..n {
            let (mut zero, hist) = (0, &mut self.hist[i]);
            for (j, &ms) in self.pending_ms.iter().enumerate() {
                let bin = self.pending[j * n + i];
                if bin == ZERO {
                    zero += ms;
                } else {
                    hist.get_or_insert_with(|| Box::new([0; BINS]))[bin as usize] += ms;
                }
            }
            self.zero_ms[i] += zero;
        }
        self.pending.clear();
        self.pending_ms.clear();
    }

    /// The buffered intervals, for a run that ended within one block and built no histogram:
    /// each entity's bins sorted into a compact list (8 bytes per distinct bin) instead of a
    /// 1,000-bin histogram. Otherwise the same as [`Dist::flush`]. Quantiles read either.
    pub fn compact(&mut self) {
        let k = self.pending_ms.len();
        let long = self
            .pending_ms
            .iter()
            .any(|&ms| ms > MS_MASK / BLOCK as u64);
        if k == 0 || k > BLOCK || long || self.hist.iter().any(Option::is_some) {
            self.flush();
            return;
        }
        let n = self.len();
        if self.idle_ms > 0 {
            for z in &mut self.zero_ms {
                *z += self.idle_ms;
            }
            self.idle_ms = 0;
        }
        // A cache line of entities at a time, as `flush` does.
        const LANE: usize = 32;
        let mut lanes: Vec<Vec<u64>> = (0..LANE).map(|_| Vec::with_capacity(k)).collect();
        let mut scratch = vec![0u64; BINS];
        for first in (0..n).step_by(LANE) {
            let last = (first + LANE).min(n);
            for (j, &ms) in self.pending_ms.iter().enumerate() {
                let row = &self.pending[j * n + first..j * n + last];
                for (off, &bin) in row.iter().enumerate() {
                    if bin == ZERO {
                        self.zero_ms[first + off] += ms;
                    } else {
                        lanes[off].push((bin as u64) << BIN_SHIFT | ms);
                    }
                }
            }
            // Sorted by counting into one histogram kept hot and left zeroed again: cheaper
            // than sorting each list.
            for (off, list) in lanes.iter_mut().enumerate().take(last - first) {
                if list.is_empty() {
                    continue;
                }
                for &e in list.iter() {
                    scratch[(e >> BIN_SHIFT) as usize] += e & MS_MASK;
                }
                let mut merged: Vec<u64> = Vec::with_capacity(list.len());
                for (b, t) in scratch.iter_mut().enumerate() {
                    if *t > 0 {
                        merged.push((b as u64) << BIN_SHIFT | *t);
                        *t = 0;
                    }
                }
                self.short[first + off] = Some(merged.into_boxed_slice());
                list.clear();
            }
        }
        self.pending.clear();
        self.pending_ms.clear();
    }

    /// The `q` quantile (0..=1) of entity `i`'s time-weighted interval means: the middle of
    /// the histogram bin where the cumulative time first reaches `q`, never above the exact
    /// max. Call [`Dist::flush`] or [`Dist::compact`] first.
    pub fn quantile(&self, i: usize, q: f64) -> f64 {
        debug_assert!(self.pending_ms.is_empty(), "quantile before flush");
        let zero = self.zero_ms[i];
        // (bin, time) in ascending bins: the histogram's, or the compact list's.
        let dense: &[u64] = self.hist[i].as_deref().map_or(&[], |h| &h[..]);
        let short: &[u64] = self.short[i].as_deref().unwrap_or(&[]);
        let bins = dense.iter().enumerate().map(|(b, &t)| (b, t)).chain(
            short
                .iter()
                .map(|&e| ((e >> BIN_SHIFT) as usize, e & MS_MASK)),
        );
        let total: u64 = bins.clone().map(|(_, t)| t).sum::<u64>() + zero;
        if total == 0 {
            return 0.0;
        }
        let target = (q * total as f64).ceil().max(1.0) as u64;
        if zero >= target {
            return 0.0;
        }
        let mut cumulative = zero;
        for (b, t) in bins {
            cumulative += t;
            if cumulative >= target {
                return ((b as f64 + 0.5) / BINS as f64).min(self.max[i]);
            }
        }
        self.max[i]
    }

    /// Put `from`'s entities (flushed) at the indexes `map` gives; a distribution not kept
    /// in `from` leaves its entities at their defaults (all zero, as a run that kept it and
    /// saw only zeros would not: it leaves them unjudged, which reads the same).
    pub fn place(to: &mut Dist, mut from: Dist, map: &[u32]) {
        if from.is_empty() || to.is_empty() {
            return;
        }
        from.compact();
        for (l, &g) in map.iter().enumerate() {
            if g == u32::MAX {
                continue; // not placed (a migrated guest's stand-in, `sim::migrate`)
            }
            let g = g as usize;
            to.sum_ms[g] = from.sum_ms[l];
            to.max[g] = from.max[l];
            to.above_limit_ms[g] = from.above_limit_ms[l];
            to.zero_ms[g] = from.zero_ms[l];
            to.hist[g] = from.hist[l].take();
            to.short[g] = from.short[l].take();
        }
    }

    /// Bytes held per entity now (histograms allocated so far included), for PERFORMANCE.md.
    pub fn bytes(&self) -> usize {
        let dense = self.len()
            * (8 * 4
                + std::mem::size_of::<Option<Box<[u64; BINS]>>>()
                + std::mem::size_of::<Option<Box<[u64]>>>());
        let hist = self.hist.iter().filter(|h| h.is_some()).count() * BINS * 8;
        let short: usize = self.short.iter().flatten().map(|s| s.len() * 8).sum();
        dense + hist + short + self.pending.capacity() * 2
    }
}

/// Struct-of-arrays records, one slot per entity.
#[derive(Debug, Clone)]
pub struct Meters {
    pub demand_cms: Vec<f64>,
    pub served_cms: Vec<f64>,
    pub dropped_cms: Vec<f64>,
    /// Work served later than it arrived (out of backlog).
    pub delayed_cms: Vec<f64>,
    /// Capacity offered, for the mean allocation.
    pub granted_cms: Vec<f64>,
    /// CPU utilization: served ÷ what the entity held (a workload: its partition's).
    pub cpu: Dist,
    /// Memory utilization: memory demand ÷ the entity's memory (0 where it has none).
    pub memory: Dist,
    /// Disk and network utilization: demand ÷ capacity. Empty (no entity) unless some node
    /// has that capacity configured.
    pub disk: Dist,
    pub network: Dist,
    /// Time-aligned demand ÷ (capacity × [`DEMAND_RANGE`]), for sizing at a percentile rather
    /// than the peak; nodes only (empty for workloads).
    pub demand: Dist,
    /// Time during which all demand was served as it arrived [ms].
    pub met_ms: Vec<f64>,
    /// The highest demand rate held for a positive time [reference cores]: for a node, the
    /// peak of the time-aligned sum of its workloads, never the sum of their peaks.
    pub peak_demand: Vec<f64>,
    /// The peak of each held resource (time-aligned for nodes).
    pub peak_held: Vec<Held>,
    /// Σ held × duration [unit·ms], for the time-weighted means.
    pub held_ms: Vec<Held>,
    /// Backlog at the end of the run [core-ms].
    pub backlog_cms: Vec<f64>,
    /// The longest stretch of continuous backlog [ms]: an upper bound on any work's delay.
    pub longest_backlog_ms: Vec<f64>,
}

/// Which distributions a run keeps: `run` keeps all; a sweep point only what a sweep writes
/// (no per-workload distributions: a sweep reports servers' utilization and workloads' work
/// and SLA, never a workload's percentiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    Full,
    Lean,
}

impl Meters {
    /// Records for `n` entities, with CPU and memory distributions when `dists`, disk and
    /// network ones when `disk`/`network`, and a demand distribution when `demand` (nodes).
    pub fn new(n: usize, dists: bool, disk: bool, network: bool, demand: bool) -> Self {
        let d = |on: bool| Dist::new(if on { n } else { 0 });
        // Lean records still answer every entity's CPU and memory figures (as zero).
        let kept = |on: bool| {
            if on {
                Dist::new(n)
            } else {
                Dist::unrecorded(n)
            }
        };
        Meters {
            demand_cms: vec![0.0; n],
            served_cms: vec![0.0; n],
            dropped_cms: vec![0.0; n],
            delayed_cms: vec![0.0; n],
            granted_cms: vec![0.0; n],
            cpu: kept(dists),
            memory: kept(dists),
            disk: d(dists && disk),
            network: d(dists && network),
            demand: d(demand),
            met_ms: vec![0.0; n],
            peak_demand: vec![0.0; n],
            peak_held: vec![Held::default(); n],
            held_ms: vec![Held::default(); n],
            backlog_cms: vec![0.0; n],
            longest_backlog_ms: vec![0.0; n],
        }
    }

    /// Every buffered interval written compactly ([`Dist::compact`]): what a run does at its
    /// end.
    pub fn compact(&mut self) {
        for d in [
            &mut self.cpu,
            &mut self.memory,
            &mut self.disk,
            &mut self.network,
            &mut self.demand,
        ] {
            d.compact();
        }
    }

    /// Write every buffered interval: call before reading the distributions.
    pub fn flush(&mut self) {
        for d in [
            &mut self.cpu,
            &mut self.memory,
            &mut self.disk,
            &mut self.network,
            &mut self.demand,
        ] {
            d.flush();
        }
    }

    /// Entity `i`'s time-aligned demand at quantile `q` [reference cores], given its capacity;
    /// within 0.1 % of the capacity. None when not recorded.
    pub fn demand_quantile(&self, i: usize, q: f64, capacity: f64) -> Option<f64> {
        (i < self.demand.len()).then(|| self.demand.quantile(i, q) * DEMAND_RANGE * capacity)
    }

    pub fn len(&self) -> usize {
        self.demand_cms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.demand_cms.is_empty()
    }

    /// Bytes held for all entities (dense records and distributions).
    pub fn bytes(&self) -> usize {
        let dense = self.len() * (8 * 10 + 2 * std::mem::size_of::<Held>());
        dense
            + [
                &self.cpu,
                &self.memory,
                &self.disk,
                &self.network,
                &self.demand,
            ]
            .iter()
            .map(|d| d.bytes())
            .sum::<usize>()
    }
}

/// The utilization limits of a scenario (fractions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub cpu: f64,
    pub memory: f64,
    pub disk: f64,
    pub network: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interval booked as idle for everyone reads exactly as one recorded with every
    /// mean 0, interleaved with busy intervals and across a block boundary.
    #[test]
    fn an_idle_interval_is_an_interval_of_zeros() {
        let (mut idle, mut zeros) = (Dist::new(3), Dist::new(3));
        for k in 0..(BLOCK + 7) {
            let dt = 1000 + k as u64;
            if k % 3 == 0 {
                idle.record_idle_interval(dt);
                zeros.record_interval(dt, 0.5, |_| 0.0);
            } else {
                let v = |i: usize| (i * k % 11) as f64 / 10.0;
                idle.record_interval(dt, 0.5, v);
                zeros.record_interval(dt, 0.5, v);
            }
        }
        idle.flush();
        zeros.flush();
        assert_eq!(idle.zero_ms, zeros.zero_ms);
        assert!(idle.zero_ms.iter().all(|&z| z > 0));
        assert_eq!(idle.max, zeros.max);
        assert_eq!(idle.above_limit_ms, zeros.above_limit_ms);
        assert_eq!(idle.hist, zeros.hist);
        for q in [0.1, 0.5, 0.9] {
            assert_eq!(idle.quantile(1, q), zeros.quantile(1, q));
        }
    }

    /// 100 equal intervals at 0.00, 0.01, …, 0.99: the nearest-rank p50 is 0.49 and p95 is
    /// 0.94; the histogram reports within half a bin (0.0005) of them, and the exact max.
    #[test]
    fn quantiles_match_nearest_rank_within_half_a_bin() {
        let mut d = Dist::new(1);
        for k in 0..100 {
            d.record_interval(1000, 0.85, |_| k as f64 / 100.0 + 1e-9);
        }
        d.flush();
        assert!((d.quantile(0, 0.50) - 0.49).abs() <= 0.0005 + 1e-12);
        assert!((d.quantile(0, 0.95) - 0.94).abs() <= 0.0005 + 1e-12);
        assert!((d.quantile(0, 1.0) - 0.99).abs() <= 1e-8);
        // 15 of the 100 intervals (0.85 + 1e-9 … 0.99 + 1e-9) are above the 0.85 limit.
        assert_eq!(d.above_limit_ms[0], 15_000);
    }

    /// Time at exactly zero counts in every quantile without a histogram: half the time idle,
    /// half at 0.5 gives p50 = 0 exactly and p95 = 0.5; an entity always idle has no histogram.
    #[test]
    fn zero_values_count_in_quantiles_without_a_histogram() {
        let mut d = Dist::new(2);
        d.record_interval(5000, 0.4, |_| 0.0);
        d.record_interval(5000, 0.4, |i| if i == 0 { 0.5 } else { 0.0 });
        d.flush();
        assert_eq!(d.quantile(0, 0.5), 0.0);
        assert_eq!(d.quantile(0, 0.95), 0.5);
        assert_eq!(d.above_limit_ms[0], 5000);
        assert_eq!(d.max[0], 0.5);
        assert_eq!((d.quantile(1, 0.99), d.max[1]), (0.0, 0.0));
        assert!(d.hist[1].is_none() && d.hist[0].is_some());
    }

    /// Intervals of different lengths weigh by their duration: 9 s at 0.1 and 1 s at 0.9 give
    /// a median of 0.1 and a p95 of 0.9 — across a block boundary, so buffered and written
    /// intervals count alike.
    #[test]
    fn durations_weigh_across_blocks() {
        let mut d = Dist::new(3);
        for _ in 0..BLOCK - 1 {
            d.record_interval(9, 1.0, |_| 0.1);
        }
        for _ in 0..BLOCK - 1 {
            d.record_interval(1, 1.0, |_| 0.9);
        }
        d.flush();
        for i in 0..3 {
            assert!((d.quantile(i, 0.5) - 0.1005).abs() < 1e-12);
            assert!((d.quantile(i, 0.95) - 0.9).abs() < 1e-12);
        }
    }

    /// A run that ends within one block keeps compact lists instead of histograms, and its
    /// quantiles are those of the histograms to the bit: 37 entities (past one lane of 32)
    /// over a block of intervals of two lengths, with zeros, repeated bins and idle
    /// intervals; then the lists written into histograms (`flush`) read the same again.
    #[test]
    fn a_short_run_reads_the_same_from_compact_lists() {
        let n = 37;
        let value = |k: usize, i: usize| -> f64 {
            match (k * 7 + i * 13) % 11 {
                0 => 0.0,
                1 => 1.7,
                r => (r * (i + 3)) as f64 / 97.0,
            }
        };
        let (mut dense, mut short) = (Dist::new(n), Dist::new(n));
        for d in [&mut dense, &mut short] {
            for k in 0..BLOCK {
                let ms = if k % 5 == 0 { 300_000 } else { 120_000 };
                d.record_interval(ms, 0.8, |i| value(k, i));
                if k % 50 == 0 {
                    d.record_idle_interval(60_000);
                }
            }
        }
        dense.flush();
        short.compact();
        assert!(short.hist.iter().all(Option::is_none));
        assert!(short.short.iter().all(Option::is_some));
        let qs = [0.0, 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0];
        for i in 0..n {
            assert_eq!(short.zero_ms[i], dense.zero_ms[i]);
            for q in qs {
                assert_eq!(
                    short.quantile(i, q).to_bits(),
                    dense.quantile(i, q).to_bits()
                );
            }
        }
        short.flush();
        assert!(short.short.iter().all(Option::is_none));
        for i in 0..n {
            assert_eq!(short.hist[i], dense.hist[i]);
        }
    }

    /// One interval past a block, and the histograms are built as before.
    #[test]
    fn a_longer_run_builds_histograms() {
        let mut d = Dist::new(2);
        for _ in 0..=BLOCK {
            d.record_interval(1000, 1.0, |i| 0.25 + i as f64 / 4.0);
        }
        d.compact();
        assert!(d.hist.iter().all(Option::is_some) && d.short.iter().all(Option::is_none));
        assert_eq!(
            d.hist[1].as_ref().map(|h| h[500]),
            Some((BLOCK as u64 + 1) * 1000)
        );
    }
}
