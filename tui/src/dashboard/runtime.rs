//! The event loop: input, runner messages, signals and drawing, with drawing capped at
//! [`FRAME`] intervals. Runner messages arrive on an unbounded channel and are drained
//! every turn, so the training thread never waits for a frame; the loop redraws only
//! when something changed (or every frame while a run goes, for the clock and ETA).
//!
//! Input comes from [`super::input`]'s thread, never from crossterm on this thread, so a
//! dead terminal cannot hold the loop. The rule when the terminal goes away (SIGHUP, the
//! tty hung up, drawing fails) or SIGTERM/SIGINT arrives: stop the run through its stop
//! handle, as the `s` key does, wait up to [`STOP_GRACE`] for the runner to write the run
//! folder as `stopped`, then leave; a lost terminal is not drawn on or restored again.
//! A run that does not stop in time is left as it is: its `results.json` still says
//! `running`, and `serlab run --resume` continues it (recording the attempt as `killed`).

use super::app::{App, Effect, RunMsg};
use super::browser::scan;
use super::folders;
use super::input::{self, Input};
use super::keys::{action_for, Action};
use super::resources::Sampler;
use super::terminal::{Signal, Signals};
use super::trainer::{Job, Trainer};
use super::{mouse, ui};
use ratatui::backend::Backend;
use ratatui::crossterm::event::Event;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// Shortest time between two frames (at most 10 frames a second).
pub const FRAME: Duration = Duration::from_millis(100);

/// How long a signal or a lost terminal waits for the run to stop before leaving anyway.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// The file the dashboard saves its log as, in the run folder.
pub const LOG_FILE: &str = "dashboard.log";

/// How the loop ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The user quit (or SIGINT/SIGTERM with the terminal still there).
    Quit,
    /// The terminal is gone (why).
    Lost(String),
}

/// Why the loop is ending without the user asking.
#[derive(Default)]
struct Ending {
    /// The terminal is gone (why).
    lost: Option<String>,
    /// When a signal or the lost terminal asked the run to stop.
    forced: Option<Instant>,
}

impl Ending {
    /// Stop the run and quit, because of `why`; `gone`: the terminal is gone.
    fn begin(&mut self, app: &mut App, why: String, gone: bool, now: Duration) -> Vec<Effect> {
        if gone && self.lost.is_none() {
            self.lost = Some(why.clone());
        }
        if let Some(live) = app.live.as_mut().filter(|l| l.is_running()) {
            live.note(format!("{why}: stopping the run"), true, now);
        }
        self.forced.get_or_insert_with(Instant::now);
        app.update(Action::QuitNow, now)
    }
}

/// The loop's side of the effects: the runner thread and the channel it sends on.
struct Effects {
    trainer: Option<Trainer>,
    tx: Sender<RunMsg>,
}

impl Effects {
    fn start(&mut self, app: &mut App, job: Job, now: Duration) {
        // The parameters and seed the training screen shows, from the file the job reads.
        let (source, seed, lr) = match &job {
            Job::File(p) => (p.clone(), None, None),
            Job::Resume(d) => (d.join("config.toml"), None, None),
            Job::Variant(v) => (v.source.clone(), v.seed, v.lr),
        };
        if let (Ok(t), Some(live)) = (folders::read_toml(&source), app.live.as_mut()) {
            live.params = folders::model_params(&t);
            if let Some(lr) = lr {
                for (k, v) in live.params.values_mut().flatten() {
                    if k == "lr" {
                        *v = lr.to_string();
                    }
                }
            }
            live.seed = seed.or_else(|| {
                t.get("experiment")
                    .and_then(|e| e.get("seed"))
                    .and_then(|s| s.as_integer())
                    .and_then(|s| u64::try_from(s).ok())
            });
        }
        match Trainer::start_job(job, self.tx.clone()) {
            Ok(t) => self.trainer = Some(t),
            Err(err) => {
                let more = app.on_run(
                    RunMsg::Ended(Err(format!("cannot start the run thread: {err}"))),
                    now,
                );
                self.apply(app, more, now);
            }
        }
    }

    fn apply(&mut self, app: &mut App, effects: Vec<Effect>, now: Duration) {
        for e in effects {
            match e {
                Effect::StartRun(path) => self.start(app, Job::File(path), now),
                Effect::ResumeRun(dir) => self.start(app, Job::Resume(dir), now),
                Effect::StartVariant(v) => self.start(app, Job::Variant(v), now),
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
                Effect::LoadPast(dir) => app.set_past(folders::load_past(&dir)),
                Effect::LoadCompare(dirs) => {
                    app.compare_extra = Some(folders::compare_extra(&dirs));
                }
                Effect::SaveLog(dir, text) => {
                    if dir.is_dir() {
                        let path = dir.join(LOG_FILE);
                        if let Err(e) = serlab_engine::results::write_atomic(&path, text.as_bytes())
                        {
                            app.message = Some(format!("log not saved: {e}"));
                        }
                    }
                }
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

/// Run the dashboard on `terminal` until the user quits and the run (if any) has ended,
/// or the terminal is gone. Input comes from `input` (see [`input::spawn`]); `signals`
/// are checked every turn.
pub fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: &Receiver<Input>,
    signals: &Signals,
) -> Exit
where
    B::Error: Into<std::io::Error>,
{
    let start = Instant::now();
    let (tx, rx): (Sender<RunMsg>, Receiver<RunMsg>) = mpsc::channel();
    let mut fx = Effects { trainer: None, tx };
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut ending = Ending::default();
    let mut sampler = Sampler::default();
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
        if let Some(sig) = signals.take() {
            let effects = match sig {
                Signal::Hangup => {
                    ending.begin(app, "SIGHUP: the terminal is gone".into(), true, now)
                }
                Signal::Terminate => ending.begin(app, "SIGTERM/SIGINT".into(), false, now),
            };
            fx.apply(app, effects, now);
        }
        if app.quitting && fx.trainer.is_none() {
            break;
        }
        if ending.forced.is_some_and(|t| t.elapsed() >= STOP_GRACE) {
            // The run did not stop in time: leave it (see the module's rule).
            break;
        }
        if let Some(u) = sampler.sample() {
            app.set_usage(u);
        }
        let since = last_draw.map(|t| t.elapsed()).unwrap_or(FRAME);
        if ending.lost.is_none() && (dirty || app.running() || app.quitting) && since >= FRAME {
            let drawn = terminal.size().map_err(Into::into).and_then(|size| {
                app.page = size.height.saturating_sub(6).max(1) as usize;
                terminal
                    .draw(|f| ui::draw(f, app, start.elapsed()))
                    .map(|_| ())
                    .map_err(Into::into)
            });
            if let Err(e) = drawn {
                let why = format!("the terminal cannot be drawn on ({e})");
                let effects = ending.begin(app, why, true, now);
                fx.apply(app, effects, now);
            }
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let wait = FRAME
            .saturating_sub(last_draw.map(|t| t.elapsed()).unwrap_or_default())
            .max(Duration::from_millis(5));
        let got = if ending.lost.is_some() {
            std::thread::sleep(wait);
            None
        } else {
            match input.recv_timeout(wait) {
                Ok(i) => Some(i),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    Some(Input::Lost("the terminal input ended".into()))
                }
            }
        };
        let now = start.elapsed();
        let effects = match got {
            None => continue,
            Some(Input::Lost(why)) => ending.begin(app, why, true, now),
            Some(Input::Event(ev)) => on_event(terminal, app, ev, now),
        };
        fx.apply(app, effects, now);
        dirty = true;
    }
    match ending.lost {
        Some(why) => Exit::Lost(why),
        None => Exit::Quit,
    }
}

/// A key, mouse or resize event.
fn on_event<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    ev: Event,
    now: Duration,
) -> Vec<Effect> {
    match ev {
        Event::Key(k) if app.form.is_some() => app.form_key(k, now),
        Event::Key(k) => action_for(&app.contexts(), k)
            .map(|a| app.update(a, now))
            .unwrap_or_default(),
        Event::Mouse(m) => match terminal.size() {
            Ok(s) => mouse::on_mouse(app, m, Rect::new(0, 0, s.width, s.height), now),
            Err(_) => Vec::new(),
        },
        Event::Resize(..) => {
            let _ = terminal.autoresize();
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Start the input thread for the real terminal.
pub fn input_thread() -> std::io::Result<(input::InputThread, Receiver<Input>)> {
    let (tx, rx) = mpsc::channel();
    let handle = input::spawn(tx)?;
    Ok((handle, rx))
}
