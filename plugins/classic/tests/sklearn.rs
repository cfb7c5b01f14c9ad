//! `logreg` and `knn` against scikit-learn on the same data.
//!
//! The reference files `reference/logreg.json` and `reference/knn.json` are written by
//! `reference/make_reference.py` (they record the scikit-learn and NumPy versions); each
//! case gives serlab parameters and scikit-learn's `predict_proba` on the test rows.
//!
//! Tolerances, and why:
//! - `knn`: 1e-6 absolute. With no distance ties (continuous data) the neighbours are the
//!   same, so uniform votes agree exactly (up to the f32 output); distance votes differ
//!   only by float rounding, since scikit-learn's brute force takes distances as
//!   `|x|² - 2 x·y + |y|²`. A test row equal to a training row gets that row's class alone
//!   here (distance exactly 0); scikit-learn may see a tiny positive distance instead,
//!   whose weight (its inverse) outweighs the other neighbours' so far that the two agree
//!   to well under 1e-6 as well. Measured: at most 3e-8 (scikit-learn 1.9.1).
//! - `logreg`: 1e-4 absolute. Both minimise the same strictly convex objective to a
//!   gradient tolerance of 1e-10; what is left is the f32 storage of the (standardised)
//!   inputs inside serlab-linear (relative 6e-8 per value), which moves the optimum by
//!   far less than 1e-4 in probability. Measured: at most 4e-6 (scikit-learn 1.9.1).

use serde::Deserialize;
use serlab_api::events::NullSink;
use serlab_api::{Component, Features, FitContext, LabeledSet, Model, StopHandle};
use serlab_classic::{Knn, LogReg};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Reference {
    sklearn_version: String,
    datasets: BTreeMap<String, Dataset>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Dataset {
    train_x: Vec<Vec<f64>>,
    train_y: Vec<usize>,
    test_x: Vec<Vec<f64>>,
    classes: usize,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    dataset: String,
    params: String,
    proba: Vec<Vec<f64>>,
}

fn reference(file: &str) -> Reference {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn features(rows: &[Vec<f64>]) -> Vec<Features> {
    rows.iter()
        .map(|r| Features::Vector(r.iter().map(|&v| v as f32).collect()))
        .collect()
}

/// Fit `model` on the case's training rows and return its probabilities on the test rows.
fn fit_predict(model: &mut dyn Model, ds: &Dataset) -> Vec<Vec<f32>> {
    let train = features(&ds.train_x);
    let test = features(&ds.test_x);
    let inputs: Vec<&Features> = train.iter().collect();
    let speakers = vec!["s"; inputs.len()];
    let vad = vec![None; inputs.len()];
    let classes: Vec<String> = (0..ds.classes).map(|c| format!("c{c}")).collect();
    let set = LabeledSet {
        inputs: &inputs,
        labels: &ds.train_y,
        speakers: &speakers,
        vad: &vad,
        classes: &classes,
        aux: &[],
    };
    let empty = LabeledSet {
        inputs: &[],
        labels: &[],
        speakers: &[],
        vad: &[],
        classes: &classes,
        aux: &[],
    };
    let stop = StopHandle::new();
    let mut sink = NullSink;
    let mut ctx = FitContext {
        events: &mut sink,
        stop: &stop,
        seed: 1,
        fold: 0,
        model_id: "sklearn",
    };
    model.fit(&set, &empty, &mut ctx).expect("fit");
    let queries: Vec<&Features> = test.iter().collect();
    model.predict_proba(&queries).expect("predict")
}

fn compare(file: &str, tolerance: f64, build: impl Fn(&str) -> Box<dyn Model>) {
    let r = reference(file);
    assert!(!r.cases.is_empty());
    for case in &r.cases {
        let ds = &r.datasets[&case.dataset];
        let got = fit_predict(build(&case.params).as_mut(), ds);
        assert_eq!(got.len(), case.proba.len(), "{}", case.name);
        let mut worst = 0.0f64;
        for (g, w) in got.iter().zip(&case.proba) {
            for (a, b) in g.iter().zip(w) {
                worst = worst.max((f64::from(*a) - b).abs());
            }
        }
        eprintln!(
            "{file} {}: largest difference from scikit-learn {} = {worst:.2e}",
            case.name, r.sklearn_version
        );
        assert!(
            worst <= tolerance,
            "{file} {}: differs from scikit-learn {} by {worst:e} (tolerance {tolerance:e})",
            case.name,
            r.sklearn_version
        );
    }
}

#[test]
fn logreg_probabilities_match_scikit_learn() {
    compare("logreg.json", 1e-4, |p| {
        Box::new(LogReg::new(toml::from_str(p).expect("params")).expect("new"))
    });
}

#[test]
fn knn_probabilities_match_scikit_learn() {
    compare("knn.json", 1e-6, |p| {
        Box::new(Knn::new(toml::from_str(p).expect("params")).expect("new"))
    });
}
