//! Stages 1 to 3 of reading an experiment file: the spanned TOML tree, the fixed sections
//! through serde (with messages rewritten in TOML words), then the component tables and
//! their cross-references. Kept apart from the types in `mod.rs` so the schema can be read
//! without the validation.

use super::messages::{readable, unknown_name};
use super::tables::{fusion_spec, tables, take_feature_sets, take_string};
use super::*;

impl Experiment {
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
                "missing [corpus] table (with `kind`: synthetic, emodb, ravdess, iemocap, meld or manifest)".into(),
            )
        })?;
        let protocol = raw.protocol.unwrap_or_default();
        check_protocol(o, &protocol)?;
        let metrics = raw.metrics.unwrap_or_default();
        if let Some((key, m)) = metrics.check() {
            return Err(o.value_error(&format!("metrics.{key}"), m));
        }
        super::bounds::metrics(o, &metrics)?;
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
                super::bounds::synthetic(o, c)?;
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
