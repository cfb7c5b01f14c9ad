//! `transcript`: the text feature — an utterance's transcript, normalised, for models that
//! learn their own representation of words.

use crate::text::normalise;
use serde::{Deserialize, Serialize};
use serlab_api::{
    Audio, Component, Error, FeatureExtractor, FeatureInfo, FeatureInput, FeatureShape, Features,
    Result,
};

/// Parameters of `transcript`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranscriptParams {
    /// Lower-case the text.
    pub lowercase: bool,
    /// Map typographic quotes, dashes and ellipses to ASCII.
    pub ascii_punctuation: bool,
}

impl Default for TranscriptParams {
    fn default() -> Self {
        TranscriptParams {
            lowercase: true,
            ascii_punctuation: true,
        }
    }
}

/// The `transcript` feature extractor.
#[derive(Debug)]
pub struct Transcript {
    params: TranscriptParams,
}

impl Component for Transcript {
    const NAME: &'static str = "transcript";
    const SUMMARY: &'static str =
        "the utterance's transcript (from the corpus or the [transcriber]), normalised, as text features";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[
        ("lowercase", "lower-case the text (default true)"),
        (
            "ascii_punctuation",
            "map typographic quotes, dashes and ellipses to ASCII (default true)",
        ),
    ];
    type Params = TranscriptParams;

    fn new(params: TranscriptParams) -> Result<Self> {
        Ok(Transcript { params })
    }
}

impl FeatureExtractor for Transcript {
    fn info(&self) -> Result<FeatureInfo> {
        Ok(FeatureInfo {
            shape: FeatureShape::Text,
            dim: 0,
            sample_rate: 16_000,
            names: Vec::new(),
            version: 1,
        })
    }

    fn extract(&self, _audio: &Audio) -> Result<Features> {
        Err(Error::invalid(
            "transcript reads the utterance's text, not its audio",
        ))
    }

    fn input(&self) -> FeatureInput {
        FeatureInput::Transcript
    }

    fn extract_text(&self, text: &str) -> Result<Features> {
        Ok(Features::Text(normalise(
            text,
            self.params.lowercase,
            self.params.ascii_punctuation,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_normalised_text_and_refuses_audio() {
        let t = Transcript::new(TranscriptParams::default()).unwrap();
        assert_eq!(t.input(), FeatureInput::Transcript);
        assert_eq!(t.info().unwrap().shape, FeatureShape::Text);
        assert_eq!(
            t.extract_text("He’s  LOST it…").unwrap(),
            Features::Text("he's lost it...".into())
        );
        let a = Audio {
            samples: vec![0.0; 10],
            sample_rate: 16_000,
        };
        assert!(t.extract(&a).is_err());
    }
}
