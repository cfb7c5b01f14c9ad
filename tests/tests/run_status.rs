//! What `results.json` says about a run's life: `failed` with the error when an error ends
//! it, and a stopped run resumed through the library API finishes with the predictions of
//! an uninterrupted run and a record of the resumption. (Killing the real binary is tested
//! in `tui/tests/reliability.rs`.)

use serlab_engine::config::Experiment;
use serlab_engine::events::{NullSink, VecSink};
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{Error, EventSink, RunEvent, StopHandle};
use serlab_tests::{built_library, bundled_plugins, experiment};
use std::path::Path;

fn quickstart(out: &Path) -> Experiment {
    let mut exp = Experiment::from_file(&experiment("quickstart.toml")).unwrap();
    exp.meta.output = out.to_path_buf();
    exp
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

#[test]
fn a_run_ended_by_an_error_says_failed_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(experiment("quickstart.toml"))
        .unwrap()
        .replace("seed = 42", "seed = 42\nfail_fast = true")
        .replace(
            "[fusion]",
            "[models.broken]\nmodel = \"panic-model\"\nfeatures = \"func\"\npanic_in = \"fit\"\n\n[fusion]",
        );
    let mut exp = Experiment::from_str(&text, Path::new("failing.toml")).unwrap();
    exp.meta.output = dir.path().to_path_buf();
    let mut plugins = bundled_plugins();
    assert!(plugins.load(&built_library("fixture_panics")).is_none());
    let out = dir.path().join("r");
    let err = runner::run(
        &exp,
        &plugins,
        &RunOptions {
            output: Some(out.clone()),
            ..Default::default()
        },
        &mut NullSink,
        &StopHandle::new(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::PluginPanic { .. }), "{err}");
    let r = results(&out);
    assert_eq!(r["status"], "failed");
    let msg = r["error"].as_str().unwrap();
    assert!(msg.contains("panicky") && msg.contains("fit"), "{msg}");
}

#[test]
fn a_stopped_run_resumes_to_the_predictions_of_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let plugins = bundled_plugins();
    let opts = |name: &str, resume: bool| RunOptions {
        output: Some(dir.path().join(name)),
        resume,
        ..Default::default()
    };
    runner::run(
        &exp,
        &plugins,
        &opts("full", false),
        &mut NullSink,
        &StopHandle::new(),
    )
    .unwrap();

    struct StopAfterFold2(StopHandle);
    impl EventSink for StopAfterFold2 {
        fn emit(&mut self, e: RunEvent) {
            if matches!(e, RunEvent::FoldFinished { fold: 2 }) {
                self.0.stop();
            }
        }
    }
    let stop = StopHandle::new();
    let s = runner::run(
        &exp,
        &plugins,
        &opts("stopped", false),
        &mut StopAfterFold2(stop.clone()),
        &stop,
    )
    .unwrap();
    assert_eq!(s.results.status, "stopped");
    assert_eq!(s.results.folds.len(), 3);

    let mut sink = VecSink::default();
    let s = runner::run(
        &exp,
        &plugins,
        &opts("stopped", true),
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap();
    assert_eq!(s.results.status, "finished");
    assert_eq!(s.results.resumed.len(), 1);
    assert_eq!(s.results.resumed[0].after, "stopped");
    assert_eq!(s.results.resumed[0].folds_kept, [0, 1, 2]);
    // The kept folds are replayed to the sink; only the others are fitted.
    let fitted: Vec<usize> = sink
        .0
        .iter()
        .filter_map(|e| match e {
            RunEvent::ModelStarted { fold, .. } => Some(*fold),
            _ => None,
        })
        .collect();
    assert_eq!(fitted, [3, 3, 4, 4, 5, 5]);
    assert_eq!(
        std::fs::read(dir.path().join("stopped/predictions.csv")).unwrap(),
        std::fs::read(dir.path().join("full/predictions.csv")).unwrap()
    );
    let mut resumed = results(&dir.path().join("stopped"));
    resumed.as_object_mut().unwrap().remove("resumed");
    assert_eq!(resumed, results(&dir.path().join("full")));
}

#[test]
fn an_unusable_output_folder_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let exp = quickstart(dir.path());
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let mut sink = VecSink::default();
    let err = runner::run(
        &exp,
        &bundled_plugins(),
        &RunOptions {
            output: Some(blocker.join("run")),
            ..Default::default()
        },
        &mut sink,
        &StopHandle::new(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(&*blocker.join("run").to_string_lossy()),
        "{err}"
    );
    assert!(sink.0.is_empty(), "nothing may start: {:?}", sink.0);
    assert!(
        !dir.path().join(".corpora").exists(),
        "no corpus generated before the folder is known to be usable"
    );
}
