//! serlab's workspace integration tests (one test binary).

mod cli;
mod emodb;
mod fusion;
mod meld;
mod multimodal;
mod plugins;
mod predict;
mod quickstart;
mod text;
