//! From raw TOML structs to a validated [`Scenario`]: names resolved to indexes, the
//! partition tree checked against DOMAIN.md §1, traces read and normalized.
//!
//! This file holds the reading of the text, the messages and the order of the phases; each
//! concern's phase is a module of its own below (the tree, demand, traces, gWLM domains, WLM,
//! licensing, costs, report options, HA, VMs, what-ifs), all methods of one [`Compiler`] so
//! that every error is reported the same way.

mod costs;
mod demand;
mod domains;
mod ha;
mod licensing;
mod report;
mod traces;
mod tree;
mod vm;
mod whatif;
mod wlm;

pub use traces::TraceCache;

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
pub use crate::world::{Demand, DemandSource, Growth, Rate, ReportOptions, Scenario};
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
    load_str_all_with(path, text, &Options::default())
}

/// How a caller that runs a scenario many times (a sweep's points and replicas) compiles it:
/// the run's own settings given as values instead of edits of the TOML text, and the traces
/// shared between compiles.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'c> {
    /// Replaces `[scenario] seed`: a replica's seed.
    pub seed: Option<u64>,
    /// Replaces `[report] timeseries` and `timeseries_csv`.
    pub recording: Option<Recording>,
    /// Traces read by earlier compiles; `None`: this compile reads its own.
    pub traces: Option<&'c TraceCache>,
}

/// What the run records beyond the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recording {
    pub timeseries: bool,
    pub timeseries_csv: bool,
}

/// [`load_str`] with [`Options`].
pub fn load_str_with(path: &Path, text: &str, options: &Options) -> Result<Scenario, Error> {
    load_str_all_with(path, text, options).map_err(|mut errors| errors.remove(0))
}

/// [`load_str_all`] with [`Options`].
pub fn load_str_all_with(
    path: &Path,
    text: &str,
    options: &Options,
) -> Result<Scenario, Vec<Error>> {
    let mut raw = parse(path, text).map_err(|errors| {
        errors
            .into_iter()
            .take(MAX_ERRORS)
            .map(|e| Error::Input(Box::new(e)))
            .collect::<Vec<_>>()
    })?;
    if let Some(seed) = options.seed {
        raw.scenario.get_mut().seed = seed;
    }
    let own = TraceCache::new();
    let found = std::cell::RefCell::new(Vec::new());
    let result = Compiler {
        file: path,
        text,
        traces: options.traces.unwrap_or(&own),
        recording: options.recording,
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
    let document = || {
        toml::Deserializer::parse(text).map_err(|e| {
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
        })
    };
    // Tracking the path of every value costs a string per key: a scenario of thousands of
    // entities is read without it, and only one that fails is read again with it, for the
    // path its errors name.
    if let Ok(raw) = <RawScenario as serde::Deserialize>::deserialize(document()?) {
        return Ok(raw);
    }
    serde_path_to_error::deserialize(document()?).map_err(|e| {
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
    /// Traces already read, so that a wide file is read once, and once a sweep.
    traces: &'a TraceCache,
    /// The caller's recording, over the scenario's `[report]` (see [`Options`]).
    recording: Option<Recording>,
    /// Package names, in scenario order, for conditional policies that name one.
    packages: Vec<String>,
    /// Server models' performance index per core, by name.
    models: HashMap<String, f64>,
    /// Errors of entities already passed over, so that one run of the compiler reports up
    /// to [`MAX_ERRORS`] of a file's mistakes instead of the first ([`Compiler::keep`]).
    found: &'a std::cell::RefCell<Vec<Error>>,
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

    /// A name that will be a folder or file name and a table cell: no control characters
    /// (a NUL cannot be in a path; a newline breaks every table) and at most
    /// [`MAX_NAME_BYTES`] bytes.
    /// `field` is formatted only for an error, as in [`Compiler::mbps`].
    fn check_name(
        &self,
        name: &Spanned<String>,
        field: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        let n = name.get_ref();
        if let Some(c) = n.chars().find(|c| c.is_control()) {
            return Err(self.err(
                name.span(),
                field(),
                format!(
                    "the name holds the control character U+{:04X}; expected printable characters (names become folder names and table cells)",
                    c as u32
                ),
            ));
        }
        if n.len() > MAX_NAME_BYTES {
            return Err(self.err(
                name.span(),
                field(),
                format!(
                    "the name is {} bytes long; expected at most {MAX_NAME_BYTES} (names become folder and file names)",
                    n.len()
                ),
            ));
        }
        Ok(())
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
            self.check_name(&header.name, || "scenario.name".to_string())
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
            &raw.power_states,
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
