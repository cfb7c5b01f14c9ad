//! serlab's front ends: the command line (`serlab run`, `serlab plugins`) and its
//! renderers. The runner lives in serlab-core and only emits events; this crate decides how
//! they are shown.

pub mod cli;
pub mod folds;
pub mod merge;
pub mod progress;
pub mod run;
pub mod table;
