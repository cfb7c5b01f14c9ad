//! `experiments/iemocap-multimodal.toml` on a fixture tree in IEMOCAP's release layout:
//! an acoustic and a linguistic model and their three ensembles, each reported.

use serlab_engine::config::Experiment;
use serlab_engine::corpus::CorpusConfig;
use serlab_engine::runner::checkpoint;
use serlab_tests::{experiment, run_to, write_iemocap_tree};

#[test]
fn iemocap_multimodal_runs_on_a_fixture_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("IEMOCAP_full_release");
    write_iemocap_tree(&root, 3);
    let mut exp = Experiment::from_file(&experiment("iemocap-multimodal.toml")).unwrap();
    match &mut exp.corpus {
        CorpusConfig::Iemocap { path, .. } => *path = root.clone(),
        other => panic!("not an IEMOCAP experiment: {other:?}"),
    }
    exp.meta.output = dir.path().to_path_buf();
    // Fewer trees keep the test fast; everything else is the experiment as written.
    for m in &mut exp.models {
        if m.id == "acoustic" {
            m.params.insert("n_trees".into(), toml::Value::Integer(60));
        }
    }
    let out = dir.path().join("run");
    let s = run_to(&exp, out.clone()).unwrap();
    let r = &s.results;
    assert_eq!(r.status, "finished");
    assert_eq!(r.classes, ["neutral", "happy", "sad", "angry"]);
    assert_eq!(r.folds.len(), 3, "one fold per session");
    assert_eq!(
        r.systems,
        [
            "acoustic",
            "linguistic",
            "highest-confidence",
            "average",
            "weighted-average"
        ]
    );
    for f in &r.folds {
        assert_eq!(f.validation_speakers.len(), 2);
        assert!(f.failures.is_empty(), "{:?}", f.failures);
        // The validation pair is one other session, never the tested one.
        assert_eq!(f.validation_speakers[0][..5], f.validation_speakers[1][..5]);
        assert_ne!(f.validation_speakers[0][..5], f.test_speakers[0][..5]);
    }
    // 3 sessions x 2 speakers x 3 reps x 5 codes.
    for sys in &r.systems {
        let p = &r.pooled[sys];
        assert_eq!(p.n, 90, "{sys}");
        // Chance UA is 0.25; both modalities carry the class.
        assert!(p.ua > 0.45, "{sys}: UA {}", p.ua);
    }
    for k in 0..3 {
        for id in ["acoustic", "linguistic"] {
            assert!(checkpoint::path(&out, k, id).is_file(), "fold {k} {id}");
        }
        assert!(
            checkpoint::fusion_path(&out, k, "weighted-average").is_file(),
            "fold {k} weighted-average"
        );
    }
}
