//! Feature extraction: audio in, a frame matrix or a fixed vector out.
//!
//! The types here cross the plugin boundary, so they are plain data (no tensors, no
//! generics). An extractor declares the sample rate it wants; the host decodes and
//! resamples once per rate, so extractors never touch files.
//!
//! Text: an extractor whose [`FeatureExtractor::input`] is [`FeatureInput::Transcript`] is
//! given the utterance's transcript (from the corpus, or from a speech recogniser) instead
//! of audio. It may return numbers (a vector) or [`Features::Text`], normalised text for
//! models that learn their own representation (TF-IDF vocabularies and token embeddings
//! must be fit on the training speakers, so they belong in the model, not the extractor).

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
    /// Text (a normalised transcript) for models that read words.
    Text(String),
}

impl Features {
    /// The vector of a [`Features::Vector`], or the frame mean of a [`Features::Frames`]
    /// (so a vector model can still consume frame features); empty for [`Features::Text`],
    /// which has no numbers (see [`Features::as_text`]).
    pub fn as_vector(&self) -> std::borrow::Cow<'_, [f32]> {
        match self {
            Features::Vector(v) => std::borrow::Cow::Borrowed(v),
            Features::Text(_) => std::borrow::Cow::Borrowed(&[]),
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

    /// Number of values per frame (or per utterance for vectors); 0 for text.
    pub fn dim(&self) -> usize {
        match self {
            Features::Frames { dim, .. } => *dim,
            Features::Vector(v) => v.len(),
            Features::Text(_) => 0,
        }
    }

    /// The text of a [`Features::Text`].
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Features::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Early fusion: the concatenation of several feature sets of one utterance.
    ///
    /// Vectors are joined end to end. Frame matrices with the same number of frames are
    /// joined frame by frame (`dim` adds up). A mix of vectors and frame matrices joins the
    /// vectors with the frame means (what a vector model would see anyway). Text cannot be
    /// concatenated with numbers; the error says so.
    pub fn concat(parts: &[&Features]) -> Result<Features> {
        if parts.is_empty() {
            return Err(crate::Error::invalid("nothing to concatenate"));
        }
        if parts.iter().any(|p| matches!(p, Features::Text(_))) {
            return Err(crate::Error::invalid(
                "text features cannot be concatenated with other features; fuse a text \
                 model's probabilities instead (late fusion)",
            ));
        }
        let frames: Vec<usize> = parts
            .iter()
            .filter_map(|p| match p {
                Features::Frames { frames, .. } => Some(*frames),
                _ => None,
            })
            .collect();
        if frames.len() == parts.len() {
            if frames.iter().any(|&f| f != frames[0]) {
                return Err(crate::Error::invalid(format!(
                    "frame features with different frame counts ({frames:?}) cannot be \
                     concatenated frame by frame; use the same hop size for all of them"
                )));
            }
            let dim: usize = parts.iter().map(|p| p.dim()).sum();
            let mut data = Vec::with_capacity(frames[0] * dim);
            for t in 0..frames[0] {
                for p in parts {
                    if let Features::Frames { dim, data: d, .. } = p {
                        data.extend_from_slice(&d[t * dim..(t + 1) * dim]);
                    }
                }
            }
            return Ok(Features::Frames {
                frames: frames[0],
                dim,
                data,
            });
        }
        let mut v = Vec::new();
        for p in parts {
            v.extend_from_slice(&p.as_vector());
        }
        Ok(Features::Vector(v))
    }
}

/// What an extractor reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureInput {
    /// The utterance's audio (decoded at [`FeatureInfo::sample_rate`]).
    #[default]
    Audio,
    /// The utterance's transcript (given, or from the experiment's transcriber).
    Transcript,
}

/// Shape family of an extractor's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureShape {
    /// A `T x D` matrix per utterance.
    Frames,
    /// A `D` vector per utterance.
    Vector,
    /// Text ([`Features::Text`]).
    Text,
}

/// What an extractor (with its parameters) will produce.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureInfo {
    /// Matrix or vector.
    pub shape: FeatureShape,
    /// Values per frame or per utterance.
    pub dim: usize,
    /// The sample rate the extractor wants its audio at (ignored for transcript input).
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
    /// What the extractor reads; audio unless overridden.
    fn input(&self) -> FeatureInput {
        FeatureInput::Audio
    }
    /// Features of one transcript; called instead of [`FeatureExtractor::extract`] when
    /// [`FeatureExtractor::input`] is [`FeatureInput::Transcript`].
    fn extract_text(&self, _text: &str) -> Result<Features> {
        Err(crate::Error::invalid(
            "this feature extractor reads audio, not text",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concatenation_joins_vectors_and_frames() {
        let a = Features::Vector(vec![1.0, 2.0]);
        let b = Features::Vector(vec![3.0]);
        assert_eq!(
            Features::concat(&[&a, &b]).unwrap(),
            Features::Vector(vec![1.0, 2.0, 3.0])
        );
        // 2 frames x 2 dims and 2 frames x 1 dim -> 2 frames x 3 dims, frame by frame.
        let f = Features::Frames {
            frames: 2,
            dim: 2,
            data: vec![1.0, 2.0, 3.0, 4.0],
        };
        let g = Features::Frames {
            frames: 2,
            dim: 1,
            data: vec![10.0, 20.0],
        };
        assert_eq!(
            Features::concat(&[&f, &g]).unwrap(),
            Features::Frames {
                frames: 2,
                dim: 3,
                data: vec![1.0, 2.0, 10.0, 3.0, 4.0, 20.0]
            }
        );
        // Frames with a vector: frame means (2, 3) then the vector.
        assert_eq!(
            Features::concat(&[&f, &b]).unwrap(),
            Features::Vector(vec![2.0, 3.0, 3.0])
        );
        let h = Features::Frames {
            frames: 1,
            dim: 1,
            data: vec![0.0],
        };
        assert!(Features::concat(&[&f, &h])
            .unwrap_err()
            .to_string()
            .contains("different frame counts"));
        let t = Features::Text("hello".into());
        assert!(Features::concat(&[&a, &t])
            .unwrap_err()
            .to_string()
            .contains("text features"));
        assert_eq!(t.as_text(), Some("hello"));
        assert_eq!((t.dim(), t.as_vector().len()), (0, 0));
    }
}
