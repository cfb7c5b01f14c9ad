//! What a run writes: `results.json` and `predictions.csv`, written atomically
//! (temporary file + rename) after every fold, so a stopped or crashed run keeps
//! everything it finished.
//!
//! `results.json` keys:
//! - `serlab_version`, `experiment`, `seed`, `status` (`running`, `finished`, `stopped`,
//!   `interrupted` (by SIGINT/SIGTERM), `failed` (an error, or every system failed on every
//!   fold); a run killed with `kill -9` still says `running`, which `serlab run --resume`
//!   records as `killed`), `error` (why a `failed` run failed), `resumed` (one
//!   [`Resumption`] per `serlab run --resume`),
//!   `classes`, `corpus` (`name`, `utterances`, `skipped`: list of `{path, reason}`),
//!   `plugins` (`{name, version, path}`), `systems` (model ids, then the fusion id),
//!   `metrics` (the `[metrics]` settings used: `top_k`, `bootstrap`, `bootstrap_unit`,
//!   `confidence`), `warnings` (every warning the run printed, in order);
//! - `folds`: per fold `index`, `train_speakers`, `validation_speakers`, `test_speakers`,
//!   `systems` (system id → [`Scores`]) and `failures` (system id → message);
//! - `pooled`: system id → [`Scores`] over all folds' test utterances, with `ua_ci`, the
//!   bootstrap interval of UA;
//! - `fold_mean`: system id → `{ua_mean, ua_std, wa_mean, wa_std}` over folds;
//! - `per_speaker`: system id → speaker → [`Scores`] on that speaker's utterances.
//!
//! A [`Scores`] holds `ua`, `wa`, `macro_f1`, per class (in `classes` order) `recall`,
//! `precision` and `f1` (null where undefined), `confusion` (rows = reference), `n`,
//! `top_k` (`k` → accuracy), and `ccc` (`valence`, `arousal`, `dominance`, `n`) when the
//! system predicted dimensional values for utterances that have references.
//!
//! `predictions.csv`: `utterance, speaker, fold, system, label, predicted, p_<class>...`,
//! then `valence, arousal, dominance` when the corpus has them and `pred_valence,
//! pred_arousal, pred_dominance` when a system predicted them.
//!
//! The types and their summaries are here; reading and writing the files is [`files`].

use crate::metrics::bootstrap::{self, Interval};
use crate::metrics::ccc::{vad_ccc, VadCcc};
use crate::metrics::{argmax, topk, Confusion, MetricsConfig};
use serde::{Deserialize, Serialize};

mod files;
pub use files::{mark_interrupted, read_predictions, temp_path, write, write_atomic};
use std::collections::BTreeMap;

/// Scores of one system on one set of utterances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Unweighted accuracy (macro recall).
    pub ua: f64,
    /// Weighted accuracy.
    pub wa: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// Weighted F1 (per-class F1 weighted by support).
    #[serde(default)]
    pub weighted_f1: f64,
    /// Recall per class (null for a class absent from the reference).
    pub recall: Vec<Option<f64>>,
    /// Precision per class (null for a class never predicted).
    #[serde(default)]
    pub precision: Vec<Option<f64>>,
    /// F1 per class (null for a class absent from the reference).
    #[serde(default)]
    pub f1: Vec<Option<f64>>,
    /// Confusion matrix, rows = reference.
    pub confusion: Vec<Vec<usize>>,
    /// Utterances scored.
    pub n: usize,
    /// Top-k accuracy for each `k` of `[metrics] top_k`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub top_k: BTreeMap<usize, f64>,
    /// Concordance of predicted valence / arousal / dominance, when the system gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccc: Option<VadCcc>,
    /// Bootstrap confidence interval of UA (pooled scores only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ua_ci: Option<Interval>,
}

impl Scores {
    /// Scores of a confusion matrix.
    pub fn of(c: &Confusion) -> Scores {
        Scores {
            ua: c.ua(),
            wa: c.wa(),
            macro_f1: c.macro_f1(),
            weighted_f1: c.weighted_f1(),
            recall: c.recalls(),
            precision: c.precisions(),
            f1: c.f1s(),
            confusion: c.counts.clone(),
            n: c.total(),
            top_k: BTreeMap::new(),
            ccc: None,
            ua_ci: None,
        }
    }

    /// Scores of predictions: the confusion matrix, top-k accuracy for each `k` and, where
    /// predictions carry dimensional values, their CCC.
    pub fn of_predictions(preds: &[&Prediction], n_classes: usize, top_k: &[usize]) -> Scores {
        let truth: Vec<usize> = preds.iter().map(|p| p.label).collect();
        let guess: Vec<usize> = preds.iter().map(|p| argmax(&p.probs)).collect();
        let mut s = Scores::of(&Confusion::new(&truth, &guess, n_classes));
        for &k in top_k {
            let rows = preds.iter().map(|p| (p.probs.as_slice(), p.label));
            s.top_k.insert(k, topk::top_k_accuracy(rows, k));
        }
        s.ccc = vad_ccc(preds.iter().filter_map(|p| Some((p.vad?, p.vad_pred?))));
        s
    }
}

/// Results of one fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Fold index.
    pub index: usize,
    /// Training speakers.
    pub train_speakers: Vec<String>,
    /// Validation speakers.
    pub validation_speakers: Vec<String>,
    /// Test speakers.
    pub test_speakers: Vec<String>,
    /// Scores per system.
    pub systems: BTreeMap<String, Scores>,
    /// Systems that failed on this fold, with the message.
    pub failures: BTreeMap<String, String>,
}

/// Mean and spread of fold scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldMean {
    /// Mean UA over folds.
    pub ua_mean: f64,
    /// Standard deviation of UA over folds.
    pub ua_std: f64,
    /// Mean WA over folds.
    pub wa_mean: f64,
    /// Standard deviation of WA over folds.
    pub wa_std: f64,
}

/// One row of `predictions.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Utterance id.
    pub utterance: String,
    /// Speaker.
    pub speaker: String,
    /// Fold.
    pub fold: usize,
    /// System id.
    pub system: String,
    /// Reference class index.
    pub label: usize,
    /// Probabilities per class.
    pub probs: Vec<f32>,
    /// Reference valence / arousal / dominance, where the corpus has them.
    pub vad: Option<[f32; 3]>,
    /// Predicted valence / arousal / dominance, where the system gives them.
    pub vad_pred: Option<[f32; 3]>,
}

/// Everything `results.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// Version of serlab (the engine that wrote the run).
    pub serlab_version: String,
    /// Experiment name.
    pub experiment: String,
    /// Seed.
    pub seed: u64,
    /// `running`, `finished`, `stopped`, `interrupted` or `failed`.
    pub status: String,
    /// Why the run failed (status `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every time the run was resumed, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed: Vec<Resumption>,
    /// Folds (from 0) the user skipped in the last attempt; they have no scores, and a
    /// resume runs them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_folds: Vec<usize>,
    /// Class names.
    pub classes: Vec<String>,
    /// Corpus summary.
    pub corpus: serde_json::Value,
    /// Plugins used.
    pub plugins: Vec<serde_json::Value>,
    /// System ids in report order.
    pub systems: Vec<String>,
    /// Per fold.
    pub folds: Vec<FoldResult>,
    /// Pooled over folds.
    pub pooled: BTreeMap<String, Scores>,
    /// Mean over folds.
    pub fold_mean: BTreeMap<String, FoldMean>,
    /// Scores per system and speaker.
    pub per_speaker: BTreeMap<String, BTreeMap<String, Scores>>,
    /// The `[metrics]` settings the extra scores were computed with.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Every warning the run emitted (skipped files, speaker overlap, cache repairs, plugin
    /// notices), in order: also printed to stderr, but a log can be lost, this file is not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One `serlab run --resume` of a run folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resumption {
    /// When it was resumed (`YYYYMMDD-HHMMSS`, UTC).
    pub at: String,
    /// How the previous attempt ended: `killed` (its status still said `running`: killed,
    /// crashed or its machine was lost), `stopped`, `failed`, `finished`, or
    /// `before-results` (it ended before writing any results, e.g. during feature
    /// extraction).
    pub after: String,
    /// Folds that were already finished and were kept.
    pub folds_kept: Vec<usize>,
}

impl RunResults {
    /// Recompute every derived score from the folds' confusion matrices and the
    /// predictions: per-fold top-k and CCC, `pooled` (with the bootstrap interval of UA,
    /// seeded by the run's seed and the system id), `fold_mean` and `per_speaker`.
    pub fn summarise(&mut self, predictions: &[Prediction]) {
        let k = self.classes.len();
        let top_k = self.metrics.top_k.clone();
        self.pooled.clear();
        self.fold_mean.clear();
        self.per_speaker.clear();
        for sys in self.systems.clone() {
            let mine: Vec<&Prediction> = predictions.iter().filter(|p| p.system == sys).collect();
            for f in &mut self.folds {
                if let Some(s) = f.systems.get_mut(&sys) {
                    let of_fold: Vec<&Prediction> =
                        mine.iter().copied().filter(|p| p.fold == f.index).collect();
                    if of_fold.len() == s.n {
                        let extra = Scores::of_predictions(&of_fold, k, &top_k);
                        s.top_k = extra.top_k;
                        s.ccc = extra.ccc;
                    }
                }
            }
            let folds: Vec<&Scores> = self
                .folds
                .iter()
                .filter_map(|f| f.systems.get(&sys))
                .collect();
            if folds.is_empty() {
                continue;
            }
            let mut pooled = Confusion::zeros(k);
            for s in &folds {
                pooled.add(&Confusion {
                    counts: s.confusion.clone(),
                });
            }
            let mut scores = if mine.len() == pooled.total() {
                Scores::of_predictions(&mine, k, &top_k)
            } else {
                Scores::of(&pooled)
            };
            let truth: Vec<usize> = mine.iter().map(|p| p.label).collect();
            let guess: Vec<usize> = mine.iter().map(|p| argmax(&p.probs)).collect();
            let speakers: Vec<&str> = mine.iter().map(|p| p.speaker.as_str()).collect();
            scores.ua_ci = bootstrap::ua_interval(
                &truth,
                &guess,
                &speakers,
                k,
                &self.metrics,
                seed_for(self.seed, &sys),
            );
            self.pooled.insert(sys.clone(), scores);
            let (ua_mean, ua_std) = mean_std(folds.iter().map(|s| s.ua));
            let (wa_mean, wa_std) = mean_std(folds.iter().map(|s| s.wa));
            self.fold_mean.insert(
                sys.clone(),
                FoldMean {
                    ua_mean,
                    ua_std,
                    wa_mean,
                    wa_std,
                },
            );
            let mut by_speaker: BTreeMap<&str, Vec<&Prediction>> = BTreeMap::new();
            for p in &mine {
                by_speaker.entry(p.speaker.as_str()).or_default().push(p);
            }
            self.per_speaker.insert(
                sys.clone(),
                by_speaker
                    .into_iter()
                    .map(|(s, ps)| (s.to_string(), Scores::of_predictions(&ps, k, &top_k)))
                    .collect(),
            );
        }
    }

    /// The headline system: the fusion if there is one, else the first model.
    pub fn main_system(&self) -> Option<&str> {
        self.systems
            .iter()
            .rev()
            .find(|s| self.pooled.contains_key(*s))
            .map(String::as_str)
    }
}

/// The bootstrap seed of one system: the run's seed mixed with the system id (FNV-1a), so
/// systems get independent but reproducible resamples.
fn seed_for(seed: u64, system: &str) -> u64 {
    system.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn mean_std(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = v.collect();
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

#[cfg(test)]
mod tests;
