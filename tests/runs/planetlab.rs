//! Replay of all 1,052 PlanetLab VMs of 3 March 2011, each alone on a 1-core vPar with a
//! fixed core: the reported utilization must equal what this test computes from the raw
//! files itself (the traces README quotes 12.31 % mean and 99 % max over all samples).

use crate::common::*;
use std::fmt::Write;

#[test]
fn planetlab_replay_matches_raw_files() {
    let Some(dir) = shared_traces("planetlab/20110303") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("readable folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 1052, "the README says 1,052 VMs");

    // Independent figures from the raw files: integers, one per line, percent.
    let mut per_vm: Vec<Vec<f64>> = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("utf-8");
        let v: Vec<f64> = text
            .split_whitespace()
            .map(|t| t.parse::<f64>().expect("integer") / 100.0)
            .collect();
        assert_eq!(v.len(), 288);
        per_vm.push(v);
    }
    let all: Vec<f64> = per_vm.iter().flatten().copied().collect();
    let raw_mean = all.iter().sum::<f64>() / all.len() as f64;
    let raw_max = all.iter().cloned().fold(0.0, f64::max);
    assert_eq!(all.len(), 302_976);
    assert!((raw_mean - 0.1231).abs() < 0.00005, "raw mean {raw_mean}");
    assert_eq!(raw_max, 0.99);

    // One server with enough cells for a 1-core vPar per VM; each workload picks its VM's
    // file from the folder, as PlanetLab distributes it.
    let mut toml = String::from(
        "[scenario]\nname = \"planetlab\"\nhorizon = \"1d\"\nseed = 1\n\n\
         [[servers]]\nname = \"big\"\ncells = 5\ncores_per_cell = 256\nmemory_gb_per_cell = 1024\n\n\
         [report]\ntimeseries = false\n\n",
    );
    for (i, path) in files.iter().enumerate() {
        let _ = write!(
            toml,
            "[[partitions]]\nname = \"vp{i}\"\nkind = \"vpar\"\nparent = \"big\"\ncores = 1\n\n\
             [[workloads]]\nname = \"vm{i}\"\npartition = \"vp{i}\"\nformat = \"planetlab\"\n\
             trace = \"{}\"\ncolumn = \"{}\"\nsource = {{ cores = 1, speed = 1.0 }}\n\n",
            dir.display(),
            path.file_name().unwrap().to_string_lossy()
        );
    }
    let work = scratch("planetlab");
    let scenario = work.join("planetlab.toml");
    std::fs::write(&scenario, toml).expect("write scenario");
    let out = vsesim(
        &["run", scenario.to_str().unwrap(), "-o", "out", "--quiet"],
        &work,
    );
    assert!(out.status.success(), "run failed: {}", stderr(&out));
    let summary = read_json(&work.join("out/summary.json"));

    let workloads = summary["workloads"].as_array().expect("workloads");
    assert_eq!(workloads.len(), 1052);
    let mut mean_of_means = 0.0;
    let mut max = 0.0f64;
    for (i, w) in workloads.iter().enumerate() {
        let raw = &per_vm[i];
        let u = &w["cpu_utilization"];
        let vm_mean = raw.iter().sum::<f64>() / raw.len() as f64;
        let vm_max = raw.iter().cloned().fold(0.0, f64::max);
        assert!(
            (f(&u["mean"]) - vm_mean).abs() < 1e-6,
            "vm{i} mean {} vs {vm_mean}",
            u["mean"]
        );
        assert!((f(&u["max"]) - vm_max).abs() < 1e-6, "vm{i} max");
        // Nearest-rank p95 of 288 equal-weight samples: the 274th smallest.
        let mut sorted = raw.clone();
        sorted.sort_by(f64::total_cmp);
        let p95 = sorted[(0.95f64 * 288.0).ceil() as usize - 1];
        assert!(
            (f(&u["p95"]) - p95).abs() <= 0.0005 + 1e-6,
            "vm{i} p95 {} vs {p95}",
            u["p95"]
        );
        // One core never saturates below 100 %: everything is served on time.
        assert_eq!(f(&w["unmet_core_hours"]), 0.0);
        assert_eq!(f(&w["sla_met_share"]), 1.0);
        // Demand in core-hours = mean fraction × 24 h on a 1-core source.
        assert!((f(&w["demand_core_hours"]) - vm_mean * 24.0).abs() < 1e-5);
        mean_of_means += f(&u["mean"]);
        max = max.max(f(&u["max"]));
    }
    mean_of_means /= 1052.0;
    assert!(
        (mean_of_means - raw_mean).abs() < 1e-7,
        "{mean_of_means} vs {raw_mean}"
    );
    assert!((mean_of_means - 0.1231).abs() < 0.00005);
    assert!((max - 0.99).abs() < 1e-6);
}
