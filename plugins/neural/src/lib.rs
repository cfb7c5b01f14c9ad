//! serlab plugin `neural`: the neural models `mlp`, `cnn-attention` and `lstm`, built on
//! serlab-nn (runtime-sized layers on dfdx, one shared training loop).
//!
//! - `mlp` reads one vector per utterance (functionals; frame features are averaged):
//!   fully connected layers with BatchNorm, ReLU and dropout. The default, three layers of
//!   50 units with BatchNorm, is the best model of a published EmoDB study of
//!   utterance-level networks.
//! - `cnn-attention` reads a spectrogram (log-mel, `T x F`): 2-D conv blocks over time and
//!   frequency (conv, BatchNorm, ReLU, max-pool), optional 1-D conv blocks over time, a
//!   frame projection, attention pooling over the valid frames, and the heads.
//! - `lstm` reads frame features (LLDs or log-mel): a stacked (Bi)LSTM, attention pooling,
//!   and the heads.
//!
//! - `text-cnn` and `text-bilstm` read text (the `transcript` extractor): a token
//!   embedding learnt from scratch or initialised from GloVe / word2vec vectors, a 1-D CNN
//!   with several kernel widths or a BiLSTM, attention pooling over the tokens (see
//!   [`text`]).
//!
//! Every model can add multitask heads through the training keys `vad_weight` (V/A/D
//! regression with a CCC loss), `gender_weight` and `intensity_weight` (auxiliary
//! classifications); the training keys are shared and listed by `serlab plugins`.
//!
//! One crate for the three models: they share all their code through serlab-nn, and each
//! extra cdylib would compile and link dfdx and the training loop once more.

pub mod cnn;
pub mod lstm;
pub mod mlp;
pub mod text;

use serlab_api::{Component, Features, FitContext, LabeledSet, Model, Result};
use serlab_nn::train::{NeuralModel, NeuralParams};
use std::path::Path;

mod declaration {
    serlab_api::export_plugin!("neural", super::register);
}

/// Registers the plugin's components.
pub fn register(r: &mut serlab_api::plugin::Registrar) {
    r.model::<Mlp>();
    r.model::<CnnAttention>();
    r.model::<Lstm>();
    r.model::<TextCnn>();
    r.model::<TextBilstm>();
}

macro_rules! neural_model {
    ($(#[$doc:meta])* $ty:ident, $arch:ty, $name:literal, $summary:literal, $help:expr) => {
        $(#[$doc])*
        pub struct $ty(pub NeuralModel<$arch>);

        impl Component for $ty {
            const NAME: &'static str = $name;
            const SUMMARY: &'static str = $summary;
            const PARAMS_HELP: &'static [(&'static str, &'static str)] = $help;
            type Params = NeuralParams<$arch>;

            fn new(params: Self::Params) -> Result<Self> {
                Ok($ty(NeuralModel::new($name, params)?))
            }
        }

        impl Model for $ty {
            fn fit(
                &mut self,
                train: &LabeledSet<'_>,
                valid: &LabeledSet<'_>,
                ctx: &mut FitContext<'_>,
            ) -> Result<()> {
                Ok(self.0.fit(train, valid, ctx)?)
            }
            fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
                Ok(self.0.predict(inputs, None)?)
            }
            fn predict_proba_by_speaker(
                &self,
                inputs: &[&Features],
                speakers: &[&str],
            ) -> Result<Vec<Vec<f32>>> {
                Ok(self.0.predict(inputs, Some(speakers))?)
            }
            fn predict_vad(&self, inputs: &[&Features]) -> Result<Option<Vec<[f32; 3]>>> {
                Ok(self.0.predict_vad(inputs, None)?)
            }
            fn predict_vad_by_speaker(
                &self,
                inputs: &[&Features],
                speakers: &[&str],
            ) -> Result<Option<Vec<[f32; 3]>>> {
                Ok(self.0.predict_vad(inputs, Some(speakers))?)
            }
            fn save(&self, path: &Path) -> Result<()> {
                Ok(self.0.save(path)?)
            }
            fn load(&mut self, path: &Path) -> Result<()> {
                Ok(self.0.load(path)?)
            }
        }
    };
}

neural_model!(
    /// The `mlp` model.
    Mlp,
    mlp::MlpArch,
    "mlp",
    "fully connected network with BatchNorm and dropout over utterance vectors (functionals)",
    serlab_nn::params_help!(
        ("hidden", "units per hidden layer (default [50, 50, 50])"),
        ("batch_norm", "BatchNorm after each hidden layer (default true)"),
        ("dropout", "dropout after each hidden layer (default 0.3)"),
    )
);

neural_model!(
    /// The `cnn-attention` model.
    CnnAttention,
    cnn::CnnArch,
    "cnn-attention",
    "2-D CNN over a spectrogram (log-mel), attention pooling over time, optional multitask heads",
    serlab_nn::params_help!(
        ("channels", "output channels of the 2-D conv blocks (default [16, 32, 64])"),
        ("kernel", "square kernel size of the 2-D convolutions (default 3)"),
        ("pool", "max-pool [time, freq] after each block, one per block (default [[2, 2], [2, 2], [2, 2]])"),
        ("temporal_channels", "channels of 1-D conv blocks over time after the 2-D blocks (default [])"),
        ("temporal_kernel", "kernel of the 1-D convolutions (default 3)"),
        ("embed", "frame projection size before pooling (default 128)"),
        ("attention", "attention hidden size (default 64)"),
        ("pooling", "\"attention\" (default) or \"mean\" over the valid frames"),
        ("dropout", "dropout after the projection and the pooling (default 0.3)"),
    )
);

neural_model!(
    /// The `lstm` model.
    Lstm,
    lstm::LstmArch,
    "lstm",
    "stacked (Bi)LSTM over frame features, attention pooling over time, optional multitask heads",
    serlab_nn::params_help!(
        ("hidden", "LSTM units per direction (default 64)"),
        ("layers", "stacked LSTM layers (default 2)"),
        ("bidirectional", "read each sequence both ways (default true)"),
        ("subsample", "keep every k-th frame (default 1)"),
        ("attention", "attention hidden size (default 64)"),
        ("pooling", "\"attention\" (default) or \"mean\" over the valid frames"),
        ("dropout", "dropout between LSTM layers and after pooling (default 0.3)"),
    )
);

macro_rules! text_model {
    ($(#[$doc:meta])* $ty:ident, $arch:ty, $name:literal, $summary:literal, $help:expr) => {
        $(#[$doc])*
        pub struct $ty(pub text::TextModel<$arch>);

        impl Component for $ty {
            const NAME: &'static str = $name;
            const SUMMARY: &'static str = $summary;
            const PARAMS_HELP: &'static [(&'static str, &'static str)] = $help;
            type Params = text::TextParams<$arch>;

            fn new(params: Self::Params) -> Result<Self> {
                Ok($ty(text::TextModel::new($name, params)?))
            }
        }

        impl Model for $ty {
            fn fit(
                &mut self,
                train: &LabeledSet<'_>,
                valid: &LabeledSet<'_>,
                ctx: &mut FitContext<'_>,
            ) -> Result<()> {
                Ok(self.0.fit(train, valid, ctx)?)
            }
            fn predict_proba(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
                Ok(self.0.predict(inputs)?)
            }
            fn predict_vad(&self, inputs: &[&Features]) -> Result<Option<Vec<[f32; 3]>>> {
                Ok(self.0.predict_vad(inputs)?)
            }
            fn save(&self, path: &Path) -> Result<()> {
                Ok(self.0.save(path)?)
            }
            fn load(&mut self, path: &Path) -> Result<()> {
                Ok(self.0.load(path)?)
            }
        }
    };
}

text_model!(
    /// The `text-cnn` model.
    TextCnn,
    text::arch::TextCnnArch,
    "text-cnn",
    "token embedding (from scratch or GloVe/word2vec), 1-D CNN with several widths, attention pooling (text)",
    serlab_nn::params_help!(
        ("embed", "embedding width without `pretrained` (default 100)"),
        ("min_count", "training occurrences a word needs to enter the vocabulary (default 2)"),
        ("max_vocab", "largest vocabulary incl. <pad> and <unk>, 0 = no limit (default 20000)"),
        ("lowercase", "lower-case the tokens (default true)"),
        ("pretrained", "GloVe or word2vec text file of vectors that initialise the embedding; its width replaces `embed`; words it lacks start random (default none)"),
        ("freeze", "keep the pretrained embedding fixed (default false)"),
        ("embed_dropout", "dropout on the embedded tokens (default 0.2)"),
        ("kernels", "odd kernel widths, one convolution each (default [1, 3, 5])"),
        ("channels", "output channels per kernel width (default 100)"),
        ("pooling", "\"attention\" (default), \"max\" or \"mean\" over the tokens"),
        ("attention", "attention hidden size (default 64)"),
        ("dropout", "dropout after pooling (default 0.5)"),
    )
);

text_model!(
    /// The `text-bilstm` model.
    TextBilstm,
    text::arch::TextBilstmArch,
    "text-bilstm",
    "token embedding (from scratch or GloVe/word2vec), BiLSTM, attention pooling (text)",
    serlab_nn::params_help!(
        ("embed", "embedding width without `pretrained` (default 100)"),
        ("min_count", "training occurrences a word needs to enter the vocabulary (default 2)"),
        ("max_vocab", "largest vocabulary incl. <pad> and <unk>, 0 = no limit (default 20000)"),
        ("lowercase", "lower-case the tokens (default true)"),
        ("pretrained", "GloVe or word2vec text file of vectors that initialise the embedding; its width replaces `embed`; words it lacks start random (default none)"),
        ("freeze", "keep the pretrained embedding fixed (default false)"),
        ("embed_dropout", "dropout on the embedded tokens (default 0.2)"),
        ("hidden", "LSTM units per direction (default 64)"),
        ("layers", "stacked BiLSTM layers (default 1)"),
        ("pooling", "\"attention\" (default), \"max\" or \"mean\" over the tokens"),
        ("attention", "attention hidden size (default 64)"),
        ("dropout", "dropout between layers and after pooling (default 0.5)"),
    )
);

#[cfg(test)]
mod tests {
    use serlab_api::Component;

    #[test]
    fn registers_its_models_with_documented_defaults() {
        let mut r = serlab_api::plugin::Registrar::new("neural");
        super::register(&mut r);
        let c = r.components();
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["mlp", "cnn-attention", "lstm", "text-cnn", "text-bilstm"]
        );
        for comp in &c {
            let table: toml::Table = comp.defaults.parse().unwrap();
            for k in table.keys() {
                assert!(
                    comp.params.iter().any(|(h, _)| h == k),
                    "{}: `{k}` has no help",
                    comp.name
                );
            }
            // `pretrained` has no default value, so the defaults table omits it.
            let optional = usize::from(comp.params.iter().any(|(h, _)| *h == "pretrained"));
            assert_eq!(table.len() + optional, comp.params.len(), "{}", comp.name);
        }
        // Text models read ids: their defaults must not standardise them.
        assert!(
            c[3].defaults.contains("normalize = \"none\""),
            "{}",
            c[3].defaults
        );
        assert!(
            c[0].defaults.contains("hidden = [50, 50, 50]"),
            "{}",
            c[0].defaults
        );
        assert_eq!(super::Mlp::NAME, "mlp");
    }
}
