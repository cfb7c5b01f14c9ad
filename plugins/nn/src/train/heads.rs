//! The output heads of a network: the emotion classifier and the optional multitask heads
//! (V/A/D regression, gender and intensity classification), all reading one embedding.

use crate::error::Result;
use crate::graph::{Graph, Var};
use crate::layers::Linear;
use crate::params::ParamStore;
use serde::{Deserialize, Serialize};

/// What a network must output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetSpec {
    /// Values per frame (or per utterance for vectors).
    pub dim: usize,
    /// Emotion classes.
    pub classes: usize,
    /// A V/A/D regression head.
    pub vad: bool,
    /// A gender (female/male) head.
    pub gender: bool,
    /// An intensity (normal/strong) head.
    pub intensity: bool,
}

/// The outputs of one forward pass.
pub struct Heads {
    /// Emotion logits `(B, classes)`.
    pub logits: Var<f32>,
    /// V/A/D predictions `(B, 3)`.
    pub vad: Option<Var<f32>>,
    /// Gender logits `(B, 2)`: female, male.
    pub gender: Option<Var<f32>>,
    /// Intensity logits `(B, 2)`: normal, strong.
    pub intensity: Option<Var<f32>>,
}

/// Linear heads on an embedding of `dim` values.
#[derive(Clone, Debug)]
pub struct TaskHeads {
    emotion: Linear,
    vad: Option<Linear>,
    gender: Option<Linear>,
    intensity: Option<Linear>,
}

impl TaskHeads {
    /// Register `head.emotion` and the heads `spec` asks for.
    pub fn new(
        store: &mut ParamStore<f32>,
        dim: usize,
        spec: &NetSpec,
        rng: &mut impl rand::Rng,
    ) -> Result<Self> {
        let mut opt = |on: bool, name: &str, n: usize| -> Result<Option<Linear>> {
            on.then(|| Linear::new(store, name, dim, n, true, rng))
                .transpose()
        };
        let vad = opt(spec.vad, "head.vad", 3)?;
        let gender = opt(spec.gender, "head.gender", 2)?;
        let intensity = opt(spec.intensity, "head.intensity", 2)?;
        Ok(TaskHeads {
            emotion: Linear::new(store, "head.emotion", dim, spec.classes, true, rng)?,
            vad,
            gender,
            intensity,
        })
    }

    /// Apply every head to `emb (B, dim)`.
    pub fn forward(&self, g: &Graph<f32>, p: &ParamStore<f32>, emb: &Var<f32>) -> Result<Heads> {
        let run = |l: &Option<Linear>| l.as_ref().map(|l| l.forward(g, p, emb)).transpose();
        Ok(Heads {
            logits: self.emotion.forward(g, p, emb)?,
            vad: run(&self.vad)?,
            gender: run(&self.gender)?,
            intensity: run(&self.intensity)?,
        })
    }
}
