//! Benchmark (not a test): one training epoch of `cnn-attention` or `lstm` on random
//! inputs at the shapes of issue #5, through the real training loop (normalisation,
//! batching, forward, backward, clipping, AdamW). `bench/nn_epoch.py` times the same
//! architecture in PyTorch.
//!
//! ```sh
//! cargo run --release -p serlab-neural --example nn_epoch -- cnn 1    # model, threads
//! cargo run --release -p serlab-neural --example nn_epoch -- lstm 2
//! ```
//! Prints one JSON line: model, threads, batches, seconds per epoch (best of `REPEATS`),
//! wall clock (`epoch_s`) and CPU time of the process (`epoch_cpu_s`, all threads; on a
//! loaded machine the CPU time of a one-thread run is the fairer figure).

use serlab_engine::events::NullSink;
use serlab_engine::{AuxLabels, Component, Features, FitContext, LabeledSet, Model, StopHandle};
use serlab_neural::{CnnAttention, Lstm};

const BATCH: usize = 32;
const BATCHES: usize = 20;
const REPEATS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("cnn");
    let threads: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let bidirectional = args.get(3).map(String::as_str) == Some("bi");
    // Issue #5: CNN+attention on (32, 300, 40); 2-layer LSTM, hidden 64, on (32, 150, 40).
    let (frames, dim) = if which == "cnn" { (300, 40) } else { (150, 40) };
    let n = BATCH * BATCHES;
    let mut state = 0x2545_f491_u32;
    let x: Vec<Features> = (0..n)
        .map(|_| Features::Frames {
            frames,
            dim,
            data: (0..frames * dim)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state as f32 / u32::MAX as f32 - 0.5
                })
                .collect(),
        })
        .collect();
    let inputs: Vec<&Features> = x.iter().collect();
    let y: Vec<usize> = (0..n).map(|i| i % 7).collect();
    let speakers = vec!["s"; n];
    let vad = vec![None; n];
    let aux = vec![AuxLabels::default(); n];
    let classes: Vec<String> = (0..7).map(|c| format!("c{c}")).collect();
    let train = LabeledSet {
        inputs: &inputs,
        labels: &y,
        speakers: &speakers,
        vad: &vad,
        classes: &classes,
        aux: &aux,
    };
    let valid = LabeledSet {
        inputs: &[],
        labels: &[],
        speakers: &[],
        vad: &[],
        classes: &classes,
        aux: &[],
    };
    let common = format!(
        "epochs = 1\nbatch_size = {BATCH}\nthreads = {threads}\npatience = 0\nschedule = \"constant\"\n\
         class_weight = \"none\"\nnormalize = \"global\"\n"
    );
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    for _ in 0..REPEATS {
        let mut model: Box<dyn Model> = if which == "cnn" {
            Box::new(
                CnnAttention::new(toml::from_str(&common).expect("cnn parameters"))
                    .expect("cnn model"),
            )
        } else {
            let p = format!("{common}hidden = 64\nlayers = 2\nbidirectional = {bidirectional}\n");
            Box::new(Lstm::new(toml::from_str(&p).expect("lstm parameters")).expect("lstm model"))
        };
        let stop = StopHandle::new();
        let mut sink = NullSink;
        let mut ctx = FitContext {
            events: &mut sink,
            stop: &stop,
            seed: 1,
            fold: 0,
            model_id: which,
        };
        let (t0, c0) = (std::time::Instant::now(), cpu_seconds());
        model.fit(&train, &valid, &mut ctx).expect("fit");
        best = best.min(t0.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_seconds() - c0);
    }
    println!(
        "{{\"impl\": \"serlab-nn\", \"model\": \"{which}\", \"bidirectional\": {bidirectional}, \"threads\": {threads}, \"batch\": {BATCH}, \"batches\": {BATCHES}, \"frames\": {frames}, \"dim\": {dim}, \"epoch_s\": {best:.4}, \"epoch_cpu_s\": {best_cpu:.4}}}"
    );
}

/// CPU time of this process (all threads), seconds.
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime failed");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}
