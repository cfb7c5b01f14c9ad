//! Real-time factor of each extractor on a folder of WAV files (a measurement, not a test).
//!
//! ```sh
//! cargo run --release -p serlab-features --example rtf -- /work/shared/data/emodb/wav [threads]
//! ```
//!
//! Files are decoded and resampled to 16 kHz first (not timed); then every extractor runs
//! over all files on a rayon pool of `threads` threads (default 2), three times, and the
//! best wall-clock time gives `audio seconds / extraction seconds`. On a loaded machine the
//! wall clock says little, so the CPU time the process spent per pass (all threads, from
//! `/proc/self/stat` on Linux) is printed too: `audio seconds / CPU seconds` is the real-time
//! factor of one core, and `threads` idle cores give about that many times more.

use rayon::prelude::*;
use serlab_engine::{Component, FeatureExtractor};
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
        .map(|p| serlab_engine::audio::load(p, 16000).expect("decodable WAV"))
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
        let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
        for _ in 0..3 {
            let (start, cpu) = (Instant::now(), cpu_seconds());
            pool.install(|| {
                audio.par_iter().for_each(|a| {
                    e.extract(a).unwrap();
                })
            });
            best = best.min(start.elapsed().as_secs_f64());
            best_cpu = best_cpu.min(cpu_seconds() - cpu);
        }
        println!(
            "{name:>14}: dim {dim:>5}  wall {best:>7.3} s = {:>6.0}x real time;  CPU {best_cpu:>7.2} s = {:>6.0}x real time per core",
            seconds / best,
            seconds / best_cpu
        );
    }
}

/// User + system CPU seconds of this process so far (all threads); NaN where
/// `/proc/self/stat` is not available. Assumes the usual 100 clock ticks per second.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}
