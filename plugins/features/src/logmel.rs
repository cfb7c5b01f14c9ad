//! The `log-mel` extractor: a `T x n_mels` log-mel spectrogram, as
//! `librosa.power_to_db(librosa.feature.melspectrogram(y, sr, n_fft, hop_length,
//! win_length, center, pad_mode='reflect', power=2.0, n_mels, fmin, fmax), ref=1.0,
//! amin=1e-10, top_db=80)`.

use crate::mel::{MelFrontEnd, MelSettings};
use crate::stft::{check_rate, sanitize, PadMode};
use serde::{Deserialize, Serialize};
use serlab_api::{Audio, Component, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result};

/// Parameters of [`LogMelExtractor`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogMelParams {
    /// Sample rate the extractor wants, Hz.
    pub sample_rate: u32,
    /// FFT length.
    pub n_fft: usize,
    /// Hann window length (<= n_fft).
    pub win_length: usize,
    /// Hop between frames.
    pub hop_length: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest filter frequency, Hz.
    pub fmin: f32,
    /// Highest filter frequency, Hz; 0 means sample_rate / 2.
    pub fmax: f32,
    /// Centre frames on `t * hop_length` (pads by n_fft / 2).
    pub center: bool,
    /// Padding used when centring: `reflect` or `constant`.
    pub pad_mode: PadMode,
    /// Dynamic range kept below the utterance maximum, dB; 0 keeps all.
    pub top_db: f32,
}

impl Default for LogMelParams {
    fn default() -> Self {
        LogMelParams {
            sample_rate: 16000,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            n_mels: 64,
            fmin: 0.0,
            fmax: 0.0,
            center: true,
            pad_mode: PadMode::Reflect,
            top_db: 80.0,
        }
    }
}

impl LogMelParams {
    fn settings(&self) -> MelSettings {
        MelSettings {
            sample_rate: self.sample_rate,
            n_fft: self.n_fft,
            win_length: self.win_length,
            hop_length: self.hop_length,
            n_mels: self.n_mels,
            fmin: self.fmin,
            fmax: self.fmax,
            center: self.center,
            pad_mode: self.pad_mode,
            top_db: self.top_db,
        }
    }
}

/// Log-mel spectrogram frames.
#[derive(Clone, Debug)]
pub struct LogMelExtractor {
    params: LogMelParams,
    front: MelFrontEnd,
}

impl Component for LogMelExtractor {
    const NAME: &'static str = "log-mel";
    const SUMMARY: &'static str =
        "log-mel spectrogram frames (T x n_mels, dB), librosa melspectrogram + power_to_db";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[
        ("sample_rate", "sample rate the audio is resampled to, Hz"),
        ("n_fft", "FFT length in samples"),
        (
            "win_length",
            "periodic Hann window length in samples (<= n_fft)",
        ),
        ("hop_length", "hop between frames in samples"),
        (
            "n_mels",
            "number of mel bands (Slaney scale and area normalisation)",
        ),
        ("fmin", "lowest mel filter frequency, Hz"),
        (
            "fmax",
            "highest mel filter frequency, Hz (0 = sample_rate / 2)",
        ),
        (
            "center",
            "centre frames on t * hop_length (librosa center=True): 1 + len / hop frames",
        ),
        (
            "pad_mode",
            "padding when centring: \"reflect\" (librosa < 0.10) or \"constant\" (zeros)",
        ),
        (
            "top_db",
            "dynamic range kept below the utterance maximum, dB (0 = no clamp)",
        ),
    ];
    type Params = LogMelParams;

    fn new(params: LogMelParams) -> Result<Self> {
        let front = MelFrontEnd::new(Self::NAME, &params.settings())?;
        Ok(LogMelExtractor { params, front })
    }
}

impl FeatureExtractor for LogMelExtractor {
    fn info(&self) -> Result<FeatureInfo> {
        Ok(FeatureInfo {
            shape: FeatureShape::Frames,
            dim: self.params.n_mels,
            sample_rate: self.params.sample_rate,
            names: (0..self.params.n_mels)
                .map(|m| format!("logmel{m}"))
                .collect(),
            version: 1,
        })
    }

    fn extract(&self, audio: &Audio) -> Result<Features> {
        check_rate(Self::NAME, audio, self.params.sample_rate)?;
        let lm = self.front.log_mel(&sanitize(&audio.samples))?;
        Ok(Features::Frames {
            frames: lm.frames,
            dim: lm.n_mels,
            data: lm.db,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{audio, sine};

    #[test]
    fn shape_and_names() {
        let e = LogMelExtractor::new(LogMelParams::default()).unwrap();
        let info = e.info().unwrap();
        assert_eq!(info.dim, 64);
        assert_eq!(info.names.len(), 64);
        let f = e.extract(&audio(sine(440.0, 16000, 16000, 0.5))).unwrap();
        match f {
            Features::Frames { frames, dim, data } => {
                assert_eq!((frames, dim), (101, 64));
                assert!(data.iter().all(|x| x.is_finite()));
                // top_db = 80 below the utterance maximum.
                let max = data.iter().cloned().fold(f32::MIN, f32::max);
                let min = data.iter().cloned().fold(f32::MAX, f32::min);
                assert!(max - min <= 80.0 + 1e-3);
            }
            _ => panic!("expected frames"),
        }
    }

    #[test]
    fn odd_input_is_finite() {
        let e = LogMelExtractor::new(LogMelParams::default()).unwrap();
        for x in crate::testutil::odd_inputs() {
            let n = x.len();
            let Features::Frames { frames, data, .. } = e.extract(&audio(x)).unwrap() else {
                panic!("expected frames")
            };
            assert_eq!(frames, 1 + n / 160);
            assert!(data.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn rejects_wrong_rate_and_bad_params() {
        let e = LogMelExtractor::new(LogMelParams::default()).unwrap();
        let a = Audio {
            samples: vec![0.0; 100],
            sample_rate: 22050,
        };
        assert!(e.extract(&a).is_err());
        let p = LogMelParams {
            fmax: 9000.0,
            ..Default::default()
        };
        assert!(LogMelExtractor::new(p).is_err());
        let p = LogMelParams {
            n_mels: 0,
            ..Default::default()
        };
        assert!(LogMelExtractor::new(p).is_err());
    }
}
