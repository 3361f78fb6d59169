//! Engine and fluid-model throughput (docs/PERFORMANCE.md quotes these numbers).
//!
//! - `queue`: schedule and pop of engine events alone;
//! - `replay/synthetic`: 1,000 synthetic workloads on 125 vPars of 5 complexes for 7 days at
//!   5-minute samples — the throughput is workload-samples per second, and the events per
//!   second follow from one event per sample time per stream;
//! - `replay/planetlab`: the 1,052 real PlanetLab VMs of ../shared/traces for one day,
//!   including reading the traces.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use vsesim::engine::{self, Event, Handler, Queue, TimeMs};

#[derive(Clone, Copy)]
struct Tick(u8);
impl Event for Tick {
    fn rank(&self) -> u8 {
        self.0
    }
}
struct Count(u64);
impl Handler<Tick> for Count {
    fn advance(&mut self, _from: TimeMs, _to: TimeMs) {}
    fn handle(&mut self, _now: TimeMs, e: Tick, _q: &mut Queue<Tick>) {
        self.0 += e.0 as u64;
    }
}

fn queue(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("queue");
    g.throughput(Throughput::Elements(N));
    g.bench_function("schedule_and_run_100k", |b| {
        b.iter_batched(
            || Queue::with_capacity(N as usize),
            |mut q| {
                // A spread of times with collisions, as sample and policy events have.
                for i in 0..N {
                    q.schedule((i * 7919) % 50_000, Tick((i % 3) as u8));
                }
                let mut h = Count(0);
                engine::run(&mut q, &mut h, u64::MAX);
                black_box(h.0)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// 5 complexes × 25 vPars × 8 workloads, synthetic weekly demand with noise and bursts.
pub fn synthetic_scenario(days: u32) -> String {
    let mut s = format!(
        "[scenario]\nname = \"bench\"\nhorizon = \"{days}d\"\nseed = 7\n\n[report]\ntimeseries = false\n\n"
    );
    for c in 0..5 {
        let _ = write!(
            s,
            "[[servers]]\nname = \"sd{c}\"\ncells = 16\ncores_per_cell = 8\nmemory_gb_per_cell = 64\n\n"
        );
        for v in 0..25 {
            let _ = write!(
                s,
                "[[partitions]]\nname = \"vp{c}_{v}\"\nkind = \"vpar\"\nparent = \"sd{c}\"\ncores = 4\n\n"
            );
            for w in 0..8 {
                let _ = write!(
                    s,
                    "[[workloads]]\nname = \"w{c}_{v}_{w}\"\npartition = \"vp{c}_{v}\"\nunits = \"cores\"\n\
                     synth = {{ pattern = \"weekly\", mean = 0.4, peak = 1.2, noise = 0.2, bursts = {{ per_day = 1, size = 1, minutes = 30 }} }}\n\n"
                );
            }
        }
    }
    s
}

fn replay(c: &mut Criterion) {
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    let days = 7;
    let scenario = vsesim::scenario::load_str(Path::new("bench.toml"), &synthetic_scenario(days))
        .expect("the benchmark scenario is valid");
    let samples = days as u64 * 288;
    g.throughput(Throughput::Elements(1000 * samples));
    g.bench_function("synthetic_1000_workloads_7d", |b| {
        b.iter(|| {
            let out = vsesim::sim::run(&scenario, &mut |_, _| {}).expect("runs");
            black_box(out.stats.events)
        })
    });

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/planetlab/20110303");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        let mut s = String::from(
            "[scenario]\nname = \"pl\"\nhorizon = \"1d\"\nseed = 1\n\n[report]\ntimeseries = false\n\n\
             [[servers]]\nname = \"big\"\ncells = 5\ncores_per_cell = 256\nmemory_gb_per_cell = 1024\n\n",
        );
        for (i, f) in files.iter().enumerate() {
            let _ = write!(
                s,
                "[[partitions]]\nname = \"vp{i}\"\nkind = \"vpar\"\nparent = \"big\"\ncores = 1\n\n\
                 [[workloads]]\nname = \"vm{i}\"\npartition = \"vp{i}\"\nformat = \"planetlab\"\n\
                 trace = \"{}\"\nsource = {{ cores = 1, speed = 1.0 }}\n\n",
                f.display()
            );
        }
        g.throughput(Throughput::Elements(files.len() as u64 * 288));
        g.bench_function("planetlab_1052_vms_1d_with_parsing", |b| {
            b.iter(|| {
                let sc = vsesim::scenario::load_str(Path::new("pl.toml"), &s).expect("valid");
                let out = vsesim::sim::run(&sc, &mut |_, _| {}).expect("runs");
                black_box(out.stats.events)
            })
        });
    } else {
        eprintln!(
            "note: {} missing; planetlab benchmark skipped",
            dir.display()
        );
    }
    g.finish();
}

criterion_group!(benches, queue, replay);
criterion_main!(benches);
