//! The tests of what goes in and what comes out around a run: bad input and bad files refused
//! with their reasons, the trace readers and importers, the generated samples and synthetic
//! traces, the fuzz targets' seeds and regressions, properties of random scenarios, output
//! folders, and the report in a browser. One test binary: each file was a binary of its own,
//! and every binary links the whole library with polars, so one link replaces ten
//! (`cargo test --release --test checks`; `… --test checks synth::` for one file's tests).

#[path = "../common/mod.rs"]
mod common;

mod bad_import;
mod bad_input;
mod browser;
mod capprofile;
mod fuzz_regressions;
mod output_folders;
mod properties;
mod samples;
mod synth;
mod validate_runs;
