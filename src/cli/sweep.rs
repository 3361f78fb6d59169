//! `vsesim sweep` and `vsesim merge` on the terminal: arguments, the progress bar, Ctrl-C and
//! SIGTERM, and the closing lines. The work itself is the library's (`crate::sweep`).

use crate::Error;
use crate::sweep::{self, Finished, Options, Resume, Shard};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The sweep file (TOML): `[sweep]` names the base scenario, the replicas and the sampling;
    /// each `[[axes]]` a field of the base and its values (docs/SWEEP.md). Example:
    /// scenarios/sweep-ownborrow.toml.
    pub sweep: PathBuf,
    /// Output folder. Default: output/<sweep name>/. With --shard, the shard writes into
    /// DIR/shard-K-of-N/.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Threads: points (and a point's replicas) run in parallel. Default: one per core. The
    /// results are the same bytes whatever N.
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub jobs: Option<u64>,
    /// Run one slice of the points, for a batch scheduler: point i belongs to shard K when
    /// i mod N = K − 1 (K counts from 1). Run K = 1..N anywhere (a Slurm array, a Kubernetes
    /// Indexed Job: docs/SCALING.md), then `vsesim merge DIR`. `auto` reads K and N from a
    /// Slurm array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT; a resubmitted task keeps
    /// the N of the shard folders already in DIR) or a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX + 1, with N from --shard-count or VSESIM_SHARD_COUNT).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<ShardArg>,
    /// With --shard auto: the number of shards N (a Kubernetes Job's `completions`; also
    /// read from VSESIM_SHARD_COUNT). Overrides what the environment says.
    #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
    pub shard_count: Option<u64>,
    /// Discard the results already in the folder and start over.
    #[arg(long, conflicts_with = "force")]
    pub restart: bool,
    /// Resume although the sweep file, the base or a trace changed since the folder's results
    /// were computed, keeping the finished points whose parameters and seeds are unchanged.
    /// Only for changes you know do not alter results (a comment, a description);
    /// sweep.json records that the results were forced.
    #[arg(long)]
    pub force: bool,
    /// Run at most N points, then stop; the same command later runs the rest.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--shard K/N` or `--shard auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    Fixed(Shard),
    Auto,
}

impl std::str::FromStr for ShardArg {
    type Err = String;
    fn from_str(s: &str) -> Result<ShardArg, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(ShardArg::Auto);
        }
        s.parse::<Shard>()
            .map(ShardArg::Fixed)
            .map_err(|e| format!("{e}, or `auto` (from a Slurm array or a Kubernetes Indexed Job)"))
    }
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' folders (each written by `vsesim sweep … --shard K/N`), or the folder
    /// holding their shard-K-of-N folders; or a split run's part folders (`vsesim run …
    /// --shard K/N`), or the folder holding their part-K-of-N folders.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged sweep. Default: the folder holding the shard folders.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn sweep(args: SweepArgs) -> Result<(), Error> {
    let started = Instant::now();
    let opts = Options {
        output: args.output,
        threads: args.jobs.map(|j| j as usize),
        shard: match args.shard {
            Some(ShardArg::Fixed(s)) => Some(s),
            _ => None,
        },
        auto: match args.shard {
            Some(ShardArg::Auto) => Some(sweep::auto::AutoShard::from_env(args.shard_count)),
            _ => None,
        },
        resume: if args.restart {
            Resume::Restart
        } else if args.force {
            Resume::Force
        } else {
            Resume::Continue
        },
        limit: args.limit,
    };
    if args.shard_count.is_some() && opts.auto.is_none() {
        return Err(Error::Usage(
            "--shard-count goes with --shard auto; with --shard K/N the N is given".into(),
        ));
    }
    let plan = sweep::prepare(&args.sweep, &opts)?;
    let total = plan.mine.len() as u64;
    if let Some(how) = &plan.shard_source {
        // Said even with -q: a batch job's log should show which shard it ran, and why.
        eprintln!(
            "--shard auto: shard {} ({how})",
            plan.info
                .shard
                .map_or(String::new(), |s| format!("{}/{}", s.k, s.n))
        );
    }
    if !args.quiet {
        let whose = match plan.info.shard {
            Some(s) => format!(
                "shard {}/{}: {total} of {}",
                s.k,
                s.n,
                plural(plan.info.points, "point")
            ),
            None => plural(total, "point"),
        };
        println!(
            "sweep `{}`: {whose} × {} replica{}; {} done before, {} to run on {} thread{} → {}{}",
            plan.info.name,
            plan.info.replicas,
            if plan.info.replicas == 1 { "" } else { "s" },
            plan.done_before,
            plan.pending.len(),
            plan.threads,
            if plan.threads == 1 { "" } else { "s" },
            plan.dir.display(),
            if plan.info.forced {
                " (forced: keeps results of earlier inputs)"
            } else {
                ""
            }
        );
    }

    let stop = Arc::new(AtomicBool::new(false));
    watch_signals(&stop)?;
    let bar =
        (!args.quiet && std::io::stderr().is_terminal() && !plan.pending.is_empty()).then(|| {
            let bar = ProgressBar::new(plan.pending.len() as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg} [{wide_bar}] {pos}/{len} points ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(plan.info.name.clone());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
    let running = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (stop, running, bar) = (Arc::clone(&stop), Arc::clone(&running), bar.clone());
        let quiet = args.quiet;
        std::thread::spawn(move || {
            while running.load(Ordering::SeqCst) {
                if stop.load(Ordering::SeqCst) {
                    let msg = "stopping: finishing the points that are running (Ctrl-C again abandons them; finished points are kept)";
                    match &bar {
                        Some(b) => b.set_message(msg),
                        None if !quiet => eprintln!("{msg}"),
                        None => {}
                    }
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let run_started = Instant::now();
    let executed = sweep::execute(&plan, &stop, &|| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    });
    running.store(false, Ordering::SeqCst);
    let _ = watcher.join();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let executed = executed?;
    let run_seconds = run_started.elapsed().as_secs_f64();
    let done = plan.done_before + executed.ran;
    if executed.stopped {
        return Err(Error::Interrupted(format!(
            "stopped: {done} of {total} points done and kept in {}; run the same command to resume",
            plan.dir.display()
        )));
    }
    if !plan.completes() {
        if !args.quiet {
            println!(
                "ran {} (--limit): {done} of {total} done; run the same command without --limit to finish",
                plural(executed.ran, "point")
            );
        }
        return Ok(());
    }
    let finished = sweep::finish(&plan)?;
    if !args.quiet {
        if executed.ran > 0 {
            let runs = executed.ran * plan.info.replicas;
            println!(
                "ran {} ({}) in {run_seconds:.2} s: {:.1} points/s, {:.1} runs/s",
                plural(executed.ran, "point"),
                plural(runs, "run"),
                executed.ran as f64 / run_seconds.max(1e-9),
                runs as f64 / run_seconds.max(1e-9)
            );
        }
        report(&finished);
        println!("done in {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

pub fn merge(args: MergeArgs) -> Result<(), Error> {
    // A split run's parts (`vsesim run … --shard K/N`) rather than a sweep's shards.
    if args.dirs.iter().any(|d| crate::split::is_parts(d)) {
        return super::merge_run(&args.dirs, args.output, args.quiet);
    }
    let finished = sweep::merge::merge(&args.dirs, args.output)?;
    if !args.quiet {
        println!(
            "merged {} shards of `{}`",
            finished.info.merged_from.len(),
            finished.info.name
        );
        report(&finished);
    }
    Ok(())
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// What was written, and the Pareto front.
fn report(f: &Finished) {
    println!(
        "wrote {}: results.parquet/.csv ({}), summary.parquet/.csv ({}){}",
        f.dir.display(),
        plural(f.rows, "row"),
        plural(f.points, "point"),
        if f.front.is_some() {
            format!(
                ", pareto.csv/.json, report.html, {} (charts/*.png, *.svg)",
                plural(f.charts as u64, "chart")
            )
        } else {
            String::new()
        }
    );
    if let Some(front) = &f.front {
        println!(
            "\nPareto front: {} of {}, lowest {} for the highest {} (means over {} replica{}{})\n",
            front.points.len(),
            plural(f.points, "point"),
            front.minimize,
            front.maximize,
            f.info.replicas,
            if f.info.replicas == 1 { "" } else { "s" },
            if f.info.replicas > 1 {
                ", ± half the 95 % CI"
            } else {
                ""
            }
        );
        let axes: Vec<String> = f.info.axes.iter().map(|a| a.name.clone()).collect();
        print!("{}", sweep::pareto::render(front, &axes));
    }
}

/// Ctrl-C or SIGTERM (a scheduler's) sets `stop`: no new point starts, running ones finish
/// and are written. A second one ends the process at once (exit 130): every file is written
/// through a temporary name and a rename, so nothing is left half-written, and the points
/// that were running run again next time.
fn watch_signals(stop: &Arc<AtomicBool>) -> Result<(), Error> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    for sig in [SIGINT, SIGTERM] {
        // Order matters: the conditional shutdown sees the flag as the previous signal left it.
        flag::register_conditional_shutdown(sig, 130, Arc::clone(stop))
            .and_then(|_| flag::register(sig, Arc::clone(stop)))
            .map_err(|e| Error::Internal(format!("installing the signal handler: {e}")))?;
    }
    Ok(())
}
