//! [`TextNet`], the network both text architectures build: embedding, token encoder
//! (CNN or BiLSTM), pooling over the tokens, dropout and the heads. One type for both, so
//! the training loop sees a single network.

use super::{Pooling, TextCommon, TextInput};
use rand_chacha::ChaCha8Rng;
use serlab_nn::layers::{AttentionPool, Conv1d, Embedding, Lstm};
use serlab_nn::ops;
use serlab_nn::train::{Batch, Heads, NetSpec, Network, TaskHeads};
use serlab_nn::{Graph, NnError, ParamStore, Result, Var};

/// The token encoder of a text network.
pub(super) enum Encoder {
    Cnn(Vec<Conv1d>),
    Lstm(Lstm),
}

/// A text network: embedding, encoder, pooling, heads.
pub struct TextNet {
    embedding: Embedding,
    embed_dropout: f64,
    encoder: Encoder,
    pool: Option<AttentionPool>,
    max: bool,
    dropout: f64,
    heads: TaskHeads,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn build_net(
    store: &mut ParamStore<f32>,
    spec: &NetSpec,
    rng: &mut ChaCha8Rng,
    input: &TextInput,
    common: &TextCommon,
    embed_dropout: f64,
    encoder: impl FnOnce(&mut ParamStore<f32>, usize, &mut ChaCha8Rng) -> Result<(Encoder, usize)>,
    pooling: Pooling,
    attention: usize,
    dropout: f64,
) -> Result<TextNet> {
    if input.vocab < 2 || input.dim == 0 {
        return Err(NnError::Data(
            "text model: the network is built before its vocabulary (fit or load first)".into(),
        ));
    }
    if spec.dim != 1 {
        return Err(NnError::Data(format!(
            "text model: expects token ids (one value per token), got {} values",
            spec.dim
        )));
    }
    // Word2vec-style scale for random rows: N(0, 1) as PyTorch's nn.Embedding.
    let embedding = Embedding::new(
        store,
        "embedding",
        input.vocab,
        input.dim,
        input.init.as_deref().map(Vec::as_slice),
        1.0,
        common.freeze && input.init.is_some(),
        rng,
    )?;
    let (encoder, d) = encoder(store, input.dim, rng)?;
    let pool = match pooling {
        Pooling::Attention => Some(AttentionPool::new(store, "att", d, attention, rng)?),
        _ => None,
    };
    Ok(TextNet {
        embedding,
        embed_dropout,
        encoder,
        pool,
        max: pooling == Pooling::Max,
        dropout,
        heads: TaskHeads::new(store, d, spec, rng)?,
    })
}

impl TextNet {
    /// Token states `(B, T, D)` of a batch of token ids.
    fn encode(
        &self,
        g: &Graph<f32>,
        p: &ParamStore<f32>,
        batch: &Batch,
        rng: &mut ChaCha8Rng,
    ) -> Result<Var<f32>> {
        ops::expect_rank("text model", &batch.x, 3)?;
        let [b, t] = [batch.x.dims()[0], batch.x.dims()[1]];
        let ids: Vec<usize> = batch.x.values().iter().map(|v| *v as usize).collect();
        let x = self.embedding.forward(g, p, &ids, &[b, t])?;
        let x = ops::dropout(g, &x, self.embed_dropout, rng)?;
        match &self.encoder {
            Encoder::Cnn(convs) => {
                let xc = ops::swap_axes12(g, &x)?;
                let outs = convs
                    .iter()
                    .map(|c| {
                        let y = ops::relu(g, &c.forward(g, p, &xc)?)?;
                        ops::swap_axes12(g, &y)
                    })
                    .collect::<Result<Vec<_>>>()?;
                if outs.len() == 1 {
                    Ok(outs.into_iter().next().expect("one width"))
                } else {
                    ops::concat_last(g, &outs.iter().collect::<Vec<_>>())
                }
            }
            Encoder::Lstm(l) => l.forward(g, p, &x, &batch.lengths, rng),
        }
    }
}

impl Network for TextNet {
    fn forward(
        &self,
        g: &Graph<f32>,
        p: &ParamStore<f32>,
        batch: &Batch,
        rng: &mut ChaCha8Rng,
    ) -> Result<Heads> {
        let h = self.encode(g, p, batch, rng)?;
        let pooled = match (&self.pool, self.max) {
            (Some(a), _) => a.forward(g, p, &h, &batch.lengths)?.1,
            (None, true) => ops::max_pool_time(g, &h, &batch.lengths)?,
            (None, false) => ops::mean_pool_time(g, &h, &batch.lengths)?,
        };
        let e = ops::dropout(g, &pooled, self.dropout, rng)?;
        self.heads.forward(g, p, &e)
    }
}
