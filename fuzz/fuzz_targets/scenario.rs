//! `cargo fuzz run scenario`: see `vsesim_fuzz::scenario` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vsesim_fuzz::scenario(data));
