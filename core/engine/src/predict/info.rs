//! What a loaded run is — its id, classes, models, fusions, recogniser and the versions of
//! serlab and its plugins — for `GET /info` and the banners of `serlab live`.

use std::path::PathBuf;

/// What a loaded run is, for `GET /info` and `serlab live`'s banner.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunInfo {
    /// `<experiment>/<run folder name>`.
    pub run_id: String,
    /// The run folder.
    pub run_dir: PathBuf,
    /// Experiment name.
    pub experiment: String,
    /// Class names, in the order of every probability vector.
    pub classes: Vec<String>,
    /// The folds whose models are loaded.
    pub folds: Vec<usize>,
    /// Every model.
    pub models: Vec<ModelInfo>,
    /// Every fusion: id, method and members.
    pub fusions: Vec<FusionInfo>,
    /// The speech recogniser that gives text models their words, when any model reads text.
    pub transcriber: Option<String>,
    /// The serlab that serves the run.
    pub serlab_version: String,
    /// The serlab that trained it.
    pub run_serlab_version: String,
    /// Plugins loaded: name, version, library.
    pub plugins: Vec<PluginInfo>,
    /// Copies of the models kept in memory (concurrent predictions).
    pub replicas: usize,
}

/// One model of [`RunInfo`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct ModelInfo {
    /// Model id.
    pub id: String,
    /// Component name.
    pub model: String,
    /// Feature set key it reads.
    pub features: String,
    /// Whether it normalises features per speaker (`normalize = "speaker"`).
    pub speaker_normalised: bool,
    /// Fold models loaded.
    pub folds: usize,
}

/// One fusion of [`RunInfo`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct FusionInfo {
    /// Fusion id.
    pub id: String,
    /// Method.
    pub method: String,
    /// Member model ids.
    pub members: Vec<String>,
}

/// One plugin of [`RunInfo`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct PluginInfo {
    /// Declared name.
    pub name: String,
    /// Declared version.
    pub version: String,
    /// Library file (none for built-in components).
    pub path: Option<PathBuf>,
}
