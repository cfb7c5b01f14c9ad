//! `text-cnn`: its architecture keys and how it builds a [`TextNet`] with a 1-D CNN of
//! several kernel widths as the token encoder.

use super::net::{build_net, Encoder, TextNet};
use super::{check_common, Pooling, TextArch, TextCommon, TextInput, COMMON_KEYS};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serlab_nn::layers::Conv1d;
use serlab_nn::train::{ArchParams, Architecture, InputKind, NetSpec};
use serlab_nn::{NnError, ParamStore, Result};

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
