//! A second reading of a scenario that serde refused, table by table: serde stops at the first
//! error, so each top-level table and each entry of an array of tables (`[[workloads]]`) is
//! deserialized again on its own, and every one that fails gives its own error. `validate`
//! then lists a file's mistakes at once (up to 20) instead of one per attempt.
//!
//! The positions stay those of the whole file: the document is parsed once, and every entry is
//! read from its part of that parse.

use super::error::ScenarioError;
use super::raw::*;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// How a serde error becomes a scenario error (the compiler's wording), given the path of the
/// table it was found in.
type Report<'f> = &'f dyn Fn(serde_path_to_error::Error<toml::de::Error>, &str) -> ScenarioError;

/// The top-level keys of a scenario ([`RawScenario`]'s fields): the match in [`errors`] must
/// name each (a test checks the list against the type).
#[cfg(test)]
const TOP_LEVEL: &[&str] = &[
    "scenario",
    "servers",
    "partitions",
    "workloads",
    "report",
    "costs",
    "energy",
    "gicap",
    "policies",
    "managers",
    "wlm",
    "wlm_arbiters",
    "server_models",
    "clusters",
    "packages",
    "failures",
    "moves",
    "consolidation",
];

/// Every error of the tables of `text`, each found on its own.
pub fn errors(text: &str, report: Report<'_>) -> Vec<ScenarioError> {
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in root.get_ref().iter() {
        let k: &str = key.get_ref();
        let out = &mut out;
        match k {
            "scenario" => one::<RawHeader>(value, k, report, out),
            "servers" => each::<RawServer>(value, k, report, out),
            "partitions" => each::<RawPartition>(value, k, report, out),
            "workloads" => each::<RawWorkload>(value, k, report, out),
            "report" => one::<RawReport>(value, k, report, out),
            "costs" => one::<RawCosts>(value, k, report, out),
            "energy" => one::<RawEnergy>(value, k, report, out),
            "gicap" => each::<RawGicap>(value, k, report, out),
            "policies" => each::<RawDomain>(value, k, report, out),
            "managers" => one::<RawManagers>(value, k, report, out),
            "wlm" => each::<RawWlm>(value, k, report, out),
            "wlm_arbiters" => each::<RawWlmArbiter>(value, k, report, out),
            "server_models" => each::<RawServerModel>(value, k, report, out),
            "clusters" => each::<RawCluster>(value, k, report, out),
            "packages" => each::<RawPackage>(value, k, report, out),
            "failures" => each::<RawFailure>(value, k, report, out),
            "moves" => each::<super::mobility::RawMove>(value, k, report, out),
            "consolidation" => each::<super::mobility::RawConsolidation>(value, k, report, out),
            // Left to the whole-file reading, which names the unknown key.
            _ => {}
        }
    }
    out
}

fn one<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    prefix: &str,
    report: Report<'_>,
    out: &mut Vec<ScenarioError>,
) {
    let de = ValueDeserializer::from(value.clone());
    if let Err(e) = serde_path_to_error::deserialize::<_, T>(de) {
        out.push(report(e, prefix));
    }
}

fn each<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    prefix: &str,
    report: Report<'_>,
    out: &mut Vec<ScenarioError>,
) {
    match value.get_ref() {
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                one::<T>(item, &format!("{prefix}[{i}]"), report, out);
            }
        }
        _ => one::<Vec<T>>(value, prefix, report, out),
    }
}

#[cfg(test)]
mod tests {
    /// The list above is RawScenario's fields: a scenario naming each key parses past the
    /// key (its error is about its content, never "unknown field").
    #[test]
    fn top_level_keys_are_the_scenario_fields() {
        for key in super::TOP_LEVEL {
            let text = format!("{key} = 1\n");
            let e = toml::from_str::<super::RawScenario>(&text).unwrap_err();
            assert!(!e.message().contains("unknown field"), "{key}: {e}");
        }
    }
}
