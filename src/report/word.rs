//! The words of the output contract: kinds and states that the run writes from constants and
//! the report reads back into the same `&'static str` fields.

use serde::de::{self, Deserialize, Visitor};

/// A word summary.json uses for a kind or a state (`meets`, `vpar`, `given`, …): the run
/// writes each from a constant, and the report reads it back as that same constant
/// ([`word`]), so a word costs nothing to hold however many rows repeat it. (An alias rather
/// than `&'static str` in the fields so that serde's derive does not take the field for text
/// borrowed from the input.)
pub type Word = &'static str;

/// Every word the run writes into a [`Word`] field, sorted (for the binary search). The set
/// is closed: each comes from a constant in the writers (summary.rs, judge.rs, planning.rs,
/// advice.rs, ha.rs, study/n_minus_1.rs, scenario/compile's policy names, trend.rs's reasons
/// for not fitting), so a word outside it is a file this vsesim did not write. A word added
/// to a writer goes here too: the golden summaries' read-back test fails until it does.
pub const WORDS: &[&str] = &[
    "GiB",
    "MB/s",
    "a day without demand has no logarithm: no compound trend",
    "active",
    "advisory",
    "average",
    "compound",
    "conditional",
    "constant",
    "core",
    "cores",
    "cpu",
    "cpushares",
    "custom",
    "delay",
    "disk",
    "does_not_meet",
    "drop",
    "exceeds",
    "fewer than 7 whole days of history",
    "fit",
    "fixed",
    "fss",
    "given",
    "halted",
    "icap",
    "linear",
    "managed",
    "meets",
    "memory",
    "metric",
    "network",
    "no demand in the history",
    "no_data",
    "node",
    "none",
    "npar",
    "os_instance",
    "own_borrow",
    "partition_cores",
    "peak",
    "percent",
    "ppu",
    "pset",
    "random",
    "reference cores",
    "reforming",
    "running",
    "scheduled",
    "server",
    "server_cores",
    "starting",
    "the demand could not be read again",
    "the fitted line is at zero or below at the end of the history",
    "the history has a value that is not a finite demand",
    "trace",
    "unfitted",
    "usage",
    "utilization",
    "vcpus",
    "vm",
    "vpar",
    "wlm",
    "workloads",
];

/// The constant of [`WORDS`] that reads `text`, if any.
pub fn known(text: &str) -> Option<Word> {
    WORDS.binary_search(&text).ok().map(|i| WORDS[i])
}

/// Reads a [`Word`]: the text becomes the constant it names, and a text that names none is
/// refused with the word and the accepted ones. Nothing read is kept: a summary.json with
/// millions of distinct strings where words belong costs the reader nothing.
pub fn word<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Word, D::Error> {
    d.deserialize_str(WordVisitor)
}

/// [`word`] for a field that may be null.
pub fn word_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Word>, D::Error> {
    struct Read(Word);
    impl<'de> Deserialize<'de> for Read {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            word(d).map(Read)
        }
    }
    Ok(Option::<Read>::deserialize(d)?.map(|w| w.0))
}

struct WordVisitor;

impl Visitor<'_> for WordVisitor {
    type Value = Word;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("one of the words vsesim writes (docs/OUTPUT.md)")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Word, E> {
        known(text).ok_or_else(|| {
            let accepted: Vec<String> = WORDS.iter().map(|w| format!("`{w}`")).collect();
            E::custom(format!(
                "unknown word `{}`: expected one of {}",
                text.escape_debug(),
                accepted.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Row {
        #[serde(deserialize_with = "word")]
        kind: Word,
        #[serde(deserialize_with = "word_opt")]
        note: Option<Word>,
    }

    #[test]
    fn the_table_is_sorted_and_has_no_repeats() {
        assert!(WORDS.windows(2).all(|w| w[0] < w[1]), "{WORDS:?}");
    }

    #[test]
    fn a_known_word_reads_as_the_constant() {
        let r: Row = serde_json::from_str(r#"{"kind": "vpar", "note": null}"#).unwrap();
        assert_eq!(r.kind, "vpar");
        assert!(std::ptr::eq(r.kind, known("vpar").unwrap()));
        assert_eq!(r.note, None);
        let r: Row =
            serde_json::from_str(r#"{"kind": "fss", "note": "no demand in the history"}"#).unwrap();
        assert_eq!(r.note, Some("no demand in the history"));
    }

    #[test]
    fn an_unknown_word_is_refused_naming_it_and_the_accepted_ones() {
        let err = serde_json::from_str::<Row>(r#"{"kind": "lpar", "note": null}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown word `lpar`"), "{err}");
        assert!(err.contains("`vpar`") && err.contains("`meets`"), "{err}");
        let err = serde_json::from_str::<Row>(r#"{"kind": "vm", "note": "made up"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown word `made up`"), "{err}");
        // A word is text: a number is refused too, not turned into one.
        assert!(serde_json::from_str::<Row>(r#"{"kind": 3, "note": null}"#).is_err());
    }

    /// The constants that writers take from enums' names: every one is a word.
    #[test]
    fn every_named_constant_is_a_word() {
        use crate::model::NodeKind::*;
        for k in [Server, Npar, Vpar, Vm, Pset, Fss] {
            assert_eq!(known(k.as_str()), Some(k.as_str()));
        }
        use crate::licensing::config::LicenceRule::*;
        for r in [ServerCores, PartitionCores, Vcpus, OsInstance] {
            assert!(known(r.as_str()).is_some(), "{}", r.as_str());
        }
        use crate::report::trend::Model::*;
        for m in [Linear, Compound] {
            assert!(known(m.as_str()).is_some(), "{}", m.as_str());
        }
    }

    /// Every golden summary (one per bundled run scenario: kinds, states, policies, HA,
    /// licensing, fitted and unfitted growth) reads back, so [`WORDS`] holds every word they
    /// use.
    #[test]
    fn every_golden_summary_reads_back() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with(".summary.json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(why) = crate::report::summary::parse(&text) {
                panic!("{}: {why}", path.display());
            }
            read += 1;
        }
        assert!(read >= 12, "{read} golden summaries");
    }

    /// trend.rs's reasons for not fitting reach summary.json as `growth.note`: each literal
    /// `Err("…")` there must be a word.
    #[test]
    fn every_reason_a_trend_gives_is_a_word() {
        let src = include_str!("trend.rs");
        let reasons: Vec<&str> = src
            .split("Err(\"")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(r, _)| r))
            .collect();
        assert!(reasons.len() >= 5, "{reasons:?}");
        for r in reasons {
            assert!(known(r).is_some(), "trend.rs gives `{r}`, not in WORDS");
        }
    }
}
