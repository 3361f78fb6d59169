//! The sweep file (docs/SWEEP.md): a `[sweep]` table naming the base scenario, the replicas
//! and the sampling, and `[[axes]]` over the base's fields. Parsed and checked once, against the
//! base scenario too, so a bad path or value is reported with the sweep file's line before
//! anything runs.

use crate::Error;
use crate::scenario::edit::{self, FieldPath};
use crate::scenario::{self, Scenario, ScenarioError, TraceCache};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// At most this many points: a larger grid is more likely a mistake than a plan, its point
/// list is held in memory, and each point is a file.
pub const MAX_POINTS: u64 = 1_000_000;
/// At most this many replicas per point (as `run --replicas`).
pub const MAX_REPLICAS: u64 = 100_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sweep: Spanned<RawSweep>,
    #[serde(default)]
    axes: Vec<Spanned<RawAxis>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    #[serde(default)]
    name: Option<Spanned<String>>,
    base: Spanned<String>,
    #[serde(default)]
    replicas: Option<Spanned<i64>>,
    #[serde(default)]
    sampling: Option<Spanned<String>>,
    #[serde(default)]
    samples: Option<Spanned<i64>>,
    #[serde(default)]
    seed: Option<Spanned<i64>>,
    /// The Pareto front's figures: cost and SLA always, `co2_kg` optionally.
    #[serde(default)]
    objectives: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    path: Spanned<String>,
    #[serde(default)]
    name: Option<Spanned<String>>,
    /// How charts and report.html call it; default: made from the path.
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    values: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    #[serde(default)]
    range: Option<Spanned<RawRange>>,
    #[serde(default)]
    uniform: Option<Spanned<RawUniform>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    from: Spanned<toml::Value>,
    to: Spanned<toml::Value>,
    step: Spanned<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUniform {
    low: Spanned<toml::Value>,
    high: Spanned<toml::Value>,
}

pub use crate::scenario::edit::Param;

/// The column type of an axis in the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Int,
    Float,
    Bool,
    Text,
}

/// The values an axis takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// A list (`values`, or a `range` expanded): a grid takes each; sampling picks among them.
    Values(Vec<Param>),
    /// A continuous interval [low, high) for random and Latin-hypercube sampling.
    Uniform { low: f64, high: f64 },
    /// The whole numbers low..=high, each equally likely.
    UniformInt { low: i64, high: i64 },
}

impl Domain {
    /// The value at `u` in [0, 1): the domain's quantile, so a stratum of `u` is a stratum of
    /// the domain.
    pub fn at(&self, u: f64) -> Param {
        match self {
            Domain::Values(v) => {
                let i = ((u * v.len() as f64) as usize).min(v.len() - 1);
                v[i].clone()
            }
            Domain::Uniform { low, high } => Param::Float(low + u * (high - low)),
            Domain::UniformInt { low, high } => {
                let n = (high - low) as f64 + 1.0;
                Param::Int((low + (u * n).floor() as i64).min(*high))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Axis {
    /// The column name in the tables.
    pub name: String,
    /// For people (charts, report.html); None: made from the path (sweep::labels).
    pub label: Option<String>,
    pub unit: Option<String>,
    pub path: FieldPath,
    pub kind: Kind,
    pub domain: Domain,
    /// Byte span of the `path` value in the sweep file, for errors.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    Grid,
    Random,
    LatinHypercube,
}

/// A checked sweep file and its base scenario.
#[derive(Debug, Clone)]
pub struct Spec {
    pub file: PathBuf,
    pub text: String,
    pub name: String,
    /// As written in the sweep file, and resolved against its folder.
    pub base_name: String,
    pub base_file: PathBuf,
    pub base_text: String,
    pub base_table: toml::Table,
    pub base: Scenario,
    pub replicas: u64,
    pub sampling: Sampling,
    /// Random and Latin-hypercube sampling: the number of points.
    pub samples: Option<u64>,
    /// Seeds the sampling and the replicas' scenario seeds.
    pub seed: u64,
    pub axes: Vec<Axis>,
    /// Span of `[sweep] base`, for errors about the base as a whole.
    pub base_span: Range<usize>,
    /// Figures the Pareto front also minimizes, beyond the mean cost (`[sweep] objectives`):
    /// empty, or `["co2_kg"]`.
    pub also_minimize: Vec<String>,
    /// The traces the base read, which every point and replica compiles against instead of
    /// reading them again (a sweep reads each trace file once).
    pub traces: Arc<TraceCache>,
}

/// Names a point's parameters cannot take: the tables' own columns.
const RESERVED: [&str; 4] = ["point", "replica", "seed", "replicas"];

impl Spec {
    /// Read, parse and check a sweep file and its base scenario. Bad input is an
    /// [`Error::Input`] naming the file, line and field; an unreadable sweep file is usage.
    pub fn load(file: &Path) -> Result<Spec, Error> {
        if !file.is_file() {
            return Err(Error::Usage(format!(
                "{}: no such sweep file; expected a TOML file with a [sweep] table (docs/SWEEP.md)",
                file.display()
            )));
        }
        let text = crate::scenario::read_toml(file, "sweep file")?;
        Spec::parse(file, text)
    }

    pub fn parse(file: &Path, text: String) -> Result<Spec, Error> {
        let raw = parse_raw(file, &text)?;
        let err = |span: Range<usize>, field: &str, msg: String| {
            input(file, &text, Some(span), field, msg)
        };
        let sw = raw.sweep.get_ref();
        let name = match &sw.name {
            Some(n) => {
                let v = n.get_ref().trim();
                if v.is_empty() || v.contains(['/', '\\']) || v == "." || v == ".." {
                    return Err(err(
                        n.span(),
                        "sweep.name",
                        format!("`{v}` cannot name a folder; expected a name without `/`"),
                    ));
                }
                v.to_string()
            }
            None => file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("sweep")
                .to_string(),
        };

        let base_name = sw.base.get_ref().clone();
        let base_file = file.parent().unwrap_or(Path::new("")).join(&base_name);
        let base_text = std::fs::read_to_string(&base_file).map_err(|e| {
            err(
                sw.base.span(),
                "sweep.base",
                format!(
                    "cannot read the base scenario {}: {e}; the path is relative to the sweep file's folder",
                    base_file.display()
                ),
            )
        })?;
        let traces = Arc::new(TraceCache::new());
        let base = scenario::load_str_with(
            &base_file,
            &base_text,
            &scenario::Options {
                traces: Some(&traces),
                ..Default::default()
            },
        )?;
        let base_table: toml::Table = base_text.parse().map_err(|e| {
            Error::Internal(format!("the base compiled but is not a TOML table: {e}"))
        })?;

        let also_minimize = objectives(sw, &base, &err)?;
        let replicas = match &sw.replicas {
            None => 1,
            Some(r) => {
                let n = *r.get_ref();
                if !(1..=MAX_REPLICAS as i64).contains(&n) {
                    return Err(err(
                        r.span(),
                        "sweep.replicas",
                        format!("found {n}; expected 1 to {MAX_REPLICAS} replicas per point"),
                    ));
                }
                n as u64
            }
        };
        let sampling = match &sw.sampling {
            None => Sampling::Grid,
            Some(s) => match s.get_ref().as_str() {
                "grid" => Sampling::Grid,
                "random" => Sampling::Random,
                "latin_hypercube" => Sampling::LatinHypercube,
                other => {
                    return Err(err(
                        s.span(),
                        "sweep.sampling",
                        format!(
                            "found `{other}`; expected \"grid\", \"random\" or \"latin_hypercube\""
                        ),
                    ));
                }
            },
        };
        let samples = match (&sw.samples, sampling) {
            (Some(s), Sampling::Grid) => {
                return Err(err(s.span(), "sweep.samples", "a grid takes every combination of the axes' values; `samples` goes with sampling = \"random\" or \"latin_hypercube\"".into()));
            }
            (None, Sampling::Grid) => None,
            (None, _) => {
                return Err(err(
                    raw.sweep.span(),
                    "sweep.samples",
                    "random and Latin-hypercube sampling need `samples = N`, the number of points"
                        .into(),
                ));
            }
            (Some(s), _) => {
                let n = *s.get_ref();
                if !(1..=MAX_POINTS as i64).contains(&n) {
                    return Err(err(
                        s.span(),
                        "sweep.samples",
                        format!("found {n}; expected 1 to {MAX_POINTS} points"),
                    ));
                }
                Some(n as u64)
            }
        };
        let seed = match &sw.seed {
            None => base.seed,
            Some(s) => {
                let v = *s.get_ref();
                if v < 0 {
                    return Err(err(
                        s.span(),
                        "sweep.seed",
                        format!("found {v}; expected a whole number ≥ 0"),
                    ));
                }
                v as u64
            }
        };

        let mut axes: Vec<Axis> = Vec::new();
        for (k, ra) in raw.axes.iter().enumerate() {
            let a = ra.get_ref();
            let field = |f: &str| format!("axes[{k}].{f}");
            let path = FieldPath::parse(a.path.get_ref())
                .map_err(|m| err(a.path.span(), &field("path"), m))?;
            if path.is_seed() {
                return Err(err(a.path.span(), &field("path"), "the replicas set `scenario.seed` (from the sweep's seed); vary it with `replicas`, not an axis".into()));
            }
            let domain = axis_domain(a, sampling, &|span, f, m| err(span, &field(f), m))?;
            let kind = match &domain {
                Domain::Values(v) => kind_of(v),
                Domain::Uniform { .. } => Kind::Float,
                Domain::UniformInt { .. } => Kind::Int,
            };
            // Every value must fit the base where the path leads: try them all on a copy.
            let probes: Vec<Param> = match &domain {
                Domain::Values(v) => v.clone(),
                Domain::Uniform { low, .. } => vec![Param::Float(*low)],
                Domain::UniformInt { low, .. } => vec![Param::Int(*low)],
            };
            let mut scratch = base_table.clone();
            for p in &probes {
                edit::set(&mut scratch, &path, p).map_err(|m| {
                    err(
                        a.path.span(),
                        &field("path"),
                        format!("{path}: {m} ({})", base_file.display()),
                    )
                })?;
            }
            let name = match &a.name {
                Some(n) => {
                    let v = n.get_ref().trim().to_string();
                    if v.is_empty()
                        || !v
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        return Err(err(
                            n.span(),
                            &field("name"),
                            format!(
                                "`{v}` cannot name a column; expected letters, digits, `_` or `-`"
                            ),
                        ));
                    }
                    v
                }
                None => path.leaf().to_string(),
            };
            let span_of_name = a.name.as_ref().map_or(a.path.span(), |n| n.span());
            if RESERVED.contains(&name.as_str()) || super::record::is_metric(&name) {
                return Err(err(
                    span_of_name,
                    &field("name"),
                    format!(
                        "`{name}` is a column of the results already; give the axis another `name`"
                    ),
                ));
            }
            if let Some(j) = axes.iter().position(|b| b.name == name) {
                return Err(err(
                    span_of_name,
                    &field("name"),
                    format!("axes[{j}] is named `{name}` too; give one of them a distinct `name`"),
                ));
            }
            axes.push(Axis {
                name,
                label: a.label.clone().filter(|l| !l.trim().is_empty()),
                unit: a.unit.clone().filter(|u| !u.trim().is_empty()),
                path,
                kind,
                domain,
                span: a.path.span(),
            });
        }
        let spec = Spec {
            file: file.to_path_buf(),
            name,
            base_name,
            base_file,
            base_text,
            base_table,
            base,
            replicas,
            sampling,
            samples,
            seed,
            axes,
            base_span: sw.base.span(),
            also_minimize,
            text,
            traces,
        };
        let n = spec.point_count();
        if n > MAX_POINTS {
            return Err(input(
                file,
                &spec.text,
                Some(raw.sweep.span()),
                "axes",
                format!(
                    "the grid has {n} points; at most {MAX_POINTS}: fewer values, or random or Latin-hypercube sampling"
                ),
            ));
        }
        Ok(spec)
    }

    /// Points in the sweep (before sharding).
    pub fn point_count(&self) -> u64 {
        match self.samples {
            Some(n) => n,
            None => self.axes.iter().fold(1u64, |acc, a| match &a.domain {
                Domain::Values(v) => acc.saturating_mul(v.len() as u64),
                _ => acc,
            }),
        }
    }

    /// An error pointing at an axis's path in the sweep file.
    pub fn axis_error(&self, axis: usize, message: String) -> Error {
        input(
            &self.file,
            &self.text,
            Some(self.axes[axis].span.clone()),
            &format!("axes[{axis}].path"),
            message,
        )
    }

    /// An error pointing at `[sweep] base`.
    pub fn base_error(&self, message: String) -> Error {
        input(
            &self.file,
            &self.text,
            Some(self.base_span.clone()),
            "sweep.base",
            message,
        )
    }
}

fn input(file: &Path, text: &str, span: Option<Range<usize>>, field: &str, msg: String) -> Error {
    Error::Input(Box::new(ScenarioError::at(file, text, span, field, msg)))
}

/// `[sweep] objectives`: the front's figures. Cost (minimized) and the worst workload's SLA
/// (maximized) are always in it, as the front has always traded them; `co2_kg` (minimized)
/// may join them, when the base reports CO2 at all (`[energy] carbon_intensity`): a
/// planner answering for emissions sees the plans no other beats on all three. Returns the
/// figures minimized beyond the cost.
fn objectives(
    sw: &RawSweep,
    base: &Scenario,
    err: &dyn Fn(Range<usize>, &str, String) -> Error,
) -> Result<Vec<String>, Error> {
    use super::pareto::{CO2, COST, SLA};
    let Some(list) = &sw.objectives else {
        return Ok(Vec::new());
    };
    let field = "sweep.objectives";
    let names = list.get_ref();
    for (k, n) in names.iter().enumerate() {
        if ![COST, SLA, CO2].contains(&n.as_str()) {
            return Err(err(
                list.span(),
                field,
                format!(
                    "`{n}` is not an objective; expected some of \"{COST}\" (minimized), \"{SLA}\" (maximized) and \"{CO2}\" (minimized)"
                ),
            ));
        }
        if names[..k].contains(n) {
            return Err(err(list.span(), field, format!("`{n}` is listed twice")));
        }
    }
    for must in [COST, SLA] {
        if !names.iter().any(|n| n == must) {
            return Err(err(
                list.span(),
                field,
                format!(
                    "`{must}` is missing; the front always trades cost against SLA: list [\"{COST}\", \"{SLA}\"] and, optionally, \"{CO2}\""
                ),
            ));
        }
    }
    let co2 = names.iter().any(|n| n == CO2);
    if co2 && base.costs.carbon.is_none() {
        return Err(err(
            list.span(),
            field,
            format!(
                "`{CO2}` needs CO2 figures, but the base scenario has no `[energy] carbon_intensity`; add one (gCO2/kWh) or drop `{CO2}`"
            ),
        ));
    }
    Ok(if co2 {
        vec![CO2.to_string()]
    } else {
        Vec::new()
    })
}

fn parse_raw(file: &Path, text: &str) -> Result<RawFile, Error> {
    if text.trim().is_empty() {
        return Err(input(
            file,
            text,
            None,
            "",
            "the file is empty; expected a [sweep] table with `base` and [[axes]] (docs/SWEEP.md)"
                .into(),
        ));
    }
    let de = toml::Deserializer::parse(text)
        .map_err(|e| input(file, text, e.span(), "", e.message().to_string()))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        // toml's Spanned shows up in serde's path as a private field name: drop it.
        let field = e
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "")
            .replace("$__serde_spanned_private_value", "");
        let field = if field == "." { String::new() } else { field };
        let inner = e.into_inner();
        input(
            file,
            text,
            inner.span(),
            &field,
            inner.message().to_string(),
        )
    })
}

type ErrAt<'a> = &'a dyn Fn(Range<usize>, &str, String) -> Error;

fn number(v: &Spanned<toml::Value>, field: &str, err: ErrAt<'_>) -> Result<Param, Error> {
    match Param::of(v.get_ref()) {
        Some(p @ (Param::Int(_) | Param::Float(_))) => Ok(p),
        _ => Err(err(
            v.span(),
            field,
            format!("found {}; expected a number", v.get_ref()),
        )),
    }
}

fn axis_domain(a: &RawAxis, sampling: Sampling, err: ErrAt<'_>) -> Result<Domain, Error> {
    let given = [a.values.is_some(), a.range.is_some(), a.uniform.is_some()];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(err(a.path.span(), "path", "an axis takes exactly one of `values = […]`, `range = { from, to, step }` or `uniform = { low, high }`".into()));
    }
    if let Some(vs) = &a.values {
        let mut out = Vec::new();
        for v in vs.get_ref() {
            let p = Param::of(v.get_ref()).ok_or_else(|| {
                err(
                    v.span(),
                    "values",
                    format!(
                        "found {}; expected numbers, text or true/false",
                        v.get_ref()
                    ),
                )
            })?;
            out.push(p);
        }
        if out.is_empty() {
            return Err(err(
                vs.span(),
                "values",
                "the list is empty; expected at least one value".into(),
            ));
        }
        let kinds: Vec<Kind> = out
            .iter()
            .map(|p| kind_of(std::slice::from_ref(p)))
            .collect();
        let numeric = |k: &Kind| matches!(k, Kind::Int | Kind::Float);
        if !(kinds.iter().all(numeric) || kinds.iter().all(|k| *k == kinds[0])) {
            return Err(err(
                vs.span(),
                "values",
                "the values mix kinds; expected all numbers, all text or all true/false".into(),
            ));
        }
        if kinds.contains(&Kind::Float) {
            out = out
                .into_iter()
                .map(|p| match p {
                    Param::Int(i) => Param::Float(i as f64),
                    p => p,
                })
                .collect();
        }
        return Ok(Domain::Values(out));
    }
    if let Some(r) = &a.range {
        let r = r.get_ref();
        let (from, to, step) = (
            number(&r.from, "range.from", err)?,
            number(&r.to, "range.to", err)?,
            number(&r.step, "range.step", err)?,
        );
        let (f, t, s) = (
            from.as_f64().unwrap_or(0.0),
            to.as_f64().unwrap_or(0.0),
            step.as_f64().unwrap_or(0.0),
        );
        if s <= 0.0 {
            return Err(err(
                r.step.span(),
                "range.step",
                format!("found {step}; expected a step > 0"),
            ));
        }
        if t < f {
            return Err(err(
                r.to.span(),
                "range.to",
                format!("found {to}, below `from` = {from}; expected to ≥ from"),
            ));
        }
        let steps = ((t - f) / s + 1e-9).floor();
        if steps.is_nan() || steps >= MAX_POINTS as f64 {
            return Err(err(
                r.step.span(),
                "range.step",
                format!(
                    "the range has more than {MAX_POINTS} values; expected at most {MAX_POINTS}"
                ),
            ));
        }
        let count = steps as u64 + 1;
        if count > MAX_POINTS {
            return Err(err(
                r.step.span(),
                "range.step",
                format!("the range has {count} values; at most {MAX_POINTS}"),
            ));
        }
        let values = match (from, step) {
            (Param::Int(fi), Param::Int(si)) if matches!(to, Param::Int(_)) => {
                (0..count).map(|k| Param::Int(fi + k as i64 * si)).collect()
            }
            // from + k·step, computed afresh for each k (no accumulated error) and rounded to
            // 12 significant digits, so 0.1 steps give 0.3, not 0.30000000000000004.
            _ => (0..count)
                .map(|k| Param::Float(round12(f + k as f64 * s)))
                .collect(),
        };
        return Ok(Domain::Values(values));
    }
    let u = a.uniform.as_ref().expect("one of the three is given");
    if sampling == Sampling::Grid {
        return Err(err(u.span(), "uniform", "a grid needs a list of values; `uniform` goes with sampling = \"random\" or \"latin_hypercube\" (or give `values` or `range`)".into()));
    }
    let uu = u.get_ref();
    let (low, high) = (
        number(&uu.low, "uniform.low", err)?,
        number(&uu.high, "uniform.high", err)?,
    );
    match (low, high) {
        (Param::Int(l), Param::Int(h)) => {
            if h < l {
                return Err(err(
                    uu.high.span(),
                    "uniform.high",
                    format!("found {h}, below `low` = {l}; expected high ≥ low"),
                ));
            }
            Ok(Domain::UniformInt { low: l, high: h })
        }
        (l, h) => {
            let (l, h) = (l.as_f64().unwrap_or(0.0), h.as_f64().unwrap_or(0.0));
            if h <= l {
                return Err(err(
                    uu.high.span(),
                    "uniform.high",
                    format!("found {h}, not above `low` = {l}; expected high > low"),
                ));
            }
            Ok(Domain::Uniform { low: l, high: h })
        }
    }
}

fn round12(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

fn kind_of(values: &[Param]) -> Kind {
    match values.first() {
        Some(Param::Int(_)) if values.iter().all(|p| matches!(p, Param::Int(_))) => Kind::Int,
        Some(Param::Int(_) | Param::Float(_)) => Kind::Float,
        Some(Param::Bool(_)) => Kind::Bool,
        _ => Kind::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_exact() {
        assert_eq!(round12(0.1 + 0.2), 0.3);
        assert_eq!(round12(43200.0), 43200.0);
        assert_eq!(round12(-1.25e-7), -1.25e-7);
    }

    #[test]
    fn domains_map_the_unit_interval_to_their_values() {
        let d = Domain::Values(vec![Param::Int(1), Param::Int(2), Param::Int(3)]);
        assert_eq!(d.at(0.0), Param::Int(1));
        assert_eq!(d.at(0.34), Param::Int(2));
        assert_eq!(d.at(0.999_999), Param::Int(3));
        let d = Domain::UniformInt { low: 1, high: 4 };
        assert_eq!(
            [0.0, 0.25, 0.5, 0.75, 0.999].map(|u| d.at(u)),
            [1, 2, 3, 4, 4].map(Param::Int)
        );
        assert_eq!(
            Domain::Uniform {
                low: 2.0,
                high: 4.0
            }
            .at(0.5),
            Param::Float(3.0)
        );
    }
}
