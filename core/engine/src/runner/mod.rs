//! The runner: corpus → features → folds → models → fusion → metrics → run folder.
//!
//! It owns no rendering: it emits [`RunEvent`]s into whatever sink it is given, and checks
//! the [`StopHandle`] between models and folds (models check it between steps).
//!
//! Reliability: every file is written atomically (temporary + rename). Each finished fold
//! is written at once as a fold part (`folds/fold-<k>.json`) and each fitted model as a
//! checkpoint (`checkpoints/fold-<k>/<model-id>.model`); `results.json` and
//! `predictions.csv` are assembled from the parts after every fold. So a run killed at any
//! moment keeps everything it finished, [`RunOptions::resume`] continues it, and the folds
//! of one experiment can run as separate processes ([`RunOptions::fold`]) and be pooled by
//! [`merge`] into exactly the files a single run writes.
//!
//! Files: `components.rs` (checking and resolving the experiment's components),
//! `folder.rs` (claiming the run folder), `extract.rs` (features of the whole corpus),
//! `fold.rs` (one fold's models and fusion), `writer.rs` (the one writer of the run folder:
//! results, predictions, parts, epoch log, plots), [`parts`] (fold parts and their pooling),
//! [`checkpoint`] (model checkpoints), `merge.rs` (pooling `--fold` parts), `timestamp.rs`.

pub mod checkpoint;
pub(crate) mod components;
pub(crate) mod extract;
mod fold;
mod folder;
pub mod integrity;
mod merge;
pub mod parts;
pub(crate) mod systems;
mod timestamp;
mod writer;

pub(crate) use components::resolved_params;
pub use merge::merge;
pub use timestamp::timestamp;

use crate::config::Experiment;
use crate::corpus::Skipped;
use crate::plugin::PluginSet;
use crate::protocol::Fold;
use crate::results::{Resumption, RunResults};
use crate::{Error, EventSink, Result, RunEvent, StopHandle};
use fold::{Checkpoints, FoldData, FoldEnd};
use parts::FoldPart;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Options that are not part of the experiment.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Run folder to use instead of `<output>/<name>/<timestamp>`.
    pub output: Option<PathBuf>,
    /// Continue the run in `output`: its finished folds are kept, models with a checkpoint
    /// on an unfinished fold are restored rather than fitted, the rest is run. The folder's
    /// `config.toml` must be this experiment's.
    pub resume: bool,
    /// Run only this fold (from 0) and write its part into the run folder, for
    /// [`merge`] to pool with the other folds' parts; `results.json` and `predictions.csv`
    /// are left to the merge. Such a task keeps what it finds of its own fold (a finished
    /// part, checkpoints), so a requeued task continues where it was killed.
    pub fold: Option<usize>,
    /// Feature cache to take features from and store them in (none: always extract).
    pub cache: Option<std::sync::Arc<dyn crate::cache::FeatureCache>>,
}

/// What a finished (or stopped) run produced.
#[derive(Debug)]
pub struct RunSummary {
    /// The run folder.
    pub dir: PathBuf,
    /// Everything written to `results.json` (with `--fold`: the fold's part).
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
    if opts.resume && opts.output.is_none() {
        return Err(Error::invalid(
            "resuming needs the run folder to resume (RunOptions::output)",
        ));
    }
    // Names and parameters checked against the plugins, placed at their line in the file.
    let mut bound = exp.clone();
    bound.bind_plugins(plugins)?;
    let exp = &bound;
    // Components first: an unknown name or a bad parameter fails before any work is done.
    let (extractors, transcriber) = components::check(exp, plugins)?;

    // The run folder, before any training: an unwritable output fails now.
    let dir = folder::choose(exp, opts)?;
    let mut locks = folder::Locks::open(&dir, opts.fold)?;
    let _held = locks.hold(&dir)?;
    folder::claim(&dir, &components::resolved_config(exp, plugins), opts)?;
    // How the previous attempt ended: the status it left (a killed one still says
    // `running`; the lock above proves it is no longer running), or no results at all.
    let previous = if opts.resume && opts.fold.is_none() {
        Some(load_results(&dir).ok())
    } else {
        None
    };

    let mut writer = writer::FolderWriter::new(&dir, opts.fold.is_some(), sink);
    let out = run_in(
        exp,
        plugins,
        opts,
        &extractors,
        transcriber.as_ref(),
        previous,
        &mut writer,
        stop,
    );
    if let Err(e) = &out {
        writer.failed(e);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn run_in(
    exp: &Experiment,
    plugins: &PluginSet,
    opts: &RunOptions,
    extractors: &[components::Extractor],
    transcriber: Option<&components::Transcriber>,
    previous: Option<Option<RunResults>>,
    writer: &mut writer::FolderWriter<'_>,
    stop: &StopHandle,
) -> Result<RunSummary> {
    let dir = writer.dir().to_path_buf();
    let loaded = exp.corpus.load(&exp.meta.output)?;
    let mut skipped: Vec<Skipped> = loaded.skipped;
    let corpus = loaded.corpus;
    for s in &skipped {
        writer.emit(RunEvent::Warning {
            message: format!("skipped {}: {}", s.path.display(), s.reason),
        });
    }

    let feats = match extract::extract_all(
        exp,
        &corpus,
        extractors,
        transcriber,
        opts,
        &mut skipped,
        writer,
        stop,
    ) {
        Err(Error::Stopped) => {
            let res = writer.stopped_early(new_header(exp, plugins, &corpus, 0, &skipped))?;
            return Ok(RunSummary { dir, results: res });
        }
        r => r?,
    };
    let total = corpus.utterances.len();
    let keep: Vec<usize> = (0..total).filter(|&i| feats[i].is_some()).collect();
    if keep.is_empty() {
        return Err(Error::Corpus {
            path: exp.file.clone(),
            message: "no utterance could be used; see the skipped files".into(),
        });
    }
    let labels = corpus.label_indices();
    let folds = make_folds(exp, &corpus, &keep)?;
    if exp.protocol.allow_speaker_overlap {
        writer.emit(RunEvent::Warning {
            message:
                "protocol.allow_speaker_overlap = true: results may NOT be speaker-independent"
                    .into(),
        });
    }
    let todo: Vec<&Fold> = match opts.fold {
        None => folds.iter().collect(),
        Some(k) => vec![folds.get(k).ok_or_else(|| {
            Error::invalid(format!(
                "--fold {k}: this experiment has {} folds, numbered 0 to {}",
                folds.len(),
                folds.len().saturating_sub(1)
            ))
        })?],
    };

    let mut header = new_header(exp, plugins, &corpus, keep.len(), &skipped);
    let kept = kept_parts(&dir, opts, &header, &folds, writer)?;
    if let Some(prev) = previous {
        let after = match &prev {
            Some(r) if r.status == "running" => "killed".to_string(),
            Some(r) => r.status.clone(),
            None => "before-results".to_string(),
        };
        header.resumed = prev.map(|r| r.resumed).unwrap_or_default();
        header.resumed.push(Resumption {
            at: timestamp(),
            after,
            folds_kept: kept.keys().copied().collect(),
        });
    }
    writer.begin(header.clone(), kept)?;
    writer.emit(RunEvent::RunStarted {
        name: exp.meta.name.clone(),
        folds: todo.len(),
        models: exp.models.iter().map(|m| m.id.clone()).collect(),
        classes: corpus.classes.clone(),
    });

    let data = FoldData {
        corpus: &corpus,
        feats: &feats,
        keep: &keep,
        labels: &labels,
    };
    let ckpt = Checkpoints {
        run: &dir,
        reuse: opts.resume || opts.fold.is_some(),
    };
    let mut stopped = false;
    for fold in todo {
        writer.emit(RunEvent::FoldStarted {
            fold: fold.index,
            folds: folds.len(),
            test_speakers: fold.test.clone(),
            validation_speakers: fold.validation.clone(),
        });
        if let Some(part) = writer.done().get(&fold.index) {
            let events = replay(part);
            events.into_iter().for_each(|e| writer.emit(e));
            writer.emit(RunEvent::FoldFinished { fold: fold.index });
            continue;
        }
        match fold::run_fold(exp, plugins, &data, fold, &ckpt, writer, stop)? {
            FoldEnd::Done(fr, predictions) => {
                let mut results = header.clone();
                results.status = "finished".into();
                results.resumed.clear();
                results.folds = vec![fr];
                results.summarise(&predictions);
                writer.fold_finished(FoldPart {
                    folds: folds.len(),
                    results,
                    predictions,
                })?;
                writer.emit(RunEvent::FoldFinished { fold: fold.index });
            }
            FoldEnd::Skipped => writer.fold_skipped(fold.index)?,
            FoldEnd::Stopped => {
                stopped = true;
                break;
            }
        }
    }
    let results = writer.finish(stopped, opts.fold)?;
    Ok(RunSummary { dir, results })
}

/// Finished folds kept from an earlier attempt (resume) or an earlier task (`--fold`),
/// each checked to belong to this run.
fn kept_parts(
    dir: &Path,
    opts: &RunOptions,
    header: &RunResults,
    folds: &[Fold],
    warn: &mut dyn EventSink,
) -> Result<BTreeMap<usize, FoldPart>> {
    let mut kept = BTreeMap::new();
    if opts.resume || opts.fold.is_some() {
        for (k, part) in parts::read_all(dir)? {
            if opts.fold.is_some_and(|f| f != k) {
                continue;
            }
            let file = parts::path(dir, k);
            if let Some(why) = integrity::doubt(&file) {
                warn.emit(RunEvent::Warning {
                    message: format!(
                        "fold {k}: part {} is not reused, {why}; the fold runs again",
                        file.display()
                    ),
                });
                continue;
            }
            check_part(header, folds, &part, &file)?;
            kept.insert(k, part);
        }
    }
    Ok(kept)
}

/// The results of a run before its first fold: status `running`, no folds.
fn new_header(
    exp: &Experiment,
    plugins: &PluginSet,
    corpus: &crate::Corpus,
    used: usize,
    skipped: &[Skipped],
) -> RunResults {
    let mut systems: Vec<String> = exp.models.iter().map(|m| m.id.clone()).collect();
    systems.extend(exp.fusions.iter().map(|f| f.id.clone()));
    RunResults {
        serlab_version: env!("CARGO_PKG_VERSION").into(),
        experiment: exp.meta.name.clone(),
        seed: exp.meta.seed,
        status: "running".into(),
        error: None,
        resumed: Vec::new(),
        skipped_folds: Vec::new(),
        classes: corpus.classes.clone(),
        corpus: serde_json::json!({ "name": corpus.name, "utterances": used, "skipped": skipped }),
        plugins: plugins
            .plugins
            .iter()
            .map(|p| serde_json::json!({ "name": p.name, "version": p.version, "path": p.path }))
            .collect(),
        systems,
        folds: Vec::new(),
        pooled: BTreeMap::new(),
        fold_mean: BTreeMap::new(),
        per_speaker: BTreeMap::new(),
        metrics: exp.metrics.clone(),
        warnings: Vec::new(),
    }
}

/// The folds of the protocol over utterances `keep`: by their speakers (and sessions), or
/// by their official split.
fn make_folds(exp: &Experiment, corpus: &crate::Corpus, keep: &[usize]) -> Result<Vec<Fold>> {
    exp.protocol
        .folds_for(keep.iter().map(|&i| &corpus.utterances[i]), exp.meta.seed)
        .map_err(|e| match e {
            // Placed at the file's [protocol] table, like every other experiment error.
            Error::Protocol(message) => protocol_error(exp, message),
            e => e,
        })
}

/// A protocol that does not fit the corpus, as an [`Error::Config`] at `file:line` of the
/// `[protocol]` table (or the file alone when it has none: the defaults did not fit).
fn protocol_error(exp: &Experiment, message: String) -> Error {
    let file = exp.file.display().to_string();
    match std::fs::read_to_string(&exp.file)
        .ok()
        .and_then(|text| crate::config::origin::Origin::parse(&file, &text).ok())
    {
        Some(o) => o.error_at(o.table_offset("protocol"), "protocol", message),
        None => Error::config(file, "protocol", message),
    }
}

/// The folds an experiment will run, from its corpus listing alone (no feature is
/// extracted): what a job array needs to know to start one task per fold. A speaker all of
/// whose files turn out unusable during extraction would be left out of the run's folds.
pub fn plan(exp: &Experiment) -> Result<Vec<Fold>> {
    let corpus = exp.corpus.load(&exp.meta.output)?.corpus;
    let all: Vec<usize> = (0..corpus.utterances.len()).collect();
    make_folds(exp, &corpus, &all)
}

/// Refuse a fold part that does not belong to this run: another experiment's header, or
/// a fold whose speakers are not the ones this run's protocol gives that fold.
fn check_part(header: &RunResults, folds: &[Fold], part: &FoldPart, file: &Path) -> Result<()> {
    let f = &part.results.folds[0];
    let why =
        parts::header_difference(header, folds.len(), &part.results, part.folds).or_else(|| {
            match folds.get(f.index) {
                Some(fold)
                    if fold.train == f.train_speakers
                        && fold.validation == f.validation_speakers
                        && fold.test == f.test_speakers =>
                {
                    None
                }
                _ => Some("speakers"),
            }
        });
    match why {
        None => Ok(()),
        Some(what) => Err(Error::RunFolder {
            path: file.to_path_buf(),
            message: format!(
                "fold {} was made by another run (its {what} differ from this run's); \
                 remove it or use another run folder",
                f.index
            ),
        }),
    }
}

/// What a kept fold scored, as the events it would have emitted had it just run.
fn replay(part: &FoldPart) -> Vec<RunEvent> {
    let f = &part.results.folds[0];
    part.results
        .systems
        .iter()
        .filter_map(|sys| {
            f.systems.get(sys).map(|s| RunEvent::Evaluated {
                fold: f.index,
                model: sys.clone(),
                ua: s.ua,
                wa: s.wa,
                confusion: s.confusion.clone(),
            })
        })
        .collect()
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
