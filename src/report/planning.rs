//! Planning answers under the forecast, as planners know them from VMware's capacity
//! analytics and Microsoft's MAP (DOMAIN.md §6): per server, partition and resource, the time
//! remaining until the grown demand crosses its limit, the capacity remaining now, and the size
//! that would meet the limit over the whole forecast horizon; per study, how many target
//! servers the demand needs.
//!
//! Pure arithmetic on figures the run measured: the demand at the sizing percentile, the
//! growth rates and the limits. The growth curve is Capacity Advisor's: linear (1 + r·t) or
//! compound ((1 + r)ᵗ) in years [CA10][CA11].

use serde::{Deserialize, Serialize};

/// One resource of one server or partition.
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourcePlan {
    /// `cores` (the server's own physical cores, not reference cores), `GiB` or `MB/s`.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub unit: crate::report::word::Word,
    pub capacity: f64,
    pub limit: f64,
    /// The demand at the sizing percentile over the simulated period.
    pub demand_now: f64,
    /// `demand_now` grown to the end of the forecast horizon.
    pub demand_at_horizon: f64,
    /// Days after the simulated period until the grown demand reaches limit × capacity: 0
    /// when it already does; null when not within the horizon ("beyond the horizon").
    pub time_remaining_days: Option<f64>,
    /// The 95 % interval of `time_remaining_days` from the fitted rate's interval (the low
    /// end from the high rate); null where the rate is given, and an end beyond the horizon
    /// is null.
    pub time_remaining_days_ci95_low: Option<f64>,
    pub time_remaining_days_ci95_high: Option<f64>,
    /// The growth rate the forecast used and where it came from.
    pub growth: GrowthUsed,
    /// limit × capacity − demand now; negative when over.
    pub capacity_remaining: f64,
    /// The capacity at which the demand stays within the limit for the whole horizon: the
    /// largest demand of the horizon ÷ limit. Cores are whole cores where the partition kind
    /// moves whole cores (servers, nPars, vPars, PSET groups), hundredths of a core for VM
    /// guests and FSS groups (WLM's 0.01-core step).
    pub recommended: f64,
}

/// A growth rate as the forecast used it: given in the scenario, or fitted to the entity's
/// own daily demand at the sizing percentile (report::trend).
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GrowthUsed {
    /// `given` (the scenario's rate; for a node's CPU, its workloads' rates weighted by their
    /// work), `workloads` (that weighting, with some workloads' rates fitted), `fit` (fitted
    /// to this entity's history), or `unfitted` (a fit was asked and none could be made:
    /// `note` says why; the rate is then 0).
    #[serde(deserialize_with = "crate::report::word::word")]
    pub source: crate::report::word::Word,
    /// A year's growth, a fraction.
    pub rate: f64,
    /// `compound` ((1 + r)^years) or `linear` (1 + r·years), from the end of the simulated
    /// period.
    #[serde(deserialize_with = "crate::report::word::word")]
    pub model: crate::report::word::Word,
    /// A fit's 95 % interval of `rate`, its R² and the days fitted; null otherwise.
    pub rate_ci95_low: Option<f64>,
    pub rate_ci95_high: Option<f64>,
    pub r_squared: Option<f64>,
    pub days: Option<usize>,
    /// The fitted daily demand at the sizing percentile at the end of the history, in the
    /// resource's unit (`unit`); null unless fitted.
    pub level_at_end: Option<f64>,
    #[serde(deserialize_with = "crate::report::word::word_opt")]
    pub note: Option<crate::report::word::Word>,
}

impl GrowthUsed {
    pub fn given(rate: f64, compound: bool) -> GrowthUsed {
        GrowthUsed {
            source: "given",
            rate,
            model: if compound { "compound" } else { "linear" },
            rate_ci95_low: None,
            rate_ci95_high: None,
            r_squared: None,
            days: None,
            level_at_end: None,
            note: None,
        }
    }

    /// A fitted trend; `scale` converts its level to the plan's unit (CPU: ÷ core speed).
    pub fn fitted(t: &super::trend::Trend, scale: f64) -> GrowthUsed {
        GrowthUsed {
            source: "fit",
            rate: t.rate,
            model: t.model.as_str(),
            rate_ci95_low: Some(t.rate_ci95.0),
            rate_ci95_high: Some(t.rate_ci95.1),
            r_squared: Some(t.r_squared),
            days: Some(t.days),
            level_at_end: Some(t.level_at_end * scale),
            note: None,
        }
    }

    /// A fit was asked and none could be made.
    pub fn unfitted(why: &'static str, compound: bool) -> GrowthUsed {
        GrowthUsed {
            source: "unfitted",
            note: Some(why),
            ..GrowthUsed::given(0.0, compound)
        }
    }

    pub fn compound(&self) -> bool {
        self.model == "compound"
    }
}

/// A node's four resources; memory, disk and network are null where the node has no capacity
/// of them configured (nothing to judge against; a server always has its memory).
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodePlan {
    pub horizon_days: f64,
    pub cpu: ResourcePlan,
    pub memory: Option<ResourcePlan>,
    pub disk: Option<ResourcePlan>,
    pub network: Option<ResourcePlan>,
}

impl NodePlan {
    /// The resources by name, in report order; None where not configured.
    pub fn resources(&self) -> [(&'static str, Option<&ResourcePlan>); 4] {
        [
            ("cpu", Some(&self.cpu)),
            ("memory", self.memory.as_ref()),
            ("disk", self.disk.as_ref()),
            ("network", self.network.as_ref()),
        ]
    }
}

/// How many servers like `target_server` the whole study's demand needs at the end of the
/// horizon, per resource and overall (the largest). Demand is summed over the servers, each
/// at its own sizing percentile: time-aligned within a server, not across servers, so it is
/// an upper bound of what a consolidation needs (`vsesim plan` places workloads for the
/// exact count).
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudyPlan {
    pub horizon_days: f64,
    pub target_server: String,
    pub servers_needed: u32,
    pub by_resource: ByResource,
    /// Per server, what its own licensing allows before another server is bought.
    pub advice: Vec<super::advice::ServerAdvice>,
}

#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ByResource {
    pub cpu: u32,
    pub memory: Option<u32>,
    pub disk: Option<u32>,
    pub network: Option<u32>,
}

/// How a forecast grows demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    /// Fraction a year (0.5 = 50 %/year); may be negative, above -1.
    pub rate: f64,
    pub compound: bool,
}

impl Growth {
    /// The factor after `years`; a linear decline stops at zero.
    pub fn factor(&self, years: f64) -> f64 {
        if self.compound {
            (1.0 + self.rate).powf(years)
        } else {
            (1.0 + self.rate * years).max(0.0)
        }
    }
}

/// Tolerance for whole cores: 6.000000001 cores of demand from rounding is 6 cores.
const WHOLE: f64 = 1e-9;

/// Whole cores: what nPars, vPars and PSET groups (and a server's usage rights) move in.
pub const WHOLE_CORES: f64 = 1.0;

/// WLM's step for FSS groups and VM entitlements [W219]: 0.01 core.
pub const SHARE_STEP: f64 = 0.01;

/// `x` rounded up to a multiple of `step` (0: not rounded), ignoring rounding noise.
pub fn round_up(x: f64, step: f64) -> f64 {
    if step <= 0.0 {
        return x;
    }
    // Dividing by the whole number 1/step keeps 170 hundredths exactly 1.7.
    let per_unit = (1.0 / step).round().max(1.0);
    let n = x * per_unit;
    ((n - WHOLE * n.abs().max(1.0)).ceil() / per_unit).max(0.0)
}

/// The plan of one resource: `demand_now` against `limit × capacity`, grown at `growth` over
/// `horizon_days`. `step`: round the recommendation up to multiples of it (cores: 1 or
/// [`SHARE_STEP`]; 0: not rounded).
pub fn resource(
    unit: &'static str,
    capacity: f64,
    limit: f64,
    demand_now: f64,
    used: GrowthUsed,
    horizon_days: f64,
    step: f64,
) -> ResourcePlan {
    let growth = Growth {
        rate: used.rate,
        compound: used.compound(),
    };
    let years = horizon_days / 365.0;
    let until = |rate: f64| {
        super::summary::days_until(
            demand_now,
            limit * capacity,
            rate,
            growth.compound,
            horizon_days,
        )
    };
    let demand_at_horizon = demand_now * growth.factor(years);
    // Growth is monotonic, so the largest demand of the horizon is at one of its ends.
    let largest = demand_now.max(demand_at_horizon);
    let recommended = largest / limit;
    ResourcePlan {
        unit,
        capacity,
        limit,
        demand_now,
        demand_at_horizon,
        time_remaining_days: until(growth.rate),
        time_remaining_days_ci95_low: used.rate_ci95_high.and_then(until),
        time_remaining_days_ci95_high: used.rate_ci95_low.and_then(until),
        growth: used,
        capacity_remaining: limit * capacity - demand_now,
        recommended: round_up(recommended, step),
    }
}

/// Servers of `capacity` (at `limit`) that `demand` needs; None where the target has none of
/// the resource. At least one server when there is any demand.
pub fn servers_for(demand: f64, capacity: f64, limit: f64) -> Option<u32> {
    if capacity <= 0.0 {
        return None;
    }
    let n = (demand / (limit * capacity) - WHOLE).ceil().max(0.0);
    Some(n.min(u32::MAX as f64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #11's example: 2 cores growing 50 % a year linearly on 4 cores at a 75 % limit
    /// reach 3 cores after exactly one year (2 × (1 + 0.5 × 1) = 3).
    #[test]
    fn two_cores_at_fifty_percent_linear_cross_three_after_a_year() {
        let linear = GrowthUsed::given(0.5, false);
        let p = resource("cores", 4.0, 0.75, 2.0, linear, 3.0 * 365.0, WHOLE_CORES);
        assert_eq!(p.time_remaining_days, Some(365.0));
        assert_eq!(p.capacity_remaining, 1.0);
        // After 3 years: 2 × (1 + 1.5) = 5 cores, which needs 5 / 0.75 = 6.67 → 7 cores.
        assert_eq!(p.demand_at_horizon, 5.0);
        assert_eq!(p.recommended, 7.0);
        // Over a half-year horizon the crossing is beyond it.
        let p = resource("cores", 4.0, 0.75, 2.0, linear, 182.0, WHOLE_CORES);
        assert_eq!(p.time_remaining_days, None);
    }

    /// Compound 20 %: 1.75 → 3 takes ln(3/1.75)/ln 1.2 years; already over is 0 days and
    /// negative capacity remaining; shrinking demand recommends for today's.
    #[test]
    fn compound_growth_over_and_shrinking() {
        let g = GrowthUsed::given(0.2, true);
        let p = resource("GiB", 4.0, 0.75, 1.75, g, 1095.0, 0.0);
        let years = (3.0f64 / 1.75).ln() / 1.2f64.ln();
        assert!((p.time_remaining_days.unwrap() - years * 365.0).abs() < 1e-9);
        assert!((p.demand_at_horizon - 1.75 * 1.2f64.powi(3)).abs() < 1e-12);
        let over = resource("GiB", 4.0, 0.75, 3.5, g, 1095.0, 0.0);
        assert_eq!(over.time_remaining_days, Some(0.0));
        assert_eq!(
            over.time_remaining_days_ci95_low, None,
            "a given rate has no interval"
        );
        assert_eq!(over.capacity_remaining, -0.5);
        let shrinking = GrowthUsed::given(-0.5, false);
        let p = resource("cores", 8.0, 0.5, 3.0, shrinking, 3.0 * 365.0, WHOLE_CORES);
        assert_eq!(p.demand_at_horizon, 0.0);
        assert_eq!(p.recommended, 6.0);
    }

    /// A fitted rate's interval gives the time remaining's: 2 cores on 4 at a 75 % limit,
    /// linear, reach 3 cores when 2 × (1 + r·t) = 3, after 0.5/r years: 365 days at 50 %, 182.5
    /// at 100 %, 730 at 25 %, and at 10 % (5 years) not within a three-year horizon.
    #[test]
    fn a_fitted_rate_gives_time_remaining_an_interval() {
        let used = GrowthUsed {
            source: "fit",
            rate_ci95_low: Some(0.25),
            rate_ci95_high: Some(1.0),
            ..GrowthUsed::given(0.5, false)
        };
        let p = resource("cores", 4.0, 0.75, 2.0, used, 1095.0, WHOLE_CORES);
        assert_eq!(p.time_remaining_days, Some(365.0));
        assert_eq!(p.time_remaining_days_ci95_low, Some(182.5));
        assert_eq!(p.time_remaining_days_ci95_high, Some(730.0));
        let slow = GrowthUsed {
            rate_ci95_low: Some(0.1),
            ..used
        };
        let p = resource("cores", 4.0, 0.75, 2.0, slow, 1095.0, WHOLE_CORES);
        assert_eq!(p.time_remaining_days_ci95_high, None);
    }

    /// A VM guest or FSS group is sized in hundredths of a core: 1.4 cores at an 85 % limit
    /// need 1.4 / 0.85 = 1.6471 → 1.65 cores, where a vPar would need 2.
    #[test]
    fn shares_round_to_hundredths_and_partitions_to_whole_cores() {
        let flat = GrowthUsed::given(0.0, true);
        let vm = resource("cores", 1.5, 0.85, 1.4, flat, 365.0, SHARE_STEP);
        assert!((vm.recommended - 1.65).abs() < 1e-12, "{}", vm.recommended);
        let vpar = resource("cores", 1.0, 0.85, 1.4, flat, 365.0, WHOLE_CORES);
        assert_eq!(vpar.recommended, 2.0);
        assert_eq!(round_up(1.7, SHARE_STEP), 1.7);
        assert_eq!(round_up(3.0000000001, WHOLE_CORES), 3.0);
        assert_eq!(round_up(0.3, 0.0), 0.3);
    }

    #[test]
    fn servers_needed_rounds_up_but_not_on_rounding_noise() {
        assert_eq!(servers_for(12.0, 16.0, 0.75), Some(1));
        assert_eq!(servers_for(12.000_000_000_1, 16.0, 0.75), Some(1));
        assert_eq!(servers_for(12.1, 16.0, 0.75), Some(2));
        assert_eq!(servers_for(0.0, 16.0, 0.75), Some(0));
        assert_eq!(servers_for(5.0, 0.0, 0.75), None);
    }
}
