//! Models: trained on the training speakers, selected on the validation speakers,
//! asked for class probabilities on the test speakers.

use crate::data::{Gender, Intensity};
use crate::events::{EventSink, StopHandle};
use crate::features::Features;
use crate::Result;
use std::path::Path;

/// Labels of an utterance besides its class, for auxiliary (multitask) heads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuxLabels {
    /// Speaker sex, where the corpus gives it.
    pub gender: Option<Gender>,
    /// Emotional intensity, where the corpus labels it (RAVDESS).
    pub intensity: Option<Intensity>,
}

/// A labelled set of utterances as a model sees it.
#[derive(Clone, Copy, Debug)]
pub struct LabeledSet<'a> {
    /// One input per utterance.
    pub inputs: &'a [&'a Features],
    /// Class index per utterance.
    pub labels: &'a [usize],
    /// Speaker per utterance (for per-speaker normalisation).
    pub speakers: &'a [&'a str],
    /// Valence/arousal/dominance per utterance, where the corpus has them.
    pub vad: &'a [Option<[f32; 3]>],
    /// Class names; their count is the number of outputs.
    pub classes: &'a [String],
    /// Auxiliary labels per utterance; may be empty when none are known (see
    /// [`LabeledSet::aux_of`]).
    pub aux: &'a [AuxLabels],
}

impl LabeledSet<'_> {
    /// Number of utterances.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the set has no utterance.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The auxiliary labels of utterance `i` (all unknown when [`LabeledSet::aux`] is empty).
    pub fn aux_of(&self, i: usize) -> AuxLabels {
        self.aux.get(i).copied().unwrap_or_default()
    }
}

/// What a model gets besides its data while fitting.
pub struct FitContext<'a> {
    /// Where to report losses and validation metrics.
    pub events: &'a mut dyn EventSink,
    /// Checked between batches/trees; when set, `fit` returns [`crate::Error::Stopped`].
    pub stop: &'a StopHandle,
    /// Seed for everything random in this fit (derived from the experiment seed, fold, model).
    pub seed: u64,
    /// Fold index, for events.
    pub fold: usize,
    /// The model's id in the experiment, for events.
    pub model_id: &'a str,
}

/// A trainable classifier (optionally with dimensional outputs).
pub trait Model: Send {
    /// Train on `train`; use `valid` only for model selection (early stopping etc.).
    fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()>;
    /// Class probabilities per input, each row summing to 1.
    fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>>;
    /// Class probabilities per input, knowing each input's speaker (models that normalise
    /// features per speaker use the unlabelled inputs of each speaker); by default the
    /// speakers are ignored and [`Model::predict_proba`] answers.
    fn predict_proba_by_speaker(
        &self,
        inputs: &[&Features],
        _speakers: &[&str],
    ) -> Result<Vec<Vec<f32>>> {
        crate::plugin::guard::delegate("predict_proba", || self.predict_proba(inputs))
    }
    /// Valence, arousal and dominance per input, for models with dimensional outputs;
    /// `None` (the default) for models without them.
    fn predict_vad(&self, _inputs: &[&Features]) -> Result<Option<Vec<[f32; 3]>>> {
        Ok(None)
    }
    /// Valence, arousal and dominance per input, knowing each input's speaker (as
    /// [`Model::predict_proba_by_speaker`], so both outputs see the same normalisation);
    /// by default the speakers are ignored and [`Model::predict_vad`] answers.
    fn predict_vad_by_speaker(
        &self,
        inputs: &[&Features],
        _speakers: &[&str],
    ) -> Result<Option<Vec<[f32; 3]>>> {
        crate::plugin::guard::delegate("predict_vad", || self.predict_vad(inputs))
    }
    /// Write the fitted model to `path` (a file the model owns).
    fn save(&self, path: &Path) -> Result<()>;
    /// Restore a model written by [`Model::save`].
    fn load(&mut self, path: &Path) -> Result<()>;
}
