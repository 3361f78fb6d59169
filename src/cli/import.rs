//! `vsesim import FORMAT SRC -o OUT.parquet`: public traces to the native long layout.

use crate::Error;
use crate::workload::import::writer::{Columns, NativeWriter, write_sources};
use crate::workload::import::{self, Basis, Capacity, Format, ImportError, Options, Source};
use crate::workload::{TraceError, planetlab};
use std::path::{Path, PathBuf};

/// What the command line gives.
pub struct Args {
    pub format: String,
    pub src: PathBuf,
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
    if !args.src.exists() {
        return Err(Error::Usage(format!(
            "{}: no such file or folder",
            args.src.display()
        )));
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
    let options = Options {
        step_s: args.step_s,
        default_cores: args.cores.unwrap_or(1.0),
        default_memory_gb: args.memory_gb,
        select: (!args.select.is_empty()).then(|| args.select.iter().cloned().collect()),
    };
    let sources_path = args.output.with_extension("sources.csv");
    let (sources, summary) = if args.format.trim().eq_ignore_ascii_case("planetlab") {
        planetlab_folder(&args.src, &args.output, &options)?
    } else {
        let format: Format = args
            .format
            .parse()
            .map_err(|e: String| Error::Usage(format!("{e}, planetlab")))?;
        let columns = columns(format, &args)?;
        let mut writer = NativeWriter::create(&args.output, columns).map_err(cause)?;
        let report =
            import::import(format, &args.src, &options, &mut |s| writer.push(s)).map_err(cause)?;
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
