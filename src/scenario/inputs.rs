//! What a scenario reads — its own file and every trace it names — and their SHA-256, so an
//! output folder can say exactly what produced it (a run's `run.json`, a sweep's
//! `sweep.json`), and a rerun or a merge can tell when an input changed.

use sha2::{Digest, Sha256};
use std::path::Path;

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file's bytes; a folder's files' names and bytes, in name order (a PlanetLab trace is a
/// folder of one file per VM).
pub fn read_all(path: &Path) -> std::io::Result<Vec<u8>> {
    if !path.is_dir() {
        return std::fs::read(path);
    }
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    names.sort();
    let mut out = Vec::new();
    for n in names.into_iter().filter(|n| n.is_file()) {
        out.extend_from_slice(
            n.file_name()
                .map(|s| s.as_encoded_bytes())
                .unwrap_or_default(),
        );
        out.push(0);
        out.extend_from_slice(&std::fs::read(&n)?);
    }
    Ok(out)
}

/// Every `trace = "…"` in a scenario's (or a table's) TOML, in document order.
pub fn collect_traces(v: &toml::Value, f: &mut dyn FnMut(&str)) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("trace", toml::Value::String(s)) => f(s),
                    _ => collect_traces(v, f),
                }
            }
        }
        toml::Value::Array(a) => a.iter().for_each(|v| collect_traces(v, f)),
        _ => {}
    }
}

/// A file read and its SHA-256.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FileHash {
    /// As written (the scenario: as given on the command line; a trace: as the scenario names
    /// it, relative to the scenario's folder).
    pub path: String,
    pub sha256: String,
}

/// What a run read: its scenario, every trace the scenario (with its overrides) names, and one
/// SHA-256 over all of them and the overrides, so two run folders with the same `sha256`
/// were produced by the same inputs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunInputs {
    pub sha256: String,
    pub scenario: FileHash,
    pub traces: Vec<FileHash>,
}

/// The inputs of `vsesim run SCENARIO --set …`.
pub fn of_run(
    path: &Path,
    overrides: &[super::overrides::Override],
) -> Result<RunInputs, crate::Error> {
    use crate::Error;
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let scenario = FileHash {
        path: path.display().to_string(),
        sha256: sha256_hex(&text),
    };
    let mut table: toml::Table = String::from_utf8_lossy(&text)
        .parse()
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    for o in overrides {
        super::edit::replace(&mut table, &o.path, &o.value)
            .map_err(|m| Error::Usage(format!("--set {}: {m}", o.text)))?;
    }
    let mut named = std::collections::BTreeSet::new();
    collect_traces(&toml::Value::Table(table), &mut |p| {
        named.insert(p.to_string());
    });
    let folder = path.parent().unwrap_or(Path::new(""));
    let mut traces = Vec::new();
    for name in named {
        let full = folder.join(&name);
        let bytes = read_all(&full).map_err(|e| Error::io(&full, e))?;
        traces.push(FileHash {
            path: name,
            sha256: sha256_hex(&bytes),
        });
    }
    let mut all = format!("scenario {}\n", scenario.sha256);
    for t in &traces {
        all.push_str(&format!("trace {} {}\n", t.path, t.sha256));
    }
    for o in overrides {
        let a = o.applied();
        all.push_str(&format!("set {} = {}\n", a.path, a.value));
    }
    Ok(RunInputs {
        sha256: sha256_hex(all.as_bytes()),
        scenario,
        traces,
    })
}
