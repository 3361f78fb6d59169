//! Consolidation planning (`vsesim plan`): place workloads on target servers so that every
//! server meets Capacity Advisor's rule, and use the fewest servers or the least money.
//!
//! Owns the placement rules, first-fit-decreasing, the local search, the sum-of-peaks
//! baseline, a lower bound, and an independent checker ([`verify`]). It knows nothing of
//! files, scenarios or the simulator: demand arrives as plain series on one time grid, so the
//! planner can be tested with hand-made series.
//!
//! Units: CPU in reference cores (one core of speed 1.0; a server holds cores × core_speed),
//! memory in GiB (never normalized by core speed), limits and percentiles as fractions (0.99,
//! not 99), prices in the caller's currency.
//!
//! # The rules a server must meet
//! - **CPU, time-aligned** (Capacity Advisor's "peak of sums, not sum of peaks", DOMAIN.md §6
//!   [CA4][CA6]): add the server's workloads sample by sample; the `percentile` of that sum
//!   must be within `util_limit × capacity`. The `p` percentile of `n` samples is the
//!   ascending sample at 0-based rank `min(n − 1, ⌊p·n⌋)`: the value below which a share `p`
//!   of the samples lie. With 26,000 samples p99 is the 260th highest and p99.9 the 26th, as
//!   in [CA1]; `p = 1` is the peak. Equivalently: at most `n − 1 − rank` samples may exceed
//!   the limit, which is how the planner checks it (a count, no sort).
//! - **Memory**: the peak (never a percentile: memory that does not fit pages or fails) of
//!   the memory the server holds must be within `memory_limit × memory_gb`. On a `vm` host
//!   guests share memory over time, so this is the time-aligned sum; a `vpar` owns its memory
//!   (DOMAIN.md §1.2: base memory cannot even be removed online), so there it is the sum of
//!   each workload's own memory peak.
//! - **vpar** style: each workload gets a vPar of whole cores, sized so that its own demand
//!   at the percentile stays within the limit: `max(1, ⌈load / (core_speed × util_limit)⌉)`
//!   cores; the vPars' cores must fit in the server's cores. vPars cannot lend cores, so for
//!   them placement gains nothing from peaks that do not coincide: time-aligned and
//!   sum-of-peaks sizing agree (the time-aligned CPU rule above is still checked, and never
//!   binds at `p = 1`).
//! - **vm** style: each workload is an Integrity VM guest with `max(1, ⌈load / core_speed⌉)`
//!   vCPUs; a guest cannot have more vCPUs than the host has cores, nor more than 32 (Integrity
//!   VM V6.3, [IV2][IV3], as the simulator's scenario compiler enforces). The guests share the
//!   host's cycles, so the time-aligned CPU rule is the one that counts. Each guest also holds
//!   an *entitlement*, a guaranteed share in steps of `entitlement_granularity` cores, at
//!   least 5 % per vCPU [GV5]; the host must be able to honour every guest's minimum, or a
//!   guest would not start [IV6]. See [`Partition::Vm`] for how entitlements are set.
//!
//! A workload that fits no type even alone is an error naming it and why
//! ([`PlanError::Unplaceable`]).
//!
//! # Algorithm
//! 1. **First-fit-decreasing** by the workloads' own percentile demand (memory peak, then
//!    input order break ties). A workload goes on the first open server where it fits; if
//!    none, a new server is opened, of the type best for the objective that can hold it
//!    alone: for `count` the type with the most usable CPU (`util_limit × capacity`), for
//!    `cost` the lowest price per usable reference core. FFD is run once with that rule and
//!    once per type with "open only this type where it can"; the best result is kept.
//! 2. **Local search**, deterministic, round after round until a round changes nothing or a
//!    bound is reached ([`SearchLimits`]). It keeps one time-aligned sum vector per server and
//!    updates it in O(T) per move; a check is one O(T) pass that stops at the first sample
//!    over the allowed count, after O(1) bounds (percentile can only grow when a series is
//!    added; the sum of peaks bounds the peak of the sum) have settled most cases.
//!    - *close*: from the emptiest server, move every workload to the fullest server that
//!      takes it; keep the result if the server empties, undo it otherwise;
//!    - *merge*: replace two servers by one of the cheapest type that holds both;
//!    - *shift*: single moves and pair swaps that make the servers' fill more uneven
//!      (raise Σ fill², fill = Σ own loads ÷ usable capacity), which is what frees a server
//!      for the next *close*; they never change the count or the cost by themselves;
//!    - *retype*, once at the end: give each server the cheapest type that still holds its
//!      set (during the rounds a bigger type leaves more room to close others).
//!
//! # Baseline
//! The same planner (FFD and local search) on the same workloads, each replaced by a
//! constant at its own percentile demand (and memory peak): a server's load is then the sum
//! of its workloads' loads, which is sum-of-peaks sizing. The difference between the two
//! plans is therefore the saving from time alignment alone, not from a better search.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Integrity VM's largest guest (V6.3) [IV3]; the simulator's scenario compiler uses the same.
pub const MAX_VCPUS: u32 = 32;
/// Integrity VM's enforced minimum entitlement, per vCPU [GV5] [physical cores].
pub const MIN_ENTITLEMENT_PER_VCPU: f64 = 0.05;
/// Finest entitlement step accepted [physical cores]: 0.01 % of a core. Finer steps mean
/// nothing to Integrity VM and would overflow the step counts of very large hosts.
const MIN_GRANULARITY: f64 = 1e-4;
/// Slack when rounding a computed ratio to whole cores or entitlement steps, so that
/// 3.0 / 0.75 = 4.000000000000001 counts as 4 cores, not 5.
const ROUND_TOLERANCE: f64 = 1e-9;
/// Smallest rise of the fill potential that counts as progress: stops the search from
/// cycling on rounding noise.
const GAIN_EPSILON: f64 = 1e-12;
/// Samples scanned between two looks at the exceedance count: large enough for the
/// compiler to vectorize the block, small enough to stop early.
const CHUNK: usize = 256;

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// One workload to place: its demand on the common time grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    pub name: String,
    /// CPU demand per sample [reference cores]; every workload has the same sample count.
    pub cpu: Vec<f32>,
    /// Memory demand per sample [GiB]; `None` counts as no memory.
    pub memory_gb: Option<Vec<f32>>,
}

/// How a target server divides itself among the workloads placed on it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "style")]
pub enum Partitioning {
    /// One vPar of whole cores per workload.
    Vpar,
    /// One Integrity VM guest per workload; entitlements move in steps of this many physical
    /// cores (0.05 = 5 % of a core), in [0.0001, 1].
    Vm { entitlement_granularity: f64 },
}

/// A server model that may be bought for the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerType {
    pub name: String,
    /// Physical cores, at least 1.
    pub cores: u32,
    /// Reference cores per physical core (from the performance index), above 0.
    pub core_speed: f64,
    pub memory_gb: f64,
    /// Price of one server; at least 0.
    pub price: f64,
    pub partitioning: Partitioning,
}

impl ServerType {
    /// What the server can hold [reference cores].
    pub fn capacity_cores(&self) -> f64 {
        f64::from(self.cores) * self.core_speed
    }
}

/// What to minimize; the other figure breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Fewest servers, then lowest cost.
    Count,
    /// Lowest total price, then fewest servers.
    Cost,
}

/// Bounds on the local search, so a run's length does not depend on the machine: the same
/// input always stops at the same point and gives the same plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchLimits {
    /// Rounds of close / merge / shift; 0 turns the local search off (FFD alone).
    pub max_rounds: u32,
    /// Full O(T) feasibility scans the search may spend; it stops within the pass that
    /// crosses it. The default lets 1,000 workloads × 2,016 samples converge (2.8 million
    /// scans at p99, 7.6 million at the peak, 1–2 s on one core).
    pub max_checks: u64,
}

impl Default for SearchLimits {
    fn default() -> Self {
        SearchLimits {
            max_rounds: 50,
            max_checks: 10_000_000,
        }
    }
}

/// The SLA and the objective.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanConfig {
    /// Share of the samples that must fit, in (0, 1]: 0.99 sizes for p99, 1 for the peak.
    /// DOMAIN.md §7.2 proposes 99 for Capacity Advisor.
    pub percentile: f64,
    /// CPU utilization limit, in (0, 1]. Capacity Advisor's default is UNCONFIRMED; 0.85 as
    /// in the simulator's `[report] util_limit`.
    pub util_limit: f64,
    /// Memory utilization limit, in (0, 1].
    pub memory_limit: f64,
    pub objective: Objective,
    pub search: SearchLimits,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            percentile: 0.99,
            util_limit: 0.85,
            memory_limit: 0.85,
            objective: Objective::Count,
            search: SearchLimits::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------

/// A consolidation plan, its baseline and how it was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub objective: Objective,
    pub percentile: f64,
    pub util_limit: f64,
    pub memory_limit: f64,
    pub totals: Totals,
    /// Servers ordered by their first workload in input order, named `target-01`, ….
    pub servers: Vec<PlannedServer>,
    /// The best first-fit-decreasing start, before the local search.
    pub ffd: Totals,
    pub search: SearchStats,
    /// No plan can use fewer servers: the larger of a CPU bound (with K servers each
    /// allowed `a` samples over its limit, the (K·a)-th highest total demand must fit K of
    /// the largest usable capacity; at p = 1, ⌈peak of the total ÷ that capacity⌉) and a
    /// memory bound (peak of the total ÷ the largest usable memory).
    pub lower_bound_servers: usize,
    /// Sum-of-peaks sizing of the same workloads.
    pub baseline: Baseline,
    pub saving: Saving,
}

/// Servers and money, in total and per type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub servers: usize,
    pub cost: f64,
    /// Σ cores × speed [reference cores].
    pub capacity_cores: f64,
    /// One entry per type used, in the order the types were given.
    pub by_type: Vec<TypeTotal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeTotal {
    pub server_type: String,
    pub servers: usize,
    pub cost: f64,
}

/// One server of a plan; every figure recomputed from the workloads' series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedServer {
    pub name: String,
    pub server_type: String,
    pub price: f64,
    pub capacity_cores: f64,
    /// `util_limit × capacity_cores`.
    pub limit_cores: f64,
    /// The time-aligned sum's percentile: what the limit is checked against.
    pub load_cores: f64,
    /// The time-aligned sum's peak.
    pub peak_cores: f64,
    /// `limit_cores − load_cores`; negative when over (a baseline server at p < 1).
    pub headroom_cores: f64,
    /// Σ of each workload's own percentile demand: what sum-of-peaks sizing would count.
    pub sum_of_loads_cores: f64,
    pub memory_gb: f64,
    /// `memory_limit × memory_gb`.
    pub memory_limit_gb: f64,
    /// Peak of the time-aligned memory sum.
    pub memory_peak_gb: f64,
    /// Σ of each workload's own memory peak: what vPars reserve.
    pub memory_reserved_gb: f64,
    /// Physical cores held by partitions: Σ vPar cores, or Σ VM entitlements.
    pub reserved_cores: f64,
    /// Every rule holds, recomputed from the series (always true in a plan; the baseline
    /// may break the time-aligned rule at p < 1, see [`Baseline::meets_time_aligned`]).
    pub meets: bool,
    pub workloads: Vec<PlacedWorkload>,
}

/// A workload on its server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedWorkload {
    pub name: String,
    /// Position in the input.
    pub index: usize,
    /// Its own demand at the percentile [reference cores].
    pub load_cores: f64,
    pub peak_cores: f64,
    pub memory_peak_gb: f64,
    pub partition: Partition,
}

/// The partition a workload gets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Partition {
    /// Whole physical cores.
    Vpar { cores: u32 },
    /// `vcpus` virtual CPUs and a guaranteed `entitlement_cores` [physical cores].
    ///
    /// Each guest asks for its own percentile demand (÷ core speed, rounded up to a step,
    /// between 5 % per vCPU and 100 % per vCPU). When the host's cores cannot honour all
    /// requests, every guest keeps its minimum and the rest of the cores are split in
    /// proportion to what each asked above it, rounded down to a step. Demand above the
    /// entitlement runs on cycles the co-tenants leave idle (guests are uncapped), which the
    /// time-aligned rule guarantees exist at the SLA percentile.
    Vm { vcpus: u32, entitlement_cores: f64 },
}

/// The sum-of-peaks plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub totals: Totals,
    pub servers: Vec<PlannedServer>,
    /// Whether every baseline server also meets the time-aligned rule. Always at p = 1 (a
    /// peak of sums never exceeds the sum of peaks); not always below: two workloads whose
    /// rare spikes fall at different times each have p99 = 0, their sum does not.
    pub meets_time_aligned: bool,
}

/// Baseline minus plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saving {
    pub servers: i64,
    pub cost: f64,
    /// `cost ÷ baseline cost` (0 when the baseline costs nothing).
    pub cost_share: f64,
}

/// What the local search did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchStats {
    /// Steps that made the objective strictly better: `closed + merged + retyped`.
    pub improvements: u32,
    /// Servers emptied by moving their workloads away.
    pub closed: u32,
    /// Pairs of servers replaced by one.
    pub merged: u32,
    /// Servers given a cheaper type.
    pub retyped: u32,
    /// Single moves and pair swaps that only evened the ground for the above.
    pub moves: u32,
    pub swaps: u32,
    pub rounds: u32,
    /// O(T) feasibility scans spent.
    pub checks: u64,
    /// True when the last round found nothing to do; false when a bound stopped it.
    pub converged: bool,
}

/// A broken rule found by [`verify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub server: String,
    pub message: String,
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Why no plan was made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("no server types given; name at least one target type")]
    NoServerTypes,
    #[error("the demand series are empty; give every workload at least one sample")]
    EmptySeries,
    #[error(
        "workload '{workload}': its {series} series has {found} samples, expected {expected} like the first workload's cpu series"
    )]
    SeriesLength {
        workload: String,
        series: &'static str,
        found: usize,
        expected: usize,
    },
    #[error(
        "workload '{workload}': {series} sample {index} is {value}; expected a finite number ≥ 0"
    )]
    BadSample {
        workload: String,
        series: &'static str,
        index: usize,
        value: f32,
    },
    #[error("workload name '{0}' is used twice; names identify workloads in the plan")]
    DuplicateWorkload(String),
    #[error("server type name '{0}' is used twice")]
    DuplicateServerType(String),
    #[error("server type '{name}': {field} is {value}; expected {expected}")]
    BadServerType {
        name: String,
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{field} is {value}; expected a fraction in (0, 1], e.g. 0.85")]
    BadConfig { field: &'static str, value: f64 },
    #[error("workload '{workload}' fits no server type: {}", describe_misfits(.label, .misfits))]
    Unplaceable {
        workload: String,
        /// The percentile's name in messages: `peak`, `p99`, ….
        label: String,
        /// Why, for each type.
        misfits: Vec<Misfit>,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a workload cannot sit alone on one server type: the first rule it breaks there.
#[derive(Debug, Clone, PartialEq)]
pub struct Misfit {
    pub server_type: String,
    pub reason: MisfitReason,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MisfitReason {
    /// Its demand at the percentile is above `util_limit × capacity` [reference cores].
    Cpu { demand_cores: f64, limit_cores: f64 },
    /// Its vPar would need more whole cores than the server has.
    VparCores { needed: u32, cores: u32 },
    /// Its VM would need more vCPUs than the host has cores (or than 32).
    Vcpus { needed: u32, allowed: u32 },
    /// Its memory peak is above `memory_limit × memory_gb` [GiB].
    Memory { peak_gb: f64, limit_gb: f64 },
}

/// One line for all types: "its p99 demand X > the largest type's limit Y" when CPU is what
/// fails everywhere (the common case), else the reason per type.
fn describe_misfits(label: &str, misfits: &[Misfit]) -> String {
    let cpu: Vec<(f64, f64, &str)> = misfits
        .iter()
        .filter_map(|m| match m.reason {
            MisfitReason::Cpu {
                demand_cores,
                limit_cores,
            } => Some((demand_cores, limit_cores, m.server_type.as_str())),
            _ => None,
        })
        .collect();
    if !cpu.is_empty() && cpu.len() == misfits.len() {
        let (demand, limit, name) = cpu
            .iter()
            .copied()
            .fold(cpu[0], |best, c| if c.1 > best.1 { c } else { best });
        return format!(
            "its {label} demand {demand:.2} reference cores > the largest type's limit {limit:.2} ('{name}'); add a bigger type or raise util_limit"
        );
    }
    let parts: Vec<String> = misfits
        .iter()
        .map(|m| {
            let why = match m.reason {
                MisfitReason::Cpu {
                    demand_cores,
                    limit_cores,
                } => format!(
                    "{label} demand {demand_cores:.2} reference cores > limit {limit_cores:.2}"
                ),
                MisfitReason::VparCores { needed, cores } => {
                    format!("its vPar needs {needed} cores > {cores}")
                }
                MisfitReason::Vcpus { needed, allowed } => {
                    format!("its VM needs {needed} vCPUs > {allowed} allowed")
                }
                MisfitReason::Memory { peak_gb, limit_gb } => {
                    format!("memory peak {peak_gb:.2} GiB > limit {limit_gb:.2} GiB")
                }
            };
            format!("on '{}': {why}", m.server_type)
        })
        .collect();
    parts.join("; ")
}

/// `peak` for p = 1, else `p99`, `p99.9`, … as Capacity Advisor labels percentiles.
fn percentile_label(p: f64) -> String {
    if p >= 1.0 {
        "peak".to_string()
    } else {
        let pct = (p * 1e6).round() / 1e4;
        format!("p{pct}")
    }
}

// ---------------------------------------------------------------------------------------
// Numbers shared by the planner and the report
// ---------------------------------------------------------------------------------------

/// ⌈x⌉ with a little slack for rounding noise; 0 for x ≤ 0; saturates at u64::MAX.
fn ceil_tol(x: f64) -> u64 {
    let c = (x - ROUND_TOLERANCE).ceil();
    if c > 0.0 { c as u64 } else { 0 }
}

/// ⌊x⌋ with a little slack for rounding noise; 0 for x ≤ 0.
fn floor_tol(x: f64) -> u64 {
    let f = (x + ROUND_TOLERANCE).floor();
    if f > 0.0 { f as u64 } else { 0 }
}

/// 0-based ascending rank of the `p` percentile among `n ≥ 1` samples (module docs).
fn percentile_rank(n: usize, p: f64) -> usize {
    let r = (p * n as f64 + ROUND_TOLERANCE).floor();
    if r > 0.0 { (r as usize).min(n - 1) } else { 0 }
}

/// The value at `rank` of `values` (ascending), using `scratch` so `values` keeps its order.
/// O(n) by selection; `values` must hold no NaN (validation guarantees it).
fn value_at_rank(values: &[f64], rank: usize, scratch: &mut Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    scratch.clear();
    scratch.extend_from_slice(values);
    let (_, v, _) = scratch.select_nth_unstable_by(rank, f64::total_cmp);
    *v
}

fn peak_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// Cores of a vPar that holds `load` within the limit (module docs).
fn vpar_cores(load: f64, core_speed: f64, util_limit: f64) -> u64 {
    ceil_tol(load / (core_speed * util_limit)).max(1)
}

/// vCPUs of a VM guest that can serve `load` [reference cores].
fn vm_vcpus(load: f64, core_speed: f64) -> u64 {
    ceil_tol(load / core_speed).max(1)
}

/// A guest's smallest entitlement, in steps of `granularity` [GV5].
fn vm_min_steps(vcpus: u64, granularity: f64) -> u64 {
    ceil_tol(MIN_ENTITLEMENT_PER_VCPU * vcpus as f64 / granularity).max(1)
}

/// Entitlement steps a host of `cores` can guarantee.
fn vm_budget_steps(cores: u32, granularity: f64) -> u64 {
    floor_tol(f64::from(cores) / granularity)
}

/// At most `allowed` samples of `a + b` exceed `limit`: the percentile of the sum is within
/// it. Stops as soon as the count is over, which settles most rejections in one block.
fn within2(limit: f64, allowed: usize, a: &[f64], b: &[f64]) -> bool {
    let mut over = 0usize;
    for (ca, cb) in a.chunks(CHUNK).zip(b.chunks(CHUNK)) {
        over += ca
            .iter()
            .zip(cb)
            .map(|(x, y)| usize::from(x + y > limit))
            .sum::<usize>();
        if over > allowed {
            return false;
        }
    }
    true
}

/// As [`within2`] for `base + plus − minus`, evaluated in that order (the order in which a
/// swap is applied, so the check and the committed state round alike).
fn within_swap(limit: f64, allowed: usize, base: &[f64], plus: &[f64], minus: &[f64]) -> bool {
    let mut over = 0usize;
    for ((cb, cp), cm) in base
        .chunks(CHUNK)
        .zip(plus.chunks(CHUNK))
        .zip(minus.chunks(CHUNK))
    {
        over += cb
            .iter()
            .zip(cp)
            .zip(cm)
            .map(|((b, p), m)| usize::from(b + p - m > limit))
            .sum::<usize>();
        if over > allowed {
            return false;
        }
    }
    true
}

// ---------------------------------------------------------------------------------------
// The validated instance
// ---------------------------------------------------------------------------------------

/// A workload's own figures.
#[derive(Debug, Clone, Copy)]
struct Own {
    /// At the percentile [reference cores].
    load: f64,
    peak: f64,
    mem_peak: f64,
}

/// A server type, in the planner's terms.
#[derive(Debug, Clone)]
struct Kind {
    /// `util_limit × capacity` [reference cores].
    cpu_limit: f64,
    /// `memory_limit × memory_gb`.
    mem_limit: f64,
    price: f64,
    /// Slots the server offers: cores (vpar) or entitlement steps (vm).
    budget: u64,
    vpar: bool,
    /// Physical cores and entitlement step (vm): what the distinct-pCPU rule needs.
    cores: u32,
    granularity: f64,
}

/// How one workload sits on one type.
#[derive(Debug, Clone, Copy)]
struct Fit {
    /// vPar cores, or minimum entitlement steps, it takes from the type's budget.
    slots: u64,
    /// VM guests' vCPUs on this type (0 for a vPar).
    vcpus: u32,
    /// It meets every rule alone on a server of this type.
    alone: bool,
}

/// Everything the search reads, validated once: no NaN, no ragged series.
struct Instance {
    samples: usize,
    /// Samples allowed above the limit: `samples − 1 − rank`.
    allowed: usize,
    /// The percentile's rank.
    rank: usize,
    /// `cpu[w * samples + t]` [reference cores].
    cpu: Vec<f64>,
    /// Same layout [GiB]; empty when no workload has memory.
    mem: Vec<f64>,
    own: Vec<Own>,
    kinds: Vec<Kind>,
    /// `fit[w * kinds + k]`.
    fit: Vec<Fit>,
    /// Types by price, cheapest first (ties: more usable CPU, then input order).
    by_price: Vec<usize>,
}

impl Instance {
    fn cpu_row(&self, w: usize) -> &[f64] {
        &self.cpu[w * self.samples..(w + 1) * self.samples]
    }

    fn mem_row(&self, w: usize) -> &[f64] {
        &self.mem[w * self.samples..(w + 1) * self.samples]
    }

    fn has_mem(&self) -> bool {
        !self.mem.is_empty()
    }

    fn fit(&self, w: usize, k: usize) -> Fit {
        self.fit[w * self.kinds.len() + k]
    }

    fn workloads(&self) -> usize {
        self.own.len()
    }

    /// Builds the instance from rows already checked for shape and values. `percentile`
    /// applies to the rows given (the baseline passes constant rows with p = 1).
    fn new(
        cpu: Vec<f64>,
        mem: Vec<f64>,
        samples: usize,
        types: &[ServerType],
        config: &PlanConfig,
        percentile: f64,
    ) -> Instance {
        let samples = samples.max(1); // an empty grid only comes with no workloads
        let n = cpu.len() / samples;
        let rank = percentile_rank(samples, percentile);
        let mut scratch = Vec::with_capacity(samples);
        let own: Vec<Own> = (0..n)
            .map(|w| {
                let row = &cpu[w * samples..(w + 1) * samples];
                Own {
                    load: value_at_rank(row, rank, &mut scratch),
                    peak: peak_of(row),
                    mem_peak: if mem.is_empty() {
                        0.0
                    } else {
                        peak_of(&mem[w * samples..(w + 1) * samples])
                    },
                }
            })
            .collect();
        let kinds: Vec<Kind> = types.iter().map(|t| kind_of(t, config)).collect();
        let fit = own
            .iter()
            .flat_map(|o| types.iter().map(move |t| fit_of(o, t, config)))
            .collect();
        let mut by_price: Vec<usize> = (0..kinds.len()).collect();
        by_price.sort_by(|&a, &b| {
            kinds[a]
                .price
                .total_cmp(&kinds[b].price)
                .then(kinds[b].cpu_limit.total_cmp(&kinds[a].cpu_limit))
                .then(a.cmp(&b))
        });
        Instance {
            samples,
            allowed: samples - 1 - rank,
            rank,
            cpu,
            mem,
            own,
            kinds,
            fit,
            by_price,
        }
    }
}

fn kind_of(t: &ServerType, config: &PlanConfig) -> Kind {
    let (budget, vpar, granularity) = match t.partitioning {
        Partitioning::Vpar => (u64::from(t.cores), true, 1.0),
        Partitioning::Vm {
            entitlement_granularity: g,
        } => (vm_budget_steps(t.cores, g), false, g),
    };
    Kind {
        cpu_limit: config.util_limit * t.capacity_cores(),
        mem_limit: config.memory_limit * t.memory_gb,
        price: t.price,
        budget,
        vpar,
        cores: t.cores,
        granularity,
    }
}

fn fit_of(own: &Own, t: &ServerType, config: &PlanConfig) -> Fit {
    let misfit = misfit_reason(own, t, config);
    let (slots, vcpus) = match t.partitioning {
        Partitioning::Vpar => (vpar_cores(own.load, t.core_speed, config.util_limit), 0),
        Partitioning::Vm {
            entitlement_granularity: g,
        } => {
            let vcpus = vm_vcpus(own.load, t.core_speed);
            (
                vm_min_steps(vcpus, g),
                u32::try_from(vcpus).unwrap_or(u32::MAX),
            )
        }
    };
    Fit {
        slots,
        vcpus,
        alone: misfit.is_none(),
    }
}

/// Whether guests `members` can all start on a VM host of kind `k` at their minimum
/// entitlements by the distinct-pCPU rule [IV6][IV7] (always true for a vPar kind). The
/// budget of steps is not enough: with whole-core steps, a 3-vCPU guest and two 1-vCPU guests
/// at one core each sum to the 3 cores of the host, yet the small ones fill two cores and the
/// wide one needs a third of each. [`vm_entitlements`] shrinks entitlements towards the
/// minimums until they place, so minimums that place are what admission must ensure.
fn minimums_place(inst: &Instance, k: usize, members: impl Iterator<Item = usize>) -> bool {
    guests_place(&inst.kinds[k], members.map(|w| inst.fit(w, k)))
}

/// [`minimums_place`] for guests that sit as `fits` on a host of `kind`.
fn guests_place(kind: &Kind, fits: impl Iterator<Item = Fit>) -> bool {
    if kind.vpar {
        return true;
    }
    let guests: Vec<(u32, f64)> = fits
        .map(|f| {
            let v = f.vcpus.max(1);
            (v, f.slots as f64 * kind.granularity / f64::from(v))
        })
        .collect();
    // Shares that fit one core together fit any layout: the usual case (5 % minimums) stays
    // a sum, and only crowded hosts pay for the search.
    if guests.iter().map(|g| g.1).sum::<f64>() <= 1.0 {
        return true;
    }
    crate::model::vcpu::placement(kind.cores, &guests) != crate::model::vcpu::Placement::Cannot
}

/// The first rule a workload breaks alone on type `t`, if any.
fn misfit_reason(own: &Own, t: &ServerType, config: &PlanConfig) -> Option<MisfitReason> {
    let limit_cores = config.util_limit * t.capacity_cores();
    if own.load > limit_cores {
        return Some(MisfitReason::Cpu {
            demand_cores: own.load,
            limit_cores,
        });
    }
    match t.partitioning {
        Partitioning::Vpar => {
            let needed = vpar_cores(own.load, t.core_speed, config.util_limit);
            if needed > u64::from(t.cores) {
                return Some(MisfitReason::VparCores {
                    needed: u32::try_from(needed).unwrap_or(u32::MAX),
                    cores: t.cores,
                });
            }
        }
        Partitioning::Vm { .. } => {
            let needed = vm_vcpus(own.load, t.core_speed);
            let allowed = t.cores.min(MAX_VCPUS);
            if needed > u64::from(allowed) {
                return Some(MisfitReason::Vcpus {
                    needed: u32::try_from(needed).unwrap_or(u32::MAX),
                    allowed,
                });
            }
        }
    }
    let limit_gb = config.memory_limit * t.memory_gb;
    if own.mem_peak > limit_gb {
        return Some(MisfitReason::Memory {
            peak_gb: own.mem_peak,
            limit_gb,
        });
    }
    None
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

fn check_fraction(field: &'static str, value: f64) -> Result<(), PlanError> {
    if value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(PlanError::BadConfig { field, value })
    }
}

fn check_config(config: &PlanConfig) -> Result<(), PlanError> {
    check_fraction("percentile", config.percentile)?;
    check_fraction("util_limit", config.util_limit)?;
    check_fraction("memory_limit", config.memory_limit)
}

fn bad_type(
    t: &ServerType,
    field: &'static str,
    value: String,
    expected: &'static str,
) -> PlanError {
    PlanError::BadServerType {
        name: t.name.clone(),
        field,
        value,
        expected,
    }
}

fn check_types(types: &[ServerType]) -> Result<(), PlanError> {
    if types.is_empty() {
        return Err(PlanError::NoServerTypes);
    }
    let mut seen = HashMap::new();
    for t in types {
        if seen.insert(t.name.as_str(), ()).is_some() {
            return Err(PlanError::DuplicateServerType(t.name.clone()));
        }
        if t.cores == 0 {
            return Err(bad_type(t, "cores", "0".into(), "at least 1"));
        }
        if !(t.core_speed > 0.0 && t.capacity_cores().is_finite()) {
            return Err(bad_type(
                t,
                "core_speed",
                t.core_speed.to_string(),
                "a number > 0 whose product with cores is finite",
            ));
        }
        if !(t.memory_gb.is_finite() && t.memory_gb >= 0.0) {
            return Err(bad_type(
                t,
                "memory_gb",
                t.memory_gb.to_string(),
                "a finite number ≥ 0",
            ));
        }
        if !(t.price.is_finite() && t.price >= 0.0) {
            return Err(bad_type(
                t,
                "price",
                t.price.to_string(),
                "a finite number ≥ 0",
            ));
        }
        if let Partitioning::Vm {
            entitlement_granularity: g,
        } = t.partitioning
            && !((MIN_GRANULARITY..=1.0).contains(&g))
        {
            return Err(bad_type(
                t,
                "entitlement_granularity",
                g.to_string(),
                "a share of a core in [0.0001, 1], e.g. 0.05",
            ));
        }
    }
    Ok(())
}

/// Appends one series to `out` as f64, refusing NaN, infinities and negative values (a
/// negative demand would make "adding a workload can only raise the load" false, which the
/// search's bounds rely on).
fn push_series(
    out: &mut Vec<f64>,
    workload: &str,
    series: &'static str,
    values: &[f32],
    expected: usize,
) -> Result<(), PlanError> {
    if values.len() != expected {
        return Err(PlanError::SeriesLength {
            workload: workload.to_string(),
            series,
            found: values.len(),
            expected,
        });
    }
    for (index, &value) in values.iter().enumerate() {
        if !(value.is_finite() && value >= 0.0) {
            return Err(PlanError::BadSample {
                workload: workload.to_string(),
                series,
                index,
                value,
            });
        }
        out.push(f64::from(value));
    }
    Ok(())
}

/// Checks the workloads and lays their series out workload-major: (cpu, memory, samples).
fn load_series(workloads: &[Workload]) -> Result<(Vec<f64>, Vec<f64>, usize), PlanError> {
    let samples = workloads.first().map_or(0, |w| w.cpu.len());
    if samples == 0 && !workloads.is_empty() {
        return Err(PlanError::EmptySeries);
    }
    let mut names = HashMap::new();
    for w in workloads {
        if names.insert(w.name.as_str(), ()).is_some() {
            return Err(PlanError::DuplicateWorkload(w.name.clone()));
        }
    }
    let any_mem = workloads.iter().any(|w| w.memory_gb.is_some());
    let mut cpu = Vec::with_capacity(workloads.len() * samples);
    let mut mem = Vec::with_capacity(if any_mem { cpu.capacity() } else { 0 });
    for w in workloads {
        push_series(&mut cpu, &w.name, "cpu", &w.cpu, samples)?;
        match (&w.memory_gb, any_mem) {
            (Some(m), _) => push_series(&mut mem, &w.name, "memory", m, samples)?,
            (None, true) => mem.resize(mem.len() + samples, 0.0),
            (None, false) => {}
        }
    }
    Ok((cpu, mem, samples))
}

/// The first workload that fits no type alone, as an error.
fn check_placeable(
    inst: &Instance,
    workloads: &[Workload],
    types: &[ServerType],
    config: &PlanConfig,
) -> Result<(), PlanError> {
    for (w, own) in inst.own.iter().enumerate() {
        if (0..types.len()).any(|k| inst.fit(w, k).alone) {
            continue;
        }
        let misfits = types
            .iter()
            .filter_map(|t| {
                misfit_reason(own, t, config).map(|reason| Misfit {
                    server_type: t.name.clone(),
                    reason,
                })
            })
            .collect();
        return Err(PlanError::Unplaceable {
            workload: workloads[w].name.clone(),
            label: percentile_label(config.percentile),
            misfits,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Packing state: servers with their time-aligned sums
// ---------------------------------------------------------------------------------------

/// An open server. Its sums are kept up to date move by move (O(T) each), never rebuilt.
#[derive(Debug, Clone)]
struct Bin {
    kind: usize,
    members: Vec<usize>,
    /// Time-aligned CPU sum [reference cores]. f64 sums of f32 samples are exact while the
    /// samples span less than 2^29 in ratio, so adding and removing workloads leaves no
    /// drift in practice; [`verify`] allows a relative 1e-9 all the same.
    cpu: Vec<f64>,
    /// Time-aligned memory sum [GiB]; empty when the instance has no memory.
    mem: Vec<f64>,
    /// Percentile of `cpu`: adding a workload can only raise it, so it rejects in O(1).
    load: f64,
    /// Peak of `cpu`: with a workload's own peak it bounds the new peak, accepting in O(1).
    peak: f64,
    mem_peak: f64,
    /// Σ own memory peaks (the vPar rule; an O(1) accept for VMs).
    mem_reserved: f64,
    /// Σ slots taken on this type (vPar cores or minimum entitlement steps).
    slots: u64,
    /// Σ own loads: the "volume" behind the fill potential.
    volume: f64,
}

/// The planner's working state: bins, and which bin holds each workload.
struct Packing<'a> {
    inst: &'a Instance,
    bins: Vec<Bin>,
    home: Vec<usize>,
    scratch: Vec<f64>,
    /// Full O(T) scans spent, for [`SearchLimits::max_checks`].
    checks: u64,
}

impl<'a> Packing<'a> {
    fn new(inst: &'a Instance) -> Self {
        Packing {
            inst,
            bins: Vec::new(),
            home: vec![usize::MAX; inst.workloads()],
            scratch: Vec::with_capacity(inst.samples),
            checks: 0,
        }
    }

    fn open(&mut self, kind: usize) -> usize {
        let t = self.inst.samples;
        self.bins.push(Bin {
            kind,
            members: Vec::new(),
            cpu: vec![0.0; t],
            mem: if self.inst.has_mem() {
                vec![0.0; t]
            } else {
                Vec::new()
            },
            load: 0.0,
            peak: 0.0,
            mem_peak: 0.0,
            mem_reserved: 0.0,
            slots: 0,
            volume: 0.0,
        });
        self.bins.len() - 1
    }

    /// Recomputes the bin's percentile and peaks from its sums: O(T), once per committed
    /// change, never per check.
    fn refresh(&mut self, b: usize) {
        let rank = self.inst.rank;
        let bin = &mut self.bins[b];
        if bin.members.is_empty() {
            // Exact zeros, so rounding residue of past moves cannot linger.
            bin.cpu.fill(0.0);
            bin.mem.fill(0.0);
            bin.mem_reserved = 0.0;
            bin.volume = 0.0;
        }
        bin.load = value_at_rank(&bin.cpu, rank, &mut self.scratch);
        bin.peak = peak_of(&bin.cpu);
        bin.mem_peak = peak_of(&bin.mem);
    }

    fn add_rows(&mut self, b: usize, w: usize, sign: f64) {
        let inst = self.inst;
        let bin = &mut self.bins[b];
        for (s, x) in bin.cpu.iter_mut().zip(inst.cpu_row(w)) {
            *s += sign * x;
        }
        if inst.has_mem() {
            for (s, x) in bin.mem.iter_mut().zip(inst.mem_row(w)) {
                *s += sign * x;
            }
        }
        let own = inst.own[w];
        bin.mem_reserved += sign * own.mem_peak;
        bin.volume += sign * own.load;
    }

    /// Puts `w` on bin `b` without checking (the caller did).
    fn insert(&mut self, b: usize, w: usize) {
        self.insert_raw(b, w);
        self.refresh(b);
    }

    fn insert_raw(&mut self, b: usize, w: usize) {
        self.add_rows(b, w, 1.0);
        let slots = self.inst.fit(w, self.bins[b].kind).slots;
        let bin = &mut self.bins[b];
        bin.members.push(w);
        bin.slots = bin.slots.saturating_add(slots);
        self.home[w] = b;
    }

    fn take(&mut self, b: usize, w: usize) {
        self.take_raw(b, w);
        self.refresh(b);
    }

    fn take_raw(&mut self, b: usize, w: usize) {
        self.add_rows(b, w, -1.0);
        let slots = self.inst.fit(w, self.bins[b].kind).slots;
        let bin = &mut self.bins[b];
        bin.members.retain(|&m| m != w);
        bin.slots = bin.slots.saturating_sub(slots);
        self.home[w] = usize::MAX;
    }

    fn relocate(&mut self, w: usize, to: usize) {
        let from = self.home[w];
        self.take(from, w);
        self.insert(to, w);
    }

    /// Gives bin `b` another type; its slots are recounted for that type.
    fn set_kind(&mut self, b: usize, kind: usize) {
        let inst = self.inst;
        let bin = &mut self.bins[b];
        bin.kind = kind;
        bin.slots = bin
            .members
            .iter()
            .fold(0u64, |s, &w| s.saturating_add(inst.fit(w, kind).slots));
    }

    /// Drops empty bins and renumbers `home`.
    fn compact(&mut self) {
        self.bins.retain(|b| !b.members.is_empty());
        for (b, bin) in self.bins.iter().enumerate() {
            for &w in &bin.members {
                self.home[w] = b;
            }
        }
    }

    fn fill(&self, b: usize) -> f64 {
        let bin = &self.bins[b];
        bin.volume / self.inst.kinds[bin.kind].cpu_limit
    }

    fn score(&self) -> Score {
        Score {
            servers: self.bins.iter().filter(|b| !b.members.is_empty()).count(),
            cost: self
                .bins
                .iter()
                .filter(|b| !b.members.is_empty())
                .map(|b| self.inst.kinds[b.kind].price)
                .sum(),
        }
    }

    // --- feasibility -------------------------------------------------------------------

    /// Whether `w` can join bin `b` as it is.
    fn fits_add(&mut self, b: usize, w: usize) -> bool {
        let inst = self.inst;
        let bin = &self.bins[b];
        let kind = &inst.kinds[bin.kind];
        let fit = inst.fit(w, bin.kind);
        let own = inst.own[w];
        if !fit.alone || bin.slots.saturating_add(fit.slots) > kind.budget {
            return false;
        }
        if !minimums_place(inst, bin.kind, bin.members.iter().copied().chain([w])) {
            return false;
        }
        if bin.load.max(own.load) > kind.cpu_limit {
            return false;
        }
        if bin.mem_reserved + own.mem_peak > kind.mem_limit {
            if kind.vpar || bin.mem_peak.max(own.mem_peak) > kind.mem_limit {
                return false;
            }
            self.checks += 1;
            if !within2(kind.mem_limit, 0, &bin.mem, inst.mem_row(w)) {
                return false;
            }
        }
        if bin.peak + own.peak <= kind.cpu_limit {
            return true;
        }
        self.checks += 1;
        within2(kind.cpu_limit, inst.allowed, &bin.cpu, inst.cpu_row(w))
    }

    /// Whether bin `b` can hold `inw` instead of `outw`.
    fn fits_swap(&mut self, b: usize, outw: usize, inw: usize) -> bool {
        let inst = self.inst;
        let bin = &self.bins[b];
        let kind = &inst.kinds[bin.kind];
        let fin = inst.fit(inw, bin.kind);
        let fout = inst.fit(outw, bin.kind);
        let (oin, oout) = (inst.own[inw], inst.own[outw]);
        if !fin.alone
            || bin
                .slots
                .saturating_sub(fout.slots)
                .saturating_add(fin.slots)
                > kind.budget
        {
            return false;
        }
        let rest = bin.members.iter().copied().filter(|&m| m != outw);
        if !minimums_place(inst, bin.kind, rest.chain([inw])) {
            return false;
        }
        if bin.mem_reserved + oin.mem_peak - oout.mem_peak > kind.mem_limit {
            if kind.vpar {
                return false;
            }
            self.checks += 1;
            if !within_swap(
                kind.mem_limit,
                0,
                &bin.mem,
                inst.mem_row(inw),
                inst.mem_row(outw),
            ) {
                return false;
            }
        }
        if bin.peak + oin.peak <= kind.cpu_limit {
            return true;
        }
        self.checks += 1;
        within_swap(
            kind.cpu_limit,
            inst.allowed,
            &bin.cpu,
            inst.cpu_row(inw),
            inst.cpu_row(outw),
        )
    }

    /// Whether bin `x`'s set, with bin `y`'s if given, fits one server of type `k`.
    fn fits_union(&mut self, x: usize, y: Option<usize>, k: usize) -> bool {
        let inst = self.inst;
        let kind = &inst.kinds[k];
        let bx = &self.bins[x];
        let by = y.map(|y| &self.bins[y]);
        let members = bx
            .members
            .iter()
            .chain(by.into_iter().flat_map(|b| &b.members));
        let mut slots = 0u64;
        for &w in members {
            let f = inst.fit(w, k);
            if !f.alone {
                return false;
            }
            slots = slots.saturating_add(f.slots);
        }
        if slots > kind.budget {
            return false;
        }
        let members = bx
            .members
            .iter()
            .chain(by.into_iter().flat_map(|b| &b.members));
        if !minimums_place(inst, k, members.copied()) {
            return false;
        }
        let load = by.map_or(bx.load, |b| bx.load.max(b.load));
        if load > kind.cpu_limit {
            return false;
        }
        let reserved = bx.mem_reserved + by.map_or(0.0, |b| b.mem_reserved);
        if reserved > kind.mem_limit {
            let mem_peak = by.map_or(bx.mem_peak, |b| bx.mem_peak.max(b.mem_peak));
            if kind.vpar || mem_peak > kind.mem_limit {
                return false;
            }
            if let Some(b) = by {
                self.checks += 1;
                if !within2(kind.mem_limit, 0, &bx.mem, &b.mem) {
                    return false;
                }
            }
        }
        let Some(b) = by else {
            return true; // one bin: its load and memory peak were checked above
        };
        if bx.peak + b.peak <= kind.cpu_limit {
            return true;
        }
        self.checks += 1;
        within2(kind.cpu_limit, inst.allowed, &bx.cpu, &b.cpu)
    }
}

/// Servers and money of a packing, compared by the objective.
#[derive(Debug, Clone, Copy)]
struct Score {
    servers: usize,
    cost: f64,
}

impl Score {
    /// Strictly better for `objective`, the other figure breaking ties; costs within a
    /// relative 1e-9 count as equal.
    fn better_than(self, other: Score, objective: Objective) -> bool {
        let tol = 1e-9 * other.cost.abs().max(1.0);
        let cost = if self.cost < other.cost - tol {
            Ordering::Less
        } else if self.cost > other.cost + tol {
            Ordering::Greater
        } else {
            Ordering::Equal
        };
        let count = self.servers.cmp(&other.servers);
        let order = match objective {
            Objective::Count => count.then(cost),
            Objective::Cost => cost.then(count),
        };
        order == Ordering::Less
    }
}

// ---------------------------------------------------------------------------------------
// First-fit-decreasing
// ---------------------------------------------------------------------------------------

/// Which type FFD opens when a workload fits no open server.
#[derive(Debug, Clone, Copy)]
enum Opening {
    /// The objective's rule (module docs).
    Rule(Objective),
    /// This type where the workload fits it alone, else the rule.
    Only(usize, Objective),
}

fn opening_kind(inst: &Instance, w: usize, opening: Opening) -> Option<usize> {
    let objective = match opening {
        Opening::Only(k, _) if inst.fit(w, k).alone => return Some(k),
        Opening::Only(_, o) | Opening::Rule(o) => o,
    };
    let candidates = (0..inst.kinds.len()).filter(|&k| inst.fit(w, k).alone);
    let kinds = &inst.kinds;
    match objective {
        // The most usable CPU, then memory, then the cheaper, then input order.
        Objective::Count => candidates.min_by(|&a, &b| {
            let (ka, kb) = (&kinds[a], &kinds[b]);
            kb.cpu_limit
                .total_cmp(&ka.cpu_limit)
                .then(kb.mem_limit.total_cmp(&ka.mem_limit))
                .then(ka.price.total_cmp(&kb.price))
                .then(a.cmp(&b))
        }),
        // The lowest price per usable reference core, then the bigger, then input order.
        Objective::Cost => candidates.min_by(|&a, &b| {
            let (ka, kb) = (&kinds[a], &kinds[b]);
            (ka.price / ka.cpu_limit)
                .total_cmp(&(kb.price / kb.cpu_limit))
                .then(kb.cpu_limit.total_cmp(&ka.cpu_limit))
                .then(a.cmp(&b))
        }),
    }
}

/// Workloads by own load, then memory peak, descending; input order breaks ties.
fn decreasing_order(inst: &Instance) -> Vec<usize> {
    let mut order: Vec<usize> = (0..inst.workloads()).collect();
    order.sort_by(|&a, &b| {
        let (oa, ob) = (inst.own[a], inst.own[b]);
        ob.load
            .total_cmp(&oa.load)
            .then(ob.mem_peak.total_cmp(&oa.mem_peak))
            .then(a.cmp(&b))
    });
    order
}

fn first_fit_decreasing<'a>(
    inst: &'a Instance,
    order: &[usize],
    opening: Opening,
) -> Result<Packing<'a>, PlanError> {
    let mut p = Packing::new(inst);
    for &w in order {
        let target = (0..p.bins.len()).find(|&b| p.fits_add(b, w));
        let b = match target {
            Some(b) => b,
            None => {
                let k = opening_kind(inst, w, opening).ok_or_else(|| {
                    PlanError::Internal(format!("workload {w} passed validation but fits no type"))
                })?;
                p.open(k)
            }
        };
        p.insert(b, w);
    }
    Ok(p)
}

/// FFD with the objective's opening rule and with each single type; the best by the
/// objective (the first on ties).
fn best_ffd(inst: &Instance, objective: Objective) -> Result<Packing<'_>, PlanError> {
    let order = decreasing_order(inst);
    let mut best = first_fit_decreasing(inst, &order, Opening::Rule(objective))?;
    if inst.kinds.len() > 1 {
        for k in 0..inst.kinds.len() {
            let p = first_fit_decreasing(inst, &order, Opening::Only(k, objective))?;
            if p.score().better_than(best.score(), objective) {
                best = p;
            }
        }
    }
    Ok(best)
}

// ---------------------------------------------------------------------------------------
// Local search
// ---------------------------------------------------------------------------------------

/// Runs rounds of close / merge / shift until a round changes nothing or a bound of
/// [`SearchLimits`] is reached, then gives every server its cheapest sufficient type.
///
/// Servers keep their types during the rounds, since a smaller type would leave less room
/// to close others; they shrink once at the end. (Retyping every round under `cost` was
/// tried: no cheaper plan on the report's instances.)
fn improve(p: &mut Packing, objective: Objective, limits: SearchLimits) -> SearchStats {
    let mut stats = SearchStats::default();
    for _ in 0..limits.max_rounds {
        if p.checks >= limits.max_checks {
            break;
        }
        stats.rounds += 1;
        let mut changed = close_pass(p, &mut stats, limits.max_checks);
        changed |= merge_pass(p, objective, &mut stats);
        changed |= shift_pass(p, &mut stats, limits.max_checks);
        if !changed {
            stats.converged = true;
            break;
        }
    }
    if limits.max_rounds > 0 {
        retype_pass(p, &mut stats);
    }
    stats.improvements = stats.closed + stats.merged + stats.retyped;
    stats.checks = p.checks;
    stats
}

fn occupied(p: &Packing) -> usize {
    p.bins.iter().filter(|b| !b.members.is_empty()).count()
}

/// Non-empty bins by fill, emptiest first (index breaks ties).
fn by_fill(p: &Packing) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.bins.len())
        .filter(|&b| !p.bins[b].members.is_empty())
        .collect();
    order.sort_by(|&a, &b| p.fill(a).total_cmp(&p.fill(b)).then(a.cmp(&b)));
    order
}

/// Tries to empty each server, emptiest first.
fn close_pass(p: &mut Packing, stats: &mut SearchStats, max_checks: u64) -> bool {
    let mut changed = false;
    for b in by_fill(p) {
        if p.checks >= max_checks || occupied(p) <= 1 {
            break;
        }
        if !p.bins[b].members.is_empty() && try_empty(p, b) {
            stats.closed += 1;
            changed = true;
        }
    }
    p.compact();
    changed
}

/// Moves every workload of bin `b` to the fullest other bin that takes it (biggest
/// workload first, as it is the likeliest not to fit); undoes it all if one cannot move.
///
/// Tried and dropped: letting a stuck workload push one out of another bin (an ejection
/// chain of length one) did not lower the count on the report's instances and cost 3×.
fn try_empty(p: &mut Packing, b: usize) -> bool {
    let inst = p.inst;
    let mut items = p.bins[b].members.clone();
    items.sort_by(|&x, &y| {
        inst.own[y]
            .load
            .total_cmp(&inst.own[x].load)
            .then(x.cmp(&y))
    });
    let mut targets: Vec<usize> = by_fill(p).into_iter().filter(|&t| t != b).collect();
    targets.reverse();
    let mut moved = Vec::with_capacity(items.len());
    for w in items {
        match targets.iter().copied().find(|&t| p.fits_add(t, w)) {
            Some(t) => {
                p.relocate(w, t);
                moved.push(w);
            }
            None => {
                for &m in moved.iter().rev() {
                    let t = p.home[m];
                    p.take(t, m);
                    p.insert(b, m);
                }
                return false;
            }
        }
    }
    true
}

/// Replaces pairs of servers by one server of the cheapest type that holds both, where
/// that improves the objective (always under `count`; under `cost` when the new server
/// costs no more than the two).
fn merge_pass(p: &mut Packing, objective: Objective, stats: &mut SearchStats) -> bool {
    let inst = p.inst;
    let mut changed = false;
    for x in 0..p.bins.len() {
        for y in x + 1..p.bins.len() {
            if p.bins[x].members.is_empty() || p.bins[y].members.is_empty() {
                continue;
            }
            let pair = inst.kinds[p.bins[x].kind].price + inst.kinds[p.bins[y].kind].price;
            let affordable = pair + 1e-9 * pair.max(1.0);
            let kind = inst.by_price.iter().copied().find(|&k| {
                (objective == Objective::Count || inst.kinds[k].price <= affordable)
                    && p.fits_union(x, Some(y), k)
            });
            if let Some(k) = kind {
                merge(p, x, y, k);
                stats.merged += 1;
                changed = true;
            }
        }
    }
    p.compact();
    changed
}

fn merge(p: &mut Packing, x: usize, y: usize, kind: usize) {
    p.set_kind(x, kind);
    for w in p.bins[y].members.clone() {
        p.take_raw(y, w);
        p.insert_raw(x, w);
    }
    p.refresh(x);
    p.refresh(y);
}

/// Gives each server the cheapest type that holds its set, if cheaper than its own.
fn retype_pass(p: &mut Packing, stats: &mut SearchStats) -> bool {
    let inst = p.inst;
    let mut changed = false;
    for b in 0..p.bins.len() {
        if p.bins[b].members.is_empty() {
            continue;
        }
        let price = inst.kinds[p.bins[b].kind].price;
        let cheaper = price - 1e-9 * price.max(1.0);
        let kind = inst
            .by_price
            .iter()
            .copied()
            .take_while(|&k| inst.kinds[k].price < cheaper)
            .find(|&k| p.fits_union(b, None, k));
        if let Some(k) = kind {
            p.set_kind(b, k);
            stats.retyped += 1;
            changed = true;
        }
    }
    changed
}

/// Rise of Σ fill² when bin `x`'s volume changes by `dx` and bin `y`'s by `dy`.
fn fill_gain(p: &Packing, x: usize, dx: f64, y: usize, dy: f64) -> f64 {
    let (fx, fy) = (p.fill(x), p.fill(y));
    let cx = p.inst.kinds[p.bins[x].kind].cpu_limit;
    let cy = p.inst.kinds[p.bins[y].kind].cpu_limit;
    let (nx, ny) = (fx + dx / cx, fy + dy / cy);
    nx * nx + ny * ny - fx * fx - fy * fy
}

/// Moves and swaps that raise Σ fill²: volume flows from emptier to fuller servers, which
/// is what lets a later [`close_pass`] empty one. A move that empties a server closes it.
fn shift_pass(p: &mut Packing, stats: &mut SearchStats, max_checks: u64) -> bool {
    let moved = shift_moves(p, stats, max_checks);
    let swapped = shift_swaps(p, stats, max_checks);
    p.compact();
    moved || swapped
}

fn shift_moves(p: &mut Packing, stats: &mut SearchStats, max_checks: u64) -> bool {
    let inst = p.inst;
    let order = by_fill(p);
    let mut changed = false;
    for &x in &order {
        for w in p.bins[x].members.clone() {
            if p.checks >= max_checks {
                return changed;
            }
            let s = inst.own[w].load;
            let target = order.iter().rev().copied().find(|&t| {
                t != x
                    && !p.bins[t].members.is_empty()
                    && fill_gain(p, x, -s, t, s) > GAIN_EPSILON
                    && p.fits_add(t, w)
            });
            if let Some(t) = target {
                p.relocate(w, t);
                stats.moves += 1;
                changed = true;
                if p.bins[x].members.is_empty() {
                    stats.closed += 1;
                }
            }
        }
    }
    changed
}

fn shift_swaps(p: &mut Packing, stats: &mut SearchStats, max_checks: u64) -> bool {
    let inst = p.inst;
    let mut changed = false;
    for x in 0..p.bins.len() {
        for y in x + 1..p.bins.len() {
            let xs = p.bins[x].members.clone();
            let ys = p.bins[y].members.clone();
            for &a in &xs {
                if p.checks >= max_checks {
                    return changed;
                }
                for &b in &ys {
                    if p.home[a] != x || p.home[b] != y {
                        continue;
                    }
                    let d = inst.own[b].load - inst.own[a].load;
                    if fill_gain(p, x, d, y, -d) > GAIN_EPSILON
                        && p.fits_swap(y, b, a)
                        && p.fits_swap(x, a, b)
                    {
                        swap(p, a, x, b, y);
                        stats.swaps += 1;
                        changed = true;
                    }
                }
            }
        }
    }
    changed
}

/// Exchanges `a` (on `x`) and `b` (on `y`): add first, then remove, as [`within_swap`]
/// checked it.
fn swap(p: &mut Packing, a: usize, x: usize, b: usize, y: usize) {
    p.insert_raw(y, a);
    p.take_raw(y, b);
    p.insert_raw(x, b);
    p.take_raw(x, a);
    p.home[a] = y;
    p.home[b] = x;
    p.refresh(x);
    p.refresh(y);
}

// ---------------------------------------------------------------------------------------
// Lower bound
// ---------------------------------------------------------------------------------------

/// Fewest servers any plan could use, from CPU and memory volume alone.
///
/// CPU: with K servers each allowed `a` samples over its limit, at least `n − K·a` samples
/// have every server within its limit, so there the total demand is ≤ K × the largest
/// usable capacity: the (K·a)-th highest total must be within it. At p = 1 (a = 0) this is
/// ⌈peak of the total ÷ largest usable capacity⌉. Memory: the peak of the total over the
/// largest usable memory. Valid for any plan, so the planner can never be below it.
fn lower_bound(inst: &Instance) -> usize {
    let n = inst.workloads();
    if n == 0 {
        return 0;
    }
    let t = inst.samples;
    let mut total = vec![0.0; t];
    for w in 0..n {
        for (s, x) in total.iter_mut().zip(inst.cpu_row(w)) {
            *s += x;
        }
    }
    total.sort_by(|a, b| b.total_cmp(a));
    let cmax = inst.kinds.iter().map(|k| k.cpu_limit).fold(0.0, f64::max);
    let cpu = (1..=n)
        .find(|&k| {
            let i = k.saturating_mul(inst.allowed);
            i >= t || total[i] <= k as f64 * cmax * (1.0 + 1e-9)
        })
        .unwrap_or(n);
    let mem = if inst.has_mem() {
        let mut total = vec![0.0; t];
        for w in 0..n {
            for (s, x) in total.iter_mut().zip(inst.mem_row(w)) {
                *s += x;
            }
        }
        let peak = peak_of(&total);
        let mmax = inst.kinds.iter().map(|k| k.mem_limit).fold(0.0, f64::max);
        if peak > 0.0 && mmax > 0.0 {
            usize::try_from(ceil_tol(peak / mmax)).unwrap_or(n)
        } else {
            0
        }
    } else {
        0
    };
    cpu.max(mem).max(1)
}

// ---------------------------------------------------------------------------------------
// Plan: search, baseline, report
// ---------------------------------------------------------------------------------------

/// Plans the consolidation of `workloads` onto servers of `types` (module docs).
///
/// Deterministic: the same input gives the same plan on any machine. Fails on bad input
/// (NaN or negative demand, ragged series, bad types or limits) and on a workload that fits
/// no type even alone, naming it and why.
pub fn plan(
    workloads: &[Workload],
    types: &[ServerType],
    config: &PlanConfig,
) -> Result<Plan, PlanError> {
    check_config(config)?;
    check_types(types)?;
    let (cpu, mem, samples) = load_series(workloads)?;
    let inst = Instance::new(cpu, mem, samples.max(1), types, config, config.percentile);
    check_placeable(&inst, workloads, types, config)?;

    let mut packing = best_ffd(&inst, config.objective)?;
    let ffd = totals(&sets_of(&packing), types);
    let search = improve(&mut packing, config.objective, config.search);
    let servers = describe(&inst, workloads, types, config, sets_of(&packing));

    let flat = flatten(&inst, types, config);
    let mut base = best_ffd(&flat, config.objective)?;
    improve(&mut base, config.objective, config.search);
    let base_servers = describe(&inst, workloads, types, config, sets_of(&base));
    let baseline = Baseline {
        totals: totals_of_servers(&base_servers, types),
        meets_time_aligned: base_servers.iter().all(|s| s.meets),
        servers: base_servers,
    };

    let totals = totals_of_servers(&servers, types);
    let saving_cost = baseline.totals.cost - totals.cost;
    let saving = Saving {
        servers: baseline.totals.servers as i64 - totals.servers as i64,
        cost: saving_cost,
        cost_share: if baseline.totals.cost > 0.0 {
            saving_cost / baseline.totals.cost
        } else {
            0.0
        },
    };
    Ok(Plan {
        objective: config.objective,
        percentile: config.percentile,
        util_limit: config.util_limit,
        memory_limit: config.memory_limit,
        totals,
        servers,
        ffd,
        search,
        lower_bound_servers: lower_bound(&inst),
        baseline,
        saving,
    })
}

/// The sum-of-peaks view of `inst`: one constant sample per workload at its own load (and
/// memory peak), at p = 1, so a server's load is the sum of its workloads' loads.
fn flatten(inst: &Instance, types: &[ServerType], config: &PlanConfig) -> Instance {
    let cpu = inst.own.iter().map(|o| o.load).collect();
    let mem = if inst.has_mem() {
        inst.own.iter().map(|o| o.mem_peak).collect()
    } else {
        Vec::new()
    };
    Instance::new(cpu, mem, 1, types, config, 1.0)
}

/// Each non-empty bin as (type, members in input order).
fn sets_of(p: &Packing) -> Vec<(usize, Vec<usize>)> {
    p.bins
        .iter()
        .filter(|b| !b.members.is_empty())
        .map(|b| {
            let mut m = b.members.clone();
            m.sort_unstable();
            (b.kind, m)
        })
        .collect()
}

fn totals(sets: &[(usize, Vec<usize>)], types: &[ServerType]) -> Totals {
    let kinds: Vec<usize> = sets.iter().map(|s| s.0).collect();
    totals_of_kinds(&kinds, types)
}

fn totals_of_servers(servers: &[PlannedServer], types: &[ServerType]) -> Totals {
    let kinds: Vec<usize> = servers
        .iter()
        .filter_map(|s| types.iter().position(|t| t.name == s.server_type))
        .collect();
    totals_of_kinds(&kinds, types)
}

fn totals_of_kinds(kinds: &[usize], types: &[ServerType]) -> Totals {
    let by_type = types
        .iter()
        .enumerate()
        .filter_map(|(k, t)| {
            let servers = kinds.iter().filter(|&&x| x == k).count();
            (servers > 0).then(|| TypeTotal {
                server_type: t.name.clone(),
                servers,
                cost: servers as f64 * t.price,
            })
        })
        .collect();
    Totals {
        servers: kinds.len(),
        cost: kinds.iter().map(|&k| types[k].price).sum(),
        capacity_cores: kinds.iter().map(|&k| types[k].capacity_cores()).sum(),
        by_type,
    }
}

/// Builds the report of each server from the workloads' series, from scratch (not from the
/// search's running sums), ordered by first workload and named `target-01`, ….
fn describe(
    inst: &Instance,
    workloads: &[Workload],
    types: &[ServerType],
    config: &PlanConfig,
    mut sets: Vec<(usize, Vec<usize>)>,
) -> Vec<PlannedServer> {
    sets.sort_by_key(|(_, m)| m.first().copied().unwrap_or(usize::MAX));
    let width = sets.len().to_string().len().max(2);
    let mut scratch = Vec::with_capacity(inst.samples);
    sets.iter()
        .enumerate()
        .map(|(i, (k, members))| {
            let name = format!("target-{:0width$}", i + 1);
            describe_server(
                inst,
                workloads,
                &types[*k],
                config,
                members,
                name,
                &mut scratch,
            )
        })
        .collect()
}

fn describe_server(
    inst: &Instance,
    workloads: &[Workload],
    t: &ServerType,
    config: &PlanConfig,
    members: &[usize],
    name: String,
    scratch: &mut Vec<f64>,
) -> PlannedServer {
    let mut cpu = vec![0.0; inst.samples];
    let mut mem = vec![0.0; if inst.has_mem() { inst.samples } else { 0 }];
    for &w in members {
        for (s, x) in cpu.iter_mut().zip(inst.cpu_row(w)) {
            *s += x;
        }
        if inst.has_mem() {
            for (s, x) in mem.iter_mut().zip(inst.mem_row(w)) {
                *s += x;
            }
        }
    }
    let load = value_at_rank(&cpu, inst.rank, scratch);
    let memory_peak_gb = peak_of(&mem);
    let memory_reserved_gb: f64 = members.iter().map(|&w| inst.own[w].mem_peak).sum();
    let partitions = partitions(inst, t, config, members);
    let reserved_cores: f64 = partitions
        .iter()
        .map(|p| match *p {
            Partition::Vpar { cores } => f64::from(cores),
            Partition::Vm {
                entitlement_cores, ..
            } => entitlement_cores,
        })
        .sum();
    let limit_cores = config.util_limit * t.capacity_cores();
    let memory_limit_gb = config.memory_limit * t.memory_gb;
    let held_memory = match t.partitioning {
        Partitioning::Vpar => memory_reserved_gb,
        Partitioning::Vm { .. } => memory_peak_gb,
    };
    let meets = load <= limit_cores
        && held_memory <= memory_limit_gb
        && members
            .iter()
            .all(|&w| misfit_reason(&inst.own[w], t, config).is_none())
        && slots_fit(inst, t, config, members);
    PlannedServer {
        name,
        server_type: t.name.clone(),
        price: t.price,
        capacity_cores: t.capacity_cores(),
        limit_cores,
        load_cores: load,
        peak_cores: peak_of(&cpu),
        headroom_cores: limit_cores - load,
        sum_of_loads_cores: members.iter().map(|&w| inst.own[w].load).sum(),
        memory_gb: t.memory_gb,
        memory_limit_gb,
        memory_peak_gb,
        memory_reserved_gb,
        reserved_cores,
        meets,
        workloads: members
            .iter()
            .zip(partitions)
            .map(|(&w, partition)| PlacedWorkload {
                name: workloads[w].name.clone(),
                index: w,
                load_cores: inst.own[w].load,
                peak_cores: inst.own[w].peak,
                memory_peak_gb: inst.own[w].mem_peak,
                partition,
            })
            .collect(),
    }
}

/// vPar cores within the server's cores, or VM minimum entitlements within its budget and
/// placeable on distinct pCPUs.
fn slots_fit(inst: &Instance, t: &ServerType, config: &PlanConfig, members: &[usize]) -> bool {
    let fits: Vec<Fit> = members
        .iter()
        .map(|&w| fit_of(&inst.own[w], t, config))
        .collect();
    let kind = kind_of(t, config);
    let used = fits.iter().fold(0u64, |s, f| s.saturating_add(f.slots));
    used <= kind.budget && guests_place(&kind, fits.into_iter())
}

/// Each member's partition on a server of type `t`, in `members` order.
fn partitions(
    inst: &Instance,
    t: &ServerType,
    config: &PlanConfig,
    members: &[usize],
) -> Vec<Partition> {
    match t.partitioning {
        Partitioning::Vpar => members
            .iter()
            .map(|&w| Partition::Vpar {
                cores: u32::try_from(vpar_cores(
                    inst.own[w].load,
                    t.core_speed,
                    config.util_limit,
                ))
                .unwrap_or(u32::MAX),
            })
            .collect(),
        Partitioning::Vm {
            entitlement_granularity: g,
        } => {
            let loads: Vec<f64> = members.iter().map(|&w| inst.own[w].load).collect();
            vm_entitlements(&loads, t.core_speed, t.cores, g)
        }
    }
}

/// Entitlements as [`Partition::Vm`] describes: requests if the host honours them all, else
/// minimums plus a proportional, rounded-down share of the rest. Integer steps throughout,
/// so the total never exceeds the host's budget when the minimums fit.
///
/// "Honours" includes the distinct-pCPU rule [IV6][IV7] (`model::vcpu::placement`): nine
/// 1-vCPU guests asking 55 % each fit 8 cores by their sum (4.95) but not core by core (no
/// core holds two of them), and Integrity VM would not start the ninth. The share above the
/// minimums then shrinks, for every guest in proportion as above, to the largest that places.
fn vm_entitlements(loads: &[f64], core_speed: f64, cores: u32, g: f64) -> Vec<Partition> {
    let rows: Vec<(u64, u64, u64)> = loads
        .iter()
        .map(|&load| {
            let vcpus = vm_vcpus(load, core_speed);
            let min = vm_min_steps(vcpus, g);
            let max = floor_tol(vcpus as f64 / g).max(min);
            let want = ceil_tol(load / core_speed / g).clamp(min, max);
            (vcpus, min, want)
        })
        .collect();
    let budget = u128::from(vm_budget_steps(cores, g));
    let want: u128 = rows.iter().map(|r| u128::from(r.2)).sum();
    let min: u128 = rows.iter().map(|r| u128::from(r.1)).sum();
    let above = want - min;
    // Each guest gets its minimum and `extra / above` of the rest of its request [steps].
    let steps_with = |extra: u128| -> Vec<u128> {
        rows.iter()
            .map(|&(_, lo, hi)| {
                (u128::from(hi - lo) * extra)
                    .checked_div(above)
                    .map_or(u128::from(hi), |more| u128::from(lo) + more)
            })
            .collect()
    };
    let places = |steps: &[u128]| {
        let guests: Vec<(u32, f64)> = rows
            .iter()
            .zip(steps)
            .map(|(&(vcpus, ..), &k)| {
                let v = u32::try_from(vcpus).unwrap_or(u32::MAX);
                (v, k as f64 * g / f64::from(v.max(1)))
            })
            .collect();
        crate::model::vcpu::placement(cores, &guests) != crate::model::vcpu::Placement::Cannot
    };
    let most = budget.saturating_sub(min).min(above);
    let mut steps = steps_with(most);
    if !places(&steps) {
        // Placeability only grows as entitlements shrink: bisect the share above the minimums.
        let (mut fits, mut fails) = (0u128, most);
        while fails - fits > 1 {
            let mid = fits + (fails - fits) / 2;
            if places(&steps_with(mid)) {
                fits = mid;
            } else {
                fails = mid;
            }
        }
        steps = steps_with(fits);
    }
    rows.iter()
        .zip(steps)
        .map(|(&(vcpus, ..), k)| Partition::Vm {
            vcpus: u32::try_from(vcpus).unwrap_or(u32::MAX),
            entitlement_cores: k as f64 * g,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Independent check
// ---------------------------------------------------------------------------------------

/// Checks a placement against the rules from scratch: each workload placed exactly once,
/// and for every server the time-aligned CPU percentile, memory, vPar cores, vCPUs,
/// entitlements and whether a VM host's guests can start on distinct pCPUs, plus the reported
/// figures. Returns every broken rule (empty = valid).
///
/// Deliberately shares no logic with the planner (only the types, the two Integrity VM
/// constants and the model's placement search, which the simulator's validation uses too): it re-derives each rule from the module docs, sums the raw f32 series in its own loop and finds percentiles by a full sort, so
/// a bug in the incremental sums or the counting check cannot hide itself. Comparisons
/// allow a relative 1e-9 for summation order.
pub fn verify(
    workloads: &[Workload],
    types: &[ServerType],
    config: &PlanConfig,
    servers: &[PlannedServer],
) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut bad = |server: &str, message: String| {
        out.push(Violation {
            server: server.to_string(),
            message,
        })
    };
    let mut seen = vec![0usize; workloads.len()];
    for s in servers {
        let Some(t) = types.iter().find(|t| t.name == s.server_type) else {
            bad(&s.name, format!("unknown server type '{}'", s.server_type));
            continue;
        };
        let mut members = Vec::new();
        for pw in &s.workloads {
            match workloads.iter().position(|w| w.name == pw.name) {
                Some(i) if i == pw.index => {
                    seen[i] += 1;
                    members.push((i, pw));
                }
                _ => bad(
                    &s.name,
                    format!(
                        "workload '{}' (index {}) is not in the input",
                        pw.name, pw.index
                    ),
                ),
            }
        }
        for m in verify_server(workloads, t, config, s, &members) {
            bad(&s.name, m);
        }
    }
    for (i, &n) in seen.iter().enumerate() {
        if n != 1 {
            bad(
                "-",
                format!("workload '{}' is placed {n} times", workloads[i].name),
            );
        }
    }
    out
}

/// Slack for comparing recomputed sums with limits and reported figures.
fn close_enough(found: f64, limit: f64) -> bool {
    found <= limit + 1e-9 * limit.abs().max(1.0)
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// The `p` percentile of `values` by sorting a copy: the ascending value at rank ⌊p·n⌋.
fn sorted_percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p * v.len() as f64 + 1e-9).floor() as usize).min(v.len() - 1);
    v[rank]
}

fn verify_server(
    workloads: &[Workload],
    t: &ServerType,
    config: &PlanConfig,
    s: &PlannedServer,
    members: &[(usize, &PlacedWorkload)],
) -> Vec<String> {
    let mut errs = Vec::new();
    let samples = workloads.first().map_or(0, |w| w.cpu.len());
    let mut cpu = vec![0.0f64; samples];
    let mut mem = vec![0.0f64; samples];
    let mut mem_reserved = 0.0;
    let mut cores_used = 0u64;
    let mut entitled = 0.0;
    let mut guests: Vec<(&str, u32, f64)> = Vec::new();
    for &(i, pw) in members {
        let w = &workloads[i];
        for (t, x) in w.cpu.iter().enumerate() {
            cpu[t] += f64::from(*x);
        }
        let own_mem: Vec<f64> = w.memory_gb.as_ref().map_or(vec![0.0; samples], |m| {
            m.iter().map(|&x| f64::from(x)).collect()
        });
        for (t, x) in own_mem.iter().enumerate() {
            mem[t] += x;
        }
        mem_reserved += own_mem.iter().copied().fold(0.0, f64::max);
        let own: Vec<f64> = w.cpu.iter().map(|&x| f64::from(x)).collect();
        let load = sorted_percentile(&own, config.percentile);
        if !same(load, pw.load_cores) {
            errs.push(format!(
                "'{}' reported load {} but its percentile is {load}",
                w.name, pw.load_cores
            ));
        }
        match (t.partitioning, pw.partition) {
            (Partitioning::Vpar, Partition::Vpar { cores }) => {
                let need = (load / (t.core_speed * config.util_limit) - 1e-9)
                    .ceil()
                    .max(1.0);
                if f64::from(cores) != need {
                    errs.push(format!(
                        "'{}' has a {cores}-core vPar; the rule gives {need}",
                        w.name
                    ));
                }
                cores_used += u64::from(cores);
            }
            (
                Partitioning::Vm {
                    entitlement_granularity: g,
                },
                Partition::Vm {
                    vcpus,
                    entitlement_cores,
                },
            ) => {
                let need = (load / t.core_speed - 1e-9).ceil().max(1.0);
                if f64::from(vcpus) != need {
                    errs.push(format!(
                        "'{}' has {vcpus} vCPUs; the rule gives {need}",
                        w.name
                    ));
                }
                if vcpus > t.cores || vcpus > MAX_VCPUS {
                    errs.push(format!(
                        "'{}' has {vcpus} vCPUs on a {}-core host",
                        w.name, t.cores
                    ));
                }
                let steps = entitlement_cores / g;
                if (steps - steps.round()).abs() > 1e-6 {
                    errs.push(format!(
                        "'{}' entitlement {entitlement_cores} is not a multiple of {g}",
                        w.name
                    ));
                }
                if entitlement_cores + 1e-9 < 0.05 * f64::from(vcpus)
                    || entitlement_cores > f64::from(vcpus) + 1e-9
                {
                    errs.push(format!(
                        "'{}' entitlement {entitlement_cores} outside 5 %..100 % of {vcpus} vCPUs",
                        w.name
                    ));
                }
                entitled += entitlement_cores;
                guests.push((&w.name, vcpus, entitlement_cores));
            }
            _ => errs.push(format!(
                "'{}' has a partition of the wrong kind for '{}'",
                w.name, t.name
            )),
        }
    }
    let capacity = f64::from(t.cores) * t.core_speed;
    let load = sorted_percentile(&cpu, config.percentile);
    if !close_enough(load, config.util_limit * capacity) {
        errs.push(format!(
            "time-aligned load {load} > limit {}",
            config.util_limit * capacity
        ));
    }
    let mem_peak = mem.iter().copied().fold(0.0, f64::max);
    let held = match t.partitioning {
        Partitioning::Vpar => mem_reserved,
        Partitioning::Vm { .. } => mem_peak,
    };
    if !close_enough(held, config.memory_limit * t.memory_gb) {
        errs.push(format!(
            "memory {held} GiB > limit {}",
            config.memory_limit * t.memory_gb
        ));
    }
    if cores_used > u64::from(t.cores) {
        errs.push(format!("vPars take {cores_used} cores of {}", t.cores));
    }
    if !close_enough(entitled, f64::from(t.cores)) {
        errs.push(format!("entitlements {entitled} > {} cores", t.cores));
    }
    // The sum of entitlements fitting the cores is not enough: each vCPU holds its share on a
    // core of its own [IV6][IV7], and Integrity VM would refuse to start a set that cannot be
    // laid out that way. The model's exact search decides it, not the planner's bisection.
    let shares: Vec<(u32, f64)> = guests
        .iter()
        .map(|&(_, v, e)| (v, e / f64::from(v.max(1))))
        .collect();
    if crate::model::vcpu::placement(t.cores, &shares) == crate::model::vcpu::Placement::Cannot {
        let named: Vec<String> = guests
            .iter()
            .map(|&(n, v, e)| format!("'{n}' ({v} vCPUs, {e} cores)"))
            .collect();
        errs.push(format!(
            "guests {} cannot be placed on distinct pCPUs of {} cores",
            named.join(", "),
            t.cores
        ));
    }
    let peak = cpu.iter().copied().fold(0.0, f64::max);
    for (what, reported, actual) in [
        ("load_cores", s.load_cores, load),
        ("peak_cores", s.peak_cores, peak),
        ("memory_peak_gb", s.memory_peak_gb, mem_peak),
        ("memory_reserved_gb", s.memory_reserved_gb, mem_reserved),
        ("capacity_cores", s.capacity_cores, capacity),
        ("price", s.price, t.price),
    ] {
        if !same(reported, actual) {
            errs.push(format!("reported {what} {reported}, recomputed {actual}"));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wl(name: &str, cpu: &[f32]) -> Workload {
        Workload {
            name: name.to_string(),
            cpu: cpu.to_vec(),
            memory_gb: None,
        }
    }

    fn vm(name: &str, cores: u32, price: f64) -> ServerType {
        ServerType {
            name: name.to_string(),
            cores,
            core_speed: 1.0,
            memory_gb: 1024.0,
            price,
            partitioning: Partitioning::Vm {
                entitlement_granularity: 0.05,
            },
        }
    }

    fn vpar(name: &str, cores: u32, price: f64) -> ServerType {
        ServerType {
            partitioning: Partitioning::Vpar,
            ..vm(name, cores, price)
        }
    }

    fn config(percentile: f64, util_limit: f64, objective: Objective) -> PlanConfig {
        PlanConfig {
            percentile,
            util_limit,
            memory_limit: 1.0,
            objective,
            search: SearchLimits::default(),
        }
    }

    /// Plans and checks the result with the independent checker.
    fn plan_ok(workloads: &[Workload], types: &[ServerType], cfg: &PlanConfig) -> Plan {
        let p = plan(workloads, types, cfg).expect("a plan");
        let violations = verify(workloads, types, cfg, &p.servers);
        assert!(violations.is_empty(), "{violations:?}");
        p
    }

    fn square(n: usize, high: f32, phase: usize) -> Vec<f32> {
        (0..n)
            .map(|t| {
                if (t + phase).is_multiple_of(2) {
                    high
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn anti_phase_square_waves_share_one_server() {
        // Each peaks at 3 cores, never at the same time: the time-aligned sum is 3 ≤ 4, while
        // sum-of-peaks counts 6 > 4 and needs a server each.
        let w = [wl("a", &square(12, 3.0, 0)), wl("b", &square(12, 3.0, 1))];
        let types = [vm("four", 4, 1000.0)];
        let p = plan_ok(&w, &types, &config(1.0, 1.0, Objective::Count));
        assert_eq!(p.totals.servers, 1);
        assert_eq!(p.servers[0].load_cores, 3.0);
        assert_eq!(p.baseline.totals.servers, 2);
        assert_eq!(p.saving.servers, 1);
        assert_eq!(p.saving.cost, 1000.0);
    }

    #[test]
    fn in_phase_square_waves_do_not() {
        // The control: the same waves in phase sum to 6 > 4.
        let w = [wl("a", &square(12, 3.0, 0)), wl("b", &square(12, 3.0, 0))];
        let p = plan_ok(
            &w,
            &[vm("four", 4, 1.0)],
            &config(1.0, 1.0, Objective::Count),
        );
        assert_eq!(p.totals.servers, 2);
    }

    /// DOMAIN.md §6 [CA4]: systems peaking near 7 and 8 cores whose time-aligned sum peaks
    /// at 12 fit one 16-core server at a 75 % limit (12 ≤ 0.75 × 16 = 12) and not at 70 %
    /// (12 > 11.2).
    #[test]
    fn domain_example_seven_and_eight_make_twelve() {
        let w = [
            wl("a", &[7.0, 4.0, 3.0, 5.0]),
            wl("b", &[5.0, 8.0, 6.0, 4.0]),
        ];
        let types = [vm("sixteen", 16, 1.0)];
        let p = plan_ok(&w, &types, &config(1.0, 0.75, Objective::Count));
        assert_eq!(p.totals.servers, 1);
        assert_eq!(p.servers[0].peak_cores, 12.0);
        assert_eq!(p.servers[0].sum_of_loads_cores, 15.0);
        assert_eq!(p.servers[0].headroom_cores, 0.0);
        assert_eq!(p.baseline.totals.servers, 2, "sum of peaks 15 > 12");
        let p = plan_ok(&w, &types, &config(1.0, 0.70, Objective::Count));
        assert_eq!(p.totals.servers, 2);
    }

    /// FFD is suboptimal on constant demands 5, 4, 3, 3, 3, 2 in 10-core servers: it pairs
    /// 5 + 4 (9) and 3 + 3 + 3 (9), which leaves 1 core free in each, so the 2 opens a third
    /// server although 20 cores fit in two ({5, 3, 2}, {4, 3, 3}). The search's swap of 4
    /// and 3 (it makes the fills 0.8 / 1.0 instead of 0.9 / 0.9) frees room for the 2, and
    /// the next close empties the third server.
    #[test]
    fn local_search_beats_ffd_where_ffd_is_suboptimal() {
        let w: Vec<Workload> = [5.0, 4.0, 3.0, 3.0, 3.0, 2.0]
            .iter()
            .enumerate()
            .map(|(i, &x)| wl(&format!("w{i}"), &[x; 3]))
            .collect();
        let types = [vm("ten", 10, 1.0)];
        let mut cfg = config(1.0, 1.0, Objective::Count);
        let p = plan_ok(&w, &types, &cfg);
        assert_eq!(p.ffd.servers, 3);
        assert_eq!(p.totals.servers, 2);
        assert!(p.search.improvements >= 1 && p.search.swaps >= 1);
        assert!(p.search.converged);
        cfg.search.max_rounds = 0;
        let p = plan_ok(&w, &types, &cfg);
        assert_eq!(p.totals.servers, 3, "FFD alone");
    }

    /// A: 8 cores for 10k, B: 16 cores for 15k; three constant 6-core workloads at 100 %.
    /// B holds two (12 ≤ 16), A holds one (6 ≤ 8). B + A = 25k beats B + B = 30k and
    /// A + A + A = 30k. FFD opens B (cheaper per core: 937.5 vs 1250) for the third too;
    /// the retype step turns that half-empty B into an A.
    #[test]
    fn cost_objective_picks_the_cheaper_mix() {
        let w: Vec<Workload> = (0..3).map(|i| wl(&format!("w{i}"), &[6.0; 4])).collect();
        let types = [vm("A", 8, 10_000.0), vm("B", 16, 15_000.0)];
        let p = plan_ok(&w, &types, &config(1.0, 1.0, Objective::Cost));
        assert_eq!(p.totals.cost, 25_000.0);
        assert_eq!(p.totals.servers, 2);
        let by: Vec<(&str, usize)> = p
            .totals
            .by_type
            .iter()
            .map(|t| (t.server_type.as_str(), t.servers))
            .collect();
        assert_eq!(by, [("A", 1), ("B", 1)]);
    }

    /// Under `count` FFD opens the biggest type (B) for all three 6-core workloads: B{6, 6}
    /// and B{6}. The count cannot drop below 2 (18 > 16), but the final retype gives the
    /// second server an A: 25k instead of 30k.
    #[test]
    fn count_objective_still_takes_the_cheaper_type_at_equal_count() {
        let w: Vec<Workload> = (0..3).map(|i| wl(&format!("w{i}"), &[6.0; 4])).collect();
        let types = [vm("A", 8, 10_000.0), vm("B", 16, 15_000.0)];
        let p = plan_ok(&w, &types, &config(1.0, 1.0, Objective::Count));
        assert_eq!((p.ffd.servers, p.ffd.cost), (2, 30_000.0));
        assert_eq!((p.totals.servers, p.totals.cost), (2, 25_000.0));
        assert_eq!(p.search.retyped, 1);
    }

    /// Where the objectives disagree: A: 8 cores for 5k, B: 16 cores for 15k; four 4-core
    /// workloads. Count: one B (15k). Cost: two A (10k, two servers).
    #[test]
    fn count_and_cost_objectives_disagree_when_they_should() {
        let w: Vec<Workload> = (0..4).map(|i| wl(&format!("w{i}"), &[4.0; 4])).collect();
        let types = [vm("A", 8, 5_000.0), vm("B", 16, 15_000.0)];
        let p = plan_ok(&w, &types, &config(1.0, 1.0, Objective::Count));
        assert_eq!((p.totals.servers, p.totals.cost), (1, 15_000.0));
        let p = plan_ok(&w, &types, &config(1.0, 1.0, Objective::Cost));
        assert_eq!((p.totals.servers, p.totals.cost), (2, 10_000.0));
    }

    #[test]
    fn vpars_gain_nothing_from_time_alignment() {
        // Each needs ⌈3 / (1 × 0.75)⌉ = 4 whole cores even though their peaks never meet, so
        // an 8-core server holds two, not three.
        let w = [
            wl("a", &[3.0, 0.0, 0.0]),
            wl("b", &[0.0, 3.0, 0.0]),
            wl("c", &[0.0, 0.0, 3.0]),
        ];
        let types = [vpar("eight", 8, 1.0)];
        let p = plan_ok(&w, &types, &config(1.0, 0.75, Objective::Count));
        assert_eq!(p.totals.servers, 2);
        assert_eq!(p.baseline.totals.servers, 2);
        assert_eq!(
            p.servers[0].workloads[0].partition,
            Partition::Vpar { cores: 4 }
        );
        // As VMs the three share one server: their sum is 3 ≤ 6.
        let p = plan_ok(
            &w,
            &[vm("eight", 8, 1.0)],
            &config(1.0, 0.75, Objective::Count),
        );
        assert_eq!(p.totals.servers, 1);
    }

    /// Nine 1-vCPU guests asking 0.55 cores each on 8 cores: their sum (4.95) fits, but no core
    /// holds two guests above 50 %, so each is cut to a share that places: the minimum 0.05 plus
    /// the same fraction of the 0.50 above it, at most 0.50 (two to a core on one core, by hand:
    /// 8 cores, 9 guests, so one core holds two, each ≤ 0.50).
    #[test]
    fn vm_entitlements_keep_to_the_distinct_pcpu_rule() {
        let parts = super::vm_entitlements(&[0.55; 9], 1.0, 8, 0.05);
        let ents: Vec<f64> = parts
            .iter()
            .map(|p| match *p {
                Partition::Vm {
                    entitlement_cores, ..
                } => entitlement_cores,
                Partition::Vpar { .. } => unreachable!(),
            })
            .collect();
        assert!(
            ents.iter()
                .all(|&e| (0.05 - 1e-9..=0.50 + 1e-9).contains(&e)),
            "{ents:?}"
        );
        // The largest that places: 0.50 each (two share a core at exactly 100 %).
        assert!(ents.iter().all(|&e| (e - 0.50).abs() < 1e-9), "{ents:?}");
        // Eight of them ask what they want: untouched.
        let parts = super::vm_entitlements(&[0.55; 8], 1.0, 8, 0.05);
        assert!(parts.iter().all(|p| matches!(*p, Partition::Vm { entitlement_cores, .. } if (entitlement_cores - 0.55).abs() < 1e-9)));
    }

    #[test]
    fn vm_entitlements_scale_down_to_what_the_host_can_honour() {
        // Three 2-core guests on a 4-core host, in turn: 2 vCPUs each, each asks 2.0 cores
        // (40 steps of 0.05), 120 > 80 steps. Minimum 5 % × 2 vCPUs = 2 steps each; the 74
        // left would go by what each asked above it: 2 + ⌊38 × 74 / 114⌋ = 26 steps = 1.30
        // cores, 0.65 per vCPU. But six vCPUs on four cores put two on some core, and two
        // 0.65s exceed it [IV6][IV7]: the share shrinks until 0.50 per vCPU, 1.00 cores
        // (2 + ⌊38 × e / 114⌋ = 20 steps at the largest e), which places (cores 1 and 3 hold
        // two halves each).
        let w = [
            wl("a", &[2.0, 0.0, 0.0]),
            wl("b", &[0.0, 2.0, 0.0]),
            wl("c", &[0.0, 0.0, 2.0]),
        ];
        let p = plan_ok(
            &w,
            &[vm("four", 4, 1.0)],
            &config(1.0, 0.85, Objective::Count),
        );
        assert_eq!(p.totals.servers, 1);
        for pw in &p.servers[0].workloads {
            match pw.partition {
                Partition::Vm {
                    vcpus,
                    entitlement_cores,
                } => {
                    assert_eq!(vcpus, 2);
                    assert!(
                        (entitlement_cores - 1.00).abs() < 1e-9,
                        "{entitlement_cores}"
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn memory_is_time_aligned_on_vms_and_reserved_on_vpars() {
        let mut a = wl("a", &[1.0; 2]);
        let mut b = wl("b", &[1.0; 2]);
        a.memory_gb = Some(vec![60.0, 10.0]);
        b.memory_gb = Some(vec![10.0, 60.0]);
        let w = [a, b];
        let mut t = vm("m", 8, 1.0);
        t.memory_gb = 100.0;
        // VM: the memory sum peaks at 70 ≤ 100; vPars reserve 60 + 60 = 120 > 100.
        let p = plan_ok(
            &w,
            std::slice::from_ref(&t),
            &config(1.0, 1.0, Objective::Count),
        );
        assert_eq!(p.totals.servers, 1);
        assert_eq!(p.servers[0].memory_peak_gb, 70.0);
        t.partitioning = Partitioning::Vpar;
        let p = plan_ok(&w, &[t], &config(1.0, 1.0, Objective::Count));
        assert_eq!(p.totals.servers, 2);
    }

    #[test]
    fn percentile_lets_rare_coinciding_spikes_through() {
        // 100 samples, p99: the ascending value at rank 99 is the top one, so nothing may be
        // over; with 200 samples rank 198, so one sample may be.
        let mut a = vec![1.0f32; 200];
        let mut b = vec![1.0f32; 200];
        a[7] = 3.0;
        b[7] = 3.0; // together 6 > 4 at one instant; 2 elsewhere
        let w = [wl("a", &a), wl("b", &b)];
        let p = plan_ok(
            &w,
            &[vm("four", 4, 1.0)],
            &config(0.99, 1.0, Objective::Count),
        );
        assert_eq!(p.totals.servers, 1);
        assert_eq!(p.servers[0].load_cores, 2.0);
        let w = [wl("a", &a[..100]), wl("b", &b[..100])];
        let p = plan_ok(
            &w,
            &[vm("four", 4, 1.0)],
            &config(0.99, 1.0, Objective::Count),
        );
        assert_eq!(p.totals.servers, 2);
    }

    #[test]
    fn workload_too_big_for_every_type_is_named() {
        let w = [wl("small", &[1.0; 3]), wl("huge", &[10.0, 40.0, 12.0])];
        let types = [vm("a", 16, 1.0), vm("b", 32, 2.0)];
        let err = plan(&w, &types, &config(1.0, 0.75, Objective::Count)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(&err, PlanError::Unplaceable { workload, .. } if workload == "huge"));
        assert!(msg.contains("'huge'"), "{msg}");
        assert!(
            msg.contains("peak demand 40.00") && msg.contains("limit 24.00 ('b')"),
            "{msg}"
        );
    }

    #[test]
    fn mixed_reasons_are_listed_per_type() {
        let mut w = wl("big", &[6.0; 2]);
        w.memory_gb = Some(vec![500.0; 2]);
        let mut little = vm("little-memory", 16, 1.0);
        little.memory_gb = 64.0;
        let types = [vm("few-cores", 4, 1.0), little];
        let msg = plan(&[w], &types, &config(1.0, 1.0, Objective::Count))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("on 'few-cores': peak demand 6.00"), "{msg}");
        assert!(
            msg.contains("on 'little-memory': memory peak 500.00 GiB"),
            "{msg}"
        );
    }

    #[test]
    fn odd_input_is_an_error_not_a_panic() {
        let types = [vm("t", 4, 1.0)];
        let cfg = PlanConfig::default();
        let e = plan(&[wl("n", &[1.0, f32::NAN])], &types, &cfg).unwrap_err();
        assert!(matches!(e, PlanError::BadSample { index: 1, .. }), "{e}");
        let e = plan(&[wl("n", &[-1.0])], &types, &cfg).unwrap_err();
        assert!(matches!(e, PlanError::BadSample { .. }));
        let e = plan(&[wl("n", &[f32::INFINITY])], &types, &cfg).unwrap_err();
        assert!(matches!(e, PlanError::BadSample { .. }));
        let e = plan(&[wl("a", &[1.0, 1.0]), wl("b", &[1.0])], &types, &cfg).unwrap_err();
        assert!(matches!(e, PlanError::SeriesLength { .. }));
        let mut m = wl("m", &[1.0]);
        m.memory_gb = Some(vec![f32::NAN]);
        assert!(matches!(
            plan(&[m], &types, &cfg),
            Err(PlanError::BadSample { .. })
        ));
        let e = plan(&[wl("a", &[]), wl("b", &[])], &types, &cfg).unwrap_err();
        assert_eq!(e, PlanError::EmptySeries);
        let e = plan(&[wl("a", &[1.0]), wl("a", &[1.0])], &types, &cfg).unwrap_err();
        assert!(matches!(e, PlanError::DuplicateWorkload(_)));
        assert_eq!(
            plan(&[wl("a", &[1.0])], &[], &cfg).unwrap_err(),
            PlanError::NoServerTypes
        );
        for bad in [f64::NAN, 0.0, 1.5, -0.1] {
            let c = PlanConfig {
                percentile: bad,
                ..cfg
            };
            assert!(matches!(
                plan(&[], &types, &c),
                Err(PlanError::BadConfig { .. })
            ));
            let c = PlanConfig {
                util_limit: bad,
                ..cfg
            };
            assert!(matches!(
                plan(&[], &types, &c),
                Err(PlanError::BadConfig { .. })
            ));
        }
        let mut t = vm("t", 4, 1.0);
        t.core_speed = f64::NAN;
        assert!(matches!(
            plan(&[], &[t], &cfg),
            Err(PlanError::BadServerType { .. })
        ));
        let mut t = vm("t", 0, 1.0);
        assert!(matches!(
            plan(&[], &[t.clone()], &cfg),
            Err(PlanError::BadServerType { .. })
        ));
        t.cores = 4;
        t.partitioning = Partitioning::Vm {
            entitlement_granularity: 0.0,
        };
        assert!(matches!(
            plan(&[], &[t], &cfg),
            Err(PlanError::BadServerType { .. })
        ));
        // Nothing to place is a valid, empty plan.
        let p = plan(&[], &types, &cfg).unwrap();
        assert_eq!((p.totals.servers, p.lower_bound_servers), (0, 0));
    }

    #[test]
    fn extreme_values_do_not_panic() {
        let mut huge = vm("huge", u32::MAX, 1.0);
        huge.core_speed = 1e30;
        huge.partitioning = Partitioning::Vm {
            entitlement_granularity: 1e-4,
        };
        let mut overflow = huge.clone();
        overflow.core_speed = 1e300; // capacity u32::MAX × 1e300 is infinite
        let e = plan(&[], &[overflow], &PlanConfig::default()).unwrap_err();
        assert!(matches!(
            e,
            PlanError::BadServerType {
                field: "core_speed",
                ..
            }
        ));
        let mut fine = huge.clone();
        fine.partitioning = Partitioning::Vm {
            entitlement_granularity: 1e-300,
        };
        let e = plan(&[], &[fine], &PlanConfig::default()).unwrap_err();
        assert!(matches!(
            e,
            PlanError::BadServerType {
                field: "entitlement_granularity",
                ..
            }
        ));
        let mut tiny = vpar("tiny", 1, 0.0);
        tiny.core_speed = 1e-300;
        tiny.memory_gb = 0.0;
        let w = [
            wl("max", &[f32::MAX, 0.0]),
            wl("min", &[f32::MIN_POSITIVE, 0.0]),
            wl("zero", &[0.0, 0.0]),
        ];
        for types in [vec![huge.clone()], vec![tiny.clone()], vec![huge, tiny]] {
            for percentile in [1.0, 0.5, 1e-9] {
                let cfg = config(percentile, 1e-9, Objective::Cost);
                match plan(&w, &types, &cfg) {
                    Ok(p) => {
                        let v = verify(&w, &types, &cfg, &p.servers);
                        assert!(v.is_empty(), "{v:?} {p:?}");
                    }
                    Err(e) => assert!(matches!(e, PlanError::Unplaceable { .. }), "{e}"),
                }
            }
        }
    }

    #[test]
    fn verify_catches_a_broken_plan() {
        let w = [wl("a", &square(4, 3.0, 0)), wl("b", &square(4, 3.0, 0))];
        let types = [vm("four", 4, 1.0)];
        let cfg = config(1.0, 1.0, Objective::Count);
        let mut p = plan_ok(&w, &types, &cfg);
        assert_eq!(p.servers.len(), 2);
        // Put both on the first server: 6 > 4 at the same instants.
        let moved = p.servers[1].workloads.pop().unwrap();
        p.servers[0].workloads.push(moved);
        let v = verify(&w, &types, &cfg, &p.servers[..1]);
        assert!(
            v.iter().any(|v| v.message.contains("time-aligned load 6")),
            "{v:?}"
        );
        // And a workload left out is reported.
        let v = verify(&w, &types, &cfg, &[]);
        assert_eq!(v.len(), 2);
    }

    /// IV6/IV7 by hand: on a 4-core host a 4-vCPU guest entitled to 1 core (25 % on each of
    /// the 4 cores) leaves 75 % of any core, so a 1-vCPU guest at 80 % has nowhere to start,
    /// though the entitlements sum to 1.8 of 4 cores. The loads alternate (3.5 and 0.8 cores,
    /// never together), so every other rule holds; the planner's own plan passes.
    #[test]
    fn verify_catches_guests_that_cannot_be_placed_on_distinct_pcpus() {
        let w = [
            wl("wide", &square(4, 3.5, 0)),
            wl("narrow", &square(4, 0.8, 1)),
        ];
        let types = [vm("four", 4, 1.0)];
        let cfg = config(1.0, 1.0, Objective::Count);
        let p = plan_ok(&w, &types, &cfg);
        assert_eq!(p.servers.len(), 1, "both fit one host by time");
        let mut hand = p.servers.clone();
        for pw in &mut hand[0].workloads {
            pw.partition = match pw.name.as_str() {
                "wide" => Partition::Vm {
                    vcpus: 4,
                    entitlement_cores: 1.0,
                },
                _ => Partition::Vm {
                    vcpus: 1,
                    entitlement_cores: 0.8,
                },
            };
        }
        let v = verify(&w, &types, &cfg, &hand);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].message
                .contains("cannot be placed on distinct pCPUs of 4 cores")
                && v[0].message.contains("'wide' (4 vCPUs, 1 cores)")
                && v[0].message.contains("'narrow' (1 vCPUs, 0.8 cores)"),
            "{v:?}"
        );
        // At 75 % the narrow guest fits beside the wide one's 25 %s.
        if let Partition::Vm {
            entitlement_cores, ..
        } = &mut hand[0]
            .workloads
            .iter_mut()
            .find(|p| p.name == "narrow")
            .unwrap()
            .partition
        {
            *entitlement_cores = 0.75;
        }
        assert!(verify(&w, &types, &cfg, &hand).is_empty());
    }

    /// Found by verify's distinct-pCPU check: with whole-core entitlement steps, a 3-vCPU guest
    /// (2.5 cores at its peak) and two 1-vCPU guests sum to the 3 steps of a 3-core host at
    /// their minimums and never peak together, yet the 1-vCPU guests take a whole core each and
    /// the wide one needs a third of every core. No 1-vCPU guest can share a host with it, so the
    /// plan is two hosts: {wide} and {a, b}.
    #[test]
    fn admission_keeps_minimum_entitlements_placeable() {
        let w = [
            wl("wide", &[0.0, 0.0, 2.5]),
            wl("a", &[1.0, 1.0, 0.0]),
            wl("b", &[0.0, 0.0, 0.0]),
        ];
        let types = [ServerType {
            partitioning: Partitioning::Vm {
                entitlement_granularity: 1.0,
            },
            ..vm("three", 3, 1.0)
        }];
        let cfg = config(1.0, 1.0, Objective::Count);
        let p = plan_ok(&w, &types, &cfg);
        let mut groups: Vec<Vec<&str>> = p
            .servers
            .iter()
            .map(|s| {
                let mut n: Vec<&str> = s.workloads.iter().map(|w| w.name.as_str()).collect();
                n.sort_unstable();
                n
            })
            .collect();
        groups.sort();
        assert_eq!(groups, [vec!["a", "b"], vec!["wide"]]);
    }

    #[test]
    fn same_input_same_plan() {
        let inst = realistic(60, 96, 7);
        let types = mixed_types();
        let cfg = config(0.99, 0.8, Objective::Cost);
        assert_eq!(plan(&inst, &types, &cfg), plan(&inst, &types, &cfg));
    }

    // --- generators ---------------------------------------------------------------------

    /// splitmix64: a few lines of seeded randomness for the instance generators.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Workloads like a data centre's: a diurnal wave (5-minute samples) with a random
    /// phase, amplitude and base, noise, and rare spikes; memory flat-ish.
    fn realistic(n: usize, samples: usize, seed: u64) -> Vec<Workload> {
        let mut rng = Rng(seed);
        (0..n)
            .map(|i| {
                let base = 0.2 + 1.5 * rng.unit();
                let amp = 3.0 * rng.unit() * rng.unit();
                let phase = rng.unit() * std::f64::consts::TAU;
                let spike = 2.0 * rng.unit();
                let mem = 4.0 + 28.0 * rng.unit();
                let cpu = (0..samples)
                    .map(|t| {
                        let day = (t as f64 / 288.0) * std::f64::consts::TAU + phase;
                        let mut x = base + amp * (0.5 + 0.5 * day.sin()) + 0.3 * rng.unit();
                        if rng.unit() < 0.005 {
                            x += spike;
                        }
                        x as f32
                    })
                    .collect();
                let memory = (0..samples)
                    .map(|_| (mem * (0.9 + 0.1 * rng.unit())) as f32)
                    .collect();
                Workload {
                    name: format!("w{i:04}"),
                    cpu,
                    memory_gb: Some(memory),
                }
            })
            .collect()
    }

    fn mixed_types() -> Vec<ServerType> {
        let mut small = vm("rx2800-8", 8, 10_000.0);
        small.memory_gb = 128.0;
        let mut mid = vm("rx6600-16", 16, 15_000.0);
        mid.memory_gb = 256.0;
        mid.core_speed = 1.2;
        let mut big = vm("sd2-32", 32, 40_000.0);
        big.memory_gb = 1024.0;
        big.core_speed = 1.5;
        vec![small, mid, big]
    }

    // --- properties ---------------------------------------------------------------------

    fn arb_type() -> impl Strategy<Value = ServerType> {
        (
            1u32..=12,
            prop::sample::select(vec![0.5, 1.0, 1.5, 2.0]),
            prop::sample::select(vec![0.0, 16.0, 64.0, 256.0]),
            0u32..20,
            prop::option::of(prop::sample::select(vec![0.05, 0.1, 0.25, 1.0])),
        )
            .prop_map(|(cores, core_speed, memory_gb, price, vm)| ServerType {
                name: String::new(),
                cores,
                core_speed,
                memory_gb,
                price: f64::from(price) * 1000.0,
                partitioning: match vm {
                    Some(g) => Partitioning::Vm {
                        entitlement_granularity: g,
                    },
                    None => Partitioning::Vpar,
                },
            })
    }

    /// Up to 29 workloads × 1..40 samples: square waves, spikes and noise, values from a
    /// small set so that exact ties with the limits happen.
    fn arb_instance() -> impl Strategy<Value = (Vec<Workload>, Vec<ServerType>, PlanConfig)> {
        (1usize..40, 0usize..30, 1usize..4).prop_flat_map(|(t, n, k)| {
            let cpu = prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(vec![0.0f32, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 6.0]),
                    t,
                ),
                n,
            );
            let mem = prop::option::of(prop::collection::vec(
                prop::collection::vec(0.0f32..40.0, t),
                n,
            ));
            let types = prop::collection::vec(arb_type(), k);
            let cfg = (
                prop::sample::select(vec![1.0, 0.99, 0.9, 0.75, 0.5]),
                prop::sample::select(vec![0.5, 0.7, 0.75, 0.85, 1.0]),
                prop::sample::select(vec![0.5, 0.85, 1.0]),
                prop::bool::ANY,
            );
            (cpu, mem, types, cfg).prop_map(|(cpu, mem, mut types, (p, l, ml, cost))| {
                for (i, t) in types.iter_mut().enumerate() {
                    t.name = format!("type{i}");
                }
                let workloads = cpu
                    .into_iter()
                    .enumerate()
                    .map(|(i, cpu)| Workload {
                        name: format!("w{i}"),
                        cpu,
                        memory_gb: mem.as_ref().map(|m| m[i].clone()),
                    })
                    .collect();
                let cfg = PlanConfig {
                    percentile: p,
                    util_limit: l,
                    memory_limit: ml,
                    objective: if cost {
                        Objective::Cost
                    } else {
                        Objective::Count
                    },
                    search: SearchLimits::default(),
                };
                (workloads, types, cfg)
            })
        })
    }

    /// Whether `w` alone breaks a rule on `t`, derived again from the rules (not from
    /// `misfit_reason`), to confirm an `Unplaceable` error.
    fn alone_breaks(w: &Workload, t: &ServerType, cfg: &PlanConfig) -> bool {
        let own: Vec<f64> = w.cpu.iter().map(|&x| f64::from(x)).collect();
        let load = sorted_percentile(&own, cfg.percentile);
        let mem = w
            .memory_gb
            .as_ref()
            .map_or(0.0, |m| m.iter().map(|&x| f64::from(x)).fold(0.0, f64::max));
        let cap = f64::from(t.cores) * t.core_speed;
        let cores_needed = match t.partitioning {
            Partitioning::Vpar => (load / (t.core_speed * cfg.util_limit) - 1e-9).ceil(),
            Partitioning::Vm { .. } => (load / t.core_speed - 1e-9).ceil(),
        };
        let cores_allowed = match t.partitioning {
            Partitioning::Vpar => f64::from(t.cores),
            Partitioning::Vm { .. } => f64::from(t.cores.min(32)),
        };
        load > cfg.util_limit * cap
            || cores_needed > cores_allowed
            || mem > cfg.memory_limit * t.memory_gb
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Every plan is valid by the independent checker, never below the lower bound,
        /// never worse than its own FFD start, and consistent in its totals; an error names
        /// a workload that really fits no type alone.
        #[test]
        fn plans_are_valid((workloads, types, cfg) in arb_instance()) {
            match plan(&workloads, &types, &cfg) {
                Ok(p) => {
                    let v = verify(&workloads, &types, &cfg, &p.servers);
                    prop_assert!(v.is_empty(), "{:?}", v);
                    prop_assert!(p.servers.iter().all(|s| s.meets));
                    let placed: usize = p.servers.iter().map(|s| s.workloads.len()).sum();
                    prop_assert_eq!(placed, workloads.len());
                    prop_assert!(p.totals.servers >= p.lower_bound_servers);
                    prop_assert_eq!(p.totals.servers, p.servers.len());
                    let cost: f64 = p.servers.iter().map(|s| s.price).sum();
                    prop_assert!((cost - p.totals.cost).abs() < 1e-6);
                    let plan_score = Score { servers: p.totals.servers, cost: p.totals.cost };
                    let ffd_score = Score { servers: p.ffd.servers, cost: p.ffd.cost };
                    prop_assert!(!ffd_score.better_than(plan_score, cfg.objective));
                    // The baseline places everything too, and at p = 1 it meets the
                    // time-aligned rule (a peak of sums never exceeds the sum of peaks).
                    let placed: usize = p.baseline.servers.iter().map(|s| s.workloads.len()).sum();
                    prop_assert_eq!(placed, workloads.len());
                    if cfg.percentile == 1.0 {
                        prop_assert!(p.baseline.meets_time_aligned);
                        let v = verify(&workloads, &types, &cfg, &p.baseline.servers);
                        prop_assert!(v.is_empty(), "baseline {:?}", v);
                    }
                }
                Err(PlanError::Unplaceable { workload, .. }) => {
                    let w = workloads.iter().find(|w| w.name == workload).unwrap();
                    prop_assert!(types.iter().all(|t| alone_breaks(w, t, &cfg)));
                }
                Err(e) => prop_assert!(false, "unexpected error {}", e),
            }
        }

        /// The counting check (at most `allowed` samples over) equals "the sorted
        /// percentile is within the limit".
        #[test]
        fn counting_check_equals_sorted_percentile(
            a in prop::collection::vec(0.0f64..10.0, 1..80),
            p in prop::sample::select(vec![1.0, 0.99, 0.95, 0.9, 0.5, 0.01]),
            limit in 0.0f64..20.0,
        ) {
            let b: Vec<f64> = a.iter().map(|x| (x * 7.0) % 3.0).collect();
            let sum: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
            let n = a.len();
            let allowed = n - 1 - percentile_rank(n, p);
            prop_assert_eq!(within2(limit, allowed, &a, &b), sorted_percentile(&sum, p) <= limit);
            let zeros = vec![0.0; n];
            prop_assert_eq!(
                within_swap(limit, allowed, &a, &b, &zeros),
                sorted_percentile(&sum, p) <= limit
            );
        }
    }

    /// The search's running sums and aggregates equal a recomputation from scratch. A wrong
    /// incremental update that only overstates a server's load keeps plans valid (so
    /// [`verify`] cannot see it) but costs servers; this catches it.
    fn assert_state_fresh(p: &Packing) -> Result<(), TestCaseError> {
        let inst = p.inst;
        let mut seen = vec![0; inst.workloads()];
        for (b, bin) in p.bins.iter().enumerate() {
            let mut cpu = vec![0.0; inst.samples];
            let mut mem = vec![0.0; if inst.has_mem() { inst.samples } else { 0 }];
            let (mut slots, mut reserved, mut volume) = (0u64, 0.0, 0.0);
            for &w in &bin.members {
                seen[w] += 1;
                prop_assert_eq!(p.home[w], b);
                for (s, x) in cpu.iter_mut().zip(inst.cpu_row(w)) {
                    *s += x;
                }
                if inst.has_mem() {
                    for (s, x) in mem.iter_mut().zip(inst.mem_row(w)) {
                        *s += x;
                    }
                }
                slots += inst.fit(w, bin.kind).slots;
                reserved += inst.own[w].mem_peak;
                volume += inst.own[w].load;
            }
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
            prop_assert!(
                cpu.iter().zip(&bin.cpu).all(|(a, b)| near(*a, *b)),
                "cpu sum of bin {}",
                b
            );
            prop_assert!(
                mem.iter().zip(&bin.mem).all(|(a, b)| near(*a, *b)),
                "memory sum of bin {}",
                b
            );
            prop_assert_eq!(slots, bin.slots);
            prop_assert!(near(reserved, bin.mem_reserved) && near(volume, bin.volume));
            let mut sorted = cpu.clone();
            sorted.sort_by(f64::total_cmp);
            prop_assert!(near(sorted[inst.rank], bin.load), "load of bin {}", b);
            prop_assert!(near(peak_of(&cpu), bin.peak) && near(peak_of(&mem), bin.mem_peak));
        }
        prop_assert!(seen.iter().all(|&n| n == 1));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn incremental_state_matches_scratch((workloads, types, cfg) in arb_instance()) {
            let (cpu, mem, samples) = load_series(&workloads).unwrap();
            let inst = Instance::new(cpu, mem, samples.max(1), &types, &cfg, cfg.percentile);
            if check_placeable(&inst, &workloads, &types, &cfg).is_err() {
                return Ok(());
            }
            let mut p = best_ffd(&inst, cfg.objective).unwrap();
            assert_state_fresh(&p)?;
            improve(&mut p, cfg.objective, cfg.search);
            assert_state_fresh(&p)?;
        }
    }

    #[test]
    fn percentile_rank_matches_capacity_advisor() {
        // [CA1]: a quarter ≈ 26,000 points; p99.9 is the 26th highest, p99 the 260th.
        let n = 26_000;
        assert_eq!(n - percentile_rank(n, 0.999), 26);
        assert_eq!(n - percentile_rank(n, 0.99), 260);
        assert_eq!(percentile_rank(n, 1.0), n - 1);
        assert_eq!(percentile_rank(2016, 0.99), 1995);
    }

    // --- reports (run with `cargo test --release -- --ignored --nocapture`) -------------

    /// How close FFD and FFD + local search get to the lower bound, and what the search
    /// saves, on realistic random instances.
    #[test]
    #[ignore = "a report, run in release"]
    fn report_search_quality() {
        type Family = (&'static str, fn() -> Vec<ServerType>, Objective, f64);
        let families: [Family; 5] = [
            (
                "one type (16 × 1.2), count, peak",
                || vec![mixed_types()[1].clone()],
                Objective::Count,
                1.0,
            ),
            (
                "one type (16 × 1.2), count, p99",
                || vec![mixed_types()[1].clone()],
                Objective::Count,
                0.99,
            ),
            (
                "three types, count, peak",
                mixed_types,
                Objective::Count,
                1.0,
            ),
            (
                "three types, count, p99",
                mixed_types,
                Objective::Count,
                0.99,
            ),
            ("three types, cost, p99", mixed_types, Objective::Cost, 0.99),
        ];
        for (label, types, objective, percentile) in families {
            let (mut ffd_s, mut ls_s, mut lb_s, mut base_s, mut at_lb) = (0, 0, 0, 0, 0);
            let (mut ffd_c, mut ls_c, mut base_c) = (0.0, 0.0, 0.0);
            let mut worst: f64 = 0.0;
            let start = std::time::Instant::now();
            for seed in 0..20u64 {
                let w = realistic(150, 288, seed);
                let cfg = config(percentile, 0.8, objective);
                let types = types();
                let p = plan_ok(&w, &types, &cfg);
                ffd_s += p.ffd.servers;
                ls_s += p.totals.servers;
                lb_s += p.lower_bound_servers;
                base_s += p.baseline.totals.servers;
                ffd_c += p.ffd.cost;
                ls_c += p.totals.cost;
                base_c += p.baseline.totals.cost;
                at_lb += usize::from(p.totals.servers == p.lower_bound_servers);
                worst = worst.max(p.totals.servers as f64 / p.lower_bound_servers as f64);
            }
            println!(
                "{label}: 20 × (150 workloads × 288 samples) in {:.2} s\n  servers: FFD {ffd_s}, FFD+LS {ls_s} ({:.1} % fewer), lower bound {lb_s}, at the bound {at_lb}/20, worst plan/bound {worst:.3}; sum-of-peaks {base_s}\n  cost: FFD {ffd_c:.0}, FFD+LS {ls_c:.0} ({:.1} % less), sum-of-peaks {base_c:.0} (time-aligned saves {:.1} %)",
                start.elapsed().as_secs_f64(),
                100.0 * (ffd_s - ls_s) as f64 / ffd_s as f64,
                100.0 * (ffd_c - ls_c) / ffd_c,
                100.0 * (base_c - ls_c) / base_c,
            );
        }
    }

    /// 1,000 workloads × 2,016 samples (a week of 5-minute samples): prints the time.
    #[test]
    #[ignore = "a timing, run in release"]
    fn report_time_for_a_week_of_a_thousand_workloads() {
        let w = realistic(1000, 2016, 42);
        let types = mixed_types();
        for objective in [Objective::Count, Objective::Cost] {
            let cfg = config(0.99, 0.8, objective);
            let start = std::time::Instant::now();
            let p = plan(&w, &types, &cfg).unwrap();
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{objective:?}: 1000 × 2016 planned in {secs:.2} s: FFD {} servers / {:.0}, plan {} / {:.0}, bound {}, sum-of-peaks {} / {:.0}; search {:?}",
                p.ffd.servers,
                p.ffd.cost,
                p.totals.servers,
                p.totals.cost,
                p.lower_bound_servers,
                p.baseline.totals.servers,
                p.baseline.totals.cost,
                p.search
            );
            assert!(verify(&w, &types, &cfg, &p.servers).is_empty());
        }
    }
}
