//! `replicas.json` (`vsesim run --replicas N`): the Monte Carlo figures over replicas of
//! random failures. The study layer runs them; the types are here, with the rest of the
//! output contract, so the report reads them without knowing how they were run.
//!
//! Like `summary.json`, the file is read back typed ([`read`]): the report's Monte Carlo
//! section draws from these types, so a field renamed in the file or in the code fails the
//! read, naming the field, instead of showing "—" in the page.

use crate::ha::mean_ci95;
use serde::{Deserialize, Deserializer, Serialize};

/// Read a run's replicas.json back into a [`ReplicaReport`], for report.html. It fails,
/// naming the file and the field, on a field missing, of another type or unknown (every type
/// here refuses fields it does not know), so a damaged or foreign file is said, not skipped.
pub fn read(path: &std::path::Path) -> Result<ReplicaReport, crate::Error> {
    let text = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    parse_bytes(&text).map_err(|why| {
        crate::Error::Usage(format!(
            "{}: not a replicas.json written by vsesim run --replicas: {why}",
            path.display()
        ))
    })
}

/// [`read`] from the text of a replicas.json; the error says what is wrong, without the file.
pub fn parse(text: &str) -> Result<ReplicaReport, String> {
    parse_bytes(text.as_bytes())
}

fn parse_bytes(text: &[u8]) -> Result<ReplicaReport, String> {
    super::typed(text)
}

/// A figure that may be null in the file: serde_json writes a float that is not finite (the
/// interval of one replica, which has no spread) as null, and this reads it back as NaN, so
/// the report shows "—" for it as it did when it read the file untyped.
fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// [`nan_if_null`] of each figure of a list.
fn nan_if_null_each<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(d)?
        .into_iter()
        .map(|x| x.unwrap_or(f64::NAN))
        .collect())
}

/// A mean and its 95 % confidence interval over replicas (Student's t).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    #[serde(deserialize_with = "nan_if_null")]
    pub mean: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub ci95_low: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub ci95_high: f64,
}

impl Interval {
    pub fn of(xs: &[f64]) -> Interval {
        let (mean, half) = mean_ci95(xs);
        Interval {
            mean,
            ci95_low: mean - half,
            ci95_high: mean + half,
        }
    }
}

/// `replicas.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaReport {
    pub scenario: String,
    pub seed: u64,
    pub replicas: u64,
    pub availability: Interval,
    pub unmet_core_hours: Interval,
    pub packages: Vec<PackageInterval>,
    pub runs: Vec<ReplicaRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageInterval {
    pub name: String,
    pub availability: Interval,
    pub failovers: Interval,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaRow {
    pub replica: u64,
    #[serde(deserialize_with = "nan_if_null")]
    pub availability: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub unmet_core_hours: f64,
    pub outages: usize,
    /// Per package, in scenario order.
    #[serde(deserialize_with = "nan_if_null_each")]
    pub package_availability: Vec<f64>,
    pub package_failovers: Vec<u32>,
}

#[cfg(test)]
mod tests {
    /// Two replicas and one package, as `vsesim run --replicas 2` writes them (pretty, with
    /// the interval of one replica's figures null: no spread); the figures are made up.
    const TWO: &str = r#"{
  "scenario": "s",
  "seed": 11,
  "replicas": 2,
  "availability": {
    "mean": 0.99,
    "ci95_low": 0.98,
    "ci95_high": 1.0
  },
  "unmet_core_hours": {
    "mean": 1.5,
    "ci95_low": null,
    "ci95_high": null
  },
  "packages": [
    {
      "name": "pkg-db",
      "availability": {
        "mean": 0.75,
        "ci95_low": 0.5,
        "ci95_high": 1.0
      },
      "failovers": {
        "mean": 0.5,
        "ci95_low": 0.0,
        "ci95_high": 1.0
      }
    }
  ],
  "runs": [
    {
      "replica": 0,
      "availability": 1.0,
      "unmet_core_hours": 1.0,
      "outages": 0,
      "package_availability": [
        1.0
      ],
      "package_failovers": [
        0
      ]
    },
    {
      "replica": 1,
      "availability": null,
      "unmet_core_hours": 2.0,
      "outages": 1,
      "package_availability": [
        null
      ],
      "package_failovers": [
        1
      ]
    }
  ]
}"#;

    /// Read and written again, the file gives the same bytes, nulls included: every field
    /// the run writes is a field of the type the report reads.
    #[test]
    fn replicas_read_back_to_the_same_bytes() {
        let r = super::parse(TWO).expect("the replicas read");
        assert_eq!(r.replicas, 2);
        assert!(r.unmet_core_hours.ci95_low.is_nan());
        assert!(r.runs[1].package_availability[0].is_nan());
        assert_eq!(serde_json::to_string_pretty(&r).unwrap(), TWO);
    }

    /// A field renamed, missing or added is refused, naming it and where it is.
    #[test]
    fn a_renamed_or_unknown_field_is_refused() {
        let renamed = TWO.replacen("\"ci95_high\"", "\"ci95_hi\"", 1);
        let err = super::parse(&renamed).unwrap_err();
        assert!(err.contains("unknown field `ci95_hi`"), "{err}");
        assert!(err.contains("availability"), "{err}");
        let renamed = TWO.replacen("\"package_failovers\"", "\"failovers\"", 1);
        let err = super::parse(&renamed).unwrap_err();
        assert!(
            err.contains("`failovers`") && err.contains("runs[0]"),
            "{err}"
        );
        let missing = TWO.replacen("\"seed\": 11,", "", 1);
        let err = super::parse(&missing).unwrap_err();
        assert!(err.contains("missing field `seed`"), "{err}");
        let text = TWO.replacen("\"outages\": 1", "\"outages\": \"one\"", 1);
        let err = super::parse(&text).unwrap_err();
        assert!(err.contains("runs[1].outages"), "{err}");
    }
}
