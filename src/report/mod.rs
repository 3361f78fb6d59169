//! The output contract: turns what a run recorded into `summary.json`, the time series and
//! the terminal table. It reads the [`Outcome`](crate::sim::Outcome) and the scenario; it
//! never changes the run. One place, [`write_atomic`], writes files.

pub mod advice;
pub mod charts;
pub mod compare;
pub mod ha;
pub mod html;
pub mod judge;
pub mod planning;
pub mod stats;
pub mod summary;
pub mod table;
pub mod timeseries;

use crate::Error;
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` through a temporary file in the same folder and a rename, so an
/// interrupted run never leaves a half-written file under the final name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let mut file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    file.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Core-milliseconds to core-hours.
pub fn core_hours(core_ms: f64) -> f64 {
    core_ms / 3_600_000.0
}
