//! State tests of the fixes of issue 20: the runs list follows a run, the log scrolls and is
//! saved, skipped folds read as skipped, epochs are walked and the best one found, resume
//! and variant launch, compare's fold matching and warning, the help's columns.

use super::browser::two_runs;
use super::script::epoch_confusion;
use super::state_fixtures::{app, running_app};
use crate::dashboard::app::{Effect, RunMsg, Screen};
use crate::dashboard::browser::{Pane, RunEntry, Scan};
use crate::dashboard::compare::{compare, fold_warning, Row};
use crate::dashboard::keys::Action;
use crate::dashboard::live::folder::FolderContents;
use crate::dashboard::live::LiveRun;
use crate::dashboard::trainer::Variant;
use crate::dashboard::ui::help;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serlab_engine::RunEvent;
use std::path::PathBuf;
use std::time::Duration;

const T0: Duration = Duration::ZERO;

#[test]
fn the_runs_list_is_read_again_when_a_run_starts_finishes_a_fold_and_ends() {
    let mut app = app();
    app.update(Action::StartRun, T0);
    let started = RunEvent::RunStarted {
        name: "demo".into(),
        folds: 3,
        models: vec!["cnn".into()],
        classes: vec!["a".into(), "b".into()],
    };
    assert_eq!(app.on_run(RunMsg::Event(started), T0), [Effect::Rescan]);
    let fold = RunEvent::FoldFinished { fold: 0 };
    assert_eq!(app.on_run(RunMsg::Event(fold), T0), [Effect::Rescan]);
    let step = RunEvent::ModelStarted {
        fold: 1,
        model: "cnn".into(),
    };
    assert!(app.on_run(RunMsg::Event(step), T0).is_empty());
    // The end saves the log in the run folder, then reads the folders again.
    let end = RunEvent::RunFinished {
        output: "runs/demo/x".into(),
        stopped: true,
    };
    let fx = app.on_run(RunMsg::Event(end), T0);
    let [Effect::SaveLog(dir, text), Effect::Rescan] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(dir, &PathBuf::from("runs/demo/x"));
    assert!(text.contains("starting experiments/demo.toml"), "{text}");
    assert!(text.ends_with("run stopped: runs/demo/x\n"), "{text}");
}

#[test]
fn the_log_scrolls_back_and_forward_on_the_training_screen() {
    let (mut app, now) = running_app();
    assert_eq!(app.screen, Screen::Training);
    let len = app.live.as_ref().unwrap().log.len();
    assert!(len > 5, "{len}");
    app.update(Action::Up, now);
    app.update(Action::Up, now);
    assert_eq!(app.log_scroll, 2);
    app.update(Action::Down, now);
    assert_eq!(app.log_scroll, 1);
    app.update(Action::PageUp, now);
    assert_eq!(app.log_scroll, (1 + app.page).min(len - 1));
    app.update(Action::PageDown, now);
    app.update(Action::PageDown, now);
    assert_eq!(app.log_scroll, 0, "never past the newest line");
    // Keys on other screens do not move the log.
    app.update(Action::Show(Screen::Fusion), now);
    app.update(Action::Up, now);
    assert_eq!(app.log_scroll, 0);
}

#[test]
fn a_skipped_fold_read_from_results_is_shown_skipped_and_named_from_1() {
    let runs = two_runs();
    let mut r = runs[0].results.clone().unwrap();
    r.skipped_folds = vec![2];
    r.status = "finished".into();
    let live = LiveRun::from_folder(&FolderContents {
        results: &r,
        epochs: &[],
        models: vec![],
        params: Default::default(),
        folds: Some(4),
        dir: "runs/demo/x".into(),
    });
    assert_eq!(live.folds, 4);
    assert!(live.fold_info[0].finished && live.fold_info[1].finished);
    assert!(live.fold_info[2].skipped && !live.fold_info[2].finished);
    assert!(!live.fold_info[3].skipped && !live.fold_info[3].finished);
    assert!(
        live.log[0].text.contains("skipped by the user: 3"),
        "{:?}",
        live.log
    );
}

#[test]
fn epochs_are_walked_from_the_test_result_and_the_best_is_found() {
    let (mut app, now) = running_app();
    app.update(Action::Show(Screen::Confusion), now);
    assert_eq!(app.epoch_model().as_deref(), Some("cnn"));
    assert_eq!(app.epoch_options(), [0, 1, 2, 3, 4]);
    app.update(Action::NextEpoch, now);
    assert_eq!(app.epoch_sel, Some(0));
    app.update(Action::PrevEpoch, now);
    assert_eq!(
        app.epoch_sel, None,
        "before the first epoch: the test result"
    );
    app.update(Action::PrevEpoch, now);
    assert_eq!(app.epoch_sel, Some(4), "wraps to the last epoch");
    // Validation UA grows every epoch in the script: the best is the last one reached
    // by each finished fold (epoch 5, index 4).
    app.update(Action::BestEpoch, now);
    assert_eq!(app.epoch_sel, Some(4));
    let live = app.live.as_ref().unwrap();
    // Folds 1 and 2 reached epoch 3 (index 2), fold 3 too (it is on its third epoch).
    let (sum, n) = live.epoch_confusion("cnn", None, 2).unwrap();
    assert_eq!(n, 3);
    let one = epoch_confusion(2);
    for (r, row) in sum.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            assert_eq!(*v, 3 * one[r][c]);
        }
    }
    let (f1, n1) = live.epoch_confusion("cnn", Some(0), 4).unwrap();
    assert_eq!((f1, n1), (epoch_confusion(4), 1));
    assert!(live.epoch_confusion("forest", None, 0).is_none());
    // Per-class recall at an epoch comes from the same matrix: class 1 (odd) is ahead.
    let e = live.fit(0, "cnn").unwrap().epoch(1).unwrap();
    let rec = e.recalls().unwrap();
    assert_eq!(rec[0], Some(3.0 / 6.0));
    assert_eq!(rec[1], Some(4.0 / 6.0));
}

fn run_entry(dir: &str, status: &str) -> RunEntry {
    let mut e = two_runs().remove(0);
    e.dir = dir.into();
    e.experiment = "demo".into();
    e.stamp = dir.rsplit('/').next().unwrap().into();
    if let Ok(r) = e.results.as_mut() {
        r.status = status.into();
    }
    e
}

fn browsing_runs(runs: Vec<RunEntry>) -> crate::dashboard::app::App {
    let mut app = app();
    let experiments = app.browser.experiments.clone();
    app.set_scan(Scan { experiments, runs });
    app.update(Action::FocusRight, T0);
    app
}

#[test]
fn a_stopped_run_resumes_and_a_finished_one_says_there_is_nothing_to_resume() {
    let mut app = browsing_runs(vec![
        run_entry("runs/demo/2", "stopped"),
        run_entry("runs/demo/1", "finished"),
    ]);
    assert_eq!(app.browser.focus, Pane::Runs);
    let fx = app.update(Action::Resume, T0);
    assert_eq!(fx, [Effect::ResumeRun("runs/demo/2".into())]);
    assert_eq!(app.screen, Screen::Training);
    assert!(app.running());
    assert!(app.live.as_ref().unwrap().log[0]
        .text
        .contains("resuming runs/demo/2"));
    // While it runs, nothing else starts.
    app.update(Action::Show(Screen::Browser), T0);
    assert!(app.update(Action::Resume, T0).is_empty());
    assert!(app.message.as_deref().unwrap().contains("stop it first"));

    let mut app = browsing_runs(vec![run_entry("runs/demo/1", "finished")]);
    assert!(app.update(Action::Resume, T0).is_empty());
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .contains("nothing to resume"));
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn type_text(app: &mut crate::dashboard::app::App, s: &str) {
    for c in s.chars() {
        app.form_key(key(KeyCode::Char(c)), T0);
    }
}

#[test]
fn a_variant_of_a_run_takes_a_seed_and_an_lr_and_refuses_bad_ones() {
    let mut app = browsing_runs(vec![run_entry("runs/demo/2", "stopped")]);
    assert!(app.update(Action::Variant, T0).is_empty());
    let form = app.form.as_ref().expect("the form opens");
    assert_eq!(form.source, PathBuf::from("runs/demo/2/config.toml"));
    assert_eq!(form.base_seed, Some(1));
    // Enter with nothing typed says what to do.
    assert!(app.form_key(key(KeyCode::Enter), T0).is_empty());
    assert!(app.form.as_ref().unwrap().error.is_some());
    type_text(&mut app, "7x");
    app.form_key(key(KeyCode::Tab), T0);
    type_text(&mut app, "0");
    assert!(app.form_key(key(KeyCode::Enter), T0).is_empty());
    let err = app.form.as_ref().unwrap().error.clone().unwrap();
    assert!(err.starts_with("lr `0`"), "{err}");
    app.form_key(key(KeyCode::Backspace), T0);
    type_text(&mut app, "5e-4");
    let fx = app.form_key(key(KeyCode::Enter), T0);
    assert_eq!(
        fx,
        [Effect::StartVariant(Variant {
            source: "runs/demo/2/config.toml".into(),
            seed: Some(7),
            lr: Some(5e-4),
        })]
    );
    assert!(app.form.is_none() && app.running());
    assert_eq!(app.screen, Screen::Training);
    // Esc cancels without launching.
    let mut app = browsing_runs(vec![run_entry("runs/demo/2", "stopped")]);
    app.update(Action::Variant, T0);
    assert!(app.form_key(key(KeyCode::Esc), T0).is_empty());
    assert!(app.form.is_none() && !app.running());
}

#[test]
fn a_variant_sets_lr_only_where_a_model_has_it() {
    let mut exp = serlab_engine::config::Experiment::from_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../experiments/quickstart.toml"
    )))
    .unwrap();
    exp.models[1]
        .params
        .insert("lr".into(), toml::Value::Float(1e-3));
    let v = Variant {
        source: "x".into(),
        seed: Some(9),
        lr: Some(2e-4),
    };
    assert_eq!(v.apply(&mut exp), ["forest-mfcc"]);
    assert_eq!(exp.meta.seed, 9);
    assert_eq!(exp.models[1].params["lr"].as_float(), Some(2e-4));
    assert!(!exp.models[0].params.contains_key("lr"));
}

#[test]
fn compare_matches_folds_by_test_speakers_and_warns_when_folds_differ() {
    let runs = two_runs();
    let pairs: Vec<_> = runs
        .iter()
        .map(|r| (r, r.results.as_ref().unwrap()))
        .collect();
    let w = fold_warning(&pairs).expect("2 folds beside 1");
    assert!(w.contains("different numbers of folds"), "{w}");
    assert!(
        w.contains("2 folds (finished)") && w.contains("1 folds (stopped)"),
        "{w}"
    );
    let cmp = compare(&pairs, false);
    let at = cmp
        .rows
        .iter()
        .position(|r| matches!(r, Row::Section(s) if s.starts_with("fold UA")))
        .unwrap();
    let Row::Values { label, values, .. } = &cmp.rows[at + 1] else {
        panic!()
    };
    assert_eq!(label, "spk1");
    assert!(values[0].is_some() && values[1].is_some(), "both ran spk1");
    let Row::Values { label, values, .. } = &cmp.rows[at + 2] else {
        panic!()
    };
    assert_eq!(label, "spk2");
    assert!(
        values[0].is_some() && values[1].is_none(),
        "only the first ran spk2"
    );
    // The same folds: no warning.
    let same = [pairs[0], pairs[0]];
    assert_eq!(fold_warning(&same), None);
}

#[test]
fn help_columns_split_at_a_heading_and_fit_their_width() {
    let all = help::entries();
    let cut = help::split_at(&all);
    assert!(matches!(all[cut], help::Entry::Heading(_)));
    assert!(cut.abs_diff(all.len() / 2) <= 8, "{cut} of {}", all.len());
    for width in [20usize, 38, 48] {
        for line in help::lines(&all, width) {
            assert!(line.width() <= width, "{line:?} wider than {width}");
        }
    }
    // Keys documented with another (`.` under `,`) are not listed twice.
    assert!(!all
        .iter()
        .any(|e| matches!(e, help::Entry::Key(".", _) | help::Entry::Key("↓", _))));
}

#[test]
fn the_best_epoch_is_the_highest_ua_then_the_lower_loss_then_the_loss_alone() {
    use crate::dashboard::live::{EpochPoint, Fit};
    let point = |epoch, ua: Option<f64>, loss| EpochPoint {
        epoch,
        train_loss: 1.0,
        valid_loss: Some(loss),
        valid_ua: ua,
        valid_wa: None,
        lr: None,
        valid_confusion: None,
    };
    let mut fit = Fit::new(0, "cnn");
    fit.epochs = vec![
        point(0, Some(0.5), 0.9),
        point(1, Some(0.7), 0.6),
        point(2, Some(0.7), 0.5),
        point(3, Some(0.7), 0.5),
        point(4, Some(0.6), 0.4),
    ];
    // Ties on UA go to the lower validation loss, then to the earlier epoch.
    assert_eq!(fit.best_epoch().map(|e| e.epoch), Some(2));
    fit.epochs = vec![
        point(0, None, 0.9),
        point(1, None, 0.4),
        point(2, None, 0.6),
    ];
    assert_eq!(fit.best_epoch().map(|e| e.epoch), Some(1));
    fit.epochs.clear();
    assert!(fit.best_epoch().is_none());
}
