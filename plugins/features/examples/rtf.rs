//! Real-time factor of each extractor on a folder of WAV files (a measurement, not a test).
//!
//! ```sh
//! cargo run --release -p serlab-features --example rtf -- /work/shared/data/emodb/wav [threads]
//! ```
//!
//! Files are decoded and resampled to 16 kHz first (not timed); then every extractor runs
//! over all files on a rayon pool of `threads` threads (default 2), three times, and the
//! best wall-clock time gives `audio seconds / extraction seconds`.

use rayon::prelude::*;
use serlab_core::{Component, FeatureExtractor};
use serlab_features::sets::SetParams;
use serlab_features::*;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: rtf <folder of .wav> [threads]");
    let threads: usize = args.next().map_or(2, |t| t.parse().expect("threads"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("readable folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    paths.sort();
    let audio: Vec<_> = paths
        .iter()
        .map(|p| serlab_core::audio::load(p, 16000).expect("decodable WAV"))
        .collect();
    let seconds: f64 = audio.iter().map(|a| a.duration()).sum();
    println!(
        "{} files, {seconds:.1} s of audio at 16 kHz, {threads} threads",
        audio.len()
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let extractors: Vec<(&str, Box<dyn FeatureExtractor>)> = vec![
        (
            "log-mel",
            Box::new(LogMelExtractor::new(LogMelParams::default()).unwrap()),
        ),
        (
            "mfcc",
            Box::new(MfccExtractor::new(MfccParams::default()).unwrap()),
        ),
        (
            "functionals",
            Box::new(FunctionalsExtractor::new(FunctionalsParams::default()).unwrap()),
        ),
        (
            "lld",
            Box::new(LldExtractor::new(LldParams::default()).unwrap()),
        ),
        (
            "egemaps-like",
            Box::new(EgemapsExtractor::new(SetParams::default()).unwrap()),
        ),
        (
            "compare-like",
            Box::new(CompareExtractor::new(SetParams::default()).unwrap()),
        ),
    ];
    for (name, e) in &extractors {
        let dim = e.info().unwrap().dim;
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            pool.install(|| {
                audio.par_iter().for_each(|a| {
                    e.extract(a).unwrap();
                })
            });
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{name:>14}: dim {dim:>5}  {:>8.3} s  {:>8.0}x real time",
            best,
            seconds / best
        );
    }
}
