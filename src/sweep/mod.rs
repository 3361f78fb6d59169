//! Batch sweeps (docs/SWEEP.md): one base scenario, axes over its fields (lists, ranges, or
//! random and Latin-hypercube samples), seeded replicas of every point, run in parallel and
//! resumably, sharded across machines and merged back.
//!
//! - [`spec`]: the sweep file, checked against the base;
//! - [`edit`]: field paths into the base's TOML, and setting a point's values;
//! - [`points`]: the points (grid, random, Latin hypercube) and the replicas' seeds;
//! - [`run`]: the folder (sweep.json, one file per finished point), resuming, shards, rayon;
//! - [`record`]: what is kept of each run;
//! - [`table`], [`pareto`], [`charts`], [`report`]: the outputs, built from the point files
//!   only, with [`labels`] for people;
//! - [`merge`]: shards' folders into one;
//! - [`auto`]: `--shard auto`, K and N from a Slurm array or a Kubernetes Indexed Job.
//!
//! Nothing here touches the terminal: progress and Ctrl-C are the command line's
//! (`cli::sweep`), which passes a callback and a stop flag.

pub mod auto;
pub mod charts;
/// Field paths and the values set along them live with the scenario (overrides use them too).
pub use crate::scenario::edit;
pub mod labels;
pub mod merge;
pub mod pareto;
pub mod points;
pub mod record;
pub mod report;
pub mod run;
pub mod spec;
pub mod table;

pub use run::{Executed, Options, Plan, Resume, Shard, SweepInfo, execute, prepare};

use crate::Error;
use record::PointFile;
use std::path::{Path, PathBuf};

/// What the outputs of a finished folder hold.
#[derive(Debug)]
pub struct Finished {
    pub dir: PathBuf,
    pub info: SweepInfo,
    pub points: u64,
    pub rows: u64,
    /// The whole sweep's front (none for a single shard, which holds only some points).
    pub front: Option<pareto::Front>,
    pub charts: usize,
}

/// Once every point of the plan's folder is done: the tables (and, for a whole sweep, the
/// Pareto front and the charts), then sweep.json marked complete.
pub fn finish(plan: &Plan) -> Result<Finished, Error> {
    let files = run::read_points(&plan.dir, &plan.info, &plan.mine)?;
    let mut info = plan.info.clone();
    info.complete = true;
    write_outputs(&plan.dir, &info, &files)
}

/// Write the outputs of `files` (sorted by point) into `dir`, and `info` as sweep.json.
pub fn write_outputs(dir: &Path, info: &SweepInfo, files: &[PointFile]) -> Result<Finished, Error> {
    let mut results = table::results_frame(info, files)?;
    table::write_frame(dir, "results", &mut results)?;
    let sums = table::summarize(info, files);
    let mut summary = table::summary_frame(info, &sums)?;
    table::write_frame(dir, "summary", &mut summary)?;
    let (front, charts) = if info.shard.is_none() {
        let front = pareto::front(&sums, &info.also_minimize);
        run::write_json(&dir.join("pareto.json"), &front)?;
        let mut df = pareto_frame(info, &front)?;
        table::write_csv(dir, "pareto", &mut df)?;
        let charts = charts::draw(info, &sums, &front, &dir.join("charts"))
            .map_err(|e| Error::Internal(format!("drawing the sweep's charts: {e}")))?;
        let page = report::render(info, &sums, &front, &charts)
            .map_err(|e| Error::Internal(format!("writing the sweep's report: {e}")))?;
        crate::report::write_atomic(&dir.join("report.html"), page.as_bytes())?;
        (Some(front), charts.len())
    } else {
        (None, 0)
    };
    run::write_json(&dir.join("sweep.json"), info)?;
    Ok(Finished {
        dir: dir.to_path_buf(),
        info: info.clone(),
        points: files.len() as u64,
        rows: files.iter().map(|f| f.replicas.len() as u64).sum(),
        front,
        charts,
    })
}

fn pareto_frame(
    info: &SweepInfo,
    front: &pareto::Front,
) -> Result<polars::prelude::DataFrame, Error> {
    use polars::prelude::*;
    let p = &front.points;
    let mut columns = vec![Column::new(
        "point".into(),
        p.iter().map(|x| x.point).collect::<Vec<u64>>(),
    )];
    for a in &info.axes {
        columns.push(table::param_column(
            &a.name,
            a.kind,
            p.iter().map(|x| x.params.get(&a.name)).collect(),
        ));
    }
    type Figure = fn(&pareto::ParetoPoint) -> table::Stat;
    let mut figures: Vec<(&str, Figure)> = vec![
        (pareto::COST, |x| x.cost_total),
        (pareto::SLA, |x| x.sla_worst_met_share),
    ];
    if front.also_minimize.iter().any(|n| n == pareto::CO2) {
        figures.push((pareto::CO2, |x| {
            x.co2_kg.unwrap_or(table::Stat {
                mean: None,
                ci95_low: None,
                ci95_high: None,
            })
        }));
    }
    for (name, get) in figures {
        for (suffix, part) in [
            (
                "mean",
                (|s: table::Stat| s.mean) as fn(table::Stat) -> Option<f64>,
            ),
            ("ci95_low", |s| s.ci95_low),
            ("ci95_high", |s| s.ci95_high),
        ] {
            columns.push(Column::new(
                format!("{name}_{suffix}").into(),
                p.iter().map(|x| part(get(x))).collect::<Vec<Option<f64>>>(),
            ));
        }
    }
    DataFrame::new(p.len(), columns)
        .map_err(|e| Error::Internal(format!("building the Pareto table: {e}")))
}
