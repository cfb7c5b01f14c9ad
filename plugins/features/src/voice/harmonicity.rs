//! Harmonics-to-noise ratio and harmonic amplitudes (H1-H2, H1-A3, formant amplitudes) of
//! one frame, from its autocorrelation and power spectrum: the spectral half of voice
//! quality, apart from the cycle-based jitter and shimmer (see the parent module's docs
//! for the definitions).

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// HNR and harmonic amplitudes of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HarmonicFrame {
    /// Harmonics-to-noise ratio, dB, in [-20, 50].
    pub hnr_db: f32,
    /// H1 - H2, dB.
    pub h1_h2: f32,
    /// H1 - A3, dB.
    pub h1_a3: f32,
    /// Formant amplitudes relative to H1 (`A_i - H1`), dB.
    pub formant_amp: [f32; 3],
}

/// The autocorrelation / spectrum analyser behind [`HarmonicFrame`].
#[derive(Clone)]
pub struct Harmonicity {
    sample_rate: f64,
    window: Vec<f32>,
    window_acf: Vec<f64>,
    min_period: usize,
    max_period: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn ComplexToReal<f32>>,
}

impl std::fmt::Debug for Harmonicity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harmonicity")
            .field("window", &self.window.len())
            .field("periods", &(self.min_period, self.max_period))
            .finish()
    }
}

/// Buffers for [`Harmonicity::analyse`].
pub struct HarmonicScratch {
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    power: Vec<f32>,
    acf: Vec<f32>,
    s1: Vec<Complex<f32>>,
    s2: Vec<Complex<f32>>,
}

/// HNR floor and ceiling through the clamp of `r`.
const R_MIN: f64 = 0.01;
const R_MAX: f64 = 0.99999;

impl Harmonicity {
    /// A Hann window of `window` samples; lags `[sr / f0_max, sr / f0_min]`.
    pub fn new(sample_rate: u32, window: usize, f0_min: f32, f0_max: f32) -> Self {
        let sr = sample_rate as f64;
        let min_period = ((sr / f0_max as f64).floor() as usize).max(2);
        let max_period = ((sr / f0_min as f64).ceil() as usize)
            .min(window.saturating_sub(2))
            .max(min_period + 1);
        let win: Vec<f32> = (0..window)
            .map(|i| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * (i as f64 + 0.5) / window as f64).cos())
                    as f32
            })
            .collect();
        let window_acf: Vec<f64> = (0..=max_period)
            .map(|k| {
                (0..window.saturating_sub(k))
                    .map(|i| win[i] as f64 * win[i + k] as f64)
                    .sum()
            })
            .collect();
        let n_fft = (window + max_period + 1).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        Harmonicity {
            sample_rate: sr,
            window: win,
            window_acf,
            min_period,
            max_period,
            fft: planner.plan_fft_forward(n_fft),
            ifft: planner.plan_fft_inverse(n_fft),
        }
    }

    /// Window length, samples.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// Buffers for [`Harmonicity::analyse`].
    pub fn scratch(&self) -> HarmonicScratch {
        HarmonicScratch {
            input: self.fft.make_input_vec(),
            spectrum: self.fft.make_output_vec(),
            power: vec![0.0; self.fft.len() / 2 + 1],
            acf: self.ifft.make_output_vec(),
            s1: self.fft.make_scratch_vec(),
            s2: self.ifft.make_scratch_vec(),
        }
    }

    /// HNR and harmonic amplitudes of the frame `x` (`window_len` samples), given its F0
    /// (0 = unknown) and formant frequencies (0 = unknown).
    pub fn analyse(
        &self,
        x: &[f32],
        f0: f32,
        formants: &[f32; 3],
        s: &mut HarmonicScratch,
    ) -> HarmonicFrame {
        let w = self.window.len();
        let mean = x[..w].iter().map(|&v| v as f64).sum::<f64>() / w as f64;
        for ((i, &v), &h) in s.input.iter_mut().zip(&x[..w]).zip(&self.window) {
            *i = (v as f64 - mean) as f32 * h;
        }
        s.input[w..].iter_mut().for_each(|v| *v = 0.0);
        let silent = HarmonicFrame {
            hnr_db: hnr_of(R_MIN),
            ..Default::default()
        };
        if s.input.iter().all(|&v| v == 0.0)
            || self
                .fft
                .process_with_scratch(&mut s.input, &mut s.spectrum, &mut s.s1)
                .is_err()
        {
            return silent;
        }
        for (p, c) in s.power.iter_mut().zip(s.spectrum.iter_mut()) {
            *p = c.norm_sqr();
            *c = Complex::new(*p, 0.0);
        }
        if self
            .ifft
            .process_with_scratch(&mut s.spectrum, &mut s.acf, &mut s.s2)
            .is_err()
            || s.acf[0].is_nan()
            || s.acf[0] <= 0.0
        {
            return silent;
        }
        let r0 = s.acf[0] as f64;
        let r = |k: usize| (s.acf[k] as f64 / r0) / (self.window_acf[k] / self.window_acf[0]);
        let (lo, hi) = if f0 > 0.0 {
            let t = self.sample_rate / f0 as f64;
            (
                ((0.8 * t).floor() as usize).max(self.min_period),
                ((1.2 * t).ceil() as usize).min(self.max_period - 1),
            )
        } else {
            (self.min_period, self.max_period - 1)
        };
        let mut best = R_MIN;
        if lo <= hi {
            let k = (lo..=hi)
                .max_by(|&a, &b| r(a).total_cmp(&r(b)))
                .unwrap_or(lo);
            let (a, b, c) = (r(k - 1), r(k), r(k + 1));
            let denom = a - 2.0 * b + c;
            best = if denom < 0.0 {
                let d = (0.5 * (a - c) / denom).clamp(-0.5, 0.5);
                b - 0.25 * (a - c) * d
            } else {
                b
            };
        }
        let mut out = HarmonicFrame {
            hnr_db: hnr_of(best),
            ..Default::default()
        };
        if f0 > 0.0 {
            let df = self.sample_rate / self.fft.len() as f64;
            let f0 = f0 as f64;
            let peak_db = |centre: f64, half: f64| -> Option<f64> {
                let a = ((centre - half) / df).ceil().max(0.0) as usize;
                let b = (((centre + half) / df).floor() as usize).min(s.power.len() - 1);
                (a <= b).then(|| {
                    let m = s.power[a..=b].iter().copied().fold(0.0f32, f32::max) as f64;
                    10.0 * (m + 1e-20).log10()
                })
            };
            if let (Some(h1), Some(h2)) = (peak_db(f0, 0.3 * f0), peak_db(2.0 * f0, 0.3 * f0)) {
                out.h1_h2 = (h1 - h2) as f32;
                for (i, &fi) in formants.iter().enumerate() {
                    if fi <= 0.0 {
                        continue;
                    }
                    let half = if i == 2 { f0 } else { f0 / 2.0 };
                    if let Some(a) = peak_db(fi as f64, half) {
                        out.formant_amp[i] = (a - h1) as f32;
                        if i == 2 {
                            out.h1_a3 = (h1 - a) as f32;
                        }
                    }
                }
            }
        }
        out
    }
}

fn hnr_of(r: f64) -> f32 {
    let r = if r.is_finite() {
        r.clamp(R_MIN, R_MAX)
    } else {
        R_MIN
    };
    (10.0 * (r / (1.0 - r)).log10()) as f32
}
