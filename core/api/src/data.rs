//! The data model: a corpus is a list of utterances with everything a protocol, a model
//! or a report may need (speaker and session for speaker-independent folds, gender for
//! auxiliary tasks, dimensional V/A/D labels, an optional transcript for text models).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A speaker's sex as given by the corpus documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// Female speaker.
    Female,
    /// Male speaker.
    Male,
}

/// The part of a corpus' official split an utterance belongs to (MELD ships
/// train / dev / test tables); used by the `official-split` protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Training utterances.
    Train,
    /// Validation (development) utterances: model selection and fusion fitting only.
    #[serde(alias = "dev", alias = "valid", alias = "val")]
    Validation,
    /// Test utterances.
    Test,
}

impl Split {
    /// The name used in files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// Emotional intensity as the corpus labels it (RAVDESS: normal or strong); a target of
/// auxiliary classification heads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intensity {
    /// Normal intensity (RAVDESS code `01`).
    Normal,
    /// Strong intensity (RAVDESS code `02`).
    Strong,
}

/// One labelled utterance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Unique id within the corpus (e.g. `03a01Fa`).
    pub id: String,
    /// Audio file; empty for a text-only corpus (see [`Utterance::has_audio`]).
    pub audio: PathBuf,
    /// Speaker id; the unit of speaker-independent evaluation.
    pub speaker: String,
    /// Recording session, where the corpus has them (IEMOCAP).
    pub session: Option<String>,
    /// Speaker sex, where known.
    pub gender: Option<Gender>,
    /// Emotional intensity, where the corpus labels it (RAVDESS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensity: Option<Intensity>,
    /// Categorical emotion label, already mapped to the experiment's class names.
    pub label: String,
    /// Valence, arousal, dominance, where the corpus has them.
    pub vad: Option<[f32; 3]>,
    /// Transcript, where the corpus has one.
    pub transcript: Option<String>,
    /// Part of the corpus' official split, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
}

impl Utterance {
    /// False for utterances of a text-only corpus (transcript tables such as MELD's).
    pub fn has_audio(&self) -> bool {
        !self.audio.as_os_str().is_empty()
    }
}

/// A loaded corpus: its class names in a fixed order and its utterances.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// Short name used in reports (`emodb`, `synthetic`).
    pub name: String,
    /// Class names; a label's index in this list is its class index everywhere.
    pub classes: Vec<String>,
    /// Utterances, in a deterministic order (sorted by id).
    pub utterances: Vec<Utterance>,
}

impl Corpus {
    /// Class index of every utterance, in corpus order.
    ///
    /// Labels are validated when the corpus is built, so every label has an index.
    pub fn label_indices(&self) -> Vec<usize> {
        self.utterances
            .iter()
            .map(|u| {
                self.classes
                    .iter()
                    .position(|c| *c == u.label)
                    .expect("label validated at load")
            })
            .collect()
    }

    /// Distinct speakers, sorted.
    pub fn speakers(&self) -> Vec<String> {
        let mut s: Vec<String> = self.utterances.iter().map(|u| u.speaker.clone()).collect();
        s.sort();
        s.dedup();
        s
    }

    /// Number of utterances per class, in class order.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for i in self.label_indices() {
            counts[i] += 1;
        }
        counts
    }
}
