//! Fuzz target: see [serlab_fuzz::run_folder].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| serlab_fuzz::run_folder(data));
