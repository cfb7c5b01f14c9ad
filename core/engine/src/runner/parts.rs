//! Fold parts: the self-contained record of one finished fold, written atomically to
//! `<run>/folds/fold-<k>.json` the moment the fold ends.
//!
//! A part holds the run's header (experiment, seed, classes, corpus, plugins, systems), the
//! fold's scores and failures, and its test predictions. Everything in `results.json` and
//! `predictions.csv` is *assembled* from the parts, the same way whether the folds ran in
//! one process, across a killed and resumed run, or as separate `--fold K` jobs pooled by
//! `serlab merge`, so those three give identical files. (Floats survive the JSON round
//! trip exactly: serde_json writes the shortest representation that reads back to the same
//! value, and parses with `float_roundtrip`.)

use crate::results::{write_atomic, Prediction, RunResults};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The record of one finished fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldPart {
    /// How many folds the whole run has.
    pub folds: usize,
    /// The run's header with exactly this fold in `folds` (and its summaries).
    pub results: RunResults,
    /// This fold's test predictions, per system.
    pub predictions: Vec<Prediction>,
}

impl FoldPart {
    /// The fold's index.
    pub fn index(&self) -> usize {
        self.results.folds[0].index
    }
}

/// The folder holding the parts.
pub fn dir(run: &Path) -> PathBuf {
    run.join("folds")
}

/// The part file of fold `fold`.
pub fn path(run: &Path, fold: usize) -> PathBuf {
    dir(run).join(format!("fold-{fold}.json"))
}

/// Write a part atomically.
pub fn write(run: &Path, part: &FoldPart) -> Result<()> {
    let d = dir(run);
    std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    let json = serde_json::to_vec(part).expect("a fold part serialises");
    let file = path(run, part.index());
    write_atomic(&file, &json)?;
    super::integrity::seal(&file)
}

/// Read one part file.
pub fn read(file: &Path) -> Result<FoldPart> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let part: FoldPart = serde_json::from_slice(&bytes).map_err(|e| Error::RunFolder {
        path: file.to_path_buf(),
        message: format!("not a serlab fold part: {e}"),
    })?;
    if part.results.folds.len() != 1 {
        return Err(Error::RunFolder {
            path: file.to_path_buf(),
            message: format!(
                "a fold part holds exactly one fold, this one {}",
                part.results.folds.len()
            ),
        });
    }
    let k = part.results.classes.len();
    if let Some(p) = part
        .predictions
        .iter()
        .find(|p| p.label >= k || p.probs.len() != k)
    {
        return Err(Error::RunFolder {
            path: file.to_path_buf(),
            message: format!(
                "prediction for `{}` ({}) has label {} and {} probabilities, but the run has \
                 {k} classes",
                p.utterance,
                p.system,
                p.label,
                p.probs.len()
            ),
        });
    }
    Ok(part)
}

/// Every part of a run folder, by fold index (none if the folder has no `folds/`).
pub fn read_all(run: &Path) -> Result<BTreeMap<usize, FoldPart>> {
    let d = dir(run);
    let mut parts = BTreeMap::new();
    let entries = match std::fs::read_dir(&d) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(parts),
        Err(e) => return Err(Error::io(&d, e)),
    };
    for entry in entries {
        let file = entry.map_err(|e| Error::io(&d, e))?.path();
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(k) = name
            .strip_prefix("fold-")
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue; // temporaries of a writer that was killed, or foreign files
        };
        let part = read(&file)?;
        if part.index() != k {
            return Err(Error::RunFolder {
                path: file,
                message: format!("holds fold {}, not fold {k}", part.index()),
            });
        }
        parts.insert(k, part);
    }
    Ok(parts)
}

/// The first field where two runs' headers differ (experiment, seed, classes, systems,
/// corpus, number of folds), or `None` when they are the same run.
pub fn header_difference(
    a: &RunResults,
    a_folds: usize,
    b: &RunResults,
    b_folds: usize,
) -> Option<&'static str> {
    [
        ("experiment", a.experiment != b.experiment),
        ("seed", a.seed != b.seed),
        ("classes", a.classes != b.classes),
        ("systems", a.systems != b.systems),
        ("corpus", a.corpus != b.corpus),
        ("number of folds", a_folds != b_folds),
    ]
    .into_iter()
    .find(|(_, d)| *d)
    .map(|(what, _)| what)
}

/// Pool parts (in fold order) over `header`: its folds are replaced by the parts' folds,
/// the predictions are concatenated fold by fold and the summaries recomputed.
pub fn assemble<'a>(
    header: &RunResults,
    parts: impl IntoIterator<Item = &'a FoldPart>,
) -> (RunResults, Vec<Prediction>) {
    let mut res = header.clone();
    res.folds.clear();
    let mut predictions = Vec::new();
    let mut parts: Vec<&FoldPart> = parts.into_iter().collect();
    parts.sort_by_key(|p| p.index());
    for p in parts {
        res.folds.push(p.results.folds[0].clone());
        predictions.extend(p.predictions.iter().cloned());
    }
    res.summarise(&predictions);
    (res, predictions)
}

/// The folds whose saved models `serlab predict` may average: those with checkpoints that
/// also *finished* (are in `results`), so every system is averaged over complete folds and
/// a killed run's half-trained fold is never mixed in. Returns a note when folds were left
/// out, and an error that says why when nothing can predict (no checkpoints, every system
/// failed on every fold, no finished fold).
pub fn predictable_folds(run: &Path, results: &RunResults) -> Result<(Vec<usize>, Option<String>)> {
    let refuse = |message: String| Error::RunFolder {
        path: run.to_path_buf(),
        message,
    };
    if !results.folds.is_empty() && results.folds.iter().all(|f| f.systems.is_empty()) {
        return Err(refuse(
            "every system failed on every fold of this run, so no fitted model exists to \
             predict with (see `failures` in results.json)"
                .into(),
        ));
    }
    let saved = super::checkpoint::folds(run).map_err(|_| {
        refuse(
            "no checkpoints/ folder: this run saved no fitted model (runs from before serlab \
             kept checkpoints cannot predict)"
                .into(),
        )
    })?;
    let finished: Vec<usize> = results.folds.iter().map(|f| f.index).collect();
    let (usable, left): (Vec<usize>, Vec<usize>) =
        saved.into_iter().partition(|k| finished.contains(k));
    if usable.is_empty() {
        return Err(refuse(format!(
            "no finished fold has saved models (status `{}`); finish it with `serlab run \
             --resume {}`",
            results.status,
            run.display()
        )));
    }
    let note = (!left.is_empty()).then(|| {
        format!(
            "the run's status is `{}`: fold(s) {} did not finish and are left out; predicting \
             with the {} finished fold(s)",
            results.status,
            left.iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            usable.len()
        )
    });
    Ok((usable, note))
}
