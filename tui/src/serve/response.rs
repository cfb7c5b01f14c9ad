//! The JSON a prediction is answered with (documented in docs/openapi.yaml): probabilities
//! as arrays in the order of `classes`, the top class by name, V/A/D as named fields, and
//! for every model which normalisation statistics it used.

use serde::Serialize;
use serlab_engine::predict::{Report, Statistics, Transcript};

/// `POST /predict`'s answer.
#[derive(Debug, Serialize)]
pub struct Prediction {
    /// The run that answered (`<experiment>/<run folder>`).
    pub run_id: String,
    /// Class names; every `probs` array follows this order.
    pub classes: Vec<String>,
    /// Recording length, seconds.
    pub seconds: f64,
    /// The words the text models read, and where they came from.
    pub transcript: Option<Transcript>,
    /// One entry per model.
    pub models: Vec<System>,
    /// One entry per fusion.
    pub fusions: Vec<System>,
    /// The fused answer: the first fusion's top class, else the first model's.
    pub predicted: Option<String>,
    /// What could not be predicted and why, and how speaker statistics were had.
    pub notes: Vec<String>,
    /// Time spent on this request on the server (decoding and prediction), ms.
    pub elapsed_ms: f64,
}

/// One model or fusion.
#[derive(Debug, Serialize)]
pub struct System {
    /// Model or fusion id.
    pub id: String,
    /// Class probabilities (mean over `folds`), in the order of `classes`.
    pub probs: Vec<f32>,
    /// The most probable class.
    pub predicted: String,
    /// Fold models averaged.
    pub folds: usize,
    /// Valence, arousal, dominance, for models that predict them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vad: Option<Vad>,
    /// For models: which normalisation statistics were used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Statistics>,
}

/// Dimensional prediction.
#[derive(Debug, Serialize)]
pub struct Vad {
    /// Valence.
    pub valence: f32,
    /// Arousal.
    pub arousal: f32,
    /// Dominance.
    pub dominance: f32,
}

impl Prediction {
    /// Shape an engine report.
    pub fn new(run_id: &str, r: Report, elapsed_ms: f64) -> Prediction {
        let mut models = Vec::new();
        let mut fusions = Vec::new();
        for s in r.systems {
            let top = serlab_engine::metrics::argmax(&s.probs);
            let sys = System {
                predicted: r.classes[top].clone(),
                id: s.id,
                probs: s.probs,
                folds: s.folds,
                vad: s.vad.map(|v| Vad {
                    valence: v[0],
                    arousal: v[1],
                    dominance: v[2],
                }),
                statistics: s.statistics,
            };
            if s.fused {
                fusions.push(sys);
            } else {
                models.push(sys);
            }
        }
        let predicted = fusions
            .first()
            .or(models.first())
            .map(|s| s.predicted.clone());
        Prediction {
            run_id: run_id.to_string(),
            classes: r.classes,
            seconds: r.seconds,
            transcript: r.transcript,
            models,
            fusions,
            predicted,
            notes: r.notes,
            elapsed_ms,
        }
    }
}
