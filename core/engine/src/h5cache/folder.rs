//! One extractor configuration's folder: the segments open in it, the index of which segment
//! holds each utterance, the features put but not yet written, and what happens when a
//! segment turns out corrupt (removed, the rest re-indexed, the features recomputed).

use super::segment::{
    list_segments, open_segment, parse_digest, write_segment, Segment, SegmentError,
};
use super::MAX_SEGMENTS;
use crate::cache::{AudioDigest, ExtractorKey};
use crate::Features;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What is known about one extractor configuration's folder.
#[derive(Debug)]
pub(super) struct Config {
    pub(super) dir: PathBuf,
    pub(super) key: ExtractorKey,
    /// Open segments, oldest first.
    pub(super) segments: Vec<Segment>,
    /// Audio digest → index into `segments` (the newest segment holding it).
    pub(super) index: HashMap<AudioDigest, usize>,
    /// Put but not yet written.
    pub(super) pending: HashMap<AudioDigest, Features>,
}

impl Config {
    pub(super) fn load(root: &Path, key: &ExtractorKey, warnings: &mut Vec<String>) -> Config {
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
    pub(super) fn reload(&mut self, warnings: &mut Vec<String>) {
        self.segments.clear();
        self.index.clear();
        for path in list_segments(&self.dir) {
            self.add_segment(&path, warnings);
        }
    }

    pub(super) fn add_segment(&mut self, path: &Path, warnings: &mut Vec<String>) {
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

    pub(super) fn discard(&mut self, path: &Path, why: &str, warnings: &mut Vec<String>) {
        let _ = std::fs::remove_file(path);
        warnings.push(format!(
            "feature cache file {} is corrupt ({why}); removed it, its features are recomputed",
            path.display()
        ));
    }

    /// Drop segment `i` after finding it corrupt: delete the file, re-index the rest.
    pub(super) fn quarantine(&mut self, i: usize, why: &str, warnings: &mut Vec<String>) {
        let seg = self.segments.remove(i);
        self.discard(&seg.path, why, warnings);
        let paths: Vec<PathBuf> = self.segments.drain(..).map(|s| s.path).collect();
        self.index.clear();
        for p in paths {
            self.add_segment(&p, warnings);
        }
    }

    pub(super) fn flush(&mut self, warnings: &mut Vec<String>) {
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
}
