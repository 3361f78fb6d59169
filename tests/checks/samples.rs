//! The sample traces shipped in traces/ (issue #23): the commands traces/README.md gives make
//! them again, and every importer, the native readers and the planner read them as their
//! generator's parameters say. These run everywhere: they need nothing beside the project.
//!
//! Counts (gaps, duplicates, padding, skipped rows) are derived by hand from the parameters
//! traces/README.md states, in the comments; values are checked against a slow, obvious
//! reading of the raw sample files written here, never against the importers' own output.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vsesim::workload::import::{self, AlibabaTable, Basis, Format, ImportReport, Options, Skip};

fn traces() -> PathBuf {
    project_root().join("traces")
}

/// Within what a value picks up on its way through the native format (f32) or an
/// importer's f32 sums.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 2e-6 * a.abs().max(b.abs()) + 1e-6
}

fn assert_series(name: &str, got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: samples");
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(close(f64::from(g), w), "{name}[{k}]: {g} vs {w}");
    }
}

/// The importers' documented filling, done the obvious way: the mean of the rows in each
/// step; a step with no row between a workload's first and last row carries the last value;
/// before the first and after the last, zero. Steps `lo..=hi`.
fn filled(rows: &[(i64, f64)], lo: i64, hi: i64) -> Vec<f64> {
    let mut steps: BTreeMap<i64, (f64, u32)> = BTreeMap::new();
    for &(k, v) in rows {
        let e = steps.entry(k).or_default();
        e.0 += v;
        e.1 += 1;
    }
    let first = *steps.keys().next().unwrap();
    let last = *steps.keys().next_back().unwrap();
    let mut carried = 0.0;
    (lo..=hi)
        .map(|k| match steps.get(&k) {
            Some(&(sum, n)) => {
                carried = sum / f64::from(n);
                carried
            }
            None if k > first && k < last => carried,
            None => 0.0,
        })
        .collect()
}

/// The sample files of `dir` relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The `cargo run --release -- …` lines of the first ```sh block of a Markdown file, as
/// argument lists.
fn sh_commands(markdown: &str) -> Vec<Vec<String>> {
    let block = markdown
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a ```sh block");
    block
        .lines()
        .map(|l| l.split(" #").next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let args = l
                .strip_prefix("cargo run --release -- ")
                .unwrap_or_else(|| panic!("not a `cargo run --release --` line: {l}"));
            args.split_whitespace().map(str::to_owned).collect()
        })
        .collect()
}

/// traces/README.md's commands, run in an empty folder that holds only the synth spec, make
/// every sample file again: the same set of files, text byte for byte, Parquet value for
/// value (Parquet's bytes also name the writing library's version).
#[test]
fn the_generator_commands_in_traces_readme_make_the_shipped_samples() {
    let readme = std::fs::read_to_string(traces().join("README.md")).unwrap();
    let commands = sh_commands(&readme);
    assert_eq!(commands.len(), 4, "{commands:?}");
    let dir = scratch("samples-regen");
    std::fs::create_dir(dir.join("traces")).unwrap();
    std::fs::copy(traces().join("estate.toml"), dir.join("traces/estate.toml")).unwrap();
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        vsesim_ok(&args, &dir);
    }
    let shipped: Vec<PathBuf> = files_under(&traces())
        .into_iter()
        .filter(|p| p != Path::new("README.md"))
        .collect();
    assert_eq!(files_under(&dir.join("traces")), shipped);
    for p in &shipped {
        let (a, b) = (traces().join(p), dir.join("traces").join(p));
        if p.extension().is_some_and(|e| e == "parquet") {
            assert_eq!(read_native(&a), read_native(&b), "{}", p.display());
        } else {
            assert!(
                std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
                "{} differs from what its command writes",
                p.display()
            );
        }
    }
}

/// Every sample file together stays "a few hundred KB" (issue #23): at most 500 KB.
#[test]
fn the_samples_are_small() {
    let bytes: u64 = files_under(&traces())
        .iter()
        .map(|p| std::fs::metadata(traces().join(p)).unwrap().len())
        .sum();
    assert!(bytes <= 500_000, "{bytes} bytes");
}

/// PlanetLab: 80 files (20 hosts × 4 slices) of 288 whole percents; the import gives each
/// VM's percents ÷ 100 (one core each, the default), named after its file.
#[test]
fn planetlab_sample_imports_file_by_file() {
    let dir = scratch("samples-planetlab");
    let src = traces().join("planetlab");
    let out = vsesim_ok(
        &[
            "import",
            "planetlab",
            src.to_str().unwrap(),
            "-o",
            "pl.parquet",
        ],
        &dir,
    );
    assert!(
        out.contains("80 workloads × 288 samples every 300 s"),
        "{out}"
    );
    let trace = read_native(&dir.join("pl.parquet"));
    assert_eq!(trace.series.len(), 80);
    let mut double_underscore = 0;
    for f in files_under(&src) {
        let name = f.to_str().unwrap();
        double_underscore += usize::from(name.contains("__"));
        let text = std::fs::read_to_string(src.join(&f)).unwrap();
        let want: Vec<f64> = text
            .lines()
            .map(|l| {
                let v: u32 = l.parse().unwrap_or_else(|_| panic!("{name}: `{l}`"));
                assert!(v <= 100, "{name}: {v}");
                f64::from(v) / 100.0
            })
            .collect();
        assert!(text.ends_with('\n'));
        let s = series(&trace, name);
        assert_eq!((s.start_ms, s.step_ms), (0, 300_000));
        assert_series(name, &s.cpu, &want);
    }
    // Host h carries slices (h + s) mod 6 for s in 0..4, so `_meas_probe` (slice 4, named
    // with a leading `_`) when h mod 6 is 1, 2, 3 or 4: 13 of hosts 0..20.
    assert_eq!(double_underscore, 13);
}

const BITBRAINS_ORIGIN_S: i64 = 1_372_636_800; // 2013-07-01 00:00 UTC

/// Bitbrains: `;`+TAB, seconds labelled ms, drift, a hole, duplicates, a VM switched off and
/// one that starts late. Rows: 144 (1.csv) + 144 − 24 (2.csv's hole, rows 60–83) + 144 + 12
/// (3.csv's duplicates at rows 6, 18, … 138) + 24 (4.csv, rows 120–143) = 444. The hole fills
/// 24 steps; 4.csv is padded for its first 120 steps; half a day is 144 steps.
#[test]
fn bitbrains_sample_counts_its_quirks_and_averages_its_duplicates() {
    let dir = scratch("samples-bitbrains");
    let src = traces().join("bitbrains");
    let out = vsesim_ok(
        &[
            "import",
            "bitbrains",
            src.to_str().unwrap(),
            "-o",
            "bb.parquet",
        ],
        &dir,
    );
    assert!(
        out.contains(
            "4 workloads × 144 samples every 300 s (444 rows read, 444 used, 0 skipped; 24 gaps filled, 120 padded, 12 duplicates merged)"
        ),
        "{out}"
    );
    let trace = read_native(&dir.join("bb.parquet"));
    for vm in 1..=4 {
        let path = src.join(format!("2013-7/{vm}.csv"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(
            header.starts_with("Timestamp [ms];\tCPU cores;\t"),
            "{header}"
        );
        let (mut cpu, mut memory) = (Vec::new(), Vec::new());
        let mut last_t = 0;
        for line in lines {
            let f: Vec<&str> = line.split(";\t").collect();
            assert_eq!(f.len(), 11, "{line}");
            let t: i64 = f[0].parse().unwrap();
            // Seconds: the half day of 2013-07-01, whatever the header says.
            assert!((0..43_200).contains(&(t - BITBRAINS_ORIGIN_S)), "{t}");
            assert!(t >= last_t, "sorted");
            last_t = t;
            let k = (t - BITBRAINS_ORIGIN_S) / 300;
            let row_cores: f64 = f[1].parse().unwrap();
            let percent: f64 = f[4].parse().unwrap();
            cpu.push((k, percent * row_cores / 100.0));
            memory.push((k, f[6].parse::<f64>().unwrap() / 1_048_576.0));
        }
        let name = format!("2013-7/{vm}");
        let s = series(&trace, &name);
        assert_series(&name, &s.cpu, &filled(&cpu, 0, 143));
        assert_series(
            &name,
            s.memory_gb.as_deref().unwrap(),
            &filled(&memory, 0, 143),
        );
    }
    let sources = std::fs::read_to_string(dir.join("bb.sources.csv")).unwrap();
    for (vm, cores, memory) in [
        (1, "2.0", "8.0"),
        (2, "1.0", "4.0"),
        (3, "1.0", "4.0"),
        (4, "1.0", "2.0"),
    ] {
        let row = sources
            .lines()
            .find(|l| l.starts_with(&format!("2013-7/{vm},")))
            .unwrap();
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!((f[1], f[2]), (cores, "trace"), "{row}");
        let mhz: f64 = f[3].parse().unwrap();
        assert!((2599.998..2600.0).contains(&mhz), "{row}");
        assert_eq!(f[4], memory, "{row}");
    }
    // The switched-off rows of 3.csv (96–101) bring no demand.
    assert!(
        series(&trace, "2013-7/3").cpu[96..102]
            .iter()
            .all(|&c| c == 0.0)
    );
}

fn import_report(format: Format, src: &Path) -> (ImportReport, BTreeMap<String, Vec<f64>>) {
    let mut cpu: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let report = import::import(format, src, &Options::default(), &mut |s| {
        cpu.entry(s.workload.to_owned())
            .or_default()
            .push(s.cpu_cores);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    (report, cpu)
}

/// Alibaba machine_usage: 4 machines × 96 cores from machine_meta. Padding: `m_3003` starts
/// at 21,600 s, step 72, so 72 steps before it; `m_3004` ends with a row at 14,390 s, step 47,
/// so steps 48–143 (96) after it: 168. Abnormal disk readings: 2 × -1 + 3 × 101 = 5 cells.
#[test]
fn alibaba_machine_sample_takes_cores_from_its_meta_and_skips_abnormal_disk() {
    let src = traces().join("alibaba");
    let (report, cpu) = import_report(Format::Alibaba(AlibabaTable::Machine), &src);
    let text = std::fs::read_to_string(src.join("machine_usage.csv")).unwrap();
    let mut rows: BTreeMap<&str, Vec<(i64, f64)>> = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 9, "{line}");
        let t: i64 = f[1].parse().unwrap();
        assert_eq!(t % 10, 0, "times are multiples of 10 s");
        rows.entry(f[0])
            .or_default()
            .push((t / 300, f[2].parse::<f64>().unwrap() * 96.0 / 100.0));
    }
    assert_eq!(report.rows_read, text.lines().count() as u64);
    assert_eq!(report.rows_used, report.rows_read);
    assert_eq!(report.samples_per_workload, 144);
    assert_eq!(report.padded, 168);
    assert_eq!(report.missing_cells.get("disk_io_percent"), Some(&5));
    assert_eq!((report.out_of_order, report.duplicates), (0, 0));
    assert_eq!(
        report.metadata,
        [src.join("machine_meta.csv")],
        "machine_meta beside the usage"
    );
    assert_eq!(
        rows.keys().copied().collect::<Vec<_>>(),
        ["m_3001", "m_3002", "m_3003", "m_3004"]
    );
    for s in &report.sources {
        assert_eq!((s.cores.value, s.cores.from), (96.0, Basis::Metadata));
    }
    for (id, r) in &rows {
        let want = filled(r, 0, 143);
        let got = &cpu[*id];
        assert_eq!(got.len(), want.len());
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(close(*g, *w), "{id}[{k}]: {g} vs {w}");
        }
    }
    // `m_3002`'s 2-hour hole (18,000–25,200 s, steps 60–83) carries its last value.
    let m2 = &cpu["m_3002"];
    assert!(m2[60..84].iter().all(|&c| c == m2[59]), "{:?}", &m2[58..85]);
}

/// Alibaba container_usage: the 50 rows without a container id are skipped, not merged into
/// a container; 3 containers remain, at 1 assumed core (no container_meta); 4 empty disk
/// cells.
#[test]
fn alibaba_container_sample_skips_usage_of_no_container() {
    let (report, cpu) = import_report(
        Format::Alibaba(AlibabaTable::Container),
        &traces().join("alibaba"),
    );
    assert_eq!(report.skipped.get(&Skip::NoWorkloadId), Some(&50));
    assert_eq!(report.rows_skipped(), 50);
    assert_eq!(report.missing_cells.get("disk_io_percent"), Some(&4));
    assert_eq!(
        cpu.keys().map(String::as_str).collect::<Vec<_>>(),
        ["c_1", "c_10", "c_100"]
    );
    for s in &report.sources {
        assert_eq!((s.cores.value, s.cores.from), (1.0, Basis::Assumed));
    }
}

/// Azure V1 layout: 5 VMs over 144 steps, 5 × 144 − 4 (VM 1) − 2 (VM 2) − 72 (VM 4, created
/// at 21,600 s) = 642 readings in two files and no header; 6 steps filled, 72 padded. Cores
/// come from the vmtable; the VM whose id starts with `+` keeps it, and OUT.sources.csv
/// writes it behind an apostrophe (docs/OUTPUT.md, CSV cells).
#[test]
fn azure_sample_joins_its_vmtable_and_fills_its_gaps() {
    let dir = scratch("samples-azure");
    let src = traces().join("azure");
    let out = vsesim_ok(
        &["import", "azure", src.to_str().unwrap(), "-o", "az.parquet"],
        &dir,
    );
    assert!(
        out.contains(
            "5 workloads × 144 samples every 300 s (642 rows read, 642 used, 0 skipped; 6 gaps filled, 72 padded, 0 duplicates merged)"
        ),
        "{out}"
    );
    let table = std::fs::read_to_string(src.join("vmtable/vmtable.csv")).unwrap();
    let cores: BTreeMap<&str, f64> = table
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 11, "{l}");
            (f[0], f[9].parse().unwrap())
        })
        .collect();
    let mut rows: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    let mut boundary_files = 0;
    for file in [
        "vm_cpu_readings-file-1-of-2.csv",
        "vm_cpu_readings-file-2-of-2.csv",
    ] {
        let text = std::fs::read_to_string(src.join("vm_cpu_readings").join(file)).unwrap();
        boundary_files += usize::from(text.lines().any(|l| l.starts_with("21600,")));
        for l in text.lines() {
            let f: Vec<&str> = l.split(',').collect();
            let (min, max, avg): (f64, f64, f64) = (
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            );
            assert!(min <= avg && avg <= max, "{l}");
            let t: i64 = f[0].parse().unwrap();
            rows.entry(f[1].to_owned())
                .or_default()
                .push((t / 300, avg * cores[f[1]] / 100.0));
        }
    }
    assert_eq!(boundary_files, 2, "time 21,600 is split between the files");
    let trace = read_native(&dir.join("az.parquet"));
    assert_eq!(trace.series.len(), 5);
    let mut sizes: Vec<f64> = rows.keys().map(|id| cores[id.as_str()]).collect();
    sizes.sort_by(f64::total_cmp);
    assert_eq!(sizes, [1.0, 1.0, 2.0, 4.0, 8.0]);
    for (id, r) in &rows {
        assert_series(id, &series(&trace, id).cpu, &filled(r, 0, 143));
    }
    let plus = rows.keys().find(|id| id.starts_with('+')).expect("a + id");
    let sources = std::fs::read_to_string(dir.join("az.sources.csv")).unwrap();
    assert!(sources.contains(&format!("\"'{plus}\",")), "{sources}");

    // The peak and the trough of each interval bracket its mean.
    let (_, max) = import_report(Format::Azure(import::AzureCpu::Max), &src);
    let (_, min) = import_report(Format::Azure(import::AzureCpu::Min), &src);
    let (_, avg) = import_report(Format::Azure(import::AzureCpu::Avg), &src);
    for (id, a) in &avg {
        for k in 0..a.len() {
            assert!(min[id][k] <= a[k] && a[k] <= max[id][k], "{id}[{k}]");
        }
    }
}

/// Capacity Advisor profiles: 3 systems on one grid of 288 steps from 2024-01-08 00:00 UTC;
/// web01's 2 samples written twice (the last line kept), 6 missing samples and 3 no-data
/// `MEM_UTIL` cells; batch01 padded for 216 steps; CPU_ALLOC checked, not kept.
#[test]
fn capprofile_sample_reads_as_capacity_advisor_would() {
    let dir = scratch("samples-capprofile");
    let src = traces().join("capprofile");
    let out = vsesim_ok(
        &[
            "import",
            "capprofile",
            src.to_str().unwrap(),
            "-o",
            "ca.parquet",
        ],
        &dir,
    );
    for expected in [
        "3 workloads × 288 samples every 300 s, time_s 0 = 2024-01-08 00:00 UTC",
        "2 duplicate times, the last line kept",
        "6 no-data samples",
        "MEM_UTIL 3",
        "216 steps padded",
        "CPU_ALLOC checked but not kept",
    ] {
        assert!(out.contains(expected), "`{expected}` not in {out}");
    }
    let trace = read_native(&dir.join("ca.parquet"));
    // (file, cores, memory GiB, delimiter)
    for (name, cores, memory, sep) in [
        ("db01", 8.0, 32.0, ','),
        ("web01", 4.0, 8.0, ','),
        ("batch01", 2.0, 4.0, ';'),
    ] {
        let text = std::fs::read_to_string(src.join(format!("{name}.txt"))).unwrap();
        let (mut cpu, mut mem) = (BTreeMap::new(), BTreeMap::new());
        for line in text.lines().filter(|l| l.starts_with("2024")) {
            let f: Vec<&str> = line.split(sep).map(str::trim).collect();
            // Stamped at the end of the interval: 00:05 (UTIS 1704672300) ends step 0.
            let k = (f[1].parse::<i64>().unwrap() - 1_704_672_300) / 300;
            cpu.insert(k, f[2].parse::<f64>().unwrap() / 100.0 * cores);
            if let Ok(m) = f[3].parse::<f64>() {
                mem.insert(k, m / 100.0 * memory);
            }
        }
        // The last line of a time wins, so one value per step, then the usual filling.
        let rows = |m: &BTreeMap<i64, f64>| m.iter().map(|(&k, &v)| (k, v)).collect::<Vec<_>>();
        let s = series(&trace, name);
        assert_series(name, &s.cpu, &filled(&rows(&cpu), 0, 287));
        assert_series(
            name,
            s.memory_gb.as_deref().unwrap(),
            &filled(&rows(&mem), 0, 287),
        );
    }
    let web = series(&trace, "web01");
    // Samples 150–155 are missing: the value of 149 carries.
    assert!(web.cpu[150..156].iter().all(|&c| c == web.cpu[149]));
}

/// The native samples: the CSV and the Parquet hold the same trace, and db-001 is exactly what
/// its spec generates on the fly (docs/SYNTH.md), with its constant 24 GiB.
#[test]
fn native_samples_are_their_spec() {
    let csv = vsesim::workload::native::read(&traces().join("estate.csv"), None).unwrap();
    let pq = read_native(&traces().join("estate.parquet"));
    assert_eq!(csv, pq);
    assert_eq!(
        csv.series
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["db-001", "db-002", "web-001", "web-002", "batch"]
    );
    let spec: vsesim::workload::synth::SynthSpec = toml::from_str(
        r#"pattern = "weekly"
mean = 1.5
peak = 4
peak_hour = 11
noise = 0.15
group = "oltp"
correlation = 0.6"#,
    )
    .unwrap();
    let spec = spec.with_scenario_seed(2026);
    let want = vsesim::workload::synth::generate(
        &spec,
        vsesim::workload::synth::name_seed(2026, "db-001"),
        0,
        300_000,
        288,
    )
    .unwrap();
    let db = series(&csv, "db-001");
    assert_eq!(db.cpu, want);
    assert!(db.memory_gb.as_deref().unwrap().iter().all(|&m| m == 24.0));
}

/// A scenario replays the native samples and a PlanetLab sample file directly: the demand it
/// accounts is the traces' own sum (a sample's value for 5 minutes, in core-hours).
#[test]
fn scenarios_replay_the_samples() {
    let dir = scratch("samples-replay");
    let t = traces();
    let pl = "planetlab1_cs_alpha-univ_edu_p2p_swarm";
    std::fs::write(
        dir.join("s.toml"),
        format!(
            r#"[scenario]
name = "replay"
horizon = "1d"
seed = 1

[[servers]]
name = "sd"
cells = 1
cores_per_cell = 16
memory_gb_per_cell = 256

[[partitions]]
name = "vm"
kind = "vm"
parent = "sd"
vcpus = 8
entitlement = 50

[[workloads]]
name = "db-001"
partition = "vm"
units = "cores"
trace = "{0}/estate.csv"

[[workloads]]
name = "web-002"
partition = "vm"
units = "cores"
trace = "{0}/estate.parquet"

[[workloads]]
name = "pl"
partition = "vm"
format = "planetlab"
units = "percent"
source = {{ cores = 1, speed = 1 }}
trace = "{0}/planetlab/{pl}"
"#,
            t.display()
        ),
    )
    .unwrap();
    vsesim_ok(&["run", "s.toml", "-o", "out", "-q"], &dir);
    let summary = read_json(&dir.join("out/summary.json"));
    let estate = read_native(&t.join("estate.parquet"));
    let core_hours = |v: &[f32]| v.iter().map(|&c| f64::from(c)).sum::<f64>() * 5.0 / 60.0;
    let pl_values: Vec<f32> = std::fs::read_to_string(t.join("planetlab").join(pl))
        .unwrap()
        .lines()
        .map(|l| l.parse::<f32>().unwrap() / 100.0)
        .collect();
    for (name, want) in [
        ("db-001", core_hours(&series(&estate, "db-001").cpu)),
        ("web-002", core_hours(&series(&estate, "web-002").cpu)),
        ("pl", core_hours(&pl_values)),
    ] {
        let got = f(&entity(&summary, "workloads", name)["demand_core_hours"]);
        assert!((got - want).abs() <= 1e-6 * want, "{name}: {got} vs {want}");
    }
}

/// The planner on the shipped PlanetLab day (scenarios/plan-planetlab.toml: 8-core hosts, p99,
/// 85 %, so 6.8 cores a host). No plan can use fewer hosts than the p99 of the time-aligned
/// sum needs, nor can sum-of-peaks sizing use fewer than the sum of each VM's own p99 needs
/// (the p-percentile of 288 samples is the sorted sample at rank ⌊0.99 × 288⌋ = 285); every
/// one of the 80 VMs is placed once; and the run of the plan's scenario finds every server
/// within its limit and accounts for all the day's work.
#[test]
fn the_planner_plans_the_shipped_planetlab_day() {
    let dir = scratch("samples-plan");
    let plan_file = project_root().join("scenarios/plan-planetlab.toml");
    vsesim_ok(
        &["plan", plan_file.to_str().unwrap(), "-o", "out", "-q"],
        &dir,
    );
    let plan = read_json(&dir.join("out/plan.json"));

    let src = traces().join("planetlab");
    let vms: Vec<Vec<f64>> = files_under(&src)
        .iter()
        .map(|f| {
            std::fs::read_to_string(src.join(f))
                .unwrap()
                .lines()
                .map(|l| l.parse::<f64>().unwrap() / 100.0)
                .collect()
        })
        .collect();
    let p99 = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s[285]
    };
    let aligned: Vec<f64> = (0..288).map(|k| vms.iter().map(|v| v[k]).sum()).collect();
    let need_aligned = (p99(&aligned) / 6.8).ceil() as u64;
    let need_peaks = (vms.iter().map(|v| p99(v)).sum::<f64>() / 6.8).ceil() as u64;

    let servers = plan["totals"]["servers"].as_u64().unwrap();
    let baseline = plan["baseline"]["totals"]["servers"].as_u64().unwrap();
    assert!(servers >= need_aligned, "{servers} < {need_aligned}");
    assert!(baseline >= need_peaks, "{baseline} < {need_peaks}");
    assert!(servers <= baseline, "{servers} > {baseline}");
    assert!(
        servers < baseline,
        "time alignment saves a host on this day"
    );
    let placed: usize = plan["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["workloads"].as_array().unwrap().len())
        .sum();
    assert_eq!(placed, 80);

    vsesim_ok(&["run", "out/planetlab-plan.toml", "-o", "run", "-q"], &dir);
    let s = read_json(&dir.join("run/summary.json"));
    assert_eq!(s["servers"].as_array().unwrap().len() as u64, servers);
    for server in s["servers"].as_array().unwrap() {
        assert_eq!(server["verdict"]["status"], "meets", "{}", server["name"]);
    }
    let demand = f(&s["totals"]["demand_core_hours"]);
    let want: f64 = vms.iter().flatten().sum::<f64>() * 5.0 / 60.0;
    assert!((demand - want).abs() < 1e-6 * want, "{demand} vs {want}");
    assert!(f(&s["totals"]["dropped_core_hours"]).abs() < 1e-9);
}
