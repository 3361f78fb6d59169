//! `vsesim import FORMAT SRC… -o OUT.parquet`: public traces to the native long layout.

use crate::Error;
use crate::workload::import::writer::{Columns, NativeWriter, write_sources};
use crate::workload::import::{self, Basis, Capacity, Format, ImportError, Options, Source};
use crate::workload::{TraceError, capprofile, planetlab};
use std::path::{Path, PathBuf};

/// What the command line gives.
pub struct Args {
    pub format: String,
    /// One file or folder; several only for capprofile (a profile per file).
    pub src: Vec<PathBuf>,
    pub output: PathBuf,
    pub step_s: Option<u32>,
    pub cores: Option<f64>,
    pub memory_gb: Option<f64>,
    /// Alibaba: MB/s of a source machine's disk at 100 %.
    pub disk_mbps: Option<f64>,
    /// Alibaba: MB/s of a source machine's network at 100 %.
    pub network_mbps: Option<f64>,
    pub select: Vec<String>,
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<(), Error> {
    for src in &args.src {
        if !src.exists() {
            return Err(Error::Usage(format!(
                "{}: no such file or folder",
                src.display()
            )));
        }
    }
    if args.output.extension().is_none_or(|e| e != "parquet") {
        return Err(Error::Usage(format!(
            "-o {}: expected a .parquet file to write",
            args.output.display()
        )));
    }
    if let Some(parent) = args.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let read = super::disk::input_bytes(&args.src);
    let bytes = (read as f64 * super::disk::IMPORT_OUTPUT_PER_INPUT_BYTE) as u64;
    super::disk::check_free(
        &args.output,
        bytes,
        &format!("importing {} of traces", super::budget::human(read)),
    )?;
    crate::report::remove_temp_files_on_signals();
    let options = Options {
        step_s: args.step_s,
        default_cores: args.cores.unwrap_or(1.0),
        default_memory_gb: args.memory_gb,
        select: (!args.select.is_empty()).then(|| args.select.iter().cloned().collect()),
    };
    let sources_path = args.output.with_extension("sources.csv");
    let format = args.format.trim().to_ascii_lowercase();
    let (sources, summary) = if format == "capprofile" {
        capprofile_files(&args)?
    } else if format == "planetlab" {
        let src = single(&args.src, &format)?;
        planetlab_folder(src, &args.output, &options)?
    } else {
        let src = single(&args.src, &format)?;
        let format: Format = args
            .format
            .parse()
            .map_err(|e: String| Error::Usage(format!("{e}, planetlab, capprofile")))?;
        let columns = columns(format, &args)?;
        let mut writer = NativeWriter::create(&args.output, columns).map_err(cause)?;
        let report =
            import::import(format, src, &options, &mut |s| writer.push(s)).map_err(cause)?;
        writer.finish().map_err(cause)?;
        let skipped = report.rows_skipped();
        let summary = format!(
            "{} workloads × {} samples every {} s ({} rows read, {} used, {} skipped; {} gaps filled, {} padded, {} duplicates merged)",
            report.workloads(),
            report.samples_per_workload,
            report.step_s,
            report.rows_read,
            report.rows_used,
            skipped,
            report.gaps_filled,
            report.padded,
            report.duplicates
        );
        (report.sources, summary)
    };
    write_sources(&sources_path, &sources).map_err(cause)?;
    if !args.quiet {
        println!("{summary}");
        println!(
            "wrote {} (cpu in cores of each source machine: use units = \"cores\") and {}",
            args.output.display(),
            sources_path.display()
        );
    }
    Ok(())
}

/// The one SRC of a format distributed as one file or folder.
fn single<'a>(srcs: &'a [PathBuf], format: &str) -> Result<&'a Path, Error> {
    match srcs {
        [src] => Ok(src),
        _ => Err(Error::Usage(format!(
            "{format} takes one SRC (a file or a folder, as the trace is distributed); only capprofile takes several"
        ))),
    }
}

/// KB/s to MB/s (decimal, as disk and network vendors count).
const MBPS_PER_KBPS: f64 = 1e-3;

/// The optional columns each format fills. Azure carries no memory, disk or network; Bitbrains
/// carries all three (KB/s); Alibaba gives memory and I/O as shares of sizes it does not
/// publish, so they are kept only where the user gives the sizes.
fn columns(format: Format, args: &Args) -> Result<Columns, Error> {
    let bandwidth = |value: Option<f64>, flag: &str| match value {
        Some(v) if !(v.is_finite() && v > 0.0) => Err(Error::Usage(format!(
            "--{flag} {v}: expected a bandwidth in MB/s > 0"
        ))),
        Some(v) => Ok(Some(v / 100.0)),
        None => Ok(None),
    };
    let alibaba_only = |value: Option<f64>, flag: &str| {
        if value.is_some() && !matches!(format, Format::Alibaba(_)) {
            return Err(Error::Usage(format!(
                "--{flag} applies to Alibaba's percent columns only; this format gives its own units"
            )));
        }
        Ok(())
    };
    alibaba_only(args.disk_mbps, "disk-mbps")?;
    alibaba_only(args.network_mbps, "network-mbps")?;
    Ok(match format {
        Format::Azure(_) => Columns::default(),
        Format::Alibaba(_) => Columns {
            memory: args.memory_gb.is_some(),
            disk_mbps_per_unit: bandwidth(args.disk_mbps, "disk-mbps")?,
            network_mbps_per_unit: bandwidth(args.network_mbps, "network-mbps")?,
        },
        Format::Bitbrains => Columns {
            memory: true,
            disk_mbps_per_unit: Some(MBPS_PER_KBPS),
            network_mbps_per_unit: Some(MBPS_PER_KBPS),
        },
    })
}

/// An import error as the command's error: bad input is exit 2, a failed write exit 1.
fn cause(e: ImportError) -> Error {
    match e {
        ImportError::Trace(t) => Error::Trace {
            source: Box::new(t),
            context: "vsesim import".into(),
        },
        ImportError::Usage(m) => Error::Usage(m),
        ImportError::Sink(e) => Error::Internal(format!("writing the output: {e}")),
    }
}

/// Capacity Advisor profiles: each SRC a profile file or a folder of them (every file in it
/// not starting with `.`, in name order), one workload per profile.
fn capprofile_files(args: &Args) -> Result<(Vec<Source>, String), Error> {
    if args.step_s.is_some() {
        return Err(Error::Usage(
            "capprofile takes its step from the profiles' times; leave out --step".into(),
        ));
    }
    if args.disk_mbps.is_some() || args.network_mbps.is_some() {
        return Err(Error::Usage(
            "--disk-mbps and --network-mbps apply to Alibaba's percent columns only; capprofile's DISK_UTIL and NET_UTIL are MB/s".into(),
        ));
    }
    let mut parsed = Vec::new();
    for path in profile_files(&args.src)? {
        let bytes = crate::input::read(&path)
            .map_err(|e| cause(ImportError::Trace(crate::workload::read_error(&path, &e))))?;
        let profile = capprofile::parse(&path, &bytes).map_err(|e| cause(e.into()))?;
        parsed.push((path, profile));
    }
    let options = capprofile::Options {
        default_cores: args.cores,
        default_memory_gb: args.memory_gb,
        select: (!args.select.is_empty()).then(|| args.select.iter().cloned().collect()),
    };
    let plan = capprofile::plan(parsed, &options).map_err(cause)?;
    let mut writer = NativeWriter::create(&args.output, plan.columns()).map_err(cause)?;
    let report = plan.emit(&mut |s| writer.push(s)).map_err(cause)?;
    writer.finish().map_err(cause)?;
    let mut summary = format!(
        "{} workloads × {} samples every {} s, time_s 0 = {} ({} sample lines; {} duplicate times, the last line kept; {} no-data samples filled with the last value",
        report.sources.len(),
        report.samples_per_workload,
        report.step_s,
        capprofile::format_utc(report.origin_s),
        report.lines,
        report.duplicates,
        report.no_data_samples,
    );
    if let Some(gap) = &report.longest_gap {
        summary.push_str(&format!(
            " (longest: {} steps of `{}` from {} s)",
            gap.steps, gap.workload, gap.from_s
        ));
    }
    let cells: Vec<String> = report
        .no_data_cells
        .iter()
        .map(|(m, n)| format!("{m} {n}"))
        .collect();
    if !cells.is_empty() {
        summary.push_str(&format!(
            "; no-data cells, filled likewise: {}",
            cells.join(", ")
        ));
    }
    summary.push_str(&format!(
        "; {} steps padded with zero outside a profile's span)",
        report.padded
    ));
    if !report.not_kept.is_empty() {
        let names: Vec<&str> = report.not_kept.iter().copied().collect();
        summary.push_str(&format!(
            "\n{} checked but not kept: the native layout holds demand, not allocations",
            names.join(" and ")
        ));
    }
    Ok((report.sources, summary))
}

/// The files SRC… name: a file itself, a folder's files (not its subfolders, nor hidden
/// entries) in name order.
fn profile_files(srcs: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for src in srcs {
        if !src.is_dir() {
            files.push(src.clone());
            continue;
        }
        let mut inside: Vec<PathBuf> = std::fs::read_dir(src)
            .map_err(|e| Error::io(src, e))?
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        if inside.is_empty() {
            return Err(Error::Usage(format!(
                "{}: no files in this folder; expected Capacity Advisor profiles",
                src.display()
            )));
        }
        inside.sort();
        files.extend(inside);
    }
    Ok(files)
}

/// PlanetLab as distributed: a folder of one file per VM, a percent of the VM's CPU every
/// 5 minutes. Each VM counts `--cores` cores (default 1).
fn planetlab_folder(
    src: &Path,
    output: &Path,
    options: &Options,
) -> Result<(Vec<Source>, String), Error> {
    let mut files: Vec<PathBuf> = if src.is_dir() {
        std::fs::read_dir(src)
            .map_err(|e| Error::io(src, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect()
    } else {
        vec![src.to_path_buf()]
    };
    files.sort();
    if let Some(select) = &options.select {
        files.retain(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| select.contains(n))
        });
    }
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no PlanetLab files to import",
            src.display()
        )));
    }
    if options.step_s.is_some_and(|s| s != 300) {
        return Err(Error::Usage(
            "PlanetLab samples are 5 minutes apart; leave out --step".into(),
        ));
    }
    let cores = options.default_cores;
    let mut writer = NativeWriter::create(output, Columns::default()).map_err(cause)?;
    let mut sources = Vec::with_capacity(files.len());
    let mut length = None;
    for file in &files {
        let series = planetlab::read(file).map_err(|e| Error::Trace {
            source: Box::new(e),
            context: "vsesim import planetlab".into(),
        })?;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        // The native layout needs the same times for every workload.
        let n = series.cpu.len();
        if *length.get_or_insert(n) != n {
            return Err(Error::Trace {
                source: Box::new(TraceError::new(
                    file,
                    format!(
                        "{n} samples, but the files before it have {}; expected VMs of one day",
                        length.unwrap_or(0)
                    ),
                )),
                context: "vsesim import planetlab".into(),
            });
        }
        for (k, &percent) in series.cpu.iter().enumerate() {
            writer
                .push(import::Sample {
                    workload: &name,
                    time_s: (k as u64 * series.step_ms / 1000) as f64,
                    cpu_cores: percent as f64 / 100.0 * cores,
                    memory_gb: None,
                    disk: None,
                    net: None,
                })
                .map_err(cause)?;
        }
        sources.push(Source {
            workload: name,
            cores: Capacity {
                value: cores,
                from: Basis::Assumed,
            },
            mhz_per_core: None,
            memory_gb: None,
            rows: n as u64,
            first_s: 0.0,
            last_s: (n.saturating_sub(1) * 300) as f64,
        });
    }
    writer.finish().map_err(cause)?;
    let summary = format!(
        "{} workloads × {} samples every 300 s",
        sources.len(),
        length.unwrap_or(0)
    );
    Ok((sources, summary))
}
