//! A workload's what-if edits of its profile, as Capacity Advisor's Edit Workload offers
//! them: `scale` (CPU demand × a factor) and `shift` (the whole profile moved in time). Both
//! become part of the compiled [`Demand`], so the run needs to know nothing about them.

use super::Compiler;
use crate::Error;
use crate::scenario::duration::Duration;
use crate::scenario::raw::RawWorkload;
use crate::scenario::{Demand, DemandSource};
use crate::workload::Series;
use crate::workload::synth::SynthGen;
use std::sync::Arc;

/// The largest `scale`: a thousand times a measured profile is a typo, not a plan.
const MAX_SCALE: f64 = 1000.0;

impl Compiler<'_> {
    /// The workload's `scale` (1 when absent), checked.
    pub(super) fn workload_scale(&self, i: usize, r: &RawWorkload) -> Result<f64, Error> {
        let Some(s) = &r.scale else {
            return Ok(1.0);
        };
        let v = *s.get_ref();
        if !(v.is_finite() && (0.0..=MAX_SCALE).contains(&v)) {
            return Err(self.err(
                s.span(),
                format!("workloads[{i}] ({}).scale", r.name.get_ref()),
                format!(
                    "{v}; expected a factor from 0 to {MAX_SCALE} on the workload's CPU demand (1.5 = 50 % more)"
                ),
            ));
        }
        Ok(v)
    }

    /// `demand` with the workload's `shift` applied (unchanged without one).
    pub(super) fn shifted(
        &self,
        i: usize,
        r: &RawWorkload,
        demand: Demand,
        horizon_ms: u64,
    ) -> Result<Demand, Error> {
        let Some(s) = &r.shift else {
            return Ok(demand);
        };
        let field = format!("workloads[{i}] ({}).shift", r.name.get_ref());
        let ms = parse_signed(s.get_ref()).map_err(|m| self.err(s.span(), field.clone(), m))?;
        if ms % demand.step_ms as i64 != 0 {
            return Err(self.err(
                s.span(),
                field,
                format!(
                    "`{}` is not a whole number of the workload's samples; expected a multiple of its step, {}",
                    s.get_ref().trim(),
                    Duration(demand.step_ms)
                ),
            ));
        }
        let samples = ms / demand.step_ms as i64;
        shift(demand, samples, horizon_ms).map_err(|m| self.err(s.span(), field, m))
    }
}

/// `"6h"`, `"+6h"`, `"-1d 6h"`: a duration with an optional sign [ms].
fn parse_signed(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let d = Duration::parse(rest).map_err(|m| {
        format!("{m}; a shift may start with `-` (earlier) or `+` (later), e.g. \"-6h\"")
    })?;
    Ok(sign * d.ms() as i64)
}

/// The demand moved `samples` later (earlier when negative). The profile over the horizon is
/// rotated: what is pushed past the end comes back at the start, so the work and its
/// distribution are unchanged and only their timing moves. A repeating trace shorter than
/// the horizon is rotated over its own length (its cycle); a synthetic profile is generated
/// for the horizon first (the same samples the run would draw), then rotated.
pub fn shift(demand: Demand, samples: i64, horizon_ms: u64) -> Result<Demand, String> {
    if samples == 0 {
        return Ok(demand);
    }
    let horizon_samples = horizon_ms.div_ceil(demand.step_ms).max(1) as usize;
    let series = match &demand.source {
        DemandSource::Trace(s) => {
            let len = s.cpu.len();
            let cycle = if demand.repeat && len < horizon_samples {
                len
            } else {
                len.min(horizon_samples)
            };
            truncated(s, cycle)
        }
        DemandSource::Synth { spec, seed } => {
            let mut g = SynthGen::new(spec, *seed, 0, demand.step_ms)?;
            let cpu = (0..horizon_samples).map(|_| g.next_sample()).collect();
            Series::cpu_only(0, demand.step_ms, cpu)
        }
    };
    if series.cpu.is_empty() {
        return Ok(demand);
    }
    let cycle = series.cpu.len() as i64;
    let k = samples.rem_euclid(cycle) as usize;
    let rotate = |v: &mut Vec<f32>| v.rotate_right(k);
    let mut series = series;
    rotate(&mut series.cpu);
    for col in [
        &mut series.memory_gb,
        &mut series.disk_mbps,
        &mut series.network_mbps,
    ]
    .into_iter()
    .flatten()
    {
        rotate(col);
    }
    Ok(Demand {
        source: DemandSource::Trace(Arc::new(series)),
        ..demand
    })
}

/// The first `n` samples of every column.
fn truncated(s: &Series, n: usize) -> Series {
    let cut = |v: &Vec<f32>| v[..n.min(v.len())].to_vec();
    Series {
        start_ms: s.start_ms,
        step_ms: s.step_ms,
        cpu: cut(&s.cpu),
        memory_gb: s.memory_gb.as_ref().map(cut),
        disk_mbps: s.disk_mbps.as_ref().map(cut),
        network_mbps: s.network_mbps.as_ref().map(cut),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(cpu: &[f32], repeat: bool) -> Demand {
        Demand {
            step_ms: 1000,
            source: DemandSource::Trace(Arc::new(Series {
                start_ms: 0,
                step_ms: 1000,
                cpu: cpu.to_vec(),
                memory_gb: Some(cpu.iter().map(|c| c * 10.0).collect()),
                disk_mbps: None,
                network_mbps: None,
            })),
            scale: 1.0,
            memory_gb: 0.0,
            disk_mbps: 0.0,
            network_mbps: 0.0,
            repeat,
        }
    }

    fn cpu_of(d: &Demand) -> (Vec<f32>, Option<Vec<f32>>) {
        match &d.source {
            DemandSource::Trace(s) => (s.cpu.clone(), s.memory_gb.clone()),
            _ => panic!("a shifted demand is a trace"),
        }
    }

    /// Two samples later over a 5-sample horizon: the last two come first; memory moves with
    /// CPU. Samples past the horizon (the sixth) are left out before rotating.
    #[test]
    fn later_rotates_within_the_horizon() {
        let d = shift(trace(&[1., 2., 3., 4., 5., 6.], false), 2, 5000).unwrap();
        let (cpu, mem) = cpu_of(&d);
        assert_eq!(cpu, [4., 5., 1., 2., 3.]);
        assert_eq!(mem.unwrap(), [40., 50., 10., 20., 30.]);
        let d = shift(trace(&[1., 2., 3., 4., 5.], false), -1, 5000).unwrap();
        assert_eq!(cpu_of(&d).0, [2., 3., 4., 5., 1.]);
    }

    /// A repeating 3-sample trace over a 10-sample horizon rotates its cycle: shifting by 4 is
    /// shifting by 1.
    #[test]
    fn a_repeating_trace_rotates_its_cycle() {
        let d = shift(trace(&[1., 2., 3.], true), 4, 10_000).unwrap();
        assert_eq!(cpu_of(&d).0, [3., 1., 2.]);
        assert!(d.repeat);
    }

    /// A synthetic profile is generated and rotated: its samples are those of the unshifted
    /// generator, moved.
    #[test]
    fn a_synthetic_profile_is_generated_then_rotated() {
        use crate::workload::synth::{Pattern, SynthSpec};
        let spec = SynthSpec::new(Pattern::Diurnal, 2.0, Some(4.0));
        let d = Demand {
            step_ms: 3_600_000,
            source: DemandSource::Synth {
                spec: spec.clone(),
                seed: 7,
            },
            scale: 1.0,
            memory_gb: 0.0,
            disk_mbps: 0.0,
            network_mbps: 0.0,
            repeat: false,
        };
        let mut g = SynthGen::new(&spec, 7, 0, 3_600_000).unwrap();
        let plain: Vec<f32> = (0..24).map(|_| g.next_sample()).collect();
        let d = shift(d, 6, 86_400_000).unwrap();
        let (cpu, _) = cpu_of(&d);
        assert_eq!(cpu[6..], plain[..18]);
        assert_eq!(cpu[..6], plain[18..]);
    }

    #[test]
    fn signed_durations() {
        assert_eq!(parse_signed("6h"), Ok(21_600_000));
        assert_eq!(parse_signed("+6h"), Ok(21_600_000));
        assert_eq!(parse_signed(" -1d 6h"), Ok(-108_000_000));
        assert!(parse_signed("six hours").unwrap_err().contains("-6h"));
    }
}
