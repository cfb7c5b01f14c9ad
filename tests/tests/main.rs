//! serlab's workspace integration tests (one test binary).

mod cli;
mod emodb;
mod neural;
mod plugins;
mod quickstart;
