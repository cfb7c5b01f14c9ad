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

/// `librosa.feature.spectral_contrast(S=|X|, n_bands, fmin, quantile, linear=False)`:
/// per octave band, the dB difference between the mean of the top and the bottom
/// `quantile` of magnitudes. The dB conversion is `power_to_db(top_db=80)` over the
/// whole utterance, as in librosa, so [`Contrast::finish`] runs once all frames are in.
#[derive(Clone, Debug)]
pub struct Contrast {
    /// Per band: bins included and how many values are averaged at each end.
    bands: Vec<(std::ops::Range<usize>, usize)>,
}

impl Contrast {
    /// Plan the bands; `component` names the caller in errors.
    pub fn new(
        component: &str,
        sample_rate: u32,
        n_fft: usize,
        n_bands: usize,
        fmin: f64,
        quantile: f64,
    ) -> serlab_api::Result<Self> {
        use serlab_api::Error;
        if n_bands == 0 {
            return Err(Error::config(
                component,
                "contrast_bands",
                "must be at least 1",
            ));
        }
        if fmin.is_nan() || fmin <= 0.0 {
            return Err(Error::config(
                component,
                "contrast_fmin",
                "must be positive",
            ));
        }
        let bins = n_fft / 2 + 1;
        let freq: Vec<f64> = (0..bins)
            .map(|k| k as f64 * sample_rate as f64 / n_fft as f64)
            .collect();
        let mut octa = vec![0.0f64];
        octa.extend((0..=n_bands).map(|i| fmin * 2f64.powi(i as i32)));
        if octa[..octa.len() - 1]
            .iter()
            .any(|&f| f >= 0.5 * sample_rate as f64)
        {
            return Err(Error::config(
                component,
                "contrast_bands",
                "the top band starts above sample_rate / 2: reduce contrast_bands or contrast_fmin",
            ));
        }
        let mut bands = Vec::with_capacity(n_bands + 1);
        for k in 0..=n_bands {
            let (lo, hi) = (octa[k], octa[k + 1]);
            let idx: Vec<usize> = (0..bins)
                .filter(|&i| freq[i] >= lo && freq[i] <= hi)
                .collect();
            let (Some(&first), Some(&last)) = (idx.first(), idx.last()) else {
                return Err(Error::config(
                    component,
                    "contrast_fmin",
                    "an octave band holds no FFT bin: raise n_fft or contrast_fmin",
                ));
            };
            let start = if k > 0 {
                first.saturating_sub(1)
            } else {
                first
            };
            let end = if k == n_bands { bins } else { last + 1 };
            let count = end - start;
            let take = ((quantile * count as f64).round_ties_even() as usize).max(1);
            // Every band but the last drops its last bin.
            let used = if k < n_bands {
                start..end - 1
            } else {
                start..end
            };
            if used.is_empty() {
                return Err(Error::config(
                    component,
                    "contrast_fmin",
                    "an octave band holds no FFT bin: raise n_fft or contrast_fmin",
                ));
            }
            bands.push((used, take));
        }
        Ok(Contrast { bands })
    }

    /// Number of values per frame (`n_bands + 1`).
    pub fn len(&self) -> usize {
        self.bands.len()
    }

    /// Whether there are no bands (never, once constructed).
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// Linear peak and valley of each band of one power frame; `scratch` is reused.
    pub fn frame(
        &self,
        power: &[f32],
        peak: &mut [f32],
        valley: &mut [f32],
        scratch: &mut Vec<f32>,
    ) {
        for (b, (range, take)) in self.bands.iter().enumerate() {
            scratch.clear();
            scratch.extend(power[range.clone()].iter().map(|&p| p.max(0.0).sqrt()));
            scratch.sort_unstable_by(f32::total_cmp);
            let take = (*take).min(scratch.len());
            let lo: f64 = scratch[..take].iter().map(|&v| v as f64).sum::<f64>() / take as f64;
            let hi: f64 = scratch[scratch.len() - take..]
                .iter()
                .map(|&v| v as f64)
                .sum::<f64>()
                / take as f64;
            valley[b] = lo as f32;
            peak[b] = hi as f32;
        }
    }

    /// Contrast from all frames' peaks and valleys (any layout, same for both):
    /// `power_to_db(peak) - power_to_db(valley)`, written into `peak`.
    pub fn finish(peak: &mut [f32], valley: &mut [f32]) {
        crate::mel::power_to_db(peak, 80.0);
        crate::mel::power_to_db(valley, 80.0);
        for (p, v) in peak.iter_mut().zip(valley.iter()) {
            *p -= v;
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
