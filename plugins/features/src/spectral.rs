//! Per-frame spectral shape (centroid, bandwidth, roll-off, flatness) as in librosa's
//! `spectral_*` features, and time-domain RMS and zero-crossing rate.
//!
//! Centroid, bandwidth and roll-off weight frequencies by the magnitude `|X|` (librosa's
//! default); flatness is computed on the power `|X|^2` with `amin = 1e-10`. A silent frame
//! gives centroid, bandwidth and roll-off 0 and flatness 1.
//!
//! Also here: the extra descriptors of the ComParE- and eGeMAPS-like sets ([`SpectralExtra`]:
//! entropy, power moments, dB slope, several roll-offs, band energies, alpha ratio,
//! Hammarberg index, band slopes), librosa's spectral contrast ([`Contrast`]) and
//! librosa-exact frame RMS and zero-crossing rate ([`rms_zcr_track`]).
//!
//! The ComParE/eGeMAPS extras live in `extra` and spectral contrast in `contrast`; both are
//! re-exported here so `spectral::…` paths stay as they were.

mod contrast;
mod extra;

pub use contrast::Contrast;
pub use extra::{ExtraFrame, SpectralExtra, ROLLOFF_POINTS};

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

/// Frame-wise RMS and zero-crossing rate of a whole signal, as `librosa.feature.rms(y,
/// frame_length, hop_length, center=True, pad_mode)` (`pad_mode` reflect or zeros) and
/// `librosa.feature.zero_crossing_rate(y, frame_length, hop_length, center=True)` (edge
/// padding; `|x| <= 1e-10` counts as 0, 0 counts as positive; the first sample of a frame
/// never counts). Frames are centred on `t * hop`; `frames` of them.
pub fn rms_zcr_track(
    samples: &[f32],
    frame_length: usize,
    hop: usize,
    frames: usize,
    pad: crate::stft::PadMode,
) -> (Vec<f32>, Vec<f32>) {
    let n = samples.len() as isize;
    let half = (frame_length / 2) as isize;
    let value = |i: isize, edge: bool| -> f32 {
        if (0..n).contains(&i) {
            samples[i as usize]
        } else if n == 0 {
            0.0
        } else if edge {
            samples[i.clamp(0, n - 1) as usize]
        } else {
            match pad {
                crate::stft::PadMode::Reflect => {
                    samples[crate::stft::reflect_index(i, samples.len())]
                }
                crate::stft::PadMode::Constant => 0.0,
            }
        }
    };
    let mut rms = Vec::with_capacity(frames);
    let mut zcr = Vec::with_capacity(frames);
    let negative = |x: f32| x < -1e-10;
    for t in 0..frames {
        let start = (t * hop) as isize - half;
        let inside = start >= 0 && start + frame_length as isize <= n;
        let (mut e, mut z) = (0.0f64, 0usize);
        if inside {
            let fr = &samples[start as usize..start as usize + frame_length];
            e = fr.iter().map(|&x| (x as f64) * (x as f64)).sum();
            z = fr
                .windows(2)
                .filter(|w| negative(w[0]) != negative(w[1]))
                .count();
        } else {
            let mut prev = None;
            for i in start..start + frame_length as isize {
                let x = value(i, false) as f64;
                e += x * x;
                let s = negative(value(i, true));
                if let Some(p) = prev {
                    if p != s {
                        z += 1;
                    }
                }
                prev = Some(s);
            }
        }
        rms.push((e / frame_length.max(1) as f64).sqrt() as f32);
        zcr.push(z as f32 / frame_length.max(1) as f32);
    }
    (rms, zcr)
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
mod tests;
