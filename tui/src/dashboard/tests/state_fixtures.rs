//! The apps the state and screen tests start from.

use super::script;
use crate::dashboard::app::{App, Effect, RunMsg};
use crate::dashboard::browser::{ExperimentEntry, ExperimentSummary, Scan};
use crate::dashboard::keys::Action;
use std::path::PathBuf;
use std::time::Duration;

pub fn summary(name: &str) -> ExperimentSummary {
    ExperimentSummary {
        name: name.into(),
        corpus: "synthetic".into(),
        protocol: "LOSO speaker".into(),
        models: vec!["cnn (cnn-attention)".into()],
        fusion: None,
        output: PathBuf::from("runs"),
    }
}

/// An app browsing one valid and one invalid experiment.
pub fn app() -> App {
    let mut app = App::new(std::path::Path::new("experiments"));
    app.set_scan(Scan {
        experiments: vec![
            ExperimentEntry {
                path: "experiments/demo.toml".into(),
                summary: Ok(summary("demo")),
            },
            ExperimentEntry {
                path: "experiments/zbroken.toml".into(),
                summary: Err("experiments/zbroken.toml: corpus: missing [corpus] table".into()),
            },
        ],
        runs: Vec::new(),
    });
    app
}

/// An app that started the demo run and received the mid-run script.
pub fn running_app() -> (App, Duration) {
    let mut app = app();
    assert_eq!(
        app.update(Action::StartRun, Duration::ZERO),
        vec![Effect::StartRun("experiments/demo.toml".into())]
    );
    let ev = script::events(2, 3);
    for (t, e) in &ev {
        app.on_run(RunMsg::Event(e.clone()), *t);
    }
    (app, script::end(&ev))
}
