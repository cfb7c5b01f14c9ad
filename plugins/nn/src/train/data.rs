//! Inputs as the training loop holds them: per-utterance matrices, their standardisation,
//! augmentation, and padded batches.

use super::params::{Normalize, TrainParams};
use crate::error::{NnError, Result};
use crate::graph::{Graph, Var};
use crate::params::normal;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serlab_api::Features;
use std::collections::BTreeMap;

/// What a network reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// A `T x D` matrix per utterance (log-mel, LLDs); batches are `(B, T, D)`.
    Frames,
    /// A `D` vector per utterance (functionals; frame features are averaged); `(B, D)`.
    Vector,
}

/// One utterance: `frames x dim` values, row-major (`frames = 1` for vectors).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Rows.
    pub frames: usize,
    /// Values per row.
    pub dim: usize,
    /// Row-major values.
    pub data: Vec<f32>,
}

/// The inputs of a set as [`Sample`]s, checked: one kind, one dimension (`dim` if given),
/// at least one frame, finite values. Errors name the utterance index.
pub fn samples(inputs: &[&Features], kind: InputKind, dim: Option<usize>) -> Result<Vec<Sample>> {
    let mut out = Vec::with_capacity(inputs.len());
    let mut want = dim;
    for (i, f) in inputs.iter().enumerate() {
        let s = match (kind, f) {
            (InputKind::Frames, Features::Frames { frames, dim, data }) => Sample {
                frames: *frames,
                dim: *dim,
                data: data.clone(),
            },
            (InputKind::Frames, Features::Vector(_)) => {
                return Err(NnError::Data(
                    "this model reads frame features (a T x D matrix per utterance, e.g. \
                     log-mel or mfcc), but the feature set gives one vector per utterance"
                        .into(),
                ))
            }
            (_, Features::Text(_)) => {
                return Err(NnError::Data(
                    "this model reads numbers, but the feature set gives text (a transcript); \
                     use a text model or a numeric feature set"
                        .into(),
                ))
            }
            (InputKind::Vector, f) => {
                let v = f.as_vector().into_owned();
                Sample {
                    frames: 1,
                    dim: v.len(),
                    data: v,
                }
            }
        };
        if s.frames == 0 || s.dim == 0 || s.data.len() != s.frames * s.dim {
            return Err(NnError::Data(format!(
                "utterance {i}: {} frames of {} values ({} given)",
                s.frames,
                s.dim,
                s.data.len()
            )));
        }
        match want {
            Some(d) if d != s.dim => {
                return Err(NnError::Data(format!(
                    "utterance {i} has {} values per frame, the model {d}",
                    s.dim
                )))
            }
            _ => want = Some(s.dim),
        }
        if let Some(j) = s.data.iter().position(|v| !v.is_finite()) {
            return Err(NnError::Data(format!(
                "utterance {i}: value {} (frame {}, column {}) is not finite",
                s.data[j],
                j / s.dim,
                j % s.dim
            )));
        }
        out.push(s);
    }
    Ok(out)
}

/// Per-dimension mean and reciprocal standard deviation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Mean per dimension.
    pub mean: Vec<f32>,
    /// `1 / max(std, 1e-5)` per dimension.
    pub inv_std: Vec<f32>,
}

impl Stats {
    /// Statistics over every frame of `samples`.
    pub fn of<'a>(samples: impl Iterator<Item = &'a Sample>, dim: usize) -> Stats {
        let (mut s, mut s2, mut n) = (vec![0f64; dim], vec![0f64; dim], 0f64);
        for x in samples {
            for row in x.data.chunks_exact(dim) {
                for (j, v) in row.iter().enumerate() {
                    s[j] += f64::from(*v);
                    s2[j] += f64::from(*v) * f64::from(*v);
                }
                n += 1.0;
            }
        }
        let n = n.max(1.0);
        let mean: Vec<f64> = s.iter().map(|v| v / n).collect();
        Stats {
            mean: mean.iter().map(|m| *m as f32).collect(),
            inv_std: s2
                .iter()
                .zip(&mean)
                .map(|(q, m)| (1.0 / (q / n - m * m).max(0.0).sqrt().max(1e-5)) as f32)
                .collect(),
        }
    }

    /// The identity standardisation.
    pub fn identity(dim: usize) -> Stats {
        Stats {
            mean: vec![0.0; dim],
            inv_std: vec![1.0; dim],
        }
    }

    /// Standardise `x` in place.
    pub fn apply(&self, x: &mut Sample) {
        for row in x.data.chunks_exact_mut(x.dim) {
            for ((v, m), k) in row.iter_mut().zip(&self.mean).zip(&self.inv_std) {
                *v = (*v - m) * k;
            }
        }
    }
}

/// The fitted standardisation of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    /// How inputs are standardised.
    pub mode: Normalize,
    /// Training-set statistics (used by `global`).
    pub global: Stats,
}

impl Normalizer {
    /// Fit on the training samples.
    pub fn fit(mode: Normalize, train: &[Sample]) -> Normalizer {
        let dim = train.first().map_or(0, |s| s.dim);
        Normalizer {
            mode,
            global: Stats::of(train.iter(), dim),
        }
    }

    /// The statistics for each sample: one entry per distinct group and the group of each
    /// sample. In `speaker` mode a group is a speaker (all inputs form one group when the
    /// speakers are unknown); otherwise there is one group.
    pub fn groups(
        &self,
        samples: &[Sample],
        speakers: Option<&[&str]>,
    ) -> (Vec<Stats>, Vec<usize>) {
        let dim = self.global.mean.len();
        match self.mode {
            Normalize::Global => (vec![self.global.clone()], vec![0; samples.len()]),
            Normalize::None => (vec![Stats::identity(dim)], vec![0; samples.len()]),
            Normalize::Speaker => {
                let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
                let group: Vec<usize> = (0..samples.len())
                    .map(|i| {
                        let s = speakers.and_then(|s| s.get(i)).copied().unwrap_or("");
                        let n = ids.len();
                        *ids.entry(s).or_insert(n)
                    })
                    .collect();
                let stats = (0..ids.len())
                    .map(|k| {
                        Stats::of(
                            samples
                                .iter()
                                .zip(&group)
                                .filter(|(_, g)| **g == k)
                                .map(|(s, _)| s),
                            dim,
                        )
                    })
                    .collect();
                (stats, group)
            }
        }
    }

    /// Standardised copies of `samples`.
    pub fn normalise(&self, samples: &[Sample], speakers: Option<&[&str]>) -> Vec<Sample> {
        let (stats, group) = self.groups(samples, speakers);
        samples
            .iter()
            .zip(&group)
            .map(|(s, g)| {
                let mut c = s.clone();
                stats[*g].apply(&mut c);
                c
            })
            .collect()
    }
}

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

/// A batch as the network sees it.
pub struct Batch {
    /// `(B, T, D)` for frame inputs (zero-padded after each sequence's length), `(B, D)`
    /// for vectors.
    pub x: Var<f32>,
    /// Valid frames per sequence (1 for vectors).
    pub lengths: Vec<usize>,
}

impl Batch {
    /// Pad `items` into one batch.
    pub fn new(g: &Graph<f32>, items: &[&Sample], kind: InputKind) -> Result<Batch> {
        let b = items.len();
        let dim = items.first().map_or(0, |s| s.dim);
        let t = items.iter().map(|s| s.frames).max().unwrap_or(0);
        let lengths: Vec<usize> = items.iter().map(|s| s.frames).collect();
        let x = match kind {
            InputKind::Vector => {
                let mut v = Vec::with_capacity(b * dim);
                for s in items {
                    v.extend_from_slice(&s.data);
                }
                g.constant(v, &[b, dim])?
            }
            InputKind::Frames => {
                let mut v = vec![0.0; b * t * dim];
                for (i, s) in items.iter().enumerate() {
                    v[i * t * dim..i * t * dim + s.data.len()].copy_from_slice(&s.data);
                }
                g.constant(v, &[b, t, dim])?
            }
        };
        Ok(Batch { x, lengths })
    }

    /// The batch with `self.x[i]` mixed with `self.x[perm[i]]`: `lam * a + (1 - lam) * b`
    /// over the longer of the two lengths.
    pub fn mixed(&self, g: &Graph<f32>, perm: &[usize], lam: f32) -> Result<Batch> {
        let b = self.lengths.len();
        let per = self.x.len() / b.max(1);
        let xv = self.x.values();
        let mut v = vec![0.0; self.x.len()];
        for i in 0..b {
            let j = perm[i];
            for k in 0..per {
                v[i * per + k] = lam * xv[i * per + k] + (1.0 - lam) * xv[j * per + k];
            }
        }
        Ok(Batch {
            x: g.constant(v, self.x.dims())?,
            lengths: (0..b)
                .map(|i| self.lengths[i].max(self.lengths[perm[i]]))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests;
