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
    /// Validation confusion matrix (rows = reference), where the model reports it; one
    /// cell `3 1 0;0 4 1;...` (rows split by `;`). Logs written before this column read
    /// as `None`.
    #[serde(default, with = "confusion_cell")]
    pub valid_confusion: Option<Vec<Vec<usize>>>,
}

/// A confusion matrix in one CSV cell: counts split by spaces, rows by `;`.
mod confusion_cell {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        m: &Option<Vec<Vec<usize>>>,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match m {
            None => s.serialize_none(),
            Some(m) => s.serialize_str(
                &m.iter()
                    .map(|r| r.iter().map(usize::to_string).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Option<Vec<Vec<usize>>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)?.filter(|t| !t.trim().is_empty()) else {
            return Ok(None);
        };
        text.split(';')
            .map(|row| {
                row.split_whitespace()
                    .map(|c| c.parse::<usize>())
                    .collect::<std::result::Result<Vec<_>, _>>()
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("valid_confusion `{text}`: {e}")))
    }
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
                valid_confusion,
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
                    valid_confusion: valid_confusion.clone(),
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
            valid_confusion: (e == 1).then(|| vec![vec![3, 1], vec![0, 4]]),
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
        assert_eq!(rows[1].valid_confusion, Some(vec![vec![3, 1], vec![0, 4]]));
        assert_eq!(rows[0].valid_confusion, None);
        // A log written before the confusion column still reads.
        std::fs::write(
            dir.path().join(FILE),
            "fold,model,epoch,train_loss,valid_loss,valid_ua,valid_wa,lr\n0,cnn,0,1.0,,0.5,,\n",
        )
        .unwrap();
        let old = read(dir.path()).unwrap();
        assert_eq!(old[0].valid_ua, Some(0.5));
        assert_eq!(old[0].valid_confusion, None);
        // Every event reached the wrapped sink.
        assert_eq!(log.into_inner().0.len(), 3);
    }
}
