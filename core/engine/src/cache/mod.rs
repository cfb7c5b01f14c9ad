//! The feature cache interface: what cached features are keyed by, the trait a cache store
//! implements, and the per-utterance extraction step that consults it.
//!
//! Why the store is not here: this module is only the interface, so the key and the trait
//! can be read (and a store swapped) without HDF5 in view. The HDF5 store is
//! [`crate::h5cache`], in this engine crate (serlab-api, which plugins link, stays free of C
//! dependencies); a store reaches the runner through [`crate::runner::RunOptions::cache`].
//! [`MemoryCache`] is a small in-process store for tests.
//!
//! A cache entry is keyed by two parts ([`CacheKey`]):
//!
//! * [`AudioDigest`]: BLAKE3 of the audio **file's bytes**. Bytes rather than decoded samples
//!   because a hit must be cheap: hashing a file runs at GB/s and lets a hit skip decoding and
//!   resampling, which cost as much as the cheap extractors themselves. The samples an
//!   extractor sees are a pure function of the file bytes, the extractor's sample rate (part
//!   of [`ExtractorKey`]) and serlab's decoding code, which [`DECODE_VERSION`] stands for. The
//!   price: the same recording in two containers (or re-encoded) is cached twice.
//! * [`ExtractorKey`]: the plugin, the component name, its declared
//!   [`FeatureInfo::version`], sample rate, shape, dimension, a digest of its column names,
//!   and its **canonical parameters** (the experiment's table merged over the component's
//!   defaults, keys sorted at every level). Any changed parameter, default or version gives
//!   another key, so stale features are never reused; a parameter written differently but
//!   equal in value (`8000` vs `8000.0`) only costs a miss.
//!
//! A cache never fails a run: a broken or unwritable cache only costs time. Stores report
//! what went wrong (corrupt files removed, writes that failed) through
//! [`FeatureCache::take_warnings`], which the runner turns into warnings.

use crate::config::FeatureSpec;
use crate::plugin::loader::Hosted;
use crate::plugin::{ComponentKind, PluginSet};
use crate::{
    audio, Error, FeatureExtractor, FeatureInfo, FeatureInput, FeatureShape, Features, Result,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;

/// Stands for serlab's audio decoding and resampling code (`core/engine/src/audio.rs`): bump it when
/// a change there alters the samples an extractor receives, so cached features are recomputed.
pub const DECODE_VERSION: u32 = 1;

/// BLAKE3 digest of an audio file's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AudioDigest(pub [u8; 32]);

impl AudioDigest {
    /// Hash the bytes of `path`.
    pub fn of_file(path: &Path) -> Result<AudioDigest> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Ok(AudioDigest::of_bytes(&bytes))
    }

    /// Hash `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> AudioDigest {
        AudioDigest(*blake3::hash(bytes).as_bytes())
    }

    /// Lower-case hex, 64 characters.
    pub fn hex(&self) -> String {
        hex(&self.0)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Everything about an extractor configuration that its output depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractorKey {
    /// Component name (`mfcc`).
    pub extractor: String,
    /// The canonical description: one `key = value` line per part, parameters last.
    text: String,
    /// BLAKE3 of `text`, hex.
    digest: String,
}

impl ExtractorKey {
    /// The key of component `extractor` of plugin `plugin` with the full (defaults filled in)
    /// parameter table `params` and the self-description `info`.
    pub fn new(plugin: &str, extractor: &str, params: &toml::Table, info: &FeatureInfo) -> Self {
        let mut names = blake3::Hasher::new();
        for n in &info.names {
            names.update(&(n.len() as u64).to_le_bytes());
            names.update(n.as_bytes());
        }
        let mut canon = String::new();
        canonical_table(params, &mut canon);
        let shape = match info.shape {
            FeatureShape::Frames => "frames",
            FeatureShape::Vector => "vector",
            FeatureShape::Text => "text",
        };
        let text = format!(
            "serlab feature cache key v1\nplugin = {plugin:?}\nextractor = {extractor:?}\n\
             version = {}\nsample_rate = {}\nshape = {shape}\ndim = {}\nnames = {}\n\
             decode_version = {DECODE_VERSION}\nparams = {canon}\n",
            info.version,
            info.sample_rate,
            info.dim,
            names.finalize().to_hex(),
        );
        let digest = blake3::hash(text.as_bytes()).to_hex().to_string();
        ExtractorKey {
            extractor: extractor.to_string(),
            text,
            digest,
        }
    }

    /// The canonical description the key is the hash of (stored with cached features so a
    /// store can check that a file really holds this configuration).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// BLAKE3 of [`ExtractorKey::text`], 64 hex characters.
    pub fn digest(&self) -> &str {
        &self.digest
    }
}

/// Canonical text of a TOML table: keys sorted at every level, floats in shortest round-trip
/// form, strings JSON-quoted. Equal tables give equal text whatever their key order.
fn canonical_table(t: &toml::Table, out: &mut String) {
    let mut keys: Vec<&String> = t.keys().collect();
    keys.sort();
    out.push('{');
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k:?}=");
        canonical_value(&t[k], out);
    }
    out.push('}');
}

fn canonical_value(v: &toml::Value, out: &mut String) {
    match v {
        toml::Value::String(s) => {
            let _ = write!(out, "{s:?}");
        }
        toml::Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        toml::Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        toml::Value::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        toml::Value::Datetime(d) => {
            let _ = write!(out, "{d}");
        }
        toml::Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_value(x, out);
            }
            out.push(']');
        }
        toml::Value::Table(t) => canonical_table(t, out),
    }
}

/// The key of one utterance's features from one extractor configuration.
#[derive(Clone, Copy, Debug)]
pub struct CacheKey<'a> {
    /// The extractor configuration.
    pub extractor: &'a ExtractorKey,
    /// The audio file's content.
    pub audio: &'a AudioDigest,
}

/// A store of extracted features, shared by the extraction threads of a run.
///
/// Implementations must be safe to use from several threads and from several processes on
/// the same location at once, and must never hand back features that were not stored under
/// exactly this key (a corrupt entry is a miss, reported through
/// [`FeatureCache::take_warnings`]).
pub trait FeatureCache: Send + Sync + std::fmt::Debug {
    /// The features stored under `key`, or `None` when there are none (or they are unusable).
    fn get(&self, key: &CacheKey<'_>) -> Option<Features>;
    /// Store `features` under `key`. Best effort: a failure becomes a warning.
    fn put(&self, key: &CacheKey<'_>, features: &Features);
    /// Make everything put so far durable and visible to other runs.
    fn flush(&self);
    /// Problems met since the last call, one sentence each.
    fn take_warnings(&self) -> Vec<String>;
}

/// An in-process [`FeatureCache`] (nothing survives the process): for tests, and for a
/// caller that extracts the same corpus twice in one process.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<(String, AudioDigest), Features>>,
}

impl MemoryCache {
    /// Number of stored entries.
    pub fn len(&self) -> usize {
        self.entries.lock().expect("cache lock").len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl FeatureCache for MemoryCache {
    fn get(&self, key: &CacheKey<'_>) -> Option<Features> {
        let k = (key.extractor.digest().to_string(), *key.audio);
        self.entries.lock().expect("cache lock").get(&k).cloned()
    }

    fn put(&self, key: &CacheKey<'_>, features: &Features) {
        let k = (key.extractor.digest().to_string(), *key.audio);
        self.entries
            .lock()
            .expect("cache lock")
            .insert(k, features.clone());
    }

    fn flush(&self) {}

    fn take_warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A feature set of an experiment, ready to extract: its id, the plugin's extractor, what
/// the extractor declared, and its cache key.
pub struct ConfiguredExtractor {
    /// The `[features.<id>]` id.
    pub id: String,
    /// The extractor, created by its plugin.
    pub extractor: Hosted<dyn FeatureExtractor>,
    /// What it declared for these parameters.
    pub info: FeatureInfo,
    /// Its cache key.
    pub key: ExtractorKey,
    /// Its full parameter table (defaults filled in).
    pub params: toml::Table,
}

impl ConfiguredExtractor {
    /// Create the extractor of `spec` and its key; an unknown name or a bad parameter fails.
    pub fn new(plugins: &PluginSet, spec: &FeatureSpec) -> Result<Self> {
        let text = toml::to_string(&spec.params).expect("a TOML table serialises");
        let extractor = plugins.extractor(&spec.extractor, &text)?;
        let info = extractor.info()?;
        let params = crate::runner::resolved_params(
            plugins,
            ComponentKind::Extractor,
            &spec.extractor,
            &spec.params,
        )
        .unwrap_or_else(|| spec.params.clone());
        let key = ExtractorKey::new(&extractor.plugin, &spec.extractor, &params, &info);
        Ok(ConfiguredExtractor {
            id: spec.id.clone(),
            extractor,
            info,
            key,
            params,
        })
    }

    /// Whether cached `f` has the shape this extractor declares (a last guard on a hit).
    fn fits(&self, f: &Features) -> bool {
        match (f, self.info.shape) {
            (Features::Frames { frames, dim, data }, FeatureShape::Frames) => {
                *dim == self.info.dim && data.len() == frames * dim
            }
            (Features::Vector(v), FeatureShape::Vector) => v.len() == self.info.dim,
            _ => false,
        }
    }
}

/// One utterance's features from every extractor of a set.
#[derive(Debug, Default)]
pub struct Extracted {
    /// Feature set id → features.
    pub features: HashMap<String, Features>,
    /// How many of them came from the cache.
    pub cached: usize,
}

/// Extract every feature set of `set` from the audio file `path`, taking what `cache` holds
/// and storing what it lacks. Audio is decoded at most once per sample rate, and not at all
/// when every feature set is a hit.
pub fn extract_utterance(
    path: &Path,
    set: &[ConfiguredExtractor],
    cache: Option<&dyn FeatureCache>,
) -> Result<Extracted> {
    let digest = match cache {
        Some(_) => Some(AudioDigest::of_file(path)?),
        None => None,
    };
    let mut by_rate: HashMap<u32, crate::Audio> = HashMap::new();
    let mut out = Extracted::default();
    // Text extractors read transcripts, not this file; the runner feeds them.
    for c in set
        .iter()
        .filter(|c| c.extractor.input() == FeatureInput::Audio)
    {
        let key = digest.as_ref().map(|audio| CacheKey {
            extractor: &c.key,
            audio,
        });
        if let (Some(cache), Some(key)) = (cache, &key) {
            if let Some(f) = cache.get(key).filter(|f| c.fits(f)) {
                out.features.insert(c.id.clone(), f);
                out.cached += 1;
                continue;
            }
        }
        let rate = c.info.sample_rate;
        let a = match by_rate.entry(rate) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(audio::load(path, rate)?),
        };
        let f = c.extractor.extract(a).map_err(|e| Error::Audio {
            path: path.to_path_buf(),
            reason: format!("feature set `{}`: {e}", c.id),
        })?;
        if let (Some(cache), Some(key)) = (cache, &key) {
            cache.put(key, &f);
        }
        out.features.insert(c.id.clone(), f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
