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
pub mod signals;
pub mod stats;
pub mod table;

/// The process exit code for an error (documented in README, "What serlab guarantees"):
/// 2 for input the user can fix (experiment file, corpus, audio, run folder, usage), 3 for a
/// run that went to its end with failed systems, 128 + the signal number for an interrupted
/// run (130 for SIGINT, 143 for SIGTERM), 1 for everything else. Success is 0.
pub fn exit_code(e: &serlab_engine::Error) -> i32 {
    use serlab_engine::Error as E;
    match e {
        E::Config { .. }
        | E::UnknownComponent { .. }
        | E::Corpus { .. }
        | E::Audio { .. }
        | E::RunFolder { .. }
        | E::Protocol(_)
        | E::InvalidInput(_) => 2,
        E::SystemsFailed { .. } => 3,
        E::Interrupted { signal, .. } => match *signal {
            "SIGTERM" => 143,
            _ => 130,
        },
        _ => 1,
    }
}
