//! Batched inference of a fitted network over a set, with optional test-time
//! augmentation, and the thread pool it (and training) runs in: shared by validation
//! during `fit` and by prediction.

use crate::error::{NnError, Result};
use crate::graph::Graph;
use crate::ops::softmax_rows;
use crate::params::ParamStore;
use crate::train::data::{self, Batch, InputKind, Sample};
use crate::train::heads::Heads;
use crate::train::Network;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub(super) fn run_in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T> {
    if threads == 0 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| NnError::config("threads", e.to_string()))?;
    Ok(pool.install(f))
}

/// Emotion probabilities and V/A/D outputs of a set, in input order.
pub(super) struct Outputs {
    pub(super) probs: Vec<Vec<f32>>,
    pub(super) vad: Option<Vec<[f32; 3]>>,
}

/// [`evaluate_once`], or with test-time augmentation (`tta` rates, frame inputs) the mean
/// of the probabilities and V/A/D outputs over the input time-stretched by each rate.
pub(super) fn evaluate<N: Network>(
    net: &N,
    store: &ParamStore<f32>,
    samples: &[Sample],
    kind: InputKind,
    batch: usize,
    tta: &[f64],
) -> Result<Outputs> {
    if tta.is_empty() || kind == InputKind::Vector {
        return evaluate_once(net, store, samples, kind, batch);
    }
    let mut sum: Option<Outputs> = None;
    for &rate in tta {
        let xs: Vec<Sample> = samples
            .iter()
            .map(|s| data::time_stretch(s, rate))
            .collect();
        let o = evaluate_once(net, store, &xs, kind, batch)?;
        match &mut sum {
            None => sum = Some(o),
            Some(acc) => {
                for (a, b) in acc.probs.iter_mut().zip(&o.probs) {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                }
                if let (Some(a), Some(b)) = (&mut acc.vad, &o.vad) {
                    for (a, b) in a.iter_mut().zip(b) {
                        a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                    }
                }
            }
        }
    }
    let mut out = sum.expect("at least one rate");
    let m = tta.len() as f32;
    out.probs.iter_mut().flatten().for_each(|v| *v /= m);
    if let Some(v) = &mut out.vad {
        v.iter_mut().flatten().for_each(|v| *v /= m);
    }
    Ok(out)
}

fn evaluate_once<N: Network>(
    net: &N,
    store: &ParamStore<f32>,
    samples: &[Sample],
    kind: InputKind,
    batch: usize,
) -> Result<Outputs> {
    // Batches of similar lengths: little padding.
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.sort_by_key(|&i| (samples[i].frames, i));
    let mut probs = vec![Vec::new(); samples.len()];
    let mut vad: Option<Vec<[f32; 3]>> = None;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    for chunk in order.chunks(batch.max(1)) {
        let g = Graph::inference();
        let items: Vec<&Sample> = chunk.iter().map(|&i| &samples[i]).collect();
        let b = Batch::new(&g, &items, kind)?;
        let h: Heads = net.forward(&g, store, &b, &mut rng)?;
        let k = h.logits.dims()[1];
        let p = softmax_rows(h.logits.values(), k);
        for (r, &i) in chunk.iter().enumerate() {
            probs[i] = p[r * k..(r + 1) * k].to_vec();
        }
        if let Some(v) = &h.vad {
            let out = vad.get_or_insert_with(|| vec![[0.0; 3]; samples.len()]);
            for (r, &i) in chunk.iter().enumerate() {
                out[i].copy_from_slice(&v.values()[r * 3..r * 3 + 3]);
            }
        }
    }
    Ok(Outputs { probs, vad })
}
