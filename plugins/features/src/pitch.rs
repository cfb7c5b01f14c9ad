//! F0 by YIN (de Cheveigné & Kawahara, JASA 2002): difference function, cumulative mean
//! normalisation, absolute threshold, local-minimum search and parabolic interpolation.
//!
//! The integration window is one longest period (`ceil(sr / f0_min)` samples), so a frame
//! needs `2 * tau_max + 1` samples; frame `t` is centred on sample `t * hop` (zeros outside
//! the signal), matching the STFT frames with `center = true`.

use serlab_core::{Error, Result};

/// One YIN frame's outcome.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PitchFrame {
    /// Estimated F0 in Hz (of the best candidate, voiced or not), 0 if none.
    pub f0: f32,
    /// Cumulative-mean-normalised difference at the chosen lag, in [0, 1] (1 = aperiodic).
    pub aperiodicity: f32,
    /// Whether the aperiodicity is under the threshold.
    pub periodic: bool,
}

/// A configured YIN tracker.
#[derive(Clone, Debug)]
pub struct Yin {
    sample_rate: f32,
    tau_min: usize,
    tau_max: usize,
    window: usize,
    threshold: f32,
}

/// `sum((a - b)^2)` with eight independent accumulators, so it vectorises.
fn sq_diff_sum(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += (x - y) * (x - y);
    }
    s
}

impl Yin {
    /// A tracker for F0 in `[f0_min, f0_max]` Hz with aperiodicity threshold `threshold`.
    /// `component` names the caller in errors.
    pub fn new(
        component: &str,
        sample_rate: u32,
        f0_min: f32,
        f0_max: f32,
        threshold: f32,
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
        let tau_min = ((sr / f0_max).floor() as usize).max(2);
        let tau_max = ((sr / f0_min).ceil() as usize).max(tau_min + 2);
        Ok(Yin {
            sample_rate: sr,
            tau_min,
            tau_max,
            window: tau_max,
            threshold,
        })
    }

    /// Samples one frame needs.
    pub fn frame_len(&self) -> usize {
        self.window + self.tau_max + 1
    }

    /// Analyse one frame of [`Yin::frame_len`] samples; `d` is scratch of `tau_max + 1`.
    pub fn analyse(&self, frame: &[f32], d: &mut [f32]) -> PitchFrame {
        let w = self.window;
        let head = &frame[..w];
        d[0] = 1.0;
        let mut running = 0.0f64;
        let mut any = false;
        for tau in 1..=self.tau_max {
            let raw = sq_diff_sum(head, &frame[tau..tau + w]);
            running += raw as f64;
            d[tau] = if running > 0.0 {
                any = true;
                (raw as f64 * tau as f64 / running) as f32
            } else {
                1.0
            };
        }
        let none = PitchFrame {
            f0: 0.0,
            aperiodicity: 1.0,
            periodic: false,
        };
        if !any {
            return none;
        }
        // First dip under the threshold, followed down to its local minimum.
        let (lo, hi) = (self.tau_min, self.tau_max - 1);
        let mut tau = None;
        let mut t = lo;
        while t <= hi {
            if d[t] < self.threshold {
                while t < hi && d[t + 1] < d[t] {
                    t += 1;
                }
                tau = Some(t);
                break;
            }
            t += 1;
        }
        let periodic = tau.is_some();
        let tau = tau.unwrap_or_else(|| {
            (lo..=hi)
                .min_by(|&a, &b| d[a].total_cmp(&d[b]))
                .unwrap_or(lo)
        });
        let (a, b, c) = (d[tau - 1], d[tau], d[tau + 1]);
        let denom = a - 2.0 * b + c;
        let shift = if denom > 1e-12 {
            (0.5 * (a - c) / denom).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        let period = tau as f32 + shift;
        let f0 = if period > 0.0 {
            self.sample_rate / period
        } else {
            0.0
        };
        let aperiodicity = b.clamp(0.0, 1.0);
        if !f0.is_finite() || !aperiodicity.is_finite() {
            return none;
        }
        PitchFrame {
            f0,
            aperiodicity,
            periodic,
        }
    }

    /// Track `frames` frames centred on `t * hop` over `samples`.
    pub fn track(&self, samples: &[f32], hop: usize, frames: usize) -> Vec<PitchFrame> {
        let len = self.frame_len();
        let half = len / 2;
        let mut padded = vec![0.0f32; samples.len() + len + hop * frames.saturating_sub(1) + 1];
        padded[half..half + samples.len()].copy_from_slice(samples);
        let mut d = vec![0.0f32; self.tau_max + 1];
        (0..frames)
            .map(|t| {
                let start = t * hop;
                self.analyse(&padded[start..start + len], &mut d)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::sine;

    fn yin() -> Yin {
        Yin::new("t", 16000, 60.0, 500.0, 0.15).unwrap()
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
        assert!(track
            .iter()
            .all(|p| !p.periodic && p.f0 == 0.0 && p.aperiodicity == 1.0));
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
        assert!(Yin::new("t", 16000, 500.0, 60.0, 0.15).is_err());
        assert!(Yin::new("t", 16000, 60.0, 5000.0, 0.15).is_err());
        assert!(Yin::new("t", 16000, 60.0, 500.0, 1.5).is_err());
    }
}
