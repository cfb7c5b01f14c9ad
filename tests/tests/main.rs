//! serlab's workspace integration tests (one test binary).

mod audio_formats;
mod cli;
mod emodb;
mod plugins;
mod quickstart;
