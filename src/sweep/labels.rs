//! Human labels for a sweep's axes and figures: what the charts and report.html print
//! instead of `servers[name=sd].ticap.balance_core_minutes` or `sla_worst_met_share`. Each has
//! a label, a unit and the scale from the stored value to the unit (shares are stored as
//! fractions and shown in percent). The raw names stay in the tables and in the report's
//! footnote, so a reader can find the column.

use super::run::AxisInfo;

/// How a column reads for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub text: String,
    /// Empty for a count or a plain number.
    pub unit: String,
    /// Stored value × scale = the value in `unit`.
    pub scale: f64,
}

impl Label {
    fn new(text: impl Into<String>, unit: impl Into<String>, scale: f64) -> Label {
        Label {
            text: text.into(),
            unit: unit.into(),
            scale,
        }
    }

    /// "Total cost [USD]", or the text alone without a unit.
    pub fn with_unit(&self) -> String {
        if self.unit.is_empty() {
            self.text.clone()
        } else {
            format!("{} [{}]", self.text, self.unit)
        }
    }
}

/// A figure of the results (docs/SWEEP.md) or `verdict_meets_share`; `currency` is the base
/// scenario's. Per-server columns (`sd.util_mean`) name their server; an unknown figure
/// keeps its name.
pub fn figure(name: &str, currency: Option<&str>) -> Label {
    let money = currency.unwrap_or("currency");
    let pct = |t: &str| Label::new(t, "%", 100.0);
    let of = |t: &str, u: &str| Label::new(t, u, 1.0);
    if let Some((server, what)) = name.split_once('.') {
        let base = figure(what, currency);
        return Label {
            text: format!("{} of {server}", base.text.replace(" (any server)", "")),
            ..base
        };
    }
    match name {
        "cost_total" => of("Total cost", money),
        "cost_hardware" => of("Hardware cost", money),
        "cost_core_rights" => of("Core usage rights bought", money),
        "cost_ticap" => of("Temporary iCAP cost", money),
        "cost_ppu" => of("Pay per use cost", money),
        "cost_software" => of("Software cost", money),
        "cost_energy" => of("Energy cost", money),
        "demand_core_hours" => of("Work demanded", "core-h"),
        "served_core_hours" => of("Work served", "core-h"),
        "delayed_core_hours" => of("Work delayed", "core-h"),
        "dropped_core_hours" => of("Work dropped", "core-h"),
        "backlog_core_hours" => of("Backlog at the end", "core-h"),
        "unmet_core_hours" => of("Work unmet", "core-h"),
        "sla_worst_met_share" => pct("SLA met by the worst workload"),
        "sla_mean_met_share" => pct("SLA met, mean over workloads"),
        "longest_backlog_ms" => Label::new("Longest backlog", "h", 1.0 / 3_600_000.0),
        "capacity_cores" => of("Capacity", "reference cores"),
        "peak_demand_cores" => of("Peak demand, Σ servers", "reference cores"),
        "util_mean" => pct("Mean CPU utilization"),
        "util_p95" => pct("p95 CPU utilization (any server)"),
        "util_max" => pct("Max CPU utilization (any server)"),
        "time_above_limit_share" => pct("Time above the limit (any server)"),
        "verdict_meets_share" => pct("Replicas whose verdict meets"),
        "ticap_used_core_minutes" => of("Temporary iCAP used", "core-min"),
        "active_core_hours" => of("Active cores × hours", "core-h"),
        "ha_availability" => pct("Availability"),
        "ha_failovers" => of("Failovers", ""),
        "facility_kwh" => of("Energy drawn × PUE", "kWh"),
        "co2_kg" => of("CO2 emitted", "kg"),
        other => of(other, ""),
    }
}

/// An axis: its own `label` and `unit` from the sweep file, else one made from its path: the
/// field in words and the entity a `[key=value]` selector names ("TiCAP balance of sd").
pub fn axis(a: &AxisInfo) -> Label {
    if let Some(text) = &a.label {
        return Label::new(text.clone(), a.unit.clone().unwrap_or_default(), 1.0);
    }
    let mut l = from_path(&a.path);
    if let Some(u) = &a.unit {
        l.unit = u.clone();
    }
    l
}

/// `policies[domain=sd].compartments[partition=np-erp].policy.owned` → "Owned cores of
/// np-erp" [cores].
fn from_path(path: &str) -> Label {
    let keys: Vec<&str> = path
        .split('.')
        .map(|k| k.split('[').next().unwrap_or(k))
        .collect();
    // The entity: the value of the last `[key=value]` (or the index of the last `[n]`).
    let entity = path
        .rsplit('[')
        .next()
        .filter(|_| path.contains('['))
        .and_then(|s| s.split(']').next())
        .map(|sel| match sel.split_once('=') {
            Some((_, v)) => v.trim_matches('"').to_string(),
            None if sel == "*" => "every one".to_string(),
            None => format!("#{sel}"),
        });
    let leaf = keys.last().copied().unwrap_or(path);
    let parent = keys.len().checked_sub(2).map(|i| keys[i]).unwrap_or("");
    let (text, unit, scale) = match (parent, leaf) {
        ("ticap", "balance_core_minutes") => ("TiCAP balance", "core-min", 1.0),
        ("policy", "owned") => ("Owned cores", "cores", 1.0),
        ("policy", "min") => ("Minimum cores", "cores", 1.0),
        ("policy", "max") => ("Maximum cores", "cores", 1.0),
        ("policy", "target") => ("Utilization target", "%", 1.0),
        (_, "cores") => ("Cores", "cores", 1.0),
        (_, "active_cores") => ("Active cores", "cores", 1.0),
        (_, "min_cores") => ("Minimum cores", "cores", 1.0),
        (_, "max_cores") => ("Maximum cores", "cores", 1.0),
        (_, "vcpus") => ("vCPUs", "", 1.0),
        (_, "entitlement") => ("Entitlement", "%", 1.0),
        (_, "shares") => ("FSS shares", "", 1.0),
        (_, "cells") => ("Cells", "", 1.0),
        (_, "util_limit") => ("CPU utilization limit", "%", 100.0),
        (_, "memory_limit") => ("Memory utilization limit", "%", 100.0),
        (_, "sizing_percentile") => ("Sizing percentile", "", 1.0),
        ("synth", "noise") => ("Demand noise (CV)", "", 1.0),
        ("synth", "mean") => ("Mean demand", "cores", 1.0),
        ("synth", "peak") => ("Peak demand", "cores", 1.0),
        (_, "growth") => ("Growth", "%/year", 100.0),
        (_, "scale") => ("Demand scale", "×", 1.0),
        (_, "shift") => ("Time shift", "", 1.0),
        (_, "interval") => ("Interval", "", 1.0),
        (_, "core_speed") => ("Core speed", "× reference", 1.0),
        (_, "price_per_core_day") => ("TiCAP price per core-day", "", 1.0),
        _ => ("", "", 1.0),
    };
    let text = if text.is_empty() {
        let words = leaf.replace('_', " ");
        let mut c = words.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    } else {
        text.to_string()
    };
    Label::new(
        match entity {
            Some(e) => format!("{text} of {e}"),
            None => text,
        },
        unit,
        scale,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::spec::Kind;

    fn axis_of(path: &str) -> AxisInfo {
        AxisInfo {
            name: "x".into(),
            path: path.into(),
            kind: Kind::Int,
            label: None,
            unit: None,
        }
    }

    #[test]
    fn paths_read_as_words() {
        let l = axis(&axis_of("servers[name=sd].ticap.balance_core_minutes"));
        assert_eq!(l.with_unit(), "TiCAP balance of sd [core-min]");
        let l = axis(&axis_of(
            "policies[domain=sd].compartments[partition=np-erp].policy.owned",
        ));
        assert_eq!(l.with_unit(), "Owned cores of np-erp [cores]");
        assert_eq!(
            axis(&axis_of("workloads[*].synth.noise")).with_unit(),
            "Demand noise (CV) of every one"
        );
        assert_eq!(axis(&axis_of("report.util_limit")).scale, 100.0);
        assert_eq!(
            axis(&axis_of("partitions[2].some_field")).text,
            "Some field of #2"
        );
        let mut own = axis_of("a.b");
        own.label = Some("ERP cores".into());
        own.unit = Some("cores".into());
        assert_eq!(axis(&own).with_unit(), "ERP cores [cores]");
    }

    #[test]
    fn figures_have_units_and_scales() {
        let c = figure("cost_total", Some("USD"));
        assert_eq!(c.with_unit(), "Total cost [USD]");
        let s = figure("sla_worst_met_share", None);
        assert_eq!((s.unit.as_str(), s.scale), ("%", 100.0));
        assert_eq!(
            figure("sd-b.util_p95", None).text,
            "p95 CPU utilization of sd-b"
        );
        assert_eq!(figure("mystery", None).with_unit(), "mystery");
    }
}
