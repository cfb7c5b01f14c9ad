//! The quickstart experiment end to end, and what a run folder holds.

use serlab_engine::config::Experiment;
use serlab_engine::events::VecSink;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{RunEvent, StopHandle};
use serlab_tests::{built_library, bundled_plugins, experiment};

fn quickstart(out: &std::path::Path) -> Experiment {
    let mut exp = Experiment::from_file(&experiment("quickstart.toml")).unwrap();
    exp.meta.output = out.to_path_buf();
    exp
}

#[test]
fn quickstart_runs_end_to_end_and_writes_a_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let plugins = bundled_plugins();
    let mut sink = VecSink::default();
    let run_dir = dir.path().join("run");
    let s = runner::run(
        &exp,
        &plugins,
        &RunOptions {
            output: Some(run_dir.clone()),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    let r = &s.results;
    assert_eq!(r.status, "finished");
    assert_eq!(r.folds.len(), 6, "leave-one-speaker-out over 6 speakers");
    assert_eq!(r.systems, ["forest-func", "forest-mfcc", "fusion"]);
    // 4 balanced classes: chance UA is 0.25. The generator's emotions differ in pitch,
    // loudness, tempo and tilt, so a working pipeline is far above chance.
    let ua = r.pooled["fusion"].ua;
    assert!(ua > 0.6, "quickstart fused UA {ua}");
    assert_eq!(r.pooled["fusion"].n, 6 * 4 * 6);
    for f in &r.folds {
        assert!(!f.train_speakers.contains(&f.test_speakers[0]));
        assert!(!f.validation_speakers.contains(&f.test_speakers[0]));
    }
    // Run folder contents.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["pooled"]["fusion"]["n"], 144);
    let csv = std::fs::read_to_string(run_dir.join("predictions.csv")).unwrap();
    assert!(
        csv.starts_with(
            "utterance,speaker,fold,system,label,predicted,p_neutral,p_happy,p_sad,p_angry"
        ),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 3 * 144);
    let config = std::fs::read_to_string(run_dir.join("config.toml")).unwrap();
    // The resolved config has the plugin's defaults filled in.
    assert!(
        config.contains("n_trees = 100") && config.contains("min_samples_leaf"),
        "{config}"
    );
    // Events a dashboard needs were emitted.
    assert!(sink
        .0
        .iter()
        .any(|e| matches!(e, RunEvent::RunStarted { folds: 6, .. })));
    assert_eq!(
        sink.0
            .iter()
            .filter(|e| matches!(e, RunEvent::FoldFinished { .. }))
            .count(),
        6
    );
    assert!(sink.0.iter().any(|e| matches!(e, RunEvent::Step { .. })));
}

#[test]
fn same_seed_gives_identical_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let plugins = bundled_plugins();
    let run = |name: &str| {
        let out = dir.path().join(name);
        runner::run(
            &exp,
            &plugins,
            &RunOptions {
                output: Some(out.clone()),
                ..Default::default()
            },
            &mut VecSink::default(),
            &StopHandle::new(),
        )
        .unwrap();
        std::fs::read_to_string(out.join("predictions.csv")).unwrap()
    };
    assert_eq!(run("a"), run("b"));
}

#[test]
fn a_panicking_model_fails_alone_and_the_rest_of_the_run_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(experiment("quickstart.toml")).unwrap().replace(
        "[fusion]",
        "[models.broken]\nmodel = \"panic-model\"\nfeatures = \"func\"\npanic_in = \"fit\"\n\n[fusion]",
    );
    let mut exp =
        Experiment::from_str(&text, std::path::Path::new("quickstart+broken.toml")).unwrap();
    exp.meta.output = dir.path().to_path_buf();
    let mut plugins = bundled_plugins();
    assert!(plugins.load(&built_library("fixture_panics")).is_none());
    let mut sink = VecSink::default();
    let s = runner::run(
        &exp,
        &plugins,
        &RunOptions {
            output: Some(dir.path().join("r")),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    let r = &s.results;
    assert_eq!(r.status, "finished");
    assert!(!r.pooled.contains_key("broken"));
    assert!(r.pooled.contains_key("fusion") && r.pooled.contains_key("forest-func"));
    let msg = &r.folds[0].failures["broken"];
    assert!(msg.contains("panicky") && msg.contains("fit"), "{msg}");
}

#[test]
fn a_stopped_run_keeps_its_finished_folds() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let plugins = bundled_plugins();
    let stop = StopHandle::new();
    struct StopAfterFirstFold(StopHandle);
    impl serlab_engine::EventSink for StopAfterFirstFold {
        fn emit(&mut self, e: RunEvent) {
            if matches!(e, RunEvent::FoldFinished { fold: 0 }) {
                self.0.stop();
            }
        }
    }
    let out = dir.path().join("r");
    let s = runner::run(
        &exp,
        &plugins,
        &RunOptions {
            output: Some(out.clone()),
            ..Default::default()
        },
        &mut StopAfterFirstFold(stop.clone()),
        &stop,
    )
    .unwrap();
    assert_eq!(s.results.status, "stopped");
    assert_eq!(s.results.folds.len(), 1);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["status"], "stopped");
}
