//! Formants F1–F3 (frequency and bandwidth) by linear prediction, the classic recipe
//! (Markel & Gray 1976; Praat's "To Formant (burg)" is the same idea):
//!
//! 1. pre-emphasis from 50 Hz (`x[n] - exp(-2 pi 50 / sr) x[n-1]`);
//! 2. a Hamming window of `window` samples centred on the frame;
//! 3. Burg's method of order `order` (default `2 + sr / 1000`, one pole pair per kHz of
//!    bandwidth plus one for the source and radiation);
//! 4. the complex roots `r e^{i theta}` of the predictor with `theta > 0` give candidate
//!    resonances `f = theta sr / (2 pi)`, bandwidth `-ln(r) sr / pi`;
//! 5. candidates between 90 Hz and `sr / 2 - 90` Hz with a bandwidth under 700 Hz, sorted
//!    by frequency: the first three are F1, F2, F3.
//!
//! Frames are only analysed where the caller says they are voiced; elsewhere, and where
//! fewer than three resonances are found, the missing values are 0 (undefined), which the
//! functionals skip. Tested on synthetic vowels with known formants.

use crate::lpc::{burg, poly_roots};
use realfft::num_complex::Complex;

/// Lowest accepted formant frequency, Hz.
const MIN_FREQ: f64 = 90.0;
/// Widest accepted formant bandwidth, Hz.
const MAX_BANDWIDTH: f64 = 700.0;

/// Formants of one frame; 0 where undefined.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FormantFrame {
    /// F1, F2, F3, Hz.
    pub freq: [f32; 3],
    /// Their bandwidths, Hz.
    pub bandwidth: [f32; 3],
}

/// A planned formant tracker.
#[derive(Clone, Debug)]
pub struct Formants {
    sample_rate: f64,
    order: usize,
    window: Vec<f64>,
    preemph: f64,
}

impl Formants {
    /// `order = 0` picks `2 + sr / 1000` (rounded); `window` in samples (at least
    /// `order + 2`). `component` names the caller in errors.
    pub fn new(
        component: &str,
        sample_rate: u32,
        window: usize,
        order: usize,
    ) -> serlab_api::Result<Self> {
        let order = if order == 0 {
            2 + (sample_rate as f64 / 1000.0).round() as usize
        } else {
            order
        };
        if !(2..=64).contains(&order) {
            return Err(serlab_api::Error::config(
                component,
                "lpc_order",
                "must be between 2 and 64",
            ));
        }
        if window < order + 2 {
            return Err(serlab_api::Error::config(
                component,
                "win_length",
                "too short for the LPC order",
            ));
        }
        let n = window as f64;
        let window = (0..window)
            .map(|i| 0.54 - 0.46 * (2.0 * std::f64::consts::PI * i as f64 / (n - 1.0)).cos())
            .collect();
        Ok(Formants {
            sample_rate: sample_rate as f64,
            order,
            window,
            preemph: (-2.0 * std::f64::consts::PI * 50.0 / sample_rate as f64).exp(),
        })
    }

    /// LPC order in use.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Formants of frames centred on `t * hop` where `voiced[t]`; 0 elsewhere.
    pub fn track(&self, samples: &[f32], hop: usize, voiced: &[bool]) -> Vec<FormantFrame> {
        let w = self.window.len();
        let half = (w / 2) as isize;
        let n = samples.len() as isize;
        let at = |i: isize| -> f64 {
            if (0..n).contains(&i) {
                samples[i as usize] as f64
            } else {
                0.0
            }
        };
        let mut x = vec![0.0f64; w];
        let mut a = vec![0.0f64; self.order + 1];
        let (mut f, mut b) = (Vec::with_capacity(w), Vec::with_capacity(w));
        let mut roots: Vec<Complex<f64>> = Vec::with_capacity(self.order);
        let mut warm = false;
        let mut cands: Vec<(f64, f64)> = Vec::with_capacity(self.order);
        let mut out = vec![FormantFrame::default(); voiced.len()];
        for (t, o) in out.iter_mut().enumerate() {
            if !voiced[t] {
                warm = false;
                continue;
            }
            let start = (t * hop) as isize - half;
            for (i, (xi, wi)) in x.iter_mut().zip(&self.window).enumerate() {
                let s = start + i as isize;
                *xi = (at(s) - self.preemph * at(s - 1)) * wi;
            }
            if burg(&x, &mut a, &mut f, &mut b) <= 0.0 && a[1..].iter().all(|&v| v == 0.0) {
                warm = false;
                continue;
            }
            if !poly_roots(&a, &mut roots, warm) {
                warm = false;
                continue;
            }
            warm = true;
            cands.clear();
            for r in &roots {
                if r.im <= 0.0 {
                    continue;
                }
                let freq = r.im.atan2(r.re) * self.sample_rate / (2.0 * std::f64::consts::PI);
                let bw = -r.norm().ln() * self.sample_rate / std::f64::consts::PI;
                if freq > MIN_FREQ
                    && freq < self.sample_rate / 2.0 - MIN_FREQ
                    && bw > 0.0
                    && bw < MAX_BANDWIDTH
                {
                    cands.push((freq, bw));
                }
            }
            cands.sort_by(|p, q| p.0.total_cmp(&q.0));
            for (i, (freq, bw)) in cands.iter().take(3).enumerate() {
                o.freq[i] = *freq as f32;
                o.bandwidth[i] = *bw as f32;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::vowel;

    fn median(mut v: Vec<f32>) -> f32 {
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    }

    #[test]
    fn synthetic_vowels_within_tolerance() {
        // Peterson & Barney (1952) male averages for /a/, /i/, /u/.
        let vowels = [
            ("a", [730.0, 1090.0, 2440.0]),
            ("i", [270.0, 2290.0, 3010.0]),
            ("u", [300.0, 870.0, 2240.0]),
        ];
        let fm = Formants::new("t", 16000, 400, 0).unwrap();
        for (name, f) in vowels {
            let x = vowel(&f, 120.0, 16000, 8000);
            let frames = 1 + x.len() / 160;
            let track = fm.track(&x, 160, &vec![true; frames]);
            for (k, &want) in f.iter().enumerate() {
                let got = median(track[5..frames - 5].iter().map(|t| t.freq[k]).collect());
                let tol = 0.08 * want as f32 + 30.0;
                assert!(
                    (got - want as f32).abs() < tol,
                    "/{name}/ F{}: {got} vs {want}",
                    k + 1
                );
            }
        }
    }

    #[test]
    fn unvoiced_and_silent_frames_are_zero() {
        let fm = Formants::new("t", 16000, 400, 0).unwrap();
        let t = fm.track(&[0.0; 3200], 160, &[true; 21]);
        assert!(t.iter().all(|f| *f == FormantFrame::default()));
        let x = vowel(&[730.0, 1090.0, 2440.0], 120.0, 16000, 3200);
        let t = fm.track(&x, 160, &[false; 21]);
        assert!(t.iter().all(|f| *f == FormantFrame::default()));
        assert!(Formants::new("t", 16000, 10, 0).is_err());
    }
}
