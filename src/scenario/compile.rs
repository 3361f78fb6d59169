//! From raw TOML structs to a validated [`Scenario`]: names resolved to indexes, the
//! partition tree checked against DOMAIN.md §1, traces read and normalized.

mod ha;
mod vm;
mod whatif;

use super::error::ScenarioError;
use super::raw::*;
use crate::Error;
use crate::licensing::config::{
    Costs, GicapGroup, LicenceCount, LicenceRule, PpuConfig, PpuMetricKind, ServerPricing,
    Software, TicapConfig,
};
use crate::model::{Model, Node, NodeId, NodeKind, OnShortfall, Share, Workload};
use crate::policy::{self, Capacity, Domain, Latencies, gwlm};
use crate::workload::synth::{SynthGen, SynthSpec, workload_seed};
use crate::workload::{Series, native, planetlab};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// Integrity VM limits [IV2][IV3][GV5]: 1..=32 vCPUs (V6.3), entitlement 5..=100 % per vCPU,
/// default 10 %.
const MAX_VCPUS: u32 = 32;
const MIN_ENTITLEMENT_PCT: f64 = 5.0;
const DEFAULT_ENTITLEMENT_PCT: f64 = 10.0;
/// WLM moves FSS shares in steps of 0.01 core [W81]; the smallest group allocation.
const FSS_STEP_CORES: f64 = 0.01;
/// Capacity Advisor's default utilization limit is UNCONFIRMED (DOMAIN.md §6); 85 % is the
/// suggested default and `[report] util_limit` overrides it.
pub const DEFAULT_UTIL_LIMIT: f64 = 0.85;
/// The time series is held in memory until the run ends (about 60 bytes a row).
const MAX_TIMESERIES_ROWS: u64 = 20_000_000;
/// Memory of one cell, of a partition or of a workload [GiB]: 1 PiB. The largest Superdome 2
/// cell held 256 GiB; beyond a PiB a value is a typo (1e308 made memory infinite).
const MAX_GIB: f64 = 1_048_576.0;
/// Disk or network bandwidth of a server, partition or workload [MB/s]: 10 TB/s.
const MAX_MBPS: f64 = 10_000_000.0;
/// The most reference cores one workload may demand in one sample, after conversion from
/// percent: the trace readers' bound ([`crate::workload::MAX_SAMPLE`]) applied to the converted
/// value too, since a percent trace of a huge source machine could pass the first and not the
/// second.
const MAX_DEMAND_CORES: f64 = crate::workload::MAX_SAMPLE;
/// Names of scenarios and entities become folder and file names (output/<scenario name>/,
/// capprofile exports) and table cells: at most this many bytes, a file name's limit less
/// room for the temporary suffixes a writer adds.
const MAX_NAME_BYTES: usize = 200;

/// The report interval by default: Capacity Advisor's 5-minute means [GH2][CA1].
pub const DEFAULT_REPORT_INTERVAL_MS: u64 = 300_000;
/// Report intervals allowed [ms]: a second to a day.
pub const REPORT_INTERVAL_RANGE_MS: (u64, u64) = (1_000, 86_400_000);

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: PathBuf,
    pub name: String,
    pub description: Option<String>,
    pub seed: u64,
    pub horizon_ms: u64,
    pub model: Model,
    /// One per workload, in the order of `model.workloads`.
    pub demand: Vec<Demand>,
    pub report: ReportOptions,
    /// gWLM shared resource domains, ordered so that an outer domain comes before the domains
    /// nested in it.
    pub domains: Vec<Domain>,
    /// HP-UX WLM instances, one per OS they manage.
    pub wlm: Vec<policy::WlmInstance>,
    /// One per server, in server order.
    pub pricing: Vec<ServerPricing>,
    pub gicap: Vec<GicapGroup>,
    pub costs: Costs,
    /// Serviceguard clusters, packages and injected failures.
    pub ha: crate::ha::Ha,
    /// Planned moves and consolidation managers (issue #21); empty: nothing moves.
    pub mobility: crate::mobility::plan::Plan,
}

/// Where a workload's CPU demand comes from and how to turn it into reference cores.
#[derive(Debug, Clone)]
pub struct Demand {
    pub step_ms: u64,
    pub source: DemandSource,
    /// Multiplier from the source's units to reference cores.
    pub scale: f64,
    /// Memory demand [GiB] when the source carries none.
    pub memory_gb: f64,
    /// Disk and network demand [MB/s] when the source carries none.
    pub disk_mbps: f64,
    pub network_mbps: f64,
    /// Replay from the start when the trace ends before the horizon.
    pub repeat: bool,
}

#[derive(Debug, Clone)]
pub enum DemandSource {
    /// A trace series, shared by every workload that names the same file and column.
    Trace(Arc<Series>),
    Synth {
        spec: SynthSpec,
        seed: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Utilization above which a sample counts as over the limit, in (0, 1].
    pub util_limit: f64,
    /// The same for memory (demand ÷ memory).
    pub memory_limit: f64,
    /// The same for disk and network I/O (demand ÷ capacity, where configured).
    pub disk_limit: f64,
    pub network_limit: f64,
    /// The node whose size `planning.servers_needed` counts in: `[report] target_server`, or
    /// the largest server (by reference cores, then memory; the first of equals).
    pub target_server: Option<crate::model::NodeId>,
    /// The share of time the time-aligned CPU demand must fit under the limit: 1 sizes for
    /// the peak, 0.99 for p99.
    pub sizing_quantile: f64,
    pub growth: Growth,
    /// Per workload, its own annual CPU growth where it overrides `growth.cpu`.
    pub workload_growth: Vec<Option<Rate>>,
    /// `[scenario] start`: the day whose midnight is time 0, for dates on charts and tables.
    pub start: Option<super::date::Date>,
    /// The time series' row step [ms].
    pub step_ms: u64,
    /// The report interval [ms]: utilization percentiles, maxima, time above a limit and the
    /// sizing percentile are taken over its means (Capacity Advisor's 5-minute data).
    pub interval_ms: u64,
    pub timeseries: bool,
    pub timeseries_csv: bool,
}

/// Annual demand growth for the forecast [CA10]: a rate a year per resource, given or fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub cpu: Rate,
    pub memory: Rate,
    pub disk: Rate,
    pub network: Rate,
    /// How given rates grow (compound by default); fitted ones follow it only when `model`
    /// was written, else the model that fits better.
    pub compound: bool,
    /// `model` was written in the scenario.
    pub model_given: bool,
    pub horizon_ms: u64,
}

/// One resource's yearly growth rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// A fraction a year (0.2 = 20 %/year), above −1.
    Given(f64),
    /// Fitted to the entity's own daily demand at the sizing percentile (report::trend).
    Fit,
}

impl Rate {
    pub fn is_fit(self) -> bool {
        self == Rate::Fit
    }

    /// The rate when given; 0 where it is to be fitted (the caller substitutes the fit).
    pub fn given_or_zero(self) -> f64 {
        match self {
            Rate::Given(r) => r,
            Rate::Fit => 0.0,
        }
    }
}

impl Growth {
    /// Whether any resource's rate is fitted: only then is the history read.
    pub fn any_fit(&self) -> bool {
        [self.cpu, self.memory, self.disk, self.network]
            .iter()
            .any(|r| r.is_fit())
    }
}

impl Default for Growth {
    fn default() -> Self {
        Growth {
            cpu: Rate::Given(0.0),
            memory: Rate::Given(0.0),
            disk: Rate::Given(0.0),
            network: Rate::Given(0.0),
            compound: true,
            model_given: false,
            horizon_ms: 3 * 365 * 86_400_000,
        }
    }
}

/// Read and compile the scenario at `path`. Trace paths are relative to its folder.
pub fn load(path: &Path) -> Result<Scenario, Error> {
    load_str(path, &read_toml(path, "scenario")?)
}

/// A TOML file people bring (a scenario, a synth spec, a plan, a sweep) as text: a regular
/// file of UTF-8 lines of at most 1 MiB. `what` names it in the error.
pub(crate) fn read_toml(path: &Path, what: &str) -> Result<String, Error> {
    let bytes = crate::input::read(path).map_err(|e| {
        let (line, message) = match crate::input::cause(&e) {
            Some((line, message)) => (line, message),
            None => (None, format!("cannot read the {what}: {e}")),
        };
        let mut err = ScenarioError::at(path, "", None, "", message);
        if let Some(line) = line {
            err.line = line as usize;
            err.column = 1;
        }
        Error::Input(Box::new(err))
    })?;
    utf8_text(path, bytes)
}

/// A TOML file's bytes as text; invalid UTF-8 is an error pointing at the first bad byte.
pub(crate) fn utf8_text(path: &Path, bytes: Vec<u8>) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        Error::Input(Box::new(ScenarioError::at(
            path,
            &text,
            Some(offset..offset + 1),
            "",
            "the file is not valid UTF-8; expected a UTF-8 TOML text",
        )))
    })
}

/// Compile scenario text; `path` names it in errors and anchors relative trace paths. The
/// first error, where there are several ([`load_str_all`] gives them all).
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, Error> {
    load_str_all(path, text).map_err(|mut errors| errors.remove(0))
}

/// The most errors reported for one file: enough to fix a file in one go, few enough to read.
pub const MAX_ERRORS: usize = 20;

/// [`load`], with up to [`MAX_ERRORS`] errors, in the order they were found (never empty).
pub fn load_all(path: &Path) -> Result<Scenario, Vec<Error>> {
    let text = read_toml(path, "scenario").map_err(|e| vec![e])?;
    load_str_all(path, &text)
}

/// [`load_str`], with up to [`MAX_ERRORS`] errors (never empty).
pub fn load_str_all(path: &Path, text: &str) -> Result<Scenario, Vec<Error>> {
    let raw = parse(path, text).map_err(|errors| {
        errors
            .into_iter()
            .take(MAX_ERRORS)
            .map(|e| Error::Input(Box::new(e)))
            .collect::<Vec<_>>()
    })?;
    let found = std::cell::RefCell::new(Vec::new());
    let result = Compiler {
        file: path,
        text,
        traces: HashMap::new(),
        packages: raw
            .packages
            .iter()
            .map(|p| p.get_ref().name.get_ref().trim().to_string())
            .collect(),
        models: HashMap::new(),
        found: &found,
    }
    .compile(raw);
    let mut errors = found.into_inner();
    match result {
        Ok(s) if errors.is_empty() => return Ok(s),
        Ok(_) => {}
        Err(e) => errors.insert(0, e),
    }
    errors.truncate(MAX_ERRORS);
    Err(errors)
}

fn parse(path: &Path, text: &str) -> Result<RawScenario, Vec<ScenarioError>> {
    if text.trim().is_empty() {
        return Err(vec![ScenarioError::at(
            path,
            text,
            None,
            "",
            "the file is empty; expected a [scenario] table with name, horizon and seed",
        )]);
    }
    let deserializer = toml::Deserializer::parse(text).map_err(|e| {
        // A duplicate key: name it (the span is the second one).
        let key = e
            .span()
            .and_then(|s| text.get(s))
            .filter(|k| e.message().contains("duplicate key") && !k.trim().is_empty())
            .map(|k| k.trim().to_string());
        vec![match key {
            Some(k) => ScenarioError::at(
                path,
                text,
                e.span(),
                k.clone(),
                format!("duplicate key `{k}`; expected each key once per table"),
            ),
            None => ScenarioError::at(path, text, e.span(), "", e.message().to_string()),
        }]
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let first = serde_error(path, text, e, "");
        // serde stops at the first error; each table and each entry of an array of tables
        // is read again on its own, so the file's other mistakes are found too.
        let mut all =
            super::parse_each::errors(text, &|e, prefix| serde_error(path, text, e, prefix));
        if !all
            .iter()
            .any(|e| e.line == first.line && e.field == first.field)
        {
            all.insert(0, first);
        }
        all.sort_by_key(|e| (e.line, e.column));
        all.dedup_by(|a, b| a.line == b.line && a.field == b.field);
        all
    })
}

/// A serde error as a scenario error: the field's path under `prefix`, serde's message in a
/// planner's words.
fn serde_error(
    path: &Path,
    text: &str,
    e: serde_path_to_error::Error<toml::de::Error>,
    prefix: &str,
) -> ScenarioError {
    let inner_path = field_path(e.path());
    let field = match (prefix.is_empty(), inner_path.is_empty()) {
        (true, _) => inner_path,
        (false, true) => prefix.to_string(),
        (false, false) if inner_path.starts_with('[') => format!("{prefix}{inner_path}"),
        (false, false) => format!("{prefix}.{inner_path}"),
    };
    let inner = e.into_inner();
    let message = super::suggest::did_you_mean(&humane(inner.message(), &field));
    ScenarioError::at(path, text, inner.span(), field, message)
}

/// serde's words for a value of the wrong type or range, in a planner's words: no Rust type
/// names, and the range where the field has one.
fn humane(message: &str, field: &str) -> String {
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|m| m.rsplit_once(", expected "))
    else {
        return message.to_string();
    };
    let leaf = field.rsplit('.').next().unwrap_or(field);
    let leaf = leaf.split('[').next().unwrap_or(leaf);
    let hint = match (leaf, expected) {
        ("cells", _) => "a whole number of cells, 1 to 64",
        ("cores_per_cell", _) => "a whole number of cores, 1 to 256",
        (l, _) if l.ends_with("_gb") || l.ends_with("_gb_per_cell") => {
            "a number of GiB, without a unit"
        }
        (_, "u8" | "u16" | "u32" | "u64" | "usize") => "a whole number ≥ 0",
        (_, "i32" | "i64") => "a whole number",
        (_, "f32" | "f64") => "a number",
        (_, "a boolean") => "true or false",
        (_, other) => other,
    };
    // "string \"two\"", "integer `99` as i128", "floating point `1.5`": keep the value.
    let value = found
        .split_once(' ')
        .map_or(found, |(_, v)| v)
        .trim_start_matches("point ")
        .split(" as ")
        .next()
        .unwrap_or(found)
        .trim_matches('`');
    if found.starts_with("integer") && expected.starts_with(['u', 'i']) {
        format!("{value} is out of range; expected {hint}")
    } else {
        format!("found {value}; expected {hint}")
    }
}

struct Compiler<'a> {
    file: &'a Path,
    text: &'a str,
    /// Native traces already read, by (path, step), so a wide file is read once.
    traces: HashMap<(PathBuf, Option<u64>), Arc<native::NativeTrace>>,
    /// Package names, in scenario order, for conditional policies that name one.
    packages: Vec<String>,
    /// Server models' performance index per core, by name.
    models: HashMap<String, f64>,
    /// Errors of entities already passed over, so that one run of the compiler reports up
    /// to [`MAX_ERRORS`] of a file's mistakes instead of the first ([`Compiler::keep`]).
    found: &'a std::cell::RefCell<Vec<Error>>,
}

/// A partition being placed in the tree.
struct Pending<'r> {
    raw: &'r RawPartition,
    index: usize,
}

impl<'a> Compiler<'a> {
    /// An entity's result: its error is kept and the entity passed over, so the compiler goes
    /// on with the next one (other workloads, other servers) and `validate` lists every
    /// mistake it can see, not only the first.
    fn keep<T>(&self, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.found.borrow_mut().push(e);
                None
            }
        }
    }

    /// The end of a phase whose results the next phases need: stop if an entity failed, so
    /// that no error follows from one already reported (a workload in a partition that did
    /// not compile would be "in an unknown partition"). The first error is returned; the
    /// others stay in `found` (see [`load_all`]).
    fn checkpoint(&self) -> Result<(), Error> {
        let mut found = self.found.borrow_mut();
        if found.is_empty() || found.len() >= MAX_ERRORS {
            if let Some(first) = (!found.is_empty()).then(|| found.remove(0)) {
                return Err(first);
            }
            return Ok(());
        }
        Err(found.remove(0))
    }

    fn err(&self, span: Range<usize>, field: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::Input(Box::new(ScenarioError::at(
            self.file,
            self.text,
            Some(span),
            field,
            msg,
        )))
    }

    /// A trace path the scenario names, resolved against its folder; a missing file is the
    /// scenario's error, pointed at the field that names it.
    fn existing(&self, trace: &Spanned<String>, field: String) -> Result<PathBuf, Error> {
        let path = resolve(self.file, trace.get_ref());
        if path.exists() {
            return Ok(path);
        }
        Err(self.err(
            trace.span(),
            field,
            format!(
                "`{}`: no such file (looked for {}); trace paths are relative to the scenario's folder",
                trace.get_ref(),
                path.display()
            ),
        ))
    }

    /// `[[server_models]]`: names unique, indexes positive.
    fn compile_models(&mut self, raw: &RawScenario) -> Result<(), Error> {
        for (k, rm) in raw.server_models.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let m = rm.get_ref();
                let name = m.name.get_ref().trim().to_string();
                let field = |f: &str| format!("server_models[{k}] ({name}).{f}");
                let speed = *m.core_speed.get_ref();
                if !(speed.is_finite() && speed > 0.0 && speed <= 1000.0) {
                    return Err(self.err(
                    m.core_speed.span(),
                    field("core_speed"),
                    format!("{speed}; expected a positive performance index per core relative to the reference core, e.g. 1.6"),
                ));
                }
                if self.models.insert(name.clone(), speed).is_some() {
                    return Err(self.err(
                        m.name.span(),
                        field("name"),
                        "a second model with this name; expected unique names",
                    ));
                }
                Ok(())
            })();
            self.keep(result);
        }
        Ok(())
    }

    /// A name that will be a folder or file name and a table cell: no control characters
    /// (a NUL cannot be in a path; a newline breaks every table) and at most
    /// [`MAX_NAME_BYTES`] bytes.
    fn check_name(&self, name: &Spanned<String>, field: &str) -> Result<(), Error> {
        let n = name.get_ref();
        if let Some(c) = n.chars().find(|c| c.is_control()) {
            return Err(self.err(
                name.span(),
                field,
                format!(
                    "the name holds the control character U+{:04X}; expected printable characters (names become folder names and table cells)",
                    c as u32
                ),
            ));
        }
        if n.len() > MAX_NAME_BYTES {
            return Err(self.err(
                name.span(),
                field,
                format!(
                    "the name is {} bytes long; expected at most {MAX_NAME_BYTES} (names become folder and file names)",
                    n.len()
                ),
            ));
        }
        Ok(())
    }

    /// A synthetic workload's size within what a run can account for: `mean`, `peak` and the
    /// burst size in reference cores (after `source`) at most [`MAX_DEMAND_CORES`], growth at
    /// most 100 (10,000 % a year) and noise at most 100 (a coefficient of variation), so that
    /// no sample comes near the range where sums lose the conservation check's precision.
    fn synth_bounds(
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

    /// A model's core speed, or an error pointing at the name.
    fn model_speed(&self, name: &str, span: Range<usize>, field: String) -> Result<f64, Error> {
        self.models.get(name).copied().ok_or_else(|| {
            let mut known: Vec<&str> = self.models.keys().map(String::as_str).collect();
            known.sort_unstable();
            self.err(
                span,
                field,
                format!(
                    "no server model is named `{name}`; expected one of the [[server_models]] ({})",
                    if known.is_empty() {
                        "none given".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })
    }

    fn compile(mut self, raw: RawScenario) -> Result<Scenario, Error> {
        self.compile_models(&raw)?;
        let header = raw.scenario.get_ref();
        let name = header.name.get_ref().trim().to_string();
        let checked = (|| {
            if name.is_empty() {
                return Err(self.err(
                    header.name.span(),
                    "scenario.name",
                    "expected a non-empty name",
                ));
            }
            if name.contains(['/', '\\']) || name == "." || name == ".." {
                return Err(self.err(
                    header.name.span(),
                    "scenario.name",
                    "the name becomes the output folder; expected no `/` or `\\`",
                ));
            }
            self.check_name(&header.name, "scenario.name")
        })();
        self.keep(checked);
        let horizon_ms = header.horizon.get_ref().ms();
        if horizon_ms == 0 {
            self.keep::<()>(Err(self.err(
                header.horizon.span(),
                "scenario.horizon",
                "expected a positive duration",
            )));
        }
        if raw.servers.is_empty() {
            self.keep::<()>(Err(self.err(
                raw.scenario.span(),
                "servers",
                "no [[servers]]; expected at least one",
            )));
        }
        let (mut nodes, node_index) = self.compile_tree(&raw)?;
        // Workloads, gWLM domains and WLM instances need the tree, not each other.
        self.checkpoint()?;
        let report_step = raw.report.as_ref().and_then(|r| r.get_ref().step.clone());
        let (workloads, demand) =
            self.compile_workloads(&raw, &nodes, &node_index, header.seed, horizon_ms)?;
        let entities = nodes.len() + workloads.len();
        let mut domains = self.compile_domains(&raw, &mut nodes, &node_index)?;
        let wlm = self.compile_wlm(&raw, &nodes, &node_index, &domains)?;
        self.checkpoint()?;
        let report = self.compile_report(
            raw.report.as_ref(),
            report_step,
            &demand,
            horizon_ms,
            entities,
        )?;
        self.compile_arbiters(&raw, &mut nodes, &node_index, &wlm, &mut domains)?;
        let (pricing, gicap) = self.compile_pricing(&raw, &nodes)?;
        self.compile_domain_ticap(&raw, &nodes, &pricing, &mut domains)?;
        let mut costs = self.compile_costs(&raw, &node_index, &nodes)?;
        self.compile_energy(&raw, horizon_ms, report.timeseries, &mut costs)?;
        let mut report = report;
        report.target_server = Some(self.target_server(&raw, &nodes, &node_index)?);
        for (k, rw) in raw.workloads.iter().enumerate() {
            let w = rw.get_ref();
            let g = match &w.growth {
                Some(g) => match *g.get_ref() {
                    RawRate::Fit => Some(Rate::Fit),
                    RawRate::Given(x) if x.is_finite() && x > -1.0 && x <= 100.0 => {
                        Some(Rate::Given(x))
                    }
                    RawRate::Given(x) => {
                        self.keep::<()>(Err(self.err(
                            g.span(),
                            format!("workloads[{k}] ({}).growth", w.name.get_ref()),
                            format!(
                                "{x}; expected a yearly growth as a fraction above -1 (0.2 = 20 %/year) or \"fit\""
                            ),
                        )));
                        None
                    }
                },
                None => None,
            };
            report.workload_growth.push(g);
        }
        report.start = self.keep(self.start_date(header)).flatten();
        let ha = self.compile_ha(&raw, &nodes, &node_index, &workloads, horizon_ms)?;
        let (mobility, found) = super::mobility::compile(
            &super::mobility::Context {
                file: self.file,
                text: self.text,
                nodes: &nodes,
                node_index: &node_index,
                workloads: &workloads,
                pricing: &pricing,
                ha: &ha,
                horizon_ms,
                start: report.start,
                seed: header.seed,
            },
            &raw.moves,
            &raw.consolidation,
        );
        for e in found {
            self.keep::<()>(Err(e));
        }
        self.checkpoint()?;
        Ok(Scenario {
            file: self.file.to_path_buf(),
            name,
            description: header.description.clone(),
            seed: header.seed,
            horizon_ms,
            model: Model::new(nodes, workloads),
            demand,
            report,
            domains,
            wlm,
            pricing,
            gicap,
            costs,
            ha,
            mobility,
        })
    }

    /// Domains that may activate Temporary Instant Capacity: nPar domains of a complex that
    /// has a TiCAP balance.
    fn compile_domain_ticap(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        pricing: &[ServerPricing],
        domains: &mut [Domain],
    ) -> Result<(), Error> {
        // gWLM domains and WLM's arbiters alike: (domain name, ticap settings, field prefix,
        // whether the domain is an arbiter).
        let wants = raw
            .policies
            .iter()
            .enumerate()
            .filter_map(|(k, rd)| {
                rd.get_ref().ticap.as_ref().map(|t| {
                    (
                        rd.get_ref().domain.get_ref(),
                        t,
                        format!("policies[{k}]"),
                        false,
                    )
                })
            })
            .chain(raw.wlm_arbiters.iter().enumerate().filter_map(|(k, ra)| {
                ra.get_ref().ticap.as_ref().map(|t| {
                    (
                        ra.get_ref().domain.get_ref(),
                        t,
                        format!("wlm_arbiters[{k}]"),
                        true,
                    )
                })
            }));
        for (dname, t, prefix, arbiter) in wants {
            let field = |f: &str| format!("{prefix} ({dname}).ticap{f}");
            let Some(d) = domains.iter_mut().find(|d| {
                nodes[d.node.0 as usize].name == *dname
                    && d.wlm_sources.iter().any(Option::is_some) == arbiter
            }) else {
                continue;
            };
            if !matches!(d.capacity, Capacity::Pooled(_)) {
                return Err(self.err(t.span(), field(""), "Temporary Instant Capacity activates cores of a complex: only a domain of nPars can use it"));
            }
            let Some(server) = pricing.iter().position(|p| p.server == d.node) else {
                continue;
            };
            let p = &pricing[server];
            // A GiCAP member can borrow its group's spare rights, and its group's balance.
            if p.ticap.is_none() && p.group.is_none() {
                return Err(self.err(t.span(), field(""), format!("`{dname}` has no TiCAP balance; give the server `ticap = {{ balance_core_minutes = … }}`")));
            }
            let tv = t.get_ref();
            let reserve_days = tv.reserve_days.unwrap_or(15.0);
            if !(reserve_days.is_finite() && reserve_days >= 0.0) {
                return Err(self.err(
                    t.span(),
                    field(".reserve_days"),
                    "expected a number of processing-days ≥ 0",
                ));
            }
            let active = nodes[d.node.0 as usize].cores as f64;
            d.ticap = Some(policy::TicapUse {
                server,
                utilitypri: tv.utilitypri,
                reserve_days,
                max_extra: (p.installed as f64 - active).max(0.0),
            });
        }
        Ok(())
    }

    /// Usage rights, utility pricing and hardware prices per server (DOMAIN.md §4).
    fn compile_pricing(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
    ) -> Result<(Vec<ServerPricing>, Vec<GicapGroup>), Error> {
        let mut out = Vec::with_capacity(raw.servers.len());
        // Group membership first: a member's own checks depend on its group.
        let mut member_of: HashMap<&str, usize> = HashMap::new();
        for (g, rg) in raw.gicap.iter().enumerate() {
            let r = rg.get_ref();
            for m in r.members.get_ref() {
                if !raw.servers.iter().any(|s| s.get_ref().name.get_ref() == m) {
                    return Err(self.err(
                        r.members.span(),
                        format!("gicap[{g}] ({}).members", r.name.get_ref()),
                        format!("`{m}` is not a server"),
                    ));
                }
                if let Some(prev) = member_of.insert(m.as_str(), g) {
                    return Err(self.err(r.members.span(), format!("gicap[{g}] ({}).members", r.name.get_ref()), format!("`{m}` is already a member of gicap[{prev}]; a complex belongs to one group")));
                }
            }
            if r.members.get_ref().len() < 2 {
                return Err(self.err(
                    r.members.span(),
                    format!("gicap[{g}] ({}).members", r.name.get_ref()),
                    "a group needs at least two complexes",
                ));
            }
        }
        let roots = nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.parent.is_none())
            .map(|(i, _)| NodeId(i as u32));
        for ((s, rs), id) in raw.servers.iter().enumerate().zip(roots) {
            let r = rs.get_ref();
            let name = r.name.get_ref();
            let field = |f: &str| format!("servers[{s}] ({name}).{f}");
            let installed = *r.cells.get_ref() * *r.cores_per_cell.get_ref();
            let active = nodes[id.0 as usize].cores;
            let money = |v: f64, span: Range<usize>, f: &str| -> Result<f64, Error> {
                if v.is_finite() && v >= 0.0 {
                    Ok(v)
                } else {
                    Err(self.err(span, field(f), format!("{v}; expected an amount ≥ 0")))
                }
            };
            if let Some(ppu) = &r.ppu {
                // PPU and iCAP are mutually exclusive per server [PPU6].
                for (f, set) in [
                    ("rights", r.rights.is_some()),
                    ("buy_rights", r.buy_rights.is_some()),
                    ("ticap", r.ticap.is_some()),
                ] {
                    if set {
                        return Err(self.err(ppu.span(), field(f), format!("`{f}` is Instant Capacity, and Pay per use and Instant Capacity are mutually exclusive on one server")));
                    }
                }
            }
            let bought = r.buy_rights.as_ref().map_or(0, |b| *b.get_ref());
            let held = r.rights.as_ref().map_or(active, |v| *v.get_ref());
            if let Some(v) = &r.rights
                && *v.get_ref() > installed
            {
                return Err(self.err(v.span(), field("rights"), format!("{} rights for {installed} installed cores; expected at most the installed cores", v.get_ref())));
            }
            let rights = held.saturating_add(bought);
            if rights > installed {
                let span = r
                    .buy_rights
                    .as_ref()
                    .map(|b| b.span())
                    .unwrap_or(r.name.span());
                return Err(self.err(span, field("buy_rights"), format!("{rights} rights in all for {installed} installed cores; expected at most the installed cores")));
            }
            let group = member_of.get(name.as_str()).copied();
            if let Some(g) = group {
                if let Some(t) = &r.ticap {
                    return Err(self.err(t.span(), field("ticap"), format!("`{name}` is in the GiCAP group `{}`, whose members share one balance; give the group the ticap", raw.gicap[g].get_ref().name.get_ref())));
                }
                if let Some(p) = &r.ppu {
                    return Err(self.err(
                        p.span(),
                        field("ppu"),
                        "a GiCAP member uses Instant Capacity, which Pay per use excludes",
                    ));
                }
            }
            // Active cores beyond the rights run on Temporary Instant Capacity (a GiCAP
            // member may borrow its group's spare rights instead: checked for the group).
            if active > rights && r.ticap.is_none() && group.is_none() {
                let span = r
                    .active_cores
                    .as_ref()
                    .map(|a| a.span())
                    .unwrap_or(r.name.span());
                return Err(self.err(span, field("active_cores"), format!("{active} active cores but {rights} usage rights; buy rights (buy_rights) or give the server a ticap balance")));
            }
            let capex = match &r.capex {
                Some(c) => {
                    let v = c.get_ref();
                    if !(v.years.is_finite() && v.years > 0.0) {
                        return Err(self.err(
                            c.span(),
                            field("capex.years"),
                            "expected a positive number of years",
                        ));
                    }
                    Some((money(v.price, c.span(), "capex.price")?, v.years))
                }
                None => None,
            };
            let power = match &r.power {
                Some(p) => {
                    let v = p.get_ref();
                    if !(v.idle_w.is_finite()
                        && v.max_w.is_finite()
                        && v.idle_w >= 0.0
                        && v.idle_w <= v.max_w)
                    {
                        return Err(self.err(
                            p.span(),
                            field("power"),
                            "expected 0 ≤ idle_w ≤ max_w watts",
                        ));
                    }
                    Some((v.idle_w, v.max_w))
                }
                None => None,
            };
            let ticap = match &r.ticap {
                Some(t) => Some(self.ticap_config(t, &field("ticap"))?),
                None => None,
            };
            let ppu = match &r.ppu {
                Some(p) => {
                    let v = p.get_ref();
                    Some(PpuConfig {
                        metric: match v.metric {
                            RawPpuMetric::Percent => PpuMetricKind::Percent,
                            RawPpuMetric::Active => PpuMetricKind::Active,
                        },
                        price_per_core_month: money(
                            v.price_per_core_month,
                            p.span(),
                            "ppu.price_per_core_month",
                        )?,
                        fixed_per_month: money(v.fixed_per_month, p.span(), "ppu.fixed_per_month")?,
                    })
                }
                None => None,
            };
            let core_right_price = match &r.core_right_price {
                Some(p) => money(*p.get_ref(), p.span(), "core_right_price")?,
                None if bought > 0 => {
                    return Err(self.err(
                        r.buy_rights
                            .as_ref()
                            .map(|b| b.span())
                            .unwrap_or(r.name.span()),
                        field("core_right_price"),
                        "buying rights needs their price: core_right_price = amount per core",
                    ));
                }
                None => 0.0,
            };
            out.push(ServerPricing {
                server: id,
                installed,
                rights,
                rights_bought: bought,
                core_right_price,
                capex,
                power,
                ticap,
                ppu,
                group,
            });
        }
        let mut groups = Vec::with_capacity(raw.gicap.len());
        for (g, rg) in raw.gicap.iter().enumerate() {
            let r = rg.get_ref();
            let gname = r.name.get_ref();
            let field = |f: &str| format!("gicap[{g}] ({gname}).{f}");
            let members: Vec<usize> = (0..out.len())
                .filter(|&k| out[k].group == Some(g))
                .collect();
            let active: u64 = members
                .iter()
                .map(|&k| nodes[out[k].server.0 as usize].cores as u64)
                .sum();
            let rights: u64 = members.iter().map(|&k| out[k].rights as u64).sum();
            let unlicensed: u64 = members
                .iter()
                .map(|&k| (out[k].installed - out[k].rights.min(out[k].installed)) as u64)
                .sum();
            // Sharing rights for every core without a usage right [I13].
            if (*r.sharing_rights.get_ref() as u64) < unlicensed {
                return Err(self.err(r.sharing_rights.span(), field("sharing_rights"), format!("{} sharing rights for {unlicensed} cores without usage rights in the group; expected at least {unlicensed}", r.sharing_rights.get_ref())));
            }
            let ticap = match &r.ticap {
                Some(t) => Some(self.ticap_config(t, &field("ticap"))?),
                None => None,
            };
            if active > rights && ticap.is_none() {
                return Err(self.err(r.name.span(), field("ticap"), format!("the members run {active} active cores on {rights} usage rights; buy rights or give the group a ticap balance")));
            }
            groups.push(GicapGroup {
                name: gname.clone(),
                members,
                sharing_rights: *r.sharing_rights.get_ref(),
                ticap,
            });
        }
        Ok((out, groups))
    }

    /// A Temporary Instant Capacity balance (a server's or a GiCAP group's): amounts ≥ 0,
    /// warnings 15 days ahead by default [I10a].
    fn ticap_config(&self, t: &Spanned<RawTicap>, field: &str) -> Result<TicapConfig, Error> {
        let v = t.get_ref();
        let warn_days = v.warn_days.unwrap_or(15.0);
        if v.balance_core_minutes.is_none() && v.blocks.is_none() {
            return Err(self.err(
                t.span(),
                field.to_string(),
                "no balance; expected `balance_core_minutes` (a balance held, paid when used) or `blocks` (30-core-day blocks bought at `price_per_block`)",
            ));
        }
        let price_per_block = v.price_per_block.unwrap_or(0.0);
        for (f, x, what) in [
            (
                "balance_core_minutes",
                v.balance_core_minutes.unwrap_or(0.0),
                "a number of core-minutes ≥ 0",
            ),
            ("price_per_core_day", v.price_per_core_day, "an amount ≥ 0"),
            ("price_per_block", price_per_block, "an amount ≥ 0"),
            ("warn_days", warn_days, "a number of days ≥ 0"),
        ] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(self.err(
                    t.span(),
                    format!("{field}.{f}"),
                    format!("{}; expected {what}", num(x)),
                ));
            }
        }
        let blocks = v.blocks.unwrap_or(0);
        if blocks > 1_000_000 {
            return Err(self.err(
                t.span(),
                format!("{field}.blocks"),
                format!("{blocks}; expected at most 1,000,000 blocks of 30 core-days"),
            ));
        }
        if v.price_per_block.is_some() && v.blocks.is_none() {
            return Err(self.err(
                t.span(),
                format!("{field}.price_per_block"),
                "a price per block without `blocks`; say how many 30-core-day blocks are bought",
            ));
        }
        let expires_ms = match v.expires {
            None => None,
            Some(_) if blocks == 0 => {
                return Err(self.err(
                    t.span(),
                    format!("{field}.expires"),
                    "an expiry without blocks; only bought `blocks` expire (a held balance never does)",
                ));
            }
            Some(d) if d.ms() == 0 => {
                return Err(self.err(
                    t.span(),
                    format!("{field}.expires"),
                    "0; expected a duration > 0 after the start",
                ));
            }
            Some(d) => Some(d.ms()),
        };
        Ok(TicapConfig {
            balance_core_min: v.balance_core_minutes.unwrap_or(0.0),
            price_per_core_day: v.price_per_core_day,
            warn_days,
            blocks,
            price_per_block,
            expires_ms,
        })
    }

    /// `[energy]`: the PUE (here or in `[costs]`, not both) and the grid's carbon intensity.
    fn compile_energy(
        &self,
        raw: &RawScenario,
        horizon_ms: u64,
        timeseries: bool,
        costs: &mut Costs,
    ) -> Result<(), Error> {
        use crate::licensing::carbon::Intensity;
        let Some(re) = &raw.energy else {
            return Ok(());
        };
        let r = re.get_ref();
        if let Some(p) = &r.pue {
            if raw
                .costs
                .as_ref()
                .is_some_and(|c| c.get_ref().pue.is_some())
            {
                return Err(self.err(
                    p.span(),
                    "energy.pue",
                    "the PUE is given in `[costs]` too; keep one (`[energy] pue`)",
                ));
            }
            let v = *p.get_ref();
            if !(v.is_finite() && (1.0..=10.0).contains(&v)) {
                return Err(self.err(
                    p.span(),
                    "energy.pue",
                    format!(
                        "{}; expected a power usage effectiveness from 1 to 10",
                        num(v)
                    ),
                ));
            }
            costs.pue = v;
        }
        let Some(ci) = &r.carbon_intensity else {
            return Ok(());
        };
        let check = |v: f64| v.is_finite() && (0.0..=10_000.0).contains(&v);
        costs.carbon = Some(match ci.get_ref() {
            RawIntensity::Constant(v) => {
                if !check(*v) {
                    return Err(self.err(
                        ci.span(),
                        "energy.carbon_intensity",
                        format!("{}; expected gCO2 per kWh from 0 to 10,000", num(*v)),
                    ));
                }
                Intensity::Constant(*v)
            }
            RawIntensity::Trace(t) => {
                let field = "energy.carbon_intensity";
                if !timeseries {
                    return Err(self.err(
                        ci.span(),
                        field,
                        "an intensity trace needs the time series (each server's energy hour by hour); remove `[report] timeseries = false` or give a constant",
                    ));
                }
                let column = t.column.as_deref().unwrap_or("carbon_intensity");
                let series = self.metric_series(
                    &t.trace,
                    column,
                    t.step,
                    ci.span(),
                    format!("{field}.column"),
                    "carbon_intensity",
                )?;
                let values: Vec<f64> = series.cpu.iter().map(|&v| f64::from(v)).collect();
                if let Some(v) = values.iter().find(|v| !check(**v)) {
                    return Err(self.err(
                        ci.span(),
                        format!("{field}.trace"),
                        format!(
                            "`{}` holds {}; expected gCO2 per kWh from 0 to 10,000",
                            t.trace,
                            num(*v)
                        ),
                    ));
                }
                let covers = (values.len() as u64).saturating_mul(series.step_ms);
                if !t.repeat && covers < horizon_ms {
                    return Err(self.err(
                        ci.span(),
                        format!("{field}.trace"),
                        format!(
                            "`{}` covers {} of the {} horizon; give a longer trace or `repeat = true`",
                            t.trace,
                            super::Duration(covers),
                            super::Duration(horizon_ms)
                        ),
                    ));
                }
                Intensity::Steps {
                    step_ms: series.step_ms,
                    values,
                    repeat: t.repeat,
                }
            }
        });
        Ok(())
    }

    fn compile_costs(
        &self,
        raw: &RawScenario,
        index: &HashMap<String, NodeId>,
        nodes: &[Node],
    ) -> Result<Costs, Error> {
        let mut costs = Costs::default();
        let Some(rc) = &raw.costs else {
            return Ok(costs);
        };
        let r = rc.get_ref();
        costs.currency = r.currency.clone();
        if let Some(p) = &r.price_per_kwh {
            let v = *p.get_ref();
            if !(v.is_finite() && v >= 0.0) {
                return Err(self.err(p.span(), "costs.price_per_kwh", "expected an amount ≥ 0"));
            }
            costs.price_per_kwh = v;
        }
        if let Some(p) = &r.pue {
            let v = *p.get_ref();
            if !(v.is_finite() && (1.0..=10.0).contains(&v)) {
                return Err(self.err(
                    p.span(),
                    "costs.pue",
                    format!("{v}; expected a power usage effectiveness from 1 to 10"),
                ));
            }
            costs.pue = v;
        }
        for (k, sw) in r.software.iter().enumerate() {
            let sw = sw.get_ref();
            let price = *sw.per_core_year.get_ref();
            if !(price.is_finite() && price >= 0.0) {
                return Err(self.err(
                    sw.per_core_year.span(),
                    format!("costs.software[{k}] ({}).per_core_year", sw.name),
                    "expected an amount ≥ 0",
                ));
            }
            let servers = match &sw.servers {
                None => nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.parent.is_none())
                    .map(|(i, _)| NodeId(i as u32))
                    .collect(),
                Some(list) => {
                    let mut ids = Vec::new();
                    for s in list {
                        match index.get(s.get_ref().as_str()) {
                            Some(&id) if nodes[id.0 as usize].parent.is_none() => ids.push(id),
                            _ => {
                                return Err(self.err(
                                    s.span(),
                                    format!("costs.software[{k}] ({}).servers", sw.name),
                                    format!("`{}` is not a server", s.get_ref()),
                                ));
                            }
                        }
                    }
                    ids
                }
            };
            let field = |f: &str| format!("costs.software[{k}] ({}).{f}", sw.name);
            let rule = match sw.rule.as_ref().map(|r| *r.get_ref()) {
                None | Some(RawLicenceRule::ServerCores) => LicenceRule::ServerCores,
                Some(RawLicenceRule::PartitionCores) => LicenceRule::PartitionCores,
                Some(RawLicenceRule::Vcpus) => LicenceRule::Vcpus,
                Some(RawLicenceRule::OsInstance) => LicenceRule::OsInstance,
            };
            // Where it runs: named partitions, the partitions of named workloads, or servers.
            let mut places: Vec<NodeId> = Vec::new();
            for (list, what) in [(&sw.partitions, "partitions"), (&sw.workloads, "workloads")] {
                let Some(list) = list else { continue };
                if sw.servers.is_some() {
                    return Err(self.err(
                        list.first().map_or(rc.span(), |x| x.span()),
                        field(what),
                        "`servers` is given too; say where it runs one way (servers, partitions or workloads)",
                    ));
                }
                for x in list {
                    let name = x.get_ref().as_str();
                    let found = if what == "partitions" {
                        index.get(name).copied()
                    } else {
                        raw.workloads
                            .iter()
                            .find(|w| w.get_ref().name.get_ref() == name)
                            .and_then(|w| {
                                index.get(w.get_ref().partition.get_ref().as_str()).copied()
                            })
                    };
                    match found {
                        Some(id) => places.push(id),
                        None => {
                            return Err(self.err(
                                x.span(),
                                field(what),
                                format!("`{name}` is not one of the scenario's {what}"),
                            ));
                        }
                    }
                }
            }
            if places.is_empty() {
                places = servers.clone();
            }
            let up = |mut id: NodeId, ok: &dyn Fn(NodeKind) -> bool| -> Option<NodeId> {
                loop {
                    let n = &nodes[id.0 as usize];
                    if ok(n.kind) {
                        return Some(id);
                    }
                    id = n.parent?;
                }
            };
            let mut instances: Vec<NodeId> = Vec::new();
            for &p in &places {
                let inst = match rule {
                    LicenceRule::ServerCores => Some(nodes[p.0 as usize].server),
                    LicenceRule::PartitionCores => up(p, &|k| {
                        matches!(k, NodeKind::Npar | NodeKind::Vpar | NodeKind::Server)
                    }),
                    LicenceRule::Vcpus => up(p, &|k| k == NodeKind::Vm),
                    LicenceRule::OsInstance => {
                        up(p, &|k| !matches!(k, NodeKind::Fss | NodeKind::Pset))
                    }
                };
                let Some(inst) = inst else {
                    let span = sw.rule.as_ref().map_or(rc.span(), |r| r.span());
                    return Err(self.err(
                        span,
                        field("rule"),
                        format!(
                            "`vcpus` counts VM guests' vCPUs, but `{}` is not in a VM guest; use `partition_cores` or `os_instance`",
                            nodes[p.0 as usize].name
                        ),
                    ));
                };
                if !instances.contains(&inst) {
                    instances.push(inst);
                }
            }
            // Core factor per server model.
            let mut factor_of = std::collections::BTreeMap::new();
            if let Some(cf) = &sw.core_factor {
                for (model, &f) in cf.get_ref() {
                    if !(f.is_finite() && f > 0.0 && f <= 10.0) {
                        return Err(self.err(
                            cf.span(),
                            field(&format!("core_factor.{model}")),
                            format!("{}; expected a factor above 0, at most 10", num(f)),
                        ));
                    }
                    let known = raw
                        .servers
                        .iter()
                        .any(|s| s.get_ref().model.as_deref() == Some(model.as_str()))
                        || raw
                            .server_models
                            .iter()
                            .any(|m| m.get_ref().name.get_ref() == model);
                    if !known {
                        return Err(self.err(
                            cf.span(),
                            field(&format!("core_factor.{model}")),
                            format!(
                                "`{model}` is no server's `model` nor a [[server_models]] name"
                            ),
                        ));
                    }
                    factor_of.insert(model.clone(), f);
                }
            }
            let factors = instances
                .iter()
                .map(|i| {
                    let server = nodes[i.0 as usize].server;
                    let name = &nodes[server.0 as usize].name;
                    raw.servers
                        .iter()
                        .find(|s| s.get_ref().name.get_ref() == name)
                        .and_then(|s| s.get_ref().model.as_ref())
                        .and_then(|m| factor_of.get(m).copied())
                        .unwrap_or(1.0)
                })
                .collect();
            costs.software.push(Software {
                name: sw.name.clone(),
                per_core_year: price,
                servers,
                rule,
                count: match sw.count {
                    Some(RawLicenceCount::Peak) => LicenceCount::Peak,
                    _ => LicenceCount::Average,
                },
                instances,
                factors,
            });
        }
        Ok(costs)
    }

    /// wlmpard: a domain over the partitions of `domain` that run WLM instances, each asking
    /// for the total its WLM requested at its last interval, at the priority of its most
    /// important SLO. (WLM's own arbiter splits a partition's request by priority; here the
    /// whole request competes at its best priority.)
    fn compile_arbiters(
        &self,
        raw: &RawScenario,
        nodes: &mut [Node],
        index: &HashMap<String, NodeId>,
        wlm: &[policy::WlmInstance],
        domains: &mut Vec<Domain>,
    ) -> Result<(), Error> {
        let latencies = self.latencies(raw)?;
        for (k, ra) in raw.wlm_arbiters.iter().enumerate() {
            let r = ra.get_ref();
            let dname = r.domain.get_ref();
            let field = |f: &str| format!("wlm_arbiters[{k}] ({dname}).{f}");
            let Some(&dnode) = index.get(dname.as_str()) else {
                return Err(self.err(r.domain.span(), field("domain"), format!("unknown domain `{dname}`; expected the nPar or server whose partitions run WLM")));
            };
            if domains.iter().any(|d| d.node == dnode) {
                return Err(self.err(
                    r.domain.span(),
                    field("domain"),
                    format!(
                        "`{dname}` is already a gWLM domain; one manager per set of compartments"
                    ),
                ));
            }
            let mut members = Vec::new();
            let mut sources = Vec::new();
            let mut comps = Vec::new();
            for (wi, w) in wlm.iter().enumerate() {
                if nodes[w.host.0 as usize].parent == Some(dnode) {
                    let n = &nodes[w.host.0 as usize];
                    if !matches!(n.kind, NodeKind::Vpar | NodeKind::Npar) {
                        return Err(self.err(r.domain.span(), field("domain"), format!("WLM's arbiter moves whole cores between vPars or nPars; `{}` is a {}", n.name, n.kind.as_str())));
                    }
                    let priority = w.slos.iter().map(|s| s.priority).min().unwrap_or(1);
                    members.push(w.host);
                    sources.push(Some(wi));
                    comps.push(gwlm::Compartment {
                        policy: gwlm::Policy::Custom {
                            min: n.min_cores,
                            max: n.max_cores,
                        },
                        priority,
                        weight: 1.0,
                    });
                }
            }
            if members.is_empty() {
                return Err(self.err(
                    r.domain.span(),
                    field("domain"),
                    format!("no partition of `{dname}` runs a WLM ([[wlm]] host)"),
                ));
            }
            let interval_ms = match &r.interval {
                Some(i) if i.get_ref().ms() == 0 => {
                    return Err(self.err(
                        i.span(),
                        field("interval"),
                        "expected a positive duration",
                    ));
                }
                Some(i) => i.get_ref().ms(),
                None => policy::DEFAULT_ARBITER_INTERVAL_MS,
            };
            let slowest = sources
                .iter()
                .flatten()
                .map(|&w| wlm[w].interval_ms)
                .max()
                .unwrap_or(0);
            if interval_ms <= slowest {
                let span = r
                    .interval
                    .as_ref()
                    .map(|i| i.span())
                    .unwrap_or(r.domain.span());
                return Err(self.err(
                    span,
                    field("interval"),
                    format!(
                        "{} must exceed the largest wlm_interval under it ({}) [W384]",
                        super::Duration(interval_ms),
                        super::Duration(slowest)
                    ),
                ));
            }
            let class = nodes[members[0].0 as usize].kind;
            if members.iter().any(|m| nodes[m.0 as usize].kind != class) {
                return Err(self.err(
                    r.domain.span(),
                    field("domain"),
                    "the partitions under one arbiter are all vPars or all nPars",
                ));
            }
            let (capacity, available) = shared_capacity(nodes, dnode, &members, class);
            gwlm::check_deploy(available, &comps, gwlm::Granularity::WholeCores).map_err(|m| {
                self.err(
                    r.domain.span(),
                    field("domain"),
                    format!("cannot deploy on {available} cores: {m}"),
                )
            })?;
            let latency_ms = if class == NodeKind::Npar {
                latencies.npar_ms
            } else {
                latencies.vpar_ms
            };
            if latency_ms >= interval_ms {
                return Err(self.err(
                    r.domain.span(),
                    field("interval"),
                    "the interval must exceed the reallocation latency",
                ));
            }
            // Managed partitions can hold up to their own maximum.
            for m in &members {
                let node = &mut nodes[m.0 as usize];
                node.nominal = node.max_cores * node.speed;
            }
            let n = members.len();
            domains.push(Domain {
                node: dnode,
                members,
                compartments: comps,
                policy_names: vec!["wlm"; n],
                interval_ms,
                latency_ms,
                advisory: false,
                granularity: gwlm::Granularity::WholeCores,
                capacity,
                metrics: vec![None; n],
                conditions: vec![None; n],
                wlm_sources: sources,
                ticap: None,
            });
        }
        domains.sort_by_key(|d| d.node);
        Ok(())
    }

    /// WLM instances: the host's children are all PRM groups and all managed; SLOs name
    /// groups; the configuration passes WLM's own checks against the host's cores.
    fn compile_wlm(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        index: &HashMap<String, NodeId>,
        domains: &[Domain],
    ) -> Result<Vec<policy::WlmInstance>, Error> {
        use policy::wlm;
        let mut out = Vec::with_capacity(raw.wlm.len());
        let mut hosts: HashMap<NodeId, usize> = HashMap::new();
        for (k, rw) in raw.wlm.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let r = rw.get_ref();
                let hname = r.host.get_ref();
                let field = |f: &str| format!("wlm[{k}] ({hname}).{f}");
                let Some(&host) = index.get(hname.as_str()) else {
                    return Err(self.err(r.host.span(), field("host"), format!("unknown host `{hname}`; expected the server or partition whose OS runs the PRM groups")));
                };
                if let Some(prev) = hosts.insert(host, k) {
                    return Err(self.err(
                        r.host.span(),
                        field("host"),
                        format!("`{hname}` already has a WLM (wlm[{prev}]); one WLM runs per OS"),
                    ));
                }
                let members: Vec<NodeId> = (0..nodes.len())
                    .filter(|&i| nodes[i].parent == Some(host))
                    .map(|i| NodeId(i as u32))
                    .collect();
                if members.is_empty()
                    || members.iter().any(|m| {
                        !matches!(nodes[m.0 as usize].kind, NodeKind::Fss | NodeKind::Pset)
                    })
                {
                    return Err(self.err(
                    r.host.span(),
                    field("host"),
                    format!(
                        "`{hname}` has no PRM groups; a WLM manages the `srp` children of its host"
                    ),
                ));
                }
                if domains.iter().any(|d| d.node == host) {
                    return Err(self.err(
                    r.host.span(),
                    field("host"),
                    format!(
                        "`{hname}` is already a gWLM domain; one manager per set of compartments"
                    ),
                ));
                }
                let interval_ms = match &r.interval {
                    Some(i) if !(1000..=86_400_000).contains(&i.get_ref().ms()) => {
                        return Err(self.err(
                            i.span(),
                            field("interval"),
                            "expected 1 s to 1 day (wlm_interval)",
                        ));
                    }
                    Some(i) => i.get_ref().ms(),
                    None => policy::DEFAULT_WLM_INTERVAL_MS,
                };
                let group_of = |name: &Spanned<String>, f: String| -> Result<usize, Error> {
                    members
                        .iter()
                        .position(|m| nodes[m.0 as usize].name == *name.get_ref())
                        .ok_or_else(|| {
                            self.err(
                                name.span(),
                                f,
                                format!("`{}` is not a PRM group of `{hname}`", name.get_ref()),
                            )
                        })
                };
                let mut groups: Vec<wlm::Group> = members
                    .iter()
                    .map(|m| {
                        let n = &nodes[m.0 as usize];
                        let pset = n.kind == NodeKind::Pset;
                        wlm::Group {
                            gmincpu: if pset { 1.0 } else { wlm::IDLE_MIN },
                            gmaxcpu: None,
                            weight: 1.0,
                            pset,
                        }
                    })
                    .collect();
                for (gi, rg) in r.groups.iter().enumerate() {
                    let rg = rg.get_ref();
                    let g = group_of(&rg.group, format!("wlm[{k}] ({hname}).groups[{gi}].group"))?;
                    let num = |v: &Option<Spanned<f64>>, f: &str| -> Result<Option<f64>, Error> {
                        match v {
                            Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
                                Err(self.err(
                                    x.span(),
                                    format!("wlm[{k}] ({hname}).groups[{gi}].{f}"),
                                    "expected a number of cores ≥ 0",
                                ))
                            }
                            Some(x) => Ok(Some(*x.get_ref())),
                            None => Ok(None),
                        }
                    };
                    if let Some(v) = num(&rg.gmincpu, "gmincpu")? {
                        groups[g].gmincpu = v;
                    }
                    groups[g].gmaxcpu = num(&rg.gmaxcpu, "gmaxcpu")?;
                    if let Some(w) = num(&rg.weight, "weight")? {
                        groups[g].weight = w;
                    }
                    if let (Some(lo), Some(hi)) = (&rg.gmincpu, groups[g].gmaxcpu)
                        && *lo.get_ref() > hi
                    {
                        return Err(self.err(
                            lo.span(),
                            format!("wlm[{k}] ({hname}).groups[{gi}].gmincpu"),
                            format!(
                                "gmincpu {} is above gmaxcpu {hi}; expected gmincpu ≤ gmaxcpu",
                                lo.get_ref()
                            ),
                        ));
                    }
                }
                let mut slos = Vec::new();
                let mut names = Vec::new();
                let mut metrics = Vec::new();
                let mut windows = Vec::new();
                for (si, rs) in r.slo.iter().enumerate() {
                    let rs = rs.get_ref();
                    let sname = rs.name.get_ref();
                    let sfield = |f: &str| format!("wlm[{k}] ({hname}).slo[{si}] ({sname}).{f}");
                    let g = group_of(&rs.group, sfield("group"))?;
                    let opt = |v: &Option<Spanned<f64>>, f: &str| -> Result<Option<f64>, Error> {
                        match v {
                            Some(x) if !(x.get_ref().is_finite() && *x.get_ref() >= 0.0) => {
                                Err(self.err(x.span(), sfield(f), "expected a number ≥ 0"))
                            }
                            Some(x) => Ok(Some(*x.get_ref())),
                            None => Ok(None),
                        }
                    };
                    let (goal, metric) = match (&rs.goal, &rs.cpushares) {
                        (Some(_), Some(c)) => {
                            return Err(self.err(
                                c.span(),
                                sfield("cpushares"),
                                "an SLO has a goal or cpushares, not both [W204]",
                            ));
                        }
                        (None, Some(c)) => {
                            let c = c.get_ref();
                            (
                                wlm::Goal::Shares {
                                    cores: c.cores,
                                    additive: c.mode == RawSharesMode::More,
                                },
                                policy::SloMetric::None,
                            )
                        }
                        (None, None) => (wlm::Goal::None, policy::SloMetric::None),
                        (Some(goal), None) => match goal.get_ref() {
                            RawGoal::Usage { low, high } => {
                                (wlm::Goal::usage(*low, *high), policy::SloMetric::None)
                            }
                            RawGoal::Metric {
                                below,
                                above,
                                trace,
                                column,
                                step,
                            } => {
                                let (below, value) = match (below, above) {
                                    (Some(v), None) => (true, *v),
                                    (None, Some(v)) => (false, *v),
                                    _ => {
                                        return Err(self.err(
                                            goal.span(),
                                            sfield("goal"),
                                            "a metric goal has exactly one of `below` and `above`",
                                        ));
                                    }
                                };
                                let series = self.metric_series(
                                    trace,
                                    column.as_deref().unwrap_or(sname),
                                    *step,
                                    goal.span(),
                                    sfield("goal.column"),
                                    sname,
                                )?;
                                (
                                    wlm::Goal::Metric { below, value },
                                    policy::SloMetric::Trace(series),
                                )
                            }
                            RawGoal::ResponseTime {
                                below,
                                service_time,
                            } => {
                                if !(below.is_finite() && *below > 0.0) || service_time.ms() == 0 {
                                    return Err(self.err(
                                        goal.span(),
                                        sfield("goal"),
                                        "expected a positive `below` [s] and `service_time`",
                                    ));
                                }
                                (
                                    wlm::Goal::Metric {
                                        below: true,
                                        value: *below,
                                    },
                                    policy::SloMetric::ResponseTime {
                                        service_s: service_time.ms() as f64 / 1000.0,
                                    },
                                )
                            }
                        },
                    };
                    let priority = match &rs.priority {
                        Some(p) if *p.get_ref() == 0 => {
                            return Err(self.err(
                                p.span(),
                                sfield("priority"),
                                "expected 1 (highest) or more",
                            ));
                        }
                        Some(p) => *p.get_ref(),
                        None => 1,
                    };
                    let margin = opt(&rs.margin, "margin")?.unwrap_or(wlm::DEFAULT_MARGIN);
                    if margin > 1.0 {
                        return Err(self.err(
                            rs.margin
                                .as_ref()
                                .map(|m| m.span())
                                .unwrap_or(rs.name.span()),
                            sfield("margin"),
                            "expected cntl_margin from 0 to 1",
                        ));
                    }
                    if let Some(w) = &rs.weight {
                        // WLM's weight belongs to the group [W179]; an SLO's weight sets its group's.
                        let v = *w.get_ref();
                        if !(v.is_finite() && v > 0.0) {
                            return Err(self.err(
                                w.span(),
                                sfield("weight"),
                                "expected a positive weight",
                            ));
                        }
                        groups[g].weight = v;
                    }
                    let (mincpu, maxcpu) = (opt(&rs.mincpu, "mincpu")?, opt(&rs.maxcpu, "maxcpu")?);
                    if let (Some(lo), Some(hi), Some(at)) = (mincpu, maxcpu, &rs.mincpu)
                        && lo > hi
                    {
                        return Err(self.err(
                            at.span(),
                            sfield("mincpu"),
                            format!("mincpu {lo} is above maxcpu {hi}; expected mincpu ≤ maxcpu"),
                        ));
                    }
                    slos.push(wlm::Slo {
                        group: g,
                        priority,
                        goal,
                        mincpu,
                        maxcpu,
                        margin,
                    });
                    names.push(sname.clone());
                    metrics.push(metric);
                    windows.push(match (&rs.condition, &rs.package) {
                    (Some(_), Some(p)) => {
                        return Err(self.err(
                            p.span(),
                            sfield("package"),
                            "an SLO has one condition: a window (`condition`) or a package (`package`), not both",
                        ));
                    }
                    (Some(w), None) => Some(policy::When::Window(self.window(
                        w.get_ref(),
                        w.span(),
                        &sfield("condition"),
                    )?)),
                    (None, Some(p)) => match self.packages.iter().position(|n| n == p.get_ref()) {
                        Some(k) => Some(policy::When::Package(k as u32)),
                        None => {
                            return Err(self.err(
                                p.span(),
                                sfield("package"),
                                format!("no package is named `{}`; expected one of the [[packages]]", p.get_ref()),
                            ));
                        }
                    },
                    (None, None) => None,
                });
                }
                let controller = match (&r.kp, &r.convergence_rate) {
                    (Some(_), Some(c)) if *c.get_ref() != 0.0 => {
                        wlm::Controller::ConvergenceRate(*c.get_ref())
                    }
                    (_, Some(c)) if *c.get_ref() != 0.0 => {
                        wlm::Controller::ConvergenceRate(*c.get_ref())
                    }
                    (Some(kp), _) => wlm::Controller::Kp(*kp.get_ref()),
                    _ => wlm::Controller::Kp(wlm::DEFAULT_KP),
                };
                let others = match &r.others {
                    Some(o) => Some(group_of(o, field("others"))?),
                    None => None,
                };
                let mut config = wlm::Config {
                    controller,
                    distribute_excess: r.distribute_excess,
                    others,
                    ..wlm::Config::default()
                };
                if r.extended_shares {
                    config = config.extended_shares();
                }
                let capacity = nodes[host.0 as usize].cores as f64;
                wlm::check(&groups, &slos, capacity, &config)
                    .map_err(|m| self.err(r.host.span(), field("slo"), m))?;
                out.push(policy::WlmInstance {
                    host,
                    members,
                    groups,
                    slos,
                    slo_names: names,
                    slo_metrics: metrics,
                    slo_windows: windows,
                    interval_ms,
                    config,
                });
                Ok(())
            })();
            self.keep(result);
        }
        Ok(out)
    }

    fn latencies(&self, raw: &RawScenario) -> Result<Latencies, Error> {
        let mut l = Latencies::default();
        let Some(m) = &raw.managers else { return Ok(l) };
        let Some(lat) = &m.get_ref().latency else {
            return Ok(l);
        };
        let lat = lat.get_ref();
        for (v, slot) in [
            (&lat.npar, &mut l.npar_ms),
            (&lat.vpar, &mut l.vpar_ms),
            (&lat.vm, &mut l.vm_ms),
            (&lat.srp, &mut l.srp_ms),
        ] {
            if let Some(v) = v {
                *slot = v.get_ref().ms();
            }
        }
        Ok(l)
    }

    /// gWLM domains: members are children of the domain node, each in one domain, all of one
    /// kind; policies fit the members' own limits and the domain (deploy fails otherwise [G40]).
    fn compile_domains(
        &self,
        raw: &RawScenario,
        nodes: &mut [Node],
        index: &HashMap<String, NodeId>,
    ) -> Result<Vec<Domain>, Error> {
        let latencies = self.latencies(raw)?;
        let mut owner: HashMap<NodeId, usize> = HashMap::new();
        let mut domains = Vec::with_capacity(raw.policies.len());
        for (d, rd) in raw.policies.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let r = rd.get_ref();
                let dname = r.domain.get_ref();
                let field = |f: &str| format!("policies[{d}] ({dname}).{f}");
                let Some(&dnode) = index.get(dname.as_str()) else {
                    return Err(self.err(r.domain.span(), field("domain"), format!("unknown domain `{dname}`; expected the server or partition whose children share its cores")));
                };
                let interval_ms = match &r.interval {
                    Some(i) if i.get_ref().ms() == 0 => {
                        return Err(self.err(
                            i.span(),
                            field("interval"),
                            "expected a positive duration",
                        ));
                    }
                    Some(i) => i.get_ref().ms(),
                    None => policy::DEFAULT_INTERVAL_MS,
                };
                if r.compartments.is_empty() {
                    return Err(self.err(
                        rd.span(),
                        field("compartments"),
                        "a domain needs at least one compartment",
                    ));
                }
                let mut members = Vec::new();
                let mut comps = Vec::new();
                let mut names = Vec::new();
                let mut metrics = Vec::new();
                let mut conditions: Vec<Option<policy::Condition>> = Vec::new();
                let mut policy_spans: Vec<(Range<usize>, String)> = Vec::new();
                let mut kind = None;
                for (c, rc) in r.compartments.iter().enumerate() {
                    let rc = rc.get_ref();
                    let pname = rc.partition.get_ref();
                    let cfield = |f: &str| {
                        format!("policies[{d}] ({dname}).compartments[{c}] ({pname}).{f}")
                    };
                    let Some(&id) = index.get(pname.as_str()) else {
                        return Err(self.err(
                            rc.partition.span(),
                            cfield("partition"),
                            format!("unknown partition `{pname}`"),
                        ));
                    };
                    let node = &nodes[id.0 as usize];
                    if node.parent != Some(dnode) {
                        return Err(self.err(rc.partition.span(), cfield("partition"), format!("`{pname}` is not a child of the domain `{dname}`; a domain shares its own capacity among its children")));
                    }
                    if let Some(prev) = owner.insert(id, d) {
                        return Err(self.err(rc.partition.span(), cfield("partition"), format!("`{pname}` is already a compartment of policies[{prev}]; a compartment belongs to one domain")));
                    }
                    let class = match node.kind {
                        NodeKind::Pset | NodeKind::Fss => NodeKind::Fss,
                        k => k,
                    };
                    if let Some(k) = kind
                        && k != class
                    {
                        return Err(self.err(rc.partition.span(), cfield("partition"), "the compartments of one domain are all nPars, all vPars, all VMs or all PRM groups"));
                    }
                    kind = Some(class);
                    let pspan = rc.policy.span();
                    policy_spans.push((pspan.clone(), pname.clone()));
                    let prefix =
                        format!("policies[{d}] ({dname}).compartments[{c}] ({pname}).policy");
                    let (policy, name, metric, condition) =
                        self.compile_policy(rc.policy.get_ref(), pspan, &prefix, node, 0)?;
                    let priority = match &rc.priority {
                        Some(p) if *p.get_ref() == 0 => {
                            return Err(self.err(
                                p.span(),
                                cfield("priority"),
                                "expected 1 (highest) or more",
                            ));
                        }
                        Some(p) => *p.get_ref(),
                        None => 1,
                    };
                    let weight = match &rc.weight {
                        Some(w) if !(w.get_ref().is_finite() && *w.get_ref() > 0.0) => {
                            return Err(self.err(
                                w.span(),
                                cfield("weight"),
                                "expected a positive weight",
                            ));
                        }
                        Some(w) => *w.get_ref(),
                        None => gwlm::default_weight(&policy),
                    };
                    members.push(id);
                    metrics.push(metric);
                    conditions.push(condition);
                    comps.push(gwlm::Compartment {
                        policy,
                        priority,
                        weight,
                    });
                    names.push(name);
                }
                let class = kind.unwrap_or(NodeKind::Vpar);
                let (capacity, available) = shared_capacity(nodes, dnode, &members, class);
                let granularity = match class {
                    NodeKind::Npar | NodeKind::Vpar => gwlm::Granularity::WholeCores,
                    _ if members
                        .iter()
                        .all(|m| nodes[m.0 as usize].kind == NodeKind::Pset) =>
                    {
                        gwlm::Granularity::WholeCores
                    }
                    _ => gwlm::Granularity::Step(FSS_STEP_CORES),
                };
                let deploy_err = |m: String, when: &str, branch: &str| {
                    // "compartment i: …" names a compartment by its index; say its name, and point
                    // at its policy when the fault is its own rather than the domain's sum.
                    let (i, rest) = m
                        .strip_prefix("compartment ")
                        .and_then(|r| r.split_once(": "))
                        .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)))
                        .unwrap_or((usize::MAX, m.as_str()));
                    let Some((span, name)) = policy_spans.get(i) else {
                        return self.err(
                            r.domain.span(),
                            field("compartments"),
                            format!("cannot deploy on {available} cores{when}: {m}"),
                        );
                    };
                    match rest.split_once(&format!("of compartments 0..={i}")) {
                        Some((head, tail)) => {
                            let names: Vec<String> = policy_spans[..=i]
                                .iter()
                                .map(|(_, n)| format!("`{n}`"))
                                .collect();
                            self.err(
                            r.domain.span(),
                            field("compartments"),
                            format!(
                                "cannot deploy on {available} cores{when}: {head}of {}{tail} (first exceeded at `{name}`)",
                                names.join(", ")
                            ),
                        )
                        }
                        None => self.err(
                            span.clone(),
                            format!(
                                "policies[{d}] ({dname}).compartments[{i}] ({name}).policy{}",
                                if conditions.get(i).is_some_and(Option::is_some) {
                                    branch
                                } else {
                                    ""
                                }
                            ),
                            format!("{rest}{when}"),
                        ),
                    }
                };
                gwlm::check_deploy(available, &comps, granularity)
                    .map_err(|m| deploy_err(m, "", ".policy"))?;
                // Conditional policies must deploy in either state of their conditions: `comps`
                // holds their `policy` (the state while the condition holds), so check the
                // `otherwise` branch too, which the run switches to when the condition ends.
                if conditions.iter().any(Option::is_some) {
                    let outside: Vec<gwlm::Compartment> = comps
                        .iter()
                        .zip(&conditions)
                        .map(|(c, cond)| gwlm::Compartment {
                            policy: cond.map_or(c.policy, |k| k.outside),
                            ..*c
                        })
                        .collect();
                    gwlm::check_deploy(available, &outside, granularity).map_err(|m| {
                    deploy_err(
                        m,
                        " in the `otherwise` branch of a conditional policy (while its condition does not hold)",
                        ".otherwise",
                    )
                })?;
                }
                let latency_ms = match class {
                    NodeKind::Npar => latencies.npar_ms,
                    NodeKind::Vpar => latencies.vpar_ms,
                    NodeKind::Vm => latencies.vm_ms,
                    _ => latencies.srp_ms,
                };
                // gWLM's interval should be about twice a reallocation [GGI]; one decision must
                // take effect before the next is made.
                if latency_ms >= interval_ms {
                    let span = r
                        .interval
                        .as_ref()
                        .map(|i| i.span())
                        .unwrap_or(r.domain.span());
                    return Err(self.err(span, field("interval"), format!("the interval {} is not longer than the {} reallocation latency of these compartments; expected an interval above it (gWLM suggests about twice)", super::Duration(interval_ms), super::Duration(latency_ms))));
                }
                // A managed compartment can hold up to its policy's max: that is the capacity its
                // headroom is measured against.
                if r.mode == RawMode::Managed {
                    for (m, c) in members.iter().zip(&comps) {
                        let most = match c.policy {
                            gwlm::Policy::Fixed { cores } => cores,
                            gwlm::Policy::Utilization { max, .. }
                            | gwlm::Policy::OwnBorrow { max, .. }
                            | gwlm::Policy::Custom { max, .. } => max,
                        };
                        let node = &mut nodes[m.0 as usize];
                        node.nominal = most * node.speed;
                    }
                }
                domains.push(Domain {
                    node: dnode,
                    members,
                    compartments: comps,
                    policy_names: names,
                    wlm_sources: vec![None; metrics.len()],
                    ticap: None,
                    metrics,
                    conditions,
                    interval_ms,
                    latency_ms,
                    advisory: r.mode == RawMode::Advisory,
                    granularity,
                    capacity,
                });
                Ok(())
            })();
            self.keep(result);
        }
        // Outer domains first: an inner domain's capacity is its node's allocation, decided
        // by the outer one. Preorder of the domain node does that.
        domains.sort_by_key(|d| d.node);
        Ok(domains)
    }

    /// One compartment's policy, within what its partition allows. A conditional policy holds
    /// two plain ones (one level deep); its `policy` counts as the compartment's default.
    #[allow(clippy::type_complexity)]
    fn compile_policy(
        &self,
        raw: &RawPolicy,
        span: Range<usize>,
        prefix: &str,
        node: &Node,
        depth: u32,
    ) -> Result<
        (
            gwlm::Policy,
            &'static str,
            Option<Arc<Series>>,
            Option<policy::Condition>,
        ),
        Error,
    > {
        let (lo, hi) = (node.min_cores, node.max_cores);
        let field = |f: &str| format!("{prefix}.{f}");
        let in_range = |v: f64, f: &str| -> Result<f64, Error> {
            if !(v.is_finite() && v >= lo - 1e-9 && v <= hi + 1e-9) {
                return Err(self.err(
                    span.clone(),
                    field(f),
                    format!(
                        "{v} cores; `{}` ({}) can hold {lo} to {hi} cores",
                        node.name,
                        node.kind.as_str()
                    ),
                ));
            }
            Ok(v)
        };
        Ok(match raw {
            RawPolicy::Fixed { cores } => (
                gwlm::Policy::Fixed {
                    cores: in_range(*cores, "cores")?,
                },
                "fixed",
                None,
                None,
            ),
            RawPolicy::Utilization { target, min, max } => (
                gwlm::Policy::Utilization {
                    target: self.target(*target, span.clone(), field("target"))?,
                    min: in_range(*min, "min")?,
                    max: in_range(*max, "max")?,
                },
                "utilization",
                None,
                None,
            ),
            RawPolicy::OwnBorrow {
                owned,
                min,
                max,
                target,
            } => (
                gwlm::Policy::OwnBorrow {
                    owned: in_range(*owned, "owned")?,
                    min: in_range(*min, "min")?,
                    max: in_range(*max, "max")?,
                    target: match target {
                        Some(t) => self.target(*t, span.clone(), field("target"))?,
                        None => policy::DEFAULT_OWN_BORROW_TARGET,
                    },
                },
                "own_borrow",
                None,
                None,
            ),
            RawPolicy::Custom {
                min,
                max,
                trace,
                column,
                step,
            } => {
                let series = self.metric_series(
                    trace,
                    column.as_deref().unwrap_or(&node.name),
                    *step,
                    span.clone(),
                    field("column"),
                    &node.name,
                )?;
                (
                    gwlm::Policy::Custom {
                        min: in_range(*min, "min")?,
                        max: in_range(*max, "max")?,
                    },
                    "custom",
                    Some(series),
                    None,
                )
            }
            RawPolicy::Conditional {
                window,
                package,
                policy,
                otherwise,
            } => {
                if depth > 0 {
                    return Err(self.err(
                        span.clone(),
                        field("policy"),
                        "a conditional policy holds plain policies, not another conditional one",
                    ));
                }
                let when = match (window, package) {
                    (Some(w), None) => {
                        policy::When::Window(self.window(w, span.clone(), &field("window"))?)
                    }
                    (None, Some(p)) => {
                        match self.packages.iter().position(|n| n == p) {
                            Some(k) => policy::When::Package(k as u32),
                            None => {
                                return Err(self.err(
                                span.clone(),
                                field("package"),
                                format!("no package is named `{p}`; expected one of the [[packages]]"),
                            ));
                            }
                        }
                    }
                    _ => {
                        return Err(self.err(
                            span.clone(),
                            field("window"),
                            "a conditional policy needs `window` (a daily time window) or `package` (a Serviceguard package's presence), not both",
                        ));
                    }
                };
                let (inside, _, m1, _) =
                    self.compile_policy(policy, span.clone(), &field("policy"), node, 1)?;
                let (outside, _, m2, _) =
                    self.compile_policy(otherwise, span.clone(), &field("otherwise"), node, 1)?;
                (
                    inside,
                    "conditional",
                    m1.or(m2),
                    Some(policy::Condition {
                        when,
                        inside,
                        outside,
                    }),
                )
            }
        })
    }

    fn window(
        &self,
        w: &RawWindow,
        span: Range<usize>,
        field: &str,
    ) -> Result<policy::Window, Error> {
        let minutes = |t: &str, f: &str| -> Result<u32, Error> {
            let parsed = t.split_once(':').and_then(|(h, m)| {
                Some((h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?))
            });
            match parsed {
                Some((h, m)) if h < 24 && m < 60 => Ok(h * 60 + m),
                Some((24, 0)) => Ok(1440),
                _ => Err(self.err(
                    span.clone(),
                    format!("{field}.{f}"),
                    format!("`{t}`; expected a time of day \"HH:MM\" from 00:00 to 24:00"),
                )),
            }
        };
        let from_min = minutes(&w.from, "from")?;
        let to_min = minutes(&w.to, "to")?;
        if from_min == to_min {
            return Err(self.err(
                span,
                format!("{field}.to"),
                "the window is empty; expected `to` different from `from`",
            ));
        }
        let days = match w.days {
            RawDays::All => policy::Days::All,
            RawDays::Weekdays => policy::Days::Weekdays,
            RawDays::Weekends => policy::Days::Weekends,
        };
        Ok(policy::Window {
            from_min,
            to_min,
            days,
        })
    }

    /// A memory size [GiB], 0 when absent.
    /// The server a consolidation's size is counted in: the one `[report] target_server`
    /// names, else the largest (reference cores, then memory; the first of equals).
    /// `[scenario] start`: `"YYYY-MM-DD"` or a TOML date (`start = 2011-03-03`), without a
    /// time of day (time 0 is midnight).
    fn start_date(&self, header: &RawHeader) -> Result<Option<super::date::Date>, Error> {
        let Some(v) = &header.start else {
            return Ok(None);
        };
        let text = match v.get_ref() {
            toml::Value::String(t) => t.clone(),
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
            other => {
                return Err(self.err(
                    v.span(),
                    "scenario.start",
                    format!(
                        "{other}; expected the day of time 0 as \"YYYY-MM-DD\" (midnight of it), without a time"
                    ),
                ));
            }
        };
        super::date::Date::parse(&text)
            .map(Some)
            .map_err(|m| self.err(v.span(), "scenario.start", m))
    }

    fn target_server(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        index: &HashMap<String, NodeId>,
    ) -> Result<NodeId, Error> {
        let named = raw
            .report
            .as_ref()
            .and_then(|r| r.get_ref().target_server.as_ref());
        if let Some(name) = named {
            return match index.get(name.get_ref().as_str()) {
                Some(&id) if nodes[id.0 as usize].kind == NodeKind::Server => Ok(id),
                _ => Err(self.err(
                    name.span(),
                    "report.target_server",
                    format!(
                        "no server `{}`; expected the name of one of the [[servers]]",
                        name.get_ref()
                    ),
                )),
            };
        }
        let mut best = NodeId(0);
        for (i, n) in nodes.iter().enumerate() {
            let b = &nodes[best.0 as usize];
            if n.kind == NodeKind::Server && (n.nominal, n.memory_gb) > (b.nominal, b.memory_gb) {
                best = NodeId(i as u32);
            }
        }
        Ok(best)
    }

    /// An I/O bandwidth or demand [MB/s], if given.
    fn mbps(&self, v: &Option<Spanned<f64>>, field: String) -> Result<Option<f64>, Error> {
        match v {
            Some(m) if !(m.get_ref().is_finite() && (0.0..=MAX_MBPS).contains(m.get_ref())) => {
                Err(self.err(
                    m.span(),
                    field,
                    format!(
                        "{}; expected a bandwidth in MB/s ≥ 0 and at most 10,000,000 (10 TB/s), e.g. 400",
                        num(*m.get_ref())
                    ),
                ))
            }
            Some(m) => Ok(Some(*m.get_ref())),
            None => Ok(None),
        }
    }

    fn gib(&self, v: &Option<Spanned<f64>>, field: String) -> Result<f64, Error> {
        match v {
            Some(m) if !(m.get_ref().is_finite() && (0.0..=MAX_GIB).contains(m.get_ref())) => {
                Err(self.err(
                    m.span(),
                    field,
                    format!(
                        "{}; expected a number of GiB ≥ 0 and at most 1,048,576 (1 PiB)",
                        num(*m.get_ref())
                    ),
                ))
            }
            Some(m) => Ok(*m.get_ref()),
            None => Ok(0.0),
        }
    }

    /// One column of a native trace, read as a manager's metric (custom policies, metric goals).
    fn metric_series(
        &self,
        trace: &str,
        column: &str,
        step: Option<super::Duration>,
        span: Range<usize>,
        field: String,
        who: &str,
    ) -> Result<Arc<Series>, Error> {
        let path = resolve(self.file, trace);
        if !path.exists() {
            // The fault is the file `trace` names, not the column.
            let trace_field = match field.rsplit_once('.') {
                Some((head, _)) => format!("{head}.trace"),
                None => "trace".to_string(),
            };
            return Err(self.err(
                span,
                trace_field,
                format!(
                    "`{trace}`: no such file (looked for {}); trace paths are relative to the scenario's folder",
                    path.display()
                ),
            ));
        }
        let table = native::read(&path, step.map(|s| s.ms()))
            .map_err(|e| trace_err(e, who, self.file, line_col(self.text, span.start).0))?;
        match table.get(column) {
            Some(series) => Ok(Arc::new(series.clone())),
            None => Err(self.err(
                span,
                field,
                format!("`{trace}` has no column `{column}` for the metric"),
            )),
        }
    }

    fn target(&self, percent: f64, span: Range<usize>, field: String) -> Result<f64, Error> {
        if !(percent.is_finite() && percent > 0.0 && percent <= 100.0) {
            return Err(self.err(
                span,
                field,
                format!(
                    "{percent}; expected a utilization target in percent, above 0 and at most 100"
                ),
            ));
        }
        Ok(percent / 100.0)
    }

    fn compile_report(
        &self,
        raw: Option<&Spanned<RawReport>>,
        step: Option<Spanned<super::Duration>>,
        demand: &[Demand],
        horizon_ms: u64,
        entities: usize,
    ) -> Result<ReportOptions, Error> {
        let step_span = step.as_ref().map(|s| s.span());
        let mut options = ReportOptions {
            util_limit: DEFAULT_UTIL_LIMIT,
            memory_limit: DEFAULT_UTIL_LIMIT,
            disk_limit: DEFAULT_UTIL_LIMIT,
            network_limit: DEFAULT_UTIL_LIMIT,
            target_server: None,
            sizing_quantile: 1.0,
            growth: Growth::default(),
            workload_growth: Vec::new(),
            start: None,
            // The finest demand step, so that no sample is averaged away in the time series.
            step_ms: demand.iter().map(|d| d.step_ms).min().unwrap_or(300_000),
            interval_ms: DEFAULT_REPORT_INTERVAL_MS,
            timeseries: true,
            timeseries_csv: false,
        };
        let raw_span = raw.map(|r| r.span()).unwrap_or(0..0);
        let raw = match raw {
            Some(r) => r.get_ref(),
            None => &RawReport {
                util_limit: None,
                memory_limit: None,
                disk_limit: None,
                network_limit: None,
                target_server: None,
                sizing_percentile: None,
                growth: None,
                step: None,
                interval: None,
                timeseries: None,
                timeseries_csv: None,
            },
        };
        if let Some(limit) = &raw.util_limit {
            let v = *limit.get_ref();
            if !(v > 0.0 && v <= 1.0) {
                return Err(self.err(
                    limit.span(),
                    "report.util_limit",
                    format!("{v} is out of range; expected a fraction in (0, 1], e.g. 0.85"),
                ));
            }
            options.util_limit = v;
        }
        if let Some(p) = &raw.sizing_percentile {
            let v = *p.get_ref();
            if !(50.0..=100.0).contains(&v) {
                return Err(self.err(
                    p.span(),
                    "report.sizing_percentile",
                    format!(
                        "{v} is out of range; expected a percentile from 50 to 100 (100 = the peak)"
                    ),
                ));
            }
            options.sizing_quantile = v / 100.0;
        }
        if let Some(g) = &raw.growth {
            let v = g.get_ref();
            for (f, x) in [
                ("cpu", v.cpu),
                ("memory", v.memory),
                ("disk", v.disk),
                ("network", v.network),
            ] {
                if let RawRate::Given(x) = x
                    && !(x.is_finite() && x > -1.0 && x <= 100.0)
                {
                    return Err(self.err(
                        g.span(),
                        format!("report.growth.{f}"),
                        format!(
                            "{x}; expected a yearly growth as a fraction above -1 (0.2 = 20 %/year) or \"fit\""
                        ),
                    ));
                }
            }
            let horizon_ms = v.horizon.map_or(Growth::default().horizon_ms, |h| h.ms());
            if horizon_ms == 0 {
                return Err(self.err(
                    g.span(),
                    "report.growth.horizon",
                    "expected a positive duration",
                ));
            }
            let rate = |r: RawRate| match r {
                RawRate::Given(x) => Rate::Given(x),
                RawRate::Fit => Rate::Fit,
            };
            options.growth = Growth {
                cpu: rate(v.cpu),
                memory: rate(v.memory),
                disk: rate(v.disk),
                network: rate(v.network),
                compound: v.model != Some(RawGrowthModel::Linear),
                model_given: v.model.is_some(),
                horizon_ms,
            };
        }
        for (limit, name, slot) in [
            (&raw.memory_limit, "memory_limit", &mut options.memory_limit),
            (&raw.disk_limit, "disk_limit", &mut options.disk_limit),
            (
                &raw.network_limit,
                "network_limit",
                &mut options.network_limit,
            ),
        ] {
            if let Some(limit) = limit {
                let v = *limit.get_ref();
                if !(v > 0.0 && v <= 1.0) {
                    return Err(self.err(
                        limit.span(),
                        format!("report.{name}"),
                        format!("{v} is out of range; expected a fraction in (0, 1], e.g. 0.85"),
                    ));
                }
                *slot = v;
            }
        }
        let finest = options.step_ms;
        if let Some(step) = step {
            let ms = step.get_ref().ms();
            // Rows that end between demand samples would only cut segments in two; rows that
            // are multiples of the finest step never do.
            if ms == 0 || ms % finest != 0 {
                return Err(self.err(
                    step.span(),
                    "report.step",
                    format!(
                        "expected a multiple of the finest demand step ({})",
                        super::Duration(finest)
                    ),
                ));
            }
            options.step_ms = ms;
        }
        if let Some(interval) = &raw.interval {
            let ms = interval.get_ref().ms();
            if !(REPORT_INTERVAL_RANGE_MS.0..=REPORT_INTERVAL_RANGE_MS.1).contains(&ms) {
                return Err(self.err(
                    interval.span(),
                    "report.interval",
                    format!(
                        "{} is out of range; expected 1s to 1d (Capacity Advisor's data are 5-minute means: \"5m\")",
                        super::Duration(ms)
                    ),
                ));
            }
            options.interval_ms = ms;
        }
        options.timeseries = raw.timeseries.unwrap_or(true);
        options.timeseries_csv = raw.timeseries_csv.unwrap_or(false);
        if options.timeseries {
            let rows = horizon_ms
                .div_ceil(options.step_ms)
                .saturating_mul(entities as u64);
            if rows > MAX_TIMESERIES_ROWS {
                let span = step_span.unwrap_or(raw_span);
                return Err(self.err(
                    span,
                    "report.step",
                    format!("the time series would have {rows} rows (more than {MAX_TIMESERIES_ROWS}, kept in memory); set a longer `step` or `timeseries = false`"),
                ));
            }
        }
        Ok(options)
    }

    /// Servers and partitions into preorder nodes, with every limit of DOMAIN.md §1 checked.
    fn compile_tree(
        &self,
        raw: &RawScenario,
    ) -> Result<(Vec<Node>, HashMap<String, NodeId>), Error> {
        // Names are unique across servers and partitions: a parent is named without its kind.
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        let names = raw
            .servers
            .iter()
            .map(|s| (&s.get_ref().name, "servers"))
            .chain(
                raw.partitions
                    .iter()
                    .map(|p| (&p.get_ref().name, "partitions")),
            );
        for (name, table) in names {
            let n = name.get_ref().as_str();
            let result = (|| -> Result<(), Error> {
                if n.trim().is_empty() {
                    return Err(self.err(
                        name.span(),
                        format!("{table}.name"),
                        "expected a non-empty name",
                    ));
                }
                self.check_name(name, &format!("{table}.name"))?;
                Ok(())
            })();
            if self.keep(result).is_none() {
                continue;
            }
            if let Some(first) = seen.insert(n, name.span()) {
                let (line, _) = line_col(self.text, first.start);
                self.keep::<()>(Err(self.err(
                    name.span(),
                    format!("{table}.name"),
                    format!("`{n}` is already used on line {line}; server and partition names must be unique"),
                )));
            }
        }

        // Cycles and unknown parents first, so the kind checks below meet only real trees.
        let server_names: HashMap<&str, usize> = raw
            .servers
            .iter()
            .enumerate()
            .map(|(i, s)| (s.get_ref().name.get_ref().as_str(), i))
            .collect();
        let part_names: HashMap<&str, usize> = raw
            .partitions
            .iter()
            .enumerate()
            .map(|(i, p)| (p.get_ref().name.get_ref().as_str(), i))
            .collect();
        for (i, p) in raw.partitions.iter().enumerate() {
            let result = (|| -> Result<(), Error> {
                let p = p.get_ref();
                let mut chain = vec![p.name.get_ref().as_str()];
                let mut current = i;
                loop {
                    let parent = raw.partitions[current].get_ref().parent.get_ref().as_str();
                    if server_names.contains_key(parent) {
                        break;
                    }
                    let Some(&next) = part_names.get(parent) else {
                        let field = format!(
                            "partitions[{current}] ({}).parent",
                            raw.partitions[current].get_ref().name.get_ref()
                        );
                        return Err(self.err(
                        raw.partitions[current].get_ref().parent.span(),
                        field,
                        format!("unknown parent `{parent}`; expected the name of a server or of another partition"),
                    ));
                    };
                    chain.push(parent);
                    if next == i {
                        return Err(self.err(
                        p.parent.span(),
                        format!("partitions[{i}] ({}).parent", p.name.get_ref()),
                        format!("the partition tree has a cycle: {}; expected every chain of parents to end at a server", chain.join(" → ")),
                    ));
                    }
                    if chain.len() > raw.partitions.len() + 1 {
                        break; // a cycle not through `i`; it is reported for one of its members
                    }
                    current = next;
                }
                Ok(())
            })();
            self.keep(result);
        }
        // The tree below is built only from names that are unique and chains that end.
        self.checkpoint()?;

        // Children lists in scenario order.
        let mut server_children: Vec<Vec<usize>> = vec![Vec::new(); raw.servers.len()];
        let mut part_children: Vec<Vec<usize>> = vec![Vec::new(); raw.partitions.len()];
        for (i, p) in raw.partitions.iter().enumerate() {
            let parent = p.get_ref().parent.get_ref().as_str();
            if let Some(&s) = server_names.get(parent) {
                server_children[s].push(i);
            } else if let Some(&q) = part_names.get(parent) {
                part_children[q].push(i);
            }
        }

        let mut nodes = Vec::with_capacity(raw.servers.len() + raw.partitions.len());
        // The raw partition behind each node (servers: unused), for error spans.
        let mut raw_of: Vec<usize> = Vec::with_capacity(nodes.capacity());
        let mut index = HashMap::new();
        for (s, server) in raw.servers.iter().enumerate() {
            let server_id = NodeId(nodes.len() as u32);
            // A server or partition that fails is passed over with its subtree.
            let Some(mut root) = self.keep(self.compile_server(s, server)) else {
                continue;
            };
            root.server = server_id;
            index.insert(root.name.clone(), server_id);
            let cells_total = *server.get_ref().cells.get_ref();
            let speed = root.nominal / root.cores.max(1) as f64;
            nodes.push(root);
            raw_of.push(usize::MAX);
            let mut used_cells: Vec<Option<usize>> = vec![None; cells_total as usize];
            // Depth-first in scenario order gives preorder.
            let mut stack: Vec<(usize, NodeId)> = server_children[s]
                .iter()
                .rev()
                .map(|&c| (c, server_id))
                .collect();
            while let Some((pi, parent_id)) = stack.pop() {
                let pending = Pending {
                    raw: raw.partitions[pi].get_ref(),
                    index: pi,
                };
                let Some(node) = self.keep(self.compile_partition(
                    raw,
                    &pending,
                    &nodes,
                    parent_id,
                    server_id,
                    speed,
                    server.get_ref(),
                    &mut used_cells,
                )) else {
                    continue;
                };
                let id = NodeId(nodes.len() as u32);
                index.insert(node.name.clone(), id);
                nodes.push(node);
                raw_of.push(pi);
                stack.extend(part_children[pi].iter().rev().map(|&c| (c, id)));
            }
        }
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if let Some(p) = n.parent {
                kids[p.0 as usize].push(i);
            }
        }
        for (i, k) in kids.iter().enumerate() {
            self.keep(self.check_siblings(raw, &nodes, &raw_of, i, k));
        }
        self.vm_overheads(raw, &mut nodes, &raw_of, &kids);
        Ok((nodes, index))
    }

    fn compile_server(&self, s: usize, server: &Spanned<RawServer>) -> Result<Node, Error> {
        let r = server.get_ref();
        let name = r.name.get_ref();
        let field = |f: &str| format!("servers[{s}] ({name}).{f}");
        let cells = *r.cells.get_ref();
        let per_cell = *r.cores_per_cell.get_ref();
        if cells == 0 || cells > 64 {
            return Err(self.err(
                r.cells.span(),
                field("cells"),
                format!("{cells} cells; expected 1 to 64"),
            ));
        }
        if per_cell == 0 || per_cell > 256 {
            return Err(self.err(
                r.cores_per_cell.span(),
                field("cores_per_cell"),
                format!("{per_cell}; expected 1 to 256"),
            ));
        }
        let total = cells * per_cell;
        let memory = *r.memory_gb_per_cell.get_ref();
        if !(memory.is_finite() && (0.0..=MAX_GIB).contains(&memory)) {
            return Err(self.err(
                r.memory_gb_per_cell.span(),
                field("memory_gb_per_cell"),
                format!(
                    "{}; expected a number of GiB ≥ 0 and at most 1,048,576 (1 PiB) per cell",
                    num(memory)
                ),
            ));
        }
        let model_speed = match &r.model {
            Some(m) if self.models.contains_key(m) => {
                Some(self.model_speed(m, r.name.span(), field("model"))?)
            }
            _ => None,
        };
        let speed = match (&r.core_speed, model_speed) {
            (Some(v), Some(_)) => {
                return Err(self.err(v.span(), field("core_speed"), format!("the model `{}` gives the core speed; expected `core_speed` or a model from [[server_models]], not both", r.model.as_deref().unwrap_or_default())));
            }
            (Some(v), None) => {
                let x = *v.get_ref();
                if !(x.is_finite() && x > 0.0 && x <= 1000.0) {
                    return Err(self.err(v.span(), field("core_speed"), format!("{x}; expected a positive speed relative to the reference core, e.g. 1.0")));
                }
                x
            }
            (None, Some(x)) => x,
            (None, None) => 1.0,
        };
        let active = match &r.active_cores {
            Some(v) => {
                let a = *v.get_ref();
                if a < cells || a > total {
                    return Err(self.err(v.span(), field("active_cores"), format!("{a} active cores; expected {cells} to {total} (at least one per cell, at most cells × cores_per_cell)")));
                }
                a
            }
            None => total,
        };
        // A Pay per use cap limits the active cores (`ppuconfig -rc`, at least one per cell)
        // [PPU3].
        let active = match r
            .ppu
            .as_ref()
            .and_then(|p| p.get_ref().cap_cores.map(|c| (c, p.span())))
        {
            Some((cap, span)) if cap < cells || cap > total => {
                return Err(self.err(
                    span,
                    field("ppu.cap_cores"),
                    format!("{cap}; expected {cells} to {total} (at least one per cell)"),
                ));
            }
            Some((cap, span)) if r.active_cores.is_some() && active > cap => {
                return Err(self.err(span, field("ppu.cap_cores"), format!("active_cores = {active} is above the cap of {cap}; the cap limits the active cores")));
            }
            Some((cap, _)) if r.active_cores.is_none() => cap,
            _ => active,
        };
        Ok(Node {
            name: name.clone(),
            kind: NodeKind::Server,
            parent: None,
            server: NodeId(0), // set by the caller, which knows the server's index
            share: Share::Root {
                capacity: active as f64 * speed,
            },
            nominal: active as f64 * speed,
            cores: active,
            speed,
            min_cores: active as f64,
            max_cores: active as f64,
            memory_gb: memory * cells as f64,
            disk_mbps: self.mbps(&r.disk_mbps, field("disk_mbps"))?.unwrap_or(0.0),
            network_mbps: self
                .mbps(&r.network_mbps, field("network_mbps"))?
                .unwrap_or(0.0),
            // Set with the guests, by `vm_overheads`.
            vm_cpu_overhead: 0.0,
            memory_overhead_gb: 0.0,
        })
    }

    /// Checks that concern a parent and all its children at once, on the compiled nodes: one
    /// kind of child per parent, reserved cores fit (summed in u64), the vPars' minimums fit,
    /// the VM guests' entitlements fit, and FSS groups have cores left.
    fn check_siblings(
        &self,
        raw: &RawScenario,
        nodes: &[Node],
        raw_of: &[usize],
        parent: usize,
        kids: &[usize],
    ) -> Result<(), Error> {
        let Some(&first) = kids.first() else {
            return Ok(());
        };
        let p = &nodes[parent];
        let class = |k: NodeKind| match k {
            NodeKind::Pset | NodeKind::Fss => "srp",
            other => other.as_str(),
        };
        let rawp = |i: usize| raw.partitions[raw_of[i]].get_ref();
        let field =
            |i: usize, f: &str| format!("partitions[{}] ({}).{f}", raw_of[i], nodes[i].name);
        let mut reserved = 0u64;
        let mut minimums = 0u64;
        let mut entitled = 0.0;
        for &k in kids {
            let n = &nodes[k];
            let r = rawp(k);
            if class(n.kind) != class(nodes[first].kind) {
                return Err(self.err(r.kind.span(), field(k, "kind"), format!("`{}` already holds {} partitions; a parent holds one kind: nPars (a split server), vPars, VM guests, or PRM groups (inside one OS)", p.name, class(nodes[first].kind))));
            }
            if n.kind == NodeKind::Pset && p.kind == NodeKind::Vm {
                return Err(self.err(r.cores.as_ref().map(|c| c.span()).unwrap_or(r.name.span()), field(k, "cores"), "PSET groups inside a VM guest are not modelled; use an FSS group (`shares`) there"));
            }
            if n.kind == NodeKind::Vpar {
                minimums += n.min_cores as u64;
                if minimums > p.cores as u64 {
                    let span = r
                        .min_cores
                        .as_ref()
                        .map(|v| v.span())
                        .unwrap_or(r.name.span());
                    return Err(self.err(span, field(k, "min_cores"), format!("the vPars' minimums add up to {minimums} cores but `{}` has {}; expected the sum of min_cores ≤ the parent's cores", p.name, p.cores)));
                }
            }
            if let Share::Fixed { .. } = n.share {
                reserved += n.cores as u64;
                if reserved > p.cores as u64 {
                    let span = r
                        .cores
                        .as_ref()
                        .map(|c| c.span())
                        .or(r.cells.as_ref().map(|c| c.span()))
                        .unwrap_or(r.name.span());
                    return Err(self.err(span, field(k, "cores"), format!("the partitions in `{}` reserve {reserved} cores but it has {}; expected the reserved cores to fit", p.name, p.cores)));
                }
            }
            if let (NodeKind::Vm, Share::Elastic { weight, .. }) = (n.kind, n.share) {
                entitled += weight / n.speed;
                // A guest does not start when the host cannot honour its entitlement [IV6].
                if entitled > p.cores as f64 + 1e-9 {
                    let span = r
                        .entitlement
                        .as_ref()
                        .map(|v| v.span())
                        .unwrap_or(r.name.span());
                    return Err(self.err(span, field(k, "entitlement"), format!("the VMs on `{}` are entitled to {entitled:.2} cores but it has {}; expected Σ vcpus × entitlement ≤ host cores", p.name, p.cores)));
                }
            }
        }
        // Each vCPU of a guest runs on a distinct core [IV6][IV7]: a guest with as many vCPUs
        // as the host has cores holds its entitlement on every core, so a narrower guest
        // finds at most what those leave on any one core for each of its vCPUs (a 4-vCPU
        // guest at 25 % on 4 cores leaves 75 %: a 1-vCPU guest at 80 % cannot start). A
        // necessary condition: it never refuses a set that can be placed.
        let per_vcpu = |k: usize| match nodes[k].share {
            Share::Elastic { weight, .. } if nodes[k].kind == NodeKind::Vm => {
                Some(weight / nodes[k].speed / f64::from(nodes[k].cores.max(1)))
            }
            _ => None,
        };
        let wide: Vec<usize> = kids
            .iter()
            .copied()
            .filter(|&k| per_vcpu(k).is_some() && nodes[k].cores >= p.cores)
            .collect();
        let held: f64 = wide.iter().filter_map(|&k| per_vcpu(k)).sum();
        for &k in kids {
            if let Some(e) = per_vcpu(k)
                && nodes[k].cores < p.cores
                && e > 1.0 - held + 1e-9
            {
                let names: Vec<String> = wide
                    .iter()
                    .map(|&w| format!("`{}`", nodes[w].name))
                    .collect();
                let r = rawp(k);
                let span = r
                    .entitlement
                    .as_ref()
                    .map(|v| v.span())
                    .unwrap_or(r.name.span());
                return Err(self.err(
                    span,
                    field(k, "entitlement"),
                    format!(
                        "`{}` needs {:.0} % of a core for each vCPU, but {} on `{}` span all its {} cores and hold {:.0} % of each, leaving {:.0} %; each vCPU runs on a distinct core [IV6][IV7]: lower the entitlements or give the wide guests fewer vCPUs",
                        nodes[k].name,
                        e * 100.0,
                        names.join(", "),
                        p.name,
                        p.cores,
                        held * 100.0,
                        ((1.0 - held) * 100.0).max(0.0)
                    ),
                ));
            }
        }
        let elastic = kids
            .iter()
            .find(|&&k| matches!(nodes[k].share, Share::Elastic { .. }));
        if let Some(&k) = elastic
            && reserved >= p.cores as u64
        {
            return Err(self.err(
                rawp(k).name.span(),
                field(k, "parent"),
                format!(
                    "`{}` has no cores left after its PSET groups for its FSS groups",
                    p.name
                ),
            ));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn compile_partition(
        &self,
        raw: &RawScenario,
        pending: &Pending,
        nodes: &[Node],
        parent_id: NodeId,
        server_id: NodeId,
        speed: f64,
        server: &RawServer,
        used_cells: &mut [Option<usize>],
    ) -> Result<Node, Error> {
        let p = pending.raw;
        let i = pending.index;
        let name = p.name.get_ref();
        let field = |f: &str| format!("partitions[{i}] ({name}).{f}");
        let parent = &nodes[parent_id.0 as usize];
        let kind = *p.kind.get_ref();
        let allowed: &[NodeKind] = match kind {
            RawKind::Npar => &[NodeKind::Server],
            RawKind::Vpar => &[NodeKind::Server, NodeKind::Npar],
            RawKind::Vm => &[NodeKind::Server, NodeKind::Npar, NodeKind::Vpar],
            RawKind::Srp => &[
                NodeKind::Server,
                NodeKind::Npar,
                NodeKind::Vpar,
                NodeKind::Vm,
            ],
        };
        if !allowed.contains(&parent.kind) {
            let list: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
            return Err(self.err(
                p.parent.span(),
                field("parent"),
                format!(
                    "a {} cannot sit in a {} (`{}`); expected a parent of kind {}",
                    kind_name(kind),
                    parent.kind.as_str(),
                    parent.name,
                    list.join(" or ")
                ),
            ));
        }
        // Fields that belong to another kind are errors, not silently ignored settings.
        let stray: &[(&str, bool)] = &[
            ("cells", p.cells.is_some() && kind != RawKind::Npar),
            ("min_cores", p.min_cores.is_some() && kind != RawKind::Vpar),
            ("max_cores", p.max_cores.is_some() && kind != RawKind::Vpar),
            ("vcpus", p.vcpus.is_some() && kind != RawKind::Vm),
            (
                "entitlement",
                p.entitlement.is_some() && kind != RawKind::Vm,
            ),
            ("shares", p.shares.is_some() && kind != RawKind::Srp),
            ("cores", p.cores.is_some() && kind == RawKind::Vm),
            (
                "cap",
                p.cap.is_some()
                    && !(kind == RawKind::Vm || (kind == RawKind::Srp && p.shares.is_some())),
            ),
        ];
        if let Some((f, _)) = stray.iter().find(|(_, bad)| *bad) {
            return Err(self.err(
                p.name.span(),
                field(f),
                format!(
                    "`{f}` does not apply to a partition of kind {}",
                    kind_name(kind)
                ),
            ));
        }
        let host_cores = parent.cores;
        let memory_gb = self.gib(&p.memory_gb, field("memory_gb"))?;
        let disk_mbps = self
            .mbps(&p.disk_mbps, field("disk_mbps"))?
            .unwrap_or(parent.disk_mbps);
        let network_mbps = self
            .mbps(&p.network_mbps, field("network_mbps"))?
            .unwrap_or(parent.network_mbps);
        let node =
            |kind, share, nominal: f64, cores, (min_cores, max_cores): (f64, f64), memory_gb| {
                Node {
                    name: name.clone(),
                    kind,
                    parent: Some(parent_id),
                    server: server_id,
                    share,
                    nominal,
                    cores,
                    speed,
                    min_cores,
                    max_cores,
                    memory_gb,
                    disk_mbps,
                    network_mbps,
                    vm_cpu_overhead: 0.0,
                    memory_overhead_gb: 0.0,
                }
            };
        match kind {
            RawKind::Npar => {
                let Some(cells) = &p.cells else {
                    return Err(self.err(p.name.span(), field("cells"), "an npar needs `cells`: a count (cells = 2) or a list of cell indexes (cells = [0, 1])"));
                };
                let total = *server.cells.get_ref() as usize;
                let per_cell = *server.cores_per_cell.get_ref();
                let mut mine = Vec::new();
                match cells.get_ref() {
                    RawCells::List(list) => {
                        if list.is_empty() {
                            return Err(self.err(
                                cells.span(),
                                field("cells"),
                                "expected at least one cell",
                            ));
                        }
                        for &c in list {
                            let c = c as usize;
                            if c >= total {
                                return Err(self.err(
                                    cells.span(),
                                    field("cells"),
                                    format!(
                                        "cell {c} does not exist; `{}` has cells 0 to {}",
                                        parent.name,
                                        total - 1
                                    ),
                                ));
                            }
                            if let Some(owner) = used_cells[c] {
                                let other = if owner == i {
                                    name.as_str()
                                } else {
                                    raw.partitions[owner].get_ref().name.get_ref().as_str()
                                };
                                return Err(self.err(cells.span(), field("cells"), format!("cell {c} of `{}` is already used by `{other}`; expected each cell in one nPar", parent.name)));
                            }
                            used_cells[c] = Some(i);
                            mine.push(c);
                        }
                    }
                    RawCells::Count(n) => {
                        let free: Vec<usize> = (0..total)
                            .filter(|&c| used_cells[c].is_none())
                            .take(*n as usize)
                            .collect();
                        if *n == 0 || free.len() < *n as usize {
                            return Err(self.err(
                                cells.span(),
                                field("cells"),
                                format!(
                                    "{n} cells asked, {} free in `{}`; expected 1 to {}",
                                    free.len(),
                                    parent.name,
                                    free.len()
                                ),
                            ));
                        }
                        for &c in &free {
                            used_cells[c] = Some(i);
                        }
                        mine = free;
                    }
                }
                let ncells = mine.len() as u32;
                let installed = ncells * per_cell;
                let all_active = parent.cores == *server.cells.get_ref() * per_cell;
                let cores = match &p.cores {
                    Some(v) => *v.get_ref(),
                    None if all_active => installed,
                    None => {
                        return Err(self.err(p.name.span(), field("cores"), format!("`{}` has inactive Instant Capacity cores, so say how many of this nPar's {installed} cores are active: cores = N", parent.name)));
                    }
                };
                // At least one active core per active cell [I8b].
                if cores < ncells || cores > installed {
                    let span = p.cores.as_ref().map(|v| v.span()).unwrap_or(cells.span());
                    return Err(self.err(span, field("cores"), format!("{cores} active cores in {ncells} cells; expected {ncells} to {installed} (at least one per cell)")));
                }
                let mem = if p.memory_gb.is_some() {
                    memory_gb
                } else {
                    ncells as f64 * server.memory_gb_per_cell.get_ref()
                };
                Ok(node(
                    NodeKind::Npar,
                    Share::Fixed {
                        capacity: cores as f64 * speed,
                    },
                    cores as f64 * speed,
                    cores,
                    (ncells as f64, installed as f64),
                    mem,
                ))
            }
            RawKind::Vpar => {
                let Some(cores) = &p.cores else {
                    return Err(self.err(
                        p.name.span(),
                        field("cores"),
                        "a vpar needs `cores`: its whole-core count",
                    ));
                };
                let n = *cores.get_ref();
                let min = p.min_cores.as_ref().map(|v| *v.get_ref()).unwrap_or(1);
                let max = p
                    .max_cores
                    .as_ref()
                    .map(|v| *v.get_ref())
                    .unwrap_or(host_cores);
                // min ≤ total ≤ max, at least one core [VP2][VP6].
                if min == 0 {
                    return Err(self.err(
                        p.min_cores
                            .as_ref()
                            .map(|v| v.span())
                            .unwrap_or(p.name.span()),
                        field("min_cores"),
                        "expected at least 1 core",
                    ));
                }
                if !(min <= n && n <= max) {
                    return Err(self.err(cores.span(), field("cores"), format!("cores = {n} with min_cores = {min} and max_cores = {max}; expected min_cores ≤ cores ≤ max_cores")));
                }
                // A vPar may grow past its nPar's present cores when a manager grows the nPar,
                // never past what the nPar could ever hold.
                let most = parent.max_cores as u32;
                if max > most {
                    return Err(self.err(
                        p.max_cores
                            .as_ref()
                            .map(|v| v.span())
                            .unwrap_or(cores.span()),
                        field("max_cores"),
                        format!(
                            "{max} cores but `{}` can hold at most {most}; expected at most that",
                            parent.name
                        ),
                    ));
                }
                Ok(node(
                    NodeKind::Vpar,
                    Share::Fixed {
                        capacity: n as f64 * speed,
                    },
                    n as f64 * speed,
                    n,
                    (min as f64, max as f64),
                    memory_gb,
                ))
            }
            RawKind::Vm => {
                let Some(vcpus) = &p.vcpus else {
                    return Err(self.err(
                        p.name.span(),
                        field("vcpus"),
                        "a vm needs `vcpus` (1 to 32)",
                    ));
                };
                let v = *vcpus.get_ref();
                if v == 0 || v > MAX_VCPUS {
                    return Err(self.err(
                        vcpus.span(),
                        field("vcpus"),
                        format!("{v} vCPUs; expected 1 to {MAX_VCPUS}"),
                    ));
                }
                // A guest's vCPUs sit on distinct physical cores [IV2][IV7].
                if v > host_cores {
                    return Err(self.err(vcpus.span(), field("vcpus"), format!("{v} vCPUs but the host `{}` has {host_cores} cores; expected vcpus ≤ host cores", parent.name)));
                }
                let pct = |s: &Option<Spanned<f64>>, f: &str, default: f64| -> Result<f64, Error> {
                    match s {
                        Some(x) => {
                            let val = *x.get_ref();
                            if !(val.is_finite() && (MIN_ENTITLEMENT_PCT..=100.0).contains(&val)) {
                                return Err(self.err(x.span(), field(f), format!("{val} %; expected a percent of one core per vCPU from 5 to 100")));
                            }
                            Ok(val)
                        }
                        None => Ok(default),
                    }
                };
                let ent = pct(&p.entitlement, "entitlement", DEFAULT_ENTITLEMENT_PCT)?;
                let cap = pct(&p.cap, "cap", 100.0)?;
                if cap < ent {
                    return Err(self.err(p.cap.as_ref().map(|c| c.span()).unwrap_or(p.name.span()), field("cap"), format!("cap {cap} % is below the entitlement {ent} %; expected cap ≥ entitlement")));
                }
                let weight = v as f64 * ent / 100.0 * speed;
                let max = v as f64 * cap / 100.0 * speed;
                Ok(node(
                    NodeKind::Vm,
                    Share::Elastic { weight, max },
                    max,
                    v,
                    (
                        v as f64 * MIN_ENTITLEMENT_PCT / 100.0,
                        v as f64 * cap / 100.0,
                    ),
                    memory_gb,
                ))
            }
            RawKind::Srp => match (&p.cores, &p.shares) {
                (Some(cores), None) => {
                    let n = *cores.get_ref();
                    if n == 0 {
                        return Err(self.err(
                            cores.span(),
                            field("cores"),
                            "a PSET group needs at least 1 core",
                        ));
                    }
                    Ok(node(
                        NodeKind::Pset,
                        Share::Fixed {
                            capacity: n as f64 * speed,
                        },
                        n as f64 * speed,
                        n,
                        (1.0, host_cores as f64),
                        memory_gb,
                    ))
                }
                (None, Some(shares)) => {
                    let s = *shares.get_ref();
                    if !(s.is_finite() && s > 0.0) {
                        return Err(self.err(shares.span(), field("shares"), format!("{s}; expected a positive number of shares (100 per core by WLM's default)")));
                    }
                    let cap = match &p.cap {
                        Some(c) => {
                            let v = *c.get_ref();
                            if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                                return Err(self.err(
                                    c.span(),
                                    field("cap"),
                                    format!(
                                        "{v} %; expected a percent of the parent from 0 to 100"
                                    ),
                                ));
                            }
                            v / 100.0
                        }
                        None => 1.0,
                    };
                    let max = parent.nominal * cap;
                    Ok(node(
                        NodeKind::Fss,
                        Share::Elastic { weight: s, max },
                        max,
                        host_cores,
                        (FSS_STEP_CORES, max / speed),
                        memory_gb,
                    ))
                }
                _ => Err(self.err(
                    p.name.span(),
                    field("shares"),
                    "an srp needs exactly one of `shares` (an FSS group) or `cores` (a PSET group)",
                )),
            },
        }
    }

    fn compile_workloads(
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
                self.check_name(&r.name, &format!("workloads[{i}].name"))?;
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

    fn compile_demand(
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
        let memory_gb = self.gib(&r.memory_gb, field("memory_gb"))?;
        let disk_mbps = self.mbps(&r.disk_mbps, field("disk_mbps"))?.unwrap_or(0.0);
        let network_mbps = self
            .mbps(&r.network_mbps, field("network_mbps"))?
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
                let path = self.existing(trace, field("trace"))?;
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
                        let path = if path.is_dir() {
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
                        Arc::new(planetlab::read(&path).map_err(|e| {
                            trace_err(
                                e,
                                name,
                                self.file,
                                line_col(self.text, trace.span().start).0,
                            )
                        })?)
                    }
                    _ => {
                        let key = (path.clone(), step);
                        let table = match self.traces.get(&key) {
                            Some(t) => t.clone(),
                            None => {
                                let t = native::read(&path, step).map_err(|e| {
                                    trace_err(
                                        e,
                                        name,
                                        self.file,
                                        line_col(self.text, trace.span().start).0,
                                    )
                                })?;
                                let t = Arc::new(t);
                                self.traces.insert(key, t.clone());
                                t
                            }
                        };
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
                    return Err(self.err(trace.span(), field("trace"), format!("the trace covers {} but the horizon is {}; shorten the horizon or set repeat = true", super::Duration(covered), super::Duration(horizon_ms))));
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

fn trace_err(
    e: crate::workload::TraceError,
    workload: &str,
    scenario: &Path,
    line: usize,
) -> Error {
    Error::Trace {
        source: Box::new(e),
        context: format!("workload `{workload}` ({}:{line})", scenario.display()),
    }
}

/// `servers[0].cells`, without the wrappers `toml::Spanned` adds to serde's path. Also names
/// the fields of `vsesim synth`'s spec files.
pub(crate) fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } if key.starts_with("$__serde_spanned") => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

fn resolve(scenario: &Path, trace: &str) -> PathBuf {
    let p = Path::new(trace);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        scenario.parent().unwrap_or(Path::new(".")).join(p)
    }
}

/// What a domain of `members` (children of `domain`, all of kind `class`) shares, and how many
/// cores that is at deploy time: nPars of a complex pool their active cores (iCAP moves keep
/// the total); other kinds share the domain node's cores less those reserved by children
/// outside the domain.
fn shared_capacity(
    nodes: &[Node],
    domain: NodeId,
    members: &[NodeId],
    class: NodeKind,
) -> (Capacity, f64) {
    if class == NodeKind::Npar {
        let total: f64 = members
            .iter()
            .map(|m| nodes[m.0 as usize].cores as f64)
            .sum();
        return (Capacity::Pooled(total), total);
    }
    let reserved: f64 = nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.parent == Some(domain) && !members.contains(&NodeId(*i as u32)))
        .filter(|(_, n)| matches!(n.share, Share::Fixed { .. }))
        .map(|(_, n)| n.cores as f64)
        .sum();
    (
        Capacity::OfNode { reserved },
        nodes[domain.0 as usize].cores as f64 - reserved,
    )
}

/// A stable 64-bit key of a name (FNV-1a): the same on every platform and Rust version,
/// unlike `std`'s hasher.
fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn kind_name(kind: RawKind) -> &'static str {
    match kind {
        RawKind::Npar => "npar",
        RawKind::Vpar => "vpar",
        RawKind::Vm => "vm",
        RawKind::Srp => "srp",
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    (
        before.matches('\n').count() + 1,
        before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
    )
}

/// A number as messages show it: `1e308`, not its 309 digits.
fn num(v: f64) -> String {
    if v != 0.0 && !(1e-4..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
