//! One fold: every model fitted on the training speakers (selecting on the validation
//! speakers) and asked for the test speakers' class probabilities, then the fusion of the
//! members that succeeded. A fold is self-contained, so folds can run in any order, on
//! any machine, and be pooled afterwards.
//!
//! Each fitted model is saved as a checkpoint; when `reuse` is set (a resumed run, a
//! requeued fold task) a model whose checkpoint exists is restored instead of fitted, so a
//! run killed in the middle of a fold loses at most the model being fitted.

use super::checkpoint;
use super::components::{derive_seed, params_text};
use super::extract::CorpusFeatures;
use super::systems::{self, FusionState, Probs, Vads};
use crate::config::{Experiment, ModelSpec};
use crate::events::StopReason;
use crate::metrics::{argmax, Confusion};
use crate::model::{FitContext, LabeledSet};
use crate::plugin::{Hosted, PluginSet};
use crate::protocol::Fold;
use crate::results::{FoldResult, Prediction, Scores};
use crate::{Corpus, Error, EventSink, Features, Model, Result, RunEvent, Split, StopHandle};
use std::collections::BTreeMap;
use std::path::Path;

/// What every fold reads: the corpus, its features and labels.
pub(crate) struct FoldData<'a> {
    /// The corpus.
    pub corpus: &'a Corpus,
    /// Features per utterance (`None`: skipped).
    pub feats: &'a CorpusFeatures,
    /// Indices of the utterances that are used.
    pub keep: &'a [usize],
    /// Class index per utterance.
    pub labels: &'a [usize],
}

/// How a fold ended.
pub(crate) enum FoldEnd {
    /// Every system was fitted (or failed alone); its scores and test predictions.
    Done(FoldResult, Vec<Prediction>),
    /// The user skipped the fold.
    Skipped,
    /// The user stopped the run.
    Stopped,
}

/// Where a fold keeps its model checkpoints.
pub(crate) struct Checkpoints<'a> {
    /// The run folder.
    pub run: &'a Path,
    /// Restore models whose checkpoint exists instead of fitting them.
    pub reuse: bool,
}

/// Run fold `fold`: its models, then their fusion.
pub(crate) fn run_fold(
    exp: &Experiment,
    plugins: &PluginSet,
    data: &FoldData<'_>,
    fold: &Fold,
    ckpt: &Checkpoints<'_>,
    sink: &mut dyn EventSink,
    stop: &StopHandle,
) -> Result<FoldEnd> {
    let fail_fast = exp.meta.fail_fast;
    let corpus = data.corpus;
    let pick = |part: Split| -> Vec<usize> {
        data.keep
            .iter()
            .copied()
            .filter(|&i| exp.protocol.part(fold, &corpus.utterances[i]) == Some(part))
            .collect()
    };
    let (tr, va, te) = (
        pick(Split::Train),
        pick(Split::Validation),
        pick(Split::Test),
    );
    let mut fr = FoldResult {
        index: fold.index,
        train_speakers: fold.train.clone(),
        validation_speakers: fold.validation.clone(),
        test_speakers: fold.test.clone(),
        systems: BTreeMap::new(),
        failures: BTreeMap::new(),
    };
    let mut predictions = Vec::new();
    let mut valid_probs: Vec<Probs> = Vec::new();
    let mut test_probs: Vec<Probs> = Vec::new();
    let mut members_ok: Vec<String> = Vec::new();
    let test_labels: Vec<usize> = te.iter().map(|&i| data.labels[i]).collect();
    let valid_labels: Vec<usize> = va.iter().map(|&i| data.labels[i]).collect();
    let skipped = |sink: &mut dyn EventSink| {
        stop.clear_skip();
        sink.emit(RunEvent::Warning {
            message: format!("fold {} skipped by the user", fold.index + 1),
        });
        Ok(FoldEnd::Skipped)
    };

    for m in &exp.models {
        match stop.reason() {
            StopReason::Stop => return Ok(FoldEnd::Stopped),
            StopReason::SkipFold => return skipped(sink),
            StopReason::None => {}
        }
        sink.emit(RunEvent::ModelStarted {
            fold: fold.index,
            model: m.id.clone(),
        });
        let gather = |idx: &[usize]| Columns {
            x: idx
                .iter()
                .map(|&i| &data.feats[i].as_ref().expect("kept")[&m.features])
                .collect(),
            y: idx.iter().map(|&i| data.labels[i]).collect(),
            s: idx
                .iter()
                .map(|&i| corpus.utterances[i].speaker.as_str())
                .collect(),
            v: idx.iter().map(|&i| corpus.utterances[i].vad).collect(),
            a: idx
                .iter()
                .map(|&i| crate::AuxLabels {
                    gender: corpus.utterances[i].gender,
                    intensity: corpus.utterances[i].intensity,
                })
                .collect(),
        };
        let (trc, vac, tec) = (gather(&tr), gather(&va), gather(&te));
        let (train, valid) = (trc.set(&corpus.classes), vac.set(&corpus.classes));
        let (va_x, te_x) = (&vac.x, &tec.x);
        let outcome = (|| -> Result<(Probs, Probs, Option<Vads>)> {
            let member = Member {
                spec: m,
                fold: fold.index,
            };
            let model = fitted(exp, plugins, member, ckpt, (&train, &valid), sink, stop)?;
            let k = corpus.classes.len();
            let (vp, _) = systems::model_outputs(&m.id, &*model, va_x, Some(&vac.s), k)?;
            let (tp, vad) = systems::model_outputs(&m.id, &*model, te_x, Some(&tec.s), k)?;
            Ok((vp, tp, vad))
        })();
        match outcome {
            Ok((vp, tp, vad)) => {
                record(
                    &mut fr,
                    &mut predictions,
                    sink,
                    Recorded {
                        system: &m.id,
                        idx: &te,
                        corpus,
                        truth: &test_labels,
                        probs: &tp,
                        vad: vad.as_deref(),
                    },
                );
                valid_probs.push(vp);
                test_probs.push(tp);
                members_ok.push(m.id.clone());
            }
            Err(Error::Stopped) => {
                if stop.reason() == StopReason::SkipFold {
                    return skipped(sink);
                }
                return Ok(FoldEnd::Stopped);
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

    for fspec in &exp.fusions {
        let idx: Vec<usize> = members_ok
            .iter()
            .enumerate()
            .filter(|(_, id)| fspec.members.contains(id))
            .map(|(i, _)| i)
            .collect();
        if !idx.is_empty() {
            let vp: Vec<Probs> = idx.iter().map(|&i| valid_probs[i].clone()).collect();
            let tp: Vec<Probs> = idx.iter().map(|&i| test_probs[i].clone()).collect();
            let state = FusionState::Fit {
                valid: &vp,
                labels: &valid_labels,
                save: (ckpt.run, fold.index),
            };
            let classes = corpus.classes.len();
            let fused = systems::fuse(plugins, fspec, state, &tp, classes, &mut *sink);
            match fused {
                Ok(p) => record(
                    &mut fr,
                    &mut predictions,
                    sink,
                    Recorded {
                        system: &fspec.id,
                        idx: &te,
                        corpus,
                        truth: &test_labels,
                        probs: &p,
                        vad: None,
                    },
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
    Ok(FoldEnd::Done(fr, predictions))
}

/// One model of one fold.
#[derive(Clone, Copy)]
struct Member<'a> {
    spec: &'a ModelSpec,
    fold: usize,
}

/// Model `member`, fitted on `sets` (train, validation) and saved as a checkpoint, or
/// restored from its checkpoint when the fold reuses them (a resumed run, a requeued task).
fn fitted(
    exp: &Experiment,
    plugins: &PluginSet,
    member: Member<'_>,
    ckpt: &Checkpoints<'_>,
    sets: (&LabeledSet<'_>, &LabeledSet<'_>),
    sink: &mut dyn EventSink,
    stop: &StopHandle,
) -> Result<Hosted<dyn Model>> {
    let (m, fold) = (member.spec, member.fold);
    let file = checkpoint::path(ckpt.run, fold, &m.id);
    let mut model = plugins.model(&m.model, &params_text(&m.params))?;
    let doubt = (ckpt.reuse && file.is_file())
        .then(|| super::integrity::doubt(&file))
        .flatten();
    if let Some(why) = &doubt {
        sink.emit(RunEvent::Warning {
            message: format!(
                "fold {fold}: checkpoint {} is not reused, {why}; fitting again",
                file.display()
            ),
        });
    }
    if ckpt.reuse && file.is_file() && doubt.is_none() {
        match model.load(&file) {
            Ok(()) => {
                sink.emit(RunEvent::Warning {
                    message: format!(
                        "fold {fold}: model `{}` restored from {}",
                        m.id,
                        file.display()
                    ),
                });
                return Ok(model);
            }
            Err(e) => {
                sink.emit(RunEvent::Warning {
                    message: format!(
                        "fold {fold}: checkpoint {} cannot be restored ({e}); fitting again",
                        file.display()
                    ),
                });
                model = plugins.model(&m.model, &params_text(&m.params))?;
            }
        }
    }
    let mut ctx = FitContext {
        events: &mut *sink,
        stop,
        seed: derive_seed(exp.meta.seed, fold, &m.id),
        fold,
        model_id: &m.id,
    };
    model.fit(sets.0, sets.1, &mut ctx)?;
    if let Err(e) = checkpoint::save(&*model, &file) {
        sink.emit(RunEvent::Warning {
            message: format!(
                "fold {fold}: model `{}` could not be saved as a checkpoint: {e}",
                m.id
            ),
        });
    }
    Ok(model)
}

/// The per-utterance columns of one subset, owned for the duration of a fit.
struct Columns<'a> {
    x: Vec<&'a Features>,
    y: Vec<usize>,
    s: Vec<&'a str>,
    v: Vec<Option<[f32; 3]>>,
    a: Vec<crate::AuxLabels>,
}

impl<'a> Columns<'a> {
    fn set(&'a self, classes: &'a [String]) -> LabeledSet<'a> {
        LabeledSet {
            inputs: &self.x,
            labels: &self.y,
            speakers: &self.s,
            vad: &self.v,
            classes,
            aux: &self.a,
        }
    }
}

/// One system's test-fold output, as scored by [`record`].
struct Recorded<'a> {
    system: &'a str,
    idx: &'a [usize],
    corpus: &'a Corpus,
    truth: &'a [usize],
    probs: &'a [Vec<f32>],
    /// Predicted V/A/D per test utterance, for models with regression heads.
    vad: Option<&'a [[f32; 3]]>,
}

/// Score one system's test probabilities and keep them as predictions.
fn record(
    fr: &mut FoldResult,
    predictions: &mut Vec<Prediction>,
    sink: &mut dyn EventSink,
    r: Recorded<'_>,
) {
    let pred: Vec<usize> = r.probs.iter().map(|p| argmax(p)).collect();
    let c = Confusion::new(r.truth, &pred, r.corpus.classes.len());
    sink.emit(RunEvent::Evaluated {
        fold: fr.index,
        model: r.system.into(),
        ua: c.ua(),
        wa: c.wa(),
        confusion: c.counts.clone(),
    });
    fr.systems.insert(r.system.into(), Scores::of(&c));
    for (k, ((&i, &label), p)) in r.idx.iter().zip(r.truth).zip(r.probs).enumerate() {
        let u = &r.corpus.utterances[i];
        predictions.push(Prediction {
            utterance: u.id.clone(),
            speaker: u.speaker.clone(),
            fold: fr.index,
            system: r.system.into(),
            label,
            probs: p.clone(),
            vad: u.vad,
            vad_pred: r.vad.map(|v| v[k]),
        });
    }
}
