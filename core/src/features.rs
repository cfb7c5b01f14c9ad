//! Feature extraction: audio in, a frame matrix or a fixed vector out.
//!
//! The types here cross the plugin boundary, so they are plain data (no tensors, no
//! generics). An extractor declares the sample rate it wants; the host decodes and
//! resamples once per rate, so extractors never touch files.

use crate::Result;
use serde::{Deserialize, Serialize};

/// Mono audio at a known sample rate, samples in [-1, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    /// Samples, mono.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

impl Audio {
    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }
}

/// What an extractor produces for one utterance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Features {
    /// A `frames x dim` matrix, row-major (low-level descriptors, spectrograms).
    Frames {
        /// Number of frames (rows).
        frames: usize,
        /// Values per frame (columns).
        dim: usize,
        /// Row-major values, `frames * dim` long.
        data: Vec<f32>,
    },
    /// One fixed-length vector per utterance (functionals).
    Vector(Vec<f32>),
}

impl Features {
    /// The vector of a [`Features::Vector`], or the frame mean of a [`Features::Frames`]
    /// (so a vector model can still consume frame features).
    pub fn as_vector(&self) -> std::borrow::Cow<'_, [f32]> {
        match self {
            Features::Vector(v) => std::borrow::Cow::Borrowed(v),
            Features::Frames { frames, dim, data } => {
                let mut mean = vec![0.0f32; *dim];
                for row in data.chunks_exact(*dim) {
                    for (m, x) in mean.iter_mut().zip(row) {
                        *m += x;
                    }
                }
                let n = (*frames).max(1) as f32;
                mean.iter_mut().for_each(|m| *m /= n);
                std::borrow::Cow::Owned(mean)
            }
        }
    }

    /// Number of values per frame (or per utterance for vectors).
    pub fn dim(&self) -> usize {
        match self {
            Features::Frames { dim, .. } => *dim,
            Features::Vector(v) => v.len(),
        }
    }
}

/// Shape family of an extractor's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureShape {
    /// A `T x D` matrix per utterance.
    Frames,
    /// A `D` vector per utterance.
    Vector,
}

/// What an extractor (with its parameters) will produce.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureInfo {
    /// Matrix or vector.
    pub shape: FeatureShape,
    /// Values per frame or per utterance.
    pub dim: usize,
    /// The sample rate the extractor wants its audio at.
    pub sample_rate: u32,
    /// A name per column (`mfcc3_mean`, `logmel12`), `dim` long.
    pub names: Vec<String>,
    /// Bumped whenever the extractor's output for the same input and parameters changes;
    /// part of every feature cache key.
    pub version: u32,
}

/// A feature extractor: pure and deterministic, safe to call from many threads.
pub trait FeatureExtractor: Send + Sync {
    /// What [`FeatureExtractor::extract`] returns, for these parameters.
    fn info(&self) -> Result<FeatureInfo>;
    /// Features of one utterance, given at [`FeatureInfo::sample_rate`].
    fn extract(&self, audio: &Audio) -> Result<Features>;
}
