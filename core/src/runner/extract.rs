//! Feature extraction for the whole corpus: in parallel over files, each file decoded once
//! per sample rate. Results come back in corpus order whatever the thread count (rayon's
//! indexed `collect` keeps order), so everything downstream is deterministic.

use super::components::Extractor;
use crate::config::Experiment;
use crate::corpus::Skipped;
use crate::{Corpus, Error, EventSink, Features, Result, RunEvent, StopHandle};
use rayon::prelude::*;
use std::collections::HashMap;

/// Features per feature-set id, per utterance; `None` for an utterance that was skipped.
pub(crate) type CorpusFeatures = Vec<Option<HashMap<String, Features>>>;

/// Extract every feature set of every utterance. Unusable files are skipped (recorded in
/// `skipped`, with a warning) unless the experiment is fail-fast.
pub(crate) fn extract_all(
    exp: &Experiment,
    corpus: &Corpus,
    extractors: &[Extractor],
    opts: &super::RunOptions,
    skipped: &mut Vec<Skipped>,
    sink: &mut dyn EventSink,
    stop: &StopHandle,
) -> Result<CorpusFeatures> {
    let fail_fast = exp.meta.fail_fast;
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
        let out: Vec<Result<crate::cache::Extracted>> = chunk
            .par_iter()
            .map(|u| crate::cache::extract_utterance(&u.audio, extractors, opts.cache.as_deref()))
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
    Ok(feats)
}

/// Hand the cache's problems (corrupt files rebuilt, failed writes) to the sink.
fn cache_warnings(opts: &super::RunOptions, sink: &mut dyn EventSink) {
    for message in opts.cache.iter().flat_map(|c| c.take_warnings()) {
        sink.emit(RunEvent::Warning { message });
    }
}
