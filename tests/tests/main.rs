//! serlab's workspace integration tests (one test binary).

mod audio_formats;
mod cli;
mod dashboard;
mod emodb;
mod features_h5;
mod invalid_experiments;
mod manifest_runs;
mod neural;
mod plugins;
mod quickstart;
mod reports;
mod run_status;
