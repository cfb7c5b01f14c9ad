//! SIGINT and SIGTERM during `serlab run`: the first one stops the run through its
//! [`StopHandle`] (the fold in progress is abandoned, finished folds are kept, the folder
//! stays resumable) and is remembered, so the run folder can say `interrupted` and the
//! process can exit with 128 + the signal number. A second signal ends the process at once
//! (the folder is still resumable: it is what `kill -9` leaves).

use serlab_engine::StopHandle;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};
use std::sync::{Arc, Mutex};

/// Watches for SIGINT/SIGTERM while it lives.
pub struct Watch {
    caught: Arc<Mutex<Option<&'static str>>>,
    handle: Option<Handle>,
}

fn name(signal: i32) -> &'static str {
    if signal == SIGTERM {
        "SIGTERM"
    } else {
        "SIGINT"
    }
}

impl Watch {
    /// Start watching; a signal calls `stop.stop()`. If the handlers cannot be installed the
    /// default behaviour (the process ends, the folder stays resumable) is kept.
    pub fn start(stop: &StopHandle) -> Watch {
        let caught = Arc::new(Mutex::new(None));
        let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
            return Watch {
                caught,
                handle: None,
            };
        };
        let handle = signals.handle();
        let (stop, seen) = (stop.clone(), caught.clone());
        std::thread::spawn(move || {
            for signal in signals.forever() {
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                if seen.is_some() {
                    eprintln!("second {}: exiting now", name(signal));
                    std::process::exit(128 + signal);
                }
                *seen = Some(name(signal));
                eprintln!(
                    "{}: stopping after the current step (send it again to exit at once)",
                    name(signal)
                );
                stop.stop();
            }
        });
        Watch {
            caught,
            handle: Some(handle),
        }
    }

    /// The signal that stopped the run, if one did.
    pub fn caught(&self) -> Option<&'static str> {
        *self.caught.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(h) = &self.handle {
            h.close();
        }
    }
}
