//! One gWLM arbitration of one shared resource domain (SRD) at one policy interval.
//!
//! Owns: turning each compartment's policy and what it was observed to consume over the last
//! interval into a request, and dividing the SRD's capacity [reference cores] among the
//! compartments by gWLM's rules (DOMAIN.md §3, §7.3). Also the deploy-time checks of an SRD.
//!
//! Must not know: partitions (vPar, nPar, VM, pset or FSS group — the caller maps them to a
//! capacity and a [`Granularity`]), files, scenario names, time or the policy interval, latencies
//! of applying an allocation, licensing. It is a pure function of its arguments: no I/O, no
//! allocation in [`arbitrate`] (the caller passes a [`Scratch`]), no `HashMap`, and ties are
//! broken by compartment index, so a run is bit-for-bit deterministic.
//!
//! # Arbitration order (see [`arbitrate`])
//! 1. Every compartment gets its minimum; a Fixed compartment gets its cores, "satisfied before
//!    all others, no priority" [G40].
//! 2. OwnBorrow compartments get back what they own when they need it: up to
//!    `min(request, owned)` [G40][G30]; taken ahead of any priority's borrowing
//!    (DOMAIN.md §7.3: INFERRED).
//! 3. The remaining requests, priority by priority (1 first): all of a priority's requests before
//!    any lower one's; a priority that cannot be fully met shares what is left so that allocations
//!    are as near proportional to weight as the floors allow [G40] — a weighted rising tide
//!    [WR][W179].
//! 4. Surplus after all priorities: again so that allocations are proportional to weight, each
//!    capped at its max; OwnBorrow's default weight is its owned amount, so surplus is spread in
//!    proportion to owned [G40]. Fixed compartments take no surplus.
//! 5. Quantize to the granularity (whole cores for vPars, nPars, psets; a step such as 0.01 core
//!    for FSS groups [W81], DOMAIN.md §1) by largest remainder, never breaking min, max, Fixed or
//!    the capacity.
//!
//! # Input hygiene
//! Observations that are NaN, infinite or negative are treated as 0. A configuration that fails
//! [`check_deploy`] is still arbitrated without panicking and without exceeding the capacity, but
//! its minimums and owned amounts are then not guaranteed (see [`arbitrate`]).

use crate::model::{vcpu, waterfill};

/// A compartment's gWLM policy [G70a][G70c][GH1]. All amounts in cores of the SRD.
///
/// Conditional policies are not here: the caller picks the policy in force before calling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Policy {
    /// Constant cores, satisfied before all others, no priority [G40].
    Fixed { cores: f64 },
    /// Keep utilization (consumed ÷ allocation) at or below `target` (a fraction,
    /// 0 < target ≤ 1), within [min, max] [G30].
    Utilization { target: f64, min: f64, max: f64 },
    /// Owns `owned` cores it gets back whenever it needs them; lends down to `min`, borrows up
    /// to `max` [G40][G30]. Its need is judged like a utilization policy with `target`.
    OwnBorrow {
        owned: f64,
        min: f64,
        max: f64,
        target: f64,
    },
    /// Request = the reading of a user metric (already in cores), within [min, max] [GH1][GH2].
    Custom { min: f64, max: f64 },
}

/// One compartment of the SRD as the arbiter sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compartment {
    pub policy: Policy,
    /// 1 = highest [G40]; ignored for Fixed.
    pub priority: u32,
    /// Share of a contended priority or of the surplus, > 0; see [`default_weight`]. Ignored
    /// for Fixed.
    pub weight: f64,
}

/// What the manager saw of one compartment over the last interval [cores].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Allocation in force during the interval (used to judge an OwnBorrow's need).
    /// Here and below, NaN, infinite or negative readings count as 0.
    pub allocation: f64,
    /// CPU consumed, averaged over the interval (≤ allocation: a saturated compartment shows
    /// 100 %, not its true demand).
    pub consumed: f64,
    /// Custom policies only: the metric reading, already in cores.
    pub metric: f64,
}

/// The unit an allocation is made in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Granularity {
    /// Whole cores: vPars, nPars (via iCAP), psets [VP2][W176].
    WholeCores,
    /// A sub-core step in cores, e.g. 0.01 for FSS shares [W81]; must be finite and > 0.
    Step(f64),
}

impl Granularity {
    /// The step in cores, or `None` when the step is unusable (not finite or ≤ 0).
    pub fn step(self) -> Option<f64> {
        match self {
            Granularity::WholeCores => Some(1.0),
            Granularity::Step(s) if s.is_finite() && s > 0.0 => Some(s),
            Granularity::Step(_) => None,
        }
    }
}

/// Buffers reused across calls so that [`arbitrate`] allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    work: Work,
    prepared: Vec<Prepared>,
    requests: Vec<f64>,
}

/// The arbitration's own buffers, apart from the prepared policies and requests
/// [`arbitrate`] computes for its callers, so both can be borrowed at once.
#[derive(Debug, Clone, Default)]
struct Work {
    lims: Vec<Limits>,
    alloc: Vec<f64>,
    cap: Vec<f64>,
    weight: Vec<f64>,
    frac: Vec<f64>,
    key: Vec<f64>,
    order: Vec<usize>,
}

impl Scratch {
    /// Buffers for an SRD of up to `n` compartments.
    pub fn new(n: usize) -> Self {
        let mut s = Scratch::default();
        s.work.grow(n);
        s
    }
}

impl Work {
    fn grow(&mut self, n: usize) {
        if self.alloc.len() < n {
            self.lims.resize(n, Limits::default());
            self.alloc.resize(n, 0.0);
            self.cap.resize(n, 0.0);
            self.weight.resize(n, 0.0);
            self.frac.resize(n, 0.0);
            self.key.resize(n, 0.0);
            self.order.resize(n, 0);
        }
    }
}

/// Most steps a capacity may hold for quantization (f64 counts whole numbers exactly up to 2^53).
const MAX_UNITS: f64 = 4_503_599_627_370_496.0; // 2^52

/// Lowest and highest weight the arbiter works with; [`check_deploy`] rejects weights outside,
/// and [`arbitrate`] clamps into it so the rising tide's level stays finite.
const WEIGHT_RANGE: (f64, f64) = (1e-9, 1e9);

/// Tolerance [in units of the value] for "is a multiple of the step" and for floors and ceilings
/// in steps, absorbing float noise such as 5.63 / 0.01 = 562.9999999999999.
fn slack(x: f64) -> f64 {
    1e-9 + 1e-12 * x.abs()
}

/// Tighter tolerance for sums against the capacity, so the sum of allocations never exceeds
/// the capacity by more than float noise.
fn fine_slack(x: f64) -> f64 {
    1e-12 * (1.0 + x.abs())
}

/// Below 2^52 an f64 converts to i64 and back exactly, and the truncation it gives is floor,
/// ceil and round within one step. Baseline x86-64 has no rounding instruction, so `f64::floor`
/// and its kin are library calls; these are a few instructions, with the same results
/// (signed zeros included). Others (huge, infinite, NaN) go to the library.
const EXACT_INT: f64 = 4_503_599_627_370_496.0;

#[inline]
fn floor(x: f64) -> f64 {
    if x.abs() < EXACT_INT {
        let t = x as i64 as f64;
        if t > x { t - 1.0 } else { t.copysign(x) }
    } else {
        x.floor()
    }
}

#[inline]
fn ceil(x: f64) -> f64 {
    if x.abs() < EXACT_INT {
        let t = x as i64 as f64;
        if t < x { t + 1.0 } else { t.copysign(x) }
    } else {
        x.ceil()
    }
}

/// Half away from zero, as `f64::round`.
#[inline]
fn round(x: f64) -> f64 {
    if x.abs() < EXACT_INT {
        let t = x as i64 as f64;
        let r = x - t;
        let t = if r >= 0.5 {
            t + 1.0
        } else if r <= -0.5 {
            t - 1.0
        } else {
            t
        };
        t.copysign(x)
    } else {
        x.round()
    }
}

/// Observations: NaN, infinite or negative count as 0 (a broken sensor must not move cores).
#[inline]
fn observed(x: f64) -> f64 {
    // Positive and finite (NaN fails both tests).
    if x > 0.0 && x < f64::INFINITY { x } else { 0.0 }
}

/// Configuration amounts in [`arbitrate`]: NaN, infinite or negative count as 0.
fn amount(x: f64) -> f64 {
    observed(x)
}

/// `x` clamped to `[lo, hi]` (`lo ≤ hi`), NaN going to `lo`.
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() { lo } else { x.max(lo).min(hi) }
}

/// `x` rounded up to a multiple of `step`. Requests come from measured demand stored in f32
/// (about 7 significant digits), so a request within 1/10,000 of a step above a multiple is
/// that multiple: rounding such noise up would grant a whole extra core or share.
fn ceil_to(x: f64, step: Option<f64>) -> f64 {
    match step {
        Some(s) => {
            // Whole cores, the usual step: a division by one gives its dividend exactly.
            let u = if s == 1.0 { x } else { x / s };
            ceil(u - REQUEST_NOISE - slack(u)).max(0.0) * s
        }
        None => x,
    }
}

/// Below this many steps above a multiple, a request counts as that multiple.
const REQUEST_NOISE: f64 = 1e-4;

/// A compartment's policy after sanitising, plus its request.
#[derive(Debug, Clone, Copy, Default)]
struct Limits {
    /// Min (Fixed: cores) [cores].
    lo: f64,
    /// Max (Fixed: cores) [cores], ≥ lo.
    hi: f64,
    /// Owned cores for OwnBorrow, within [lo, hi]; 0 otherwise.
    owned: f64,
    req: f64,
    fixed: bool,
    own_borrow: bool,
    priority: u32,
}

/// Sanitised bounds `(lo, hi, owned, target)` of a policy: amounts NaN/infinite/negative → 0
/// (max NaN → min, max +∞ kept), `max < min` → min, owned clamped into [min, max], a target
/// outside (0, 1] (or NaN) → 1.
fn bounds(p: &Policy) -> (f64, f64, f64, f64) {
    let hi_of = |lo: f64, max: f64| {
        if max.is_nan() { lo } else { max.max(lo) }
    };
    let target_of = |t: f64| if t > 0.0 && t <= 1.0 { t } else { 1.0 };
    match *p {
        Policy::Fixed { cores } => {
            let c = amount(cores);
            (c, c, 0.0, 1.0)
        }
        Policy::Utilization { target, min, max } => {
            let lo = amount(min);
            (lo, hi_of(lo, max), 0.0, target_of(target))
        }
        Policy::OwnBorrow {
            owned,
            min,
            max,
            target,
        } => {
            let lo = amount(min);
            let hi = hi_of(lo, max);
            (lo, hi, clamp(amount(owned), lo, hi), target_of(target))
        }
        Policy::Custom { min, max } => {
            let lo = amount(min);
            (lo, hi_of(lo, max), 0.0, 1.0)
        }
    }
}

fn request_with(c: &Compartment, o: &Observation, step: Option<f64>) -> f64 {
    Prepared::new(c).request_with(o, step)
}

/// A compartment's policy with its bounds sanitised once: a manager that computes a request
/// per compartment every interval need not redo it. Gives exactly [`rounded_request`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prepared {
    policy: Policy,
    lo: f64,
    hi: f64,
    owned: f64,
    target: f64,
}

impl Prepared {
    /// The least the policy may be allocated [cores].
    pub fn floor(&self) -> f64 {
        self.lo
    }

    pub fn new(c: &Compartment) -> Prepared {
        let (lo, hi, owned, target) = bounds(&c.policy);
        Prepared {
            policy: c.policy,
            lo,
            hi,
            owned,
            target,
        }
    }

    /// [`rounded_request`] of the compartment this was prepared from.
    #[inline]
    pub fn request(&self, o: &Observation, gran: Granularity) -> f64 {
        self.request_with(o, gran.step())
    }

    /// [`Prepared::request`] with the granularity's step worked out once per tick.
    #[inline]
    pub fn request_with(&self, o: &Observation, step: Option<f64>) -> f64 {
        let Prepared {
            lo,
            hi,
            owned,
            target,
            ..
        } = *self;
        let raw = match &self.policy {
            Policy::Fixed { .. } => return lo,
            Policy::Utilization { .. } => observed(o.consumed) / target,
            Policy::OwnBorrow { .. } => {
                let wanted = observed(o.consumed) / target;
                let allocation = observed(o.allocation);
                // Above its target it "needs" its cores: owned comes back at once, not step by step.
                if wanted > allocation + slack(allocation) {
                    wanted.max(owned)
                } else {
                    wanted
                }
            }
            Policy::Custom { .. } => observed(o.metric),
        };
        clamp(ceil_to(raw, step), lo, hi)
    }
}

/// Request of one compartment before arbitration [cores], clamped to [min, max]; Fixed → its
/// cores. Not yet rounded to a granularity: [`rounded_request`] is what [`arbitrate`] uses.
/// Since allocations are multiples of the step, `allocation ≥ request` and
/// `allocation ≥ rounded_request` agree (up to float noise) for a deployable domain.
///
/// - Utilization: `consumed / target` [G30]. DOMAIN example: target 0.8, 4.5 of 5 cores used
///   (90 %) → 5.625 (rounded up: 6 whole cores, utilization 75 %).
/// - OwnBorrow: the same with its target; but when the compartment is above its target
///   (`consumed / target > allocation`: it needs more than it has) its request is at least
///   `owned`, so it "gets its owned resources back whenever needed" [G30] in one interval rather
///   than growing one step at a time.
/// - Custom: the metric [GH1].
///
/// NaN, infinite or negative observations count as 0 (request = min).
pub fn request(c: &Compartment, o: &Observation) -> f64 {
    request_with(c, o, None)
}

/// [`request`] rounded up to the granularity, then clamped to [min, max]: the amount
/// [`arbitrate`] tries to grant. DOMAIN example: 5.625 → 6 whole cores, or 5.63 in steps of
/// 0.01. Rounding before clamping equals the other order when min and max are multiples of the
/// step (which [`check_deploy`] demands) and keeps the bounds exact. An unusable step
/// (`Step(s)` with `s` not finite or ≤ 0) means no rounding.
pub fn rounded_request(c: &Compartment, o: &Observation, gran: Granularity) -> f64 {
    request_with(c, o, gran.step())
}

/// Default weight of a policy [G40]: Utilization 1, Custom 1, OwnBorrow its owned amount,
/// Fixed 1 (unused: Fixed takes part in no weighted split).
pub fn default_weight(policy: &Policy) -> f64 {
    match *policy {
        Policy::OwnBorrow { owned, .. } => owned,
        Policy::Fixed { .. } | Policy::Utilization { .. } | Policy::Custom { .. } => 1.0,
    }
}

/// Whether `x` is a whole number of `step`s (within float noise).
fn is_multiple(x: f64, step: f64) -> bool {
    let u = x / step;
    (u - u.round()).abs() <= slack(u)
}

/// Deploy-time checks of an SRD [G40]; `Err` names the compartment index, what is wrong and
/// how to fix it.
///
/// - the step of `gran` is finite and > 0; `capacity` is finite and ≥ 0;
/// - per compartment: amounts finite and ≥ 0; min ≤ max; OwnBorrow min ≤ owned ≤ max; target
///   in (0, 1]; non-Fixed: weight in [1e-9, 1e9] and priority ≥ 1 (1 = highest [W49]);
///   Fixed cores, min, max and owned are multiples of the step (else a whole-core compartment
///   could never hold exactly its min);
/// - Σ fixed + Σ min ≤ capacity: "deploy fails if fixed policies cannot all be met" [G40];
/// - Σ owned ≤ capacity [G40];
/// - Σ fixed + Σ min of non-OwnBorrow + Σ owned ≤ capacity, so that every owned amount can be
///   given back while every other guarantee holds (the two sums above allow e.g. 4 fixed cores
///   beside two compartments owning 4 each in an 8-core SRD).
pub fn check_deploy(capacity: f64, comps: &[Compartment], gran: Granularity) -> Result<(), String> {
    let Some(step) = gran.step() else {
        return Err(format!(
            "granularity step {gran:?} must be finite and > 0; use WholeCores or e.g. Step(0.01)"
        ));
    };
    if !(capacity.is_finite() && capacity >= 0.0) {
        return Err(format!(
            "capacity {capacity} must be a finite number of cores ≥ 0"
        ));
    }
    for (i, c) in comps.iter().enumerate() {
        check_one(i, c, step)?;
    }
    let limit = capacity + fine_slack(capacity);
    let mut floors = 0.0;
    for (i, c) in comps.iter().enumerate() {
        floors += bounds(&c.policy).0;
        if floors > limit {
            return Err(format!(
                "compartment {i}: fixed cores and minimums of compartments 0..={i} add up to \
                 {floors}, more than the capacity {capacity}; lower them or enlarge the domain"
            ));
        }
    }
    let mut owned = 0.0;
    for (i, c) in comps.iter().enumerate() {
        if let Policy::OwnBorrow { owned: o, .. } = c.policy {
            owned += o;
            if owned > limit {
                return Err(format!(
                    "compartment {i}: owned cores of compartments 0..={i} add up to {owned}, \
                     more than the capacity {capacity}; lower the owned amounts"
                ));
            }
        }
    }
    let mut guaranteed = 0.0;
    for (i, c) in comps.iter().enumerate() {
        guaranteed += match c.policy {
            Policy::OwnBorrow { owned, .. } => owned,
            _ => bounds(&c.policy).0,
        };
        if guaranteed > limit {
            return Err(format!(
                "compartment {i}: fixed cores, minimums and owned cores of compartments 0..={i} \
                 add up to {guaranteed}, more than the capacity {capacity}, so owned cores could \
                 not all be given back; lower them or enlarge the domain"
            ));
        }
    }
    Ok(())
}

fn check_one(i: usize, c: &Compartment, step: f64) -> Result<(), String> {
    let amounts: &[(&str, f64)] = match c.policy {
        Policy::Fixed { cores } => &[("fixed cores", cores)],
        Policy::Utilization { min, max, .. } | Policy::Custom { min, max } => {
            &[("min", min), ("max", max)]
        }
        Policy::OwnBorrow {
            owned, min, max, ..
        } => &[("owned", owned), ("min", min), ("max", max)],
    };
    for &(name, v) in amounts {
        if !(v.is_finite() && v >= 0.0) {
            return Err(format!(
                "compartment {i}: {name} {v} must be a finite number of cores ≥ 0"
            ));
        }
        if !is_multiple(v, step) {
            return Err(format!(
                "compartment {i}: {name} {v} is not a multiple of the granularity step {step}; \
                 round it to the step"
            ));
        }
    }
    let (min, max, target) = match c.policy {
        Policy::Fixed { .. } => return Ok(()),
        Policy::Utilization { target, min, max } => (min, max, Some(target)),
        Policy::OwnBorrow {
            owned,
            min,
            max,
            target,
        } => {
            if !(min <= owned && owned <= max) {
                return Err(format!(
                    "compartment {i}: owned {owned} must lie within min {min} and max {max}"
                ));
            }
            (min, max, Some(target))
        }
        Policy::Custom { min, max } => (min, max, None),
    };
    if min > max {
        return Err(format!(
            "compartment {i}: min {min} exceeds max {max}; swap them"
        ));
    }
    if let Some(t) = target
        && !(t > 0.0 && t <= 1.0)
    {
        return Err(format!(
            "compartment {i}: target {t} must be a fraction in (0, 1], e.g. 0.8 for 80 %"
        ));
    }
    let w = c.weight;
    if !(w >= WEIGHT_RANGE.0 && w <= WEIGHT_RANGE.1) {
        return Err(format!(
            "compartment {i}: weight {w} must lie in [{}, {}] (OwnBorrow's default weight is \
             its owned amount, so owned 0 needs an explicit weight)",
            WEIGHT_RANGE.0, WEIGHT_RANGE.1
        ));
    }
    if c.priority == 0 {
        return Err(format!(
            "compartment {i}: priority must be ≥ 1 (1 = highest)"
        ));
    }
    Ok(())
}

/// One gWLM arbitration: writes every compartment's new allocation [cores] into `out` and
/// returns whether the domain was short (some compartment's allocation below its [`request`]
/// after step 3, i.e. before surplus and quantization; Fixed included).
///
/// Steps (sources in DOMAIN.md §3 and §7.3):
/// 1. floors: min for every compartment, cores for Fixed [G40];
/// 2. OwnBorrow reclaim: up to `min(request, owned)` ahead of all priorities [G40][G30]
///    (§7.3 INFERRED); always possible when [`check_deploy`] passed;
/// 3. priorities 1, 2, …: a priority's requests in full if they fit, else a weighted rising
///    tide: the level `L` with `Σ clamp(L·wᵢ, haveᵢ, reqᵢ) = available`, so allocations are
///    proportional to weight, nobody loses what it already has and nobody exceeds its request
///    [G40][WR][W179]; lower priorities then get nothing beyond their floors;
/// 4. surplus: the same tide over all non-Fixed compartments, capped at max [G40];
/// 5. quantization to the step (WholeCores = 1): each allocation rounded down to a multiple,
///    then the leftover units (as many as fit under the capacity) go one each to the largest
///    fractional parts, ties to the lower index, never past a max. Every allocation stays within
///    [min, max] (Fixed exact), a met request stays met (requests are multiples of the step),
///    and the total is below the capacity by less than one step unless every non-Fixed
///    compartment is at its max.
///
/// Robustness: `obs` shorter than `comps` → the missing observations count as zero; `out`
/// shorter → only its length is written. Allocates only if `scratch` was made for fewer
/// compartments. A configuration failing [`check_deploy`] never panics: NaN/negative amounts
/// count as 0, max below min is raised to min, a weight outside [1e-9, 1e9] (or NaN) becomes the
/// nearest bound (NaN → 1), priorities of 0 are simply the most urgent, and floors that exceed
/// the capacity are scaled down (Fixed first); allocations then stay ≥ 0 and within the
/// capacity but minimums are not guaranteed. An unusable step (`Step(s)`, `s` not finite or
/// ≤ 0, or so fine that the capacity holds more than 2^52 steps) disables quantization; a
/// capacity that is NaN, infinite or negative counts as 0.
pub fn arbitrate(
    capacity: f64,
    comps: &[Compartment],
    obs: &[Observation],
    gran: Granularity,
    scratch: &mut Scratch,
    out: &mut [f64],
) -> bool {
    let step = usable_step(capacity, gran);
    let Scratch {
        work,
        prepared,
        requests,
    } = scratch;
    prepared.clear();
    requests.clear();
    for (i, c) in comps.iter().enumerate() {
        let p = Prepared::new(c);
        prepared.push(p);
        requests.push(p.request_with(obs.get(i).unwrap_or(&NO_OBS), step));
    }
    decide(capacity, comps, prepared, requests, obs, gran, work, out)
}

/// [`arbitrate`] for a manager that already holds each compartment's [`Prepared`] bounds and
/// its request from [`Prepared::request`] with the same granularity: the same decision,
/// without preparing the policies and computing the requests again on every tick.
#[allow(clippy::too_many_arguments)]
pub fn arbitrate_prepared(
    capacity: f64,
    comps: &[Compartment],
    prepared: &[Prepared],
    requests: &[f64],
    obs: &[Observation],
    gran: Granularity,
    scratch: &mut Scratch,
    out: &mut [f64],
) -> bool {
    decide(
        capacity,
        comps,
        prepared,
        requests,
        obs,
        gran,
        &mut scratch.work,
        out,
    )
}

const NO_OBS: Observation = Observation {
    allocation: 0.0,
    consumed: 0.0,
    metric: 0.0,
};

/// Whether an arbitration of `capacity` reads the compartments' rounded requests alone (and
/// not, for a step too fine to count in units, their unrounded observations): a caller may
/// then reuse a decision made for the same requests.
pub fn decides_by_requests(capacity: f64, gran: Granularity) -> bool {
    !(usable_step(capacity, gran).is_none() && gran.step().is_some())
}

/// The step quantization uses for `capacity`, if any: units are counted in f64, exact only up
/// to 2^52, so a finer step is treated as continuous.
fn usable_step(capacity: f64, gran: Granularity) -> Option<f64> {
    let capacity = amount(capacity);
    gran.step().filter(|s| capacity / s <= MAX_UNITS)
}

/// Steps 1 to 5 of [`arbitrate`].
#[allow(clippy::too_many_arguments)]
fn decide(
    capacity: f64,
    comps: &[Compartment],
    prepared: &[Prepared],
    requests: &[f64],
    obs: &[Observation],
    gran: Granularity,
    work: &mut Work,
    out: &mut [f64],
) -> bool {
    let n = comps.len();
    let step = usable_step(capacity, gran);
    let capacity = amount(capacity);
    work.grow(n);
    let Work {
        lims,
        alloc,
        cap,
        weight,
        frac,
        key,
        order,
    } = work;
    let (lims, alloc, cap, weight) = (
        &mut lims[..n],
        &mut alloc[..n],
        &mut cap[..n],
        &mut weight[..n],
    );
    // Requests rounded to a step too fine to use (see `usable_step`) are taken unrounded.
    let unrounded = step.is_none() && gran.step().is_some();
    for (i, c) in comps.iter().enumerate() {
        let p = &prepared[i];
        lims[i] = Limits {
            lo: p.lo,
            hi: p.hi,
            owned: p.owned,
            req: if unrounded {
                p.request_with(obs.get(i).unwrap_or(&NO_OBS), None)
            } else {
                requests[i]
            },
            fixed: matches!(c.policy, Policy::Fixed { .. }),
            own_borrow: matches!(c.policy, Policy::OwnBorrow { .. }),
            priority: c.priority,
        };
        weight[i] = if c.weight.is_nan() {
            1.0
        } else {
            c.weight.clamp(WEIGHT_RANGE.0, WEIGHT_RANGE.1)
        };
    }

    // 1. Floors [G40]. Scaled down only for configurations that fail check_deploy.
    let sum_fixed: f64 = lims.iter().filter(|l| l.fixed).map(|l| l.lo).sum();
    let sum_min: f64 = lims.iter().filter(|l| !l.fixed).map(|l| l.lo).sum();
    let limit = capacity + fine_slack(capacity);
    let (scale_fixed, scale_min) = if sum_fixed > limit {
        (capacity / sum_fixed, 0.0)
    } else if sum_fixed + sum_min > limit {
        (1.0, (capacity - sum_fixed).max(0.0) / sum_min)
    } else {
        (1.0, 1.0)
    };
    for (a, l) in alloc.iter_mut().zip(lims.iter()) {
        *a = l.lo * if l.fixed { scale_fixed } else { scale_min };
    }

    // 2. OwnBorrow reclaim of owned cores it needs [G40][G30], ahead of priorities (§7.3).
    for ((c, a), l) in cap.iter_mut().zip(alloc.iter()).zip(lims.iter()) {
        *c = if l.own_borrow {
            a.max(l.req.min(l.owned))
        } else {
            *a
        };
    }
    rise(capacity - alloc.iter().sum::<f64>(), alloc, cap, weight);

    // 3. Priorities, 1 first [G40].
    let mut last: Option<u32> = None;
    loop {
        let next = lims
            .iter()
            .filter(|l| !l.fixed && last.is_none_or(|p| l.priority > p))
            .map(|l| l.priority)
            .min();
        let Some(p) = next else { break };
        for ((c, a), l) in cap.iter_mut().zip(alloc.iter()).zip(lims.iter()) {
            *c = if !l.fixed && l.priority == p {
                a.max(l.req)
            } else {
                *a
            };
        }
        rise(capacity - alloc.iter().sum::<f64>(), alloc, cap, weight);
        last = Some(p);
    }
    let short = alloc
        .iter()
        .zip(lims.iter())
        .any(|(a, l)| *a < l.req - slack(l.req));

    // 4. Surplus by weight, capped at max; Fixed takes none [G40].
    for ((c, a), l) in cap.iter_mut().zip(alloc.iter()).zip(lims.iter()) {
        *c = if l.fixed { *a } else { a.max(l.hi) };
    }
    rise(capacity - alloc.iter().sum::<f64>(), alloc, cap, weight);

    // 5. Quantization.
    let m = n.min(out.len());
    match step {
        Some(s) => {
            quantize(
                capacity,
                s,
                lims,
                alloc,
                &mut frac[..n],
                &mut key[..n],
                &mut order[..n],
            );
            for i in 0..m {
                out[i] = from_units(alloc[i], s, &lims[i]);
            }
        }
        None => out[..m].copy_from_slice(&alloc[..m]),
    }
    short
}

/// Weighted rising tide [WR][W179]: raises `alloc[i]` towards `cap[i]` using at most `extra`
/// cores, so that those not yet at their cap hold `L·w[i]` for one level `L` and those whose
/// floor already exceeds it keep it ([`waterfill::rise`]). A shortfall within float noise
/// of `extra` is handed out whole, so a sum of allocations never misses the capacity by noise.
#[inline]
fn rise(extra: f64, alloc: &mut [f64], cap: &[f64], w: &[f64]) {
    waterfill::rise(extra, alloc, cap, w, fine_slack(extra));
}

/// After arbitration, for a domain whose compartments are VM guests: shrinks `alloc` [cores]
/// to the largest set Integrity VM can start, each vCPU's entitlement on a core of its own
/// and no core entitled past 100 % [IV6][IV7] (`vcpu::placement`, the test `validate`
/// applies to entitlements). Returns whether a compartment was left below its request
/// (`requests`) by shrinking: the domain is then short.
///
/// The rule is the placement planner's: every compartment keeps its minimum (`range[j].0`,
/// or its partition's `min_cores` if higher) and the same share, rounded down to the step,
/// of what it was allocated above it; the share is bisected on whole steps, since shrinking
/// entitlements never makes a set harder to place. Not built into the arbiter's caps: whether
/// a set places depends on all its entitlements together (bin packing with conflicts), which
/// no per-compartment cap expresses, and a post-step leaves the arbitration of every domain
/// without VM guests untouched. A set whose minimums do not place gets its minimums.
pub fn placeable(
    guests: &mut vcpu::DomainGuests,
    range: &[(f64, f64)],
    gran: Granularity,
    requests: &[f64],
    alloc: &mut [f64],
) -> bool {
    let n = alloc.len().min(guests.vcpus.len()).min(range.len());
    if n == 0 || guests.places(|j| if j < n { alloc[j] } else { 0.0 }) {
        return false;
    }
    let s = gran.step().unwrap_or(0.01);
    let lower: Vec<f64> = (0..n).map(|j| range[j].0.max(guests.floor[j])).collect();
    // Per compartment: its floor and what it holds, in steps.
    let rows: Vec<(u64, u64)> = (0..n)
        .map(|j| {
            let held = round(alloc[j] / s).max(0.0) as u64;
            let x = lower[j] / s;
            let lo = ceil(x - slack(x)).max(0.0) as u64;
            (lo.min(held), held)
        })
        .collect();
    let above: u64 = rows.iter().map(|&(lo, hi)| hi - lo).sum();
    let steps_with = |e: u64, j: usize| -> u64 {
        let (lo, hi) = rows[j];
        lo + (u128::from(hi - lo) * u128::from(e) / u128::from(above.max(1))) as u64
    };
    let (mut fits, mut fails) = (0u64, above);
    while fails - fits > 1 {
        let mid = fits + (fails - fits) / 2;
        if guests.places(|j| {
            if j < n {
                steps_with(mid, j) as f64 * s
            } else {
                0.0
            }
        }) {
            fits = mid;
        } else {
            fails = mid;
        }
    }
    let mut short = false;
    for j in 0..n {
        let k = steps_with(fits, j);
        if k != rows[j].1 {
            alloc[j] = if k == rows[j].0 {
                lower[j]
            } else {
                k as f64 * s
            };
            short |= alloc[j] < requests.get(j).copied().unwrap_or(0.0) - slack(alloc[j]);
        }
    }
    short
}

/// Step 5: replaces each `alloc[i]` by a whole number of steps (as an f64 count of units).
fn quantize(
    capacity: f64,
    s: f64,
    lims: &[Limits],
    alloc: &mut [f64],
    frac: &mut [f64],
    key: &mut [f64],
    order: &mut [usize],
) {
    let cap_u = {
        let x = capacity / s;
        floor(x + fine_slack(x)).max(0.0)
    };
    let hi_units = |l: &Limits| {
        let x = l.hi / s;
        floor(x + slack(x))
    };
    let mut sum_base = 0.0;
    let mut sum_exact = 0.0;
    for ((a, fr), l) in alloc.iter_mut().zip(frac.iter_mut()).zip(lims) {
        let x = *a / s;
        let base = floor(x + slack(x)).max(0.0).min(hi_units(l));
        *fr = if l.fixed {
            0.0
        } else {
            (x - base).clamp(0.0, 1.0)
        };
        sum_base += base;
        sum_exact += x;
        *a = base;
    }
    if sum_base > cap_u {
        // Only for configurations that fail check_deploy: take units back, sparing floors first.
        let mut excess = sum_base - cap_u;
        for spare_floors in [true, false] {
            for (a, l) in alloc.iter_mut().zip(lims).rev() {
                let keep = if spare_floors {
                    let x = l.lo / s;
                    ceil(x - slack(x)).max(0.0)
                } else {
                    0.0
                };
                let take = (*a - keep).max(0.0).min(excess);
                *a -= take;
                excess -= take;
            }
        }
        return;
    }
    let mut left = cap_u.min(floor(sum_exact + slack(sum_exact))) - sum_base;
    if left < 1.0 {
        return;
    }
    for (k, (o, (kk, f))) in order
        .iter_mut()
        .zip(key.iter_mut().zip(frac.iter()))
        .enumerate()
    {
        *o = k;
        // Remainders equal up to floating-point noise (a level of 1.6666666666666665 ×
        // weights) are a tie, and ties go to the lower index, as the rule says; found by the
        // SimPy peer.
        *kk = round(f * 1e9);
    }
    order.sort_unstable_by(|&i, &j| key[j].total_cmp(&key[i]).then(i.cmp(&j)));
    for &i in order.iter() {
        if left < 1.0 {
            break;
        }
        if frac[i] > 0.0 && alloc[i] < hi_units(&lims[i]) {
            alloc[i] += 1.0;
            left -= 1.0;
        }
    }
}

/// Cores from a count of units; bounds that are multiples of the step are written exactly, so
/// an allocation at its min, max or Fixed cores equals it bit for bit.
fn from_units(units: f64, s: f64, l: &Limits) -> f64 {
    let value = units * s;
    let exact = |bound: f64| (value - bound).abs() <= 1e-9 * bound.abs().max(1.0);
    if exact(l.lo) {
        l.lo
    } else if exact(l.hi) {
        l.hi
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: Granularity = Granularity::Step(0.01);
    const W: Granularity = Granularity::WholeCores;

    /// The same bits as the library's, signed zeros and halves included.
    fn same_rounding(x: f64) -> Result<(), TestCaseError> {
        for (ours, std) in [
            (floor(x), x.floor()),
            (ceil(x), x.ceil()),
            (round(x), x.round()),
        ] {
            prop_assert!(
                ours.to_bits() == std.to_bits() || (ours.is_nan() && std.is_nan()),
                "{x}: {ours} vs {std}"
            );
        }
        Ok(())
    }

    #[test]
    fn rounding_without_the_library_agrees_at_the_edges() {
        let edges = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            0.49999999999999994,
            -0.49999999999999994,
            1.5,
            -1.5,
            2.5,
            -2.5,
            1e-300,
            -1e-300,
            4503599627370495.5,
            -4503599627370495.5,
            EXACT_INT,
            -EXACT_INT,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for x in edges {
            same_rounding(x).unwrap();
        }
    }

    proptest! {
        #[test]
        fn rounding_without_the_library_agrees_everywhere(bits in any::<u64>(), small in -1e6f64..1e6) {
            same_rounding(f64::from_bits(bits))?;
            same_rounding(small)?;
        }
    }

    fn util(target: f64, min: f64, max: f64, priority: u32, weight: f64) -> Compartment {
        Compartment {
            policy: Policy::Utilization { target, min, max },
            priority,
            weight,
        }
    }

    fn own_borrow(owned: f64, min: f64, max: f64, target: f64) -> Compartment {
        let policy = Policy::OwnBorrow {
            owned,
            min,
            max,
            target,
        };
        Compartment {
            policy,
            priority: 1,
            weight: default_weight(&policy),
        }
    }

    fn fixed(cores: f64) -> Compartment {
        Compartment {
            policy: Policy::Fixed { cores },
            priority: 1,
            weight: 1.0,
        }
    }

    fn seen(allocation: f64, consumed: f64) -> Observation {
        Observation {
            allocation,
            consumed,
            metric: 0.0,
        }
    }

    fn run(
        capacity: f64,
        comps: &[Compartment],
        obs: &[Observation],
        gran: Granularity,
    ) -> (Vec<f64>, bool) {
        assert_eq!(check_deploy(capacity, comps, gran), Ok(()));
        let mut out = vec![f64::NAN; comps.len()];
        let short = arbitrate(
            capacity,
            comps,
            obs,
            gran,
            &mut Scratch::new(comps.len()),
            &mut out,
        );
        (out, short)
    }

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "got {got:?}, want {want:?}");
        }
    }

    /// DOMAIN.md §3 [G30]: target 80 %, 4.5 cores used of 5 (90 %) → 4.5 / 0.8 = 5.625 → grow
    /// to 6 whole cores → 4.5 / 6 = 75 %.
    #[test]
    fn domain_example_request_is_six_cores() {
        let a = util(0.8, 1.0, 8.0, 1, 1.0);
        assert_eq!(request(&a, &seen(5.0, 4.5)), 5.625);
        let r = rounded_request(&a, &seen(5.0, 4.5), W);
        assert_eq!(r, 6.0);
        assert_eq!(4.5 / r, 0.75);
        // FSS step 0.01: 5.625 rounds up to the next hundredth, 5.63.
        assert!((rounded_request(&a, &seen(5.0, 4.5), S) - 5.63).abs() < 1e-12);
    }

    /// The DOMAIN example inside an arbitration. B (index 0, priority 2, min 0) is saturated at
    /// 3 cores: 3 / 0.8 = 3.75 → requests 4. Capacity 7.5 whole cores.
    /// Step 1: A 1, B 0. Step 3, priority 1: A's request 6 fits (7.5 − 1 left) → A 6. Priority
    /// 2: B gets the 1.5 left. Quantize: B 1.5 → 1 (7.5 cores hold only 7 whole ones) → [1, 6].
    /// Had A asked for the unrounded 5.625, B would hold 1.875 and win the leftover core
    /// (largest remainder), leaving A with 5: the 6 proves the request was rounded up.
    #[test]
    fn domain_example_six_cores_granted_against_a_competitor() {
        let b = util(0.8, 0.0, 8.0, 2, 1.0);
        let a = util(0.8, 1.0, 8.0, 1, 1.0);
        let (out, short) = run(7.5, &[b, a], &[seen(3.0, 3.0), seen(5.0, 4.5)], W);
        assert_eq!(out, vec![1.0, 6.0]);
        assert!(short);
        // Step 0.01, capacity 8: A 5.63, B the 2.37 left (an unrounded 5.625 would lose the
        // tie-broken leftover hundredth to B at index 0 and end at 5.62).
        let (out, _) = run(8.0, &[b, a], &[seen(3.0, 3.0), seen(5.0, 4.5)], S);
        assert_close(&out, &[2.37, 5.63]);
    }

    /// [G40][G30]: A and B each own 4 of 8 cores, min 1, max 8, target 0.75.
    /// Interval 1: A idle (0.5 used of 4) → 0.5 / 0.75 = 0.67 → 1 (its min); B saturated (7 of
    /// 7) → 9.33 → clamped to 8. Step 1: 1 + 1. Step 2: A min(1, 4) = 1, B min(8, 4) = 4.
    /// Step 3: B borrows the 3 left → 7 (< 8: short).
    /// Interval 2: A saturated at its 1 core (above target) → needs → request max(2, owned 4)
    /// = 4; B still saturated → 8. Step 2: A min(4, 4) = 4, B min(8, 4) = 4 → all 8 cores
    /// used: A has its 4 back in one arbitration, B drops to 4.
    #[test]
    fn own_borrow_lends_then_gets_owned_back_at_once() {
        let comps = [
            own_borrow(4.0, 1.0, 8.0, 0.75),
            own_borrow(4.0, 1.0, 8.0, 0.75),
        ];
        let (out, short) = run(8.0, &comps, &[seen(4.0, 0.5), seen(7.0, 7.0)], W);
        assert_eq!(out, vec![1.0, 7.0]);
        assert!(short);
        let (out, short) = run(8.0, &comps, &[seen(1.0, 1.0), seen(7.0, 7.0)], W);
        assert_eq!(out, vec![4.0, 4.0]);
        assert!(short);
        // Below target (0.7 of 1 core = 70 % < 75 %) A does not need more: 0.7 / 0.75 = 0.93 → 1.
        let (out, _) = run(8.0, &comps, &[seen(1.0, 0.7), seen(7.0, 7.0)], W);
        assert_eq!(out, vec![1.0, 7.0]);
    }

    /// [G40]: all of priority 1 before priority 2, whatever the weights. X (target 0.5, 2 used)
    /// asks 4, Y (1.5 used) asks 3, both priority 1, min 0; Z priority 2, weight 100, min 1,
    /// saturated (asks its max 10).
    /// Capacity 10: step 1 gives Z 1; priority 1 needs 7 of the 9 left → X 4, Y 3; Z gets the
    /// last 2 → 3. Capacity 7: only 6 left after Z's min; X and Y (weight 1 each) split it
    /// evenly: level 3 → X 3, Y 3; Z keeps its min 1.
    #[test]
    fn higher_priority_met_in_full_first() {
        let x = util(0.5, 0.0, 10.0, 1, 1.0);
        let y = util(0.5, 0.0, 10.0, 1, 1.0);
        let z = util(0.5, 1.0, 10.0, 2, 100.0);
        let obs = [seen(4.0, 2.0), seen(4.0, 1.5), seen(5.0, 5.0)];
        let (out, short) = run(10.0, &[x, y, z], &obs, W);
        assert_eq!(out, vec![4.0, 3.0, 3.0]);
        assert!(short);
        let (out, _) = run(7.0, &[x, y, z], &obs, W);
        assert_eq!(out, vec![3.0, 3.0, 1.0]);
    }

    /// [G40]: a short priority is split so allocations are ∝ weight. Weights 1 and 3, both ask
    /// 20 (10 used, target 0.5), min 0, capacity 7: L·1 + L·3 = 7 → L = 1.75 → 1.75 and 5.25.
    #[test]
    fn shortage_split_in_proportion_to_weight() {
        let comps = [util(0.5, 0.0, 20.0, 1, 1.0), util(0.5, 0.0, 20.0, 1, 3.0)];
        let (out, short) = run(7.0, &comps, &[seen(10.0, 10.0), seen(10.0, 10.0)], S);
        assert_close(&out, &[1.75, 5.25]);
        assert!((out[1] / out[0] - 3.0).abs() < 1e-9);
        assert!(short);
    }

    /// The tide keeps floors: A min 2 (weight 1), B min 0 (weight 3), both ask 20, capacity 4.
    /// After step 1 A holds 2 and 2 are left. clamp(L, 2, 20) + clamp(3L, 0, 20) = 4 → L = 2/3:
    /// A stays at 2 (its floor is above L·1), B gets 2.
    #[test]
    fn shortage_split_never_cuts_a_floor() {
        let comps = [util(0.5, 2.0, 20.0, 1, 1.0), util(0.5, 0.0, 20.0, 1, 3.0)];
        let (out, _) = run(4.0, &comps, &[seen(10.0, 10.0), seen(10.0, 10.0)], S);
        assert_close(&out, &[2.0, 2.0]);
    }

    /// [G40]: OwnBorrow weight = owned, so surplus follows owned. Owned 2 and 6 of 12 cores,
    /// min 0, max 12, both idle → requests 0 → all 12 cores are surplus: 2L + 6L = 12 → L = 1.5
    /// → 3 and 9. Same when both use exactly their owned share at target (1.5 of 2, 4.5 of 6 at
    /// 75 %: requests 2 and 6): the 4 spare cores go 1 : 3. With A's max 2, A is capped and B
    /// takes the rest: 10.
    #[test]
    fn surplus_spread_in_proportion_to_owned() {
        let comps = [
            own_borrow(2.0, 0.0, 12.0, 0.75),
            own_borrow(6.0, 0.0, 12.0, 0.75),
        ];
        let (out, short) = run(12.0, &comps, &[seen(2.0, 0.0), seen(6.0, 0.0)], W);
        assert_eq!(out, vec![3.0, 9.0]);
        assert!(!short);
        let (out, short) = run(12.0, &comps, &[seen(2.0, 1.5), seen(6.0, 4.5)], W);
        assert_eq!(out, vec![3.0, 9.0]);
        assert!(!short);
        // Levels, not increments: A (owned 2) idle, B (owned 6) at its 6 → 2L + 6L = 12 with B's
        // floor 6 → L = 1.5 → 3 and 9, allocations 1 : 3 like the weights; splitting only the 6
        // spare cores 1 : 3 would give 1.5 and 10.5.
        let (out, _) = run(12.0, &comps, &[seen(2.0, 0.0), seen(6.0, 4.5)], W);
        assert_eq!(out, vec![3.0, 9.0]);
        let capped = [own_borrow(2.0, 0.0, 2.0, 0.75), comps[1]];
        let (out, _) = run(12.0, &capped, &[seen(2.0, 0.0), seen(6.0, 0.0)], W);
        assert_eq!(out, vec![2.0, 10.0]);
    }

    /// [G40]: Fixed is served first and takes no surplus. Capacity 8: Fixed 2; a utilization
    /// compartment (min 1, max 4) idle → request 1 → surplus raises it to its max 4; the last 2
    /// cores stay unallocated because everyone else is at max.
    #[test]
    fn fixed_is_exact_and_takes_no_surplus() {
        let comps = [fixed(2.0), util(0.8, 1.0, 4.0, 1, 1.0)];
        let (out, short) = run(8.0, &comps, &[seen(2.0, 2.0), seen(1.0, 0.0)], W);
        assert_eq!(out, vec![2.0, 4.0]);
        assert!(!short);
    }

    /// Largest remainder: three saturated equal compartments asking 8 each in 10 whole cores →
    /// 10/3 = 3.33 each → floors 3, 3, 3 and one leftover core; equal remainders, so the lowest
    /// index gets it → 4, 3, 3. A fractional capacity 7.5 shared by two → 3.75 each → 3, 3, and
    /// only one more whole core fits under 7.5 → 4, 3 (Σ 7).
    #[test]
    fn quantization_by_largest_remainder_ties_to_lower_index() {
        let c = util(1.0, 0.0, 8.0, 1, 1.0);
        let (out, _) = run(10.0, &[c, c, c], &[seen(8.0, 8.0); 3], W);
        assert_eq!(out, vec![4.0, 3.0, 3.0]);
        let (out, _) = run(7.5, &[c, c], &[seen(8.0, 8.0); 2], W);
        assert_eq!(out, vec![4.0, 3.0]);
        // Unequal remainders: weights 1 and 2 in 10 cores → 3.33 and 6.67 → the larger
        // remainder (B's 0.67) wins the leftover core → 3, 7.
        let (out, _) = run(
            10.0,
            &[c, util(1.0, 0.0, 8.0, 1, 2.0)],
            &[seen(8.0, 8.0); 2],
            W,
        );
        assert_eq!(out, vec![3.0, 7.0]);
    }

    /// [G40] "deploy fails if fixed policies cannot all be met"; Σ owned ≤ SRD cores.
    #[test]
    fn check_deploy_rejects_what_cannot_be_guaranteed() {
        // 4 fixed + 3 + 2 minimum = 9 > 8, first exceeded at compartment 2.
        let e = check_deploy(
            8.0,
            &[
                fixed(4.0),
                util(0.8, 3.0, 8.0, 1, 1.0),
                util(0.8, 2.0, 8.0, 1, 1.0),
            ],
            W,
        )
        .unwrap_err();
        assert!(e.contains("compartment 2") && e.contains("minimums"), "{e}");
        // Owned 5 + 4 = 9 > 8.
        let e = check_deploy(
            8.0,
            &[
                own_borrow(5.0, 0.0, 8.0, 0.8),
                own_borrow(4.0, 0.0, 8.0, 0.8),
            ],
            W,
        )
        .unwrap_err();
        assert!(e.contains("compartment 1") && e.contains("owned"), "{e}");
        // Fixed 4 + owned 4 + owned 4 = 12 > 8, although Σ fixed + Σ min = 4 and Σ owned = 8.
        let e = check_deploy(
            8.0,
            &[
                fixed(4.0),
                own_borrow(4.0, 0.0, 8.0, 0.8),
                own_borrow(4.0, 0.0, 8.0, 0.8),
            ],
            W,
        )
        .unwrap_err();
        assert!(
            e.contains("compartment 2") && e.contains("given back"),
            "{e}"
        );
        // Exactly full is fine.
        let ok = [
            fixed(2.0),
            own_borrow(3.0, 1.0, 8.0, 0.8),
            util(0.8, 3.0, 8.0, 2, 1.0),
        ];
        assert_eq!(check_deploy(8.0, &ok, W), Ok(()));
        // Per-compartment faults name the index.
        let bad = |c: Compartment| check_deploy(8.0, &[fixed(1.0), c], W).unwrap_err();
        assert!(bad(util(0.0, 0.0, 4.0, 1, 1.0)).contains("compartment 1: target"));
        assert!(bad(util(1.5, 0.0, 4.0, 1, 1.0)).contains("target"));
        assert!(bad(util(0.8, 5.0, 4.0, 1, 1.0)).contains("exceeds max"));
        assert!(bad(own_borrow(1.0, 2.0, 4.0, 0.8)).contains("owned"));
        assert!(bad(util(0.8, 0.5, 4.0, 1, 1.0)).contains("multiple"));
        assert!(bad(util(0.8, 1.0, 4.0, 1, 0.0)).contains("weight"));
        assert!(bad(util(0.8, 1.0, 4.0, 0, 1.0)).contains("priority"));
        assert!(bad(own_borrow(0.0, 0.0, 4.0, 0.8)).contains("weight"));
        assert!(check_deploy(8.0, &ok, Granularity::Step(0.0)).is_err());
        assert!(check_deploy(f64::NAN, &ok, W).is_err());
        // 0.5 is a multiple of the FSS step 0.01 even though 0.5 / 0.01 is not exact in floats.
        assert_eq!(
            check_deploy(8.0, &[util(0.8, 0.07, 4.53, 1, 1.0)], S),
            Ok(())
        );
    }

    /// Broken sensors count as 0: a NaN, infinite or negative consumption asks for the min.
    #[test]
    fn nan_and_negative_observations_count_as_zero() {
        let c = util(0.8, 1.0, 8.0, 1, 1.0);
        for bad in [f64::NAN, -3.0, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(rounded_request(&c, &seen(bad, bad), W), 1.0);
            assert_eq!(request(&c, &seen(bad, bad)), 1.0);
            let custom = Compartment {
                policy: Policy::Custom { min: 1.0, max: 8.0 },
                priority: 1,
                weight: 1.0,
            };
            let o = Observation {
                allocation: 1.0,
                consumed: 1.0,
                metric: bad,
            };
            assert_eq!(rounded_request(&custom, &o, W), 1.0);
        }
        // Custom: the metric 3.2 cores rounds up to 4 whole cores.
        let custom = Compartment {
            policy: Policy::Custom { min: 1.0, max: 8.0 },
            priority: 1,
            weight: 1.0,
        };
        let o = Observation {
            allocation: 1.0,
            consumed: 1.0,
            metric: 3.2,
        };
        assert_eq!(request(&custom, &o), 3.2);
        assert_eq!(rounded_request(&custom, &o, W), 4.0);
    }

    /// Mismatched lengths and an undersized scratch neither panic nor break the capacity.
    #[test]
    fn short_slices_and_small_scratch_are_tolerated() {
        let c = util(1.0, 0.0, 8.0, 1, 1.0);
        let mut scratch = Scratch::new(0);
        let mut out = [0.0; 2];
        arbitrate(
            10.0,
            &[c, c, c],
            &[seen(8.0, 8.0)],
            W,
            &mut scratch,
            &mut out,
        );
        // The first asks its max 8, the others 0 (no observation): 8, then the surplus 2 goes
        // to the two below their max at one level → 8, 1, 1 (the third is not written).
        assert_eq!(out, [8.0, 1.0]);
        assert!(!arbitrate(10.0, &[], &[], W, &mut scratch, &mut []));
    }

    fn guests(cores: u32, vcpus: &[u32], others: &[(u32, f64)]) -> vcpu::DomainGuests {
        vcpu::DomainGuests {
            cores,
            vcpus: vcpus.to_vec(),
            floor: vec![0.0; vcpus.len()],
            others: others.to_vec(),
            rows: Vec::new(),
        }
    }

    /// 4 cores; a 4-vCPU guest at 3 (min 1) and a 1-vCPU guest at 1 (min 0.5): 0.75 on every
    /// core leaves no core the small guest's 1.0. In 0.01 steps above the minimums (200 and
    /// 50, 250 in all) each keeps ⌊its part × e / 250⌋; a/4 + b ≤ 1 holds up to e = 64:
    /// 1.51 and 0.62 (0.3775 + 0.62), not e = 65 (1.52 and 0.63: 1.01).
    #[test]
    fn unplaceable_guests_shrink_in_proportion_above_their_minimums() {
        let mut g = guests(4, &[4, 1], &[]);
        let range = [(1.0, 3.0), (0.5, 1.0)];
        let mut alloc = [3.0, 1.0];
        let short = placeable(
            &mut g,
            &range,
            Granularity::Step(0.01),
            &[3.0, 1.0],
            &mut alloc,
        );
        assert!(short);
        assert!(
            (alloc[0] - 1.51).abs() < 1e-12 && (alloc[1] - 0.62).abs() < 1e-12,
            "{alloc:?}"
        );
        // A set that places is left alone, bit for bit: 0.5 + 0.5 on the small guest's core.
        let mut alloc = [2.0, 0.5];
        assert!(!placeable(
            &mut g,
            &range,
            Granularity::Step(0.01),
            &[3.0, 1.0],
            &mut alloc
        ));
        assert_eq!(alloc, [2.0, 0.5]);
    }

    /// A guest outside the domain keeps its entitlement: 4 vCPUs at 0.5 on 4 cores leave 0.5
    /// per core, so the managed 1-vCPU guest (min 0.2) asking 0.8 gets 0.5 (0.51 is 1.01), and
    /// is short of its request.
    #[test]
    fn guests_outside_the_domain_keep_their_entitlement() {
        let mut g = guests(4, &[1], &[(4, 0.5)]);
        let mut alloc = [0.8];
        let short = placeable(
            &mut g,
            &[(0.2, 0.8)],
            Granularity::Step(0.01),
            &[0.8],
            &mut alloc,
        );
        assert!(short);
        assert!((alloc[0] - 0.5).abs() < 1e-12, "{alloc:?}");
    }

    /// Minimums that cannot place (0.75 per core of a 4-vCPU guest beside a 1-vCPU guest's
    /// 0.5) are what the guests get: nothing smaller is allowed.
    #[test]
    fn unplaceable_minimums_are_kept() {
        let mut g = guests(4, &[4, 1], &[]);
        let mut alloc = [3.5, 1.0];
        placeable(
            &mut g,
            &[(3.0, 4.0), (0.5, 1.0)],
            Granularity::Step(0.01),
            &[0.0, 0.0],
            &mut alloc,
        );
        assert_eq!(alloc, [3.0, 0.5]);
    }

    /// Slow obvious tide: bisection on the level, for comparison with the breakpoint solver.
    fn rise_by_bisection(extra: f64, alloc: &[f64], cap: &[f64], w: &[f64]) -> Vec<f64> {
        let f = |l: f64| -> f64 {
            (0..alloc.len())
                .map(|i| clamp(l * w[i], alloc[i], cap[i].max(alloc[i])))
                .sum()
        };
        let target = alloc.iter().sum::<f64>() + extra;
        let (mut lo, mut hi) = (0.0, 1.0);
        while f(hi) < target && hi < 1e12 {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if f(mid) < target { lo = mid } else { hi = mid }
        }
        (0..alloc.len())
            .map(|i| clamp(hi * w[i], alloc[i], cap[i].max(alloc[i])))
            .collect()
    }

    fn arb_granularity() -> impl Strategy<Value = Granularity> {
        prop_oneof![
            Just(Granularity::WholeCores),
            Just(Granularity::Step(0.01)),
            Just(Granularity::Step(0.25)),
            Just(Granularity::Step(0.5)),
        ]
    }

    /// One compartment as integers of steps: (kind, a, b, c, target, priority, weight,
    /// default weight?) → Fixed a; else min a, max a + b, OwnBorrow owned a + min(b, c).
    type RawComp = (u8, u32, u32, u32, f64, u32, f64, bool);

    fn arb_comp() -> impl Strategy<Value = RawComp> {
        (
            0u8..4,
            0u32..5,
            0u32..9,
            0u32..9,
            0.05f64..=1.0,
            1u32..4,
            0.1f64..10.0,
            any::<bool>(),
        )
    }

    fn build(raw: &RawComp, s: f64) -> Compartment {
        let &(kind, a, b, c, target, priority, weight, use_default) = raw;
        let (min, max) = (f64::from(a) * s, f64::from(a + b) * s);
        let policy = match kind {
            0 => Policy::Fixed { cores: min },
            1 => Policy::Utilization { target, min, max },
            2 => Policy::OwnBorrow {
                owned: f64::from(a + b.min(c)) * s,
                min,
                max,
                target,
            },
            _ => Policy::Custom { min, max },
        };
        let w = default_weight(&policy);
        let weight = if use_default && w > 0.0 { w } else { weight };
        Compartment {
            policy,
            priority,
            weight,
        }
    }

    /// (allocation 0..12, consumed share of it, metric, sensor broken?)
    fn arb_obs() -> impl Strategy<Value = (f64, f64, f64, u8)> {
        (0.0f64..12.0, 0.0f64..=1.0, -2.0f64..20.0, 0u8..10)
    }

    fn build_obs(raw: &(f64, f64, f64, u8)) -> Observation {
        let &(allocation, share, metric, broken) = raw;
        let consumed = match broken {
            0 => f64::NAN,
            1 => -1.0,
            _ => allocation * share,
        };
        Observation {
            allocation,
            consumed,
            metric,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The sorted breakpoints' bisection of the rising tide equals bisection on the level.
        #[test]
        fn rise_matches_bisection(
            parts in prop::collection::vec((0.0f64..5.0, 0.0f64..10.0, 0.1f64..10.0), 1..8),
            extra in 0.0f64..30.0,
        ) {
            let mut alloc: Vec<f64> = parts.iter().map(|p| p.0).collect();
            let cap: Vec<f64> = parts.iter().map(|p| p.1).collect();
            let w: Vec<f64> = parts.iter().map(|p| p.2).collect();
            let want = rise_by_bisection(extra, &alloc, &cap, &w);
            let before: f64 = alloc.iter().sum();
            rise(extra, &mut alloc, &cap, &w);
            let given = alloc.iter().sum::<f64>() - before;
            let room: f64 = alloc.iter().zip(&cap).map(|(a, c)| (c - a).max(0.0)).sum::<f64>();
            for (g, t) in alloc.iter().zip(&want) {
                prop_assert!((g - t).abs() < 1e-6, "got {alloc:?}, bisection {want:?}");
            }
            prop_assert!(given <= extra + 1e-9);
            // Either everything is handed out or every cap is reached.
            prop_assert!((given - extra).abs() < 1e-6 || room < 1e-9);
        }

        /// Invariants of one arbitration over random deployable domains.
        #[test]
        fn arbitration_invariants(
            raws in prop::collection::vec((arb_comp(), arb_obs()), 1..=8),
            gran in arb_granularity(),
            spare in 0u32..12,
            part in 0.0f64..1.0,
            random_capacity in prop::option::weighted(0.3, 0.0f64..40.0),
        ) {
            let s = gran.step().unwrap();
            let comps: Vec<Compartment> = raws.iter().map(|r| build(&r.0, s)).collect();
            let obs: Vec<Observation> = raws.iter().map(|r| build_obs(&r.1)).collect();
            let guaranteed: f64 = comps
                .iter()
                .map(|c| match c.policy {
                    Policy::OwnBorrow { owned, .. } => owned,
                    p => bounds(&p).0,
                })
                .sum();
            let capacity = random_capacity.unwrap_or(guaranteed + (f64::from(spare) + part) * s);
            let mut out = vec![f64::NAN; comps.len()];
            let mut scratch = Scratch::new(comps.len());
            let short = arbitrate(capacity, &comps, &obs, gran, &mut scratch, &mut out);
            let total: f64 = out.iter().sum();

            // Deterministic, also with a reused scratch and with a fresh one.
            let mut again = vec![0.0; comps.len()];
            let short2 = arbitrate(capacity, &comps, &obs, gran, &mut scratch, &mut again);
            prop_assert_eq!(short, short2);
            prop_assert!(out.iter().zip(&again).all(|(a, b)| a.to_bits() == b.to_bits()));
            let short3 = arbitrate(capacity, &comps, &obs, gran, &mut Scratch::new(1), &mut again);
            prop_assert_eq!(short, short3);
            prop_assert!(out.iter().zip(&again).all(|(a, b)| a.to_bits() == b.to_bits()));

            // Within the capacity and non-negative, deployable or not.
            prop_assert!(total <= capacity + 1e-9, "Σ {total} > capacity {capacity}: {out:?}");
            prop_assert!(out.iter().all(|a| a.is_finite() && *a >= 0.0));
            // Multiples of the step.
            for a in &out {
                let u = a / s;
                prop_assert!((u - u.round()).abs() < 1e-9, "{a} not a multiple of {s}");
            }
            if check_deploy(capacity, &comps, gran).is_err() {
                return Ok(());
            }
            let reqs: Vec<f64> = comps.iter().zip(&obs).map(|(c, o)| rounded_request(c, o, gran)).collect();
            let mut all_at_max = true;
            for (i, (c, a)) in comps.iter().zip(&out).enumerate() {
                let (lo, hi, owned, _) = bounds(&c.policy);
                let req = reqs[i];
                match c.policy {
                    Policy::Fixed { cores } => prop_assert_eq!(*a, cores),
                    _ => {
                        prop_assert!(*a >= lo - 1e-9 && *a <= hi + 1e-9,
                            "compartment {i}: {a} outside [{lo}, {hi}]: {out:?}");
                        all_at_max &= *a >= hi - 1e-9;
                    }
                }
                if *a >= req - 1e-9 {
                    prop_assert!(*a <= hi + 1e-9);
                }
                // Callers may judge "request met" with the unrounded request, allowing the
                // request noise (a request a hair above a multiple counts as that multiple).
                prop_assert_eq!(*a >= request(c, &obs[i]) - REQUEST_NOISE * s - 1e-9, *a >= req - 1e-9);
                if matches!(c.policy, Policy::OwnBorrow { .. }) && req >= owned {
                    prop_assert!(*a >= owned - 1e-9, "compartment {i} owns {owned}, got {a}");
                }
                // A compartment that got more than its floors (min, owned reclaim) proves
                // that every higher-priority request was met.
                let floor = match c.policy {
                    Policy::OwnBorrow { .. } => lo.max(req.min(owned)),
                    _ => lo,
                };
                if !matches!(c.policy, Policy::Fixed { .. }) && *a > floor + 1e-9 {
                    for (j, d) in comps.iter().enumerate() {
                        if !matches!(d.policy, Policy::Fixed { .. }) && d.priority < c.priority {
                            prop_assert!(out[j] >= reqs[j] - 1e-9,
                                "{i} (pri {}) got {a} > floor {floor} while {j} (pri {}) short: {out:?}",
                                c.priority, d.priority);
                        }
                    }
                }
            }
            // Nothing left that a compartment could take: less than one step spare, or
            // everyone who may take surplus is at max.
            prop_assert!(total > capacity - s - 1e-9 || all_at_max,
                "Σ {total} leaves a step of {capacity} unused: {out:?}");
            // Short ⇔ some request unmet before surplus; when not short, all requests are met.
            if !short {
                for (a, r) in out.iter().zip(&reqs) {
                    prop_assert!(*a >= r - 1e-9);
                }
            }
        }

        /// Garbage in: no panic, finite non-negative allocations within the capacity.
        #[test]
        fn garbage_never_panics(
            raw in prop::collection::vec(
                (0u8..4, any::<f64>(), any::<f64>(), any::<f64>(), any::<f64>(), any::<u32>(),
                 any::<f64>(), (any::<f64>(), any::<f64>(), any::<f64>())),
                0..8),
            capacity in any::<f64>(),
            step in any::<f64>(),
            whole in any::<bool>(),
        ) {
            let gran = if whole { Granularity::WholeCores } else { Granularity::Step(step) };
            let comps: Vec<Compartment> = raw.iter().map(|&(k, a, b, c, d, priority, weight, _)| {
                let policy = match k {
                    0 => Policy::Fixed { cores: a },
                    1 => Policy::Utilization { target: d, min: a, max: b },
                    2 => Policy::OwnBorrow { owned: c, min: a, max: b, target: d },
                    _ => Policy::Custom { min: a, max: b },
                };
                Compartment { policy, priority, weight }
            }).collect();
            let obs: Vec<Observation> = raw.iter().map(|r| Observation {
                allocation: r.7.0, consumed: r.7.1, metric: r.7.2,
            }).collect();
            let _ = check_deploy(capacity, &comps, gran);
            let mut out = vec![0.0; comps.len()];
            arbitrate(capacity, &comps, &obs, gran, &mut Scratch::new(comps.len()), &mut out);
            let cap = amount(capacity);
            prop_assert!(out.iter().all(|a| !a.is_nan() && *a >= 0.0), "{out:?}");
            if cap < 1e300 && gran.step().is_some_and(|s| s > 1e-300) {
                // Bounds within 1e-9 of an allocation are written exactly (from_units), so
                // each compartment may stand up to 1e-9 above its units.
                let snap = 1e-9 * out.len().max(1) as f64;
                prop_assert!(out.iter().sum::<f64>() <= cap * (1.0 + 1e-9) + snap, "{out:?}");
            }
        }
    }
}
