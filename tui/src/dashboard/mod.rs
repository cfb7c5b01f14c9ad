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
//! - [`runtime`]: the event loop (bounded frame rate), [`input`]: terminal input on its own
//!   thread (a dead terminal cannot hold the loop), [`trainer`]: the training thread,
//!   [`terminal`]: the guard that gives the terminal back, and the signals;
//! - [`folders`]: past runs and compare details read from run folders; [`resources`]:
//!   CPU and memory use.
//!
//! When the terminal goes away (SIGHUP, hung-up tty) or SIGTERM arrives the run is stopped
//! through its stop handle, the folder is written as `stopped` (resumable), and the process
//! exits; see [`runtime`] and docs/dashboard.md.

pub mod app;
pub mod browser;
pub mod compare;
pub mod curves;
pub mod error;
pub mod folders;
pub mod input;
pub mod keys;
pub mod live;
pub mod mouse;
pub mod resources;
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
    let signals = terminal::Signals::install();
    let mut app = app::App::new(dir);
    app.set_scan(browser::scan(dir));
    let mut guard = terminal::TerminalGuard::enter()?;
    let (input, rx) = runtime::input_thread()?;
    let exit = runtime::event_loop(&mut guard.terminal, &mut app, &rx, &signals);
    drop(input);
    match exit {
        runtime::Exit::Quit => {
            drop(guard);
            Ok(())
        }
        runtime::Exit::Lost(why) => {
            guard.abandon();
            drop(guard);
            silence_output();
            Err(DashboardError::TerminalLost(why))
        }
    }
}

/// Point stdout and stderr at `/dev/null`: the terminal is gone, and a write to it would
/// fail (and `eprintln!` panic) on the way out.
fn silence_output() {
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        use std::os::fd::AsRawFd;
        // SAFETY: dup2 onto the standard descriptors with a descriptor we own.
        unsafe {
            libc::dup2(null.as_raw_fd(), 1);
            libc::dup2(null.as_raw_fd(), 2);
        }
    }
}
