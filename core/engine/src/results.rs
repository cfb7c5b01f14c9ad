//! What a run writes: `results.json` and `predictions.csv`, written atomically
//! (temporary file + rename) after every fold, so a stopped or crashed run keeps
//! everything it finished.
//!
//! `results.json` keys:
//! - `serlab_version`, `experiment`, `seed`, `status` (`running`, `finished`, `stopped`,
//!   `failed`; a run killed with `kill -9` still says `running`, which `serlab run --resume`
//!   records as `killed`), `error` (why a `failed` run failed), `resumed` (one
//!   [`Resumption`] per `serlab run --resume`),
//!   `classes`, `corpus` (`name`, `utterances`, `skipped`: list of `{path, reason}`),
//!   `plugins` (`{name, version, path}`), `systems` (model ids, then the fusion id),
//!   `metrics` (the `[metrics]` settings used: `top_k`, `bootstrap`, `bootstrap_unit`,
//!   `confidence`);
//! - `folds`: per fold `index`, `train_speakers`, `validation_speakers`, `test_speakers`,
//!   `systems` (system id → [`Scores`]) and `failures` (system id → message);
//! - `pooled`: system id → [`Scores`] over all folds' test utterances, with `ua_ci`, the
//!   bootstrap interval of UA;
//! - `fold_mean`: system id → `{ua_mean, ua_std, wa_mean, wa_std}` over folds;
//! - `per_speaker`: system id → speaker → [`Scores`] on that speaker's utterances.
//!
//! A [`Scores`] holds `ua`, `wa`, `macro_f1`, per class (in `classes` order) `recall`,
//! `precision` and `f1` (null where undefined), `confusion` (rows = reference), `n`,
//! `top_k` (`k` → accuracy), and `ccc` (`valence`, `arousal`, `dominance`, `n`) when the
//! system predicted dimensional values for utterances that have references.
//!
//! `predictions.csv`: `utterance, speaker, fold, system, label, predicted, p_<class>...`,
//! then `valence, arousal, dominance` when the corpus has them and `pred_valence,
//! pred_arousal, pred_dominance` when a system predicted them.

use crate::metrics::bootstrap::{self, Interval};
use crate::metrics::ccc::{vad_ccc, VadCcc};
use crate::metrics::{argmax, topk, Confusion, MetricsConfig};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Scores of one system on one set of utterances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Unweighted accuracy (macro recall).
    pub ua: f64,
    /// Weighted accuracy.
    pub wa: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// Weighted F1 (per-class F1 weighted by support).
    #[serde(default)]
    pub weighted_f1: f64,
    /// Recall per class (null for a class absent from the reference).
    pub recall: Vec<Option<f64>>,
    /// Precision per class (null for a class never predicted).
    #[serde(default)]
    pub precision: Vec<Option<f64>>,
    /// F1 per class (null for a class absent from the reference).
    #[serde(default)]
    pub f1: Vec<Option<f64>>,
    /// Confusion matrix, rows = reference.
    pub confusion: Vec<Vec<usize>>,
    /// Utterances scored.
    pub n: usize,
    /// Top-k accuracy for each `k` of `[metrics] top_k`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub top_k: BTreeMap<usize, f64>,
    /// Concordance of predicted valence / arousal / dominance, when the system gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccc: Option<VadCcc>,
    /// Bootstrap confidence interval of UA (pooled scores only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ua_ci: Option<Interval>,
}

impl Scores {
    /// Scores of a confusion matrix.
    pub fn of(c: &Confusion) -> Scores {
        Scores {
            ua: c.ua(),
            wa: c.wa(),
            macro_f1: c.macro_f1(),
            weighted_f1: c.weighted_f1(),
            recall: c.recalls(),
            precision: c.precisions(),
            f1: c.f1s(),
            confusion: c.counts.clone(),
            n: c.total(),
            top_k: BTreeMap::new(),
            ccc: None,
            ua_ci: None,
        }
    }

    /// Scores of predictions: the confusion matrix, top-k accuracy for each `k` and, where
    /// predictions carry dimensional values, their CCC.
    pub fn of_predictions(preds: &[&Prediction], n_classes: usize, top_k: &[usize]) -> Scores {
        let truth: Vec<usize> = preds.iter().map(|p| p.label).collect();
        let guess: Vec<usize> = preds.iter().map(|p| argmax(&p.probs)).collect();
        let mut s = Scores::of(&Confusion::new(&truth, &guess, n_classes));
        for &k in top_k {
            let rows = preds.iter().map(|p| (p.probs.as_slice(), p.label));
            s.top_k.insert(k, topk::top_k_accuracy(rows, k));
        }
        s.ccc = vad_ccc(preds.iter().filter_map(|p| Some((p.vad?, p.vad_pred?))));
        s
    }
}

/// Results of one fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Fold index.
    pub index: usize,
    /// Training speakers.
    pub train_speakers: Vec<String>,
    /// Validation speakers.
    pub validation_speakers: Vec<String>,
    /// Test speakers.
    pub test_speakers: Vec<String>,
    /// Scores per system.
    pub systems: BTreeMap<String, Scores>,
    /// Systems that failed on this fold, with the message.
    pub failures: BTreeMap<String, String>,
}

/// Mean and spread of fold scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldMean {
    /// Mean UA over folds.
    pub ua_mean: f64,
    /// Standard deviation of UA over folds.
    pub ua_std: f64,
    /// Mean WA over folds.
    pub wa_mean: f64,
    /// Standard deviation of WA over folds.
    pub wa_std: f64,
}

/// One row of `predictions.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Utterance id.
    pub utterance: String,
    /// Speaker.
    pub speaker: String,
    /// Fold.
    pub fold: usize,
    /// System id.
    pub system: String,
    /// Reference class index.
    pub label: usize,
    /// Probabilities per class.
    pub probs: Vec<f32>,
    /// Reference valence / arousal / dominance, where the corpus has them.
    pub vad: Option<[f32; 3]>,
    /// Predicted valence / arousal / dominance, where the system gives them.
    pub vad_pred: Option<[f32; 3]>,
}

/// Everything `results.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// Version of serlab-core.
    pub serlab_version: String,
    /// Experiment name.
    pub experiment: String,
    /// Seed.
    pub seed: u64,
    /// `running`, `finished`, `stopped` or `failed`.
    pub status: String,
    /// Why the run failed (status `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every time the run was resumed, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed: Vec<Resumption>,
    /// Class names.
    pub classes: Vec<String>,
    /// Corpus summary.
    pub corpus: serde_json::Value,
    /// Plugins used.
    pub plugins: Vec<serde_json::Value>,
    /// System ids in report order.
    pub systems: Vec<String>,
    /// Per fold.
    pub folds: Vec<FoldResult>,
    /// Pooled over folds.
    pub pooled: BTreeMap<String, Scores>,
    /// Mean over folds.
    pub fold_mean: BTreeMap<String, FoldMean>,
    /// Scores per system and speaker.
    pub per_speaker: BTreeMap<String, BTreeMap<String, Scores>>,
    /// The `[metrics]` settings the extra scores were computed with.
    #[serde(default)]
    pub metrics: MetricsConfig,
}

/// One `serlab run --resume` of a run folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resumption {
    /// When it was resumed (`YYYYMMDD-HHMMSS`, UTC).
    pub at: String,
    /// How the previous attempt ended: `killed` (its status still said `running`: killed,
    /// crashed or its machine was lost), `stopped`, `failed`, `finished`, or
    /// `before-results` (it ended before writing any results, e.g. during feature
    /// extraction).
    pub after: String,
    /// Folds that were already finished and were kept.
    pub folds_kept: Vec<usize>,
}

impl RunResults {
    /// Recompute every derived score from the folds' confusion matrices and the
    /// predictions: per-fold top-k and CCC, `pooled` (with the bootstrap interval of UA,
    /// seeded by the run's seed and the system id), `fold_mean` and `per_speaker`.
    pub fn summarise(&mut self, predictions: &[Prediction]) {
        let k = self.classes.len();
        let top_k = self.metrics.top_k.clone();
        self.pooled.clear();
        self.fold_mean.clear();
        self.per_speaker.clear();
        for sys in self.systems.clone() {
            let mine: Vec<&Prediction> = predictions.iter().filter(|p| p.system == sys).collect();
            for f in &mut self.folds {
                if let Some(s) = f.systems.get_mut(&sys) {
                    let of_fold: Vec<&Prediction> =
                        mine.iter().copied().filter(|p| p.fold == f.index).collect();
                    if of_fold.len() == s.n {
                        let extra = Scores::of_predictions(&of_fold, k, &top_k);
                        s.top_k = extra.top_k;
                        s.ccc = extra.ccc;
                    }
                }
            }
            let folds: Vec<&Scores> = self
                .folds
                .iter()
                .filter_map(|f| f.systems.get(&sys))
                .collect();
            if folds.is_empty() {
                continue;
            }
            let mut pooled = Confusion::zeros(k);
            for s in &folds {
                pooled.add(&Confusion {
                    counts: s.confusion.clone(),
                });
            }
            let mut scores = if mine.len() == pooled.total() {
                Scores::of_predictions(&mine, k, &top_k)
            } else {
                Scores::of(&pooled)
            };
            let truth: Vec<usize> = mine.iter().map(|p| p.label).collect();
            let guess: Vec<usize> = mine.iter().map(|p| argmax(&p.probs)).collect();
            let speakers: Vec<&str> = mine.iter().map(|p| p.speaker.as_str()).collect();
            scores.ua_ci = bootstrap::ua_interval(
                &truth,
                &guess,
                &speakers,
                k,
                &self.metrics,
                seed_for(self.seed, &sys),
            );
            self.pooled.insert(sys.clone(), scores);
            let (ua_mean, ua_std) = mean_std(folds.iter().map(|s| s.ua));
            let (wa_mean, wa_std) = mean_std(folds.iter().map(|s| s.wa));
            self.fold_mean.insert(
                sys.clone(),
                FoldMean {
                    ua_mean,
                    ua_std,
                    wa_mean,
                    wa_std,
                },
            );
            let mut by_speaker: BTreeMap<&str, Vec<&Prediction>> = BTreeMap::new();
            for p in &mine {
                by_speaker.entry(p.speaker.as_str()).or_default().push(p);
            }
            self.per_speaker.insert(
                sys.clone(),
                by_speaker
                    .into_iter()
                    .map(|(s, ps)| (s.to_string(), Scores::of_predictions(&ps, k, &top_k)))
                    .collect(),
            );
        }
    }

    /// The headline system: the fusion if there is one, else the first model.
    pub fn main_system(&self) -> Option<&str> {
        self.systems
            .iter()
            .rev()
            .find(|s| self.pooled.contains_key(*s))
            .map(String::as_str)
    }
}

/// The bootstrap seed of one system: the run's seed mixed with the system id (FNV-1a), so
/// systems get independent but reproducible resamples.
fn seed_for(seed: u64, system: &str) -> u64 {
    system.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn mean_std(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = v.collect();
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// A temporary path beside `path`, unique to this process and call, so that processes
/// writing the same file at once (array jobs sharing a run folder) never share a temporary.
pub fn temp_path(path: &Path) -> std::path::PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{n}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder, flushed to
/// disk, then renamed over `path`. Readers (and a resumed run) see the old file or the new
/// one, never a torn one, whenever the writer is killed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = temp_path(path);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Names of the dimensional columns of `predictions.csv`.
const VAD: [&str; 3] = ["valence", "arousal", "dominance"];

/// Write `results.json` and `predictions.csv` into `dir`.
pub fn write(dir: &Path, results: &RunResults, predictions: &[Prediction]) -> Result<()> {
    let json = serde_json::to_vec_pretty(results).expect("results are serialisable");
    write_atomic(&dir.join("results.json"), &json)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "utterance".to_string(),
        "speaker".into(),
        "fold".into(),
        "system".into(),
        "label".into(),
        "predicted".into(),
    ];
    header.extend(results.classes.iter().map(|c| format!("p_{c}")));
    let has_vad = predictions.iter().any(|p| p.vad.is_some());
    let has_pred = predictions.iter().any(|p| p.vad_pred.is_some());
    if has_vad {
        header.extend(VAD.iter().map(|d| d.to_string()));
    }
    if has_pred {
        header.extend(VAD.iter().map(|d| format!("pred_{d}")));
    }
    let csv_err = |e: csv::Error| Error::invalid(format!("writing predictions.csv: {e}"));
    w.write_record(&header).map_err(csv_err)?;
    for p in predictions {
        let mut row = vec![
            p.utterance.clone(),
            p.speaker.clone(),
            p.fold.to_string(),
            p.system.clone(),
            results.classes[p.label].clone(),
            results.classes[crate::metrics::argmax(&p.probs)].clone(),
        ];
        row.extend(p.probs.iter().map(|x| format!("{x:.6}")));
        let cells = |v: Option<[f32; 3]>| {
            v.map(|v| v.map(|x| format!("{x:.6}")))
                .unwrap_or_else(|| [String::new(), String::new(), String::new()])
        };
        if has_vad {
            row.extend(cells(p.vad));
        }
        if has_pred {
            row.extend(cells(p.vad_pred));
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::invalid(format!("writing predictions.csv: {e}")))?;
    write_atomic(&dir.join("predictions.csv"), &bytes)
}

/// Read back the `predictions.csv` of a run folder (class names are mapped through
/// `classes`, the `classes` of its `results.json`).
pub fn read_predictions(dir: &Path, classes: &[String]) -> Result<Vec<Prediction>> {
    let path = dir.join("predictions.csv");
    let bad = |m: String| Error::Corpus {
        path: path.clone(),
        message: m,
    };
    let mut r = csv::Reader::from_path(&path).map_err(|e| bad(e.to_string()))?;
    let header = r.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| bad(format!("no column `{name}`")));
    let (u, s, f, sys, l) = (
        need("utterance")?,
        need("speaker")?,
        need("fold")?,
        need("system")?,
        need("label")?,
    );
    let p: Vec<usize> = classes
        .iter()
        .map(|c| need(&format!("p_{c}")))
        .collect::<Result<_>>()?;
    let vad: Option<Vec<usize>> = VAD.iter().map(|d| col(d)).collect();
    let vad_pred: Option<Vec<usize>> = VAD.iter().map(|d| col(&format!("pred_{d}"))).collect();
    let mut out = Vec::new();
    for (line, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let at = |m: String| bad(format!("row {}: {m}", line + 2));
        let num = |i: usize| -> Result<f32> {
            rec[i]
                .parse::<f32>()
                .map_err(|e| at(format!("`{}`: {e}", &rec[i])))
        };
        let triple = |cols: &Option<Vec<usize>>| -> Result<Option<[f32; 3]>> {
            match cols {
                Some(c) if !rec[c[0]].is_empty() => Ok(Some([num(c[0])?, num(c[1])?, num(c[2])?])),
                _ => Ok(None),
            }
        };
        out.push(Prediction {
            utterance: rec[u].to_string(),
            speaker: rec[s].to_string(),
            fold: rec[f]
                .parse()
                .map_err(|e| at(format!("fold `{}`: {e}", &rec[f])))?,
            system: rec[sys].to_string(),
            label: classes
                .iter()
                .position(|c| c == &rec[l])
                .ok_or_else(|| at(format!("unknown class `{}`", &rec[l])))?,
            probs: p.iter().map(|&i| num(i)).collect::<Result<_>>()?,
            vad: triple(&vad)?,
            vad_pred: triple(&vad_pred)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(utt: &str, speaker: &str, fold: usize, label: usize, probs: [f32; 3]) -> Prediction {
        Prediction {
            utterance: utt.into(),
            speaker: speaker.into(),
            fold,
            system: "m".into(),
            label,
            probs: probs.to_vec(),
            vad: None,
            vad_pred: None,
        }
    }

    /// Two folds of one speaker each. Speaker a (fold 0): labels 0 1 2 predicted 0 1 1;
    /// speaker b (fold 1): labels 0 1 2 predicted 0 0 2. Second choices: a's class-2
    /// utterance has class 2 second, b's class-1 utterance has class 1 second.
    fn run() -> (RunResults, Vec<Prediction>) {
        let preds = vec![
            pred("a1", "a", 0, 0, [0.8, 0.1, 0.1]),
            pred("a2", "a", 0, 1, [0.1, 0.8, 0.1]),
            pred("a3", "a", 0, 2, [0.1, 0.5, 0.4]),
            pred("b1", "b", 1, 0, [0.7, 0.2, 0.1]),
            pred("b2", "b", 1, 1, [0.6, 0.3, 0.1]),
            pred("b3", "b", 1, 2, [0.1, 0.1, 0.8]),
        ];
        let fold = |i: usize, truth: &[usize], guess: &[usize]| FoldResult {
            index: i,
            train_speakers: vec![],
            validation_speakers: vec![],
            test_speakers: vec![],
            systems: [(
                "m".to_string(),
                Scores::of(&Confusion::new(truth, guess, 3)),
            )]
            .into_iter()
            .collect(),
            failures: BTreeMap::new(),
        };
        let r = RunResults {
            serlab_version: "0".into(),
            experiment: "t".into(),
            seed: 4,
            status: "finished".into(),
            error: None,
            resumed: Vec::new(),
            classes: vec!["x".into(), "y".into(), "z".into()],
            corpus: serde_json::Value::Null,
            plugins: vec![],
            systems: vec!["m".into()],
            folds: vec![
                fold(0, &[0, 1, 2], &[0, 1, 1]),
                fold(1, &[0, 1, 2], &[0, 0, 2]),
            ],
            pooled: BTreeMap::new(),
            fold_mean: BTreeMap::new(),
            per_speaker: BTreeMap::new(),
            metrics: MetricsConfig {
                top_k: vec![1, 2],
                bootstrap: 200,
                ..Default::default()
            },
        };
        (r, preds)
    }

    #[test]
    fn summary_matches_hand_computation() {
        let (mut r, preds) = run();
        r.summarise(&preds);
        let p = &r.pooled["m"];
        // Pooled confusion [[2,0,0],[1,1,0],[0,1,1]]: recalls 1, 1/2, 1/2 → UA 2/3;
        // precisions 2/3, 1/2, 1 → F1 0.8, 0.5, 0.6667.
        assert_eq!(
            p.confusion,
            vec![vec![2, 0, 0], vec![1, 1, 0], vec![0, 1, 1]]
        );
        assert!((p.ua - 2.0 / 3.0).abs() < 1e-12);
        assert!((p.wa - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(p.precision, vec![Some(2.0 / 3.0), Some(0.5), Some(1.0)]);
        let f1: Vec<f64> = p.f1.iter().map(|x| x.unwrap()).collect();
        assert!((f1[0] - 0.8).abs() < 1e-12 && (f1[1] - 0.5).abs() < 1e-12);
        assert!((f1[2] - 2.0 / 3.0).abs() < 1e-12);
        // Top-1 = WA; top-2 adds a3 and b2: 6/6.
        assert!((p.top_k[&1] - p.wa).abs() < 1e-12);
        assert_eq!(p.top_k[&2], 1.0);
        // Per fold: fold 0 misses only a3, which is second → top-2 = 1.
        assert_eq!(r.folds[0].systems["m"].top_k[&2], 1.0);
        assert!((r.folds[1].systems["m"].top_k[&1] - 2.0 / 3.0).abs() < 1e-12);
        // Per speaker: a has recalls 1, 1, 0 → UA 2/3; b has 1, 0, 1 → UA 2/3.
        assert!((r.per_speaker["m"]["a"].ua - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.per_speaker["m"]["b"].confusion[1], vec![1, 0, 0]);
        // Speaker resamples: {a,a} has recalls 1, 1, 0; {b,b} 1, 0, 1; {a,b} 1, 1/2, 1/2:
        // UA 2/3 every time, so the interval is the point 2/3.
        let ci = p.ua_ci.as_ref().unwrap();
        assert!((ci.low - 2.0 / 3.0).abs() < 1e-12 && (ci.high - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(ci.resamples, 200);
        // No dimensional predictions: no CCC.
        assert!(p.ccc.is_none());
        assert!((r.fold_mean["m"].ua_mean - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn ccc_is_reported_when_a_system_predicts_dimensions() {
        let (mut r, mut preds) = run();
        for (i, p) in preds.iter_mut().enumerate() {
            let v = i as f32;
            p.vad = Some([v, v, v]);
            p.vad_pred = Some([v, v + 1.0, 1.0]);
        }
        r.summarise(&preds);
        let c = r.pooled["m"].ccc.as_ref().unwrap();
        assert_eq!(c.n, 6);
        assert_eq!(c.valence, Some(1.0));
        // A shift by one: var 35/12 each, cov 35/12 → 2·35/12 / (2·35/12 + 1) = 0.8537.
        let want = (70.0 / 12.0) / (70.0 / 12.0 + 1.0);
        assert!((c.arousal.unwrap() - want).abs() < 1e-9);
        assert_eq!(c.dominance, Some(0.0));
    }

    #[test]
    fn predictions_round_trip_through_the_csv() {
        let (mut r, mut preds) = run();
        preds[0].vad = Some([0.5, -0.25, 1.0]);
        preds[1].vad_pred = Some([0.125, 0.0, 2.0]);
        r.summarise(&preds);
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &r, &preds).unwrap();
        let back = read_predictions(dir.path(), &r.classes).unwrap();
        assert_eq!(back, preds);
        let json: RunResults =
            serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap())
                .unwrap();
        assert_eq!(json.pooled["m"].top_k, r.pooled["m"].top_k);
        assert_eq!(json.metrics, r.metrics);
    }
}
