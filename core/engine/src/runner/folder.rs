//! The run folder, claimed before any work is done: chosen (a fresh
//! `<output>/<name>/<timestamp>`, or the folder the user named), created, checked to hold
//! this experiment and no other, and given the resolved `config.toml`. An unwritable
//! output folder, or one holding another experiment's results, fails here, before
//! features are extracted or anything is trained.
//!
//! Locks (advisory file locks, released by the OS when a process dies, even by `kill -9`):
//! a run holds `<run>/.lock` exclusively, a `--fold K` task holds it shared plus
//! `<run>/folds/.fold-K.lock` exclusively, and a merge holds `.lock` exclusively. So two
//! processes never write the same fold, a run is never resumed while it is still running
//! (which is what makes "the previous attempt was killed" a fact rather than a guess), and
//! a merge never pools while fold tasks are still writing.

use super::parts;
use super::timestamp::timestamp;
use super::RunOptions;
use crate::config::Experiment;
use crate::results::write_atomic;
use crate::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

/// An advisory lock file; lock it with [`exclusive`] or [`shared`].
pub(crate) type LockFile = fd_lock::RwLock<File>;

/// Open (creating) lock file `name` in folder `dir`.
pub(crate) fn lock_file(dir: &Path, name: &str) -> Result<LockFile> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(name);
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    Ok(fd_lock::RwLock::new(f))
}

fn busy(run: &Path, e: std::io::Error, who: &str) -> Error {
    if e.kind() == std::io::ErrorKind::WouldBlock {
        Error::RunFolder {
            path: run.to_path_buf(),
            message: format!("{who} is still running in this folder; wait until it has ended"),
        }
    } else {
        Error::io(run, e)
    }
}

/// The lock files of a run (and of its fold, for a `--fold K` task).
pub(crate) struct Locks {
    run: LockFile,
    fold: Option<(usize, LockFile)>,
}

/// Locks held until dropped.
#[allow(dead_code)] // the guards are held for their `Drop`, never read
pub(crate) enum Held<'a> {
    /// A whole run.
    Run(fd_lock::RwLockWriteGuard<'a, File>),
    /// A fold task: the run shared, the fold exclusively.
    Fold(
        fd_lock::RwLockReadGuard<'a, File>,
        fd_lock::RwLockWriteGuard<'a, File>,
    ),
}

impl Locks {
    /// Open the lock files of run folder `dir` (and of fold `fold`).
    pub(crate) fn open(dir: &Path, fold: Option<usize>) -> Result<Locks> {
        let fold = match fold {
            Some(k) => Some((k, lock_file(&parts::dir(dir), &format!(".fold-{k}.lock"))?)),
            None => None,
        };
        Ok(Locks {
            run: lock_file(dir, ".lock")?,
            fold,
        })
    }

    /// Take the locks, or fail saying who holds them.
    pub(crate) fn hold(&mut self, dir: &Path) -> Result<Held<'_>> {
        Ok(match &mut self.fold {
            None => Held::Run(exclusive(&mut self.run, dir, "another serlab process")?),
            Some((k, lock)) => Held::Fold(
                shared(&mut self.run, dir, "a whole run (not a --fold task)")?,
                exclusive(lock, dir, &format!("another task of fold {k}"))?,
            ),
        })
    }
}

/// Hold `lock` exclusively, or fail naming `who` holds it.
pub(crate) fn exclusive<'a>(
    lock: &'a mut LockFile,
    run: &Path,
    who: &str,
) -> Result<fd_lock::RwLockWriteGuard<'a, File>> {
    lock.try_write().map_err(|e| busy(run, e, who))
}

/// Hold `lock` shared with other holders of a shared lock, or fail naming `who` holds it.
pub(crate) fn shared<'a>(
    lock: &'a mut LockFile,
    run: &Path,
    who: &str,
) -> Result<fd_lock::RwLockReadGuard<'a, File>> {
    lock.try_read().map_err(|e| busy(run, e, who))
}

/// `opts.output`, or a new `<output>/<name>/<timestamp>` folder (`<timestamp>-2`, `-3`, ...
/// when runs start within the same second; creating the folder claims the name).
pub(crate) fn choose(exp: &Experiment, opts: &RunOptions) -> Result<PathBuf> {
    if let Some(d) = &opts.output {
        crate::preflight::prepare_run_dir(d)?;
        return Ok(d.clone());
    }
    let parent = exp.meta.output.join(&exp.meta.name);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let ts = timestamp();
    for n in 1.. {
        let dir = parent.join(if n == 1 {
            ts.clone()
        } else {
            format!("{ts}-{n}")
        });
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                crate::preflight::prepare_run_dir(&dir)?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&dir, e)),
        }
    }
    unreachable!("some suffix is free")
}

/// Check that `dir` may receive this run, then write its resolved `config.toml`.
///
/// - An existing `config.toml` must describe the same experiment (the error names the
///   first key that differs): a run folder never mixes two experiments' folds.
/// - Finished folds already in `dir` are kept only when resuming or running one fold
///   (`--fold K`, whose tasks share a folder and may be requeued); otherwise the run
///   refuses to overwrite them.
pub(crate) fn claim(dir: &Path, resolved: &str, opts: &RunOptions) -> Result<()> {
    let config = dir.join("config.toml");
    match std::fs::read_to_string(&config) {
        Ok(old) => {
            if let Some(diff) = first_difference(&old, resolved) {
                return Err(Error::RunFolder {
                    path: dir.to_path_buf(),
                    message: format!(
                        "it holds another experiment (its config.toml differs at {diff}); \
                         give another --output"
                    ),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if opts.resume {
                return Err(Error::RunFolder {
                    path: dir.to_path_buf(),
                    message: "nothing to resume: no config.toml (is this a serlab run folder?)"
                        .into(),
                });
            }
        }
        Err(e) => return Err(Error::io(&config, e)),
    }
    if !opts.resume && opts.fold.is_none() {
        let done = parts::read_all(dir)?;
        if !done.is_empty() {
            return Err(Error::RunFolder {
                path: dir.to_path_buf(),
                message: format!(
                    "it already holds {} finished fold(s); resume it with `serlab run --resume {}` \
                     or give another --output",
                    done.len(),
                    dir.display()
                ),
            });
        }
    }
    // Always rewritten (same content when it existed): proves the folder is writable now.
    write_atomic(&config, resolved.as_bytes())
}

/// The first key (dotted) where two TOML documents differ, with both values; `None` if
/// they are equal as data (formatting aside).
fn first_difference(old: &str, new: &str) -> Option<String> {
    let old: toml::Value = match old.parse::<toml::Table>() {
        Ok(t) => t.into(),
        Err(e) => return Some(format!("- (the existing file does not parse: {e})")),
    };
    let new: toml::Value = new.parse::<toml::Table>().ok()?.into();
    diff(&old, &new, "")
}

fn diff(a: &toml::Value, b: &toml::Value, at: &str) -> Option<String> {
    let key = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match (a, b) {
        (toml::Value::Table(x), toml::Value::Table(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = diff(v, w, &key(k)) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("`{}` (only in the folder's file)", key(k))),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("`{}` (only in this experiment)", key(k)))
        }
        _ if a == b => None,
        _ => Some(format!("`{at}`: {a} there, {b} here")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_the_key_and_both_values() {
        let a = "[models.rf]\nn_trees = 100\nmodel = \"random-forest\"\n";
        let b = "[models.rf]\nmodel = \"random-forest\"\nn_trees = 300\n";
        assert_eq!(
            first_difference(a, b).unwrap(),
            "`models.rf.n_trees`: 100 there, 300 here"
        );
        assert_eq!(first_difference(a, a), None);
        assert!(first_difference("[a]\nx = 1\n", "[a]\nx = 1\ny = 2\n")
            .unwrap()
            .contains("`a.y` (only in this experiment)"));
    }
}
