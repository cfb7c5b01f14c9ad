//! [`NeuralModel`]: fitting, prediction and checkpoints of any [`Architecture`].
//!
//! The model type and its public face live here; the parts are split by concept:
//! `targets` (what a batch is trained towards), `evaluate` (batched inference),
//! `fit` (the training loop) and `persist` (safetensors checkpoints).

use super::data::{self, InputKind, Normalizer};
use super::heads::NetSpec;
use super::params::NeuralParams;
use super::Architecture;
use crate::error::{NnError, Result};
use crate::params::ParamStore;
use serde::Serialize;
use serlab_api::{Features, FitContext, LabeledSet};

mod evaluate;
mod fit;
mod persist;
mod targets;

use evaluate::{evaluate, run_in_pool, Outputs};

/// What one epoch measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpochRecord {
    /// Epoch from 0.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Validation loss (class-weighted cross-entropy of the emotion head).
    pub valid_loss: Option<f64>,
    /// Validation UA.
    pub valid_ua: Option<f64>,
    /// Validation WA.
    pub valid_wa: Option<f64>,
    /// Learning rate of the epoch.
    pub lr: f64,
}

struct Fitted<N> {
    net: N,
    store: ParamStore<f32>,
    norm: Normalizer,
    spec: NetSpec,
}

/// A neural model: parameters, and once fitted its network, weights and normalisation.
pub struct NeuralModel<A: Architecture> {
    /// The model's parameters.
    pub params: NeuralParams<A>,
    name: &'static str,
    fitted: Option<Fitted<A::Net>>,
    history: Vec<EpochRecord>,
}

impl<A: Architecture> NeuralModel<A> {
    /// An unfitted model named `name` (the component name, for messages and checkpoints).
    pub fn new(name: &'static str, params: NeuralParams<A>) -> Result<Self> {
        params.train.validate()?;
        params.arch.validate()?;
        if params.arch.input() == InputKind::Vector {
            let t = &params.train;
            for (key, on) in [
                ("speed_perturb", !t.speed_perturb.is_empty()),
                ("pitch_shift", t.pitch_shift > 0.0),
                ("tta_speeds", !t.tta_speeds.is_empty()),
                ("max_frames", t.max_frames > 0),
            ] {
                if on {
                    return Err(NnError::config(
                        key,
                        format!("{name} reads one vector per utterance; {key} needs frame inputs"),
                    ));
                }
            }
        }
        Ok(NeuralModel {
            params,
            name,
            fitted: None,
            history: Vec::new(),
        })
    }

    /// The epochs of the last fit.
    pub fn history(&self) -> &[EpochRecord] {
        &self.history
    }

    /// The fitted weights.
    pub fn store(&self) -> Option<&ParamStore<f32>> {
        self.fitted.as_ref().map(|f| &f.store)
    }

    fn not_fitted(&self, what: &str) -> NnError {
        NnError::Data(format!("{}: {what} called before fit (or load)", self.name))
    }

    /// Train on `train`, selecting the epoch on `valid`.
    pub fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        serlab_api::allocator::keep_freed_memory();
        let threads = self.params.train.threads;
        run_in_pool(threads, || self.fit_here(train, valid, ctx))?
    }

    fn outputs(&self, inputs: &[&Features], speakers: Option<&[&str]>) -> Result<Outputs> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| self.not_fitted("predict"))?;
        let kind = self.params.arch.input();
        let raw = data::samples(inputs, kind, Some(f.spec.dim))?;
        let xs = f.norm.normalise(&raw, speakers);
        let bs = self.params.train.batch_size.max(64);
        let tta = &self.params.train.tta_speeds;
        run_in_pool(self.params.train.threads, || {
            evaluate(&f.net, &f.store, &xs, kind, bs, tta)
        })?
    }

    /// Class probabilities; `speakers` (one per input) are used by `normalize = "speaker"`
    /// (without them the inputs are standardised as one group).
    pub fn predict(
        &self,
        inputs: &[&Features],
        speakers: Option<&[&str]>,
    ) -> Result<Vec<Vec<f32>>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.outputs(inputs, speakers)?.probs)
    }

    /// V/A/D predictions, when the model has a V/A/D head; `speakers` as in
    /// [`NeuralModel::predict`].
    pub fn predict_vad(
        &self,
        inputs: &[&Features],
        speakers: Option<&[&str]>,
    ) -> Result<Option<Vec<[f32; 3]>>> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| self.not_fitted("predict_vad"))?;
        if !f.spec.vad {
            return Ok(None);
        }
        if inputs.is_empty() {
            return Ok(Some(Vec::new()));
        }
        Ok(self.outputs(inputs, speakers)?.vad)
    }
}
