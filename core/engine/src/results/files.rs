//! The files of a run folder as bytes: `results.json` and `predictions.csv` (see the
//! parent module for their keys and columns), always written atomically (temporary file +
//! rename) so a reader never sees half a file and a killed run never leaves one.

use super::{Prediction, RunResults};
use crate::{Error, Result};
use std::path::Path;

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

/// Record in `dir/results.json` that a signal stopped the run: status `interrupted`, and the
/// signal in `error`. The run itself stopped through its stop handle, so the folder is the
/// consistent, resumable folder of a stopped run; only the record of why changes.
pub fn mark_interrupted(dir: &Path, signal: &str) -> Result<()> {
    let path = dir.join("results.json");
    let text = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let mut res: RunResults = serde_json::from_slice(&text).map_err(|e| Error::RunFolder {
        path: path.clone(),
        message: format!("not a serlab results file: {e}"),
    })?;
    res.status = "interrupted".into();
    res.error = Some(format!("interrupted by {signal}"));
    let json = serde_json::to_vec_pretty(&res).expect("results are serialisable");
    write_atomic(&path, &json)
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
