//! `summary.json`: the stable, documented result of one run (docs/OUTPUT.md).
//!
//! It holds no wall-clock figures, so two runs of the same scenario and seed compare byte for
//! byte; timings go to `run.json`. Field names are snake_case and stable: other tools parse
//! them.

use super::core_hours;
use super::planning;
use super::word::{Word, word, word_opt};
use crate::model::NodeKind;
use crate::sim::Outcome;
use crate::sim::metrics::{Dist, Held, Meters};
use crate::world::{Duration, Scenario};
use serde::{Deserialize, Serialize};

/// Bumped when a field changes meaning or disappears (never when one is added).
pub const FORMAT_VERSION: u32 = 2;

/// Read a run's summary.json back into a [`Summary`]: what the report, the charts, `plot`
/// and `export` draw from. It fails, naming the file and the field, rather than let a page
/// show "—" for a figure it could not find: a `format_version` this vsesim does not know
/// (newer, older or none), a field missing or of another type, or a field it does not know
/// (a renamed one: every summary type refuses unknown fields).
///
/// The text goes straight into the typed summary, with no JSON tree between: at 10⁶
/// workloads the tree (and the second one written back to compare) took more memory than
/// the run that wrote the file (docs/SCALING.md).
pub fn read(path: &std::path::Path) -> Result<Summary, crate::Error> {
    let text = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    parse_bytes(&text).map_err(|why| {
        crate::Error::Usage(format!(
            "{}: not a summary.json this vsesim can read: {why}",
            path.display()
        ))
    })
}

/// [`read`] from the text of a summary.json; the error says what is wrong, without the file.
pub fn parse(text: &str) -> Result<Summary, String> {
    parse_bytes(text.as_bytes())
}

fn parse_bytes(text: &[u8]) -> Result<Summary, String> {
    match super::typed::<Summary>(text) {
        Ok(summary) if summary.format_version == FORMAT_VERSION => Ok(summary),
        // The version decides which message is the true one: a summary of another format
        // fails on some field first, and that field is not what the user needs to hear.
        other => {
            version(text)?;
            other.and(Err("format_version could not be read".into()))
        }
    }
}

/// Whether the summary's `format_version` is this vsesim's, read on its own (a pass over the
/// text that keeps nothing else): it is asked only when the typed read failed, or read
/// another version.
fn version(text: &[u8]) -> Result<(), String> {
    #[derive(Deserialize)]
    struct Probe {
        format_version: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    match probe.format_version.as_ref().map(|v| v.as_u64()) {
        Some(Some(v)) if v == u64::from(FORMAT_VERSION) => Ok(()),
        Some(Some(v)) if v > u64::from(FORMAT_VERSION) => Err(format!(
            "format_version {v} is newer than this vsesim's ({FORMAT_VERSION}); read it with the vsesim that wrote it, or a newer one"
        )),
        Some(Some(v)) => Err(format!(
            "format_version {v} is older than this vsesim's ({FORMAT_VERSION}); run the scenario again to rewrite it"
        )),
        Some(None) => Err("format_version is not a whole number".into()),
        None => Err(format!(
            "no format_version; expected {FORMAT_VERSION}, as `vsesim run` writes it"
        )),
    }
}

/// The fields of [`Usage`], its flattened [`Work`]'s included: what a node's or workload's
/// flattened usage takes from the entity's fields, leaving the rest to the entity, which
/// refuses any it does not know. (serde's `deny_unknown_fields` alone cannot see past a
/// flattened struct that itself flattens one: the inner one is read from a view of all the
/// fields and claims none, so the outer one would refuse its own usage.) A field added to
/// `Usage` goes here too; the golden summary's read-back test fails until it does.
const USAGE_FIELDS: &[&str] = &[
    "demand_core_hours",
    "served_core_hours",
    "delayed_core_hours",
    "dropped_core_hours",
    "backlog_core_hours",
    "unmet_core_hours",
    "cpu_utilization",
    "peak_demand_cores",
    "memory_peak_gb",
    "time_above_limit_share",
    "sla_met_share",
    "longest_backlog_ms",
    "memory",
    "disk",
    "network",
];

/// Reads an entity's flattened [`Usage`], claiming only [`USAGE_FIELDS`].
fn flat_usage<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Usage, D::Error> {
    Usage::deserialize(Claiming(d, USAGE_FIELDS))
}

/// A deserializer that reads whatever is asked of it as a struct of the given fields: given
/// serde's flattening buffer, it hands over (and takes away) only those.
struct Claiming<D>(D, &'static [&'static str]);

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for Claiming<D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct("Usage", self.1, v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub format_version: u32,
    pub scenario: ScenarioInfo,
    pub events_processed: u64,
    pub segments: u64,
    pub totals: Work,
    /// The worst over servers and partitions: the scenario meets only if every server and
    /// every partition does; its stars are the worst server's.
    pub verdict: super::judge::ScenarioVerdict,
    pub servers: Vec<NodeReport>,
    pub partitions: Vec<NodeReport>,
    pub workloads: Vec<WorkloadReport>,
    /// gWLM shared resource domains, in scenario order of their domain node.
    pub domains: Vec<DomainReport>,
    /// HP-UX WLM instances, in scenario order.
    pub wlm: Vec<WlmReport>,
    pub cost: CostReport,
    /// Energy at the wall and in the facility, and its CO2 (issue #20).
    pub energy: EnergyReport,
    /// Each `[[costs.software]]` licence's bill by instance (issue #20).
    pub licences: Vec<LicenceReport>,
    pub licensing: Vec<LicensingReport>,
    /// Global Instant Capacity groups.
    pub gicap: Vec<GicapReport>,
    /// Failures, Serviceguard packages and the N-1 check; null without clusters or failures.
    pub ha: Option<super::ha::HaReport>,
    /// How many servers like the target the study's grown demand needs.
    pub planning: super::planning::StudyPlan,
    /// Each `[[consolidation]]` manager's decisions and the literature's figures on them
    /// (issue #21); empty without managers.
    #[serde(default)]
    pub consolidation: Vec<ConsolidationReport>,
}

/// A consolidation manager over a run: what it moved, what that cost, and SLATAH, PDM and
/// SLAV as Beloglazov & Buyya define them (on the CloudSim host model: a host's demand is the
/// sum of its guests', read per interval).
#[derive(Debug, Serialize, Deserialize)]
pub struct ConsolidationReport {
    pub name: String,
    /// `thr`, `mad`, `iqr` or `lr`.
    pub detector: String,
    pub intervals: u64,
    /// Migrations the run played (decided before the horizon, started before it).
    pub migrations: u64,
    /// Σ stop-and-copy pauses [s].
    pub pause_s: f64,
    /// Σ migration CPU overhead, source and target [core-hours].
    pub overhead_core_hours: f64,
    /// The managed hosts' energy from the run, standby and wake-ups included [kWh].
    pub energy_kwh: f64,
    /// Σ over the managed hosts of their time in standby [h], and their wake-ups.
    pub standby_hours: f64,
    pub wakeups: u64,
    /// SLA violation time per active host: mean over hosts of time saturated ÷ time on.
    pub slatah: f64,
    /// Performance degradation due to migration: mean over guests of the CPU lost to
    /// migration (10 % of its demand while migrating) ÷ the CPU it asked.
    pub pdm: f64,
    /// SLATAH × PDM.
    pub slav: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GicapReport {
    pub name: String,
    pub members: Vec<String>,
    /// Usage rights of all members, pooled.
    pub rights: u32,
    pub sharing_rights: u32,
    pub active_core_hours: f64,
    /// The balance the members share; its cost is in `cost.ticap` (not in any server's).
    pub ticap: Option<TicapReport>,
}

/// What the run cost over its horizon, in the scenario's currency.
#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CostReport {
    pub currency: Option<String>,
    #[serde(flatten)]
    pub items: CostItems,
    pub servers: Vec<ServerCost>,
}

/// The cost items and their total [currency].
#[derive(Debug, Serialize, Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct CostItems {
    /// Hardware price amortized straight-line over the horizon.
    pub hardware: f64,
    /// Core usage rights bought as a what-if.
    pub core_rights: f64,
    /// Temporary Instant Capacity used.
    pub ticap: f64,
    /// Pay per use bills.
    pub ppu: f64,
    /// Software licensed per active core.
    pub software: f64,
    /// Energy of the servers with a power model, with the datacenter's PUE.
    pub energy: f64,
    pub total: f64,
}

impl CostItems {
    fn add(&mut self, o: &CostItems) {
        self.hardware += o.hardware;
        self.core_rights += o.core_rights;
        self.ticap += o.ticap;
        self.ppu += o.ppu;
        self.software += o.software;
        self.energy += o.energy;
        self.total += o.total;
    }
}

#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ServerCost {
    pub name: String,
    #[serde(flatten)]
    pub items: CostItems,
    pub energy_kwh: f64,
}

/// One software licence's bill.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceReport {
    pub name: String,
    /// `server_cores`, `partition_cores`, `vcpus` or `os_instance`.
    #[serde(deserialize_with = "word")]
    pub rule: Word,
    /// `average` or `peak`.
    #[serde(deserialize_with = "word")]
    pub count: Word,
    pub per_core_year: f64,
    /// Σ counted cores × core factor × years.
    pub core_years: f64,
    pub cost: f64,
    pub instances: Vec<LicenceInstance>,
}

/// One counted OS instance or partition.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceInstance {
    pub name: String,
    /// `server`, `npar`, `vpar` or `vm`.
    #[serde(deserialize_with = "word")]
    pub kind: Word,
    pub server: String,
    pub core_factor: f64,
    /// Cores held on average over the horizon, and the most it can hold.
    pub cores_mean: f64,
    pub cores_peak: f64,
    pub core_years: f64,
    pub cost: f64,
}

/// The energy the servers drew and its carbon.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyReport {
    pub pue: f64,
    /// `constant`, `trace`, or null without `[energy] carbon_intensity`.
    #[serde(deserialize_with = "word_opt")]
    pub carbon_intensity_source: Option<Word>,
    /// Time-weighted mean of the grid's intensity over the horizon [gCO2/kWh].
    pub carbon_intensity_mean_g_per_kwh: Option<f64>,
    /// Σ over servers with a power model: at the wall of the IT equipment, and × PUE.
    pub it_kwh: f64,
    pub facility_kwh: f64,
    /// Σ over servers with a power model [kg CO2]; null without an intensity.
    pub co2_kg: Option<f64>,
    /// Servers without `power`: they count for nothing above.
    pub servers_without_power_model: Vec<String>,
    pub servers: Vec<ServerEnergy>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerEnergy {
    pub name: String,
    /// Null for a server without a power model.
    pub it_kwh: Option<f64>,
    pub facility_kwh: Option<f64>,
    pub co2_kg: Option<f64>,
    /// With power states (`[[power_states]]`, or a consolidation manager's host): time in
    /// standby [h], wake-ups, time waking [h], and the energy saved against staying on at
    /// idle [kWh] (already taken off `it_kwh`). Null without power states.
    pub standby_hours: Option<f64>,
    pub wakeups: Option<u64>,
    pub waking_hours: Option<f64>,
    pub standby_saved_kwh: Option<f64>,
    /// With `[[power_states]] npars`: each nPar's figures (the four above are their sums).
    /// Absent otherwise, so summaries without nPar power states are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npars: Option<Vec<NparStandby>>,
}

/// One nPar's power states over the run (`[[power_states]] npars`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NparStandby {
    pub name: String,
    /// Its cells ÷ the server's: its part of the server's idle power.
    pub idle_share: f64,
    pub standby_w: f64,
    pub standby_hours: f64,
    pub wakeups: u64,
    pub waking_hours: f64,
    /// `(idle_w × idle_share − standby_w) × standby_hours − wakeups × wake_wh` [kWh].
    pub standby_saved_kwh: f64,
}

/// Usage rights and utility pricing of one server.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicensingReport {
    pub server: String,
    /// The GiCAP group it belongs to, whose members pool their rights and share a balance.
    pub gicap_group: Option<String>,
    /// `icap` (usage rights), or `ppu` (pay per use).
    #[serde(deserialize_with = "word")]
    pub pricing: Word,
    pub installed_cores: u32,
    pub rights: u32,
    pub rights_bought: u32,
    /// Σ active cores × hours.
    pub active_core_hours: f64,
    pub ticap: Option<TicapReport>,
    pub ppu: Option<PpuReport>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicapReport {
    pub initial_core_minutes: f64,
    pub used_core_minutes: f64,
    /// May be negative: activations persist past an empty balance (out of compliance).
    pub left_core_minutes: f64,
    /// At the burn rate at the horizon; null when nothing burns.
    pub days_left_at_end: Option<f64>,
    pub exhausted_at_ms: Option<u64>,
    pub warnings: Vec<TicapWarningReport>,
    /// 30-core-day blocks bought at the start, their price each, and the price per core-day
    /// of the held balance (`initial_core_minutes` includes both).
    pub blocks: u32,
    pub price_per_block: f64,
    pub price_per_core_day: f64,
    /// When the blocks' unused minutes lapse; null: never.
    pub expires_at_ms: Option<u64>,
    /// blocks × price_per_block, paid at the start used or not.
    pub purchase_cost: f64,
    /// Minutes drawn beyond the blocks × price_per_core_day ÷ 1,440.
    pub usage_cost: f64,
    /// Of `used_core_minutes`, those drawn from the blocks (they are drawn first).
    pub used_from_blocks_core_minutes: f64,
    /// Block minutes lost at the expiry, and their price.
    pub lapsed_core_minutes: f64,
    pub lapsed_value: f64,
    /// What `left_core_minutes` is worth: blocks' minutes at the block price, the held
    /// balance's at the core-day price.
    pub left_value: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicapWarningReport {
    pub at_ms: u64,
    pub days_left: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PpuReport {
    /// `percent` (busy cores) or `active` (active cores).
    #[serde(deserialize_with = "word")]
    pub metric: Word,
    pub bills: Vec<PpuBillReport>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PpuBillReport {
    /// 30-day blocks from the start.
    pub month: u64,
    pub days: u64,
    pub billable_cores: f64,
    pub fixed: f64,
    pub variable: f64,
    pub total: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WlmReport {
    /// The OS instance whose PRM groups it manages.
    pub host: String,
    pub interval_ms: u64,
    pub intervals: u64,
    pub slos: Vec<SloReport>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloReport {
    pub name: String,
    pub group: String,
    pub priority: u32,
    /// `usage`, `metric`, `cpushares` or `none`.
    #[serde(deserialize_with = "word")]
    pub goal: Word,
    /// Share of the horizon during which the SLO was active (its condition held).
    pub active_share: f64,
    /// Share of its active time in which the arbiter met its request in full.
    pub met_share: f64,
    /// Allocation changes the WLM made to the SLO's group.
    pub group_reallocations: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainReport {
    /// The node whose capacity is shared.
    pub name: String,
    #[serde(deserialize_with = "word")]
    pub mode: Word,
    pub interval_ms: u64,
    pub latency_ms: u64,
    pub compartments: Vec<String>,
    pub arbitrations: u64,
    /// Share of observed time in which some request was not met.
    pub shortage_share: f64,
}

/// How a workload manager treated one compartment.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyReport {
    pub domain: String,
    #[serde(deserialize_with = "word")]
    pub policy: Word,
    pub priority: u32,
    pub weight: f64,
    /// Allocation changes applied (0 in advisory mode).
    pub reallocations: u64,
    /// Intervals whose decision differed from the allocation held (in advisory mode, the
    /// changes it would have made).
    pub changes_decided: u64,
    /// Shares of the observed time at the policy's min and max.
    pub time_at_min_share: f64,
    pub time_at_max_share: f64,
    /// Share of intervals whose request the arbitration met in full.
    pub request_met_share: f64,
    /// Mean allocation the manager decided [physical cores]; in advisory mode, what it would
    /// have set.
    pub mean_decided_cores: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: Option<String>,
    pub seed: u64,
    pub horizon_ms: u64,
    pub horizon: String,
    pub util_limit: f64,
    pub memory_limit: f64,
    pub disk_limit: f64,
    pub network_limit: f64,
    /// The percentile of time-aligned CPU demand that headroom and verdicts size for (100:
    /// the peak).
    pub sizing_percentile: f64,
    /// The report interval whose means the distributions are taken over [ms].
    pub interval_ms: u64,
    /// `[scenario] start`: the day whose midnight is time 0, `"YYYY-MM-DD"`; null without.
    pub start: Option<String>,
    /// The `vsesim run --set` overrides this run applied to the scenario file, in order.
    pub overrides: Vec<crate::world::Applied>,
}

/// Work in core-hours (reference cores × hours).
#[derive(Debug, Serialize, Deserialize, Clone, Copy, Default)]
#[serde(deny_unknown_fields)]
pub struct Work {
    pub demand_core_hours: f64,
    pub served_core_hours: f64,
    /// Served, but later than it arrived.
    pub delayed_core_hours: f64,
    pub dropped_core_hours: f64,
    /// Still waiting at the horizon.
    pub backlog_core_hours: f64,
    /// Not served by the horizon: dropped + backlog.
    pub unmet_core_hours: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Utilization {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Capacity Advisor's 99.9th percentile [CA1].
    pub p99_9: f64,
    pub max: f64,
}

/// Capacity Advisor's "meets / does not meet" rating [CA14] of a server or partition: it
/// exceeds when its demand at the sizing percentile is over a resource's limit × what it can
/// hold. A server that meets also gets stars, from its headroom (util_limit × capacity −
/// sizing demand) against the peak of each single workload on it: 5 stars when any one could
/// double, 4/3/2 when any one could grow by 75/50/25 %, 1 when it fits with less.
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// `meets`, `exceeds` or `no_data` (no workload, or no demand).
    #[serde(deserialize_with = "word")]
    pub status: Word,
    /// 1 to 5 when a server meets; null otherwise (and always for partitions: stars stay
    /// Capacity Advisor's server rating).
    pub stars: Option<u8>,
}

/// When a server's peak, grown at the scenario's annual rate [CA10][CA11], crosses its
/// limit: days after the simulated period; 0 when it already does; null when not within the
/// forecast horizon (or nothing grows).
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Forecast {
    pub horizon_days: f64,
    pub cpu_limit_in_days: Option<f64>,
    pub memory_limit_in_days: Option<f64>,
    /// Null also where the server has no disk or network capacity configured.
    pub disk_limit_in_days: Option<f64>,
    pub network_limit_in_days: Option<f64>,
}

/// The growth each forecast uses: per workload its CPU's, per node each resource's.
struct Rates {
    workloads: Vec<planning::GrowthUsed>,
    /// `[cpu, memory, disk, network]` per node.
    nodes: Vec<[planning::GrowthUsed; 4]>,
}

/// Given rates as written; `"fit"` fitted to the entity's own daily history (read only when
/// some rate asks for it). A node's CPU, when the scenario's CPU rate is given, is the rates
/// of the workloads within it (their own, fitted or given, or the scenario's) weighted by the
/// work each brought: an approximation, since workloads growing at different rates change the
/// shape of the time-aligned sum, which scaling its sizing demand does not see. One pass up the
/// tree (nodes are in preorder, so children follow parents).
fn rates(scenario: &Scenario, outcome: &Outcome) -> Rates {
    use crate::world::Rate;
    use planning::GrowthUsed;
    let model = &scenario.model;
    let g = &scenario.report.growth;
    let (nw, n) = (model.workloads.len(), model.nodes.len());
    let own = |k: usize| scenario.report.workload_growth.get(k).copied().flatten();
    let want = [
        g.cpu.is_fit() || (0..nw).any(|k| own(k).is_some_and(Rate::is_fit)),
        g.memory.is_fit(),
        g.disk.is_fit(),
        g.network.is_fit(),
    ];
    let daily = want.contains(&true).then(|| {
        let stints = super::placement::stints(scenario, &outcome.ha.outages);
        super::history::daily(scenario, &stints, want).ok()
    });
    let fit_model = g.model_given.then_some(if g.compound {
        super::trend::Model::Compound
    } else {
        super::trend::Model::Linear
    });
    let fit = |series: Option<&[f64]>, scale: f64| match series {
        None => GrowthUsed::unfitted("the demand could not be read again", g.compound),
        Some(s) => match super::trend::fit(s, fit_model) {
            Ok(t) => GrowthUsed::fitted(&t, scale),
            Err(why) => GrowthUsed::unfitted(why, g.compound),
        },
    };
    let daily = daily.flatten();
    let workloads: Vec<GrowthUsed> = (0..nw)
        .map(|k| match own(k).unwrap_or(g.cpu) {
            Rate::Given(r) => GrowthUsed::given(r, g.compound),
            Rate::Fit => fit(daily.as_ref().and_then(|d| d.workload(0, k)), 1.0),
        })
        .collect();
    // The work-weighted CPU rate of each node's workloads, and whether any was fitted.
    let (mut weighted, mut total, mut fitted) = (vec![0.0; n], vec![0.0; n], vec![false; n]);
    for (k, w) in model.workloads.iter().enumerate() {
        let work = outcome.workloads.demand_cms[k];
        let i = w.node.0 as usize;
        weighted[i] += workloads[k].rate * work;
        total[i] += work;
        fitted[i] |= workloads[k].source != "given";
    }
    for i in (0..n).rev() {
        if let Some(p) = model.nodes[i].parent {
            let p = p.0 as usize;
            weighted[p] += weighted[i];
            total[p] += total[i];
            fitted[p] |= fitted[i];
        }
    }
    let nodes = (0..n)
        .map(|i| {
            let node_fit =
                |r: usize, scale: f64| fit(daily.as_ref().and_then(|d| d.node(r, nw, i)), scale);
            let cpu = match g.cpu {
                Rate::Fit => node_fit(0, 1.0 / model.nodes[i].speed),
                Rate::Given(default) => {
                    let rate = if total[i] > 0.0 {
                        weighted[i] / total[i]
                    } else {
                        default
                    };
                    GrowthUsed {
                        source: if fitted[i] { "workloads" } else { "given" },
                        ..GrowthUsed::given(rate, g.compound)
                    }
                }
            };
            let held = |r: usize, rate: Rate| match rate {
                Rate::Given(x) => GrowthUsed::given(x, g.compound),
                Rate::Fit => node_fit(r, 1.0),
            };
            [cpu, held(1, g.memory), held(2, g.disk), held(3, g.network)]
        })
        .collect();
    Rates { workloads, nodes }
}

/// Days until `peak` grown at `rate` a year reaches `ceiling` (compound: (1 + r)ᵗ, linear:
/// 1 + r·t), if within `horizon_days`.
pub fn days_until(
    peak: f64,
    ceiling: f64,
    rate: f64,
    compound: bool,
    horizon_days: f64,
) -> Option<f64> {
    if peak <= 0.0 || ceiling <= 0.0 {
        return None;
    }
    let ratio = ceiling / peak;
    if ratio <= 1.0 {
        return Some(0.0);
    }
    if rate <= 0.0 {
        return None;
    }
    let years = if compound {
        ratio.ln() / rate.ln_1p()
    } else {
        (ratio - 1.0) / rate
    };
    let days = years * 365.0;
    (days <= horizon_days).then_some(days)
}

impl Summary {
    /// Active capacity of all servers [reference cores].
    pub fn capacity_cores(&self) -> f64 {
        self.servers.iter().map(|n| n.capacity_cores).sum()
    }

    /// The servers' mean CPU utilization, weighted by capacity (0 without capacity).
    pub fn mean_utilization(&self) -> f64 {
        let capacity = self.capacity_cores();
        let weighted: f64 = self
            .servers
            .iter()
            .map(|n| n.capacity_cores * n.usage.cpu_utilization.mean)
            .sum();
        if capacity > 0.0 {
            weighted / capacity
        } else {
            0.0
        }
    }

    /// The workload with the lowest SLA met share (the first by name among equals).
    pub fn worst_served(&self) -> Option<&WorkloadReport> {
        self.workloads.iter().min_by(|a, b| {
            a.usage
                .sla_met_share
                .total_cmp(&b.usage.sla_met_share)
                .then_with(|| a.name.cmp(&b.name))
        })
    }
}

impl Verdict {
    /// `headroom` [cores] against the peaks of the workloads it carries [cores];
    /// `other_over` when memory, disk or network is above its limit (any resource over its
    /// limit is red [CA14]).
    pub fn rate(headroom: f64, workload_peaks: &[f64], other_over: bool) -> Verdict {
        let busiest = workload_peaks.iter().copied().fold(0.0, f64::max);
        if busiest <= 0.0 && !other_over {
            return Verdict {
                status: "no_data",
                stars: None,
            };
        }
        if headroom < 0.0 || other_over {
            return Verdict {
                status: "exceeds",
                stars: None,
            };
        }
        // "Any single workload could grow by x": the headroom covers x × the largest peak.
        let growth = headroom / busiest;
        let stars = match growth {
            g if g >= 1.0 => 5,
            g if g >= 0.75 => 4,
            g if g >= 0.5 => 3,
            g if g >= 0.25 => 2,
            _ => 1,
        };
        Verdict {
            status: "meets",
            stars: Some(stars),
        }
    }

    /// A partition's rating: no stars.
    pub fn judged(exceeds: bool, has_demand: bool) -> Verdict {
        Verdict {
            status: match (exceeds, has_demand) {
                (true, _) => "exceeds",
                (false, true) => "meets",
                (false, false) => "no_data",
            },
            stars: None,
        }
    }
}

/// What every entity reports about its CPU and memory.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    #[serde(flatten)]
    pub work: Work,
    /// Served ÷ capacity over time (workloads: ÷ their partition's capacity).
    pub cpu_utilization: Utilization,
    /// Peak of the time-aligned demand [reference cores].
    pub peak_demand_cores: f64,
    pub memory_peak_gb: f64,
    /// Share of the horizon with served utilization above `util_limit` (what was served,
    /// not what was asked: a saturated partition shows 100 %, whatever its demand; nodes
    /// also give `demand_above_limit_share`).
    pub time_above_limit_share: f64,
    /// Share of the horizon in which all demand was served as it arrived.
    pub sla_met_share: f64,
    /// Longest continuous backlog [ms]; an upper bound on the delay of any work.
    pub longest_backlog_ms: u64,
    /// Memory demand against the entity's memory (workloads: their partition's).
    pub memory: Memory,
    /// Disk and network I/O against the capacity configured (workloads: their partition's).
    pub disk: Io,
    pub network: Io,
}

/// Disk or network I/O [MB/s]. Where no capacity is configured, Capacity Advisor's default
/// is the observed high-water mark [CA6], which by definition is never exceeded: the demand
/// is reported and nothing is judged (utilization and time above the limit are null).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Io {
    pub capacity_mbps: Option<f64>,
    /// The peak (time-aligned for nodes) and the time-weighted mean.
    pub peak_mbps: f64,
    pub mean_mbps: f64,
    pub utilization: Option<Utilization>,
    /// Share of the horizon with utilization above the scenario's limit.
    pub time_above_limit_share: Option<f64>,
}

/// Memory: never normalized across server types (as Capacity Advisor); all zero where the
/// entity has no memory configured.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    pub utilization: Utilization,
    /// Share of the horizon with memory utilization above `memory_limit`.
    pub time_above_limit_share: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeReport {
    pub name: String,
    #[serde(deserialize_with = "word")]
    pub kind: Word,
    pub parent: Option<String>,
    pub server: String,
    /// Physical cores (vCPUs for a VM).
    pub cores: u32,
    /// What it can hold at most [reference cores].
    pub capacity_cores: f64,
    pub mean_allocation_cores: f64,
    pub memory_gb: f64,
    /// Disk and network I/O capacity [MB/s]; null where not configured.
    pub disk_mbps: Option<f64>,
    pub network_mbps: Option<f64>,
    /// The time-aligned CPU demand at the sizing percentile [reference cores]: the peak at
    /// 100, within 0.1 % of the capacity below.
    pub sizing_demand_cores: f64,
    /// util_limit × capacity − sizing demand [reference cores]; negative when over the limit.
    pub headroom_cores: f64,
    /// Share of the horizon in which the time-aligned CPU demand was above util_limit ×
    /// capacity: what the verdict judges (at the sizing percentile), where
    /// `time_above_limit_share` is what was served.
    pub demand_above_limit_share: f64,
    /// VM guests and FSS groups: the capacity guaranteed when every sibling is busy
    /// [reference cores] (a guest's vCPUs × entitlement; a group's shares' part of what its
    /// parent has after PSET groups, up to its cap). Above it a guest or group runs on what
    /// its siblings leave idle, up to `capacity_cores`. Null for other kinds.
    pub entitlement_cores: Option<f64>,
    /// Null unless the node is a compartment of a workload-manager domain.
    pub policy: Option<PolicyReport>,
    /// Capacity Advisor's rating (stars for servers only).
    pub verdict: Option<Verdict>,
    /// The resource furthest over its limit, named; null when it meets.
    pub culprit: Option<super::judge::Culprit>,
    /// When the grown demand crosses each limit.
    pub forecast: Option<Forecast>,
    /// Time remaining, capacity remaining and recommended size per resource.
    pub planning: Option<super::planning::NodePlan>,
    #[serde(flatten, deserialize_with = "flat_usage")]
    pub usage: Usage,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadReport {
    pub name: String,
    pub partition: String,
    #[serde(deserialize_with = "word")]
    pub on_shortfall: Word,
    /// util_limit × its partition's capacity − its own peak demand [reference cores]: how much
    /// it could grow if it were alone there.
    pub headroom_cores: f64,
    /// Share of the horizon it ran on a node that was up (1 without failures).
    pub availability: f64,
    /// Its CPU growth for the forecast: its own rate, the scenario's, or fitted to its own
    /// daily demand at the sizing percentile (`level_at_end` in reference cores).
    pub growth: planning::GrowthUsed,
    #[serde(flatten, deserialize_with = "flat_usage")]
    pub usage: Usage,
}

/// The time-weighted utilization figures of entity `i` in `d`.
fn utilization(d: &Dist, i: usize, h: f64) -> Utilization {
    Utilization {
        mean: d.sum_ms[i] / h,
        p50: d.quantile(i, 0.50),
        p95: d.quantile(i, 0.95),
        p99: d.quantile(i, 0.99),
        p99_9: d.quantile(i, 0.999),
        max: d.max[i],
    }
}

/// Disk or network of entity `i`: judged only where `capacity` is configured and the run kept
/// the distribution.
fn io(d: &Dist, i: usize, h: f64, capacity: f64, peak: f64, sum_ms: f64) -> Io {
    let judged = capacity > 0.0 && i < d.max.len();
    Io {
        capacity_mbps: (capacity > 0.0).then_some(capacity),
        peak_mbps: peak,
        mean_mbps: sum_ms / h,
        utilization: judged.then(|| utilization(d, i, h)),
        time_above_limit_share: judged.then(|| d.above_limit_ms[i] as f64 / h),
    }
}

/// `capacity`: the entity's memory, disk and network (workloads: their partition's).
fn usage(m: &Meters, i: usize, horizon_ms: u64, capacity: Held) -> Usage {
    let h = horizon_ms as f64;
    let backlog = m.backlog_cms[i];
    Usage {
        work: Work {
            demand_core_hours: core_hours(m.demand_cms[i]),
            served_core_hours: core_hours(m.served_cms[i]),
            delayed_core_hours: core_hours(m.delayed_cms[i]),
            dropped_core_hours: core_hours(m.dropped_cms[i]),
            backlog_core_hours: core_hours(backlog),
            unmet_core_hours: core_hours(m.dropped_cms[i] + backlog),
        },
        cpu_utilization: Utilization {
            mean: m.cpu.sum_ms[i] / h,
            p50: m.cpu.quantile(i, 0.50),
            p95: m.cpu.quantile(i, 0.95),
            p99: m.cpu.quantile(i, 0.99),
            p99_9: m.cpu.quantile(i, 0.999),
            max: m.cpu.max[i],
        },
        peak_demand_cores: m.peak_demand[i],
        memory_peak_gb: m.peak_held[i].memory_gb,
        time_above_limit_share: m.cpu.above_limit_ms[i] as f64 / h,
        memory: Memory {
            utilization: utilization(&m.memory, i, h),
            time_above_limit_share: m.memory.above_limit_ms[i] as f64 / h,
        },
        disk: io(
            &m.disk,
            i,
            h,
            capacity.disk_mbps,
            m.peak_held[i].disk_mbps,
            m.held_ms[i].disk_mbps,
        ),
        network: io(
            &m.network,
            i,
            h,
            capacity.network_mbps,
            m.peak_held[i].network_mbps,
            m.held_ms[i].network_mbps,
        ),
        sla_met_share: m.met_ms[i] / h,
        longest_backlog_ms: m.longest_backlog_ms[i].round() as u64,
    }
}

pub fn build(scenario: &Scenario, outcome: &Outcome) -> Summary {
    let model = &scenario.model;
    let h = scenario.horizon_ms;
    let mut policies: Vec<Option<PolicyReport>> = (0..model.nodes.len()).map(|_| None).collect();
    let mut domains = Vec::new();
    for (d, dom) in scenario.domains.iter().enumerate() {
        let state = &outcome.domains[d];
        let share = |x: u64, of: u64| if of == 0 { 0.0 } else { x as f64 / of as f64 };
        for (j, m) in dom.members.iter().enumerate() {
            let meter = &outcome.compartments[m.0 as usize];
            let c = &dom.compartments[j];
            policies[m.0 as usize] = Some(PolicyReport {
                domain: model.node(dom.node).name.clone(),
                policy: dom.policy_names[j],
                priority: c.priority,
                weight: c.weight,
                reallocations: meter.reallocations,
                changes_decided: meter.changes_decided,
                time_at_min_share: share(meter.at_min_ms, meter.observed_ms),
                time_at_max_share: share(meter.at_max_ms, meter.observed_ms),
                request_met_share: share(meter.request_met_ms, meter.observed_ms),
                mean_decided_cores: if meter.observed_ms == 0 {
                    0.0
                } else {
                    meter.decided_cms / meter.observed_ms as f64
                },
            });
        }
        domains.push(DomainReport {
            name: model.node(dom.node).name.clone(),
            mode: if dom.advisory { "advisory" } else { "managed" },
            interval_ms: dom.interval_ms,
            latency_ms: dom.latency_ms,
            compartments: dom
                .members
                .iter()
                .map(|m| model.node(*m).name.clone())
                .collect(),
            arbitrations: state.arbitrations,
            shortage_share: share(state.short_ms, state.observed_ms),
        });
    }
    let wlm = scenario
        .wlm
        .iter()
        .zip(&outcome.wlm)
        .map(|(w, state)| WlmReport {
            host: model.node(w.host).name.clone(),
            interval_ms: w.interval_ms,
            intervals: state.intervals,
            slos: w
                .slos
                .iter()
                .enumerate()
                .map(|(k, slo)| {
                    let group = w.members[slo.group];
                    SloReport {
                        name: w.slo_names[k].clone(),
                        group: model.node(group).name.clone(),
                        priority: slo.priority,
                        goal: match slo.goal {
                            crate::policy::wlm::Goal::Usage { .. } => "usage",
                            crate::policy::wlm::Goal::Metric { .. } => "metric",
                            crate::policy::wlm::Goal::Shares { .. } => "cpushares",
                            crate::policy::wlm::Goal::None => "none",
                        },
                        active_share: state.slo_active_ms[k] as f64 / h as f64,
                        met_share: if state.slo_active_ms[k] == 0 {
                            0.0
                        } else {
                            state.slo_met_ms[k] as f64 / state.slo_active_ms[k] as f64
                        },
                        group_reallocations: outcome.compartments[group.0 as usize].reallocations,
                    }
                })
                .collect(),
        })
        .collect();
    // Power states and managers are decided from the demand alone (`sim::power`): the same
    // schedule the run played.
    let power = crate::sim::power::schedule(scenario, &outcome.ha.outages)
        .ok()
        .flatten();
    let (cost, licensing, gicap, licences) = money(scenario, outcome, power.as_ref());
    let energy = energy(scenario, outcome, power.as_ref());
    let consolidation = consolidation_reports(power.as_ref(), &energy, scenario);
    let mut totals = Work::default();
    let mut study = StudyDemand::default();
    let rates = rates(scenario, outcome);
    let q = scenario.report.sizing_quantile;
    let limit = scenario.report.util_limit;
    let mut nodes: Vec<NodeReport> = Vec::with_capacity(model.nodes.len());
    for (i, node) in model.nodes.iter().enumerate() {
        let cap = capacity_of(node);
        let u = usage(&outcome.nodes, i, h, cap);
        let m = &outcome.nodes;
        let sizing = if q >= 1.0 {
            u.peak_demand_cores
        } else {
            m.demand_quantile(i, q, node.nominal)
                .unwrap_or(u.peak_demand_cores)
                .min(u.peak_demand_cores)
        };
        let is_server = node.kind == NodeKind::Server;
        if is_server {
            let w = u.work;
            totals.demand_core_hours += w.demand_core_hours;
            totals.served_core_hours += w.served_core_hours;
            totals.delayed_core_hours += w.delayed_core_hours;
            totals.dropped_core_hours += w.dropped_core_hours;
            totals.backlog_core_hours += w.backlog_core_hours;
            totals.unmet_core_hours += w.unmet_core_hours;
        }
        let held = Held {
            memory_gb: held_sizing(&m.memory, i, q, cap.memory_gb, u.memory_peak_gb),
            disk_mbps: held_sizing(&m.disk, i, q, cap.disk_mbps, u.disk.peak_mbps),
            network_mbps: held_sizing(&m.network, i, q, cap.network_mbps, u.network.peak_mbps),
        };
        let plan = node_plan(scenario, node, sizing, held, &rates.nodes[i]);
        if is_server {
            study.add(&plan, node.speed);
        }
        let headroom = limit * node.nominal - sizing;
        let figures = super::judge::Figures {
            name: &node.name,
            kind: node.kind.as_str(),
            percentile: q * 100.0,
            cpu_demand: sizing,
            cpu_capacity: node.nominal,
            cpu_limit: limit,
            plan: &plan,
        };
        let culprit = super::judge::culprit(&figures);
        // CPU is judged by its headroom; the others turn the verdict red when over.
        let other_over = plan.resources()[1..]
            .iter()
            .filter_map(|(_, r)| *r)
            .any(|r| r.capacity > 0.0 && r.capacity_remaining < 0.0);
        let verdict = if is_server {
            let peaks: Vec<f64> = model
                .workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| model.node(w.node).server.0 as usize == i)
                .map(|(k, _)| outcome.workloads.peak_demand[k])
                .collect();
            Verdict::rate(headroom, &peaks, other_over)
        } else {
            Verdict::judged(
                headroom < 0.0 || other_over,
                u.peak_demand_cores > 0.0 || u.memory_peak_gb > 0.0,
            )
        };
        let days = |r: Option<&planning::ResourcePlan>| r.and_then(|r| r.time_remaining_days);
        let forecast = Forecast {
            horizon_days: plan.horizon_days,
            cpu_limit_in_days: plan.cpu.time_remaining_days,
            memory_limit_in_days: days(plan.memory.as_ref()),
            disk_limit_in_days: days(plan.disk.as_ref()),
            network_limit_in_days: days(plan.network.as_ref()),
        };
        nodes.push(NodeReport {
            name: node.name.clone(),
            kind: node.kind.as_str(),
            parent: node.parent.map(|p| model.node(p).name.clone()),
            server: model.node(node.server).name.clone(),
            cores: node.cores,
            capacity_cores: node.nominal,
            mean_allocation_cores: outcome.nodes.granted_cms[i] / h as f64,
            memory_gb: node.memory_gb,
            disk_mbps: (node.disk_mbps > 0.0).then_some(node.disk_mbps),
            network_mbps: (node.network_mbps > 0.0).then_some(node.network_mbps),
            sizing_demand_cores: sizing,
            headroom_cores: headroom,
            demand_above_limit_share: super::judge::share_above(
                m,
                i,
                limit * node.nominal,
                node.nominal,
            ),
            entitlement_cores: entitlement(model, i),
            policy: policies[i].take(),
            verdict: Some(verdict),
            culprit,
            forecast: Some(forecast),
            planning: Some(plan),
            usage: u,
        });
    }
    let workloads = model
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| WorkloadReport {
            name: w.name.clone(),
            partition: model.node(w.node).name.clone(),
            headroom_cores: scenario.report.util_limit * model.node(w.node).nominal
                - outcome.workloads.peak_demand[i],
            on_shortfall: match w.on_shortfall {
                crate::model::OnShortfall::Delay => "delay",
                crate::model::OnShortfall::Drop => "drop",
            },
            availability: outcome.ha.up_ms[i] / h as f64,
            growth: rates.workloads[i],
            usage: usage(&outcome.workloads, i, h, capacity_of(model.node(w.node))),
        })
        .collect();
    let ordered: Vec<&NodeReport> = nodes.iter().collect();
    let verdict = super::judge::ScenarioVerdict::build(&ordered);
    let mut planning = study.plan(scenario);
    planning.advice = super::advice::build(
        scenario,
        outcome,
        &super::advice::Inputs {
            nodes: &ordered,
            licensing: &licensing,
            groups: &gicap,
            servers_needed: planning.servers_needed,
            target: &planning.target_server,
        },
    );
    let (servers, partitions): (Vec<NodeReport>, Vec<NodeReport>) =
        nodes.into_iter().partition(|n| n.kind == "server");
    Summary {
        format_version: FORMAT_VERSION,
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            horizon_ms: h,
            horizon: Duration(h).to_string(),
            util_limit: scenario.report.util_limit,
            memory_limit: scenario.report.memory_limit,
            disk_limit: scenario.report.disk_limit,
            network_limit: scenario.report.network_limit,
            sizing_percentile: scenario.report.sizing_quantile * 100.0,
            interval_ms: scenario.report.interval_ms,
            start: scenario.report.start.map(|d| d.to_string()),
            overrides: Vec::new(),
        },
        events_processed: outcome.stats.events,
        segments: outcome.stats.segments,
        totals,
        verdict,
        servers,
        partitions,
        workloads,
        domains,
        wlm,
        cost,
        energy,
        licences,
        licensing,
        gicap,
        consolidation,
        ha: super::ha::build(scenario, outcome),
        planning,
    }
}

/// The capacity a VM guest or FSS group is guaranteed when all its siblings are busy
/// [reference cores]: a guest's entitlement (its weight); a group's shares' part of what its
/// parent has after its fixed (PSET) children, up to its cap. None for other kinds.
fn entitlement(model: &crate::model::Model, i: usize) -> Option<f64> {
    use crate::model::Share;
    let node = &model.nodes[i];
    let Share::Elastic { weight, max } = node.share else {
        return None;
    };
    if node.kind == NodeKind::Vm {
        return Some(weight.min(max));
    }
    let parent = node.parent?;
    let (mut fixed, mut weights) = (0.0, 0.0);
    for &c in model.children(parent) {
        match model.node(c).share {
            Share::Elastic { weight, .. } => weights += weight,
            Share::Fixed { capacity } => fixed += capacity,
            Share::Root { .. } => {}
        }
    }
    let left = (model.node(parent).nominal - fixed).max(0.0);
    Some(if weights > 0.0 {
        (left * weight / weights).min(max)
    } else {
        0.0
    })
}

fn capacity_of(node: &crate::model::Node) -> Held {
    Held {
        memory_gb: node.memory_gb,
        disk_mbps: node.disk_mbps,
        network_mbps: node.network_mbps,
    }
}

/// A held resource's demand at sizing quantile `q`, from its utilization distribution (a bin
/// of 0.1 % of the capacity); the peak at q = 1, where no capacity scales the distribution,
/// and where the quantile falls in the top bin (which also holds everything above capacity).
fn held_sizing(d: &Dist, i: usize, q: f64, capacity: f64, peak: f64) -> f64 {
    if q >= 1.0 || capacity <= 0.0 || i >= d.max.len() {
        return peak;
    }
    let u = d.quantile(i, q);
    if u >= 1.0 - 1.0 / crate::sim::metrics::BINS as f64 {
        peak
    } else {
        (u * capacity).min(peak)
    }
}

/// The planning answers of one server or partition from its sizing demands (CPU in
/// reference cores). CPU in the node's own physical cores (what it can hold ÷ core speed),
/// as a planner sizes it: whole cores where whole cores move, hundredths for VM guests and
/// FSS groups. Memory, disk and network where the node has them configured (a server always
/// has its memory).
fn node_plan(
    scenario: &Scenario,
    node: &crate::model::Node,
    cpu_sizing: f64,
    held: Held,
    rates: &[planning::GrowthUsed; 4],
) -> planning::NodePlan {
    let r = &scenario.report;
    let horizon_days = r.growth.horizon_ms as f64 / 86_400_000.0;
    let held_plan = |unit, capacity: f64, limit, demand, used| {
        (capacity > 0.0)
            .then(|| planning::resource(unit, capacity, limit, demand, used, horizon_days, 0.0))
    };
    let step = match node.share {
        crate::model::Share::Elastic { .. } => planning::SHARE_STEP,
        _ => planning::WHOLE_CORES,
    };
    let memory = if node.kind == NodeKind::Server {
        Some(planning::resource(
            "GiB",
            node.memory_gb,
            r.memory_limit,
            held.memory_gb,
            rates[1],
            horizon_days,
            0.0,
        ))
    } else {
        held_plan(
            "GiB",
            node.memory_gb,
            r.memory_limit,
            held.memory_gb,
            rates[1],
        )
    };
    planning::NodePlan {
        horizon_days,
        cpu: planning::resource(
            "cores",
            node.nominal / node.speed,
            r.util_limit,
            cpu_sizing / node.speed,
            rates[0],
            horizon_days,
            step,
        ),
        memory,
        disk: held_plan(
            "MB/s",
            node.disk_mbps,
            r.disk_limit,
            held.disk_mbps,
            rates[2],
        ),
        network: held_plan(
            "MB/s",
            node.network_mbps,
            r.network_limit,
            held.network_mbps,
            rates[3],
        ),
    }
}

/// The study's demand at the end of the horizon, summed over servers: CPU in reference cores.
#[derive(Default)]
struct StudyDemand {
    horizon_days: f64,
    cpu: f64,
    held: Held,
}

impl StudyDemand {
    fn add(&mut self, p: &planning::NodePlan, speed: f64) {
        let largest = |r: &planning::ResourcePlan| r.demand_now.max(r.demand_at_horizon);
        self.horizon_days = p.horizon_days;
        self.cpu += largest(&p.cpu) * speed;
        self.held += Held {
            memory_gb: p.memory.as_ref().map_or(0.0, largest),
            disk_mbps: p.disk.as_ref().map_or(0.0, largest),
            network_mbps: p.network.as_ref().map_or(0.0, largest),
        };
    }

    fn plan(&self, scenario: &Scenario) -> planning::StudyPlan {
        let r = &scenario.report;
        let target = scenario
            .model
            .node(r.target_server.unwrap_or(crate::model::NodeId(0)));
        let by_resource = planning::ByResource {
            cpu: planning::servers_for(self.cpu, target.nominal, r.util_limit).unwrap_or(0),
            memory: planning::servers_for(self.held.memory_gb, target.memory_gb, r.memory_limit),
            disk: planning::servers_for(self.held.disk_mbps, target.disk_mbps, r.disk_limit),
            network: planning::servers_for(
                self.held.network_mbps,
                target.network_mbps,
                r.network_limit,
            ),
        };
        let b = by_resource;
        planning::StudyPlan {
            horizon_days: self.horizon_days,
            target_server: target.name.clone(),
            servers_needed: [Some(b.cpu), b.memory, b.disk, b.network]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(0),
            by_resource,
            advice: Vec::new(),
        }
    }
}

/// The cost breakdown and the licensing figures, from the pricing and what the run metered.
fn money(
    scenario: &Scenario,
    outcome: &Outcome,
    power: Option<&crate::sim::power::Schedule>,
) -> (
    CostReport,
    Vec<LicensingReport>,
    Vec<GicapReport>,
    Vec<LicenceReport>,
) {
    use crate::licensing as lic;
    let h = scenario.horizon_ms;
    let model = &scenario.model;
    let costs = &scenario.costs;
    let mut report = CostReport {
        currency: costs.currency.clone(),
        ..CostReport::default()
    };
    let mut licensing = Vec::new();
    let licences = licences(scenario, outcome);
    for (k, p) in scenario.pricing.iter().enumerate() {
        let node = model.node(p.server);
        let i = p.server.0 as usize;
        let core_ms = outcome.active_core_ms[k];
        let mut c = ServerCost {
            name: node.name.clone(),
            ..ServerCost::default()
        };
        if let Some((price, years)) = p.capex {
            c.items.hardware = lic::amortized_capex(price, years, h);
        }
        c.items.core_rights = p.rights_bought as f64 * p.core_right_price;
        if let (Some(cfg), Some(ledger)) = (p.ticap, &outcome.ticap[k]) {
            c.items.ticap = lic::ticap_money(&cfg, ledger).cost();
        }
        let bills = outcome.ppu[k]
            .as_ref()
            .map(|m| m.bills(h))
            .unwrap_or_default();
        // fold from +0.0: an empty f64 sum is -0.0, which would print as such.
        c.items.ppu = bills.iter().fold(0.0, |a, b| a + b.total);
        c.items.software = licences
            .iter()
            .flat_map(|l| &l.instances)
            .filter(|x| x.server == node.name)
            .fold(0.0, |a, x| a + x.cost);
        if let Some((idle, max)) = p.power {
            c.energy_kwh = lic::energy_kwh(idle, max, outcome.nodes.cpu.sum_ms[i], h)
                - standby_of(power, p.server, idle).map_or(0.0, |s| s.saved_wh / 1000.0);
            c.items.energy = c.energy_kwh * costs.pue * costs.price_per_kwh;
        }
        let i = &mut c.items;
        i.total = i.hardware + i.core_rights + i.ticap + i.ppu + i.software + i.energy;
        report.items.add(&c.items);
        report.servers.push(c);
        licensing.push(LicensingReport {
            server: node.name.clone(),
            gicap_group: p.group.map(|g| scenario.gicap[g].name.clone()),
            pricing: if p.ppu.is_some() { "ppu" } else { "icap" },
            installed_cores: p.installed,
            rights: p.rights,
            rights_bought: p.rights_bought,
            active_core_hours: core_ms / 3_600_000.0,
            ticap: p
                .ticap
                .zip(outcome.ticap[k].as_ref())
                .map(|(cfg, l)| ticap_report(&cfg, l)),
            ppu: p.ppu.map(|cfg| PpuReport {
                metric: match cfg.metric {
                    crate::licensing::config::PpuMetricKind::Percent => "percent",
                    crate::licensing::config::PpuMetricKind::Active => "active",
                },
                bills: bills
                    .iter()
                    .map(|b| PpuBillReport {
                        month: b.month,
                        days: b.days,
                        billable_cores: b.billable_cores,
                        fixed: b.fixed,
                        variable: b.variable,
                        total: b.total,
                    })
                    .collect(),
            }),
        });
    }
    let mut groups = Vec::new();
    for (g, group) in scenario.gicap.iter().enumerate() {
        let ledger = outcome.group_ticap[g].as_ref();
        if let (Some(cfg), Some(l)) = (group.ticap, ledger) {
            let cost = lic::ticap_money(&cfg, l).cost();
            report.items.ticap += cost;
            report.items.total += cost;
        }
        groups.push(GicapReport {
            name: group.name.clone(),
            members: group
                .members
                .iter()
                .map(|&k| model.node(scenario.pricing[k].server).name.clone())
                .collect(),
            rights: group
                .members
                .iter()
                .map(|&k| scenario.pricing[k].rights)
                .sum(),
            sharing_rights: group.sharing_rights,
            active_core_hours: group
                .members
                .iter()
                .map(|&k| outcome.active_core_ms[k])
                .sum::<f64>()
                / 3_600_000.0,
            ticap: group
                .ticap
                .zip(ledger)
                .map(|(cfg, l)| ticap_report(&cfg, l)),
        });
    }
    (report, licensing, groups, licences)
}

/// Each software licence's bill, instance by instance (issue #20): the cores its rule counts,
/// as core-time (`average`) or at the most the instance can hold (`peak`), × the core factor
/// of the instance's server model × the price per core-year.
fn licences(scenario: &Scenario, outcome: &Outcome) -> Vec<LicenceReport> {
    use crate::licensing::config::LicenceCount;
    let h = scenario.horizon_ms;
    let model = &scenario.model;
    let managed =
        |id: crate::model::NodeId| scenario.domains.iter().any(|d| d.members.contains(&id));
    scenario
        .costs
        .software
        .iter()
        .map(|sw| {
            let instances: Vec<LicenceInstance> = sw
                .instances
                .iter()
                .zip(&sw.factors)
                .map(|(&id, &factor)| {
                    let n = model.node(id);
                    let i = id.0 as usize;
                    // Mean cores held over the horizon, and the most it can hold.
                    let (mean, peak) = match n.kind {
                        NodeKind::Server => {
                            let k = scenario.pricing.iter().position(|p| p.server == id);
                            let p = k.map(|k| &scenario.pricing[k]);
                            let mean =
                                k.map_or(n.cores as f64, |k| outcome.active_core_ms[k] / h as f64);
                            let peak = match p {
                                Some(p) if p.ticap.is_some() || p.group.is_some() => {
                                    p.installed as f64
                                }
                                _ => mean,
                            };
                            (mean, peak)
                        }
                        NodeKind::Vm => (n.cores as f64, n.cores as f64),
                        _ => {
                            let mean = outcome.nodes.granted_cms[i] / n.speed / h as f64;
                            let peak = if managed(id) {
                                n.max_cores
                            } else {
                                n.cores as f64
                            };
                            (mean, peak.max(mean))
                        }
                    };
                    let counted = match sw.count {
                        LicenceCount::Average => mean,
                        LicenceCount::Peak => peak,
                    };
                    let core_ms = counted * factor * h as f64;
                    LicenceInstance {
                        name: n.name.clone(),
                        kind: n.kind.as_str(),
                        server: model.node(n.server).name.clone(),
                        core_factor: factor,
                        cores_mean: mean,
                        cores_peak: peak,
                        core_years: core_ms / crate::licensing::YEAR_MS as f64,
                        cost: crate::licensing::licence_cost(core_ms, sw.per_core_year),
                    }
                })
                .collect();
            LicenceReport {
                name: sw.name.clone(),
                rule: sw.rule.as_str(),
                count: match sw.count {
                    LicenceCount::Average => "average",
                    LicenceCount::Peak => "peak",
                },
                per_core_year: sw.per_core_year,
                core_years: instances.iter().fold(0.0, |a, x| a + x.core_years),
                cost: instances.iter().fold(0.0, |a, x| a + x.cost),
                instances,
            }
        })
        .collect()
}

/// Each server's energy: exact from the run's utilization integral; its CO2 with a constant
/// intensity from that integral, with a trace from the time-series rows (each row's mean
/// utilization weighted by the intensity over the row: exact when the server's capacity and
/// the intensity are constant within each row).
fn energy(
    scenario: &Scenario,
    outcome: &Outcome,
    power: Option<&crate::sim::power::Schedule>,
) -> EnergyReport {
    use crate::licensing::carbon::{self, Intensity};
    let h = scenario.horizon_ms;
    let pue = scenario.costs.pue;
    let intensity = scenario.costs.carbon.as_ref();
    let nw = scenario.model.workloads.len();
    let mut out = EnergyReport {
        pue,
        carbon_intensity_source: intensity.map(|i| match i {
            Intensity::Constant(_) => "constant",
            Intensity::Steps { .. } => "trace",
        }),
        carbon_intensity_mean_g_per_kwh: intensity.map(|i| i.mean(0, h)),
        it_kwh: 0.0,
        facility_kwh: 0.0,
        co2_kg: intensity.map(|_| 0.0),
        servers_without_power_model: Vec::new(),
        servers: Vec::new(),
    };
    for p in &scenario.pricing {
        let i = p.server.0 as usize;
        let name = scenario.model.node(p.server).name.clone();
        let Some((idle, max)) = p.power else {
            out.servers_without_power_model.push(name.clone());
            out.servers.push(ServerEnergy {
                name,
                it_kwh: None,
                facility_kwh: None,
                co2_kg: None,
                standby_hours: None,
                wakeups: None,
                waking_hours: None,
                standby_saved_kwh: None,
                npars: None,
            });
            continue;
        };
        let standby = standby_of(power, p.server, idle);
        let saved_kwh = standby.as_ref().map_or(0.0, |s| s.saved_wh / 1000.0);
        let kwh =
            crate::licensing::energy_kwh(idle, max, outcome.nodes.cpu.sum_ms[i], h) - saved_kwh;
        let co2 = intensity.map(|g| match (g, &outcome.timeseries) {
            (Intensity::Constant(v), _) => carbon::co2_kg(kwh, pue, *v),
            (Intensity::Steps { .. }, Some(ts)) => {
                let entity = (nw + i) as u32;
                let rows: Vec<(u64, f64)> = (0..ts.entity.len())
                    .filter(|&r| ts.entity[r] == entity)
                    .map(|r| (ts.time_ms[r], ts.utilization[r]))
                    .collect();
                let spans = rows.iter().enumerate().map(|(k, &(t, u))| {
                    let end = rows.get(k + 1).map_or(h, |n| n.0);
                    (t, end, u)
                });
                let co2 = carbon::co2_kg_over_spans(idle, max, pue, g, h, spans);
                co2 - standby.as_ref().map_or(0.0, |s| {
                    s.units
                        .iter()
                        .map(|u| standby_co2_kg(u, idle * u.share, pue, g))
                        .fold(0.0, |a, b| a + b)
                })
            }
            // The compiler refuses a trace without the time series.
            (Intensity::Steps { .. }, None) => f64::NAN,
        });
        out.it_kwh += kwh;
        out.facility_kwh += kwh * pue;
        if let (Some(total), Some(c)) = (&mut out.co2_kg, co2) {
            *total += c;
        }
        out.servers.push(ServerEnergy {
            name,
            it_kwh: Some(kwh),
            facility_kwh: Some(kwh * pue),
            co2_kg: co2,
            standby_hours: standby.as_ref().map(|s| s.standby_ms as f64 / MS_PER_HOUR),
            wakeups: standby.as_ref().map(|s| s.wakeups),
            waking_hours: standby.as_ref().map(|s| s.waking_ms as f64 / MS_PER_HOUR),
            standby_saved_kwh: standby.as_ref().map(|_| saved_kwh),
            npars: standby
                .as_ref()
                .and_then(|s| npar_standby(s, idle, scenario)),
        });
    }
    out
}

const MS_PER_HOUR: f64 = 3_600_000.0;

/// A server's power states: the whole server's, or Σ over its nPars'.
struct Standby<'a> {
    units: Vec<&'a crate::sim::power::UnitLedger>,
    /// Energy saved against staying on at idle [Wh].
    saved_wh: f64,
    standby_ms: u64,
    wakeups: u64,
    waking_ms: u64,
}

/// A server's power-state ledgers (its own, or its nPars') and the energy they saved, if it
/// has power states.
fn standby_of(
    power: Option<&crate::sim::power::Schedule>,
    server: crate::model::NodeId,
    idle_w: f64,
) -> Option<Standby<'_>> {
    let units: Vec<_> = power?.units.iter().filter(|u| u.server == server).collect();
    if units.is_empty() {
        return None;
    }
    Some(Standby {
        saved_wh: units
            .iter()
            .map(|u| u.saved_wh(idle_w))
            .fold(0.0, |a, b| a + b),
        standby_ms: units.iter().map(|u| u.ledger.standby_ms).sum(),
        wakeups: units.iter().map(|u| u.ledger.wakeups).sum(),
        waking_ms: units.iter().map(|u| u.ledger.waking_ms).sum(),
        units,
    })
}

/// Each nPar's power states, when the server's are its nPars'.
fn npar_standby(s: &Standby, idle_w: f64, scenario: &Scenario) -> Option<Vec<NparStandby>> {
    if s.units.iter().all(|u| u.unit == u.server) {
        return None;
    }
    Some(
        s.units
            .iter()
            .map(|u| NparStandby {
                name: scenario.model.node(u.unit).name.clone(),
                idle_share: u.share,
                standby_w: u.states.standby_w,
                standby_hours: u.ledger.standby_ms as f64 / MS_PER_HOUR,
                wakeups: u.ledger.wakeups,
                waking_hours: u.ledger.waking_ms as f64 / MS_PER_HOUR,
                standby_saved_kwh: u.saved_wh(idle_w) / 1000.0,
            })
            .collect(),
    )
}

/// The CO2 a server's standby saved on a grid whose intensity varies [kg]: (idle − standby)
/// × ∫I over each standby stretch, less each wake-up's energy at the intensity of its
/// wake-up, × PUE.
fn standby_co2_kg(
    u: &crate::sim::power::UnitLedger,
    idle_w: f64,
    pue: f64,
    g: &crate::licensing::carbon::Intensity,
) -> f64 {
    let s = &u.states;
    let mut g_saved = 0.0;
    for &(a, b) in &u.ledger.standby {
        g_saved += (idle_w - s.standby_w) * g.integral(a, b) / crate::licensing::WATT_MS_PER_KWH;
    }
    for &(_, b) in u.ledger.standby.iter().take(u.ledger.wakeups as usize) {
        g_saved -= s.wake_wh / 1000.0 * g.mean(b, b + s.wake_ms.max(1));
    }
    g_saved * pue / 1000.0
}

/// Each manager's figures, with its hosts' energy from the run.
fn consolidation_reports(
    power: Option<&crate::sim::power::Schedule>,
    energy: &EnergyReport,
    scenario: &Scenario,
) -> Vec<ConsolidationReport> {
    use crate::mobility::detect::Detector;
    let Some(power) = power else {
        return Vec::new();
    };
    power
        .managers
        .iter()
        .map(|m| {
            let names: Vec<&str> = m
                .hosts
                .iter()
                .map(|&h| scenario.model.node(h).name.as_str())
                .collect();
            let hosts = energy
                .servers
                .iter()
                .filter(|s| names.contains(&s.name.as_str()));
            let t = &m.tally;
            ConsolidationReport {
                name: m.name.clone(),
                detector: match m.detector {
                    Detector::Threshold { .. } => "thr",
                    Detector::Mad { .. } => "mad",
                    Detector::Iqr { .. } => "iqr",
                    Detector::LocalRegression { .. } => "lr",
                }
                .to_string(),
                intervals: t.intervals,
                migrations: m.migrations_played,
                pause_s: t.pause_s,
                overhead_core_hours: t.overhead_core_s / 3600.0,
                energy_kwh: hosts.clone().fold(0.0, |a, s| a + s.it_kwh.unwrap_or(0.0)),
                standby_hours: hosts
                    .clone()
                    .fold(0.0, |a, s| a + s.standby_hours.unwrap_or(0.0)),
                wakeups: hosts.map(|s| s.wakeups.unwrap_or(0)).sum(),
                slatah: t.slatah(),
                pdm: t.pdm(),
                slav: t.slav(),
            }
        })
        .collect()
}

fn ticap_report(
    cfg: &crate::licensing::config::TicapConfig,
    l: &crate::licensing::TicapLedger,
) -> TicapReport {
    let m = crate::licensing::ticap_money(cfg, l);
    TicapReport {
        blocks: cfg.blocks,
        price_per_block: cfg.price_per_block,
        price_per_core_day: cfg.price_per_core_day,
        expires_at_ms: l.expires_at_ms(),
        purchase_cost: m.purchase,
        usage_cost: m.usage,
        used_from_blocks_core_minutes: m.drawn_from_blocks_core_min,
        lapsed_core_minutes: m.lapsed_core_min,
        lapsed_value: m.lapsed_value,
        left_value: m.left_value,
        initial_core_minutes: l.initial_core_min(),
        used_core_minutes: l.used_core_min(),
        left_core_minutes: l.balance_core_min(),
        days_left_at_end: {
            let burn = l.temporary_cores();
            (burn > 0).then(|| l.days_left_at_end(burn))
        },
        exhausted_at_ms: l.exhausted_at_ms(),
        warnings: l
            .warnings()
            .iter()
            .map(|w| TicapWarningReport {
                at_ms: w.at_ms,
                days_left: w.days_left,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict;

    /// The bundled demo's summary, as `vsesim run` writes it (tests/cli.rs keeps it current).
    const GOLDEN: &str = include_str!("../../tests/golden/demo.summary.json");

    /// Reading the golden summary and writing it again gives the same bytes: every field
    /// `vsesim run` writes is a field of the type the report reads.
    #[test]
    fn the_golden_summary_reads_back_to_the_same_bytes() {
        let summary = super::parse(GOLDEN).expect("the golden summary reads");
        assert_eq!(summary.scenario.name, "demo");
        assert_eq!(summary.verdict.status, "exceeds");
        let mut again = serde_json::to_string_pretty(&summary).unwrap();
        again.push('\n');
        assert!(
            again == GOLDEN,
            "the summary did not write back to the same bytes"
        );
    }

    /// A field renamed in the file (or in the code) fails the read, naming the field,
    /// where the untyped report showed "—".
    #[test]
    fn a_renamed_field_fails_loudly() {
        let renamed = GOLDEN.replacen("\"peak_demand_cores\"", "\"peak_cores\"", 1);
        let err = super::parse(&renamed).unwrap_err();
        assert!(err.contains("peak_demand_cores"), "{err}");
        // An optional (nullable) field renamed: serde alone would read it as null.
        let renamed = GOLDEN.replacen("\"disk_mbps\"", "\"disk_mb_per_s\"", 1);
        let err = super::parse(&renamed).unwrap_err();
        assert!(err.contains("disk_mb_per_s"), "{err}");
        assert!(err.contains("servers[0]"), "{err}");
    }

    /// `text` with the first `from` after the first `after` replaced by `to`.
    fn replace_after(text: &str, after: &str, from: &str, to: &str) -> String {
        let at = text.find(after).expect("anchor") + after.len();
        let (head, tail) = text.split_at(at);
        assert!(tail.contains(from), "{from} after {after}");
        format!("{head}{}", tail.replacen(from, to, 1))
    }

    /// Every summary type refuses a field it does not know, flattened ones too: a renamed or
    /// added field in an entity's flattened usage (which flattens its work in turn), in the
    /// cost's flattened items, and in a type of another module (planning's advice, the HA
    /// report), each named.
    #[test]
    fn an_unknown_field_is_refused_wherever_it_is() {
        // An extra field beside a workload's flattened usage.
        let extra = replace_after(
            GOLDEN,
            "\"workloads\": [",
            "\"on_shortfall\"",
            "\"surprise\": 1, \"on_shortfall\"",
        );
        let err = super::parse(&extra).unwrap_err();
        assert!(err.contains("unknown field `surprise`"), "{err}");
        assert!(err.contains("workloads[0]"), "{err}");
        // A work figure renamed inside a server's usage: two flattenings deep.
        let renamed = replace_after(
            GOLDEN,
            "\"servers\": [",
            "\"delayed_core_hours\"",
            "\"late_core_hours\"",
        );
        let err = super::parse(&renamed).unwrap_err();
        assert!(err.contains("delayed_core_hours"), "{err}");
        assert!(err.contains("servers[0]"), "{err}");
        // An extra field in a partition's usage figures (not flattened: its own type).
        let extra = replace_after(
            GOLDEN,
            "\"partitions\": [",
            "\"p99_9\"",
            "\"p99_99\": 1.0, \"p99_9\"",
        );
        let err = super::parse(&extra).unwrap_err();
        assert!(err.contains("unknown field `p99_99`"), "{err}");
        assert!(err.contains("partitions[0]"), "{err}");
        // A cost item renamed, beside the flattened items, and one added to a server's.
        let renamed = replace_after(GOLDEN, "\"cost\": {", "\"core_rights\"", "\"rights\"");
        let err = super::parse(&renamed).unwrap_err();
        assert!(err.contains("core_rights"), "{err}");
        let extra = replace_after(
            GOLDEN,
            "\"cost\": {",
            "\"energy_kwh\"",
            "\"water_l\": 0.0, \"energy_kwh\"",
        );
        let err = super::parse(&extra).unwrap_err();
        assert!(err.contains("unknown field `water_l`"), "{err}");
        // Another module's type: the study plan's count by resource.
        let extra = replace_after(
            GOLDEN,
            "\"by_resource\": {",
            "\"cpu\"",
            "\"gpu\": 1, \"cpu\"",
        );
        let err = super::parse(&extra).unwrap_err();
        assert!(err.contains("unknown field `gpu`"), "{err}");
        assert!(err.contains("planning.by_resource"), "{err}");
    }

    /// The HA report's types refuse an unknown field too (the demo has no HA; this one does).
    #[test]
    fn an_unknown_field_in_the_ha_report_is_refused() {
        let golden = include_str!("../../tests/golden/ha-cluster.summary.json");
        super::parse(golden).expect("the HA golden summary reads");
        let extra = replace_after(
            golden,
            "\"outages\": [",
            "\"target\"",
            "\"why\": 1, \"target\"",
        );
        let err = super::parse(&extra).unwrap_err();
        assert!(err.contains("unknown field `why`"), "{err}");
        assert!(err.contains("ha.outages[0]"), "{err}");
    }

    #[test]
    fn a_missing_field_fails_loudly() {
        let missing = GOLDEN.replacen("\"segments\":", "\"segments_gone\":", 1);
        let err = super::parse(&missing).unwrap_err();
        assert!(err.contains("segments"), "{err}");
        let wrong_type = GOLDEN.replacen("\"seed\": 42", "\"seed\": \"42\"", 1);
        let err = super::parse(&wrong_type).unwrap_err();
        assert!(err.contains("scenario.seed"), "{err}");
    }

    #[test]
    fn an_unknown_format_version_fails_before_any_field() {
        let newer = GOLDEN.replacen("\"format_version\": 2", "\"format_version\": 3", 1);
        let err = super::parse(&newer).unwrap_err();
        assert!(err.contains("format_version 3 is newer"), "{err}");
        let older = GOLDEN.replacen("\"format_version\": 2", "\"format_version\": 1", 1);
        assert!(super::parse(&older).unwrap_err().contains("older"));
        let none = GOLDEN.replacen("\"format_version\": 2,", "", 1);
        assert!(
            super::parse(&none)
                .unwrap_err()
                .contains("no format_version")
        );
    }

    /// 4 cores at a 75 % limit with a 1.75 peak: 3 / 1.75 = 1.714 to go. Compound 20 %/year:
    /// ln 1.7143 / ln 1.2 = 0.53900 / 0.18232 = 2.9563 years = 1,079.05 days; linear: 0.714 / 0.2 = 3.571 years, beyond
    /// a 3-year horizon, 1,303.6 days within 5.
    #[test]
    fn time_until_the_limit_under_growth() {
        let d = super::days_until(1.75, 3.0, 0.2, true, 1095.0).unwrap();
        assert!((d - (3.0f64 / 1.75).ln() / 1.2f64.ln() * 365.0).abs() < 1e-9);
        assert!((d - 1079.05).abs() < 0.01, "{d}");
        assert_eq!(super::days_until(1.75, 3.0, 0.2, false, 1095.0), None);
        let d = super::days_until(1.75, 3.0, 0.2, false, 5.0 * 365.0).unwrap();
        assert!((d - (3.0 / 1.75 - 1.0) / 0.2 * 365.0).abs() < 1e-9);
        assert_eq!(super::days_until(4.0, 3.0, 0.2, true, 1095.0), Some(0.0));
        assert_eq!(super::days_until(1.0, 3.0, 0.0, true, 1095.0), None);
    }

    /// The thresholds of [CA14]: the headroom covers the largest workload's peak × 1, 0.75,
    /// 0.5, 0.25, or less.
    #[test]
    fn stars_follow_the_growth_any_single_workload_could_take() {
        let stars = |h: f64| Verdict::rate(h, &[2.0, 4.0], false).stars;
        assert_eq!(stars(4.0), Some(5));
        assert_eq!(stars(3.0), Some(4));
        assert_eq!(stars(2.0), Some(3));
        assert_eq!(stars(1.0), Some(2));
        assert_eq!(stars(0.5), Some(1));
        assert_eq!(stars(0.0), Some(1));
        assert_eq!(Verdict::rate(-0.1, &[2.0], false).status, "exceeds");
        assert_eq!(Verdict::rate(4.0, &[2.0], true).status, "exceeds");
        assert_eq!(Verdict::rate(1.0, &[], false).status, "no_data");
    }
}
