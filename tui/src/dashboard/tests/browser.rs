//! The browser's folder scan, marks and comparison, mouse hit-testing, and what opening a
//! run shows; with run folders written by serlab-engine's own `results::write`.

use super::script::CLASSES;
use crate::dashboard::app::{App, Effect, Screen};
use crate::dashboard::browser::{scan, Pane, RunEntry};
use crate::dashboard::compare::{compare, Row};
use crate::dashboard::keys::Action;
use crate::dashboard::mouse::on_mouse;
use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use serlab_engine::metrics::Confusion;
use serlab_engine::results::{FoldResult, Prediction, RunResults, Scores};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Results of a run of one system `system` whose fold `i` tests speaker `spk{i+1}` with
/// confusion matrix `folds[i]`; pooled, fold means and per-speaker UA are computed by
/// serlab-engine's `summarise` from one prediction per confusion-matrix count.
pub fn results(name: &str, system: &str, status: &str, folds: &[Vec<Vec<usize>>]) -> RunResults {
    let mut preds = Vec::new();
    let mut fold_results = Vec::new();
    for (i, m) in folds.iter().enumerate() {
        let speaker = format!("spk{}", i + 1);
        for (t, row) in m.iter().enumerate() {
            for (p, &n) in row.iter().enumerate() {
                for k in 0..n {
                    let mut probs = vec![0.0; m.len()];
                    probs[p] = 1.0;
                    preds.push(Prediction {
                        utterance: format!("{speaker}-{t}-{p}-{k}"),
                        speaker: speaker.clone(),
                        fold: i,
                        system: system.into(),
                        label: t,
                        probs,
                        vad: None,
                        vad_pred: None,
                    });
                }
            }
        }
        fold_results.push(FoldResult {
            index: i,
            train_speakers: vec![],
            validation_speakers: vec![],
            test_speakers: vec![speaker],
            systems: [(
                system.to_string(),
                Scores::of(&Confusion { counts: m.clone() }),
            )]
            .into(),
            failures: BTreeMap::new(),
        });
    }
    let mut r = RunResults {
        serlab_version: "0.1.0".into(),
        experiment: name.into(),
        seed: 1,
        status: status.into(),
        error: None,
        resumed: Vec::new(),
        skipped_folds: Vec::new(),
        classes: CLASSES.iter().map(|c| c.to_string()).collect(),
        corpus: serde_json::json!({}),
        plugins: vec![],
        systems: vec![system.into()],
        folds: fold_results,
        pooled: BTreeMap::new(),
        fold_mean: BTreeMap::new(),
        per_speaker: BTreeMap::new(),
        metrics: Default::default(),
        warnings: Vec::new(),
    };
    r.summarise(&preds);
    r
}

/// The two runs the compare tests and screens use: a good and a weaker one.
pub fn two_runs() -> Vec<RunEntry> {
    let diag = |d: usize, off: usize| -> Vec<Vec<usize>> {
        (0..4)
            .map(|r| {
                (0..4)
                    .map(|c| {
                        if r == c {
                            d
                        } else if c == (r + 1) % 4 {
                            off
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect()
    };
    vec![
        RunEntry {
            dir: "runs/demo/20250101-120000".into(),
            experiment: "demo".into(),
            stamp: "20250101-120000".into(),
            results: Ok(results(
                "demo",
                "fusion",
                "finished",
                &[diag(5, 1), diag(4, 2)],
            )),
        },
        RunEntry {
            dir: "runs/other/20250102-090000".into(),
            experiment: "other".into(),
            stamp: "20250102-090000".into(),
            results: Ok(results("other", "cnn", "stopped", &[diag(3, 3)])),
        },
    ]
}

fn write_run(root: &Path, name: &str, stamp: &str, r: &RunResults) {
    let dir = root.join(name).join(stamp);
    std::fs::create_dir_all(&dir).unwrap();
    serlab_engine::results::write(&dir, r, &[]).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[experiment]\nname = \"x\"\nseed = 1\n",
    )
    .unwrap();
}

#[test]
fn scan_finds_experiments_and_their_runs_and_explains_invalid_files() {
    let tmp = tempfile::tempdir().unwrap();
    let exps = tmp.path().join("exps");
    std::fs::create_dir(&exps).unwrap();
    let runs = tmp.path().join("out");
    let quick = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../experiments/quickstart.toml"
    ))
    .unwrap()
    .replace(
        "output = \"runs\"",
        &format!("output = {:?}", runs.display().to_string()),
    );
    std::fs::write(exps.join("quickstart.toml"), quick).unwrap();
    std::fs::write(
        exps.join("broken.toml"),
        "[experiment]\nname = \"b\"\nsed = 1\n",
    )
    .unwrap();
    std::fs::write(exps.join("notes.txt"), "not an experiment").unwrap();
    let entries = two_runs();
    let r = entries[0].results.as_ref().unwrap();
    write_run(&runs, "quickstart", "20250101-120000", r);
    write_run(&runs, "quickstart", "20250203-080000", r);
    std::fs::create_dir_all(runs.join(".corpora/synthetic-1/x")).unwrap();
    std::fs::create_dir_all(runs.join("quickstart/20250301-000000")).unwrap(); // no results.json

    let s = scan(&exps);
    assert_eq!(s.experiments.len(), 2, "{:?}", s.experiments);
    let broken = &s.experiments[0];
    let err = broken.summary.as_ref().unwrap_err();
    assert!(err.contains("broken.toml") && err.contains("sed"), "{err}");
    let q = s.experiments[1].summary.as_ref().unwrap();
    assert_eq!(q.name, "quickstart");
    assert_eq!(q.corpus, "synthetic");
    assert_eq!(q.protocol, "LOSO speaker");
    assert_eq!(
        q.models,
        ["forest-func (random-forest)", "forest-mfcc (random-forest)"]
    );
    assert_eq!(q.fusion.as_deref(), Some("average"));
    let stamps: Vec<&str> = s.runs.iter().map(|r| r.stamp.as_str()).collect();
    assert_eq!(
        stamps,
        ["20250203-080000", "20250101-120000"],
        "newest first"
    );
    let (sys, ua, _) = s.runs[0].headline().unwrap();
    assert_eq!(sys, "fusion");
    assert!((ua - r.pooled["fusion"].ua).abs() < 1e-12);

    let mut app = App::new(&exps);
    app.set_scan(s);
    app.update(Action::Down, Duration::ZERO);
    assert_eq!(app.browser.visible_runs().len(), 2);
    app.update(Action::FocusRight, Duration::ZERO);
    let fx = app.update(Action::Open, Duration::ZERO);
    let Effect::OpenRun(dir) = &fx[0] else {
        panic!("{fx:?}")
    };
    let text = crate::dashboard::runtime::run_text(dir);
    assert!(
        text.contains("experiment `demo`") && text.contains("pooled confusion matrix"),
        "{text}"
    );
    assert!(
        text.contains("resolved configuration") && text.contains("seed = 1"),
        "{text}"
    );
}

#[test]
fn marks_survive_a_rescan_and_compare_needs_two() {
    let mut app = App::new(Path::new("exps"));
    app.set_scan(crate::dashboard::browser::Scan {
        experiments: vec![],
        runs: two_runs(),
    });
    app.browser.focus = Pane::Runs;
    app.update(Action::Mark, Duration::ZERO);
    app.update(Action::Compare, Duration::ZERO);
    assert_eq!(app.screen, Screen::Browser);
    assert!(app.message.as_deref().unwrap().contains("two or more"));
    app.update(Action::Down, Duration::ZERO);
    app.update(Action::Mark, Duration::ZERO);
    app.set_scan(crate::dashboard::browser::Scan {
        experiments: vec![],
        runs: two_runs(),
    });
    assert_eq!(app.browser.marked.len(), 2);
    assert_eq!(app.browser.run_sel, 1, "selection kept across a rescan");
    app.update(Action::Compare, Duration::ZERO);
    assert_eq!(app.screen, Screen::Compare);
    // Unmark one.
    app.update(Action::Mark, Duration::ZERO);
    assert_eq!(app.screen, Screen::Compare);
}

#[test]
fn compare_lines_up_metrics_classes_and_speakers() {
    let runs = two_runs();
    let pairs: Vec<_> = runs
        .iter()
        .map(|r| (r, r.results.as_ref().unwrap()))
        .collect();
    let c = compare(&pairs, false);
    assert_eq!(c.columns.len(), 2);
    assert_eq!(c.columns[0].system, "fusion");
    assert_eq!(c.columns[1].status, "stopped");
    let values = |label: &str| -> Vec<Option<f64>> {
        c.rows
            .iter()
            .find_map(|r| match r {
                Row::Values {
                    label: l, values, ..
                } if l == label => Some(values.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    let close = |got: Vec<Option<f64>>, want: &[Option<f64>]| {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            match (g, w) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}"),
                _ => assert_eq!(g, w, "{got:?} vs {want:?}"),
            }
        }
    };
    // Run 1: each class 9 of 12 right (5+4 of 6+6) → UA = WA = 0.75; run 2: 3 of 6.
    close(values("UA"), &[Some(0.75), Some(0.5)]);
    close(values("WA"), &[Some(0.75), Some(0.5)]);
    close(values("happy"), &[Some(0.75), Some(0.5)]);
    // Speakers: spk1 in both, spk2 only in the first.
    close(values("spk2"), &[Some(4.0 / 6.0), None]);
    close(values("spk1"), &[Some(5.0 / 6.0), Some(0.5)]);
    assert!(c.rows.contains(&Row::Section("speaker UA".into())));
}

#[test]
fn clicks_switch_tabs_and_select_rows() {
    let mut app = App::new(Path::new("exps"));
    app.set_scan(crate::dashboard::browser::Scan {
        experiments: vec![],
        runs: two_runs(),
    });
    let size = Rect::new(0, 0, 80, 24);
    let click = |x, y| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    };
    // Runs list: no experiments, so the experiments pane is 5 rows; the runs table's
    // first row is 2 below its top border (border, header).
    on_mouse(&mut app, click(10, 1 + 5 + 2 + 1), size, Duration::ZERO);
    assert_eq!(app.browser.focus, Pane::Runs);
    assert_eq!(app.browser.run_sel, 1);
    let tab3 = crate::dashboard::ui::layout::tab_labels()[..2]
        .iter()
        .map(|(_, l)| l.chars().count() as u16 + 1)
        .sum::<u16>();
    on_mouse(&mut app, click(tab3 + 1, 0), size, Duration::ZERO);
    assert_eq!(app.screen, Screen::Confusion);
}
