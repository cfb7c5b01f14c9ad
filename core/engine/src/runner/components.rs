//! The experiment's components, checked and configured before any work is done, and the
//! resolved configuration (every plugin default filled in) written into the run folder.

use crate::config::Experiment;
use crate::plugin::{ComponentKind, PluginSet};
use crate::Result;

/// A configured feature extractor with the id the experiment gave it.
pub(crate) type Extractor = crate::cache::ConfiguredExtractor;

/// A component's parameter table as the text its plugin parses.
pub(crate) fn params_text(t: &toml::Table) -> String {
    toml::to_string(t).expect("a TOML table serialises")
}

/// The seed of one model on one fold, derived from the experiment seed (FNV-1a over the
/// model id and fold), so that models and folds never share a random stream.
pub(crate) fn derive_seed(seed: u64, fold: usize, model: &str) -> u64 {
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for b in model.bytes().chain((fold as u64).to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// The experiment's speech recogniser, built once for the whole run.
pub(crate) type Transcriber = crate::plugin::loader::Hosted<dyn crate::Transcriber>;

/// Build every component once: an unknown name or a bad parameter (or a transcriber whose
/// recogniser is not installed) fails before any work is done. Returns the configured
/// extractors and the transcriber.
pub(crate) fn check(
    exp: &Experiment,
    plugins: &PluginSet,
) -> Result<(Vec<Extractor>, Option<Transcriber>)> {
    let mut extractors = Vec::new();
    for f in &exp.features {
        extractors.push(Extractor::new(plugins, f)?);
    }
    for m in &exp.models {
        drop(plugins.model(&m.model, &params_text(&m.params))?);
    }
    for f in &exp.fusions {
        drop(plugins.fusion(&f.method, &params_text(&f.params))?);
    }
    let transcriber = match &exp.transcriber {
        Some(t) => Some(plugins.transcriber(&t.method, &params_text(&t.params))?),
        None => None,
    };
    Ok((extractors, transcriber))
}

/// Merge the user's parameters over the component's defaults (for the resolved config).
pub(crate) fn resolved_params(
    plugins: &PluginSet,
    kind: ComponentKind,
    name: &str,
    user: &toml::Table,
) -> Option<toml::Table> {
    let (_, info) = plugins.info(kind, name).ok()?;
    let mut t: toml::Table = info.defaults.parse().ok()?;
    for (k, v) in user {
        t.insert(k.clone(), v.clone());
    }
    Some(t)
}

/// The experiment as TOML with every component's defaults filled in.
pub(crate) fn resolved_config(exp: &Experiment, plugins: &PluginSet) -> String {
    exp.to_toml(&|key: &str| {
        if let Some(id) = key.strip_prefix("features.") {
            let f = exp.features.iter().find(|f| f.id == id)?;
            resolved_params(plugins, ComponentKind::Extractor, &f.extractor, &f.params)
        } else if let Some(id) = key.strip_prefix("models.") {
            let m = exp.models.iter().find(|m| m.id == id)?;
            resolved_params(plugins, ComponentKind::Model, &m.model, &m.params)
        } else if key == "transcriber" {
            let t = exp.transcriber.as_ref()?;
            resolved_params(plugins, ComponentKind::Transcriber, &t.method, &t.params)
        } else {
            let f = match key.strip_prefix("fusion.") {
                Some(id) => exp.fusions.iter().find(|f| f.id == id)?,
                None => exp.fusion()?,
            };
            resolved_params(plugins, ComponentKind::Fusion, &f.method, &f.params)
        }
    })
}
