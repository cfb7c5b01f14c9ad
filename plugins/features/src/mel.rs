//! Mel filterbank (Slaney scale, Slaney area normalisation) and `power_to_db`, both as in
//! librosa (`librosa.filters.mel(htk=False, norm='slaney')`, `librosa.power_to_db`).

use crate::stft::{PadMode, Stft};
use serlab_api::{Error, Result};

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP; // 15
/// `ln(6.4) / 27`: the step of the Slaney scale's logarithmic part.
fn logstep() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hertz to mels on the Slaney (Auditory Toolbox) scale: linear below 1 kHz, logarithmic above.
pub fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / logstep()
    } else {
        hz / F_SP
    }
}

/// Mels to hertz on the Slaney scale (inverse of [`hz_to_mel`]).
pub fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (logstep() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// A mel filterbank stored sparsely: each band keeps its first non-zero bin and weights.
#[derive(Clone, Debug, PartialEq)]
pub struct MelFilterbank {
    bands: Vec<(usize, Vec<f32>)>,
    bins: usize,
    /// Centre frequency of each band, Hz.
    centres: Vec<f64>,
}

impl MelFilterbank {
    /// `librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)`.
    pub fn new(sr: f64, n_fft: usize, n_mels: usize, fmin: f64, fmax: f64) -> Self {
        let bins = n_fft / 2 + 1;
        let fft_freqs: Vec<f64> = (0..bins).map(|k| k as f64 * sr / n_fft as f64).collect();
        let (lo, hi) = (hz_to_mel(fmin), hz_to_mel(fmax));
        let mel_f: Vec<f64> = (0..n_mels + 2)
            .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
            .collect();
        let mut bands = Vec::with_capacity(n_mels);
        for i in 0..n_mels {
            let (f0, f1, f2) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
            let enorm = 2.0 / (f2 - f0);
            let weights: Vec<f64> = fft_freqs
                .iter()
                .map(|&f| {
                    let lower = (f - f0) / (f1 - f0);
                    let upper = (f2 - f) / (f2 - f1);
                    let w = lower.min(upper).max(0.0) * enorm;
                    if w.is_finite() {
                        w
                    } else {
                        0.0
                    }
                })
                .collect();
            let first = weights.iter().position(|&w| w > 0.0).unwrap_or(0);
            let last = weights
                .iter()
                .rposition(|&w| w > 0.0)
                .map_or(first, |l| l + 1);
            bands.push((
                first,
                weights[first..last].iter().map(|&w| w as f32).collect(),
            ));
        }
        MelFilterbank {
            bands,
            bins,
            centres: mel_f[1..n_mels + 1].to_vec(),
        }
    }

    /// Number of mel bands.
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// Centre frequencies of the bands, Hz.
    pub fn centres(&self) -> &[f64] {
        &self.centres
    }

    /// The dense weight row of band `m` (`bins` values).
    pub fn row(&self, m: usize) -> Vec<f32> {
        let mut row = vec![0.0; self.bins];
        let (start, w) = &self.bands[m];
        row[*start..start + w.len()].copy_from_slice(w);
        row
    }

    /// Mel power of one power-spectrum frame into `out` (`n_mels` long).
    pub fn apply(&self, power: &[f32], out: &mut [f32]) {
        for ((start, w), o) in self.bands.iter().zip(out.iter_mut()) {
            *o = w.iter().zip(&power[*start..]).map(|(a, b)| a * b).sum();
        }
    }
}

/// `librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db)` in place over a whole utterance:
/// `10 log10(max(S, amin))`, then everything below `max - top_db` is raised to it.
/// `top_db <= 0` disables the clamp.
pub fn power_to_db(values: &mut [f32], top_db: f32) {
    const AMIN: f32 = 1e-10;
    let mut max = f32::NEG_INFINITY;
    for v in values.iter_mut() {
        *v = 10.0 * v.max(AMIN).log10();
        max = max.max(*v);
    }
    if top_db > 0.0 {
        let floor = max - top_db;
        values.iter_mut().for_each(|v| *v = v.max(floor));
    }
}

/// Settings shared by every extractor that starts from a mel spectrogram.
#[derive(Clone, Debug)]
pub struct MelFrontEnd {
    stft: Stft,
    bank: MelFilterbank,
    top_db: f32,
}

/// A log-mel spectrogram, row-major `frames x n_mels`, in dB.
#[derive(Clone, Debug, PartialEq)]
pub struct LogMel {
    /// Rows.
    pub frames: usize,
    /// Columns.
    pub n_mels: usize,
    /// `frames * n_mels` values in dB.
    pub db: Vec<f32>,
}

impl LogMel {
    /// The bands of frame `t`.
    pub fn frame(&self, t: usize) -> &[f32] {
        &self.db[t * self.n_mels..(t + 1) * self.n_mels]
    }
}

/// Validated mel settings, as written in a component's parameters.
#[derive(Clone, Copy, Debug)]
pub struct MelSettings {
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// FFT length.
    pub n_fft: usize,
    /// Window length.
    pub win_length: usize,
    /// Hop length.
    pub hop_length: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest frequency, Hz.
    pub fmin: f32,
    /// Highest frequency, Hz (0 = Nyquist).
    pub fmax: f32,
    /// Centre frames.
    pub center: bool,
    /// Padding when centring.
    pub pad_mode: PadMode,
    /// Dynamic range kept by `power_to_db`, dB (0 = all).
    pub top_db: f32,
}

impl MelFrontEnd {
    /// Validate the settings and plan the STFT. `component` names the caller in errors.
    pub fn new(component: &str, s: &MelSettings) -> Result<Self> {
        if !(1000..=384_000).contains(&s.sample_rate) {
            return Err(Error::config(
                component,
                "sample_rate",
                "must be between 1000 and 384000",
            ));
        }
        let nyquist = s.sample_rate as f32 / 2.0;
        let fmax = if s.fmax <= 0.0 { nyquist } else { s.fmax };
        if !(s.fmin >= 0.0 && s.fmin < fmax) {
            return Err(Error::config(
                component,
                "fmin",
                "must be at least 0 and below fmax",
            ));
        }
        if fmax > nyquist {
            return Err(Error::config(
                component,
                "fmax",
                "must not exceed sample_rate / 2",
            ));
        }
        if s.n_mels == 0 || s.n_mels > 1024 {
            return Err(Error::config(
                component,
                "n_mels",
                "must be between 1 and 1024",
            ));
        }
        if !s.top_db.is_finite() {
            return Err(Error::config(component, "top_db", "must be finite"));
        }
        let stft = Stft::new(
            component,
            s.n_fft,
            s.win_length,
            s.hop_length,
            s.center,
            s.pad_mode,
        )?;
        let bank = MelFilterbank::new(
            s.sample_rate as f64,
            s.n_fft,
            s.n_mels,
            s.fmin as f64,
            fmax as f64,
        );
        Ok(MelFrontEnd {
            stft,
            bank,
            top_db: s.top_db,
        })
    }

    /// The planned STFT.
    pub fn stft(&self) -> &Stft {
        &self.stft
    }

    /// The filterbank.
    pub fn bank(&self) -> &MelFilterbank {
        &self.bank
    }

    /// Log-mel spectrogram of a signal.
    pub fn log_mel(&self, samples: &[f32]) -> Result<LogMel> {
        let spec = self.stft.power(samples)?;
        Ok(self.log_mel_of(&spec))
    }

    /// Log-mel spectrogram from an already computed power spectrogram (same STFT settings).
    pub fn log_mel_of(&self, spec: &crate::stft::Spectrogram) -> LogMel {
        let n_mels = self.bank.n_mels();
        let mut db = vec![0.0f32; spec.frames * n_mels];
        for (t, row) in db.chunks_exact_mut(n_mels).enumerate() {
            self.bank.apply(spec.frame(t), row);
        }
        power_to_db(&mut db, self.top_db);
        LogMel {
            frames: spec.frames,
            n_mels,
            db,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaney_scale_values() {
        // Linear part: 200/3 Hz per mel; 1000 Hz is mel 15.
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        // librosa.hz_to_mel(2000) = 15 + ln(2) / (ln(6.4) / 27) = 25.08188...
        let want = 15.0 + 2f64.ln() / (6.4f64.ln() / 27.0);
        assert!((hz_to_mel(2000.0) - want).abs() < 1e-12);
        assert!((hz_to_mel(2000.0) - 25.08188).abs() < 1e-4);
        for hz in [0.0, 100.0, 999.0, 1000.0, 4321.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9);
        }
    }

    #[test]
    fn slaney_area_normalisation() {
        // With norm='slaney' each triangle has height 2 / (f2 - f0) and base (f2 - f0), so the
        // area under it (in Hz) is 1: sum(row) * bin_width ~= 1 for bands that are wide
        // relative to the bin spacing.
        let sr = 16000.0;
        let n_fft = 4096;
        let bank = MelFilterbank::new(sr, n_fft, 40, 0.0, 8000.0);
        let df = sr / n_fft as f64;
        for m in 5..40 {
            let area: f64 = bank.row(m).iter().map(|&w| w as f64 * df).sum();
            assert!((area - 1.0).abs() < 0.02, "band {m}: {area}");
        }
    }

    #[test]
    fn filterbank_peak_at_centre() {
        // Band 0 of librosa.filters.mel(sr=16000, n_fft=512, n_mels=64) peaks in bin 1
        // with weight 2 / (f2 - f0), mel points spaced by hz_to_mel(8000) / 65.
        let bank = MelFilterbank::new(16000.0, 512, 64, 0.0, 8000.0);
        let step = hz_to_mel(8000.0) / 65.0;
        let (f0, f1, f2) = (mel_to_hz(0.0), mel_to_hz(step), mel_to_hz(2.0 * step));
        let row = bank.row(0);
        // Bin 1 is 31.25 Hz, on the rising slope of the first triangle.
        let want = (31.25 - f0) / (f1 - f0) * 2.0 / (f2 - f0);
        assert!((row[1] as f64 - want).abs() < 1e-7, "{} vs {want}", row[1]);
        assert_eq!(row[0], 0.0);
    }

    #[test]
    fn power_to_db_clamps_per_utterance() {
        let mut v = vec![1.0, 1e-3, 0.0, 1e-12];
        power_to_db(&mut v, 80.0);
        assert_eq!(v[0], 0.0);
        assert!((v[1] + 30.0).abs() < 1e-4);
        assert_eq!(v[2], -80.0);
        assert_eq!(v[3], -80.0);
        let mut v = vec![0.0f32; 3];
        power_to_db(&mut v, 80.0);
        assert!(v.iter().all(|&x| x == -100.0));
    }
}
