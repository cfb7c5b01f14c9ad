//! Screen tests of the views added by issue 20, at 80x24 and 132x40 with insta snapshots:
//! a past run on the training and confusion screens (curves from its epoch log, the best
//! epoch marked, per-class recall, the confusion at a chosen epoch), the scrolled log, the
//! variant form, and compare with the fold warning, settings diff and paired tests.

use super::browser::{results, two_runs};
use super::screens::{each_size, render};
use super::script::epoch_confusion;
use super::state_fixtures::{app, running_app};
use crate::dashboard::app::{App, Screen};
use crate::dashboard::browser::{Pane, Scan};
use crate::dashboard::folders::{CompareExtra, ParamDiff};
use crate::dashboard::keys::Action;
use crate::dashboard::live::folder::FolderContents;
use crate::dashboard::live::LiveRun;
use crate::dashboard::resources::Usage;
use serlab_engine::epochs::EpochRow;
use std::time::Duration;

const T0: Duration = Duration::ZERO;

/// Validation UA of the past run's cnn at `epoch`: rises to epoch 4 (index 3), then
/// falls (the model overfits; early stopping keeps epoch 4).
fn ua(epoch: usize) -> f64 {
    0.5 + 0.08 * epoch.min(3) as f64 - 0.03 * epoch.saturating_sub(3) as f64
}

/// A stopped past run of a cnn: 2 of 3 folds finished, 6 epochs each in its epoch log.
pub fn past_run() -> LiveRun {
    let diag = |d: usize| -> Vec<Vec<usize>> {
        (0..4)
            .map(|r| {
                let mut row = vec![0; 4];
                row[r] = d;
                row[(r + 1) % 4] = 6 - d;
                row
            })
            .collect()
    };
    let r = results("demo", "cnn", "stopped", &[diag(5), diag(4)]);
    let epochs: Vec<EpochRow> = (0..2)
        .flat_map(|fold| {
            (0..6).map(move |e| EpochRow {
                fold,
                model: "cnn".into(),
                epoch: e,
                train_loss: 1.3 / (1.0 + e as f64 * 0.5),
                valid_loss: Some(
                    1.4 / (1.0 + e.min(3) as f64 * 0.4) + 0.05 * e.saturating_sub(3) as f64,
                ),
                valid_ua: Some(ua(e)),
                valid_wa: Some(ua(e) + 0.02),
                lr: Some(1e-3),
                valid_confusion: Some(epoch_confusion(e.min(4))),
            })
        })
        .collect();
    let params = [(
        "cnn".to_string(),
        vec![
            ("epochs".to_string(), "6".to_string()),
            ("lr".to_string(), "0.001".to_string()),
            ("batch_size".to_string(), "32".to_string()),
        ],
    )]
    .into();
    LiveRun::from_folder(&FolderContents {
        results: &r,
        epochs: &epochs,
        models: vec!["cnn".into()],
        params,
        folds: Some(3),
        dir: "runs/demo/20250101-120000".into(),
    })
}

fn app_with_past() -> App {
    let mut app = app();
    app.set_past(Ok(past_run()));
    app.usage = Some(Usage {
        cpu_percent: 187.0,
        rss_bytes: 412 << 20,
        peak_rss_bytes: 530 << 20,
        cores: 2,
    });
    app
}

#[test]
fn a_past_run_opens_on_the_training_screen_with_its_curves_and_best_epoch() {
    let mut app = app_with_past();
    assert_eq!(app.screen, Screen::Training);
    assert!(app.message.as_deref().unwrap().contains("past run"));
    each_size("past_training", &app, T0, |t, w| {
        assert!(t.contains("past run (x: close)"), "{t}");
        assert!(t.contains("stopped"), "{t}");
        assert!(t.contains("2/3 folds done"), "{t}");
        assert!(t.contains("cnn: lr=0.001"), "parameters, lr first:\n{t}");
        assert!(t.contains("CPU 187%"), "{t}");
        // Best epoch: validation UA peaks at epoch 4 (0.740) then falls.
        if w >= 132 {
            assert!(t.contains("best UA 0.740 @ 4"), "{t}");
            assert!(t.contains("Valid recall per class"), "{t}");
            assert!(t.contains("RSS 412 MiB (peak 530 MiB)"), "{t}");
        } else {
            assert!(t.contains("best UA 0.740 @ 4") || t.contains('…'), "{t}");
        }
        assert!(t.contains("Loss · cnn fold 2 (past run)"), "{t}");
        assert!(
            t.contains("past run runs/demo/20250101-120000 (stopped)"),
            "{t}"
        );
    });
    // At 80 columns `c` swaps the UA/WA chart for the per-class recall chart.
    app.update(Action::ToggleRecall, T0);
    let t = render(&app, 80, 24, T0);
    assert!(t.contains("Valid recall per class"), "{t}");
    insta::assert_snapshot!("past_training_recall_80x24", t);
    // `x` closes it: no run started here, so the screen says how to open one.
    app.update(Action::CloseView, T0);
    assert!(app.past.is_none());
    assert!(render(&app, 80, 24, T0).contains("press v"));
}

#[test]
fn the_confusion_screen_shows_a_chosen_epoch_of_a_past_run() {
    let mut app = app_with_past();
    app.update(Action::Show(Screen::Confusion), T0);
    // The test result first (pooled over the 2 finished folds).
    assert!(render(&app, 132, 40, T0).contains("pooled over 2/3 folds"));
    app.update(Action::BestEpoch, T0);
    assert_eq!(app.epoch_sel, Some(3));
    each_size("past_confusion_epoch", &app, T0, |t, _| {
        assert!(
            t.contains("validation, epoch 4 (best), 2 folds summed"),
            "{t}"
        );
        // epoch_confusion(3): class 0 gets 5 of 6 right in each of the 2 folds.
        assert!(t.contains("10"), "{t}");
    });
    app.update(Action::NextFold, T0);
    let t = render(&app, 132, 40, T0);
    assert!(t.contains("validation, epoch 4 (best), fold 1"), "{t}");
}

#[test]
fn the_training_log_scrolls_and_says_where_it_is() {
    let (mut app, now) = running_app();
    for _ in 0..4 {
        app.update(Action::Up, now);
    }
    let t = render(&app, 132, 40, now);
    assert!(t.contains("↓ newer"), "{t}");
    let t = render(&app, 80, 24, now);
    assert!(t.contains("Log (1 warnings) · lines"), "{t}");
    insta::assert_snapshot!("training_log_scrolled_80x24", t);
}

#[test]
fn the_variant_form_shows_its_fields_and_errors() {
    let mut app = app();
    let experiments = app.browser.experiments.clone();
    app.set_scan(Scan {
        experiments,
        runs: vec![{
            let mut r = two_runs().remove(0);
            r.dir = "runs/demo/20250101-120000".into();
            r
        }],
    });
    app.browser.focus = Pane::Runs;
    app.update(Action::Variant, T0);
    each_size("variant_form", &app, T0, |t, _| {
        assert!(t.contains("Variant of demo"), "{t}");
        assert!(t.contains("(keep 1)"), "{t}");
        assert!(t.contains("Enter launch"), "{t}");
    });
}

#[test]
fn compare_warns_about_folds_and_shows_settings_and_tests() {
    let mut app = app();
    app.set_scan(Scan {
        experiments: vec![],
        runs: two_runs(),
    });
    app.browser.focus = Pane::Runs;
    app.update(Action::Mark, T0);
    app.update(Action::Down, T0);
    app.update(Action::Mark, T0);
    app.update(Action::Compare, T0);
    app.compare_extra = Some(CompareExtra {
        dirs: app.browser.marked.clone(),
        params: vec![ParamDiff {
            key: "experiment.seed".into(),
            values: vec![Some("1".into()), Some("2".into())],
        }],
        tests: Ok(
            "\nB vs A (baseline): UA -0.250\n  over folds (1 folds with the same test \
                   speakers): mean UA difference -0.250\n"
                .into(),
        ),
    });
    each_size("compare_extra", &app, T0, |t, _| {
        assert!(t.contains("different numbers of folds"), "{t}");
        assert!(t.contains("fold UA"), "{t}");
        assert!(t.contains("experiment.seed A=1  B=2"), "{t}");
        assert!(t.contains("Settings that differ (1; A = first run)"), "{t}");
        assert!(t.contains("B vs A (baseline)"), "{t}");
    });
}
