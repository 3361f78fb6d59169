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

/// Core-milliseconds to core-hours.
pub fn core_hours(core_ms: f64) -> f64 {
    core_ms / 3_600_000.0
}
