//! The terminal guard: raw mode, alternate screen and mouse capture on the way in, and the
//! same undone on every way out — normal return, error (`Drop`), panic on the drawing
//! thread (panic hook), Ctrl-C (a key in raw mode) and SIGINT/SIGTERM from outside
//! (a `ctrlc` handler that asks the loop to quit).
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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::thread::ThreadId;

/// The thread drawing the terminal, while a guard is alive.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
static HOOK: Once = Once::new();
static INTERRUPT: OnceLock<Arc<AtomicBool>> = OnceLock::new();

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

/// The flag a SIGINT/SIGTERM sets (installed once per process; `None` if another handler
/// was installed first).
pub fn interrupt_flag() -> Arc<AtomicBool> {
    INTERRUPT
        .get_or_init(|| {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            // If a handler is already set (embedding program), Ctrl-C still arrives as a key.
            let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
            flag
        })
        .clone()
}

/// Holds the terminal in dashboard mode; dropping it restores the terminal.
pub struct TerminalGuard {
    /// The terminal to draw on.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
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
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                let _ = restore();
                *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
        *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
