//! `cargo fuzz run native_csv`: see `vsesim_fuzz::native_csv` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vsesim_fuzz::native_csv(data));
