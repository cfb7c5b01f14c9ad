//! The `compare-like` set: a large brute-force set in the spirit of the INTERSPEECH 2013
//! Computational Paralinguistics Challenge set (ComParE; Schuller et al., Interspeech 2013):
//! many LLDs and their deltas, each summarised by many functionals. Written from that
//! paper's description with this crate's descriptors; not a copy of its configuration.
//!
//! LLDs (102): energy (rms, rms dB, loudness, ZCR), librosa spectral shape (centroid,
//! bandwidth, 85% roll-off, flatness, flux), the extra spectral descriptors (entropy,
//! moments, slopes, roll-offs 25-90%, band energies, alpha ratio, Hammarberg, sharpness),
//! 7 spectral-contrast bands, 12 chroma, 26 log-mel bands (where ComParE has RASTA-filtered
//! auditory bands), MFCC 0-14, voicing probability, and — over voiced frames only — F0 in
//! semitones, jitter (local, DDP), shimmer, HNR, H1-H2, H1-A3 and F1-F3 frequency,
//! bandwidth and amplitude.
//!
//! Each LLD gets the 31 [`LLD_STATS`]; its width-9 delta (taken over the voiced frames
//! for the voiced-only LLDs) gets the 20 [`DELTA_STATS`]: 102 x 51 = 5202 values, named
//! `<lld>_<functional>` and `<lld>_d_<functional>`.

use crate::lld::{Groups, LldEngine};
use crate::mfcc::delta;
use crate::sets::{masked, semitones, SetParams, SET_PARAMS_HELP};
use crate::stats::{Functionals, Stat};
use crate::stft::{check_rate, sanitize};
use serlab_api::{Audio, Component, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result};

/// Functionals of each LLD contour.
pub const LLD_STATS: &[Stat] = &[
    Stat::Mean,
    Stat::Std,
    Stat::Min,
    Stat::Max,
    Stat::Range,
    Stat::Pct(1),
    Stat::Pct(25),
    Stat::Pct(50),
    Stat::Pct(75),
    Stat::Pct(99),
    Stat::Iqr(25, 50),
    Stat::Iqr(50, 75),
    Stat::Iqr(25, 75),
    Stat::Iqr(1, 99),
    Stat::Skew,
    Stat::Kurt,
    Stat::Slope,
    Stat::Offset,
    Stat::LinErr,
    Stat::Rqmean,
    Stat::RelPosMax,
    Stat::RelPosMin,
    Stat::UpLevel(25),
    Stat::UpLevel(50),
    Stat::UpLevel(75),
    Stat::UpLevel(90),
    Stat::RiseTime,
    Stat::FallTime,
    Stat::PeakRate,
    Stat::PeakMeanRel,
    Stat::MeanAbsDelta,
];

/// Functionals of each delta contour.
pub const DELTA_STATS: &[Stat] = &[
    Stat::Mean,
    Stat::Std,
    Stat::Min,
    Stat::Max,
    Stat::Range,
    Stat::Pct(1),
    Stat::Pct(25),
    Stat::Pct(50),
    Stat::Pct(75),
    Stat::Pct(99),
    Stat::Iqr(25, 75),
    Stat::Iqr(1, 99),
    Stat::Skew,
    Stat::Kurt,
    Stat::Rqmean,
    Stat::RelPosMax,
    Stat::RelPosMin,
    Stat::UpLevel(50),
    Stat::RiseTime,
    Stat::PeakRate,
];

/// LLDs taken over voiced frames only.
const VOICED_ONLY: &[&str] = &[
    "f0",
    "jitter_local",
    "jitter_ddp",
    "shimmer_db",
    "hnr_db",
    "h1_h2",
    "h1_a3",
    "f1",
    "f2",
    "f3",
    "f1_bw",
    "f2_bw",
    "f3_bw",
    "f1_amp",
    "f2_amp",
    "f3_amp",
];

/// Engine columns left out (the voicing flag is summarised through `voicing_prob`).
const SKIPPED: &[&str] = &["voiced"];

/// The ComParE-like set.
#[derive(Clone, Debug)]
pub struct CompareExtractor {
    params: SetParams,
    engine: LldEngine,
    /// Engine column and whether it is voiced-only, in output order.
    columns: Vec<(usize, bool)>,
    names: Vec<String>,
}

fn groups() -> Groups {
    Groups {
        energy: true,
        spectral: true,
        spectral_extra: true,
        contrast: true,
        chroma: true,
        pitch: true,
        voice: true,
        formants: true,
        mfcc: true,
        logmel: true,
    }
}

impl Component for CompareExtractor {
    const NAME: &'static str = "compare-like";
    const SUMMARY: &'static str = "5202 utterance-level values in the spirit of ComParE 2013: \
         102 LLDs (energy, spectral, contrast, chroma, log-mel, MFCC, voicing, voice quality, \
         formants) x 31 functionals + their deltas x 20 functionals";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = SET_PARAMS_HELP;
    type Params = SetParams;

    fn new(params: SetParams) -> Result<Self> {
        let engine = LldEngine::new(Self::NAME, params.config(groups()))?;
        let mut columns = vec![];
        let mut names = vec![];
        for (c, name) in engine.names().iter().enumerate() {
            if SKIPPED.contains(&name.as_str()) {
                continue;
            }
            let voiced_only = VOICED_ONLY.contains(&name.as_str());
            columns.push((c, voiced_only));
            let lld = if name == "f0" { "f0_st" } else { name.as_str() };
            names.extend(LLD_STATS.iter().map(|s| format!("{lld}_{}", s.name())));
            names.extend(DELTA_STATS.iter().map(|s| format!("{lld}_d_{}", s.name())));
        }
        Ok(CompareExtractor {
            params,
            engine,
            columns,
            names,
        })
    }
}

impl FeatureExtractor for CompareExtractor {
    fn info(&self) -> Result<FeatureInfo> {
        Ok(FeatureInfo {
            shape: FeatureShape::Vector,
            dim: self.names.len(),
            sample_rate: self.params.sample_rate,
            names: self.names.clone(),
            version: 1,
        })
    }

    fn extract(&self, audio: &Audio) -> Result<Features> {
        check_rate(Self::NAME, audio, self.params.sample_rate)?;
        let llds = self.engine.compute(&sanitize(&audio.samples))?;
        let f0_col = self.engine.index("f0");
        let mut fx = Functionals::default();
        let mut out = Vec::with_capacity(self.names.len());
        let mut contour = Vec::with_capacity(llds.frames);
        for &(c, voiced_only) in &self.columns {
            contour.clear();
            if voiced_only {
                contour.extend(masked(llds.col(c), &llds.voiced));
                if Some(c) == f0_col {
                    contour.iter_mut().for_each(|v| *v = semitones(*v));
                }
            } else {
                contour.extend_from_slice(llds.col(c));
            }
            fx.compute(&contour, LLD_STATS, &mut out);
            let d = delta(&contour, contour.len(), 1, 9, 1);
            fx.compute(&d, DELTA_STATS, &mut out);
        }
        crate::sets::finish_vector(Self::NAME, out, self.names.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{audio, odd_inputs, sine};

    #[test]
    fn thousands_of_named_values() {
        let e = CompareExtractor::new(SetParams::default()).unwrap();
        let info = e.info().unwrap();
        assert_eq!(info.dim, 102 * (LLD_STATS.len() + DELTA_STATS.len()));
        assert_eq!(info.dim, 5202);
        let unique: std::collections::HashSet<_> = info.names.iter().collect();
        assert_eq!(unique.len(), info.dim);
        let Features::Vector(v) = e.extract(&audio(sine(200.0, 16000, 16000, 0.5))).unwrap() else {
            panic!()
        };
        let at = |n: &str| v[info.names.iter().position(|m| m == n).unwrap()];
        // 200 Hz = 12 log2(200 / 27.5) = 34.36 semitones.
        assert!((at("f0_st_p50") - 34.36).abs() < 0.1, "{}", at("f0_st_p50"));
        assert!(at("voicing_prob_mean") > 0.9);
    }

    #[test]
    fn odd_input_is_finite() {
        let e = CompareExtractor::new(SetParams::default()).unwrap();
        for x in odd_inputs() {
            let Features::Vector(v) = e.extract(&audio(x)).unwrap() else {
                panic!()
            };
            assert_eq!(v.len(), 5202);
            assert!(v.iter().all(|a| a.is_finite()));
        }
    }
}
