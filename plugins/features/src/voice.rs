//! Voice quality: jitter and shimmer from marked glottal cycles, harmonics-to-noise ratio
//! from the normalised autocorrelation, and harmonic amplitudes (H1-H2, H1-A3, formant
//! amplitudes relative to H1).
//!
//! **Cycles.** Inside each run of voiced frames the waveform is cut into consecutive pitch
//! periods: the first cycle starts at the largest sample of the first expected period;
//! the next start is the largest sample within `T / 10` of the lag `L` in
//! `[0.75 T, 1.25 T]` (`T` the period of the frame's F0) that maximises the normalised
//! cross-correlation between the one-period stretch around the current start and the
//! stretch `L` later, refined by parabolic interpolation of the peak (Praat's
//! "periodic, cc" point process works the same way). A cross-correlation under 0.5
//! breaks the chain (no pair spans it).
//! Each cycle's amplitude is its peak above the mean of the one-period stretch centred on
//! the peak, which a DC offset does not change. Where the response to one glottal pulse
//! still rings at the next, the peaks shift a little towards each other: on a synthetic
//! pulse train through 80 Hz-wide resonators, 3.1% true jitter reads as 2.8%.
//!
//! **Per-frame values** use the cycles that start within `window` samples centred on the
//! frame (0 where a voiced frame has no usable pair, and in unvoiced frames):
//! * jitter (local): `mean |L_i - L_{i-1}| / mean L` (Praat's definition, as a fraction);
//! * jitter (DDP): `mean |(L_{i+1} - L_i) - (L_i - L_{i-1})| / mean L`;
//! * shimmer (local, dB): `mean |20 log10(A_i / A_{i-1})|`.
//!
//! **HNR** (Boersma, Proc. IFA 1993): the frame (mean removed, Hann-windowed) has its
//! autocorrelation divided by the window's; `r` is its interpolated maximum within
//! +-20% of the F0 period (over the whole lag range when F0 is 0);
//! `HNR = 10 log10(r / (1 - r))` with `r` clamped to `[0.01, 0.99999]`, so HNR lies in
//! [-20, 50] dB; a silent frame gives -20 dB.
//!
//! **Harmonic amplitudes** come from the same frame's power spectrum: `H_k` is the largest
//! power within `+-0.3 F0` of `k F0`; `A_i` the largest power within `+-F0/2` of formant `i`
//! (`+-F0` for A3, "the strongest harmonic in the F3 range"), all in dB; H1-H2, H1-A3 and
//! `A_i - H1` are differences of those. All are 0 where F0 (or the formant) is undefined.

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// One glottal cycle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycle {
    /// Start, in samples (fractional).
    pub start: f64,
    /// Length, samples.
    pub length: f64,
    /// Peak-to-peak amplitude.
    pub amplitude: f64,
    /// Chain the cycle belongs to: pairs only form within one chain.
    pub chain: u32,
}

/// Mark glottal cycles in the runs of voiced frames (frame `t` centred on `t * hop`).
pub fn mark_cycles(
    x: &[f32],
    sample_rate: u32,
    f0: &[f32],
    voiced: &[bool],
    hop: usize,
) -> Vec<Cycle> {
    let n = x.len();
    let sr = sample_rate as f64;
    let mut cycles = Vec::new();
    let mut chain = 0u32;
    let mut scores: Vec<f64> = Vec::new();
    let frames = f0.len().min(voiced.len());
    let mut t = 0;
    while t < frames {
        if !(voiced[t] && f0[t] > 0.0) {
            t += 1;
            continue;
        }
        let t0 = t;
        while t < frames && voiced[t] && f0[t] > 0.0 {
            t += 1;
        }
        let t1 = t - 1;
        let begin = (t0 * hop).saturating_sub(hop / 2);
        let end = (t1 * hop + hop / 2).min(n);
        let period_at = |s: f64| -> f64 {
            let fr = ((s / hop as f64).round() as usize).clamp(t0, t1);
            sr / f0[fr] as f64
        };
        chain += 1;
        let first_t = period_at(begin as f64);
        let stop = (begin + first_t.round() as usize).min(end);
        if stop <= begin {
            continue;
        }
        let mut p = (begin..stop)
            .max_by(|&a, &b| x[a].total_cmp(&x[b]))
            .unwrap_or(begin) as f64;
        loop {
            let tp = period_at(p);
            let w = tp.round() as usize;
            let half = w / 2;
            let lo = (0.75 * tp).floor() as usize;
            let hi = (1.25 * tp).ceil() as usize;
            let pi = p.round() as usize;
            if pi < half || pi + hi + w - half + 1 >= end.min(n) || w < 2 {
                break;
            }
            let a = &x[pi - half..pi - half + w];
            let ea: f64 = a.iter().map(|&v| (v as f64) * (v as f64)).sum();
            let ncc = |l: usize| -> f64 {
                let b = &x[pi - half + l..pi - half + l + w];
                let (mut ab, mut eb) = (0.0f64, 0.0f64);
                for (&u, &v) in a.iter().zip(b) {
                    ab += u as f64 * v as f64;
                    eb += v as f64 * v as f64;
                }
                let d = (ea * eb).sqrt();
                if d > 0.0 {
                    ab / d
                } else {
                    0.0
                }
            };
            scores.clear();
            scores.extend((lo..=hi).map(ncc));
            let (bi, best_c) = scores
                .iter()
                .copied()
                .enumerate()
                .fold((0, f64::MIN), |b, (i, c)| if c > b.1 { (i, c) } else { b });
            let best = lo + bi;
            if best_c < 0.5 {
                // Not periodic here: start a new chain one expected period on.
                chain += 1;
                p += tp;
                let pi = p.round() as usize;
                let stop = (pi + w).min(end);
                if pi >= stop {
                    break;
                }
                p = (pi..stop)
                    .max_by(|&a, &b| x[a].total_cmp(&x[b]))
                    .unwrap_or(pi) as f64;
                continue;
            }
            // The next cycle starts at the waveform peak nearest the matched lag.
            let guess = pi + best;
            let reach = (w / 10).max(1);
            let (a0, b0) = (guess - reach, (guess + reach).min(n - 2));
            let q = (a0..=b0)
                .max_by(|&a, &b| x[a].total_cmp(&x[b]))
                .unwrap_or(guess);
            let (y0, y1, y2) = (x[q - 1] as f64, x[q] as f64, x[q + 1] as f64);
            let denom = y0 - 2.0 * y1 + y2;
            let frac = if denom < 0.0 {
                (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            let next = q as f64 + frac;
            let length = next - p;
            if !(length > 0.5 * tp && length < 1.5 * tp) {
                chain += 1;
                p = next;
                continue;
            }
            // Amplitude: the cycle's peak above the mean of the period around it.
            let (s0, s1) = (pi - half, (pi - half + w).min(n));
            let local_mean = x[s0..s1].iter().map(|&v| v as f64).sum::<f64>() / (s1 - s0) as f64;
            let amplitude = x[pi] as f64 - local_mean;
            cycles.push(Cycle {
                start: p,
                length,
                amplitude,
                chain,
            });
            p = next;
        }
    }
    cycles
}

/// Per-frame jitter (local), jitter (DDP) and shimmer (local, dB) from `cycles`, for
/// `frames` frames centred on `t * hop`, over cycles starting within `window` samples
/// around the centre; only `voiced` frames get values.
pub fn jitter_shimmer(
    cycles: &[Cycle],
    frames: usize,
    hop: usize,
    window: usize,
    voiced: &[bool],
) -> [Vec<f32>; 3] {
    let mut jit = vec![0.0f32; frames];
    let mut ddp = vec![0.0f32; frames];
    let mut shim = vec![0.0f32; frames];
    let half = window as f64 / 2.0;
    let mut first = 0usize;
    for t in 0..frames {
        if !voiced.get(t).copied().unwrap_or(false) {
            continue;
        }
        let c = (t * hop) as f64;
        while first < cycles.len() && cycles[first].start < c - half {
            first += 1;
        }
        let mut last = first;
        while last < cycles.len() && cycles[last].start < c + half {
            last += 1;
        }
        let cs = &cycles[first..last];
        if cs.len() < 2 {
            continue;
        }
        let mean_len = cs.iter().map(|c| c.length).sum::<f64>() / cs.len() as f64;
        let (mut dj, mut nj, mut ds, mut ns, mut dd, mut nd) = (0.0, 0, 0.0, 0, 0.0, 0);
        for i in 1..cs.len() {
            if cs[i].chain != cs[i - 1].chain {
                continue;
            }
            dj += (cs[i].length - cs[i - 1].length).abs();
            nj += 1;
            if cs[i].amplitude > 0.0 && cs[i - 1].amplitude > 0.0 {
                ds += (20.0 * (cs[i].amplitude / cs[i - 1].amplitude).log10()).abs();
                ns += 1;
            }
            if i + 1 < cs.len() && cs[i + 1].chain == cs[i].chain {
                dd += ((cs[i + 1].length - cs[i].length) - (cs[i].length - cs[i - 1].length)).abs();
                nd += 1;
            }
        }
        if nj > 0 && mean_len > 0.0 {
            jit[t] = (dj / nj as f64 / mean_len) as f32;
        }
        if nd > 0 && mean_len > 0.0 {
            ddp[t] = (dd / nd as f64 / mean_len) as f32;
        }
        if ns > 0 {
            shim[t] = (ds / ns as f64) as f32;
        }
    }
    [jit, ddp, shim]
}

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

#[cfg(test)]
mod tests;
