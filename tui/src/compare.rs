//! `serlab compare RUN...`: runs side by side, each later run tested against the first.
//!
//! Two paired comparisons are made where the runs allow them, and each is labelled with
//! its test:
//! - over folds, when both runs have folds with the same test speakers: the per-fold UA
//!   pairs, by Wilcoxon's signed-rank test (exact) and the paired t-test;
//! - over utterances, when both runs scored the same utterances: correct / incorrect per
//!   utterance, by McNemar's exact test.
//!
//! Folds are few (5–10), so the fold-level tests have little power; the utterance-level
//! test has more but treats utterances as independent, which they are not within a speaker.
//! Both are printed so neither is over-read.

use crate::stats::{self, Outcome};
use serlab_engine::metrics::argmax;
use serlab_engine::results::{read_predictions, Prediction, RunResults};
use serlab_engine::runner::load_results;
use serlab_engine::{Error, Result};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// One run as compared: its results, the system compared, its predictions of that system.
pub struct Side {
    /// The run folder.
    pub dir: PathBuf,
    /// `results.json`.
    pub results: RunResults,
    /// The system compared.
    pub system: String,
    /// Its predictions (empty when `predictions.csv` is missing).
    pub predictions: Vec<Prediction>,
}

impl Side {
    /// Load a run folder; `system` defaults to the run's headline system.
    pub fn load(dir: &Path, system: Option<&str>) -> Result<Side> {
        let results = load_results(dir)?;
        let system = match system {
            Some(s) if results.pooled.contains_key(s) => s.to_string(),
            Some(s) => {
                return Err(Error::invalid(format!(
                    "{}: no scores for system `{s}`; it has {}",
                    dir.display(),
                    results
                        .pooled
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            None => results
                .main_system()
                .ok_or_else(|| Error::invalid(format!("{}: no system has scores", dir.display())))?
                .to_string(),
        };
        let predictions = if dir.join("predictions.csv").exists() {
            read_predictions(dir, &results.classes)?
                .into_iter()
                .filter(|p| p.system == system)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Side {
            dir: dir.to_path_buf(),
            results,
            system,
            predictions,
        })
    }

    fn ua(&self) -> f64 {
        self.results.pooled[&self.system].ua
    }

    /// UA per fold, keyed by the fold's sorted test speakers.
    fn fold_ua(&self) -> BTreeMap<Vec<String>, f64> {
        self.results
            .folds
            .iter()
            .filter_map(|f| {
                let mut k = f.test_speakers.clone();
                k.sort();
                f.systems.get(&self.system).map(|s| (k, s.ua))
            })
            .collect()
    }
}

/// Refuse runs whose scores cannot be compared (different classes), and warn about runs that
/// did not finish: their scores cover only some folds. Returns the warnings, for the report.
pub fn comparability(sides: &[Side]) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let Some(base) = sides.first() else {
        return Ok(warnings);
    };
    for side in sides {
        if side.results.classes != base.results.classes {
            return Err(Error::invalid(format!(
                "{} and {} have different classes ({} vs {}): their scores are not comparable",
                base.dir.display(),
                side.dir.display(),
                base.results.classes.join(", "),
                side.results.classes.join(", ")
            )));
        }
        if side.results.status != "finished" {
            warnings.push(format!(
                "warning: {} is `{}`, not finished: its scores cover {} fold(s) only",
                side.dir.display(),
                side.results.status,
                side.results.folds.len()
            ));
        }
    }
    Ok(warnings)
}

/// The comparison of `sides[1..]` against `sides[0]`, as text.
pub fn report(sides: &[Side]) -> Result<String> {
    let mut s = String::new();
    for w in comparability(sides)? {
        let _ = writeln!(s, "{w}");
    }
    let _ = writeln!(
        s,
        "{:<3} {:<22} {:<16} {:>7} {:>17} {:>7} {:>9} {:>6}  run folder",
        "", "experiment", "system", "UA", "UA 95% CI", "WA", "macro-F1", "folds"
    );
    for (i, side) in sides.iter().enumerate() {
        let p = &side.results.pooled[&side.system];
        let ci = p
            .ua_ci
            .as_ref()
            .map(|c| format!("[{:.3}, {:.3}]", c.low, c.high))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            s,
            "{:<3} {:<22} {:<16} {:>7.3} {:>17} {:>7.3} {:>9.3} {:>6}  {}",
            label(i),
            side.results.experiment,
            side.system,
            p.ua,
            ci,
            p.wa,
            p.macro_f1,
            side.results.folds.len(),
            side.dir.display()
        );
    }
    let base = &sides[0];
    for (i, other) in sides.iter().enumerate().skip(1) {
        let _ = writeln!(
            s,
            "\n{} vs {} (baseline): UA {:+.3}",
            label(i),
            label(0),
            other.ua() - base.ua()
        );
        let mut any = false;
        let (fa, fb) = (base.fold_ua(), other.fold_ua());
        let shared: Vec<&Vec<String>> = fa.keys().filter(|k| fb.contains_key(*k)).collect();
        if shared.len() >= 2 {
            any = true;
            let a: Vec<f64> = shared.iter().map(|k| fb[*k]).collect();
            let b: Vec<f64> = shared.iter().map(|k| fa[*k]).collect();
            let mean = a.iter().zip(&b).map(|(x, y)| x - y).sum::<f64>() / a.len() as f64;
            let _ = writeln!(
                s,
                "  over folds ({} folds with the same test speakers): mean UA difference {mean:+.3}",
                shared.len()
            );
            for o in [stats::wilcoxon(&a, &b), stats::paired_t(&a, &b)]
                .into_iter()
                .flatten()
            {
                let _ = writeln!(s, "    {}", line(&o));
            }
        }
        if let Some((n, b, c)) = discordant(base, other)? {
            any = true;
            let _ = writeln!(
                s,
                "  over utterances ({n} scored by both): only {} right {b}, only {} right {c}",
                label(0),
                label(i)
            );
            let _ = writeln!(s, "    {}", line(&stats::mcnemar(b, c)));
        }
        if !any {
            let _ = writeln!(
                s,
                "  no paired test: the runs share neither folds (test speakers) nor utterances"
            );
        }
    }
    Ok(s)
}

fn label(i: usize) -> String {
    char::from(b'A' + (i % 26) as u8).to_string()
}

fn line(o: &Outcome) -> String {
    let what = match o.test {
        t if t.starts_with("Wilcoxon") => {
            format!("W = {} over {} non-zero differences", o.statistic, o.n)
        }
        t if t.starts_with("paired") => format!("t = {:.3}", o.statistic),
        _ => format!("{} discordant pairs", o.n),
    };
    format!("{}: {what}, p = {:.4}", o.test, o.p)
}

/// `(shared utterances, only base right, only other right)`, or `None` when none are shared.
fn discordant(base: &Side, other: &Side) -> Result<Option<(usize, usize, usize)>> {
    let right: BTreeMap<&str, (&str, bool)> = base
        .predictions
        .iter()
        .map(|p| {
            (
                p.utterance.as_str(),
                (
                    base.results.classes[p.label].as_str(),
                    argmax(&p.probs) == p.label,
                ),
            )
        })
        .collect();
    let (mut n, mut b, mut c) = (0, 0, 0);
    for p in &other.predictions {
        let Some(&(label, ok_a)) = right.get(p.utterance.as_str()) else {
            continue;
        };
        if label != other.results.classes[p.label] {
            return Err(Error::invalid(format!(
                "utterance `{}` is labelled `{label}` in {} but `{}` in {}: not the same corpus",
                p.utterance,
                base.dir.display(),
                other.results.classes[p.label],
                other.dir.display()
            )));
        }
        let ok_b = argmax(&p.probs) == p.label;
        n += 1;
        b += usize::from(ok_a && !ok_b);
        c += usize::from(!ok_a && ok_b);
    }
    Ok((n > 0).then_some((n, b, c)))
}
