//! The consolidation manager's decision loop (issue #21; docs/PERFORMANCE.md quotes these
//! numbers): the 1,052 real PlanetLab VMs of ../shared/traces (one day, 288 five-minute
//! samples, replayed seven times) on 132 VM hosts of 8 cores, 8 guests each to start, under
//! THR-MMT and MAD-MMT. The figure is nanoseconds per VM-interval (1,052 × 2,016), to set
//! beside DSLab's migrator (about 1.1 µs per VM-interval at 1,000 VMs on this machine, 35 µs
//! at 10,000). The same fleet ten times over (10,520 VMs, the files cycled, one day), beside
//! one day of the 1,052, checks that the cost per VM-interval stays flat as the fleet grows.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use vsesim::mobility::detect::Detector;
use vsesim::mobility::manager::{GuestSpec, HostSpec, Manager, Rules};
use vsesim::mobility::place::{Power, memory_with_overhead_gb};
use vsesim::mobility::select::Policy;

const DAYS: usize = 7;
const PER_HOST: usize = 8;

/// Per VM, its 288 samples as reference cores (percent of one core / 100); `None` when the
/// traces are not beside the repository.
fn traces() -> Option<Vec<Vec<f64>>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/planetlab/20110303");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    Some(
        files
            .iter()
            .map(|f| {
                std::fs::read_to_string(f)
                    .expect("a readable trace")
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| l.trim().parse::<f64>().expect("a percent") / 100.0)
                    .collect()
            })
            .collect(),
    )
}

fn fleet(n: usize) -> (Vec<HostSpec>, Vec<GuestSpec>) {
    let hosts = vec![
        HostSpec {
            capacity: 8.0,
            memory_gb: 64.0,
            power: Power {
                idle_w: 400.0,
                max_w: 800.0,
                standby_w: 20.0,
            },
        };
        n.div_ceil(PER_HOST)
    ];
    // CloudSim's VM types, i mod 4.
    let mb = [870.0, 1740.0, 1740.0, 613.0];
    let guests = (0..n)
        .map(|i| GuestSpec {
            memory_gb: memory_with_overhead_gb(1, mb[i % 4] / 1024.0),
            memory_mb: mb[i % 4],
            host: i / PER_HOST,
        })
        .collect();
    (hosts, guests)
}

fn rules(detector: Detector) -> Rules {
    Rules {
        interval_s: 300.0,
        detector,
        fallback_limit: 0.7,
        selection: Policy::MinMigrationTime,
        underload_threshold: 1.0,
        link_mb_s: 125.0,
        dirty_mb_s: 0.0,
        stop_below_mb: 1.0,
        max_rounds: 30,
        overhead_cores: 0.25,
        wake_s: 120.0,
        seed: 1,
        longest_migration_s: 1740.0 / 125.0,
    }
}

/// Run the week; returns (migrations, energy kWh, SLATAH, PDM).
fn week(trace: &[Vec<f64>], detector: Detector, days: usize) -> (u64, f64, f64, f64) {
    let (hosts, guests) = fleet(trace.len());
    let mut m = Manager::new(rules(detector), &hosts, &guests);
    let steps = trace[0].len();
    let mut demand = vec![0.0; trace.len()];
    for k in 0..days * steps {
        for (d, t) in demand.iter_mut().zip(trace) {
            *d = t[k % steps];
        }
        m.step(&demand);
    }
    let t = &m.tally;
    (t.migrations, t.energy_kwh, t.slatah(), t.pdm())
}

/// `VSESIM_MOBILITY_ONCE=DETECTOR,COPIES,DAYS` (e.g. `mad_mmt,10,1`): one run of that
/// configuration, its figures printed, and no benchmark: a fixed amount of work for an
/// outside timer (`/usr/bin/time`, a before/after pair) or a profiler (callgrind), which
/// criterion's own loop does not give.
fn once(trace: &[Vec<f64>], spec: &str) {
    let parts: Vec<&str> = spec.split(',').collect();
    let [name, copies, days] = parts[..] else {
        panic!("VSESIM_MOBILITY_ONCE is DETECTOR,COPIES,DAYS (thr_mmt,10,1), not {spec:?}");
    };
    let detector = match name {
        "thr_mmt" => Detector::Threshold { limit: 0.8 },
        "mad_mmt" => Detector::Mad { safety: 2.5 },
        _ => panic!("VSESIM_MOBILITY_ONCE: the detector is thr_mmt or mad_mmt, not {name:?}"),
    };
    let copies: usize = copies
        .parse()
        .expect("VSESIM_MOBILITY_ONCE: COPIES is a count");
    let days: usize = days.parse().expect("VSESIM_MOBILITY_ONCE: DAYS is a count");
    let fleet: Vec<Vec<f64>> = (0..copies).flat_map(|_| trace.iter().cloned()).collect();
    let (mig, kwh, slatah, pdm) = week(&fleet, detector, days);
    println!(
        "{name}: {} VMs x {} intervals: {mig} migrations, {kwh:.6} kWh, SLATAH {slatah:.8}, PDM {pdm:.8}",
        fleet.len(),
        days * fleet[0].len()
    );
}

fn manager(c: &mut Criterion) {
    let Some(trace) = traces() else {
        eprintln!("note: ../shared/traces/planetlab missing; mobility benchmark skipped");
        return;
    };
    if let Ok(spec) = std::env::var("VSESIM_MOBILITY_ONCE") {
        once(&trace, &spec);
        return;
    }
    let vm_intervals = (trace.len() * DAYS * trace[0].len()) as u64;
    let mut g = c.benchmark_group("mobility");
    g.sample_size(10);
    g.throughput(Throughput::Elements(vm_intervals));
    for (name, detector) in [
        ("thr_mmt", Detector::Threshold { limit: 0.8 }),
        ("mad_mmt", Detector::Mad { safety: 2.5 }),
    ] {
        let (mig, kwh, slatah, pdm) = week(&trace, detector, DAYS);
        eprintln!(
            "{name}: {} VMs x {} intervals: {mig} migrations, {kwh:.1} kWh, SLATAH {slatah:.5}, PDM {pdm:.6}",
            trace.len(),
            DAYS * trace[0].len()
        );
        g.bench_function(format!("planetlab_1052_vms_7d_{name}"), |b| {
            b.iter_batched(
                || (),
                |_| black_box(week(&trace, detector, DAYS)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
    // One day at either size, so that the two figures per VM-interval weigh the same mix of
    // intervals (the first, where the fleet starts at 8 guests a host, is the busiest).
    let big: Vec<Vec<f64>> = (0..10).flat_map(|_| trace.iter().cloned()).collect();
    let mut g = c.benchmark_group("mobility_10x");
    g.sample_size(10);
    for (name, detector) in [
        ("thr_mmt", Detector::Threshold { limit: 0.8 }),
        ("mad_mmt", Detector::Mad { safety: 2.5 }),
    ] {
        for fleet in [&trace, &big] {
            g.throughput(Throughput::Elements((fleet.len() * fleet[0].len()) as u64));
            g.bench_function(format!("planetlab_{}_vms_1d_{name}", fleet.len()), |b| {
                b.iter_batched(
                    || (),
                    |_| black_box(week(fleet, detector, 1)),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = manager
}
criterion_main!(benches);
