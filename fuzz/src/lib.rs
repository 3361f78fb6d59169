//! The bodies of vsesim's fuzz targets: one function per input format, taking arbitrary bytes.
//!
//! Each must return (the input is accepted or rejected with an error), never panic, and what
//! it accepts must keep the reader's documented invariants, which are asserted here. The
//! `fuzz_targets/*.rs` binaries are one-line wrappers for `cargo fuzz`; the parent crate's
//! `tests/checks/fuzz_regressions.rs` includes this file and replays `fuzz/seeds/` and
//! `fuzz/regressions/` through the same functions, so `cargo test` keeps every crash found
//! fixed without libFuzzer or nightly flags (docs/FUZZING.md).
//!
//! The importers read files and folders (they walk folders, seek to a file's tail, find a
//! meta table beside the usage table), so their targets write the input to a scratch folder
//! and import from there: the real code path, at the cost of a few file writes per input.
//! Inputs for several files are split at [`FILE_SEPARATOR`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use vsesim::workload::import::{self, AlibabaTable, AzureCpu, Format, ImportReport, Options};
use vsesim::workload::native::NativeTrace;
use vsesim::workload::{Series, native, parquet, planetlab};

/// Splits one input into several files (Bitbrains VMs, an Alibaba usage and meta table, Azure
/// readings and vmtables): a line holding only `--`.
pub const FILE_SEPARATOR: &[u8] = b"\n--\n";

/// The scenario's `step` the native readers are also tried with: 5 minutes, as the bundled
/// traces have (without it a trace must have a `time_s` column).
const STEP_MS: u64 = 300_000;

/// A scenario text: compiled as if it were `scenario.toml` in a folder that does not exist, so
/// relative trace paths find nothing (trace reading has its own targets). Invalid UTF-8 is replaced
/// rather than rejected, so every input reaches the TOML parser; `scenario::load` checks the
/// encoding itself.
pub fn scenario(data: &[u8]) {
    let path = std::env::temp_dir().join("vsesim-fuzz-no-such-folder/scenario.toml");
    let text = String::from_utf8_lossy(data);
    let _ = vsesim::scenario::load_str(&path, &text);
}

/// A native CSV trace, read without and with a scenario step.
pub fn native_csv(data: &[u8]) {
    let path = Path::new("fuzz.csv");
    for step_ms in [None, Some(STEP_MS)] {
        if let Ok(trace) = native::read_csv_from(path, data, step_ms) {
            check_native(&trace, step_ms);
        }
    }
}

/// A native Parquet trace, read without and with a scenario step.
pub fn native_parquet(data: &[u8]) {
    let path = Path::new("fuzz.parquet");
    for step_ms in [None, Some(STEP_MS)] {
        let bytes = std::io::Cursor::new(data);
        if let Ok(trace) = parquet::read_from(path, bytes, step_ms) {
            check_native(&trace, step_ms);
        }
    }
}

/// A Capacity Advisor profile: parsed, planned onto its grid and emitted. An accepted profile
/// gives finite, non-negative samples, as many per workload as the grid has steps.
pub fn capprofile(data: &[u8]) {
    use vsesim::workload::capprofile;
    let path = Path::new("fuzz.txt");
    let Ok(parsed) = capprofile::parse(path, data) else {
        return;
    };
    let options = capprofile::Options {
        default_cores: Some(4.0),
        default_memory_gb: Some(16.0),
        select: None,
    };
    let Ok(plan) = capprofile::plan(vec![(path.to_path_buf(), parsed)], &options) else {
        return;
    };
    let mut samples = 0u64;
    let mut sink = |s: import::Sample<'_>| {
        for v in [Some(s.cpu_cores), s.memory_gb, s.disk, s.net]
            .into_iter()
            .flatten()
        {
            assert!(v.is_finite() && v >= 0.0, "sample out of range: {s:?}");
        }
        samples += 1;
        Ok(())
    };
    if let Ok(report) = plan.emit(&mut sink) {
        assert_eq!(
            samples, report.samples,
            "samples emitted and reported differ"
        );
    }
}

/// A PlanetLab trace: one percent per line.
pub fn planetlab(data: &[u8]) {
    if let Ok(series) = planetlab::read_from(Path::new("fuzz.txt"), data) {
        assert!(!series.cpu.is_empty(), "an accepted trace has samples");
        assert_eq!(series.step_ms, planetlab::STEP_MS);
        assert!(
            series.cpu.iter().all(|v| (0.0..=100.0).contains(v)),
            "percent out of range: {series:?}"
        );
    }
}

/// A Bitbrains folder: each part of the input is one VM's file (`1.csv`, `2.csv`, …), imported
/// at the default 5-minute step and at a 1 s step.
pub fn bitbrains(data: &[u8]) {
    let dir = Scratch::new("bitbrains");
    for (i, part) in parts(data).enumerate() {
        dir.write(&format!("{}.csv", i + 1), part);
    }
    for step_s in [None, Some(1)] {
        run_import(Format::Bitbrains, &dir.0, step_s);
    }
}

/// An Alibaba folder: the first part of the input is the usage table, the second (if any) the
/// meta table beside it, read as both the machine and the container tables.
pub fn alibaba(data: &[u8]) {
    let dir = Scratch::new("alibaba");
    let mut parts = parts(data);
    let usage = parts.next().unwrap_or_default();
    let meta = parts.next();
    for table in ["machine", "container"] {
        dir.write(&format!("{table}_usage.csv"), usage);
        if let Some(meta) = meta {
            dir.write(&format!("{table}_meta.csv"), meta);
        }
    }
    for table in [AlibabaTable::Machine, AlibabaTable::Container] {
        for step_s in [None, Some(1)] {
            run_import(Format::Alibaba(table), &dir.0, step_s);
        }
    }
}

/// An Azure folder: each part of the input is a file (`1.csv`, …), readings or vmtable as its
/// first row says, imported with the mean and the peak CPU.
pub fn azure(data: &[u8]) {
    let dir = Scratch::new("azure");
    for (i, part) in parts(data).enumerate() {
        dir.write(&format!("{}.csv", i + 1), part);
    }
    for (stat, step_s) in [(AzureCpu::Avg, None), (AzureCpu::Max, Some(1))] {
        run_import(Format::Azure(stat), &dir.0, step_s);
    }
}

/// The parts of a multi-file input, split at [`FILE_SEPARATOR`].
fn parts(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let data = rest?;
        match data
            .windows(FILE_SEPARATOR.len())
            .position(|w| w == FILE_SEPARATOR)
        {
            Some(i) => {
                rest = Some(&data[i + FILE_SEPARATOR.len()..]);
                Some(&data[..=i]) // keep the part's final newline
            }
            None => {
                rest = None;
                Some(data)
            }
        }
    })
}

/// What every series of one native trace shares (`NativeTrace`'s documented invariant).
fn check_native(trace: &NativeTrace, step_ms: Option<u64>) {
    let Some((_, first)) = trace.series.first() else {
        return;
    };
    for (name, s) in &trace.series {
        assert!(
            (s.start_ms, s.step_ms, s.cpu.len())
                == (first.start_ms, first.step_ms, first.cpu.len()),
            "`{name}` has another grid than the first series"
        );
        check_series(name, s);
    }
    if let Some(step) = step_ms {
        assert_eq!(first.step_ms, step, "the scenario step must be kept");
    }
}

fn check_series(name: &str, s: &Series) {
    assert!(s.step_ms > 0, "`{name}`: step 0");
    assert!(!s.cpu.is_empty(), "`{name}`: no samples");
    if let Some(memory) = &s.memory_gb {
        assert_eq!(memory.len(), s.cpu.len(), "`{name}`: memory length");
    }
}

/// Samples one import may emit before the sink stops it, as a failing writer would. A few
/// rows can legitimately ask for millions of samples (a span of up to 2^22 steps per
/// workload), which would slow fuzzing to a few inputs per second; past this the contract
/// is not checked for that input.
const MAX_SAMPLES: usize = 100_000;

/// Imports `src` and checks the samples against the importer's documented contract: one
/// workload after another, each on the same grid in time order, values finite and ≥ 0.
fn run_import(format: Format, src: &Path, step_s: Option<u32>) {
    let options = Options {
        step_s,
        ..Options::default()
    };
    // Workloads in the order their samples came, and every sample's time: an import may emit
    // millions of samples, so no name per sample.
    let mut workloads: Vec<(String, usize)> = Vec::new();
    let mut times: Vec<f64> = Vec::new();
    let mut sink = |s: import::Sample<'_>| {
        for v in [Some(s.cpu_cores), s.memory_gb, s.disk, s.net]
            .into_iter()
            .flatten()
        {
            assert!(v.is_finite() && v >= 0.0, "{format}: value {v} in {s:?}");
        }
        match workloads.last_mut() {
            Some((name, n)) if name == s.workload => *n += 1,
            _ => {
                assert!(
                    workloads.iter().all(|(name, _)| name != s.workload),
                    "{format}: samples of `{}` interleaved with others",
                    s.workload
                );
                workloads.push((s.workload.to_owned(), 1));
            }
        }
        times.push(s.time_s);
        if times.len() > MAX_SAMPLES {
            return Err(import::ImportError::sink("fuzzing: output limit reached"));
        }
        Ok(())
    };
    if let Ok(report) = import::import(format, src, &options, &mut sink) {
        check_report(format, &report, &workloads, &times);
    }
}

fn check_report(
    format: Format,
    report: &ImportReport,
    workloads: &[(String, usize)],
    times: &[f64],
) {
    let per = report.samples_per_workload as usize;
    assert_eq!(times.len() as u64, report.samples, "{format}: samples");
    let names: Vec<&str> = report.sources.iter().map(|s| s.workload.as_str()).collect();
    let emitted: Vec<&str> = workloads.iter().map(|(name, _)| name.as_str()).collect();
    if per > 0 {
        assert_eq!(emitted, names, "{format}: sources and samples differ");
    }
    let step = f64::from(report.step_s);
    let mut times = times.iter();
    for (name, n) in workloads {
        assert_eq!(*n, per, "{format}: `{name}` is not on the common grid");
        for (i, t) in times.by_ref().take(*n).enumerate() {
            assert_eq!(
                *t,
                report.start_s + i as f64 * step,
                "{format}: `{name}` off the grid at sample {i}"
            );
        }
    }
}

/// libFuzzer's panic hook aborts on every panic, even one that is caught. vsesim catches
/// panics inside polars' Parquet reader (polars panics on some corrupt files; vsesim turns
/// that into an error), so for `native_parquet` a panic raised in polars' code is let unwind
/// to vsesim. One that vsesim does not catch still reaches libfuzzer-sys, which aborts: no
/// crash is hidden. Call once, from the target's `init`.
pub fn let_polars_panics_unwind() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_polars = info
            .location()
            .is_some_and(|l| l.file().contains("/polars-"));
        if !in_polars {
            abort(info);
        }
    }));
}

/// A folder of its own for one input, removed afterwards: `cargo test` replays inputs on
/// several threads.
struct Scratch(PathBuf);

impl Scratch {
    fn new(target: &str) -> Scratch {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vsesim-fuzz-{target}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }

    fn write(&self, name: &str, content: &[u8]) {
        std::fs::write(self.0.join(name), content).expect("scratch file");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
