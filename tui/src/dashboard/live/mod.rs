//! The live run as the dashboard sees it: a pure reducer from [`RunEvent`]s (each with the
//! time it arrived) to what the training, confusion and fusion screens draw.
//!
//! Nothing here touches a terminal or a clock: times come in as durations since the
//! dashboard started, so tests replay a scripted event sequence and get the same state,
//! ETA included, every time.
//!
//! `events.rs` is the reducer (one arm per [`RunEvent`]); `fit.rs` one model's fit on one
//! fold; this file the state and the queries the screens ask of it.

mod events;
mod fit;
pub mod folder;

pub use fit::{EpochPoint, Fit};
use serlab_engine::RunEvent;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Lines kept in the log pane.
pub const LOG_LINES: usize = 1000;

/// Where the run is.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Loading plugins and the corpus.
    Starting,
    /// Extracting features.
    Features {
        /// Stage name (`features:func+mfcc`).
        stage: String,
        /// Utterances done.
        done: usize,
        /// Utterances in all.
        total: usize,
    },
    /// Training and evaluating folds.
    Training,
    /// The run folder is complete (`stopped`: the user stopped it first).
    Finished {
        /// Whether the run was stopped before the end.
        stopped: bool,
    },
    /// The runner returned an error.
    Failed(String),
}

/// A system's scores on one fold's test speakers.
#[derive(Clone, Debug, PartialEq)]
pub struct Eval {
    /// Unweighted accuracy.
    pub ua: f64,
    /// Weighted accuracy.
    pub wa: f64,
    /// Confusion matrix, rows = reference.
    pub confusion: Vec<Vec<usize>>,
}

/// What is known about a fold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoldInfo {
    /// Test speakers.
    pub test: Vec<String>,
    /// Validation speakers.
    pub validation: Vec<String>,
    /// Whether it finished.
    pub finished: bool,
    /// Whether it was left before finishing (skipped).
    pub skipped: bool,
}

/// One line of the log pane.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// When it arrived.
    pub at: Duration,
    /// A warning (drawn highlighted) rather than information.
    pub warning: bool,
    /// The text.
    pub text: String,
}

/// Active (unpaused) time, for an ETA that does not count pauses.
#[derive(Clone, Debug, Default, PartialEq)]
struct ActiveClock {
    paused_total: Duration,
    paused_since: Option<Duration>,
}

impl ActiveClock {
    fn active(&self, since: Duration, now: Duration) -> Duration {
        let paused_now = self
            .paused_since
            .map(|p| now.saturating_sub(p))
            .unwrap_or_default();
        now.saturating_sub(since)
            .saturating_sub(self.paused_total + paused_now)
    }
}

/// Everything the dashboard knows about the run it started.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveRun {
    /// Experiment name.
    pub experiment: String,
    /// Where the run is.
    pub phase: Phase,
    /// Number of folds (known from `RunStarted`).
    pub folds: usize,
    /// Model ids.
    pub models: Vec<String>,
    /// Class names.
    pub classes: Vec<String>,
    /// Systems evaluated: the models, then any fusion seen.
    pub systems: Vec<String>,
    /// Per fold.
    pub fold_info: Vec<FoldInfo>,
    /// The fold and model fitting now.
    pub current: Option<(usize, String)>,
    /// Every fit so far, in order.
    pub fits: Vec<Fit>,
    /// System → fold → scores.
    pub evals: BTreeMap<String, BTreeMap<usize, Eval>>,
    /// The log pane (newest last).
    pub log: VecDeque<LogLine>,
    /// Warnings seen.
    pub warnings: usize,
    /// The run folder, once known.
    pub output: Option<String>,
    /// Pause requested.
    pub paused: bool,
    /// Stop requested.
    pub stopping: bool,
    /// Parameters of each model as the experiment sets them (`key = value`), for the
    /// training view.
    pub params: BTreeMap<String, Vec<(String, String)>>,
    /// The seed of the run, when known.
    pub seed: Option<u64>,
    /// A past run read from its folder rather than followed live.
    pub past: bool,
    /// `RunFinished` arrived: the run folder is complete and its log can be saved there.
    pub finished_folder: bool,
    started: Duration,
    stage_started: Duration,
    clock: ActiveClock,
    ended_at: Option<Duration>,
}

impl LiveRun {
    /// A run of `experiment` that the dashboard started at `at`.
    pub fn new(experiment: &str, at: Duration) -> Self {
        LiveRun {
            experiment: experiment.into(),
            phase: Phase::Starting,
            folds: 0,
            models: Vec::new(),
            classes: Vec::new(),
            systems: Vec::new(),
            fold_info: Vec::new(),
            current: None,
            fits: Vec::new(),
            evals: BTreeMap::new(),
            log: VecDeque::new(),
            warnings: 0,
            output: None,
            paused: false,
            stopping: false,
            params: BTreeMap::new(),
            seed: None,
            past: false,
            finished_folder: false,
            started: at,
            stage_started: at,
            clock: ActiveClock::default(),
            ended_at: None,
        }
    }

    /// Whether the runner is still going.
    pub fn is_running(&self) -> bool {
        matches!(
            self.phase,
            Phase::Starting | Phase::Features { .. } | Phase::Training
        )
    }

    /// Add a line to the log pane.
    pub fn note(&mut self, text: impl Into<String>, warning: bool, at: Duration) {
        if warning {
            self.warnings += 1;
        }
        self.log.push_back(LogLine {
            at: at.saturating_sub(self.started),
            warning,
            text: text.into(),
        });
        while self.log.len() > LOG_LINES {
            self.log.pop_front();
        }
    }

    /// The runner returned an error.
    pub fn fail(&mut self, message: &str, at: Duration) {
        self.phase = Phase::Failed(message.into());
        self.current = None;
        self.end(at);
        self.note(format!("run failed: {message}"), true, at);
    }

    fn end(&mut self, at: Duration) {
        self.set_paused(false, at);
        self.ended_at = Some(at);
    }

    /// Record a pause or resume request.
    pub fn set_paused(&mut self, paused: bool, at: Duration) {
        if paused == self.paused {
            return;
        }
        self.paused = paused;
        if paused {
            self.clock.paused_since = Some(at);
        } else if let Some(p) = self.clock.paused_since.take() {
            self.clock.paused_total += at.saturating_sub(p);
        }
    }

    fn fit_mut(&mut self, fold: usize, model: &str) -> &mut Fit {
        let i = match self
            .fits
            .iter()
            .rposition(|f| f.fold == fold && f.model == model)
        {
            Some(i) => i,
            None => {
                self.fits.push(Fit::new(fold, model));
                self.fits.len() - 1
            }
        };
        &mut self.fits[i]
    }

    /// The fit of `model` on `fold`.
    pub fn fit(&self, fold: usize, model: &str) -> Option<&Fit> {
        self.fits
            .iter()
            .rev()
            .find(|f| f.fold == fold && f.model == model)
    }

    /// Time the run has been going, not counting pauses.
    pub fn active(&self, now: Duration) -> Duration {
        self.clock
            .active(self.started, self.ended_at.unwrap_or(now).min(now))
    }

    /// Fraction of the current stage done: features, or training over folds × models.
    pub fn fraction(&self) -> Option<f64> {
        match &self.phase {
            Phase::Starting => None,
            Phase::Features { done, total, .. } => Some(if *total == 0 {
                1.0
            } else {
                *done as f64 / *total as f64
            }),
            Phase::Finished { .. } | Phase::Failed(_) => None,
            Phase::Training => {
                let folds = self.folds.max(1) as f64;
                let models = self.models.len().max(1) as f64;
                let Some((fold, model)) = &self.current else {
                    let done = self
                        .fold_info
                        .iter()
                        .rposition(|f| f.finished || f.skipped)
                        .map(|i| i + 1)
                        .unwrap_or(0);
                    return Some(done as f64 / folds);
                };
                let mi = self.models.iter().position(|m| m == model).unwrap_or(0) as f64;
                let within = self
                    .fit(*fold, model)
                    .and_then(Fit::fraction)
                    .unwrap_or(0.0);
                Some(((*fold as f64 * models + mi + within) / (folds * models)).min(1.0))
            }
        }
    }

    /// Estimated time left in the current stage, from the active time spent in it so far.
    pub fn eta(&self, now: Duration) -> Option<Duration> {
        if self.paused {
            return None;
        }
        let f = self.fraction()?;
        if f <= 0.0 {
            return None;
        }
        let stage_start = self.stage_started;
        let spent = self.clock.active(stage_start, now).as_secs_f64();
        // Pauses before the stage began were already subtracted in `active`; that is
        // conservative (an ETA slightly short after a pause in an earlier stage).
        Some(Duration::from_secs_f64(spent * (1.0 - f) / f))
    }

    /// Confusion matrix of `system` on `fold`, or summed over the folds evaluated so far.
    pub fn confusion(&self, system: &str, fold: Option<usize>) -> Option<Vec<Vec<usize>>> {
        let evals = self.evals.get(system)?;
        match fold {
            Some(f) => evals.get(&f).map(|e| e.confusion.clone()),
            None => {
                let mut it = evals.values();
                let mut sum = it.next()?.confusion.clone();
                for e in it {
                    for (row, add) in sum.iter_mut().zip(&e.confusion) {
                        for (a, b) in row.iter_mut().zip(add) {
                            *a += b;
                        }
                    }
                }
                Some(sum)
            }
        }
    }

    /// Folds evaluated for at least one system, in order.
    pub fn evaluated_folds(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .evals
            .values()
            .flat_map(|m| m.keys().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The log as plain text, one line per entry (`m:ss [warning: ]text`), as saved in the
    /// run folder.
    pub fn log_text(&self) -> String {
        self.log
            .iter()
            .map(|l| {
                format!(
                    "{:>5} {}{}\n",
                    super::widgets::duration(l.at),
                    if l.warning { "warning: " } else { "" },
                    l.text
                )
            })
            .collect()
    }

    /// Validation confusion of `model` at `epoch`: on `fold`, or summed over the folds that
    /// reached that epoch; with the folds summed.
    pub fn epoch_confusion(
        &self,
        model: &str,
        fold: Option<usize>,
        epoch: usize,
    ) -> Option<(Vec<Vec<usize>>, usize)> {
        let mut sum: Option<Vec<Vec<usize>>> = None;
        let mut n = 0;
        for f in self
            .fits
            .iter()
            .filter(|f| f.model == model && fold.is_none_or(|k| k == f.fold))
        {
            let Some(m) = f.epoch(epoch).and_then(|e| e.valid_confusion.as_ref()) else {
                continue;
            };
            n += 1;
            match &mut sum {
                None => sum = Some(m.clone()),
                Some(s) => {
                    for (row, add) in s.iter_mut().zip(m) {
                        for (a, b) in row.iter_mut().zip(add) {
                            *a += b;
                        }
                    }
                }
            }
        }
        sum.map(|s| (s, n))
    }

    /// Systems that are not models (the fusion).
    pub fn fusions(&self) -> Vec<&str> {
        self.systems
            .iter()
            .filter(|s| !self.models.contains(s))
            .map(String::as_str)
            .collect()
    }
}
