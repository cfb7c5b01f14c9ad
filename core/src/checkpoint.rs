//! Where a run keeps its fitted models and fusions: `<run>/checkpoints/fold-<k>/<id>`,
//! one file per model (written by [`crate::Model::save`]) and per fusion that learns
//! something ([`crate::Fusion::save`]). `serlab predict` reads them back.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The checkpoint folder of fold `fold` of the run in `run_dir`.
pub fn fold_dir(run_dir: &Path, fold: usize) -> PathBuf {
    run_dir.join("checkpoints").join(format!("fold-{fold}"))
}

/// The checkpoint file of component `id` (a model or fusion id) in fold `fold`.
pub fn path(run_dir: &Path, fold: usize, id: &str) -> PathBuf {
    fold_dir(run_dir, fold).join(id)
}

/// [`path`], after creating its folder.
pub fn prepare(run_dir: &Path, fold: usize, id: &str) -> Result<PathBuf> {
    let dir = fold_dir(run_dir, fold);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir.join(id))
}

/// The folds that have a checkpoint folder, in order.
pub fn folds(run_dir: &Path) -> Result<Vec<usize>> {
    let root = run_dir.join("checkpoints");
    let rd = std::fs::read_dir(&root).map_err(|e| Error::io(&root, e))?;
    let mut v: Vec<usize> = rd
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("fold-"))
                .and_then(|k| k.parse().ok())
        })
        .collect();
    v.sort_unstable();
    Ok(v)
}
