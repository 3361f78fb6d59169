//! `vsesim plan PLAN.toml`: the consolidation study. Reads the workloads' measured demand and
//! the candidate target servers, places the workloads ([`placement`]), and writes the plan as
//! a scenario that `vsesim run` verifies, beside the sum-of-peaks sizing it is measured
//! against.

pub mod placement;

use crate::Error;
use crate::scenario::ScenarioError;
use crate::workload::native;
use placement::{Objective, Partition, Partitioning, PlanConfig, PlannedServer, ServerType};
use serde::Deserialize;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlanFile {
    plan: Spanned<RawPlan>,
    #[serde(default)]
    targets: Vec<Spanned<RawTarget>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    name: Spanned<String>,
    /// A native trace (CSV or Parquet, wide or long) holding every workload.
    trace: Spanned<String>,
    /// `cores` (reference cores) or `percent` of `source`.
    units: Spanned<String>,
    /// Sample step of a trace without a `time_s` column.
    #[serde(default)]
    step: Option<crate::scenario::Duration>,
    #[serde(default)]
    source: Option<Spanned<RawSource>>,
    /// Only these workloads (default: all of the trace's).
    #[serde(default)]
    workloads: Option<Vec<String>>,
    /// Percent of the time the time-aligned demand must fit (default 100: the peak).
    #[serde(default)]
    percentile: Option<Spanned<f64>>,
    #[serde(default)]
    util_limit: Option<Spanned<f64>>,
    #[serde(default)]
    memory_limit: Option<Spanned<f64>>,
    #[serde(default)]
    objective: Option<Spanned<String>>,
    /// Years over which a server's price is amortized in the scenarios' cost (default 4).
    #[serde(default)]
    amortize_years: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    cores: f64,
    #[serde(default = "one")]
    speed: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Spanned<String>,
    cores: Spanned<u32>,
    #[serde(default)]
    core_speed: Option<Spanned<f64>>,
    memory_gb: Spanned<f64>,
    price: Spanned<f64>,
    /// `vm` (default) or `vpar`.
    #[serde(default)]
    partitioning: Option<Spanned<String>>,
    /// VM entitlements move in steps of this many cores (default 0.05).
    #[serde(default)]
    entitlement_step: Option<Spanned<f64>>,
}

/// A plan file, compiled.
pub struct PlanSpec {
    pub file: PathBuf,
    pub name: String,
    pub trace: PathBuf,
    pub step_ms: u64,
    pub workloads: Vec<placement::Workload>,
    pub types: Vec<ServerType>,
    pub config: PlanConfig,
    pub amortize_years: f64,
    /// The workloads' `units` (and `source`) lines for the scenarios.
    pub units: String,
}

fn err(file: &Path, text: &str, span: std::ops::Range<usize>, field: &str, msg: String) -> Error {
    Error::Input(Box::new(ScenarioError::at(
        file,
        text,
        Some(span),
        field,
        msg,
    )))
}

/// Read and check a plan file and the trace it names.
pub fn load(file: &Path) -> Result<PlanSpec, Error> {
    let text = crate::scenario::read_toml(file, "plan file")?;
    let raw: RawPlanFile = toml::from_str(&text).map_err(|e| {
        Error::Input(Box::new(ScenarioError::at(
            file,
            &text,
            e.span(),
            "",
            e.message().to_string(),
        )))
    })?;
    let p = raw.plan.get_ref();
    let bad = |span, field: &str, msg: String| err(file, &text, span, field, msg);
    let fraction = |v: &Option<Spanned<f64>>, field: &str, default: f64| match v {
        Some(x) if !(*x.get_ref() > 0.0 && *x.get_ref() <= 1.0) => Err(bad(
            x.span(),
            field,
            format!("{}; expected a fraction in (0, 1], e.g. 0.85", x.get_ref()),
        )),
        Some(x) => Ok(*x.get_ref()),
        None => Ok(default),
    };
    let util_limit = fraction(&p.util_limit, "plan.util_limit", 0.85)?;
    let memory_limit = fraction(&p.memory_limit, "plan.memory_limit", 0.85)?;
    let percentile = match &p.percentile {
        Some(x) if !(50.0..=100.0).contains(x.get_ref()) => {
            return Err(bad(
                x.span(),
                "plan.percentile",
                format!("{}; expected 50 to 100 (100 = the peak)", x.get_ref()),
            ));
        }
        Some(x) => *x.get_ref() / 100.0,
        None => 1.0,
    };
    let objective = match p
        .objective
        .as_ref()
        .map(|o| (o.get_ref().as_str(), o.span()))
    {
        None | Some(("count", _)) => Objective::Count,
        Some(("cost", _)) => Objective::Cost,
        Some((o, span)) => {
            return Err(bad(
                span,
                "plan.objective",
                format!("`{o}`; expected \"count\" (fewest servers) or \"cost\" (least money)"),
            ));
        }
    };
    let amortize_years = match &p.amortize_years {
        Some(y) if !(y.get_ref().is_finite() && *y.get_ref() > 0.0) => {
            return Err(bad(
                y.span(),
                "plan.amortize_years",
                "expected a positive number of years".into(),
            ));
        }
        Some(y) => *y.get_ref(),
        None => 4.0,
    };
    let scale = match (p.units.get_ref().as_str(), &p.source) {
        ("cores", None) => 1.0,
        ("percent", Some(s)) => {
            let s = s.get_ref();
            if !(s.cores > 0.0 && s.speed > 0.0 && s.cores.is_finite() && s.speed.is_finite()) {
                return Err(bad(
                    p.source.as_ref().map_or(0..0, |s| s.span()),
                    "plan.source",
                    "expected positive cores and speed".into(),
                ));
            }
            s.cores * s.speed / 100.0
        }
        ("percent", None) => {
            return Err(bad(
                p.units.span(),
                "plan.source",
                "percent demand needs the machine it was measured on: source = { cores = N, speed = S }".into(),
            ));
        }
        ("cores", Some(s)) => {
            return Err(bad(
                s.span(),
                "plan.source",
                "demand in cores needs no source; remove it or use units = \"percent\"".into(),
            ));
        }
        (u, _) => {
            return Err(bad(
                p.units.span(),
                "plan.units",
                format!("`{u}`; expected \"cores\" or \"percent\""),
            ));
        }
    };
    let folder = file.parent().unwrap_or(Path::new("."));
    let trace = folder.join(p.trace.get_ref());
    if !trace.exists() {
        return Err(bad(
            p.trace.span(),
            "plan.trace",
            format!(
                "`{}`: no such file (looked for {}); paths are relative to the plan file's folder",
                p.trace.get_ref(),
                trace.display()
            ),
        ));
    }
    let table = native::read(&trace, p.step.map(|s| s.ms())).map_err(|e| Error::Trace {
        source: Box::new(e),
        context: format!("the plan's trace ({})", file.display()),
    })?;
    let wanted: Vec<&(String, crate::workload::Series)> = match &p.workloads {
        None => table.series.iter().collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                table.series.iter().find(|(m, _)| m == n).ok_or_else(|| {
                    bad(
                        raw.plan.span(),
                        "plan.workloads",
                        format!("the trace has no workload `{n}`"),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let step_ms = wanted.first().map_or(300_000, |(_, s)| s.step_ms);
    let workloads = wanted
        .iter()
        .map(|(name, s)| placement::Workload {
            name: name.clone(),
            cpu: s.cpu.iter().map(|&x| (x as f64 * scale) as f32).collect(),
            memory_gb: s.memory_gb.clone(),
        })
        .collect();
    if raw.targets.is_empty() {
        return Err(bad(
            raw.plan.span(),
            "targets",
            "no [[targets]]; expected at least one candidate server type".into(),
        ));
    }
    let mut types = Vec::new();
    for (k, rt) in raw.targets.iter().enumerate() {
        let t = rt.get_ref();
        let field = |f: &str| format!("targets[{k}] ({}).{f}", t.name.get_ref());
        let step = t.entitlement_step.as_ref().map_or(0.05, |s| *s.get_ref());
        let partitioning = match t
            .partitioning
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("vm", _)) => Partitioning::Vm {
                entitlement_granularity: step,
            },
            Some(("vpar", _)) => Partitioning::Vpar,
            Some((other, span)) => {
                return Err(bad(
                    span,
                    &field("partitioning"),
                    format!(
                        "`{other}`; expected \"vm\" (Integrity VM guests) or \"vpar\" (vPars of whole cores)"
                    ),
                ));
            }
        };
        types.push(ServerType {
            name: t.name.get_ref().clone(),
            cores: *t.cores.get_ref(),
            core_speed: t.core_speed.as_ref().map_or(1.0, |s| *s.get_ref()),
            memory_gb: *t.memory_gb.get_ref(),
            price: *t.price.get_ref(),
            partitioning,
        });
    }
    Ok(PlanSpec {
        file: file.to_path_buf(),
        name: p.name.get_ref().trim().to_string(),
        trace,
        step_ms,
        workloads,
        types,
        config: PlanConfig {
            percentile,
            util_limit,
            memory_limit,
            objective,
            ..PlanConfig::default()
        },
        amortize_years,
        units: match &p.source {
            None => "units = \"cores\"".into(),
            Some(s) => format!(
                "units = \"percent\"\nsource = {{ cores = {}, speed = {} }}",
                s.get_ref().cores,
                s.get_ref().speed
            ),
        },
    })
}

/// The plan as a scenario: one server per planned server, one VM guest or vPar per workload,
/// each replaying its trace column. `what` names it (`plan` or `sum-of-peaks`).
pub fn scenario_toml(
    spec: &PlanSpec,
    servers: &[PlannedServer],
    what: &str,
    trace: &Path,
) -> String {
    let samples = spec.workloads.first().map_or(0, |w| w.cpu.len()) as u64;
    let horizon_s = samples * spec.step_ms / 1000;
    let scale_note = &spec.units;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `vsesim plan {}`: the {what} placement of {} workloads on {} servers.\n# Verify it with `vsesim run` on this file.\n",
        spec.file.display(),
        spec.workloads.len(),
        servers.len()
    );
    let _ = writeln!(
        s,
        "[scenario]\nname = {}\ndescription = {}\nhorizon = \"{horizon_s}s\"\nseed = 1\n",
        quote(&format!("{}-{what}", spec.name)),
        quote(&format!(
            "{} consolidation: {what} sizing at p{} within {:.0} % of capacity",
            spec.name,
            spec.config.percentile * 100.0,
            spec.config.util_limit * 100.0
        ))
    );
    let _ = writeln!(
        s,
        "[report]\nutil_limit = {}\nmemory_limit = {}\nsizing_percentile = {}\n",
        spec.config.util_limit,
        spec.config.memory_limit,
        spec.config.percentile * 100.0
    );
    for server in servers {
        let t = spec
            .types
            .iter()
            .find(|t| t.name == server.server_type)
            .expect("a planned server has one of the plan's types");
        let _ = writeln!(
            s,
            "[[servers]]\nname = {}\nmodel = {}\ncells = 1\ncores_per_cell = {}\ncore_speed = {}\nmemory_gb_per_cell = {}\ncapex = {{ price = {}, years = {} }}\n",
            quote(&server.name),
            quote(&t.name),
            t.cores,
            t.core_speed,
            t.memory_gb,
            t.price,
            spec.amortize_years
        );
        for w in &server.workloads {
            let part = format!("{}-{}", server.name, w.name);
            let memory = "";
            match w.partition {
                Partition::Vpar { cores } => {
                    let _ = writeln!(
                        s,
                        "[[partitions]]\nname = {}\nkind = \"vpar\"\nparent = {}\ncores = {cores}\n{memory}",
                        quote(&part),
                        quote(&server.name)
                    );
                }
                Partition::Vm {
                    vcpus,
                    entitlement_cores,
                } => {
                    // The scenario's entitlement is a percent of one core per vCPU.
                    let pct = (entitlement_cores / f64::from(vcpus) * 100.0).clamp(5.0, 100.0);
                    let _ = writeln!(
                        s,
                        "[[partitions]]\nname = {}\nkind = \"vm\"\nparent = {}\nvcpus = {vcpus}\nentitlement = {}\n{memory}",
                        quote(&part),
                        quote(&server.name),
                        (pct * 1000.0).floor() / 1000.0
                    );
                }
            }
            let _ = writeln!(
                s,
                "[[workloads]]\nname = {}\npartition = {}\ntrace = {}\ncolumn = {}\n{scale_note}\n",
                quote(&w.name),
                quote(&part),
                quote(&trace.display().to_string()),
                quote(&w.name)
            );
        }
    }
    s
}

/// Plan, write plan.json and the two scenarios into `dir`, and say what was saved.
pub fn run(file: &Path, dir: Option<PathBuf>, quiet: bool) -> Result<(), Error> {
    let spec = load(file)?;
    let dir = dir.unwrap_or_else(|| Path::new("output").join(format!("plan-{}", spec.name)));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let started = std::time::Instant::now();
    let plan =
        placement::plan(&spec.workloads, &spec.types, &spec.config).map_err(|e| match e {
            placement::PlanError::Internal(m) => Error::Internal(m),
            other => Error::Usage(format!("{}: {other}", file.display())),
        })?;
    let seconds = started.elapsed().as_secs_f64();
    let mut json = serde_json::to_vec_pretty(&plan)
        .map_err(|e| Error::Internal(format!("encoding plan.json: {e}")))?;
    json.push(b'\n');
    crate::report::write_atomic(&dir.join("plan.json"), &json)?;
    let trace = std::fs::canonicalize(&spec.trace).map_err(|e| Error::io(&spec.trace, e))?;
    let planned = dir.join(format!("{}-plan.toml", spec.name));
    let baseline = dir.join(format!("{}-sum-of-peaks.toml", spec.name));
    crate::report::write_atomic(
        &planned,
        scenario_toml(&spec, &plan.servers, "plan", &trace).as_bytes(),
    )?;
    crate::report::write_atomic(
        &baseline,
        scenario_toml(&spec, &plan.baseline.servers, "sum-of-peaks", &trace).as_bytes(),
    )?;
    if !quiet {
        let t = &plan.totals;
        let b = &plan.baseline.totals;
        println!(
            "{}: {} workloads at p{} within {:.0} % of capacity ({} objective), planned in {seconds:.2} s",
            spec.name,
            spec.workloads.len(),
            spec.config.percentile * 100.0,
            spec.config.util_limit * 100.0,
            match spec.config.objective {
                Objective::Count => "count",
                Objective::Cost => "cost",
            }
        );
        println!(
            "  time-aligned: {} servers, cost {:.0} (first fit: {}; no plan can use fewer than {})",
            t.servers, t.cost, plan.ffd.servers, plan.lower_bound_servers
        );
        println!("  sum of peaks: {} servers, cost {:.0}", b.servers, b.cost);
        println!(
            "  saving: {} servers, {:.0} ({:.1} %)",
            plan.saving.servers,
            plan.saving.cost,
            plan.saving.cost_share * 100.0
        );
        println!(
            "wrote {} and the scenarios {} and {}; check them with `vsesim compare {} {}`",
            dir.join("plan.json").display(),
            planned.display(),
            baseline.display(),
            planned.display(),
            baseline.display()
        );
    }
    Ok(())
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
