//! Writing an experiment back as TOML, for the run folder's `config.toml`: the fixed
//! sections as given, component tables with their fully resolved parameters, so a run
//! folder records exactly what ran.

use super::{Experiment, FusionSpec};

impl Experiment {
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
