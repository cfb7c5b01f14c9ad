//! serlab's workspace integration tests (one test binary).

mod audio_formats;
mod cli;
mod conformance;
mod dashboard;
mod emodb;
mod features_h5;
mod fusion;
mod invalid_experiments;
mod manifest_runs;
mod meld;
mod multimodal;
mod neural;
mod plugin_kit;
mod plugins;
mod predict;
mod quickstart;
mod reports;
mod robust_folders;
mod robust_fuzz;
mod robust_inputs;
mod run_status;
mod serve;
mod streaming;
mod text;
mod text_nn;
