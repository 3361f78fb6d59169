//! `cargo fuzz run bitbrains`: see `vsesim_fuzz::bitbrains` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vsesim_fuzz::bitbrains(data));
