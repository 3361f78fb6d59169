//! The compiled world: a validated, index-based [`Scenario`] and its parts, which the
//! scenario compiler builds and the run, the report and the studies read.
//!
//! It sits below them all so that none of them depends on the parser: what a run needs is
//! here, how a TOML file becomes it is in [`crate::scenario`]. It must not know TOML, spans or
//! error messages of the scenario file.

pub mod date;
pub mod duration;

use crate::licensing::config::{Costs, GicapGroup, ServerPricing};
use crate::model::Model;
use crate::policy::{self, Domain};
use crate::workload::Series;
use crate::workload::synth::SynthSpec;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

pub use duration::Duration;

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: PathBuf,
    pub name: String,
    pub description: Option<String>,
    pub seed: u64,
    pub horizon_ms: u64,
    pub model: Model,
    /// One per workload, in the order of `model.workloads`.
    pub demand: Vec<Demand>,
    pub report: ReportOptions,
    /// gWLM shared resource domains, ordered so that an outer domain comes before the domains
    /// nested in it.
    pub domains: Vec<Domain>,
    /// HP-UX WLM instances, one per OS they manage.
    pub wlm: Vec<policy::WlmInstance>,
    /// One per server, in server order.
    pub pricing: Vec<ServerPricing>,
    pub gicap: Vec<GicapGroup>,
    pub costs: Costs,
    /// Serviceguard clusters, packages and injected failures.
    pub ha: crate::ha::Ha,
    /// Planned moves and consolidation managers (issue #21); empty: nothing moves.
    pub mobility: crate::mobility::plan::Plan,
}

/// Where a workload's CPU demand comes from and how to turn it into reference cores.
#[derive(Debug, Clone)]
pub struct Demand {
    pub step_ms: u64,
    pub source: DemandSource,
    /// Multiplier from the source's units to reference cores.
    pub scale: f64,
    /// Memory demand [GiB] when the source carries none.
    pub memory_gb: f64,
    /// Disk and network demand [MB/s] when the source carries none.
    pub disk_mbps: f64,
    pub network_mbps: f64,
    /// Replay from the start when the trace ends before the horizon.
    pub repeat: bool,
}

#[derive(Debug, Clone)]
pub enum DemandSource {
    /// A trace series, shared by every workload that names the same file and column.
    Trace(Arc<Series>),
    Synth {
        spec: SynthSpec,
        seed: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Utilization above which a sample counts as over the limit, in (0, 1].
    pub util_limit: f64,
    /// The same for memory (demand ÷ memory).
    pub memory_limit: f64,
    /// The same for disk and network I/O (demand ÷ capacity, where configured).
    pub disk_limit: f64,
    pub network_limit: f64,
    /// The node whose size `planning.servers_needed` counts in: `[report] target_server`, or
    /// the largest server (by reference cores, then memory; the first of equals).
    pub target_server: Option<crate::model::NodeId>,
    /// The share of time the time-aligned CPU demand must fit under the limit: 1 sizes for
    /// the peak, 0.99 for p99.
    pub sizing_quantile: f64,
    pub growth: Growth,
    /// Per workload, its own annual CPU growth where it overrides `growth.cpu`.
    pub workload_growth: Vec<Option<Rate>>,
    /// `[scenario] start`: the day whose midnight is time 0, for dates on charts and tables.
    pub start: Option<date::Date>,
    /// The time series' row step [ms].
    pub step_ms: u64,
    /// The report interval [ms]: utilization percentiles, maxima, time above a limit and the
    /// sizing percentile are taken over its means (Capacity Advisor's 5-minute data).
    pub interval_ms: u64,
    pub timeseries: bool,
    pub timeseries_csv: bool,
}

/// Annual demand growth for the forecast [CA10]: a rate a year per resource, given or fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub cpu: Rate,
    pub memory: Rate,
    pub disk: Rate,
    pub network: Rate,
    /// How given rates grow (compound by default); fitted ones follow it only when `model`
    /// was written, else the model that fits better.
    pub compound: bool,
    /// `model` was written in the scenario.
    pub model_given: bool,
    pub horizon_ms: u64,
}

/// One resource's yearly growth rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// A fraction a year (0.2 = 20 %/year), above −1.
    Given(f64),
    /// Fitted to the entity's own daily demand at the sizing percentile (report::trend).
    Fit,
}

impl Rate {
    pub fn is_fit(self) -> bool {
        self == Rate::Fit
    }

    /// The rate when given; 0 where it is to be fitted (the caller substitutes the fit).
    pub fn given_or_zero(self) -> f64 {
        match self {
            Rate::Given(r) => r,
            Rate::Fit => 0.0,
        }
    }
}

impl Growth {
    /// Whether any resource's rate is fitted: only then is the history read.
    pub fn any_fit(&self) -> bool {
        [self.cpu, self.memory, self.disk, self.network]
            .iter()
            .any(|r| r.is_fit())
    }
}

impl Default for Growth {
    fn default() -> Self {
        Growth {
            cpu: Rate::Given(0.0),
            memory: Rate::Given(0.0),
            disk: Rate::Given(0.0),
            network: Rate::Given(0.0),
            compound: true,
            model_given: false,
            horizon_ms: 3 * 365 * 86_400_000,
        }
    }
}

/// An override as the output folder records it: the path and the value as TOML writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applied {
    pub path: String,
    pub value: String,
}
