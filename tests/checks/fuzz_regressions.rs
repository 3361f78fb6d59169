//! The fuzz targets without libFuzzer: every file of `fuzz/seeds/TARGET/` and
//! `fuzz/regressions/TARGET/` goes through the same function `cargo fuzz run TARGET` calls
//! (`fuzz/src/lib.rs`, included here), which must return without panicking and assert the
//! reader's invariants, and so do a fixed set of simple mutants of them. Crashes that fuzzing
//! found are kept in `fuzz/regressions/`, so plain `cargo test` keeps them fixed
//! (docs/FUZZING.md).

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)] // `let_polars_panics_unwind` is for libFuzzer's panic hook only
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Mutants made of each seed by [`mutants`]: a dumb, deterministic complement to
/// coverage-guided fuzzing that costs no sanitizer build.
const MUTANTS_PER_SEED: usize = 40;

/// Feeds every input of `target`, and [`MUTANTS_PER_SEED`] mutants of each, to `run`; fails
/// naming each input that panicked (a mutant is written to the temporary folder first).
fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = Vec::new();
    for set in ["seeds", "regressions"] {
        let dir = root.join(set).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        inputs.extend(entries.map(|e| e.unwrap().path()));
    }
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs for `{target}`");
    let seeds: Vec<Vec<u8>> = inputs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut failed: Vec<String> = Vec::new();
    let mut tried = 0usize;
    for (path, data) in inputs.iter().zip(&seeds) {
        tried += 1;
        if catch_unwind(AssertUnwindSafe(|| run(data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    for (i, mutant) in mutants(&seeds).enumerate() {
        tried += 1;
        if catch_unwind(AssertUnwindSafe(|| run(&mutant))).is_err() {
            let path = std::env::temp_dir().join(format!("vsesim-fuzz-{target}-mutant-{i}"));
            std::fs::write(&path, &mutant).unwrap();
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {tried} inputs of `{target}` panicked: {failed:#?}",
        failed.len(),
    );
}

/// The same mutants on every run (a fixed seed), so a failure is reproducible: each is a
/// seed with one to four of libFuzzer's simplest mutations (flip a bit, set a byte to an
/// interesting value, delete, duplicate or splice in a piece of another seed).
fn mutants(seeds: &[Vec<u8>]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut state = 0x5eed_f022_u64;
    let mut next = move |n: usize| -> usize {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    };
    const INTERESTING: [u8; 12] = [
        0, b'\n', b',', b';', b'-', b'.', b'9', b'e', b'"', b'[', b'=', 0xff,
    ];
    (0..seeds.len() * MUTANTS_PER_SEED).map(move |i| {
        let mut data = seeds[i / MUTANTS_PER_SEED].clone();
        for _ in 0..=next(4) {
            let len = data.len();
            match next(5) {
                0 if len > 0 => data[next(len)] ^= 1 << next(8),
                1 if len > 0 => data[next(len)] = INTERESTING[next(INTERESTING.len())],
                2 if len > 0 => {
                    let at = next(len);
                    let end = (at + 1 + next(16)).min(len);
                    data.drain(at..end);
                }
                3 if len > 0 => {
                    let at = next(len);
                    let end = (at + 1 + next(64)).min(len);
                    let piece = data[at..end].to_vec();
                    let to = next(len + 1);
                    data.splice(to..to, piece);
                }
                _ => {
                    let other = &seeds[next(seeds.len())];
                    let (from, to) = (next(other.len() + 1), next(len + 1));
                    let piece = other[from..(from + next(256)).min(other.len())].to_vec();
                    data.splice(to..to, piece);
                }
            }
        }
        data
    })
}

#[test]
fn scenario_inputs_never_panic() {
    replay("scenario", targets::scenario);
}

#[test]
fn native_csv_inputs_never_panic() {
    replay("native_csv", targets::native_csv);
}

#[test]
fn native_parquet_inputs_never_panic() {
    replay("native_parquet", targets::native_parquet);
}

#[test]
fn capprofile_inputs_never_panic() {
    replay("capprofile", targets::capprofile);
}

#[test]
fn planetlab_inputs_never_panic() {
    replay("planetlab", targets::planetlab);
}

#[test]
fn bitbrains_inputs_never_panic() {
    replay("bitbrains", targets::bitbrains);
}

#[test]
fn alibaba_inputs_never_panic() {
    replay("alibaba", targets::alibaba);
}

#[test]
fn azure_inputs_never_panic() {
    replay("azure", targets::azure);
}
