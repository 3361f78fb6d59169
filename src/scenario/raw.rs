//! The scenario file as written: serde structs that mirror the TOML one to one.
//!
//! Every table denies unknown fields, so a typo is an error, never a silently ignored setting.
//! Fields checked after parsing keep their `Spanned` position so the compiler can point at them.

use super::duration::Duration;
use crate::workload::synth::SynthSpec;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: Spanned<RawHeader>,
    #[serde(default)]
    pub servers: Vec<Spanned<RawServer>>,
    #[serde(default)]
    pub partitions: Vec<Spanned<RawPartition>>,
    #[serde(default)]
    pub workloads: Vec<Spanned<RawWorkload>>,
    #[serde(default)]
    pub report: Option<Spanned<RawReport>>,
    #[serde(default)]
    pub costs: Option<Spanned<RawCosts>>,
    /// The facility and the grid: PUE, carbon intensity, power states.
    #[serde(default)]
    pub energy: Option<Spanned<RawEnergy>>,
    /// Global Instant Capacity groups of complexes sharing usage rights and a TiCAP balance.
    #[serde(default)]
    pub gicap: Vec<Spanned<RawGicap>>,
    /// gWLM shared resource domains.
    #[serde(default)]
    pub policies: Vec<Spanned<RawDomain>>,
    #[serde(default)]
    pub managers: Option<Spanned<RawManagers>>,
    /// HP-UX Workload Manager instances, one per OS whose PRM groups it manages.
    #[serde(default)]
    pub wlm: Vec<Spanned<RawWlm>>,
    /// WLM's global arbiter (wlmpard): moves cores between the partitions WLM instances run in.
    #[serde(default)]
    pub wlm_arbiters: Vec<Spanned<RawWlmArbiter>>,
    /// Server models and their performance index: CPU normalization across server types.
    #[serde(default)]
    pub server_models: Vec<Spanned<RawServerModel>>,
    /// Serviceguard clusters.
    #[serde(default)]
    pub clusters: Vec<Spanned<RawCluster>>,
    /// Serviceguard failover packages.
    #[serde(default)]
    pub packages: Vec<Spanned<RawPackage>>,
    /// Failures to inject: scheduled or drawn at random.
    #[serde(default)]
    pub failures: Vec<Spanned<RawFailure>>,
    /// Planned moves of VM guests and workloads (issue #21; `scenario::mobility`).
    #[serde(default)]
    pub moves: Vec<Spanned<super::mobility::RawMove>>,
    /// Consolidation managers over VM hosts (issue #21; `scenario::mobility`).
    #[serde(default)]
    pub consolidation: Vec<Spanned<super::mobility::RawConsolidation>>,
    /// Servers that drop to standby when idle (issue #20 item 5; `scenario::mobility`).
    #[serde(default)]
    pub power_states: Vec<Spanned<super::mobility::RawPowerStates>>,
}

/// A server model's performance index per core, relative to the reference core (a benchmark
/// the planner trusts, e.g. SPECint_rate per core ÷ the reference's), as Capacity Advisor
/// normalized CPU across server types; memory is never normalized.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServerModel {
    pub name: Spanned<String>,
    pub core_speed: Spanned<f64>,
    /// Where the index comes from (free text, for the reader).
    #[serde(default)]
    pub benchmark: Option<String>,
}

/// A Serviceguard cluster [SG1][SG8].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub name: Spanned<String>,
    /// Member nodes: partitions (or servers) that run packages.
    pub nodes: Spanned<Vec<Spanned<String>>>,
    /// MEMBER_TIMEOUT, default 14 s, 3 s to 300 s.
    #[serde(default)]
    pub member_timeout: Option<Spanned<Duration>>,
    /// Cluster lock and reformation after the timeout, default 6 s.
    #[serde(default)]
    pub lock_time: Option<Spanned<Duration>>,
}

/// A failover package [SG3][SG4].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPackage {
    pub name: Spanned<String>,
    pub cluster: Spanned<String>,
    /// Workloads of the package; each must run in the package's first node.
    pub workloads: Spanned<Vec<Spanned<String>>>,
    /// Ordered node list; the first is the primary.
    pub nodes: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub failover_policy: Option<Spanned<RawFailoverPolicy>>,
    #[serde(default)]
    pub failback: Option<Spanned<RawFailback>>,
    /// Application start-up time on a node, default 0.
    #[serde(default)]
    pub start_time: Option<Spanned<Duration>>,
    /// A VM guest package: never started on a node with fewer cores.
    #[serde(default)]
    pub vcpus: Option<Spanned<u32>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawFailoverPolicy {
    ConfiguredNode,
    MinPackageNode,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawFailback {
    Manual,
    Automatic,
}

/// A failure source: `at` (+ `duration`) for one scheduled failure, or `time_to_failure` and
/// `time_to_repair` distributions for random ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailure {
    /// A server, nPar, vPar or VM (`kind = "node"`), or a server (`kind = "core"`).
    pub target: Spanned<String>,
    #[serde(default)]
    pub kind: Option<Spanned<RawFailureKind>>,
    #[serde(default)]
    pub at: Option<Spanned<Duration>>,
    /// How long a scheduled failure lasts; without it, to the horizon.
    #[serde(default)]
    pub duration: Option<Spanned<Duration>>,
    #[serde(default)]
    pub time_to_failure: Option<Spanned<RawDist>>,
    #[serde(default)]
    pub time_to_repair: Option<Spanned<RawDist>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawFailureKind {
    Node,
    Core,
}

/// `{ dist = "exponential", mean = "30d" }` or `{ dist = "weibull", shape = 1.5, scale = "30d" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDist {
    Exponential { mean: Duration },
    Weibull { shape: f64, scale: Duration },
}

/// wlmpard [W384][W271][W255]: every interval it takes the core requests of the WLM instances
/// in the partitions of `domain` and moves whole cores between them (vPars) or between nPars
/// through Instant Capacity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWlmArbiter {
    pub domain: Spanned<String>,
    /// Default 120 s; must exceed every wlm_interval under it.
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    /// Activate Temporary Instant Capacity for partitions whose best SLO priority is within
    /// `utilitypri` (nPars of a complex) [W274][W275].
    #[serde(default)]
    pub ticap: Option<Spanned<RawDomainTicap>>,
}

/// One WLM instance (wlmd) managing the PRM groups of one OS [W113][W160].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWlm {
    /// The OS instance: a server, nPar, vPar or VM whose children are PRM groups.
    pub host: Spanned<String>,
    /// wlm_interval, 1 s to 1 day, default 60 s [W216].
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub distribute_excess: bool,
    /// cntl_kp, default 1 [W225].
    #[serde(default)]
    pub kp: Option<Spanned<f64>>,
    /// cntl_convergence_rate; overrides kp when set and not 0 [W229].
    #[serde(default)]
    pub convergence_rate: Option<Spanned<f64>>,
    /// The group that takes the excess when `distribute_excess` is off (WLM's OTHERS).
    #[serde(default)]
    pub others: Option<Spanned<String>>,
    /// 1000 shares a core instead of 100 [W219].
    #[serde(default)]
    pub extended_shares: bool,
    #[serde(default)]
    pub groups: Vec<Spanned<RawWlmGroup>>,
    #[serde(default)]
    pub slo: Vec<Spanned<RawSlo>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWlmGroup {
    pub group: Spanned<String>,
    #[serde(default)]
    pub gmincpu: Option<Spanned<f64>>,
    #[serde(default)]
    pub gmaxcpu: Option<Spanned<f64>>,
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub name: Spanned<String>,
    pub group: Spanned<String>,
    #[serde(default)]
    pub priority: Option<Spanned<u32>>,
    #[serde(default)]
    pub goal: Option<Spanned<RawGoal>>,
    #[serde(default)]
    pub cpushares: Option<Spanned<RawCpuShares>>,
    #[serde(default)]
    pub mincpu: Option<Spanned<f64>>,
    #[serde(default)]
    pub maxcpu: Option<Spanned<f64>>,
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
    /// cntl_margin for metric goals, default 0.1 [W210].
    #[serde(default)]
    pub margin: Option<Spanned<f64>>,
    /// The SLO is active only inside this window [W96].
    #[serde(default)]
    pub condition: Option<Spanned<RawWindow>>,
    /// The SLO is active only while this Serviceguard package runs in the host (WLM's
    /// sg_pkg_active metric [WSG]).
    #[serde(default)]
    pub package: Option<Spanned<String>>,
}

/// WLM goals [W200][W201][W471].
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawGoal {
    /// Keep utilization within [low, high] percent (defaults 50–75).
    Usage {
        #[serde(default)]
        low: Option<f64>,
        #[serde(default)]
        high: Option<f64>,
    },
    /// A metric read from a native trace column, to stay below or above a value.
    Metric {
        #[serde(default)]
        below: Option<f64>,
        #[serde(default)]
        above: Option<f64>,
        trace: String,
        #[serde(default)]
        column: Option<String>,
        #[serde(default)]
        step: Option<Duration>,
    },
    /// The mean response time of the group as an M/M/c queue (Erlang C), to stay below a
    /// value in seconds, with the given mean service time of one request.
    ResponseTime { below: f64, service_time: Duration },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCpuShares {
    /// Cores (100 shares each).
    pub cores: f64,
    #[serde(default)]
    pub mode: RawSharesMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RawSharesMode {
    #[default]
    Total,
    More,
}

/// Settings shared by every workload manager of the scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManagers {
    /// Time from a decision to the new allocation taking effect, per partition kind.
    #[serde(default)]
    pub latency: Option<Spanned<RawLatency>>,
}

/// Reallocation latencies (DOMAIN.md §1: UNCONFIRMED, the defaults are suggestions).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    #[serde(default)]
    pub npar: Option<Spanned<Duration>>,
    #[serde(default)]
    pub vpar: Option<Spanned<Duration>>,
    #[serde(default)]
    pub vm: Option<Spanned<Duration>>,
    #[serde(default)]
    pub srp: Option<Spanned<Duration>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RawMode {
    #[default]
    Managed,
    Advisory,
}

/// A gWLM shared resource domain: the children of `domain` named in `compartments` share
/// what `domain` has.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    pub domain: Spanned<String>,
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub mode: RawMode,
    /// Activate Temporary Instant Capacity cores when the domain is short (nPar domains of a
    /// complex with a TiCAP balance) [GV14][GV15][W274].
    #[serde(default)]
    pub ticap: Option<Spanned<RawDomainTicap>>,
    pub compartments: Vec<Spanned<RawCompartment>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomainTicap {
    /// Only compartments of priority 1..=utilitypri may cause activations (all when absent).
    #[serde(default)]
    pub utilitypri: Option<u32>,
    /// Stop activating when this many processing-days or fewer remain (default 15).
    #[serde(default)]
    pub reserve_days: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompartment {
    pub partition: Spanned<String>,
    pub policy: Spanned<RawPolicy>,
    #[serde(default)]
    pub priority: Option<Spanned<u32>>,
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
}

/// gWLM policy types [G70a][G30][G40]; cores are physical cores of the compartment's server,
/// targets are percents.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawPolicy {
    Fixed {
        cores: f64,
    },
    Utilization {
        target: f64,
        min: f64,
        max: f64,
    },
    OwnBorrow {
        owned: f64,
        min: f64,
        max: f64,
        target: Option<f64>,
    },
    /// The request is a metric read from a trace (in cores), as `gwlmsend` pushes it [GH1].
    Custom {
        min: f64,
        max: f64,
        trace: String,
        column: Option<String>,
        step: Option<Duration>,
    },
    /// One policy inside a time window, another outside it [G70c].
    /// `window` or `package`: the policy applies while a daily window is open, or while a
    /// Serviceguard package runs in the compartment.
    Conditional {
        #[serde(default)]
        window: Option<RawWindow>,
        #[serde(default)]
        package: Option<String>,
        policy: Box<RawPolicy>,
        otherwise: Box<RawPolicy>,
    },
}

/// A daily time window, `from` inclusive to `to` exclusive ("HH:MM"); it wraps midnight when
/// `to` is earlier than `from`. Day 0 of a scenario is a Monday.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub days: RawDays,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RawDays {
    #[default]
    All,
    Weekdays,
    Weekends,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub horizon: Spanned<Duration>,
    pub seed: u64,
    /// The calendar day whose midnight is time 0 (`"YYYY-MM-DD"` or a TOML date): charts
    /// and tables then show dates instead of elapsed days.
    #[serde(default)]
    pub start: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub name: Spanned<String>,
    #[serde(default)]
    pub model: Option<String>,
    pub cells: Spanned<u32>,
    pub cores_per_cell: Spanned<u32>,
    pub memory_gb_per_cell: Spanned<f64>,
    /// Disk and network I/O capacity [MB/s], for their utilization limits; not judged when
    /// absent.
    #[serde(default)]
    pub disk_mbps: Option<Spanned<f64>>,
    #[serde(default)]
    pub network_mbps: Option<Spanned<f64>>,
    /// Relative to the reference core; 1.0 when absent (documented in docs/SCENARIO.md).
    #[serde(default)]
    pub core_speed: Option<Spanned<f64>>,
    /// Fraction of each core the hypervisor consumes when VM guests run here directly.
    #[serde(default)]
    pub vm_cpu_overhead: Option<Spanned<f64>>,
    /// The rest are inactive Instant Capacity cores; all active when absent.
    #[serde(default)]
    pub active_cores: Option<Spanned<u32>>,
    /// Instant Capacity core usage rights held; as many as the active cores when absent.
    #[serde(default)]
    pub rights: Option<Spanned<u32>>,
    /// Core usage rights bought as a what-if, priced at `core_right_price`.
    #[serde(default)]
    pub buy_rights: Option<Spanned<u32>>,
    #[serde(default)]
    pub core_right_price: Option<Spanned<f64>>,
    /// Hardware price, amortized straight-line over `years`.
    #[serde(default)]
    pub capex: Option<Spanned<RawCapex>>,
    /// Linear power model: idle watts at 0 %, max watts at 100 % utilization.
    #[serde(default)]
    pub power: Option<Spanned<RawPower>>,
    /// Temporary Instant Capacity balance of this complex.
    #[serde(default)]
    pub ticap: Option<Spanned<RawTicap>>,
    /// Pay per use lease (mutually exclusive with Instant Capacity on one server [PPU6]).
    #[serde(default)]
    pub ppu: Option<Spanned<RawPpu>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapex {
    pub price: f64,
    pub years: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPower {
    pub idle_w: f64,
    pub max_w: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTicap {
    /// A balance already held, paid when used at `price_per_core_day`; 0 when absent.
    #[serde(default)]
    pub balance_core_minutes: Option<f64>,
    /// Standard 30-core-day blocks bought at the start at `price_per_block` each.
    #[serde(default)]
    pub blocks: Option<u32>,
    #[serde(default)]
    pub price_per_block: Option<f64>,
    /// The bought blocks' unused minutes lapse this long after the start (never when absent).
    #[serde(default)]
    pub expires: Option<Duration>,
    #[serde(default)]
    pub price_per_core_day: f64,
    /// Warn when the projected expiry falls within this many days (default 15) [I10a].
    #[serde(default)]
    pub warn_days: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawPpuMetric {
    Percent,
    Active,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPpu {
    pub metric: RawPpuMetric,
    pub price_per_core_month: f64,
    #[serde(default)]
    pub fixed_per_month: f64,
    /// Caps the active cores (`ppuconfig -rc`); the server runs this many when `active_cores`
    /// is absent.
    #[serde(default)]
    pub cap_cores: Option<u32>,
}

/// A Global Instant Capacity group [I13][VSE17]: its members pool their core usage rights
/// (a member may run more cores than it holds rights for while another lends its spare ones)
/// and may share one Temporary Instant Capacity balance. The group needs sharing rights for
/// all the cores its members have without usage rights.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGicap {
    pub name: Spanned<String>,
    pub members: Spanned<Vec<String>>,
    pub sharing_rights: Spanned<u32>,
    #[serde(default)]
    pub ticap: Option<Spanned<RawTicap>>,
}

/// Prices that are not a server's own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// A label for the money in the outputs, e.g. "EUR".
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub price_per_kwh: Option<Spanned<f64>>,
    /// Power usage effectiveness of the datacenter (≥ 1).
    #[serde(default)]
    pub pue: Option<Spanned<f64>>,
    #[serde(default)]
    pub software: Vec<Spanned<RawSoftware>>,
}

/// The facility and the grid (issue #20).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnergy {
    /// Power usage effectiveness (facility ÷ IT power); also accepted in `[costs]`, not both.
    #[serde(default)]
    pub pue: Option<Spanned<f64>>,
    /// gCO2 per kWh: a number, or a native trace with a time column.
    #[serde(default)]
    pub carbon_intensity: Option<Spanned<RawIntensity>>,
}

/// `carbon_intensity = 400` or `carbon_intensity = { trace = "grid.csv", … }`.
#[derive(Debug, Clone)]
pub enum RawIntensity {
    Constant(f64),
    Trace(RawIntensityTrace),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntensityTrace {
    pub trace: String,
    /// The trace's column (default `carbon_intensity`).
    #[serde(default)]
    pub column: Option<String>,
    /// The step when the trace has no `time_s` column.
    #[serde(default)]
    pub step: Option<Duration>,
    /// Replay the trace from its start when it ends before the horizon.
    #[serde(default)]
    pub repeat: bool,
}

impl<'de> Deserialize<'de> for RawIntensity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawIntensity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("gCO2 per kWh as a number, or a table `{ trace = \"FILE\", column, step, repeat }`")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawIntensity, E> {
                Ok(RawIntensity::Constant(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawIntensity, E> {
                Ok(RawIntensity::Constant(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawIntensity, E> {
                Ok(RawIntensity::Constant(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawIntensity, A::Error> {
                RawIntensityTrace::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawIntensity::Trace)
            }
        }
        d.deserialize_any(V)
    }
}

/// A software licence charged per active core [the book's ISV-licensing argument].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSoftware {
    pub name: String,
    pub per_core_year: Spanned<f64>,
    /// The servers it runs on; all when absent.
    #[serde(default)]
    pub servers: Option<Vec<Spanned<String>>>,
    /// How the licensed cores are counted (issue #20); `server_cores` when absent.
    #[serde(default)]
    pub rule: Option<Spanned<RawLicenceRule>>,
    /// `average` (core-time) or `peak` (the most the instance can hold, all the time).
    #[serde(default)]
    pub count: Option<RawLicenceCount>,
    /// Where it runs: partitions, or the partitions of workloads (not with `servers`).
    #[serde(default)]
    pub partitions: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub workloads: Option<Vec<Spanned<String>>>,
    /// Core factor per server model (`[[server_models]]` name or a server's `model`), 1 when
    /// absent.
    #[serde(default)]
    pub core_factor: Option<Spanned<std::collections::BTreeMap<String, f64>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawLicenceRule {
    PartitionCores,
    Vcpus,
    OsInstance,
    ServerCores,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawLicenceCount {
    Average,
    Peak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawKind {
    Npar,
    Vpar,
    Vm,
    Srp,
}

/// An nPar's cells: how many (taken in order from the free ones) or which (0-based indexes).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawCells {
    Count(u32),
    List(Vec<u32>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPartition {
    pub name: Spanned<String>,
    pub kind: Spanned<RawKind>,
    pub parent: Spanned<String>,
    #[serde(default)]
    pub cells: Option<Spanned<RawCells>>,
    #[serde(default)]
    pub cores: Option<Spanned<u32>>,
    #[serde(default)]
    pub min_cores: Option<Spanned<u32>>,
    #[serde(default)]
    pub max_cores: Option<Spanned<u32>>,
    #[serde(default)]
    pub vcpus: Option<Spanned<u32>>,
    /// Percent of one core per vCPU, 5..=100.
    #[serde(default)]
    pub entitlement: Option<Spanned<f64>>,
    /// Percent cap per vCPU (VMs) or of the parent (FSS groups).
    #[serde(default)]
    pub cap: Option<Spanned<f64>>,
    #[serde(default)]
    pub shares: Option<Spanned<f64>>,
    #[serde(default)]
    pub memory_gb: Option<Spanned<f64>>,
    /// Own disk and network capacity [MB/s]; absent: the parent's.
    #[serde(default)]
    pub disk_mbps: Option<Spanned<f64>>,
    #[serde(default)]
    pub network_mbps: Option<Spanned<f64>>,
    /// Fraction of each core the hypervisor consumes when VM guests run in this partition.
    #[serde(default)]
    pub vm_cpu_overhead: Option<Spanned<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawFormat {
    Native,
    Planetlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawUnits {
    /// Reference cores: one core of speed 1.0 busy for the whole sample.
    Cores,
    /// Percent of the source machine given by `source`.
    Percent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RawShortfall {
    #[default]
    Delay,
    Drop,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub cores: f64,
    /// Speed of one source core relative to the reference core (default 1) …
    #[serde(default)]
    pub speed: Option<f64>,
    /// … or the source's server model, whose `core_speed` it takes.
    #[serde(default)]
    pub model: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub name: Spanned<String>,
    pub partition: Spanned<String>,
    /// Annual CPU growth of this workload for the forecast, overriding `[report] growth.cpu`:
    /// a fraction a year, or `"fit"` to fit it to the workload's own history.
    #[serde(default)]
    pub growth: Option<Spanned<RawRate>>,
    /// Capacity Advisor's what-if scaling of a profile: CPU demand × `scale` (1 when absent).
    #[serde(default)]
    pub scale: Option<Spanned<f64>>,
    /// The profile moved in time (`"6h"` later, `"-6h"` earlier), what is pushed past the end
    /// of the horizon coming back at its start: a workload moved to another time zone or its
    /// batch window moved.
    #[serde(default)]
    pub shift: Option<Spanned<String>>,
    #[serde(default)]
    pub trace: Option<Spanned<String>>,
    #[serde(default)]
    pub format: Option<Spanned<RawFormat>>,
    #[serde(default)]
    pub column: Option<Spanned<String>>,
    #[serde(default)]
    pub step: Option<Spanned<Duration>>,
    #[serde(default)]
    pub synth: Option<Spanned<SynthSpec>>,
    #[serde(default)]
    pub units: Option<Spanned<RawUnits>>,
    #[serde(default)]
    pub source: Option<Spanned<RawSource>>,
    #[serde(default)]
    pub memory_gb: Option<Spanned<f64>>,
    /// Constant disk and network demand [MB/s] where the trace carries none.
    #[serde(default)]
    pub disk_mbps: Option<Spanned<f64>>,
    #[serde(default)]
    pub network_mbps: Option<Spanned<f64>>,
    #[serde(default)]
    pub on_shortfall: RawShortfall,
    /// Replay the trace from its start when it ends before the horizon.
    #[serde(default)]
    pub repeat: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RawGrowthModel {
    #[default]
    Compound,
    Linear,
}

/// A yearly growth rate as written: a fraction (0.2 = 20 %/year), or `"fit"`: fitted to the
/// entity's own daily demand at the sizing percentile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawRate {
    Given(f64),
    Fit,
}

impl Default for RawRate {
    fn default() -> Self {
        RawRate::Given(0.0)
    }
}

impl<'de> Deserialize<'de> for RawRate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawRate;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a yearly growth as a fraction (0.2 = 20 %/year) or \"fit\"")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawRate, E> {
                Ok(RawRate::Given(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawRate, E> {
                Ok(RawRate::Given(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawRate, E> {
                Ok(RawRate::Given(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawRate, E> {
                if v == "fit" {
                    Ok(RawRate::Fit)
                } else {
                    Err(E::custom(format!(
                        "`{v}`: expected a yearly growth as a fraction (0.2 = 20 %/year) or \"fit\" (fitted to the history)"
                    )))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrowth {
    /// Fraction a year, e.g. 0.2 for 20 %/year, or "fit".
    #[serde(default)]
    pub cpu: RawRate,
    #[serde(default)]
    pub memory: RawRate,
    #[serde(default)]
    pub disk: RawRate,
    #[serde(default)]
    pub network: RawRate,
    /// Compound by default for given rates; for fitted ones, the model that fits better
    /// unless given.
    #[serde(default)]
    pub model: Option<RawGrowthModel>,
    /// How far the forecast looks (default 3 years).
    #[serde(default)]
    pub horizon: Option<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    #[serde(default)]
    pub util_limit: Option<Spanned<f64>>,
    /// Annual growth of demand, for the forecast: `{ cpu = 0.2, memory = 0.1, model =
    /// "compound", horizon = "3y" }` [CA10][CA11]; also `disk` and `network`.
    #[serde(default)]
    pub growth: Option<Spanned<RawGrowth>>,
    #[serde(default)]
    pub memory_limit: Option<Spanned<f64>>,
    #[serde(default)]
    pub disk_limit: Option<Spanned<f64>>,
    #[serde(default)]
    pub network_limit: Option<Spanned<f64>>,
    /// The server a consolidation's size is counted in (`planning.servers_needed`); default
    /// the scenario's largest.
    #[serde(default)]
    pub target_server: Option<Spanned<String>>,
    /// The percentile of the time-aligned demand the verdict and headroom size for (Capacity
    /// Advisor's "chosen percentile"), 50 to 100; default 100, the peak.
    #[serde(default)]
    pub sizing_percentile: Option<Spanned<f64>>,
    #[serde(default)]
    pub step: Option<Spanned<Duration>>,
    /// The interval whose means the utilization distributions are taken over; default 5 min.
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub timeseries: Option<bool>,
    #[serde(default)]
    pub timeseries_csv: Option<bool>,
}
