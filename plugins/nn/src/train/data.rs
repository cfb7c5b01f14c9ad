//! Inputs as the training loop holds them: per-utterance matrices, their standardisation,
//! augmentation, and padded batches.
//!
//! Standardisation lives in `normalize` and augmentation in `augment`; both are
//! re-exported here so `train::data::…` paths stay as they were.

use crate::error::{NnError, Result};
use crate::graph::{Graph, Var};
use serde::{Deserialize, Serialize};
use serlab_api::Features;

mod augment;
mod normalize;

pub use augment::{
    add_noise_db, beta, crop, gamma, perturb, shift_bins, spec_augment, time_stretch,
};
pub use normalize::{Normalizer, Stats};

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
