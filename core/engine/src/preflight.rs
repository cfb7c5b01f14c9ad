//! Before any training: is the run folder there, writable, and is there room?
//!
//! A run that fails after an hour because its folder is read-only or its disk is full
//! wastes the hour. The folder is created, a probe file is written (with `fsync`, so a full
//! disk is noticed) and removed, and the free space is compared with [`MIN_FREE_BYTES`]
//! (or `SERLAB_MIN_FREE_MIB`, for runs whose checkpoints are known to be larger).
//! What cannot be known up front (a disk that fills during the run) still fails at the
//! first write, with the file named.

use crate::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Free space a run folder must have before training starts: results, predictions, plots
/// and a few model checkpoints of the bundled models fit in far less; the margin covers
/// larger neural checkpoints.
pub const MIN_FREE_BYTES: u64 = 64 << 20;

/// Bytes written by the probe (a few file-system blocks).
const PROBE_BYTES: usize = 64 << 10;

/// Files serlab itself leaves in a folder before it holds a run (a lock of a run that was
/// refused or killed early, a write probe): a folder holding only these counts as empty.
const OWN_EARLY_FILES: [&str; 2] = [".lock", ".serlab-write-probe"];

/// Folders that appear in a run folder before its `config.toml`: `slurm/`, where sbatch
/// writes the array tasks' logs before the first task starts (docs/slurm.md), and `folds/`,
/// where a concurrent `--fold K` task takes its fold lock before writing `config.toml`.
const OWN_EARLY_DIRS: [&str; 2] = ["slurm", "folds"];

/// The temporary file of another `--fold K` task writing `config.toml` atomically at this
/// moment (`config.toml.<pid>-<n>.tmp`).
fn is_config_being_written(name: &str) -> bool {
    name.strip_prefix("config.toml.")
        .is_some_and(|rest| rest.ends_with(".tmp"))
}

/// Refuse an existing folder that is neither empty nor a serlab run folder (one with a
/// `config.toml`): `--output ~/Documents` must never overwrite the user's files.
fn check_existing(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::RunFolder {
            path: dir.to_path_buf(),
            message: "exists and is not a folder; give another --output".into(),
        });
    }
    if dir.join("config.toml").is_file() {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let foreign: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            // `config.toml` written by a concurrent `--fold K` task since the check above.
            !(name == "config.toml"
                || OWN_EARLY_FILES.contains(&name.as_ref())
                || OWN_EARLY_DIRS.contains(&name.as_ref()) && e.path().is_dir()
                || is_config_being_written(&name))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if let Some(first) = foreign.iter().min() {
        return Err(Error::RunFolder {
            path: dir.to_path_buf(),
            message: format!(
                "is not empty and not a serlab run folder (it holds `{first}` and {} other \
                 entries, and no config.toml); serlab writes runs only into an empty or new \
                 folder, or continues its own: give another --output",
                foreign.len() - 1
            ),
        });
    }
    Ok(())
}

/// Create `dir` and check that it can hold a run; a clear error otherwise. An existing
/// folder must be empty or a serlab run folder; a folder created here is removed again when
/// it is refused (too little space, not writable), so a refusal leaves nothing behind.
pub fn prepare_run_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        check_existing(dir)?;
        return probe(dir);
    }
    // The first missing ancestor: everything from it down is ours to remove on refusal.
    let mut top = dir.to_path_buf();
    while let Some(parent) = top.parent() {
        if parent.as_os_str().is_empty() || parent.exists() {
            break;
        }
        top = parent.to_path_buf();
    }
    std::fs::create_dir_all(dir).map_err(|e| explain(dir, "cannot create the run folder", e))?;
    let checked = probe(dir);
    if checked.is_err() {
        let _ = std::fs::remove_dir_all(&top);
    }
    checked
}

/// Write a probe into `dir` and check its free space.
fn probe(dir: &Path) -> Result<()> {
    let probe = dir.join(".serlab-write-probe");
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; PROBE_BYTES])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| explain(dir, "cannot write in the run folder", e))?;
    if let Some(free) = free_bytes(dir) {
        check_free(dir, free, min_free_bytes()?)?;
    }
    Ok(())
}

/// The free space a run needs: `SERLAB_MIN_FREE_MIB` when set (a whole number of MiB), else
/// [`MIN_FREE_BYTES`].
pub fn min_free_bytes() -> Result<u64> {
    match std::env::var("SERLAB_MIN_FREE_MIB") {
        Err(_) => Ok(MIN_FREE_BYTES),
        Ok(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|m| m.checked_mul(1 << 20))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "SERLAB_MIN_FREE_MIB = `{v}`: expected a whole number of MiB"
                ))
            }),
    }
}

/// An error if `free` bytes are fewer than `needed`.
pub fn check_free(dir: &Path, free: u64, needed: u64) -> Result<()> {
    if free < needed {
        return Err(Error::io(
            dir,
            std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!(
                    "only {} free on the disk of the run folder; a run needs at least {} \
                     (free some space or choose another `output` in [experiment] / --output)",
                    mib(free),
                    mib(needed)
                ),
            ),
        ));
    }
    Ok(())
}

/// Free bytes for unprivileged users on the file system holding `dir`, where known.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::fs::statvfs(dir)
            .ok()
            .map(|s| s.f_bavail.saturating_mul(s.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20))
}

/// Wrap an I/O error with what was being done and what to do about it.
fn explain(dir: &Path, doing: &str, e: std::io::Error) -> Error {
    let advice = match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            "the folder is not writable; choose another `output` in [experiment] or pass --output"
        }
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "the disk is full; free some space or choose another `output`"
        }
        std::io::ErrorKind::NotADirectory | std::io::ErrorKind::AlreadyExists => {
            "a file is in the way of the folder; choose another `output`"
        }
        _ => "choose another `output` in [experiment] or pass --output",
    };
    Error::io(
        dir,
        std::io::Error::new(e.kind(), format!("{doing} ({e}): {advice}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_in_the_way_is_named_with_advice() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let e = prepare_run_dir(&file.join("run")).unwrap_err().to_string();
        assert!(e.contains("cannot create the run folder"), "{e}");
        assert!(e.contains("plain-file/run"), "{e}");
        assert!(e.contains("choose another `output`"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_fails_before_any_work() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let ro = tmp.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        // root ignores permission bits: then there is nothing to test here.
        if std::fs::write(ro.join("x"), b"x").is_ok() {
            eprintln!("SKIPPED read-only folder check: running as a user who may write anywhere");
            return;
        }
        let e = prepare_run_dir(&ro.join("run")).unwrap_err().to_string();
        assert!(e.contains("not writable"), "{e}");
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_called_full() {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        let e = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .and_then(|mut f| f.write_all(&[0u8; PROBE_BYTES]).and_then(|_| f.sync_all()))
            .unwrap_err();
        let msg = explain(Path::new("/run/x"), "cannot write in the run folder", e).to_string();
        assert!(msg.contains("the disk is full"), "{msg}");
        let low = check_free(Path::new("/run/x"), 3 << 20, MIN_FREE_BYTES)
            .unwrap_err()
            .to_string();
        assert!(
            low.contains("only 3.0 MiB free") && low.contains("64.0 MiB"),
            "{low}"
        );
        assert!(check_free(Path::new("/x"), MIN_FREE_BYTES, MIN_FREE_BYTES).is_ok());
    }

    #[test]
    fn a_writable_folder_passes_and_keeps_no_probe() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        prepare_run_dir(&dir).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        assert!(free_bytes(&dir).is_some_and(|b| b > 0));
    }

    /// A Slurm array's run folder holds `slurm/` (sbatch's logs) and, while tasks start at
    /// once, `folds/` before any `config.toml`: still a folder serlab may write into. A
    /// user's file of the same name is not.
    #[test]
    fn serlab_s_own_early_folders_count_as_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        std::fs::create_dir_all(dir.join("slurm")).unwrap();
        std::fs::create_dir_all(dir.join("folds")).unwrap();
        std::fs::write(dir.join("slurm/fold-0.out"), "log").unwrap();
        std::fs::write(dir.join("config.toml.4024-0.tmp"), "[experiment]").unwrap();
        prepare_run_dir(&dir).unwrap();
        let other = tmp.path().join("mine");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("slurm"), "my notes").unwrap();
        let e = prepare_run_dir(&other).unwrap_err().to_string();
        assert!(e.contains("not a serlab run folder"), "{e}");
    }
}
