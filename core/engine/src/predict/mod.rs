//! What a finished run's models say about new recordings — each model's class
//! probabilities (and V/A/D where a model has them), the transcript the text models read,
//! and each fusion's result — for `serlab predict`, `serlab serve` and `serlab live`.
//!
//! This is the run's own pipeline applied to new audio: the recording's features come from
//! the run's extractors (early fusion by the runner's own concatenation), each fold model is
//! asked through the same [`crate::runner::systems`] code a fold uses, and each fusion is the
//! fold's fitted fusion, restored from its checkpoint.
//!
//! A run keeps every fold's fitted models and learnt fusions under `checkpoints/`. There
//! is no model trained on all speakers (training one would need a validation split that no
//! fold defines), so prediction uses the fold models that were evaluated, as an ensemble:
//! every system's probabilities are the mean over the folds where it was fitted; a fusion
//! is applied per fold to that fold's members, then averaged the same way.
//!
//! Loading is the expensive part (a 36-fold run has 36 models per system), so a
//! [`Predictor`] loads the run once and keeps its models in memory; [`predict`] is the
//! one-shot form `serlab predict` uses. Models are not `Sync` (the plugin API only asks
//! `Send`), so a predictor holds `replicas` independent copies of the fold models and each
//! call borrows one: that is what lets a server run requests in parallel.

mod info;
mod predictor;
mod replica;
pub mod speakers;
pub mod timeline;

pub use info::{FusionInfo, ModelInfo, PluginInfo, RunInfo};
pub use predictor::{Predictor, Request};
pub use speakers::Statistics;

use crate::Result;
use std::path::Path;

/// What a prediction found out.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Report {
    /// Class names, in the run's order.
    pub classes: Vec<String>,
    /// Recording length in seconds.
    pub seconds: f64,
    /// Where the transcript came from and what it is, when a text model needs one.
    pub transcript: Option<Transcript>,
    /// Models, then fusions, in the experiment's order.
    pub systems: Vec<SystemResult>,
    /// Systems that could not give a result, with why, and how speaker statistics were had.
    pub notes: Vec<String>,
}

/// The text the text models read.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Transcript {
    /// The words.
    pub text: String,
    /// `given` (by the caller) or the transcriber's name.
    pub source: String,
}

/// One system's prediction.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SystemResult {
    /// Model or fusion id.
    pub id: String,
    /// True for a fusion.
    pub fused: bool,
    /// Class probabilities, mean over `folds`.
    pub probs: Vec<f32>,
    /// Valence, arousal, dominance (mean over folds), for models that predict them.
    pub vad: Option<[f32; 3]>,
    /// Number of fold models averaged.
    pub folds: usize,
    /// Which normalisation statistics a model used (`None` for a fusion).
    pub statistics: Option<Statistics>,
}

/// Options of `serlab predict`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Use this transcript instead of recognising one.
    pub transcript: Option<String>,
}

/// Predict `wav` with the fitted models of the run in `run_dir` (loads the run, predicts
/// once; keep a [`Predictor`] to predict several recordings).
pub fn predict(run_dir: &Path, wav: &Path, opts: &Options) -> Result<Report> {
    let p = Predictor::load(run_dir, 1)?;
    let audio = crate::audio::read_mono(wav)?;
    let name = wav
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording".into());
    p.predict(
        &audio,
        &Request {
            name: &name,
            transcript: opts.transcript.as_deref(),
            speaker: None,
        },
    )
}

/// Column-wise mean of equally long rows (at least one).
fn mean_rows(rows: &[Vec<f32>]) -> Vec<f32> {
    let mut m = vec![0.0f32; rows[0].len()];
    for r in rows {
        m.iter_mut().zip(r).for_each(|(a, b)| *a += b);
    }
    m.iter_mut().for_each(|a| *a /= rows.len() as f32);
    m
}
