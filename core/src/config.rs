//! Experiment files: raw TOML → validated [`Experiment`], in two stages.
//!
//! Stage one parses the TOML (syntax errors carry line and column) and expands
//! `${VAR:-default}` in paths. Stage two checks every section and key, naming the file and
//! the dotted key on error and suggesting the closest valid key. Component tables keep
//! their own keys as parameters; the plugin that owns the component validates those.

use crate::corpus::CorpusConfig;
use crate::protocol::ProtocolConfig;
use crate::suggest::closest;
use crate::{Error, Result};
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
    /// Id of the feature set it consumes.
    pub features: String,
    /// The remaining keys: the model's parameters.
    pub params: toml::Table,
}

/// The `[fusion]` table.
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
    /// `[fusion]`, if any.
    pub fusion: Option<FusionSpec>,
}

const SECTIONS: [&str; 6] = [
    "experiment",
    "corpus",
    "protocol",
    "features",
    "models",
    "fusion",
];

/// Expand `${VAR}` and `${VAR:-default}` in `s`.
pub fn expand_env(s: &str) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in `{s}`"))?;
        let inner = &after[..end];
        let (var, default) = match inner.split_once(":-") {
            Some((v, d)) => (v, Some(d)),
            None => (inner, None),
        };
        match (std::env::var(var).ok().filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => return Err(format!("environment variable `{var}` is not set (write `${{{var}:-default}}` to give a default)")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Experiment {
    /// Read and validate an experiment file.
    pub fn from_file(path: &Path) -> Result<Experiment> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Experiment::from_str(&text, path)
    }

    /// Validate experiment text; `path` is used in messages.
    pub fn from_str(text: &str, path: &Path) -> Result<Experiment> {
        let file = path.display().to_string();
        let cfg = |key: &str, msg: String| Error::config(file.clone(), key, msg);
        let mut root: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| cfg("-", e.to_string().trim_end().to_string()))?;
        for key in root.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                return Err(cfg(key, unknown_key_message(key, &SECTIONS)));
            }
        }
        // Typed sections straight from the text, so errors carry line, column and key.
        let raw: RawSections = toml::from_str(text).map_err(|e: toml::de::Error| {
            cfg(&raw_key(&e, text), e.to_string().trim_end().to_string())
        })?;
        let mut meta = raw.experiment.ok_or_else(|| {
            cfg(
                "experiment",
                "missing [experiment] table (with at least `name`)".into(),
            )
        })?;
        let mut corpus = raw
            .corpus
            .ok_or_else(|| cfg("corpus", "missing [corpus] table (with `kind`)".into()))?;
        let protocol = raw.protocol.unwrap_or_default();
        let expand = |key: &str, p: &mut PathBuf| -> Result<()> {
            *p = PathBuf::from(expand_env(&p.to_string_lossy()).map_err(|m| cfg(key, m))?);
            Ok(())
        };
        expand("experiment.output", &mut meta.output)?;
        if let Some(p) = &mut meta.cache {
            expand("experiment.cache", p)?;
        }
        for p in &mut meta.plugin_paths {
            expand("experiment.plugin_paths", p)?;
        }
        match &mut corpus {
            CorpusConfig::Emodb { path, .. }
            | CorpusConfig::Ravdess { path, .. }
            | CorpusConfig::Iemocap { path, .. }
            | CorpusConfig::Manifest { path, .. } => expand("corpus.path", path)?,
            CorpusConfig::Synthetic(c) => {
                if let Some(p) = &mut c.path {
                    expand("corpus.path", p)?;
                }
            }
        }
        let mut features = Vec::new();
        for (id, mut t) in tables(&mut root, "features", &file)? {
            let extractor = take_string(&mut t, "extractor")
                .map_err(|m| cfg(&format!("features.{id}.extractor"), m))?;
            features.push(FeatureSpec {
                id,
                extractor,
                params: t,
            });
        }
        let mut models = Vec::new();
        for (id, mut t) in tables(&mut root, "models", &file)? {
            let model =
                take_string(&mut t, "model").map_err(|m| cfg(&format!("models.{id}.model"), m))?;
            let feats = take_string(&mut t, "features")
                .map_err(|m| cfg(&format!("models.{id}.features"), m))?;
            if !features.iter().any(|f| f.id == feats) {
                let ids: Vec<&str> = features.iter().map(|f| f.id.as_str()).collect();
                return Err(cfg(
                    &format!("models.{id}.features"),
                    unknown_key_message(&feats, &ids).replace("unknown key", "unknown feature set"),
                ));
            }
            models.push(ModelSpec {
                id,
                model,
                features: feats,
                params: t,
            });
        }
        if models.is_empty() {
            return Err(cfg(
                "models",
                "no model: add at least one [models.<id>] table with `model` and `features`".into(),
            ));
        }
        let fusion = match root.remove("fusion") {
            None => None,
            Some(toml::Value::Table(mut t)) => {
                let method = take_string(&mut t, "method").map_err(|m| cfg("fusion.method", m))?;
                let id = match t.remove("id") {
                    None => "fusion".to_string(),
                    Some(toml::Value::String(s)) => s,
                    Some(_) => return Err(cfg("fusion.id", "expected a string".into())),
                };
                let members = match t.remove("members") {
                    None => models.iter().map(|m| m.id.clone()).collect(),
                    Some(v) => {
                        let m: Vec<String> = v.try_into().map_err(|_| {
                            cfg("fusion.members", "expected a list of model ids".into())
                        })?;
                        let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
                        for x in &m {
                            if !ids.contains(&x.as_str()) {
                                return Err(cfg(
                                    "fusion.members",
                                    unknown_key_message(x, &ids)
                                        .replace("unknown key", "unknown model"),
                                ));
                            }
                        }
                        m
                    }
                };
                if models.iter().any(|m| m.id == id) {
                    return Err(cfg("fusion.id", format!("`{id}` is already a model id")));
                }
                Some(FusionSpec {
                    id,
                    method,
                    members,
                    params: t,
                })
            }
            Some(_) => return Err(cfg("fusion", "expected a table".into())),
        };
        Ok(Experiment {
            file: path.to_path_buf(),
            meta,
            corpus,
            protocol,
            features,
            models,
            fusion,
        })
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
            t.insert("features".into(), m.features.clone().into());
            models.insert(m.id.clone(), t.into());
        }
        root.insert("models".into(), models.into());
        if let Some(f) = &self.fusion {
            let mut t = resolved("fusion").unwrap_or_else(|| f.params.clone());
            t.insert("id".into(), f.id.clone().into());
            t.insert("method".into(), f.method.clone().into());
            t.insert(
                "members".into(),
                toml::Value::try_from(&f.members).expect("serialisable"),
            );
            root.insert("fusion".into(), t.into());
        }
        toml::to_string_pretty(&root).expect("serialisable")
    }
}

fn unknown_key_message(key: &str, valid: &[&str]) -> String {
    match closest(key, valid.iter().copied()) {
        Some(s) => format!(
            "unknown key `{key}` (did you mean `{s}`?); expected one of: {}",
            valid.join(", ")
        ),
        None => format!("unknown key `{key}`; expected one of: {}", valid.join(", ")),
    }
}

/// The sections with a fixed schema; component tables are checked separately.
#[derive(Deserialize)]
struct RawSections {
    experiment: Option<ExperimentMeta>,
    corpus: Option<CorpusConfig>,
    protocol: Option<ProtocolConfig>,
    #[serde(rename = "features")]
    _features: Option<toml::Value>,
    #[serde(rename = "models")]
    _models: Option<toml::Value>,
    #[serde(rename = "fusion")]
    _fusion: Option<toml::Value>,
}

/// The dotted key a parse error points at, from its span (`protocol.kind`).
fn raw_key(e: &toml::de::Error, text: &str) -> String {
    let Some(span) = e.span() else {
        return "-".into();
    };
    let before = &text[..span.start.min(text.len())];
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[line_start..]
        .find('\n')
        .map(|i| line_start + i)
        .unwrap_or(text.len());
    let line = &text[line_start..line_end];
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .unwrap_or("")
        .to_string();
    let section = before[..line_start].lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix('[')
            .and_then(|l| l.trim_start_matches('[').split(']').next())
            .map(str::to_string)
    });
    match (section, key.is_empty()) {
        (Some(s), false) => format!("{s}.{key}"),
        (Some(s), true) => s,
        (None, false) => key,
        (None, true) => "-".into(),
    }
}

fn tables(root: &mut toml::Table, name: &str, file: &str) -> Result<Vec<(String, toml::Table)>> {
    match root.remove(name) {
        None => Ok(Vec::new()),
        Some(toml::Value::Table(t)) => t
            .into_iter()
            .map(|(id, v)| match v {
                toml::Value::Table(t) => Ok((id, t)),
                _ => Err(Error::config(
                    file,
                    format!("{name}.{id}"),
                    format!("expected a table [{name}.{id}]"),
                )),
            })
            .collect(),
        Some(_) => Err(Error::config(
            file,
            name,
            format!("expected tables [{name}.<id>]"),
        )),
    }
}

fn take_string(t: &mut toml::Table, key: &str) -> std::result::Result<String, String> {
    match t.remove(key) {
        Some(toml::Value::String(s)) => Ok(s),
        Some(_) => Err("expected a string".into()),
        None => Err(format!("missing `{key}`")),
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
        assert_eq!(e.fusion.as_ref().unwrap().members, vec!["rf".to_string()]);
        // The resolved TOML parses back to the same experiment.
        let again = Experiment::from_str(&e.to_toml(&|_| None), Path::new("x.toml")).unwrap();
        assert_eq!(again.models, e.models);
        assert_eq!(again.corpus, e.corpus);
    }

    #[test]
    fn parses_the_ravdess_and_iemocap_experiments() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../experiments");
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
    fn errors_name_file_key_and_suggestion() {
        let e = err(&GOOD.replace("[protocol]", "[protocoll]"));
        assert!(
            e.contains("bad.toml")
                && e.contains("protocoll")
                && e.contains("did you mean `protocol`"),
            "{e}"
        );
        let e = err(&GOOD.replace("features = \"func\"", "features = \"fnc\""));
        assert!(
            e.contains("models.rf.features") && e.contains("did you mean `func`"),
            "{e}"
        );
        let e = err(&GOOD.replace("seed = 3", "seed = \"x\""));
        assert!(e.contains("seed") && e.contains("line 4"), "{e}");
        let e = err(&GOOD.replace("name = \"t\"", "name = "));
        assert!(e.contains("line"), "{e}");
        let e = err(&GOOD.replace("kind = \"leave-one-speaker-out\"", "kind = \"loso\""));
        assert!(
            e.contains("protocol") && e.contains("leave-one-speaker-out"),
            "{e}"
        );
    }
}
