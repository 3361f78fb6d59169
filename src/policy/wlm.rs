//! One HP-UX Workload Manager (WLM) interval inside one OS instance.
//!
//! Owns: each active SLO's controller, which turns what was observed over the last interval
//! into a CPU request for its PRM group ([`deviation`], [`request`]), and WLM's arbiter, which
//! turns the requests into group allocations [cores] by priority, rising tide, weights, group
//! minimums and maximums, and the handling of excess ([`arbitrate`]) (DOMAIN.md §2.1, §2.2,
//! §7.3). Also the deploy-time checks of a configuration ([`check`]).
//!
//! Must not know: partitions or the global arbiter (wlmpard: the caller sends the resulting
//! core request on), conditions and time windows (the caller passes only the *active* SLOs),
//! data collectors, smoothing and averaging of metrics (`cntl_smooth`, `cntl_avg`: the caller
//! passes the value the controller should see), memory, files, names, time. Everything is a
//! pure function of its arguments: no I/O, no allocation in [`arbitrate`] (the caller passes a
//! [`Scratch`]), no `HashMap`, and ties are broken by group index, so a run is bit-for-bit
//! deterministic.
//!
//! # Units
//! Cores (f64). WLM counts in shares; with `absolute_cpu_units = 1` 100 shares are one core
//! [W217][W218]. Our reading of [W219]: configuration values (`mincpu`, `cntl_kp`'s result,
//! `cntl_convergence_rate`, `cpushares`) stay in those units with `extended_shares`, which
//! only refines the granularity of allocations to 1000 per core. So a controller change of
//! `kp × P` shares is `kp × P / 100` cores ([`SHARES_PER_CORE`]), and allocations are
//! multiples of [`Config::step`] (0.01 core, or 0.001 with extended shares).
//!
//! # Arbitration order (see [`arbitrate`])
//! 1. Every group gets its floor: `gmincpu`; a PSET group at least 1 core; an FSS group with no
//!    active SLO, and OTHERS always, at least [`Config::idle_min`] [W206][W219]. Floors that do
//!    not fit are treated as top-priority requests split by weight [W176][W179].
//! 2. Priorities 1, 2, …: a priority's requests in full if they fit, else the weighted rising
//!    tide [WR][W179]; lower priorities then get only sub-grain leftovers (see [`arbitrate`]).
//!    Never past `gmaxcpu`, never cutting what a higher priority won.
//! 3. Excess: to OTHERS, or with `distribute_excess` by weight to the groups with active SLOs up
//!    to their `gmaxcpu`, and what they cannot take to OTHERS [W219][W182].
//!
//! # Input hygiene
//! Observations that are NaN, infinite or negative count as 0. A configuration that fails
//! [`check`] is still arbitrated without panicking and without exceeding the capacity, but its
//! floors and caps are then not guaranteed.

use crate::model::waterfill;

/// Shares per core in WLM's absolute CPU units (`absolute_cpu_units = 1`) [W217].
pub const SHARES_PER_CORE: f64 = 100.0;
/// Default `cntl_kp` [W227].
pub const DEFAULT_KP: f64 = 1.0;
/// Default `cntl_margin` [W232].
pub const DEFAULT_MARGIN: f64 = 0.1;
/// Usage band when neither bound is given [percent] [W201].
pub const DEFAULT_USAGE_BAND: (f64, f64) = (50.0, 75.0);
/// Allocation granularity [cores]: 100 shares per core, or 1000 with `extended_shares` [W219].
pub const STEP: f64 = 0.01;
pub const EXTENDED_STEP: f64 = 0.001;
/// Minimum of an FSS group with no active SLO [cores]: one share, or 2/1000 core with
/// `extended_shares` [W219][W206].
pub const IDLE_MIN: f64 = 0.01;
pub const EXTENDED_IDLE_MIN: f64 = 0.002;

/// Largest `cntl_kp` WLM accepts [W227]; [`request`] clamps `Kp` into `[0, KP_MAX]`.
const KP_MAX: f64 = 1e6;
/// Weights the arbiter works with; [`check`] rejects weights outside, [`arbitrate`] clamps
/// into it (NaN → 1) so the tide's level stays finite. WLM itself takes integers ≥ 1 [W179].
const WEIGHT_RANGE: (f64, f64) = (1e-9, 1e9);
/// Most units (steps) a capacity may hold: counts stay exact integers in f64 with room for
/// sums; larger capacities are cut down to this (only absurd inputs).
const MAX_UNITS: f64 = 1_099_511_627_776.0; // 2^40

/// An SLO's goal. An SLO has at most one goal, by construction: WLM rejects an SLO with both a
/// `goal` and `cpushares` [W204].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// `goal = usage _CPU [low [high]]`: keep utilization (consumed ÷ allocation, percent)
    /// within `[low, high]`, a dead band [W200][W201]. Build it with [`Goal::usage`] to get
    /// WLM's defaults for absent bounds.
    Usage { low: f64, high: f64 },
    /// `goal = metric NAME < value` (`below`) or `> value`, e.g. response_time < 3.0 [W471].
    Metric { below: bool, value: f64 },
    /// `cpushares = v total` (`additive: false`): request `v` cores; `cpushares = v more`
    /// (`additive: true`): request the group's floor + `v` (see [`request`]) [W204][W205].
    /// The `per metric … plus offset` form is the caller's: it passes the product as `cores`.
    Shares { cores: f64, additive: bool },
    /// No goal and no cpushares: request = `mincpu` (0 if absent) [W197][W471].
    None,
}

impl Goal {
    /// A usage goal with WLM's defaults [W201]: both bounds absent → 50–75; `high` absent →
    /// `high = low`; `low` absent (not expressible in WLM's syntax, where `high` follows
    /// `low`) → 50.
    pub fn usage(low: Option<f64>, high: Option<f64>) -> Goal {
        let (low, high) = match (low, high) {
            (None, None) => DEFAULT_USAGE_BAND,
            (Some(l), None) => (l, l),
            (None, Some(h)) => (DEFAULT_USAGE_BAND.0, h),
            (Some(l), Some(h)) => (l, h),
        };
        Goal::Usage { low, high }
    }
}

/// The controller's gain [W225]–[W231]. WLM's `cntl_convergence_rate`, when ≠ 0, overrides
/// `cntl_kp`; here the caller picks one: `ConvergenceRate(0.0)` (or NaN) means `Kp(1.0)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Controller {
    /// `cntl_kp`, 0..=1e6, default 1: `new = last + kp × P` shares [W225][W227].
    Kp(f64),
    /// `cntl_convergence_rate` [shares per 10 % deviation]:
    /// `new = last + (rate / 0.10) × (P / goal)` shares [W229][W230].
    ConvergenceRate(f64),
}

/// One active SLO (`slo NAME { pri; entity = PRM group; mincpu; maxcpu; goal | cpushares }`).
/// All amounts in cores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// Index into the groups passed to [`arbitrate`] and [`check`].
    pub group: usize,
    /// 1 = highest [W49][W193]; several SLOs may share one, and one group may have SLOs at
    /// several priorities ("must meet" + "stretch").
    pub priority: u32,
    pub goal: Goal,
    /// Bounds on what the controller may *request* (not on the allocation) [W196].
    pub mincpu: Option<f64>,
    pub maxcpu: Option<f64>,
    /// `cntl_margin`, 0..=1, default 0.1 ([`DEFAULT_MARGIN`]); metric goals only [W232].
    pub margin: f64,
}

/// One PRM workload group (`prm { groups; gmincpu; gmaxcpu; weight }`) [W160][W175]–[W179].
/// Amounts in cores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Group {
    /// Hard minimum. WLM's default is one share (0.01, [`IDLE_MIN`]) [W473]; the caller applies
    /// it.
    pub gmincpu: f64,
    /// Hard maximum; absent (or above the capacity) = the whole capacity [W178].
    pub gmaxcpu: Option<f64>,
    /// Share of a contended priority and of distributed excess, default 1 [W179].
    pub weight: f64,
    /// A PSET group gets whole cores, at least one [W206][PRM2].
    pub pset: bool,
}

/// WLM's global tunables that this module needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub controller: Controller,
    /// `distribute_excess` [W218][W219].
    pub distribute_excess: bool,
    /// Allocation granularity [cores]: [`STEP`] or [`EXTENDED_STEP`]; must be 1/n for a whole n.
    pub step: f64,
    /// Minimum [cores] of an FSS group with no active SLO, and of OTHERS at all times:
    /// [`IDLE_MIN`] or [`EXTENDED_IDLE_MIN`] [W206][W219]. (W206 also words it as 1 % of the
    /// cores not in PSET groups; a caller that reads it so sets this accordingly.)
    pub idle_min: f64,
    /// Index of the OTHERS group (PRMID 1), which takes the excess [W160][W218]; `None` leaves
    /// the excess unallocated (only `distribute_excess` hands any out).
    pub others: Option<usize>,
}

impl Default for Config {
    /// `cntl_kp = 1`, `distribute_excess = 0`, 100 shares per core, no OTHERS.
    fn default() -> Self {
        Config {
            controller: Controller::Kp(DEFAULT_KP),
            distribute_excess: false,
            step: STEP,
            idle_min: IDLE_MIN,
            others: None,
        }
    }
}

impl Config {
    /// The same with `extended_shares = 1`: step 0.001 core, idle minimum 0.002 [W219].
    pub fn extended_shares(self) -> Self {
        Config {
            step: EXTENDED_STEP,
            idle_min: EXTENDED_IDLE_MIN,
            ..self
        }
    }
}

/// What WLM saw of an SLO's group over the last interval. Here and below, NaN, infinite or
/// negative readings count as 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// The group's allocation during the interval [cores]: the controller's starting point
    /// ("allocation last interval" [W225]) and the denominator of utilization.
    pub allocation: f64,
    /// CPU the group consumed, averaged over the interval [cores]. May exceed `allocation`
    /// (FSS groups borrow idle cycles), giving a utilization above 100 %.
    pub consumed: f64,
    /// Metric goals only: the reading, in the goal's units.
    pub metric: f64,
}

/// Observations and amounts: NaN, infinite or negative count as 0.
fn observed(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 { x } else { 0.0 }
}

/// `x` clamped to `[lo, hi]` (`lo ≤ hi`), NaN going to `lo`.
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() { lo } else { x.max(lo).min(hi) }
}

/// Tolerance [units of the value] for floors and ceilings, absorbing float noise such as
/// 0.07 × 100 = 7.000000000000001.
fn slack(x: f64) -> f64 {
    1e-9 + 1e-12 * x.abs()
}

/// A usage band as `(low, high)`, ordered.
fn band(low: f64, high: f64) -> (f64, f64) {
    (low.min(high), low.max(high))
}

/// Utilization [percent] = consumed ÷ allocation [W201]. A group with no allocation counts as
/// 100 % busy if it consumed anything (it needs CPU), else 0 %.
fn utilization(obs: &Observed) -> f64 {
    let (a, c) = (observed(obs.allocation), observed(obs.consumed));
    if a > 0.0 {
        100.0 * c / a
    } else if c > 0.0 {
        100.0
    } else {
        0.0
    }
}

/// The re-targeted metric goal [W232]: `cntl_margin` moves the goal to the safe side by
/// `margin × value`: `< X` → `X − margin·X`, `> X` → `X + margin·X`. NaN margin → 0, else
/// clamped to [0, 1].
fn retarget(below: bool, value: f64, margin: f64) -> f64 {
    let m = if margin.is_nan() {
        0.0
    } else {
        margin.clamp(0.0, 1.0)
    };
    if below {
        value - m * value
    } else {
        value + m * value
    }
}

/// Deviation `P` of the goal [W225][W226], in the goal's units (percent points for usage
/// goals). Sign convention: **P > 0 means the group needs more CPU** and makes the request
/// grow (`new = last + kp × P`):
/// - usage: `util − high` above the band, `util − low` below it (negative), 0 inside (the dead
///   band); 85 % against 50–75 → 10;
/// - metric `< value`: `met − target` (too slow → positive);
/// - metric `> value`: `target − met` (too low → positive);
///
/// where `target` is the value re-targeted by `margin` (see [`Slo::margin`]; ignored for usage
/// goals). Shares and no-goal SLOs have no deviation (0). Never NaN: NaN readings count as 0,
/// and a NaN result (from NaN goal values) is 0.
pub fn deviation(goal: &Goal, obs: &Observed, margin: f64) -> f64 {
    let p = match *goal {
        Goal::Usage { low, high } => {
            let (low, high) = band(low, high);
            let u = utilization(obs);
            if u > high {
                u - high
            } else if u < low {
                u - low
            } else {
                0.0
            }
        }
        Goal::Metric { below, value } => {
            let met = observed(obs.metric);
            let target = retarget(below, value, margin);
            if below { met - target } else { target - met }
        }
        Goal::Shares { .. } | Goal::None => 0.0,
    };
    if p.is_nan() { 0.0 } else { p }
}

/// The goal value the convergence-rate form divides by [W230]: the middle of a usage band, the
/// (re-targeted) metric goal.
fn goal_value(goal: &Goal, margin: f64) -> f64 {
    match *goal {
        Goal::Usage { low, high } => 0.5 * (low + high),
        Goal::Metric { below, value } => retarget(below, value, margin),
        Goal::Shares { .. } | Goal::None => 0.0,
    }
}

/// The floor [cores] a group with an active SLO starts from: `gmincpu`, at least one core for
/// PSET groups.
fn active_floor(group: &Group) -> f64 {
    let g = observed(group.gmincpu);
    if group.pset { g.max(1.0) } else { g }
}

/// The SLO's request for its group's total allocation [cores], clamped to
/// `[mincpu, maxcpu]` (absent: `[0, ∞)`). Not rounded to the step: [`arbitrate`] rounds it up.
///
/// - Usage and metric goals, the controller [W225][W229][W230]:
///   `Kp(kp)`: `Δ = kp × P` shares;
///   `ConvergenceRate(r)`: `Δ = (r / 0.10) × (P / goal)` shares, where `goal` is the middle of
///   the usage band or the re-targeted metric goal, and `P / goal` becomes `P` when `goal = 0`;
///   then `new = allocation + Δ / 100` cores. Reading: WLM computes in shares and with
///   `absolute_cpu_units = 1` 100 shares are a core, so +P shares is +P/100 cores at `kp = 1`
///   (85 % against 50–75 on 2 cores → +10 shares → 2.10). The starting point is the observed
///   allocation, not the previous request (`cntl_base_previous_req` is UNCONFIRMED: a caller
///   that wants it passes the previous request as `allocation`).
/// - `Shares { cores: v, additive: false }` (`total`): `v` [W205].
/// - `Shares { cores: v, additive: true }` (`more`): the group's `gmincpu` (at least 1 core for
///   PSET groups) + `v`. Simplified from WLM, which adds `v` to the requests of the group's
///   higher-priority SLOs (`gmincpu` only when there are none) and to its other additive
///   requests at the same priority [W204]: the two agree for a group whose only SLO this is.
/// - `None`: `mincpu` (0 if absent) [W197].
///
/// Kp is clamped into [0, 1e6] (NaN → 1), `ConvergenceRate(0 or NaN)` means `Kp(1)`, a
/// negative rate counts as 0 (no change). The result is finite and ≥ 0; an unbounded request
/// that overflows is `f64::MAX` ("everything").
pub fn request(slo: &Slo, group: &Group, obs: &Observed, cfg: &Config) -> f64 {
    let lo = slo.mincpu.map_or(0.0, observed);
    let hi = match slo.maxcpu {
        Some(m) if !m.is_nan() => m.max(lo),
        _ => f64::INFINITY,
    };
    let raw = match slo.goal {
        Goal::Usage { .. } | Goal::Metric { .. } => {
            let p = deviation(&slo.goal, obs, slo.margin);
            let shares = match cfg.controller {
                Controller::ConvergenceRate(r) if r != 0.0 && !r.is_nan() => {
                    let goal = goal_value(&slo.goal, slo.margin);
                    let relative = if goal == 0.0 { p } else { p / goal };
                    r.clamp(0.0, KP_MAX) / 0.10 * relative
                }
                Controller::ConvergenceRate(_) => DEFAULT_KP * p,
                Controller::Kp(k) => {
                    let k = if k.is_nan() {
                        DEFAULT_KP
                    } else {
                        k.clamp(0.0, KP_MAX)
                    };
                    k * p
                }
            };
            observed(obs.allocation) + shares / SHARES_PER_CORE
        }
        Goal::Shares { cores, additive } => {
            let v = observed(cores);
            if additive { active_floor(group) + v } else { v }
        }
        Goal::None => lo,
    };
    let r = clamp(raw, lo, hi);
    if r.is_finite() { r } else { f64::MAX }
}

/// Units (steps) per core of a usable step: 1/step when that is a whole number in 1..=10^6
/// (0.01 → 100, 0.001 → 1000), else `None`.
fn per_core(step: f64) -> Option<f64> {
    if !(step.is_finite() && step > 0.0 && step <= 1.0) {
        return None;
    }
    let n = (1.0 / step).round();
    ((n * step - 1.0).abs() <= 1e-9 && n <= 1e6).then_some(n)
}

/// Whether `x` cores is a whole number of units of `grain` units (within float noise).
fn is_multiple(x: f64, per_core: f64, grain: f64) -> bool {
    let u = x * per_core / grain;
    (u - u.round()).abs() <= slack(u)
}

/// Deploy-time checks; `Err` names the group or SLO index, what is wrong and how to fix it.
///
/// - `cfg`: step 1/n for a whole n (0.01 or 0.001 in WLM); `idle_min` a multiple of it, ≥ 0;
///   `Kp` in [0, 1e6] [W227]; `ConvergenceRate` finite and ≥ 0; OTHERS a valid, FSS group
///   (OTHERS cannot be a PSET group [W163]);
/// - `capacity` finite and ≥ 0;
/// - each group: weight in [1e-9, 1e9] (WLM: an integer ≥ 1 [W179]); `gmincpu` finite ≥ 0;
///   `gmaxcpu` finite and ≥ `gmincpu` [W178]; both multiples of the step, whole cores for
///   PSET groups, whose `gmaxcpu` must be ≥ 1 (a PSET group holds at least one core);
/// - each SLO: a valid group; priority ≥ 1 [W193]; `mincpu`/`maxcpu` finite ≥ 0 and
///   `mincpu ≤ maxcpu`; margin in [0, 1] [W232]; usage bounds 0 ≤ low ≤ high ≤ 100 [W201];
///   metric goal value finite ≥ 0; cpushares finite ≥ 0;
/// - no group has both a goal SLO and an additive (`more`) cpushares SLO [W204][W471].
///
/// Σ `gmincpu` above the capacity is allowed: WLM then treats the minimums as top-priority
/// requests [W176]. "At most one goal per SLO" holds by construction of [`Goal`].
pub fn check(groups: &[Group], slos: &[Slo], capacity: f64, cfg: &Config) -> Result<(), String> {
    let Some(pc) = per_core(cfg.step) else {
        return Err(format!(
            "step {} must be 1/n core for a whole n; use 0.01 (100 shares per core) or 0.001 \
             (extended_shares)",
            cfg.step
        ));
    };
    let finite_amount = |v: f64| v.is_finite() && v >= 0.0;
    if !finite_amount(cfg.idle_min) || !is_multiple(cfg.idle_min, pc, 1.0) {
        return Err(format!(
            "idle_min {} must be a multiple of the step {} and ≥ 0, e.g. 0.01 (0.002 with \
             extended_shares)",
            cfg.idle_min, cfg.step
        ));
    }
    match cfg.controller {
        Controller::Kp(k) if !(0.0..=KP_MAX).contains(&k) => {
            return Err(format!(
                "cntl_kp {k} must lie in [0, 1000000]; the default is 1"
            ));
        }
        Controller::ConvergenceRate(r) if !finite_amount(r) => {
            return Err(format!(
                "cntl_convergence_rate {r} must be a finite number of shares ≥ 0, e.g. 1.0"
            ));
        }
        _ => {}
    }
    if let Some(o) = cfg.others {
        match groups.get(o) {
            None => {
                return Err(format!(
                    "OTHERS is group {o}, but there are only {} groups",
                    groups.len()
                ));
            }
            Some(g) if g.pset => {
                return Err(format!(
                    "group {o}: OTHERS cannot be a PSET group; make it an FSS group"
                ));
            }
            Some(_) => {}
        }
    }
    if !finite_amount(capacity) {
        return Err(format!(
            "capacity {capacity} must be a finite number of cores ≥ 0"
        ));
    }
    for (i, g) in groups.iter().enumerate() {
        check_group(i, g, pc)?;
    }
    for (i, s) in slos.iter().enumerate() {
        check_slo(i, s, groups.len())?;
    }
    for (i, s) in slos.iter().enumerate() {
        if !matches!(s.goal, Goal::Shares { additive: true, .. }) {
            continue;
        }
        let goal = slos.iter().position(|t| {
            t.group == s.group && matches!(t.goal, Goal::Usage { .. } | Goal::Metric { .. })
        });
        if let Some(j) = goal {
            return Err(format!(
                "slo {i}: additive cpushares (more) on group {}, which also has the goal SLO \
                 {j}; WLM forbids mixing them in one group: use cpushares total or move one SLO",
                s.group
            ));
        }
    }
    Ok(())
}

fn check_group(i: usize, g: &Group, pc: f64) -> Result<(), String> {
    let w = g.weight;
    if !(w >= WEIGHT_RANGE.0 && w <= WEIGHT_RANGE.1) {
        return Err(format!(
            "group {i}: weight {w} must lie in [{}, {}]; WLM's default is 1",
            WEIGHT_RANGE.0, WEIGHT_RANGE.1
        ));
    }
    let (grain, what) = if g.pset {
        (pc, "a whole number of cores (PSET group)")
    } else {
        (1.0, "a multiple of the step")
    };
    let mut amounts = [("gmincpu", g.gmincpu), ("gmaxcpu", 0.0)];
    let n = if let Some(m) = g.gmaxcpu {
        amounts[1].1 = m;
        2
    } else {
        1
    };
    for &(name, v) in &amounts[..n] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(format!(
                "group {i}: {name} {v} must be a finite number of cores ≥ 0"
            ));
        }
        if !is_multiple(v, pc, grain) {
            return Err(format!("group {i}: {name} {v} must be {what}; round it"));
        }
    }
    if let Some(m) = g.gmaxcpu {
        if m < g.gmincpu {
            return Err(format!(
                "group {i}: gmaxcpu {m} is below gmincpu {}; raise gmaxcpu",
                g.gmincpu
            ));
        }
        if g.pset && m < 1.0 {
            return Err(format!(
                "group {i}: gmaxcpu {m} of a PSET group must be ≥ 1 core; a PSET holds at \
                 least one"
            ));
        }
    }
    Ok(())
}

fn check_slo(i: usize, s: &Slo, groups: usize) -> Result<(), String> {
    if s.group >= groups {
        return Err(format!(
            "slo {i}: group {} does not exist (there are {groups} groups)",
            s.group
        ));
    }
    if s.priority == 0 {
        return Err(format!("slo {i}: priority must be ≥ 1 (1 = highest)"));
    }
    for (name, v) in [("mincpu", s.mincpu), ("maxcpu", s.maxcpu)] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(format!(
                "slo {i}: {name} {v} must be a finite number of cores ≥ 0"
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (s.mincpu, s.maxcpu)
        && lo > hi
    {
        return Err(format!(
            "slo {i}: mincpu {lo} exceeds maxcpu {hi}; swap them"
        ));
    }
    if !(s.margin >= 0.0 && s.margin <= 1.0) {
        return Err(format!(
            "slo {i}: cntl_margin {} must lie in [0, 1]; the default is 0.1",
            s.margin
        ));
    }
    match s.goal {
        Goal::Usage { low, high } => {
            if !(low >= 0.0 && low <= high && high <= 100.0) {
                return Err(format!(
                    "slo {i}: usage bounds {low}–{high} must satisfy 0 ≤ low ≤ high ≤ 100 \
                     (percent)"
                ));
            }
        }
        Goal::Metric { value, .. } => {
            if !(value.is_finite() && value >= 0.0) {
                return Err(format!(
                    "slo {i}: metric goal value {value} must be finite and ≥ 0"
                ));
            }
        }
        Goal::Shares { cores, .. } => {
            if !(cores.is_finite() && cores >= 0.0) {
                return Err(format!(
                    "slo {i}: cpushares {cores} must be a finite number of cores ≥ 0"
                ));
            }
        }
        Goal::None => {}
    }
    Ok(())
}

/// Buffers reused across calls so that [`arbitrate`] allocates nothing. Amounts inside are
/// counted in units of the step (whole numbers held in f64).
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    floor: Vec<f64>,
    cap: Vec<f64>,
    /// The whole capacity in the group's grain: how far OTHERS may take the excess.
    top: Vec<f64>,
    weight: Vec<f64>,
    alloc: Vec<f64>,
    target: Vec<f64>,
    x: Vec<f64>,
    lim: Vec<f64>,
    frac: Vec<f64>,
    order: Vec<usize>,
    pset: Vec<bool>,
    has_slo: Vec<bool>,
    /// Per SLO: its request rounded up to its group's grain.
    req: Vec<f64>,
}

impl Scratch {
    /// Buffers for up to `groups` groups and `slos` SLOs.
    pub fn new(groups: usize, slos: usize) -> Self {
        let mut s = Scratch::default();
        s.grow(groups, slos);
        s
    }

    fn grow(&mut self, n: usize, slos: usize) {
        if self.alloc.len() < n {
            for v in [
                &mut self.floor,
                &mut self.cap,
                &mut self.top,
                &mut self.weight,
                &mut self.alloc,
                &mut self.target,
                &mut self.x,
                &mut self.lim,
                &mut self.frac,
            ] {
                v.resize(n, 0.0);
            }
            self.order.resize(n, 0);
            self.pset.resize(n, false);
            self.has_slo.resize(n, false);
        }
        if self.req.len() < slos {
            self.req.resize(slos, 0.0);
        }
    }
}

/// `cores` rounded up to a multiple of `grain` units. Requests come from measured demand
/// stored in f32 (about 7 significant digits), so a request within 1/10,000 of a grain above
/// a multiple is that multiple: rounding such noise up would grant a whole extra share, or a
/// whole extra core to a PSET group (whose grain is a core: the noise is a ten-thousandth of
/// it, not of a share).
fn ceil_units(cores: f64, per_core: f64, grain: f64) -> f64 {
    let g = cores * per_core / grain;
    (g - REQUEST_NOISE - slack(g)).ceil().max(0.0) * grain
}

/// Below this many units above a multiple, a request counts as that multiple.
const REQUEST_NOISE: f64 = 1e-4;

/// `cores` rounded down to a multiple of `grain` units (float noise below a multiple does not
/// round down).
fn floor_units(cores: f64, per_core: f64, grain: f64) -> f64 {
    let u = cores * per_core;
    ((u + slack(u)) / grain).floor().max(0.0) * grain
}

/// One WLM arbitration: writes each group's allocation [cores] into `out` and, for each SLO,
/// whether its group's allocation reaches its request into `met`.
///
/// `slos` are the *active* SLOs (an inactive SLO's group simply gets its floor [W96]);
/// `requests[s]` is SLO `s`'s request [cores], normally [`request`]. Steps (DOMAIN.md §2.2,
/// §7.3):
/// 1. Floors: `gmincpu`; PSET groups at least 1 core; FSS groups with no active SLO, and
///    OTHERS always, at least `idle_min` [W206][W219]. If the floors exceed the capacity they
///    are treated as top-priority requests, split by weight (step 2's tide from zero) [W176].
/// 2. For each priority present, highest (1) first: each group's target is the largest of its
///    SLOs' requests at this priority, capped by `gmaxcpu` (none: the capacity [W178]); a
///    target below what the group holds changes nothing. If the targets fit they are granted;
///    otherwise the weighted rising tide [WR][W179]: the level `L` with
///    `Σ clamp(L·wᵢ, haveᵢ, targetᵢ) = capacity`, so unmet groups end with equal
///    allocation ÷ weight, nobody loses what it already holds (a higher priority's gain is
///    never cut) and nobody passes its request while another at this priority is short.
///    Within a group, SLOs of the same priority thus need the largest of their requests.
/// 3. Excess: without `distribute_excess` all of it to OTHERS; with it, first by the same tide
///    to every group with an active SLO up to its `gmaxcpu`, then what is left to OTHERS
///    [W219][W182]. OTHERS takes the excess even beyond its own `gmaxcpu`, as the manual says
///    for the distributed case ("as usual") [W219]. With `others: None` the rest stays
///    unallocated.
///
/// Quantisation happens inside each step, so every result is a multiple of the step (PSET
/// groups: whole cores) and Σ out ≤ capacity:
/// - requests round up to the group's grain (a met request stays met; a PSET group asking
///   2.1 cores needs 3); `gmaxcpu` rounds down;
/// - a contended tide is rounded PSET groups first: each down to whole cores, then the PSET
///   groups together get back `round(Σ fractions)` cores, one each by largest fraction (ties
///   to the lower index), as far as the capacity allows; then the FSS groups at that priority
///   re-run the tide on what is left and are rounded the same way to the step, handing out
///   every whole step. So an unmet FSS request leaves nothing for lower priorities; an unmet
///   PSET request may leave less than one core, which the PSET group cannot use and lower
///   priorities (or the excess) then get.
///
/// `met[s]` is `out[group] ≥ requests[s]` (exactly: the allocation reaches the request rounded
/// up to the grain). A request above `gmaxcpu` is never met, and lower priorities proceed.
///
/// Robustness: `requests` shorter than `slos` → the missing count as 0; `out`/`met` shorter →
/// only their length is written; an SLO naming no group is ignored (`met` false). Allocates
/// only if `scratch` was made for fewer groups or SLOs, or more than 32 groups rise at once. A configuration failing [`check`]
/// never panics: NaN/negative amounts count as 0, a NaN or infinite `gmaxcpu` as absent,
/// `gmaxcpu` below the floor is raised to it, weights are clamped into [1e-9, 1e9] (NaN → 1),
/// priority 0 is simply the most urgent, an unusable step means 0.01, an invalid `others`
/// means none, a capacity that is NaN, infinite or negative counts as 0, and one above 2^40
/// steps is cut to that.
// Capacity, model, inputs, tunables, scratch and two outputs: a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn arbitrate(
    capacity: f64,
    groups: &[Group],
    slos: &[Slo],
    requests: &[f64],
    cfg: &Config,
    scratch: &mut Scratch,
    out: &mut [f64],
    met: &mut [bool],
) {
    let n = groups.len();
    let pc = per_core(cfg.step).unwrap_or(1.0 / STEP);
    let capacity = observed(capacity).min(MAX_UNITS / pc);
    let total = floor_units(capacity, pc, 1.0);
    let others = cfg.others.filter(|&o| o < n);
    let idle = ceil_units(observed(cfg.idle_min).min(capacity), pc, 1.0);
    scratch.grow(n, slos.len());

    // Groups, in units.
    let s = &mut *scratch;
    s.has_slo[..n].fill(false);
    for slo in slos {
        if slo.group < n {
            s.has_slo[slo.group] = true;
        }
    }
    for (g, grp) in groups.iter().enumerate() {
        let grain = if grp.pset { pc } else { 1.0 };
        let mut floor = ceil_units(observed(grp.gmincpu).min(capacity + 1.0), pc, grain);
        if grp.pset {
            floor = floor.max(pc);
        } else if !s.has_slo[g] || others == Some(g) {
            floor = floor.max(idle);
        }
        let top = floor_units(capacity, pc, grain);
        let cap = match grp.gmaxcpu {
            Some(m) if m.is_finite() => floor_units(m.max(0.0).min(capacity), pc, grain),
            _ => top,
        };
        s.pset[g] = grp.pset;
        s.floor[g] = floor;
        s.cap[g] = cap.max(floor);
        s.top[g] = top.max(floor);
        s.weight[g] = if grp.weight.is_nan() {
            1.0
        } else {
            grp.weight.clamp(WEIGHT_RANGE.0, WEIGHT_RANGE.1)
        };
    }
    for (i, slo) in slos.iter().enumerate() {
        let r = requests.get(i).copied().unwrap_or(0.0);
        let r = if r > 0.0 {
            r.min(2.0 * capacity + 2.0)
        } else {
            0.0
        };
        let grain = if slo.group < n && groups[slo.group].pset {
            pc
        } else {
            1.0
        };
        s.req[i] = ceil_units(r, pc, grain);
    }

    // 1. Floors [W176][W206].
    if s.floor[..n].iter().sum::<f64>() <= total {
        s.alloc[..n].copy_from_slice(&s.floor[..n]);
    } else {
        s.alloc[..n].fill(0.0);
        s.target[..n].copy_from_slice(&s.floor[..n]);
        fill(total, n, pc, s);
    }

    // 2. Priorities, 1 first [WR][W49][W179].
    let mut last: Option<u32> = None;
    loop {
        let next = slos
            .iter()
            .filter(|slo| slo.group < n && last.is_none_or(|p| slo.priority > p))
            .map(|slo| slo.priority)
            .min();
        let Some(p) = next else { break };
        s.target[..n].copy_from_slice(&s.alloc[..n]);
        for (i, slo) in slos.iter().enumerate() {
            if slo.group < n && slo.priority == p {
                let g = slo.group;
                s.target[g] = s.target[g].max(s.req[i].min(s.cap[g]));
            }
        }
        fill(total, n, pc, s);
        last = Some(p);
    }

    // 3. Excess [W219][W182].
    if cfg.distribute_excess {
        for g in 0..n {
            s.target[g] = if s.has_slo[g] { s.cap[g] } else { s.alloc[g] };
        }
        fill(total, n, pc, s);
    }
    if let Some(o) = others {
        s.target[..n].copy_from_slice(&s.alloc[..n]);
        s.target[o] = s.top[o];
        fill(total, n, pc, s);
    }

    for (i, (m, slo)) in met.iter_mut().zip(slos).enumerate() {
        *m = slo.group < n && s.alloc[slo.group] >= s.req[i];
    }
    for (o, a) in out.iter_mut().zip(&s.alloc[..n]) {
        *o = a / pc;
    }
}

/// Raises `scratch.alloc` towards `scratch.target` (both in units, multiples of each group's
/// grain: `per_core` for PSET groups, 1 otherwise) without the total passing `total` units.
/// All targets if they fit; else the weighted rising tide, quantised as described at
/// [`arbitrate`]. Never lowers an allocation.
fn fill(total: f64, n: usize, per_core: f64, scratch: &mut Scratch) {
    let Scratch {
        alloc,
        target,
        weight,
        pset,
        x,
        lim,
        frac,
        order,
        ..
    } = scratch;
    let (alloc, target, weight, pset) = (&mut alloc[..n], &target[..n], &weight[..n], &pset[..n]);
    let (x, lim, frac, order) = (&mut x[..n], &mut lim[..n], &mut frac[..n], &mut order[..n]);

    let spare = total - alloc.iter().sum::<f64>();
    if spare < 1.0 {
        return;
    }
    let want: f64 = alloc
        .iter()
        .zip(target.iter())
        .map(|(a, t)| (t - a).max(0.0))
        .sum();
    if want <= spare {
        for (a, t) in alloc.iter_mut().zip(target) {
            *a = a.max(*t);
        }
        return;
    }

    // The continuous tide over everyone below target.
    x.copy_from_slice(alloc);
    for ((l, t), a) in lim.iter_mut().zip(target).zip(alloc.iter()) {
        *l = t.max(*a);
    }
    rise(spare, x, lim, weight);

    // PSET groups: whole cores, round(Σ fractions) of them back by largest fraction.
    let mut sum_frac = 0.0;
    for i in 0..n {
        frac[i] = -1.0;
        if pset[i] && lim[i] > alloc[i] {
            let base = (((x[i] - slack(x[i])) / per_core).floor() * per_core)
                .max(alloc[i])
                .min(lim[i]);
            frac[i] = (x[i] - base) / per_core;
            sum_frac += frac[i];
            alloc[i] = base;
        }
    }
    let spare = total - alloc.iter().sum::<f64>();
    let cores = sum_frac.round().min((spare / per_core).floor());
    hand_out(cores, per_core, alloc, lim, frac, order);

    // FSS groups: the tide again over what is left, then every whole step by largest fraction.
    let mut any = false;
    for i in 0..n {
        if !pset[i] && target[i] > alloc[i] {
            lim[i] = target[i];
            any = true;
        } else {
            lim[i] = alloc[i];
        }
    }
    let spare = total - alloc.iter().sum::<f64>();
    if !any || spare < 1.0 {
        return;
    }
    x.copy_from_slice(alloc);
    rise(spare, x, lim, weight);
    let mut sum_frac = 0.0;
    for i in 0..n {
        frac[i] = -1.0;
        if lim[i] > alloc[i] {
            let base = (x[i] - slack(x[i])).floor().max(alloc[i]).min(lim[i]);
            frac[i] = x[i] - base;
            sum_frac += frac[i];
            alloc[i] = base;
        }
    }
    let spare = total - alloc.iter().sum::<f64>();
    let steps = (sum_frac + 1e-6).floor().min(spare);
    hand_out(steps, 1.0, alloc, lim, frac, order);
}

/// Adds `unit` to up to `count` allocations, largest `frac` first (ties to the lower index),
/// only where `frac > 0` and the result stays within `lim`.
fn hand_out(
    mut count: f64,
    unit: f64,
    alloc: &mut [f64],
    lim: &[f64],
    frac: &[f64],
    order: &mut [usize],
) {
    if count.is_nan() || count < 1.0 {
        return;
    }
    for (k, o) in order.iter_mut().enumerate() {
        *o = k;
    }
    order.sort_unstable_by(|&i, &j| frac[j].total_cmp(&frac[i]).then(i.cmp(&j)));
    for &i in order.iter() {
        if count < 1.0 || frac[i] <= 0.0 {
            break;
        }
        if alloc[i] + unit <= lim[i] {
            alloc[i] += unit;
            count -= 1.0;
        }
    }
}

/// Weighted rising tide [WR][W179]: raises `x[i]` towards `lim[i]` using at most `extra`, so
/// that those not at their limit end at `L·w[i]` for one level `L` and those already above it
/// keep what they have ([`waterfill::rise`], with no tolerance: the units are then rounded).
fn rise(extra: f64, x: &mut [f64], lim: &[f64], w: &[f64]) {
    waterfill::rise(extra, x, lim, w, 0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fss(gmincpu: f64, gmaxcpu: Option<f64>, weight: f64) -> Group {
        Group {
            gmincpu,
            gmaxcpu,
            weight,
            pset: false,
        }
    }

    fn pset(gmincpu: f64, gmaxcpu: Option<f64>, weight: f64) -> Group {
        Group {
            pset: true,
            ..fss(gmincpu, gmaxcpu, weight)
        }
    }

    fn slo(group: usize, priority: u32, goal: Goal) -> Slo {
        Slo {
            group,
            priority,
            goal,
            mincpu: None,
            maxcpu: None,
            margin: DEFAULT_MARGIN,
        }
    }

    /// An SLO whose request the test passes directly.
    fn at(group: usize, priority: u32) -> Slo {
        slo(group, priority, Goal::None)
    }

    fn seen(allocation: f64, consumed: f64) -> Observed {
        Observed {
            allocation,
            consumed,
            metric: 0.0,
        }
    }

    fn metric(allocation: f64, value: f64) -> Observed {
        Observed {
            allocation,
            consumed: 0.0,
            metric: value,
        }
    }

    fn run(
        capacity: f64,
        groups: &[Group],
        slos: &[Slo],
        requests: &[f64],
        cfg: &Config,
    ) -> (Vec<f64>, Vec<bool>) {
        assert_eq!(check(groups, slos, capacity, cfg), Ok(()));
        let mut out = vec![f64::NAN; groups.len()];
        let mut met = vec![false; slos.len()];
        let mut scratch = Scratch::new(groups.len(), slos.len());
        arbitrate(
            capacity,
            groups,
            slos,
            requests,
            cfg,
            &mut scratch,
            &mut out,
            &mut met,
        );
        (out, met)
    }

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "got {got:?}, want {want:?}");
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    const BAND: Goal = Goal::Usage {
        low: 50.0,
        high: 75.0,
    };

    /// DOMAIN §2.2 [W226]: usage 50–75. On 2 cores: 1.7 used = 85 % → P = 85 − 75 = 10;
    /// 1.2 = 60 % → inside the band → 0; 0.8 = 40 % → P = 40 − 50 = −10. The band edges
    /// themselves (75 %, 50 %) are inside: 0.
    #[test]
    fn usage_deviation_is_distance_outside_the_band() {
        let p = |consumed: f64| deviation(&BAND, &seen(2.0, consumed), DEFAULT_MARGIN);
        assert!(close(p(1.7), 10.0));
        assert_eq!(p(1.2), 0.0);
        assert!(close(p(0.8), -10.0));
        assert_eq!(p(1.5), 0.0);
        assert_eq!(p(1.0), 0.0);
        // Borrowing idle cycles: 3 used on 2 allocated = 150 % → P = 75.
        assert!(close(p(3.0), 75.0));
        // cntl_margin is for metric goals only [W232]: no effect here.
        assert!(close(deviation(&BAND, &seen(2.0, 1.7), 0.9), 10.0));
    }

    /// DOMAIN §2.1 [W201]: low default 50, high default = low, both absent → 50–75.
    #[test]
    fn usage_goal_defaults() {
        assert_eq!(Goal::usage(None, None), BAND);
        assert_eq!(
            Goal::usage(Some(60.0), None),
            Goal::Usage {
                low: 60.0,
                high: 60.0
            }
        );
        assert_eq!(
            Goal::usage(Some(60.0), Some(80.0)),
            Goal::Usage {
                low: 60.0,
                high: 80.0
            }
        );
        assert_eq!(
            Goal::usage(None, Some(80.0)),
            Goal::Usage {
                low: 50.0,
                high: 80.0
            }
        );
        // A single bound is a point band: 85 % against 60–60 → P = 25; 40 % → −20.
        let g = Goal::usage(Some(60.0), None);
        assert!(close(deviation(&g, &seen(2.0, 1.7), 0.1), 25.0));
        assert!(close(deviation(&g, &seen(2.0, 0.8), 0.1), -20.0));
    }

    /// DOMAIN §2.2 [W225][W226][W232]: `met < value` → P = met − value; `met > value` →
    /// P = value − met; the margin re-targets X to X − 0.1·X (to X + 0.1·X for `>`: the safe
    /// side, [W232] "up or down based on whether the goal is > or <").
    #[test]
    fn metric_deviation_signs_and_margin() {
        let below = |v| Goal::Metric {
            below: true,
            value: v,
        };
        // The manual's example: response time < 2, measured 3, no margin → P = 3 − 2 = 1.
        assert!(close(deviation(&below(2.0), &metric(1.0, 3.0), 0.0), 1.0));
        // < 3.0 with margin 0.1 → target 3 − 0.3 = 2.7: at 3.0 → P = 0.3 (grow); at 2.0 →
        // P = 2.0 − 2.7 = −0.7 (shrink).
        assert!(close(deviation(&below(3.0), &metric(1.0, 3.0), 0.1), 0.3));
        assert!(close(deviation(&below(3.0), &metric(1.0, 2.0), 0.1), -0.7));
        // throughput > 100 with margin 0.1 → target 110: at 90 → P = 110 − 90 = 20; at 120
        // → −10.
        let above = Goal::Metric {
            below: false,
            value: 100.0,
        };
        assert!(close(deviation(&above, &metric(1.0, 90.0), 0.1), 20.0));
        assert!(close(deviation(&above, &metric(1.0, 120.0), 0.1), -10.0));
        // Shares and no-goal SLOs have no deviation.
        let shares = Goal::Shares {
            cores: 1.0,
            additive: false,
        };
        assert_eq!(deviation(&shares, &seen(2.0, 2.0), 0.1), 0.0);
        assert_eq!(deviation(&Goal::None, &seen(2.0, 2.0), 0.1), 0.0);
    }

    /// DOMAIN §2.2 [W225][W227]: new = last + kp × P shares, 100 shares per core.
    /// 2 cores at 85 % (1.7 used), band 50–75: P = 10 → 2 + 1 × 10 shares = 2 + 0.10 = 2.10.
    /// kp 2 → 2 + 20 shares = 2.20. kp 0 → no change [W228]. At 60 % (inside) → 2.
    #[test]
    fn kp_controller_moves_p_shares() {
        let s = slo(0, 1, BAND);
        let g = fss(0.0, None, 1.0);
        let with = |kp| Config {
            controller: Controller::Kp(kp),
            ..Config::default()
        };
        assert!(close(request(&s, &g, &seen(2.0, 1.7), &with(1.0)), 2.10));
        assert!(close(request(&s, &g, &seen(2.0, 1.7), &with(2.0)), 2.20));
        assert_eq!(request(&s, &g, &seen(2.0, 1.7), &with(0.0)), 2.0);
        assert_eq!(request(&s, &g, &seen(2.0, 1.2), &with(1.0)), 2.0);
        // Below the band: 40 % → P = −10 → 2 − 0.10 = 1.90.
        assert!(close(request(&s, &g, &seen(2.0, 0.8), &with(1.0)), 1.90));
        // Metric goal: response time < 3.0, margin 0.1 → target 2.7; measured 3.7 → P = 1.0
        // → +1 share → 2.01.
        let m = slo(
            0,
            1,
            Goal::Metric {
                below: true,
                value: 3.0,
            },
        );
        assert!(close(request(&m, &g, &metric(2.0, 3.7), &with(1.0)), 2.01));
    }

    /// DOMAIN §2.2 [W229][W230]: new = last + (rate / 0.10) × (P / goal) shares, goal = the
    /// middle of the usage band. Rate 1.0, band 50–75 → goal 62.5; 85 % → P = 10:
    /// (1.0 / 0.10) × (10 / 62.5) = 10 × 0.16 = 1.6 shares = 0.016 core → 2.016.
    #[test]
    fn convergence_rate_controller() {
        let s = slo(0, 1, BAND);
        let g = fss(0.0, None, 1.0);
        let rate = |r| Config {
            controller: Controller::ConvergenceRate(r),
            ..Config::default()
        };
        assert!(close(request(&s, &g, &seen(2.0, 1.7), &rate(1.0)), 2.016));
        // "rate = shares moved per 10 % deviation": P/goal = 0.1 (util 68.75 against a point
        // band 62.5–62.5: P = 6.25, 6.25 / 62.5 = 0.1) moves exactly `rate` = 3 shares → 2.03.
        let point = slo(
            0,
            1,
            Goal::Usage {
                low: 62.5,
                high: 62.5,
            },
        );
        assert!(close(
            request(&point, &g, &seen(2.0, 1.375), &rate(3.0)),
            2.03
        ));
        // goal = 0 → P / goal becomes P: band 0–0 at 40 % → P = 40 → 10 × 40 = 400 shares
        // = 4 cores → 6.
        let zero = slo(
            0,
            1,
            Goal::Usage {
                low: 0.0,
                high: 0.0,
            },
        );
        assert!(close(request(&zero, &g, &seen(2.0, 0.8), &rate(1.0)), 6.0));
        // Metric goal: < 3.0 with margin 0.1 → goal 2.7; measured 3.24 → P = 0.54,
        // P / goal = 0.2 → 10 × 0.2 = 2 shares → 2.02.
        let m = slo(
            0,
            1,
            Goal::Metric {
                below: true,
                value: 3.0,
            },
        );
        assert!(close(request(&m, &g, &metric(2.0, 3.24), &rate(1.0)), 2.02));
        // Rate 0 does not override kp: it is the kp form with kp 1 → 2.10.
        assert!(close(request(&s, &g, &seen(2.0, 1.7), &rate(0.0)), 2.10));
    }

    /// [W196]: mincpu/maxcpu bound the request. 2.10 with maxcpu 2.05 → 2.05. At 10 % (0.2
    /// used) P = 10 − 50 = −40 → 2 − 0.40 = 1.60; with mincpu 1.8 → 1.8. Without mincpu the
    /// floor is 0: 0.1 core at 0 % → 0.1 − 0.5 → 0.
    #[test]
    fn request_clamped_to_mincpu_maxcpu() {
        let g = fss(0.0, None, 1.0);
        let cfg = Config::default();
        let mut s = slo(0, 1, BAND);
        s.maxcpu = Some(2.05);
        assert_eq!(request(&s, &g, &seen(2.0, 1.7), &cfg), 2.05);
        assert!(close(request(&s, &g, &seen(2.0, 0.2), &cfg), 1.60));
        s.mincpu = Some(1.8);
        assert_eq!(request(&s, &g, &seen(2.0, 0.2), &cfg), 1.8);
        assert_eq!(request(&slo(0, 1, BAND), &g, &seen(0.1, 0.0), &cfg), 0.0);
    }

    /// [W204][W205][W474][W197]: the manual's additive example: gmincpu 20 shares,
    /// `cpushares = 5 more per metric` with 3 processes → 15 shares → request 15 + 20 = 35
    /// shares = 0.35 core; the `total` form requests 0.15, which the group's gmincpu 0.20
    /// already covers. No goal, no cpushares → mincpu, or 0.
    #[test]
    fn shares_and_no_goal_requests() {
        let g = fss(0.20, None, 1.0);
        let cfg = Config::default();
        let o = seen(1.0, 1.0);
        let more = slo(
            0,
            1,
            Goal::Shares {
                cores: 0.15,
                additive: true,
            },
        );
        let total = slo(
            0,
            1,
            Goal::Shares {
                cores: 0.15,
                additive: false,
            },
        );
        assert!(close(request(&more, &g, &o, &cfg), 0.35));
        assert_eq!(request(&total, &g, &o, &cfg), 0.15);
        let (out, met) = run(1.0, &[g], &[total], &[0.15], &cfg);
        assert_eq!((out, met), (vec![0.2], vec![true]));
        // maxcpu 0.5 in the manual's example bounds it: 3 cores total → 0.5.
        let mut big = slo(
            0,
            1,
            Goal::Shares {
                cores: 3.0,
                additive: false,
            },
        );
        big.maxcpu = Some(0.5);
        assert_eq!(request(&big, &g, &o, &cfg), 0.5);
        // PSET group: its floor is at least one core → `more 1.5` asks 1 + 1.5 = 2.5.
        let p = pset(0.0, None, 1.0);
        let more = slo(
            0,
            1,
            Goal::Shares {
                cores: 1.5,
                additive: true,
            },
        );
        assert_eq!(request(&more, &p, &o, &cfg), 2.5);
        let mut none = slo(0, 1, Goal::None);
        assert_eq!(request(&none, &g, &o, &cfg), 0.0);
        none.mincpu = Some(0.5);
        assert_eq!(request(&none, &g, &o, &cfg), 0.5);
    }

    /// NaN, infinite and negative readings count as 0: a usage goal then sees 0 % and
    /// shrinks (P = 0 − 50 = −50 → 2 − 0.5 = 1.5 when the allocation reads 2); with the
    /// allocation broken too it starts from 0 → mincpu. A broken metric reads 0: < 3.0 goal
    /// (target 2.7) → P = −2.7 → 2 − 0.027 = 1.973.
    #[test]
    fn broken_observations_count_as_zero() {
        let g = fss(0.0, None, 1.0);
        let cfg = Config::default();
        let mut s = slo(0, 1, BAND);
        s.mincpu = Some(0.25);
        let m = slo(
            0,
            1,
            Goal::Metric {
                below: true,
                value: 3.0,
            },
        );
        for bad in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(close(request(&s, &g, &seen(2.0, bad), &cfg), 1.5));
            assert_eq!(request(&s, &g, &seen(bad, bad), &cfg), 0.25);
            assert!(close(request(&m, &g, &metric(2.0, bad), &cfg), 1.973));
            assert!(!deviation(&BAND, &seen(bad, bad), bad).is_nan());
        }
        // NaN goal values: no deviation rather than NaN.
        let nan = Goal::Usage {
            low: f64::NAN,
            high: f64::NAN,
        };
        assert_eq!(deviation(&nan, &seen(2.0, 1.0), 0.1), 0.0);
    }

    /// [WR][W179]: requests 1, 3, 5 at one priority in 6 cores, weights 1, minimums 0.
    /// The tide raises all three together from 0; at 1 the first is met (3 cores used), then
    /// the other two rise together with the 3 left: +1.5 each → 1, 2.5, 2.5.
    /// Equivalently L: min(L, 1) + min(L, 3) + min(L, 5) = 6 → L = 2.5.
    #[test]
    fn rising_tide_lowest_first_then_together() {
        let groups = [fss(0.0, None, 1.0); 3];
        let slos = [at(0, 1), at(1, 1), at(2, 1)];
        let cfg = Config::default();
        let (out, met) = run(6.0, &groups, &slos, &[1.0, 3.0, 5.0], &cfg);
        assert_close(&out, &[1.0, 2.5, 2.5]);
        assert_eq!(met, vec![true, false, false]);
    }

    /// [W179]: weights 1, 1, 2 — unmet groups equalise allocation ÷ weight. The first is met
    /// at 1; then L + 2L = 6 − 1 → L = 5/3 → 1.667 and 3.333 (ratio 2, both below their
    /// requests 3 and 5). In steps of 0.01: 166.67 and 333.33 steps → 1.66 and 3.33 with one
    /// step left (599 of 600), which goes to the larger fraction (0.67 > 0.33) → 1.67, 3.33.
    #[test]
    fn rising_tide_equalises_allocation_per_weight() {
        let groups = [
            fss(0.0, None, 1.0),
            fss(0.0, None, 1.0),
            fss(0.0, None, 2.0),
        ];
        let slos = [at(0, 1), at(1, 1), at(2, 1)];
        let (out, met) = run(6.0, &groups, &slos, &[1.0, 3.0, 5.0], &Config::default());
        assert_close(&out, &[1.0, 1.67, 3.33]);
        assert_eq!(met, vec![true, false, false]);
    }

    /// The manual's rising-tide figure ([WR]; WLM guide fig. 3-2): 1 core = 100 shares, every
    /// group has gmincpu 1 share, OTHERS (no SLO) keeps its 1 share. Priority 1: A 15, B 25 →
    /// both fit. Priority 2: A, B, C ask 60 each with 58 shares left: C rises from 1 to 15
    /// (+14), then A and C to 25 (+10 each), then all three +8 → 33, 33, 33 (99 + OTHERS 1).
    #[test]
    fn manual_rising_tide_figure() {
        let groups = [fss(0.01, None, 1.0); 4];
        let slos = [at(0, 1), at(1, 1), at(0, 2), at(1, 2), at(2, 2)];
        let cfg = Config {
            others: Some(3),
            ..Config::default()
        };
        let (out, met) = run(1.0, &groups, &slos, &[0.15, 0.25, 0.6, 0.6, 0.6], &cfg);
        assert_close(&out, &[0.33, 0.33, 0.33, 0.01]);
        assert_eq!(met, vec![true, true, false, false, false]);
    }

    /// The manual's weight example ([W179]–[W181], Table 5-1): 100 shares; higher priorities
    /// left A 10, B 20, C 10, OTHERS 0; weights 5, 2, 5, 8; requests 15, 60, 70, 80.
    /// Tide: clamp(5L, 10, 15) + clamp(2L, 20, 60) + clamp(5L, 10, 70) + clamp(8L, 0, 80)
    /// = 100 → at L = 5: 15 (met) + 20 (B keeps its 20 > 2·5) + 25 + 40 = 100. The manual's
    /// final column: 15, 20, 25, 40. (OTHERS here is an ordinary group with an SLO, gmincpu 0.)
    #[test]
    fn manual_weight_table() {
        let groups = [
            fss(0.0, None, 5.0),
            fss(0.0, None, 2.0),
            fss(0.0, None, 5.0),
            fss(0.0, None, 8.0),
        ];
        let slos = [
            at(0, 1),
            at(1, 1),
            at(2, 1),
            at(0, 2),
            at(1, 2),
            at(2, 2),
            at(3, 2),
        ];
        let requests = [0.10, 0.20, 0.10, 0.15, 0.60, 0.70, 0.80];
        let (out, _) = run(1.0, &groups, &slos, &requests, &Config::default());
        assert_close(&out, &[0.15, 0.20, 0.25, 0.40]);
    }

    /// [W49]: priority 1 in full before priority 2 gets more than its gmincpu, whatever the
    /// weights. X (4) and Y (3) at priority 1; Z at priority 2, weight 100, gmincpu 1, asks 10.
    /// Capacity 10: floors 0, 0, 1; X 4 and Y 3 fit in the 9 left; Z gets the last 2 → 3.
    /// Capacity 7: 6 left for X and Y: min(L, 4) + min(L, 3) = 6 → L = 3 → 3, 3; Z stays 1.
    #[test]
    fn higher_priority_met_in_full_first() {
        let groups = [
            fss(0.0, None, 1.0),
            fss(0.0, None, 1.0),
            fss(1.0, None, 100.0),
        ];
        let slos = [at(0, 1), at(1, 1), at(2, 2)];
        let cfg = Config::default();
        let (out, met) = run(10.0, &groups, &slos, &[4.0, 3.0, 10.0], &cfg);
        assert_close(&out, &[4.0, 3.0, 3.0]);
        assert_eq!(met, vec![true, true, false]);
        let (out, met) = run(7.0, &groups, &slos, &[4.0, 3.0, 10.0], &cfg);
        assert_close(&out, &[3.0, 3.0, 1.0]);
        assert_eq!(met, vec![false, true, false]);
    }

    /// [W49] "must meet" + "stretch": A asks 2 at priority 1 and 4 at priority 2, B asks 3 at
    /// priority 1, capacity 6. Priority 1: A 2, B 3 (1 core left). Priority 2: A's target 4,
    /// only 1 left → A 3. Met: A's must-meet yes, its stretch no, B yes.
    #[test]
    fn stretch_goal_takes_what_priority_one_leaves() {
        let groups = [fss(0.0, None, 1.0); 2];
        let slos = [at(0, 1), at(0, 2), at(1, 1)];
        let (out, met) = run(6.0, &groups, &slos, &[2.0, 4.0, 3.0], &Config::default());
        assert_close(&out, &[3.0, 3.0]);
        assert_eq!(met, vec![true, false, true]);
    }

    /// [W175][W177]: gmincpu is granted even to a request of 0; gmaxcpu caps the request 4 of
    /// B at 1.5, which then stays unmet, and the lower priority C still gets its 2. Without
    /// OTHERS the remaining 8 − 1 − 1.5 − 2 = 3.5 cores stay unallocated.
    #[test]
    fn gmincpu_and_gmaxcpu_are_hard_limits() {
        let groups = [
            fss(1.0, None, 1.0),
            fss(0.0, Some(1.5), 1.0),
            fss(0.0, None, 1.0),
        ];
        let slos = [at(0, 1), at(1, 1), at(2, 2)];
        let (out, met) = run(8.0, &groups, &slos, &[0.0, 4.0, 2.0], &Config::default());
        assert_close(&out, &[1.0, 1.5, 2.0]);
        assert_eq!(met, vec![true, false, true]);
    }

    /// [W182] Tables 5-2 and 5-3, 100 shares: A, B, C (weights 2, 1, 1) ask 20 each; OTHERS
    /// (no SLO) keeps its 1 share minimum.
    /// Off: A, B, C 20 each; OTHERS takes the other 40 (manual: 20, 20, 20, 40).
    /// On: OTHERS keeps 1; the 39 left go by weight with the 20s as floors: 2L + L + L = 99 →
    /// L = 24.75 → 49.5, 24.75, 24.75 → in shares 49, 24, 24 and two left for the largest
    /// fractions (B and C, 0.75) → 49, 25, 25, 1. The manual prints 50, 24, 25, 1: it splits
    /// all 100 by weight (50, 25, 25) and then takes OTHERS's share from B; we set the minimum
    /// aside first and round by largest remainder, one share apart.
    #[test]
    fn distribute_excess_off_and_on() {
        let groups = [
            fss(0.01, None, 2.0),
            fss(0.01, None, 1.0),
            fss(0.01, None, 1.0),
            fss(0.01, None, 1.0),
        ];
        let slos = [at(0, 1), at(1, 1), at(2, 1)];
        let off = Config {
            others: Some(3),
            ..Config::default()
        };
        let (out, met) = run(1.0, &groups, &slos, &[0.2; 3], &off);
        assert_close(&out, &[0.2, 0.2, 0.2, 0.4]);
        assert_eq!(met, vec![true; 3]);
        let on = Config {
            distribute_excess: true,
            ..off
        };
        let (out, met) = run(1.0, &groups, &slos, &[0.2; 3], &on);
        assert_close(&out, &[0.49, 0.25, 0.25, 0.01]);
        assert_eq!(met, vec![true; 3]);
    }

    /// [W219]: distributed excess stops at gmaxcpu, and what is left goes to OTHERS "even if
    /// giving OTHERS this excess places it over its gmaxcpu". A (gmaxcpu 0.5) asks 0.2 of 1
    /// core; OTHERS has gmaxcpu 0.1. On: A rises to its cap 0.5, OTHERS gets the other 0.5.
    /// Without OTHERS the 0.5 stays unallocated.
    #[test]
    fn excess_beyond_gmaxcpu_goes_to_others() {
        let groups = [fss(0.0, Some(0.5), 1.0), fss(0.01, Some(0.1), 1.0)];
        let slos = [at(0, 1)];
        let cfg = Config {
            distribute_excess: true,
            others: Some(1),
            ..Config::default()
        };
        let (out, _) = run(1.0, &groups, &slos, &[0.2], &cfg);
        assert_close(&out, &[0.5, 0.5]);
        let none = Config {
            others: None,
            ..cfg
        };
        let (out, _) = run(1.0, &groups, &slos, &[0.2], &none);
        // Group 1 is now an ordinary group with no SLO: it keeps its floor 0.01.
        assert_close(&out, &[0.5, 0.01]);
    }

    /// [W176]: minimums above the capacity are top-priority requests split by weight. Three
    /// groups with gmincpu 2 (weights 1, 1, 2) in 4 cores: clamp(L, 0, 2) + clamp(L, 0, 2) +
    /// clamp(2L, 0, 2) = 4 → L = 1 → 1, 1, 2. Their SLOs then get nothing more.
    /// PSET groups ([W163]: more PSET groups than cores): three PSET groups in 2 cores → 2/3
    /// each → whole cores: 0, 0, 0 and round(3 × 2/3) = 2 cores back, ties to the lower
    /// index → 1, 1, 0.
    #[test]
    fn minimums_above_capacity_split_by_weight() {
        let groups = [
            fss(2.0, None, 1.0),
            fss(2.0, None, 1.0),
            fss(2.0, None, 2.0),
        ];
        let slos = [at(0, 1), at(1, 1), at(2, 1)];
        let (out, met) = run(4.0, &groups, &slos, &[3.0; 3], &Config::default());
        assert_close(&out, &[1.0, 1.0, 2.0]);
        assert_eq!(met, vec![false; 3]);
        let groups = [pset(1.0, None, 1.0); 3];
        let (out, _) = run(2.0, &groups, &[], &[], &Config::default());
        assert_eq!(out, vec![1.0, 1.0, 0.0]);
    }

    /// PSET groups get whole cores [W206]. A (PSET, at least 1 core) and B (FSS) both ask 10
    /// at priority 1 in 3.5 cores, weights 1: max(1, L) + L = 3.5 → L = 1.75 each. A rounds
    /// to 1 core plus round(0.75) = 1 back → 2; B re-runs the tide on the 1.5 left → 1.5.
    /// C (priority 2) gets nothing: B's unmet FSS request takes every step.
    /// Two PSET groups (A, B ask 4) in 3.5 cores: 1.75 each → 1 + 1 and round(1.5) = 2 cores
    /// back, but only 1.5 cores are free → one, to A (tie, lower index) → 2, 1. The half core
    /// that B cannot use goes to C at priority 2 (asks 1 → gets 0.5).
    #[test]
    fn pset_groups_get_whole_cores() {
        let groups = [
            pset(1.0, None, 1.0),
            fss(0.0, None, 1.0),
            fss(0.0, None, 1.0),
        ];
        let slos = [at(0, 1), at(1, 1), at(2, 2)];
        let cfg = Config::default();
        let (out, met) = run(3.5, &groups, &slos, &[10.0, 10.0, 1.0], &cfg);
        assert_close(&out, &[2.0, 1.5, 0.0]);
        assert_eq!(met, vec![false; 3]);
        let groups = [
            pset(1.0, None, 1.0),
            pset(1.0, None, 1.0),
            fss(0.0, None, 1.0),
        ];
        let (out, met) = run(3.5, &groups, &slos, &[4.0, 4.0, 1.0], &cfg);
        assert_close(&out, &[2.0, 1.0, 0.5]);
        assert_eq!(met, vec![false; 3]);
        // A PSET request of 2.1 cores needs 3 whole cores: met with 3, not with 2.
        let (out, met) = run(3.0, &groups[..1], &slos[..1], &[2.1], &cfg);
        assert_eq!((out, met), (vec![3.0], vec![true]));
    }

    /// Extended shares [W219]: steps of 0.001 and an idle minimum of 0.002. Requests 1 and
    /// 1 in 1 core with OTHERS idle: OTHERS keeps 0.002, the two split 0.998 → 0.499 each.
    #[test]
    fn extended_shares_refine_the_step() {
        let groups = [fss(0.0, None, 1.0); 3];
        let slos = [at(0, 1), at(1, 1)];
        let cfg = Config {
            others: Some(2),
            ..Config::default().extended_shares()
        };
        let (out, _) = run(1.0, &groups, &slos, &[1.0, 1.0], &cfg);
        assert_close(&out, &[0.499, 0.499, 0.002]);
        // With 100 shares per core: 0.01 for OTHERS, 99 shares for two → 49.5 each → 49 + 49
        // and the odd share to the lower index (equal fractions) → 0.50, 0.49.
        let cfg = Config {
            others: Some(2),
            ..Config::default()
        };
        let (out, _) = run(1.0, &groups, &slos, &[1.0, 1.0], &cfg);
        assert_close(&out, &[0.5, 0.49, 0.01]);
    }

    /// The configuration checks name the index and the fix.
    #[test]
    fn check_names_what_is_wrong() {
        let g = fss(0.0, None, 1.0);
        let cfg = Config::default();
        let bad_group = |g: Group| check(&[fss(0.0, None, 1.0), g], &[], 8.0, &cfg).unwrap_err();
        assert!(bad_group(fss(0.0, None, 0.0)).contains("group 1: weight"));
        assert!(bad_group(fss(0.015, None, 1.0)).contains("group 1: gmincpu"));
        assert!(bad_group(fss(2.0, Some(1.0), 1.0)).contains("below gmincpu"));
        assert!(bad_group(fss(-1.0, None, 1.0)).contains("≥ 0"));
        assert!(bad_group(pset(1.5, None, 1.0)).contains("whole number"));
        assert!(bad_group(pset(0.0, Some(0.0), 1.0)).contains("at least one"));
        let bad_slo = |s: Slo| check(&[g], &[at(0, 1), s], 8.0, &cfg).unwrap_err();
        assert!(bad_slo(at(1, 1)).contains("slo 1: group 1 does not exist"));
        assert!(bad_slo(at(0, 0)).contains("slo 1: priority"));
        let mut s = at(0, 1);
        (s.mincpu, s.maxcpu) = (Some(3.0), Some(2.0));
        assert!(bad_slo(s).contains("exceeds maxcpu"));
        s = at(0, 1);
        s.margin = 1.5;
        assert!(bad_slo(s).contains("cntl_margin"));
        assert!(
            bad_slo(slo(
                0,
                1,
                Goal::Usage {
                    low: 80.0,
                    high: 60.0
                }
            ))
            .contains("usage bounds")
        );
        let additive = slo(
            0,
            2,
            Goal::Shares {
                cores: 1.0,
                additive: true,
            },
        );
        let e = check(&[g], &[slo(0, 1, BAND), additive], 8.0, &cfg).unwrap_err();
        assert!(e.contains("slo 1") && e.contains("goal SLO 0"), "{e}");
        // cpushares total beside a goal is fine [W204].
        let total = slo(
            0,
            2,
            Goal::Shares {
                cores: 1.0,
                additive: false,
            },
        );
        assert_eq!(check(&[g], &[slo(0, 1, BAND), total], 8.0, &cfg), Ok(()));
        // Config.
        let with = |c: Config| check(&[g, pset(1.0, None, 1.0)], &[], 8.0, &c).unwrap_err();
        assert!(with(Config { step: 0.03, ..cfg }).contains("step"));
        assert!(
            with(Config {
                others: Some(1),
                ..cfg
            })
            .contains("group 1: OTHERS cannot be a PSET")
        );
        assert!(
            with(Config {
                others: Some(5),
                ..cfg
            })
            .contains("OTHERS is group 5")
        );
        assert!(
            with(Config {
                controller: Controller::Kp(-1.0),
                ..cfg
            })
            .contains("cntl_kp")
        );
        assert!(
            with(Config {
                idle_min: 0.005,
                ..cfg
            })
            .contains("idle_min")
        );
        assert!(
            check(&[g], &[], f64::NAN, &cfg)
                .unwrap_err()
                .contains("capacity")
        );
        // Minimums above the capacity are allowed [W176]; 0.07 is a multiple of 0.01.
        assert_eq!(check(&[fss(0.07, None, 1.0); 3], &[], 0.1, &cfg), Ok(()));
        assert_eq!(
            check(&[g], &[], 1.0, &Config::default().extended_shares()),
            Ok(())
        );
    }

    /// Short slices, an undersized scratch and SLOs naming no group neither panic nor break
    /// the capacity.
    #[test]
    fn short_slices_and_bad_indexes_are_tolerated() {
        let groups = [fss(0.0, None, 1.0); 3];
        let slos = [at(0, 1), at(7, 1), at(1, 1), at(2, 1)];
        let mut scratch = Scratch::new(0, 0);
        let mut out = [0.0; 2];
        let mut met = [true; 3];
        arbitrate(
            10.0,
            &groups,
            &slos,
            &[8.0, 5.0],
            &Config::default(),
            &mut scratch,
            &mut out,
            &mut met,
        );
        // Group 0 asks 8 and gets it; SLO 1 names no group (ignored, not met); the requests
        // of SLOs 2 and 3 are missing (0).
        assert_eq!(out, [8.0, 0.0]);
        assert_eq!(met, [true, false, true]);
        arbitrate(
            10.0,
            &[],
            &[],
            &[],
            &Config::default(),
            &mut scratch,
            &mut [],
            &mut [],
        );
    }

    /// Slow obvious tide: bisection on the level.
    fn rise_by_bisection(extra: f64, x: &[f64], lim: &[f64], w: &[f64]) -> Vec<f64> {
        let f = |l: f64| -> f64 {
            (0..x.len())
                .map(|i| clamp(l * w[i], x[i], lim[i].max(x[i])))
                .sum()
        };
        let target = x.iter().sum::<f64>() + extra;
        let (mut lo, mut hi) = (0.0, 1.0);
        while f(hi) < target && hi < 1e15 {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if f(mid) < target { lo = mid } else { hi = mid }
        }
        (0..x.len())
            .map(|i| clamp(hi * w[i], x[i], lim[i].max(x[i])))
            .collect()
    }

    /// One random group: (pset?, gmincpu steps, gmaxcpu extra steps or none, weight).
    type RawGroup = (bool, u32, Option<u32>, f64);

    fn arb_group() -> impl Strategy<Value = RawGroup> {
        (
            prop::bool::weighted(0.25),
            0u32..4,
            prop::option::of(0u32..6),
            0.5f64..8.0,
        )
    }

    /// FSS: amounts in quarter cores (multiples of any step); PSET: whole cores, ≥ 1 max.
    fn build_group(raw: &RawGroup) -> Group {
        let &(is_pset, lo, extra, weight) = raw;
        let unit = if is_pset { 1.0 } else { 0.25 };
        let gmin = f64::from(lo) * unit;
        let gmax = extra.map(|e| (f64::from(e) * unit + gmin).max(if is_pset { 1.0 } else { 0.0 }));
        Group {
            gmincpu: gmin,
            gmaxcpu: gmax,
            weight,
            pset: is_pset,
        }
    }

    /// The floor the arbiter must grant when the floors fit (DOMAIN §2.1, [W206][W219]).
    fn effective_floor(g: &Group, has_slo: bool, is_others: bool, cfg: &Config) -> f64 {
        if g.pset {
            g.gmincpu.max(1.0)
        } else if !has_slo || is_others {
            g.gmincpu.max(cfg.idle_min)
        } else {
            g.gmincpu
        }
    }

    /// A request rounded up to the group's grain (what "met" means in cores).
    fn grain_ceil(r: f64, g: &Group, step: f64) -> f64 {
        let unit = if g.pset { 1.0 } else { step };
        (r / unit - REQUEST_NOISE - 1e-9).ceil().max(0.0) * unit
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The sorted-breakpoint tide equals bisection on the level.
        #[test]
        fn rise_matches_bisection(
            parts in prop::collection::vec((0.0f64..50.0, 0.0f64..100.0, 0.1f64..10.0), 1..8),
            extra in 0.0f64..300.0,
        ) {
            let mut x: Vec<f64> = parts.iter().map(|p| p.0).collect();
            let lim: Vec<f64> = parts.iter().map(|p| p.1).collect();
            let w: Vec<f64> = parts.iter().map(|p| p.2).collect();
            let want = rise_by_bisection(extra, &x, &lim, &w);
            let before: f64 = x.iter().sum();
            rise(extra, &mut x, &lim, &w);
            for (g, t) in x.iter().zip(&want) {
                prop_assert!((g - t).abs() < 1e-6, "got {x:?}, bisection {want:?}");
            }
            let given = x.iter().sum::<f64>() - before;
            let room: f64 = x.iter().zip(&lim).map(|(a, c)| (c - a).max(0.0)).sum();
            prop_assert!(given <= extra + 1e-9);
            prop_assert!((given - extra).abs() < 1e-6 || room < 1e-9);
        }

        /// Invariants of one arbitration over random valid configurations.
        #[test]
        fn arbitration_invariants(
            raw_groups in prop::collection::vec(arb_group(), 1..=6),
            raw_slos in prop::collection::vec((0usize..6, 1u32..4, 0.0f64..6.0, any::<bool>()), 0..=8),
            others_pick in prop::option::of(0usize..6),
            distribute in any::<bool>(),
            extended in any::<bool>(),
            spare in 0.0f64..12.0,
            random_capacity in prop::option::weighted(0.25, 0.0f64..20.0),
        ) {
            let groups: Vec<Group> = raw_groups.iter().map(build_group).collect();
            let n = groups.len();
            let base = if extended { Config::default().extended_shares() } else { Config::default() };
            let others = others_pick.filter(|&o| o < n && !groups[o].pset);
            let cfg = Config { distribute_excess: distribute, others, ..base };
            let slos: Vec<Slo> = raw_slos.iter().map(|&(g, p, _, _)| at(g % n, p)).collect();
            // Half of the requests whole or quarter cores, half arbitrary.
            let requests: Vec<f64> = raw_slos
                .iter()
                .map(|&(_, _, r, round)| if round { (r * 4.0).round() / 4.0 } else { r })
                .collect();
            let has_slo: Vec<bool> = (0..n).map(|g| slos.iter().any(|s| s.group == g)).collect();
            let floors: Vec<f64> = (0..n)
                .map(|g| effective_floor(&groups[g], has_slo[g], others == Some(g), &cfg))
                .collect();
            let sum_floors: f64 = floors.iter().sum();
            let capacity = random_capacity.unwrap_or(sum_floors + spare);
            prop_assert_eq!(check(&groups, &slos, capacity, &cfg), Ok(()));

            let mut out = vec![f64::NAN; n];
            let mut met = vec![false; slos.len()];
            let mut scratch = Scratch::new(n, slos.len());
            arbitrate(capacity, &groups, &slos, &requests, &cfg, &mut scratch, &mut out, &mut met);

            // Deterministic, with the same scratch and with a fresh undersized one.
            for mut s in [scratch.clone(), Scratch::new(0, 0)] {
                let mut again = vec![0.0; n];
                let mut met2 = vec![true; slos.len()];
                arbitrate(capacity, &groups, &slos, &requests, &cfg, &mut s, &mut again, &mut met2);
                prop_assert!(out.iter().zip(&again).all(|(a, b)| a.to_bits() == b.to_bits()));
                prop_assert_eq!(&met, &met2);
            }

            // Within the capacity, finite, non-negative, on the grid.
            let total: f64 = out.iter().sum();
            prop_assert!(total <= capacity + 1e-9, "Σ {total} > {capacity}: {out:?}");
            for (g, a) in out.iter().enumerate() {
                prop_assert!(a.is_finite() && *a >= 0.0);
                if groups[g].pset {
                    prop_assert_eq!(a.fract(), 0.0, "PSET group {} got {}", g, a);
                } else {
                    let u = a / cfg.step;
                    prop_assert!((u - u.round()).abs() < 1e-6, "group {g}: {a} off the step");
                }
            }
            // met ⇔ the allocation reaches the request.
            for (i, s) in slos.iter().enumerate() {
                // The request rounded up to its grain as the arbiter rounds it (a request
                // within the noise of a multiple counts as that multiple).
                let pc = per_core(cfg.step).unwrap_or(1.0 / STEP);
                let grain = if groups[s.group].pset { pc } else { 1.0 };
                let r = if requests[i] > 0.0 { requests[i].min(2.0 * capacity + 2.0) } else { 0.0 };
                let want = ceil_units(r, pc, grain) / pc;
                prop_assert_eq!(met[i], out[s.group] >= want - 1e-9, "slo {}", i);
            }
            if sum_floors > capacity + 1e-9 {
                return Ok(());
            }
            // Floors and caps (OTHERS may exceed its gmaxcpu with excess [W219]).
            for (g, grp) in groups.iter().enumerate() {
                prop_assert!(out[g] >= floors[g] - 1e-9, "group {g}: {} < floor {}: {out:?}", out[g], floors[g]);
                if let Some(m) = grp.gmaxcpu && others != Some(g) {
                    prop_assert!(out[g] <= m.max(floors[g]) + 1e-9, "group {g}: {} > gmaxcpu {m}", out[g]);
                }
            }
            // Without distribute_excess nobody but OTHERS passes its largest (rounded) request.
            if !distribute {
                for (g, grp) in groups.iter().enumerate() {
                    if others == Some(g) {
                        continue;
                    }
                    let most = slos
                        .iter()
                        .zip(&requests)
                        .filter(|(s, _)| s.group == g)
                        .map(|(_, &r)| grain_ceil(r, grp, cfg.step))
                        .fold(floors[g], f64::max);
                    prop_assert!(out[g] <= most + 1e-9, "group {g}: {} > {most}", out[g]);
                }
            }
            // OTHERS takes what is left: less than a step unallocated.
            if others.is_some() {
                prop_assert!(total > capacity - cfg.step - 1e-9, "Σ {total} of {capacity}: {out:?}");
            }
            // Priority: an unmet (and not capped) request at priority p means groups whose
            // SLOs all have priority > p (or none) are at their floors — except that a PSET
            // group cannot use less than a core, which may then flow down.
            let unallocated = capacity - total;
            for (j, sj) in slos.iter().enumerate() {
                let gj = sj.group;
                let cap = groups[gj]
                    .gmaxcpu
                    .unwrap_or(capacity)
                    .min(if groups[gj].pset { capacity.floor() } else { capacity });
                let want = grain_ceil(requests[j], &groups[gj], cfg.step).min(cap);
                if out[gj] >= want - 1e-9 {
                    continue;
                }
                let lower_gain: f64 = (0..n)
                    .filter(|&i| slos.iter().filter(|s| s.group == i).all(|s| s.priority > sj.priority))
                    .map(|i| (out[i] - floors[i]).max(0.0))
                    .sum();
                prop_assert!(
                    lower_gain < 1e-9 || (groups[gj].pset && lower_gain + unallocated < 1.0 - 1e-9),
                    "slo {j} (pri {}) short at {} < {want}, lower priorities gained {lower_gain}: {out:?}",
                    sj.priority, out[gj]
                );
            }
        }

        /// Requests of valid SLOs are finite and within [mincpu, maxcpu] for any observation.
        #[test]
        fn requests_stay_within_bounds(
            kind in 0u8..5,
            lo in 0.0f64..4.0,
            span in prop::option::of(0.0f64..8.0),
            obs in (any::<f64>(), any::<f64>(), any::<f64>()),
            rate in prop::option::of(0.0f64..10.0),
            kp in 0.0f64..100.0,
        ) {
            let goal = match kind {
                0 => BAND,
                1 => Goal::Metric { below: true, value: 3.0 },
                2 => Goal::Metric { below: false, value: 0.0 },
                3 => Goal::Shares { cores: 1.5, additive: true },
                _ => Goal::None,
            };
            let s = Slo { mincpu: Some(lo), maxcpu: span.map(|m| lo + m), ..slo(0, 1, goal) };
            let controller = rate.map_or(Controller::Kp(kp), Controller::ConvergenceRate);
            let cfg = Config { controller, ..Config::default() };
            let o = Observed { allocation: obs.0, consumed: obs.1, metric: obs.2 };
            let r = request(&s, &fss(0.5, None, 1.0), &o, &cfg);
            prop_assert!(r.is_finite() && r >= lo, "{r}");
            if let Some(m) = span {
                prop_assert!(r <= lo + m);
            }
        }

        /// Garbage in: no panic; allocations finite, ≥ 0 and within the capacity.
        #[test]
        fn garbage_never_panics(
            raw_groups in prop::collection::vec(
                (any::<f64>(), prop::option::of(any::<f64>()), any::<f64>(), any::<bool>()), 0..6),
            raw_slos in prop::collection::vec((0usize..8, any::<u32>(), any::<f64>(), any::<f64>()), 0..8),
            capacity in any::<f64>(),
            step in any::<f64>(),
            idle_min in any::<f64>(),
            others in prop::option::of(0usize..8),
            kp in any::<f64>(),
            distribute in any::<bool>(),
        ) {
            let groups: Vec<Group> = raw_groups
                .iter()
                .map(|&(gmincpu, gmaxcpu, weight, pset)| Group { gmincpu, gmaxcpu, weight, pset })
                .collect();
            let slos: Vec<Slo> = raw_slos
                .iter()
                .map(|&(group, priority, a, b)| Slo {
                    group,
                    priority,
                    goal: Goal::Usage { low: a, high: b },
                    mincpu: Some(a),
                    maxcpu: Some(b),
                    margin: a,
                })
                .collect();
            let requests: Vec<f64> = raw_slos.iter().map(|r| r.2).collect();
            let cfg = Config {
                controller: Controller::Kp(kp),
                distribute_excess: distribute,
                step,
                idle_min,
                others,
            };
            let _ = check(&groups, &slos, capacity, &cfg);
            for (s, r) in slos.iter().zip(&raw_slos) {
                let o = Observed { allocation: r.2, consumed: r.3, metric: r.2 };
                let g = groups.first().copied().unwrap_or(fss(0.0, None, 1.0));
                let _ = request(s, &g, &o, &cfg);
                prop_assert!(!deviation(&s.goal, &o, s.margin).is_nan());
            }
            let mut out = vec![0.0; groups.len()];
            let mut met = vec![false; slos.len()];
            arbitrate(capacity, &groups, &slos, &requests, &cfg, &mut Scratch::default(), &mut out, &mut met);
            let cap = observed(capacity);
            prop_assert!(out.iter().all(|a| a.is_finite() && *a >= 0.0), "{out:?}");
            prop_assert!(out.iter().sum::<f64>() <= cap * (1.0 + 1e-12) + 1e-9, "{out:?} > {cap}");
        }
    }
}
