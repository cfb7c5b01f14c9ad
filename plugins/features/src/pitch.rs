//! F0 by YIN (de Cheveigné & Kawahara, JASA 2002), computed exactly as `librosa.yin` 0.11
//! does, plus a voicing decision librosa's `yin` does not make.
//!
//! Per frame of `N` samples (`frame_length`):
//! * difference function from the autocorrelation of the whole frame,
//!   `d(k) = 2 (r(0) - r(k)) - sum_{m<k} y(m)^2` (librosa 0.11's form; the autocorrelation is
//!   one forward and one inverse real FFT, planned once);
//! * cumulative-mean normalisation `d'(k) = d(k) / (sum_{j=1..k} d(j) / k)` over
//!   `k in [floor(sr / f0_max), min(ceil(sr / f0_min), N - 1)]`;
//! * the first local minimum under `threshold`, else the global minimum;
//! * parabolic interpolation (no shift where it would move by a bin or more, none at the
//!   ends of the lag range).
//!
//! Frame `t` covers `[t * hop - N / 2, t * hop - N / 2 + N)` with zeros outside the signal
//! (`center=True, pad_mode='constant'`), so it is centred like the STFT frames.
//!
//! The lag is chosen with librosa's default trough threshold, 0.1, so F0 equals
//! `librosa.yin(..., trough_threshold=0.1)`. librosa's difference carries a tail term
//! (`sum` of the last `k` samples' energy) that keeps `d'` of a perfectly periodic frame
//! well above 0, by an amount that grows with the period (0.11 for a clean 150 Hz tone
//! with the default frame). The voicing decision librosa's `yin` does not make is ours:
//! the *aperiodicity* is the same cumulative-mean normalisation applied to the
//! tail-free, overlap-length-normalised difference
//! `sum_{m < N-k} (y(m) - y(m+k))^2 / (N - k)` at the chosen lag: about 0 for a periodic
//! frame whatever its pitch, about 1 for noise; a frame is periodic when it is under
//! `threshold`.
//!
//! Where librosa returns `sr / min_period` for a silent frame, we return `f0 = 0`,
//! aperiodicity 1 and "not periodic": a defined value that never counts as voiced.

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use serlab_api::{Error, Result};
use std::sync::Arc;

/// One YIN frame's outcome.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PitchFrame {
    /// Estimated F0 in Hz (of the chosen lag, periodic or not), 0 for a silent frame.
    pub f0: f32,
    /// Cumulative-mean-normalised difference at the chosen lag, in [0, 1] (1 = aperiodic).
    pub aperiodicity: f32,
    /// Whether the aperiodicity is under the voicing threshold.
    pub periodic: bool,
}

impl PitchFrame {
    const SILENT: PitchFrame = PitchFrame {
        f0: 0.0,
        aperiodicity: 1.0,
        periodic: false,
    };
}

/// A configured YIN tracker.
#[derive(Clone)]
pub struct Yin {
    sample_rate: f32,
    min_period: usize,
    max_period: usize,
    frame_length: usize,
    threshold: f32,
    trough_threshold: f32,
    fft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn ComplexToReal<f32>>,
}

impl std::fmt::Debug for Yin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Yin")
            .field("min_period", &self.min_period)
            .field("max_period", &self.max_period)
            .field("frame_length", &self.frame_length)
            .field("threshold", &self.threshold)
            .finish()
    }
}

/// Scratch buffers for [`Yin::analyse`], allocated once per utterance.
pub struct YinScratch {
    input: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    acf: Vec<f32>,
    fwd_scratch: Vec<realfft::num_complex::Complex<f32>>,
    inv_scratch: Vec<realfft::num_complex::Complex<f32>>,
    cmnd: Vec<f32>,
    aper: Vec<f32>,
}

impl Yin {
    /// A tracker for F0 in `[f0_min, f0_max]` Hz; a frame is periodic when its
    /// aperiodicity is under `threshold`. `frame_length = 0` picks `2 * ceil(sr / f0_min)`.
    /// `component` names the caller in errors.
    pub fn new(
        component: &str,
        sample_rate: u32,
        f0_min: f32,
        f0_max: f32,
        threshold: f32,
        frame_length: usize,
    ) -> Result<Self> {
        let sr = sample_rate as f32;
        if !(f0_min > 0.0 && f0_min < f0_max) {
            return Err(Error::config(
                component,
                "f0_min",
                "must be positive and below f0_max",
            ));
        }
        if f0_max >= sr / 4.0 {
            return Err(Error::config(
                component,
                "f0_max",
                "must be below sample_rate / 4",
            ));
        }
        if sr / f0_min > 8192.0 {
            return Err(Error::config(
                component,
                "f0_min",
                "too low for this sample rate",
            ));
        }
        if !(threshold > 0.0 && threshold < 1.0) {
            return Err(Error::config(
                component,
                "yin_threshold",
                "must be in (0, 1)",
            ));
        }
        let min_period = ((sr / f0_max).floor() as usize).max(1);
        let longest = (sr / f0_min).ceil() as usize;
        let frame_length = if frame_length == 0 {
            2 * longest
        } else {
            frame_length
        };
        let max_period = longest.min(frame_length.saturating_sub(1));
        if max_period < min_period + 2 {
            return Err(Error::config(
                component,
                "yin_frame_length",
                "too short for f0_min: needs more than sample_rate / f0_max + 2 samples",
            ));
        }
        let n_fft = (frame_length + max_period + 1).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        Ok(Yin {
            sample_rate: sr,
            min_period,
            max_period,
            frame_length,
            threshold,
            trough_threshold: 0.1,
            fft: planner.plan_fft_forward(n_fft),
            ifft: planner.plan_fft_inverse(n_fft),
        })
    }

    /// Samples one frame covers.
    pub fn frame_len(&self) -> usize {
        self.frame_length
    }

    /// Shortest and longest lag searched, samples.
    pub fn period_range(&self) -> (usize, usize) {
        (self.min_period, self.max_period)
    }

    /// Buffers for [`Yin::analyse`].
    pub fn scratch(&self) -> YinScratch {
        YinScratch {
            input: self.fft.make_input_vec(),
            spectrum: self.fft.make_output_vec(),
            acf: self.ifft.make_output_vec(),
            fwd_scratch: self.fft.make_scratch_vec(),
            inv_scratch: self.ifft.make_scratch_vec(),
            cmnd: vec![0.0; self.max_period - self.min_period + 1],
            aper: vec![0.0; self.max_period - self.min_period + 1],
        }
    }

    /// Analyse one frame of [`Yin::frame_len`] samples.
    pub fn analyse(&self, frame: &[f32], s: &mut YinScratch) -> PitchFrame {
        let n = self.frame_length;
        s.input[..n].copy_from_slice(&frame[..n]);
        s.input[n..].iter_mut().for_each(|v| *v = 0.0);
        let energy: f64 = frame[..n].iter().map(|&v| (v as f64) * (v as f64)).sum();
        if energy.is_nan() || energy <= 1e-12 {
            return PitchFrame::SILENT;
        }
        if self
            .fft
            .process_with_scratch(&mut s.input, &mut s.spectrum, &mut s.fwd_scratch)
            .is_err()
        {
            return PitchFrame::SILENT;
        }
        for c in s.spectrum.iter_mut() {
            *c = realfft::num_complex::Complex::new(c.norm_sqr(), 0.0);
        }
        // The inverse of a real spectrum must have zero imaginary DC / Nyquist: it does.
        if self
            .ifft
            .process_with_scratch(&mut s.spectrum, &mut s.acf, &mut s.inv_scratch)
            .is_err()
        {
            return PitchFrame::SILENT;
        }
        let scale = 1.0 / s.acf.len() as f64;
        let r0 = s.acf[0] as f64 * scale;
        // d(k) and its running sum over k = 1..; cumulative energy of the first k samples.
        // The tail-free difference drops the energy of the last k samples and is divided by
        // the overlap N - k (see the module notes).
        let (mut cum_d, mut cum_e) = (0.0f64, 0.0f64);
        let (mut cum_c, mut tail) = (0.0f64, 0.0f64);
        for k in 1..=self.max_period {
            cum_e += (frame[k - 1] as f64).powi(2);
            tail += (frame[n - k] as f64).powi(2);
            let d = 2.0 * (r0 - s.acf[k] as f64 * scale) - cum_e;
            cum_d += d;
            let c = ((d - tail) / (n - k) as f64).max(0.0);
            cum_c += c;
            if k >= self.min_period {
                let denom = cum_d / k as f64 + f32::MIN_POSITIVE as f64;
                s.cmnd[k - self.min_period] = (d / denom) as f32;
                s.aper[k - self.min_period] = if cum_c > 0.0 {
                    (c * k as f64 / cum_c) as f32
                } else {
                    1.0
                };
            }
        }
        let y = &s.cmnd;
        let len = y.len();
        // First local minimum under the threshold (librosa's is_threshold_trough).
        let is_trough = |j: usize| -> bool {
            if j == 0 {
                y[0] < y[1]
            } else if j == len - 1 {
                y[j] < y[j - 1]
            } else {
                y[j] < y[j - 1] && y[j] <= y[j + 1]
            }
        };
        let found = (0..len).find(|&j| y[j] < self.trough_threshold && is_trough(j));
        let j = found.unwrap_or_else(|| {
            let mut best = 0;
            for i in 1..len {
                if y[i] < y[best] {
                    best = i;
                }
            }
            best
        });
        let shift = if j == 0 || j == len - 1 {
            0.0
        } else {
            let a = y[j + 1] + y[j - 1] - 2.0 * y[j];
            let b = (y[j + 1] - y[j - 1]) / 2.0;
            if b.abs() >= a.abs() {
                0.0
            } else {
                -b / a
            }
        };
        let period = (self.min_period + j) as f32 + shift;
        let f0 = self.sample_rate / period;
        let aperiodicity = s.aper[j].clamp(0.0, 1.0);
        if !f0.is_finite() || !aperiodicity.is_finite() {
            return PitchFrame::SILENT;
        }
        PitchFrame {
            f0,
            aperiodicity,
            periodic: aperiodicity < self.threshold,
        }
    }

    /// Track `frames` frames centred on `t * hop` over `samples`.
    pub fn track(&self, samples: &[f32], hop: usize, frames: usize) -> Vec<PitchFrame> {
        let len = self.frame_len();
        let half = len / 2;
        let mut padded = vec![0.0f32; samples.len() + len + hop * frames.saturating_sub(1) + 1];
        padded[half..half + samples.len()].copy_from_slice(samples);
        let mut s = self.scratch();
        (0..frames)
            .map(|t| {
                let start = t * hop;
                self.analyse(&padded[start..start + len], &mut s)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::sine;

    fn yin() -> Yin {
        Yin::new("t", 16000, 60.0, 500.0, 0.15, 0).unwrap()
    }

    #[test]
    fn sine_440_within_one_percent() {
        let x = sine(440.0, 16000, 16000, 0.5);
        let track = yin().track(&x, 160, 101);
        for p in &track[5..96] {
            assert!(p.periodic);
            assert!((p.f0 - 440.0).abs() < 4.4, "{}", p.f0);
            assert!(p.aperiodicity < 0.05);
        }
    }

    #[test]
    fn harmonic_tone_and_dc_offset() {
        // 150 Hz with harmonics and a DC offset: still 150 Hz, not an octave off.
        let x: Vec<f32> = (0..8000)
            .map(|i| {
                let t = i as f32 / 16000.0;
                let w = 2.0 * std::f32::consts::PI * 150.0 * t;
                0.3 + 0.4 * w.sin() + 0.3 * (2.0 * w).sin() + 0.2 * (3.0 * w).sin()
            })
            .collect();
        let track = yin().track(&x, 160, 51);
        for p in &track[5..45] {
            assert!(p.periodic && (p.f0 - 150.0).abs() < 1.5, "{p:?}");
        }
    }

    #[test]
    fn silence_and_noise_are_not_periodic() {
        let track = yin().track(&[0.0; 4000], 160, 26);
        assert!(track.iter().all(|p| *p == PitchFrame::SILENT));
        // Deterministic white-ish noise (LCG).
        let mut s = 12345u32;
        let noise: Vec<f32> = (0..8000)
            .map(|_| {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        let track = yin().track(&noise, 160, 51);
        let periodic = track.iter().filter(|p| p.periodic).count();
        assert!(periodic < 5, "{periodic}");
        assert!(track
            .iter()
            .all(|p| p.f0.is_finite() && p.aperiodicity.is_finite()));
    }

    #[test]
    fn short_and_empty_input() {
        assert_eq!(yin().track(&[], 160, 1).len(), 1);
        let t = yin().track(&[0.5; 10], 160, 1);
        assert!(t[0].f0.is_finite());
    }

    #[test]
    fn rejects_bad_ranges() {
        assert!(Yin::new("t", 16000, 500.0, 60.0, 0.15, 0).is_err());
        assert!(Yin::new("t", 16000, 60.0, 5000.0, 0.15, 0).is_err());
        assert!(Yin::new("t", 16000, 60.0, 500.0, 1.5, 0).is_err());
        assert!(Yin::new("t", 16000, 60.0, 500.0, 0.15, 20).is_err());
    }
}
