//! The event loop: input, runner messages and drawing, with drawing capped at
//! [`FRAME`] intervals. Runner messages arrive on an unbounded channel and are drained
//! every turn, so the training thread never waits for a frame; the loop redraws only
//! when something changed (or every frame while a run goes, for the clock and ETA).

use super::app::{App, Effect, RunMsg};
use super::browser::scan;
use super::keys::{action_for, Action};
use super::trainer::Trainer;
use super::{mouse, ui};
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, Event};
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

/// Shortest time between two frames (at most 10 frames a second).
pub const FRAME: Duration = Duration::from_millis(100);

/// The loop's side of the effects: the runner thread and the channel it sends on.
struct Effects {
    trainer: Option<Trainer>,
    tx: Sender<RunMsg>,
}

impl Effects {
    fn apply(&mut self, app: &mut App, effects: Vec<Effect>, now: Duration) {
        for e in effects {
            match e {
                Effect::StartRun(path) => match Trainer::start(path, self.tx.clone()) {
                    Ok(t) => self.trainer = Some(t),
                    Err(err) => {
                        let more = app.on_run(
                            RunMsg::Ended(Err(format!("cannot start the run thread: {err}"))),
                            now,
                        );
                        self.apply(app, more, now);
                    }
                },
                Effect::Pause(p) => {
                    if let Some(t) = &self.trainer {
                        t.stop.set_paused(p);
                    }
                }
                Effect::Stop => {
                    if let Some(t) = &self.trainer {
                        t.stop.stop();
                    }
                }
                Effect::SkipFold => {
                    if let Some(t) = &self.trainer {
                        t.stop.skip_fold();
                    }
                }
                Effect::Rescan => {
                    let dir = app.browser.dir.clone();
                    app.set_scan(scan(&dir));
                }
                Effect::OpenExperiment(p) => {
                    let text = std::fs::read_to_string(&p)
                        .unwrap_or_else(|e| format!("cannot read {}: {e}", p.display()));
                    app.show_text(p.display().to_string(), &text);
                }
                Effect::OpenRun(dir) => app.show_text(dir.display().to_string(), &run_text(&dir)),
                Effect::Quit => {}
            }
        }
    }
}

/// What opening a run folder shows: its results summary, then its resolved `config.toml`.
pub fn run_text(dir: &Path) -> String {
    let summary = match serlab_engine::runner::load_results(dir) {
        Ok(r) => crate::table::render(&r),
        Err(e) => format!("results: {e}\n"),
    };
    let cfg = dir.join("config.toml");
    let config = std::fs::read_to_string(&cfg)
        .unwrap_or_else(|e| format!("cannot read {}: {e}", cfg.display()));
    format!(
        "{summary}\n# ---- resolved configuration ({}) ----\n{config}",
        cfg.display()
    )
}

/// Run the dashboard on `terminal` until the user quits and the run (if any) has ended.
/// `interrupted` is set from outside (SIGINT/SIGTERM) to quit as Ctrl-C does.
pub fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    interrupted: &AtomicBool,
) -> std::io::Result<()>
where
    B::Error: Into<std::io::Error>,
{
    let start = Instant::now();
    let (tx, rx): (Sender<RunMsg>, Receiver<RunMsg>) = mpsc::channel();
    let mut fx = Effects { trainer: None, tx };
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        let now = start.elapsed();
        while let Ok(msg) = rx.try_recv() {
            let effects = app.on_run(msg, now);
            fx.apply(app, effects, now);
            dirty = true;
        }
        if fx.trainer.as_ref().is_some_and(Trainer::is_finished) && rx.try_recv().is_err() {
            // Every message of the finished thread has been taken above.
            if let Some(t) = fx.trainer.take() {
                t.join();
            }
        }
        if interrupted.swap(false, Ordering::SeqCst) {
            let effects = app.update(Action::QuitNow, now);
            fx.apply(app, effects, now);
        }
        if app.quitting && fx.trainer.is_none() {
            return Ok(());
        }
        let since = last_draw.map(|t| t.elapsed()).unwrap_or(FRAME);
        if (dirty || app.running() || app.quitting) && since >= FRAME {
            let size = terminal.size().map_err(Into::into)?;
            app.page = size.height.saturating_sub(6).max(1) as usize;
            terminal
                .draw(|f| ui::draw(f, app, start.elapsed()))
                .map_err(Into::into)?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let wait = FRAME
            .saturating_sub(last_draw.map(|t| t.elapsed()).unwrap_or_default())
            .max(Duration::from_millis(5));
        if event::poll(wait)? {
            let now = start.elapsed();
            let effects = match event::read()? {
                Event::Key(k) => action_for(&app.contexts(), k)
                    .map(|a| app.update(a, now))
                    .unwrap_or_default(),
                Event::Mouse(m) => {
                    let s = terminal.size().map_err(Into::into)?;
                    mouse::on_mouse(app, m, Rect::new(0, 0, s.width, s.height), now)
                }
                Event::Resize(..) => {
                    terminal.autoresize().map_err(Into::into)?;
                    Vec::new()
                }
                _ => Vec::new(),
            };
            fx.apply(app, effects, now);
            dirty = true;
        }
    }
}
