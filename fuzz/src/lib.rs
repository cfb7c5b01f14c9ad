//! The entry functions of serlab's fuzz targets, one per parser of outside input.
//!
//! Each takes arbitrary bytes and must return (an error is fine) without panicking, aborting
//! or allocating without bound. The same functions are exercised on stable Rust by
//! `tests/tests/robust_fuzz.rs`, which mutates the seed corpus in `fuzz/seeds/` for a few
//! seconds, so CI covers them without a nightly toolchain.

use std::path::{Path, PathBuf};

/// A scratch folder per process, reused between inputs (creating one per input would make
/// the file-based targets a hundred times slower).
fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("serlab-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch folder");
    d
}

/// Audio decoding: WAV/FLAC/OGG/MP3 through the same path as files on disk. The first byte
/// picks the file name's extension (a hint only: the format comes from the content).
pub fn audio(data: &[u8]) {
    let (ext, bytes) = match data.split_first() {
        Some((b, rest)) => (
            serlab_engine::audio::EXTENSIONS[*b as usize % serlab_engine::audio::EXTENSIONS.len()],
            rest,
        ),
        None => ("wav", data),
    };
    let name = PathBuf::from(format!("fuzz.{ext}"));
    if let Ok(a) = serlab_engine::audio::decode_bytes(&name, bytes) {
        // What the runner does next: bring it to the extractor's rate.
        let _ = serlab_engine::audio::resample(a, 16_000, &name);
    }
}

/// The CSV manifest reader.
pub fn manifest(data: &[u8]) {
    let p = scratch().join("manifest.csv");
    std::fs::write(&p, data).expect("scratch write");
    let _ = serlab_engine::corpus::manifest::read(&p);
}

/// The experiment TOML loader (parsing and validation, without plugins).
pub fn experiment(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = serlab_engine::config::Experiment::from_str(text, Path::new("fuzz.toml"));
    }
}

/// The run-folder readers: `results.json`, fold parts and `predictions.csv`. The first byte
/// picks the file the rest of the input becomes.
pub fn run_folder(data: &[u8]) {
    let Some((which, bytes)) = data.split_first() else {
        return;
    };
    let dir = scratch().join("run");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("folds")).expect("scratch folder");
    match which % 3 {
        0 => {
            std::fs::write(dir.join("results.json"), bytes).expect("scratch write");
            if let Ok(r) = serlab_engine::runner::load_results(&dir) {
                let _ = serlab_engine::results::read_predictions(&dir, &r.classes);
            }
        }
        1 => {
            std::fs::write(dir.join("folds/fold-0.json"), bytes).expect("scratch write");
            if let Ok(parts) = serlab_engine::runner::parts::read_all(&dir) {
                if let Some(p) = parts.values().next() {
                    let _ = serlab_engine::runner::parts::assemble(&p.results, parts.values());
                }
            }
        }
        _ => {
            std::fs::write(dir.join("predictions.csv"), bytes).expect("scratch write");
            let classes = ["angry", "happy", "neutral", "sad"].map(String::from);
            let _ = serlab_engine::results::read_predictions(&dir, &classes);
        }
    }
}
