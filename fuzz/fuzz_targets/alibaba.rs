//! `cargo fuzz run alibaba`: see `vsesim_fuzz::alibaba` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vsesim_fuzz::alibaba(data));
