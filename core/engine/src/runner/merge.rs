//! `serlab merge RUN`: pool the fold parts that `--fold K` tasks wrote into one run
//! folder into `results.json` and `predictions.csv`, the same files (byte for byte) that a
//! single process running every fold writes, because both are assembled from the parts by
//! [`parts::assemble`].

use super::parts;
use super::RunSummary;
use crate::results;
use crate::{Error, Result};
use std::path::Path;

/// Pool the fold parts of run folder `dir`; every fold must be there.
pub fn merge(dir: &Path) -> Result<RunSummary> {
    if !dir.is_dir() {
        return Err(Error::RunFolder {
            path: dir.to_path_buf(),
            message: "no such folder".into(),
        });
    }
    // Not a run folder: refuse before taking the lock, which would leave a `.lock` file.
    if !dir.join("config.toml").is_file() && !parts::dir(dir).is_dir() {
        return Err(Error::RunFolder {
            path: dir.to_path_buf(),
            message: "not a serlab run folder (no config.toml, no folds/); nothing to merge".into(),
        });
    }
    let mut lock = super::folder::lock_file(dir, ".lock")?;
    let _lock = super::folder::exclusive(&mut lock, dir, "a fold task (or a run)")?;
    let found = parts::read_all(dir)?;
    let Some(first) = found.values().next() else {
        return Err(Error::RunFolder {
            path: dir.to_path_buf(),
            message: format!(
                "no fold part to merge (expected {}); run the folds with `serlab run EXP --fold K --output {}`",
                parts::path(dir, 0).display(),
                dir.display()
            ),
        });
    };
    for (k, part) in &found {
        if let Some(what) =
            parts::header_difference(&first.results, first.folds, &part.results, part.folds)
        {
            return Err(Error::RunFolder {
                path: parts::path(dir, *k),
                message: format!(
                    "fold {k} is from another run than fold {}: its {what} differs",
                    first.index()
                ),
            });
        }
    }
    let missing: Vec<String> = (0..first.folds)
        .filter(|k| !found.contains_key(k))
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::RunFolder {
            path: dir.to_path_buf(),
            message: format!(
                "{} of {} folds are missing: {} (run them with `--fold K`, then merge again)",
                missing.len(),
                first.folds,
                missing.join(", ")
            ),
        });
    }
    if let Some(k) = found.keys().find(|&&k| k >= first.folds) {
        return Err(Error::RunFolder {
            path: parts::path(dir, *k),
            message: format!("fold {k} does not exist in a run of {} folds", first.folds),
        });
    }
    let mut header = first.results.clone();
    header.status = "finished".into();
    let (res, predictions) = parts::assemble(&header, found.values());
    results::write(dir, &res, &predictions)?;
    // The same plots a single run draws after its last fold; a plot that cannot be drawn
    // (a headless machine without fonts, say) does not undo the merge.
    if let Err(e) = crate::plots::write_all(dir) {
        eprintln!("warning: plots not drawn in {}: {e}", dir.display());
    }
    Ok(RunSummary {
        dir: dir.to_path_buf(),
        results: res,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{FoldResult, Prediction, RunResults};
    use crate::runner::parts::FoldPart;
    use std::collections::BTreeMap;

    fn part(k: usize, folds: usize, seed: u64) -> FoldPart {
        let mut results = RunResults {
            serlab_version: "0".into(),
            experiment: "e".into(),
            seed,
            status: "finished".into(),
            error: None,
            resumed: Vec::new(),
            skipped_folds: Vec::new(),
            classes: vec!["a".into(), "b".into()],
            corpus: serde_json::json!({"name": "c"}),
            plugins: Vec::new(),
            systems: vec!["m".into()],
            folds: Vec::new(),
            pooled: BTreeMap::new(),
            fold_mean: BTreeMap::new(),
            per_speaker: BTreeMap::new(),
            metrics: Default::default(),
            warnings: Vec::new(),
        };
        let c = crate::metrics::Confusion::new(&[0, 1], &[0, 0], 2);
        results.folds.push(FoldResult {
            index: k,
            train_speakers: vec![],
            validation_speakers: vec![],
            test_speakers: vec![format!("s{k}")],
            systems: [("m".to_string(), crate::results::Scores::of(&c))].into(),
            failures: BTreeMap::new(),
        });
        let predictions = (0..2)
            .map(|i| Prediction {
                utterance: format!("u{k}{i}"),
                speaker: format!("s{k}"),
                fold: k,
                system: "m".into(),
                label: i,
                probs: vec![0.75, 0.25],
                vad: None,
                vad_pred: None,
            })
            .collect();
        FoldPart {
            folds,
            results,
            predictions,
        }
    }

    #[test]
    fn merge_pools_every_fold_and_refuses_gaps_and_strangers() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Not a run folder: refused without leaving a lock (issue 21).
        assert!(merge(d)
            .unwrap_err()
            .to_string()
            .contains("not a serlab run folder"));
        assert!(!d.join(".lock").exists());
        std::fs::create_dir(parts::dir(d)).unwrap();
        assert!(merge(d).unwrap_err().to_string().contains("no fold part"));
        parts::write(d, &part(2, 3, 1)).unwrap();
        parts::write(d, &part(0, 3, 1)).unwrap();
        let e = merge(d).unwrap_err().to_string();
        assert!(e.contains("1 of 3 folds are missing: 1"), "{e}");
        parts::write(d, &part(1, 3, 9)).unwrap();
        let e = merge(d).unwrap_err().to_string();
        assert!(
            e.contains("fold 1 is from another run") && e.contains("seed"),
            "{e}"
        );
        parts::write(d, &part(1, 3, 1)).unwrap();
        {
            // A fold task still holds the folder (shared): no merge yet.
            let lock = crate::runner::folder::lock_file(d, ".lock").unwrap();
            let _task = lock.try_read().unwrap();
            let e = merge(d).unwrap_err().to_string();
            assert!(e.contains("a fold task (or a run) is still running"), "{e}");
        }
        let s = merge(d).unwrap();
        assert_eq!(s.results.status, "finished");
        assert_eq!(
            s.results.folds.iter().map(|f| f.index).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        // Each fold: one of two right (class 0 always predicted) -> pooled UA 0.5 over 6.
        assert_eq!(s.results.pooled["m"].n, 6);
        assert_eq!(s.results.pooled["m"].ua, 0.5);
        let csv = std::fs::read_to_string(d.join("predictions.csv")).unwrap();
        let folds: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(2).unwrap())
            .collect();
        assert_eq!(folds, ["0", "0", "1", "1", "2", "2"]);
    }
}
