//! Fuzz target: see [serlab_fuzz::manifest].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| serlab_fuzz::manifest(data));
