//! The two text networks: token embedding, then a 1-D CNN with several kernel widths
//! (`text-cnn`) or a stacked BiLSTM (`text-bilstm`), pooling over the tokens (attention
//! by default), dropout and the heads.
//!
//! A batch reaches the network as the training loop pads any frame input: `(B, T, 1)`
//! with the token ids as values (exact in `f32` below 2^24; the vocabulary is capped far
//! below) and id 0 ([`super::vocab::PAD`]) after each utterance's last token.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serlab_nn::layers::{AttentionPool, Conv1d, Embedding, Lstm};
use serlab_nn::ops;
use serlab_nn::train::{
    ArchParams, Architecture, Batch, Heads, InputKind, NetSpec, Network, TaskHeads,
};
use serlab_nn::{Graph, NnError, ParamStore, Result, Var};
use std::sync::Arc;

/// How token states are pooled into one vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Additive attention over the valid tokens.
    Attention,
    /// The maximum over the valid tokens, per feature (Kim's text CNN).
    Max,
    /// The mean of the valid tokens.
    Mean,
}

/// Largest vocabulary: ids travel as `f32` values, exact up to 2^24.
pub const MAX_VOCAB: usize = 1 << 20;

/// What the wrapper learnt before the network is built: the vocabulary's size, the
/// embedding width and (with pretrained vectors) the initial table. Not a parameter key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextInput {
    /// Vocabulary entries (padding and unknown included).
    pub vocab: usize,
    /// Embedding width.
    pub dim: usize,
    /// Initial table, `vocab x dim`.
    pub init: Option<Arc<Vec<f32>>>,
}

/// The keys every text model has (vocabulary, embedding, pooling).
#[derive(Clone, Debug, PartialEq)]
pub struct TextCommon {
    /// Embedding width without pretrained vectors.
    pub embed: usize,
    /// Minimum count of a training word to enter the vocabulary.
    pub min_count: usize,
    /// Largest vocabulary, special tokens included (0 = no limit).
    pub max_vocab: usize,
    /// Lower-case tokens.
    pub lowercase: bool,
    /// A GloVe / word2vec text file.
    pub pretrained: Option<String>,
    /// Keep the embedding table fixed.
    pub freeze: bool,
}

/// An architecture of the text models.
pub trait TextArch: Architecture<Net = TextNet> {
    /// The shared keys.
    fn common(&self) -> TextCommon;
    /// Set what the wrapper learnt on the training set.
    fn set_input(&mut self, input: TextInput);
}

fn check_common(c: &TextCommon, dropout: f64, embed_dropout: f64, att: usize) -> Result<()> {
    if c.embed == 0 || att == 0 {
        return Err(NnError::config(
            "embed",
            "embed and attention must be at least 1",
        ));
    }
    if c.max_vocab > MAX_VOCAB || (c.max_vocab > 0 && c.max_vocab < 3) {
        return Err(NnError::config(
            "max_vocab",
            format!("must be 0 (no limit) or in 3..={MAX_VOCAB}"),
        ));
    }
    if c.freeze && c.pretrained.is_none() {
        return Err(NnError::config(
            "freeze",
            "freezes pretrained vectors; set `pretrained` too (a frozen random table learns nothing)",
        ));
    }
    for (k, p) in [("dropout", dropout), ("embed_dropout", embed_dropout)] {
        if !(0.0..1.0).contains(&p) {
            return Err(NnError::config(k, "must be in [0, 1)"));
        }
    }
    Ok(())
}

macro_rules! common_fields {
    ($s:ident) => {
        TextCommon {
            embed: $s.embed,
            min_count: $s.min_count,
            max_vocab: $s.max_vocab,
            lowercase: $s.lowercase,
            pretrained: $s.pretrained.clone(),
            freeze: $s.freeze,
        }
    };
}

/// Architecture keys of `text-cnn`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TextCnnArch {
    /// Embedding width (without `pretrained`).
    pub embed: usize,
    /// Minimum training count of a vocabulary word.
    pub min_count: usize,
    /// Largest vocabulary (0 = no limit).
    pub max_vocab: usize,
    /// Lower-case tokens.
    pub lowercase: bool,
    /// Pretrained vectors file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretrained: Option<String>,
    /// Keep the embedding fixed.
    pub freeze: bool,
    /// Dropout on the embedded tokens.
    pub embed_dropout: f64,
    /// Kernel widths (odd), one convolution each.
    pub kernels: Vec<usize>,
    /// Output channels per kernel width.
    pub channels: usize,
    /// Pooling over tokens.
    pub pooling: Pooling,
    /// Attention hidden size.
    pub attention: usize,
    /// Dropout after pooling.
    pub dropout: f64,
    /// Set by the wrapper.
    #[serde(skip)]
    pub input: TextInput,
}

impl Default for TextCnnArch {
    fn default() -> Self {
        TextCnnArch {
            embed: 100,
            min_count: 2,
            max_vocab: 20000,
            lowercase: true,
            pretrained: None,
            freeze: false,
            embed_dropout: 0.2,
            kernels: vec![1, 3, 5],
            channels: 100,
            pooling: Pooling::Attention,
            attention: 64,
            dropout: 0.5,
            input: TextInput::default(),
        }
    }
}

const COMMON_KEYS: [&str; 7] = [
    "embed",
    "min_count",
    "max_vocab",
    "lowercase",
    "pretrained",
    "freeze",
    "embed_dropout",
];

impl ArchParams for TextCnnArch {
    const KEYS: &'static [&'static str] = &[
        COMMON_KEYS[0],
        COMMON_KEYS[1],
        COMMON_KEYS[2],
        COMMON_KEYS[3],
        COMMON_KEYS[4],
        COMMON_KEYS[5],
        COMMON_KEYS[6],
        "kernels",
        "channels",
        "pooling",
        "attention",
        "dropout",
    ];
}

/// Architecture keys of `text-bilstm`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TextBilstmArch {
    /// Embedding width (without `pretrained`).
    pub embed: usize,
    /// Minimum training count of a vocabulary word.
    pub min_count: usize,
    /// Largest vocabulary (0 = no limit).
    pub max_vocab: usize,
    /// Lower-case tokens.
    pub lowercase: bool,
    /// Pretrained vectors file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretrained: Option<String>,
    /// Keep the embedding fixed.
    pub freeze: bool,
    /// Dropout on the embedded tokens.
    pub embed_dropout: f64,
    /// LSTM units per direction.
    pub hidden: usize,
    /// Stacked layers.
    pub layers: usize,
    /// Pooling over tokens.
    pub pooling: Pooling,
    /// Attention hidden size.
    pub attention: usize,
    /// Dropout between layers and after pooling.
    pub dropout: f64,
    /// Set by the wrapper.
    #[serde(skip)]
    pub input: TextInput,
}

impl Default for TextBilstmArch {
    fn default() -> Self {
        TextBilstmArch {
            embed: 100,
            min_count: 2,
            max_vocab: 20000,
            lowercase: true,
            pretrained: None,
            freeze: false,
            embed_dropout: 0.2,
            hidden: 64,
            layers: 1,
            pooling: Pooling::Attention,
            attention: 64,
            dropout: 0.5,
            input: TextInput::default(),
        }
    }
}

impl ArchParams for TextBilstmArch {
    const KEYS: &'static [&'static str] = &[
        COMMON_KEYS[0],
        COMMON_KEYS[1],
        COMMON_KEYS[2],
        COMMON_KEYS[3],
        COMMON_KEYS[4],
        COMMON_KEYS[5],
        COMMON_KEYS[6],
        "hidden",
        "layers",
        "pooling",
        "attention",
        "dropout",
    ];
}

/// The token encoder of a text network.
enum Encoder {
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
fn build_net(
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

impl Architecture for TextCnnArch {
    type Net = TextNet;

    fn input(&self) -> InputKind {
        InputKind::Frames
    }

    fn validate(&self) -> Result<()> {
        check_common(
            &self.common(),
            self.dropout,
            self.embed_dropout,
            self.attention,
        )?;
        if self.kernels.is_empty() || self.kernels.iter().any(|k| k % 2 == 0) {
            return Err(NnError::config(
                "kernels",
                format!(
                    "needs at least one odd width (the output keeps one step per token), got {:?}",
                    self.kernels
                ),
            ));
        }
        if self.channels == 0 {
            return Err(NnError::config("channels", "must be at least 1"));
        }
        Ok(())
    }

    fn build(
        &self,
        store: &mut ParamStore<f32>,
        spec: &NetSpec,
        rng: &mut ChaCha8Rng,
    ) -> Result<TextNet> {
        let (kernels, channels) = (self.kernels.clone(), self.channels);
        build_net(
            store,
            spec,
            rng,
            &self.input,
            &self.common(),
            self.embed_dropout,
            |store, dim, rng| {
                let convs = kernels
                    .iter()
                    .map(|&k| Conv1d::new(store, &format!("conv{k}"), dim, channels, k, rng))
                    .collect::<Result<Vec<_>>>()?;
                Ok((Encoder::Cnn(convs), channels * kernels.len()))
            },
            self.pooling,
            self.attention,
            self.dropout,
        )
    }
}

impl TextArch for TextCnnArch {
    fn common(&self) -> TextCommon {
        common_fields!(self)
    }
    fn set_input(&mut self, input: TextInput) {
        self.input = input;
    }
}

impl Architecture for TextBilstmArch {
    type Net = TextNet;

    fn input(&self) -> InputKind {
        InputKind::Frames
    }

    fn validate(&self) -> Result<()> {
        check_common(
            &self.common(),
            self.dropout,
            self.embed_dropout,
            self.attention,
        )?;
        if self.hidden == 0 || self.layers == 0 {
            return Err(NnError::config(
                "hidden",
                "hidden and layers must be at least 1",
            ));
        }
        Ok(())
    }

    fn build(
        &self,
        store: &mut ParamStore<f32>,
        spec: &NetSpec,
        rng: &mut ChaCha8Rng,
    ) -> Result<TextNet> {
        let (hidden, layers, dropout) = (self.hidden, self.layers, self.dropout);
        build_net(
            store,
            spec,
            rng,
            &self.input,
            &self.common(),
            self.embed_dropout,
            |store, dim, rng| {
                let l = Lstm::new(store, "lstm", dim, hidden, layers, true, dropout, rng)?;
                let d = l.output_dim();
                Ok((Encoder::Lstm(l), d))
            },
            self.pooling,
            self.attention,
            self.dropout,
        )
    }
}

impl TextArch for TextBilstmArch {
    fn common(&self) -> TextCommon {
        common_fields!(self)
    }
    fn set_input(&mut self, input: TextInput) {
        self.input = input;
    }
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
