//! The `lld` extractor: the frame-level descriptors of [`crate::lld`] as a `T x D` matrix,
//! descriptor groups picked by parameters, optionally with width-9 deltas.

use crate::lld::{Groups, LldConfig, LldEngine};
use crate::mfcc::delta;
use crate::stft::{check_rate, sanitize, PadMode};
use serde::{Deserialize, Serialize};
use serlab_api::{Audio, Component, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result};

/// Parameters of [`LldExtractor`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LldParams {
    /// Sample rate the extractor wants, Hz.
    pub sample_rate: u32,
    /// FFT length.
    pub n_fft: usize,
    /// Hann window length (<= n_fft); also the RMS / ZCR frame and the LPC window.
    pub win_length: usize,
    /// Hop between frames.
    pub hop_length: usize,
    /// Padding at the ends of the signal: `constant` (librosa 0.11) or `reflect`.
    pub pad_mode: PadMode,
    /// Mel bands (log-mel group, MFCC, flux).
    pub n_mels: usize,
    /// MFCCs, c0 included.
    pub n_mfcc: usize,
    /// Lowest F0, Hz.
    pub f0_min: f32,
    /// Highest F0, Hz.
    pub f0_max: f32,
    /// Aperiodicity under which a frame may be voiced.
    pub voicing_threshold: f32,
    /// Voiced frames must be within this many dB of the loudest frame.
    pub voicing_range_db: f32,
    /// Spectral-contrast octave bands.
    pub contrast_bands: usize,
    /// Lower edge of the first contrast octave, Hz.
    pub contrast_fmin: f32,
    /// LPC order for formants, 0 = `2 + sample_rate / 1000`.
    pub lpc_order: usize,
    /// Append width-9 deltas of every column.
    pub deltas: bool,
    /// Energy group.
    pub energy: bool,
    /// librosa spectral-shape group.
    pub spectral: bool,
    /// Extra spectral group.
    pub spectral_extra: bool,
    /// Spectral contrast group.
    pub contrast: bool,
    /// Chroma group.
    pub chroma: bool,
    /// Pitch group.
    pub pitch: bool,
    /// Voice-quality group.
    pub voice: bool,
    /// Formant group.
    pub formants: bool,
    /// MFCC group.
    pub mfcc: bool,
    /// Log-mel group.
    pub logmel: bool,
}

impl Default for LldParams {
    fn default() -> Self {
        LldParams {
            sample_rate: 16000,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            pad_mode: PadMode::Constant,
            n_mels: 26,
            n_mfcc: 15,
            f0_min: 60.0,
            f0_max: 500.0,
            voicing_threshold: 0.2,
            voicing_range_db: 40.0,
            contrast_bands: 6,
            contrast_fmin: 200.0,
            lpc_order: 0,
            deltas: false,
            energy: true,
            spectral: true,
            spectral_extra: true,
            contrast: true,
            chroma: true,
            pitch: true,
            voice: true,
            formants: true,
            mfcc: true,
            logmel: false,
        }
    }
}

impl LldParams {
    /// The engine settings these parameters describe.
    pub fn config(&self) -> LldConfig {
        LldConfig {
            sample_rate: self.sample_rate,
            n_fft: self.n_fft,
            win_length: self.win_length,
            hop_length: self.hop_length,
            pad_mode: self.pad_mode,
            n_mels: self.n_mels,
            n_mfcc: self.n_mfcc,
            f0_min: self.f0_min,
            f0_max: self.f0_max,
            voicing_threshold: self.voicing_threshold,
            voicing_range_db: self.voicing_range_db,
            contrast_bands: self.contrast_bands,
            contrast_fmin: self.contrast_fmin,
            lpc_order: self.lpc_order,
            groups: Groups {
                energy: self.energy,
                spectral: self.spectral,
                spectral_extra: self.spectral_extra,
                contrast: self.contrast,
                chroma: self.chroma,
                pitch: self.pitch,
                voice: self.voice,
                formants: self.formants,
                mfcc: self.mfcc,
                logmel: self.logmel,
            },
        }
    }
}

/// Frame-level descriptors (`T x D`).
#[derive(Clone, Debug)]
pub struct LldExtractor {
    params: LldParams,
    engine: LldEngine,
}

impl LldExtractor {
    /// The planned engine.
    pub fn engine(&self) -> &LldEngine {
        &self.engine
    }
}

impl Component for LldExtractor {
    const NAME: &'static str = "lld";
    const SUMMARY: &'static str = "frame-level low-level descriptors (T x D): energy, loudness, \
         ZCR, librosa spectral shape, contrast, chroma, YIN F0 + voicing, jitter, shimmer, \
         HNR, formants, MFCC, log-mel; groups selectable";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[
        ("sample_rate", "sample rate the audio is resampled to, Hz"),
        ("n_fft", "FFT length in samples"),
        (
            "win_length",
            "periodic Hann window in samples (<= n_fft); also the RMS/ZCR frame and LPC window",
        ),
        ("hop_length", "hop between frames in samples"),
        (
            "pad_mode",
            "padding at the ends: \"constant\" (zeros, librosa 0.11) or \"reflect\"",
        ),
        ("n_mels", "mel bands for the log-mel group, the MFCCs and flux"),
        ("n_mfcc", "number of MFCCs, c0 included"),
        ("f0_min", "lowest F0 YIN searches, Hz"),
        ("f0_max", "highest F0 YIN searches, Hz"),
        (
            "voicing_threshold",
            "YIN aperiodicity under which a frame may be voiced (0..1)",
        ),
        (
            "voicing_range_db",
            "voiced frames must be within this many dB of the loudest frame",
        ),
        (
            "contrast_bands",
            "spectral-contrast octave bands above contrast_fmin (values: bands + 1)",
        ),
        ("contrast_fmin", "lower edge of the first contrast octave, Hz"),
        ("lpc_order", "LPC order for formants (0 = 2 + sample_rate / 1000)"),
        (
            "deltas",
            "append width-9 deltas of every column (names end in _d)",
        ),
        ("energy", "group: rms, rms_db, loudness, zcr"),
        (
            "spectral",
            "group: centroid, bandwidth, rolloff (85%), flatness, flux (librosa definitions)",
        ),
        (
            "spectral_extra",
            "group: entropy, spectral moments and slope, roll-offs 25-90%, band energies, \
             alpha ratio, Hammarberg index, band slopes, sharpness",
        ),
        ("contrast", "group: spectral contrast per octave band, dB"),
        ("chroma", "group: 12 STFT chroma values (tuning 0)"),
        (
            "pitch",
            "group: f0 (Hz, 0 when unvoiced), voicing_prob, voiced (0/1)",
        ),
        (
            "voice",
            "group: jitter_local, jitter_ddp, shimmer_db, hnr_db, h1_h2, h1_a3 (0 / -20 dB unvoiced)",
        ),
        (
            "formants",
            "group: F1-F3 frequency, bandwidth and amplitude relative to H1 (0 when unvoiced)",
        ),
        ("mfcc", "group: n_mfcc MFCCs of the n_mels log-mel bands"),
        ("logmel", "group: n_mels log-mel bands, dB"),
    ];
    type Params = LldParams;

    fn new(params: LldParams) -> Result<Self> {
        let engine = LldEngine::new(Self::NAME, params.config())?;
        Ok(LldExtractor { params, engine })
    }
}

impl FeatureExtractor for LldExtractor {
    fn info(&self) -> Result<FeatureInfo> {
        let mut names = self.engine.names().to_vec();
        if self.params.deltas {
            let d: Vec<String> = names.iter().map(|n| format!("{n}_d")).collect();
            names.extend(d);
        }
        Ok(FeatureInfo {
            shape: FeatureShape::Frames,
            dim: names.len(),
            sample_rate: self.params.sample_rate,
            names,
            version: 1,
        })
    }

    fn extract(&self, audio: &Audio) -> Result<Features> {
        check_rate(Self::NAME, audio, self.params.sample_rate)?;
        let llds = self.engine.compute(&sanitize(&audio.samples))?;
        let frames = llds.frames;
        let base = self.engine.names().len();
        let mut data = llds.rows();
        let mut dim = base;
        if self.params.deltas {
            let d = delta(&data, frames, base, 9, 1);
            let mut both = Vec::with_capacity(2 * data.len());
            for t in 0..frames {
                both.extend_from_slice(&data[t * base..(t + 1) * base]);
                both.extend_from_slice(&d[t * base..(t + 1) * base]);
            }
            data = both;
            dim = 2 * base;
        }
        Ok(Features::Frames { frames, dim, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{audio, odd_inputs, sine, vowel};

    fn col(e: &LldExtractor, f: &Features, name: &str) -> Vec<f32> {
        let info = e.info().unwrap();
        let c = info.names.iter().position(|n| n == name).unwrap();
        let Features::Frames { dim, data, .. } = f else {
            panic!()
        };
        data.chunks_exact(*dim).map(|r| r[c]).collect()
    }

    #[test]
    fn names_shape_and_groups() {
        let e = LldExtractor::new(LldParams::default()).unwrap();
        let info = e.info().unwrap();
        // 4 energy + 5 spectral + 16 extra + 7 contrast + 12 chroma + 3 pitch + 6 voice
        // + 9 formants + 15 mfcc.
        assert_eq!(info.dim, 4 + 5 + 16 + 7 + 12 + 3 + 6 + 9 + 15);
        let unique: std::collections::HashSet<_> = info.names.iter().collect();
        assert_eq!(unique.len(), info.dim);
        let f = e.extract(&audio(sine(220.0, 8000, 16000, 0.5))).unwrap();
        let Features::Frames { frames, dim, data } = &f else {
            panic!()
        };
        assert_eq!((*frames, *dim, data.len()), (51, info.dim, 51 * info.dim));
        let f0 = col(&e, &f, "f0");
        assert!(f0[5..45].iter().all(|v| (v - 220.0).abs() < 2.2), "{f0:?}");
        let p = LldParams {
            deltas: true,
            spectral_extra: false,
            contrast: false,
            chroma: false,
            voice: false,
            formants: false,
            mfcc: false,
            ..Default::default()
        };
        let e = LldExtractor::new(p).unwrap();
        let info = e.info().unwrap();
        assert_eq!(info.dim, 2 * (4 + 5 + 3));
        assert_eq!(info.names[12], "rms_d");
        let none = LldParams {
            energy: false,
            spectral: false,
            spectral_extra: false,
            contrast: false,
            chroma: false,
            pitch: false,
            voice: false,
            formants: false,
            mfcc: false,
            logmel: false,
            ..Default::default()
        };
        assert!(LldExtractor::new(none).is_err());
    }

    #[test]
    fn vowel_has_its_formants_and_voice_quality() {
        let e = LldExtractor::new(LldParams::default()).unwrap();
        let f = e
            .extract(&audio(vowel(&[730.0, 1090.0, 2440.0], 120.0, 16000, 8000)))
            .unwrap();
        let voiced = col(&e, &f, "voiced");
        assert!(voiced[5..45].iter().all(|&v| v == 1.0));
        let mid = |name: &str| {
            let mut v = col(&e, &f, name)[5..45].to_vec();
            v.sort_by(f32::total_cmp);
            v[20]
        };
        assert!((mid("f1") - 730.0).abs() < 90.0, "{}", mid("f1"));
        assert!((mid("f2") - 1090.0).abs() < 110.0, "{}", mid("f2"));
        // A strictly periodic pulse train: tiny jitter and shimmer, high HNR.
        assert!(mid("jitter_local") < 0.01, "{}", mid("jitter_local"));
        assert!(mid("shimmer_db") < 0.3, "{}", mid("shimmer_db"));
        assert!(mid("hnr_db") > 20.0, "{}", mid("hnr_db"));
        assert!((mid("f0") - 16000.0 / 133.0).abs() < 1.5, "{}", mid("f0"));
    }

    #[test]
    fn odd_input_is_finite_and_silence_unvoiced() {
        let e = LldExtractor::new(LldParams {
            deltas: true,
            logmel: true,
            ..Default::default()
        })
        .unwrap();
        for x in odd_inputs() {
            let n = x.len();
            let f = e.extract(&audio(x)).unwrap();
            let Features::Frames { frames, data, .. } = &f else {
                panic!()
            };
            assert_eq!(*frames, 1 + n / 160);
            assert!(data.iter().all(|v| v.is_finite()));
        }
        let f = e.extract(&audio(vec![0.0; 16000])).unwrap();
        assert!(col(&e, &f, "voiced").iter().all(|&v| v == 0.0));
        assert!(col(&e, &f, "f0").iter().all(|&v| v == 0.0));
        assert!(col(&e, &f, "hnr_db")
            .iter()
            .all(|&v| (v + 20.0).abs() < 0.1));
    }
}
