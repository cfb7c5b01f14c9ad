//! The HDF5 feature cache: serlab-core's [`FeatureCache`] stored as HDF5 files.
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
//! rebuilds the cache. Truncation and flipped bytes are tested below.

use crate::cache::{AudioDigest, CacheKey, ExtractorKey, FeatureCache};
use crate::Features;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// What is known about one extractor configuration's folder.
#[derive(Debug)]
struct Config {
    dir: PathBuf,
    key: ExtractorKey,
    /// Open segments, oldest first.
    segments: Vec<Segment>,
    /// Audio digest → index into `segments` (the newest segment holding it).
    index: HashMap<AudioDigest, usize>,
    /// Put but not yet written.
    pending: HashMap<AudioDigest, Features>,
}

#[derive(Debug)]
struct Segment {
    path: PathBuf,
    entries: hdf5::Group,
    // Kept open so the segment stays readable if a merger deletes it.
    _file: hdf5::File,
}

/// Why a segment cannot be used.
enum SegmentError {
    /// It was deleted (merged by another process) after being listed, another program
    /// holds it locked, or it belongs to another configuration (a 64-bit digest prefix clash).
    Gone,
    /// It is unreadable or inconsistent.
    Corrupt(String),
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Why [`open_segment`] skips a segment of another configuration.
const FOREIGN: &str = "holds another extractor configuration";

/// A name unique across processes and calls, sorting by creation time.
fn unique_name(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}{nanos:020}-{}-{}.h5",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    )
}

fn checksum(
    extractor: &ExtractorKey,
    audio: &AudioDigest,
    shape: &[usize],
    data: &[f32],
) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(extractor.digest().as_bytes());
    h.update(&audio.0);
    h.update(&(shape.len() as u64).to_le_bytes());
    for d in shape {
        h.update(&(*d as u64).to_le_bytes());
    }
    for x in data {
        h.update(&x.to_le_bytes());
    }
    *h.finalize().as_bytes()
}

fn parse_digest(name: &str) -> Option<AudioDigest> {
    if name.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(name.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(AudioDigest(out))
}

fn features_bytes(f: &Features) -> usize {
    match f {
        Features::Frames { data, .. } => data.len() * 4,
        Features::Vector(v) => v.len() * 4,
        Features::Text(t) => t.len(),
    }
}

fn open_segment(path: &Path, key: &ExtractorKey) -> Result<Segment, SegmentError> {
    let corrupt = |e: String| {
        // Locked by someone else (segments are never opened for writing by serlab, so only a
        // foreign program can hold one) or gone: not corrupt, just unusable this time.
        if path.exists() && !e.contains("unable to lock file") {
            SegmentError::Corrupt(e)
        } else {
            SegmentError::Gone
        }
    };
    // An HDF5 lock is an `flock`, inherited by any child process started while a writer held
    // the file open; such a lock outlives the writer until the child exits. So a segment that
    // reads as locked is tried again for up to a second before it counts as unusable.
    let mut tries = 0;
    let file = loop {
        match hdf5::File::open(path) {
            Ok(f) => break f,
            Err(e) if tries < 20 && e.to_string().contains("unable to lock file") => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(corrupt(e.to_string())),
        }
    };
    let check = || -> Result<hdf5::Group, String> {
        let format: u32 = file
            .attr("serlab_cache_format")
            .and_then(|a| a.read_scalar())
            .map_err(|e| format!("no format attribute: {e}"))?;
        if format != FORMAT {
            return Err(format!("format {format}, expected {FORMAT}"));
        }
        let text: Vec<u8> = file
            .attr("extractor_key")
            .and_then(|a| a.read_raw())
            .map_err(|e| format!("no extractor_key attribute: {e}"))?;
        if text != key.text().as_bytes() {
            return Err(FOREIGN.into());
        }
        let count: u64 = file
            .attr("count")
            .and_then(|a| a.read_scalar())
            .map_err(|e| format!("no count attribute: {e}"))?;
        let entries = file.group("features").map_err(|e| e.to_string())?;
        if entries.len() != count {
            return Err(format!(
                "{} entries, its header says {count}",
                entries.len()
            ));
        }
        Ok(entries)
    };
    let entries = check().map_err(|e| {
        if e == FOREIGN {
            // Another configuration whose digest starts alike: valid, just not ours.
            SegmentError::Gone
        } else {
            corrupt(e)
        }
    })?;
    Ok(Segment {
        path: path.to_path_buf(),
        entries,
        _file: file,
    })
}

fn read_entry(seg: &Segment, key: &CacheKey<'_>) -> Result<Features, String> {
    let name = key.audio.hex();
    let ds = seg.entries.dataset(&name).map_err(|e| e.to_string())?;
    let shape = ds.shape();
    let data: Vec<f32> = if shape.iter().product::<usize>() == 0 {
        Vec::new()
    } else {
        ds.read_raw().map_err(|e| e.to_string())?
    };
    let stored: Vec<u8> = ds
        .attr("blake3")
        .and_then(|a| a.read_raw())
        .map_err(|e| format!("entry {name}: no checksum: {e}"))?;
    if stored[..] != checksum(key.extractor, key.audio, &shape, &data)[..] {
        return Err(format!("entry {name} fails its checksum"));
    }
    match shape[..] {
        [frames, dim] => Ok(Features::Frames { frames, dim, data }),
        [_] => Ok(Features::Vector(data)),
        _ => Err(format!("entry {name} has rank {}", shape.len())),
    }
}

/// Write `entries` as a new segment of `dir`: to a temporary file, synced, then renamed.
fn write_segment<'a>(
    dir: &Path,
    key: &ExtractorKey,
    entries: impl Iterator<Item = (AudioDigest, Cow<'a, Features>)>,
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(unique_name(".tmp-seg-"));
    let result = (|| -> hdf5::Result<()> {
        let file = hdf5::File::with_options()
            .with_fapl(|p| p.libver_v110())
            .create(&tmp)?;
        file.new_attr::<u32>()
            .create("serlab_cache_format")?
            .write_scalar(&FORMAT)?;
        let text = key.text().as_bytes();
        file.new_attr::<u8>()
            .shape(text.len())
            .create("extractor_key")?
            .write_raw(text)?;
        let group = file.create_group("features")?;
        let mut count = 0u64;
        for (audio, f) in entries {
            let (shape, data) = match f.as_ref() {
                Features::Frames { frames, dim, data } => (vec![*frames, *dim], data),
                Features::Vector(v) => (vec![v.len()], v),
                // Text features never reach the cache (they are not extracted from audio).
                Features::Text(_) => continue,
            };
            count += 1;
            let ds = group
                .new_dataset::<f32>()
                .shape(&shape)
                .create(audio.hex().as_str())?;
            if !data.is_empty() {
                ds.write_raw(data.as_slice())?;
            }
            let sum = checksum(key, &audio, &shape, data);
            ds.new_attr::<u8>()
                .shape(32)
                .create("blake3")?
                .write_raw(&sum[..])?;
        }
        // Written last: a segment whose writer stopped early cannot pass as complete.
        file.new_attr::<u64>()
            .create("count")?
            .write_scalar(&count)?;
        file.close()
    })();
    let done = result.map_err(|e| e.to_string()).and_then(|()| {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| e.to_string())?;
        let dest = dir.join(unique_name("seg-"));
        std::fs::rename(&tmp, &dest).map_err(|e| e.to_string())?;
        // Make the rename itself durable; a failure here only risks losing the segment.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(dest)
    });
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done.map_err(|e| format!("cannot write a segment in {}: {e}", dir.display()))
}

/// Segment files of `dir`, oldest first.
fn list_segments(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seg-") && n.ends_with(".h5"))
        })
        .collect();
    v.sort();
    v
}

impl Config {
    fn load(root: &Path, key: &ExtractorKey, warnings: &mut Vec<String>) -> Config {
        let safe: String = key
            .extractor
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let dir = root.join(format!("{safe}-{}", &key.digest()[..16]));
        let mut c = Config {
            dir,
            key: key.clone(),
            segments: Vec::new(),
            index: HashMap::new(),
            pending: HashMap::new(),
        };
        c.reload(warnings);
        c
    }

    /// Open every segment on disk again and rebuild the index.
    fn reload(&mut self, warnings: &mut Vec<String>) {
        self.segments.clear();
        self.index.clear();
        for path in list_segments(&self.dir) {
            self.add_segment(&path, warnings);
        }
    }

    fn add_segment(&mut self, path: &Path, warnings: &mut Vec<String>) {
        match open_segment(path, &self.key) {
            Ok(seg) => {
                let names = match seg.entries.member_names() {
                    Ok(n) => n,
                    Err(e) => return self.discard(path, &e.to_string(), warnings),
                };
                let mut digests = Vec::with_capacity(names.len());
                for n in &names {
                    match parse_digest(n) {
                        Some(d) => digests.push(d),
                        None => {
                            return self.discard(path, &format!("bad entry name `{n}`"), warnings)
                        }
                    }
                }
                let i = self.segments.len();
                self.segments.push(seg);
                for d in digests {
                    self.index.insert(d, i);
                }
            }
            Err(SegmentError::Gone) => {}
            Err(SegmentError::Corrupt(why)) => self.discard(path, &why, warnings),
        }
    }

    fn discard(&mut self, path: &Path, why: &str, warnings: &mut Vec<String>) {
        let _ = std::fs::remove_file(path);
        warnings.push(format!(
            "feature cache file {} is corrupt ({why}); removed it, its features are recomputed",
            path.display()
        ));
    }

    /// Drop segment `i` after finding it corrupt: delete the file, re-index the rest.
    fn quarantine(&mut self, i: usize, why: &str, warnings: &mut Vec<String>) {
        let seg = self.segments.remove(i);
        self.discard(&seg.path, why, warnings);
        let paths: Vec<PathBuf> = self.segments.drain(..).map(|s| s.path).collect();
        self.index.clear();
        for p in paths {
            self.add_segment(&p, warnings);
        }
    }

    fn flush(&mut self, warnings: &mut Vec<String>) {
        if self.pending.is_empty() {
            return;
        }
        let mut entries: Vec<(AudioDigest, Features)> = self.pending.drain().collect();
        entries.sort_by_key(|(d, _)| d.0);
        let it = entries.iter().map(|(d, f)| (*d, Cow::Borrowed(f)));
        match write_segment(&self.dir, &self.key, it) {
            Ok(path) => self.add_segment(&path, warnings),
            Err(e) => warnings.push(format!("feature cache: {e}")),
        }
        if list_segments(&self.dir).len() > MAX_SEGMENTS {
            self.compact(warnings);
        }
    }

    /// Merge all segments on disk into one, if no other process is merging this folder.
    fn compact(&mut self, warnings: &mut Vec<String>) {
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

fn remove_stale_tmp(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_TMP);
        if stale && e.file_name().to_string_lossy().starts_with(".tmp-") {
            let _ = std::fs::remove_file(e.path());
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FeatureInfo, FeatureShape};

    fn key(n_mfcc: i64) -> ExtractorKey {
        let params: toml::Table = format!("n_mfcc = {n_mfcc}").parse().unwrap();
        let info = FeatureInfo {
            shape: FeatureShape::Frames,
            dim: 3,
            sample_rate: 16000,
            names: vec!["a".into(), "b".into(), "c".into()],
            version: 1,
        };
        ExtractorKey::new("test", "fake", &params, &info)
    }

    fn audio(k: u32) -> AudioDigest {
        AudioDigest::of_bytes(&k.to_le_bytes())
    }

    /// Deterministic features for entry `k`: frames of varying length (zero included), or a
    /// vector every fourth entry.
    fn feats(k: u32) -> Features {
        if k % 4 == 3 {
            return Features::Vector((0..5).map(|i| k as f32 + i as f32 * 0.25).collect());
        }
        let frames = (k % 5) as usize * 40;
        Features::Frames {
            frames,
            dim: 3,
            data: (0..frames * 3)
                .map(|i| k as f32 * 10.0 + i as f32)
                .collect(),
        }
    }

    fn get(c: &H5Cache, ek: &ExtractorKey, k: u32) -> Option<Features> {
        c.get(&CacheKey {
            extractor: ek,
            audio: &audio(k),
        })
    }

    fn put(c: &H5Cache, ek: &ExtractorKey, k: u32) {
        c.put(
            &CacheKey {
                extractor: ek,
                audio: &audio(k),
            },
            &feats(k),
        );
    }

    fn segments(root: &Path) -> Vec<PathBuf> {
        let dir = std::fs::read_dir(root.join("features"))
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path();
        list_segments(&dir)
    }

    #[test]
    fn features_survive_the_process_and_parameters_select_them() {
        let dir = tempfile::tempdir().unwrap();
        let (k13, k20) = (key(13), key(20));
        {
            let c = H5Cache::new(dir.path());
            for k in 0..8 {
                put(&c, &k13, k);
            }
            // Visible before the flush, from the same instance.
            assert_eq!(get(&c, &k13, 2), Some(feats(2)));
        } // dropped: flushed
        let c = H5Cache::new(dir.path());
        for k in 0..8 {
            assert_eq!(get(&c, &k13, k), Some(feats(k)), "entry {k}");
        }
        assert_eq!(get(&c, &k13, 99), None);
        // Another parameter value is another configuration: nothing is reused.
        for k in 0..8 {
            assert_eq!(get(&c, &k20, k), None);
        }
        assert!(c.take_warnings().is_empty());
        let seg = &segments(dir.path())[0];
        let f = hdf5::File::open(seg).unwrap();
        let text: Vec<u8> = f.attr("extractor_key").unwrap().read_raw().unwrap();
        assert_eq!(text, k13.text().as_bytes());
    }

    #[test]
    fn a_truncated_file_is_detected_and_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let ek = key(13);
        {
            let c = H5Cache::new(dir.path());
            (0..6).for_each(|k| put(&c, &ek, k));
        }
        let seg = segments(dir.path()).remove(0);
        let len = std::fs::metadata(&seg).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .unwrap()
            .set_len(len / 2)
            .unwrap();
        let c = H5Cache::new(dir.path());
        assert_eq!(get(&c, &ek, 1), None);
        let w = c.take_warnings();
        assert!(
            w.len() == 1 && w[0].contains("corrupt") && w[0].contains("seg-"),
            "{w:?}"
        );
        assert!(!seg.exists(), "the corrupt segment is removed");
        (0..6).for_each(|k| put(&c, &ek, k));
        drop(c);
        let c = H5Cache::new(dir.path());
        assert!((0..6).all(|k| get(&c, &ek, k) == Some(feats(k))));
        assert!(c.take_warnings().is_empty());
    }

    #[test]
    fn a_segment_of_another_configuration_is_skipped_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (key(13), key(20));
        {
            let c = H5Cache::new(dir.path());
            put(&c, &a, 1);
            put(&c, &b, 2);
        }
        // Move a's segment into b's folder, as a 64-bit digest prefix clash would place it.
        let folder = |k: &ExtractorKey| {
            dir.path()
                .join("features")
                .join(format!("fake-{}", &k.digest()[..16]))
        };
        let seg = list_segments(&folder(&a)).remove(0);
        let moved = folder(&b).join(seg.file_name().unwrap());
        std::fs::rename(&seg, &moved).unwrap();
        let c = H5Cache::new(dir.path());
        assert_eq!(get(&c, &b, 1), None);
        assert_eq!(get(&c, &b, 2), Some(feats(2)));
        assert!(c.take_warnings().is_empty());
        assert!(moved.exists());
    }

    /// Flip one byte at a time all over a segment: a lookup must return the exact features
    /// or nothing, never something else (nor crash); flips in the values must be caught by
    /// the checksum. About 400 positions by default; `SERLAB_FLIP_STEP=1` tries every byte
    /// (run that way once per change of the format: about a minute).
    #[test]
    fn flipped_bytes_never_yield_wrong_features() {
        let dir = tempfile::tempdir().unwrap();
        let ek = key(13);
        // More than 8 entries, so HDF5 stores the links densely (fractal heap + B-tree).
        let keys: Vec<u32> = (0..20).collect();
        {
            let c = H5Cache::new(dir.path());
            keys.iter().for_each(|&k| put(&c, &ek, k));
        }
        let seg = segments(dir.path()).remove(0);
        let name = seg.file_name().unwrap().to_owned();
        let sub = seg.parent().unwrap().file_name().unwrap().to_owned();
        let bytes = std::fs::read(&seg).unwrap();
        // Where entry 4's values are (4 frames x 3, little-endian f32).
        let Features::Frames { data, .. } = feats(4) else {
            unreachable!()
        };
        let pattern: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
        let at = bytes
            .windows(pattern.len())
            .position(|w| w == pattern)
            .expect("values stored contiguously");
        let step = std::env::var("SERLAB_FLIP_STEP")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or((bytes.len() / 400).max(1));
        let mut positions: Vec<usize> = (0..bytes.len()).step_by(step).collect();
        positions.extend([at, at + 5, at + pattern.len() - 1]);
        let mut detected = 0;
        for pos in positions {
            let copy = tempfile::tempdir().unwrap();
            let d = copy.path().join("features").join(&sub);
            std::fs::create_dir_all(&d).unwrap();
            let mut b = bytes.clone();
            b[pos] ^= 0x5a;
            std::fs::write(d.join(&name), &b).unwrap();
            let c = H5Cache::new(copy.path());
            for &k in &keys {
                match get(&c, &ek, k) {
                    Some(f) => assert_eq!(f, feats(k), "byte {pos} flipped: wrong features"),
                    None => {
                        if pos >= at && pos < at + pattern.len() && k == 4 {
                            detected += 1;
                        }
                    }
                }
            }
            let w = c.take_warnings();
            if pos >= at && pos < at + pattern.len() {
                assert!(
                    w.iter().any(|w| w.contains("checksum")),
                    "byte {pos}: {w:?}"
                );
            }
        }
        assert!(
            detected >= 3,
            "flips in the values detected {detected} times"
        );
    }

    #[test]
    fn many_segments_are_merged() {
        let dir = tempfile::tempdir().unwrap();
        let ek = key(13);
        let c = H5Cache::new(dir.path());
        for k in 0..(3 * MAX_SEGMENTS as u32) {
            put(&c, &ek, k);
            c.flush();
        }
        let n = segments(dir.path()).len();
        assert!((1..=MAX_SEGMENTS).contains(&n), "{n} segments on disk");
        drop(c);
        let c = H5Cache::new(dir.path());
        assert!((0..3 * MAX_SEGMENTS as u32).all(|k| get(&c, &ek, k) == Some(feats(k))));
        assert!(c.take_warnings().is_empty());
    }

    /// Writes entries 0..40 in an order given by `seed`, flushing every few puts, so that
    /// writers running at once add segments and merge them under each other's feet.
    fn write_all(root: &Path, seed: u32) -> Vec<String> {
        let ek = key(13);
        let c = H5Cache::new(root);
        let mut warnings = Vec::new();
        for i in 0..40u32 {
            let k = (i * 7 + seed * 13) % 40;
            put(&c, &ek, k);
            if i % 3 == seed % 3 {
                c.flush();
            }
            if i % 5 == 0 {
                // Reading while others write and merge.
                if let Some(f) = get(&c, &ek, (k + 11) % 40) {
                    assert_eq!(f, feats((k + 11) % 40));
                }
            }
            warnings.extend(c.take_warnings());
        }
        c.flush();
        warnings.extend(c.take_warnings());
        warnings
    }

    /// Not a test by itself: the writer process of
    /// `concurrent_processes_and_threads_do_not_corrupt_the_cache`.
    #[test]
    #[ignore = "run as a child process by the concurrency test"]
    fn child_writer() {
        let Some(root) = std::env::var_os("SERLAB_H5CACHE_CHILD_ROOT") else {
            return;
        };
        let seed: u32 = std::env::var("SERLAB_H5CACHE_CHILD_SEED")
            .unwrap()
            .parse()
            .unwrap();
        let w = write_all(Path::new(&root), seed);
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn concurrent_processes_and_threads_do_not_corrupt_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..2)
            .map(|seed| {
                std::process::Command::new(&exe)
                    .args([
                        "h5cache::tests::child_writer",
                        "--exact",
                        "--ignored",
                        "--nocapture",
                    ])
                    .env("SERLAB_H5CACHE_CHILD_ROOT", dir.path())
                    .env("SERLAB_H5CACHE_CHILD_SEED", (10 + seed).to_string())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let writing = std::sync::atomic::AtomicUsize::new(3);
        std::thread::scope(|s| {
            for seed in 0..3 {
                let (root, writing) = (dir.path(), &writing);
                s.spawn(move || {
                    let w = write_all(root, seed);
                    writing.fetch_sub(1, Ordering::SeqCst);
                    assert!(w.is_empty(), "thread {seed}: {w:?}");
                });
            }
            // A reader that opens the folder afresh again and again while the others write.
            let (root, writing) = (dir.path(), &writing);
            s.spawn(move || {
                let ek = key(13);
                while writing.load(Ordering::SeqCst) > 0 {
                    let c = H5Cache::new(root);
                    for k in 0..40 {
                        if let Some(f) = get(&c, &ek, k) {
                            assert_eq!(f, feats(k));
                        }
                    }
                    let w = c.take_warnings();
                    assert!(w.is_empty(), "reader: {w:?}");
                }
            });
        });
        for child in children {
            let out = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "child writer failed: {text}");
            assert!(text.contains("1 passed"), "child ran no writer: {text}");
        }
        let ek = key(13);
        let c = H5Cache::new(dir.path());
        for k in 0..40 {
            assert_eq!(get(&c, &ek, k), Some(feats(k)), "entry {k}");
        }
        assert!(c.take_warnings().is_empty());
        let leftovers: Vec<_> = std::fs::read_dir(segments(dir.path())[0].parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
