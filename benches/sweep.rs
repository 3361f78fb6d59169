//! Sweep throughput (docs/PERFORMANCE.md quotes these numbers):
//!
//! - `sweep/points_1_thread`, `sweep/points_2_threads`: the tour's grid (scenarios/
//!   sweep-ownborrow.toml: 6 × 7 = 42 points over scenarios/consolidation-ticap.toml, 14 days,
//!   4 nPars under gWLM with TiCAP) at one replica per point, from reading the sweep file to
//!   the last point file written; throughput in points per second;
//! - `sweep/finish_42_points`: the tables, Pareto front and charts of those 42 points.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use vsesim::sweep::{self, Options, Resume};

const POINTS: u64 = 42;

/// A scratch folder with a one-replica copy of the tour's sweep, naming the bundled base.
fn setup() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("vsesim-bench-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(root.join("scenarios/sweep-ownborrow.toml"))
        .unwrap()
        .replace(
            "base = \"consolidation-ticap.toml\"",
            &format!(
                "base = {:?}",
                root.join("scenarios/consolidation-ticap.toml")
                    .display()
                    .to_string()
            ),
        )
        .replace("replicas = 5", "replicas = 1");
    let file = dir.join("sweep.toml");
    std::fs::write(&file, text).unwrap();
    (file, dir.join("out"))
}

fn run(file: &Path, out: &Path, threads: usize) -> sweep::Plan {
    let plan = sweep::prepare(
        file,
        &Options {
            output: Some(out.to_path_buf()),
            threads: Some(threads),
            resume: Resume::Restart,
            ..Options::default()
        },
    )
    .unwrap();
    let ran = sweep::execute(&plan, &AtomicBool::new(false), &|| {}).unwrap();
    assert_eq!(ran.ran, POINTS);
    plan
}

fn throughput(c: &mut Criterion) {
    let (file, out) = setup();
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(POINTS));
    for threads in [1, 2] {
        let name = format!(
            "points_{threads}_thread{}",
            if threads == 1 { "" } else { "s" }
        );
        g.bench_function(name, |b| b.iter(|| run(&file, &out, threads)));
    }
    let plan = run(&file, &out, 2);
    g.bench_function("finish_42_points", |b| {
        b.iter(|| sweep::finish(&plan).unwrap())
    });
    g.finish();
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}

// No criterion plots: its plotters backend needs a registered font, which only vsesim's own
// charts register (plotters is built with ab_glyph, without system fonts).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = throughput
}
criterion_main!(benches);
