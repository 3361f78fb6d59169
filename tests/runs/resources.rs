//! All four resources (CPU, memory, disk and network I/O) and the planning answers under the
//! forecast (issue #11), checked against arithmetic done by hand and against a real trace.

use crate::common::*;
use polars::prelude::*;

/// Runs `scenario` in a scratch folder and returns its summary.json.
fn run(name: &str, scenario: Scenario) -> serde_json::Value {
    scratch_run_summary(name, scenario.text(), &[])
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Issue #11's example: 2 cores growing 50 % a year linearly on 4 cores at a 75 % limit reach
/// 3 cores after one year: 2 × (1 + 0.5 × 1) = 3 = 0.75 × 4. Over the 3-year horizon demand
/// reaches 2 × 2.5 = 5 cores, which needs 5 / 0.75 = 6.67, i.e. 7 cores; capacity remaining now
/// is 3 − 2 = 1 core. The study needs ⌈5 / 3⌉ = 2 such servers.
#[test]
fn time_remaining_on_a_linear_series_is_one_year() {
    let s = run(
        "linear",
        Scenario::new("linear", "7d", 1)
            .server("sd", 1, 4, 16, "")
            .flat("w", "sd", 2.0, "")
            .report(
                "util_limit = 0.75\ntimeseries = false\ngrowth = { cpu = 0.5, model = \"linear\", horizon = \"3y\" }\n",
            ),
    );
    let sd = entity(&s, "servers", "sd");
    let cpu = &sd["planning"]["cpu"];
    assert_eq!(cpu["unit"], "cores");
    assert!(close(f(&cpu["demand_now"]), 2.0, 1e-9), "{cpu}");
    assert!(close(f(&cpu["time_remaining_days"]), 365.0, 1e-6), "{cpu}");
    assert!(close(f(&cpu["capacity_remaining"]), 1.0, 1e-9), "{cpu}");
    assert!(close(f(&cpu["demand_at_horizon"]), 5.0, 1e-9), "{cpu}");
    assert_eq!(f(&cpu["recommended"]), 7.0);
    assert_eq!(
        sd["forecast"]["cpu_limit_in_days"],
        cpu["time_remaining_days"]
    );
    // No memory in use, no growth of it: beyond the horizon.
    assert!(sd["planning"]["memory"]["time_remaining_days"].is_null());
    assert!(sd["planning"]["disk"].is_null());
    assert_eq!(s["planning"]["target_server"], "sd");
    assert_eq!(s["planning"]["by_resource"]["cpu"], 2);
    assert_eq!(s["planning"]["servers_needed"], 2);
}

/// Consolidating two servers, each with a 2-core, 40 GiB workload, onto one 16-core, 64 GiB
/// server: CPU alone passes (4 of 16 cores, 25 % against 85 %), but 80 GiB of memory is above
/// 0.85 × 64 = 54.4 GiB, so the verdict is red. The study needs ⌈80 / 54.4⌉ = 2 servers for
/// memory, ⌈4 / 13.6⌉ = 1 for CPU; the recommended memory is 80 / 0.85 = 94.12 GiB.
#[test]
fn a_memory_bound_consolidation_that_cpu_alone_would_pass_is_red() {
    let head = || Scenario::new("mem", "1d", 1).report("timeseries = false\n");
    let workloads = |s: Scenario, partition: [&str; 2]| {
        s.flat("a", partition[0], 2.0, "memory_gb = 40\n").flat(
            "b",
            partition[1],
            2.0,
            "memory_gb = 40\n",
        )
    };
    let before = run(
        "mem-before",
        workloads(
            head()
                .server("old-a", 1, 4, 64, "")
                .server("old-b", 1, 4, 64, ""),
            ["old-a", "old-b"],
        ),
    );
    assert_eq!(before["verdict"]["status"], "meets");
    let after = run(
        "mem-after",
        workloads(head().server("target", 1, 16, 64, ""), ["target", "target"]),
    );
    let t = entity(&after, "servers", "target");
    assert!(f(&t["headroom_cores"]) > 0.0, "CPU alone fits: {t}");
    assert!(close(f(&t["cpu_utilization"]["max"]), 0.25, 1e-9));
    assert_eq!(t["verdict"]["status"], "exceeds");
    assert_eq!(after["verdict"]["status"], "exceeds");
    let mem = &t["planning"]["memory"];
    assert!(
        close(f(&mem["capacity_remaining"]), 54.4 - 80.0, 1e-9),
        "{mem}"
    );
    assert_eq!(mem["time_remaining_days"], 0.0);
    assert!(close(f(&mem["recommended"]), 80.0 / 0.85, 1e-9), "{mem}");
    let p = &after["planning"];
    assert_eq!(p["by_resource"]["cpu"], 1);
    assert_eq!(p["by_resource"]["memory"], 2);
    assert_eq!(p["servers_needed"], 2);
    // The old servers: each carries 40 of 64 GiB (62.5 %) and meets.
    assert_eq!(before["planning"]["by_resource"]["memory"], 2);
}

/// Disk and network I/O against configured capacities: 50 + 40 MB/s of disk on a 100 MB/s
/// server is 90 %, above an 85 % limit the whole time (red); the vPar has no disk of its own
/// and shares the server's 100. Network has no capacity: reported (peak 30 MB/s) but not
/// judged. At a 95 % disk limit the same server meets.
#[test]
fn disk_over_its_limit_is_red_and_unconfigured_network_is_only_reported() {
    let scenario = |disk_limit: f64| {
        Scenario::new("io", "1d", 1)
            .server("sd", 1, 8, 64, "disk_mbps = 100\n")
            .vpar("vp", "sd", 4)
            .flat("a", "vp", 1.0, "disk_mbps = 50\nnetwork_mbps = 10\n")
            .flat("b", "vp", 1.0, "disk_mbps = 40\nnetwork_mbps = 20\n")
            .report(&format!("timeseries = false\ndisk_limit = {disk_limit}\n"))
    };
    let s = run("io-red", scenario(0.85));
    let sd = entity(&s, "servers", "sd");
    assert_eq!(sd["disk_mbps"], 100.0);
    assert!(sd["network_mbps"].is_null());
    let disk = &sd["disk"];
    assert!(close(f(&disk["peak_mbps"]), 90.0, 1e-9), "{disk}");
    assert!(close(f(&disk["mean_mbps"]), 90.0, 1e-9), "{disk}");
    assert!(close(f(&disk["utilization"]["max"]), 0.9, 1e-9), "{disk}");
    assert!(close(f(&disk["time_above_limit_share"]), 1.0, 1e-12));
    assert_eq!(sd["verdict"]["status"], "exceeds");
    assert!(close(
        f(&sd["planning"]["disk"]["capacity_remaining"]),
        -5.0,
        1e-9
    ));
    assert!(sd["planning"]["network"].is_null());
    let net = &sd["network"];
    assert!(close(f(&net["peak_mbps"]), 30.0, 1e-9), "{net}");
    assert!(net["utilization"].is_null() && net["time_above_limit_share"].is_null());
    let vp = entity(&s, "partitions", "vp");
    assert_eq!(vp["disk_mbps"], 100.0);
    // A workload's utilization is against its partition's capacity: 50 / 100.
    let a = entity(&s, "workloads", "a");
    assert!(close(f(&a["disk"]["utilization"]["max"]), 0.5, 1e-9));
    assert_eq!(s["planning"]["by_resource"]["disk"], 2); // ⌈90 / 85⌉
    let s = run("io-ok", scenario(0.95));
    assert_eq!(entity(&s, "servers", "sd")["verdict"]["status"], "meets");
}

/// The real Bitbrains trace carries disk and network: imported, replayed on one server with
/// I/O capacities, the server's mean disk and network are the sums of the VMs' means and its
/// peaks are the peaks of the time-aligned sums, both computed here from the imported
/// Parquet with polars, not by the simulator.
#[test]
fn bitbrains_disk_and_network_are_carried_through_a_run() {
    let Some(src) = shared_traces("bitbrains") else {
        return;
    };
    let dir = scratch("bitbrains-io");
    let out = vsesim(
        &[
            "import",
            "bitbrains",
            src.to_str().unwrap(),
            "-o",
            "bb.parquet",
            "--quiet",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let file = std::fs::File::open(dir.join("bb.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let column = |c: &str| -> Vec<f64> {
        let s = df.column(c).unwrap().f64().unwrap().clone();
        s.iter().map(|v| v.unwrap()).collect()
    };
    let workloads: Vec<String> = df
        .column("workload")
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect();
    let mut names: Vec<String> = Vec::new();
    for w in &workloads {
        if !names.contains(w) {
            names.push(w.clone());
        }
    }
    assert_eq!(names.len(), 20);
    // The time-aligned sums, by hand: every workload has a row at every time.
    let (time, disk, net) = (
        column("time_s"),
        column("disk_mbps"),
        column("network_mbps"),
    );
    let mut at: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
    for k in 0..time.len() {
        let e = at.entry(time[k] as u64).or_default();
        e.0 += disk[k];
        e.1 += net[k];
    }
    let samples = at.len() as f64;
    let disk_mean = disk.iter().sum::<f64>() / samples;
    let net_mean = net.iter().sum::<f64>() / samples;
    let disk_peak = at.values().map(|v| v.0).fold(0.0, f64::max);
    let net_peak = at.values().map(|v| v.1).fold(0.0, f64::max);
    assert!(disk_mean > 0.0 && net_mean > 0.0);
    let mut text = Scenario::new("bb", &format!("{}s", samples as u64 * 300), 1)
        .server(
            "sd",
            1,
            64,
            1024,
            &format!(
                "disk_mbps = {}\nnetwork_mbps = {}\n",
                disk_peak * 2.0,
                net_peak * 2.0
            ),
        )
        .report("timeseries = false\n");
    for (k, name) in names.iter().enumerate() {
        let column = format!("column = \"{name}\"\n");
        text = text.trace(&format!("vm{k}"), "sd", "bb.parquet", &column);
    }
    let s = write_run_summary(&dir, text.text(), &[], &[]);
    let sd = entity(&s, "servers", "sd");
    let rel = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1e-9);
    assert!(
        rel(f(&sd["disk"]["mean_mbps"]), disk_mean),
        "{} vs {disk_mean}",
        sd["disk"]
    );
    assert!(
        rel(f(&sd["network"]["mean_mbps"]), net_mean),
        "{} vs {net_mean}",
        sd["network"]
    );
    assert!(
        rel(f(&sd["disk"]["peak_mbps"]), disk_peak),
        "{} vs {disk_peak}",
        sd["disk"]
    );
    assert!(
        rel(f(&sd["network"]["peak_mbps"]), net_peak),
        "{} vs {net_peak}",
        sd["network"]
    );
    // Capacity at twice the peak: utilization peaks at one half.
    assert!(rel(f(&sd["disk"]["utilization"]["max"]), 0.5));
    let sum_of_vm_means: f64 = (0..20)
        .map(|k| f(&entity(&s, "workloads", &format!("vm{k}"))["disk"]["mean_mbps"]))
        .sum();
    assert!(rel(sum_of_vm_means, disk_mean));
}

/// Alibaba gives disk I/O as a percent 0–100 of a bandwidth it does not publish (its README):
/// without `--disk-mbps` no disk column is written; with 200 MB/s every value is within
/// 0..=200 MB/s and some are above 0. The flag is refused for a format with its own units
/// (Bitbrains: KB/s) and for a bandwidth ≤ 0, with exit 2.
#[test]
fn alibaba_disk_is_kept_only_with_its_bandwidth() {
    let Some(src) = shared_traces("alibaba2018") else {
        return;
    };
    let dir = scratch("alibaba-disk");
    let usage = src.join("machine_usage.csv");
    let import = |extra: &[&str], out: &str| {
        let mut args = vec![
            "import",
            "alibaba-machine",
            usage.to_str().unwrap(),
            "-o",
            out,
        ];
        args.extend_from_slice(extra);
        args.push("--quiet");
        vsesim(&args, &dir)
    };
    let read = |file: &str| {
        let f = std::fs::File::open(dir.join(file)).unwrap();
        ParquetReader::new(f).finish().unwrap()
    };
    let out = import(&[], "plain.parquet");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read("plain.parquet").column("disk_mbps").is_err());
    let out = import(&["--disk-mbps", "200"], "disk.parquet");
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read("disk.parquet");
    let disk = df.column("disk_mbps").unwrap().f64().unwrap().clone();
    assert!(
        disk.iter()
            .all(|v| v.is_some_and(|v| (0.0..=200.0).contains(&v)))
    );
    assert!(disk.max().unwrap() > 0.0);
    let bb = shared_traces("bitbrains").unwrap();
    let out = vsesim(
        &[
            "import",
            "bitbrains",
            bb.to_str().unwrap(),
            "-o",
            "bb.parquet",
            "--disk-mbps",
            "5",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--disk-mbps"), "{}", stderr(&out));
    let out = import(&["--disk-mbps=-5"], "neg.parquet");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("> 0"), "{}", stderr(&out));
}
