//! Experiment files: raw TOML → validated [`Experiment`], in stages.
//!
//! 1. The text is parsed into `toml`'s spanned tree ([`origin`]): a syntax error, or a
//!    duplicate table, is reported with its line and column.
//! 2. The fixed sections (`[experiment]`, `[corpus]`, `[protocol]`, `[metrics]`,
//!    `[augmentation]`) are deserialised with serde; serde's messages are rewritten in TOML
//!    words with the closest valid name ([`messages`]) and placed at `file:line:column`.
//! 3. Component tables (`[features.<id>]`, `[models.<id>]`, `[fusion]`) are checked for
//!    their own keys and cross-references (a model's feature set, the fusion's members).
//! 4. Once plugins are loaded, [`Experiment::bind_plugins`] ([`bind`]) checks component
//!    names and every parameter against the plugin that owns it, with the same placement
//!    and suggestions, and hands `[augmentation]` to the models that take it.
//!
//! Every message has the shape `file:line:column: dotted.key: what was expected`.
//! `${VAR:-default}` is expanded in paths. The schema is documented in
//! `experiments/README.md`.

pub mod bind;
pub mod messages;
pub mod origin;

use crate::augment::Augmentation;
use crate::corpus::CorpusConfig;
use crate::metrics::MetricsConfig;
use crate::protocol::{ProtocolConfig, ProtocolKind};
use crate::{Error, Result};
use messages::{readable, unknown_name};
pub use origin::Origin;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `[experiment]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentMeta {
    /// Name; the run folder is `<output>/<name>/<timestamp>`.
    pub name: String,
    /// Seed for folds, models and everything random.
    #[serde(default)]
    pub seed: u64,
    /// Root folder for runs (and generated corpora).
    #[serde(default = "default_output")]
    pub output: PathBuf,
    /// Extra plugin folders or library files.
    #[serde(default)]
    pub plugin_paths: Vec<PathBuf>,
    /// Stop at the first unusable file or failing model instead of skipping it.
    #[serde(default)]
    pub fail_fast: bool,
    /// Feature cache folder (default `<output>/.cache`); see [`ExperimentMeta::cache_dir`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<PathBuf>,
}

impl ExperimentMeta {
    /// The feature cache folder: `cache` if given, else `<output>/.cache`.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache
            .clone()
            .unwrap_or_else(|| self.output.join(".cache"))
    }
}

fn default_output() -> PathBuf {
    PathBuf::from("runs")
}

/// A `[features.<id>]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSpec {
    /// Id used by models' `features = "<id>"`.
    pub id: String,
    /// Extractor component name.
    pub extractor: String,
    /// The remaining keys: the extractor's parameters.
    pub params: toml::Table,
}

/// A `[models.<id>]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Id used in results and by fusion `members`.
    pub id: String,
    /// Model component name.
    pub model: String,
    /// Id of the feature set it consumes; for early fusion (`features = ["a", "b"]`) the
    /// ids joined by `+` (`a+b`), the key of their per-utterance concatenation.
    pub features: String,
    /// The feature set ids it consumes: one, or several concatenated (early fusion, see
    /// [`crate::Features::concat`]).
    pub feature_sets: Vec<String>,
    /// The remaining keys: the model's parameters.
    pub params: toml::Table,
}

/// A fusion: the `[fusion]` table, or one `[fusion.<id>]` table of several.
#[derive(Clone, Debug, PartialEq)]
pub struct FusionSpec {
    /// Id of the fused system in results (default `fusion`).
    pub id: String,
    /// Fusion component name.
    pub method: String,
    /// Member model ids (default: all models).
    pub members: Vec<String>,
    /// The remaining keys: the fusion's parameters.
    pub params: toml::Table,
}

/// A validated experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// The file it came from.
    pub file: PathBuf,
    /// `[experiment]`.
    pub meta: ExperimentMeta,
    /// `[corpus]`.
    pub corpus: CorpusConfig,
    /// `[protocol]`.
    pub protocol: ProtocolConfig,
    /// `[features.*]`, in file order.
    pub features: Vec<FeatureSpec>,
    /// `[models.*]`, in file order.
    pub models: Vec<ModelSpec>,
    /// `[fusion]` (one) or `[fusion.<id>]` tables (several), in file order.
    pub fusions: Vec<FusionSpec>,
    /// `[transcriber]`, if any: speech-to-text for utterances without a transcript.
    pub transcriber: Option<TranscriberSpec>,
    /// `[metrics]` (every key defaulted).
    pub metrics: MetricsConfig,
    /// `[augmentation]`, if any; handed to the models that take it by
    /// [`Experiment::bind_plugins`].
    pub augmentation: Option<Augmentation>,
    /// Where each key is written, for messages from later checks.
    pub origin: Origin,
}

/// The `[transcriber]` table: which speech recogniser gives transcripts to text features.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriberSpec {
    /// Transcriber component name (`pocketsphinx`).
    pub method: String,
    /// When to transcribe.
    pub when: TranscribeWhen,
    /// The remaining keys: the transcriber's parameters.
    pub params: toml::Table,
}

/// When the transcriber is used (`when` in `[transcriber]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranscribeWhen {
    /// Only for utterances the corpus gives no transcript for.
    #[default]
    Missing,
    /// For every utterance (evaluates a text model on recognised, not reference, text).
    Always,
}

impl TranscribeWhen {
    /// The name written in TOML.
    pub fn name(self) -> &'static str {
        match self {
            TranscribeWhen::Missing => "missing",
            TranscribeWhen::Always => "always",
        }
    }
}

/// The top-level tables an experiment may have.
pub const SECTIONS: [&str; 9] = [
    "experiment",
    "corpus",
    "protocol",
    "features",
    "models",
    "fusion",
    "transcriber",
    "metrics",
    "augmentation",
];

pub use serlab_api::env::expand_env;

impl Experiment {
    /// Read and validate an experiment file.
    pub fn from_file(path: &Path) -> Result<Experiment> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Experiment::from_str(&text, path)
    }

    /// Validate experiment text; `path` is used in messages.
    pub fn from_str(text: &str, path: &Path) -> Result<Experiment> {
        let origin = Origin::parse(&path.display().to_string(), text)?;
        let o = &origin;
        let mut root: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| serde_error(o, &e))?;
        for key in root.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                return Err(o.key_error(key, unknown_name("section", key, &SECTIONS)));
            }
        }
        let raw: RawSections = toml::from_str(text).map_err(|e| serde_error(o, &e))?;
        let mut meta = raw.experiment.ok_or_else(|| {
            o.error_at(
                None,
                "experiment",
                "missing [experiment] table (with at least `name`)".into(),
            )
        })?;
        if meta.name.trim().is_empty() || meta.name.contains(['/', '\\']) || meta.name == ".." {
            return Err(o.value_error(
                "experiment.name",
                format!(
                    "expected a non-empty name without `/` (it names the run folder), found {:?}",
                    meta.name
                ),
            ));
        }
        let mut corpus = raw.corpus.ok_or_else(|| {
            o.error_at(
                None,
                "corpus",
                "missing [corpus] table (with `kind`: synthetic, emodb, ravdess or iemocap)".into(),
            )
        })?;
        let protocol = raw.protocol.unwrap_or_default();
        check_protocol(o, &protocol)?;
        let metrics = raw.metrics.unwrap_or_default();
        if let Some((key, m)) = metrics.check() {
            return Err(o.value_error(&format!("metrics.{key}"), m));
        }
        if let Some((key, m)) = raw.augmentation.as_ref().and_then(Augmentation::check) {
            return Err(o.value_error(&format!("augmentation.{key}"), m));
        }
        let expand = |key: &str, p: &mut PathBuf| -> Result<()> {
            *p =
                PathBuf::from(expand_env(&p.to_string_lossy()).map_err(|m| o.value_error(key, m))?);
            Ok(())
        };
        expand("experiment.output", &mut meta.output)?;
        if let Some(p) = &mut meta.cache {
            expand("experiment.cache", p)?;
        }
        for (i, p) in meta.plugin_paths.iter_mut().enumerate() {
            expand(&format!("experiment.plugin_paths[{i}]"), p)?;
        }
        match &mut corpus {
            CorpusConfig::Emodb { path, .. }
            | CorpusConfig::Ravdess { path, .. }
            | CorpusConfig::Iemocap { path, .. }
            | CorpusConfig::Meld { path, .. }
            | CorpusConfig::Manifest { path, .. } => expand("corpus.path", path)?,
            CorpusConfig::Synthetic(c) => {
                if let Some(p) = &mut c.path {
                    expand("corpus.path", p)?;
                }
            }
        }
        let mut features = Vec::new();
        for (id, mut t) in tables(o, &mut root, "features")? {
            let key = format!("features.{id}");
            let extractor = take_string(o, &mut t, &key, "extractor", "feature extractor")?;
            features.push(FeatureSpec {
                id,
                extractor,
                params: t,
            });
        }
        let mut models = Vec::new();
        for (id, mut t) in tables(o, &mut root, "models")? {
            let key = format!("models.{id}");
            let model = take_string(o, &mut t, &key, "model", "model")?;
            let sets = take_feature_sets(o, &mut t, &key)?;
            for (i, feats) in sets.iter().enumerate() {
                if !features.iter().any(|f| &f.id == feats) {
                    let ids: Vec<&str> = features.iter().map(|f| f.id.as_str()).collect();
                    let at = if sets.len() > 1 {
                        format!("{key}.features[{i}]")
                    } else {
                        format!("{key}.features")
                    };
                    return Err(o.value_error(
                        &at,
                        if ids.is_empty() {
                            format!(
                                "unknown feature set `{feats}`: the file has no [features.<id>] \
                                 table"
                            )
                        } else {
                            unknown_name("feature set", feats, &ids)
                        },
                    ));
                }
            }
            let joined = sets.join("+");
            if sets.len() > 1 && features.iter().any(|f| f.id == joined) {
                return Err(o.value_error(
                    &format!("{key}.features"),
                    format!(
                        "`{joined}` is both a feature set id and this concatenation; rename the \
                         feature set"
                    ),
                ));
            }
            models.push(ModelSpec {
                id,
                model,
                features: joined,
                feature_sets: sets,
                params: t,
            });
        }
        if models.is_empty() {
            return Err(o.key_error(
                "models",
                "no model: add at least one [models.<id>] table with `model` and `features`",
            ));
        }
        let fusions = match root.remove("fusion") {
            None => Vec::new(),
            // One fusion: `[fusion]` with `method`.
            Some(toml::Value::Table(t)) if t.contains_key("method") => {
                vec![fusion_spec(o, t, None, &models)?]
            }
            // Several: `[fusion.<id>]` tables.
            Some(toml::Value::Table(t)) if !t.is_empty() && t.values().all(|v| v.is_table()) => {
                let mut v: Vec<FusionSpec> = Vec::new();
                for (id, x) in t {
                    let toml::Value::Table(x) = x else {
                        unreachable!("checked above")
                    };
                    let f = fusion_spec(o, x, Some(id), &models)?;
                    if v.iter().any(|g| g.id == f.id) {
                        return Err(o.value_error(
                            &format!("fusion.{}", f.id),
                            format!("two fusions have the id `{}`", f.id),
                        ));
                    }
                    v.push(f);
                }
                v
            }
            Some(toml::Value::Table(_)) => {
                return Err(o.key_error(
                    "fusion.method",
                    "missing required key `method` (the fusion), or use tables [fusion.<id>] \
                     with `method` for several fusions",
                ))
            }
            Some(_) => return Err(o.value_error("fusion", "expected a table [fusion]")),
        };
        let transcriber = match root.remove("transcriber") {
            None => None,
            Some(toml::Value::Table(mut t)) => {
                let method = take_string(o, &mut t, "transcriber", "method", "transcriber")?;
                let when = match t.remove("when") {
                    None => TranscribeWhen::Missing,
                    Some(v) => v.try_into().map_err(|_| {
                        o.value_error(
                            "transcriber.when",
                            "expected `missing` (default) or `always`",
                        )
                    })?,
                };
                Some(TranscriberSpec {
                    method,
                    when,
                    params: t,
                })
            }
            Some(_) => return Err(o.value_error("transcriber", "expected a table [transcriber]")),
        };
        Ok(Experiment {
            file: path.to_path_buf(),
            meta,
            corpus,
            protocol,
            features,
            models,
            fusions,
            transcriber,
            metrics,
            augmentation: raw.augmentation,
            origin,
        })
    }

    /// The first fusion, if any (the only one of a `[fusion]` table).
    pub fn fusion(&self) -> Option<&FusionSpec> {
        self.fusions.first()
    }

    /// The experiment as TOML, with `resolved` parameter tables substituted where given
    /// (component id → full parameter table). Used for the run folder's `config.toml`.
    pub fn to_toml(&self, resolved: &dyn Fn(&str) -> Option<toml::Table>) -> String {
        let mut root = toml::Table::new();
        root.insert(
            "experiment".into(),
            toml::Value::try_from(&self.meta).expect("serialisable"),
        );
        root.insert(
            "corpus".into(),
            toml::Value::try_from(&self.corpus).expect("serialisable"),
        );
        root.insert(
            "protocol".into(),
            toml::Value::try_from(&self.protocol).expect("serialisable"),
        );
        let mut feats = toml::Table::new();
        for f in &self.features {
            let mut t = resolved(&format!("features.{}", f.id)).unwrap_or_else(|| f.params.clone());
            t.insert("extractor".into(), f.extractor.clone().into());
            feats.insert(f.id.clone(), t.into());
        }
        root.insert("features".into(), feats.into());
        let mut models = toml::Table::new();
        for m in &self.models {
            let mut t = resolved(&format!("models.{}", m.id)).unwrap_or_else(|| m.params.clone());
            t.insert("model".into(), m.model.clone().into());
            let features: toml::Value = match m.feature_sets.as_slice() {
                [one] => one.clone().into(),
                many => toml::Value::try_from(many).expect("serialisable"),
            };
            t.insert("features".into(), features);
            models.insert(m.id.clone(), t.into());
        }
        root.insert("models".into(), models.into());
        let fusion_table = |f: &FusionSpec, key: &str| {
            let mut t = resolved(key).unwrap_or_else(|| f.params.clone());
            t.insert("method".into(), f.method.clone().into());
            t.insert(
                "members".into(),
                toml::Value::try_from(&f.members).expect("serialisable"),
            );
            t
        };
        match self.fusions.as_slice() {
            [] => {}
            [f] => {
                let mut t = fusion_table(f, "fusion");
                t.insert("id".into(), f.id.clone().into());
                root.insert("fusion".into(), t.into());
            }
            many => {
                let mut all = toml::Table::new();
                for f in many {
                    all.insert(
                        f.id.clone(),
                        fusion_table(f, &format!("fusion.{}", f.id)).into(),
                    );
                }
                root.insert("fusion".into(), all.into());
            }
        }
        if let Some(tr) = &self.transcriber {
            let mut t = resolved("transcriber").unwrap_or_else(|| tr.params.clone());
            t.insert("method".into(), tr.method.clone().into());
            t.insert("when".into(), tr.when.name().into());
            root.insert("transcriber".into(), t.into());
        }
        root.insert(
            "metrics".into(),
            toml::Value::try_from(&self.metrics).expect("serialisable"),
        );
        if let Some(a) = &self.augmentation {
            root.insert(
                "augmentation".into(),
                toml::Value::try_from(a).expect("serialisable"),
            );
        }
        toml::to_string_pretty(&root).expect("serialisable")
    }
}

/// A serde error from the whole file, placed at its span with the key it concerns.
fn serde_error(o: &Origin, e: &toml::de::Error) -> Error {
    let r = readable(e.message());
    let at = e.span().map(|s| s.start);
    let here = at.and_then(|a| o.key_at(a)).map(str::to_string);
    let inside = |name: &str| match &here {
        Some(h) if h == name || h.ends_with(&format!(".{name}")) => h.clone(),
        Some(h) => format!("{h}.{name}"),
        None => name.to_string(),
    };
    if let Some(k) = &r.unknown_key {
        return o.key_error(&inside(k), r.message);
    }
    if let Some(k) = &r.missing_key {
        return o.key_error(&inside(k), r.message);
    }
    o.error_at(at, here.as_deref().unwrap_or("-"), r.message)
}

fn check_protocol(o: &Origin, p: &ProtocolConfig) -> Result<()> {
    match (&p.kind, p.folds) {
        (ProtocolKind::SpeakerFolds, None) => Err(o.key_error(
            "protocol.folds",
            "missing required key `folds` (speaker-folds needs the number of folds, e.g. `folds = 5`)",
        )),
        (ProtocolKind::SpeakerFolds, Some(k)) if k < 2 => Err(o.value_error(
            "protocol.folds",
            format!("expected at least 2 folds, found {k}"),
        )),
        (ProtocolKind::SpeakerFolds, _) => Ok(()),
        (kind, Some(_)) => Err(o.key_error(
            "protocol.folds",
            format!(
                "`folds` applies to kind = \"speaker-folds\" only; {} makes one fold per {}",
                serde_kind(kind),
                if *kind == ProtocolKind::LeaveOneSessionOut {
                    "session"
                } else {
                    "speaker"
                }
            ),
        )),
        (_, None) => Ok(()),
    }
}

fn serde_kind(k: &ProtocolKind) -> String {
    toml::Value::try_from(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// One fusion table; `named` is the `<id>` of `[fusion.<id>]` (else the `id` key, default
/// `fusion`).
fn fusion_spec(
    o: &Origin,
    mut t: toml::Table,
    named: Option<String>,
    models: &[ModelSpec],
) -> Result<FusionSpec> {
    let table = match &named {
        Some(id) => format!("fusion.{id}"),
        None => "fusion".to_string(),
    };
    let at = |key: &str| format!("{table}.{key}");
    let method = take_string(o, &mut t, &table, "method", "fusion")?;
    let id = match (named, t.remove("id")) {
        (Some(id), None) => id,
        (None, None) => "fusion".to_string(),
        (None, Some(toml::Value::String(s))) => s,
        (None, Some(v)) => {
            return Err(o.value_error(
                &at("id"),
                format!("expected a string, found {}", v.type_str()),
            ))
        }
        (Some(_), Some(_)) => {
            return Err(o.key_error(
                &at("id"),
                "the id of [fusion.<id>] is its table name; remove `id`",
            ))
        }
    };
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    let members = match t.remove("members") {
        None => models.iter().map(|m| m.id.clone()).collect(),
        Some(toml::Value::Array(a)) => {
            let mut m: Vec<String> = Vec::new();
            for (i, v) in a.into_iter().enumerate() {
                let key = format!("{table}.members[{i}]");
                let toml::Value::String(x) = v else {
                    return Err(o.value_error(
                        &key,
                        format!("expected a model id (a string), found {}", v.type_str()),
                    ));
                };
                if !ids.contains(&x.as_str()) {
                    return Err(o.value_error(&key, unknown_name("model", &x, &ids)));
                }
                if m.contains(&x) {
                    return Err(o.value_error(&key, format!("model `{x}` is listed twice")));
                }
                m.push(x);
            }
            if m.is_empty() {
                return Err(o.value_error(
                    &at("members"),
                    format!(
                        "a fusion needs at least one member; name model ids ({}) or leave \
                         `members` out to fuse them all",
                        ids.join(", ")
                    ),
                ));
            }
            m
        }
        Some(v) => {
            return Err(o.value_error(
                &at("members"),
                format!("expected a list of model ids, found {}", v.type_str()),
            ))
        }
    };
    if ids.contains(&id.as_str()) {
        return Err(o.value_error(
            &at("id"),
            format!("`{id}` is already a model id; the fused system needs its own id"),
        ));
    }
    Ok(FusionSpec {
        id,
        method,
        members,
        params: t,
    })
}

/// The sections with a fixed schema; component tables are checked separately.
#[derive(Deserialize)]
struct RawSections {
    experiment: Option<ExperimentMeta>,
    corpus: Option<CorpusConfig>,
    protocol: Option<ProtocolConfig>,
    metrics: Option<MetricsConfig>,
    augmentation: Option<Augmentation>,
    #[serde(rename = "features")]
    _features: Option<toml::Value>,
    #[serde(rename = "models")]
    _models: Option<toml::Value>,
    #[serde(rename = "fusion")]
    _fusion: Option<toml::Value>,
    #[serde(rename = "transcriber")]
    _transcriber: Option<toml::Value>,
}

/// The `[name.<id>]` tables of a section, in file order.
fn tables(o: &Origin, root: &mut toml::Table, name: &str) -> Result<Vec<(String, toml::Table)>> {
    match root.remove(name) {
        None => Ok(Vec::new()),
        Some(toml::Value::Table(t)) => t
            .into_iter()
            .map(|(id, v)| match v {
                toml::Value::Table(t) => Ok((id, t)),
                v => Err(o.value_error(
                    &format!("{name}.{id}"),
                    format!("expected a table [{name}.{id}], found {}", v.type_str()),
                )),
            })
            .collect(),
        Some(v) => Err(o.value_error(
            name,
            format!("expected tables [{name}.<id>], found {}", v.type_str()),
        )),
    }
}

/// Remove `features` from a model table: one feature set id, or a non-empty list of them
/// (early fusion).
fn take_feature_sets(o: &Origin, t: &mut toml::Table, table: &str) -> Result<Vec<String>> {
    let key = format!("{table}.features");
    match t.remove("features") {
        Some(toml::Value::String(s)) => Ok(vec![s]),
        Some(toml::Value::Array(a)) if !a.is_empty() => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                toml::Value::String(s) => Ok(s),
                v => Err(o.value_error(
                    &format!("{key}[{i}]"),
                    format!(
                        "expected a feature set id (a string), found {}",
                        v.type_str()
                    ),
                )),
            })
            .collect(),
        Some(toml::Value::Array(_)) => Err(o.value_error(
            &key,
            "expected a feature set id or a non-empty list of them (early fusion)",
        )),
        Some(v) => Err(o.value_error(
            &key,
            format!(
                "expected a feature set id (a string) or a list of them, found {}",
                v.type_str()
            ),
        )),
        None => Err(o.key_error(
            &key,
            "missing required key `features` (the feature set id, or a list of ids)",
        )),
    }
}

/// Remove the string `key` from the component table `table` (dotted), naming `what` it is.
fn take_string(
    o: &Origin,
    t: &mut toml::Table,
    table: &str,
    key: &str,
    what: &str,
) -> Result<String> {
    let dotted = format!("{table}.{key}");
    match t.remove(key) {
        Some(toml::Value::String(s)) => Ok(s),
        Some(v) => Err(o.value_error(
            &dotted,
            format!("expected a {what} name (a string), found {}", v.type_str()),
        )),
        None => Err(o.key_error(
            &dotted,
            format!(
                "missing required key `{key}` (the {what}{})",
                list_hint(what)
            ),
        )),
    }
}

fn list_hint(what: &str) -> &'static str {
    if what.contains("feature set") {
        ""
    } else {
        "; `serlab plugins` lists them"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[experiment]
name = "t"
seed = 3
[corpus]
kind = "emodb"
path = "${SERLAB_TEST_NOT_SET_VAR:-data/emodb}"
[protocol]
kind = "leave-one-speaker-out"
[features.func]
extractor = "functionals"
n_mfcc = 13
[models.rf]
model = "random-forest"
features = "func"
n_trees = 10
[fusion]
method = "average"
"#;

    #[test]
    fn parses_a_full_experiment() {
        let e = Experiment::from_str(GOOD, Path::new("x.toml")).unwrap();
        assert_eq!(e.meta.seed, 3);
        assert_eq!(
            e.corpus,
            CorpusConfig::Emodb {
                path: "data/emodb".into(),
                classes: None
            }
        );
        assert_eq!(
            e.features[0]
                .params
                .get("n_mfcc")
                .and_then(|v| v.as_integer()),
            Some(13)
        );
        assert_eq!(e.models[0].features, "func");
        assert_eq!(e.fusion().unwrap().members, vec!["rf".to_string()]);
        // The resolved TOML parses back to the same experiment.
        let again = Experiment::from_str(&e.to_toml(&|_| None), Path::new("x.toml")).unwrap();
        assert_eq!(again.models, e.models);
        assert_eq!(again.corpus, e.corpus);
    }

    #[test]
    fn parses_the_ravdess_and_iemocap_experiments() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
        let r = Experiment::from_file(&dir.join("ravdess-forest.toml")).unwrap();
        assert!(matches!(r.corpus, CorpusConfig::Ravdess { .. }));
        assert_eq!(r.protocol.kind, crate::protocol::ProtocolKind::SpeakerFolds);
        assert_eq!(r.protocol.folds, Some(6));
        let i = Experiment::from_file(&dir.join("iemocap-forest.toml")).unwrap();
        assert!(matches!(
            i.corpus,
            CorpusConfig::Iemocap {
                class_map: crate::corpus::iemocap::ClassMap::Four,
                ..
            }
        ));
        assert_eq!(
            i.protocol.kind,
            crate::protocol::ProtocolKind::LeaveOneSessionOut
        );
        for e in [r, i] {
            let again = Experiment::from_str(&e.to_toml(&|_| None), Path::new("x.toml")).unwrap();
            assert_eq!(again.corpus, e.corpus);
            assert_eq!(again.protocol, e.protocol);
        }
        // class_map defaults to `four`; an unknown map is refused.
        let text = GOOD.replace("kind = \"emodb\"", "kind = \"iemocap\"");
        let e = Experiment::from_str(&text, Path::new("x.toml")).unwrap();
        assert!(matches!(
            e.corpus,
            CorpusConfig::Iemocap {
                class_map: crate::corpus::iemocap::ClassMap::Four,
                ..
            }
        ));
        let bad = text.replace(
            "kind = \"iemocap\"",
            "kind = \"iemocap\"\nclass_map = \"five\"",
        );
        assert!(err(&bad).contains("four-no-exc"), "{}", err(&bad));
    }

    #[test]
    fn the_documented_example_parses_with_its_documented_values() {
        let doc = include_str!("../../../../experiments/README.md");
        let start = doc.find("```toml\n").expect("a toml block") + 8;
        let end = start + doc[start..].find("```").expect("closed");
        let e = Experiment::from_str(&doc[start..end], Path::new("README.md")).unwrap();
        assert_eq!(e.metrics.top_k, vec![2, 3]);
        assert_eq!(e.metrics.bootstrap, 2000);
        assert_eq!(e.metrics.confidence, 0.95);
        assert!(e.augmentation.is_none());
        // Defaults match the tables of experiments/README.md.
        let m = MetricsConfig::default();
        assert_eq!((m.top_k, m.bootstrap, m.confidence), (vec![2], 1000, 0.95));
        let a = Augmentation::default();
        assert_eq!((a.copies, a.time_mask_width, a.freq_mask_width), (0, 10, 8));
    }

    #[test]
    fn env_expansion() {
        assert_eq!(
            expand_env("${SERLAB_TEST_NOT_SET_VAR:-a/b}/c").unwrap(),
            "a/b/c"
        );
        assert!(expand_env("${SERLAB_TEST_NOT_SET_VAR}")
            .unwrap_err()
            .contains("SERLAB_TEST_NOT_SET_VAR"));
        assert_eq!(expand_env("plain").unwrap(), "plain");
    }

    fn err(text: &str) -> String {
        Experiment::from_str(text, Path::new("bad.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_file_line_column_key_and_suggestion() {
        // GOOD starts with an empty line, so `[experiment]` is on line 2.
        assert_eq!(
            err(&GOOD.replace("[protocol]", "[protocoll]")),
            "bad.toml:8:2: protocoll: unknown section `protocoll` (did you mean `protocol`?); \
             expected one of: experiment, corpus, protocol, features, models, fusion, transcriber, \
             metrics, augmentation"
        );
        assert_eq!(
            err(&GOOD.replace("features = \"func\"", "features = \"fnc\"")),
            "bad.toml:15:12: models.rf.features: unknown feature set `fnc` (did you mean \
             `func`?); expected one of: func"
        );
        assert_eq!(
            err(&GOOD.replace("seed = 3", "seed = \"x\"")),
            "bad.toml:4:8: experiment.seed: expected a non-negative integer, found string \"x\""
        );
        assert!(err(&GOOD.replace("name = \"t\"", "name = "))
            .starts_with("bad.toml:3:8: experiment.name: invalid TOML: "));
        assert_eq!(
            err(&GOOD.replace("kind = \"leave-one-speaker-out\"", "kind = \"loso\"")),
            "bad.toml:9:8: protocol.kind: unknown value `loso`; expected one of: \
             leave-one-speaker-out, speaker-folds, leave-one-session-out, official-split"
        );
    }
}
