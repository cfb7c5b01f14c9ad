//! Why the dashboard could not start or had to end.

use std::path::PathBuf;

/// Errors of `serlab tui`.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// Standard output is not a terminal (piped, redirected, or run from CI).
    #[error("stdout is not a terminal: `serlab tui` needs one; for a plain run use `serlab run EXPERIMENT.toml`")]
    NotATerminal,
    /// The experiments folder does not exist.
    #[error("experiments folder {0} does not exist (usage: serlab tui [EXPERIMENTS-DIR])")]
    NoFolder(PathBuf),
    /// The terminal went away (SIGHUP, hung-up tty) while the dashboard ran; the run was
    /// stopped (see docs/dashboard.md).
    #[error("the terminal is gone ({0}); the run was stopped and can be resumed with `serlab run --resume RUN-DIR`")]
    TerminalLost(String),
    /// The terminal could not be set up or drawn on.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}
