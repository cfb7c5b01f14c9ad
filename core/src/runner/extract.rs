//! Feature extraction for the whole corpus: in parallel over files, each file decoded once
//! per sample rate. Results come back in corpus order whatever the thread count (rayon's
//! indexed `collect` keeps order), so everything downstream is deterministic.

use super::components::Extractor;
use crate::config::Experiment;
use crate::corpus::Skipped;
use crate::{audio, Corpus, Error, EventSink, Features, Result, RunEvent, StopHandle};
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
            return Err(Error::Stopped);
        }
        let out: Vec<std::result::Result<HashMap<String, Features>, Error>> = chunk
            .par_iter()
            .map(|u| {
                let mut by_rate: HashMap<u32, crate::Audio> = HashMap::new();
                let mut m = HashMap::new();
                for (id, ex, info) in extractors {
                    let a = match by_rate.get(&info.sample_rate) {
                        Some(a) => a,
                        None => {
                            let a = audio::load(&u.audio, info.sample_rate)?;
                            by_rate.entry(info.sample_rate).or_insert(a)
                        }
                    };
                    let f = ex.extract(a).map_err(|e| Error::Audio {
                        path: u.audio.clone(),
                        reason: format!("feature set `{id}`: {e}"),
                    })?;
                    m.insert(id.clone(), f);
                }
                Ok(m)
            })
            .collect();
        for (u, r) in chunk.iter().zip(out) {
            match r {
                Ok(m) => feats.push(Some(m)),
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
    }
    Ok(feats)
}
