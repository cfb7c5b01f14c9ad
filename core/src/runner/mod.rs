//! The runner: corpus → features → folds → models → fusion → metrics → run folder.
//!
//! It owns no rendering: it emits [`RunEvent`]s into whatever sink it is given, and checks
//! the [`StopHandle`] between models and folds (models check it between steps). Results
//! are written after every fold, so nothing finished is lost when a run stops or fails.
//!
//! Files: [`components`] (checking and resolving the experiment's components),
//! [`extract`] (features of the whole corpus), [`fold`] (one fold's models and fusion),
//! [`timestamp`] (run folder names).

mod components;
mod extract;
mod fold;
mod timestamp;

pub use timestamp::timestamp;

use crate::config::Experiment;
use crate::corpus::Skipped;
use crate::plugin::PluginSet;
use crate::protocol::{self, Fold};
use crate::results::{self, Prediction, RunResults};
use crate::{Error, EventSink, Result, RunEvent, StopHandle};
use fold::{FoldData, FoldEnd};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Options that are not part of the experiment.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Run folder to use instead of `<output>/<name>/<timestamp>`.
    pub output: Option<PathBuf>,
}

/// What a finished (or stopped) run produced.
#[derive(Debug)]
pub struct RunSummary {
    /// The run folder.
    pub dir: PathBuf,
    /// Everything written to `results.json`.
    pub results: RunResults,
}

/// Run an experiment to the end (or until stopped).
pub fn run(
    exp: &Experiment,
    plugins: &PluginSet,
    opts: &RunOptions,
    sink: &mut dyn EventSink,
    stop: &StopHandle,
) -> Result<RunSummary> {
    // Components first: an unknown name or a bad parameter fails before any work is done.
    let extractors = components::check(exp, plugins)?;

    // The run folder, before any training: an unwritable output fails now.
    let dir = match &opts.output {
        Some(d) => d.clone(),
        None => exp.meta.output.join(&exp.meta.name).join(timestamp()),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let resolved = components::resolved_config(exp, plugins);
    results::write_atomic(&dir.join("config.toml"), resolved.as_bytes())?;

    let loaded = exp.corpus.load(&exp.meta.output)?;
    let mut skipped: Vec<Skipped> = loaded.skipped;
    let corpus = loaded.corpus;
    for s in &skipped {
        sink.emit(RunEvent::Warning {
            message: format!("skipped {}: {}", s.path.display(), s.reason),
        });
    }

    let feats = extract::extract_all(exp, &corpus, &extractors, &mut skipped, sink, stop)?;
    let total = corpus.utterances.len();
    let keep: Vec<usize> = (0..total).filter(|&i| feats[i].is_some()).collect();
    if keep.is_empty() {
        return Err(Error::Corpus {
            path: exp.file.clone(),
            message: "no utterance could be used; see the skipped files".into(),
        });
    }
    let labels = corpus.label_indices();
    let mut speakers: Vec<String> = keep
        .iter()
        .map(|&i| corpus.utterances[i].speaker.clone())
        .collect();
    speakers.sort();
    speakers.dedup();
    let sessions = protocol::speaker_sessions(keep.iter().map(|&i| &corpus.utterances[i]))?;
    let folds: Vec<Fold> = exp
        .protocol
        .folds_with_sessions(&speakers, &sessions, exp.meta.seed)?;
    if exp.protocol.allow_speaker_overlap {
        sink.emit(RunEvent::Warning {
            message:
                "protocol.allow_speaker_overlap = true: results may NOT be speaker-independent"
                    .into(),
        });
    }

    let mut systems: Vec<String> = exp.models.iter().map(|m| m.id.clone()).collect();
    if let Some(f) = &exp.fusion {
        systems.push(f.id.clone());
    }
    let mut res = RunResults {
        serlab_version: env!("CARGO_PKG_VERSION").into(),
        experiment: exp.meta.name.clone(),
        seed: exp.meta.seed,
        status: "running".into(),
        classes: corpus.classes.clone(),
        corpus: serde_json::json!({ "name": corpus.name, "utterances": keep.len(), "skipped": skipped }),
        plugins: plugins
            .plugins
            .iter()
            .map(|p| serde_json::json!({ "name": p.name, "version": p.version, "path": p.path }))
            .collect(),
        systems: systems.clone(),
        folds: Vec::new(),
        pooled: BTreeMap::new(),
        fold_mean: BTreeMap::new(),
        per_speaker: BTreeMap::new(),
    };
    let mut predictions: Vec<Prediction> = Vec::new();
    sink.emit(RunEvent::RunStarted {
        name: exp.meta.name.clone(),
        folds: folds.len(),
        models: exp.models.iter().map(|m| m.id.clone()).collect(),
        classes: corpus.classes.clone(),
    });

    let data = FoldData {
        corpus: &corpus,
        feats: &feats,
        keep: &keep,
        labels: &labels,
    };
    let mut stopped = false;
    for fold in &folds {
        sink.emit(RunEvent::FoldStarted {
            fold: fold.index,
            folds: folds.len(),
            test_speakers: fold.test.clone(),
            validation_speakers: fold.validation.clone(),
        });
        match fold::run_fold(exp, plugins, &data, fold, sink, stop)? {
            FoldEnd::Done(fr, p) => {
                res.folds.push(fr);
                predictions.extend(p);
                res.summarise(&predictions);
                results::write(&dir, &res, &predictions)?;
                sink.emit(RunEvent::FoldFinished { fold: fold.index });
            }
            FoldEnd::Skipped => {}
            FoldEnd::Stopped => {
                stopped = true;
                break;
            }
        }
    }
    res.status = if stopped { "stopped" } else { "finished" }.into();
    res.summarise(&predictions);
    results::write(&dir, &res, &predictions)?;
    sink.emit(RunEvent::RunFinished {
        output: dir.display().to_string(),
        stopped,
    });
    Ok(RunSummary { dir, results: res })
}

/// Load the `results.json` of a run folder.
pub fn load_results(dir: &Path) -> Result<RunResults> {
    let p = dir.join("results.json");
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Corpus {
        path: p,
        message: format!("not a serlab results file: {e}"),
    })
}
