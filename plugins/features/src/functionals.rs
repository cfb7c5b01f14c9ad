//! The `functionals` extractor: one vector per utterance, statistics of frame-level
//! low-level descriptors (LLDs) plus prosodic summaries.
//!
//! LLD groups (each can be switched off), all on the shared STFT frames
//! (`n_fft`, `win_length`, `hop_length`, centred):
//! * `mfcc`: `n_mfcc` MFCCs over `mfcc_n_mels` bands (librosa's definition) and, with
//!   `mfcc_deltas`, their width-9 deltas;
//! * `logmel`: `n_mels` log-mel bands (coarser than the MFCC filterbank);
//! * `energy`: RMS energy in dB (floor -100) and zero-crossing rate over the window;
//! * `spectral`: centroid, bandwidth, 85% roll-off, flatness, and flux (mean positive
//!   frame-to-frame rise of the log-mel bands, dB);
//! * `pitch`: YIN voicing probability (`1 - aperiodicity`) as an LLD, and F0 statistics
//!   over voiced frames only;
//! * `rhythm`: energy-peak rate (a syllable-rate proxy) and the active (non-silent)
//!   fraction.
//!
//! Full LLDs get 13 functionals (mean, std, min, max, range, percentiles 1/25/50/75/99,
//! skewness, excess kurtosis, slope per frame); deltas get 6 (std, p1, p25, p75, p99,
//! kurtosis), since their mean and slope carry almost nothing. A frame is voiced when YIN's
//! aperiodicity is under `yin_threshold` and its energy is within `voicing_range_db` of the
//! utterance's loudest frame and above -60 dBFS. Everything is 0 where undefined (no voiced
//! frame, empty audio), never NaN.
//!
//! The extraction itself is in `extract` and the prosodic summaries (voiced-F0 statistics,
//! energy-peak rate) in `prosody`; this file holds the parameters, names and set-up.

use crate::mel::{MelFrontEnd, MelSettings};
use crate::mfcc::MfccFrontEnd;
use crate::pitch::Yin;
use crate::spectral::SpectralShape;
use crate::stats::Stat;
use crate::stft::PadMode;
use serde::{Deserialize, Serialize};
use serlab_api::{Component, Error, Result};

mod extract;
mod prosody;

/// Functionals applied to full LLDs: all of them.
const FULL: &[Stat] = crate::stats::ALL;

/// Functionals applied to delta LLDs.
const DELTA: &[Stat] = &[
    Stat::Std,
    Stat::Pct(1),
    Stat::Pct(25),
    Stat::Pct(75),
    Stat::Pct(99),
    Stat::Kurt,
];

/// Names of the voiced-F0 and voicing summaries, in output order.
const F0_NAMES: &[&str] = &[
    "f0_voiced_mean",
    "f0_voiced_std",
    "f0_voiced_p5",
    "f0_voiced_p25",
    "f0_voiced_p50",
    "f0_voiced_p75",
    "f0_voiced_p95",
    "f0_voiced_range_st",
    "f0_voiced_std_st",
    "f0_voiced_slope_hz_per_s",
    "f0_voiced_absdelta_st",
    "voiced_fraction",
    "voiced_segments_per_s",
    "voiced_segment_mean_s",
];

/// Names of the rhythm summaries, in output order.
const RHYTHM_NAMES: &[&str] = &["energy_peak_rate", "active_fraction"];

/// Frames at or below this RMS level (dBFS) count as silence.
const SILENCE_DB: f32 = -60.0;

/// Parameters of [`FunctionalsExtractor`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FunctionalsParams {
    /// Sample rate the extractor wants, Hz.
    pub sample_rate: u32,
    /// FFT length.
    pub n_fft: usize,
    /// Hann window length (<= n_fft); also the RMS / ZCR window.
    pub win_length: usize,
    /// Hop between frames.
    pub hop_length: usize,
    /// Number of MFCCs.
    pub n_mfcc: usize,
    /// Mel bands under the MFCC DCT.
    pub mfcc_n_mels: usize,
    /// Mel bands of the log-mel LLD group.
    pub n_mels: usize,
    /// Lowest mel filter frequency, Hz.
    pub fmin: f32,
    /// Highest mel filter frequency, Hz; 0 means sample_rate / 2.
    pub fmax: f32,
    /// Lowest F0 searched, Hz.
    pub f0_min: f32,
    /// Highest F0 searched, Hz.
    pub f0_max: f32,
    /// YIN aperiodicity threshold for a voiced frame.
    pub yin_threshold: f32,
    /// A voiced frame must be within this many dB of the utterance's loudest frame.
    pub voicing_range_db: f32,
    /// Include MFCC functionals.
    pub mfcc: bool,
    /// Include MFCC delta functionals (needs `mfcc`).
    pub mfcc_deltas: bool,
    /// Include log-mel band functionals.
    pub logmel: bool,
    /// Include RMS energy and zero-crossing-rate functionals.
    pub energy: bool,
    /// Include spectral centroid, bandwidth, roll-off, flatness and flux functionals.
    pub spectral: bool,
    /// Include voicing-probability functionals and voiced-F0 statistics.
    pub pitch: bool,
    /// Include energy-peak rate and active fraction.
    pub rhythm: bool,
}

impl Default for FunctionalsParams {
    fn default() -> Self {
        FunctionalsParams {
            sample_rate: 16000,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            n_mfcc: 20,
            mfcc_n_mels: 128,
            n_mels: 40,
            fmin: 0.0,
            fmax: 0.0,
            f0_min: 60.0,
            f0_max: 500.0,
            yin_threshold: 0.2,
            voicing_range_db: 40.0,
            mfcc: true,
            mfcc_deltas: true,
            logmel: true,
            energy: true,
            spectral: true,
            pitch: true,
            rhythm: true,
        }
    }
}

/// Utterance-level functionals of MFCC, log-mel, energy, spectral and pitch LLDs.
#[derive(Clone, Debug)]
pub struct FunctionalsExtractor {
    params: FunctionalsParams,
    mfcc: MfccFrontEnd,
    mel: MelFrontEnd,
    shape: SpectralShape,
    yin: Yin,
    names: Vec<String>,
}

fn lld_names(names: &mut Vec<String>, lld: &str, stats: &[Stat]) {
    names.extend(stats.iter().map(|s| format!("{lld}_{}", s.name())));
}

impl Component for FunctionalsExtractor {
    const NAME: &'static str = "functionals";
    const SUMMARY: &'static str =
        "utterance-level functionals (mean, std, percentiles, moments, slope) of MFCC, \
         log-mel, energy, spectral and YIN-pitch LLDs, plus voiced-F0 and rhythm statistics";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = &[
        ("sample_rate", "sample rate the audio is resampled to, Hz"),
        ("n_fft", "FFT length in samples"),
        (
            "win_length",
            "periodic Hann window length in samples (<= n_fft); also the RMS/ZCR window",
        ),
        ("hop_length", "hop between frames in samples"),
        ("n_mfcc", "number of MFCCs, c0 included"),
        (
            "mfcc_n_mels",
            "mel bands under the MFCC DCT (librosa default 128)",
        ),
        ("n_mels", "mel bands of the log-mel LLD group"),
        ("fmin", "lowest mel filter frequency, Hz"),
        (
            "fmax",
            "highest mel filter frequency, Hz (0 = sample_rate / 2)",
        ),
        ("f0_min", "lowest F0 YIN searches, Hz"),
        ("f0_max", "highest F0 YIN searches, Hz"),
        (
            "yin_threshold",
            "YIN aperiodicity under which a frame may be voiced",
        ),
        (
            "voicing_range_db",
            "voiced frames must be within this many dB of the loudest frame",
        ),
        ("mfcc", "include MFCC functionals"),
        ("mfcc_deltas", "include MFCC-delta functionals (needs mfcc)"),
        ("logmel", "include log-mel band functionals"),
        (
            "energy",
            "include RMS-energy (dB) and zero-crossing-rate functionals",
        ),
        (
            "spectral",
            "include centroid, bandwidth, roll-off, flatness and flux functionals",
        ),
        (
            "pitch",
            "include voicing-probability functionals and voiced-F0 statistics",
        ),
        ("rhythm", "include energy-peak rate and active fraction"),
    ];
    type Params = FunctionalsParams;

    fn new(p: FunctionalsParams) -> Result<Self> {
        let settings = |n_mels| MelSettings {
            sample_rate: p.sample_rate,
            n_fft: p.n_fft,
            win_length: p.win_length,
            hop_length: p.hop_length,
            n_mels,
            fmin: p.fmin,
            fmax: p.fmax,
            center: true,
            pad_mode: PadMode::Reflect,
            top_db: 80.0,
        };
        let mfcc = MfccFrontEnd::new(Self::NAME, &settings(p.mfcc_n_mels), p.n_mfcc)?;
        let mel = MelFrontEnd::new(Self::NAME, &settings(p.n_mels))?;
        let yin = Yin::new(
            Self::NAME,
            p.sample_rate,
            p.f0_min,
            p.f0_max,
            p.yin_threshold,
            0,
        )?;
        if !(p.voicing_range_db > 0.0 && p.voicing_range_db.is_finite()) {
            return Err(Error::config(
                Self::NAME,
                "voicing_range_db",
                "must be positive",
            ));
        }
        if !(p.mfcc || p.logmel || p.energy || p.spectral || p.pitch || p.rhythm) {
            return Err(Error::config(
                Self::NAME,
                "-",
                "every LLD group is switched off",
            ));
        }
        let shape = SpectralShape::new(p.sample_rate, p.n_fft, 0.85);
        let mut names = Vec::new();
        if p.mfcc {
            for k in 0..p.n_mfcc {
                lld_names(&mut names, &format!("mfcc{k}"), FULL);
            }
            if p.mfcc_deltas {
                for k in 0..p.n_mfcc {
                    lld_names(&mut names, &format!("mfcc{k}_d"), DELTA);
                }
            }
        }
        if p.logmel {
            for m in 0..p.n_mels {
                lld_names(&mut names, &format!("logmel{m}"), FULL);
            }
        }
        if p.energy {
            lld_names(&mut names, "rms_db", FULL);
            lld_names(&mut names, "zcr", FULL);
        }
        if p.spectral {
            for lld in ["centroid", "bandwidth", "rolloff", "flatness", "flux"] {
                lld_names(&mut names, lld, FULL);
            }
        }
        if p.pitch {
            lld_names(&mut names, "voicing_prob", FULL);
            names.extend(F0_NAMES.iter().map(|s| s.to_string()));
        }
        if p.rhythm {
            names.extend(RHYTHM_NAMES.iter().map(|s| s.to_string()));
        }
        Ok(FunctionalsExtractor {
            params: p,
            mfcc,
            mel,
            shape,
            yin,
            names,
        })
    }
}

#[cfg(test)]
mod tests;
