//! What `serlab run` leaves for people to read (plots, epoch log), `serlab report` and
//! `serlab compare`, on two small real runs of the generated corpus; and an unwritable
//! output folder refused before any work.

use serlab::compare::{self, Side};
use serlab_engine::config::Experiment;
use serlab_engine::events::VecSink;
use serlab_engine::runner::{self, RunOptions};
use serlab_engine::{RunEvent, StopHandle};
use serlab_tests::bundled_plugins;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A small experiment (4 speakers, 48 utterances) writing under `root`.
fn experiment(root: &Path, seed: u64) -> PathBuf {
    let text = format!(
        r#"[experiment]
name = "small"
seed = {seed}
output = "{root}"

[corpus]
kind = "synthetic"
speakers = 4
per_class = 3

[protocol]
kind = "leave-one-speaker-out"

[features.func]
extractor = "functionals"

[models.forest]
model = "random-forest"
features = "func"
n_trees = 25

[models.forest-deep]
model = "random-forest"
features = "func"
n_trees = 25
max_features = "all"

[fusion]
method = "average"

[metrics]
top_k = [2]
bootstrap = 200
"#,
        root = root.display()
    );
    let path = root.join(format!("small-{seed}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn serlab(args: &[&str]) -> i32 {
    serlab::cli::main(
        std::iter::once("serlab")
            .chain(args.iter().copied())
            .map(OsString::from),
    )
}

#[test]
fn run_report_and_compare_read_two_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (a, b) = (root.join("run-a"), root.join("run-b"));
    for (seed, dir) in [(1, &a), (2, &b)] {
        let exp = experiment(root, seed);
        let code = serlab(&[
            "run",
            exp.to_str().unwrap(),
            "--output",
            dir.to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(code, 0, "serlab run failed for seed {seed}");
    }
    // `serlab run` drew the plots.
    for f in [
        "confusion-forest.png",
        "confusion-forest-deep.png",
        "confusion-fusion.png",
        "speakers.png",
    ] {
        assert!(a.join(f).is_file(), "{f} missing in {}", a.display());
    }
    // results.json carries the new scores.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("results.json")).unwrap()).unwrap();
    let fused = &json["pooled"]["fusion"];
    assert_eq!(fused["ua_ci"]["resamples"], 200);
    assert_eq!(fused["ua_ci"]["unit"], "speaker");
    assert!(fused["ua_ci"]["low"].as_f64().unwrap() <= fused["ua"].as_f64().unwrap());
    assert!(fused["top_k"]["2"].as_f64().unwrap() >= fused["wa"].as_f64().unwrap());
    assert_eq!(fused["precision"].as_array().unwrap().len(), 4);
    assert_eq!(json["per_speaker"]["fusion"].as_object().unwrap().len(), 4);
    assert_eq!(
        json["folds"][0]["systems"]["forest"]["f1"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // `serlab report`.
    assert_eq!(serlab(&["report", a.to_str().unwrap()]), 0);
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    for needle in [
        "# small — run report",
        "| seed | 1 |",
        "| system | UA | UA 95% CI | WA | macro-F1 | top-2 |",
        "## Per class: fusion",
        "## Per speaker (UA)",
        "![confusion-fusion](confusion-fusion.png)",
        "![speakers](speakers.png)",
        "percentile bootstrap, 200 resamples of speakers",
        "```toml",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle:?}:\n{md}");
    }

    // `serlab compare`: same folds and utterances, so both kinds of paired test apply.
    let sides = [Side::load(&a, None).unwrap(), Side::load(&b, None).unwrap()];
    assert_eq!(sides[0].system, "fusion");
    let text = compare::report(&sides).unwrap();
    for needle in [
        "B vs A (baseline)",
        "over folds (4 folds with the same test speakers)",
        "Wilcoxon signed-rank (exact): W = ",
        "paired t-test: t = ",
        "over utterances (48 scored by both)",
        "McNemar (exact binomial): ",
    ] {
        assert!(text.contains(needle), "compare lacks {needle:?}:\n{text}");
    }
    assert_eq!(
        serlab(&[
            "compare",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--system",
            "forest"
        ]),
        0
    );
    assert_eq!(
        serlab(&[
            "compare",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--system",
            "nope"
        ]),
        2 // bad input (README, "What serlab guarantees")
    );
}

#[test]
fn an_unwritable_output_folder_fails_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let exp = Experiment::from_file(&experiment(tmp.path(), 1)).unwrap();
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
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("cannot create the run folder") && err.contains("a-file/run"),
        "{err}"
    );
    assert!(
        !sink
            .0
            .iter()
            .any(|e| matches!(e, RunEvent::Progress { .. })),
        "work started before the folder was checked"
    );
    // Nothing was generated either: the corpus is written only after the check.
    assert!(!tmp.path().join(".corpora").exists());
}
