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

use crate::mel::{MelFrontEnd, MelSettings};
use crate::mfcc::{delta, MfccFrontEnd};
use crate::pitch::Yin;
use crate::spectral::{rms_zcr, SpectralShape};
use crate::stats::{percentile_sorted, Functionals, Stat};
use crate::stft::{check_rate, sanitize, PadMode};
use serde::{Deserialize, Serialize};
use serlab_api::{
    Audio, Component, Error, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result,
};

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

impl FeatureExtractor for FunctionalsExtractor {
    fn info(&self) -> Result<FeatureInfo> {
        Ok(FeatureInfo {
            shape: FeatureShape::Vector,
            dim: self.names.len(),
            sample_rate: self.params.sample_rate,
            names: self.names.clone(),
            version: 2,
        })
    }

    fn extract(&self, audio: &Audio) -> Result<Features> {
        check_rate(Self::NAME, audio, self.params.sample_rate)?;
        let p = &self.params;
        let x = sanitize(&audio.samples);
        let stft = self.mel.stft();
        let spec = stft.power(&x)?;
        let frames = spec.frames;
        let mut out = Vec::with_capacity(self.names.len());
        let mut fx = Functionals::default();
        let mut col = vec![0.0f32; frames];

        // Column `k` of a row-major `frames x dim` matrix into `col`.
        let column = |m: &[f32], dim: usize, k: usize, col: &mut [f32]| {
            for (c, row) in col.iter_mut().zip(m.chunks_exact(dim)) {
                *c = row[k];
            }
        };

        if p.mfcc {
            let n = p.n_mfcc;
            let m = self.mfcc.mfcc_of(&spec);
            for k in 0..n {
                column(&m, n, k, &mut col);
                fx.compute(&col, FULL, &mut out);
            }
            if p.mfcc_deltas {
                let d = delta(&m, frames, n, 9, 1);
                for k in 0..n {
                    column(&d, n, k, &mut col);
                    fx.compute(&col, DELTA, &mut out);
                }
            }
        }

        let lm = self.mel.log_mel_of(&spec);
        if p.logmel {
            for k in 0..lm.n_mels {
                column(&lm.db, lm.n_mels, k, &mut col);
                fx.compute(&col, FULL, &mut out);
            }
        }

        // Time-domain energy over the window's span inside each centred frame.
        let padded = stft.padded(&x);
        let offset = (p.n_fft - p.win_length) / 2;
        let mut rms_db = vec![0.0f32; frames];
        let mut zcr = vec![0.0f32; frames];
        for t in 0..frames {
            let start = t * stft.hop() + offset;
            let (r, z) = rms_zcr(&padded[start..start + p.win_length]);
            rms_db[t] = 20.0 * r.max(1e-5).log10();
            zcr[t] = z;
        }
        let max_db = rms_db.iter().copied().fold(-100.0f32, f32::max);
        if p.energy {
            fx.compute(&rms_db, FULL, &mut out);
            fx.compute(&zcr, FULL, &mut out);
        }

        if p.spectral {
            // Five contours side by side: centroid, bandwidth, roll-off, flatness, flux.
            let mut cols = vec![0.0f32; 5 * frames];
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
            for c in cols.chunks_exact(frames) {
                fx.compute(c, FULL, &mut out);
            }
        }

        let duration = audio.duration();
        if p.pitch {
            let track = self.yin.track(&x, stft.hop(), frames);
            for (c, f) in col.iter_mut().zip(&track) {
                *c = 1.0 - f.aperiodicity;
            }
            fx.compute(&col, FULL, &mut out);
            let voiced: Vec<bool> = track
                .iter()
                .zip(&rms_db)
                .map(|(f, &e)| {
                    f.periodic && f.f0 > 0.0 && e > SILENCE_DB && e >= max_db - p.voicing_range_db
                })
                .collect();
            let f0: Vec<f32> = track.iter().map(|f| f.f0).collect();
            f0_summary(
                &f0,
                &voiced,
                stft.hop() as f64 / p.sample_rate as f64,
                duration,
                &mut out,
            );
        }

        if p.rhythm {
            let active = rms_db
                .iter()
                .filter(|&&e| e > SILENCE_DB && e >= max_db - 30.0)
                .count();
            let peaks = energy_peaks(&rms_db, max_db);
            out.push(if duration > 0.0 {
                (peaks as f64 / duration) as f32
            } else {
                0.0
            });
            out.push(active as f32 / frames as f32);
        }

        crate::sets::finish_vector("functionals", out, self.names.len())
    }
}

/// Voiced-F0 statistics (see [`F0_NAMES`]) appended to `out`; `frame_s` is the hop in
/// seconds, `duration` the clip length in seconds.
fn f0_summary(f0: &[f32], voiced: &[bool], frame_s: f64, duration: f64, out: &mut Vec<f32>) {
    let frames = f0.len();
    let hz: Vec<f64> = f0
        .iter()
        .zip(voiced)
        .filter(|(_, &v)| v)
        .map(|(&f, _)| f as f64)
        .collect();
    let n_voiced = hz.len();
    // Voiced segments (runs of voiced frames).
    let mut segments = 0usize;
    let mut prev = false;
    for &v in voiced {
        if v && !prev {
            segments += 1;
        }
        prev = v;
    }
    let voiced_fraction = n_voiced as f64 / frames.max(1) as f64;
    let seg_rate = if duration > 0.0 {
        segments as f64 / duration
    } else {
        0.0
    };
    let seg_mean = if segments > 0 {
        n_voiced as f64 * frame_s / segments as f64
    } else {
        0.0
    };
    if n_voiced == 0 {
        out.extend(std::iter::repeat_n(0.0, F0_NAMES.len() - 3));
    } else {
        let n = n_voiced as f64;
        let mean = hz.iter().sum::<f64>() / n;
        let std = (hz.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / n).sqrt();
        let mut sorted = hz.clone();
        sorted.sort_by(f64::total_cmp);
        let pct = |q| percentile_sorted(&sorted, q);
        let (p5, p95) = (pct(5.0), pct(95.0));
        let st: Vec<f64> = hz.iter().map(|f| 12.0 * (f / 55.0).log2()).collect();
        let st_mean = st.iter().sum::<f64>() / n;
        let st_std = (st.iter().map(|s| (s - st_mean).powi(2)).sum::<f64>() / n).sqrt();
        // Slope of F0 against time over voiced frames, Hz per second.
        let times: Vec<f64> = voiced
            .iter()
            .enumerate()
            .filter(|(_, &v)| v)
            .map(|(t, _)| t as f64 * frame_s)
            .collect();
        let tbar = times.iter().sum::<f64>() / n;
        let (mut num, mut den) = (0.0, 0.0);
        for (t, f) in times.iter().zip(&hz) {
            num += (t - tbar) * (f - mean);
            den += (t - tbar).powi(2);
        }
        let slope = if den > 0.0 { num / den } else { 0.0 };
        // Mean absolute semitone change between adjacent voiced frames.
        let (mut jumps, mut count) = (0.0, 0usize);
        for t in 1..frames {
            if voiced[t] && voiced[t - 1] && f0[t] > 0.0 && f0[t - 1] > 0.0 {
                jumps += (12.0 * (f0[t] as f64 / f0[t - 1] as f64).log2()).abs();
                count += 1;
            }
        }
        let absdelta = if count > 0 { jumps / count as f64 } else { 0.0 };
        let range_st = if p5 > 0.0 {
            12.0 * (p95 / p5).log2()
        } else {
            0.0
        };
        for v in [
            mean,
            std,
            p5,
            pct(25.0),
            pct(50.0),
            pct(75.0),
            p95,
            range_st,
            st_std,
            slope,
            absdelta,
        ] {
            out.push(v as f32);
        }
    }
    out.push(voiced_fraction as f32);
    out.push(seg_rate as f32);
    out.push(seg_mean as f32);
}

/// Number of energy peaks: maxima of the 5-frame-smoothed RMS (dB) that dominate +-8 frames,
/// lie within 25 dB of the loudest frame and are above the silence level.
fn energy_peaks(rms_db: &[f32], max_db: f32) -> usize {
    let n = rms_db.len();
    let smooth: Vec<f32> = (0..n)
        .map(|t| {
            let (a, b) = (t.saturating_sub(2), (t + 3).min(n));
            rms_db[a..b].iter().sum::<f32>() / (b - a) as f32
        })
        .collect();
    (0..n)
        .filter(|&t| {
            let v = smooth[t];
            v > SILENCE_DB
                && v >= max_db - 25.0
                && smooth[t.saturating_sub(8)..t].iter().all(|&u| u < v)
                && smooth[t + 1..(t + 9).min(n)].iter().all(|&u| u <= v)
        })
        .count()
}

#[cfg(test)]
mod tests;
