//! Engine and fluid-model throughput (docs/PERFORMANCE.md quotes these numbers).
//!
//! - `queue`: schedule and pop of engine events alone;
//! - `replay/synthetic`: 1,000 synthetic workloads on 125 vPars of 5 complexes for 7 days at
//!   5-minute samples — the throughput is workload-samples per second, and the events per
//!   second follow from one event per sample time per stream;
//! - `replay/planetlab`: the 1,052 real PlanetLab VMs of ../shared/traces for one day,
//!   including reading the traces;
//! - `policy_heavy`: the case ../shared/limit runs (benches/policy/generate.py): the 1,052
//!   PlanetLab VMs each on a 1-core vPar under gWLM domains of 8 on 16-core servers,
//!   utilization 75 % every 60 s, no latency, 7 days — on one thread and on two; the figure
//!   is nanoseconds per compartment-interval (1,052 × 10,080);
//! - `scale`: one complex of the scale scenario (benches/scale/generate.py: 400 workloads on
//!   50 vPars under gWLM at 60 s) for 30 days.

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
            let out = vsesim::sim::run(&scenario, &|_, _| {}).expect("runs");
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
                let out = vsesim::sim::run(&sc, &|_, _| {}).expect("runs");
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

/// 5 complexes, each one nPar of 25 vPars with one synthetic workload, 7 days at 5-minute
/// samples; `managed` adds one gWLM OwnBorrow domain per nPar at a 60 s interval.
pub fn policy_scenario(managed: bool) -> String {
    let mut s = String::from(
        "[scenario]\nname = \"policy\"\nhorizon = \"7d\"\nseed = 3\n\n[report]\ntimeseries = false\n\n",
    );
    for c in 0..5 {
        let _ = write!(
            s,
            "[[servers]]\nname = \"sd{c}\"\ncells = 16\ncores_per_cell = 4\nmemory_gb_per_cell = 64\n\n"
        );
        let _ = write!(
            s,
            "[[partitions]]\nname = \"np{c}\"\nkind = \"npar\"\nparent = \"sd{c}\"\ncells = 16\n\n"
        );
        for v in 0..25 {
            let _ = write!(
                s,
                "[[partitions]]\nname = \"vp{c}_{v}\"\nkind = \"vpar\"\nparent = \"np{c}\"\ncores = 2\nmin_cores = 1\nmax_cores = 8\n\n\
                 [[workloads]]\nname = \"w{c}_{v}\"\npartition = \"vp{c}_{v}\"\nunits = \"cores\"\n\
                 synth = {{ pattern = \"diurnal\", mean = 1.0, peak = 3.0, peak_hour = {}, noise = 0.2 }}\n\n",
                v % 24
            );
        }
        if managed {
            let _ = write!(
                s,
                "[[policies]]\ndomain = \"np{c}\"\ninterval = \"60s\"\n\n"
            );
            for v in 0..25 {
                let _ = write!(
                    s,
                    "[[policies.compartments]]\npartition = \"vp{c}_{v}\"\npolicy = {{ type = \"own_borrow\", owned = 2, min = 1, max = 8 }}\n\n"
                );
            }
        }
    }
    s
}

/// The cost of the workload managers: the same run with and without gWLM domains. Their
/// difference divided by the compartment-intervals (125 compartments × 10,080 one-minute
/// intervals) is the policy engine's cost per compartment-interval (docs/PERFORMANCE.md).
fn policy(c: &mut Criterion) {
    // The arbitration alone: one 25-compartment OwnBorrow domain, half of them busy.
    {
        use vsesim::policy::gwlm::*;
        let comps: Vec<Compartment> = (0..25)
            .map(|_| Compartment {
                policy: Policy::OwnBorrow {
                    owned: 2.0,
                    min: 1.0,
                    max: 8.0,
                    target: 0.75,
                },
                priority: 1,
                weight: 2.0,
            })
            .collect();
        let obs: Vec<Observation> = (0..25)
            .map(|i| Observation {
                allocation: 2.0,
                consumed: if i % 2 == 0 { 2.0 } else { 0.5 },
                metric: 0.0,
            })
            .collect();
        let mut scratch = Scratch::new(25);
        let mut out = vec![0.0; 25];
        let mut one = c.benchmark_group("policy_arbitrate");
        one.throughput(Throughput::Elements(25));
        one.bench_function("ownborrow_25_compartments", |b| {
            b.iter(|| {
                black_box(arbitrate(
                    50.0,
                    &comps,
                    &obs,
                    Granularity::WholeCores,
                    &mut scratch,
                    &mut out,
                ))
            })
        });
        one.finish();
    }
    let mut g = c.benchmark_group("policy");
    g.sample_size(10);
    let intervals = 125u64 * 7 * 1440;
    g.throughput(Throughput::Elements(intervals));
    for managed in [false, true] {
        let sc = vsesim::scenario::load_str(Path::new("policy.toml"), &policy_scenario(managed))
            .expect("valid");
        let name = if managed {
            "ownborrow_125_compartments_7d_60s"
        } else {
            "static_125_vpars_7d"
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    vsesim::sim::run(&sc, &|_, _| {})
                        .expect("runs")
                        .stats
                        .events,
                )
            })
        });
    }
    g.finish();
}

/// The policy-heavy case's scenario text (as benches/policy/generate.py writes it), or None
/// without ../shared/traces.
pub fn policy_heavy_scenario(days: u32) -> Option<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/planetlab/20110303");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut s = format!(
        "[scenario]\nname = \"policy-heavy\"\nhorizon = \"{days}d\"\nseed = 1\n\n[report]\ntimeseries = false\n\n\
         [managers]\nlatency = {{ vpar = \"0s\" }}\n\n"
    );
    for (d, group) in files.chunks(8).enumerate() {
        let _ = write!(
            s,
            "[[servers]]\nname = \"sd{d:03}\"\ncells = 4\ncores_per_cell = 4\nmemory_gb_per_cell = 64\n\n"
        );
        for (k, f) in group.iter().enumerate() {
            let _ = write!(
                s,
                "[[partitions]]\nname = \"sd{d:03}-vp{k}\"\nkind = \"vpar\"\nparent = \"sd{d:03}\"\ncores = 1\nmin_cores = 1\nmax_cores = 8\n\n\
                 [[workloads]]\nname = \"sd{d:03}-vm{k}\"\npartition = \"sd{d:03}-vp{k}\"\nformat = \"planetlab\"\n\
                 trace = \"{}\"\nsource = {{ cores = 4, speed = 1.0 }}\nrepeat = true\n\n",
                f.display()
            );
        }
        let _ = write!(
            s,
            "[[policies]]\ndomain = \"sd{d:03}\"\ninterval = \"60s\"\n\n"
        );
        for k in 0..group.len() {
            let _ = write!(
                s,
                "[[policies.compartments]]\npartition = \"sd{d:03}-vp{k}\"\n\
                 policy = {{ type = \"utilization\", target = 75, min = 1, max = 8 }}\n\n"
            );
        }
    }
    Some(s)
}

/// The policy-heavy case on one and on two threads, and one complex of the scale scenario.
fn heavy(c: &mut Criterion) {
    let mut g = c.benchmark_group("policy_heavy");
    g.sample_size(10);
    if let Some(text) = policy_heavy_scenario(7) {
        let sc = vsesim::scenario::load_str(Path::new("policy-heavy.toml"), &text).expect("valid");
        let n = sc.model.workloads.len() as u64;
        g.throughput(Throughput::Elements(n * 7 * 1440));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            g.bench_function(
                format!("planetlab_1052_vpars_gwlm_7d_{threads}_thread"),
                |b| {
                    b.iter(|| {
                        pool.install(|| {
                            black_box(
                                vsesim::sim::run(&sc, &|_, _| {})
                                    .expect("runs")
                                    .stats
                                    .events,
                            )
                        })
                    })
                },
            );
        }
    } else {
        eprintln!("note: ../shared/traces missing; policy_heavy skipped");
    }
    g.finish();
    let mut g = c.benchmark_group("scale");
    g.sample_size(10);
    let text = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/scale/generate.py"
        ))
        .args(["--complexes", "1", "--days", "30"])
        .output()
        .expect("python3 runs benches/scale/generate.py");
    let sc = vsesim::scenario::load_str(
        Path::new("scale.toml"),
        &String::from_utf8_lossy(&text.stdout),
    )
    .expect("valid");
    g.throughput(Throughput::Elements(50 * 30 * 1440));
    g.bench_function("one_complex_30d", |b| {
        b.iter(|| {
            black_box(
                vsesim::sim::run(&sc, &|_, _| {})
                    .expect("runs")
                    .stats
                    .events,
            )
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // Criterion's own plots would need a font registered with plotters' ab_glyph backend
    // (vsesim's charts register theirs); the numbers are what matters here.
    config = Criterion::default().without_plots();
    targets = queue, replay, policy, heavy
}
criterion_main!(benches);
