//! serlab's workspace integration tests (one test binary).

mod audio_formats;
mod cli;
mod dashboard;
mod emodb;
mod fusion;
mod manifest_runs;
mod meld;
mod multimodal;
mod plugins;
mod predict;
mod quickstart;
mod text;
