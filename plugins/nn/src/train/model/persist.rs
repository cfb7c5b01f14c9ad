//! Saving and restoring a fitted [`NeuralModel`] as a safetensors checkpoint with its
//! parameters, network spec and normalisation in the metadata.

use super::{Fitted, NeuralModel};
use crate::checkpoint;
use crate::error::{NnError, Result};
use crate::params::ParamStore;
use crate::train::data::Normalizer;
use crate::train::heads::NetSpec;
use crate::train::params::NeuralParams;
use crate::train::Architecture;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::path::Path;

impl<A: Architecture> NeuralModel<A> {
    /// Write weights, normalisation and parameters to a safetensors file.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.save_with(path, &[])
    }

    /// [`NeuralModel::save`] with `extra` metadata entries: state a wrapper fitted on the
    /// training set that is no parameter (a text model's vocabulary).
    pub fn save_with(&self, path: &Path, extra: &[(&str, String)]) -> Result<()> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| self.not_fitted("save"))?;
        let json = |e: serde_json::Error| NnError::Data(e.to_string());
        let meta: HashMap<String, String> = [
            ("model".to_string(), self.name.to_string()),
            (
                "params".to_string(),
                toml::to_string(&self.params).map_err(|e| NnError::Data(e.to_string()))?,
            ),
            (
                "spec".to_string(),
                serde_json::to_string(&f.spec).map_err(json)?,
            ),
            (
                "normalizer".to_string(),
                serde_json::to_string(&f.norm).map_err(json)?,
            ),
        ]
        .into();
        let mut meta = meta;
        for (k, v) in extra {
            meta.insert((*k).to_string(), v.clone());
        }
        checkpoint::save(&f.store, &meta, path)
    }

    /// Restore a model written by [`NeuralModel::save`].
    pub fn load(&mut self, path: &Path) -> Result<()> {
        self.load_with(path, |_, _| Ok(()))
    }

    /// [`NeuralModel::load`], with `restore` called on the checkpoint's metadata and the
    /// saved architecture before the network is rebuilt (to put back what
    /// [`NeuralModel::save_with`] added, e.g. the vocabulary that sizes an embedding).
    pub fn load_with(
        &mut self,
        path: &Path,
        restore: impl FnOnce(&HashMap<String, String>, &mut A) -> Result<()>,
    ) -> Result<()> {
        let meta = checkpoint::read_metadata(path)?;
        let bad = |message: String| NnError::Checkpoint {
            path: path.to_path_buf(),
            message,
        };
        let get = |k: &str| {
            meta.get(k)
                .ok_or_else(|| bad(format!("metadata `{k}` is missing")))
        };
        if get("model")? != self.name {
            return Err(bad(format!(
                "written by model `{}`, not `{}`",
                get("model")?,
                self.name
            )));
        }
        let mut params: NeuralParams<A> =
            toml::from_str(get("params")?).map_err(|e| bad(format!("params: {e}")))?;
        restore(&meta, &mut params.arch)?;
        let spec: NetSpec =
            serde_json::from_str(get("spec")?).map_err(|e| bad(format!("spec: {e}")))?;
        let norm: Normalizer = serde_json::from_str(get("normalizer")?)
            .map_err(|e| bad(format!("normalizer: {e}")))?;
        let mut store = ParamStore::new();
        let net = params
            .arch
            .build(&mut store, &spec, &mut ChaCha8Rng::seed_from_u64(0))?;
        checkpoint::load(&mut store, path)?;
        self.params = params;
        self.fitted = Some(Fitted {
            net,
            store,
            norm,
            spec,
        });
        Ok(())
    }
}
