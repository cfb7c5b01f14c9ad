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
            self.check(plugins, ComponentKind::Extractor, &key, "extractor", &f.extractor, &f.params)?;
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
            self.check(plugins, ComponentKind::Model, &key, "model", &m.model, &m.params)?;
        }
        if let Some(f) = &self.fusion {
            self.check(plugins, ComponentKind::Fusion, "fusion", "method", &f.method, &f.params)?;
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
        if let Some(k) = named.filter(|k| params.contains_key(k)) {
            return Err(o.value_error(&format!("{table}.{k}"), r.message));
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
            format!("{} `{name}` refused its parameters: {}", kind.label(), r.message),
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

