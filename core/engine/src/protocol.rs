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
mod tests {
    use super::*;

    fn spk(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{:02}", i + 3)).collect()
    }

    #[test]
    fn loso_has_one_fold_per_speaker_and_no_overlap() {
        let s = spk(10);
        let folds = ProtocolConfig::default().folds(&s, 1).unwrap();
        assert_eq!(folds.len(), 10);
        for f in &folds {
            assert_eq!(f.test.len(), 1);
            assert_eq!(f.validation.len(), 1);
            assert_eq!(f.train.len(), 8);
            for t in &f.test {
                assert!(!f.train.contains(t) && !f.validation.contains(t));
            }
            assert!(f.validation.iter().all(|v| !f.train.contains(v)));
        }
        // Every speaker is tested exactly once.
        let mut tested: Vec<String> = folds.iter().flat_map(|f| f.test.clone()).collect();
        tested.sort();
        assert_eq!(tested, s);
        // Validation rotates: every speaker validates once.
        let mut val: Vec<String> = folds.iter().flat_map(|f| f.validation.clone()).collect();
        val.sort();
        assert_eq!(val, s);
    }

    #[test]
    fn speaker_folds_partition_speakers_deterministically() {
        let s = spk(24);
        let p = ProtocolConfig {
            kind: ProtocolKind::SpeakerFolds,
            folds: Some(6),
            ..Default::default()
        };
        let a = p.folds(&s, 5).unwrap();
        assert_eq!(a, p.folds(&s, 5).unwrap());
        assert_ne!(a, p.folds(&s, 6).unwrap());
        let mut all: Vec<String> = a.iter().flat_map(|f| f.test.clone()).collect();
        all.sort();
        assert_eq!(all, s);
        assert!(a.iter().all(|f| f.test.len() == 4 && f.train.len() == 19));
    }

    #[test]
    fn overlapping_fold_is_refused_unless_allowed() {
        let f = Fold {
            index: 3,
            train: vec!["a".into(), "b".into()],
            validation: vec![],
            test: vec!["b".into()],
        };
        let e = check_fold(&f, false).unwrap_err().to_string();
        assert!(
            e.contains("fold 3") && e.contains("b") && e.contains("allow_speaker_overlap"),
            "{e}"
        );
        assert!(check_fold(&f, true).is_ok());
    }

    #[test]
    fn leave_one_session_out_tests_both_speakers_of_a_session() {
        let speakers: Vec<String> = (1..=5)
            .flat_map(|n| ["F", "M"].map(|g| format!("Ses{n:02}{g}")))
            .collect();
        let sessions: BTreeMap<String, String> = speakers
            .iter()
            .map(|s| (s.clone(), s[..5].to_string()))
            .collect();
        let p = ProtocolConfig {
            kind: ProtocolKind::LeaveOneSessionOut,
            ..Default::default()
        };
        let folds = p.folds_with_sessions(&speakers, &sessions, 0).unwrap();
        assert_eq!(folds.len(), 5);
        for (i, f) in folds.iter().enumerate() {
            let ses = format!("Ses{:02}", i + 1);
            assert_eq!(f.test, [format!("{ses}F"), format!("{ses}M")]);
            assert_eq!(f.validation.len(), 1);
            assert_eq!(f.train.len(), 7);
            assert!(f
                .validation
                .iter()
                .chain(&f.train)
                .all(|s| !s.starts_with(&ses)));
        }
        assert_eq!(folds[0].validation, ["Ses02F"]);
        assert_eq!(folds[4].validation, ["Ses01F"]);
        // Without sessions the protocol says what it needs.
        let e = p.folds(&speakers, 0).unwrap_err().to_string();
        assert!(e.contains("session of every speaker"), "{e}");
        // A speaker in two sessions is refused.
        let u = |id: &str, speaker: &str, session: &str| Utterance {
            id: id.into(),
            audio: "x.wav".into(),
            speaker: speaker.into(),
            session: Some(session.into()),
            gender: None,
            intensity: None,
            label: "neutral".into(),
            vad: None,
            transcript: None,
            split: None,
        };
        let ok = [u("a", "Ses01F", "Ses01"), u("b", "Ses01F", "Ses01")];
        assert_eq!(speaker_sessions(&ok).unwrap().len(), 1);
        let bad = [u("a", "Ses01F", "Ses01"), u("b", "Ses01F", "Ses02")];
        assert!(speaker_sessions(&bad)
            .unwrap_err()
            .to_string()
            .contains("Ses02"));
    }

    #[test]
    fn official_split_is_one_fold_by_utterance_split() {
        let u = |id: &str, speaker: &str, split: Option<Split>| Utterance {
            id: id.into(),
            audio: Default::default(),
            speaker: speaker.into(),
            session: None,
            gender: None,
            intensity: None,
            label: "joy".into(),
            vad: None,
            transcript: Some("hi".into()),
            split,
        };
        let utts = [
            u("a", "Joey", Some(Split::Train)),
            u("b", "Ross", Some(Split::Train)),
            u("c", "Joey", Some(Split::Validation)),
            u("d", "Mark", Some(Split::Test)),
            u("e", "Ross", Some(Split::Test)),
        ];
        let p = ProtocolConfig {
            kind: ProtocolKind::OfficialSplit,
            ..Default::default()
        };
        // Ross trains and is tested: refused unless allowed explicitly.
        let e = p.folds_for(&utts, 0).unwrap_err().to_string();
        assert!(
            e.contains("Ross") && e.contains("allow_speaker_overlap"),
            "{e}"
        );
        let p = ProtocolConfig {
            allow_speaker_overlap: true,
            ..p
        };
        let folds = p.folds_for(&utts, 0).unwrap();
        assert_eq!(folds.len(), 1);
        let f = &folds[0];
        assert_eq!(f.train, ["Joey", "Ross"]);
        assert_eq!(f.validation, ["Joey"]);
        assert_eq!(f.test, ["Mark", "Ross"]);
        // Parts follow the split, not the speaker: Joey is in training and validation.
        let parts: Vec<Option<Split>> = utts.iter().map(|x| p.part(f, x)).collect();
        assert_eq!(
            parts,
            [
                Some(Split::Train),
                Some(Split::Train),
                Some(Split::Validation),
                Some(Split::Test),
                Some(Split::Test)
            ]
        );
        // Speaker protocols assign parts by speaker.
        let loso = ProtocolConfig::default();
        let lf = &loso.folds_for(&utts, 0).unwrap()[0];
        assert_eq!(lf.test, ["Joey"]);
        assert_eq!(loso.part(lf, &utts[2]), Some(Split::Test));
        // An utterance without a split is named.
        let mut bad = utts.to_vec();
        bad[1].split = None;
        let e = p.folds_for(&bad, 0).unwrap_err().to_string();
        assert!(e.contains("`b` has none"), "{e}");
        // No test part at all.
        let e = p.folds_for(&utts[..3], 0).unwrap_err().to_string();
        assert!(e.contains("no test utterance"), "{e}");
    }

    #[test]
    fn validation_speakers_are_training_speakers_held_out_in_every_protocol() {
        let speakers: Vec<String> = (1..=6)
            .flat_map(|n| ["F", "M"].map(|g| format!("Ses{n:02}{g}")))
            .collect();
        let sessions: BTreeMap<String, String> = speakers
            .iter()
            .map(|s| (s.clone(), s[..5].to_string()))
            .collect();
        for kind in [
            ProtocolKind::LeaveOneSpeakerOut,
            ProtocolKind::SpeakerFolds,
            ProtocolKind::LeaveOneSessionOut,
        ] {
            for validation_speakers in [1, 2, 3] {
                let p = ProtocolConfig {
                    kind: kind.clone(),
                    folds: Some(4),
                    validation_speakers,
                    allow_speaker_overlap: false,
                };
                let folds = p.folds_with_sessions(&speakers, &sessions, 9).unwrap();
                for f in &folds {
                    let what = format!(
                        "{kind:?}, {validation_speakers} validation, fold {}",
                        f.index
                    );
                    assert_eq!(f.validation.len(), validation_speakers, "{what}");
                    // Validation and training speakers are disjoint, never tested in the
                    // fold, and together they are exactly the speakers not tested.
                    for v in &f.validation {
                        assert!(!f.train.contains(v) && !f.test.contains(v), "{what}");
                    }
                    assert!(f.train.iter().all(|t| !f.test.contains(t)), "{what}");
                    let mut rest: Vec<&String> = f.train.iter().chain(&f.validation).collect();
                    rest.sort();
                    let not_tested: Vec<&String> =
                        speakers.iter().filter(|s| !f.test.contains(s)).collect();
                    assert_eq!(rest, not_tested, "{what}");
                    assert!(check_fold(f, false).is_ok(), "{what}");
                }
            }
        }
    }

    #[test]
    fn a_test_speaker_among_the_validation_speakers_is_refused_too() {
        let f = Fold {
            index: 1,
            train: vec!["a".into()],
            validation: vec!["c".into()],
            test: vec!["c".into(), "d".into()],
        };
        let e = check_fold(&f, false).unwrap_err().to_string();
        assert!(e.contains("fold 1") && e.contains("speaker(s) c "), "{e}");
        assert!(check_fold(&f, true).is_ok());
    }

    #[test]
    fn too_many_validation_speakers_is_an_error() {
        let p = ProtocolConfig {
            validation_speakers: 2,
            ..Default::default()
        };
        assert!(p
            .folds(&spk(3), 0)
            .unwrap_err()
            .to_string()
            .contains("validation_speakers"));
    }
}
