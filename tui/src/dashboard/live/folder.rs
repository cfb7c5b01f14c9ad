//! A past run as the live screens see it: the same [`LiveRun`] the event reducer builds,
//! rebuilt from what the run folder holds — `results.json` (folds, test speakers, each
//! system's scores and confusion matrix, skipped folds, status) and `epochs.csv` (the
//! per-epoch curves and, where models report it, the validation confusion per epoch). So
//! the training, confusion and fusion screens draw a past run with the code that draws a
//! live one. Batch-level losses are not kept in a run folder; past curves are per epoch.

use super::{Eval, FoldInfo, LiveRun, Phase};
use crate::dashboard::live::{EpochPoint, Fit};
use serlab_engine::epochs::EpochRow;
use serlab_engine::results::RunResults;
use std::collections::BTreeMap;
use std::time::Duration;

/// What a run folder says, read by the caller.
pub struct FolderContents<'a> {
    /// `results.json`.
    pub results: &'a RunResults,
    /// `epochs.csv` rows.
    pub epochs: &'a [EpochRow],
    /// Model ids in experiment order (from `config.toml`; fusions are the other systems).
    pub models: Vec<String>,
    /// Each model's parameters, as `config.toml` resolves them.
    pub params: BTreeMap<String, Vec<(String, String)>>,
    /// Folds of the protocol, when a fold part says (else counted from what is there).
    pub folds: Option<usize>,
    /// The run folder.
    pub dir: String,
}

impl LiveRun {
    /// The run a folder holds, as if its events had been followed.
    pub fn from_folder(c: &FolderContents) -> LiveRun {
        let r = c.results;
        let mut live = LiveRun::new(&r.experiment, Duration::ZERO);
        live.past = true;
        live.finished_folder = true;
        live.seed = Some(r.seed);
        live.classes = r.classes.clone();
        live.systems = r.systems.clone();
        live.models = if c.models.is_empty() {
            r.systems.clone()
        } else {
            c.models.clone()
        };
        live.params = c.params.clone();
        live.output = Some(c.dir.clone());
        live.ended_at = Some(Duration::ZERO);
        let seen = r
            .folds
            .iter()
            .map(|f| f.index)
            .chain(r.skipped_folds.iter().copied())
            .chain(c.epochs.iter().map(|e| e.fold))
            .max()
            .map(|m| m + 1)
            .unwrap_or(0);
        live.folds = c.folds.unwrap_or(seen).max(seen);
        live.fold_info = vec![FoldInfo::default(); live.folds];
        for f in &r.folds {
            let info = &mut live.fold_info[f.index];
            info.test = f.test_speakers.clone();
            info.validation = f.validation_speakers.clone();
            info.finished = true;
            for (sys, s) in &f.systems {
                live.evals.entry(sys.clone()).or_default().insert(
                    f.index,
                    Eval {
                        ua: s.ua,
                        wa: s.wa,
                        confusion: s.confusion.clone(),
                    },
                );
            }
        }
        for &k in &r.skipped_folds {
            if let Some(info) = live.fold_info.get_mut(k) {
                info.skipped = true;
            }
        }
        for row in c.epochs {
            let i = match live
                .fits
                .iter()
                .position(|f| f.fold == row.fold && f.model == row.model)
            {
                Some(i) => i,
                None => {
                    live.fits.push(Fit::new(row.fold, &row.model));
                    live.fits.len() - 1
                }
            };
            live.fits[i].epochs.push(EpochPoint {
                epoch: row.epoch,
                train_loss: row.train_loss,
                valid_loss: row.valid_loss,
                valid_ua: row.valid_ua,
                valid_wa: row.valid_wa,
                lr: row.lr,
                valid_confusion: row.valid_confusion.clone(),
            });
        }
        for f in &mut live.fits {
            f.epochs.sort_by_key(|e| e.epoch);
        }
        live.fits
            .sort_by(|a, b| a.fold.cmp(&b.fold).then(a.model.cmp(&b.model)));
        live.phase = match r.status.as_str() {
            "failed" => Phase::Failed(r.error.clone().unwrap_or_else(|| "failed".into())),
            "finished" => Phase::Finished { stopped: false },
            // `stopped`, or `running` (killed, or going in another process).
            _ => Phase::Finished { stopped: true },
        };
        let skipped: Vec<String> = r
            .skipped_folds
            .iter()
            .map(|k| (k + 1).to_string())
            .collect();
        live.note(
            format!(
                "past run {} ({}): {}/{} folds finished{}",
                c.dir,
                r.status,
                r.folds.len(),
                live.folds,
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!(", skipped by the user: {}", skipped.join(", "))
                }
            ),
            false,
            Duration::ZERO,
        );
        live
    }
}
