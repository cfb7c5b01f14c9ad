//! The HDF5 feature cache in real runs, `serlab features` (read back by Python's h5py) and
//! `serlab bench-features`.

use serlab::bench::{self, BenchArgs};
use serlab::export::{self, FeaturesArgs};
use serlab_engine::cache::{self, CacheKey, ConfiguredExtractor, FeatureCache};
use serlab_engine::config::Experiment;
use serlab_engine::h5cache::H5Cache;
use serlab_engine::plugin::ComponentKind;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{Features, StopHandle};
use serlab_tests::bundled_plugins;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A small experiment: 3 speakers x 4 classes x 2 utterances of 0.5 s, two feature sets.
fn write_experiment(dir: &Path, n_mfcc: usize) -> PathBuf {
    let text = format!(
        r#"
[experiment]
name = "h5"
seed = 1
output = "{out}"

[corpus]
kind = "synthetic"
speakers = 3
per_class = 2
seconds = 0.5

[protocol]
kind = "leave-one-speaker-out"

[features.mfcc]
extractor = "mfcc"
n_mfcc = {n_mfcc}

[features.func]
extractor = "functionals"

[models.rf]
model = "random-forest"
features = "func"
n_trees = 10
"#,
        out = dir.display()
    );
    let p = dir.join(format!("exp-{n_mfcc}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

/// Counts what the runner asks of the cache it wraps.
#[derive(Debug)]
struct Counting {
    inner: H5Cache,
    hits: AtomicUsize,
    puts: AtomicUsize,
}

impl FeatureCache for Counting {
    fn get(&self, key: &CacheKey<'_>) -> Option<Features> {
        let f = self.inner.get(key);
        if f.is_some() {
            self.hits.fetch_add(1, Ordering::SeqCst);
        }
        f
    }
    fn put(&self, key: &CacheKey<'_>, features: &Features) {
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.inner.put(key, features)
    }
    fn flush(&self) {
        self.inner.flush()
    }
    fn take_warnings(&self) -> Vec<String> {
        self.inner.take_warnings()
    }
}

/// Run `exp` with a fresh cache object on `cache_dir`; returns (hits, puts, pooled UA).
fn run_cached(exp: &Path, cache_dir: &Path, out: &Path) -> (usize, usize, f64) {
    let exp = Experiment::from_file(exp).unwrap();
    let counting = Arc::new(Counting {
        inner: H5Cache::new(cache_dir),
        hits: AtomicUsize::new(0),
        puts: AtomicUsize::new(0),
    });
    let mut sink = serlab_engine::events::VecSink::default();
    let s = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(out.to_path_buf()),
            cache: Some(counting.clone()),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    let warnings: Vec<_> = sink
        .0
        .iter()
        .filter(|e| matches!(e, serlab_engine::RunEvent::Warning { .. }))
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    (
        counting.hits.load(Ordering::SeqCst),
        counting.puts.load(Ordering::SeqCst),
        s.results.pooled["rf"].ua,
    )
}

#[test]
fn runs_reuse_cached_features_and_a_changed_parameter_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("cache");
    let exp13 = write_experiment(dir.path(), 13);
    let n = 3 * 4 * 2;
    let (hits, puts, ua1) = run_cached(&exp13, &cache_dir, &dir.path().join("r1"));
    assert_eq!((hits, puts), (0, 2 * n), "first run extracts everything");
    let (hits, puts, ua2) = run_cached(&exp13, &cache_dir, &dir.path().join("r2"));
    assert_eq!(
        (hits, puts),
        (2 * n, 0),
        "second run takes everything from the cache"
    );
    assert_eq!(ua1, ua2, "cached features give the same results");
    // n_mfcc changed: the mfcc set is extracted again, the functionals are reused.
    let exp20 = write_experiment(dir.path(), 20);
    let (hits, puts, _) = run_cached(&exp20, &cache_dir, &dir.path().join("r3"));
    assert_eq!((hits, puts), (n, n));
    // Both configurations now live side by side.
    let folders: Vec<_> = std::fs::read_dir(cache_dir.join("features"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(folders.len(), 3, "{folders:?}");
    assert_eq!(folders.iter().filter(|f| f.starts_with("mfcc-")).count(), 2);
}

/// A Python that can `import h5py`: `$SERLAB_PYTHON`, `python3`, then Debian's own.
fn python_with_h5py() -> Option<String> {
    let mut candidates: Vec<String> = std::env::var("SERLAB_PYTHON").into_iter().collect();
    candidates.extend(["python3".into(), "/usr/bin/python3".into()]);
    candidates.into_iter().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import h5py"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

const READ_WITH_H5PY: &str = r#"
import json, sys
import h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s = lambda d: [x.decode() if isinstance(x, bytes) else x for x in d[()]]
m, v = f["features/mfcc"], f["features/func"]
o = m["offsets"][()]
out = {
    "format": f.attrs["format"], "format_version": int(f.attrs["format_version"]),
    "classes": s(f["classes"]), "id": s(f["utterances/id"]),
    "speaker": s(f["utterances/speaker"]), "label": f["utterances/label"][()].tolist(),
    "mfcc_shape": list(m["data"].shape), "mfcc_kind": m.attrs["kind"],
    "mfcc_offsets": o.tolist(), "mfcc_names": s(m["names"]),
    "mfcc_params": m.attrs["params"], "mfcc_extractor": m.attrs["extractor"],
    "mfcc_utt3": m["data"][o[3]:o[4]].astype(np.float64).tolist(),
    "func_shape": list(v["data"].shape), "func_kind": v.attrs["kind"],
    "func_names": len(v["names"]), "func_row5": v["data"][5].astype(np.float64).tolist(),
    "skipped": len(f["skipped/path"]),
}
print(json.dumps(out))
"#;

fn read_with_h5py(python: &str, file: &Path) -> serde_json::Value {
    let out = std::process::Command::new(python)
        .args(["-c", READ_WITH_H5PY])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "h5py could not read {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn exported_features_are_read_by_h5py() {
    let Some(python) = python_with_h5py() else {
        eprintln!(
            "SKIPPED exported_features_are_read_by_h5py: no Python with h5py \
             (tried $SERLAB_PYTHON, python3, /usr/bin/python3); \
             install it with `scripts/setup.sh --with-h5py` (apt-get install python3-h5py)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let exp_path = write_experiment(dir.path(), 13);
    let args = FeaturesArgs {
        experiment: exp_path.clone(),
        out: dir.path().join("out/feats.h5"),
        extractors: Vec::new(),
        no_cache: false,
        quiet: true,
    };
    let first = export::run(&args).unwrap();
    assert_eq!((first.utterances, first.cached), (24, 0));
    assert_eq!(first.feature_sets, ["mfcc", "func"]);
    let warnings = serlab_tests::without_old_core_refusal(&first.warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let second = export::run(&args).unwrap();
    assert_eq!(second.cached, 48, "the second export reads the cache");
    let got = read_with_h5py(&python, &args.out);

    // Expected values: the same extractors run directly, without any cache.
    let exp = Experiment::from_file(&exp_path).unwrap();
    let plugins = bundled_plugins();
    let set: Vec<ConfiguredExtractor> = exp
        .features
        .iter()
        .map(|f| ConfiguredExtractor::new(&plugins, f).unwrap())
        .collect();
    let corpus = exp.corpus.load(&exp.meta.output).unwrap().corpus;
    let direct: Vec<_> = corpus
        .utterances
        .iter()
        .map(|u| cache::extract_utterance(&u.audio, &set, None).unwrap())
        .collect();

    assert_eq!(got["format"], "serlab-features");
    assert_eq!(got["format_version"], export::FORMAT_VERSION);
    assert_eq!(got["classes"], serde_json::json!(corpus.classes));
    let ids: Vec<&str> = corpus.utterances.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(got["id"], serde_json::json!(ids));
    let speakers: Vec<&str> = corpus
        .utterances
        .iter()
        .map(|u| u.speaker.as_str())
        .collect();
    assert_eq!(got["speaker"], serde_json::json!(speakers));
    assert_eq!(got["label"], serde_json::json!(corpus.label_indices()));
    assert_eq!(got["skipped"], 0);

    // Frame features: ragged rows with offsets, 13 columns.
    assert_eq!(got["mfcc_kind"], "frames");
    assert_eq!(got["mfcc_extractor"], "mfcc");
    assert!(
        got["mfcc_params"].as_str().unwrap().contains("n_mfcc = 13"),
        "{}",
        got["mfcc_params"]
    );
    assert_eq!(got["mfcc_names"], serde_json::json!(set[0].info.names));
    let offsets: Vec<usize> = got["mfcc_offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(offsets.len(), 25);
    let mut total = 0;
    for (i, x) in direct.iter().enumerate() {
        let Features::Frames { frames, dim, .. } = &x.features["mfcc"] else {
            panic!("mfcc gives frames")
        };
        assert_eq!(*dim, 13);
        assert_eq!(offsets[i + 1] - offsets[i], *frames, "utterance {i}");
        total += frames;
    }
    assert_eq!(got["mfcc_shape"], serde_json::json!([total, 13]));
    let rows3 = got["mfcc_utt3"].as_array().unwrap();
    let Features::Frames { data, .. } = &direct[3].features["mfcc"] else {
        unreachable!()
    };
    let flat: Vec<f32> = rows3.iter().flat_map(floats).collect();
    assert_eq!(&flat, data, "utterance 3's MFCC frames");

    // Vector features: one row per utterance.
    assert_eq!(got["func_kind"], "vector");
    let d = set[1].info.dim;
    assert_eq!(got["func_shape"], serde_json::json!([24, d]));
    assert_eq!(got["func_names"], d);
    let Features::Vector(v) = &direct[5].features["func"] else {
        panic!("functionals give a vector")
    };
    assert_eq!(&floats(&got["func_row5"]), v, "utterance 5's functionals");
}

#[test]
fn export_names_an_unknown_feature_set() {
    let dir = tempfile::tempdir().unwrap();
    let args = FeaturesArgs {
        experiment: write_experiment(dir.path(), 13),
        out: dir.path().join("f.h5"),
        extractors: vec!["mfc".into()],
        no_cache: true,
        quiet: true,
    };
    let e = export::run(&args).unwrap_err().to_string();
    assert!(
        e.contains("features.mfc") && e.contains("did you mean `mfcc`"),
        "{e}"
    );
    assert!(!args.out.exists());
}

#[test]
fn bench_features_reports_every_registered_extractor() {
    let dir = tempfile::tempdir().unwrap();
    let wavs = dir.path().join("wavs/sub");
    std::fs::create_dir_all(&wavs).unwrap();
    for (i, f) in [150.0f32, 220.0, 300.0].iter().enumerate() {
        let x: Vec<f32> = (0..8000)
            .map(|n| 0.3 * (2.0 * std::f32::consts::PI * f * n as f32 / 16000.0).sin())
            .collect();
        serlab_engine::audio::write_wav16(&wavs.join(format!("{i}.wav")), &x, 16000).unwrap();
    }
    let args = BenchArgs {
        experiment: None,
        corpus: Some(dir.path().join("wavs")),
        extractors: Vec::new(),
        threads: Some(2),
        limit: None,
        repeat: 1,
        plugin_paths: Vec::new(),
    };
    let r = bench::run(&args).unwrap();
    assert_eq!(r.threads, 2);
    let mut expected: Vec<String> = bundled_plugins()
        .plugins
        .iter()
        .flat_map(|p| p.components())
        .filter(|c| c.kind == ComponentKind::Extractor)
        .map(|c| c.name)
        .collect();
    expected.dedup();
    // Text extractors (transcripts, not audio) are not timed.
    expected.retain(|n| n != "transcript");
    let names: Vec<&str> = r
        .rows
        .iter()
        .filter(|r| !r.name.starts_with("decode@"))
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, expected);
    assert!(r.rows.iter().any(|r| r.name.starts_with("decode@")));
    for row in &r.rows {
        assert_eq!(row.files, 3, "{row:?}");
        // 3 files of 0.5 s (resampling may add or drop a few samples).
        assert!((row.audio_seconds - 1.5).abs() < 0.01, "{row:?}");
        let rtf = row.real_time_factor();
        assert!(rtf.is_finite() && rtf > 0.0, "{row:?}");
        #[cfg(unix)]
        assert!(row.cpu_seconds.is_some_and(|c| c >= 0.0), "{row:?}");
    }
    let text = bench::render(&r);
    assert!(
        text.contains("x real time") && text.contains("2 threads"),
        "{text}"
    );

    // An empty folder and an unknown extractor are named.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = bench::run(&BenchArgs {
        corpus: Some(empty),
        ..args.clone()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("empty") && e.contains("no audio file"), "{e}");
    let e = bench::run(&BenchArgs {
        extractors: vec!["mfc".into()],
        ..args
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("mfc") && e.contains("did you mean"), "{e}");
}

#[test]
fn bench_features_needs_an_experiment_or_a_corpus() {
    assert_eq!(
        serlab::cli::main(["serlab", "bench-features"].map(std::ffi::OsString::from)),
        2
    );
}
