//! The training thread: the same runner as `serlab run`, fed an experiment file (or a run
//! folder to resume, or a variant of either), sending its events over an unbounded channel
//! so training never waits on drawing. The thread ends with one [`RunMsg::Ended`] carrying
//! the run folder or the error (a panic outside the plugins' own guards included).

use super::app::RunMsg;
use serlab_engine::config::Experiment;
use serlab_engine::plugin::PluginSet;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{EventSink, RunEvent, StopHandle};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

/// Sends runner events to the dashboard; a closed channel (dashboard gone) is ignored.
struct MsgSink(Sender<RunMsg>);

impl EventSink for MsgSink {
    fn emit(&mut self, event: RunEvent) {
        let _ = self.0.send(RunMsg::Event(event));
    }
}

/// What the thread runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Job {
    /// A new run of an experiment file (`serlab run FILE`).
    File(PathBuf),
    /// Continue a run folder (`serlab run --resume DIR`).
    Resume(PathBuf),
    /// A new run of an experiment file or a run's `config.toml`, with the seed and the
    /// learning rate overridden.
    Variant(Variant),
}

/// The overrides of a variant launch.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// An experiment file, or a run folder's `config.toml`.
    pub source: PathBuf,
    /// `[experiment] seed`.
    pub seed: Option<u64>,
    /// `lr` of every model that has the parameter.
    pub lr: Option<f64>,
}

impl Variant {
    /// `exp` with the overrides applied; the model ids whose `lr` was set.
    pub fn apply(&self, exp: &mut Experiment) -> Vec<String> {
        if let Some(seed) = self.seed {
            exp.meta.seed = seed;
        }
        let mut changed = Vec::new();
        if let Some(lr) = self.lr {
            for m in &mut exp.models {
                if let Some(v) = m.params.get_mut("lr") {
                    *v = toml::Value::Float(lr);
                    changed.push(m.id.clone());
                }
            }
        }
        changed
    }
}

/// A run on its own thread.
pub struct Trainer {
    /// Pause, stop and skip requests go here.
    pub stop: StopHandle,
    thread: JoinHandle<()>,
}

impl Trainer {
    /// Start running the experiment file `path`.
    pub fn start(path: PathBuf, tx: Sender<RunMsg>) -> std::io::Result<Trainer> {
        Trainer::start_job(Job::File(path), tx)
    }

    /// Start `job`.
    pub fn start_job(job: Job, tx: Sender<RunMsg>) -> std::io::Result<Trainer> {
        let stop = StopHandle::new();
        let s = stop.clone();
        let thread = std::thread::Builder::new()
            .name("serlab-run".into())
            .spawn(move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| run_job(&job, &tx, &s)));
                let msg = match outcome {
                    Ok(Ok(dir)) => Ok(dir),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(payload) => {
                        Err(super::terminal::take_panic_message().unwrap_or_else(|| {
                            payload
                                .downcast_ref::<&str>()
                                .map(|s| s.to_string())
                                .or_else(|| payload.downcast_ref::<String>().cloned())
                                .unwrap_or_else(|| "the run panicked".into())
                        }))
                    }
                };
                let _ = tx.send(RunMsg::Ended(msg));
            })?;
        Ok(Trainer { stop, thread })
    }

    /// Whether the thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Wait for the thread.
    pub fn join(self) {
        let _ = self.thread.join();
    }
}

fn run_job(job: &Job, tx: &Sender<RunMsg>, stop: &StopHandle) -> serlab_engine::Result<PathBuf> {
    let (exp, output, resume) = match job {
        Job::File(path) => (Experiment::from_file(path)?, None, false),
        Job::Resume(dir) => (
            Experiment::from_file(&dir.join("config.toml"))?,
            Some(dir.clone()),
            true,
        ),
        Job::Variant(v) => {
            let mut exp = Experiment::from_file(&v.source)?;
            let changed = v.apply(&mut exp);
            if v.lr.is_some() && changed.is_empty() {
                let _ = tx.send(RunMsg::Event(RunEvent::Warning {
                    message: "lr not applied: no model of this experiment sets `lr`".into(),
                }));
            }
            (exp, None, false)
        }
    };
    let plugins = PluginSet::load_default(&exp.meta.plugin_paths);
    let mut sink = MsgSink(tx.clone());
    for r in &plugins.refused {
        sink.emit(RunEvent::Warning {
            message: format!("plugin refused: {}", r.error),
        });
    }
    let summary = runner::run(
        &exp,
        &plugins,
        &RunOptions {
            output,
            resume,
            cache: serlab_engine::h5cache::open(&exp, false),
            ..Default::default()
        },
        &mut sink,
        stop,
    )?;
    Ok(summary.dir)
}
