//! Experiment files: raw TOML → validated [`Experiment`], in stages.
//!
//! 1. The text is parsed into `toml`'s spanned tree ([`origin`]): a syntax error, or a
//!    duplicate table, is reported with its line and column.
//! 2. The fixed sections (`[experiment]`, `[corpus]`, `[protocol]`, `[metrics]`,
//!    `[augmentation]`) are deserialised with serde; serde's messages are rewritten in TOML
//!    words with the closest valid name ([`messages`]) and placed at `file:line:column`.
//! 3. Component tables (`[features.<id>]`, `[models.<id>]`, `[fusion]`) are checked for
//!    their own keys and cross-references (a model's feature set, the fusion's members).
//! 4. Once plugins are loaded, [`Experiment::bind_plugins`] ([`bind`]) checks component
//!    names and every parameter against the plugin that owns it, with the same placement
//!    and suggestions, and hands `[augmentation]` to the models that take it.
//!
//! Every message has the shape `file:line:column: dotted.key: what was expected`.
//! `${VAR:-default}` is expanded in paths. The schema is documented in
//! `experiments/README.md`.
//!
//! Files: the types are here; `parse.rs` runs stages 1 to 3, `tables.rs` takes the
//! component tables apart, `bind.rs` is stage 4 and `to_toml.rs` writes an experiment back.

pub mod bind;
pub mod bounds;
pub mod messages;
pub mod origin;
mod parse;
mod tables;
#[cfg(test)]
mod tests;
mod to_toml;

use crate::augment::Augmentation;
use crate::corpus::CorpusConfig;
use crate::metrics::MetricsConfig;
use crate::protocol::{ProtocolConfig, ProtocolKind};
use crate::{Error, Result};
pub use origin::Origin;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `[experiment]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentMeta {
    /// Name; the run folder is `<output>/<name>/<timestamp>`.
    pub name: String,
    /// Seed for folds, models and everything random.
    #[serde(default)]
    pub seed: u64,
    /// Root folder for runs (and generated corpora).
    #[serde(default = "default_output")]
    pub output: PathBuf,
    /// Extra plugin folders or library files.
    #[serde(default)]
    pub plugin_paths: Vec<PathBuf>,
    /// Stop at the first unusable file or failing model instead of skipping it.
    #[serde(default)]
    pub fail_fast: bool,
    /// Feature cache folder (default `<output>/.cache`); see [`ExperimentMeta::cache_dir`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<PathBuf>,
}

impl ExperimentMeta {
    /// The feature cache folder: `cache` if given, else `<output>/.cache`.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache
            .clone()
            .unwrap_or_else(|| self.output.join(".cache"))
    }
}

fn default_output() -> PathBuf {
    PathBuf::from("runs")
}

/// A `[features.<id>]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSpec {
    /// Id used by models' `features = "<id>"`.
    pub id: String,
    /// Extractor component name.
    pub extractor: String,
    /// The remaining keys: the extractor's parameters.
    pub params: toml::Table,
}

/// A `[models.<id>]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Id used in results and by fusion `members`.
    pub id: String,
    /// Model component name.
    pub model: String,
    /// Id of the feature set it consumes; for early fusion (`features = ["a", "b"]`) the
    /// ids joined by `+` (`a+b`), the key of their per-utterance concatenation.
    pub features: String,
    /// The feature set ids it consumes: one, or several concatenated (early fusion, see
    /// [`crate::Features::concat`]).
    pub feature_sets: Vec<String>,
    /// The remaining keys: the model's parameters.
    pub params: toml::Table,
}

/// A fusion: the `[fusion]` table, or one `[fusion.<id>]` table of several.
#[derive(Clone, Debug, PartialEq)]
pub struct FusionSpec {
    /// Id of the fused system in results (default `fusion`).
    pub id: String,
    /// Fusion component name.
    pub method: String,
    /// Member model ids (default: all models).
    pub members: Vec<String>,
    /// The remaining keys: the fusion's parameters.
    pub params: toml::Table,
}

/// A validated experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// The file it came from.
    pub file: PathBuf,
    /// `[experiment]`.
    pub meta: ExperimentMeta,
    /// `[corpus]`.
    pub corpus: CorpusConfig,
    /// `[protocol]`.
    pub protocol: ProtocolConfig,
    /// `[features.*]`, in file order.
    pub features: Vec<FeatureSpec>,
    /// `[models.*]`, in file order.
    pub models: Vec<ModelSpec>,
    /// `[fusion]` (one) or `[fusion.<id>]` tables (several), in file order.
    pub fusions: Vec<FusionSpec>,
    /// `[transcriber]`, if any: speech-to-text for utterances without a transcript.
    pub transcriber: Option<TranscriberSpec>,
    /// `[metrics]` (every key defaulted).
    pub metrics: MetricsConfig,
    /// `[augmentation]`, if any; handed to the models that take it by
    /// [`Experiment::bind_plugins`].
    pub augmentation: Option<Augmentation>,
    /// Where each key is written, for messages from later checks.
    pub origin: Origin,
}

/// The `[transcriber]` table: which speech recogniser gives transcripts to text features.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriberSpec {
    /// Transcriber component name (`pocketsphinx`).
    pub method: String,
    /// When to transcribe.
    pub when: TranscribeWhen,
    /// The remaining keys: the transcriber's parameters.
    pub params: toml::Table,
}

/// When the transcriber is used (`when` in `[transcriber]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranscribeWhen {
    /// Only for utterances the corpus gives no transcript for.
    #[default]
    Missing,
    /// For every utterance (evaluates a text model on recognised, not reference, text).
    Always,
}

impl TranscribeWhen {
    /// The name written in TOML.
    pub fn name(self) -> &'static str {
        match self {
            TranscribeWhen::Missing => "missing",
            TranscribeWhen::Always => "always",
        }
    }
}

/// The top-level tables an experiment may have.
pub const SECTIONS: [&str; 9] = [
    "experiment",
    "corpus",
    "protocol",
    "features",
    "models",
    "fusion",
    "transcriber",
    "metrics",
    "augmentation",
];

pub use serlab_api::env::expand_env;

impl Experiment {
    /// Read and validate an experiment file.
    pub fn from_file(path: &Path) -> Result<Experiment> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Experiment::from_str(&text, path)
    }

    /// The first fusion, if any (the only one of a `[fusion]` table).
    pub fn fusion(&self) -> Option<&FusionSpec> {
        self.fusions.first()
    }
}
