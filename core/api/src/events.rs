//! The runner and the models only *emit* events; renderers (progress bars, the terminal
//! dashboard, a JSON-lines log) consume them. Training never waits on drawing.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};

/// Something that happened during a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// The run began.
    RunStarted {
        /// Experiment name.
        name: String,
        /// Number of folds.
        folds: usize,
        /// Model ids.
        models: Vec<String>,
        /// Class names.
        classes: Vec<String>,
    },
    /// Progress of a stage that is not per fold (feature extraction).
    Progress {
        /// Stage name (`features:mfcc`).
        stage: String,
        /// Items done.
        done: usize,
        /// Items in all.
        total: usize,
    },
    /// A fold began.
    FoldStarted {
        /// Fold index from 0.
        fold: usize,
        /// Number of folds.
        folds: usize,
        /// Test speakers.
        test_speakers: Vec<String>,
        /// Validation speakers (drawn from the training speakers).
        validation_speakers: Vec<String>,
    },
    /// A model started fitting on a fold.
    ModelStarted {
        /// Fold index.
        fold: usize,
        /// Model id.
        model: String,
    },
    /// One optimisation step (a batch, or a tree for forests).
    Step {
        /// Fold index.
        fold: usize,
        /// Model id.
        model: String,
        /// Step number within the fit.
        step: usize,
        /// Steps planned, when known.
        total: Option<usize>,
        /// Training loss of the step, when the model has one.
        loss: Option<f64>,
    },
    /// An epoch finished, with validation metrics.
    Epoch {
        /// Fold index.
        fold: usize,
        /// Model id.
        model: String,
        /// Epoch number from 0.
        epoch: usize,
        /// Mean training loss.
        train_loss: f64,
        /// Validation loss.
        valid_loss: Option<f64>,
        /// Validation UA.
        valid_ua: Option<f64>,
        /// Validation WA.
        valid_wa: Option<f64>,
        /// Learning rate in force.
        lr: Option<f64>,
        /// Validation confusion matrix, rows = true class.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        valid_confusion: Option<Vec<Vec<usize>>>,
    },
    /// A model (or the fusion, with model `fusion`) was evaluated on a fold's test speakers.
    Evaluated {
        /// Fold index.
        fold: usize,
        /// Model id or fusion id.
        model: String,
        /// Unweighted accuracy (macro recall).
        ua: f64,
        /// Weighted accuracy.
        wa: f64,
        /// Confusion matrix of the fold, rows = true class.
        confusion: Vec<Vec<usize>>,
    },
    /// A fold finished.
    FoldFinished {
        /// Fold index.
        fold: usize,
    },
    /// Something the user should see but that does not stop the run.
    Warning {
        /// The message.
        message: String,
    },
    /// The run ended.
    RunFinished {
        /// Where the run folder is.
        output: String,
        /// Whether the run was stopped before the end.
        stopped: bool,
    },
}

/// A consumer of [`RunEvent`]s.
pub trait EventSink: Send {
    /// Take one event. Must be quick: it is called from training loops.
    fn emit(&mut self, event: RunEvent);
}

/// A borrowed sink is a sink, so a sink can wrap the caller's `&mut dyn EventSink`.
impl<T: EventSink + ?Sized> EventSink for &mut T {
    fn emit(&mut self, event: RunEvent) {
        (**self).emit(event);
    }
}

/// Discards events.
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&mut self, _event: RunEvent) {}
}

/// Sends events over a channel to a renderer thread; a closed channel is ignored.
pub struct ChannelSink(pub mpsc::Sender<RunEvent>);

impl EventSink for ChannelSink {
    fn emit(&mut self, event: RunEvent) {
        let _ = self.0.send(event);
    }
}

/// Collects events in memory (tests, reports).
#[derive(Default)]
pub struct VecSink(pub Vec<RunEvent>);

impl EventSink for VecSink {
    fn emit(&mut self, event: RunEvent) {
        self.0.push(event);
    }
}

/// Why a run is asked to halt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Not stopped.
    None = 0,
    /// The user asked to stop the whole run.
    Stop = 1,
    /// The user asked to skip to the next fold.
    SkipFold = 2,
}

/// A shared flag checked by the runner and by models between steps; cheap to clone.
#[derive(Clone, Default, Debug)]
pub struct StopHandle {
    state: Arc<AtomicU8>,
    paused: Arc<AtomicBool>,
}

impl StopHandle {
    /// A handle that is not stopped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask everything holding a clone of this handle to stop.
    pub fn stop(&self) {
        self.state.store(StopReason::Stop as u8, Ordering::SeqCst);
    }

    /// Ask the runner to abandon the current fold and go on with the next.
    pub fn skip_fold(&self) {
        self.state
            .store(StopReason::SkipFold as u8, Ordering::SeqCst);
    }

    /// Clear a fold skip once the runner has honoured it.
    pub fn clear_skip(&self) {
        let _ = self.state.compare_exchange(
            StopReason::SkipFold as u8,
            0,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// Pause or resume; a paused model waits in [`StopHandle::should_halt`].
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
    }

    /// Whether a pause is requested.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// The current request.
    pub fn reason(&self) -> StopReason {
        match self.state.load(Ordering::SeqCst) {
            1 => StopReason::Stop,
            2 => StopReason::SkipFold,
            _ => StopReason::None,
        }
    }

    /// Called by training loops between steps: blocks while paused, then says whether to
    /// halt (stop or skip the fold).
    pub fn should_halt(&self) -> bool {
        while self.is_paused() && self.reason() == StopReason::None {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.reason() != StopReason::None
    }
}
