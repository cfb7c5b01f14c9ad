//! The `synthetic` corpus kind: generated with [`crate::synthetic`], written once as WAV
//! files under the cache root (keyed by its parameters), then loaded like any corpus.

use super::{select_classes, Loaded};
use crate::synthetic::{prosody, synthesize, Voice, EMOTIONS};
use crate::{audio, Error, Gender, Result, Utterance};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Parameters of the generated corpus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticConfig {
    /// Where to write it (default: `<output>/.corpora/synthetic-<hash>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Emotions (from neutral, happy, sad, angry, fear, boredom, disgust).
    pub classes: Vec<String>,
    /// Number of speakers (alternating female, male).
    pub speakers: usize,
    /// Utterances per speaker and class.
    pub per_class: usize,
    /// Seconds per utterance.
    pub seconds: f32,
    /// Sample rate of the written files.
    pub sample_rate: u32,
    /// Generator seed (independent of the experiment seed).
    pub seed: u64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        SyntheticConfig {
            path: None,
            classes: ["neutral", "happy", "sad", "angry"]
                .map(String::from)
                .to_vec(),
            speakers: 6,
            per_class: 6,
            seconds: 1.0,
            sample_rate: 16000,
            seed: 7,
        }
    }
}

impl SyntheticConfig {
    fn fingerprint(&self) -> String {
        let text = format!(
            "{:?}{}{}{}{}{}",
            self.classes, self.speakers, self.per_class, self.seconds, self.sample_rate, self.seed
        );
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in text.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        format!("{h:016x}")
    }

    /// Write the corpus into `dir` (one folder per speaker) and return its utterances.
    pub fn write(&self, dir: &Path) -> Result<Vec<Utterance>> {
        let mut utts = Vec::new();
        for s in 0..self.speakers {
            let speaker = format!("s{:02}", s + 1);
            let voice = Voice::for_speaker(self.seed, s);
            let sdir = dir.join(&speaker);
            std::fs::create_dir_all(&sdir).map_err(|e| Error::io(&sdir, e))?;
            for (ci, class) in self.classes.iter().enumerate() {
                let p = prosody(class).ok_or_else(|| {
                    let known: Vec<&str> = EMOTIONS.iter().map(|(n, _)| *n).collect();
                    Error::config(
                        "experiment",
                        "corpus.classes",
                        format!(
                            "the synthetic corpus has no emotion `{class}`; it has {}",
                            known.join(", ")
                        ),
                    )
                })?;
                for k in 0..self.per_class {
                    let id = format!("{speaker}_{class}_{k:02}");
                    let path = sdir.join(format!("{id}.wav"));
                    let seed =
                        self.seed.wrapping_mul(1_000_003) ^ ((s * 1000 + ci * 100 + k) as u64);
                    if !path.exists() {
                        let x = synthesize(voice, p, self.seconds, self.sample_rate, seed);
                        let tmp = crate::results::temp_path(&path);
                        audio::write_wav16(&tmp, &x, self.sample_rate)?;
                        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
                    }
                    utts.push(Utterance {
                        id,
                        audio: path,
                        speaker: speaker.clone(),
                        session: None,
                        gender: Some(if s % 2 == 0 {
                            Gender::Female
                        } else {
                            Gender::Male
                        }),
                        intensity: None,
                        label: class.clone(),
                        vad: None,
                        transcript: None,
                        split: None,
                    });
                }
            }
        }
        Ok(utts)
    }
}

/// Generate (if needed) and load the synthetic corpus.
pub fn load(c: &SyntheticConfig, cache_root: &Path) -> Result<Loaded> {
    if c.speakers < 2 || c.per_class == 0 || c.classes.len() < 2 || c.seconds <= 0.0 {
        return Err(Error::config("experiment", "corpus", "the synthetic corpus needs at least 2 speakers, 2 classes, 1 utterance per class and a positive duration"));
    }
    let dir = c.path.clone().unwrap_or_else(|| {
        cache_root
            .join(".corpora")
            .join(format!("synthetic-{}", c.fingerprint()))
    });
    let utts = c.write(&dir)?;
    let order: Vec<&str> = c.classes.iter().map(String::as_str).collect();
    let mut skipped = Vec::new();
    let corpus = select_classes("synthetic", utts, Some(&c.classes), &order, &mut skipped)?;
    Ok(Loaded { corpus, skipped })
}
