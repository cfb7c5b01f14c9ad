//! serlab-core: everything a speech-emotion-recognition experiment needs except the
//! components themselves, which live in dynamically loaded plugins.
//!
//! The flow: a [`corpus`] gives utterances; a [`protocol`] splits speakers into folds with
//! train / validation / test speakers; [`FeatureExtractor`]s turn audio into features;
//! [`Model`]s fit on train (selecting on validation) and predict test; a [`Fusion`] combines
//! members; [`metrics`] score everything; the [`runner`] drives it all and emits
//! [`events::RunEvent`]s for whichever renderer is attached.

pub mod allocator;
pub mod audio;
pub mod augment;
pub mod cache;
pub mod config;
pub mod corpus;
pub mod data;
pub mod error;
pub mod events;
pub mod features;
pub mod fusion;
pub mod metrics;
pub mod model;
pub mod plugin;
pub mod preflight;
pub mod protocol;
pub mod results;
pub mod runner;
pub mod suggest;
pub mod synthetic;
pub mod transcriber;

pub use data::{Corpus, Gender, Intensity, Split, Utterance};
pub use error::{Error, Result};
pub use events::{EventSink, RunEvent, StopHandle};
pub use features::{Audio, FeatureExtractor, FeatureInfo, FeatureInput, FeatureShape, Features};
pub use fusion::Fusion;
pub use model::{AuxLabels, FitContext, LabeledSet, Model};
pub use plugin::registry::Component;
pub use transcriber::Transcriber;
