//! The low-level-descriptor (LLD) engine: every frame-level descriptor of this crate,
//! computed from one STFT and one pitch track, in groups that can be switched on and off.
//!
//! Frame `t` of every group is centred on sample `t * hop_length`, so all groups line up
//! and there are `1 + len / hop_length` frames (see `stft`). Descriptor definitions live
//! in their modules (`spectral`, `chroma`, `loudness`, `pitch`, `voice`, `formants`);
//! the column names of each group are in [`LldEngine::names`] and in `FEATURES.md`.
//!
//! The engine plans its FFTs and filterbanks once; [`LldEngine::compute`] allocates its
//! buffers once per utterance, never per frame. Output is column-major (one contiguous
//! contour per descriptor), which is what the functionals want.
//!
//! The per-utterance computation, [`LldEngine::compute`], is in `compute`; this file holds
//! the configuration, the column names and the planning.

use crate::chroma::{Chroma, NAMES as CHROMA_NAMES};
use crate::formants::Formants;
use crate::loudness::Loudness;
use crate::mel::{MelFrontEnd, MelSettings};
use crate::mfcc::dct_ortho_matrix;
use crate::pitch::Yin;
use crate::spectral::{Contrast, SpectralExtra, SpectralShape};
use crate::stft::{hann_periodic, PadMode};
use crate::voice::Harmonicity;
use serlab_api::{Error, Result};

mod compute;

/// Frames at or below this RMS level (dBFS) are silence: never voiced.
pub const SILENCE_DB: f32 = -60.0;

/// Which descriptor groups to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Groups {
    /// `rms`, `rms_db`, `loudness`, `zcr`.
    pub energy: bool,
    /// librosa's `centroid`, `bandwidth`, `rolloff`, `flatness` and `flux`
    /// (onset strength).
    pub spectral: bool,
    /// Entropy, power moments, slopes, more roll-offs, band energies, alpha ratio,
    /// Hammarberg index, sharpness.
    pub spectral_extra: bool,
    /// Spectral contrast, `contrast_bands + 1` values.
    pub contrast: bool,
    /// 12 STFT chroma values.
    pub chroma: bool,
    /// `f0` (0 when unvoiced), `voicing_prob`, `voiced`.
    pub pitch: bool,
    /// `jitter_local`, `jitter_ddp`, `shimmer_db`, `hnr_db`, `h1_h2`, `h1_a3`.
    pub voice: bool,
    /// F1-F3 frequency, bandwidth and amplitude relative to H1.
    pub formants: bool,
    /// `n_mfcc` MFCCs of the `n_mels` log-mel bands.
    pub mfcc: bool,
    /// `n_mels` log-mel bands, dB.
    pub logmel: bool,
}

/// Validated engine settings.
#[derive(Clone, Copy, Debug)]
pub struct LldConfig {
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// FFT length.
    pub n_fft: usize,
    /// Hann window (and RMS / ZCR frame) length.
    pub win_length: usize,
    /// Hop between frames.
    pub hop_length: usize,
    /// STFT and RMS padding at the ends.
    pub pad_mode: PadMode,
    /// Mel bands (log-mel group, MFCC and flux).
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
    /// Spectral-contrast octave bands (values: bands + 1).
    pub contrast_bands: usize,
    /// Lower edge of the first contrast octave, Hz.
    pub contrast_fmin: f32,
    /// LPC order for formants (0 = `2 + sr / 1000`).
    pub lpc_order: usize,
    /// Groups to compute.
    pub groups: Groups,
}

/// Column-major LLD matrix of one utterance.
#[derive(Clone, Debug, PartialEq)]
pub struct Llds {
    /// Number of frames.
    pub frames: usize,
    /// `dim * frames` values, descriptor by descriptor.
    pub data: Vec<f32>,
    /// Voicing decision per frame (all false when no group needed pitch).
    pub voiced: Vec<bool>,
}

impl Llds {
    /// Contour of descriptor `c`.
    pub fn col(&self, c: usize) -> &[f32] {
        &self.data[c * self.frames..(c + 1) * self.frames]
    }

    /// Row-major `frames x dim` copy.
    pub fn rows(&self) -> Vec<f32> {
        let dim = self.data.len().checked_div(self.frames).unwrap_or(0);
        let mut out = vec![0.0; self.data.len()];
        for c in 0..dim {
            for (t, v) in self.col(c).iter().enumerate() {
                out[t * dim + c] = *v;
            }
        }
        out
    }
}

/// A planned LLD extractor.
#[derive(Clone, Debug)]
pub struct LldEngine {
    cfg: LldConfig,
    mel: MelFrontEnd,
    dct: Vec<f32>,
    shape: SpectralShape,
    extra: SpectralExtra,
    loudness: Loudness,
    contrast: Option<Contrast>,
    chroma: Option<Chroma>,
    yin: Yin,
    formants: Formants,
    harmonicity: Harmonicity,
    names: Vec<String>,
}

const ENERGY: &[&str] = &["rms", "rms_db", "loudness", "zcr"];
const SPECTRAL: &[&str] = &["centroid", "bandwidth", "rolloff", "flatness", "flux"];
const SPECTRAL_EXTRA: &[&str] = &[
    "entropy",
    "spec_variance",
    "spec_skewness",
    "spec_kurtosis",
    "spec_slope",
    "rolloff25",
    "rolloff50",
    "rolloff75",
    "rolloff90",
    "energy_250_650",
    "energy_1k_4k",
    "alpha_ratio",
    "hammarberg",
    "slope_0_500",
    "slope_500_1500",
    "sharpness",
];
const PITCH: &[&str] = &["f0", "voicing_prob", "voiced"];
const VOICE: &[&str] = &[
    "jitter_local",
    "jitter_ddp",
    "shimmer_db",
    "hnr_db",
    "h1_h2",
    "h1_a3",
];
const FORMANTS: &[&str] = &[
    "f1", "f2", "f3", "f1_bw", "f2_bw", "f3_bw", "f1_amp", "f2_amp", "f3_amp",
];

impl LldEngine {
    /// Validate and plan. `component` names the caller in errors.
    pub fn new(component: &str, cfg: LldConfig) -> Result<Self> {
        let g = cfg.groups;
        if !(g.energy
            || g.spectral
            || g.spectral_extra
            || g.contrast
            || g.chroma
            || g.pitch
            || g.voice
            || g.formants
            || g.mfcc
            || g.logmel)
        {
            return Err(Error::config(
                component,
                "-",
                "every descriptor group is switched off",
            ));
        }
        let mel = MelFrontEnd::new(
            component,
            &MelSettings {
                sample_rate: cfg.sample_rate,
                n_fft: cfg.n_fft,
                win_length: cfg.win_length,
                hop_length: cfg.hop_length,
                n_mels: cfg.n_mels,
                fmin: 0.0,
                fmax: 0.0,
                center: true,
                pad_mode: cfg.pad_mode,
                top_db: 80.0,
            },
        )?;
        if g.mfcc && (cfg.n_mfcc == 0 || cfg.n_mfcc > cfg.n_mels) {
            return Err(Error::config(
                component,
                "n_mfcc",
                "must be between 1 and n_mels",
            ));
        }
        if !(cfg.voicing_range_db > 0.0 && cfg.voicing_range_db.is_finite()) {
            return Err(Error::config(
                component,
                "voicing_range_db",
                "must be positive",
            ));
        }
        let yin = Yin::new(
            component,
            cfg.sample_rate,
            cfg.f0_min,
            cfg.f0_max,
            cfg.voicing_threshold,
            0,
        )?;
        let contrast = if g.contrast {
            Some(Contrast::new(
                component,
                cfg.sample_rate,
                cfg.n_fft,
                cfg.contrast_bands,
                cfg.contrast_fmin as f64,
                0.02,
            )?)
        } else {
            None
        };
        let window_sum: f64 = hann_periodic(cfg.win_length)
            .iter()
            .map(|&w| w as f64)
            .sum();
        let formants = Formants::new(component, cfg.sample_rate, cfg.win_length, cfg.lpc_order)?;
        // Voice-quality window: three periods of the lowest F0 (Boersma's recommendation).
        let vq_window = 3 * (cfg.sample_rate as f32 / cfg.f0_min).ceil() as usize;
        let harmonicity = Harmonicity::new(cfg.sample_rate, vq_window, cfg.f0_min, cfg.f0_max);
        let mut engine = LldEngine {
            mel,
            dct: dct_ortho_matrix(cfg.n_mfcc.clamp(1, cfg.n_mels), cfg.n_mels),
            shape: SpectralShape::new(cfg.sample_rate, cfg.n_fft, 0.85),
            extra: SpectralExtra::new(cfg.sample_rate, cfg.n_fft, window_sum),
            loudness: Loudness::new(cfg.sample_rate, cfg.n_fft, window_sum),
            contrast,
            chroma: g.chroma.then(|| Chroma::new(cfg.sample_rate, cfg.n_fft)),
            yin,
            formants,
            harmonicity,
            names: vec![],
            cfg,
        };
        engine.names = engine.make_names();
        Ok(engine)
    }

    fn make_names(&self) -> Vec<String> {
        let g = self.cfg.groups;
        let mut n: Vec<String> = vec![];
        fn add(n: &mut Vec<String>, on: bool, names: &[&str]) {
            if on {
                n.extend(names.iter().map(|s| s.to_string()));
            }
        }
        add(&mut n, g.energy, ENERGY);
        add(&mut n, g.spectral, SPECTRAL);
        add(&mut n, g.spectral_extra, SPECTRAL_EXTRA);
        if let Some(c) = &self.contrast {
            n.extend((0..c.len()).map(|b| format!("contrast{b}")));
        }
        if g.chroma {
            n.extend(CHROMA_NAMES.iter().map(|c| format!("chroma_{c}")));
        }
        add(&mut n, g.pitch, PITCH);
        add(&mut n, g.voice, VOICE);
        add(&mut n, g.formants, FORMANTS);
        if g.mfcc {
            n.extend((0..self.cfg.n_mfcc).map(|k| format!("mfcc{k}")));
        }
        if g.logmel {
            n.extend((0..self.cfg.n_mels).map(|m| format!("logmel{m}")));
        }
        n
    }

    /// Column names, in output order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of the column called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Settings in use.
    pub fn config(&self) -> &LldConfig {
        &self.cfg
    }
}
