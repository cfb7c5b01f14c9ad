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
    /// Validation confusion matrix (rows = reference), where the model reports it.
    pub valid_confusion: Option<Vec<Vec<usize>>>,
}

impl EpochPoint {
    /// Recall of each class on the validation speakers, from the epoch's confusion matrix.
    pub fn recalls(&self) -> Option<Vec<Option<f64>>> {
        let m = self.valid_confusion.as_ref()?;
        Some(
            m.iter()
                .enumerate()
                .map(|(i, row)| {
                    let n: usize = row.iter().sum();
                    (n > 0).then(|| row.get(i).copied().unwrap_or(0) as f64 / n as f64)
                })
                .collect(),
        )
    }
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
    /// A fit with nothing reported yet.
    pub fn new(fold: usize, model: &str) -> Self {
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

    /// The best epoch: highest validation UA, ties to the lower validation loss, then the
    /// earlier epoch (the rule the nn plugins' early stopping keeps its weights by, with
    /// `select = "ua"`); without UA, the lowest validation loss.
    pub fn best_epoch(&self) -> Option<&EpochPoint> {
        let loss = |e: &EpochPoint| {
            e.valid_loss
                .filter(|l| l.is_finite())
                .unwrap_or(f64::INFINITY)
        };
        let by_ua = self
            .epochs
            .iter()
            .filter(|e| e.valid_ua.is_some_and(f64::is_finite))
            .fold(None::<&EpochPoint>, |best, e| match best {
                Some(b) => {
                    let (ub, ue) = (b.valid_ua.unwrap_or(0.0), e.valid_ua.unwrap_or(0.0));
                    let better = ue > ub + 1e-12 || ((ue - ub).abs() <= 1e-12 && loss(e) < loss(b));
                    Some(if better { e } else { b })
                }
                None => Some(e),
            });
        by_ua.or_else(|| {
            self.epochs
                .iter()
                .filter(|e| e.valid_loss.is_some_and(f64::is_finite))
                .fold(None::<&EpochPoint>, |best, e| match best {
                    Some(b) if b.valid_loss <= e.valid_loss => Some(b),
                    _ => Some(e),
                })
        })
    }

    /// The epoch numbered `epoch`.
    pub fn epoch(&self, epoch: usize) -> Option<&EpochPoint> {
        self.epochs.iter().find(|e| e.epoch == epoch)
    }

    /// The learning rate of the last epoch that reported one.
    pub fn lr(&self) -> Option<f64> {
        self.epochs.iter().rev().find_map(|e| e.lr)
    }
}
