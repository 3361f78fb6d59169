//! The command line: the only module that touches the terminal. It parses arguments, calls
//! the library, shows progress and prints results; `main` maps errors to exit codes.

mod budget;
mod disk;
mod examples;
mod export;
mod folder;
mod import;
mod samples;
mod sweep;
mod synth;

use crate::Error;
use crate::report::{self, summary, table, timeseries};
use crate::scenario::overrides::Override;
use crate::scenario::{self, Scenario};
use crate::sim;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The scenario `vsesim run` uses when given none.
pub const DEFAULT_SCENARIO: &str = "scenarios/demo.toml";

#[derive(Debug, Parser)]
#[command(
    name = "vsesim",
    version,
    about = "Discrete-event capacity simulator for partitioned servers",
    long_about = "vsesim answers capacity planners' what-if questions by simulation: it replays \
                  (or synthesizes) CPU demand across servers split into nPars, vPars, VMs and \
                  resource partitions, and reports utilization, headroom and unmet work.\n\n\
                  Exit codes: 0 done, 1 simulation or I/O failure, 2 bad input, 3 the verdict \
                  exceeds (run and compare with --fail-on exceeds).",
    after_help = examples::VSESIM
)]
pub struct Cli {
    /// With no command, `vsesim` runs the bundled demo (as `vsesim run`).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Colour in the tables (red for what exceeds, green for what meets): auto (on a
    /// terminal, unless NO_COLOR is set), always (even with NO_COLOR, or into a file), never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate one scenario and write its output folder.
    ///
    /// Writes the files listed below to DIR, by default output/<scenario name>/, and prints
    /// the verdict and a short table.
    #[command(after_help = examples::RUN)]
    Run {
        /// The scenario file (TOML). Default: scenarios/demo.toml, the bundled demo.
        scenario: Option<PathBuf>,
        /// Output folder. Default: output/<scenario name>/.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// What if: set a field of the scenario, by the path a sweep axis takes (e.g.
        /// partitions[name=vp-app].cores=4, workloads[name=web].scale=1.5,
        /// report.growth.cpu=fit); repeat or list several. run.json and summary.json record
        /// them.
        #[arg(long = "set", value_name = "PATH=VALUE", num_args = 1..)]
        set: Vec<String>,
        /// List every partition and workload in the table, not only the worst ones.
        #[arg(long)]
        all: bool,
        /// Also write timeseries.csv.
        #[arg(long)]
        csv: bool,
        /// Do not print the table.
        #[arg(short, long)]
        quiet: bool,
        /// Also run N replicas of the random failures (seeds drawn from the scenario's seed
        /// and the replica number; demand is the same in all) and write replicas.json: the
        /// mean and 95 % confidence interval of availability and unmet work. Replicas run on
        /// every core; the results do not depend on how many.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=100_000))]
        replicas: Option<u64>,
        /// Exit with status 3 when the verdict (the worst over servers and partitions)
        /// exceeds, after writing every output: a pipeline's capacity gate.
        #[arg(long, value_name = "WHAT", value_enum)]
        fail_on: Option<FailOn>,
        /// The memory the run may use (e.g. 8G, 512M). By default the memory available on this
        /// machine: a scenario whose estimate exceeds it is refused before it starts (exit 2).
        #[arg(long, value_name = "SIZE", value_parser = budget::parse_size)]
        max_memory: Option<u64>,
        /// Threads: the scenario's islands (complexes joined by nothing: no GiCAP group,
        /// cluster, WLM arbiter or domain in common) and replicas run in parallel. Default:
        /// one per core. The outputs are the same bytes whatever N.
        #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=4096))]
        jobs: Option<u64>,
        /// Run one slice of the scenario's islands, for a batch scheduler: the islands form
        /// the same chunks as on one machine, and chunk c belongs to shard K when
        /// c mod N = K − 1. Writes DIR/part-K-of-N/; `vsesim merge DIR` then writes the run
        /// folder, byte for byte the run on one machine (docs/SCALING.md). `auto` reads K
        /// and N from a Slurm array or a Kubernetes Indexed Job, as `vsesim sweep` does.
        #[arg(long, value_name = "K/N|auto", conflicts_with_all = ["replicas", "fail_on", "csv", "set"])]
        shard: Option<sweep::ShardArg>,
        /// With --shard auto: the number of shards N (a Kubernetes Job's `completions`; also
        /// read from VSESIM_SHARD_COUNT).
        #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
        shard_count: Option<u64>,
    },
    /// Run several scenarios and set them side by side (Capacity Advisor's comparison).
    ///
    /// Each scenario's output folder goes under DIR (default output/compare-A-vs-B/, named
    /// after the scenarios); compare.json holds the side-by-side figures: capacity, peak
    /// demand, utilization, unmet work, the worst workload's SLA share and the cost
    /// breakdown.
    #[command(after_help = examples::COMPARE)]
    Compare {
        /// Two or more scenario files (TOML) with distinct names.
        #[arg(required = true, num_args = 2..)]
        scenarios: Vec<PathBuf>,
        /// Output folder. Default: output/compare-A-vs-B/ (the scenarios' names).
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Do not print the table.
        #[arg(short, long)]
        quiet: bool,
        /// Exit with status 3 when any scenario's verdict exceeds, after writing every
        /// output.
        #[arg(long, value_name = "WHAT", value_enum)]
        fail_on: Option<FailOn>,
        /// The memory each run may use (as for `vsesim run`).
        #[arg(long, value_name = "SIZE", value_parser = budget::parse_size)]
        max_memory: Option<u64>,
    },
    /// Redraw the charts (DIR/charts/*.png, *.svg) and report.html of a run's folder from its
    /// summary.json and timeseries.parquet.
    #[command(after_help = examples::PLOT)]
    Plot {
        /// The folder `vsesim run` wrote, e.g. output/demo.
        dir: PathBuf,
    },
    /// Convert a public trace to vsesim's native layout (Parquet, long: time_s, workload,
    /// cpu, memory_gb, disk_mbps, network_mbps), streaming.
    ///
    /// FORMAT: planetlab (a folder of one file per VM), bitbrains (a folder of per-VM CSVs,
    /// GWA-T-12), alibaba-machine / alibaba-container (cluster-trace-v2018 usage tables; the
    /// meta table beside them gives core counts), azure / azure-max / azure-min (Azure public
    /// dataset vm_cpu_readings, V1 or V2, with vmtable beside it for core counts), capprofile
    /// (HP Capacity Advisor profiles: one file per system, several files or folders of them;
    /// docs/TRACES.md). `cpu` is in cores of the source machine (percent × its cores);
    /// OUT.sources.csv beside the output keeps each source's cores, clock and memory for
    /// normalization. Malformed rows stop the import naming file, line and column; quirks the
    /// trace's documentation describes (NULL cells, duplicates, clock drift, missing samples)
    /// are tolerated and counted.
    #[command(after_help = examples::IMPORT)]
    Import {
        /// The trace format (see above).
        format: String,
        /// The trace: a file or a folder, as the format is distributed (capprofile: one or
        /// more profile files or folders of them).
        #[arg(required = true, num_args = 1..)]
        src: Vec<PathBuf>,
        /// The Parquet file to write.
        #[arg(short, long, value_name = "OUT.parquet")]
        output: PathBuf,
        /// Output step in seconds (default 300).
        #[arg(long, value_name = "SECONDS")]
        step: Option<u32>,
        /// Cores assumed where the trace gives none (default 1: values are fractions of the
        /// source machine; capprofile: for a profile without `#CPU`, else an error).
        #[arg(long)]
        cores: Option<f64>,
        /// Memory size in GiB assumed where the trace gives memory only as a share (Alibaba).
        #[arg(long, value_name = "GIB")]
        memory_gb: Option<f64>,
        /// Disk bandwidth of a source machine at 100 % (Alibaba's `disk_io_percent` is a share
        /// of it); without it Alibaba's disk is not kept. Bitbrains gives KB/s: always kept.
        #[arg(long, value_name = "MB/S")]
        disk_mbps: Option<f64>,
        /// Network bandwidth of a source machine at 100 % (Alibaba's `net_in` + `net_out` are
        /// shares of it); without it Alibaba's network is not kept.
        #[arg(long, value_name = "MB/S")]
        network_mbps: Option<f64>,
        /// Import only these workloads (comma-separated names or ids).
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// Do not print the summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Write a trace or a run's time series as HP Capacity Advisor profiles (capprofile(4)
    /// text files, one per workload or entity), for `capprofile -i` or `vsesim import
    /// capprofile`.
    ///
    /// SRC is a native trace (CSV or Parquet, wide or long; e.g. from `vsesim import`): one
    /// profile per workload, `cpu` read as cores of the host (CPU_UTIL = cpu ÷ cores × 100),
    /// the host from SRC's .sources.csv when it is beside SRC, else from --cores, --ghz and
    /// --memory-gb. Or SRC is a `vsesim run` output folder: one profile per workload, partition
    /// and server of its timeseries.parquet, the host from its summary.json. Samples are
    /// stamped at the end of their 5 minutes from --start. Files are DIR/NAME.txt, the name
    /// made file-safe (the true name is in #Profile). docs/TRACES.md.
    #[command(after_help = examples::EXPORT)]
    Export {
        /// The format to write: capprofile.
        format: String,
        /// A native trace (.csv or .parquet) or a `vsesim run` output folder.
        src: PathBuf,
        /// The folder to write the profiles to (created if needed).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Cores of the host of every workload SRC.sources.csv does not cover (a whole number).
        #[arg(long)]
        cores: Option<f64>,
        /// Clock of those hosts' cores in GHz; for a run folder, the clock of a reference core
        /// (speed 1.0), default 1.
        #[arg(long, value_name = "GHZ")]
        ghz: Option<f64>,
        /// Memory of those hosts in GiB (needed when the trace has memory_gb).
        #[arg(long, value_name = "GIB")]
        memory_gb: Option<f64>,
        /// Step in seconds of a CSV trace without time_s.
        #[arg(long, value_name = "SECONDS")]
        step: Option<u32>,
        /// UTC date and time of time_s = 0: YYYY-MM-DD, "YYYY-MM-DD hh:mm" or YYYYMMDDhhmm.
        /// Default 2000-01-01 00:00.
        #[arg(long, value_name = "DATE")]
        start: Option<String>,
        /// Do not print the summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Plan a consolidation: place measured workloads on the fewest (or cheapest) target
    /// servers so that every server's time-aligned demand stays within its utilization limit
    /// at the chosen percentile.
    ///
    /// PLAN.toml names the trace (native CSV or Parquet, e.g. from `vsesim import`), its
    /// units, the percentile, the limits, the objective and the candidate [[targets]] (cores,
    /// core_speed, memory_gb, price, partitioning "vm" or "vpar"); see docs/PLAN.md. Writes
    /// DIR/plan.json, DIR/NAME-plan.toml (the plan as a scenario: run it to verify) and
    /// DIR/NAME-sum-of-peaks.toml (the classic sizing it saves against).
    #[command(after_help = examples::PLAN)]
    Plan {
        /// The plan file (TOML).
        plan: PathBuf,
        /// Output folder. Default: output/plan-<name>/.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Do not print the summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Write a synthetic trace of many workloads (native long layout: time_s, workload, cpu,
    /// and memory_gb when the spec gives memory), streaming.
    ///
    /// SPEC.toml has a [synth] table (step, default "5m"; horizon; seed) and [[workloads]]
    /// (name; count = N for NAME-001…; synth = { pattern, mean, peak, noise, … } as in a
    /// scenario; group and correlation for correlated noise; memory_gb or memory = { … });
    /// see docs/SYNTH.md. Same spec and seed, same bytes.
    #[command(after_help = examples::SYNTH)]
    Synth {
        /// The spec file (TOML).
        spec: PathBuf,
        /// The trace to write: .parquet or .csv.
        #[arg(short, long, value_name = "OUT.parquet|OUT.csv")]
        output: PathBuf,
        /// Do not print the summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Check a scenario and every trace it names, without running it: every check `run`
    /// makes before it starts, including its memory estimate. Lists up to 20 errors.
    #[command(after_help = examples::VALIDATE)]
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The memory a run may use (as for `vsesim run`).
        #[arg(long, value_name = "SIZE", value_parser = budget::parse_size)]
        max_memory: Option<u64>,
    },
    /// Run a base scenario over a grid or a sample of its fields, with seeded replicas.
    ///
    /// Each point (a value per axis) runs every replica; points run in parallel (-j) and each
    /// is written to DIR/points/ when done, so a rerun resumes where a stopped or killed one
    /// left off. At the end: results.parquet/.csv (a row per point and replica: the axes and
    /// every figure), summary.parquet/.csv (means and 95 % confidence intervals), the
    /// cost-versus-SLA Pareto front (pareto.csv/.json, printed) and charts. docs/SWEEP.md.
    #[command(after_help = examples::SWEEP)]
    Sweep(sweep::SweepArgs),
    /// Combine the folders of a sharded sweep (`vsesim sweep … --shard K/N`) into one.
    ///
    /// Checks that the shards come from the same sweep (same sweep file, base, traces and
    /// vsesim), that each of shards 1..N is there once and that no point is missing; then
    /// writes the tables, Pareto front and charts as the sweep run whole would.
    #[command(after_help = examples::MERGE)]
    Merge(sweep::MergeArgs),
    /// Write the sample traces of traces/ (one folder per format vsesim imports) into DIR:
    /// a developer's command, to regenerate them (traces/README.md).
    #[command(hide = true, after_help = examples::SAMPLES)]
    Samples {
        /// The folder to write planetlab/, bitbrains/, alibaba/, azure/ and capprofile/ in.
        dir: PathBuf,
        /// Seeds the demand and every other drawn value; traces/ holds seed 2026.
        #[arg(long, default_value_t = crate::workload::samples::DEFAULT_SEED)]
        seed: u64,
        /// Do not print the summary.
        #[arg(short, long)]
        quiet: bool,
    },
}

/// What `--fail-on` turns into exit status 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// The verdict exceeds: some server or partition is over a limit at the sizing
    /// percentile.
    Exceeds,
}

pub fn main(cli: Cli) -> Result<(), Error> {
    match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    }
    .write_global();
    let command = cli.command.unwrap_or(Command::Run {
        scenario: None,
        output: None,
        set: Vec::new(),
        all: false,
        csv: false,
        quiet: false,
        replicas: None,
        fail_on: None,
        max_memory: None,
        jobs: None,
        shard: None,
        shard_count: None,
    });
    match command {
        Command::Run {
            scenario,
            output,
            set,
            all,
            csv,
            quiet,
            replicas,
            fail_on,
            max_memory,
            jobs,
            shard,
            shard_count,
        } => {
            let path = scenario.unwrap_or_else(|| PathBuf::from(DEFAULT_SCENARIO));
            if let Some(shard) = shard {
                return with_threads(jobs, || {
                    run_part(&path, output, quiet, max_memory, shard, shard_count)
                });
            }
            if shard_count.is_some() {
                return Err(Error::Usage("--shard-count goes with --shard auto".into()));
            }
            let overrides = set
                .iter()
                .map(|a| Override::parse(a).map_err(|m| Error::Usage(format!("--set {m}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let args = RunArgs {
                output,
                overrides,
                all,
                csv,
                quiet,
                replicas,
                max_memory,
            };
            let summary = with_threads(jobs, || run(&path, args))?;
            fail_on_exceeds(fail_on, &[&summary])
        }
        Command::Compare {
            scenarios,
            output,
            quiet,
            fail_on,
            max_memory,
        } => {
            let summaries = compare(&scenarios, output, quiet, max_memory)?;
            fail_on_exceeds(fail_on, &summaries.iter().collect::<Vec<_>>())
        }
        Command::Validate {
            scenario,
            max_memory,
        } => validate(&scenario, max_memory),
        Command::Plot { dir } => plot(&dir),
        Command::Plan {
            plan,
            output,
            quiet,
        } => crate::plan::run(&plan, output, quiet),
        Command::Synth {
            spec,
            output,
            quiet,
        } => synth::run(synth::Args {
            spec,
            output,
            quiet,
        }),
        Command::Import {
            format,
            src,
            output,
            step,
            cores,
            memory_gb,
            disk_mbps,
            network_mbps,
            select,
            quiet,
        } => import::run(import::Args {
            format,
            src,
            output,
            step_s: step,
            cores,
            memory_gb,
            disk_mbps,
            network_mbps,
            select,
            quiet,
        }),
        Command::Export {
            format,
            src,
            output,
            cores,
            ghz,
            memory_gb,
            step,
            start,
            quiet,
        } => export::run(export::Args {
            format,
            src,
            output,
            cores,
            ghz,
            memory_gb,
            step_s: step,
            start,
            quiet,
        }),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Samples { dir, seed, quiet } => samples::run(&dir, seed, quiet),
    }
}

fn load(path: &Path, max_memory: Option<u64>) -> Result<Scenario, Error> {
    load_with(path, max_memory, &[])
}

/// The scenario at `path` with `overrides` applied (`--set`).
fn load_with(
    path: &Path,
    max_memory: Option<u64>,
    overrides: &[Override],
) -> Result<Scenario, Error> {
    budget::check_file(path, max_memory)?;
    if !path.exists() {
        return Err(Error::Usage(format!(
            "{}: no such scenario file{}",
            path.display(),
            if path == Path::new(DEFAULT_SCENARIO) {
                "; run vsesim from the project folder, or name a scenario: vsesim run SCENARIO.toml"
            } else {
                ""
            }
        )));
    }
    scenario::overrides::load(path, overrides).map_err(|mut errors| {
        if errors.len() == 1 {
            errors.remove(0)
        } else {
            Error::Several(errors)
        }
    })
}

/// Text for the terminal, through `anstream`: the tables' colours are kept or removed as
/// `--color`, NO_COLOR and the terminal decide.
fn show(text: &str) {
    use std::io::Write;
    let mut out = anstream::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn validate(path: &Path, max_memory: Option<u64>) -> Result<(), Error> {
    let s = load(path, max_memory)?;
    let estimate = preflight(&s, max_memory, None)?;
    let m = &s.model;
    let servers = m.nodes.iter().filter(|n| n.parent.is_none()).count();
    println!(
        "{}: ok — scenario `{}`: {} servers, {} partitions, {} workloads, horizon {}; a run needs about {} of memory",
        path.display(),
        s.name,
        servers,
        m.nodes.len() - servers,
        m.workloads.len(),
        scenario::Duration(s.horizon_ms),
        budget::human(estimate.bytes)
    );
    Ok(())
}

/// Exit status 3 (after every output is written) when `--fail-on exceeds` was given and a
/// scenario's verdict exceeds; the message names each and its culprit.
fn fail_on_exceeds(fail_on: Option<FailOn>, summaries: &[&summary::Summary]) -> Result<(), Error> {
    if fail_on != Some(FailOn::Exceeds) {
        return Ok(());
    }
    let over: Vec<String> = summaries
        .iter()
        .filter(|s| s.verdict.status == "exceeds")
        .map(|s| {
            let why = s
                .verdict
                .culprit
                .as_ref()
                .map_or(s.verdict.line.as_str(), |c| c.text.as_str());
            format!("`{}` exceeds: {why}", s.scenario.name)
        })
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    Err(Error::VerdictExceeds(format!(
        "{} (--fail-on exceeds)",
        over.join("; ")
    )))
}

/// Runs `job` on a pool of `jobs` threads (rayon's global pool, one per core, when `None`).
fn with_threads<T>(
    jobs: Option<u64>,
    job: impl FnOnce() -> Result<T, Error> + Send,
) -> Result<T, Error>
where
    T: Send,
{
    match jobs {
        None => job(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build()
            .map_err(|e| Error::Internal(format!("starting {n} threads: {e}")))?
            .install(job),
    }
}

/// What `vsesim run` was asked besides the scenario.
struct RunArgs {
    output: Option<PathBuf>,
    overrides: Vec<Override>,
    all: bool,
    csv: bool,
    quiet: bool,
    replicas: Option<u64>,
    max_memory: Option<u64>,
}

fn run(path: &Path, args: RunArgs) -> Result<summary::Summary, Error> {
    let started = Instant::now();
    let scenario = load_with(path, args.max_memory, &args.overrides)?;
    preflight(&scenario, args.max_memory, args.replicas)?;
    let inputs = scenario::inputs::of_run(path, &args.overrides)?;
    let dir = args
        .output
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    report::remove_temp_files_on_signals();
    let held = folder::claim(&dir)?;
    let applied: Vec<_> = args.overrides.iter().map(Override::applied).collect();
    let (summary, mut run_info) =
        simulate(path, &scenario, &held.dir, args.csv, started, &applied)?;
    let replica_report = match args.replicas {
        Some(n) => Some(run_replicas(&scenario, n, &dir)?),
        None => None,
    };
    write_report(&dir, Some(&inputs.sha256))?;
    record_inputs(&mut run_info, &inputs, &applied)?;
    write_run_json(&dir, run_info, started)?;
    drop(held);
    if !args.quiet {
        show(&table::render_with(
            &summary,
            table::Options { all: args.all },
        ));
        if let Some(r) = &replica_report {
            show(&table::render_replicas(r));
        }
        println!(
            "\nwrote {} in {:.2} s",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(summary)
}

/// `vsesim run SCENARIO --shard K/N`: this shard's chunks of islands, into DIR/part-K-of-N/.
fn run_part(
    path: &Path,
    output: Option<PathBuf>,
    quiet: bool,
    max_memory: Option<u64>,
    shard: sweep::ShardArg,
    shard_count: Option<u64>,
) -> Result<(), Error> {
    let started = Instant::now();
    // The identity reads the scenario file as a TOML table, which for a file of 10⁶ workloads
    // takes gigabytes: done before the scenario is loaded, it does not add to the peak.
    let id = crate::split::identity(path)?;
    let scenario = load(path, max_memory)?;
    let root = output.unwrap_or_else(|| Path::new("output").join(&scenario.name));
    let shard = match (shard, shard_count) {
        (sweep::ShardArg::Fixed(s), None) => s,
        (sweep::ShardArg::Fixed(_), Some(_)) => {
            return Err(Error::Usage(
                "--shard-count goes with --shard auto; with --shard K/N the N is given".into(),
            ));
        }
        (sweep::ShardArg::Auto, count) => {
            let auto = crate::sweep::auto::AutoShard::from_env(count);
            let (s, how) = crate::sweep::auto::resolve(&auto, &root)?;
            // Said even with -q: a batch job's log should show which part it ran, and why.
            eprintln!("--shard auto: part {}/{} ({how})", s.k, s.n);
            s
        }
    };
    // The memory check counts this part's islands only: a part of a scenario too large for
    // one machine is what --shard is for.
    let all = crate::split::chunks(&scenario);
    let mut servers: Vec<u32> = all
        .iter()
        .enumerate()
        .filter(|(c, _)| shard.holds(*c as u64))
        .flat_map(|(_, s)| s.iter().copied())
        .collect();
    servers.sort_unstable();
    if all.len() <= 1 {
        preflight(&scenario, max_memory, None)?;
    } else if !servers.is_empty() {
        let part = sim::island::carve(&scenario, &servers);
        preflight(&part.scenario, max_memory, None)?;
    }
    let dir = root.join(crate::split::folder(shard));
    report::remove_temp_files_on_signals();
    let held = folder::claim(&dir)?;
    let (all, outcomes) = crate::split::run_part(&scenario, shard)?;
    let info = crate::split::write_part(&held.dir, &scenario, path, shard, &all, id, outcomes)?;
    drop(held);
    if !quiet {
        let servers: usize = info.chunks.iter().map(|c| c.servers.len()).sum();
        println!(
            "part {}/{} of `{}`: {} of {} chunk{} of islands ({} server{}){} → {} in {:.2} s",
            shard.k,
            shard.n,
            scenario.name,
            info.chunks.len(),
            all.len(),
            if all.len() == 1 { "" } else { "s" },
            servers,
            if servers == 1 { "" } else { "s" },
            if all.len() == 1 {
                " (its islands are one chunk: the first part runs it whole)"
            } else {
                ""
            },
            dir.display(),
            started.elapsed().as_secs_f64()
        );
        println!("when every part is done: vsesim merge {}", root.display());
    }
    Ok(())
}

/// `vsesim merge` of a split run's parts: the run folder of the whole scenario.
pub(crate) fn merge_run(
    dirs: &[PathBuf],
    output: Option<PathBuf>,
    quiet: bool,
) -> Result<(), Error> {
    let started = Instant::now();
    let (parts, parent) = crate::split::read_parts(dirs)?;
    let first = parts[0].1.clone();
    let path = PathBuf::from(&first.scenario_file);
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "the parts ran `{}`, which is not there from here; run the merge from the folder the parts ran in",
            first.scenario_file
        )));
    }
    if crate::split::identity(&path)? != first.id {
        return Err(Error::Usage(format!(
            "{} or a trace it names changed since the parts ran (or this is another vsesim); run the parts again",
            first.scenario_file
        )));
    }
    // Read before the scenario is loaded, as the identity: its TOML table is not held with it.
    let inputs = scenario::inputs::of_run(&path, &[])?;
    let scenario = load(&path, None)?;
    // Part by part and chunk by chunk: one chunk's full records are held at a time, and
    // what the whole run keeps is its records less the workloads' histograms.
    let all = crate::split::chunks(&scenario);
    let mut merger = crate::split::Merger::new(&scenario, &all, true);
    for (d, info) in &parts {
        let listed: Vec<u64> = info.chunks.iter().map(|c| c.index).collect();
        let mut got = Vec::new();
        crate::split::read_outcomes_each(d, &mut |c, o| {
            got.push(c);
            if listed.get(got.len() - 1) != Some(&c) {
                return Err(Error::Usage(format!(
                    "{}: outcome.bin holds other chunks than part.json lists; run the part again",
                    d.display()
                )));
            }
            merger.add(c, o)
        })?;
        if got != listed {
            return Err(Error::Usage(format!(
                "{}: outcome.bin holds other chunks than part.json lists; run the part again",
                d.display()
            )));
        }
    }
    let loaded = started.elapsed();
    let (outcome, quantiles) = merger.finish()?;
    let dir = match output.or(parent) {
        Some(d) => d,
        None => {
            return Err(Error::Usage(
                "the part folders are not all `part-K-of-N` folders of one parent; name the merged folder with -o DIR".into(),
            ));
        }
    };
    report::remove_temp_files_on_signals();
    let held = folder::claim(&dir)?;
    let (summary, mut info) = write_run(
        &path,
        &scenario,
        &outcome,
        &held.dir,
        false,
        loaded,
        std::time::Duration::ZERO,
        &[],
        &|s| quantiles.restore(s),
    )?;
    // The report reads summary.json back (as `plot` does) and needs none of these: at 10⁶
    // workloads the scenario and the records are gigabytes the report's own peak need not
    // sit on. The table is all the summary is still wanted for.
    drop(outcome);
    drop(all);
    let name = scenario.name.clone();
    drop(scenario);
    let table = (!quiet).then(|| table::render(&summary));
    drop(summary);
    // As `run` does: the report names the inputs' hash, run.json records them.
    write_report(&dir, Some(&inputs.sha256))?;
    record_inputs(&mut info, &inputs, &[])?;
    info.insert(
        "merged_from".into(),
        serde_json::json!(
            parts
                .iter()
                .map(|(d, _)| d.display().to_string())
                .collect::<Vec<_>>()
        ),
    );
    write_run_json(&dir, info, started)?;
    drop(held);
    if let Some(table) = table {
        show(&table);
        println!(
            "\nmerged {} parts of `{}` into {} in {:.2} s",
            parts.len(),
            name,
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// run.json's `inputs` (the scenario's and traces' SHA-256, and one over all of them and the
/// overrides) and `overrides`: what produced the folder.
fn record_inputs(
    info: &mut serde_json::Map<String, serde_json::Value>,
    inputs: &scenario::inputs::RunInputs,
    applied: &[scenario::overrides::Applied],
) -> Result<(), Error> {
    let encode = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| Error::Internal(format!("encoding run.json: {e}")))
    };
    info.insert("inputs".into(), encode(serde_json::to_value(inputs))?);
    info.insert("overrides".into(), encode(serde_json::to_value(applied))?);
    Ok(())
}

/// What `run` checks after loading and before writing anything, and `validate` checks too:
/// the scenario's memory fits the machine (or `--max-memory`), and `--replicas` has random
/// failures to vary.
fn preflight(
    scenario: &Scenario,
    max_memory: Option<u64>,
    replicas: Option<u64>,
) -> Result<budget::Estimate, Error> {
    if let Some(n) = replicas
        && !scenario.ha.is_random()
    {
        return Err(Error::Usage(format!(
            "--replicas {n}: `{}` has no random failures, so every replica would be the same; add [[failures]] with time_to_failure and time_to_repair",
            scenario.name
        )));
    }
    budget::check(scenario, max_memory)
}

/// run.json, written last: its presence marks the folder's run as complete (docs/OUTPUT.md).
fn write_run_json(
    dir: &Path,
    mut info: serde_json::Map<String, serde_json::Value>,
    started: Instant,
) -> Result<(), Error> {
    info.insert(
        "wall_seconds".into(),
        serde_json::json!(started.elapsed().as_secs_f64()),
    );
    let mut run_json = serde_json::to_vec_pretty(&serde_json::Value::Object(info))
        .map_err(|e| Error::Internal(format!("encoding run.json: {e}")))?;
    run_json.push(b'\n');
    report::write_atomic(&dir.join("run.json"), &run_json)
}

/// Monte Carlo over random failures: N replicas on every core, then replicas.json.
fn run_replicas(
    scenario: &Scenario,
    n: u64,
    dir: &Path,
) -> Result<report::replicas::ReplicaReport, Error> {
    let bar = progress_bar(n, "replicas");
    let report = crate::study::replicas(scenario, n, &|| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    })?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut json = serde_json::to_vec_pretty(&report)
        .map_err(|e| Error::Internal(format!("encoding replicas.json: {e}")))?;
    json.push(b'\n');
    report::write_atomic(&dir.join("replicas.json"), &json)?;
    Ok(report)
}

/// A progress bar on stderr when it is a terminal.
fn progress_bar(len: u64, message: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{wide_bar}] {pos}/{len} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    Some(bar)
}

/// Run each scenario into its own folder under DIR and set them side by side; returns their
/// summaries.
fn compare(
    paths: &[PathBuf],
    output: Option<PathBuf>,
    quiet: bool,
    max_memory: Option<u64>,
) -> Result<Vec<summary::Summary>, Error> {
    if paths.len() < 2 {
        return Err(Error::Usage(
            "compare needs at least two scenarios: vsesim compare A.toml B.toml …".into(),
        ));
    }
    let scenarios = paths
        .iter()
        .map(|p| load(p, max_memory))
        .collect::<Result<Vec<_>, _>>()?;
    for s in &scenarios {
        preflight(s, max_memory, None)?;
    }
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(j) = scenarios[..i].iter().position(|t| t.name == s.name) {
            return Err(Error::Usage(format!(
                "{} and {} are both named `{}`; compared scenarios need distinct names (they name the output folders)",
                paths[j].display(),
                paths[i].display(),
                s.name
            )));
        }
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let dir = output.unwrap_or_else(|| Path::new("output").join(compare_folder(&names)));
    report::remove_temp_files_on_signals();
    let _top = folder::claim(&dir)?;
    let mut summaries = Vec::with_capacity(scenarios.len());
    for (path, scenario) in paths.iter().zip(&scenarios) {
        let started = Instant::now();
        let inputs = scenario::inputs::of_run(path, &[])?;
        let sub = dir.join(&scenario.name);
        let held = folder::claim(&sub)?;
        let (summary, mut info) = simulate(path, scenario, &held.dir, false, started, &[])?;
        write_report(&sub, Some(&inputs.sha256))?;
        record_inputs(&mut info, &inputs, &[])?;
        write_run_json(&sub, info, started)?;
        summaries.push(summary);
    }
    let comparison = report::compare::build(&summaries);
    let mut json = serde_json::to_vec_pretty(&comparison)
        .map_err(|e| Error::Internal(format!("encoding compare.json: {e}")))?;
    json.push(b'\n');
    report::write_atomic(&dir.join("compare.json"), &json)?;
    let value = serde_json::to_value(&comparison)
        .map_err(|e| Error::Internal(format!("encoding the report: {e}")))?;
    let charts = draw(&dir, |out| report::charts::draw_compare(&value, out))?;
    let html =
        report::html::render_compare(&comparison, &charts).map_err(|e| Error::io(&dir, e))?;
    report::write_atomic(&dir.join("report.html"), html.as_bytes())?;
    if !quiet {
        show(&report::compare::render(&comparison));
        println!("\nwrote {}", dir.display());
    }
    Ok(summaries)
}

/// compare's default folder, named after what it compares: `demo-vs-demo-4cores`. Long
/// lists keep the first two names (each cut to 60 bytes) and a short hash of them all, so two
/// different comparisons never share a folder and the name stays a valid file name.
pub fn compare_folder(names: &[&str]) -> String {
    let joined = format!("compare-{}", names.join("-vs-"));
    if joined.len() <= 120 {
        return joined;
    }
    let cut = |s: &str| {
        let mut end = s.len().min(60);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_string()
    };
    let hash = scenario::inputs::sha256_hex(names.join("\n").as_bytes());
    let more = match names.len() {
        0..=2 => String::new(),
        n => format!("-and-{}-more", n - 2),
    };
    format!(
        "compare-{}-vs-{}{more}-{}",
        cut(names.first().copied().unwrap_or_default()),
        cut(names.get(1).copied().unwrap_or_default()),
        &hash[..8]
    )
}

/// The charts (charts/*.png and *.svg) and report.html of a run's folder, from its
/// summary.json, timeseries.parquet and replicas.json (when there): what `run` ends with and
/// `plot` redoes. `inputs_sha256` (run.json's) is printed in the page's header.
fn write_report(dir: &Path, inputs_sha256: Option<&str>) -> Result<usize, Error> {
    let summary = summary::read(&dir.join("summary.json"))?;
    let parquet = dir.join("timeseries.parquet");
    let rows = if parquet.exists() {
        timeseries::read_parquet(&parquet)?
    } else {
        Vec::new()
    };
    // A damaged file is said, not skipped: the report would silently lose its section.
    let replicas_path = dir.join("replicas.json");
    let replicas = if replicas_path.is_file() {
        Some(report::replicas::read(&replicas_path)?)
    } else {
        None
    };
    let charts = draw(dir, |out| report::charts::draw_run(&summary, &rows, out))?;
    let extras = report::html::Extras {
        replicas: replicas.as_ref(),
        inputs_sha256,
    };
    let html =
        report::html::render_run_with(summary, &charts, &extras).map_err(|e| Error::io(dir, e))?;
    report::write_atomic(&dir.join("report.html"), html.as_bytes())?;
    Ok(charts.len())
}

/// Draw into DIR/charts/, emptied first: a folder holds one run's charts.
fn draw(
    dir: &Path,
    f: impl FnOnce(&Path) -> Result<Vec<report::charts::ChartFile>, report::charts::ChartError>,
) -> Result<Vec<report::html::Chart>, Error> {
    let out = dir.join("charts");
    if out.is_dir() {
        for entry in std::fs::read_dir(&out).map_err(|e| Error::io(&out, e))? {
            let path = entry.map_err(|e| Error::io(&out, e))?.path();
            if path.extension().is_some_and(|e| e == "png" || e == "svg") {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
    }
    let files = f(&out).map_err(|e| Error::Internal(format!("drawing the charts: {e}")))?;
    Ok(files
        .into_iter()
        .map(|c| report::html::Chart {
            title: c.title,
            svg_path: c.svg,
        })
        .collect())
}

/// Redraw a run's charts and report.html from its folder.
fn plot(dir: &Path) -> Result<(), Error> {
    if !dir.join("summary.json").is_file() {
        return Err(Error::Usage(format!(
            "{}: no summary.json; expected the folder of a `vsesim run` (e.g. output/demo)",
            dir.display()
        )));
    }
    report::remove_temp_files_on_signals();
    let _held = folder::lock_only(dir)?;
    let inputs = std::fs::read_to_string(dir.join("run.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.pointer("/inputs/sha256")?.as_str().map(str::to_string));
    let n = write_report(dir, inputs.as_deref())?;
    println!("drew {n} charts and report.html in {}", dir.display());
    Ok(())
}

/// Simulate one scenario and write its output folder, which the caller holds and has
/// cleared; returns its summary and what run.json will say, for the caller to write last.
/// The charts and report.html are the caller's, after any replicas (the report shows them).
fn simulate(
    path: &Path,
    scenario: &Scenario,
    dir: &Path,
    csv: bool,
    started: Instant,
    overrides: &[scenario::overrides::Applied],
) -> Result<(summary::Summary, serde_json::Map<String, serde_json::Value>), Error> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(scenario.horizon_ms);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{wide_bar}] {percent:>3}% ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(scenario.name.clone());
        Some(bar)
    } else {
        None
    };
    let loaded = started.elapsed();
    let sim_started = Instant::now();
    let outcome = crate::study::run(scenario, &|done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    })?;
    let simulated = sim_started.elapsed();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    write_run(
        path,
        scenario,
        &outcome,
        dir,
        csv,
        loaded,
        simulated,
        overrides,
        &|_| {},
    )
}

/// The run folder's files from a run's records: summary.json, the time series and the stats;
/// and run.json's figures (report.html comes after, with the replicas). A run on one machine
/// and a split run merged (`crate::split`) both come here, so their folders are the same
/// bytes. `restore` puts back into the summary what the records no longer hold (a split run's
/// merge keeps its workloads' quantiles, not their histograms: `split::WorkloadQuantiles`).
#[allow(clippy::too_many_arguments)]
fn write_run(
    path: &Path,
    scenario: &Scenario,
    outcome: &sim::Outcome,
    dir: &Path,
    csv: bool,
    loaded: std::time::Duration,
    simulated: std::time::Duration,
    overrides: &[scenario::overrides::Applied],
    restore: &dyn Fn(&mut summary::Summary),
) -> Result<(summary::Summary, serde_json::Map<String, serde_json::Value>), Error> {
    let mut summary = crate::study::summarize(scenario, outcome, overrides)?;
    restore(&mut summary);
    let mut json = serde_json::to_vec_pretty(&summary)
        .map_err(|e| Error::Internal(format!("encoding summary.json: {e}")))?;
    json.push(b'\n');
    report::write_atomic(&dir.join("summary.json"), &json)?;
    let (parquet, csv_path) = (dir.join("timeseries.parquet"), dir.join("timeseries.csv"));
    let want_csv = csv || scenario.report.timeseries_csv;
    if let Some(ts) = &outcome.timeseries {
        timeseries::write_parquet(&parquet, scenario, ts)?;
        if want_csv {
            timeseries::write_csv(&csv_path, scenario, ts)?;
        }
    }
    let stats = report::stats::rows(&summary, outcome.timeseries.as_ref(), &scenario.model);
    report::stats::write(dir, &stats)?;
    let mut info = serde_json::Map::new();
    for (key, value) in [
        (
            "vsesim_version",
            serde_json::json!(env!("CARGO_PKG_VERSION")),
        ),
        (
            "scenario_file",
            serde_json::json!(path.display().to_string()),
        ),
        // Set by `write_run_json`, when everything else is written.
        ("wall_seconds", serde_json::json!(0.0)),
        ("load_seconds", serde_json::json!(loaded.as_secs_f64())),
        (
            "simulate_seconds",
            serde_json::json!(simulated.as_secs_f64()),
        ),
        ("events", serde_json::json!(outcome.stats.events)),
        ("segments", serde_json::json!(outcome.stats.segments)),
        (
            "events_per_second",
            serde_json::json!(outcome.stats.events as f64 / simulated.as_secs_f64().max(1e-9)),
        ),
    ] {
        info.insert(key.into(), value);
    }
    Ok((summary, info))
}
