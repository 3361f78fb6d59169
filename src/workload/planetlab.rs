//! STUB (being written)
use super::{Series, TraceError};
use std::path::Path;
pub const STEP_MS: u64 = 300_000;
pub fn read(path: &Path) -> Result<Series, TraceError> {
    let text = std::fs::read_to_string(path).map_err(|e| TraceError::new(path, e.to_string()))?;
    let cpu = text
        .lines()
        .map(|l| l.trim().parse::<f32>().unwrap_or(0.0))
        .collect();
    Ok(Series {
        start_ms: 0,
        step_ms: STEP_MS,
        cpu,
        memory_gb: None,
    })
}
