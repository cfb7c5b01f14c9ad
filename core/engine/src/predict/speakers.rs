//! Speaker statistics at inference (enrolment).
//!
//! A model trained with `normalize = "speaker"` standardises each input with the mean and
//! deviation of *its speaker's* inputs; in a run those are the test speaker's utterances.
//! A lone recording has no such set: the plugin then standardises it by its own
//! statistics, which for an utterance-level vector is degenerate. So a predictor keeps,
//! per speaker id the caller gives, the features of that speaker's recent recordings (the
//! sets the speaker-normalised models read, at most [`Enrolment::per_speaker`] recordings,
//! oldest dropped first) and hands them to the model together with the new recording,
//! exactly as a run's test fold does. Without a speaker id nothing is enrolled and the
//! response says which statistics were used ([`Statistics`]).
//!
//! The store is bounded in speakers too ([`Enrolment::max_speakers`]): the speaker seen
//! least recently is forgotten first, so a server cannot be made to grow without end.

use crate::Features;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Which normalisation statistics a model's prediction used.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Statistics {
    /// The model does not normalise per speaker: it used what it learnt in training
    /// (global statistics, or none).
    Model,
    /// Statistics of the speaker's enrolled recordings, this one included.
    Speaker {
        /// The speaker id given.
        speaker: String,
        /// Recordings the statistics were computed over (this one included).
        utterances: usize,
    },
    /// The model normalises per speaker but no speaker id was given: the recording was
    /// standardised by its own statistics alone.
    Utterance,
}

/// Features of one recording, per feature set id.
pub type Sets = HashMap<String, Features>;

/// Per-speaker history of recent recordings' features.
#[derive(Debug)]
pub struct Enrolment {
    /// Recordings kept per speaker.
    pub per_speaker: usize,
    /// Speakers kept.
    pub max_speakers: usize,
    inner: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    clock: u64,
    speakers: HashMap<String, (u64, VecDeque<Sets>)>,
}

impl Default for Enrolment {
    fn default() -> Self {
        Enrolment::new(32, 1024)
    }
}

impl Enrolment {
    /// A store keeping `per_speaker` recordings of at most `max_speakers` speakers.
    pub fn new(per_speaker: usize, max_speakers: usize) -> Self {
        Enrolment {
            per_speaker: per_speaker.max(1),
            max_speakers: max_speakers.max(1),
            inner: Mutex::new(Store::default()),
        }
    }

    /// The speaker's enrolled recordings, oldest first (a copy: the lock is not held while
    /// models run).
    pub fn history(&self, speaker: &str) -> Vec<Sets> {
        let s = self.lock();
        s.speakers
            .get(speaker)
            .map(|(_, h)| h.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Add one recording's features to the speaker's history.
    pub fn enrol(&self, speaker: &str, sets: Sets) {
        let mut s = self.lock();
        s.clock += 1;
        let now = s.clock;
        if !s.speakers.contains_key(speaker) && s.speakers.len() >= self.max_speakers {
            if let Some(oldest) = s
                .speakers
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone())
            {
                s.speakers.remove(&oldest);
            }
        }
        let e = s.speakers.entry(speaker.to_string()).or_default();
        e.0 = now;
        e.1.push_back(sets);
        while e.1.len() > self.per_speaker {
            e.1.pop_front();
        }
    }

    /// Forget a speaker; returns how many recordings were enrolled.
    pub fn forget(&self, speaker: &str) -> usize {
        self.lock()
            .speakers
            .remove(speaker)
            .map_or(0, |(_, h)| h.len())
    }

    /// Enrolled speakers and their recording counts, sorted by id.
    pub fn speakers(&self) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = self
            .lock()
            .speakers
            .iter()
            .map(|(k, (_, h))| (k.clone(), h.len()))
            .collect();
        v.sort();
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic while holding the lock leaves a consistent map (every update is one
        // call), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(v: f32) -> Sets {
        HashMap::from([("f".to_string(), Features::Vector(vec![v]))])
    }

    #[test]
    fn history_is_bounded_per_speaker_and_in_speakers() {
        let e = Enrolment::new(2, 2);
        e.enrol("a", sets(1.0));
        e.enrol("a", sets(2.0));
        e.enrol("a", sets(3.0));
        let h = e.history("a");
        assert_eq!(h.len(), 2, "oldest dropped");
        assert_eq!(h[0]["f"], Features::Vector(vec![2.0]));
        e.enrol("b", sets(1.0));
        e.enrol("a", sets(4.0)); // a is now the most recent
        e.enrol("c", sets(1.0)); // evicts b, the least recently seen
        assert_eq!(
            e.speakers(),
            vec![("a".to_string(), 2), ("c".to_string(), 1)]
        );
        assert_eq!(e.forget("a"), 2);
        assert!(e.history("a").is_empty());
    }
}
