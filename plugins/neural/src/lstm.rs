//! `lstm`: a stacked (Bi)LSTM over frames, attention pooling, heads.

use crate::cnn::Pooling;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serlab_nn::layers::{AttentionPool, Lstm};
use serlab_nn::ops;
use serlab_nn::train::{
    ArchParams, Architecture, Batch, Heads, InputKind, NetSpec, Network, TaskHeads,
};
use serlab_nn::{Graph, NnError, ParamStore, Result};

/// Architecture keys of `lstm`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LstmArch {
    /// Units per direction.
    pub hidden: usize,
    /// Stacked layers.
    pub layers: usize,
    /// Read both ways.
    pub bidirectional: bool,
    /// Keep every k-th frame.
    pub subsample: usize,
    /// Attention hidden size.
    pub attention: usize,
    /// Pooling over time.
    pub pooling: Pooling,
    /// Dropout between layers and after pooling.
    pub dropout: f64,
}

impl Default for LstmArch {
    fn default() -> Self {
        LstmArch {
            hidden: 64,
            layers: 2,
            bidirectional: true,
            subsample: 1,
            attention: 64,
            pooling: Pooling::Attention,
            dropout: 0.3,
        }
    }
}

impl ArchParams for LstmArch {
    const KEYS: &'static [&'static str] = &[
        "hidden",
        "layers",
        "bidirectional",
        "subsample",
        "attention",
        "pooling",
        "dropout",
    ];
}

/// The `lstm` network.
pub struct LstmNet {
    lstm: Lstm,
    subsample: usize,
    pool: Option<AttentionPool>,
    dropout: f64,
    heads: TaskHeads,
}

impl Architecture for LstmArch {
    type Net = LstmNet;

    fn input(&self) -> InputKind {
        InputKind::Frames
    }

    fn validate(&self) -> Result<()> {
        if self.hidden == 0 || self.layers == 0 || self.subsample == 0 || self.attention == 0 {
            return Err(NnError::config(
                "hidden",
                "hidden, layers, subsample and attention must be at least 1",
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
    ) -> Result<LstmNet> {
        let lstm = Lstm::new(
            store,
            "lstm",
            spec.dim,
            self.hidden,
            self.layers,
            self.bidirectional,
            self.dropout,
            rng,
        )?;
        let d = lstm.output_dim();
        let pool = match self.pooling {
            Pooling::Attention => Some(AttentionPool::new(store, "att", d, self.attention, rng)?),
            Pooling::Mean => None,
        };
        Ok(LstmNet {
            lstm,
            subsample: self.subsample,
            pool,
            dropout: self.dropout,
            heads: TaskHeads::new(store, d, spec, rng)?,
        })
    }
}

/// Keep every `k`-th frame of a constant `(B, T, D)` batch.
pub fn subsample(g: &Graph<f32>, batch: &Batch, k: usize) -> Result<Batch> {
    if k <= 1 {
        return Ok(Batch {
            x: batch.x.clone(),
            lengths: batch.lengths.clone(),
        });
    }
    let [b, t, d] = [batch.x.dims()[0], batch.x.dims()[1], batch.x.dims()[2]];
    let t2 = t.div_ceil(k);
    let xv = batch.x.values();
    let mut v = vec![0.0; b * t2 * d];
    for i in 0..b {
        for s in 0..t2 {
            let src = (i * t + s * k) * d;
            v[(i * t2 + s) * d..(i * t2 + s + 1) * d].copy_from_slice(&xv[src..src + d]);
        }
    }
    Ok(Batch {
        x: g.constant(v, &[b, t2, d])?,
        lengths: batch.lengths.iter().map(|l| l.div_ceil(k)).collect(),
    })
}

impl Network for LstmNet {
    fn forward(
        &self,
        g: &Graph<f32>,
        p: &ParamStore<f32>,
        batch: &Batch,
        rng: &mut ChaCha8Rng,
    ) -> Result<Heads> {
        let b = subsample(g, batch, self.subsample)?;
        let h = self.lstm.forward(g, p, &b.x, &b.lengths, rng)?;
        let pooled = match &self.pool {
            Some(a) => a.forward(g, p, &h, &b.lengths)?.1,
            None => ops::mean_pool_time(g, &h, &b.lengths)?,
        };
        let e = ops::dropout(g, &pooled, self.dropout, rng)?;
        self.heads.forward(g, p, &e)
    }
}
