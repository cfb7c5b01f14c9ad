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

use crate::chroma::{Chroma, NAMES as CHROMA_NAMES, N_CHROMA};
use crate::formants::Formants;
use crate::loudness::Loudness;
use crate::mel::{MelFrontEnd, MelSettings};
use crate::mfcc::{apply_matrix, dct_ortho_matrix};
use crate::pitch::Yin;
use crate::spectral::{rms_zcr_track, Contrast, SpectralExtra, SpectralShape};
use crate::stft::{hann_periodic, PadMode};
use crate::voice::{jitter_shimmer, mark_cycles, HarmonicFrame, Harmonicity};
use serlab_api::{Error, Result};

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

    /// All enabled descriptors of `x` (finite samples at the configured rate).
    pub fn compute(&self, x: &[f32]) -> Result<Llds> {
        let cfg = &self.cfg;
        let g = cfg.groups;
        let stft = self.mel.stft();
        let spec = stft.power(x)?;
        let frames = spec.frames;
        let bins = spec.bins;
        let dim = self.names.len();
        let mut data = vec![0.0f32; dim * frames];
        let mut next = 0usize;
        let mut take = |count: usize| {
            let r = next * frames..(next + count) * frames;
            next += count;
            r
        };

        // Energy (also needed for the voicing decision).
        let (rms, zcr) = rms_zcr_track(x, cfg.win_length, cfg.hop_length, frames, cfg.pad_mode);
        let rms_db: Vec<f32> = rms.iter().map(|&r| 20.0 * r.max(1e-5).log10()).collect();
        let loud: Vec<_> = if g.energy || g.spectral_extra {
            (0..frames)
                .map(|t| self.loudness.analyse(spec.frame(t)))
                .collect()
        } else {
            vec![]
        };
        if g.energy {
            let r = take(ENERGY.len());
            let cols = &mut data[r];
            for t in 0..frames {
                cols[t] = rms[t];
                cols[frames + t] = rms_db[t];
                cols[2 * frames + t] = loud[t].loudness;
                cols[3 * frames + t] = zcr[t];
            }
        }

        let need_mel = g.spectral || g.mfcc || g.logmel;
        let lm = need_mel.then(|| self.mel.log_mel_of(&spec));
        if g.spectral {
            let lm = lm
                .as_ref()
                .expect("log-mel computed for the spectral group");
            let r = take(SPECTRAL.len());
            let cols = &mut data[r];
            for t in 0..frames {
                let s = self.shape.analyse(spec.frame(t));
                cols[t] = s.centroid;
                cols[frames + t] = s.bandwidth;
                cols[2 * frames + t] = s.rolloff;
                cols[3 * frames + t] = s.flatness;
                if t > 0 {
                    let (prev, cur) = (lm.frame(t - 1), lm.frame(t));
                    let rise: f32 = cur.iter().zip(prev).map(|(c, q)| (c - q).max(0.0)).sum();
                    cols[4 * frames + t] = rise / lm.n_mels as f32;
                }
            }
        }
        if g.spectral_extra {
            let r = take(SPECTRAL_EXTRA.len());
            let cols = &mut data[r];
            let mut db = vec![0.0f32; bins];
            for t in 0..frames {
                let e = self.extra.analyse(spec.frame(t), &mut db);
                let values = [
                    e.entropy,
                    e.variance,
                    e.skewness,
                    e.kurtosis,
                    e.slope,
                    e.rolloff[0],
                    e.rolloff[1],
                    e.rolloff[2],
                    e.rolloff[3],
                    e.energy_250_650,
                    e.energy_1k_4k,
                    e.alpha_ratio,
                    e.hammarberg,
                    e.slope_0_500,
                    e.slope_500_1500,
                    loud[t].sharpness,
                ];
                for (c, v) in values.into_iter().enumerate() {
                    cols[c * frames + t] = v;
                }
            }
        }
        if let Some(contrast) = &self.contrast {
            let nb = contrast.len();
            let r = take(nb);
            let mut peak = vec![0.0f32; nb * frames];
            let mut valley = vec![0.0f32; nb * frames];
            let (mut pk, mut vl) = (vec![0.0f32; nb], vec![0.0f32; nb]);
            let mut scratch = Vec::with_capacity(bins);
            for t in 0..frames {
                contrast.frame(spec.frame(t), &mut pk, &mut vl, &mut scratch);
                for b in 0..nb {
                    peak[b * frames + t] = pk[b];
                    valley[b * frames + t] = vl[b];
                }
            }
            Contrast::finish(&mut peak, &mut valley);
            data[r].copy_from_slice(&peak);
        }
        if let Some(chroma) = &self.chroma {
            let r = take(N_CHROMA);
            let cols = &mut data[r];
            let mut out = [0.0f32; N_CHROMA];
            for t in 0..frames {
                chroma.apply(spec.frame(t), &mut out);
                for (c, v) in out.iter().enumerate() {
                    cols[c * frames + t] = *v;
                }
            }
        }

        // Pitch and the voicing decision.
        let need_pitch = g.pitch || g.voice || g.formants;
        let mut voiced = vec![false; frames];
        let mut f0 = vec![0.0f32; frames];
        if need_pitch {
            let track = self.yin.track(x, cfg.hop_length, frames);
            let max_db = rms_db.iter().copied().fold(-100.0f32, f32::max);
            for t in 0..frames {
                let p = track[t];
                voiced[t] = p.periodic
                    && p.f0 > 0.0
                    && rms_db[t] > SILENCE_DB
                    && rms_db[t] >= max_db - cfg.voicing_range_db;
                if voiced[t] {
                    f0[t] = p.f0;
                }
            }
            if g.pitch {
                let r = take(PITCH.len());
                let cols = &mut data[r];
                for t in 0..frames {
                    cols[t] = f0[t];
                    cols[frames + t] = 1.0 - track[t].aperiodicity;
                    cols[2 * frames + t] = if voiced[t] { 1.0 } else { 0.0 };
                }
            }
        }
        let formants = if g.formants || g.voice {
            self.formants.track(x, cfg.hop_length, &voiced)
        } else {
            vec![]
        };
        let mut harmonic = vec![HarmonicFrame::default(); frames];
        if g.voice || g.formants {
            let w = self.harmonicity.window_len();
            let half = w / 2;
            let mut padded = vec![0.0f32; x.len() + w + cfg.hop_length * frames];
            padded[half..half + x.len()].copy_from_slice(x);
            let mut s = self.harmonicity.scratch();
            let floor = self
                .harmonicity
                .analyse(&vec![0.0; w], 0.0, &[0.0; 3], &mut s);
            for t in 0..frames {
                harmonic[t] = if voiced[t] {
                    let start = t * cfg.hop_length;
                    self.harmonicity.analyse(
                        &padded[start..start + w],
                        f0[t],
                        &formants[t].freq,
                        &mut s,
                    )
                } else {
                    floor
                };
            }
        }
        if g.voice {
            let cycles = mark_cycles(x, cfg.sample_rate, &f0, &voiced, cfg.hop_length);
            let [jit, ddp, shim] = jitter_shimmer(
                &cycles,
                frames,
                cfg.hop_length,
                self.harmonicity.window_len(),
                &voiced,
            );
            let r = take(VOICE.len());
            let cols = &mut data[r];
            for t in 0..frames {
                cols[t] = jit[t];
                cols[frames + t] = ddp[t];
                cols[2 * frames + t] = shim[t];
                cols[3 * frames + t] = harmonic[t].hnr_db;
                cols[4 * frames + t] = harmonic[t].h1_h2;
                cols[5 * frames + t] = harmonic[t].h1_a3;
            }
        }
        if g.formants {
            let r = take(FORMANTS.len());
            let cols = &mut data[r];
            for t in 0..frames {
                for k in 0..3 {
                    cols[k * frames + t] = formants[t].freq[k];
                    cols[(3 + k) * frames + t] = formants[t].bandwidth[k];
                    cols[(6 + k) * frames + t] = if formants[t].freq[k] > 0.0 {
                        harmonic[t].formant_amp[k]
                    } else {
                        0.0
                    };
                }
            }
        }
        if g.mfcc {
            let lm = lm.as_ref().expect("log-mel computed for the mfcc group");
            let n = cfg.n_mfcc;
            let r = take(n);
            let cols = &mut data[r];
            let mut row = vec![0.0f32; n];
            for t in 0..frames {
                apply_matrix(&self.dct, lm.frame(t), &mut row);
                for (k, v) in row.iter().enumerate() {
                    cols[k * frames + t] = *v;
                }
            }
        }
        if g.logmel {
            let lm = lm.as_ref().expect("log-mel computed for the logmel group");
            let r = take(lm.n_mels);
            let cols = &mut data[r];
            for t in 0..frames {
                for (m, v) in lm.frame(t).iter().enumerate() {
                    cols[m * frames + t] = *v;
                }
            }
        }
        debug_assert_eq!(next, dim);
        data.iter_mut()
            .filter(|v| !v.is_finite())
            .for_each(|v| *v = 0.0);
        Ok(Llds {
            frames,
            data,
            voiced,
        })
    }
}
