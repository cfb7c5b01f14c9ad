//! The one writer of a run folder: `results.json`, `predictions.csv`, the fold parts,
//! `epochs.csv` and the plots.
//!
//! The runner decides *what* happened (a fold finished, the run ended, it failed) and tells
//! this writer; the writer alone decides which files that means. Every event the run emits
//! passes through it on its way to the front end's sink, so the epoch log and the plots
//! follow the run whichever front end started it (`serlab run`, the dashboard, a test):
//! the run folder is the same file for file. (burn-train's loop works the same way: the
//! loop emits, renderers and loggers consume.)
//!
//! Model and fusion checkpoints are the one exception: they are written by the plugin's
//! own `save`, into the path [`super::checkpoint`] names, because only the plugin knows its
//! format.

use super::parts::{self, FoldPart};
use crate::epochs::EpochLog;
use crate::results::{self, Prediction, RunResults};
use crate::{Error, EventSink, Result, RunEvent};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Owns the files of one run folder while the run goes on.
pub(crate) struct FolderWriter<'s> {
    dir: PathBuf,
    /// A `--fold K` task writes its part only; the merge writes the rest.
    fold_mode: bool,
    /// The run's header: everything `results.json` says before its folds.
    header: Option<RunResults>,
    /// Finished folds, kept from earlier attempts or run now.
    done: BTreeMap<usize, FoldPart>,
    /// The last `results.json` written, kept to mark the run `failed` if an error ends it.
    last: Option<(RunResults, Vec<Prediction>)>,
    /// The epoch log (and plots), passing every event on to the front end's sink.
    events: EpochLog<&'s mut dyn EventSink>,
    /// Every warning emitted so far, recorded in `results.json`.
    warnings: Vec<String>,
}

impl<'s> FolderWriter<'s> {
    /// The writer of the (already claimed) run folder `dir`, passing events on to `sink`.
    pub(crate) fn new(dir: &Path, fold_mode: bool, sink: &'s mut dyn EventSink) -> Self {
        FolderWriter {
            dir: dir.to_path_buf(),
            fold_mode,
            header: None,
            done: BTreeMap::new(),
            last: None,
            events: EpochLog::new(sink, dir, !fold_mode),
            warnings: Vec::new(),
        }
    }

    /// The run folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folds finished so far.
    pub(crate) fn done(&self) -> &BTreeMap<usize, FoldPart> {
        &self.done
    }

    /// A run that stopped before its first fold: a consistent folder marked `stopped`.
    pub(crate) fn stopped_early(&mut self, mut header: RunResults) -> Result<RunResults> {
        header.status = "stopped".into();
        self.write_results(header.clone(), Vec::new())?;
        self.finish_events(true);
        Ok(header)
    }

    /// The run starts with `header` and the folds `kept` from an earlier attempt: the
    /// folder says `running` (and an unwritable folder fails now, before training).
    pub(crate) fn begin(
        &mut self,
        header: RunResults,
        kept: BTreeMap<usize, FoldPart>,
    ) -> Result<()> {
        self.done = kept;
        self.header = Some(header);
        if !self.fold_mode {
            self.write_assembled()?;
        }
        Ok(())
    }

    /// Fold `part` finished: its part file, then the pooled results.
    pub(crate) fn fold_finished(&mut self, part: FoldPart) -> Result<()> {
        parts::write(&self.dir, &part)?;
        self.done.insert(part.index(), part);
        if !self.fold_mode {
            self.write_assembled()?;
        }
        Ok(())
    }

    /// The user skipped fold `fold`: `results.json` records it under `skipped_folds`.
    pub(crate) fn fold_skipped(&mut self, fold: usize) -> Result<()> {
        self.header_mut()?.skipped_folds.push(fold);
        if !self.fold_mode {
            self.write_assembled()?;
        }
        Ok(())
    }

    /// The run ended (`stopped` or to the end); returns what `results.json` now says (with
    /// `--fold`: the fold's part).
    pub(crate) fn finish(&mut self, stopped: bool, fold: Option<usize>) -> Result<RunResults> {
        // A run whose every system failed on every fold produced nothing: it did not finish.
        let attempted: Vec<&FoldPart> = match fold {
            Some(k) => self.done.get(&k).into_iter().collect(),
            None => self.done.values().collect(),
        };
        let all_failed = !attempted.is_empty()
            && attempted
                .iter()
                .all(|p| p.results.folds.iter().all(|f| f.systems.is_empty()));
        let header = self.header_mut()?;
        header.status = if stopped {
            "stopped"
        } else if all_failed {
            "failed"
        } else {
            "finished"
        }
        .into();
        if all_failed && !stopped {
            header.error = Some("every system failed on every fold (see `failures`)".into());
        }
        let results = match fold {
            Some(k) => match self.done.get(&k) {
                Some(part) => part.results.clone(),
                None => self.header_mut()?.clone(),
            },
            None => self.write_assembled()?,
        };
        self.finish_events(stopped);
        Ok(results)
    }

    /// An error ended the run: `results.json` says `failed` with the error, rather than
    /// claiming to be running. A stop is not a failure.
    pub(crate) fn failed(&mut self, e: &Error) {
        if matches!(e, Error::Stopped) {
            return;
        }
        if let Some((res, p)) = &mut self.last {
            res.status = "failed".into();
            res.error = Some(e.to_string());
            let _ = results::write(&self.dir, res, p);
        }
    }

    fn finish_events(&mut self, stopped: bool) {
        let output = self.dir.display().to_string();
        self.events.emit(RunEvent::RunFinished { output, stopped });
    }

    fn header_mut(&mut self) -> Result<&mut RunResults> {
        self.header
            .as_mut()
            .ok_or_else(|| Error::invalid("the run folder writer was not started"))
    }

    fn write_assembled(&mut self) -> Result<RunResults> {
        let header = self.header_mut()?.clone();
        let (res, p) = parts::assemble(&header, self.done.values());
        self.write_results(res.clone(), p)?;
        Ok(res)
    }

    fn write_results(&mut self, mut res: RunResults, predictions: Vec<Prediction>) -> Result<()> {
        res.warnings = self.warnings.clone();
        results::write(&self.dir, &res, &predictions)?;
        self.last = Some((res, predictions));
        Ok(())
    }
}

impl EventSink for FolderWriter<'_> {
    fn emit(&mut self, event: RunEvent) {
        if let RunEvent::Warning { message } = &event {
            self.warnings.push(message.clone());
        }
        self.events.emit(event);
    }
}
