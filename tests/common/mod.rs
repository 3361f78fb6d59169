//! Helpers shared by the integration tests: run the built binary, make scratch folders, find
//! the shared real traces, build scenarios ([`Scenario`]).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

mod scenario;
// Not every test binary that includes this module builds scenarios.
#[allow(unused_imports)]
pub use scenario::{Scenario, assert_refused, hourly, power, wake};

pub fn vsesim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vsesim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the vsesim binary runs")
}

/// `vsesim ARGS` in `cwd`, asserting it succeeded (its stderr and stdout in the failure);
/// its stdout.
pub fn vsesim_ok(args: &[&str], cwd: &Path) -> String {
    let out = vsesim(args, cwd);
    assert!(
        out.status.success(),
        "vsesim {} failed: {}\n{}",
        args.join(" "),
        stderr(&out),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A native trace file (`.parquet`) read back, or the test fails with the reader's message.
pub fn read_native(path: &Path) -> vsesim::workload::native::NativeTrace {
    vsesim::workload::parquet::read(path, None).unwrap_or_else(|e| panic!("{e}"))
}

/// Workload `name`'s series in a native trace, or the test fails naming it.
pub fn series<'a>(
    trace: &'a vsesim::workload::native::NativeTrace,
    name: &str,
) -> &'a vsesim::workload::Series {
    trace
        .get(name)
        .unwrap_or_else(|| panic!("no workload `{name}`"))
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("vsesim-test-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `vsesim ARGS -o OUT` run in the project root, where the bundled scenarios' paths start;
/// its output, once it has succeeded (a failure fails the test with vsesim's message).
pub fn in_project(args: &[&str], out: &Path) -> Output {
    let mut argv = args.to_vec();
    argv.extend(["-o", out.to_str().expect("a UTF-8 scratch path")]);
    let ran = vsesim(&argv, &project_root());
    assert!(ran.status.success(), "{args:?}: {}", stderr(&ran));
    ran
}

/// The shared real traces, or `None` (with a note) when they are absent outside CI. In CI
/// (CI=true) their absence fails the test: a skipped check must never look like a pass.
pub fn shared_traces(sub: &str) -> Option<PathBuf> {
    let dir = project_root().join("../shared/traces").join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{} is missing; CI must run with ../shared beside the project",
            dir.display()
        );
    }
    eprintln!(
        "note: {} is missing; test skipped outside CI",
        dir.display()
    );
    None
}

/// Run `dir/s.toml` into `dir/out` (quiet, then `extra`) and read its summary.json. A failed
/// run fails the test with vsesim's message.
pub fn run_summary(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["run", "s.toml", "-o", "out", "--quiet"];
    args.extend_from_slice(extra);
    let out = vsesim(&args, dir);
    assert!(out.status.success(), "{}", stderr(&out));
    read_json(&dir.join("out/summary.json"))
}

/// Write `scenario` as `dir/s.toml` and each `(file, text)` of `files` beside it, then
/// [`run_summary`]: the write-a-scenario-run-it-read-the-summary step most tests start with.
pub fn write_run_summary(
    dir: &Path,
    scenario: &str,
    files: &[(&str, &str)],
    extra: &[&str],
) -> serde_json::Value {
    std::fs::write(dir.join("s.toml"), scenario).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    run_summary(dir, extra)
}

/// [`write_run_summary`] in a fresh [`scratch`] folder.
pub fn scratch_run_summary(
    name: &str,
    scenario: &str,
    files: &[(&str, &str)],
) -> serde_json::Value {
    write_run_summary(&scratch(name), scenario, files, &[])
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Find an entity by name in a summary.json section.
pub fn entity<'a>(
    summary: &'a serde_json::Value,
    section: &str,
    name: &str,
) -> &'a serde_json::Value {
    summary[section]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["name"] == name))
        .unwrap_or_else(|| panic!("{section} has no `{name}`"))
}

pub fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The fenced blocks of `lang` in a Markdown text, in order.
pub fn fenced_blocks(doc: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("a closed fence");
        out.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    out
}

/// A process's PATH with the built vsesim's folder first.
pub fn path_with_vsesim() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_vsesim")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// True when this process runs as root (package installs need it).
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Compare `got` (a summary.json's text) with the golden file `tests/golden/<name>`. With
/// VSESIM_UPDATE_GOLDEN=1 the golden file is rewritten first, so a deliberate change to the
/// output is one run and one reviewed diff; otherwise a difference fails the test naming the
/// fields that differ (JSON pointers, the first 20), not only the file.
pub fn check_golden(name: &str, got: &str) {
    let golden = project_root().join("tests/golden").join(name);
    if std::env::var("VSESIM_UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run the test with VSESIM_UPDATE_GOLDEN=1 to write it",
            golden.display()
        )
    });
    if got == want {
        return;
    }
    let mut fields = Vec::new();
    match (
        serde_json::from_str::<serde_json::Value>(got),
        serde_json::from_str::<serde_json::Value>(&want),
    ) {
        (Ok(g), Ok(w)) => json_differences("", &g, &w, &mut fields),
        _ => fields.push("(not JSON: the bytes differ)".to_string()),
    }
    if fields.is_empty() {
        fields.push("(same values, other bytes: formatting or key order)".to_string());
    }
    let shown = fields.len().min(20);
    panic!(
        "{} differs in {} field(s): {}{}\nIf the change is deliberate, rerun with VSESIM_UPDATE_GOLDEN=1 and commit the new file saying why.",
        golden.display(),
        fields.len(),
        fields[..shown].join(", "),
        if fields.len() > shown { ", …" } else { "" }
    );
}

/// The JSON pointers under `at` where `got` and `want` differ (a field present in one only
/// counts).
pub fn json_differences(
    at: &str,
    got: &serde_json::Value,
    want: &serde_json::Value,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            let mut keys: Vec<&String> = g.keys().chain(w.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let here = format!("{at}/{k}");
                match (g.get(k), w.get(k)) {
                    (Some(a), Some(b)) => json_differences(&here, a, b, out),
                    (Some(_), None) => out.push(format!("{here} (new)")),
                    (None, _) => out.push(format!("{here} (missing)")),
                }
            }
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                json_differences(&format!("{at}/{i}"), a, b, out);
            }
        }
        (a, b) if a != b => out.push(if at.is_empty() { "/".into() } else { at.into() }),
        _ => {}
    }
}
