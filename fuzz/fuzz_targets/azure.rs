//! `cargo fuzz run azure`: see `vsesim_fuzz::azure` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vsesim_fuzz::azure(data));
