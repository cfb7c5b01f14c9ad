//! serlab's workspace integration tests (one test binary).

mod cli;
mod emodb;
mod features_h5;
mod plugins;
mod quickstart;
