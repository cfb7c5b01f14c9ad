//! Corpora: turning a folder in a documented layout into a [`Corpus`].
//!
//! Each loader knows one layout; what they share (class selection, skipped-file bookkeeping)
//! lives here. Files that cannot be used are skipped and listed, never silently dropped.

pub mod emodb;
pub mod iemocap;
pub mod meld;
pub mod ravdess;
pub mod synthetic;

use crate::{Corpus, Error, Result, Utterance};
use serde::{Deserialize, Serialize};
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
            CorpusConfig::Meld {
                path,
                labels,
                classes,
            } => meld::load(path, *labels, classes.as_deref()),
        }
    }
}

/// The shared end of every loader: refuse a folder where nothing was found (`expected`
/// says what the layout asks for), then keep the experiment's classes.
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
    let corpus = select_classes(name, utterances, classes, order, &mut skipped)?;
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

/// The `*.wav` files of a folder (not recursive), sorted; an error if the folder is missing.
pub fn wav_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("._"))
        })
        .collect();
    v.sort();
    Ok(v)
}
