//! The extra per-frame spectral descriptors of the ComParE- and eGeMAPS-like sets
//! (entropy, power moments, dB slopes, roll-offs, band energies, alpha ratio, Hammarberg
//! index): the ones librosa does not have, kept apart from the librosa-exact shape.

/// Extra spectral descriptors of one frame (the ComParE / eGeMAPS-style ones librosa
/// does not have). Power is normalised so that a full-scale sine's peak bin is 1 (0 dB).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExtraFrame {
    /// Shannon entropy of the normalised power spectrum over log2(bins), in [0, 1].
    pub entropy: f32,
    /// Power-weighted variance of frequency around the power centroid, kHz^2.
    pub variance: f32,
    /// Power-weighted skewness of frequency.
    pub skewness: f32,
    /// Power-weighted (non-excess) kurtosis of frequency.
    pub kurtosis: f32,
    /// Least-squares slope of the dB power spectrum over all bins, dB/kHz.
    pub slope: f32,
    /// Magnitude roll-off points at 25, 50, 75 and 90 %, Hz.
    pub rolloff: [f32; 4],
    /// Energy in 250-650 Hz, dB.
    pub energy_250_650: f32,
    /// Energy in 1-4 kHz, dB.
    pub energy_1k_4k: f32,
    /// Alpha ratio: energy 50-1000 Hz over energy 1-5 kHz, dB.
    pub alpha_ratio: f32,
    /// Hammarberg index: strongest bin in 0-2 kHz over strongest in 2-5 kHz, dB.
    pub hammarberg: f32,
    /// Slope of the dB power spectrum in 0-500 Hz, dB/kHz.
    pub slope_0_500: f32,
    /// Slope of the dB power spectrum in 500-1500 Hz, dB/kHz.
    pub slope_500_1500: f32,
}

/// Roll-off fractions of [`ExtraFrame::rolloff`].
pub const ROLLOFF_POINTS: [f64; 4] = [0.25, 0.5, 0.75, 0.9];

/// Floor added to normalised power before a logarithm (-120 dB).
const POWER_FLOOR: f64 = 1e-12;

/// Computes [`ExtraFrame`]s for one FFT size.
#[derive(Clone, Debug)]
pub struct SpectralExtra {
    freqs_khz: Vec<f64>,
    norm: f64,
    bands: [std::ops::Range<usize>; 8],
}

impl SpectralExtra {
    /// For power frames of `n_fft / 2 + 1` bins at `sample_rate`, windowed by a window
    /// summing to `window_sum`.
    pub fn new(sample_rate: u32, n_fft: usize, window_sum: f64) -> Self {
        let bins = n_fft / 2 + 1;
        let hz = |k: usize| k as f64 * sample_rate as f64 / n_fft as f64;
        let band = |lo: f64, hi: f64| {
            let a = (0..bins).find(|&k| hz(k) >= lo).unwrap_or(bins);
            let b = (0..bins).find(|&k| hz(k) > hi).unwrap_or(bins);
            a..b.max(a)
        };
        SpectralExtra {
            freqs_khz: (0..bins).map(|k| hz(k) / 1000.0).collect(),
            norm: 4.0 / (window_sum * window_sum).max(f64::MIN_POSITIVE),
            bands: [
                band(250.0, 650.0),
                band(1000.0, 4000.0),
                band(50.0, 1000.0),
                band(1000.0, 5000.0),
                band(0.0, 2000.0),
                band(2000.0, 5000.0),
                band(0.0, 500.0),
                band(500.0, 1500.0),
            ],
        }
    }

    /// Descriptors of one power frame; `db` is scratch of `bins` values.
    pub fn analyse(&self, power: &[f32], db: &mut [f32]) -> ExtraFrame {
        let n = power.len().min(self.freqs_khz.len());
        let f = &self.freqs_khz[..n];
        let mut total = 0.0f64;
        let mut mag_total = 0.0f64;
        // One logarithm per bin, in f32: the dB spectrum; entropy reuses it.
        const DB_PER_LOG2: f32 = 10.0 * std::f32::consts::LOG10_2;
        for (d, &p) in db.iter_mut().zip(&power[..n]) {
            let p = (p as f64).max(0.0) * self.norm;
            total += p;
            mag_total += p.sqrt();
            *d = 10.0 * ((p + POWER_FLOOR) as f32).log10();
        }
        let mut e = ExtraFrame::default();
        // Power-weighted moments and entropy (-sum q log2 q with log2 q = log2 p - log2 total).
        if total > 0.0 {
            let log2_total = total.log2();
            let (mut c, mut h) = (0.0, 0.0);
            for ((&p, &fk), &d) in power[..n].iter().zip(f).zip(db.iter()) {
                let q = (p as f64).max(0.0) * self.norm / total;
                c += q * fk;
                if q > 0.0 {
                    h -= q * ((d / DB_PER_LOG2) as f64 - log2_total);
                }
            }
            let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
            for (&p, &fk) in power[..n].iter().zip(f) {
                let q = (p as f64).max(0.0) * self.norm / total;
                let d = fk - c;
                let d2 = d * d;
                m2 += q * d2;
                m3 += q * d2 * d;
                m4 += q * d2 * d2;
            }
            e.entropy = if n > 1 {
                ((h / (n as f64).log2()) as f32).clamp(0.0, 1.0)
            } else {
                0.0
            };
            e.variance = m2 as f32;
            if m2 > 1e-12 {
                e.skewness = (m3 / m2.powf(1.5)) as f32;
                e.kurtosis = (m4 / (m2 * m2)) as f32;
            }
        }
        // Magnitude roll-offs, as librosa's (lowest bin where the cumulative sum reaches).
        if mag_total > 0.0 {
            let mut cum = 0.0;
            let mut next = 0;
            for (&p, &fk) in power[..n].iter().zip(f) {
                cum += ((p as f64).max(0.0) * self.norm).sqrt();
                while next < 4 && cum >= ROLLOFF_POINTS[next] * mag_total {
                    e.rolloff[next] = (fk * 1000.0) as f32;
                    next += 1;
                }
            }
        }
        let db = &db[..n];
        let [b250, b1k4k, alpha_lo, alpha_hi, ham_lo, ham_hi, s0, s1] = self.bands.clone();
        let sum = |r: std::ops::Range<usize>| -> f64 {
            power[r.start.min(n)..r.end.min(n)]
                .iter()
                .map(|&p| (p as f64).max(0.0) * self.norm)
                .sum()
        };
        let to_db = |x: f64| (10.0 * (x + POWER_FLOOR).log10()) as f32;
        e.energy_250_650 = to_db(sum(b250));
        e.energy_1k_4k = to_db(sum(b1k4k));
        if !alpha_hi.is_empty() && !alpha_lo.is_empty() {
            e.alpha_ratio = to_db(sum(alpha_lo)) - to_db(sum(alpha_hi));
        }
        let peak = |r: std::ops::Range<usize>| {
            db[r.start.min(n)..r.end.min(n)]
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max)
        };
        let (hl, hh) = (peak(ham_lo), peak(ham_hi));
        if hl.is_finite() && hh.is_finite() {
            e.hammarberg = hl - hh;
        }
        e.slope = regression_slope(f, db, 0..n);
        e.slope_0_500 = regression_slope(f, db, s0);
        e.slope_500_1500 = regression_slope(f, db, s1);
        e
    }
}

/// Least-squares slope of `y` against `x` over `range` (clipped); 0 with under two points.
fn regression_slope(x: &[f64], y: &[f32], range: std::ops::Range<usize>) -> f32 {
    let r = range.start.min(x.len())..range.end.min(x.len()).min(y.len());
    let n = r.len();
    if n < 2 {
        return 0.0;
    }
    let xs = &x[r.clone()];
    let ys = &y[r];
    let xbar = xs.iter().sum::<f64>() / n as f64;
    let ybar = ys.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let (mut num, mut den) = (0.0, 0.0);
    for (&a, &b) in xs.iter().zip(ys) {
        num += (a - xbar) * (b as f64 - ybar);
        den += (a - xbar) * (a - xbar);
    }
    if den > 0.0 {
        (num / den) as f32
    } else {
        0.0
    }
}
