//! Checking an experiment against the loaded plugins, before any work is done.
//!
//! Component names and parameters belong to plugins, so they can only be checked once the
//! plugins are loaded. Each component is built once from its table (construction is cheap;
//! fitting is not); when that fails the offending key is found — from the plugin's own
//! message when it names one, else by building the component from one key at a time — and
//! the error is placed at that key in the file, with the closest valid name for unknown
//! keys (taken from the plugin's serde message, so optional parameters are included).

use super::messages::readable;
use super::Experiment;
use crate::plugin::{ComponentKind, PluginSet};
use crate::{Error, Result};

impl Experiment {
    /// Check every component name and parameter against `plugins`, and hand the
    /// `[augmentation]` table to the models that declare an `augmentation` parameter (a
    /// model's own `augmentation` key wins). Idempotent.
    pub fn bind_plugins(&mut self, plugins: &PluginSet) -> Result<()> {
        for f in &self.features {
            let key = format!("features.{}", f.id);
            self.check(
                plugins,
                ComponentKind::Extractor,
                &key,
                "extractor",
                &f.extractor,
                &f.params,
            )?;
        }
        if let Some(aug) = &self.augmentation {
            let value = toml::Value::try_from(aug).expect("serialisable");
            let mut takers = 0;
            for m in &mut self.models {
                if takes_augmentation(plugins, &m.model) {
                    takers += 1;
                    m.params
                        .entry("augmentation")
                        .or_insert_with(|| value.clone());
                }
            }
            if aug.is_active() && takers == 0 {
                let able = plugins
                    .plugins
                    .iter()
                    .flat_map(|p| p.components())
                    .filter(|c| c.kind == ComponentKind::Model && declares(c))
                    .map(|c| c.name)
                    .collect::<Vec<_>>();
                return Err(self.origin.key_error(
                    "augmentation",
                    format!(
                        "no model of this experiment takes augmentation, so [augmentation] would \
                         be ignored; models that do: {}",
                        if able.is_empty() {
                            "none among the loaded plugins".to_string()
                        } else {
                            able.join(", ")
                        }
                    ),
                ));
            }
        }
        for m in &self.models {
            let key = format!("models.{}", m.id);
            self.check(
                plugins,
                ComponentKind::Model,
                &key,
                "model",
                &m.model,
                &m.params,
            )?;
        }
        for f in &self.fusions {
            // `[fusion]` with `method`, or one of several `[fusion.<id>]` tables.
            let table = if self.origin.has("fusion.method") {
                "fusion".to_string()
            } else {
                format!("fusion.{}", f.id)
            };
            self.check(
                plugins,
                ComponentKind::Fusion,
                &table,
                "method",
                &f.method,
                &f.params,
            )?;
        }
        if let Some(t) = &self.transcriber {
            self.check(
                plugins,
                ComponentKind::Transcriber,
                "transcriber",
                "method",
                &t.method,
                &t.params,
            )?;
        }
        Ok(())
    }

    /// Check one component: its name under `table.name_key`, then its parameters.
    fn check(
        &self,
        plugins: &PluginSet,
        kind: ComponentKind,
        table: &str,
        name_key: &str,
        name: &str,
        params: &toml::Table,
    ) -> Result<()> {
        let o = &self.origin;
        match plugins.info(kind, name) {
            Ok(_) => {}
            Err(Error::UnknownComponent {
                suggestion,
                available,
                ..
            }) => {
                let hint = suggestion
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(o.value_error(
                    &format!("{table}.{name_key}"),
                    format!(
                        "unknown {} `{name}`{hint}; available: {available}",
                        kind.label()
                    ),
                ));
            }
            Err(e) => return Err(e),
        }
        let Err(full) = build(plugins, kind, name, params) else {
            return Ok(());
        };
        let (named, message) = parts(&full);
        let r = readable(&message);
        if let Some(k) = r.unknown_key.filter(|k| params.contains_key(k)) {
            return Err(o.key_error(&format!("{table}.{k}"), r.message));
        }
        match named {
            Some(k) if params.contains_key(&k) => {
                return Err(o.value_error(&format!("{table}.{k}"), r.message));
            }
            // A key the file does not set (its default clashes with a key that is set, e.g.
            // the default `win_length = 400` with `n_fft = 4`): name that key and its default
            // rather than blaming whichever written key happens to trigger it.
            Some(k) => {
                let default = plugins
                    .info(kind, name)
                    .ok()
                    .and_then(|(_, c)| c.defaults.parse::<toml::Table>().ok())
                    .and_then(|t| t.get(&k).map(|v| v.to_string()));
                // Only a key the component really has (its defaults list it); otherwise the
                // error's key is not a parameter name and the search below finds the culprit.
                if let Some(default) = default {
                    return Err(o.key_error(
                        &format!("{table}.{k}"),
                        format!(
                            "{} (not set in this file, so its default {default} applies; \
                             set `{k}` to fit the other keys)",
                            r.message
                        ),
                    ));
                }
            }
            None => {}
        }
        for (k, v) in params {
            let one: toml::Table = [(k.clone(), v.clone())].into_iter().collect();
            if let Err(e) = build(plugins, kind, name, &one) {
                let r = readable(&parts(&e).1);
                return Err(o.value_error(&format!("{table}.{k}"), r.message));
            }
        }
        Err(o.key_error(
            table,
            format!(
                "{} `{name}` refused its parameters: {}",
                kind.label(),
                r.message
            ),
        ))
    }
}

/// Build a component from `params` and drop it.
fn build(plugins: &PluginSet, kind: ComponentKind, name: &str, params: &toml::Table) -> Result<()> {
    let text = toml::to_string(params).expect("a TOML table serialises");
    match kind {
        ComponentKind::Extractor => plugins.extractor(name, &text).map(drop),
        ComponentKind::Model => plugins.model(name, &text).map(drop),
        ComponentKind::Fusion => plugins.fusion(name, &text).map(drop),
        ComponentKind::Transcriber => plugins.transcriber(name, &text).map(drop),
    }
}

/// The key a plugin's error names (if it is a config error) and its bare message.
fn parts(e: &Error) -> (Option<String>, String) {
    match e {
        Error::Config { key, message, .. } => (Some(key.clone()), message.clone()),
        Error::InvalidInput(m) => (None, m.clone()),
        Error::Plugin { message, .. } => (None, message.clone()),
        other => (None, other.to_string()),
    }
}

fn declares(c: &crate::plugin::ComponentInfo) -> bool {
    c.params.iter().any(|(k, _)| k == "augmentation")
        || c.defaults
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("augmentation"))
}

fn takes_augmentation(plugins: &PluginSet, model: &str) -> bool {
    plugins
        .info(ComponentKind::Model, model)
        .is_ok_and(|(_, c)| declares(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::Augmentation;
    use crate::model::{FitContext, LabeledSet};
    use crate::plugin::registry::{Component, Registrar};
    use crate::{Features, Model};
    use serde::{Deserialize, Serialize};
    use std::path::Path;

    /// A model that declares `augmentation` and refuses `depth > width` (a constraint
    /// between two keys).
    struct Taker;

    #[derive(Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct TakerParams {
        augmentation: Augmentation,
        depth: usize,
        width: usize,
    }

    impl Default for TakerParams {
        fn default() -> Self {
            TakerParams {
                augmentation: Augmentation::default(),
                depth: 2,
                width: 10,
            }
        }
    }

    impl Component for Taker {
        const NAME: &'static str = "taker";
        const SUMMARY: &'static str = "test model that takes augmentation";
        const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[];
        type Params = TakerParams;
        fn new(p: TakerParams) -> Result<Self> {
            if p.depth > p.width {
                return Err(Error::invalid("depth may not exceed width"));
            }
            Ok(Taker)
        }
    }

    impl Model for Taker {
        fn fit(
            &mut self,
            _: &LabeledSet<'_>,
            _: &LabeledSet<'_>,
            _: &mut FitContext<'_>,
        ) -> Result<()> {
            Ok(())
        }
        fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
            Ok(vec![vec![1.0]; inputs.len()])
        }
        fn save(&self, _: &Path) -> Result<()> {
            Ok(())
        }
        fn load(&mut self, _: &Path) -> Result<()> {
            Ok(())
        }
    }

    fn register(r: &mut Registrar) {
        r.model::<Taker>();
    }

    fn plugins() -> PluginSet {
        let mut p = PluginSet::default();
        p.add_static("test", register);
        p
    }

    const TEXT: &str = r#"[experiment]
name = "t"
[corpus]
kind = "synthetic"
[features.f]
extractor = "none"
[models.a]
model = "taker"
features = "f"
[models.b]
model = "taker"
features = "f"
augmentation = { copies = 1, noise_std = 0.5 }
[augmentation]
copies = 3
time_masks = 2
"#;

    /// Binding models only (the test set has no extractor, so features are left out).
    fn bind_models(text: &str) -> Result<Experiment> {
        let mut e = Experiment::from_str(text, Path::new("t.toml"))?;
        e.features.clear();
        e.bind_plugins(&plugins())?;
        Ok(e)
    }

    #[test]
    fn augmentation_goes_to_models_that_take_it_unless_they_set_their_own() {
        let e = bind_models(TEXT).unwrap();
        let aug = |i: usize| -> Augmentation {
            e.models[i].params["augmentation"]
                .clone()
                .try_into()
                .unwrap()
        };
        assert_eq!(aug(0).copies, 3);
        assert_eq!(aug(0).time_masks, 2);
        assert_eq!(aug(1).copies, 1);
        assert_eq!(aug(1).noise_std, 0.5);
        // Binding again changes nothing.
        let mut again = e.clone();
        again.bind_plugins(&plugins()).unwrap();
        assert_eq!(again.models, e.models);
    }

    #[test]
    fn a_bad_key_is_found_even_when_the_plugin_does_not_name_it() {
        // Each key is fine with the other at its default, together they are not: the
        // error points at the table.
        let two = |d: u32, w: u32| {
            TEXT.replace(
                "model = \"taker\"\nfeatures = \"f\"\n[models.b]",
                &format!(
                    "model = \"taker\"\nfeatures = \"f\"\ndepth = {d}\nwidth = {w}\n[models.b]"
                ),
            )
        };
        assert_eq!(
            bind_models(&two(5, 3)).unwrap_err().to_string(),
            "t.toml:7:9: models.a: model `taker` refused its parameters: depth may not exceed width"
        );
        // A key that is wrong by itself is found by building from it alone.
        assert_eq!(
            bind_models(&two(50, 20)).unwrap_err().to_string(),
            "t.toml:10:9: models.a.depth: depth may not exceed width"
        );
        let text = TEXT.replace("copies = 1,", "copies = \"one\",");
        // A value the plugin's serde refuses points at the value.
        assert_eq!(
            bind_models(&text).unwrap_err().to_string(),
            "t.toml:13:16: models.b.augmentation: expected a non-negative integer, found string \"one\""
        );
    }
}
