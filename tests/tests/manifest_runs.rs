//! Whole runs on a manifest corpus of generated speech with unusable files mixed in: each
//! bad file is named with its reason and listed in `results.json` while the run goes on, or
//! stops the run under `fail_fast`. And the protocol guards as a run meets them.

use serlab_engine::corpus::synthetic::SyntheticConfig;
use serlab_engine::events::VecSink;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{audio, config::Experiment, RunEvent, StopHandle};
use serlab_tests::{bundled_plugins, run_to};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Each unusable file of the corpus, with the words its reason must contain.
const BAD: [(&str, &str); 9] = [
    ("bad/missing.wav", "file not found"),
    ("bad/empty.wav", "empty file"),
    ("bad/truncated.wav", "truncated"),
    ("bad/zero-length.wav", "zero-length audio"),
    ("bad/silent.wav", "all samples are zero"),
    ("bad/nan.wav", "not a finite number"),
    ("bad/text.wav", "not a recognised audio file"),
    ("bad/folder.wav", "is a folder"),
    ("bad/bored.wav", "label `bored` is outside the class map"),
];

/// Four speakers × three emotions × three generated utterances of 0.5 s, written under
/// `dir/audio`, plus the [`BAD`] files under `dir/bad`, all listed in `dir/corpus.csv`
/// (relative paths). Returns the manifest and the number of good utterances.
fn corpus(dir: &Path, sessions: &dyn Fn(&str) -> String) -> (PathBuf, usize) {
    let gen = SyntheticConfig {
        classes: ["neutral", "happy", "sad"].map(String::from).to_vec(),
        speakers: 4,
        per_class: 3,
        seconds: 0.5,
        ..Default::default()
    };
    let good = gen.write(&dir.join("audio")).unwrap();
    let mut csv = String::from("path,label,speaker,session,gender\n");
    for u in &good {
        let rel = u.audio.strip_prefix(dir).unwrap().display().to_string();
        let g = if u.gender == Some(serlab_engine::Gender::Female) {
            "f"
        } else {
            "m"
        };
        writeln!(
            csv,
            "{rel},{},{},{},{g}",
            u.label,
            u.speaker,
            sessions(&u.speaker)
        )
        .unwrap();
    }
    let bad = dir.join("bad");
    std::fs::create_dir(&bad).unwrap();
    let tone: Vec<f32> = (0..8000).map(|i| 0.3 * (i as f32 * 0.05).sin()).collect();
    std::fs::write(bad.join("empty.wav"), b"").unwrap();
    audio::write_wav16(&bad.join("full.wav"), &tone, 16000).unwrap();
    let bytes = std::fs::read(bad.join("full.wav")).unwrap();
    std::fs::write(bad.join("truncated.wav"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::remove_file(bad.join("full.wav")).unwrap();
    audio::write_wav16(&bad.join("zero-length.wav"), &[], 16000).unwrap();
    audio::write_wav16(&bad.join("silent.wav"), &[0.0; 8000], 16000).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(bad.join("nan.wav"), spec).unwrap();
    for (i, s) in tone.iter().enumerate() {
        w.write_sample(if i == 100 { f32::NAN } else { *s })
            .unwrap();
    }
    w.finalize().unwrap();
    std::fs::write(
        bad.join("text.wav"),
        "RIFF? no: a text file named like audio",
    )
    .unwrap();
    std::fs::create_dir(bad.join("folder.wav")).unwrap();
    audio::write_wav16(&bad.join("bored.wav"), &tone, 16000).unwrap();
    for (i, (path, _)) in BAD.iter().enumerate() {
        let label = if path.contains("bored") {
            "bored"
        } else {
            "sad"
        };
        let speaker = format!("s{:02}", i % 4 + 1);
        writeln!(csv, "{path},{label},{speaker},{},", sessions(&speaker)).unwrap();
    }
    let manifest = dir.join("corpus.csv");
    std::fs::write(&manifest, csv).unwrap();
    (manifest, good.len())
}

fn experiment(manifest: &Path, extra_meta: &str, protocol: &str) -> Experiment {
    let text = format!(
        r#"
[experiment]
name = "manifest-bad-input"
seed = 3
{extra_meta}

[corpus]
kind = "manifest"
path = "{}"
class_map = {{ neutral = "neutral", happy = "happy", sad = "sad" }}

[protocol]
{protocol}

[features.func]
extractor = "functionals"

[models.forest]
model = "random-forest"
features = "func"
n_trees = 20
"#,
        manifest.display()
    );
    Experiment::from_str(&text, Path::new("manifest-bad-input.toml")).unwrap()
}

fn one_session(_: &str) -> String {
    String::new()
}

#[test]
fn unusable_files_are_listed_with_their_reason_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, n_good) = corpus(dir.path(), &one_session);
    let exp = experiment(&manifest, "", r#"kind = "leave-one-speaker-out""#);
    let out = dir.path().join("run");
    let mut sink = VecSink::default();
    let s = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(out.clone()),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    assert_eq!(s.results.status, "finished");
    assert_eq!(s.results.folds.len(), 4);
    assert_eq!(s.results.pooled["forest"].n, n_good);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["corpus"]["utterances"], n_good);
    let skipped = json["corpus"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), BAD.len(), "{skipped:#?}");
    for (file, reason) in BAD {
        let entry = skipped
            .iter()
            .find(|s| s["path"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("{file} is not listed as skipped: {skipped:#?}"));
        let said = entry["reason"].as_str().unwrap();
        assert!(said.contains(reason), "{file}: `{reason}` not in `{said}`");
        // A warning names the file as it happens.
        assert!(
            sink.0
                .iter()
                .any(|e| matches!(e, RunEvent::Warning { message }
                if message.contains(file) && message.contains(reason))),
            "no warning for {file}"
        );
    }
}

#[test]
fn fail_fast_stops_at_the_first_unusable_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = corpus(dir.path(), &one_session);
    let exp = experiment(
        &manifest,
        "fail_fast = true",
        r#"kind = "leave-one-speaker-out""#,
    );
    assert!(exp.meta.fail_fast);
    let e = run_to(&exp, dir.path().join("run"))
        .unwrap_err()
        .to_string();
    // The class map's exclusion is a selection, not a broken file: it never stops a run.
    let (file, reason) = BAD
        .iter()
        .find(|(f, _)| e.contains(f))
        .unwrap_or_else(|| panic!("the error names no bad file: {e}"));
    assert!(!file.contains("bored"), "{e}");
    assert!(e.contains(reason), "{e}");
}

#[test]
fn the_speaker_overlap_override_is_logged_as_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = corpus(dir.path(), &one_session);
    let exp = experiment(
        &manifest,
        "",
        "kind = \"leave-one-speaker-out\"\nallow_speaker_overlap = true",
    );
    let mut sink = VecSink::default();
    runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(dir.path().join("run")),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    let warned = sink.0.iter().any(|e| {
        matches!(e, RunEvent::Warning { message }
            if message.contains("allow_speaker_overlap") && message.contains("NOT be speaker-independent"))
    });
    assert!(warned, "no warning about allow_speaker_overlap");
}

#[test]
fn a_speaker_in_two_sessions_is_refused_by_leave_one_session_out() {
    // s01 recorded in both sessions: holding out either session would leave s01's voice in
    // training while s01 is tested.
    let dir = tempfile::tempdir().unwrap();
    let sessions = |s: &str| match s {
        "s01" | "s02" => "A".to_string(),
        _ => "B".to_string(),
    };
    let (manifest, _) = corpus(dir.path(), &sessions);
    let csv = std::fs::read_to_string(&manifest).unwrap();
    let moved = csv.replacen(",s01,A,", ",s01,B,", 1);
    std::fs::write(&manifest, moved).unwrap();
    let exp = experiment(&manifest, "", r#"kind = "leave-one-session-out""#);
    let e = run_to(&exp, dir.path().join("run"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("speaker `s01` is in sessions") && e.contains("must not share speakers"),
        "{e}"
    );
}

#[test]
fn manifest_example_runs_on_emodb_listed_in_a_manifest() {
    let Some(emodb) = serlab_tests::shared_corpus(
        "SERLAB_EMODB",
        "manifest_example_runs_on_emodb_listed_in_a_manifest",
    ) else {
        return;
    };
    // The manifest the example's comment makes with a shell loop: id, path, EmoDB letter
    // code, speaker.
    let dir = tempfile::tempdir().unwrap();
    let mut tsv = String::from("id\tpath\tlabel\tspeaker\n");
    let mut files: Vec<PathBuf> = std::fs::read_dir(emodb.join("wav"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    for f in &files {
        let n = f.file_stem().unwrap().to_str().unwrap();
        writeln!(tsv, "{n}\t{}\t{}\t{}", f.display(), &n[5..6], &n[..2]).unwrap();
    }
    let manifest = dir.path().join("emodb.tsv");
    std::fs::write(&manifest, tsv).unwrap();

    let mut exp =
        Experiment::from_file(&serlab_tests::experiment("manifest-example.toml")).unwrap();
    let serlab_engine::corpus::CorpusConfig::Manifest { path, .. } = &mut exp.corpus else {
        panic!("manifest-example.toml is not a manifest corpus");
    };
    *path = manifest;
    // Through the manifest, EmoDB is the corpus its own loader gives.
    let via_manifest = exp.corpus.load(dir.path()).unwrap().corpus;
    let direct = serlab_engine::corpus::emodb::load(&emodb, None)
        .unwrap()
        .corpus;
    assert_eq!(via_manifest.classes, direct.classes);
    let key = |c: &serlab_engine::Corpus| -> Vec<(String, String, String, PathBuf)> {
        c.utterances
            .iter()
            .map(|u| {
                (
                    u.id.clone(),
                    u.speaker.clone(),
                    u.label.clone(),
                    u.audio.clone(),
                )
            })
            .collect()
    };
    assert_eq!(key(&via_manifest), key(&direct));

    let s = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(dir.path().join("run")),
            ..Default::default()
        },
        &mut serlab_engine::events::NullSink,
        &StopHandle::new(),
    )
    .unwrap();
    let r = &s.results;
    assert_eq!(r.folds.len(), 5);
    assert_eq!(r.pooled["forest"].n, 535);
    let ua = r.pooled["forest"].ua;
    eprintln!(
        "manifest-example on EmoDB: pooled UA {ua:.3}, WA {:.3}",
        r.pooled["forest"].wa
    );
    // Seven classes: chance UA is 1/7 ≈ 0.14. Measured 0.556 (seed 1, 100 trees, 5 folds),
    // close to emodb-forest's 0.55 target with 500 trees and 10 folds; a manifest that mixed
    // up labels or speakers would fall toward chance.
    assert!(ua > 0.45, "manifest-example UA {ua}");
}

/// A manifest's `split` column drives `official-split`: one fold whose training,
/// validation and test utterances are the rows marked so, whatever their speakers.
#[test]
fn the_split_column_is_the_fold_of_the_official_split_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let gen = SyntheticConfig {
        classes: ["neutral", "happy", "sad"].map(String::from).to_vec(),
        speakers: 4,
        per_class: 2,
        seconds: 0.5,
        ..Default::default()
    };
    let good = gen.write(&dir.path().join("audio")).unwrap();
    let mut speakers: Vec<&str> = good.iter().map(|u| u.speaker.as_str()).collect();
    speakers.sort();
    speakers.dedup();
    // Speakers 0 and 1 train, 2 is the dev part, 3 the test part.
    let part = |s: &str| match speakers.iter().position(|x| *x == s).unwrap() {
        0 | 1 => "train",
        2 => "dev",
        _ => "test",
    };
    let mut csv = String::from("path,label,speaker,split\n");
    for u in &good {
        let rel = u.audio.strip_prefix(dir.path()).unwrap().display();
        writeln!(csv, "{rel},{},{},{}", u.label, u.speaker, part(&u.speaker)).unwrap();
    }
    let manifest = dir.path().join("corpus.csv");
    std::fs::write(&manifest, csv).unwrap();
    let exp = experiment(&manifest, "", r#"kind = "official-split""#);
    let s = run_to(&exp, dir.path().join("run")).unwrap();
    let r = &s.results;
    assert_eq!(r.folds.len(), 1, "the official split is one fold");
    let f = &r.folds[0];
    assert_eq!(f.train_speakers, [speakers[0], speakers[1]]);
    assert_eq!(f.validation_speakers, [speakers[2]]);
    assert_eq!(f.test_speakers, [speakers[3]]);
    // 3 classes x 2 utterances of the test speaker.
    assert_eq!(r.pooled["forest"].n, 6);
}
