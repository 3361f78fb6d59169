//! Whatever `vsesim validate` accepts, `vsesim run` runs (issue 18): random scenarios that
//! look valid, with values on both sides of every bound (capacities, memory, demand in
//! synthetic workloads and in traces, policies and their `otherwise` branch, failures around
//! the horizon, names), go through the command line's own code, in process: a scenario that
//! validate accepts must then run to exit 0, and one it refuses must be refused as bad input
//! (exit 2), never an internal error.

use proptest::prelude::*;
use std::path::Path;
use vsesim::cli::{Cli, main};

fn pick<T: Clone + std::fmt::Debug + 'static>(xs: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(xs)
}

/// Mostly a valid value, sometimes one across a bound: most scenarios then pass validate and
/// exercise the run, and every bound is still crossed in some.
fn mostly<T: Clone + std::fmt::Debug + 'static>(
    valid: &'static [T],
    invalid: &'static [T],
) -> impl Strategy<Value = T> {
    prop_oneof![20 => pick(valid), 1 => pick(invalid)]
}

#[derive(Debug, Clone)]
struct Shape {
    horizon: &'static str,
    name: &'static str,
    cells: u32,
    cores_per_cell: u32,
    memory: f64,
    vpars: Vec<(u32, u32, u32)>,
    workloads: Vec<(usize, WorkloadDemand)>,
    policy: Option<(&'static str, f64, f64, f64, f64)>,
    failure: Option<Failure>,
}

#[derive(Debug, Clone)]
enum WorkloadDemand {
    Synth(&'static str, f64, f64),
    Trace(f64, &'static str),
}

#[derive(Debug, Clone)]
enum Failure {
    At(&'static str),
    Weibull(f64),
}

fn shape() -> impl Strategy<Value = Shape> {
    let demand = prop_oneof![
        (
            pick(&["flat", "diurnal"]),
            mostly(&[0.0, 0.3, 2.0, 40.0], &[2e6, -1.0]),
            mostly(&[1.0, 2.0], &[0.5])
        )
            .prop_map(|(p, mean, ratio)| WorkloadDemand::Synth(p, mean, ratio)),
        (
            mostly(&[0.0, 1.0, 5.0, 250.0], &[1.000001e6, 1e12]),
            pick(&["cores", "percent"])
        )
            .prop_map(|(v, units)| WorkloadDemand::Trace(v, units)),
    ];
    (
        pick(&["1h", "6h", "1d"]),
        mostly(&["ok", "with space", "=formula"], &["a\\u0000b"]),
        mostly(&[1u32, 2, 4], &[0, 65]),
        mostly(&[1u32, 4, 8], &[0, 300]),
        mostly(&[0.0, 16.0, 1e6], &[1_048_577.0, 1e308, -1.0]),
        proptest::collection::vec(
            (
                mostly(&[1u32, 2, 3], &[0, 9]),
                mostly(&[1u32], &[0, 2]),
                mostly(&[3u32, 6], &[1, 40]),
            ),
            0..3,
        ),
        proptest::collection::vec((0usize..5, demand), 1..4),
        proptest::option::of((
            pick(&["own_borrow", "utilization", "conditional"]),
            mostly(&[1.0], &[0.0, 2.0, 5.0]),
            mostly(&[2.0, 3.0], &[1.0, 40.0]),
            mostly(&[1.0], &[0.0, 4.0]),
            mostly(&[2.0, 3.0], &[0.5, 1.0]),
        )),
        proptest::option::of(prop_oneof![
            mostly(&["10m", "59m"], &["1h", "2h", "2d"]).prop_map(Failure::At),
            mostly(&[0.5, 2.0], &[1e-300, 0.01, 1000.0]).prop_map(Failure::Weibull),
        ]),
    )
        .prop_map(
            |(horizon, name, cells, cores_per_cell, memory, vpars, workloads, policy, failure)| {
                Shape {
                    horizon,
                    name,
                    cells,
                    cores_per_cell,
                    memory,
                    vpars,
                    workloads,
                    policy,
                    failure,
                }
            },
        )
}

/// The scenario's text and its trace files.
fn write(shape: &Shape, dir: &Path) -> std::path::PathBuf {
    let float = |v: f64| format!("{v:?}"); // 1e308 as `1e308`, 2 as `2.0`: valid TOML floats
    let mut s = format!(
        "[scenario]\nname = \"{}\"\nhorizon = \"{}\"\nseed = 7\n\n[[servers]]\nname = \"sd\"\ncells = {}\ncores_per_cell = {}\nmemory_gb_per_cell = {}\n",
        shape.name,
        shape.horizon,
        shape.cells,
        shape.cores_per_cell,
        float(shape.memory)
    );
    for (i, (cores, min, max)) in shape.vpars.iter().enumerate() {
        s.push_str(&format!(
            "\n[[partitions]]\nname = \"vp{i}\"\nkind = \"vpar\"\nparent = \"sd\"\ncores = {cores}\nmin_cores = {min}\nmax_cores = {max}\n"
        ));
    }
    // Workloads go into vPars when there are some (the server is then divided), else the server.
    let nodes: Vec<String> = if shape.vpars.is_empty() {
        vec!["sd".into()]
    } else {
        (0..shape.vpars.len()).map(|i| format!("vp{i}")).collect()
    };
    for (k, (at, demand)) in shape.workloads.iter().enumerate() {
        let node = &nodes[at % nodes.len()];
        s.push_str(&format!(
            "\n[[workloads]]\nname = \"w{k}\"\npartition = \"{node}\"\n"
        ));
        match demand {
            WorkloadDemand::Synth(pattern, mean, ratio) => {
                let peak = if *pattern == "flat" {
                    String::new()
                } else {
                    format!(", peak = {}", float(mean * ratio))
                };
                s.push_str(&format!(
                    "units = \"cores\"\nsynth = {{ pattern = \"{pattern}\", mean = {}{peak} }}\n",
                    float(*mean)
                ));
            }
            WorkloadDemand::Trace(v, units) => {
                let file = format!("w{k}.csv");
                let rows: String = (0..300)
                    .map(|i| format!("{},{}\n", i * 300, if i == 5 { *v } else { 1.0 }))
                    .collect();
                std::fs::write(dir.join(&file), format!("time_s,w{k}\n{rows}")).unwrap();
                s.push_str(&format!("units = \"{units}\"\ntrace = \"{file}\"\n"));
                if *units == "percent" {
                    s.push_str("source = { cores = 16, speed = 1.0 }\n");
                }
            }
        }
    }
    if let Some((kind, min, max, omin, omax_ratio)) = shape.policy
        && !shape.vpars.is_empty()
    {
        s.push_str("\n[[policies]]\ndomain = \"sd\"\ninterval = \"1m\"\n");
        for i in 0..shape.vpars.len() {
            let plain = |min: f64, max: f64| match kind {
                "utilization" => format!(
                    "{{ type = \"utilization\", target = 75, min = {}, max = {} }}",
                    float(min),
                    float(max)
                ),
                _ => format!(
                    "{{ type = \"own_borrow\", owned = {}, min = {}, max = {} }}",
                    float(min.max(1.0)),
                    float(min),
                    float(max)
                ),
            };
            let policy = if kind == "conditional" {
                format!(
                    "{{ type = \"conditional\", window = {{ from = \"08:00\", to = \"18:00\" }}, policy = {}, otherwise = {} }}",
                    plain(min, max),
                    plain(omin, (omin * omax_ratio).max(0.0))
                )
            } else {
                plain(min, max)
            };
            s.push_str(&format!(
                "\n[[policies.compartments]]\npartition = \"vp{i}\"\npolicy = {policy}\n"
            ));
        }
    }
    match &shape.failure {
        Some(Failure::At(at)) => s.push_str(&format!(
            "\n[[failures]]\ntarget = \"sd\"\nat = \"{at}\"\nduration = \"5m\"\n"
        )),
        Some(Failure::Weibull(shape)) => s.push_str(&format!(
            "\n[[failures]]\ntarget = \"sd\"\ntime_to_failure = {{ dist = \"weibull\", shape = {}, scale = \"2h\" }}\ntime_to_repair = {{ dist = \"exponential\", mean = \"10m\" }}\n",
            float(*shape)
        )),
        None => {}
    }
    let path = dir.join("s.toml");
    std::fs::write(&path, s).unwrap();
    path
}

/// A backlog of 8,000 cores on a 1-core vPar, cut by a random failure: every value is within
/// the physical ranges, so it must run. The conservation check once took its tolerance from
/// the work arriving in a span alone, and a deep queue's rounding broke it.
#[test]
fn a_large_backlog_cut_by_a_failure_keeps_conservation() {
    let dir = std::env::temp_dir().join(format!("vsesim-backlog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let shape = Shape {
        horizon: "1h",
        name: "ok",
        cells: 2,
        cores_per_cell: 4,
        memory: 0.0,
        vpars: vec![(1, 1, 3)],
        workloads: vec![(0, WorkloadDemand::Trace(50_000.0, "percent"))],
        policy: Some(("own_borrow", 1.0, 2.0, 1.0, 2.0)),
        failure: Some(Failure::Weibull(2.0)),
    };
    let path = write(&shape, &dir);
    let p = path.to_str().unwrap();
    command(&["vsesim", "validate", p]).expect("within every range");
    let out = dir.join("out");
    let ran = command(&["vsesim", "run", p, "-o", out.to_str().unwrap(), "--quiet"]);
    assert!(ran.is_ok(), "{}", ran.unwrap_err());
}

fn command(args: &[&str]) -> Result<(), vsesim::Error> {
    use clap::Parser;
    main(Cli::try_parse_from(args).expect("arguments parse"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn whatever_validate_accepts_runs(shape in shape()) {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vsesim-validate-runs-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = write(&shape, &dir);
        let p = path.to_str().unwrap();
        let out = dir.join("out");
        let checked = command(&["vsesim", "validate", p]);
        let ran = command(&["vsesim", "run", p, "-o", out.to_str().unwrap(), "--quiet"]);
        let text = std::fs::read_to_string(&path).unwrap();
        match &checked {
            Ok(()) => prop_assert!(
                ran.is_ok(),
                "validate accepted, run failed: {}\n{text}",
                ran.as_ref().unwrap_err()
            ),
            Err(e) => {
                prop_assert_eq!(e.exit_code(), 2, "validate: {}\n{}", e, text);
                // Run refuses what validate refuses, with the same first words, and writes
                // nothing.
                prop_assert!(ran.is_err(), "validate refused ({e}), run ran:\n{text}");
                prop_assert!(!out.exists());
            }
        }
        if ran.is_ok() {
            prop_assert!(out.join("run.json").is_file());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
