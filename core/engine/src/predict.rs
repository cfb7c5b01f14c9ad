//! What a finished run's models say about a new recording (`serlab predict RUN-DIR file.wav`)
//! — each model's class probabilities (and V/A/D where a model has them), the transcript
//! the text models read, and each fusion's result.
//!
//! This is the run's own pipeline applied to one utterance: the recording's features come
//! from the runner's extraction (early fusion included), each fold model is asked through
//! the same [`systems`] code a fold uses, and each fusion is the fold's fitted fusion,
//! restored from its checkpoint. Nothing here extracts or fuses on its own.
//!
//! A run keeps every fold's fitted models and learnt fusions under `checkpoints/`. There
//! is no model trained on all speakers (training one would need a validation split that no
//! fold defines), so prediction uses the fold models that were evaluated, as an ensemble:
//! every system's probabilities are the mean over the folds where it was fitted; a fusion
//! is applied per fold to that fold's members, then averaged the same way.

use crate::cache::ConfiguredExtractor;
use crate::config::Experiment;
use crate::events::NullSink;
use crate::features::FeatureInput;
use crate::plugin::PluginSet;
use crate::runner::components::params_text;
use crate::runner::systems::{self, FusionState, Probs};
use crate::runner::{checkpoint, extract, load_results, RunOptions};
use crate::{audio, Error, Features, Result, Utterance};
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

/// Predict `wav` with the fitted models of the run in `run_dir`.
pub fn predict(run_dir: &Path, wav: &Path, opts: &Options) -> Result<Report> {
    let exp = Experiment::from_file(&run_dir.join("config.toml"))?;
    let results = load_results(run_dir)?;
    // Only finished folds: a killed run's half-trained fold is never averaged in (issue 21).
    let (folds, note) = crate::runner::parts::predictable_folds(run_dir, &results)?;
    let classes = results.classes;
    let plugins = PluginSet::load_default(&exp.meta.plugin_paths);
    let mut notes: Vec<String> = note.into_iter().collect();
    let seconds = audio::read_mono(wav)?.duration();
    let (feats, transcript) = recording_features(&exp, &plugins, wav, opts, &mut notes)?;

    // Every model of every fold; then every fusion of the fold's members.
    let k_classes = classes.len();
    let mut per_model: HashMap<&str, (Probs, Vec<[f32; 3]>)> = HashMap::new();
    let mut per_fusion: HashMap<&str, Probs> = HashMap::new();
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
            let mut model = plugins.model(&m.model, &params_text(&m.params))?;
            model.load(&path)?;
            let (mut p, vad) = systems::model_outputs(&m.id, &*model, &[x], None, k_classes)?;
            let p = p.remove(0);
            let e = per_model.entry(m.id.as_str()).or_default();
            e.0.push(p.clone());
            e.1.extend(vad.and_then(|mut v| v.pop()));
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
            let members: Vec<Probs> = trained
                .iter()
                .map(|id| vec![fold_probs[id].clone()])
                .collect();
            let saved = checkpoint::fusion_path(run_dir, k, &f.id);
            let state = FusionState::Restore(&saved);
            match systems::fuse(&plugins, f, state, &members, k_classes, &mut NullSink) {
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

fn mean_rows(rows: &[Vec<f32>]) -> Vec<f32> {
    let mut m = vec![0.0f32; rows[0].len()];
    for r in rows {
        m.iter_mut().zip(r).for_each(|(a, b)| *a += b);
    }
    m.iter_mut().for_each(|a| *a /= rows.len() as f32);
    m
}

/// The recording's features, by the runner's own extraction: every audio feature set, the
/// text sets when a transcript can be had (else a note), and the early-fusion sets.
fn recording_features(
    exp: &Experiment,
    plugins: &PluginSet,
    wav: &Path,
    opts: &Options,
    notes: &mut Vec<String>,
) -> Result<(HashMap<String, Features>, Option<Transcript>)> {
    let mut extractors = Vec::new();
    for f in &exp.features {
        extractors.push(ConfiguredExtractor::new(plugins, f)?);
    }
    let mut transcript = None;
    if extractors
        .iter()
        .any(|c| c.extractor.input() == FeatureInput::Transcript)
    {
        match transcribe(exp, plugins, wav, opts) {
            Ok(t) => transcript = Some(t),
            Err(e) => {
                notes.push(format!("no transcript, so no text features: {e}"));
                extractors.retain(|c| c.extractor.input() != FeatureInput::Transcript);
            }
        }
    }
    let id = wav
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording".into());
    let u = Utterance {
        id: id.clone(),
        audio: wav.to_path_buf(),
        speaker: "unknown".into(),
        session: None,
        gender: None,
        intensity: None,
        label: String::new(),
        vad: None,
        transcript: transcript.as_ref().map(|t: &Transcript| t.text.clone()),
        split: None,
    };
    // The transcript is settled above, so no transcriber is handed down: the one given
    // wins even when the run's `[transcriber]` says `when = "always"`.
    let mut feats =
        extract::utterance_features(exp, &u, &extractors, None, &RunOptions::default())?;
    extract::concatenate_feature_sets(exp, &id, &mut feats)?;
    Ok((feats, transcript))
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
        Some(t) => (t.method.clone(), params_text(&t.params)),
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
