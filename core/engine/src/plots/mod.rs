//! PNG plots of a run folder: the pooled confusion matrix of every system, the UA of every
//! test speaker, and the loss curves of every model that logged epochs.
//!
//! They live in the engine, not in serlab-api: the API is linked into every plugin, and
//! plotters with a compiled-in font is a presentation concern no plugin should carry. The
//! engine draws them so every front end's run folder has them (see `runner/writer.rs`).
//! Plotters is built without default features, with its bitmap backend, PNG encoder and
//! `ab_glyph` text rendering, and the font comes from the `dejavu` crate, so drawing needs
//! no system font, fontconfig or C library.

pub mod confusion;
pub mod draw;
pub mod font;
pub mod losses;
pub mod speakers;

use crate::epochs::{self, EpochRow};
use crate::results::RunResults;
use crate::runner::load_results;
use crate::Result;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// File name of the confusion heat-map of `system`.
pub fn confusion_file(system: &str) -> String {
    format!("confusion-{}.png", file_safe(system))
}

/// File name of the loss curves of `model`.
pub fn losses_file(model: &str) -> String {
    format!("losses-{}.png", file_safe(model))
}

/// File name of the per-speaker bars.
pub const SPEAKERS_FILE: &str = "speakers.png";

/// Draw every plot of the run folder `dir` from its `results.json` and `epochs.csv`.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>> {
    let r = load_results(dir)?;
    let e = epochs::read(dir)?;
    write(dir, &r, &e)
}

/// Draw every plot of `r` (and of the epoch log `epochs`) into `dir`; returns the files.
pub fn write(dir: &Path, r: &RunResults, epochs: &[EpochRow]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let folds = r.folds.len();
    for sys in &r.systems {
        let Some(p) = r.pooled.get(sys) else { continue };
        let path = dir.join(confusion_file(sys));
        let ci = p
            .ua_ci
            .as_ref()
            .map(|c| format!(" [{:.3}, {:.3}]", c.low, c.high))
            .unwrap_or_default();
        confusion::draw(
            &path,
            &format!("{} · {sys}: confusion matrix, pooled over {folds} folds", r.experiment),
            &format!(
                "UA {:.3}{ci} · WA {:.3} · macro-F1 {:.3} · {} utterances · cells: count, % of the row",
                p.ua, p.wa, p.macro_f1, p.n
            ),
            &r.classes,
            &p.confusion,
        )?;
        out.push(path);
    }
    let systems: Vec<String> = r
        .systems
        .iter()
        .filter(|s| r.per_speaker.contains_key(*s))
        .cloned()
        .collect();
    let speakers: BTreeSet<&String> = r.per_speaker.values().flat_map(|m| m.keys()).collect();
    if !speakers.is_empty() {
        let speakers: Vec<String> = speakers.into_iter().cloned().collect();
        let ua: Vec<Vec<Option<f64>>> = systems
            .iter()
            .map(|s| {
                speakers
                    .iter()
                    .map(|k| r.per_speaker[s].get(k).map(|x| x.ua))
                    .collect()
            })
            .collect();
        let path = dir.join(SPEAKERS_FILE);
        speakers::draw(
            &path,
            &format!("{}: UA per test speaker", r.experiment),
            &systems,
            &speakers,
            &ua,
            1.0 / r.classes.len().max(1) as f64,
        )?;
        out.push(path);
    }
    let models: BTreeSet<&str> = epochs.iter().map(|e| e.model.as_str()).collect();
    for m in models {
        let rows: Vec<EpochRow> = epochs.iter().filter(|e| e.model == m).cloned().collect();
        let path = dir.join(losses_file(m));
        losses::draw(
            &path,
            &format!("{} · {m}: loss per epoch", r.experiment),
            &rows,
        )?;
        out.push(path);
    }
    Ok(out)
}

/// A system id as a file-name part (ids are free text in TOML).
fn file_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Confusion, MetricsConfig};
    use crate::results::{FoldResult, Prediction, Scores};
    use std::collections::BTreeMap;

    /// A run of 3 classes, 2 systems, 3 speakers (one fold each), with known predictions:
    /// system `good` gets everything right, `bad` predicts class 0 for everything.
    pub(crate) fn sample() -> (RunResults, Vec<Prediction>, Vec<EpochRow>) {
        let classes: Vec<String> = ["neutral", "happiness", "anger"].map(String::from).to_vec();
        let mut preds = Vec::new();
        let mut folds = Vec::new();
        for (f, spk) in ["s1", "s2", "s3"].iter().enumerate() {
            let mut systems = BTreeMap::new();
            for sys in ["good", "bad"] {
                let (mut t, mut g) = (Vec::new(), Vec::new());
                for i in 0..9 {
                    let label = i % 3;
                    let guess = if sys == "good" { label } else { 0 };
                    let mut probs = vec![0.1f32; 3];
                    probs[guess] = 0.8;
                    preds.push(Prediction {
                        utterance: format!("{spk}-{i}"),
                        speaker: spk.to_string(),
                        fold: f,
                        system: sys.into(),
                        label,
                        probs,
                        vad: None,
                        vad_pred: None,
                    });
                    t.push(label);
                    g.push(guess);
                }
                systems.insert(sys.to_string(), Scores::of(&Confusion::new(&t, &g, 3)));
            }
            folds.push(FoldResult {
                index: f,
                train_speakers: vec![],
                validation_speakers: vec![],
                test_speakers: vec![spk.to_string()],
                systems,
                failures: BTreeMap::new(),
            });
        }
        let mut r = RunResults {
            serlab_version: "0.1.0".into(),
            experiment: "sample".into(),
            seed: 1,
            status: "finished".into(),
            error: None,
            resumed: Vec::new(),
            skipped_folds: Vec::new(),
            classes,
            corpus: serde_json::json!({"name": "sample", "utterances": 27, "skipped": []}),
            plugins: vec![],
            systems: vec!["good".into(), "bad".into()],
            folds,
            pooled: BTreeMap::new(),
            fold_mean: BTreeMap::new(),
            per_speaker: BTreeMap::new(),
            metrics: MetricsConfig::default(),
            warnings: Vec::new(),
        };
        r.summarise(&preds);
        let epochs = (0..3)
            .flat_map(|fold| {
                (0..20).map(move |e| EpochRow {
                    fold,
                    model: "good".into(),
                    epoch: e,
                    train_loss: 1.2 / (1.0 + e as f64 * 0.3) + fold as f64 * 0.05,
                    valid_loss: Some(
                        1.3 / (1.0 + e as f64 * 0.2) + (e as f64 - 12.0).max(0.0) * 0.02,
                    ),
                    valid_ua: None,
                    valid_wa: None,
                    lr: None,
                    valid_confusion: None,
                })
            })
            .collect();
        (r, preds, epochs)
    }

    fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
        let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        (info.width, info.height, buf)
    }

    fn pixel(img: &(u32, u32, Vec<u8>), x: i32, y: i32) -> (u8, u8, u8) {
        let i = (y as usize * img.0 as usize + x as usize) * 3;
        (img.2[i], img.2[i + 1], img.2[i + 2])
    }

    #[test]
    fn plots_are_written_and_show_the_numbers() {
        let (r, _, epochs) = sample();
        // SERLAB_KEEP_PLOTS=<folder> keeps the images for a look.
        let tmp = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("SERLAB_KEEP_PLOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| tmp.path().to_path_buf());
        std::fs::create_dir_all(&dir).unwrap();
        let files = write(&dir, &r, &epochs).unwrap();
        let names: Vec<&str> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "confusion-good.png",
                "confusion-bad.png",
                "speakers.png",
                "losses-good.png"
            ]
        );
        // Heat-map of `bad`: column 0 is 100% of every row (darkest), the rest 0% (lightest).
        let l = confusion::Layout::new(3);
        let img = decode(&dir.join("confusion-bad.png"));
        assert_eq!((img.0, img.1), (l.width, l.height));
        let corner = |r, c| {
            let (x, y) = l.center(r, c);
            pixel(&img, x - l.cell / 2 + 3, y - l.cell / 2 + 3)
        };
        assert_eq!(
            corner(1, 0),
            (8, 48, 107),
            "a full row share is the darkest shade"
        );
        assert_eq!(
            corner(1, 1),
            (247, 251, 255),
            "an empty cell is the lightest shade"
        );
        // Bars: `good` reaches UA 1 for every speaker, `bad` 1/3.
        let sl = speakers::Layout::new(3, 2);
        let img = decode(&dir.join("speakers.png"));
        let inside = |spk, sys, ua: f64| pixel(&img, sl.x(spk, sys) + 3, sl.y(ua) + 3);
        assert_eq!(
            inside(0, 0, 0.95),
            (31, 119, 180),
            "good's bar reaches near 1"
        );
        assert_eq!(inside(2, 1, 0.3), (255, 127, 14), "bad's bar reaches 1/3");
        assert_eq!(inside(2, 1, 0.6), (255, 255, 255), "and no higher");
        // Loss curves: a validation panel (wide image) exists.
        let img = decode(&dir.join("losses-good.png"));
        assert_eq!(img.0, 1100);
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(confusion_file("a b/c"), "confusion-a_b_c.png");
    }
}
