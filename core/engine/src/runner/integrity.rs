//! Checksums of what a resumed run reuses: every checkpoint and fold part gets a sidecar
//! `<file>.blake3` holding the BLAKE3 hash of its bytes, written right after the file.
//! `serlab run --resume` (and a requeued `--fold K` task) reuses a file only when its hash
//! matches; an edited, truncated or unsealed file is recomputed, with a warning. The atomic
//! rename already rules out torn writes; this catches everything else that changes a file
//! between two attempts (a hand edit, a disk error, a copy gone wrong).

use crate::results::write_atomic;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The sidecar holding `file`'s checksum.
pub fn sidecar(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".blake3");
    PathBuf::from(name)
}

fn hash(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    Ok(blake3::hash(&bytes).to_hex().to_string())
}

/// Record `file`'s checksum (after the file itself is in place).
pub fn seal(file: &Path) -> Result<()> {
    write_atomic(&sidecar(file), hash(file)?.as_bytes())
}

/// Why `file` must not be reused, or `None` when its checksum matches.
pub fn doubt(file: &Path) -> Option<String> {
    let side = sidecar(file);
    let want = match std::fs::read_to_string(&side) {
        Ok(s) => s.trim().to_string(),
        Err(_) => {
            return Some(format!(
                "it has no checksum ({} is missing)",
                side.display()
            ))
        }
    };
    match hash(file) {
        Ok(have) if have == want => None,
        Ok(_) => Some("its checksum does not match: it was changed after it was written".into()),
        Err(e) => Some(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edited_or_unsealed_file_is_doubted() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("rf.model");
        std::fs::write(&f, b"trees").unwrap();
        assert!(doubt(&f).unwrap().contains("no checksum"));
        seal(&f).unwrap();
        assert_eq!(doubt(&f), None);
        std::fs::write(&f, b"treez").unwrap();
        assert!(doubt(&f).unwrap().contains("does not match"));
    }
}
