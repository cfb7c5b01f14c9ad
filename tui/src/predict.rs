//! `serlab predict RUN-DIR file.wav`: what a finished run's models say about a new
//! recording — each model's class probabilities (and V/A/D where a model has them), the
//! transcript the text models read, and each fusion's result.
//!
//! A run keeps every fold's fitted models and learnt fusions under `checkpoints/`. There
//! is no model trained on all speakers (training one would need a validation split that no
//! fold defines), so prediction uses the fold models that were evaluated, as an ensemble:
//! every system's probabilities are the mean over the folds where it was fitted; a fusion
//! is applied per fold to that fold's members, then averaged the same way.

use serlab_engine::config::Experiment;
use serlab_engine::plugin::PluginSet;
use serlab_engine::runner::checkpoint;
use serlab_engine::{audio, Error, FeatureInput, Features, Result};
use std::collections::HashMap;
use std::path::Path;

/// What `serlab predict` found out.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Class names, in the run's order.
    pub classes: Vec<String>,
    /// Recording length in seconds.
    pub seconds: f64,
    /// Where the transcript came from and what it is, when a text model needs one.
    pub transcript: Option<Transcript>,
    /// Models, then fusions, in the experiment's order.
    pub systems: Vec<SystemResult>,
    /// Systems that could not give a result, with why.
    pub notes: Vec<String>,
}

/// The text the text models read.
#[derive(Clone, Debug, PartialEq)]
pub struct Transcript {
    /// The words.
    pub text: String,
    /// `given` (on the command line) or the transcriber's name.
    pub source: String,
}

/// One system's prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct SystemResult {
    /// Model or fusion id.
    pub id: String,
    /// True for a fusion.
    pub fused: bool,
    /// Class probabilities, mean over `folds`.
    pub probs: Vec<f32>,
    /// Valence, arousal, dominance (mean over folds), for models that predict them.
    pub vad: Option<[f32; 3]>,
    /// Number of fold models averaged.
    pub folds: usize,
}

/// Options of `serlab predict`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Use this transcript instead of recognising one.
    pub transcript: Option<String>,
}

/// One model's outputs over the folds: probabilities, and V/A/D where it has them.
type FoldOutputs = (Vec<Vec<f32>>, Vec<[f32; 3]>);

fn mean_rows(rows: &[Vec<f32>]) -> Vec<f32> {
    let mut m = vec![0.0f32; rows[0].len()];
    for r in rows {
        m.iter_mut().zip(r).for_each(|(a, b)| *a += b);
    }
    m.iter_mut().for_each(|a| *a /= rows.len() as f32);
    m
}

/// Predict `wav` with the fitted models of the run in `run_dir`.
pub fn predict(run_dir: &Path, wav: &Path, opts: &Options) -> Result<Report> {
    let config = run_dir.join("config.toml");
    let exp = Experiment::from_file(&config)?;
    let classes = serlab_engine::runner::load_results(run_dir)?.classes;
    let folds = checkpoint::folds(run_dir).map_err(|_| Error::Corpus {
        path: run_dir.to_path_buf(),
        message: "no checkpoints/ folder: this run saved no fitted model (runs from before \
                  serlab kept checkpoints cannot predict)"
            .into(),
    })?;
    let plugins = PluginSet::load_default(&exp.meta.plugin_paths);
    let mut notes = Vec::new();
    let seconds = audio::read_mono(wav)?.duration();

    // Features of the recording; the transcript only if a text extractor needs it.
    let mut feats: HashMap<String, Features> = HashMap::new();
    let mut transcript: Option<Transcript> = None;
    for f in &exp.features {
        let params = toml::to_string(&f.params).expect("a TOML table serialises");
        let ex = plugins.extractor(&f.extractor, &params)?;
        if ex.input() == FeatureInput::Transcript {
            if transcript.is_none() {
                match transcribe(&exp, &plugins, wav, opts) {
                    Ok(t) => transcript = Some(t),
                    Err(e) => {
                        notes.push(format!("no transcript, so no text features: {e}"));
                        continue;
                    }
                }
            }
            let t = transcript.as_ref().expect("set above");
            feats.insert(f.id.clone(), ex.extract_text(&t.text)?);
        } else {
            let a = audio::load(wav, ex.info()?.sample_rate)?;
            feats.insert(f.id.clone(), ex.extract(&a)?);
        }
    }
    for m in exp.models.iter().filter(|m| m.feature_sets.len() > 1) {
        let parts: Option<Vec<&Features>> = m.feature_sets.iter().map(|id| feats.get(id)).collect();
        if let Some(parts) = parts {
            feats.insert(m.features.clone(), Features::concat(&parts)?);
        }
    }

    // Every model of every fold; then every fusion of the fold's members.
    let mut per_model: HashMap<&str, FoldOutputs> = HashMap::new();
    let mut per_fusion: HashMap<&str, Vec<Vec<f32>>> = HashMap::new();
    for &k in &folds {
        let mut fold_probs: HashMap<&str, Vec<f32>> = HashMap::new();
        for m in &exp.models {
            let path = checkpoint::path(run_dir, k, &m.id);
            let Some(x) = feats.get(&m.features) else {
                continue;
            };
            if !path.is_file() {
                continue;
            }
            let params = toml::to_string(&m.params).expect("a TOML table serialises");
            let mut model = plugins.model(&m.model, &params)?;
            model.load(&path)?;
            let p = model.predict_proba(&[x])?.remove(0);
            let vad = model.predict_vad(&[x])?.and_then(|mut v| v.pop());
            let e = per_model.entry(m.id.as_str()).or_default();
            e.0.push(p.clone());
            e.1.extend(vad);
            fold_probs.insert(m.id.as_str(), p);
        }
        for f in &exp.fusions {
            // The members fused in this fold: those with a checkpoint, in model order.
            let trained: Vec<&str> = exp
                .models
                .iter()
                .filter(|m| f.members.contains(&m.id))
                .filter(|m| checkpoint::path(run_dir, k, &m.id).is_file())
                .map(|m| m.id.as_str())
                .collect();
            if let Some(missing) = trained.iter().find(|id| !fold_probs.contains_key(*id)) {
                let n = format!("fusion `{}`: member `{missing}` has no prediction", f.id);
                if !notes.contains(&n) {
                    notes.push(n);
                }
                continue;
            }
            if trained.is_empty() {
                continue;
            }
            let members: Vec<Vec<Vec<f32>>> = trained
                .iter()
                .map(|id| vec![fold_probs[id].clone()])
                .collect();
            let params = toml::to_string(&f.params).expect("a TOML table serialises");
            let mut fusion = plugins.fusion(&f.method, &params)?;
            let path = checkpoint::fusion_path(run_dir, k, &f.id);
            if path.is_file() {
                fusion.load(&path)?;
            }
            match fusion.combine(&members) {
                Ok(mut p) => per_fusion
                    .entry(f.id.as_str())
                    .or_default()
                    .push(p.remove(0)),
                Err(e) => notes.push(format!("fusion `{}` (fold {k}): {e}", f.id)),
            }
        }
    }

    let mut systems = Vec::new();
    for m in &exp.models {
        match per_model.get(m.id.as_str()) {
            Some((p, v)) => systems.push(SystemResult {
                id: m.id.clone(),
                fused: false,
                probs: mean_rows(p),
                vad: (!v.is_empty()).then(|| {
                    let m = mean_rows(&v.iter().map(|x| x.to_vec()).collect::<Vec<_>>());
                    [m[0], m[1], m[2]]
                }),
                folds: p.len(),
            }),
            None => notes.push(format!(
                "model `{}`: no fitted fold model could predict",
                m.id
            )),
        }
    }
    for f in &exp.fusions {
        if let Some(p) = per_fusion.get(f.id.as_str()) {
            systems.push(SystemResult {
                id: f.id.clone(),
                fused: true,
                probs: mean_rows(p),
                vad: None,
                folds: p.len(),
            });
        }
    }
    Ok(Report {
        classes,
        seconds,
        transcript,
        systems,
        notes,
    })
}

/// The transcript: given, or recognised by the run's `[transcriber]`, or by `pocketsphinx`
/// with its defaults when the run names none.
fn transcribe(
    exp: &Experiment,
    plugins: &PluginSet,
    wav: &Path,
    opts: &Options,
) -> Result<Transcript> {
    if let Some(t) = &opts.transcript {
        return Ok(Transcript {
            text: t.clone(),
            source: "given".into(),
        });
    }
    let (method, params) = match &exp.transcriber {
        Some(t) => (
            t.method.clone(),
            toml::to_string(&t.params).expect("a TOML table serialises"),
        ),
        None => ("pocketsphinx".to_string(), String::new()),
    };
    let tr = plugins.transcriber(&method, &params).map_err(|e| {
        Error::invalid(format!("{e} (or give the words with --transcript \"...\")"))
    })?;
    let a = audio::load(wav, tr.sample_rate())?;
    Ok(Transcript {
        text: tr.transcribe(&a)?,
        source: method,
    })
}

/// The report as text: one row per system, its probabilities and its top class.
pub fn render(r: &Report, wav: &Path) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "recording: {} ({:.2} s)", wav.display(), r.seconds);
    if let Some(t) = &r.transcript {
        let _ = writeln!(s, "transcript ({}): \"{}\"", t.source, t.text);
    }
    let w = r
        .systems
        .iter()
        .map(|x| x.id.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = write!(s, "{:<w$}", "system");
    for c in &r.classes {
        let c: String = c.chars().take(8).collect();
        let _ = write!(s, " {c:>8}");
    }
    let _ = writeln!(s, "  predicted (folds)");
    for x in &r.systems {
        let _ = write!(s, "{:<w$}", x.id);
        for p in &x.probs {
            let _ = write!(s, " {p:>8.3}");
        }
        let top = serlab_engine::metrics::argmax(&x.probs);
        let kind = if x.fused { ", fused" } else { "" };
        let _ = write!(s, "  {} ({}{kind})", r.classes[top], x.folds);
        if let Some(v) = x.vad {
            let _ = write!(s, "  V/A/D {:.2} {:.2} {:.2}", v[0], v[1], v[2]);
        }
        let _ = writeln!(s);
    }
    for n in &r.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}
