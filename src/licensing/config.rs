//! What a scenario says about money: each server's usage rights, utility pricing and
//! hardware price, and the prices that are not a server's own (software, energy). Compiled
//! and validated once by the scenario compiler.

use crate::model::NodeId;

/// One server's pricing.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerPricing {
    pub server: NodeId,
    /// Cores installed (cells × cores per cell), active or not.
    pub installed: u32,
    /// Instant Capacity core usage rights held, including those bought as a what-if.
    pub rights: u32,
    /// Rights bought as a what-if, and their price each.
    pub rights_bought: u32,
    pub core_right_price: f64,
    /// Hardware price and the years it is amortized over.
    pub capex: Option<(f64, f64)>,
    /// Linear power model: watts idle and at full utilization.
    pub power: Option<(f64, f64)>,
    pub ticap: Option<TicapConfig>,
    pub ppu: Option<PpuConfig>,
    /// The Global Instant Capacity group it belongs to (index into the scenario's groups).
    pub group: Option<usize>,
}

/// A Global Instant Capacity group, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct GicapGroup {
    pub name: String,
    /// Indexes of its members among the servers' pricing entries.
    pub members: Vec<usize>,
    pub sharing_rights: u32,
    /// The balance the members share.
    pub ticap: Option<TicapConfig>,
}

/// A Temporary Instant Capacity balance and what it costs.
///
/// Two ways to pay, which may be combined: `balance_core_min` is a balance already held, paid
/// when used at `price_per_core_day`; `blocks` are standard 30-core-day blocks bought at the
/// start at `price_per_block` each, paid whether used or not, drawn before the held balance,
/// and lapsing unused at `expires_ms` when given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TicapConfig {
    pub balance_core_min: f64,
    pub price_per_core_day: f64,
    pub warn_days: f64,
    /// Blocks of [`TICAP_BLOCK_CORE_MIN`](super::TICAP_BLOCK_CORE_MIN) bought at the start.
    pub blocks: u32,
    pub price_per_block: f64,
    /// When the bought blocks' unused minutes lapse [ms from the start]; never when `None`.
    pub expires_ms: Option<u64>,
}

impl TicapConfig {
    /// Core-minutes of the bought blocks.
    pub fn block_core_min(&self) -> f64 {
        f64::from(self.blocks) * super::TICAP_BLOCK_CORE_MIN
    }

    /// The balance at the start: the held balance and the blocks [core-minutes].
    pub fn total_core_min(&self) -> f64 {
        self.balance_core_min + self.block_core_min()
    }

    /// The price of one core-day of temporary capacity: `price_per_core_day`, or where that is
    /// 0 the block price ÷ 30 core-days [currency].
    pub fn core_day_price(&self) -> f64 {
        if self.price_per_core_day > 0.0 || self.blocks == 0 {
            self.price_per_core_day
        } else {
            self.price_per_block / 30.0
        }
    }

    /// A ledger for this balance: the blocks drawn first, lapsing at the expiry.
    pub fn ledger(&self) -> super::TicapLedger {
        let l = super::TicapLedger::new(self.total_core_min(), self.warn_days);
        match self.expires_ms {
            Some(at) => l.with_expiry(at, self.block_core_min()),
            None => l,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PpuMetricKind {
    /// Utilization of the active cores (busy cores).
    Percent,
    /// Active cores.
    Active,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PpuConfig {
    pub metric: PpuMetricKind,
    pub price_per_core_month: f64,
    pub fixed_per_month: f64,
}

/// A software licence, charged per core the rule counts (issue #20).
#[derive(Debug, Clone, PartialEq)]
pub struct Software {
    pub name: String,
    pub per_core_year: f64,
    /// The servers it runs on (the `server_cores` rule without partitions or workloads).
    pub servers: Vec<NodeId>,
    pub rule: LicenceRule,
    pub count: LicenceCount,
    /// The OS instances or partitions whose cores the rule counts, each once, in scenario
    /// order: servers (`server_cores`), the nearest nPar, vPar or server (`partition_cores`),
    /// VM guests (`vcpus`), the nearest OS instance (`os_instance`).
    pub instances: Vec<NodeId>,
    /// Core factor of each instance's server (1 when its model has none).
    pub factors: Vec<f64>,
}

/// What a licence counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceRule {
    /// The server's active cores (hard partitions, VMs and groups inside count for nothing).
    ServerCores,
    /// The cores of the hard partition it runs in: the nearest nPar or vPar (or the server).
    PartitionCores,
    /// A VM guest's vCPUs.
    Vcpus,
    /// The whole OS instance it runs in (FSS and PSET groups count their OS's cores).
    OsInstance,
}

impl LicenceRule {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceRule::ServerCores => "server_cores",
            LicenceRule::PartitionCores => "partition_cores",
            LicenceRule::Vcpus => "vcpus",
            LicenceRule::OsInstance => "os_instance",
        }
    }
}

/// How the counted cores become core-years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceCount {
    /// Σ counted cores × time: what the instances held, as it changed.
    Average,
    /// The most cores each instance can hold, for the whole horizon.
    Peak,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Costs {
    pub currency: Option<String>,
    pub price_per_kwh: f64,
    /// Power usage effectiveness, from `[energy] pue` or `[costs] pue`.
    pub pue: f64,
    pub software: Vec<Software>,
    /// The grid's carbon intensity (`[energy] carbon_intensity`); no CO2 is reported without.
    pub carbon: Option<super::carbon::Intensity>,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            currency: None,
            price_per_kwh: 0.0,
            pue: 1.0,
            software: Vec::new(),
            carbon: None,
        }
    }
}
