//! The terminal guard: raw mode, alternate screen and mouse capture on the way in, and the
//! same undone on every way out — normal return, error (`Drop`), panic on the drawing
//! thread (panic hook), Ctrl-C (a key in raw mode) and SIGINT/SIGTERM from outside.
//! A terminal that is gone (SIGHUP, or its input hung up) is not restored: there is nothing
//! to restore and writing to it only fails ([`TerminalGuard::abandon`]).
//!
//! Signals: SIGINT, SIGTERM and SIGHUP only set [`Signals`] (signal-hook flags, checked by
//! the event loop every turn); a second one of them while the first is handled ends the
//! process at once with the default action, so a stuck dashboard always yields to a repeat.
//!
//! A panic on the training thread must not touch the terminal (the dashboard is still
//! drawing): the hook only restores for the thread that entered, and for other threads
//! keeps the message (with its location) for whoever catches the unwind, instead of
//! printing it over the screen.

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;
use std::cell::RefCell;
use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::thread::ThreadId;

/// The thread drawing the terminal, while a guard is alive.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
static HOOK: Once = Once::new();
static SIGNALS: OnceLock<Signals> = OnceLock::new();

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The message and location of the last panic on this thread (not the drawing thread).
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow_mut().take())
}

/// Put the terminal back: leave the alternate screen, stop mouse capture, cooked mode,
/// show the cursor. Safe to call more than once.
pub fn restore() -> io::Result<()> {
    let mut out = io::stdout();
    let r1 = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let r2 = disable_raw_mode();
    r1.and(r2)
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let me = std::thread::current().id();
            let ui = *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner());
            match ui {
                Some(t) if t != me => {
                    LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
                }
                Some(_) => {
                    let _ = restore();
                    previous(info);
                }
                None => previous(info),
            }
        }));
    });
}

/// The signal that asked the dashboard to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT or SIGTERM: quit, stopping the run; the terminal is still there.
    Terminate,
    /// SIGHUP: the terminal (tmux pane, SSH session) is gone.
    Hangup,
}

/// The last SIGINT/SIGTERM/SIGHUP received, set from the signal handler.
#[derive(Clone, Debug, Default)]
pub struct Signals {
    last: Arc<AtomicUsize>,
    seen: Arc<AtomicBool>,
}

impl Signals {
    /// Install the handlers (once per process) and return the flags they set. Where a
    /// handler cannot be installed the signal keeps its default action (ends the process).
    pub fn install() -> Signals {
        SIGNALS
            .get_or_init(|| {
                let s = Signals::default();
                for sig in [
                    signal_hook::consts::SIGINT,
                    signal_hook::consts::SIGTERM,
                    signal_hook::consts::SIGHUP,
                ] {
                    // Registered first, so it sees `seen` before this signal sets it: a
                    // repeat gets the default action (the process ends).
                    let _ = signal_hook::flag::register_conditional_default(sig, s.seen.clone());
                    let _ = signal_hook::flag::register(sig, s.seen.clone());
                    let _ = signal_hook::flag::register_usize(sig, s.last.clone(), sig as usize);
                }
                s
            })
            .clone()
    }

    /// Take the signal received since the last call, if any.
    pub fn take(&self) -> Option<Signal> {
        match self.last.swap(0, Ordering::SeqCst) {
            0 => None,
            s if s == signal_hook::consts::SIGHUP as usize => Some(Signal::Hangup),
            _ => Some(Signal::Terminate),
        }
    }

    /// Pretend `sig` arrived (tests).
    pub fn raise(&self, sig: Signal) {
        let n = match sig {
            Signal::Hangup => signal_hook::consts::SIGHUP,
            Signal::Terminate => signal_hook::consts::SIGTERM,
        };
        self.last.store(n as usize, Ordering::SeqCst);
    }
}

/// Holds the terminal in dashboard mode; dropping it restores the terminal.
pub struct TerminalGuard {
    /// The terminal to draw on.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    abandoned: bool,
}

impl TerminalGuard {
    /// Enter dashboard mode on stdout.
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current().id());
        let entered = (|| {
            enable_raw_mode()?;
            execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
            let mut t = Terminal::new(CrosstermBackend::new(io::stdout()))?;
            t.clear()?;
            Ok(t)
        })();
        match entered {
            Ok(terminal) => Ok(TerminalGuard {
                terminal,
                abandoned: false,
            }),
            Err(e) => {
                let _ = restore();
                *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Err(e)
            }
        }
    }
}

impl TerminalGuard {
    /// The terminal is gone: leave it as it is when the guard drops.
    pub fn abandon(&mut self) {
        self.abandoned = true;
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if !self.abandoned {
            let _ = restore();
        }
        *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
