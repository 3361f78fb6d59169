//! The tests that write a scenario, run it and check its summary against figures worked out
//! by hand, in one test binary: each was a binary of its own, and every binary links the
//! whole library with polars, so one link replaces eight (`cargo test --release --test runs`;
//! `… --test runs cost::` for one file's tests).

#[path = "../common/mod.rs"]
mod common;

mod advice;
mod cost;
mod fluid;
mod ha;
mod policy;
mod power;
mod resources;
mod traces;
mod verdict;
