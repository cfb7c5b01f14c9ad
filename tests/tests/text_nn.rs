//! The neural text models (`text-cnn`, `text-bilstm` of the `neural` plugin) through the
//! runner: `experiments/meld-text-nn.toml` on a fixture in MELD's layout.

use serlab_engine::config::Experiment;
use serlab_engine::events::VecSink;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::StopHandle;
use serlab_tests::{bundled_plugins, experiment, write_meld_fixture};
use std::path::Path;

#[test]
fn meld_text_nn_trains_the_text_models_and_keeps_their_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("meld");
    write_meld_fixture(&corpus, [10, 4, 8]);
    // The experiment as shipped, with settings for a tiny corpus (words seen once count;
    // small layers; a fixed number of quick epochs).
    let text = std::fs::read_to_string(experiment("meld-text-nn.toml"))
        .unwrap()
        .replace(
            "${SERLAB_MELD:-data/meld-text}",
            &corpus.display().to_string(),
        )
        .replace(
            "select = \"loss\"",
            "select = \"loss\"\nmin_count = 1\nembed = 16\nattention = 8\nepochs = 25\n\
             patience = 0\nbatch_size = 8\nlr = 0.01",
        );
    let mut exp = Experiment::from_str(&text, Path::new("meld-text-nn.toml")).unwrap();
    exp.meta.output = dir.path().to_path_buf();
    let run_dir = dir.path().join("run");
    let s = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(run_dir.clone()),
            ..Default::default()
        },
        &mut VecSink::default(),
        &StopHandle::new(),
    )
    .unwrap();
    let r = &s.results;
    assert_eq!(r.status, "finished");
    assert_eq!(r.systems, ["text-cnn", "text-bilstm", "tfidf-lr", "fusion"]);
    for sys in ["text-cnn", "text-bilstm", "fusion"] {
        let p = &r.pooled[sys];
        // 3 balanced classes (chance 1/3) whose keywords differ.
        assert_eq!(p.n, 24, "{sys}");
        assert!(p.ua > 0.9 && p.weighted_f1 > 0.9, "{sys}: {p:?}");
    }
    for id in ["text-cnn", "text-bilstm"] {
        assert!(
            run_dir
                .join("checkpoints/fold-0")
                .join(format!("{id}.model"))
                .is_file(),
            "{id}"
        );
    }
}
