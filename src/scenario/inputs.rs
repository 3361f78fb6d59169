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
