//! `mlp`: fully connected layers over one vector per utterance.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serlab_nn::layers::{BatchNorm, Linear};
use serlab_nn::ops;
use serlab_nn::train::{
    ArchParams, Architecture, Batch, Heads, InputKind, NetSpec, Network, TaskHeads,
};
use serlab_nn::{Graph, NnError, ParamStore, Result};

/// Architecture keys of `mlp`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpArch {
    /// Units per hidden layer.
    pub hidden: Vec<usize>,
    /// BatchNorm after each hidden layer.
    pub batch_norm: bool,
    /// Dropout after each hidden layer.
    pub dropout: f64,
}

impl Default for MlpArch {
    fn default() -> Self {
        MlpArch {
            hidden: vec![50, 50, 50],
            batch_norm: true,
            dropout: 0.3,
        }
    }
}

impl ArchParams for MlpArch {
    const KEYS: &'static [&'static str] = &["hidden", "batch_norm", "dropout"];
}

/// The `mlp` network.
pub struct MlpNet {
    layers: Vec<(Linear, Option<BatchNorm>)>,
    dropout: f64,
    heads: TaskHeads,
}

impl Architecture for MlpArch {
    type Net = MlpNet;

    fn input(&self) -> InputKind {
        InputKind::Vector
    }

    fn validate(&self) -> Result<()> {
        if self.hidden.contains(&0) {
            return Err(NnError::config(
                "hidden",
                "every layer needs at least one unit",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NnError::config("dropout", "must be in [0, 1)"));
        }
        Ok(())
    }

    fn build(
        &self,
        store: &mut ParamStore<f32>,
        spec: &NetSpec,
        rng: &mut ChaCha8Rng,
    ) -> Result<MlpNet> {
        let mut layers = Vec::new();
        let mut d = spec.dim;
        for (i, &h) in self.hidden.iter().enumerate() {
            let lin = Linear::new(store, &format!("fc{i}"), d, h, !self.batch_norm, rng)?;
            let bn = if self.batch_norm {
                Some(BatchNorm::new(store, &format!("bn{i}"), h, 1)?)
            } else {
                None
            };
            layers.push((lin, bn));
            d = h;
        }
        Ok(MlpNet {
            layers,
            dropout: self.dropout,
            heads: TaskHeads::new(store, d, spec, rng)?,
        })
    }
}

impl Network for MlpNet {
    fn forward(
        &self,
        g: &Graph<f32>,
        p: &ParamStore<f32>,
        batch: &Batch,
        rng: &mut ChaCha8Rng,
    ) -> Result<Heads> {
        let mut h = batch.x.clone();
        for (lin, bn) in &self.layers {
            h = lin.forward(g, p, &h)?;
            if let Some(bn) = bn {
                h = bn.forward(g, p, &h, None)?;
            }
            h = ops::relu(g, &h)?;
            h = ops::dropout(g, &h, self.dropout, rng)?;
        }
        self.heads.forward(g, p, &h)
    }
}
