//! Feature extraction for the whole corpus: in parallel over files, each file decoded once
//! per sample rate. Results come back in corpus order whatever the thread count (rayon's
//! indexed `collect` keeps order), so everything downstream is deterministic.

use super::components::{Extractor, Transcriber};
use crate::config::Experiment;
use crate::corpus::Skipped;
use crate::features::FeatureInput;
use crate::{audio, Corpus, Error, EventSink, Features, Result, RunEvent, StopHandle, Utterance};
use rayon::prelude::*;
use std::collections::HashMap;

/// Features per feature-set id, per utterance; `None` for an utterance that was skipped.
pub(crate) type CorpusFeatures = Vec<Option<HashMap<String, Features>>>;

/// Extract every feature set of every utterance. Unusable files are skipped (recorded in
/// `skipped`, with a warning) unless the experiment is fail-fast.
#[allow(clippy::too_many_arguments)]
pub(crate) fn extract_all(
    exp: &Experiment,
    corpus: &Corpus,
    extractors: &[Extractor],
    transcriber: Option<&Transcriber>,
    opts: &super::RunOptions,
    skipped: &mut Vec<Skipped>,
    sink: &mut dyn EventSink,
    stop: &StopHandle,
) -> Result<CorpusFeatures> {
    let fail_fast = exp.meta.fail_fast;
    check_text_only(exp, corpus, extractors)?;
    let total = corpus.utterances.len();
    let mut feats: CorpusFeatures = Vec::with_capacity(total);
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
                return Err(Error::Stopped);
            }
        }
        let out: Vec<Result<HashMap<String, Features>>> = chunk
            .par_iter()
            .map(|u| utterance_features(exp, u, extractors, transcriber, opts))
            .collect();
        for (u, r) in chunk.iter().zip(out) {
            match r {
                Ok(mut m) => {
                    concatenate_feature_sets(exp, &u.id, &mut m)?;
                    feats.push(Some(m))
                }
                Err(e) if fail_fast => return Err(e),
                Err(e) => {
                    sink.emit(RunEvent::Warning {
                        message: format!("skipped: {e}"),
                    });
                    skipped.push(Skipped {
                        // A text-only utterance has no file: name it by its id.
                        path: if u.has_audio() {
                            u.audio.clone()
                        } else {
                            std::path::PathBuf::from(&u.id)
                        },
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
    Ok(feats)
}

/// Hand the cache's problems (corrupt files rebuilt, failed writes) to the sink.
fn cache_warnings(opts: &super::RunOptions, sink: &mut dyn EventSink) {
    for message in opts.cache.iter().flat_map(|c| c.take_warnings()) {
        sink.emit(RunEvent::Warning { message });
    }
}

/// Every feature set of one utterance: audio sets through the cache, text sets from its
/// transcript (the corpus' or, per `[transcriber] when`, a recognised one).
pub(crate) fn utterance_features(
    exp: &Experiment,
    u: &Utterance,
    extractors: &[Extractor],
    transcriber: Option<&Transcriber>,
    opts: &super::RunOptions,
) -> Result<HashMap<String, Features>> {
    let reads = |input| extractors.iter().any(|c| c.extractor.input() == input);
    let mut m = if reads(FeatureInput::Audio) {
        crate::cache::extract_utterance(&u.audio, extractors, opts.cache.as_deref())?.features
    } else {
        HashMap::new()
    };
    if reads(FeatureInput::Transcript) {
        let when = exp.transcriber.as_ref().map(|t| t.when).unwrap_or_default();
        let mut load = |rate| audio::load(&u.audio, rate);
        let text = crate::transcript::transcript_of(
            u,
            transcriber.map(|t| &**t as &dyn crate::Transcriber),
            when,
            &mut load,
        )?;
        for c in extractors
            .iter()
            .filter(|c| c.extractor.input() == FeatureInput::Transcript)
        {
            let f = c.extractor.extract_text(&text).map_err(|e| {
                Error::invalid(format!("utterance `{}`, feature set `{}`: {e}", u.id, c.id))
            })?;
            m.insert(c.id.clone(), f);
        }
    }
    Ok(m)
}

/// A text-only corpus (no utterance has audio) cannot feed an audio extractor: say so
/// before any work, naming the feature set.
fn check_text_only(exp: &Experiment, corpus: &Corpus, extractors: &[Extractor]) -> Result<()> {
    if corpus.utterances.iter().any(|u| u.has_audio()) {
        return Ok(());
    }
    match extractors
        .iter()
        .find(|c| c.extractor.input() == FeatureInput::Audio)
    {
        None => Ok(()),
        Some(c) => Err(exp.origin.value_error(
            &format!("features.{}.extractor", c.id),
            format!(
                "corpus `{}` is text only, but this extractor reads audio; use a text \
                 extractor (e.g. `transcript`)",
                corpus.name
            ),
        )),
    }
}

/// Early fusion: add the concatenation of each multi-set model's feature sets to one
/// utterance's features, under the model's `features` key (`a+b`). An impossible
/// concatenation (text with numbers) is an error naming the model. A model one of whose
/// sets is missing gets no concatenation.
pub(crate) fn concatenate_feature_sets(
    exp: &Experiment,
    utterance: &str,
    m: &mut HashMap<String, Features>,
) -> Result<()> {
    for spec in exp.models.iter().filter(|s| s.feature_sets.len() > 1) {
        if m.contains_key(&spec.features) {
            continue;
        }
        // A set left out (a recording `serlab predict` has no transcript for) leaves its
        // models out; in a run every set of a kept utterance is there.
        let Some(parts) = spec
            .feature_sets
            .iter()
            .map(|id| m.get(id))
            .collect::<Option<Vec<&Features>>>()
        else {
            continue;
        };
        let joined = Features::concat(&parts).map_err(|e| {
            exp.origin.value_error(
                &format!("models.{}.features", spec.id),
                format!("utterance `{utterance}`: {e}"),
            )
        })?;
        m.insert(spec.features.clone(), joined);
    }
    Ok(())
}
