//! Screen tests on ratatui's `TestBackend`: every screen at 80x24 and 132x40, fed the
//! scripted run, checked for the content that matters and kept as insta snapshots (the
//! snapshot files under `snapshots/` show each screen as a user sees it).

use super::browser::two_runs;
use super::script;
use super::state_fixtures::{app, running_app};
use crate::dashboard::app::{App, Confirm, RunMsg, Screen};
use crate::dashboard::keys::{Action, BINDINGS};
use crate::dashboard::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;

const SIZES: [(u16, u16); 2] = [(80, 24), (132, 40)];

/// Draw `app` at `w`x`h` and return the screen as text.
pub(super) fn render(app: &App, w: u16, h: u16, now: Duration) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app, now)).unwrap();
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn each_size(name: &str, app: &App, now: Duration, check: impl Fn(&str, u16)) {
    for (w, h) in SIZES {
        let text = render(app, w, h, now);
        check(&text, w);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn browser_lists_experiments_runs_and_marks() {
    let mut app = app();
    let mut runs = two_runs();
    for r in &mut runs {
        r.experiment = "demo".into();
    }
    app.set_scan(crate::dashboard::browser::Scan {
        experiments: app.browser.experiments.clone(),
        runs,
    });
    app.update(Action::FocusRight, Duration::ZERO);
    app.update(Action::Mark, Duration::ZERO);
    each_size("browser", &app, Duration::ZERO, |t, w| {
        for s in [
            "demo",
            "synthetic",
            "LOSO speaker",
            "cnn",
            "zbroken",
            "invalid",
        ] {
            assert!(t.contains(s), "{s} missing:\n{t}");
        }
        if w == 80 {
            // The reason, without the file name the row already shows.
            assert!(t.contains("corpus: missing [corpus] table"), "{t}");
        }
        assert!(
            t.contains("Runs of demo (2)") && t.contains("1 marked"),
            "{t}"
        );
        assert!(
            t.contains("20250101-120000") && t.contains("finished"),
            "{t}"
        );
        assert!(t.contains("0.750") && t.contains("stopped"), "{t}");
        assert!(t.contains("* 20250101-120000"), "mark shown:\n{t}");
    });
}

#[test]
fn training_shows_progress_curves_metrics_and_log() {
    let (app, end) = running_app();
    each_size("training", &app, end, |t, _| {
        assert!(t.contains("demo  training"), "{t}");
        assert!(
            t.contains("fold 3/3 (test s3)") && t.contains("model cnn 1/2"),
            "{t}"
        );
        assert!(t.contains("run 77%") && t.contains("ETA 1:00"), "{t}");
        assert!(t.contains("step 30/50") && t.contains("epoch 3/5"), "{t}");
        assert!(t.contains("lr 5.00e-4"), "{t}");
        assert!(
            t.contains("Loss · cnn fold 3") && t.contains("best UA 0.560 @ 3"),
            "{t}"
        );
        assert!(t.contains("epoch"), "{t}");
        assert!(t.contains("Log (1 warnings)"), "{t}");
        // The chart drew something (braille dots) in the loss and metrics panes.
        assert!(
            t.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
            "{t}"
        );
    });
}

#[test]
fn warnings_show_in_the_log_highlighted() {
    let (mut app, end) = running_app();
    app.on_run(
        RunMsg::Event(serlab_engine::RunEvent::Warning {
            message: "model `cnn` failed on fold 2: NaN loss".into(),
        }),
        end,
    );
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| ui::draw(f, &app, end)).unwrap();
    let buf = t.backend().buffer();
    let row = (0..24)
        .find(|&y| {
            (0..80)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains("warning: model `cnn` failed on fold 2: NaN loss")
        })
        .expect("warning line in the log");
    let x = (0..80).find(|&x| buf[(x, row)].symbol() == "w").unwrap();
    assert_eq!(buf[(x, row)].fg, ratatui::style::Color::Yellow);
    assert!(render(&app, 80, 24, end).contains("Log (2 warnings)"));
}

#[test]
fn a_forest_fit_says_it_has_no_loss() {
    let (mut app, end) = running_app();
    app.update(Action::NextFold, end); // fold 1
    app.update(Action::NextSystem, end); // cnn
    app.update(Action::NextSystem, end); // forest
    let t = render(&app, 80, 24, end);
    assert!(t.contains("Loss · forest fold 1 (chosen)"), "{t}");
    assert!(t.contains("reports no loss"), "{t}");
    assert!(t.contains("steps done:") && t.contains("20/20"), "{t}");
}

#[test]
fn confusion_shows_the_pooled_heat_map_and_recall() {
    let (mut app, end) = running_app();
    app.update(Action::Show(Screen::Confusion), end);
    each_size("confusion", &app, end, |t, _| {
        assert!(t.contains("fusion · pooled over 2/3 folds"), "{t}");
        for c in script::CLASSES {
            assert!(t.contains(c), "{c}:\n{t}");
        }
        // Fusion, folds 1+2: neutral row = [6-0, 0,..] + [6-1, 1, ..] = 11 of 12 right.
        assert!(t.contains("11  92%"), "{t}");
        assert!(t.contains("Recall per class") && t.contains("91.7%"), "{t}");
        assert!(t.contains("n=12"), "{t}");
    });
    app.update(Action::NextFold, end);
    let t = render(&app, 80, 24, end);
    // Fold 1: (6 + 5 + 4 + 6) / 24 right per class on average.
    assert!(
        t.contains("fusion · fold 1") && t.contains("UA 0.875"),
        "{t}"
    );
}

#[test]
fn fusion_puts_members_and_the_fused_ua_side_by_side() {
    let (mut app, end) = running_app();
    app.update(Action::Show(Screen::Fusion), end);
    each_size("fusion", &app, end, |t, _| {
        assert!(t.contains("members and fusion"), "{t}");
        assert!(t.contains("cnn") && t.contains("forest"), "{t}");
        assert!(t.contains("1 s1") && t.contains("3 s3 …"), "{t}");
        assert!(t.contains("pooled") && t.contains("fold mean"), "{t}");
        assert!(t.contains("Pooled UA so far"), "{t}");
    });
}

#[test]
fn compare_shows_runs_side_by_side() {
    let mut app = app();
    app.set_scan(crate::dashboard::browser::Scan {
        experiments: vec![],
        runs: two_runs(),
    });
    app.browser.focus = crate::dashboard::browser::Pane::Runs;
    app.update(Action::Mark, Duration::ZERO);
    app.update(Action::Down, Duration::ZERO);
    app.update(Action::Mark, Duration::ZERO);
    app.update(Action::Compare, Duration::ZERO);
    each_size("compare", &app, Duration::ZERO, |t, _| {
        assert!(t.contains("Compare 2 runs"), "{t}");
        assert!(t.contains("demo") && t.contains("other"), "{t}");
        assert!(t.contains("cnn (stopped)"), "{t}");
        // The fold rows come before the class rows; at 80x24 those are a scroll away.
        assert!(t.contains("fold UA"), "{t}");
        assert!(t.contains("0.750") && t.contains("0.500"), "{t}");
    });
    let t = render(&app, 132, 40, Duration::ZERO);
    assert!(t.contains("spk2") && t.contains("speaker UA"), "{t}");
}

#[test]
fn help_lists_every_key() {
    let mut app = app();
    app.update(Action::Help, Duration::ZERO);
    each_size("help", &app, Duration::ZERO, |_, _| {});
    // Every documented key is on the overlay, scrolled to its end where it is taller than
    // the screen (80x24).
    for (w, h) in SIZES {
        app.help_scroll = 0;
        let mut t = render(&app, w, h, Duration::ZERO);
        app.help_scroll = 100;
        t.push_str(&render(&app, w, h, Duration::ZERO));
        for b in BINDINGS.iter().filter(|b| !b.help.is_empty()) {
            assert!(t.contains(b.label), "{} missing at {w}x{h}:\n{t}", b.label);
        }
    }
}

#[test]
fn stop_asks_in_a_popup() {
    let (mut app, end) = running_app();
    app.update(Action::Stop, end);
    assert_eq!(app.confirm, Some(Confirm::Stop));
    each_size("confirm_stop", &app, end, |t, _| {
        assert!(
            t.contains("Stop the run?") && t.contains("marked stopped"),
            "{t}"
        );
    });
}

#[test]
fn screens_without_a_run_say_how_to_start_one() {
    let mut app = app();
    for s in [Screen::Training, Screen::Confusion, Screen::Fusion] {
        app.update(Action::Show(s), Duration::ZERO);
        let t = render(&app, 80, 24, Duration::ZERO);
        assert!(t.contains("No run started"), "{t}");
    }
    app.update(Action::Show(Screen::Compare), Duration::ZERO);
    assert!(render(&app, 80, 24, Duration::ZERO).contains("Mark two or more runs"));
}

#[test]
fn a_finished_run_reads_finished_everywhere() {
    let mut app = app();
    app.update(Action::StartRun, Duration::ZERO);
    let ev = script::events(3, 0);
    for (t, e) in &ev {
        app.on_run(RunMsg::Event(e.clone()), *t);
    }
    let end = script::end(&ev);
    let t = render(&app, 80, 24, end);
    assert!(
        t.contains("demo  finished") && t.contains("3/3 folds done"),
        "{t}"
    );
    assert!(t.contains("demo finished"), "status bar:\n{t}");
    app.update(Action::Show(Screen::Fusion), end);
    let t = render(&app, 80, 24, end);
    assert!(!t.contains('…'), "no fold in progress:\n{t}");
}

#[test]
fn tiny_and_odd_sizes_do_not_panic() {
    let (mut app, end) = running_app();
    for s in Screen::ALL {
        app.update(Action::Show(s), end);
        for (w, h) in [(1, 1), (20, 5), (40, 10), (200, 60)] {
            render(&app, w, h, end);
        }
    }
    app.update(Action::Help, end);
    render(&app, 30, 8, end);
}
