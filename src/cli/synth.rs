//! `vsesim synth SPEC.toml -o OUT.parquet|OUT.csv`: a native trace (long layout: `time_s`,
//! `workload`, `cpu` and, when the spec gives memory, `memory_gb`) of many synthetic workloads,
//! from a spec file (`docs/SYNTH.md`).
//!
//! Streamed: one [`SynthGen`] at a time, each row written as it is drawn (Parquet in row groups
//! of a bounded size, CSV through a buffer), so memory does not grow with the horizon or the
//! number of workloads. Rows go workload by workload, each in time order, as `vsesim import`
//! writes them. The file appears under its name only when complete.
//!
//! Each workload's demand is the scenario's `synth = { … }` table ([`SynthSpec`]) seeded as the
//! scenario compiler seeds it (by the spec's `seed` and the workload's name, [`name_seed`]), so
//! the trace holds the demand a scenario with the same seed, names, step and specs would
//! generate on the fly. Groups are keyed by the spec's `seed` and the group's name.

use crate::Error;
use crate::scenario::{Duration, ScenarioError};
use crate::workload::import::writer::{Columns, NativeWriter};
use crate::workload::import::{ImportError, Sample};
use crate::workload::synth::{SynthGen, SynthSpec, name_seed, workload_seed};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// What the command line gives.
pub struct Args {
    /// The spec file (TOML).
    pub spec: PathBuf,
    /// The trace to write: `.parquet` or `.csv`.
    pub output: PathBuf,
    /// Print nothing when done.
    pub quiet: bool,
}

/// The step when the spec gives none: 5 minutes, as a scenario's synthetic workloads and the
/// public traces `vsesim import` reads.
const DEFAULT_STEP_MS: u64 = 300_000;

/// Most workloads one `[[workloads]]` entry may expand to. A larger `count` is a typo, and
/// would otherwise write for hours.
const MAX_COUNT: u32 = 1_000_000;

/// Most samples per workload (about 950 years at 5 minutes): more is a step or horizon in the
/// wrong unit.
const MAX_SAMPLES: u64 = 100_000_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    synth: Spanned<RawSynth>,
    #[serde(default)]
    workloads: Vec<Spanned<RawWorkload>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynth {
    /// Sample step (default 5 minutes).
    #[serde(default)]
    step: Option<Spanned<Duration>>,
    /// Length of the trace; samples cover `[0, horizon)`, the last one possibly running past it.
    horizon: Spanned<Duration>,
    /// Seeds every workload and group.
    seed: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    name: Spanned<String>,
    /// Expand to `count` workloads `name-001` … (absent: one workload named `name`).
    #[serde(default)]
    count: Option<Spanned<u32>>,
    /// Shorthand for `synth.group`.
    #[serde(default)]
    group: Option<Spanned<String>>,
    /// Shorthand for `synth.correlation`.
    #[serde(default)]
    correlation: Option<Spanned<f64>>,
    synth: Spanned<SynthSpec>,
    /// Constant memory [GiB].
    #[serde(default)]
    memory_gb: Option<Spanned<f64>>,
    /// Synthetic memory [GiB], a second generator with its own seed.
    #[serde(default)]
    memory: Option<Spanned<SynthSpec>>,
}

/// A spec file, checked: what to write.
#[derive(Debug)]
struct Plan {
    step_ms: u64,
    samples: u64,
    entries: Vec<Entry>,
    /// Workloads after expanding `count`.
    workloads: u64,
    groups: usize,
    with_memory: bool,
}

/// One `[[workloads]]` entry, checked.
#[derive(Debug)]
struct Entry {
    names: Vec<String>,
    cpu: SynthSpec,
    memory: Memory,
    seed: u64,
}

#[derive(Debug)]
enum Memory {
    None,
    Constant(f64),
    Synth(SynthSpec),
}

impl Entry {
    /// The CPU and memory generators of the `i`-th workload of this entry.
    fn generators(&self, i: usize, step_ms: u64) -> Result<(SynthGen, Option<SynthGen>), Error> {
        let cpu_seed = name_seed(self.seed, &self.names[i]);
        // Checked by `compile` with the same spec and step; the seed cannot make it fail.
        let fail = |m: String| Error::Internal(format!("workload `{}`: {m}", self.names[i]));
        let cpu = SynthGen::new(&self.cpu, cpu_seed, 0, step_ms).map_err(fail)?;
        let memory = match &self.memory {
            Memory::Synth(spec) => {
                Some(SynthGen::new(spec, memory_seed(cpu_seed), 0, step_ms).map_err(fail)?)
            }
            Memory::None | Memory::Constant(_) => None,
        };
        Ok((cpu, memory))
    }
}

/// The seed of a workload's memory generator: derived from its CPU seed, so memory and CPU are
/// independent streams and adding memory does not move CPU.
fn memory_seed(cpu_seed: u64) -> u64 {
    workload_seed(cpu_seed, 1)
}

pub fn run(args: Args) -> Result<(), Error> {
    let format = OutputFormat::of(&args.output)?;
    let text = read_spec(&args.spec)?;
    let plan = compile(&args.spec, &text)?;
    let rows = plan.workloads.saturating_mul(plan.samples);
    let bytes = match format {
        OutputFormat::Parquet => rows.saturating_mul(super::disk::SYNTH_PARQUET_BYTES_PER_ROW),
        OutputFormat::Csv => plan
            .entries
            .iter()
            .flat_map(|e| &e.names)
            .map(|n| {
                plan.samples
                    .saturating_mul(super::disk::SYNTH_CSV_BYTES_PER_ROW + n.len() as u64)
            })
            .fold(0u64, u64::saturating_add),
    };
    if let Some(parent) = args.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    super::disk::check_free(&args.output, bytes, &format!("the trace of {rows} rows"))?;
    crate::report::remove_temp_files_on_signals();
    let rows = match format {
        OutputFormat::Csv => write_csv(&plan, &args.output)?,
        OutputFormat::Parquet => write_parquet(&plan, &args.output)?,
    };
    if !args.quiet {
        let groups = match plan.groups {
            0 => String::new(),
            1 => "; 1 correlated group".to_string(),
            n => format!("; {n} correlated groups"),
        };
        println!(
            "{} workloads × {} samples every {} ({rows} rows{groups})",
            plan.workloads,
            plan.samples,
            Duration(plan.step_ms)
        );
        println!("wrote {}", args.output.display());
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutputFormat {
    Csv,
    Parquet,
}

impl OutputFormat {
    fn of(path: &Path) -> Result<Self, Error> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("parquet") => Ok(OutputFormat::Parquet),
            _ => Err(Error::Usage(format!(
                "-o {}: expected a .parquet or .csv file to write",
                path.display()
            ))),
        }
    }
}

fn read_spec(path: &Path) -> Result<String, Error> {
    crate::scenario::read_toml(path, "spec")
}

/// Parse and check a spec file: every error names the file, line, column and field.
fn compile(file: &Path, text: &str) -> Result<Plan, Error> {
    let err = |span: Option<Range<usize>>, field: &str, message: String| {
        Error::Input(Box::new(ScenarioError::at(
            file, text, span, field, message,
        )))
    };
    if text.trim().is_empty() {
        return Err(err(
            None,
            "",
            "the file is empty; expected a [synth] table with horizon and seed, and \
             [[workloads]]"
                .into(),
        ));
    }
    let deserializer =
        toml::Deserializer::parse(text).map_err(|e| err(e.span(), "", e.message().to_string()))?;
    let raw: RawFile = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = crate::scenario::field_path(e.path());
        let inner = e.into_inner();
        err(inner.span(), &field, inner.message().to_string())
    })?;

    let synth = raw.synth.get_ref();
    let step_ms = match &synth.step {
        None => DEFAULT_STEP_MS,
        Some(s) if s.get_ref().ms() == 0 => {
            return Err(err(
                Some(s.span()),
                "synth.step",
                "expected a positive duration, e.g. \"5m\"".into(),
            ));
        }
        Some(s) => s.get_ref().ms(),
    };
    let horizon_ms = synth.horizon.get_ref().ms();
    let samples = horizon_ms.div_ceil(step_ms);
    if samples == 0 {
        return Err(err(
            Some(synth.horizon.span()),
            "synth.horizon",
            "expected a positive duration, e.g. \"30d\"".into(),
        ));
    }
    if samples > MAX_SAMPLES {
        return Err(err(
            Some(synth.horizon.span()),
            "synth.horizon",
            format!(
                "{} at a {} step is {samples} samples a workload; expected at most \
                 {MAX_SAMPLES} (a longer step or a shorter horizon)",
                Duration(horizon_ms),
                Duration(step_ms)
            ),
        ));
    }
    if raw.workloads.is_empty() {
        return Err(err(
            Some(raw.synth.span()),
            "workloads",
            "no workloads; expected [[workloads]] tables with `name` and `synth = { … }`".into(),
        ));
    }

    let seed = synth.seed;
    let mut entries = Vec::with_capacity(raw.workloads.len());
    // Each name, with the entry that gave it, to refuse duplicates.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut groups = BTreeSet::new();
    let mut workloads = 0u64;
    for (i, w) in raw.workloads.iter().enumerate() {
        let w = w.get_ref();
        let name = w.name.get_ref().trim();
        let field = |f: &str| format!("workloads[{i}] ({name}).{f}");
        if name.is_empty() {
            return Err(err(
                Some(w.name.span()),
                &format!("workloads[{i}].name"),
                "expected a workload name, got an empty one".into(),
            ));
        }
        let names = match &w.count {
            None => vec![name.to_string()],
            Some(c) => {
                let count = *c.get_ref();
                if !(1..=MAX_COUNT).contains(&count) {
                    return Err(err(
                        Some(c.span()),
                        &field("count"),
                        format!("expected 1 to {MAX_COUNT} workloads, got {count}"),
                    ));
                }
                let width = count.to_string().len().max(3);
                (1..=count).map(|k| format!("{name}-{k:0width$}")).collect()
            }
        };
        for n in &names {
            if let Some(&j) = seen.get(n) {
                return Err(err(
                    Some(w.name.span()),
                    &field("name"),
                    format!(
                        "`{n}` is also a workload of workloads[{j}]; expected unique names \
                         (`count` names them NAME-001, NAME-002, …)"
                    ),
                ));
            }
            seen.insert(n.clone(), i);
        }

        let mut cpu = w.synth.get_ref().clone();
        for (given, inner, key) in [
            (
                w.group.as_ref().map(Spanned::span),
                cpu.group.is_some(),
                "group",
            ),
            (
                w.correlation.as_ref().map(Spanned::span),
                cpu.correlation.is_some(),
                "correlation",
            ),
        ] {
            if let (Some(span), true) = (given, inner) {
                return Err(err(
                    Some(span),
                    &field(key),
                    format!("`{key}` is given here and in `synth`; expected it once"),
                ));
            }
        }
        if let Some(g) = &w.group {
            cpu.group = Some(g.get_ref().clone());
        }
        if let Some(c) = &w.correlation {
            cpu.correlation = Some(*c.get_ref());
        }
        let cpu = cpu.with_scenario_seed(seed);
        // Validation does not depend on the seed: one generator checks the whole entry.
        SynthGen::new(&cpu, 0, 0, step_ms).map_err(|m| {
            // A complaint about the group points at the shorthand when it was used.
            let shorthand = w
                .group
                .as_ref()
                .map(Spanned::span)
                .or(w.correlation.as_ref().map(Spanned::span));
            let span = match shorthand {
                Some(s) if m.starts_with("`group`") || m.starts_with("`correlation`") => s,
                _ => w.synth.span(),
            };
            err(Some(span), &field("synth"), m)
        })?;
        if let Some(g) = &cpu.group {
            groups.insert(g.clone());
        }

        let memory = match (&w.memory_gb, &w.memory) {
            (Some(_), Some(m)) => {
                return Err(err(
                    Some(m.span()),
                    &field("memory"),
                    "give constant `memory_gb` or synthetic `memory`, not both".into(),
                ));
            }
            (Some(m), None) => {
                let gb = *m.get_ref();
                if !(gb >= 0.0 && gb <= f32::MAX as f64) {
                    return Err(err(
                        Some(m.span()),
                        &field("memory_gb"),
                        format!("expected a finite number of GiB ≥ 0, got {gb}"),
                    ));
                }
                Memory::Constant(gb)
            }
            (None, Some(m)) => {
                let spec = m.get_ref().clone().with_scenario_seed(seed);
                SynthGen::new(&spec, 0, 0, step_ms)
                    .map_err(|msg| err(Some(m.span()), &field("memory"), msg))?;
                if let Some(g) = &spec.group {
                    groups.insert(g.clone());
                }
                Memory::Synth(spec)
            }
            (None, None) => Memory::None,
        };
        workloads += names.len() as u64;
        entries.push((
            w.name.span(),
            Entry {
                names,
                cpu,
                memory,
                seed,
            },
        ));
    }

    // The long layout's memory column holds a value on every row, or is absent.
    let with_memory = entries
        .iter()
        .any(|(_, e)| !matches!(e.memory, Memory::None));
    if with_memory
        && let Some(i) = entries
            .iter()
            .position(|(_, e)| matches!(e.memory, Memory::None))
    {
        let name = raw.workloads[i].get_ref().name.get_ref().trim();
        return Err(err(
            Some(entries[i].0.clone()),
            &format!("workloads[{i}] ({name}).memory_gb"),
            "other workloads give memory, and the trace's memory_gb column needs a value on \
             every row; give this one `memory_gb` (0 is allowed) or `memory`, or remove memory \
             from the others"
                .into(),
        ));
    }

    Ok(Plan {
        step_ms,
        samples,
        entries: entries.into_iter().map(|(_, e)| e).collect(),
        workloads,
        groups: groups.len(),
        with_memory,
    })
}

/// Draw every row, workload by workload, and hand it to `row`; returns the number of rows.
fn each_row(
    plan: &Plan,
    mut row: impl FnMut(&str, f64, f32, Option<f32>) -> Result<(), Error>,
) -> Result<u64, Error> {
    let mut rows = 0u64;
    for entry in &plan.entries {
        for (i, name) in entry.names.iter().enumerate() {
            let (mut cpu, mut memory) = entry.generators(i, plan.step_ms)?;
            for k in 0..plan.samples {
                // k·step ≤ horizon + step: far below 2^53 ms, so exact in f64.
                let time_s = (k * plan.step_ms) as f64 / 1000.0;
                let mem = match (&entry.memory, &mut memory) {
                    (_, Some(g)) => Some(g.next_sample()),
                    (Memory::Constant(gb), None) => Some(*gb as f32),
                    (Memory::None | Memory::Synth(_), None) => None,
                };
                row(name, time_s, cpu.next_sample(), mem)?;
                rows += 1;
            }
        }
    }
    Ok(rows)
}

/// CSV through the csv crate (floats in their shortest exact form, so reading the file back
/// gives the same `f32` samples), to a temporary file renamed when complete.
fn write_csv(plan: &Plan, path: &Path) -> Result<u64, Error> {
    let (temp, file) = crate::report::create_temp(path)?;
    let tmp = temp.path().to_path_buf();
    let mut out = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
    let io = |e: csv::Error| Error::io(&tmp, std::io::Error::other(e));
    let mut header = vec!["time_s", "workload", "cpu"];
    if plan.with_memory {
        header.push("memory_gb");
    }
    out.write_record(&header).map_err(io)?;
    let rows = each_row(plan, |name, time_s, cpu, mem| {
        match mem {
            Some(m) => out.serialize((time_s, name, cpu, m)),
            None => out.serialize((time_s, name, cpu)),
        }
        .map_err(io)
    })?;
    let mut buffered = out
        .into_inner()
        .map_err(|e| Error::io(&tmp, std::io::Error::other(e.to_string())))?;
    buffered.flush().map_err(|e| Error::io(&tmp, e))?;
    let file = buffered
        .into_inner()
        .map_err(|e| Error::io(&tmp, std::io::Error::other(e.to_string())))?;
    file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    temp.persist(path)?;
    Ok(rows)
}

/// Parquet through `vsesim import`'s writer: `time_s`, `workload`, `cpu` (and `memory_gb`) as
/// Float64 (the `f32` samples exactly), in row groups of a bounded size.
fn write_parquet(plan: &Plan, path: &Path) -> Result<u64, Error> {
    let failed = |e: ImportError| match e {
        ImportError::Usage(m) => Error::Usage(m),
        other => Error::io(path, std::io::Error::other(other.to_string())),
    };
    let mut writer =
        NativeWriter::create(path, Columns::memory_only(plan.with_memory)).map_err(failed)?;
    let rows = each_row(plan, |name, time_s, cpu, mem| {
        writer
            .push(Sample {
                workload: name,
                time_s,
                cpu_cores: f64::from(cpu),
                memory_gb: mem.map(f64::from),
                disk: None,
                net: None,
            })
            .map_err(failed)
    })?;
    writer.finish().map_err(failed)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<Plan, String> {
        compile(Path::new("spec.toml"), text).map_err(|e| e.to_string())
    }

    const HEAD: &str = "[synth]\nstep = \"1h\"\nhorizon = \"2d\"\nseed = 7\n\n";

    #[test]
    fn counts_expand_to_numbered_names() {
        let p = plan(&format!(
            "{HEAD}[[workloads]]\nname = \"db\"\ncount = 10\nsynth = {{ pattern = \"flat\", \
             mean = 1 }}\n\n[[workloads]]\nname = \"web\"\nsynth = {{ pattern = \"flat\", mean \
             = 2 }}\n"
        ))
        .unwrap();
        let names: Vec<&str> = p
            .entries
            .iter()
            .flat_map(|e| e.names.iter().map(String::as_str))
            .collect();
        assert_eq!(names.len(), 11);
        assert_eq!(names[0], "db-001");
        assert_eq!(names[9], "db-010");
        assert_eq!(names[10], "web");
        assert_eq!((p.samples, p.step_ms, p.workloads), (48, 3_600_000, 11));
    }

    #[test]
    fn errors_name_the_line_and_field() {
        for (body, line, field, words) in [
            (
                "[[workloads]]\nname = \"db\"\nsynth = { pattern = \"diurnal\", mean = 10 }\n",
                8,
                "workloads[0] (db).synth",
                "`peak`: required",
            ),
            (
                "[[workloads]]\nname = \"db\"\nsynth = { pattern = \"flat\", mean = -1 }\n",
                8,
                "workloads[0] (db).synth",
                "`mean`",
            ),
            (
                "[[workloads]]\nname = \"db\"\nsynth = { pattern = \"hourly\", mean = 1 }\n",
                8,
                "workloads[0].synth.pattern",
                "unknown variant",
            ),
            (
                "[[workloads]]\nname = \"db\"\ncount = 0\nsynth = { pattern = \"flat\", mean = 1 }\n",
                8,
                "workloads[0] (db).count",
                "expected 1 to",
            ),
            (
                "[[workloads]]\nname = \"db\"\ngroup = \"g\"\nsynth = { pattern = \"flat\", mean = 1, noise = 0.1 }\n",
                8,
                "workloads[0] (db).synth",
                "`correlation`: required",
            ),
            (
                "[[workloads]]\nname = \"db\"\ngroup = \"g\"\ncorrelation = 0.5\nsynth = { pattern = \"flat\", mean = 1, noise = 0.1, group = \"h\" }\n",
                8,
                "workloads[0] (db).group",
                "once",
            ),
            (
                "[[workloads]]\nname = \"db\"\nsynth = { pattern = \"flat\", mean = 1 }\nmemory_gb = 4\n\n[[workloads]]\nname = \"web\"\nsynth = { pattern = \"flat\", mean = 1 }\n",
                12,
                "workloads[1] (web).memory_gb",
                "every row",
            ),
            (
                "[[workloads]]\nname = \"db\"\ncount = 2\nsynth = { pattern = \"flat\", mean = 1 }\n\n[[workloads]]\nname = \"db-002\"\nsynth = { pattern = \"flat\", mean = 1 }\n",
                12,
                "workloads[1] (db-002).name",
                "also a workload of workloads[0]",
            ),
            (
                "[[workloads]]\nname = \"db\"\nsynth = { pattern = \"flat\", mean = 1 }\nhue = 3\n",
                9,
                "workloads[0].hue",
                "unknown field `hue`",
            ),
        ] {
            let e = plan(&format!("{HEAD}{body}")).expect_err(body);
            let want = format!("spec.toml:{line}:");
            assert!(e.starts_with(&want), "{want} in {e}");
            assert!(e.contains(&format!(": {field}: ")), "{field} in {e}");
            assert!(e.contains(words), "{words} in {e}");
        }
        let e = plan("[synth]\nhorizon = \"0s\"\nseed = 1\n").expect_err("no samples");
        assert!(e.contains("spec.toml:2:11: synth.horizon"), "{e}");
        let e = plan("[synth]\nhorizon = \"1d\"\nseed = 1\n").expect_err("no workloads");
        assert!(e.contains(": workloads: no workloads"), "{e}");
        let e = plan("[synth]\nhorizon = \"1d\"\n").expect_err("no seed");
        assert!(e.contains("seed"), "{e}");
    }

    #[test]
    fn the_group_shorthand_equals_the_synth_fields() {
        let rows = |workload: &str| {
            let p = plan(&format!(
                "{HEAD}[[workloads]]\nname = \"db\"\ncount = 2\n{workload}\n"
            ))
            .unwrap();
            let mut out = Vec::new();
            each_row(&p, |n, t, c, _| {
                out.push((n.to_string(), t, c));
                Ok(())
            })
            .unwrap();
            out
        };
        let a = rows(
            "group = \"g\"\ncorrelation = 0.6\nsynth = { pattern = \"flat\", mean = 5, noise = 0.2 }",
        );
        let b = rows(
            "synth = { pattern = \"flat\", mean = 5, noise = 0.2, group = \"g\", correlation = 0.6 }",
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 96);
        assert_eq!(a[48].0, "db-002");
        assert_eq!(a[49].1, 3600.0);
    }
}
