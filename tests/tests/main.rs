//! serlab's workspace integration tests (one test binary).

mod cli;
mod emodb;
mod invalid_experiments;
mod plugins;
mod quickstart;
mod reports;
