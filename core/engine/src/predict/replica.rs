//! One loaded copy of a run's fold models ([`Replica`]), and the pool of copies
//! a [`super::Predictor`] lends to concurrent callers ([`Pool`]).
//!
//! Why copies: the plugin API asks `Model: Send` only, so one model object cannot be used
//! by two threads at once. Each replica is a full set loaded from the same checkpoints,
//! and a caller borrows one for the length of a prediction; with as many replicas as
//! worker threads, no caller waits for another's models.

use crate::config::Experiment;
use crate::plugin::loader::Hosted;
use crate::plugin::PluginSet;
use crate::runner::checkpoint;
use crate::runner::components::params_text;
use crate::{Model, Result};
use std::path::Path;
use std::sync::{Condvar, Mutex};

/// The fitted systems of one fold.
pub(super) struct FoldSystems {
    /// The fold index.
    pub fold: usize,
    /// `(index into exp.models, the restored model)`, in experiment order.
    pub models: Vec<(usize, Hosted<dyn Model>)>,
    /// `(index into exp.fusions, member model indices)`: the members are those with a
    /// checkpoint on this fold, in model order. Fusions are restored per call by the
    /// runner's own [`crate::runner::systems::fuse`] (a fusion's state is a few numbers).
    pub fusions: Vec<(usize, Vec<usize>)>,
}

/// Every fold's fitted systems, loaded once.
pub(super) struct Replica {
    pub folds: Vec<FoldSystems>,
}

impl Replica {
    /// Restore every checkpoint of `run` for the folds `folds`.
    pub fn load(
        exp: &Experiment,
        plugins: &PluginSet,
        run: &Path,
        folds: &[usize],
    ) -> Result<Replica> {
        let mut out = Vec::with_capacity(folds.len());
        for &k in folds {
            let mut models = Vec::new();
            for (i, m) in exp.models.iter().enumerate() {
                let path = checkpoint::path(run, k, &m.id);
                if !path.is_file() {
                    continue;
                }
                let mut model = plugins.model(&m.model, &params_text(&m.params))?;
                model.load(&path)?;
                models.push((i, model));
            }
            let mut fusions = Vec::new();
            for (i, f) in exp.fusions.iter().enumerate() {
                let members: Vec<usize> = models
                    .iter()
                    .map(|(j, _)| *j)
                    .filter(|j| f.members.contains(&exp.models[*j].id))
                    .collect();
                if members.is_empty() {
                    continue;
                }
                fusions.push((i, members));
            }
            out.push(FoldSystems {
                fold: k,
                models,
                fusions,
            });
        }
        Ok(Replica { folds: out })
    }
}

/// Replicas lent to one caller at a time.
pub(super) struct Pool {
    free: Mutex<Vec<Replica>>,
    returned: Condvar,
    size: usize,
}

impl Pool {
    pub fn new(replicas: Vec<Replica>) -> Pool {
        Pool {
            size: replicas.len(),
            free: Mutex::new(replicas),
            returned: Condvar::new(),
        }
    }

    /// Number of replicas.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Run `f` with a borrowed replica, waiting for one when all are lent. The replica is
    /// given back even when `f` panics.
    pub fn with<R>(&self, f: impl FnOnce(&Replica) -> R) -> R {
        let replica = {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(r) = free.pop() {
                    break r;
                }
                free = self.returned.wait(free).unwrap_or_else(|p| p.into_inner());
            }
        };
        struct Lent<'a> {
            pool: &'a Pool,
            replica: Option<Replica>,
        }
        impl Drop for Lent<'_> {
            fn drop(&mut self) {
                if let Some(r) = self.replica.take() {
                    let mut free = self.pool.free.lock().unwrap_or_else(|p| p.into_inner());
                    free.push(r);
                    self.pool.returned.notify_one();
                }
            }
        }
        let lent = Lent {
            pool: self,
            replica: Some(replica),
        };
        f(lent.replica.as_ref().expect("lent replica is present"))
    }
}
