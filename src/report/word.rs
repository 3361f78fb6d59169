//! The words of the output contract: kinds and states that the run writes from constants and
//! the report reads back into the same `&'static str` fields.

use serde::Deserialize;

/// A word summary.json uses for a kind or a state (`meets`, `vpar`, `given`, …): the run
/// writes each from a constant, and the report reads them back into the same fields, each
/// distinct word kept once for the life of the process ([`word`]). A summary holds a few dozen
/// distinct words, so what is kept stays small. (An alias rather than `&'static str` in the
/// fields so that serde's derive does not take the field for text borrowed from the input.)
pub type Word = &'static str;

/// Reads a [`Word`]; see there.
pub fn word<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static WORDS: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let text = String::deserialize(d)?;
    let mut words = WORDS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(w) = words.get(text.as_str()) {
        return Ok(w);
    }
    let w: &'static str = Box::leak(text.into_boxed_str());
    words.insert(w);
    Ok(w)
}

/// [`word`] for a field that may be null.
pub fn word_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
    #[derive(Deserialize)]
    struct Read(#[serde(deserialize_with = "word")] Word);
    Ok(Option::<Read>::deserialize(d)?.map(|w| w.0))
}
