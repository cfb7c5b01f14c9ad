//! State tests: the reducer fed the scripted run and key actions; no terminal involved.

use super::script::{self, confusion, CLASSES};
use super::state_fixtures::{self as fx, running_app};
use crate::dashboard::app::{Confirm, Effect, RunMsg, Screen};
use crate::dashboard::keys::Action;
use crate::dashboard::live::{LiveRun, Phase};
use serlab_engine::RunEvent;
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A live run fed the script up to its end; returns it and the end time.
fn replay(folds_done: usize, epochs: usize) -> (LiveRun, Duration) {
    let ev = script::events(folds_done, epochs);
    let mut live = LiveRun::new("demo", Duration::ZERO);
    for (t, e) in &ev {
        live.apply(e, *t);
    }
    (live, script::end(&ev))
}

#[test]
fn the_script_folds_into_folds_fits_and_evaluations() {
    let (live, _) = replay(2, 3);
    assert_eq!(live.phase, Phase::Training);
    assert_eq!(live.folds, 3);
    assert_eq!(live.systems, ["cnn", "forest", "fusion"]);
    assert_eq!(live.fusions(), ["fusion"]);
    assert_eq!(live.classes, CLASSES);
    assert_eq!(live.fits.len(), 5, "cnn+forest on folds 1-2, cnn on fold 3");
    assert_eq!(live.current, Some((2, "cnn".to_string())));
    let fit = live.fit(2, "cnn").unwrap();
    assert_eq!((fit.last_step, fit.total_steps), (30, Some(50)));
    assert_eq!(fit.steps_per_epoch, Some(10));
    assert_eq!(fit.total_epochs(), Some(5));
    assert_eq!(fit.epochs.len(), 3);
    // Epoch 2 runs at 1e-3 halved once (the script halves every two epochs).
    assert_eq!(fit.lr(), Some(5e-4));
    assert_eq!(fit.steps.points().len(), 30, "short series are kept whole");
    let forest = live.fit(1, "forest").unwrap();
    assert!(forest.steps.points().is_empty() && forest.epochs.is_empty());
    assert_eq!(forest.fraction(), Some(1.0));
    assert!(live.fold_info[0].finished && live.fold_info[1].finished);
    assert!(!live.fold_info[2].finished && !live.fold_info[2].skipped);
    assert_eq!(live.fold_info[2].test, ["s3"]);
    assert_eq!(live.warnings, 1);
    assert!(live
        .log
        .iter()
        .any(|l| l.warning && l.text.contains("s3_05.wav")));
    assert_eq!(live.evaluated_folds(), [0, 1]);
}

#[test]
fn pooled_confusion_sums_the_folds_evaluated_so_far() {
    let (live, _) = replay(2, 3);
    let pooled = live.confusion("fusion", None).unwrap();
    let (a, b) = (confusion("fusion", 0), confusion("fusion", 1));
    for r in 0..4 {
        for c in 0..4 {
            assert_eq!(pooled[r][c], a[r][c] + b[r][c]);
        }
    }
    assert_eq!(
        live.confusion("forest", Some(1)),
        Some(confusion("forest", 1))
    );
    assert_eq!(
        live.confusion("forest", Some(2)),
        None,
        "fold 3 not evaluated"
    );
    assert_eq!(live.confusion("nope", None), None);
}

#[test]
fn progress_and_eta_follow_folds_models_and_steps_and_ignore_pauses() {
    let (mut live, end) = replay(2, 3);
    // Fold 3 of 3, first of 2 models, 30 of 50 steps: (2*2 + 0 + 0.6) / (3*2).
    let f = live.fraction().unwrap();
    assert!((f - 4.6 / 6.0).abs() < 1e-12, "{f}");
    // Training began with RunStarted at t = 4 s (after 3 progress events and a warning).
    let spent = (end - secs(4)).as_secs_f64();
    let eta = live.eta(end).unwrap().as_secs_f64();
    assert!((eta - spent * (1.0 - f) / f).abs() < 1e-6, "{eta}");
    // A 100 s pause: no ETA while paused, and afterwards the same ETA as before it.
    live.set_paused(true, end);
    assert_eq!(live.eta(end + secs(50)), None);
    live.set_paused(false, end + secs(100));
    let after = live.eta(end + secs(100)).unwrap().as_secs_f64();
    assert!((after - eta).abs() < 1e-6, "{after} vs {eta}");
    assert_eq!(live.active(end + secs(100)), end);
}

#[test]
fn the_feature_stage_has_its_own_progress() {
    let ev = script::events(0, 0);
    let mut live = LiveRun::new("demo", Duration::ZERO);
    for (t, e) in &ev[..2] {
        live.apply(e, *t);
    }
    assert_eq!(live.fraction(), Some(0.5));
    assert!(matches!(
        live.phase,
        Phase::Features {
            done: 24,
            total: 48,
            ..
        }
    ));
    // 1 s for the first half: 1 s left.
    assert_eq!(live.eta(secs(1)), Some(secs(1)));
}

#[test]
fn a_fold_left_before_it_finished_is_marked_skipped() {
    let (mut live, end) = replay(0, 2);
    live.apply(
        &RunEvent::FoldStarted {
            fold: 1,
            folds: 3,
            test_speakers: vec!["s2".into()],
            validation_speakers: vec!["s3".into()],
        },
        end,
    );
    assert!(live.fold_info[0].skipped);
    assert!(!live.fold_info[1].skipped);
}

#[test]
fn batch_losses_of_a_long_run_stay_bounded() {
    let mut live = LiveRun::new("long", Duration::ZERO);
    for step in 1..=200_000usize {
        live.apply(
            &RunEvent::Step {
                fold: 0,
                model: "cnn".into(),
                step,
                total: None,
                loss: Some(1.0 / step as f64),
            },
            Duration::ZERO,
        );
    }
    let fit = live.fit(0, "cnn").unwrap();
    assert!(
        fit.steps.points().len() <= 257,
        "{}",
        fit.steps.points().len()
    );
    assert_eq!(fit.steps.seen(), 200_000);
}

#[test]
fn pause_and_resume_toggle_the_handle() {
    let (mut app, end) = running_app();
    assert_eq!(app.update(Action::Pause, end), vec![Effect::Pause(true)]);
    assert!(app.live.as_ref().unwrap().paused);
    assert_eq!(
        app.update(Action::Pause, end + secs(5)),
        vec![Effect::Pause(false)]
    );
    assert!(!app.live.as_ref().unwrap().paused);
}

#[test]
fn stop_asks_first_and_the_run_ends_marked_stopped() {
    let (mut app, end) = running_app();
    assert_eq!(app.update(Action::Stop, end), vec![]);
    assert_eq!(app.confirm, Some(Confirm::Stop));
    // Keys other than yes/no are ignored while asking.
    assert_eq!(app.update(Action::SkipFold, end), vec![]);
    assert_eq!(app.update(Action::No, end), vec![]);
    assert_eq!(app.confirm, None);
    assert!(!app.live.as_ref().unwrap().stopping);
    app.update(Action::Stop, end);
    assert_eq!(app.update(Action::Yes, end), vec![Effect::Stop]);
    assert!(app.live.as_ref().unwrap().stopping);
    // A second stop does not ask again.
    assert_eq!(app.update(Action::Stop, end), vec![]);
    assert_eq!(app.confirm, None);
    let fx = app.on_run(
        RunMsg::Event(RunEvent::RunFinished {
            output: "runs/demo/x".into(),
            stopped: true,
        }),
        end,
    );
    // The log is saved in the run folder, then the runs list is read again.
    assert!(matches!(&fx[..], [Effect::SaveLog(d, _), Effect::Rescan] if d.ends_with("x")));
    assert_eq!(
        app.live.as_ref().unwrap().phase,
        Phase::Finished { stopped: true }
    );
    assert!(!app.running());
    assert_eq!(app.update(Action::Pause, end), vec![]);
    assert_eq!(app.message.as_deref(), Some("no run is going"));
}

#[test]
fn skip_goes_to_the_runner_only_while_a_fold_trains() {
    let (mut app, end) = running_app();
    assert_eq!(app.update(Action::SkipFold, end), vec![Effect::SkipFold]);
    let mut idle = app.clone();
    idle.on_run(RunMsg::Event(RunEvent::FoldFinished { fold: 2 }), end);
    assert_eq!(idle.update(Action::SkipFold, end), vec![]);
    assert_eq!(idle.message.as_deref(), Some("no fold is training now"));
}

#[test]
fn quitting_during_a_run_asks_then_stops_it_and_ctrl_c_does_not_ask() {
    let (mut app, end) = running_app();
    assert_eq!(app.update(Action::Quit, end), vec![]);
    assert_eq!(app.confirm, Some(Confirm::Quit));
    assert_eq!(
        app.update(Action::Yes, end),
        vec![Effect::Stop, Effect::Quit]
    );
    assert!(app.quitting);

    let (mut app, end) = running_app();
    assert_eq!(
        app.update(Action::QuitNow, end),
        vec![Effect::Stop, Effect::Quit]
    );
    assert!(app.quitting);

    let mut idle = fx::app();
    assert_eq!(
        idle.update(Action::Quit, Duration::ZERO),
        vec![Effect::Quit]
    );
}

#[test]
fn one_run_at_a_time_and_invalid_files_do_not_start() {
    let (mut app, end) = running_app();
    app.screen = Screen::Browser;
    assert_eq!(app.update(Action::StartRun, end), vec![]);
    assert!(app.message.as_deref().unwrap().contains("a run is going"));

    let mut app = fx::app();
    app.update(Action::Down, Duration::ZERO);
    assert_eq!(app.update(Action::StartRun, Duration::ZERO), vec![]);
    let msg = app.message.clone().unwrap();
    assert!(
        msg.contains("cannot run") && msg.contains("[corpus]"),
        "{msg}"
    );
}

#[test]
fn a_runner_error_fails_the_run_and_rescans() {
    let (mut app, end) = running_app();
    let fx = app.on_run(RunMsg::Ended(Err("corpus: no wav files".into())), end);
    assert_eq!(fx, vec![Effect::Rescan]);
    assert_eq!(
        app.live.as_ref().unwrap().phase,
        Phase::Failed("corpus: no wav files".into())
    );
}

#[test]
fn folds_and_systems_cycle_through_follow_and_every_choice() {
    let (mut app, end) = running_app();
    app.screen = Screen::Confusion;
    let mut seen = Vec::new();
    for _ in 0..4 {
        app.update(Action::NextFold, end);
        seen.push(app.fold_sel);
    }
    assert_eq!(seen, [Some(0), Some(1), Some(2), None]);
    app.update(Action::PrevFold, end);
    assert_eq!(app.fold_sel, Some(2));
    let mut systems = Vec::new();
    for _ in 0..4 {
        app.update(Action::NextSystem, end);
        systems.push(app.system_sel.clone());
    }
    assert_eq!(
        systems,
        [
            Some("cnn".to_string()),
            Some("forest".to_string()),
            Some("fusion".to_string()),
            None
        ]
    );
}

#[test]
fn screens_cycle_and_help_takes_the_keys_while_open() {
    let mut app = fx::app();
    app.update(Action::PrevScreen, Duration::ZERO);
    assert_eq!(app.screen, Screen::Compare);
    app.update(Action::NextScreen, Duration::ZERO);
    assert_eq!(app.screen, Screen::Browser);
    app.update(Action::Help, Duration::ZERO);
    assert!(app.help);
    assert_eq!(app.update(Action::StartRun, Duration::ZERO), vec![]);
    assert!(
        app.live.is_none(),
        "keys do not reach the screen under the help"
    );
    app.update(Action::Back, Duration::ZERO);
    assert!(!app.help);
}

#[test]
fn the_text_view_scrolls_and_closes() {
    let mut app = fx::app();
    app.show_text("f".into(), "a\nb\nc");
    app.update(Action::Bottom, Duration::ZERO);
    assert_eq!(app.viewer.as_ref().unwrap().scroll, 2);
    app.update(Action::Down, Duration::ZERO);
    assert_eq!(
        app.viewer.as_ref().unwrap().scroll,
        2,
        "clamped at the last line"
    );
    app.update(Action::Back, Duration::ZERO);
    assert!(app.viewer.is_none());
}
