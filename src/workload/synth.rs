//! Synthetic demand, generated one sample at a time.
//!
//! A year of 5-minute samples for 10,000 workloads is about 10⁹ values, so nothing here holds a
//! series: each workload owns a [`SynthGen`] (a few hundred bytes) that produces sample `k` when
//! the simulation reaches it. [`generate`] collects samples into a `Vec` for tests and small
//! tools. The same generator backs a scenario's `synth = { … }` and `vsesim synth`
//! (`docs/SYNTH.md`).
//!
//! # Model
//!
//! Times are milliseconds; `t = 0` is Monday 00:00 and the first day of a 30-day month. Sample
//! `k` covers `[start_ms + k·step_ms, start_ms + (k+1)·step_ms)` and is
//!
//! ```text
//! value_k  = G(t_k) · ( level(t_k) · M_k + B_k )
//! level(t) = a + b · f(t)
//! ```
//!
//! with `t_k = start_ms + k·step_ms` (the *start* of the sample, so a `peak_hour` on the step
//! grid is sampled exactly), `M_k` the noise multiplier and `B_k` the mean burst demand over the
//! sample.
//!
//! **Patterns** (`f`): `flat` and `trend` have `f ≡ 0`. `diurnal` and `weekly` have
//! `f(t) = w(t) · s(h(t))`, `s(h) = ((1 + cos(2π(h − peak_hour)/24)) / 2)⁴`, with `h` the hour of
//! day and `w = weekend` on Saturday and Sunday of a weekly pattern, 1 otherwise. `month_end`
//! has `f(t) = 1` on the last `days` days of each 30-day month (with `business_days`, the last
//! `days` Monday-to-Friday days of it) and 0 otherwise: a batch plateau at `peak` over an
//! off-peak floor.
//!
//! `a ≥ 0` and `b ≥ 0` are chosen so that, without noise, bursts and growth, the largest sample
//! is exactly `peak` and the long-run mean of the samples is exactly `mean` *at this step and
//! start*. For the daily shapes the times a step can reach, taken modulo a week, are the
//! lattice `start + j·g` with `g = gcd(step, week)`, and every lattice point recurs once every
//! `week/g` samples; so the mean of any `week/g` consecutive samples (one week of samples when
//! the step divides a week) is exactly `mean`. `s` is a trigonometric polynomial of degree 4, so
//! its sum over a run of lattice points has a closed form (a Dirichlet kernel): calibration
//! costs the same at a 1-second step as at a 1-hour one, which matters because it runs for
//! every workload of a scenario. `month_end` is periodic over 30 days (210 = lcm(30, 7) days
//! with `business_days`) and is calibrated the same way over that period, day by day.
//!
//! **Noise** (`M_k`, mean 1, coefficient of variation `noise` = `c`): `normal` (the default) is
//! `M = max(0, 1 + c·z)`, exact in mean until the clamp at zero matters (`c` above about 0.3);
//! `lognormal` is `M = exp(σz − σ²/2)` with `σ² = ln(1 + c²)`, always positive and exactly
//! mean-preserving at any `c`. `z` is standard normal, independent from sample to sample.
//!
//! **Correlation**: workloads naming the same `group` share part of `z`:
//! `z = √ρ · c(t) + √(1 − ρ) · e_k`, where `e_k` is the workload's own stream and `c(t)` the
//! group's, both standard normal, so `z` stays standard normal and two members' `z` at the same
//! time have correlation `√(ρ₁ρ₂)` (= `ρ` when both give the same `correlation`). `c(t)` is a
//! function of the group's seed and the sample's start time only, drawn afresh for each `t`
//! from a generator seeded by both (counter-based), so members correlate whatever order they
//! are generated in, and members with different steps correlate where their samples start
//! together. With normal noise the members' multipliers then have correlation `ρ` exactly
//! (until the clamp matters); with log-normal noise `ρ` is the correlation of `ln M`, and that
//! of `M` is `(e^{σ²ρ} − 1)/(e^{σ²} − 1)`, slightly less (0.696 for ρ = 0.7 at `c` = 0.2).
//!
//! **Bursts** arrive as a Poisson process (`per_day` a day on average), each lasts an
//! exponential time (mean `minutes`) and adds its size while active; overlapping bursts add.
//! Because arrivals are Poisson and durations exponential, the number of active bursts is a
//! birth–death Markov chain, simulated event by event with only a counter (no list of burst
//! ends, so no allocation). It starts in its stationary distribution (Poisson with mean
//! `per_day · minutes / 1440`), so the first day looks like every other. Each sample holds the
//! *average* burst demand over its interval, as a monitor's 5-minute averages would: a 1-minute
//! burst in a 5-minute sample adds `size / 5`. Every burst adds exactly `size`, unless
//! `size_tail = α` is set: then each burst's size is drawn from a Pareto distribution of tail
//! index `α > 1` and mean `size` (scale `x_m = size·(α − 1)/α`, `P(X > x) = (x_m/x)^α`), and the
//! chain keeps the sizes of the bursts active (a short list, about `per_day · minutes / 1440`
//! long on average; an ending burst is any of them with equal chance, durations being
//! memoryless).
//!
//! **Growth** (`G`): none by default (`G ≡ 1`); with `growth = g` (a fraction a year, years of
//! 365 days from `t = 0`) `G(t) = 1 + g·t/year` (linear, floored at 0) or `(1 + g)^(t/year)`
//! (compound). So `mean` and `peak` describe demand at `t = 0`, and after one year the mean is
//! `mean · (1 + g)` under either model. `G` scales the whole sample, bursts included: a growing
//! workload's surges grow with it. `pattern = "trend"` is a flat level under linear growth.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, Pareto, Poisson, StandardNormal};
use rand_pcg::Pcg64Mcg;
use std::f64::consts::PI;

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;
const WEEK_MS: u64 = 7 * DAY_MS;

/// A synthetic month [days]: months are of equal length so the pattern is periodic and can be
/// calibrated exactly; calendar months would tie demand to a start date the scenario lacks.
const MONTH_DAYS: u64 = 30;

/// Period of a business-day month end [days]: lcm(30, 7), after which months and weeks line up
/// again.
const MONTH_WEEK_DAYS: u64 = 210;

/// Default length of the month-end window [days].
const DEFAULT_MONTH_END_DAYS: u32 = 3;

/// A year of growth [ms]: 365 days, as the scenario's `[report] growth` counts it.
const YEAR_MS: f64 = 365.0 * DAY_MS as f64;

/// Largest value a sample can hold (samples are `f32`); `mean`, `peak` and burst `size` above it
/// are refused rather than silently saturated.
const MAX_VALUE: f64 = f32::MAX as f64;

/// Most bursts expected in one sample. Bursts are simulated one by one, so this bounds the work
/// of [`SynthGen::next_sample`]; a sample longer than this many bursts should be a flat level.
const MAX_BURSTS_PER_SAMPLE: f64 = 1e5;

/// Most bursts with Pareto sizes expected active at once: each keeps its size in memory.
const MAX_SIZED_ACTIVE: f64 = 1e4;

/// Largest log-normal `noise`: `σ² = ln(1 + c²)` must stay finite.
const MAX_LOGNORMAL_CV: f64 = 1e100;

/// The deterministic shape of demand over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Constant at `mean` (before noise, bursts and growth).
    Flat,
    /// The same daily peak every day.
    Diurnal,
    /// The daily peak, with the variable part scaled by `weekend` on Saturday and Sunday.
    Weekly,
    /// A plateau at `peak` over the last `days` days (or business days) of each 30-day month,
    /// the off-peak floor the rest of the month: month-end batch processing.
    MonthEnd,
    /// `mean` growing linearly by `growth` a year from time 0: a flat pattern whose `growth`
    /// is required and linear unless `growth_model` says otherwise.
    Trend,
}

impl Pattern {
    fn name(self) -> &'static str {
        match self {
            Pattern::Flat => "flat",
            Pattern::Diurnal => "diurnal",
            Pattern::Weekly => "weekly",
            Pattern::MonthEnd => "month_end",
            Pattern::Trend => "trend",
        }
    }

    /// Flat and trend have no shape, so no `peak` other than `mean`.
    fn is_level(self) -> bool {
        matches!(self, Pattern::Flat | Pattern::Trend)
    }
}

/// The distribution of the multiplicative noise; both have mean 1 and coefficient of variation
/// `noise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseDist {
    /// `max(0, 1 + noise·z)`: symmetric, clamped at zero.
    #[default]
    Normal,
    /// `exp(σz − σ²/2)`, `σ² = ln(1 + noise²)`: right-skewed, positive, mean exactly 1.
    Lognormal,
}

/// How `growth` compounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrowthModel {
    /// `1 + g·t/year`, floored at 0.
    Linear,
    /// `(1 + g)^(t/year)`.
    Compound,
}

fn default_peak_hour() -> f64 {
    14.0
}

fn default_weekend() -> f64 {
    0.5
}

/// A synthetic workload, as written in a scenario (`synth = { pattern = "diurnal", ... }`) or a
/// `vsesim synth` spec.
///
/// Levels are in the workload's units (percent of the source machine or reference cores); the
/// sample step is the workload's `step`, passed to [`SynthGen::new`], not part of the spec.
/// Every field but `pattern` and `mean` has a default that leaves the older fields' output
/// unchanged, so a scenario written before a field existed gives the same bytes.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynthSpec {
    pub pattern: Pattern,
    /// Long-run mean of the noise-free, burst-free level at time 0, ≥ 0. Noise keeps the mean
    /// (normal noise up to the clamp at zero); bursts add `per_day · minutes / 1440 · size` on
    /// top; growth scales both.
    pub mean: f64,
    /// Largest noise-free, burst-free sample at time 0, ≥ `mean`. Required unless the pattern
    /// is flat or trend (where it may only equal `mean`). At most about 3.66 × `mean` for a
    /// diurnal pattern, 4.27 × `mean` for a weekly one with `weekend = 0.5` and `30/days` ×
    /// `mean` for a month end, since the off-peak level cannot go below zero.
    pub peak: Option<f64>,
    /// Hour of day of the daily peak, in [0, 24), fractional hours allowed. Diurnal and weekly
    /// patterns only.
    #[serde(default = "default_peak_hour")]
    pub peak_hour: f64,
    /// Weekly pattern: multiplier of the variable part (above the off-peak floor) on Saturday
    /// and Sunday, in [0, 1]. Ignored by the other patterns.
    #[serde(default = "default_weekend")]
    pub weekend: f64,
    /// Month-end pattern: length of the peak window in days, 1 to 29 (default 3). Refused for
    /// other patterns.
    #[serde(default)]
    pub days: Option<u32>,
    /// Month-end pattern: count `days` in business days (Monday to Friday) back from the
    /// month's end, so the window skips weekends and spans more calendar days (default
    /// false). Refused for other patterns.
    #[serde(default)]
    pub business_days: Option<bool>,
    /// Coefficient of variation of the multiplicative noise, ≥ 0 (0.1 = ±10 % one standard
    /// deviation).
    #[serde(default)]
    pub noise: f64,
    /// The noise's distribution (default normal).
    #[serde(default)]
    pub noise_dist: NoiseDist,
    /// Workloads naming the same group share a common part of their noise (see the module
    /// docs); the group's stream is seeded by its name and the scenario seed. Needs `noise`
    /// > 0 and `correlation`.
    #[serde(default)]
    pub group: Option<String>,
    /// With `group`: the share ρ of the noise's variance that is common to the group, in
    /// [0, 1]; two members' noise then has correlation ρ.
    #[serde(default)]
    pub correlation: Option<f64>,
    /// Growth of demand, a fraction a year from time 0 (0.2 = +20 % a year), > −1. Required for
    /// a trend.
    #[serde(default)]
    pub growth: Option<f64>,
    /// How `growth` applies: linear for a trend, compound otherwise, unless given.
    #[serde(default)]
    pub growth_model: Option<GrowthModel>,
    #[serde(default)]
    pub bursts: Option<Bursts>,
    /// The scenario seed the group streams are keyed by, set by [`SynthSpec::with_scenario_seed`]
    /// (0 until then); never read from the file.
    #[serde(skip)]
    scenario_seed: u64,
}

/// Short, random surges added on top of the level.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bursts {
    /// Mean number of bursts a day (Poisson arrivals), > 0.
    pub per_day: f64,
    /// Demand each active burst adds, in the workload's units, > 0; with `size_tail`, the mean
    /// of the bursts' sizes.
    pub size: f64,
    /// Mean duration of a burst [minutes] (exponentially distributed), > 0.
    pub minutes: f64,
    /// Tail index α > 1 of Pareto-distributed burst sizes (smaller is heavier: α ≤ 2 has
    /// infinite variance). Absent: every burst adds exactly `size`.
    #[serde(default)]
    pub size_tail: Option<f64>,
}

impl SynthSpec {
    /// A spec with the given pattern, mean and peak, and every other field at its default.
    pub fn new(pattern: Pattern, mean: f64, peak: Option<f64>) -> Self {
        SynthSpec {
            pattern,
            mean,
            peak,
            peak_hour: default_peak_hour(),
            weekend: default_weekend(),
            days: None,
            business_days: None,
            noise: 0.0,
            noise_dist: NoiseDist::Normal,
            group: None,
            correlation: None,
            growth: None,
            growth_model: None,
            bursts: None,
            scenario_seed: 0,
        }
    }

    /// Key the group streams by the scenario's (or spec file's) seed, so a different seed
    /// moves the common noise too. Without it, a group's stream depends on its name only.
    pub fn with_scenario_seed(mut self, seed: u64) -> Self {
        self.scenario_seed = seed;
        self
    }

    /// The growth model in force: `growth_model`, or linear for a trend, compound otherwise.
    pub fn effective_growth_model(&self) -> GrowthModel {
        match (self.growth_model, self.pattern) {
            (Some(m), _) => m,
            (None, Pattern::Trend) => GrowthModel::Linear,
            (None, _) => GrowthModel::Compound,
        }
    }

    /// Check each field on its own; the message names the field and what was expected.
    /// [`SynthGen::new`] adds the checks that depend on the step (the largest `peak`).
    pub fn validate(&self) -> Result<(), String> {
        let mean = self.mean;
        if !(0.0..=MAX_VALUE).contains(&mean) {
            return Err(format!(
                "`mean`: expected a finite number ≥ 0 (at most {MAX_VALUE:e}), got {}",
                num(mean)
            ));
        }
        match (self.pattern, self.peak) {
            (p, Some(peak)) if p.is_level() && peak != mean => {
                return Err(format!(
                    "`peak`: a {} pattern is level at `mean`, so expected no `peak` \
                     (or peak = mean = {}), got {}",
                    p.name(),
                    num(mean),
                    num(peak)
                ));
            }
            (p, _) if p.is_level() => {}
            (p, None) => {
                return Err(format!(
                    "`peak`: required for pattern = \"{}\"; expected the largest noise-free \
                     sample, ≥ `mean` = {}",
                    p.name(),
                    num(mean)
                ));
            }
            (_, Some(peak)) => {
                if !(peak >= mean && peak <= MAX_VALUE) {
                    return Err(format!(
                        "`peak`: expected a finite number ≥ `mean` = {}, got {}",
                        num(mean),
                        num(peak)
                    ));
                }
            }
        }
        if !(0.0..24.0).contains(&self.peak_hour) {
            return Err(format!(
                "`peak_hour`: expected an hour of day in [0, 24), got {}",
                self.peak_hour
            ));
        }
        if !(0.0..=1.0).contains(&self.weekend) {
            return Err(format!(
                "`weekend`: expected a multiplier in [0, 1], got {}",
                self.weekend
            ));
        }
        if self.pattern == Pattern::MonthEnd {
            if let Some(d) = self.days
                && !(1..MONTH_DAYS as u32).contains(&d)
            {
                return Err(format!(
                    "`days`: expected 1 to {} days of the {MONTH_DAYS}-day month, got {d}",
                    MONTH_DAYS - 1
                ));
            }
        } else {
            for (given, field) in [
                (self.days.is_some(), "days"),
                (self.business_days.is_some(), "business_days"),
            ] {
                if given {
                    return Err(format!(
                        "`{field}`: only a month_end pattern has a month-end window; remove \
                         it or use pattern = \"month_end\""
                    ));
                }
            }
        }
        if !(self.noise >= 0.0 && self.noise.is_finite()) {
            return Err(format!(
                "`noise`: expected a finite coefficient of variation ≥ 0, got {}",
                num(self.noise)
            ));
        }
        if self.noise_dist == NoiseDist::Lognormal && self.noise > MAX_LOGNORMAL_CV {
            return Err(format!(
                "`noise`: expected at most {MAX_LOGNORMAL_CV:e} for log-normal noise, got {}",
                num(self.noise)
            ));
        }
        match (&self.group, self.correlation) {
            (Some(g), _) if g.trim().is_empty() => {
                return Err("`group`: expected a group name, got an empty one".to_string());
            }
            (Some(_), None) => {
                return Err(
                    "`correlation`: required with `group`; expected the share of the \
                            noise common to the group, in [0, 1] (e.g. 0.7)"
                        .to_string(),
                );
            }
            (Some(_), Some(rho)) => {
                if !(0.0..=1.0).contains(&rho) {
                    return Err(format!(
                        "`correlation`: expected a correlation in [0, 1], got {}",
                        num(rho)
                    ));
                }
                if self.noise == 0.0 {
                    return Err(
                        "`group`: a group shares its members' noise, and `noise` is \
                                0; give noise > 0 or remove the group"
                            .to_string(),
                    );
                }
            }
            (None, Some(_)) => {
                return Err(
                    "`correlation`: applies to the members of a `group`; name the \
                            group or remove it"
                        .to_string(),
                );
            }
            (None, None) => {}
        }
        match self.growth {
            Some(g) if !(g > -1.0 && g.is_finite()) => {
                return Err(format!(
                    "`growth`: expected a finite fraction a year > −1 (0.2 = +20 % a year), \
                     got {}",
                    num(g)
                ));
            }
            None if self.pattern == Pattern::Trend => {
                return Err(
                    "`growth`: required for pattern = \"trend\"; expected the yearly \
                            growth of the mean, e.g. 0.2 for +20 % a year"
                        .to_string(),
                );
            }
            None if self.growth_model.is_some() => {
                return Err(
                    "`growth_model`: applies to `growth`, which is not given; give \
                            growth = 0.2 (say) or remove growth_model"
                        .to_string(),
                );
            }
            _ => {}
        }
        if let Some(b) = &self.bursts {
            if !(b.per_day > 0.0 && b.per_day.is_finite()) {
                return Err(format!(
                    "`bursts.per_day`: expected a finite number of bursts a day > 0, got {}",
                    num(b.per_day)
                ));
            }
            if !(b.size > 0.0 && b.size <= MAX_VALUE) {
                return Err(format!(
                    "`bursts.size`: expected a finite demand > 0 (at most {MAX_VALUE:e}), got {}",
                    num(b.size)
                ));
            }
            if !(b.minutes > 0.0 && b.minutes.is_finite()) {
                return Err(format!(
                    "`bursts.minutes`: expected a finite mean duration > 0 minutes, got {}",
                    num(b.minutes)
                ));
            }
            if let Some(alpha) = b.size_tail
                && !(alpha > 1.0 && alpha.is_finite())
            {
                return Err(format!(
                    "`bursts.size_tail`: expected a finite Pareto tail index > 1 (`size` is \
                     the mean size, which α ≤ 1 does not have), got {}",
                    num(alpha)
                ));
            }
        }
        Ok(())
    }
}

/// The streaming generator of one workload's demand.
///
/// The random streams are [`Pcg64Mcg`] (16 bytes of state each), seeded through SplitMix64 from
/// the workload's seed. PCG is chosen because its output is fixed by its published algorithm,
/// unlike `StdRng`, whose algorithm may change between `rand` versions: the same scenario and
/// seed keep giving byte-identical demand across upgrades. (The normal, exponential, Poisson and
/// Pareto transforms on top come from `rand_distr`, pinned by `Cargo.lock`.) Noise and bursts
/// draw from separate streams, so changing `noise` does not move the bursts and vice versa,
/// which keeps A/B comparisons of one parameter clean; a group's common noise is a third,
/// keyed by time (see [`common_normal`]).
#[derive(Debug, Clone)]
pub struct SynthGen {
    noise_rng: Pcg64Mcg,
    burst_rng: Pcg64Mcg,
    /// Off-peak floor of the level [workload units].
    a: f64,
    /// Height of the shape above the floor [workload units].
    b: f64,
    shape: Shape,
    noise: Noise,
    group: Group,
    growth: Growth,
    /// Start of the next sample [ms since Monday 00:00 of month 0]. Wraps after 584 million
    /// years, which only changes where in the week an absurd start falls.
    time_ms: u64,
    step: u64,
    step_ms: f64,
    bursts: Option<BurstState>,
}

/// `f`, the pattern's shape in [0, 1], with what it needs of the spec.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// Diurnal and weekly (and flat and trend, whose `b` is 0 so it is never evaluated).
    Daily {
        /// Time of day of the peak [ms since midnight].
        peak_ms: f64,
        /// Multiplier of the shape on Saturday and Sunday (1 unless the pattern is weekly).
        weekend: f64,
    },
    MonthEnd {
        days: u64,
        business: bool,
    },
}

impl Shape {
    fn at(self, t: u64) -> f64 {
        match self {
            Shape::Daily { peak_ms, weekend } => shape(t % WEEK_MS, peak_ms, weekend),
            Shape::MonthEnd { days, business } => {
                if month_end_day(t / DAY_MS, days, business) {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// Mean and maximum of `f` over the times the samples visit (see [`lattice_stats`]).
    fn lattice_stats(self, start_ms: u64, step_ms: u64) -> (f64, f64) {
        match self {
            Shape::Daily { peak_ms, weekend } => lattice_stats(start_ms, step_ms, peak_ms, weekend),
            Shape::MonthEnd { days, business } => {
                month_lattice_stats(start_ms, step_ms, days, business)
            }
        }
    }
}

/// The multiplier `M`, with its constants worked out once.
#[derive(Debug, Clone, Copy)]
enum Noise {
    Off,
    Normal {
        cv: f64,
    },
    /// `M = exp(σz + shift)`, `shift = −σ²/2`.
    Lognormal {
        sigma: f64,
        shift: f64,
    },
}

/// A workload's share in its group's noise: `z = common·c(t) + own·e`. Outside a group
/// `common = 0` and `own = 1`, and `c(t)` is never drawn.
#[derive(Debug, Clone, Copy)]
struct Group {
    seed: u64,
    common: f64,
    own: f64,
}

#[derive(Debug, Clone, Copy)]
enum Growth {
    None,
    /// `G = max(0, 1 + per_ms·t)`.
    Linear {
        per_ms: f64,
    },
    /// `G = exp(log_per_ms·t)`.
    Compound {
        log_per_ms: f64,
    },
}

impl Growth {
    fn at(self, t_ms: u64) -> f64 {
        let t = t_ms as f64;
        match self {
            Growth::None => 1.0,
            Growth::Linear { per_ms } => per_ms.mul_add(t, 1.0).max(0.0),
            Growth::Compound { log_per_ms } => (log_per_ms * t).exp().min(MAX_VALUE),
        }
    }
}

/// The birth–death chain of active bursts, carried from sample to sample.
#[derive(Debug, Clone)]
struct BurstState {
    /// Arrival rate [bursts per ms].
    arrival_rate: f64,
    /// End rate of one active burst [per ms] = 1 / mean duration.
    end_rate: f64,
    size: f64,
    active: u64,
    /// Time from the current position to the next arrival or end [ms].
    until_event: f64,
    /// Pareto-sized bursts: the size of each active one. Boxed so that fixed-size bursts (the
    /// common case) pay 8 bytes for it.
    sized: Option<Box<SizedBursts>>,
}

#[derive(Debug, Clone)]
struct SizedBursts {
    pareto: Pareto<f64>,
    /// Sizes of the active bursts, in no particular order; `active == sizes.len()`.
    sizes: Vec<f64>,
    /// `Σ sizes`, kept as it changes (reset to exactly 0 whenever no burst is active, so
    /// rounding cannot accumulate across quiet spells).
    sum: f64,
}

impl SizedBursts {
    fn draw(&self, rng: &mut Pcg64Mcg) -> f64 {
        self.pareto.sample(rng).min(MAX_VALUE)
    }

    fn push(&mut self, size: f64) {
        self.sizes.push(size);
        self.sum += size;
    }

    fn remove_any(&mut self, rng: &mut Pcg64Mcg) {
        if self.sizes.is_empty() {
            return;
        }
        let i = rng.random_range(0..self.sizes.len());
        let size = self.sizes.swap_remove(i);
        self.sum = if self.sizes.is_empty() {
            0.0
        } else {
            (self.sum - size).max(0.0)
        };
    }
}

impl BurstState {
    fn total_rate(&self) -> f64 {
        // Guarded so that 0 · ∞ (no bursts, vanishing duration) never makes a NaN.
        let ends = if self.active > 0 {
            self.active as f64 * self.end_rate
        } else {
            0.0
        };
        self.arrival_rate + ends
    }

    fn draw_wait(&self, rng: &mut Pcg64Mcg) -> f64 {
        let rate = self.total_rate();
        let e: f64 = Exp1.sample(rng);
        if rate > 0.0 { e / rate } else { f64::INFINITY }
    }

    /// What is active: the count of bursts, or the sum of their sizes when they have their own.
    fn level(&self) -> f64 {
        match &self.sized {
            None => self.active as f64,
            Some(s) => s.sum,
        }
    }

    /// Advance the chain by `step_ms` and return the mean burst demand over it.
    fn demand(&mut self, step_ms: f64, rng: &mut Pcg64Mcg) -> f64 {
        let mean = self.mean_active(step_ms, rng);
        if self.sized.is_some() {
            mean
        } else {
            self.size * mean
        }
    }

    /// Advance the chain by `step_ms` and return the time average of [`BurstState::level`].
    fn mean_active(&mut self, step_ms: f64, rng: &mut Pcg64Mcg) -> f64 {
        let mut pos = 0.0;
        let mut area = 0.0;
        loop {
            let left = step_ms - pos;
            // Never NaN (rates are ≥ 0, waits finite or +∞), but a NaN must end the loop too.
            if self.until_event >= left || self.until_event.is_nan() {
                area += self.level() * left;
                self.until_event -= left;
                return area / step_ms;
            }
            pos += self.until_event;
            area += self.level() * self.until_event;
            // The next event is an arrival with probability arrival_rate / total_rate.
            let p_arrival = self.arrival_rate / self.total_rate();
            let u: f64 = rng.random();
            if u < p_arrival {
                self.active = self.active.saturating_add(1);
                if let Some(s) = &mut self.sized {
                    let size = s.draw(rng);
                    s.push(size);
                }
            } else {
                self.active = self.active.saturating_sub(1);
                if let Some(s) = &mut self.sized {
                    s.remove_any(rng);
                }
            }
            self.until_event = self.draw_wait(rng);
        }
    }
}

impl SynthGen {
    /// A generator whose first sample covers `[start_ms, start_ms + step_ms)`.
    ///
    /// `start_ms` is measured from Monday 00:00; `seed` is the workload's own seed (see
    /// [`workload_seed`] and [`name_seed`]). Fails, naming the field, on an invalid spec, a zero
    /// step, a `peak` the pattern cannot reach at this step without a negative level, or bursts
    /// too dense to simulate one by one at this step.
    pub fn new(spec: &SynthSpec, seed: u64, start_ms: u64, step_ms: u64) -> Result<Self, String> {
        spec.validate()?;
        if step_ms == 0 {
            return Err("`step`: expected a positive duration, got 0 ms".to_string());
        }
        let shape = match spec.pattern {
            Pattern::MonthEnd => Shape::MonthEnd {
                days: u64::from(spec.days.unwrap_or(DEFAULT_MONTH_END_DAYS)),
                business: spec.business_days.unwrap_or(false),
            },
            pattern => Shape::Daily {
                peak_ms: spec.peak_hour * HOUR_MS as f64,
                weekend: if pattern == Pattern::Weekly {
                    spec.weekend
                } else {
                    1.0
                },
            },
        };
        let (a, b) = match (spec.pattern, spec.peak) {
            (p, _) if p.is_level() => (spec.mean, 0.0),
            (_, None) => (spec.mean, 0.0),
            (_, Some(peak)) if peak == spec.mean => (spec.mean, 0.0),
            (pattern, Some(peak)) => {
                let (fbar, fmax) = shape.lattice_stats(start_ms, step_ms);
                calibrate(
                    pattern, shape, spec.mean, peak, start_ms, step_ms, fbar, fmax,
                )?
            }
        };

        let mut sm = seed;
        let mut state = || {
            let hi = splitmix64(&mut sm);
            let lo = splitmix64(&mut sm);
            (u128::from(hi) << 64) | u128::from(lo)
        };
        let noise_rng = Pcg64Mcg::new(state());
        let mut burst_rng = Pcg64Mcg::new(state());

        let bursts = match &spec.bursts {
            None => None,
            Some(bs) => Some(start_bursts(bs, step_ms, &mut burst_rng)?),
        };
        let noise = match spec.noise_dist {
            _ if spec.noise == 0.0 => Noise::Off,
            NoiseDist::Normal => Noise::Normal { cv: spec.noise },
            NoiseDist::Lognormal => {
                let var = (spec.noise * spec.noise).ln_1p();
                Noise::Lognormal {
                    sigma: var.sqrt(),
                    shift: -0.5 * var,
                }
            }
        };
        let group = match (&spec.group, spec.correlation) {
            (Some(name), Some(rho)) => Group {
                seed: group_seed(spec.scenario_seed, name),
                common: rho.sqrt(),
                own: (1.0 - rho).sqrt(),
            },
            _ => Group {
                seed: 0,
                common: 0.0,
                own: 1.0,
            },
        };
        let growth = match spec.growth {
            None => Growth::None,
            Some(g) => match spec.effective_growth_model() {
                GrowthModel::Linear => Growth::Linear {
                    per_ms: g / YEAR_MS,
                },
                GrowthModel::Compound => Growth::Compound {
                    log_per_ms: g.ln_1p() / YEAR_MS,
                },
            },
        };

        Ok(SynthGen {
            noise_rng,
            burst_rng,
            a,
            b,
            shape,
            noise,
            group,
            growth,
            time_ms: start_ms,
            step: step_ms,
            step_ms: step_ms as f64,
            bursts,
        })
    }

    /// The standard normal `z` of this sample: the workload's own draw, mixed with its group's.
    fn z(&mut self, t: u64) -> f64 {
        let e: f64 = StandardNormal.sample(&mut self.noise_rng);
        if self.group.common > 0.0 {
            self.group
                .common
                .mul_add(common_normal(self.group.seed, t), self.group.own * e)
        } else {
            e
        }
    }

    /// The next sample [workload units], ≥ 0 and finite. Allocates nothing, but for
    /// Pareto-sized bursts when more are active at once than ever before.
    pub fn next_sample(&mut self) -> f32 {
        let shape = if self.b != 0.0 {
            self.shape.at(self.time_ms)
        } else {
            0.0
        };
        self.next_sample_with(shape)
    }

    /// What the deterministic shape of this generator depends on besides time, when it has
    /// one: generators stepped together (one stream of a scenario, same start and step) with
    /// equal keys evaluate the same shape at every sample, so a caller may evaluate it once
    /// (a cosine per sample per workload was the generator's largest cost).
    pub fn shape_key(&self) -> Option<(u64, u64)> {
        match self.shape {
            _ if self.b == 0.0 => None,
            Shape::Daily { peak_ms, weekend } => Some((peak_ms.to_bits(), weekend.to_bits())),
            Shape::MonthEnd { .. } => None,
        }
    }

    /// The shape at the next sample's start (what [`SynthGen::next_sample`] evaluates).
    pub fn shape_now(&self) -> f64 {
        self.shape.at(self.time_ms)
    }

    /// [`SynthGen::next_sample`] given the shape at this sample (0 when there is none);
    /// bit-identical to it.
    pub fn next_sample_with(&mut self, shape: f64) -> f32 {
        let t = self.time_ms;
        let mut v = self.a;
        if self.b != 0.0 {
            v += self.b * shape;
        }
        match self.noise {
            Noise::Off => {}
            Noise::Normal { cv } => {
                let z = self.z(t);
                v *= (1.0 + cv * z).max(0.0);
            }
            Noise::Lognormal { sigma, shift } => {
                let z = self.z(t);
                // Capped so that a zero level times an overflowing multiplier stays 0, not NaN.
                v *= sigma.mul_add(z, shift).exp().min(MAX_VALUE);
            }
        }
        if let Some(bs) = &mut self.bursts {
            v += bs.demand(self.step_ms, &mut self.burst_rng);
        }
        if !matches!(self.growth, Growth::None) {
            let g = self.growth.at(t);
            v = if g > 0.0 { v * g } else { 0.0 };
        }
        self.time_ms = t.wrapping_add(self.step);
        // Saturate rather than turn into infinity (only reachable with absurd noise or bursts).
        v.min(MAX_VALUE) as f32
    }
}

/// `n` samples of [`SynthGen`], for tests and tools; the simulator streams instead.
pub fn generate(
    spec: &SynthSpec,
    seed: u64,
    start_ms: u64,
    step_ms: u64,
    n: usize,
) -> Result<Vec<f32>, String> {
    let mut g = SynthGen::new(spec, seed, start_ms, step_ms)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n).map_err(|_| {
        format!("cannot hold {n} samples in memory; stream them with SynthGen instead")
    })?;
    out.extend((0..n).map(|_| g.next_sample()));
    Ok(out)
}

/// Derive an independent per-workload seed from the scenario seed and the workload's index, so
/// adding a workload does not change the others' demand.
///
/// This is output `index` of a SplitMix64 sequence whose state starts at a mix of
/// `scenario_seed`: distinct indexes give distinct seeds (the mix is a bijection), and nearby
/// scenario seeds give unrelated sequences.
pub fn workload_seed(scenario_seed: u64, index: u64) -> u64 {
    mix64(mix64(scenario_seed).wrapping_add(index.wrapping_add(1).wrapping_mul(SPLITMIX_GAMMA)))
}

const SPLITMIX_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function (Steele, Lea & Flood 2014), a bijection on `u64`.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(SPLITMIX_GAMMA);
    mix64(*state)
}

/// `f(t)` for `t` in [0, week): the daily shape, scaled by `weekend` on Saturday and Sunday.
///
/// `((1 + cos 2x) / 2)⁴ = cos⁸ x`, computed by squaring so the result does not depend on a
/// platform's `powi`.
fn shape(t: u64, peak_ms: f64, weekend: f64) -> f64 {
    let tod = (t % DAY_MS) as f64;
    let c = (PI * (tod - peak_ms) / DAY_MS as f64).cos();
    let c2 = c * c;
    let c4 = c2 * c2;
    let s = c4 * c4;
    if (t / DAY_MS) % 7 >= 5 {
        s * weekend
    } else {
        s
    }
}

/// The seed of the workload named `name` under `scenario_seed`: [`workload_seed`] of the name's
/// [`name_key`]. Keyed by name, not position, so adding, removing or reordering workloads
/// leaves every other workload's demand unchanged; the scenario compiler derives its workloads'
/// seeds the same way, so a `vsesim synth` trace and a scenario with the same seed, names and
/// specs hold the same demand.
pub fn name_seed(scenario_seed: u64, name: &str) -> u64 {
    workload_seed(scenario_seed, name_key(name))
}

/// A stable 64-bit key of a name (FNV-1a): the same on every platform and Rust version, unlike
/// `std`'s hasher.
pub fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Tells a group's seed from that of a workload with the same name.
const GROUP_TAG: u64 = 0x6772_6f75_7000_0001;

/// The seed of the common noise stream of `group` under `scenario_seed`.
pub fn group_seed(scenario_seed: u64, group: &str) -> u64 {
    mix64(name_seed(scenario_seed, group) ^ GROUP_TAG)
}

/// The group's common standard normal `c(t)` for the sample starting at `t_ms`: the first
/// normal of a [`Pcg64Mcg`] seeded by the group's seed and the time together. Counter-based
/// rather than one stream per group, so that each member computes the same `c(t)` on its own,
/// in any order, without shared state, and members with different steps or starts agree
/// wherever their samples start together.
fn common_normal(group_seed: u64, t_ms: u64) -> f64 {
    let mut sm = group_seed ^ mix64(t_ms);
    let hi = splitmix64(&mut sm);
    let lo = splitmix64(&mut sm);
    let mut rng = Pcg64Mcg::new((u128::from(hi) << 64) | u128::from(lo));
    StandardNormal.sample(&mut rng)
}

/// Solve `a + b·f_max = peak`, `a + b·f̄ = mean` over the sample lattice, refusing `a < 0`.
#[allow(clippy::too_many_arguments)]
fn calibrate(
    pattern: Pattern,
    shape: Shape,
    mean: f64,
    peak: f64,
    start_ms: u64,
    step_ms: u64,
    fbar: f64,
    fmax: f64,
) -> Result<(f64, f64), String> {
    let spread = fmax - fbar;
    if spread.is_nan() || spread <= 1e-9 {
        return Err(format!(
            "`peak`: expected {} (equal to `mean`): at a {step_ms} ms step starting at \
             {start_ms} ms every sample falls at the same point of the {} shape, so the \
             noise-free level is constant; use a shorter step or set peak = mean",
            num(mean),
            pattern.name()
        ));
    }
    let mut b = (peak - mean) / spread;
    let mut a = mean - b * fbar;
    if a < 0.0 {
        // Here b·f̄ > mean ≥ 0, so f̄ > 0.
        if a >= -1e-9 * peak {
            // At the limit to rounding: keep the mean exact, the peak within 1e-9.
            a = 0.0;
            b = mean / fbar;
        } else {
            let ratio = fmax / fbar;
            let note = match shape {
                Shape::Daily { weekend, .. } if pattern == Pattern::Weekly => {
                    format!(" with weekend = {weekend}")
                }
                Shape::Daily { .. } => String::new(),
                Shape::MonthEnd { days, business } => {
                    let unit = if business { "business days" } else { "days" };
                    format!(" over {days} {unit}")
                }
            };
            return Err(format!(
                "`peak`: expected at most {} ({ratio:.4} × `mean`, the largest peak/mean ratio \
                 a {} pattern{note} allows at a {step_ms} ms step, since the off-peak \
                 level cannot go below zero), got {}",
                num_floor(mean * ratio),
                pattern.name(),
                num(peak)
            ));
        }
    }
    if !(a.is_finite() && b.is_finite()) {
        return Err(format!(
            "`peak`: {} is too far above `mean` = {} for a {step_ms} ms step",
            num(peak),
            num(mean)
        ));
    }
    Ok((a, b))
}

/// Whether day `d` (counted from 0, a Monday and the first day of a month) lies in the
/// month-end window: the last `days` days of its 30-day month, or with `business` the last
/// `days` Monday-to-Friday days of it (weekends never).
fn month_end_day(d: u64, days: u64, business: bool) -> bool {
    let day_of_month = d % MONTH_DAYS;
    if !business {
        return day_of_month >= MONTH_DAYS - days;
    }
    if d % 7 >= 5 {
        return false;
    }
    // Weekdays after `d` up to the end of its month.
    let next_month = d - day_of_month + MONTH_DAYS;
    weekdays_before(next_month) - weekdays_before(d + 1) < days
}

/// Monday-to-Friday days in `[0, n)`, day 0 being a Monday.
fn weekdays_before(n: u64) -> u64 {
    5 * (n / 7) + (n % 7).min(5)
}

/// Mean and maximum of the month-end indicator over the times the samples visit.
///
/// The indicator repeats every 30 days (210 with business days), so as for the week (see
/// [`lattice_stats`]) the sample starts modulo that period are the lattice `o + j·g`,
/// `g = gcd(step, period)`, each point visited once per `period/g` samples; the indicator is
/// constant over a day, so counting the lattice points of each day gives the mean exactly.
fn month_lattice_stats(start_ms: u64, step_ms: u64, days: u64, business: bool) -> (f64, f64) {
    let period_days = if business {
        MONTH_WEEK_DAYS
    } else {
        MONTH_DAYS
    };
    let g = gcd(step_ms, period_days * DAY_MS);
    let o = start_ms % g;
    // Number of lattice points below x.
    let count = |x: u64| if x <= o { 0 } else { (x - o - 1) / g + 1 };
    let points = count(period_days * DAY_MS);
    let mut inside = 0u64;
    let mut fmax = 0.0f64;
    for day in 0..period_days {
        if month_end_day(day, days, business) {
            let n = count((day + 1) * DAY_MS) - count(day * DAY_MS);
            inside += n;
            if n > 0 {
                fmax = 1.0;
            }
        }
    }
    (inside as f64 / points as f64, fmax)
}

/// Mean and maximum of `f` over the times the samples visit, modulo a week.
///
/// Sample starts are `start + k·step`; modulo a week they are exactly the lattice
/// `o + j·g`, `j = 0 … week/g − 1`, with `g = gcd(step, week)` and `o = start mod g`, each point
/// visited once every `week/g` samples. The mean is summed day by day in closed form; the
/// maximum on each day is at one of the lattice points next to the peak or at the day's first or
/// last point (`s` falls away from the peak on both sides and the day spans one period of it).
fn lattice_stats(start_ms: u64, step_ms: u64, peak_ms: f64, weekend: f64) -> (f64, f64) {
    let g = gcd(step_ms, WEEK_MS);
    let o = start_ms % g;
    // Number of lattice points below x.
    let count = |x: u64| if x <= o { 0 } else { (x - o - 1) / g + 1 };
    let points = count(WEEK_MS);
    let mut total = 0.0;
    let mut fmax = 0.0f64;
    for day in 0..7u64 {
        let (j0, j1) = (count(day * DAY_MS), count((day + 1) * DAY_MS));
        if j0 == j1 {
            continue;
        }
        let w = if day >= 5 { weekend } else { 1.0 };
        total += w * shape_sum(o, g, j0, j1, peak_ms);
        // Extra candidates are harmless, so a float rounding of the nearest index cannot miss.
        let near = (((day * DAY_MS) as f64 + peak_ms - o as f64) / g as f64).floor() as i128;
        for j in [
            j0 as i128,
            j1 as i128 - 1,
            near - 1,
            near,
            near + 1,
            near + 2,
        ] {
            if j >= j0 as i128 && j < j1 as i128 {
                fmax = fmax.max(shape(o + j as u64 * g, peak_ms, weekend));
            }
        }
    }
    (total / points as f64, fmax)
}

/// `Σ s(o + j·g)` for `j` in `j0..j1`, in closed form.
///
/// `cos⁸ x = (35 + 56 cos 2x + 28 cos 4x + 8 cos 6x + cos 8x) / 128`, and
/// `Σ_{j=j0}^{j1−1} cos(α + jβ) = sin(nβ/2) / sin(β/2) · cos(α + (j0+j1−1)β/2)` (or `n cos α`
/// when β is a multiple of 2π). Phases that grow with `j` are reduced exactly in integers, so
/// the result is accurate to rounding however many points the sum spans.
fn shape_sum(o: u64, g: u64, j0: u64, j1: u64, peak_ms: f64) -> f64 {
    const COEF: [f64; 5] = [35.0, 56.0, 28.0, 8.0, 1.0];
    let day = DAY_MS as f64;
    let d = u128::from(DAY_MS);
    let n = j1 - j0;
    let mut sum = COEF[0] * n as f64;
    for (m, coef) in COEF.iter().enumerate().skip(1) {
        let mf = m as f64;
        // m-th harmonic of point j: α + j·β with α = 2π·m(o − peak)/day, β = 2π·r/day.
        let alpha = 2.0 * PI * (mf * (o as f64 - peak_ms)).rem_euclid(day) / day;
        let r = (m as u128 * u128::from(g)) % d;
        let c = if r == 0 {
            n as f64 * alpha.cos()
        } else {
            let half_n = ((u128::from(n) * r) % (2 * d)) as f64 * PI / day;
            let half = r as f64 * PI / day;
            let mid = ((u128::from(j0 + j1 - 1) * r) % (2 * d)) as f64 * PI / day;
            half_n.sin() / half.sin() * (alpha + mid).cos()
        };
        sum += coef * c;
    }
    sum / 128.0
}

/// A value for an error message: plain for everyday magnitudes, scientific otherwise (so 1e300
/// does not print as 301 digits).
fn num(x: f64) -> String {
    if x == 0.0 || (1e-4..1e15).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A limit for an error message: 5 significant digits, rounded down so that the printed value
/// is itself accepted.
fn num_floor(x: f64) -> String {
    if !(x > 0.0 && x < 1e15) {
        return num(x);
    }
    let decimals = (4 - x.log10().floor() as i32).clamp(0, 15);
    let scale = 10f64.powi(decimals);
    let down = (x * scale).floor() / scale;
    format!("{down:.prec$}", prec = decimals as usize)
}

fn gcd(mut x: u64, mut y: u64) -> u64 {
    while y != 0 {
        (x, y) = (y, x % y);
    }
    x
}

/// The burst chain at the first sample: stationary count, fresh wait to the next event.
fn start_bursts(bs: &Bursts, step_ms: u64, rng: &mut Pcg64Mcg) -> Result<BurstState, String> {
    let arrival_rate = bs.per_day / DAY_MS as f64;
    let per_sample = arrival_rate * step_ms as f64;
    if per_sample > MAX_BURSTS_PER_SAMPLE {
        return Err(format!(
            "`bursts.per_day`: expected at most {} bursts a day at a {step_ms} ms step (at most \
             {MAX_BURSTS_PER_SAMPLE:e} a sample, since bursts are simulated one by one), got {}",
            num_floor(MAX_BURSTS_PER_SAMPLE * DAY_MS as f64 / step_ms as f64),
            num(bs.per_day)
        ));
    }
    let duration_ms = bs.minutes * 60_000.0;
    let end_rate = 1.0 / duration_ms;
    let mean_active = bs.per_day * bs.minutes / 1440.0;
    let sized = match bs.size_tail {
        None => None,
        Some(alpha) => {
            if mean_active > MAX_SIZED_ACTIVE {
                return Err(format!(
                    "`bursts.size_tail`: {} minutes at {} bursts a day keeps {} bursts active \
                     at once, and each Pareto-sized burst is remembered; expected at most \
                     {MAX_SIZED_ACTIVE:e} (fewer or shorter bursts)",
                    num(bs.minutes),
                    num(bs.per_day),
                    num(mean_active)
                ));
            }
            // Mean of Pareto(x_m, α) = α·x_m/(α − 1): `size` is the mean.
            let scale = bs.size * (alpha - 1.0) / alpha;
            let pareto = Pareto::new(scale, alpha).map_err(|_| {
                format!(
                    "`bursts.size_tail`: α = {} with size = {} gives a Pareto scale of {}; \
                     expected a larger size or α",
                    num(alpha),
                    num(bs.size),
                    num(scale)
                )
            })?;
            Some(Box::new(SizedBursts {
                pareto,
                sizes: Vec::new(),
                sum: 0.0,
            }))
        }
    };
    let active = if mean_active > 0.0 {
        let poisson = Poisson::new(mean_active).map_err(|_| {
            format!(
                "`bursts.minutes`: {} minutes at {} bursts a day means {mean_active:e} bursts \
                 active at once; expected a shorter duration",
                num(bs.minutes),
                num(bs.per_day)
            )
        })?;
        let k: f64 = poisson.sample(rng);
        k as u64
    } else {
        0
    };
    let mut state = BurstState {
        arrival_rate,
        end_rate,
        size: bs.size,
        active,
        until_event: 0.0,
        sized,
    };
    if let Some(s) = &mut state.sized {
        for _ in 0..active {
            let size = s.draw(rng);
            s.push(size);
        }
    }
    state.until_event = state.draw_wait(rng);
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN5: u64 = 300_000;

    fn spec(pattern: Pattern, mean: f64, peak: Option<f64>) -> SynthSpec {
        SynthSpec::new(pattern, mean, peak)
    }

    fn mean_of(v: &[f32]) -> f64 {
        v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
    }

    fn max_of(v: &[f32]) -> f64 {
        v.iter().fold(f64::MIN, |m, &x| m.max(x as f64))
    }

    fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
        assert!(
            (got - want).abs() <= tol * want.abs(),
            "{what}: got {got}, expected {want} within {tol} relative"
        );
    }

    #[test]
    fn noise_free_week_has_exact_max_and_mean() {
        for pattern in [Pattern::Diurnal, Pattern::Weekly] {
            for step in [MIN5, HOUR_MS] {
                // A peak on the grid and one between samples, from Monday 00:00 and from an
                // unaligned start: the largest *sample* is `peak` either way.
                for (peak_hour, start) in [(14.0, 0), (9.75, 11_820_000)] {
                    let mut s = spec(pattern, 10.0, Some(30.0));
                    s.peak_hour = peak_hour;
                    let n = (WEEK_MS / step) as usize;
                    let v = generate(&s, 1, start, step, n).unwrap();
                    let what = format!("{pattern:?} step {step} peak_hour {peak_hour}");
                    assert_rel(max_of(&v), 30.0, 1e-4, &format!("max, {what}"));
                    assert_rel(mean_of(&v), 10.0, 1e-4, &format!("mean, {what}"));
                }
            }
        }
    }

    #[test]
    fn steps_that_do_not_divide_a_day_keep_the_mean() {
        // After week/gcd(step, week) samples every reachable phase has been visited once, so
        // the mean over that many samples is the long-run mean.
        let steps = [
            7 * 60_000,
            11 * 60_000,
            6 * HOUR_MS,
            7 * HOUR_MS,
            25 * HOUR_MS,
            3 * HOUR_MS + HOUR_MS / 2,
            WEEK_MS + 13 * 60_000,
        ];
        for pattern in [Pattern::Diurnal, Pattern::Weekly] {
            for step in steps {
                let n = (WEEK_MS / gcd(step, WEEK_MS)) as usize;
                let s = spec(pattern, 5.0, Some(10.0));
                let v = generate(&s, 7, 4_000_000, step, n).unwrap();
                let what = format!("{pattern:?} step {step}");
                assert_rel(max_of(&v), 10.0, 1e-4, &format!("max, {what}"));
                assert_rel(mean_of(&v), 5.0, 1e-4, &format!("mean, {what}"));
            }
        }
    }

    #[test]
    fn closed_form_matches_brute_force() {
        let cases = [
            (MIN5, 0, 14.0, 0.5),
            (7 * 60_000, 123_456, 3.3, 0.2),
            (6 * HOUR_MS, 0, 14.0, 0.5),
            (7 * HOUR_MS, 5_000_000, 23.9, 0.0),
            (25 * HOUR_MS, 1, 0.0, 1.0),
            (3 * HOUR_MS + HOUR_MS / 2, 777, 12.0, 0.7),
            (DAY_MS, 2 * HOUR_MS, 14.0, 0.5),
            (WEEK_MS, 0, 14.0, 0.5),
            (3 * DAY_MS + 1_000, 99, 8.0, 0.3),
        ];
        for (step, start, peak_hour, weekend) in cases {
            let peak_ms = peak_hour * HOUR_MS as f64;
            let (fbar, fmax) = lattice_stats(start, step, peak_ms, weekend);
            let g = gcd(step, WEEK_MS);
            let o = start % g;
            let m = WEEK_MS / g;
            let (mut sum, mut max) = (0.0, 0.0f64);
            for j in 0..m {
                let f = shape(o + j * g, peak_ms, weekend);
                sum += f;
                max = max.max(f);
            }
            let what = format!("step {step} start {start} peak {peak_hour} weekend {weekend}");
            assert!((fbar - sum / m as f64).abs() < 1e-12, "mean, {what}");
            assert_eq!(fmax, max, "max, {what}");
        }
    }

    #[test]
    fn ratio_limit_is_the_closed_form() {
        // On a grid of at least 5 points a day the sampled mean of cos⁸ is its constant term,
        // 35/128, and the grid hits the peak (1): diurnal allows peak/mean up to 128/35.
        let diurnal = 128.0 / 35.0;
        // Weekly: weekdays weigh 1, weekend days `weekend`, over 7 days.
        let weekly_half = diurnal * 7.0 / 6.0;
        let weekly_zero = diurnal * 7.0 / 5.0;
        for step in [MIN5, HOUR_MS] {
            for (pattern, weekend, limit) in [
                (Pattern::Diurnal, 0.5, diurnal),
                (Pattern::Weekly, 0.5, weekly_half),
                (Pattern::Weekly, 0.0, weekly_zero),
            ] {
                let mut s = spec(pattern, 2.0, Some(2.0 * limit * (1.0 + 1e-6)));
                s.weekend = weekend;
                let err = SynthGen::new(&s, 0, 0, step).expect_err("above the limit");
                assert!(err.contains("`peak`"), "{err}");
                s.peak = Some(2.0 * limit * (1.0 - 1e-6));
                let v = generate(&s, 0, 0, step, (WEEK_MS / step) as usize).unwrap();
                // Just below the limit the floor is (nearly) zero.
                let min = v.iter().fold(f64::MAX, |m, &x| m.min(x as f64));
                assert!(min < 1e-4, "{pattern:?} floor {min}");
            }
        }
        // With mean 0 any positive peak needs a negative floor.
        let err = SynthGen::new(&spec(Pattern::Diurnal, 0.0, Some(1.0)), 0, 0, MIN5)
            .expect_err("mean 0, peak 1");
        assert!(err.contains("`peak`"), "{err}");
    }

    #[test]
    fn a_step_that_sees_one_phase_cannot_show_a_shape() {
        // Every daily sample is at 00:00: the shape is invisible.
        let err = SynthGen::new(&spec(Pattern::Diurnal, 5.0, Some(6.0)), 0, 0, DAY_MS)
            .expect_err("daily samples");
        assert!(err.contains("`peak`"), "{err}");
        let v = generate(&spec(Pattern::Diurnal, 5.0, Some(5.0)), 0, 0, DAY_MS, 10).unwrap();
        assert!(v.iter().all(|&x| x == 5.0), "{v:?}");
    }

    #[test]
    fn flat_is_constant_at_mean() {
        for peak in [None, Some(42.5)] {
            let v = generate(&spec(Pattern::Flat, 42.5, peak), 3, 0, MIN5, 5000).unwrap();
            assert!(v.iter().all(|&x| x == 42.5), "peak {peak:?}");
        }
        let err = SynthGen::new(&spec(Pattern::Flat, 42.5, Some(50.0)), 3, 0, MIN5)
            .expect_err("flat with a different peak");
        assert!(err.contains("`peak`"), "{err}");
    }

    #[test]
    fn seeds_reproduce_and_separate() {
        let mut s = spec(Pattern::Weekly, 10.0, Some(25.0));
        s.noise = 0.2;
        s.bursts = Some(Bursts {
            per_day: 4.0,
            size: 3.0,
            minutes: 20.0,
            size_tail: None,
        });
        let n = 5000;
        let seed0 = workload_seed(42, 0);
        let seed1 = workload_seed(42, 1);
        assert_ne!(seed0, seed1);
        let a = generate(&s, seed0, 0, MIN5, n).unwrap();
        let b = generate(&s, seed0, 0, MIN5, n).unwrap();
        assert_eq!(a, b);
        let c = generate(&s, seed1, 0, MIN5, n).unwrap();
        assert_ne!(a, c);
        let mut g = SynthGen::new(&s, seed0, 0, MIN5).unwrap();
        let streamed: Vec<f32> = (0..n).map(|_| g.next_sample()).collect();
        assert_eq!(a, streamed);
        // A different scenario seed changes the workload seeds too.
        assert_ne!(workload_seed(43, 0), seed0);
    }

    #[test]
    fn noise_has_the_requested_spread() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let mut s = spec(Pattern::Flat, 100.0, None);
        s.noise = 0.1;
        let n = 200_000;
        let v = generate(&s, 11, 0, MIN5, n).unwrap();
        let mean = mean_of(&v);
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert_rel(mean, 100.0, 0.01, "noise mean");
        assert_rel(var.sqrt(), 10.0, 0.05, "noise std dev");
        // Normal, not merely the right variance: P(z < −1) = Φ(−1).
        let below = v.iter().filter(|&&x| (x as f64) < 90.0).count() as f64 / n as f64;
        let phi = Normal::new(0.0, 1.0).unwrap().cdf(-1.0);
        assert!(
            (below - phi).abs() < 0.005,
            "P(below 90) = {below}, Φ(−1) = {phi}"
        );
    }

    #[test]
    fn bursts_add_their_expected_volume() {
        // Mean added demand = per_day × (minutes / 1440) × size. The second case has bursts
        // much shorter than the step, where each sample holds a fraction of a burst.
        for (step, per_day, minutes, size, days) in
            [(MIN5, 2.0, 30.0, 1.0, 2000), (HOUR_MS, 2.0, 5.0, 3.0, 2000)]
        {
            let mut s = spec(Pattern::Flat, 0.0, None);
            s.bursts = Some(Bursts {
                per_day,
                size,
                minutes,
                size_tail: None,
            });
            let n = (days * DAY_MS / step) as usize;
            let v = generate(&s, 5, 0, step, n).unwrap();
            let want = per_day * minutes / 1440.0 * size;
            assert_rel(mean_of(&v), want, 0.10, &format!("burst mean, step {step}"));
            assert!(v.iter().all(|&x| x >= 0.0));
            assert!(v.iter().any(|&x| x > 0.0) && v.contains(&0.0));
        }
    }

    #[test]
    fn weekends_are_lower_by_the_weekend_factor() {
        let mut s = spec(Pattern::Weekly, 10.0, Some(30.0));
        s.weekend = 0.25;
        let v = generate(&s, 0, 0, HOUR_MS, 168).unwrap();
        let weekday = mean_of(&v[..120]);
        let weekend = mean_of(&v[120..]);
        assert!(weekday > weekend, "weekday {weekday}, weekend {weekend}");
        // The 02:00 sample is at the trough (s = 0), so the minimum is the floor a, and the
        // part above it shrinks by exactly `weekend` on Saturday and Sunday.
        let floor = v.iter().fold(f64::MAX, |m, &x| m.min(x as f64));
        assert_rel(
            (weekend - floor) / (weekday - floor),
            0.25,
            1e-4,
            "weekend ratio",
        );
        // Saturday 14:00 is sample 5·24 + 14.
        assert_rel(
            v[134] as f64 - floor,
            0.25 * (30.0 - floor),
            1e-4,
            "Saturday peak",
        );
    }

    #[test]
    fn validation_names_the_field() {
        type Edit = fn(&mut SynthSpec);
        let cases: [(Edit, &str); 12] = [
            (|s| s.mean = -1.0, "`mean`"),
            (|s| s.mean = f64::NAN, "`mean`"),
            (|s| s.peak = None, "`peak`"),
            (|s| s.peak = Some(5.0), "`peak`"),
            (|s| s.peak = Some(f64::INFINITY), "`peak`"),
            (|s| s.peak_hour = 24.0, "`peak_hour`"),
            (|s| s.weekend = 1.5, "`weekend`"),
            (|s| s.noise = -0.1, "`noise`"),
            (|s| s.noise = f64::NAN, "`noise`"),
            (
                |s| {
                    s.bursts = Some(Bursts {
                        per_day: 0.0,
                        size: 1.0,
                        minutes: 1.0,
                        size_tail: None,
                    })
                },
                "`bursts.per_day`",
            ),
            (
                |s| {
                    s.bursts = Some(Bursts {
                        per_day: 1.0,
                        size: f64::INFINITY,
                        minutes: 1.0,
                        size_tail: None,
                    })
                },
                "`bursts.size`",
            ),
            (
                |s| {
                    s.bursts = Some(Bursts {
                        per_day: 1.0,
                        size: 1.0,
                        minutes: -1.0,
                        size_tail: None,
                    })
                },
                "`bursts.minutes`",
            ),
        ];
        for (edit, field) in cases {
            let mut s = spec(Pattern::Weekly, 10.0, Some(20.0));
            edit(&mut s);
            let err = s
                .validate()
                .err()
                .unwrap_or_else(|| panic!("{field} accepted"));
            assert!(err.contains(field), "{field}: {err}");
            let err = SynthGen::new(&s, 0, 0, MIN5).expect_err("new validates");
            assert!(err.contains(field), "{field}: {err}");
        }
        let err = SynthGen::new(&spec(Pattern::Flat, 1.0, None), 0, 0, 0).expect_err("zero step");
        assert!(err.contains("`step`"), "{err}");
    }

    #[test]
    fn extreme_inputs_never_panic() {
        let burst = |per_day, size, minutes| {
            Some(Bursts {
                per_day,
                size,
                minutes,
                size_tail: None,
            })
        };
        let mut specs = vec![
            spec(Pattern::Weekly, MAX_VALUE, Some(MAX_VALUE)),
            spec(Pattern::Diurnal, 1e-300, Some(3e-300)),
            spec(Pattern::Diurnal, 1.0, Some(MAX_VALUE)),
        ];
        for b in [
            burst(1e-300, 1.0, 1e-300),
            burst(1e9, MAX_VALUE, 1e-9),
            burst(1e300, 1.0, 1e300),
            burst(1.0, 1.0, 1e300),
            burst(5.0, 1.0, f64::MIN_POSITIVE),
        ] {
            let mut s = spec(Pattern::Flat, 1.0, None);
            s.noise = 1e6;
            s.bursts = b;
            specs.push(s);
        }
        for s in &specs {
            for step in [1, 7, 1_000, DAY_MS, WEEK_MS, u64::MAX] {
                for start in [0, u64::MAX] {
                    if let Ok(mut g) = SynthGen::new(s, 9, start, step) {
                        for _ in 0..50 {
                            let x = g.next_sample();
                            assert!(x.is_finite() && x >= 0.0, "{s:?} step {step}: {x}");
                        }
                    }
                }
            }
        }
        assert!(generate(&specs[0], 0, 0, MIN5, usize::MAX).is_err());
    }

    #[test]
    fn a_generator_stays_small() {
        // Per-workload memory is what makes streaming 10,000 workloads worthwhile: 10,000
        // generators stay under 2.5 MB. (192 bytes before month-end, growth, groups and
        // log-normal noise; Pareto sizes are boxed so fixed-size bursts do not pay for them.)
        let size = std::mem::size_of::<SynthGen>();
        assert!(size <= 256, "{size} bytes");
    }

    const DAY: u64 = DAY_MS;

    /// FNV-1a of the samples' bits: a short fingerprint of a whole series.
    fn fingerprint(v: &[f32]) -> u64 {
        v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
            x.to_bits()
                .to_le_bytes()
                .iter()
                .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
        })
    }

    fn bursts(per_day: f64, size: f64, minutes: f64, size_tail: Option<f64>) -> Option<Bursts> {
        Some(Bursts {
            per_day,
            size,
            minutes,
            size_tail,
        })
    }

    fn std_of(v: &[f64]) -> f64 {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    }

    fn correlation(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (a, b) in x.iter().zip(y) {
            sxy += (a - mx) * (b - my);
            sxx += (a - mx).powi(2);
            syy += (b - my).powi(2);
        }
        sxy / (sxx * syy).sqrt()
    }

    /// The Hill estimator of the tail index from the `k` largest of `v`.
    fn hill(v: &[f64], k: usize) -> f64 {
        let mut s: Vec<f64> = v.to_vec();
        s.sort_by(|a, b| b.total_cmp(a));
        let threshold = s[k].ln();
        k as f64 / s[..k].iter().map(|x| x.ln() - threshold).sum::<f64>()
    }

    fn as_f64(v: &[f32]) -> Vec<f64> {
        v.iter().map(|&x| x as f64).collect()
    }

    /// The output of the specs scenarios could write before month-end, trend, growth, groups,
    /// log-normal noise and Pareto bursts existed, pinned: the new fields' defaults must leave
    /// every sample's bits unchanged (the demo's golden summary depends on them). Recorded
    /// from the generator as it was before those fields were added.
    #[test]
    fn existing_specs_keep_their_exact_output() {
        let b = |per_day, size, minutes| bursts(per_day, size, minutes, None);
        let mut specs = vec![];
        let mut s = spec(Pattern::Weekly, 35.0, Some(80.0));
        (s.peak_hour, s.noise) = (11.0, 0.1);
        specs.push(s);
        let mut s = spec(Pattern::Diurnal, 12.0, Some(35.0));
        (s.peak_hour, s.noise) = (2.0, 0.15);
        specs.push(s);
        let mut s = spec(Pattern::Flat, 15.0, None);
        (s.noise, s.bursts) = (0.2, b(3.0, 30.0, 45.0));
        specs.push(s);
        let mut s = spec(Pattern::Flat, 0.3, None);
        (s.noise, s.bursts) = (0.3, b(2.0, 1.2, 60.0));
        specs.push(s);
        let mut s = spec(Pattern::Weekly, 0.4, Some(1.2));
        (s.noise, s.weekend, s.peak_hour) = (0.2, 0.3, 9.75);
        s.bursts = b(1.0, 1.0, 30.0);
        specs.push(s);
        let runs = [
            (workload_seed(42, 7), 0, MIN5),
            (3, 11_820_000, 7 * 60_000),
            (99, 0, HOUR_MS),
        ];
        let want: [[u64; 3]; 5] = [
            [0x67578e0dc6bf4df8, 0x9fd7a492c4f64fd0, 0xf122af78349e35f4],
            [0x665f6467d91395f2, 0xd8a3b4ec1abc28bd, 0x93137e524dec4262],
            [0x7c71dbf6cda4fbc6, 0x8d83729114c1b31a, 0x417a491ccc4a0f6a],
            [0x6f53ab30d4627f4e, 0x4ca21b90b9c63fd9, 0xd382f7dfbc72b331],
            [0x908d0ca87cc3f728, 0x07c0f987c989c8df, 0x8d177448718b85b2],
        ];
        for (i, s) in specs.iter().enumerate() {
            for (j, (seed, start, step)) in runs.into_iter().enumerate() {
                let v = generate(s, seed, start, step, 20_000).unwrap();
                assert_eq!(
                    fingerprint(&v),
                    want[i][j],
                    "spec {i}, run {j}: the output of an existing spec changed"
                );
            }
        }
    }

    #[test]
    fn long_series_have_the_spec_mean() {
        // Law of large numbers. Every pattern over 210 days at 5 minutes (60,480 samples, a
        // whole number of weeks, 30-day months and 210-day business cycles, so the noise-free
        // mean is exact but for the samples' f32 rounding), then with noise c = 0.2. The
        // sample mean's standard error is about c · rms(level) / √n ≤ 0.2 · 2.4 · mean / 246
        // ≈ 0.2 % of the mean (the month end's plateau has the largest rms); 1 % is 5 of them. Normal noise at c = 0.2 is clamped at zero with probability Φ(−5) ≈ 3e−7, which
        // biases the mean by less than 1e−7.
        let n = (210 * DAY / MIN5) as usize;
        let mut specs = vec![
            spec(Pattern::Flat, 20.0, None),
            spec(Pattern::Diurnal, 20.0, Some(60.0)),
            spec(Pattern::Weekly, 20.0, Some(60.0)),
            spec(Pattern::MonthEnd, 20.0, Some(150.0)),
        ];
        let mut business = spec(Pattern::MonthEnd, 20.0, Some(100.0));
        (business.days, business.business_days) = (Some(5), Some(true));
        specs.push(business);
        for s in &mut specs {
            let exact = generate(s, 1, 0, MIN5, n).unwrap();
            assert_rel(
                mean_of(&exact),
                20.0,
                1e-6,
                &format!("{:?} noise-free", s.pattern),
            );
            assert_rel(max_of(&exact), s.peak.unwrap_or(20.0), 1e-6, "peak");
            for dist in [NoiseDist::Normal, NoiseDist::Lognormal] {
                (s.noise, s.noise_dist) = (0.2, dist);
                let v = generate(s, 2, 0, MIN5, n).unwrap();
                assert_rel(
                    mean_of(&v),
                    20.0,
                    0.01,
                    &format!("{:?} {dist:?}", s.pattern),
                );
            }
        }
    }

    #[test]
    fn lognormal_noise_keeps_the_mean_at_any_spread() {
        // M = exp(σz − σ²/2), σ² = ln(1 + c²): E[M] = 1, sd(M) = c, median e^{−σ²/2}. At
        // c = 0.5 over 400,000 samples the mean's standard error is 0.5/632 ≈ 0.08 %.
        let mut s = spec(Pattern::Flat, 100.0, None);
        (s.noise, s.noise_dist) = (0.5, NoiseDist::Lognormal);
        let v = as_f64(&generate(&s, 21, 0, MIN5, 400_000).unwrap());
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert_rel(mean, 100.0, 0.005, "log-normal mean");
        assert_rel(std_of(&v), 50.0, 0.03, "log-normal sd");
        assert!(v.iter().all(|&x| x > 0.0), "log-normal noise is positive");
        let below_median = v.iter().filter(|&&x| x < 100.0 / 1.25f64.sqrt()).count();
        assert_rel(below_median as f64 / v.len() as f64, 0.5, 0.01, "median");
        // Normal noise at the same spread is clamped at 0 and so biased up by
        // E[max(0, 1 + cz)] − 1 = c·φ(1/c) − Φ(−1/c) ≈ 0.0043 at c = 0.5: log-normal is the
        // choice for wide noise.
        s.noise_dist = NoiseDist::Normal;
        let normal = mean_of(&generate(&s, 21, 0, MIN5, 400_000).unwrap());
        assert!(normal > 100.1, "normal noise at c = 0.5 has mean {normal}");
    }

    #[test]
    fn group_members_correlate_by_rho() {
        // z = √ρ·c(t) + √(1−ρ)·e: corr = ρ between members, standard error (1 − ρ²)/√n ≈ 0.0016
        // over 100,000 samples; tolerance 0.02 (the issue asks 0.05).
        let n = 100_000;
        let member = |rho: f64, group: &str, seed_name: &str, dist: NoiseDist| {
            let mut s = spec(Pattern::Flat, 100.0, None);
            (s.noise, s.noise_dist) = (0.1, dist);
            (s.group, s.correlation) = (Some(group.to_string()), Some(rho));
            let s = s.with_scenario_seed(7);
            as_f64(&generate(&s, name_seed(7, seed_name), 0, MIN5, n).unwrap())
        };
        let a = member(0.7, "oltp", "db-001", NoiseDist::Normal);
        let b = member(0.7, "oltp", "db-002", NoiseDist::Normal);
        let r = correlation(&a, &b);
        assert!((r - 0.7).abs() < 0.02, "ρ = 0.7: corr {r}");
        // Each member keeps its own spread: z is still standard normal.
        assert_rel(std_of(&a), 10.0, 0.02, "member sd");
        // Different ρ: √(ρ₁ρ₂).
        let c = member(0.3, "oltp", "db-003", NoiseDist::Normal);
        let r = correlation(&a, &c);
        assert!((r - 0.21f64.sqrt()).abs() < 0.02, "ρ 0.7 and 0.3: corr {r}");
        // Another group, or another scenario seed: independent.
        let other = member(0.7, "batch", "db-002", NoiseDist::Normal);
        assert!(correlation(&a, &other).abs() < 0.02);
        let mut s = spec(Pattern::Flat, 100.0, None);
        s.noise = 0.1;
        (s.group, s.correlation) = (Some("oltp".into()), Some(0.7));
        let reseeded = as_f64(&generate(&s.with_scenario_seed(8), 5, 0, MIN5, n).unwrap());
        assert!(correlation(&a, &reseeded).abs() < 0.02);
        // Log-normal: ρ is the correlation of ln M.
        let la = member(0.7, "oltp", "db-001", NoiseDist::Lognormal);
        let lb = member(0.7, "oltp", "db-002", NoiseDist::Lognormal);
        let ln = |v: &[f64]| v.iter().map(|x| x.ln()).collect::<Vec<_>>();
        let r = correlation(&ln(&la), &ln(&lb));
        assert!((r - 0.7).abs() < 0.02, "log-normal: corr of ln {r}");
        // ρ = 1: the members' noise is the same.
        let one = member(1.0, "oltp", "db-001", NoiseDist::Normal);
        let two = member(1.0, "oltp", "db-002", NoiseDist::Normal);
        assert_eq!(one, two);
        // The common stream is fresh at every sample: no autocorrelation.
        let lag = correlation(&one[1..], &one[..n - 1]);
        assert!(lag.abs() < 0.02, "lag-1 autocorrelation {lag}");
    }

    #[test]
    fn group_members_with_different_steps_correlate_where_samples_coincide() {
        let mut s = spec(Pattern::Flat, 100.0, None);
        s.noise = 0.1;
        (s.group, s.correlation) = (Some("g".into()), Some(0.7));
        let hours = 50_000;
        let hourly = as_f64(&generate(&s, 1, 0, HOUR_MS, hours).unwrap());
        let fine = as_f64(&generate(&s, 2, 0, MIN5, hours * 12).unwrap());
        let on_the_hour: Vec<f64> = fine.iter().step_by(12).copied().collect();
        let r = correlation(&hourly, &on_the_hour);
        assert!((r - 0.7).abs() < 0.02, "corr {r}");
        let off_the_hour: Vec<f64> = fine.iter().skip(6).step_by(12).copied().collect();
        assert!(correlation(&hourly, &off_the_hour).abs() < 0.02);
    }

    #[test]
    fn month_end_peaks_on_the_last_days() {
        // days = 3, mean 10, peak 40 at an hourly step: f̄ = 3/30, so b = (40 − 10)/(1 − 0.1)
        // = 33.33 and the floor a = 10 − 0.1·b = 6.667.
        let mut s = spec(Pattern::MonthEnd, 10.0, Some(40.0));
        s.days = Some(3);
        let v = generate(&s, 0, 0, HOUR_MS, 90 * 24).unwrap();
        for (k, &x) in v.iter().enumerate() {
            let day_of_month = k / 24 % 30;
            let want = if day_of_month >= 27 {
                40.0
            } else {
                10.0 - 30.0 / 9.0
            };
            assert_rel(
                x as f64,
                want,
                1e-6,
                &format!("hour {k} (day {day_of_month})"),
            );
        }
        assert_rel(mean_of(&v), 10.0, 1e-6, "mean over 3 months");
        // Business days: month 0 is days 0–29 with day 0 a Monday, so its last 3 weekdays are
        // Friday 25, Monday 28 and Tuesday 29 (26, 27 are the weekend); month 1 (days 30–59)
        // ends on Wednesday 59: days 57, 58, 59.
        s.business_days = Some(true);
        let v = generate(&s, 0, 0, DAY, 210).unwrap();
        let high: Vec<usize> = (0..60).filter(|&d| v[d] as f64 > 10.0).collect();
        assert_eq!(high, [25, 28, 29, 57, 58, 59]);
        // Over the 210-day cycle the window holds exactly 3 of 30 days on average.
        assert_rel(mean_of(&v), 10.0, 1e-6, "business mean");
        assert_rel(max_of(&v), 40.0, 1e-6, "business peak");
        // The window cannot exceed `30/days` × mean without a negative floor.
        s.business_days = None;
        s.peak = Some(10.0 * 10.0 * 1.001);
        let err = SynthGen::new(&s, 0, 0, HOUR_MS).expect_err("peak above 30/days × mean");
        assert!(
            err.contains("`peak`") && err.contains("over 3 days"),
            "{err}"
        );
        // A step that always lands at the same point of the month sees no window.
        s.peak = Some(20.0);
        let err = SynthGen::new(&s, 0, 0, 30 * DAY).expect_err("monthly samples");
        assert!(err.contains("`peak`"), "{err}");
    }

    #[test]
    fn month_end_calibration_matches_brute_force() {
        for (step, start, days, business) in [
            (MIN5, 0, 3, false),
            (7 * HOUR_MS, 123_456, 5, false),
            (11 * 60_000, 0, 4, true),
            (DAY + HOUR_MS, 42, 2, true),
            (13 * DAY, 0, 7, true),
        ] {
            let (fbar, fmax) = month_lattice_stats(start, step, days, business);
            let period = if business { 210 } else { 30 } * DAY;
            let g = gcd(step, period);
            let m = period / g;
            let o = start % g;
            let hits = (0..m)
                .filter(|j| month_end_day((o + j * g) / DAY, days, business))
                .count();
            let what = format!("step {step} start {start} days {days} business {business}");
            assert!(
                (fbar - hits as f64 / m as f64).abs() < 1e-12,
                "mean, {what}"
            );
            assert_eq!(fmax, if hits > 0 { 1.0 } else { 0.0 }, "max, {what}");
        }
    }

    #[test]
    fn trend_reaches_mean_times_one_plus_g_after_a_year() {
        // Linear trend: G(t) = 1 + g·t/year, so the hourly sample at t = 365 days is
        // mean·(1 + g) exactly (to rounding).
        let mut s = spec(Pattern::Trend, 10.0, None);
        s.growth = Some(0.2);
        let v = generate(&s, 0, 0, HOUR_MS, 2 * 365 * 24 + 1).unwrap();
        assert_rel(v[0] as f64, 10.0, 1e-7, "t = 0");
        assert_rel(v[365 * 24] as f64, 12.0, 1e-6, "t = 1 year");
        assert_rel(v[2 * 365 * 24] as f64, 14.0, 1e-6, "t = 2 years (linear)");
        // Compound growth on a weekly pattern with noise: the mean of the week centred on one
        // year (2,016 samples, standard error ≈ 0.1·1.4/45 ≈ 0.3 %) is mean·(1 + g) to within
        // the curvature of (1 + g)^x over ±3.5 days (< 1e−5) and the noise: 1.5 %.
        let mut s = spec(Pattern::Weekly, 10.0, Some(25.0));
        (s.noise, s.growth) = (0.1, Some(0.3));
        assert_eq!(s.effective_growth_model(), GrowthModel::Compound);
        let start = 365 * DAY - 7 * DAY / 2;
        let v = generate(&s, 3, start, MIN5, (WEEK_MS / MIN5) as usize).unwrap();
        assert_rel(mean_of(&v), 13.0, 0.015, "compound, one year on");
        let v = generate(&s, 3, 730 * DAY, HOUR_MS, 1).unwrap();
        assert!(v[0] > 0.0);
        // Decline: linear growth −0.5 reaches zero at two years and stays there.
        let mut s = spec(Pattern::Trend, 10.0, None);
        s.growth = Some(-0.5);
        let v = generate(&s, 0, 0, DAY, 4 * 365).unwrap();
        assert_rel(v[365] as f64, 5.0, 1e-6, "half after a year");
        assert!(v[730] < 1e-9, "zero at two years, to rounding: {}", v[730]);
        assert!(v[731..].iter().all(|&x| x == 0.0));
    }

    #[test]
    fn pareto_burst_sizes_have_the_tail_index() {
        // Sizes drawn directly: Hill's estimator on the top 2 % of 200,000 draws has a relative
        // standard error of 1/√4000 ≈ 1.6 %; tolerance 6 %. The mean is `size`.
        for alpha in [1.5, 2.5, 4.0] {
            let mut rng = Pcg64Mcg::new(7);
            let b = bursts(1.0, 10.0, 30.0, Some(alpha)).unwrap();
            let state = start_bursts(&b, MIN5, &mut rng).unwrap();
            let sized = state.sized.as_ref().unwrap();
            let draws: Vec<f64> = (0..200_000).map(|_| sized.draw(&mut rng)).collect();
            assert_rel(
                hill(&draws, 4000),
                alpha,
                0.06,
                &format!("Hill α = {alpha}"),
            );
            // The scale is the smallest size; α = 4 has a finite variance, so its mean is
            // checked too (standard error 0.2 %).
            let min = draws.iter().fold(f64::MAX, |m, &x| m.min(x));
            assert!(min >= 10.0 * (alpha - 1.0) / alpha);
            if alpha == 4.0 {
                assert_rel(draws.iter().sum::<f64>() / 2e5, 10.0, 0.01, "mean size");
            }
        }
    }

    #[test]
    fn pareto_bursts_add_their_expected_volume() {
        // As for fixed sizes: per_day × minutes/1440 × size, `size` being the mean size. α = 3
        // has a finite variance, so the mean converges at the usual rate.
        let mut s = spec(Pattern::Flat, 0.0, None);
        s.bursts = bursts(4.0, 2.0, 30.0, Some(3.0));
        let n = (3000 * DAY / MIN5) as usize;
        let v = generate(&s, 5, 0, MIN5, n).unwrap();
        assert_rel(mean_of(&v), 4.0 * 30.0 / 1440.0 * 2.0, 0.05, "burst mean");
        assert!(v.iter().all(|&x| x >= 0.0) && v.contains(&0.0));
        // Sizes vary: plateaus of one active burst take many values.
        let mut plateaus: Vec<f32> = v
            .windows(3)
            .filter(|w| w[0] == w[1] && w[1] == w[2] && w[0] > 0.0)
            .map(|w| w[0])
            .collect();
        plateaus.dedup();
        assert!(plateaus.len() > 100, "{} distinct plateaus", plateaus.len());
    }

    #[test]
    fn new_features_reproduce_and_separate_by_seed() {
        let mut s = spec(Pattern::MonthEnd, 10.0, Some(30.0));
        (s.noise, s.noise_dist) = (0.3, NoiseDist::Lognormal);
        (s.group, s.correlation) = (Some("g".into()), Some(0.5));
        (s.growth, s.growth_model) = (Some(0.1), Some(GrowthModel::Linear));
        s.bursts = bursts(3.0, 5.0, 40.0, Some(1.8));
        let s7 = s.clone().with_scenario_seed(7);
        let a = generate(&s7, name_seed(7, "w"), 0, MIN5, 20_000).unwrap();
        assert_eq!(
            a,
            generate(&s7, name_seed(7, "w"), 0, MIN5, 20_000).unwrap()
        );
        assert_ne!(
            a,
            generate(&s7, name_seed(7, "x"), 0, MIN5, 20_000).unwrap()
        );
        let s8 = s.with_scenario_seed(8);
        assert_ne!(
            a,
            generate(&s8, name_seed(7, "w"), 0, MIN5, 20_000).unwrap()
        );
        // Streaming equals collecting.
        let mut g = SynthGen::new(&s7, name_seed(7, "w"), 0, MIN5).unwrap();
        let streamed: Vec<f32> = (0..20_000).map(|_| g.next_sample()).collect();
        assert_eq!(a, streamed);
        // A group and a workload of the same name do not share a seed.
        assert_ne!(group_seed(7, "w"), name_seed(7, "w"));
        // The scenario compiler's key, restated: FNV-1a.
        assert_eq!(name_key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_key("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn common_noise_is_standard_normal() {
        let c: Vec<f64> = (0..200_000u64)
            .map(|k| common_normal(group_seed(1, "g"), k * MIN5))
            .collect();
        let mean = c.iter().sum::<f64>() / c.len() as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert_rel(std_of(&c), 1.0, 0.01, "sd");
        assert!(correlation(&c[1..], &c[..c.len() - 1]).abs() < 0.01);
    }

    #[test]
    fn new_fields_are_validated_by_name() {
        type Edit = fn(&mut SynthSpec);
        let cases: [(Edit, &str); 15] = [
            (|s| s.days = Some(3), "`days`"),
            (|s| s.business_days = Some(true), "`business_days`"),
            (
                |s| {
                    s.pattern = Pattern::MonthEnd;
                    s.days = Some(30)
                },
                "`days`",
            ),
            (
                |s| {
                    s.pattern = Pattern::MonthEnd;
                    s.days = Some(0)
                },
                "`days`",
            ),
            (
                |s| {
                    s.pattern = Pattern::Trend;
                    s.peak = None
                },
                "`growth`",
            ),
            (
                |s| {
                    s.pattern = Pattern::Trend;
                    s.growth = Some(0.1)
                },
                "`peak`",
            ),
            (|s| s.growth = Some(-1.0), "`growth`"),
            (|s| s.growth = Some(f64::NAN), "`growth`"),
            (
                |s| s.growth_model = Some(GrowthModel::Linear),
                "`growth_model`",
            ),
            (|s| s.group = Some("g".into()), "`correlation`"),
            (|s| s.correlation = Some(0.5), "`correlation`"),
            (
                |s| {
                    s.group = Some("g".into());
                    s.correlation = Some(1.5)
                },
                "`correlation`",
            ),
            (
                |s| {
                    s.noise = 0.0;
                    s.group = Some("g".into());
                    s.correlation = Some(0.5)
                },
                "`group`",
            ),
            (
                |s| {
                    s.noise_dist = NoiseDist::Lognormal;
                    s.noise = 1e200
                },
                "`noise`",
            ),
            (
                |s| s.bursts = bursts(1.0, 1.0, 1.0, Some(1.0)),
                "`bursts.size_tail`",
            ),
        ];
        for (edit, field) in cases {
            let mut s = spec(Pattern::Weekly, 10.0, Some(20.0));
            s.noise = 0.1;
            edit(&mut s);
            let err = s
                .validate()
                .err()
                .unwrap_or_else(|| panic!("{field} accepted: {s:?}"));
            assert!(err.contains(field), "{field}: {err}");
        }
        // Too many Pareto-sized bursts at once to remember.
        let mut s = spec(Pattern::Flat, 1.0, None);
        s.bursts = bursts(1e6, 1.0, 1e5, Some(2.0));
        let err = SynthGen::new(&s, 0, 0, MIN5).expect_err("dense sized bursts");
        assert!(err.contains("`bursts.size_tail`"), "{err}");
    }

    #[test]
    fn new_features_survive_extreme_inputs() {
        let mut specs = Vec::new();
        for (noise, dist) in [(1e6, NoiseDist::Lognormal), (1e100, NoiseDist::Lognormal)] {
            let mut s = spec(Pattern::Flat, 1.0, None);
            (s.noise, s.noise_dist) = (noise, dist);
            (s.group, s.correlation) = (Some("g".into()), Some(0.9));
            specs.push(s);
        }
        for (growth, model) in [
            (1e300, GrowthModel::Compound),
            (1e300, GrowthModel::Linear),
            (-0.999_999, GrowthModel::Compound),
        ] {
            let mut s = spec(Pattern::MonthEnd, MAX_VALUE / 30.0, Some(MAX_VALUE));
            (s.growth, s.growth_model) = (Some(growth), Some(model));
            specs.push(s);
        }
        for tail in [1.000_001, 1e300] {
            let mut s = spec(Pattern::Flat, 0.0, None);
            s.bursts = bursts(1e4, MAX_VALUE, 60.0, Some(tail));
            specs.push(s);
        }
        for s in &specs {
            for step in [1, 7, 1_000, DAY_MS, WEEK_MS, u64::MAX] {
                for start in [0, u64::MAX] {
                    if let Ok(mut g) = SynthGen::new(s, 9, start, step) {
                        for _ in 0..50 {
                            let x = g.next_sample();
                            assert!(x.is_finite() && x >= 0.0, "{s:?} step {step}: {x}");
                        }
                    }
                }
            }
        }
    }
}
