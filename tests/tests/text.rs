//! The text pipeline end to end: a transcript-table corpus with an official split, the
//! `transcript` extractor and the `tfidf-logreg` model, on a fixture in MELD's layout and
//! (when `SERLAB_MELD` is set) on MELD itself.

use serlab_engine::config::Experiment;
use serlab_engine::runner::checkpoint;
use serlab_tests::{experiment, run_to, shared_corpus, write_meld_fixture};
use std::path::Path;

fn meld_experiment(corpus: &Path, out: &Path, keep_balanced: bool) -> Experiment {
    let text = std::fs::read_to_string(experiment("meld-text.toml")).unwrap();
    let mut exp = Experiment::from_str(&text, Path::new("meld-text.toml")).unwrap();
    if let serlab_engine::corpus::CorpusConfig::Meld { path, .. } = &mut exp.corpus {
        *path = corpus.to_path_buf();
    } else {
        panic!("meld-text.toml has a MELD corpus");
    }
    if !keep_balanced {
        exp.models.retain(|m| m.id == "tfidf-lr");
        exp.fusions.clear();
    }
    exp.meta.output = out.to_path_buf();
    exp
}

#[test]
fn text_models_run_on_a_transcript_table_with_its_official_split() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("meld");
    write_meld_fixture(&corpus, [8, 8, 8]);
    let exp = meld_experiment(&corpus, dir.path(), true);
    let run_dir = dir.path().join("run");
    let s = run_to(&exp, run_dir.clone()).unwrap();
    let r = &s.results;
    assert_eq!(r.status, "finished");
    assert_eq!(r.folds.len(), 1, "the official split is one fold");
    assert_eq!(r.systems, ["tfidf-lr", "tfidf-lr-balanced", "fusion"]);
    assert_eq!(r.classes, ["anger", "joy", "sadness"]);
    for sys in &r.systems {
        let p = &r.pooled[sys];
        // 3 balanced classes (chance 1/3) whose words differ: a text model gets them.
        assert_eq!(p.n, 24, "{sys}: the test table has 24 rows");
        assert!(p.ua > 0.9 && p.weighted_f1 > 0.9, "{sys}: {p:?}");
    }
    // Validation is the dev table, never the test table.
    let f = &r.folds[0];
    assert_eq!(f.test_speakers.len(), 5);
    // Fitted models are kept for `serlab predict`.
    for id in ["tfidf-lr", "tfidf-lr-balanced"] {
        assert!(checkpoint::path(&run_dir, 0, id).is_file(), "{id}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("results.json")).unwrap()).unwrap();
    assert!(json["pooled"]["fusion"]["weighted_f1"].as_f64().unwrap() > 0.9);
}

#[test]
fn an_audio_extractor_on_a_text_only_corpus_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("meld");
    write_meld_fixture(&corpus, [2, 2, 2]);
    let text = std::fs::read_to_string(experiment("meld-text.toml"))
        .unwrap()
        .replace(
            "${SERLAB_MELD:-data/meld-text}",
            &corpus.display().to_string(),
        )
        .replace(
            "[features.text]",
            "[features.mfcc]\nextractor = \"mfcc\"\n\n[features.text]",
        );
    let mut exp = Experiment::from_str(&text, Path::new("meld+mfcc.toml")).unwrap();
    exp.meta.output = dir.path().to_path_buf();
    let e = run_to(&exp, dir.path().join("r")).unwrap_err().to_string();
    assert!(
        e.contains("features.mfcc") && e.contains("text only"),
        "{e}"
    );
}

/// MELD's test split with the unweighted TF-IDF + logistic regression of
/// `experiments/meld-text.toml`. Reference: scikit-learn 1.9.1 with the same features
/// (`make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
/// TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))`, the
/// transcripts' typographic punctuation mapped to ASCII) and `LogisticRegression(C=1)`
/// reaches weighted F1 0.5558 and UA 0.3220 on test.
#[test]
fn meld_tfidf_logreg_matches_the_scikit_learn_reference() {
    let Some(meld) = shared_corpus(
        "SERLAB_MELD",
        "meld_tfidf_logreg_matches_the_scikit_learn_reference",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let exp = meld_experiment(&meld, dir.path(), false);
    let s = run_to(&exp, dir.path().join("run")).unwrap();
    let p = &s.results.pooled["tfidf-lr"];
    assert_eq!(p.n, 2610);
    assert!(
        (p.weighted_f1 - 0.5558).abs() < 0.01 && (p.ua - 0.3220).abs() < 0.01,
        "MELD test: wF1 {:.4}, UA {:.4}",
        p.weighted_f1,
        p.ua
    );
}
