//! The runner: corpus → features → folds → models → fusion → metrics → run folder.
//!
//! It owns no rendering: it emits [`RunEvent`]s into whatever sink it is given, and checks
//! the [`StopHandle`] between models and folds (models check it between steps). Results
//! are written after every fold, so nothing finished is lost when a run stops or fails.

use crate::cache::{self, ConfiguredExtractor, FeatureCache};
use crate::config::Experiment;
use crate::corpus::Skipped;
use crate::metrics::{argmax, Confusion};
use crate::model::{FitContext, LabeledSet};
use crate::plugin::{ComponentKind, PluginSet};
use crate::protocol::{self, Fold};
use crate::results::{self, FoldResult, Prediction, RunResults, Scores};
use crate::{Error, EventSink, Features, Result, RunEvent, StopHandle};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options that are not part of the experiment.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Run folder to use instead of `<output>/<name>/<timestamp>`.
    pub output: Option<PathBuf>,
    /// Feature cache to take features from and store them in (none: always extract).
    pub cache: Option<Arc<dyn FeatureCache>>,
}

/// What a finished (or stopped) run produced.
#[derive(Debug)]
pub struct RunSummary {
    /// The run folder.
    pub dir: PathBuf,
    /// Everything written to `results.json`.
    pub results: RunResults,
}

/// `YYYYMMDD-HHMMSS` in UTC, for run folder names.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86400) as i64, secs % 86400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn derive_seed(seed: u64, fold: usize, model: &str) -> u64 {
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for b in model.bytes().chain((fold as u64).to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn params_text(t: &toml::Table) -> String {
    toml::to_string(t).expect("a TOML table serialises")
}

/// Merge the user's parameters over the component's defaults (for the resolved config).
pub(crate) fn resolved_params(
    plugins: &PluginSet,
    kind: ComponentKind,
    name: &str,
    user: &toml::Table,
) -> Option<toml::Table> {
    let (_, info) = plugins.info(kind, name).ok()?;
    let mut t: toml::Table = info.defaults.parse().ok()?;
    for (k, v) in user {
        t.insert(k.clone(), v.clone());
    }
    Some(t)
}

/// Run an experiment to the end (or until stopped).
pub fn run(
    exp: &Experiment,
    plugins: &PluginSet,
    opts: &RunOptions,
    sink: &mut dyn EventSink,
    stop: &StopHandle,
) -> Result<RunSummary> {
    // Names and parameters checked against the plugins, placed at their line in the file.
    let mut bound = exp.clone();
    bound.bind_plugins(plugins)?;
    let exp = &bound;
    let fail_fast = exp.meta.fail_fast;
    // Components first: an unknown name or a bad parameter fails before any work is done.
    let mut extractors = Vec::new();
    for f in &exp.features {
        extractors.push(ConfiguredExtractor::new(plugins, f)?);
    }
    for m in &exp.models {
        drop(plugins.model(&m.model, &params_text(&m.params))?);
    }
    if let Some(f) = &exp.fusion {
        drop(plugins.fusion(&f.method, &params_text(&f.params))?);
    }

    // The run folder, before any training: an unwritable output fails now.
    let dir = match &opts.output {
        Some(d) => d.clone(),
        None => exp.meta.output.join(&exp.meta.name).join(timestamp()),
    };
    crate::preflight::prepare_run_dir(&dir)?;
    let resolved = exp.to_toml(&|key: &str| {
        if let Some(id) = key.strip_prefix("features.") {
            let f = exp.features.iter().find(|f| f.id == id)?;
            resolved_params(plugins, ComponentKind::Extractor, &f.extractor, &f.params)
        } else if let Some(id) = key.strip_prefix("models.") {
            let m = exp.models.iter().find(|m| m.id == id)?;
            resolved_params(plugins, ComponentKind::Model, &m.model, &m.params)
        } else {
            let f = exp.fusion.as_ref()?;
            resolved_params(plugins, ComponentKind::Fusion, &f.method, &f.params)
        }
    });
    results::write_atomic(&dir.join("config.toml"), resolved.as_bytes())?;

    let loaded = exp.corpus.load(&exp.meta.output)?;
    let mut skipped: Vec<Skipped> = loaded.skipped;
    let corpus = loaded.corpus;
    for s in &skipped {
        sink.emit(RunEvent::Warning {
            message: format!("skipped {}: {}", s.path.display(), s.reason),
        });
    }

    // Features, in parallel over files; audio decoded once per sample rate.
    let total = corpus.utterances.len();
    let mut feats: Vec<Option<HashMap<String, Features>>> = Vec::with_capacity(total);
    let stage = format!(
        "features:{}",
        exp.features
            .iter()
            .map(|f| f.id.as_str())
            .collect::<Vec<_>>()
            .join("+")
    );
    sink.emit(RunEvent::Progress {
        stage: stage.clone(),
        done: 0,
        total,
    });
    for chunk in corpus.utterances.chunks(64) {
        if stop.should_halt() {
            if stop.reason() == crate::events::StopReason::SkipFold {
                // No fold is running yet, so there is nothing to skip.
                stop.clear_skip();
            } else {
                let res = new_results(exp, plugins, &corpus, 0, &skipped);
                return finish_stopped(dir, res, sink);
            }
        }
        let out: Vec<Result<cache::Extracted>> = chunk
            .par_iter()
            .map(|u| cache::extract_utterance(&u.audio, &extractors, opts.cache.as_deref()))
            .collect();
        for (u, r) in chunk.iter().zip(out) {
            match r {
                Ok(x) => feats.push(Some(x.features)),
                Err(e) if fail_fast => return Err(e),
                Err(e) => {
                    sink.emit(RunEvent::Warning {
                        message: format!("skipped: {e}"),
                    });
                    skipped.push(Skipped {
                        path: u.audio.clone(),
                        reason: e.to_string(),
                    });
                    feats.push(None);
                }
            }
        }
        sink.emit(RunEvent::Progress {
            stage: stage.clone(),
            done: feats.len(),
            total,
        });
        cache_warnings(opts, sink);
    }
    if let Some(c) = &opts.cache {
        c.flush();
        cache_warnings(opts, sink);
    }
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

    let mut res = new_results(exp, plugins, &corpus, keep.len(), &skipped);
    let mut predictions: Vec<Prediction> = Vec::new();
    sink.emit(RunEvent::RunStarted {
        name: exp.meta.name.clone(),
        folds: folds.len(),
        models: exp.models.iter().map(|m| m.id.clone()).collect(),
        classes: corpus.classes.clone(),
    });

    let mut stopped = false;
    'folds: for fold in &folds {
        sink.emit(RunEvent::FoldStarted {
            fold: fold.index,
            folds: folds.len(),
            test_speakers: fold.test.clone(),
            validation_speakers: fold.validation.clone(),
        });
        let pick = |group: &[String]| -> Vec<usize> {
            keep.iter()
                .copied()
                .filter(|&i| group.contains(&corpus.utterances[i].speaker))
                .collect()
        };
        let (tr, va, te) = (pick(&fold.train), pick(&fold.validation), pick(&fold.test));
        let mut fr = FoldResult {
            index: fold.index,
            train_speakers: fold.train.clone(),
            validation_speakers: fold.validation.clone(),
            test_speakers: fold.test.clone(),
            systems: BTreeMap::new(),
            failures: BTreeMap::new(),
        };
        let mut valid_probs: Vec<Vec<Vec<f32>>> = Vec::new();
        let mut test_probs: Vec<Vec<Vec<f32>>> = Vec::new();
        let mut members_ok: Vec<String> = Vec::new();
        let test_labels: Vec<usize> = te.iter().map(|&i| labels[i]).collect();
        let valid_labels: Vec<usize> = va.iter().map(|&i| labels[i]).collect();

        for m in &exp.models {
            match stop.reason() {
                crate::events::StopReason::Stop => {
                    stopped = true;
                    break 'folds;
                }
                crate::events::StopReason::SkipFold => {
                    stop.clear_skip();
                    sink.emit(RunEvent::Warning {
                        message: format!("fold {} skipped by the user", fold.index),
                    });
                    continue 'folds;
                }
                crate::events::StopReason::None => {}
            }
            sink.emit(RunEvent::ModelStarted {
                fold: fold.index,
                model: m.id.clone(),
            });
            let gather = |idx: &[usize]| Columns {
                x: idx
                    .iter()
                    .map(|&i| &feats[i].as_ref().expect("kept")[&m.features])
                    .collect(),
                y: idx.iter().map(|&i| labels[i]).collect(),
                s: idx
                    .iter()
                    .map(|&i| corpus.utterances[i].speaker.as_str())
                    .collect(),
                v: idx.iter().map(|&i| corpus.utterances[i].vad).collect(),
            };
            let (trc, vac, tec) = (gather(&tr), gather(&va), gather(&te));
            let (train, valid) = (trc.set(&corpus.classes), vac.set(&corpus.classes));
            let (va_x, te_x) = (&vac.x, &tec.x);
            let outcome = (|| -> Result<(Probs, Probs)> {
                let mut model = plugins.model(&m.model, &params_text(&m.params))?;
                let mut ctx = FitContext {
                    events: &mut *sink,
                    stop,
                    seed: derive_seed(exp.meta.seed, fold.index, &m.id),
                    fold: fold.index,
                    model_id: &m.id,
                };
                model.fit(&train, &valid, &mut ctx)?;
                let vp = if va_x.is_empty() {
                    Vec::new()
                } else {
                    model.predict_proba(va_x)?
                };
                let tp = model.predict_proba(te_x)?;
                check_probs(&m.id, &tp, te_x.len(), corpus.classes.len())?;
                check_probs(&m.id, &vp, va_x.len(), corpus.classes.len())?;
                Ok((vp, tp))
            })();
            match outcome {
                Ok((vp, tp)) => {
                    record(
                        &mut fr,
                        &mut predictions,
                        sink,
                        fold.index,
                        &m.id,
                        &te,
                        &corpus,
                        &test_labels,
                        &tp,
                    );
                    valid_probs.push(vp);
                    test_probs.push(tp);
                    members_ok.push(m.id.clone());
                }
                Err(Error::Stopped) => {
                    if stop.reason() == crate::events::StopReason::SkipFold {
                        stop.clear_skip();
                        sink.emit(RunEvent::Warning {
                            message: format!("fold {} skipped by the user", fold.index),
                        });
                        continue 'folds;
                    }
                    stopped = true;
                    break 'folds;
                }
                Err(e) if fail_fast => return Err(e),
                Err(e) => {
                    sink.emit(RunEvent::Warning {
                        message: format!("model `{}` failed on fold {}: {e}", m.id, fold.index),
                    });
                    fr.failures.insert(m.id.clone(), e.to_string());
                }
            }
        }

        if let Some(fspec) = &exp.fusion {
            let idx: Vec<usize> = members_ok
                .iter()
                .enumerate()
                .filter(|(_, id)| fspec.members.contains(id))
                .map(|(i, _)| i)
                .collect();
            if !idx.is_empty() {
                let vp: Vec<Vec<Vec<f32>>> = idx.iter().map(|&i| valid_probs[i].clone()).collect();
                let tp: Vec<Vec<Vec<f32>>> = idx.iter().map(|&i| test_probs[i].clone()).collect();
                let fused = (|| -> Result<Vec<Vec<f32>>> {
                    let mut f = plugins.fusion(&fspec.method, &params_text(&fspec.params))?;
                    f.fit(&vp, &valid_labels)?;
                    let out = f.combine(&tp)?;
                    check_probs(&fspec.id, &out, te.len(), corpus.classes.len())?;
                    Ok(out)
                })();
                match fused {
                    Ok(p) => record(
                        &mut fr,
                        &mut predictions,
                        sink,
                        fold.index,
                        &fspec.id,
                        &te,
                        &corpus,
                        &test_labels,
                        &p,
                    ),
                    Err(e) if fail_fast => return Err(e),
                    Err(e) => {
                        sink.emit(RunEvent::Warning {
                            message: format!(
                                "fusion `{}` failed on fold {}: {e}",
                                fspec.id, fold.index
                            ),
                        });
                        fr.failures.insert(fspec.id.clone(), e.to_string());
                    }
                }
            }
        }
        res.folds.push(fr);
        res.summarise(&predictions);
        results::write(&dir, &res, &predictions)?;
        sink.emit(RunEvent::FoldFinished { fold: fold.index });
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

/// The results of a run before its first fold: status `running`, no folds.
fn new_results(
    exp: &Experiment,
    plugins: &PluginSet,
    corpus: &crate::Corpus,
    used: usize,
    skipped: &[Skipped],
) -> RunResults {
    let mut systems: Vec<String> = exp.models.iter().map(|m| m.id.clone()).collect();
    if let Some(f) = &exp.fusion {
        systems.push(f.id.clone());
    }
    RunResults {
        serlab_version: env!("CARGO_PKG_VERSION").into(),
        experiment: exp.meta.name.clone(),
        seed: exp.meta.seed,
        status: "running".into(),
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
    }
}

/// A run stopped during feature extraction still leaves a consistent run folder:
/// `results.json` with status `stopped` and no folds, next to its `config.toml`.
fn finish_stopped(
    dir: PathBuf,
    mut res: RunResults,
    sink: &mut dyn EventSink,
) -> Result<RunSummary> {
    res.status = "stopped".into();
    results::write(&dir, &res, &[])?;
    sink.emit(RunEvent::RunFinished {
        output: dir.display().to_string(),
        stopped: true,
    });
    Ok(RunSummary { dir, results: res })
}

/// Hand the cache's problems (corrupt files rebuilt, failed writes) to the sink.
fn cache_warnings(opts: &RunOptions, sink: &mut dyn EventSink) {
    for message in opts.cache.iter().flat_map(|c| c.take_warnings()) {
        sink.emit(RunEvent::Warning { message });
    }
}

/// Class probabilities, one row per utterance.
type Probs = Vec<Vec<f32>>;

/// The per-utterance columns of one subset, owned for the duration of a fit.
struct Columns<'a> {
    x: Vec<&'a Features>,
    y: Vec<usize>,
    s: Vec<&'a str>,
    v: Vec<Option<[f32; 3]>>,
}

impl<'a> Columns<'a> {
    fn set(&'a self, classes: &'a [String]) -> LabeledSet<'a> {
        LabeledSet {
            inputs: &self.x,
            labels: &self.y,
            speakers: &self.s,
            vad: &self.v,
            classes,
        }
    }
}

fn check_probs(system: &str, p: &[Vec<f32>], n: usize, k: usize) -> Result<()> {
    if p.len() != n {
        return Err(Error::invalid(format!(
            "`{system}` returned {} probability rows for {n} utterances",
            p.len()
        )));
    }
    if let Some((i, row)) = p
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != k || r.iter().any(|x| !x.is_finite()))
    {
        return Err(Error::invalid(format!(
            "`{system}` returned an invalid probability row {i}: {row:?} ({k} classes expected)"
        )));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record(
    fr: &mut FoldResult,
    predictions: &mut Vec<Prediction>,
    sink: &mut dyn EventSink,
    fold: usize,
    system: &str,
    idx: &[usize],
    corpus: &crate::Corpus,
    truth: &[usize],
    probs: &[Vec<f32>],
) {
    let pred: Vec<usize> = probs.iter().map(|p| argmax(p)).collect();
    let c = Confusion::new(truth, &pred, corpus.classes.len());
    sink.emit(RunEvent::Evaluated {
        fold,
        model: system.into(),
        ua: c.ua(),
        wa: c.wa(),
        confusion: c.counts.clone(),
    });
    fr.systems.insert(system.into(), Scores::of(&c));
    for ((&i, &label), p) in idx.iter().zip(truth).zip(probs) {
        let u = &corpus.utterances[i];
        predictions.push(Prediction {
            utterance: u.id.clone(),
            speaker: u.speaker.clone(),
            fold,
            system: system.into(),
            label,
            probs: p.clone(),
            vad: u.vad,
            vad_pred: None,
        });
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_has_the_documented_shape() {
        let t = timestamp();
        assert_eq!(t.len(), 15, "{t}");
        assert_eq!(&t[8..9], "-");
        assert!(t.starts_with("20"));
    }
}
