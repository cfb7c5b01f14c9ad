//! The checks of a model: fit on one of the three input kinds, probabilities, predicting
//! before fitting, save and load, the thread count, the stop handle.

use crate::data::{InputKind, Set};
use crate::report::{no_panic, params_checks, round_trip, Outcome, Report};
use crate::Options;
use serlab_api::events::NullSink;
use serlab_api::plugin::{ComponentKind, ModelFactory};
use serlab_api::{Error, FitContext, Model, Result, StopHandle};
use std::path::Path;
use std::time::Instant;

const SEED: u64 = 7;

fn fit(m: &mut dyn Model, train: &Set, valid: &Set, stop: &StopHandle) -> Result<()> {
    train.view(|t| {
        valid.view(|v| {
            let mut sink = NullSink;
            let mut ctx = FitContext {
                events: &mut sink,
                stop,
                seed: SEED,
                fold: 0,
                model_id: "conformance",
            };
            m.fit(t, v, &mut ctx)
        })
    })
}

/// Why `rows` are not `n` distributions over `classes` classes, if they are not.
pub(crate) fn bad_rows(rows: &[Vec<f32>], n: usize, classes: usize) -> Option<String> {
    if rows.len() != n {
        return Some(format!("{} rows for {n} inputs", rows.len()));
    }
    for (i, r) in rows.iter().enumerate() {
        if r.len() != classes {
            return Some(format!(
                "row {i} has {} values for {classes} classes",
                r.len()
            ));
        }
        if r.iter()
            .any(|p| !p.is_finite() || *p < 0.0 || *p > 1.0 + 1e-4)
        {
            return Some(format!("row {i} is not a probability vector: {r:?}"));
        }
        let s: f32 = r.iter().sum();
        if (s - 1.0).abs() > 1e-4 {
            return Some(format!("row {i} sums to {s}, not 1: {r:?}"));
        }
    }
    None
}

/// `params` with `key = value` set (the user's other keys kept).
fn with_key(params: &str, key: &str, value: toml::Value) -> String {
    let mut t: toml::Table = params.parse().unwrap_or_default();
    t.insert(key.into(), value);
    t.to_string()
}

/// The first difference between two prediction sets, if any (bit for bit).
fn differ(a: &[Vec<f32>], b: &[Vec<f32>]) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!("{} rows, then {}", a.len(), b.len()));
    }
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| {
            x.iter()
                .map(|v| v.to_bits())
                .ne(y.iter().map(|v| v.to_bits()))
        })
        .map(|(i, (x, y))| format!("row {i}: {x:?} then {y:?}"))
}

pub(crate) fn check(
    f: &dyn ModelFactory,
    params: &str,
    dir: &Path,
    opts: &Options,
    report: &mut Report,
) {
    let info = f.info();
    let name = info.name.as_str();
    let kind = ComponentKind::Model;
    report.extend(params_checks(name, kind, &info.defaults, |p| f.resolve(p)));
    let mut m = match f.create(params) {
        Ok(m) => m,
        Err(e) => {
            report.push(name, kind, "create", Outcome::Fail(e.to_string()));
            return;
        }
    };
    let probe = Set::new(InputKind::Vector, 1, 5);
    let r = m.predict_proba(&probe.refs());
    let outcome = no_panic(&r).unwrap_or(match r {
        Ok(_) => Outcome::Fail("predict_proba before fit gave probabilities, not an error".into()),
        Err(_) => Outcome::Pass,
    });
    report.push(name, kind, "predict before fit", outcome);

    // The model's input kind is the first it fits on.
    let mut tried = Vec::new();
    let mut fitted = None;
    for input in InputKind::ALL {
        let (train, valid) = (Set::new(input, 8, 1), Set::new(input, 3, 2));
        match fit(m.as_mut(), &train, &valid, &StopHandle::new()) {
            Ok(()) => {
                fitted = Some((input, train, valid));
                break;
            }
            Err(e) => tried.push(format!("{} inputs: {e}", input.label())),
        }
        match f.create(params) {
            Ok(fresh) => m = fresh,
            Err(e) => tried.push(e.to_string()),
        }
    }
    let Some((input, train, valid)) = fitted else {
        let msg = format!("fits on no input kind: {}", tried.join("; "));
        report.push(name, kind, "fit", Outcome::Fail(msg));
        return;
    };
    report.push(name, kind, "fit", Outcome::Pass);

    let test = Set::new(input, 3, 3);
    let inputs = test.refs();
    let speakers: Vec<&str> = test.speakers.iter().map(String::as_str).collect();
    let n_classes = train.classes.len();
    let probs = m.predict_proba(&inputs);
    let outcome = match &probs {
        Err(e) => Outcome::Fail(e.to_string()),
        Ok(rows) => match bad_rows(rows, inputs.len(), n_classes) {
            Some(why) => Outcome::Fail(why),
            None => match m.predict_proba_by_speaker(&inputs, &speakers) {
                Err(e) => Outcome::Fail(format!("predict_proba_by_speaker: {e}")),
                Ok(rows) => bad_rows(&rows, inputs.len(), n_classes)
                    .map(|w| Outcome::Fail(format!("predict_proba_by_speaker: {w}")))
                    .unwrap_or(Outcome::Pass),
            },
        },
    };
    report.push(name, kind, "probabilities", outcome);
    let Ok(probs) = probs else { return };

    let saved = round_trip(
        dir,
        "model",
        |path| m.save(path),
        || f.create(params),
        |again, path| {
            again.load(path)?;
            again.predict_proba(&inputs)
        },
    );
    let outcome = match saved {
        Err(e) => Outcome::Fail(e.to_string()),
        Ok(rows) => differ(&probs, &rows)
            .map(|d| Outcome::Fail(format!("the loaded model predicts otherwise: {d}")))
            .unwrap_or(Outcome::Pass),
    };
    report.push(name, kind, "save-load", outcome);

    // Determinism. The plugin has its own rayon (the host's pool does not reach it), so the
    // thread count can only be changed through the component's own `threads` parameter.
    let has_threads = info
        .defaults
        .parse::<toml::Table>()
        .is_ok_and(|t| t.get("threads").is_some_and(toml::Value::is_integer));
    let run = |params: &str| -> Result<Vec<Vec<f32>>> {
        let mut m = f.create(params)?;
        fit(m.as_mut(), &train, &valid, &StopHandle::new())?;
        m.predict_proba(&inputs)
    };
    let (check, runs) = if has_threads {
        let one = with_key(params, "threads", toml::Value::Integer(1));
        let two = with_key(params, "threads", toml::Value::Integer(2));
        ("same seed, 1|2 threads", (run(&one), run(&two)))
    } else {
        ("same seed twice", (run(params), run(params)))
    };
    let outcome = match runs {
        (Ok(a), Ok(b)) => differ(&a, &b)
            .map(|d| Outcome::Fail(format!("two fits with one seed differ: {d}")))
            .unwrap_or(Outcome::Pass),
        (Err(e), _) | (_, Err(e)) => Outcome::Fail(e.to_string()),
    };
    report.push(name, kind, check, outcome);

    for (check, delay) in [("stop before fit", None), ("stop during fit", Some(20))] {
        let stop = StopHandle::new();
        let outcome = match f.create(params) {
            Err(e) => Outcome::Fail(e.to_string()),
            Ok(mut m) => {
                let start = Instant::now();
                let r = std::thread::scope(|s| {
                    match delay {
                        None => stop.stop(),
                        Some(ms) => {
                            let stop = stop.clone();
                            s.spawn(move || {
                                std::thread::sleep(std::time::Duration::from_millis(ms));
                                stop.stop();
                            });
                        }
                    }
                    fit(m.as_mut(), &train, &valid, &stop)
                });
                let took = start.elapsed();
                match r {
                    _ if took > opts.stop_deadline => Outcome::Fail(format!(
                        "fit went on for {took:.1?} after the stop (limit {:?})",
                        opts.stop_deadline
                    )),
                    Ok(()) | Err(Error::Stopped) => Outcome::Pass,
                    Err(e) => Outcome::Fail(format!("expected Error::Stopped or Ok, got: {e}")),
                }
            }
        };
        report.push(name, kind, check, outcome);
    }
}
