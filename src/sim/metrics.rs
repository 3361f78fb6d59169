//! What a run records about each entity (workload or node), accumulated as the run goes so
//! that memory grows with entities, never with entities × horizon.
//!
//! Internal quantities are in core-milliseconds (reference cores × ms) and milliseconds; the
//! report converts to core-hours. Utilization percentiles come from a time-weighted histogram
//! of 1,000 bins over [0, 1]: exact to ±0.05 percentage points, with the mean and max exact.

pub const BINS: usize = 1000;

/// The demand distribution covers up to twice the capacity (bins of 0.2 % of it): demand
/// beyond capacity is what a sizing percentile must see.
pub const DEMAND_RANGE: f64 = 2.0;

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

impl Held {
    /// Each resource ÷ its capacity (0 where there is none).
    pub fn share_of(&self, capacity: &Held) -> Held {
        let share = super::share_of;
        Held {
            memory_gb: share(self.memory_gb, capacity.memory_gb),
            disk_mbps: share(self.disk_mbps, capacity.disk_mbps),
            network_mbps: share(self.network_mbps, capacity.network_mbps),
        }
    }

    fn max(&self, o: &Held) -> Held {
        Held {
            memory_gb: self.memory_gb.max(o.memory_gb),
            disk_mbps: self.disk_mbps.max(o.disk_mbps),
            network_mbps: self.network_mbps.max(o.network_mbps),
        }
    }

    fn same(&self, o: &Held) -> bool {
        same(self.memory_gb, o.memory_gb)
            && same(self.disk_mbps, o.disk_mbps)
            && same(self.network_mbps, o.network_mbps)
    }
}

/// A time-weighted distribution of a utilization in [0, 1] per entity: the exact mean (as
/// Σ value × duration) and max, the time above a limit, and a 1,000-bin histogram for
/// percentiles. Values above 1 (memory overcommitted) count in the top bin and in the max.
#[derive(Debug, Clone)]
pub struct Dist {
    /// Σ utilization × duration [ms], for the time-weighted mean.
    pub sum_ms: Vec<f64>,
    pub max: Vec<f64>,
    pub above_limit_ms: Vec<u64>,
    /// Time at exactly 0 (memory where none is configured, an idle entity), kept apart from
    /// bin 0 of `hist`: a dense counter is a cache hit where a histogram bin is a miss, and
    /// recording a run's histograms was a quarter of a large run's time.
    zero_ms: Vec<u64>,
    hist: Vec<u64>,
}

impl Dist {
    pub fn new(n: usize) -> Self {
        Dist {
            sum_ms: vec![0.0; n],
            max: vec![0.0; n],
            above_limit_ms: vec![0; n],
            zero_ms: vec![0; n],
            hist: vec![0; n * BINS],
        }
    }

    #[inline]
    fn record(&mut self, i: usize, dt: u64, u: f64, limit: f64) {
        if u == 0.0 {
            // Adds nothing to the sum; the max and a positive limit are not passed.
            self.zero_ms[i] += dt;
            if limit < 0.0 {
                self.above_limit_ms[i] += dt;
            }
            return;
        }
        self.sum_ms[i] += u * dt as f64;
        if u > self.max[i] {
            self.max[i] = u;
        }
        if u > limit {
            self.above_limit_ms[i] += dt;
        }
        let bin = ((u * BINS as f64) as usize).min(BINS - 1);
        self.hist[i * BINS + bin] += dt;
    }

    /// The `q` quantile (0..=1) of entity `i`'s time-weighted value: the middle of the
    /// histogram bin where the cumulative time first reaches `q`, never above the exact max.
    pub fn quantile(&self, i: usize, q: f64) -> f64 {
        let bins = &self.hist[i * BINS..(i + 1) * BINS];
        let zero = self.zero_ms[i];
        let total: u64 = bins.iter().sum::<u64>() + zero;
        if total == 0 {
            return 0.0;
        }
        let target = (q * total as f64).ceil().max(1.0) as u64;
        if zero >= target {
            return 0.0;
        }
        let mut cumulative = zero;
        for (b, &t) in bins.iter().enumerate() {
            cumulative += t;
            if cumulative >= target {
                return ((b as f64 + 0.5) / BINS as f64).min(self.max[i]);
            }
        }
        self.max[i]
    }
}

/// Struct-of-arrays accumulators, one slot per entity.
#[derive(Debug, Clone)]
pub struct Meters {
    pub demand_cms: Vec<f64>,
    pub served_cms: Vec<f64>,
    pub dropped_cms: Vec<f64>,
    /// Work served later than it arrived (out of backlog).
    pub delayed_cms: Vec<f64>,
    /// Capacity granted, for the mean allocation.
    pub granted_cms: Vec<f64>,
    /// CPU utilization: served ÷ what the entity held.
    pub cpu: Dist,
    /// Memory utilization: memory demand ÷ the entity's memory (0 where it has none).
    pub memory: Dist,
    /// Disk and network utilization: demand ÷ capacity. Empty (no entity) unless some node
    /// has that capacity configured: 8 kB per entity is not spent on what is not judged.
    pub disk: Dist,
    pub network: Dist,
    /// Time-aligned demand ÷ (capacity × [`DEMAND_RANGE`]), for sizing at a percentile rather
    /// than the peak; nodes only (empty for workloads).
    pub demand: Dist,
    /// Time during which all demand was served as it arrived [ms].
    pub met_ms: Vec<f64>,
    /// The highest demand rate of any segment [reference cores]: for a node, the peak of the
    /// time-aligned sum of its workloads, never the sum of their peaks.
    pub peak_demand: Vec<f64>,
    /// The peak of each held resource (time-aligned for nodes).
    pub peak_held: Vec<Held>,
    /// Σ held × duration [unit·ms], for the time-weighted means.
    pub held_ms: Vec<Held>,
    /// Backlog at the end of the run [core-ms].
    pub backlog_cms: Vec<f64>,
    /// The longest stretch of continuous backlog [ms]: an upper bound on any work's delay.
    pub longest_backlog_ms: Vec<f64>,
    backlog_run_ms: Vec<f64>,
    /// Consecutive segments with the same utilizations are one run for the distributions:
    /// recorded once when it ends ([`Meters::flush`]), not segment by segment. Most segments
    /// repeat their predecessor (a manager's tick cuts a 5-minute sample into five), and the
    /// histograms' scattered writes are the costliest part of recording.
    run: Vec<Run>,
    limits: Limits,
}

/// The distribution values of an entity's current run of identical segments.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    dt: u64,
    cpu: f64,
    /// Utilizations of the held resources.
    held: Held,
    demand: f64,
}

/// Values this close are the same for the distributions (floating-point noise of rates times
/// different durations); a histogram bin is 10⁻³ wide.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs())
}

impl Meters {
    pub fn new(n: usize) -> Self {
        Meters {
            demand_cms: vec![0.0; n],
            served_cms: vec![0.0; n],
            dropped_cms: vec![0.0; n],
            delayed_cms: vec![0.0; n],
            granted_cms: vec![0.0; n],
            cpu: Dist::new(n),
            memory: Dist::new(n),
            disk: Dist::new(0),
            network: Dist::new(0),
            demand: Dist::new(0),
            met_ms: vec![0.0; n],
            peak_demand: vec![0.0; n],
            peak_held: vec![Held::default(); n],
            held_ms: vec![Held::default(); n],
            backlog_cms: vec![0.0; n],
            longest_backlog_ms: vec![0.0; n],
            backlog_run_ms: vec![0.0; n],
            run: vec![Run::default(); n],
            limits: Limits {
                cpu: f64::INFINITY,
                memory: f64::INFINITY,
                disk: f64::INFINITY,
                network: f64::INFINITY,
            },
        }
    }

    /// Record entity `i`'s open run into its distributions.
    fn close_run(&mut self, i: usize) {
        let r = std::mem::take(&mut self.run[i]);
        if r.dt == 0 {
            return;
        }
        self.cpu.record(i, r.dt, r.cpu, self.limits.cpu);
        self.memory
            .record(i, r.dt, r.held.memory_gb, self.limits.memory);
        if i < self.disk.max.len() {
            self.disk
                .record(i, r.dt, r.held.disk_mbps, self.limits.disk);
        }
        if i < self.network.max.len() {
            self.network
                .record(i, r.dt, r.held.network_mbps, self.limits.network);
        }
        if i < self.demand.max.len() {
            self.demand.record(i, r.dt, r.demand, f64::INFINITY);
        }
    }

    /// Record every open run: call before reading the distributions.
    pub fn flush(&mut self) {
        for i in 0..self.run.len() {
            self.close_run(i);
        }
    }

    /// Meters that also keep each entity's demand distribution (nodes).
    pub fn with_demand(n: usize) -> Self {
        Meters {
            demand: Dist::new(n),
            ..Meters::new(n)
        }
    }

    /// Keep disk and network utilization distributions, where some capacity is configured.
    pub fn with_io(mut self, disk: bool, network: bool) -> Self {
        let n = self.len();
        if disk {
            self.disk = Dist::new(n);
        }
        if network {
            self.network = Dist::new(n);
        }
        self
    }

    /// Entity `i`'s time-aligned demand at quantile `q` [reference cores], given its capacity;
    /// within 0.1 % of the capacity. None when not recorded.
    pub fn demand_quantile(&self, i: usize, q: f64, capacity: f64) -> Option<f64> {
        (i < self.demand.max.len()).then(|| self.demand.quantile(i, q) * DEMAND_RANGE * capacity)
    }

    pub fn len(&self) -> usize {
        self.demand_cms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.demand_cms.is_empty()
    }

    /// Record one entity's segment of `dt` ms. Amounts are in core-ms, rates in cores.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn record(&mut self, i: usize, dt: u64, limits: Limits, seg: Segment) {
        self.demand_cms[i] += seg.demand;
        self.served_cms[i] += seg.served;
        self.dropped_cms[i] += seg.dropped;
        self.delayed_cms[i] += seg.delayed;
        self.granted_cms[i] += seg.granted;
        self.limits = limits;
        let demand = seg.demand_share / DEMAND_RANGE;
        let r = &mut self.run[i];
        if r.dt > 0
            && same(r.cpu, seg.utilization)
            && r.held.same(&seg.held_utilization)
            && same(r.demand, demand)
        {
            r.dt += dt;
        } else {
            self.close_run(i);
            self.run[i] = Run {
                dt,
                cpu: seg.utilization,
                held: seg.held_utilization,
                demand,
            };
        }
        self.met_ms[i] += seg.met_ms;
        if seg.demand_rate > self.peak_demand[i] {
            self.peak_demand[i] = seg.demand_rate;
        }
        self.peak_held[i] = self.peak_held[i].max(&seg.held);
        let t = dt as f64;
        self.held_ms[i] += Held {
            memory_gb: seg.held.memory_gb * t,
            disk_mbps: seg.held.disk_mbps * t,
            network_mbps: seg.held.network_mbps * t,
        };
        self.backlog_cms[i] = seg.backlog;
        // A backlog run goes on across segments while work is left over at their ends.
        self.backlog_run_ms[i] += seg.busy_ms;
        if self.backlog_run_ms[i] > self.longest_backlog_ms[i] {
            self.longest_backlog_ms[i] = self.backlog_run_ms[i];
        }
        if !seg.short {
            self.backlog_run_ms[i] = 0.0;
        }
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

/// One entity's figures for one segment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Segment {
    pub demand: f64,
    pub served: f64,
    pub dropped: f64,
    pub delayed: f64,
    pub granted: f64,
    pub backlog: f64,
    pub utilization: f64,
    pub demand_rate: f64,
    /// Memory, disk and network demand.
    pub held: Held,
    /// Each ÷ the entity's capacity of it (0 where it has none).
    pub held_utilization: Held,
    /// Demand rate ÷ capacity (nodes).
    pub demand_share: f64,
    /// Time in the segment with every queue empty (all demand served as it arrived) [ms].
    pub met_ms: f64,
    /// Time in the segment with some queue not empty [ms].
    pub busy_ms: f64,
    /// Work was left over at the segment's end.
    pub short: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        cpu: 0.85,
        memory: 0.85,
        disk: 0.85,
        network: 0.85,
    };

    fn seg(u: f64) -> Segment {
        Segment {
            utilization: u,
            ..Segment::default()
        }
    }

    /// 100 equal segments at 0.00, 0.01, …, 0.99: the nearest-rank p50 is 0.49 and p95 is 0.94;
    /// the histogram reports within half a bin (0.0005) of them, and the exact max.
    #[test]
    fn quantiles_match_nearest_rank_within_half_a_bin() {
        let mut m = Meters::new(1);
        for k in 0..100 {
            m.record(0, 1000, LIMITS, seg(k as f64 / 100.0 + 1e-9));
        }
        m.flush();
        assert!((m.cpu.quantile(0, 0.50) - 0.49).abs() <= 0.0005 + 1e-12);
        assert!((m.cpu.quantile(0, 0.95) - 0.94).abs() <= 0.0005 + 1e-12);
        assert!((m.cpu.quantile(0, 1.0) - 0.99).abs() <= 1e-8);
        // 15 of the 100 samples (0.85 + 1e-9 … 0.99 + 1e-9) are above the 0.85 limit.
        assert_eq!(m.cpu.above_limit_ms[0], 15_000);
    }

    /// Time at exactly zero is counted apart from the histogram but in every figure: half
    /// the time idle, half at 0.5 gives p50 = 0 (exactly), p95 = 0.5, mean 0.25, and no time
    /// above a 0.4 limit while idle.
    #[test]
    fn zero_values_count_in_quantiles_and_means() {
        let mut m = Meters::new(1);
        let limits = Limits { cpu: 0.4, ..LIMITS };
        m.record(0, 5000, limits, seg(0.0));
        m.record(0, 5000, limits, seg(0.5));
        m.flush();
        assert_eq!(m.cpu.quantile(0, 0.5), 0.0);
        assert_eq!(m.cpu.quantile(0, 0.95), 0.5);
        assert!((m.cpu.sum_ms[0] / 10_000.0 - 0.25).abs() < 1e-12);
        assert_eq!(m.cpu.above_limit_ms[0], 5000);
        assert_eq!(m.cpu.max[0], 0.5);
        // All idle: every quantile and the max are 0.
        let mut m = Meters::new(1);
        m.record(0, 1000, LIMITS, seg(0.0));
        m.flush();
        assert_eq!((m.cpu.quantile(0, 0.99), m.cpu.max[0]), (0.0, 0.0));
    }

    #[test]
    fn time_weighting_counts_durations_not_samples() {
        let mut m = Meters::new(1);
        m.record(0, 9000, LIMITS, seg(0.1));
        m.record(0, 1000, LIMITS, seg(0.9));
        m.flush();
        // 90 % of the time at 0.1: the median is 0.1, p95 is 0.9, the mean 0.18.
        assert!((m.cpu.quantile(0, 0.5) - 0.1005).abs() < 1e-12);
        assert!((m.cpu.quantile(0, 0.95) - 0.9).abs() < 1e-12);
        assert!((m.cpu.sum_ms[0] / 10_000.0 - 0.18).abs() < 1e-12);
    }
}
