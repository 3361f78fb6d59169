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

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TicapConfig {
    pub balance_core_min: f64,
    pub price_per_core_day: f64,
    pub warn_days: f64,
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

/// A software licence charged per active core.
#[derive(Debug, Clone, PartialEq)]
pub struct Software {
    pub name: String,
    pub per_core_year: f64,
    pub servers: Vec<NodeId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Costs {
    pub currency: Option<String>,
    pub price_per_kwh: f64,
    pub pue: f64,
    pub software: Vec<Software>,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            currency: None,
            price_per_kwh: 0.0,
            pue: 1.0,
            software: Vec::new(),
        }
    }
}
