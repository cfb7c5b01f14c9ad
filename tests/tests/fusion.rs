//! Fusion in a run: early fusion (a model on several feature sets), several late fusions
//! side by side, each reported beside its members, and learnt fusions fit on the
//! validation utterances only.

use serlab_engine::config::Experiment;
use serlab_engine::runner::{checkpoint, RunSummary};
use serlab_tests::{experiment, run_to, write_meld_fixture};
use std::path::Path;

fn run(exp: &Experiment, out: &Path) -> RunSummary {
    run_to(exp, out.to_path_buf()).unwrap()
}

#[test]
fn early_and_late_fusions_are_reported_beside_their_members() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(experiment("quickstart.toml"))
        .unwrap()
        .replace(
            "[fusion]\nmethod = \"average\"",
            "[models.forest-both]\nmodel = \"random-forest\"\nfeatures = [\"func\", \"mfcc\"]\nn_trees = 100\n\n\
             [fusion.avg]\nmethod = \"average\"\n\
             [fusion.weighted]\nmethod = \"weighted-average\"\nmembers = [\"forest-func\", \"forest-mfcc\"]\n\
             [fusion.confidence]\nmethod = \"highest-confidence\"\n\
             [fusion.stack]\nmethod = \"stacking\"\nc = 0.5\n",
        );
    let mut exp = Experiment::from_str(&text, Path::new("quickstart+fusions.toml")).unwrap();
    exp.meta.output = dir.path().to_path_buf();
    let out = dir.path().join("run");
    let s = run(&exp, &out);
    let r = &s.results;
    assert_eq!(
        r.systems,
        [
            "forest-func",
            "forest-mfcc",
            "forest-both",
            "avg",
            "weighted",
            "confidence",
            "stack"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    for sys in &r.systems {
        assert_eq!(
            json["pooled"][sys]["n"], 144,
            "{sys} pooled beside the others"
        );
        assert!(json["folds"][0]["systems"][sys]["ua"].is_number(), "{sys}");
        // The generated emotions are easy: every system, fused or not, is far above chance.
        assert!(r.pooled[sys].ua > 0.5, "{sys}: {:?}", r.pooled[sys]);
    }
    // Early fusion: the forest on func + mfcc was fit on the concatenated vector
    // (functionals, then the 20 mean MFCCs).
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let model = |id: &str| checkpoint::path(&out, 0, id);
    let fusion = |id: &str| checkpoint::fusion_path(&out, 0, id);
    let n = |id: &str| read(&model(id))["n_features"].as_u64().unwrap();
    assert_eq!(n("forest-mfcc"), 20);
    assert_eq!(n("forest-both"), n("forest-func") + 20);
    // Learnt fusions saved what they learnt, from the 24 validation utterances (one
    // validation speaker x 4 classes x 6); stateless ones saved nothing.
    let w = read(&fusion("weighted"));
    assert_eq!(w["fit_utterances"], 24);
    let total: f64 = w["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "{w}");
    assert_eq!(read(&fusion("stack"))["fit_utterances"], 24);
    assert!(!fusion("avg").exists());
}

#[test]
fn learnt_fusions_are_fit_on_the_validation_split_not_the_test_split() {
    // Official split with 5 dev and 7 test utterances per class: a fusion fit on the
    // validation part says it saw 15 utterances, never 21.
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("meld");
    write_meld_fixture(&corpus, [8, 5, 7]);
    let text = std::fs::read_to_string(experiment("meld-text.toml"))
        .unwrap()
        .replace(
            "${SERLAB_MELD:-data/meld-text}",
            &corpus.display().to_string(),
        )
        .replace(
            "[fusion]\nmethod = \"average\"",
            "[fusion.weighted]\nmethod = \"weighted-average\"\n[fusion.stack]\nmethod = \"stacking\"",
        );
    let mut exp = Experiment::from_str(&text, Path::new("meld+fusions.toml")).unwrap();
    exp.meta.output = dir.path().to_path_buf();
    let out = dir.path().join("run");
    let s = run(&exp, &out);
    assert_eq!(s.results.pooled["weighted"].n, 21);
    for id in ["weighted", "stack"] {
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(checkpoint::fusion_path(&out, 0, id)).unwrap())
                .unwrap();
        assert_eq!(saved["fit_utterances"], 15, "{id}");
    }
}
