//! Training-time augmentation of the inputs (mixup draws, noise, SpecAugment masks, time
//! stretch, pitch shift, cropping): the ways one utterance is varied so the network does
//! not learn its exact frames.

use crate::params::normal;
use crate::train::data::Sample;
use crate::train::params::TrainParams;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// A Gamma(shape, 1) draw (Marsaglia & Tsang 2000), for mixup's Beta distribution.
pub fn gamma(shape: f64, rng: &mut ChaCha8Rng) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        return gamma(shape + 1.0, rng) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random::<f64>();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A Beta(a, a) draw.
pub fn beta(a: f64, rng: &mut ChaCha8Rng) -> f64 {
    let x = gamma(a, rng);
    let y = gamma(a, rng);
    if x + y > 0.0 {
        x / (x + y)
    } else {
        0.5
    }
}

/// Add white noise to a dB-scaled spectrogram (`10 log10(power)`, as the `log-mel`
/// extractor writes) at `snr_db` relative to the utterance's mean power. Each cell gets
/// noise power `N * E` with `N = mean power / 10^(snr/10)` and `E` a Gamma(4, 1/4) draw
/// (a band averages several periodogram bins of exponentially distributed power).
pub fn add_noise_db(x: &mut Sample, snr_db: f64, rng: &mut ChaCha8Rng) {
    let mean_power = x
        .data
        .iter()
        .map(|v| 10f64.powf(f64::from(*v) / 10.0))
        .sum::<f64>()
        / x.data.len().max(1) as f64;
    let noise = mean_power / 10f64.powf(snr_db / 10.0);
    for v in &mut x.data {
        let e: f64 = -(0..4)
            .map(|_| rng.random::<f64>().max(f64::MIN_POSITIVE).ln())
            .sum::<f64>()
            / 4.0;
        let p = 10f64.powf(f64::from(*v) / 10.0) + noise * e;
        *v = (10.0 * p.log10()) as f32;
    }
}

/// SpecAugment masks on a standardised sample: `time_masks` runs of up to
/// `time_mask_width` frames and `freq_masks` runs of up to `freq_mask_width` dimensions
/// set to 0 (the mean).
pub fn spec_augment(x: &mut Sample, p: &TrainParams, rng: &mut ChaCha8Rng) {
    for _ in 0..p.time_masks {
        let w = rng.random_range(0..=p.time_mask_width.min(x.frames));
        let t0 = rng.random_range(0..=x.frames - w);
        x.data[t0 * x.dim..(t0 + w) * x.dim].fill(0.0);
    }
    for _ in 0..p.freq_masks {
        let w = rng.random_range(0..=p.freq_mask_width.min(x.dim));
        let f0 = rng.random_range(0..=x.dim - w);
        for row in x.data.chunks_exact_mut(x.dim) {
            row[f0..f0 + w].fill(0.0);
        }
    }
}

/// Speed perturbation on the time axis: `x` resampled to `round(frames / rate)` frames
/// (at least 1) by linear interpolation between neighbouring frames; `rate > 1` is faster
/// (fewer frames), as resampling the audio by `rate` would give (Ko et al., 2015, perturb
/// the audio; on extracted frames only the tempo part of that can be reproduced, the
/// pitch part is [`shift_bins`]).
pub fn time_stretch(x: &Sample, rate: f64) -> Sample {
    let out = ((x.frames as f64 / rate).round() as usize).max(1);
    if out == x.frames {
        return x.clone();
    }
    let mut data = Vec::with_capacity(out * x.dim);
    // Frame centres map onto each other: output frame t reads input position t * step.
    let step = if out > 1 {
        (x.frames - 1) as f64 / (out - 1) as f64
    } else {
        0.0
    };
    for t in 0..out {
        let pos = t as f64 * step;
        let i0 = (pos.floor() as usize).min(x.frames - 1);
        let i1 = (i0 + 1).min(x.frames - 1);
        let w = (pos - i0 as f64) as f32;
        let (a, b) = (
            &x.data[i0 * x.dim..(i0 + 1) * x.dim],
            &x.data[i1 * x.dim..(i1 + 1) * x.dim],
        );
        data.extend(a.iter().zip(b).map(|(a, b)| a + w * (b - a)));
    }
    Sample {
        frames: out,
        dim: x.dim,
        data,
    }
}

/// Pitch perturbation on the feature axis: every frame moved by `shift` columns (fractional
/// shifts interpolate linearly; the edge columns are repeated into the gap). On a log-mel
/// spectrogram a pitch shift by a factor moves the harmonics by about the same number of
/// bands in the upper, nearly logarithmic part of the mel scale, so this is the usual
/// feature-level stand-in for resampling the audio.
pub fn shift_bins(x: &mut Sample, shift: f64) {
    if shift == 0.0 || x.dim < 2 {
        return;
    }
    let d = x.dim;
    let mut row_out = vec![0.0f32; d];
    for row in x.data.chunks_exact_mut(d) {
        for (j, o) in row_out.iter_mut().enumerate() {
            // Output column j reads input position j - shift, clamped to the edges.
            let pos = (j as f64 - shift).clamp(0.0, (d - 1) as f64);
            let i0 = (pos.floor() as usize).min(d - 1);
            let i1 = (i0 + 1).min(d - 1);
            let w = (pos - i0 as f64) as f32;
            *o = row[i0] + w * (row[i1] - row[i0]);
        }
        row.copy_from_slice(&row_out);
    }
}

/// Speed and pitch perturbation of one training sample as `p` asks: with probability
/// `perturb_prob` a time stretch by a rate drawn from `speed_perturb`, and independently a
/// shift by up to `pitch_shift` columns either way.
pub fn perturb(x: Sample, p: &TrainParams, rng: &mut ChaCha8Rng) -> Sample {
    let mut x = x;
    if p.speed_perturb.len() == 2 && rng.random::<f64>() < p.perturb_prob {
        let rate = rng.random_range(p.speed_perturb[0]..=p.speed_perturb[1]);
        x = time_stretch(&x, rate);
    }
    if p.pitch_shift > 0.0 && rng.random::<f64>() < p.perturb_prob {
        let s = rng.random_range(-p.pitch_shift..=p.pitch_shift);
        shift_bins(&mut x, s);
    }
    x
}

/// A random crop of at most `max` frames.
pub fn crop(x: &Sample, max: usize, rng: &mut ChaCha8Rng) -> Sample {
    if max == 0 || x.frames <= max {
        return x.clone();
    }
    let t0 = rng.random_range(0..=x.frames - max);
    Sample {
        frames: max,
        dim: x.dim,
        data: x.data[t0 * x.dim..(t0 + max) * x.dim].to_vec(),
    }
}
