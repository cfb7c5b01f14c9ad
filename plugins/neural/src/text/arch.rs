//! The two text networks: token embedding, then a 1-D CNN with several kernel widths
//! (`text-cnn`) or a stacked BiLSTM (`text-bilstm`), pooling over the tokens (attention
//! by default), dropout and the heads.
//!
//! A batch reaches the network as the training loop pads any frame input: `(B, T, 1)`
//! with the token ids as values (exact in `f32` below 2^24; the vocabulary is capped far
//! below) and id 0 ([`super::vocab::PAD`]) after each utterance's last token.
//!
//! What both share (pooling, the text input, the common keys and their checks) is here;
//! each architecture's keys and build are in `cnn` and `bilstm`, the network itself in
//! `net`. All are re-exported here so `text::arch::…` paths stay as they were.

use serde::{Deserialize, Serialize};
use serlab_nn::train::Architecture;
use serlab_nn::{NnError, Result};
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

// After `common_fields!`: macros are in scope only below their definition.
mod bilstm;
mod cnn;
mod net;

pub use bilstm::TextBilstmArch;
pub use cnn::TextCnnArch;
pub use net::TextNet;

const COMMON_KEYS: [&str; 7] = [
    "embed",
    "min_count",
    "max_vocab",
    "lowercase",
    "pretrained",
    "freeze",
    "embed_dropout",
];
