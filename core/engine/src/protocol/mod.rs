//! Speaker-independent evaluation protocols.
//!
//! Every fold has train, validation and test speakers. Validation speakers are drawn from
//! the speakers that are not tested in the fold, so model selection never sees the test
//! fold. [`check_fold`] refuses a fold where a speaker is in both training and test unless
//! the experiment sets `allow_speaker_overlap`, which is logged loudly.
//!
//! `leave-one-session-out` tests all speakers of one recording session together: in IEMOCAP
//! the two actors of a session improvised with each other, so holding out only one of them
//! would leave their dialogue partner, and the shared recording conditions, in training.
//!
//! `official-split` uses a corpus' own train / validation / test tables (MELD) as one fold.
//! Such splits are by utterance, not by speaker, so the fold is refused unless
//! `allow_speaker_overlap` is set when a speaker occurs in training and test.

use crate::{Error, Result, Split, Utterance};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `[protocol]` table of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolConfig {
    /// How test speakers are chosen.
    pub kind: ProtocolKind,
    /// Number of folds, for `speaker-folds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    /// Speakers per fold held out of training for model selection and fusion weights.
    #[serde(default = "one")]
    pub validation_speakers: usize,
    /// Allow a speaker in both training and test (not speaker-independent; logged).
    #[serde(default)]
    pub allow_speaker_overlap: bool,
}

fn one() -> usize {
    1
}

/// How test speakers are grouped into folds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// One fold per speaker (EmoDB's usual protocol).
    LeaveOneSpeakerOut,
    /// `folds` speaker-disjoint folds, speakers shuffled by the experiment seed.
    SpeakerFolds,
    /// One fold per recording session, testing all of its speakers (IEMOCAP's usual
    /// protocol); needs a session for every speaker.
    LeaveOneSessionOut,
    /// The corpus' official train / validation / test split as one fold (MELD); needs a
    /// split for every utterance.
    OfficialSplit,
}

impl Default for ProtocolConfig {
    fn default() -> Self {
        ProtocolConfig {
            kind: ProtocolKind::LeaveOneSpeakerOut,
            folds: None,
            validation_speakers: 1,
            allow_speaker_overlap: false,
        }
    }
}

/// One fold: who trains, who selects, who is tested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// Fold index from 0.
    pub index: usize,
    /// Training speakers.
    pub train: Vec<String>,
    /// Validation speakers (a subset of the non-test speakers).
    pub validation: Vec<String>,
    /// Test speakers.
    pub test: Vec<String>,
}

impl ProtocolConfig {
    /// Build the folds for these utterances: by their split under `official-split`, by
    /// their speakers (and sessions) otherwise.
    pub fn folds_for<'a>(
        &self,
        utterances: impl IntoIterator<Item = &'a Utterance> + Clone,
        seed: u64,
    ) -> Result<Vec<Fold>> {
        if self.kind == ProtocolKind::OfficialSplit {
            return Ok(vec![official_split_fold(
                utterances,
                self.allow_speaker_overlap,
            )?]);
        }
        let mut speakers: Vec<String> = utterances
            .clone()
            .into_iter()
            .map(|u| u.speaker.clone())
            .collect();
        speakers.sort();
        speakers.dedup();
        let sessions = speaker_sessions(utterances)?;
        self.folds_with_sessions(&speakers, &sessions, seed)
    }

    /// Which part of `fold` an utterance belongs to, if any: its split under
    /// `official-split`, else the group its speaker is in.
    pub fn part(&self, fold: &Fold, u: &Utterance) -> Option<Split> {
        if self.kind == ProtocolKind::OfficialSplit {
            return u.split;
        }
        if fold.test.contains(&u.speaker) {
            Some(Split::Test)
        } else if fold.validation.contains(&u.speaker) {
            Some(Split::Validation)
        } else if fold.train.contains(&u.speaker) {
            Some(Split::Train)
        } else {
            None
        }
    }

    /// Build the folds for these speakers (sorted, distinct), for a corpus without sessions.
    pub fn folds(&self, speakers: &[String], seed: u64) -> Result<Vec<Fold>> {
        self.folds_with_sessions(speakers, &BTreeMap::new(), seed)
    }

    /// Build the folds for these speakers (sorted, distinct); `sessions` maps each speaker to
    /// its recording session (see [`speaker_sessions`]) and is needed only by
    /// `leave-one-session-out`.
    pub fn folds_with_sessions(
        &self,
        speakers: &[String],
        sessions: &BTreeMap<String, String>,
        seed: u64,
    ) -> Result<Vec<Fold>> {
        let groups: Vec<Vec<String>> = match &self.kind {
            ProtocolKind::LeaveOneSessionOut => {
                let mut by_session: BTreeMap<&str, Vec<String>> = BTreeMap::new();
                for s in speakers {
                    let session = sessions.get(s).ok_or_else(|| {
                        Error::Protocol(format!(
                            "leave-one-session-out needs the session of every speaker; speaker \
                             `{s}` has none (does this corpus have sessions?)"
                        ))
                    })?;
                    by_session.entry(session).or_default().push(s.clone());
                }
                if by_session.len() < 2 {
                    return Err(Error::Protocol(format!(
                        "leave-one-session-out needs at least 2 sessions, the corpus has {}",
                        by_session.len()
                    )));
                }
                by_session
                    .into_values()
                    .map(|mut g| {
                        g.sort();
                        g
                    })
                    .collect()
            }
            ProtocolKind::LeaveOneSpeakerOut => speakers.iter().map(|s| vec![s.clone()]).collect(),
            ProtocolKind::OfficialSplit => {
                return Err(Error::Protocol(
                    "official-split folds come from the utterances' splits (use folds_for)".into(),
                ))
            }
            ProtocolKind::SpeakerFolds => {
                let folds = &self
                    .folds
                    .ok_or_else(|| Error::Protocol("speaker-folds needs `folds = K`".into()))?;
                if *folds < 2 || *folds > speakers.len() {
                    return Err(Error::Protocol(format!(
                        "speaker-folds needs 2 ≤ folds ≤ speakers; got folds = {folds} for {} speakers",
                        speakers.len()
                    )));
                }
                let mut order = speakers.to_vec();
                order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
                let mut g = vec![Vec::new(); *folds];
                for (i, s) in order.into_iter().enumerate() {
                    g[i % folds].push(s);
                }
                g.iter_mut().for_each(|x| x.sort());
                g
            }
        };
        if speakers.len() < 2 {
            return Err(Error::Protocol(format!(
                "need at least 2 speakers, the corpus has {}",
                speakers.len()
            )));
        }
        let mut out = Vec::new();
        for (index, test) in groups.into_iter().enumerate() {
            let rest: Vec<String> = speakers
                .iter()
                .filter(|s| !test.contains(s))
                .cloned()
                .collect();
            if self.validation_speakers >= rest.len() {
                return Err(Error::Protocol(format!(
                    "validation_speakers = {} leaves no training speaker in fold {index} ({} non-test speakers)",
                    self.validation_speakers,
                    rest.len()
                )));
            }
            // Rotate through the remaining speakers so each serves as validation in turn,
            // starting just after the test speakers in sorted order.
            let first = speakers.iter().position(|s| s == &test[0]).unwrap_or(0);
            let start = rest.iter().position(|s| s > &speakers[first]).unwrap_or(0);
            let validation: Vec<String> = (0..self.validation_speakers)
                .map(|k| rest[(start + k) % rest.len()].clone())
                .collect();
            let train = rest
                .into_iter()
                .filter(|s| !validation.contains(s))
                .collect();
            let fold = Fold {
                index,
                train,
                validation,
                test,
            };
            check_fold(&fold, self.allow_speaker_overlap)?;
            out.push(fold);
        }
        Ok(out)
    }
}

/// The one fold of `official-split`: the speakers of each part, checked like any fold.
pub fn official_split_fold<'a>(
    utterances: impl IntoIterator<Item = &'a Utterance>,
    allow_overlap: bool,
) -> Result<Fold> {
    let mut parts: [Vec<String>; 3] = Default::default();
    for u in utterances {
        let split = u.split.ok_or_else(|| {
            Error::Protocol(format!(
                "official-split needs the split of every utterance; `{}` has none (does this \
                 corpus have an official split?)",
                u.id
            ))
        })?;
        parts[split as usize].push(u.speaker.clone());
    }
    for (p, split) in parts
        .iter_mut()
        .zip([Split::Train, Split::Validation, Split::Test])
    {
        p.sort();
        p.dedup();
        if p.is_empty() && split != Split::Validation {
            return Err(Error::Protocol(format!(
                "official-split: the corpus has no {} utterance",
                split.name()
            )));
        }
    }
    let [train, validation, test] = parts;
    let fold = Fold {
        index: 0,
        train,
        validation,
        test,
    };
    check_fold(&fold, allow_overlap)?;
    Ok(fold)
}

/// The session of each speaker of these utterances (speakers without a session are left
/// out); an error if a speaker is recorded in two sessions, since then no session can be
/// held out without that speaker's voice remaining in training.
pub fn speaker_sessions<'a>(
    utterances: impl IntoIterator<Item = &'a Utterance>,
) -> Result<BTreeMap<String, String>> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for u in utterances {
        let Some(session) = &u.session else { continue };
        match map.get(&u.speaker) {
            Some(known) if known != session => {
                return Err(Error::Protocol(format!(
                    "speaker `{}` is in sessions `{known}` and `{session}` (utterance `{}`); \
                     sessions must not share speakers",
                    u.speaker, u.id
                )))
            }
            Some(_) => {}
            None => {
                map.insert(u.speaker.clone(), session.clone());
            }
        }
    }
    Ok(map)
}

/// Refuse a fold where a test speaker also trains or validates, unless allowed.
pub fn check_fold(fold: &Fold, allow_overlap: bool) -> Result<()> {
    let leaked: Vec<&String> = fold
        .test
        .iter()
        .filter(|s| fold.train.contains(s) || fold.validation.contains(s))
        .collect();
    if !leaked.is_empty() && !allow_overlap {
        return Err(Error::Protocol(format!(
            "fold {}: speaker(s) {} are in both training and test; this is not speaker-independent \
             (set protocol.allow_speaker_overlap = true to allow it explicitly)",
            fold.index,
            leaked.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    if fold.test.is_empty() || fold.train.is_empty() {
        return Err(Error::Protocol(format!(
            "fold {} has no training or no test speaker",
            fold.index
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
