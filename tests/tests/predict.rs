//! `serlab predict` end to end: run the multimodal experiment on a fixture IEMOCAP tree,
//! then predict a recording with the run's saved fold models and fusions.

use serlab::predict::{self, Options};
use serlab_engine::config::Experiment;
use serlab_engine::corpus::CorpusConfig;
use serlab_tests::{experiment, run_to, write_iemocap_tree};
use std::ffi::OsString;
use std::path::Path;

/// A finished `iemocap-multimodal` run (3 sessions, fewer trees) in `dir`; its run folder.
fn multimodal_run(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("IEMOCAP_full_release");
    write_iemocap_tree(&root, 2);
    let mut exp = Experiment::from_file(&experiment("iemocap-multimodal.toml")).unwrap();
    if let CorpusConfig::Iemocap { path, .. } = &mut exp.corpus {
        *path = root;
    }
    exp.meta.output = dir.to_path_buf();
    for m in &mut exp.models {
        if m.id == "acoustic" {
            m.params.insert("n_trees".into(), toml::Value::Integer(40));
        }
    }
    let out = dir.join("run");
    run_to(&exp, out.clone()).unwrap();
    out
}

#[test]
fn predict_prints_every_model_the_transcript_and_the_fusions() {
    let dir = tempfile::tempdir().unwrap();
    let run = multimodal_run(dir.path());
    let wav = dir
        .path()
        .join("IEMOCAP_full_release/Session2/sentences/wav/Ses02F_impro01/Ses02F_impro01_F003.wav");
    let opts = Options {
        transcript: Some("well you know hate that".into()),
    };
    let r = predict::predict(&run, &wav, &opts).unwrap();
    assert_eq!(r.classes, ["neutral", "happy", "sad", "angry"]);
    assert!((r.seconds - 0.5).abs() < 0.01, "{}", r.seconds);
    let t = r.transcript.as_ref().unwrap();
    assert_eq!(
        (t.source.as_str(), t.text.as_str()),
        ("given", "well you know hate that")
    );
    let ids: Vec<&str> = r.systems.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "acoustic",
            "linguistic",
            "highest-confidence",
            "average",
            "weighted-average"
        ]
    );
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    for s in &r.systems {
        assert_eq!(s.folds, 3, "{}: one model per fold, averaged", s.id);
        assert!((s.probs.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{s:?}");
        assert_eq!(s.fused, !matches!(s.id.as_str(), "acoustic" | "linguistic"));
    }
    // The average fusion is linear: its fold mean is the mean of the members' fold means.
    let p = |id: &str| &r.systems.iter().find(|s| s.id == id).unwrap().probs;
    for c in 0..4 {
        let want = (p("acoustic")[c] + p("linguistic")[c]) / 2.0;
        assert!((p("average")[c] - want).abs() < 1e-5, "class {c}");
    }
    // The word of the angry class moves the linguistic model towards angry.
    let angry = p("linguistic")[3];
    let neutral_words = predict::predict(
        &run,
        &wav,
        &Options {
            transcript: Some("well you know okay that".into()),
        },
    )
    .unwrap();
    let angry_then = neutral_words.systems[1].probs[3];
    assert!(angry > angry_then, "{angry} vs {angry_then}");

    // The command line prints the same table.
    let code = serlab::cli::main(
        [
            "serlab",
            "predict",
            run.to_str().unwrap(),
            wav.to_str().unwrap(),
            "--transcript",
            "well you know hate that",
        ]
        .map(OsString::from),
    );
    assert_eq!(code, 0);
    let text = predict::render(&r, &wav);
    assert!(
        text.contains("transcript (given): \"well you know hate that\""),
        "{text}"
    );
    assert!(
        text.contains("weighted-average") && text.contains("fused"),
        "{text}"
    );

    // Without a given transcript the run's recogniser (PocketSphinx by default) is used;
    // when it is not installed the text models are left out with a note saying why.
    let r = predict::predict(&run, &wav, &Options::default()).unwrap();
    match &r.transcript {
        Some(t) => {
            assert_eq!(t.source, "pocketsphinx");
            assert_eq!(r.systems.len(), 5);
        }
        None => {
            eprintln!(
                "PocketSphinx not installed: predict without text models: {:?}",
                r.notes
            );
            assert!(
                r.notes.iter().any(|n| n.contains("apt-get install")),
                "{:?}",
                r.notes
            );
            assert_eq!(r.systems[0].id, "acoustic");
        }
    }
}

#[test]
fn predict_without_checkpoints_says_why() {
    let dir = tempfile::tempdir().unwrap();
    // A run folder without checkpoints.
    std::fs::write(
        dir.path().join("config.toml"),
        std::fs::read_to_string(experiment("meld-text.toml")).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("results.json"),
        r#"{"serlab_version":"0","experiment":"x","seed":0,"status":"finished","classes":["a","b"],
            "corpus":{},"plugins":[],"systems":[],"folds":[],"pooled":{},"fold_mean":{},"per_speaker":{}}"#,
    )
    .unwrap();
    let wav = dir.path().join("x.wav");
    serlab_engine::audio::write_wav16(&wav, &vec![0.1f32; 1600], 16_000).unwrap();
    let e = predict::predict(dir.path(), &wav, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("checkpoints"), "{e}");
}
