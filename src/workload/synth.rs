//! Synthetic CPU demand, generated one sample at a time.
//!
//! A year of 5-minute samples for 10,000 workloads is about 10⁹ values, so nothing here holds a
//! series: each workload owns a [`SynthGen`] (under 200 bytes) that produces sample `k` when the
//! simulation reaches it. [`generate`] collects samples into a `Vec` for tests and small tools.
//!
//! # Model
//!
//! Times are milliseconds; `t = 0` is Monday 00:00. Sample `k` covers
//! `[start_ms + k·step_ms, start_ms + (k+1)·step_ms)` and is
//!
//! ```text
//! value_k = max(0, level(t_k) · (1 + noise · z_k)) + size · (mean number of active bursts over the sample)
//! level(t) = a + b · f(t),   f(t) = w(t) · s(h(t)),   s(h) = ((1 + cos(2π(h − peak_hour)/24)) / 2)⁴
//! ```
//!
//! with `t_k = start_ms + k·step_ms` (the *start* of the sample, so a `peak_hour` on the step
//! grid is sampled exactly), `h` the hour of day, `w = weekend` on Saturday and Sunday of a
//! weekly pattern and 1 otherwise, `z_k` standard normal, and `s ≡ 0` for a flat pattern.
//!
//! `a ≥ 0` and `b ≥ 0` are chosen so that, without noise and bursts, the largest sample is
//! exactly `peak` and the long-run mean of the samples is exactly `mean` *at this step and
//! start*. The times a step can reach, taken modulo a week, are the lattice
//! `start + j·g` with `g = gcd(step, week)`, and every lattice point recurs once every `week/g`
//! samples; so the mean of any `week/g` consecutive samples (one week of samples when the step
//! divides a week) is exactly `mean`. `s` is a trigonometric polynomial of degree 4, so its sum
//! over a run of lattice points has a closed form (a Dirichlet kernel): calibration costs the
//! same at a 1-second step as at a 1-hour one, which matters because it runs for every
//! workload of a scenario.
//!
//! Bursts arrive as a Poisson process (`per_day` a day on average), each lasts an exponential
//! time (mean `minutes`) and adds `size` while active; overlapping bursts add. Because arrivals
//! are Poisson and durations exponential, the number of active bursts is a birth–death Markov
//! chain, simulated event by event with only a counter (no list of burst ends, so no
//! allocation). It starts in its stationary distribution (Poisson with mean
//! `per_day · minutes / 1440`), so the first day looks like every other. Each sample holds the
//! *average* burst demand over its interval, as a monitor's 5-minute averages would: a 1-minute
//! burst in a 5-minute sample adds `size / 5`.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, Poisson, StandardNormal};
use rand_pcg::Pcg64Mcg;
use std::f64::consts::PI;

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;
const WEEK_MS: u64 = 7 * DAY_MS;

/// Largest value a sample can hold (samples are `f32`); `mean`, `peak` and burst `size` above it
/// are refused rather than silently saturated.
const MAX_VALUE: f64 = f32::MAX as f64;

/// Most bursts expected in one sample. Bursts are simulated one by one, so this bounds the work
/// of [`SynthGen::next_sample`]; a sample longer than this many bursts should be a flat level.
const MAX_BURSTS_PER_SAMPLE: f64 = 1e5;

/// The deterministic shape of demand over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Constant at `mean` (before noise and bursts).
    Flat,
    /// The same daily peak every day.
    Diurnal,
    /// The daily peak, with the variable part scaled by `weekend` on Saturday and Sunday.
    Weekly,
}

impl Pattern {
    fn name(self) -> &'static str {
        match self {
            Pattern::Flat => "flat",
            Pattern::Diurnal => "diurnal",
            Pattern::Weekly => "weekly",
        }
    }
}

fn default_peak_hour() -> f64 {
    14.0
}

fn default_weekend() -> f64 {
    0.5
}

/// A synthetic workload, as written in a scenario (`synth = { pattern = "diurnal", ... }`).
///
/// Levels are in the workload's units (percent of the source machine or reference cores); the
/// sample step is the workload's `step`, passed to [`SynthGen::new`], not part of the spec.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynthSpec {
    pub pattern: Pattern,
    /// Long-run mean of the noise-free, burst-free level, ≥ 0. Noise keeps the mean (up to the
    /// clamp at zero); bursts add `per_day · minutes / 1440 · size` on top.
    pub mean: f64,
    /// Largest noise-free, burst-free sample, ≥ `mean`. Required unless the pattern is flat
    /// (where it may only equal `mean`). At most about 3.66 × `mean` for a diurnal pattern and
    /// 4.27 × `mean` for a weekly one with `weekend = 0.5`, since the off-peak level cannot go
    /// below zero.
    pub peak: Option<f64>,
    /// Hour of day of the daily peak, in [0, 24), fractional hours allowed.
    #[serde(default = "default_peak_hour")]
    pub peak_hour: f64,
    /// Weekly pattern: multiplier of the variable part (above the off-peak floor) on Saturday
    /// and Sunday, in [0, 1]. Ignored by the other patterns.
    #[serde(default = "default_weekend")]
    pub weekend: f64,
    /// Coefficient of variation of the multiplicative normal noise, ≥ 0 (0.1 = ±10 % one
    /// standard deviation). Each sample's noise is independent.
    #[serde(default)]
    pub noise: f64,
    #[serde(default)]
    pub bursts: Option<Bursts>,
}

/// Short, random surges added on top of the level.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bursts {
    /// Mean number of bursts a day (Poisson arrivals), > 0.
    pub per_day: f64,
    /// Demand each active burst adds, in the workload's units, > 0.
    pub size: f64,
    /// Mean duration of a burst [minutes] (exponentially distributed), > 0.
    pub minutes: f64,
}

impl SynthSpec {
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
            (Pattern::Flat, Some(peak)) if peak != mean => {
                return Err(format!(
                    "`peak`: a flat pattern is constant at `mean`, so expected no `peak` \
                     (or peak = mean = {}), got {}",
                    num(mean),
                    num(peak)
                ));
            }
            (Pattern::Flat, _) => {}
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
        if !(self.noise >= 0.0 && self.noise.is_finite()) {
            return Err(format!(
                "`noise`: expected a finite coefficient of variation ≥ 0, got {}",
                num(self.noise)
            ));
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
        }
        Ok(())
    }
}

/// The streaming generator of one workload's demand.
///
/// The random streams are [`Pcg64Mcg`] (16 bytes of state each), seeded through SplitMix64 from
/// the workload's seed. PCG is chosen because its output is fixed by its published algorithm,
/// unlike `StdRng`, whose algorithm may change between `rand` versions: the same scenario and
/// seed keep giving byte-identical demand across upgrades. (The normal, exponential and Poisson
/// transforms on top come from `rand_distr`, pinned by `Cargo.lock`.) Noise and bursts draw from
/// separate streams, so changing `noise` does not move the bursts and vice versa, which keeps
/// A/B comparisons of one parameter clean.
#[derive(Debug, Clone)]
pub struct SynthGen {
    noise_rng: Pcg64Mcg,
    burst_rng: Pcg64Mcg,
    /// Off-peak floor of the level [workload units].
    a: f64,
    /// Height of the shape above the floor [workload units].
    b: f64,
    noise: f64,
    /// Time of day of the peak [ms since midnight].
    peak_ms: f64,
    /// Multiplier of the shape on Saturday and Sunday (1 unless the pattern is weekly).
    weekend: f64,
    /// Start of the next sample, modulo a week [ms since Monday 00:00].
    phase_ms: u64,
    /// `step_ms` modulo a week, so the phase never overflows.
    advance_ms: u64,
    step_ms: f64,
    bursts: Option<BurstState>,
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

    /// Advance the chain by `step_ms` and return the time-averaged number of active bursts.
    fn mean_active(&mut self, step_ms: f64, rng: &mut Pcg64Mcg) -> f64 {
        let mut pos = 0.0;
        let mut area = 0.0;
        loop {
            let left = step_ms - pos;
            // Never NaN (rates are ≥ 0, waits finite or +∞), but a NaN must end the loop too.
            if self.until_event >= left || self.until_event.is_nan() {
                area += self.active as f64 * left;
                self.until_event -= left;
                return area / step_ms;
            }
            pos += self.until_event;
            area += self.active as f64 * self.until_event;
            // The next event is an arrival with probability arrival_rate / total_rate.
            let p_arrival = self.arrival_rate / self.total_rate();
            let u: f64 = rng.random();
            if u < p_arrival {
                self.active = self.active.saturating_add(1);
            } else {
                self.active = self.active.saturating_sub(1);
            }
            self.until_event = self.draw_wait(rng);
        }
    }
}

impl SynthGen {
    /// A generator whose first sample covers `[start_ms, start_ms + step_ms)`.
    ///
    /// `start_ms` is measured from Monday 00:00; `seed` is the workload's own seed (see
    /// [`workload_seed`]). Fails, naming the field, on an invalid spec, a zero step, a `peak`
    /// the pattern cannot reach at this step without a negative level, or bursts too dense to
    /// simulate one by one at this step.
    pub fn new(spec: &SynthSpec, seed: u64, start_ms: u64, step_ms: u64) -> Result<Self, String> {
        spec.validate()?;
        if step_ms == 0 {
            return Err("`step`: expected a positive duration, got 0 ms".to_string());
        }
        let peak_ms = spec.peak_hour * HOUR_MS as f64;
        let weekend = if spec.pattern == Pattern::Weekly {
            spec.weekend
        } else {
            1.0
        };
        let (a, b) = match (spec.pattern, spec.peak) {
            (Pattern::Flat, _) | (_, None) => (spec.mean, 0.0),
            (_, Some(peak)) if peak == spec.mean => (spec.mean, 0.0),
            (pattern, Some(peak)) => calibrate(
                pattern, spec.mean, peak, start_ms, step_ms, peak_ms, weekend,
            )?,
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

        Ok(SynthGen {
            noise_rng,
            burst_rng,
            a,
            b,
            noise: spec.noise,
            peak_ms,
            weekend,
            phase_ms: start_ms % WEEK_MS,
            advance_ms: step_ms % WEEK_MS,
            step_ms: step_ms as f64,
            bursts,
        })
    }

    /// The next sample [workload units], ≥ 0 and finite. Allocates nothing.
    pub fn next_sample(&mut self) -> f32 {
        let mut v = self.a;
        if self.b != 0.0 {
            v += self.b * shape(self.phase_ms, self.peak_ms, self.weekend);
        }
        if self.noise > 0.0 {
            let z: f64 = StandardNormal.sample(&mut self.noise_rng);
            v *= (1.0 + self.noise * z).max(0.0);
        }
        if let Some(bs) = &mut self.bursts {
            v += bs.size * bs.mean_active(self.step_ms, &mut self.burst_rng);
        }
        // Both terms are below a week, so the sum cannot overflow.
        self.phase_ms = (self.phase_ms + self.advance_ms) % WEEK_MS;
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

/// Solve `a + b·f_max = peak`, `a + b·f̄ = mean` over the sample lattice, refusing `a < 0`.
fn calibrate(
    pattern: Pattern,
    mean: f64,
    peak: f64,
    start_ms: u64,
    step_ms: u64,
    peak_ms: f64,
    weekend: f64,
) -> Result<(f64, f64), String> {
    let (fbar, fmax) = lattice_stats(start_ms, step_ms, peak_ms, weekend);
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
            let weekend_note = if pattern == Pattern::Weekly {
                format!(" with weekend = {weekend}")
            } else {
                String::new()
            };
            return Err(format!(
                "`peak`: expected at most {} ({ratio:.4} × `mean`, the largest peak/mean ratio \
                 a {} pattern{weekend_note} allows at a {step_ms} ms step, since the off-peak \
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
    };
    state.until_event = state.draw_wait(rng);
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN5: u64 = 300_000;

    fn spec(pattern: Pattern, mean: f64, peak: Option<f64>) -> SynthSpec {
        SynthSpec {
            pattern,
            mean,
            peak,
            peak_hour: 14.0,
            weekend: 0.5,
            noise: 0.0,
            bursts: None,
        }
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
    fn pin_existing_output() {
        fn fnv(v: &[f32]) -> u64 {
            v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
                x.to_bits()
                    .to_le_bytes()
                    .iter()
                    .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
            })
        }
        let b = |per_day, size, minutes| {
            Some(Bursts {
                per_day,
                size,
                minutes,
            })
        };
        let mut specs = vec![];
        let mut w = spec(Pattern::Weekly, 35.0, Some(80.0));
        w.peak_hour = 11.0;
        w.noise = 0.1;
        specs.push(w);
        let mut d = spec(Pattern::Diurnal, 12.0, Some(35.0));
        d.peak_hour = 2.0;
        d.noise = 0.15;
        specs.push(d);
        let mut f = spec(Pattern::Flat, 15.0, None);
        f.noise = 0.2;
        f.bursts = b(3.0, 30.0, 45.0);
        specs.push(f);
        let mut f = spec(Pattern::Flat, 0.3, None);
        f.noise = 0.3;
        f.bursts = b(2.0, 1.2, 60.0);
        specs.push(f);
        let mut w = spec(Pattern::Weekly, 0.4, Some(1.2));
        w.noise = 0.2;
        w.weekend = 0.3;
        w.peak_hour = 9.75;
        w.bursts = b(1.0, 1.0, 30.0);
        specs.push(w);
        for (i, s) in specs.iter().enumerate() {
            for (seed, start, step) in [
                (workload_seed(42, 7), 0, MIN5),
                (3, 11_820_000, 7 * 60_000),
                (99, 0, HOUR_MS),
            ] {
                let v = generate(s, seed, start, step, 20_000).unwrap();
                println!("PIN ({i}, {seed}, {start}, {step}, 0x{:016x}),", fnv(&v));
            }
        }
    }

    #[test]
    fn a_generator_stays_small() {
        // Per-workload memory is what makes streaming 10,000 workloads worthwhile.
        assert!(std::mem::size_of::<SynthGen>() <= 192);
    }
}
