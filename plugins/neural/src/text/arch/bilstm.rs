//! `text-bilstm`: its architecture keys and how it builds a [`TextNet`] with a stacked
//! BiLSTM as the token encoder.

use super::net::{build_net, Encoder, TextNet};
use super::{check_common, Pooling, TextArch, TextCommon, TextInput, COMMON_KEYS};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serlab_nn::layers::Lstm;
use serlab_nn::train::{ArchParams, Architecture, InputKind, NetSpec};
use serlab_nn::{NnError, ParamStore, Result};

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
