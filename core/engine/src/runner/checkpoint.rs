//! Model checkpoints: every model fitted on a fold is saved to
//! `<run>/checkpoints/fold-<k>/<model-id>.model` (the format is the plugin's own, through
//! [`Model::save`]), and what every fusion learnt to `<fusion-id>.fusion`
//! ([`Fusion::save`]). The file is written under a temporary name and renamed, so a run
//! killed while saving leaves no half-written checkpoint; a resumed run restores a saved
//! model instead of fitting it again, and `serlab predict` can reuse it.

use crate::results::temp_path;
use crate::{Error, Fusion, Model, Result};
use std::path::{Path, PathBuf};

/// The checkpoints folder of fold `fold`.
pub fn fold_dir(run: &Path, fold: usize) -> PathBuf {
    run.join("checkpoints").join(format!("fold-{fold}"))
}

/// The checkpoint file of model `model_id` on fold `fold`. Characters other than ASCII
/// letters, digits, `-`, `_` and `.` in the id become `_` (ids come from TOML keys, which
/// may be quoted and hold anything).
pub fn path(run: &Path, fold: usize, model_id: &str) -> PathBuf {
    fold_dir(run, fold).join(format!("{}.model", file_name(model_id)))
}

/// The file holding what fusion `fusion_id` learnt on fold `fold` (same naming as
/// [`path`]).
pub fn fusion_path(run: &Path, fold: usize, fusion_id: &str) -> PathBuf {
    fold_dir(run, fold).join(format!("{}.fusion", file_name(fusion_id)))
}

/// The folds of a run that have a checkpoint folder, in order.
pub fn folds(run: &Path) -> Result<Vec<usize>> {
    let root = run.join("checkpoints");
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

fn file_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Save `model` to `path` atomically (the model writes a temporary file, renamed after).
pub fn save(model: &dyn Model, path: &Path) -> Result<()> {
    save_with(path, false, |tmp| model.save(tmp))
}

/// Save what `fusion` learnt to `path` atomically; a fusion that learns nothing writes
/// nothing, and then no file is left.
pub fn save_fusion(fusion: &dyn Fusion, path: &Path) -> Result<()> {
    save_with(path, true, |tmp| fusion.save(tmp))
}

/// Write through a temporary file renamed to `path`; `may_write_nothing`: a writer that
/// wrote no file is not an error.
fn save_with(
    path: &Path,
    may_write_nothing: bool,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let dir = path.parent().expect("a checkpoint path has a folder");
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = temp_path(path);
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if may_write_nothing && !tmp.exists() {
        return Ok(());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })?;
    super::integrity::seal(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_names_are_safe_file_names() {
        let p = path(Path::new("/r"), 3, "forest/func 2");
        assert_eq!(p, Path::new("/r/checkpoints/fold-3/forest_func_2.model"));
    }
}
