//! [`Predictor`]: a finished run loaded once — its extractors, transcriber, and
//! `replicas` copies of every fold model and fusion — answering any number of recordings.

use super::replica::{Pool, Replica};
use super::speakers::{Enrolment, Sets, Statistics};
use super::Transcript;
use super::{mean_rows, FusionInfo, ModelInfo, PluginInfo, Report, RunInfo, SystemResult};
use crate::cache::ConfiguredExtractor;
use crate::config::Experiment;
use crate::events::NullSink;
use crate::features::FeatureInput;
use crate::plugin::loader::Hosted;
use crate::plugin::PluginSet;
use crate::runner::components::params_text;
use crate::runner::systems::FusionState;
use crate::runner::{checkpoint, extract, load_results, systems};
use crate::{audio, Audio, Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// Rows of numbers, one per fold model.
type Rows = Vec<Vec<f32>>;

/// One recording to predict.
#[derive(Clone, Copy, Debug, Default)]
pub struct Request<'a> {
    /// What to call the recording in messages (a file stem, `request body`).
    pub name: &'a str,
    /// The words spoken, instead of recognising them.
    pub transcript: Option<&'a str>,
    /// The speaker: speaker-normalised models use (and extend) this speaker's enrolment.
    pub speaker: Option<&'a str>,
}

/// A run loaded for prediction.
pub struct Predictor {
    exp: Experiment,
    info: RunInfo,
    extractors: Vec<ConfiguredExtractor>,
    /// The recogniser, or why there is none; `None` when no model reads text.
    transcriber: Option<std::result::Result<Hosted<dyn crate::Transcriber>, String>>,
    speaker_normalised: Vec<bool>,
    pool: Pool,
    /// Per-speaker statistics for speaker-normalised models.
    pub enrolment: Enrolment,
    /// Which folds were left out because they did not finish (a killed run), if any.
    fold_note: Option<String>,
    // Last: the libraries stay loaded while the objects above are dropped.
    plugins: PluginSet,
}

impl Predictor {
    /// Load the run in `run_dir` with `replicas` copies of its fold models (at least one).
    pub fn load(run_dir: &Path, replicas: usize) -> Result<Predictor> {
        let exp = Experiment::from_file(&run_dir.join("config.toml"))?;
        let results = load_results(run_dir)?;
        // Only finished folds: a killed run's half-trained fold is never averaged in.
        let (folds, fold_note) = crate::runner::parts::predictable_folds(run_dir, &results)?;
        let plugins = PluginSet::load_default(&exp.meta.plugin_paths);
        let extractors = exp
            .features
            .iter()
            .map(|f| ConfiguredExtractor::new(&plugins, f))
            .collect::<Result<Vec<_>>>()?;
        let reads_text = extractors
            .iter()
            .any(|c| c.extractor.input() == FeatureInput::Transcript);
        let transcriber = reads_text.then(|| {
            let (method, params) = match &exp.transcriber {
                Some(t) => (t.method.clone(), params_text(&t.params)),
                None => ("pocketsphinx".to_string(), String::new()),
            };
            plugins
                .transcriber(&method, &params)
                .map_err(|e| e.to_string())
        });
        let replicas = (0..replicas.max(1))
            .map(|_| Replica::load(&exp, &plugins, run_dir, &folds))
            .collect::<Result<Vec<_>>>()?;
        let speaker_normalised: Vec<bool> = exp
            .models
            .iter()
            .map(|m| m.params.get("normalize").and_then(|v| v.as_str()) == Some("speaker"))
            .collect();
        let loaded = |i: usize| {
            replicas[0]
                .folds
                .iter()
                .filter(|f| f.models.iter().any(|(j, _)| *j == i))
                .count()
        };
        let info = RunInfo {
            run_id: run_id(run_dir, &exp.meta.name),
            run_dir: run_dir.to_path_buf(),
            experiment: exp.meta.name.clone(),
            classes: results.classes.clone(),
            folds: folds.clone(),
            models: exp
                .models
                .iter()
                .enumerate()
                .map(|(i, m)| ModelInfo {
                    id: m.id.clone(),
                    model: m.model.clone(),
                    features: m.features.clone(),
                    speaker_normalised: speaker_normalised[i],
                    folds: loaded(i),
                })
                .collect(),
            fusions: exp
                .fusions
                .iter()
                .map(|f| FusionInfo {
                    id: f.id.clone(),
                    method: f.method.clone(),
                    members: f.members.clone(),
                })
                .collect(),
            transcriber: reads_text.then(|| {
                exp.transcriber
                    .as_ref()
                    .map_or("pocketsphinx".to_string(), |t| t.method.clone())
            }),
            serlab_version: env!("CARGO_PKG_VERSION").to_string(),
            run_serlab_version: results.serlab_version.clone(),
            plugins: plugins
                .plugins
                .iter()
                .map(|p| PluginInfo {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    path: p.path.clone(),
                })
                .collect(),
            replicas: replicas.len(),
        };
        Ok(Predictor {
            exp,
            info,
            extractors,
            transcriber,
            speaker_normalised,
            pool: Pool::new(replicas),
            enrolment: Enrolment::default(),
            fold_note,
            plugins,
        })
    }

    /// What is loaded.
    pub fn info(&self) -> &RunInfo {
        &self.info
    }

    /// Class names.
    pub fn classes(&self) -> &[String] {
        &self.info.classes
    }

    /// Number of predictions that can run at once (one per replica).
    pub fn replicas(&self) -> usize {
        self.pool.size()
    }

    /// Predict one recording (mono, any rate). With `req.speaker`, speaker-normalised
    /// models standardise it together with the speaker's enrolled recordings, and it is
    /// enrolled afterwards.
    pub fn predict(&self, audio: &Audio, req: &Request<'_>) -> Result<Report> {
        let name = Path::new(req.name);
        audio::check(name, &audio.samples)?;
        let mut notes: Vec<String> = self.fold_note.iter().cloned().collect();
        let (feats, transcript) = self.features(audio, req, &mut notes)?;
        let history = req
            .speaker
            .filter(|_| self.speaker_normalised.contains(&true))
            .map(|s| self.enrolment.history(s))
            .unwrap_or_default();
        let systems = self
            .pool
            .with(|r| self.systems(r, &feats, &history, req.speaker, &mut notes))?;
        if let Some(s) = req
            .speaker
            .filter(|_| self.speaker_normalised.contains(&true))
        {
            let keep: Sets = feats
                .iter()
                .filter(|(k, _)| {
                    self.exp
                        .models
                        .iter()
                        .zip(&self.speaker_normalised)
                        .any(|(m, sn)| *sn && &m.features == *k)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            self.enrolment.enrol(s, keep);
        }
        Ok(Report {
            classes: self.info.classes.clone(),
            seconds: audio.duration(),
            transcript,
            systems,
            notes,
        })
    }

    /// Every feature set of the recording, text sets when a transcript can be had (else a
    /// note), and the early-fusion sets.
    fn features(
        &self,
        a: &Audio,
        req: &Request<'_>,
        notes: &mut Vec<String>,
    ) -> Result<(Sets, Option<Transcript>)> {
        let name = Path::new(req.name);
        let mut by_rate: HashMap<u32, Audio> = HashMap::new();
        let mut m = Sets::new();
        for c in self
            .extractors
            .iter()
            .filter(|c| c.extractor.input() == FeatureInput::Audio)
        {
            let rate = c.info.sample_rate;
            let at_rate = match by_rate.entry(rate) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(audio::resample(a.clone(), rate, name)?)
                }
            };
            let f = c.extractor.extract(at_rate).map_err(|e| Error::Audio {
                path: name.to_path_buf(),
                reason: format!("feature set `{}`: {e}", c.id),
            })?;
            m.insert(c.id.clone(), f);
        }
        let transcript = match &self.transcriber {
            None => None,
            Some(_) if req.transcript.is_some() => Some(Transcript {
                text: req.transcript.unwrap_or_default().to_string(),
                source: "given".into(),
            }),
            Some(Err(why)) => {
                notes.push(format!(
                    "no transcript, so no text features: {why} (or give the words spoken)"
                ));
                None
            }
            Some(Ok(tr)) => {
                let heard = audio::resample(a.clone(), tr.sample_rate(), name)
                    .and_then(|x| tr.transcribe(&x));
                match heard {
                    Ok(text) => Some(Transcript {
                        text,
                        source: self.info.transcriber.clone().unwrap_or_default(),
                    }),
                    Err(e) => {
                        notes.push(format!("no transcript, so no text features: {e}"));
                        None
                    }
                }
            }
        };
        if let Some(t) = &transcript {
            for c in self
                .extractors
                .iter()
                .filter(|c| c.extractor.input() == FeatureInput::Transcript)
            {
                let f = c.extractor.extract_text(&t.text).map_err(|e| {
                    Error::invalid(format!("transcript, feature set `{}`: {e}", c.id))
                })?;
                m.insert(c.id.clone(), f);
            }
        }
        extract::concatenate_feature_sets(&self.exp, req.name, &mut m)?;
        Ok((m, transcript))
    }

    /// Every model of every fold, then every fusion of the fold's members, averaged.
    fn systems(
        &self,
        r: &Replica,
        feats: &Sets,
        history: &[Sets],
        speaker: Option<&str>,
        notes: &mut Vec<String>,
    ) -> Result<Vec<SystemResult>> {
        let k = self.info.classes.len();
        let n_models = self.exp.models.len();
        // Per model: its fold rows of probabilities, and of V/A/D.
        let mut per_model: Vec<(Rows, Rows)> = vec![Default::default(); n_models];
        let mut per_fusion: Vec<Vec<Vec<f32>>> = vec![Vec::new(); self.exp.fusions.len()];
        let mut stats: Vec<Option<Statistics>> = vec![None; n_models];
        for fold in &r.folds {
            let mut fold_probs: HashMap<usize, Vec<f32>> = HashMap::new();
            for (i, model) in &fold.models {
                let spec = &self.exp.models[*i];
                let Some(x) = feats.get(&spec.features) else {
                    continue;
                };
                let (p, vad, st) = match speaker.filter(|_| self.speaker_normalised[*i]) {
                    Some(s) => {
                        let mut xs: Vec<&crate::Features> = history
                            .iter()
                            .filter_map(|h| h.get(&spec.features))
                            .collect();
                        xs.push(x);
                        let sp = vec![s; xs.len()];
                        let (mut p, mut v) =
                            systems::model_outputs(&spec.id, &**model, &xs, Some(&sp), k)?;
                        let st = Statistics::Speaker {
                            speaker: s.to_string(),
                            utterances: xs.len(),
                        };
                        (p.pop(), v.as_mut().and_then(Vec::pop), st)
                    }
                    None => {
                        let (mut p, mut v) =
                            systems::model_outputs(&spec.id, &**model, &[x], None, k)?;
                        let st = if self.speaker_normalised[*i] {
                            Statistics::Utterance
                        } else {
                            Statistics::Model
                        };
                        (p.pop(), v.as_mut().and_then(Vec::pop), st)
                    }
                };
                let Some(p) = p else { continue };
                per_model[*i].0.push(p.clone());
                per_model[*i].1.extend(vad.map(|v| v.to_vec()));
                stats[*i] = Some(st);
                fold_probs.insert(*i, p);
            }
            for (fi, members) in &fold.fusions {
                let spec = &self.exp.fusions[*fi];
                if let Some(j) = members.iter().find(|j| !fold_probs.contains_key(j)) {
                    let n = format!(
                        "fusion `{}`: member `{}` has no prediction",
                        spec.id, self.exp.models[*j].id
                    );
                    if !notes.contains(&n) {
                        notes.push(n);
                    }
                    continue;
                }
                let input: Vec<Vec<Vec<f32>>> = members
                    .iter()
                    .map(|j| vec![fold_probs[j].clone()])
                    .collect();
                let saved = checkpoint::fusion_path(&self.info.run_dir, fold.fold, &spec.id);
                let state = FusionState::Restore(&saved);
                match systems::fuse(&self.plugins, spec, state, &input, k, &mut NullSink) {
                    Ok(mut p) => per_fusion[*fi].push(p.remove(0)),
                    Err(e) => notes.push(format!("fusion `{}` (fold {}): {e}", spec.id, fold.fold)),
                }
            }
        }
        let mut out = Vec::new();
        for (i, m) in self.exp.models.iter().enumerate() {
            let (p, v) = &per_model[i];
            if p.is_empty() {
                notes.push(format!(
                    "model `{}`: no fitted fold model could predict",
                    m.id
                ));
                continue;
            }
            if stats[i] == Some(Statistics::Utterance) {
                notes.push(format!(
                    "model `{}` normalises features per speaker; no speaker id was given, so \
                     the recording was standardised by its own statistics (give a speaker id \
                     to enrol the speaker's recordings)",
                    m.id
                ));
            }
            out.push(SystemResult {
                id: m.id.clone(),
                fused: false,
                probs: mean_rows(p),
                vad: (!v.is_empty()).then(|| {
                    let m = mean_rows(v);
                    [m[0], m[1], m[2]]
                }),
                folds: p.len(),
                statistics: stats[i].clone(),
            });
        }
        for (fi, f) in self.exp.fusions.iter().enumerate() {
            let p = &per_fusion[fi];
            if !p.is_empty() {
                out.push(SystemResult {
                    id: f.id.clone(),
                    fused: true,
                    probs: mean_rows(p),
                    vad: None,
                    folds: p.len(),
                    statistics: None,
                });
            }
        }
        Ok(out)
    }
}

/// `<experiment>/<run folder name>`: the run folder's own name is its timestamp or `--id`.
fn run_id(run_dir: &Path, experiment: &str) -> String {
    let dir = run_dir
        .canonicalize()
        .unwrap_or_else(|_| run_dir.to_path_buf());
    let leaf = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{experiment}/{leaf}")
}
