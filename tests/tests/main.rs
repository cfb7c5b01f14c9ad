//! serlab's workspace integration tests (one test binary).

mod cli;
mod emodb;
mod plugins;
mod quickstart;
mod run_status;
