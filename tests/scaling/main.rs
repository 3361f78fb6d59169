//! docs/SCALING.md kept honest: its deploy/ scripts (`deploy`), sweeps sharded, threaded,
//! stopped and merged (`sweep`), and one run split by islands and merged (`split`). One test
//! binary, since every binary links the whole library with polars (`cargo test --release
//! --test scaling`; `… --test scaling sweep::` for one file's tests). tests/slurm.rs runs the
//! same scripts on a real Slurm, in a binary of its own.

#[path = "../common/mod.rs"]
mod common;

mod deploy;
mod split;
mod sweep;
