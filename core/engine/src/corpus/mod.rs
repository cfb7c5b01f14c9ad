//! Corpora: turning a folder in a documented layout into a [`Corpus`].
//!
//! Each loader knows one layout; what they share (class selection, skipped-file bookkeeping)
//! lives here. Files that cannot be used are skipped and listed, never silently dropped.

pub mod emodb;
pub mod iemocap;
pub mod manifest;
pub mod meld;
pub mod ravdess;
pub mod synthetic;

use crate::{Corpus, Error, Result, Utterance};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `[corpus]` table of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CorpusConfig {
    /// The built-in generated corpus ([`synthetic::SyntheticConfig`]).
    Synthetic(synthetic::SyntheticConfig),
    /// Berlin EmoDB in its distribution layout ([`emodb`]).
    Emodb {
        /// The folder that holds `wav/`.
        path: PathBuf,
        /// Classes to keep, in this order (default: all seven).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        classes: Option<Vec<String>>,
    },
    /// RAVDESS audio-only speech in its distribution layout ([`ravdess`]).
    Ravdess {
        /// The folder that holds `Actor_01/` … `Actor_24/`.
        path: PathBuf,
        /// Classes to keep, in this order (default: all eight).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        classes: Option<Vec<String>>,
    },
    /// IEMOCAP in its `IEMOCAP_full_release` layout ([`iemocap`]).
    Iemocap {
        /// The `IEMOCAP_full_release` folder, which holds `Session1/` … `Session5/`.
        path: PathBuf,
        /// How label codes become classes (default `four`: exc merged into happy).
        #[serde(default)]
        class_map: iemocap::ClassMap,
        /// Classes of the map to keep, in this order (default: all of the map's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        classes: Option<Vec<String>>,
    },
    /// MELD's transcript tables with their official split, text only ([`meld`]).
    Meld {
        /// The folder holding `train_sent_emo.csv`, `dev_sent_emo.csv`, `test_sent_emo.csv`.
        path: PathBuf,
        /// Label column: `emotion` (7 classes, default) or `sentiment` (3).
        #[serde(default)]
        labels: meld::MeldLabels,
        /// Classes to keep, in this order (default: all that occur).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        classes: Option<Vec<String>>,
    },
    /// Any corpus described by a CSV or TSV table of files, labels and speakers ([`manifest`]).
    Manifest {
        /// The manifest file (`.csv`, `.tsv`; other names: the delimiter is sniffed).
        path: PathBuf,
        /// Label → class. When given, labels it does not name are outside the class map and
        /// skipped; when absent, labels are the classes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class_map: Option<BTreeMap<String, String>>,
        /// Classes to keep, in this order (default: all, sorted by name).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        classes: Option<Vec<String>>,
    },
}

/// A corpus together with what was left out while loading it.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The usable utterances.
    pub corpus: Corpus,
    /// Files or entries left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// One file or entry left out of a corpus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: String,
}

impl CorpusConfig {
    /// Load (or, for the synthetic corpus, generate) the corpus. `cache_root` is where
    /// generated corpora are written.
    pub fn load(&self, cache_root: &Path) -> Result<Loaded> {
        match self {
            CorpusConfig::Synthetic(c) => synthetic::load(c, cache_root),
            CorpusConfig::Emodb { path, classes } => emodb::load(path, classes.as_deref()),
            CorpusConfig::Ravdess { path, classes } => ravdess::load(path, classes.as_deref()),
            CorpusConfig::Iemocap {
                path,
                class_map,
                classes,
            } => iemocap::load(path, *class_map, classes.as_deref()),
            CorpusConfig::Manifest {
                path,
                class_map,
                classes,
            } => manifest::load(path, class_map.as_ref(), classes.as_deref()),
            CorpusConfig::Meld {
                path,
                labels,
                classes,
            } => meld::load(path, *labels, classes.as_deref()),
        }
    }
}

/// The shared end of every loader: refuse a folder where nothing was found (`expected`
/// says what the layout asks for), list every utterance whose id an earlier one already has
/// (`03a01Fa.wav` beside `03a01Fa.flac`), then keep the experiment's classes.
pub fn finish(
    name: &str,
    folder: &Path,
    expected: String,
    utterances: Vec<Utterance>,
    classes: Option<&[String]>,
    order: &[&str],
    mut skipped: Vec<Skipped>,
) -> Result<Loaded> {
    if utterances.is_empty() {
        return Err(Error::Corpus {
            path: folder.to_path_buf(),
            message: format!("no {expected}"),
        });
    }
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut unique = Vec::with_capacity(utterances.len());
    for u in utterances {
        match seen.get(&u.id) {
            Some(first) => skipped.push(Skipped {
                reason: format!(
                    "utterance id `{}` is already taken by {}",
                    u.id,
                    first.display()
                ),
                path: u.audio,
            }),
            None => {
                seen.insert(u.id.clone(), u.audio.clone());
                unique.push(u);
            }
        }
    }
    let corpus = select_classes(name, unique, classes, order, &mut skipped)?;
    Ok(Loaded { corpus, skipped })
}

/// Keep the utterances whose label is in `classes` (in that order), listing the others.
/// With `None`, all labels in `default_order` that occur are kept.
pub fn select_classes(
    name: &str,
    utterances: Vec<Utterance>,
    classes: Option<&[String]>,
    default_order: &[&str],
    skipped: &mut Vec<Skipped>,
) -> Result<Corpus> {
    let classes: Vec<String> = match classes {
        Some(c) => {
            for cls in c {
                if !default_order.contains(&cls.as_str()) {
                    return Err(Error::config(
                        "experiment",
                        "corpus.classes",
                        format!(
                            "`{cls}` is not a class of this corpus; its classes are {}",
                            default_order.join(", ")
                        ),
                    ));
                }
            }
            c.to_vec()
        }
        None => default_order
            .iter()
            .filter(|c| utterances.iter().any(|u| u.label == **c))
            .map(|c| c.to_string())
            .collect(),
    };
    let mut kept = Vec::new();
    for u in utterances {
        if classes.contains(&u.label) {
            kept.push(u);
        } else {
            skipped.push(Skipped {
                path: u.audio.clone(),
                reason: format!("label `{}` is outside the class map", u.label),
            });
        }
    }
    kept.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Corpus {
        name: name.into(),
        classes,
        utterances: kept,
    })
}

/// The audio files of a folder (not recursive; any of [`crate::audio::EXTENSIONS`], so a
/// corpus converted to FLAC, OGG or MP3 loads like the original WAV), sorted, without macOS
/// `._` debris; an error if the folder is missing.
pub fn audio_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| crate::audio::has_audio_extension(p) && !p.is_dir())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("._"))
        })
        .collect();
    v.sort();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::write_wav16;

    #[test]
    fn a_folder_without_audio_is_refused_with_what_the_layout_expects() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("wav");
        std::fs::create_dir(&wav).unwrap();
        std::fs::write(wav.join("notes.txt"), "not audio").unwrap();
        std::fs::create_dir(wav.join("03a01Fa.wav")).unwrap();
        let e = emodb::load(dir.path(), None).unwrap_err().to_string();
        assert!(
            e.contains(&wav.display().to_string()) && e.contains("no EmoDB-named audio file"),
            "{e}"
        );
    }

    #[test]
    fn folder_corpora_take_every_readable_format_and_list_a_second_file_of_one_id() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("wav");
        std::fs::create_dir(&wav).unwrap();
        let tone: Vec<f32> = (0..800).map(|i| (i as f32 * 0.1).sin() * 0.3).collect();
        for name in [
            "03a01Fa.wav",
            "03a01Fa.FLAC",
            "08a02Wa.mp3",
            "._08a02Wa.wav",
            "x.txt",
        ] {
            write_wav16(&wav.join(name), &tone, 16000).unwrap();
        }
        let files = audio_files(&wav).unwrap();
        let names: Vec<&str> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["03a01Fa.FLAC", "03a01Fa.wav", "08a02Wa.mp3"]);
        let l = emodb::load(dir.path(), None).unwrap();
        let ids: Vec<&str> = l.corpus.utterances.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["03a01Fa", "08a02Wa"]);
        assert_eq!(l.skipped.len(), 1, "{:?}", l.skipped);
        assert!(l.skipped[0].path.ends_with("03a01Fa.wav"));
        assert!(
            l.skipped[0].reason.contains("`03a01Fa` is already taken")
                && l.skipped[0].reason.contains("03a01Fa.FLAC"),
            "{}",
            l.skipped[0].reason
        );
    }
}
