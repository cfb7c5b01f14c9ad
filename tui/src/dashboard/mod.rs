//! `serlab tui`: the interactive training session.
//!
//! It drives the same runner as `serlab run`, on its own thread, through the runner's event
//! stream (no second training path). The pieces, each in its own file:
//! - [`app`]: the state and its reducer (actions and runner messages in, effects out);
//!   [`live`] folds run events into what the live screens show, [`browser`] and
//!   [`compare`] hold the experiment list and the comparison of runs;
//! - [`keys`]: the one table of key bindings (key handler, help overlay, README);
//! - [`ui`]: one drawing function per screen, layouts in one place; [`widgets`]: heat map,
//!   bars, pop-ups;
//! - [`runtime`]: the event loop (bounded frame rate), [`trainer`]: the training thread,
//!   [`terminal`]: the guard that always gives the terminal back.

pub mod app;
pub mod browser;
pub mod compare;
pub mod curves;
pub mod error;
pub mod keys;
pub mod live;
pub mod mouse;
pub mod runtime;
pub mod terminal;
pub mod trainer;
pub mod ui;
pub mod widgets;

#[cfg(test)]
mod tests;

pub use error::DashboardError;

use std::io::IsTerminal;
use std::path::Path;

/// Open the dashboard on the experiments of `dir`; returns when the user quits.
pub fn run(dir: &Path) -> Result<(), DashboardError> {
    if !std::io::stdout().is_terminal() {
        return Err(DashboardError::NotATerminal);
    }
    if !dir.is_dir() {
        return Err(DashboardError::NoFolder(dir.to_path_buf()));
    }
    let interrupted = terminal::interrupt_flag();
    let mut app = app::App::new(dir);
    app.set_scan(browser::scan(dir));
    let mut guard = terminal::TerminalGuard::enter()?;
    let result = runtime::event_loop(&mut guard.terminal, &mut app, &interrupted);
    drop(guard);
    result?;
    Ok(())
}
