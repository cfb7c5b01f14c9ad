//! One segment file: its HDF5 layout (attributes, one checksummed dataset per utterance),
//! how it is opened and checked, how one entry is read back and how a new segment is written
//! (temporary name, sync, rename). Kept apart from the folder logic so the on-disk format
//! is in one place.

use super::{FORMAT, STALE_TMP};
use crate::cache::{AudioDigest, CacheKey, ExtractorKey};
use crate::Features;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug)]
pub(super) struct Segment {
    pub(super) path: PathBuf,
    pub(super) entries: hdf5::Group,
    // Kept open so the segment stays readable if a merger deletes it.
    _file: hdf5::File,
}

/// Why a segment cannot be used.
pub(super) enum SegmentError {
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
pub(super) fn unique_name(prefix: &str) -> String {
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

pub(super) fn checksum(
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

pub(super) fn parse_digest(name: &str) -> Option<AudioDigest> {
    if name.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(name.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(AudioDigest(out))
}

pub(super) fn open_segment(path: &Path, key: &ExtractorKey) -> Result<Segment, SegmentError> {
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

pub(super) fn read_entry(seg: &Segment, key: &CacheKey<'_>) -> Result<Features, String> {
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
pub(super) fn write_segment<'a>(
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
pub(super) fn list_segments(dir: &Path) -> Vec<PathBuf> {
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

/// Remove temporary files left over from a killed writer (older than [`STALE_TMP`]).
pub(super) fn remove_stale_tmp(dir: &Path) {
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
