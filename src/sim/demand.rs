//! Demand streams: workloads grouped by sample step, so one event sets the demand of every
//! workload aligned to that instant (never one heap entry per workload per sample).

use super::metrics::Held;
use crate::workload::Series;
use crate::workload::synth::SynthGen;
use crate::world::{Demand, DemandSource};
use std::sync::Arc;

enum Members {
    /// Trace-backed workloads: read sample `k` of each series (modulo its length when it
    /// repeats). The series are shared, never copied.
    Trace(Vec<(Arc<Series>, bool)>),
    /// Generated on the fly, so memory stays linear in workloads, not in horizon × workloads.
    /// Members with the same shape key share one evaluation of the shape per sample:
    /// `shape_of[j]` indexes `shapes` (NONE: no shape, or one of its own).
    Synth {
        gens: Vec<SynthGen>,
        shape_of: Vec<u32>,
        /// One member per distinct key, and its value this sample.
        shapes: Vec<(u32, f64)>,
    },
}

const NONE: u32 = u32::MAX;

pub struct Stream {
    pub step_ms: u64,
    /// Workload indexes, in scenario order.
    workloads: Vec<u32>,
    scale: Vec<f64>,
    /// What each member holds when its source carries none of it.
    constant: Vec<Held>,
    members: Members,
}

/// Group the workloads into streams by (step, kind of source), in first-appearance order so
/// the grouping never depends on hashing.
pub fn build_streams(demand: &[Demand]) -> Result<Vec<Stream>, String> {
    let mut streams: Vec<Stream> = Vec::new();
    for (w, d) in demand.iter().enumerate() {
        let is_synth = matches!(d.source, DemandSource::Synth { .. });
        let found = streams.iter_mut().position(|s| {
            s.step_ms == d.step_ms && matches!(s.members, Members::Synth { .. }) == is_synth
        });
        let index = match found {
            Some(i) => i,
            None => {
                streams.push(Stream {
                    step_ms: d.step_ms,
                    workloads: Vec::new(),
                    scale: Vec::new(),
                    constant: Vec::new(),
                    members: if is_synth {
                        Members::Synth {
                            gens: Vec::new(),
                            shape_of: Vec::new(),
                            shapes: Vec::new(),
                        }
                    } else {
                        Members::Trace(Vec::new())
                    },
                });
                streams.len() - 1
            }
        };
        let s = &mut streams[index];
        s.workloads.push(w as u32);
        s.scale.push(d.scale);
        s.constant.push(Held {
            memory_gb: d.memory_gb,
            disk_mbps: d.disk_mbps,
            network_mbps: d.network_mbps,
        });
        match (&mut s.members, &d.source) {
            (Members::Trace(v), DemandSource::Trace(series)) => v.push((series.clone(), d.repeat)),
            (Members::Synth { gens, .. }, DemandSource::Synth { spec, seed }) => {
                gens.push(SynthGen::new(spec, *seed, 0, d.step_ms)?)
            }
            _ => unreachable!("streams are grouped by source kind"),
        }
    }
    for s in &mut streams {
        if let Members::Synth {
            gens,
            shape_of,
            shapes,
        } = &mut s.members
        {
            let mut keys: Vec<(u64, u64)> = Vec::new();
            for g in gens.iter() {
                shape_of.push(match g.shape_key() {
                    None => NONE,
                    Some(k) => match keys.iter().position(|&x| x == k) {
                        Some(i) => i as u32,
                        None => {
                            keys.push(k);
                            shapes.push((shape_of.len() as u32, 0.0));
                            (keys.len() - 1) as u32
                        }
                    },
                });
            }
        }
    }
    Ok(streams)
}

impl Stream {
    /// How many workloads it sets.
    pub fn len(&self) -> usize {
        self.workloads.len()
    }

    /// The workload index of its `j`-th member.
    pub fn workload(&self, j: usize) -> usize {
        self.workloads[j] as usize
    }

    /// Set sample `k` straight into per-workload arrays (the oracle's way: it has no books
    /// to bring up to date first).
    pub fn apply(&mut self, k: u64, demand: &mut [f64], held: &mut [Held]) {
        let (mut d, mut h) = (Vec::new(), Vec::new());
        self.sample(k, &mut d, &mut h);
        for (j, &w) in self.workloads.iter().enumerate() {
            demand[w as usize] = d[j];
            held[w as usize] = h[j];
        }
    }

    /// The demand [reference cores] and the memory, disk and network of every member for
    /// sample `k`, by member (`demand[j]` is member `j`'s). A trace that has ended (and does
    /// not repeat) leaves CPU demand at zero; the scenario compiler has already refused traces
    /// shorter than the horizon.
    pub fn sample(&mut self, k: u64, demand: &mut Vec<f64>, held: &mut Vec<Held>) {
        demand.resize(self.workloads.len(), 0.0);
        held.resize(self.workloads.len(), Held::default());
        match &mut self.members {
            Members::Trace(series) => {
                // A stream's traces mostly share one length: the wrapped index (an integer
                // division) is worked out once per length met in a row.
                let (mut last_len, mut wrapped) = (0, 0);
                for (j, (s, repeat)) in series.iter().enumerate() {
                    let len = s.cpu.len() as u64;
                    let i = if *repeat && len > 0 {
                        if len != last_len {
                            (last_len, wrapped) = (len, k % len);
                        }
                        wrapped
                    } else {
                        k
                    };
                    let fallback = self.constant[j];
                    let (cpu, h) = if i < len {
                        let i = i as usize;
                        let at = |v: &Option<Vec<f32>>, default: f64| {
                            v.as_ref().map_or(default, |v| v[i] as f64)
                        };
                        let h = Held {
                            memory_gb: at(&s.memory_gb, fallback.memory_gb),
                            disk_mbps: at(&s.disk_mbps, fallback.disk_mbps),
                            network_mbps: at(&s.network_mbps, fallback.network_mbps),
                        };
                        (s.cpu[i] as f64, h)
                    } else {
                        (0.0, fallback)
                    };
                    demand[j] = cpu * self.scale[j];
                    held[j] = h;
                }
            }
            Members::Synth {
                gens,
                shape_of,
                shapes,
            } => {
                for (member, value) in shapes.iter_mut() {
                    *value = gens[*member as usize].shape_now();
                }
                for (j, g) in gens.iter_mut().enumerate() {
                    let sample = match shape_of[j] {
                        NONE => g.next_sample(),
                        k => g.next_sample_with(shapes[k as usize].1),
                    };
                    demand[j] = sample as f64 * self.scale[j];
                    held[j] = self.constant[j];
                }
            }
        }
    }
}
