//! A scripted run, the way a neural model and a forest report through the runner: a
//! feature stage, a warning, 3 folds of a `cnn` (10 batches an epoch, 5 epochs, per-batch
//! loss, per-epoch validation loss, UA/WA and a halving learning rate) and a `forest`
//! (20 trees, no loss), each fold closed by the `fusion`. Times are one second per event
//! group, so ETAs are exact.

use serlab_engine::RunEvent;
use std::time::Duration;

/// Class names of the script.
pub const CLASSES: [&str; 4] = ["neutral", "happy", "sad", "angry"];

/// Confusion matrix of `system` on `fold` (deterministic, rows sum to 6).
pub fn confusion(system: &str, fold: usize) -> Vec<Vec<usize>> {
    let miss = match system {
        "cnn" => 1,
        "forest" => 2,
        _ => 0,
    };
    (0..4)
        .map(|r| {
            let mut row = vec![0; 4];
            let wrong = (miss + fold + r) % 3;
            row[r] = 6 - wrong;
            row[(r + 1) % 4] += wrong;
            row
        })
        .collect()
}

/// The cnn's validation confusion after `epoch` (any fold): class `r` gets
/// `2 + epoch + r % 2` of its 6 utterances right (at most 6), the rest go to the next class,
/// so the odd classes are learnt one epoch sooner.
pub fn epoch_confusion(epoch: usize) -> Vec<Vec<usize>> {
    (0..4)
        .map(|r| {
            let right = (2 + epoch + r % 2).min(6);
            let mut row = vec![0; 4];
            row[r] = right;
            row[(r + 1) % 4] += 6 - right;
            row
        })
        .collect()
}

fn ua_wa(c: &[Vec<usize>]) -> (f64, f64) {
    let m = serlab_engine::metrics::Confusion { counts: c.to_vec() };
    (m.ua(), m.wa())
}

/// Events of a run of 3 folds; `folds_done` folds complete, then the next one stops after
/// `epochs_into_next` cnn epochs. With `folds_done == 3` the run finishes.
pub fn events(folds_done: usize, epochs_into_next: usize) -> Vec<(Duration, RunEvent)> {
    let mut t = 0u64;
    let mut out = Vec::new();
    let mut push = |e: RunEvent, out: &mut Vec<(Duration, RunEvent)>| {
        out.push((Duration::from_secs(t), e));
        t += 1;
    };
    for done in [0, 24, 48] {
        push(
            RunEvent::Progress {
                stage: "features:mfcc".into(),
                done,
                total: 48,
            },
            &mut out,
        );
    }
    push(
        RunEvent::Warning {
            message: "skipped data/s3_05.wav: not a RIFF file".into(),
        },
        &mut out,
    );
    push(
        RunEvent::RunStarted {
            name: "demo".into(),
            folds: 3,
            models: vec!["cnn".into(), "forest".into()],
            classes: CLASSES.iter().map(|c| c.to_string()).collect(),
        },
        &mut out,
    );
    for fold in 0..3 {
        if fold > folds_done {
            break;
        }
        push(
            RunEvent::FoldStarted {
                fold,
                folds: 3,
                test_speakers: vec![format!("s{}", fold + 1)],
                validation_speakers: vec![format!("s{}", (fold + 1) % 3 + 1)],
            },
            &mut out,
        );
        push(
            RunEvent::ModelStarted {
                fold,
                model: "cnn".into(),
            },
            &mut out,
        );
        let epochs = if fold < folds_done {
            5
        } else {
            epochs_into_next
        };
        for epoch in 0..epochs {
            for b in 0..10 {
                let step = epoch * 10 + b + 1;
                let wiggle = if b % 2 == 0 { 0.05 } else { -0.05 };
                push(
                    RunEvent::Step {
                        fold,
                        model: "cnn".into(),
                        step,
                        total: Some(50),
                        loss: Some(1.4 / (1.0 + step as f64 / 10.0) + wiggle),
                    },
                    &mut out,
                );
            }
            push(
                RunEvent::Epoch {
                    fold,
                    model: "cnn".into(),
                    epoch,
                    train_loss: 1.4 / (1.0 + (epoch * 10 + 5) as f64 / 10.0),
                    valid_loss: Some(1.5 / (1.0 + (epoch * 10 + 5) as f64 / 12.0)),
                    valid_ua: Some(0.4 + 0.08 * epoch as f64),
                    valid_wa: Some(0.42 + 0.07 * epoch as f64),
                    lr: Some(1e-3 * 0.5f64.powi((epoch / 2) as i32)),
                    valid_confusion: Some(epoch_confusion(epoch)),
                },
                &mut out,
            );
        }
        if fold == folds_done {
            break;
        }
        let (ua, wa) = ua_wa(&confusion("cnn", fold));
        push(
            RunEvent::Evaluated {
                fold,
                model: "cnn".into(),
                ua,
                wa,
                confusion: confusion("cnn", fold),
            },
            &mut out,
        );
        push(
            RunEvent::ModelStarted {
                fold,
                model: "forest".into(),
            },
            &mut out,
        );
        for step in 1..=20 {
            push(
                RunEvent::Step {
                    fold,
                    model: "forest".into(),
                    step,
                    total: Some(20),
                    loss: None,
                },
                &mut out,
            );
        }
        for sys in ["forest", "fusion"] {
            let c = confusion(sys, fold);
            let (ua, wa) = ua_wa(&c);
            push(
                RunEvent::Evaluated {
                    fold,
                    model: sys.into(),
                    ua,
                    wa,
                    confusion: c,
                },
                &mut out,
            );
        }
        push(RunEvent::FoldFinished { fold }, &mut out);
    }
    if folds_done == 3 {
        push(
            RunEvent::RunFinished {
                output: "runs/demo/20250101-120000".into(),
                stopped: false,
            },
            &mut out,
        );
    }
    out
}

/// The time of the last event.
pub fn end(events: &[(Duration, RunEvent)]) -> Duration {
    events.last().map(|e| e.0).unwrap_or_default()
}
