//! The output contract: turns what a run recorded into `summary.json`, the time series and
//! the terminal table. It reads the [`Outcome`](crate::sim::Outcome) and the scenario; it
//! never changes the run. It writes every file through [`crate::output`]'s one atomic writer.

pub mod advice;
pub mod charts;
pub mod compare;
pub mod ha;
pub mod history;
pub mod html;
pub mod judge;
pub mod placement;
pub mod planning;
pub mod replicas;
pub mod stats;
pub mod summary;
pub mod table;
pub mod timeseries;
pub mod trend;
pub mod word;

/// The atomic writer and the CSV cells live in [`crate::output`], below the report, so that
/// trace imports write through them too; these paths stay for the report's callers.
pub use crate::output::{
    TEMP_SUFFIX, TempFile, create_temp, csv_cells, is_temp_name, remove_stale_temp_files,
    remove_temp_files_on_signals, write_atomic, write_atomic_with,
};

/// A file vsesim wrote, read back typed: the whole text must be one `T`, and the error names
/// the field's path (`runs[0].availability`) and what was wrong with it, without the file.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(text: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(text);
    serde_path_to_error::deserialize::<_, T>(&mut de)
        .map_err(|e| format!("at `{}`: {}", e.path(), e.inner()))
        .and_then(|t| de.end().map(|()| t).map_err(|e| e.to_string()))
}

/// Core-milliseconds to core-hours.
pub fn core_hours(core_ms: f64) -> f64 {
    core_ms / 3_600_000.0
}
