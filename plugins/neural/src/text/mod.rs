//! The text models `text-cnn` and `text-bilstm`: a token embedding trained from scratch
//! (or initialised from pretrained GloVe / word2vec vectors, optionally frozen), a 1-D CNN
//! over the tokens with several kernel widths or a BiLSTM, attention pooling over the
//! tokens, dropout and a linear classifier, trained by serlab-nn's shared loop (class
//! weights, AdamW, early stopping and epoch selection on the validation utterances).
//!
//! [`TextModel`] wraps the loop's [`NeuralModel`]: it builds the vocabulary from the
//! training transcripts only ([`vocab`]), turns each transcript into its token ids (a
//! one-column frame matrix, which the loop pads and masks like any sequence; padding is
//! id 0 and embeds to zero), and saves the vocabulary with the weights so that
//! `serlab predict` reads text the way training did.
//!
//! On MELD (`experiments/meld-text-nn.toml`, official split, 2610 test utterances, epochs
//! selected on the dev split's loss, settings chosen on the dev split): `text-cnn` with
//! widths 3 and 5 and max pooling reaches weighted F1 0.555 (UA 0.313), `text-bilstm`
//! 0.552 (UA 0.318), and their average with TF-IDF + logistic regression 0.564 (UA 0.325);
//! the published from-scratch text-CNN on MELD reaches about 0.55. Command:
//! `SERLAB_MELD=../shared/data/meld-text serlab run experiments/meld-text-nn.toml`.
//!
//! The training keys are the loop's (`serlab plugins` lists them) with text defaults:
//! no input standardisation (`normalize = "none"`, required: the inputs are ids), 30
//! epochs, patience 6. Augmentations of numeric features (noise, SpecAugment masks,
//! mixup) are refused; `max_frames` crops utterances to that many tokens.

pub mod arch;
pub mod vectors;
pub mod vocab;

use arch::{TextArch, TextInput};
use serde::{Deserialize, Serialize};
use serlab_api::{Features, FitContext, LabeledSet, RunEvent};
use serlab_nn::train::{ArchParams, NeuralModel, NeuralParams, Normalize, TrainParams};
use serlab_nn::{NnError, Result};
use std::path::Path;
use std::sync::Arc;
use vocab::Vocab;

/// The training defaults of the text models.
pub fn train_defaults() -> TrainParams {
    TrainParams {
        epochs: 30,
        patience: 6,
        normalize: Normalize::None,
        ..TrainParams::default()
    }
}

/// The parameter table of a text model: the architecture's keys and the training loop's,
/// with [`train_defaults`].
#[derive(Clone, Debug, PartialEq)]
pub struct TextParams<A>(pub NeuralParams<A>);

impl<A: ArchParams> Default for TextParams<A> {
    fn default() -> Self {
        TextParams(NeuralParams {
            arch: A::default(),
            train: train_defaults(),
        })
    }
}

impl<A: ArchParams> Serialize for TextParams<A> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, A: ArchParams> Deserialize<'de> for TextParams<A> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = toml::Table::deserialize(d)?;
        let defaults = toml::Table::try_from(train_defaults()).map_err(D::Error::custom)?;
        for (k, v) in defaults {
            table.entry(k).or_insert(v);
        }
        let p: NeuralParams<A> = toml::Value::Table(table)
            .try_into()
            .map_err(D::Error::custom)?;
        Ok(TextParams(p))
    }
}

/// A text model: vocabulary plus a [`NeuralModel`] over token ids.
pub struct TextModel<A: TextArch> {
    inner: NeuralModel<A>,
    vocab: Option<Vocab>,
    name: &'static str,
}

/// The transcripts of `inputs`, or an error naming the model.
fn texts<'a>(name: &str, inputs: &[&'a Features]) -> Result<Vec<&'a str>> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.as_text().ok_or_else(|| {
                NnError::Data(format!(
                    "{name} reads text (the `transcript` extractor), but utterance {i} has \
                     numeric features"
                ))
            })
        })
        .collect()
}

/// `s` with other inputs.
fn with_inputs<'a>(s: &LabeledSet<'a>, inputs: &'a [&'a Features]) -> LabeledSet<'a> {
    LabeledSet {
        inputs,
        labels: s.labels,
        speakers: s.speakers,
        vad: s.vad,
        classes: s.classes,
        aux: s.aux,
    }
}

fn ids_as_frames(ids: &[usize]) -> Features {
    Features::Frames {
        frames: ids.len(),
        dim: 1,
        data: ids.iter().map(|&i| i as f32).collect(),
    }
}

impl<A: TextArch> TextModel<A> {
    /// An unfitted model named `name`.
    pub fn new(name: &'static str, params: TextParams<A>) -> Result<Self> {
        let t = &params.0.train;
        if t.normalize != Normalize::None {
            return Err(NnError::config(
                "normalize",
                "a text model reads token ids, which must not be standardised: use \"none\"",
            ));
        }
        for (k, on) in [
            ("mixup_alpha", t.mixup_alpha > 0.0),
            ("gaussian_noise", t.gaussian_noise > 0.0),
            ("noise_snr_db", !t.noise_snr_db.is_empty()),
            ("time_masks", t.time_masks > 0),
            ("freq_masks", t.freq_masks > 0),
        ] {
            if on {
                return Err(NnError::config(
                    k,
                    "augments numeric features; a text model's inputs are token ids",
                ));
            }
        }
        Ok(TextModel {
            inner: NeuralModel::new(name, params.0)?,
            vocab: None,
            name,
        })
    }

    /// The model's parameters.
    pub fn params(&self) -> &NeuralParams<A> {
        &self.inner.params
    }

    /// The underlying neural model (weights, epoch history).
    pub fn neural(&self) -> &NeuralModel<A> {
        &self.inner
    }

    /// The vocabulary, once fitted or loaded.
    pub fn vocab(&self) -> Option<&Vocab> {
        self.vocab.as_ref()
    }

    fn encode(&self, vocab: &Vocab, inputs: &[&Features]) -> Result<Vec<Features>> {
        Ok(texts(self.name, inputs)?
            .iter()
            .map(|t| ids_as_frames(&vocab.encode(t)))
            .collect())
    }

    /// Build the vocabulary on `train`, then train the network.
    pub fn fit(
        &mut self,
        train: &LabeledSet<'_>,
        valid: &LabeledSet<'_>,
        ctx: &mut FitContext<'_>,
    ) -> Result<()> {
        let c = self.inner.params.arch.common();
        let vocab = Vocab::build(
            texts(self.name, train.inputs)?,
            c.min_count,
            c.max_vocab,
            c.lowercase,
        );
        let input = match &c.pretrained {
            None => TextInput {
                vocab: vocab.len(),
                dim: c.embed,
                init: None,
            },
            Some(path) => {
                let path = serlab_api::env::expand_env(path)
                    .map_err(|e| NnError::config("pretrained", e))?;
                let p = vectors::load(Path::new(&path), &vocab, ctx.seed)?;
                let words = vocab.len() - vocab::SPECIAL.len();
                if p.found * 2 < words {
                    ctx.events.emit(RunEvent::Warning {
                        message: format!(
                            "{}: {path} covers only {} of the {words} vocabulary words",
                            ctx.model_id, p.found
                        ),
                    });
                }
                TextInput {
                    vocab: vocab.len(),
                    dim: p.dim,
                    init: Some(Arc::new(p.table)),
                }
            }
        };
        let dim = input.dim;
        self.inner.params.arch.set_input(input);
        let tr = self.encode(&vocab, train.inputs)?;
        let va = self.encode(&vocab, valid.inputs)?;
        let (tr_refs, va_refs): (Vec<&Features>, Vec<&Features>) =
            (tr.iter().collect(), va.iter().collect());
        let result = self.inner.fit(
            &with_inputs(train, &tr_refs),
            &with_inputs(valid, &va_refs),
            ctx,
        );
        // The initial table lives on in the weights; keep only the sizes.
        self.inner.params.arch.set_input(TextInput {
            vocab: vocab.len(),
            dim,
            init: None,
        });
        result?;
        self.vocab = Some(vocab);
        Ok(())
    }

    fn fitted_vocab(&self) -> Result<&Vocab> {
        self.vocab
            .as_ref()
            .ok_or_else(|| NnError::Data(format!("{}: used before fit (or load)", self.name)))
    }

    /// Class probabilities of transcripts.
    pub fn predict(&self, inputs: &[&Features]) -> Result<Vec<Vec<f32>>> {
        let x = self.encode(self.fitted_vocab()?, inputs)?;
        let refs: Vec<&Features> = x.iter().collect();
        self.inner.predict(&refs, None)
    }

    /// V/A/D predictions, when the model has a V/A/D head.
    pub fn predict_vad(&self, inputs: &[&Features]) -> Result<Option<Vec<[f32; 3]>>> {
        let x = self.encode(self.fitted_vocab()?, inputs)?;
        let refs: Vec<&Features> = x.iter().collect();
        self.inner.predict_vad(&refs, None)
    }

    /// Weights, parameters and vocabulary to a safetensors file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let v = self.fitted_vocab()?;
        let json = serde_json::to_string(v.words()).map_err(|e| NnError::Data(e.to_string()))?;
        let dim = self.inner.params.arch.common();
        let width = self
            .inner
            .store()
            .and_then(|s| s.find("embedding.weight").map(|id| s.dims(id)[1]))
            .unwrap_or(dim.embed);
        self.inner.save_with(
            path,
            &[
                ("vocab", json),
                ("lowercase", v.lowercase().to_string()),
                ("embed_dim", width.to_string()),
            ],
        )
    }

    /// Restore a model written by [`TextModel::save`].
    pub fn load(&mut self, path: &Path) -> Result<()> {
        let mut vocab = None;
        self.inner.load_with(path, |meta, arch| {
            let bad = |message: String| NnError::Checkpoint {
                path: path.to_path_buf(),
                message,
            };
            let get = |k: &str| {
                meta.get(k)
                    .ok_or_else(|| bad(format!("metadata `{k}` is missing (not a text model?)")))
            };
            let words: Vec<String> =
                serde_json::from_str(get("vocab")?).map_err(|e| bad(format!("vocab: {e}")))?;
            let lowercase = get("lowercase")? == "true";
            let dim: usize = get("embed_dim")?
                .parse()
                .map_err(|e| bad(format!("embed_dim: {e}")))?;
            let v = Vocab::from_words(words, lowercase).map_err(|e| bad(e.to_string()))?;
            arch.set_input(TextInput {
                vocab: v.len(),
                dim,
                init: None,
            });
            vocab = Some(v);
            Ok(())
        })?;
        self.vocab = vocab;
        Ok(())
    }
}
