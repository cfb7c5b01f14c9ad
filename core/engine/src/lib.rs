//! serlab-engine: everything a speech-emotion-recognition experiment needs except the
//! components themselves, which live in dynamically loaded plugins built against
//! [`serlab_api`] (re-exported here, so host code names one crate).
//!
//! The flow: a [`corpus`] gives utterances; a [`protocol`] splits speakers into folds with
//! train / validation / test speakers; [`FeatureExtractor`]s turn audio into features
//! (cached through [`cache`], stored by [`h5cache`]); [`Model`]s fit on train (selecting on
//! validation) and predict test; a [`Fusion`] combines members; [`metrics`] score
//! everything; the [`runner`] drives it all and emits [`events::RunEvent`]s. The run
//! folder (results, predictions, the epoch log and plots) is written by the engine's own
//! sinks whichever front end started the run, so `serlab run`, the dashboard and
//! `serlab predict` share one pipeline.

pub use serlab_api::*;

pub mod audio;
pub mod cache;
pub mod config;
pub mod corpus;
pub mod epochs;
pub mod h5cache;
pub mod metrics;
pub mod plots;
pub mod plugin;
pub mod predict;
pub mod preflight;
pub mod protocol;
pub mod results;
pub mod runner;
pub mod synthetic;
pub mod transcript;
