//! STUB (being written)
use super::{Series, TraceError};
use std::path::Path;
pub struct NativeTrace {
    pub series: Vec<(String, Series)>,
}
impl NativeTrace {
    pub fn get(&self, workload: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.0 == workload).map(|s| &s.1)
    }
}
pub enum Cell {
    Num(f64),
    Text(String),
    Missing,
}
pub fn read_csv(path: &Path, _step_ms: Option<u64>) -> Result<NativeTrace, TraceError> {
    Err(TraceError::new(path, "stub"))
}
pub fn from_rows(
    path: &Path,
    _header: &[String],
    _rows: impl Iterator<Item = Result<(u64, Vec<Cell>), TraceError>>,
    _step_ms: Option<u64>,
) -> Result<NativeTrace, TraceError> {
    Err(TraceError::new(path, "stub"))
}
