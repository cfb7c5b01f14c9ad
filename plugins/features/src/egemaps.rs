//! The `egemaps-like` set: 88 utterance-level values modelled on the parameter list of the
//! extended Geneva Minimalistic Acoustic Parameter Set (eGeMAPS; Eyben et al., IEEE Trans.
//! Affective Computing 7(2), 2016), written from that paper's definitions with this crate's
//! descriptors. It is *like* eGeMAPS, not eGeMAPS: F0 is YIN's (not subharmonic
//! summation), loudness is the PLP-style approximation of `loudness`, formants come from
//! Burg LPC, and the frame settings are this crate's. `FEATURES.md` lists every value.
//!
//! All LLDs are smoothed over three frames (voiced-only descriptors over voiced
//! neighbours only), then:
//! * F0 (semitones above 27.5 Hz, voiced frames) and loudness (all frames): mean,
//!   coefficient of variation, percentiles 20/50/80, the 20-80 range, mean and standard
//!   deviation of the slopes of rising and of falling parts (10 each);
//! * spectral flux and MFCC 1-4 (all frames): mean and CoV;
//! * jitter, shimmer, HNR, H1-H2, H1-A3, F1-F3 frequency, bandwidth and relative amplitude
//!   (voiced frames): mean and CoV;
//! * alpha ratio, Hammarberg index, spectral slopes 0-500 and 500-1500 Hz, flux and
//!   MFCC 1-4 over voiced frames (mean and CoV) and the first five over unvoiced, non-silent
//!   frames (mean);
//! * loudness peaks per second, voiced segments per second, mean and standard deviation
//!   of voiced and of unvoiced segment lengths (unvoiced: pauses between voiced segments,
//!   not leading / trailing silence), and the equivalent sound level `10 log10(mean(rms^2))`.
//!
//! `statrs` computes the mean and standard deviation of the per-utterance lists (rising /
//! falling slopes, segment lengths); the contour functionals use [`crate::stats`], whose
//! percentiles follow numpy's definition (statrs' quantile estimator is a different one).
//! Everything undefined (no voiced frame, no pause) is 0, never NaN.

use crate::lld::{Groups, LldEngine, SILENCE_DB};
use crate::sets::{
    count_peaks, inner_gaps, masked, rise_fall_slopes, runs, semitones, smooth3, SetParams,
    SET_PARAMS_HELP,
};
use crate::stats::{Functionals, Stat};
use crate::stft::{check_rate, sanitize};
use serlab_api::{
    Audio, Component, Error, FeatureExtractor, FeatureInfo, FeatureShape, Features, Result,
};
use statrs::statistics::Statistics;

/// The ten F0 / loudness functionals, after mean / CoV / percentiles.
const PROSODY: &[Stat] = &[
    Stat::Mean,
    Stat::Cov,
    Stat::Pct(20),
    Stat::Pct(50),
    Stat::Pct(80),
    Stat::Iqr(20, 80),
];
const PROSODY_NAMES: &[&str] = &[
    "mean",
    "cov",
    "p20",
    "p50",
    "p80",
    "range20_80",
    "rise_mean",
    "rise_std",
    "fall_mean",
    "fall_std",
];
const MEAN_COV: &[Stat] = &[Stat::Mean, Stat::Cov];

/// Voiced-frame descriptors (mean and CoV), in output order.
const VOICED_LLDS: &[&str] = &[
    "jitter_local",
    "shimmer_db",
    "hnr_db",
    "h1_h2",
    "h1_a3",
    "f1",
    "f1_bw",
    "f1_amp",
    "f2",
    "f2_bw",
    "f2_amp",
    "f3",
    "f3_bw",
    "f3_amp",
];
/// Spectral balance descriptors, voiced (mean, CoV) and unvoiced (mean).
const BALANCE: &[&str] = &["alpha_ratio", "hammarberg", "slope_0_500", "slope_500_1500"];
const TIMING: &[&str] = &[
    "loudness_peaks_per_s",
    "voiced_segments_per_s",
    "voiced_segment_mean_s",
    "voiced_segment_std_s",
    "unvoiced_segment_mean_s",
    "unvoiced_segment_std_s",
    "equivalent_sound_level_db",
];

/// The eGeMAPS-like set.
#[derive(Clone, Debug)]
pub struct EgemapsExtractor {
    params: SetParams,
    engine: LldEngine,
    names: Vec<String>,
}

fn groups() -> Groups {
    Groups {
        energy: true,
        spectral: true,
        spectral_extra: true,
        contrast: false,
        chroma: false,
        pitch: true,
        voice: true,
        formants: true,
        mfcc: true,
        logmel: false,
    }
}

fn names() -> Vec<String> {
    let mut n = vec![];
    for lld in ["f0_st", "loudness"] {
        n.extend(PROSODY_NAMES.iter().map(|s| format!("{lld}_{s}")));
    }
    for lld in ["flux", "mfcc1", "mfcc2", "mfcc3", "mfcc4"] {
        n.extend(["mean", "cov"].iter().map(|s| format!("{lld}_{s}")));
    }
    for lld in VOICED_LLDS {
        n.extend(["mean", "cov"].iter().map(|s| format!("{lld}_{s}")));
    }
    for lld in BALANCE
        .iter()
        .chain(&["flux", "mfcc1", "mfcc2", "mfcc3", "mfcc4"])
    {
        n.extend(["mean", "cov"].iter().map(|s| format!("{lld}_v_{s}")));
    }
    for lld in BALANCE.iter().chain(&["flux"]) {
        n.push(format!("{lld}_uv_mean"));
    }
    n.extend(TIMING.iter().map(|s| s.to_string()));
    n
}

/// Mean and population standard deviation by statrs; (0, 0) for an empty list.
fn mean_std(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0);
    }
    (v.mean(), v.population_std_dev())
}

impl Component for EgemapsExtractor {
    const NAME: &'static str = "egemaps-like";
    const SUMMARY: &'static str = "88 utterance-level values modelled on eGeMAPS (Eyben et al. \
         2016): F0, loudness, jitter, shimmer, HNR, formants, spectral balance, MFCC 1-4, \
         voiced / unvoiced timing";
    const PARAMS_HELP: &'static [(&'static str, &'static str)] = SET_PARAMS_HELP;
    type Params = SetParams;

    fn new(params: SetParams) -> Result<Self> {
        let engine = LldEngine::new(Self::NAME, params.config(groups()))?;
        Ok(EgemapsExtractor {
            params,
            engine,
            names: names(),
        })
    }
}

impl FeatureExtractor for EgemapsExtractor {
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
        let e = &self.engine;
        let col = |name: &str| -> Result<&[f32]> {
            e.index(name)
                .map(|c| llds.col(c))
                .ok_or_else(|| Error::invalid(format!("{}: no LLD {name} (bug)", Self::NAME)))
        };
        let voiced = &llds.voiced;
        let frame_s = self.params.hop_length as f64 / self.params.sample_rate as f64;
        let duration = audio.duration();
        let rms_db = col("rms_db")?;
        let unvoiced: Vec<bool> = voiced
            .iter()
            .zip(rms_db)
            .map(|(&v, &db)| !v && db > SILENCE_DB)
            .collect();
        let all = vec![true; llds.frames];
        let mut fx = Functionals::default();
        let mut out = Vec::with_capacity(self.names.len());

        // F0 (semitones, voiced) and loudness: ten functionals each.
        let f0_st: Vec<f32> = col("f0")?.iter().map(|&f| semitones(f)).collect();
        let f0_st = smooth3(&f0_st, Some(voiced));
        let loud = smooth3(col("loudness")?, None);
        for (x, mask) in [(&f0_st, voiced), (&loud, &all)] {
            fx.compute(&masked(x, mask), PROSODY, &mut out);
            let (rise, fall) = rise_fall_slopes(x, &runs(mask), frame_s);
            let (rm, rs) = mean_std(&rise);
            let (fm, fs) = mean_std(&fall);
            out.extend([rm, rs, fm, fs].map(|v| v as f32));
        }
        // Flux and MFCC 1-4 over all frames.
        let spectral = |name: &str| -> Result<Vec<f32>> { Ok(smooth3(col(name)?, None)) };
        let flux = spectral("flux")?;
        let mfcc: Vec<Vec<f32>> = (1..=4)
            .map(|k| spectral(&format!("mfcc{k}")))
            .collect::<Result<_>>()?;
        fx.compute(&flux, MEAN_COV, &mut out);
        for m in &mfcc {
            fx.compute(m, MEAN_COV, &mut out);
        }
        // Voice quality and formants over voiced frames.
        for name in VOICED_LLDS {
            let x = smooth3(col(name)?, Some(voiced));
            fx.compute(&masked(&x, voiced), MEAN_COV, &mut out);
        }
        // Spectral balance, flux and MFCC 1-4 over voiced frames; balance and flux over
        // unvoiced frames.
        let balance: Vec<Vec<f32>> = BALANCE.iter().map(|n| spectral(n)).collect::<Result<_>>()?;
        for x in balance.iter().chain([&flux]).chain(&mfcc) {
            fx.compute(&masked(x, voiced), MEAN_COV, &mut out);
        }
        for x in balance.iter().chain([&flux]) {
            fx.compute(&masked(x, &unvoiced), &[Stat::Mean], &mut out);
        }
        // Timing and level.
        let per_s = |count: usize| {
            if duration > 0.0 {
                (count as f64 / duration) as f32
            } else {
                0.0
            }
        };
        out.push(per_s(count_peaks(&loud, 5, 0.2)));
        let seg = runs(voiced);
        out.push(per_s(seg.len()));
        let lens: Vec<f64> = seg.iter().map(|&(_, l)| l as f64 * frame_s).collect();
        let (m, s) = mean_std(&lens);
        out.extend([m as f32, s as f32]);
        let gaps: Vec<f64> = inner_gaps(voiced)
            .iter()
            .map(|&(_, l)| l as f64 * frame_s)
            .collect();
        let (m, s) = mean_std(&gaps);
        out.extend([m as f32, s as f32]);
        let rms = col("rms")?;
        let power = rms.iter().map(|&r| (r as f64).powi(2)).sum::<f64>() / rms.len().max(1) as f64;
        out.push((10.0 * (power + 1e-10).log10()) as f32);

        crate::sets::finish_vector(Self::NAME, out, self.names.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{audio, odd_inputs, vowel};

    fn value(e: &EgemapsExtractor, v: &[f32], name: &str) -> f32 {
        v[e.names.iter().position(|n| n == name).unwrap()]
    }

    #[test]
    fn eighty_eight_named_values() {
        let e = EgemapsExtractor::new(SetParams::default()).unwrap();
        let info = e.info().unwrap();
        assert_eq!(info.dim, 88);
        let unique: std::collections::HashSet<_> = info.names.iter().collect();
        assert_eq!(unique.len(), 88);
    }

    #[test]
    fn vowel_values() {
        // Two 0.4 s vowels at 120 Hz separated by 0.2 s of silence.
        let mut x = vowel(&[730.0, 1090.0, 2440.0], 120.0, 16000, 6400);
        x.extend(vec![0.0; 3200]);
        x.extend(vowel(&[730.0, 1090.0, 2440.0], 120.0, 16000, 6400));
        let e = EgemapsExtractor::new(SetParams::default()).unwrap();
        let Features::Vector(v) = e.extract(&audio(x)).unwrap() else {
            panic!()
        };
        assert!(v.iter().all(|a| a.is_finite()));
        // 16000 / 133 = 120.3 Hz is 12 log2(120.3 / 27.5) = 25.55 semitones.
        let st = value(&e, &v, "f0_st_mean");
        assert!((st - 25.55).abs() < 0.2, "{st}");
        assert!(value(&e, &v, "f0_st_cov") < 0.01);
        // Two voiced segments in one second; one pause of about 0.2 s.
        assert_eq!(value(&e, &v, "voiced_segments_per_s"), 2.0);
        let gap = value(&e, &v, "unvoiced_segment_mean_s");
        assert!((gap - 0.2).abs() < 0.05, "{gap}");
        let f1 = value(&e, &v, "f1_mean");
        assert!((f1 - 730.0).abs() < 90.0, "{f1}");
        assert!(value(&e, &v, "hnr_db_mean") > 15.0);
    }

    #[test]
    fn silence_and_odd_input_are_defined() {
        let e = EgemapsExtractor::new(SetParams::default()).unwrap();
        for x in odd_inputs() {
            let Features::Vector(v) = e.extract(&audio(x)).unwrap() else {
                panic!()
            };
            assert_eq!(v.len(), 88);
            assert!(v.iter().all(|a| a.is_finite()));
        }
        let Features::Vector(v) = e.extract(&audio(vec![0.0; 16000])).unwrap() else {
            panic!()
        };
        for name in [
            "f0_st_mean",
            "jitter_local_mean",
            "voiced_segments_per_s",
            "f1_mean",
        ] {
            assert_eq!(value(&e, &v, name), 0.0, "{name}");
        }
    }
}
