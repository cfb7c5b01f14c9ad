//! The HDF5 feature cache: the engine's [`FeatureCache`] stored as HDF5 files.
//!
//! # Layout
//! ```text
//! <cache>/features/<extractor>-<first 16 hex of the extractor key digest>/
//!     seg-<time>-<pid>-<n>.h5    immutable segments; newer names sort later
//!     compact.lock               taken (exclusively) only while merging segments
//!     .tmp-*.h5                  segments being written (never read)
//! ```
//! A segment's root attributes: `serlab_cache_format` (u32, 1), `extractor_key` (the full
//! [`ExtractorKey::text`] as UTF-8 bytes, checked on open so a digest-prefix clash can never
//! mix configurations) and `count` (number of entries). Its group `/features` has one `f32`
//! dataset per utterance, named by the audio file's BLAKE3 hex: shape `[frames, dim]` for frame
//! features, `[dim]` for vectors, with attribute `blake3` (32 bytes) over the extractor
//! digest, the name, the shape and the values. Files use the HDF5 1.10 format, whose metadata
//! blocks carry their own checksums; nothing is stored in HDF5's global heap (no
//! variable-length strings), which has none: a flipped byte there made HDF5 crash.
//!
//! # Why segments, and how concurrent runs stay safe
//! HDF5 files must not be written by two processes at once, and a writer killed mid-write
//! can leave a file HDF5 cannot open. So no file is ever modified in place: new entries are
//! buffered and written as a new segment under a temporary name, synced, and renamed into
//! place (atomic on POSIX). Readers therefore only ever see complete segments and need no
//! lock; two runs writing at once each add their own segment (identical entries are harmless:
//! extractors are deterministic). Segments are merged when a configuration has more than
//! [`MAX_SEGMENTS`]: the merger takes `compact.lock` (fd-lock) so only one process merges at
//! a time, writes the merged segment the same temp-and-rename way, then deletes the inputs.
//! A reader holding a deleted segment open keeps reading it (POSIX unlink semantics); one
//! that finds a listed segment gone treats it as absent.
//!
//! # Corruption
//! A segment that HDF5 cannot open, whose format, key or entry count is wrong, or one of
//! whose entries fails its checksum is deleted and reported through
//! [`FeatureCache::take_warnings`]; its features are recomputed and written again, which
//! rebuilds the cache. Truncation and flipped bytes are tested in `tests.rs`.
//!
//! # Files
//! `segment.rs` is one segment file's format (open, read, write, checksums); `folder.rs`
//! keeps one configuration's folder (its open segments and index); `compact.rs` merges a
//! folder's segments under `compact.lock`. This file is the store the runner sees.

mod compact;
mod folder;
mod segment;
#[cfg(test)]
mod tests;

use crate::cache::{CacheKey, ExtractorKey, FeatureCache};
use crate::Features;
use folder::Config;
use segment::read_entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Segment format version, written to every segment's `serlab_cache_format` attribute.
pub const FORMAT: u32 = 1;
/// More segments than this for one configuration are merged into one.
pub const MAX_SEGMENTS: usize = 8;
/// Buffered features are written out once they exceed this many bytes.
const FLUSH_BYTES: usize = 256 << 20;
/// Temporary files older than this are left over from a killed writer and are removed.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// A [`FeatureCache`] in HDF5 files under one folder.
#[derive(Debug)]
pub struct H5Cache {
    root: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    configs: HashMap<String, Config>,
    warnings: Vec<String>,
    pending_bytes: usize,
}

fn features_bytes(f: &Features) -> usize {
    match f {
        Features::Frames { data, .. } => data.len() * 4,
        Features::Vector(v) => v.len() * 4,
        Features::Text(t) => t.len(),
    }
}

/// The cache of experiment `exp` (its `[experiment] cache` folder, default
/// `<output>/.cache`), or none when `disabled` (`--no-cache`).
pub fn open(
    exp: &crate::config::Experiment,
    disabled: bool,
) -> Option<std::sync::Arc<dyn FeatureCache>> {
    if disabled {
        return None;
    }
    Some(std::sync::Arc::new(H5Cache::new(&exp.meta.cache_dir())))
}

impl H5Cache {
    /// A cache under `root` (features go to `root/features/`); nothing is read or created
    /// until the first lookup or write.
    pub fn new(root: &Path) -> Self {
        H5Cache {
            root: root.join("features"),
            state: Mutex::new(State::default()),
        }
    }

    /// The folder the segments are kept in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn with_config<T>(
        &self,
        key: &ExtractorKey,
        f: impl FnOnce(&mut Config, &mut Vec<String>) -> T,
    ) -> T {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let State {
            configs, warnings, ..
        } = &mut *st;
        let c = configs
            .entry(key.digest().to_string())
            .or_insert_with(|| Config::load(&self.root, key, warnings));
        f(c, warnings)
    }
}

impl FeatureCache for H5Cache {
    fn get(&self, key: &CacheKey<'_>) -> Option<Features> {
        self.with_config(key.extractor, |c, warnings| {
            if let Some(f) = c.pending.get(key.audio) {
                return Some(f.clone());
            }
            let i = *c.index.get(key.audio)?;
            match read_entry(&c.segments[i], key) {
                Ok(f) => Some(f),
                Err(why) => {
                    c.quarantine(i, &why, warnings);
                    None
                }
            }
        })
    }

    fn put(&self, key: &CacheKey<'_>, features: &Features) {
        let n = features_bytes(features);
        self.with_config(key.extractor, |c, _| {
            c.pending.insert(*key.audio, features.clone());
        });
        let full = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.pending_bytes += n;
            st.pending_bytes > FLUSH_BYTES
        };
        if full {
            self.flush();
        }
    }

    fn flush(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let State {
            configs,
            warnings,
            pending_bytes,
        } = &mut *st;
        for c in configs.values_mut() {
            c.flush(warnings);
        }
        *pending_bytes = 0;
    }

    fn take_warnings(&self) -> Vec<String> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut st.warnings)
    }
}

impl Drop for H5Cache {
    fn drop(&mut self) {
        self.flush();
    }
}
