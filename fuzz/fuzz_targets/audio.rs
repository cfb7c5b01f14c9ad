//! Fuzz target: see [serlab_fuzz::audio].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| serlab_fuzz::audio(data));
