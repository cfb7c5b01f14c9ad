//! The dashboard's state and its reducer: key actions and runner messages go in, state
//! changes and [`Effect`]s (things only the event loop may do: start a thread, touch the
//! stop handle, read files) come out. No terminal, no clock, no disk here, so every
//! behaviour is tested by feeding actions and events.
//!
//! Key actions are reduced in `update.rs`; runner messages and the state's queries are here.

mod form;
mod update;
mod views;

pub use form::VariantForm;

use super::browser::{Browser, Pane, Scan};
use super::folders::CompareExtra;
use super::keys::{Action, Context};
use super::live::{LiveRun, Phase};
use super::resources::Usage;
use super::trainer::Variant;
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
    /// Read this run folder for the training, confusion and fusion screens.
    LoadPast(PathBuf),
    /// Continue this run folder (`serlab run --resume`).
    ResumeRun(PathBuf),
    /// Start a variant run.
    StartVariant(Variant),
    /// Read what the compare screen shows beyond the scores (parameters, paired tests).
    LoadCompare(Vec<PathBuf>),
    /// Save the log as `dashboard.log` in this run folder.
    SaveLog(PathBuf, String),
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
    /// A past run shown on the training, confusion and fusion screens instead of the live one.
    pub past: Option<LiveRun>,
    /// Epoch chosen for the confusion screen (`None`: the test result after training).
    pub epoch_sel: Option<usize>,
    /// Training screen: per-class recall over epochs instead of validation UA/WA.
    pub show_recall: bool,
    /// Log lines scrolled back from the newest.
    pub log_scroll: usize,
    /// CPU and memory use of the process, sampled by the loop.
    pub usage: Option<Usage>,
    /// The variant form, while open.
    pub form: Option<VariantForm>,
    /// Parameters and paired tests of the compared runs, once read.
    pub compare_extra: Option<CompareExtra>,
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
            past: None,
            epoch_sel: None,
            show_recall: false,
            log_scroll: 0,
            usage: None,
            form: None,
            compare_extra: None,
        }
    }

    /// The run the training, confusion and fusion screens show: a past run opened with
    /// `v`, else the run started here.
    pub fn shown(&self) -> Option<&LiveRun> {
        self.past.as_ref().or(self.live.as_ref())
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

    /// Take a message from the training thread.
    pub fn on_run(&mut self, msg: RunMsg, now: Duration) -> Vec<Effect> {
        let Some(live) = self.live.as_mut() else {
            return Vec::new();
        };
        match msg {
            RunMsg::Event(e) => {
                live.apply(&e, now);
                match &e {
                    // The runs list follows the run: its folder appears when it starts and
                    // its scores change after every fold.
                    RunEvent::RunStarted { .. } | RunEvent::FoldFinished { .. } => {
                        vec![Effect::Rescan]
                    }
                    RunEvent::RunFinished { output, .. } => vec![
                        Effect::SaveLog(PathBuf::from(output), live.log_text()),
                        Effect::Rescan,
                    ],
                    _ => Vec::new(),
                }
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
        if let Some(live) = self.shown() {
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
        if let Some(live) = self.shown() {
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
