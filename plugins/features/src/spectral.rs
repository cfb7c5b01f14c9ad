//! Per-frame spectral shape (centroid, bandwidth, roll-off, flatness) as in librosa's
//! `spectral_*` features, and time-domain RMS and zero-crossing rate.
//!
//! Centroid, bandwidth and roll-off weight frequencies by the magnitude `|X|` (librosa's
//! default); flatness is computed on the power `|X|^2` with `amin = 1e-10`. A silent frame
//! gives centroid, bandwidth and roll-off 0 and flatness 1.

/// Spectral descriptors of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SpectralFrame {
    /// Magnitude-weighted mean frequency, Hz.
    pub centroid: f32,
    /// Magnitude-weighted standard deviation of frequency around the centroid, Hz.
    pub bandwidth: f32,
    /// Lowest frequency under which `roll_percent` of the magnitude lies, Hz.
    pub rolloff: f32,
    /// Geometric over arithmetic mean of the power spectrum, in (0, 1].
    pub flatness: f32,
}

/// Computes [`SpectralFrame`]s for one FFT size.
#[derive(Clone, Debug)]
pub struct SpectralShape {
    freqs: Vec<f64>,
    roll_percent: f64,
}

impl SpectralShape {
    /// For power frames of `n_fft / 2 + 1` bins at `sample_rate`.
    pub fn new(sample_rate: u32, n_fft: usize, roll_percent: f64) -> Self {
        let freqs = (0..n_fft / 2 + 1)
            .map(|k| k as f64 * sample_rate as f64 / n_fft as f64)
            .collect();
        SpectralShape {
            freqs,
            roll_percent,
        }
    }

    /// Descriptors of one power-spectrum frame.
    pub fn analyse(&self, power: &[f32]) -> SpectralFrame {
        const AMIN: f64 = 1e-10;
        let (mut total, mut weighted) = (0.0f64, 0.0f64);
        let (mut log_sum, mut pow_sum) = (0.0f64, 0.0f64);
        for (&p, &f) in power.iter().zip(&self.freqs) {
            let p = (p as f64).max(0.0);
            let m = p.sqrt();
            total += m;
            weighted += m * f;
            let pt = p.max(AMIN);
            log_sum += pt.ln();
            pow_sum += pt;
        }
        let n = power.len().max(1) as f64;
        let flatness = ((log_sum / n).exp() / (pow_sum / n)) as f32;
        if total <= 0.0 {
            return SpectralFrame {
                flatness,
                ..Default::default()
            };
        }
        let centroid = weighted / total;
        let mut var = 0.0;
        let mut cum = 0.0;
        let mut rolloff = None;
        let threshold = self.roll_percent * total;
        for (&p, &f) in power.iter().zip(&self.freqs) {
            let m = (p as f64).max(0.0).sqrt();
            var += m * (f - centroid).powi(2);
            cum += m;
            if rolloff.is_none() && cum >= threshold {
                rolloff = Some(f);
            }
        }
        let last = self.freqs.last().copied().unwrap_or(0.0);
        SpectralFrame {
            centroid: centroid as f32,
            bandwidth: (var / total).sqrt() as f32,
            rolloff: rolloff.unwrap_or(last) as f32,
            flatness,
        }
    }
}

/// RMS and zero-crossing rate of a frame (`librosa.feature.rms` on the raw signal and
/// `librosa.feature.zero_crossing_rate`: sign changes, zero counted as positive, over the
/// frame length).
pub fn rms_zcr(frame: &[f32]) -> (f32, f32) {
    if frame.is_empty() {
        return (0.0, 0.0);
    }
    let energy: f64 = frame.iter().map(|&x| (x as f64) * (x as f64)).sum();
    let crossings = frame
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    (
        (energy / frame.len() as f64).sqrt() as f32,
        crossings as f32 / frame.len() as f32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::{PadMode, Stft};
    use crate::testutil::sine;

    #[test]
    fn sine_440_centroid_and_rolloff() {
        let stft = Stft::new("t", 512, 400, 160, true, PadMode::Reflect).unwrap();
        let spec = stft.power(&sine(440.0, 16000, 16000, 0.5)).unwrap();
        let shape = SpectralShape::new(16000, 512, 0.85);
        let f = shape.analyse(spec.frame(50));
        // Hann leakage spreads the magnitude a few bins (31.25 Hz each) around 440 Hz.
        assert!((f.centroid - 440.0).abs() < 25.0, "{f:?}");
        assert!(f.bandwidth < 100.0, "{f:?}");
        assert!((f.rolloff - 440.0).abs() <= 63.0, "{f:?}");
        assert!(f.flatness < 1e-3, "{f:?}");
    }

    #[test]
    fn flat_spectrum_is_flat() {
        let shape = SpectralShape::new(16000, 8, 0.5);
        // Bins at 0, 2000, 4000, 6000, 8000 Hz, equal power.
        let f = shape.analyse(&[1.0; 5]);
        assert!((f.flatness - 1.0).abs() < 1e-6);
        assert!((f.centroid - 4000.0).abs() < 1e-3);
        // sqrt(mean((f - 4000)^2)) = sqrt(8e6)
        assert!((f.bandwidth - 8e6f32.sqrt()).abs() < 1e-2);
        // cumulative 1,2,3 of 5 >= 2.5 at the third bin.
        assert_eq!(f.rolloff, 4000.0);
        let z = shape.analyse(&[0.0; 5]);
        assert_eq!(
            (z.centroid, z.bandwidth, z.rolloff, z.flatness),
            (0.0, 0.0, 0.0, 1.0)
        );
    }

    #[test]
    fn rms_and_zcr() {
        assert_eq!(rms_zcr(&[]), (0.0, 0.0));
        let (r, z) = rms_zcr(&[1.0, -1.0, 1.0, -1.0]);
        assert_eq!((r, z), (1.0, 0.75));
        let (r, z) = rms_zcr(&[0.5; 10]);
        assert_eq!((r, z), (0.5, 0.0));
    }
}
