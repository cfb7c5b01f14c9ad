//! serlab's workspace integration tests (one test binary).

mod cli;
mod dashboard;
mod emodb;
mod plugins;
mod quickstart;
