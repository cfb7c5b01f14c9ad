//! STFT chroma as `librosa.feature.chroma_stft(S=power, tuning=0, norm=inf)`: the power
//! spectrum projected onto `librosa.filters.chroma` (Gaussian bumps per FFT bin around
//! each pitch class, columns L2-normalised, weighted by a Gaussian over octaves centred on
//! octave 5 with width 2, rotated to start at C), then each frame divided by its maximum.
//!
//! librosa estimates the tuning from the signal when `tuning=None`; we fix it at 0 (A440),
//! so the filterbank is planned once and a frame's chroma depends on that frame only.
//! A silent frame stays all zeros (librosa leaves sub-`tiny` columns unnormalised).

/// A chroma filterbank, `12 x bins`, row-major.
#[derive(Clone, Debug)]
pub struct Chroma {
    weights: Vec<f32>,
    bins: usize,
}

/// Number of pitch classes.
pub const N_CHROMA: usize = 12;

/// Pitch-class names, starting at C.
pub const NAMES: [&str; N_CHROMA] = [
    "C", "Cs", "D", "Ds", "E", "F", "Fs", "G", "Gs", "A", "As", "B",
];

impl Chroma {
    /// `librosa.filters.chroma(sr, n_fft, n_chroma=12, tuning=0, ctroct=5, octwidth=2,
    /// norm=2, base_c=True)`.
    pub fn new(sample_rate: u32, n_fft: usize) -> Self {
        let n = N_CHROMA as f64;
        let sr = sample_rate as f64;
        let a440 = 440.0f64;
        // frqbins for FFT bins 1..n_fft (bin 0 is made up below).
        let mut frqbins: Vec<f64> = Vec::with_capacity(n_fft);
        frqbins.push(0.0);
        for k in 1..n_fft {
            let f = k as f64 * sr / n_fft as f64;
            frqbins.push(n * (f / (a440 / 16.0)).log2());
        }
        frqbins[0] = if n_fft > 1 { frqbins[1] - 1.5 * n } else { 0.0 };
        let binwidth: Vec<f64> = (0..n_fft)
            .map(|k| {
                if k + 1 < n_fft {
                    (frqbins[k + 1] - frqbins[k]).max(1.0)
                } else {
                    1.0
                }
            })
            .collect();
        let n2 = (n / 2.0).round();
        let mut w = vec![0.0f64; N_CHROMA * n_fft];
        for k in 0..n_fft {
            for c in 0..N_CHROMA {
                let d = frqbins[k] - c as f64;
                let d = (d + n2 + 10.0 * n).rem_euclid(n) - n2;
                w[c * n_fft + k] = (-0.5 * (2.0 * d / binwidth[k]).powi(2)).exp();
            }
        }
        // Column L2 normalisation, then the octave weighting.
        for k in 0..n_fft {
            let norm = (0..N_CHROMA)
                .map(|c| w[c * n_fft + k].powi(2))
                .sum::<f64>()
                .sqrt();
            let oct = (-0.5 * ((frqbins[k] / n - 5.0) / 2.0).powi(2)).exp();
            for c in 0..N_CHROMA {
                let v = &mut w[c * n_fft + k];
                if norm > f64::MIN_POSITIVE {
                    *v /= norm;
                }
                *v *= oct;
            }
        }
        // base_c: roll rows by -3 (row c takes old row c + 3), keep bins 0..=n_fft/2.
        let bins = n_fft / 2 + 1;
        let mut weights = vec![0.0f32; N_CHROMA * bins];
        for c in 0..N_CHROMA {
            let src = (c + 3) % N_CHROMA;
            for k in 0..bins {
                weights[c * bins + k] = w[src * n_fft + k] as f32;
            }
        }
        Chroma { weights, bins }
    }

    /// Chroma of one power-spectrum frame into `out` (12 values, max-normalised).
    pub fn apply(&self, power: &[f32], out: &mut [f32]) {
        for (o, row) in out.iter_mut().zip(self.weights.chunks_exact(self.bins)) {
            *o = row.iter().zip(power).map(|(w, p)| w * p).sum();
        }
        let max = out.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if max >= f32::MIN_POSITIVE {
            out.iter_mut().for_each(|v| *v /= max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::{PadMode, Stft};
    use crate::testutil::sine;

    #[test]
    fn a440_is_pitch_class_a() {
        let stft = Stft::new("t", 4096, 4096, 1024, true, PadMode::Reflect).unwrap();
        let spec = stft.power(&sine(440.0, 16000, 16000, 0.5)).unwrap();
        let ch = Chroma::new(16000, 4096);
        let mut out = [0.0f32; 12];
        ch.apply(spec.frame(7), &mut out);
        assert_eq!(out[9], 1.0, "{out:?}");
        assert!(out.iter().enumerate().all(|(c, &v)| c == 9 || v < 0.5));
        // Silence stays zero.
        ch.apply(&vec![0.0; 2049], &mut out);
        assert!(out.iter().all(|&v| v == 0.0));
    }
}
