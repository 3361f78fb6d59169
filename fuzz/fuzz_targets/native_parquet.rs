//! `cargo fuzz run native_parquet`: see `vsesim_fuzz::native_parquet` and docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: vsesim_fuzz::let_polars_panics_unwind(),
    |data: &[u8]| vsesim_fuzz::native_parquet(data)
);
