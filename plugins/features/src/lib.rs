//! serlab-features: the standard feature-extractor plugin of serlab.
//!
//! Components (all pure, deterministic and finite on any input: empty, shorter than a
//! frame, silent, DC-offset or clipped audio). `FEATURES.md` next to this crate's
//! `Cargo.toml` lists every descriptor, functional and set member.
//!
//! * `log-mel` ([`LogMelExtractor`]): `T x n_mels` log-mel spectrogram, following librosa's
//!   definitions (periodic Hann window, centred frames with reflect padding, power
//!   spectrogram, Slaney mel scale and area normalisation, `power_to_db(ref=1, amin=1e-10,
//!   top_db=80)` per utterance);
//! * `mfcc` ([`MfccExtractor`]): `T x n_mfcc` MFCCs as `librosa.feature.mfcc` (orthonormal
//!   DCT-II of the dB mel spectrogram), optionally with deltas and delta-deltas
//!   (`librosa.feature.delta`, width 9, `interp` edges);
//! * `functionals` ([`FunctionalsExtractor`]): one utterance-level vector of statistics over
//!   MFCC, log-mel, energy, spectral and YIN-pitch low-level descriptors;
//! * `lld` ([`LldExtractor`]): frame-level descriptors (energy, loudness, ZCR, librosa
//!   spectral shape, contrast, chroma, YIN F0 and voicing, jitter, shimmer, HNR, formants,
//!   MFCC, log-mel), groups chosen by parameters ([`lld`]);
//! * `egemaps-like` ([`EgemapsExtractor`]): 88 values modelled on eGeMAPS;
//! * `compare-like` ([`CompareExtractor`]): 5202 values in the spirit of ComParE 2013.
//!
//! The FFTs are `realfft`'s, planned once per extractor; descriptive statistics of small
//! lists come from `statrs`. Mel and chroma filterbanks, DCT, YIN, LPC, voice quality and
//! the contour functionals are written here in small modules, because each must follow a
//! specific published or librosa definition exactly (golden-tested against librosa 0.11
//! in `tests/golden.rs`).

pub mod chroma;
pub mod compare;
pub mod egemaps;
pub mod formants;
pub mod functionals;
pub mod lld;
pub mod lld_extractor;
pub mod logmel;
pub mod loudness;
pub mod lpc;
pub mod mel;
pub mod mfcc;
pub mod pitch;
pub mod sets;
pub mod spectral;
pub mod stats;
pub mod stft;
pub mod voice;

#[cfg(test)]
mod testutil;

pub use compare::CompareExtractor;
pub use egemaps::EgemapsExtractor;
pub use functionals::{FunctionalsExtractor, FunctionalsParams};
pub use lld_extractor::{LldExtractor, LldParams};
pub use logmel::{LogMelExtractor, LogMelParams};
pub use mfcc::{MfccExtractor, MfccParams};

/// The exported plugin declaration (`serlab_plugin_declaration`).
mod declaration {
    serlab_api::export_plugin!("features", super::register);
}

/// Registers the plugin's components.
pub fn register(r: &mut serlab_api::plugin::Registrar) {
    r.extractor::<LogMelExtractor>();
    r.extractor::<MfccExtractor>();
    r.extractor::<FunctionalsExtractor>();
    r.extractor::<LldExtractor>();
    r.extractor::<EgemapsExtractor>();
    r.extractor::<CompareExtractor>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serlab_api::plugin::{ComponentKind, Registrar};

    #[test]
    fn registers_six_extractors() {
        let mut r = Registrar::new("features");
        register(&mut r);
        let c = r.components();
        let names: Vec<_> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "log-mel",
                "mfcc",
                "functionals",
                "lld",
                "egemaps-like",
                "compare-like"
            ]
        );
        assert!(c.iter().all(|c| c.kind == ComponentKind::Extractor));
        // Every parameter has help and the defaults render as TOML.
        for info in &c {
            assert!(!info.defaults.starts_with('#'), "{}", info.defaults);
            for line in info.defaults.lines().filter(|l| l.contains('=')) {
                let key = line.split('=').next().unwrap().trim();
                assert!(
                    info.params.iter().any(|(k, _)| k == key),
                    "{}: no help for {key}",
                    info.name
                );
            }
        }
    }
}
