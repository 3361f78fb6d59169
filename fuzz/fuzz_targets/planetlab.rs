//! `cargo fuzz run planetlab`: see `vsesim_fuzz::planetlab` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vsesim_fuzz::planetlab(data));
