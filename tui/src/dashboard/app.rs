//! The dashboard's state and its reducer: key actions and runner messages go in, state
//! changes and [`Effect`]s (things only the event loop may do: start a thread, touch the
//! stop handle, read files) come out. No terminal, no clock, no disk here, so every
//! behaviour is tested by feeding actions and events.

use super::browser::{Browser, Pane, Scan};
use super::keys::{Action, Context};
use super::live::{LiveRun, Phase};
use serlab_engine::RunEvent;
use std::path::PathBuf;
use std::time::Duration;

/// The screens reachable with `1`–`5`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Experiments and past runs.
    Browser,
    /// Loss curves, validation metrics, progress, log.
    Training,
    /// Confusion matrix and per-class recall.
    Confusion,
    /// Members' and fused UA per fold.
    Fusion,
    /// Finished runs side by side.
    Compare,
}

impl Screen {
    /// Tab order.
    pub const ALL: [Screen; 5] = [
        Screen::Browser,
        Screen::Training,
        Screen::Confusion,
        Screen::Fusion,
        Screen::Compare,
    ];

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Browser => "Experiments",
            Screen::Training => "Training",
            Screen::Confusion => "Confusion",
            Screen::Fusion => "Fusion",
            Screen::Compare => "Compare",
        }
    }

    fn index(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> Screen {
        let n = Screen::ALL.len() as isize;
        Screen::ALL[(self.index() as isize + by).rem_euclid(n) as usize]
    }
}

/// A yes/no question on top of everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// Stop the run?
    Stop,
    /// Stop the run and quit?
    Quit,
}

/// A scrollable text (an experiment file, a run's resolved configuration).
#[derive(Clone, Debug, PartialEq)]
pub struct TextView {
    /// Title.
    pub title: String,
    /// Lines.
    pub lines: Vec<String>,
    /// First line shown.
    pub scroll: usize,
}

/// What the event loop must do for the reducer.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Start the runner on this experiment file.
    StartRun(PathBuf),
    /// Pause (true) or resume (false).
    Pause(bool),
    /// Stop the run.
    Stop,
    /// Skip to the next fold.
    SkipFold,
    /// Scan the experiments folder and run folders again.
    Rescan,
    /// Show this experiment file.
    OpenExperiment(PathBuf),
    /// Show this run folder's results and resolved configuration.
    OpenRun(PathBuf),
    /// Leave once the runner (if any) has finished.
    Quit,
}

/// A message from the training thread.
#[derive(Clone, Debug, PartialEq)]
pub enum RunMsg {
    /// An event of the run.
    Event(RunEvent),
    /// The runner returned: the run folder, or the error.
    Ended(Result<PathBuf, String>),
}

/// The whole dashboard state.
#[derive(Clone, Debug, PartialEq)]
pub struct App {
    /// Screen shown.
    pub screen: Screen,
    /// Help overlay shown.
    pub help: bool,
    /// First help line shown.
    pub help_scroll: usize,
    /// Question asked.
    pub confirm: Option<Confirm>,
    /// Text view on top of the screen.
    pub viewer: Option<TextView>,
    /// The experiment browser.
    pub browser: Browser,
    /// The run started from this dashboard, if any.
    pub live: Option<LiveRun>,
    /// Fold shown on the live screens (`None`: the current one / pooled).
    pub fold_sel: Option<usize>,
    /// System shown on the live screens (`None`: the current model / headline system).
    pub system_sel: Option<String>,
    /// Compare every system rather than each run's headline system.
    pub compare_all: bool,
    /// First compare row shown.
    pub compare_scroll: usize,
    /// A one-line message for the status bar.
    pub message: Option<String>,
    /// Quitting: the loop leaves once the runner is done.
    pub quitting: bool,
    /// Rows per page, set by the loop from the terminal size.
    pub page: usize,
}

impl App {
    /// A dashboard browsing `dir` (call [`App::set_scan`] to fill it).
    pub fn new(dir: &std::path::Path) -> Self {
        App {
            screen: Screen::Browser,
            help: false,
            help_scroll: 0,
            confirm: None,
            viewer: None,
            browser: Browser::new(dir),
            live: None,
            fold_sel: None,
            system_sel: None,
            compare_all: false,
            compare_scroll: 0,
            message: None,
            quitting: false,
            page: 10,
        }
    }

    /// Whether a run is going.
    pub fn running(&self) -> bool {
        self.live.as_ref().is_some_and(LiveRun::is_running)
    }

    /// Take a folder scan.
    pub fn set_scan(&mut self, scan: Scan) {
        self.browser.set_scan(scan);
    }

    /// Show a text on top of the screen.
    pub fn show_text(&mut self, title: String, text: &str) {
        self.viewer = Some(TextView {
            title,
            lines: text.lines().map(String::from).collect(),
            scroll: 0,
        });
    }

    /// The key contexts in force, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        if self.confirm.is_some() {
            return vec![Context::Confirm, Context::Global];
        }
        if self.help || self.viewer.is_some() {
            return vec![Context::Global, Context::Move, Context::Run];
        }
        let mut v = vec![Context::Global, Context::Run];
        match self.screen {
            Screen::Browser => v.extend([Context::Browser, Context::Move]),
            Screen::Training | Screen::Confusion | Screen::Fusion => v.push(Context::Views),
            Screen::Compare => v.extend([Context::Compare, Context::Move]),
        }
        v
    }

    /// Apply a user action at time `now`.
    pub fn update(&mut self, action: Action, now: Duration) -> Vec<Effect> {
        self.message = None;
        if action == Action::QuitNow {
            return self.quit(now);
        }
        if let Some(c) = self.confirm {
            return match action {
                Action::Yes => {
                    self.confirm = None;
                    match c {
                        Confirm::Stop => self.stop(now),
                        Confirm::Quit => self.quit(now),
                    }
                }
                Action::No | Action::Back => {
                    self.confirm = None;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        if self.help {
            match action {
                Action::Help | Action::Back | Action::Quit => self.help = false,
                Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                Action::Down => self.help_scroll += 1,
                Action::PageUp => self.help_scroll = self.help_scroll.saturating_sub(self.page),
                Action::PageDown => self.help_scroll += self.page,
                Action::Top => self.help_scroll = 0,
                _ => {}
            }
            return Vec::new();
        }
        if let Some(v) = &mut self.viewer {
            let last = v.lines.len().saturating_sub(1);
            let moved = match action {
                Action::Up => Some(v.scroll.saturating_sub(1)),
                Action::Down => Some(v.scroll + 1),
                Action::PageUp => Some(v.scroll.saturating_sub(self.page)),
                Action::PageDown => Some(v.scroll + self.page),
                Action::Top => Some(0),
                Action::Bottom => Some(last),
                _ => None,
            };
            if let Some(s) = moved {
                v.scroll = s.min(last);
                return Vec::new();
            }
            if action == Action::Back || action == Action::Quit {
                self.viewer = None;
                return Vec::new();
            }
        }
        match action {
            Action::Quit => {
                if self.running() {
                    self.confirm = Some(Confirm::Quit);
                    Vec::new()
                } else {
                    self.quit(now)
                }
            }
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
                Vec::new()
            }
            Action::Back => Vec::new(),
            Action::Show(s) => self.show(s),
            Action::NextScreen => self.show(self.screen.step(1)),
            Action::PrevScreen => self.show(self.screen.step(-1)),
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                let d = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -(self.page as isize),
                    _ => self.page as isize,
                };
                self.scroll(d);
                Vec::new()
            }
            Action::Top => {
                self.scroll(isize::MIN / 2);
                Vec::new()
            }
            Action::Bottom => {
                self.scroll(isize::MAX / 2);
                Vec::new()
            }
            Action::FocusLeft => {
                self.browser.focus = Pane::Experiments;
                Vec::new()
            }
            Action::FocusRight => {
                self.browser.focus = Pane::Runs;
                Vec::new()
            }
            Action::Open => self.open(),
            Action::StartRun => self.start(now),
            Action::Pause => {
                let Some(live) = self.live.as_mut().filter(|l| l.is_running()) else {
                    self.message = Some("no run is going".into());
                    return Vec::new();
                };
                let p = !live.paused;
                live.set_paused(p, now);
                let text = if p {
                    "paused (training halts at the next batch)"
                } else {
                    "resumed"
                };
                live.note(text, false, now);
                vec![Effect::Pause(p)]
            }
            Action::Stop => {
                if self.running() && !self.live.as_ref().is_some_and(|l| l.stopping) {
                    self.confirm = Some(Confirm::Stop);
                } else if !self.running() {
                    self.message = Some("no run is going".into());
                }
                Vec::new()
            }
            Action::SkipFold => {
                let Some(live) = self.live.as_mut().filter(|l| l.is_running()) else {
                    self.message = Some("no run is going".into());
                    return Vec::new();
                };
                if live.phase != Phase::Training || live.current.is_none() || live.stopping {
                    self.message = Some("no fold is training now".into());
                    return Vec::new();
                }
                let fold = live.current.as_ref().map(|c| c.0 + 1).unwrap_or(0);
                live.note(format!("skip of fold {fold} requested"), false, now);
                vec![Effect::SkipFold]
            }
            Action::Mark => {
                if let Some(on) = self.browser.toggle_mark() {
                    let n = self.browser.marked.len();
                    self.message = Some(format!(
                        "{} ({n} marked; c compares)",
                        if on { "marked" } else { "unmarked" }
                    ));
                }
                Vec::new()
            }
            Action::Compare => {
                if self.browser.marked_results().len() >= 2 {
                    self.screen = Screen::Compare;
                    self.compare_scroll = 0;
                } else {
                    self.message = Some("mark two or more runs with Space first".into());
                }
                Vec::new()
            }
            Action::Rescan => vec![Effect::Rescan],
            Action::PrevFold | Action::NextFold => {
                let opts = self.fold_options();
                let at = opts.iter().position(|o| *o == self.fold_sel).unwrap_or(0);
                let n = opts.len() as isize;
                let by = if action == Action::NextFold { 1 } else { -1 };
                self.fold_sel = opts[(at as isize + by).rem_euclid(n) as usize];
                Vec::new()
            }
            Action::NextSystem => {
                let opts = self.system_options();
                let at = opts.iter().position(|o| *o == self.system_sel).unwrap_or(0);
                self.system_sel = opts[(at + 1) % opts.len()].clone();
                Vec::new()
            }
            Action::AllSystems => {
                self.compare_all = !self.compare_all;
                Vec::new()
            }
            Action::Yes | Action::No | Action::QuitNow => Vec::new(),
        }
    }

    fn show(&mut self, s: Screen) -> Vec<Effect> {
        self.screen = s;
        self.viewer = None;
        Vec::new()
    }

    fn scroll(&mut self, d: isize) {
        match self.screen {
            Screen::Browser => self.browser.move_by(d),
            Screen::Compare => {
                self.compare_scroll = (self.compare_scroll as isize + d).clamp(0, 10_000) as usize
            }
            _ => {}
        }
    }

    fn open(&mut self) -> Vec<Effect> {
        match self.browser.focus {
            Pane::Experiments => self
                .browser
                .selected_experiment()
                .map(|e| vec![Effect::OpenExperiment(e.path.clone())])
                .unwrap_or_default(),
            Pane::Runs => self
                .browser
                .selected_run()
                .map(|r| vec![Effect::OpenRun(r.dir.clone())])
                .unwrap_or_default(),
        }
    }

    fn start(&mut self, now: Duration) -> Vec<Effect> {
        if self.running() {
            self.message = Some("a run is going: stop it first (s)".into());
            return Vec::new();
        }
        let Some(e) = self.browser.selected_experiment() else {
            self.message = Some("no experiment file in this folder".into());
            return Vec::new();
        };
        match &e.summary {
            Ok(s) => {
                let mut live = LiveRun::new(&s.name, now);
                live.note(format!("starting {}", e.path.display()), false, now);
                self.live = Some(live);
                self.screen = Screen::Training;
                self.fold_sel = None;
                self.system_sel = None;
                vec![Effect::StartRun(e.path.clone())]
            }
            Err(msg) => {
                self.message = Some(format!("cannot run: {msg}"));
                Vec::new()
            }
        }
    }

    fn stop(&mut self, now: Duration) -> Vec<Effect> {
        match self.live.as_mut().filter(|l| l.is_running()) {
            Some(live) if !live.stopping => {
                live.stopping = true;
                live.note("stop requested: finishing the current step", false, now);
                vec![Effect::Stop]
            }
            _ => Vec::new(),
        }
    }

    fn quit(&mut self, now: Duration) -> Vec<Effect> {
        self.quitting = true;
        self.confirm = None;
        let mut v = self.stop(now);
        v.push(Effect::Quit);
        v
    }

    /// Take a message from the training thread.
    pub fn on_run(&mut self, msg: RunMsg, now: Duration) -> Vec<Effect> {
        let Some(live) = self.live.as_mut() else {
            return Vec::new();
        };
        match msg {
            RunMsg::Event(e) => {
                let finished = matches!(e, RunEvent::RunFinished { .. });
                live.apply(&e, now);
                if finished {
                    return vec![Effect::Rescan];
                }
                Vec::new()
            }
            RunMsg::Ended(Ok(_)) => {
                if live.is_running() {
                    // The runner returned without its closing event; take its word.
                    live.phase = Phase::Finished {
                        stopped: live.stopping,
                    };
                }
                Vec::new()
            }
            RunMsg::Ended(Err(e)) => {
                live.fail(&e, now);
                vec![Effect::Rescan]
            }
        }
    }

    /// Fold choices on the live screens: `None` (current / pooled), then each fold seen.
    pub fn fold_options(&self) -> Vec<Option<usize>> {
        let mut v = vec![None];
        if let Some(live) = &self.live {
            let mut folds: Vec<usize> = live.fits.iter().map(|f| f.fold).collect();
            folds.extend(live.evaluated_folds());
            folds.sort_unstable();
            folds.dedup();
            v.extend(folds.into_iter().map(Some));
        }
        v
    }

    /// System choices: `None` (follow), then the models (training) or all systems.
    pub fn system_options(&self) -> Vec<Option<String>> {
        let mut v = vec![None];
        if let Some(live) = &self.live {
            let list = if self.screen == Screen::Training {
                &live.models
            } else {
                &live.systems
            };
            v.extend(list.iter().cloned().map(Some));
        }
        v
    }
}
