//! Terminal input on its own thread, so the event loop never blocks in crossterm.
//!
//! Why: when the terminal goes away (tmux session killed, SSH connection dropped) the tty
//! reads end-of-file forever, and crossterm 0.29's reader loops on those empty reads inside
//! `event::poll` without returning — the dashboard used to spin at 40–70 % CPU there and
//! never looked at its SIGTERM flag. This thread first waits on the tty with `poll(2)`
//! itself: a hang-up (`POLLHUP`/`POLLERR`/`POLLNVAL`) or an empty read is reported as
//! [`Input::Lost`] and the thread ends, so crossterm is only asked for events while the
//! terminal is alive. Should crossterm still be caught in that loop (the hang-up falling
//! between the two checks), only this thread spins: the event loop goes on, sees SIGHUP,
//! stops the run and exits the process, which ends the thread.

use ratatui::crossterm::event::{self, Event};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

/// What the input thread reports.
#[derive(Debug)]
pub enum Input {
    /// A key, mouse or resize event.
    Event(Event),
    /// The terminal is gone (why, for the log).
    Lost(String),
}

/// How long one wait for input lasts before the thread checks that the loop still listens
/// (and asks crossterm for resize events, which arrive by signal, not on the tty).
const TICK: Duration = Duration::from_millis(100);

/// The state of a file descriptor after one `poll(2)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ready {
    /// Bytes to read.
    Readable,
    /// Nothing within the timeout.
    Idle,
    /// Hung up, in error or closed.
    Gone,
}

/// Wait up to `timeout` on `fd`.
pub fn wait(fd: RawFd, timeout: Duration) -> Ready {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd, its count, a timeout; poll only writes `revents`.
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    if n < 0 {
        let e = std::io::Error::last_os_error();
        return if e.kind() == std::io::ErrorKind::Interrupted {
            Ready::Idle
        } else {
            Ready::Gone
        };
    }
    if n == 0 {
        return Ready::Idle;
    }
    if p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        return Ready::Gone;
    }
    if p.revents & libc::POLLIN != 0 {
        // A tty that says "readable" with nothing to read is at end-of-file.
        let mut avail: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int.
        let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut avail) };
        if r == 0 && avail == 0 {
            return Ready::Gone;
        }
        return Ready::Readable;
    }
    Ready::Idle
}

/// The descriptor crossterm reads: stdin when it is a terminal, else `/dev/tty`.
fn tty() -> std::io::Result<(RawFd, Option<std::fs::File>)> {
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(0) } == 1 {
        return Ok((0, None));
    }
    let f = std::fs::File::open("/dev/tty")?;
    Ok((f.as_raw_fd(), Some(f)))
}

/// The input thread; dropping this asks it to end (it is never joined: it may be stuck in
/// crossterm on a dead terminal, and the process ending ends it).
pub struct InputThread {
    done: Arc<AtomicBool>,
}

impl Drop for InputThread {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// Start the input thread; it ends when its handle is dropped or the terminal is gone.
pub fn spawn(tx: Sender<Input>) -> std::io::Result<InputThread> {
    let (fd, file) = tty()?;
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    std::thread::Builder::new()
        .name("serlab-input".into())
        .spawn(move || {
            let _keep = file;
            while !d.load(Ordering::SeqCst) {
                let ready = wait(fd, TICK);
                if ready == Ready::Gone {
                    let _ = tx.send(Input::Lost("the terminal hung up".into()));
                    return;
                }
                // Drain what crossterm has (keys after `Readable`; resizes any time).
                loop {
                    match event::poll(Duration::ZERO) {
                        Ok(true) => match event::read() {
                            Ok(e) => {
                                if tx.send(Input::Event(e)).is_err() {
                                    return;
                                }
                            }
                            Err(e) => {
                                let _ = tx.send(Input::Lost(format!("terminal input: {e}")));
                                return;
                            }
                        },
                        Ok(false) => break,
                        Err(e) => {
                            let _ = tx.send(Input::Lost(format!("terminal input: {e}")));
                            return;
                        }
                    }
                }
            }
        })?;
    Ok(InputThread { done })
}
