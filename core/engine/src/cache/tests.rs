//! Cache keys (every part of the configuration changes one, parameters canonically sorted,
//! the audio digest) and extraction through a cache (hits skip the extractor).

use super::*;

fn info(version: u32) -> FeatureInfo {
    FeatureInfo {
        shape: FeatureShape::Frames,
        dim: 2,
        sample_rate: 16000,
        names: vec!["a".into(), "b".into()],
        version,
    }
}

fn table(text: &str) -> toml::Table {
    text.parse().unwrap()
}

#[test]
fn every_part_of_the_configuration_changes_the_key() {
    let base = ExtractorKey::new("features", "mfcc", &table("n = 13\nx = 1.5"), &info(1));
    // Key order does not matter; values, names, version, plugin, rate all do.
    let same = ExtractorKey::new("features", "mfcc", &table("x = 1.5\nn = 13"), &info(1));
    assert_eq!(base, same);
    let others = [
        ExtractorKey::new("features", "mfcc", &table("n = 14\nx = 1.5"), &info(1)),
        ExtractorKey::new("features", "mfcc", &table("n = 13\nx = 1.25"), &info(1)),
        ExtractorKey::new("features", "mfcc", &table("n = 13"), &info(1)),
        ExtractorKey::new("features", "mfcc", &table("n = 13\nx = 1.5"), &info(2)),
        ExtractorKey::new("features", "log-mel", &table("n = 13\nx = 1.5"), &info(1)),
        ExtractorKey::new("other", "mfcc", &table("n = 13\nx = 1.5"), &info(1)),
        ExtractorKey::new("features", "mfcc", &table("n = 13\nx = 1.5"), &{
            let mut i = info(1);
            i.sample_rate = 22050;
            i
        }),
        ExtractorKey::new("features", "mfcc", &table("n = 13\nx = 1.5"), &{
            let mut i = info(1);
            i.names[1] = "c".into();
            i
        }),
    ];
    for o in &others {
        assert_ne!(o.digest(), base.digest(), "{}", o.text());
    }
    assert_eq!(base.digest().len(), 64);
    assert!(base.text().contains("version = 1"), "{}", base.text());
}

#[test]
fn canonical_params_sort_nested_tables() {
    let a = table("z = [1, 2]\n[t]\nb = \"x\"\na = true");
    let b = table("[t]\na = true\nb = \"x\"\n[u]\n");
    let mut sa = String::new();
    canonical_table(&a, &mut sa);
    assert_eq!(sa, r#"{"t"={"a"=true,"b"="x"},"z"=[1,2]}"#);
    let mut sb = String::new();
    canonical_table(&b, &mut sb);
    assert_eq!(sb, r#"{"t"={"a"=true,"b"="x"},"u"={}}"#);
}

/// A host-compiled extractor that counts its calls: one value, the sample count x `scale`.
mod counting {
    use crate::plugin::PluginSet;
    use crate::Component;
    use crate::{Audio, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result};
    use serde::{Deserialize, Serialize};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub static CALLS: AtomicUsize = AtomicUsize::new(0);

    #[derive(Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct Params {
        pub scale: f32,
    }
    impl Default for Params {
        fn default() -> Self {
            Params { scale: 1.0 }
        }
    }
    pub struct Counting(f32);
    impl Component for Counting {
        const NAME: &'static str = "counting";
        const SUMMARY: &'static str = "counts its calls";
        const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[("scale", "factor")];
        type Params = Params;
        fn new(p: Params) -> Result<Self> {
            Ok(Counting(p.scale))
        }
    }
    impl FeatureExtractor for Counting {
        fn info(&self) -> Result<FeatureInfo> {
            Ok(FeatureInfo {
                shape: FeatureShape::Vector,
                dim: 1,
                sample_rate: 8000,
                names: vec!["n".into()],
                version: 1,
            })
        }
        fn extract(&self, a: &Audio) -> Result<Features> {
            CALLS.fetch_add(1, Ordering::SeqCst);
            Ok(Features::Vector(vec![a.samples.len() as f32 * self.0]))
        }
    }
    pub fn plugins() -> PluginSet {
        let mut p = PluginSet::default();
        p.add_static("test", |r| r.extractor::<Counting>());
        p
    }
}

#[test]
fn hits_skip_extraction_and_other_parameters_or_audio_miss() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    audio::write_wav16(&wav, &[0.5; 800], 8000).unwrap();
    let plugins = counting::plugins();
    let spec = |params: &str| FeatureSpec {
        id: "c".into(),
        extractor: "counting".into(),
        params: table(params),
    };
    let set = |params: &str| vec![ConfiguredExtractor::new(&plugins, &spec(params)).unwrap()];
    let cache = MemoryCache::default();
    let run = |set: &[ConfiguredExtractor]| {
        let before = counting::CALLS.load(SeqCst);
        let x = extract_utterance(&wav, set, Some(&cache)).unwrap();
        let Features::Vector(v) = &x.features["c"] else {
            panic!("a vector")
        };
        (v[0], x.cached, counting::CALLS.load(SeqCst) - before)
    };
    let two = set("scale = 2.0");
    assert_eq!(run(&two), (1600.0, 0, 1), "first call extracts");
    assert_eq!(run(&two), (1600.0, 1, 0), "second call is a hit");
    // Omitting a parameter equals writing its default.
    assert_eq!(set("")[0].key, set("scale = 1.0")[0].key);
    assert_eq!(
        run(&set("scale = 3.0")),
        (2400.0, 0, 1),
        "new parameter: miss"
    );
    assert_eq!(cache.len(), 2);
    // Changed audio content under the same path: miss.
    audio::write_wav16(&wav, &[0.5; 400], 8000).unwrap();
    assert_eq!(run(&two), (800.0, 0, 1));
    // Without a cache nothing is stored and everything is extracted.
    let x = extract_utterance(&wav, &two, None).unwrap();
    assert_eq!(x.cached, 0);
    assert_eq!(cache.len(), 3);
}

#[test]
fn audio_digest_is_blake3_of_the_bytes() {
    // BLAKE3 of the empty input, from the BLAKE3 reference test vectors.
    assert_eq!(
        AudioDigest::of_bytes(b"").hex(),
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    );
    assert_ne!(AudioDigest::of_bytes(b"a"), AudioDigest::of_bytes(b"b"));
}
