//! What a fitted model or a fusion says about some utterances, shared by the folds of a run
//! and by [`crate::predict`] (a new recording against a finished run's checkpoints), so
//! both ask the plugins the same way and check their answers the same way.

use super::checkpoint;
use super::components::params_text;
use crate::config::FusionSpec;
use crate::plugin::PluginSet;
use crate::{Error, EventSink, Features, Model, Result, RunEvent};
use std::path::Path;

/// Class probabilities, one row per utterance.
pub(crate) type Probs = Vec<Vec<f32>>;

/// Predicted valence, arousal, dominance per utterance.
pub(crate) type Vads = Vec<[f32; 3]>;

/// A model's class probabilities (checked: one finite row of `classes` values per input)
/// and its V/A/D predictions where it has them. With `speakers`, each speaker's inputs are
/// normalised with that speaker's own statistics (`normalize = "speaker"`); without, the
/// statistics the model learnt are used (one new recording has no speaker to speak of).
pub(crate) fn model_outputs(
    id: &str,
    model: &dyn Model,
    xs: &[&Features],
    speakers: Option<&[&str]>,
    classes: usize,
) -> Result<(Probs, Option<Vads>)> {
    if xs.is_empty() {
        return Ok((Vec::new(), None));
    }
    let (probs, vad) = match speakers {
        Some(s) => (
            model.predict_proba_by_speaker(xs, s)?,
            model.predict_vad_by_speaker(xs, s)?,
        ),
        None => (model.predict_proba(xs)?, model.predict_vad(xs)?),
    };
    check_probs(id, &probs, xs.len(), classes)?;
    if let Some(v) = &vad {
        if v.len() != xs.len() {
            return Err(Error::invalid(format!(
                "`{id}` returned {} V/A/D rows for {} utterances",
                v.len(),
                xs.len()
            )));
        }
    }
    Ok((probs, vad))
}

/// How a fusion gets what it learnt.
pub(crate) enum FusionState<'a> {
    /// Fit on the members' validation probabilities and the validation labels, then save
    /// what was learnt into the fold's checkpoint folder (a warning if that fails).
    Fit {
        /// One `Probs` per member, over the validation utterances.
        valid: &'a [Probs],
        /// The validation labels.
        labels: &'a [usize],
        /// Where to save the fitted fusion, and the fold for messages.
        save: (&'a Path, usize),
    },
    /// Restore what was learnt from the checkpoint `path` when there is one (a fusion that
    /// learns nothing saves none).
    Restore(&'a Path),
}

/// Fuse the members' probabilities `members` (one `Probs` per member, same utterances)
/// with the fusion `spec`; the result is checked like a model's.
pub(crate) fn fuse(
    plugins: &PluginSet,
    spec: &FusionSpec,
    state: FusionState<'_>,
    members: &[Probs],
    classes: usize,
    sink: &mut dyn EventSink,
) -> Result<Probs> {
    let mut f = plugins.fusion(&spec.method, &params_text(&spec.params))?;
    match state {
        FusionState::Fit {
            valid,
            labels,
            save: (run, fold),
        } => {
            f.fit(valid, labels)?;
            let file = checkpoint::fusion_path(run, fold, &spec.id);
            // What the fusion learnt, for `serlab predict`; a fusion that cannot be saved
            // still counts.
            if let Err(e) = checkpoint::save_fusion(&*f, &file) {
                sink.emit(RunEvent::Warning {
                    message: format!(
                        "fold {fold}: fusion `{}` not saved (serlab predict cannot use it): {e}",
                        spec.id
                    ),
                });
            }
        }
        FusionState::Restore(path) => {
            if path.is_file() {
                f.load(path)?;
            }
        }
    }
    let out = f.combine(members)?;
    let n = members.first().map_or(0, Vec::len);
    check_probs(&spec.id, &out, n, classes)?;
    Ok(out)
}

/// One finite row of `k` probabilities per utterance, each summing to 1: the host checks
/// what every plugin returns, so a broken plugin is named rather than scored.
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
    if let Some((i, row)) = p.iter().enumerate().find(|(_, r)| {
        let s: f64 = r.iter().map(|&x| f64::from(x)).sum();
        (s - 1.0).abs() > 1e-3
    }) {
        return Err(Error::invalid(format!(
            "`{system}` returned probability row {i} that does not sum to 1: {row:?}"
        )));
    }
    Ok(())
}
