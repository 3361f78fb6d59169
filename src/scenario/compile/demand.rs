//! `[[workloads]]` and their demand: where each one runs, and its trace or synthetic profile
//! turned into reference cores.

use super::traces::trace_err;
use super::*;

impl Compiler<'_> {
    /// A synthetic workload's size within what a run can account for: `mean`, `peak` and the
    /// burst size in reference cores (after `source`) at most [`MAX_DEMAND_CORES`], growth at
    /// most 100 (10,000 % a year) and noise at most 100 (a coefficient of variation), so that
    /// no sample comes near the range where sums lose the conservation check's precision.
    pub(super) fn synth_bounds(
        &self,
        spec: &Spanned<SynthSpec>,
        scale: f64,
        prefix: &str,
    ) -> Result<(), Error> {
        let v = spec.get_ref();
        let cores = [
            ("mean", Some(v.mean)),
            ("peak", v.peak),
            ("bursts.size", v.bursts.as_ref().map(|b| b.size)),
        ];
        for (f, x) in cores {
            if let Some(x) = x
                && x * scale > MAX_DEMAND_CORES
            {
                return Err(self.err(
                    spec.span(),
                    format!("{prefix}.{f}"),
                    format!(
                        "{} is {} reference cores; expected at most {} reference cores",
                        num(x),
                        num(x * scale),
                        crate::workload::MAX_SAMPLE_TEXT
                    ),
                ));
            }
        }
        for (f, x, what) in [
            (
                "growth",
                v.growth.unwrap_or(0.0),
                "a yearly growth of at most 100 (10,000 %)",
            ),
            (
                "noise",
                v.noise,
                "a coefficient of variation of at most 100",
            ),
        ] {
            if x > 100.0 {
                return Err(self.err(
                    spec.span(),
                    format!("{prefix}.{f}"),
                    format!("{}; expected {what}", num(x)),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn compile_workloads(
        &mut self,
        raw: &RawScenario,
        nodes: &[Node],
        node_index: &HashMap<String, NodeId>,
        seed: u64,
        horizon_ms: u64,
    ) -> Result<(Vec<Workload>, Vec<Demand>), Error> {
        let mut has_children = vec![false; nodes.len()];
        for n in nodes {
            if let Some(p) = n.parent {
                has_children[p.0 as usize] = true;
            }
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut workloads = Vec::with_capacity(raw.workloads.len());
        let mut demand = Vec::with_capacity(raw.workloads.len());
        for (i, w) in raw.workloads.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let r = w.get_ref();
                let name = r.name.get_ref();
                let field = |f: &str| format!("workloads[{i}] ({name}).{f}");
                if name.trim().is_empty() {
                    return Err(self.err(
                        r.name.span(),
                        format!("workloads[{i}].name"),
                        "expected a non-empty name",
                    ));
                }
                self.check_name(&r.name, || format!("workloads[{i}].name"))?;
                if let Some(first) = names.insert(name.as_str(), i) {
                    return Err(self.err(r.name.span(), field("name"), format!("`{name}` is already the name of workloads[{first}]; expected unique workload names")));
                }
                let target = r.partition.get_ref();
                let Some(&node) = node_index.get(target.as_str()) else {
                    return Err(self.err(
                    r.partition.span(),
                    field("partition"),
                    format!(
                        "unknown partition `{target}`; expected the name of a server or partition"
                    ),
                ));
                };
                if has_children[node.0 as usize] {
                    return Err(self.err(r.partition.span(), field("partition"), format!("`{target}` is divided into partitions; place the workload in one of them (for work outside any group, add an srp such as OTHERS)")));
                }
                let d = self.compile_demand(i, r, seed, horizon_ms)?;
                demand.push(self.shifted(i, r, d, horizon_ms)?);
                workloads.push(Workload {
                    name: name.clone(),
                    node,
                    on_shortfall: match r.on_shortfall {
                        RawShortfall::Delay => OnShortfall::Delay,
                        RawShortfall::Drop => OnShortfall::Drop,
                    },
                });
                Ok(())
            })();
            self.keep(result);
        }
        Ok((workloads, demand))
    }

    pub(super) fn compile_demand(
        &mut self,
        i: usize,
        r: &RawWorkload,
        seed: u64,
        horizon_ms: u64,
    ) -> Result<Demand, Error> {
        let name = r.name.get_ref();
        let field = |f: &str| format!("workloads[{i}] ({name}).{f}");
        let format = r.format.as_ref().map(|f| *f.get_ref());
        let units = match (&r.units, format) {
            (Some(u), Some(RawFormat::Planetlab)) if *u.get_ref() != RawUnits::Percent => {
                return Err(self.err(
                    u.span(),
                    field("units"),
                    "PlanetLab traces are in percent; expected units = \"percent\" or no units",
                ));
            }
            (_, Some(RawFormat::Planetlab)) => RawUnits::Percent,
            (Some(u), _) => *u.get_ref(),
            (None, _) => {
                return Err(self.err(r.name.span(), field("units"), "say what the demand numbers mean: units = \"cores\" (reference cores) or units = \"percent\" (of the `source` machine)"));
            }
        };
        let scale = match (units, &r.source) {
            (RawUnits::Cores, None) => 1.0,
            (RawUnits::Cores, Some(s)) => {
                return Err(self.err(
                    s.span(),
                    field("source"),
                    "`source` converts percent to cores; with units = \"cores\" remove it",
                ));
            }
            (RawUnits::Percent, Some(s)) => {
                let raw_src = s.get_ref();
                let speed = match (raw_src.speed, &raw_src.model) {
                    (Some(_), Some(_)) => {
                        return Err(self.err(
                            s.span(),
                            field("source"),
                            "give the source's `speed` or its `model`, not both",
                        ));
                    }
                    (Some(v), None) => v,
                    (None, Some(m)) => self.model_speed(m, s.span(), field("source.model"))?,
                    (None, None) => 1.0,
                };
                struct Src {
                    cores: f64,
                    speed: f64,
                }
                let src = &Src {
                    cores: raw_src.cores,
                    speed,
                };
                // Bounded so that demand stays finite: no machine has a million cores.
                if !(src.cores.is_finite()
                    && src.cores > 0.0
                    && src.cores <= 1e6
                    && src.speed.is_finite()
                    && src.speed > 0.0
                    && src.speed <= 1e3)
                {
                    return Err(self.err(
                        s.span(),
                        field("source"),
                        "expected source = { cores = N, speed = S } with 0 < N ≤ 1,000,000 and 0 < S ≤ 1,000",
                    ));
                }
                // percent of the source machine → reference cores.
                src.cores * src.speed / 100.0
            }
            (RawUnits::Percent, None) => {
                return Err(self.err(r.name.span(), field("source"), "percent demand needs the machine it was measured on: source = { cores = N, speed = S }"));
            }
        };
        // The what-if factor multiplies the converted demand, so every bound below holds for
        // what the run will see.
        let scale = scale * self.workload_scale(i, r)?;
        let memory_gb = self.gib(&r.memory_gb, || field("memory_gb"))?;
        let disk_mbps = self
            .mbps(&r.disk_mbps, || field("disk_mbps"))?
            .unwrap_or(0.0);
        let network_mbps = self
            .mbps(&r.network_mbps, || field("network_mbps"))?
            .unwrap_or(0.0);
        let step = r.step.as_ref().map(|s| s.get_ref().ms());
        let step_span = r.step.as_ref().map(|s| s.span()).unwrap_or(r.name.span());
        if step == Some(0) {
            return Err(self.err(step_span, field("step"), "expected a positive duration"));
        }
        match (&r.trace, &r.synth) {
            (Some(_), Some(s)) => Err(self.err(
                s.span(),
                field("synth"),
                "a workload has either `trace` or `synth`, not both",
            )),
            (None, None) => Err(self.err(
                r.name.span(),
                field("trace"),
                "no demand: give `trace = \"file\"` or `synth = { pattern = ..., mean = ... }`",
            )),
            (None, Some(spec)) => {
                let step_ms = step.unwrap_or(300_000);
                if let Some(c) = &r.column {
                    return Err(self.err(
                        c.span(),
                        field("column"),
                        "`column` selects a trace column; a synth workload has none",
                    ));
                }
                // Keyed by the workload's name, not its position: adding, removing or
                // reordering workloads leaves every other workload's demand unchanged.
                let wseed = workload_seed(seed, name_key(name));
                // A `group`'s common noise is keyed by the scenario seed and the group name.
                let seeded = spec.get_ref().clone().with_scenario_seed(seed);
                SynthGen::new(&seeded, wseed, 0, step_ms)
                    .map_err(|m| self.err(spec.span(), field("synth"), m))?;
                self.synth_bounds(spec, scale, &field("synth"))?;
                Ok(Demand {
                    step_ms,
                    source: DemandSource::Synth {
                        spec: seeded,
                        seed: wseed,
                    },
                    scale,
                    memory_gb,
                    disk_mbps,
                    network_mbps,
                    repeat: false,
                })
            }
            (Some(trace), None) => {
                let (path, folder) = self.existing(trace, || field("trace"))?;
                let series: Arc<Series> = match format {
                    Some(RawFormat::Planetlab) => {
                        if step.is_some() {
                            return Err(self.err(
                                step_span,
                                field("step"),
                                "PlanetLab traces are always 5-minute samples; remove `step`",
                            ));
                        }
                        // A folder of one file per VM, as distributed: the file is the
                        // workload's `column` (or its name).
                        let path = if folder {
                            let vm = r
                                .column
                                .as_ref()
                                .map(|c| c.get_ref().as_str())
                                .unwrap_or(name.as_str());
                            let file = path.join(vm);
                            if !file.is_file() {
                                let span =
                                    r.column.as_ref().map(|c| c.span()).unwrap_or(trace.span());
                                return Err(self.err(span, field("column"), format!("the PlanetLab folder `{}` has no VM file `{vm}`; name it with `column`", trace.get_ref())));
                            }
                            file
                        } else {
                            if let Some(c) = &r.column {
                                return Err(self.err(c.span(), field("column"), "`column` picks a VM file from a PlanetLab folder; `trace` names a single file"));
                            }
                            path
                        };
                        self.traces.planetlab(&path).map_err(|e| {
                            trace_err(
                                e,
                                name,
                                self.file,
                                line_col(self.text, trace.span().start).0,
                            )
                        })?
                    }
                    _ => {
                        let table = self.traces.native(&path, step).map_err(|e| {
                            trace_err(
                                e,
                                name,
                                self.file,
                                line_col(self.text, trace.span().start).0,
                            )
                        })?;
                        let column = r
                            .column
                            .as_ref()
                            .map(|c| c.get_ref().as_str())
                            .unwrap_or(name.as_str());
                        let Some(series) = table.get(column) else {
                            let have: Vec<&str> =
                                table.series.iter().map(|s| s.0.as_str()).take(20).collect();
                            let span = r.column.as_ref().map(|c| c.span()).unwrap_or(trace.span());
                            return Err(self.err(
                                span,
                                field("column"),
                                format!(
                                    "`{}` has no workload `{column}`; it has: {}{}",
                                    trace.get_ref(),
                                    have.join(", "),
                                    if table.series.len() > 20 { ", …" } else { "" }
                                ),
                            ));
                        };
                        Arc::new(series.clone())
                    }
                };
                let peak = series.cpu.iter().copied().fold(0.0f32, f32::max) as f64;
                if peak * scale > MAX_DEMAND_CORES {
                    let at = series
                        .cpu
                        .iter()
                        .position(|&v| v as f64 == peak)
                        .unwrap_or(0);
                    return Err(self.err(
                        trace.span(),
                        field("trace"),
                        format!(
                            "`{}` reaches {} at {} s (sample {}), {} reference cores with `source`; expected at most {} reference cores per sample",
                            trace.get_ref(),
                            num(peak),
                            (series.start_ms + at as u64 * series.step_ms) / 1000,
                            at + 1,
                            num(peak * scale),
                            crate::workload::MAX_SAMPLE_TEXT
                        ),
                    ));
                }
                let covered = (series.cpu.len() as u64).saturating_mul(series.step_ms);
                if covered < horizon_ms && !r.repeat {
                    return Err(self.err(trace.span(), field("trace"), format!("the trace covers {} but the horizon is {}; shorten the horizon or set repeat = true", crate::world::Duration(covered), crate::world::Duration(horizon_ms))));
                }
                Ok(Demand {
                    step_ms: series.step_ms,
                    source: DemandSource::Trace(series),
                    scale,
                    memory_gb,
                    disk_mbps,
                    network_mbps,
                    repeat: r.repeat,
                })
            }
        }
    }
}

/// A stable 64-bit key of a name (FNV-1a): the same on every platform and Rust version,
/// unlike `std`'s hasher.
pub(super) fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
