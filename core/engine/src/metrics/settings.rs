//! The `[metrics]` table: which extra numbers `results.json` carries and how the
//! confidence interval of UA is drawn. Every key has a default, so the table is optional.

use serde::{Deserialize, Serialize};

/// What is resampled by the bootstrap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootstrapUnit {
    /// Whole speakers with all their utterances (a cluster bootstrap). Utterances of one
    /// speaker are not independent, so this is the honest default for speaker-independent
    /// evaluation; with few speakers the interval is wide, as it should be.
    #[default]
    Speaker,
    /// Single utterances, as if they were independent (narrower, optimistic).
    Utterance,
}

/// The `[metrics]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// `k` values for top-k accuracy (a reference in the `k` most probable classes).
    pub top_k: Vec<usize>,
    /// Bootstrap resamples for the confidence interval of UA; 0 turns it off.
    pub bootstrap: usize,
    /// What the bootstrap resamples: `speaker` or `utterance`.
    pub bootstrap_unit: BootstrapUnit,
    /// Coverage of the interval, in (0, 1).
    pub confidence: f64,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            top_k: vec![2],
            bootstrap: 1000,
            bootstrap_unit: BootstrapUnit::Speaker,
            confidence: 0.95,
        }
    }
}

impl MetricsConfig {
    /// The key and message of the first invalid setting, if any.
    pub fn check(&self) -> Option<(&'static str, String)> {
        if let Some(k) = self.top_k.iter().find(|&&k| k == 0) {
            return Some(("top_k", format!("expected values ≥ 1, found {k}")));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Some((
                "confidence",
                format!(
                    "expected a number between 0 and 1 (0.95 for a 95% interval), found {}",
                    self.confidence
                ),
            ));
        }
        if self.bootstrap > 0 && (self.bootstrap as f64) * (1.0 - self.confidence) < 2.0 {
            return Some((
                "bootstrap",
                format!(
                    "{} resamples are too few for a {}% interval (need at least {})",
                    self.bootstrap,
                    self.confidence * 100.0,
                    (2.0 / (1.0 - self.confidence)).ceil()
                ),
            ));
        }
        None
    }
}
