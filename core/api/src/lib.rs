//! serlab-api: what a serlab plugin depends on, and nothing else.
//!
//! A plugin is a `cdylib` loaded at run time; Rust has no stable ABI, so everything that
//! crosses the boundary between the host and a plugin must come from one crate that both
//! were built against. This is that crate: the data types ([`Audio`], [`Features`],
//! [`LabeledSet`], [`FitContext`], [`MemberProbs`](fusion::MemberProbs)), the component
//! traits ([`FeatureExtractor`], [`Model`], [`Fusion`], [`Transcriber`]), run events and the
//! stop handle, the one [`Error`] type, the [`plugin::Registrar`], the
//! [`export_plugin!`] macro, the panic guards and [`persist`] (atomic JSON saves).
//!
//! It is kept small on purpose: the plugin handshake hashes this crate's source alone
//! ([`plugin::INTERFACE_HASH`]), so the engine (corpora, runner, metrics, run folders) can
//! change without refusing plugins that were already built. A few helpers that plugins
//! share with the engine live here too because a plugin must not depend on the engine:
//! the confusion matrix ([`metrics`]), augmentation settings ([`augment`]), `${VAR}`
//! expansion ([`env`]), "did you mean" suggestions ([`suggest`]) and the allocator tuning
//! training loops ask for ([`allocator`]).

pub mod allocator;
pub mod augment;
pub mod data;
pub mod env;
pub mod error;
pub mod events;
pub mod features;
pub mod fusion;
pub mod metrics;
pub mod model;
pub mod persist;
pub mod plugin;
pub mod suggest;
pub mod transcriber;

pub use data::{Corpus, Gender, Intensity, Split, Utterance};
pub use error::{Error, Result};
pub use events::{EventSink, RunEvent, StopHandle};
pub use features::{Audio, FeatureExtractor, FeatureInfo, FeatureInput, FeatureShape, Features};
pub use fusion::Fusion;
pub use model::{AuxLabels, FitContext, LabeledSet, Model};
pub use plugin::registry::Component;
pub use transcriber::Transcriber;
