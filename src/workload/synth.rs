//! STUB (being written)
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SynthSpec {
    pub mean: f64,
}
pub struct SynthGen {
    v: f32,
}
impl SynthGen {
    pub fn new(
        spec: &SynthSpec,
        _seed: u64,
        _start_ms: u64,
        _step_ms: u64,
    ) -> Result<Self, String> {
        Ok(SynthGen {
            v: spec.mean as f32,
        })
    }
    pub fn next_sample(&mut self) -> f32 {
        self.v
    }
}
pub fn workload_seed(s: u64, i: u64) -> u64 {
    s ^ i
}
