//! Output folders and CSV cells (issue 18): a second run into a busy folder exits 2 at once; a
//! rerun killed half-way never leaves a folder mixing two runs; SIGTERM leaves no temporary
//! files; `-o` that cannot be a folder is bad input (exit 2) with its reason; names that a
//! spreadsheet would run as formulas are written quoted behind an apostrophe.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// A scenario that takes a few seconds: 400 noisy workloads on one server for `days`.
fn slow_scenario(dir: &Path, days: u32) -> std::path::PathBuf {
    let mut s = format!(
        "[scenario]\nname = \"slow\"\nhorizon = \"{days}d\"\nseed = 1\n[report]\ntimeseries = false\n\n\
         [[servers]]\nname = \"sd\"\ncells = 4\ncores_per_cell = 16\nmemory_gb_per_cell = 64\n"
    );
    for i in 0..400 {
        s.push_str(&format!(
            "\n[[workloads]]\nname = \"w{i}\"\npartition = \"sd\"\nunits = \"cores\"\n\
             synth = {{ pattern = \"diurnal\", mean = 0.1, peak = 0.2, noise = 0.3 }}\n"
        ));
    }
    let path = dir.join("slow.toml");
    std::fs::write(&path, s).unwrap();
    path
}

fn spawn(args: &[&str], dir: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vsesim starts")
}

/// Waits until `path` exists (the first run has claimed its folder), at most 20 s.
fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["", "charts"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            for e in rd.flatten() {
                if e.path().is_file() {
                    out.push(format!("{sub}/{}", e.file_name().to_string_lossy()));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_second_run_into_a_busy_folder_exits_2_at_once() {
    let dir = scratch("busy-folder");
    let scenario = slow_scenario(&dir, 240);
    let first = spawn(
        &["run", scenario.to_str().unwrap(), "-o", "out", "--quiet"],
        &dir,
    );
    wait_for(&dir.join("out"));
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let second = vsesim(&["run", "slow.toml", "-o", "out", "--quiet"], &dir);
    let waited = started.elapsed();
    let first = first.wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another vsesim is writing this folder"),
        "{}",
        stderr(&second)
    );
    // It refused at once: it did not wait for the first run (several seconds) to end.
    assert!(
        waited < Duration::from_secs(3),
        "the second run waited {waited:?}"
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(dir.join("out/run.json").is_file());
    assert!(
        files_in(&dir.join("out"))
            .iter()
            .all(|f| !f.ends_with(".tmp"))
    );
}

/// A complete run, then a rerun into the same folder killed with SIGKILL in the middle: no
/// file of the first run may remain beside the second's, and without run.json the folder
/// says it is incomplete.
#[test]
fn a_killed_rerun_never_leaves_a_mixed_folder() {
    let dir = scratch("killed-rerun");
    let root = project_root();
    let out = dir.join("out");
    let done = vsesim(
        &[
            "run",
            "scenarios/demo.toml",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
            "--csv",
        ],
        &root,
    );
    assert!(done.status.success(), "{}", stderr(&done));
    let before = files_in(&out);
    assert!(before.contains(&"/report.html".to_string()), "{before:?}");
    let rerun_started = SystemTime::now();
    std::thread::sleep(Duration::from_millis(50));
    let scenario = slow_scenario(&dir, 240);
    let mut child = spawn(
        &["run", scenario.to_str().unwrap(), "-o", "out", "--quiet"],
        &dir,
    );
    // The rerun has claimed the folder once the first run's run.json is gone.
    let start = Instant::now();
    while out.join("run.json").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "run.json never went"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL: nothing can clean up
    child.wait().unwrap();
    assert!(
        !out.join("run.json").exists(),
        "a killed run left run.json, which marks a complete run"
    );
    for f in files_in(&out) {
        let modified = std::fs::metadata(out.join(f.trim_start_matches('/')))
            .unwrap()
            .modified()
            .unwrap();
        assert!(
            modified >= rerun_started,
            "{f} is left from the first run beside the second's files"
        );
    }
    // The next run cleans up and completes.
    let again = vsesim(&["run", "slow.toml", "-o", "out", "--quiet"], &dir);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(out.join("run.json").is_file());
}

/// SIGTERM (Slurm, Kubernetes) and SIGINT end a run with 143 and 130, the shell's codes,
/// through the handler that removes temporary files; a temporary file that a killed writer
/// left is removed by the next run into the folder.
#[test]
fn signals_leave_no_temporary_files() {
    let dir = scratch("sigterm");
    let scenario = slow_scenario(&dir, 240);
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let child = spawn(
            &["run", scenario.to_str().unwrap(), "-o", "out", "--quiet"],
            &dir,
        );
        wait_for(&dir.join("out"));
        std::thread::sleep(Duration::from_millis(500));
        // SAFETY: a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "signal {signal}");
        let left: Vec<String> = files_in(&dir.join("out"))
            .into_iter()
            .filter(|f| f.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
        assert!(!dir.join("out/run.json").exists());
    }
    let stale = dir.join("out/.summary.json.99999-0.tmp");
    std::fs::write(&stale, "half a file").unwrap();
    let done = vsesim(&["run", "slow.toml", "-o", "out", "--quiet"], &dir);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(
        !stale.exists(),
        "a stale temporary file survived the next run"
    );
}

#[test]
fn an_output_that_cannot_be_a_folder_is_bad_input() {
    let dir = scratch("bad-o");
    let root = project_root();
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let under = file.join("sub");
    for (target, words) in [
        (file.to_str().unwrap(), "is a file; expected a folder"),
        (
            under.to_str().unwrap(),
            "is a file, so no folder can be made under it",
        ),
        ("/proc/vsesim-out", "under /proc, a virtual file system"),
        ("/sys/vsesim-out", "under /sys, a virtual file system"),
    ] {
        let out = vsesim(
            &["run", "scenarios/demo.toml", "-o", target, "--quiet"],
            &root,
        );
        assert_eq!(out.status.code(), Some(2), "-o {target}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(words),
            "-o {target}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(target),
            "-o {target}: {}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

/// OWASP's CSV injection advice: a cell beginning with =, +, -, @ is written quoted behind an
/// apostrophe, in every CSV output that holds names; numbers (even negative) are untouched.
#[test]
fn names_that_look_like_formulas_are_escaped_in_csv() {
    let dir = scratch("formulas");
    let names = [
        "=HYPERLINK(\"http://x\")",
        "+cmd",
        "-w",
        "@SUM(A1)",
        "plain",
    ];
    let mut s = String::from(
        "[scenario]\nname = \"formulas\"\nhorizon = \"1h\"\nseed = 1\n\n\
         [[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n",
    );
    for n in names {
        s.push_str(&format!(
            "\n[[workloads]]\nname = {}\npartition = \"sd\"\nunits = \"cores\"\nsynth = {{ pattern = \"flat\", mean = 0.5 }}\n",
            toml::Value::String(n.into())
        ));
    }
    std::fs::write(dir.join("f.toml"), s).unwrap();
    let out = vsesim(&["run", "f.toml", "-o", "out", "--quiet", "--csv"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in ["timeseries.csv", "stats.csv"] {
        let text = std::fs::read_to_string(dir.join("out").join(file)).unwrap();
        for line in text.lines() {
            for cell in line.split(',') {
                assert!(
                    !cell.starts_with(['=', '+', '@']),
                    "{file}: a raw formula cell `{cell}` in `{line}`"
                );
                // A leading minus is a number's sign or an escaped name, never a raw name.
                if let Some(rest) = cell.strip_prefix('-') {
                    assert!(rest.parse::<f64>().is_ok(), "{file}: `{cell}` in `{line}`");
                }
            }
        }
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
            "{file} lacks the escaped name"
        );
        for escaped in ["\"'+cmd\"", "\"'-w\"", "\"'@SUM(A1)\""] {
            assert!(text.contains(escaped), "{file} lacks {escaped}");
        }
        // A CSV reader gets the name back with its apostrophe, as a spreadsheet shows it.
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let first = reader
            .records()
            .flatten()
            .any(|r| r.iter().any(|c| c == "'-w"));
        assert!(first, "{file}: `'-w` is not one field");
    }
}
