//! Model checkpoints: every model fitted on a fold is saved to
//! `<run>/checkpoints/fold-<k>/<model-id>.model` (the format is the plugin's own, through
//! [`Model::save`]). The file is written under a temporary name and renamed, so a run
//! killed while saving leaves no half-written checkpoint; a resumed run restores a saved
//! model instead of fitting it again, and `serlab predict` can reuse it.

use crate::results::temp_path;
use crate::{Error, Model, Result};
use std::path::{Path, PathBuf};

/// The checkpoints folder of fold `fold`.
pub fn fold_dir(run: &Path, fold: usize) -> PathBuf {
    run.join("checkpoints").join(format!("fold-{fold}"))
}

/// The checkpoint file of model `model_id` on fold `fold`. Characters other than ASCII
/// letters, digits, `-`, `_` and `.` in the id become `_` (ids come from TOML keys, which
/// may be quoted and hold anything).
pub fn path(run: &Path, fold: usize, model_id: &str) -> PathBuf {
    let name: String = model_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    fold_dir(run, fold).join(format!("{name}.model"))
}

/// Save `model` to `path` atomically (the model writes a temporary file, renamed after).
pub fn save(model: &dyn Model, path: &Path) -> Result<()> {
    let dir = path.parent().expect("a checkpoint path has a folder");
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = temp_path(path);
    if let Err(e) = model.save(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
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
