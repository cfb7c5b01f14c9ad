//! `cnn-attention`: 2-D conv blocks over (time, frequency), optional 1-D conv blocks over
//! time, a frame projection, attention pooling over the valid frames, heads.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serlab_nn::layers::{AttentionPool, BatchNorm, Conv1d, Conv2d, Linear};
use serlab_nn::ops::{self, Conv2dSpec, PoolKind};
use serlab_nn::train::{
    ArchParams, Architecture, Batch, Heads, InputKind, NetSpec, Network, TaskHeads,
};
use serlab_nn::{Graph, NnError, ParamStore, Result, Var};

/// How frames are pooled into one vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Additive attention over the valid frames.
    Attention,
    /// The mean of the valid frames.
    Mean,
}

/// Architecture keys of `cnn-attention`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CnnArch {
    /// Output channels of the 2-D blocks.
    pub channels: Vec<usize>,
    /// Square kernel of the 2-D convolutions.
    pub kernel: usize,
    /// Max-pool `[time, freq]` after each 2-D block.
    pub pool: Vec<[usize; 2]>,
    /// Channels of 1-D blocks over time.
    pub temporal_channels: Vec<usize>,
    /// Kernel of the 1-D convolutions.
    pub temporal_kernel: usize,
    /// Frame projection size.
    pub embed: usize,
    /// Attention hidden size.
    pub attention: usize,
    /// Pooling over time.
    pub pooling: Pooling,
    /// Dropout after the projection and after pooling.
    pub dropout: f64,
}

impl Default for CnnArch {
    fn default() -> Self {
        CnnArch {
            channels: vec![16, 32, 64],
            kernel: 3,
            pool: vec![[2, 2], [2, 2], [2, 2]],
            temporal_channels: Vec::new(),
            temporal_kernel: 3,
            embed: 128,
            attention: 64,
            pooling: Pooling::Attention,
            dropout: 0.3,
        }
    }
}

impl ArchParams for CnnArch {
    const KEYS: &'static [&'static str] = &[
        "channels",
        "kernel",
        "pool",
        "temporal_channels",
        "temporal_kernel",
        "embed",
        "attention",
        "pooling",
        "dropout",
    ];
}

struct Block {
    conv: Conv2d,
    bn: BatchNorm,
    pool: (usize, usize),
}

struct Temporal {
    conv: Conv1d,
    bn: BatchNorm,
}

/// The `cnn-attention` network.
pub struct CnnNet {
    blocks: Vec<Block>,
    temporal: Vec<Temporal>,
    proj: Linear,
    pool: Option<AttentionPool>,
    dropout: f64,
    min_frames: usize,
    heads: TaskHeads,
}

impl Architecture for CnnArch {
    type Net = CnnNet;

    fn input(&self) -> InputKind {
        InputKind::Frames
    }

    fn validate(&self) -> Result<()> {
        if self.channels.is_empty() || self.channels.contains(&0) {
            return Err(NnError::config(
                "channels",
                "needs at least one block of at least one channel",
            ));
        }
        if self.pool.len() != self.channels.len() {
            return Err(NnError::config(
                "pool",
                format!(
                    "one [time, freq] pool per block: {} blocks, {} pools",
                    self.channels.len(),
                    self.pool.len()
                ),
            ));
        }
        if self.pool.iter().any(|p| p[0] == 0 || p[1] == 0) {
            return Err(NnError::config("pool", "pool sizes must be at least 1"));
        }
        if self.kernel == 0 || self.temporal_kernel == 0 || self.embed == 0 || self.attention == 0 {
            return Err(NnError::config(
                "kernel",
                "kernel, temporal_kernel, embed and attention must be at least 1",
            ));
        }
        if self.temporal_channels.contains(&0) {
            return Err(NnError::config(
                "temporal_channels",
                "every block needs at least one channel",
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
    ) -> Result<CnnNet> {
        let mut blocks = Vec::new();
        let (mut c, mut f) = (1usize, spec.dim);
        for (i, (&out, p)) in self.channels.iter().zip(&self.pool).enumerate() {
            let sp = Conv2dSpec::same(self.kernel, self.kernel);
            blocks.push(Block {
                conv: Conv2d::new(store, &format!("block{i}.conv"), c, out, sp, false, rng)?,
                bn: BatchNorm::new(store, &format!("block{i}.bn"), out, 1)?,
                pool: (p[0], p[1]),
            });
            c = out;
            f /= p[1];
            if f == 0 {
                return Err(NnError::config(
                    "pool",
                    format!(
                        "the frequency pools shrink {} feature columns to nothing by block {i}",
                        spec.dim
                    ),
                ));
            }
        }
        let mut d = c * f;
        let mut temporal = Vec::new();
        for (i, &out) in self.temporal_channels.iter().enumerate() {
            temporal.push(Temporal {
                conv: Conv1d::new(
                    store,
                    &format!("temporal{i}.conv"),
                    d,
                    out,
                    self.temporal_kernel,
                    rng,
                )?,
                bn: BatchNorm::new(store, &format!("temporal{i}.bn"), out, 1)?,
            });
            d = out;
        }
        let proj = Linear::new(store, "proj", d, self.embed, true, rng)?;
        let pool = match self.pooling {
            Pooling::Attention => Some(AttentionPool::new(
                store,
                "att",
                self.embed,
                self.attention,
                rng,
            )?),
            Pooling::Mean => None,
        };
        Ok(CnnNet {
            blocks,
            temporal,
            proj,
            pool,
            dropout: self.dropout,
            min_frames: self.pool.iter().map(|p| p[0]).product(),
            heads: TaskHeads::new(store, self.embed, spec, rng)?,
        })
    }
}

/// The valid-position mask of `(B, C, T, F)` maps (positions `b, t, f`), or `None` when no
/// sequence is padded.
fn mask(lengths: &[usize], t: usize, f: usize) -> Option<Vec<bool>> {
    if lengths.iter().all(|&l| l >= t) {
        return None;
    }
    Some(
        lengths
            .iter()
            .flat_map(|&l| (0..t).flat_map(move |i| std::iter::repeat_n(i < l, f)))
            .collect(),
    )
}

impl CnnNet {
    fn frames(
        &self,
        g: &Graph<f32>,
        p: &ParamStore<f32>,
        batch: &Batch,
    ) -> Result<(Var<f32>, Vec<usize>)> {
        let [b, t, d] = [batch.x.dims()[0], batch.x.dims()[1], batch.x.dims()[2]];
        // Utterances shorter than the product of the time pools are zero-padded to it.
        let x = if t < self.min_frames {
            let mut v = vec![0.0; b * self.min_frames * d];
            for i in 0..b {
                v[i * self.min_frames * d..i * self.min_frames * d + t * d]
                    .copy_from_slice(&batch.x.values()[i * t * d..(i + 1) * t * d]);
            }
            g.constant(v, &[b, 1, self.min_frames, d])?
        } else {
            batch.x.reshape(&[b, 1, t, d])?
        };
        let mut h = x;
        let mut lengths = batch.lengths.clone();
        for blk in &self.blocks {
            h = blk.conv.forward(g, p, &h)?;
            let dims = h.dims().to_vec();
            let m = mask(&lengths, dims[2], dims[3]);
            h = blk.bn.forward(g, p, &h, m.as_deref())?;
            h = ops::relu(g, &h)?;
            h = ops::pool2d(g, &h, blk.pool, PoolKind::Max)?;
            lengths = lengths.iter().map(|l| (l / blk.pool.0).max(1)).collect();
        }
        // (B, C, T', F') -> (B, T', C * F')
        let dims = h.dims().to_vec();
        let (c, t2, f2) = (dims[1], dims[2], dims[3]);
        h = ops::swap_axes12(g, &h)?.reshape(&[b, t2, c * f2])?;
        for tb in &self.temporal {
            // (B, T', D) -> (B, D, T') for the 1-D convolution over time, and back.
            let x = ops::swap_axes12(g, &h.reshape(&[b, t2, h.dims()[2], 1])?)?;
            let x = x.reshape(&[b, x.dims()[1], t2])?;
            let y = tb.conv.forward(g, p, &x)?;
            let m = mask(&lengths, t2, 1);
            let y = tb.bn.forward(g, p, &y, m.as_deref())?;
            let y = ops::relu(g, &y)?;
            let o = y.dims()[1];
            h = ops::swap_axes12(g, &y.reshape(&[b, o, t2, 1])?)?.reshape(&[b, t2, o])?;
        }
        Ok((h, lengths))
    }
}

impl Network for CnnNet {
    fn forward(
        &self,
        g: &Graph<f32>,
        p: &ParamStore<f32>,
        batch: &Batch,
        rng: &mut ChaCha8Rng,
    ) -> Result<Heads> {
        let (h, lengths) = self.frames(g, p, batch)?;
        let e = ops::relu(g, &self.proj.forward(g, p, &h)?)?;
        let e = ops::dropout(g, &e, self.dropout, rng)?;
        let pooled = match &self.pool {
            Some(a) => a.forward(g, p, &e, &lengths)?.1,
            None => ops::mean_pool_time(g, &e, &lengths)?,
        };
        let z = ops::dropout(g, &pooled, self.dropout, rng)?;
        self.heads.forward(g, p, &z)
    }
}
