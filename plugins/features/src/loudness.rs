//! Perceived loudness and sharpness: a documented approximation, not a standard (ISO 532)
//! loudness model. librosa has no loudness; eGeMAPS and ComParE define loudness as the sum
//! of an auditory spectrum compressed by a power law, which is what we compute, following
//! the perceptual front end of PLP (Hermansky, JASA 1990):
//!
//! 1. the power spectrum (normalised so a full-scale sine's peak bin is 1) is summed in
//!    triangular critical-band filters spaced evenly on the Bark scale
//!    (`z = 26.81 f / (1960 + f) - 0.53`, Traunmüller 1990), one per Bark from 1 Bark to
//!    the Nyquist frequency;
//! 2. each band is weighted by PLP's equal-loudness curve (about the 40-phon contour):
//!    `E(w) = (w^2 + 56.8e6) w^4 / ((w^2 + 6.3e6)^2 (w^2 + 0.38e9))`, `w = 2 pi f`;
//! 3. Stevens' intensity-loudness power law, exponent 0.33, gives the specific loudness
//!    `N'(z)`; loudness is `sum N'(z)` (arbitrary "sone-like" units; doubles for +10 dB).
//!
//! Sharpness is Zwicker & Fastl's weighted first moment of the specific loudness,
//! `0.11 sum N'(z) g(z) z / sum N'(z)` with `g(z) = 1` up to 15.8 Bark and
//! `0.066 exp(0.171 z)` above (acum-like units); 0 for a silent frame.

/// Bark of a frequency in Hz (Traunmüller 1990).
pub fn hz_to_bark(hz: f64) -> f64 {
    26.81 * hz / (1960.0 + hz) - 0.53
}

/// Hz of a Bark value (inverse of [`hz_to_bark`]).
pub fn bark_to_hz(z: f64) -> f64 {
    1960.0 * (z + 0.53) / (26.28 - z)
}

/// PLP's equal-loudness weight at `hz`.
pub fn equal_loudness(hz: f64) -> f64 {
    let w2 = (2.0 * std::f64::consts::PI * hz).powi(2);
    (w2 + 56.8e6) * w2 * w2 / ((w2 + 6.3e6).powi(2) * (w2 + 0.38e9))
}

/// Loudness of one frame and its sharpness.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoudnessFrame {
    /// Sum of the specific loudness.
    pub loudness: f32,
    /// Weighted first moment of the specific loudness, acum-like.
    pub sharpness: f32,
}

/// A planned Bark filterbank with equal-loudness weights.
#[derive(Clone, Debug)]
pub struct Loudness {
    /// Per band: first bin and weights (equal-loudness weight and normalisation folded in).
    bands: Vec<(usize, Vec<f32>)>,
    /// Centre of each band, Bark, and the sharpness weight `g(z) z`.
    centre_weight: Vec<f64>,
}

impl Loudness {
    /// For power frames of `n_fft / 2 + 1` bins at `sample_rate`, windowed by a window
    /// summing to `window_sum`.
    pub fn new(sample_rate: u32, n_fft: usize, window_sum: f64) -> Self {
        let bins = n_fft / 2 + 1;
        let nyquist = sample_rate as f64 / 2.0;
        let z_hi = hz_to_bark(nyquist);
        let n_bands = (z_hi.floor() as usize).max(1);
        let step = z_hi / (n_bands + 1) as f64;
        let norm = 4.0 / (window_sum * window_sum).max(f64::MIN_POSITIVE);
        let bin_bark: Vec<f64> = (0..bins)
            .map(|k| hz_to_bark(k as f64 * sample_rate as f64 / n_fft as f64))
            .collect();
        let mut bands = Vec::with_capacity(n_bands);
        let mut centre_weight = Vec::with_capacity(n_bands);
        for i in 1..=n_bands {
            let (lo, c, hi) = (
                (i - 1) as f64 * step,
                i as f64 * step,
                (i + 1) as f64 * step,
            );
            let e = equal_loudness(bark_to_hz(c));
            let w: Vec<f64> = bin_bark
                .iter()
                .map(|&z| {
                    let t = ((z - lo) / (c - lo)).min((hi - z) / (hi - c));
                    t.max(0.0) * e * norm
                })
                .collect();
            let first = w.iter().position(|&v| v > 0.0).unwrap_or(0);
            let last = w.iter().rposition(|&v| v > 0.0).map_or(first, |l| l + 1);
            bands.push((first, w[first..last].iter().map(|&v| v as f32).collect()));
            let g = if c <= 15.8 {
                1.0
            } else {
                0.066 * (0.171 * c).exp()
            };
            centre_weight.push(g * c);
        }
        Loudness {
            bands,
            centre_weight,
        }
    }

    /// Number of critical bands.
    pub fn n_bands(&self) -> usize {
        self.bands.len()
    }

    /// Loudness and sharpness of one power frame.
    pub fn analyse(&self, power: &[f32]) -> LoudnessFrame {
        let (mut total, mut moment) = (0.0f64, 0.0f64);
        for ((start, w), cw) in self.bands.iter().zip(&self.centre_weight) {
            let band: f64 = w
                .iter()
                .zip(&power[(*start).min(power.len())..])
                .map(|(a, b)| *a as f64 * (*b as f64).max(0.0))
                .sum();
            let n = band.powf(0.33);
            total += n;
            moment += n * cw;
        }
        LoudnessFrame {
            loudness: total as f32,
            sharpness: if total > 0.0 {
                (0.11 * moment / total) as f32
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::{hann_periodic, PadMode, Stft};
    use crate::testutil::sine;

    #[test]
    fn bark_scale_round_trip() {
        // Traunmüller: 1000 Hz is about 8.5 Bark.
        assert!((hz_to_bark(1000.0) - 8.527).abs() < 0.01);
        for hz in [100.0, 1000.0, 4000.0, 7999.0] {
            assert!((bark_to_hz(hz_to_bark(hz)) - hz).abs() < 1e-6);
        }
        // The equal-loudness curve favours 1-4 kHz over 100 Hz.
        assert!(equal_loudness(2000.0) > 10.0 * equal_loudness(100.0));
    }

    #[test]
    fn ten_db_roughly_doubles_loudness() {
        let stft = Stft::new("t", 512, 400, 160, true, PadMode::Reflect).unwrap();
        let sum: f64 = hann_periodic(400).iter().map(|&w| w as f64).sum();
        let l = Loudness::new(16000, 512, sum);
        let at = |amp: f32| {
            let spec = stft.power(&sine(1000.0, 8000, 16000, amp)).unwrap();
            l.analyse(spec.frame(20))
        };
        let (a, b) = (at(0.1), at(0.1 * 10f32.powf(0.5)));
        // Stevens: 10 dB = x 10^(0.33) = x 2.14.
        assert!(
            (b.loudness / a.loudness - 2.138).abs() < 0.01,
            "{a:?} {b:?}"
        );
        // Sharpness depends on the spectral shape, not the level.
        assert!((a.sharpness - b.sharpness).abs() < 1e-4);
        assert_eq!(l.analyse(&[0.0; 257]), LoudnessFrame::default());
        // A 4 kHz tone is sharper than a 500 Hz tone.
        let sharp = |f: f32| {
            let spec = stft.power(&sine(f, 8000, 16000, 0.1)).unwrap();
            l.analyse(spec.frame(20)).sharpness
        };
        assert!(sharp(4000.0) > sharp(500.0) + 0.1);
    }
}
