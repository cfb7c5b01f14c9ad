//! serlab's front ends: the command line (`serlab run`, `serlab plugins`, `serlab tui`) and
//! its renderers. The runner lives in serlab-engine and only emits events; this crate decides how
//! they are shown.

pub mod bench;
pub mod check_plugin;
pub mod cli;
pub mod compare;
pub mod dashboard;
pub mod export;
pub mod folds;
pub mod live;
pub mod merge;
pub mod new_plugin;
pub mod predict;
pub mod progress;
pub mod report;
pub mod run;
pub mod serve;
pub mod stats;
pub mod table;
