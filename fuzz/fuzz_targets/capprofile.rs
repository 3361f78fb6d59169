//! `cargo fuzz run capprofile`: see `vsesim_fuzz::capprofile` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vsesim_fuzz::capprofile(data));
