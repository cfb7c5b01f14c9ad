//! `epochs.csv`: the per-epoch log of every model on every fold, written into the run folder
//! from the runner's `Epoch` events by [`EpochLog`], a sink that wraps another one.
//!
//! The runner only emits events, so the log (and the plots drawn after each fold) live on
//! this side. Rows are rewritten atomically, at most once a second and at every fold's end,
//! so a killed run keeps its curves. When a fit starts again (a resumed run, or an epoch
//! re-run after a resume) its rows from that epoch on are replaced, not duplicated.

use crate::results::write_atomic;
use crate::{Error, EventSink, Result, RunEvent};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The file name inside a run folder.
pub const FILE: &str = "epochs.csv";

/// One row of `epochs.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRow {
    /// Fold index from 0.
    pub fold: usize,
    /// Model id.
    pub model: String,
    /// Epoch from 0.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation loss.
    pub valid_loss: Option<f64>,
    /// Validation UA.
    pub valid_ua: Option<f64>,
    /// Validation WA.
    pub valid_wa: Option<f64>,
    /// Learning rate.
    pub lr: Option<f64>,
}

/// Read `epochs.csv` of a run folder (empty when there is none).
pub fn read(dir: &Path) -> Result<Vec<EpochRow>> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let bad = |e: csv::Error| Error::Corpus {
        path: path.clone(),
        message: format!("not a serlab epoch log: {e}"),
    };
    let mut r = csv::Reader::from_path(&path).map_err(bad)?;
    r.deserialize()
        .collect::<std::result::Result<_, _>>()
        .map_err(bad)
}

/// Write `rows` as `epochs.csv` in `dir`, atomically.
pub fn write(dir: &Path, rows: &[EpochRow]) -> Result<()> {
    let path = dir.join(FILE);
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::invalid(format!("writing {}: {e}", path.display())))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::invalid(format!("writing {}: {e}", path.display())))?;
    write_atomic(&path, &bytes)
}

/// Passes every event on to `inner`; keeps `epochs.csv` and, after each fold, the plots of
/// the run folder `dir` up to date. Problems writing them become warnings, never failures.
pub struct EpochLog<S: EventSink> {
    inner: S,
    dir: PathBuf,
    rows: Vec<EpochRow>,
    dirty: bool,
    last_write: Option<Instant>,
    plots: bool,
}

impl<S: EventSink> EpochLog<S> {
    /// Wrap `inner` for the run folder `dir` (rows already in its `epochs.csv` are kept);
    /// `plots` redraws the plots after each fold.
    pub fn new(inner: S, dir: &Path, plots: bool) -> Self {
        EpochLog {
            inner,
            dir: dir.to_path_buf(),
            rows: read(dir).unwrap_or_default(),
            dirty: false,
            last_write: None,
            plots,
        }
    }

    /// The rows logged so far.
    pub fn rows(&self) -> &[EpochRow] {
        &self.rows
    }

    /// The wrapped sink.
    pub fn into_inner(self) -> S {
        self.inner
    }

    fn flush(&mut self, force: bool) {
        let due = self
            .last_write
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if !self.dirty || !(force || due) || !self.dir.is_dir() {
            return;
        }
        self.last_write = Some(Instant::now());
        match write(&self.dir, &self.rows) {
            Ok(()) => self.dirty = false,
            Err(e) => self.inner.emit(RunEvent::Warning {
                message: format!("epoch log not written: {e}"),
            }),
        }
    }
}

impl<S: EventSink> EventSink for EpochLog<S> {
    fn emit(&mut self, event: RunEvent) {
        match &event {
            RunEvent::Epoch {
                fold,
                model,
                epoch,
                train_loss,
                valid_loss,
                valid_ua,
                valid_wa,
                lr,
                ..
            } => {
                self.rows
                    .retain(|r| !(r.fold == *fold && &r.model == model && r.epoch >= *epoch));
                self.rows.push(EpochRow {
                    fold: *fold,
                    model: model.clone(),
                    epoch: *epoch,
                    train_loss: *train_loss,
                    valid_loss: *valid_loss,
                    valid_ua: *valid_ua,
                    valid_wa: *valid_wa,
                    lr: *lr,
                });
                self.dirty = true;
                self.flush(false);
            }
            RunEvent::FoldFinished { .. } | RunEvent::RunFinished { .. } => {
                self.flush(true);
                if self.plots {
                    // results.json was written just before this event.
                    if let Err(e) = crate::plots::write_all(&self.dir) {
                        self.inner.emit(RunEvent::Warning {
                            message: format!("plots not drawn: {e}"),
                        });
                    }
                }
            }
            _ => {}
        }
        self.inner.emit(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::VecSink;

    fn epoch(fold: usize, e: usize, loss: f64) -> RunEvent {
        RunEvent::Epoch {
            fold,
            model: "cnn".into(),
            epoch: e,
            train_loss: loss,
            valid_loss: Some(loss + 0.5),
            valid_ua: None,
            valid_wa: None,
            lr: Some(1e-3),
            valid_confusion: None,
        }
    }

    #[test]
    fn epochs_are_logged_passed_on_and_replaced_on_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = EpochLog::new(VecSink::default(), dir.path(), false);
        for (e, l) in [(0, 2.0), (1, 1.5), (2, 1.2)] {
            log.emit(epoch(0, e, l));
        }
        log.emit(RunEvent::FoldFinished { fold: 0 });
        assert_eq!(read(dir.path()).unwrap().len(), 3);
        // A resumed run opens the same folder and re-runs epoch 2 onwards.
        drop(log);
        let mut log = EpochLog::new(VecSink::default(), dir.path(), false);
        log.emit(epoch(0, 2, 1.1));
        log.emit(epoch(0, 3, 1.0));
        log.emit(RunEvent::RunFinished {
            output: String::new(),
            stopped: false,
        });
        let rows = read(dir.path()).unwrap();
        let losses: Vec<f64> = rows.iter().map(|r| r.train_loss).collect();
        assert_eq!(losses, [2.0, 1.5, 1.1, 1.0]);
        assert_eq!(rows[3].valid_loss, Some(1.5));
        assert_eq!(rows[3].valid_ua, None);
        // Every event reached the wrapped sink.
        assert_eq!(log.into_inner().0.len(), 3);
    }
}
