//! The tests that write a scenario, run it and check its summary against figures worked out
//! by hand or computed from the raw traces, in one test binary: each was a binary of its own,
//! and every binary links the whole library with polars, so one link replaces twelve
//! (`cargo test --release --test runs`; `… --test runs cost::` for one file's tests).

#[path = "../common/mod.rs"]
mod common;

mod advice;
mod cost;
mod economics;
mod fluid;
mod ha;
mod plan;
mod planetlab;
mod policy;
mod power;
mod resources;
mod review;
mod traces;
mod verdict;
