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
//!   `plugins` (`{name, version, path}`), `systems` (model ids, then the fusion id);
//! - `folds`: per fold `index`, `train_speakers`, `validation_speakers`, `test_speakers`,
//!   `systems` (system id → [`Scores`]) and `failures` (system id → message);
//! - `pooled`: system id → [`Scores`] of the confusion matrix summed over folds;
//! - `fold_mean`: system id → `{ua_mean, ua_std, wa_mean, wa_std}` over folds;
//! - `per_speaker`: system id → speaker → UA on that speaker's utterances.
//!
//! `predictions.csv`: `utterance, speaker, fold, system, label, predicted, p_<class>...`.

use crate::metrics::Confusion;
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
    /// Recall per class (null for a class absent from the reference).
    pub recall: Vec<Option<f64>>,
    /// Confusion matrix, rows = reference.
    pub confusion: Vec<Vec<usize>>,
    /// Utterances scored.
    pub n: usize,
}

impl Scores {
    /// Scores of a confusion matrix.
    pub fn of(c: &Confusion) -> Scores {
        Scores {
            ua: c.ua(),
            wa: c.wa(),
            macro_f1: c.macro_f1(),
            recall: c.recalls(),
            confusion: c.counts.clone(),
            n: c.total(),
        }
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
    /// Per speaker UA.
    pub per_speaker: BTreeMap<String, BTreeMap<String, f64>>,
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
    /// Recompute `pooled`, `fold_mean` and `per_speaker` from the folds and predictions.
    pub fn summarise(&mut self, predictions: &[Prediction]) {
        let k = self.classes.len();
        self.pooled.clear();
        self.fold_mean.clear();
        self.per_speaker.clear();
        for sys in &self.systems {
            let folds: Vec<&Scores> = self
                .folds
                .iter()
                .filter_map(|f| f.systems.get(sys))
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
            self.pooled.insert(sys.clone(), Scores::of(&pooled));
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
            let mut by_speaker: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
            for p in predictions.iter().filter(|p| &p.system == sys) {
                let e = by_speaker.entry(p.speaker.clone()).or_default();
                e.0.push(p.label);
                e.1.push(crate::metrics::argmax(&p.probs));
            }
            self.per_speaker.insert(
                sys.clone(),
                by_speaker
                    .into_iter()
                    .map(|(s, (t, p))| (s, Confusion::new(&t, &p, k).ua()))
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
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::invalid(format!("writing predictions.csv: {e}")))?;
    write_atomic(&dir.join("predictions.csv"), &bytes)
}
