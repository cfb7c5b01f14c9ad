//! The HDF5 store's tests: round trips, corruption (truncation, flipped bytes, foreign
//! segments), merging, and concurrent writers in threads and child processes.

use super::segment::list_segments;
use super::{H5Cache, MAX_SEGMENTS};
use crate::cache::{AudioDigest, CacheKey, ExtractorKey, FeatureCache};
use crate::Features;
use crate::{FeatureInfo, FeatureShape};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

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
