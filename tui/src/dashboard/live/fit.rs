//! One model fitting on one fold, as the training screen draws it: the downsampled batch
//! losses, the per-epoch validation points, and the progress derived from them.

use super::super::curves::Downsampled;

/// Validation metrics and loss at the end of one epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochPoint {
    /// Epoch number from 0.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation loss.
    pub valid_loss: Option<f64>,
    /// Validation UA.
    pub valid_ua: Option<f64>,
    /// Validation WA.
    pub valid_wa: Option<f64>,
    /// Learning rate in force.
    pub lr: Option<f64>,
}

/// One model fitting on one fold.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Fold index.
    pub fold: usize,
    /// Model id.
    pub model: String,
    /// Batch losses, downsampled.
    pub steps: Downsampled,
    /// The last step number seen.
    pub last_step: usize,
    /// Steps planned, when the model says.
    pub total_steps: Option<usize>,
    /// Steps per epoch, known after the first epoch.
    pub steps_per_epoch: Option<usize>,
    /// Per-epoch points.
    pub epochs: Vec<EpochPoint>,
}

impl Fit {
    pub(super) fn new(fold: usize, model: &str) -> Self {
        Fit {
            fold,
            model: model.into(),
            steps: Downsampled::default(),
            last_step: 0,
            total_steps: None,
            steps_per_epoch: None,
            epochs: Vec::new(),
        }
    }

    /// Fraction of the fit done, when the model says how many steps it plans.
    pub fn fraction(&self) -> Option<f64> {
        self.total_steps
            .filter(|&t| t > 0)
            .map(|t| (self.last_step as f64 / t as f64).min(1.0))
    }

    /// Epochs planned, when both the planned steps and the epoch length are known.
    pub fn total_epochs(&self) -> Option<usize> {
        match (self.total_steps, self.steps_per_epoch) {
            (Some(t), Some(s)) if s > 0 => Some(t.div_ceil(s)),
            _ => None,
        }
    }

    /// The learning rate of the last epoch that reported one.
    pub fn lr(&self) -> Option<f64> {
        self.epochs.iter().rev().find_map(|e| e.lr)
    }
}
