//! Merging a configuration's segments into one. Only one process merges a folder at a time
//! (it holds `compact.lock` through fd-lock; others skip and leave it to the next flush);
//! the merged segment is written the same temp-and-rename way before its inputs are deleted,
//! so readers never see a half-merged folder.

use super::folder::Config;
use super::segment::{read_entry, remove_stale_tmp, write_segment};
use crate::cache::{AudioDigest, CacheKey};
use std::borrow::Cow;
use std::path::PathBuf;

impl Config {
    /// Merge all segments on disk into one, if no other process is merging this folder.
    pub(super) fn compact(&mut self, warnings: &mut Vec<String>) {
        let lock_path = self.dir.join("compact.lock");
        let lock_file = match std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
        {
            Ok(f) => f,
            Err(e) => {
                warnings.push(format!("feature cache: {}: {e}", lock_path.display()));
                return;
            }
        };
        let mut lock = fd_lock::RwLock::new(lock_file);
        let Ok(_guard) = lock.try_write() else {
            return; // another process is merging; it will pick our segment up next time
        };
        remove_stale_tmp(&self.dir);
        // Re-read the folder under the lock: segments merged by another process are gone.
        self.reload(warnings);
        if self.segments.len() <= 1 {
            return;
        }
        let mut newest: Vec<(AudioDigest, usize)> =
            self.index.iter().map(|(d, i)| (*d, *i)).collect();
        newest.sort_by_key(|(d, _)| d.0);
        // Entries are read one at a time while the merged segment is written.
        let mut bad: Vec<(usize, String)> = Vec::new();
        let (segments, key) = (&self.segments, &self.key);
        let merged = newest.into_iter().filter_map(|(d, i)| {
            let k = CacheKey {
                extractor: key,
                audio: &d,
            };
            match read_entry(&segments[i], &k) {
                Ok(f) => Some((d, Cow::Owned(f))),
                Err(e) => {
                    bad.push((i, e));
                    None
                }
            }
        });
        let written = write_segment(&self.dir, key, merged);
        let inputs: Vec<PathBuf> = self.segments.iter().map(|s| s.path.clone()).collect();
        for (i, why) in &bad {
            self.discard(&inputs[*i], why, warnings);
        }
        match written {
            Ok(_) => {
                for p in &inputs {
                    let _ = std::fs::remove_file(p);
                }
            }
            Err(e) => warnings.push(format!("feature cache: {e}")),
        }
        self.reload(warnings);
    }
}
