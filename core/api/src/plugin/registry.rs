//! Components and the registrar a plugin fills in.
//!
//! A plugin author implements one of [`ExtractorComponent`], [`ModelComponent`] or
//! [`FusionComponent`] (a name, a summary, a serde parameter struct with defaults) and calls
//! the matching [`Registrar`] method. The registrar methods are generic, so the factory and
//! guard code they create is compiled into the plugin: that is what lets panics be caught.

use super::guard::{
    ExtractorFactoryImpl, FusionFactoryImpl, ModelFactoryImpl, TranscriberFactoryImpl,
};
use crate::{FeatureExtractor, Fusion, Model, Result, Transcriber};
use serde::{de::DeserializeOwned, Serialize};

/// Which trait a component implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentKind {
    /// A [`FeatureExtractor`].
    Extractor,
    /// A [`Model`].
    Model,
    /// A [`Fusion`].
    Fusion,
    /// A [`Transcriber`].
    Transcriber,
}

impl ComponentKind {
    /// Human name used in messages.
    pub fn label(self) -> &'static str {
        match self {
            ComponentKind::Extractor => "feature extractor",
            ComponentKind::Model => "model",
            ComponentKind::Fusion => "fusion",
            ComponentKind::Transcriber => "transcriber",
        }
    }
}

/// A component's self-description, shown by `serlab plugins`.
#[derive(Clone, Debug)]
pub struct ComponentInfo {
    /// Name used in experiment files.
    pub name: String,
    /// Trait implemented.
    pub kind: ComponentKind,
    /// One line on what it does.
    pub summary: String,
    /// Its parameter table with every default filled in, as TOML.
    pub defaults: String,
    /// Help text per parameter key.
    pub params: Vec<(String, String)>,
}

/// Describes the parameters and construction of a component; implemented by plugin authors.
pub trait Component: Sized + Send + 'static {
    /// Name used in experiment files (`random-forest`).
    const NAME: &'static str;
    /// One line on what it does.
    const SUMMARY: &'static str;
    /// Help per parameter key.
    const PARAMS_HELP: &'static [(&'static str, &'static str)];
    /// Parameters, deserialised from the component's TOML table. Use
    /// `#[serde(default, deny_unknown_fields)]` so unknown keys are reported.
    type Params: Serialize + DeserializeOwned + Default;
    /// Build the component from validated parameters.
    fn new(params: Self::Params) -> Result<Self>;
}

/// A [`Component`] that extracts features.
pub trait ExtractorComponent: Component + FeatureExtractor + Sync {}
impl<T: Component + FeatureExtractor + Sync> ExtractorComponent for T {}
/// A [`Component`] that is a model.
pub trait ModelComponent: Component + Model {}
impl<T: Component + Model> ModelComponent for T {}
/// A [`Component`] that fuses.
pub trait FusionComponent: Component + Fusion {}
impl<T: Component + Fusion> FusionComponent for T {}
/// A [`Component`] that transcribes speech.
pub trait TranscriberComponent: Component + Transcriber {}
impl<T: Component + Transcriber> TranscriberComponent for T {}

/// Makes feature extractors from a TOML parameter table.
pub trait ExtractorFactory: Send + Sync {
    /// Self-description.
    fn info(&self) -> ComponentInfo;
    /// The full parameter table that `params` means (every default filled in), as TOML:
    /// what the component will run with, and how its defaults are checked to round-trip.
    fn resolve(&self, params: &str) -> Result<String>;
    /// A new extractor; `params` is the component's TOML table as text.
    fn create(&self, params: &str) -> Result<Box<dyn FeatureExtractor>>;
}

/// Makes models from a TOML parameter table.
pub trait ModelFactory: Send + Sync {
    /// Self-description.
    fn info(&self) -> ComponentInfo;
    /// The full parameter table that `params` means (every default filled in), as TOML:
    /// what the component will run with, and how its defaults are checked to round-trip.
    fn resolve(&self, params: &str) -> Result<String>;
    /// A new, unfitted model.
    fn create(&self, params: &str) -> Result<Box<dyn Model>>;
}

/// Makes fusion strategies from a TOML parameter table.
pub trait FusionFactory: Send + Sync {
    /// Self-description.
    fn info(&self) -> ComponentInfo;
    /// The full parameter table that `params` means (every default filled in), as TOML:
    /// what the component will run with, and how its defaults are checked to round-trip.
    fn resolve(&self, params: &str) -> Result<String>;
    /// A new, unfitted fusion.
    fn create(&self, params: &str) -> Result<Box<dyn Fusion>>;
}

/// Makes transcribers from a TOML parameter table.
pub trait TranscriberFactory: Send + Sync {
    /// Self-description.
    fn info(&self) -> ComponentInfo;
    /// The full parameter table that `params` means (every default filled in), as TOML:
    /// what the component will run with, and how its defaults are checked to round-trip.
    fn resolve(&self, params: &str) -> Result<String>;
    /// A new transcriber (an error, with the install command, when its recogniser is
    /// missing).
    fn create(&self, params: &str) -> Result<Box<dyn Transcriber>>;
}

/// What a plugin's registration function fills in.
pub struct Registrar {
    pub(crate) plugin: String,
    pub(crate) extractors: Vec<Box<dyn ExtractorFactory>>,
    pub(crate) models: Vec<Box<dyn ModelFactory>>,
    pub(crate) fusions: Vec<Box<dyn FusionFactory>>,
    pub(crate) transcribers: Vec<Box<dyn TranscriberFactory>>,
    pub(crate) failure: Option<crate::Error>,
}

impl Registrar {
    /// An empty registrar for the plugin `plugin`.
    pub fn new(plugin: &str) -> Self {
        Registrar {
            plugin: plugin.to_string(),
            extractors: Vec::new(),
            models: Vec::new(),
            fusions: Vec::new(),
            transcribers: Vec::new(),
            failure: None,
        }
    }

    /// The plugin being registered.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// Add a feature extractor.
    pub fn extractor<E: ExtractorComponent>(&mut self) {
        let f = ExtractorFactoryImpl::<E>::new(&self.plugin);
        self.extractors.push(Box::new(f));
    }

    /// Add a model.
    pub fn model<M: ModelComponent>(&mut self) {
        let f = ModelFactoryImpl::<M>::new(&self.plugin);
        self.models.push(Box::new(f));
    }

    /// Add a fusion strategy.
    pub fn fusion<F: FusionComponent>(&mut self) {
        let f = FusionFactoryImpl::<F>::new(&self.plugin);
        self.fusions.push(Box::new(f));
    }

    /// Add a transcriber.
    pub fn transcriber<T: TranscriberComponent>(&mut self) {
        let f = TranscriberFactoryImpl::<T>::new(&self.plugin);
        self.transcribers.push(Box::new(f));
    }

    /// The extractor factories registered (read by the host's loader).
    pub fn extractor_factories(&self) -> &[Box<dyn ExtractorFactory>] {
        &self.extractors
    }

    /// The model factories registered.
    pub fn model_factories(&self) -> &[Box<dyn ModelFactory>] {
        &self.models
    }

    /// The fusion factories registered.
    pub fn fusion_factories(&self) -> &[Box<dyn FusionFactory>] {
        &self.fusions
    }

    /// The transcriber factories registered.
    pub fn transcriber_factories(&self) -> &[Box<dyn TranscriberFactory>] {
        &self.transcribers
    }

    /// The error that ended registration (a panic in the registration function), if any.
    pub fn take_failure(&mut self) -> Option<crate::Error> {
        self.failure.take()
    }

    /// Self-descriptions of everything registered.
    pub fn components(&self) -> Vec<ComponentInfo> {
        let mut v: Vec<ComponentInfo> = self.extractors.iter().map(|f| f.info()).collect();
        v.extend(self.models.iter().map(|f| f.info()));
        v.extend(self.fusions.iter().map(|f| f.info()));
        v.extend(self.transcribers.iter().map(|f| f.info()));
        v
    }
}
