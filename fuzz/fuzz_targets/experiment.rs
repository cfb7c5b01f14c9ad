//! Fuzz target: see [serlab_fuzz::experiment].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| serlab_fuzz::experiment(data));
